//! OMA TLV against the specification's examples (OMA-TS-LightweightM2M_Core 1.0 §6.4.3.1 to
//! §6.4.3.3, the same bytes in 1.1 §7.4.3), every integer and float width, broken inputs.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use m2m_core::hex;
use m2m_lwm2m::{Config, DataType, Error, ObjLink, Path, Reason, Record, Text, Value, tlv};

/// Read /3/0 answered in TLV (§6.4.3.1, "Single Object Instance Request Example").
const DEVICE_3_0: &str = "
    c8 00 14 4f70656e204d6f62696c6520416c6c69616e6365
    c8 01 16 4c69676874776569676874204d324d20436c69656e74
    c8 02 09 333435303030313233
    c3 03 312e30
    86 06 4100 01 4101 05
    88 07 08 4200 0ed8 4201 1388
    87 08 4100 7d 4201 0384
    c1 09 64
    c1 0a 0f
    83 0b 4100 00
    c4 0d 5182428f
    c6 0e 2b30323a3030
    c1 10 55";

/// The Device object's resource types (from its definition, 3.xml).
fn device_type(resource: u16) -> DataType {
    match resource {
        0 | 1 | 2 | 3 | 14 | 15 | 16 | 17 | 18 | 19 => DataType::String,
        13 => DataType::Time,
        _ => DataType::Integer,
    }
}

