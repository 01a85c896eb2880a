//! The JSON writer: strings escaped per RFC 8259 §7, integers in decimal, floats in the
//! shortest text that reads back as the same f64 and as a float.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt::Write as _;

use super::{find_stop_wide as find_stop, stop};
use crate::base64::{self, Alphabet};
use crate::error::{Error, Reason};
use crate::path::id_len;
use crate::sink::{Counter, Sink, Slice, Window};
use crate::value::{ObjLink, Opaque, Text};

/// The JSON pieces, written into any [`Sink`].
pub(crate) trait Json: Sink {
    /// Appends text.
    fn str(&mut self, s: &str) -> Result<(), Error> {
        self.put(s.as_bytes())
    }

    /// A JSON string: `"`, the text escaped, `"`.
    #[inline]
    fn string(&mut self, text: Text<'_>) -> Result<(), Error> {
        self.put(b"\"")?;
        match text {
            Text::Plain(s) if find_stop(s.as_bytes()).is_none() => self.str(s)?,
            Text::Plain(s) => escaped(self, s)?,
            // Re-escape from the characters: the writer never trusts a caller's escapes.
            Text::JsonEscaped(_) | Text::CborChunks(_) => {
                for c in text.chars() {
                    let mut tmp = [0u8; 4];
                    escaped(self, c.encode_utf8(&mut tmp))?;
                }
            }
        }
        self.put(b"\"")
    }

    /// A signed integer.
    fn int(&mut self, v: i64) -> Result<(), Error> {
        if v < 0 {
            self.put(b"-")?;
        }
        self.uint(v.unsigned_abs())
    }

    /// An unsigned integer, its digits stored in place (no copy of a variable length, which
    /// costs a call).
    #[inline]
    fn uint(&mut self, v: u64) -> Result<(), Error> {
        if let Some(dst) = self.slot(digits(v))? {
            fill_digits(dst, v);
        }
        Ok(())
    }

    /// An object link as a JSON string, `"object:instance"` (Core 1.1 §7.4.5, the `ov` and `vlo`
    /// values).
    fn objlink(&mut self, l: ObjLink) -> Result<(), Error> {
        self.put(b"\"")?;
        self.uint(u64::from(l.object))?;
        self.put(b":")?;
        self.uint(u64::from(l.instance))?;
        self.put(b"\"")
    }

    /// Path ids `/`-separated (a `/` before the first too with `leading`).
    #[inline]
    fn ids(&mut self, ids: &[u16], leading: bool) -> Result<(), Error> {
        for (k, &id) in ids.iter().enumerate() {
            let slash = usize::from(leading || k > 0);
            if let Some(dst) = self.slot(slash.wrapping_add(id_len(id)))? {
                if let (1, Some(first)) = (slash, dst.first_mut()) {
                    *first = b'/';
                }
                fill_digits(dst.get_mut(slash..).unwrap_or_default(), u64::from(id));
            }
        }
        Ok(())
    }

    /// A finite float, as text that reads back as this f64 and as a float (`21.0`, `2.5e-7`);
    /// a non-finite one is [`Reason::Unrepresentable`].
    fn float(&mut self, v: f64) -> Result<(), Error> {
        let mut buf = Buf::default();
        float_text(v, &mut buf).map_err(|e| Error::new(self.written(), e.reason))?;
        self.put(buf.as_bytes())
    }

    /// A number that is a time or a sum: integers when exact, else as [`Json::float`].
    fn time(&mut self, v: f64) -> Result<(), Error> {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        // `-0` as `0`: a time is a sum with the base time, whose zero has no sign.
        if v.abs() < EXACT {
            // In range, so the cast is exact when there is no fraction (no `fract` in core).
            #[allow(clippy::cast_possible_truncation)]
            let i = v as i64;
            #[allow(clippy::cast_precision_loss)]
            if i as f64 == v {
                return self.int(i);
            }
        }
        self.float(v)
    }

    /// A JSON string of `bytes` in base64 (`alphabet`).
    fn base64(&mut self, bytes: Opaque<'_>, alphabet: Alphabet) -> Result<(), Error> {
        self.put(b"\"")?;
        base64::write_to(self, bytes, alphabet)?;
        self.put(b"\"")
    }
}

