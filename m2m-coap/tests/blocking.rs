//! The blocking client against a scripted UDP server on loopback: a request that timed out
//! gives its place up to the next, an upload in Block1 blocks whose answer comes in Block2
//! blocks (RFC 7959 §3.3, Figure 14), a server that repeats a block, a datagram larger than a
//! link's MTU, requests sent to the client, a notification in blocks, and SZX 7 over UDP;
//! against a scripted TCP server: the timeout however often the server sends something, the
//! deregistration of an observation (RFC 8323 §7.4), the answer that comes after a Release, a
//! Release during a Block2 download.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::Duration;

use m2m_coap::blocking::{Client, ClientError, Options};
use m2m_coap::option::value::Block;
use m2m_coap::{Builder, Code, Message, OptionNumber, Type, Uri};
use m2m_core::{Encode, Framing, Status};

/// A server socket on loopback and its `coap://` URI for `path`.
fn server(path: &str) -> (UdpSocket, String) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let uri = format!("coap://{}/{path}", s.local_addr().unwrap());
    (s, uri)
}

fn options() -> Options {
    Options {
        timeout: Duration::from_millis(400),
        ..Options::default()
    }
}

/// A request received: its bytes, and where from.
fn receive(s: &UdpSocket) -> (Vec<u8>, std::net::SocketAddr) {
    let mut buf = [0u8; 1500];
    let (n, from) = s.recv_from(&mut buf).unwrap();
    (buf[..n].to_vec(), from)
}

/// The piggybacked answer to `req`: `code`, the options given, `payload`.
fn answer(
    s: &UdpSocket,
    req: &[u8],
    to: std::net::SocketAddr,
    code: Code,
    options: &[(OptionNumber, u32)],
    payload: &[u8],
) {
    let m = Message::parse_udp(req).unwrap();
    let mut b = Builder::<4>::udp(Type::Acknowledgement, code, m.message_id().unwrap());
    b.token(m.token());
    for &(n, v) in options {
        b.uint(n, v).unwrap();
    }
    b.payload(payload);
    let mut out = vec![0u8; 65_536];
    let len = b.encode(&mut out).unwrap();
    s.send_to(&out[..len], to).unwrap();
}

#[test]
fn a_request_that_timed_out_gives_its_place_to_the_next() {
    let (s, uri) = server("a");
    let script = thread::spawn(move || {
        // The first request goes unanswered (retransmissions included); the next is answered.
        let (first, _) = receive(&s);
        let first_id = Message::parse_udp(&first).unwrap().message_id();
        loop {
            let (req, from) = receive(&s);
            if Message::parse_udp(&req).unwrap().message_id() != first_id {
                answer(&s, &req, from, Code::CONTENT, &[], b"second");
                break;
            }
        }
    });
    let uri = Uri::parse(&uri).unwrap();
    let mut client = Client::connect(&uri, options()).unwrap();
    assert!(matches!(
        client.request(Code::GET, &uri, b""),
        Err(ClientError::Timeout)
    ));
    // It used to fail with "no free exchange slot" for as long as the first was retransmitted.
    let rsp = client.request(Code::GET, &uri, b"").unwrap();
    assert_eq!(rsp.payload, b"second");
    script.join().unwrap();
}

