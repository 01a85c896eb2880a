//! Options: the header nibbles and their extensions (RFC 7252 §3.1), the one option iterator of
//! the crate, the registry ([`number`]) and the typed values ([`value`]).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub mod number;
pub mod value;

pub use number::{Format, OptionDef, OptionNumber, REGISTRY};

use crate::error::Reason;

/// One option of a message: its number and its value, borrowed from the message.
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

/// What [`step`] found at a position of the option area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// An option: its number, the delta that led to it, and its value's range in the buffer.
    Option {
        number: u16,
        delta: u32,
        start: usize,
        end: usize,
    },
    /// The payload marker 0xFF at the position.
    Marker,
    /// The end of the buffer.
    End,
}

/// Reads an extended delta or length: `nibble` 0-12 is the value, 13 and 14 take one or two
/// more bytes at `*pos` (RFC 7252 §3.1), 15 is `None` (the caller says which error it is).
#[inline(always)]
fn extended(buf: &[u8], pos: &mut usize, nibble: u8) -> Result<Option<u32>, Reason> {
    match nibble {
        0..=12 => Ok(Some(u32::from(nibble))),
        13 => match buf.get(*pos) {
            Some(&b) => {
                *pos = pos.saturating_add(1);
                Ok(Some(u32::from(b).saturating_add(13)))
            }
            None => Err(Reason::Truncated { needed: 1 }),
        },
        14 => match buf.get(*pos..pos.saturating_add(2)) {
            Some(&[a, b]) => {
                *pos = pos.saturating_add(2);
                Ok(Some(
                    u32::from(u16::from_be_bytes([a, b])).saturating_add(269),
                ))
            }
            _ => Err(Reason::Truncated {
                needed: pos.saturating_add(2).saturating_sub(buf.len()),
            }),
        },
        _ => Ok(None),
    }
}

/// Reads the option (or the payload marker) at `pos`, after an option numbered `prev`. On an
/// error, returns the reason and the offset of the field it concerns.
#[inline(always)]
pub(crate) fn step(buf: &[u8], pos: usize, prev: u16) -> Result<Step, (Reason, usize)> {
    let Some(&b) = buf.get(pos) else {
        return Ok(Step::End);
    };
    let (dn, ln) = (b >> 4, b & 0x0f);
    if dn < 13 && ln < 13 {
        // The common case: no extension bytes.
        let start = pos.saturating_add(1);
        let end = start.saturating_add(usize::from(ln));
        let Some(number) = prev.checked_add(u16::from(dn)) else {
            return Err((Reason::OptionNumber, pos));
        };
        if end > buf.len() {
            let needed = end.saturating_sub(buf.len());
            return Err((Reason::Truncated { needed }, start));
        }
        return Ok(Step::Option {
            number,
            delta: u32::from(dn),
            start,
            end,
        });
    }
    if b == 0xff {
        return Ok(Step::Marker);
    }
    let mut p = pos.saturating_add(1);
    let delta = match extended(buf, &mut p, b >> 4) {
        Ok(Some(d)) => d,
        Ok(None) => return Err((Reason::OptionDelta, pos)),
        Err(r) => return Err((r, p)),
    };
    let len = match extended(buf, &mut p, b & 0x0f) {
        Ok(Some(l)) => l,
        Ok(None) => return Err((Reason::OptionLength, pos)),
        Err(r) => return Err((r, p)),
    };
    let number = u32::from(prev).saturating_add(delta);
    let Ok(number) = u16::try_from(number) else {
        return Err((Reason::OptionNumber, pos));
    };
    let end = p.saturating_add(len as usize);
    if end > buf.len() {
        return Err((
            Reason::Truncated {
                needed: end.saturating_sub(buf.len()),
            },
            p,
        ));
    }
    Ok(Step::Option {
        number,
        delta,
        start: p,
        end,
    })
}

/// The options of a message, in order, borrowed from it. Each step is O(1); nothing allocates.
///
/// It walks bytes that the message's parser (or builder) has already validated, so it never
/// meets an error; if it were given bytes that were not, it would stop at the first bad one.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    buf: &'a [u8],
    pos: usize,
    prev: u16,
}

impl<'a> Options<'a> {
    /// The options of a validated option area (no payload marker inside).
    pub(crate) const fn new(buf: &'a [u8]) -> Self {
        Options {
            buf,
            pos: 0,
            prev: 0,
        }
    }

    /// The options with this number, in order.
    pub fn with(self, number: OptionNumber) -> impl Iterator<Item = &'a [u8]> + Clone {
        self.skip_while(move |o| o.number < number)
            .take_while(move |o| o.number == number)
            .map(|o| o.value)
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = CoapOption<'a>;

