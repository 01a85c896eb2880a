//! Properties of the CBOR content formats: for arbitrary records (paths of one to four levels,
//! every typed value kind, times for SenML), `decode(encode(x)) == x` per format, up to what
//! each format cannot tell apart (see `normalise_*`); `encoded_len` is what `encode` writes;
//! arbitrary bytes never panic a decoder, and whatever decodes re-encodes to the same records.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed property

use m2m_lwm2m::cbor::single;
use m2m_lwm2m::{ObjLink, Opaque, Path, Reason, Record, Text, Value, lwm2m_cbor, senml_cbor};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn path() -> impl Strategy<Value = Path<'static>> {
    (
        prop::collection::vec(0u16..65535, 1..=4),
        prop::option::weighted(0.1, "[a-z][a-z0-9]{0,5}"),
    )
        .prop_map(|(levels, prefix)| {
            let p = Path::new(&levels).unwrap();
            match prefix {
                // A leaked prefix: a test-only 'static string.
                Some(text) => p.with_prefix(Box::leak(text.into_boxed_str())).unwrap(),
                None => p,
            }
        })
}

fn value() -> impl Strategy<Value = Value<'static>> {
    prop_oneof![
        any::<i64>().prop_map(Value::Int),
        any::<u64>().prop_map(Value::Uint),
        any::<f64>()
            .prop_filter("NaN is not equal to itself", |f| !f.is_nan())
            .prop_map(Value::Float),
        any::<f32>()
            .prop_filter("NaN", |f| !f.is_nan())
            .prop_map(|f| Value::Float(f64::from(f))),
        any::<bool>().prop_map(Value::Bool),
        ".{0,30}".prop_map(|s| Value::Str(Text::Plain(Box::leak(s.into_boxed_str())))),
        ".{0,30}".prop_map(|s| Value::CoreLink(Text::Plain(Box::leak(s.into_boxed_str())))),
        prop::collection::vec(any::<u8>(), 0..40)
            .prop_map(|b| Value::Opaque(Opaque::Raw(Box::leak(b.into_boxed_slice())))),
        any::<i64>().prop_map(Value::Time),
        (any::<u16>(), any::<u16>())
            .prop_map(|(object, instance)| Value::ObjLink(ObjLink { object, instance })),
    ]
}

fn time() -> impl Strategy<Value = Option<f64>> {
    prop::option::of(prop_oneof![
        (-1_000_000i64..2_000_000_000).prop_map(|t| t as f64),
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
    ])
}

fn senml_records() -> impl Strategy<Value = Vec<Record<'static>>> {
    prop::collection::vec(
        (path(), prop::option::weighted(0.9, value()), time())
            .prop_map(|(path, value, time)| Record { path, value, time }),
        0..12,
    )
}

fn lwm2m_records() -> impl Strategy<Value = Vec<Record<'static>>> {
    prop::collection::vec(
        (path(), prop::option::weighted(0.9, value())).prop_map(|(path, value)| Record {
            path,
            value,
            time: None,
        }),
        0..12,
    )
}

