//! The WebSocket runner and client (RFC 8323 §4, feature `websocket`): one CoAP message per
//! binary frame, on tokio-tungstenite; each connection run by the sans-IO
//! [`Connection`](crate::endpoint::stream::Connection).

use std::boxed::Box;
use std::format;
use std::io;
use std::string::ToString;
use std::time::Instant;
use std::vec::Vec;

use bytes::Bytes;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response as WsResponse};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::reliable::{self, Read, Wire};
use super::service::Service;
use super::{Handler, MAX_MESSAGE, Notifier, now};
use crate::builder::Builder;
use crate::endpoint::stream::{Close, ConnParams, Connection, StreamIncoming};
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

/// Serves CoAP over WebSocket (RFC 8323 §4) on `listener`: the handshake must ask for the
/// `coap` subprotocol; then our CSM, and requests answered. One task per connection;
/// `handler` is cloned for each; nobody can notify its observers (see [`serve_ws_with`]).
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

// tungstenite's handshake callback returns its own (large) error response type.
#[allow(clippy::result_large_err)]
async fn connection<H: Handler>(stream: TcpStream, svc: Service<(), Vec<u8>, H>) -> io::Result<()> {
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
    let _ = stream.set_nodelay(true);
    let ws = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config()))
        .await
        .map_err(other)?;
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

    /// Sends what the connection queued.
    async fn flush(&mut self) -> io::Result<()> {
        let mut out = std::vec![0u8; 16384];
        while let Some(n) = self.conn.poll_transmit(now(self.start), &mut out) {
            let frame = Bytes::copy_from_slice(out.get(..n).unwrap_or_default());
            self.ws
                .send(WsMessage::Binary(frame))
                .await
                .map_err(other)?;
        }
        Ok(())
    }

    /// Sends `b` (a WebSocket builder) with a fresh token and returns the response message
    /// that carries it, as received.
    pub async fn request<const N: usize>(&mut self, b: &Builder<'_, N>) -> io::Result<Bytes> {
        let id = self.conn.request(now(self.start), b).map_err(other)?;
        self.flush().await?;
        loop {
            let data = match read(self.ws.next().await) {
                Read::Frame(d) => d,
                Read::Skip => continue,
                Read::Malformed | Read::Closed => break,
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
}
