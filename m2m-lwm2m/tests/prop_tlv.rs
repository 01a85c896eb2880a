//! Properties of OMA TLV: any set of typed records encodes and decodes back to the same records
//! at every level; the size is known first; arbitrary bytes never panic.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a property reports a counterexample

use std::collections::BTreeMap;

use m2m_lwm2m::{Config, DataType, ObjLink, Opaque, Path, Record, Text, Value, tlv};
use proptest::prelude::*;

/// A value of every type TLV carries, with its type.
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
        ".{0,40}".prop_map(Owned::Str),
        any::<i64>().prop_map(Owned::Int),
        any::<u64>().prop_map(Owned::Uint),
        any::<f64>()
            .prop_filter("NaN is not equal to itself", |f| !f.is_nan())
            .prop_map(Owned::Float),
        any::<f32>()
            .prop_filter("NaN", |f| !f.is_nan())
            .prop_map(|f| Owned::Float(f64::from(f))),
        any::<bool>().prop_map(Owned::Bool),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Owned::Opaque),
        any::<i64>().prop_map(Owned::Time),
        (any::<u16>(), any::<u16>()).prop_map(|(o, i)| Owned::Link(o, i)),
    ]
}

/// Instances → resources → either one value or resource instances (possibly none).
type Tree = BTreeMap<u16, BTreeMap<u16, Result<Owned, BTreeMap<u16, Owned>>>>;

fn id() -> impl Strategy<Value = u16> {
    prop_oneof![0u16..10, 0u16..65535]
}

fn tree() -> impl Strategy<Value = Tree> {
    let resource = prop_oneof![
        owned().prop_map(Ok),
        proptest::collection::btree_map(id(), owned(), 0..4).prop_map(Err),
    ];
    proptest::collection::btree_map(
        id(),
        proptest::collection::btree_map(id(), resource, 1..6),
        1..4,
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
                Err(instances) if instances.is_empty() => {
                    out.push((
                        DataType::None,
                        Record::path_only(Path::resource(object, i, r)),
                    ));
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

fn round_trip(base: Path<'_>, typed: &[(DataType, Record<'_>)]) {
    let recs: Vec<Record<'_>> = typed.iter().map(|(_, r)| *r).collect();
    let n = tlv::encoded_len(&base, &recs).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(tlv::encode(&base, &recs, &mut out).unwrap(), n);
    let back: Vec<Record<'_>> = tlv::decode(&out, base, Config::STRICT)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(back.len(), recs.len());
    for ((t, want), got) in typed.iter().zip(&back) {
        assert_eq!(got.path, want.path);
        let v = got.value.map(|v| v.typed(*t, &Config::STRICT).unwrap());
        assert_eq!(v, want.value);
    }
}

proptest! {
    #[test]
    fn records_round_trip_at_every_level(object in 0u16..65535, tree in tree()) {
        let all = records(object, &tree);
        // The object.
        round_trip(Path::object(object), &all);
        // Each instance.
        for &i in tree.keys() {
            let mine: Vec<_> = all.iter().copied().filter(|(_, r)| r.path.instance_id() == Some(i)).collect();
            round_trip(Path::instance(object, i), &mine);
            // Each resource.
            for &r in tree[&i].keys() {
                let res: Vec<_> = mine.iter().copied().filter(|(_, x)| x.path.resource_id() == Some(r)).collect();
                round_trip(Path::resource(object, i, r), &res);
                if let [(_, one)] = res.as_slice() {
                    if one.path.depth() == 4 {
                        round_trip(one.path, &res);
                    }
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200), depth in 0usize..5) {
        let base = [Path::ROOT, Path::object(3), Path::instance(3, 0), Path::resource(3, 0, 7), Path::resource_instance(3, 0, 7, 0)][depth];
        for config in [Config::STRICT, Config::LENIENT] {
            for r in tlv::decode(&body, base, config) {
                match r {
                    Ok(r) => prop_assert!(base.contains(&r.path) || r.path.contains(&base)),
                    Err(e) => prop_assert!(e.offset <= body.len()),
                }
            }
        }
    }
}
