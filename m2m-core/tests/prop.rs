//! Properties of the reader, writer and hex codec, against simple models.

use m2m_core::{Reader, Truncated, Writer, hex};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    U8,
    U16Be,
    U16Le,
    U32Be,
    U32Le,
    U64Be,
    U64Le,
    Take(usize),
    Skip(usize),
    Peek(usize),
    PeekAt(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::U8),
        Just(Op::U16Be),
        Just(Op::U16Le),
        Just(Op::U32Be),
        Just(Op::U32Le),
        Just(Op::U64Be),
        Just(Op::U64Le),
        (0usize..40).prop_map(Op::Take),
        prop_oneof![0usize..40, Just(usize::MAX)].prop_map(Op::Skip),
        (0usize..40).prop_map(Op::Peek),
        (prop_oneof![0usize..40, Just(usize::MAX)], 0usize..40).prop_map(|(a, n)| Op::PeekAt(a, n)),
    ]
}

/// The model: what the bytes `[pos, pos + n)` are, if they exist.
fn model(buf: &[u8], pos: usize, n: usize) -> Result<&[u8], Truncated> {
    buf.get(pos..)
        .and_then(|rest| rest.get(..n))
        .ok_or_else(|| Truncated {
            offset: pos,
            needed: n - (buf.len() - pos),
        })
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0, |acc, &x| (acc << 8) | u64::from(x))
}
fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0, |acc, &x| (acc << 8) | u64::from(x))
}

proptest! {
    #[test]
    fn reader_agrees_with_the_model(buf in proptest::collection::vec(any::<u8>(), 0..64),
                                    ops in proptest::collection::vec(op(), 0..40)) {
        let mut r = Reader::new(&buf);
        let mut pos = 0usize;
        for op in ops {
            prop_assert_eq!(r.position(), pos);
            prop_assert_eq!(r.remaining(), buf.len() - pos);
            let (width, got): (usize, Result<u64, Truncated>) = match op {
                Op::U8 => (1, r.u8().map(u64::from)),
                Op::U16Be => (2, r.u16_be().map(u64::from)),
                Op::U16Le => (2, r.u16_le().map(u64::from)),
                Op::U32Be => (4, r.u32_be().map(u64::from)),
                Op::U32Le => (4, r.u32_le().map(u64::from)),
                Op::U64Be => (8, r.u64_be()),
                Op::U64Le => (8, r.u64_le()),
                Op::Take(n) => {
                    let want = model(&buf, pos, n);
                    prop_assert_eq!(r.take(n), want);
                    if want.is_ok() { pos += n; }
                    continue;
                }
                Op::Skip(n) => {
                    let ok = buf.len() - pos >= n;
                    prop_assert_eq!(r.skip(n).is_ok(), ok);
                    if ok { pos += n; }
                    continue;
                }
                Op::Peek(n) => {
                    prop_assert_eq!(r.peek(n), model(&buf, pos, n));
                    continue;
                }
                Op::PeekAt(at, n) => {
                    let want = at.checked_add(n).and_then(|end| buf[pos..].get(at..end));
                    let got = r.peek_at(at, n);
                    prop_assert_eq!(got.ok(), want);
                    if let Err(e) = got { prop_assert_eq!(e.offset, pos.saturating_add(at)); }
                    continue;
                }
            };
            let little = matches!(op, Op::U16Le | Op::U32Le | Op::U64Le);
            let want = model(&buf, pos, width).map(|b| if little { le(b) } else { be(b) });
            prop_assert_eq!(got, want);
            if want.is_ok() { pos += width; }
        }
    }

    #[test]
    fn writer_then_reader_round_trip(vals in proptest::collection::vec((any::<u16>(), any::<u32>(), any::<u64>()), 0..8),
                                     cap in 0usize..120) {
        let mut buf = vec![0u8; cap];
        let mut w = Writer::new(&mut buf);
        let mut written = 0;
        for &(a, b, c) in &vals {
            if w.u16_be(a).is_err() || w.u32_le(b).is_err() || w.u64_be(c).is_err() { break; }
            written += 1;
        }
        let len = w.finish();
        // Whole groups of 2 + 4 + 8 bytes while they fit; then the writes that still fit go
        // in whole, and a write that does not fit writes nothing.
        let groups = vals.len().min(cap / 14);
        prop_assert_eq!(written, groups);
        let room = cap - 14 * groups;
        let partial = match vals.get(groups) {
            None => 0,
            Some(_) if room >= 6 => 6,
            Some(_) if room >= 2 => 2,
            Some(_) => 0,
        };
        prop_assert_eq!(len, 14 * groups + partial);
        let mut r = Reader::new(&buf[..len]);
        for &(a, b, c) in vals.iter().take(written) {
            prop_assert_eq!(r.u16_be(), Ok(a));
            prop_assert_eq!(r.u32_le(), Ok(b));
            prop_assert_eq!(r.u64_be(), Ok(c));
        }
        if let Some(&(a, b, _)) = vals.get(groups).filter(|_| partial > 0) {
            prop_assert_eq!(r.u16_be(), Ok(a));
            if partial == 6 {
                prop_assert_eq!(r.u32_le(), Ok(b));
            }
        }
        prop_assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn hex_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let text = hex::encode(&bytes);
        prop_assert_eq!(text.len(), bytes.len() * 2);
        prop_assert_eq!(hex::decode(&text).unwrap(), bytes.clone());
        let spaced: String = text.as_bytes().chunks(2)
            .map(|c| std::str::from_utf8(c).unwrap().to_uppercase())
            .collect::<Vec<_>>().join(" \n");
        prop_assert_eq!(hex::decode(&spaced).unwrap(), bytes);
    }

    #[test]
    fn hex_never_panics(text in "\\PC{0,40}") {
        let _ = hex::decode(&text);
        let mut small = [0u8; 4];
        let _ = hex::decode_into(&text, &mut small);
    }
}
