//! Vectors from coap-lite's tests (`martindisch/coap-lite`, `src/`).

use super::*;

/// coap-lite (`martindisch/coap-lite`, `src/link_format.rs` tests): its parser's inputs, the
/// RFC 6690 §5 examples, read to the same links and parameters; the quoted strings it unquotes
/// (`unquote_1` to `_5`); and what its writer writes, which ours writes the same but for
/// `if=sensor`, a token it quotes (RFC 6690 §2 lets `if` be either, and ours reads back the
/// same).
#[test]
fn coap_lite_link_format() {
    let own = |t: &str, p: &[&str]| (t.to_owned(), p.iter().map(|s| (*s).to_owned()).collect());
    assert_eq!(
        link_params("</sensors>;ct=40"),
        Ok(vec![own("/sensors", &["ct=40"])])
    );
    // `link_format_parser_2` and `_3` wrap the links on several lines for reading, as the
    // RFC's examples do; RFC 6690 §2 has no whitespace between links, and ours reads the text
    // without it (a line break is refused where it stands).
    assert_eq!(
        link_params(r#"</sensors/temp>;if="sensor",</sensors/light>;if="sensor""#),
        Ok(vec![
            own("/sensors/temp", &[r#"if="sensor""#]),
            own("/sensors/light", &[r#"if="sensor""#]),
        ])
    );
    let rfc6690 = concat!(
        r#"</sensors>;ct=40;title="Sensor Index","#,
        r#"</sensors/temp>;rt="temperature-c";if="sensor","#,
        r#"</sensors/light>;rt="light-lux";if="sensor","#,
        r#"<http://www.example.com/sensors/t123>;anchor="/sensors/temp";rel="describedby","#,
        r#"</t>;anchor="/sensors/temp";rel="alternate""#
    );
    assert_eq!(
        link_params(rfc6690),
        Ok(vec![
            own("/sensors", &["ct=40", r#"title="Sensor Index""#]),
            own(
                "/sensors/temp",
                &[r#"rt="temperature-c""#, r#"if="sensor""#]
            ),
            own("/sensors/light", &[r#"rt="light-lux""#, r#"if="sensor""#]),
            own(
                "http://www.example.com/sensors/t123",
                &[r#"anchor="/sensors/temp""#, r#"rel="describedby""#]
            ),
            own("/t", &[r#"anchor="/sensors/temp""#, r#"rel="alternate""#]),
        ])
    );
    assert_eq!(
        link_params("</sensors/temp>;if=\"sensor\",\n</sensors/light>;if=\"sensor\""),
        Err(28)
    );
    // `unquote_1` to `_5`.
    for (quoted, text) in [
        (r#"<x>;p="sensor""#, "sensor"),
        ("<x>;p=sensor", "sensor"),
        (r#"<x>;p="the \"foo\" bar""#, r#"the "foo" bar"#),
        (r#"<x>;p="\"the foo bar\"""#, r#""the foo bar""#),
        (r#"<x>;p="the \\\"foo\\\" bar""#, r#"the \"foo\" bar"#),
    ] {
        let l = m2m_coap::link::parse(quoted).next().unwrap().unwrap();
        let v = l.param("p").unwrap().unwrap();
        assert_eq!(v.unescaped().collect::<String>(), text, "{quoted}");
    }
    // `link_format_write_2`.
    let mut w = m2m_coap::link::Writer::new(String::new());
    w.link("/sensor/light").unwrap();
    w.param("if", Some("sensor")).unwrap();
    w.param("title", Some("My Light")).unwrap();
    w.link("/sensor/temp").unwrap();
    w.param("if", Some("sensor")).unwrap();
    w.param("title", Some("My Thermostat")).unwrap();
    w.param("v", Some("20")).unwrap();
    let text = w.into_inner();
    assert_eq!(
        text,
        r#"</sensor/light>;if=sensor;title="My Light",</sensor/temp>;if=sensor;title="My Thermostat";v=20"#
    );
    let l: Vec<_> = m2m_coap::link::parse(&text).map(Result::unwrap).collect();
    assert_eq!(l[0].interfaces().collect::<Vec<_>>(), ["sensor"]);
    assert_eq!(l[1].get("title"), Some("My Thermostat"));
}

/// coap-lite `src/packet.rs` `test_encode_packet_with_options` / `_with_payload` and their
/// decode twins: a CON GET with token 515577e8, Uri-Path "Hi" and "Test", Uri-Query "a=1"; an
/// ACK 2.05 with token d0e24dac and payload "Hello". Our builder writes the same bytes and our
/// parser reads them as coap-lite does.
#[test]
fn coap_lite_packets() {
    let get = m2m_core::hex::decode("4401849e515577e8b24869045465737443613d31").unwrap();
    let mut b = Builder::<4>::udp(Type::Confirmable, Code::GET, 33950);
    b.token(&[0x51, 0x55, 0x77, 0xe8]);
    b.opaque(OptionNumber::URI_PATH, b"Hi").unwrap();
    b.opaque(OptionNumber::URI_PATH, b"Test").unwrap();
    b.opaque(OptionNumber::URI_QUERY, b"a=1").unwrap();
    assert_eq!(built(&b), get);
    let m = strict(&get).unwrap();
    assert_eq!(m.message_id(), Some(33950));
    assert!(m.uri_path().eq(["Hi", "Test"]));
    assert_eq!(m.option(OptionNumber::URI_QUERY), Some(&b"a=1"[..]));

    let ack = m2m_core::hex::decode("644513fdd0e24dacff48656c6c6f").unwrap();
    let mut b = Builder::<4>::udp(Type::Acknowledgement, Code::CONTENT, 5117);
    b.token(&[0xd0, 0xe2, 0x4d, 0xac]);
    b.payload(b"Hello");
    assert_eq!(built(&b), ack);
    let m = strict(&ack).unwrap();
    assert_eq!(
        (m.ty(), m.code()),
        (Some(Type::Acknowledgement), Code::CONTENT)
    );
    assert_eq!(m.payload(), b"Hello");
}
