//! LwM2M CBOR (Content-Format 11544, OMA-TS-LightweightM2M_Core 1.2 §7.4.7): nested CBOR maps
//! keyed by path components. A key is an id (an unsigned integer below 65535) or an array of
//! ids (path compression: `[3, 0]` stands for `3: {0: ...}`); a value is a nested map or a
//! resource value typed by its CBOR item as in [`crate::cbor::single`] (Time as tag 1 on an
//! integer, Objlnk as the text `"object:instance"`), or `null` for a path without a value.
//!
//! A gateway prefix (OMA-TS-LightweightM2M_Gateway 1.1 §5.2.2) appears as a text key of the
//! outermost map whose value holds the end device's paths: `{"dev1": {3303: {0: {5700: 21.5}}}}`.
//! This is this crate's reading of how a prefix combines with the format; only the outermost
//! map may carry one. The decoder also reads the prefix as the first element of an array key of
//! the outermost map, `{["dev1", 3303, 0, 5700]: 21.5}`, which is how Anjay writes it.
//!
//! The decoder yields one [`Record`] per leaf with its full path, borrowing text and bytes from
//! the input and allocating nothing (a fixed stack of at most six maps: the body, the prefix
//! and four path levels). It accepts definite and indefinite maps, arrays and strings (a
//! string value in chunks stays in them: [`Text::CborChunks`](crate::Text::CborChunks),
//! [`Opaque::CborChunks`](crate::Opaque::CborChunks)) and
//! rejects a gateway prefix in chunks ([`Reason::Unsupported`]), paths deeper than four levels
//! ([`Reason::TooDeep`]), the reserved id 65535 and keys of other types ([`Reason::BadPath`]),
//! and bytes after the outermost map. An empty map under a key yields that path without a value.
//! Keys are not checked for duplicates: a body that repeats a key yields both records in order.
//! Every error carries its byte offset; the iterator stops after the first.
//!
//! The encoder keeps the records' order and groups consecutive records that share path levels
//! into nested maps, with an array key where a map would hold a single entry, so output is
//! deterministic and decodes back to the same records in the same order. A record whose path
//! repeats or contains the path of the record before it is written as a second entry with the
//! same key. Records with a time, [`Value::Null`](crate::Value::Null), [`Value::Untyped`](crate::Value::Untyped) and the root path without
//! a prefix are [`Reason::Unrepresentable`]; a record without a value is written as `null`.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::cbor::{self, Item, Reader, single};
use crate::error::{Error, Reason};
use crate::path::{Path, RESERVED_ID};
use crate::sink::{Counter, Sink, Slice};
use crate::value::Record;

/// Maps open at once: the body, a prefix, four path levels.
const MAX_FRAMES: usize = 6;

/// Decodes an LwM2M CBOR body into records with full paths.
#[must_use]
pub fn decode(body: &[u8]) -> Decoder<'_> {
    Decoder {
        r: Reader::document(body),
        stack: [Frame::default(); MAX_FRAMES],
        depth: 0,
        path: Path::ROOT,
        state: State::Start,
    }
}

/// The records of an LwM2M CBOR body (OMA-TS-LightweightM2M_Core 1.2 §7.4.7); see [`decode`].
/// Fused: `None` after the first error. Never panics on any input.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    r: Reader<'a>,
    stack: [Frame; MAX_FRAMES],
    depth: usize,
    path: Path<'a>,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Body,
    Done,
}

/// An open map: entries left (`None`: indefinite) and what its key added to the path.
#[derive(Debug, Clone, Copy, Default)]
struct Frame {
    remaining: Option<u64>,
    key: KeyAdded,
}

/// What a key added to the path: `levels` ids and perhaps the prefix.
#[derive(Debug, Clone, Copy, Default)]
struct KeyAdded {
    levels: u8,
    prefix: bool,
}

impl<'a> Iterator for Decoder<'a> {
    type Item = Result<Record<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let r = self.step();
        if !matches!(r, Some(Ok(_))) {
            self.state = State::Done;
        }
        r
    }
}

impl core::iter::FusedIterator for Decoder<'_> {}