impl Json for Counter {
    // Sizes without writing: the same lengths, less work.
    fn string(&mut self, text: Text<'_>) -> Result<(), Error> {
        let n = match text {
            Text::Plain(s) => escaped_len(s),
            Text::JsonEscaped(_) | Text::CborChunks(_) => text
                .chars()
                .map(|c| escaped_len(c.encode_utf8(&mut [0u8; 4])))
                .sum(),
        };
        self.0 = self.0.saturating_add(n).saturating_add(2);
        Ok(())
    }

    fn ids(&mut self, ids: &[u16], leading: bool) -> Result<(), Error> {
        let digits: usize = ids.iter().map(|&id| id_len(id)).sum();
        let slashes = ids.len().saturating_sub(usize::from(!leading));
        self.0 = self.0.saturating_add(digits).saturating_add(slashes);
        Ok(())
    }
}

impl Json for Slice<'_> {}

impl Json for Window<'_> {}

/// `v` in decimal, right-aligned in `dst` (exactly its digits long), two digits at a time.
#[inline]
fn fill_digits(dst: &mut [u8], mut v: u64) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut pairs = dst.rchunks_exact_mut(2);
    for pair in pairs.by_ref() {
        let i = usize::try_from(v % 100).unwrap_or(0).wrapping_mul(2);
        v /= 100;
        if let Some(src) = PAIRS.get(i..i.wrapping_add(2)) {
            pair.copy_from_slice(src);
        }
    }
    if let Some(first) = pairs.into_remainder().first_mut() {
        *first = b'0'.wrapping_add(u8::try_from(v % 10).unwrap_or(0));
    }
}

/// `s` escaped for a JSON string body: `"`, `\\` and the controls (RFC 8259 §7); the runs
/// between them are written whole.
#[cold]
fn escaped<S: Json + ?Sized>(sink: &mut S, s: &str) -> Result<(), Error> {
    let mut rest = s.as_bytes();
    while let Some(i) = find_stop(rest) {
        sink.put(rest.get(..i).unwrap_or_default())?;
        let b = rest.get(i).copied().unwrap_or(0);
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            _ => 0,
        };
        if short == 0 {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
            let lo = HEX.get(usize::from(b & 15)).copied().unwrap_or(b'0');
            sink.put(&[b'\\', b'u', b'0', b'0', hi, lo])?;
        } else {
            sink.put(&[b'\\', short])?;
        }
        rest = rest.get(i.saturating_add(1)..).unwrap_or_default();
    }
    sink.put(rest)
}

/// The length of `s` escaped (as [`escaped`] writes it).
fn escaped_len(s: &str) -> usize {
    let mut n = s.len();
    let Some(first) = find_stop(s.as_bytes()) else {
        return n;
    };
    for &b in s.as_bytes().get(first..).unwrap_or_default() {
        if stop(b) {
            let extra = match b {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
                _ => 5,
            };
            n = n.saturating_add(extra);
        }
    }
    n
}

/// The number of decimal digits of `v`.
#[inline]
fn digits(v: u64) -> usize {
    let mut n = 1usize;
    let mut p = 10u64;
    while v >= p {
        n = n.wrapping_add(1);
        match p.checked_mul(10) {
            Some(q) => p = q,
            None => break,
        }
    }
    n
}

/// A small stack buffer for formatted numbers (room for two `i64`s and a separator).
pub(crate) struct Buf {
    bytes: [u8; 48],
    len: usize,
}

impl Default for Buf {
    fn default() -> Self {
        Buf {
            bytes: [0; 48],
            len: 0,
        }
    }
}

