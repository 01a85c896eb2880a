//! Peers' vectors: SenML JSON (110) and CBOR (112), SenML-ETCH FETCH records, and time values in CBOR.

use super::*;

#[test]
fn encoded_names_are_paths_without_a_trailing_slash() {
    // Leshan `LwM2mNodeEncoderTest.json_timestamped_resource_instances`: three values of the
    // resource instance /1024/0/1/0 at 500, 510 and 520. Leshan writes
    // `{"bn":"/1024/0/1/0","e":[{"v":22.9,"t":500},...]}`. Our encoders wrote the base name
    // `/1024/0/1/0/` with no `n`, so the records' names were `/1024/0/1/0/`: no LwM2M path
    // (Core 1.1 §7.4.4 names a record by its path; the specification writes a lone path as
    // `"bn":"/3/0/0"`, Table 7.4.4-5), and Wakaama's SenML readers (`data/senml_json.c`,
    // `data/senml_cbor.c`, through `lwm2m_stringToUri`) refuse a four-level path with a `/`
    // after it.
    let series: Vec<Record<'_>> = [(22.9, 500.0), (22.4, 510.0), (24.1, 520.0)]
        .into_iter()
        .map(|(v, t)| Record::new(p("/1024/0/1/0"), Value::Float(v)).at(t))
        .collect();
    // A Read-Composite of an instance and two of its resources, paths only.
    let paths = [
        Record::path_only(p("/3/0")),
        Record::path_only(p("/3/0/1")),
        Record::path_only(p("/3/0/2")),
    ];
    // The same resource at two times, three levels deep.
    let pair = [
        Record::new(p("/3303/0/5700"), Value::Float(21.5)).at(1.6e9),
        Record::new(p("/3303/0/5700"), Value::Float(22.0)).at(1.6e9 + 30.0),
    ];
    for recs in [&series[..], &paths[..], &pair[..]] {
        let want: Vec<String> = recs.iter().map(|r| r.path.to_string()).collect();
        let json = senml_json_text(recs);
        assert_eq!(senml_json_names(&json), want, "{json}");
        let cbor = senml_cbor_bytes(recs);
        assert_eq!(senml_cbor_names(&cbor), want);
        // And each reads back to the same records.
        let back: Vec<Record<'_>> = senml_json::decode(json.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, recs);
        let back: Vec<Record<'_>> = senml_cbor::decode(&cbor).collect::<Result<_, _>>().unwrap();
        assert_eq!(back, recs);
        // Legacy JSON has no entry without a value (Core 1.0 §6.4.4): the paths are left out.
        let legacy = legacy_text(recs);
        if recs.iter().all(|r| r.value.is_some()) {
            assert_eq!(legacy_names(&legacy), want, "{legacy}");
            let back: Vec<Record<'_>> = lwm2m_json::decode(legacy.as_bytes())
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(back, recs);
        } else {
            assert_eq!(legacy, r#"{"e":[]}"#);
        }
    }
    // The time series with a base name one level up, as Wakaama writes its own
    // (`senml_json_test_2`: `"bn":"/72/","n":"1/2"`).
    assert_eq!(
        senml_json_text(&series),
        r#"[{"bn":"/1024/0/1/","n":"0","v":22.9,"t":500},{"n":"0","v":22.4,"t":510},{"n":"0","v":24.1,"t":520}]"#
    );
    // Leshan's own text reads as it says.
    let leshan =
        r#"{"bn":"/1024/0/1/0","e":[{"v":22.9,"t":500},{"v":22.4,"t":510},{"v":24.1,"t":520}]}"#;
    let back: Vec<Record<'_>> = lwm2m_json::decode(leshan.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(back, series);
}

#[test]
fn senml_json_anjay() {
    // Anjay `tests/core/io/json_in.c`: fields in either order, resource instances, several
    // instances.
    let recs = senml_json_all(r#"[ { "v": 42, "n": "/13/26/1" } ]"#).unwrap();
    assert_eq!(recs, [Record::new(p("/13/26/1"), Value::Int(42))]);
    let recs =
        senml_json_all(r#"[ { "v": 42, "n": "/13/26/1/4" }, { "v": 43, "n": "/13/26/1/5" } ]"#)
            .unwrap();
    assert_eq!(recs[1], Record::new(p("/13/26/1/5"), Value::Int(43)));
    let recs = senml_json_all(
        r#"[ { "n": "/13/26/1", "v": 42 }, { "n": "/13/26/2", "v": 43 },
            { "n": "/13/27/3", "v": 44 }, { "n": "/13/27/4", "v": 45 } ]"#,
    )
    .unwrap();
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[3], Record::new(p("/13/27/4"), Value::Int(45)));
    // A trailing comma, a bare word, garbage after a record; ids of 65535 at each level; a
    // string for `v`.
    for body in [
        r#"[ { "n": "/13/26/1", "v": 42 }, ]"#,
        r#"[ { "n": "/13/26/1", manure } ]"#,
        r#"[ { "n": "/13/26/1", "v": 42 }, manure ]"#,
        r#"[ { "n": "/65535/1/1", "v": 42 } ]"#,
        r#"[ { "n": "/5/65535/1", "v": 42 } ]"#,
        r#"[ { "n": "/5/0/65535", "v": 42 } ]"#,
        r#"[ { "n": "/5/0/3/65535", "v": 42 } ]"#,
        r#"[ { "n": "/3/0/0/1", "v": "foo" } ]"#,
    ] {
        assert!(senml_json_all(body).is_err(), "{body}");
    }
    // `vlo`: two 16-bit decimal ids.
    let link = |v: &str| {
        let body: &'static str = format!(r#"[ {{ "n": "/13/26/1", "vlo": "{v}" }} ]"#).leak();
        senml_json::decode(body.as_bytes())
            .next()
            .unwrap()
            .map(|r| r.value)
    };
    assert_eq!(
        link("32:42532"),
        Ok(Some(Value::ObjLink(ObjLink {
            object: 32,
            instance: 42532
        })))
    );
    assert!(link("32:42foo").is_err());
    assert!(link("1:423444").is_err());
    // Numbers: `3` reads as an Integer or an Unsigned Integer; 3.1415926535 is no Integer;
    // 1.844674407370955e19 is the Unsigned Integer 2^64 - 2048, which it equals.
    let number = |n: &str, ty| {
        let body = format!(r#"[ {{ "n": "/13/26/1", "v": {n} }} ]"#);
        let v = senml_json::decode(body.as_bytes())
            .next()
            .unwrap()
            .unwrap()
            .value;
        v.unwrap()
            .typed(ty, &Config::STRICT)
            .map(|v| format!("{v:?}"))
    };
    assert_eq!(number("3", DataType::Integer), Ok("Int(3)".into()));
    assert_eq!(number("3", DataType::UnsignedInteger), Ok("Uint(3)".into()));
    assert_eq!(
        number("1.844674407370955e19", DataType::UnsignedInteger),
        Ok(format!("{:?}", Value::Uint(u64::MAX - 2047)))
    );
    assert!(number("3.1415926535", DataType::Integer).is_err());
    // `get_path_for_resource_instance_path`: a name alone, as in a Read-Composite.
    let recs = senml_json_all(r#"[ { "n": "/3/0/0/1" } ]"#).unwrap();
    assert_eq!(recs, [Record::path_only(p("/3/0/0/1"))]);
}

#[test]
fn senml_json_leshan() {
    // Leshan `LwM2mNodeDecoderTest.senml_json_decode_mixed_resource_without_given_path`: a base
    // name per resource, then one for an instance with names below it.
    let recs = senml_json_all(
        r#"[{"bn":"/4/0/0","v":45},{"bn":"/4/0/1","v":30},{"bn":"/4/0/2","v":100},
            {"bn":"/6/0/","n":"0","v":43.918998},{"n":"1","v":2.351149},{"n":"5","v":1610029880}]"#,
    )
    .unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/4/0/0"), Value::Int(45)),
            Record::new(p("/4/0/1"), Value::Int(30)),
            Record::new(p("/4/0/2"), Value::Int(100)),
            Record::new(p("/6/0/0"), Value::Float(43.918998)),
            Record::new(p("/6/0/1"), Value::Float(2.351149)),
            Record::new(p("/6/0/5"), Value::Int(1_610_029_880)),
        ]
    );
    // `senml_json_decode_multiple_resource` and `senml_json_encode_multiple_resource`.
    let recs = senml_json_all(r#"[{"bn":"/3/0/7/","n":"0","v":3800},{"n":"1","v":5000}]"#).unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/3/0/7/0"), Value::Int(3800)),
            Record::new(p("/3/0/7/1"), Value::Int(5000)),
        ]
    );
    // `senml_timestamped_Object`: a base time and relative times, instances 0 and 1.
    let recs = senml_json_all(
        r#"[{"bn":"/1024/","bt":268600000,"n":"0/1","v":22.9},{"n":"0/0","vs":"a string","t":-50},
            {"n":"1/1","v":23,"t":-50},{"n":"0/1","v":24.1,"t":-5}]"#,
    )
    .unwrap();
    let times: Vec<_> = recs.iter().map(|r| (r.path.to_string(), r.time)).collect();
    assert_eq!(
        times,
        [
            ("/1024/0/1".into(), Some(268_600_000.0)),
            ("/1024/0/0".into(), Some(268_599_950.0)),
            ("/1024/1/1".into(), Some(268_599_950.0)),
            ("/1024/0/1".into(), Some(268_599_995.0)),
        ]
    );
    // `senml_encode_timestamped_resources`: Leshan's text, a base name and time per record.
    let recs = senml_json_all(
        r#"[{"bn":"/1024/0/1","bt":268500000,"v":22.9},{"bn":"/1024/0/1","bt":268500010,"v":22.4},
            {"bn":"/1024/0/1","bt":268500020,"v":24.1}]"#,
    )
    .unwrap();
    assert_eq!(
        recs[2],
        Record::new(p("/1024/0/1"), Value::Float(24.1)).at(268_500_020.0)
    );
    // `senml_json_decode_path_using_name` / `..._using_base_name`: the paths of a
    // Read-Composite, as SenML-ETCH FETCH records.
    let want = [
        Record::path_only(p("/4/0/0")),
        Record::path_only(p("/4/0/1")),
        Record::path_only(p("/4/0/2")),
    ];
    for body in [
        r#"[{"n":"/4/0/0"},{"n":"/4/0/1"},{"n":"/4/0/2"}]"#,
        r#"[{"bn":"/4/0/", "n":"0"},{"n":"1"},{"n":"2"}]"#,
    ] {
        let got: Vec<Record<'_>> = senml_etch_json::decode_fetch(body.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got, want, "{body}");
    }
    // `senml_json_decode_invalid_path_with_value`: a value in a FETCH record is refused
    // (RFC 8790 §4.1).
    let body = r#"[{"bn":"/4/0/", "n":"0"},{"n":"1", "v":200},{"n":"2"}]"#;
    assert!(
        senml_etch_json::decode_fetch(body.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .is_err()
    );
    // `senml_json_decode_invalid_path_with_timestamp`: Leshan refuses a time there too; RFC
    // 8790 §4.1 lets a Fetch Record carry a name and a time (the time selects the record), so
    // it is read here.
    let body = r#"[{"bn":"/4/0/", "n":"0"},{"n":"1", "t":20000000},{"n":"2"}]"#;
    let got: Vec<Record<'_>> = senml_etch_json::decode_fetch(body.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got[1], Record::path_only(p("/4/0/1")).at(20_000_000.0));
    // `SenMLJsonSerDesTest.deserialize_opaque_object_`: `q83v` is h'ABCDEF'.
    let recs = senml_json_all(r#"[{"bn":"/0/0/3","vd":"q83v"}]"#).unwrap();
    assert_eq!(recs[0].path, p("/0/0/3"));
    assert_eq!(opaque_bytes(recs[0].value), [0xAB, 0xCD, 0xEF]);
}

#[test]
fn senml_cbor_leshan_and_anjay() {
    // Leshan `SenMLCborSerializerTest.deserialize_float_resource`: [{2: 300.0 (a half float),
    // -2: "/3442/0/130"}], the value before the base name.
    let recs: Vec<Record<'_>> = senml_cbor::decode(bytes("81a202f95cb0216b2f333434322f302f313330"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs, [Record::new(p("/3442/0/130"), Value::Float(300.0))]);
    // `deserialize_opaque_resource`: [{-2: "/0/0/3", 8: h'ABCDEF'}].
    let recs: Vec<Record<'_>> = senml_cbor::decode(bytes("81a221662f302f302f330843abcdef"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs[0].path, p("/0/0/3"));
    assert_eq!(opaque_bytes(recs[0].value), [0xAB, 0xCD, 0xEF]);
    // Anjay `tests/core/io/senml_cbor_out.c`: a base name without its `/`, names with one.
    // [{-2: "/13/26/1", 2: 42}]
    let recs: Vec<Record<'_>> = senml_cbor::decode(bytes("81a221682f31332f32362f3102182a"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs, [Record::new(p("/13/26/1"), Value::Int(42))]);
    // [{-2: "/13/26", 0: "/1", 2: 42}, {0: "/3/21", 2: 69.68}, {0: "/3/37", 4: false}]
    let body = bytes(
        "83 a3 21 66 2f31332f3236 00 62 2f31 02 182a
            a2 00 65 2f332f3231 02 fb 40516b851eb851ec
            a2 00 65 2f332f3337 04 f4",
    );
    let recs: Vec<Record<'_>> = senml_cbor::decode(body).collect::<Result<_, _>>().unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/13/26/1"), Value::Int(42)),
            Record::new(p("/13/26/3/21"), Value::Float(69.68)),
            Record::new(p("/13/26/3/37"), Value::Bool(false)),
        ]
    );
}

