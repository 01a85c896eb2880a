//! The WebSocket runner and client (RFC 8323 §4, feature `websocket`): one CoAP message per
//! binary frame, on tokio-tungstenite; each connection run by the sans-IO
//! [`Connection`](crate::endpoint::stream::Connection).

use std::boxed::Box;
use std::format;
use std::io;
use std::string::ToString;
use std::vec::Vec;

use bytes::Bytes;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::handshake::server::{
    ErrorResponse, Request, Response as WsResponse,
};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::reliable::{self, Read, Wire};
use super::service::Service;
use super::{Handler, MAX_MESSAGE, Notifier, now};
use crate::builder::Builder;
use crate::endpoint::stream::{Close, ConnParams, Connection, StreamEvent, StreamIncoming};
use crate::error::Transport;

/// The WebSocket subprotocol of CoAP (RFC 8323 §4.1, §11.5).
pub const WS_PROTOCOL: &str = "coap";

/// The resource a CoAP-over-WebSocket client connects to (RFC 8323 §4.1).
pub const WS_PATH: &str = "/.well-known/coap";

fn other(e: impl core::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// The WebSocket limits: no message or frame larger than the CoAP message we take (the
/// library's defaults are 64 and 16 MiB).
fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

/// Serves CoAP over WebSocket (RFC 8323 §4) on `listener`: the handshake must be for
/// [`WS_PATH`] (404 otherwise) and ask for the `coap` subprotocol (400 otherwise), and come
/// within 10 s; then our CSM, and requests answered. One task per connection; `handler` is
/// cloned for each; nobody can notify its observers (see [`serve_ws_with`]). Like
/// [`serve_tcp`](super::serve_tcp), it serves for as long as the future is polled.
pub async fn serve_ws<H: Handler + Clone + 'static>(
    listener: TcpListener,
    handler: H,
) -> io::Result<()> {
    serve_ws_with(listener, handler, Notifier::new()).await
}

/// Serves CoAP over WebSocket like [`serve_ws`]; observers are notified of the changes told
/// to `notifier`.
pub async fn serve_ws_with<H: Handler + Clone + 'static>(
    listener: TcpListener,
    handler: H,
    notifier: Notifier,
) -> io::Result<()> {
    reliable::accept(listener, handler, notifier, connection).await
}

impl<S> Wire for SplitSink<WebSocketStream<S>, WsMessage>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    async fn send(&mut self, message: &[u8]) -> io::Result<()> {
        SinkExt::send(self, WsMessage::Binary(Bytes::copy_from_slice(message)))
            .await
            .map_err(other)
    }

    /// A Close of ours; after the peer's, the answer to it that tungstenite queued when it
    /// read it (RFC 6455 §5.5.1: the endpoint MUST send a Close in response). Either way the
    /// Close is written here, not left for a write that never comes.
    async fn close(&mut self) -> io::Result<()> {
        SinkExt::close(self).await.map_err(other)
    }
}

/// What a WebSocket message is to the connection.
fn read(msg: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>) -> Read {
    match msg {
        Some(Ok(WsMessage::Binary(b))) => Read::Frame(b),
        Some(Ok(WsMessage::Close(_))) | None => Read::Closed,
        // A message over the size bound: the connection is aborted (RFC 8323 §5.6).
        Some(Err(tokio_tungstenite::tungstenite::Error::Capacity(_))) => Read::Malformed,
        Some(Err(_)) => Read::Closed,
        Some(Ok(_)) => Read::Skip,
    }
}

/// The answer that refuses a handshake: `status`, and `why` as its body.
fn refusal(status: StatusCode, why: &str) -> ErrorResponse {
    let mut rsp = ErrorResponse::new(Some(why.into()));
    *rsp.status_mut() = status;
    rsp
}

/// Whether a handshake request asks for the `coap` subprotocol among the ones it lists.
fn asks_coap(req: &Request) -> bool {
    req.headers()
        .get_all("Sec-WebSocket-Protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|p| p.trim() == WS_PROTOCOL))
}

// tungstenite's handshake callback returns its own (large) error response type.
#[allow(clippy::result_large_err)]
async fn connection<H: Handler>(stream: TcpStream, svc: Service<(), Vec<u8>, H>) -> io::Result<()> {
    let callback = |req: &Request, mut rsp: WsResponse| {
        // RFC 8323 §4.1: a CoAP-over-WebSocket client connects to the well-known path (a
        // `coap+ws` URI names no other; aiocoap answers another path with 404 too) ...
        if req.uri().path() != WS_PATH {
            return Err(refusal(
                StatusCode::NOT_FOUND,
                "CoAP is at /.well-known/coap",
            ));
        }
        // ... and MUST list the `coap` subprotocol: without it, the peer does not speak CoAP
        // to us.
        if !asks_coap(req) {
            return Err(refusal(
                StatusCode::BAD_REQUEST,
                "the subprotocol coap is required",
            ));
        }
        rsp.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(WS_PROTOCOL),
        );
        Ok(rsp)
    };
    let _ = stream.set_nodelay(true);
    // The handshake is bounded like the CSM that follows it: a socket that sends nothing, or
    // half a request, would otherwise hold one of the connections' places for good.
    let handshake =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config()));
    let ws = match tokio::time::timeout(reliable::csm_timeout(), handshake).await {
        Ok(ws) => ws.map_err(other)?,
        Err(_) => {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no WebSocket handshake in time",
            ));
        }
    };
    let (sink, stream) = ws.split();
    let messages = stream.map(|m| read(Some(m)));
    reliable::serve(Transport::WebSocket, Box::pin(messages), sink, svc).await
}

