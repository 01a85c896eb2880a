//! A CoAP-over-UDP client on the sans-IO endpoint and a std socket, for the peer tests
//! (`tests/peers/`): it talks to libcoap's and aiocoap's servers.
//!
//! `coap_client METHOD URI [--payload-file FILE] [--block SZX] [--observe N] [--non]`
//!
//! Block2 downloads are followed to the end and Block1 uploads cut in blocks of 2^(SZX+4) bytes
//! (SZX 6 by default). The payload of the response (the whole body) goes to stdout, one line per
//! notification with `--observe N`; the response code and the checks go to stderr. Every
//! datagram received must parse and re-encode byte for byte: exit status 3 if one did not,
//! 2 on a timeout, 1 on any other failure, 0 on a 2.xx response.
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)] // an example; bounded values

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use m2m_coap::block::{Assembler, Progress};
use m2m_coap::endpoint::{Endpoint, Event, Incoming, RequestId};
use m2m_coap::{Block, Builder, Code, Message, OptionNumber, Type, Uri};
use m2m_core::{Encode, Timestamp};

type Ep = Endpoint<SocketAddr, 8, 1280>;

struct Client {
    ep: Ep,
    socket: UdpSocket,
    peer: SocketAddr,
    start: Instant,
    received: u64,
    failed: u64,
}

/// One response, owned.
struct Response {
    code: Code,
    block1: Option<Block>,
    block2: Option<Block>,
    etag: Option<Vec<u8>>,
    observe: Option<u32>,
    payload: Vec<u8>,
}

