//! One error vocabulary for the whole family.
//!
//! Each protocol crate has its own rich, `Copy` error enums; they all implement
//! [`ProtocolError`], so adapters, metrics and the command line can treat them alike
//! (embedded-hal's shape).

use core::fmt::{Debug, Display};
use core::num::NonZeroUsize;

/// The generic class of a protocol error.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ErrorKind {
    /// A length or field points past the end of the input (a short datagram or frame).
    Truncated,
    /// The bytes contradict the specification (bad length field, illegal value, ...).
    Malformed,
    /// A CRC, LRC or other check value does not match.
    Checksum,
    /// Valid on the wire but not handled here (unknown version, unsupported feature).
    Unsupported,
    /// A buffer or a configured limit is too small.
    Capacity,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// A short lowercase name (`"truncated"`, `"checksum"`, ...), for logs and metrics.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Truncated => "truncated",
            ErrorKind::Malformed => "malformed",
            ErrorKind::Checksum => "checksum",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Capacity => "capacity",
            ErrorKind::Other => "other",
        }
    }
}

impl Display for ErrorKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Implemented by every error of every m2m protocol crate.
pub trait ProtocolError: Debug + Display {
    /// The generic class of this error.
    fn kind(&self) -> ErrorKind;

    /// Byte offset in the input where the problem was found, when known.
    fn offset(&self) -> Option<usize> {
        None
    }

    /// For framing errors on a stream that can resynchronise: how many bytes to drop before
    /// looking for the next frame. `None` means the stream cannot be recovered by skipping.
    fn skip(&self) -> Option<NonZeroUsize> {
        None
    }
}

impl<E: ProtocolError + ?Sized> ProtocolError for &E {
    fn kind(&self) -> ErrorKind {
        (**self).kind()
    }
    fn offset(&self) -> Option<usize> {
        (**self).offset()
    }
    fn skip(&self) -> Option<NonZeroUsize> {
        (**self).skip()
    }
}

impl ProtocolError for core::convert::Infallible {
    fn kind(&self) -> ErrorKind {
        match *self {}
    }
}
