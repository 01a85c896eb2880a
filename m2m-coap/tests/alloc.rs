//! Parsing any message and reading every option and the payload, framing TCP streams, and
//! building messages allocate nothing.
#![allow(clippy::unwrap_used)] // a test: every message given is valid

mod strategies;

use m2m_coap::tcp::Framing;
use m2m_coap::{Builder, Config, Message, MessageWriter, OptionNumber, Transport};
use m2m_core::{Encode, Framing as _};
use m2m_testkit::{CountingAllocator, assert_no_alloc, vectors::crate_vectors};
use proptest::prelude::*;
use strategies::parts;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

/// Reads everything a message holds, through every accessor, so nothing stays lazy.
fn drain(m: &Message<'_>) -> u64 {
    let mut acc = m.payload().len() as u64 + m.token().len() as u64;
    for o in m.options() {
        acc = acc
            .wrapping_add(u64::from(o.number.0))
            .wrapping_add(o.value.len() as u64);
        acc = acc.wrapping_add(u64::from(o.uint().unwrap_or(0)));
        acc = acc.wrapping_add(o.str().map_or(0, str::len) as u64);
    }
    acc += m.uri_path().map(str::len).sum::<usize>() as u64;
    acc += m.uri_query().count() as u64;
    acc += u64::from(m.uri_host().is_some()) + u64::from(m.uri_port().unwrap_or(0));
    acc += u64::from(m.content_format().map_or(0, |c| c.0));
    acc += u64::from(m.accept().map_or(0, |c| c.0)) + u64::from(m.max_age());
    acc += u64::from(m.observe().unwrap_or(0)) + m.etags().count() as u64;
    acc += u64::from(m.block1().and_then(Result::ok).map_or(0, |b| b.num));
    acc += u64::from(m.block2().and_then(Result::ok).map_or(0, |b| b.num));
    acc += u64::from(m.size1().unwrap_or(0)) + u64::from(m.size2().unwrap_or(0));
    acc += m
        .oscore()
        .and_then(Result::ok)
        .map_or(0, |o| o.partial_iv.len()) as u64;
    acc += u64::from(m.no_response().and_then(Result::ok).map_or(0, |n| n.0));
    acc += u64::from(m.hop_limit().and_then(Result::ok).unwrap_or(0))
        + m.request_tags().count() as u64;
    acc += m.echo().map_or(0, <[u8]>::len) as u64 + u64::from(m.bad_option().is_some());
    acc += u64::from(m.max_message_size().unwrap_or(0)) + u64::from(m.block_wise_transfer());
    acc
}

fn transport(name: Option<&str>) -> Transport {
    match name {
        Some("tcp") => Transport::Tcp,
        Some("ws") => Transport::WebSocket,
        _ => Transport::Udp,
    }
}

#[test]
fn parsing_every_vector_allocates_nothing() {
    let mut parsed = 0;
    for v in crate_vectors(env!("CARGO_MANIFEST_DIR")) {
        let bytes = v.bytes().unwrap();
        let t = transport(v.framing.as_deref());
        let ok = assert_no_alloc(|| {
            if t == Transport::Tcp {
                let _ = Framing::new().frame_len(&bytes);
            }
            match Message::parse(&bytes, t, &Config::STRICT) {
                Ok(m) => Some(drain(&m)),
                // Errors are values too: building one allocates nothing either.
                Err(e) => {
                    let _ = (e.reaction(), e.offset);
                    None
                }
            }
        });
        parsed += usize::from(ok.is_some());
    }
    assert!(parsed >= 130, "{parsed} vectors parsed");
}

proptest! {
    #[test]
    fn generated_messages_allocate_nothing(p in parts()) {
        let bytes = p.encode();
        let opts: Vec<(u16, Vec<u8>)> = p.sorted_options();
        let mut out = vec![0u8; bytes.len()];
        let n = assert_no_alloc(|| {
            if p.transport == Transport::Tcp {
                let _ = Framing::new().frame_len(&bytes).unwrap();
            }
            let m = Message::parse(&bytes, p.transport, &Config::STRICT).unwrap();
            let _ = drain(&m);
            // Building allocates nothing either.
            let mut b = Builder::<64>::for_transport(p.transport, p.ty, p.code, p.mid);
            b.token(&p.token).payload(&p.payload);
            for (num, v) in &opts {
                b.opaque(OptionNumber(*num), v).unwrap();
            }
            b.encode(&mut out).unwrap()
        });
        prop_assert_eq!(n, bytes.len());
        prop_assert_eq!(&out, &bytes);
        // Nor does the in-place writer (options in reverse order: every one is an insertion).
        let mut buf = vec![0u8; bytes.len() + 4];
        let n = assert_no_alloc(|| {
            let mut w = match p.transport {
                Transport::Udp => MessageWriter::udp(&mut buf, p.ty, p.code, p.mid, &p.token),
                Transport::Tcp => MessageWriter::tcp(&mut buf, p.code, &p.token),
                Transport::WebSocket => MessageWriter::ws(&mut buf, p.code, &p.token),
            }
            .unwrap();
            w.payload(&p.payload);
            for (num, v) in opts.iter().rev() {
                w.opaque(OptionNumber(*num), v).unwrap();
            }
            w.finish().unwrap()
        });
        // Repeated options come out in the reverse of their order here; the rest is the same.
        let m = Message::parse(&buf[..n], p.transport, &Config::STRICT).unwrap();
        prop_assert_eq!(m.options().count(), opts.len());
        prop_assert_eq!(m.payload(), &p.payload[..]);
    }
}

