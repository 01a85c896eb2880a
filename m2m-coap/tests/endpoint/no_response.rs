//! No-Response (RFC 7967): the classes left unsent, after an Empty ACK too, and for the
//! endpoint's own answers.

use super::*;

/// RFC 7967 §2.1: a response of a class the request's No-Response does not want is not sent;
/// a Confirmable request still gets its Empty ACK (§2), a duplicate the same, and the exchange
/// counts as answered. The empty value, a value of 2 bytes (ignored, RFC 7252 §5.4.3) and the
/// unassigned bits suppress nothing.
#[test]
fn no_response_leaves_unwanted_classes_unsent() {
    /// The server's replies to a request with No-Response `value` answered with `code`.
    fn replies(value: Option<&[u8]>, confirmable: bool, code: Code) -> Vec<Vec<u8>> {
        let mut server = Ep::new(22);
        // GET /a, token aa, then No-Response (258) written out: a builder refuses a value of
        // 2 bytes.
        let first = if confirmable { 0x41 } else { 0x51 };
        let mut req = vec![first, 0x01, 0x00, 0x20, 0xaa, 0xb1, b'a'];
        if let Some(v) = value {
            req.extend([0xd0 | u8::try_from(v.len()).unwrap(), 0xea]);
            req.extend(v);
        }
        let Incoming::Request { exchange, .. } = server.handle(at(0), 0, &req).unwrap() else {
            panic!("a request")
        };
        let rsp = Builder::<0>::udp(Type::Acknowledgement, code, 0);
        server.respond(at(0), &exchange, &rsp).unwrap();
        assert!(
            server.respond(at(0), &exchange, &rsp).is_err(),
            "answered once"
        );
        let mut out: Vec<Vec<u8>> = drain(&mut server, 0).into_iter().map(|r| r.1).collect();
        // A duplicate gets what the first got (a Confirmable one: the reply is cached).
        assert_eq!(server.handle(at(10), 0, &req).unwrap(), Incoming::Nothing);
        let again: Vec<Vec<u8>> = drain(&mut server, 10).into_iter().map(|r| r.1).collect();
        if confirmable {
            assert_eq!(again, out, "the duplicate's reply");
        }
        // Nothing goes later either (no separate response, no retransmission).
        out.extend(drain(&mut server, 100_000).into_iter().map(|r| r.1));
        out
    }
    let code_of = |d: &Vec<u8>| Message::parse_udp(d).unwrap().code();
    // Not interested in 2.xx: a CON's 2.05 becomes an Empty ACK of 4 bytes.
    let r = replies(Some(&[2]), true, Code::CONTENT);
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].len(), ty(&r[0])), (4, Type::Acknowledgement));
    // A NON's: nothing at all.
    assert!(replies(Some(&[26]), false, Code::CONTENT).is_empty());
    // A class it wants is sent: 4.04 to "not 2.xx", 2.05 to 4.xx and 5.xx unwanted.
    assert_eq!(
        code_of(&replies(Some(&[2]), true, Code::NOT_FOUND)[0]),
        Code::NOT_FOUND
    );
    assert_eq!(
        code_of(&replies(Some(&[24]), false, Code::CONTENT)[0]),
        Code::CONTENT
    );
    assert!(replies(Some(&[24]), false, Code::INTERNAL_SERVER_ERROR).is_empty());
    // Empty (0): every response wanted; 2 bytes: ignored; unassigned bits alone: nothing
    // suppressed; with an assigned one: that class is.
    for v in [&[][..], &[0, 2], &[0xe5]] {
        assert_eq!(
            code_of(&replies(Some(v), true, Code::CONTENT)[0]),
            Code::CONTENT
        );
    }
    assert_eq!(replies(Some(&[0x03]), true, Code::CHANGED)[0].len(), 4);
}

/// A Confirmable request accepted first (Empty ACK), then answered with a class it does not
/// want: no separate response follows (RFC 7967 §2.1).
#[test]
fn no_response_after_an_empty_ack_sends_no_separate_response() {
    let (mut client, mut server) = (Ep::new(23), Ep::new(24));
    let mut b = get("a");
    b.uint(OptionNumber::NO_RESPONSE, 2).unwrap();
    client.request(at(0), 1, &b, true).unwrap();
    let req = drain(&mut client, 0).remove(0).1;
    let Incoming::Request { exchange, .. } = server.handle(at(0), 0, &req).unwrap() else {
        panic!("a request")
    };
    assert_eq!(exchange.no_response().0, 2);
    server.accept(at(0), &exchange);
    assert_eq!(drain(&mut server, 0).len(), 1, "the Empty ACK");
    let rsp = Builder::<0>::udp(Type::Acknowledgement, Code::CHANGED, 0);
    server.respond(at(5), &exchange, &rsp).unwrap();
    assert!(drain(&mut server, 100_000).is_empty());
}

/// The endpoint's own 4.02 to an unrecognized critical option is a 4.xx like any: with
/// No-Response 8, a Confirmable request gets an Empty ACK instead (RFC 7967 §2.1).
#[test]
fn no_response_covers_the_endpoints_own_bad_option_answer() {
    let mut server = Ep::new(25);
    // CON GET, token aa, No-Response (258) = 8, then option 259 (critical, unknown).
    let req = [0x41, 0x01, 0x00, 0x0c, 0xaa, 0xd1, 0xf5, 0x08, 0x10];
    assert_eq!(server.handle(at(0), 0, &req).unwrap(), Incoming::Nothing);
    assert_eq!(drain(&mut server, 0), vec![(0, vec![0x60, 0, 0x00, 0x0c])]);
    // Without it, the 4.02.
    let req = [0x41, 0x01, 0x00, 0x0d, 0xaa, 0xd1, 0xf5, 0x02, 0x10];
    assert_eq!(server.handle(at(0), 0, &req).unwrap(), Incoming::Nothing);
    let out = drain(&mut server, 0);
    assert_eq!(
        Message::parse_udp(&out[0].1).unwrap().code(),
        Code::BAD_OPTION
    );
}
