//! CoAP over TCP and TLS (RFC 8323 §3.2): the length-prefixed frame and its stream [`Framing`].
//!
//! The first byte holds the length nibble and the token length; the length counts the options
//! and the payload, and is extended by 1, 2 or 4 bytes for nibbles 13, 14 and 15 (offsets 13,
//! 269 and 65805). Then come the code, the RFC 8974 token-length extension, and the token.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Needed, Status};

use crate::error::{Error, Reason, Transport};
use crate::option::{extension_at, extension_missing};

/// The default bound on one message: 1152 bytes is the RFC 8323 §5.3.1 default
/// Max-Message-Size; this framing allows what the peer may announce instead, up to 8 MiB by
/// default.
pub const DEFAULT_MAX_MESSAGE: usize = 8 << 20;

/// The options-and-payload length from the length nibble and its extension at `*pos`. On a
/// short buffer, `Err` holds how many more bytes the extension needs.
#[inline(always)]
pub(crate) fn length(buf: &[u8], pos: &mut usize, nibble: u8) -> Result<usize, usize> {
    let (len, end) = match nibble {
        0..=12 => return Ok(usize::from(nibble)),
        // 13 and 14 as an option's delta or length (RFC 7252 §3.1).
        13 | 14 => {
            let wide = nibble == 14;
            let Some((len, end)) = extension_at(buf, *pos, wide) else {
                return Err(extension_missing(buf, *pos, wide));
            };
            (len as usize, end)
        }
        // 15: four more bytes, 65805 more than their value.
        _ => {
            let end = pos.saturating_add(4);
            let Some(&[a, b, c, d]) = buf.get(*pos..end) else {
                return Err(end.saturating_sub(buf.len()));
            };
            let len = u32::from_be_bytes([a, b, c, d]) as usize;
            (len.saturating_add(65805), end)
        }
    };
    *pos = end;
    Ok(len)
}

/// Bytes of the length extension for an options-and-payload length of `len`.
#[allow(clippy::cast_possible_truncation)] // len <= 12 in that arm
pub(crate) const fn length_nibble(len: usize) -> (u8, usize) {
    match len {
        0..=12 => (len as u8, 0),
        13..=268 => (13, 1),
        269..=65804 => (14, 2),
        _ => (15, 4),
    }
}

/// Frames CoAP-over-TCP messages on a stream (RFC 8323 §3.2): `Complete(n)` when a whole
/// message of `n` bytes is buffered, `Partial` with the exact number of bytes missing, and an
/// error for a reserved token length or a message over the size bound, before any of it is
/// buffered. A stream that errs cannot be resynchronised: close it (RFC 8323 §5.6, Abort).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Framing {
    /// The largest message accepted (header included).
    pub max_message: usize,
    /// Whether RFC 8974 extended token lengths are accepted.
    pub extended_tokens: bool,
}

impl Default for Framing {
    fn default() -> Self {
        Framing::new()
    }
}

impl Framing {
    /// A framing with [`DEFAULT_MAX_MESSAGE`] and extended tokens.
    #[must_use]
    pub const fn new() -> Self {
        Framing {
            max_message: DEFAULT_MAX_MESSAGE,
            extended_tokens: true,
        }
    }

    /// A framing that refuses messages longer than `max` bytes.
    #[must_use]
    pub const fn with_max_message(max: usize) -> Self {
        Framing {
            max_message: max,
            extended_tokens: true,
        }
    }
}

impl m2m_core::Framing for Framing {
    type Error = Error;

