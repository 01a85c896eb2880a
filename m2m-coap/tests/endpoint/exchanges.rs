//! Confirmable exchanges: piggybacked and separate responses, retransmission timing and
//! give-up, duplicates answered from the cache, a lost ACK, pings, Resets and bad options.

use super::*;

#[test]
fn piggybacked_response() {
    let (mut client, mut server) = (Ep::new(1), Ep::new(2));
    let id = client.request(at(0), 1, &get("temp"), true).unwrap();
    let sent = drain(&mut client, 0);
    assert_eq!(sent.len(), 1);
    let (_, req) = &sent[0];
    let Incoming::Request { message, exchange } = server.handle(at(10), 0, req).unwrap() else {
        panic!("a request")
    };
    assert!(message.uri_path().eq(["temp"]));
    assert_eq!(message.token().len(), 8);
    let mut rsp = Builder::<4>::udp(Type::Acknowledgement, Code::CONTENT, 0);
    rsp.payload(b"22.5");
    server.respond(at(10), &exchange, &rsp).unwrap();
    let replies = drain(&mut server, 10);
    assert_eq!(replies.len(), 1);
    assert_eq!(ty(&replies[0].1), Type::Acknowledgement);
    let Incoming::Response { id: got, message } = client.handle(at(20), 1, &replies[0].1).unwrap()
    else {
        panic!("a response")
    };
    assert_eq!(got, id);
    assert_eq!(message.payload(), b"22.5");
    assert_eq!(client.outstanding(), 0);
    // Nothing more to send or wait for on the client.
    assert!(drain(&mut client, 100_000).is_empty());
    assert_eq!(client.poll_event(), None);
}

#[test]
fn an_ack_under_another_token_answers_nothing() {
    // RFC 7252 §5.3.2: a piggybacked response matches its request by Message ID and token. An
    // ACK with the request's MID but another token is ignored: the request goes on being
    // retransmitted, and its own answer is delivered later.
    let mut client = Ep::new(1);
    let id = client.request(at(0), 1, &get("temp"), true).unwrap();
    let sent = drain(&mut client, 0);
    let req = &sent[0].1;
    let ack = |token: &[u8]| {
        let mut d = vec![
            0x60 | u8::try_from(token.len()).unwrap(),
            0x45,
            req[2],
            req[3],
        ];
        d.extend_from_slice(token);
        d.extend_from_slice(&[0xff, b'x']);
        d
    };
    let other = ack(&[0xaa; 8]);
    assert!(matches!(
        client.handle(at(10), 1, &other).unwrap(),
        Incoming::Nothing
    ));
    assert_eq!(client.outstanding(), 1);
    // Still retransmitted once the first timeout (at most 3 s) is over.
    let again = drain(&mut client, 3_000);
    assert_eq!(again.len(), 1);
    assert_eq!(&again[0].1, req);
    let token = Message::parse_udp(req).unwrap().token().to_vec();
    let right = ack(&token);
    let Incoming::Response { id: got, message } = client.handle(at(3_010), 1, &right).unwrap()
    else {
        panic!("the response")
    };
    assert_eq!((got, message.payload()), (id, &b"x"[..]));
}

#[test]
fn no_transmission_beyond_max_retransmit_while_events_wait() {
    // RFC 7252 §4.2: a Confirmable message goes out 1 + MAX_RETRANSMIT times, and no more,
    // even when the application has not taken its events and the give-up event must wait.
    let mut client = Ep::new(3);
    // Eight requests that nobody answers fill the event queue with their timeouts.
    for peer in 2..10u8 {
        client.request(at(0), peer, &get("x"), true).unwrap();
    }
    let mut t = 0;
    while t < 100_000 {
        drain(&mut client, t);
        t += 100;
    }
    let id = client.request(at(t), 1, &get("y"), true).unwrap();
    let mut sent_to_1 = 0;
    while t < 500_000 {
        sent_to_1 += drain(&mut client, t)
            .iter()
            .filter(|(p, _)| *p == 1)
            .count();
        t += 100;
    }
    assert_eq!(sent_to_1, 5);
    // The queue emptied, its give-up comes.
    let mut events = Vec::new();
    while let Some(e) = client.poll_event() {
        events.push(e);
    }
    assert_eq!(events.len(), 8);
    drain(&mut client, t);
    assert_eq!(client.poll_event(), Some(Event::Timeout(id)));
}

