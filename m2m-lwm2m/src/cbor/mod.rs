//! CBOR (RFC 8949) for LwM2M: the one reader and writer behind the three CBOR content formats
//! (the single-value CBOR format [`single`], SenML CBOR in [`crate::senml_cbor`] and LwM2M CBOR in
//! [`crate::lwm2m_cbor`]).
//!
//! The reader is hand-written rather than minicbor's `Decoder`: it reports the exact
//! [`Reason`] and byte offset of every problem, borrows text and bytes from the input, never
//! allocates and never trusts a length before checking it against the input. The benchmark
//! `cargo bench -p benches --bench lwm2m -- senml_cbor` sets it against a minicbor decoder.
//!
//! What the reader accepts: every well-formed data item of RFC 8949 §3 with definite or
//! indefinite arrays and maps, non-preferred (longer than needed) argument encodings, and
//! simple values, and indefinite-length byte and text strings (§3.2.3), kept as their chunks
//! ([`Chunks`]: joining them would need a copy). A gateway prefix, borrowed whole as a path's
//! prefix, is [`Reason::Unsupported`] in chunks.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub(crate) mod decimal;
pub mod single;
pub(crate) mod window;

use crate::error::{Error, Reason};
use crate::float;
use crate::path::id_len;
use crate::sink::Sink;

/// How deep [`Reader::skip`] follows nested arrays, maps and tags before giving up with
/// [`Reason::TooDeep`].
pub(crate) const MAX_SKIP_DEPTH: usize = 16;

/// One CBOR data item head, with the content of strings (RFC 8949 §3.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Item<'a> {
    /// Major type 0.
    Uint(u64),
    /// Major type 1: the value is `-1 - n`.
    Neg(u64),
    /// Major type 2, definite length.
    Bytes(&'a [u8]),
    /// Major type 3, definite length, valid UTF-8.
    Text(&'a str),
    /// Major type 2, indefinite length: its chunks.
    BytesChunks(Chunks<'a>),
    /// Major type 3, indefinite length: its chunks, each valid UTF-8.
    TextChunks(Chunks<'a>),
    /// Major type 4; `None` for an indefinite length.
    Array(Option<u64>),
    /// Major type 5 (number of pairs); `None` for an indefinite length.
    Map(Option<u64>),
    /// Major type 6: the tag number; the tagged item follows.
    Tag(u64),
    /// `false`/`true`.
    Bool(bool),
    /// `null`.
    Null,
    /// `undefined` or another simple value.
    Simple(u8),
    /// A half, single or double precision float.
    Float(f64),
    /// The "break" stop code of an indefinite array or map.
    Break,
}

/// The chunks of an indefinite-length byte or text string (RFC 8949 §3.2.3), borrowed from the
/// input: the string is their concatenation. Read them with [`Chunks::bytes`], or through
/// [`Text`](crate::Text) and [`Opaque`](crate::Opaque), which hold them.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Chunks<'a> {
    /// The chunks' heads and contents, without the string's head and break; checked when read.
    raw: &'a [u8],
}

impl<'a> Chunks<'a> {
    /// Each chunk's content, in order.
    pub fn bytes(self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut r = Reader::new(self.raw);
        core::iter::from_fn(move || match r.next().ok()? {
            Item::Bytes(b) => Some(b),
            Item::Text(t) => Some(t.as_bytes()),
            _ => None,
        })
    }

    /// Each chunk's text, in order (for a text string, whose chunks are each valid UTF-8).
    pub(crate) fn texts(self) -> impl Iterator<Item = &'a str> + 'a {
        let mut r = Reader::new(self.raw);
        core::iter::from_fn(move || match r.next().ok()? {
            Item::Text(t) => Some(t),
            _ => None,
        })
    }

    /// The string's length in bytes.
    #[must_use]
    pub fn len(self) -> usize {
        self.bytes().map(<[u8]>::len).fold(0, usize::saturating_add)
    }

    /// Whether the string is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.bytes().all(<[u8]>::is_empty)
    }

    /// The whole string when it lies in one chunk (or none: empty).
    #[must_use]
    pub fn single(self) -> Option<&'a [u8]> {
        let mut it = self.bytes();
        let first = it.next().unwrap_or_default();
        it.next().is_none().then_some(first)
    }
}

