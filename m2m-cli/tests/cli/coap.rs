//! The `m2m` binary on CoAP messages over UDP, TCP and WebSocket.

use std::net::UdpSocket;
use std::time::Duration;

use m2m_coap::option::value::Block;
use m2m_coap::{Builder, Code, Message, OptionNumber, Type};

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

/// What a scripted server answers: the code, the options (number and value bytes), the payload.
type Answer = (Code, Vec<(OptionNumber, Vec<u8>)>, Vec<u8>);

/// The value bytes of a uint option (RFC 7252 §3.2: no leading zeros).
fn uint(v: u32) -> Vec<u8> {
    let (b, len) = m2m_coap::option::value::encode_uint(v);
    b[4 - len..].to_vec()
}

/// A CoAP server on loopback UDP for `m2m coap`: answers each request it reads with what
/// `answer` says for it (piggybacked on the ACK), `requests` times. Its `coap://` URI for
/// `path`.
fn udp_server(
    path: &str,
    requests: usize,
    answer: impl Fn(&Message<'_>) -> Answer + Send + 'static,
) -> (String, std::thread::JoinHandle<()>) {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let uri = format!("coap://{}/{path}", s.local_addr().expect("address"));
    let task = std::thread::spawn(move || {
        for _ in 0..requests {
            let mut buf = [0u8; 1500];
            let (n, from) = s.recv_from(&mut buf).expect("a request");
            let req = Message::parse_udp(&buf[..n]).expect("a CoAP request");
            let (code, options, payload) = answer(&req);
            let mut b =
                Builder::<16>::udp(Type::Acknowledgement, code, req.message_id().expect("UDP"));
            b.token(req.token());
            for (number, value) in &options {
                b.opaque(*number, value).expect("an option");
            }
            b.payload(&payload);
            let mut out = [0u8; 1500];
            let n = b.encode(&mut out).expect("encode");
            s.send_to(&out[..n], from).expect("send");
        }
    });
    (uri, task)
}

/// `m2m coap` shows the response's options, not only its code and payload: after the code on
/// stderr, one line each as `decode coap` writes their values (a uint as a number, a string
/// as a string, an opaque value in hex); with `--json`, an `options` array in that same form.
/// The payload alone stays on stdout.
#[test]
fn coap_prints_the_options_of_the_response() {
    let answer = |_: &Message<'_>| {
        let options = vec![
            (OptionNumber::ETAG, vec![0x0a, 0x0b]),
            (OptionNumber::LOCATION_PATH, b"things".to_vec()),
            (OptionNumber::LOCATION_PATH, b"7".to_vec()),
            (OptionNumber::CONTENT_FORMAT, uint(0)),
            (OptionNumber::MAX_AGE, uint(60)),
        ];
        (Code::CREATED, options, b"made".to_vec())
    };
    let (uri, server) = udp_server("things", 2, answer);
    let out = m2m(&["coap", "post", &uri, "--payload", "x"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "made");
    assert_eq!(
        out.stderr,
        "2.01\n    ETag = \"0a0b\"\n    Location-Path = \"things\"\n    \
         Location-Path = \"7\"\n    Content-Format = 0\n    Max-Age = 60\n"
    );
    let out = m2m(&["coap", "post", &uri, "--payload", "x", "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(v["payload"], "made");
    assert_eq!(v["content_format"], 0);
    let options: Vec<_> = v["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| (o["number"].clone(), o["name"].clone(), o["value"].clone()))
        .collect();
    let want = [
        (4, "ETag", serde_json::json!("0a0b")),
        (8, "Location-Path", serde_json::json!("things")),
        (8, "Location-Path", serde_json::json!("7")),
        (12, "Content-Format", serde_json::json!(0)),
        (14, "Max-Age", serde_json::json!(60)),
    ]
    .map(|(n, name, value)| (serde_json::json!(n), serde_json::json!(name), value));
    assert_eq!(options, want);
    server.join().unwrap();
}

/// A body fetched in Block2 blocks (RFC 7959 §2.4) shows the options of the last block, the
/// one that completed it: its Block2 (NUM 1, M 0, SZX 0 is 16) and its Max-Age, not the
/// first's Size2.
#[test]
fn coap_shows_the_options_of_the_last_block() {
    let body: Vec<u8> = (b'a'..=b'z').collect();
    let reply = body.clone();
    let answer = move |req: &Message<'_>| {
        let num = req.block2().map_or(0, |b2| b2.unwrap().num);
        let start = num as usize * 16;
        let end = (start + 16).min(reply.len());
        let b2 = Block::with_size(num, end < reply.len(), 16).unwrap();
        let mut options = vec![
            (OptionNumber::ETAG, vec![7]),
            (OptionNumber::MAX_AGE, uint(30 + num)),
            (OptionNumber::BLOCK2, uint(b2.to_uint())),
        ];
        if num == 0 {
            options.push((OptionNumber::SIZE2, uint(26)));
        }
        (Code::CONTENT, options, reply[start..end].to_vec())
    };
    let (uri, server) = udp_server("abc", 4, answer);
    let out = m2m(&["coap", "get", &uri], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.as_bytes(), body);
    assert_eq!(
        out.stderr,
        "2.05\n    ETag = \"07\"\n    Max-Age = 31\n    Block2 = 16\n"
    );
    let out = m2m(&["coap", "get", &uri, "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(v["payload"], "abcdefghijklmnopqrstuvwxyz");
    let names: Vec<_> = v["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| format!("{}={}", o["name"].as_str().unwrap(), o["value"]))
        .collect();
    assert_eq!(names, ["ETag=\"07\"", "Max-Age=31", "Block2=16"]);
    server.join().unwrap();
}
