//! SenML JSON (1.1 §7.4.4, RFC 8428 §5): the tables of the 1.1 specification and the cases of Leshan and Wakaama.

use super::*;

#[test]
fn senml_json_1_1_table_7_4_4_2_device() {
    // 1.1 Table 7.4.4-2 (Wakaama `senml_json_test_1`, Leshan `givenSenMLJsonExample`): our
    // encoder writes the same text.
    let body = r#"[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},
        {"n":"1","vs":"Lightweight M2M Client"},{"n":"2","vs":"345000123"},
        {"n":"3","vs":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},
        {"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},
        {"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},
        {"n":"14","vs":"+02:00"},{"n":"16","vs":"U"}]"#;
    let recs = senml_json(body);
    check(&recs, &device());
    assert_eq!(senml_json_text(&recs), squeeze(body));
    // Current Time is a Time resource: the number is its value.
    assert_eq!(
        recs[13]
            .value
            .unwrap()
            .typed(DataType::Time, &Config::STRICT),
        Ok(Value::Time(1_367_491_215))
    );
}

#[test]
fn senml_json_1_1_table_7_4_4_3_time_series() {
    // 1.1 Table 7.4.4-3 (Wakaama `senml_json_test_2`): three values of /72/1/2 with a base
    // time and relative times. 25462634 is below 2^28: RFC 8428 §4.5.3 reads these times as
    // relative to now (this crate keeps the sum as the record's time).
    let body = r#"[{"bn":"/72/","bt":25462634,"n":"1/2","v":22.4,"t":-5},
        {"n":"1/2","v":22.9,"t":-30},{"n":"1/2","v":24.1,"t":-50}]"#;
    let recs = senml_json(body);
    check(
        &recs,
        &[
            ("/72/1/2", f(22.4), Some(25_462_629.0)),
            ("/72/1/2", f(22.9), Some(25_462_604.0)),
            ("/72/1/2", f(24.1), Some(25_462_584.0)),
        ],
    );
    json_round_trip(&recs);
}

#[test]
fn senml_json_1_1_table_7_4_4_4_object_links() {
    let recs = senml_json(OBJLNK_TABLE);
    check(&recs, &objlnk_table());
    json_round_trip(&recs);
    // The table's own `FFFF:FFFF` is not an Objlnk.
    let hexlink = r#"[{"n":"/66/1/2","vlo":"FFFF:FFFF"}]"#;
    assert_eq!(
        senml_json::decode(hexlink.as_bytes()).next(),
        Some(Err(Error::new(1, Reason::BadObjLink)))
    );
    // Wakaama `senml_json_test_17`: the same records with a base name per instance, then
    // `"bn":""` that clears it (its `/67/0/00` written here `/67/0/0`: a leading zero is no
    // id of ours, see `peers_leniencies_we_do_not_follow`).
    let rebased = r#"[{"bn":"/65/0/","n":"0/0","vlo":"66:0"},{"n":"0/1","vlo":"66:1"},
        {"n":"1","vs":"8613800755500"},{"n":"2","v":1},
        {"bn":"/66/0/","n":"0","vs":"myService1"},{"n":"1","vs":"Internet.15.234"},
        {"n":"2","vlo":"67:0"},{"bn":"/66/1/","n":"0","vs":"myService2"},
        {"n":"1","vs":"Internet.15.235"},{"n":"2","vlo":"65535:65535"},
        {"bn":"","n":"/67/0/0","vs":"85.76.76.84"},{"n":"/67/0/1","vs":"85.76.255.255"}]"#;
    check(&senml_json(rebased), &objlnk_table());
}

