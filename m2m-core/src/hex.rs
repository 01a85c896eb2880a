//! Hexadecimal text, as the command line and the test vectors use it.
//!
//! Decoding ignores ASCII whitespace (so `"01 03\n00 6b"` is fine) and accepts either case;
//! encoding writes lowercase.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use crate::codec::BufferTooSmall;
use crate::error::{ErrorKind, ProtocolError};
use crate::wire::Writer;

/// Why a text is not hexadecimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum HexError {
    /// A character that is neither a hex digit nor whitespace, at this byte offset of the text.
    #[error("invalid hex character {ch:?} at offset {offset}")]
    InvalidChar {
        /// Byte offset in the text.
        offset: usize,
        /// The character.
        ch: char,
    },
    /// An odd number of hex digits; the last one starts at this offset.
    #[error("odd number of hex digits (the last one at offset {offset})")]
    OddLength {
        /// Byte offset in the text of the unpaired digit.
        offset: usize,
    },
    /// The output buffer was too small.
    #[error(transparent)]
    BufferTooSmall(#[from] BufferTooSmall),
}

impl ProtocolError for HexError {
    fn kind(&self) -> ErrorKind {
        match self {
            HexError::InvalidChar { .. } | HexError::OddLength { .. } => ErrorKind::Malformed,
            HexError::BufferTooSmall(_) => ErrorKind::Capacity,
        }
    }
    fn offset(&self) -> Option<usize> {
        match self {
            HexError::InvalidChar { offset, .. } | HexError::OddLength { offset } => Some(*offset),
            HexError::BufferTooSmall(_) => None,
        }
    }
}

const fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c.wrapping_sub(b'0')),
        b'a'..=b'f' => Some(c.wrapping_sub(b'a').wrapping_add(10)),
        b'A'..=b'F' => Some(c.wrapping_sub(b'A').wrapping_add(10)),
        _ => None,
    }
}

/// Calls `emit` with each byte of the hex `text`; whitespace between digits is ignored.
fn for_each_byte(
    text: &str,
    mut emit: impl FnMut(u8) -> Result<(), BufferTooSmall>,
) -> Result<(), HexError> {
    let mut high: Option<(usize, u8)> = None;
    for (offset, ch) in text.char_indices() {
        if ch.is_ascii_whitespace() {
            continue;
        }
        let n = u8::try_from(ch)
            .ok()
            .and_then(nibble)
            .ok_or(HexError::InvalidChar { offset, ch })?;
        match high.take() {
            None => high = Some((offset, n)),
            Some((_, h)) => emit((h << 4) | n)?,
        }
    }
    match high {
        Some((offset, _)) => Err(HexError::OddLength { offset }),
        None => Ok(()),
    }
}

/// Decodes hex `text` into `out`, returning the number of bytes written.
pub fn decode_into(text: &str, out: &mut [u8]) -> Result<usize, HexError> {
    let mut w = Writer::new(out);
    for_each_byte(text, |b| w.u8(b))?;
    Ok(w.finish())
}

/// Decodes hex `text` into a new `Vec`.
#[cfg(feature = "alloc")]
pub fn decode(text: &str) -> Result<alloc::vec::Vec<u8>, HexError> {
    let mut out = alloc::vec::Vec::with_capacity(text.len() / 2);
    for_each_byte(text, |b| {
        out.push(b);
        Ok(())
    })?;
    Ok(out)
}

/// Displays bytes as lowercase hex without separators: `format!("{}", Hex(&[0xab, 1]))` is `"ab01"`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Hex<'a>(pub &'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Encodes bytes as a lowercase hex `String`.
#[cfg(feature = "alloc")]
#[must_use]
pub fn encode(bytes: &[u8]) -> alloc::string::String {
    use alloc::string::ToString;
    Hex(bytes).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_with_whitespace_and_case() {
        let mut out = [0u8; 4];
        assert_eq!(decode_into("0a Bc\n\tDE f0", &mut out), Ok(4));
        assert_eq!(out, [0x0a, 0xbc, 0xde, 0xf0]);
    }

    #[test]
    fn reports_offsets() {
        let mut out = [0u8; 4];
        assert_eq!(
            decode_into("00 0g", &mut out),
            Err(HexError::InvalidChar { offset: 4, ch: 'g' })
        );
        assert_eq!(
            decode_into("00 0", &mut out),
            Err(HexError::OddLength { offset: 3 })
        );
        assert_eq!(
            decode_into("é0", &mut out),
            Err(HexError::InvalidChar {
                offset: 0, ch: 'é'
            })
        );
        assert!(matches!(
            decode_into("0000000000", &mut out),
            Err(HexError::BufferTooSmall(_))
        ));
    }

    #[test]
    fn displays_lowercase() {
        assert_eq!(std::format!("{}", Hex(&[0xab, 0x01, 0xff])), "ab01ff");
        assert_eq!(encode(&[0x00, 0x7f]), "007f");
        assert_eq!(decode("AB01 ff").unwrap(), [0xab, 0x01, 0xff]);
    }
}
