//! Values, quality and samples: the common shape of data across protocols.

use core::fmt;

use crate::error::ProtocolError;
use crate::time::Timestamp;

/// One value, borrowing strings and byte strings from the decoded input.
///
/// The variants are the widest form of each kind of data the m2m protocols carry: a Modbus
/// register pair, an LwM2M integer resource and a Sparkplug `Int32` metric all read as
/// [`Value::I64`], so a gateway can move data between protocols without conversions of its own.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "type", content = "value", rename_all = "snake_case")
)]
pub enum Value<'a> {
    /// No value (a Sparkplug metric with `is_null`, an LwM2M resource with no content).
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A single-precision float.
    F32(f32),
    /// A double-precision float.
    F64(f64),
    /// UTF-8 text.
    Str(&'a str),
    /// Opaque bytes (serialized as lowercase hex in human-readable formats).
    Bytes(#[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] &'a [u8]),
    /// A point in time.
    Time(Timestamp),
    /// A reference to an object instance (LwM2M `Objlnk`, OMA-TS-LightweightM2M_Core §C.1).
    ObjLink {
        /// Object id.
        object: u16,
        /// Object instance id.
        instance: u16,
    },
}

#[cfg(feature = "serde")]
fn ser_bytes<S: serde::Serializer>(bytes: &&[u8], s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        s.collect_str(&crate::hex::Hex(bytes))
    } else {
        s.serialize_bytes(bytes)
    }
}

impl Value<'_> {
    /// The value as `f64`, for any numeric or boolean variant (integers beyond 2^53 round).
    #[must_use]
    #[allow(clippy::cast_precision_loss)] // documented rounding
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
            Value::I64(v) => Some(v as f64),
            Value::U64(v) => Some(v as f64),
            Value::F32(v) => Some(f64::from(v)),
            Value::F64(v) => Some(v),
            _ => None,
        }
    }

    /// The value as `i64`, for integer and boolean variants that fit.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Bool(b) => Some(i64::from(b)),
            Value::I64(v) => Some(v),
            Value::U64(v) => i64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as `u64`, for integer and boolean variants that fit.
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Bool(b) => Some(u64::from(b)),
            Value::I64(v) => u64::try_from(v).ok(),
            Value::U64(v) => Some(v),
            _ => None,
        }
    }

    /// The boolean, for [`Value::Bool`].
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The text, for [`Value::Str`].
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match *self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, for [`Value::Bytes`].
    #[must_use]
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match *self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// A short lowercase name of the variant (`"f64"`, `"str"`, ...).
    #[must_use]
    pub const fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::I64(_) => "i64",
            Value::U64(_) => "u64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::Time(_) => "time",
            Value::ObjLink { .. } => "obj_link",
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::U64(v) => write!(f, "{v}"),
            Value::F32(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v}"),
            Value::Str(v) => f.write_str(v),
            Value::Bytes(v) => write!(f, "{}", crate::hex::Hex(v)),
            Value::Time(v) => write!(f, "{v}"),
            Value::ObjLink { object, instance } => write!(f, "{object}:{instance}"),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $v:ident via $conv:expr),* $(,)?) => {$(
        impl From<$t> for Value<'_> {
            fn from(x: $t) -> Self {
                Value::$v($conv(x))
            }
        }
    )*};
}

value_from! {
    bool => Bool via core::convert::identity,
    i8 => I64 via i64::from, i16 => I64 via i64::from, i32 => I64 via i64::from,
    i64 => I64 via core::convert::identity,
    u8 => U64 via u64::from, u16 => U64 via u64::from, u32 => U64 via u64::from,
    u64 => U64 via core::convert::identity,
    f32 => F32 via core::convert::identity, f64 => F64 via core::convert::identity,
    Timestamp => Time via core::convert::identity,
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::Str(s)
    }
}

impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(b: &'a [u8]) -> Self {
        Value::Bytes(b)
    }
}

/// How far a value can be trusted (the three classes of OPC UA status codes, which Sparkplug
/// and most historians map onto).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Quality {
    /// Valid and current.
    #[default]
    Good,
    /// Usable with care (estimated, out of range, last known value).
    Uncertain,
    /// Not usable (device failure, communication lost).
    Bad,
}

/// What a sample is about: a name, an LwM2M-style numeric path, or a Sparkplug alias.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SampleKey<'a> {
    /// A name (a Sparkplug metric name, a SenML name, a Modbus register map entry).
    Name(&'a str),
    /// A numeric object path.
    Path(ObjectPath),
    /// A Sparkplug metric alias (Sparkplug 3.0 §6.4.5), resolved by the caller's birth table.
    Alias(u64),
}

impl fmt::Display for SampleKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SampleKey::Name(n) => f.write_str(n),
            SampleKey::Path(p) => write!(f, "{p}"),
            SampleKey::Alias(a) => write!(f, "alias:{a}"),
        }
    }
}

/// A numeric path of one to four levels: object / instance / resource / resource instance
/// (OMA-TS-LightweightM2M_Core §6.4, "Object Model"), written `/3/0/1`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ObjectPath {
    ids: [u16; 4],
    len: u8,
}