#[test]
fn senml_json_1_1_tables_7_4_4_5_to_8() {
    // Table 7.4.4-5, Read /3/0/0 (Wakaama: "Corrected for missing closing quote"): the path in
    // the base name, no name. Leshan and Wakaama write it so; our encoder writes the path as
    // `n` (one byte shorter): the same record.
    let single = r#"[{"bn":"/3/0/0","vs":"Open Mobile Alliance"}]"#;
    let recs = senml_json(single);
    check(&recs, &[("/3/0/0", s("Open Mobile Alliance"), None)]);
    assert_eq!(
        senml_json_text(&recs),
        r#"[{"n":"/3/0/0","vs":"Open Mobile Alliance"}]"#
    );
    // Table 7.4.4-6, a Read-Composite request (FETCH) naming three paths: as SenML JSON and as
    // SenML-ETCH JSON, written back byte for byte.
    let request = r#"[{"n":"/3/0/0"},{"n":"/3/0/9"},{"n":"/1/0/1"}]"#;
    let want: &[Want<'_>] = &[
        ("/3/0/0", None, None),
        ("/3/0/9", None, None),
        ("/1/0/1", None, None),
    ];
    check(&senml_json(request), want);
    let fetch: Vec<_> = senml_etch_json::decode_fetch(request.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    check(&fetch, want);
    assert_eq!(senml_json_text(&fetch), request);
    let mut etch = vec![0u8; senml_etch_json::encoded_len_fetch(&fetch).unwrap()];
    let n = senml_etch_json::encode_fetch(&fetch, &mut etch).unwrap();
    assert_eq!(std::str::from_utf8(&etch[..n]).unwrap(), request);
    // Table 7.4.4-7, its answer; our encoder writes the same text.
    let answer = r#"[{"n":"/3/0/0", "vs":"Open Mobile Alliance"},
        {"n" :"/3/0/9", "v":95}, {"n":"/1/0/1", "v":86400}]"#;
    let recs = senml_json(answer);
    check(
        &recs,
        &[
            ("/3/0/0", s("Open Mobile Alliance"), None),
            ("/3/0/9", i(95), None),
            ("/1/0/1", i(86400), None),
        ],
    );
    assert_eq!(senml_json_text(&recs), squeeze(answer));
    // Table 7.4.4-8, a Write-Composite; our encoder writes the same text.
    let write = r#"[{"n":"/3311/0/5850", "vb":false}, {"n":"/3311/1/5850", "vb":false},
        {"n":"/3311/2/5851", "v":20}, {"n":"/3308/0/5900", "v":18}]"#;
    let recs = senml_json(write);
    check(
        &recs,
        &[
            ("/3311/0/5850", Some(Value::Bool(false)), None),
            ("/3311/1/5850", Some(Value::Bool(false)), None),
            ("/3311/2/5851", i(20), None),
            ("/3308/0/5900", i(18), None),
        ],
    );
    assert_eq!(senml_json_text(&recs), squeeze(write));
}

