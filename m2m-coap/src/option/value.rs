//! Typed option values: unsigned integers (RFC 7252 §3.2), Block1/Block2 (RFC 7959 §2.2, BERT of
//! RFC 8323 §6), No-Response (RFC 7967 §2), the OSCORE option (RFC 8613 §6.1) and Observe
//! freshness (RFC 7641 §3.4).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::code::Code;

/// An unsigned integer value of at most 4 bytes, big-endian; leading zero bytes are accepted
/// (RFC 7252 §3.2: a recipient must read them), so `[]` and `[0]` are both 0.
#[must_use]
#[inline]
pub fn decode_uint(value: &[u8]) -> Option<u32> {
    match *value {
        [] => Some(0),
        [a] => Some(u32::from(a)),
        [a, b] => Some(u32::from(u16::from_be_bytes([a, b]))),
        [a, b, c] => Some(u32::from_be_bytes([0, a, b, c])),
        [a, b, c, d] => Some(u32::from_be_bytes([a, b, c, d])),
        _ => None,
    }
}

/// The minimal encoding of `v` (0 is the empty value): 4 bytes of which the last `n` are it.
#[must_use]
#[inline]
pub const fn encode_uint(v: u32) -> ([u8; 4], usize) {
    // ceil((32 - leading zeros) / 8), as (39 - leading zeros) / 8: no underflow, at most 32
    // leading zeros.
    let n = (39u32.wrapping_sub(v.leading_zeros()) / 8) as usize;
    (v.to_be_bytes(), n)
}

/// Why a typed option value is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ValueError {
    /// A value longer than its format allows.
    #[error("value of {0} bytes is too long")]
    Length(usize),
    /// SZX 7 outside BERT (reserved over UDP, RFC 7959 §2.2).
    #[error("block size exponent 7 is reserved")]
    Szx,
    /// Reserved bits set, or a reserved field value.
    #[error("reserved bits or values set")]
    Reserved,
    /// The value ends inside a field it announces.
    #[error("value ends inside a field it announces")]
    Truncated,
}

/// A Block1 or Block2 option value (RFC 7959 §2.2): the block number, whether more blocks follow,
/// and the size exponent. Over TCP/WebSocket, SZX 7 is BERT (RFC 8323 §6): 1024-byte blocks,
/// several per message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Block {
    /// Block number (20 bits).
    pub num: u32,
    /// More blocks follow (M).
    pub more: bool,
    /// Size exponent: the block is 2^(SZX+4) bytes; 7 is BERT.
    pub szx: u8,
}

impl Block {
    /// The largest block number (20 bits).
    pub const MAX_NUM: u32 = (1 << 20) - 1;

    /// A block of `size` bytes (16, 32, ..., 1024), if it is one of those.
    #[must_use]
    pub const fn with_size(num: u32, more: bool, size: u16) -> Option<Self> {
        let szx = match size {
            16 => 0,
            32 => 1,
            64 => 2,
            128 => 3,
            256 => 4,
            512 => 5,
            1024 => 6,
            _ => return None,
        };
        if num > Self::MAX_NUM {
            return None;
        }
        Some(Block { num, more, szx })
    }

    /// Reads the value; `bert` allows SZX 7 (CoAP over TCP/WebSocket with BERT negotiated).
    pub fn decode(value: &[u8], bert: bool) -> Result<Self, ValueError> {
        if value.len() > 3 {
            return Err(ValueError::Length(value.len()));
        }
        let v = decode_uint(value).ok_or(ValueError::Length(value.len()))?;
        let szx = (v & 0x07) as u8;
        if szx == 7 && !bert {
            return Err(ValueError::Szx);
        }
        Ok(Block {
            num: v >> 4,
            more: v & 0x08 != 0,
            szx,
        })
    }

