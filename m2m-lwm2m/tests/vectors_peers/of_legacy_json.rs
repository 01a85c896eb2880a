//! Peers' vectors: The legacy LwM2M JSON format (11543).

use super::*;

#[test]
fn legacy_json_leshan_and_wakaama() {
    // Leshan `LwM2mNodeDecoderTest.json_timestamped_instances`: `bt` after `e`, relative times.
    let recs: Vec<Record<'_>> = lwm2m_json::decode(
        br#"{"bn":"/1024/0/","e":[{"n":"1","v":22.9,"t":-30},{"n":"1","v":22.4,"t":-5},
            {"n":"0","sv":"a string","t":-5},{"n":"1","v":24.1,"t":-50}],"bt":25462634}"#,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/1024/0/1"), Value::Float(22.9)).at(25_462_604.0),
            Record::new(p("/1024/0/1"), Value::Float(22.4)).at(25_462_629.0),
            Record::new(p("/1024/0/0"), Value::Str(Text::Plain("a string"))).at(25_462_629.0),
            Record::new(p("/1024/0/1"), Value::Float(24.1)).at(25_462_584.0),
        ]
    );
    // `json_encode_timestamped_Object`'s text: `23.0` is a float.
    let recs: Vec<Record<'_>> = lwm2m_json::decode(
        br#"{"bn":"/1024/","e":[{"n":"0/1","v":22.9,"t":210},{"n":"0/0","sv":"a string","t":220},
            {"n":"0/1","v":22.4,"t":220},{"n":"1/1","v":23.0,"t":220},{"n":"0/1","v":24.1,"t":230}]}"#,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(
        recs[3],
        Record::new(p("/1024/1/1"), Value::Float(23.0)).at(220.0)
    );
    // `json_empty_instance` / `json_empty_multi_resource`: `{"e":[]}` has no records, with a
    // base name or without; `{}` lacks `e` (1.0 §6.4.4).
    for body in [
        r#"{"e":[]}"#,
        r#"{"bn":"/2/0", "e":[]}"#,
        r#"{"bn":"/3/0/6", "e":[]}"#,
    ] {
        assert_eq!(lwm2m_json::decode(body.as_bytes()).count(), 0, "{body}");
    }
    assert!(lwm2m_json::decode(b"{}").next().unwrap().is_err());
    // `json_device_object_instance0_without_basename`: full names, no `bn`.
    let recs: Vec<Record<'_>> = lwm2m_json::decode(
        br#"{"e":[{"n":"/3/0/0","sv":"Open Mobile Alliance"},{"n":"/3/0/6/1","v":5},
            {"n":"/3/0/13","v":1367491215}]}"#,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(recs[1], Record::new(p("/3/0/6/1"), Value::Int(5)));
    assert_eq!(
        recs[2],
        Record::new(p("/3/0/13"), Value::Int(1_367_491_215))
    );
    // Wakaama `data_tlv_json_lwm2m_data_test.c` `test_5`: spaces around `:`, fields in any
    // order; `test_6`: a name with its own `/` after a base name without one; `test_7`: `bn`
    // and `bt` after `e`.
    let recs: Vec<Record<'_>> = lwm2m_json::decode(
        br#"{"bn" : "/65/543/", "e":[ {    "n" :   "0", "sv":"LWM2M"}, {"v":2015, "n":"1"},
            {"n":"2/0",    "bv":true}, {"bv": false, "n":"2/1"}] }"#,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/65/543/0"), Value::Str(Text::Plain("LWM2M"))),
            Record::new(p("/65/543/1"), Value::Int(2015)),
            Record::new(p("/65/543/2/0"), Value::Bool(true)),
            Record::new(p("/65/543/2/1"), Value::Bool(false)),
        ]
    );
    let recs: Vec<Record<'_>> =
        lwm2m_json::decode(br#"{"bn" : "/2/3", "e":[ {"n":"/0","v":1234}] }"#)
            .collect::<Result<_, _>>()
            .unwrap();
    assert_eq!(recs, [Record::new(p("/2/3/0"), Value::Int(1234))]);
    let recs: Vec<Record<'_>> = lwm2m_json::decode(
        br#"{"e":[ {"n":"1","v":1234}, {"n":"3","v":56.789}, {"n":"2/0","v":0.23},
            {"n":"2/1","v":-52.0006}], "bn" : "/12/0/", "bt" : 1234567 }"#,
    )
    .collect::<Result<_, _>>()
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
}

