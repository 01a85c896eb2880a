//! The `m2m` binary on Sparkplug B payloads and topics.

use super::*;

/// encode(decode(x)) == x through the binary for every m2m-sparkplug vector (made by
/// `protoc --encode`), in its canonical form.
#[test]
fn sparkplug_vectors_round_trip_through_the_cli() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../m2m-sparkplug");
    let mut checked = 0;
    for v in m2m_testkit::vectors::crate_vectors(dir) {
        let hex = match v.expect.get("canonical_hex") {
            Some(h) => h.as_str().unwrap().to_owned(),
            None => m2m_core::hex::encode(&v.bytes().unwrap()),
        };
        let out = m2m(&["decode", "sparkplug-payload", &hex], None);
        assert_eq!(out.code, 0, "{}: {}", v.label(), out.stderr);
        let back = m2m(&["encode", "sparkplug-payload"], Some(&out.stdout));
        assert_eq!(back.code, 0, "{}: {}", v.label(), back.stderr);
        assert_eq!(back.stdout.trim(), hex, "{}", v.label());
        checked += 1;
    }
    assert!(checked >= 46, "only {checked} payloads");
}

/// A nested message that is not its datatype's (a DataSet metric carrying a template, a
/// Template one a dataset, an Int32 property a property set list, a PropertySet property a
/// list) prints in its own form, and that form encodes back (in field order) to a payload
/// that decodes to the same JSON.
#[test]
fn sparkplug_messages_of_another_datatype_round_trip_through_the_cli() {
    for hex in [
        "120b0a016e20109201030a0176",
        "120a0a016e20138a01020802",
        "12120a016e20034a090a016b1204080352005001",
        "121d0a016e20034a140a016b120f0814520b0a090a01611204080318015001",
        // An Int32Array property holding a set list.
        "121d0a016e20034a140a016b120f0818520b0a090a01611204080318015001",
    ] {
        let out = m2m(&["decode", "sparkplug-payload", hex], None);
        assert_eq!(out.code, 0, "{hex}: {}", out.stderr);
        let back = m2m(&["encode", "sparkplug-payload"], Some(&out.stdout));
        assert_eq!(back.code, 0, "{hex}: {}", back.stderr);
        assert_eq!(back.stdout.trim(), hex);
    }
}

/// An NBIRTH made by `protoc --encode` (tests/vectors/messages.json of m2m-sparkplug) lists every
/// metric with its value.
#[test]
fn sparkplug_nbirth_lists_every_metric() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../m2m-sparkplug");
    let v = m2m_testkit::vectors::crate_vectors(dir)
        .into_iter()
        .find(|v| v.description.starts_with("NBIRTH"))
        .unwrap();
    let hex = m2m_core::hex::encode(&v.bytes().unwrap());
    let out = m2m(&["decode", "sparkplug-payload", &hex], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let names: Vec<_> = json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["value"].clone()))
        .collect();
    assert_eq!(
        names,
        [
            ("bdSeq", serde_json::json!(0)),
            ("Node Control/Rebirth", serde_json::json!(false)),
            ("Supply Voltage", serde_json::json!(12.5)),
            ("Temperature", serde_json::json!(-5)),
        ]
    );
    assert_eq!(json["seq"], 0);
}

