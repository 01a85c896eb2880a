//! Vectors from libcoap's unit tests (`obgm/libcoap`, `tests/`).

use super::*;

/// `t_parse_pdu1`, `t_parse_pdu11`, `t_parse_pdu12`: a bare GET, an Empty ACK, an Empty RST.
#[test]
fn libcoap_parse_headers() {
    let m = strict(&[0x40, 0x01, 0x93, 0x34]).unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.message_id()),
        (Some(Type::Confirmable), Code::GET, Some(0x9334))
    );
    assert!(m.token().is_empty() && m.payload().is_empty() && m.options().next().is_none());
    let m = strict(&[0x60, 0x00, 0x12, 0x34]).unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.message_id()),
        (Some(Type::Acknowledgement), Code::EMPTY, Some(0x1234))
    );
    let m = strict(&[0x70, 0x00, 0x12, 0x34]).unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.message_id()),
        (Some(Type::Reset), Code::EMPTY, Some(0x1234))
    );
}

/// `t_parse_pdu2`, `t_parse_pdu5`, `t_parse_pdu7`, `t_parse_pdu8`: NON messages with a code of
/// class 3, a 5-byte token, options 0 (empty) and 12 (one byte 0), and a payload.
#[test]
fn libcoap_parse_class_3_codes() {
    let pdu2 = [0x55, 0x69, 0x12, 0x34, b't', b'o', b'k', b'e', b'n'];
    let pdu5 = [
        0x55, 0x73, 0x12, 0x34, b't', b'o', b'k', b'e', b'n', 0x00, 0xc1, 0x00,
    ];
    let mut pdu7 = pdu5.to_vec();
    pdu7.extend_from_slice(b"\xffpayload");
    let pdu8 = b"\x50\x73\x12\x34\xffpayload";
    for b in [&pdu2[..], &pdu5, &pdu7, pdu8] {
        let e = strict(b).unwrap_err();
        assert_eq!(e.reason, Reason::ReservedClass(Code(b[1])), "{b:02x?}");
        let m = lenient(b);
        assert_eq!(m.ty(), Some(Type::NonConfirmable));
        assert_eq!(m.code(), Code(b[1]));
        assert_eq!(m.message_id(), Some(0x1234));
    }
    assert_eq!(lenient(&pdu2).token(), b"token");
    let m = lenient(&pdu5);
    let opts: Vec<(u16, Vec<u8>)> = m
        .options()
        .map(|o| (o.number.0, o.value.to_vec()))
        .collect();
    assert_eq!(opts, [(0, vec![]), (12, vec![0])]);
    assert!(m.payload().is_empty());
    assert_eq!(lenient(&pdu7).payload(), b"payload");
    assert_eq!(lenient(pdu8).payload(), b"payload");
    assert!(lenient(pdu8).token().is_empty());
}

