//! Servers on tokio (feature `tokio`): the sans-IO parts of this crate in a loop around a
//! socket. Put a [`Handler`] behind [`serve_udp`] or [`serve_tcp`] and requests are answered:
//! Confirmable ones acknowledged, duplicates answered from the cache, large bodies served in
//! Block2 blocks and Block1 uploads reassembled before the handler sees them, and over TCP and
//! WebSocket the CSM, Ping and Release of RFC 8323 handled.
//!
//! ```no_run
//! use m2m_coap::runner::{Response, serve_udp};
//! use m2m_coap::{Code, Message};
//!
//! # async fn run() -> std::io::Result<()> {
//! let socket = tokio::net::UdpSocket::bind("127.0.0.1:5683").await?;
//! serve_udp(socket, |req: &Message<'_>| match req.uri_path().next() {
//!     Some("hello") => Response::content(0, b"Hello".to_vec()),
//!     _ => Response::new(Code::NOT_FOUND),
//! })
//! .await
//! # }
//! ```

use core::net::SocketAddr;
use std::io;
use std::string::ToString;
use std::time::Instant;
use std::vec::Vec;

use futures_util::{SinkExt, StreamExt};
use m2m_core::Timestamp;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio_util::codec::Framed;

use crate::block;
use crate::builder::Builder;
use crate::code::{Code, Type};
use crate::codec::TcpCodec;
use crate::endpoint::{Endpoint, Incoming};
use crate::message::Message;
use crate::option::OptionNumber;
use crate::signaling::{Session, Signal};

/// The largest block this runner serves (1024 bytes, SZX 6).
const MAX_SZX: u8 = 6;

/// A response, owned: the code, its options (values as bytes) and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The response code.
    pub code: Code,
    /// Options, in any order.
    pub options: Vec<(OptionNumber, Vec<u8>)>,
    /// The body; a body larger than a block goes out in Block2 blocks.
    pub payload: Vec<u8>,
}

impl Response {
    /// A response with only a code.
    #[must_use]
    pub fn new(code: Code) -> Self {
        Response {
            code,
            options: Vec::new(),
            payload: Vec::new(),
        }
    }

    /// 2.05 Content with a Content-Format and a body.
    #[must_use]
    pub fn content(content_format: u16, payload: Vec<u8>) -> Self {
        let (b, n) = crate::option::value::encode_uint(u32::from(content_format));
        Response {
            code: Code::CONTENT,
            options: std::vec![(
                OptionNumber::CONTENT_FORMAT,
                b.get(4usize.saturating_sub(n)..)
                    .unwrap_or_default()
                    .to_vec(),
            )],
            payload,
        }
    }

    /// Adds an option.
    #[must_use]
    pub fn with(mut self, number: OptionNumber, value: Vec<u8>) -> Self {
        self.options.push((number, value));
        self
    }

