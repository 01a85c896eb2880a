//! RTU stream on raw bytes with the real CRC check: chunked and one-shot framing agree, no byte
//! is lost or invented, work stays bounded, and every frame that decodes survives
//! parse-emit-parse. The last byte of the stream chooses requests or responses.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use m2m_modbus::{Request, Response, rtu};

fuzz_target!(|data: &[u8]| {
    let (chunks, stream) = common::split(data);
    let responses = stream.last().is_some_and(|b| b & 1 == 1);
    let framing = if responses { rtu::Framing::responses() } else { rtu::Framing::requests() };
    let feed = common::feed_both(&framing, stream, &chunks);
    for frame in &feed.frames {
        assert!(frame.len() >= rtu::MIN_ADU && frame.len() <= rtu::MAX_ADU);
        let body = &frame[..frame.len() - 2];
        assert_eq!(rtu::crc16(body).to_le_bytes(), frame[frame.len() - 2..], "frame with a bad CRC");
        if responses {
            if let Ok(a) = rtu::Adu::<Response<'_>>::parse(frame) {
                let again = a.to_vec().expect("encodes");
                assert_eq!(rtu::Adu::<Response<'_>>::parse(&again).expect("re-decodes"), a);
            }
        } else if let Ok(a) = rtu::Adu::<Request<'_>>::parse(frame) {
            let again = a.to_vec().expect("encodes");
            assert_eq!(rtu::Adu::<Request<'_>>::parse(&again).expect("re-decodes"), a);
        }
    }
});