impl<'a> Decoder<'a> {
    fn step(&mut self) -> Option<Result<Record<'a>, Error>> {
        loop {
            match self.state {
                State::Done => return None,
                State::Start => {
                    match self.r.next() {
                        Ok(Item::Map(n)) => self.push(Frame {
                            remaining: n,
                            key: KeyAdded::default(),
                        }),
                        Ok(_) => return Some(Err(Error::new(0, Reason::BadCbor))),
                        Err(e) => return Some(Err(e)),
                    }
                    self.state = State::Body;
                }
                State::Body => match self.entry() {
                    Ok(Some(rec)) => return Some(Ok(rec)),
                    Ok(None) => {
                        if self.depth == 0 {
                            self.state = State::Done;
                            if !self.r.at_end() {
                                return Some(Err(Error::new(
                                    self.r.position(),
                                    Reason::TrailingBytes,
                                )));
                            }
                            return None;
                        }
                    }
                    Err(e) => return Some(Err(e)),
                },
            }
        }
    }

    fn push(&mut self, f: Frame) {
        if let Some(slot) = self.stack.get_mut(self.depth) {
            *slot = f;
            self.depth = self.depth.saturating_add(1);
        }
    }

    fn undo(&mut self, key: KeyAdded) {
        for _ in 0..key.levels {
            self.path = self.path.parent().unwrap_or(self.path);
        }
        if key.prefix {
            self.path = self.path.without_prefix();
        }
    }

    /// One step in the current map: a record, or `None` after closing a map or opening one.
    fn entry(&mut self) -> Result<Option<Record<'a>>, Error> {
        let top = self
            .depth
            .checked_sub(1)
            .and_then(|i| self.stack.get_mut(i));
        let Some(top) = top else {
            return Ok(None);
        };
        let end = match top.remaining {
            Some(0) => true,
            Some(ref mut n) => {
                *n = n.saturating_sub(1);
                false
            }
            None if self.r.at_break() => {
                self.r.next()?;
                true
            }
            None => false,
        };
        if end {
            let key = top.key;
            self.depth = self.depth.saturating_sub(1);
            self.undo(key);
            return Ok(None);
        }
        let key = self.key()?;
        let vat = self.r.position();
        let item = self.r.next()?;
        if let Item::Map(n) = item {
            let empty = match n {
                Some(0) => true,
                None if self.r.at_break() => {
                    self.r.next()?;
                    true
                }
                _ => false,
            };
            if empty {
                let rec = Record::path_only(self.path);
                self.undo(key);
                return Ok(Some(rec));
            }
            if self.depth >= MAX_FRAMES {
                return Err(Error::new(vat, Reason::TooDeep));
            }
            self.push(Frame { remaining: n, key });
            return Ok(None);
        }
        let value = single::read_value(&mut self.r, item, vat)?;
        let rec = Record {
            path: self.path,
            value,
            time: None,
        };
        self.undo(key);
        Ok(Some(rec))
    }

    /// Reads a key and adds it to the path.
    fn key(&mut self) -> Result<KeyAdded, Error> {
        let kat = self.r.position();
        match self.r.next()? {
            Item::Uint(u) => {
                self.add(u, kat)?;
                Ok(KeyAdded {
                    levels: 1,
                    prefix: false,
                })
            }
            Item::Array(n) => {
                let mut levels = 0u8;
                let mut prefix = false;
                let mut i = 0u64;
                loop {
                    match n {
                        Some(n) if i == n => break,
                        Some(_) => i = i.saturating_add(1),
                        None if self.r.at_break() => {
                            self.r.next()?;
                            break;
                        }
                        None => {}
                    }
                    let at = self.r.position();
                    match self.r.next()? {
                        Item::Uint(u) => self.add(u, at)?,
                        // The prefix as the first element of a key of the outermost map,
                        // `{["dev1", 3303, 0, 5700]: 21.5}`, as Anjay writes it.
                        Item::Text(t) if self.depth == 1 && levels == 0 && !prefix => {
                            self.path = Path::ROOT
                                .with_prefix(t)
                                .map_err(|_| Error::new(at, Reason::BadPath))?;
                            prefix = true;
                            continue;
                        }
                        // A prefix is borrowed whole: chunks would need a copy.
                        Item::TextChunks(_) if self.depth == 1 && levels == 0 && !prefix => {
                            return Err(Error::new(at, Reason::Unsupported));
                        }
                        _ => return Err(Error::new(at, Reason::BadPath)),
                    }
                    levels = levels.saturating_add(1);
                }
                if levels == 0 && !prefix {
                    return Err(Error::new(kat, Reason::BadPath));
                }
                Ok(KeyAdded { levels, prefix })
            }
            Item::Text(t) if self.depth == 1 => {
                self.path = Path::ROOT
                    .with_prefix(t)
                    .map_err(|_| Error::new(kat, Reason::BadPath))?;
                Ok(KeyAdded {
                    levels: 0,
                    prefix: true,
                })
            }
            Item::TextChunks(_) if self.depth == 1 => Err(Error::new(kat, Reason::Unsupported)),
            Item::Break => Err(Error::new(kat, Reason::BadCbor)),
            _ => Err(Error::new(kat, Reason::BadPath)),
        }
    }

    fn add(&mut self, id: u64, at: usize) -> Result<(), Error> {
        let id = u16::try_from(id)
            .ok()
            .filter(|&id| id != RESERVED_ID)
            .ok_or(Error::new(at, Reason::BadPath))?;
        self.path = self.path.child(id).ok_or(Error::new(at, Reason::TooDeep))?;
        Ok(())
    }
}