#[test]
fn cbor_time_as_epoch_based_date_time() {
    // Leshan `LwM2mNodeCborEncoder` writes a Time resource in the CBOR single value (60) as
    // tag 1 on the integer (RFC 8949 §3.4.2): /3/0/13 = 1367491215 is c1 1a 5182428f; Core
    // 1.2 Appendix C gives Time in "CBOR, LwM2M CBOR, and SenML CBOR" "as defined in Section
    // 2.4.1 of [RFC7049]". Read so in each.
    let time = Value::Time(1_367_491_215);
    assert_eq!(
        m2m_lwm2m::cbor::single::decode(bytes("c11a5182428f")),
        Ok(time)
    );
    let recs: Vec<Record<'_>> = lwm2m_cbor::decode(bytes("a18303000dc11a5182428f"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs, [Record::new(p("/3/0/13"), time)]);
    // SenML CBOR: [{0: "/3/0/13", 2: 1(1367491215)}], and a device's base time the same way
    // (Leshan issue 1631: `[{-3: 1(1720696276)}]`), here with a name and a value.
    let recs: Vec<Record<'_>> = senml_cbor::decode(bytes("81a200672f332f302f313302c11a5182428f"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(
        recs[0]
            .value
            .unwrap()
            .typed(DataType::Time, &Config::STRICT),
        Ok(time)
    );
    let recs: Vec<Record<'_>> =
        senml_cbor::decode(bytes("81a322c11a668fbdd400672f332f302f3133021a5182428f"))
            .collect::<Result<_, _>>()
            .unwrap();
    assert_eq!(recs[0].time, Some(1_720_696_276.0));
    // Tag 1 wraps a number only; on a string value or around text it is refused.
    for body in [
        "81a200672f332f302f313303c16161",
        "81a200672f332f302f313302c16161",
    ] {
        assert!(
            senml_cbor::decode(bytes(body)).next().unwrap().is_err(),
            "{body}"
        );
    }
}

