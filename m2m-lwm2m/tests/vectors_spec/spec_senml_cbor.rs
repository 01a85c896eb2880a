//! SenML CBOR (1.1 §7.4.5, RFC 8428 §6): the cases of Wakaama, Leshan and Anjay, and the labels of RFC 8428.

use super::*;

#[test]
fn senml_cbor_device_wakaama_and_leshan() {
    // The Device object (1.1 Table 7.4.4-2 in SenML CBOR) in Wakaama `senml_cbor_test_1` and
    // Leshan `givenSenMLCborExample`, the same bytes; our encoder writes them too.
    let body = hex(
        "90a321652f332f302f00613003744f70656e204d6f62696c6520416c6c69616e6365a200613103764c69
         676874776569676874204d324d20436c69656e74a20061320369333435303030313233a2006133036331
         2e30a20063362f300201a20063362f310205a20063372f3002190ed8a20063372f3102191388a2006338
         2f3002187da20063382f3102190384a2006139021864a200623130020fa2006431312f300200a2006231
         33021a5182428fa20062313403662b30323a3030a200623136036155",
    );
    let recs = senml_cbor(&body);
    check(&recs, &device());
    assert_eq!(senml_cbor_bytes(&recs), body);
}

#[test]
fn senml_cbor_1_1_tables_wakaama() {
    // Table 7.4.4-3 in CBOR (Wakaama `senml_cbor_test_2`): bt an integer, values doubles, times
    // -5, -30, -50.
    let body = hex(
        "83a521642f37322f221a0184876a0063312f3202fb40366666666666660624a30063312f3202fb4036e6
         666666666606381da30063312f3202fb403819999999999a063831",
    );
    let recs = senml_cbor(&body);
    check(
        &recs,
        &[
            ("/72/1/2", f(22.4), Some(25_462_629.0)),
            ("/72/1/2", f(22.9), Some(25_462_604.0)),
            ("/72/1/2", f(24.1), Some(25_462_584.0)),
        ],
    );
    cbor_round_trip(&recs);
    // Table 7.4.4-4 in CBOR (Wakaama `senml_cbor_test_3`): "vlo" as a text label.
    let body = hex(
        "8ca321612f006836352f302f302f3063766c6f6436363a30a2006836352f302f302f3163766c6f643636
         3a31a2006636352f302f31036d38363133383030373535353030a2006636352f302f320201a200663636
         2f302f30036a6d795365727669636531a2006636362f302f31036f496e7465726e65742e31352e323334
         a2006636362f302f3263766c6f6436373a30a2006636362f312f30036a6d795365727669636532a20066
         36362f312f31036f496e7465726e65742e31352e323335a2006636362f312f3263766c6f6b3635353335
         3a3635353335a2006636372f302f30036b38352e37362e37362e3834a2006636372f302f31036d38352e
         37362e3235352e323535",
    );
    let recs = senml_cbor(&body);
    check(&recs, &objlnk_table());
    cbor_round_trip(&recs);
    // The same as JSON.
    assert_eq!(recs, senml_json(OBJLNK_TABLE));
    // Wakaama `senml_cbor_test_17`: base name per instance, then `-2: ""` clearing it (its
    // "/67/0/00" aside); Wakaama writes it back with full names and no base name, and so do we.
    let rebased = hex(
        "8ca321662f36352f302f0063302f3063766c6f6436363a30a20063302f3163766c6f6436363a31a20061
         31036d38363133383030373535353030a20061320201a321662f36362f302f006130036a6d7953657276
         69636531a2006131036f496e7465726e65742e31352e323334a200613263766c6f6436373a30a321662f
         36362f312f006130036a6d795365727669636532a2006131036f496e7465726e65742e31352e323335a2
         00613263766c6f6b36353533353a3635353335a3216000672f36372f302f30036b38352e37362e37362e
         3834a200672f36372f302f31036d38352e37362e3235352e323535",
    );
    let recs = senml_cbor(&rebased);
    check(&recs, &objlnk_table());
    let expect = hex(
        "8ca200692f36352f302f302f3063766c6f6436363a30a200692f36352f302f302f3163766c6f6436363a
         31a200672f36352f302f31036d38363133383030373535353030a200672f36352f302f320201a200672f
         36362f302f30036a6d795365727669636531a200672f36362f302f31036f496e7465726e65742e31352e
         323334a200672f36362f302f3263766c6f6436373a30a200672f36362f312f30036a6d79536572766963
         6532a200672f36362f312f31036f496e7465726e65742e31352e323335a200672f36362f312f3263766c
         6f6b36353533353a3635353335a200672f36372f302f30036b38352e37362e37362e3834a200672f3637
         2f302f31036d38352e37362e3235352e323535",
    );
    assert_eq!(senml_cbor_bytes(&recs), expect);
    // Table 7.4.4-5 (Wakaama `senml_cbor_test_4`): the path in the base name. Our encoder
    // writes it as the name (key 0 for -2, the same length).
    let body = hex("81a221662f332f302f3003744f70656e204d6f62696c6520416c6c69616e6365");
    let recs = senml_cbor(&body);
    check(&recs, &[("/3/0/0", s("Open Mobile Alliance"), None)]);
    let mut ours = body.clone();
    ours[2] = 0x00;
    assert_eq!(senml_cbor_bytes(&recs), ours);
    // Tables 7.4.4-6, -7, -8 (Wakaama `senml_cbor_test_5` to `_7`): written back byte for byte.
    for (text, want) in [
        (
            "83a100662f332f302f30a100662f332f302f39a100662f312f302f31",
            vec![
                ("/3/0/0", None, None),
                ("/3/0/9", None, None),
                ("/1/0/1", None, None),
            ],
        ),
        (
            "83a200662f332f302f3003744f70656e204d6f62696c6520416c6c69616e6365a200662f332f302f39
             02185fa200662f312f302f31021a00015180",
            vec![
                ("/3/0/0", s("Open Mobile Alliance"), None),
                ("/3/0/9", i(95), None),
                ("/1/0/1", i(86400), None),
            ],
        ),
        (
            "84a2006c2f333331312f302f3538353004f4a2006c2f333331312f312f3538353004f4a2006c2f3333
             31312f322f353835310214a2006c2f333330382f302f353930300212",
            vec![
                ("/3311/0/5850", Some(Value::Bool(false)), None),
                ("/3311/1/5850", Some(Value::Bool(false)), None),
                ("/3311/2/5851", i(20), None),
                ("/3308/0/5900", i(18), None),
            ],
        ),
    ] {
        let body = hex(text);
        let recs = senml_cbor(&body);
        check(&recs, &want);
        assert_eq!(senml_cbor_bytes(&recs), body);
    }
}

