//! The codec vocabulary shared by every protocol crate.
//!
//! Three layers, after smoltcp's `wire` module:
//! - a [`Framing`] answers, for stream transports only, whether a whole frame is buffered
//!   ([`Status::Complete`] with its length) or more bytes are needed ([`Status::Partial`]);
//! - [`Decode`] turns one complete frame into a repr that borrows from it;
//! - [`Encode`] writes a repr into a caller's buffer of at least [`Encode::buffer_len`] bytes.
//!
//! Incomplete input exists only at the framing layer, and it is never an error.

use core::num::NonZeroUsize;

use crate::error::{ErrorKind, ProtocolError};

/// How many more bytes a [`Framing`] needs before it can tell the length of the next frame.
///
/// A size is what the bytes so far say of themselves (a length field, a byte count): a corrupt
/// one can promise more than will ever come (an ASCII frame then ends at its CR LF sooner, a
/// serial line goes silent). Use it to reserve room or to size the next read, not to wait for
/// exactly that many bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Needed {
    /// More bytes are needed, but how many is not known yet.
    Unknown,
    /// At least this many more bytes are needed.
    Size(NonZeroUsize),
}

impl Needed {
    /// `Size(n)` for `n > 0`, `Unknown` for `n == 0`.
    #[must_use]
    pub const fn new(n: usize) -> Self {
        match NonZeroUsize::new(n) {
            Some(n) => Needed::Size(n),
            None => Needed::Unknown,
        }
    }

    /// The number of bytes still missing, if known.
    #[must_use]
    pub const fn size(self) -> Option<usize> {
        match self {
            Needed::Unknown => None,
            Needed::Size(n) => Some(n.get()),
        }
    }
}

/// The answer of a [`Framing`]: a complete value, or a partial one that needs more input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Status<T> {
    /// The value is complete.
    Complete(T),
    /// The input is a strict prefix of something that may still become valid.
    Partial(Needed),
}

impl<T> Status<T> {
    /// `true` for [`Status::Complete`].
    #[must_use]
    pub const fn is_complete(&self) -> bool {
        matches!(self, Status::Complete(_))
    }

    /// `true` for [`Status::Partial`].
    #[must_use]
    pub const fn is_partial(&self) -> bool {
        matches!(self, Status::Partial(_))
    }

    /// The complete value, if any.
    #[must_use]
    pub fn complete(self) -> Option<T> {
        match self {
            Status::Complete(t) => Some(t),
            Status::Partial(_) => None,
        }
    }

    /// Maps the complete value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Status<U> {
        match self {
            Status::Complete(t) => Status::Complete(f(t)),
            Status::Partial(n) => Status::Partial(n),
        }
    }
}

/// Frame boundaries on a stream transport (Modbus TCP/RTU/ASCII, CoAP over TCP, ...).
///
/// Datagram transports have no framing: a short datagram is malformed, not incomplete.
pub trait Framing {
    /// Why the bytes at the head of the buffer cannot start a frame.
    ///
    /// A framing that can resynchronise (a noisy serial line) reports through
    /// [`ProtocolError::skip`] how many bytes to drop before trying again.
    type Error: ProtocolError;

    /// Length of the frame at the start of `buf`.
    ///
    /// Contract: never returns `Err` for a strict prefix of a valid frame; a `Complete(n)` has
    /// `0 < n <= buf.len()`; never panics.
    fn frame_len(&self, buf: &[u8]) -> Result<Status<usize>, Self::Error>;
}

/// Decoding of one complete frame or datagram into a repr that borrows from it.
pub trait Decode<'a>: Sized {
    /// Why the bytes are not a valid value.
    type Error: ProtocolError;

    /// Decodes `frame`, which must be exactly one frame (trailing bytes are an error unless a
    /// protocol says otherwise). Never panics, never allocates.
    fn decode(frame: &'a [u8]) -> Result<Self, Self::Error>;
}

/// The output buffer was smaller than [`Encode::buffer_len`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[error("buffer too small: {needed} bytes needed, {available} available")]
pub struct BufferTooSmall {
    /// Bytes the whole encoding needs (at least).
    pub needed: usize,
    /// Bytes the buffer had.
    pub available: usize,
}

impl ProtocolError for BufferTooSmall {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Capacity
    }
}

/// Encoding into a caller's buffer.
///
/// Contract: `encode` into a buffer of at least `buffer_len()` bytes succeeds and returns
/// `buffer_len()`; into a smaller one it returns [`BufferTooSmall`] and may have written a prefix.
pub trait Encode {
    /// Exact number of bytes `encode` writes.
    fn buffer_len(&self) -> usize;

