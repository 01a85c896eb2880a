//! Shared by the Modbus stream targets: split the fuzz input into chunk sizes and a stream,
//! feed the stream in those chunks and in one piece, and check that both cut the same frames.

use m2m_core::Framing;
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