#[test]
fn builder_buffer_len_allocates_nothing() {
    let mut b = Builder::<4>::tcp(m2m_coap::Code::GET);
    b.path("a/b").unwrap();
    assert!(assert_no_alloc(|| b.buffer_len()) > 0);
}

/// A whole exchange through two endpoints (request, piggybacked response, a retransmission
/// answered from the cache, a notification) allocates nothing.
#[test]
fn running_the_endpoint_allocates_nothing() {
    use m2m_coap::endpoint::{Endpoint, Incoming};
    use m2m_coap::{Code, Type};
    use m2m_core::Timestamp;
    let mut client = Endpoint::<u8, 4, 256>::new(1);
    let mut server = Endpoint::<u8, 4, 256>::new(2);
    let mut get = Builder::<4>::udp(Type::Confirmable, Code::GET, 0);
    get.path("sensors/temp").unwrap();
    get.uint(OptionNumber::OBSERVE, 0).unwrap();
    let mut rsp = Builder::<4>::udp(Type::Acknowledgement, Code::CONTENT, 0);
    rsp.uint(OptionNumber::OBSERVE, 1).unwrap();
    rsp.payload(b"21.5");
    let mut note = Builder::<4>::udp(Type::NonConfirmable, Code::CONTENT, 0);
    note.uint(OptionNumber::OBSERVE, 2).unwrap();
    note.payload(b"21.6");
    let got = assert_no_alloc(|| {
        let t = Timestamp::from_millis;
        let mut buf = [0u8; 256];
        let mut answers = 0;
        client.request(t(0), 1, &get, true).unwrap();
        let (_, n) = client.poll_transmit(t(0), &mut buf).unwrap();
        let req = buf;
        let Ok(Incoming::Request { exchange, .. }) = server.handle(t(1), 0, &req[..n]) else {
            return 0;
        };
        server.respond(t(1), &exchange, &rsp).unwrap();
        // The request again (a retransmission): answered from the cache.
        assert_eq!(server.handle(t(2), 0, &req[..n]), Ok(Incoming::Nothing));
        let mut out = [0u8; 256];
        while let Some((_, m)) = server.poll_transmit(t(3), &mut out) {
            if let Ok(Incoming::Response { .. }) = client.handle(t(4), 1, &out[..m]) {
                answers += 1;
            }
        }
        server
            .notify(t(5), 0, exchange.token(), &note, false)
            .unwrap();
        let (_, m) = server.poll_transmit(t(5), &mut out).unwrap();
        if let Ok(Incoming::Response { message, .. }) = client.handle(t(6), 1, &out[..m]) {
            answers += usize::from(message.payload() == b"21.6");
        }
        let _ = (client.poll_timeout(), server.poll_event());
        answers
    });
    assert_eq!(
        got, 2,
        "the response once (its cached copy is a duplicate) and the notification"
    );
}

/// A TCP connection of each side: CSMs, a request, its response, a notification, a Ping and
/// its Pong, all without allocation.
#[test]
fn running_a_tcp_connection_allocates_nothing() {
    use m2m_coap::Code;
    use m2m_coap::endpoint::stream::{ConnParams, Connection, StreamIncoming};
    use m2m_core::Timestamp;
    let mut client = Connection::<4, 1024>::new(Transport::Tcp, ConnParams::default(), 1);
    let mut server = Connection::<4, 1024>::new(Transport::Tcp, ConnParams::default(), 2);
    let mut get = Builder::<4>::tcp(Code::GET);
    get.path("sensors/temp").unwrap();
    get.uint(OptionNumber::OBSERVE, 0).unwrap();
    let mut rsp = Builder::<4>::tcp(Code::CONTENT);
    rsp.uint(OptionNumber::OBSERVE, 1).unwrap();
    rsp.payload(b"21.5");
    let got = assert_no_alloc(|| {
        let t = Timestamp::from_millis;
        let mut answers = 0;
        client.request(t(0), &get).unwrap();
        client.ping(t(0)).unwrap();
        let mut buf = [0u8; 256];
        let mut token = [0u8; 8];
        while let Some(n) = client.poll_transmit(t(0), &mut buf) {
            if let StreamIncoming::Request { message } = server.handle(t(1), &buf[..n]) {
                token.copy_from_slice(message.token());
            }
        }
        server.respond(&token, &rsp).unwrap();
        server.respond(&token, &rsp).unwrap();
        while let Some(n) = server.poll_transmit(t(2), &mut buf) {
            if let StreamIncoming::Response { .. } = client.handle(t(3), &buf[..n]) {
                answers += 1;
            }
        }
        let _ = (client.poll_timeout(), client.poll_event(t(4)));
        answers
    });
    assert_eq!(got, 2, "the response and the notification");
}
