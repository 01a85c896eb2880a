//! Plain text (Content-Format 0, OMA-TS-LightweightM2M_Core §7.4.1) and opaque (42, §7.4.2)
//! bodies: one resource (instance) value each.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{Error, Reason};
use crate::sink::{Counter, Sink, Slice, write_fmt};
use crate::value::{DataType, ObjLink, Opaque, Text, Untyped, Value};

/// A text/plain body as an untyped value, after checking it is UTF-8.
pub fn decode(body: &[u8]) -> Result<Value<'_>, Error> {
    let text =
        core::str::from_utf8(body).map_err(|e| Error::new(e.valid_up_to(), Reason::BadUtf8))?;
    Ok(Value::Untyped(Untyped::Text(text)))
}

/// An opaque body (§7.4.2): the bytes themselves.
#[must_use]
pub fn decode_opaque(body: &[u8]) -> Value<'_> {
    Value::Opaque(Opaque::Raw(body))
}

/// A decimal integer: an optional `-`, then digits (no `+`, no spaces).
fn is_integer(t: &str) -> bool {
    let digits = t.strip_prefix('-').unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A decimal number as JSON writes it (RFC 8259 §6, leading zeros tolerated): `-`, digits,
/// optional fraction, optional exponent.
pub(crate) fn is_decimal(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i = i.saturating_add(1);
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i = i.saturating_add(1);
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i = i.saturating_add(1);
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i = i.saturating_add(1);
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Interprets text/plain content as `ty` (§7.4.1): decimal integers and floats, `0`/`1`
/// booleans, `object:instance` links, and base64 for Opaque (LwM2M 1.0).
pub fn value_as(text: &str, ty: DataType) -> Result<Value<'_>, Error> {
    let bad = |r| Error::new(0, r);
    match ty {
        DataType::String => Ok(Value::Str(Text::Plain(text))),
        DataType::Corelnk => Ok(Value::CoreLink(Text::Plain(text))),
        DataType::Integer | DataType::Time => {
            if !is_integer(text) {
                return Err(bad(Reason::BadInteger));
            }
            let i = text.parse::<i64>().map_err(|_| bad(Reason::BadInteger))?;
            Ok(if ty == DataType::Time {
                Value::Time(i)
            } else {
                Value::Int(i)
            })
        }
        DataType::UnsignedInteger => {
            if !is_integer(text) || text.starts_with('-') {
                return Err(bad(Reason::BadInteger));
            }
            text.parse::<u64>()
                .map(Value::Uint)
                .map_err(|_| bad(Reason::BadInteger))
        }
        DataType::Float => {
            if !is_decimal(text) {
                return Err(bad(Reason::BadFloat));
            }
            let f = text.parse::<f64>().map_err(|_| bad(Reason::BadFloat))?;
            if f.is_finite() {
                Ok(Value::Float(f))
            } else {
                Err(bad(Reason::BadFloat))
            }
        }
        DataType::Boolean => match text {
            "0" => Ok(Value::Bool(false)),
            "1" => Ok(Value::Bool(true)),
            _ => Err(bad(Reason::BadBoolean)),
        },
        DataType::Objlnk => ObjLink::parse(text).map(Value::ObjLink),
        DataType::Opaque => {
            crate::base64::decoded_len(text)?;
            if crate::base64::decode_iter(text).any(|r| r.is_err()) {
                return Err(bad(Reason::BadBase64));
            }
            Ok(Value::Opaque(Opaque::Base64(text)))
        }
        DataType::None => {
            if text.is_empty() {
                Ok(Value::Str(Text::Plain("")))
            } else {
                Err(bad(Reason::BadText))
            }
        }
    }
}

/// The opaque (§7.4.2) or text/plain (§7.4.1) form of a value: its length, then the bytes.
/// Opaque values are written raw, for Content-Format 42 ([`encode_plain`] writes them in
/// base64, as text/plain carries them).
pub fn encoded_len(value: &Value<'_>) -> Result<usize, Error> {
    let mut counter = Counter::new();
    write(value, &mut counter)?;
    Ok(counter.0)
}

/// Writes the text/plain form of `value` into `out`, an Opaque value raw (for Content-Format
/// 42).
pub fn encode(value: &Value<'_>, out: &mut [u8]) -> Result<usize, Error> {
    let mut w = Slice::new(out);
    write(value, &mut w)?;
    Ok(w.written())
}

/// The size of [`encode_plain`]'s output.
pub fn encoded_len_plain(value: &Value<'_>) -> Result<usize, Error> {
    let mut counter = Counter::new();
    write_plain(value, &mut counter)?;
    Ok(counter.0)
}

/// Writes the text/plain form of `value` into `out` (§7.4.1), an Opaque value in base64
/// (standard alphabet, padded, as Leshan, Wakaama and Anjay write it).
pub fn encode_plain(value: &Value<'_>, out: &mut [u8]) -> Result<usize, Error> {
    let mut w = Slice::new(out);
    write_plain(value, &mut w)?;
    Ok(w.written())
}

/// Writes `value` as [`encode_plain`] does, into any sink.
pub(crate) fn write_plain<S: Sink>(value: &Value<'_>, sink: &mut S) -> Result<(), Error> {
    match *value {
        Value::Opaque(o) => crate::base64::write_to(sink, o, crate::base64::Alphabet::Standard),
        ref v => write(v, sink),
    }
}

/// Writes `value` as [`encode`] does, into any sink.
pub(crate) fn write<S: Sink>(value: &Value<'_>, sink: &mut S) -> Result<(), Error> {
    match *value {
        Value::Str(t) | Value::CoreLink(t) => match t.as_str() {
            Some(s) => sink.put(s.as_bytes()),
            None => t
                .chars()
                .try_for_each(|c| sink.put(c.encode_utf8(&mut [0; 4]).as_bytes())),
        },
        Value::Int(i) | Value::Time(i) => write_fmt(sink, format_args!("{i}")),
        Value::Uint(u) => write_fmt(sink, format_args!("{u}")),
        Value::Float(f) if f.is_finite() => write_fmt(sink, format_args!("{f}")),
        Value::Float(_) => Err(Error::new(0, Reason::Unrepresentable)),
        Value::Bool(b) => sink.put(if b { b"1" } else { b"0" }),
        Value::ObjLink(l) => write_fmt(sink, format_args!("{l}")),
        Value::Opaque(o) => o.bytes().try_for_each(|b| sink.put(&[b])),
        Value::Untyped(Untyped::Text(t)) => sink.put(t.as_bytes()),
        Value::Untyped(Untyped::Tlv(b)) => sink.put(b),
        Value::Null => Err(Error::new(0, Reason::Unrepresentable)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: Value<'_>) -> std::string::String {
        let mut out = [0u8; 64];
        let n = encode(&v, &mut out).unwrap();
        assert_eq!(n, encoded_len(&v).unwrap());
        std::string::String::from_utf8(out[..n].to_vec()).unwrap()
    }
    extern crate std;

    #[test]
    fn opaque_is_base64_in_text_plain_and_raw_in_opaque() {
        let v = Value::Opaque(Opaque::Raw(&[0x01, 0xff, 0x80]));
        let mut out = [0u8; 16];
        let n = encode_plain(&v, &mut out).unwrap();
        assert_eq!(&out[..n], b"Af+A");
        assert_eq!(encoded_len_plain(&v).unwrap(), 4);
        let n = encode(&v, &mut out).unwrap();
        assert_eq!(&out[..n], [0x01, 0xff, 0x80]);
        // Through the body layer, and back.
        let p = crate::path::Path::resource(19, 0, 0);
        let r = [crate::value::Record::new(p, v)];
        for (format, want) in [
            (crate::ContentFormat::TEXT_PLAIN, &b"Af+A"[..]),
            (crate::ContentFormat::OCTET_STREAM, &[0x01, 0xff, 0x80][..]),
        ] {
            let n = crate::body::encode(format, &p, &r, &mut out).unwrap();
            assert_eq!(&out[..n], want);
            assert_eq!(crate::body::encoded_len(format, &p, &r).unwrap(), n);
        }
        let back = value_as("Af+A", DataType::Opaque).unwrap();
        let Value::Opaque(o) = back else {
            panic!("{back:?}")
        };
        assert!(o.bytes().eq([0x01, 0xff, 0x80]));
        // Non-base64 text is no Opaque value; other values are unchanged by the plain form.
        assert!(value_as("Af+", DataType::Opaque).is_err());
        let n = encode_plain(&Value::Int(-5), &mut out).unwrap();
        assert_eq!(&out[..n], b"-5");
    }

    #[test]
    fn typed_text_values() {
        // §7.4.1 examples: the Current Time "1367491215" and a manufacturer string.
        assert_eq!(
            value_as("1367491215", DataType::Time).unwrap(),
            Value::Time(1_367_491_215)
        );
        assert_eq!(
            value_as("Open Mobile Alliance", DataType::String).unwrap(),
            Value::Str(Text::Plain("Open Mobile Alliance"))
        );
        assert_eq!(value_as("-12", DataType::Integer).unwrap(), Value::Int(-12));
        assert_eq!(
            value_as("18446744073709551615", DataType::UnsignedInteger).unwrap(),
            Value::Uint(u64::MAX)
        );
        assert_eq!(
            value_as("23.5", DataType::Float).unwrap(),
            Value::Float(23.5)
        );
        assert_eq!(
            value_as("-1.5e3", DataType::Float).unwrap(),
            Value::Float(-1500.0)
        );
        assert_eq!(value_as("1", DataType::Boolean).unwrap(), Value::Bool(true));
        assert_eq!(
            value_as("3:0", DataType::Objlnk).unwrap(),
            Value::ObjLink(ObjLink {
                object: 3,
                instance: 0
            })
        );
        assert_eq!(
            value_as("65535:65535", DataType::Objlnk).unwrap(),
            Value::ObjLink(ObjLink::NULL)
        );
        for (t, ty) in [
            ("+1", DataType::Integer),
            ("1.0", DataType::Integer),
            ("", DataType::Integer),
            ("9223372036854775808", DataType::Integer),
            ("-1", DataType::UnsignedInteger),
            ("inf", DataType::Float),
            ("NaN", DataType::Float),
            ("1.", DataType::Float),
            ("1e400", DataType::Float),
            ("true", DataType::Boolean),
            ("2", DataType::Boolean),
            ("3:", DataType::Objlnk),
            ("65536:0", DataType::Objlnk),
            ("Zg=", DataType::Opaque),
        ] {
            assert!(value_as(t, ty).is_err(), "{t:?} as {ty:?}");
        }
        assert!(decode(&[0xff]).is_err());
    }

    #[test]
    fn encodes_every_type() {
        assert_eq!(enc(Value::Int(-5)), "-5");
        assert_eq!(enc(Value::Uint(u64::MAX)), "18446744073709551615");
        assert_eq!(enc(Value::Float(23.5)), "23.5");
        assert_eq!(enc(Value::Bool(false)), "0");
        assert_eq!(enc(Value::ObjLink(ObjLink::NULL)), "65535:65535");
        assert_eq!(enc(Value::Str(Text::JsonEscaped("a\\nb"))), "a\nb");
        assert!(encode(&Value::Float(f64::NAN), &mut [0; 8]).is_err());
        assert!(encode(&Value::Int(12345), &mut [0; 3]).is_err());
    }
}
