//! A CoAP-over-UDP server on the sans-IO endpoint and a std socket, for the peer tests
//! (`tests/peers/`): libcoap's and aiocoap's clients talk to it.
//!
//! Resources: `/hello` (GET), `/large` (GET, 3000 bytes in Block2), `/upload` (PUT or POST,
//! Block1 uploads; GET returns what was stored), `/obs` (GET with Observe: a counter notified
//! every 300 ms), `/slow` (an Empty ACK, then a separate response), `/.well-known/core`, and
//! `/quit` (POST: print the summary and stop). Anything else is 4.04.
//!
//! Every datagram received is checked: it must parse, and re-encode byte for byte. The summary
//! (one JSON line on stdout) counts them; the exit status is 1 if any failed.
//!
//! `cargo run -p m2m-coap --example coap_server -- 127.0.0.1:5683`
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)] // an example; bounded values

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use m2m_coap::block::{self, Assembler, Progress};
use m2m_coap::endpoint::{Endpoint, Exchange, Incoming};
use m2m_coap::observe::{Observers, Registration};
use m2m_coap::{Block, Builder, Code, ContentFormat, Message, OptionNumber, Type};
use m2m_core::{Encode, Timestamp};

type Ep = Endpoint<SocketAddr, 32, 1280>;

/// The body of `/large`: 3000 printable bytes.
fn large() -> Vec<u8> {
    (0..3000).map(|i| b'a' + (i % 26) as u8).collect()
}

#[derive(Default)]
struct Checks {
    received: u64,
    reencoded: u64,
    failed: u64,
}

impl Checks {
    /// Parses and re-encodes a datagram; counts the outcome.
    fn check(&mut self, d: &[u8]) {
        self.received += 1;
        match Message::parse_udp(d) {
            Ok(m) => {
                let b = Builder::<256>::from_message(&m).unwrap();
                let mut out = vec![0u8; b.buffer_len()];
                if b.encode(&mut out).is_ok() && out == d {
                    self.reencoded += 1;
                } else {
                    self.failed += 1;
                    eprintln!("re-encode differs: {}", m2m_core::hex::encode(d));
                }
            }
            Err(e) => {
                self.failed += 1;
                eprintln!("does not parse ({e}): {}", m2m_core::hex::encode(d));
            }
        }
    }
}

struct Server {
    ep: Ep,
    start: Instant,
    large: Vec<u8>,
    stored: Vec<u8>,
    upload: Vec<u8>,
    upload_len: usize,
    upload_done: bool,
    observers: Observers<SocketAddr, 8>,
    next_notify: Instant,
    counter: u32,
    slow: Vec<(Exchange<SocketAddr>, Instant)>,
    quit: bool,
}

