//! RTU bus sniffer: fed in chunks or in one piece, it sees the same frames (same bytes, same
//! direction, same pairing) and drops the same bytes; no byte is lost or invented. The first
//! byte of the input says how many chunk sizes follow, as for the stream targets.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use m2m_core::{Status, Timestamp};
use m2m_modbus::sniffer::{Sniffed, Sniffer};

/// (is a response, frame bytes, paired) for each frame, plus bytes skipped and left over.
type Seen = (Vec<(bool, Vec<u8>, bool)>, usize, usize);

fn feed(stream: &[u8], chunks: &[usize]) -> Seen {
    let mut s = Sniffer::default();
    let (mut seen, mut skipped) = (Vec::new(), 0);
    let mut buf: Vec<u8> = Vec::new();
    let mut at = 0;
    let mut sizes = chunks.iter().copied();
    loop {
        let n = sizes
            .next()
            .unwrap_or(stream.len() - at)
            .min(stream.len() - at);
        buf.extend_from_slice(&stream[at..at + n]);
        at += n;
        loop {
            if buf.is_empty() {
                break;
            }
            match s.decode(&buf, Timestamp::EPOCH) {
                Ok(Status::Complete((item, used))) => {
                    assert!(used > 0 && used <= buf.len());
                    let (rsp, paired) = match &item {
                        Sniffed::Request(_) => (false, true),
                        Sniffed::Response { answers, .. } => (true, answers.is_ok()),
                    };
                    seen.push((rsp, buf[..used].to_vec(), paired));
                    buf.drain(..used);
                }
                Ok(Status::Partial(_)) => break,
                Err(e) => {
                    let k = e.skip_len();
                    assert!(k > 0, "a serial error must say what to skip");
                    let k = k.min(buf.len());
                    skipped += k;
                    buf.drain(..k);
                }
            }
        }
        if at >= stream.len() {
            break;
        }
    }
    (seen, skipped, buf.len())
}

fuzz_target!(|data: &[u8]| {
    let (chunks, stream) = common::split(data);
    let one = feed(stream, &[]);
    let many = feed(stream, &chunks);
    let total: usize = one.0.iter().map(|(_, b, _)| b.len()).sum::<usize>() + one.1 + one.2;
    assert_eq!(total, stream.len(), "bytes lost or invented");
    // Chunking can only change when a frame becomes decidable, never what it is.
    assert_eq!(
        one, many,
        "chunked sniffing disagrees with one-shot sniffing"
    );
});