impl Buf {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl core::fmt::Write for Buf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.saturating_add(s.len());
        let dst = self.bytes.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The shortest round-trip digits of `v` (Rust's `Display`/`LowerExp` of f64), in positional
/// form for magnitudes in `1e-5..1e16` (with `.0` when there is no fraction) and in exponent
/// form outside, so that every finite value reads back as a float.
fn float_text(v: f64, buf: &mut Buf) -> Result<(), Error> {
    let unrepresentable = Error::new(0, Reason::Unrepresentable);
    if !v.is_finite() {
        return Err(unrepresentable);
    }
    let a = v.abs();
    if a != 0.0 && !(1e-5..1e16).contains(&a) {
        write!(buf, "{v:e}").map_err(|_| unrepresentable)?;
        return Ok(());
    }
    write!(buf, "{v}").map_err(|_| unrepresentable)?;
    if !buf.as_bytes().contains(&b'.') {
        buf.write_str(".0").map_err(|_| unrepresentable)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::String;
    use std::vec::Vec;

    fn text(
        f: impl Fn(&mut Counter) -> Result<(), Error>,
        g: impl Fn(&mut Slice<'_>) -> Result<(), Error>,
    ) -> String {
        let mut c = Counter::default();
        f(&mut c).unwrap();
        let mut out = std::vec![0u8; c.0];
        let mut s = Slice::new(&mut out);
        g(&mut s).unwrap();
        assert_eq!(s.written(), c.0);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_read_back_as_floats() {
        for (v, t) in [
            (21.0, "21.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (23.5, "23.5"),
            (0.1, "0.1"),
            (1e16, "1e16"),
            (1.5e300, "1.5e300"),
            (2.5e-7, "2.5e-7"),
            (123_456.789, "123456.789"),
            (f64::MAX, "1.7976931348623157e308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
        ] {
            assert_eq!(text(|s| s.float(v), |s| s.float(v)), t);
            assert_eq!(t.parse::<f64>().unwrap(), v);
        }
        let mut c = Counter::default();
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(c.float(v).unwrap_err().reason, Reason::Unrepresentable);
        }
    }

    #[test]
    fn integers_times_and_strings() {
        assert_eq!(
            text(|s| s.int(i64::MIN), |s| s.int(i64::MIN)),
            "-9223372036854775808"
        );
        assert_eq!(
            text(|s| s.uint(u64::MAX), |s| s.uint(u64::MAX)),
            "18446744073709551615"
        );
        assert_eq!(text(|s| s.uint(0), |s| s.uint(0)), "0");
        assert_eq!(text(|s| s.time(1.5e9), |s| s.time(1.5e9)), "1500000000");
        assert_eq!(text(|s| s.time(-5.25), |s| s.time(-5.25)), "-5.25");
        let t = Text::Plain("a\"b\\c\n\u{1}é");
        assert_eq!(
            text(|s| s.string(t), |s| s.string(t)),
            r#""a\"b\\c\n\u0001é""#
        );
        let e = Text::JsonEscaped(r"\u0041\/\ud83d\ude00\u001f");
        assert_eq!(text(|s| s.string(e), |s| s.string(e)), "\"A/😀\\u001f\"");
        let mut small = [0u8; 3];
        assert_eq!(
            Slice::new(&mut small).string(t).unwrap_err(),
            Error::new(2, Reason::BufferTooSmall)
        );
    }

    #[test]
    fn digit_counts() {
        let mut p = 1u64;
        for n in 1..=20 {
            assert_eq!(digits(p), n, "{p}");
            assert_eq!(digits(p - 1), (n - 1).max(1), "{}", p - 1);
            p = p.saturating_mul(10);
        }
        assert_eq!(digits(0), 1);
        assert_eq!(digits(u64::MAX), 20);
        for id in [0u16, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65534] {
            assert_eq!(id_len(id), digits(u64::from(id)));
        }
        for v in [0u64, 7, 10, 99, 100, 12_345, 1_367_491_215, u64::MAX] {
            let mut buf = [0u8; 20];
            let n = digits(v);
            fill_digits(&mut buf[..n], v);
            assert_eq!(
                core::str::from_utf8(&buf[..n]).unwrap(),
                std::format!("{v}")
            );
        }
    }

    #[test]
    fn base64_in_chunks() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        let raw = Opaque::Raw(&bytes);
        let url = text(
            |s| s.base64(raw, Alphabet::UrlNoPad),
            |s| s.base64(raw, Alphabet::UrlNoPad),
        );
        assert_eq!(url.len(), 2 + base64::encoded_len(256, Alphabet::UrlNoPad));
        let inner = &url[1..url.len() - 1];
        let again = Opaque::Base64(inner);
        let std_text = text(
            |s| s.base64(again, Alphabet::Standard),
            |s| s.base64(again, Alphabet::Standard),
        );
        let mut back = [0u8; 256];
        assert_eq!(
            base64::decode_into(&std_text[1..std_text.len() - 1], &mut back).unwrap(),
            256
        );
        assert_eq!(&back[..], &bytes[..]);
    }
}
