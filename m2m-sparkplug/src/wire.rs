//! The protobuf (proto2) wire format, read and written by hand for the Sparkplug B schema
//! (protobuf encoding guide; Sparkplug 3.0.0 §6.4 points to `sparkplug_b.proto`).
//!
//! [`Fields`] walks the fields of one message without allocating: each [`Field`] borrows its
//! length-delimited bytes; groups (wire types 3 and 4) are matched and handed over whole, so a
//! caller skips them as unknown fields. Varints are read by [`m2m_core::Reader::varint`] (at most
//! 10 bytes), nesting is bounded by [`MAX_DEPTH`].
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{BufferTooSmall, Reader, Writer, varint_from_word, varint_len};

use crate::error::Error;

/// Deepest nesting of messages (and groups) a view follows; deeper input is [`Error::Depth`].
/// A Sparkplug payload needs 5 levels (payload, metric, template, metric, dataset...) per level of
/// template nesting; 32 leaves room for templates nested several times.
pub const MAX_DEPTH: u8 = 32;

/// The value of one field, by wire type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireValue<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1 (fixed64, sfixed64, double), little-endian.
    I64(u64),
    /// Wire type 2 (string, bytes, embedded message, packed repeated).
    Len(&'a [u8]),
    /// Wire types 3..4: the bytes between the start and the end key of a group.
    Group(&'a [u8]),
    /// Wire type 5 (fixed32, sfixed32, float), little-endian.
    I32(u32),
}

impl WireValue<'_> {
    /// The wire type number.
    #[must_use]
    pub const fn wire_type(&self) -> u8 {
        match self {
            WireValue::Varint(_) => 0,
            WireValue::I64(_) => 1,
            WireValue::Len(_) => 2,
            WireValue::Group(_) => 3,
            WireValue::I32(_) => 5,
        }
    }
}

/// One field of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// Field number.
    pub number: u32,
    /// Its value.
    pub value: WireValue<'a>,
    /// The whole field as it was on the wire, key included (for a lossless relay of unknown fields).
    pub raw: &'a [u8],
    /// Offset of the key from the start of the payload.
    pub offset: usize,
}

impl<'a> Field<'a> {
    pub(crate) fn wire_type_error(&self) -> Error {
        Error::WireType {
            field: self.number,
            wire_type: self.value.wire_type(),
            offset: self.offset,
        }
    }

    /// Offset of the value (after the key and, for length-delimited values, the length).
    #[must_use]
    pub fn value_offset(&self) -> usize {
        let value_len = match self.value {
            WireValue::Len(b) | WireValue::Group(b) => b.len(),
            _ => 0,
        };
        // For groups the end key follows the content; the content starts after the start key.
        let tail = match self.value {
            WireValue::Group(_) => varint_len(u64::from(self.number) << 3),
            _ => 0,
        };
        self.offset
            .saturating_add(self.raw.len())
            .saturating_sub(value_len)
            .saturating_sub(tail)
    }

    /// A varint field (`uint32` fields take its low 32 bits, as protobuf does).
    #[inline]
    pub fn varint(&self) -> Result<u64, Error> {
        match self.value {
            WireValue::Varint(v) => Ok(v),
            _ => Err(self.wire_type_error()),
        }
    }

    /// A `uint32` field: the low 32 bits of the varint.
    #[inline]
    pub fn uint32(&self) -> Result<u32, Error> {
        // Truncation is protobuf's rule for 32-bit varint fields.
        #[allow(clippy::cast_possible_truncation)]
        self.varint().map(|v| v as u32)
    }

    /// A `bool` field: any non-zero varint is true.
    #[inline]
    pub fn bool(&self) -> Result<bool, Error> {
        self.varint().map(|v| v != 0)
    }

    /// A `float` field.
    #[inline]
    pub fn float(&self) -> Result<f32, Error> {
        match self.value {
            WireValue::I32(v) => Ok(f32::from_bits(v)),
            _ => Err(self.wire_type_error()),
        }
    }

    /// A `double` field.
    #[inline]
    pub fn double(&self) -> Result<f64, Error> {
        match self.value {
            WireValue::I64(v) => Ok(f64::from_bits(v)),
            _ => Err(self.wire_type_error()),
        }
    }

    /// A `bytes` field or embedded message.
    #[inline]
    pub fn bytes(&self) -> Result<&'a [u8], Error> {
        match self.value {
            WireValue::Len(b) => Ok(b),
            _ => Err(self.wire_type_error()),
        }
    }

    /// A `string` field, checked to be UTF-8.
    #[inline]
    pub fn str(&self) -> Result<&'a str, Error> {
        let b = self.bytes()?;
        core::str::from_utf8(b).map_err(|e| Error::Utf8 {
            field: self.number,
            offset: self.value_offset().saturating_add(e.valid_up_to()),
        })
    }
}