#[test]
fn senml_cbor_wakaama_cases() {
    // `senml_cbor_test_8`: fields in any order in a record; written back in ours, which is
    // Wakaama's expected output byte for byte.
    let body = hex(
        "84a321682f36352f3534332f00613003654c574d324da2021907df006131a20063322f3004f5a204f40063
         322f31",
    );
    let recs = senml_cbor(&body);
    check(
        &recs,
        &[
            ("/65/543/0", s("LWM2M"), None),
            ("/65/543/1", i(2015), None),
            ("/65/543/2/0", Some(Value::Bool(true)), None),
            ("/65/543/2/1", Some(Value::Bool(false)), None),
        ],
    );
    assert_eq!(
        m2m_core::hex::encode(&senml_cbor_bytes(&recs)),
        "84a321682f36352f3534332f00613003654c574d324da2006131021907dfa20063322f3004f5a2006332\
         2f3104f4"
    );
    // `_9`, `_14`, `_15`, `_16`: name concatenated to the base name; an empty name.
    for (text, path) in [
        ("81a321642f322f3300622f30021904d2", "/2/3/0"),
        ("81a321662f352f302f3100622f31036468747470", "/5/0/1/1"),
        ("81a321642f352f3000622f31036468747470", "/5/0/1"),
        ("81a321662f352f302f310060036468747470", "/5/0/1"),
    ] {
        let body = hex(text);
        assert_eq!(senml_cbor(&body)[0].path.to_string(), path, "{text}");
    }
    // `_10`: `bn` and `bt` after the value; doubles.
    let body = hex(
        "84a4006131021904d221662f31322f302f221a0012d687a200613302fb404c64fdf3b645a2a20063322f30
         02fb3fcd70a3d70a3d71a20063322f3102fbc04a0013a92a3055",
    );
    let t = Some(1_234_567.0);
    check(
        &senml_cbor(&body),
        &[
            ("/12/0/1", i(1234), t),
            ("/12/0/3", f(56.789), t),
            ("/12/0/2/0", f(0.23), t),
            ("/12/0/2/1", f(-52.0006), t),
        ],
    );
    // `_18` to `_22`: bver 10 read, 11 refused; unknown text label skipped, "test_" refused;
    // base value added.
    check(
        &senml_cbor(&hex("81a3200a00672f33342f302f320201")),
        &[("/34/0/2", i(1), None)],
    );
    assert_eq!(
        senml_cbor::decode(&hex("81a3200b00672f33342f302f320201")).next(),
        Some(Err(Error::new(1, Reason::Unsupported)))
    );
    check(
        &senml_cbor(&hex("81a3647465737464676f6f6400672f33342f302f320201")),
        &[("/34/0/2", i(1), None)],
    );
    assert_eq!(
        senml_cbor::decode(&hex("81a421612f65746573745f646661696c006633342f302f320201"))
            .find_map(Result::err)
            .unwrap()
            .reason,
        Reason::BadField
    );
    check(
        &senml_cbor(&hex("81a3240100672f33342f302f320201")),
        &[("/34/0/2", i(2), None)],
    );
    // `_23`, `_25`: opaque values, empty text and bytes; written back the same, but with `n`.
    for (text, value) in [
        (
            "81a221672f33342f302f3208450102030405",
            Value::Opaque(Opaque::Raw(&[1, 2, 3, 4, 5])),
        ),
        (
            "81a221672f33342f302f32084130",
            Value::Opaque(Opaque::Raw(b"0")),
        ),
        ("81a221672f33342f302f320360", Value::Str(Text::Plain(""))),
        (
            "81a221672f33342f302f320840",
            Value::Opaque(Opaque::Raw(&[])),
        ),
    ] {
        let body = hex(text);
        let recs = senml_cbor(&body);
        check(&recs, &[("/34/0/2", Some(value), None)]);
        let mut ours = body.clone();
        ours[2] = 0x00;
        assert_eq!(senml_cbor_bytes(&recs), ours, "{text}");
    }
    // `_26` to `_29`: no array, a second array, a missing record, a record after the array.
    for (text, at, reason) in [
        ("a221672f33342f302f320360", 0, Reason::BadCbor),
        (
            "81a221672f33342f302f32036081a221672f33342f302f320360",
            13,
            Reason::TrailingBytes,
        ),
        ("82a221672f33342f302f320360", 13, Reason::Truncated),
        (
            "81a221672f33342f302f320360a221672f33342f302f320360",
            13,
            Reason::TrailingBytes,
        ),
    ] {
        assert_eq!(
            senml_cbor::decode(&hex(text)).find_map(Result::err),
            Some(Error::new(at, reason)),
            "{text}"
        );
    }
}