#[test]
fn an_upload_whose_answer_comes_in_blocks_is_read_to_its_end() {
    let (s, uri) = server("soap");
    let body: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    let answer_body: Vec<u8> = (0..2500u32).map(|i| (i % 239) as u8).collect();
    let (sent, reply) = (body.clone(), answer_body.clone());
    let script = thread::spawn(move || {
        let mut got = Vec::new();
        // Block1 0, 1, 2 (1024 bytes each, the last 952): 2.31, 2.31, then 2.04 with the
        // first 1024 bytes of the answer in Block2.
        for num in 0..3u32 {
            let (req, from) = receive(&s);
            let m = Message::parse_udp(&req).unwrap();
            let b1 = m.block1().unwrap().unwrap();
            assert_eq!(b1.num, num);
            got.extend_from_slice(m.payload());
            if b1.more {
                answer(
                    &s,
                    &req,
                    from,
                    Code::CONTINUE,
                    &[(OptionNumber::BLOCK1, b1.to_uint())],
                    b"",
                );
            } else {
                let b2 = Block::with_size(0, true, 1024).unwrap();
                let opts = [
                    (OptionNumber::BLOCK1, b1.to_uint()),
                    (OptionNumber::BLOCK2, b2.to_uint()),
                ];
                answer(&s, &req, from, Code::CHANGED, &opts, &reply[..1024]);
            }
        }
        assert_eq!(got, sent);
        // Block2 1 and 2, asked for without the request's payload (Figure 14).
        for num in 1..3u32 {
            let (req, from) = receive(&s);
            let m = Message::parse_udp(&req).unwrap();
            assert_eq!(m.code(), Code::POST);
            assert!(
                m.payload().is_empty(),
                "block {num} asked for with a payload"
            );
            assert_eq!(m.block2().unwrap().unwrap().num, num);
            let start = num as usize * 1024;
            let end = (start + 1024).min(reply.len());
            let b2 = Block::with_size(num, end < reply.len(), 1024).unwrap();
            answer(
                &s,
                &req,
                from,
                Code::CHANGED,
                &[(OptionNumber::BLOCK2, b2.to_uint())],
                &reply[start..end],
            );
        }
    });
    let uri = Uri::parse(&uri).unwrap();
    let mut client = Client::connect(&uri, options()).unwrap();
    let rsp = client.request(Code::POST, &uri, &body).unwrap();
    assert_eq!(rsp.code, Code::CHANGED);
    assert_eq!(rsp.payload, answer_body);
    // The options of the last block: its Block2 (NUM 2, M 0, 1024 bytes).
    let last = Block::with_size(2, false, 1024).unwrap().to_uint();
    let options: Vec<_> = rsp.options().map(|o| (o.number, o.uint())).collect();
    assert_eq!(options, [(OptionNumber::BLOCK2, Some(last))]);
    script.join().unwrap();
}

#[test]
fn a_block_sent_again_instead_of_the_next_is_an_error() {
    let (s, uri) = server("big");
    let script = thread::spawn(move || {
        // A server that ignores Block2 in requests: block 0 every time.
        for _ in 0..2 {
            let (req, from) = receive(&s);
            let b2 = Block::with_size(0, true, 64).unwrap();
            answer(
                &s,
                &req,
                from,
                Code::CONTENT,
                &[(OptionNumber::BLOCK2, b2.to_uint())],
                &[7u8; 64],
            );
        }
    });
    let uri = Uri::parse(&uri).unwrap();
    let mut client = Client::connect(&uri, options()).unwrap();
    let r = client.request(Code::GET, &uri, b"");
    assert!(
        matches!(&r, Err(ClientError::Protocol(m)) if m.contains("again")),
        "{r:?}"
    );
    script.join().unwrap();
}

/// RFC 7252 §4.6: a message may be as large as the datagram; it is read whole, not cut at
/// 1500 bytes (the cut message parsed, its payload short).
#[test]
fn a_datagram_larger_than_an_ethernet_frame_is_read_whole() {
    let (s, uri) = server("big");
    let body: Vec<u8> = (0..3000u32).map(|i| (i % 253) as u8).collect();
    let reply = body.clone();
    let script = thread::spawn(move || {
        let (req, from) = receive(&s);
        answer(&s, &req, from, Code::CONTENT, &[], &reply);
    });
    let uri = Uri::parse(&uri).unwrap();
    let mut client = Client::connect(&uri, options()).unwrap();
    let rsp = client.request(Code::GET, &uri, b"").unwrap();
    assert_eq!(rsp.payload, body);
    script.join().unwrap();
}