    /// The option value as an integer (encode it with [`encode_uint`]).
    #[must_use]
    pub const fn to_uint(self) -> u32 {
        ((self.num & Self::MAX_NUM) << 4) | ((self.more as u32) << 3) | (self.szx as u32 & 0x07)
    }

    /// The block size in bytes (1024 for BERT).
    #[must_use]
    pub const fn size(self) -> usize {
        if self.szx >= 6 { 1024 } else { 16 << self.szx }
    }

    /// Byte offset of the block in the whole body: `num * size` (for BERT, in 1024-byte units).
    #[must_use]
    pub const fn offset(self) -> usize {
        (self.num as usize).saturating_mul(self.size())
    }

    /// SZX 7: BERT (RFC 8323 §6).
    #[must_use]
    pub const fn is_bert(self) -> bool {
        self.szx == 7
    }
}

/// The No-Response option value (RFC 7967 §2.1): which classes of response the client does not
/// want. 0 (also the empty value) means it wants every response. Only the bits of 2.xx (2),
/// 4.xx (8) and 5.xx (16) mean anything; the others are ignored, so a value with an unassigned
/// bit still suppresses the classes of the assigned bits it has ([`NoResponse::suppresses`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NoResponse(pub u8);

impl NoResponse {
    /// Not interested in 2.xx responses (bit value 2).
    pub const SUCCESS: u8 = 0x02;
    /// Not interested in 4.xx responses (bit value 8).
    pub const CLIENT_ERROR: u8 = 0x08;
    /// Not interested in 5.xx responses (bit value 16).
    pub const SERVER_ERROR: u8 = 0x10;

    /// Reads the value (0 or 1 byte).
    pub fn decode(value: &[u8]) -> Result<Self, ValueError> {
        match *value {
            [] => Ok(NoResponse(0)),
            [b] => Ok(NoResponse(b)),
            _ => Err(ValueError::Length(value.len())),
        }
    }

    /// Whether a response with this code is suppressed (RFC 7967 §2.1): its class's bit is set.
    /// No bit stands for a class other than 2, 4 and 5.
    #[must_use]
    pub const fn suppresses(self, code: Code) -> bool {
        match code.class() {
            2 => self.0 & Self::SUCCESS != 0,
            4 => self.0 & Self::CLIENT_ERROR != 0,
            5 => self.0 & Self::SERVER_ERROR != 0,
            _ => false,
        }
    }
}

/// The OSCORE option value (RFC 8613 §6.1), borrowed: flag byte, Partial IV, kid context, kid.
/// No cryptography: this is the compressed COSE header a proxy or a logger can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Oscore<'a> {
    /// Partial IV, 0-5 bytes.
    pub partial_iv: &'a [u8],
    /// kid context, when the h flag is set.
    pub kid_context: Option<&'a [u8]>,
    /// kid, when the k flag is set.
    pub kid: Option<&'a [u8]>,
}

impl<'a> Oscore<'a> {
    /// Reads the option value. The empty value is all flags zero; a value that is all flags
    /// zero written out is [`ValueError::Reserved`] (RFC 8613 §6.1: it SHALL be empty).
    pub fn decode(value: &'a [u8]) -> Result<Self, ValueError> {
        let Some((&flags, mut rest)) = value.split_first() else {
            return Ok(Oscore::default());
        };
        if flags & 0xe0 != 0 || (flags == 0 && rest.is_empty()) {
            return Err(ValueError::Reserved);
        }
        let n = usize::from(flags & 0x07);
        if n > 5 {
            return Err(ValueError::Reserved);
        }
        let partial_iv = rest.get(..n).ok_or(ValueError::Truncated)?;
        rest = rest.get(n..).unwrap_or_default();
        let kid_context = if flags & 0x10 != 0 {
            let (&s, tail) = rest.split_first().ok_or(ValueError::Truncated)?;
            let s = usize::from(s);
            let ctx = tail.get(..s).ok_or(ValueError::Truncated)?;
            rest = tail.get(s..).unwrap_or_default();
            Some(ctx)
        } else {
            None
        };
        let kid = if flags & 0x08 != 0 {
            Some(rest)
        } else if rest.is_empty() {
            None
        } else {
            // Bytes that no flag announces.
            return Err(ValueError::Reserved);
        };
        Ok(Oscore {
            partial_iv,
            kid_context,
            kid,
        })
    }

