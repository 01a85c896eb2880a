//! CoAP over TCP: chunked framing agrees with one-shot framing, no byte is lost, and every frame
//! that parses re-encodes to itself.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use m2m_coap::{Builder, Message, tcp};
use m2m_core::Encode;

fuzz_target!(|data: &[u8]| {
    let (chunks, stream) = common::split(data);
    let feed = common::feed_both(&tcp::Framing::with_max_message(4096), stream, &chunks);
    for frame in &feed.frames {
        if let Ok(m) = Message::parse_tcp(frame) {
            let b = Builder::<4096>::from_message(&m).expect("fits the builder");
            let mut out = vec![0u8; b.buffer_len()];
            let n = b.encode(&mut out).expect("re-encodes");
            assert_eq!(&out[..n], &frame[..]);
        }
    }
});
