//! The core reader, writer and hex codec on arbitrary input.
//!
//! The first byte says how many of the following bytes are a script of operations; the rest is
//! the buffer they run on. Invariants checked, beyond "no panic":
//! - `position() + remaining()` is always the input length;
//! - a successful read of n bytes returns exactly the next n bytes and advances by n;
//! - a failed read reports the current position as its offset, the right shortfall, and does
//!   not advance;
//! - a peek gives what a read would and does not move the reader; `finish` is Ok only at the
//!   end;
//! - hex text made by `Hex` decodes back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_core::{Hex, Reader, Writer, hex};

/// One read of `n` bytes against the model: the reader is at `*pos` in `buf`.
fn check_read<T: PartialEq + core::fmt::Debug>(
    r: &mut Reader<'_>,
    (buf, pos): (&[u8], &mut usize),
    n: usize,
    read: impl FnOnce(&mut Reader<'_>) -> Result<T, m2m_core::Truncated>,
    expect: impl FnOnce(&[u8]) -> T,
) {
    let rest = &buf[*pos..];
    match read(r) {
        Ok(v) => {
            assert!(rest.len() >= n, "read {n} from {} bytes", rest.len());
            assert_eq!(v, expect(&rest[..n]));
            *pos += n;
        }
        Err(e) => {
            assert!(
                rest.len() < n,
                "failed read of {n} with {} left",
                rest.len()
            );
            assert_eq!(e.offset, *pos);
            assert_eq!(e.needed, n - rest.len());
        }
    }
    assert_eq!(r.position(), *pos);
    assert_eq!(r.position() + r.remaining(), r.input().len());
}

fuzz_target!(|data: &[u8]| {
    let Some((&script_len, rest)) = data.split_first() else {
        return;
    };
    let (script, buf) = rest.split_at(usize::from(script_len).min(rest.len()));
    let mut r = Reader::new(buf);
    let mut pos = 0usize;
    for &op in script {
        let n = usize::from(op >> 3);
        match op & 7 {
            0 => check_read(&mut r, (buf, &mut pos), 1, |r| r.u8(), |b| b[0]),
            1 => check_read(
                &mut r,
                (buf, &mut pos),
                2,
                |r| r.u16_be(),
                |b| u16::from_be_bytes([b[0], b[1]]),
            ),
            2 => check_read(
                &mut r,
                (buf, &mut pos),
                2,
                |r| r.u16_le(),
                |b| u16::from_le_bytes([b[0], b[1]]),
            ),
            3 => check_read(
                &mut r,
                (buf, &mut pos),
                4,
                |r| r.u32_be(),
                |b| u32::from_be_bytes(b.try_into().unwrap()),
            ),
            4 => check_read(
                &mut r,
                (buf, &mut pos),
                8,
                |r| r.u64_le(),
                |b| u64::from_le_bytes(b.try_into().unwrap()),
            ),
            5 => check_read(
                &mut r,
                (buf, &mut pos),
                n,
                |r| r.take(n).map(<[u8]>::to_vec),
                <[u8]>::to_vec,
            ),
            6 => {
                // A peek returns what a take would, and leaves the reader where it was.
                assert_eq!(r.peek(n).ok(), buf.get(pos..pos + n));
                assert_eq!(r.rest(), &buf[pos..]);
            }
            _ => {
                let m = usize::from(op);
                assert_eq!(r.peek_at(n, m).ok(), buf.get(pos + n..pos + n + m));
                assert_eq!(r.finish().is_ok(), pos == buf.len());
            }
        }
    }

    // Writer: writing the buffer into a smaller space fails cleanly and keeps a prefix.
    let mut out = vec![0u8; usize::from(script_len)];
    let mut w = Writer::new(&mut out);
    let ok = w.put(buf).is_ok();
    assert_eq!(ok, buf.len() <= usize::from(script_len));
    assert_eq!(w.position(), if ok { buf.len() } else { 0 });

    // Hex: what we print, we read back; arbitrary text never panics.
    let text = Hex(buf).to_string();
    assert_eq!(hex::decode(&text).unwrap(), buf);
    if let Ok(s) = core::str::from_utf8(buf) {
        let _ = hex::decode(s);
    }
});
