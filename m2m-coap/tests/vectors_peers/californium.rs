//! Vectors from Eclipse Californium's tests (`eclipse-californium/californium`).

use super::*;

/// Eclipse Californium (`eclipse-californium/californium`, `californium-core/src/test/java/
/// org/eclipse/californium/core/...`): the bytes its serializers and option classes produce,
/// built and read here.
#[test]
fn californium_serializer_and_block_values() {
    // `network/serialization/DataSerializerTest.testSerializeRequestStoresBytesInMessage`:
    // GET, token 00, Observe 0 (an empty value), MID 1.
    let mut b = Builder::<2>::udp(Type::Confirmable, Code::GET, 1);
    b.token(&[0x00]);
    b.uint(OptionNumber::OBSERVE, 0).unwrap();
    assert_eq!(built(&b), m2m_core::hex::decode("410100010060").unwrap());
    let mut b = Builder::<2>::tcp(Code::GET);
    b.token(&[0x00]);
    b.uint(OptionNumber::OBSERVE, 0).unwrap();
    assert_eq!(built(&b), m2m_core::hex::decode("11010060").unwrap());
    // `testSerializeResponseWithEndpointContext`, `testSerializeEmpty*`: ACK 2.05 token 00
    // MID 1; Empty ACK and Empty CON (a ping) with MID 1; over TCP 2.05 and the Empty message.
    let mut b = Builder::<1>::udp(Type::Acknowledgement, Code::CONTENT, 1);
    b.token(&[0x00]);
    assert_eq!(built(&b), m2m_core::hex::decode("6145000100").unwrap());
    let b = Builder::<1>::udp(Type::Acknowledgement, Code::EMPTY, 1);
    assert_eq!(built(&b), m2m_core::hex::decode("60000001").unwrap());
    let b = Builder::<1>::udp(Type::Confirmable, Code::EMPTY, 1);
    assert_eq!(built(&b), m2m_core::hex::decode("40000001").unwrap());
    let mut b = Builder::<1>::tcp(Code::CONTENT);
    b.token(&[0x00]);
    assert_eq!(built(&b), m2m_core::hex::decode("014500").unwrap());
    let b = Builder::<1>::tcp(Code::EMPTY);
    assert_eq!(built(&b), m2m_core::hex::decode("0000").unwrap());

    // `testSerializeRequestDifferentPayloads`: PUT, token 0001, MID 1, Uri-Path segments
    // "coap:", "", "localhost", "test" (Californium splits the string it is given at each
    // `/`), payload "0123456789" repeated to 10, 245, 246 and 700 bytes: over TCP the Len
    // field crosses 13 + 0xff = 268 into its 2-byte form (RFC 8323 §3.2).
    let payload = |n: usize| -> Vec<u8> { b"0123456789".iter().copied().cycle().take(n).collect() };
    let head = "b5636f61703a00096c6f63616c686f73740474657374ff";
    for (n, udp_len, tcp_len, tcp_start) in [
        (10, 39, 38, "d214"),
        (245, 274, 273, "d2ff"),
        (246, 275, 275, "e20000"),
        (700, 729, 729, "e201c6"),
    ] {
        let body = payload(n);
        fn put<'a>(mut b: Builder<'a, 4>, body: &'a [u8]) -> Vec<u8> {
            b.token(&[0x00, 0x01]);
            for seg in ["coap:", "", "localhost", "test"] {
                b.opaque(OptionNumber::URI_PATH, seg.as_bytes()).unwrap();
            }
            b.payload(body);
            built(&b)
        }
        let udp = put(Builder::udp(Type::Confirmable, Code::PUT, 1), &body);
        assert_eq!(udp.len(), udp_len);
        let want = format!("420300010001{head}");
        assert_eq!(m2m_core::hex::encode(&udp[..want.len() / 2]), want);
        assert!(udp.ends_with(&body));
        let tcp = put(Builder::tcp(Code::PUT), &body);
        assert_eq!(tcp.len(), tcp_len);
        let want = format!("{tcp_start}030001{head}");
        assert_eq!(m2m_core::hex::encode(&tcp[..want.len() / 2]), want);
        let m = Message::parse_tcp(&tcp).unwrap();
        assert!(m.uri_path().eq(["coap:", "", "localhost", "test"]));
        assert_eq!(m.payload(), &body[..]);
    }

    // `coap/option/BlockOptionTest.testGetValue`: (SZX, M, NUM) to option bytes, the
    // shortest unsigned integer (RFC 7959 §2.2).
    for (szx, more, num, bytes) in [
        (0, false, 0, ""),
        (0, false, 1, "10"),
        (0, false, 15, "f0"),
        (0, false, 16, "0100"),
        (0, false, 79, "04f0"),
        (0, false, 113, "0710"),
        (0, false, 26387, "067130"),
        (0, false, 1_048_575, "fffff0"),
        (7, false, 1_048_575, "fffff7"),
        (7, true, 1_048_575, "ffffff"),
    ] {
        let block = m2m_coap::Block { num, more, szx };
        let mut b = Builder::<1>::udp(Type::Confirmable, Code::GET, 0);
        b.uint(OptionNumber::BLOCK1, block.to_uint()).unwrap();
        let out = built(&b);
        let m = strict(&out).unwrap();
        let value = m.option(OptionNumber::BLOCK1).unwrap();
        assert_eq!(m2m_core::hex::encode(value), bytes, "{block:?}");
        assert_eq!(m2m_coap::Block::decode(value, szx == 7), Ok(block));
    }
}

