//! From views to reprs (`alloc`): a decoded payload as a [`Payload`] that can be changed and
//! encoded again. Strings and bytes still borrow from the input; lists are collected.
//!
//! A value is typed by its datatype when it reads as that datatype; otherwise (no datatype, an
//! unknown one, or a value that does not fit it) it is kept as [`MetricValue::Raw`], so nothing
//! on the wire is lost but unknown fields.

use alloc::vec::Vec;

use crate::error::Error;
use crate::payload::{
    DataSetView, MetaDataView, MetricView, ParameterView, PayloadView, PropertySetView,
    PropertyValueView, TemplateView,
};
use crate::repr::{
    DataSet, MetaData, Metric, MetricValue, Parameter, Payload, PropertySet, PropertyValue, Raw,
    Row, Seq, Str, Template,
};
use crate::value::{RawValue, Value};

fn collect<T>(it: impl Iterator<Item = Result<T, Error>>) -> Result<Seq<'static, T>, Error>
where
{
    it.collect::<Result<Vec<T>, Error>>().map(Seq::Owned)
}

fn collect_in<'a, T>(it: impl Iterator<Item = Result<T, Error>>) -> Result<Seq<'a, T>, Error> {
    it.collect::<Result<Vec<T>, Error>>().map(Seq::Owned)
}

fn s(v: Option<&str>) -> Option<Str<'_>> {
    v.map(Str::Borrowed)
}

/// The repr of a raw value: typed by `datatype` when it reads as it, raw otherwise.
fn value<'a>(
    datatype: Option<u32>,
    raw: Option<RawValue<'a>>,
) -> Result<Option<MetricValue<'a>>, Error> {
    let Some(raw) = raw else { return Ok(None) };
    if let Some(dt) = datatype {
        if let Ok(v) = Value::from_raw(dt, Some(raw), false) {
            if let Some(typed) = typed(v)? {
                return Ok(Some(typed));
            }
        }
    }
    Ok(Some(MetricValue::Raw(match raw {
        RawValue::Int(v) => Raw::Int(v),
        RawValue::Long(v) => Raw::Long(v),
        RawValue::Float(v) => Raw::Float(v),
        RawValue::Double(v) => Raw::Double(v),
        RawValue::Boolean(v) => Raw::Boolean(v),
        RawValue::String(v) => Raw::String(Str::Borrowed(v)),
        RawValue::Bytes(b) => Raw::Bytes(Seq::Borrowed(b)),
        RawValue::Extension(e) => Raw::Extension(match e.as_bytes() {
            Some(b) => Seq::Borrowed(b),
            // Merged from several occurrences: the message is their concatenation.
            None => Seq::Owned(e.pieces().collect::<Result<Vec<_>, Error>>()?.concat()),
        }),
        // Nested messages read as their own type whatever the datatype says.
        RawValue::DataSet(d) => return Ok(Some(MetricValue::DataSet(dataset(d)?))),
        RawValue::Template(t) => return Ok(Some(MetricValue::Template(template(t)?))),
        RawValue::PropertySet(p) => return Ok(Some(MetricValue::PropertySet(property_set(p)?))),
        RawValue::PropertySetList(l) => {
            return Ok(Some(MetricValue::PropertySetList(collect_in(
                l.iter().map(|p| property_set(p?)),
            )?)));
        }
    })))
}

