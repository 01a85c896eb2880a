//! Vectors of the CBOR content formats: the specification examples, the Device object /3/0 in
//! SenML CBOR and LwM2M CBOR, object links, every integer and float width, and broken inputs
//! with their reason and offset.
//!
//! The example bodies are the hex of the specifications' examples as given in CBOR diagnostic
//! notation (or, for the LwM2M 1.1 SenML CBOR Device example, as the JSON of §7.4.4 with the
//! integer labels of RFC 8428 §6), encoded with preferred serialization by an independent
//! script, not by this crate.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken vector

use m2m_lwm2m::cbor::single;
use m2m_lwm2m::senml::{Number, RawValue};
use m2m_lwm2m::{
    Config, DataType, Error, ObjLink, Opaque, Path, Reason, Record, Text, Value, lwm2m_cbor,
    senml_cbor,
};

fn hex(s: &str) -> Vec<u8> {
    m2m_core::hex::decode(&s.split_whitespace().collect::<String>()).unwrap()
}

fn senml(body: &[u8]) -> Result<Vec<Record<'_>>, Error> {
    senml_cbor::decode(body).collect()
}

fn lwm2m(body: &[u8]) -> Result<Vec<Record<'_>>, Error> {
    lwm2m_cbor::decode(body).collect()
}

