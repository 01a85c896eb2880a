//! Vectors from aiocoap's tests (`chrysn/aiocoap`, `tests/`).

use super::*;

// aiocoap (`chrysn/aiocoap`, `tests/test_encoding.py`).

/// `TestMessage.test_encode`/`test_decode`: an Empty CON, and an ACK 2.05 with token `q`, ETag
/// "abcd" and a payload, byte for byte both ways.
#[test]
fn aiocoap_messages() {
    let empty = [64u8, 0, 0, 0];
    let b = Builder::<1>::udp(Type::Confirmable, Code::EMPTY, 0);
    assert_eq!(built(&b), empty);
    let m = strict(&empty).unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.message_id()),
        (Some(Type::Confirmable), Code::EMPTY, Some(0))
    );
    assert!(m.token().is_empty() && m.payload().is_empty());

    let mut ack = vec![97u8, 69, 188, 144, 113, 68];
    ack.extend_from_slice(b"abcd\xfftemp = 22.5 C");
    let mut b = Builder::<2>::udp(Type::Acknowledgement, Code::CONTENT, 0xBC90);
    b.token(b"q");
    b.opaque(OptionNumber::ETAG, b"abcd").unwrap();
    b.payload(b"temp = 22.5 C");
    assert_eq!(built(&b), ack);
    let m = strict(&ack).unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.message_id()),
        (Some(Type::Acknowledgement), Code::CONTENT, Some(0xBC90))
    );
    assert_eq!(m.token(), b"q");
    assert!(m.etags().eq([&b"abcd"[..]]));
    assert_eq!(m.options().count(), 1);
    assert_eq!(m.payload(), b"temp = 22.5 C");
    // Without the ETag: header, token, marker, payload.
    let mut short = ack[..5].to_vec();
    short.extend_from_slice(&ack[10..]);
    let mut b = Builder::<2>::udp(Type::Acknowledgement, Code::CONTENT, 0xBC90);
    b.token(b"q");
    b.payload(b"temp = 22.5 C");
    assert_eq!(built(&b), short);
}

/// aiocoap encodes option 1234 as delta nibble 14 with the extension 0x03c5 (1234 - 269), in an
/// Empty CON; RFC 7252 §4.1 makes an Empty message with an option a format error, so we read
/// it only leniently, and build the same option in a GET.
#[test]
fn aiocoap_high_option_number() {
    let bytes = b"\x40\x00\x00\x00\xe4\x03\xc5abcd";
    assert_eq!(strict(bytes).unwrap_err().reason, Reason::EmptyNotEmpty);
    let m = lenient(bytes);
    let opts: Vec<(u16, &[u8])> = m.options().map(|o| (o.number.0, o.value)).collect();
    assert_eq!(opts, [(1234, &b"abcd"[..])]);
    let mut b = Builder::<1>::udp(Type::Confirmable, Code::GET, 0);
    b.opaque(OptionNumber(1234), b"abcd").unwrap();
    assert_eq!(built(&b), b"\x40\x01\x00\x00\xe4\x03\xc5abcd");
}

/// `test_decode` refusals: an option byte with delta nibble 15 (0xf0), an extended delta that is
/// not there (0xe0), an option value that is not there (0x04). Refused even leniently.
#[test]
fn aiocoap_refused_options() {
    for tail in [0xf0u8, 0xe0, 0x04] {
        for code in [0x00, 0x01] {
            let b = [0x40, code, 0, 0, tail];
            assert!(strict(&b).is_err(), "{b:02x?}");
            assert!(
                Message::parse_udp_with(&b, &Config::LENIENT).is_err(),
                "{b:02x?}"
            );
        }
    }
    let reason = |b: &[u8]| strict(b).unwrap_err().reason;
    assert_eq!(reason(&[0x40, 1, 0, 0, 0xf0]), Reason::OptionDelta);
    // A datagram is complete: what is missing is a truncation, with how much.
    assert_eq!(
        reason(&[0x40, 1, 0, 0, 0xe0]),
        Reason::Truncated { needed: 2 }
    );
    assert_eq!(
        reason(&[0x40, 1, 0, 0, 0x04]),
        Reason::Truncated { needed: 4 }
    );
}

