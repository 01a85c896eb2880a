//! A blocking CoAP client on std sockets (feature `std`): `coap://` over UDP through the sans-IO
//! [`Endpoint`] (RFC 7252: retransmission, separate responses, Reset), `coap+tcp://` over TCP
//! with the RFC 8323 signaling session (CSM first, Ping answered). Requests follow Block2
//! downloads to the end and cut large payloads into Block1 uploads (RFC 7959 §2.4, §2.5);
//! [`Client::observe`] registers and hands over each notification (RFC 7641).
//!
//! For tools and tests, one request at a time; a server on tokio is in `runner`.
//!
//! ```no_run
//! use m2m_coap::blocking::{Client, Options};
//! use m2m_coap::{Code, Uri};
//!
//! let uri = Uri::parse("coap://127.0.0.1/.well-known/core")?;
//! let mut client = Client::connect(&uri, Options::default())?;
//! let rsp = client.request(Code::GET, &uri, b"")?;
//! println!("{} {}", rsp.code, String::from_utf8_lossy(&rsp.payload));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::net::SocketAddr;
use core::time::Duration;
use std::boxed::Box;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
use std::string::{String, ToString};
use std::time::Instant;
use std::vec::Vec;

use m2m_core::{Framing as _, Status, Timestamp};

use crate::block::{self, Assembler, Progress};
use crate::endpoint::stream::{
    Close, ConnParams, Connection, StreamError, StreamEvent, StreamIncoming,
};
use crate::endpoint::{Endpoint, Event, Incoming, RequestId};
use crate::tcp::Framing;
use crate::{
    Block, Builder, Code, ContentFormat, Message, OptionNumber, Scheme, Transport, Type, Uri,
};

type Ep = Endpoint<SocketAddr, 8, 1280>;
/// The TCP connection: 8 requests, and a send queue for a few block-sized messages.
type Tcp = Connection<8, 8192>;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// A socket error.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// No response in time (UDP: after the retransmissions).
    #[error("timeout")]
    Timeout,
    /// The server answered with Reset.
    #[error("reset by the peer")]
    Reset,
    /// The TCP connection closed, or the server released or aborted it.
    #[error("connection closed: {0}")]
    Closed(String),
    /// The request could not be built, or the server broke the protocol.
    #[error("protocol: {0}")]
    Protocol(String),
}

fn protocol(e: impl core::fmt::Display) -> ClientError {
    ClientError::Protocol(e.to_string())
}

/// How requests are made.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// UDP: Confirmable requests (`false`: Non-confirmable).
    pub confirmable: bool,
    /// Block size exponent for uploads (block size 2^(SZX+4), 0..=6).
    pub block_szx: u8,
    /// How long to wait for a response (UDP: on top of the retransmissions' own give-up).
    ///
    /// A timeout too long for the clock (`Instant::now()` plus it overflows) is no timeout of
    /// ours: a request, or a notification of an observation, is waited for as long as the
    /// connection allows (over UDP, until the endpoint gives the request up: no ACK after the
    /// retransmissions, or no response within the exchange's lifetime, RFC 7252 §4.8.2; over
    /// TCP, until the server answers or closes). The answer to a deregistration over TCP
    /// (RFC 8323 §7.4) is then not waited for at all: the observation is over for the caller,
    /// and nothing else would end that wait (the deregistration is sent all the same).
    pub timeout: Duration,
    /// The largest body a Block2 download may reach.
    pub max_body: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            confirmable: true,
            block_szx: 6,
            timeout: Duration::from_secs(30),
            max_body: 1 << 20,
        }
    }
}