#[test]
fn senml_cbor_leshan_cases() {
    // `deserialize_opaque_resource` / `serialize_opaque_resource_`: [{-2: "/0/0/3", 8: h'ABCDEF'}].
    let body = hex("81a221662f302f302f330843abcdef");
    let recs = senml_cbor(&body);
    check(
        &recs,
        &[(
            "/0/0/3",
            Some(Value::Opaque(Opaque::Raw(&[0xab, 0xcd, 0xef]))),
            None,
        )],
    );
    assert_eq!(
        m2m_core::hex::encode(&senml_cbor_bytes(&recs)),
        "81a200662f302f302f330843abcdef"
    );
    // `deserialize_float_resource`: [{2: 300.0, -2: "/3442/0/130"}], 300.0 in half precision,
    // the value before the base name. Our encoder writes 300.0 as the same half.
    let body = hex("81a202f95cb0216b2f333434322f302f313330");
    let recs = senml_cbor(&body);
    check(&recs, &[("/3442/0/130", f(300.0), None)]);
    assert!(m2m_core::hex::encode(&senml_cbor_bytes(&recs)).ends_with("02f95cb0"));
    // `LwM2mNodeEncoderTest.senml_cbor_encode_timestamped_nodes`: Leshan writes each base time
    // as a decimal fraction, 4([0, 500000004]): RFC 8428 §6 allows tag 4 for any number.
    let body = hex(
        "83a321662f302f302f3022c482001a1dcd6504036c53616d706c65537472696e67a321662f302f302f31
         22c482001a1dcd650504f4a321662f302f302f3222c482001a1dcd6506021901c8",
    );
    let recs = senml_cbor(&body);
    check(
        &recs,
        &[
            ("/0/0/0", s("SampleString"), Some(500_000_004.0)),
            ("/0/0/1", Some(Value::Bool(false)), Some(500_000_005.0)),
            ("/0/0/2", i(456), Some(500_000_006.0)),
        ],
    );
    cbor_round_trip(&recs);
    // An empty pack (`senml_cbor_empty_multi_resource`).
    assert!(senml_cbor(&hex("80")).is_empty());
}

