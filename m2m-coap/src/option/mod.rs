//! Options: the header nibbles and their extensions (RFC 7252 §3.1), the one option iterator of
//! the crate, the registry ([`number`]) and the typed values ([`value`]).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub mod number;
pub(crate) mod scan;
pub mod value;

pub use number::{Format, NOT_PERFORMED, OptionDef, OptionNumber, REGISTRY};

use crate::error::Reason;

/// One option of a message (RFC 7252 §3.1): its number and its value, borrowed from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CoapOption<'a> {
    /// The option number.
    pub number: OptionNumber,
    /// The value bytes.
    pub value: &'a [u8],
}

impl<'a> CoapOption<'a> {
    /// The value as an unsigned integer (RFC 7252 §3.2: big-endian, leading zeros allowed), if
    /// it has at most 4 bytes.
    #[must_use]
    pub fn uint(&self) -> Option<u32> {
        value::decode_uint(self.value)
    }

    /// The value as UTF-8 text, if it is.
    #[must_use]
    pub fn str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.value).ok()
    }
}

/// An option read by [`step_extended`]: its number, the delta that led to it, its value, and
/// what follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step<'a> {
    pub(crate) number: u16,
    pub(crate) delta: u32,
    pub(crate) value: &'a [u8],
    pub(crate) rest: &'a [u8],
}

/// For each first byte of an option without extension bytes (both nibbles 0-12, the common
/// option): its length nibble, plus [`REPEAT`] when its delta is 0. For one whose delta alone
/// has extension bytes (nibble 13 or 14, length nibble 0-12, the commonest after it): its length
/// nibble plus [`DELTA8`] or [`DELTA16`]. [`NOT_SHORT`] for any other byte (the length has
/// extension bytes, a nibble is the reserved 15, or it is the payload marker). One load instead
/// of two compares, and the parser's registry screen takes its bit index from it.
#[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)] // compile time, b < 256
static HEAD: [u8; 256] = {
    let mut t = [NOT_SHORT; 256];
    let mut b = 0;
    while b < 256 {
        let (dn, len) = (b >> 4, (b & 0x0f) as u8);
        if len < 13 {
            t[b] = match dn {
                0 => len | REPEAT,
                1..=12 => len,
                13 => len | DELTA8,
                14 => len | DELTA16,
                _ => NOT_SHORT,
            };
        }
        b += 1;
    }
    t
};

/// In a [`HEAD`] entry: the delta is 0 (the option repeats the one before it, or is option 0).
pub(crate) const REPEAT: u8 = 16;

/// In a [`HEAD`] entry: the delta is one extension byte (13-268); every common option's entry
/// is below it.
pub(crate) const DELTA8: u8 = 32;

/// In a [`HEAD`] entry: the delta is two extension bytes (269-65804).
pub(crate) const DELTA16: u8 = 64;

/// The [`HEAD`] entry of a byte that starts no option of the forms above.
pub(crate) const NOT_SHORT: u8 = 0xff;

/// The [`HEAD`] entry of `b`.
#[inline(always)]
pub(crate) fn head(b: u8) -> u8 {
    HEAD.get(usize::from(b)).copied().unwrap_or(NOT_SHORT)
}

/// The [`HEAD`] entry of `b`: its length nibble and [`REPEAT`], if `b` starts an option without
/// extension bytes (RFC 7252 §3.1); `None` if extension bytes follow it or it has a reserved
/// nibble 15.
#[inline(always)]
pub(crate) fn short_head(b: u8) -> Option<u8> {
    let h = head(b);
    (h < DELTA8).then_some(h)
}

/// The extension bytes of a delta or length (RFC 7252 §3.1), at the head of `ext`: one byte
/// standing for 13 more than its value (nibble 13), or with `wide` two big-endian bytes standing
/// for 269 more (nibble 14). Returns the value and what follows the extension; `None` if `ext`
/// is too short. The one place the crate's readers take this rule from.
#[inline(always)]
pub(crate) fn extension(ext: &[u8], wide: bool) -> Option<(u32, &[u8])> {
    if wide {
        let (&x, rest) = ext.split_first_chunk::<2>()?;
        Some((u32::from(u16::from_be_bytes(x)).saturating_add(269), rest))
    } else {
        let (&x, rest) = ext.split_first()?;
        Some((u32::from(x).saturating_add(13), rest))
    }
}

