//! CoAP over UDP, TCP and WebSocket on the tokio runners, one handler for all (feature
//! `websocket`): `/hello`, `/large` (3000 bytes, served in Block2 blocks), `/upload` (PUT, in
//! Block1 blocks or whole; GET gives it back, in Block2 blocks), `/obs` (observable: a counter
//! that goes up every 300 ms, each step notified), `/slow` (answered after 300 ms: over UDP an
//! Empty ACK first, then a separate response) and 4.04 for the rest.
//!
//! `cargo run -p m2m-coap --features websocket --example coap_runner_server -- 127.0.0.1:5683 8683`
//! listens on that address for UDP and TCP, on the second port for WebSocket, and prints
//! "ready".
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)] // an example

use m2m_coap::runner::{Notifier, Reply, Response, serve_tcp_with, serve_udp_with, serve_ws_with};
use m2m_coap::{Code, Message};

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The resources; `stored` and `counter` are shared by every connection and transport.
fn handler(stored: &Mutex<Vec<u8>>, counter: &AtomicU32, req: &Message<'_>) -> Reply {
    let path: Vec<&str> = req.uri_path().collect();
    match (req.code(), path.as_slice()) {
        (Code::GET, ["hello"]) => Response::content(0, b"Hello from m2m-coap".to_vec()).into(),
        (Code::GET, ["large"]) => {
            Response::content(0, (0..3000).map(|i| b'a' + (i % 26) as u8).collect()).into()
        }
        (Code::PUT, ["upload"]) => {
            *stored.lock().unwrap() = req.payload().to_vec();
            Response::new(Code::CHANGED).into()
        }
        (Code::GET, ["upload"]) => Response::content(0, stored.lock().unwrap().clone()).into(),
        (Code::GET, ["obs"]) => {
            let n = counter.load(Ordering::Relaxed);
            Response::content(0, n.to_string().into_bytes())
                .observable()
                .into()
        }
        (Code::GET, ["slow"]) => {
            let (responder, reply) = Reply::later();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                responder.send(Response::content(0, b"slow answer".to_vec()));
            });
            reply
        }
        _ => Response::new(Code::NOT_FOUND).into(),
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
    let stored = Arc::new(Mutex::new(Vec::new()));
    let counter = Arc::new(AtomicU32::new(0));
    let notifier = Notifier::new();
    let (n, c) = (notifier.clone(), counter.clone());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            c.fetch_add(1, Ordering::Relaxed);
            n.changed("obs");
        }
    });
    let h = move |req: &Message<'_>| handler(&stored, &counter, req);
    println!("ready");
    tokio::select! {
        r = serve_udp_with(udp, h.clone(), notifier.clone()) => r,
        r = serve_tcp_with(tcp, h.clone(), notifier.clone()) => r,
        r = serve_ws_with(ws, h, notifier) => r,
    }
}