/// The `t_parse_pdu*` inputs libcoap refuses: refused here too, strict and lenient.
#[test]
fn libcoap_parse_refused() {
    let mut overflow = [0u8; 512];
    overflow[..4].copy_from_slice(&[0x40, 0x01, 0x93, 0x34]);
    for pair in overflow[4..508].chunks_exact_mut(2) {
        pair.copy_from_slice(&[0xd0, 0xff]); // option delta 13 + 255 = 268, 252 times
    }
    let fuzz_199: &[u8] = &[
        64, 91, 91, 91, 139, 91, 91, 91, 91, 91, 91, 91, 91, 91, 91, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 91, 91, 224, 224, 224,
    ];
    let cases: [(&str, &[u8]); 10] = [
        // TKL 3: "en" is read as an option header 0x65 (delta 6, length 5) that runs off the end.
        ("t_parse_pdu3", b"\x53\x69\x12\x34token"),
        ("t_parse_pdu4 TKL 15", b"\x5f\x69\x12\x34token1234"),
        (
            "t_parse_pdu6",
            b"\x55\x73\x12\x34token\x00\xc1\x00\xae\xf0\x03",
        ),
        ("t_parse_pdu9", b"\x70\x00\x12\x34\xff"),
        ("t_parse_pdu10", b"\x53\x73\x12\x34tok\x31a\xc1\x00\xff"),
        ("t_parse_pdu13", b"\x70\x00\x12\x34\xffcontent"),
        ("t_parse_pdu14", b"\x60\x00\x12\x34\xffcontent"),
        ("t_parse_pdu15 (first 32 bytes)", fuzz_199),
        ("t_parse_pdu16", b"\x5a\x0a\x5b\x5b"),
        ("t_parse_pdu17", &overflow),
    ];
    let rfc7252_only = Config {
        extended_tokens: false,
        ..Config::STRICT
    };
    // Strict but for the type/code rule: the class-3 codes of pdu3, pdu4, pdu6 and pdu10 would
    // otherwise be refused before the defect each vector is about is reached.
    let any_code = Config {
        any_type_code: true,
        ..Config::STRICT
    };
    for (label, b) in cases {
        assert!(strict(b).is_err(), "{label}");
        assert!(Message::parse_udp_with(b, &any_code).is_err(), "{label}");
        assert!(
            Message::parse_udp_with(b, &rfc7252_only).is_err(),
            "{label}"
        );
        // The lenient profile tolerates an Empty message with content and a bare marker only.
        if !matches!(
            label,
            "t_parse_pdu9" | "t_parse_pdu10" | "t_parse_pdu13" | "t_parse_pdu14"
        ) {
            assert!(
                Message::parse_udp_with(b, &Config::LENIENT).is_err(),
                "{label}"
            );
        }
    }
    assert_eq!(
        strict(&overflow).unwrap_err().reason,
        Reason::OptionNumber,
        "t_parse_pdu17"
    );
    // pdu10's defect is its bare payload marker.
    assert_eq!(
        Message::parse_udp_with(b"\x53\x73\x12\x34tok\x31a\xc1\x00\xff", &any_code)
            .unwrap_err()
            .reason,
        Reason::EmptyPayload,
        "t_parse_pdu10"
    );
    // t_parse_pdu4: TKL 9 is refused by an RFC 7252-only parser (libcoap's default), and read
    // as a 9-byte token with RFC 8974.
    let tkl9 = b"\x59\x69\x12\x34token1234";
    let any_code = Config {
        any_type_code: true,
        ..rfc7252_only
    };
    assert_eq!(
        Message::parse_udp_with(tkl9, &any_code).unwrap_err().reason,
        Reason::TokenLength(9)
    );
    assert_eq!(lenient(tkl9).token(), b"token1234");
}

/// `t_encode_pdu1`, `t_encode_pdu5` to `t_encode_pdu10`: our builder writes libcoap's bytes,
/// and the parser reads them back.
#[test]
fn libcoap_encode() {
    let mut b = Builder::<4>::udp(Type::Confirmable, Code::GET, 0x1234);
    b.token(b"token");
    assert_eq!(built(&b), b"\x45\x01\x12\x34token");

    // 4.04 with an 8-byte token, If-Match "ABCDEFGH" and Accept 18 (delta 16: 0xd1 0x03).
    let mut b = Builder::<4>::udp(Type::Acknowledgement, Code::NOT_FOUND, 0x1234);
    b.token(b"12345678");
    b.opaque(OptionNumber::IF_MATCH, b"ABCDEFGH").unwrap();
    b.uint(OptionNumber::ACCEPT, 0x12).unwrap();
    let pdu5 = b"\x68\x84\x12\x34\x31\x32\x33\x34\x35\x36\x37\x38\x18ABCDEFGH\xd1\x03\x12";
    assert_eq!(built(&b), pdu5);
    let m = strict(pdu5).unwrap();
    assert_eq!(m.accept().map(|c| c.0), Some(18));
    assert_eq!(m.option(OptionNumber::IF_MATCH), Some(&b"ABCDEFGH"[..]));

    let mut b = Builder::<4>::udp(Type::NonConfirmable, Code::POST, 0x1234);
    b.payload(b"12345678");
    assert_eq!(built(&b), b"\x50\x02\x12\x34\xff12345678");

    // 2.03 with an empty payload: no marker.
    let b = Builder::<4>::udp(Type::Confirmable, Code::VALID, 0x1234);
    assert_eq!(built(&b), b"\x40\x43\x12\x34");

    let mut b = Builder::<4>::udp(Type::Confirmable, Code::VALID, 0x1234);
    b.token(&[0x00, 0x01]);
    b.payload(&[0x00]);
    assert_eq!(built(&b), b"\x42\x43\x12\x34\x00\x01\xff\x00");

    // ETag, If-None-Match, Proxy-Uri (delta 30: 0xd1 0x11... length 17: 0x04 after 13).
    let mut b = Builder::<4>::udp(Type::Acknowledgement, Code::CHANGED, 0x1234);
    b.opaque(OptionNumber::ETAG, b"someetag").unwrap();
    b.empty(OptionNumber::IF_NONE_MATCH).unwrap();
    b.str(OptionNumber::PROXY_URI, "someratherlonguri").unwrap();
    b.payload(b"data");
    let pdu9 = b"\x60\x44\x12\x34\x48someetag\x10\xdd\x11\x04someratherlonguri\xffdata";
    assert_eq!(built(&b), pdu9);
    assert_eq!(
        strict(pdu9).unwrap().str(OptionNumber::PROXY_URI),
        Some("someratherlonguri")
    );
}

