//! Payloads to encode (Sparkplug 3.0.0 §6.4, `sparkplug_b.proto`): [`Payload`] and its parts,
//! borrowing their strings and lists ([`Str`], [`Seq`]) or, with `alloc`, owning them. The
//! encoder that writes them into a caller's buffer is in [`crate::encode`].
//!
//! The encoder computes every length before it writes, allocates nothing, and writes fields in
//! field-number order, as protobuf-java does for Tahu Java and Ignition (so `seq` follows the
//! metrics). Int8, Int16 and Int32 go into `int_value` sign-extended to 32 bits (Int8 -1 is
//! `FF FF FF FF 0F`), as Tahu Java and Ignition write them; UInt32 goes into `int_value` (the
//! specification) unless [`EncodeOptions::uint32`] asks for `long_value`.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::ops::Deref;

use crate::datatype::DataType;

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

/// A list, borrowed or (with `alloc`) owned. Reads as a slice.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub enum Seq<'a, T> {
    /// A borrowed slice.
    Borrowed(&'a [T]),
    /// An owned vector.
    #[cfg(feature = "alloc")]
    Owned(Vec<T>),
}

impl<T> Deref for Seq<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Seq::Borrowed(s) => s,
            #[cfg(feature = "alloc")]
            Seq::Owned(v) => v,
        }
    }
}

impl<T: PartialEq> PartialEq for Seq<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T> Default for Seq<'_, T> {
    fn default() -> Self {
        Seq::Borrowed(&[])
    }
}

impl<'a, T> From<&'a [T]> for Seq<'a, T> {
    fn from(s: &'a [T]) -> Self {
        Seq::Borrowed(s)
    }
}

impl<'a, T, const N: usize> From<&'a [T; N]> for Seq<'a, T> {
    fn from(s: &'a [T; N]) -> Self {
        Seq::Borrowed(s)
    }
}

#[cfg(feature = "alloc")]
impl<T> From<Vec<T>> for Seq<'_, T> {
    fn from(v: Vec<T>) -> Self {
        Seq::Owned(v)
    }
}

#[cfg(feature = "alloc")]
impl<T> FromIterator<T> for Seq<'_, T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Seq::Owned(iter.into_iter().collect())
    }
}

#[cfg(feature = "serde")]
impl<T: serde::Serialize> serde::Serialize for Seq<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Only the length: the element types nest (a template's metrics hold templates), and formatting
/// them recursively makes defmt's code generation explode.
#[cfg(feature = "defmt")]
impl<T> defmt::Format for Seq<'_, T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "[{=usize} items]", self.len());
    }
}

/// A string, borrowed or (with `alloc`) owned. Reads as `str`.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub enum Str<'a> {
    /// A borrowed string.
    Borrowed(&'a str),
    /// An owned string.
    #[cfg(feature = "alloc")]
    Owned(String),
}

impl Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Str::Borrowed(s) => s,
            #[cfg(feature = "alloc")]
            Str::Owned(s) => s,
        }
    }
}

impl PartialEq for Str<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Str<'_> {}

impl Default for Str<'_> {
    fn default() -> Self {
        Str::Borrowed("")
    }
}

impl<'a> From<&'a str> for Str<'a> {
    fn from(s: &'a str) -> Self {
        Str::Borrowed(s)
    }
}

#[cfg(feature = "alloc")]
impl From<String> for Str<'_> {
    fn from(s: String) -> Self {
        Str::Owned(s)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Str<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Str<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", &**self);
    }
}

/// Where the encoder puts UInt32 values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Uint32Field {
    /// `int_value`, as the specification's datatype table says.
    #[default]
    Int,
    /// `long_value`, as Tahu JS, Tahu Java, Tahu C and Ignition write it.
    Long,
}

/// Choices of the encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EncodeOptions {
    /// Where UInt32 values go (lengths are the same either way).
    pub uint32: Uint32Field,
    /// A timestamp for the payload's metrics that have none (`None`: leave them without). The
    /// specification wants one on every metric of births and data messages
    /// (`tck-id-payloads-name-birth-data-requirement`); the edge node session sets this to the
    /// time of the message. Nested metrics (template members) are left as they are.
    pub metric_timestamp: Option<u64>,
}