    /// The builder of the block of this response that `req` asks for.
    fn block<'a>(&'a self, req: &Message<'_>, b: &mut Builder<'a, 64>) -> Result<(), Code> {
        for (n, v) in &self.options {
            b.opaque(*n, v).map_err(|_| Code::INTERNAL_SERVER_ERROR)?;
        }
        let requested = req.block2().and_then(Result::ok);
        if self.payload.len() <= 1024 && requested.is_none() {
            b.payload(&self.payload);
            return Ok(());
        }
        let (b2, chunk) = block::slice(&self.payload, requested, MAX_SZX).map_err(|e| e.code())?;
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

/// The largest body a client may upload in Block1 blocks (RFC 7959 §2.5) to a runner.
pub const MAX_UPLOAD: usize = 1 << 20;

/// Block1 uploads in progress, by peer and request URI (RFC 7959 §2.5): each body is
/// reassembled before the handler sees the request, with the whole body as its payload.
struct Uploads<K> {
    bodies: std::collections::HashMap<(K, Vec<u8>), Vec<u8>>,
}

impl<K: core::hash::Hash + Eq + Copy> Uploads<K> {
    fn new() -> Self {
        Uploads {
            bodies: std::collections::HashMap::new(),
        }
    }

    /// The answer to `req` from `peer`: 2.31 Continue for a block that is not the last, the
    /// handler's response (with the Block1 echo) once the body is whole, or the block error.
    fn answer(&mut self, peer: K, req: &Message<'_>, handler: &mut impl Handler) -> Response {
        let Some(block) = req.block1() else {
            return handler.handle(req);
        };
        let Ok(block) = block else {
            return Response::new(Code::BAD_OPTION);
        };
        // The request URI and the Request-Tag values are the key (RFC 7959 §2.5, RFC 9175
        // §3.3): uploads to one resource under different Request-Tags stay apart.
        let uri: Vec<u8> = req
            .options()
            .filter(|o| {
                matches!(
                    o.number,
                    OptionNumber::URI_PATH | OptionNumber::URI_QUERY | OptionNumber::REQUEST_TAG
                )
            })
            .flat_map(|o| {
                let n = o.number.0.to_be_bytes();
                n.into_iter()
                    .chain(o.value.iter().copied())
                    .chain(core::iter::once(0))
            })
            .collect();
        let key = (peer, uri);
        let body = self.bodies.entry(key.clone()).or_default();
        if block.num == 0 {
            body.clear();
            // A body announced larger than we take is refused at once (RFC 7959 §4).
            if req
                .size1()
                .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > MAX_UPLOAD))
            {
                self.bodies.remove(&key);
                let (v, n) = crate::option::value::encode_uint(
                    u32::try_from(MAX_UPLOAD).unwrap_or(u32::MAX),
                );
                return Response::new(Code::REQUEST_ENTITY_TOO_LARGE).with(
                    OptionNumber::SIZE1,
                    v.get(4usize.saturating_sub(n)..)
                        .unwrap_or_default()
                        .to_vec(),
                );
            }
        }
        let received = body.len();
        let end = block.offset().saturating_add(req.payload().len());
        if end > MAX_UPLOAD {
            self.bodies.remove(&key);
            return Response::new(Code::REQUEST_ENTITY_TOO_LARGE);
        }
        body.resize(end.max(received), 0);
        let mut asm = block::Assembler::resume(body, received);
        let progress = asm.push(block, req.payload(), None);
        let len = asm.body().len();
        body.truncate(len);
        let echo = |more: bool| {
            let (v, n) =
                crate::option::value::encode_uint(crate::Block { more, ..block }.to_uint());
            v.get(4usize.saturating_sub(n)..)
                .unwrap_or_default()
                .to_vec()
        };
        match progress {
            Ok(block::Progress::More(_) | block::Progress::Repeat) => {
                Response::new(Code::CONTINUE).with(OptionNumber::BLOCK1, echo(true))
            }
            Ok(block::Progress::Done(_)) => {
                let whole = self.bodies.remove(&key).unwrap_or_default();
                let rsp = match whole_request(req, &whole) {
                    Some(bytes) => {
                        match Message::parse(&bytes, req.transport(), &crate::Config::LENIENT) {
                            Ok(m) => handler.handle(&m),
                            Err(_) => Response::new(Code::INTERNAL_SERVER_ERROR),
                        }
                    }
                    None => Response::new(Code::INTERNAL_SERVER_ERROR),
                };
                rsp.with(OptionNumber::BLOCK1, echo(false))
            }
            Err(e) => {
                self.bodies.remove(&key);
                Response::new(e.code())
            }
        }
    }
}

/// The request `req` with `body` as its payload and without Block1 and Size1: what the handler
/// sees of an upload.
fn whole_request(req: &Message<'_>, body: &[u8]) -> Option<Vec<u8>> {
    let mut b = Builder::<64>::for_transport(
        req.transport(),
        req.ty().unwrap_or(Type::Confirmable),
        req.code(),
        req.message_id().unwrap_or(0),
    );
    b.unchecked().token(req.token()).payload(body);
    for o in req.options() {
        if o.number != OptionNumber::BLOCK1 && o.number != OptionNumber::SIZE1 {
            b.opaque(o.number, o.value).ok()?;
        }
    }
    let mut out = std::vec![0u8; m2m_core::Encode::buffer_len(&b)];
    let n = b.encode(&mut out).ok()?;
    out.truncate(n);
    Some(out)
}