impl Server {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.start.elapsed().as_millis() as u64)
    }

    fn respond(&mut self, ex: &Exchange<SocketAddr>, b: &Builder<'_, 8>) {
        if let Err(e) = self.ep.respond(self.now(), ex, b) {
            eprintln!("respond: {e}");
        }
    }

    fn simple(&mut self, ex: &Exchange<SocketAddr>, code: Code, payload: &[u8]) {
        let mut b = Builder::<8>::udp(Type::Acknowledgement, code, 0);
        if !payload.is_empty() {
            b.uint(OptionNumber::CONTENT_FORMAT, 0).unwrap();
        }
        b.payload(payload);
        self.respond(ex, &b);
    }

    /// Serves `body` in the block the request asks for.
    fn serve_blocks(&mut self, ex: &Exchange<SocketAddr>, m: &Message<'_>, body: &[u8]) {
        let requested = m.block2().and_then(Result::ok);
        match block::slice(body, requested, 6) {
            Ok((b2, chunk)) => {
                let chunk = chunk.to_vec();
                let mut b = Builder::<8>::udp(Type::Acknowledgement, Code::CONTENT, 0);
                b.uint(OptionNumber::CONTENT_FORMAT, 0).unwrap();
                if body.len() > b2.size() || requested.is_some() {
                    b.uint(OptionNumber::BLOCK2, b2.to_uint()).unwrap();
                    if b2.num == 0 {
                        b.uint(OptionNumber::SIZE2, body.len() as u32).unwrap();
                    }
                }
                b.payload(&chunk);
                self.respond(ex, &b);
            }
            Err(e) => self.simple(ex, e.code(), b"block past the end"),
        }
    }

    fn upload(&mut self, ex: &Exchange<SocketAddr>, m: &Message<'_>) {
        let Some(Ok(b1)) = m.block1() else {
            self.stored = m.payload().to_vec();
            self.simple(ex, Code::CHANGED, b"");
            return;
        };
        if b1.num == 0 {
            self.upload = vec![0u8; 64 * 1024];
            self.upload_len = 0;
            self.upload_done = false;
        }
        let mut asm = Assembler::resume(&mut self.upload, self.upload_len);
        let result = asm.push(b1, m.payload(), None);
        let len = asm.body().len();
        match result {
            Ok(Progress::More(_)) | Ok(Progress::Repeat) => {
                self.upload_len = len;
                let mut b = Builder::<8>::udp(Type::Acknowledgement, Code::CONTINUE, 0);
                b.uint(OptionNumber::BLOCK1, Block { more: true, ..b1 }.to_uint())
                    .unwrap();
                self.respond(ex, &b);
            }
            Ok(Progress::Done(n)) => {
                self.upload_len = n;
                self.upload_done = true;
                self.stored = self.upload[..n].to_vec();
                let mut b = Builder::<8>::udp(Type::Acknowledgement, Code::CHANGED, 0);
                b.uint(OptionNumber::BLOCK1, Block { more: false, ..b1 }.to_uint())
                    .unwrap();
                self.respond(ex, &b);
            }
            Err(e) => self.simple(ex, e.code(), b"block out of order"),
        }
    }

    fn request(&mut self, m: &Message<'_>, ex: Exchange<SocketAddr>) {
        let path: Vec<&str> = m.uri_path().collect();
        let path = path.join("/");
        match (m.code(), path.as_str()) {
            (Code::GET, "hello") => self.simple(&ex, Code::CONTENT, b"Hello from m2m-coap"),
            (Code::GET, "large") => {
                let body = self.large.clone();
                self.serve_blocks(&ex, m, &body);
            }
            (Code::GET, "upload") => {
                let body = self.stored.clone();
                self.serve_blocks(&ex, m, &body);
            }
            (Code::PUT | Code::POST, "upload") => self.upload(&ex, m),
            (Code::GET, "obs") => {
                let reg = m.observe().and_then(Registration::from_value);
                let mut b = Builder::<8>::udp(Type::Acknowledgement, Code::CONTENT, 0);
                match reg {
                    Some(Registration::Register)
                        if self.observers.register(ex.peer, ex.token()) =>
                    {
                        let seq = self.observers.next_seq();
                        b.uint(OptionNumber::OBSERVE, seq).unwrap();
                    }
                    Some(Registration::Deregister) => self.observers.remove(ex.peer, ex.token()),
                    _ => {}
                }
                b.uint(OptionNumber::CONTENT_FORMAT, 0).unwrap();
                let text = format!("{}", self.counter);
                b.payload(text.as_bytes());
                self.respond(&ex, &b);
            }
            (Code::GET, "slow") => {
                let now = self.now();
                self.ep.accept(now, &ex);
                self.slow
                    .push((ex, Instant::now() + Duration::from_millis(300)));
            }
            (Code::GET, ".well-known/core") => {
                let links = "</hello>;ct=0,</large>;ct=0;sz=3000,</upload>,</obs>;obs,</slow>";
                let mut b = Builder::<8>::udp(Type::Acknowledgement, Code::CONTENT, 0);
                b.uint(
                    OptionNumber::CONTENT_FORMAT,
                    u32::from(ContentFormat::LINK_FORMAT.0),
                )
                .unwrap();
                b.payload(links.as_bytes());
                self.respond(&ex, &b);
            }
            (Code::POST, "quit") => {
                self.simple(&ex, Code::CHANGED, b"");
                self.quit = true;
            }
            (Code::GET | Code::PUT | Code::POST | Code::DELETE, _) => {
                self.simple(&ex, Code::NOT_FOUND, b"")
            }
            _ => self.simple(&ex, Code::METHOD_NOT_ALLOWED, b""),
        }
    }

    fn timers(&mut self) {
        let now = Instant::now();
        let due: Vec<_> = self
            .slow
            .iter()
            .filter(|(_, t)| *t <= now)
            .map(|(e, _)| *e)
            .collect();
        self.slow.retain(|(_, t)| *t > now);
        for ex in due {
            let mut b = Builder::<8>::udp(Type::Confirmable, Code::CONTENT, 0);
            b.uint(OptionNumber::CONTENT_FORMAT, 0).unwrap();
            b.payload(b"slow answer");
            self.respond(&ex, &b);
        }
        if now >= self.next_notify && !self.observers.is_empty() {
            self.next_notify = now + Duration::from_millis(300);
            self.counter += 1;
            let seq = self.observers.next_seq();
            let text = format!("{}", self.counter);
            let observers: Vec<_> = self.observers.iter().copied().collect();
            for o in observers {
                let mut b = Builder::<8>::udp(Type::NonConfirmable, Code::CONTENT, 0);
                b.uint(OptionNumber::OBSERVE, seq).unwrap();
                b.uint(OptionNumber::CONTENT_FORMAT, 0).unwrap();
                b.payload(text.as_bytes());
                // Every fifth notification Confirmable (RFC 7641 §4.5).
                let con = self.counter % 5 == 0;
                let t = self.now();
                if self.ep.notify(t, o.peer, o.token(), &b, con).is_err() {
                    self.observers.remove(o.peer, o.token());
                }
            }
        }
    }
}

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:5683".into());
    let socket = UdpSocket::bind(&addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    eprintln!("coap_server listening on {}", socket.local_addr().unwrap());
    let mut s = Server {
        ep: Ep::new(0x5eed_c0a9 ^ u64::from(std::process::id())),
        start: Instant::now(),
        large: large(),
        stored: Vec::new(),
        upload: Vec::new(),
        upload_len: 0,
        upload_done: false,
        observers: Observers::new(),
        next_notify: Instant::now(),
        counter: 0,
        slow: Vec::new(),
        quit: false,
    };
    let mut checks = Checks::default();
    let mut buf = [0u8; 1500];
    let mut out = [0u8; 1500];
    loop {
        while let Some((peer, n)) = s.ep.poll_transmit(s.now(), &mut out) {
            let _ = socket.send_to(&out[..n], peer);
        }
        while let Some(e) = s.ep.poll_event() {
            eprintln!("event: {e:?}");
        }
        if s.quit {
            break;
        }
        s.timers();
        let Ok((n, peer)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let d = buf[..n].to_vec();
        checks.check(&d);
        let now = s.now();
        match s.ep.handle(now, peer, &d) {
            Ok(Incoming::Request { message, exchange }) => s.request(&message, exchange),
            Ok(Incoming::Reset { peer, token, .. }) => s.observers.remove(peer, token.as_slice()),
            Ok(_) => {}
            Err(e) => eprintln!("rejected: {e}"),
        }
    }
    println!(
        "{{\"received\":{},\"reencoded\":{},\"failed\":{}}}",
        checks.received, checks.reencoded, checks.failed
    );
    std::process::exit(i32::from(checks.failed > 0));
}