/// Californium `coap/LinkFormatTest.testParse` and `testParseWithAttributes`: relative
/// targets, a quoted Content-Format list, the `obs` flag, `rt`, `sz` and `title` read as
/// Californium reads them.
#[test]
fn californium_link_format() {
    let links: Vec<_> =
        m2m_coap::link::parse("<node/child2>,<node/child2/grandchild>,<node/child3>,<node/child1>")
            .map(Result::unwrap)
            .map(|l| l.target)
            .collect();
    assert_eq!(
        links,
        [
            "node/child2",
            "node/child2/grandchild",
            "node/child3",
            "node/child1"
        ]
    );
    let text = r#"<node/child>;ct="0 50 41";obs;rt="test";sz=4096;title="Children of the Node",<node/next>"#;
    let links: Vec<_> = m2m_coap::link::parse(text).map(Result::unwrap).collect();
    assert_eq!(links.len(), 2);
    let l = &links[0];
    assert_eq!(l.target, "node/child");
    assert_eq!(l.ct().collect::<Vec<_>>(), [0, 50, 41]);
    assert!(l.obs());
    assert_eq!(l.rt().collect::<Vec<_>>(), ["test"]);
    assert_eq!(l.sz(), Some(4096));
    assert_eq!(l.get("title"), Some("Children of the Node"));
    assert_eq!(links[1].target, "node/next");
    assert!(!links[1].obs());
}

/// Eclipse Californium `core/network/serialization/DataParserTest` (UDP): the messages its
/// parser refuses are refused here in strict mode (class 1 code `40 21`, an RST with code 4.01
/// `70 81`, which must be Empty, RFC 7252 §4.1; an option or a token running off the end; a
/// payload marker with no payload); lenient mode takes the class, the RST and the marker, as
/// documented on `Config::LENIENT`. Codes 0.08 and 2.08 parse. The Uri-Port of 4 bytes
/// (`74 01020304`), the unknown critical option 25 and the elective 24, 24 then Proxy-Uri
/// `abcd` parse whole, their options kept: what an unrecognised or malformed option means is
/// the endpoint's to judge (a 4.02 there, `tests/endpoint/peers.rs`). All agree.
#[test]
fn californium_data_parser() {
    for b in [
        &b"\x40\x21\x00\x10"[..],
        b"\x70\x81\x00\x10",
        b"\x40\x01\x00\x10\xff",
    ] {
        assert!(strict(b).is_err(), "{b:02x?}");
        assert!(
            Message::parse_udp_with(b, &Config::LENIENT).is_ok(),
            "{b:02x?}"
        );
    }
    for b in [
        &b"\x40\x01\x00\x10\x24\x01\x02\x03"[..],
        b"\x48\x01\x00\x10\x24\x01\x02\x03",
    ] {
        assert!(strict(b).is_err(), "{b:02x?}");
        assert!(
            Message::parse_udp_with(b, &Config::LENIENT).is_err(),
            "{b:02x?}"
        );
    }
    assert_eq!(strict(b"\x40\x08\x00\x10").unwrap().code(), Code(0x08));
    assert_eq!(strict(b"\x40\x48\x00\x10").unwrap().code(), Code(0x48));
    for (b, numbers) in [
        (&b"\x40\x01\x00\x10\x74\x01\x02\x03\x04"[..], &[7][..]),
        (b"\x40\x01\x00\x10\xd1\x0c\x64", &[25]),
        (
            b"\x40\x01\x00\x10\xd1\x0b\x64\x01\x65\xb4abcd",
            &[24, 24, 35],
        ),
    ] {
        let m = strict(b).unwrap();
        let got: Vec<u16> = m.options().map(|o| o.number.0).collect();
        assert_eq!(got, numbers, "{b:02x?}");
    }
}