    #[inline]
    fn next(&mut self) -> Option<CoapOption<'a>> {
        match step(self.buf, self.pos, self.prev) {
            Ok(Step::Option {
                number, start, end, ..
            }) => {
                self.pos = end;
                self.prev = number;
                Some(CoapOption {
                    number: OptionNumber(number),
                    value: self.buf.get(start..end).unwrap_or_default(),
                })
            }
            _ => None,
        }
    }
}

impl core::iter::FusedIterator for Options<'_> {}

/// The nibble and extension bytes that write `v` as an option delta or length (RFC 7252 §3.1).
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // v <= 12 in that arm
pub(crate) const fn nibble(v: u32) -> (u8, usize) {
    match v {
        0..=12 => (v as u8, 0),
        13..=268 => (13, 1),
        _ => (14, 2),
    }
}

/// Bytes of the option header for this delta and length: one byte and the extensions.
#[inline(always)]
pub(crate) const fn header_len(delta: u32, len: u32) -> usize {
    1usize
        .saturating_add(nibble(delta).1)
        .saturating_add(nibble(len).1)
}

/// Writes an option header at the start of `out` and returns its length; `None` if `out` is
/// too short. `delta` and `len` must be below 65805.
#[inline(always)]
pub(crate) fn write_header(out: &mut [u8], delta: u32, len: u32) -> Option<usize> {
    let (dn, dx) = nibble(delta);
    let (ln, lx) = nibble(len);
    let (first, rest) = out.split_first_mut()?;
    *first = (dn << 4) | ln;
    let rest = put_ext(rest, delta, dx)?;
    put_ext(rest, len, lx)?;
    Some(1usize.saturating_add(dx).saturating_add(lx))
}

#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // the value is below 65805, checked by the callers
fn put_ext(out: &mut [u8], v: u32, n: usize) -> Option<&mut [u8]> {
    match n {
        0 => Some(out),
        1 => {
            let (b, rest) = out.split_first_mut()?;
            *b = v.saturating_sub(13) as u8;
            Some(rest)
        }
        _ => {
            let (b, rest) = out.split_first_chunk_mut::<2>()?;
            *b = (v.saturating_sub(269) as u16).to_be_bytes();
            Some(rest)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps() {
        // Uri-Host "localhost" (delta 3, length 9), then Uri-Path "tv1" (delta 8, length 3).
        let buf = b"\x39localhost\x83tv1\xff!";
        let Ok(Step::Option {
            number, start, end, ..
        }) = step(buf, 0, 0)
        else {
            panic!()
        };
        assert_eq!((number, start, end), (3, 1, 10));
        let Ok(Step::Option {
            number, start, end, ..
        }) = step(buf, 10, 3)
        else {
            panic!()
        };
        assert_eq!((number, start, end), (11, 11, 14));
        assert_eq!(step(buf, 14, 11), Ok(Step::Marker));
        assert_eq!(step(buf, 16, 11), Ok(Step::End));
    }

    #[test]
    fn extensions() {
        // Delta 13 + 0xff = 268, length 14 + 0x0000 = 269 (value runs past the end).
        assert_eq!(
            step(&[0xde, 0xff, 0, 0], 0, 0),
            Err((Reason::Truncated { needed: 269 }, 4))
        );
        assert_eq!(
            step(&[0xe0, 0xff, 0xff], 0, 0),
            Err((Reason::OptionNumber, 0))
        );
        assert_eq!(
            step(&[0xe0, 0xfe, 0xf2], 0, 0)
                .map(|s| matches!(s, Step::Option { number: 65535, .. })),
            Ok(true)
        );
        assert_eq!(step(&[0xf1], 0, 0), Err((Reason::OptionDelta, 0)));
        assert_eq!(step(&[0x1f], 0, 0), Err((Reason::OptionLength, 0)));
        assert_eq!(
            step(&[0xd0], 0, 0),
            Err((Reason::Truncated { needed: 1 }, 1))
        );
        assert_eq!(
            step(&[0x0e, 1], 0, 0),
            Err((Reason::Truncated { needed: 1 }, 1))
        );
    }

    #[test]
    fn headers_round_trip() {
        for delta in [0u32, 12, 13, 268, 269, 1000, 65535] {
            for len in [0u32, 12, 13, 268, 269, 65804] {
                let mut out = [0u8; 5];
                let n = write_header(&mut out, delta, len).unwrap();
                assert_eq!(n, header_len(delta, len));
                let mut p = 1;
                let d = extended(&out, &mut p, out[0] >> 4).unwrap().unwrap();
                let l = extended(&out, &mut p, out[0] & 15).unwrap().unwrap();
                assert_eq!((d, l, p), (delta, len, n));
            }
        }
        assert_eq!(write_header(&mut [0u8; 2], 269, 0), None);
    }
}
