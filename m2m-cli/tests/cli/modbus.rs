//! The `m2m` binary on Modbus frames: TCP, RTU and ASCII, requests and responses.

use super::*;

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
            // A response vector without its request prints every bit of its bytes.
            if let (true, Some(q)) = (coils, quantity.as_deref()) {
                args.extend(["--quantity", q]);
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
