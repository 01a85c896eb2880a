//! The parser's fast pass over the option area (RFC 7252 §3.1): it only answers whether the area
//! keeps every wire rule and where the options end, and screens the registry's rules on the
//! way. It never builds an error: when anything is wrong it gives up, and the parser walks the
//! area again with `message::walk`, which says what is wrong and where. Errors are rare; this
//! pass is what every good message costs.
//!
//! It works on positions in the whole message rather than on shrinking slices, so that an
//! option costs one bounds check (the read of its first byte): a value that runs past the end
//! leaves the position past the end, which the loop's last check catches.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::number::pack_of;
use super::{DELTA8, DELTA16, NOT_SHORT, REPEAT, extension_at, head, nibble_value_at};

// A rule is shifted right by a `HEAD` entry: its repeat flag must select the upper half.
const _: () = assert!(REPEAT == 16);

/// The registry's rules for one option number (`number::suspect`), as bits of a `u32` that
/// the scan shifts right by the option's length class, plus [`REPEAT`] when the option repeats
/// the one before it: bits 0-12 answer for the lengths 0-12, bit [`LONG`] for 13-255 and bit
/// [`ANY_LENGTH`] for longer; a set bit means the option gives no doubt. Bit [`STRING`] marks a
/// string, whose bytes are then screened for non-ASCII. The rule of an unregistered elective
/// (even) number has every length bit set, that of an unregistered critical (odd) one none.
/// The rule may doubt where `number::suspect` does not (a 13-40-byte Echo, a Proxy-Uri above
/// 255 bytes), never the other way round: a doubt only costs the full check.
type Rule = u32;

/// The length class of 13 to 255 bytes: its bit is set only when every such length is within
/// the option's bounds.
const LONG: u32 = 13;

/// The length class of 256 bytes and more: its bit is set only for unregistered elective
/// numbers.
const ANY_LENGTH: u32 = 14;

/// A string option.
const STRING: Rule = 1 << 31;

/// The rules of the numbers up to 292, the last registered one above 63 (Echo 252,
/// No-Response 258 and Request-Tag 292 are the only ones there; `number::tests` holds the
/// registry to that).
#[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)] // compile time, n < 293
static RULES: [Rule; 293] = {
    let mut t = [0; 293];
    let mut n = 0;
    while n < 293 {
        t[n] = rule(n as u16);
        n += 1;
    }
    t
};

/// The rule of any option number up to 65535 (`None` past it): from [`RULES`] up to 292, and
/// above it that of an unregistered number.
#[inline(always)]
fn rule_of(number: usize) -> Option<Rule> {
    const ELECTIVE: Rule = rule(294);
    if let Some(&rule) = RULES.get(number) {
        return Some(rule);
    }
    if number > 0xffff {
        return None;
    }
    Some(if number & 1 == 0 { ELECTIVE } else { 0 })
}

/// Whether the registry's rules have no doubt about an option of `number` with a value of `len`
/// bytes (at most 12), repeating the option before it or not: `number::suspect` for such a
/// value, from the same rules as the scan (`rules_agree_with_suspect`). `text` says whether the
/// value is ASCII or UTF-8; it is asked only of a string option.
#[inline(always)]
pub(crate) fn clear_short(
    number: u16,
    len: usize,
    repeat: bool,
    text: impl FnOnce() -> bool,
) -> bool {
    let class = (len & 0x0f) | if repeat { usize::from(REPEAT) } else { 0 };
    #[allow(clippy::cast_possible_truncation)] // below 32
    clear_class(number, class as u32, text)
}

/// [`clear_short`] from the bit that answers for the value's length and the repeat: the length
/// (0-12), plus [`REPEAT`] for a repeat. The writer's quick screen.
#[inline(always)]
pub(crate) fn clear_class(number: u16, class: u32, text: impl FnOnce() -> bool) -> bool {
    let rule = rule_of(usize::from(number)).unwrap_or(0);
    rule.wrapping_shr(class) & 1 != 0 && (rule & STRING == 0 || text())
}

