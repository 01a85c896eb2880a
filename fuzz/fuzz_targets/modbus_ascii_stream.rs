//! ASCII stream: chunked and one-shot framing agree, no byte is lost, every frame runs from ':'
//! to CR LF, and every frame that decodes survives parse-emit-parse.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use m2m_modbus::{Request, ascii};

fuzz_target!(|data: &[u8]| {
    let (chunks, stream) = common::split(data);
    let feed = common::feed_both(&ascii::Framing::requests(), stream, &chunks);
    for frame in &feed.frames {
        assert_eq!(frame.first(), Some(&b':'));
        assert!(frame.ends_with(b"\r\n"));
        assert!(frame.len() <= ascii::MAX_FRAME);
        let mut scratch = [0u8; 255];
        if let Ok(a) = ascii::Adu::<Request<'_>>::parse(frame, &mut scratch) {
            let again = a.to_vec().expect("encodes");
            let mut s2 = [0u8; 255];
            assert_eq!(ascii::Adu::<Request<'_>>::parse(&again, &mut s2).expect("re-decodes"), a);
        }
    }
});
