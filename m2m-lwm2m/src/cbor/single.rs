//! The CBOR content format for one resource value (Content-Format 60, `application/cbor`;
//! OMA-TS-LightweightM2M_Core 1.1 §7.4.6 "CBOR"): the body is a single CBOR data item, typed by
//! its major type. The same value rules hold for the leaves of LwM2M CBOR (§7.4.7).
//!
//! | LwM2M type | CBOR item |
//! |---|---|
//! | Integer | major type 0 or 1 (a negative integer below `i64::MIN` is [`Reason::BadInteger`]) |
//! | Unsigned Integer | major type 0 (decoded as [`Value::Int`] up to `i64::MAX`, above it [`Value::Uint`]) |
//! | Float | major type 7, half, single or double precision; written in the narrowest exact width; a decimal fraction (tag 4, RFC 8949 §3.4.4) is read too, as an integer when it is one |
//! | Boolean | `false`/`true` |
//! | String, Corelnk | text string |
//! | Opaque | byte string |
//! | Time | tag 1 (epoch-based date/time, RFC 8949 §3.4.2) on an integer; a plain integer is also accepted by [`Value::typed`] |
//! | Objlnk | text string `"object:instance"` (decoded as [`Value::Str`]; [`Value::typed`] parses it) |
//!
//! The wire does not say Unsigned Integer, Time (without the tag), Objlnk or Corelnk apart from
//! Integer and String: [`Value::typed`] with the resource's type converts them.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::decimal::{self, Decimal};
use super::{Item, Reader};
use crate::error::{Error, Reason};
use crate::sink::{Counter, Sink, Slice};
use crate::value::{Opaque, Text, Value};

/// The CBOR tag of an epoch-based date/time (RFC 8949 §3.4.2).
pub const TAG_EPOCH_TIME: u64 = 1;

/// Decodes a body of one CBOR data item into a typed value. `null` (and anything but a scalar)
/// is an error; bytes after the item are [`Reason::TrailingBytes`].
pub fn decode(body: &[u8]) -> Result<Value<'_>, Error> {
    let mut r = Reader::document(body);
    let item = r.next()?;
    let value = read_value(&mut r, item, 0)?.ok_or(Error::new(0, Reason::BadValue))?;
    if !r.at_end() {
        return Err(Error::new(r.position(), Reason::TrailingBytes));
    }
    Ok(value)
}

/// The exact number of bytes [`encode`] writes for `value`.
pub fn encoded_len(value: &Value<'_>) -> Result<usize, Error> {
    let mut c = Counter::new();
    write_value(&mut c, value)?;
    Ok(c.0)
}

/// Encodes `value` as one CBOR data item into `out`; returns the bytes written.
/// [`Value::Untyped`] and [`Value::Null`] are [`Reason::Unrepresentable`].
pub fn encode(value: &Value<'_>, out: &mut [u8]) -> Result<usize, Error> {
    let mut s = Slice::new(out);
    write_value(&mut s, value)?;
    Ok(s.written())
}

/// The value of the scalar `item` (read at `at`): `Ok(None)` for `null`.
pub(crate) fn read_value<'a>(
    r: &mut Reader<'a>,
    item: Item<'a>,
    at: usize,
) -> Result<Option<Value<'a>>, Error> {
    let bad = |reason| Error::new(at, reason);
    Ok(Some(match item {
        Item::Uint(u) => i64::try_from(u).map_or(Value::Uint(u), Value::Int),
        Item::Neg(n) => Value::Int(neg(n).ok_or(bad(Reason::BadInteger))?),
        Item::Float(f) => Value::Float(f),
        Item::Text(t) => Value::Str(Text::Plain(t)),
        Item::Bytes(b) => Value::Opaque(Opaque::Raw(b)),
        Item::TextChunks(c) => Value::Str(Text::CborChunks(c)),
        Item::BytesChunks(c) => Value::Opaque(Opaque::CborChunks(c)),
        Item::Bool(b) => Value::Bool(b),
        Item::Null => return Ok(None),
        Item::Tag(TAG_EPOCH_TIME) => {
            let inner = r.position();
            match r.next()? {
                Item::Uint(u) => Value::Time(
                    i64::try_from(u).map_err(|_| Error::new(inner, Reason::BadInteger))?,
                ),
                Item::Neg(n) => Value::Time(neg(n).ok_or(Error::new(inner, Reason::BadInteger))?),
                _ => return Err(Error::new(inner, Reason::BadValue)),
            }
        }
        // Read as SenML CBOR reads numbers (RFC 8428 §6); Anjay reads them in LwM2M CBOR too.
        Item::Tag(decimal::TAG) => match decimal::read(r, at)? {
            Decimal::Int(i) => Value::Int(i),
            Decimal::Float(f) => Value::Float(f),
        },
        Item::Tag(_) | Item::Simple(_) => return Err(bad(Reason::Unsupported)),
        Item::Array(_) | Item::Map(_) | Item::Break => return Err(bad(Reason::BadValue)),
    }))
}

/// `-1 - n` as an i64.
pub(crate) fn neg(n: u64) -> Option<i64> {
    // `!v` is `-1 - v` in two's complement.
    i64::try_from(n).ok().map(|v| !v)
}