fn senml_bytes(recs: &[Record<'_>]) -> Vec<u8> {
    let mut out = vec![0u8; senml_cbor::encoded_len(recs).unwrap()];
    let n = senml_cbor::encode(recs, &mut out).unwrap();
    assert_eq!(n, out.len());
    out
}

fn lwm2m_bytes(recs: &[Record<'_>]) -> Vec<u8> {
    let mut out = vec![0u8; lwm2m_cbor::encoded_len(recs).unwrap()];
    let n = lwm2m_cbor::encode(recs, &mut out).unwrap();
    assert_eq!(n, out.len());
    out
}

/// The Device object instance of the LwM2M examples (OMA-TS-LightweightM2M_Core 1.1 §7.4.4,
/// §7.4.5; 1.2 §7.4.7).
fn device() -> Vec<Record<'static>> {
    let s = |r, t| Record::new(Path::resource(3, 0, r), Value::Str(Text::Plain(t)));
    let i = |r, v| Record::new(Path::resource(3, 0, r), Value::Int(v));
    let ri = |r, ri, v| Record::new(Path::resource_instance(3, 0, r, ri), Value::Int(v));
    vec![
        s(0, "Open Mobile Alliance"),
        s(1, "Lightweight M2M Client"),
        s(2, "345000123"),
        s(3, "1.0"),
        ri(6, 0, 1),
        ri(6, 1, 5),
        ri(7, 0, 3800),
        ri(7, 1, 5000),
        ri(8, 0, 125),
        ri(8, 1, 900),
        i(9, 100),
        i(10, 15),
        ri(11, 0, 0),
        i(13, 1_367_491_215),
        s(14, "+02:00"),
        s(16, "U"),
    ]
}

/// LwM2M 1.1 §7.4.5: the Device object in SenML CBOR,
/// `[{-2: "/3/0/", 0: "0", 3: "Open Mobile Alliance"}, {0: "1", 3: "Lightweight M2M Client"},
/// ..., {0: "13", 2: 1367491215}, {0: "14", 3: "+02:00"}, {0: "16", 3: "U"}]`.
const DEVICE_SENML_CBOR: &str = "
    90a321652f332f302f00613003744f70656e204d6f62696c6520416c6c69616e6365a200613103764c696768
    74776569676874204d324d20436c69656e74a20061320369333435303030313233a20061330363312e30a200
    63362f300201a20063362f310205a20063372f3002190ed8a20063372f3102191388a20063382f3002187da2
    0063382f3102190384a2006139021864a200623130020fa2006431312f300200a200623133021a5182428fa2
    0062313403662b30323a3030a200623136036155";

/// LwM2M 1.2 §7.4.7: the Device object in LwM2M CBOR, nested:
/// `{3: {0: {0: "Open Mobile Alliance", ..., 6: {0: 1, 1: 5}, ..., 11: {0: 0}, 13: 1367491215,
/// 14: "+02:00", 16: "U"}}}`.
const DEVICE_LWM2M_CBOR_NESTED: &str = "
    a103a100ad00744f70656e204d6f62696c6520416c6c69616e636501764c69676874776569676874204d324d
    20436c69656e7402693334353030303132330363312e3006a20001010507a200190ed80119138808a200187d
    011903840918640a0f0ba100000d1a5182428f0e662b30323a3030106155";

/// The same with the path compressed: `{[3, 0]: {...}}`.
const DEVICE_LWM2M_CBOR_COMPRESSED: &str = "
    a1820300ad00744f70656e204d6f62696c6520416c6c69616e636501764c69676874776569676874204d324d
    20436c69656e7402693334353030303132330363312e3006a20001010507a200190ed80119138808a200187d
    011903840918640a0f0ba100000d1a5182428f0e662b30323a3030106155";

/// RFC 8428 §6: the example of §5.1.2 in CBOR,
/// `[{-2: "urn:dev:ow:10e2073a0108006:", -3: 1276020076.001, -4: "A", -1: 5, 0: "voltage",
/// 1: "V", 2: 120.1}, {0: "current", 6: -5, 2: 1.2}, {0: "current", 6: -4, 2: 1.3}]`.
const RFC8428_CBOR: &str = "
    83a721781b75726e3a6465763a6f773a3130653230373361303130383030363a22fb41d303a15b0010622361
    4120050067766f6c7461676501615602fb405e066666666666a3006763757272656e74062402fb3ff3333333
    333333a3006763757272656e74062302fb3ff4cccccccccccd";

#[test]
fn lwm2m_1_1_senml_cbor_device_example() {
    let body = hex(DEVICE_SENML_CBOR);
    assert_eq!(senml(&body).unwrap(), device());
    // Encoding writes the same bytes: `bn` "/3/0/" on the first record, then the short names.
    assert_eq!(senml_bytes(&device()), body);
    // The Current Time reads back as an integer; the model's type makes it a Time.
    let t = senml(&body).unwrap()[13].value.unwrap();
    assert_eq!(
        t.typed(DataType::Time, &Config::STRICT).unwrap(),
        Value::Time(1_367_491_215)
    );
}

#[test]
fn lwm2m_1_2_lwm2m_cbor_device_example() {
    for text in [DEVICE_LWM2M_CBOR_NESTED, DEVICE_LWM2M_CBOR_COMPRESSED] {
        assert_eq!(lwm2m(&hex(text)).unwrap(), device());
    }
    // The encoder compresses /3/0 into one key, groups 6, 7 and 8 and writes 11/0 as [11, 0].
    let body = lwm2m_bytes(&device());
    assert_eq!(
        m2m_core::hex::encode(&body),
        "a1820300ad00744f70656e204d6f62696c6520416c6c69616e636501764c69676874776569676874204d32\
         4d20436c69656e7402693334353030303132330363312e3006a20001010507a200190ed80119138808a2\
         00187d011903840918640a0f820b00000d1a5182428f0e662b30323a3030106155"
    );
    assert_eq!(lwm2m(&body).unwrap(), device());
    assert!(body.len() < hex(DEVICE_SENML_CBOR).len());
}

#[test]
fn rfc8428_section6_example_tokenizes() {
    let body = hex(RFC8428_CBOR);
    let raw: Vec<_> = senml_cbor::decode_raw(&body)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(raw.len(), 3);
    let (at, first) = raw[0];
    assert_eq!(at, 1);
    assert_eq!(
        first.base_name.unwrap().raw(),
        Some("urn:dev:ow:10e2073a0108006:")
    );
    assert_eq!(first.base_time, Some(Number::Float(1_276_020_076.001)));
    assert_eq!(first.base_unit.unwrap().raw(), Some("A"));
    assert_eq!(first.base_version, Some(5));
    assert_eq!(first.name.unwrap().raw(), Some("voltage"));
    assert_eq!(first.unit.unwrap().raw(), Some("V"));
    assert_eq!(first.value, Some(RawValue::Number(Number::Float(120.1))));
    assert_eq!(raw[1].1.time, Some(Number::Int(-5)));
    assert_eq!(raw[2].1.value, Some(RawValue::Number(Number::Float(1.3))));
    // Its names are not LwM2M paths.
    assert_eq!(senml(&body).unwrap_err().reason, Reason::BadPath);
}

#[test]
fn device_object_in_both_formats_round_trips() {
    let mut recs = device();
    recs[13].value = Some(Value::Time(1_367_491_215));
    // LwM2M CBOR keeps a Time (tag 1); SenML CBOR writes it as the number.
    let body = lwm2m_bytes(&recs);
    assert_eq!(lwm2m(&body).unwrap(), recs);
    assert!(m2m_core::hex::encode(&body).contains("0dc11a5182428f"));
    assert_eq!(senml_bytes(&recs), hex(DEVICE_SENML_CBOR));
}

#[test]
fn object_links() {
    let links = [
        Record::new(
            Path::resource(3, 0, 22),
            Value::ObjLink(ObjLink {
                object: 3,
                instance: 0,
            }),
        ),
        Record::new(Path::resource(3, 0, 23), Value::ObjLink(ObjLink::NULL)),
    ];
    // SenML CBOR: "vlo" text labels, decoded back to links.
    let body = senml_bytes(&links);
    assert_eq!(
        m2m_core::hex::encode(&body),
        "82a321652f332f302f0062323263766c6f63333a30a20062323363766c6f6b36353533353a3635353335"
    );
    assert_eq!(senml(&body).unwrap(), links);
    // LwM2M CBOR: text "object:instance", typed back by the model.
    let body = lwm2m_bytes(&links);
    let got = lwm2m(&body).unwrap();
    assert_eq!(got[1].value, Some(Value::Str(Text::Plain("65535:65535"))));
    for (g, want) in got.iter().zip(&links) {
        let typed = g
            .value
            .unwrap()
            .typed(DataType::Objlnk, &Config::STRICT)
            .unwrap();
        assert_eq!(Some(typed), want.value);
    }
    // Single-value CBOR.
    let mut out = [0u8; 16];
    let n = single::encode(&Value::ObjLink(ObjLink::NULL), &mut out).unwrap();
    assert_eq!(&out[..n], b"\x6b65535:65535");
}

#[test]
fn every_integer_width() {
    let cases: [(i128, &str); 17] = [
        (0, "00"),
        (23, "17"),
        (24, "1818"),
        (255, "18ff"),
        (256, "190100"),
        (65535, "19ffff"),
        (65536, "1a00010000"),
        (4_294_967_295, "1affffffff"),
        (4_294_967_296, "1b0000000100000000"),
        (i64::MAX as i128, "1b7fffffffffffffff"),
        (u64::MAX as i128, "1bffffffffffffffff"),
        (-1, "20"),
        (-24, "37"),
        (-25, "3818"),
        (-256, "38ff"),
        (-257, "390100"),
        (i64::MIN as i128, "3b7fffffffffffffff"),
    ];
    for (v, item) in cases {
        let value = match i64::try_from(v) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Uint(u64::try_from(v).unwrap()),
        };
        // Single value.
        let mut out = [0u8; 16];
        let n = single::encode(&value, &mut out).unwrap();
        assert_eq!(m2m_core::hex::encode(&out[..n]), item);
        assert_eq!(single::decode(&out[..n]).unwrap(), value);
        // SenML CBOR `v` and LwM2M CBOR leaf.
        let rec = [Record::new(Path::resource(1, 0, 1), value)];
        let body = senml_bytes(&rec);
        assert!(m2m_core::hex::encode(&body).ends_with(&format!("02{item}")));
        assert_eq!(senml(&body).unwrap(), rec);
        let body = lwm2m_bytes(&rec);
        assert_eq!(
            m2m_core::hex::encode(&body),
            format!("a18301000 1{item}").replace(' ', "")
        );
        assert_eq!(lwm2m(&body).unwrap(), rec);
    }
    // A non-preferred (longer) encoding is read too.
    assert_eq!(
        single::decode(&hex("1b0000000000000001")).unwrap(),
        Value::Int(1)
    );
    // Below i64::MIN there is no Integer.
    assert_eq!(
        single::decode(&hex("3b8000000000000000")).unwrap_err(),
        Error::new(0, Reason::BadInteger)
    );
}

