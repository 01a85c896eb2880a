//! ASCII stream: chunked and one-shot framing agree, no byte is lost, every frame runs from ':'
//! to CR LF, and every frame that decodes survives parse-emit-parse. The last byte chooses the
//! framing (requests, responses, or by delimiters alone) and whether the LRC of every
//! `:` ... CR LF run of hex digits is set right first, so that the fuzzer's frames reach the
//! PDU decoders rather than stopping at a wrong LRC 255 times in 256.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use m2m_modbus::{Request, Response, ascii};

/// Writes the right LRC into the last two hex digits of every `:` ... CR LF run of an even
/// number (at least 4) of hex digits.
fn fix_lrcs(stream: &mut [u8]) {
    let mut at = 0;
    while let Some(start) = stream[at..].iter().position(|&b| b == b':').map(|i| at + i) {
        let Some(end) = stream[start..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .map(|i| start + i)
        else {
            return;
        };
        let body = &stream[start + 1..end];
        let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        if body.len() >= 4 && body.len() % 2 == 0 && body.iter().all(|&c| hex(c).is_some()) {
            let bytes: Vec<u8> = body
                .chunks(2)
                .map(|p| hex(p[0]).unwrap_or(0) << 4 | hex(p[1]).unwrap_or(0))
                .collect();
            let lrc = ascii::lrc(&bytes[..bytes.len() - 1]);
            let digits = format!("{lrc:02X}");
            stream[end - 2..end].copy_from_slice(digits.as_bytes());
        }
        at = end + 2;
    }
}

fuzz_target!(|data: &[u8]| {
    let (chunks, stream) = common::split(data);
    let mode = stream.last().copied().unwrap_or(0);
    let mut stream = stream.to_vec();
    if mode & 4 == 4 {
        fix_lrcs(&mut stream);
    }
    let framing = match mode % 3 {
        0 => ascii::Framing::requests(),
        1 => ascii::Framing::responses(),
        _ => ascii::Framing::new(),
    };
    let feed = common::feed_both(&framing, &stream, &chunks);
    for frame in &feed.frames {
        assert_eq!(frame.first(), Some(&b':'));
        assert!(frame.ends_with(b"\r\n"));
        assert!(frame.len() <= ascii::MAX_FRAME);
        let mut scratch = [0u8; 255];
        if mode % 3 != 1 {
            if let Ok(a) = ascii::Adu::<Request<'_>>::parse(frame, &mut scratch) {
                let again = a.to_vec().expect("encodes");
                let mut s2 = [0u8; 255];
                assert_eq!(
                    ascii::Adu::<Request<'_>>::parse(&again, &mut s2).expect("re-decodes"),
                    a
                );
            }
        }
        if mode % 3 != 0 {
            if let Ok(a) = ascii::Adu::<Response<'_>>::parse(frame, &mut scratch) {
                let again = a.to_vec().expect("encodes");
                let mut s2 = [0u8; 255];
                assert_eq!(
                    ascii::Adu::<Response<'_>>::parse(&again, &mut s2).expect("re-decodes"),
                    a
                );
            }
        }
    }
});
