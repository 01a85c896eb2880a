//! CoAP messages over UDP, TCP and WebSocket: whatever the parser accepts re-encodes to the same
//! bytes (each field has one encoding), through the builder and through the in-place writer with
//! the later half of the options written first; every accessor reads without panicking, lenient
//! accepts whatever strict accepts, and an error's offset lies within the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_coap::{BuildError, Builder, Config, Message, MessageWriter, Transport};
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
            // The builder holds up to 4096 options: more only if the fuzzer's inputs grow past
            // libFuzzer's default 4096 bytes (an option takes one byte at least).
            let b = match Builder::<4096>::from_message(&m) {
                Ok(b) => b,
                Err(e) => {
                    assert_eq!(e, BuildError::TooManyOptions(4096), "{e:?}");
                    assert!(m.options().count() > 4096);
                    return;
                }
            };
            let mut out = vec![0u8; b.buffer_len()];
            let n = b.encode(&mut out).expect("re-encodes");
            assert_eq!(&out[..n], bytes, "re-encoding differs");
            // The in-place writer: the later options first, then the earlier ones inserted in
            // front of them (split where the number changes, so repeats keep their order).
            let opts: Vec<_> = m.options().collect();
            let half = opts.len() / 2;
            let split = (half..opts.len())
                .find(|&i| i == 0 || opts[i - 1].number != opts[i].number)
                .unwrap_or(opts.len());
            let mut buf = vec![0u8; n + 4];
            let mut w = match transport {
                Transport::Udp => MessageWriter::udp(
                    &mut buf,
                    m.ty().expect("UDP has a type"),
                    m.code(),
                    m.message_id().expect("UDP has a message id"),
                    m.token(),
                ),
                Transport::Tcp => MessageWriter::tcp(&mut buf, m.code(), m.token()),
                Transport::WebSocket => MessageWriter::ws(&mut buf, m.code(), m.token()),
            }
            .expect("the head fits");
            w.unchecked().payload(m.payload());
            for o in opts[split..].iter().chain(&opts[..split]) {
                w.opaque(o.number, o.value).expect("the option fits");
            }
            let k = w.finish().expect("the message fits");
            assert_eq!(&buf[..k], bytes, "the in-place writer differs");
            let lenient =
                Message::parse(bytes, transport, &Config::LENIENT).expect("lenient accepts");
            assert_eq!(lenient, m);
            let mut sum = 0usize;
            for o in m.options() {
                sum = sum.wrapping_add(o.value.len());
            }
            let _ = (
                m.uri_host(),
                m.uri_path().count(),
                m.uri_query().count(),
                m.content_format(),
            );
            let _ = (
                m.observe(),
                m.block1(),
                m.block2(),
                m.oscore(),
                m.no_response(),
                sum,
            );
            if let Some(bad) = m.bad_option() {
                assert!(bad.offset >= m.options_offset() && bad.offset < bytes.len());
            }
        }
        Err(e) => {
            assert!(
                e.offset <= bytes.len(),
                "offset {} past {}",
                e.offset,
                bytes.len()
            );
            let _ = e.reaction();
            let _ = Message::parse(bytes, transport, &Config::LENIENT);
        }
    }
});
