//! A small strict JSON (RFC 8259) tokenizer and writer, shared by SenML JSON (RFC 8428 §5),
//! SenML-ETCH JSON (RFC 8790) and the legacy LwM2M JSON of OMA-TS-LightweightM2M 1.0 §6.4.4.
//!
//! The reader works on text already checked to be UTF-8, borrows every string and allocates
//! nothing; the writer ([`Json`]) sizes first on a [`Counter`](crate::sink::Counter) and then
//! fills a [`Slice`](crate::sink::Slice).

mod lexer;
mod write;

pub(crate) use lexer::Lexer;
pub(crate) use write::{Buf, Json};

/// The bytes that end a run of plain string characters: `"`, `\\` and the controls
/// (RFC 8259 §7): where the reader looks at escapes and the writer writes them.
// Evaluated at compile time: an out-of-range index would not build.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Whether byte `b` ends a run of plain string characters.
#[inline]
pub(crate) fn stop(b: u8) -> bool {
    STOP.get(usize::from(b)).copied().unwrap_or(true)
}

/// The index of the first byte of `bytes` that ends a plain run ([`stop`]): the first eight
/// one by one, then eight bytes at a time (SWAR: a byte below 0x20, or equal to `"` or `\\`, sets its high bit in the mask; a
/// borrow may only mark bytes above the first hit, so the lowest mark is exact).
#[inline]
pub(crate) fn find_stop(bytes: &[u8]) -> Option<usize> {
    // Most keys and many values are short: the first bytes one at a time.
    let (head, tail) = bytes.split_at(bytes.len().min(8));
    if let Some(i) = head.iter().position(|&b| stop(b)) {
        return Some(i);
    }
    find_stop_wide(tail).map(|i| i.saturating_add(head.len()))
}

/// [`find_stop`] eight bytes at a time from the first byte (for text that is rarely short).
#[inline]
pub(crate) fn find_stop_wide(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0usize;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let controls = x.wrapping_sub(ONES.wrapping_mul(0x20)) & !x & HIGH;
        let mask = controls
            | zero(x ^ ONES.wrapping_mul(u64::from(b'"')))
            | zero(x ^ ONES.wrapping_mul(u64::from(b'\\')));
        if mask != 0 {
            let i = usize::try_from(mask.trailing_zeros() / 8).unwrap_or(0);
            return Some(base.saturating_add(i));
        }
        base = base.saturating_add(8);
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| stop(b))
        .map(|i| base.saturating_add(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_stop_agrees_with_stop() {
        let mut bytes = [b'a'; 40];
        assert_eq!(find_stop(&bytes), None);
        for at in 0..40 {
            for b in [0u8, 0x1f, b'"', b'\\', 0x0a] {
                let mut v = bytes;
                v[at] = b;
                // Something else that might trip a borrow around it.
                if at + 1 < 40 {
                    v[at + 1] = 0x00;
                }
                assert_eq!(find_stop(&v), Some(at), "{at} {b:#x}");
            }
        }
        for b in 0..=255u8 {
            bytes[13] = b;
            assert_eq!(find_stop(&bytes) == Some(13), stop(b), "{b:#x}");
            let mut high = [0xc3u8; 16];
            high[9] = b;
            assert_eq!(find_stop(&high), stop(b).then_some(9), "{b:#x}");
        }
    }
}