#[test]
fn every_float_width() {
    // Half, single, double: each read, each written in the narrowest exact width.
    for (v, item) in [
        (1.5, "f93e00"),
        (-4.0, "f9c400"),
        (65504.0, "f97bff"),
        (5.960_464_477_539_063e-8, "f90001"),
        (100_000.0, "fa47c35000"),
        (3.402_823_466_385_288_6e38, "fa7f7fffff"),
        (1.1, "fb3ff199999999999a"),
        (1.0e300, "fb7e37e43c8800759c"),
        (f64::INFINITY, "f97c00"),
    ] {
        let value = Value::Float(v);
        let mut out = [0u8; 16];
        let n = single::encode(&value, &mut out).unwrap();
        assert_eq!(m2m_core::hex::encode(&out[..n]), item, "{v}");
        assert_eq!(single::decode(&out[..n]).unwrap(), value);
        let rec = [Record::new(Path::resource(3303, 0, 5700), value)];
        assert_eq!(senml(&senml_bytes(&rec)).unwrap(), rec);
        assert_eq!(lwm2m(&lwm2m_bytes(&rec)).unwrap(), rec);
    }
    // A wider encoding than needed is read as the same number.
    for item in ["f93e00", "fa3fc00000", "fb3ff8000000000000"] {
        assert_eq!(single::decode(&hex(item)).unwrap(), Value::Float(1.5));
    }
    // NaN stays a NaN (half precision).
    let mut out = [0u8; 16];
    let n = single::encode(&Value::Float(f64::NAN), &mut out).unwrap();
    assert_eq!(&out[..n], &[0xf9, 0x7e, 0x00]);
}

