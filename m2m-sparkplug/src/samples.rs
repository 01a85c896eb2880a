//! Metrics as [`m2m_core::Sample`]s and back (Sparkplug 3.0.0 §6.4.5 metrics, §6.4.7 the
//! `Quality` property).
//!
//! Reading: [`PayloadView::samples`] yields one sample per metric, keyed by name (or by alias
//! when the metric has no name), with the metric's timestamp (or the payload's), its value in
//! m2m-core's form and its quality from the `Quality` property (192 good, 500 stale, anything
//! else bad). Data messages usually carry only an alias and a value: [`PayloadView::samples_with`]
//! takes the datatypes the births gave the aliases (as
//! [`Host::alias_datatype`](crate::session::host::Host::alias_datatype) keeps them). A metric
//! that cannot be a sample (no datatype, an array or dataset, a malformed value) is an `Err` item
//! and iteration goes on; a payload that stops being protobuf ends it. Nothing allocates.
//!
//! Writing: [`metric_from_sample`] makes the metric of a birth (name, datatype, value) or, with
//! an alias, of a data message (alias and value only), converting the value to the datatype the
//! birth declared and refusing what does not fit.
//!
//! ```
//! use m2m_core::{Sample, SampleKey, Value as CoreValue};
//! use m2m_sparkplug::samples::metric_from_sample;
//! use m2m_sparkplug::{DataType, Payload, PayloadView, Seq};
//!
//! let reading = Sample::new(SampleKey::Name("Temperature"), CoreValue::F64(21.5));
//! let metric = metric_from_sample(&reading, DataType::Float, None)?;
//! let payload = Payload { metrics: Seq::Borrowed(&[metric]), ..Payload::default() };
//! let bytes = payload.to_vec()?;
//! let view = PayloadView::new(&bytes)?;
//! let back: Vec<_> = view.samples().collect::<Result<_, _>>()?;
//! assert_eq!(back, [Sample::new(SampleKey::Name("Temperature"), CoreValue::F32(21.5))]);
//! # Ok::<(), m2m_sparkplug::Error>(())
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Quality, Sample, SampleKey, Timestamp, Value as CoreValue};

use crate::datatype::DataType;
use crate::error::Error;
use crate::payload::{MetricView, Metrics, PayloadView};
use crate::repr::{Metric, MetricValue, PropertySet, PropertyValue, Seq, Str};
use crate::validate::QUALITY;
use crate::value::Value;

/// The Sparkplug quality code of m2m-core's [`Quality`]: GOOD 192, BAD 0, and STALE 500 for
/// `Uncertain` (§6.4.7).
#[must_use]
pub const fn quality_code(q: Quality) -> i32 {
    match q {
        Quality::Good => 192,
        Quality::Uncertain => 500,
        _ => 0,
    }
}

/// m2m-core's [`Quality`] of a Sparkplug quality code: 192 good, 500 (stale) uncertain, any other
/// code bad.
#[must_use]
pub const fn quality_of(code: i64) -> Quality {
    match code {
        192 => Quality::Good,
        500 => Quality::Uncertain,
        _ => Quality::Bad,
    }
}

/// The samples of a payload (see [`PayloadView::samples`]).
#[derive(Debug, Clone)]
pub struct Samples<'a, F> {
    metrics: Metrics<'a>,
    timestamp: Option<u64>,
    datatype_of: F,
}

impl<'a> PayloadView<'a> {
    /// The metrics as samples, each read by its own datatype.
    #[must_use]
    pub fn samples(&self) -> Samples<'a, fn(u64) -> Option<u32>> {
        self.samples_with(|_| None)
    }

    /// The metrics as samples; a metric without a datatype takes the one `datatype_of` gives its
    /// alias (from the birth).
    pub fn samples_with<F: Fn(u64) -> Option<u32>>(&self, datatype_of: F) -> Samples<'a, F> {
        Samples {
            metrics: self.metrics(),
            timestamp: self.timestamp(),
            datatype_of,
        }
    }
}

