//! The WebSocket runner and client: the handshake (bounded in time; the path and the `coap`
//! subprotocol required), the Close answered both ways, the client's response timeout.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response as WsResponse};
use tokio_tungstenite::tungstenite::http::HeaderValue;

use m2m_coap::runner::{WS_PATH, WsClient, serve_ws_with};

use super::*;

/// A WebSocket runner with [`handler`] on loopback; its address.
async fn ws_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_ws_with(
        listener,
        handler(Arc::new(AtomicU32::new(3))),
        Notifier::new(),
    ));
    addr
}

/// The handshake request of a CoAP client for `addr`, at `path`, listing `protocol`.
fn handshake(
    addr: std::net::SocketAddr,
    path: &str,
    protocol: Option<&'static str>,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut req = format!("ws://{addr}{path}").into_client_request().unwrap();
    if let Some(p) = protocol {
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(p));
    }
    req
}

/// A socket that opens no handshake, or stops half-way through one, is closed after 10 s (on
/// tokio's paused clock), and its place among the 1024 connections freed with it. It used to
/// be held for good.
#[tokio::test(start_paused = true)]
async fn a_handshake_that_does_not_come_is_given_up() {
    let addr = ws_server().await;
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /.well-known/coap HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    for s in [&mut idle, &mut half] {
        let mut buf = [0u8; 256];
        let r = tokio::time::timeout(Duration::from_secs(3600), s.read(&mut buf)).await;
        assert!(matches!(r, Ok(Ok(0) | Err(_))), "not closed: {r:?}");
    }
}

/// RFC 8323 §4.1: the client MUST list the `coap` subprotocol, and connects to
/// /.well-known/coap. A handshake without the first is refused with 400, one for another path
/// with 404 (as aiocoap does); both used to be accepted.
#[tokio::test]
async fn a_handshake_without_coap_or_for_another_path_is_refused() {
    let addr = ws_server().await;
    for (path, protocol, status) in [
        (WS_PATH, None, 400),
        (WS_PATH, Some("chat"), 400),
        ("/other", Some("coap"), 404),
    ] {
        match tokio_tungstenite::connect_async(handshake(addr, path, protocol)).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(rsp)) => {
                assert_eq!(rsp.status().as_u16(), status, "{path} {protocol:?}");
            }
            other => panic!("{path} {protocol:?}: {other:?}"),
        }
    }
    // Among others, and with the right path: served.
    let (mut ws, rsp) =
        tokio_tungstenite::connect_async(handshake(addr, WS_PATH, Some("chat, coap")))
            .await
            .unwrap();
    assert_eq!(rsp.headers().get("Sec-WebSocket-Protocol").unwrap(), "coap");
    let csm = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let WsMessage::Binary(csm) = csm else {
        panic!("{csm:?}");
    };
    let m = Message::parse(&csm, m2m_coap::Transport::WebSocket, &Default::default()).unwrap();
    assert_eq!(m.code(), Code::CSM);
}

/// RFC 6455 §5.5.1: a Close is answered with a Close. The runner used to drop the connection
/// without one (tungstenite queues the answer for the next write, which never came).
#[tokio::test]
async fn the_runner_answers_a_close() {
    let addr = ws_server().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(handshake(addr, WS_PATH, Some("coap")))
        .await
        .unwrap();
    ws.close(None).await.unwrap();
    // The runner's CSM may come first; then its Close.
    loop {
        let next = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("something in time");
        match next {
            Some(Ok(WsMessage::Binary(_))) => {}
            Some(Ok(WsMessage::Close(_))) => break,
            other => panic!("no Close in answer: {other:?}"),
        }
    }
}

/// A CoAP-over-WebSocket server written out here: the handshake with `coap`, its CSM, then
/// `script` with the connection.
// tungstenite's handshake callback returns its own (large) error response type.
#[allow(clippy::result_large_err)]
async fn scripted_ws_server<F, Fut, T>(script: F) -> (String, tokio::task::JoinHandle<T>)
where
    F: FnOnce(tokio_tungstenite::WebSocketStream<TcpStream>) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send,
    T: Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let task = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_hdr_async(s, |_: &Request, mut rsp: WsResponse| {
            rsp.headers_mut()
                .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("coap"));
            Ok(rsp)
        })
        .await
        .unwrap();
        let csm = Builder::<0>::ws(Code::CSM);
        let mut out = [0u8; 16];
        let n = csm.encode(&mut out).unwrap();
        ws.send(WsMessage::Binary(out[..n].to_vec().into()))
            .await
            .unwrap();
        script(ws).await
    });
    (addr, task)
}

/// The client's CSM and its request: the first two binary messages.
async fn csm_and_request(ws: &mut tokio_tungstenite::WebSocketStream<TcpStream>) {
    let mut binary = 0;
    while binary < 2 {
        if let WsMessage::Binary(_) = ws.next().await.unwrap().unwrap() {
            binary += 1;
        }
    }
}

fn ws_get() -> Builder<'static, 4> {
    let mut b = Builder::<4>::ws(Code::GET);
    b.str(OptionNumber::URI_PATH, "n").unwrap();
    b
}

/// RFC 6455 §5.5.1 on the client's side: the server's Close is answered before the request
/// fails. The client used to leave it queued in tungstenite, never written.
#[tokio::test]
async fn the_client_answers_a_close() {
    let (addr, server) = scripted_ws_server(|mut ws| async move {
        csm_and_request(&mut ws).await;
        ws.close(None).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), ws.next()).await
    })
    .await;
    let mut client = WsClient::connect(&addr).await.unwrap();
    let r = client.request(&ws_get()).await;
    assert!(r.is_err(), "{r:?}");
    drop(client);
    let answer = server.await.unwrap().expect("an answer in time");
    assert!(
        matches!(answer, Some(Ok(WsMessage::Close(_)))),
        "{answer:?}"
    );
}

/// A request the server never answers fails after the connection's response timeout (60 s, on
/// tokio's paused clock) instead of waiting for ever.
#[tokio::test(start_paused = true)]
async fn a_request_of_the_client_that_gets_no_answer_times_out() {
    let (addr, _server) = scripted_ws_server(|mut ws| async move {
        csm_and_request(&mut ws).await;
        // Nothing more from the server, and the connection kept open.
        while ws.next().await.is_some() {}
    })
    .await;
    let mut client = WsClient::connect(&addr).await.unwrap();
    let r = tokio::time::timeout(Duration::from_secs(3600), client.request(&ws_get()))
        .await
        .expect("the client gave up by itself");
    assert_eq!(
        r.unwrap_err().kind(),
        std::io::ErrorKind::TimedOut,
        "no answer"
    );
}
