//! Registration: Register, Update (with and without links), retries, expiry, and what a server refuses.

use crate::world::*;
use m2m_lwm2m::server::RegId;

#[test]
fn registration_expires_and_a_lost_client_registers_again() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    // The server forgets the client once its lifetime has passed.
    assert_eq!(
        w.server.poll_timeout(),
        Some(at(60)).min(w.server.poll_timeout())
    );
    w.server.handle_timeout(at(61));
    assert!(matches!(
        w.server.poll_event(),
        Some(ServerEvent::Expired { .. })
    ));
    assert!(w.server.find("pump-1").is_none());
    // The client's Update gets 4.04 and it registers again.
    w.client.update(at(62)).unwrap();
    w.pump(at(62));
    w.client.handle_timeout(at(62), &w.pump).unwrap();
    w.pump(at(62));
    assert!(w.server.find("pump-1").is_some(), "{:?}", w.events);
    assert_eq!(
        w.events
            .iter()
            .filter(|e| e.starts_with("registered"))
            .count(),
        2
    );
}

/// A lifetime of 0 is infinite: the client sends no Update of its own, and the server keeps
/// the registration.
#[test]
fn a_lifetime_of_zero_needs_no_update() {
    let mut w = World::new();
    let settings = Settings {
        lifetime: 0,
        ..Settings::new("pump-1")
    };
    w.client = Client::new(SERVER, settings, 9);
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    assert!(w.server.find("pump-1").is_some());
    for s in [1, 30, 3600, 1_000_000] {
        w.client.handle_timeout(at(s), &w.pump).unwrap();
        w.server.handle_timeout(at(s));
        w.pump(at(s));
    }
    assert!(w.server.find("pump-1").is_some());
    assert!(
        !w.events.iter().any(|e| e.starts_with("updated")),
        "{:?}",
        w.events
    );
}

#[test]
fn server_refuses_what_it_cannot_take() {
    let mut server: Server<u8, 1> = Server::new(1);
    let mut poster = Poster { mid: 0x1234 };
    let mut send = |server: &mut Server<u8, 1>, path: &[&str], query: &[&str], payload: &[u8]| {
        poster.post(server, at(0), path, query, payload)
    };
    // Bad link format, missing ep, an unknown registration, a full store.
    assert_eq!(
        send(&mut server, &["rd"], &["ep=a"], b"</3/0").0,
        Code::BAD_REQUEST
    );
    assert_eq!(
        send(&mut server, &["rd"], &["lt=5"], b"</3/0>").0,
        Code::BAD_REQUEST
    );
    assert_eq!(
        send(&mut server, &["rd", "99"], &[], b"").0,
        Code::NOT_FOUND
    );
    assert_eq!(
        send(&mut server, &["rd"], &["ep=a"], b"</3/0>").0,
        Code::CREATED
    );
    assert_eq!(
        send(&mut server, &["rd"], &["ep=b"], b"</3/0>").0,
        Code::SERVICE_UNAVAILABLE
    );
    // The same endpoint again replaces its registration.
    assert_eq!(
        send(&mut server, &["rd"], &["ep=a"], b"</3/0>").0,
        Code::CREATED
    );
    assert_eq!(server.registrations().count(), 1);
    // An Update that gives the binding again says whether the client is in queue mode.
    let reg = server.find("a").unwrap();
    assert!(!reg.queue);
    let location = reg.id.0.to_string();
    assert_eq!(
        send(&mut server, &["rd", &location], &["b=UQ"], b"").0,
        Code::CHANGED
    );
    assert!(server.find("a").unwrap().queue);
    // Malformed requests to the server's other interfaces are bad requests, not unknown
    // paths: a Bootstrap-Request without ep, a Send without Content-Format.
    assert_eq!(send(&mut server, &["bs"], &[], b"").0, Code::BAD_REQUEST);
    assert_eq!(send(&mut server, &["dp"], &[], b"x").0, Code::BAD_REQUEST);
    assert_eq!(send(&mut server, &["xx"], &[], b"").0, Code::NOT_FOUND);
}