    fn frame_len(&self, buf: &[u8]) -> Result<Status<usize>, Error> {
        let err = |reason, offset| Error {
            reason,
            offset,
            transport: Transport::Tcp,
            ty: None,
            code: None,
        };
        let Some(&b0) = buf.first() else {
            return Ok(Status::Partial(Needed::new(2)));
        };
        let tkl = b0 & 0x0f;
        let tkl_ext = match tkl {
            0..=8 => 0usize,
            9..=12 if self.extended_tokens => 0,
            13 if self.extended_tokens => 1,
            14 if self.extended_tokens => 2,
            _ => return Err(err(Reason::TokenLength(tkl), 0)),
        };
        let mut pos = 1;
        let len = match length(buf, &mut pos, b0 >> 4) {
            Ok(len) => len,
            Err(needed) => {
                // The code byte (and any token-length extension) follow the length extension.
                let more = needed.saturating_add(1).saturating_add(tkl_ext);
                return Ok(Status::Partial(Needed::new(more)));
            }
        };
        // Code, then the token-length extension.
        let ext_at = pos.saturating_add(1);
        let ext_end = ext_at.saturating_add(tkl_ext);
        let token = match tkl {
            0..=12 => usize::from(tkl),
            // 13 or 14 (checked above): the same extension bytes as an option's delta or length.
            _ => match extension_at(buf, ext_at, tkl == 14) {
                Some((len, _)) => len as usize,
                None => {
                    return Ok(Status::Partial(Needed::new(
                        ext_end.saturating_sub(buf.len()),
                    )));
                }
            },
        };
        let total = ext_end.saturating_add(token).saturating_add(len);
        if total > self.max_message {
            return Err(err(
                Reason::TooLong {
                    len: total,
                    max: self.max_message,
                },
                0,
            ));
        }
        if buf.len() < total {
            return Ok(Status::Partial(Needed::new(
                total.saturating_sub(buf.len()),
            )));
        }
        Ok(Status::Complete(total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use m2m_core::Framing as _;

    #[test]
    fn lengths() {
        let f = Framing::new();
        // Ping: Len 0, TKL 0, code 7.02.
        assert_eq!(f.frame_len(&[0x00, 0xe2]), Ok(Status::Complete(2)));
        assert_eq!(f.frame_len(&[0x00]), Ok(Status::Partial(Needed::new(1))));
        assert_eq!(f.frame_len(&[]), Ok(Status::Partial(Needed::new(2))));
        // Len 13 + 0x10 = 29 bytes of options and payload, TKL 2: 1 + 1 + 1 + 2 + 29 = 34.
        assert_eq!(
            f.frame_len(&[0xd2, 0x10, 0x45]),
            Ok(Status::Partial(Needed::new(31)))
        );
        // Len 14: 269 + 0x0001 = 270; header 1 + 2 + 1 = 4, total 274.
        assert_eq!(
            f.frame_len(&[0xe0, 0x00]),
            Ok(Status::Partial(Needed::new(2)))
        );
        assert_eq!(
            f.frame_len(&[0xe0, 0x00, 0x01]),
            Ok(Status::Partial(Needed::new(271)))
        );
        // Len 15: 65805 + 0; header 1 + 4 + 1 = 6.
        assert_eq!(
            f.frame_len(&[0xf0, 0, 0, 0, 0, 0x45]),
            Ok(Status::Partial(Needed::new(65805)))
        );
        // TKL 13 with its extension byte after the code: 13 + 2 = 15 bytes of token.
        assert_eq!(
            f.frame_len(&[0x0d, 0x45]),
            Ok(Status::Partial(Needed::new(1)))
        );
        assert_eq!(
            f.frame_len(&[0x0d, 0x45, 2]),
            Ok(Status::Partial(Needed::new(15)))
        );
        assert_eq!(
            f.frame_len(&[0x0f]).unwrap_err().reason,
            Reason::TokenLength(15)
        );
        assert_eq!(
            f.frame_len(&[0x09, 0x45]),
            Ok(Status::Partial(Needed::new(9)))
        );
        let no_ext = Framing {
            extended_tokens: false,
            ..Framing::new()
        };
        assert_eq!(
            no_ext.frame_len(&[0x09]).unwrap_err().reason,
            Reason::TokenLength(9)
        );
        let small = Framing::with_max_message(100);
        assert!(matches!(
            small.frame_len(&[0xe0, 0x00, 0x01]).unwrap_err().reason,
            Reason::TooLong { len: 274, max: 100 }
        ));
    }

    #[test]
    #[allow(clippy::cast_possible_truncation)] // each case is in range
    fn nibbles() {
        for len in [0usize, 12, 13, 268, 269, 65804, 65805, 1 << 20] {
            let (n, ext) = length_nibble(len);
            let mut buf = [0u8; 5];
            buf[0] = n << 4;
            let v = (len as u64).saturating_sub([0, 13, 269, 0, 65805][ext]);
            match ext {
                1 => buf[1] = v as u8,
                2 => buf[1..3].copy_from_slice(&(v as u16).to_be_bytes()),
                4 => buf[1..5].copy_from_slice(&(v as u32).to_be_bytes()),
                _ => {}
            }
            let mut pos = 1;
            assert_eq!(length(&buf, &mut pos, n), Ok(len));
            assert_eq!(pos, 1 + ext);
        }
    }
}