/// A value to encode: typed by datatype (§6.4.16), or [`MetricValue::Raw`] as on the wire (for
/// values without a datatype, such as alias-only data messages, or of a datatype this crate does
/// not know).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(missing_docs)] // one variant per datatype, named as the specification names them
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum MetricValue<'a> {
    Int8(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    UInt8(u8),
    UInt16(u16),
    UInt32(u32),
    UInt64(u64),
    Float(#[cfg_attr(feature = "serde", serde(serialize_with = "ser_f32"))] f32),
    Double(#[cfg_attr(feature = "serde", serde(serialize_with = "ser_f64"))] f64),
    Boolean(bool),
    String(Str<'a>),
    /// Milliseconds since the Unix epoch.
    DateTime(u64),
    Text(Str<'a>),
    Uuid(Str<'a>),
    DataSet(DataSet<'a>),
    Bytes(#[cfg_attr(feature = "serde", serde(serialize_with = "ser_hex"))] Seq<'a, u8>),
    File(#[cfg_attr(feature = "serde", serde(serialize_with = "ser_hex"))] Seq<'a, u8>),
    Template(Template<'a>),
    /// Property values only.
    PropertySet(PropertySet<'a>),
    /// Property values only.
    PropertySetList(Seq<'a, PropertySet<'a>>),
    Int8Array(Seq<'a, i8>),
    Int16Array(Seq<'a, i16>),
    Int32Array(Seq<'a, i32>),
    Int64Array(Seq<'a, i64>),
    UInt8Array(Seq<'a, u8>),
    UInt16Array(Seq<'a, u16>),
    UInt32Array(Seq<'a, u32>),
    UInt64Array(Seq<'a, u64>),
    FloatArray(#[cfg_attr(feature = "serde", serde(serialize_with = "ser_f32s"))] Seq<'a, f32>),
    DoubleArray(#[cfg_attr(feature = "serde", serde(serialize_with = "ser_f64s"))] Seq<'a, f64>),
    BooleanArray(Seq<'a, bool>),
    StringArray(Seq<'a, Str<'a>>),
    DateTimeArray(Seq<'a, u64>),
    /// A value field as on the wire.
    Raw(Raw<'a>),
}

/// A value field as on the wire (a member of the protobuf `oneof value` of the schema, §6.4.1).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Raw<'a> {
    /// `int_value`.
    #[cfg_attr(feature = "serde", serde(rename = "int_value"))]
    Int(u32),
    /// `long_value`.
    #[cfg_attr(feature = "serde", serde(rename = "long_value"))]
    Long(u64),
    /// `float_value`.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "float_value", serialize_with = "ser_f32")
    )]
    Float(f32),
    /// `double_value`.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "double_value", serialize_with = "ser_f64")
    )]
    Double(f64),
    /// `boolean_value`.
    #[cfg_attr(feature = "serde", serde(rename = "boolean_value"))]
    Boolean(bool),
    /// `string_value`.
    #[cfg_attr(feature = "serde", serde(rename = "string_value"))]
    String(Str<'a>),
    /// `bytes_value` (metrics only).
    #[cfg_attr(
        feature = "serde",
        serde(rename = "bytes_value", serialize_with = "ser_hex")
    )]
    Bytes(Seq<'a, u8>),
    /// `extension_value`: the encoded extension message.
    #[cfg_attr(
        feature = "serde",
        serde(rename = "extension_value", serialize_with = "ser_hex")
    )]
    Extension(Seq<'a, u8>),
}

#[cfg(feature = "serde")]
#[allow(clippy::ref_option)] // serde's serialize_with hands over a reference
fn ser_datatype<S: serde::Serializer>(dt: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match dt {
        Some(code) => serde::Serialize::serialize(&DataType::from_code(*code), s),
        None => s.serialize_none(),
    }
}

#[cfg(feature = "serde")]
#[allow(clippy::ref_option)] // serde's serialize_with hands over a reference
fn ser_opt_hex<S: serde::Serializer>(b: &Option<Seq<'_, u8>>, s: S) -> Result<S::Ok, S::Error> {
    match b {
        Some(b) => ser_hex(b, s),
        None => s.serialize_none(),
    }
}

/// The name the JSON form gives a float that JSON has no number for (protobuf's JSON mapping
/// uses the same three): `"NaN"` (any NaN: its sign and payload bits are not kept),
/// `"Infinity"` and `"-Infinity"`; `None` for a finite value, written as a number.
#[cfg(feature = "serde")]
fn non_finite(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("NaN")
    } else if v.is_infinite() {
        Some(if v.is_sign_negative() {
            "-Infinity"
        } else {
            "Infinity"
        })
    } else {
        None
    }
}

#[cfg(feature = "serde")]
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's serialize_with hands over a reference
fn ser_f32<S: serde::Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
    match non_finite(f64::from(*v)) {
        Some(name) => s.serialize_str(name),
        None => s.serialize_f32(*v),
    }
}

#[cfg(feature = "serde")]
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's serialize_with hands over a reference
fn ser_f64<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    match non_finite(*v) {
        Some(name) => s.serialize_str(name),
        None => s.serialize_f64(*v),
    }
}

/// An element of a FloatArray or DoubleArray, written as [`ser_f32`] or [`ser_f64`] write it.
#[cfg(feature = "serde")]
struct Float<T>(T);

#[cfg(feature = "serde")]
impl serde::Serialize for Float<f32> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ser_f32(&self.0, s)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Float<f64> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ser_f64(&self.0, s)
    }
}

#[cfg(feature = "serde")]
fn ser_f32s<S: serde::Serializer>(v: &Seq<'_, f32>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|&x| Float(x)))
}

#[cfg(feature = "serde")]
fn ser_f64s<S: serde::Serializer>(v: &Seq<'_, f64>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|&x| Float(x)))
}

#[cfg(feature = "serde")]
fn ser_hex<S: serde::Serializer>(b: &Seq<'_, u8>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&m2m_core::Hex(b))
}

/// A metric (§6.4.3, message `Payload.Metric`).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Metric<'a> {
    /// `name`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub name: Option<Str<'a>>,
    /// `alias`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub alias: Option<u64>,
    /// `timestamp` (ms since the Unix epoch).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub timestamp: Option<u64>,
    /// `datatype` (a code; see [`DataType`]).
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "Option::is_none",
            serialize_with = "ser_datatype"
        )
    )]
    pub datatype: Option<u32>,
    /// `is_historical`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub is_historical: Option<bool>,
    /// `is_transient`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub is_transient: Option<bool>,
    /// `is_null`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub is_null: Option<bool>,
    /// `metadata`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub metadata: Option<MetaData<'a>>,
    /// `properties`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub properties: Option<PropertySet<'a>>,
    /// The value (`None`: no value field, as for a null metric).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub value: Option<MetricValue<'a>>,
}

impl<'a> Metric<'a> {
    /// A metric with a name, its value and the value's datatype, as births carry them.
    #[must_use]
    pub fn new(name: impl Into<Str<'a>>, value: MetricValue<'a>) -> Self {
        Metric {
            name: Some(name.into()),
            datatype: value.datatype().map(DataType::code),
            value: Some(value),
            ..Metric::default()
        }
    }

    /// A metric with an alias and its value only, as data messages carry them.
    #[must_use]
    pub fn aliased(alias: u64, value: MetricValue<'a>) -> Self {
        Metric {
            alias: Some(alias),
            value: Some(value),
            ..Metric::default()
        }
    }
}

/// Metric metadata (§6.4.4, message `Payload.MetaData`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[allow(missing_docs)] // the fields are the schema's
pub struct MetaData<'a> {
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub is_multi_part: Option<bool>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub content_type: Option<Str<'a>>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub size: Option<u64>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub seq: Option<u64>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub file_name: Option<Str<'a>>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub file_type: Option<Str<'a>>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub md5: Option<Str<'a>>,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub description: Option<Str<'a>>,
}

/// A property set (§6.4.7, message `Payload.PropertySet`).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PropertySet<'a> {
    /// `keys`.
    pub keys: Seq<'a, Str<'a>>,
    /// `values`, one per key.
    pub values: Seq<'a, PropertyValue<'a>>,
}

/// A property value (§6.4.6, message `Payload.PropertyValue`).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PropertyValue<'a> {
    /// `type` (a datatype code).
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "Option::is_none",
            serialize_with = "ser_datatype"
        )
    )]
    pub datatype: Option<u32>,
    /// `is_null`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub is_null: Option<bool>,
    /// The value.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub value: Option<MetricValue<'a>>,
}

/// A dataset (§6.4.9, message `Payload.DataSet`).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DataSet<'a> {
    /// `num_of_columns`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub num_of_columns: Option<u64>,
    /// `columns`: names.
    pub columns: Seq<'a, Str<'a>>,
    /// `types`: datatype codes (written unpacked, as proto2 protobuf-java in Tahu Java writes them;
    /// the view reads both forms).
    pub types: Seq<'a, u32>,
    /// `rows`.
    pub rows: Seq<'a, Row<'a>>,
}

/// A dataset row: one cell per column (`None` for a cell without a value).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Row<'a> {
    /// `elements`.
    pub elements: Seq<'a, Option<MetricValue<'a>>>,
}

