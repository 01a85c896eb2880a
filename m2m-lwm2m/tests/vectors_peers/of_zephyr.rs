//! Peers' vectors: Zephyr RTOS's LwM2M content-format unit tests
//! (`tests/net/lib/lwm2m/content_*/src/main.c`). Zephyr's tests drive its writers and readers
//! one value at a time on their test object 65535, instance 0; the bytes and numbers below are
//! theirs, each test names the Zephyr function it comes from.
//!
//! 65535 is the reserved id (Core 1.1 §7.2: no object, instance or resource has it), and this
//! crate refuses it on a path (`reserved_object_id_zephyr`). The other tests put object 65534
//! where Zephyr has 65535: in SenML and link format the id is written in decimal, so the bytes
//! keep their lengths and offsets; a TLV body does not name the object at all.

use super::*;
use m2m_lwm2m::cbor::single;

/// The doubles Zephyr's float tests write and read (TLV, SenML CBOR, CBOR), with their
/// big-endian IEEE 754 double bytes.
const DOUBLES: [(f64, &str); 7] = [
    (0.0, "0000000000000000"),
    (0.123, "3FBF7CED916872B0"),
    (-0.987, "BFEF95810624DD2F"),
    (3.0, "4008000000000000"),
    (-10.0, "C024000000000000"),
    (2.333, "4002A9FBE76C8B44"),
    (-123.125, "C05EC80000000000"),
];

fn typed<'a>(v: Value<'a>, ty: DataType) -> Value<'a> {
    v.typed(ty, &Config::STRICT).unwrap()
}

/// The one record of a TLV body read at `base`, typed as `ty`.
fn tlv_one(body: &[u8], base: &str, ty: DataType) -> (String, Value<'static>) {
    let body: &'static [u8] = body.to_vec().leak();
    let base: &'static str = base.to_owned().leak();
    let recs = tlv_all(body, base, Config::STRICT).unwrap();
    assert_eq!(recs.len(), 1, "{recs:?}");
    (recs[0].path.to_string(), typed(recs[0].value.unwrap(), ty))
}