/// `TestUintOption`: the minimal uint encodings of 0, 1, 2, 40, 50, 255, 256 and 1000, and
/// their decoding (an empty value is 0).
#[test]
fn aiocoap_uint_values() {
    use m2m_coap::option::value::{decode_uint, encode_uint};
    let cases: [(u32, &[u8]); 8] = [
        (0, b""),
        (1, b"\x01"),
        (2, b"\x02"),
        (40, b"\x28"),
        (50, b"\x32"),
        (255, b"\xff"),
        (256, b"\x01\x00"),
        (1000, b"\x03\xe8"),
    ];
    for (v, bytes) in cases {
        let (buf, n) = encode_uint(v);
        assert_eq!(&buf[4 - n..], bytes, "{v}");
        assert_eq!(decode_uint(bytes), Some(v));
    }
}

/// `TestOptiontypes` (RFC 7252 Table 4): If-Match critical; Uri-Host critical and unsafe; ETag
/// neither; Max-Age unsafe; Size1 safe and no cache key.
#[test]
fn aiocoap_option_classes() {
    let cases = [
        (OptionNumber::IF_MATCH, true, false, false),
        (OptionNumber::URI_HOST, true, true, false),
        (OptionNumber::ETAG, false, false, false),
        (OptionNumber::MAX_AGE, false, true, false),
        (OptionNumber::SIZE1, false, false, true),
    ];
    for (o, critical, unsafe_, no_cache_key) in cases {
        assert_eq!(o.is_critical(), critical, "{o:?}");
        assert_eq!(o.is_elective(), !critical, "{o:?}");
        assert_eq!(o.is_unsafe(), unsafe_, "{o:?}");
        if !unsafe_ {
            assert_eq!(o.is_no_cache_key(), no_cache_key, "{o:?}");
        }
    }
}

/// `TestMessageOptionConstruction.test_uri_construction`: `coap://some-host:1234/some/path/`
/// gives Uri-Host "some-host" and the path "some", "path", "" (the trailing empty segment of
/// RFC 7252 §6.4 step 8); sent to port 1234, no Uri-Port. Without the trailing slash, two
/// segments.
#[test]
fn aiocoap_uri_construction() {
    let uri = m2m_coap::Uri::parse("coap://some-host:1234/some/path/").unwrap();
    let mut b = Builder::<8>::udp(Type::Confirmable, Code::GET, 0);
    let mut scratch = [0u8; 64];
    uri.to_options(&mut b, &mut scratch, Some(1234)).unwrap();
    let out = built(&b);
    let m = strict(&out).unwrap();
    assert_eq!(m.uri_host(), Some("some-host"));
    assert_eq!(m.uri_port(), None);
    assert!(m.uri_path().eq(["some", "path", ""]));

    let uri = m2m_coap::Uri::parse("coap://some-host/some/path").unwrap();
    let mut b = Builder::<8>::udp(Type::Confirmable, Code::GET, 0);
    uri.to_options(&mut b, &mut scratch, None).unwrap();
    let out = built(&b);
    assert!(strict(&out).unwrap().uri_path().eq(["some", "path"]));
}