fn typed<'a>(records: &[Record<'a>], ty: impl Fn(&Path<'_>) -> DataType) -> Vec<Record<'a>> {
    records
        .iter()
        .map(|r| Record {
            value: r
                .value
                .map(|v| v.typed(ty(&r.path), &Config::STRICT).unwrap()),
            ..*r
        })
        .collect()
}

fn decode_all<'a>(body: &'a [u8], base: Path<'a>) -> Result<Vec<Record<'a>>, Error> {
    tlv::decode(body, base, Config::STRICT).collect()
}

#[test]
fn device_object_instance() {
    let body = hex::decode(DEVICE_3_0).unwrap();
    let raw = decode_all(&body, Path::instance(3, 0)).unwrap();
    let records = typed(&raw, |p| device_type(p.resource_id().unwrap()));
    let s = |v| Some(Value::Str(Text::Plain(v)));
    let i = |v| Some(Value::Int(v));
    let expected: Vec<(Path<'_>, Option<Value<'_>>)> = vec![
        (Path::resource(3, 0, 0), s("Open Mobile Alliance")),
        (Path::resource(3, 0, 1), s("Lightweight M2M Client")),
        (Path::resource(3, 0, 2), s("345000123")),
        (Path::resource(3, 0, 3), s("1.0")),
        (Path::resource_instance(3, 0, 6, 0), i(1)),
        (Path::resource_instance(3, 0, 6, 1), i(5)),
        (Path::resource_instance(3, 0, 7, 0), i(3800)),
        (Path::resource_instance(3, 0, 7, 1), i(5000)),
        (Path::resource_instance(3, 0, 8, 0), i(125)),
        (Path::resource_instance(3, 0, 8, 1), i(900)),
        (Path::resource(3, 0, 9), i(100)),
        (Path::resource(3, 0, 10), i(15)),
        (Path::resource_instance(3, 0, 11, 0), i(0)),
        (Path::resource(3, 0, 13), Some(Value::Time(1_367_491_215))),
        (Path::resource(3, 0, 14), s("+02:00")),
        (Path::resource(3, 0, 16), s("U")),
    ];
    let got: Vec<_> = records.iter().map(|r| (r.path, r.value)).collect();
    assert_eq!(got, expected);
    // Our encoder writes the same bytes back (the example uses the shortest widths).
    let base = Path::instance(3, 0);
    let n = tlv::encoded_len(&base, &records).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(tlv::encode(&base, &records, &mut out).unwrap(), n);
    assert_eq!(out, body);
    // The untyped records re-encode to the same bytes too.
    let mut out2 = vec![0u8; n];
    tlv::encode(&base, &raw, &mut out2).unwrap();
    assert_eq!(out2, body);
}

/// Read /2 of the Access Control object, two instances, one ACL resource instance with a 16-bit
/// id (§6.4.3.2, "Multiple Object Instance Request Examples").
const ACL_2: &str = "
    08 00 0e  c1 00 01  c1 01 00  83 02 41 7f 07  c1 03 7f
    08 02 12  c1 00 03  c1 01 00  87 02 41 7f 07 61 01 36 01  c1 03 7f";

#[test]
fn access_control_object_with_16_bit_ids() {
    let body = hex::decode(ACL_2).unwrap();
    let raw = decode_all(&body, Path::object(2)).unwrap();
    let records = typed(&raw, |_| DataType::Integer);
    let got: Vec<_> = records
        .iter()
        .map(|r| (r.path.to_string(), r.value.unwrap()))
        .collect();
    let want = [
        ("/2/0/0", 1),
        ("/2/0/1", 0),
        ("/2/0/2/127", 7),
        ("/2/0/3", 127),
        ("/2/2/0", 3),
        ("/2/2/1", 0),
        ("/2/2/2/127", 7),
        ("/2/2/2/310", 1),
        ("/2/2/3", 127),
    ];
    assert_eq!(got.len(), want.len());
    for ((p, v), (wp, wv)) in got.iter().zip(want) {
        assert_eq!((p.as_str(), *v), (wp, Value::Int(wv)));
    }
    let base = Path::object(2);
    let mut out = vec![0u8; tlv::encoded_len(&base, &records).unwrap()];
    tlv::encode(&base, &records, &mut out).unwrap();
    assert_eq!(out, body);
}

#[test]
fn resource_and_resource_instance_answers() {
    // Read /3/0/0: one Resource TLV. Read /3/0/7: one multiple Resource TLV.
    let body = hex::decode("c8 00 14 4f70656e204d6f62696c6520416c6c69616e6365").unwrap();
    let r = decode_all(&body, Path::resource(3, 0, 0)).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].path, Path::resource(3, 0, 0));
    let body = hex::decode("88 07 08 4200 0ed8 4201 1388").unwrap();
    let r = decode_all(&body, Path::resource(3, 0, 7)).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].path, Path::resource_instance(3, 0, 7, 1));
    // Read /3/0/7/1: one Resource Instance TLV.
    let body = hex::decode("42 01 1388").unwrap();
    let r = typed(
        &decode_all(&body, Path::resource_instance(3, 0, 7, 1)).unwrap(),
        |_| DataType::Integer,
    );
    assert_eq!(
        r,
        [Record::new(
            Path::resource_instance(3, 0, 7, 1),
            Value::Int(5000)
        )]
    );
    // A resource answer with the wrong id is refused.
    assert_eq!(
        decode_all(&hex::decode("c1 09 64").unwrap(), Path::resource(3, 0, 10))
            .unwrap_err()
            .reason,
        Reason::UnexpectedPath
    );
}

#[test]
fn instance_wrapper_only_when_lenient() {
    // A single-resource answer inside an Object Instance TLV (some clients do this).
    let body = hex::decode("03 00 c1 09 64").unwrap();
    let base = Path::resource(3, 0, 9);
    assert!(tlv::decode(&body, base, Config::STRICT).any(|r| r.is_err()));
    let r: Vec<_> = tlv::decode(&body, base, Config::LENIENT)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].path, base);
    // The wrapper must be the base's own instance.
    let body = hex::decode("03 01 c1 09 64").unwrap();
    assert!(tlv::decode(&body, base, Config::LENIENT).any(|r| r.is_err()));
}

#[test]
fn empty_multiple_resource_and_instance_are_kept() {
    // /3/0 with Error Code (11) holding no instances, then an empty /3/1 in an object answer.
    let body = hex::decode("80 0b").unwrap();
    let r = decode_all(&body, Path::instance(3, 0)).unwrap();
    assert_eq!(r, [Record::path_only(Path::resource(3, 0, 11))]);
    let base = Path::instance(3, 0);
    let mut out = [0u8; 8];
    let n = tlv::encode(&base, &r, &mut out).unwrap();
    assert_eq!(&out[..n], &body[..]);
    let body = hex::decode("00 01").unwrap();
    let r = decode_all(&body, Path::object(3)).unwrap();
    assert_eq!(r, [Record::path_only(Path::instance(3, 1))]);
}