impl Client {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.start.elapsed().as_millis() as u64)
    }

    fn check(&mut self, d: &[u8]) {
        self.received += 1;
        let ok = Message::parse_udp(d).is_ok_and(|m| {
            let b = Builder::<256>::from_message(&m).unwrap();
            let mut out = vec![0u8; b.buffer_len()];
            b.encode(&mut out).is_ok() && out == d
        });
        if !ok {
            self.failed += 1;
            eprintln!("does not parse or re-encode: {}", m2m_core::hex::encode(d));
        }
    }

    /// Sends what the endpoint has to send, then waits for the response to `id`.
    fn wait(&mut self, id: RequestId, deadline: Duration) -> Result<Response, String> {
        let until = Instant::now() + deadline;
        let mut buf = [0u8; 1500];
        let mut out = [0u8; 1500];
        loop {
            while let Some((peer, n)) = self.ep.poll_transmit(self.now(), &mut out) {
                self.socket
                    .send_to(&out[..n], peer)
                    .map_err(|e| e.to_string())?;
            }
            while let Some(e) = self.ep.poll_event() {
                if e == Event::Timeout(id) {
                    return Err("timeout".into());
                }
            }
            if Instant::now() > until {
                return Err("timeout".into());
            }
            let Ok((n, peer)) = self.socket.recv_from(&mut buf) else {
                continue;
            };
            let d = buf[..n].to_vec();
            self.check(&d);
            let now = self.now();
            match self.ep.handle(now, peer, &d) {
                Ok(Incoming::Response { id: got, message }) if got == id => {
                    // Acknowledge a separate response before returning.
                    while let Some((peer, n)) = self.ep.poll_transmit(self.now(), &mut out) {
                        self.socket
                            .send_to(&out[..n], peer)
                            .map_err(|e| e.to_string())?;
                    }
                    return Ok(Response {
                        code: message.code(),
                        block1: message.block1().and_then(Result::ok),
                        block2: message.block2().and_then(Result::ok),
                        etag: message.etags().next().map(<[u8]>::to_vec),
                        observe: message.observe(),
                        payload: message.payload().to_vec(),
                    });
                }
                Ok(Incoming::Reset { id: Some(got), .. }) if got == id => {
                    return Err("reset by the peer".into());
                }
                Ok(_) => {}
                Err(e) => eprintln!("rejected: {e}"),
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = run(&args).unwrap_or_else(|e| {
        eprintln!("coap_client: {e}");
        if e == "timeout" { 2 } else { 1 }
    });
    std::process::exit(code);
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn run(args: &[String]) -> Result<i32, String> {
    let method = args
        .get(1)
        .ok_or("usage: coap_client METHOD URI [options]")?;
    let text = args
        .get(2)
        .ok_or("usage: coap_client METHOD URI [options]")?;
    let code = Code::parse(&method.to_uppercase()).ok_or("bad method")?;
    let uri = Uri::parse(text).map_err(|e| e.to_string())?;
    let port = uri.effective_port();
    let host = uri.host;
    let peer = (host, port)
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .next()
        .ok_or("no address")?;
    let payload = match flag(args, "--payload-file") {
        Some(f) => std::fs::read(f).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let szx: u8 = flag(args, "--block").map_or(6, |s| s.parse().unwrap_or(6));
    let notifications: usize = flag(args, "--observe").map_or(0, |s| s.parse().unwrap_or(0));
    let confirmable = !args.iter().any(|a| a == "--non");
    let socket = UdpSocket::bind(if peer.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    })
    .map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut c = Client {
        ep: Ep::new(u64::from(std::process::id()) << 17 ^ 0x9e37_79b9),
        socket,
        peer,
        start: Instant::now(),
        received: 0,
        failed: 0,
    };
    let mut scratch = [0u8; 1024];
    let mut base = Builder::<16>::udp(Type::Confirmable, code, 0);
    uri.to_options(&mut base, &mut scratch, Some(port))
        .map_err(|e| e.to_string())?;

    let mut stdout = std::io::stdout().lock();
    let last: Response;
    if notifications > 0 {
        let mut b = base.clone();
        b.uint(OptionNumber::OBSERVE, 0)
            .map_err(|e| e.to_string())?;
        let id =
            c.ep.request(c.now(), c.peer, &b, confirmable)
                .map_err(|e| e.to_string())?;
        let mut got = 0;
        let mut rsp = c.wait(id, Duration::from_secs(10))?;
        loop {
            writeln!(stdout, "{}", String::from_utf8_lossy(&rsp.payload)).unwrap();
            got += 1;
            if got >= notifications || rsp.observe.is_none() {
                break;
            }
            rsp = c.wait(id, Duration::from_secs(10))?;
        }
        c.ep.cancel(id);
        eprintln!("{} {} notifications", rsp.code, got);
        last = rsp;
    } else if payload.len() > (16usize << szx) {
        // Block1 upload (RFC 7959 §2.5).
        let size = 16usize << szx;
        let mut num = 0u32;
        loop {
            let start = num as usize * size;
            let end = (start + size).min(payload.len());
            let more = end < payload.len();
            let mut b = base.clone();
            let block = Block { num, more, szx };
            b.uint(OptionNumber::BLOCK1, block.to_uint())
                .map_err(|e| e.to_string())?;
            if num == 0 {
                b.uint(OptionNumber::SIZE1, payload.len() as u32)
                    .map_err(|e| e.to_string())?;
            }
            b.payload(&payload[start..end]);
            let id =
                c.ep.request(c.now(), c.peer, &b, confirmable)
                    .map_err(|e| e.to_string())?;
            let rsp = c.wait(id, Duration::from_secs(30))?;
            if !more || rsp.code != Code::CONTINUE {
                last = rsp;
                break;
            }
            // The server may ask for smaller blocks; keep it simple and go on in order.
            num += 1;
        }
        stdout.write_all(&last.payload).unwrap();
    } else {
        // A request, following Block2 to the end (RFC 7959 §2.4).
        let mut body = vec![0u8; 1 << 20];
        let mut asm = Assembler::new(&mut body);
        let mut next: Option<Block> = None;
        loop {
            let mut b = base.clone();
            if let Some(blk) = next {
                b.uint(OptionNumber::BLOCK2, blk.to_uint())
                    .map_err(|e| e.to_string())?;
            }
            b.payload(&payload);
            let id =
                c.ep.request(c.now(), c.peer, &b, confirmable)
                    .map_err(|e| e.to_string())?;
            let rsp = c.wait(id, Duration::from_secs(30))?;
            match rsp.block2 {
                Some(b2) if rsp.code.class() == 2 => {
                    match asm
                        .push(b2, &rsp.payload, rsp.etag.as_deref())
                        .map_err(|e| e.to_string())?
                    {
                        Progress::More(n) => next = Some(n),
                        Progress::Done(_) | Progress::Repeat => {
                            last = Response {
                                payload: asm.body().to_vec(),
                                ..rsp
                            };
                            break;
                        }
                    }
                }
                _ => {
                    last = rsp;
                    break;
                }
            }
        }
        stdout.write_all(&last.payload).unwrap();
    }
    stdout.flush().unwrap();
    let _ = last.block1;
    eprintln!(
        "{} (received {}, re-encoded {})",
        last.code,
        c.received,
        c.received - c.failed
    );
    if c.failed > 0 {
        return Ok(3);
    }
    Ok(if last.code.class() == 2 { 0 } else { 1 })
}
