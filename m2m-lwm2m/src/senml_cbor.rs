//! SenML CBOR (Content-Format 112, RFC 8428 §6; OMA-TS-LightweightM2M_Core 1.1 §7.4.5) and
//! SenML-ETCH CBOR (Content-Format 322, RFC 8790: FETCH bodies with names only, (i)PATCH bodies
//! with values, where `null` in a value field removes the resource).
//!
//! A pack is a CBOR array of records; a record is a map with the integer labels of RFC 8428
//! §6 (`bver` -1, `bn` -2, `bt` -3, `bu` -4, `bv` -5, `bs` -6, `n` 0, `u` 1, `v` 2, `vs` 3, `vb`
//! 4, `s` 5, `t` 6, `ut` 7, `vd` 8) and LwM2M's text label `"vlo"` for an object link.
//!
//! The decoder tokenizes each record into a [`RawRecord`] and resolves it through the shared
//! [`Resolver`] (the same base-field rules as SenML JSON). It allocates nothing: text and bytes
//! borrow the input ([`Text::Plain`], [`Opaque::Raw`]; an indefinite-length string as its
//! chunks, [`Text::CborChunks`] and [`Opaque::CborChunks`], joined when read). It accepts
//! definite and indefinite arrays, maps and strings, but a gateway prefix in chunks
//! ([`Reason::Unsupported`]); it rejects a label
//! seen twice in a record, a negative (base-field) label it does not know and a text label
//! ending in `_` (RFC 8428 §4.4, must-understand), a second value field, and bytes after the
//! array. A number (but the version `bver`) may be a decimal fraction, tag 4 (RFC 8428 §6),
//! read as an integer when it is one; `v`, `bt`, `t` and `ut` may be an epoch-based
//! date/time, tag 1 on a number (Core 1.2 Appendix C, Time). Unknown non-negative and other text labels are skipped (RFC 8428 §4.4). Every
//! error carries the byte offset; the iterator stops after the first.
//!
//! The encoder writes the exact size [`encoded_len`] gives, deterministically: one record per
//! [`Record`], keys in the order `bn`, `n`, value, `t`; a base name (the longest common
//! `/`-ended path prefix) on the first record when that makes the pack shorter; floats in the
//! narrowest exact width (down to half precision); Time as an integer `v`, Objlnk as `vlo`,
//! Opaque as `vd`, String and Corelnk as `vs`, [`Value::Null`] as `v: null`; a record without a
//! value has only its name.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::cbor::window::Window;
use crate::cbor::{self, Item, Reader, decimal};
use crate::error::{Error, Reason};
use crate::senml::{Number, RawRecord, RawValue, Resolver};
use crate::sink::{Counter, Sink, Slice, WINDOW};
use crate::value::{Opaque, Record, Text, Value};

/// Integer labels of RFC 8428 §6 (Table 6).
mod label {
    pub(super) const BVER: i64 = -1;
    pub(super) const BN: i64 = -2;
    pub(super) const BT: i64 = -3;
    pub(super) const BU: i64 = -4;
    pub(super) const BV: i64 = -5;
    pub(super) const BS: i64 = -6;
    pub(super) const N: i64 = 0;
    pub(super) const U: i64 = 1;
    pub(super) const V: i64 = 2;
    pub(super) const VS: i64 = 3;
    pub(super) const VB: i64 = 4;
    pub(super) const S: i64 = 5;
    pub(super) const T: i64 = 6;
    pub(super) const UT: i64 = 7;
    pub(super) const VD: i64 = 8;
    /// Bit of `"vlo"` in the set of labels seen.
    pub(super) const VLO_BIT: u32 = 15;
}

/// Decodes a SenML CBOR pack (112): the records, base fields resolved.
#[must_use]
pub fn decode(body: &[u8]) -> Decoder<'_> {
    let mut d = Decoder {
        raw: decode_raw(body),
        resolver: Resolver::new(),
        scratch: RawRecord::default(),
        rest: &[],
        left: 0,
        done: false,
    };
    d.start();
    d
}

/// Decodes a SenML-ETCH CBOR pack (322): like [`decode`], and a value field may be `null`
/// ([`Value::Null`], "remove this resource" in an (i)PATCH).
#[must_use]
pub fn decode_etch(body: &[u8]) -> Decoder<'_> {
    let mut d = decode(body);
    d.raw.etch = true;
    d
}

/// Decodes a SenML-ETCH CBOR FETCH pack (322, RFC 8790 §3.1): the records named, all with
/// `value: None`. A Fetch Record holds names, times and units only: a value field is
/// [`Reason::BadValue`], a sum, update time, base value or base sum [`Reason::BadField`].
#[must_use]
pub fn decode_fetch(body: &[u8]) -> Decoder<'_> {
    let mut d = decode(body);
    d.raw.fetch = true;
    // The fast way reads records with a value, which a FETCH pack refuses.
    d.left = 0;
    d
}

/// Tokenizes a SenML CBOR pack into raw records, base fields not applied: `(offset, record)`.
#[must_use]
pub fn decode_raw(body: &[u8]) -> RawDecoder<'_> {
    RawDecoder {
        r: Reader::document(body),
        state: State::Start,
        remaining: None,
        etch: false,
        fetch: false,
    }
}

/// The records of a SenML CBOR pack (RFC 8428 §6, RFC 8790); see [`decode`]. Fused: `None`
/// after the first error. Never panics on any input.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    raw: RawDecoder<'a>,
    resolver: Resolver<'a>,
    /// The record being read, reused (clearing its fields is cheaper than a fresh one).
    scratch: RawRecord<'a>,
    /// The bytes after the last record read: where the fast way reads (`raw` is brought up to
    /// them before the general way reads, and they from `raw` after).
    rest: &'a [u8],
    /// How many records the fast way may still read: those left in a definite array,
    /// `u64::MAX` in an indefinite one (its break ends it, the general way), 0 when the fast
    /// way may not read (before the array head, after the end or an error, a FETCH pack).
    left: u64,
    done: bool,
}

/// Empties a raw record field by field.
fn clear(r: &mut RawRecord<'_>) {
    r.base_name = None;
    r.base_time = None;
    r.base_unit = None;
    r.base_value = None;
    r.base_sum = None;
    r.base_version = None;
    r.name = None;
    r.unit = None;
    r.value = None;
    r.sum = None;
    r.time = None;
    r.update_time = None;
}

impl<'a> Iterator for Decoder<'a> {
    type Item = Result<Record<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left != 0 {
            if let Some(r) = self.fast() {
                return Some(Ok(r));
            }
        }
        self.next_general()
    }
}

impl core::iter::FusedIterator for Decoder<'_> {}

