//! proptest strategies for owned Sparkplug payloads, values kept consistent with datatypes so that
//! decoding types every value back as it was built.
#![allow(dead_code)]

use m2m_sparkplug::{
    DataSet, MetaData, Metric, MetricValue, Parameter, Payload, PropertySet, PropertyValue, Raw,
    Row, Seq, Str, Template,
};
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;

fn s() -> impl Strategy<Value = Str<'static>> {
    "[a-zA-Z0-9 /_.\u{e9}\u{4e2d}-]{0,10}".prop_map(Str::Owned)
}

fn f32_() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("NaN never equals itself", |v| !v.is_nan())
}

fn f64_() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("NaN never equals itself", |v| !v.is_nan())
}

fn bytes() -> impl Strategy<Value = Seq<'static, u8>> {
    vec(any::<u8>(), 0..12).prop_map(Seq::Owned)
}

fn seq<T: std::fmt::Debug + 'static>(
    st: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Seq<'static, T>> {
    vec(st, 0..6).prop_map(Seq::Owned)
}

/// A value of a scalar datatype (1..=15 but DataSet, and 17, 18), for cells and parameters too.
pub(crate) fn scalar(dt: u32) -> BoxedStrategy<MetricValue<'static>> {
    use MetricValue as V;
    match dt {
        1 => any::<i8>().prop_map(V::Int8).boxed(),
        2 => any::<i16>().prop_map(V::Int16).boxed(),
        3 => any::<i32>().prop_map(V::Int32).boxed(),
        4 => any::<i64>().prop_map(V::Int64).boxed(),
        5 => any::<u8>().prop_map(V::UInt8).boxed(),
        6 => any::<u16>().prop_map(V::UInt16).boxed(),
        7 => any::<u32>().prop_map(V::UInt32).boxed(),
        8 => any::<u64>().prop_map(V::UInt64).boxed(),
        9 => f32_().prop_map(V::Float).boxed(),
        10 => f64_().prop_map(V::Double).boxed(),
        11 => any::<bool>().prop_map(V::Boolean).boxed(),
        12 => s().prop_map(V::String).boxed(),
        13 => any::<u64>().prop_map(V::DateTime).boxed(),
        14 => s().prop_map(V::Text).boxed(),
        15 => s().prop_map(V::Uuid).boxed(),
        17 => bytes().prop_map(V::Bytes).boxed(),
        18 => bytes().prop_map(V::File).boxed(),
        _ => array(dt),
    }
}

fn array(dt: u32) -> BoxedStrategy<MetricValue<'static>> {
    use MetricValue as V;
    match dt {
        22 => seq(any::<i8>()).prop_map(V::Int8Array).boxed(),
        23 => seq(any::<i16>()).prop_map(V::Int16Array).boxed(),
        24 => seq(any::<i32>()).prop_map(V::Int32Array).boxed(),
        25 => seq(any::<i64>()).prop_map(V::Int64Array).boxed(),
        26 => seq(any::<u8>()).prop_map(V::UInt8Array).boxed(),
        27 => seq(any::<u16>()).prop_map(V::UInt16Array).boxed(),
        28 => seq(any::<u32>()).prop_map(V::UInt32Array).boxed(),
        29 => seq(any::<u64>()).prop_map(V::UInt64Array).boxed(),
        30 => seq(f32_()).prop_map(V::FloatArray).boxed(),
        31 => seq(f64_()).prop_map(V::DoubleArray).boxed(),
        32 => vec(any::<bool>(), 0..20)
            .prop_map(|v| V::BooleanArray(Seq::Owned(v)))
            .boxed(),
        33 => seq("[a-z\u{e9}]{0,4}".prop_map(Str::Owned))
            .prop_map(V::StringArray)
            .boxed(),
        _ => seq(any::<u64>()).prop_map(V::DateTimeArray).boxed(),
    }
}

/// A value as on the wire, for metrics without a datatype.
fn raw(metric: bool) -> BoxedStrategy<MetricValue<'static>> {
    let scalars = prop_oneof![
        any::<u32>().prop_map(Raw::Int),
        any::<u64>().prop_map(Raw::Long),
        f32_().prop_map(Raw::Float),
        f64_().prop_map(Raw::Double),
        any::<bool>().prop_map(Raw::Boolean),
        s().prop_map(Raw::String),
    ];
    if metric {
        prop_oneof![scalars, bytes().prop_map(Raw::Bytes)]
            .prop_map(MetricValue::Raw)
            .boxed()
    } else {
        scalars.prop_map(MetricValue::Raw).boxed()
    }
}

const SCALAR_TYPES: &[u32] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

fn dataset() -> impl Strategy<Value = DataSet<'static>> {
    (vec(proptest::sample::select(SCALAR_TYPES), 0..4), 0usize..4).prop_flat_map(|(types, rows)| {
        let row = types
            .iter()
            .map(|&t| of(scalar(t)))
            .collect::<Vec<_>>()
            .prop_map(|elements| Row {
                elements: Seq::Owned(elements),
            });
        let n = types.len();
        (of(Just(n as u64)), vec(s(), n), vec(row, rows), Just(types)).prop_map(
            |(num_of_columns, columns, rows, types)| DataSet {
                num_of_columns,
                columns: Seq::Owned(columns),
                types: Seq::Owned(types),
                rows: Seq::Owned(rows),
            },
        )
    })
}

