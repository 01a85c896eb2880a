//! Base64 (RFC 4648 §4) and base64url (§5) for opaque values in the JSON formats: SenML JSON
//! `vd` uses base64url (RFC 8428 §5), LwM2M JSON `sv` of an Opaque resource uses base64
//! (OMA-TS-LightweightM2M_Core 1.0 §6.4.4), as text/plain does (§7.4.1). Decoding accepts both
//! alphabets and optional padding; encoding writes what each format specifies.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{Error, Reason};
use crate::sink::Sink;
use crate::value::Opaque;

/// Which alphabet, and whether to pad, when encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Alphabet {
    /// `A-Z a-z 0-9 + /` with `=` padding.
    Standard,
    /// `A-Z a-z 0-9 - _` without padding.
    UrlNoPad,
}

fn sextet(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c.wrapping_sub(b'A'),
        b'a'..=b'z' => c.wrapping_sub(b'a').wrapping_add(26),
        b'0'..=b'9' => c.wrapping_sub(b'0').wrapping_add(52),
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    })
}

/// The length of the text's body, without its padding, after checking the padding is where
/// it may be (`None` otherwise). The text comes as bytes, a non-ASCII character standing as a
/// byte no alphabet has.
fn body_len(text: impl Iterator<Item = u8>) -> Option<usize> {
    let (mut total, mut pad) = (0usize, 0usize);
    for c in text {
        total = total.saturating_add(1);
        // An `=` followed by more is in the body (and no base64 character there).
        pad = if c == b'=' { pad.saturating_add(1) } else { 0 };
    }
    match pad {
        0 => {}
        1 | 2 if total % 4 == 0 => {}
        _ => return None,
    }
    let body = total.saturating_sub(pad);
    // One leftover character cannot hold a byte.
    (body % 4 != 1).then_some(body)
}

/// The number of bytes the text of `text` decodes to; an error if it is not base64.
fn decoded_len_of(text: impl Iterator<Item = u8>) -> Result<usize, Error> {
    let body = body_len(text).ok_or(Error::new(0, Reason::BadBase64))?;
    Ok((body / 4)
        .saturating_mul(3)
        .saturating_add((body % 4).saturating_sub(1)))
}

/// The number of bytes `text` decodes to; an error if it is not base64.
pub fn decoded_len(text: &str) -> Result<usize, Error> {
    decoded_len_of(text.bytes())
}

/// The bytes of base64 text given as bytes (`text`), whose body is `body` long
/// ([`body_len`]), one at a time; an error (at the offending character) ends the iteration.
fn decode_of<'a>(
    text: impl Iterator<Item = u8> + 'a,
    body: Option<usize>,
) -> impl Iterator<Item = Result<u8, Error>> + 'a {
    let mut body = body
        .ok_or(Error::new(0, Reason::BadBase64))
        .map(|n| text.take(n));
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut pos = 0usize;
    let mut done = false;
    core::iter::from_fn(move || {
        if done {
            return None;
        }
        let chars = match body.as_mut() {
            Ok(b) => b,
            Err(e) => {
                done = true;
                return Some(Err(*e));
            }
        };
        loop {
            if bits >= 8 {
                bits = bits.saturating_sub(8);
                return Some(Ok(u8::try_from((acc >> bits) & 0xff).unwrap_or(0)));
            }
            let Some(c) = chars.next() else {
                done = true;
                // Leftover bits must be zero (RFC 4648 §3.5, canonical encoding).
                let mask = (1u32 << bits).wrapping_sub(1);
                return (acc & mask != 0)
                    .then(|| Err(Error::new(pos.saturating_sub(1), Reason::BadBase64)));
            };
            let Some(v) = sextet(c) else {
                done = true;
                return Some(Err(Error::new(pos, Reason::BadBase64)));
            };
            pos = pos.saturating_add(1);
            acc = ((acc << 6) | u32::from(v)) & 0xffff;
            bits = bits.saturating_add(6);
        }
    })
}

/// The decoded bytes, one at a time; an error (at the offending character) ends the iteration.
pub fn decode_iter(text: &str) -> impl Iterator<Item = Result<u8, Error>> + '_ {
    decode_of(text.bytes(), body_len(text.bytes()))
}

/// The characters of JSON string contents with escapes (`\/`, `\u0041`) resolved, as bytes;
/// a character beyond ASCII stands as a byte no base64 alphabet has.
fn unescaped(raw: &str) -> impl Iterator<Item = u8> + '_ {
    crate::value::unescaped(raw, true)
        .map(|c| u8::try_from(c).ok().filter(u8::is_ascii).unwrap_or(0xff))
}

/// [`decoded_len`] of base64 text written as JSON string contents with escapes.
pub(crate) fn decoded_len_escaped(raw: &str) -> Result<usize, Error> {
    decoded_len_of(unescaped(raw))
}

/// [`decode_iter`] of base64 text written as JSON string contents with escapes.
pub(crate) fn decode_escaped(raw: &str) -> impl Iterator<Item = Result<u8, Error>> + '_ {
    decode_of(unescaped(raw), body_len(unescaped(raw)))
}

