//! The values inside resource TLVs (OMA-TS-LightweightM2M_Core §7.4.3, Appendix C).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{Config, Error, Reason};
use crate::value::{DataType, ObjLink, Opaque, Text, Value};

/// Interprets the value field of a resource (instance) TLV as `ty` (§7.4.3 and Appendix C):
/// Integer and Time in 1, 2, 4 or 8 bytes two's complement; Unsigned Integer in 1, 2, 4 or 8
/// bytes, never sign-extended; Float in 4 or 8 bytes; Boolean in 1 byte 0 or 1; Objlnk in 4
/// bytes; String and Corelnk as UTF-8; Opaque as is.
pub fn value_as<'a>(b: &'a [u8], ty: DataType, config: &Config) -> Result<Value<'a>, Error> {
    let bad = |r| Error::new(0, r);
    match ty {
        DataType::String | DataType::Corelnk => {
            let s = core::str::from_utf8(b)
                .map_err(|e| Error::new(e.valid_up_to(), Reason::BadUtf8))?;
            Ok(if ty == DataType::String {
                Value::Str(Text::Plain(s))
            } else {
                Value::CoreLink(Text::Plain(s))
            })
        }
        DataType::Opaque => Ok(Value::Opaque(Opaque::Raw(b))),
        DataType::Integer => signed(b).map(Value::Int).ok_or(bad(Reason::BadInteger)),
        DataType::Time => signed(b).map(Value::Time).ok_or(bad(Reason::BadInteger)),
        DataType::UnsignedInteger => unsigned(b).map(Value::Uint).ok_or(bad(Reason::BadInteger)),
        DataType::Float => match b {
            [a, b2, c, d] => Ok(Value::Float(f64::from(f32::from_be_bytes([
                *a, *b2, *c, *d,
            ])))),
            [_, _, _, _, _, _, _, _] => {
                let mut x = [0u8; 8];
                x.copy_from_slice(b);
                Ok(Value::Float(f64::from_be_bytes(x)))
            }
            [_] | [_, _] if config.integer_for_float =>
            {
                #[allow(clippy::cast_precision_loss)]
                signed(b)
                    .map(|i| Value::Float(i as f64))
                    .ok_or(bad(Reason::BadFloat))
            }
            _ => Err(bad(Reason::BadFloat)),
        },
        DataType::Boolean => match b {
            [0] => Ok(Value::Bool(false)),
            [1] => Ok(Value::Bool(true)),
            _ => Err(bad(Reason::BadBoolean)),
        },
        DataType::Objlnk => match b {
            [o1, o2, i1, i2] => Ok(Value::ObjLink(ObjLink {
                object: u16::from_be_bytes([*o1, *o2]),
                instance: u16::from_be_bytes([*i1, *i2]),
            })),
            _ => Err(bad(Reason::BadObjLink)),
        },
        DataType::None => {
            if b.is_empty() {
                Ok(Value::Opaque(Opaque::Raw(b)))
            } else {
                Err(bad(Reason::TypeMismatch))
            }
        }
    }
}

/// A big-endian two's complement integer of 1, 2, 4 or 8 bytes.
fn signed(b: &[u8]) -> Option<i64> {
    Some(match *b {
        [a] => i64::from(i8::from_be_bytes([a])),
        [a, c] => i64::from(i16::from_be_bytes([a, c])),
        [a, c, d, e] => i64::from(i32::from_be_bytes([a, c, d, e])),
        [a, c, d, e, f, g, h, i] => i64::from_be_bytes([a, c, d, e, f, g, h, i]),
        _ => return None,
    })
}

/// A big-endian unsigned integer of 1, 2, 4 or 8 bytes.
fn unsigned(b: &[u8]) -> Option<u64> {
    Some(match *b {
        [a] => u64::from(a),
        [a, c] => u64::from(u16::from_be_bytes([a, c])),
        [a, c, d, e] => u64::from(u32::from_be_bytes([a, c, d, e])),
        [a, c, d, e, f, g, h, i] => u64::from_be_bytes([a, c, d, e, f, g, h, i]),
        _ => return None,
    })
}
