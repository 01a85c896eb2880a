//! Where every encoder of this crate writes (design.md §1: size first, then write exactly that
//! many bytes): one [`Sink`] trait, a [`Counter`] that only counts, a [`Slice`] that fills a
//! caller's buffer through m2m-core's [`Writer`], and [`Fmt`], through which `core::fmt`
//! writes into either.
//!
//! A format's encoder is one generic function over [`Sink`]: its `encoded_len` runs it on a
//! [`Counter`], its `encode` on a [`Slice`], so both walk the same code and agree on the size.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use m2m_core::Writer;

use crate::error::{Error, Reason};

/// An encoder's output: a [`Counter`] to size, a [`Slice`] to fill.
pub(crate) trait Sink {
    /// Appends `bytes`; [`Reason::BufferTooSmall`] (at the offset they did not fit) when full.
    fn put(&mut self, bytes: &[u8]) -> Result<(), Error>;

    /// Takes the next `n` bytes, to be filled in place: `Some` in a slice, `None` when only
    /// counting (they are counted either way); [`Reason::BufferTooSmall`] when they do not fit.
    fn slot(&mut self, n: usize) -> Result<Option<&mut [u8]>, Error>;

    /// The bytes written (or counted) so far: the offset of an encoder's errors.
    fn written(&self) -> usize;

    /// [`WINDOW`] bytes at the write position, for a writer that fills up to that many in
    /// place and then calls [`Sink::advance`]; `None` when fewer are left, or the sink keeps
    /// no bytes (the writer then takes its piece-by-piece way).
    #[inline(always)]
    fn window(&mut self) -> Option<&mut [u8; WINDOW]> {
        None
    }

    /// Moves past `n` bytes filled through [`Sink::window`].
    #[inline(always)]
    fn advance(&mut self, n: usize) {
        let _ = n;
    }
}

/// The size of a [`Sink::window`].
pub(crate) const WINDOW: usize = 64;

/// Counts the bytes an encoder would write. Its room for a [`Sink::window`] (whose bytes it
/// drops) lets sizing take the same way through an encoder as writing into a [`Slice`] does.
#[derive(Debug)]
pub(crate) struct Counter(pub(crate) usize, [u8; WINDOW]);

impl Counter {
    /// Nothing counted yet.
    pub(crate) const fn new() -> Self {
        Counter(0, [0; WINDOW])
    }
}

impl Default for Counter {
    fn default() -> Self {
        Counter::new()
    }
}

impl Sink for Counter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.0 = self.0.saturating_add(bytes.len());
        Ok(())
    }

    #[inline]
    fn slot(&mut self, n: usize) -> Result<Option<&mut [u8]>, Error> {
        self.0 = self.0.saturating_add(n);
        Ok(None)
    }

    #[inline]
    fn written(&self) -> usize {
        self.0
    }

    #[inline(always)]
    fn window(&mut self) -> Option<&mut [u8; WINDOW]> {
        Some(&mut self.1)
    }

    #[inline(always)]
    fn advance(&mut self, n: usize) {
        self.0 = self.0.saturating_add(n);
    }
}

/// Fills a slice from its start.
#[derive(Debug)]
pub(crate) struct Slice<'o>(Writer<'o>);

impl<'o> Slice<'o> {
    /// A sink at the start of `out`.
    pub(crate) fn new(out: &'o mut [u8]) -> Self {
        Slice(Writer::new(out))
    }

    #[cold]
    fn full(&self) -> Error {
        Error::new(self.0.position(), Reason::BufferTooSmall)
    }
}

impl Sink for Slice<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
        match self.0.slot(bytes.len()) {
            Ok(dst) => {
                m2m_core::copy_short(dst, bytes);
                Ok(())
            }
            // A failed write leaves the writer where it was.
            Err(_) => Err(self.full()),
        }
    }

    #[inline]
    fn slot(&mut self, n: usize) -> Result<Option<&mut [u8]>, Error> {
        let at = self.0.position();
        self.0
            .slot(n)
            .map(Some)
            .map_err(|_| Error::new(at, Reason::BufferTooSmall))
    }

    #[inline]
    fn written(&self) -> usize {
        self.0.position()
    }

    #[inline(always)]
    fn window(&mut self) -> Option<&mut [u8; WINDOW]> {
        self.0.spare::<WINDOW>()
    }

    #[inline(always)]
    fn advance(&mut self, n: usize) {
        self.0.advance(n);
    }
}

/// The most bytes a [`Window`] hands out at once through [`Sink::slot`] (the encoders take
/// slots for the digits of one number or path id).
const SLOT: usize = 32;

