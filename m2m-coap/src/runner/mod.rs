//! Servers on tokio (feature `tokio`): the sans-IO parts of this crate in a loop around a
//! socket. Put a [`Handler`] behind [`serve_udp`], [`serve_tcp`] or `serve_ws` and requests
//! are answered:
//!
//! - Confirmable requests are acknowledged and duplicates answered from the cache (UDP).
//! - Large bodies are served in Block2 blocks, and Block1 uploads are reassembled before the
//!   handler sees them.
//! - A handler that needs time returns [`Reply::later`]: over UDP the request is acknowledged
//!   at once with an Empty ACK and the answer goes as a separate response (RFC 7252 §5.2.2).
//! - A response marked [`Response::observable`] to a GET or FETCH with Observe 0 registers the
//!   client as an observer (RFC 7641). [`Notifier::changed`] then sends every observer of that
//!   path a notification with the handler's new answer. A notification that is not 2.xx ends
//!   the observation; so do a Reset from the client, an undelivered Confirmable notification
//!   (every tenth notification is Confirmable: our policy; RFC 7641 §4.5 asks for one a day)
//!   and Observe 1. At most 256 observations per runner or connection, 16 per peer over UDP
//!   (a TCP or WebSocket connection may hold all 256).
//! - Over UDP, notifications are paced per client (RFC 7641 §4.5.1, §4.5.2): while a
//!   Confirmable one waits for its ACK nothing else goes to that client; Non-confirmable ones
//!   go at most once per round-trip time, and the first ones are Confirmable until an ACK has
//!   given that time. A change that must wait is held, and when it may go the handler is asked
//!   again: the client gets the state of then, the states in between are skipped. So
//!   [`Notifier::changed`] may be called as often as the value changes. (TCP and WebSocket
//!   have their own congestion control: each change is sent.)
//! - A notification on which the handler set Max-Age stays fresh (RFC 7641 §4.3.1 lets a
//!   server renew one): before that age passes, the handler is asked again and its answer
//!   sent, though nothing changed: 5 s before it passes, or half way for a Max-Age under
//!   10 s; a Max-Age of 0 is never renewed. Without the option (the default 60 s of RFC 7252
//!   §5.10.5) no notification goes but for a change: setting Max-Age is how a handler asks for
//!   renewals.
//! - No-Response (RFC 7967 §2.1): an answer of a class the request does not want is not sent;
//!   over UDP a Confirmable request still gets its Empty ACK, over TCP and WebSocket nothing
//!   goes. A notification answers the registration: one it does not want is not sent (a last
//!   one still ends the observation), and a registration that wants no 2.xx is not registered.
//! - Conditional requests (If-Match, If-None-Match) reach the handler, which knows its
//!   resources' state: it checks them with [`crate::conditional::preconditions`] and answers
//!   4.12 when they do not hold.
//! - Over TCP and WebSocket, the CSM, Ping and Release of RFC 8323 are handled: a peer whose
//!   CSM (or WebSocket handshake) does not come within 10 s, that does not answer a Ping after
//!   a minute of silence, or that takes nothing we write for 10 s, is dropped; at most 1024
//!   connections are served at once. An error accepting a connection does not end the runner
//!   (no file descriptor left is waited out), only a listener that is broken. The CSM announces block-wise transfers, and with
//!   them BERT (RFC 8323 §5.3.2, §6).
//!
//! ```no_run
//! use m2m_coap::runner::{Notifier, Reply, Response, serve_udp_with};
//! use m2m_coap::{Code, Message};
//!
//! # async fn run() -> std::io::Result<()> {
//! let socket = tokio::net::UdpSocket::bind("127.0.0.1:5683").await?;
//! let notifier = Notifier::new();
//! let temperature = std::sync::Arc::new(std::sync::Mutex::new(21.5_f32));
//! let t = temperature.clone();
//! let handler = move |req: &Message<'_>| -> Reply {
//!     let path: Vec<&str> = req.uri_path().collect();
//!     match path.as_slice() {
//!         ["hello"] => Response::content(0, b"Hello".to_vec()).into(),
//!         ["temp"] => {
//!             let v = t.lock().map(|v| *v).unwrap_or(f32::NAN);
//!             Response::content(0, v.to_string().into_bytes()).observable().into()
//!         }
//!         ["slow"] => {
//!             let (responder, reply) = Reply::later();
//!             tokio::spawn(async move {
//!                 tokio::time::sleep(std::time::Duration::from_secs(2)).await;
//!                 responder.send(Response::content(0, b"done".to_vec()));
//!             });
//!             reply
//!         }
//!         _ => Response::new(Code::NOT_FOUND).into(),
//!     }
//! };
//! // Elsewhere, when the value changes: every observer of /temp is notified.
//! let n = notifier.clone();
//! tokio::spawn(async move {
//!     loop {
//!         tokio::time::sleep(std::time::Duration::from_secs(5)).await;
//!         if let Ok(mut v) = temperature.lock() {
//!             *v += 0.1;
//!         }
//!         n.changed("temp");
//!     }
//! });
//! serve_udp_with(socket, handler, notifier).await
//! # }
//! ```

