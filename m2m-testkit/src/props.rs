//! Reusable properties of stream framings, and strategies to drive them.
//!
//! Each check returns `Err(message)` instead of panicking so it can be used inside
//! `proptest!` (with `prop_assert!(check(..).is_ok())`, or `?` on a `TestCaseError`) and in
//! plain tests alike.

use m2m_core::{Framing, ProtocolError, Status};
use proptest::prelude::*;

/// Every strict prefix of `frame` (including the empty one) must be `Partial`, and `frame`
/// itself must be `Complete(frame.len())`.
pub fn check_prefixes_partial<F: Framing + ?Sized>(
    framing: &F,
    frame: &[u8],
) -> Result<(), String> {
    for end in 0..frame.len() {
        match framing.frame_len(&frame[..end]) {
            Ok(Status::Partial(_)) => {}
            other => {
                return Err(format!(
                    "prefix of {end} of {} bytes gave {other:?}, want Partial",
                    frame.len()
                ));
            }
        }
    }
    check_frame_then_junk(framing, frame, &[])
}

/// Where a framing says how many bytes are missing, adding exactly that many from the real
/// frame must not leave it `Partial` with a larger count than before (the count is exact or a
/// lower bound, never an over-estimate).
pub fn check_needed_not_overestimated<F: Framing + ?Sized>(
    framing: &F,
    frame: &[u8],
) -> Result<(), String> {
    for end in 0..frame.len() {
        if let Ok(Status::Partial(needed)) = framing.frame_len(&frame[..end]) {
            if let Some(n) = needed.size() {
                if end + n > frame.len() {
                    return Err(format!(
                        "prefix of {end} bytes asks for {n} more, but the frame is {} bytes",
                        frame.len()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `frame` followed by `junk` must frame as exactly `frame.len()` bytes.
pub fn check_frame_then_junk<F: Framing + ?Sized>(
    framing: &F,
    frame: &[u8],
    junk: &[u8],
) -> Result<(), String> {
    let mut buf = frame.to_vec();
    buf.extend_from_slice(junk);
    match framing.frame_len(&buf) {
        Ok(Status::Complete(n)) if n == frame.len() => Ok(()),
        other => Err(format!(
            "frame of {} bytes + {} junk bytes gave {other:?}",
            frame.len(),
            junk.len()
        )),
    }
}

/// What a buffered stream reader saw: the frames it cut, and how many bytes it skipped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Feed {
    /// Frames, in order.
    pub frames: Vec<Vec<u8>>,
    /// Bytes dropped by resynchronisation.
    pub skipped: usize,
    /// Bytes not framed at the end: an incomplete tail, or everything from an unrecoverable
    /// error on.
    pub leftover: usize,
    /// The unrecoverable error that stopped the stream (a framing error with no skip).
    pub fatal: Option<String>,
}

/// Feeds `stream` to `framing` in chunks of the given sizes (the last chunk takes whatever is
/// left; zero sizes are allowed), as a reader on a socket or serial port would: append, frame
/// as many as possible, skip on resynchronisable errors.
///
/// An error that offers no skip stops the stream: it is recorded in [`Feed::fatal`] and the
/// rest counts as leftover. Returns `Err` only for a framing that breaks its contract
/// (`Complete(0)`, `Complete` longer than the buffer).
pub fn feed_in_chunks<F: Framing + ?Sized>(
    framing: &F,
    stream: &[u8],
    chunks: &[usize],
) -> Result<Feed, String> {
    let mut feed = Feed::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut at = 0;
    let mut sizes = chunks.iter().copied();
    while at < stream.len() {
        let n = sizes
            .next()
            .unwrap_or(stream.len() - at)
            .min(stream.len() - at);
        buf.extend_from_slice(&stream[at..at + n]);
        at += n;
        drain(framing, &mut buf, &mut feed)?;
    }
    drain(framing, &mut buf, &mut feed)?;
    feed.leftover = buf.len();
    Ok(feed)
}

fn drain<F: Framing + ?Sized>(
    framing: &F,
    buf: &mut Vec<u8>,
    feed: &mut Feed,
) -> Result<(), String> {
    loop {
        if buf.is_empty() {
            return Ok(());
        }
        match framing.frame_len(buf) {
            Ok(Status::Complete(0)) => return Err("framing returned Complete(0)".into()),
            Ok(Status::Complete(n)) if n > buf.len() => {
                return Err(format!("Complete({n}) for a buffer of {}", buf.len()));
            }
            Ok(Status::Complete(n)) => {
                feed.frames.push(buf.drain(..n).collect());
            }
            Ok(Status::Partial(_)) => return Ok(()),
            Err(e) => match e.skip() {
                Some(k) => {
                    let k = k.get().min(buf.len());
                    buf.drain(..k);
                    feed.skipped += k;
                }
                None => {
                    feed.fatal = Some(e.to_string());
                    return Ok(());
                }
            },
        }
    }
}

/// Chunk sizes for [`feed_in_chunks`]: mostly small (1..=8 bytes, the worst case for a
/// framing), sometimes empty reads and larger ones.
pub fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(
        prop_oneof![4 => 1usize..=8, 1 => Just(0usize), 2 => 9usize..=300],
        0..64,
    )
}

/// CRC-16/MODBUS, bit by bit as the Serial Line guide §6.2.2 describes it (polynomial 0xA001
/// reflected, initial 0xFFFF): an oracle apart from any table. Over a frame followed by its own
/// CRC (low byte first) it is 0.
pub fn crc16_bitwise(bytes: &[u8]) -> u16 {
    let mut crc = 0xFFFFu16;
    for &b in bytes {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// What an RTU framing must find in `stream`, made of real frames (`real`, as (offset,
/// length)) with noise between them: every frame found (`found`, as (offset, length)) ends with
/// the CRC of its bytes (by [`crc16_bitwise`]); every real frame is found, at its place, unless
/// a frame found before it (its CRC right by chance, or a frame inside the noise) covers its
/// start, which breaks it; and nothing is found starting inside a real frame that is not broken.
pub fn check_rtu_found(
    found: &[(usize, usize)],
    real: &[(usize, usize)],
    stream: &[u8],
) -> Result<(), String> {
    let broken = |r: usize| found.iter().any(|&(o, m)| o < r && o + m > r);
    let inside_real = |o: usize| real.iter().any(|&(r, n)| o > r && o < r + n && !broken(r));
    for &(o, n) in found {
        let Some(frame) = stream.get(o..o + n) else {
            return Err(format!("found {o}+{n} runs past the stream"));
        };
        if crc16_bitwise(frame) != 0 {
            return Err(format!("found {o}+{n} has a bad CRC"));
        }
        if inside_real(o) {
            return Err(format!(
                "found {o}+{n} starts inside a real frame; real {real:?}, found {found:?}"
            ));
        }
    }
    for &(r, n) in real {
        if !found.contains(&(r, n)) && !broken(r) {
            return Err(format!("real frame {r}+{n} not found in {found:?}"));
        }
    }
    Ok(())
}

/// Frames (offset, length) of `stream` read whole, as a reader on a serial line does: when the
/// bytes run out with a head still waiting, the line has gone silent, so `idle` (the framing's
/// answer for a silent line, which gives such a head up) is asked instead, and the reading
/// goes on. Errors skip what they say (at least one byte).
pub fn walk_to_silence<E: ProtocolError>(
    stream: &[u8],
    frame_len: impl Fn(&[u8]) -> Result<Status<usize>, E>,
    idle: impl Fn(&[u8]) -> Result<Status<usize>, E>,
) -> Vec<(usize, usize)> {
    let (mut pos, mut frames) = (0, Vec::new());
    let skip = |e: &E| e.skip().map_or(1, std::num::NonZeroUsize::get);
    while pos < stream.len() {
        let rest = &stream[pos..];
        let answer = match frame_len(rest) {
            Ok(Status::Partial(_)) => idle(rest),
            other => other,
        };
        match answer {
            Ok(Status::Complete(n)) => {
                frames.push((pos, n));
                pos += n.max(1);
            }
            Ok(Status::Partial(_)) => break,
            Err(e) => pos += skip(&e),
        }
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    use m2m_core::Needed;

    /// A one-byte length prefix, 0 is invalid (skip 1).
    struct Lp;
    #[derive(Debug)]
    struct Zero;
    impl core::fmt::Display for Zero {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("zero length")
        }
    }
    impl ProtocolError for Zero {
        fn kind(&self) -> m2m_core::ErrorKind {
            m2m_core::ErrorKind::Malformed
        }
        fn skip(&self) -> Option<core::num::NonZeroUsize> {
            core::num::NonZeroUsize::new(1)
        }
    }
    impl Framing for Lp {
        type Error = Zero;
        fn frame_len(&self, buf: &[u8]) -> Result<Status<usize>, Zero> {
            match buf.first() {
                None => Ok(Status::Partial(Needed::Unknown)),
                Some(0) => Err(Zero),
                Some(&l) => {
                    let total = 1 + usize::from(l);
                    Ok(if buf.len() >= total {
                        Status::Complete(total)
                    } else {
                        Status::Partial(Needed::new(total - buf.len()))
                    })
                }
            }
        }
    }

    /// A broken framing that reports an error on a prefix.
    struct Impatient;
    impl Framing for Impatient {
        type Error = Zero;
        fn frame_len(&self, buf: &[u8]) -> Result<Status<usize>, Zero> {
            if buf.len() < 3 {
                Err(Zero)
            } else {
                Ok(Status::Complete(3))
            }
        }
    }

    #[test]
    fn checks_pass_on_a_correct_framing() {
        check_prefixes_partial(&Lp, &[3, 1, 2, 3]).unwrap();
        check_needed_not_overestimated(&Lp, &[3, 1, 2, 3]).unwrap();
        check_frame_then_junk(&Lp, &[1, 9], &[0xff, 0xff]).unwrap();
    }

    #[test]
    fn checks_catch_a_broken_framing() {
        assert!(check_prefixes_partial(&Impatient, &[1, 2, 3]).is_err());
        assert!(check_frame_then_junk(&Lp, &[2, 9], &[]).is_err());
    }

    #[test]
    fn feeding_skips_garbage_and_keeps_frames() {
        let stream = [0, 0, 2, 7, 8, 0, 1, 5, 3, 1];
        let feed = feed_in_chunks(&Lp, &stream, &[1, 0, 3, 1, 1]).unwrap();
        assert_eq!(feed.frames, vec![vec![2, 7, 8], vec![1, 5]]);
        assert_eq!(feed.skipped, 3);
        assert_eq!(feed.leftover, 2);
        assert_eq!(feed.fatal, None);
    }

    /// A framing that cannot resync: the first zero stops the stream.
    struct Strict;
    impl Framing for Strict {
        type Error = Zero;
        fn frame_len(&self, buf: &[u8]) -> Result<Status<usize>, Zero> {
            match buf.first() {
                None => Ok(Status::Partial(Needed::Unknown)),
                Some(0) => Err(Zero),
                Some(_) => Ok(Status::Complete(1)),
            }
        }
    }
    #[test]
    fn fatal_errors_stop_the_stream() {
        // `Zero` offers a skip; this framing's error does not.
        struct Fatal;
        #[derive(Debug)]
        struct E;
        impl core::fmt::Display for E {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("out of step")
            }
        }
        impl ProtocolError for E {
            fn kind(&self) -> m2m_core::ErrorKind {
                m2m_core::ErrorKind::Malformed
            }
        }
        impl Framing for Fatal {
            type Error = E;
            fn frame_len(&self, buf: &[u8]) -> Result<Status<usize>, E> {
                Strict.frame_len(buf).map_err(|_| E)
            }
        }
        let feed = feed_in_chunks(&Fatal, &[5, 6, 0, 7, 8], &[2, 1]).unwrap();
        assert_eq!(feed.frames, vec![vec![5], vec![6]]);
        assert_eq!(feed.fatal.as_deref(), Some("out of step"));
        assert_eq!(feed.leftover, 3);
    }

    proptest! {
        #[test]
        fn chunking_does_not_change_the_frames(chunks in chunk_sizes()) {
            let stream = [2, 1, 2, 0, 3, 4, 5, 6, 1, 9];
            let one_shot = feed_in_chunks(&Lp, &stream, &[]).unwrap();
            let chunked = feed_in_chunks(&Lp, &stream, &chunks).unwrap();
            prop_assert_eq!(one_shot, chunked);
        }
    }
}