impl<'a> Decoder<'a> {
    /// The next record the general way (any shape, and every error); out of line, so that
    /// the fast way is small enough to sit in the caller's loop.
    #[inline(never)]
    fn next_general(&mut self) -> Option<Result<Record<'a>, Error>> {
        if self.done {
            return None;
        }
        // Where the fast way stopped, and the records it read.
        if self.raw.state == State::Records && !self.raw.fetch {
            self.raw.r.set_rest(self.rest);
            if let Some(n) = self.raw.remaining.as_mut() {
                *n = self.left;
            }
        }
        clear(&mut self.scratch);
        let r = match self.raw.next_into(&mut self.scratch) {
            Some(Ok(at)) => self.resolver.resolve(&self.scratch, at),
            Some(Err(e)) => Err(e),
            None => {
                self.done = true;
                self.left = 0;
                return None;
            }
        };
        if r.is_err() {
            self.done = true;
        }
        self.resume();
        Some(r)
    }

    /// Before the first record: the head of a definite array of fewer than 256 records read
    /// here (as the general way reads it), so that the first record may go the fast way.
    fn start(&mut self) {
        let (n, len) = match *self.raw.r.rest() {
            [h @ 0x80..=0x97, ..] => (u64::from(h & 0x1f), 1),
            [0x98, n, ..] => (u64::from(n), 2),
            _ => return,
        };
        self.raw.remaining = Some(n);
        self.raw.state = State::Records;
        self.raw.r.advance(len);
        self.resume();
    }

    /// The fast way's cursor and count from `raw`: it may read while records are left of a
    /// pack that is not a FETCH, and nothing went wrong.
    fn resume(&mut self) {
        self.rest = self.raw.r.rest();
        self.left = if self.raw.state == State::Records && !self.raw.fetch && !self.done {
            self.raw.remaining.unwrap_or(u64::MAX)
        } else {
            0
        };
    }

    /// The next record when it is of the usual shape: a map of fewer than 24 pairs with the
    /// labels `n` (a name of ids that extends the base name, [`Resolver::plain_base_with`]),
    /// perhaps `bn` (a plain path), and at most one of `v`, `vs`, `vb`, `vd`, in their usual
    /// encodings, read from `rest` while `left` is not 0 (the caller's test). `None` (reading
    /// no record) sends the caller the general way, which reads the record again and decides:
    /// every shape it takes here, it resolves the same.
    #[inline(always)]
    fn fast(&mut self) -> Option<Record<'a>> {
        let buf = self.rest;
        // The commonest record, a name and a value, without the loop below.
        if let Some((name, value, rest)) = name_and_value(buf) {
            let path = crate::senml::extend(self.resolver.plain_base()?, name)?;
            // `left` is not 0 here (the caller's test).
            self.left = self.left.wrapping_sub(1);
            self.rest = rest;
            return Some(Record {
                path,
                value: Some(value),
                time: None,
            });
        }
        let (&head, mut p) = buf.split_first()?;
        // A definite map with its size in the initial byte (a break is not one).
        let pairs = head.checked_sub(0xa0).filter(|&n| n < 24)?;
        let mut bn = None;
        let mut name = None;
        let mut value = None;
        for _ in 0..pairs {
            let (&key, rest) = p.split_first()?;
            let (v, rest) = match key {
                0x00 if name.is_none() => {
                    let (n, rest) = text(rest)?;
                    name = Some(n);
                    p = rest;
                    continue;
                }
                0x21 if bn.is_none() => {
                    let (t, rest) = text(rest)?;
                    bn = Some(core::str::from_utf8(t).ok()?);
                    p = rest;
                    continue;
                }
                0x02 if value.is_none() => number_value(rest)?,
                0x03 if value.is_none() => {
                    let (t, rest) = text(rest)?;
                    let t = core::str::from_utf8(t).ok()?;
                    (Value::Str(Text::Plain(t)), rest)
                }
                0x04 if value.is_none() => match rest.split_first()? {
                    (0xf4, rest) => (Value::Bool(false), rest),
                    (0xf5, rest) => (Value::Bool(true), rest),
                    _ => return None,
                },
                0x08 if value.is_none() => {
                    let (len, rest) = length(rest, 0x40)?;
                    let (b, rest) = rest.split_at_checked(len)?;
                    (Value::Opaque(Opaque::Raw(b)), rest)
                }
                _ => return None,
            };
            value = Some(v);
            p = rest;
        }
        // An iPATCH record without a value is refused the general way.
        if self.raw.etch && value.is_none() {
            return None;
        }
        let base = self.resolver.plain_base_with(bn)?;
        let path = crate::senml::extend(base, name?)?;
        if let Some(bn) = bn {
            self.resolver.set_plain_base(bn, base);
        }
        self.left = self.left.wrapping_sub(1);
        self.rest = p;
        Some(Record {
            path,
            value,
            time: None,
        })
    }
}

/// A record of two entries, `n` (a name of fewer than 24 bytes) then `v`, `vs` or `vb` in
/// their usual encodings: the name's bytes, the value and the bytes after the record. `None`
/// for any other record, which [`Decoder::fast`]'s loop reads (and reads this one the same).
#[inline(always)]
fn name_and_value(buf: &[u8]) -> Option<(&[u8], Value<'_>, &[u8])> {
    let [0xa2, 0x00, h @ 0x60..=0x77, ref rest @ ..] = *buf else {
        return None;
    };
    let (name, rest) = rest.split_at_checked(usize::from(h & 0x1f))?;
    let (value, rest) = match *rest {
        [0x02, ref r @ ..] => number_value(r)?,
        [0x03, ref r @ ..] => {
            let (t, r) = text(r)?;
            (Value::Str(Text::Plain(core::str::from_utf8(t).ok()?)), r)
        }
        [0x04, 0xf5, ref r @ ..] => (Value::Bool(true), r),
        [0x04, 0xf4, ref r @ ..] => (Value::Bool(false), r),
        _ => return None,
    };
    Some((name, value, rest))
}

/// The length argument of a head of major type `major` (bits 7-5 as a byte) in its initial
/// byte or one or two bytes after it, and the bytes after the head.
#[inline(always)]
fn length(b: &[u8], major: u8) -> Option<(usize, &[u8])> {
    let (&ib, rest) = b.split_first()?;
    match ib.checked_sub(major)? {
        n @ 0..=23 => Some((usize::from(n), rest)),
        24 => {
            let (&n, rest) = rest.split_first()?;
            Some((usize::from(n), rest))
        }
        25 => match *rest {
            [hi, lo, ref rest @ ..] => Some((usize::from(u16::from_be_bytes([hi, lo])), rest)),
            _ => None,
        },
        _ => None,
    }
}

/// The bytes of a definite text string (not yet checked as UTF-8), and the bytes after it.
#[inline(always)]
fn text(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = length(b, 0x60)?;
    rest.split_at_checked(len)
}

/// An integer or float number as [`Resolver::resolve`] makes it a value, and the bytes after it.
#[inline(always)]
fn number_value<'a>(b: &[u8]) -> Option<(Value<'a>, &[u8])> {
    let (&ib, rest) = b.split_first()?;
    let (arg, rest) = match (ib & 0x1f, rest) {
        (ai @ 0..=23, rest) => (u64::from(ai), rest),
        (24, [a, rest @ ..]) => (u64::from(*a), rest),
        (25, [a, c, rest @ ..]) => (u64::from(u16::from_be_bytes([*a, *c])), rest),
        (26, [a, c, d, e, rest @ ..]) => (u64::from(u32::from_be_bytes([*a, *c, *d, *e])), rest),
        (27, [a, c, d, e, f, g, h, i, rest @ ..]) => {
            (u64::from_be_bytes([*a, *c, *d, *e, *f, *g, *h, *i]), rest)
        }
        _ => return None,
    };
    let v = match ib >> 5 {
        0 => i64::try_from(arg).map_or(Value::Uint(arg), Value::Int),
        1 => Value::Int(cbor::single::neg(arg)?),
        7 => match ib {
            0xf9 => Value::Float(crate::float::from_f16(u16::try_from(arg).ok()?)),
            0xfa => Value::Float(f64::from(f32::from_bits(u32::try_from(arg).ok()?))),
            0xfb => Value::Float(f64::from_bits(arg)),
            _ => return None,
        },
        _ => return None,
    };
    Some((v, rest))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Records,
    Done,
}

/// The raw records of a SenML CBOR pack (RFC 8428 §6) with their offsets; see [`decode_raw`].
/// Fused; never panics on any input.
#[derive(Debug, Clone)]
pub struct RawDecoder<'a> {
    r: Reader<'a>,
    state: State,
    /// Records left in a definite array; `None` for an indefinite one.
    remaining: Option<u64>,
    etch: bool,
    /// A FETCH pack: names, times and units only (RFC 8790 §3.1).
    fetch: bool,
}

