//! The blocking client against a scripted UDP server on loopback: a request that timed out
//! gives its place up to the next, an upload in Block1 blocks whose answer comes in Block2
//! blocks (RFC 7959 §3.3, Figure 14), and a server that repeats a block.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::net::UdpSocket;
use std::thread;
use std::time::Duration;

use m2m_coap::blocking::{Client, ClientError, Options};
use m2m_coap::option::value::Block;
use m2m_coap::{Builder, Code, Message, OptionNumber, Type, Uri};

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
    let mut out = [0u8; 1500];
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