/// aiocoap `tests/test_uri_handling.py`: URIs set on a request and read back from it
/// (`normal_uris` unchanged, `denormal_uris` to an equivalent form: ours keep the explicit
/// default port out, which aiocoap notes it could do too), the ones it refuses
/// (`erring_uris`); and its proxy URIs, which are no CoAP URIs to split.
#[test]
fn aiocoap_uri_handling() {
    for uri in [
        "coap://hostname:1234/path",
        "coap://hostname:1234/path?query=string&argument=x",
        "coap+tcp://hostname/path",
        "coaps://hostname:1234/path",
    ] {
        assert_eq!(uri_round_trip(uri).as_deref(), Ok(uri));
    }
    for (uri, back) in [
        ("coap://hostname:1234", "coap://hostname:1234/"),
        // The scheme is compared in lowercase (RFC 7252 §6.4 step 3), the host lowercased
        // (step 5).
        ("CoAp://HoStNaMe/", "coap://hostname/"),
        ("coap://host/%7Esensors", "coap://host/~sensors"),
        ("coap://hostname:5683/path", "coap://hostname/path"),
        (
            "coap://host/blåbærsyltetøy",
            "coap://host/bl%C3%A5b%C3%A6rsyltet%C3%B8y",
        ),
    ] {
        assert_eq!(uri_round_trip(uri).as_deref(), Ok(back), "{uri}");
    }
    // Refused: a relative reference, an unclosed IP-literal, a segment that is no UTF-8 once
    // decoded (Uri-Path is a string option, §5.10.1), a port that is no number, no authority.
    for uri in [
        "/hello",
        "coap://[",
        "coap://example.com/%ff",
        "coap://example.com:fivesixeightthree/",
        "coap:like:urn",
        "http://example.com/test",
        "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
    ] {
        assert!(uri_round_trip(uri).is_err(), "{uri}");
    }
}

/// aiocoap `tests/test_noncoap_tcp_client.py`: bytes a bad client sends a CoAP-over-TCP
/// server, through `tcp::Framing`, `Message::parse_tcp` and `signaling::Session`. Partial (the
/// server waits): `00`, `d0` (one extended length byte missing), `f0 00`, `e0 00 00` (269
/// bytes announced). Refused (the server aborts): `f0 ffffffff` (past any max message size),
/// TKL 15 (`0f` ...), the text `GET /.well-known/core HTTP/1.0` (it does not parse as a
/// message), a GET `00 01` before any CSM (RFC 8323 §5.3), a CSM with the unknown critical
/// option 62463 (`30 e1 e0 f2 f2`, §5.3), also after an empty CSM. Taken: a CSM with the
/// unknown elective option 62206 (`30 e1 e0 f1 f1`). All agree.
#[test]
fn aiocoap_noncoap_tcp_client() {
    use m2m_coap::signaling::{Session, Signal, Violation};
    use m2m_coap::tcp::Framing;
    use m2m_core::Framing as _;
    use m2m_core::Status;
    let framing = Framing::new();
    for b in [&b"\x00"[..], b"\xd0", b"\xf0\x00", b"\xe0\x00\x00"] {
        assert!(
            matches!(framing.frame_len(b), Ok(Status::Partial(_))),
            "{b:02x?}"
        );
    }
    assert!(framing.frame_len(b"\xf0\xff\xff\xff\xff").is_err());
    let tkl15 = b"\x0fxxxxxxxxxxxxxxx\xe1";
    assert!(framing.frame_len(tkl15).is_err(), "TKL 15");
    // The HTTP text: `G` announces Len 4 and TKL 7, a 13-byte frame, whose options (`l-kn`)
    // run off its end.
    let http = b"GET /.well-known/core HTTP/1.0";
    assert!(matches!(framing.frame_len(http), Ok(Status::Complete(13))));
    assert!(Message::parse_tcp(&http[..13]).is_err());
    // Signaling.
    let first = |frames: &[&[u8]]| {
        let mut s = Session::new();
        let mut last = Signal::Empty;
        for f in frames {
            last = s.on_message(&Message::parse_tcp(f).unwrap());
            if matches!(last, Signal::Violation(_)) {
                break;
            }
        }
        last
    };
    assert_eq!(first(&[b"\x00\x01"]), Signal::Violation(Violation::NoCsm));
    assert_eq!(first(&[b"\x30\xe1\xe0\xf1\xf1"]), Signal::Settings);
    assert_eq!(
        first(&[b"\x30\xe1\xe0\xf2\xf2"]),
        Signal::Violation(Violation::BadCsmOption(62463))
    );
    assert_eq!(
        first(&[b"\x00\xe1", b"\x30\xe1\xe0\xf2\xf2"]),
        Signal::Violation(Violation::BadCsmOption(62463))
    );
}