/// What a Register's parameters mean to the server: the enabler version it speaks, a lifetime
/// of 0 (infinite), and queue mode through Updates (a 1.0 binding's `Q`; from 1.1 the
/// Register's `Q`, which an Update with a new binding leaves alone).
#[test]
fn server_reads_version_lifetime_and_queue_mode() {
    let mut server: Server<u8, 4> = Server::new(1);
    let mut poster = Poster { mid: 0x1234 };
    let mut send = |server: &mut Server<u8, 4>, now: u64, path: &[&str], query: &[&str]| {
        poster.post(server, at(now), path, query, b"</3/0>").0
    };
    // Versions past 1.2 (or not 1.x) are refused with 4.12.
    for v in ["lwm2m=2.0", "lwm2m=1.3", "lwm2m=0.9"] {
        assert_eq!(
            send(&mut server, 0, &["rd"], &["ep=v", v]),
            Code::PRECONDITION_FAILED,
            "{v}"
        );
    }
    assert!(server.find("v").is_none());
    assert_eq!(
        send(&mut server, 0, &["rd"], &["ep=v", "lwm2m=1.2"]),
        Code::CREATED
    );
    // A lifetime of 0 never runs out; the others still do.
    assert_eq!(
        send(&mut server, 0, &["rd"], &["ep=z", "lt=0", "lwm2m=1.2"]),
        Code::CREATED
    );
    assert_eq!(server.find("z").unwrap().expires, None);
    server.handle_timeout(at(1_000_000));
    assert!(server.find("z").is_some());
    assert!(server.find("v").is_none(), "86400 s passed");
    let z = server.find("z").unwrap().id.0.to_string();
    assert_eq!(
        send(&mut server, 1_000_001, &["rd", &z], &[]),
        Code::CHANGED
    );
    assert_eq!(server.find("z").unwrap().expires, None);
    server.handle_timeout(at(100_000_000));
    assert!(server.find("z").is_some());
    // Queue mode: 1.1 says it in the Register; an Update's binding does not undo it.
    assert_eq!(
        send(&mut server, 0, &["rd"], &["ep=q", "lwm2m=1.1", "b=U", "Q"]),
        Code::CREATED
    );
    assert!(server.find("q").unwrap().queue);
    let q = server.find("q").unwrap().id.0.to_string();
    assert_eq!(send(&mut server, 1, &["rd", &q], &["b=T"]), Code::CHANGED);
    assert!(server.find("q").unwrap().queue);
    // 1.0 says it in the binding, each time it is given.
    assert_eq!(
        send(&mut server, 0, &["rd"], &["ep=o", "b=UQ"]),
        Code::CREATED
    );
    assert!(server.find("o").unwrap().queue);
    let o = server.find("o").unwrap().id.0.to_string();
    assert_eq!(send(&mut server, 1, &["rd", &o], &["b=U"]), Code::CHANGED);
    assert!(!server.find("o").unwrap().queue);
}

#[test]
fn register_is_retried_as_the_spec_says_then_given_up() {
    use m2m_coap::{Builder, Message, Type};
    use m2m_lwm2m::client::{ClientEvent, Retry};
    let mut w = World::new();
    let mut buf = [0u8; 1152];
    // A server that answers every Register with 5.03 Service Unavailable (a server error, not
    // a rejection: retried whatever the accounts say): the attempts and their times.
    let mut attempts = Vec::new();
    let mut events = Vec::new();
    let mut refuse = |w: &mut World, now: u64, attempts: &mut Vec<u64>| {
        while let Some((_, n)) = w.client.poll_transmit(at(now), &mut buf) {
            let m = Message::parse_udp(&buf[..n]).unwrap();
            assert_eq!(m.code(), Code::POST);
            attempts.push(now);
            let mut b = Builder::<1>::udp(
                Type::Acknowledgement,
                Code::SERVICE_UNAVAILABLE,
                m.message_id().unwrap(),
            );
            b.token(m.token());
            let mut out = [0u8; 64];
            let k = b.encode(&mut out).unwrap();
            w.client
                .handle(at(now), SERVER, &out[..k], &mut w.pump)
                .unwrap();
        }
    };
    assert_eq!(w.client.poll_timeout(at(0)), None);
    w.client.register(at(0), &w.pump).unwrap();
    let mut now = 0;
    loop {
        refuse(&mut w, now, &mut attempts);
        while let Some(e) = w.client.poll_event() {
            events.push(e);
        }
        let Some(next) = w.client.poll_timeout(at(now)) else {
            break;
        };
        now = next.as_millis() / 1000;
        assert!(now < 100_000, "still trying at {now} s");
        w.client.handle_timeout(at(now), &w.pump).unwrap();
    }
    // Five attempts, 60, 120, 240 and 480 s apart; then no more.
    assert_eq!(attempts, [0, 60, 180, 420, 900]);
    // The last failure abandons Register; the pump's Server instance does not say false to
    // Bootstrap on Registration Failure (/1/0/16) and its bootstrap account has no Client
    // Hold Off Time: time to bootstrap, at once.
    assert_eq!(
        events[events.len() - 2..],
        [
            ClientEvent::RegistrationAbandoned,
            ClientEvent::BootstrapDue
        ]
    );
    let failed = events
        .iter()
        .filter(|e| **e == ClientEvent::RegistrationFailed(Some(Code::SERVICE_UNAVAILABLE)))
        .count();
    assert_eq!(failed, 4, "the fifth failure is told as the abandon");
    // Registering again starts a new count: the next attempt 60 s after the first.
    assert_eq!(Retry::SPEC.wait(1), Some(60));
    attempts.clear();
    let start = now;
    w.client.register(at(start), &w.pump).unwrap();
    refuse(&mut w, start, &mut attempts);
    let next = w.client.poll_timeout(at(start)).unwrap();
    assert_eq!(next.as_millis() / 1000, start + 60);
    assert_eq!(attempts, [start]);
}

