//! The bounds-checked byte reader and writer that every protocol crate uses.
//!
//! No protocol crate indexes a slice by hand: every read goes through [`Reader`], which returns
//! [`Truncated`] (with the offset where the read started) instead of panicking, and every write
//! through [`Writer`], which returns [`BufferTooSmall`].
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::codec::BufferTooSmall;
use crate::error::{ErrorKind, ProtocolError};

/// A read ran past the end of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[error("truncated at byte {offset}: {needed} more bytes needed")]
pub struct Truncated {
    /// Offset (from the start of the reader's input) where the failed read started.
    pub offset: usize,
    /// How many bytes were missing for that read.
    pub needed: usize,
}

impl ProtocolError for Truncated {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Truncated
    }
    fn offset(&self) -> Option<usize> {
        Some(self.offset)
    }
}

/// A cursor over borrowed bytes. Reads advance it; failed reads leave it where it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

macro_rules! read_int {
    ($(#[$m:meta])* $name:ident, $peek:ident, $t:ty, $from:ident) => {
        $(#[$m])*
        #[inline]
        pub fn $name(&mut self) -> Result<$t, Truncated> {
            let v = self.$peek()?;
            self.pos = self.pos.saturating_add(core::mem::size_of::<$t>());
            Ok(v)
        }

        /// Like the read of the same type, without advancing.
        #[inline]
        pub fn $peek(&self) -> Result<$t, Truncated> {
            self.peek_array().map(<$t>::$from)
        }
    };
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    #[must_use]
    pub const fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Offset of the next byte to read, from the start of the input.
    #[must_use]
    pub const fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left to read.
    #[must_use]
    pub const fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// `true` when every byte has been read.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The whole input, read or not.
    #[must_use]
    pub const fn input(&self) -> &'a [u8] {
        self.buf
    }

    /// The unread bytes, without advancing.
    #[must_use]
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    fn truncated(&self, n: usize) -> Truncated {
        Truncated {
            offset: self.pos,
            needed: n.saturating_sub(self.remaining()),
        }
    }

    /// The next `n` bytes, without advancing.
    #[inline]
    pub fn peek(&self, n: usize) -> Result<&'a [u8], Truncated> {
        self.rest().get(..n).ok_or_else(|| self.truncated(n))
    }

    /// `n` bytes starting `at` bytes past the current position, without advancing. A
    /// [`Truncated`] error names where those bytes start.
    pub fn peek_at(&self, at: usize, n: usize) -> Result<&'a [u8], Truncated> {
        let short = |end: usize| Truncated {
            offset: self.pos.saturating_add(at),
            needed: end.saturating_sub(self.remaining()),
        };
        let end = at.checked_add(n).ok_or_else(|| short(usize::MAX))?;
        self.rest().get(at..end).ok_or_else(|| short(end))
    }

    /// The next `n` bytes, borrowed from the input.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        let out = self.peek(n)?;
        self.pos = self.pos.saturating_add(n);
        Ok(out)
    }

    /// Every unread byte; the reader is empty afterwards.
    pub fn take_rest(&mut self) -> &'a [u8] {
        let out = self.rest();
        self.pos = self.buf.len();
        out
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<(), Truncated> {
        self.take(n).map(|_| ())
    }

    /// The next `N` bytes as an array, without advancing.
    #[inline]
    pub fn peek_array<const N: usize>(&self) -> Result<[u8; N], Truncated> {
        let bytes = self.peek(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| self.truncated(N))
    }

    /// The next `N` bytes as an array.
    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Truncated> {
        let a = self.peek_array()?;
        self.pos = self.pos.saturating_add(N);
        Ok(a)
    }

    read_int!(
        /// One byte.
        u8, peek_u8, u8, from_be_bytes
    );
    read_int!(
        /// A big-endian (network order) `u16`.
        u16_be, peek_u16_be, u16, from_be_bytes
    );
    read_int!(
        /// A little-endian `u16`.
        u16_le, peek_u16_le, u16, from_le_bytes
    );
    read_int!(
        /// A big-endian `u32`.
        u32_be, peek_u32_be, u32, from_be_bytes
    );
    read_int!(
        /// A little-endian `u32`.
        u32_le, peek_u32_le, u32, from_le_bytes
    );
    read_int!(
        /// A big-endian `u64`.
        u64_be, peek_u64_be, u64, from_be_bytes
    );
    read_int!(
        /// A little-endian `u64`.
        u64_le, peek_u64_le, u64, from_le_bytes
    );

    /// A protobuf/LEB128 base-128 varint of at most 10 bytes, least significant group first.
    ///
    /// A tenth byte's bits above the 64th are dropped, as protobuf's C++, Java and Python
    /// runtimes drop them (Go's and prost refuse them).
    ///
    /// Errors: [`VarintError::Truncated`] when the input ends inside it, [`VarintError::Overlong`]
    /// when it runs past 10 bytes. A failed read does not advance.
    #[inline(always)]
    pub fn varint(&mut self) -> Result<u64, VarintError> {
        // Fast path, inlined at every call: one byte (field keys, short lengths, small values).
        if let Some(&b) = self.buf.get(self.pos) {
            if b < 0x80 {
                self.pos = self.pos.saturating_add(1);
                return Ok(u64::from(b));
            }
        }
        self.varint_long()
    }

    /// [`Reader::varint`] beyond one byte.
    #[inline(never)]
    fn varint_long(&mut self) -> Result<u64, VarintError> {
        let rest = self.rest();
        // Up to 8 bytes with 8 bytes at hand (timestamps, lengths, most values): one word, the
        // end found by the first clear high bit, the 7-bit groups packed by three shifts.
        if let Some((x, len)) = rest.first_chunk::<8>().and_then(varint_from_word) {
            self.pos = self.pos.saturating_add(len);
            return Ok(x);
        }
        let mut value = 0u64;
        let mut shift = 0u32;
        for (i, &b) in rest.iter().take(10).enumerate() {
            // i < 10, so the shift is at most 63: a tenth byte keeps its lowest bit alone.
            value |= u64::from(b & 0x7f) << shift;
            shift = shift.saturating_add(7);
            if b < 0x80 {
                self.pos = self.pos.saturating_add(i).saturating_add(1);
                return Ok(value);
            }
        }
        if rest.len() >= 10 {
            Err(VarintError::Overlong { offset: self.pos })
        } else {
            Err(VarintError::Truncated(
                self.truncated(rest.len().saturating_add(1)),
            ))
        }
    }

    /// `Ok(())` when every byte has been read; otherwise the offset of the first unread byte.
    pub fn finish(&self) -> Result<(), TrailingBytes> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(TrailingBytes {
                offset: self.pos,
                len: self.remaining(),
            })
        }
    }
}