#[test]
fn legacy_json_leshan_encoder_and_refusals() {
    // Leshan `LwM2mNodeEncoderTest.json_encode_timestamped_instances`: /1024/0 at 110, 120 and
    // 130. Our encoder writes Leshan's text byte for byte, and reads it back.
    let text = r#"{"bn":"/1024/0/","e":[{"n":"1","v":22.9,"t":110},{"n":"0","sv":"a string","t":120},{"n":"1","v":22.4,"t":120},{"n":"1","v":24.1,"t":130}]}"#;
    let recs = [
        Record::new(p("/1024/0/1"), Value::Float(22.9)).at(110.0),
        Record::new(p("/1024/0/0"), Value::Str(Text::Plain("a string"))).at(120.0),
        Record::new(p("/1024/0/1"), Value::Float(22.4)).at(120.0),
        Record::new(p("/1024/0/1"), Value::Float(24.1)).at(130.0),
    ];
    let mut out = vec![0u8; lwm2m_json::encoded_len(&recs).unwrap()];
    let n = lwm2m_json::encode(&recs, &mut out).unwrap();
    assert_eq!(std::str::from_utf8(&out[..n]).unwrap(), text);
    let back: Vec<Record<'_>> = lwm2m_json::decode(text.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(back, recs);
    // `LwM2mNodeDecoderTest.json_missing_value_for_resource`: an entry with a name and no value
    // is refused (1.0 §6.4.4), in both configurations.
    for config in [Config::STRICT, Config::LENIENT] {
        for body in [
            r#"{"bn":"2/0/","e":[{"n":"0"}]}"#,
            r#"{"bn":"/2/0/","e":[{"n":"0"}]}"#,
        ] {
            let got: Result<Vec<_>, _> =
                lwm2m_json::decode_with(body.as_bytes(), &config).collect();
            assert!(got.is_err(), "{body}");
        }
    }
    // `json_empty_single_resource`: `{"bn":"2/0/0", "e":[]}` on /2/0/0. Leshan refuses it knowing
    // from its model that resource 0 is single; the format alone cannot tell a single resource
    // from an empty multiple one, and reads no records.
    assert_eq!(lwm2m_json::decode(br#"{"bn":"2/0/0", "e":[]}"#).count(), 0);
    // `json_invalid_instance_2_resources_with_the_same_id` and
    // `json_invalid_multi_resource_2_instances_with_the_same_id`: the same name twice, without
    // times. Leshan refuses them building its node tree; our decoder is a stream of records (a
    // time series repeats a name, see above) and hands on both, leaving the duplicate to the
    // layer that writes them (1.0 §6.4.4 says nothing of repeated names).
    let twice: Vec<Record<'_>> = lwm2m_json::decode(
        br#"{"bn":"/3/0/","e":[{"n":"1","sv":"client1"},{"n":"1","sv":"client2"}]}"#,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(twice.len(), 2);
    assert!(twice.iter().all(|r| r.path == p("/3/0/1")));
}

#[test]
fn legacy_json_wakaama_test_8() {
    // Wakaama `data_tlv_json_lwm2m_data_test.c` `test_8`: base name `/`, names of three
    // objects' resources, read on the root.
    let body = br#"{ "bn":"/", "e":[ {"n":"34/0/1","sv":"8613800755500"}, {"n":"34/0/2","v":1},
        {"n":"66/0/0","sv":"myService1"}, {"n":"66/0/1","sv":"Internet.15.234"},
        {"n":"66/1/0","sv":"myService2"}, {"n":"66/1/1","sv":"Internet.15.235"},
        {"n":"31/0/0","sv":"85.76.76.84"}, {"n":"31/0/1","sv":"85.76.255.255"}] }"#;
    let recs: Vec<Record<'_>> = lwm2m_json::decode(body).collect::<Result<_, _>>().unwrap();
    let paths: Vec<String> = recs.iter().map(|r| r.path.to_string()).collect();
    assert_eq!(
        paths,
        [
            "/34/0/1", "/34/0/2", "/66/0/0", "/66/0/1", "/66/1/0", "/66/1/1", "/31/0/0", "/31/0/1"
        ]
    );
    assert_eq!(recs[1].value, Some(Value::Int(1)));
    assert_eq!(
        recs[7].value,
        Some(Value::Str(Text::Plain("85.76.255.255")))
    );
}

