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

/// Wakaama `tests/core_convert_numbers_test.c`: its number, object link and base64 tables,
/// read with `text::value_as` and written with `text::encode_plain`.
#[test]
fn text_plain_wakaama_convert_numbers() {
    let write = |v: Value<'_>| {
        let mut out = vec![0u8; text::encoded_len_plain(&v).unwrap()];
        let n = text::encode_plain(&v, &mut out).unwrap();
        String::from_utf8(out[..n].to_vec()).unwrap()
    };
    // `ints` / `ints_text` (`test_utils_textToInt`, `test_utils_intToText`): both ways.
    for (t, want) in [
        ("12", 12),
        ("-114", -114),
        ("1", 1),
        ("134", 134),
        ("43243", 43243),
        ("0", 0),
        ("-215025", -215_025),
        ("-2147483649", -2_147_483_649),
        ("2147483648", 2_147_483_648),
        ("-9223372036854775808", i64::MIN),
        ("9223372036854775807", i64::MAX),
    ] {
        assert_eq!(
            text::value_as(t, DataType::Integer),
            Ok(Value::Int(want)),
            "{t}"
        );
        assert_eq!(write(Value::Int(want)), t);
    }
    // `uints` / `uints_text`.
    for (t, want) in [
        ("12", 12),
        ("1", 1),
        ("134", 134),
        ("43243", 43243),
        ("0", 0),
        ("18446744073709551615", u64::MAX),
    ] {
        assert_eq!(
            text::value_as(t, DataType::UnsignedInteger),
            Ok(Value::Uint(want)),
            "{t}"
        );
        assert_eq!(write(Value::Uint(want)), t);
    }
    // `floats` with `floats_text` (decimal) and `floats_exponential`: each text reads as the
    // number (Wakaama compares 6 significant digits; the shortest form of each is exact).
    // Wakaama's text reader refuses the exponent (`test_utils_textToFloatUnwantedExponential`);
    // ours takes it, as the JSON number grammar does (documented at `text::value_as`).
    let floats: [(f64, &str, &str); 17] = [
        (12.0, "12.0", "12.0"),
        (-114.0, "-114.0", "-114.0"),
        (-30.0, "-30.0", "-30.0"),
        (1.02, "1.02", "1.02"),
        (134.000235, "134.000235", "134.000235"),
        (0.43243, "0.43243", "0.43243"),
        (0.0, "0.0", "0.0"),
        (-21.5025, "-21.5025", "-21.5025"),
        (-0.0925, "-0.0925", "-0.0925"),
        (0.98765, "0.98765", "0.98765"),
        (6.667e-11, "0.00000000006667", "6.667e-11"),
        (56.789, "56.789", "56.789"),
        (-52.0006, "-52.0006", "-52.0006"),
        (
            f64::from(f32::MIN_POSITIVE),
            "0.00000000000000000000000000000000000001175494",
            "1.17549435082229e-38",
        ),
        (
            f64::from(f32::MAX),
            "340282346638528859811704183484516925440.0",
            "3.40282346638529e38",
        ),
        (f64::MIN_POSITIVE, "", "2.2250738585072e-308"),
        (f64::MAX, "", "1.7976931348623e308"),
    ];
    let close = |got: Value<'_>, want: f64, t: &str| match got {
        Value::Float(f) => assert!((f - want).abs() <= (want / 1e6).abs(), "{t}: {f}"),
        other => panic!("{t}: {other:?}"),
    };
    for (want, decimal, exponential) in floats {
        for t in [decimal, exponential] {
            if !t.is_empty() {
                close(text::value_as(t, DataType::Float).unwrap(), want, t);
            }
        }
        // Our writer: plain decimal, no exponent (§7.4.1), the shortest digits that read back
        // exactly (then zeros: FLT_MAX is 340282346638528860000000000000000000000, where
        // Wakaama writes every digit of the double); like Wakaama's test, compare the first
        // DBL_DIG - 1 = 14 characters of the decimal text where it is given.
        let ours = write(Value::Float(want));
        assert!(!ours.contains(['e', 'E']), "{ours}");
        assert_eq!(
            text::value_as(&ours, DataType::Float),
            Ok(Value::Float(want))
        );
        let digits = decimal.trim_end_matches(".0");
        let n = digits.len().min(14);
        assert_eq!(ours.get(..n), digits.get(..n), "{ours} / {decimal}");
    }
    // `test_utils_textToFloatNegativeTests`; and `1.0-followed-by-text`, which Wakaama's reader
    // takes as 1.0 (`test_utils_textToFloat`, stopping where the number ends): a text/plain
    // body is the value whole (§7.4.1), refused here.
    for t in ["", "not-a-float", "1.0-followed-by-text"] {
        assert!(text::value_as(t, DataType::Float).is_err(), "{t}");
    }
    // `test_utils_textToObjLink` / `test_utils_objLinkToText`.
    for t in ["", ":", "0:", ":0", "65536:65535", "65535:65536"] {
        assert!(text::value_as(t, DataType::Objlnk).is_err(), "{t}");
    }
    for (t, object, instance) in [
        ("0:0", 0, 0),
        ("1:2", 1, 2),
        ("10:20", 10, 20),
        ("65535:65535", 65535, 65535),
    ] {
        let link = Value::ObjLink(ObjLink { object, instance });
        assert_eq!(text::value_as(t, DataType::Objlnk), Ok(link), "{t}");
        assert_eq!(write(link), t);
    }
    // `test_utils_base64`: 0, 1, .. 5 for 1 to 6 bytes.
    let all = [0u8, 1, 2, 3, 4, 5];
    for (n, t) in ["AA==", "AAE=", "AAEC", "AAECAw==", "AAECAwQ=", "AAECAwQF"]
        .into_iter()
        .enumerate()
    {
        let bytes = &all[..=n];
        let v = text::value_as(t, DataType::Opaque).unwrap();
        assert_eq!(opaque_bytes(Some(v)), bytes, "{t}");
        assert_eq!(write(Value::Opaque(Opaque::Raw(bytes))), t);
    }
}
