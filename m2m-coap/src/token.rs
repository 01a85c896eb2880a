//! A token kept by value (RFC 7252 §5.3.1): what the endpoint and the observer lists store to
//! match responses and notifications to requests.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

/// A token of 0-8 bytes, stored inline. The extended tokens of RFC 8974 (longer) are not kept:
/// the endpoint treats them as RFC 7252 does, as a format error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Token {
    bytes: [u8; 8],
    len: u8,
}

impl Token {
    /// The longest token kept.
    pub const MAX: usize = 8;

    /// The token `t`, if it has at most 8 bytes.
    #[must_use]
    pub fn new(t: &[u8]) -> Option<Self> {
        let mut bytes = [0u8; 8];
        bytes.get_mut(..t.len())?.copy_from_slice(t);
        #[allow(clippy::cast_possible_truncation)] // at most 8
        Some(Token {
            bytes,
            len: t.len() as u8,
        })
    }

    /// Its bytes.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_to_eight_bytes() {
        assert_eq!(Token::new(b"").unwrap().as_slice(), b"");
        assert_eq!(Token::new(b"12345678").unwrap().as_slice(), b"12345678");
        assert_eq!(Token::new(b"123456789"), None);
        assert_ne!(Token::new(b"\0"), Token::new(b""));
    }
}