#[test]
fn legacy_json_leshan_json_deserializer() {
    // Leshan `core/json/JsonDeserializerTest` round-trips these bodies through its JSON model,
    // which resolves no paths. `deserialize_device_object` and `deserialize_temperature_resource`
    // carry no `bn` and relative names (`"0"`, `"6/0"`, `"1/2"`): names relative to the
    // request's path, as Leshan's decoder and Wakaama read them. Without that path
    // (`decode_with`) they name nothing, refused at the first name (BadPath) in both
    // configurations; with it (`decode_at`, and `body::decode`), or under a `bn` (`/3/0/` for
    // the device, `/3303/0/` chosen here for the temperature), they read as Leshan's entries:
    // times relative to `bt`, `6/0` a resource instance.
    let dev = r#"{"e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"1","sv":"Lightweight M2M Client"},{"n":"2","sv":"345000123"},{"n":"3","sv":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","sv":"+02:00"},{"n":"15","sv":"U"}]}"#;
    let temp = r#"{"e":[{"n":"1/2","v":22.4,"t":-5},{"n":"1/2","v":22.9,"t":-30},{"n":"1/2","v":24.1,"t":-50}],"bt":25462634}"#;
    for body in [dev, temp] {
        for config in [Config::STRICT, Config::LENIENT] {
            let got: Result<Vec<_>, _> =
                lwm2m_json::decode_with(body.as_bytes(), &config).collect();
            assert_eq!(got.map_err(|e| e.reason), Err(Reason::BadPath), "{body}");
        }
    }
    let relative: Vec<Record<'_>> = body::decode(
        ContentFormat::LWM2M_JSON,
        Path::instance(3, 0),
        dev.as_bytes(),
        Config::STRICT,
    )
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap();
    let rel_temp: Vec<Record<'_>> =
        lwm2m_json::decode_at(temp.as_bytes(), Path::instance(3303, 0), &Config::STRICT)
            .collect::<Result<_, _>>()
            .unwrap();
    let dev = dev.replacen('{', r#"{"bn":"/3/0/","#, 1);
    let recs: Vec<Record<'_>> = lwm2m_json::decode(dev.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs.len(), 16);
    assert_eq!(
        recs[0],
        Record::new(p("/3/0/0"), Value::Str(Text::Plain("Open Mobile Alliance")))
    );
    assert_eq!(recs[5], Record::new(p("/3/0/6/1"), Value::Int(5)));
    assert_eq!(
        recs[13],
        Record::new(p("/3/0/13"), Value::Int(1_367_491_215))
    );
    assert_eq!(
        recs[15],
        Record::new(p("/3/0/15"), Value::Str(Text::Plain("U")))
    );
    assert_eq!(relative, recs);
    let temp = temp.replacen('{', r#"{"bn":"/3303/0/","#, 1);
    let recs: Vec<Record<'_>> = lwm2m_json::decode(temp.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/3303/0/1/2"), Value::Float(22.4)).at(25_462_629.0),
            Record::new(p("/3303/0/1/2"), Value::Float(22.9)).at(25_462_604.0),
            Record::new(p("/3303/0/1/2"), Value::Float(24.1)).at(25_462_584.0),
        ]
    );
    assert_eq!(rel_temp, recs);
}
