//! The error vocabulary of m2m-sparkplug's payload codec ([`Error`]); topics have their own
//! [`TopicError`](crate::topic::TopicError).

use m2m_core::{BufferTooSmall, ErrorKind, ProtocolError, Truncated, VarintError};

/// Why a payload (or a part of one) is not valid protobuf for the Sparkplug B schema, or a value
/// cannot be read as its datatype. Offsets are from the start of the whole payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A field or length runs past the end of its message.
    #[error("truncated at byte {offset}: {needed} more bytes needed")]
    Truncated {
        /// Offset where the failed read started.
        offset: usize,
        /// How many bytes were missing.
        needed: usize,
    },
    /// A varint longer than 10 bytes.
    #[error("varint longer than 64 bits at byte {offset}")]
    Varint {
        /// Offset of the varint.
        offset: usize,
    },
    /// A field key with field number 0 or beyond 2^29 - 1, or wire type 6 or 7.
    #[error("invalid field key at byte {offset}")]
    Key {
        /// Offset of the key.
        offset: usize,
    },
    /// A [`Field`](crate::wire::Field) read as a type its wire type cannot hold. The views never
    /// report it: they skip a field of the schema with another wire type as an unknown field.
    #[error("field {field} with wire type {wire_type} at byte {offset}")]
    WireType {
        /// Field number.
        field: u32,
        /// Wire type found.
        wire_type: u8,
        /// Offset of the key.
        offset: usize,
    },
    /// An end-group key without its start, or a group that does not end.
    #[error("unbalanced group at byte {offset}")]
    Group {
        /// Offset of the key.
        offset: usize,
    },
    /// Messages or groups nested deeper than [`MAX_DEPTH`](crate::wire::MAX_DEPTH).
    #[error("nesting deeper than the limit at byte {offset}")]
    Depth {
        /// Offset of the message that went too deep.
        offset: usize,
    },
    /// A `string` field that is not UTF-8. Sparkplug makes strings UTF-8 (§6.4) and the views
    /// hand them out as `&str`, so such a field is refused where proto2 runtimes (protoc's C++,
    /// Python's for proto2) accept any bytes.
    #[error("string field {field} is not UTF-8 at byte {offset}")]
    Utf8 {
        /// Field number of the string (in its message: 1 is a metric's `name`, 15 its
        /// `string_value`, and so on).
        field: u32,
        /// Offset of the first byte that is not part of a UTF-8 character.
        offset: usize,
    },
    /// A value read as a datatype it was not encoded with (an Int32 metric carrying a string).
    #[error("value field does not fit datatype {datatype}")]
    ValueType {
        /// The datatype asked for.
        datatype: u32,
    },
    /// An integer beyond its datatype's width: a UInt8 of 300, or an Int8, Int16 or Int32 in
    /// neither sign style (an Int32 of 2^40 in `long_value`, an Int8 of `0x1234`).
    #[error("value {value} out of range for datatype {datatype}")]
    Range {
        /// The datatype.
        datatype: u32,
        /// The value on the wire.
        value: u64,
    },
    /// A metric without a value that is not marked `is_null`.
    #[error("no value")]
    NoValue,
    /// A metric (or property, parameter, column) without a datatype, read without one.
    #[error("no datatype")]
    NoDatatype,
    /// An array value whose bytes do not split into its elements (a 7-byte Int32Array, a
    /// BooleanArray shorter than its count, a StringArray not ending in NUL).
    #[error("malformed array of datatype {datatype} ({len} bytes)")]
    Array {
        /// The datatype.
        datatype: u32,
        /// Length of the bytes.
        len: usize,
    },
    /// A metric with neither name nor alias, or a sample keyed by something a metric cannot be
    /// keyed by.
    #[error("metric without name or alias")]
    NoKey,
    /// A value with no scalar form in m2m-core (an array, a dataset, a template).
    #[error("datatype {datatype} has no scalar value")]
    NotScalar {
        /// The datatype.
        datatype: u32,
    },
    /// The output buffer is too small.
    #[error("buffer too small: {needed} bytes needed, {available} available")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
}

impl ProtocolError for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::Truncated { .. } => ErrorKind::Truncated,
            Error::BufferTooSmall { .. } | Error::Depth { .. } => ErrorKind::Capacity,
            _ => ErrorKind::Malformed,
        }
    }

    fn offset(&self) -> Option<usize> {
        match self {
            Error::Truncated { offset, .. }
            | Error::Varint { offset }
            | Error::Key { offset }
            | Error::WireType { offset, .. }
            | Error::Group { offset }
            | Error::Depth { offset }
            | Error::Utf8 { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

impl From<BufferTooSmall> for Error {
    fn from(e: BufferTooSmall) -> Self {
        Error::BufferTooSmall {
            needed: e.needed,
            available: e.available,
        }
    }
}

impl Error {
    /// Moves the offset of an error found in a sub-slice by `base` bytes.
    #[must_use]
    pub(crate) fn at(self, base: usize) -> Self {
        let add = |o: usize| o.saturating_add(base);
        match self {
            Error::Truncated { offset, needed } => Error::Truncated {
                offset: add(offset),
                needed,
            },
            Error::Varint { offset } => Error::Varint {
                offset: add(offset),
            },
            Error::Key { offset } => Error::Key {
                offset: add(offset),
            },
            Error::WireType {
                field,
                wire_type,
                offset,
            } => Error::WireType {
                field,
                wire_type,
                offset: add(offset),
            },
            Error::Group { offset } => Error::Group {
                offset: add(offset),
            },
            Error::Depth { offset } => Error::Depth {
                offset: add(offset),
            },
            Error::Utf8 { field, offset } => Error::Utf8 {
                field,
                offset: add(offset),
            },
            other => other,
        }
    }
}

impl From<Truncated> for Error {
    fn from(t: Truncated) -> Self {
        Error::Truncated {
            offset: t.offset,
            needed: t.needed,
        }
    }
}

impl From<VarintError> for Error {
    fn from(e: VarintError) -> Self {
        match e {
            VarintError::Truncated(t) => t.into(),
            VarintError::Overlong { offset } => Error::Varint { offset },
        }
    }
}
