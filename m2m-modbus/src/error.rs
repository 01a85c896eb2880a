//! The error vocabulary of m2m-modbus: [`Error`] for decoding and encoding PDUs and ADUs,
//! [`FrameError`] for the stream framings.

use core::num::NonZeroUsize;

use m2m_core::{BufferTooSmall, ErrorKind, ProtocolError, TrailingBytes, Truncated};

/// What a byte count may be: the `expected` of [`Error::ByteCount`]. Written as `6`,
/// `at least 12`, `2 to 250` or `2 to 250 in steps of 2` (the counts `min`, `min + step`, ...
/// up to `max`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Count {
    /// Exactly this many bytes (what the quantity or the other fields make it).
    Exactly(usize),
    /// At least this many bytes: what the records of a counted list read so far need (a file
    /// record whose own length runs past the byte count). It may be more than a count can be.
    AtLeast(usize),
    /// From `min` to `max` bytes, in steps of `step` from `min` (1: every count in between).
    Between {
        /// The smallest count.
        min: usize,
        /// The largest count.
        max: usize,
        /// The step between two allowed counts (at least 1).
        step: usize,
    },
}

impl Count {
    /// Every count from `min` to `max`.
    #[must_use]
    pub const fn range(min: usize, max: usize) -> Self {
        Count::Between { min, max, step: 1 }
    }

    /// The counts `min`, `min + step`, ... up to `max` (an even count: `min` 2, `step` 2).
    #[must_use]
    pub const fn stepped(min: usize, max: usize, step: usize) -> Self {
        Count::Between { min, max, step }
    }

    /// Whether `n` is one of these counts.
    #[must_use]
    pub const fn allows(&self, n: usize) -> bool {
        match *self {
            Count::Exactly(e) => n == e,
            Count::AtLeast(e) => n >= e,
            Count::Between { min, max, step } => {
                n >= min && n <= max && (step <= 1 || (n - min) % step == 0)
            }
        }
    }
}

impl core::fmt::Display for Count {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Count::Exactly(n) => write!(f, "{n}"),
            Count::AtLeast(n) => write!(f, "at least {n}"),
            Count::Between { min, max, step } if step <= 1 => write!(f, "{min} to {max}"),
            Count::Between { min, max, step } => write!(f, "{min} to {max} in steps of {step}"),
        }
    }
}

/// Why a PDU or ADU is not valid, or cannot be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The input ends before the PDU does.
    #[error("truncated at byte {offset}: {needed} more bytes needed")]
    Truncated {
        /// Offset where the failed read started.
        offset: usize,
        /// How many bytes were missing.
        needed: usize,
    },
    /// The PDU (its fixed fields, or what its counts announce) runs past the end of its frame,
    /// a frame whose length is known (the MBAP length, the CR LF of ASCII, the CRC of RTU): a
    /// malformed frame, not one still arriving ([`Error::Truncated`]).
    #[error("the PDU runs past the end of its frame at byte {offset}: {needed} more bytes")]
    Overrun {
        /// Offset where the failed read started.
        offset: usize,
        /// How many bytes it lacked.
        needed: usize,
    },
    /// Bytes follow a complete PDU.
    #[error("{len} trailing bytes at byte {offset}")]
    TrailingBytes {
        /// Offset of the first extra byte.
        offset: usize,
        /// How many.
        len: usize,
    },
    /// 0x00, or an exception byte where a function code is required.
    #[error("invalid function code 0x{code:02X}")]
    InvalidFunction {
        /// The byte.
        code: u8,
    },
    /// A quantity outside the range the specification allows for this function.
    #[error("quantity {quantity} out of range {min}..={max} for function 0x{function:02X}")]
    Quantity {
        /// The function code.
        function: u8,
        /// The quantity.
        quantity: usize,
        /// Smallest allowed.
        min: u16,
        /// Largest allowed.
        max: u16,
    },
    /// A byte count that contradicts the quantity or the specification.
    #[error(
        "byte count {actual} at byte {offset} (expected {expected}) for function 0x{function:02X}"
    )]
    ByteCount {
        /// The function code.
        function: u8,
        /// Offset of the byte count field.
        offset: usize,
        /// What the frame says.
        actual: usize,
        /// What it may be.
        expected: Count,
    },
    /// A field value the specification does not allow (FC05 value other than 0x0000/0xFF00,
    /// a file record reference type other than 6, a read device id code outside 1..=4, ...).
    #[error("invalid {field} 0x{value:X} at byte {offset}")]
    Value {
        /// Which field.
        field: &'static str,
        /// Its value.
        value: u16,
        /// Offset of the field.
        offset: usize,
    },
    /// A PDU longer than 253 bytes.
    #[error("PDU of {len} bytes (at most 253)")]
    PduTooLong {
        /// Its length.
        len: usize,
    },
    /// MBAP protocol identifier other than 0.
    #[error("MBAP protocol id {value} (Modbus is 0)")]
    ProtocolId {
        /// The value.
        value: u16,
    },
    /// MBAP length field outside 2..=254, or not equal to the bytes that follow.
    #[error("{}", MbapLengthText(*value, *actual))]
    MbapLength {
        /// The field.
        value: u16,
        /// Bytes actually following the length field.
        actual: usize,
    },
    /// The CRC-16 of an RTU frame does not match.
    #[error("CRC mismatch: frame says 0x{found:04X}, computed 0x{computed:04X}")]
    Crc {
        /// CRC carried by the frame.
        found: u16,
        /// CRC of the bytes.
        computed: u16,
    },
    /// An RTU frame whose length only its CRC gives (Diagnostics 00 00, a function code of
    /// the user's) whose CRC checks nowhere within the longest frame, 256 bytes: too long,
    /// or corrupt.
    #[error("no CRC checks within the longest RTU frame (256 bytes)")]
    NoCrc,
    /// The LRC of an ASCII frame does not match.
    #[error("LRC mismatch: frame says 0x{found:02X}, computed 0x{computed:02X}")]
    Lrc {
        /// LRC carried by the frame.
        found: u8,
        /// LRC of the bytes.
        computed: u8,
    },
    /// A serial address 248..=255 (reserved) in strict mode.
    #[error("reserved serial address {address}")]
    Address {
        /// The address.
        address: u8,
    },
    /// An ASCII frame that is not `:` hex-pairs CR LF.
    #[error("bad ASCII frame at byte {offset}")]
    Ascii {
        /// Offset of the offending character.
        offset: usize,
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

impl From<Truncated> for Error {
    fn from(t: Truncated) -> Self {
        Error::Truncated {
            offset: t.offset,
            needed: t.needed,
        }
    }
}

impl From<TrailingBytes> for Error {
    fn from(t: TrailingBytes) -> Self {
        Error::TrailingBytes {
            offset: t.offset,
            len: t.len,
        }
    }
}

impl From<BufferTooSmall> for Error {
    fn from(b: BufferTooSmall) -> Self {
        Error::BufferTooSmall {
            needed: b.needed,
            available: b.available,
        }
    }
}

/// The message of [`Error::MbapLength`]: the range when the field is outside it, the count
/// of the bytes that follow otherwise.
struct MbapLengthText(u16, usize);

impl core::fmt::Display for MbapLengthText {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let MbapLengthText(value, actual) = *self;
        if (2..=254).contains(&value) {
            write!(
                f,
                "MBAP length {value} for {actual} bytes of unit id and PDU"
            )
        } else {
            write!(
                f,
                "MBAP length {value} outside 2..=254 (a unit id and a PDU of 1 to 253 bytes; \
                 {actual} bytes follow)"
            )
        }
    }
}