/// Writes one value item.
pub(crate) fn write_value<S: Sink>(s: &mut S, value: &Value<'_>) -> Result<(), Error> {
    match value {
        Value::Int(i) => super::int(s, *i),
        Value::Uint(u) => super::head(s, 0, *u),
        Value::Float(f) => super::float(s, *f),
        Value::Bool(b) => s.put(&[if *b { 0xf5 } else { 0xf4 }]),
        Value::Str(t) | Value::CoreLink(t) => super::text(s, t),
        Value::Opaque(o) => super::bytes(s, o),
        Value::Time(t) => {
            s.put(&[0xc1])?;
            super::int(s, *t)
        }
        Value::ObjLink(l) => super::objlnk(s, *l),
        Value::Untyped(_) | Value::Null => Err(Error::new(s.written(), Reason::Unrepresentable)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::ObjLink;

    fn round(v: Value<'_>, hex: &[u8]) {
        let mut out = [0u8; 64];
        let n = encode(&v, &mut out).unwrap();
        assert_eq!(&out[..n], hex, "{v:?}");
        assert_eq!(encoded_len(&v).unwrap(), n);
        assert_eq!(decode(hex).unwrap(), v);
    }

    #[test]
    fn every_type() {
        round(Value::Int(0), &[0x00]);
        round(Value::Int(-1), &[0x20]);
        round(Value::Int(1000), &[0x19, 0x03, 0xe8]);
        round(
            Value::Int(i64::MIN),
            &[0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        );
        round(
            Value::Uint(u64::MAX),
            &[0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        );
        round(Value::Float(1.5), &[0xf9, 0x3e, 0x00]);
        round(Value::Float(100_000.0), &[0xfa, 0x47, 0xc3, 0x50, 0x00]);
        round(
            Value::Float(1.1),
            &[0xfb, 0x3f, 0xf1, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a],
        );
        round(Value::Bool(true), &[0xf5]);
        round(Value::Str(Text::Plain("1.0")), b"\x631.0");
        round(Value::Opaque(Opaque::Raw(&[1, 2])), &[0x42, 1, 2]);
        round(
            Value::Time(1_367_491_215),
            &[0xc1, 0x1a, 0x51, 0x82, 0x42, 0x8f],
        );
        round(Value::Time(-1), &[0xc1, 0x20]);
        // An object link is its text; typed() turns it back.
        let mut out = [0u8; 16];
        let n = encode(&Value::ObjLink(ObjLink::NULL), &mut out).unwrap();
        assert_eq!(&out[..n], b"\x6b65535:65535");
        let v = decode(&out[..n]).unwrap();
        assert_eq!(
            v.typed(crate::DataType::Objlnk, &crate::Config::STRICT)
                .unwrap(),
            Value::ObjLink(ObjLink::NULL)
        );
        // Text with JSON escapes and base64 opaque values are written resolved.
        round(
            Value::Opaque(Opaque::Raw(&[0xfb, 0xff])),
            &[0x42, 0xfb, 0xff],
        );
        let n = encode(&Value::Opaque(Opaque::Base64("-_8")), &mut out).unwrap();
        assert_eq!(&out[..n], &[0x42, 0xfb, 0xff]);
        let n = encode(&Value::Str(Text::JsonEscaped("a\\nb")), &mut out).unwrap();
        assert_eq!(&out[..n], b"\x63a\nb");
    }

    #[test]
    fn decimal_fractions() {
        // 4([-1, 45]) (Anjay, lwm2m_cbor_in max_possible_nesting) and 4([2, 3]).
        assert_eq!(
            decode(&[0xc4, 0x82, 0x20, 0x18, 0x2d]),
            Ok(Value::Float(4.5))
        );
        assert_eq!(decode(&[0xc4, 0x82, 0x02, 0x03]), Ok(Value::Int(300)));
        assert_eq!(
            decode(&[0xc4, 0x82, 0x02]).unwrap_err(),
            Error::new(3, Reason::Truncated)
        );
    }

    #[test]
    fn rejects() {
        for (hex, err) in [
            (&[0xf6][..], Error::new(0, Reason::BadValue)),
            (&[0x80], Error::new(0, Reason::BadValue)),
            (&[0x01, 0x02], Error::new(1, Reason::TrailingBytes)),
            (&[0xc2, 0x41, 0x00], Error::new(0, Reason::Unsupported)),
            (&[0xc1, 0x61, 0x30], Error::new(1, Reason::BadValue)),
            (
                &[0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0],
                Error::new(0, Reason::BadInteger),
            ),
            (&[0xf7], Error::new(0, Reason::Unsupported)),
            (&[], Error::new(0, Reason::Truncated)),
        ] {
            assert_eq!(decode(hex).unwrap_err(), err, "{hex:02x?}");
        }
        let mut out = [0u8; 4];
        assert_eq!(
            encode(&Value::Null, &mut out).unwrap_err().reason,
            Reason::Unrepresentable
        );
        assert_eq!(
            encode(&Value::Int(1000), &mut out[..1]).unwrap_err().reason,
            Reason::BufferTooSmall
        );
    }
}