/// A client serves nothing: a request sent to it gets 4.04 in a piggybacked ACK (RFC 7252
/// §4.2: a CON message is acknowledged or reset). Left unanswered, eight such requests held
/// every place for exchanges, and the separate response that came next was dropped.
#[test]
fn requests_sent_to_the_client_are_answered_and_do_not_crowd_out_its_responses() {
    let (s, uri) = server("late");
    let script = thread::spawn(move || {
        let (req, client_at) = receive(&s);
        let m = Message::parse_udp(&req).unwrap();
        // An Empty ACK now, the response later (§5.2.2).
        let ack = Builder::<0>::udp(Type::Acknowledgement, Code::EMPTY, m.message_id().unwrap());
        let mut out = [0u8; 64];
        let n = ack.encode(&mut out).unwrap();
        s.send_to(&out[..n], client_at).unwrap();
        let other = UdpSocket::bind("127.0.0.1:0").unwrap();
        other
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        for (mid, t) in (0..12u16).zip(0u8..) {
            let token = [9, t];
            let mut get = Builder::<0>::udp(Type::Confirmable, Code::GET, 0x4000 + mid);
            get.token(&token);
            let n = get.encode(&mut out).unwrap();
            other.send_to(&out[..n], client_at).unwrap();
            let mut buf = [0u8; 1500];
            let (n, _) = other.recv_from(&mut buf).unwrap();
            let got = Message::parse_udp(&buf[..n]).unwrap();
            assert_eq!(got.ty(), Some(Type::Acknowledgement));
            assert_eq!(got.message_id(), Some(0x4000 + mid));
            assert_eq!(got.code(), Code::NOT_FOUND);
            assert_eq!(got.token(), &[9, t]);
        }
        let mut late = Builder::<0>::udp(Type::Confirmable, Code::CONTENT, 0x7777);
        late.token(m.token());
        late.payload(b"late");
        let n = late.encode(&mut out).unwrap();
        s.send_to(&out[..n], client_at).unwrap();
        // Its ACK.
        let (ack, _) = receive(&s);
        assert_eq!(Message::parse_udp(&ack).unwrap().message_id(), Some(0x7777));
    });
    let uri = Uri::parse(&uri).unwrap();
    let mut client = Client::connect(
        &uri,
        Options {
            timeout: Duration::from_secs(5),
            ..Options::default()
        },
    )
    .unwrap();
    let rsp = client.request(Code::GET, &uri, b"").unwrap();
    assert_eq!(rsp.payload, b"late");
    script.join().unwrap();
}

/// RFC 7959 §2.6, §3.4: a notification in Block2 blocks carries the first; the client asks for
/// the rest with GET and Block2, without Observe, and hands over the whole body with the
/// notification's Observe number.
#[test]
fn a_notification_in_blocks_is_read_whole() {
    let (s, uri) = server("temp");
    let body: Vec<u8> = (0..37u8).collect();
    let reply = body.clone();
    let script = thread::spawn(move || {
        let (req, from) = receive(&s);
        let m = Message::parse_udp(&req).unwrap();
        assert_eq!(m.observe(), Some(0));
        let b2 = Block::with_size(0, true, 16).unwrap();
        let opts = [
            (OptionNumber::OBSERVE, 5),
            (OptionNumber::BLOCK2, b2.to_uint()),
        ];
        answer(&s, &req, from, Code::CONTENT, &opts, &reply[..16]);
        for num in 1..3u32 {
            let (req, from) = receive(&s);
            let m = Message::parse_udp(&req).unwrap();
            assert_eq!(m.observe(), None, "block {num} asked for with Observe");
            let want = m.block2().unwrap().unwrap();
            assert_eq!(want.num, num);
            let start = num as usize * 16;
            let end = (start + 16).min(reply.len());
            let b2 = Block::with_size(num, end < reply.len(), 16).unwrap();
            answer(
                &s,
                &req,
                from,
                Code::CONTENT,
                &[(OptionNumber::BLOCK2, b2.to_uint())],
                &reply[start..end],
            );
        }
    });
    let uri = Uri::parse(&uri).unwrap();
    let mut client = Client::connect(&uri, options()).unwrap();
    let mut seen = Vec::new();
    let last = client
        .observe(&uri, 1, |r| {
            seen.push(r.payload.clone());
            true
        })
        .unwrap();
    assert_eq!(seen, std::slice::from_ref(&body));
    assert_eq!(last.payload, body);
    assert_eq!(last.observe, Some(5));
    script.join().unwrap();
}