#[test]
fn senml_json_base_names_and_times_leshan() {
    // Leshan `senml_json_decode_acl_object`: the base name changes between instances.
    let acl = r#"[{"bn":"/2/3/","n":"0","v":3},{"n":"1","v":1},{"n":"3","v":123},
        {"bn":"/2/2/","n":"0","v":4},{"n":"1","v":2},{"n":"3","v":124}]"#;
    check(
        &senml_json(acl),
        &[
            ("/2/3/0", i(3), None),
            ("/2/3/1", i(1), None),
            ("/2/3/3", i(123), None),
            ("/2/2/0", i(4), None),
            ("/2/2/1", i(2), None),
            ("/2/2/3", i(124), None),
        ],
    );
    // Leshan `senml_json_decode_resources`: one record per base name, no names (its
    // `LwM2mNodeEncoderTest.senml_json_encode_resources` writes the same text).
    let composite = r#"[{"bn":"/3/0/0","vs":"Open Mobile Alliance"},{"bn":"/3/0/9","v":95},
        {"bn":"/1/0/1","v":86400}]"#;
    let recs = senml_json(composite);
    check(
        &recs,
        &[
            ("/3/0/0", s("Open Mobile Alliance"), None),
            ("/3/0/9", i(95), None),
            ("/1/0/1", i(86400), None),
        ],
    );
    json_round_trip(&recs);
    // Leshan `senml_timestamped_resources`: `bt` after `v` in the first record, relative times
    // after it (its body ends `],`: a trailing comma after the array, not JSON; left out here).
    let series = r#"[{"bn":"/1024/0/1","v":22.9,"bt":268500000},{"v":22.4,"t":-5},
        {"v":24.1,"t":-50}]"#;
    let recs = senml_json(series);
    check(
        &recs,
        &[
            ("/1024/0/1", f(22.9), Some(268_500_000.0)),
            ("/1024/0/1", f(22.4), Some(268_499_995.0)),
            ("/1024/0/1", f(24.1), Some(268_499_950.0)),
        ],
    );
    json_round_trip(&recs);
    // Leshan `senml_timestamped_instances`: a second `bt` replaces the first.
    let rebased = r#"[{"bn":"/1024/0/","bt":268600000, "n":"1", "v":22.9},
        {"n":"1","v":24.1,"t":-50},{"bt":268500000, "n":"0","vs":"a string"},
        {"n":"1","v":22.4}]"#;
    check(
        &senml_json(rebased),
        &[
            ("/1024/0/1", f(22.9), Some(268_600_000.0)),
            ("/1024/0/1", f(24.1), Some(268_599_950.0)),
            ("/1024/0/0", s("a string"), Some(268_500_000.0)),
            ("/1024/0/1", f(22.4), Some(268_500_000.0)),
        ],
    );
    // Leshan `senml_timestamped_resources_with_several_bn`: the base time holds across a new
    // base name; a fractional relative time (0.101 s) adds to it.
    let several = r#"[{"bn": "/3303/0/5700", "bt": 1699877805.766, "v": -128.8},
        {"bn": "/6/0/0", "t": 0.101, "v": -39.0}]"#;
    check(
        &senml_json(several),
        &[
            ("/3303/0/5700", f(-128.8), Some(1_699_877_805.766)),
            ("/6/0/0", f(-39.0), Some(1_699_877_805.766 + 0.101)),
        ],
    );
    // Leshan `senml_multiple_timestamped_nodes`: times `bt + t`, then a record without `t`
    // at the base time.
    let nodes = r#"[{"bn":"/4/0/","bt":268600000,"n":"0","v":1,"t":1},{"n":"1","v":2,"t":2},
        {"n":"1","v":3,"t":3},{"bn":"/3/0/7/","n":"0","v":3800}]"#;
    check(
        &senml_json(nodes),
        &[
            ("/4/0/0", i(1), Some(268_600_001.0)),
            ("/4/0/1", i(2), Some(268_600_002.0)),
            ("/4/0/1", i(3), Some(268_600_003.0)),
            ("/3/0/7/0", i(3800), Some(268_600_000.0)),
        ],
    );
    // Leshan `LwM2mNodeEncoderTest.senml_json_encode_timestamped_nodes`: each record with its
    // own `bt` and no `t`.
    let encoded = r#"[{"bn":"/0/0/0","bt":500000001,"vs":"TestString"},
        {"bn":"/0/1/","bt":500000002,"n":"1","vb":true},{"n":"2","v":123}]"#;
    let recs = senml_json(encoded);
    check(
        &recs,
        &[
            ("/0/0/0", s("TestString"), Some(500_000_001.0)),
            ("/0/1/1", Some(Value::Bool(true)), Some(500_000_002.0)),
            ("/0/1/2", i(123), Some(500_000_002.0)),
        ],
    );
    json_round_trip(&recs);
}

