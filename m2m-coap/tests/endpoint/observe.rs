//! Observe (RFC 7641): notifications in order, NSTART, re-registration and deregistration under
//! the observation's token.

use super::*;

#[test]
fn observe_notifications_in_order() {
    let (mut client, mut server) = (Ep::new(8), Ep::new(9));
    let mut reg = get("temp");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap();
    let id = client.request(at(0), 1, &reg, true).unwrap();
    let req = drain(&mut client, 0).remove(0).1;
    let Incoming::Request { message, exchange } = server.handle(at(0), 0, &req).unwrap() else {
        panic!()
    };
    assert_eq!(message.observe(), Some(0));
    let notification = |seq: u32| {
        let mut n = Builder::<4>::udp(Type::NonConfirmable, Code::CONTENT, 0);
        n.uint(OptionNumber::OBSERVE, seq).unwrap();
        n
    };
    server.respond(at(0), &exchange, &notification(10)).unwrap();
    let first = drain(&mut server, 0).remove(0).1;
    assert!(
        matches!(client.handle(at(1), 1, &first).unwrap(), Incoming::Response { id: i, .. } if i == id)
    );
    // Notifications 12 then 11: 11 arrives late and is dropped (RFC 7641 §3.4).
    server
        .notify(at(100), 0, exchange.token(), &notification(12), false)
        .unwrap();
    server
        .notify(at(100), 0, exchange.token(), &notification(11), false)
        .unwrap();
    let out = drain(&mut server, 100);
    assert_eq!(out.len(), 2);
    assert!(matches!(
        client.handle(at(101), 1, &out[0].1).unwrap(),
        Incoming::Response { .. }
    ));
    assert_eq!(
        client.handle(at(102), 1, &out[1].1).unwrap(),
        Incoming::Nothing
    );
    // Past 128 seconds any value is newer.
    server
        .notify(at(200_000), 0, exchange.token(), &notification(5), false)
        .unwrap();
    let late = drain(&mut server, 200_000).remove(0).1;
    assert!(matches!(
        client.handle(at(200_000), 1, &late).unwrap(),
        Incoming::Response { .. }
    ));
    assert_eq!(client.outstanding(), 1, "an observation stays open");
    // Cancelled: the next notification is answered with a Reset (RFC 7641 §3.6).
    client.cancel(id);
    server
        .notify(at(200_100), 0, exchange.token(), &notification(6), true)
        .unwrap();
    let n = drain(&mut server, 200_100).remove(0).1;
    assert_eq!(
        client.handle(at(200_101), 1, &n).unwrap(),
        Incoming::Nothing
    );
    let rst = drain(&mut client, 200_101).remove(0).1;
    assert_eq!(ty(&rst), Type::Reset);
    // The Reset names the observation's token: that observer is gone.
    assert!(matches!(
        server.handle(at(200_102), 0, &rst).unwrap(),
        Incoming::Reset { id: None, token, .. } if token.as_slice() == exchange.token()
    ));
}