/// Keeps one stretch of an encoder's output, the block of a body served in blocks (RFC 7959
/// §2.4), and counts and hashes all of it: each block writes the whole body again and keeps
/// only its own bytes, so a body larger than any buffer of the client can be served.
#[derive(Debug)]
pub(crate) struct Window<'o> {
    /// Where the kept bytes go: those at `start..start + out.len()` of the body.
    out: &'o mut [u8],
    start: usize,
    /// Bytes of the body so far (a slot handed out included).
    pos: usize,
    /// FNV-1a of the body so far (a slot handed out not included).
    hash: u64,
    /// The length of the slot handed out and not yet taken in.
    pending: usize,
    slot: [u8; SLOT],
}

impl<'o> Window<'o> {
    /// A window keeping the bytes at `start..start + out.len()` of the body.
    pub(crate) fn new(out: &'o mut [u8], start: usize) -> Self {
        Window {
            out,
            start,
            pos: 0,
            hash: m2m_coap::block::FNV_BASIS,
            pending: 0,
            slot: [0; SLOT],
        }
    }

    /// Hashes `bytes`, the body's at `at`, and keeps those inside the window.
    fn take(&mut self, at: usize, bytes: &[u8]) {
        self.hash = m2m_coap::block::fnv1a(self.hash, bytes);
        let end = at.saturating_add(bytes.len());
        let from = at.max(self.start);
        let to = end.min(self.start.saturating_add(self.out.len()));
        if from < to {
            let src = bytes.get(from.saturating_sub(at)..to.saturating_sub(at));
            let dst = self
                .out
                .get_mut(from.saturating_sub(self.start)..to.saturating_sub(self.start));
            if let (Some(dst), Some(src)) = (dst, src) {
                dst.copy_from_slice(src);
            }
        }
    }

    /// Takes in the slot handed out last.
    fn flush(&mut self) {
        if self.pending > 0 {
            let n = core::mem::take(&mut self.pending);
            let bytes = self.slot;
            let at = self.pos.saturating_sub(n);
            self.take(at, bytes.get(..n).unwrap_or_default());
        }
    }

    /// The body's length and hash, and how many bytes of the window it filled.
    pub(crate) fn finish(mut self) -> (usize, u64, usize) {
        self.flush();
        let kept = self
            .pos
            .min(self.start.saturating_add(self.out.len()))
            .saturating_sub(self.start);
        (self.pos, self.hash, kept)
    }
}

impl Sink for Window<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.flush();
        let at = self.pos;
        self.pos = self.pos.saturating_add(bytes.len());
        self.take(at, bytes);
        Ok(())
    }

    fn slot(&mut self, n: usize) -> Result<Option<&mut [u8]>, Error> {
        self.flush();
        let dst = self
            .slot
            .get_mut(..n)
            .ok_or(Error::new(self.pos, Reason::BufferTooSmall))?;
        self.pending = n;
        self.pos = self.pos.saturating_add(n);
        Ok(Some(dst))
    }

    fn written(&self) -> usize {
        self.pos
    }
}

/// `core::fmt` into a sink ([`fmt::Write`]), keeping the sink's first error.
pub(crate) struct Fmt<'s, S: Sink + ?Sized> {
    sink: &'s mut S,
    error: Option<Error>,
}

impl<'s, S: Sink + ?Sized> Fmt<'s, S> {
    /// An adapter writing into `sink`.
    pub(crate) fn new(sink: &'s mut S) -> Self {
        Fmt { sink, error: None }
    }

    /// What formatting through the adapter came to: the sink's error if it had one (a full
    /// buffer), [`Reason::Unrepresentable`] if a formatter failed by itself.
    pub(crate) fn result(self, r: fmt::Result) -> Result<(), Error> {
        match (self.error, r) {
            (Some(e), _) => Err(e),
            (None, Ok(())) => Ok(()),
            (None, Err(_)) => Err(Error::new(self.sink.written(), Reason::Unrepresentable)),
        }
    }
}

impl<S: Sink + ?Sized> fmt::Write for Fmt<'_, S> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.sink.put(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            fmt::Error
        })
    }
}

