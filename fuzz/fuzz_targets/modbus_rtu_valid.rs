//! RTU stream built from valid frames: the fuzzer's bytes are cut into segments; a segment that
//! decodes as a response PDU to a public function becomes an RTU frame with a correct CRC, any
//! other becomes line noise of reserved-address bytes (0xF8..=0xFF, which cannot start a frame). This gets the
//! fuzzer past the CRC, so the framing of valid frames is explored, and then every frame must
//! come out exactly once, in order, whatever the chunking.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use m2m_modbus::{Response, rtu};

fuzz_target!(|data: &[u8]| {
    let (chunks, mut rest) = common::split(data);
    let mut stream = Vec::new();
    let mut want = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (seg, tail) = tail.split_at(n);
        rest = tail;
        let frame = Response::parse(seg).ok().and_then(|pdu| {
            // A response comes from a unicast address, 1..=247.
            let bytes = rtu::Adu { address: len % 247 + 1, pdu }.to_vec().ok()?;
            // Frames found only by their CRC may legitimately end early, and a client's default
            // framing takes answers to public functions only (custom codes need a hook or
            // `UnknownFunctions::Hunt`): keep those out.
            let public = m2m_modbus::FunctionCode::is_public_code(bytes[1] & 0x7F);
            let exact = matches!(
                m2m_modbus::pdu::response_len(&bytes[1..]),
                Ok(m2m_modbus::PduLen::Exact(_))
            );
            (public && exact).then_some(bytes)
        });
        match frame {
            Some(bytes) => {
                stream.extend_from_slice(&bytes);
                want.push(bytes);
            }
            None => stream.extend(seg.iter().map(|b| 0xF8 | (b & 7))),
        }
    }
    let feed = common::feed_both(&rtu::Framing::responses(), &stream, &chunks);
    assert_eq!(feed.frames, want, "a valid frame was lost or split");
});