impl<'a> Iterator for RawDecoder<'a> {
    type Item = Result<(usize, RawRecord<'a>), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut rec = RawRecord::default();
        let at = self.next_into(&mut rec)?;
        Some(at.map(|at| (at, rec)))
    }
}

impl core::iter::FusedIterator for RawDecoder<'_> {}

impl<'a> RawDecoder<'a> {
    /// The next record read into `rec` (which must be empty), and its offset.
    fn next_into(&mut self, rec: &mut RawRecord<'a>) -> Option<Result<usize, Error>> {
        let r = self.step(rec);
        if !matches!(r, Some(Ok(_))) {
            self.state = State::Done;
        }
        r
    }

    fn step(&mut self, rec: &mut RawRecord<'a>) -> Option<Result<usize, Error>> {
        match self.state {
            State::Done => return None,
            State::Start => match self.r.next() {
                Ok(Item::Array(n)) => {
                    self.remaining = n;
                    self.state = State::Records;
                }
                Ok(_) => return Some(Err(Error::new(0, Reason::BadCbor))),
                Err(e) => return Some(Err(e)),
            },
            State::Records => {}
        }
        let end = match self.remaining {
            Some(0) => true,
            Some(ref mut n) => {
                *n = n.saturating_sub(1);
                false
            }
            None if self.r.at_break() => {
                // Consume the break.
                let _ = self.r.next();
                true
            }
            None => false,
        };
        if end {
            if self.r.at_end() {
                return None;
            }
            return Some(Err(Error::new(self.r.position(), Reason::TrailingBytes)));
        }
        let at = self.r.position();
        Some(self.record(rec).map(|()| at))
    }

