//! Shared by the Modbus stream targets: split the fuzz input into chunk sizes and a stream,
//! feed the stream in those chunks and in one piece, and check that both cut the same frames.

#![allow(dead_code)] // each target uses a part

use m2m_core::{Framing, Status};
use m2m_modbus::pdu::Pdu;
use m2m_modbus::{Request, Response, rtu};
use m2m_testkit::props::{Feed, feed_in_chunks};

/// First byte: how many chunk sizes follow (each byte one size, 0..=31); the rest is the stream.
pub fn split(data: &[u8]) -> (Vec<usize>, &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return (Vec::new(), data);
    };
    let n = usize::from(n % 32).min(rest.len());
    let (sizes, stream) = rest.split_at(n);
    (sizes.iter().map(|&s| usize::from(s % 32)).collect(), stream)
}

/// Feeds `stream` both ways; panics if they disagree or the framing breaks its contract.
pub fn feed_both<F: Framing>(framing: &F, stream: &[u8], chunks: &[usize]) -> Feed {
    let one = feed_in_chunks(framing, stream, &[]).expect("one-shot feeding");
    let many = feed_in_chunks(framing, stream, chunks).expect("chunked feeding");
    assert_eq!(one, many, "chunked framing disagrees with one-shot framing");
    let total: usize = one.frames.iter().map(Vec::len).sum::<usize>() + one.skipped + one.leftover;
    assert_eq!(total, stream.len(), "bytes lost or invented");
    one
}

/// (frames as (offset, len), bytes dropped, bytes left) by `decode` or by `find`.
pub fn walk<'a, P: Pdu<'a>>(
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

/// The RTU stream checks: chunked and one-shot framing agree and lose no byte; `find` and a
/// loop around `decode` find the same frames and drop the same bytes; every frame has a right
/// CRC, and every frame that decodes survives parse-emit-parse.
pub fn check_rtu_stream(stream: &[u8], chunks: &[usize], responses: bool) {
    let framing = if responses {
        rtu::Framing::responses()
    } else {
        rtu::Framing::requests()
    };
    let feed = feed_both(&framing, stream, chunks);
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
        assert_eq!(
            m2m_testkit::props::crc16_bitwise(frame),
            0,
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
}