/// NSTART 1 (RFC 7252 §4.7): a second request to the same peer waits for the first; an
/// observation does not count. An observation is renewed and then deregistered under its own
/// token (RFC 7641 §3.3.1, §3.6).
#[test]
fn nstart_renewal_and_deregistration() {
    use m2m_coap::endpoint::EndpointError;
    let (mut client, mut server) = (Ep::new(41), Ep::new(42));
    let answer = |server: &mut Ep, d: &[u8], now: u64, observe: Option<u32>| {
        let Incoming::Request { exchange, message } = server.handle(at(now), 0, d).unwrap() else {
            panic!("a request")
        };
        let mut rsp = Builder::<2>::udp(Type::Acknowledgement, Code::CONTENT, 0);
        if let Some(seq) = observe {
            rsp.uint(OptionNumber::OBSERVE, seq).unwrap();
        }
        server.respond(at(now), &exchange, &rsp).unwrap();
        (drain(server, now).remove(0).1, message.token().to_vec())
    };
    // Register an observation: an outstanding interaction until its first notification
    // (RFC 7252 §4.7), then it no longer holds back other requests.
    let mut reg = get("temp");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap();
    let obs = client.request(at(0), 1, &reg, true).unwrap();
    assert_eq!(
        client.request(at(0), 1, &get("a"), true),
        Err(EndpointError::Busy)
    );
    let (rsp, token) = answer(&mut server, &drain(&mut client, 0).remove(0).1, 0, Some(1));
    assert!(
        matches!(client.handle(at(1), 1, &rsp).unwrap(), Incoming::Response { id, .. } if id == obs)
    );
    // One plain request at a time.
    let first = client.request(at(2), 1, &get("a"), true).unwrap();
    assert_eq!(
        client.request(at(2), 1, &get("b"), true),
        Err(EndpointError::Busy)
    );
    let (rsp, _) = answer(&mut server, &drain(&mut client, 2).remove(0).1, 2, None);
    assert!(
        matches!(client.handle(at(3), 1, &rsp).unwrap(), Incoming::Response { id, .. } if id == first)
    );
    client.request(at(4), 1, &get("b"), true).unwrap();
    let (rsp, _) = answer(&mut server, &drain(&mut client, 4).remove(0).1, 4, None);
    client.handle(at(5), 1, &rsp).unwrap();
    // Renewal: the same token, still open afterwards.
    client.observe_again(at(10), obs, &reg, true).unwrap();
    let (rsp, t2) = answer(
        &mut server,
        &drain(&mut client, 10).remove(0).1,
        10,
        Some(2),
    );
    assert_eq!(t2, token);
    assert!(
        matches!(client.handle(at(11), 1, &rsp).unwrap(), Incoming::Response { id, .. } if id == obs)
    );
    assert_eq!(client.outstanding(), 1);
    // Deregistration: Observe 1 under the same token; its response closes the observation.
    let mut dereg = get("temp");
    dereg.uint(OptionNumber::OBSERVE, 1).unwrap();
    client.observe_again(at(20), obs, &dereg, true).unwrap();
    let cancel = drain(&mut client, 20).remove(0).1;
    // A notification that crosses the deregistration is delivered, and does not end it.
    let mut note = Builder::<2>::udp(Type::NonConfirmable, Code::CONTENT, 0);
    note.uint(OptionNumber::OBSERVE, 3).unwrap();
    note.payload(b"crossed");
    server.notify(at(20), 1, &token, &note, false).unwrap();
    let crossing = drain(&mut server, 20).remove(0).1;
    assert!(matches!(
        client.handle(at(20), 1, &crossing).unwrap(),
        Incoming::Response { id, message } if id == obs && message.payload() == b"crossed"
    ));
    assert_eq!(client.outstanding(), 1);
    let (rsp, t3) = answer(&mut server, &cancel, 20, None);
    assert_eq!(t3, token);
    assert!(
        matches!(client.handle(at(21), 1, &rsp).unwrap(), Incoming::Response { id, .. } if id == obs)
    );
    assert_eq!(client.outstanding(), 0);
    assert_eq!(
        client.observe_again(at(22), obs, &reg, true),
        Err(EndpointError::Exchange)
    );
}