/// The rule of `number`, from its packed rules (`number::pack_of`).
#[allow(clippy::arithmetic_side_effects)] // compile time, l <= 12
const fn rule(number: u16) -> Rule {
    let p = pack_of(number);
    if p == 0 {
        return if number & 1 == 1 { 0 } else { !STRING };
    }
    let (min, max) = ((p >> 8) & 0xff, p >> 16);
    let mut lens = 0;
    let mut l = 0;
    while l <= 12 {
        if l >= min && l <= max {
            lens |= 1 << l;
        }
        l += 1;
    }
    if min <= 13 && max >= 255 {
        lens |= 1 << LONG;
    }
    // A repeated ETag (4) is in doubt: it may repeat in a request only (RFC 7252 §5.10.6.1),
    // which the code decides, out of line (`message::first_bad_option`, the writer's rules).
    let repeat = if p & 2 != 0 && number != 4 { lens } else { 0 };
    let string = if p & 4 != 0 { STRING } else { 0 };
    lens | repeat << REPEAT | string
}

/// For a value of 0-8 bytes that ends a little-endian 64-bit word: the high bits of its bytes.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // compile time, l <= 8
const HIGH_BITS: [u64; 9] = {
    let mut t = [0u64; 9];
    let mut l = 1;
    while l <= 8 {
        t[l] = 0x8080_8080_8080_8080 << (8 * (8 - l));
        l += 1;
    }
    t
};

/// Whether the `len` bytes that end at `end` in `buf` are all ASCII; `false` when `end` is past
/// the end of `buf` (a truncated value, which the scan rejects anyway). A value of up to 8
/// bytes is read as the last byte lanes of the 8-byte word that ends with it (the bytes before
/// it are option headers, the token or the message header), one load and one mask.
#[inline(always)]
fn ascii_ending_at(buf: &[u8], end: usize, len: usize) -> bool {
    let Some(head) = buf.get(..end) else {
        return false;
    };
    if let Some(&mask) = HIGH_BITS.get(len) {
        if let Some(word) = head.last_chunk::<8>() {
            return u64::from_le_bytes(*word) & mask == 0;
        }
    }
    match head.get(end.saturating_sub(len)..) {
        Some(value) => super::number::ascii(value),
        None => false,
    }
}

/// What [`scan`] found in a well-formed option area: the options, the payload (without its
/// marker) and whether any option may break the registry's rules.
pub(crate) type Scan<'a> = (&'a [u8], &'a [u8], bool);