/// The fields of one message, in wire order. Stops after the first error.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    r: Reader<'a>,
    base: usize,
    depth: u8,
    failed: bool,
    /// Offset (in the message) of the last key read.
    key_at: usize,
}

impl<'a> Fields<'a> {
    /// The fields of `buf`, a message found at offset `base` of the payload, `depth` levels deep.
    #[must_use]
    pub const fn new(buf: &'a [u8], base: usize, depth: u8) -> Self {
        Fields {
            r: Reader::new(buf),
            base,
            depth,
            failed: false,
            key_at: 0,
        }
    }

    /// Whether the walk is over: every field read, or an error met.
    #[inline(always)]
    pub(crate) fn is_done(&self) -> bool {
        self.failed || self.r.is_empty()
    }

    /// Bytes read so far.
    #[inline(always)]
    pub(crate) fn position(&self) -> usize {
        self.r.position()
    }

    /// The next field when its key is the one byte `key` and its length one byte, its value
    /// whole: the value and its offset, the reader moved past it. `None` otherwise, and nothing
    /// read (a caller then reads the field the general way).
    #[inline(always)]
    pub(crate) fn fast_len(&mut self, key: u8) -> Option<(&'a [u8], usize)> {
        let rest = self.r.rest();
        let [k, len, ..] = *rest else {
            return None;
        };
        if k != key || len >= 0x80 {
            return None;
        }
        // A one-byte length plus 2, an offset within the payload: no overflow.
        let end = usize::from(len).wrapping_add(2);
        let value = rest.get(2..end)?;
        let at = self.r.position();
        self.r.skip(end).ok()?;
        self.key_at = at;
        Some((value, self.base.wrapping_add(at).wrapping_add(2)))
    }

    /// Skips the run of fields at the reader's position that [`Fields::fast_len`] would read
    /// one by one (key the one byte `key`, length one byte, value whole), keeping the
    /// position in a register: how many there were. The reader ends where `fast_len` would
    /// have left it.
    #[inline(always)]
    pub(crate) fn skip_fast_run(&mut self, key: u8) -> usize {
        let rest = self.r.rest();
        // The walk narrows a slice (no offsets to add up); `last` is the rest at the last key.
        let mut rem = rest;
        let mut last = rest;
        let mut n = 0usize;
        while let [k, len, ref tail @ ..] = *rem {
            if k != key || len >= 0x80 {
                break;
            }
            let Some(next) = tail.get(usize::from(len)..) else {
                break;
            };
            last = rem;
            rem = next;
            // At most one per two bytes of the message: no overflow.
            n = n.wrapping_add(1);
        }
        let pos = rest.len().saturating_sub(rem.len());
        if n > 0 && self.r.skip(pos).is_ok() {
            let key_at = rest.len().saturating_sub(last.len());
            self.key_at = self.r.position().saturating_sub(pos).saturating_add(key_at);
        }
        n
    }