/// Eclipse Californium `core/coap/RequestTest`: the RFC 7252 §6.3 example URIs give Uri-Host
/// `example.com`, no Uri-Port and Uri-Path `~sensors`, `temp.xml`; an IPv4 or IPv6 literal
/// sets no Uri-Host; non-ASCII path and query text go into the options unescaped; a URI
/// without a path but with a query reads back with `/` before the `?`; a space or `%20`
/// before the port and an unknown scheme are refused. All agree.
#[test]
fn californium_request_uris() {
    for uri in [
        "coap://example.com:5683/~sensors/temp.xml",
        "coap://EXAMPLE.com/%7Esensors/temp.xml",
        "coap://EXAMPLE.com:/%7esensors/temp.xml",
    ] {
        assert_eq!(
            uri_option_text(uri),
            Ok(vec![
                (3, "example.com".to_owned()),
                (11, "~sensors".to_owned()),
                (11, "temp.xml".to_owned()),
            ]),
            "{uri}"
        );
    }
    for uri in ["coap://192.168.0.1", "coap://[2a00:1450:4001:817::2003]"] {
        assert_eq!(uri_option_text(uri), Ok(vec![]), "{uri}");
    }
    assert_eq!(
        uri_option_text("coap://127.0.0.1/äöüß?ä=öß"),
        Ok(vec![(11, "äöüß".to_owned()), (15, "ä=öß".to_owned())])
    );
    assert_eq!(
        uri_round_trip("coap://192.168.0.1:12000?parameter").as_deref(),
        Ok("coap://192.168.0.1:12000/?parameter")
    );
    assert_eq!(
        uri_round_trip("coap://192.168.0.1:12000/30/40").as_deref(),
        Ok("coap://192.168.0.1:12000/30/40")
    );
    for uri in [
        "coap://iot.eclipse.org: 5683",
        "coap://iot.eclipse.org:%205683",
        "unknown://127.0.0.1",
    ] {
        assert!(uri_option_text(uri).is_err(), "{uri}");
    }
}

/// Eclipse Californium `core/coap/MediaTypeRegistryTest`: `text/plain` (with or without
/// `; charset=utf-8`) is 0, `application/json` 50, `application/cose; cose-type="cose-mac"`
/// 97 and `"cose-sign"` 98 (blanks after `;` ignored); `plain/text` and an unknown cose-type
/// have no number. Agree. Californium also maps `text/plain; charset=us-ascii` to 0 and bare
/// `application/cose` to all six COSE numbers; neither is a registered media type of one
/// number, so `from_media_type` gives none.
#[test]
fn californium_media_type_registry() {
    use m2m_coap::ContentFormat as Cf;
    for (media, n) in [
        ("text/plain", Some(0)),
        ("text/plain; charset=utf-8", Some(0)),
        ("application/json", Some(50)),
        ("application/cose; cose-type=\"cose-mac\"", Some(97)),
        ("application/cose; cose-type=\"cose-sign\"", Some(98)),
        ("plain/text", None),
        ("application/cose; cose-type=\"unknown\"", None),
        ("application/cose", None),
        ("text/plain; charset=us-ascii", None),
    ] {
        assert_eq!(Cf::from_media_type(media).map(|c| c.0), n, "{media}");
    }
}