/// `content_oma_tlv/src/main.c`: resource TLVs with the one-byte id 0xAA (170) and the two-byte
/// id 0xAABB (43707), integers in the fewest bytes, each value written by `test_put_*` and read
/// back by `test_get_*`.
#[test]
fn tlv_resources_zephyr() {
    let short = "/65534/0/170";
    let long = "/65534/0/43707";
    // test_put_s8/s16/s32/s64 and test_get_s32/s64: 0, the maximum and the minimum of each
    // width; 0 takes one byte whatever the width.
    let ints: &[(&str, i64, &str)] = &[
        (short, 0, "C1AA00"),
        (short, i64::from(i8::MAX), "C1AA7F"),
        (long, i64::from(i8::MIN), "E1AABB80"),
        (short, i64::from(i16::MAX), "C2AA7FFF"),
        (long, i64::from(i16::MIN), "E2AABB8000"),
        (short, i64::from(i32::MAX), "C4AA7FFFFFFF"),
        (long, i64::from(i32::MIN), "E4AABB80000000"),
        (short, i64::MAX, "C8AA087FFFFFFFFFFFFFFF"),
        (long, i64::MIN, "E8AABB088000000000000000"),
    ];
    for &(path, v, wire) in ints {
        let recs = [Record::new(p(path), Value::Int(v))];
        assert_eq!(tlv_bytes(&p("/65534/0"), &recs), hex(wire), "{v}");
        assert_eq!(
            tlv_one(&hex(wire), "/65534/0", DataType::Integer),
            (path.to_owned(), Value::Int(v))
        );
        // Read at the resource itself (Zephyr's readers see the one resource TLV).
        assert_eq!(
            tlv_one(&hex(wire), path, DataType::Integer),
            (path.to_owned(), Value::Int(v))
        );
    }
    // test_put_string / test_get_string and test_put_opaque / test_get_opaque: 11 bytes, an
    // 8-bit length field.
    let s = Record::new(p(short), Value::Str(Text::Plain("test_string")));
    let wire = hex("C8AA0B 746573745F737472696E67");
    assert_eq!(tlv_bytes(&p("/65534/0"), &[s]), wire);
    assert_eq!(
        tlv_one(&wire, short, DataType::String).1,
        Value::Str(Text::Plain("test_string"))
    );
    let o = Record::new(p(short), Value::Opaque(Opaque::Raw(b"test_opaque")));
    let wire = hex("C8AA0B 746573745F6F7061717565");
    assert_eq!(tlv_bytes(&p("/65534/0"), &[o]), wire);
    assert_eq!(
        opaque_bytes(Some(tlv_one(&wire, short, DataType::Opaque).1)),
        b"test_opaque"
    );
    // test_put_bool / test_get_bool: one byte, 1 or 0.
    for (path, b, wire) in [(short, true, "C1AA01"), (long, false, "E1AABB00")] {
        let recs = [Record::new(p(path), Value::Bool(b))];
        assert_eq!(tlv_bytes(&p("/65534/0"), &recs), hex(wire));
        assert_eq!(
            tlv_one(&hex(wire), path, DataType::Boolean).1,
            Value::Bool(b)
        );
    }
    // test_put_objlnk / test_get_objlnk: two 16-bit ids; 65535:65535 is the null link.
    for (path, object, instance, wire) in [
        (short, 0, 0, "C4AA00000000"),
        (short, 1, 2, "C4AA00010002"),
        (long, 65535, 65535, "E4AABBFFFFFFFF"),
    ] {
        let l = Value::ObjLink(ObjLink { object, instance });
        assert_eq!(
            tlv_bytes(&p("/65534/0"), &[Record::new(p(path), l)]),
            hex(wire)
        );
        assert_eq!(tlv_one(&hex(wire), path, DataType::Objlnk).1, l);
    }
    // test_get_float: Zephyr writes every Float in 8 bytes and reads them back. We read each;
    // we write a value a single-precision float holds exactly in 4 bytes (Core 1.1 §7.4.3:
    // a Float is 4 or 8 bytes), so 0.123 and the like are the same bytes and
    // 3.0 is 4 bytes (C4AA 40400000) where Zephyr has 8 (test_put_float).
    for (i, (f, dbl)) in DOUBLES.iter().enumerate() {
        let path = if i == 6 { long } else { short };
        let id = if i == 6 { "E8AABB08" } else { "C8AA08" };
        let wire = hex(&format!("{id}{dbl}"));
        assert_eq!(tlv_one(&wire, path, DataType::Float).1, Value::Float(*f));
        let ours = tlv_bytes(&p("/65534/0"), &[Record::new(p(path), Value::Float(*f))]);
        let back = tlv_one(&ours, path, DataType::Float).1;
        assert_eq!(back, Value::Float(*f));
        if !exact_in_f32(*f) {
            assert_eq!(ours, wire, "{f}");
        }
    }
    assert_eq!(
        tlv_bytes(&p("/65534/0"), &[Record::new(p(short), Value::Float(3.0))]),
        hex("C4AA 40400000")
    );
    // test_get_*_nodata: no bytes at all is no resource: we read no record, Zephyr's readers
    // say -ENODATA.
    assert_eq!(tlv_all(&[], short, Config::STRICT), Ok(vec![]));
}

/// `content_plain_text/src/main.c`: text/plain values (Core 1.1 §7.4.1).
#[test]
fn text_plain_zephyr() {
    let put = |v: Value<'_>| -> String {
        let mut out = vec![0u8; text::encoded_len(&v).unwrap()];
        let n = text::encode(&v, &mut out).unwrap();
        String::from_utf8(out[..n].to_vec()).unwrap()
    };
    // test_put_s8/s16/s32/s64, test_get_s32/s64.
    for (v, t) in [
        (0, "0"),
        (i64::from(i8::MAX), "127"),
        (i64::from(i8::MIN), "-128"),
        (i64::from(i16::MAX), "32767"),
        (i64::from(i16::MIN), "-32768"),
        (i64::from(i32::MAX), "2147483647"),
        (i64::from(i32::MIN), "-2147483648"),
        (i64::MAX, "9223372036854775807"),
        (i64::MIN, "-9223372036854775808"),
    ] {
        assert_eq!(put(Value::Int(v)), t);
        assert_eq!(text::value_as(t, DataType::Integer), Ok(Value::Int(v)));
    }
    // test_put_string / test_get_string.
    assert_eq!(put(Value::Str(Text::Plain("test_string"))), "test_string");
    assert_eq!(
        text::value_as("test_string", DataType::String),
        Ok(Value::Str(Text::Plain("test_string")))
    );
    // test_get_string_nodata: an empty body is the empty string.
    assert_eq!(
        text::value_as("", DataType::String),
        Ok(Value::Str(Text::Plain("")))
    );
    // test_put_float writes 0.0, 3.0 and -10.0 with a fraction; test_get_float reads "0", "3"
    // and "-10" without one. We write the shortest text that reads back to the same double
    // (a decimal number either way, §7.4.1), and read both.
    for (f, zephyr_put, zephyr_get) in [
        (0.0, "0.0", "0"),
        (0.123, "0.123", "0.123"),
        (-0.987, "-0.987", "-0.987"),
        (3.0, "3.0", "3"),
        (-10.0, "-10.0", "-10"),
        (2.333, "2.333", "2.333"),
        (-123.125, "-123.125", "-123.125"),
    ] {
        for t in [zephyr_put, zephyr_get] {
            assert_eq!(
                text::value_as(t, DataType::Float),
                Ok(Value::Float(f)),
                "{t}"
            );
        }
        let ours = put(Value::Float(f));
        assert_eq!(
            text::value_as(&ours, DataType::Float),
            Ok(Value::Float(f)),
            "{ours}"
        );
    }
    // test_put_bool / test_get_bool: `1` and `0`.
    assert_eq!(put(Value::Bool(true)), "1");
    assert_eq!(put(Value::Bool(false)), "0");
    assert_eq!(
        text::value_as("1", DataType::Boolean),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        text::value_as("0", DataType::Boolean),
        Ok(Value::Bool(false))
    );
    // test_put_objlnk / test_get_objlnk.
    for (object, instance, t) in [(0, 0, "0:0"), (1, 1, "1:1"), (65535, 65535, "65535:65535")] {
        let l = Value::ObjLink(ObjLink { object, instance });
        assert_eq!(put(l), t);
        assert_eq!(text::value_as(t, DataType::Objlnk), Ok(l));
    }
    // test_get_s32_nodata, _s64_, _float_, _bool_, _objlnk_nodata: an empty body is no
    // number, boolean or link.
    for ty in [
        DataType::Integer,
        DataType::Float,
        DataType::Boolean,
        DataType::Objlnk,
    ] {
        assert!(text::value_as("", ty).is_err(), "{ty:?}");
    }
}