    /// Writes the encoding at the start of `out` and returns its length.
    fn encode(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall>;

    /// Encodes into a new `Vec` of exactly `buffer_len()` bytes.
    ///
    /// An `Err` here means the implementation broke its own `buffer_len` contract.
    #[cfg(feature = "alloc")]
    fn encode_to_vec(&self) -> Result<alloc::vec::Vec<u8>, BufferTooSmall> {
        let mut out = alloc::vec![0; self.buffer_len()];
        let n = self.encode(&mut out)?;
        out.truncate(n);
        Ok(out)
    }
}

/// Encodes `value` at the tail of `dst`, growing it by exactly `buffer_len()` bytes.
///
/// This is the one place where the tokio adapters of every protocol crate meet `bytes`.
#[cfg(feature = "bytes")]
pub fn encode_into_bytes<E: Encode + ?Sized>(
    value: &E,
    dst: &mut bytes::BytesMut,
) -> Result<usize, BufferTooSmall> {
    let start = dst.len();
    let len = value.buffer_len();
    dst.resize(start.saturating_add(len), 0);
    let tail = dst.get_mut(start..).unwrap_or_default();
    match value.encode(tail) {
        Ok(n) => {
            dst.truncate(start.saturating_add(n));
            Ok(n)
        }
        Err(e) => {
            dst.truncate(start);
            Err(e)
        }
    }
}

/// Error of [`decode_stream`]: the framing rejected the head of the buffer, or the frame it
/// delimited did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StreamError<F, D> {
    /// The framing error.
    #[error("framing: {0}")]
    Frame(F),
    /// The decode error of a frame of `len` bytes (skip `len` bytes to go on).
    #[error("frame of {len} bytes: {error}")]
    Decode {
        /// The decode error.
        error: D,
        /// Length of the frame that failed to decode.
        len: usize,
    },
}

impl<F: ProtocolError, D: ProtocolError> ProtocolError for StreamError<F, D> {
    fn kind(&self) -> ErrorKind {
        match self {
            StreamError::Frame(e) => e.kind(),
            StreamError::Decode { error, .. } => error.kind(),
        }
    }

    fn offset(&self) -> Option<usize> {
        match self {
            StreamError::Frame(e) => e.offset(),
            StreamError::Decode { error, .. } => error.offset(),
        }
    }

    fn skip(&self) -> Option<NonZeroUsize> {
        match self {
            StreamError::Frame(e) => e.skip(),
            StreamError::Decode { len, .. } => NonZeroUsize::new(*len),
        }
    }
}

/// What [`decode_stream`] returns: the value and the bytes it used, or "need more".
pub type StreamResult<'a, F, D> =
    Result<Status<(D, usize)>, StreamError<<F as Framing>::Error, <D as Decode<'a>>::Error>>;

/// Frames and decodes the value at the head of a stream buffer (httparse style).
///
/// Returns the value with the number of bytes it consumed, or `Partial` while the buffer holds
/// only a prefix of a frame. On a decode error the frame's length is in the error, so a caller
/// can drop that frame and go on with the next one.
pub fn decode_stream<'a, F, D>(framing: &F, buf: &'a [u8]) -> StreamResult<'a, F, D>
where
    F: Framing + ?Sized,
    D: Decode<'a>,
{
    let len = match framing.frame_len(buf).map_err(StreamError::Frame)? {
        Status::Complete(len) => len,
        Status::Partial(needed) => return Ok(Status::Partial(needed)),
    };
    // A framing that claims more than is buffered broke its contract; waiting for the rest is
    // the safe reading of that answer.
    let Some(frame) = buf.get(..len) else {
        return Ok(Status::Partial(Needed::new(len.saturating_sub(buf.len()))));
    };
    D::decode(frame)
        .map(|d| Status::Complete((d, len)))
        .map_err(|error| StreamError::Decode { error, len })
}

/// Error of a tokio-util codec over any m2m protocol: the transport failed, or the protocol
/// cannot go on (a stream out of step). Per-frame problems that a stream survives (a bad CRC on
/// a serial line) are not this error: codecs yield them as items.
#[cfg(feature = "std")]
#[derive(Debug, thiserror::Error)]
pub enum CodecError<E> {
    /// The I/O error of the transport.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A protocol error that ends the stream.
    #[error("protocol: {0}")]
    Protocol(E),
}

#[cfg(feature = "std")]
impl<E: ProtocolError> ProtocolError for CodecError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            CodecError::Io(_) => ErrorKind::Other,
            CodecError::Protocol(e) => e.kind(),
        }
    }
    fn offset(&self) -> Option<usize> {
        match self {
            CodecError::Io(_) => None,
            CodecError::Protocol(e) => e.offset(),
        }
    }
}