/// A response, owned (for a Block2 download: the whole body).
///
/// A body that came in Block2 blocks (RFC 7959 §2.4) is the payload of them all; the code,
/// Content-Format and [`Response::options`] are those of the last block, the one that completed
/// the body (its Block2 option names that block, with M 0). Options that a server sends in the
/// first block only, such as Size2 (RFC 7959 §4) or Observe (RFC 7641 §3.4), are then not among
/// them; a notification's Observe number is in [`Response::observe`] all the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The response code.
    pub code: Code,
    /// Content-Format, if given.
    pub content_format: Option<ContentFormat>,
    /// Observe sequence number of a notification.
    pub observe: Option<u32>,
    /// The payload.
    pub payload: Vec<u8>,
    /// The option area of the message, as validated by its parser.
    options: Vec<u8>,
    block1: Option<Block>,
    block2: Option<Block>,
    etag: Option<Vec<u8>>,
}

impl Response {
    /// The response of `m`; a Block1 or Block2 option that cannot be read (SZX 7 over UDP,
    /// RFC 7959 §2.2) is an error: read as no option, the first block would pass for the body.
    fn of(m: &Message<'_>) -> Result<Self, ClientError> {
        Ok(Response {
            code: m.code(),
            content_format: m.content_format(),
            observe: m.observe(),
            payload: m.payload().to_vec(),
            options: m.options_bytes().to_vec(),
            block1: m.block1().transpose().map_err(protocol)?,
            block2: m.block2().transpose().map_err(protocol)?,
            etag: m.etags().next().map(<[u8]>::to_vec),
        })
    }

    /// The options of the response, in order (RFC 7252 §3.1, §5.4): ETag, Max-Age,
    /// Location-Path, Observe, Block2, Size2 and any other, as [`Message::options`] gives them.
    /// For a body in Block2 blocks, those of the last block (see [`Response`]).
    #[must_use]
    pub fn options(&self) -> crate::option::Options<'_> {
        crate::option::Options::new(&self.options)
    }
}

/// The largest UDP payload (IPv4: 65 535 less the IP and UDP headers).
const MAX_DATAGRAM: usize = 65_507;

/// A check on every datagram or frame received, before it is handled (the peer tests verify
/// that each one re-encodes byte for byte).
pub type FrameCheck = Box<dyn FnMut(&[u8])>;