mod kept;
mod observe;
mod pacing;
mod reliable;
mod service;
mod tcp;
mod udp;
mod uploads;
#[cfg(feature = "websocket")]
mod ws;

use std::sync::Arc;
use std::vec::Vec;

use tokio::sync::{broadcast, oneshot};

use crate::Block;
use crate::block;
use crate::builder::Builder;
use crate::code::Code;
use crate::message::Message;
use crate::option::OptionNumber;

pub use tcp::{serve_tcp, serve_tcp_with};
pub use udp::{serve_udp, serve_udp_with};
pub use uploads::MAX_UPLOAD;
#[cfg(feature = "websocket")]
pub use ws::{WS_PATH, WS_PROTOCOL, WsClient, serve_ws, serve_ws_with};

/// The largest block this runner serves (1024 bytes, SZX 6).
const MAX_SZX: u8 = 6;

/// The TCP and WebSocket runners serve at most this many connections at once.
const MAX_CONNECTIONS: usize = 1024;

/// The largest message the TCP and WebSocket runners take (announced in their CSM, enforced on
/// the length prefix and on WebSocket frames before anything is buffered).
const MAX_MESSAGE: usize = 1 << 20;

/// A uint option value in its shortest form (RFC 7252 §3.2).
fn uint_value(v: u32) -> Vec<u8> {
    let (b, n) = crate::option::value::encode_uint(v);
    b.get(4usize.saturating_sub(n)..)
        .unwrap_or_default()
        .to_vec()
}

/// A response, owned: the code, its options (values as bytes) and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The response code.
    pub code: Code,
    /// Options, in any order.
    pub options: Vec<(OptionNumber, Vec<u8>)>,
    /// The body; a body larger than a block goes out in Block2 blocks.
    pub payload: Vec<u8>,
    /// Whether a client may observe the resource with this answer (RFC 7641 §4.1): when the
    /// request registers (Observe 0) and the code is 2.xx, the client becomes an observer.
    pub observable: bool,
}

impl Response {
    /// A response with only a code.
    #[must_use]
    pub fn new(code: Code) -> Self {
        Response {
            code,
            options: Vec::new(),
            payload: Vec::new(),
            observable: false,
        }
    }

    /// 2.05 Content with a Content-Format and a body.
    #[must_use]
    pub fn content(content_format: u16, payload: Vec<u8>) -> Self {
        Response {
            code: Code::CONTENT,
            options: std::vec![(
                OptionNumber::CONTENT_FORMAT,
                uint_value(u32::from(content_format))
            )],
            payload,
            observable: false,
        }
    }

    /// Adds an option.
    #[must_use]
    pub fn with(mut self, number: OptionNumber, value: Vec<u8>) -> Self {
        self.options.push((number, value));
        self
    }

