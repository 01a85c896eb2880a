//! Metric, property, parameter and dataset values: the raw protobuf `oneof value` ([`RawValue`])
//! and its typed reading by datatype ([`Value`]), with zero-copy array iterators
//! (Sparkplug 3.0.0 §6.4.16, "Datatype Details").
//!
//! Decoding is tolerant where peers disagree: Int8/Int16/Int32 are read from `int_value` or
//! `long_value` in either sign style, so both the sign-extended form (Tahu Java, Tahu JS, Tahu C,
//! Ignition: Int8 -1 as `FF FF FF FF 0F`, sign-extended to 32 bits; to 64 bits in `long_value`)
//! and the narrow form (Tahu Python: `FF 01`, two's complement in the datatype's own width) read
//! as -1; a value in neither form (an Int32 of 2^40 + 5, an Int8 of `0x1234`) is
//! [`Error::Range`], not cut to width. UInt32 is read from `int_value` (the specification) or
//! `long_value` (Tahu JS/Java/C).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::marker::PhantomData;

use crate::datatype::DataType;
use crate::error::Error;
use crate::payload::{
    DataSetView, ExtensionView, PropertySetListView, PropertySetView, TemplateView,
};

/// The value field of a metric, property value, template parameter or dataset cell, as it is on
/// the wire (which member of the protobuf `oneof value` of the schema, §6.4.1), before a datatype
/// (§6.4.16) gives it a meaning.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RawValue<'a> {
    /// `int_value` (uint32).
    Int(u32),
    /// `long_value` (uint64).
    Long(u64),
    /// `float_value`.
    Float(f32),
    /// `double_value`.
    Double(f64),
    /// `boolean_value`.
    Boolean(bool),
    /// `string_value`.
    String(&'a str),
    /// `bytes_value` (metrics only).
    Bytes(&'a [u8]),
    /// `dataset_value` (metrics only).
    DataSet(DataSetView<'a>),
    /// `template_value` (metrics only).
    Template(TemplateView<'a>),
    /// `propertyset_value` (property values only).
    PropertySet(PropertySetView<'a>),
    /// `propertysets_value` (property values only).
    PropertySetList(PropertySetListView<'a>),
    /// `extension_value`: the extension message, its fields read raw.
    Extension(ExtensionView<'a>),
}

impl RawValue<'_> {
    /// The name of the oneof member (`"int_value"`, ...).
    #[must_use]
    pub const fn field_name(&self) -> &'static str {
        match self {
            RawValue::Int(_) => "int_value",
            RawValue::Long(_) => "long_value",
            RawValue::Float(_) => "float_value",
            RawValue::Double(_) => "double_value",
            RawValue::Boolean(_) => "boolean_value",
            RawValue::String(_) => "string_value",
            RawValue::Bytes(_) => "bytes_value",
            RawValue::DataSet(_) => "dataset_value",
            RawValue::Template(_) => "template_value",
            RawValue::PropertySet(_) => "propertyset_value",
            RawValue::PropertySetList(_) => "propertysets_value",
            RawValue::Extension(_) => "extension_value",
        }
    }
}

/// A value read as its datatype (§6.4.16). Strings, bytes and arrays borrow from the payload;
/// arrays are lazy little-endian iterators; datasets, templates and property sets are views.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(missing_docs)] // one variant per datatype, named as the specification names them
pub enum Value<'a> {
    /// `is_null` was set.
    Null,
    Int8(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    UInt8(u8),
    UInt16(u16),
    UInt32(u32),
    UInt64(u64),
    Float(f32),
    Double(f64),
    Boolean(bool),
    String(&'a str),
    /// Milliseconds since the Unix epoch.
    DateTime(u64),
    Text(&'a str),
    Uuid(&'a str),
    DataSet(DataSetView<'a>),
    Bytes(&'a [u8]),
    File(&'a [u8]),
    Template(TemplateView<'a>),
    PropertySet(PropertySetView<'a>),
    PropertySetList(PropertySetListView<'a>),
    Int8Array(LeArray<'a, i8>),
    Int16Array(LeArray<'a, i16>),
    Int32Array(LeArray<'a, i32>),
    Int64Array(LeArray<'a, i64>),
    UInt8Array(LeArray<'a, u8>),
    UInt16Array(LeArray<'a, u16>),
    UInt32Array(LeArray<'a, u32>),
    UInt64Array(LeArray<'a, u64>),
    FloatArray(LeArray<'a, f32>),
    DoubleArray(LeArray<'a, f64>),
    BooleanArray(BoolArray<'a>),
    StringArray(StrArray<'a>),
    /// Milliseconds since the Unix epoch, each.
    DateTimeArray(LeArray<'a, u64>),
    /// A datatype this crate does not know (0 or beyond 34), with the raw value.
    Other {
        /// The datatype code.
        datatype: u32,
        /// The value as it was on the wire.
        raw: RawValue<'a>,
    },
}

fn int_bits(dt: DataType, raw: &RawValue<'_>) -> Result<u64, Error> {
    match *raw {
        RawValue::Int(v) => Ok(u64::from(v)),
        RawValue::Long(v) => Ok(v),
        _ => Err(Error::ValueType {
            datatype: dt.code(),
        }),
    }
}

/// An Int8, Int16 or Int32 (`T`, of the width of `N`) from `int_value` or `long_value`: the
/// bits sign-extended to 64 bits, or to 32 bits (and zero-extended beyond, as a 32-bit
/// `int_value` holds them), or `N`'s two's complement (the narrow form). Where more than one
/// reading fits, they agree (each is the low bits of the value); where none does, the value is
/// [`Error::Range`].
fn signed<T: TryFrom<i64>, N: TryFrom<u64>>(
    dt: DataType,
    raw: &RawValue<'_>,
    narrow: fn(N) -> T,
) -> Result<T, Error> {
    let v = int_bits(dt, raw)?;
    // The reinterpretations are the sign styles themselves.
    #[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
    let (wide64, wide32) = (v as i64, u32::try_from(v).ok().map(|w| i64::from(w as i32)));
    if let Ok(t) = T::try_from(wide64) {
        return Ok(t);
    }
    if let Some(Ok(t)) = wide32.map(T::try_from) {
        return Ok(t);
    }
    N::try_from(v).map(narrow).map_err(|_| Error::Range {
        datatype: dt.code(),
        value: v,
    })
}

fn unsigned<T: TryFrom<u64>>(dt: DataType, raw: &RawValue<'_>) -> Result<T, Error> {
    let v = int_bits(dt, raw)?;
    T::try_from(v).map_err(|_| Error::Range {
        datatype: dt.code(),
        value: v,
    })
}

impl<'a> Value<'a> {
    /// Reads `raw` as datatype `datatype` (a code); `None` for a value marked `is_null` or absent
    /// (absent without `is_null` is [`Error::NoValue`] when `is_null` is false).
    #[inline(always)]
    pub fn from_raw(
        datatype: u32,
        raw: Option<RawValue<'a>>,
        is_null: bool,
    ) -> Result<Self, Error> {
        // The common scalars stored in their own member, by code (the datatype table of
        // `crate::datatype`), without the table look-up; the rest, and every mismatch, take the
        // general path, which reads these the same way (`fast_scalars_agree` in the tests).
        // Wrapping as in the general path (any `int_value` is an Int32 in one sign style).
        #[allow(clippy::cast_possible_wrap)]
        if !is_null {
            match (datatype, raw) {
                (3, Some(RawValue::Int(v))) => return Ok(Value::Int32(v as i32)),
                (4, Some(RawValue::Long(v))) => return Ok(Value::Int64(v as i64)),
                (7, Some(RawValue::Int(v))) => return Ok(Value::UInt32(v)),
                (8, Some(RawValue::Long(v))) => return Ok(Value::UInt64(v)),
                (9, Some(RawValue::Float(v))) => return Ok(Value::Float(v)),
                (10, Some(RawValue::Double(v))) => return Ok(Value::Double(v)),
                (11, Some(RawValue::Boolean(v))) => return Ok(Value::Boolean(v)),
                (12, Some(RawValue::String(v))) => return Ok(Value::String(v)),
                _ => {}
            }
        }
        Self::from_raw_miss(datatype, raw, is_null)
    }

    /// [`Value::from_raw_general`], reached through one cold call per member that takes the
    /// member's content as it is (in registers for the scalars): the raw value, an argument
    /// passed by address, is then built in memory only on the way to the general path, not
    /// ahead of the fast match above on every call.
    #[inline(always)]
    fn from_raw_miss(
        datatype: u32,
        raw: Option<RawValue<'a>>,
        is_null: bool,
    ) -> Result<Self, Error> {
        match raw {
            None => Self::general_none(datatype, is_null),
            Some(RawValue::Int(v)) => Self::general_int(datatype, v, is_null),
            Some(RawValue::Long(v)) => Self::general_long(datatype, v, is_null),
            Some(RawValue::Float(v)) => Self::general_float(datatype, v, is_null),
            Some(RawValue::Double(v)) => Self::general_double(datatype, v, is_null),
            Some(RawValue::Boolean(v)) => Self::general_boolean(datatype, v, is_null),
            Some(RawValue::String(v)) => Self::general_string(datatype, v, is_null),
            Some(RawValue::Bytes(v)) => Self::general_bytes(datatype, v, is_null),
            Some(RawValue::Extension(v)) => Self::general_extension(datatype, v, is_null),
            Some(RawValue::DataSet(v)) => Self::general_dataset(datatype, v, is_null),
            Some(RawValue::Template(v)) => Self::general_template(datatype, v, is_null),
            Some(RawValue::PropertySet(v)) => Self::general_property_set(datatype, v, is_null),
            Some(RawValue::PropertySetList(v)) => {
                Self::general_property_set_list(datatype, v, is_null)
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn general_none(datatype: u32, is_null: bool) -> Result<Self, Error> {
        Self::from_raw_general(datatype, None, is_null)
    }
}

/// The cold entries of [`Value::from_raw_miss`], one per member of [`RawValue`].
macro_rules! general_member {
    ($($name:ident($ty:ty) => $member:ident,)*) => {
        impl<'a> Value<'a> {
            $(
                #[cold]
                #[inline(never)]
                fn $name(datatype: u32, v: $ty, is_null: bool) -> Result<Self, Error> {
                    Self::from_raw_general(datatype, Some(RawValue::$member(v)), is_null)
                }
            )*
        }
    };
}

general_member! {
    general_int(u32) => Int,
    general_long(u64) => Long,
    general_float(f32) => Float,
    general_double(f64) => Double,
    general_boolean(bool) => Boolean,
    general_string(&'a str) => String,
    general_bytes(&'a [u8]) => Bytes,
    general_extension(ExtensionView<'a>) => Extension,
    general_dataset(DataSetView<'a>) => DataSet,
    general_template(TemplateView<'a>) => Template,
    general_property_set(PropertySetView<'a>) => PropertySet,
    general_property_set_list(PropertySetListView<'a>) => PropertySetList,
}

impl<'a> Value<'a> {
    // Cold: the common scalars return in `from_raw`, and the others come here through the
    // cold entries of `from_raw_miss`, which build the raw value (in memory) on the way.
    #[cold]
    #[inline(never)]
    fn from_raw_general(
        datatype: u32,
        raw: Option<RawValue<'a>>,
        is_null: bool,
    ) -> Result<Self, Error> {
        let dt = DataType::from_code(datatype);
        let raw = match raw {
            Some(r) if !is_null => r,
            _ if is_null => return Ok(Value::Null),
            _ => return Err(Error::NoValue),
        };
        let mismatch = Error::ValueType { datatype };
        // The narrow forms reinterpret the bits; Int64's two's complement is its sign style.
        #[allow(clippy::cast_possible_wrap)]
        Ok(match dt {
            DataType::Int8 => Value::Int8(signed(dt, &raw, |n: u8| n as i8)?),
            DataType::Int16 => Value::Int16(signed(dt, &raw, |n: u16| n as i16)?),
            DataType::Int32 => Value::Int32(signed(dt, &raw, |n: u32| n as i32)?),
            DataType::UInt8 => Value::UInt8(unsigned(dt, &raw)?),
            DataType::UInt16 => Value::UInt16(unsigned(dt, &raw)?),
            DataType::UInt32 => Value::UInt32(unsigned(dt, &raw)?),
            DataType::Int64 | DataType::UInt64 | DataType::DateTime => {
                let RawValue::Long(v) = raw else {
                    return Err(mismatch);
                };
                match dt {
                    DataType::Int64 => Value::Int64(v as i64),
                    DataType::UInt64 => Value::UInt64(v),
                    _ => Value::DateTime(v),
                }
            }
            DataType::Float => match raw {
                RawValue::Float(v) => Value::Float(v),
                _ => return Err(mismatch),
            },
            DataType::Double => match raw {
                RawValue::Double(v) => Value::Double(v),
                _ => return Err(mismatch),
            },
            DataType::Boolean => match raw {
                RawValue::Boolean(v) => Value::Boolean(v),
                _ => return Err(mismatch),
            },
            DataType::String | DataType::Text | DataType::Uuid => match raw {
                RawValue::String(s) if dt == DataType::String => Value::String(s),
                RawValue::String(s) if dt == DataType::Text => Value::Text(s),
                RawValue::String(s) => Value::Uuid(s),
                _ => return Err(mismatch),
            },
            DataType::DataSet => match raw {
                RawValue::DataSet(d) => Value::DataSet(d),
                _ => return Err(mismatch),
            },
            DataType::Template => match raw {
                RawValue::Template(t) => Value::Template(t),
                _ => return Err(mismatch),
            },
            DataType::PropertySet => match raw {
                RawValue::PropertySet(p) => Value::PropertySet(p),
                _ => return Err(mismatch),
            },
            DataType::PropertySetList => match raw {
                RawValue::PropertySetList(p) => Value::PropertySetList(p),
                _ => return Err(mismatch),
            },
            DataType::Unknown | DataType::Other(_) => Value::Other { datatype, raw },
            _ => {
                let RawValue::Bytes(b) = raw else {
                    return Err(mismatch);
                };
                Self::from_bytes(dt, b)?
            }
        })
    }

    fn from_bytes(dt: DataType, b: &'a [u8]) -> Result<Self, Error> {
        Ok(match dt {
            DataType::Bytes => Value::Bytes(b),
            DataType::File => Value::File(b),
            DataType::Int8Array => Value::Int8Array(LeArray::new(dt, b)?),
            DataType::Int16Array => Value::Int16Array(LeArray::new(dt, b)?),
            DataType::Int32Array => Value::Int32Array(LeArray::new(dt, b)?),
            DataType::Int64Array => Value::Int64Array(LeArray::new(dt, b)?),
            DataType::UInt8Array => Value::UInt8Array(LeArray::new(dt, b)?),
            DataType::UInt16Array => Value::UInt16Array(LeArray::new(dt, b)?),
            DataType::UInt32Array => Value::UInt32Array(LeArray::new(dt, b)?),
            DataType::UInt64Array => Value::UInt64Array(LeArray::new(dt, b)?),
            DataType::FloatArray => Value::FloatArray(LeArray::new(dt, b)?),
            DataType::DoubleArray => Value::DoubleArray(LeArray::new(dt, b)?),
            DataType::DateTimeArray => Value::DateTimeArray(LeArray::new(dt, b)?),
            DataType::BooleanArray => Value::BooleanArray(BoolArray::new(b)?),
            DataType::StringArray => Value::StringArray(StrArray::new(b)?),
            _ => {
                return Err(Error::ValueType {
                    datatype: dt.code(),
                });
            }
        })
    }

    /// The value in m2m-core's cross-protocol form: integers widen to `I64`/`U64`, strings and
    /// bytes borrow, DateTime becomes a [`m2m_core::Timestamp`]. Arrays, datasets, templates and
    /// property sets have no scalar form (`None`).
    #[must_use]
    pub fn to_core(&self) -> Option<m2m_core::Value<'a>> {
        use m2m_core::Value as V;
        Some(match *self {
            Value::Null => V::Null,
            Value::Int8(v) => V::I64(v.into()),
            Value::Int16(v) => V::I64(v.into()),
            Value::Int32(v) => V::I64(v.into()),
            Value::Int64(v) => V::I64(v),
            Value::UInt8(v) => V::U64(v.into()),
            Value::UInt16(v) => V::U64(v.into()),
            Value::UInt32(v) => V::U64(v.into()),
            Value::UInt64(v) => V::U64(v),
            Value::Float(v) => V::F32(v),
            Value::Double(v) => V::F64(v),
            Value::Boolean(v) => V::Bool(v),
            Value::String(s) | Value::Text(s) | Value::Uuid(s) => V::Str(s),
            Value::DateTime(t) => V::Time(m2m_core::Timestamp::from_millis(t)),
            Value::Bytes(b) | Value::File(b) => V::Bytes(b),
            _ => return None,
        })
    }
}

/// An element type of a little-endian packed array.
pub trait LeElement: Copy + sealed::Sealed + 'static {
    /// Bytes per element.
    const SIZE: usize;
    /// Reads one element from exactly `SIZE` bytes (shorter input reads as zero-padded).
    fn read(b: &[u8]) -> Self;
    /// Writes one element into exactly `SIZE` bytes.
    fn write(self, out: &mut [u8]);
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! le_element {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl LeElement for $t {
            const SIZE: usize = core::mem::size_of::<$t>();
            #[inline]
            fn read(b: &[u8]) -> Self {
                let mut a = [0u8; core::mem::size_of::<$t>()];
                if let Some(src) = b.get(..a.len()) {
                    a.copy_from_slice(src);
                }
                <$t>::from_le_bytes(a)
            }
            #[inline]
            fn write(self, out: &mut [u8]) {
                if let Some(dst) = out.get_mut(..core::mem::size_of::<$t>()) {
                    dst.copy_from_slice(&self.to_le_bytes());
                }
            }
        }
    )*};
}

le_element!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// A packed little-endian array (Int8Array..UInt64Array, FloatArray, DoubleArray, DateTimeArray):
/// a view of the bytes, iterated without copying them out first.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct LeArray<'a, T> {
    bytes: &'a [u8],
    _t: PhantomData<T>,
}

impl<T: LeElement + core::fmt::Debug> core::fmt::Debug for LeArray<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(feature = "defmt")]
impl<T: LeElement> defmt::Format for LeArray<'_, T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "LeArray({=usize} bytes)", self.bytes.len());
    }
}

impl<'a, T: LeElement> LeArray<'a, T> {
    fn new(dt: DataType, bytes: &'a [u8]) -> Result<Self, Error> {
        if bytes.len().checked_rem(T::SIZE) != Some(0) {
            return Err(Error::Array {
                datatype: dt.code(),
                len: bytes.len(),
            });
        }
        Ok(LeArray {
            bytes,
            _t: PhantomData,
        })
    }

    /// The array over `bytes`, or `None` when their length is not a multiple of the element size.
    #[must_use]
    pub fn from_bytes(bytes: &'a [u8]) -> Option<Self> {
        (bytes.len().checked_rem(T::SIZE) == Some(0)).then_some(LeArray {
            bytes,
            _t: PhantomData,
        })
    }

    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len().checked_div(T::SIZE).unwrap_or(0)
    }

    /// `true` with no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The wire bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The elements, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = T> + DoubleEndedIterator + Clone + 'a {
        self.bytes.chunks_exact(T::SIZE).map(T::read)
    }
}

/// A BooleanArray: a little-endian u32 count, then the bits, most significant bit of each byte
/// first (§6.4.16). Bits past the count are padding and ignored.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BoolArray<'a> {
    count: u32,
    bits: &'a [u8],
}

impl core::fmt::Debug for BoolArray<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> BoolArray<'a> {
    /// Reads the count and checks that the bytes hold that many bits.
    pub fn new(bytes: &'a [u8]) -> Result<Self, Error> {
        let bad = Error::Array {
            datatype: DataType::BooleanArray.code(),
            len: bytes.len(),
        };
        let (head, bits) = bytes.split_at_checked(4).ok_or(bad)?;
        let count = u32::from_le_bytes(head.try_into().map_err(|_| bad)?);
        let needed = usize::try_from(count).map_err(|_| bad)?.div_ceil(8);
        // Exactly the bytes the count needs: srad drops a byte when the count is a multiple of 8;
        // a longer tail would be data we could not account for.
        if bits.len() != needed {
            return Err(bad);
        }
        Ok(BoolArray { count, bits })
    }

    /// Number of booleans.
    #[must_use]
    pub fn len(&self) -> usize {
        usize::try_from(self.count).unwrap_or(usize::MAX)
    }

    /// `true` with no booleans.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The packed bits after the count.
    #[must_use]
    pub const fn bits(&self) -> &'a [u8] {
        self.bits
    }

    /// The booleans, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = bool> + Clone + 'a {
        let bits = self.bits;
        (0..self.len()).map(move |i| {
            let byte = bits.get(i / 8).copied().unwrap_or(0);
            byte & (0x80 >> (i % 8)) != 0
        })
    }
}

/// A StringArray: UTF-8 strings, each ended by a NUL byte (§6.4.16).
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StrArray<'a> {
    bytes: &'a [u8],
}

impl core::fmt::Debug for StrArray<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> StrArray<'a> {
    /// Checks that `bytes` is empty or ends in NUL and is UTF-8.
    pub fn new(bytes: &'a [u8]) -> Result<Self, Error> {
        let bad = Error::Array {
            datatype: DataType::StringArray.code(),
            len: bytes.len(),
        };
        if !(bytes.is_empty() || bytes.last() == Some(&0)) || core::str::from_utf8(bytes).is_err() {
            return Err(bad);
        }
        Ok(StrArray { bytes })
    }

    /// The wire bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Number of strings.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.iter().filter(|&&b| b == 0).count()
    }

    /// `true` with no strings.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The strings, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + Clone + 'a {
        let body = self.bytes.split_last().map_or(&[][..], |(_, body)| body);
        let empty = self.bytes.is_empty();
        body.split(|&b| b == 0)
            .filter(move |_| !empty)
            // Checked as a whole in `new`; NUL is a one-byte character, so every piece is UTF-8.
            .map(|s| core::str::from_utf8(s).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_scalars_agree() {
        let msg = crate::payload::Parts::one(crate::payload::Msg {
            buf: &[0x08, 0x01],
            base: 3,
            depth: 1,
        });
        let raws = [
            None,
            Some(RawValue::Int(0)),
            Some(RawValue::Int(u32::MAX)),
            Some(RawValue::Int(0x8000_0000)),
            Some(RawValue::Int(200)),
            Some(RawValue::Long(0)),
            Some(RawValue::Long(u64::MAX)),
            Some(RawValue::Long(0x1_0000_0000)),
            Some(RawValue::Float(-1.5)),
            Some(RawValue::Double(2.25)),
            Some(RawValue::Boolean(true)),
            Some(RawValue::Boolean(false)),
            Some(RawValue::String("s")),
            Some(RawValue::Bytes(&[1, 2, 3, 4])),
            Some(RawValue::Extension(ExtensionView(msg))),
            Some(RawValue::DataSet(DataSetView(msg))),
            Some(RawValue::Template(TemplateView(msg))),
            Some(RawValue::PropertySet(PropertySetView(msg))),
            Some(RawValue::PropertySetList(PropertySetListView(msg))),
        ];
        // Every member goes the general way through its own cold entry (`from_raw_miss`).
        for dt in 0..40u32 {
            for raw in raws {
                for is_null in [false, true] {
                    assert_eq!(
                        Value::from_raw(dt, raw, is_null),
                        Value::from_raw_general(dt, raw, is_null),
                        "{dt} {raw:?} {is_null}"
                    );
                }
            }
        }
    }
    use std::vec::Vec;

    fn v(dt: DataType, raw: RawValue<'_>) -> Result<Value<'_>, Error> {
        Value::from_raw(dt.code(), Some(raw), false)
    }

    #[test]
    fn both_sign_styles_read_the_same() {
        // Tahu Java/Ignition sign-extend to 32 bits; Tahu Python and srad write the narrow form.
        assert_eq!(
            v(DataType::Int8, RawValue::Int(0xFFFF_FFFF)),
            Ok(Value::Int8(-1))
        );
        assert_eq!(v(DataType::Int8, RawValue::Int(0xFF)), Ok(Value::Int8(-1)));
        assert_eq!(
            v(DataType::Int16, RawValue::Int(0xFFFF_8000)),
            Ok(Value::Int16(i16::MIN))
        );
        assert_eq!(
            v(DataType::Int16, RawValue::Int(0x8000)),
            Ok(Value::Int16(i16::MIN))
        );
        assert_eq!(
            v(DataType::Int32, RawValue::Long(u64::MAX)),
            Ok(Value::Int32(-1))
        );
        assert_eq!(
            v(DataType::UInt32, RawValue::Int(u32::MAX)),
            Ok(Value::UInt32(u32::MAX))
        );
        assert_eq!(v(DataType::UInt32, RawValue::Long(7)), Ok(Value::UInt32(7)));
        assert_eq!(
            v(DataType::UInt32, RawValue::Long(1 << 32)),
            Err(Error::Range {
                datatype: 7,
                value: 1 << 32
            })
        );
        assert_eq!(
            v(DataType::UInt8, RawValue::Int(256)),
            Err(Error::Range {
                datatype: 5,
                value: 256
            })
        );
        assert_eq!(
            v(DataType::Int64, RawValue::Long(u64::MAX)),
            Ok(Value::Int64(-1))
        );
        assert_eq!(
            v(DataType::Int64, RawValue::Int(1)),
            Err(Error::ValueType { datatype: 4 })
        );
        assert_eq!(Value::from_raw(3, None, true), Ok(Value::Null));
        assert_eq!(Value::from_raw(3, None, false), Err(Error::NoValue));
        assert_eq!(
            v(DataType::Other(99), RawValue::Int(1)),
            Ok(Value::Other {
                datatype: 99,
                raw: RawValue::Int(1)
            })
        );
    }

    #[test]
    fn a_value_in_neither_sign_style_is_refused() {
        let range = |datatype, value| Err(Error::Range { datatype, value });
        // Wider than 32 bits and not a sign extension: not cut to 5.
        assert_eq!(
            v(DataType::Int32, RawValue::Long((1 << 40) + 5)),
            range(3, (1 << 40) + 5)
        );
        // Sign-extended from bit 31 of a positive value.
        assert_eq!(
            v(DataType::Int32, RawValue::Long(0xFFFF_FFFF_7FFF_FFFF)),
            range(3, 0xFFFF_FFFF_7FFF_FFFF)
        );
        // 32-bit two's complement in long_value, zero-extended, is one of the forms.
        assert_eq!(
            v(DataType::Int32, RawValue::Long(0xFFFF_FFFF)),
            Ok(Value::Int32(-1))
        );
        // int_value with bits above the width that are no sign extension.
        assert_eq!(v(DataType::Int8, RawValue::Int(0x1234)), range(1, 0x1234));
        assert_eq!(
            v(DataType::Int8, RawValue::Int(0xFFFF_FF05)),
            range(1, 0xFFFF_FF05)
        );
        assert_eq!(v(DataType::Int8, RawValue::Int(0x100)), range(1, 0x100));
        assert_eq!(
            v(DataType::Int16, RawValue::Int(0x1_8000)),
            range(2, 0x1_8000)
        );
        assert_eq!(
            v(DataType::Int16, RawValue::Long(0xFFFF_FFFF_FFFF_7FFF)),
            range(2, 0xFFFF_FFFF_FFFF_7FFF)
        );
        // Every form of the extremes reads.
        for (raw, want) in [
            (RawValue::Int(0x80), Value::Int8(i8::MIN)),
            (RawValue::Int(0xFFFF_FF80), Value::Int8(i8::MIN)),
            (RawValue::Long(0xFFFF_FFFF_FFFF_FF80), Value::Int8(i8::MIN)),
            (RawValue::Long(0xFFFF_FF80), Value::Int8(i8::MIN)),
            (RawValue::Int(0x7F), Value::Int8(i8::MAX)),
        ] {
            assert_eq!(v(DataType::Int8, raw), Ok(want), "{raw:?}");
        }
        for (raw, want) in [
            (RawValue::Int(0x7FFF), Value::Int16(i16::MAX)),
            (
                RawValue::Long(0xFFFF_FFFF_FFFF_8000),
                Value::Int16(i16::MIN),
            ),
            (RawValue::Long(0xFFFF_8000), Value::Int16(i16::MIN)),
            (RawValue::Long(0x8000), Value::Int16(i16::MIN)),
        ] {
            assert_eq!(v(DataType::Int16, raw), Ok(want), "{raw:?}");
        }
    }

    #[test]
    fn arrays() {
        let Value::Int16Array(a) = v(
            DataType::Int16Array,
            RawValue::Bytes(&[0xD0, 0x8A, 0x30, 0x75]),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(a.iter().collect::<Vec<_>>(), [-30000, 30000]);
        assert!(v(DataType::Int16Array, RawValue::Bytes(&[1, 2, 3])).is_err());
        // §6.4.16 BooleanArray example (padding bits 0).
        let b = BoolArray::new(&[0x0C, 0, 0, 0, 0x34, 0xD0]).unwrap();
        assert_eq!(
            b.iter().collect::<Vec<_>>(),
            [
                false, false, true, true, false, true, false, false, true, true, false, true
            ]
        );
        // 8 booleans need exactly one byte (srad drops it).
        assert!(BoolArray::new(&[8, 0, 0, 0]).is_err());
        assert_eq!(
            BoolArray::new(&[8, 0, 0, 0, 0xFF])
                .unwrap()
                .iter()
                .filter(|&b| b)
                .count(),
            8
        );
        assert!(BoolArray::new(&[1, 0, 0]).is_err());
        assert!(BoolArray::new(&[0, 0, 0, 0]).unwrap().is_empty());
        let s = StrArray::new(b"ABC\0hello\0").unwrap();
        assert_eq!(s.iter().collect::<Vec<_>>(), ["ABC", "hello"]);
        assert_eq!(s.len(), 2);
        let e = StrArray::new(b"\0\0").unwrap();
        assert_eq!(e.iter().collect::<Vec<_>>(), ["", ""]);
        assert_eq!(StrArray::new(b"").unwrap().iter().count(), 0);
        assert!(StrArray::new(b"abc").is_err());
        assert!(StrArray::new(b"\xff\0").is_err());
    }
}
