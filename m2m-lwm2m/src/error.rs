//! One error for every LwM2M decoder and encoder: what is wrong, and at which byte.

use core::fmt;

/// Why an LwM2M body, path or message is not valid, or could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Error {
    /// Byte offset in the input (or, when encoding, in the output) where the problem was found.
    pub offset: usize,
    /// What is wrong.
    pub reason: Reason,
}

impl Error {
    /// An error at `offset`.
    #[must_use]
    pub const fn new(offset: usize, reason: Reason) -> Self {
        Error { offset, reason }
    }

    /// The same error moved by `base` bytes (for a decoder that works on a slice of the input).
    #[must_use]
    pub const fn shifted(self, base: usize) -> Self {
        Error {
            offset: self.offset.saturating_add(base),
            reason: self.reason,
        }
    }
}

/// What is wrong.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Reason {
    /// A length or field points past the end of the input.
    Truncated,
    /// Bytes are left after a complete value.
    TrailingBytes,
    /// Not a valid path (§7.1), or an id of 65535.
    BadPath,
    /// A path that does not fit where it appears (a resource path where an instance is
    /// expected, a record outside the requested path, ...).
    UnexpectedPath,
    /// A TLV type byte with a bad combination of bits, or a TLV of the wrong kind at this level.
    BadTlvType,
    /// An integer of a length other than 1, 2, 4 or 8 bytes (TLV), or out of range for its type.
    BadInteger,
    /// A float of a length other than 4 or 8 bytes (TLV), or not a number where one is required.
    BadFloat,
    /// A boolean other than `0`/`1` (text, TLV) or `true`/`false`.
    BadBoolean,
    /// An Objlnk that is not `object:instance` (text) or 4 bytes (TLV).
    BadObjLink,
    /// Text that is not valid UTF-8.
    BadUtf8,
    /// A text/plain value that does not parse as its resource type.
    BadText,
    /// Base64 that does not decode.
    BadBase64,
    /// JSON that does not follow RFC 8259, or a SenML/LwM2M JSON document of the wrong shape.
    BadJson,
    /// CBOR that does not follow RFC 8949, or a SenML/LwM2M CBOR document of the wrong shape.
    BadCbor,
    /// A SenML record field (RFC 8428 §4) that is unknown and mandatory to understand (`_`
    /// suffix), duplicated, or of the wrong type.
    BadField,
    /// A SenML record with more than one value field, or with none where one is required.
    BadValue,
    /// A record without a name after base-name resolution.
    MissingName,
    /// A link-format text (RFC 6690) or registration query that does not parse.
    BadLink,
    /// An attribute (`pmin`, `gt`, ...) with a bad value, or a set of attributes that
    /// contradict each other (§5.1.2).
    BadAttribute,
    /// A value whose type does not match the resource's type in the object model.
    TypeMismatch,
    /// Nesting deeper than the format allows or than the decoder's bound.
    TooDeep,
    /// A value the format cannot carry (a path the format cannot address, a string too long
    /// for a 24-bit TLV length, a non-finite float in JSON, ...).
    Unrepresentable,
    /// Valid but not handled here.
    Unsupported,
    /// A CoAP method LwM2M does not define at this path (`PATCH /3`, `POST /3/0/7/0`): 4.05.
    MethodNotAllowed,
    /// The output buffer is too small.
    BufferTooSmall,
}

impl Reason {
    /// A short description.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::Truncated => "truncated",
            Reason::TrailingBytes => "trailing bytes after the value",
            Reason::BadPath => "invalid path",
            Reason::UnexpectedPath => "path does not fit here",
            Reason::BadTlvType => "invalid TLV type",
            Reason::BadInteger => "invalid integer",
            Reason::BadFloat => "invalid float",
            Reason::BadBoolean => "invalid boolean",
            Reason::BadObjLink => "invalid object link",
            Reason::BadUtf8 => "invalid UTF-8",
            Reason::BadText => "invalid text value",
            Reason::BadBase64 => "invalid base64",
            Reason::BadJson => "invalid JSON",
            Reason::BadCbor => "invalid CBOR",
            Reason::BadField => "invalid SenML field",
            Reason::BadValue => "invalid or missing value",
            Reason::MissingName => "record without a name",
            Reason::BadLink => "invalid link format",
            Reason::BadAttribute => "invalid attribute",
            Reason::TypeMismatch => "value does not match the resource type",
            Reason::TooDeep => "nested too deep",
            Reason::Unrepresentable => "value cannot be written in this format",
            Reason::Unsupported => "unsupported",
            Reason::MethodNotAllowed => "method not allowed at this path",
            Reason::BufferTooSmall => "output buffer too small",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.reason.as_str(), self.offset)
    }
}

