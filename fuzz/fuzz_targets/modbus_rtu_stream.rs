//! RTU stream on raw bytes with the real CRC check: chunked and one-shot framing agree, no byte
//! is lost or invented, work stays bounded, and every frame that decodes survives
//! parse-emit-parse; `Framing::find` (the noise-skipping loop in one call) finds the same frames
//! at the same offsets and drops the same bytes as a loop around `Framing::decode`. The last byte
//! of the stream chooses requests or responses.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use m2m_core::Status;
use m2m_modbus::pdu::Pdu;
use m2m_modbus::{Request, Response, rtu};

/// (frames as (offset, len), bytes dropped, bytes left) by `decode` or by `find`.
fn walk<'a, P: Pdu<'a>>(
    f: &rtu::Framing,
    buf: &'a [u8],
    find: bool,
) -> (Vec<(usize, usize)>, usize, usize) {
    let (mut pos, mut dropped, mut frames) = (0usize, 0usize, Vec::new());
    while pos < buf.len() {
        let skip = if find {
            match f.find::<P>(&buf[pos..]) {
                Ok(Status::Complete(found)) => {
                    assert!(found.consumed > found.skipped && found.consumed <= buf.len() - pos);
                    assert_eq!(found.noise.is_some(), found.skipped > 0);
                    if found.skipped > 0 {
                        let head = f.decode::<P>(&buf[pos..]).err().map(|e| e.error);
                        assert_eq!(head, found.noise, "the reason given is the head's");
                    }
                    frames.push((pos + found.skipped, found.consumed - found.skipped));
                    dropped += found.skipped;
                    pos += found.consumed;
                    continue;
                }
                Ok(Status::Partial(_)) => break,
                Err(e) => e.skip_len(),
            }
        } else {
            match f.decode::<P>(&buf[pos..]) {
                Ok(Status::Complete((_, n))) => {
                    frames.push((pos, n));
                    pos += n;
                    continue;
                }
                Ok(Status::Partial(_)) => break,
                Err(e) => e.skip_len(),
            }
        };
        assert!(
            skip >= 1 && skip <= buf.len() - pos,
            "skip within the buffer"
        );
        dropped += skip;
        pos += skip;
    }
    (frames, dropped, buf.len() - pos)
}

fuzz_target!(|data: &[u8]| {
    let (chunks, stream) = common::split(data);
    let responses = stream.last().is_some_and(|b| b & 1 == 1);
    let framing = if responses {
        rtu::Framing::responses()
    } else {
        rtu::Framing::requests()
    };
    let feed = common::feed_both(&framing, stream, &chunks);
    if responses {
        assert_eq!(
            walk::<Response<'_>>(&framing, stream, true),
            walk::<Response<'_>>(&framing, stream, false)
        );
    } else {
        assert_eq!(
            walk::<Request<'_>>(&framing, stream, true),
            walk::<Request<'_>>(&framing, stream, false)
        );
    }
    for frame in &feed.frames {
        assert!(frame.len() >= rtu::MIN_ADU && frame.len() <= rtu::MAX_ADU);
        let body = &frame[..frame.len() - 2];
        assert_eq!(
            rtu::crc16(body).to_le_bytes(),
            frame[frame.len() - 2..],
            "frame with a bad CRC"
        );
        if responses {
            if let Ok(a) = rtu::Adu::<Response<'_>>::parse(frame) {
                let again = a.to_vec().expect("encodes");
                assert_eq!(
                    rtu::Adu::<Response<'_>>::parse(&again).expect("re-decodes"),
                    a
                );
            }
        } else if let Ok(a) = rtu::Adu::<Request<'_>>::parse(frame) {
            let again = a.to_vec().expect("encodes");
            assert_eq!(
                rtu::Adu::<Request<'_>>::parse(&again).expect("re-decodes"),
                a
            );
        }
    }
});