#[test]
fn retransmission_timing_and_give_up() {
    let mut client = Ep::new(7);
    let id = client.request(at(0), 1, &get("x"), true).unwrap();
    let mut times = vec![];
    let mut now = 0;
    let mut last_timeout = None;
    while now < 400_000 {
        for _ in drain(&mut client, now) {
            times.push(now);
        }
        if let Some(e) = client.poll_event() {
            last_timeout = Some((e, now));
            break;
        }
        match client.poll_timeout() {
            Some(t) if t.as_millis() > now => now = t.as_millis(),
            Some(_) => now += 1,
            None => break,
        }
    }
    // One transmission and MAX_RETRANSMIT = 4 retransmissions, each timeout double the one
    // before, the first between 2 and 3 seconds (RFC 7252 §4.2, §4.8).
    assert_eq!(times.len(), 5, "{times:?}");
    let first = times[1] - times[0];
    assert!((2000..=3000).contains(&first), "{first}");
    for w in times.windows(3) {
        assert_eq!(w[2] - w[1], 2 * (w[1] - w[0]), "{times:?}");
    }
    let (event, when) = last_timeout.expect("a timeout");
    assert_eq!(event, Event::Timeout(id));
    // Given up after the last timeout: 31 times the first one (within MAX_TRANSMIT_WAIT).
    assert_eq!(when - times[0], 31 * first);
    assert!(when <= Params::DEFAULT.max_transmit_wait_ms());
    assert_eq!(client.outstanding(), 0);
}

#[test]
fn duplicate_con_is_answered_from_the_cache() {
    let (mut client, mut server) = (Ep::new(3), Ep::new(4));
    client.request(at(0), 1, &get("a"), true).unwrap();
    let req = drain(&mut client, 0).remove(0).1;
    let Incoming::Request { exchange, .. } = server.handle(at(0), 0, &req).unwrap() else {
        panic!()
    };
    let mut rsp = Builder::<4>::udp(Type::Acknowledgement, Code::CONTENT, 0);
    rsp.payload(b"v1");
    server.respond(at(0), &exchange, &rsp).unwrap();
    let first = drain(&mut server, 0);
    // The ACK is lost; the client retransmits; the server answers the duplicate with the
    // same bytes, without the application seeing the request again.
    let retransmission = drain(&mut client, 3000).remove(0).1;
    assert_eq!(retransmission, req);
    assert_eq!(
        server.handle(at(3000), 0, &retransmission).unwrap(),
        Incoming::Nothing
    );
    let again = drain(&mut server, 3000);
    assert_eq!(again, first);
    // A second answer to the same exchange is refused.
    assert!(server.respond(at(3000), &exchange, &rsp).is_err());
}

#[test]
fn answer_duplicate_repeats_a_reply_and_takes_nothing_new() {
    let (mut client, mut server) = (Ep::new(3), Ep::new(4));
    client.request(at(0), 1, &get("bs"), true).unwrap();
    let req = drain(&mut client, 0).remove(0).1;
    let Incoming::Request { exchange, .. } = server.handle(at(0), 0, &req).unwrap() else {
        panic!()
    };
    let rsp = Builder::<0>::udp(Type::Acknowledgement, Code::CHANGED, 0);
    server.respond(at(0), &exchange, &rsp).unwrap();
    let first = drain(&mut server, 0);
    // The ACK is lost; the retransmission, given only to `answer_duplicate`, gets the same
    // bytes again (RFC 7252 §4.5).
    let retransmission = drain(&mut client, 3000).remove(0).1;
    assert!(server.answer_duplicate(at(3000), 0, &retransmission));
    assert_eq!(drain(&mut server, 3000), first);
    // The same message id from another peer, a new request, a ping, or garbage: not
    // duplicates; nothing goes out and nothing is remembered (the new request still comes
    // to `handle` as a request afterwards).
    assert!(!server.answer_duplicate(at(3000), 9, &retransmission));
    let mut other = Ep::new(5);
    other.request(at(3000), 1, &get("other"), true).unwrap();
    let fresh = drain(&mut other, 3000).remove(0).1;
    assert!(!server.answer_duplicate(at(3000), 0, &fresh));
    assert!(!server.answer_duplicate(at(3000), 0, &[0x40, 0x00, 0x12, 0x34]));
    assert!(!server.answer_duplicate(at(3000), 0, &[0xff]));
    assert!(drain(&mut server, 3000).is_empty());
    assert!(matches!(
        server.handle(at(3000), 0, &fresh).unwrap(),
        Incoming::Request { .. }
    ));
    // Past EXCHANGE_LIFETIME the id is forgotten: no longer a duplicate.
    assert!(!server.answer_duplicate(at(250_000), 0, &retransmission));
}