/// The connection of a [`WsClient`]: eight requests at once at most.
type ClientConn = Connection<8, 16384>;

/// A CoAP-over-WebSocket client (RFC 8323 §4): one connection, CSMs exchanged, requests one
/// at a time, each under a fresh random token.
pub struct WsClient {
    ws: WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
    conn: Box<ClientConn>,
    start: Instant,
}

impl core::fmt::Debug for WsClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WsClient").finish_non_exhaustive()
    }
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
        let (ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(config()), true)
            .await
            .map_err(other)?;
        let start = Instant::now();
        let params = ConnParams {
            max_message_size: u32::try_from(MAX_MESSAGE).unwrap_or(u32::MAX),
            ..ConnParams::default()
        };
        let conn = Box::new(ClientConn::open(
            now(start),
            Transport::WebSocket,
            params,
            m2m_core::random::seed(),
        ));
        let mut c = WsClient { ws, conn, start };
        c.flush().await?;
        Ok(c)
    }

    /// Sends what the connection queued, each message within 10 s (a server that reads
    /// nothing does not hold the client for good).
    async fn flush(&mut self) -> io::Result<()> {
        const WRITE_TIMEOUT: core::time::Duration = core::time::Duration::from_secs(10);
        let mut out = std::vec![0u8; 16384];
        while let Some(n) = self.conn.poll_transmit(now(self.start), &mut out) {
            let frame = Bytes::copy_from_slice(out.get(..n).unwrap_or_default());
            tokio::time::timeout(WRITE_TIMEOUT, self.ws.send(WsMessage::Binary(frame)))
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the server reads nothing"))?
                .map_err(other)?;
        }
        Ok(())
    }

    /// The connection's deadlines that have passed, for request `id`: an error for its
    /// response timeout, the server's CSM not come, or a Ping not answered.
    async fn deadlines(&mut self, id: crate::RequestId) -> io::Result<()> {
        while let Some(event) = self.conn.poll_event(now(self.start)) {
            match event {
                StreamEvent::Timeout(got) if got == id => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "no response in time",
                    ));
                }
                StreamEvent::NoCsm => {
                    self.conn.abort("no CSM");
                    self.flush().await?;
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "no CSM from the server in time",
                    ));
                }
                StreamEvent::Unresponsive => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the server does not answer a Ping",
                    ));
                }
                // Another request's.
                StreamEvent::Timeout(_) => {}
            }
        }
        Ok(())
    }

    /// Sends `b` (a WebSocket builder) with a fresh token and returns the response message
    /// that carries it, as received. The connection's deadlines hold: no response within its
    /// response timeout (60 s) is an error (`TimedOut`), and so is a server whose CSM does not
    /// come within 10 s (RFC 8323 §5.3).
    pub async fn request<const N: usize>(&mut self, b: &Builder<'_, N>) -> io::Result<Bytes> {
        let id = self.conn.request(now(self.start), b).map_err(other)?;
        self.flush().await?;
        loop {
            // Looked at before every read, so that a server that keeps sending (Pings, Empty
            // messages) cannot hold the request past its deadlines.
            if self
                .conn
                .poll_timeout()
                .is_some_and(|t| t <= now(self.start))
            {
                self.deadlines(id).await?;
            }
            let timer = self.conn.poll_timeout().and_then(|t| {
                let ms = t.as_millis().saturating_sub(now(self.start).as_millis());
                Instant::now().checked_add(core::time::Duration::from_millis(ms))
            });
            let read = tokio::select! {
                // A message that is there is taken before the deadlines are looked at.
                biased;
                msg = self.ws.next() => read(msg),
                () = async {
                    match timer {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => core::future::pending().await,
                    }
                } => {
                    self.deadlines(id).await?;
                    continue;
                }
            };
            let data = match read {
                Read::Frame(d) => d,
                Read::Skip => continue,
                Read::Malformed => break,
                Read::Closed => {
                    // The answer to the server's Close, if it sent one (RFC 6455 §5.5.1).
                    self.close().await;
                    break;
                }
            };
            let answer = match self.conn.handle(now(self.start), &data) {
                StreamIncoming::Response { id: got, .. } if got == id => Some(Ok(())),
                // A Release still lets the answer to our request come (RFC 8323 §5.5).
                StreamIncoming::Closed(Close::Released { .. }) => None,
                StreamIncoming::Closed(why) => Some(Err(other(format!("closed: {why:?}")))),
                _ => None,
            };
            // A Pong, or our Abort.
            self.flush().await?;
            match answer {
                Some(Ok(())) => return Ok(data),
                Some(Err(e)) => return Err(e),
                None => {}
            }
        }
        Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed",
        ))
    }

    /// Closes the WebSocket: a Close of ours, or, after the server's, the answer to it that
    /// tungstenite queued when it read it. Bounded: a server that takes nothing does not hold
    /// the client.
    async fn close(&mut self) {
        let timeout = core::time::Duration::from_millis(ConnParams::default().pong_timeout_ms);
        // The Sink's close: `WebSocketStream::close` sends a Close message, which tungstenite
        // refuses after the peer's, and then writes nothing.
        let _ = tokio::time::timeout(timeout, SinkExt::close(&mut self.ws)).await;
    }
}
