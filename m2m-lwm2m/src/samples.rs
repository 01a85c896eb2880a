//! Records as m2m-core samples, and samples as records: a gateway moves values between an LwM2M
//! body and a Modbus register map or a Sparkplug payload without allocating.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Sample, SampleKey, Timestamp, Value as CoreValue};

use crate::error::{Error, Reason};
use crate::path::Path;
use crate::value::{ObjLink, Opaque, Record, Text, Value};

/// The records of a decoder as samples (path as the key, typed value, absolute time): an
/// error for a record without a value, for an end device's record (a gateway prefix, see
/// [`Record::to_sample`]), or for one whose value needs unescaping or decoding first
/// (a JSON string with escapes, base64 opaque data, an untyped TLV value: type it with
/// [`model::typed`](crate::model::typed) first, and an untyped value comes out as bytes).
pub fn samples<'a, I>(records: I) -> impl Iterator<Item = Result<Sample<'a>, Error>>
where
    I: IntoIterator<Item = Result<Record<'a>, Error>>,
{
    records.into_iter().map(|r| {
        let r = r?;
        r.to_sample().ok_or(Error::new(0, Reason::Unrepresentable))
    })
}

impl<'a> Record<'a> {
    /// The record a sample makes: its key must be a path, its value one LwM2M carries (a
    /// Sparkplug alias or a name is refused, an F32 becomes a Float, a timestamp becomes the
    /// record's time in seconds; one before 2^28 s, which SenML reads as relative, is refused).
    pub fn from_sample(sample: &Sample<'a>) -> Result<Record<'a>, Error> {
        let bad = Error::new(0, Reason::Unrepresentable);
        let SampleKey::Path(p) = sample.key else {
            return Err(bad);
        };
        let value = match sample.value {
            CoreValue::Bool(b) => Value::Bool(b),
            CoreValue::I64(i) => Value::Int(i),
            CoreValue::U64(u) => Value::Uint(u),
            CoreValue::F32(f) => Value::Float(f64::from(f)),
            CoreValue::F64(f) => Value::Float(f),
            CoreValue::Str(s) => Value::Str(Text::Plain(s)),
            CoreValue::Bytes(b) => Value::Opaque(Opaque::Raw(b)),
            CoreValue::Time(t) => Value::Time(i64::try_from(t.as_secs()).map_err(|_| bad)?),
            CoreValue::ObjLink { object, instance } => Value::ObjLink(ObjLink { object, instance }),
            _ => return Err(bad),
        };
        // 65535 is no id (Core 1.1 §7: reserved; the path parsers refuse it).
        if p.levels().contains(&u16::MAX) {
            return Err(bad);
        }
        let path = Path::from(p);
        // A time before 2^28 s (1978) reads as one relative to now in SenML (RFC 8428
        // §4.5.3): no time a record can carry.
        #[allow(clippy::cast_precision_loss)]
        let time = match sample.timestamp {
            Some(t) if t.as_millis() < 268_435_456_000 => return Err(bad),
            t => t.map(|t: Timestamp| t.as_millis() as f64 / 1000.0),
        };
        Ok(Record {
            path,
            value: Some(value),
            time,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use m2m_core::ObjectPath;

    #[test]
    fn both_ways() {
        let p = ObjectPath::new(&[3303, 0, 5700]).unwrap();
        let s = Sample::new(SampleKey::Path(p), CoreValue::F64(21.5))
            .at(Timestamp::from_millis(1_700_000_000_000));
        let r = Record::from_sample(&s).unwrap();
        assert_eq!(r.path, Path::resource(3303, 0, 5700));
        assert_eq!(r.time, Some(1_700_000_000.0));
        let back: Vec<_> = samples([Ok(r)]).collect();
        assert_eq!(back, [Ok(s)]);
        assert!(
            Record::from_sample(&Sample::new(SampleKey::Name("x"), CoreValue::Bool(true))).is_err()
        );
        // 5 s after the epoch would read as 5 s from now (RFC 8428 §4.5.3); 2^28 s is the
        // first absolute time.
        let early = Sample::new(SampleKey::Path(p), CoreValue::F64(1.0));
        assert!(Record::from_sample(&early.at(Timestamp::from_millis(5_000))).is_err());
        let first = early.at(Timestamp::from_millis(268_435_456_000));
        assert_eq!(
            Record::from_sample(&first).unwrap().time,
            Some(268_435_456.0)
        );
    }

    #[test]
    fn end_devices_and_reserved_ids_make_no_sample() {
        // Two end devices' temperatures would be one key: neither is a sample.
        let p = Path::parse("/dev1/3303/0/5700").unwrap();
        let r = Record::new(p, Value::Float(1.0));
        assert_eq!(r.to_sample(), None);
        assert!(samples([Ok(r)]).all(|s| s.is_err()));
        // 65535 is no id.
        let reserved = ObjectPath::new(&[3303, 65535]).unwrap();
        let s = Sample::new(SampleKey::Path(reserved), CoreValue::Bool(true));
        assert!(Record::from_sample(&s).is_err());
    }
    extern crate std;
    use std::vec::Vec;
}