#[test]
fn lost_ack_then_separate_response() {
    let (mut client, mut server) = (Ep::new(5), Ep::new(6));
    let id = client.request(at(0), 1, &get("slow"), true).unwrap();
    let req = drain(&mut client, 0).remove(0).1;
    let Incoming::Request { exchange, .. } = server.handle(at(0), 0, &req).unwrap() else {
        panic!()
    };
    // The server needs time: an Empty ACK now, which is lost.
    server.accept(at(0), &exchange);
    let ack = drain(&mut server, 0);
    assert_eq!(ack.len(), 1);
    assert_eq!(Message::parse_udp(&ack[0].1).unwrap().code(), Code::EMPTY);
    // The client retransmits; the server acknowledges the duplicate again.
    let retry = drain(&mut client, 3000);
    assert_eq!(retry.len(), 1);
    server.handle(at(3000), 0, &retry[0].1).unwrap();
    let ack2 = drain(&mut server, 3000);
    assert_eq!(ack2, ack);
    assert_eq!(
        client.handle(at(3001), 1, &ack2[0].1).unwrap(),
        Incoming::Nothing
    );
    // Then the separate response, Confirmable, with a new message id.
    let mut rsp = Builder::<4>::udp(Type::Confirmable, Code::CONTENT, 0);
    rsp.payload(b"done");
    server.respond(at(5000), &exchange, &rsp).unwrap();
    let sep = drain(&mut server, 5000).remove(0).1;
    assert_eq!(ty(&sep), Type::Confirmable);
    let Incoming::Response { id: got, message } = client.handle(at(5001), 1, &sep).unwrap() else {
        panic!()
    };
    assert_eq!((got, message.payload()), (id, &b"done"[..]));
    // The client acknowledges it, and the server stops retransmitting.
    let ack3 = drain(&mut client, 5001);
    assert_eq!(ack3.len(), 1);
    assert_eq!(ty(&ack3[0].1), Type::Acknowledgement);
    server.handle(at(5002), 0, &ack3[0].1).unwrap();
    assert!(drain(&mut server, 60_000).is_empty());
    assert!(drain(&mut client, 60_000).is_empty());
}

