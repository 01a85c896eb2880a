//! The UDP endpoint fed arbitrary datagrams from two peers, with time moving on: it never
//! panics, everything it sends parses, and it answers a request only once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_coap::endpoint::{Endpoint, Incoming};
use m2m_coap::{Builder, Code, Message, Type};
use m2m_core::Timestamp;

fuzz_target!(|data: &[u8]| {
    let mut ep = Endpoint::<u8, 4, 256>::new(7);
    let mut now = 0u64;
    let mut out = [0u8; 256];
    let mut get = Builder::<2>::udp(Type::Confirmable, Code::GET, 0);
    get.path("x").expect("fits");
    let _ = ep.request(Timestamp::from_millis(0), 1, &get, true);
    // Records: [peer/time byte][length][datagram].
    let mut rest = data;
    while let Some((&ctl, tail)) = rest.split_first() {
        let Some((&len, tail)) = tail.split_first() else { break };
        let n = usize::from(len).min(tail.len());
        let (d, tail) = tail.split_at(n);
        rest = tail;
        now += u64::from(ctl >> 1) * 97;
        let peer = ctl & 1;
        let t = Timestamp::from_millis(now);
        if let Ok(Incoming::Request { exchange, .. }) = ep.handle(t, peer, d) {
            let mut rsp = Builder::<0>::udp(Type::Acknowledgement, Code::CONTENT, 0);
            rsp.payload(b"ok");
            if ep.respond(t, &exchange, &rsp).is_ok() {
                assert!(ep.respond(t, &exchange, &rsp).is_err(), "answered twice");
            }
        }
        while let Some((_, n)) = ep.poll_transmit(t, &mut out) {
            Message::parse_udp(&out[..n]).expect("what the endpoint sends parses");
        }
        while ep.poll_event().is_some() {}
    }
});
