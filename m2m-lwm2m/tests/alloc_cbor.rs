//! Decoding the CBOR formats allocates nothing: the Device object /3/0 in SenML CBOR and LwM2M
//! CBOR, every record read, and the errors of broken bodies; encoding into a caller's buffer
//! allocates nothing either.
#![allow(clippy::unwrap_used)] // fixed, valid inputs

use m2m_lwm2m::{Path, Record, Text, Value, lwm2m_cbor, senml_cbor};
use m2m_testkit::{CountingAllocator, assert_no_alloc};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

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
        i(9, 100),
        ri(11, 0, 0),
        Record::new(Path::resource(3, 0, 13), Value::Time(1_367_491_215)),
        s(14, "+02:00"),
        s(16, "U"),
    ]
}

fn digest(r: &Record<'_>) -> u64 {
    let p: u64 = r.path.levels().iter().map(|&l| u64::from(l)).sum();
    let v = match r.value {
        Some(Value::Str(t)) => t.len() as u64,
        Some(Value::Int(i) | Value::Time(i)) => i as u64,
        _ => 1,
    };
    p.wrapping_add(v)
}

#[test]
fn device_object_decodes_without_allocating() {
    let recs = device();
    let mut senml = vec![0u8; senml_cbor::encoded_len(&recs).unwrap()];
    let mut lwm2m = vec![0u8; lwm2m_cbor::encoded_len(&recs).unwrap()];
    assert_no_alloc(|| {
        senml_cbor::encode(&recs, &mut senml).unwrap();
        lwm2m_cbor::encode(&recs, &mut lwm2m).unwrap();
    });
    let (a, b) = assert_no_alloc(|| {
        let a = senml_cbor::decode(&senml)
            .map(|r| digest(&r.unwrap()))
            .fold(0u64, u64::wrapping_add);
        let b = lwm2m_cbor::decode(&lwm2m)
            .map(|r| digest(&r.unwrap()))
            .fold(0u64, u64::wrapping_add);
        (a, b)
    });
    assert_eq!(a, b);
    assert_eq!(senml_cbor::decode(&senml).count(), recs.len());
}

#[test]
fn errors_allocate_nothing() {
    assert_no_alloc(|| {
        assert!(
            senml_cbor::decode(&[0x81, 0xa2, 0x00, 0x62, b'/', b'1', 0x26, 0x01])
                .any(|r| r.is_err())
        );
        assert!(senml_cbor::decode(&[0x81, 0xa1, 0x00, 0x7f, 0xff]).any(|r| r.is_err()));
        assert!(lwm2m_cbor::decode(&[0xa1, 0x85, 1, 2, 3, 4, 5, 0]).any(|r| r.is_err()));
        assert!(lwm2m_cbor::decode(&[0xa0, 0x00]).any(|r| r.is_err()));
    });
}
