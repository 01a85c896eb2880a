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
        m2m_lwm2m::ContentFormat::SENML_ETCH_CBOR,
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
