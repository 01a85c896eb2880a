//! RTU stream on raw bytes with the real CRC check: chunked and one-shot framing agree, no byte
//! is lost or invented, work stays bounded, and every frame that decodes survives
//! parse-emit-parse; `Framing::find` (the noise-skipping loop in one call) finds the same frames
//! at the same offsets and drops the same bytes as a loop around `Framing::decode`. The last byte
//! of the stream chooses requests or responses.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (chunks, stream) = common::split(data);
    let responses = stream.last().is_some_and(|b| b & 1 == 1);
    common::check_rtu_stream(stream, &chunks, responses);
});