    /// Bytes of the encoded value (0 when every field is absent).
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        if self.partial_iv.is_empty() && self.kid_context.is_none() && self.kid.is_none() {
            return 0;
        }
        1usize
            .saturating_add(self.partial_iv.len())
            .saturating_add(self.kid_context.map_or(0, |c| c.len().saturating_add(1)))
            .saturating_add(self.kid.map_or(0, <[u8]>::len))
    }

    /// Writes the value into `out`; returns its length, or `None` when `out` is too short or a
    /// field is too long (Partial IV over 5 bytes, kid context over 255).
    pub fn encode(&self, out: &mut [u8]) -> Option<usize> {
        let len = self.buffer_len();
        if len == 0 {
            return Some(0);
        }
        if self.partial_iv.len() > 5 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)] // at most 5, checked above
        let mut flags = self.partial_iv.len() as u8;
        let mut w = m2m_core::Writer::new(out);
        if self.kid.is_some() {
            flags |= 0x08;
        }
        if self.kid_context.is_some() {
            flags |= 0x10;
        }
        w.put(&[flags]).ok()?;
        w.put(self.partial_iv).ok()?;
        if let Some(ctx) = self.kid_context {
            w.put(&[u8::try_from(ctx.len()).ok()?]).ok()?;
            w.put(ctx).ok()?;
        }
        if let Some(kid) = self.kid {
            w.put(kid).ok()?;
        }
        Some(len)
    }
}

/// Observe sequence numbers are 24 bits (RFC 7641 §3.4).
pub const OBSERVE_MODULUS: u32 = 1 << 24;