/// The answer to a deregistration piggybacked in its ACK ends the observation even when the
/// server (against RFC 7641 §4.1) puts Observe in it: it answers the request by message id.
#[test]
fn a_piggybacked_answer_ends_a_deregistration() {
    let (mut client, mut server) = (Ep::new(51), Ep::new(52));
    let mut reg = get("temp");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap();
    let obs = client.request(at(0), 1, &reg, true).unwrap();
    let d = drain(&mut client, 0).remove(0).1;
    let Incoming::Request { exchange, .. } = server.handle(at(0), 0, &d).unwrap() else {
        panic!("a request")
    };
    let mut rsp = Builder::<1>::udp(Type::Acknowledgement, Code::CONTENT, 0);
    rsp.uint(OptionNumber::OBSERVE, 1).unwrap();
    server.respond(at(0), &exchange, &rsp).unwrap();
    let d = drain(&mut server, 0).remove(0).1;
    client.handle(at(1), 1, &d).unwrap();
    let mut dereg = get("temp");
    dereg.uint(OptionNumber::OBSERVE, 1).unwrap();
    client.observe_again(at(2), obs, &dereg, true).unwrap();
    let d = drain(&mut client, 2).remove(0).1;
    let Incoming::Request { exchange, .. } = server.handle(at(2), 0, &d).unwrap() else {
        panic!("a request")
    };
    let mut rsp = Builder::<1>::udp(Type::Acknowledgement, Code::CONTENT, 0);
    rsp.uint(OptionNumber::OBSERVE, 2).unwrap();
    server.respond(at(2), &exchange, &rsp).unwrap();
    let d = drain(&mut server, 2).remove(0).1;
    assert!(matches!(
        client.handle(at(3), 1, &d).unwrap(),
        Incoming::Response { id, .. } if id == obs
    ));
    assert_eq!(client.outstanding(), 0, "answered: nothing waits");
}

/// A re-registration answered in its ACK with the number of the last notification (libcoap
/// and Californium send the resource's current number): the observation goes on (RFC 7641
/// §3.3.1). It used to be taken for a stale notification, left waiting and dropped 247 s on.
#[test]
fn a_renewal_answered_with_the_same_number_keeps_the_observation() {
    let (mut client, mut server) = (Ep::new(61), Ep::new(62));
    let answer = |server: &mut Ep, d: &[u8], now: u64, seq: u32| {
        let Incoming::Request { exchange, message } = server.handle(at(now), 0, d).unwrap() else {
            panic!("a request")
        };
        let token = message.token().to_vec();
        let mut rsp = Builder::<2>::udp(Type::Acknowledgement, Code::CONTENT, 0);
        rsp.uint(OptionNumber::OBSERVE, seq).unwrap();
        rsp.payload(b"21.5");
        server.respond(at(now), &exchange, &rsp).unwrap();
        (drain(server, now).remove(0).1, token)
    };
    let mut reg = get("temp");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap();
    let obs = client.request(at(0), 1, &reg, true).unwrap();
    let (rsp, token) = answer(&mut server, &drain(&mut client, 0).remove(0).1, 0, 5);
    assert!(
        matches!(client.handle(at(1), 1, &rsp).unwrap(), Incoming::Response { id, .. } if id == obs)
    );
    client.observe_again(at(60_000), obs, &reg, true).unwrap();
    let renewal = drain(&mut client, 60_000).remove(0).1;
    let (rsp, _) = answer(&mut server, &renewal, 60_000, 5);
    // Nothing new for the application, and the renewal is not sent again.
    assert!(matches!(
        client.handle(at(60_001), 1, &rsp).unwrap(),
        Incoming::Nothing
    ));
    assert!(drain(&mut client, 65_000).is_empty());
    // Long past the renewal's lifetime: still observed, and the next change is delivered.
    assert!(drain(&mut client, 400_000).is_empty());
    let mut events = Vec::new();
    while let Some(e) = client.poll_event() {
        events.push(e);
    }
    assert!(!events.contains(&Event::Timeout(obs)), "{events:?}");
    let mut note = Builder::<2>::udp(Type::NonConfirmable, Code::CONTENT, 0);
    note.uint(OptionNumber::OBSERVE, 6).unwrap();
    note.payload(b"22.0");
    server.notify(at(400_000), 1, &token, &note, false).unwrap();
    let d = drain(&mut server, 400_000).remove(0).1;
    assert!(matches!(
        client.handle(at(400_001), 1, &d).unwrap(),
        Incoming::Response { id, message } if id == obs && message.payload() == b"22.0"
    ));
    // Renewed again, answered separately (an Empty ACK, then a Confirmable 2.05) with that
    // same number: still the same observation, long after.
    client.observe_again(at(500_000), obs, &reg, true).unwrap();
    let renewal = drain(&mut client, 500_000).remove(0).1;
    let Incoming::Request { exchange, .. } = server.handle(at(500_000), 0, &renewal).unwrap()
    else {
        panic!("a request")
    };
    server.accept(at(500_000), &exchange);
    let ack = drain(&mut server, 500_000).remove(0).1;
    client.handle(at(500_001), 1, &ack).unwrap();
    let mut rsp = Builder::<2>::udp(Type::Confirmable, Code::CONTENT, 0);
    rsp.uint(OptionNumber::OBSERVE, 6).unwrap();
    rsp.payload(b"22.0");
    server.respond(at(500_002), &exchange, &rsp).unwrap();
    let separate = drain(&mut server, 500_002).remove(0).1;
    assert!(matches!(
        client.handle(at(500_003), 1, &separate).unwrap(),
        Incoming::Nothing
    ));
    drain(&mut client, 500_003);
    assert!(drain(&mut client, 900_000).is_empty());
    let mut events = Vec::new();
    while let Some(e) = client.poll_event() {
        events.push(e);
    }
    assert!(!events.contains(&Event::Timeout(obs)), "{events:?}");
}

