//! Runs the `m2m` binary: argument handling, hex input, stdin, exit statuses.

use std::io::Write;
use std::process::{Command, Stdio};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn m2m(args: &[&str], stdin: Option<&str>) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_m2m"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn m2m");
    {
        let mut sin = child.stdin.take().expect("stdin");
        if let Some(s) = stdin {
            sin.write_all(s.as_bytes()).expect("write stdin");
        }
    }
    let out = child.wait_with_output().expect("wait m2m");
    Out {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

const ALL_FORMATS: [&str; 16] = [
    "modbus-tcp-req",
    "modbus-tcp-rsp",
    "modbus-rtu-req",
    "modbus-rtu-rsp",
    "modbus-ascii-req",
    "modbus-ascii-rsp",
    "coap",
    "coap-tcp",
    "coap-ws",
    "lwm2m-tlv",
    "lwm2m-senml-json",
    "lwm2m-senml-cbor",
    "lwm2m-cbor",
    "lwm2m-link",
    "sparkplug-payload",
    "sparkplug-topic",
];

#[test]
fn bad_hex_exits_1_with_the_offset() {
    let out = m2m(&["decode", "coap", "00 0x"], None);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("offset 4"), "{}", out.stderr);
    let out = m2m(&["decode", "coap", "000"], None);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("odd number"), "{}", out.stderr);
}