#[test]
fn other_types() {
    let recs = [
        Record::new(Path::resource(1, 0, 1), Value::Bool(true)),
        Record::new(
            Path::resource(1, 0, 2),
            Value::Opaque(Opaque::Raw(&[0, 0xff])),
        ),
        Record::new(Path::resource(1, 0, 3), Value::Str(Text::Plain("ü"))),
        Record::new(Path::resource(1, 0, 4), Value::Int(-3)).at(1.5),
        Record::path_only(Path::resource(1, 0, 5)),
    ];
    let body = senml_bytes(&recs);
    assert_eq!(senml(&body).unwrap(), recs);
    let lw = &recs[..3];
    assert_eq!(lwm2m(&lwm2m_bytes(lw)).unwrap(), lw);
    // Gateway prefixes: bn in SenML, a text key in LwM2M CBOR.
    let p = Path::resource(3303, 0, 5700).with_prefix("dev1").unwrap();
    let rec = [
        Record::new(p, Value::Float(21.5)),
        Record::new(
            Path::resource(3303, 0, 5701).with_prefix("dev1").unwrap(),
            Value::Str(Text::Plain("Cel")),
        ),
    ];
    let body = senml_bytes(&rec);
    assert!(m2m_core::hex::encode(&body).contains(&m2m_core::hex::encode(b"/dev1/3303/0/")));
    assert_eq!(senml(&body).unwrap(), rec);
    let body = lwm2m_bytes(&rec);
    assert_eq!(&body[..6], b"\xa1\x64dev1");
    assert_eq!(lwm2m(&body).unwrap(), rec);
}

/// An indefinite-length string of `major` type 2 or 3 (RFC 8949 §3.2.3): its chunks, then the
/// break; the chunks are short (under 24 bytes), so their heads are one byte.
fn chunked(major: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![(major << 5) | 31];
    for p in parts {
        out.push((major << 5) | u8::try_from(p.len()).unwrap());
        out.extend_from_slice(p);
    }
    out.push(0xff);
    out
}