#[test]
fn senml_etch_fetch_records_hold_names_times_and_units() {
    // RFC 8790 §3.1: a Fetch Record holds no other fields than n, bn, t, bt, u and bu (Leshan
    // `senml_json_decode_invalid_path_with_value` refuses a value there). JSON and CBOR alike.
    let fetch_json = |b: &str| {
        senml_etch_json::decode_fetch(b.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map(|r| r.len())
    };
    assert_eq!(
        fetch_json(r#"[{"bn":"/3/0/","bt":5,"bu":"s","n":"0","t":1,"u":"s"}]"#),
        Ok(1)
    );
    for body in [
        r#"[{"n":"/3/0/0","v":1}]"#,
        r#"[{"n":"/3/0/0","vs":"a"}]"#,
        r#"[{"n":"/3/0/0","s":1}]"#,
        r#"[{"n":"/3/0/0","ut":5}]"#,
        r#"[{"n":"/3/0/0","bv":1}]"#,
        r#"[{"n":"/3/0/0","bs":1}]"#,
    ] {
        assert!(fetch_json(body).is_err(), "{body}");
    }
    let fetch_cbor = |h: &str| {
        senml_cbor::decode_fetch(bytes(h))
            .collect::<Result<Vec<_>, _>>()
            .map(|r| r.len())
    };
    // [{0: "/3/0/0", 6: 1}]
    assert_eq!(fetch_cbor("81a200662f332f302f300601"), Ok(1));
    // [{0: "/3/0/0", 2: 1}], [{0: "/3/0/0", 3: "a"}], [{0: "/3/0/0", 5: 1}],
    // [{0: "/3/0/0", 7: 1}], [{0: "/3/0/0", -5: 1}], [{0: "/3/0/0", "vlo": "1:1"}]
    for h in [
        "81a200662f332f302f300201",
        "81a200662f332f302f30036161",
        "81a200662f332f302f300501",
        "81a200662f332f302f300701",
        "81a200662f332f302f302401",
        "81a200662f332f302f3063766c6f63313a31",
    ] {
        assert!(fetch_cbor(h).is_err(), "{h}");
    }
    // A Read-Composite in SenML-ETCH CBOR with a value beside a name is refused too.
    let paths = m2m_lwm2m::composite::decode_paths(
        ContentFormat::SENML_ETCH_CBOR,
        bytes("81a200662f332f302f300201"),
    )
    .unwrap();
    assert!(paths.collect::<Result<Vec<_>, _>>().is_err());
}

/// Anjay `tests/core/io/json_in.c`: the SenML JSON bodies it refuses (a trailing comma, a bare
/// word inside or after a record, 65535 as an object, instance, resource or resource instance
/// id, a string in `v`), refused here too; and the numbers it converts (`json_in_value`).
#[test]
fn senml_json_anjay_json_in() {
    for body in [
        r#"[ { "n": "/13/26/1", "v": 42 }, ]"#,
        r#"[ { "n": "/13/26/1", manure } ]"#,
        r#"[ { "n": "/13/26/1", "v": 42 }, manure ]"#,
        r#"[ { "n": "/5/65535/1", "v": 42 } ]"#,
        r#"[ { "n": "/5/0/65535", "v": 42 } ]"#,
        r#"[ { "n": "/5/0/3/65535", "v": 42 } ]"#,
        r#"[ { "n": "/65535/1/1", "v": 42 } ]"#,
        r#"[ { "n": "/3/0/0/1", "v": "foo" } ]"#,
    ] {
        assert!(senml_json_all(body).is_err(), "{body}");
    }
    let typed = |body: &'static str, ty| {
        senml_json_all(body).unwrap()[0]
            .value
            .unwrap()
            .typed(ty, &Config::STRICT)
    };
    // double_as_huge_u64_when_convertible: 1.844674407370955e19 is UINT64_MAX - 2047.
    assert_eq!(
        typed(
            r#"[{"n":"/1/0/1","v":1.844674407370955e19}]"#,
            DataType::UnsignedInteger
        ),
        Ok(Value::Uint(u64::MAX - 2047))
    );
    // double_as_i64_when_convertible, double_as_u64_when_convertible: 3.
    assert_eq!(
        typed(r#"[{"n":"/1/0/1","v":3}]"#, DataType::Integer),
        Ok(Value::Int(3))
    );
    assert_eq!(
        typed(r#"[{"n":"/1/0/1","v":3}]"#, DataType::UnsignedInteger),
        Ok(Value::Uint(3))
    );
    // double_as_i64_not_convertible: 3.1415926535.
    assert!(typed(r#"[{"n":"/1/0/1","v":3.1415926535}]"#, DataType::Integer).is_err());
}

/// Anjay `tests/core/io/senml_json_encoder.c` and `senml_cbor_encoder.c`: the value fields
/// Anjay writes for each type. Our records always carry a name (Anjay's encoder tests write
/// none), so each value field is compared on its own: read with serde_json from our JSON, and
/// as the bytes of the value label and value in our CBOR.
#[test]
fn senml_value_fields_anjay_encoders() {
    let json_value = |v: Value<'_>, key: &str| -> serde_json::Value {
        let text = senml_json_text(&[Record::new(p("/13/26/1"), v)]);
        let pack: serde_json::Value = serde_json::from_str(&text).unwrap();
        pack[0][key].clone()
    };
    // Integers at every width, and the u64 maximum (`TEST_INT`, `uint64_max`), as JSON
    // numbers written whole.
    for (v, text) in [
        (Value::Int(0), "0"),
        (Value::Int(32767), "32767"),
        (Value::Int(65535), "65535"),
        (Value::Int(2_147_483_647), "2147483647"),
        (Value::Int(4_294_967_295), "4294967295"),
        (Value::Int(i64::MAX), "9223372036854775807"),
        (Value::Int(-1), "-1"),
        (Value::Int(i64::MIN), "-9223372036854775808"),
        (Value::Uint(u64::MAX), "18446744073709551615"),
    ] {
        let json = senml_json_text(&[Record::new(p("/13/26/1"), v)]);
        assert!(json.contains(&format!("\"v\":{text}}}")), "{json}");
    }
    // Booleans; strings with `"` and `\` escaped (`string_escaped`); Anjay also escapes DEL
    // (`\u007f`), which RFC 8259 §7 leaves unescaped and we write as it is: both read the same.
    assert_eq!(json_value(Value::Bool(true), "vb"), true);
    assert_eq!(json_value(Value::Bool(false), "vb"), false);
    assert_eq!(json_value(Value::Str(Text::Plain("\"\\")), "vs"), "\"\\");
    assert_eq!(json_value(Value::Str(Text::Plain("\x7f")), "vs"), "\x7f");
    // Floats (`TEST_FLOAT`, `TEST_DOUBLE`): Anjay checks only that each reads back to the same
    // number.
    for f in [0.0, -0.0, 1.0, 100_000.0, 1.125, 1.1, 1.0e300, -4.1] {
        let got = json_value(Value::Float(f), "v").as_f64().unwrap();
        assert_eq!(got.to_bits(), f.to_bits(), "{f}");
    }
    // Opaque values in base64url without padding (RFC 8428 §5): `bytes_0bytes`,
    // `bytes_4bytes`, and `bytes_256bytes`, whose text uses both `-` and `_`.
    assert_eq!(json_value(Value::Opaque(Opaque::Raw(&[])), "vd"), "");
    assert_eq!(
        json_value(Value::Opaque(Opaque::Raw(&[1, 2, 3, 4])), "vd"),
        "AQIDBA"
    );
    let data = hex(
        "d8e2e6ed9005293b17ac8d339352d96bf2fb20743e9cefadbb03ce0ec5bd0d2f426d1cd6db29f8f6a4963d
         7a8aeee6f2561cbece71303becc98671968651a2ca238a0b1d673c50b8664c648c31cd1105ca564bbb7918
         8f5bf1e01e8538be7a6f304afdb31ba952b40e957383a5339f0c042e33b3d50b6e020cc70d1a1a480c921b
         6283cfc15c90bc833b92bf8ece7cd69977f266920cc60a1180be03592389f6ef3a5a07ebef47f01ff0b496
         011be951407016ddb29beb42ac6e45e6ae8fce9ac4cb09e72ce44886f09c562cef1bd08e92d46115467619
         32df9f98c00af7aea9d761ec8b78e5aac60b5d981d86e6576797568229ff8f616ca5d00820ae495b04",
    );
    assert_eq!(data.len(), 256);
    assert_eq!(
        json_value(Value::Opaque(Opaque::Raw(&data)), "vd"),
        "2OLm7ZAFKTsXrI0zk1LZa_L7IHQ-nO-tuwPODsW9DS9CbRzW2yn49qSWPXqK7ubyVhy-znEwO-zJhnGWhlGiyi\
         OKCx1nPFC4ZkxkjDHNEQXKVku7eRiPW_HgHoU4vnpvMEr9sxupUrQOlXODpTOfDAQuM7PVC24CDMcNGhpIDJIb\
         YoPPwVyQvIM7kr-OznzWmXfyZpIMxgoRgL4DWSOJ9u86Wgfr70fwH_C0lgEb6VFAcBbdspvrQqxuReauj86axM\
         sJ5yzkSIbwnFYs7xvQjpLUYRVGdhky35-YwAr3rqnXYeyLeOWqxgtdmB2G5ldnl1aCKf-PYWyl0AggrklbBA"
    );
    // And our text reads back to the same bytes.
    let text = senml_json_text(&[Record::new(
        p("/13/26/1"),
        Value::Opaque(Opaque::Raw(&data)),
    )]);
    let back = senml_json_all(&text).unwrap();
    assert_eq!(opaque_bytes(back[0].value), data);

    // SenML CBOR (`senml_cbor_encoder.c`): label 2 with 100 as `18 64` (Int and Uint), 100000.0
    // as a single (`fa 47c35000`), 1.1 as a double, label 4 `f5`, label 3 with the text,
    // label 8 with the bytes, and an object link under the text label "vlo" (`63 766c6f`).
    let cbor_has = |v: Value<'_>, fragment: &str| {
        let body = m2m_core::hex::encode(&senml_cbor_bytes(&[Record::new(p("/13/26/1"), v)]));
        assert!(
            body.ends_with(fragment),
            "{body} does not end in {fragment}"
        );
    };
    cbor_has(Value::Int(100), "021864");
    cbor_has(Value::Uint(100), "021864");
    cbor_has(Value::Float(100_000.0), "02fa47c35000");
    cbor_has(Value::Float(1.1), "02fb3ff199999999999a");
    cbor_has(Value::Bool(true), "04f5");
    cbor_has(Value::Str(Text::Plain("senml")), "036573656e6d6c");
    cbor_has(
        Value::Opaque(Opaque::Raw(&[1, 2, 3, 4, 5])),
        "08450102030405",
    );
    cbor_has(
        Value::ObjLink(ObjLink {
            object: 12,
            instance: 345,
        }),
        "63766c6f6631323a333435",
    );
}

/// Wakaama `tests/data_senml_cbor_tests.c`, the cases `vectors_spec` does not already hold:
/// what each body reads as (Wakaama's expected re-encodings choose other base names; they read
/// the same), and the bodies it refuses.
#[test]
fn senml_cbor_wakaama_more() {
    let read = |h: &str| -> Result<Vec<Record<'static>>, Reason> {
        senml_cbor::decode(bytes(h))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.reason)
    };
    // `senml_cbor_test_9`: [{-2: "/2/3", 0: "/0", 2: 1234}] and its expected form
    // [{-2: "/2/3/", 0: "0", 2: 1234}] name the same resource.
    for h in [
        "81a321642f322f3300622f30021904d2",
        "81a321652f322f332f006130021904d2",
    ] {
        assert_eq!(
            read(h),
            Ok(vec![Record::new(p("/2/3/0"), Value::Int(1234))])
        );
    }
    // `_10`: the base name and base time after the name in the first record apply to it
    // (RFC 8428 §4: the fields of a record are unordered); the expected forms A-D each read
    // to the same paths.
    let want10 = [
        ("/12/0/1", Value::Int(1234)),
        ("/12/0/3", Value::Float(56.789)),
        ("/12/0/2/0", Value::Float(0.23)),
        ("/12/0/2/1", Value::Float(-52.0006)),
    ];
    let body = read(
        "84a4006131021904d221662f31322f302f221a0012d687a200613302fb404c64fdf3b645a2a20063322f3002
         fb3fcd70a3d70a3d71a20063322f3102fbc04a0013a92a3055",
    )
    .unwrap();
    assert_eq!(body.len(), want10.len());
    for (r, (path, v)) in body.iter().zip(want10) {
        assert_eq!(*r, Record::new(p(path), v).at(1_234_567.0));
    }
    for h in [
        "84a200672f31322f302f31021904d2a200672f31322f302f3302fb404c64fdf3b645a2a200692f31322f302f
         322f3002fb3fcd70a3d70a3d71a200692f31322f302f322f3102fbc04a0013a92a3055",
        "84a321612f006631322f302f31021904d2a2006631322f302f3302fb404c64fdf3b645a2a2006831322f302f
         322f3002fb3fcd70a3d70a3d71a2006831322f302f322f3102fbc04a0013a92a3055",
        "84a321642f31322f0063302f31021904d2a20063302f3302fb404c64fdf3b645a2a20065302f322f3002fb3f
         cd70a3d70a3d71a20065302f322f3102fbc04a0013a92a3055",
        "84a321662f31322f302f006131021904d2a200613302fb404c64fdf3b645a2a20063322f3002fb3fcd70a3d7
         0a3d71a20063322f3102fbc04a0013a92a3055",
    ] {
        let got = read(h).unwrap();
        let want: Vec<Record<'_>> = want10.iter().map(|(q, v)| Record::new(p(q), *v)).collect();
        assert_eq!(got, want);
    }
    // `_14` to `_16`: a base name with or without its `/`, a name with a leading `/`, an
    // empty name.
    let http = |path| Ok(vec![Record::new(p(path), Value::Str(Text::Plain("http")))]);
    for (h, path) in [
        ("81a321662f352f302f3100622f31036468747470", "/5/0/1/1"),
        ("81a321672f352f302f312f006131036468747470", "/5/0/1/1"),
        ("81a221682f352f302f312f31036468747470", "/5/0/1/1"),
        ("81a321642f352f3000622f31036468747470", "/5/0/1"),
        ("81a321652f352f302f006131036468747470", "/5/0/1"),
        ("81a321662f352f302f310060036468747470", "/5/0/1"),
        ("81a221662f352f302f31036468747470", "/5/0/1"),
    ] {
        assert_eq!(read(h), http(path), "{h}");
    }
    // `_18` to `_22`: bver 10 read, 11 refused (RFC 8428 §4.4); an unknown text label
    // skipped, one ending in `_` refused; base value -5 added to the value (§4.6).
    let one = |v| Ok(vec![Record::new(p("/34/0/2"), Value::Int(v))]);
    assert_eq!(read("81a3200a00672f33342f302f320201"), one(1));
    assert_eq!(
        read("81a3200b00672f33342f302f320201"),
        Err(Reason::Unsupported)
    );
    assert_eq!(
        read("81a3647465737464676f6f6400672f33342f302f320201"),
        one(1)
    );
    assert_eq!(
        read("81a421612f65746573745f646661696c006633342f302f320201"),
        Err(Reason::BadField)
    );
    assert_eq!(read("81a3240100672f33342f302f320201"), one(2));
    // `_23`, `_25`: opaque values, empty strings and empty opaque values.
    let opaque = |b: &'static [u8]| {
        Ok(vec![Record::new(
            p("/34/0/2"),
            Value::Opaque(Opaque::Raw(b)),
        )])
    };
    assert_eq!(
        read("81a221672f33342f302f3208450102030405"),
        opaque(&[1, 2, 3, 4, 5])
    );
    assert_eq!(read("81a221672f33342f302f32084130"), opaque(b"0"));
    assert_eq!(read("81a221672f33342f302f320840"), opaque(b""));
    assert_eq!(
        read("81a221672f33342f302f320360"),
        Ok(vec![Record::new(p("/34/0/2"), Value::Str(Text::Plain("")))])
    );
    // `_24`: the same resource instance from bodies with the base name at each depth.
    for h in [
        "81a321632f342f0065302f312f300200",
        "81a321652f342f302f0063312f300200",
        "81a321672f342f302f312f0061300200",
        "81a221682f342f302f312f300200",
    ] {
        assert_eq!(read(h), Ok(vec![Record::new(p("/4/0/1/0"), Value::Int(0))]));
    }
    // `_26` to `_29`, refused: a record without the array, a second array after the first,
    // an array announcing two records holding one, a record after the array.
    assert_eq!(read("a221672f33342f302f320360"), Err(Reason::BadCbor));
    assert_eq!(
        read("81a221672f33342f302f32036081a221672f33342f302f320360"),
        Err(Reason::TrailingBytes)
    );
    assert_eq!(read("82a221672f33342f302f320360"), Err(Reason::Truncated));
    assert_eq!(
        read("81a221672f33342f302f320360a221672f33342f302f320360"),
        Err(Reason::TrailingBytes)
    );
}