    /// Marks the resource observable: a request with Observe 0 that gets this answer registers
    /// its client, who is then notified after each [`Notifier::changed`] of the path.
    #[must_use]
    pub fn observable(mut self) -> Self {
        self.observable = true;
        self
    }

    /// Writes this response into `b`: its options, the Observe sequence number if any, and the
    /// payload, or the block of it that `block2` asks for (the first one when the payload is
    /// larger than a block and no block is asked for). The error is the code to answer with
    /// instead.
    fn write<'a, const N: usize>(
        &'a self,
        block2: Option<Block>,
        observe: Option<u32>,
        b: &mut Builder<'a, N>,
    ) -> Result<(), Code> {
        self.write_within(block2, observe, MAX_SZX, b)
    }

    /// [`Response::write`] in blocks of at most `16 << max_szx` bytes.
    fn write_within<'a, const N: usize>(
        &'a self,
        block2: Option<Block>,
        observe: Option<u32>,
        max_szx: u8,
        b: &mut Builder<'a, N>,
    ) -> Result<(), Code> {
        for (n, v) in &self.options {
            b.opaque(*n, v).map_err(|_| Code::INTERNAL_SERVER_ERROR)?;
        }
        if let Some(seq) = observe {
            b.uint(OptionNumber::OBSERVE, seq)
                .map_err(|_| Code::INTERNAL_SERVER_ERROR)?;
        }
        // Only a success's body is served in blocks: an error (a 4.04 to a request for block 1)
        // or an empty answer (2.04, 2.02) goes whole, whatever block was asked for (RFC 7959
        // §2.2: Block2 goes with the representation of a response).
        let blocks = self.code.class() == 2 && !self.payload.is_empty();
        if self.payload.len() <= 16 << max_szx && (block2.is_none() || !blocks) {
            b.payload(&self.payload);
            return Ok(());
        }
        let block2 = block2.filter(|_| blocks);
        let (b2, chunk) = block::slice(&self.payload, block2, max_szx).map_err(|e| e.code())?;
        // Each block carries an ETag (RFC 7959 §2.4: SHOULD), so that a client can tell a
        // block of another state of the resource: the handler's, or one from the body.
        if !self.options.iter().any(|(n, _)| *n == OptionNumber::ETAG) {
            let tag = block::etag(block::fnv1a(block::FNV_BASIS, &self.payload));
            b.uint(OptionNumber::ETAG, tag)
                .map_err(|_| Code::INTERNAL_SERVER_ERROR)?;
        }
        b.uint(OptionNumber::BLOCK2, b2.to_uint())
            .map_err(|_| Code::INTERNAL_SERVER_ERROR)?;
        if b2.num == 0 {
            let size = u32::try_from(self.payload.len()).unwrap_or(u32::MAX);
            b.uint(OptionNumber::SIZE2, size)
                .map_err(|_| Code::INTERNAL_SERVER_ERROR)?;
        }
        b.payload(chunk);
        Ok(())
    }
}

/// What a [`Handler`] gives back: a response now, or one that comes later.
#[derive(Debug)]
pub enum Reply {
    /// The response, ready.
    Now(Response),
    /// A response the handler sends later, through the [`Responder`] that [`Reply::later`]
    /// returned with this.
    Later(Later),
}

impl Reply {
    /// A reply that is not ready: send the response through the [`Responder`] when it is.
    /// Over UDP a Confirmable request is acknowledged at once and the response goes as a
    /// separate one (RFC 7252 §5.2.2). A responder dropped without a response answers 5.00; one
    /// that has not answered after 120 s, 5.03.
    #[must_use]
    pub fn later() -> (Responder, Reply) {
        let (tx, rx) = oneshot::channel();
        (
            Responder { tx },
            Reply::Later(Later {
                rx,
                extra: Vec::new(),
            }),
        )
    }

    /// Adds an option to the response, now or when it comes.
    fn with(self, number: OptionNumber, value: Vec<u8>) -> Self {
        match self {
            Reply::Now(r) => Reply::Now(r.with(number, value)),
            Reply::Later(mut l) => {
                l.extra.push((number, value));
                Reply::Later(l)
            }
        }
    }
}