#[test]
fn an_update_carries_the_links_when_the_objects_changed() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    // The application removes a sensor by itself, and tells the server.
    w.pump.deleted.push("/3303/1".into());
    w.client.update_objects(at(1), &w.pump).unwrap();
    w.pump(at(1));
    assert!(
        w.events.contains(&"updated links=4".to_string()),
        "{:?}",
        w.events
    );
    assert!(w.events.contains(&"client Updated".to_string()));
    // A plain Update carries none.
    w.client.update(at(2)).unwrap();
    w.pump(at(2));
    assert_eq!(w.events.last().map(String::as_str), Some("client Updated"));
    assert!(w.events.contains(&"updated".to_string()), "{:?}", w.events);
    // A server's Delete of an instance: the next Update, due at once, carries the links.
    w.events.clear();
    assert_ne!(w.client.poll_timeout(at(3)), Some(at(3)));
    let (code, ..) = w.ask(
        at(3),
        ClientRequest::Delete {
            path: Path::instance(1, 0),
        },
    );
    assert_eq!(code, Code::DELETED);
    assert_eq!(w.client.poll_timeout(at(3)), Some(at(3)));
    w.client.handle_timeout(at(3), &w.pump).unwrap();
    w.pump(at(3));
    assert!(
        w.events.contains(&"updated links=3".to_string()),
        "{:?}",
        w.events
    );
    assert_ne!(w.client.poll_timeout(at(3)), Some(at(3)));
}

#[test]
fn a_restarted_server_gives_out_other_locations_and_a_replaced_registration_is_named() {
    let mut poster = Poster { mid: 1 };
    let mut server: Server<u8, 4> = Server::new(1);
    let (_, first) = poster.post(&mut server, at(0), &["rd"], &["ep=a"], b"</3/0>");
    assert!(first.unwrap().contains("replaced: None"));
    let old = server.find("a").unwrap().id;
    // The same endpoint again (a client that restarted): the new registration names the one
    // it replaces, whose location is gone.
    let (_, again) = poster.post(&mut server, at(1), &["rd"], &["ep=a"], b"</3/0>");
    let new = server.find("a").unwrap().id;
    assert_ne!(old, new);
    assert!(
        again
            .as_deref()
            .unwrap()
            .contains(&format!("replaced: Some({old:?})")),
        "{again:?}"
    );
    let update = |server: &mut Server<u8, 4>, poster: &mut Poster, id: RegId| {
        poster
            .post(server, at(2), &["rd", &id.0.to_string()], &[], b"")
            .0
    };
    assert_eq!(update(&mut server, &mut poster, old), Code::NOT_FOUND);
    assert_eq!(update(&mut server, &mut poster, new), Code::CHANGED);
    // The server restarts and another client registers: the location `a` kept names no
    // registration of it (numbered from 1 each start, it would name `b`'s).
    let mut restarted: Server<u8, 4> = Server::new(2);
    let mut b = Poster { mid: 100 };
    b.post(&mut restarted, at(3), &["rd"], &["ep=b"], b"</3/0>");
    assert_eq!(update(&mut restarted, &mut poster, old), Code::NOT_FOUND);
    assert_eq!(update(&mut restarted, &mut poster, new), Code::NOT_FOUND);
}

#[test]
fn a_send_is_read_before_it_is_acknowledged_and_goes_to_the_latest_registration() {
    use m2m_coap::OptionNumber;
    let mut server: Server<u8, 4> = Server::new(1);
    let mut poster = Poster { mid: 1 };
    let senml = br#"[{"n":"/3/0/0","vs":"m2m"}]"#;
    let mut send = |server: &mut Server<u8, 4>, format: ContentFormat, payload: &[u8]| {
        let cf = [(OptionNumber::CONTENT_FORMAT, u32::from(format.0))];
        poster
            .post_with(server, at(5), &["dp"], &[], &cf, payload)
            .0
    };
    // From a client that is not registered: 4.00, as Leshan and Wakaama answer.
    assert_eq!(
        send(&mut server, ContentFormat::SENML_JSON, senml).0,
        Code::BAD_REQUEST
    );
    let mut other = Poster { mid: 100 };
    other.post(
        &mut server,
        at(0),
        &["rd"],
        &["ep=a", "lwm2m=1.1"],
        b"</3/0>",
    );
    other.post(
        &mut server,
        at(1),
        &["rd"],
        &["ep=b", "lwm2m=1.1"],
        b"</3/0>",
    );
    let (a, b) = (server.find("a").unwrap().id, server.find("b").unwrap().id);
    // Another format than SenML or LwM2M CBOR, records that do not read: 4.00.
    assert_eq!(
        send(&mut server, ContentFormat::TEXT_PLAIN, b"42").0,
        Code::BAD_REQUEST
    );
    assert_eq!(
        send(
            &mut server,
            ContentFormat::SENML_JSON,
            br#"[{"n":"/3/0/0","vs":}]"#
        )
        .0,
        Code::BAD_REQUEST
    );
    // Both registered from the same address (Poster's): the Send is the latest one's.
    let (code, event) = send(&mut server, ContentFormat::SENML_JSON, senml);
    assert_eq!(code, Code::CHANGED);
    assert!(event.unwrap().starts_with(&format!("Send {{ id: {b:?}")));
    other.post(&mut server, at(2), &["rd", &a.0.to_string()], &[], b"");
    let (_, event) = send(&mut server, ContentFormat::SENML_JSON, senml);
    assert!(event.unwrap().starts_with(&format!("Send {{ id: {a:?}")));
}