impl core::error::Error for Error {}

impl m2m_core::ProtocolError for Error {
    fn kind(&self) -> m2m_core::ErrorKind {
        use m2m_core::ErrorKind;
        match self.reason {
            Reason::Truncated => ErrorKind::Truncated,
            Reason::BufferTooSmall | Reason::TooDeep => ErrorKind::Capacity,
            Reason::Unsupported | Reason::MethodNotAllowed => ErrorKind::Unsupported,
            _ => ErrorKind::Malformed,
        }
    }
    fn offset(&self) -> Option<usize> {
        Some(self.offset)
    }
}

impl From<m2m_core::BufferTooSmall> for Error {
    fn from(_: m2m_core::BufferTooSmall) -> Self {
        Error::new(0, Reason::BufferTooSmall)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Error", 2)?;
        st.serialize_field("offset", &self.offset)?;
        st.serialize_field("reason", self.reason.as_str())?;
        st.end()
    }
}

/// What a decoder tolerates beyond the specification. The default is strict; each flag names one
/// deviation that real peers are known to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(clippy::struct_excessive_bools)]
pub struct Config {
    /// An integer where the model says Float (CBOR: an integer major type instead of a float;
    /// TLV: 1/2-byte values for a Float resource).
    pub integer_for_float: bool,
    /// `ver="1.1"` quoted in a registration's link-format payload (§6.2.1.1 wants a bare token),
    /// and `lwm2m="1.1"` quoted likewise (a quoted `"1.0"` passes either way). The server
    /// takes a quoted `ver` from a client registering as 1.0 whatever this says
    /// ([`Config::for_links_of`]).
    pub quoted_ver: bool,
    /// `ver` on object instance links (`</3/0>;ver=1.1`), where only object links may carry it.
    pub ver_on_instance_links: bool,
    /// A TLV answer to an instance or resource read inside an Object Instance wrapper.
    pub instance_wrapped_resource: bool,
    /// A multiple resource sent as a single value (TLV `c1 06 00` for /3/0/6): read as its
    /// instance 0.
    pub single_for_multiple: bool,
    /// `lwm2m=1.0.0` (three parts) at Register, where §5.3.1 has `1.0`.
    pub three_part_version: bool,
    /// A legacy LwM2M JSON base name without its trailing `/` (`"bn":"/3/0","n":"1"`).
    pub base_name_without_slash: bool,
    /// A link-format body that opens with the enabler version alone, `lwm2m="1.0",</0/0>,...`
    /// (Anjay's LwM2M 1.0 Bootstrap-Discover answer), where 1.1 writes `</>;lwm2m=1.1`: read
    /// as that root link.
    pub bare_enabler_version: bool,
}

impl Config {
    /// The specification, nothing more.
    pub const STRICT: Config = Config {
        integer_for_float: false,
        quoted_ver: false,
        ver_on_instance_links: false,
        instance_wrapped_resource: false,
        single_for_multiple: false,
        three_part_version: false,
        base_name_without_slash: false,
        bare_enabler_version: false,
    };

    /// Every tolerance this crate knows.
    pub const LENIENT: Config = Config {
        integer_for_float: true,
        quoted_ver: true,
        ver_on_instance_links: true,
        instance_wrapped_resource: true,
        single_for_multiple: true,
        three_part_version: true,
        base_name_without_slash: true,
        bare_enabler_version: true,
    };
}
