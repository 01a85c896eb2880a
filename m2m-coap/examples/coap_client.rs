//! A CoAP-over-UDP client on the sans-IO endpoint and a std socket, for the peer tests
//! (`tests/peers/`): it talks to libcoap's and aiocoap's servers.
//!
//! `coap_client METHOD URI [--payload-file FILE] [--block SZX] [--observe N] [--non]`
//!
//! `coap://` goes over UDP, `coap+tcp://` over TCP (RFC 8323, with the CSM exchange).
//!
//! Block2 downloads are followed to the end and Block1 uploads cut in blocks of 2^(SZX+4) bytes
//! (SZX 6 by default). The payload of the response (the whole body) goes to stdout, one line per
//! notification with `--observe N`; the response code and the checks go to stderr. Every
//! datagram received must parse and re-encode byte for byte: exit status 3 if one did not,
//! 2 on a timeout, 1 on any other failure, 0 on a 2.xx response.
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)] // an example; bounded values

use std::io::Read;
use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use m2m_coap::block::{Assembler, Progress};
use m2m_coap::endpoint::{Endpoint, Event, Incoming, RequestId};
use m2m_coap::signaling::{Session, Signal};
use m2m_coap::tcp::Framing;
use m2m_coap::{Block, Builder, Code, Message, OptionNumber, Type, Uri};
use m2m_core::{Encode, Framing as _, Status, Timestamp};

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

/// CoAP over TCP (RFC 8323): our CSM first, then requests with 8-byte tokens; signaling from
/// the server (CSM, Ping) is handled while waiting.
struct TcpClient {
    stream: TcpStream,
    buf: Vec<u8>,
    session: Session,
    next_token: u64,
    received: u64,
    failed: u64,
}

impl TcpClient {
    fn connect(peer: SocketAddr) -> Result<Self, String> {
        let stream = TcpStream::connect(peer).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut c = TcpClient {
            stream,
            buf: Vec::new(),
            session: Session::new(),
            next_token: 1,
            received: 0,
            failed: 0,
        };
        let csm = c.session.csm(1 << 20, false).map_err(|e| e.to_string())?;
        c.write(&csm)?;
        Ok(c)
    }

    fn write<const N: usize>(&mut self, b: &Builder<'_, N>) -> Result<(), String> {
        let mut out = vec![0u8; b.buffer_len()];
        b.encode(&mut out).map_err(|e| e.to_string())?;
        self.stream.write_all(&out).map_err(|e| e.to_string())
    }

    /// The next whole frame from the stream.
    fn frame(&mut self) -> Result<Vec<u8>, String> {
        loop {
            match Framing::new()
                .frame_len(&self.buf)
                .map_err(|e| e.to_string())?
            {
                Status::Complete(n) => return Ok(self.buf.drain(..n).collect()),
                Status::Partial(_) => {
                    let mut chunk = [0u8; 4096];
                    let n = self
                        .stream
                        .read(&mut chunk)
                        .map_err(|_| "timeout".to_string())?;
                    if n == 0 {
                        return Err("connection closed".into());
                    }
                    self.buf.extend_from_slice(&chunk[..n]);
                }
            }
        }
    }

    /// Sends a request with a fresh token and returns that token.
    fn send(&mut self, b: &Builder<'_, 16>) -> Result<[u8; 8], String> {
        let token = self.next_token.to_be_bytes();
        self.next_token += 1;
        let mut b = b.clone();
        b.token(&token);
        self.write(&b)?;
        Ok(token)
    }

    /// The next response carrying `token`.
    fn wait(&mut self, token: &[u8]) -> Result<Response, String> {
        loop {
            let f = self.frame()?;
            self.received += 1;
            let m = Message::parse_tcp(&f).map_err(|e| e.to_string())?;
            let b = Builder::<256>::from_message(&m).unwrap();
            let mut out = vec![0u8; b.buffer_len()];
            if b.encode(&mut out).is_err() || out != f {
                self.failed += 1;
                eprintln!("does not re-encode: {}", m2m_core::hex::encode(&f));
            }
            match self.session.on_message(&m) {
                Signal::Message if m.token() == token => {
                    return Ok(Response {
                        code: m.code(),
                        block1: m.block1().and_then(Result::ok),
                        block2: m.block2().and_then(Result::ok),
                        etag: m.etags().next().map(<[u8]>::to_vec),
                        observe: m.observe(),
                        payload: m.payload().to_vec(),
                    });
                }
                Signal::Ping => {
                    let pong = self.session.pong(&m);
                    self.write(&pong)?;
                }
                Signal::Violation(v) => return Err(format!("signaling: {v:?}")),
                Signal::Abort { .. } | Signal::Release { .. } => {
                    return Err("closed by the server".into());
                }
                _ => {}
            }
        }
    }
}