impl From<Response> for Reply {
    fn from(r: Response) -> Self {
        Reply::Now(r)
    }
}

/// A response to come (see [`Reply::later`]).
#[derive(Debug)]
pub struct Later {
    rx: oneshot::Receiver<Response>,
    /// Options the runner adds to the response (the Block1 echo of an upload).
    extra: Vec<(OptionNumber, Vec<u8>)>,
}

impl Later {
    /// The response once it is sent; 5.00 if the responder was dropped.
    async fn wait(self) -> Response {
        let mut r = self
            .rx
            .await
            .unwrap_or_else(|_| Response::new(Code::INTERNAL_SERVER_ERROR));
        r.options.extend(self.extra);
        r
    }
}

/// Sends the response of a [`Reply::later`].
#[derive(Debug)]
pub struct Responder {
    tx: oneshot::Sender<Response>,
}

impl Responder {
    /// Sends the response. Nothing happens if the connection is gone.
    pub fn send(self, response: Response) {
        let _ = self.tx.send(response);
    }
}

/// Answers requests.
pub trait Handler: Send {
    /// The reply to `req`.
    fn handle(&mut self, req: &Message<'_>) -> Reply;

    /// Whether this handler is a forward-proxy: takes requests with Proxy-Uri or Proxy-Scheme.
    /// A runner answers them 5.05 (Proxying Not Supported) itself otherwise, as RFC 7252
    /// §5.10.2 asks of a server that does not act as a proxy. A closure is no proxy.
    fn proxies(&self) -> bool {
        false
    }

    /// Whether this handler processes critical option `number` among those the runners know
    /// but do not act on: OSCORE (9, RFC 8613), Q-Block1 (19) and Q-Block2 (31, RFC 9177)
    /// and EDHOC (21, RFC 9668). A request with one the handler does not process is answered
    /// 4.02 Bad Option by the runner (RFC 7252 §5.4.1), which tells a client to fall back (to
    /// Block1 and Block2, or to a server without OSCORE). None, by default.
    fn processes(&self, number: OptionNumber) -> bool {
        let _ = number;
        false
    }
}

impl<F, R> Handler for F
where
    F: FnMut(&Message<'_>) -> R + Send,
    R: Into<Reply>,
{
    fn handle(&mut self, req: &Message<'_>) -> Reply {
        self(req).into()
    }
}

/// Tells running servers that a resource changed, so that its observers are notified
/// (RFC 7641 §4.2). Clone it freely; every runner started with it (and every connection of a
/// TCP or WebSocket runner) hears every change.
#[derive(Debug, Clone)]
pub struct Notifier {
    tx: broadcast::Sender<Arc<str>>,
}

impl Default for Notifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Notifier {
    /// A notifier no runner listens to yet.
    #[must_use]
    pub fn new() -> Self {
        // A runner that falls this far behind notifies every observer instead.
        let (tx, _) = broadcast::channel(64);
        Notifier { tx }
    }

    /// The resource at `path` changed: its Uri-Path segments joined by `/` (a leading `/` is
    /// ignored), e.g. `sensors/temp`. Each observer of the path gets a notification with the
    /// handler's answer to its request.
    pub fn changed(&self, path: &str) {
        let _ = self.tx.send(Arc::from(path.trim_start_matches('/')));
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.tx.subscribe()
    }
}

/// A request's Uri-Path as [`Notifier::changed`] names it.
fn path_of(req: &Message<'_>) -> std::string::String {
    let mut s = std::string::String::new();
    for (i, seg) in req.uri_path().enumerate() {
        if i > 0 {
            s.push('/');
        }
        s.push_str(seg);
    }
    s
}

/// The milliseconds since `start`, on tokio's clock (paused in tests, the timers of the
/// runners and of their connections go with it).
fn now(start: tokio::time::Instant) -> m2m_core::Timestamp {
    m2m_core::Timestamp::from_millis(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
}