/// Decodes into `out` the `n` bytes `bytes` gives; returns `n`.
fn decode_into_of(
    n: usize,
    mut bytes: impl Iterator<Item = Result<u8, Error>>,
    out: &mut [u8],
) -> Result<usize, Error> {
    let dst = out
        .get_mut(..n)
        .ok_or(Error::new(0, Reason::BufferTooSmall))?;
    for slot in dst.iter_mut() {
        *slot = bytes.next().ok_or(Error::new(0, Reason::BadBase64))??;
    }
    if let Some(Err(e)) = bytes.next() {
        return Err(e);
    }
    Ok(n)
}

/// Decodes into `out`; returns the number of bytes written.
pub fn decode_into(text: &str, out: &mut [u8]) -> Result<usize, Error> {
    decode_into_of(decoded_len(text)?, decode_iter(text), out)
}

/// [`decode_into`] of base64 text written as JSON string contents with escapes.
pub(crate) fn decode_escaped_into(raw: &str, out: &mut [u8]) -> Result<usize, Error> {
    decode_into_of(decoded_len_escaped(raw)?, decode_escaped(raw), out)
}

/// The length of the encoding of `len` bytes.
#[must_use]
pub const fn encoded_len(len: usize, alphabet: Alphabet) -> usize {
    match alphabet {
        Alphabet::Standard => len.div_ceil(3).saturating_mul(4),
        Alphabet::UrlNoPad => (len / 3).saturating_mul(4).saturating_add(match len % 3 {
            0 => 0,
            1 => 2,
            _ => 3,
        }),
    }
}

/// Encodes `bytes` into `out`; returns the number of characters written.
pub fn encode_into(bytes: &[u8], alphabet: Alphabet, out: &mut [u8]) -> Result<usize, Error> {
    const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let table = match alphabet {
        Alphabet::Standard => STD,
        Alphabet::UrlNoPad => URL,
    };
    let n = encoded_len(bytes.len(), alphabet);
    let dst = out
        .get_mut(..n)
        .ok_or(Error::new(0, Reason::BufferTooSmall))?;
    let mut w = dst.iter_mut();
    let mut put = |c: u8| {
        if let Some(slot) = w.next() {
            *slot = c;
        }
    };
    let sym = |v: u32| {
        table
            .get(usize::try_from(v & 63).unwrap_or(0))
            .copied()
            .unwrap_or(b'A')
    };
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let v = (b(0) << 16) | (b(1) << 8) | b(2);
        put(sym(v >> 18));
        put(sym(v >> 12));
        if chunk.len() > 1 {
            put(sym(v >> 6));
        } else if alphabet == Alphabet::Standard {
            put(b'=');
        }
        if chunk.len() > 2 {
            put(sym(v));
        } else if alphabet == Alphabet::Standard {
            put(b'=');
        }
    }
    Ok(n)
}

/// Writes `bytes` in base64 (`alphabet`) into `sink`, 48 bytes at a time.
pub(crate) fn write_to<S: Sink + ?Sized>(
    sink: &mut S,
    bytes: Opaque<'_>,
    alphabet: Alphabet,
) -> Result<(), Error> {
    let chunk_out = |chunk: &[u8], sink: &mut S| {
        let mut out = [0u8; 64];
        let n = encode_into(chunk, alphabet, &mut out)?;
        sink.put(out.get(..n).unwrap_or_default())
    };
    if let Opaque::Raw(raw) = bytes {
        for chunk in raw.chunks(48) {
            chunk_out(chunk, sink)?;
        }
        return Ok(());
    }
    // Whole groups of three, so the pieces join into one encoding.
    let mut chunk = [0u8; 48];
    let mut n = 0usize;
    for b in bytes.bytes() {
        if let Some(slot) = chunk.get_mut(n) {
            *slot = b;
            n = n.saturating_add(1);
        }
        if n == chunk.len() {
            chunk_out(&chunk, sink)?;
            n = 0;
        }
    }
    chunk_out(chunk.get(..n).unwrap_or_default(), sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_section10_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in cases {
            let mut out = [0u8; 16];
            let n = encode_into(plain.as_bytes(), Alphabet::Standard, &mut out).unwrap();
            assert_eq!(&out[..n], enc.as_bytes());
            let n = decode_into(enc, &mut out).unwrap();
            assert_eq!(&out[..n], plain.as_bytes());
            let unpadded = enc.trim_end_matches('=');
            let n = encode_into(plain.as_bytes(), Alphabet::UrlNoPad, &mut out).unwrap();
            assert_eq!(&out[..n], unpadded.as_bytes());
            let n = decode_into(unpadded, &mut out).unwrap();
            assert_eq!(&out[..n], plain.as_bytes());
        }
    }

    #[test]
    fn url_alphabet_and_errors() {
        let mut out = [0u8; 8];
        let n = encode_into(&[0xfb, 0xff], Alphabet::UrlNoPad, &mut out).unwrap();
        assert_eq!(&out[..n], b"-_8");
        assert_eq!(decode_into("-_8", &mut out).unwrap(), 2);
        assert_eq!(&out[..2], &[0xfb, 0xff]);
        for bad in [
            "Z", "Zg=", "Zg===", "Z=g=", "Zh==", "Zm9v!A==", "=", "Zg==Zg==",
        ] {
            assert!(decode_into(bad, &mut out).is_err(), "{bad}");
        }
    }
}