/// Our UDP or TCP client, one request at a time.
enum Conn {
    Udp(Box<Client>, bool),
    Tcp(TcpClient),
}

impl Conn {
    /// Sends a request; returns a handle for `next`.
    fn send(&mut self, b: &Builder<'_, 16>) -> Result<Handle, String> {
        match self {
            Conn::Udp(c, confirmable) => {
                let id =
                    c.ep.request(c.now(), c.peer, b, *confirmable)
                        .map_err(|e| e.to_string())?;
                Ok(Handle::Udp(id))
            }
            Conn::Tcp(c) => Ok(Handle::Tcp(c.send(b)?)),
        }
    }

    /// The next response to the request of `h`.
    fn next(&mut self, h: &Handle) -> Result<Response, String> {
        match (self, h) {
            (Conn::Udp(c, _), Handle::Udp(id)) => c.wait(*id, Duration::from_secs(30)),
            (Conn::Tcp(c), Handle::Tcp(token)) => c.wait(token),
            _ => Err("handle of another transport".into()),
        }
    }

    fn exchange(&mut self, b: &Builder<'_, 16>) -> Result<Response, String> {
        let h = self.send(b)?;
        self.next(&h)
    }

    fn cancel(&mut self, h: &Handle) {
        if let (Conn::Udp(c, _), Handle::Udp(id)) = (self, h) {
            c.ep.cancel(*id);
        }
    }

    fn counts(&self) -> (u64, u64) {
        match self {
            Conn::Udp(c, _) => (c.received, c.failed),
            Conn::Tcp(c) => (c.received, c.failed),
        }
    }
}

enum Handle {
    Udp(RequestId),
    Tcp([u8; 8]),
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
    let tcp = matches!(uri.scheme, m2m_coap::Scheme::CoapTcp);
    let mut conn = if tcp {
        Conn::Tcp(TcpClient::connect(peer)?)
    } else {
        let socket = UdpSocket::bind(if peer.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        })
        .map_err(|e| e.to_string())?;
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        Conn::Udp(
            Box::new(Client {
                ep: Ep::new(u64::from(std::process::id()) << 17 ^ 0x9e37_79b9),
                socket,
                peer,
                start: Instant::now(),
                received: 0,
                failed: 0,
            }),
            confirmable,
        )
    };
    let mut scratch = [0u8; 1024];
    let mut base = if tcp {
        Builder::<16>::tcp(code)
    } else {
        Builder::<16>::udp(Type::Confirmable, code, 0)
    };
    uri.to_options(&mut base, &mut scratch, Some(port))
        .map_err(|e| e.to_string())?;

    let mut stdout = std::io::stdout().lock();
    let last: Response;
    if notifications > 0 {
        let mut b = base.clone();
        b.uint(OptionNumber::OBSERVE, 0)
            .map_err(|e| e.to_string())?;
        let h = conn.send(&b)?;
        let mut got = 0;
        let mut rsp = conn.next(&h)?;
        loop {
            writeln!(stdout, "{}", String::from_utf8_lossy(&rsp.payload)).unwrap();
            got += 1;
            if got >= notifications || rsp.observe.is_none() {
                break;
            }
            rsp = conn.next(&h)?;
        }
        conn.cancel(&h);
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
            let rsp = conn.exchange(&b)?;
            if !more || rsp.code != Code::CONTINUE {
                last = rsp;
                break;
            }
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
            let rsp = conn.exchange(&b)?;
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
    let (received, failed) = conn.counts();
    eprintln!(
        "{} (received {}, re-encoded {})",
        last.code,
        received,
        received - failed
    );
    if failed > 0 {
        return Ok(3);
    }
    Ok(if last.code.class() == 2 { 0 } else { 1 })
}