#[test]
fn a_body_in_blocks_is_refused_with_the_size_the_server_takes() {
    use m2m_coap::OptionNumber;
    let mut server: Server<u8, 4> = Server::new(1);
    let mut poster = Poster { mid: 1 };
    // Block1 0, more to come, 64-byte blocks: 4.13 with Size1 1152.
    let block =
        |num: u32, more: bool| [(OptionNumber::BLOCK1, num << 4 | u32::from(more) << 3 | 2)];
    let ((code, _), answer) = poster.post_with(
        &mut server,
        at(0),
        &["rd"],
        &["ep=a"],
        &block(0, true),
        &[b'<'; 64],
    );
    assert_eq!(code, Code::REQUEST_ENTITY_TOO_LARGE);
    let answer = m2m_coap::Message::parse_udp(&answer).unwrap();
    assert_eq!(answer.size1(), Some(1152));
    // The last block of a transfer alone is no body either.
    let ((code, _), _) = poster.post_with(
        &mut server,
        at(0),
        &["rd"],
        &["ep=a"],
        &block(1, false),
        b"</3/0>",
    );
    assert_eq!(code, Code::REQUEST_ENTITY_TOO_LARGE);
    assert_eq!(server.registrations().count(), 0);
    // A body in one block is a body.
    let ((code, _), _) = poster.post_with(
        &mut server,
        at(0),
        &["rd"],
        &["ep=a"],
        &block(0, false),
        b"</3/0>",
    );
    assert_eq!(code, Code::CREATED);
}

/// POSTs one block of a Register (`/rd?ep=big`) from `peer` to `server`, which puts bodies in
/// blocks together in `upload`: the answer, and the event as text.
#[allow(clippy::too_many_arguments)]
fn register_block(
    server: &mut Server<u8, 4>,
    upload: &mut m2m_lwm2m::upload::Upload<u8, 1024>,
    peer: u8,
    mid: u16,
    now: Timestamp,
    block: Block,
    size1: Option<u32>,
    payload: &[u8],
) -> (Vec<u8>, Option<String>) {
    use m2m_coap::{Builder, OptionNumber, Type};
    let token = [7, u8::try_from(mid & 0xff).unwrap()];
    let mut b = Builder::<8>::udp(Type::Confirmable, Code::POST, mid);
    b.token(&token);
    b.str(OptionNumber::URI_PATH, "rd").unwrap();
    b.str(OptionNumber::URI_QUERY, "ep=big").unwrap();
    b.uint(OptionNumber::BLOCK1, block.to_uint()).unwrap();
    if let Some(s) = size1 {
        b.uint(OptionNumber::SIZE1, s).unwrap();
    }
    b.payload(payload);
    let mut buf = [0u8; 256];
    let n = b.encode(&mut buf).unwrap();
    let datagram = buf[..n].to_vec();
    let event = server
        .handle_with(now, peer, &datagram, upload)
        .unwrap()
        .map(|e| format!("{e:?}"));
    let (to, m) = server.poll_transmit(now, &mut buf).unwrap();
    assert_eq!(to, peer);
    (buf[..m].to_vec(), event)
}

#[test]
fn a_register_in_blocks_is_put_together() {
    let links: String = (0..40)
        .map(|i| format!("</3303/{i}>"))
        .collect::<Vec<_>>()
        .join(",");
    assert!(links.len() > 400);
    let mut server: Server<u8, 4> = Server::new(1);
    let mut upload = m2m_lwm2m::upload::Upload::<u8, 1024>::new();
    let chunks: Vec<&[u8]> = links.as_bytes().chunks(64).collect();
    let mut last = None;
    for (i, chunk) in chunks.iter().enumerate() {
        let num = u32::try_from(i).unwrap();
        let more = i + 1 < chunks.len();
        let block = Block { num, more, szx: 2 };
        let (answer, event) = register_block(
            &mut server,
            &mut upload,
            5,
            100 + u16::try_from(i).unwrap(),
            at(0),
            block,
            (i == 0).then(|| u32::try_from(links.len()).unwrap()),
            chunk,
        );
        let answer = m2m_coap::Message::parse_udp(&answer).unwrap();
        let echoed = answer.block1().unwrap().unwrap();
        assert_eq!((echoed.num, echoed.szx), (num, 2));
        if more {
            // 2.31 Continue, Block1 with M set (RFC 7959 §2.3); no event yet.
            assert_eq!(answer.code(), Code::CONTINUE);
            assert!(echoed.more);
            assert_eq!(event, None);
        } else {
            assert_eq!(answer.code(), Code::CREATED);
            assert!(!echoed.more);
            last = event;
        }
    }
    let event = last.unwrap();
    assert!(event.starts_with("Registered"), "{event}");
    assert!(event.contains(&format!("links: {links:?}")), "{event}");
    let reg = server.find("big").unwrap();
    assert_eq!(reg.peer, 5);
}

/// A server that puts bodies in blocks together, and the Register blocks posted to it.
struct Uploads {
    server: Server<u8, 4>,
    upload: m2m_lwm2m::upload::Upload<u8, 1024>,
    mid: u16,
}

