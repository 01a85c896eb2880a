//! Modbus/TCP stream: chunked framing agrees with one-shot framing, no byte is lost, and every
//! frame that decodes survives parse-emit-parse.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use m2m_modbus::{Request, Response, tcp};

fuzz_target!(|data: &[u8]| {
    let (chunks, stream) = common::split(data);
    let feed = common::feed_both(&tcp::Framing::new(), stream, &chunks);
    for frame in &feed.frames {
        if let Ok(a) = tcp::Adu::<Request<'_>>::parse(frame) {
            let again = a.to_vec().expect("encodes");
            assert_eq!(
                tcp::Adu::<Request<'_>>::parse(&again).expect("re-decodes"),
                a
            );
        }
        if let Ok(a) = tcp::Adu::<Response<'_>>::parse(frame) {
            let again = a.to_vec().expect("encodes");
            assert_eq!(
                tcp::Adu::<Response<'_>>::parse(&again).expect("re-decodes"),
                a
            );
        }
    }
});
