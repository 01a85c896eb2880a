//! UTF-8 validation of strings borrowed from a payload, arranged so that the standard
//! validator takes its word-at-a-time path from the first byte.
//!
//! `core::str::from_utf8` skips ASCII a word pair at a time, but only from a word-aligned
//! address: before it it steps one byte at a time, and so does it after the last whole pair.
//! A metric name of about 30 bytes at a random address spends most of its check in those
//! byte steps. Here, when the few bytes before the string in the same buffer are ASCII, the
//! check starts at the aligned address before the string instead: those bytes are valid
//! UTF-8 on their own and end on a character boundary, so the longer run is valid exactly
//! when the string is, and the string is then cut from the validated run without a second
//! check. Nothing is assumed: every byte handed out as `str` has been through the standard
//! validator, and no `unsafe` is needed.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

/// Strings shorter than this are checked as they are (the byte steps cost little there, and a
/// longer run would add some).
const MIN_LEN: usize = 16;

/// `outer[from..to]` as a `str` when it is in range and valid UTF-8, `None` otherwise: the
/// same answer as `core::str::from_utf8` on that range, borrowing the same bytes.
#[inline(always)]
pub(crate) fn str_in(outer: &[u8], from: usize, to: usize) -> Option<&str> {
    let exact = outer.get(from..to)?;
    if exact.len() >= MIN_LEN {
        if let Some(s) = aligned(outer, from, to, exact) {
            return Some(s);
        }
    }
    core::str::from_utf8(exact).ok()
}

/// The check from the aligned address before `from` when the bytes in between are ASCII;
/// `None` when they are not, when there are too few bytes before `from`, or when the run is
/// not valid (the caller then checks `exact` alone, which decides).
#[inline(always)]
fn aligned<'a>(outer: &'a [u8], from: usize, to: usize, exact: &'a [u8]) -> Option<&'a str> {
    // Bytes back to the aligned address at or before the string (0..=7).
    let back = exact.as_ptr().addr() % 8;
    if back == 0 {
        return None;
    }
    // The eight bytes before the string, of which the last `back` join the run.
    let before = outer.get(from.checked_sub(8)?..from)?.first_chunk::<8>()?;
    // back is 1..=7, so the shift is 8..=56 and keeps the last `back` bytes.
    let joined = u64::from_le_bytes(*before) >> (64usize.saturating_sub(back.saturating_mul(8)));
    if joined & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    let start = from.checked_sub(back)?;
    let run = core::str::from_utf8(outer.get(start..to)?).ok()?;
    // The joined bytes are ASCII, so `back` is a character boundary of the run.
    run.get(back..)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)] // small test bytes and lengths
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Strings of every length to 80 (ASCII), non-ASCII ones and invalid ones.
    fn strings() -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = (0..80u8)
            .map(|n| (0..n).map(|i| b' ' + i).collect())
            .collect();
        for s in [
            "Area 1/Line 2/Sensor 003/\u{e9}t\u{e9}",
            "\u{2603}\u{1f600} and 16 more bytes",
        ] {
            out.push(s.as_bytes().to_vec());
        }
        for bad in [
            &[0xffu8][..],
            &[0x80],
            &[0xe2, 0x82],
            &[0xc0, 0xaf],
            &[0xed, 0xa0, 0x80],
        ] {
            for at in [0usize, 1, 7, 8, 15, 16, 17, 30] {
                let mut s: Vec<u8> = (0..31u8).map(|i| b'a' + i % 26).collect();
                s.splice(at..at, bad.iter().copied());
                out.push(s);
            }
        }
        out
    }

    #[test]
    fn agrees_with_from_utf8_at_every_offset() {
        // Bytes before the string: ASCII, a high byte at each distance, continuation bytes,
        // the start of a multi-byte character (which the string's first byte must not end).
        let mut heads: Vec<Vec<u8>> = std::vec![std::vec![b'x'; 8], std::vec![0x80; 8]];
        for d in 0..8 {
            let mut h = std::vec![b'k'; 8];
            h[d] = 0xc3;
            heads.push(h);
        }
        for s in strings() {
            for head in &heads {
                // The string at every offset from 0 to 23 after the head, so every alignment
                // and every number of head bytes before it is seen.
                for pad in 0..16 {
                    let mut outer = head.clone();
                    outer.extend(core::iter::repeat_n(b'p', pad));
                    let from = outer.len();
                    outer.extend_from_slice(&s);
                    outer.extend_from_slice(&[0xff, 0x12]);
                    for from in [from, from.saturating_sub(pad)] {
                        let to = outer.len() - 2;
                        let want = core::str::from_utf8(&outer[from..to]).ok();
                        let got = str_in(&outer, from, to);
                        assert_eq!(got, want, "{s:02x?} {head:02x?} {pad}");
                        if let Some(got) = got {
                            assert_eq!(got.as_ptr(), outer[from..].as_ptr());
                        }
                    }
                }
            }
        }
        // Out of range is None, as `get` is.
        let outer = [b'a'; 40];
        assert_eq!(str_in(&outer, 30, 41), None);
        assert_eq!(str_in(&outer, 20, 10), None);
        assert_eq!(str_in(&outer, 20, 40), Some("aaaaaaaaaaaaaaaaaaaa"));
    }
}
