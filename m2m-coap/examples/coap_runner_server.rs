//! CoAP over UDP, TCP and WebSocket on the tokio runners, one handler for all (feature
//! `websocket`): `/hello`, `/large` (3000 bytes, served in Block2 blocks) and 4.04 for the rest.
//!
//! `cargo run -p m2m-coap --features websocket --example coap_runner_server -- 127.0.0.1:5683 8683`
//! listens on that address for UDP and TCP, on the second port for WebSocket, and prints
//! "ready".
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)] // an example

use m2m_coap::runner::{Response, serve_tcp, serve_udp, serve_ws};
use m2m_coap::{Code, Message};

fn handler(req: &Message<'_>) -> Response {
    let path: Vec<&str> = req.uri_path().collect();
    match (req.code(), path.as_slice()) {
        (Code::GET, ["hello"]) => Response::content(0, b"Hello from m2m-coap".to_vec()),
        (Code::GET, ["large"]) => {
            Response::content(0, (0..3000).map(|i| b'a' + (i % 26) as u8).collect())
        }
        _ => Response::new(Code::NOT_FOUND),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:5683".into());
    let udp = tokio::net::UdpSocket::bind(&addr).await?;
    let tcp = tokio::net::TcpListener::bind(&addr).await?;
    let ws_port = std::env::args().nth(2).unwrap_or_else(|| "8683".into());
    let host = addr.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h);
    let ws = tokio::net::TcpListener::bind(format!("{host}:{ws_port}")).await?;
    println!("ready");
    tokio::select! {
        r = serve_udp(udp, handler) => r,
        r = serve_tcp(tcp, handler) => r,
        r = serve_ws(ws, handler) => r,
    }
}