impl<'a, F: Fn(u64) -> Option<u32>> Samples<'a, F> {
    fn sample(&self, m: &MetricView<'a>) -> Result<Sample<'a>, Error> {
        let key = match (m.name(), m.alias()) {
            (Some(n), _) => SampleKey::Name(n),
            (None, Some(a)) => SampleKey::Alias(a),
            (None, None) => return Err(Error::NoKey),
        };
        let datatype = m
            .datatype()
            .or_else(|| m.alias().and_then(&self.datatype_of))
            .ok_or(Error::NoDatatype)?;
        let value = m.value_as(datatype)?;
        let value = match value {
            Value::Null => CoreValue::Null,
            v => v.to_core().ok_or(Error::NotScalar { datatype })?,
        };
        let mut s = Sample::new(key, value);
        s.timestamp = m.timestamp().or(self.timestamp).map(Timestamp::from_millis);
        if let Some(props) = m.properties() {
            if let Some(q) = props.get(QUALITY)? {
                let code = match q.value()? {
                    Value::Int32(c) => i64::from(c),
                    Value::Int64(c) => c,
                    Value::UInt32(c) => i64::from(c),
                    _ => return Err(Error::ValueType { datatype: 3 }),
                };
                s.quality = quality_of(code);
            }
        }
        Ok(s)
    }
}

impl<'a, F: Fn(u64) -> Option<u32>> Iterator for Samples<'a, F> {
    type Item = Result<Sample<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.metrics.next()?.and_then(|m| self.sample(&m)))
    }
}

static BAD: [PropertyValue<'static>; 1] = [PropertyValue {
    datatype: Some(3),
    is_null: None,
    value: Some(MetricValue::Int32(0)),
}];
static STALE: [PropertyValue<'static>; 1] = [PropertyValue {
    datatype: Some(3),
    is_null: None,
    value: Some(MetricValue::Int32(500)),
}];
static QUALITY_KEY: [Str<'static>; 1] = [Str::Borrowed(QUALITY)];

/// The metric for `sample` as a metric of `datatype`: with `alias` `None` and a sample keyed
/// by name, name, datatype and value (what a birth carries); with `alias` given, or a sample
/// keyed by an alias, that alias and the value only (what data messages with aliases carry;
/// not for a birth, which needs the name and datatype). The sample's timestamp goes with it; a
/// quality other than good becomes the `Quality` property (bad 0, uncertain as stale 500).
///
/// Errors: [`Error::Range`] for an integer beyond the datatype, [`Error::ValueType`] for a value
/// of another kind (text for an Int32), [`Error::NoKey`] for a sample keyed by a path without
/// `alias`.
pub fn metric_from_sample<'a>(
    sample: &Sample<'a>,
    datatype: DataType,
    alias: Option<u64>,
) -> Result<Metric<'a>, Error> {
    let (name, alias) = match (alias, sample.key) {
        (Some(a), _) => (None, Some(a)),
        (None, SampleKey::Name(n)) => (Some(Str::Borrowed(n)), None),
        (None, SampleKey::Alias(a)) => (None, Some(a)),
        (None, _) => return Err(Error::NoKey),
    };
    let value = convert(sample.value, datatype)?;
    let properties = match sample.quality {
        Quality::Good => None,
        q => Some(PropertySet {
            keys: Seq::Borrowed(&QUALITY_KEY),
            values: Seq::Borrowed(if q == Quality::Uncertain {
                &STALE
            } else {
                &BAD
            }),
        }),
    };
    Ok(Metric {
        datatype: name.is_some().then_some(datatype.code()),
        name,
        alias,
        timestamp: sample.timestamp.map(Timestamp::as_millis),
        is_null: value.is_none().then_some(true),
        properties,
        value,
        ..Metric::default()
    })
}