impl Uploads {
    /// Posts block `num` (64 bytes of `payload` at most) from `peer` at second `t`: the
    /// answer's code and Size1, and whether the server refused it in an event.
    fn post(
        &mut self,
        peer: u8,
        t: u64,
        (num, more): (u32, bool),
        size1: Option<u32>,
        payload: &[u8],
    ) -> (Code, Option<u32>) {
        self.mid += 1;
        let block = Block { num, more, szx: 2 };
        let (a, _) = register_block(
            &mut self.server,
            &mut self.upload,
            peer,
            self.mid,
            at(t),
            block,
            size1,
            payload,
        );
        let m = m2m_coap::Message::parse_udp(&a).unwrap();
        if m.code() == Code::SERVICE_UNAVAILABLE {
            // With the time to wait (RFC 7252 §5.9.3.4).
            let max_age = m.options().with(m2m_coap::OptionNumber::MAX_AGE).next();
            assert_eq!(max_age, Some(&[30u8][..]));
        }
        (m.code(), m.size1())
    }
}

#[test]
fn blocks_out_of_order_too_large_or_interleaved_are_refused() {
    let mut u = Uploads {
        server: Server::new(1),
        upload: m2m_lwm2m::upload::Upload::new(),
        mid: 0,
    };
    let full = [b'<'; 64];
    let code = |r: (Code, Option<u32>)| r.0;
    assert_eq!(code(u.post(5, 0, (0, true), None, &full)), Code::CONTINUE);
    // Block 2 before block 1: 4.08, and the transfer is over.
    let late = Code::REQUEST_ENTITY_INCOMPLETE;
    assert_eq!(code(u.post(5, 0, (2, true), None, &full)), late);
    assert_eq!(code(u.post(5, 0, (1, false), None, b"</1/0>")), late);
    // A body announced larger than the room: 4.13 with Size1 the room.
    let big = u.post(5, 0, (0, true), Some(2000), &full);
    assert_eq!(big, (Code::REQUEST_ENTITY_TOO_LARGE, Some(1024)));
    // One transfer at a time: another client's first block waits while this one goes on
    // (5.03 with Max-Age), and takes the room once this one has been idle too long.
    let busy = Code::SERVICE_UNAVAILABLE;
    assert_eq!(code(u.post(5, 10, (0, true), None, &full)), Code::CONTINUE);
    assert_eq!(code(u.post(6, 20, (0, true), None, &full)), busy);
    assert_eq!(code(u.post(6, 40, (0, true), None, &full)), Code::CONTINUE);
    // The first client's next block waits while the other transfer goes on, and finds its
    // own gone after.
    assert_eq!(code(u.post(5, 41, (1, false), None, b"/1/0>")), busy);
    assert_eq!(code(u.post(5, 80, (1, false), None, b"/1/0>")), late);
    // A transfer that never idles keeps the room for two minutes at most.
    for (k, t) in [200u64, 220, 240, 260, 280, 300].into_iter().enumerate() {
        let num = u32::try_from(k).unwrap();
        assert_eq!(code(u.post(7, t, (num, true), None, &full)), Code::CONTINUE);
    }
    assert_eq!(code(u.post(8, 310, (0, true), None, &full)), busy);
    assert_eq!(code(u.post(8, 321, (0, true), None, &full)), Code::CONTINUE);
    assert_eq!(u.server.registrations().count(), 0);
}

#[test]
fn a_client_in_queue_mode_is_sent_requests_only_while_awake() {
    use m2m_lwm2m::server::{AWAKE_TIME, SessionError};
    for version in [Some(Version::V1_1), None] {
        let mut w = World::new();
        let settings = Settings {
            lifetime: 600,
            version,
            queue: Some(AWAKE_TIME),
            ..Settings::new("pump-1")
        };
        w.client = Client::new(SERVER, settings, 9);
        w.client.register(at(0), &w.pump).unwrap();
        w.pump(at(0));
        // `Q` for 1.1, the binding `UQ` for 1.0: in queue mode either way.
        let reg = *w.server.find("pump-1").unwrap();
        assert!(reg.queue, "{version:?}");
        assert_eq!(w.client.awake_until(), Some(at(93)));
        let read = ClientRequest::Read {
            path: Path::resource(3, 0, 0),
            accept: None,
        };
        // Awake for 93 s after its last datagram: then the server holds its requests.
        assert!(w.server.is_awake(reg.id, at(92)));
        assert!(w.server.send(at(50), reg.id, &read).is_ok());
        w.pump(at(50));
        assert_eq!(w.responses.pop().unwrap().2, b"m2m");
        assert!(!w.server.is_awake(reg.id, at(200)));
        assert!(matches!(
            w.server.send(at(200), reg.id, &read),
            Err(SessionError::Asleep)
        ));
        while w.server.poll_event().is_some() {}
        // An Update wakes it: announced, and the request may go.
        w.client.update(at(300)).unwrap();
        w.pump(at(300));
        assert!(matches!(
            w.server.poll_event(),
            Some(ServerEvent::Awake { id }) if id == reg.id
        ));
        assert_eq!(w.client.awake_until(), Some(at(393)));
        assert!(w.server.send(at(301), reg.id, &read).is_ok());
        w.pump(at(301));
        assert_eq!(w.responses.pop().unwrap().2, b"m2m");
    }
    // Out of queue mode, always awake.
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let id = w.server.find("pump-1").unwrap().id;
    assert!(w.server.is_awake(id, at(10_000)));
    assert_eq!(w.client.awake_until(), None);
}