impl ProtocolError for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::Truncated { .. } => ErrorKind::Truncated,
            Error::Crc { .. } | Error::NoCrc | Error::Lrc { .. } => ErrorKind::Checksum,
            Error::BufferTooSmall { .. } => ErrorKind::Capacity,
            Error::TrailingBytes { .. }
            | Error::InvalidFunction { .. }
            | Error::Quantity { .. }
            | Error::ByteCount { .. }
            | Error::Overrun { .. }
            | Error::Value { .. }
            | Error::PduTooLong { .. }
            | Error::ProtocolId { .. }
            | Error::MbapLength { .. }
            | Error::Address { .. }
            | Error::Ascii { .. } => ErrorKind::Malformed,
        }
    }

    fn offset(&self) -> Option<usize> {
        match *self {
            Error::Truncated { offset, .. }
            | Error::Overrun { offset, .. }
            | Error::TrailingBytes { offset, .. }
            | Error::ByteCount { offset, .. }
            | Error::Value { offset, .. }
            | Error::Ascii { offset } => Some(offset),
            _ => None,
        }
    }
}

/// Why the bytes at the head of a stream buffer cannot start a frame.
///
/// On serial framings (RTU, ASCII) every error carries how many bytes to drop
/// ([`ProtocolError::skip`]) so that the reader resynchronises without losing a good frame that
/// follows. On Modbus/TCP a bad MBAP header means the connection is out of step: `skip` is
/// `None` and the connection should be closed (Messaging on TCP/IP Implementation Guide §4.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[error("{error}")]
pub struct FrameError {
    /// What is wrong.
    pub error: Error,
    skip: usize,
}

impl FrameError {
    /// An error that cannot be recovered by skipping (a TCP stream out of step).
    #[must_use]
    pub const fn fatal(error: Error) -> Self {
        FrameError { error, skip: 0 }
    }

    /// An error recovered by dropping `skip` bytes (at least one).
    #[must_use]
    pub const fn skip_by(error: Error, skip: usize) -> Self {
        FrameError {
            error,
            skip: if skip == 0 { 1 } else { skip },
        }
    }

    /// Bytes to drop before looking for the next frame; 0 when the stream cannot resync.
    #[must_use]
    pub const fn skip_len(&self) -> usize {
        self.skip
    }
}

impl ProtocolError for FrameError {
    fn kind(&self) -> ErrorKind {
        self.error.kind()
    }
    fn offset(&self) -> Option<usize> {
        self.error.offset()
    }
    fn skip(&self) -> Option<NonZeroUsize> {
        NonZeroUsize::new(self.skip)
    }
}