/// `t_encode_pdu10`: a 255-byte Location-Path (length nibble 13, extension 0xf2), a 14-byte one
/// (nibble 13, extension 0x01) and Location-Query "*".
#[test]
fn libcoap_encode_long_location_path() {
    let long = "coap://example.com/12345/%3Fxyz/3048234234/23402348234/239084234-23/%AB%30%af/+123/hfksdh/23480-234-98235/1204/243546345345243/0198sdn3-a-3///aff0934/97u2141/0002/3932423532/56234023/----/=1234=/098141-9564643/21970-----/82364923472wererewr0-921-39123-34/";
    assert_eq!(long.len(), 255);
    let mut expected = vec![0x62, 0x44, 0x12, 0x34, 0x00, 0x00, 0x8d, 0xf2];
    expected.extend_from_slice(long.as_bytes());
    expected.extend_from_slice(b"\x0d\x01//492403--098/\xc1*\xffdata");
    let mut b = Builder::<4>::udp(Type::Acknowledgement, Code::CHANGED, 0x1234);
    b.token(&[0, 0]);
    b.str(OptionNumber::LOCATION_PATH, long).unwrap();
    b.str(OptionNumber::LOCATION_PATH, "//492403--098/")
        .unwrap();
    b.str(OptionNumber::LOCATION_QUERY, "*").unwrap();
    b.payload(b"data");
    assert_eq!(built(&b), expected);
    let m = strict(&expected).unwrap();
    assert!(
        m.strs(OptionNumber::LOCATION_PATH)
            .eq([long, "//492403--098/"])
    );
    assert_eq!(m.str(OptionNumber::LOCATION_QUERY), Some("*"));
    assert_eq!(m.payload(), b"data");
}