/// The exact number of bytes [`encode`] writes for `records`.
pub fn encoded_len(records: &[Record<'_>]) -> Result<usize, Error> {
    let mut c = Counter::new();
    write(&mut c, records)?;
    Ok(c.0)
}

/// Encodes `records` as an LwM2M CBOR body into `out`; returns the bytes written.
pub fn encode(records: &[Record<'_>], out: &mut [u8]) -> Result<usize, Error> {
    let mut s = Slice::new(out);
    write(&mut s, records)?;
    Ok(s.written())
}

/// Writes `records` as [`encode`] does, into any sink.
pub(crate) fn write<S: Sink>(s: &mut S, records: &[Record<'_>]) -> Result<(), Error> {
    cbor::head(s, 5, count(records, 0, true)?)?;
    entries(s, records, 0, true)
}

/// The length of the first run of `recs` at level `d`: the records that go under one key.
fn run_len(recs: &[Record<'_>], d: usize, top: bool) -> Result<usize, Error> {
    let Some(r0) = recs.first() else {
        return Ok(0);
    };
    let unrep = Error::new(0, Reason::Unrepresentable);
    let depth = r0.path.depth();
    if top {
        if let Some(p) = r0.path.prefix() {
            if depth == 0 {
                return Ok(1);
            }
            let n = recs
                .iter()
                .take_while(|r| r.path.prefix() == Some(p) && r.path.depth() > 0)
                .count();
            return Ok(n);
        }
    }
    if depth <= d {
        return Err(unrep);
    }
    if depth == d.saturating_add(1) {
        return Ok(1);
    }
    let first = r0.path.levels().get(d);
    let n = recs
        .iter()
        .take_while(|r| {
            r.path.prefix() == r0.path.prefix()
                && r.path.depth() > d.saturating_add(1)
                && r.path.levels().get(d) == first
        })
        .count();
    Ok(n.max(1))
}

fn count(recs: &[Record<'_>], d: usize, top: bool) -> Result<u64, Error> {
    let mut rest = recs;
    let mut n = 0u64;
    while !rest.is_empty() {
        let len = run_len(rest, d, top)?;
        rest = rest.get(len..).unwrap_or_default();
        n = n.saturating_add(1);
    }
    Ok(n)
}

fn entries<S: Sink>(s: &mut S, recs: &[Record<'_>], d: usize, top: bool) -> Result<(), Error> {
    let mut rest = recs;
    while !rest.is_empty() {
        let len = run_len(rest, d, top)?;
        let (run, tail) = rest.split_at(len.min(rest.len()));
        entry(s, run, d, top)?;
        rest = tail;
    }
    Ok(())
}

fn entry<S: Sink>(s: &mut S, run: &[Record<'_>], d: usize, top: bool) -> Result<(), Error> {
    let Some(r0) = run.first() else {
        return Ok(());
    };
    if top {
        if let Some(p) = r0.path.prefix() {
            cbor::head(s, 3, p.len() as u64)?;
            s.put(p.as_bytes())?;
            if r0.path.depth() == 0 {
                return leaf(s, r0);
            }
            cbor::head(s, 5, count(run, 0, false)?)?;
            return entries(s, run, 0, false);
        }
    }
    let levels = r0.path.levels();
    if let [only] = run {
        key(s, levels.get(d..).unwrap_or_default())?;
        return leaf(s, only);
    }
    // The levels all records of the run share, leaving each at least one below.
    let mut c = run.iter().map(|r| r.path.depth()).min().unwrap_or(0);
    c = c.saturating_sub(1);
    for r in run {
        let common = r
            .path
            .levels()
            .iter()
            .zip(levels)
            .take_while(|(a, b)| a == b)
            .count();
        c = c.min(common);
    }
    key(s, levels.get(d..c).unwrap_or_default())?;
    cbor::head(s, 5, count(run, c, false)?)?;
    entries(s, run, c, false)
}

fn key<S: Sink>(s: &mut S, ids: &[u16]) -> Result<(), Error> {
    match ids {
        [] => Err(Error::new(s.written(), Reason::Unrepresentable)),
        [id] => cbor::head(s, 0, u64::from(*id)),
        _ => {
            cbor::head(s, 4, ids.len() as u64)?;
            ids.iter()
                .try_for_each(|&id| cbor::head(s, 0, u64::from(id)))
        }
    }
}

fn leaf<S: Sink>(s: &mut S, r: &Record<'_>) -> Result<(), Error> {
    if r.time.is_some() {
        return Err(Error::new(s.written(), Reason::Unrepresentable));
    }
    match &r.value {
        None => s.put(&[0xf6]),
        Some(v) => single::write_value(s, v),
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::value::{ObjLink, Text, Value};
    use std::vec::Vec;

    fn all(body: &[u8]) -> Result<Vec<Record<'_>>, Error> {
        decode(body).collect()
    }

    fn enc(recs: &[Record<'_>]) -> Vec<u8> {
        let mut out = std::vec![0u8; encoded_len(recs).unwrap()];
        let n = encode(recs, &mut out).unwrap();
        assert_eq!(n, out.len());
        out
    }

    #[test]
    fn nested_and_compressed_keys() {
        // {3: {0: {0: "OMA", 7: {0: 3800, 1: 5000}}}}
        let nested = b"\xa1\x03\xa1\x00\xa2\x00\x63OMA\x07\xa2\x00\x19\x0e\xd8\x01\x19\x13\x88";
        // {[3, 0]: {0: "OMA", 7: {0: 3800, 1: 5000}}}
        let compressed = b"\xa1\x82\x03\x00\xa2\x00\x63OMA\x07\xa2\x00\x19\x0e\xd8\x01\x19\x13\x88";
        let want = [
            Record::new(Path::resource(3, 0, 0), Value::Str(Text::Plain("OMA"))),
            Record::new(Path::resource_instance(3, 0, 7, 0), Value::Int(3800)),
            Record::new(Path::resource_instance(3, 0, 7, 1), Value::Int(5000)),
        ];
        assert_eq!(all(nested).unwrap(), want);
        assert_eq!(all(compressed).unwrap(), want);
        assert_eq!(enc(&want), compressed);
        // RFC 8949 §3.4.6: the self-described CBOR tag in front changes nothing; an error
        // after it is at the document's offset.
        let mut marked = std::vec![0xd9, 0xd9, 0xf7];
        marked.extend_from_slice(nested);
        assert_eq!(all(&marked).unwrap(), want);
        marked.push(0x00);
        assert_eq!(
            all(&marked).unwrap_err(),
            Error::new(nested.len() + 3, Reason::TrailingBytes)
        );
    }

    #[test]
    fn indefinite_prefix_null_and_empty() {
        // {_ "dev1": {[3303, 0, 5700]: 21.5}, [1, 0]: {}, 2: {_ 0: null}}
        let body = b"\xbf\x64dev1\xa1\x83\x19\x0c\xe7\x00\x19\x16\x44\xf9\x4d\x60\x82\x01\x00\xa0\x02\xbf\x00\xf6\xff\xff";
        let got = all(body).unwrap();
        assert_eq!(
            got,
            [
                Record::new(
                    Path::resource(3303, 0, 5700).with_prefix("dev1").unwrap(),
                    Value::Float(21.5)
                ),
                Record::path_only(Path::instance(1, 0)),
                Record::path_only(Path::instance(2, 0)),
            ]
        );
        let again = enc(&got);
        assert_eq!(all(&again).unwrap(), got);
    }

    #[test]
    fn prefix_in_an_array_key() {
        // Anjay (lwm2m_cbor_out single_resource_with_prefix): {_ ["dev1", 13, 26, 1]: 42}.
        let body = b"\xbf\x84\x64dev1\x0d\x18\x1a\x01\x18\x2a\xff";
        let dev = |p: Path<'static>| p.with_prefix("dev1").unwrap();
        assert_eq!(
            all(body).unwrap(),
            [Record::new(dev(Path::resource(13, 26, 1)), Value::Int(42))]
        );
        // {["dev1", 13, 26]: {1: 42, 2: 21}, [14]: {27: {1: 1}}}: the prefix ends with its key.
        let body =
            b"\xa2\x83\x64dev1\x0d\x18\x1a\xa2\x01\x18\x2a\x02\x15\x81\x0e\xa1\x18\x1b\xa1\x01\x01";
        assert_eq!(
            all(body).unwrap(),
            [
                Record::new(dev(Path::resource(13, 26, 1)), Value::Int(42)),
                Record::new(dev(Path::resource(13, 26, 2)), Value::Int(21)),
                Record::new(Path::resource(14, 27, 1), Value::Int(1)),
            ]
        );
        // ["dev1"] alone is the end device's root.
        assert_eq!(
            all(b"\xa1\x81\x64dev1\xa0").unwrap(),
            [Record::path_only(Path::ROOT.with_prefix("dev1").unwrap())]
        );
        // Not after an id, not twice, not below the outermost map (Anjay refuses these too).
        for (body, at) in [
            (&b"\xa1\x82\x0d\x64dev1\x01"[..], 3),
            (&b"\xa1\x82\x64dev1\x64dev1\x01"[..], 7),
            (&b"\xa1\x0d\xa1\x82\x64dev1\x01\x01"[..], 4),
        ] {
            assert_eq!(all(body).unwrap_err(), Error::new(at, Reason::BadPath));
        }
    }

    #[test]
    fn errors_with_offsets() {
        let cases: &[(&[u8], Error)] = &[
            (b"\x80", Error::new(0, Reason::BadCbor)),
            (b"\xa0\x00", Error::new(1, Reason::TrailingBytes)),
            (b"\xa1\x19\xff\xff\x01", Error::new(1, Reason::BadPath)),
            (b"\xa1\x80\x01", Error::new(1, Reason::BadPath)),
            (
                b"\xa1\x85\x01\x02\x03\x04\x05\x00",
                Error::new(6, Reason::TooDeep),
            ),
            (b"\xa1\x01\xa1\x61x\x00", Error::new(3, Reason::BadPath)),
            // A gateway prefix in chunks (borrowed whole, so not joined).
            (
                b"\xa1\x7f\x64dev1\xff\xa0",
                Error::new(1, Reason::Unsupported),
            ),
            (
                b"\xa1\x82\x7f\xff\x03\x00",
                Error::new(2, Reason::Unsupported),
            ),
            (b"\xa1\x01\xa1\x02", Error::new(4, Reason::Truncated)),
            (b"\xa1\x01\x81\x00", Error::new(2, Reason::BadValue)),
            (b"\xa1\xf5\x00", Error::new(1, Reason::BadPath)),
        ];
        for (body, err) in cases {
            let mut d = decode(body);
            assert_eq!(d.by_ref().find_map(Result::err), Some(*err), "{body:02x?}");
            assert!(d.next().is_none());
        }
    }

    #[test]
    fn encoder_groups_and_refuses() {
        let recs = [
            Record::new(Path::resource(3, 0, 1), Value::Int(1)),
            Record::new(Path::resource(3, 0, 1), Value::Int(2)),
            Record::new(Path::instance(3, 1), Value::ObjLink(ObjLink::NULL)),
            Record::new(Path::resource_instance(3, 1, 2, 3), Value::Time(5)),
        ];
        let body = enc(&recs);
        assert_eq!(all(&body).unwrap(), {
            let mut r = recs.to_vec();
            r[2].value = Some(Value::Str(Text::Plain("65535:65535")));
            r
        });
        let mut out = [0u8; 64];
        for bad in [
            Record::path_only(Path::ROOT),
            Record::new(Path::object(3), Value::Null),
            Record::new(Path::object(3), Value::Int(1)).at(1.0),
        ] {
            assert_eq!(
                encode(&[bad], &mut out).unwrap_err().reason,
                Reason::Unrepresentable
            );
        }
    }
}
