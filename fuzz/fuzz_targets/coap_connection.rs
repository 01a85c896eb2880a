//! A CoAP-over-TCP connection fed arbitrary messages, with time moving on: it never panics,
//! everything it sends parses, and once closed (and its own Release or Abort sent) it takes
//! and sends nothing more.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_coap::endpoint::stream::{Close, ConnParams, Connection, StreamIncoming};
use m2m_coap::{Builder, Code, Message, Transport};
use m2m_core::Timestamp;

fuzz_target!(|data: &[u8]| {
    let params = ConnParams {
        keepalive_ms: Some(500),
        ..ConnParams::default()
    };
    let transport = if data.first().is_some_and(|b| b & 1 == 1) {
        Transport::WebSocket
    } else {
        Transport::Tcp
    };
    let mut conn = Connection::<4, 512>::new(transport, params, 9);
    let mut now = 0u64;
    let mut out = [0u8; 512];
    let mut silent = false;
    let mut get =
        Builder::<2>::for_transport(transport, m2m_coap::Type::NonConfirmable, Code::GET, 0);
    get.path("x").expect("fits");
    // Records: [time byte][length][message].
    let mut rest = data.get(1..).unwrap_or_default();
    while let Some((&ctl, tail)) = rest.split_first() {
        let Some((&len, tail)) = tail.split_first() else {
            break;
        };
        let n = usize::from(len).min(tail.len());
        let (d, tail) = tail.split_at(n);
        rest = tail;
        now += u64::from(ctl) * 37;
        let t = Timestamp::from_millis(now);
        if ctl & 3 == 0 {
            let sent = conn.request(t, &get);
            assert!(
                !(silent && sent.is_ok()),
                "a closed connection took a request"
            );
        }
        match conn.handle(t, d) {
            StreamIncoming::Request { message } => {
                assert!(!silent, "a closed connection took {message:?}");
                let mut rsp = Builder::<0>::for_transport(
                    transport,
                    m2m_coap::Type::NonConfirmable,
                    Code::CONTENT,
                    0,
                );
                rsp.payload(b"ok");
                let _ = conn.respond(message.token(), &rsp);
            }
            StreamIncoming::Response { .. } => {
                assert!(!silent, "a closed connection took a response")
            }
            // A Release leaves the requests on their way to be answered (RFC 8323 §5.5).
            StreamIncoming::Closed(Close::Released { .. }) => assert!(conn.is_released()),
            StreamIncoming::Closed(_) => assert!(conn.is_closed()),
            StreamIncoming::Nothing => {}
        }
        while let Some(n) = conn.poll_transmit(t, &mut out) {
            assert!(
                !silent,
                "a closed connection sent more after its last message"
            );
            Message::parse(&out[..n], transport, &m2m_coap::Config::STRICT)
                .expect("what the connection sends parses");
        }
        // Closed, and its last message (a Release or Abort of its own) sent: silent from now.
        silent = conn.is_closed();
        while conn.poll_event(t).is_some() {}
    }
});
