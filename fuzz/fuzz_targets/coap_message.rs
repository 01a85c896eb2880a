//! CoAP messages over UDP, TCP and WebSocket: whatever the parser accepts re-encodes to the same
//! bytes (each field has one encoding), every accessor reads without panicking, lenient accepts
//! whatever strict accepts, and an error's offset lies within the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_coap::{Builder, Config, Message, Transport};
use m2m_core::Encode;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let transport = match sel % 3 {
        0 => Transport::Udp,
        1 => Transport::Tcp,
        _ => Transport::WebSocket,
    };
    match Message::parse(bytes, transport, &Config::STRICT) {
        Ok(m) => {
            let b = Builder::<4096>::from_message(&m).expect("a parsed message fits the builder");
            let mut out = vec![0u8; b.buffer_len()];
            let n = b.encode(&mut out).expect("re-encodes");
            assert_eq!(&out[..n], bytes, "re-encoding differs");
            let lenient = Message::parse(bytes, transport, &Config::LENIENT).expect("lenient accepts");
            assert_eq!(lenient, m);
            let mut sum = 0usize;
            for o in m.options() {
                sum = sum.wrapping_add(o.value.len());
            }
            let _ = (m.uri_host(), m.uri_path().count(), m.uri_query().count(), m.content_format());
            let _ = (m.observe(), m.block1(), m.block2(), m.oscore(), m.no_response(), sum);
            if let Some(bad) = m.bad_option() {
                assert!(bad.offset >= m.options_offset() && bad.offset < bytes.len());
            }
        }
        Err(e) => {
            assert!(e.offset <= bytes.len(), "offset {} past {}", e.offset, bytes.len());
            let _ = e.reaction();
            let _ = Message::parse(bytes, transport, &Config::LENIENT);
        }
    }
});
