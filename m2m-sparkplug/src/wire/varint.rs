//! The varint readers of the hot paths (protobuf encoding guide, "Base 128 Varints"): the
//! common one- and two-byte values read by hand, longer ones from one little-endian word.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Reader, varint_from_word};

/// [`varint_at`] for a field whose values are mostly below 2^14 (aliases): one or two bytes
/// are read by hand first.
#[inline(always)]
pub(crate) fn short_varint_at(buf: &[u8], at: usize) -> Option<(u64, usize)> {
    match buf.get(at..) {
        // `at` is within `buf` (a byte was read there): no overflow.
        Some(&[b0 @ 0..=0x7f, ..]) => Some((u64::from(b0), at.wrapping_add(1))),
        Some(&[b0, b1 @ 0..=0x7f, ..]) => {
            let v = u64::from(b0 & 0x7f) | (u64::from(b1) << 7);
            Some((v, at.wrapping_add(2)))
        }
        _ => varint_at(buf, at),
    }
}

/// [`varint_at`] for a field whose values mostly take six bytes (millisecond timestamps of
/// this era, 2^35 to 2^42): the length is then a constant of the code, not a result of the
/// word's bits, so the fields after it are found without waiting for the decode.
#[inline(always)]
pub(crate) fn six_byte_varint_at(buf: &[u8], at: usize) -> Option<(u64, usize)> {
    if let Some(word) = buf.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        if u64::from_le_bytes(*word) & 0x0000_8080_8080_8080 == 0x0000_0080_8080_8080 {
            if let Some((v, _)) = varint_from_word(word) {
                // `at` is within `buf` (8 bytes were read there): no overflow.
                return Some((v, at.wrapping_add(6)));
            }
        }
    }
    varint_at(buf, at)
}

/// The varint at `at` in `buf` and the offset after it; `None` where [`Reader::varint`] fails
/// (a caller then reads the field the general way, which reports the error).
#[inline(always)]
pub(crate) fn varint_at(buf: &[u8], at: usize) -> Option<(u64, usize)> {
    match buf.get(at) {
        // `at` is within `buf` (a byte was read there), the lengths at most 10: no overflow.
        Some(&b) if b < 0x80 => Some((u64::from(b), at.wrapping_add(1))),
        _ => {
            let rest = buf.get(at..)?;
            // Up to 8 bytes (timestamps, most aliases and values) inline, from one word.
            let Some(word) = rest.first_chunk::<8>() else {
                return varint_end(buf, rest.len(), at);
            };
            if let Some((v, len)) = varint_from_word(word) {
                return Some((v, at.wrapping_add(len)));
            }
            let mut r = Reader::new(rest);
            let v = r.varint().ok()?;
            Some((v, at.saturating_add(r.position())))
        }
    }
}

/// The varint at `at` in `buf` when fewer than 8 bytes (`left`, the length of `buf[at..]`)
/// are left from it (a value at the end of a message), read from one word: the last 8 bytes
/// of `buf`, shifted so that `buf[at]` is the low byte, the bytes shifted in with their
/// continuation bit set, so that a varint not ended within `buf` is not ended within the word
/// either (`None`, cut short). Below 8 bytes a varint cannot be overlong, so this agrees with
/// [`Reader::varint`]. A `buf` of fewer than 8 bytes is read byte by byte.
#[inline(always)]
fn varint_end(buf: &[u8], left: usize, at: usize) -> Option<(u64, usize)> {
    let (Some(last), 1..=7) = (buf.last_chunk::<8>(), left) else {
        return varint_tail(buf.get(at..)?, at);
    };
    // left is 1..=7: the shifts are 8..=56.
    let keep = u64::from_le_bytes(*last) >> (64usize.saturating_sub(left.saturating_mul(8)));
    let word = keep | (0x8080_8080_8080_8080u64 << left.saturating_mul(8));
    let (v, len) = varint_from_word(&word.to_le_bytes())?;
    // `at` is within `buf` and `len` at most 7: no overflow.
    Some((v, at.wrapping_add(len)))
}

/// The varint at the start of `rest`, fewer than 8 bytes (a value at the end of a message),
/// read byte by byte inline, and the offset after it counted from `at`; `None` when it does
/// not end within them (truncated: the caller's general path reports it). Below 8 bytes a
/// varint cannot be overlong, so this agrees with [`Reader::varint`].
#[inline(always)]
fn varint_tail(rest: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    let mut shift = 0u32;
    for (i, &b) in rest.iter().take(7).enumerate() {
        // At most 7 bytes: the shift stays below 49.
        v |= u64::from(b & 0x7f) << shift;
        shift = shift.saturating_add(7);
        if b < 0x80 {
            return Some((v, at.saturating_add(i).saturating_add(1)));
        }
    }
    None
}
