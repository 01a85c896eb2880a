//! The `m2m` binary on CoAP messages over UDP, TCP and WebSocket.

use super::*;

#[test]
fn coap_get_of_the_issue() {
    // RFC 7252: CON GET, message id 0x5d1f, token 00003974, Uri-Host "localhost", Uri-Path "tv1".
    let hex = "44015d1f00003974396c6f63616c686f737483747631";
    let out = m2m(&["decode", "coap", hex], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(v["message_id"], 23839);
    assert_eq!(v["type"], "CON");
    assert_eq!(v["code"], "0.01");
    assert_eq!(v["token"], "00003974");
    assert_eq!(v["options"][0]["name"], "Uri-Host");
    assert_eq!(v["options"][0]["value"], "localhost");
    assert_eq!(v["options"][1]["name"], "Uri-Path");
    assert_eq!(v["options"][1]["value"], "tv1");
    // And back.
    let back = m2m(&["encode", "coap"], Some(&out.stdout));
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert_eq!(back.stdout.trim(), hex);
}

#[test]
fn coap_formats_round_trip_and_fail_cleanly() {
    // TCP: Len 5, TKL 1, GET, token 7a, Uri-Path "ab", payload "x"; the same over WebSocket.
    for (format, hex) in [
        ("coap-tcp", "51017ab26162ff78"),
        ("coap-ws", "01017ab26162ff78"),
    ] {
        let out = m2m(&["decode", format, hex], None);
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
        assert!(v["type"].is_null() && v["message_id"].is_null(), "{format}");
        assert_eq!(v["payload"], "78");
        let back = m2m(&["encode", format], Some(&out.stdout));
        assert_eq!(back.stdout.trim(), hex, "{format}: {}", back.stderr);
    }
    // A uint option prints as a number, an opaque one as hex.
    let out = m2m(&["decode", "coap", "6445000101020304410a8132"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(v["options"][0]["name"], "ETag");
    assert_eq!(v["options"][0]["value"], "0a");
    assert_eq!(v["options"][1]["name"], "Content-Format");
    assert_eq!(v["options"][1]["value"], 50);
    // A string option that is not UTF-8 prints as hex under `value_hex`, apart from the
    // text of hex digits; encoding it is refused (the builder writes only valid string
    // options), not turned into that text.
    for (hex, key, value) in [
        ("40010001b3be6f6f", "value_hex", "be6f6f"),
        ("40010001b6626536663666", "value", "be6f6f"),
    ] {
        let out = m2m(&["decode", "coap", hex], None);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
        let opt = &v["options"][0];
        assert_eq!(opt["name"], "Uri-Path");
        assert_eq!(opt[key], value, "{hex}");
        let other = if key == "value" { "value_hex" } else { "value" };
        assert!(opt[other].is_null(), "{hex}: {opt}");
        let back = m2m(&["encode", "coap"], Some(&out.stdout));
        if key == "value" {
            assert_eq!(back.stdout.trim(), hex, "{}", back.stderr);
        } else {
            assert_eq!(back.code, 1);
            assert!(back.stderr.contains("not UTF-8"), "{}", back.stderr);
        }
    }
    // Options by name, in any order, on encode.
    let json = r#"{"type":"CON","code":"GET","message_id":1,"options":[
        {"name":"Uri-Path","value":"b"},{"name":"Uri-Host","value":"h"},{"number":11,"value":"c"}]}"#;
    let out = m2m(&["encode", "coap", json], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "40010001316881620163");
    // Broken and incomplete input: exit 1, one line naming the error and its offset.
    let out = m2m(&["decode", "coap", "40010000ff"], None);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("payload marker") && out.stderr.contains("byte 4"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1);
    let out = m2m(&["decode", "coap-tcp", "51017ab261"], None);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("3 more bytes"), "{}", out.stderr);
    let out = m2m(&["decode", "coap", "400100", "--lenient"], None);
    assert_eq!(out.code, 1, "{}", out.stderr);
}