/// Answers the server's next request to peer 5 with 2.05 and `payload`: the event.
fn answer_from_5(server: &mut Server<u8>, now: Timestamp, payload: &[u8]) -> Option<String> {
    use m2m_coap::{Builder, Type};
    let mut buf = [0u8; 256];
    let (to, n) = server.poll_transmit(now, &mut buf).unwrap();
    assert_eq!(to, 5);
    let req = m2m_coap::Message::parse_udp(&buf[..n]).unwrap();
    let mut b = Builder::<1>::udp(
        Type::Acknowledgement,
        Code::CONTENT,
        req.message_id().unwrap(),
    );
    b.token(req.token());
    b.payload(payload);
    let mut out = [0u8; 256];
    let n = b.encode(&mut out).unwrap();
    let answer = out[..n].to_vec();
    server
        .handle(now, 5, &answer)
        .unwrap()
        .map(|e| format!("{e:?}"))
}

#[test]
fn the_client_that_wakes_is_the_one_that_sent_not_the_last_at_its_address() {
    use m2m_lwm2m::server::SessionError;
    let mut server: Server<u8> = Server::new(1);
    let mut poster = Poster { mid: 1 };
    // Two clients in queue mode (1.0, `UQ`) behind one address, `b` registered last.
    for ep in ["ep=a", "ep=b"] {
        let (code, _) = poster.post(&mut server, at(0), &["rd"], &[ep, "b=UQ"], b"</3/0>");
        assert_eq!(code, Code::CREATED);
    }
    let a = server.find("a").unwrap().id;
    let b = server.find("b").unwrap().id;
    while server.poll_event().is_some() {}
    let read = ClientRequest::Read {
        path: Path::resource(3, 0, 0),
        accept: None,
    };
    assert!(matches!(
        server.send(at(200), a, &read),
        Err(SessionError::Asleep)
    ));
    // `a` updates: `a` is awake and announced, `b` is not.
    let loc_a = a.0.to_string();
    let (code, _) = poster.post(&mut server, at(200), &["rd", &loc_a], &[], b"");
    assert_eq!(code, Code::CHANGED);
    let events: Vec<String> = std::iter::from_fn(|| server.poll_event())
        .map(|e| format!("{e:?}"))
        .collect();
    assert_eq!(events, [format!("Awake {{ id: {a:?} }}")]);
    assert!(server.is_awake(a, at(201)) && !server.is_awake(b, at(201)));
    // Its answer to a request keeps `a` awake; `b` stays asleep and unannounced.
    let observe = ClientRequest::Observe {
        path: Path::resource(3, 0, 0),
        accept: None,
    };
    let rid = server.send(at(250), a, &observe).unwrap();
    assert!(answer_from_5(&mut server, at(250), b"m2m").is_some());
    assert!(server.is_awake(a, at(340)) && !server.is_awake(b, at(340)));
    assert!(server.poll_event().is_none());
    // Asleep again, `a`'s observation cannot be cancelled; `b` de-registers: no wake-up.
    assert!(matches!(
        server.cancel_observe(at(400), rid, Path::resource(3, 0, 0), None),
        Err(SessionError::Asleep)
    ));
    let loc_b = b.0.to_string();
    poster.mid += 1;
    let mut del =
        m2m_coap::Builder::<2>::udp(m2m_coap::Type::Confirmable, Code::DELETE, poster.mid);
    del.token(&[3]);
    del.str(m2m_coap::OptionNumber::URI_PATH, "rd").unwrap();
    del.str(m2m_coap::OptionNumber::URI_PATH, &loc_b).unwrap();
    let mut buf = [0u8; 64];
    let n = del.encode(&mut buf).unwrap();
    let gone = server
        .handle(at(400), 5, &buf[..n])
        .unwrap()
        .map(|e| format!("{e:?}"));
    assert_eq!(gone, Some(format!("Deregistered {{ id: {b:?} }}")));
    assert!(server.poll_event().is_none());
}

#[test]
fn an_update_from_a_new_address_wakes_the_client() {
    use m2m_lwm2m::server::AWAKE_TIME;
    let mut w = World::new();
    let settings = Settings {
        lifetime: 600,
        queue: Some(AWAKE_TIME),
        ..Settings::new("pump-1")
    };
    w.client = Client::new(SERVER, settings, 9);
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let id = w.server.find("pump-1").unwrap().id;
    while w.server.poll_event().is_some() {}
    // The NAT handed the client another address while it slept.
    w.client.update(at(500)).unwrap();
    let mut buf = [0u8; 1152];
    let (_, n) = w.client.poll_transmit(at(500), &mut buf).unwrap();
    let update = buf[..n].to_vec();
    w.server.handle(at(500), 7, &update).unwrap();
    assert!(matches!(w.server.poll_event(), Some(ServerEvent::Awake { id: i }) if i == id));
    assert_eq!(w.server.registration(id).unwrap().peer, 7);
    assert!(w.server.is_awake(id, at(501)));
}