#[test]
fn ping_bad_options_and_garbage() {
    let mut server = Ep::new(10);
    // CoAP ping: an Empty CON is answered with a Reset of the same message id.
    assert_eq!(
        server.handle(at(0), 0, &[0x40, 0, 0x12, 0x34]).unwrap(),
        Incoming::Nothing
    );
    assert_eq!(drain(&mut server, 0), vec![(0, vec![0x70, 0, 0x12, 0x34])]);
    // A CON request with an unrecognized critical option: 4.02 with a diagnostic payload.
    let req = [0x41, 0x01, 0x00, 0x07, 0xaa, 0xe0, 0xfc, 0xdc];
    assert_eq!(server.handle(at(0), 0, &req).unwrap(), Incoming::Nothing);
    let out = drain(&mut server, 0);
    let m = Message::parse_udp(&out[0].1).unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.message_id()),
        (Some(Type::Acknowledgement), Code::BAD_OPTION, Some(7))
    );
    assert_eq!(m.token(), &[0xaa]);
    assert!(!m.payload().is_empty());
    // The same when an elective bad option (Content-Format twice) comes first: the critical
    // unrecognized option 25 after it still gets 4.02 (RFC 7252 §5.4.1).
    let req = [0x41, 0x01, 0x00, 0x08, 0xab, 0xc0, 0x00, 0xd0, 0x00];
    assert_eq!(server.handle(at(0), 0, &req).unwrap(), Incoming::Nothing);
    let out = drain(&mut server, 0);
    let m = Message::parse_udp(&out[0].1).unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.message_id()),
        (Some(Type::Acknowledgement), Code::BAD_OPTION, Some(8))
    );
    // A broken CON: a Reset; a broken NON: nothing.
    assert!(
        server
            .handle(at(0), 0, &[0x40, 0x01, 0x00, 0x09, 0xff])
            .is_err()
    );
    assert_eq!(drain(&mut server, 0), vec![(0, vec![0x70, 0, 0x00, 0x09])]);
    assert!(
        server
            .handle(at(0), 0, &[0x50, 0x01, 0x00, 0x0a, 0xff])
            .is_err()
    );
    assert!(drain(&mut server, 0).is_empty());
    // A CON response nobody waits for: a Reset (RFC 7252 §5.3.2).
    assert_eq!(
        server
            .handle(at(0), 0, &[0x41, 0x45, 0x00, 0x0b, 0x01])
            .unwrap(),
        Incoming::Nothing
    );
    assert_eq!(drain(&mut server, 0), vec![(0, vec![0x70, 0, 0x00, 0x0b])]);
}

#[test]
fn reset_rejects_a_request() {
    let (mut client, mut server) = (Ep::new(11), Ep::new(12));
    let id = client.request(at(0), 1, &get("x"), true).unwrap();
    let req = drain(&mut client, 0).remove(0).1;
    let mid = Message::parse_udp(&req).unwrap().message_id().unwrap();
    let [m0, m1] = mid.to_be_bytes();
    let _ = &mut server;
    let token = m2m_coap::Token::new(Message::parse_udp(&req).unwrap().token()).unwrap();
    assert_eq!(
        client.handle(at(5), 1, &[0x70, 0, m0, m1]).unwrap(),
        Incoming::Reset {
            id: Some(id),
            peer: 1,
            token
        }
    );
    assert_eq!(client.outstanding(), 0);
    assert!(drain(&mut client, 100_000).is_empty());
}

/// NSTART 1 (RFC 7252 §4.7): a request acknowledged by an Empty ACK, its response to come
/// separately, is no outstanding interaction: the next request to the peer may go.
#[test]
fn an_empty_ack_frees_the_peer_for_the_next_request() {
    use m2m_coap::endpoint::EndpointError;
    let (mut client, mut server) = (Ep::new(51), Ep::new(52));
    let first = client.request(at(0), 1, &get("slow"), true).unwrap();
    assert_eq!(
        client.request(at(0), 1, &get("b"), true),
        Err(EndpointError::Busy)
    );
    let d = drain(&mut client, 0).remove(0).1;
    let Incoming::Request { exchange, .. } = server.handle(at(1), 0, &d).unwrap() else {
        panic!("a request")
    };
    server.accept(at(1), &exchange);
    let ack = drain(&mut server, 1).remove(0).1;
    assert!(matches!(
        client.handle(at(2), 1, &ack).unwrap(),
        Incoming::Nothing
    ));
    // Acknowledged: the next request goes, and the separate response still finds the first.
    let second = client.request(at(3), 1, &get("b"), true).unwrap();
    assert_ne!(second, first);
    let mut rsp = Builder::<2>::udp(Type::Confirmable, Code::CONTENT, 0);
    rsp.payload(b"late");
    server.respond(at(4), &exchange, &rsp).unwrap();
    let late = drain(&mut server, 4).remove(0).1;
    assert!(matches!(
        client.handle(at(5), 1, &late).unwrap(),
        Incoming::Response { id, message } if id == first && message.payload() == b"late"
    ));
}
