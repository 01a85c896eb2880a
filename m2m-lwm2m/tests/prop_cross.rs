//! Cross-format property: any set of typed records encodes to TLV, SenML JSON, SenML CBOR,
//! LwM2M CBOR and legacy LwM2M JSON, and each decodes back, typed by the record's data type, to
//! the same records.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a property reports a counterexample

use std::collections::BTreeMap;

use m2m_coap::ContentFormat;
use m2m_lwm2m::{Config, DataType, ObjLink, Opaque, Path, Record, Text, Value, body};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Owned {
    Str(String),
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
    Opaque(Vec<u8>),
    Time(i64),
    Link(u16, u16),
}

impl Owned {
    fn value(&self) -> (DataType, Value<'_>) {
        match self {
            Owned::Str(s) => (DataType::String, Value::Str(Text::Plain(s))),
            Owned::Int(i) => (DataType::Integer, Value::Int(*i)),
            Owned::Uint(u) => (DataType::UnsignedInteger, Value::Uint(*u)),
            Owned::Float(f) => (DataType::Float, Value::Float(*f)),
            Owned::Bool(b) => (DataType::Boolean, Value::Bool(*b)),
            Owned::Opaque(b) => (DataType::Opaque, Value::Opaque(Opaque::Raw(b))),
            Owned::Time(t) => (DataType::Time, Value::Time(*t)),
            Owned::Link(o, i) => (
                DataType::Objlnk,
                Value::ObjLink(ObjLink {
                    object: *o,
                    instance: *i,
                }),
            ),
        }
    }
}

fn owned() -> impl Strategy<Value = Owned> {
    prop_oneof![
        // Text with quotes, backslashes, controls and non-ASCII, for the JSON escapes.
        "[a-zA-Z0-9 \"\\\\\u{1}\u{7f}é€😀]{0,20}".prop_map(Owned::Str),
        any::<i64>().prop_map(Owned::Int),
        // Above i64::MAX an unsigned value is unambiguous in every format.
        (1u64 << 63..=u64::MAX).prop_map(Owned::Uint),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Owned::Float),
        any::<f32>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Owned::Float(f64::from(f))),
        (-1000i32..1000).prop_map(|h| Owned::Float(f64::from(h) / 4.0)),
        any::<bool>().prop_map(Owned::Bool),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Owned::Opaque),
        (0i64..4_000_000_000).prop_map(Owned::Time),
        (any::<u16>(), any::<u16>()).prop_map(|(o, i)| Owned::Link(o, i)),
    ]
}

/// Instances → resources → one value or (at least one) resource instances.
type Tree = BTreeMap<u16, BTreeMap<u16, Result<Owned, BTreeMap<u16, Owned>>>>;

fn tree() -> impl Strategy<Value = Tree> {
    let id = || prop_oneof![0u16..8, 0u16..65535];
    let resource = prop_oneof![
        owned().prop_map(Ok),
        proptest::collection::btree_map(id(), owned(), 1..4).prop_map(Err),
    ];
    proptest::collection::btree_map(
        id(),
        proptest::collection::btree_map(id(), resource, 1..5),
        1..3,
    )
}

fn records(object: u16, tree: &Tree) -> Vec<(DataType, Record<'_>)> {
    let mut out = Vec::new();
    for (&i, resources) in tree {
        for (&r, res) in resources {
            match res {
                Ok(v) => {
                    let (t, v) = v.value();
                    out.push((t, Record::new(Path::resource(object, i, r), v)));
                }
                Err(instances) => {
                    for (&ri, v) in instances {
                        let (t, v) = v.value();
                        out.push((t, Record::new(Path::resource_instance(object, i, r, ri), v)));
                    }
                }
            }
        }
    }
    out
}

/// Legacy LwM2M JSON has no Opaque (written as base64 text in `sv`) and numbers only: compare
/// what it can say.
fn legacy_fits(t: DataType, v: &Value<'_>) -> bool {
    !matches!(t, DataType::Opaque) && !matches!(v, Value::Uint(_))
}

proptest! {
    #[test]
    fn every_format_gives_back_the_same_records(object in 0u16..65535, tree in tree()) {
        let typed = records(object, &tree);
        let recs: Vec<Record<'_>> = typed.iter().map(|(_, r)| *r).collect();
        let base = Path::object(object);
        for format in [
            ContentFormat::LWM2M_TLV,
            ContentFormat::SENML_JSON,
            ContentFormat::SENML_CBOR,
            ContentFormat::LWM2M_CBOR,
            ContentFormat::LWM2M_JSON,
        ] {
            if format == ContentFormat::LWM2M_JSON && !typed.iter().all(|(t, r)| legacy_fits(*t, &r.value.unwrap())) {
                continue;
            }
            let n = body::encoded_len(format, &base, &recs).unwrap();
            let mut out = vec![0u8; n];
            prop_assert_eq!(body::encode(format, &base, &recs, &mut out).unwrap(), n);
            let back: Vec<Record<'_>> = body::decode(format, base, &out, Config::STRICT)
                .unwrap()
                .collect::<Result<_, _>>()
                .map_err(|e| TestCaseError::fail(format!("{format:?}: {e}")))?;
            prop_assert_eq!(back.len(), recs.len(), "{:?}", format);
            for ((t, want), got) in typed.iter().zip(&back) {
                prop_assert_eq!(got.path, want.path, "{:?}", format);
                let v = got.value.unwrap().typed(*t, &Config::STRICT)
                    .map_err(|e| TestCaseError::fail(format!("{format:?} {}: {e}", want.path)))?;
                prop_assert_eq!(Some(v), want.value, "{:?} {}", format, want.path);
            }
        }
    }
}