/// RFC 7959 §2.2: SZX 7 is reserved over UDP (BERT is for TCP, RFC 8323). A Block2 option
/// with it is an error, not a missing option that made the first block pass for the body.
#[test]
fn block_size_exponent_7_over_udp_is_an_error() {
    let (s, uri) = server("bert");
    let script = thread::spawn(move || {
        let (req, from) = receive(&s);
        // NUM 0, M 1, SZX 7.
        answer(
            &s,
            &req,
            from,
            Code::CONTENT,
            &[(OptionNumber::BLOCK2, 0x0F)],
            &[1u8; 1024],
        );
    });
    let uri = Uri::parse(&uri).unwrap();
    let mut client = Client::connect(&uri, options()).unwrap();
    let r = client.request(Code::GET, &uri, b"");
    assert!(matches!(&r, Err(ClientError::Protocol(_))), "{r:?}");
    script.join().unwrap();
}

/// A notification that comes while the rest of the one before is asked for in blocks is not
/// lost: it is handed over next (the endpoint has counted its sequence number by then, and
/// would take it again for a stale one).
#[test]
fn a_notification_that_comes_during_a_block_transfer_is_handed_over_next() {
    let (s, uri) = server("temp");
    let body: Vec<u8> = (0..20u8).collect();
    let reply = body.clone();
    let script = thread::spawn(move || {
        let (req, from) = receive(&s);
        let token = Message::parse_udp(&req).unwrap().token().to_vec();
        let b2 = Block::with_size(0, true, 16).unwrap();
        let opts = [
            (OptionNumber::OBSERVE, 5),
            (OptionNumber::BLOCK2, b2.to_uint()),
        ];
        answer(&s, &req, from, Code::CONTENT, &opts, &reply[..16]);
        let (req, from) = receive(&s);
        // A newer state first, then the block asked for.
        let mut note = Builder::<2>::udp(Type::NonConfirmable, Code::CONTENT, 0x7001);
        note.token(&token);
        note.uint(OptionNumber::OBSERVE, 6).unwrap();
        note.payload(b"new");
        let mut out = [0u8; 64];
        let n = note.encode(&mut out).unwrap();
        s.send_to(&out[..n], from).unwrap();
        let b2 = Block::with_size(1, false, 16).unwrap();
        answer(
            &s,
            &req,
            from,
            Code::CONTENT,
            &[(OptionNumber::BLOCK2, b2.to_uint())],
            &reply[16..],
        );
    });
    let uri = Uri::parse(&uri).unwrap();
    let mut client = Client::connect(&uri, options()).unwrap();
    let mut seen = Vec::new();
    client
        .observe(&uri, 2, |r| {
            seen.push((r.observe, r.payload.clone()));
            true
        })
        .unwrap();
    assert_eq!(seen, [(Some(5), body), (Some(6), b"new".to_vec())]);
    script.join().unwrap();
}

/// A scripted CoAP-over-TCP server on loopback for one connection: the client's CSM read, ours
/// sent, then `script` with the stream. Its `coap+tcp://` URI for `path`.
fn tcp_server(
    path: &str,
    script: impl FnOnce(TcpStream) + Send + 'static,
) -> (String, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("coap+tcp://{}/{path}", listener.local_addr().unwrap());
    let task = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let csm = read_frame(&mut s).unwrap();
        assert_eq!(Message::parse_tcp(&csm).unwrap().code(), Code::CSM);
        assert!(write(&mut s, &Builder::<0>::tcp(Code::CSM)));
        script(s);
    });
    (uri, task)
}

