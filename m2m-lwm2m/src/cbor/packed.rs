//! Up to 16 bytes of CBOR gathered on the stack, then written with one [`Sink::put`].
//!
//! A SenML record is a handful of short pieces (its map head, the name's key, head and
//! digits, a small value); written one by one, each pays a bounds check, a copy and an error
//! path. Gathered here first, the record's leading bytes cost one of each. Pieces that do not
//! fit mark the word as overflowed and the caller writes the record the long way instead:
//! nothing reaches the sink until [`Packed::put`].
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::Error;
use crate::path::id_len;
use crate::sink::Sink;

/// The bytes in a 16-byte array on the stack.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Packed {
    buf: [u8; 16],
    /// Bytes held; more than 16 once something did not fit.
    len: usize,
}

/// What `len` becomes when a piece does not fit.
const OVER: usize = 17;

impl Packed {
    /// Nothing yet.
    pub(crate) const fn new() -> Self {
        Packed {
            buf: [0; 16],
            len: 0,
        }
    }

    /// Whether every piece fitted.
    pub(crate) const fn fits(&self) -> bool {
        self.len <= 16
    }

    /// The bytes held (or counted) so far.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// Appends one byte.
    #[inline(always)]
    pub(crate) fn byte(&mut self, b: u8) {
        match self.buf.get_mut(self.len) {
            Some(d) => {
                *d = b;
                self.len = self.len.saturating_add(1);
            }
            None => self.len = OVER,
        }
    }

    /// Appends two bytes.
    #[inline(always)]
    pub(crate) fn pair(&mut self, a: u8, b: u8) {
        self.bytes(&[a, b]);
    }

    /// Appends `src`.
    #[inline(always)]
    fn bytes(&mut self, src: &[u8]) {
        let end = self.len.saturating_add(src.len());
        match self.buf.get_mut(self.len..end) {
            Some(d) => {
                d.copy_from_slice(src);
                self.len = end;
            }
            None => self.len = OVER,
        }
    }

    /// Appends a head in its preferred (shortest) form (RFC 8949 §4.2.1), as
    /// [`super::head`] writes it.
    #[inline(always)]
    pub(crate) fn head(&mut self, major: u8, v: u64) {
        let m = major << 5;
        let b = v.to_be_bytes();
        match v {
            #[allow(clippy::cast_possible_truncation)]
            0..=23 => self.byte(m | v as u8),
            0x18..=0xff => self.pair(m | 24, b[7]),
            0x100..=0xffff => self.bytes(&[m | 25, b[6], b[7]]),
            0x1_0000..=0xffff_ffff => self.bytes(&[m | 26, b[4], b[5], b[6], b[7]]),
            _ => {
                self.byte(m | 27);
                self.bytes(&b);
            }
        }
    }

    /// Appends a signed integer (major type 0 or 1), as [`super::int`] writes it.
    #[inline(always)]
    pub(crate) fn int(&mut self, v: i64) {
        match u64::try_from(v) {
            Ok(u) => self.head(0, u),
            // -1 - v, without overflow for i64::MIN.
            Err(_) => self.head(1, !(v as u64)),
        }
    }

    /// Appends `id` in decimal.
    #[inline(always)]
    pub(crate) fn id(&mut self, id: u16) {
        if id < 10 {
            #[allow(clippy::cast_possible_truncation)]
            return self.byte(b'0' | id as u8);
        }
        let end = self.len.saturating_add(id_len(id));
        let Some(digits) = self.buf.get_mut(self.len..end) else {
            self.len = OVER;
            return;
        };
        let mut x = id;
        for d in digits.iter_mut().rev() {
            #[allow(clippy::cast_possible_truncation)]
            let digit = (x % 10) as u8;
            *d = b'0' | digit;
            x /= 10;
        }
        self.len = end;
    }

    /// Puts `b` at byte `at` (held already).
    #[inline(always)]
    pub(crate) fn set(&mut self, at: usize, b: u8) {
        if at >= self.len {
            return;
        }
        if let Some(d) = self.buf.get_mut(at) {
            *d = b;
        }
    }

    /// Writes the bytes held into `s` (nothing when they did not fit: callers check
    /// [`Packed::fits`] first).
    #[inline(always)]
    pub(crate) fn put<S: Sink>(&self, s: &mut S) -> Result<(), Error> {
        s.put(self.buf.get(..self.len).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::Slice;
    extern crate std;
    use std::vec::Vec;

    fn bytes(p: &Packed) -> Vec<u8> {
        let mut out = [0u8; 16];
        let mut s = Slice::new(&mut out);
        p.put(&mut s).unwrap();
        let n = s.written();
        out[..n].to_vec()
    }

    fn by_writer(f: impl Fn(&mut Slice<'_>) -> Result<(), Error>) -> Vec<u8> {
        let mut out = [0u8; 32];
        let mut s = Slice::new(&mut out);
        f(&mut s).unwrap();
        let n = s.written();
        out[..n].to_vec()
    }

    #[test]
    fn heads_and_ints_as_the_writer_writes_them() {
        let values = [
            0u64,
            1,
            23,
            24,
            255,
            256,
            65535,
            65536,
            u64::from(u32::MAX),
            u64::from(u32::MAX) + 1,
            u64::MAX,
        ];
        for major in [0u8, 1, 3, 5] {
            for &v in &values {
                let mut p = Packed::new();
                p.head(major, v);
                assert!(p.fits());
                assert_eq!(bytes(&p), by_writer(|s| super::super::head(s, major, v)));
            }
        }
        for v in [0i64, 23, 24, -1, -24, -25, -256, -257, i64::MIN, i64::MAX] {
            let mut p = Packed::new();
            p.int(v);
            assert_eq!(bytes(&p), by_writer(|s| super::super::int(s, v)), "{v}");
        }
    }

    #[test]
    fn ids_in_decimal() {
        for id in [
            0u16, 7, 9, 10, 42, 99, 100, 999, 1000, 9999, 10000, 65534, 65535,
        ] {
            let mut p = Packed::new();
            p.id(id);
            assert_eq!(bytes(&p), std::format!("{id}").into_bytes());
        }
        let mut p = Packed::new();
        p.byte(0xa2);
        p.id(3303);
        p.byte(b'/');
        p.id(0);
        assert_eq!(bytes(&p), b"\xa23303/0");
    }

    #[test]
    fn overflow_is_sticky_and_set_patches_a_held_byte() {
        let mut p = Packed::new();
        for _ in 0..16 {
            p.byte(1);
        }
        assert!(p.fits());
        p.byte(2);
        assert!(!p.fits());
        p.set(0, 0x80);
        assert!(!p.fits());

        let mut p = Packed::new();
        p.pair(0x00, 0x60);
        p.id(12345);
        p.set(1, 0x65);
        assert_eq!(bytes(&p), b"\x00\x6512345");
        p.set(9, 1); // not held: ignored
        assert_eq!(p.len(), 7);
        let mut p = Packed::new();
        p.id(12345);
        p.head(0, u64::MAX);
        assert!(p.fits());
        assert_eq!(p.len(), 14);
        p.pair(1, 2);
        assert!(p.fits());
        p.id(12345);
        assert!(!p.fits());
    }
}