/// `t_encode_pdu16`/`t_encode_pdu17`: options 7 (Uri-Port), 10 and 300 (unassigned, elective)
/// with uint values in their minimal encodings: 0 as no bytes, 0x12345 in three, 0x6543210 in
/// four (option 300: delta nibble 14, extension 0x0015 = 290 - 269).
#[test]
fn libcoap_uint_option_encodings() {
    let cases: [(u32, u32, u32, &[u8]); 4] = [
        (50, 51, 53, b"\x71\x32\x31\x33\xe1\x00\x15\x35"),
        (50, 0x12345, 53, b"\x71\x32\x33\x01\x23\x45\xe1\x00\x15\x35"),
        (0, 51, 53, b"\x70\x31\x33\xe1\x00\x15\x35"),
        (
            50,
            51,
            0x654_3210,
            b"\x71\x32\x31\x33\xe4\x00\x15\x06\x54\x32\x10",
        ),
    ];
    for (port, ten, three_hundred, options) in cases {
        let mut b = Builder::<4>::udp(Type::Confirmable, Code::GET, 0);
        b.uint(OptionNumber::URI_PORT, port).unwrap();
        b.uint(OptionNumber(10), ten).unwrap();
        b.uint(OptionNumber(300), three_hundred).unwrap();
        b.payload(b"data");
        let mut expected = vec![0x40, 0x01, 0x00, 0x00];
        expected.extend_from_slice(options);
        expected.extend_from_slice(b"\xffdata");
        assert_eq!(built(&b), expected, "{options:02x?}");
        let m = strict(&expected).unwrap();
        assert_eq!(m.uri_port(), Some(u16::try_from(port).unwrap()));
        assert_eq!(m.uint(OptionNumber(10)), Some(ten));
        assert_eq!(m.uint(OptionNumber(300)), Some(three_hundred));
        assert!(
            m.bad_option().is_none(),
            "elective unknown options are not bad"
        );
    }
}

/// `t_encode_pdu4`: Uri-Host, Uri-Path "path", an empty Uri-Path and option 8000 (delta 7989:
/// nibble 14, extension 0x1e28), in a 4.25 ACK.
#[test]
fn libcoap_encode_option_8000() {
    let expected: &[u8] =
        b"\x60\x99\x12\x34\x3d\x05fancyproxy.coap.me\x84path\x00\xe8\x1e\x28fancyopt";
    let mut b = Builder::<4>::udp(Type::Acknowledgement, Code(0x99), 0x1234);
    b.str(OptionNumber::URI_HOST, "fancyproxy.coap.me").unwrap();
    b.str(OptionNumber::URI_PATH, "path").unwrap();
    b.str(OptionNumber::URI_PATH, "").unwrap();
    b.opaque(OptionNumber(8000), b"fancyopt").unwrap();
    assert_eq!(built(&b), expected);
    let m = strict(expected).unwrap();
    assert_eq!(m.uri_host(), Some("fancyproxy.coap.me"));
    assert!(m.uri_path().eq(["path", ""]));
    assert_eq!(m.option(OptionNumber(8000)), Some(&b"fancyopt"[..]));
}

#[test]
fn libcoap_uri_split() {
    // t_parse_uri1/2: an IPv6 literal (no Uri-Host), the default port or 8000.
    let u = m2m_coap::Uri::parse("coap://[::1]/.well-known/core").unwrap();
    assert_eq!((u.host, u.effective_port()), ("::1", 5683));
    assert_eq!(
        uri_options("coap://[::1]/.well-known/core"),
        path(&[b".well-known", b"core"])
    );
    let u = m2m_coap::Uri::parse("coap://[::1]:8000/.well-known/core").unwrap();
    assert_eq!(
        (u.host, u.port, u.path),
        ("::1", Some(8000), "/.well-known/core")
    );
    // t_parse_uri3: no path, two query arguments.
    let u = m2m_coap::Uri::parse("coap://localhost/?foo&bla=fasel").unwrap();
    assert_eq!((u.host, u.query), ("localhost", Some("foo&bla=fasel")));
    assert_eq!(
        uri_options("coap://localhost/?foo&bla=fasel"),
        [
            (3, b"localhost".to_vec()),
            (15, b"foo".to_vec()),
            (15, b"bla=fasel".to_vec())
        ]
    );
    // t_parse_uri4/5: a port beyond 65535.
    assert!(m2m_coap::Uri::parse("coap://:100000").is_err());
    assert!(m2m_coap::Uri::parse("coap://foo:100000").is_err());
    // t_parse_uri6: an IPv4 address (no Uri-Host).
    assert_eq!(
        uri_options("coap://134.102.218.2/.well-known/core"),
        path(&[b".well-known", b"core"])
    );
    // t_parse_uri7: the default port written out is no Uri-Port.
    let mut expected = vec![(3, b"foo.bar".to_vec())];
    expected.extend(path(&[b"some_resource", b"with", b"multiple", b"segments"]));
    assert_eq!(
        uri_options("coap://foo.bar:5683/some_resource/with/multiple/segments"),
        expected
    );
    // t_parse_uri8/9: not a CoAP scheme.
    assert!(m2m_coap::Uri::parse("http://example.com/%7E%AB%13").is_err());
    assert!(m2m_coap::Uri::parse("http://example.com/%x").is_err());
    // t_parse_uri11: a percent-encoded UTF-8 segment is one Uri-Path of the decoded bytes.
    let mut expected = vec![(3, b"xn--18j4d.example".to_vec())];
    expected.extend(path(&[
        "\u{3053}\u{3093}\u{306b}\u{3061}\u{306f}".as_bytes()
    ]));
    assert_eq!(
        uri_options("coap://xn--18j4d.example/%E3%81%93%E3%82%93%E3%81%AB%E3%81%A1%E3%81%AF"),
        expected
    );
    // t_parse_uri12 (the example of RFC 7252 §6.3): an IPv4 host, port 61616, the path "", "/",
    // "", "" and the query "//", "?&".
    let mut expected = vec![(7, vec![0xf0, 0xb0])];
    expected.extend(path(&[b"", b"/", b"", b""]));
    expected.extend([(15, b"//".to_vec()), (15, b"?&".to_vec())]);
    let u = m2m_coap::Uri::parse("coap://198.51.100.1:61616//%2F//?%2F%2F&?%26").unwrap();
    let mut b = Builder::<16>::udp(Type::Confirmable, Code::GET, 0);
    let mut scratch = [0u8; 128];
    u.to_options(&mut b, &mut scratch, Some(5683)).unwrap();
    let out = built(&b);
    let got: Vec<(u16, Vec<u8>)> = strict(&out)
        .unwrap()
        .options()
        .map(|o| (o.number.0, o.value.to_vec()))
        .collect();
    assert_eq!(got, expected);
}