enum Conn {
    Udp {
        ep: Box<Ep>,
        socket: UdpSocket,
        peer: SocketAddr,
        start: Instant,
    },
    Tcp {
        stream: TcpStream,
        buf: Vec<u8>,
        conn: Box<Tcp>,
        start: Instant,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Handle {
    Udp(RequestId),
    Tcp(RequestId),
}

/// The milliseconds since `start`.
fn since(start: &Instant) -> Timestamp {
    Timestamp::since(*start)
}

/// Writes everything the connection has queued.
fn flush(stream: &mut TcpStream, conn: &mut Tcp, start: &Instant) -> Result<(), ClientError> {
    let mut out = [0u8; 8192];
    while let Some(n) = conn.poll_transmit(since(start), &mut out) {
        stream.write_all(out.get(..n).unwrap_or_default())?;
    }
    Ok(())
}

/// Why a wait over TCP ended without the answer, whichever deadline ended it (the connection's
/// response timeout, or [`Options::timeout`] for the whole wait): after the server's Release
/// (RFC 8323 §5.5), that it released the connection (an observation that is established ends
/// at once, and a response that did not come is not coming); otherwise a timeout.
fn no_answer(conn: &Tcp) -> ClientError {
    if conn.is_released() {
        released()
    } else {
        ClientError::Timeout
    }
}

/// The server released the connection (RFC 8323 §5.5).
fn released() -> ClientError {
    ClientError::Closed("released by the server".into())
}

/// Before a read of the TCP client that may wait: what the connection reports is an error
/// (no response to request `id` within its response timeout; no CSM from the server within
/// its CSM timeout, RFC 8323 §5.3; a Ping of ours unanswered), and so is `until` passed.
/// Otherwise how long the read may wait before they are looked at again (`None`: for ever).
fn tcp_deadlines(
    conn: &mut Tcp,
    id: RequestId,
    stream: &mut TcpStream,
    start: &Instant,
    until: Option<Instant>,
) -> Result<Option<Duration>, ClientError> {
    let now = since(start);
    while let Some(event) = conn.poll_event(now) {
        match event {
            StreamEvent::Timeout(got) if got == id => return Err(no_answer(conn)),
            StreamEvent::Timeout(_) => {}
            StreamEvent::NoCsm => {
                conn.abort("no CSM");
                let _ = flush(stream, conn, start);
                return Err(protocol("no CSM from the server in time"));
            }
            StreamEvent::Unresponsive => {
                return Err(ClientError::Closed("no Pong to our Ping".into()));
            }
        }
    }
    let left = until.map(|u| u.saturating_duration_since(Instant::now()));
    if left.is_some_and(|d| d.is_zero()) {
        return Err(no_answer(conn));
    }
    let next = conn
        .poll_timeout()
        .map(|t| Duration::from_millis(t.as_millis().saturating_sub(now.as_millis())));
    let wait = match (left, next) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // A read timeout of zero is refused by the socket.
    Ok(wait.map(|d| d.max(Duration::from_millis(1))))
}

/// A connection to one CoAP server.
pub struct Client {
    conn: Conn,
    port: u16,
    options: Options,
    check: Option<FrameCheck>,
    /// A response to another request than the one waited for (a notification that came while
    /// the rest of a notification in blocks was asked for): the latest, handed over when
    /// its request is waited for.
    stash: Option<(Handle, Response)>,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects to the server of `uri`: a UDP socket for `coap://`, a TCP connection and the
    /// CSM exchange for `coap+tcp://`.
    pub fn connect(uri: &Uri<'_>, options: Options) -> Result<Self, ClientError> {
        let port = uri.effective_port();
        let peer = (uri.host, port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| protocol(std::format!("no address for {}", uri.host)))?;
        let conn = match uri.scheme {
            Scheme::CoapTcp => {
                let mut stream = TcpStream::connect_timeout(&peer, options.timeout)?;
                stream.set_read_timeout(Some(options.timeout))?;
                let params = ConnParams {
                    max_message_size: 1 << 20,
                    response_timeout_ms: u64::try_from(options.timeout.as_millis())
                        .unwrap_or(u64::MAX),
                    ..ConnParams::default()
                };
                let start = Instant::now();
                // Our CSM goes out at once.
                let mut conn = Box::new(Tcp::open(
                    since(&start),
                    Transport::Tcp,
                    params,
                    m2m_core::random::seed(),
                ));
                flush(&mut stream, &mut conn, &start)?;
                Conn::Tcp {
                    stream,
                    buf: Vec::new(),
                    conn,
                    start,
                }
            }
            Scheme::Coap => {
                let socket = UdpSocket::bind(if peer.is_ipv4() {
                    "0.0.0.0:0"
                } else {
                    "[::]:0"
                })?;
                socket.set_read_timeout(Some(Duration::from_millis(20)))?;
                Conn::Udp {
                    ep: Box::new(Ep::new(m2m_core::random::seed() ^ 0x9e37_79b9)),
                    socket,
                    peer,
                    start: Instant::now(),
                }
            }
            other => {
                return Err(protocol(std::format!(
                    "scheme {other:?} is not supported here"
                )));
            }
        };
        Ok(Client {
            conn,
            port,
            options,
            check: None,
            stash: None,
        })
    }

    /// Calls `check` on every datagram or frame received.
    pub fn set_frame_check(&mut self, check: FrameCheck) {
        self.check = Some(check);
    }

    /// A request builder for `code` with the options of `uri`.
    fn base<'s>(
        &self,
        code: Code,
        uri: &Uri<'s>,
        scratch: &'s mut [u8],
    ) -> Result<Builder<'s, 16>, ClientError> {
        let mut b = match self.conn {
            Conn::Tcp { .. } => Builder::<16>::tcp(code),
            Conn::Udp { .. } => Builder::<16>::udp(Type::Confirmable, code, 0),
        };
        uri.to_options(&mut b, scratch, Some(self.port))
            .map_err(protocol)?;
        Ok(b)
    }

