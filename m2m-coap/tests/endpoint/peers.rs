//! Peers' cases through the endpoint: Californium's bad and unknown options, aiocoap's non-CoAP
//! client.

use super::*;

/// Eclipse Californium `DataParserTest`: a CON GET with a 4-byte Uri-Port (at most 2, RFC 7252
/// §5.10) or the unknown critical option 25 is answered 4.02 Bad Option in an ACK (§5.4.1,
/// §5.4.3), as Californium's parser reports BAD_OPTION; its GET with the unknown elective
/// option 24 twice and Proxy-Uri `abcd` reaches the application as a request (§5.4.1: elective
/// options are ignored).
#[test]
fn californium_bad_and_unknown_options() {
    let mut server = Ep::new(26);
    for (mid, req) in [
        (0x10u8, &b"\x40\x01\x00\x10\x74\x01\x02\x03\x04"[..]),
        (0x11, b"\x40\x01\x00\x11\xd1\x0c\x64"),
    ] {
        assert_eq!(server.handle(at(0), 0, req).unwrap(), Incoming::Nothing);
        let out = drain(&mut server, 0);
        let rsp = Message::parse_udp(&out[0].1).unwrap();
        assert_eq!(
            (rsp.ty(), rsp.code(), rsp.message_id()),
            (
                Some(Type::Acknowledgement),
                Code::BAD_OPTION,
                Some(u16::from(mid))
            ),
            "{req:02x?}"
        );
    }
    let req = b"\x40\x01\x00\x12\xd1\x0b\x64\x01\x65\xb4abcd";
    let Incoming::Request { message, .. } = server.handle(at(0), 0, req).unwrap() else {
        panic!("not a request");
    };
    assert_eq!(message.code(), Code::GET);
}

/// aiocoap `tests/test_noncoap_client.py`: one byte `40`, three bytes `40 01 97` and a
/// version-2 header `80 01 99 98` get no answer (RFC 7252 §3: too short to carry a Message ID
/// to reset, or of an unknown version, silently ignored); the ping `40 00 99 9a` gets the Reset
/// `70 00 99 9a`; the GET `40 01 99 99` sent twice gets the same bytes twice. All agree.
#[test]
fn aiocoap_noncoap_client() {
    let mut server = Ep::new(27);
    for b in [&[0x40][..], &[0x40, 0x01, 0x97], &[0x80, 0x01, 0x99, 0x98]] {
        let got = server.handle(at(0), 0, b);
        assert!(
            matches!(got, Ok(Incoming::Nothing) | Err(_)),
            "{b:02x?}: {got:?}"
        );
        assert!(drain(&mut server, 0).is_empty(), "{b:02x?}");
    }
    assert_eq!(
        server.handle(at(0), 0, &[0x40, 0x00, 0x99, 0x9a]).unwrap(),
        Incoming::Nothing
    );
    assert_eq!(
        drain(&mut server, 0),
        vec![(0, vec![0x70, 0x00, 0x99, 0x9a])]
    );
    let get = [0x40, 0x01, 0x99, 0x99];
    let Incoming::Request { exchange, .. } = server.handle(at(0), 0, &get).unwrap() else {
        panic!("a request");
    };
    let mut rsp = Builder::<4>::udp(Type::Acknowledgement, Code::CONTENT, 0);
    rsp.payload(b"root");
    server.respond(at(0), &exchange, &rsp).unwrap();
    let first = drain(&mut server, 0);
    assert_eq!(first.len(), 1);
    assert_eq!(server.handle(at(10), 0, &get).unwrap(), Incoming::Nothing);
    assert_eq!(drain(&mut server, 10), first);
}