/// [`extension`] at `at` in `buf`, returning the position after it.
#[inline(always)]
pub(crate) fn extension_at(buf: &[u8], at: usize, wide: bool) -> Option<(u32, usize)> {
    let (value, _) = extension(buf.get(at..)?, wide)?;
    Some((value, at.checked_add(if wide { 2 } else { 1 })?))
}

/// Reads a delta or length from its `nibble` (RFC 7252 §3.1): 0-12 is the value, 13 and 14 take
/// their extension (see [`extension_at`]) from `at` in `buf`. Returns the value and the position
/// after it; `None` on the reserved 15 or if `buf` ends first.
#[inline(always)]
pub(crate) fn nibble_value_at(buf: &[u8], at: usize, nibble: u8) -> Option<(u32, usize)> {
    match nibble {
        0..=12 => Some((u32::from(nibble), at)),
        13 => extension_at(buf, at, false),
        14 => extension_at(buf, at, true),
        _ => None,
    }
}

/// [`nibble_value_at`] the head of `ext`, returning what follows (see [`missing`] for why it
/// failed).
#[inline(always)]
pub(crate) fn nibble_value(ext: &[u8], nibble: u8) -> Option<(u32, &[u8])> {
    match nibble {
        0..=12 => Some((u32::from(nibble), ext)),
        13 => extension(ext, false),
        14 => extension(ext, true),
        _ => None,
    }
}

/// How many bytes `buf` lacks, from `at`, for an [`extension_at`] there (0 if it has them).
pub(crate) fn extension_missing(buf: &[u8], at: usize, wide: bool) -> usize {
    let wants: usize = if wide { 2 } else { 1 };
    wants.saturating_sub(buf.len().saturating_sub(at))
}

/// How many bytes `ext` lacks for the extension of `nibble`: 0 when it has them, or when the
/// nibble takes none (0-12, or the reserved 15).
fn missing(ext: &[u8], nibble: u8) -> usize {
    match nibble {
        13 | 14 => extension_missing(ext, 0, nibble == 14),
        _ => 0,
    }
}

/// [`nibble_value`] for a caller that reports errors: `reserved` on nibble 15, or how many
/// bytes are missing, at the offset in `buf` where they are.
#[inline(always)]
fn field<'a>(
    buf: &[u8],
    ext: &'a [u8],
    nibble: u8,
    reserved: Reason,
) -> Result<(u32, &'a [u8]), (Reason, usize)> {
    nibble_value(ext, nibble).ok_or_else(|| match missing(ext, nibble) {
        0 => (reserved, 0),
        needed => (
            Reason::Truncated { needed },
            buf.len().saturating_sub(ext.len()),
        ),
    })
}

/// Reads an option with extension bytes (a delta or length nibble of 13 or 14, RFC 7252 §3.1)
/// at the head of `buf`: `b` is its first byte, `rest` what follows it. The hot loops read the
/// common option themselves and call this out of line. On an error, returns the reason and the
/// offset in `buf` of the field it concerns.
#[inline]
pub(crate) fn step_extended<'a>(
    buf: &'a [u8],
    rest: &'a [u8],
    b: u8,
    prev: u16,
) -> Result<Step<'a>, (Reason, usize)> {
    let (delta, rest) = field(buf, rest, b >> 4, Reason::OptionDelta)?;
    let (len, rest) = field(buf, rest, b & 0x0f, Reason::OptionLength)?;
    let Ok(number) = u16::try_from(u32::from(prev).saturating_add(delta)) else {
        return Err((Reason::OptionNumber, 0));
    };
    let Some((value, tail)) = rest.split_at_checked(len as usize) else {
        let needed = (len as usize).saturating_sub(rest.len());
        return Err((
            Reason::Truncated { needed },
            buf.len().saturating_sub(rest.len()),
        ));
    };
    Ok(Step {
        number,
        delta,
        value,
        rest: tail,
    })
}