/// Whether a notification with Observe value `v2`, received at `t2_ms`, is newer than one with
/// `v1` received at `t1_ms` (RFC 7641 §3.4): the 24-bit values are compared with wrap-around,
/// and any notification more than 128 seconds later is newer whatever its value.
#[must_use]
pub const fn is_fresher(v1: u32, t1_ms: u64, v2: u32, t2_ms: u64) -> bool {
    const HALF: u32 = 1 << 23;
    let (v1, v2) = (v1 % OBSERVE_MODULUS, v2 % OBSERVE_MODULUS);
    (v1 < v2 && v2.wrapping_sub(v1) < HALF)
        || (v1 > v2 && v1.wrapping_sub(v2) > HALF)
        || t2_ms > t1_ms.saturating_add(128_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uints() {
        assert_eq!(decode_uint(&[]), Some(0));
        assert_eq!(decode_uint(&[0, 0, 1]), Some(1));
        assert_eq!(decode_uint(&[1, 2, 3, 4]), Some(0x0102_0304));
        assert_eq!(decode_uint(&[1, 2, 3, 4, 5]), None);
        for v in [
            0u32,
            1,
            255,
            256,
            65535,
            65536,
            0xff_ffff,
            0x100_0000,
            u32::MAX,
        ] {
            let (b, n) = encode_uint(v);
            assert_eq!(decode_uint(&b[4 - n..]), Some(v));
            assert!(n == 0 || b[4 - n] != 0, "minimal");
        }
    }

    #[test]
    fn blocks() {
        // RFC 7959 §2.2: NUM 2, M 1, SZX 2 (64 bytes) is 0x2a.
        let b = Block::decode(&[0x2a], false).unwrap();
        assert_eq!(
            b,
            Block {
                num: 2,
                more: true,
                szx: 2
            }
        );
        assert_eq!(b.size(), 64);
        assert_eq!(b.offset(), 128);
        assert_eq!(b.to_uint(), 0x2a);
        assert_eq!(Block::decode(&[0x07], false), Err(ValueError::Szx));
        assert!(Block::decode(&[0x07], true).unwrap().is_bert());
        assert_eq!(
            Block::decode(&[1, 2, 3, 4], false),
            Err(ValueError::Length(4))
        );
        assert_eq!(
            Block::with_size(Block::MAX_NUM, false, 1024)
                .unwrap()
                .to_uint(),
            0xff_fff6
        );
        assert_eq!(Block::with_size(1, false, 100), None);
    }

    #[test]
    fn no_response() {
        let n = NoResponse::decode(&[0x1a]).unwrap();
        assert!(n.suppresses(Code::CONTENT) && n.suppresses(Code::NOT_FOUND));
        assert!(n.suppresses(Code::INTERNAL_SERVER_ERROR));
        assert!(!NoResponse(0x02).suppresses(Code::NOT_FOUND));
        // Empty: interested in everything.
        assert_eq!(NoResponse::decode(&[]), Ok(NoResponse(0)));
        assert!(!NoResponse(0).suppresses(Code::CONTENT));
        // Unassigned bits (1, 4, 32, 64, 128) mean nothing; the assigned ones still count.
        let odd = NoResponse(0xe5);
        assert!(!odd.suppresses(Code::CONTENT) && !odd.suppresses(Code::NOT_FOUND));
        assert!(!odd.suppresses(Code::INTERNAL_SERVER_ERROR));
        assert!(NoResponse(0x03).suppresses(Code::CHANGED));
        assert!(!NoResponse(0x03).suppresses(Code::BAD_REQUEST));
    }

    #[test]
    fn oscore() {
        // RFC 8613 §6.3 example: Partial IV 0x05, kid 0x25: flags 0x09.
        let v = Oscore::decode(&[0x09, 0x05, 0x25]).unwrap();
        assert_eq!(v.partial_iv, &[5]);
        assert_eq!(v.kid, Some(&[0x25][..]));
        assert_eq!(v.kid_context, None);
        let mut out = [0u8; 8];
        assert_eq!(v.encode(&mut out), Some(3));
        assert_eq!(&out[..3], &[0x09, 0x05, 0x25]);
        // kid context: h flag, length byte.
        let v = Oscore::decode(&[0x19, 0x14, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
        assert_eq!(v.kid_context, Some(&[1, 2, 3, 4, 5, 6, 7, 8][..]));
        assert_eq!(v.kid, Some(&[][..]));
        assert_eq!(Oscore::decode(&[]), Ok(Oscore::default()));
        assert_eq!(
            Oscore::decode(&[0x06, 0, 0, 0, 0, 0, 0]),
            Err(ValueError::Reserved)
        );
        assert_eq!(Oscore::decode(&[0x20]), Err(ValueError::Reserved));
        // All flags zero is the empty value, never a byte of zeros (RFC 8613 §6.1).
        assert_eq!(Oscore::decode(&[0x00]), Err(ValueError::Reserved));
        assert_eq!(Oscore::decode(&[0x02, 0]), Err(ValueError::Truncated));
        assert_eq!(Oscore::decode(&[0x10, 4, 0]), Err(ValueError::Truncated));
        assert_eq!(Oscore::decode(&[0x01, 0, 7]), Err(ValueError::Reserved));
    }

    #[test]
    fn freshness() {
        // RFC 7641 §3.4: wrap-around at 2^24, and 128 s make any value newer.
        assert!(is_fresher(1, 0, 2, 0));
        assert!(!is_fresher(2, 0, 1, 0));
        assert!(is_fresher(OBSERVE_MODULUS - 1, 0, 0, 0));
        assert!(!is_fresher(0, 0, OBSERVE_MODULUS - 1, 0));
        assert!(is_fresher(5, 0, 4, 128_001));
        assert!(!is_fresher(5, 0, 4, 128_000));
    }
}