/// `content_raw_cbor/src/main.c`: one CBOR data item (Content-Format 60, Core 1.1 §7.4.6).
#[test]
fn cbor_single_value_zephyr() {
    let put = |v: Value<'_>| -> Vec<u8> {
        let mut out = vec![0u8; single::encoded_len(&v).unwrap()];
        single::encode(&v, &mut out).unwrap();
        out
    };
    // test_put_s8/s16/s32/s64, test_get_s32/s64: the shortest head for each integer.
    for (v, wire) in [
        (1, "01"),
        (-1, "20"),
        (i64::from(i8::MAX), "187F"),
        (i64::from(i8::MIN), "387F"),
        (i64::from(i16::MAX), "197FFF"),
        (i64::from(i16::MIN), "397FFF"),
        (i64::from(i32::MAX), "1A7FFFFFFF"),
        (i64::from(i32::MIN), "3A7FFFFFFF"),
        (i64::MAX, "1B7FFFFFFFFFFFFFFF"),
        (i64::MIN, "3B7FFFFFFFFFFFFFFF"),
    ] {
        assert_eq!(put(Value::Int(v)), hex(wire), "{v}");
        assert_eq!(single::decode(&hex(wire)), Ok(Value::Int(v)), "{wire}");
    }
    // test_get_float reads doubles (FB); test_put_float writes them. We read every one, and
    // write 3.0, -10.0 and -123.125 (exact in a half or single float) narrower: RFC 8949 §4.2.2
    // (preferred serialization) has a float in the shortest width that keeps its value; Core
    // 1.1 §7.4.6 takes half, single and double precision alike.
    for (f, dbl) in DOUBLES {
        let wire = hex(&format!("FB{dbl}"));
        assert_eq!(single::decode(&wire), Ok(Value::Float(f)), "{f}");
        let ours = put(Value::Float(f));
        assert_eq!(single::decode(&ours), Ok(Value::Float(f)), "{f}");
        if !exact_in_f32(f) {
            assert_eq!(ours, wire, "{f}");
        }
    }
    assert_eq!(put(Value::Float(3.0)), hex("F94200"));
    assert_eq!(put(Value::Float(-123.125)), hex("F9D7B2"));
    // test_put_string / test_get_string: text(11) and text(32) with a one-byte length.
    let long = "test_string_that_is_a_bit_longer";
    for (t, wire) in [
        ("test_string", "6B746573745F737472696E67".to_owned()),
        (long, format!("7820{}", m2m_core::hex::Hex(long.as_bytes()))),
    ] {
        assert_eq!(put(Value::Str(Text::Plain(t))), hex(&wire));
        assert_eq!(single::decode(&hex(&wire)), Ok(Value::Str(Text::Plain(t))));
    }
    // test_put_opaque / test_get_opaque: bytes(11) and bytes(32).
    let long = "test_opaque_that_is_a_bit_longer";
    for (t, wire) in [
        ("test_opaque", "4B746573745F6F7061717565".to_owned()),
        (long, format!("5820{}", m2m_core::hex::Hex(long.as_bytes()))),
    ] {
        assert_eq!(put(Value::Opaque(Opaque::Raw(t.as_bytes()))), hex(&wire));
        assert_eq!(
            opaque_bytes(Some(single::decode(&hex(&wire)).unwrap())),
            t.as_bytes()
        );
    }
    // test_put_bool / test_get_bool.
    assert_eq!(put(Value::Bool(true)), hex("F5"));
    assert_eq!(put(Value::Bool(false)), hex("F4"));
    assert_eq!(single::decode(&hex("F5")), Ok(Value::Bool(true)));
    assert_eq!(single::decode(&hex("F4")), Ok(Value::Bool(false)));
    // test_put_objlnk / test_get_objlnk: Zephyr writes the link's text with its C string
    // terminator inside the text string, `64 "0:0\0"`. Core 1.1 §7.4.6 carries an Objlnk as
    // the text "object:instance" and nothing more; a NUL is no digit, so the
    // text is no link (Appendix C, Objlnk): we write `63 "0:0"` and refuse Zephyr's.
    for (object, instance, ours, zephyr) in [
        (0, 0, "63303A30", "64303A3000"),
        (1, 2, "63313A32", "64313A3200"),
        (
            65535,
            65535,
            "6B36353533353A3635353335",
            "6C36353533353A363535333500",
        ),
    ] {
        let l = Value::ObjLink(ObjLink { object, instance });
        assert_eq!(put(l), hex(ours));
        assert_eq!(
            typed(single::decode(&hex(ours)).unwrap(), DataType::Objlnk),
            l
        );
        let theirs = single::decode(bytes(zephyr)).unwrap();
        assert!(
            theirs.typed(DataType::Objlnk, &Config::LENIENT).is_err(),
            "{zephyr}"
        );
    }
    // test_put_time: Zephyr writes time 1 as tag 0 (a date/time string, RFC 8949 §3.4.1),
    // `C0 78 19 "1970-01-01T00:00:01-00:00"`. This crate maps Time as Core 1.1 §7.4.6 and 1.2
    // Appendix C give it, a count of seconds (Appendix C, Time), tagged 1 (epoch-based,
    // RFC 8949 §3.4.2) or not: we write `C1 01` and do not take a tag-0 text for a Time.
    assert_eq!(put(Value::Time(1)), hex("C101"));
    let mut zephyr_time = hex("C07819");
    zephyr_time.extend_from_slice(b"1970-01-01T00:00:01-00:00");
    assert_eq!(
        single::decode(&zephyr_time),
        Err(Error::new(0, Reason::Unsupported))
    );
    // test_get_*_nodata: an empty body is no CBOR item (Zephyr: -EBADMSG).
    assert!(single::decode(&[]).is_err());
}