/// Checks the option area that starts at `start` in the message `buf` against the wire rules of
/// RFC 7252 §3.1: option headers and their extension bytes within the message, no reserved
/// nibble 15 outside the payload marker, option numbers within 16 bits, and (unless
/// `empty_marker_ok`) a payload after a payload marker. Returns the options, the payload and
/// whether any option is in doubt against the registry (`number::suspect`), or `None` if any
/// rule is broken.
#[inline]
pub(crate) fn scan(buf: &[u8], start: usize, empty_marker_ok: bool) -> Option<Scan<'_>> {
    let mut pos = start;
    // The option number so far: at most 65535 between options (`rule_of` refuses more), so
    // adding a delta (at most 65804) cannot wrap.
    let mut number = 0usize;
    // Not 0 once an option is in doubt: the bit of its rule that answers for its length and
    // whether it repeats is clear. Tested in place and set by a conditional move (a `u32`,
    // which needs no widening, rather than a `bool`).
    let mut doubt = 0u32;
    loop {
        // The common options (no extension bytes), in a loop of their own.
        let (b, h) = loop {
            let Some(&b) = buf.get(pos) else {
                // The end of the message, unless the last value ran past it.
                if pos != buf.len() {
                    return None;
                }
                return Some((buf.get(start..)?, &[], doubt != 0));
            };
            let h = head(b);
            if h >= DELTA8 {
                break (b, h);
            }
            number = number.wrapping_add(usize::from(b >> 4));
            // The length from `b`, not from `h` (the same nibble): the next option's position
            // then waits on one load, not on a second one from the table.
            let len = usize::from(b & 0x0f);
            let end = pos.checked_add(1)?.checked_add(len)?;
            let rule = rule_of(number)?;
            if rule.wrapping_shr(u32::from(h)) & 1 == 0 {
                doubt = 1;
            }
            if rule & STRING != 0 && !ascii_ending_at(buf, end, len) {
                doubt = 1;
            }
            pos = end;
        };
        if h < NOT_SHORT {
            // Only the delta has extension bytes: the commonest option after the common one.
            let (delta, at) = extension_at(buf, pos.checked_add(1)?, h >= DELTA16)?;
            number = number.wrapping_add(delta as usize);
            let len = usize::from(b & 0x0f);
            let end = at.checked_add(len)?;
            let rule = rule_of(number)?;
            // The delta is at least 13: not a repeat.
            if rule.wrapping_shr(u32::from(h & 0x0f)) & 1 == 0 {
                doubt = 1;
            }
            if rule & STRING != 0 && !ascii_ending_at(buf, end, len) {
                doubt = 1;
            }
            pos = end;
            continue;
        }
        if b == 0xff {
            let options = buf.get(start..pos)?;
            let payload = buf.get(pos.checked_add(1)?..)?;
            if payload.is_empty() && !empty_marker_ok {
                return None;
            }
            return Some((options, payload, doubt != 0));
        }
        // The length has extension bytes (so it is at least 13), or a nibble is 15.
        let (delta, at) = nibble_value_at(buf, pos.checked_add(1)?, b >> 4)?;
        let (len, at) = nibble_value_at(buf, at, b & 0x0f)?;
        let class = if len <= 255 { LONG } else { ANY_LENGTH };
        let repeat = if delta == 0 { u32::from(REPEAT) } else { 0 };
        number = number.wrapping_add(delta as usize);
        let end = at.checked_add(len as usize)?;
        let rule = rule_of(number)?;
        if rule.wrapping_shr(class | repeat) & 1 == 0 {
            doubt = 1;
        }
        if rule & STRING != 0 && !ascii_ending_at(buf, end, len as usize) {
            doubt = 1;
        }
        pos = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::cast_possible_truncation)] // len <= 12 there
    fn rules_agree_with_suspect() {
        use super::super::number::suspect;
        let values: std::vec::Vec<_> = (0..=1100).map(|l| std::vec![b'a'; l]).collect();
        let mut doubts_more = std::vec::Vec::new();
        for n in 0..=u16::MAX {
            let rule = rule_of(usize::from(n)).unwrap();
            let registered = crate::option::OptionNumber(n).def();
            // Every length for the registered numbers, a sample for the others.
            let lengths = values.iter().enumerate().filter(|&(len, _)| {
                registered.is_some() || len <= 300 || matches!(len, 1034 | 1035 | 1100)
            });
            for (len, value) in lengths {
                for repeat in [false, true] {
                    let class = match len {
                        0..=12 => len as u32,
                        13..=255 => LONG,
                        _ => ANY_LENGTH,
                    };
                    let fast = rule >> (class + if repeat { 16 } else { 0 }) & 1 == 0;
                    let doubt = suspect(n, value, repeat, false);
                    if len <= 12 || registered.is_none() {
                        assert_eq!(fast, doubt, "{n} length {len} repeat {repeat}");
                    } else {
                        // Never less doubt than the full rules; more only where noted.
                        assert!(fast || !doubt, "{n} length {len} repeat {repeat}");
                        if fast && !doubt {
                            doubts_more.push((n, len));
                        }
                    }
                }
            }
            let string = registered.is_some_and(|d| d.format == crate::option::Format::String);
            assert_eq!(rule & STRING != 0, string, "{n}");
        }
        // Where the rules doubt more: Echo of 13-40 bytes, Proxy-Uri of 256-1034.
        doubts_more.dedup();
        assert!(
            doubts_more
                .iter()
                .all(|&(n, len)| matches!((n, len), (252, 13..=40) | (35, 256..=1034)))
        );
        assert_eq!(rule_of(65536), None);
        assert_eq!(rule_of(65535 + 65804), None);
    }

    #[test]
    #[allow(clippy::cast_possible_truncation)] // bad < 24
    fn ascii_screen() {
        // Every length 0-12 at every place in a 24-byte buffer, with one high bit anywhere.
        for len in 0..=12usize {
            for end in len..=24 {
                let start = end - len;
                assert!(ascii_ending_at(&[b'x'; 24], end, len));
                for bad in 0..24 {
                    let mut buf = [b'x'; 24];
                    buf[bad] = 0x80 | bad as u8;
                    let inside = (start..end).contains(&bad);
                    assert_eq!(
                        ascii_ending_at(&buf, end, len),
                        !inside,
                        "{len} {end} {bad}"
                    );
                }
            }
        }
        // Past the end of the buffer: never ASCII (the value is truncated).
        assert!(!ascii_ending_at(b"abc", 4, 2));
        assert!(!ascii_ending_at(b"abcdefghij", 11, 2));
    }

    /// The scan of `area` as a whole message, with the options starting at 0.
    fn scan0(area: &[u8]) -> Option<(usize, bool)> {
        ends(area, 0, false)
    }

    /// The scan as where the options end and the doubt, after checking that the payload is
    /// what follows the marker there.
    #[allow(clippy::arithmetic_side_effects)] // positions within the test's buffers
    fn ends(buf: &[u8], start: usize, empty_marker_ok: bool) -> Option<(usize, bool)> {
        let (options, payload, doubt) = scan(buf, start, empty_marker_ok)?;
        let end = start + options.len();
        assert_eq!(&buf[start..end], options);
        assert_eq!(buf.get(end + 1..).unwrap_or_default(), payload);
        Some((end, doubt))
    }

    #[test]
    fn nibble_forms() {
        // Delta and length nibbles 0-12: the value follows the byte.
        for d in 0..=12u8 {
            for l in 0..=12u8 {
                let mut area = std::vec![d << 4 | l];
                area.extend(core::iter::repeat_n(b'v', usize::from(l)));
                assert_eq!(scan0(&area).map(|s| s.0), Some(area.len()), "{d} {l}");
                // One byte short.
                if l > 0 {
                    assert_eq!(scan0(&area[..area.len() - 1]), None, "{d} {l}");
                }
            }
        }
        // 13: one extension byte, 13-268.
        assert_eq!(scan0(&[0xd0, 0x00]).map(|s| s.0), Some(2)); // option 13, empty
        assert_eq!(scan0(&[0xd0, 0xff]).map(|s| s.0), Some(2)); // option 268
        assert_eq!(scan0(&[0x0d, 0x00]), None); // length 13, no value
        let mut area = std::vec![0x2d, 0x02];
        area.extend([b'x'; 15]);
        assert_eq!(scan0(&area).map(|s| s.0), Some(17));
        assert_eq!(scan0(&area[..16]), None);
        assert_eq!(scan0(&[0xd0]), None); // the extension byte is missing
        // 14: two extension bytes, 269-65804.
        assert_eq!(scan0(&[0xe0, 0x00, 0x00]).map(|s| s.0), Some(3)); // option 269
        assert_eq!(scan0(&[0xe0, 0xfe, 0xf2]).map(|s| s.0), Some(3)); // option 65535
        assert_eq!(scan0(&[0xe0, 0xfe, 0xf3]), None); // 65536
        assert_eq!(scan0(&[0xe0, 0xfe, 0xf2, 0x10]), None); // 65535 + 1
        assert_eq!(scan0(&[0xe0, 0xfe, 0xe6, 0xc0]).map(|s| s.0), Some(4)); // 65523 + 12
        assert_eq!(scan0(&[0xe0, 0xfe, 0xe7, 0xc0]), None); // 65524 + 12
        assert_eq!(scan0(&[0xe0, 0x00]), None);
        assert_eq!(scan0(&[0x0e, 0x00, 0x00]), None); // length 269, no value
        let mut area = std::vec![0x1e, 0x00, 0x01];
        area.extend([b'x'; 270]);
        assert_eq!(scan0(&area).map(|s| s.0), Some(273));
        assert_eq!(scan0(&area[..272]), None);
        // 15: reserved, except as the payload marker.
        for b in [0xf0, 0xf5, 0xfd, 0xfe, 0x0f, 0x5f, 0xdf, 0xef] {
            assert_eq!(scan0(&[b, 0, 0, 0]), None, "{b:#04x}");
        }
    }

    #[test]
    fn payload_marker() {
        assert_eq!(scan0(&[0x11, b'a', 0xff, b'p']), Some((2, false)));
        assert_eq!(scan0(&[0xff, b'p', b'q']), Some((0, false)));
        // With no payload after it: an error unless allowed.
        assert_eq!(scan0(&[0x11, b'a', 0xff]), None);
        assert_eq!(ends(&[0x11, b'a', 0xff], 0, true), Some((2, false)));
        // A value byte 0xff is not a marker.
        assert_eq!(scan0(&[0x01, 0xff]), Some((2, false)));
        // An empty area, and one that starts after a header.
        assert_eq!(scan0(&[]), Some((0, false)));
        assert_eq!(
            ends(&[0x40, 1, 0, 0, 0xb1, b'a'], 4, false),
            Some((6, false))
        );
    }

    #[test]
    fn doubt() {
        // Uri-Path "a" then Uri-Path "b" (a repeatable repeat): no doubt.
        assert_eq!(scan0(&[0xb1, b'a', 0x01, b'b']), Some((4, false)));
        // Content-Format twice: in doubt.
        assert_eq!(scan0(&[0xc0, 0x00]), Some((2, true)));
        // Uri-Host of 0 bytes, and one not ASCII.
        assert_eq!(scan0(&[0x30]), Some((1, true)));
        assert_eq!(scan0(&[0x31, 0xc3]), Some((2, true)));
        // Unregistered: critical 13 in doubt, elective 14 (Max-Age is registered; 2 is not) not.
        assert_eq!(scan0(&[0xd0, 0x00]), Some((2, true)));
        assert_eq!(scan0(&[0x20]), Some((1, false)));
        // Above 64: Echo of 0 bytes in doubt, of 8 not; 65001 (critical) in doubt.
        assert_eq!(scan0(&[0xd0, 0xef]), Some((2, true)));
        let mut echo = std::vec![0xd8, 0xef];
        echo.extend([1; 8]);
        assert_eq!(scan0(&echo), Some((10, false)));
        assert_eq!(scan0(&[0xe0, 0xfc, 0xdc]), Some((3, true)));
        // A common option after 64: Echo then No-Response (258 = 252 + 6) of 2 bytes.
        let mut area = echo.clone();
        area.extend([0x62, 0, 0]);
        assert_eq!(scan0(&area), Some((13, true)));
        area[10] = 0x61;
        assert_eq!(scan0(&area[..12]), Some((12, false)));
        // A long Proxy-Uri that is not ASCII, and one that is.
        let mut area = std::vec![0xdd, 35 - 13, 20 - 13];
        area.extend([b'u'; 20]);
        assert_eq!(scan0(&area), Some((23, false)));
        area[22] = 0xe0;
        assert_eq!(scan0(&area), Some((23, true)));
    }
}
