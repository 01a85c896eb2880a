//! Sparkplug B datatypes (Sparkplug 3.0.0 §6.4.16, the `DataType` enum of `sparkplug_b.proto`).

use core::fmt;

/// A Sparkplug datatype code (§6.4.16). Codes outside 0..=34 are kept as [`DataType::Other`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(missing_docs)] // the names are the specification's
pub enum DataType {
    Unknown,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float,
    Double,
    Boolean,
    String,
    DateTime,
    Text,
    Uuid,
    DataSet,
    Bytes,
    File,
    Template,
    PropertySet,
    PropertySetList,
    Int8Array,
    Int16Array,
    Int32Array,
    Int64Array,
    UInt8Array,
    UInt16Array,
    UInt32Array,
    UInt64Array,
    FloatArray,
    DoubleArray,
    BooleanArray,
    StringArray,
    DateTimeArray,
    /// A code this crate does not know (a later version's type), kept as is.
    Other(u32),
}

const TABLE: [(DataType, &str); 35] = [
    (DataType::Unknown, "Unknown"),
    (DataType::Int8, "Int8"),
    (DataType::Int16, "Int16"),
    (DataType::Int32, "Int32"),
    (DataType::Int64, "Int64"),
    (DataType::UInt8, "UInt8"),
    (DataType::UInt16, "UInt16"),
    (DataType::UInt32, "UInt32"),
    (DataType::UInt64, "UInt64"),
    (DataType::Float, "Float"),
    (DataType::Double, "Double"),
    (DataType::Boolean, "Boolean"),
    (DataType::String, "String"),
    (DataType::DateTime, "DateTime"),
    (DataType::Text, "Text"),
    (DataType::Uuid, "UUID"),
    (DataType::DataSet, "DataSet"),
    (DataType::Bytes, "Bytes"),
    (DataType::File, "File"),
    (DataType::Template, "Template"),
    (DataType::PropertySet, "PropertySet"),
    (DataType::PropertySetList, "PropertySetList"),
    (DataType::Int8Array, "Int8Array"),
    (DataType::Int16Array, "Int16Array"),
    (DataType::Int32Array, "Int32Array"),
    (DataType::Int64Array, "Int64Array"),
    (DataType::UInt8Array, "UInt8Array"),
    (DataType::UInt16Array, "UInt16Array"),
    (DataType::UInt32Array, "UInt32Array"),
    (DataType::UInt64Array, "UInt64Array"),
    (DataType::FloatArray, "FloatArray"),
    (DataType::DoubleArray, "DoubleArray"),
    (DataType::BooleanArray, "BooleanArray"),
    (DataType::StringArray, "StringArray"),
    (DataType::DateTimeArray, "DateTimeArray"),
];

impl DataType {
    /// The type of a code.
    #[must_use]
    pub fn from_code(code: u32) -> Self {
        usize::try_from(code)
            .ok()
            .and_then(|i| TABLE.get(i))
            .map_or(DataType::Other(code), |(t, _)| *t)
    }

    /// The code on the wire.
    #[must_use]
    pub fn code(self) -> u32 {
        match self {
            DataType::Other(c) => c,
            known => TABLE
                .iter()
                .position(|(t, _)| *t == known)
                .and_then(|i| u32::try_from(i).ok())
                .unwrap_or(0),
        }
    }

    /// The specification's name (`"Int8"`, `"UUID"`, ...); `None` for [`DataType::Other`].
    #[must_use]
    pub fn name(self) -> Option<&'static str> {
        match self {
            DataType::Other(_) => None,
            known => TABLE.iter().find(|(t, _)| *t == known).map(|(_, n)| *n),
        }
    }

    /// The type of a name as the specification spells it.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        TABLE.iter().find(|(_, n)| *n == name).map(|(t, _)| *t)
    }

    /// `true` for Int8Array..=DateTimeArray (22..=34).
    #[must_use]
    pub fn is_array(self) -> bool {
        (22..=34).contains(&self.code())
    }
}

impl From<u32> for DataType {
    fn from(code: u32) -> Self {
        DataType::from_code(code)
    }
}

impl From<DataType> for u32 {
    fn from(t: DataType) -> u32 {
        t.code()
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "DataType({})", self.code()),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for DataType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(n) => s.serialize_str(n),
            None => s.serialize_u32(self.code()),
        }
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for DataType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = DataType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Sparkplug datatype name or code")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<DataType, E> {
                u32::try_from(v)
                    .map(DataType::from_code)
                    .map_err(|_| E::custom("datatype code beyond u32"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DataType, E> {
                DataType::from_name(v).ok_or_else(|| E::custom("unknown datatype name"))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        for code in 0..40 {
            let t = DataType::from_code(code);
            assert_eq!(t.code(), code);
            if code <= 34 {
                assert_eq!(DataType::from_name(t.name().unwrap()), Some(t));
            } else {
                assert_eq!(t, DataType::Other(code));
            }
        }
        assert_eq!(DataType::from_code(15).name(), Some("UUID"));
        assert!(DataType::BooleanArray.is_array());
        assert!(!DataType::Template.is_array());
    }
}
