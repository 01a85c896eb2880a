//! Properties of the JSON formats: for any list of records (paths of 1 to 4 levels, with or
//! without a gateway prefix, values of every type, names only, times), SenML JSON, SenML-ETCH
//! JSON and legacy LwM2M JSON decode what they encode, with the types read back; `encoded_len`
//! is what `encode` writes; arbitrary bytes never panic any decoder.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use m2m_lwm2m::{
    Config, ObjLink, Opaque, Path, Record, Text, Value, base64, lwm2m_json, senml_etch_json,
    senml_json,
};
use proptest::prelude::*;

/// An owned value, to borrow records from.
#[derive(Debug, Clone)]
enum V {
    Str(String),
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
    Opaque(Vec<u8>),
    Time(i64),
    Link(u16, u16),
    CoreLink(String),
}

#[derive(Debug, Clone)]
struct R {
    levels: Vec<u16>,
    value: Option<V>,
    time: Option<f64>,
}

fn value() -> impl Strategy<Value = V> {
    prop_oneof![
        any::<String>().prop_map(V::Str),
        "[ -~]{0,12}".prop_map(V::Str),
        any::<i64>().prop_map(V::Int),
        any::<u64>().prop_map(V::Uint),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(V::Float),
        (-1000i32..1000).prop_map(|i| V::Float(f64::from(i))),
        any::<bool>().prop_map(V::Bool),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(V::Opaque),
        any::<i64>().prop_map(V::Time),
        (any::<u16>(), any::<u16>()).prop_map(|(o, i)| V::Link(o, i)),
        "<[/0-9]{1,8}>(;rt=\"[a-z.]{1,6}\")?".prop_map(V::CoreLink),
    ]
}

fn record() -> impl Strategy<Value = R> {
    let id = prop_oneof![0u16..4, 0u16..65535];
    (
        prop::collection::vec(id, 1..=4),
        prop::option::weighted(0.85, value()),
        prop::option::weighted(
            0.3,
            prop_oneof![
                any::<f64>().prop_filter("finite", |f| f.is_finite()),
                (0i64..2_000_000_000).prop_map(|t| t as f64),
                (-100i32..0).prop_map(f64::from),
            ],
        ),
    )
        .prop_map(|(levels, value, time)| R {
            levels,
            value,
            time,
        })
}

fn records() -> impl Strategy<Value = (Option<String>, Vec<R>)> {
    (
        prop::option::weighted(0.15, "[a-z][a-z0-9_~.-]{0,6}"),
        prop::collection::vec(record(), 0..8),
    )
}

fn borrow<'a>(prefix: Option<&'a str>, rs: &'a [R]) -> Vec<Record<'a>> {
    rs.iter()
        .map(|r| {
            let path = Path::new(&r.levels).unwrap();
            let path = match prefix {
                Some(p) => path.with_prefix(p).unwrap(),
                None => path,
            };
            let value = r.value.as_ref().map(|v| match v {
                V::Str(s) => Value::Str(Text::Plain(s)),
                V::Int(i) => Value::Int(*i),
                V::Uint(u) => Value::Uint(*u),
                V::Float(f) => Value::Float(*f),
                V::Bool(b) => Value::Bool(*b),
                V::Opaque(b) => Value::Opaque(Opaque::Raw(b)),
                V::Time(t) => Value::Time(*t),
                V::Link(o, i) => Value::ObjLink(ObjLink {
                    object: *o,
                    instance: *i,
                }),
                V::CoreLink(s) => Value::CoreLink(Text::Plain(s)),
            });
            Record {
                path,
                value,
                time: r.time,
            }
        })
        .collect()
}

