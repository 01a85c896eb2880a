//! Decoding SenML JSON, SenML-ETCH JSON and legacy LwM2M JSON, reading every value, and
//! encoding into a slice allocate nothing.
#![allow(clippy::unwrap_used)] // a test: every body given is valid

use m2m_lwm2m::{Record, Value, lwm2m_json, senml_etch_json, senml_json};
use m2m_testkit::{CountingAllocator, assert_no_alloc};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

/// OMA-TS-LightweightM2M_Core 1.1 §7.4.4: Read /3/0 (with an escaped string and an opaque
/// value added, so the lazy forms are read too).
const DEVICE: &str = r#"[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"1","vs":"Lightweight M2M Client"},{"n":"2","vs":"345000123"},{"n":"3","vs":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","vs":"+02:00"},{"n":"15","vs":"Europe\/Berlin \u00e9"},{"n":"16","vs":"U"},{"n":"17","vd":"AAEC"},{"n":"18","vlo":"65535:65535"},{"n":"19","v":21.5,"t":-5}]"#;

/// Reads everything a record holds, escapes and base64 included.
fn drain(r: &Record<'_>) -> usize {
    let mut acc = r.path.depth() + usize::from(r.time.is_some());
    acc += match r.value {
        Some(Value::Str(t)) => t.chars().count() + t.len(),
        Some(Value::Opaque(o)) => o.bytes().map(usize::from).sum::<usize>() + o.len(),
        Some(Value::Int(i)) => usize::from(i > 0),
        Some(_) => 1,
        None => 0,
    };
    acc
}

#[test]
fn senml_json_decode_allocates_nothing() {
    let (count, acc) = assert_no_alloc(|| {
        let mut count = 0;
        let mut acc = 0;
        for r in senml_json::decode(DEVICE.as_bytes()) {
            acc += drain(&r.unwrap());
            count += 1;
        }
        (count, acc)
    });
    assert_eq!(count, 20);
    assert!(acc > 0);
    // Errors are values too.
    let e = assert_no_alloc(|| {
        senml_json::decode(b"[{\"n\":\"/3/0/1\",\"v\":01}]").find_map(Result::err)
    });
    assert!(e.is_some());
}

#[test]
fn encoding_into_a_slice_allocates_nothing() {
    let records: Vec<Record<'_>> = senml_json::decode(DEVICE.as_bytes())
        .map(Result::unwrap)
        .collect();
    let mut out = [0u8; 2048];
    let (senml, legacy, patch) = assert_no_alloc(|| {
        let a = senml_json::encoded_len(&records).unwrap();
        assert_eq!(senml_json::encode(&records, &mut out).unwrap(), a);
        let b = lwm2m_json::encoded_len(&records).unwrap();
        assert_eq!(lwm2m_json::encode(&records, &mut out).unwrap(), b);
        let c = senml_etch_json::encoded_len_ipatch(&records).unwrap();
        assert_eq!(
            senml_etch_json::encode_ipatch(&records, &mut out).unwrap(),
            c
        );
        (a, b, c)
    });
    assert!(senml > 0 && legacy > 0 && patch > 0);
}

#[test]
fn legacy_and_etch_decode_allocate_nothing() {
    let legacy = br#"{"bn":"/3/0/","bt":1500000000,"e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"7/0","v":3800,"t":-5},{"n":"16","sv":"U"}]}"#;
    let fetch = br#"[{"n":"/3/0/0"},{"n":"/3/0/9"},{"n":"/1/0/1"}]"#;
    let patch = br#"[{"bn":"/3311/0/","n":"5850","vb":true},{"n":"5851","v":null}]"#;
    let (n, acc) = assert_no_alloc(|| {
        let mut n = 0;
        let mut acc = 0;
        let all = lwm2m_json::decode(legacy)
            .chain(senml_etch_json::decode_fetch(fetch))
            .chain(senml_etch_json::decode_ipatch(patch));
        for r in all {
            acc += drain(&r.unwrap());
            n += 1;
        }
        (n, acc)
    });
    assert!(acc > 0);
    assert_eq!(n, 8);
}