/// The options of a message, in order, borrowed from it. Each step is O(1); nothing allocates.
///
/// It walks bytes that the message's parser (or builder) has already validated, so it never
/// meets an error; if it were given bytes that were not, it would stop at the first bad one.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    rest: &'a [u8],
    prev: u16,
}

impl<'a> Options<'a> {
    /// The options of a validated option area (no payload marker inside).
    pub(crate) const fn new(buf: &'a [u8]) -> Self {
        Options { rest: buf, prev: 0 }
    }

    /// The options with this number, in order.
    pub fn with(self, number: OptionNumber) -> impl Iterator<Item = &'a [u8]> + Clone {
        self.skip_while(move |o| o.number < number)
            .take_while(move |o| o.number == number)
            .map(|o| o.value)
    }

    /// An option with extension bytes, whose first byte `b` has been taken off `rest`. Bytes
    /// that the parser has validated always read; anything else ends the iteration.
    #[inline]
    fn next_extended(&mut self, b: u8, rest: &'a [u8]) -> Option<CoapOption<'a>> {
        if b & 0x0f < 13 {
            // Only the delta has extension bytes (`b` is no common option, so its delta nibble
            // is 13 or more): the commonest of these options.
            if b >= 0xf0 {
                return None;
            }
            let (delta, rest) = extension(rest, b >= 0xe0)?;
            let number = u16::try_from(u32::from(self.prev).saturating_add(delta)).ok()?;
            let (value, rest) = rest.split_at_checked(usize::from(b & 0x0f))?;
            self.rest = rest;
            self.prev = number;
            return Some(CoapOption {
                number: OptionNumber(number),
                value,
            });
        }
        // The length has extension bytes (its nibble is 13 or more). The reserved 15 ends the
        // iteration; it is told from 14 after the read (either way the result is `None`), which
        // compiles to fewer instructions.
        let (delta, rest) = nibble_value(rest, b >> 4)?;
        let (len, rest) = extension(rest, b & 0x0f != 13)?;
        if b & 0x0f == 15 {
            return None;
        }
        let number = u16::try_from(u32::from(self.prev).saturating_add(delta)).ok()?;
        let (value, rest) = rest.split_at_checked(len as usize)?;
        self.rest = rest;
        self.prev = number;
        Some(CoapOption {
            number: OptionNumber(number),
            value,
        })
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = CoapOption<'a>;

    #[inline]
    fn next(&mut self) -> Option<CoapOption<'a>> {
        let (&b, tail) = self.rest.split_first()?;
        if short_head(b).is_none() {
            return self.next_extended(b, tail);
        }
        let (value, rest) = tail.split_at_checked(usize::from(b) & 0x0f)?;
        let number = self.prev.checked_add(u16::from(b) >> 4)?;
        self.rest = rest;
        self.prev = number;
        Some(CoapOption {
            number: OptionNumber(number),
            value,
        })
    }
}

impl core::iter::FusedIterator for Options<'_> {}

/// Bytes of one option: its header, extensions and value (RFC 7252 §3.1).
#[inline(always)]
pub(crate) fn encoded_len(delta: u16, len: usize) -> usize {
    let ext = |v: usize| usize::from(v >= 13).saturating_add(usize::from(v >= 269));
    1usize
        .saturating_add(ext(usize::from(delta)))
        .saturating_add(ext(len))
        .saturating_add(len)
}

/// An option header (RFC 7252 §3.1) built in a register: its `n` bytes, big-endian in the low
/// bytes of the word, and `n`. `delta` and `len` must be below 65805.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // v <= 12 in that arm
pub(crate) fn header(delta: u32, len: u32) -> (u64, usize) {
    // Each field: its nibble, its extension's value and the extension's width in bits.
    let field = |v: u32| -> (u8, u64, u32) {
        match v {
            0..=12 => (v as u8, 0, 0),
            13..=268 => (13, u64::from(v.wrapping_sub(13)), 8),
            _ => (14, u64::from(v.wrapping_sub(269) & 0xffff), 16),
        }
    };
    let (dn, dv, db) = field(delta);
    let (ln, lv, lb) = field(len);
    let ext = db.wrapping_add(lb);
    let word = u64::from((dn << 4) | ln).wrapping_shl(ext) | dv.wrapping_shl(lb) | lv;
    (word, 1usize.wrapping_add((ext / 8) as usize))
}