#[test]
fn queue_mode_edges_a_binding_without_a_queue_form_and_a_long_awake_time() {
    use core::time::Duration;
    // 1.0 knows `UQ`, `SQ` and `UQS`: settings whose binding has no queue form are not sent
    // without `Q`, nor do they keep Register from going: `UQ`, the binding the client speaks.
    for binding in ["T", "UT"] {
        let w = World::new();
        let settings = Settings {
            version: None,
            binding,
            queue: Some(Duration::from_secs(93)),
            ..Settings::new("pump-1")
        };
        let mut client: Client<'static, u8> = Client::new(SERVER, settings, 9);
        client.register(at(0), &w.pump).unwrap();
        let mut buf = [0u8; 1152];
        let (_, n) = client.poll_transmit(at(0), &mut buf).unwrap();
        let m = m2m_coap::Message::parse_udp(&buf[..n]).unwrap();
        let query: Vec<&str> = m.strs(m2m_coap::OptionNumber::URI_QUERY).collect();
        assert!(query.contains(&"b=UQ"), "{binding}: {query:?}");
    }
    // An awake time past the clock's end: awake for good, not asleep at once.
    let mut w = World::new();
    let settings = Settings {
        queue: Some(Duration::MAX),
        ..Settings::new("pump-1")
    };
    w.client = Client::new(SERVER, settings, 9);
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    assert_eq!(
        w.client.awake_until(),
        Some(Timestamp::from_millis(u64::MAX))
    );
}

#[test]
fn a_2_01_without_a_location_is_no_registration() {
    use m2m_coap::{Builder, Message, Type};
    use m2m_lwm2m::client::ClientEvent;
    let mut w = World::new();
    let mut buf = [0u8; 1152];
    w.client.register(at(0), &w.pump).unwrap();
    let (_, n) = w.client.poll_transmit(at(0), &mut buf).unwrap();
    let m = Message::parse_udp(&buf[..n]).unwrap();
    // A server that answers 2.01 Created without Location-Path: nothing to Update.
    let mut b = Builder::<1>::udp(
        Type::Acknowledgement,
        Code::CREATED,
        m.message_id().unwrap(),
    );
    b.token(m.token());
    let mut out = [0u8; 64];
    let k = b.encode(&mut out).unwrap();
    w.client
        .handle(at(0), SERVER, &out[..k], &mut w.pump)
        .unwrap();
    assert!(!w.client.is_registered());
    assert_eq!(
        w.client.poll_event(),
        Some(ClientEvent::RegistrationFailed(Some(Code::CREATED)))
    );
    // It used to count as registered, and every later turn failed when the Update fell due:
    // now Register goes again after the retry wait, and the client keeps turning.
    for t in [30, 59, 60, 61] {
        w.client.handle_timeout(at(t), &w.pump).unwrap();
    }
    let (_, n) = w.client.poll_transmit(at(61), &mut buf).unwrap();
    let again = Message::parse_udp(&buf[..n]).unwrap();
    assert_eq!(again.code(), Code::POST);
    assert!(again.options().any(|o| o.value == b"rd"));
}

#[test]
fn the_server_object_triggers_an_update_and_asks_for_a_bootstrap() {
    use m2m_lwm2m::client::ClientEvent;
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    w.events.clear();
    let execute = |path| ClientRequest::Execute { path, args: b"" };
    // Registration Update Trigger (/1/0/8): the tree has no such resource (4.05 of its own),
    // the client acts on it: 2.04 and an Update at once.
    let (code, ..) = w.ask(at(5), execute(Path::resource(1, 0, 8)));
    assert_eq!(code, Code::CHANGED);
    w.client.handle_timeout(at(5), &w.pump).unwrap();
    w.pump(at(5));
    assert!(w.events.contains(&"updated".to_string()), "{:?}", w.events);
    // Bootstrap-Request Trigger (/1/0/9): the application is told.
    let (code, ..) = w.ask(at(6), execute(Path::resource(1, 0, 9)));
    assert_eq!(code, Code::CHANGED);
    assert!(
        w.events
            .contains(&format!("client {:?}", ClientEvent::BootstrapRequested)),
        "{:?}",
        w.events
    );
    // Of a Server instance the client lacks: the tree's answer stands.
    let (code, ..) = w.ask(at(7), execute(Path::resource(1, 5, 8)));
    assert_eq!(code, Code::METHOD_NOT_ALLOWED);
}

/// The Updates the server saw, as `updated` or `updated lt=…`.
fn updates(w: &World) -> Vec<String> {
    w.events
        .iter()
        .filter(|e| e.starts_with("updated"))
        .cloned()
        .collect()
}