    fn send(&mut self, b: &Builder<'_, 16>) -> Result<Handle, ClientError> {
        match &mut self.conn {
            Conn::Udp {
                ep, peer, start, ..
            } => {
                let now = Timestamp::from_millis(
                    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
                );
                let id = ep
                    .request(now, *peer, b, self.options.confirmable)
                    .map_err(protocol)?;
                Ok(Handle::Udp(id))
            }
            Conn::Tcp {
                stream,
                conn,
                start,
                ..
            } => {
                // After the server's Release no new request goes (RFC 8323 §5.5): the next
                // block of a body, asked for after the Release came with the one before, is
                // refused for that reason, not for a fault of the request.
                let id = conn.request(since(start), b).map_err(|e| match e {
                    StreamError::Closed if conn.is_released() => released(),
                    e => protocol(e),
                })?;
                flush(stream, conn, start)?;
                Ok(Handle::Tcp(id))
            }
        }
    }

    /// The response to `h`; on an error (a timeout, a Reset), the request is given up in the
    /// endpoint too, so that it no longer holds the peer's one outstanding request (NSTART).
    fn next(&mut self, h: &Handle) -> Result<Response, ClientError> {
        let r = self.next_kept(h);
        if r.is_err() {
            self.cancel(h);
        }
        r
    }

    /// [`Client::next`] that leaves the request in the endpoint on an error (an observation
    /// still to deregister).
    fn next_kept(&mut self, h: &Handle) -> Result<Response, ClientError> {
        if let Some((got, rsp)) = self.stash.take() {
            if got == *h {
                return Ok(rsp);
            }
            self.stash = Some((got, rsp));
        }
        self.wait_for(h, self.deadline())
    }

    /// When a wait that starts now gives up: after [`Options::timeout`]; `None` for one too
    /// long for the clock (the rule of [`Options::timeout`]).
    fn deadline(&self) -> Option<Instant> {
        Instant::now().checked_add(self.options.timeout)
    }

    fn cancel(&mut self, h: &Handle) {
        match (&mut self.conn, h) {
            (Conn::Udp { ep, .. }, Handle::Udp(id)) => ep.cancel(*id),
            (Conn::Tcp { conn, .. }, Handle::Tcp(id)) => conn.cancel(*id),
            _ => {}
        }
    }