/// libcoap `tests/test_options.c`: the option headers its accessor tests parse
/// (`t_access_option1` to `7`) and the option list `t_iterate_option3` walks, each put into a
/// GET here (the tests parse the option alone).
#[test]
fn libcoap_option_access() {
    let get = |opts: &[u8]| {
        let mut b = vec![0x40, 0x01, 0x00, 0x00];
        b.extend_from_slice(opts);
        b
    };
    // t_access_option1: delta 1, length 2.
    let b = get(&[0x12, b'a', b'b']);
    let m = strict(&b).unwrap();
    let opts: Vec<(u16, &[u8])> = m.options().map(|o| (o.number.0, o.value)).collect();
    assert_eq!(opts, [(1, &b"ab"[..])]);
    // t_access_option2: delta 14 + 0x18fd = 6666 (269 + 6397), length 2.
    let b = get(&[0xe2, 0x18, 0xfd, b'a', b'b']);
    let m = strict(&b).unwrap();
    let opts: Vec<(u16, &[u8])> = m.options().map(|o| (o.number.0, o.value)).collect();
    assert_eq!(opts, [(6666, &b"ab"[..])]);
    // t_access_option3: delta 14 + 0x180a = 6423, length 13 + 0 = 13; 6423 is odd, an
    // unrecognized critical option: reported, 4.02 for a CON request.
    let b = get(&[
        0xed, 0x18, 0x0a, 0x00, b'a', b'b', b'c', b'd', b'e', b'f', b'g', b'h', b'i', b'j', b'k',
        b'l', b'm',
    ]);
    let m = strict(&b).unwrap();
    let opts: Vec<(u16, usize)> = m.options().map(|o| (o.number.0, o.value.len())).collect();
    assert_eq!(opts, [(6423, 13)]);
    assert_eq!(m.bad_option().map(|o| o.number), Some(6423));
    // t_access_option4 and 5: lengths 65535 and 490 with the value missing: refused.
    assert!(strict(&get(&[0xde, 0xff, 0xfe, 0xf2, b'a', b'b', b'c'])).is_err());
    assert!(strict(&get(&[0xee, 0xfe, 0xf2, 0x00, 0xdd, b'a', b'b', b'c'])).is_err());
    // t_access_option6 and 7: delta nibble 15 (not a payload marker) and length nibble 15.
    assert!(strict(&get(&[0xf2, b'a', b'b'])).is_err());
    assert!(strict(&get(&[0x2f, b'a', b'b'])).is_err());
    // t_encode_option6's header, delta and length 65535, as the only option: the number is
    // 65535, the value runs past the datagram.
    assert!(strict(&get(&[0xee, 0xfe, 0xf2, 0xfe, 0xf2])).is_err());
    // One past 65535 (option 1, then a delta of 65535) is no option number.
    assert!(strict(&get(&[0x10, 0xe0, 0xfe, 0xf2])).is_err());
    // t_iterate_option3: token "tok", options 1 "opt", 1 "", 30 "x" (delta 13 + 16).
    let b = [
        0x43, 0x01, 0x00, 0x00, b't', b'o', b'k', 0x13, b'o', b'p', b't', 0x00, 0xd1, 0x10, b'x',
    ];
    let m = strict(&b).unwrap();
    assert_eq!(m.token(), b"tok");
    let opts: Vec<(u16, &[u8])> = m.options().map(|o| (o.number.0, o.value)).collect();
    assert_eq!(opts, [(1, &b"opt"[..]), (1, &b""[..]), (30, &b"x"[..])]);
    assert!(m.bad_option().is_none());
}

