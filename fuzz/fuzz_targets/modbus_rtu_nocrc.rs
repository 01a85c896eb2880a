//! RTU stream with the CRC bypassed: wherever the bytes at a position have a layout that gives
//! a length (a head the framing would take), a right CRC is written over the two bytes that
//! end it, and the walk goes on after it. So the fuzzer's bytes reach the layout rules and the
//! PDU decoders through the framing, which a random CRC stops 65535 times in 65536 (the library
//! has no switch to turn its check off). Then the checks of `modbus_rtu_stream`: chunked and
//! one-shot framing agree, `find` agrees with `decode`, frames re-encode. The last byte chooses
//! requests or responses.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use m2m_modbus::PduLen;
use m2m_modbus::pdu::{request_len, response_len};
use m2m_modbus::rtu;

fuzz_target!(|data: &[u8]| {
    let (chunks, stream) = common::split(data);
    let responses = stream.last().is_some_and(|b| b & 1 == 1);
    let mut stream = stream.to_vec();
    let mut pos = 0;
    while pos + 1 < stream.len() {
        let pdu = &stream[pos + 1..];
        let len = if responses {
            response_len(pdu)
        } else {
            request_len(pdu)
        };
        match len {
            Ok(PduLen::Exact(n)) if pos + 3 + n <= stream.len() => {
                let end = pos + 1 + n;
                let crc = rtu::crc16(&stream[pos..end]);
                stream[end..end + 2].copy_from_slice(&crc.to_le_bytes());
                pos = end + 2;
            }
            _ => pos += 1,
        }
    }
    common::check_rtu_stream(&stream, &chunks, responses);
});