/// The next message on `s`, read a byte at a time; `None` once the connection is closed.
fn read_frame(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    loop {
        match m2m_coap::tcp::Framing::new().frame_len(&buf).unwrap() {
            Status::Complete(_) => return Some(buf),
            Status::Partial(_) => {
                let mut byte = [0u8; 1];
                match s.read(&mut byte) {
                    Ok(1) => buf.push(byte[0]),
                    _ => return None,
                }
            }
        }
    }
}

/// Sends `b`; whether it went.
fn write<const N: usize>(s: &mut TcpStream, b: &Builder<'_, N>) -> bool {
    let mut out = vec![0u8; b.buffer_len()];
    let n = b.encode(&mut out).unwrap();
    s.write_all(&out[..n]).is_ok()
}

/// [`Options::timeout`] bounds the whole wait over TCP too: a server that takes the GET and
/// then sends an Empty message every 50 ms, and never the answer, fails the request after its
/// 400 ms. Each message used to start the socket's read timeout again, and the request waited
/// for as long as the server went on (here 20 s, after which it closed: another error).
#[test]
fn over_tcp_the_timeout_holds_however_often_the_server_sends_something() {
    let (uri, script) = tcp_server("slow", |mut s| {
        read_frame(&mut s).expect("the GET");
        for _ in 0..400 {
            if !write(&mut s, &Builder::<0>::tcp(Code::EMPTY)) {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
    });
    let uri = Uri::parse(&uri).unwrap();
    let mut client = Client::connect(&uri, options()).unwrap();
    let r = client.request(Code::GET, &uri, b"");
    assert!(matches!(r, Err(ClientError::Timeout)), "{r:?}");
    drop(client);
    script.join().unwrap();
}

/// RFC 8323 §7.4: over TCP the client MUST deregister explicitly. After the notifications it
/// wanted: a GET with Observe 1 under the observation's token (RFC 7641 §3.6), whose answer
/// ends it; the connection then serves the next request. The client used to forget the token
/// on its side alone, and the server went on notifying.
#[test]
fn over_tcp_an_observation_ends_with_a_deregistration() {
    let (uri, script) = tcp_server("temp", |mut s| {
        let reg = read_frame(&mut s).unwrap();
        let m = Message::parse_tcp(&reg).unwrap();
        assert_eq!(m.observe(), Some(0));
        let token = m.token().to_vec();
        for seq in [2u32, 3] {
            let mut n = Builder::<2>::tcp(Code::CONTENT);
            n.token(&token);
            n.uint(OptionNumber::OBSERVE, seq).unwrap();
            n.payload(b"21.5");
            assert!(write(&mut s, &n));
        }
        let dereg = read_frame(&mut s).expect("a deregistration");
        let m = Message::parse_tcp(&dereg).unwrap();
        assert_eq!(
            (m.code(), m.observe(), m.token()),
            (Code::GET, Some(1), &token[..])
        );
        assert_eq!(m.uri_path().collect::<Vec<_>>(), ["temp"]);
        let mut a = Builder::<0>::tcp(Code::CONTENT);
        a.token(&token);
        a.payload(b"21.6");
        assert!(write(&mut s, &a));
        // The next request.
        let next = read_frame(&mut s).expect("the next request");
        let m = Message::parse_tcp(&next).unwrap();
        let mut a = Builder::<0>::tcp(Code::CONTENT);
        a.token(m.token());
        a.payload(b"next");
        assert!(write(&mut s, &a));
    });
    let uri = Uri::parse(&uri).unwrap();
    let opts = Options {
        timeout: Duration::from_secs(10),
        ..Options::default()
    };
    let mut client = Client::connect(&uri, opts).unwrap();
    let mut seen = Vec::new();
    let last = client
        .observe(&uri, 2, |r| {
            seen.push(r.observe);
            true
        })
        .unwrap();
    assert_eq!(seen, [Some(2), Some(3)]);
    assert_eq!(last.observe, Some(3));
    let rsp = client.request(Code::GET, &uri, b"").unwrap();
    assert_eq!(rsp.payload, b"next");
    drop(client);
    script.join().unwrap();
}

/// An observation that gets no notification in time ends with a timeout, and over TCP the
/// server is told (RFC 8323 §7.4): the deregistration goes, its answer not waited for.
#[test]
fn over_tcp_an_observation_that_times_out_is_deregistered() {
    let (uri, script) = tcp_server("still", |mut s| {
        let reg = read_frame(&mut s).unwrap();
        let m = Message::parse_tcp(&reg).unwrap();
        let token = m.token().to_vec();
        let mut n = Builder::<2>::tcp(Code::CONTENT);
        n.token(&token);
        n.uint(OptionNumber::OBSERVE, 2).unwrap();
        n.payload(b"1");
        assert!(write(&mut s, &n));
        // Nothing more changes: the client gives up and deregisters.
        let dereg = read_frame(&mut s).expect("a deregistration");
        let m = Message::parse_tcp(&dereg).unwrap();
        assert_eq!(
            (m.code(), m.observe(), m.token()),
            (Code::GET, Some(1), &token[..])
        );
    });
    let uri = Uri::parse(&uri).unwrap();
    let opts = Options {
        timeout: Duration::from_millis(500),
        ..Options::default()
    };
    let mut client = Client::connect(&uri, opts).unwrap();
    let r = client.observe(&uri, 5, |_| true);
    assert!(r.is_err(), "{r:?}");
    script.join().unwrap();
    drop(client);
}

/// RFC 8323 §5.5: after a Release the responses to the requests already sent still come. A
/// server that releases the connection while the GET is on its way and answers it after: the
/// answer is taken (and no new request goes). The Release used to fail the request at once.
#[test]
fn over_tcp_the_answer_after_a_release_is_taken() {
    let (uri, script) = tcp_server("bye", |mut s| {
        let get = read_frame(&mut s).unwrap();
        let token = Message::parse_tcp(&get).unwrap().token().to_vec();
        assert!(write(&mut s, &Builder::<0>::tcp(Code::RELEASE)));
        thread::sleep(Duration::from_millis(100));
        let mut a = Builder::<0>::tcp(Code::CONTENT);
        a.token(&token);
        a.payload(b"after");
        assert!(write(&mut s, &a));
    });
    let uri = Uri::parse(&uri).unwrap();
    let opts = Options {
        timeout: Duration::from_secs(10),
        ..Options::default()
    };
    let mut client = Client::connect(&uri, opts).unwrap();
    let rsp = client.request(Code::GET, &uri, b"").unwrap();
    assert_eq!(rsp.payload, b"after");
    assert!(client.request(Code::GET, &uri, b"").is_err());
    drop(client);
    script.join().unwrap();
}

/// The first block of a Block2 body, NUM 0 of 16 bytes with M set, in answer to `req`.
fn first_block(s: &mut TcpStream, req: &[u8]) {
    let token = Message::parse_tcp(req).unwrap().token().to_vec();
    let mut a = Builder::<1>::tcp(Code::CONTENT);
    a.token(&token);
    let b2 = Block::with_size(0, true, 16).unwrap();
    a.uint(OptionNumber::BLOCK2, b2.to_uint()).unwrap();
    a.payload(&[1u8; 16]);
    assert!(write(s, &a));
}

/// RFC 8323 §5.5: a server that releases the connection during a Block2 download, before it
/// answers the block asked for: that block is taken, and the next, which may not go after a
/// Release, fails with the error that says the server released the connection. It used to be
/// a protocol error ("the connection is closed"), as if the request were at fault.
#[test]
fn over_tcp_a_release_before_a_block_ends_the_download_as_released() {
    let (uri, script) = tcp_server("big", |mut s| {
        let get = read_frame(&mut s).unwrap();
        assert!(write(&mut s, &Builder::<0>::tcp(Code::RELEASE)));
        first_block(&mut s, &get);
        // No request for block 1 comes; the client closes.
        assert_eq!(read_frame(&mut s), None);
    });
    let uri = Uri::parse(&uri).unwrap();
    let opts = Options {
        timeout: Duration::from_secs(10),
        ..Options::default()
    };
    let mut client = Client::connect(&uri, opts).unwrap();
    let r = client.request(Code::GET, &uri, b"");
    assert!(
        matches!(&r, Err(ClientError::Closed(why)) if why.contains("released")),
        "{r:?}"
    );
    drop(client);
    script.join().unwrap();
}

/// RFC 8323 §5.5: a server that releases the connection after a block, and leaves the request
/// for the next one (sent before the client saw the Release) unanswered: the download ends
/// with the error that says the server released the connection, not with a timeout.
#[test]
fn over_tcp_a_release_after_a_block_ends_the_download_as_released() {
    let (uri, script) = tcp_server("big", |mut s| {
        let get = read_frame(&mut s).unwrap();
        first_block(&mut s, &get);
        assert!(write(&mut s, &Builder::<0>::tcp(Code::RELEASE)));
        // The request for block 1 may come or not (the client may see the Release first);
        // it is not answered.
        while read_frame(&mut s).is_some() {}
    });
    let uri = Uri::parse(&uri).unwrap();
    let mut client = Client::connect(&uri, options()).unwrap();
    let r = client.request(Code::GET, &uri, b"");
    assert!(
        matches!(&r, Err(ClientError::Closed(why)) if why.contains("released")),
        "{r:?}"
    );
    drop(client);
    script.join().unwrap();
}

/// [`Options::timeout`] too long for the clock to add to now is no timeout of ours, and the
/// answer to a deregistration (RFC 8323 §7.4) is then not waited for: a server that takes the
/// deregistration and never answers it does not hold the caller, whose observation is over.
/// The client used to wait for that answer without any bound.
#[test]
fn over_tcp_a_deregistration_with_a_timeout_too_long_for_the_clock_is_not_waited_for() {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let (uri, script) = tcp_server("temp", move |mut s| {
        let reg = read_frame(&mut s).unwrap();
        let token = Message::parse_tcp(&reg).unwrap().token().to_vec();
        let mut n = Builder::<2>::tcp(Code::CONTENT);
        n.token(&token);
        n.uint(OptionNumber::OBSERVE, 2).unwrap();
        n.payload(b"1");
        assert!(write(&mut s, &n));
        let dereg = read_frame(&mut s).expect("a deregistration");
        assert_eq!(Message::parse_tcp(&dereg).unwrap().observe(), Some(1));
        // Never answered; the connection stays open until the test is over.
        let _ = done_rx.recv_timeout(Duration::from_secs(60));
    });
    assert!(
        std::time::Instant::now()
            .checked_add(Duration::MAX)
            .is_none()
    );
    let opts = Options {
        timeout: Duration::MAX,
        ..Options::default()
    };
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let uri = Uri::parse(&uri).unwrap();
        let mut client = Client::connect(&uri, opts).unwrap();
        let r = client.observe(&uri, 1, |_| true).map(|r| r.payload);
        let _ = tx.send(r);
        drop(client);
    });
    // Generous: the observation ends at once after its one notification.
    let r = rx.recv_timeout(Duration::from_secs(20));
    let _ = done_tx.send(());
    assert_eq!(r.expect("observe returned").unwrap(), b"1");
    script.join().unwrap();
}