/// Bytes were left over after a complete value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[error("{len} trailing bytes at byte {offset}")]
pub struct TrailingBytes {
    /// Offset of the first unread byte.
    pub offset: usize,
    /// How many bytes were left.
    pub len: usize,
}

impl ProtocolError for TrailingBytes {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Malformed
    }
    fn offset(&self) -> Option<usize> {
        Some(self.offset)
    }
}

/// The varint at the start of `word` (8 bytes of input) and its length, when it ends within
/// them (1 to 8 bytes); `None` when all eight bytes have their high bit set (a longer varint,
/// read byte by byte). The end is found by the first clear high bit and the 7-bit groups are
/// packed by three shifts, with no loop: [`Reader::varint`] uses it, and so can a hot path
/// that keeps its own position and wants the read inlined.
#[inline(always)]
#[must_use]
pub const fn varint_from_word(word: &[u8; 8]) -> Option<(u64, usize)> {
    let x = u64::from_le_bytes(*word);
    let ends = !x & 0x8080_8080_8080_8080;
    if ends == 0 {
        return None;
    }
    // The bits up to the high bit of the last byte; the other high bits are masked off below.
    let x = x & (ends ^ ends.wrapping_sub(1));
    let x = (x & 0x007f_007f_007f_007f) | ((x & 0x7f00_7f00_7f00_7f00) >> 1);
    let x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x3fff_0000_3fff_0000) >> 2);
    let x = (x & 0x0000_0000_0fff_ffff) | ((x & 0x0fff_ffff_0000_0000) >> 4);
    // trailing_zeros is 7, 15, ..., 63: the length is 1..=8.
    let len = (ends.trailing_zeros() as usize).saturating_add(1) / 8;
    Some((x, len))
}