    fn record(&mut self, rec: &mut RawRecord<'a>) -> Result<(), Error> {
        let at = self.r.position();
        let count = match self.r.next()? {
            Item::Map(n) => n,
            _ => return Err(Error::new(at, Reason::BadCbor)),
        };
        let mut seen = 0u32;
        let mut i = 0u64;
        loop {
            match count {
                Some(n) if i == n => break,
                Some(_) => i = i.saturating_add(1),
                None if self.r.at_break() => {
                    self.r.next()?;
                    break;
                }
                None => {}
            }
            let kat = self.r.position();
            let bad = |r| Error::new(kat, r);
            let key = match self.r.next()? {
                Item::Uint(u) => Key::Int(i64::try_from(u).unwrap_or(i64::MAX)),
                Item::Neg(n) => Key::Int(cbor::single::neg(n).unwrap_or(i64::MIN)),
                Item::Text("vlo") => Key::Vlo,
                Item::Text(t) if t.ends_with('_') => return Err(bad(Reason::BadField)),
                Item::Text(_) => Key::Unknown,
                Item::TextChunks(c) => {
                    let t = Text::CborChunks(c);
                    if t == *"vlo" {
                        Key::Vlo
                    } else if t.chars().last() == Some('_') {
                        return Err(bad(Reason::BadField));
                    } else {
                        Key::Unknown
                    }
                }
                Item::Break => return Err(bad(Reason::BadCbor)),
                _ => return Err(bad(Reason::BadField)),
            };
            let bit = match key {
                Key::Int(l @ label::BS..=label::VD) => u32::try_from(l.saturating_add(6)).ok(),
                Key::Int(l) if l < 0 => return Err(bad(Reason::BadField)),
                Key::Vlo => Some(label::VLO_BIT),
                Key::Int(_) | Key::Unknown => None,
            };
            let Some(bit) = bit else {
                self.r.skip(0)?;
                continue;
            };
            if seen & (1 << bit) != 0 {
                return Err(bad(Reason::BadField));
            }
            if self.fetch {
                match key {
                    Key::Vlo | Key::Int(label::V | label::VS | label::VB | label::VD) => {
                        return Err(bad(Reason::BadValue));
                    }
                    Key::Int(label::S | label::UT | label::BV | label::BS) => {
                        return Err(bad(Reason::BadField));
                    }
                    _ => {}
                }
            }
            seen |= 1 << bit;
            let vat = self.r.position();
            let item = match self.r.next()? {
                // RFC 8428 §6: any number but the version may be a decimal fraction (tag 4).
                Item::Tag(decimal::TAG) if !matches!(key, Key::Int(label::BVER)) => {
                    decimal::read(&mut self.r, vat)?.item()
                }
                // A value or a time as an epoch-based date/time (tag 1 on a number, RFC 8949
                // §3.4.2): Core 1.2 Appendix C gives Time in SenML CBOR "as defined in Section
                // 2.4.1 of [RFC7049]", and devices send `bt` so (Leshan issue 1631).
                Item::Tag(cbor::single::TAG_EPOCH_TIME)
                    if matches!(key, Key::Int(label::V | label::BT | label::T | label::UT)) =>
                {
                    match self.r.next()? {
                        n @ (Item::Uint(_) | Item::Neg(_) | Item::Float(_)) => n,
                        _ => return Err(Error::new(vat, Reason::BadField)),
                    }
                }
                item => item,
            };
            let wrong = Error::new(vat, Reason::BadField);
            // A negative integer below i64::MIN is a number out of range, not a wrong type.
            let num_wrong = if matches!(item, Item::Neg(_)) {
                Error::new(vat, Reason::BadInteger)
            } else {
                wrong
            };
            let is_value = matches!(
                key,
                Key::Vlo | Key::Int(label::V | label::VS | label::VB | label::VD)
            );
            if is_value {
                if rec.value.is_some() {
                    return Err(bad(Reason::BadValue));
                }
                rec.value = Some(match (key, item) {
                    (_, Item::Null) if self.etch => RawValue::Null,
                    (Key::Int(label::V), _) => RawValue::Number(number(item).ok_or(num_wrong)?),
                    (Key::Int(label::VS), Item::Text(t)) => RawValue::String(Text::Plain(t)),
                    (Key::Int(label::VS), Item::TextChunks(c)) => {
                        RawValue::String(Text::CborChunks(c))
                    }
                    (Key::Int(label::VB), Item::Bool(b)) => RawValue::Bool(b),
                    (Key::Int(label::VD), Item::Bytes(b)) => RawValue::Data(Opaque::Raw(b)),
                    (Key::Int(label::VD), Item::BytesChunks(c)) => {
                        RawValue::Data(Opaque::CborChunks(c))
                    }
                    (Key::Vlo, Item::Text(t)) => RawValue::ObjLink(Text::Plain(t)),
                    (Key::Vlo, Item::TextChunks(c)) => RawValue::ObjLink(Text::CborChunks(c)),
                    _ => return Err(wrong),
                });
                continue;
            }
            let Key::Int(l) = key else {
                return Err(wrong);
            };
            let text = || match item {
                Item::Text(t) => Ok(Text::Plain(t)),
                Item::TextChunks(c) => Ok(Text::CborChunks(c)),
                _ => Err(wrong),
            };
            let num = || number(item).ok_or(num_wrong);
            match l {
                label::BVER => match item {
                    Item::Uint(u) => rec.base_version = Some(u),
                    _ => return Err(wrong),
                },
                label::BN => rec.base_name = Some(text()?),
                label::BT => rec.base_time = Some(num()?),
                label::BU => rec.base_unit = Some(text()?),
                label::BV => rec.base_value = Some(num()?),
                label::BS => rec.base_sum = Some(num()?),
                label::N => rec.name = Some(text()?),
                label::U => rec.unit = Some(text()?),
                label::S => rec.sum = Some(num()?),
                label::T => rec.time = Some(num()?),
                label::UT => rec.update_time = Some(num()?),
                _ => return Err(wrong),
            }
        }
        // An iPATCH record sets a value or removes one (`null`, RFC 8790 §6), as in JSON.
        if self.etch && rec.value.is_none() {
            return Err(Error::new(at, Reason::BadValue));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Key {
    Int(i64),
    Vlo,
    Unknown,
}

fn number(item: Item<'_>) -> Option<Number> {
    match item {
        Item::Uint(u) => Some(i64::try_from(u).map_or(Number::Uint(u), Number::Int)),
        // Below `i64::MIN`: a float, as SenML JSON reads such a number.
        #[allow(clippy::cast_precision_loss)]
        Item::Neg(n) => {
            Some(cbor::single::neg(n).map_or(Number::Float(-1.0 - n as f64), Number::Int))
        }
        Item::Float(f) => Some(Number::Float(f)),
        _ => None,
    }
}

/// The exact number of bytes [`encode`] writes for `records`.
pub fn encoded_len(records: &[Record<'_>]) -> Result<usize, Error> {
    let base = choose_base(records)?;
    let mut c = Counter::new();
    write(&mut c, records, base)?;
    Ok(c.written())
}

/// Encodes `records` as a SenML CBOR pack into `out`; returns the bytes written.
/// [`Value::Untyped`] is [`Reason::Unrepresentable`]; a short `out` is
/// [`Reason::BufferTooSmall`].
pub fn encode(records: &[Record<'_>], out: &mut [u8]) -> Result<usize, Error> {
    // As `encode_to`, written out: through it, the compiler gave this path 5 % more time
    // (bench `encode/device_senml_cbor`, 182 against 173 ns).
    let base = choose_base(records)?;
    let mut s = Slice::new(out);
    write(&mut s, records, base)?;
    Ok(s.written())
}

/// Writes `records` as [`encode`] does, into any sink.
pub(crate) fn encode_to<S: Sink>(records: &[Record<'_>], sink: &mut S) -> Result<(), Error> {
    let base = choose_base(records)?;
    write(sink, records, base)
}

/// A base name: the prefix and the first `depth` levels of the first record, with a `/` after.
#[derive(Debug, Clone, Copy)]
struct Base<'r> {
    prefix: Option<&'r str>,
    levels: &'r [u16],
}

/// The common base name when it makes the pack shorter.
fn choose_base<'r>(records: &'r [Record<'_>]) -> Result<Option<Base<'r>>, Error> {
    let Some(first) = records.first() else {
        return Ok(None);
    };
    let prefix = first.path.prefix();
    let levels = first.path.levels();
    // One pass: the common levels `k` and how many records stand at each depth; and whether
    // every full name is shorter than 24 bytes (one-byte text heads), which holds but for a
    // prefix or four levels of five digits each.
    let mut k = levels.len();
    let mut at_depth = [0usize; 5];
    let mut short = prefix.is_none();
    for r in records {
        if r.path.prefix() != prefix {
            return Ok(None);
        }
        k = k.min(first.path.common_depth(&r.path));
        let depth = r.path.depth();
        if let Some(c) = at_depth.get_mut(depth) {
            *c = c.wrapping_add(1);
        }
        short &= depth < 4 || r.path.levels().iter().any(|&id| id < 10_000);
    }
    // No record may stand at the base itself: its name would be the base name with its `/`
    // (`"/1024/0/1/0/"`), which is no LwM2M path (see `senml_json::base_name`). The base is
    // one level up then.
    if at_depth.get(k).copied().unwrap_or(0) > 0 {
        let Some(up) = k.checked_sub(1) else {
            return Ok(None);
        };
        k = up;
    }
    if k == 0 && prefix.is_none() {
        return Ok(None);
    }
    let base = Base {
        prefix,
        levels: levels.get(..k).unwrap_or_default(),
    };
    // Only the names change (record maps hold at most five entries, one head byte either way).
    let bn_len = cbor::path_text_len(prefix, base.levels, true, true);
    let with_base = 1usize.saturating_add(cbor::head_len(bn_len as u64).saturating_add(bn_len));
    if short {
        // Without a base name a record's name takes `2 + full` bytes (key, head, text). With
        // one, every record (all deeper than `k`) takes `2 + full - bn_len` (its name without
        // the base name). So the base name saves `bn_len` on every record, and costs its own
        // entry.
        let saved = records.len().saturating_mul(bn_len);
        return Ok((with_base < saved).then_some(base));
    }
    // Long names: the sizes record by record.
    let text = |len: usize| cbor::head_len(len as u64).saturating_add(len);
    let mut without = 0usize;
    let mut with = with_base;
    for r in records {
        let full = r.path.text_len();
        without = without.saturating_add(1).saturating_add(text(full));
        if r.path.depth() > k {
            let rest = full.saturating_sub(bn_len);
            with = with.saturating_add(1).saturating_add(text(rest));
        }
    }
    Ok((with < without).then_some(base))
}

fn write<S: Sink>(s: &mut S, records: &[Record<'_>], base: Option<Base<'_>>) -> Result<(), Error> {
    cbor::head(s, 4, records.len() as u64)?;
    let mut records = records.iter();
    // The first record, with the base name, on its own: the loop's records have none.
    if let Some(rec) = records.next() {
        if !(rec.path.prefix().is_none() && packed_record(s, rec, base, base)?) {
            general_record(s, rec, base, base)?;
        }
    }
    for rec in records {
        if rec.path.prefix().is_none() && packed_record(s, rec, None, base)? {
            continue;
        }
        general_record(s, rec, None, base)?;
    }
    Ok(())
}

/// One record piece by piece: its map head, the base name `bn` (on the first record), its
/// name (relative to `base` when there is one), value and time.
fn general_record<S: Sink>(
    s: &mut S,
    rec: &Record<'_>,
    bn: Option<Base<'_>>,
    base: Option<Base<'_>>,
) -> Result<(), Error> {
    let levels = rec.path.levels();
    let rest = match base {
        Some(b) => levels.get(b.levels.len()..).unwrap_or_default(),
        None => levels,
    };
    let has_name = base.is_none() || !rest.is_empty();
    let entries = [
        bn.is_some(),
        has_name,
        rec.value.is_some(),
        rec.time.is_some(),
    ]
    .into_iter()
    .filter(|&b| b)
    .count();
    cbor::head(s, 5, entries as u64)?;
    if let Some(b) = bn {
        s.put(&[0x21])?;
        cbor::path_text(s, b.prefix, b.levels, true, true)?;
    }
    if has_name {
        if base.is_some() {
            cbor::keyed_path_text(s, 0x00, rest, false, false)?;
        } else if let Some(p) = rec.path.prefix() {
            s.put(&[0x00])?;
            cbor::path_text(s, Some(p), levels, true, false)?;
        } else if levels.is_empty() {
            s.put(b"\x00\x61/")?;
        } else {
            cbor::keyed_path_text(s, 0x00, levels, true, false)?;
        }
    }
    if let Some(v) = &rec.value {
        write_value(s, v)?;
    }
    if let Some(t) = rec.time {
        s.put(&[0x06])?;
        write_number(s, t)?;
    }
    Ok(())
}

/// A record of a path without a prefix, its leading pieces written one store per byte through
/// a [`Window`] (see [`fill`]): into the sink's own bytes when it has a window's worth left,
/// otherwise into a stack buffer then put. Then any other value and the time as
/// [`general_record`] writes them. `false` (nothing written) when the record is not of the
/// shape [`fill`] takes, or its leading pieces do not fit in the output; the bytes are those
/// [`general_record`] gives either way.
#[inline(always)]
fn packed_record<S: Sink>(
    s: &mut S,
    rec: &Record<'_>,
    bn: Option<Base<'_>>,
    base: Option<Base<'_>>,
) -> Result<bool, Error> {
    let rest = match s.window() {
        Some(room) => {
            let Some((n, rest)) = fill(room, rec, bn, base) else {
                return Ok(false);
            };
            s.advance(n);
            rest
        }
        None => {
            let mut scratch = [0u8; WINDOW];
            let Some((n, rest)) = fill(&mut scratch, rec, bn, base) else {
                return Ok(false);
            };
            if s.put(scratch.get(..n).unwrap_or_default()).is_err() {
                // The general way writes what fits and says where it stopped.
                return Ok(false);
            }
            rest
        }
    };
    if let Some(v) = rest {
        write_value(s, v)?;
    }
    if let Some(t) = rec.time {
        s.put(&[0x06])?;
        write_number(s, t)?;
    }
    Ok(true)
}

/// The leading pieces of a record in `room`: its map head, the base name `bn` when it has one
/// of at most 11 bytes, its name (relative to `base`) when that takes fewer than 24 bytes, and
/// its value when it is an integer (or a time), a boolean or a string of fewer than 24 bytes
/// (other values are left to [`write_value`]). Returns the bytes filled and the value left to
/// write; `None` for a record of another shape (bytes may have been written into `room`, none
/// counted).
#[inline(always)]
fn fill<'r>(
    room: &mut [u8; WINDOW],
    rec: &'r Record<'_>,
    bn: Option<Base<'_>>,
    base: Option<Base<'_>>,
) -> Option<(usize, Option<&'r Value<'r>>)> {
    let levels = rec.path.levels();
    let (name, lead) = match base {
        Some(b) => (levels.get(b.levels.len()..).unwrap_or_default(), false),
        // The root's name, "/", is left to `general_record`.
        None if levels.is_empty() => return None,
        None => (levels, true),
    };
    let mut w = Window::new(room);
    // Base name, name, value, time: at most four entries.
    let entries = u8::from(bn.is_some())
        .wrapping_add(u8::from(!name.is_empty()))
        .wrapping_add(u8::from(rec.value.is_some()))
        .wrapping_add(u8::from(rec.time.is_some()));
    w.byte(0xa0 | entries);
    if let Some(b) = bn {
        // With at most 11 bytes here, the rest (25 + 25 bytes at most) fits in the window.
        let len = cbor::path_text_len(None, b.levels, true, true);
        if b.prefix.is_some() || len > 11 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        w.pair(0x21, 0x60 | len as u8);
        for &id in b.levels {
            w.byte(b'/');
            w.id(id);
        }
        w.byte(b'/');
    }
    if !name.is_empty() {
        // Key 0, then the text head (its length set after the digits).
        w.pair(0x00, 0x60);
        let start = w.len();
        for (j, &id) in name.iter().enumerate() {
            if lead || j > 0 {
                w.byte(b'/');
            }
            w.id(id);
        }
        let len = w.len().wrapping_sub(start);
        if len >= 24 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        w.set(start.wrapping_sub(1), 0x60 | len as u8);
    }
    let mut rest = rec.value.as_ref();
    match rest {
        Some(Value::Int(v) | Value::Time(v)) => {
            w.byte(0x02);
            w.int(*v);
            rest = None;
        }
        Some(Value::Bool(b)) => {
            w.pair(0x04, if *b { 0xf5 } else { 0xf4 });
            rest = None;
        }
        Some(Value::Str(t) | Value::CoreLink(t)) => {
            if let Some(plain) = t.as_str().filter(|t| t.len() < 24) {
                #[allow(clippy::cast_possible_truncation)]
                w.pair(0x03, 0x60 | plain.len() as u8);
                w.bytes(plain.as_bytes());
                rest = None;
            }
        }
        _ => {}
    }
    // At most 64 bytes (1 + 13 + 25 + 25): this holds, but is checked.
    w.fits().then_some((w.len(), rest))
}

/// A time: an integer when it is one, otherwise the narrowest exact float.
fn write_number<S: Sink>(s: &mut S, t: f64) -> Result<(), Error> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if crate::float::is_integral(t)
        && (-TWO_63..TWO_63).contains(&t)
        && !(t == 0.0 && t.is_sign_negative())
    {
        #[allow(clippy::cast_possible_truncation)]
        return cbor::int(s, t as i64);
    }
    cbor::float(s, t)
}

fn write_value<S: Sink>(s: &mut S, v: &Value<'_>) -> Result<(), Error> {
    match v {
        Value::Int(i) | Value::Time(i) => match u8::try_from(*i) {
            Ok(small @ 0..=23) => s.put(&[0x02, small]),
            _ => {
                s.put(&[0x02])?;
                cbor::int(s, *i)
            }
        },
        Value::Uint(u) => {
            s.put(&[0x02])?;
            cbor::head(s, 0, *u)
        }
        Value::Float(f) => {
            s.put(&[0x02])?;
            cbor::float(s, *f)
        }
        Value::Bool(b) => s.put(&[0x04, if *b { 0xf5 } else { 0xf4 }]),
        Value::Str(t) | Value::CoreLink(t) => match t.as_str() {
            Some(plain) if plain.len() < 24 => {
                #[allow(clippy::cast_possible_truncation)]
                s.put(&[0x03, 0x60 | plain.len() as u8])?;
                s.put(plain.as_bytes())
            }
            _ => {
                s.put(&[0x03])?;
                cbor::text(s, t)
            }
        },
        Value::Opaque(o) => {
            s.put(&[0x08])?;
            cbor::bytes(s, o)
        }
        Value::ObjLink(l) => {
            s.put(b"\x63vlo")?;
            cbor::objlnk(s, *l)
        }
        Value::Null => s.put(&[0x02, 0xf6]),
        Value::Untyped(_) => Err(Error::new(s.written(), Reason::Unrepresentable)),
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::path::Path;
    use crate::value::ObjLink;
    use std::vec::Vec;

    fn all(body: &[u8]) -> Result<Vec<Record<'_>>, Error> {
        decode(body).collect()
    }

    /// Every item of `body` the general way: raw records resolved one by one.
    fn general(body: &[u8]) -> Vec<Result<Record<'_>, Error>> {
        let mut resolver = Resolver::new();
        let mut out = Vec::new();
        for item in decode_raw(body) {
            let r = item.and_then(|(at, raw)| resolver.resolve(&raw, at));
            let stop = r.is_err();
            out.push(r);
            if stop {
                break;
            }
        }
        out
    }

    /// RFC 8949 §3.4.6: a pack behind the self-described CBOR tag reads as the pack alone.
    #[test]
    fn the_self_described_tag_changes_nothing() {
        // [{-2: "/3/0/", 0: "9", 2: 5}]
        let pack = b"\x81\xa3\x21\x65/3/0/\x00\x619\x02\x05";
        let mut marked = std::vec![0xd9, 0xd9, 0xf7];
        marked.extend_from_slice(pack);
        assert_eq!(all(&marked).unwrap(), all(pack).unwrap());
        assert_eq!(all(pack).unwrap().len(), 1);
        // Only in front of the pack.
        assert!(all(b"\x81\xd9\xd9\xf7\xa1\x00\x66/3/0/9").is_err());
    }

    /// A value below `i64::MIN` is a float, as in SenML JSON.
    #[test]
    fn integers_below_i64_min_are_floats() {
        // [{0: "/30000/0/3", 2: -2^63 - 1}]
        let pack = b"\x81\xa2\x00\x6a/30000/0/3\x02\x3b\x80\x00\x00\x00\x00\x00\x00\x00";
        assert_eq!(
            all(pack).unwrap()[0].value,
            Some(Value::Float(-9_223_372_036_854_775_809.0))
        );
        let json = br#"[{"n":"/30000/0/3","v":-9223372036854775809}]"#;
        let from_json: Vec<_> = crate::senml_json::decode(json)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(from_json, all(pack).unwrap());
    }

    #[test]
    fn fast_records_agree_with_the_general_way() {
        let recs = [
            Record::new(Path::resource(3, 0, 0), Value::Str(Text::Plain("OMA"))),
            Record::new(Path::resource_instance(3, 0, 7, 1), Value::Int(-5000)),
            Record::new(Path::resource(3, 0, 9), Value::Uint(u64::MAX)),
            Record::new(Path::resource(3, 0, 10), Value::Float(1.5)),
            Record::new(Path::resource(3, 0, 11), Value::Bool(true)),
            Record::new(
                Path::resource(3, 0, 12),
                Value::Opaque(Opaque::Raw(&[1, 2])),
            ),
            Record::path_only(Path::resource(3, 0, 13)),
        ];
        let mut buf = [0u8; 128];
        let n = encode(&recs, &mut buf).unwrap();
        let body = &buf[..n];
        // Every record of it takes the fast way.
        let mut d = decode(body);
        for r in &recs {
            assert_eq!(d.fast().as_ref(), Some(r));
        }
        assert_eq!(
            general(body),
            all(body)
                .map_err(|_| ())
                .unwrap()
                .into_iter()
                .map(Ok)
                .collect::<Vec<_>>()
        );
        // And every one-byte change of it decodes the same both ways.
        let bytes = [
            0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x08, 0x18, 0x19, 0x1b, 0x20, 0x21, 0x22, 0x23,
            0x30, 0x2f, 0x39, 0x40, 0x41, 0x60, 0x61, 0x62, 0x63, 0x78, 0x7f, 0x80, 0x81, 0x87,
            0x98, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xbf, 0xc4, 0xf4, 0xf5, 0xf6, 0xf9, 0xfb,
            0xff, b'x', b'/',
        ];
        for at in 0..body.len() {
            for &b in &bytes {
                let mut v = body.to_vec();
                v[at] = b;
                let fast: Vec<_> = decode(&v).collect();
                // As text: a NaN is not equal to itself.
                assert_eq!(
                    std::format!("{fast:?}"),
                    std::format!("{:?}", general(&v)),
                    "{at} {b:#04x}"
                );
            }
        }
        // Base names of other shapes, a base time, a base value, a second base name.
        let cases: &[&[u8]] = &[
            b"\x82\xa3\x21\x64/3/0\x00\x610\x02\x01\xa2\x00\x611\x02\x02",
            b"\x82\xa3\x21\x65/3/0/\x00\x610\x02\x01\xa2\x21\x65/4/0/\x00\x611",
            b"\x82\xa4\x21\x65/3/0/\x22\x05\x00\x610\x02\x01\xa2\x00\x611\x02\x02",
            b"\x82\xa4\x21\x65/3/0/\x24\x05\x00\x610\x02\x01\xa2\x00\x611\x02\x02",
            b"\x82\xa3\x21\x6a/dev1/3/0/\x00\x610\x02\x01\xa2\x00\x611\x02\x02",
            b"\x82\xa2\x21\x65/3/0/\x02\x01\xa2\x00\x611\x02\x02",
            b"\x82\xa3\x00\x610\x21\x65/3/0/\x02\x01\xa2\x00\x611\x02\x02",
            b"\x9f\xa3\x21\x65/3/0/\x00\x610\x02\x01\xff",
            b"\x98\x01\xa3\x21\x65/3/0/\x00\x610\x02\x01",
        ];
        for body in cases {
            let fast: Vec<_> = decode(body).collect();
            assert_eq!(fast, general(body), "{body:02x?}");
        }
    }

    #[test]
    fn decodes_a_small_pack() {
        // [{-2: "/3/0/", 0: "0", 3: "OMA"}, {0: "9", 2: 100}, {0: "7/1", 2: 5000}]
        let body = b"\x83\xa3\x21\x65/3/0/\x00\x610\x03\x63OMA\xa2\x00\x619\x02\x18\x64\xa2\x00\x637/1\x02\x19\x13\x88";
        let recs = all(body).unwrap();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].path, Path::resource(3, 0, 0));
        assert_eq!(recs[0].value, Some(Value::Str(Text::Plain("OMA"))));
        assert_eq!(
            recs[1],
            Record::new(Path::resource(3, 0, 9), Value::Int(100))
        );
        assert_eq!(
            recs[2],
            Record::new(Path::resource_instance(3, 0, 7, 1), Value::Int(5000))
        );
    }

    #[test]
    fn indefinite_containers_and_unknown_labels() {
        // [_ {_ 0: "/1/0/1", 2: 5, 9: [1, 2], "x": {}}] (9 and "x" unknown, skipped)
        let body = b"\x9f\xbf\x00\x66/1/0/1\x02\x05\x09\x82\x01\x02\x61x\xa0\xff\xff";
        let recs = all(body).unwrap();
        assert_eq!(recs, [Record::new(Path::resource(1, 0, 1), Value::Int(5))]);
    }

    #[test]
    fn decimal_fractions_are_numbers() {
        // RFC 8428 §6. Leshan writes `bt` so: [{0: "/0/0/0", -3: 4([0, 500000004]), 3: "S"},
        // {0: "/0/0/1", 2: 4([-1, 215]), 6: 4([-3, 1500])}].
        let body = b"\x82\xa3\x00\x66/0/0/0\x22\xc4\x82\x00\x1a\x1d\xcd\x65\x04\x03\x61S\xa3\x00\x66/0/0/1\x02\xc4\x82\x20\x18\xd7\x06\xc4\x82\x22\x19\x05\xdc";
        let recs = all(body).unwrap();
        assert_eq!(recs[0].time, Some(500_000_004.0));
        assert_eq!(recs[0].value, Some(Value::Str(Text::Plain("S"))));
        assert_eq!(recs[1].value, Some(Value::Float(21.5)));
        assert_eq!(recs[1].time, Some(500_000_005.5));
        // Not for the version (an unsigned integer only), nor for a string field.
        assert_eq!(
            all(b"\x81\xa2\x20\xc4\x82\x00\x0a\x00\x62/1").unwrap_err(),
            Error::new(3, Reason::BadField)
        );
        assert_eq!(
            all(b"\x81\xa1\x00\xc4\x82\x00\x01").unwrap_err(),
            Error::new(3, Reason::BadField)
        );
    }

    /// An iPATCH record without a value or `null` is refused, in CBOR as in JSON.
    #[test]
    fn an_etch_record_without_a_value_is_refused() {
        // [{0: "/3/0/15"}]
        let body = b"\x81\xa1\x00\x67/3/0/15";
        assert_eq!(
            decode_etch(body).next(),
            Some(Err(Error::new(1, Reason::BadValue)))
        );
        let json = br#"[{"n":"/3/0/15"}]"#;
        assert!(
            crate::senml_etch_json::decode_ipatch(json)
                .next()
                .unwrap()
                .is_err()
        );
        // As a plain SenML pack, a record naming a path alone.
        assert_eq!(all(body).unwrap()[0].value, None);
        // Under a plain base name too (the way of the usual records): [{-2: "/3/0/", 0: "15"}].
        let based = b"\x81\xa2\x21\x65/3/0/\x00\x6215";
        assert_eq!(
            decode_etch(based).next(),
            Some(Err(Error::new(1, Reason::BadValue)))
        );
        assert_eq!(all(based).unwrap()[0].path, Path::resource(3, 0, 15));
    }

    #[test]
    fn etch_null_removes() {
        let body = b"\x81\xa2\x00\x66/1/0/1\x02\xf6";
        assert_eq!(all(body).unwrap_err(), Error::new(11, Reason::BadField));
        let recs: Vec<_> = decode_etch(body).collect::<Result<_, _>>().unwrap();
        assert_eq!(recs, [Record::new(Path::resource(1, 0, 1), Value::Null)]);
        let mut out = [0u8; 32];
        let n = encode(&recs, &mut out).unwrap();
        assert_eq!(&out[..n], body);
    }

    #[test]
    fn errors_with_offsets() {
        let cases: &[(&[u8], Error)] = &[
            (b"\xa0", Error::new(0, Reason::BadCbor)),
            (b"\x81\x01", Error::new(1, Reason::BadCbor)),
            (b"\x80\x00", Error::new(1, Reason::TrailingBytes)),
            (b"\x82\xa1\x00\x62/1", Error::new(6, Reason::Truncated)),
            // duplicate n
            (
                b"\x81\xa2\x00\x62/1\x00\x62/2",
                Error::new(6, Reason::BadField),
            ),
            // two value fields
            (
                b"\x81\xa3\x00\x62/1\x02\x01\x04\xf5",
                Error::new(8, Reason::BadValue),
            ),
            // unknown negative label -7
            (
                b"\x81\xa2\x00\x62/1\x26\x01",
                Error::new(6, Reason::BadField),
            ),
            // must-understand text label
            (
                b"\x81\xa2\x00\x62/1\x62x_\x01",
                Error::new(6, Reason::BadField),
            ),
            // vs of the wrong type
            (
                b"\x81\xa2\x00\x62/1\x03\x01",
                Error::new(7, Reason::BadField),
            ),
            // a name that is not a path
            (
                b"\x81\xa2\x00\x63/3x\x02\x01",
                Error::new(2, Reason::BadPath),
            ),
            // a name in chunks, empty
            (b"\x81\xa1\x00\x7f\xff", Error::new(1, Reason::MissingName)),
            // a gateway prefix in chunks (borrowed whole, so not joined)
            (
                b"\x81\xa1\x00\x7f\x65/dev1\x62/3\xff",
                Error::new(1, Reason::Unsupported),
            ),
            // a must-understand label (ending in `_`) in chunks
            (
                b"\x81\xa2\x00\x62/1\x7f\x61x\x61_\xff\x01",
                Error::new(6, Reason::BadField),
            ),
            // chunks of another type inside a text string
            (b"\x81\xa1\x00\x7f\x41/\xff", Error::new(4, Reason::BadCbor)),
            // bver from the future
            (
                b"\x81\xa2\x20\x0b\x00\x62/1",
                Error::new(1, Reason::Unsupported),
            ),
            // a bad object link
            (
                b"\x81\xa2\x00\x62/1\x63vlo\x61x",
                Error::new(1, Reason::BadObjLink),
            ),
        ];
        for (body, err) in cases {
            let mut d = decode(body);
            let got = d.by_ref().find_map(Result::err);
            assert_eq!(got, Some(*err), "{body:02x?}");
            assert!(d.next().is_none(), "fused");
        }
    }

    #[test]
    fn full_names_are_as_long_as_path_text() {
        let p = |l: &[u16]| Path::new(l).unwrap();
        for path in [
            Path::ROOT,
            p(&[3]),
            p(&[3, 0, 1]),
            p(&[65534, 10, 100, 1000]),
            Path::ROOT.with_prefix("gw").unwrap(),
            p(&[3303, 0]).with_prefix("node-1").unwrap(),
        ] {
            let mut c = Counter::new();
            match path.prefix() {
                Some(pre) => cbor::path_text(&mut c, Some(pre), path.levels(), true, false),
                None if path.depth() == 0 => c.put(b"\x61/"),
                None => cbor::keyed_path_text(&mut c, 0, path.levels(), true, false),
            }
            .unwrap();
            let head = if path.prefix().is_none() && path.depth() > 0 {
                2
            } else {
                1
            };
            assert_eq!(c.0 - head, path.text_len(), "{path}");
        }
    }

    #[test]
    fn base_name_choice_matches_trial_encodings() {
        let p = |l: &[u16]| Path::new(l).unwrap();
        let v = Value::Int(1);
        let sets: Vec<Vec<Record<'_>>> = std::vec![
            std::vec![Record::new(p(&[3, 0, 1]), v)],
            std::vec![Record::new(p(&[3, 0, 1]), v), Record::new(p(&[3, 0, 2]), v)],
            std::vec![Record::new(p(&[3, 0]), v), Record::new(p(&[3, 0, 2]), v)],
            std::vec![
                Record::new(p(&[65534, 65534, 1]), v),
                Record::new(p(&[65534, 65534, 65534, 65534]), v),
                Record::new(p(&[65534, 65533, 65534, 65534]), v),
            ],
            std::vec![
                Record::new(p(&[3303, 0, 5700]).with_prefix("node-1").unwrap(), v),
                Record::new(p(&[3303, 0, 5701]).with_prefix("node-1").unwrap(), v),
            ],
            std::vec![
                Record::new(p(&[1, 2, 3, 4]), v),
                Record::new(p(&[1, 65534, 65534, 65534]), v),
                Record::new(p(&[1]), v),
            ],
        ];
        for recs in &sets {
            choice_matches_trial(recs);
        }
        // Random packs: depths 0 to 4, ids at the digit boundaries, sometimes a prefix.
        let ids = [0u16, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65534];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            usize::try_from(x % n as u64).unwrap()
        };
        for _ in 0..3000 {
            let prefix = ["", "", "", "gw", "a-rather-long-gateway-name"][next(5)];
            // A shared head of 0 to 4 levels, then levels of each record's own.
            let shared: Vec<u16> = (0..next(5)).map(|_| ids[next(ids.len())]).collect();
            let recs: Vec<Record<'_>> = (0..1 + next(4))
                .map(|_| {
                    let depth = next(5);
                    let levels: Vec<u16> = (0..depth)
                        .map(|d| match shared.get(d) {
                            Some(&id) if next(4) > 0 => id,
                            _ => ids[next(ids.len())],
                        })
                        .collect();
                    let path = Path::new(&levels).unwrap();
                    let path = if prefix.is_empty() {
                        path
                    } else {
                        path.with_prefix(prefix).unwrap()
                    };
                    Record::new(path, v)
                })
                .collect();
            choice_matches_trial(&recs);
        }
    }

