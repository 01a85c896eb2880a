//! The JSON content formats against worked examples: SenML JSON (OMA-TS-LightweightM2M_Core
//! 1.1 §7.4.4, RFC 8428 §5), SenML-ETCH JSON (RFC 8790 §5, §6), legacy LwM2M JSON
//! (OMA-TS-LightweightM2M 1.0 §6.4.4); and broken inputs with their reason and byte offset.
//!
//! The bodies are written after the examples of those sections (the Device object /3/0 and its
//! values, the multiple resource /3/0/7, a composite read, object links, a time series); each
//! is decoded and checked field by field, then encoded and decoded again.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use m2m_lwm2m::{
    Config, DataType, Error, ObjLink, Opaque, Path, Reason, Record, Text, Value, lwm2m_json,
    senml_etch_json, senml_json,
};

fn senml(body: &str) -> Vec<Record<'_>> {
    senml_json::decode(body.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e} in {body}"))
}

fn senml_text(records: &[Record<'_>]) -> String {
    let n = senml_json::encoded_len(records).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(senml_json::encode(records, &mut out).unwrap(), n);
    String::from_utf8(out).unwrap()
}

fn legacy(body: &str) -> Vec<Record<'_>> {
    lwm2m_json::decode(body.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e} in {body}"))
}