fn typed(v: Value<'_>) -> Result<Option<MetricValue<'_>>, Error> {
    use MetricValue as M;
    Ok(Some(match v {
        Value::Null | Value::Other { .. } => return Ok(None),
        Value::Int8(v) => M::Int8(v),
        Value::Int16(v) => M::Int16(v),
        Value::Int32(v) => M::Int32(v),
        Value::Int64(v) => M::Int64(v),
        Value::UInt8(v) => M::UInt8(v),
        Value::UInt16(v) => M::UInt16(v),
        Value::UInt32(v) => M::UInt32(v),
        Value::UInt64(v) => M::UInt64(v),
        Value::Float(v) => M::Float(v),
        Value::Double(v) => M::Double(v),
        Value::Boolean(v) => M::Boolean(v),
        Value::String(v) => M::String(Str::Borrowed(v)),
        Value::DateTime(v) => M::DateTime(v),
        Value::Text(v) => M::Text(Str::Borrowed(v)),
        Value::Uuid(v) => M::Uuid(Str::Borrowed(v)),
        Value::DataSet(d) => M::DataSet(dataset(d)?),
        Value::Bytes(b) => M::Bytes(Seq::Borrowed(b)),
        Value::File(b) => M::File(Seq::Borrowed(b)),
        Value::Template(t) => M::Template(template(t)?),
        Value::PropertySet(p) => M::PropertySet(property_set(p)?),
        Value::PropertySetList(l) => {
            M::PropertySetList(collect_in(l.iter().map(|p| property_set(p?)))?)
        }
        Value::Int8Array(a) => M::Int8Array(a.iter().collect()),
        Value::Int16Array(a) => M::Int16Array(a.iter().collect()),
        Value::Int32Array(a) => M::Int32Array(a.iter().collect()),
        Value::Int64Array(a) => M::Int64Array(a.iter().collect()),
        Value::UInt8Array(a) => M::UInt8Array(Seq::Borrowed(a.as_bytes())),
        Value::UInt16Array(a) => M::UInt16Array(a.iter().collect()),
        Value::UInt32Array(a) => M::UInt32Array(a.iter().collect()),
        Value::UInt64Array(a) => M::UInt64Array(a.iter().collect()),
        Value::FloatArray(a) => M::FloatArray(a.iter().collect()),
        Value::DoubleArray(a) => M::DoubleArray(a.iter().collect()),
        Value::BooleanArray(a) => M::BooleanArray(a.iter().collect()),
        Value::StringArray(a) => M::StringArray(a.iter().map(Str::Borrowed).collect()),
        Value::DateTimeArray(a) => M::DateTimeArray(a.iter().collect()),
    }))
}

fn metadata(m: MetaDataView<'_>) -> MetaData<'_> {
    MetaData {
        is_multi_part: m.is_multi_part,
        content_type: s(m.content_type),
        size: m.size,
        seq: m.seq,
        file_name: s(m.file_name),
        file_type: s(m.file_type),
        md5: s(m.md5),
        description: s(m.description),
    }
}

fn property_value(p: PropertyValueView<'_>) -> Result<PropertyValue<'_>, Error> {
    Ok(PropertyValue {
        datatype: p.datatype(),
        is_null: p.is_null(),
        value: value(p.datatype(), p.raw_value())?,
    })
}

fn property_set(p: PropertySetView<'_>) -> Result<PropertySet<'_>, Error> {
    Ok(PropertySet {
        keys: collect_in(p.keys().map(|k| k.map(Str::Borrowed)))?,
        values: collect_in(p.values().map(|v| property_value(v?)))?,
    })
}

fn dataset(d: DataSetView<'_>) -> Result<DataSet<'_>, Error> {
    let types: Seq<'static, u32> = collect(d.types())?;
    let rows = collect_in(d.rows().map(|r| {
        let r = r?;
        let mut types = types.iter();
        let elements = collect_in(r.elements().map(|c| {
            let c = c?;
            value(types.next().copied(), c.raw_value())
        }))?;
        Ok(Row { elements })
    }))?;
    Ok(DataSet {
        num_of_columns: d.num_of_columns()?,
        columns: collect_in(d.columns().map(|c| c.map(Str::Borrowed)))?,
        types,
        rows,
    })
}

fn parameter(p: ParameterView<'_>) -> Result<Parameter<'_>, Error> {
    Ok(Parameter {
        name: s(p.name()),
        datatype: p.datatype(),
        value: value(p.datatype(), p.raw_value())?,
    })
}

fn template(t: TemplateView<'_>) -> Result<Template<'_>, Error> {
    Ok(Template {
        version: s(t.version()?),
        metrics: collect_in(t.metrics().map(|m| metric(m?)))?,
        parameters: collect_in(t.parameters().map(|p| parameter(p?)))?,
        template_ref: s(t.template_ref()?),
        is_definition: t.is_definition()?,
    })
}

/// The repr of one metric.
pub(crate) fn metric(m: MetricView<'_>) -> Result<Metric<'_>, Error> {
    Ok(Metric {
        name: s(m.name()),
        alias: m.alias(),
        timestamp: m.timestamp(),
        datatype: m.datatype(),
        is_historical: m.is_historical(),
        is_transient: m.is_transient(),
        is_null: m.is_null(),
        metadata: m.metadata()?.map(metadata),
        properties: m.properties().map(property_set).transpose()?,
        value: value(m.datatype(), m.raw_value())?,
    })
}

impl<'a> PayloadView<'a> {
    /// The whole payload as a [`Payload`] (strings borrowed, lists collected); the first error
    /// anywhere in it is returned.
    pub fn to_repr(&self) -> Result<Payload<'a>, Error> {
        Ok(Payload {
            timestamp: self.timestamp(),
            metrics: collect_in(self.metrics().map(|m| metric(m?)))?,
            seq: self.seq(),
            uuid: s(self.uuid()),
            body: self.body().map(Seq::Borrowed),
        })
    }
}

impl<'a> MetricView<'a> {
    /// The metric as a [`Metric`].
    pub fn to_repr(&self) -> Result<Metric<'a>, Error> {
        metric(*self)
    }
}
