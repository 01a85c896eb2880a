//! The UDP endpoint on a fake clock and a scripted network: retransmission timing and give-up,
//! duplicates answered from the cache, a lost ACK then a separate response, piggybacked and
//! separate responses, Observe reordering, pings, Resets, and a property under random loss,
//! duplication and reordering.
#![allow(clippy::unwrap_used)]

use m2m_coap::endpoint::{Endpoint, Event, Incoming, Params};
use m2m_coap::{Builder, Code, Message, OptionNumber, Type};
use m2m_core::Timestamp;
use proptest::prelude::*;

type Ep = Endpoint<u8, 8, 512>;

fn at(ms: u64) -> Timestamp {
    Timestamp::from_millis(ms)
}

/// Everything `e` wants to send now.
fn drain(e: &mut Ep, now: u64) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    while let Some((peer, n)) = e.poll_transmit(at(now), &mut buf) {
        out.push((peer, buf[..n].to_vec()));
    }
    out
}

fn get(path: &'static str) -> Builder<'static, 4> {
    let mut b = Builder::<4>::udp(Type::Confirmable, Code::GET, 0);
    b.path(path).unwrap();
    b
}

fn ty(d: &[u8]) -> Type {
    Message::parse_udp(d).unwrap().ty().unwrap()
}

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

/// A network between a client (address 0) and a server (address 1) that loses, duplicates
/// and reorders datagrams as `faults` says.
fn run(faults: &[u8], requests: usize, non: u16) -> (Vec<u32>, Vec<u32>, Vec<usize>) {
    let (mut client, mut server) = (Ep::new(21), Ep::new(22));
    let mut ids = Vec::new();
    // Requests go out as slots allow (at most N at once); bit i of `non` makes request i
    // Non-confirmable.
    let mut queued = 0usize;
    let mut handled: std::collections::HashMap<Vec<u8>, usize> = Default::default();
    let mut answered = Vec::new();
    let mut timed_out = Vec::new();
    // (destination, datagram, may be duplicated): a copy is not copied again.
    let mut net: Vec<(u8, Vec<u8>, bool)> = Vec::new();
    let mut f = faults.iter().copied().cycle();
    let mut now = 0u64;
    for _ in 0..20_000 {
        while queued < requests {
            let confirmable = non >> (queued % 16) & 1 == 0;
            match client.request(at(now), 1, &get("r"), confirmable) {
                Ok(id) => {
                    ids.push(id.0);
                    queued += 1;
                }
                Err(_) => break,
            }
        }
        for (_, d) in drain(&mut client, now) {
            net.push((1, d, true));
        }
        for (_, d) in drain(&mut server, now) {
            net.push((0, d, true));
        }
        while let Some(e) = client.poll_event() {
            if let Event::Timeout(id) = e {
                timed_out.push(id.0);
            }
        }
        if net.is_empty() {
            match client
                .poll_timeout()
                .into_iter()
                .chain(server.poll_timeout())
                .min()
            {
                Some(t) if answered.len() + timed_out.len() < requests || queued < requests => {
                    now = now.max(t.as_millis());
                    continue;
                }
                // Nothing pending, but requests still to send (NSTART held them back).
                None if queued < requests => {
                    now += 1;
                    continue;
                }
                _ => break,
            }
        }
        // Deliver one datagram, chosen and mangled by the script.
        let fault = f.next().unwrap_or(0);
        let i = usize::from(fault >> 2) % net.len();
        let (to, d, dup) = net.remove(i);
        now += 1;
        match fault & 3 {
            0 => continue,                                // lost
            1 if dup => net.push((to, d.clone(), false)), // duplicated (and reordered)
            _ => {}
        }
        if to == 1 {
            if let Ok(Incoming::Request { exchange, .. }) = server.handle(at(now), 0, &d) {
                *handled.entry(exchange.token().to_vec()).or_default() += 1;
                let mut rsp = Builder::<0>::udp(Type::Acknowledgement, Code::CONTENT, 0);
                rsp.payload(b"ok");
                server.respond(at(now), &exchange, &rsp).unwrap();
            }
        } else if let Ok(Incoming::Response { id, .. }) = client.handle(at(now), 1, &d) {
            answered.push(id.0);
        }
    }
    // Whatever is still open ends by its lifetime.
    now += 400_000;
    drain(&mut client, now);
    while let Some(e) = client.poll_event() {
        if let Event::Timeout(id) = e {
            timed_out.push(id.0);
        }
    }
    (answered, timed_out, handled.into_values().collect())
}

proptest! {
    /// Under loss, duplication and reordering, every request gets its response exactly once or
    /// times out, never both.
    #[test]
    fn every_request_answered_once_or_timed_out(
        faults in proptest::collection::vec(any::<u8>(), 1..64),
        requests in 1usize..=20,
        non in any::<u16>(),
    ) {
        let (answered, timed_out, handled) = run(&faults, requests, non);
        // While the server's memory of message ids holds every exchange (at most N = 8 of
        // them), no request is handled twice, however often it is retransmitted or duplicated.
        if requests <= 8 {
            prop_assert!(handled.iter().all(|&n| n == 1), "handled {:?}", handled);
        }
        let mut all = answered.clone();
        all.extend(&timed_out);
        all.sort_unstable();
        let want: Vec<u32> = (0..u32::try_from(requests).unwrap()).collect();
        prop_assert_eq!(all, want, "answered {:?} timed out {:?}", answered, timed_out);
    }
}

/// A Block2 download of 3000 bytes through the endpoints, where the response to one block is
/// lost: the client's retransmission gets it from the server's cache, and the body arrives whole.
#[test]
fn block_transfer_with_a_lost_block() {
    use m2m_coap::Block;
    use m2m_coap::block::{Assembler, Progress, slice};
    let body: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    let (mut client, mut server) = (Ep::new(31), Ep::new(32));
    let mut buf = vec![0u8; 4096];
    let mut asm = Assembler::new(&mut buf);
    let mut next: Option<Block> = None;
    let mut now = 0u64;
    let mut lost_one = false;
    loop {
        let mut req = get("large");
        if let Some(b) = next {
            req.uint(OptionNumber::BLOCK2, b.to_uint()).unwrap();
        }
        let id = client.request(at(now), 1, &req, true).unwrap();
        let sent = drain(&mut client, now).remove(0).1;
        let Incoming::Request { message, exchange } = server.handle(at(now), 0, &sent).unwrap()
        else {
            panic!()
        };
        let (b2, chunk) = slice(&body, message.block2().and_then(Result::ok), 4).unwrap();
        let mut rsp = Builder::<4>::udp(Type::Acknowledgement, Code::CONTENT, 0);
        rsp.uint(OptionNumber::BLOCK2, b2.to_uint()).unwrap();
        rsp.payload(chunk);
        server.respond(at(now), &exchange, &rsp).unwrap();
        let mut reply = drain(&mut server, now).remove(0).1;
        if b2.num == 3 && !lost_one {
            // This block's response is lost: the client retransmits after its timeout and the
            // server answers the duplicate from its cache.
            lost_one = true;
            now += 3000;
            let again = drain(&mut client, now);
            assert_eq!(again.len(), 1, "one retransmission");
            assert_eq!(
                server.handle(at(now), 0, &again[0].1).unwrap(),
                Incoming::Nothing
            );
            reply = drain(&mut server, now).remove(0).1;
        }
        let Incoming::Response { id: got, message } = client.handle(at(now), 1, &reply).unwrap()
        else {
            panic!()
        };
        assert_eq!(got, id);
        let b = message.block2().unwrap().unwrap();
        match asm.push(b, message.payload(), None).unwrap() {
            Progress::More(n) => next = Some(n),
            Progress::Done(n) => {
                assert_eq!(n, 3000);
                break;
            }
            Progress::Repeat => panic!("no repeat expected"),
        }
        now += 10;
    }
    assert!(lost_one);
    assert_eq!(asm.body(), &body[..]);
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
