//! PDU parse-emit-parse: whatever decodes strictly encodes (the same limits apply both ways),
//! to `buffer_len()` bytes, and decodes again to the same value; lenient decoding never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_modbus::{Config, Request, Response};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Request::parse(data) {
        let bytes = r.to_vec().expect("a strictly decoded request encodes");
        assert_eq!(bytes.len(), r.buffer_len());
        assert_eq!(Request::parse(&bytes).expect("re-decodes"), r);
    }
    if let Ok(r) = Response::parse(data) {
        let bytes = r.to_vec().expect("a strictly decoded response encodes");
        assert_eq!(bytes.len(), r.buffer_len());
        assert_eq!(Response::parse(&bytes).expect("re-decodes"), r);
        // Every value can be read.
        let _ = format!("{r:?}");
    }
    let _ = Request::parse_with(data, &Config::LENIENT);
    let _ = Response::parse_with(data, &Config::LENIENT);
    let _ = m2m_modbus::pdu::request_len(data);
    let _ = m2m_modbus::pdu::response_len(data);
});