    /// The response to `h`, waited for until `until` at most (`None`: for as long as the
    /// connection allows).
    fn wait_for(&mut self, h: &Handle, until: Option<Instant>) -> Result<Response, ClientError> {
        match (&mut self.conn, h) {
            (
                Conn::Udp {
                    ep, socket, start, ..
                },
                Handle::Udp(id),
            ) => {
                // A datagram is read whole (up to 64 KiB): a smaller buffer would cut it, and
                // the cut message would still parse, its payload short.
                let mut buf = std::vec![0u8; MAX_DATAGRAM];
                let mut out = [0u8; 1500];
                let now = |start: &Instant| {
                    Timestamp::from_millis(
                        u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
                    )
                };
                loop {
                    while let Some((peer, n)) = ep.poll_transmit(now(start), &mut out) {
                        socket.send_to(out.get(..n).unwrap_or_default(), peer)?;
                    }
                    while let Some(e) = ep.poll_event() {
                        if e == Event::Timeout(*id) {
                            return Err(ClientError::Timeout);
                        }
                    }
                    if until.is_some_and(|u| Instant::now() > u) {
                        return Err(ClientError::Timeout);
                    }
                    let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                        continue;
                    };
                    let d = buf.get(..n).unwrap_or_default();
                    if let Some(check) = self.check.as_mut() {
                        check(d);
                    }
                    match ep.handle(now(start), peer, d) {
                        Ok(Incoming::Response { id: got, message }) if got == *id => {
                            let rsp = Response::of(&message);
                            // Acknowledge a separate response before returning.
                            while let Some((peer, n)) = ep.poll_transmit(now(start), &mut out) {
                                socket.send_to(out.get(..n).unwrap_or_default(), peer)?;
                            }
                            return rsp;
                        }
                        Ok(Incoming::Reset { id: Some(got), .. }) if got == *id => {
                            return Err(ClientError::Reset);
                        }
                        // Another request's (a notification while a block is asked for): kept.
                        Ok(Incoming::Response { id: got, message }) => {
                            if let Ok(r) = Response::of(&message) {
                                self.stash = Some((Handle::Udp(got), r));
                            }
                        }
                        // A request to us: this client serves nothing. Left unanswered, a CON
                        // one would be sent again and again (RFC 7252 §4.2), and each would hold
                        // a place among the endpoint's exchanges until it expires.
                        Ok(Incoming::Request { exchange, .. }) => {
                            let b = Builder::<0>::udp(Type::Acknowledgement, Code::NOT_FOUND, 0);
                            let _ = ep.respond(now(start), &exchange, &b);
                        }
                        // Anything else (a duplicate, a stray datagram) is the endpoint's.
                        Ok(_) | Err(_) => {}
                    }
                }
            }
            (
                Conn::Tcp {
                    stream,
                    buf,
                    conn,
                    start,
                },
                Handle::Tcp(id),
            ) => loop {
                // No frame larger than our CSM announces (1 MiB).
                let frame = match Framing::with_max_message(1 << 20)
                    .frame_len(buf)
                    .map_err(protocol)?
                {
                    Status::Complete(n) => buf.drain(..n).collect::<Vec<u8>>(),
                    Status::Partial(_) => {
                        // Before a read that may wait: the connection's own deadlines (the
                        // response timeout; the server's CSM, RFC 8323 §5.3), and the whole
                        // wait's. The socket's read timeout alone starts again with every
                        // read, so a server that sends something now and then (an Empty
                        // message, a Ping) would hold the request for ever.
                        let wait = tcp_deadlines(conn, *id, stream, start, until)?;
                        stream.set_read_timeout(wait)?;
                        let mut chunk = [0u8; 4096];
                        match stream.read(&mut chunk) {
                            Ok(0) => return Err(ClientError::Closed("by the server".into())),
                            Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
                            // The deadlines are looked at again.
                            Err(e)
                                if matches!(
                                    e.kind(),
                                    std::io::ErrorKind::WouldBlock
                                        | std::io::ErrorKind::TimedOut
                                        | std::io::ErrorKind::Interrupted
                                ) => {}
                            Err(e) => return Err(ClientError::Io(e)),
                        }
                        continue;
                    }
                };
                if let Some(check) = self.check.as_mut() {
                    check(&frame);
                }
                let incoming = conn.handle(since(start), &frame);
                let result = match incoming {
                    StreamIncoming::Response { id: got, message } if got == *id => {
                        Some(Response::of(&message))
                    }
                    StreamIncoming::Response { id: got, message } => {
                        if let Ok(r) = Response::of(&message) {
                            self.stash = Some((Handle::Tcp(got), r));
                        }
                        None
                    }
                    // A request to us: this client serves nothing.
                    StreamIncoming::Request { message } => {
                        let b = Builder::<0>::tcp(Code::NOT_FOUND);
                        let _ = conn.respond(message.token(), &b);
                        None
                    }
                    // A Release lets the responses to the requests already sent still come
                    // (RFC 8323 §5.5): ours is waited for as before (an observation that is
                    // established ends with it, reported by the connection at once).
                    StreamIncoming::Closed(Close::Released { .. }) if !conn.is_closed() => None,
                    StreamIncoming::Closed(why) => Some(Err(ClientError::Closed(std::format!(
                        "by the server: {why:?}"
                    )))),
                    _ => None,
                };
                // A Pong, or our Abort of a broken stream.
                flush(stream, conn, start)?;
                if let Some(r) = result {
                    return r;
                }
            },
            _ => Err(protocol("handle of another transport")),
        }
    }

    fn exchange(&mut self, b: &Builder<'_, 16>) -> Result<Response, ClientError> {
        let h = self.send(b)?;
        self.next(&h)
    }

    /// One request to `uri`: a payload longer than a block goes as a Block1 upload; a Block2
    /// response is followed to the end and returned whole.
    pub fn request(
        &mut self,
        code: Code,
        uri: &Uri<'_>,
        payload: &[u8],
    ) -> Result<Response, ClientError> {
        let mut scratch = [0u8; 1024];
        let base = self.base(code, uri, &mut scratch)?;
        let szx = self.options.block_szx.min(6);
        let size = 16usize << szx;
        if payload.len() > size {
            // Block after block as the server takes them, in the smaller size it may ask for
            // (RFC 7959 §2.3, §2.9.3).
            let mut want = Block {
                num: 0,
                more: true,
                szx,
            };
            loop {
                let (block, part) =
                    block::slice(payload, Some(want), want.szx).map_err(protocol)?;
                let mut b = base.clone();
                b.uint(OptionNumber::BLOCK1, block.to_uint())
                    .map_err(protocol)?;
                if block.num == 0 {
                    b.uint(
                        OptionNumber::SIZE1,
                        u32::try_from(payload.len()).unwrap_or(u32::MAX),
                    )
                    .map_err(protocol)?;
                }
                b.payload(part);
                let rsp = self.exchange(&b)?;
                match block::next_block1(block, rsp.code, rsp.block1) {
                    Some(next) => want = next,
                    // The answer to the last block may come in Block2 blocks itself (RFC 7959
                    // §3.3, Figure 14): the rest is asked for.
                    None => return self.rest_of(&base, rsp),
                }
            }
        }
        let mut b = base.clone();
        b.payload(payload);
        let rsp = self.exchange(&b)?;
        self.rest_of(&base, rsp)
    }

    /// The whole body of `first`, the answer to a request like `base`: when it is the first
    /// of Block2 blocks, the next ones are asked for with `base` and Block2, without the
    /// request's payload (RFC 7959 §3.3: no payload in a request for block NUM > 0).
    fn rest_of(
        &mut self,
        base: &Builder<'_, 16>,
        first: Response,
    ) -> Result<Response, ClientError> {
        let mut body = std::vec![0u8; self.options.max_body];
        let mut asm = Assembler::new(&mut body);
        let mut rsp = first;
        loop {
            let Some(b2) = rsp.block2.filter(|_| rsp.code.class() == 2) else {
                return Ok(rsp);
            };
            match asm
                .push(b2, &rsp.payload, rsp.etag.as_deref())
                .map_err(protocol)?
            {
                Progress::More(next) => {
                    let mut b = base.clone();
                    b.uint(OptionNumber::BLOCK2, next.to_uint())
                        .map_err(protocol)?;
                    rsp = self.exchange(&b)?;
                }
                Progress::Done(_) => {
                    return Ok(Response {
                        payload: asm.body().to_vec(),
                        ..rsp
                    });
                }
                // A block again where the next was asked for: the body would be cut short.
                Progress::Repeat => {
                    return Err(protocol(std::format!(
                        "the server sent block {} again instead of the next",
                        b2.num
                    )));
                }
            }
        }
    }

    /// Registers an observation of `uri` and hands over the first response and then each
    /// notification to `each` until it returns `false`, `count` have come, or the server ends
    /// the observation (a response without Observe). Returns the last one.
    pub fn observe(
        &mut self,
        uri: &Uri<'_>,
        count: usize,
        mut each: impl FnMut(&Response) -> bool,
    ) -> Result<Response, ClientError> {
        let mut scratch = [0u8; 1024];
        let base = self.base(Code::GET, uri, &mut scratch)?;
        let mut b = base.clone();
        b.uint(OptionNumber::OBSERVE, 0).map_err(protocol)?;
        let h = self.send(&b)?;
        let mut got = 0usize;
        loop {
            // No notification in time (the resource did not change, the server is gone): the
            // observation ends on the server's side too, without waiting for its answer.
            let first = match self.next_kept(&h) {
                Ok(r) => r,
                Err(e) => {
                    self.deregister(&h, &base, false);
                    return Err(e);
                }
            };
            // A notification in Block2 blocks carries the first; the rest is asked for with
            // GET and Block2, without Observe (RFC 7959 §2.6, §3.4). Its Observe number stays.
            let observe = first.observe;
            let rsp = match self.rest_of(&base, first) {
                Ok(whole) => Response { observe, ..whole },
                Err(e) => {
                    self.deregister(&h, &base, true);
                    return Err(e);
                }
            };
            got = got.saturating_add(1);
            let go_on = each(&rsp);
            if !go_on || got >= count || rsp.observe.is_none() {
                self.deregister(&h, &base, true);
                return Ok(rsp);
            }
        }
    }

    /// Ends observation `h`, registered with `base` and Observe 0. Over TCP the server is told:
    /// a GET like `base` with Observe 1 under the observation's token (RFC 8323 §7.4: a client
    /// over a reliable transport MUST deregister explicitly; RFC 7641 §3.6), and its answer is
    /// waited for (a notification that crosses it is passed over). Over UDP it is forgotten:
    /// the next notification is answered with a Reset (RFC 7641 §3.6). An observation the
    /// server ended already is only forgotten. With `wait` false the answer is not waited for
    /// (it comes to a token forgotten, and is passed over).
    fn deregister(&mut self, h: &Handle, base: &Builder<'_, 16>, wait: bool) {
        let sent = match (&mut self.conn, h) {
            (
                Conn::Tcp {
                    stream,
                    conn,
                    start,
                    ..
                },
                Handle::Tcp(id),
            ) => {
                let mut b = base.clone();
                b.uint(OptionNumber::OBSERVE, 1).is_ok()
                    && conn.observe_again(*id, &b).is_ok()
                    && flush(stream, conn, start).is_ok()
            }
            _ => false,
        };
        // One deadline for the whole: notifications on their way do not prolong it. Without
        // one (a timeout too long for the clock) the answer is not waited for: the connection
        // keeps no deadline for an established observation, and nothing would end the wait.
        let until = self.deadline();
        if sent && wait && until.is_some() {
            while let Ok(r) = self.wait_for(h, until) {
                // The answer, or a notification that ends the observation anyway.
                if r.observe.is_none() || r.code.class() != 2 {
                    break;
                }
            }
        }
        self.cancel(h);
        if self.stash.as_ref().is_some_and(|(got, _)| got == h) {
            self.stash = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use m2m_core::Encode as _;
    use std::net::TcpListener;

    /// A connection with request `id` on its way (a response timeout of a minute), the
    /// server's CSM taken and, with `release`, its Release (RFC 8323 §5.5); a stream to flush to.
    fn waiting(release: bool) -> (Box<Tcp>, RequestId, TcpStream, Instant) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let start = Instant::now();
        let params = ConnParams {
            response_timeout_ms: 60_000,
            ..ConnParams::default()
        };
        let mut conn = Box::new(Tcp::open(since(&start), Transport::Tcp, params, 1));
        let id = conn
            .request(since(&start), &Builder::<0>::tcp(Code::GET))
            .unwrap();
        let mut codes = std::vec![Code::CSM];
        if release {
            codes.push(Code::RELEASE);
        }
        for code in codes {
            let b = Builder::<0>::tcp(code);
            let mut f = std::vec![0u8; b.buffer_len()];
            let n = b.encode(&mut f).unwrap();
            let _ = conn.handle(since(&start), &f[..n]);
        }
        assert_eq!(conn.is_released(), release);
        (conn, id, stream, start)
    }

    /// The whole wait's end ([`Options::timeout`]) that comes before the connection's response
    /// timeout says, after the server's Release, that the server released the connection, as
    /// the response timeout does; without a Release it is a timeout.
    #[test]
    fn the_end_of_a_wait_after_a_release_says_released() {
        for release in [false, true] {
            let (mut conn, id, mut stream, start) = waiting(release);
            let r = tcp_deadlines(&mut conn, id, &mut stream, &start, Some(Instant::now()));
            match r {
                Err(ClientError::Closed(why)) if release => assert!(why.contains("released")),
                Err(ClientError::Timeout) if !release => {}
                other => panic!("release {release}: {other:?}"),
            }
        }
    }
}