/// Writes the low `out.len()` (1-8) bytes of `word`, big-endian, as two stores of the widest
/// size that fits, overlapping when the length is not a power of two.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // the bytes wanted of each shifted word
pub(crate) fn put_word(out: &mut [u8], word: u64) {
    let n = out.len();
    let bits = |k: usize| 8u32.wrapping_mul(n.wrapping_sub(k) as u32);
    if n >= 4 {
        if let Some(d) = out.first_chunk_mut::<4>() {
            *d = (word.wrapping_shr(bits(4)) as u32).to_be_bytes();
        }
        if let Some(d) = out.last_chunk_mut::<4>() {
            *d = (word as u32).to_be_bytes();
        }
    } else if n >= 2 {
        if let Some(d) = out.first_chunk_mut::<2>() {
            *d = (word.wrapping_shr(bits(2)) as u16).to_be_bytes();
        }
        if let Some(d) = out.last_chunk_mut::<2>() {
            *d = (word as u16).to_be_bytes();
        }
    } else if let Some(d) = out.first_mut() {
        *d = word as u8;
    }
}

/// Writes an option header at the start of `out` and returns its length; `None` if `out` is
/// too short. `delta` and `len` must be below 65805.
#[inline(always)]
pub(crate) fn write_header(out: &mut [u8], delta: u32, len: u32) -> Option<usize> {
    let (word, n) = header(delta, len);
    put_word(out.get_mut(..n)?, word);
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(buf: &[u8], prev: u16) -> Result<Step<'_>, (Reason, usize)> {
        let (&b, tail) = buf.split_first().unwrap();
        step_extended(buf, tail, b, prev)
    }

    #[test]
    fn extensions() {
        // Delta 13 + 0xff = 268, length 14 + 0x0000 = 269 (value runs past the end).
        assert_eq!(
            step(&[0xde, 0xff, 0, 0], 0),
            Err((Reason::Truncated { needed: 269 }, 4))
        );
        assert_eq!(step(&[0xe0, 0xff, 0xff], 0), Err((Reason::OptionNumber, 0)));
        assert_eq!(step(&[0xe0, 0xfe, 0xf2], 0).unwrap().number, 65535);
        assert_eq!(step(&[0xd3, 0x00, 1, 2, 3, 4], 1).unwrap().number, 14);
        assert_eq!(step(&[0xd3, 0x00, 1, 2, 3, 4], 1).unwrap().rest, &[4]);
        assert_eq!(step(&[0xf1], 0), Err((Reason::OptionDelta, 0)));
        assert_eq!(step(&[0x1f], 0), Err((Reason::OptionLength, 0)));
        assert_eq!(step(&[0xd0], 0), Err((Reason::Truncated { needed: 1 }, 1)));
        assert_eq!(
            step(&[0x0e, 1], 0),
            Err((Reason::Truncated { needed: 1 }, 1))
        );
    }

    #[test]
    fn heads_of_every_byte() {
        for b in 0..=255u8 {
            let (dn, ln) = (b >> 4, b & 0x0f);
            let want = match (dn, ln) {
                (0, 0..=12) => ln | REPEAT,
                (1..=12, 0..=12) => ln,
                (13, 0..=12) => ln | DELTA8,
                (14, 0..=12) => ln | DELTA16,
                _ => NOT_SHORT,
            };
            assert_eq!(head(b), want, "{b:#04x}");
            // The forms are told apart by comparisons, as the scan and the iterator do.
            let h = head(b);
            assert_eq!(h < DELTA8, dn <= 12 && ln <= 12, "{b:#04x}");
            let one = (DELTA8..DELTA16).contains(&h);
            assert_eq!(one, dn == 13 && ln <= 12, "{b:#04x}");
            let two = (DELTA16..NOT_SHORT).contains(&h);
            assert_eq!(two, dn == 14 && ln <= 12, "{b:#04x}");
        }
    }

    #[test]
    fn iterator_on_unchecked_bytes_ends_where_the_general_step_fails() {
        // The iterator only ever gets validated areas, but on any bytes it must stop (never
        // panic, never read past the end) where the error-reporting step fails, and agree
        // with it where it succeeds: every first byte with an extension or a reserved nibble,
        // followed by 0 to 3 bytes of a few kinds.
        let mut tails: std::vec::Vec<std::vec::Vec<u8>> = [
            &[][..],
            &[0x00],
            &[0xff],
            &[0x00, 0x00],
            &[0x01, 0x02],
            &[0xff, 0xff],
            &[0x00, 0x01, 0x41],
            &[0x00, 0x00, 0x41],
        ]
        .iter()
        .map(|t| t.to_vec())
        .collect();
        // Extension bytes then a value that fits, for each arrangement of 13 and 14 (a length
        // of 18 = 13 + 5, or 269 = 269 + 0).
        for (ext, value) in [
            (&[0x05][..], 18),
            (&[0x00, 0x05], 18),
            (&[0x00, 0x00, 0x05], 18),
            (&[0x00, 0x00], 269),
            (&[0x00, 0x00, 0x00], 269),
            (&[0x00, 0x00, 0x00, 0x00], 269),
        ] {
            let mut t = ext.to_vec();
            t.resize(ext.len() + value, 0x41);
            tails.push(t);
        }
        for b in 0..=255u8 {
            if b >> 4 < 13 && b & 0x0f < 13 {
                continue;
            }
            for tail in &tails {
                let mut buf = std::vec![b];
                buf.extend_from_slice(tail);
                let got = Options::new(&buf).next();
                match step(&buf, 0) {
                    Ok(s) => {
                        let o = got.unwrap_or_else(|| panic!("{buf:02x?}"));
                        assert_eq!((o.number.0, o.value), (s.number, s.value), "{buf:02x?}");
                    }
                    Err(_) => assert_eq!(got, None, "{buf:02x?}"),
                }
                if b & 0x0f == 15 || b >> 4 == 15 {
                    assert_eq!(got, None, "{buf:02x?}");
                }
            }
        }
        // A reserved length nibble with fewer than the two bytes it would read.
        assert_eq!(Options::new(&[0xdf]).next(), None);
        assert_eq!(Options::new(&[0xef, 0x00]).next(), None);
    }

    #[test]
    fn short_heads() {
        for b in 0..=255u8 {
            let short = b >> 4 < 13 && b & 0x0f < 13;
            let repeat = if b >> 4 == 0 { REPEAT } else { 0 };
            assert_eq!(
                short_head(b),
                short.then_some(b & 0x0f | repeat),
                "{b:#04x}"
            );
        }
    }

    #[test]
    #[allow(clippy::cast_possible_truncation)] // len <= 300
    fn iterates_every_nibble_form() {
        // Every delta and length nibble form: 0-12, 13 (one byte), 14 (two bytes).
        for (delta, len) in [
            (0u16, 0usize),
            (1, 12),
            (12, 1),
            (13, 0),
            (268, 13),
            (269, 268),
            (1000, 269),
            (65535, 300),
        ] {
            let mut area = [0u8; 5 + 300 + 2];
            let n = write_header(&mut area, u32::from(delta), len as u32).unwrap();
            area[n..n + len].fill(0x5a);
            // Then a short option of delta 0 and length 1.
            area[n + len] = 0x01;
            let area = &mut area[..n + len + 2];
            let got: std::vec::Vec<_> = Options::new(area)
                .map(|o| (o.number.0, o.value.len()))
                .collect();
            assert_eq!(got, [(delta, len), (delta, 1)], "{delta} {len}");
            // Cut short anywhere: the iteration ends, without panicking, at the cut option.
            for cut in 0..area.len() {
                let n_full = Options::new(&area[..cut]).count();
                assert!(n_full <= 1, "{delta} {len} {cut}");
            }
        }
        // Reserved nibbles and the payload marker end the iteration.
        for b in [0xf0u8, 0x0f, 0xff, 0xdf, 0xef] {
            assert_eq!(Options::new(&[b, 0, 0, 0]).count(), 0, "{b:#04x}");
        }
        // A number past 65535 ends it too.
        assert_eq!(Options::new(&[0xe0, 0xfe, 0xf2, 0x10]).count(), 1);
        assert_eq!(Options::new(&[0xe0, 0xfe, 0xf2, 0xd0, 0x00]).count(), 1);
    }

    #[test]
    fn iterates() {
        // Uri-Host "localhost" (delta 3, length 9), Uri-Path "tv1" (delta 8, length 3), then
        // option 300 (delta 289: extended) with 2 bytes.
        let buf = b"\x39localhost\x83tv1\xe2\x00\x14ab";
        let got: std::vec::Vec<_> = Options::new(buf).map(|o| (o.number.0, o.value)).collect();
        assert_eq!(got, [(3, &b"localhost"[..]), (11, b"tv1"), (300, b"ab")]);
    }

    #[test]
    fn headers_round_trip() {
        for delta in [0u32, 12, 13, 268, 269, 1000, 65535] {
            for len in [0u32, 12, 13, 268, 269, 65804] {
                let mut out = [0u8; 5];
                let n = write_header(&mut out, delta, len).unwrap();
                let ext = |v: u32| usize::from(v >= 13) + usize::from(v >= 269);
                assert_eq!(n, 1 + ext(delta) + ext(len));
                let (d, rest) = nibble_value(&out[1..], out[0] >> 4).unwrap();
                let (l, rest) = nibble_value(rest, out[0] & 15).unwrap();
                assert_eq!((d, l, 5 - rest.len()), (delta, len, n));
            }
        }
        assert_eq!(write_header(&mut [0u8; 2], 269, 0), None);
    }

    #[test]
    #[allow(clippy::cast_possible_truncation)] // values in range of each field
    fn headers_are_the_bytes_of_rfc7252() {
        // Each field written out by RFC 7252 §3.1: a nibble, then 0, 1 (value - 13) or 2
        // (value - 269, big-endian) extension bytes, the delta's before the length's.
        let field = |v: u32| -> (u8, std::vec::Vec<u8>) {
            match v {
                0..=12 => (v as u8, std::vec![]),
                13..=268 => (13, std::vec![(v - 13) as u8]),
                _ => (14, ((v - 269) as u16).to_be_bytes().to_vec()),
            }
        };
        let mut values: std::vec::Vec<u32> = (0..=300).collect();
        values.extend([1000, 4095, 65535, 65536, 65804]);
        for &delta in &values {
            for &len in &values {
                let (dn, dx) = field(delta);
                let (ln, lx) = field(len);
                let mut want = std::vec![(dn << 4) | ln];
                want.extend(dx);
                want.extend(lx);
                let (word, m) = header(delta, len);
                assert_eq!(m, want.len(), "{delta} {len}");
                assert_eq!(word >> (8 * m), 0, "{delta} {len}");
                let mut out = [0xeeu8; 6];
                assert_eq!(write_header(&mut out, delta, len), Some(m));
                assert_eq!(out[..m], want[..], "{delta} {len}");
                assert!(out[m..].iter().all(|&b| b == 0xee), "{delta} {len}");
                // Too short by one byte: nothing.
                assert_eq!(write_header(&mut out[..m - 1], delta, len), None);
            }
        }
    }

    #[test]
    fn put_word_writes_the_low_bytes_of_every_length() {
        let word = 0x0102_0304_0506_0708u64;
        for n in 1..=8 {
            let mut out = [0xeeu8; 10];
            put_word(&mut out[1..1 + n], word);
            assert_eq!(out[1..1 + n], word.to_be_bytes()[8 - n..], "{n}");
            assert!(
                out[0] == 0xee && out[1 + n..].iter().all(|&b| b == 0xee),
                "{n}"
            );
        }
    }
}