/// libcoap `tests/test_encode.c`: the variable-length uint of options (RFC 7252 §3.2). Decoding
/// `[]`, `01`, `01000000` and `05060708` gives 0, 1, 0x01000000 and 0x05060708; encoding 0 gives
/// the empty value, 1 one byte, 0x05060708 four. Agree. Its 8-byte forms
/// (`coap_decode_var_bytes8`) have no option here: every uint option of the registry holds at
/// most 4 bytes, and `decode_uint` refuses more.
#[test]
fn libcoap_test_encode() {
    use m2m_coap::option::value::{decode_uint, encode_uint};
    for (bytes, v) in [
        (&[][..], 0),
        (&[0x01][..], 1),
        (&[0x01, 0x00, 0x00, 0x00][..], 0x0100_0000),
        (&[0x05, 0x06, 0x07, 0x08][..], 0x0506_0708),
    ] {
        assert_eq!(decode_uint(bytes), Some(v), "{bytes:02x?}");
    }
    for (v, want) in [
        (0, &[][..]),
        (1, &[0x01][..]),
        (0x0506_0708, &[0x05, 0x06, 0x07, 0x08][..]),
    ] {
        let (buf, n) = encode_uint(v);
        assert_eq!(buf.get(4 - n..), Some(want), "{v:#x}");
    }
    assert_eq!(decode_uint(&[1, 2, 3, 4, 5, 6, 7, 8]), None);
}