fn legacy_text(records: &[Record<'_>]) -> String {
    let n = lwm2m_json::encoded_len(records).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(lwm2m_json::encode(records, &mut out).unwrap(), n);
    String::from_utf8(out).unwrap()
}

/// Encodes, decodes, and checks the records came back (types read back through `typed`, as a
/// JSON number does not say Time from Integer).
fn round_trip(records: &[Record<'_>]) {
    let text = senml_text(records);
    let back = senml(&text);
    assert_eq!(back.len(), records.len(), "{text}");
    for (b, r) in back.iter().zip(records) {
        assert_eq!(b.path, r.path, "{text}");
        assert_eq!(b.time, r.time, "{text}");
        let want = r.value;
        let got = b.value.map(|v| {
            v.typed(want.unwrap().data_type().unwrap(), &Config::STRICT)
                .unwrap()
        });
        assert_eq!(got, want, "{text}");
    }
}

fn str_(s: &str) -> Option<Value<'_>> {
    Some(Value::Str(Text::Plain(s)))
}

/// §7.4.4: Read /3/0, the Device object instance, in SenML JSON.
const DEVICE_3_0: &str = r#"[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"1","vs":"Lightweight M2M Client"},{"n":"2","vs":"345000123"},{"n":"3","vs":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","vs":"+02:00"},{"n":"16","vs":"U"}]"#;

#[test]
fn device_object_instance() {
    let recs = senml(DEVICE_3_0);
    let expect: &[(&[u16], Option<Value<'_>>)] = &[
        (&[3, 0, 0], str_("Open Mobile Alliance")),
        (&[3, 0, 1], str_("Lightweight M2M Client")),
        (&[3, 0, 2], str_("345000123")),
        (&[3, 0, 3], str_("1.0")),
        (&[3, 0, 6, 0], Some(Value::Int(1))),
        (&[3, 0, 6, 1], Some(Value::Int(5))),
        (&[3, 0, 7, 0], Some(Value::Int(3800))),
        (&[3, 0, 7, 1], Some(Value::Int(5000))),
        (&[3, 0, 8, 0], Some(Value::Int(125))),
        (&[3, 0, 8, 1], Some(Value::Int(900))),
        (&[3, 0, 9], Some(Value::Int(100))),
        (&[3, 0, 10], Some(Value::Int(15))),
        (&[3, 0, 11, 0], Some(Value::Int(0))),
        (&[3, 0, 13], Some(Value::Int(1_367_491_215))),
        (&[3, 0, 14], str_("+02:00")),
        (&[3, 0, 16], str_("U")),
    ];
    assert_eq!(recs.len(), expect.len());
    for (r, (levels, value)) in recs.iter().zip(expect) {
        assert_eq!(r.path.levels(), *levels);
        assert_eq!(r.value, *value, "{}", r.path);
        assert_eq!(r.time, None);
    }
    // Current Time is a Time resource: the number reads as one.
    assert_eq!(
        recs[13]
            .value
            .unwrap()
            .typed(DataType::Time, &Config::STRICT),
        Ok(Value::Time(1_367_491_215))
    );
    // Our encoder writes the same bytes: `bn` of the instance, names relative to it.
    assert_eq!(senml_text(&recs), DEVICE_3_0);
}

/// SenML has one numeric type: an integer sent for a Float resource reads as the nearest
/// double, past 2^53 too (Leshan and Wakaama convert the same way), as a number written with
/// more digits than 64 bits hold already does.
#[test]
fn an_integer_for_a_float_resource_reads_as_the_nearest_double() {
    for (body, want) in [
        (r#"[{"n":"/3303/0/5700","v":21}]"#, 21.0),
        (
            r#"[{"n":"/3303/0/5700","v":123456789012345678}]"#,
            123_456_789_012_345_678_f64,
        ),
        (
            r#"[{"n":"/3303/0/5700","v":-9223372036854775807}]"#,
            -9_223_372_036_854_775_807_f64,
        ),
        (
            r#"[{"n":"/3303/0/5700","v":18446744073709551615}]"#,
            18_446_744_073_709_551_615_f64,
        ),
        (
            r#"[{"n":"/3303/0/5700","v":12345678901234567890123}]"#,
            1.234_567_890_123_456_8e22,
        ),
    ] {
        let recs = senml(body);
        let got = recs[0]
            .value
            .unwrap()
            .typed(DataType::Float, &Config::STRICT);
        assert_eq!(got, Ok(Value::Float(want)), "{body}");
    }
}

#[test]
fn single_and_multiple_resources() {
    // §7.4.4: Read /3/0/0, and Read /3/0/7 (a multiple resource, two instances).
    let one = senml(r#"[{"bn":"/3/0/0","vs":"Open Mobile Alliance"}]"#);
    assert_eq!(
        one,
        [Record::new(
            Path::resource(3, 0, 0),
            Value::Str(Text::Plain("Open Mobile Alliance"))
        )]
    );
    assert_eq!(
        senml_text(&one),
        r#"[{"n":"/3/0/0","vs":"Open Mobile Alliance"}]"#
    );
    let multi = senml(r#"[{"bn":"/3/0/7/","n":"0","v":3800},{"n":"1","v":5000}]"#);
    assert_eq!(
        multi,
        [
            Record::new(Path::resource_instance(3, 0, 7, 0), Value::Int(3800)),
            Record::new(Path::resource_instance(3, 0, 7, 1), Value::Int(5000)),
        ]
    );
    // Two records: the base name would cost one byte more than it saves.
    assert_eq!(
        senml_text(&multi),
        r#"[{"n":"/3/0/7/0","v":3800},{"n":"/3/0/7/1","v":5000}]"#
    );
}

#[test]
fn composite_read() {
    // §6.3.7 / §7.4.4: Read-Composite names the paths (FETCH, SenML JSON or SenML-ETCH JSON),
    // the answer switches base names between objects.
    let request = r#"[{"n":"/3/0/0"},{"n":"/3/0/9"},{"n":"/1/0/1"}]"#;
    let paths = [
        Path::resource(3, 0, 0),
        Path::resource(3, 0, 9),
        Path::resource(1, 0, 1),
    ];
    for recs in [
        senml(request),
        senml_etch_json::decode_fetch(request.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap(),
    ] {
        assert_eq!(recs.iter().map(|r| r.path).collect::<Vec<_>>(), paths);
        assert!(recs.iter().all(|r| r.value.is_none() && r.time.is_none()));
        assert_eq!(senml_text(&recs), request);
    }
    let response = senml(
        r#"[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"9","v":95},{"bn":"/1/0/","n":"1","v":86400}]"#,
    );
    assert_eq!(response[1].path, Path::resource(3, 0, 9));
    assert_eq!(response[2].path, Path::resource(1, 0, 1));
    assert_eq!(response[2].value, Some(Value::Int(86400)));
    round_trip(&response);
}

#[test]
fn object_links() {
    // §7.4.4 `vlo`: a link to an object instance, and the null link 65535:65535 (§C).
    let recs = senml(
        r#"[{"bn":"/66/0/","n":"0","vs":"myService 1"},{"n":"1","vlo":"67:0"},{"n":"2","vlo":"65535:65535"}]"#,
    );
    assert_eq!(
        recs[1].value,
        Some(Value::ObjLink(ObjLink {
            object: 67,
            instance: 0
        }))
    );
    assert_eq!(recs[2].value, Some(Value::ObjLink(ObjLink::NULL)));
    assert_eq!(
        senml_text(&recs),
        r#"[{"bn":"/66/0/","n":"0","vs":"myService 1"},{"n":"1","vlo":"67:0"},{"n":"2","vlo":"65535:65535"}]"#
    );
}

#[test]
fn rfc8428_time_series() {
    // RFC 8428 §5.1.3 (multiple measurements: `bt` with an exponent, `bu`, `bver`, relative
    // `t`), with LwM2M paths for names (IPSO Voltage 3316 and Current 3317).
    let body = r#"[
        {"bn":"/","bt":1.276020076001e+09,"bu":"A","bver":5,"n":"3316/0/5700","u":"V","v":120.1},
        {"n":"3317/0/5700","t":-5,"v":1.2},
        {"n":"3317/0/5700","t":-4,"v":1.3},
        {"n":"3317/0/5700","t":-3,"v":1.4},
        {"n":"3317/0/5700","t":-2,"v":1.5},
        {"n":"3317/0/5700","t":-1,"v":1.6},
        {"n":"3317/0/5700","v":1.7}
    ]"#;
    let recs = senml(body);
    assert_eq!(recs.len(), 7);
    assert_eq!(recs[0].path, Path::resource(3316, 0, 5700));
    assert_eq!(recs[0].value, Some(Value::Float(120.1)));
    assert_eq!(recs[0].time, Some(1_276_020_076.001));
    assert_eq!(recs[1].time, Some(1_276_020_076.001 - 5.0));
    assert_eq!(recs[6].time, Some(1_276_020_076.001));
    assert_eq!(recs[6].value, Some(Value::Float(1.7)));
    round_trip(&recs);
    // The RFC's own names are URNs, not LwM2M paths: refused, at the record.
    let urn = r#"[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]"#;
    assert_eq!(
        senml_json::decode(urn.as_bytes()).next(),
        Some(Err(Error::new(1, Reason::BadPath)))
    );
}

#[test]
fn strings_opaque_and_gateway_prefix() {
    let recs = senml(
        r#"[{"bn":"/dev1/3303/0/","n":"5701","vs":"\u00b0C \ud83c\udf21 \"in\" \/ out\n"},
            {"n":"5750","vd":"AAECAwQF_-8"},{"n":"5603","v":-40.0},{"n":"5604","vb":false}]"#,
    );
    assert_eq!(recs[0].path.prefix(), Some("dev1"));
    assert_eq!(recs[0].path.levels(), &[3303, 0, 5701]);
    assert_eq!(recs[0].value, str_("°C 🌡 \"in\" / out\n"));
    assert_eq!(
        recs[1].value,
        Some(Value::Opaque(Opaque::Raw(&[0, 1, 2, 3, 4, 5, 0xff, 0xef])))
    );
    assert_eq!(recs[2].value, Some(Value::Float(-40.0)));
    let text = senml_text(&recs);
    assert_eq!(
        text,
        r#"[{"bn":"/dev1/3303/0/","n":"5701","vs":"°C 🌡 \"in\" / out\n"},{"n":"5750","vd":"AAECAwQF_-8"},{"n":"5603","v":-40.0},{"n":"5604","vb":false}]"#
    );
    assert_eq!(senml(&text), recs);
}

#[test]
fn etch_ipatch() {
    // RFC 8790 §6: change a value, remove a record (its value null).
    let body =
        r#"[{"bn":"/3311/0/","n":"5850","vb":false},{"n":"5851","v":20},{"n":"5750","vs":null}]"#;
    let recs: Vec<_> = senml_etch_json::decode_ipatch(body.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs[0].value, Some(Value::Bool(false)));
    assert_eq!(recs[1].value, Some(Value::Int(20)));
    assert_eq!(
        recs[2],
        Record::new(Path::resource(3311, 0, 5750), Value::Null)
    );
    let n = senml_etch_json::encoded_len_ipatch(&recs).unwrap();
    let mut out = vec![0u8; n];
    senml_etch_json::encode_ipatch(&recs, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"[{"bn":"/3311/0/","n":"5850","vb":false},{"n":"5851","v":20},{"n":"5750","v":null}]"#
    );
    // A plain SenML pack has no null.
    assert_eq!(
        senml_json::decode(body.as_bytes()).nth(2),
        Some(Err(Error::new(78, Reason::BadField)))
    );
}

/// Broken SenML JSON: the reason and the byte offset of each.
#[test]
fn broken_senml_json() {
    let cases: &[(&str, usize, Reason)] = &[
        // RFC 8259 grammar.
        ("", 0, Reason::Truncated),
        (" ", 1, Reason::Truncated),
        ("{\"n\":\"/1/0/1\"}", 0, Reason::BadJson),
        ("[{\"n\":\"/1/0/1\",\"v\":1},]", 22, Reason::BadJson),
        ("[{\"n\":\"/1/0/1\",\"v\":1,}]", 21, Reason::BadJson),
        ("[{\"n\":\"/1/0/1\",\"v\":+1}]", 19, Reason::BadField),
        ("[{\"n\":\"/1/0/1\",\"v\":-01}]", 21, Reason::BadJson),
        ("[{\"n\":\"/1/0/1\",\"v\":1.}]", 21, Reason::BadJson),
        ("[{\"n\":\"/1/0/1\",\"v\":1e999}]", 19, Reason::BadFloat),
        ("[{\"n\":\"/1/0/1\",\"v\":NaN}]", 19, Reason::BadField),
        ("[{\"n\":\"/1/0/1\",\"vb\":True}]", 20, Reason::BadField),
        ("[{'n':\"/1/0/1\"}]", 2, Reason::BadJson),
        ("[{\"n\":\"/1/0/1\"\u{a0}}]", 14, Reason::BadJson),
        ("[{\"n\":\"/1/0/1\",\"vs\":\"a\\qb\"}]", 22, Reason::BadJson),
        (
            "[{\"n\":\"/1/0/1\",\"vs\":\"\\udc00\"}]",
            21,
            Reason::BadJson,
        ),
        (
            "[{\"n\":\"/1/0/1\",\"vs\":\"\\ud800x\"}]",
            21,
            Reason::BadJson,
        ),
        (
            "[{\"n\":\"/1/0/1\",\"vs\":\"tab\there\"}]",
            24,
            Reason::BadJson,
        ),
        ("[{\"n\":\"/1/0/1\",\"vs\":\"open}]", 27, Reason::Truncated),
        ("[{\"n\":\"/1/0/1\"}] []", 17, Reason::TrailingBytes),
        ("[{\"n\":\"/1/0/1\"}", 15, Reason::Truncated),
        // SenML (RFC 8428 §4).
        (
            "[{\"n\":\"/1/0/1\",\"n\":\"/1/0/2\"}]",
            15,
            Reason::BadField,
        ),
        (
            "[{\"n\":\"/1/0/1\",\"v\":1,\"vb\":true}]",
            21,
            Reason::BadValue,
        ),
        (
            "[{\"n\":\"/1/0/1\",\"v\":1,\"foo_\":1}]",
            21,
            Reason::BadField,
        ),
        ("[{\"n\":\"/1/0/1\",\"bver\":1.5}]", 22, Reason::BadField),
        ("[{\"n\":\"/1/0/1\",\"bver\":11}]", 1, Reason::Unsupported),
        ("[{\"n\":\"/1/0/1\",\"vd\":\"AQ=\"}]", 21, Reason::BadBase64),
        // Escapes are resolved first: `\u0041` alone is one base64 character, no byte.
        (
            "[{\"n\":\"/1/0/1\",\"vd\":\"\\u0041\"}]",
            21,
            Reason::BadBase64,
        ),
        // LwM2M (§7.4.4): names are paths, links are `object:instance`.
        ("[{\"v\":1}]", 1, Reason::MissingName),
        // A path error is at the record plus its place in the name.
        ("[{\"n\":\"/1/0/1/2/3\",\"v\":1}]", 10, Reason::BadPath),
        ("[{\"n\":\"/1/65535\",\"v\":1}]", 4, Reason::BadPath),
        (
            "[{\"bn\":\"/1/0/\",\"n\":\"/1\",\"v\":1}]",
            1,
            Reason::BadPath,
        ),
        (
            "[{\"n\":\"/1/0/1\",\"vlo\":\"1:65536\"}]",
            1,
            Reason::BadObjLink,
        ),
        ("[{\"n\":\"/1/0/1\",\"vlo\":3}]", 21, Reason::BadField),
    ];
    let mut wrong = Vec::new();
    for &(body, offset, reason) in cases {
        let got = senml_json::decode(body.as_bytes()).find_map(Result::err);
        if got != Some(Error::new(offset, reason)) {
            wrong.push((body, got, offset, reason));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // Not UTF-8.
    assert_eq!(
        senml_json::decode(b"[{\"n\":\"/1/0/1\",\"vs\":\"\xc3\x28\"}]").next(),
        Some(Err(Error::new(21, Reason::BadUtf8)))
    );
    // Deep nesting in an ignored field.
    let deep = format!("[{{\"x\":{}1{}}}]", "[".repeat(100), "]".repeat(100));
    assert_eq!(
        senml_json::decode(deep.as_bytes()).next(),
        Some(Err(Error::new(38, Reason::TooDeep)))
    );
}

/// 1.0 §6.4.4: Read /3/0 in the legacy LwM2M JSON format.
const LEGACY_DEVICE: &str = r#"{"bn":"/3/0/","e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"1","sv":"Lightweight M2M Client"},{"n":"2","sv":"345000123"},{"n":"3","sv":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","sv":"+02:00"},{"n":"16","sv":"U"}]}"#;

#[test]
fn legacy_device_object() {
    let recs = legacy(LEGACY_DEVICE);
    // The same records as the SenML JSON form.
    assert_eq!(recs, senml(DEVICE_3_0));
    assert_eq!(legacy_text(&recs), LEGACY_DEVICE);
}

#[test]
fn legacy_links_times_and_root_base() {
    // 1.0 §6.4.4: object links across instances (`ov`), names below the root base name.
    let body = r#"{"bn":"/","e":[{"n":"66/0/0","sv":"myService 1"},{"n":"66/0/1","sv":"Internet.15.234"},{"n":"66/0/2","ov":"67:0"},{"n":"66/1/0","sv":"myService 2"},{"n":"66/1/1","sv":"Internet.15.235"},{"n":"66/1/2","ov":"65535:65535"},{"n":"67/0/0","sv":"85.76.76.84"},{"n":"67/0/1","v":8080}]}"#;
    let recs = legacy(body);
    assert_eq!(recs.len(), 8);
    assert_eq!(recs[2].path, Path::resource(66, 0, 2));
    assert_eq!(
        recs[2].value,
        Some(Value::ObjLink(ObjLink {
            object: 67,
            instance: 0
        }))
    );
    assert_eq!(recs[5].value, Some(Value::ObjLink(ObjLink::NULL)));
    assert_eq!(recs[7].value, Some(Value::Int(8080)));
    // No common prefix beyond the root: full names, no `bn`.
    let text = legacy_text(&recs);
    assert!(
        text.starts_with(r#"{"e":[{"n":"/66/0/0","sv":"myService 1"}"#),
        "{text}"
    );
    assert_eq!(legacy(&text), recs);
    // A time series: base time and relative times (1.0 §6.4.4 "t").
    let series = legacy(
        r#"{"bn":"/3303/0/5700","bt":1500000000,"e":[{"v":21.5,"t":-60},{"v":22.0,"t":-30},{"v":22.5}]}"#,
    );
    assert_eq!(series[0].path, Path::resource(3303, 0, 5700));
    assert_eq!(series[0].time, Some(1_499_999_940.0));
    assert_eq!(series[1].value, Some(Value::Float(22.0)));
    assert_eq!(series[2].time, Some(1_500_000_000.0));
    // The base name stands above the records, so each has a name: `"bn":"/3303/0/5700/"` with
    // no `n` would name `/3303/0/5700/`, no path.
    let text = legacy_text(&series);
    assert_eq!(
        text,
        r#"{"bn":"/3303/0/","e":[{"n":"5700","v":21.5,"t":1499999940},{"n":"5700","v":22.0,"t":1499999970},{"n":"5700","v":22.5,"t":1500000000}]}"#
    );
    assert_eq!(legacy(&text), series);
}

#[test]
fn legacy_opaque_as_standard_base64() {
    let recs = [Record::new(
        Path::resource(5, 0, 0),
        Value::Opaque(Opaque::Raw(&[0xfb, 0xff, 0x00])),
    )];
    let text = legacy_text(&recs);
    // The base name always (names without one are relative to the request path to Wakaama).
    assert_eq!(text, r#"{"bn":"/5/0/","e":[{"n":"0","sv":"+/8A"}]}"#);
    let back = legacy(&text);
    let Some(Value::Str(t)) = back[0].value else {
        panic!("{back:?}")
    };
    let mut bytes = [0u8; 3];
    assert_eq!(
        m2m_lwm2m::base64::decode_into(t.raw().unwrap(), &mut bytes),
        Ok(3)
    );
    assert_eq!(bytes, [0xfb, 0xff, 0x00]);
}

#[test]
fn broken_legacy_json() {
    let cases: &[(&str, usize, Reason)] = &[
        ("[]", 0, Reason::BadJson),
        ("{\"bn\":\"/3/0/\"}", 0, Reason::BadJson),
        ("{\"e\":[{\"n\":\"0\",\"v\":1}]", 22, Reason::Truncated),
        (
            "{\"bn\":\"/3/0/\",\"bn\":\"/3/0/\",\"e\":[]}",
            14,
            Reason::BadField,
        ),
        ("{\"bn\":3,\"e\":[]}", 6, Reason::BadField),
        (
            "{\"e\":[{\"n\":\"/3/0/1\",\"sv\":\"a\",\"v\":1}]}",
            29,
            Reason::BadValue,
        ),
        (
            "{\"e\":[{\"n\":\"/3/0/1\",\"ov\":\"3:\"}]}",
            6,
            Reason::BadObjLink,
        ),
        ("{\"e\":[{\"n\":\"/3/0/1\",\"v\":01}]}", 25, Reason::BadJson),
        ("{\"e\":[]}x", 8, Reason::TrailingBytes),
    ];
    for &(body, offset, reason) in cases {
        assert_eq!(
            lwm2m_json::decode(body.as_bytes()).find_map(Result::err),
            Some(Error::new(offset, reason)),
            "{body}"
        );
    }
}