#[test]
fn senml_leshan_encoder_cases() {
    // Leshan `LwM2mNodeEncoderTest.senml_json_encode_mixed_resource_and_instance`: Leshan
    // writes a base name per resource and one for instance /6/0 with names after it; we write
    // full names. Each reads as the other's.
    let recs = [
        Record::new(p("/4/0/0"), Value::Int(45)),
        Record::new(p("/4/0/1"), Value::Int(30)),
        Record::new(p("/4/0/2"), Value::Int(100)),
        Record::new(p("/6/0/0"), Value::Float(43.918998)),
        Record::new(p("/6/0/1"), Value::Float(2.351149)),
    ];
    let leshan = r#"[{"bn":"/4/0/0","v":45},{"bn":"/4/0/1","v":30},{"bn":"/4/0/2","v":100},{"bn":"/6/0/","n":"0","v":43.918998},{"n":"1","v":2.351149}]"#;
    assert_eq!(senml_json_all(leshan).unwrap(), recs);
    let mut out = vec![0u8; senml_json::encoded_len(&recs).unwrap()];
    let n = senml_json::encode(&recs, &mut out).unwrap();
    let ours = std::str::from_utf8(&out[..n]).unwrap();
    assert_eq!(
        ours,
        r#"[{"n":"/4/0/0","v":45},{"n":"/4/0/1","v":30},{"n":"/4/0/2","v":100},{"n":"/6/0/0","v":43.918998},{"n":"/6/0/1","v":2.351149}]"#
    );
    assert_eq!(senml_json_all(ours).unwrap(), recs);
    // `senml_json_encode_path_using_name` / `LwM2mNodeDecoderTest.senml_json_decode_path_using_base_name`:
    // the paths of a Read-Composite. Leshan writes `[{"n":"/4/0/0"},{"n":"/4/0/1"},{"n":"/4/0/2"}]`;
    // we write a base name and short names, Leshan's decoder test's form; both read as the paths.
    let paths = [p("/4/0/0"), p("/4/0/1"), p("/4/0/2")];
    let mut out = [0u8; 128];
    let n =
        m2m_lwm2m::composite::encode_paths(ContentFormat::SENML_JSON, &paths, &mut out).unwrap();
    assert_eq!(
        std::str::from_utf8(&out[..n]).unwrap(),
        r#"[{"bn":"/4/0/","n":"0"},{"n":"1"},{"n":"2"}]"#
    );
    for body in [
        r#"[{"n":"/4/0/0"},{"n":"/4/0/1"},{"n":"/4/0/2"}]"#,
        r#"[{"bn":"/4/0/", "n":"0"},{"n":"1"},{"n":"2"}]"#,
    ] {
        let got: Vec<Path<'_>> =
            m2m_lwm2m::composite::decode_paths(ContentFormat::SENML_JSON, body.as_bytes())
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
        assert_eq!(got, paths, "{body}");
    }
    // `senml_cbor_encode_opaque_resource` / `senml_cbor_decode_opaque_resource`:
    // [{-2: "/0/0/3", 8: h'ABCDEF'}] (the path as base name); we write it as name (label 0).
    let recs = [Record::new(
        p("/0/0/3"),
        Value::Opaque(Opaque::Raw(&[0xab, 0xcd, 0xef])),
    )];
    let leshan = hex("81a221662f302f302f330843abcdef");
    let got: Vec<Record<'_>> = senml_cbor::decode(&leshan)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, p("/0/0/3"));
    assert_eq!(opaque_bytes(got[0].value), [0xab, 0xcd, 0xef]);
    let mut out = vec![0u8; senml_cbor::encoded_len(&recs).unwrap()];
    let n = senml_cbor::encode(&recs, &mut out).unwrap();
    assert_eq!(
        m2m_core::hex::encode(&out[..n]),
        "81a200662f302f302f330843abcdef"
    );
    // `LwM2mNodeDecoderTest.senml_json_empty_multi_resource`: `[]` on /3/0/6 is the resource
    // without instances (OMA LwM2M for Developers issue 494). Leshan also takes an empty body;
    // an empty body is no SenML JSON pack (RFC 8428 §5: an array), refused here.
    assert_eq!(senml_json_all("[]"), Ok(vec![]));
    assert!(senml_json_all("").is_err());
}

