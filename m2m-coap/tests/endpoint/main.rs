//! The UDP endpoint on a fake clock and a scripted network: retransmission timing and give-up,
//! duplicates answered from the cache, a lost ACK then a separate response, piggybacked and
//! separate responses, Observe reordering, pings, Resets, and a property under random loss,
//! duplication and reordering.
#![allow(clippy::unwrap_used)]

use m2m_coap::endpoint::{Endpoint, Event, Incoming, Params};
use m2m_coap::{Builder, Code, Message, OptionNumber, Type};
use m2m_core::Timestamp;
use proptest::prelude::*;

type Ep = Endpoint<u8, 8, 512>;

fn at(ms: u64) -> Timestamp {
    Timestamp::from_millis(ms)
}

/// Everything `e` wants to send now.
fn drain(e: &mut Ep, now: u64) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    while let Some((peer, n)) = e.poll_transmit(at(now), &mut buf) {
        out.push((peer, buf[..n].to_vec()));
    }
    out
}

fn get(path: &'static str) -> Builder<'static, 4> {
    let mut b = Builder::<4>::udp(Type::Confirmable, Code::GET, 0);
    b.path(path).unwrap();
    b
}

fn ty(d: &[u8]) -> Type {
    Message::parse_udp(d).unwrap().ty().unwrap()
}

mod exchanges;
mod lossy;
mod no_response;
mod observe;
mod peers;