fn property_value(depth: u32) -> BoxedStrategy<PropertyValue<'static>> {
    let typed = proptest::sample::select(SCALAR_TYPES).prop_flat_map(|dt| {
        (of(scalar(dt)), of(any::<bool>())).prop_map(move |(value, is_null)| PropertyValue {
            datatype: Some(dt),
            is_null,
            value,
        })
    });
    if depth == 0 {
        return typed.boxed();
    }
    prop_oneof![
        4 => typed,
        1 => property_set(depth - 1).prop_map(|p| PropertyValue {
            datatype: Some(20),
            is_null: None,
            value: Some(MetricValue::PropertySet(p)),
        }),
        1 => vec(property_set(depth - 1), 0..3).prop_map(|l| PropertyValue {
            datatype: Some(21),
            is_null: None,
            value: Some(MetricValue::PropertySetList(Seq::Owned(l))),
        }),
    ]
    .boxed()
}

pub(crate) fn property_set(depth: u32) -> BoxedStrategy<PropertySet<'static>> {
    vec((s(), property_value(depth)), 0..4)
        .prop_map(|kv| {
            let (keys, values): (Vec<_>, Vec<_>) = kv.into_iter().unzip();
            PropertySet {
                keys: Seq::Owned(keys),
                values: Seq::Owned(values),
            }
        })
        .boxed()
}

fn metadata() -> impl Strategy<Value = MetaData<'static>> {
    (
        of(any::<bool>()),
        of(s()),
        of(any::<u64>()),
        of(any::<u64>()),
        of(s()),
        of(s()),
        of(s()),
        of(s()),
    )
        .prop_map(
            |(is_multi_part, content_type, size, seq, file_name, file_type, md5, description)| {
                MetaData {
                    is_multi_part,
                    content_type,
                    size,
                    seq,
                    file_name,
                    file_type,
                    md5,
                    description,
                }
            },
        )
}

fn parameter() -> impl Strategy<Value = Parameter<'static>> {
    (
        of(s()),
        proptest::sample::select(&[1u32, 3, 4, 7, 9, 10, 11, 12][..]),
    )
        .prop_flat_map(|(name, dt)| {
            of(scalar(dt)).prop_map(move |value| Parameter {
                name: name.clone(),
                datatype: Some(dt),
                value,
            })
        })
}

fn template(depth: u32) -> impl Strategy<Value = Template<'static>> {
    (
        of(s()),
        vec(metric(depth), 0..3),
        vec(parameter(), 0..3),
        of(s()),
        of(any::<bool>()),
    )
        .prop_map(
            |(version, metrics, parameters, template_ref, is_definition)| Template {
                version,
                metrics: Seq::Owned(metrics),
                parameters: Seq::Owned(parameters),
                template_ref,
                is_definition,
            },
        )
}

/// A datatype and a value of it, for a metric; `depth` bounds nested templates.
fn typed_value(depth: u32) -> BoxedStrategy<(Option<u32>, Option<MetricValue<'static>>)> {
    let plain = prop_oneof![
        proptest::sample::select(SCALAR_TYPES),
        Just(17u32),
        Just(18u32),
        22u32..=34,
    ]
    .prop_flat_map(|dt| of(scalar(dt)).prop_map(move |v| (Some(dt), v)));
    let untyped = of(raw(true)).prop_map(|v| (None, v));
    if depth == 0 {
        return prop_oneof![8 => plain, 2 => untyped, 1 => dataset().prop_map(|d| (Some(16), Some(MetricValue::DataSet(d))))].boxed();
    }
    prop_oneof![
        8 => plain,
        2 => untyped,
        1 => dataset().prop_map(|d| (Some(16), Some(MetricValue::DataSet(d)))),
        1 => template(depth - 1).prop_map(|t| (Some(19), Some(MetricValue::Template(t)))),
    ]
    .boxed()
}

pub(crate) fn metric(depth: u32) -> BoxedStrategy<Metric<'static>> {
    (
        (of(s()), of(any::<u64>()), of(any::<u64>())),
        (of(any::<bool>()), of(any::<bool>()), of(any::<bool>())),
        of(metadata()),
        of(property_set(1)),
        typed_value(depth),
    )
        .prop_map(
            |(
                (name, alias, timestamp),
                (is_historical, is_transient, is_null),
                metadata,
                properties,
                (datatype, value),
            )| Metric {
                name,
                alias,
                timestamp,
                datatype,
                is_historical,
                is_transient,
                is_null,
                metadata,
                properties,
                value,
            },
        )
        .boxed()
}

/// Any payload, with templates nested up to two levels.
pub(crate) fn payload() -> impl Strategy<Value = Payload<'static>> {
    (
        of(any::<u64>()),
        vec(metric(2), 0..6),
        of(any::<u64>()),
        of(s()),
        of(bytes()),
    )
        .prop_map(|(timestamp, metrics, seq, uuid, body)| Payload {
            timestamp,
            metrics: Seq::Owned(metrics),
            seq,
            uuid,
            body,
        })
}