    /// The message's bytes.
    #[inline(always)]
    pub(crate) fn input(&self) -> &'a [u8] {
        self.r.input()
    }

    /// Offset in the message of the last key read.
    #[inline(always)]
    pub(crate) fn key_position(&self) -> usize {
        self.key_at
    }

    /// Offset from the start of the payload of the next byte to read.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.base.saturating_add(self.r.position())
    }

    // ---- a lower-level walk for the hot paths: keys matched whole, values read by type ----

    /// The next key (field number << 3 | wire type); `None` at the end of the message.
    ///
    /// The key is not checked here: a caller matches the keys it knows whole (each of them is a
    /// valid key) and hands every other key to [`Fields::skip_value`], which checks it first, so a malformed key is the same error at the same offset as if it
    /// were checked here, and the keys of the schema cost no check.
    #[inline(always)]
    pub(crate) fn next_key(&mut self) -> Result<Option<u64>, Error> {
        if self.r.is_empty() {
            return Ok(None);
        }
        self.key_at = self.r.position();
        match self.r.varint() {
            Ok(k) => Ok(Some(k)),
            Err(e) => Err(Error::from(e).at(self.base)),
        }
    }

    /// Checks a key read by [`Fields::next_key`]: a field number in `1..2^29`, a wire type
    /// below 6.
    #[inline]
    fn check_key(&self, key: u64) -> Result<(), Error> {
        let number = key >> 3;
        if number == 0 || number >= (1 << 29) || key & 7 >= 6 {
            return Err(self.key_error(self.key_at));
        }
        Ok(())
    }

    /// Offset in the payload of the last key read.
    #[inline(always)]
    pub(crate) fn key_offset(&self) -> usize {
        self.base.saturating_add(self.key_at)
    }

    /// A varint value. One byte, or up to 8 with 8 at hand (timestamps), is read inline.
    #[inline(always)]
    pub(crate) fn read_varint(&mut self) -> Result<u64, Error> {
        let rest = self.r.rest();
        if let Some(&b) = rest.first() {
            let word = if b < 0x80 {
                Some((u64::from(b), 1))
            } else {
                rest.first_chunk::<8>().and_then(varint_from_word)
            };
            // The length is at most 8 and within `rest`, so the skip succeeds.
            if let Some((v, len)) = word {
                if self.r.skip(len).is_ok() {
                    return Ok(v);
                }
            }
        }
        match self.r.varint() {
            Ok(v) => Ok(v),
            Err(e) => Err(Error::from(e).at(self.base)),
        }
    }

    /// A fixed32 value.
    #[inline(always)]
    pub(crate) fn read_fixed32(&mut self) -> Result<u32, Error> {
        self.r.u32_le().map_err(|e| Error::from(e).at(self.base))
    }

    /// A fixed64 value.
    #[inline(always)]
    pub(crate) fn read_fixed64(&mut self) -> Result<u64, Error> {
        self.r.u64_le().map_err(|e| Error::from(e).at(self.base))
    }

    /// A length-delimited value and its offset in the payload.
    #[inline(always)]
    pub(crate) fn read_len(&mut self) -> Result<(&'a [u8], usize), Error> {
        let len = self.len()?;
        let at = self.base.saturating_add(self.r.position());
        match self.r.take(len) {
            Ok(b) => Ok((b, at)),
            Err(e) => Err(Error::from(e).at(self.base)),
        }
    }

    /// A `string` value of field `number`, checked to be UTF-8.
    #[inline(always)]
    pub(crate) fn read_str(&mut self, number: u32) -> Result<&'a str, Error> {
        let (b, at) = self.read_len()?;
        core::str::from_utf8(b).map_err(|e| Error::Utf8 {
            field: number,
            offset: at.saturating_add(e.valid_up_to()),
        })
    }

    /// The field just read whole, key included, and the offset of its key in the payload.
    #[inline(always)]
    pub(crate) fn last_field(&self) -> (&'a [u8], usize) {
        let raw = self.r.input().get(self.key_at..self.r.position());
        (raw.unwrap_or_default(), self.key_offset())
    }

    /// An embedded message: its bytes, offset and depth.
    #[inline(always)]
    pub(crate) fn read_msg(&mut self) -> Result<(&'a [u8], usize, u8), Error> {
        let depth = deeper(self.depth, self.key_offset())?;
        let (b, at) = self.read_len()?;
        Ok((b, at, depth))
    }

    /// Checks `key` (see [`Fields::next_key`]) and skips its value: how every field the caller
    /// does not match is passed, a field of the schema with another wire type than the schema's
    /// included (skipped as an unknown field, as protoc's C++, Java, Python and Go runtimes do;
    /// prost reports an error instead).
    #[inline]
    pub(crate) fn skip_value(&mut self, key: u64) -> Result<(), Error> {
        self.check_key(key)?;
        match key & 7 {
            0 => self.read_varint().map(|_| ()),
            1 => self.read_fixed64().map(|_| ()),
            2 => self.read_len().map(|_| ()),
            5 => self.read_fixed32().map(|_| ()),
            // Both fit: the key was checked by `check_key`.
            #[allow(clippy::cast_possible_truncation)]
            wt => self
                .group_field((key >> 3) as u32, wt as u8, self.key_at)
                .map(|_| ()),
        }
    }

    #[inline(always)]
    fn key(&mut self) -> Result<(u32, u8), Error> {
        let at = self.r.position();
        let key = match self.r.varint() {
            Ok(k) => k,
            Err(e) => return Err(Error::from(e).at(self.base)),
        };
        // The low three bits are the wire type; the mask makes the cast exact.
        #[allow(clippy::cast_possible_truncation)]
        let wire_type = (key & 7) as u8;
        match u32::try_from(key >> 3) {
            Ok(n) if n != 0 && n < (1 << 29) && wire_type < 6 => Ok((n, wire_type)),
            _ => Err(self.key_error(at)),
        }
    }

    #[cold]
    fn key_error(&self, at: usize) -> Error {
        Error::Key {
            offset: self.base.saturating_add(at),
        }
    }

    /// Skips a group whose start key was just read; returns its content.
    #[cold]
    #[inline(never)]
    fn group(&mut self, number: u32) -> Result<&'a [u8], Error> {
        let start = self.r.position();
        // The field numbers of the groups open inside this one: each end key must name the
        // innermost (protobuf encoding, "Groups").
        let mut inner = [0u32; MAX_DEPTH as usize];
        let mut open: usize = 0;
        loop {
            let key_at = self.r.position();
            let (n, wt) = self.key()?;
            match wt {
                0 => {
                    self.r.varint().map_err(|e| Error::from(e).at(self.base))?;
                }
                1 => self.r.skip(8).map_err(|e| Error::from(e).at(self.base))?,
                2 => {
                    let len = self.len()?;
                    self.r.skip(len).map_err(|e| Error::from(e).at(self.base))?;
                }
                3 => {
                    let depth = open
                        .saturating_add(2)
                        .saturating_add(usize::from(self.depth));
                    let slot = inner
                        .get_mut(open)
                        .filter(|_| depth <= usize::from(MAX_DEPTH));
                    let Some(slot) = slot else {
                        return Err(Error::Depth {
                            offset: self.base.saturating_add(key_at),
                        });
                    };
                    *slot = n;
                    open = open.saturating_add(1);
                }
                4 => {
                    let group_error = Error::Group {
                        offset: self.base.saturating_add(key_at),
                    };
                    let Some(last) = open.checked_sub(1) else {
                        if n != number {
                            return Err(group_error);
                        }
                        return self.r.input().get(start..key_at).ok_or(group_error);
                    };
                    if inner.get(last) != Some(&n) {
                        return Err(group_error);
                    }
                    open = last;
                }
                _ => self.r.skip(4).map_err(|e| Error::from(e).at(self.base))?,
            }
        }
    }

    #[inline(always)]
    fn len(&mut self) -> Result<usize, Error> {
        let at = self.r.position();
        match self.r.varint() {
            Ok(len) => usize::try_from(len).map_err(|_| Error::Truncated {
                offset: self.base.saturating_add(at),
                needed: usize::MAX,
            }),
            Err(e) => Err(Error::from(e).at(self.base)),
        }
    }

    #[inline(always)]
    fn field(&mut self) -> Result<Field<'a>, Error> {
        let start = self.r.position();
        let (number, wt) = self.key()?;
        let value = match wt {
            2 => {
                let len = self.len()?;
                match self.r.take(len) {
                    Ok(b) => WireValue::Len(b),
                    Err(e) => return Err(Error::from(e).at(self.base)),
                }
            }
            0 => match self.r.varint() {
                Ok(v) => WireValue::Varint(v),
                Err(e) => return Err(Error::from(e).at(self.base)),
            },
            1 => match self.r.u64_le() {
                Ok(v) => WireValue::I64(v),
                Err(e) => return Err(Error::from(e).at(self.base)),
            },
            5 => match self.r.u32_le() {
                Ok(v) => WireValue::I32(v),
                Err(e) => return Err(Error::from(e).at(self.base)),
            },
            _ => self.group_field(number, wt, start)?,
        };
        let raw = self
            .r
            .input()
            .get(start..self.r.position())
            .unwrap_or_default();
        Ok(Field {
            number,
            value,
            raw,
            offset: self.base.saturating_add(start),
        })
    }

    /// Wire types 3 (a group, skipped whole) and 4 (an end without a start).
    #[cold]
    #[inline(never)]
    fn group_field(&mut self, number: u32, wt: u8, start: usize) -> Result<WireValue<'a>, Error> {
        if wt == 4 {
            return Err(Error::Group {
                offset: self.base.saturating_add(start),
            });
        }
        if self.depth >= MAX_DEPTH {
            return Err(Error::Depth {
                offset: self.base.saturating_add(start),
            });
        }
        self.group(number).map(WireValue::Group)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        #[cfg(test)]
        visits::bump();
        let f = self.field();
        self.failed = f.is_err();
        Some(f)
    }
}

