//! RTU stream built from valid frames: the fuzzer's bytes are cut into segments; a segment that
//! decodes as a PDU (a request or a response, as the first byte says) to a public function
//! becomes an RTU frame with a correct CRC. This gets the fuzzer past the CRC, so the framing
//! of valid frames is explored. Any other segment becomes line noise:
//! - reserved-address bytes (0xF8..=0xFF, which cannot start a frame): then every frame must
//!   come out exactly once, in order, whatever the chunking;
//! - or the segment's own bytes (noise that may look like frames: heads, counts, chance CRCs):
//!   then every frame must be found at its place unless a frame with a right CRC found before
//!   it covers it, and nothing else, checked against a bit-by-bit CRC
//!   (`m2m_testkit::props::check_rtu_found`), reading on to a silent line at the end.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use m2m_core::Framing as _;
use m2m_modbus::pdu::{request_len, response_len};
use m2m_modbus::{FunctionCode, PduLen, Request, Response, rtu};
use m2m_testkit::props::{check_rtu_found, walk_to_silence};

fuzz_target!(|data: &[u8]| {
    let (chunks, rest) = common::split(data);
    let Some((&mode, mut rest)) = rest.split_first() else {
        return;
    };
    let requests = mode & 1 == 1;
    let raw_noise = mode & 2 == 2;
    let mut stream = Vec::new();
    let mut real = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (seg, tail) = tail.split_at(n);
        rest = tail;
        let bytes = if requests {
            // Requests go to any address, broadcast 0 included.
            Request::parse(seg).ok().and_then(|pdu| {
                rtu::Adu {
                    address: len % 248,
                    pdu,
                }
                .to_vec()
                .ok()
            })
        } else {
            // A response comes from a unicast address, 1..=247.
            Response::parse(seg).ok().and_then(|pdu| {
                rtu::Adu {
                    address: len % 247 + 1,
                    pdu,
                }
                .to_vec()
                .ok()
            })
        };
        // Frames found only by their CRC may legitimately end early, and the default framings
        // take public functions only (custom codes need a hook or `UnknownFunctions::Hunt`):
        // keep those out.
        let frame = bytes.filter(|b| {
            let layout = if requests {
                request_len(&b[1..])
            } else {
                response_len(&b[1..])
            };
            FunctionCode::is_public_code(b[1] & 0x7F) && matches!(layout, Ok(PduLen::Exact(_)))
        });
        match frame {
            Some(bytes) => {
                real.push((stream.len(), bytes.len()));
                stream.extend_from_slice(&bytes);
            }
            None if raw_noise => stream.extend_from_slice(seg),
            None => stream.extend(seg.iter().map(|b| 0xF8 | (b & 7))),
        }
    }
    let framing = if requests {
        rtu::Framing::requests()
    } else {
        rtu::Framing::responses()
    };
    let feed = common::feed_both(&framing, &stream, &chunks);
    if raw_noise {
        let found = walk_to_silence(
            &stream,
            |b| framing.frame_len(b),
            |b| framing.frame_len_idle(b),
        );
        if let Err(why) = check_rtu_found(&found, &real, &stream) {
            panic!("{why}");
        }
    } else {
        let want: Vec<&[u8]> = real.iter().map(|&(o, n)| &stream[o..o + n]).collect();
        assert_eq!(feed.frames, want, "a valid frame was lost or split");
    }
});