#[test]
fn indefinite_length_strings() {
    let expected = [
        Record::new(
            Path::resource(3, 0, 0),
            Value::Str(Text::Plain("Open Mobile")),
        ),
        Record::new(
            Path::resource_instance(3, 0, 1, 0),
            Value::Opaque(Opaque::Raw(&[1, 2, 3])),
        ),
        Record::new(
            Path::resource(3, 0, 2),
            Value::ObjLink(ObjLink {
                object: 3,
                instance: 0,
            }),
        ),
    ];
    // SenML CBOR: [{bn: (_ "/3/", "0/"), n: (_ "0"), vs: (_ "Open ", "Mobile")},
    //  {n: "1/0", vd: (_ h'0102', h'03')}, {n: "2", (_ "v", "lo"): (_ "3:", "0")}]
    let mut body = vec![0x83, 0xa3, 0x21];
    body.extend(chunked(3, &[b"/3/", b"0/"]));
    body.push(0x00);
    body.extend(chunked(3, &[b"0"]));
    body.push(0x03);
    body.extend(chunked(3, &[b"Open ", b"Mobile"]));
    body.extend([0xa2, 0x00, 0x63]);
    body.extend(b"1/0\x08");
    body.extend(chunked(2, &[&[1, 2], &[3]]));
    body.extend([0xa2, 0x00, 0x61, b'2']);
    body.extend(chunked(3, &[b"v", b"lo"]));
    body.extend(chunked(3, &[b"3:", b"0"]));
    let recs = senml(&body).unwrap();
    assert_eq!(recs, expected);
    // Borrowed as chunks, not joined into a copy.
    assert!(matches!(
        recs[0].value,
        Some(Value::Str(Text::CborChunks(_)))
    ));
    assert!(matches!(
        recs[1].value,
        Some(Value::Opaque(Opaque::CborChunks(_)))
    ));
    // Written back with definite lengths, as the same records are written.
    assert_eq!(senml_bytes(&recs), senml_bytes(&expected));
    // LwM2M CBOR: {3: {0: {0: (_ "Open ", "Mobile"), 1: {0: (_ h'0102', h'03')}}}}
    let mut body = vec![0xa1, 0x03, 0xa1, 0x00, 0xa2, 0x00];
    body.extend(chunked(3, &[b"Open ", b"Mobile"]));
    body.extend([0x01, 0xa1, 0x00]);
    body.extend(chunked(2, &[&[1, 2], &[3]]));
    let recs = lwm2m(&body).unwrap();
    assert_eq!(recs, expected[..2]);
    assert_eq!(lwm2m_bytes(&recs), lwm2m_bytes(&expected[..2]));
    // The single-value CBOR format: RFC 8949 Appendix A's (_ "strea", "ming").
    let body = hex("7f657374726561646d696e67ff");
    let v = single::decode(&body).unwrap();
    assert_eq!(v, Value::Str(Text::Plain("streaming")));
    let mut out = [0u8; 16];
    let n = single::encode(&v, &mut out).unwrap();
    assert_eq!(&out[..n], b"\x69streaming");
    // Every strict prefix of a body with chunks is truncated.
    for n in 0..body.len() {
        assert_eq!(
            single::decode(&body[..n]).unwrap_err().reason,
            Reason::Truncated,
            "{n}"
        );
    }
}

#[test]
fn senml_etch_fetch_and_ipatch() {
    // A FETCH body: names only (RFC 8790 §3.1).
    let fetch = [
        Record::path_only(Path::resource(3, 0, 0)),
        Record::path_only(Path::resource(3, 0, 9)),
    ];
    let body = senml_bytes(&fetch);
    assert_eq!(
        senml_cbor::decode_fetch(&body)
            .collect::<Result<Vec<_>, _>>()
            .unwrap(),
        fetch
    );
    // Read as an iPATCH body, a record without a value is refused (RFC 8790 §6).
    assert_eq!(
        senml_cbor::decode_etch(&body)
            .find_map(Result::err)
            .map(|e| e.reason),
        Some(Reason::BadValue)
    );
    // An iPATCH body: a value written, a resource removed with null (RFC 8790 §3).
    let patch = [
        Record::new(Path::resource(1, 0, 1), Value::Int(300)),
        Record::new(Path::resource(1, 0, 3), Value::Null),
    ];
    let body = senml_bytes(&patch);
    assert!(m2m_core::hex::encode(&body).ends_with("02f6"));
    assert_eq!(
        senml_cbor::decode_etch(&body)
            .collect::<Result<Vec<_>, _>>()
            .unwrap(),
        patch
    );
    // Plain SenML CBOR (112) has no null.
    assert_eq!(senml(&body).unwrap_err().reason, Reason::BadField);
}