#[test]
fn stdin_is_read_when_the_argument_is_absent() {
    // Good hex with whitespace and newlines reaches the format (a payload with timestamp 1 and
    // seq 2) ...
    let out = m2m(&["decode", "sparkplug-payload"], Some("08 01\n 18 02\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), r#"{"timestamp":1,"metrics":[],"seq":2}"#);
    // ... and bad hex on stdin is caught like bad hex in the argument.
    let out = m2m(&["decode", "sparkplug-payload"], Some("08 zz\n"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("offset 3"), "{}", out.stderr);
}

#[test]
fn bad_json_exits_1() {
    let out = m2m(&["encode", "coap", "{not json"], None);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let out = m2m(&["encode", "coap"], Some("[1,"));
    assert_eq!(out.code, 1);
}

#[test]
fn modbus_tcp_response_prints_the_registers() {
    let out = m2m(
        &["decode", "modbus-tcp-rsp", "000100000009010306022b00000064"],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(v["pdu"]["registers"], serde_json::json!([555, 0, 100]));
    assert_eq!(v["transaction_id"], 1);
    assert_eq!(v["unit_id"], 1);
    assert_eq!(out.stdout.lines().count(), 1);
}

#[test]
fn modbus_bad_and_incomplete_input() {
    // Two bytes short.
    let out = m2m(
        &["decode", "modbus-tcp-rsp", "000100000009010306022b0000"],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("2 more bytes needed"), "{}", out.stderr);
    // CRC off by one bit.
    let out = m2m(&["decode", "modbus-rtu-req", "1103006b00037686"], None);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("CRC"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1);
    // A layout framed by its CRC (unknown function 0x41 to a server) whose CRC is wrong: a CRC
    // error, not "incomplete", since the whole frame is given.
    let out = m2m(&["decode", "modbus-rtu-req", "0141001051"], None);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("CRC"), "{}", out.stderr);
    // Such a layout whose CRC ends in 0x00 (Diagnostics 0x0000 with data 001b, CRC a000): the
    // whole input, its data whole, though a stream's CRC hunt would end it a byte early.
    for format in ["modbus-rtu-req", "modbus-rtu-rsp"] {
        let out = m2m(&["decode", format, "01080000001ba000"], None);
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
        assert!(out.stdout.contains("001b"), "{format}: {}", out.stdout);
    }
    // Not for a layout of known length: a zero after it is a trailing byte (which --lenient
    // leaves out, saying so, as its help promises).
    let out = m2m(&["decode", "modbus-rtu-req", "010300000001840a00"], None);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("trailing"), "{}", out.stderr);
    let args = [
        "decode",
        "--lenient",
        "modbus-rtu-req",
        "010300000001840a00",
    ];
    let out = m2m(&args, None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("1 trailing bytes"), "{}", out.stderr);
    assert!(out.stdout.contains(r#""quantity":1"#), "{}", out.stdout);
    // FC05 with an illegal value: named, with its byte offset.
    let out = m2m(
        &["decode", "modbus-tcp-req", "0001 0000 0006 01 05 0001 1234"],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("byte 10"), "{}", out.stderr);
    // Trailing bytes after a whole frame.
    let out = m2m(
        &["decode", "modbus-tcp-req", "000100000006110300 6b0003 ff"],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("trailing"), "{}", out.stderr);
    // Limits on encode.
    let out = m2m(
        &[
            "encode",
            "modbus-tcp-req",
            r#"{"transaction_id":1,"unit_id":1,"pdu":{"function":"read_holding_registers","address":0,"quantity":126}}"#,
        ],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("quantity 126"), "{}", out.stderr);
}

/// A Modbus ASCII frame can be given as its text, as it is read off a serial line, with or without
/// its line end (CR LF is put after the text); it decodes as the hex of its characters, line end
/// included, does. The frame is FC03's request of the
/// Application Protocol (§6.3) to address 0x11, LRC 0x7E: the two's complement of
/// 0x11 + 0x03 + 0x00 + 0x6B + 0x00 + 0x03 = 0x82 (Serial Line §2.5.2.2).
#[test]
fn modbus_ascii_frames_are_read_as_text() {
    let hex: String = ":1103006B00037E\r\n"
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    let want = m2m(&["decode", "modbus-ascii-req", &hex], None);
    assert_eq!(want.code, 0, "{}", want.stderr);
    let v: serde_json::Value = serde_json::from_str(want.stdout.trim()).unwrap();
    assert_eq!(v["address"], 17);
    assert_eq!(v["pdu"]["address"], 107);
    assert_eq!(v["pdu"]["quantity"], 3);
    for (args, stdin) in [
        (&["decode", "modbus-ascii-req", ":1103006B00037E"][..], None),
        (
            &["decode", "modbus-ascii-req", "  :1103006B00037E\r\n"][..],
            None,
        ),
        (
            &["decode", "modbus-ascii-req", "--text", ":1103006B00037E"][..],
            None,
        ),
        (
            &["decode", "modbus-ascii-req"][..],
            Some(":1103006B00037E\n"),
        ),
    ] {
        let out = m2m(args, stdin);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, want.stdout, "{args:?}");
    }
    // One LRC off: refused, as from hex.
    let out = m2m(&["decode", "modbus-ascii-req", ":1103006B00037F"], None);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("LRC"), "{}", out.stderr);
}

#[test]
fn modbus_user_defined_functions_round_trip_raw() {
    // RTU response of user-defined function 0x41 with 3 data bytes, and its exception.
    for (hex, function) in [("0141aabbcc", "raw"), ("01c101", "exception")] {
        let body = m2m_core::hex::decode(hex).unwrap();
        let mut frame = body.clone();
        frame.extend_from_slice(&m2m_modbus::rtu::crc16(&body).to_le_bytes());
        let hex = m2m_core::hex::encode(&frame);
        let out = m2m(&["decode", "modbus-rtu-rsp", &hex], None);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
        assert_eq!(v["pdu"]["function"], function);
        let back = m2m(&["encode", "modbus-rtu-rsp"], Some(&out.stdout));
        assert_eq!(back.stdout.trim(), hex);
    }
}

#[test]
fn modbus_coils_print_exactly_the_quantity() {
    let out = m2m(
        &[
            "decode",
            "modbus-tcp-rsp",
            "0001 0000 0006 01 01 03 cd 6b 05",
            "--quantity",
            "19",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(v["pdu"]["coils"].as_array().unwrap().len(), 19);
    // A quantity that does not fit the byte count is an error.
    let out = m2m(
        &[
            "decode",
            "modbus-tcp-rsp",
            "0001 0000 0006 01 01 03 cd 6b 05",
            "--quantity",
            "25",
        ],
        None,
    );
    assert_eq!(out.code, 1);
}

/// encode(decode(x)) == x through the binary, for every framed vector of m2m-modbus.
#[test]
fn modbus_vectors_round_trip_through_the_cli() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../m2m-modbus");
    let mut checked = 0;
    for v in m2m_testkit::vectors::crate_vectors(dir) {
        let (req_fmt, rsp_fmt) = match v.framing.as_deref() {
            Some("tcp") => ("modbus-tcp-req", "modbus-tcp-rsp"),
            Some("rtu") => ("modbus-rtu-req", "modbus-rtu-rsp"),
            Some("ascii") => ("modbus-ascii-req", "modbus-ascii-rsp"),
            _ => continue,
        };
        let quantity = v.expect["request"]["pdu"]["quantity"]
            .as_u64()
            .map(|q| q.to_string());
        for (fmt, bytes) in [(req_fmt, v.request()), (rsp_fmt, v.response())] {
            let Some(bytes) = bytes else { continue };
            let hex = m2m_core::hex::encode(&bytes);
            let mut args = vec!["decode", fmt, hex.as_str()];
            let coils = fmt.ends_with("rsp")
                && matches!(
                    v.expect["response"]["pdu"]["function"].as_str(),
                    Some("read_coils" | "read_discrete_inputs")
                );
            if coils {
                args.extend(["--quantity", quantity.as_deref().unwrap()]);
            }
            let out = m2m(&args, None);
            assert_eq!(out.code, 0, "{}: {}", v.label(), out.stderr);
            let back = m2m(&["encode", fmt], Some(&out.stdout));
            assert_eq!(back.code, 0, "{}: {}", v.label(), back.stderr);
            assert_eq!(back.stdout.trim(), hex, "{}", v.label());
            checked += 1;
        }
    }
    assert!(checked >= 90, "only {checked} frames");
}

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

#[test]
fn every_format_is_implemented() {
    // Each format answers both ways: a result (0) or an error about the input (1), never a
    // usage error (2) nor a crash.
    for f in ALL_FORMATS {
        for (verb, input) in [("decode", "00"), ("encode", "{}")] {
            let out = m2m(&[verb, f, input], None);
            assert!(
                out.code == 0 || out.code == 1,
                "{verb} {f}: exit {}: {}",
                out.code,
                out.stderr
            );
            assert!(
                !out.stderr.contains("unsupported format"),
                "{verb} {f}: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn text_on_stdin_loses_its_line_end() {
    // `echo` gives a line end, which is no part of a topic or a link.
    for stdin in ["spBv1.0/G/NDATA/E\n", "spBv1.0/G/NDATA/E\r\n"] {
        let out = m2m(&["decode", "sparkplug-topic", "--text"], Some(stdin));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.contains(r#""edge_node":"E""#), "{}", out.stdout);
    }
    let out = m2m(&["decode", "lwm2m-link", "--text"], Some("</3/0>,</4/0>\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("/4/0"), "{}", out.stdout);
}

#[test]
fn lenient_leaves_trailing_bytes_out_and_says_so() {
    // The Serial Line guide's RTU request (CRC 76 87) with a padding byte after it.
    for (format, frame) in [
        ("modbus-rtu-req", "1103006b0003768700"),
        ("modbus-tcp-req", "0001000000061103006B000300"),
    ] {
        let strict = m2m(&["decode", format, frame], None);
        assert_eq!(strict.code, 1, "{format}");
        assert!(
            strict.stderr.contains("1 trailing bytes"),
            "{}",
            strict.stderr
        );
        let lenient = m2m(&["decode", format, "--lenient", frame], None);
        assert_eq!(lenient.code, 0, "{format}: {}", lenient.stderr);
        assert!(
            lenient.stdout.contains(r#""quantity":3"#),
            "{}",
            lenient.stdout
        );
        assert!(lenient.stderr.contains("left out"), "{}", lenient.stderr);
    }
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
fn an_mbap_length_out_of_range_is_told_as_such() {
    let out = m2m(
        &["decode", "modbus-tcp-req", "0001000000ff1103006B0003"],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("MBAP length 255 outside 2..=254")
            && out.stderr.contains("6 bytes follow"),
        "{}",
        out.stderr
    );
}

#[test]
fn time_options_out_of_range_are_usage_errors_not_panics() {
    for args in [
        &["coap", "get", "coap://127.0.0.1:1/x", "--timeout", "1e20"][..],
        &["coap", "get", "coap://127.0.0.1:1/x", "--timeout", "NaN"],
        &["demo", "--duration", "1e30"],
        &["demo", "--duration", "inf"],
        &["lwm2m", "server", "--port", "0", "--duration", "inf"],
        &["lwm2m", "server", "--port", "0", "--duration", "NaN"],
        &["lwm2m", "server", "--port", "0", "--duration", "1e30"],
        &[
            "sparkplug",
            "listen",
            "mqtt://127.0.0.1:1",
            "--duration",
            "1e30",
        ],
        &["sparkplug", "listen", "mqtt://127.0.0.1:1", "--duration=-1"],
    ] {
        let out = m2m(args, None);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("seconds"), "{args:?}: {}", out.stderr);
    }
    // The listener's argument errors name what is wrong.
    let out = m2m(&["sparkplug", "listen", "tcp://127.0.0.1:1"], None);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("the broker URL") && !out.stderr.contains("--broker"),
        "{}",
        out.stderr
    );
    for group in ["#", "STATE"] {
        let out = m2m(
            &[
                "sparkplug",
                "listen",
                "mqtt://127.0.0.1:1",
                "--group",
                group,
            ],
            None,
        );
        assert_eq!(out.code, 2, "{group}");
        assert!(out.stderr.contains("--group"), "{}", out.stderr);
    }
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

/// Output that cannot be written (a full disk) is an error, exit 1; a reader that stopped
/// reading (a broken pipe) is not.
#[test]
fn a_failed_write_of_the_output_is_an_error() {
    let Ok(full) = std::fs::File::create("/dev/full") else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_m2m"))
        .args(["decode", "coap", "40010001"])
        .stdout(full)
        .output()
        .expect("m2m runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("m2m: cannot write the output: "),
        "{stderr}"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_m2m"))
        .args(["decode", "coap", "40010001"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn m2m");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait m2m");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
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

/// Text given without --text to a format that takes text: the hex error says to use --text.
#[test]
fn text_without_text_is_told_to_use_text() {
    for (format, input) in [
        ("sparkplug-topic", "spBv1.0/G/NDATA/E"),
        ("lwm2m-link", "</3/0>"),
        ("lwm2m-senml-json", r#"[{"n":"x"}]"#),
    ] {
        let out = m2m(&["decode", format, input], None);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("m2m: bad hex input: "),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains(&format!("({format} takes text with --text)")),
            "{}",
            out.stderr
        );
    }
    // Formats that take no text get no such hint.
    let out = m2m(&["decode", "coap", "zz"], None);
    assert_eq!(out.code, 1);
    assert!(!out.stderr.contains("--text"), "{}", out.stderr);
}

/// Empty input is told as such, not as a frame that ends too early (exit 1, as bad input);
/// a format whose empty input is a valid frame (a Sparkplug payload without fields) still
/// decodes it.
#[test]
fn empty_input_is_no_input() {
    for (args, stdin) in [
        (&["decode", "coap"][..], Some("")),
        (&["decode", "modbus-tcp-req", ""], None),
        (&["decode", "coap", " \n"], None),
        (&["decode", "sparkplug-topic", "--text"], Some("\n")),
        (&["encode", "coap"], Some("")),
    ] {
        let out = m2m(args, stdin);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("m2m: no input: give "),
            "{args:?}: {}",
            out.stderr
        );
    }
    let out = m2m(&["decode", "sparkplug-payload", ""], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), r#"{"metrics":[]}"#);
}

/// `m2m coap --block` takes the SZX of RFC 7959 §2.2, 0 to 6: another is a usage error, not
/// a block size of 1024 in its place; a scheme the client does not speak is a usage error
/// that names the scheme as written.
#[test]
fn coap_block_size_and_scheme_are_checked() {
    for szx in ["7", "9", "255"] {
        let out = m2m(
            &[
                "coap",
                "put",
                "coap://127.0.0.1:1/x",
                "--payload",
                "a",
                "--block",
                szx,
            ],
            None,
        );
        assert_eq!(out.code, 2, "--block {szx}: {}", out.stderr);
        assert!(out.stderr.contains("--block"), "{}", out.stderr);
    }
    for (uri, scheme) in [
        ("coap+ws://127.0.0.1:1/x", "coap+ws"),
        ("coaps://127.0.0.1:1/x", "coaps"),
        ("coaps+tcp://127.0.0.1:1/x", "coaps+tcp"),
    ] {
        let out = m2m(&["coap", "get", uri], None);
        assert_eq!(out.code, 2, "{uri}: {}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("scheme {scheme} is not supported here")),
            "{}",
            out.stderr
        );
    }
}

/// `m2m lwm2m server` checks its arguments before it listens: a bad one is a usage error with
/// nothing on stdout, not a "listening" line first.
#[test]
fn lwm2m_server_checks_its_arguments_before_listening() {
    for duration in ["--duration=-5", "--duration=nan"] {
        let out = m2m(
            &[
                "lwm2m",
                "server",
                "--port",
                "0",
                "--bind",
                "127.0.0.1",
                duration,
            ],
            None,
        );
        assert_eq!(out.code, 2, "{duration}: {}", out.stderr);
        assert!(out.stderr.starts_with("m2m: --duration "), "{}", out.stderr);
        assert_eq!(out.stdout, "", "{duration}");
    }
}

/// A tool's streamed output that cannot be written (a full disk) is an error, exit 1, as the
/// result of `decode` is: the lines left in stdout's buffer fail again at the last flush.
#[test]
fn a_tools_streamed_output_that_cannot_be_written_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_m2m"))
        .args([
            "lwm2m",
            "server",
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "--duration",
            "0.2",
        ])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write the output"), "{stderr}");
}