/// NaN and the infinities print as "NaN", "Infinity" and "-Infinity" (they printed `null`) and
/// encode back to the same bytes; a NaN other than the quiet one comes back as the quiet one.
#[test]
fn sparkplug_non_finite_floats_round_trip() {
    let cases = [
        // Float "a" NaN.
        ("120a0a01612009650000c07f", r#""value":"NaN""#),
        // Double "a" -infinity (it encoded back as a metric without a value).
        ("120e0a0161200a69000000000000f0ff", r#""value":"-Infinity""#),
        // FloatArray "a" [NaN, NaN].
        (
            "12100a0161201e8201080000c07f0000c07f",
            r#""value":["NaN","NaN"]"#,
        ),
    ];
    for (hex, shown) in cases {
        let out = m2m(&["decode", "sparkplug-payload", hex], None);
        assert_eq!(out.code, 0, "{hex}: {}", out.stderr);
        assert!(out.stdout.contains(shown), "{hex}: {}", out.stdout);
        let back = m2m(&["encode", "sparkplug-payload"], Some(&out.stdout));
        assert_eq!(back.code, 0, "{hex}: {}", back.stderr);
        assert_eq!(back.stdout.trim(), hex);
    }
    // A negative NaN with a payload (Float 7FC00001 | sign) becomes the quiet NaN.
    let out = m2m(
        &["decode", "sparkplug-payload", "120a0a01612009650100c0ff"],
        None,
    );
    assert!(out.stdout.contains(r#""value":"NaN""#), "{}", out.stdout);
    let back = m2m(&["encode", "sparkplug-payload"], Some(&out.stdout));
    assert_eq!(back.stdout.trim(), "120a0a01612009650000c07f");
    // Only the three names are numbers.
    let out = m2m(
        &["encode", "sparkplug-payload"],
        Some(r#"{"metrics":[{"name":"a","datatype":"Double","value":"nan"}]}"#),
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("payload.metrics[0].value"),
        "{}",
        out.stderr
    );
}

#[test]
fn sparkplug_topics_and_errors() {
    let out = m2m(
        &[
            "decode",
            "sparkplug-topic",
            "--text",
            "spBv1.0/G1/DDATA/E1/D1",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.trim(),
        r#"{"kind":"message","group":"G1","message_type":"DDATA","edge_node":"E1","device":"D1"}"#
    );
    let back = m2m(&["encode", "sparkplug-topic"], Some(&out.stdout));
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert_eq!(
        back.stdout.trim(),
        m2m_core::hex::encode(b"spBv1.0/G1/DDATA/E1/D1")
    );
    // The same topic as hex of its text.
    let hexed = m2m_core::hex::encode(b"spBv1.0/STATE/scada");
    let out = m2m(&["decode", "sparkplug-topic", &hexed], None);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains(r#""kind":"state""#), "{}", out.stdout);
    let out = m2m(
        &["decode", "sparkplug-topic", "--text", "spBv1.0/G+/NDATA/E"],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("reserved character '+' at byte 9"),
        "{}",
        out.stderr
    );
    // A metric whose length runs past the payload.
    let out = m2m(&["decode", "sparkplug-payload", "1205"], None);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("truncated at byte 2"), "{}", out.stderr);
}

#[test]
fn a_decoded_double_encodes_back_to_the_same_bits() {
    // 933.1286246343909 parsed without float_roundtrip comes back one ULP off.
    let hex = "120e0a0178200a695a315a6c07298d40";
    let out = m2m(&["decode", "sparkplug-payload", hex], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let back = m2m(&["encode", "sparkplug-payload", out.stdout.trim()], None);
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert_eq!(back.stdout.trim(), hex);
}

#[test]
fn sparkplug_values_without_or_against_their_datatype_encode_back_as_they_came() {
    // An aliased template instance without a datatype (as DDATA carries it), and a DataSet
    // metric carrying an int_value: decoded, then encoded to the same bytes.
    for hex in [
        "0801122010071801920119120e0a0372706d69000000000000f83f22054d6f746f7228001801",
        "12070a017420105003",
    ] {
        let out = m2m(&["decode", "sparkplug-payload", hex], None);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let back = m2m(&["encode", "sparkplug-payload", out.stdout.trim()], None);
        assert_eq!(back.code, 0, "{hex}: {}", back.stderr);
        assert_eq!(back.stdout.trim(), hex);
    }
    // A member no message of the datatype has is an error, not an empty message.
    let json = r#"{"metrics":[{"name":"t","datatype":"DataSet","value":{"bogus":3}}]}"#;
    let out = m2m(&["encode", "sparkplug-payload", json], None);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("bogus"), "{}", out.stderr);
}