/// The elements of a repeated varint field, packed (one length-delimited run) or not.
#[derive(Debug, Clone)]
pub struct PackedVarints<'a> {
    r: Reader<'a>,
    base: usize,
    failed: bool,
}

impl<'a> PackedVarints<'a> {
    /// The varints in `buf` (a packed run found at offset `base`).
    #[must_use]
    pub const fn new(buf: &'a [u8], base: usize) -> Self {
        PackedVarints {
            r: Reader::new(buf),
            base,
            failed: false,
        }
    }
}

impl Iterator for PackedVarints<'_> {
    type Item = Result<u64, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        let v = self.r.varint().map_err(|e| Error::from(e).at(self.base));
        self.failed = v.is_err();
        Some(v)
    }
}

/// [`varint_at`] for a field whose values are mostly below 2^14 (aliases): one or two bytes
/// are read by hand first.
#[inline(always)]
pub(crate) fn short_varint_at(buf: &[u8], at: usize) -> Option<(u64, usize)> {
    match buf.get(at..) {
        // `at` is within `buf` (a byte was read there): no overflow.
        Some(&[b0 @ 0..=0x7f, ..]) => Some((u64::from(b0), at.wrapping_add(1))),
        Some(&[b0, b1 @ 0..=0x7f, ..]) => {
            let v = u64::from(b0 & 0x7f) | (u64::from(b1) << 7);
            Some((v, at.wrapping_add(2)))
        }
        _ => varint_at(buf, at),
    }
}

/// [`varint_at`] for a field whose values mostly take six bytes (millisecond timestamps of
/// this era, 2^35 to 2^42): the length is then a constant of the code, not a result of the
/// word's bits, so the fields after it are found without waiting for the decode.
#[inline(always)]
pub(crate) fn six_byte_varint_at(buf: &[u8], at: usize) -> Option<(u64, usize)> {
    if let Some(word) = buf.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        if u64::from_le_bytes(*word) & 0x0000_8080_8080_8080 == 0x0000_0080_8080_8080 {
            if let Some((v, _)) = varint_from_word(word) {
                // `at` is within `buf` (8 bytes were read there): no overflow.
                return Some((v, at.wrapping_add(6)));
            }
        }
    }
    varint_at(buf, at)
}