impl ObjectPath {
    /// A path from its levels; `None` for zero or more than four levels.
    #[must_use]
    pub fn new(levels: &[u16]) -> Option<Self> {
        let mut ids = [0u16; 4];
        ids.get_mut(..levels.len())?.copy_from_slice(levels);
        let len = u8::try_from(levels.len()).ok().filter(|&l| l > 0)?;
        Some(ObjectPath { ids, len })
    }

    /// The levels.
    #[must_use]
    pub fn levels(&self) -> &[u16] {
        self.ids.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// This path with one more level, or `None` at four levels.
    #[must_use]
    pub fn child(&self, id: u16) -> Option<Self> {
        let mut ids = self.ids;
        *ids.get_mut(usize::from(self.len))? = id;
        Some(ObjectPath {
            ids,
            len: self.len.checked_add(1)?,
        })
    }
}

impl fmt::Debug for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectPath({self})")
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.levels().iter().try_for_each(|id| write!(f, "/{id}"))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ObjectPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One reading: what it is about, its value, when (if known) and how trustworthy.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Sample<'a> {
    /// What the sample is about.
    pub key: SampleKey<'a>,
    /// The value.
    pub value: Value<'a>,
    /// When it was taken, if the protocol says.
    pub timestamp: Option<Timestamp>,
    /// How far it can be trusted.
    pub quality: Quality,
}

impl<'a> Sample<'a> {
    /// A good sample with no timestamp.
    #[must_use]
    pub fn new(key: SampleKey<'a>, value: Value<'a>) -> Self {
        Sample {
            key,
            value,
            timestamp: None,
            quality: Quality::Good,
        }
    }

    /// The same sample with a timestamp.
    #[must_use]
    pub fn at(self, timestamp: Timestamp) -> Self {
        Sample {
            timestamp: Some(timestamp),
            ..self
        }
    }

    /// The same sample with another quality.
    #[must_use]
    pub fn with_quality(self, quality: Quality) -> Self {
        Sample { quality, ..self }
    }
}

/// A lazy source of samples decoded from one message: a Modbus register block, an LwM2M
/// TLV or SenML body, a Sparkplug payload. Iterating it decodes as it goes and allocates nothing.
///
/// Every `Iterator<Item = Result<Sample, E>>` with a [`ProtocolError`] is a source.
pub trait SampleSource<'a>: Iterator<Item = Result<Sample<'a>, Self::Error>> {
    /// Why a sample could not be decoded.
    type Error: ProtocolError;
}

impl<'a, I, E> SampleSource<'a> for I
where
    I: Iterator<Item = Result<Sample<'a>, E>>,
    E: ProtocolError,
{
    type Error = E;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn numeric_views() {
        assert_eq!(Value::from(-3i16).as_i64(), Some(-3));
        assert_eq!(Value::from(-3i16).as_u64(), None);
        assert_eq!(Value::U64(u64::MAX).as_i64(), None);
        assert_eq!(Value::from(true).as_f64(), Some(1.0));
        assert_eq!(Value::from(1.5f32).as_f64(), Some(1.5));
        assert_eq!(Value::from("x").as_f64(), None);
        assert_eq!(Value::from(&b"\x01"[..]).as_bytes(), Some(&[1u8][..]));
        assert_eq!(Value::Null.type_name(), "null");
    }

    #[test]
    fn display() {
        assert_eq!(format!("{}", Value::Bytes(&[0xde, 0xad])), "dead");
        assert_eq!(
            format!(
                "{}",
                Value::ObjLink {
                    object: 3,
                    instance: 0
                }
            ),
            "3:0"
        );
        let p = ObjectPath::new(&[3, 0]).unwrap().child(1).unwrap();
        assert_eq!(format!("{p}"), "/3/0/1");
        assert_eq!(format!("{}", SampleKey::Path(p)), "/3/0/1");
    }

    #[test]
    fn object_path_bounds() {
        assert!(ObjectPath::new(&[]).is_none());
        assert!(ObjectPath::new(&[1, 2, 3, 4, 5]).is_none());
        let full = ObjectPath::new(&[1, 2, 3, 4]).unwrap();
        assert_eq!(full.levels(), &[1, 2, 3, 4]);
        assert!(full.child(5).is_none());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn sample_serializes_for_the_cli() {
        let s =
            Sample::new(SampleKey::Name("temp"), Value::F64(21.5)).at(Timestamp::from_millis(7));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"key":{"name":"temp"},"value":{"type":"f64","value":21.5},"timestamp":7,"quality":"good"}"#
        );
        let b = Sample::new(SampleKey::Alias(4), Value::Bytes(&[0xab, 0x01]));
        assert!(
            serde_json::to_string(&b)
                .unwrap()
                .contains(r#""value":"ab01""#)
        );
    }

    #[test]
    fn iterators_are_sources() {
        fn count<'a, S: SampleSource<'a>>(s: S) -> usize {
            s.filter(Result::is_ok).count()
        }
        let items = [Sample::new(SampleKey::Alias(1), Value::Null)];
        let src = items.iter().copied().map(Ok::<_, crate::wire::Truncated>);
        assert_eq!(count(src), 1);
    }
}