/// A server that writes the Lifetime (/1/0/1) hears of it in an Update that carries `lt` (OMA
/// interoperability test TD_LWM2M_1.0_INT_102), and the client's Updates keep to it. A read of
/// the Server object changes nothing.
#[test]
fn a_lifetime_written_by_the_server_goes_to_it_in_an_update() {
    let mut w = World::new();
    w.pump.lifetime = Some(60);
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    assert!(
        w.events.iter().any(|e| e.contains("lt=Some(60)")),
        "{:?}",
        w.events
    );
    w.events.clear();
    let read = ClientRequest::Read {
        path: Path::instance(1, 0),
        accept: None,
    };
    assert_eq!(w.ask(at(1), read).0, Code::CONTENT);
    w.client.handle_timeout(at(1), &w.pump).unwrap();
    w.pump(at(1));
    assert!(updates(&w).is_empty(), "{:?}", w.events);
    let write = ClientRequest::Write {
        path: Path::resource(1, 0, 1),
        replace: true,
        format: ContentFormat::TEXT_PLAIN,
        payload: b"600",
    };
    assert_eq!(w.ask(at(2), write).0, Code::CHANGED);
    w.client.handle_timeout(at(2), &w.pump).unwrap();
    w.pump(at(2));
    assert_eq!(updates(&w), ["updated lt=600"]);
    w.events.clear();
    // The next Update is due by the new lifetime (600 s less 93 s), not the old (60 s less 30).
    w.client.handle_timeout(at(100), &w.pump).unwrap();
    w.pump(at(100));
    assert!(updates(&w).is_empty(), "{:?}", w.events);
    w.client.handle_timeout(at(2 + 507), &w.pump).unwrap();
    w.pump(at(2 + 507));
    assert_eq!(updates(&w), ["updated"]);
}

/// A Registration Update Trigger executed while an Update is on its way is not lost: another
/// Update follows the answer.
#[test]
fn an_update_trigger_during_an_update_sends_another() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    w.events.clear();
    w.client.update(at(5)).unwrap();
    let mut buf = [0u8; 1152];
    let (_, n) = w.client.poll_transmit(at(5), &mut buf).unwrap();
    let update = buf[..n].to_vec();
    // The trigger comes before the Update reaches the server.
    let execute = ClientRequest::Execute {
        path: Path::resource(1, 0, 8),
        args: b"",
    };
    assert_eq!(w.ask(at(5), execute).0, Code::CHANGED);
    let mut upload = core::mem::take(&mut w.upload);
    if let Some(e) = w
        .server
        .handle_with(at(5), CLIENT, &update, &mut upload)
        .unwrap()
    {
        w.record(e);
    }
    w.upload = upload;
    w.pump(at(5));
    assert_eq!(updates(&w), ["updated"]);
    w.events.clear();
    w.client.handle_timeout(at(6), &w.pump).unwrap();
    w.pump(at(6));
    assert_eq!(updates(&w), ["updated"], "the trigger's own Update");
}

/// A registration location of more than four segments cannot be named by Update and
/// De-register: it is no registration the client keeps (it used to be cut to four).
#[test]
fn a_location_of_more_than_four_segments_is_refused() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    let mut buf = [0u8; 1152];
    let (_, n) = w.client.poll_transmit(at(0), &mut buf).unwrap();
    let reg = m2m_coap::Message::parse_udp(&buf[..n]).unwrap();
    let mut rsp = m2m_coap::Builder::<8>::udp(
        m2m_coap::Type::Acknowledgement,
        Code::CREATED,
        reg.message_id().unwrap(),
    );
    rsp.token(reg.token());
    for seg in ["a", "b", "c", "d", "e"] {
        rsp.str(m2m_coap::OptionNumber::LOCATION_PATH, seg).unwrap();
    }
    let mut out = [0u8; 128];
    let len = rsp.encode(&mut out).unwrap();
    w.client
        .handle(at(0), SERVER, &out[..len], &mut w.pump)
        .unwrap();
    assert!(!w.client.is_registered());
    assert_eq!(w.client.location(), None);
}

/// Disable (/1/0/4, Core 1.1 Appendix E.2): answered, then De-register; nothing to the server
/// for the Disable Timeout (/1/0/5), then Register again by itself.
#[test]
fn disable_deregisters_and_registers_again_after_the_timeout() {
    use m2m_lwm2m::client::ClientEvent;
    let mut w = World::new();
    w.pump.disable_timeout = Some(30);
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    w.events.clear();
    let execute = ClientRequest::Execute {
        path: Path::resource(1, 0, 4),
        args: b"",
    };
    assert_eq!(w.ask(at(5), execute).0, Code::CHANGED);
    assert!(
        w.events.contains(&"deregistered".to_string()),
        "{:?}",
        w.events
    );
    assert!(
        w.events.contains(&format!(
            "client {:?}",
            ClientEvent::Disabled { seconds: 30 }
        )),
        "{:?}",
        w.events
    );
    assert!(!w.client.is_registered());
    assert_eq!(w.client.poll_timeout(at(6)), Some(at(35)));
    w.events.clear();
    w.client.handle_timeout(at(20), &w.pump).unwrap();
    w.pump(at(20));
    assert!(w.events.is_empty(), "{:?}", w.events);
    w.client.handle_timeout(at(35), &w.pump).unwrap();
    w.pump(at(35));
    assert!(w.client.is_registered());
    assert!(
        w.events.iter().any(|e| e.starts_with("registered pump-1")),
        "{:?}",
        w.events
    );
}