/// The SenML CBOR record Zephyr writes for a Read of /65534/0/`res`: `[{-2: "/65534/0/",
/// 0: "res", <label>: <value>}]`.
fn zephyr_senml(res: &str, label_and_value: &str) -> Vec<u8> {
    let mut b = hex("81 A3 21 69");
    b.extend_from_slice(b"/65534/0/");
    b.push(0x00);
    b.push(0x60 + u8::try_from(res.len()).unwrap());
    b.extend_from_slice(res.as_bytes());
    b.extend_from_slice(&hex(label_and_value));
    b
}

/// What we write for `recs` reads back as Zephyr's `wire` does, and both name the same
/// paths. Our pack for one record is shorter: a full name in `n` and no `bn` (RFC 8428 §4.5.1
/// resolves both forms to the same name; Zephyr always splits the name into `bn` + `n`).
fn assert_same_pack(recs: &[Record<'_>], wire: &[u8]) {
    let ours = senml_cbor_bytes(recs);
    let back: Vec<Record<'_>> = senml_cbor::decode(&ours).collect::<Result<_, _>>().unwrap();
    assert_eq!(back, recs);
    let theirs: Vec<Record<'_>> = senml_cbor::decode(wire).collect::<Result<_, _>>().unwrap();
    assert_eq!(theirs, recs);
    assert_eq!(senml_cbor_names(&ours), senml_cbor_names(wire));
    assert!(ours.len() < wire.len());
}

fn senml_one(body: &[u8]) -> Result<Record<'_>, Error> {
    let mut recs: Vec<Record<'_>> = senml_cbor::decode(body).collect::<Result<_, _>>()?;
    assert_eq!(recs.len(), 1);
    Ok(recs.remove(0))
}