#[test]
fn senml_cbor_anjay_cases() {
    // Anjay `cbor_in`: fields in either order; a resource instance path; a gateway prefix in
    // the name (`/0aapud0/...` there; ours must not start with a digit, so `/aapud0/...`).
    for (text, path) in [
        ("81a200682f31332f32362f3102182a", "/13/26/1"),
        ("81a202182a00682f31332f32362f31", "/13/26/1"),
        ("81a2006a2f31332f32362f312f3402182a", "/13/26/1/4"),
        (
            "81a2006f2f61617075643 02f31332f32362f3102182a",
            "/aapud0/13/26/1",
        ),
    ] {
        let body = hex(text);
        let recs = senml_cbor(&body);
        check(&recs, &[(path, i(42), None)]);
    }
    // Numbers of every CBOR kind for `v` (`cbor_in_value`): 2^53 as an integer, a half-precision
    // 32.0, an integral single 3.0 (read as the float it is; Anjay hands it to an Integer
    // resource, and so does this crate, strict or not).
    let v = |text: &str| senml_cbor(Vec::leak(hex(text)))[0].value.unwrap();
    assert_eq!(v("81a200622f3102 1b0020000000000000"), Value::Int(1 << 53));
    assert_eq!(
        v("81a200622f3102 3b001fffffffffffff"),
        Value::Int(-(1 << 53))
    );
    assert_eq!(v("81a200622f3102 f95000"), Value::Float(32.0));
    assert_eq!(v("81a200622f3102 fa40400000"), Value::Float(3.0));
    assert_eq!(
        v("81a200622f3102 fa40400000").typed(DataType::Integer, &Config::STRICT),
        Ok(Value::Int(3))
    );
    // `objlnk_valid`: "vlo" with "32:42532"; `objlnk_with_trash_at_the_end` and
    // `objlnk_with_overflow` are refused.
    assert_eq!(
        v("81a200622f3163766c6f6833323a3432353332"),
        Value::ObjLink(ObjLink {
            object: 32,
            instance: 42532
        })
    );
    for text in [
        "81a200622f3163766c6f6833323a3432666f6f",
        "81a200622f3163766c6f68313a343233343434",
    ] {
        assert_eq!(
            senml_cbor::decode(&hex(text))
                .next()
                .unwrap()
                .unwrap_err()
                .reason,
            Reason::BadObjLink,
            "{text}"
        );
    }
}

#[test]
fn rfc8428_cbor_labels() {
    // RFC 8428 §6 Table 6: bver -1, bn -2, bt -3, bu -4, bv -5, bs -6, n 0, u 1, v 2, vs 3,
    // vb 4, s 5, t 6, ut 7, vd 8. One record with every label:
    // {-1: 10, -2: "/1/0/", -3: 100, -4: "Cel", -5: 1, -6: 0, 0: "2", 1: "Cel", 2: 20, 5: 0,
    //  6: 5, 7: 60}
    let body =
        hex("81ac200a21652f312f302f2218642363436 56c240125000061320163436 56c02140500060507183c");
    let raw: Vec<_> = senml_cbor::decode_raw(&body)
        .collect::<Result<_, _>>()
        .unwrap();
    let r = raw[0].1;
    use m2m_lwm2m::senml::{Number, RawValue};
    assert_eq!(r.base_version, Some(10));
    assert_eq!(r.base_name.unwrap().raw(), Some("/1/0/"));
    assert_eq!(r.base_time, Some(Number::Int(100)));
    assert_eq!(r.base_unit.unwrap().raw(), Some("Cel"));
    assert_eq!(r.base_value, Some(Number::Int(1)));
    assert_eq!(r.base_sum, Some(Number::Int(0)));
    assert_eq!(r.name.unwrap().raw(), Some("2"));
    assert_eq!(r.unit.unwrap().raw(), Some("Cel"));
    assert_eq!(r.value, Some(RawValue::Number(Number::Int(20))));
    assert_eq!(r.sum, Some(Number::Int(0)));
    assert_eq!(r.time, Some(Number::Int(5)));
    assert_eq!(r.update_time, Some(Number::Int(60)));
    // Resolved: the path, the base value added, the time.
    check(&senml_cbor(&body), &[("/1/0/2", i(21), Some(105.0))]);
    // vs 3, vb 4, vd 8.
    let body = hex("83a200622f310361 78a200622f3204f5a200622f33084100");
    check(
        &senml_cbor(&body),
        &[
            ("/1", s("x"), None),
            ("/2", Some(Value::Bool(true)), None),
            ("/3", Some(Value::Opaque(Opaque::Raw(&[0]))), None),
        ],
    );
}