/// Encodes with a format's pair of functions, checking the sizes agree and that one byte less
/// does not fit.
fn encode_with(
    records: &[Record<'_>],
    len: fn(&[Record<'_>]) -> Result<usize, m2m_lwm2m::Error>,
    enc: fn(&[Record<'_>], &mut [u8]) -> Result<usize, m2m_lwm2m::Error>,
) -> Vec<u8> {
    let n = len(records).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(enc(records, &mut out).unwrap(), n);
    if n > 0 {
        assert!(enc(records, &mut out[..n - 1]).is_err());
    }
    out
}

/// The decoded value read as the original's type (JSON numbers do not say Time from Integer,
/// nor strings Corelnk from String).
fn same_value(got: Option<Value<'_>>, want: Option<Value<'_>>) -> bool {
    match (got, want) {
        (None, None) => true,
        (Some(Value::Null), Some(Value::Null)) => true,
        (Some(g), Some(w)) => {
            let Some(ty) = w.data_type() else {
                return false;
            };
            g.typed(ty, &Config::STRICT).is_ok_and(|t| t == w)
        }
        _ => false,
    }
}

/// Legacy JSON carries Opaque as standard base64 in a string.
fn same_legacy_value(got: Option<Value<'_>>, want: Option<Value<'_>>) -> bool {
    match (got, want) {
        (Some(Value::Str(t)), Some(Value::Opaque(o))) => {
            let mut bytes = vec![0u8; o.len()];
            t.raw()
                .is_some_and(|raw| base64::decode_into(raw, &mut bytes).is_ok_and(|n| n == o.len()))
                && bytes.iter().copied().eq(o.bytes())
        }
        _ => same_value(got, want),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn senml_json_round_trips((prefix, rs) in records()) {
        let recs = borrow(prefix.as_deref(), &rs);
        let body = encode_with(&recs, senml_json::encoded_len, senml_json::encode);
        let back: Vec<_> = senml_json::decode(&body).collect::<Result<_, _>>()
            .map_err(|e| TestCaseError::fail(format!("{e} in {}", String::from_utf8_lossy(&body))))?;
        prop_assert_eq!(back.len(), recs.len());
        for (b, r) in back.iter().zip(&recs) {
            prop_assert_eq!(b.path, r.path);
            prop_assert_eq!(b.time, r.time);
            prop_assert!(same_value(b.value, r.value), "{:?} vs {:?} in {}", b.value, r.value, String::from_utf8_lossy(&body));
            // Floats stay floats, integers integers.
            if let Some(Value::Float(_)) = r.value {
                prop_assert!(matches!(b.value, Some(Value::Float(_))));
            }
            if let Some(Value::Int(_)) = r.value {
                prop_assert!(matches!(b.value, Some(Value::Int(_))));
            }
        }
        // Encoding the decoded records gives the same bytes (the base name chosen the same).
        let again = encode_with(&back, senml_json::encoded_len, senml_json::encode);
        prop_assert_eq!(again, body);
    }

    #[test]
    fn etch_ipatch_round_trips((prefix, rs) in records()) {
        // A record without a value is a removal: Value::Null.
        let recs: Vec<_> = borrow(prefix.as_deref(), &rs)
            .into_iter()
            .map(|r| Record { value: Some(r.value.unwrap_or(Value::Null)), ..r })
            .collect();
        let body = encode_with(&recs, senml_etch_json::encoded_len_ipatch, senml_etch_json::encode_ipatch);
        let back: Vec<_> = senml_etch_json::decode_ipatch(&body).collect::<Result<_, _>>()
            .map_err(|e| TestCaseError::fail(format!("{e} in {}", String::from_utf8_lossy(&body))))?;
        prop_assert_eq!(back.len(), recs.len());
        for (b, r) in back.iter().zip(&recs) {
            prop_assert_eq!(b.path, r.path);
            prop_assert_eq!(b.time, r.time);
            prop_assert!(same_value(b.value, r.value));
        }
        // FETCH: the names (and times) alone.
        let names: Vec<_> = recs.iter().map(|r| Record { value: None, ..*r }).collect();
        let body = encode_with(&names, senml_etch_json::encoded_len_fetch, senml_etch_json::encode_fetch);
        let back: Vec<_> = senml_etch_json::decode_fetch(&body).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(back, names);
    }

    #[test]
    fn legacy_json_round_trips((prefix, rs) in records()) {
        let recs = borrow(prefix.as_deref(), &rs);
        let body = encode_with(&recs, lwm2m_json::encoded_len, lwm2m_json::encode);
        let back: Vec<_> = lwm2m_json::decode(&body).collect::<Result<_, _>>()
            .map_err(|e| TestCaseError::fail(format!("{e} in {}", String::from_utf8_lossy(&body))))?;
        // Every entry of the format has a value: records without one are left out.
        let recs: Vec<_> = recs.into_iter().filter(|r| r.value.is_some()).collect();
        prop_assert_eq!(back.len(), recs.len());
        for (b, r) in back.iter().zip(&recs) {
            prop_assert_eq!(b.path, r.path);
            prop_assert_eq!(b.time, r.time);
            prop_assert!(same_legacy_value(b.value, r.value), "{:?} vs {:?}", b.value, r.value);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = senml_json::decode(&bytes).count();
        let _ = senml_etch_json::decode_fetch(&bytes).count();
        let _ = senml_etch_json::decode_ipatch(&bytes).count();
        let _ = lwm2m_json::decode(&bytes).count();
    }

    #[test]
    fn json_like_text_never_panics(text in r#"[\[\]{}":,0-9a-z\\/ .eE+\-_]{0,80}"#) {
        for body in [text.clone(), format!("[{{{text}}}]"), format!("{{\"e\":[{{{text}}}]}}")] {
            let mut d = senml_json::decode(body.as_bytes());
            let mut n = 0;
            while let Some(r) = d.next() {
                n += 1;
                if r.is_err() {
                    // Fused: nothing after an error.
                    prop_assert!(d.next().is_none());
                    break;
                }
            }
            // At most one record per byte, and one error.
            prop_assert!(n <= body.len() + 1);
            let _ = lwm2m_json::decode(body.as_bytes()).count();
            let _ = senml_etch_json::decode_ipatch(body.as_bytes()).count();
        }
    }
}