/// The varint at `at` in `buf` and the offset after it; `None` where [`Reader::varint`] fails
/// (a caller then reads the field the general way, which reports the error).
#[inline(always)]
pub(crate) fn varint_at(buf: &[u8], at: usize) -> Option<(u64, usize)> {
    match buf.get(at) {
        // `at` is within `buf` (a byte was read there), the lengths at most 10: no overflow.
        Some(&b) if b < 0x80 => Some((u64::from(b), at.wrapping_add(1))),
        _ => {
            let rest = buf.get(at..)?;
            // Up to 8 bytes (timestamps, most aliases and values) inline, from one word.
            let Some(word) = rest.first_chunk::<8>() else {
                return varint_end(buf, rest.len(), at);
            };
            if let Some((v, len)) = varint_from_word(word) {
                return Some((v, at.wrapping_add(len)));
            }
            let mut r = Reader::new(rest);
            let v = r.varint().ok()?;
            Some((v, at.saturating_add(r.position())))
        }
    }
}

/// The varint at `at` in `buf` when fewer than 8 bytes (`left`, the length of `buf[at..]`)
/// are left from it (a value at the end of a message), read from one word: the last 8 bytes
/// of `buf`, shifted so that `buf[at]` is the low byte, the bytes shifted in with their
/// continuation bit set, so that a varint not ended within `buf` is not ended within the word
/// either (`None`, cut short). Below 8 bytes a varint cannot be overlong, so this agrees with
/// [`Reader::varint`]. A `buf` of fewer than 8 bytes is read byte by byte.
#[inline(always)]
fn varint_end(buf: &[u8], left: usize, at: usize) -> Option<(u64, usize)> {
    let (Some(last), 1..=7) = (buf.last_chunk::<8>(), left) else {
        return varint_tail(buf.get(at..)?, at);
    };
    // left is 1..=7: the shifts are 8..=56.
    let keep = u64::from_le_bytes(*last) >> (64usize.saturating_sub(left.saturating_mul(8)));
    let word = keep | (0x8080_8080_8080_8080u64 << left.saturating_mul(8));
    let (v, len) = varint_from_word(&word.to_le_bytes())?;
    // `at` is within `buf` and `len` at most 7: no overflow.
    Some((v, at.wrapping_add(len)))
}

/// The varint at the start of `rest`, fewer than 8 bytes (a value at the end of a message),
/// read byte by byte inline, and the offset after it counted from `at`; `None` when it does
/// not end within them (truncated: the caller's general path reports it). Below 8 bytes a
/// varint cannot be overlong, so this agrees with [`Reader::varint`].
#[inline(always)]
fn varint_tail(rest: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    let mut shift = 0u32;
    for (i, &b) in rest.iter().take(7).enumerate() {
        // At most 7 bytes: the shift stays below 49.
        v |= u64::from(b & 0x7f) << shift;
        shift = shift.saturating_add(7);
        if b < 0x80 {
            return Some((v, at.saturating_add(i).saturating_add(1)));
        }
    }
    None
}

/// Checks `depth + 1` against [`MAX_DEPTH`] for a message nested at `offset`.
#[inline]
pub(crate) fn deeper(depth: u8, offset: usize) -> Result<u8, Error> {
    match depth.checked_add(1) {
        Some(d) if d <= MAX_DEPTH => Ok(d),
        _ => Err(Error::Depth { offset }),
    }
}

// ---- writing ----------------------------------------------------------------------------------

/// Bytes of the key of field `number`.
#[inline]
#[must_use]
pub const fn key_len(number: u32) -> usize {
    varint_len((number as u64) << 3)
}

/// Bytes of a varint field.
#[inline]
#[must_use]
pub const fn varint_field_len(number: u32, v: u64) -> usize {
    key_len(number).saturating_add(varint_len(v))
}

/// Bytes of a length-delimited field whose content is `len` bytes.
#[inline]
#[must_use]
pub const fn len_field_len(number: u32, len: usize) -> usize {
    key_len(number)
        .saturating_add(varint_len(len as u64))
        .saturating_add(len)
}

/// Writes a key.
#[inline]
pub fn put_key(w: &mut Writer<'_>, number: u32, wire_type: u8) -> Result<(), BufferTooSmall> {
    w.varint((u64::from(number) << 3) | u64::from(wire_type & 7))
}

/// Writes a varint field.
#[inline]
pub fn put_varint(w: &mut Writer<'_>, number: u32, v: u64) -> Result<(), BufferTooSmall> {
    put_key(w, number, 0)?;
    w.varint(v)
}