#[test]
fn every_integer_and_float_width() {
    let cases: &[(&str, DataType, Value<'_>)] = &[
        ("c1 00 ff", DataType::Integer, Value::Int(-1)),
        ("c1 00 ff", DataType::UnsignedInteger, Value::Uint(255)),
        ("c2 00 8000", DataType::Integer, Value::Int(-32768)),
        ("c2 00 8000", DataType::UnsignedInteger, Value::Uint(32768)),
        (
            "c4 00 80000000",
            DataType::Integer,
            Value::Int(i64::from(i32::MIN)),
        ),
        (
            "c4 00 ffffffff",
            DataType::UnsignedInteger,
            Value::Uint(u64::from(u32::MAX)),
        ),
        (
            "c8 00 08 8000000000000000",
            DataType::Integer,
            Value::Int(i64::MIN),
        ),
        (
            "c8 00 08 ffffffffffffffff",
            DataType::UnsignedInteger,
            Value::Uint(u64::MAX),
        ),
        ("c4 00 3fc00000", DataType::Float, Value::Float(1.5)),
        (
            "c8 00 08 3fb999999999999a",
            DataType::Float,
            Value::Float(0.1),
        ),
        ("c1 00 01", DataType::Boolean, Value::Bool(true)),
        (
            "c4 00 0003 0000",
            DataType::Objlnk,
            Value::ObjLink(ObjLink {
                object: 3,
                instance: 0,
            }),
        ),
        (
            "c4 00 ffff ffff",
            DataType::Objlnk,
            Value::ObjLink(ObjLink::NULL),
        ),
        ("c4 00 5182428f", DataType::Time, Value::Time(1_367_491_215)),
    ];
    for (text, ty, want) in cases {
        let body = hex::decode(text).unwrap();
        let base = Path::resource(1, 0, 0);
        let r = decode_all(&body, base).unwrap();
        let v = r[0].value.unwrap().typed(*ty, &Config::STRICT).unwrap();
        assert_eq!(v, *want, "{text}");
        // And back, byte for byte (shortest widths).
        let rec = [Record::new(base, v)];
        let mut out = vec![0u8; tlv::encoded_len(&base, &rec).unwrap()];
        tlv::encode(&base, &rec, &mut out).unwrap();
        assert_eq!(out, body, "{text}");
    }
    // Widths the types do not have.
    for (text, ty) in [
        ("c3 00 000000", DataType::Integer),
        ("c0 00", DataType::Integer),
        ("c2 00 3fc0", DataType::Float),
        ("c2 00 0001", DataType::Boolean),
        ("c1 00 02", DataType::Boolean),
        ("c3 00 000300", DataType::Objlnk),
        ("c2 00 c328", DataType::String),
    ] {
        let body = hex::decode(text).unwrap();
        let r = decode_all(&body, Path::resource(1, 0, 0)).unwrap();
        assert!(
            r[0].value.unwrap().typed(ty, &Config::STRICT).is_err(),
            "{text}"
        );
    }
    // A 1-byte Float only when lenient.
    let body = hex::decode("c1 00 05").unwrap();
    let v = decode_all(&body, Path::resource(1, 0, 0)).unwrap()[0]
        .value
        .unwrap();
    assert!(v.typed(DataType::Float, &Config::STRICT).is_err());
    assert_eq!(
        v.typed(DataType::Float, &Config::LENIENT).unwrap(),
        Value::Float(5.0)
    );
}

#[test]
fn lengths_of_every_width() {
    // 0-7 in the type byte, then 8, 16 and 24-bit lengths.
    for len in [0usize, 7, 8, 255, 256, 65535, 65536, 70000] {
        let data = vec![0x61u8; len];
        let s = std::str::from_utf8(&data).unwrap();
        let base = Path::resource(3, 0, 0);
        let rec = [Record::new(base, Value::Str(Text::Plain(s)))];
        let n = tlv::encoded_len(&base, &rec).unwrap();
        let mut out = vec![0u8; n];
        tlv::encode(&base, &rec, &mut out).unwrap();
        // Core 1.1 §7.4.3: a resource with a value (0b11), an 8-bit id, and the length in the
        // type byte's three low bits (up to 7) or in the 1, 2 or 3 bytes after the id, the
        // shortest that holds it.
        let width = match len {
            0..=7 => 0,
            8..=0xff => 1,
            0x100..=0xffff => 2,
            _ => 3,
        };
        let low = if width == 0 { len } else { 0 };
        assert_eq!(usize::from(out[0]), 0xc0 | (width << 3) | low, "{len}");
        assert_eq!(out[1], 0, "the id");
        let field = out[2..2 + width]
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        assert_eq!(if width == 0 { len } else { field }, len);
        assert_eq!(n, 2 + width + len);
        let back = decode_all(&out, base).unwrap();
        assert_eq!(
            back[0]
                .value
                .unwrap()
                .typed(DataType::String, &Config::STRICT)
                .unwrap(),
            rec[0].value.unwrap()
        );
    }
    // Too long for 24 bits.
    let data = vec![0u8; 0x0100_0000];
    let base = Path::resource(3, 0, 0);
    let rec = [Record::new(
        base,
        Value::Opaque(m2m_lwm2m::Opaque::Raw(&data)),
    )];
    assert_eq!(
        tlv::encoded_len(&base, &rec).unwrap_err().reason,
        Reason::Unrepresentable
    );
}

#[test]
fn broken_inputs() {
    let cases: &[(&str, Path<'_>, Reason, usize)] = &[
        // Length past the end.
        ("c8 00 14 4f70", Path::instance(3, 0), Reason::Truncated, 5),
        // Header cut in the identifier / length.
        ("e8 00", Path::instance(3, 0), Reason::Truncated, 2),
        ("d0 00 00", Path::instance(3, 0), Reason::Truncated, 3),
        // A resource instance directly in an instance answer.
        ("41 00 01", Path::instance(3, 0), Reason::UnexpectedPath, 0),
        // A resource inside a multiple resource.
        (
            "83 07 c1 00 01",
            Path::instance(3, 0),
            Reason::BadTlvType,
            2,
        ),
        // An inner TLV longer than its parent.
        (
            "82 07 42 00 0e d8",
            Path::instance(3, 0),
            Reason::Truncated,
            4,
        ),
        // Identifier 65535 is reserved.
        ("e1 ff ff 01", Path::instance(3, 0), Reason::BadPath, 0),
        // A root answer cannot be TLV; an object answer needs instances.
        ("c1 00 01", Path::ROOT, Reason::UnexpectedPath, 0),
        ("c1 00 01", Path::object(3), Reason::UnexpectedPath, 0),
        // The same resource twice in a row.
        (
            "c1 00 01 c1 00 02",
            Path::instance(3, 0),
            Reason::UnexpectedPath,
            3,
        ),
        // The same resource instance twice inside a multiple resource.
        (
            "86 07 41 00 01 41 00 02",
            Path::instance(3, 0),
            Reason::UnexpectedPath,
            5,
        ),
        // An object instance inside an instance.
        (
            "02 00 c1 00 01",
            Path::instance(3, 0),
            Reason::UnexpectedPath,
            0,
        ),
    ];
    for (text, base, reason, offset) in cases {
        let body = hex::decode(text).unwrap();
        let err = decode_all(&body, *base).unwrap_err();
        assert_eq!((err.reason, err.offset), (*reason, *offset), "{text}");
    }
}

#[test]
fn gateway_prefix_is_kept() {
    let base = Path::parse("/dev1/3303/0").unwrap();
    let body = hex::decode("e4 1644 41a80000").unwrap(); // 5700 = 0x1644, 21.0 as f32
    let r = decode_all(&body, base).unwrap();
    assert_eq!(r[0].path.to_string(), "/dev1/3303/0/5700");
    assert_eq!(
        r[0].value
            .unwrap()
            .typed(DataType::Float, &Config::STRICT)
            .unwrap(),
        Value::Float(21.0)
    );
}
