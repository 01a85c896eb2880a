//! The protobuf (proto2) wire format, read and written by hand for the Sparkplug B schema
//! (protobuf encoding guide; Sparkplug 3.0.0 §6.4 points to `sparkplug_b.proto`).
//!
//! [`Fields`] walks the fields of one message without allocating: each [`Field`] borrows its
//! length-delimited bytes; groups (wire types 3 and 4) are matched and handed over whole, so a
//! caller skips them as unknown fields. Varints are read by [`m2m_core::Reader::varint`] (at most
//! 10 bytes), nesting is bounded by [`MAX_DEPTH`].
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Reader, varint_from_word, varint_len};

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

/// Checks `depth + 1` against [`MAX_DEPTH`] for a message nested at `offset`.
#[inline]
pub(crate) fn deeper(depth: u8, offset: usize) -> Result<u8, Error> {
    match depth.checked_add(1) {
        Some(d) if d <= MAX_DEPTH => Ok(d),
        _ => Err(Error::Depth { offset }),
    }
}

mod varint;
mod write;

pub(crate) use varint::{short_varint_at, six_byte_varint_at, varint_at};
pub use write::{
    key_len, len_field_len, put_bytes, put_double, put_float, put_key, put_len, put_varint,
    varint_field_len,
};

#[cfg(test)]
mod tests;

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