/// A template definition or instance (§6.4.10, message `Payload.Template`).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Template<'a> {
    /// `version`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub version: Option<Str<'a>>,
    /// `metrics`.
    pub metrics: Seq<'a, Metric<'a>>,
    /// `parameters`.
    pub parameters: Seq<'a, Parameter<'a>>,
    /// `template_ref`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub template_ref: Option<Str<'a>>,
    /// `is_definition`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub is_definition: Option<bool>,
}

/// A template parameter (message `Payload.Template.Parameter`).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Parameter<'a> {
    /// `name`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub name: Option<Str<'a>>,
    /// `type` (a datatype code).
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "Option::is_none",
            serialize_with = "ser_datatype"
        )
    )]
    pub datatype: Option<u32>,
    /// The value.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub value: Option<MetricValue<'a>>,
}

/// A Sparkplug B payload to encode (§6.4.1, message `Payload`).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Payload<'a> {
    /// `timestamp` (ms since the Unix epoch).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub timestamp: Option<u64>,
    /// `metrics`.
    pub metrics: Seq<'a, Metric<'a>>,
    /// `seq` (0..=255 in Sparkplug; absent in NDEATH and commands).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub seq: Option<u64>,
    /// `uuid`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub uuid: Option<Str<'a>>,
    /// `body`.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "Option::is_none",
            serialize_with = "ser_opt_hex"
        )
    )]
    pub body: Option<Seq<'a, u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::payload::PayloadView;
    use crate::value::Value;

    #[test]
    fn int8_minus_one_is_sign_extended_and_seq_follows_metrics() {
        let metrics = [Metric::new("a", MetricValue::Int8(-1))];
        let p = Payload {
            timestamp: Some(1),
            metrics: Seq::Borrowed(&metrics),
            seq: Some(0),
            ..Payload::default()
        };
        let mut buf = [0u8; 64];
        let n = p.encode(&mut buf).unwrap();
        assert_eq!(n, p.buffer_len());
        // 08 01 | 12 0b: 0a 01 'a' 20 01 50 ff ff ff ff 0f | 18 00
        assert_eq!(
            &buf[..n],
            &[
                0x08, 0x01, 0x12, 0x0b, 0x0a, 0x01, b'a', 0x20, 0x01, 0x50, 0xff, 0xff, 0xff, 0xff,
                0x0f, 0x18, 0x00
            ]
        );
        let v = PayloadView::new(&buf[..n]).unwrap();
        assert_eq!(v.seq(), Some(0));
        let m = v.metrics().next().unwrap().unwrap();
        assert_eq!(m.value(), Ok(Value::Int8(-1)));
        assert_eq!(
            p.encode(&mut buf[..n - 1]),
            Err(Error::BufferTooSmall {
                needed: n,
                available: n - 1
            })
        );
    }

    #[test]
    fn uint32_placement() {
        let metrics = [Metric::new("u", MetricValue::UInt32(7))];
        let p = Payload {
            metrics: Seq::Borrowed(&metrics),
            ..Payload::default()
        };
        let mut a = [0u8; 16];
        let mut b = [0u8; 16];
        let na = p.encode(&mut a).unwrap();
        let long = EncodeOptions {
            metric_timestamp: None,
            uint32: Uint32Field::Long,
        };
        let nb = p.encode_with(&mut b, &long).unwrap();
        assert_eq!(na, nb);
        assert_eq!(a[na - 2], 0x50); // int_value, field 10
        assert_eq!(b[nb - 2], 0x58); // long_value, field 11
        for buf in [&a[..na], &b[..nb]] {
            let m = PayloadView::new(buf)
                .unwrap()
                .metrics()
                .next()
                .unwrap()
                .unwrap();
            assert_eq!(m.value(), Ok(Value::UInt32(7)));
        }
    }

    #[test]
    fn unrepresentable_values_are_refused() {
        let props = [PropertyValue {
            datatype: Some(17),
            is_null: None,
            value: Some(MetricValue::Bytes(Seq::Borrowed(&[1]))),
        }];
        let keys = [Str::Borrowed("k")];
        let metrics = [Metric {
            properties: Some(PropertySet {
                keys: Seq::Borrowed(&keys),
                values: Seq::Borrowed(&props),
            }),
            ..Metric::default()
        }];
        let p = Payload {
            metrics: Seq::Borrowed(&metrics),
            ..Payload::default()
        };
        let mut buf = [0u8; 64];
        assert_eq!(p.encode(&mut buf), Err(Error::ValueType { datatype: 17 }));
    }
}
