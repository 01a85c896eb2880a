//! The WebSocket runner and client (RFC 8323 §4, feature `websocket`): one CoAP message per
//! binary frame, on tokio-tungstenite.

use std::format;
use std::io;
use std::string::ToString;
use std::vec::Vec;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response as WsResponse};
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::service::{Service, Step, Wake};
use super::{Handler, Notifier};
use crate::builder::Builder;
use crate::code::Code;
use crate::error::Transport;
use crate::message::Message;
use crate::signaling::{Session, Signal};

/// The WebSocket subprotocol of CoAP (RFC 8323 §4.1, §11.5).
pub const WS_PROTOCOL: &str = "coap";

/// The resource a CoAP-over-WebSocket client connects to (RFC 8323 §4.1).
pub const WS_PATH: &str = "/.well-known/coap";

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
/// connection; `handler` is cloned for each; nobody can notify its observers (see
/// [`serve_ws_with`]).
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
    loop {
        let (stream, _) = listener.accept().await?;
        let svc = Service::new(handler.clone(), notifier.clone());
        tokio::spawn(async move {
            let _ = connection(stream, svc).await;
        });
    }
}

// tungstenite's handshake callback returns its own (large) error response type.
#[allow(clippy::result_large_err)]
async fn connection<H: Handler>(
    stream: TcpStream,
    mut svc: Service<(), Vec<u8>, H>,
) -> io::Result<()> {
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
    loop {
        let steps: Vec<Step<(), Vec<u8>>> = tokio::select! {
            msg = ws.next() => {
                let Some(msg) = msg else { return Ok(()) };
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
                        svc.request((), &msg, msg.token().to_vec()).into_iter().collect()
                    }
                    Signal::Ping => {
                        let mut pong = Builder::<0>::ws(Code::PONG);
                        pong.token(msg.token());
                        ws.send(WsMessage::Binary(frame(&pong)?))
                            .await
                            .map_err(other)?;
                        continue;
                    }
                    Signal::Release { .. } | Signal::Abort { .. } | Signal::Violation(_) => {
                        return Ok(());
                    }
                    _ => continue,
                }
            }
            w = svc.wake() => match w {
                Wake::Ready(r) => svc.ready(r).into_iter().collect(),
                Wake::Changed(path) => svc.changed(path.as_deref()),
            },
        };
        for step in &steps {
            let b = super::tcp::build(step, Builder::ws);
            ws.send(WsMessage::Binary(frame(&b)?))
                .await
                .map_err(other)?;
        }
    }
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