/// libcoap `tests/test_error_response.c` (2015 version): the bytes of its error responses,
/// parsed. 4.00 ACK "Bad Request" without a token, 4.04 NON "Not Found" with token `token`,
/// 4.02 ACKs "Bad Option" echoing the request's unknown critical option 9 (empty, 12 bytes,
/// 19 bytes: header bytes `90`, `9c`, `9d 06`) and option 23 (19 bytes: `dd 0a 06`), 5.03
/// "Service Unavailable" echoing options 1001 and 1014 (`e0 02 dc`, `d0 00`). Each parses
/// with the options, token and payload libcoap wrote. Option 23 is Block2 since RFC 7959, and
/// a 19-byte value is outside its 0-3 bytes: strict parsing still gives the option whole (its
/// value is judged when read, and what a client does with unrecognised critical options of a
/// response, RFC 7252 §5.4.1, is the endpoint's), so all agree. (libcoap no longer echoes
/// such options; RFC 7252 does not ask it.)
#[test]
fn libcoap_error_responses() {
    let m = strict(b"\x60\x80\x12\x34\xffBad Request").unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.message_id(), m.token(), m.payload()),
        (
            Some(Type::Acknowledgement),
            Code(0x80),
            Some(0x1234),
            &b""[..],
            &b"Bad Request"[..]
        )
    );
    let m = strict(b"\x55\x84\x12\x34token\xffNot Found").unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.token(), m.payload()),
        (
            Some(Type::NonConfirmable),
            Code(0x84),
            &b"token"[..],
            &b"Not Found"[..]
        )
    );
    let v12: Vec<u8> = (0..12).collect();
    let v19: Vec<u8> = (0..19).collect();
    let with = |head: &[u8], opts: &[u8], tail: &[u8]| {
        let mut b = head.to_vec();
        b.extend_from_slice(opts);
        b.push(0xff);
        b.extend_from_slice(tail);
        b
    };
    let head = b"\x65\x82\x00\x00token";
    let mut o12 = vec![0x9c];
    o12.extend_from_slice(&v12);
    let mut o19 = vec![0x9d, 0x06];
    o19.extend_from_slice(&v19);
    let mut o23 = vec![0xdd, 0x0a, 0x06];
    o23.extend_from_slice(&v19);
    for (opts, number, value) in [
        (vec![0x90], 9, vec![]),
        (o12, 9, v12.clone()),
        (o19, 9, v19.clone()),
        (o23, 23, v19.clone()),
    ] {
        let b = with(head, &opts, b"Bad Option");
        let m = strict(&b).unwrap();
        assert_eq!(
            (m.ty(), m.code(), m.token(), m.payload()),
            (
                Some(Type::Acknowledgement),
                Code(0x82),
                &b"token"[..],
                &b"Bad Option"[..]
            )
        );
        let got: Vec<(u16, Vec<u8>)> = m
            .options()
            .map(|o| (o.number.0, o.value.to_vec()))
            .collect();
        assert_eq!(got, [(number, value)], "{b:02x?}");
    }
    let b = with(
        b"\x65\xa3\x00\x00token",
        &[0xe0, 0x02, 0xdc, 0xd0, 0x00],
        b"Service Unavailable",
    );
    let m = lenient(&b);
    assert_eq!(
        (m.code(), m.payload()),
        (Code(0xa3), &b"Service Unavailable"[..])
    );
    let got: Vec<u16> = m.options().map(|o| o.number.0).collect();
    assert_eq!(got, [1001, 1014]);
}

/// libcoap `tests/test_wellknown.c`: its `/.well-known/core` texts `</>;title="some attribute";ct=0`
/// and `</abcd>;if="one";obs`, read as one list: targets, title, ct, if (which the `if=one`
/// query of `t_wellknown4` matches) and obs. Our writer gives the first byte for byte; the
/// second it writes `;if=one` (a ptoken needs no quotes, RFC 6690 §2), the same link.
#[test]
fn libcoap_test_wellknown() {
    use m2m_coap::link;
    let text = r#"</>;title="some attribute";ct=0,</abcd>;if="one";obs"#;
    assert_eq!(link::validate(text), Ok(2));
    let links: Vec<_> = link::parse(text).map(Result::unwrap).collect();
    assert_eq!(links[0].target, "/");
    assert_eq!(links[0].get("title"), Some("some attribute"));
    assert_eq!(links[0].ct().collect::<Vec<_>>(), [0]);
    assert!(!links[0].obs());
    assert_eq!(links[1].target, "/abcd");
    assert_eq!(links[1].interfaces().collect::<Vec<_>>(), ["one"]);
    assert!(links[1].obs());
    let mut w = link::Writer::new(String::new());
    w.link("/").unwrap();
    w.param("title", Some("some attribute")).unwrap();
    w.param("ct", Some("0")).unwrap();
    w.link("/abcd").unwrap();
    w.param("if", Some("one")).unwrap();
    w.param("obs", None).unwrap();
    let out = w.into_inner();
    assert_eq!(out, r#"</>;title="some attribute";ct=0,</abcd>;if=one;obs"#);
    let back: Vec<_> = link::parse(&out).map(Result::unwrap).collect();
    assert_eq!(back[1].interfaces().collect::<Vec<_>>(), ["one"]);
}