#[test]
fn senml_json_numbers_leshan() {
    // Leshan `senml_json_decode_ulong`: an Unsigned Integer above i64::MAX.
    let recs = senml_json(r#"[{"n":"/0/0/16","v":18446744073709551615}]"#);
    check(&recs, &[("/0/0/16", Some(Value::Uint(u64::MAX)), None)]);
    json_round_trip(&recs);
    // Leshan `senml_json_decode_long`: an integer a double cannot hold, kept exact.
    let recs = senml_json(r#"[{"n":"/1/0/2","v":9223372036854775800}]"#);
    check(&recs, &[("/1/0/2", i(9_223_372_036_854_775_800), None)]);
    json_round_trip(&recs);
    // Leshan `senml_json_decode_single_resource`: 20.0 for a Float resource.
    check(
        &senml_json(r#"[{"n":"/6/0/3","v":20.0}]"#),
        &[("/6/0/3", f(20.0), None)],
    );
    // Leshan `senml_json_decode_mixed_resource_and_instance`.
    let mixed = r#"[{"bn":"/4/0/0","v":45},{"bn":"/4/0/1","v":30},{"bn":"/4/0/2","v":100},
        {"bn":"/6/0/","n":"0","v":43.918998},{"n":"1","v":2.351149},{"n":"5","v":1610029880}]"#;
    let recs = senml_json(mixed);
    check(
        &recs,
        &[
            ("/4/0/0", i(45), None),
            ("/4/0/1", i(30), None),
            ("/4/0/2", i(100), None),
            ("/6/0/0", f(43.918998), None),
            ("/6/0/1", f(2.351149), None),
            ("/6/0/5", i(1_610_029_880), None),
        ],
    );
    json_round_trip(&recs);
    // Leshan `senml_json_decode_single_resource_using_exponantial_notation`: Current Time as
    // `1.638435E9`. A JSON number with an exponent reads as a float; Leshan takes it for the
    // Time 1638435000. So does this crate, strict or not: SenML has one numeric type (RFC 8428
    // §4.3), so a float with no fraction is that integer. One with a fraction is not.
    let recs = senml_json(r#"[{"bn":"/3/0/13","v":1.638435E9}]"#);
    check(&recs, &[("/3/0/13", f(1_638_435_000.0), None)]);
    let v = recs[0].value.unwrap();
    for config in [Config::STRICT, Config::LENIENT] {
        assert_eq!(
            v.typed(DataType::Time, &config),
            Ok(Value::Time(1_638_435_000))
        );
    }
    let recs = senml_json(r#"[{"bn":"/3/0/13","v":1.6384350005E9}]"#);
    assert!(
        recs[0]
            .value
            .unwrap()
            .typed(DataType::Time, &Config::STRICT)
            .is_err()
    );
}

#[test]
fn senml_json_opaque_values() {
    // Leshan `senml_json_decode_opaque_resource` / `senml_json_encode_opaque_resource`:
    // "q83v" is h'ABCDEF', written back the same.
    let body = r#"[{"bn":"/0/0/3","vd":"q83v"}]"#;
    let recs = senml_json(body);
    check(
        &recs,
        &[(
            "/0/0/3",
            Some(Value::Opaque(Opaque::Raw(&[0xab, 0xcd, 0xef]))),
            None,
        )],
    );
    assert_eq!(senml_json_text(&recs), r#"[{"n":"/0/0/3","vd":"q83v"}]"#);
    // Wakaama `senml_json_test_23`: `vd` with padding ("AQIDBAU=" is 01..05) and the "MA=="
    // of its issue 274. RFC 8428 §5 says base64url without padding: our encoder writes
    // "AQIDBAU"; the decoder reads padding too.
    let recs = senml_json(r#"[{"bn":"/34/0/2","vd":"AQIDBAU="}]"#);
    check(
        &recs,
        &[(
            "/34/0/2",
            Some(Value::Opaque(Opaque::Raw(&[1, 2, 3, 4, 5]))),
            None,
        )],
    );
    assert_eq!(
        senml_json_text(&recs),
        r#"[{"n":"/34/0/2","vd":"AQIDBAU"}]"#
    );
    check(
        &senml_json(r#"[{"bn":"/34/0/2","vd":"MA=="}]"#),
        &[("/34/0/2", Some(Value::Opaque(Opaque::Raw(b"0"))), None)],
    );
    // base64url: `-` and `_` (RFC 4648 §5), h'FBFF' is "-_8".
    check(
        &senml_json(r#"[{"n":"/34/0/2","vd":"-_8"}]"#),
        &[(
            "/34/0/2",
            Some(Value::Opaque(Opaque::Raw(&[0xfb, 0xff]))),
            None,
        )],
    );
    // Wakaama `senml_json_test_26`: an empty string and empty bytes.
    check(
        &senml_json(r#"[{"bn":"/34/0/2","vs":""}]"#),
        &[("/34/0/2", s(""), None)],
    );
    check(
        &senml_json(r#"[{"bn":"/34/0/2","vd":""}]"#),
        &[("/34/0/2", Some(Value::Opaque(Opaque::Raw(&[]))), None)],
    );
}

#[test]
fn senml_json_names_and_labels_wakaama() {
    // Wakaama `senml_json_test_9`, `_14`, `_15`, `_16`: the name is concatenated to the base
    // name (RFC 8428 §4.5.1), whatever `/` either carries; an empty name is the base name.
    for (body, path) in [
        (r#"[{"bn" : "/2/3", "n":"/0","v":1234}]"#, "/2/3/0"),
        (r#"[{"bn":"/5/0/1", "n":"/1","vs":"http"}]"#, "/5/0/1/1"),
        (r#"[{"bn":"/5/0", "n":"/1","vs":"http"}]"#, "/5/0/1"),
        (r#"[{"bn":"/5/0/1", "n":"","vs":"http"}]"#, "/5/0/1"),
    ] {
        let recs = senml_json(body);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].path.to_string(), path, "{body}");
    }
    // Wakaama `senml_json_test_8`: whitespace everywhere, fields in any order.
    let body = r#"[{"bn" : "/65/543/",   "n" :   "0",  "vs":"LWM2M"},
        {"v":2015, "n":"1"}, {"n":"2/0",    "vb":true}, {"vb": false, "n":"2/1"}]"#;
    let recs = senml_json(body);
    check(
        &recs,
        &[
            ("/65/543/0", s("LWM2M"), None),
            ("/65/543/1", i(2015), None),
            ("/65/543/2/0", Some(Value::Bool(true)), None),
            ("/65/543/2/1", Some(Value::Bool(false)), None),
        ],
    );
    // Its expected serialization is ours too.
    assert_eq!(
        senml_json_text(&recs),
        r#"[{"bn":"/65/543/","n":"0","vs":"LWM2M"},{"n":"1","v":2015},{"n":"2/0","vb":true},{"n":"2/1","vb":false}]"#
    );
    // Wakaama `senml_json_test_10`: `bn` and `bt` after `n` and `v` in the first record, a
    // negative float.
    let body = r#"[{"n":"1","v":1234,"bn" : "/12/0/","bt" : 1234567},
        {"n":"3","v":56.789}, {"n":"2/0","v":0.23}, {"n":"2/1","v":-52.0006}]"#;
    let t = Some(1_234_567.0);
    check(
        &senml_json(body),
        &[
            ("/12/0/1", i(1234), t),
            ("/12/0/3", f(56.789), t),
            ("/12/0/2/0", f(0.23), t),
            ("/12/0/2/1", f(-52.0006), t),
        ],
    );
    // Wakaama `senml_json_test_18` to `_22`: bver 10 is read, 11 refused (RFC 8428 §4.4);
    // an unknown label is skipped, one ending in `_` refused; `bv` adds to `v` (§4.6).
    check(
        &senml_json(r#"[{"bver":10,"n":"/34/0/2","v":1}]"#),
        &[("/34/0/2", i(1), None)],
    );
    assert_eq!(
        senml_json::decode(br#"[{"bver":11,"n":"/34/0/2","v":1}]"#).next(),
        Some(Err(Error::new(1, Reason::Unsupported)))
    );
    check(
        &senml_json(r#"[{"test":"good","n":"/34/0/2","v":1}]"#),
        &[("/34/0/2", i(1), None)],
    );
    assert_eq!(
        senml_json::decode(br#"[{ "bn":"/","test_":"fail","n":"34/0/2","v":1}]"#)
            .next()
            .unwrap()
            .unwrap_err()
            .reason,
        Reason::BadField
    );
    check(
        &senml_json(r#"[{ "bv":1,"n":"/34/0/2","v":1}]"#),
        &[("/34/0/2", i(2), None)],
    );
}

#[test]
fn senml_json_string_escapes_wakaama() {
    // Wakaama `senml_json_test_24`: every control character as `\u00XX` (upper- and lower-case
    // hex), then `\"`, `\\`, `\/` and the short escapes.
    let body = r#"[{"bn":"/34/0/2","vs":"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u0020\"\\\/\b\f\n\r\t"}]"#;
    let recs = senml_json(body);
    let mut want: String = (0u8..33).map(char::from).collect();
    want.push_str("\"\\/\u{8}\u{c}\n\r\t");
    let Some(Value::Str(t)) = recs[0].value else {
        panic!("{:?}", recs[0].value)
    };
    assert_eq!(t.to_string(), want);
    assert_eq!(recs[0].path, p("/34/0/2"));
    // Written back, it reads as the same text.
    let text = senml_json_text(&recs);
    let Some(Value::Str(back)) = senml_json(&text)[0].value else {
        panic!("{text}")
    };
    assert_eq!(back.to_string(), want);
}

/// RFC 8428 §4.3 and RFC 8259 §6: `v` is a JSON number; one written as an integer below
/// `i64::MIN` (-2^63 - 1 here) is read as the nearest double, exactly -2^63, which must not then
/// pass for the LwM2M Integer (int64, Core 1.1 Appendix C) `i64::MIN`: the number sent is none.
/// Above `i64::MAX` it was already refused for an Integer; now the two ends agree.
#[test]
fn integers_beyond_i64_are_no_integer() {
    for text in [
        "-9223372036854775809",
        "-9223372036854776000",
        "9223372036854775808",
    ] {
        let body = format!(r#"[{{"n":"/1/0/1","v":{text}}}]"#);
        let recs = senml_json(&body);
        let value = recs[0].value.unwrap();
        assert!(
            value.typed(DataType::Integer, &Config::STRICT).is_err(),
            "{text} read as {:?}",
            value.typed(DataType::Integer, &Config::STRICT)
        );
    }
    let recs = senml_json(r#"[{"n":"/1/0/1","v":-9223372036854775808}]"#);
    assert_eq!(recs[0].value, i(i64::MIN));
}