#[test]
fn broken_senml_cbor() {
    let cases: &[(&str, usize, Reason)] = &[
        ("", 0, Reason::Truncated),
        ("a0", 0, Reason::BadCbor),
        ("81", 1, Reason::Truncated),
        ("8101", 1, Reason::BadCbor),
        ("80ff", 1, Reason::TrailingBytes),
        ("9fff00", 2, Reason::TrailingBytes),
        ("81a100", 3, Reason::Truncated),
        ("81a10064", 3, Reason::Truncated),
        ("81a1007f61ff", 4, Reason::BadUtf8),
        ("81a10062ffff", 3, Reason::BadUtf8),
        ("81a200622f3100622f32", 6, Reason::BadField),
        ("81a300622f310201 04f5", 8, Reason::BadValue),
        ("81a200622f312601", 6, Reason::BadField),
        ("81a200622f31627a5f01", 6, Reason::BadField),
        ("81a200622f310301", 7, Reason::BadField),
        ("81a200622f310280", 7, Reason::BadField),
        ("81a200622f3140 01", 6, Reason::BadField),
        (
            "81a200622f3109 818181818181818181818181818181818100",
            23,
            Reason::TooDeep,
        ),
        ("81a100632f3378", 2, Reason::BadPath),
        ("81a1006a2f332f302f312f322f33", 10, Reason::BadPath),
        ("81a100692f36353533352f3031", 2, Reason::BadPath),
    ];
    for &(text, offset, reason) in cases {
        let body = hex(text);
        let mut d = senml_cbor::decode(&body);
        let err = d.by_ref().find_map(Result::err);
        assert_eq!(err, Some(Error::new(offset, reason)), "{text}");
        assert!(d.next().is_none(), "fused after {text}");
    }
}

/// A value below `i64::MIN` (here -2^64, the least CBOR integer) is read as a float, as SenML
/// JSON reads such a number; it used to be refused.
#[test]
fn senml_cbor_integers_below_i64_are_floats() {
    let body = hex("82a2006 2 2f31 02 3bffffffffffffffff a100622f31");
    let records: Vec<_> = senml_cbor::decode(&body).collect::<Result<_, _>>().unwrap();
    assert_eq!(
        records[0].value,
        Some(Value::Float(-18_446_744_073_709_551_616.0))
    );
    assert_eq!(records[1].value, None);
}

#[test]
fn broken_lwm2m_cbor() {
    let cases: &[(&str, usize, Reason)] = &[
        ("", 0, Reason::Truncated),
        ("80", 0, Reason::BadCbor),
        ("a1", 1, Reason::Truncated),
        ("a100", 2, Reason::Truncated),
        ("a0 00", 1, Reason::TrailingBytes),
        ("a119ffff00", 1, Reason::BadPath),
        ("a1 80 00", 1, Reason::BadPath),
        ("a1 8101 00 ff", 4, Reason::TrailingBytes),
        ("a1 85 01 02 03 04 05 00", 6, Reason::TooDeep),
        ("a1 01 a1 02 a1 03 a1 04 a1 05 00", 9, Reason::TooDeep),
        ("a1 01 a1 6178 00", 3, Reason::BadPath),
        ("a1 6178 a1 6179 00", 4, Reason::BadPath),
        ("a1 6130 00", 1, Reason::BadPath),
        ("a1 7f 64 64657631 ff a0", 1, Reason::Unsupported),
        ("a1 01 81 00", 2, Reason::BadValue),
        ("a1 01 c2 41 00", 2, Reason::Unsupported),
        ("a1 01 c1 fa 3fc00000", 3, Reason::BadValue),
        ("a1 01 f7", 2, Reason::Unsupported),
        ("a1 f6 00", 1, Reason::BadPath),
        ("bf 01 00", 3, Reason::Truncated),
        ("a1 01 a1 ff", 3, Reason::BadCbor),
    ];
    for &(text, offset, reason) in cases {
        let body = hex(text);
        let mut d = lwm2m_cbor::decode(&body);
        let err = d.by_ref().find_map(Result::err);
        assert_eq!(err, Some(Error::new(offset, reason)), "{text}");
        assert!(d.next().is_none(), "fused after {text}");
    }
}