/// Answers requests.
pub trait Handler: Send {
    /// The response to `req`.
    fn handle(&mut self, req: &Message<'_>) -> Response;
}

impl<F: FnMut(&Message<'_>) -> Response + Send> Handler for F {
    fn handle(&mut self, req: &Message<'_>) -> Response {
        self(req)
    }
}

fn now(start: Instant) -> Timestamp {
    Timestamp::from_millis(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
}

/// Serves CoAP over UDP on `socket` until an I/O error.
pub async fn serve_udp(socket: UdpSocket, mut handler: impl Handler) -> io::Result<()> {
    let start = Instant::now();
    // Message ids and tokens must be hard to guess (RFC 7252 §5.3.1, §11.4): the seed comes
    // from std's per-process random hash keys.
    let seed = {
        use core::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.finish()
    };
    let mut ep = Endpoint::<SocketAddr, 64, 1280>::new(seed);
    let mut uploads = Uploads::new();
    let mut buf = std::vec![0u8; 1500];
    let mut out = std::vec![0u8; 1500];
    loop {
        while let Some((peer, n)) = ep.poll_transmit(now(start), &mut out) {
            socket
                .send_to(out.get(..n).unwrap_or_default(), peer)
                .await?;
        }
        while ep.poll_event().is_some() {}
        let wake = ep.poll_timeout().map(|t| {
            let ms = t.as_millis().saturating_sub(now(start).as_millis());
            tokio::time::Instant::now() + core::time::Duration::from_millis(ms)
        });
        let received = tokio::select! {
            r = socket.recv_from(&mut buf) => Some(r?),
            () = async {
                match wake {
                    Some(w) => tokio::time::sleep_until(w).await,
                    None => core::future::pending().await,
                }
            } => None,
        };
        let Some((n, peer)) = received else { continue };
        let datagram = buf.get(..n).unwrap_or_default();
        if let Ok(Incoming::Request { message, exchange }) = ep.handle(now(start), peer, datagram) {
            let rsp = uploads.answer(peer, &message, &mut handler);
            let mut b = Builder::<64>::udp(Type::Acknowledgement, rsp.code, 0);
            if let Err(code) = rsp.block(&message, &mut b) {
                b = Builder::udp(Type::Acknowledgement, code, 0);
            }
            // A response that cannot be built (an option out of bounds) is a 5.00.
            if ep.respond(now(start), &exchange, &b).is_err() {
                let b = Builder::<0>::udp(Type::Acknowledgement, Code::INTERNAL_SERVER_ERROR, 0);
                let _ = ep.respond(now(start), &exchange, &b);
            }
        }
    }
}

/// Serves CoAP over TCP (RFC 8323 §3) on `listener`, one task per connection, until an I/O
/// error on the listener. `handler` is cloned for each connection.
pub async fn serve_tcp<H: Handler + Clone + 'static>(
    listener: TcpListener,
    handler: H,
) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let h = handler.clone();
        tokio::spawn(async move {
            let _ = connection(stream, h).await;
        });
    }
}