/// Writes a `float` field.
#[inline]
pub fn put_float(w: &mut Writer<'_>, number: u32, v: f32) -> Result<(), BufferTooSmall> {
    put_key(w, number, 5)?;
    w.u32_le(v.to_bits())
}

/// Writes a `double` field.
#[inline]
pub fn put_double(w: &mut Writer<'_>, number: u32, v: f64) -> Result<(), BufferTooSmall> {
    put_key(w, number, 1)?;
    w.u64_le(v.to_bits())
}

/// Writes the key and length of a length-delimited field; the caller writes `len` bytes next.
#[inline]
pub fn put_len(w: &mut Writer<'_>, number: u32, len: usize) -> Result<(), BufferTooSmall> {
    put_key(w, number, 2)?;
    w.varint(len as u64)
}

/// Writes a length-delimited field.
#[inline]
pub fn put_bytes(w: &mut Writer<'_>, number: u32, b: &[u8]) -> Result<(), BufferTooSmall> {
    put_len(w, number, b.len())?;
    w.put(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    fn fields(buf: &[u8]) -> Vec<Result<Field<'_>, Error>> {
        Fields::new(buf, 0, 0).collect()
    }

    #[test]
    fn reads_every_wire_type() {
        // 08 96 01: field 1 varint 150 (protobuf encoding guide); 11 <8>: field 2 fixed64;
        // 1a 03 'abc': field 3 bytes; 25 <4>: field 4 fixed32; 2b 08 01 2c: field 5 group holding 1:1.
        let buf = [
            0x08, 0x96, 0x01, 0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0x1a, 3, b'a', b'b', b'c', 0x25, 2, 0,
            0, 0, 0x2b, 0x08, 0x01, 0x2c,
        ];
        let f = fields(&buf);
        let f: Vec<_> = f.into_iter().map(Result::unwrap).collect();
        assert_eq!(f[0].number, 1);
        assert_eq!(f[0].varint(), Ok(150));
        assert_eq!(f[0].raw, &[0x08, 0x96, 0x01]);
        assert_eq!(f[1].value, WireValue::I64(1));
        assert_eq!(f[2].str(), Ok("abc"));
        assert_eq!(f[2].value_offset(), 14);
        assert_eq!(f[3].value, WireValue::I32(2));
        assert_eq!(f[4].value, WireValue::Group(&[0x08, 0x01]));
        assert_eq!(f[4].offset, 22);
        assert_eq!(f[4].value_offset(), 23);
        assert_eq!(
            f[2].varint(),
            Err(Error::WireType {
                field: 3,
                wire_type: 2,
                offset: 12
            })
        );
    }

    #[test]
    fn rejects_bad_keys_groups_and_lengths() {
        for (buf, err) in [
            (&[0x00u8, 0x00][..], Error::Key { offset: 0 }),
            (&[0x0e, 0x00], Error::Key { offset: 0 }), // wire type 6
            (&[0x0c], Error::Group { offset: 0 }),     // end group alone
            (&[0x0b, 0x14], Error::Group { offset: 1 }), // group 1 ended by group 2
            // Group 6 holding group 7 ended by group 8: each end names its own group.
            (&[0x33, 0x3b, 0x44, 0x34], Error::Group { offset: 2 }),
            (&[0x33, 0x3b, 0x34, 0x3c], Error::Group { offset: 2 }),
            (
                &[0x33, 0x3b, 0x4b, 0x4c, 0x34, 0x3c],
                Error::Group { offset: 4 },
            ),
            (
                &[0x0b, 0x08],
                Error::Truncated {
                    offset: 2,
                    needed: 1,
                },
            ),
            (
                &[0x0a, 0x05, 0x01],
                Error::Truncated {
                    offset: 2,
                    needed: 4,
                },
            ),
            (
                &[0x0a, 0x80],
                Error::Truncated {
                    offset: 1,
                    needed: 1,
                },
            ),
            (
                &[
                    0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                ],
                Error::Varint { offset: 1 },
            ),
        ] {
            let f = fields(buf);
            assert_eq!(f.last(), Some(&Err(err)), "{buf:02x?}");
        }
        let bad_utf8 = [0x0a, 0x02, b'a', 0xff];
        let f = Fields::new(&bad_utf8, 10, 0).next().unwrap().unwrap();
        assert_eq!(
            f.str(),
            Err(Error::Utf8 {
                field: 1,
                offset: 13
            })
        );
    }

    #[test]
    fn bounds_group_nesting() {
        let mut deep = vec![0x0bu8; 40];
        deep.extend([0x0c; 40]);
        assert!(matches!(
            fields(&deep).last(),
            Some(Err(Error::Depth { .. }))
        ));
        let mut ok = vec![0x0bu8; 10];
        ok.extend([0x0c; 10]);
        assert!(fields(&ok).iter().all(Result::is_ok));
        // Nested groups of different numbers, closed in order; the deepest allowed.
        let ok = [0x33, 0x3b, 0x4b, 0x08, 0x01, 0x4c, 0x3c, 0x34, 0x08, 0x02];
        assert_eq!(fields(&ok).len(), 2);
        assert!(fields(&ok).iter().all(Result::is_ok));
        let mut deepest = vec![0x0bu8; usize::from(MAX_DEPTH)];
        deepest.extend([0x0c; MAX_DEPTH as usize]);
        assert!(
            fields(&deepest).iter().all(Result::is_ok),
            "{:?}",
            fields(&deepest).last()
        );
        let mut deeper = vec![0x0bu8; usize::from(MAX_DEPTH) + 1];
        deeper.extend([0x0c; MAX_DEPTH as usize + 1]);
        assert!(matches!(
            fields(&deeper).last(),
            Some(Err(Error::Depth { .. }))
        ));
    }

    #[test]
    fn fast_len_agrees_with_general_reads() {
        let inputs: [&[u8]; 9] = [
            &[0x12, 0x02, 0x08, 0x01, 0x18, 0x00],
            &[0x12, 0x00],
            &[0x12, 0x03, 0x08, 0x01],
            &[0x12],
            &[0x12, 0x80, 0x01, 0x00],
            &[0x1a, 0x01, 0x00],
            &[0x92, 0x01, 0x00],
            &[],
            &[0x12, 0x7f],
        ];
        for buf in inputs {
            for depth in [0, MAX_DEPTH] {
                let mut fast = Fields::new(buf, 5, depth);
                let mut general = Fields::new(buf, 5, depth);
                if let Some(got) = fast.fast_len(0x12) {
                    assert_eq!(general.next_key(), Ok(Some(0x12)));
                    assert_eq!(general.read_len(), Ok(got));
                    assert_eq!(fast.position(), general.position());
                } else {
                    assert_eq!(fast.position(), 0);
                }
            }
        }
    }

    #[test]
    fn fast_runs_are_fast_len_repeated() {
        let inputs: [&[u8]; 8] = [
            &[
                0x12, 0x02, 0x08, 0x01, 0x12, 0x00, 0x12, 0x01, 0x00, 0x18, 0x00,
            ],
            &[0x12, 0x00, 0x12, 0x00, 0x12],
            &[0x12, 0x03, 0x08, 0x01],
            &[0x12, 0x01, 0x00, 0x12, 0x80, 0x01, 0x00],
            &[0x08, 0x01, 0x12, 0x00],
            &[0x12, 0x7f],
            &[0x12, 0x01, 0x00, 0x1a, 0x01, 0x00],
            &[],
        ];
        for buf in inputs {
            for start in 0..=buf.len() {
                let mut run = Fields::new(buf, 5, 0);
                let mut one = Fields::new(buf, 5, 0);
                run.r.skip(start).unwrap();
                one.r.skip(start).unwrap();
                let mut n = 0;
                while one.fast_len(0x12).is_some() {
                    n += 1;
                }
                assert_eq!(run.skip_fast_run(0x12), n, "{buf:02x?} {start}");
                assert_eq!(run.position(), one.position(), "{buf:02x?} {start}");
                assert_eq!(run.key_offset(), one.key_offset(), "{buf:02x?} {start}");
            }
        }
    }

    #[test]
    fn varint_at_agrees_with_the_reader() {
        // Every varint length 1..=10, then 0 to 9 more bytes, read at offsets 0 and 3: the
        // word path, the tail path (fewer than 8 bytes left) and the reader's must agree, on
        // every prefix too (truncated: None where the reader fails).
        for len in 1..=10usize {
            for last in [0x00u8, 0x01, 0x7f] {
                let mut v = std::vec![0x80u8 | 0x35; len - 1];
                v.push(last);
                for extra in 0..=9 {
                    let mut buf = std::vec![0x0au8, 0x0b, 0x0c];
                    buf.extend_from_slice(&v);
                    buf.extend(core::iter::repeat_n(0x7e, extra));
                    for end in 3..=buf.len() {
                        for at in [0usize, 3] {
                            let b = &buf[..end];
                            let mut r = Reader::new(&b[at..]);
                            let want = r.varint().ok().map(|x| (x, at + r.position()));
                            assert_eq!(varint_at(b, at), want, "{b:02x?} {at}");
                            assert_eq!(short_varint_at(b, at), want, "{b:02x?} {at}");
                        }
                    }
                }
            }
        }
        // Fields::read_varint (one byte and the word inline) agrees with the reader too.
        for len in 1..=11usize {
            for last in [0x00u8, 0x01, 0x02, 0x7f] {
                let mut v = std::vec![0xffu8; len - 1];
                v.push(last);
                for extra in [0usize, 1, 7, 9] {
                    let mut buf = v.clone();
                    buf.extend(core::iter::repeat_n(0x81, extra));
                    for end in 1..=buf.len() {
                        let b = &buf[..end];
                        let mut r = Reader::new(b);
                        let want = r.varint().map(|x| (x, r.position()));
                        let mut f = Fields::new(b, 4, 0);
                        let got = f.read_varint().map(|x| (x, f.position()));
                        match want {
                            Ok(w) => assert_eq!(got, Ok(w), "{b:02x?}"),
                            Err(e) => assert_eq!(got, Err(Error::from(e).at(4)), "{b:02x?}"),
                        }
                    }
                }
            }
        }
        assert_eq!(varint_at(&[0x01], 1), None);
        assert_eq!(varint_at(&[0x01], 5), None);
    }

    #[test]
    #[allow(clippy::cast_possible_truncation)] // random bytes
    fn varint_at_the_end_of_a_message_agrees_with_the_reader() {
        // Messages of 0 to 20 random bytes (high bits set more often than not, so varints of
        // every length end, or do not, at every distance from the end), read at every offset:
        // the one-word read of the last bytes (`varint_end`) must agree with the reader.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..4000 {
            let mut buf = Vec::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 21) as usize;
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let b = (x >> 24) as u8;
                buf.push(if x & 3 == 0 { b & 0x7f } else { b | 0x80 });
            }
            for at in 0..=len + 1 {
                let want = buf.get(at..).and_then(|rest| {
                    let mut r = Reader::new(rest);
                    r.varint().ok().map(|v| (v, at + r.position()))
                });
                assert_eq!(varint_at(&buf, at), want, "{buf:02x?} {at}");
                assert_eq!(short_varint_at(&buf, at), want, "{buf:02x?} {at}");
                assert_eq!(six_byte_varint_at(&buf, at), want, "{buf:02x?} {at}");
            }
        }
    }

    #[test]
    fn six_byte_varints_agree_with_the_reader() {
        // Varints of every length around six bytes (and timestamps of this era), with and
        // without bytes after them, at offsets 0 and 2, on every prefix.
        let mut values = std::vec![0u64, 1, 127, 128, 1 << 34, (1 << 35) - 1, 1 << 35];
        values.extend([1_700_000_000_000, (1 << 42) - 1, 1 << 42, u64::MAX]);
        for v in values {
            let mut w = [0u8; 10];
            let k = {
                let mut wr = Writer::new(&mut w);
                wr.varint(v).unwrap();
                wr.finish()
            };
            for extra in [0usize, 1, 2, 5, 8] {
                let mut buf = std::vec![0x18u8, 0x7f];
                buf.extend_from_slice(&w[..k]);
                buf.extend(core::iter::repeat_n(0x90, extra));
                for end in 0..=buf.len() {
                    let b = &buf[..end];
                    for at in [0usize, 2] {
                        let want = b.get(at..).and_then(|rest| {
                            let mut r = Reader::new(rest);
                            r.varint().ok().map(|x| (x, at + r.position()))
                        });
                        assert_eq!(six_byte_varint_at(b, at), want, "{b:02x?} {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn packed_varints() {
        let v: Vec<_> = PackedVarints::new(&[0x01, 0x96, 0x01, 0x0c], 0)
            .map(Result::unwrap)
            .collect();
        assert_eq!(v, [1, 150, 12]);
        let e: Vec<_> = PackedVarints::new(&[0x01, 0x96], 5).collect();
        assert_eq!(
            e[1],
            Err(Error::Truncated {
                offset: 6,
                needed: 1
            })
        );
    }

    #[test]
    fn writes_fields() {
        let mut buf = [0u8; 32];
        let mut w = Writer::new(&mut buf);
        put_varint(&mut w, 1, 150).unwrap();
        put_bytes(&mut w, 16, b"xy").unwrap();
        put_float(&mut w, 12, 1.0).unwrap();
        put_double(&mut w, 13, 1.0).unwrap();
        let n = w.position();
        assert_eq!(
            n,
            varint_field_len(1, 150) + len_field_len(16, 2) + key_len(12) + 4 + key_len(13) + 8
        );
        assert_eq!(
            &buf[..n],
            &[
                0x08, 0x96, 0x01, 0x82, 0x01, 0x02, b'x', b'y', 0x65, 0, 0, 0x80, 0x3f, 0x69, 0, 0,
                0, 0, 0, 0, 0xf0, 0x3f
            ]
        );
    }
}

/// The number of fields (and top-level metrics, read whole by a faster path) read on this
/// thread, so that tests can count the work a walk does.
#[cfg(test)]
pub(crate) mod visits {
    use core::cell::Cell;

    std::thread_local! {
        static FIELDS: Cell<u64> = const { Cell::new(0) };
    }

    pub(crate) fn bump() {
        FIELDS.with(|c| c.set(c.get().saturating_add(1)));
    }

    /// The fields and metrics read on this thread by `f`.
    pub(crate) fn during(f: impl FnOnce()) -> u64 {
        let before = FIELDS.with(Cell::get);
        f();
        FIELDS.with(Cell::get).saturating_sub(before)
    }
}