/// `content_senml_cbor/src/main.c`: SenML CBOR (112) records of single resources.
#[test]
fn senml_cbor_resources_zephyr() {
    // Our form of Zephyr's test_put_s8 first pack: `[{0: "/65534/0/0", 2: 0}]`.
    let mut ours = hex("81 A2 00 6A");
    ours.extend_from_slice(b"/65534/0/0");
    ours.extend_from_slice(&hex("02 00"));
    assert_eq!(
        senml_cbor_bytes(&[Record::new(p("/65534/0/0"), Value::Int(0))]),
        ours
    );
    // test_put_s8/s16/s32/s64 and test_get_s32/s64: `v` (2), the shortest integer head.
    let ints: &[(&str, i64, &str)] = &[
        ("0", 0, "00"),
        ("0", i64::from(i8::MAX), "187F"),
        ("0", i64::from(i8::MIN), "387F"),
        ("1", i64::from(i16::MAX), "197FFF"),
        ("1", i64::from(i16::MIN), "397FFF"),
        ("2", i64::from(i32::MAX), "1A7FFFFFFF"),
        ("2", i64::from(i32::MIN), "3A7FFFFFFF"),
        ("3", 1, "01"),
        ("3", i64::MIN, "3B7FFFFFFFFFFFFFFF"),
        ("3", i64::MAX, "1B7FFFFFFFFFFFFFFF"),
    ];
    for &(res, v, item) in ints {
        let path = format!("/65534/0/{res}");
        let wire = zephyr_senml(res, &format!("02{item}"));
        let rec = Record::new(p(&path), Value::Int(v));
        assert_same_pack(&[rec], &wire);
        assert_eq!(senml_one(&wire), Ok(rec));
    }
    // test_put_string / test_get_string: `vs` (3).
    let rec = Record::new(p("/65534/0/4"), Value::Str(Text::Plain("test_string")));
    let wire = zephyr_senml("4", "03 6B746573745F737472696E67");
    assert_same_pack(&[rec], &wire);
    assert_eq!(senml_one(&wire), Ok(rec));
    // test_get_string_utf8: four emoji, 15 bytes of UTF-8.
    let wire = zephyr_senml("4", "03 6F F09F91A8 F09F91A9 F09FA4A1 E29C8B");
    assert_eq!(
        senml_one(&wire).unwrap().value,
        Some(Value::Str(Text::Plain(
            "\u{1F468}\u{1F469}\u{1F921}\u{270B}"
        )))
    );
    // test_put_float / test_get_float: doubles in `v`. We read each; we write the exact
    // narrower widths for 3.0, -10.0 and -123.125 (RFC 8949 §4.2.2; RFC 8428 §6 takes any
    // CBOR float).
    for (f, dbl) in &DOUBLES[1..] {
        let wire = zephyr_senml("5", &format!("02 FB{dbl}"));
        let rec = Record::new(p("/65534/0/5"), Value::Float(*f));
        assert_eq!(senml_one(&wire), Ok(rec));
        let ours = senml_cbor_bytes(&[rec]);
        assert_eq!(senml_one(&ours), Ok(rec));
        // The value item (the last 9 bytes) is Zephyr's when only a double holds the value.
        if !exact_in_f32(*f) {
            assert_eq!(ours[ours.len() - 9..], wire[wire.len() - 9..], "{f}");
        }
    }
    // test_put_bool / test_get_bool: `vb` (4).
    for (b, item) in [(true, "F5"), (false, "F4")] {
        let wire = zephyr_senml("6", &format!("04{item}"));
        let rec = Record::new(p("/65534/0/6"), Value::Bool(b));
        assert_same_pack(&[rec], &wire);
        assert_eq!(senml_one(&wire), Ok(rec));
    }
    // test_put_objlnk: the text label "vlo" (Core 1.1 §7.4.5).
    for (object, instance, text) in [(0, 0, "0:0"), (1, 2, "1:2"), (65535, 65535, "65535:65535")] {
        let mut item = hex("63");
        item.extend_from_slice(b"vlo");
        item.push(0x60 + u8::try_from(text.len()).unwrap());
        item.extend_from_slice(text.as_bytes());
        let wire = zephyr_senml("7", &m2m_core::hex::Hex(&item).to_string());
        let l = Value::ObjLink(ObjLink { object, instance });
        let rec = Record::new(p("/65534/0/7"), l);
        assert_same_pack(&[rec], &wire);
        let back = senml_one(&wire).unwrap();
        assert_eq!(typed(back.value.unwrap(), DataType::Objlnk), l);
    }
    // test_get_objlnk reads links Zephyr did not write: "1:2" and "65535:65535" in `vs` (3),
    // which is a String's field; the resource's type makes them links, as for a CBOR text
    // (Core 1.1 §7.4.6). We read them so too.
    for (object, instance, item) in [
        (1, 2, "03 63313A32"),
        (65535, 65535, "03 6B36353533353A3635353335"),
    ] {
        let back = senml_one(zephyr_senml("7", item).leak()).unwrap();
        assert_eq!(
            typed(back.value.unwrap(), DataType::Objlnk),
            Value::ObjLink(ObjLink { object, instance })
        );
    }
    // Its first one, "0:0" in `v` (2), Zephyr also reads; RFC 8428 §6 (Table 6) has `v` a
    // number, so a text there is no SenML record: refused.
    assert!(senml_one(&zephyr_senml("7", "02 63303A30")).is_err());
    // test_put_opaque: `vd` (8), a byte string.
    let rec = Record::new(p("/65534/0/8"), Value::Opaque(Opaque::Raw(b"test_opaque")));
    let wire = zephyr_senml("8", "08 4B746573745F6F7061717565");
    assert_same_pack(&[rec], &wire);
    assert_eq!(
        opaque_bytes(senml_one(&wire).unwrap().value),
        b"test_opaque"
    );
    // test_get_opaque reads "test_opaque" from `vs` (3) into an Opaque resource as its bytes.
    // Core 1.1 §7.4.5 carries an Opaque value in `vd` (8), a byte string; `vs` holds a String
    // (RFC 8428 §4.2). The record reads as a String, and typing it as Opaque takes the text as
    // base64 (the legacy JSON rule, Core 1.0 §6.4.4), which "test_opaque" is not: refused.
    let back = senml_one(zephyr_senml("8", "03 6B746573745F6F7061717565").leak()).unwrap();
    assert_eq!(back.value, Some(Value::Str(Text::Plain("test_opaque"))));
    assert_eq!(
        back.value
            .unwrap()
            .typed(DataType::Opaque, &Config::LENIENT),
        Err(Error::new(0, Reason::BadBase64))
    );
    // test_put_time / test_get_time: a Time as the integer `v` 1170111600.
    let wire = zephyr_senml("9", "02 1A45BE7C70");
    // The wire does not say Time apart from Integer: it reads as an Int, typed by the resource.
    let rec = Record::new(p("/65534/0/9"), Value::Time(1_170_111_600));
    let ours = senml_cbor_bytes(&[rec]);
    assert_eq!(ours[ours.len() - 6..], wire[wire.len() - 6..]);
    assert_same_pack(
        &[Record::new(p("/65534/0/9"), Value::Int(1_170_111_600))],
        &wire,
    );
    assert_eq!(
        typed(senml_one(&wire).unwrap().value.unwrap(), DataType::Time),
        Value::Time(1_170_111_600)
    );
    // test_write_security_obj: a record of /0/0/0 "coap" (what Zephyr refuses outside
    // bootstrap is the engine's business; the record is plain).
    let mut wire = hex("81 A3 21 65");
    wire.extend_from_slice(b"/0/0/");
    wire.extend_from_slice(&hex("00 6130 03 64"));
    wire.extend_from_slice(b"coap");
    assert_eq!(
        senml_one(&wire),
        Ok(Record::new(p("/0/0/0"), Value::Str(Text::Plain("coap"))))
    );
    // test_get_*_nodata: an empty body is no pack (Zephyr: -EBADMSG).
    assert!(senml_cbor::decode(&[]).next().unwrap().is_err());
}

