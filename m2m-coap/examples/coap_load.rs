//! A load generator for CoAP-over-UDP servers on loopback: `N` Confirmable GETs of one URI,
//! `W` outstanding at a time (NSTART set to `W`), through the sans-IO endpoint and a std socket. Prints one JSON
//! line: requests, seconds, requests per second, and the median and 99th-percentile latency.
//!
//! `coap_load coap://127.0.0.1:5683/hello [--requests N] [--window W]`
//!
//! The same client measures every server, so the figures compare the servers (ours on the tokio
//! runner, libcoap's, aiocoap's); `benches/README.md` has them.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss
)]

use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use m2m_coap::endpoint::{Endpoint, Event, Incoming};
use m2m_coap::{Builder, Code, Type, Uri};
use m2m_core::Timestamp;

fn flag(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = args
        .get(1)
        .expect("usage: coap_load URI [--requests N] [--window W]");
    let requests = flag(&args, "--requests", 10_000);
    let window = flag(&args, "--window", 1).clamp(1, 32);
    let uri = Uri::parse(text).unwrap();
    let peer: SocketAddr = (uri.host, uri.effective_port())
        .to_socket_addrs()
        .unwrap()
        .next()
        .unwrap();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(5)))
        .unwrap();
    let mut scratch = [0u8; 256];
    let mut get = Builder::<8>::udp(Type::Confirmable, Code::GET, 0);
    uri.to_options(&mut get, &mut scratch, None).unwrap();

    let start = Instant::now();
    let now = || Timestamp::from_millis(start.elapsed().as_millis() as u64);
    // NSTART is 1 by default (RFC 7252 §4.7); a window of W needs W outstanding.
    let params = m2m_coap::endpoint::Params {
        nstart: u8::try_from(window).unwrap(),
        ..m2m_coap::endpoint::Params::DEFAULT
    };
    let mut ep = Endpoint::<SocketAddr, 32, 1280>::with_params(params, 0x1234_5678);
    let mut sent_at = HashMap::new();
    let mut latencies = Vec::with_capacity(requests);
    let (mut sent, mut done, mut timeouts) = (0usize, 0usize, 0usize);
    let mut buf = [0u8; 1500];
    let mut out = [0u8; 1500];
    while done + timeouts < requests {
        while sent < requests && sent - done - timeouts < window {
            let id = ep.request(now(), peer, &get, true).unwrap();
            sent_at.insert(id, Instant::now());
            sent += 1;
        }
        while let Some((to, n)) = ep.poll_transmit(now(), &mut out) {
            socket.send_to(&out[..n], to).unwrap();
        }
        while let Some(e) = ep.poll_event() {
            if let Event::Timeout(_) = e {
                timeouts += 1;
            }
        }
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        if let Ok(Incoming::Response { id, .. }) = ep.handle(now(), from, &buf[..n]) {
            if let Some(t) = sent_at.remove(&id) {
                latencies.push(t.elapsed());
            }
            done += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: usize| {
        latencies
            .get((latencies.len() * p / 100).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    println!(
        "{{\"requests\":{done},\"timeouts\":{timeouts},\"window\":{window},\"seconds\":{secs:.3},\"rps\":{:.0},\"p50_us\":{:.0},\"p99_us\":{:.0}}}",
        done as f64 / secs,
        pct(50),
        pct(99)
    );
}
