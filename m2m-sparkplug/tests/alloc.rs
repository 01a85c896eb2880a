//! Decoding allocates nothing: walking every metric of any payload through the views, reading
//! every name, alias, datatype and value (arrays, datasets, templates and property sets
//! included), and the errors of bad input.

mod strategies;

use m2m_sparkplug::{MetricView, PayloadView, PropertySetView, Value};
use m2m_testkit::{CountingAllocator, assert_no_alloc, vectors::crate_vectors};
use proptest::prelude::*;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

fn value(v: &Value<'_>) -> u64 {
    match v {
        // Every array type read element by element.
        Value::Int8Array(a) => a.iter().map(|x| x as u64).fold(0, u64::wrapping_add),
        Value::Int16Array(a) => a.iter().map(|x| x as u64).fold(0, u64::wrapping_add),
        Value::Int32Array(a) => a.iter().map(|x| x as u64).fold(0, u64::wrapping_add),
        Value::Int64Array(a) => a.iter().map(|x| x as u64).fold(0, u64::wrapping_add),
        Value::UInt8Array(a) => a.iter().map(u64::from).fold(0, u64::wrapping_add),
        Value::UInt16Array(a) => a.iter().map(u64::from).fold(0, u64::wrapping_add),
        Value::UInt32Array(a) => a.iter().map(u64::from).fold(0, u64::wrapping_add),
        Value::UInt64Array(a) | Value::DateTimeArray(a) => a.iter().fold(0, u64::wrapping_add),
        Value::FloatArray(a) => a
            .iter()
            .map(|x| u64::from(x.to_bits()))
            .fold(0, u64::wrapping_add),
        Value::DoubleArray(a) => a.iter().map(|x| x.to_bits()).fold(0, u64::wrapping_add),
        Value::BooleanArray(a) => a.iter().filter(|&b| b).count() as u64,
        Value::StringArray(a) => a.iter().map(|s| s.len() as u64).fold(0, u64::wrapping_add),
        Value::DataSet(d) => {
            let mut n = d
                .columns()
                .flatten()
                .map(|c| c.len() as u64)
                .fold(0, u64::wrapping_add);
            for row in d.rows().flatten() {
                for (cell, t) in row.elements().flatten().zip(d.types().flatten()) {
                    n = n.wrapping_add(cell.value_as(t).map_or(0, |v| value(&v).wrapping_add(1)));
                }
            }
            n
        }
        Value::Template(t) => {
            let mut n = t.version().ok().flatten().map_or(0, |s| s.len() as u64);
            for m in t.metrics().flatten() {
                n = n.wrapping_add(metric(&m));
            }
            for p in t.parameters().flatten() {
                n = n.wrapping_add(p.value().map_or(0, |v| value(&v).wrapping_add(1)));
            }
            n
        }
        Value::PropertySet(p) => props(p),
        Value::PropertySetList(l) => l
            .iter()
            .flatten()
            .map(|p| props(&p))
            .fold(0, u64::wrapping_add),
        other => other
            .to_core()
            .map_or(1, |c| c.as_f64().map_or(2, |f| f.to_bits() & 0xff)),
    }
}

fn props(p: &PropertySetView<'_>) -> u64 {
    p.iter()
        .flatten()
        .map(|(k, v)| (k.len() as u64).wrapping_add(v.value().map_or(0, |v| value(&v))))
        .fold(0, u64::wrapping_add)
}

fn metric(m: &MetricView<'_>) -> u64 {
    let mut n = m
        .name()
        .map_or(0, |s| s.len() as u64)
        .wrapping_add(m.alias().unwrap_or(0) % 7);
    n = n.wrapping_add(u64::from(m.datatype().unwrap_or(0)));
    n = n.wrapping_add(m.value().map_or(0, |v| value(&v).wrapping_add(1)));
    if let Some(p) = m.properties() {
        n = n.wrapping_add(props(&p));
    }
    if let Ok(Some(md)) = m.metadata() {
        n = n.wrapping_add(md.content_type.map_or(0, |s| s.len() as u64));
    }
    n
}

#[allow(clippy::unwrap_used)] // a test helper: every payload given is valid
fn walk(bytes: &[u8]) -> u64 {
    let view = PayloadView::new(bytes).unwrap();
    let mut n = view.metric_count() as u64 + 1;
    for m in view.metrics() {
        n = n.wrapping_add(metric(&m.unwrap()));
    }
    n = n.wrapping_add(PayloadView::peek_header(bytes).unwrap().seq.unwrap_or(0));
    n
}

#[test]
fn every_vector_walks_without_allocating() {
    let vectors = crate_vectors(env!("CARGO_MANIFEST_DIR"));
    assert!(vectors.len() >= 46);
    for v in &vectors {
        let bytes = v.bytes().unwrap();
        // The walk's digest is returned, so that nothing of it is optimised away.
        std::hint::black_box(assert_no_alloc(|| walk(&bytes)));
    }
}

#[test]
fn errors_allocate_nothing() {
    assert_no_alloc(|| {
        assert!(PayloadView::new(&[0x12, 0x05, 0x0a]).is_err());
        let view = PayloadView::new(&[0x12, 0x02, 0x0a, 0x05]).unwrap();
        assert!(view.metrics().next().unwrap().is_err());
    });
}

proptest! {
    #[test]
    fn any_payload_walks_without_allocating(p in strategies::payload()) {
        let bytes = p.to_vec().unwrap();
        std::hint::black_box(assert_no_alloc(|| walk(&bytes)));
        // Encoding into a caller's buffer allocates nothing either.
        let mut out = vec![0u8; p.buffer_len()];
        let written = assert_no_alloc(|| p.encode(&mut out).unwrap());
        prop_assert_eq!(&out[..written], &bytes[..]);
    }
}