/// One CoAP-over-TCP connection: our CSM first, then requests answered in order.
async fn connection(stream: TcpStream, mut handler: impl Handler) -> io::Result<()> {
    let max = 1 << 20;
    let mut framed = Framed::new(stream, TcpCodec::with_max_message(max));
    let mut uploads = Uploads::new();
    let mut session = Session::new();
    let send_err = |e: crate::codec::EncodeError| io::Error::other(e.to_string());
    let csm = session
        .csm(u32::try_from(max).unwrap_or(u32::MAX), false)
        .map_err(|e| io::Error::other(e.to_string()))?;
    framed.send(&csm).await.map_err(send_err)?;
    while let Some(item) = framed.next().await {
        let frame = match item {
            Ok(Ok(frame)) => frame,
            Ok(Err(_)) => {
                // A message that frames but does not parse: Abort (RFC 8323 §5.6).
                let mut abort = Builder::<0>::tcp(Code::ABORT);
                abort.payload(b"message format error");
                framed.send(&abort).await.map_err(send_err)?;
                return Ok(());
            }
            Err(e) => return Err(io::Error::other(e.to_string())),
        };
        let Ok(msg) = Message::parse_tcp(&frame) else {
            continue;
        };
        match session.on_message(&msg) {
            Signal::Message
                if msg.code().is_request() && msg.bad_option().is_some_and(|b| b.is_critical()) =>
            {
                // An unprocessable critical option: 4.02 Bad Option (RFC 7252 §5.4.1).
                let mut b = Builder::<0>::tcp(Code::BAD_OPTION);
                b.token(msg.token())
                    .payload(b"unprocessable critical option");
                framed.send(&b).await.map_err(send_err)?;
            }
            Signal::Message if msg.code().is_request() => {
                let rsp = uploads.answer((), &msg, &mut handler);
                let mut b = Builder::<64>::tcp(rsp.code);
                if let Err(code) = rsp.block(&msg, &mut b) {
                    b = Builder::tcp(code);
                }
                b.token(msg.token());
                framed.send(&b).await.map_err(send_err)?;
            }
            Signal::Ping => {
                framed.send(&session.pong(&msg)).await.map_err(send_err)?;
            }
            Signal::Release { .. } | Signal::Abort { .. } => return Ok(()),
            Signal::Violation(v) => {
                let abort = session
                    .abort(v, "signaling error")
                    .map_err(|e| io::Error::other(e.to_string()))?;
                framed.send(&abort).await.map_err(send_err)?;
                return Ok(());
            }
            _ => {}
        }
    }
    Ok(())
}

/// The WebSocket subprotocol of CoAP (RFC 8323 §4.1, §11.5).
#[cfg(feature = "websocket")]
pub const WS_PROTOCOL: &str = "coap";

/// The resource a CoAP-over-WebSocket client connects to (RFC 8323 §4.1).
#[cfg(feature = "websocket")]
pub const WS_PATH: &str = "/.well-known/coap";

#[cfg(feature = "websocket")]
mod ws {
    use super::*;
    use bytes::Bytes;
    use std::format;
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    use tokio_tungstenite::tungstenite::handshake::server::{Request, Response as WsResponse};
    use tokio_tungstenite::tungstenite::http::HeaderValue;

    use crate::error::Transport;

    fn other(e: impl core::fmt::Display) -> io::Error {
        io::Error::other(e.to_string())
    }

    fn frame<const N: usize>(b: &Builder<'_, N>) -> io::Result<Bytes> {
        b.check().map_err(other)?;
        let mut out = std::vec![0u8; m2m_core::Encode::buffer_len(b)];
        let n = b.encode(&mut out).map_err(other)?;
        out.truncate(n);
        Ok(Bytes::from(out))
    }

