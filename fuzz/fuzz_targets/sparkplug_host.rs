//! The Sparkplug host session under arbitrary input: messages on a few topics with arbitrary
//! payloads, time moving on, timeouts handled. It never panics, every poll ends, and timers are
//! never in the past once handled.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_core::Timestamp;
use m2m_sparkplug::session::Input;
use m2m_sparkplug::session::host::{Host, HostConfig};

const TOPICS: [&str; 14] = [
    "spBv1.0/G/NBIRTH/E1",
    "spBv1.0/G/NDATA/E1",
    "spBv1.0/G/NDEATH/E1",
    "spBv1.0/G/DBIRTH/E1/D1",
    "spBv1.0/G/DDATA/E1/D1",
    "spBv1.0/G/DDEATH/E1/D1",
    "spBv1.0/G/DBIRTH/E1/D2",
    "spBv1.0/G/DDATA/E1/D2",
    "spBv1.0/G/NBIRTH/E2",
    "spBv1.0/G/NDATA/E2",
    "spBv1.0/G/NDEATH/E2",
    "spBv1.0/STATE/H",
    "spBv1.0/STATE/other",
    "spBv1.0/G/NCMD/E1",
];

fuzz_target!(|data: &[u8]| {
    let mut config = HostConfig::new("H");
    if data.first().is_some_and(|b| b & 1 == 1) {
        config.reorder_timeout = None;
    }
    // Small tables, so that the capacity errors are reached.
    let mut host: Host<'_, 2, 2, 8> = Host::new(config).expect("valid id");
    let mut now = Timestamp::from_millis(1_000);
    let mut buf = [0u8; 512];
    host.connect(now, &mut buf).expect("fits");
    host.handle(now, Input::Connected).expect("connecting");
    let mut rest = data.get(1..).unwrap_or_default();
    while let [sel, dt, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (payload, next) = tail.split_at(n);
        rest = next;
        now = Timestamp::from_millis(now.as_millis() + u64::from(*dt) * 50);
        if host.poll_timeout().is_some_and(|t| t <= now) {
            host.handle_timeout(now);
            assert!(host.poll_timeout().is_none_or(|t| t > now));
        }
        let input = match sel % 16 {
            14 => Input::Disconnected,
            15 => {
                let _ = host.connect(now, &mut buf);
                Input::Connected
            }
            i => Input::Message {
                topic: TOPICS[usize::from(i)],
                payload,
            },
        };
        let _ = host.handle(now, input);
        let mut polls = 0;
        while let Some(t) = host.poll_transmit(now, &mut buf) {
            t.expect("512 bytes hold every transmit here");
            polls += 1;
            assert!(polls < 64, "poll_transmit does not end");
        }
        while host.poll_event().is_some() {}
    }
});