/// `v` as a value of `dt`; `None` for null.
fn convert<'a>(v: CoreValue<'a>, dt: DataType) -> Result<Option<MetricValue<'a>>, Error> {
    use CoreValue as C;
    use MetricValue as M;
    let code = dt.code();
    let range = |value: u64| Error::Range {
        datatype: code,
        value,
    };
    let kind = Error::ValueType { datatype: code };
    // Integers of either sign, as i128 so that every u64 and i64 fits.
    let int = match v {
        C::I64(i) => Some(i128::from(i)),
        C::U64(u) => Some(i128::from(u)),
        _ => None,
    };
    // A value out of range is reported as its low 64 bits, as it would go on the wire.
    let low64 = |i: i128| u64::try_from(i & 0xffff_ffff_ffff_ffff).unwrap_or(0);
    macro_rules! int_as {
        ($t:ty, $variant:ident) => {
            match int {
                Some(i) => M::$variant(<$t>::try_from(i).map_err(|_| range(low64(i)))?),
                None => return Err(kind),
            }
        };
    }
    if v == C::Null {
        return Ok(None);
    }
    Ok(Some(match dt {
        DataType::Int8 => int_as!(i8, Int8),
        DataType::Int16 => int_as!(i16, Int16),
        DataType::Int32 => int_as!(i32, Int32),
        DataType::Int64 => int_as!(i64, Int64),
        DataType::UInt8 => int_as!(u8, UInt8),
        DataType::UInt16 => int_as!(u16, UInt16),
        DataType::UInt32 => int_as!(u32, UInt32),
        DataType::UInt64 => int_as!(u64, UInt64),
        DataType::Float => match v {
            C::F32(f) => M::Float(f),
            // Narrowing to the declared width is what a Float metric means, but a finite
            // value past f32's range is none (it would read back as an infinity).
            #[allow(clippy::cast_possible_truncation)]
            C::F64(f) if f.is_finite() && !(f as f32).is_finite() => return Err(kind),
            #[allow(clippy::cast_possible_truncation)]
            C::F64(f) => M::Float(f as f32),
            _ => return Err(kind),
        },
        DataType::Double => match v {
            C::F64(f) => M::Double(f),
            C::F32(f) => M::Double(f64::from(f)),
            _ => return Err(kind),
        },
        DataType::Boolean => M::Boolean(v.as_bool().ok_or(kind)?),
        DataType::String | DataType::Text | DataType::Uuid => {
            let C::Str(text) = v else { return Err(kind) };
            let text = Str::Borrowed(text);
            match dt {
                DataType::String => M::String(text),
                DataType::Text => M::Text(text),
                _ => M::Uuid(text),
            }
        }
        DataType::DateTime => match v {
            C::Time(t) => M::DateTime(t.as_millis()),
            C::U64(ms) => M::DateTime(ms),
            _ => return Err(kind),
        },
        DataType::Bytes | DataType::File => {
            let C::Bytes(b) = v else { return Err(kind) };
            if dt == DataType::Bytes {
                M::Bytes(Seq::Borrowed(b))
            } else {
                M::File(Seq::Borrowed(b))
            }
        }
        _ => return Err(kind),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repr::Payload;
    use std::vec::Vec;

    fn round(samples: &[Sample<'_>], types: &[DataType]) -> Vec<Result<Sample<'static>, Error>> {
        let metrics: Vec<Metric<'_>> = samples
            .iter()
            .zip(types)
            .map(|(s, t)| metric_from_sample(s, *t, None).unwrap())
            .collect();
        let bytes = Payload {
            timestamp: Some(5),
            metrics: Seq::Borrowed(&metrics),
            ..Payload::default()
        }
        .to_vec()
        .unwrap();
        let bytes: &'static [u8] = std::boxed::Box::leak(bytes.into_boxed_slice());
        PayloadView::new(bytes).unwrap().samples().collect()
    }

    #[test]
    fn samples_round_trip_by_datatype() {
        let t = Timestamp::from_millis(9);
        let s = [
            Sample::new(SampleKey::Name("a"), CoreValue::I64(-3)).at(t),
            Sample::new(SampleKey::Name("b"), CoreValue::U64(200)),
            Sample::new(SampleKey::Name("c"), CoreValue::Bool(true))
                .with_quality(Quality::Uncertain),
            Sample::new(SampleKey::Name("d"), CoreValue::Str("x")).with_quality(Quality::Bad),
            Sample::new(SampleKey::Name("e"), CoreValue::Time(t)),
            Sample::new(SampleKey::Name("f"), CoreValue::Null),
            Sample::new(SampleKey::Name("g"), CoreValue::Bytes(&[1, 2])),
        ];
        let types = [
            DataType::Int8,
            DataType::UInt8,
            DataType::Boolean,
            DataType::Text,
            DataType::DateTime,
            DataType::Double,
            DataType::Bytes,
        ];
        let back = round(&s, &types);
        let ts5 = Some(Timestamp::from_millis(5));
        let want: Vec<Result<Sample<'_>, Error>> = s
            .iter()
            .map(|x| {
                Ok(Sample {
                    timestamp: x.timestamp.or(ts5),
                    ..*x
                })
            })
            .collect();
        assert_eq!(back, want);
    }

    #[test]
    fn values_that_do_not_fit_are_refused() {
        let s = |v| Sample::new(SampleKey::Name("a"), v);
        assert_eq!(
            metric_from_sample(&s(CoreValue::I64(128)), DataType::Int8, None),
            Err(Error::Range {
                datatype: 1,
                value: 128
            })
        );
        assert_eq!(
            metric_from_sample(&s(CoreValue::I64(-1)), DataType::UInt32, None),
            Err(Error::Range {
                datatype: 7,
                value: u64::MAX
            })
        );
        assert_eq!(
            metric_from_sample(&s(CoreValue::Str("x")), DataType::Int32, None),
            Err(Error::ValueType { datatype: 3 })
        );
        // A double past f32's range is no Float (it would read back as an infinity); one
        // that only loses precision is, and so are the infinities themselves.
        assert_eq!(
            metric_from_sample(&s(CoreValue::F64(1e39)), DataType::Float, None),
            Err(Error::ValueType { datatype: 9 })
        );
        for f in [0.1, f64::INFINITY, -3.4e38] {
            assert!(metric_from_sample(&s(CoreValue::F64(f)), DataType::Float, None).is_ok());
        }
        let path = Sample::new(
            SampleKey::Path(m2m_core::ObjectPath::new(&[3, 0]).unwrap()),
            CoreValue::I64(1),
        );
        assert_eq!(
            metric_from_sample(&path, DataType::Int32, None),
            Err(Error::NoKey)
        );
        // With an alias: alias and value only.
        let m = metric_from_sample(&s(CoreValue::U64(7)), DataType::UInt16, Some(4)).unwrap();
        assert_eq!(
            (m.name, m.alias, m.datatype, m.value),
            (None, Some(4), None, Some(MetricValue::UInt16(7)))
        );
    }

    #[test]
    fn aliased_data_reads_with_the_birth_datatypes() {
        let metrics = [
            Metric::aliased(4, MetricValue::Int16(-2)),
            Metric::aliased(5, MetricValue::Float(1.5)),
            Metric {
                name: Some("arr".into()),
                datatype: Some(DataType::Int8Array.code()),
                value: Some(MetricValue::Int8Array(Seq::Borrowed(&[1, 2]))),
                ..Metric::default()
            },
        ];
        let bytes = Payload {
            metrics: Seq::Borrowed(&metrics),
            ..Payload::default()
        }
        .to_vec()
        .unwrap();
        let view = PayloadView::new(&bytes).unwrap();
        let got: Vec<_> = view.samples().collect();
        assert_eq!(got[0], Err(Error::NoDatatype));
        assert_eq!(got[2], Err(Error::NotScalar { datatype: 22 }));
        let births = |a| match a {
            4 => Some(DataType::Int16.code()),
            5 => Some(DataType::Float.code()),
            _ => None,
        };
        let got: Vec<_> = view.samples_with(births).collect();
        assert_eq!(
            got[..2],
            [
                Ok(Sample::new(SampleKey::Alias(4), CoreValue::I64(-2))),
                Ok(Sample::new(SampleKey::Alias(5), CoreValue::F32(1.5))),
            ]
        );
    }
}