/// Number of bytes of `v` as a protobuf/LEB128 varint (1 to 10).
#[inline]
#[must_use]
pub const fn varint_len(v: u64) -> usize {
    // ceil(significant bits / 7), at least 1: (bits * 9 + 64) / 64 is exact for 0..=64 bits.
    let bits = 64u32.saturating_sub((v | 1).leading_zeros());
    (bits.saturating_mul(9).saturating_add(64) / 64) as usize
}

/// `v` as a varint in the first bytes of an 8-byte array, and how many they are; `None` for
/// a `v` of 2^56 or more (9 or 10 bytes). The 7-bit groups are spread over the bytes of one
/// word by three shifts, the high bit set on every byte but the last; the bytes after the
/// varint are zero.
#[inline]
#[must_use]
pub const fn varint_word(v: u64) -> Option<([u8; 8], usize)> {
    if v >= 1 << 56 {
        return None;
    }
    let n = varint_len(v);
    let x = (v & 0x0fff_ffff) | ((v & 0x00ff_ffff_f000_0000) << 4);
    let x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x0fff_c000_0fff_c000) << 2);
    let x = (x & 0x007f_007f_007f_007f) | ((x & 0x3f80_3f80_3f80_3f80) << 1);
    // n is 1..=8, so the shift is 0..=56.
    let more =
        0x8080_8080_8080_8080 & (1u64 << n.saturating_sub(1).saturating_mul(8)).wrapping_sub(1);
    Some(((x | more).to_le_bytes(), n))
}

/// A varint that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum VarintError {
    /// The input ends inside the varint.
    #[error("{0}")]
    Truncated(Truncated),
    /// More than 10 bytes.
    #[error("varint longer than 64 bits at byte {offset}")]
    Overlong {
        /// Offset of the varint's first byte.
        offset: usize,
    },
}

impl ProtocolError for VarintError {
    fn kind(&self) -> ErrorKind {
        match self {
            VarintError::Truncated(_) => ErrorKind::Truncated,
            VarintError::Overlong { .. } => ErrorKind::Malformed,
        }
    }
    fn offset(&self) -> Option<usize> {
        match self {
            VarintError::Truncated(t) => Some(t.offset),
            VarintError::Overlong { offset } => Some(*offset),
        }
    }
}

/// A cursor that writes into a borrowed buffer. Failed writes leave it where it was.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

