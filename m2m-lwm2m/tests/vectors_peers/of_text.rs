//! Peers' vectors: text/plain (0) values.

use super::*;

#[test]
fn text_plain_anjay_and_leshan() {
    // Anjay `tests/core/io/text.c` `text_in`: integers up to the i64 range, no fraction.
    for (t, want) in [
        ("514", 514),
        ("0", 0),
        ("-1", -1),
        ("2147483647", 2_147_483_647),
        ("-2147483648", -2_147_483_648),
        ("2147483648", 2_147_483_648),
        ("-2147483649", -2_147_483_649),
        ("9223372036854775807", i64::MAX),
        ("-9223372036854775808", i64::MIN),
    ] {
        assert_eq!(
            text::value_as(t, DataType::Integer),
            Ok(Value::Int(want)),
            "{t}"
        );
    }
    for t in ["9223372036854775808", "-9223372036854775809", "1.0", "wat"] {
        assert!(text::value_as(t, DataType::Integer).is_err(), "{t}");
    }
    // Floats, with or without a fraction or an exponent.
    for (t, want) in [
        ("0", 0.0),
        ("0.0", 0.0),
        ("1", 1.0),
        ("1.0", 1.0),
        ("1.2", 1.2),
        ("1.3125", 1.3125),
        ("1.3125000", 1.3125),
        ("-10000.5", -10000.5),
        ("-10000000000000.5", -10_000_000_000_000.5),
        ("4.223e+37", 4.223e37),
        ("3.26e+218", 3.26e218),
    ] {
        assert_eq!(
            text::value_as(t, DataType::Float),
            Ok(Value::Float(want)),
            "{t}"
        );
    }
    assert!(text::value_as("wat", DataType::Float).is_err());
    // Booleans are `0` and `1` (Core 1.1 §7.4.1), nothing else.
    assert_eq!(
        text::value_as("0", DataType::Boolean),
        Ok(Value::Bool(false))
    );
    assert_eq!(
        text::value_as("1", DataType::Boolean),
        Ok(Value::Bool(true))
    );
    for t in ["2", "-1", "true", "false", "wat"] {
        assert!(text::value_as(t, DataType::Boolean).is_err(), "{t}");
    }
    // Object links `object:instance`, each 16 bits, no spaces.
    for (t, object, instance) in [
        ("0:0", 0, 0),
        ("1:0", 1, 0),
        ("0:1", 0, 1),
        ("1:65535", 1, 65535),
        ("65535:1", 65535, 1),
        ("65535:65535", 65535, 65535),
    ] {
        assert_eq!(
            text::value_as(t, DataType::Objlnk),
            Ok(Value::ObjLink(ObjLink { object, instance })),
            "{t}"
        );
    }
    for t in [
        "65536:1", "1:65536", "0: 0", "0 :0", " 0:0", "0:0 ", "", "0", "wat", "0:wat", "wat:0",
    ] {
        assert!(text::value_as(t, DataType::Objlnk).is_err(), "{t:?}");
    }
    // `text_out`: what Anjay writes, and we too.
    let out = |v: Value<'_>| {
        let mut o = vec![0u8; text::encoded_len(&v).unwrap()];
        text::encode(&v, &mut o).unwrap();
        String::from_utf8(o).unwrap()
    };
    for v in [
        -1_000_000_000_000_000_000i64,
        514,
        0,
        -1,
        2_147_483_647,
        -2_147_483_648,
    ] {
        assert_eq!(out(Value::Int(v)), v.to_string());
    }
    assert_eq!(out(Value::Uint(u64::MAX)), "18446744073709551615");
    for (v, want) in [
        (0.0, "0"),
        (1.0, "1"),
        (1.2, "1.2"),
        (1.3125, "1.3125"),
        (10000.5, "10000.5"),
    ] {
        assert_eq!(out(Value::Float(v)), want);
    }
    assert_eq!(out(Value::Bool(true)), "1");
    assert_eq!(
        out(Value::ObjLink(ObjLink {
            object: 65535,
            instance: 1
        })),
        "65535:1"
    );
    // Leshan `LwM2mNodeEncoderTest.text_encode_single_resource_float` and `..._date`.
    assert_eq!(out(Value::Float(56.4)), "56.4");
    assert_eq!(out(Value::Time(1_367_491_215)), "1367491215");
    // Leshan `LwM2mNodeDecoderTest.text_decode_opaque_from_base64_string` and
    // `text_decode_should_throw_an_exception_for_invalid_base64`: an Opaque resource in
    // text/plain is base64 (Core 1.1 §7.4.1).
    let v = text::value_as("AQIDBAU=", DataType::Opaque).unwrap();
    assert_eq!(opaque_bytes(Some(v)), [1, 2, 3, 4, 5]);
    assert!(text::value_as("!,-INVALID$_'", DataType::Opaque).is_err());
}
