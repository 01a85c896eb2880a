//! The `m2m` binary on the LwM2M content formats and link format.

use super::*;

/// Read /3/0 in TLV (OMA-TS-LightweightM2M_Core 1.0 §6.4.3.1).
const DEVICE_TLV: &str = "c800144f70656e204d6f62696c6520416c6c69616e6365c801164c69676874776569676874204d324d20436c69656e74\
c80209333435303030313233c303312e30860641000141010588070842000ed842011388870841007d42010384c10964c10a0f\
830b410000c40d5182428fc60e2b30323a3030c11055";

#[test]
fn lwm2m_tlv_with_and_without_the_path() {
    // Without --path: the ids relative to the body, and what the bytes could be.
    let out = m2m(&["decode", "lwm2m-tlv", DEVICE_TLV], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let records = v["records"].as_array().unwrap();
    assert_eq!(records.len(), 16);
    assert_eq!(records[0]["ids"], serde_json::json!([0]));
    assert_eq!(records[0]["value"]["string"], "Open Mobile Alliance");
    assert_eq!(records[6]["ids"], serde_json::json!([7, 0]));
    assert_eq!(records[6]["value"]["int"], 3800);
    // With --path: full paths, names and types from the registry.
    let out = m2m(&["decode", "lwm2m-tlv", "--path", "/3/0", DEVICE_TLV], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["records"][0]["name"], "Manufacturer");
    assert_eq!(v["records"][0]["value"], "Open Mobile Alliance");
    assert_eq!(v["records"][13]["path"], "/3/0/13");
    assert_eq!(v["records"][13]["value"], 1_367_491_215);
    // And back to the same bytes.
    let back = m2m(&["encode", "lwm2m-tlv", &out.stdout], None);
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert_eq!(back.stdout.trim(), DEVICE_TLV.replace('\\', ""));
    // A length past the end: exit 1 with the offset.
    let out = m2m(&["decode", "lwm2m-tlv", "c8 00 14 4f"], None);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("truncated"), "{}", out.stderr);
    assert!(out.stderr.contains("byte 4"), "{}", out.stderr);
    let out = m2m(&["decode", "lwm2m-tlv", "--path", "/3/x", "c100 01"], None);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn lwm2m_link_both_ways() {
    let text = r#"</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>;pmin=10,</3303>;ver=1.1"#;
    let out = m2m(&["decode", "lwm2m-link", "--text", text], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["links"][3]["version"], "1.1");
    assert_eq!(v["links"][2]["attributes"]["pmin"], 10);
    let back = m2m(&["encode", "lwm2m-link", &out.stdout], None);
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert_eq!(
        m2m_core::hex::decode(back.stdout.trim()).unwrap(),
        text.as_bytes()
    );
    let out = m2m(
        &["decode", "lwm2m-link", "--text", "</3>;ver=\"1.1\""],
        None,
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let out = m2m(
        &[
            "decode",
            "lwm2m-link",
            "--lenient",
            "--text",
            "</3>;ver=\"1.1\"",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// coap-node 0.2.5 answering Read /3/0 with Accept 11542 (captured on loopback): the instance
/// inside an Object Instance TLV, and the multiple resources 6 and 7 as single ones.
const COAP_NODE_3_0: &str = "080044c800086d326d2d74657374c8010f636f61702d6e6f64652d302e322e35c702534e2d30303031\
c303312e30c71167656e65726963c312312e30c313312e30c10600c10764";

#[test]
fn lwm2m_tlv_read_captured_from_coap_node() {
    let out = m2m(&["decode", "lwm2m-tlv", COAP_NODE_3_0], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["records"][0]["ids"], serde_json::json!([0, 0]));
    assert_eq!(v["records"][0]["value"]["string"], "m2m-test");
    assert_eq!(v["records"][7]["ids"], serde_json::json!([0, 6]));
    // Typed against the registry, once the deviations are allowed.
    let out = m2m(
        &["decode", "lwm2m-tlv", "--path", "/3/0", COAP_NODE_3_0],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("--lenient accepts it"),
        "{}",
        out.stderr
    );
    let out = m2m(
        &[
            "decode",
            "lwm2m-tlv",
            "--lenient",
            "--path",
            "/3/0",
            COAP_NODE_3_0,
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["records"][0]["name"], "Manufacturer");
    assert_eq!(v["records"][0]["value"], "m2m-test");
    assert_eq!(v["records"][7]["path"], "/3/0/6/0");
}

#[test]
fn lwm2m_record_formats_both_ways() {
    // The same two records in SenML JSON (as text), SenML CBOR and LwM2M CBOR, back and forth.
    // Canonical: two records write shorter without a base name.
    let text = r#"[{"n":"/3303/0/5700","v":21.5},{"n":"/3303/0/5701","vs":"Cel"}]"#;
    let out = m2m(&["decode", "lwm2m-senml-json", "--text", text], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["records"][0]["path"], "/3303/0/5700");
    assert_eq!(v["records"][0]["name"], "Sensor Value");
    assert_eq!(v["records"][0]["value"], 21.5);
    for format in ["lwm2m-senml-json", "lwm2m-senml-cbor", "lwm2m-cbor"] {
        let enc = m2m(&["encode", format, &out.stdout], None);
        assert_eq!(enc.code, 0, "{format}: {}", enc.stderr);
        let dec = m2m(&["decode", format, enc.stdout.trim()], None);
        assert_eq!(dec.code, 0, "{format}: {}", dec.stderr);
        assert_eq!(dec.stdout, out.stdout, "{format}");
    }
    let enc = m2m(&["encode", "lwm2m-senml-json", &out.stdout], None);
    assert_eq!(
        m2m_core::hex::decode(enc.stdout.trim()).unwrap(),
        text.as_bytes()
    );
    // Broken input: exit 1 with the offset.
    let out = m2m(
        &[
            "decode",
            "lwm2m-senml-json",
            "--text",
            r#"[{"n":"/3/0/0","v":1,}]"#,
        ],
        None,
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("byte"), "{}", out.stderr);
    let out = m2m(&["decode", "lwm2m-cbor", "a1"], None);
    assert_eq!(out.code, 1, "{}", out.stderr);
}

/// Legacy LwM2M JSON (11543), as coap-node and Wakaama answer a Read of /3/0: names without
/// `bn` are relative to `--path` (refused without it, with a hint); with `bn`, they are full.
#[test]
fn legacy_lwm2m_json_reads_names_under_the_path() {
    let relative = r#"{"e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"6/1","v":5}]}"#;
    let out = m2m(
        &["decode", "lwm2m-json", "--path", "/3/0", "--text", relative],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["records"][0]["path"], "/3/0/0");
    assert_eq!(v["records"][0]["name"], "Manufacturer");
    assert_eq!(v["records"][1]["path"], "/3/0/6/1");
    assert_eq!(v["records"][1]["value"], 5);
    let out = m2m(&["decode", "lwm2m-json", "--text", relative], None);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("--path"), "{}", out.stderr);
    // Encoded back, with a `bn`; decoded again without --path, the same records.
    let enc = m2m(&["encode", "lwm2m-json", &v.to_string()], None);
    assert_eq!(enc.code, 0, "{}", enc.stderr);
    let text = String::from_utf8(m2m_core::hex::decode(enc.stdout.trim()).unwrap()).unwrap();
    assert_eq!(
        text,
        r#"{"bn":"/3/0/","e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"6/1","v":5}]}"#
    );
    let dec = m2m(&["decode", "lwm2m-json", enc.stdout.trim()], None);
    assert_eq!(dec.code, 0, "{}", dec.stderr);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&dec.stdout).unwrap(),
        v
    );
}

#[test]
fn lwm2m_floats_json_has_no_number_for_round_trip() {
    // Latitude NaN and Longitude -Infinity (/6/0/0 and /6/0/1, Float) in TLV.
    let tlv = "c4007fc00000c401ff800000";
    let out = m2m(&["decode", "lwm2m-tlv", "--path", "/6/0", tlv], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(r#""value":"NaN""#), "{}", out.stdout);
    assert!(
        out.stdout.contains(r#""value":"-Infinity""#),
        "{}",
        out.stdout
    );
    let back = m2m(&["encode", "lwm2m-tlv", out.stdout.trim()], None);
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert_eq!(back.stdout.trim(), tlv);
}

#[test]
fn an_lwm2m_record_of_the_wrong_type_is_named_by_its_path() {
    let text = r#"[{"n":"/3/0/0","vs":"x"},{"n":"/3/0/9","vs":"y"}]"#;
    let out = m2m(&["decode", "lwm2m-senml-json", "--text", text], None);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("record /3/0/9: value does not match the resource type")
            && !out.stderr.contains("byte 0"),
        "{}",
        out.stderr
    );
    // A value on an object is no record of a resource.
    let out = m2m(
        &[
            "decode",
            "lwm2m-senml-json",
            "--text",
            r#"[{"n":"/3","v":1}]"#,
        ],
        None,
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
}

#[test]
fn an_opaque_lwm2m_value_must_be_hex() {
    let out = m2m(
        &[
            "encode",
            "lwm2m-senml-json",
            r#"{"records":[{"path":"/5/0/0","value":5}]}"#,
        ],
        None,
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("records[0].value"), "{}", out.stderr);
    let out = m2m(
        &[
            "encode",
            "lwm2m-senml-json",
            r#"{"records":[{"path":"/5/0/0","value":"00ff"}]}"#,
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// A `--path` that names no object (the root, a gateway prefix alone) is a usage error, as a
/// `--path` that does not parse is.
#[test]
fn an_lwm2m_tlv_path_without_an_object_is_a_usage_error() {
    for path in ["/foo", "/", "3/0"] {
        let out = m2m(&["decode", "lwm2m-tlv", "--path", path, "c10964"], None);
        assert_eq!(out.code, 2, "--path {path}: {}", out.stderr);
        assert!(
            out.stderr.starts_with(&format!("m2m: --path {path}: ")),
            "{}",
            out.stderr
        );
    }
    // A prefixed path names its object: accepted.
    let out = m2m(
        &["decode", "lwm2m-tlv", "--path", "/dev1/3/0", "c10964"],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(r#""path":"/dev1/3/0/9""#),
        "{}",
        out.stdout
    );
}
