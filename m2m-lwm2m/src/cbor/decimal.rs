//! Decimal fractions (RFC 8949 §3.4.4, tag 4): `4([exponent, mantissa])` stands for
//! `mantissa × 10^exponent`. SenML CBOR allows one wherever a number goes (RFC 8428 §6: "the
//! CBOR representation can use integers, floating-point numbers, or decimal fractions (CBOR
//! Tag 4)"); Leshan, for one, writes its base times `bt` that way.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::{Item, Reader};
use crate::error::{Error, Reason};

/// The tag of a decimal fraction.
pub(crate) const TAG: u64 = 4;

/// What a decimal fraction is worth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decimal {
    /// An integer that fits an `i64` (exponent zero or above).
    Int(i64),
    /// Anything else, rounded to the nearest `f64`.
    Float(f64),
}

impl Decimal {
    /// The same number as a reader item (an integer as major type 0 or 1).
    pub(crate) fn item<'a>(self) -> Item<'a> {
        match self {
            Decimal::Int(i) => u64::try_from(i)
                .map_or_else(|_| Item::Neg(u64::try_from(!i).unwrap_or(0)), Item::Uint),
            Decimal::Float(f) => Item::Float(f),
        }
    }
}

/// Reads the `[exponent, mantissa]` array that follows a tag 4 read at `at`. A mantissa that is
/// a bignum (tags 2 and 3) is [`Reason::Unsupported`], anything but two integers
/// [`Reason::BadValue`], a value beyond the range of an `f64` [`Reason::BadFloat`].
pub(crate) fn read(r: &mut Reader<'_>, at: usize) -> Result<Decimal, Error> {
    let bad = Error::new(at, Reason::BadValue);
    if r.next()? != Item::Array(Some(2)) {
        return Err(bad);
    }
    let int = |r: &mut Reader<'_>| -> Result<i64, Error> {
        let p = r.position();
        match r.next()? {
            Item::Uint(u) => i64::try_from(u).map_err(|_| Error::new(p, Reason::BadInteger)),
            Item::Neg(n) => super::single::neg(n).ok_or(Error::new(p, Reason::BadInteger)),
            Item::Tag(_) => Err(Error::new(p, Reason::Unsupported)),
            _ => Err(bad),
        }
    };
    let exponent = int(r)?;
    let mantissa = int(r)?;
    value(exponent, mantissa).ok_or(Error::new(at, Reason::BadFloat))
}

/// `mantissa × 10^exponent` (RFC 8949 §3.4.4): an integer when it is one and fits, otherwise
/// the nearest float (core's decimal reader rounds correctly, where powers of ten built by
/// multiplying would not past 10^22); `None` when it is not finite.
pub(crate) fn value(exponent: i64, mantissa: i64) -> Option<Decimal> {
    use core::fmt::Write as _;
    let int = u32::try_from(exponent)
        .ok()
        .and_then(|e| 10i64.checked_pow(e))
        .and_then(|p| mantissa.checked_mul(p));
    if let Some(i) = int {
        return Some(Decimal::Int(i));
    }
    let mut text = crate::json::Buf::default();
    write!(text, "{mantissa}e{exponent}").ok()?;
    let f: f64 = core::str::from_utf8(text.as_bytes()).ok()?.parse().ok()?;
    f.is_finite().then_some(Decimal::Float(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Result<Decimal, Error> {
        let mut r = Reader::new(bytes);
        assert_eq!(r.next()?, Item::Tag(TAG));
        let d = read(&mut r, 0)?;
        assert!(r.at_end());
        Ok(d)
    }

    #[test]
    #[allow(clippy::excessive_precision)] // the exact decimal, which the compiler rounds
    fn reads_decimal_fractions() {
        // RFC 8949 §3.4.4: 4([-2, 27315]) is 273.15.
        assert_eq!(
            read_all(&[0xc4, 0x82, 0x21, 0x19, 0x6a, 0xb3]),
            Ok(Decimal::Float(273.15))
        );
        // Anjay's LwM2M CBOR test: 4([-1, 45]) is 4.5.
        assert_eq!(
            read_all(&[0xc4, 0x82, 0x20, 0x18, 0x2d]),
            Ok(Decimal::Float(4.5))
        );
        // Leshan's base time: 4([0, 500000004]) is the integer 500000004.
        assert_eq!(
            read_all(&[0xc4, 0x82, 0x00, 0x1a, 0x1d, 0xcd, 0x65, 0x04]),
            Ok(Decimal::Int(500_000_004))
        );
        assert_eq!(value(3, -2), Some(Decimal::Int(-2000)));
        assert_eq!(value(19, 1), Some(Decimal::Float(1e19)));
        assert_eq!(value(400, 1), None);
        assert_eq!(value(-400, 1), Some(Decimal::Float(0.0)));
        // The nearest float, past the exact powers of ten (10^22) too.
        assert_eq!(value(-25, 3), Some(Decimal::Float(3e-25)));
        assert_eq!(value(25, 1), Some(Decimal::Float(1e25)));
        assert_eq!(value(-1, 3), Some(Decimal::Float(0.3)));
        assert_eq!(
            value(-30, i64::MAX),
            Some(Decimal::Float(9.223372036854775807e-12))
        );
        // Zero at any exponent is zero, not 0 × inf.
        assert_eq!(value(400, 0), Some(Decimal::Float(0.0)));
        assert_eq!(value(i64::MIN, i64::MIN), Some(Decimal::Float(-0.0)));
        assert_eq!(Decimal::Int(-5).item(), Item::Neg(4));
        assert_eq!(Decimal::Int(5).item(), Item::Uint(5));
    }

    #[test]
    fn refuses_what_is_no_decimal_fraction() {
        // Not an array of two; a text exponent; a bignum mantissa 2(h'01').
        assert_eq!(
            read_all(&[0xc4, 0x81, 0x00]),
            Err(Error::new(0, Reason::BadValue))
        );
        assert_eq!(
            read_all(&[0xc4, 0x82, 0x61, 0x30, 0x01]),
            Err(Error::new(0, Reason::BadValue))
        );
        assert_eq!(
            read_all(&[0xc4, 0x82, 0x00, 0xc2, 0x41, 0x01]),
            Err(Error::new(3, Reason::Unsupported))
        );
        assert_eq!(
            read_all(&[0xc4, 0x82, 0x19, 0x01, 0x90, 0x01]),
            Err(Error::new(0, Reason::BadFloat))
        );
    }
}