impl core::fmt::Debug for Chunks<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.bytes()).finish()
    }
}

/// A cursor over a CBOR body.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// A reader of a whole CBOR document: past the self-described CBOR tag (55799, RFC 8949
    /// §3.4.6) when it comes first, as it adds nothing to the item it marks. Offsets stay the
    /// document's.
    pub(crate) fn document(buf: &'a [u8]) -> Self {
        let pos = if buf.starts_with(&[0xd9, 0xd9, 0xf7]) {
            3
        } else {
            0
        };
        Reader { buf, pos }
    }

    /// The offset of the next item.
    pub(crate) const fn position(&self) -> usize {
        self.pos
    }

    /// Whether every byte has been read.
    pub(crate) const fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Moves to `rest`, the end of [`Reader::rest`] after the caller read some of it.
    pub(crate) fn set_rest(&mut self, rest: &'a [u8]) {
        self.pos = self.buf.len().saturating_sub(rest.len());
    }

    /// Moves past `n` bytes of [`Reader::rest`] read by the caller.
    pub(crate) fn advance(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
    }

    /// Whether the next byte is the break stop code (without reading it).
    pub(crate) fn at_break(&self) -> bool {
        self.buf.get(self.pos) == Some(&0xff)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or(Error::new(self.pos, Reason::Truncated))?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or(Error::new(self.pos, Reason::Truncated))?;
        self.pos = end;
        Ok(s)
    }

    fn be(&mut self, n: usize) -> Result<u64, Error> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// Reads the next item head (and the content of a string).
    #[inline(always)]
    pub(crate) fn next(&mut self) -> Result<Item<'a>, Error> {
        // The items of LwM2M bodies are mostly small: argument in the initial byte.
        let start = self.pos;
        if let Some(&ib) = self.buf.get(start) {
            let ai = ib & 0x1f;
            if ai < 24 {
                let after = start.saturating_add(1);
                match ib >> 5 {
                    0 => {
                        self.pos = after;
                        return Ok(Item::Uint(u64::from(ai)));
                    }
                    1 => {
                        self.pos = after;
                        return Ok(Item::Neg(u64::from(ai)));
                    }
                    3 => {
                        let end = after.saturating_add(usize::from(ai));
                        if let Some(b) = self.buf.get(after..end) {
                            let t = core::str::from_utf8(b)
                                .map_err(|_| Error::new(start, Reason::BadUtf8))?;
                            self.pos = end;
                            return Ok(Item::Text(t));
                        }
                    }
                    5 => {
                        self.pos = after;
                        return Ok(Item::Map(Some(u64::from(ai))));
                    }
                    _ => {}
                }
            }
        }
        self.next_slow()
    }

    /// [`Reader::next`] for every other item.
    fn next_slow(&mut self) -> Result<Item<'a>, Error> {
        let start = self.pos;
        let bad = |r| Error::new(start, r);
        let &ib = self.buf.get(start).ok_or(bad(Reason::Truncated))?;
        self.pos = start.saturating_add(1);
        let major = ib >> 5;
        let ai = ib & 0x1f;
        if major == 7 {
            return Ok(match ai {
                20 => Item::Bool(false),
                21 => Item::Bool(true),
                22 => Item::Null,
                0..=19 | 23 => Item::Simple(ai),
                24 => {
                    let v = self.be(1).map_err(|_| bad(Reason::Truncated))?;
                    // Simple values below 32 in two bytes are not well-formed (§3.3).
                    let v = u8::try_from(v).map_err(|_| bad(Reason::BadCbor))?;
                    if v < 32 {
                        return Err(bad(Reason::BadCbor));
                    }
                    Item::Simple(v)
                }
                25 => {
                    let b = self.be(2).map_err(|_| bad(Reason::Truncated))?;
                    Item::Float(float::from_f16(u16::try_from(b).unwrap_or(0)))
                }
                26 => {
                    let b = self.be(4).map_err(|_| bad(Reason::Truncated))?;
                    Item::Float(f64::from(f32::from_bits(u32::try_from(b).unwrap_or(0))))
                }
                27 => Item::Float(f64::from_bits(
                    self.be(8).map_err(|_| bad(Reason::Truncated))?,
                )),
                31 => Item::Break,
                _ => return Err(bad(Reason::BadCbor)),
            });
        }
        let arg = match ai {
            0..=23 => Some(u64::from(ai)),
            24 => Some(self.be(1).map_err(|_| bad(Reason::Truncated))?),
            25 => Some(self.be(2).map_err(|_| bad(Reason::Truncated))?),
            26 => Some(self.be(4).map_err(|_| bad(Reason::Truncated))?),
            27 => Some(self.be(8).map_err(|_| bad(Reason::Truncated))?),
            31 => None,
            _ => return Err(bad(Reason::BadCbor)),
        };
        Ok(match (major, arg) {
            (0, Some(v)) => Item::Uint(v),
            (1, Some(v)) => Item::Neg(v),
            (2 | 3, None) => {
                let chunks = self.chunks(major)?;
                if major == 2 {
                    Item::BytesChunks(chunks)
                } else {
                    Item::TextChunks(chunks)
                }
            }
            (2, Some(n)) => {
                let n = usize::try_from(n).map_err(|_| bad(Reason::Truncated))?;
                Item::Bytes(self.take(n).map_err(|_| bad(Reason::Truncated))?)
            }
            (3, Some(n)) => {
                let n = usize::try_from(n).map_err(|_| bad(Reason::Truncated))?;
                let b = self.take(n).map_err(|_| bad(Reason::Truncated))?;
                Item::Text(core::str::from_utf8(b).map_err(|_| bad(Reason::BadUtf8))?)
            }
            (4, n) => Item::Array(n),
            (5, n) => Item::Map(n),
            (6, Some(t)) => Item::Tag(t),
            _ => return Err(bad(Reason::BadCbor)),
        })
    }

    /// The chunks of an indefinite-length string of `major` type whose head was just read, up
    /// to and past its break: definite strings of the same major type only (§3.2.3), text
    /// chunks each valid UTF-8.
    fn chunks(&mut self, major: u8) -> Result<Chunks<'a>, Error> {
        let first = self.pos;
        loop {
            if self.at_break() {
                let raw = self.buf.get(first..self.pos).unwrap_or_default();
                self.pos = self.pos.saturating_add(1);
                return Ok(Chunks { raw });
            }
            let at = self.pos;
            let &ib = self.buf.get(at).ok_or(Error::new(at, Reason::Truncated))?;
            // Anything but a definite string of the same type inside (an indefinite one among
            // them) is not well-formed; checked on the head, so chunks never nest.
            if ib >> 5 != major || ib & 0x1f == 31 {
                return Err(Error::new(at, Reason::BadCbor));
            }
            self.next()?;
        }
    }

    /// Skips one whole data item (nested arrays, maps and tags included), `depth` levels deep.
    pub(crate) fn skip(&mut self, depth: usize) -> Result<(), Error> {
        let at = self.pos;
        let item = self.next()?;
        self.skip_rest(item, at, depth)
    }

    /// Skips what follows the head `item` read at `at`.
    pub(crate) fn skip_rest(
        &mut self,
        item: Item<'a>,
        at: usize,
        depth: usize,
    ) -> Result<(), Error> {
        let nested = |n: usize| -> Result<usize, Error> {
            if n >= MAX_SKIP_DEPTH {
                Err(Error::new(at, Reason::TooDeep))
            } else {
                Ok(n.saturating_add(1))
            }
        };
        match item {
            Item::Break => Err(Error::new(at, Reason::BadCbor)),
            Item::Tag(_) => self.skip(nested(depth)?),
            Item::Array(n) | Item::Map(n) => {
                let d = nested(depth)?;
                let per = if matches!(item, Item::Map(_)) { 2 } else { 1 };
                match n {
                    Some(n) => {
                        for _ in 0..n {
                            for _ in 0..per {
                                self.skip(d)?;
                            }
                        }
                    }
                    None => loop {
                        if self.at_break() {
                            self.pos = self.pos.saturating_add(1);
                            break;
                        }
                        for _ in 0..per {
                            self.skip(d)?;
                        }
                    },
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Writes a head in its preferred (shortest) form (RFC 8949 §4.2.1).
#[inline(always)]
pub(crate) fn head<S: Sink>(s: &mut S, major: u8, v: u64) -> Result<(), Error> {
    if let Ok(small @ 0..=23) = u8::try_from(v) {
        return s.put(&[(major << 5) | small]);
    }
    head_long(s, major, v)
}

fn head_long<S: Sink>(s: &mut S, major: u8, v: u64) -> Result<(), Error> {
    let m = major << 5;
    let b = v.to_be_bytes();
    match v {
        0..=0xff => s.put(&[m | 24, b[7]]),
        0x100..=0xffff => s.put(&[m | 25, b[6], b[7]]),
        0x1_0000..=0xffff_ffff => s.put(&[m | 26, b[4], b[5], b[6], b[7]]),
        _ => {
            s.put(&[m | 27])?;
            s.put(&b)
        }
    }
}

/// The length of a head in preferred form.
#[must_use]
pub(crate) const fn head_len(v: u64) -> usize {
    match v {
        0..=23 => 1,
        24..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

/// Writes a signed integer (major type 0 or 1).
pub(crate) fn int<S: Sink>(s: &mut S, v: i64) -> Result<(), Error> {
    match u64::try_from(v) {
        Ok(u) => head(s, 0, u),
        // -1 - v, without overflow for i64::MIN.
        Err(_) => head(s, 1, !(v as u64)),
    }
}

/// Writes a float in the narrowest width that keeps it exactly (the crate's float policy).
pub(crate) fn float<S: Sink>(s: &mut S, v: f64) -> Result<(), Error> {
    if let Some(h) = float::to_f16_exact(v) {
        let b = h.to_be_bytes();
        s.put(&[0xf9, b[0], b[1]])
    } else if let Some(f) = float::to_f32_exact(v) {
        let b = f.to_bits().to_be_bytes();
        s.put(&[0xfa, b[0], b[1], b[2], b[3]])
    } else {
        s.put(&[0xfb])?;
        s.put(&v.to_bits().to_be_bytes())
    }
}

/// Writes a text string from its characters (escapes of JSON-borrowed text resolved).
pub(crate) fn text<S: Sink>(s: &mut S, t: &crate::value::Text<'_>) -> Result<(), Error> {
    match t.as_str() {
        Some(plain) => {
            head(s, 3, plain.len() as u64)?;
            s.put(plain.as_bytes())
        }
        None => {
            head(s, 3, t.len() as u64)?;
            t.chars()
                .try_for_each(|c| s.put(c.encode_utf8(&mut [0; 4]).as_bytes()))
        }
    }
}

/// Writes a byte string (base64 of JSON-borrowed opaque values decoded).
pub(crate) fn bytes<S: Sink>(s: &mut S, o: &crate::value::Opaque<'_>) -> Result<(), Error> {
    match o.as_bytes() {
        Some(b) => {
            head(s, 2, b.len() as u64)?;
            s.put(b)
        }
        None => {
            head(s, 2, o.len() as u64)?;
            o.bytes().try_for_each(|b| s.put(&[b]))
        }
    }
}

/// Writes `object:instance` as a text string (§7.4.6, §7.4.7).
pub(crate) fn objlnk<S: Sink>(s: &mut S, l: crate::value::ObjLink) -> Result<(), Error> {
    let mut buf = [0u8; 11];
    let mut n = 0usize;
    for (i, v) in [l.object, l.instance].into_iter().enumerate() {
        if i == 1 {
            if let Some(b) = buf.get_mut(n) {
                *b = b':';
            }
            n = n.saturating_add(1);
        }
        n = n.saturating_add(decimal(v, buf.get_mut(n..).unwrap_or_default()));
    }
    let t = buf.get(..n).unwrap_or_default();
    head(s, 3, t.len() as u64)?;
    s.put(t)
}

/// Writes `v` in decimal at the start of `out` (at most 5 bytes); returns the digits written.
fn decimal(v: u16, out: &mut [u8]) -> usize {
    let len = id_len(v);
    let mut x = v;
    for i in (0..len).rev() {
        if let Some(b) = out.get_mut(i) {
            #[allow(clippy::cast_possible_truncation)]
            let digit = (x % 10) as u8;
            *b = b'0'.saturating_add(digit);
        }
        x /= 10;
    }
    len
}

/// Writes the path levels in decimal with `/` between them (and before the first when `lead`,
/// after the last when `trail`) into `buf` from `at`; returns the end.
fn fill_levels(buf: &mut [u8], at: usize, levels: &[u16], lead: bool, trail: bool) -> usize {
    let mut n = at;
    let slash = |buf: &mut [u8], n: &mut usize| {
        if let Some(b) = buf.get_mut(*n) {
            *b = b'/';
        }
        *n = n.saturating_add(1);
    };
    for (i, &id) in levels.iter().enumerate() {
        if lead || i > 0 {
            slash(buf, &mut n);
        }
        n = n.saturating_add(decimal(id, buf.get_mut(n..).unwrap_or_default()));
    }
    if trail {
        slash(buf, &mut n);
    }
    n
}

/// Writes `/`-separated path levels as a text string (`"3/0/7"`), with a leading `/` when
/// `lead` (always after a prefix) and a trailing one when `trail`.
pub(crate) fn path_text<S: Sink>(
    s: &mut S,
    prefix: Option<&str>,
    levels: &[u16],
    lead: bool,
    trail: bool,
) -> Result<(), Error> {
    // Four levels of at most five digits and their separators fit in 26 bytes.
    let mut buf = [0u8; 26];
    let n = fill_levels(&mut buf, 0, levels, lead || prefix.is_some(), trail);
    let digits = buf
        .get(..n)
        .ok_or(Error::new(s.written(), Reason::Unrepresentable))?;
    match prefix {
        Some(p) => {
            head(s, 3, p.len().saturating_add(1).saturating_add(n) as u64)?;
            s.put(b"/")?;
            s.put(p.as_bytes())?;
        }
        None => head(s, 3, n as u64)?,
    }
    s.put(digits)
}

/// A one-byte map `key` and then [`path_text`] without a prefix, in one write.
pub(crate) fn keyed_path_text<S: Sink>(
    s: &mut S,
    key: u8,
    levels: &[u16],
    lead: bool,
    trail: bool,
) -> Result<(), Error> {
    // Key and text head, then at most 26 bytes of text.
    let mut buf = [0u8; 29];
    let end = fill_levels(&mut buf, 3, levels, lead, trail);
    let len = end.saturating_sub(3);
    #[allow(clippy::cast_possible_truncation)]
    let (from, hdr) = if len < 24 {
        (1, [0, key, 0x60 | len as u8])
    } else {
        (0, [key, 0x78, len as u8])
    };
    if let Some(dst) = buf.first_chunk_mut::<3>() {
        *dst = hdr;
    }
    s.put(buf.get(from..end).unwrap_or_default())
}

/// The text length of [`path_text`].
pub(crate) fn path_text_len(
    prefix: Option<&str>,
    levels: &[u16],
    lead: bool,
    trail: bool,
) -> usize {
    let mut n = prefix.map_or(0, |p| p.len().saturating_add(1));
    for (i, &id) in levels.iter().enumerate() {
        let sep = usize::from(lead || prefix.is_some() || i > 0);
        n = n.saturating_add(sep).saturating_add(id_len(id));
    }
    n.saturating_add(usize::from(trail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::Slice;

    #[test]
    fn reads_rfc8949_appendix_a_items() {
        let cases: &[(&[u8], Item<'_>)] = &[
            (&[0x00], Item::Uint(0)),
            (&[0x17], Item::Uint(23)),
            (&[0x18, 0x18], Item::Uint(24)),
            (&[0x19, 0x03, 0xe8], Item::Uint(1000)),
            (&[0x1a, 0x00, 0x0f, 0x42, 0x40], Item::Uint(1_000_000)),
            (
                &[0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                Item::Uint(u64::MAX),
            ),
            (&[0x20], Item::Neg(0)),
            (&[0x38, 0x63], Item::Neg(99)),
            (&[0xf9, 0x3e, 0x00], Item::Float(1.5)),
            (&[0xfa, 0x47, 0xc3, 0x50, 0x00], Item::Float(100_000.0)),
            (
                &[0xfb, 0x3f, 0xf1, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a],
                Item::Float(1.1),
            ),
            (&[0xf4], Item::Bool(false)),
            (&[0xf5], Item::Bool(true)),
            (&[0xf6], Item::Null),
            (&[0xf7], Item::Simple(23)),
            (&[0xf8, 0xff], Item::Simple(255)),
            (&[0xc1], Item::Tag(1)),
            (&[0x44, 1, 2, 3, 4], Item::Bytes(&[1, 2, 3, 4])),
            (&[0x62, 0xc3, 0xbc], Item::Text("ü")),
            (&[0x83], Item::Array(Some(3))),
            (&[0x9f], Item::Array(None)),
            (&[0xa2], Item::Map(Some(2))),
            (&[0xbf], Item::Map(None)),
            (&[0xff], Item::Break),
        ];
        for (bytes, item) in cases {
            let mut r = Reader::new(bytes);
            assert_eq!(r.next().unwrap(), *item, "{bytes:02x?}");
            assert!(r.at_end());
        }
    }

    #[test]
    fn rejects_bad_heads() {
        let cases: &[(&[u8], Error)] = &[
            (&[], Error::new(0, Reason::Truncated)),
            (&[0x19, 0x03], Error::new(0, Reason::Truncated)),
            (&[0x1c], Error::new(0, Reason::BadCbor)),
            (&[0x1f], Error::new(0, Reason::BadCbor)),
            // Chunks (§3.2.3): definite strings of the string's own type, nothing nested.
            (&[0x7f, 0x7f, 0xff, 0xff], Error::new(1, Reason::BadCbor)),
            (&[0x5f, 0x5f, 0xff, 0xff], Error::new(1, Reason::BadCbor)),
            (&[0x7f, 0x41, 0x00, 0xff], Error::new(1, Reason::BadCbor)),
            (&[0x5f, 0x61, 0x61, 0xff], Error::new(1, Reason::BadCbor)),
            (&[0x5f, 0x01, 0xff], Error::new(1, Reason::BadCbor)),
            (&[0x7f, 0x61, 0xff, 0xff], Error::new(1, Reason::BadUtf8)),
            (&[0x7f, 0x61, 0x61], Error::new(3, Reason::Truncated)),
            (&[0x5f], Error::new(1, Reason::Truncated)),
            (&[0x62, 0xff, 0xfe], Error::new(0, Reason::BadUtf8)),
            (&[0x45, 1, 2], Error::new(0, Reason::Truncated)),
            (
                &[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                Error::new(0, Reason::Truncated),
            ),
            (&[0xf8, 0x10], Error::new(0, Reason::BadCbor)),
            (&[0xfc], Error::new(0, Reason::BadCbor)),
            (&[0xdf], Error::new(0, Reason::BadCbor)),
        ];
        for (bytes, err) in cases {
            assert_eq!(Reader::new(bytes).next().unwrap_err(), *err, "{bytes:02x?}");
        }
    }

    #[test]
    fn reads_indefinite_strings_as_chunks() {
        // RFC 8949 Appendix A: (_ h'0102', h'030405') and (_ "strea", "ming").
        let bytes = [0x5f, 0x42, 0x01, 0x02, 0x43, 0x03, 0x04, 0x05, 0xff, 0x07];
        let mut r = Reader::new(&bytes);
        let Item::BytesChunks(c) = r.next().unwrap() else {
            panic!("not chunks")
        };
        assert_eq!(r.next().unwrap(), Item::Uint(7));
        let parts: std::vec::Vec<_> = c.bytes().collect();
        assert_eq!(parts, [&[1u8, 2][..], &[3, 4, 5][..]]);
        assert_eq!((c.len(), c.is_empty(), c.single()), (5, false, None));
        let text = b"\x7f\x65strea\x64ming\xff";
        let mut r = Reader::new(text);
        let Item::TextChunks(c) = r.next().unwrap() else {
            panic!("not chunks")
        };
        assert!(r.at_end());
        let t = crate::value::Text::CborChunks(c);
        assert_eq!(t, *"streaming");
        assert_eq!((t.len(), t.as_str(), t.raw()), (9, None, None));
        // One chunk reads as the string itself; none as the empty one.
        let one = [0x7f, 0x62, 0x68, 0x69, 0xff];
        let Item::TextChunks(c) = Reader::new(&one).next().unwrap() else {
            panic!("not chunks")
        };
        assert_eq!(crate::value::Text::CborChunks(c).as_str(), Some("hi"));
        let Item::BytesChunks(c) = Reader::new(&[0x5f, 0xff]).next().unwrap() else {
            panic!("not chunks")
        };
        assert_eq!(
            (c.len(), c.is_empty(), c.single()),
            (0, true, Some(&[][..]))
        );
        // Every strict prefix is truncated, not an error of another kind.
        for n in 0..text.len() {
            let e = Reader::new(&text[..n]).next().unwrap_err();
            assert_eq!(e.reason, Reason::Truncated, "{n}");
        }
        // Skipped whole where a reader passes over an item.
        let mut r = Reader::new(&bytes);
        r.skip(0).unwrap();
        assert_eq!(r.next().unwrap(), Item::Uint(7));
    }

    #[test]
    fn skips_nested_items_within_bounds() {
        let mut r = Reader::new(&[0x82, 0xa1, 0x01, 0x9f, 0x02, 0xff, 0xc1, 0x00, 0x07]);
        r.skip(0).unwrap();
        assert_eq!(r.next().unwrap(), Item::Uint(7));
        let deep = [0x81u8; 40];
        assert_eq!(
            Reader::new(&deep).skip(0).unwrap_err().reason,
            Reason::TooDeep
        );
    }

    #[test]
    fn writes_preferred_heads_and_floats() {
        let mut out = [0u8; 16];
        for (v, len) in [
            (0u64, 1),
            (23, 1),
            (24, 2),
            (255, 2),
            (256, 3),
            (65536, 5),
            (1 << 32, 9),
        ] {
            let mut s = Slice::new(&mut out);
            head(&mut s, 0, v).unwrap();
            assert_eq!(s.written(), len);
            assert_eq!(Reader::new(&out[..len]).next().unwrap(), Item::Uint(v));
        }
        let mut s = Slice::new(&mut out);
        int(&mut s, i64::MIN).unwrap();
        assert_eq!(
            &out[..9],
            &[0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        // RFC 8949 Appendix A: each in the shortest width that keeps it exactly.
        let floats: [(f64, &[u8]); 3] = [
            (1.5, &[0xf9, 0x3e, 0x00]),
            (100_000.0, &[0xfa, 0x47, 0xc3, 0x50, 0x00]),
            (1.1, &[0xfb, 0x3f, 0xf1, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]),
        ];
        for (v, bytes) in floats {
            let mut s = Slice::new(&mut out);
            float(&mut s, v).unwrap();
            let n = s.written();
            assert_eq!(&out[..n], bytes, "{v}");
        }
        let mut s = Slice::new(&mut out[..2]);
        assert_eq!(
            head(&mut s, 0, 1000).unwrap_err(),
            Error::new(0, Reason::BufferTooSmall)
        );
    }

    #[test]
    fn writes_object_links_and_paths() {
        let mut out = [0u8; 32];
        let mut s = Slice::new(&mut out);
        objlnk(&mut s, crate::value::ObjLink::NULL).unwrap();
        assert_eq!(&out[..12], b"\x6b65535:65535");
        let mut s = Slice::new(&mut out);
        path_text(&mut s, Some("dev1"), &[3, 0], true, true).unwrap();
        let n = s.written();
        assert_eq!(&out[..n], b"\x6a/dev1/3/0/");
        assert_eq!(path_text_len(Some("dev1"), &[3, 0], true, true), 10);
        let mut s = Slice::new(&mut out);
        path_text(&mut s, None, &[7, 10], false, false).unwrap();
        let n = s.written();
        assert_eq!(&out[..n], b"\x647/10");
    }
}