/// `content_senml_cbor/src/main.c` test_put_composite and test_put_composite_res_inst: a Send of
/// three cached values, base time 1761226500 on the first record, then `t` 60 and 120
/// relative to it (RFC 8428 §4.5.3).
#[test]
fn senml_cbor_time_series_zephyr() {
    for (res, path) in [("2", "/65534/0/2"), ("10/0", "/65534/0/10/0")] {
        let n = {
            let mut n = vec![0x60 + u8::try_from(res.len()).unwrap()];
            n.extend_from_slice(res.as_bytes());
            m2m_core::hex::Hex(&n).to_string()
        };
        let mut wire = hex("83 A4 21 69");
        wire.extend_from_slice(b"/65534/0/");
        wire.extend_from_slice(&hex(&format!(
            "22 1A68FA2F04 00{n} 020A A3 00{n} 06183C 020B A3 00{n} 061878 020C"
        )));
        let recs: Vec<Record<'_>> = senml_cbor::decode(&wire).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            recs,
            [
                Record::new(p(path), Value::Int(10)).at(1_761_226_500.0),
                Record::new(p(path), Value::Int(11)).at(1_761_226_560.0),
                Record::new(p(path), Value::Int(12)).at(1_761_226_620.0),
            ],
            "{res}"
        );
        // The names resolve to the path on each record (bn carried, RFC 8428 §4.5.1).
        assert_eq!(senml_cbor_names(&wire), [path, path, path]);
    }
}