/// A notification in a message of its own may have left before the server saw a
/// re-registration under the same token: it does not show that the renewal arrived. A renewal
/// that was lost is sent again (RFC 7252 §4.2) whether the notification that crossed it is
/// newer or older than the last; it used to be dropped, never retransmitted.
#[test]
fn a_notification_that_crosses_a_renewal_does_not_stop_its_retransmission() {
    for crossing_seq in [6u32, 4] {
        let (mut client, mut server) = (Ep::new(71), Ep::new(72));
        let mut reg = get("temp");
        reg.uint(OptionNumber::OBSERVE, 0).unwrap();
        let obs = client.request(at(0), 1, &reg, true).unwrap();
        let d = drain(&mut client, 0).remove(0).1;
        let Incoming::Request { exchange, message } = server.handle(at(0), 0, &d).unwrap() else {
            panic!("a request")
        };
        let token = message.token().to_vec();
        let mut rsp = Builder::<2>::udp(Type::Acknowledgement, Code::CONTENT, 0);
        rsp.uint(OptionNumber::OBSERVE, 5).unwrap();
        server.respond(at(0), &exchange, &rsp).unwrap();
        let d = drain(&mut server, 0).remove(0).1;
        client.handle(at(1), 1, &d).unwrap();
        // The renewal leaves and is lost.
        client.observe_again(at(60_000), obs, &reg, true).unwrap();
        let lost = drain(&mut client, 60_000);
        assert_eq!(lost.len(), 1);
        let mut note = Builder::<2>::udp(Type::NonConfirmable, Code::CONTENT, 0);
        note.uint(OptionNumber::OBSERVE, crossing_seq).unwrap();
        server.notify(at(60_010), 1, &token, &note, false).unwrap();
        let d = drain(&mut server, 60_010).remove(0).1;
        client.handle(at(60_020), 1, &d).unwrap();
        // ACK_TIMEOUT (2 s) times at most ACK_RANDOM_FACTOR (1.5) later: sent again.
        let again = drain(&mut client, 63_100);
        assert_eq!(
            again.len(),
            1,
            "Observe {crossing_seq}: the renewal is sent again"
        );
        assert_eq!(again[0].1, lost[0].1);
        // Its piggybacked answer stops it.
        let Incoming::Request { exchange, .. } = server.handle(at(63_100), 0, &again[0].1).unwrap()
        else {
            panic!("a request")
        };
        let mut rsp = Builder::<2>::udp(Type::Acknowledgement, Code::CONTENT, 0);
        rsp.uint(OptionNumber::OBSERVE, 7).unwrap();
        server.respond(at(63_100), &exchange, &rsp).unwrap();
        let d = drain(&mut server, 63_100).remove(0).1;
        assert!(matches!(
            client.handle(at(63_101), 1, &d).unwrap(),
            Incoming::Response { id, .. } if id == obs
        ));
        assert!(drain(&mut client, 200_000).is_empty());
    }
}
