//! Peers' vectors: the CBOR single value (content format 60, Core 1.1 §7.4.6).

use super::*;
use m2m_lwm2m::cbor::single;

/// Anjay `tests/core/io/raw_cbor_in.c`: the single values Anjay reads for a resource, and what
/// it reads them as.
#[test]
fn cbor_single_value_anjay() {
    let cases: &[(&str, &str, Value<'static>)] = &[
        // single_integer: unsigned(42) in one extra byte.
        ("single_integer", "182A", Value::Int(42)),
        // single_decimal_fraction: 4([-1, 45]), 4.5.
        (
            "single_decimal_fraction",
            "C4 82 20 182D",
            Value::Float(4.5),
        ),
        // too_short_buffer_for_string: text(12).
        (
            "too_short_buffer_for_string",
            "6C 235A6F7374616E57446F6D75",
            Value::Str(Text::Plain("#ZostanWDomu")),
        ),
        // empty_string: text(0).
        ("empty_string", "60", Value::Str(Text::Plain(""))),
        // string_indefinite: (_ "test", "string").
        (
            "string_indefinite",
            "7F 6474657374 66737472696E67 FF",
            Value::Str(Text::Plain("teststring")),
        ),
        // string_indefinite_with_empty_strings: (_ "", "test", "", "string", "").
        (
            "string_indefinite_with_empty_strings",
            "7F 60 6474657374 60 66737472696E67 60 FF",
            Value::Str(Text::Plain("teststring")),
        ),
        // string_indefinite_empty_string: (_ "").
        (
            "string_indefinite_empty_string",
            "7F 60 FF",
            Value::Str(Text::Plain("")),
        ),
        // string_indefinite_empty_struct: (_ ).
        (
            "string_indefinite_empty_struct",
            "7F FF",
            Value::Str(Text::Plain("")),
        ),
        // bytes_indefinite: (_ h'001122334455', h'66778899').
        (
            "bytes_indefinite",
            "5F 46001122334455 4466778899 FF",
            Value::Opaque(Opaque::Raw(&[
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
            ])),
        ),
        // bytes_indefinite_with_empty_strings: (_ h'', h'001122334455', h'', h'66778899', h'').
        (
            "bytes_indefinite_with_empty_strings",
            "5F 40 46001122334455 40 4466778899 40 FF",
            Value::Opaque(Opaque::Raw(&[
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
            ])),
        ),
    ];
    for (name, item, want) in cases {
        let body = hex(item);
        let got = single::decode(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        match (got, want) {
            (Value::Opaque(o), Value::Opaque(Opaque::Raw(w))) => {
                assert_eq!(o.bytes().collect::<Vec<u8>>(), *w, "{name}");
            }
            (Value::Str(t), Value::Str(Text::Plain(w))) => {
                let mut buf = [0u8; 32];
                let n = t.write_into(&mut buf).unwrap();
                assert_eq!(&buf[..n], w.as_bytes(), "{name}");
            }
            (got, want) => assert_eq!(got, *want, "{name}"),
        }
    }
    // What Anjay reads as an i32 and a double here is typed the same way by us.
    assert_eq!(
        single::decode(&hex("182A"))
            .unwrap()
            .typed(DataType::Integer, &Config::STRICT),
        Ok(Value::Int(42))
    );
}
