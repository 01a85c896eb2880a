//! Sparkplug payload views on arbitrary bytes: no panic through any accessor; `peek_header`
//! agrees with the full view; a payload whose top level is valid iterates exactly
//! `metric_count` metrics unless one of them is malformed; the metrics read with the fast
//! paths are those read the general way.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_sparkplug::{Error, MetricView, PayloadView, PropertySetView, RawValue, Value};

/// Whether a metric read with the fast paths is the one read the general way: every field
/// (by its `Debug`, which shows them all) and a float value by its bits (NaN is not equal to
/// itself, and its `Debug` hides the payload).
fn same(
    fast: &Result<MetricView<'_>, Error>,
    general: &Option<Result<MetricView<'_>, Error>>,
) -> bool {
    let bits = |m: &MetricView<'_>| match m.raw_value() {
        Some(RawValue::Float(v)) => Some(u64::from(v.to_bits())),
        Some(RawValue::Double(v)) => Some(v.to_bits()),
        _ => None,
    };
    match (fast, general) {
        (Ok(a), Some(Ok(b))) => bits(a) == bits(b) && format!("{a:?}") == format!("{b:?}"),
        (Err(a), Some(Err(b))) => a == b,
        _ => false,
    }
}

fn props(p: PropertySetView<'_>) {
    for (_, v) in p.iter().flatten() {
        if let Ok(v) = v.value() {
            value(v);
        }
    }
}

fn value(v: Value<'_>) {
    match v {
        Value::DataSet(d) => {
            let _ = d.num_of_columns();
            let _ = d.columns().count();
            for row in d.rows().flatten() {
                for (cell, t) in row.elements().flatten().zip(d.types().flatten()) {
                    let _ = cell.value_as(t);
                }
            }
        }
        Value::Template(t) => {
            let _ = (t.version(), t.template_ref(), t.is_definition());
            for m in t.metrics().flatten() {
                if let Ok(v) = m.value() {
                    value(v);
                }
            }
            for p in t.parameters().flatten() {
                let _ = p.value();
            }
        }
        Value::PropertySet(p) => props(p),
        Value::PropertySetList(l) => l.iter().flatten().for_each(props),
        Value::BooleanArray(a) => a.iter().for_each(drop),
        // The strings are counted by their NUL terminators, the count by a walk of its own.
        Value::StringArray(a) => assert_eq!(a.iter().count(), a.len()),
        Value::Int32Array(a) => a.iter().for_each(drop),
        Value::DoubleArray(a) => a.iter().for_each(drop),
        other => {
            let _ = other.to_core();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let header = PayloadView::peek_header(data);
    let Ok(view) = PayloadView::new(data) else {
        return;
    };
    assert_eq!(header.ok(), Some(view.header()));
    // The fast paths of `metrics()` read what the general walk reads, errors included.
    let mut general = view.metrics_general();
    for m in view.metrics() {
        assert!(same(&m, &general.next()), "{m:?}");
    }
    assert!(general.next().is_none());
    let mut seen = 0;
    let mut failed = false;
    for m in view.metrics() {
        match m {
            Ok(m) => {
                seen += 1;
                let _ = (m.name(), m.alias(), m.unknown_fields().count());
                for dt in [m.datatype().unwrap_or(0), 1, 7, 12, 16, 19, 32, 33] {
                    if let Ok(v) = m.value_as(dt) {
                        value(v);
                    }
                }
                if let Some(p) = m.properties() {
                    props(p);
                }
            }
            Err(_) => failed = true,
        }
    }
    if !failed {
        assert_eq!(seen, view.metric_count());
    }
    let _ = view.check();
    let _ = view.unknown_fields().count();
});
