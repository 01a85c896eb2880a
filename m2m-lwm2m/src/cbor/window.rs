//! A record's short pieces of CBOR written in place, into a [`Sink::window`].
//!
//! A SenML record is a handful of short pieces (its map head, the name's key, head and
//! digits, a small value, a short string). Written one by one through [`Sink::put`], each
//! pays a bounds check, a copy and an error path. Written here, each byte is one store: the
//! window is a fixed-size array, and its index is masked to stay inside it, so no byte is
//! checked. The caller checks once, with [`Window::fits`], that what it wrote stayed in the
//! window, and only then moves the sink past it ([`Sink::advance`]); until then nothing counts
//! as written, and a record that does not fit is written the long way over the same bytes.
//!
//! [`Sink::window`]: crate::sink::Sink::window
//! [`Sink::advance`]: crate::sink::Sink::advance
//! [`Sink::put`]: crate::sink::Sink::put
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::path::id_len;
use crate::sink::WINDOW;

/// Bytes being written into a window of the output.
#[derive(Debug)]
pub(crate) struct Window<'w> {
    buf: &'w mut [u8; WINDOW],
    /// Bytes written; more than [`WINDOW`] once something did not fit. (It grows by at most
    /// 24 bytes a call, over a few calls a record: it cannot wrap.)
    len: usize,
}

/// The mask that keeps an index in the window ([`WINDOW`] is a power of two).
const MASK: usize = WINDOW - 1;
const _: () = assert!(WINDOW.is_power_of_two());

impl<'w> Window<'w> {
    /// An empty window over `buf`.
    #[inline(always)]
    pub(crate) fn new(buf: &'w mut [u8; WINDOW]) -> Self {
        Window { buf, len: 0 }
    }

    /// Whether everything written stayed in the window.
    #[inline(always)]
    pub(crate) const fn fits(&self) -> bool {
        self.len <= WINDOW
    }

    /// The bytes written so far.
    #[inline(always)]
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// Appends one byte (past the window's end it lands at its start, and [`Window::fits`]
    /// turns false).
    #[inline(always)]
    pub(crate) fn byte(&mut self, b: u8) {
        if let Some(d) = self.buf.get_mut(self.len & MASK) {
            *d = b;
        }
        self.len = self.len.wrapping_add(1);
    }

    /// Appends two bytes.
    #[inline(always)]
    pub(crate) fn pair(&mut self, a: u8, b: u8) {
        self.byte(a);
        self.byte(b);
    }

    /// Appends `src` (what does not fit is counted, not written).
    #[inline(always)]
    pub(crate) fn bytes(&mut self, src: &[u8]) {
        if let Some(d) = self.buf.get_mut(self.len..) {
            m2m_core::copy_short(d, src);
        }
        self.len = self.len.wrapping_add(src.len());
    }

    /// Appends a head in its preferred (shortest) form (RFC 8949 §4.2.1), as
    /// [`super::head`] writes it.
    #[inline(always)]
    pub(crate) fn head(&mut self, major: u8, v: u64) {
        let m = major << 5;
        let [b0, b1, b2, b3, b4, b5, b6, b7] = v.to_be_bytes();
        match v {
            #[allow(clippy::cast_possible_truncation)]
            0..=23 => self.byte(m | v as u8),
            0x18..=0xff => self.pair(m | 24, b7),
            0x100..=0xffff => {
                self.byte(m | 25);
                self.pair(b6, b7);
            }
            0x1_0000..=0xffff_ffff => self.bytes(&[m | 26, b4, b5, b6, b7]),
            _ => self.bytes(&[m | 27, b0, b1, b2, b3, b4, b5, b6, b7]),
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
        let n = id_len(id);
        let mut x = id;
        for k in (0..n).rev() {
            #[allow(clippy::cast_possible_truncation)]
            let digit = (x % 10) as u8;
            if let Some(d) = self.buf.get_mut(self.len.wrapping_add(k) & MASK) {
                *d = b'0' | digit;
            }
            x /= 10;
        }
        self.len = self.len.wrapping_add(n);
    }

    /// Puts `b` at byte `at`, written already.
    #[inline(always)]
    pub(crate) fn set(&mut self, at: usize, b: u8) {
        if at < self.len {
            if let Some(d) = self.buf.get_mut(at & MASK) {
                *d = b;
            }
        }
    }

    /// The bytes written (those that fit).
    #[cfg(test)]
    fn written(&self) -> &[u8] {
        self.buf.get(..self.len.min(WINDOW)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::sink::{Sink, Slice};
    extern crate std;
    use std::vec::Vec;

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
                let mut buf = [0u8; WINDOW];
                let mut w = Window::new(&mut buf);
                w.byte(0xee);
                w.head(major, v);
                assert!(w.fits());
                let want = by_writer(|s| super::super::head(s, major, v));
                assert_eq!(&w.written()[1..], &want[..], "{major} {v}");
            }
        }
        for v in [0i64, 23, 24, -1, -24, -25, -256, -257, i64::MIN, i64::MAX] {
            let mut buf = [0u8; WINDOW];
            let mut w = Window::new(&mut buf);
            w.int(v);
            assert_eq!(w.written(), by_writer(|s| super::super::int(s, v)), "{v}");
        }
    }

    #[test]
    fn ids_in_decimal() {
        for id in [
            0u16, 7, 9, 10, 42, 99, 100, 999, 1000, 9999, 10000, 65534, 65535,
        ] {
            let mut buf = [0u8; WINDOW];
            let mut w = Window::new(&mut buf);
            w.byte(b'/');
            w.id(id);
            assert_eq!(w.written(), std::format!("/{id}").as_bytes());
        }
        let mut buf = [0u8; WINDOW];
        let mut w = Window::new(&mut buf);
        w.byte(0xa2);
        w.id(3303);
        w.byte(b'/');
        w.id(0);
        assert_eq!(w.written(), b"\xa23303/0");
    }

    #[test]
    fn an_overflow_is_seen_and_set_patches_a_written_byte() {
        let mut buf = [0u8; WINDOW];
        let mut w = Window::new(&mut buf);
        w.bytes(&[1; WINDOW - 2]);
        w.pair(2, 3);
        assert!(w.fits());
        assert_eq!(w.len(), WINDOW);
        w.byte(4);
        assert!(!w.fits());

        for over in [1usize, 5, 17] {
            let mut buf = [0u8; WINDOW];
            let mut w = Window::new(&mut buf);
            w.bytes(&[9; WINDOW - 3]);
            w.bytes(&[5; 20][..3 + over]);
            assert!(!w.fits());
            assert_eq!(w.len(), WINDOW + over);
            let mut buf = [0u8; WINDOW];
            let mut w = Window::new(&mut buf);
            w.bytes(&[9; WINDOW - 3]);
            w.id(12345);
            w.head(0, u64::MAX);
            assert!(!w.fits());
        }

        let mut buf = [0u8; WINDOW];
        let mut w = Window::new(&mut buf);
        w.pair(0x00, 0x60);
        w.id(12345);
        w.set(1, 0x65);
        assert_eq!(w.written(), b"\x00\x6512345");
        w.set(9, 1); // not written: ignored
        assert_eq!(w.written(), b"\x00\x6512345");
    }
}