macro_rules! write_int {
    ($(#[$m:meta])* $name:ident, $t:ty, $to:ident) => {
        $(#[$m])*
        #[inline]
        pub fn $name(&mut self, v: $t) -> Result<(), BufferTooSmall> {
            self.put(&v.$to())
        }
    };
}

impl<'a> Writer<'a> {
    /// A writer at the start of `buf`.
    #[must_use]
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    /// Bytes written so far.
    #[must_use]
    pub const fn position(&self) -> usize {
        self.pos
    }

    /// Room left.
    #[must_use]
    pub const fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The bytes written so far.
    #[must_use]
    pub fn written(&self) -> &[u8] {
        self.buf.get(..self.pos).unwrap_or_default()
    }

    /// The next `n` bytes of the buffer, to be filled by the caller; the writer moves past them.
    #[inline]
    pub fn slot(&mut self, n: usize) -> Result<&mut [u8], BufferTooSmall> {
        let start = self.pos;
        let available = self.buf.len();
        let end = start
            .checked_add(n)
            .filter(|&end| end <= available)
            .ok_or(BufferTooSmall {
                needed: start.saturating_add(n),
                available,
            })?;
        self.pos = end;
        self.buf.get_mut(start..end).ok_or(BufferTooSmall {
            needed: end,
            available,
        })
    }

    /// The next `N` bytes of the buffer when that many are left, without moving past them.
    ///
    /// For a writer that fills a run of pieces of known total size (at most `N`) with one
    /// bounds check for the lot, then calls [`Writer::advance`] with what it filled.
    #[inline(always)]
    pub fn spare<const N: usize>(&mut self) -> Option<&mut [u8; N]> {
        self.buf.get_mut(self.pos..)?.first_chunk_mut::<N>()
    }

    /// Moves past `n` bytes filled through [`Writer::spare`] (never past the buffer's end).
    #[inline(always)]
    pub fn advance(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
    }

    /// Appends `bytes`.
    #[inline(always)]
    pub fn put(&mut self, bytes: &[u8]) -> Result<(), BufferTooSmall> {
        self.slot(bytes.len())?.copy_from_slice(bytes);
        Ok(())
    }

    /// Overwrites bytes already written at `offset` (for length fields known only at the end).
    pub fn patch(&mut self, offset: usize, bytes: &[u8]) -> Result<(), BufferTooSmall> {
        let end = offset.saturating_add(bytes.len());
        let available = self.pos;
        self.buf
            .get_mut(offset..end)
            .filter(|_| end <= available)
            .ok_or(BufferTooSmall {
                needed: end,
                available,
            })?
            .copy_from_slice(bytes);
        Ok(())
    }

    write_int!(
        /// One byte.
        u8, u8, to_be_bytes
    );
    write_int!(
        /// A big-endian (network order) `u16`.
        u16_be, u16, to_be_bytes
    );
    write_int!(
        /// A little-endian `u16`.
        u16_le, u16, to_le_bytes
    );
    write_int!(
        /// A big-endian `u32`.
        u32_be, u32, to_be_bytes
    );
    write_int!(
        /// A little-endian `u32`.
        u32_le, u32, to_le_bytes
    );
    write_int!(
        /// A big-endian `u64`.
        u64_be, u64, to_be_bytes
    );
    write_int!(
        /// A little-endian `u64`.
        u64_le, u64, to_le_bytes
    );

    /// Appends `v` as a protobuf/LEB128 varint ([`varint_len`] bytes).
    #[inline(always)]
    pub fn varint(&mut self, v: u64) -> Result<(), BufferTooSmall> {
        match u8::try_from(v) {
            Ok(b) if b < 0x80 => self.u8(b),
            _ => self.varint_long(v),
        }
    }

    #[inline(never)]
    fn varint_long(&mut self, mut v: u64) -> Result<(), BufferTooSmall> {
        if let Some((bytes, n)) = varint_word(v) {
            return self.put(bytes.get(..n).unwrap_or_default());
        }
        let slot = self.slot(varint_len(v))?;
        for b in slot.iter_mut() {
            // The mask keeps the value below 0x80, so the cast is exact.
            #[allow(clippy::cast_possible_truncation)]
            let low = (v & 0x7f) as u8;
            v >>= 7;
            *b = if v == 0 { low } else { low | 0x80 };
        }
        Ok(())
    }

    /// Finishes and returns the number of bytes written.
    #[must_use]
    pub const fn finish(self) -> usize {
        self.pos
    }
}

/// [`copy_short`] into a destination shorter than the source: what fits.
#[cold]
fn copy_into_shorter(dst: &mut [u8], src: &[u8]) {
    if let Some(src) = src.get(..dst.len()) {
        dst.copy_from_slice(src);
    }
}

/// Copies `src` to the start of `dst` (as many bytes as the shorter of the two holds).
///
/// Encoders copy mostly short pieces (a header, a name, a small value) whose length is known
/// only at run time, and `copy_from_slice` calls `memcpy` for them. Up to 16 bytes this copies
/// one or two fixed-size chunks (overlapping when the length is not a power of two) inline;
/// longer pieces go to `copy_from_slice`.
#[inline(always)]
pub fn copy_short(dst: &mut [u8], src: &[u8]) {
    fn chunks<const N: usize>(dst: &mut [u8], src: &[u8]) {
        if let (Some(d), Some(s)) = (dst.first_chunk_mut::<N>(), src.first_chunk::<N>()) {
            *d = *s;
        }
        if let (Some(d), Some(s)) = (dst.last_chunk_mut::<N>(), src.last_chunk::<N>()) {
            *d = *s;
        }
    }
    let n = src.len();
    let Some(dst) = dst.get_mut(..n) else {
        return copy_into_shorter(dst, src);
    };
    // At most three tests to the chunk size of a short copy.
    if n > 16 {
        dst.copy_from_slice(src);
    } else if n >= 4 {
        if n >= 8 {
            chunks::<8>(dst, src);
        } else {
            chunks::<4>(dst, src);
        }
    } else if n >= 2 {
        chunks::<2>(dst, src);
    } else {
        chunks::<1>(dst, src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_short_copies_every_length_and_stops_at_the_shorter() {
        let src: [u8; 40] = core::array::from_fn(|i| u8::try_from(i + 1).unwrap());
        for len in 0..=40 {
            for extra in [0usize, 1, 7] {
                let mut dst = [0u8; 48];
                copy_short(&mut dst[..len + extra], &src[..len]);
                assert_eq!(dst[..len], src[..len], "{len}");
                assert!(dst[len..].iter().all(|&b| b == 0), "{len}");
                // A shorter destination takes what fits.
                let mut short = [0u8; 40];
                copy_short(&mut short[..len / 2], &src[..len]);
                assert_eq!(short[..len / 2], src[..len / 2]);
                assert!(short[len / 2..].iter().all(|&b| b == 0));
            }
        }
    }

    // Bytes chosen so that every width and byte order reads a different value.
    static INPUT: [u8; 10] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a];

    #[test]
    fn reads_each_width_and_order() {
        let mut r = Reader::new(&INPUT);
        assert_eq!(r.u8(), Ok(0x01));
        assert_eq!(r.u16_be(), Ok(0x0203));
        assert_eq!(r.peek_u16_le(), Ok(0x0504));
        assert_eq!(r.u16_le(), Ok(0x0504));
        assert_eq!(r.position(), 5);
        assert_eq!(r.remaining(), 5);
        let mut r2 = Reader::new(&INPUT);
        assert_eq!(r2.u32_be(), Ok(0x0102_0304));
        assert_eq!(r2.u32_le(), Ok(0x0807_0605));
        let mut r3 = Reader::new(&INPUT);
        assert_eq!(r3.u64_be(), Ok(0x0102_0304_0506_0708));
        assert_eq!(r3.take_rest(), &[0x09, 0x0a]);
        assert!(r3.is_empty());
        assert_eq!(Reader::new(&INPUT).u64_le(), Ok(0x0807_0605_0403_0201));
    }

    #[test]
    fn spare_room_is_filled_then_passed() {
        let mut buf = [0u8; 10];
        let mut w = Writer::new(&mut buf);
        w.put(&[1, 2]).unwrap();
        let room = w.spare::<8>().unwrap();
        room[..3].copy_from_slice(&[3, 4, 5]);
        w.advance(3);
        assert_eq!(w.written(), &[1, 2, 3, 4, 5]);
        // Five bytes left: no room of eight, but room of five.
        assert!(w.spare::<8>().is_none());
        assert!(w.spare::<5>().is_some());
        w.advance(99);
        assert_eq!(w.position(), 10);
        assert_eq!(w.remaining(), 0);
        assert!(w.spare::<1>().is_none());
        assert!(w.spare::<0>().is_some());
    }

    #[test]
    fn failed_read_reports_offset_and_does_not_advance() {
        let mut r = Reader::new(&INPUT);
        r.skip(8).unwrap();
        assert_eq!(
            r.u32_be(),
            Err(Truncated {
                offset: 8,
                needed: 2
            })
        );
        assert_eq!(r.position(), 8);
        assert_eq!(
            r.take(3),
            Err(Truncated {
                offset: 8,
                needed: 1
            })
        );
        assert_eq!(r.u16_be(), Ok(0x090a));
        assert_eq!(
            r.u8(),
            Err(Truncated {
                offset: 10,
                needed: 1
            })
        );
    }

    #[test]
    fn peek_at_is_relative_and_checked() {
        let mut r = Reader::new(&INPUT);
        r.skip(2).unwrap();
        assert_eq!(r.peek_at(1, 2), Ok(&[0x04, 0x05][..]));
        // The bytes asked for start at 9, one of them is missing.
        let remaining = r.remaining();
        assert_eq!(
            r.peek_at(remaining - 1, 2),
            Err(Truncated {
                offset: 2 + remaining - 1,
                needed: 1
            })
        );
        assert!(r.peek_at(usize::MAX, 2).is_err());
        assert_eq!(r.position(), 2);
    }

    #[test]
    fn finish_reports_trailing() {
        let mut r = Reader::new(&INPUT);
        r.skip(7).unwrap();
        assert_eq!(r.finish(), Err(TrailingBytes { offset: 7, len: 3 }));
        r.skip(3).unwrap();
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn writer_writes_patches_and_refuses_overflow() {
        let mut buf = [0u8; 7];
        let mut w = Writer::new(&mut buf);
        w.u16_be(0).unwrap();
        w.u32_le(0x0403_0201).unwrap();
        assert_eq!(
            w.u16_be(1),
            Err(BufferTooSmall {
                needed: 8,
                available: 7
            })
        );
        w.u8(0xff).unwrap();
        w.patch(0, &[0xab, 0xcd]).unwrap();
        assert!(w.patch(6, &[0, 0]).is_err());
        assert_eq!(w.written(), &[0xab, 0xcd, 1, 2, 3, 4, 0xff]);
        assert_eq!(w.finish(), 7);
    }
    #[test]
    fn varints_read_and_write() {
        // Protobuf encoding guide: 150 is 96 01; u64::MAX takes 10 bytes.
        for (v, bytes) in [
            (0u64, &[0x00u8][..]),
            (1, &[0x01]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (150, &[0x96, 0x01]),
            (0xFFFF_FFFF, &[0xff, 0xff, 0xff, 0xff, 0x0f]),
            (
                u64::MAX,
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
        ] {
            assert_eq!(varint_len(v), bytes.len(), "{v}");
            let mut r = Reader::new(bytes);
            assert_eq!(r.varint(), Ok(v));
            assert!(r.is_empty());
            let mut buf = [0u8; 10];
            let mut w = Writer::new(&mut buf);
            w.varint(v).unwrap();
            assert_eq!(w.written(), bytes);
        }
        // Non-minimal forms are accepted (protobuf allows them).
        assert_eq!(Reader::new(&[0x80, 0x00]).varint(), Ok(0));
    }

    /// The byte-at-a-time reading the word paths of `varint_long` must agree with.
    #[allow(clippy::arithmetic_side_effects)] // i < 10
    fn varint_ref(b: &[u8]) -> Result<(u64, usize), VarintError> {
        let mut v = 0u64;
        for (i, &x) in b.iter().take(10).enumerate() {
            v |= u64::from(x & 0x7f) << (7 * i);
            if x < 0x80 {
                return Ok((v, i + 1));
            }
        }
        if b.len() >= 10 {
            Err(VarintError::Overlong { offset: 0 })
        } else {
            Err(VarintError::Truncated(Truncated {
                offset: 0,
                needed: 1,
            }))
        }
    }

    #[test]
    fn varint_word_paths_agree_with_bytes() {
        // Every length 1..=10, minimal and not, with and without 8 bytes at hand, and every
        // prefix of each (truncated) input.
        let mut values = std::vec::Vec::new();
        for bits in 0..64u32 {
            values.extend([1u64 << bits, (1u64 << bits) - 1, (1u64 << bits) | 0x55]);
            values.push(0xa5a5_a5a5_a5a5_a5a5 >> bits);
        }
        values.push(u64::MAX);
        for v in values {
            let mut buf = [0u8; 12];
            let n = {
                let mut w = Writer::new(&mut buf);
                w.varint(v).unwrap();
                w.finish()
            };
            assert_eq!(n, varint_len(v));
            assert_eq!(varint_ref(&buf[..n]), Ok((v, n)), "{v:#x}");
            for tail in [&[][..], &[0x00], &[0x7f; 9], &[0x80; 9]] {
                let mut input = buf[..n].to_vec();
                input.extend_from_slice(tail);
                for end in 0..=input.len() {
                    let bytes = &input[..end];
                    let mut r = Reader::new(bytes);
                    let got = r.varint().map(|v| (v, r.position()));
                    assert_eq!(got.is_ok(), varint_ref(bytes).is_ok(), "{bytes:02x?}");
                    if let Ok(want) = varint_ref(bytes) {
                        assert_eq!(got, Ok(want), "{bytes:02x?}");
                    }
                    // The word read alone: the same value within 8 bytes, None beyond.
                    if let Some(word) = bytes.first_chunk::<8>() {
                        match varint_ref(bytes) {
                            Ok((v, n)) if n <= 8 => {
                                assert_eq!(varint_from_word(word), Some((v, n)), "{bytes:02x?}");
                            }
                            _ => assert_eq!(varint_from_word(word), None, "{bytes:02x?}"),
                        }
                    }
                }
            }
        }
        // Non-minimal and overlong forms across the word boundary.
        for len in 1..=12 {
            let mut b = std::vec![0x80u8; len];
            for last in [0x00u8, 0x01, 0x02, 0x7f, 0x80] {
                *b.last_mut().unwrap() = last;
                let mut r = Reader::new(&b);
                let got = r.varint().map(|v| (v, r.position()));
                match varint_ref(&b) {
                    Ok(want) => assert_eq!(got, Ok(want), "{b:02x?}"),
                    Err(VarintError::Overlong { .. }) => {
                        assert_eq!(got, Err(VarintError::Overlong { offset: 0 }), "{b:02x?}");
                    }
                    Err(_) => assert!(matches!(got, Err(VarintError::Truncated(_))), "{b:02x?}"),
                }
            }
        }
    }

    #[test]
    fn varint_errors() {
        let mut r = Reader::new(&[0x80, 0x80]);
        assert_eq!(
            r.varint(),
            Err(VarintError::Truncated(Truncated {
                offset: 0,
                needed: 1
            }))
        );
        assert_eq!(r.position(), 0);
        let eleven = [0x80u8; 11];
        assert_eq!(
            Reader::new(&eleven).varint(),
            Err(VarintError::Overlong { offset: 0 })
        );
        // A tenth byte past the 64th bit: those bits dropped, as protoc's runtimes do.
        let tenth_high = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(Reader::new(&tenth_high).varint(), Ok(u64::MAX >> 1));
        let tenth_full = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        assert_eq!(Reader::new(&tenth_full).varint(), Ok(u64::MAX));
        let mut r = Reader::new(&[
            0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e, 9,
        ]);
        assert_eq!((r.varint(), r.position()), (Ok(0), 10));
        let tenth_goes_on = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00,
        ];
        assert_eq!(
            Reader::new(&tenth_goes_on).varint(),
            Err(VarintError::Overlong { offset: 0 })
        );
        for v in [0u64, 1, 1 << 7, 1 << 14, 1 << 63, u64::MAX] {
            let n = varint_len(v);
            let mut buf = [0u8; 10];
            let mut w = Writer::new(&mut buf[..n - 1]);
            assert!(w.varint(v).is_err());
        }
    }
}