/// Writes `args` into `sink`.
pub(crate) fn write_fmt<S: Sink + ?Sized>(
    sink: &mut S,
    args: fmt::Arguments<'_>,
) -> Result<(), Error> {
    let mut f = Fmt::new(sink);
    let r = fmt::Write::write_fmt(&mut f, args);
    f.result(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the same pieces into a counter and a slice of `room` bytes.
    fn both(room: usize, pieces: &[&[u8]]) -> (usize, Result<usize, Error>, [u8; 64]) {
        let mut c = Counter::default();
        let mut out = [0u8; 64];
        let mut s = Slice::new(&mut out[..room]);
        let mut r = Ok(());
        for p in pieces {
            c.put(p).unwrap();
            if r.is_ok() {
                r = s.put(p);
            }
        }
        let n = r.map(|()| s.written());
        (c.written(), n, out)
    }

    #[test]
    fn counter_and_slice_agree_for_every_piece_length() {
        let data: [u8; 40] = core::array::from_fn(|i| u8::try_from(i).unwrap().wrapping_add(1));
        for len in 0..=data.len() {
            let (counted, written, out) = both(64, &[&data[..len], b"x"]);
            let end = len.saturating_add(1);
            assert_eq!(counted, end);
            assert_eq!(written, Ok(end));
            assert_eq!(&out[..len], &data[..len], "piece of {len}");
            assert_eq!(out[len], b'x');
            assert!(out[end..].iter().all(|&b| b == 0), "nothing past the end");
        }
    }

    #[test]
    fn a_window_keeps_its_stretch_of_any_split_and_hashes_all() {
        let body: [u8; 50] = core::array::from_fn(|i| u8::try_from(i).unwrap().wrapping_mul(7));
        let whole = m2m_coap::block::fnv1a(m2m_coap::block::FNV_BASIS, &body);
        for start in [0usize, 1, 16, 31, 49, 50, 64] {
            for room in [0usize, 1, 16, 40] {
                for piece in [1usize, 3, 7, 50] {
                    let mut out = [0u8; 40];
                    let mut w = Window::new(&mut out[..room], start);
                    for (k, chunk) in body.chunks(piece).enumerate() {
                        // Every other piece through a slot, as the number writers fill them.
                        if k % 2 == 1 && chunk.len() <= SLOT {
                            w.slot(chunk.len()).unwrap().unwrap().copy_from_slice(chunk);
                        } else {
                            w.put(chunk).unwrap();
                        }
                    }
                    let (total, hash, kept) = w.finish();
                    assert_eq!((total, hash), (50, whole));
                    let end = start.saturating_add(room).min(50);
                    let expect = body.get(start..end).unwrap_or_default();
                    assert_eq!(
                        kept,
                        expect.len(),
                        "start {start} room {room} piece {piece}"
                    );
                    assert_eq!(
                        &out[..kept],
                        expect,
                        "start {start} room {room} piece {piece}"
                    );
                    assert!(out[kept..].iter().all(|&b| b == 0));
                }
            }
        }
        let mut out = [0u8; 4];
        let mut w = Window::new(&mut out, 0);
        assert_eq!(w.slot(SLOT + 1), Err(Error::new(0, Reason::BufferTooSmall)));
    }

    #[test]
    fn a_full_slice_says_where_and_keeps_what_fit() {
        let (counted, written, out) = both(5, &[b"abc", b"def"]);
        assert_eq!(counted, 6);
        assert_eq!(written, Err(Error::new(3, Reason::BufferTooSmall)));
        assert_eq!(&out[..3], b"abc");
        let mut buf = [0u8; 4];
        let mut s = Slice::new(&mut buf);
        assert!(s.slot(5).is_err());
        assert_eq!(s.written(), 0);
        s.slot(3).unwrap().unwrap().copy_from_slice(b"xyz");
        assert_eq!(
            s.slot(2).unwrap_err(),
            Error::new(3, Reason::BufferTooSmall)
        );
        let mut c = Counter::default();
        assert_eq!(c.slot(7), Ok(None));
        assert_eq!(c.written(), 7);
        assert_eq!(&buf[..3], b"xyz");
    }

    #[test]
    fn formatting_through_a_sink() {
        // Not literals: `format_args!` would join those into one piece of text.
        let (n, t) = (core::hint::black_box(1234), core::hint::black_box("ab"));
        let mut c = Counter::default();
        write_fmt(&mut c, format_args!("{n}-{t}")).unwrap();
        assert_eq!(c.written(), 7);
        let mut buf = [0u8; 7];
        let mut s = Slice::new(&mut buf);
        write_fmt(&mut s, format_args!("{n}-{t}")).unwrap();
        assert_eq!(&buf, b"1234-ab");
        let mut small = [0u8; 6];
        let mut s = Slice::new(&mut small);
        assert_eq!(
            write_fmt(&mut s, format_args!("{n}-{t}")),
            Err(Error::new(5, Reason::BufferTooSmall))
        );
        // A formatter that fails by itself.
        struct Broken;
        impl fmt::Display for Broken {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                Err(fmt::Error)
            }
        }
        let mut c = Counter::default();
        assert_eq!(
            write_fmt(&mut c, format_args!("ab{Broken}"))
                .unwrap_err()
                .reason,
            Reason::Unrepresentable
        );
    }
}