/// RFC 8949 §3.1: major type 1 with argument `n` is the integer `-1 - n`, so `3b 8000000000000000`
/// is -2^63 - 1, one below the least LwM2M Integer (int64, Core 1.1 Appendix C). SenML CBOR reads
/// an integer below `i64::MIN` as a float (as SenML JSON reads such a number); that float rounds
/// to exactly -2^63, which must not then pass for the Integer `i64::MIN`: no Integer resource
/// holds the number sent. (The CBOR single value refuses it outright, `spec_cbor_single.rs`.)
#[test]
fn integers_below_i64_min_are_no_integer() {
    // [{0: "/1/0/1", 2: -2^63 - 1}] and the same with -2^63 - 1000: both round to -2^63.
    for v in ["3b8000000000000000", "3b80000000000003e7"] {
        let body = hex(&format!("81a20066 2f312f302f31 02 {v}"));
        let recs = senml_cbor(&body);
        let value = recs[0].value.unwrap();
        assert_eq!(value, Value::Float(-9_223_372_036_854_775_808.0), "{v}");
        for ty in [DataType::Integer, DataType::Time] {
            assert!(
                value.typed(ty, &Config::STRICT).is_err(),
                "{v} read as {ty:?}"
            );
        }
        // A Float resource takes it, rounded as any double.
        assert_eq!(value.typed(DataType::Float, &Config::STRICT), Ok(value));
    }
    // i64::MIN itself, written as the integer it is, stays an Integer.
    let body = hex("81a20066 2f312f302f31 02 3b7fffffffffffffff");
    let value = senml_cbor(&body)[0].value.unwrap();
    assert_eq!(value, Value::Int(i64::MIN));
    assert_eq!(
        value.typed(DataType::Integer, &Config::STRICT),
        Ok(Value::Int(i64::MIN))
    );
}

/// Anjay `tests/core/io/cbor_in.c` (`cbor_in_value`): the numbers it reads as another type than
/// the wire's, typed the same way here.
#[test]
fn senml_cbor_anjay_number_conversions() {
    let v = |item: &str| {
        let body = hex(&format!("81a200622f3102 {item}"));
        senml_cbor(Vec::leak(body))[0].value.unwrap()
    };
    let as_ty = |item: &str, ty| v(item).typed(ty, &Config::STRICT);
    // u64_as_double_within_range / _out_of_range: 2^53 and 2^53 + 1 as a double, 2^53 both.
    for item in ["1b0020000000000000", "1b0020000000000001"] {
        assert_eq!(
            as_ty(item, DataType::Float),
            Ok(Value::Float(9_007_199_254_740_992.0)),
            "{item}"
        );
    }
    // i64_as_double_out_of_range: -2^53 - 1 as a double, -2^53.
    assert_eq!(
        as_ty("3b0020000000000000", DataType::Float),
        Ok(Value::Float(-9_007_199_254_740_992.0))
    );
    // float_as_i64_when_convertible, double_as_i64_when_convertible,
    // double_as_u64_when_convertible: 3.0 as a single and a double, read as 3.
    assert_eq!(as_ty("fa40400000", DataType::Integer), Ok(Value::Int(3)));
    assert_eq!(
        as_ty("fb4008000000000000", DataType::Integer),
        Ok(Value::Int(3))
    );
    assert_eq!(
        as_ty("fb4008000000000000", DataType::UnsignedInteger),
        Ok(Value::Uint(3))
    );
    // double_as_huge_u64_when_convertible: 0x43efffffffffffff is UINT64_MAX - 2047.
    assert_eq!(
        as_ty("fb43efffffffffffff", DataType::UnsignedInteger),
        Ok(Value::Uint(u64::MAX - 2047))
    );
    // float_as_i64_when_not_convertible, double_as_i64_not_convertible: 3.1415926535.
    assert!(as_ty("fa40490fdb", DataType::Integer).is_err());
    assert!(as_ty("fb400921fb54411744", DataType::Integer).is_err());
    // half_read_as_double: f16 32.0.
    assert_eq!(as_ty("f95000", DataType::Float), Ok(Value::Float(32.0)));
}