/// SenML has one number field and one string field: an integer that fits i64 reads back as
/// Int, a Time as Int, a Corelnk as a String.
fn normalise_senml(v: Value<'_>) -> Value<'_> {
    match v {
        Value::Uint(u) => i64::try_from(u).map_or(Value::Uint(u), Value::Int),
        Value::Time(t) => Value::Int(t),
        Value::CoreLink(t) => Value::Str(t),
        v => v,
    }
}

/// LwM2M CBOR keeps a Time (tag 1); an object link is its text, a Corelnk a String.
fn normalise_lwm2m(v: Value<'_>) -> Value<'_> {
    match v {
        Value::Uint(u) => i64::try_from(u).map_or(Value::Uint(u), Value::Int),
        Value::CoreLink(t) => Value::Str(t),
        Value::ObjLink(l) => Value::Str(Text::Plain(Box::leak(l.to_string().into_boxed_str()))),
        v => v,
    }
}

fn normalised(
    recs: &[Record<'static>],
    f: fn(Value<'static>) -> Value<'static>,
) -> Vec<Record<'static>> {
    recs.iter()
        .map(|r| Record {
            value: r.value.map(f),
            ..*r
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn senml_cbor_round_trips(recs in senml_records()) {
        let len = senml_cbor::encoded_len(&recs).unwrap();
        let mut out = vec![0u8; len + 8];
        let n = senml_cbor::encode(&recs, &mut out).unwrap();
        prop_assert_eq!(n, len);
        let back: Vec<Record<'_>> = senml_cbor::decode(&out[..n]).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(back, normalised(&recs, normalise_senml));
        // Exactly `len` bytes are needed.
        if len > 0 {
            prop_assert!(senml_cbor::encode(&recs, &mut out[..len - 1]).is_err());
        }
    }

    #[test]
    fn lwm2m_cbor_round_trips(recs in lwm2m_records()) {
        let len = lwm2m_cbor::encoded_len(&recs).unwrap();
        let mut out = vec![0u8; len];
        let n = lwm2m_cbor::encode(&recs, &mut out).unwrap();
        prop_assert_eq!(n, len);
        let back: Vec<Record<'_>> = lwm2m_cbor::decode(&out[..n]).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(back, normalised(&recs, normalise_lwm2m));
        prop_assert!(lwm2m_cbor::encode(&recs, &mut out[..len - 1]).is_err());
    }

    #[test]
    fn single_value_round_trips(v in value()) {
        let len = single::encoded_len(&v).unwrap();
        let mut out = vec![0u8; len];
        prop_assert_eq!(single::encode(&v, &mut out).unwrap(), len);
        prop_assert_eq!(single::decode(&out).unwrap(), normalise_lwm2m(v));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = single::decode(&bytes);
        decoded_reencode(&bytes)?;
    }

    /// Valid bodies with a few bytes changed: most still decode (random bytes seldom do), and
    /// whatever decodes re-encodes to the same records.
    #[test]
    fn edited_bodies_that_decode_reencode(
        recs in senml_records(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        lwm2m in any::<bool>(),
    ) {
        let recs: Vec<_> = if lwm2m {
            recs.into_iter().map(|r| Record { time: None, ..r }).collect()
        } else {
            recs
        };
        let mut body = vec![0u8; 8192];
        let n = if lwm2m {
            lwm2m_cbor::encode(&recs, &mut body)
        } else {
            senml_cbor::encode(&recs, &mut body)
        }
        .unwrap();
        body.truncate(n);
        if !body.is_empty() {
            for (at, byte) in &edits {
                let i = at.index(body.len());
                body[i] = *byte;
            }
        }
        decoded_reencode(&body)?;
    }
}

/// Whatever `bytes` decode to in SenML CBOR, SenML-ETCH CBOR or LwM2M CBOR encodes (or is
/// refused as unrepresentable in that format) and decodes back to the same records.
fn decoded_reencode(bytes: &[u8]) -> Result<(), TestCaseError> {
    // Each read back the way it was read (a SenML-ETCH record has a value or `null`; a
    // plain SenML one may name a path alone).
    #[derive(Clone, Copy, PartialEq)]
    enum Way {
        Senml,
        Etch,
        Lwm2m,
    }
    for (decoded, way) in [
        (
            senml_cbor::decode(bytes).collect::<Result<Vec<_>, _>>(),
            Way::Senml,
        ),
        (
            senml_cbor::decode_etch(bytes).collect::<Result<Vec<_>, _>>(),
            Way::Etch,
        ),
        (
            lwm2m_cbor::decode(bytes).collect::<Result<Vec<_>, _>>(),
            Way::Lwm2m,
        ),
    ] {
        let lwm2m = way == Way::Lwm2m;
        let Ok(recs) = decoded else { continue };
        // NaN is not equal to itself: left out of the comparison.
        let recs: Vec<_> = recs
            .into_iter()
            .filter(|r| {
                !r.value
                    .is_some_and(|v| matches!(v, Value::Float(f) if f.is_nan()))
            })
            .collect();
        let mut out = vec![0u8; 8192];
        let written = if lwm2m {
            lwm2m_cbor::encode(&recs, &mut out)
        } else {
            senml_cbor::encode(&recs, &mut out)
        };
        let n = match written {
            Ok(n) => n,
            Err(e) => {
                prop_assert_eq!(e.reason, Reason::Unrepresentable, "{:?}", recs);
                continue;
            }
        };
        let back: Vec<_> = match way {
            Way::Lwm2m => lwm2m_cbor::decode(&out[..n]).collect::<Result<_, _>>(),
            Way::Etch => senml_cbor::decode_etch(&out[..n]).collect::<Result<_, _>>(),
            Way::Senml => senml_cbor::decode(&out[..n]).collect::<Result<_, _>>(),
        }
        .map_err(|e| TestCaseError::fail(format!("{e:?} reading back {:02x?}", &out[..n])))?;
        prop_assert_eq!(back, recs);
    }
    Ok(())
}