    /// Serves CoAP over WebSocket (RFC 8323 §4) on `listener`: the handshake must ask for the
    /// `coap` subprotocol; then our CSM, and requests answered in order. One task per
    /// connection; `handler` is cloned for each.
    pub async fn serve_ws<H: Handler + Clone + 'static>(
        listener: TcpListener,
        handler: H,
    ) -> io::Result<()> {
        loop {
            let (stream, _) = listener.accept().await?;
            let h = handler.clone();
            tokio::spawn(async move {
                let _ = connection(stream, h).await;
            });
        }
    }

    // tungstenite's handshake callback returns its own (large) error response type.
    #[allow(clippy::result_large_err)]
    async fn connection(stream: TcpStream, mut handler: impl Handler) -> io::Result<()> {
        let callback = |req: &Request, mut rsp: WsResponse| {
            let asks_coap = req
                .headers()
                .get_all("Sec-WebSocket-Protocol")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.split(',').any(|p| p.trim() == WS_PROTOCOL));
            if asks_coap {
                rsp.headers_mut().insert(
                    "Sec-WebSocket-Protocol",
                    HeaderValue::from_static(WS_PROTOCOL),
                );
            }
            Ok(rsp)
        };
        let mut uploads = Uploads::new();
        let mut ws = tokio_tungstenite::accept_hdr_async(stream, callback)
            .await
            .map_err(other)?;
        let mut session = Session::new();
        let csm = session
            .csm_for(Transport::WebSocket, 1 << 20, false)
            .map_err(other)?;
        ws.send(WsMessage::Binary(frame(&csm)?))
            .await
            .map_err(other)?;
        while let Some(msg) = ws.next().await {
            let data = match msg.map_err(other)? {
                WsMessage::Binary(b) => b,
                WsMessage::Close(_) => return Ok(()),
                _ => continue,
            };
            let Ok(msg) = Message::parse_ws(&data) else {
                continue;
            };
            match session.on_message(&msg) {
                Signal::Message if msg.code().is_request() => {
                    let rsp = uploads.answer((), &msg, &mut handler);
                    let mut b = Builder::<64>::ws(rsp.code);
                    if let Err(code) = rsp.block(&msg, &mut b) {
                        b = Builder::ws(code);
                    }
                    b.token(msg.token());
                    ws.send(WsMessage::Binary(frame(&b)?))
                        .await
                        .map_err(other)?;
                }
                Signal::Ping => {
                    let mut pong = Builder::<0>::ws(Code::PONG);
                    pong.token(msg.token());
                    ws.send(WsMessage::Binary(frame(&pong)?))
                        .await
                        .map_err(other)?;
                }
                Signal::Release { .. } | Signal::Abort { .. } | Signal::Violation(_) => {
                    return Ok(());
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// A CoAP-over-WebSocket client (RFC 8323 §4): one connection, CSMs exchanged, requests one
    /// at a time with their own tokens.
    pub struct WsClient {
        ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
        session: Session,
        next_token: u64,
    }

    impl WsClient {
        /// Connects to `ws://host:port` (the path [`WS_PATH`] is added) with the `coap`
        /// subprotocol, and sends our CSM.
        pub async fn connect(authority: &str) -> io::Result<Self> {
            use tokio_tungstenite::tungstenite::client::IntoClientRequest;
            let mut req = format!("ws://{authority}{WS_PATH}")
                .into_client_request()
                .map_err(other)?;
            req.headers_mut().insert(
                "Sec-WebSocket-Protocol",
                HeaderValue::from_static(WS_PROTOCOL),
            );
            let (ws, _) = tokio_tungstenite::connect_async(req).await.map_err(other)?;
            let mut c = WsClient {
                ws,
                session: Session::new(),
                next_token: 1,
            };
            let csm = c
                .session
                .csm_for(Transport::WebSocket, 1 << 20, false)
                .map_err(other)?;
            c.ws.send(WsMessage::Binary(frame(&csm)?))
                .await
                .map_err(other)?;
            Ok(c)
        }

        /// Sends `b` (a WebSocket builder) with a fresh token and returns the response message
        /// that carries it, as received.
        pub async fn request<const N: usize>(&mut self, b: &Builder<'_, N>) -> io::Result<Bytes> {
            let token = self.next_token.to_be_bytes();
            self.next_token = self.next_token.wrapping_add(1);
            let mut b = b.clone();
            b.token(&token);
            self.ws
                .send(WsMessage::Binary(frame(&b)?))
                .await
                .map_err(other)?;
            while let Some(msg) = self.ws.next().await {
                let data = match msg.map_err(other)? {
                    WsMessage::Binary(d) => d,
                    WsMessage::Close(_) => break,
                    _ => continue,
                };
                let m = Message::parse_ws(&data).map_err(other)?;
                match self.session.on_message(&m) {
                    Signal::Message if m.token() == token => return Ok(data),
                    Signal::Ping => {
                        let mut pong = Builder::<0>::ws(Code::PONG);
                        pong.token(m.token());
                        self.ws
                            .send(WsMessage::Binary(frame(&pong)?))
                            .await
                            .map_err(other)?;
                    }
                    Signal::Violation(v) => return Err(other(format!("signaling: {v:?}"))),
                    Signal::Abort { .. } | Signal::Release { .. } => break,
                    _ => {}
                }
            }
            Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the connection closed",
            ))
        }
    }
}

#[cfg(feature = "websocket")]
pub use ws::{WsClient, serve_ws};