/// `content_json/src/main.c`: Zephyr's `json_writer`/`json_reader` write and read the legacy
/// LwM2M JSON (11543, Core 1.0 §6.4.4: `{"bn":..,"e":[..]}`), not SenML JSON. Each body is
/// `{"bn":"/65534/0/","e":[{"n":"<res>","<field>":<value>}]}`.
#[test]
fn legacy_json_zephyr() {
    let body = |res: &str, field: &str, value: &str| -> String {
        format!(r#"{{"bn":"/65534/0/","e":[{{"n":"{res}","{field}":{value}}}]}}"#)
    };
    let read = |b: &str| -> Record<'static> {
        let b: &'static str = b.to_owned().leak();
        let recs: Vec<Record<'_>> = lwm2m_json::decode(b.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(recs.len(), 1);
        recs[0]
    };
    // test_put_s8/s16/s32/s64, test_get_s32/s64.
    for (res, v, t) in [
        ("0", 0, "0"),
        ("0", i64::from(i8::MAX), "127"),
        ("0", i64::from(i8::MIN), "-128"),
        ("1", i64::from(i16::MAX), "32767"),
        ("1", i64::from(i16::MIN), "-32768"),
        ("2", i64::from(i32::MAX), "2147483647"),
        ("2", i64::from(i32::MIN), "-2147483648"),
        ("3", i64::MAX, "9223372036854775807"),
        ("3", i64::MIN, "-9223372036854775808"),
    ] {
        let path = format!("/65534/0/{res}");
        let b = body(res, "v", t);
        let rec = Record::new(p(&path), Value::Int(v));
        assert_eq!(legacy_text(&[rec]), b);
        assert_eq!(
            typed(read(&b).value.unwrap(), DataType::Integer),
            Value::Int(v)
        );
        assert_eq!(read(&b).path.to_string(), path);
    }
    // test_put_string / test_get_string.
    let b = body("4", "sv", r#""test_string""#);
    let rec = Record::new(p("/65534/0/4"), Value::Str(Text::Plain("test_string")));
    assert_eq!(legacy_text(&[rec]), b);
    assert_eq!(read(&b), rec);
    // test_put_float / test_get_float: Zephyr writes 0.0, 3.0 and -10.0 with a fraction; a
    // JSON number either way (RFC 8259 §6). We read theirs and ours to the same double.
    for (f, t) in [
        (0.0, "0.0"),
        (0.123, "0.123"),
        (-0.987, "-0.987"),
        (3.0, "3.0"),
        (-10.0, "-10.0"),
        (2.333, "2.333"),
        (-123.125, "-123.125"),
    ] {
        let b = body("5", "v", t);
        assert_eq!(
            typed(read(&b).value.unwrap(), DataType::Float),
            Value::Float(f)
        );
        let ours = legacy_text(&[Record::new(p("/65534/0/5"), Value::Float(f))]);
        assert_eq!(
            typed(read(&ours).value.unwrap(), DataType::Float),
            Value::Float(f)
        );
        assert_eq!(legacy_names(&ours), ["/65534/0/5"]);
    }
    // test_put_bool / test_get_bool: `bv`.
    for (v, t) in [(true, "true"), (false, "false")] {
        let b = body("6", "bv", t);
        let rec = Record::new(p("/65534/0/6"), Value::Bool(v));
        assert_eq!(legacy_text(&[rec]), b);
        assert_eq!(read(&b), rec);
    }
    // test_put_objlnk / test_get_objlnk: `ov`, "object:instance".
    for (object, instance, t) in [(0, 0, "0:0"), (1, 1, "1:1"), (65535, 65535, "65535:65535")] {
        let b = body("7", "ov", &format!("\"{t}\""));
        let l = Value::ObjLink(ObjLink { object, instance });
        let rec = Record::new(p("/65534/0/7"), l);
        assert_eq!(legacy_text(&[rec]), b);
        assert_eq!(typed(read(&b).value.unwrap(), DataType::Objlnk), l);
    }
    // test_get_*_nodata: an empty body is no JSON (Zephyr: -EINVAL).
    assert!(lwm2m_json::decode(b"").next().unwrap().is_err());
}

/// Zephyr's own bodies name the reserved object 65535 (Core 1.1 §7.2): a SenML
/// name, a legacy JSON `bn` or a link target with it is no LwM2M path, and we refuse it where
/// Zephyr's readers take it.
#[test]
fn reserved_object_id_zephyr() {
    // content_senml_cbor test_get_s32: `[{-2: "/65535/0/", 0: "2", 2: 0}]`.
    let mut wire = hex("81 A3 21 69");
    wire.extend_from_slice(b"/65535/0/");
    wire.extend_from_slice(&hex("00 6132 02 00"));
    let err = senml_cbor::decode(&wire).next().unwrap().unwrap_err();
    assert_eq!(err.reason, Reason::BadPath);
    // content_json test_get_s32.
    let body = br#"{"bn":"/65535/0/","e":[{"n":"2","v":0}]}"#;
    let err = lwm2m_json::decode(body).next().unwrap().unwrap_err();
    assert_eq!(err.reason, Reason::BadPath);
    // content_link_format test_put_corelink_register: `</65535>;ver=1.1,</65535/0>`.
    assert!(links("</65535>;ver=1.1,</65535/0>", Config::LENIENT).is_err());
    assert!(Path::parse("/65535/0/0").is_err());
    // The same pack naming 65534 reads.
    wire[9] = b'4';
    assert_eq!(
        senml_cbor::decode(&wire).collect::<Result<Vec<_>, _>>(),
        Ok(vec![Record::new(p("/65534/0/2"), Value::Int(0))])
    );
}

/// `content_link_format/src/main.c`: the link-format bodies of Register, Discover and
/// Bootstrap-Discover, on object 65535 (here 65534) version 1.1 with
/// `pmin` 5 on its instance and `pmax` 200 on its resource, and ssid 101.
#[test]
fn link_format_zephyr() {
    // test_put_begin_register + test_put_corelink_register: the root with the client's
    // Content-Format, then the object with its version and the instance.
    let register = "</>;ct=11543,</65534>;ver=1.1,</65534/0>";
    let l = links(register, Config::STRICT).unwrap();
    assert_eq!(l.len(), 3);
    assert_eq!(l[0].target, Target::Root { path: "/" });
    assert_eq!(l[0].ct, Some("11543"));
    assert_eq!(l[1].target, Target::Path(p("/65534")));
    assert_eq!(l[1].version, Some(Version::V1_1));
    assert_eq!(l[2].target, Target::Path(p("/65534/0")));
    assert!(link::check(&l).is_ok());
    // We write the object and instance links the same way.
    let ours = [
        link::ObjectLink::path(p("/65534")).with_version(Version::V1_1),
        link::ObjectLink::path(p("/65534/0")),
    ];
    let mut text = String::new();
    link::write(&ours, &mut text).unwrap();
    assert_eq!(text, "</65534>;ver=1.1,</65534/0>");
    // test_put_corelink_discovery: Discover of the object, the instance and the resource,
    // attributes as each level has them.
    let discover = "</65534>;ver=1.1,</65534/0>,</65534/0/0>";
    let l = links(discover, Config::STRICT).unwrap();
    assert_eq!(l.len(), 3);
    let l = links("</65534/0>;pmin=5,</65534/0/0>;pmax=200", Config::STRICT).unwrap();
    assert_eq!(l[0].attributes.pmin, Some(5));
    assert_eq!(l[1].attributes.pmax, Some(200));
    let l = links("</65534/0/0>;pmin=5;pmax=200", Config::STRICT).unwrap();
    assert_eq!(l[0].target, Target::Path(p("/65534/0/0")));
    assert_eq!(l[0].attributes.pmin, Some(5));
    assert_eq!(l[0].attributes.pmax, Some(200));
    // test_put_begin_bs_discovery + test_put_corelink_bs_discovery(_ssid): Zephyr opens a
    // Bootstrap-Discover answer with `lwm2m="1.0"` and no link before it (as Wakaama does),
    // then the objects and instances, `ssid` on the Security and Server instances.
    let bs = r#"lwm2m="1.0",</0/0>;ssid=101,</1/0>;ssid=101,</65534>;ver=1.1,</65534/0>"#;
    let l = links(bs, Config::LENIENT).unwrap();
    assert_eq!(l[0].lwm2m, Some(Version::V1_0));
    let rest: Vec<_> = l
        .iter()
        .filter(|x| matches!(x.target, Target::Path(_)))
        .collect();
    assert_eq!(rest.len(), 4);
    assert_eq!(rest[0].target, Target::Path(p("/0/0")));
    assert_eq!(rest[0].ssid, Some(101));
    assert_eq!(rest[1].target, Target::Path(p("/1/0")));
    assert_eq!(rest[1].ssid, Some(101));
    assert_eq!(rest[2].version, Some(Version::V1_1));
}

/// Whether `f` survives narrowing to `f32` exactly (then our encoders write the shorter
/// float, where Zephyr writes eight bytes).
#[allow(clippy::cast_possible_truncation)] // the narrowing is what is asked about
fn exact_in_f32(f: f64) -> bool {
    f64::from(f as f32) == f
}
