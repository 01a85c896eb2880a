//! Execute arguments (OMA-TS-LightweightM2M 1.0 §5.4.5, Core 1.1 §6.3.5): `0='value',1,2='x'`, each a digit
//! with an optional quoted value.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{Error, Reason};

/// One argument: its digit, and its value if it has one (the text between the quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Arg<'a> {
    /// 0-9.
    pub digit: u8,
    /// The value, without its quotes.
    pub value: Option<&'a str>,
}

/// The arguments of an Execute payload, in order; an empty payload has none. A digit given
/// twice is an error (Core 1.2.1 §6.3.5; Leshan and Anjay refuse it too). The first error ends
/// the iteration.
pub fn args(payload: &[u8]) -> impl Iterator<Item = Result<Arg<'_>, Error>> + '_ {
    let mut pos = 0usize;
    let mut done = payload.is_empty();
    let mut seen = 0u16;
    core::iter::from_fn(move || {
        if done {
            return None;
        }
        let at = pos;
        let r = one(payload, &mut pos).and_then(|a| {
            let bit = 1u16.checked_shl(u32::from(a.digit)).unwrap_or(0);
            if seen & bit != 0 {
                return Err(Error::new(at, Reason::BadText));
            }
            seen |= bit;
            Ok(a)
        });
        match r {
            Ok(_) if pos == payload.len() => done = true,
            Ok(_) if payload.get(pos) == Some(&b',') && pos.saturating_add(1) < payload.len() => {
                pos = pos.saturating_add(1);
            }
            Ok(_) => {
                done = true;
                return Some(Err(Error::new(pos, Reason::BadText)));
            }
            Err(_) => done = true,
        }
        Some(r)
    })
}

fn one<'a>(p: &'a [u8], pos: &mut usize) -> Result<Arg<'a>, Error> {
    let bad = |at: usize| Error::new(at, Reason::BadText);
    let d = *p.get(*pos).ok_or(bad(*pos))?;
    if !d.is_ascii_digit() {
        return Err(bad(*pos));
    }
    *pos = pos.saturating_add(1);
    let digit = d.wrapping_sub(b'0');
    if p.get(*pos) != Some(&b'=') {
        return Ok(Arg { digit, value: None });
    }
    let open = pos.saturating_add(1);
    if p.get(open) != Some(&b'\'') {
        return Err(bad(open));
    }
    let start = open.saturating_add(1);
    let rest = p.get(start..).ok_or(bad(start))?;
    let len = rest.iter().position(|&c| c == b'\'').ok_or(bad(p.len()))?;
    let text = rest.get(..len).ok_or(bad(start))?;
    // CHAR of §5.4.5 (1.1 §6.3.5): "!" / %x23-26 / %x28-5B / %x5D-7E, so no `"` and no `\`;
    // a space is taken too, as the specification's own example has one.
    let char_ok = |c: u8| matches!(c, b' ' | b'!' | 0x23..=0x26 | 0x28..=0x5b | 0x5d..=0x7e);
    if let Some(i) = text.iter().position(|&c| !char_ok(c)) {
        return Err(bad(start.saturating_add(i)));
    }
    let value = core::str::from_utf8(text).map_err(|_| bad(start))?;
    *pos = start.saturating_add(len).saturating_add(1);
    Ok(Arg {
        digit,
        value: Some(value),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    #[test]
    fn execute_arguments() {
        // §5.4.5 example.
        let got: Vec<_> = args(b"0='ab',1,2='x y'").collect::<Result<_, _>>().unwrap();
        assert_eq!(
            got,
            [
                Arg {
                    digit: 0,
                    value: Some("ab")
                },
                Arg {
                    digit: 1,
                    value: None
                },
                Arg {
                    digit: 2,
                    value: Some("x y")
                },
            ]
        );
        assert_eq!(args(b"").count(), 0);
        assert_eq!(
            args(b"5").collect::<Vec<_>>(),
            [Ok(Arg {
                digit: 5,
                value: None
            })]
        );
        for bad in [
            &b"a"[..],
            b"0=",
            b"0='a",
            b"0=a",
            b"0,",
            b"01",
            b"0='\x01'",
            b",0",
            // Leshan `ArgumentValidationTest` / `ArgumentsParsingTest`: `"`, `\` and DEL are
            // no CHAR; a digit twice.
            b"1='\"'",
            b"1='\\'",
            b"1='\x7f'",
            b"4,4",
            b"0='a',1,0",
        ] {
            assert!(
                args(bad).any(|r| r.is_err()),
                "{:?}",
                std::string::String::from_utf8_lossy(bad)
            );
        }
    }
}