    /// `write` without the packed way: every record piece by piece.
    fn write_general<S: Sink>(
        s: &mut S,
        records: &[Record<'_>],
        base: Option<Base<'_>>,
    ) -> Result<(), Error> {
        cbor::head(s, 4, records.len() as u64)?;
        for (i, rec) in records.iter().enumerate() {
            general_record(s, rec, if i == 0 { base } else { None }, base)?;
        }
        Ok(())
    }

    #[test]
    fn packed_records_are_written_as_the_general_way_writes_them() {
        let ids = [0u16, 5, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65534];
        let long = "a string of more than twenty-three bytes";
        let values = [
            None,
            Some(Value::Int(0)),
            Some(Value::Int(23)),
            Some(Value::Int(24)),
            Some(Value::Int(-24)),
            Some(Value::Int(-25)),
            Some(Value::Int(65536)),
            Some(Value::Int(i64::MIN)),
            Some(Value::Int(i64::MAX)),
            Some(Value::Time(1_367_491_215)),
            Some(Value::Uint(u64::MAX)),
            Some(Value::Float(1.5)),
            Some(Value::Float(0.1)),
            Some(Value::Bool(true)),
            Some(Value::Bool(false)),
            Some(Value::Str(Text::Plain(""))),
            Some(Value::Str(Text::Plain("U"))),
            Some(Value::Str(Text::Plain("exactly twenty-three b."))),
            Some(Value::Str(Text::Plain(long))),
            Some(Value::Str(Text::JsonEscaped(r#"with \"escape\""#))),
            Some(Value::CoreLink(Text::Plain("</3/0>"))),
            Some(Value::Opaque(Opaque::Raw(b"\x01\x02"))),
            Some(Value::ObjLink(ObjLink {
                object: 66,
                instance: 0,
            })),
            Some(Value::Null),
        ];
        let mut count = 0;
        for depth in 0..=4 {
            for (i, &a) in ids.iter().enumerate() {
                let b = ids[(i * 7 + depth) % ids.len()];
                let levels = [a, b, b, a];
                let path = Path::new(&levels[..depth]).unwrap();
                for value in &values {
                    for time in [None, Some(-2.0), Some(1.5e9), Some(0.25)] {
                        let rec = Record {
                            path,
                            value: *value,
                            time,
                        };
                        // No base name, and a base name of every depth the path has.
                        let bases = (0..=depth).map(|k| {
                            Some(Base {
                                prefix: None,
                                levels: &levels[..k],
                            })
                        });
                        for base in core::iter::once(None).chain(bases) {
                            // As a later record, and as the first (with the base name).
                            for bn in [None, base] {
                                let mut general = Counter::new();
                                general_record(&mut general, &rec, bn, base).unwrap();
                                let mut want = [0u8; 128];
                                let mut s = Slice::new(&mut want);
                                general_record(&mut s, &rec, bn, base).unwrap();
                                assert_eq!(s.written(), general.0);
                                let want = &want[..general.0];
                                // In place (a window left), through the stack buffer (the
                                // record exactly fills the output), and in a short output.
                                for room in [128, general.0, general.0.saturating_sub(1)] {
                                    let mut got = [0u8; 128];
                                    let mut s = Slice::new(&mut got[..room]);
                                    let packed = packed_record(&mut s, &rec, bn, base);
                                    let n = s.written();
                                    let ctx = std::format!("{rec:?} {bn:?} {base:?} {room}");
                                    match packed {
                                        Ok(true) => {
                                            assert_eq!(&got[..n], want, "{ctx}");
                                            count += 1;
                                        }
                                        Ok(false) => assert_eq!(n, 0, "{ctx}"),
                                        Err(e) => {
                                            // Only a short output; as the general way stops.
                                            let mut again = [0u8; 128];
                                            let mut g = Slice::new(&mut again[..room]);
                                            let w = general_record(&mut g, &rec, bn, base);
                                            assert_eq!(Err(e), w, "{ctx}");
                                            assert_eq!(got, again, "{ctx}");
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Most records take the packed way (those with long names do not).
        assert!(count > 60_000, "{count}");
    }

    #[test]
    fn a_short_buffer_stops_where_the_general_way_stops() {
        let p = |l: &[u16]| Path::new(l).unwrap();
        let packs = [
            std::vec![
                Record::new(p(&[1, 0]), Value::Int(1)),
                Record::new(p(&[2, 0]), Value::Int(5)),
            ],
            std::vec![
                Record::new(
                    p(&[3, 0, 0]),
                    Value::Str(Text::Plain("Open Mobile Alliance"))
                ),
                Record::new(p(&[3, 0, 9]), Value::Int(100)),
                Record::new(p(&[3, 0, 7, 1]), Value::Int(-5000)),
                Record {
                    time: Some(1.5),
                    ..Record::new(p(&[3, 0, 13]), Value::Time(1_367_491_215))
                },
                Record::new(p(&[3, 0, 14]), Value::Str(Text::Plain("+02:00"))),
            ],
        ];
        for recs in &packs {
            let base = choose_base(recs).unwrap();
            let full = encoded_len(recs).unwrap();
            for n in 0..full {
                let mut got = [0xeeu8; 256];
                let e = encode(recs, &mut got[..n]).unwrap_err();
                let mut want = [0xeeu8; 256];
                let w = write_general(&mut Slice::new(&mut want[..n]), recs, base).unwrap_err();
                assert_eq!(e, w, "{n}");
                assert_eq!(e.reason, Reason::BufferTooSmall);
                assert_eq!(got, want, "{n}");
            }
        }
        // The second record of the first pack starts at 10; its map head fits in 11 bytes.
        let mut out = [0u8; 12];
        assert_eq!(encode(&packs[0], &mut out).unwrap_err().offset, 11);
    }

    /// The base name choice against trial encodings with and without it.
    fn choice_matches_trial(recs: &[Record<'_>]) {
        {
            let chosen = choose_base(recs).unwrap();
            // The best of "no base" and "the common base", by trial.
            let mut without = Counter::new();
            write(&mut without, recs, None).unwrap();
            let first = recs[0].path;
            let k = recs
                .iter()
                .map(|r| {
                    r.path
                        .levels()
                        .iter()
                        .zip(first.levels())
                        .take_while(|(a, b)| a == b)
                        .count()
                })
                .min()
                .unwrap();
            // The base stands above every record (none is named by the base name alone).
            let k = if recs.iter().any(|r| r.path.depth() == k) {
                match k.checked_sub(1) {
                    Some(k) => k,
                    None => {
                        assert!(chosen.is_none(), "{recs:?}");
                        return;
                    }
                }
            } else {
                k
            };
            let base = Base {
                prefix: first.prefix(),
                levels: &first.levels()[..k],
            };
            let mut with = Counter::new();
            write(&mut with, recs, Some(base)).unwrap();
            let better = (k > 0 || base.prefix.is_some()) && with.0 < without.0;
            assert_eq!(chosen.is_some(), better, "{recs:?}");
        }
    }

    #[test]
    fn encodes_with_a_base_name_when_shorter() {
        let recs = [
            Record::new(Path::resource(3, 0, 0), Value::Str(Text::Plain("OMA"))),
            Record::new(Path::resource(3, 0, 9), Value::Int(100)),
            Record::new(Path::resource_instance(3, 0, 7, 1), Value::Int(5000)),
        ];
        let mut out = [0u8; 64];
        let n = encode(&recs, &mut out).unwrap();
        assert_eq!(n, encoded_len(&recs).unwrap());
        let body = b"\x83\xa3\x21\x65/3/0/\x00\x610\x03\x63OMA\xa2\x00\x619\x02\x18\x64\xa2\x00\x637/1\x02\x19\x13\x88";
        assert_eq!(&out[..n], body);
        // One record: the full name is shorter than bn + n.
        let one = [Record::new(Path::resource(3, 0, 9), Value::Int(100)).at(1.5)];
        let n = encode(&one, &mut out).unwrap();
        assert_eq!(
            &out[..n],
            b"\x81\xa3\x00\x66/3/0/9\x02\x18\x64\x06\xf9\x3e\x00"
        );
        assert_eq!(all(&out[..n]).unwrap(), one);
        // Names only (a FETCH body), an object link, opaque bytes.
        let recs = [
            Record::path_only(Path::resource(3, 0, 9)),
            Record::new(Path::resource(3, 0, 10), Value::ObjLink(ObjLink::NULL)),
            Record::new(Path::resource(3, 0, 11), Value::Opaque(Opaque::Raw(&[1]))),
        ];
        let n = encode(&recs, &mut out).unwrap();
        assert_eq!(all(&out[..n]).unwrap(), recs);
        assert_eq!(
            encode(&recs, &mut out[..n - 1]).unwrap_err().reason,
            Reason::BufferTooSmall
        );
    }
}