/// Wakaama `tests/data_senml_json_tests.c`: what each body reads as (Wakaama's expected
/// re-encodings choose other base names; what matters is the records). `test_9`/`test_15` a
/// base name without its `/` before a name with one, `test_10` `bn` and `bt` after the first
/// name, `test_14` a name one level under a resource, `test_16` an empty name, `test_18` a
/// `bver` of 10, `test_20` an unknown field skipped, `test_22` a base value added to the
/// value, `test_23` base64 `vd`, `test_24` every JSON escape, `test_26` an empty string and an
/// empty opaque: all agree. `test_19` (`bver` 11) and `test_21` (a field ending in `_`, RFC
/// 8428 §4.4) are refused, as Wakaama refuses them. `test_17` resets the base name with
/// `"bn":""` (agrees) and then names `/67/0/00`, which Wakaama reads as `/67/0/0`; our paths
/// take no leading zero (`Path::parse`, `path::parse_id`), so that body is refused: a
/// deliberate strictness, noted.
#[test]
fn wakaama_data_senml_json_tests() {
    fn read(b: &str) -> Result<Vec<Record<'_>>, Error> {
        senml_json::decode(b.as_bytes()).collect()
    }
    let one = |b: &'static str, path: &'static str, v: Value<'static>| {
        assert_eq!(read(b).unwrap(), [Record::new(p(path), v)], "{b}");
    };
    one(
        r#"[{"bn" : "/2/3", "n":"/0","v":1234}]"#,
        "/2/3/0",
        Value::Int(1234),
    );
    one(
        r#"[{"bn":"/5/0", "n":"/1","vs":"http"}]"#,
        "/5/0/1",
        Value::Str(Text::Plain("http")),
    );
    one(
        r#"[{"bn":"/5/0/1", "n":"/1","vs":"http"}]"#,
        "/5/0/1/1",
        Value::Str(Text::Plain("http")),
    );
    one(
        r#"[{"bn":"/5/0/1", "n":"","vs":"http"}]"#,
        "/5/0/1",
        Value::Str(Text::Plain("http")),
    );
    one(
        r#"[{"bver":10,"n":"/34/0/2","v":1}]"#,
        "/34/0/2",
        Value::Int(1),
    );
    one(
        r#"[{"test":"good","n":"/34/0/2","v":1}]"#,
        "/34/0/2",
        Value::Int(1),
    );
    one(
        r#"[{ "bv":1,"n":"/34/0/2","v":1}]"#,
        "/34/0/2",
        Value::Int(2),
    );
    one(
        r#"[{"bn":"/34/0/2","vd":"AQIDBAU="}]"#,
        "/34/0/2",
        Value::Opaque(Opaque::Raw(&[1, 2, 3, 4, 5])),
    );
    one(
        r#"[{"bn":"/34/0/2","vd":"MA=="}]"#,
        "/34/0/2",
        Value::Opaque(Opaque::Raw(b"0")),
    );
    one(
        r#"[{"bn":"/34/0/2","vs":""}]"#,
        "/34/0/2",
        Value::Str(Text::Plain("")),
    );
    one(
        r#"[{"bn":"/34/0/2","vd":""}]"#,
        "/34/0/2",
        Value::Opaque(Opaque::Raw(b"")),
    );
    let recs = read(
        r#"[{"n":"1","v":1234,"bn" : "/12/0/","bt" : 1234567}, {"n":"3","v":56.789},
            {"n":"2/0","v":0.23}, {"n":"2/1","v":-52.0006}]"#,
    )
    .unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/12/0/1"), Value::Int(1234)).at(1_234_567.0),
            Record::new(p("/12/0/3"), Value::Float(56.789)).at(1_234_567.0),
            Record::new(p("/12/0/2/0"), Value::Float(0.23)).at(1_234_567.0),
            Record::new(p("/12/0/2/1"), Value::Float(-52.0006)).at(1_234_567.0),
        ]
    );
    // test_24: every escape of JSON, control characters as \u00XX.
    let recs = read(
        r#"[{"bn":"/34/0/2","vs":"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u0020\"\\\/\b\f\n\r\t"}]"#,
    )
    .unwrap();
    let mut want: String = (0u8..=0x20).map(char::from).collect();
    want.push_str("\"\\/\u{8}\u{c}\n\r\t");
    let Some(Value::Str(text)) = &recs[0].value else {
        panic!("{recs:?}");
    };
    assert_eq!(text.chars().collect::<String>(), want);
    for b in [
        r#"[{"bver":11,"n":"/34/0/2","v":1}]"#,
        r#"[{ "bn":"/","test_":"fail","n":"34/0/2","v":1}]"#,
    ] {
        assert!(read(b).is_err(), "{b}");
    }
    // test_17's base name reset, then its `/67/0/00`.
    let recs =
        read(r#"[{"bn":"/65/0/","n":"1","vs":"y"},{"bn":"","n":"/67/0/0","vs":"x"}]"#).unwrap();
    assert_eq!(recs[1].path, p("/67/0/0"));
    assert_eq!(
        read(r#"[{"bn":"","n":"/67/0/00","vs":"85.76.76.84"}]"#).map_err(|e| e.reason),
        Err(Reason::BadPath)
    );
}

/// Anjay `tests/core/io/cbor_in.c` `get_path_for_resource_instance_path` and
/// `composite_read_mode_additional_payload`: a Read-Composite body (SenML CBOR) naming
/// `/3/0/0/1` reads as that path; the same record with a value (`2: "foo"`) is refused as a
/// FETCH record (RFC 8790 §3.1 has no value in one), as Anjay refuses it in composite-read
/// mode. Agree.
#[test]
fn anjay_cbor_in_composite_read() {
    let recs: Vec<Record<'_>> = senml_cbor::decode_fetch(bytes("81 A1 00 68 2F332F302F302F31"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].path, p("/3/0/0/1"));
    assert_eq!(recs[0].value, None);
    let with_value = hex("81 A2 00 68 2F332F302F302F31 02 63 666F6F");
    let got: Result<Vec<Record<'_>>, _> = senml_cbor::decode_fetch(&with_value).collect();
    assert!(got.is_err(), "{got:?}");
}

/// Anjay `tests/core/io/cbor_in.c` with gateway prefixes (SenML CBOR): names
/// `/prefix1/13/26/1/4` and `/prefix2/13/26/1/5`, with the value before or after the name
/// (`multiple_instance_with_different_prefixes`, and its permuted form), and a name without a
/// prefix beside one with (`with_single_instance_and_some_resources_with_and_without_prefix`)
/// read as those prefixed paths. Agree. (Its `0aapud0` prefix starts with a digit, refused
/// here, already noted in `vectors_spec`.)
#[test]
fn anjay_cbor_in_gateway_prefixes() {
    let read = |h: &'static str| -> Vec<(String, Value<'static>)> {
        senml_cbor::decode(bytes(h))
            .map(|r| {
                let r = r.unwrap();
                (r.path.to_string(), r.value.unwrap())
            })
            .collect()
    };
    let want = vec![
        ("/prefix1/13/26/1/4".to_owned(), Value::Int(42)),
        ("/prefix2/13/26/1/5".to_owned(), Value::Int(43)),
    ];
    assert_eq!(
        read(
            "82 A2 00 722f707265666978312f31332f32362f312f34 02 182A A2 00 722f707265666978322f31332f32362f312f35 02 182B"
        ),
        want
    );
    assert_eq!(
        read(
            "82 A2 02 182A 00 722f707265666978312f31332f32362f312f34 A2 02 182B 00 722f707265666978322f31332f32362f312f35"
        ),
        want
    );
    assert_eq!(
        read("82 A2 00 682f31332f32362f31 02 182A A2 00 6f2f7072656669782f31332f32362f32 02 182B"),
        vec![
            ("/13/26/1".to_owned(), Value::Int(42)),
            ("/prefix/13/26/2".to_owned(), Value::Int(43)),
        ]
    );
}
