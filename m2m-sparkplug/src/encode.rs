//! The encoder of [`Payload`] and its parts (Sparkplug 3.0.0 §6.4,
//! `sparkplug_b.proto`): lengths first, then one pass into a caller's buffer, no allocation.
//! Fields go in field-number order; values into the `oneof` member their datatype names (see
//! [`crate::repr`] for the choices on signed integers and UInt32).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Writer, varint_word};

use crate::datatype::DataType;
use crate::error::Error;
use crate::repr::{
    DataSet, EncodeOptions, MetaData, Metric, MetricValue, Parameter, Payload, PropertySet,
    PropertyValue, Raw, Row, Str, Template, Uint32Field,
};
use crate::wire::{
    key_len, len_field_len, put_bytes, put_double, put_float, put_len, put_varint, varint_field_len,
};

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

mod nested;
use nested::metric_levels;

// ---- encoding ---------------------------------------------------------------------------------

/// The `oneof value` layouts (see `payload::Oneof`): the field number of `int_value`, and of the
/// members after the six scalars.
#[derive(Clone, Copy)]
enum Layout {
    Metric,
    Property,
    Parameter,
    Cell,
}

impl Layout {
    const fn first(self) -> u32 {
        match self {
            Layout::Metric => 10,
            Layout::Property | Layout::Parameter => 3,
            Layout::Cell => 1,
        }
    }
    const fn extension(self) -> u32 {
        match self {
            Layout::Metric => 19,
            Layout::Property => 11,
            Layout::Parameter => 9,
            Layout::Cell => 7,
        }
    }
}

/// Where a value goes: which member, and how it is written.
enum Wire<'v, 'a> {
    Varint(u32, u64),
    Float(u32, f32),
    Double(u32, f64),
    /// A length-delimited member: bytes, a string, an array or a nested message.
    Len(u32, Body<'v, 'a>),
}

enum Body<'v, 'a> {
    Bytes(&'v [u8]),
    Array(&'v MetricValue<'a>),
    DataSet(&'v DataSet<'a>),
    Template(&'v Template<'a>),
    PropertySet(&'v PropertySet<'a>),
    PropertySetList(&'v [PropertySet<'a>]),
}

impl Body<'_, '_> {
    fn len(&self) -> usize {
        match self {
            Body::Bytes(b) => b.len(),
            Body::Array(v) => v.array_len(),
            Body::DataSet(d) => d.len(),
            Body::Template(t) => t.len(),
            Body::PropertySet(p) => p.len(),
            Body::PropertySetList(l) => l
                .iter()
                .fold(0usize, |a, p| a.saturating_add(len_field_len(1, p.len()))),
        }
    }

    fn write(&self, w: &mut Writer<'_>, o: &EncodeOptions) -> Result<(), Error> {
        match self {
            Body::Bytes(b) => w.put(b)?,
            Body::Array(v) => v.write_array(w)?,
            Body::DataSet(d) => d.write(w, o)?,
            Body::Template(t) => t.write(w, o)?,
            Body::PropertySet(p) => p.write(w, o)?,
            Body::PropertySetList(l) => {
                for p in l.iter() {
                    put_len(w, 1, p.len())?;
                    p.write(w, o)?;
                }
            }
        }
        Ok(())
    }
}

fn n(first: u32, i: u32) -> u32 {
    first.saturating_add(i)
}

/// Sign extension of a signed value to 32 bits, as Tahu Java writes Int8/16/32.
#[allow(clippy::cast_sign_loss)]
fn sext(v: i32) -> u64 {
    u64::from(v as u32)
}

impl<'a> MetricValue<'a> {
    /// The datatype of a typed value (`None` for [`MetricValue::Raw`]).
    #[must_use]
    pub fn datatype(&self) -> Option<DataType> {
        use MetricValue as V;
        Some(match self {
            V::Int8(_) => DataType::Int8,
            V::Int16(_) => DataType::Int16,
            V::Int32(_) => DataType::Int32,
            V::Int64(_) => DataType::Int64,
            V::UInt8(_) => DataType::UInt8,
            V::UInt16(_) => DataType::UInt16,
            V::UInt32(_) => DataType::UInt32,
            V::UInt64(_) => DataType::UInt64,
            V::Float(_) => DataType::Float,
            V::Double(_) => DataType::Double,
            V::Boolean(_) => DataType::Boolean,
            V::String(_) => DataType::String,
            V::DateTime(_) => DataType::DateTime,
            V::Text(_) => DataType::Text,
            V::Uuid(_) => DataType::Uuid,
            V::DataSet(_) => DataType::DataSet,
            V::Bytes(_) => DataType::Bytes,
            V::File(_) => DataType::File,
            V::Template(_) => DataType::Template,
            V::PropertySet(_) => DataType::PropertySet,
            V::PropertySetList(_) => DataType::PropertySetList,
            V::Int8Array(_) => DataType::Int8Array,
            V::Int16Array(_) => DataType::Int16Array,
            V::Int32Array(_) => DataType::Int32Array,
            V::Int64Array(_) => DataType::Int64Array,
            V::UInt8Array(_) => DataType::UInt8Array,
            V::UInt16Array(_) => DataType::UInt16Array,
            V::UInt32Array(_) => DataType::UInt32Array,
            V::UInt64Array(_) => DataType::UInt64Array,
            V::FloatArray(_) => DataType::FloatArray,
            V::DoubleArray(_) => DataType::DoubleArray,
            V::BooleanArray(_) => DataType::BooleanArray,
            V::StringArray(_) => DataType::StringArray,
            V::DateTimeArray(_) => DataType::DateTimeArray,
            V::Raw(_) => return None,
        })
    }

    /// Where this value goes in `layout`; `None` if the layout has no member for it.
    fn wire(&self, layout: Layout, o: &EncodeOptions) -> Option<Wire<'_, 'a>> {
        use MetricValue as V;
        let f = layout.first();
        let metric = matches!(layout, Layout::Metric);
        let property = matches!(layout, Layout::Property);
        Some(match self {
            V::Int8(v) => Wire::Varint(f, sext(i32::from(*v))),
            V::Int16(v) => Wire::Varint(f, sext(i32::from(*v))),
            V::Int32(v) => Wire::Varint(f, sext(*v)),
            V::UInt8(v) => Wire::Varint(f, u64::from(*v)),
            V::UInt16(v) => Wire::Varint(f, u64::from(*v)),
            V::UInt32(v) => match o.uint32 {
                Uint32Field::Int => Wire::Varint(f, u64::from(*v)),
                Uint32Field::Long => Wire::Varint(n(f, 1), u64::from(*v)),
            },
            #[allow(clippy::cast_sign_loss)]
            V::Int64(v) => Wire::Varint(n(f, 1), *v as u64),
            V::UInt64(v) | V::DateTime(v) => Wire::Varint(n(f, 1), *v),
            V::Float(v) => Wire::Float(n(f, 2), *v),
            V::Double(v) => Wire::Double(n(f, 3), *v),
            V::Boolean(v) => Wire::Varint(n(f, 4), u64::from(*v)),
            V::String(s) | V::Text(s) | V::Uuid(s) => Wire::Len(n(f, 5), Body::Bytes(s.as_bytes())),
            V::Bytes(b) | V::File(b) if metric => Wire::Len(16, Body::Bytes(b)),
            V::DataSet(d) if metric => Wire::Len(17, Body::DataSet(d)),
            V::Template(t) if metric => Wire::Len(18, Body::Template(t)),
            V::PropertySet(p) if property => Wire::Len(9, Body::PropertySet(p)),
            V::PropertySetList(l) if property => Wire::Len(10, Body::PropertySetList(l)),
            V::Raw(r) => match r {
                Raw::Int(v) => Wire::Varint(f, u64::from(*v)),
                Raw::Long(v) => Wire::Varint(n(f, 1), *v),
                Raw::Float(v) => Wire::Float(n(f, 2), *v),
                Raw::Double(v) => Wire::Double(n(f, 3), *v),
                Raw::Boolean(v) => Wire::Varint(n(f, 4), u64::from(*v)),
                Raw::String(s) => Wire::Len(n(f, 5), Body::Bytes(s.as_bytes())),
                Raw::Bytes(b) if metric => Wire::Len(16, Body::Bytes(b)),
                Raw::Extension(b) => Wire::Len(layout.extension(), Body::Bytes(b)),
                Raw::Bytes(_) => return None,
            },
            v if metric && v.datatype().is_some_and(DataType::is_array) => {
                Wire::Len(16, Body::Array(v))
            }
            _ => return None,
        })
    }

    /// The member and value of the varint-encoded values (the common case, kept inline).
    #[inline(always)]
    fn varint_member(&self, f: u32, o: &EncodeOptions) -> Option<(u32, u64)> {
        use MetricValue as V;
        Some(match self {
            V::Int8(v) => (f, sext(i32::from(*v))),
            V::Int16(v) => (f, sext(i32::from(*v))),
            V::Int32(v) => (f, sext(*v)),
            V::UInt8(v) => (f, u64::from(*v)),
            V::UInt16(v) => (f, u64::from(*v)),
            V::UInt32(v) => match o.uint32 {
                Uint32Field::Int => (f, u64::from(*v)),
                Uint32Field::Long => (n(f, 1), u64::from(*v)),
            },
            #[allow(clippy::cast_sign_loss)]
            V::Int64(v) => (n(f, 1), *v as u64),
            V::UInt64(v) | V::DateTime(v) => (n(f, 1), *v),
            V::Boolean(v) => (n(f, 4), u64::from(*v)),
            V::Raw(Raw::Int(v)) => (f, u64::from(*v)),
            V::Raw(Raw::Long(v)) => (n(f, 1), *v),
            V::Raw(Raw::Boolean(v)) => (n(f, 4), u64::from(*v)),
            _ => return None,
        })
    }

    #[inline]
    fn value_len(&self, layout: Layout) -> usize {
        use MetricValue as V;
        let f = layout.first();
        if let Some((k, v)) = self.varint_member(f, &EncodeOptions::default()) {
            return varint_field_len(k, v);
        }
        match self {
            V::Float(_) | V::Raw(Raw::Float(_)) => key_len(n(f, 2)).saturating_add(4),
            V::Double(_) | V::Raw(Raw::Double(_)) => key_len(n(f, 3)).saturating_add(8),
            _ => self.other_len(layout),
        }
    }

    #[inline(never)]
    fn other_len(&self, layout: Layout) -> usize {
        match self.wire(layout, &EncodeOptions::default()) {
            Some(Wire::Varint(k, v)) => varint_field_len(k, v),
            Some(Wire::Float(k, _)) => key_len(k).saturating_add(4),
            Some(Wire::Double(k, _)) => key_len(k).saturating_add(8),
            Some(Wire::Len(k, b)) => len_field_len(k, b.len()),
            None => 0,
        }
    }

    #[inline]
    fn write_value(
        &self,
        layout: Layout,
        w: &mut Writer<'_>,
        o: &EncodeOptions,
    ) -> Result<(), Error> {
        use MetricValue as V;
        let f = layout.first();
        if let Some((k, v)) = self.varint_member(f, o) {
            return put_varint(w, k, v).map_err(Error::from);
        }
        match self {
            V::Float(v) | V::Raw(Raw::Float(v)) => put_float(w, n(f, 2), *v).map_err(Error::from),
            V::Double(v) | V::Raw(Raw::Double(v)) => {
                put_double(w, n(f, 3), *v).map_err(Error::from)
            }
            _ => self.write_other(layout, w, o),
        }
    }

    #[inline(never)]
    fn write_other(
        &self,
        layout: Layout,
        w: &mut Writer<'_>,
        o: &EncodeOptions,
    ) -> Result<(), Error> {
        match self.wire(layout, o) {
            Some(Wire::Varint(k, v)) => put_varint(w, k, v)?,
            Some(Wire::Float(k, v)) => put_float(w, k, v)?,
            Some(Wire::Double(k, v)) => put_double(w, k, v)?,
            Some(Wire::Len(k, b)) => {
                put_len(w, k, b.len())?;
                b.write(w, o)?;
            }
            None => {
                return Err(Error::ValueType {
                    datatype: self.datatype().map_or(0, DataType::code),
                });
            }
        }
        Ok(())
    }

    /// Bytes of an array value's `bytes_value` content.
    fn array_len(&self) -> usize {
        use MetricValue as V;
        let times = |len: usize, size: usize| len.saturating_mul(size);
        match self {
            V::Int8Array(a) => a.len(),
            V::UInt8Array(a) => a.len(),
            V::Int16Array(a) => times(a.len(), 2),
            V::UInt16Array(a) => times(a.len(), 2),
            V::Int32Array(a) => times(a.len(), 4),
            V::UInt32Array(a) => times(a.len(), 4),
            V::FloatArray(a) => times(a.len(), 4),
            V::Int64Array(a) => times(a.len(), 8),
            V::UInt64Array(a) => times(a.len(), 8),
            V::DoubleArray(a) => times(a.len(), 8),
            V::DateTimeArray(a) => times(a.len(), 8),
            V::BooleanArray(a) => a.len().div_ceil(8).saturating_add(4),
            V::StringArray(a) => a.iter().fold(0usize, |acc, s| {
                acc.saturating_add(s.len()).saturating_add(1)
            }),
            _ => 0,
        }
    }

    fn write_array(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        use MetricValue as V;
        fn each<T: Copy, const N: usize>(
            w: &mut Writer<'_>,
            a: &[T],
            f: impl Fn(T) -> [u8; N],
        ) -> Result<(), Error> {
            for &x in a {
                w.put(&f(x))?;
            }
            Ok(())
        }
        match self {
            V::Int8Array(a) => each(w, a, i8::to_le_bytes),
            V::UInt8Array(a) => w.put(a).map_err(Error::from),
            V::Int16Array(a) => each(w, a, i16::to_le_bytes),
            V::UInt16Array(a) => each(w, a, u16::to_le_bytes),
            V::Int32Array(a) => each(w, a, i32::to_le_bytes),
            V::UInt32Array(a) => each(w, a, u32::to_le_bytes),
            V::FloatArray(a) => each(w, a, f32::to_le_bytes),
            V::Int64Array(a) => each(w, a, i64::to_le_bytes),
            V::UInt64Array(a) | V::DateTimeArray(a) => each(w, a, u64::to_le_bytes),
            V::DoubleArray(a) => each(w, a, f64::to_le_bytes),
            V::BooleanArray(a) => {
                let count = u32::try_from(a.len()).map_err(|_| Error::Array {
                    datatype: DataType::BooleanArray.code(),
                    len: a.len(),
                })?;
                w.u32_le(count)?;
                for chunk in a.chunks(8) {
                    let byte = chunk
                        .iter()
                        .zip([0x80u8, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01])
                        .fold(0u8, |b, (&on, bit)| if on { b | bit } else { b });
                    w.u8(byte)?;
                }
                Ok(())
            }
            V::StringArray(a) => {
                for s in a.iter() {
                    // Elements end at their NUL (§6.4.16): one inside would split it in two.
                    if s.as_bytes().contains(&0) {
                        return Err(Error::Array {
                            datatype: 33,
                            len: s.len(),
                        });
                    }
                    w.put(s.as_bytes())?;
                    w.u8(0)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Messages of fewer than 128 bytes each, assembled on the stack after two bytes for their key
/// and length in the parent: each key and one-byte value is one store without a check of the
/// caller's buffer, and several messages are copied out at once. A message that turns out
/// longer runs past its room, and is then dropped and written the general way. Eight bytes of
/// room past its 130 take a varint written as a whole word.
struct Small<'s> {
    /// The caller's stack array, apart from `pos` so that a store into it is known not to
    /// change `pos` (which then stays in a register).
    buf: &'s mut [u8; 512],
    pos: usize,
    /// The last timestamp written, and its varint as a word and its length: the timestamps of
    /// a payload's metrics are mostly equal or differ in their low seven bits only.
    ts: (u64, u64, usize),
}

impl<'s> Small<'s> {
    /// The room a message needs: key, length, 127 bytes and the slack of a word.
    const ROOM: usize = 2 + 127 + 1 + 8;

    const fn new(buf: &'s mut [u8; 512]) -> Self {
        Small {
            buf,
            pos: 0,
            ts: (0, 0, 1),
        }
    }

    /// `true` when another message has room.
    #[inline(always)]
    const fn has_room(&self) -> bool {
        self.pos <= self.buf.len().saturating_sub(Self::ROOM)
    }

    /// Writes the messages assembled so far to `w`.
    #[inline(always)]
    fn flush(&mut self, w: &mut Writer<'_>) -> Result<(), Error> {
        w.put(self.buf.get(..self.pos).unwrap_or_default())?;
        self.pos = 0;
        Ok(())
    }

    /// `pos` once something did not fit (far below an overflow of `pos`).
    const OVER: usize = 1 << 20;

    #[inline(always)]
    fn byte(&mut self, b: u8) {
        if let Some(x) = self.buf.get_mut(self.pos) {
            *x = b;
        }
        // pos stays far below usize::MAX (it is at most OVER plus the bytes of one metric).
        self.pos = self.pos.wrapping_add(1);
    }

    #[inline(always)]
    fn put(&mut self, b: &[u8]) {
        let end = self.pos.saturating_add(b.len());
        if end > self.buf.len() {
            self.pos = Self::OVER;
            return;
        }
        // Names and strings of 8 to 32 bytes: two overlapping copies of fixed length, its first
        // and last 8 or 16 bytes, in place of a call to copy.
        let start = self.pos;
        self.pos = end;
        if let (Some(h), Some(t)) = (b.first_chunk::<16>(), b.last_chunk::<16>()) {
            if b.len() <= 32 {
                return self.put_pair(start, end, h, t);
            }
        } else if let (Some(h), Some(t)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) {
            return self.put_pair(start, end, h, t);
        }
        if let Some(d) = self.buf.get_mut(start..end) {
            d.copy_from_slice(b);
        }
    }

    /// `h` at `start` and `t` ending at `end` (the two overlap or meet).
    #[inline(always)]
    fn put_pair<const N: usize>(&mut self, start: usize, end: usize, h: &[u8; N], t: &[u8; N]) {
        if let Some(d) = self
            .buf
            .get_mut(start..)
            .and_then(<[u8]>::first_chunk_mut::<N>)
        {
            *d = *h;
        }
        if let Some(d) = self
            .buf
            .get_mut(..end)
            .and_then(<[u8]>::last_chunk_mut::<N>)
        {
            *d = *t;
        }
    }

    #[inline(always)]
    fn varint(&mut self, v: u64) {
        match u8::try_from(v) {
            Ok(b) if b < 0x80 => self.byte(b),
            _ => self.varint_long(v),
        }
    }

    /// [`Small::varint`] of a timestamp: when it differs from the last one in its low seven bits
    /// only, its varint is the last one's with those bits replaced (same length).
    #[inline(always)]
    fn timestamp(&mut self, v: u64) {
        let (last, word, n) = self.ts;
        let (word, n) = if v ^ last < 0x80 {
            ((word & !0x7f) | (v & 0x7f), n)
        } else {
            match varint_word(v) {
                Some((bytes, n)) => (u64::from_le_bytes(bytes), n),
                None => return self.varint_long(v),
            }
        };
        self.ts = (v, word, n);
        let end = self.pos.saturating_add(8);
        match self.buf.get_mut(self.pos..end) {
            Some(d) => {
                d.copy_from_slice(&word.to_le_bytes());
                self.pos = self.pos.saturating_add(n);
            }
            None => self.varint_long(v),
        }
    }

    #[inline(always)]
    fn varint_long(&mut self, v: u64) {
        let end = self.pos.saturating_add(8);
        match (varint_word(v), self.buf.get_mut(self.pos..end)) {
            (Some((bytes, n)), Some(d)) => {
                d.copy_from_slice(&bytes);
                self.pos = self.pos.saturating_add(n);
            }
            _ => {
                let rest = self.buf.get_mut(self.pos..).unwrap_or_default();
                let mut w = Writer::new(rest);
                self.pos = match w.varint(v) {
                    Ok(()) => self.pos.saturating_add(w.finish()),
                    Err(_) => Self::OVER,
                };
            }
        }
    }
}

fn opt_varint(number: u32, v: Option<u64>) -> usize {
    v.map_or(0, |v| varint_field_len(number, v))
}

fn opt_bool(number: u32, v: Option<bool>) -> usize {
    v.map_or(0, |_| key_len(number).saturating_add(1))
}

fn opt_str(number: u32, v: Option<&Str<'_>>) -> usize {
    v.map_or(0, |s| len_field_len(number, s.len()))
}

fn put_opt_varint(w: &mut Writer<'_>, number: u32, v: Option<u64>) -> Result<(), Error> {
    if let Some(v) = v {
        put_varint(w, number, v)?;
    }
    Ok(())
}

fn put_opt_bool(w: &mut Writer<'_>, number: u32, v: Option<bool>) -> Result<(), Error> {
    put_opt_varint(w, number, v.map(u64::from))
}

fn put_opt_str(w: &mut Writer<'_>, number: u32, v: Option<&Str<'_>>) -> Result<(), Error> {
    if let Some(s) = v {
        put_bytes(w, number, s.as_bytes())?;
    }
    Ok(())
}

fn sum(parts: &[usize]) -> usize {
    parts.iter().fold(0usize, |a, &b| a.saturating_add(b))
}

impl Metric<'_> {
    /// Bytes of the encoded metric (without its key and length in the payload).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len_ts(None)
    }

    /// [`Metric::len`] with `ts` as the timestamp when the metric has none.
    fn len_ts(&self, ts: Option<u64>) -> usize {
        sum(&[
            opt_str(1, self.name.as_ref()),
            opt_varint(2, self.alias),
            opt_varint(3, self.timestamp.or(ts)),
            opt_varint(4, self.datatype.map(u64::from)),
            opt_bool(5, self.is_historical),
            opt_bool(6, self.is_transient),
            opt_bool(7, self.is_null),
            self.metadata
                .as_ref()
                .map_or(0, |m| len_field_len(8, m.len())),
            self.properties
                .as_ref()
                .map_or(0, |p| len_field_len(9, p.len())),
            self.value
                .as_ref()
                .map_or(0, |v| v.value_len(Layout::Metric)),
        ])
    }

    /// The metric, with its key and length in the payload, appended to `s` when it takes fewer
    /// than 128 bytes and holds no metadata, no properties and a scalar or string value (or
    /// none); `false` otherwise, `s` then as it was. Fields as [`Metric::write_ts`] writes them.
    /// `s` must have [`Small::ROOM`] bytes left.
    #[inline]
    fn write_small(&self, s: &mut Small<'_>, o: &EncodeOptions, ts: Option<u64>) -> bool {
        let start = s.pos;
        let done = self.append_small(s, o, ts);
        if !done {
            s.pos = start;
        }
        done
    }

    /// [`Metric::write_small`] but for the reset of `s`.
    #[inline(always)]
    fn append_small(&self, s: &mut Small<'_>, o: &EncodeOptions, ts: Option<u64>) -> bool {
        use MetricValue as V;
        if self.metadata.is_some() || self.properties.is_some() {
            return false;
        }
        // The key and length of the metric in the payload go first (`Payload.metrics`, field 2).
        let start = s.pos;
        s.pos = start.saturating_add(2);
        if let Some(name) = &self.name {
            s.byte(0x0a);
            s.varint(name.len() as u64);
            s.put(name.as_bytes());
        }
        if let Some(v) = self.alias {
            s.byte(0x10);
            s.varint(v);
        }
        if let Some(v) = self.timestamp.or(ts) {
            s.byte(0x18);
            s.timestamp(v);
        }
        if let Some(v) = self.datatype {
            s.byte(0x20);
            s.varint(v.into());
        }
        if let Some(v) = self.is_historical {
            s.byte(0x28);
            s.byte(v.into());
        }
        if let Some(v) = self.is_transient {
            s.byte(0x30);
            s.byte(v.into());
        }
        if let Some(v) = self.is_null {
            s.byte(0x38);
            s.byte(v.into());
        }
        if let Some(v) = &self.value {
            // The members of a metric's value: int_value 10 (key 0x50), long_value 11 (0x58),
            // float_value 12 (0x65), double_value 13 (0x69), boolean_value 14 (0x70),
            // string_value 15 (0x7a).
            if let Some((k, x)) = v.varint_member(10, o) {
                match u8::try_from(k << 3) {
                    Ok(key) if key < 0x80 => s.byte(key),
                    _ => return false,
                }
                s.varint(x);
            } else {
                match v {
                    V::Float(f) | V::Raw(Raw::Float(f)) => {
                        s.byte(0x65);
                        s.put(&f.to_bits().to_le_bytes());
                    }
                    V::Double(f) | V::Raw(Raw::Double(f)) => {
                        s.byte(0x69);
                        s.put(&f.to_bits().to_le_bytes());
                    }
                    V::String(t) | V::Text(t) | V::Uuid(t) | V::Raw(Raw::String(t)) => {
                        s.byte(0x7a);
                        s.varint(t.len() as u64);
                        s.put(t.as_bytes());
                    }
                    _ => return false,
                }
            }
        }
        let head = s.buf.get_mut(start..start.saturating_add(2));
        match (
            u8::try_from(s.pos.wrapping_sub(start).wrapping_sub(2)),
            head,
        ) {
            (Ok(len), Some(head)) if len < 0x80 => {
                head.copy_from_slice(&[0x12, len]);
                true
            }
            _ => false,
        }
    }

    /// `true` when the metric encodes to no bytes (no field set).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn write(&self, w: &mut Writer<'_>, o: &EncodeOptions) -> Result<(), Error> {
        self.write_ts(w, o, None)
    }

    fn write_ts(
        &self,
        w: &mut Writer<'_>,
        o: &EncodeOptions,
        ts: Option<u64>,
    ) -> Result<(), Error> {
        put_opt_str(w, 1, self.name.as_ref())?;
        put_opt_varint(w, 2, self.alias)?;
        put_opt_varint(w, 3, self.timestamp.or(ts))?;
        put_opt_varint(w, 4, self.datatype.map(u64::from))?;
        put_opt_bool(w, 5, self.is_historical)?;
        put_opt_bool(w, 6, self.is_transient)?;
        put_opt_bool(w, 7, self.is_null)?;
        if let Some(m) = &self.metadata {
            put_len(w, 8, m.len())?;
            m.write(w)?;
        }
        if let Some(p) = &self.properties {
            put_len(w, 9, p.len())?;
            p.write(w, o)?;
        }
        if let Some(v) = &self.value {
            v.write_value(Layout::Metric, w, o)?;
        }
        Ok(())
    }
}

impl Payload<'_> {
    /// Exact number of bytes [`Payload::encode`] writes.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        self.buffer_len_with(&EncodeOptions::default())
    }

    /// Exact number of bytes [`Payload::encode_with`] writes with `options`.
    #[must_use]
    pub fn buffer_len_with(&self, options: &EncodeOptions) -> usize {
        let ts = options.metric_timestamp;
        let metrics = self.metrics.iter().fold(0usize, |a, m| {
            a.saturating_add(len_field_len(2, m.len_ts(ts)))
        });
        sum(&[
            opt_varint(1, self.timestamp),
            metrics,
            opt_varint(3, self.seq),
            opt_str(4, self.uuid.as_ref()),
            self.body.as_ref().map_or(0, |b| len_field_len(5, b.len())),
        ])
    }

    /// Encodes with the default options into the start of `out`; returns the length written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
        self.encode_with(out, &EncodeOptions::default())
    }

    /// Encodes with `options` into the start of `out`; returns the length written.
    ///
    /// Errors: [`Error::BufferTooSmall`] when `out` is shorter than [`Payload::buffer_len`] (a
    /// prefix may have been written); [`Error::ValueType`] for a value with no member in its
    /// message (bytes in a property value, a property set in a metric); [`Error::Depth`] for
    /// messages nested deeper than the views read ([`crate::wire::MAX_DEPTH`]).
    pub fn encode_with(&self, out: &mut [u8], options: &EncodeOptions) -> Result<usize, Error> {
        // Nesting the views would refuse to read (templates in templates past [`MAX_DEPTH`])
        // is not written.
        let deepest = self
            .metrics
            .iter()
            .map(|m| metric_levels(m).saturating_add(1))
            .max()
            .unwrap_or(0);
        if deepest > usize::from(crate::wire::MAX_DEPTH) {
            return Err(Error::Depth { offset: 0 });
        }
        let available = out.len();
        let mut w = Writer::new(out);
        match self.write(&mut w, options) {
            Ok(()) => Ok(w.finish()),
            // Lengths are only summed again when the buffer turns out too small.
            Err(Error::BufferTooSmall { .. }) => Err(Error::BufferTooSmall {
                needed: self.buffer_len_with(options),
                available,
            }),
            Err(e) => Err(e),
        }
    }

    fn write(&self, w: &mut Writer<'_>, options: &EncodeOptions) -> Result<(), Error> {
        let ts = options.metric_timestamp;
        let mut stack = [0u8; 512];
        let mut small = Small::new(&mut stack);
        // The payload's timestamp goes first, into the stack buffer (its metrics' timestamps
        // are mostly the same, and reuse its varint).
        if let Some(t) = self.timestamp {
            small.byte(0x08);
            small.timestamp(t);
        }
        for m in self.metrics.iter() {
            // One pass for a short metric: assembled on the stack, its length is known when it
            // is copied out (with the short metrics before it). Any other is measured, then
            // written.
            if !small.has_room() {
                small.flush(w)?;
            }
            if !m.write_small(&mut small, options, ts) {
                small.flush(w)?;
                put_len(w, 2, m.len_ts(ts))?;
                m.write_ts(w, options, ts)?;
            }
        }
        // The sequence number too, after the metrics.
        if let Some(q) = self.seq {
            if !small.has_room() {
                small.flush(w)?;
            }
            small.byte(0x18);
            small.varint(q);
        }
        small.flush(w)?;
        put_opt_str(w, 4, self.uuid.as_ref())?;
        if let Some(b) = &self.body {
            put_bytes(w, 5, b)?;
        }
        Ok(())
    }

    /// Encodes into a new `Vec` of exactly [`Payload::buffer_len`] bytes.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> Result<Vec<u8>, Error> {
        let mut v = alloc::vec![0; self.buffer_len()];
        let n = self.encode(&mut v)?;
        v.truncate(n);
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repr::Seq;
    use std::string::String;
    use std::vec;
    use std::vec::Vec;

    /// The two-pass form of `Payload::write`: every metric's length summed before it is written.
    fn two_pass(p: &Payload<'_>, o: &EncodeOptions) -> Vec<u8> {
        let mut buf = vec![0u8; p.buffer_len_with(o)];
        let mut w = Writer::new(&mut buf);
        put_opt_varint(&mut w, 1, p.timestamp).unwrap();
        for m in p.metrics.iter() {
            put_len(&mut w, 2, m.len_ts(o.metric_timestamp)).unwrap();
            m.write_ts(&mut w, o, o.metric_timestamp).unwrap();
        }
        put_opt_varint(&mut w, 3, p.seq).unwrap();
        put_opt_str(&mut w, 4, p.uuid.as_ref()).unwrap();
        if let Some(b) = &p.body {
            put_bytes(&mut w, 5, b).unwrap();
        }
        let n = w.finish();
        buf.truncate(n);
        buf
    }

    /// `m` inside `n` templates, each the one metric of the one around it.
    fn in_templates<'a>(mut m: Metric<'a>, n: usize) -> Metric<'a> {
        for _ in 0..n {
            m = Metric::new(
                "t",
                MetricValue::Template(Template {
                    metrics: vec![m].into(),
                    ..Template::default()
                }),
            );
        }
        m
    }

    #[test]
    fn nesting_the_views_would_refuse_is_not_written() {
        // Templates in templates: each one two levels (the template and its metric).
        let nested = |n: usize| {
            let m = in_templates(Metric::new("leaf", MetricValue::Int32(1)), n);
            Payload {
                metrics: vec![m].into(),
                ..Payload::default()
            }
        };
        for n in [1, 10, 15, 16, 20] {
            let written = nested(n).to_vec();
            let read = written
                .as_ref()
                .map(|b| crate::PayloadView::new(b).and_then(|v| v.to_repr()).is_ok());
            // Written exactly when it reads back.
            assert_eq!(written.is_ok(), read == Ok(true), "{n}: {written:?}");
            if n <= 15 {
                assert!(written.is_ok(), "{n}");
            } else {
                assert_eq!(written, Err(Error::Depth { offset: 0 }), "{n}");
            }
        }
    }

    #[test]
    fn nested_leaves_count_toward_the_depth_as_the_views_count_them() {
        // A leaf metric with messages inside it (a dataset, an extension, properties holding
        // a property set), under `n` templates: written exactly when the views read it back,
        // and refused from some `n` on.
        let leaves = [
            Metric::new(
                "d",
                MetricValue::DataSet(DataSet {
                    num_of_columns: Some(1),
                    columns: vec!["c".into()].into(),
                    types: vec![3].into(),
                    rows: vec![Row {
                        elements: vec![Some(MetricValue::Int32(1))].into(),
                    }]
                    .into(),
                }),
            ),
            Metric::new(
                "x",
                MetricValue::Raw(Raw::Extension(vec![0x08, 0x01].into())),
            ),
            Metric {
                properties: Some(PropertySet {
                    keys: vec!["p".into()].into(),
                    values: vec![PropertyValue {
                        datatype: Some(20),
                        is_null: None,
                        value: Some(MetricValue::PropertySet(PropertySet::default())),
                    }]
                    .into(),
                }),
                ..Metric::new("p", MetricValue::Int32(1))
            },
        ];
        for leaf in leaves {
            let mut refused = false;
            for n in 12..=17 {
                let m = in_templates(leaf.clone(), n);
                let p = Payload {
                    metrics: vec![m].into(),
                    ..Payload::default()
                };
                let written = p.to_vec();
                let read = written
                    .as_ref()
                    .map(|b| crate::PayloadView::new(b).and_then(|v| v.to_repr()).is_ok());
                assert_eq!(written.is_ok(), read == Ok(true), "{n}: {written:?}");
                refused |= written == Err(Error::Depth { offset: 0 });
            }
            assert!(refused, "{leaf:?}");
        }
    }

    #[test]
    fn a_string_array_element_holding_a_nul_is_refused() {
        let p = |e: &'static str| Payload {
            metrics: vec![Metric::new(
                "s",
                MetricValue::StringArray(vec![e.into(), "b".into()].into()),
            )]
            .into(),
            ..Payload::default()
        };
        assert!(p("a").to_vec().is_ok());
        assert_eq!(
            p("a\0b").to_vec(),
            Err(Error::Array {
                datatype: 33,
                len: 3
            })
        );
    }

    #[test]
    fn one_pass_metrics_agree_with_two_passes() {
        let values = [
            MetricValue::Int8(-1),
            MetricValue::Int32(i32::MIN),
            MetricValue::Int64(i64::MIN),
            MetricValue::UInt64(u64::MAX),
            MetricValue::UInt32(u32::MAX),
            MetricValue::DateTime(u64::MAX),
            MetricValue::Float(1.5),
            MetricValue::Double(-2.5),
            MetricValue::Boolean(true),
            MetricValue::Raw(Raw::Long(u64::MAX)),
            MetricValue::Raw(Raw::Int(u32::MAX)),
            MetricValue::Raw(Raw::Float(0.5)),
            MetricValue::Raw(Raw::Double(0.25)),
            MetricValue::Raw(Raw::Boolean(false)),
        ];
        let mut metrics = Vec::new();
        // Every scalar with every field at its longest, names of lengths across the one-byte
        // bound, and across the 8 and 16 bytes of the two-copy path; strings likewise.
        for name_len in [
            0usize, 1, 7, 8, 9, 15, 16, 17, 28, 29, 30, 31, 32, 33, 60, 127, 128,
        ]
        .into_iter()
        .chain([200])
        .chain(35..=55)
        {
            let name = Str::Owned("n".repeat(name_len));
            for v in values.iter().cloned() {
                metrics.push(Metric {
                    alias: Some(u64::MAX),
                    timestamp: Some(u64::MAX),
                    datatype: Some(u32::MAX),
                    is_historical: Some(true),
                    is_transient: Some(false),
                    is_null: Some(true),
                    ..Metric::new(name.clone(), v)
                });
            }
            for s_len in [0usize, 1, 7, 8, 9, 15, 16, 17, 30, 31, 32, 33, 100, 300] {
                let s = String::from("s").repeat(s_len);
                for v in [
                    MetricValue::String(Str::Owned(s.clone())),
                    MetricValue::Text(Str::Owned(s.clone())),
                    MetricValue::Raw(Raw::String(Str::Owned(s.clone()))),
                ] {
                    metrics.push(Metric {
                        alias: Some(u64::MAX),
                        timestamp: Some(u64::MAX),
                        datatype: Some(u32::MAX),
                        is_historical: Some(true),
                        is_transient: Some(true),
                        is_null: Some(false),
                        ..Metric::new(name.clone(), v)
                    });
                }
            }
            metrics.push(Metric {
                value: None,
                ..Metric::new(name.clone(), MetricValue::Boolean(true))
            });
            metrics.push(Metric::new(
                name,
                MetricValue::Bytes(Seq::Owned(vec![1; 3])),
            ));
        }
        metrics.push(Metric::default());
        for m in &metrics {
            for ts in [None, Some(u64::MAX)] {
                let mut stack = [0u8; 512];
                let mut s = Small::new(&mut stack);
                if m.write_small(&mut s, &EncodeOptions::default(), ts) {
                    assert_eq!(s.pos - 2, m.len_ts(ts), "{m:?}");
                }
            }
        }
        for (ts, uint32) in [
            (None, Uint32Field::Int),
            (Some(u64::MAX), Uint32Field::Int),
            (None, Uint32Field::Long),
        ] {
            let o = EncodeOptions {
                metric_timestamp: ts,
                uint32,
            };
            for m in &metrics {
                let p = Payload {
                    timestamp: Some(1),
                    metrics: Seq::Borrowed(core::slice::from_ref(m)),
                    seq: Some(2),
                    ..Payload::default()
                };
                let want = two_pass(&p, &o);
                let mut out = vec![0u8; want.len()];
                assert_eq!(p.encode_with(&mut out, &o), Ok(want.len()), "{m:?}");
                assert_eq!(out, want, "{m:?}");
                // One byte short is refused.
                let mut short = vec![0u8; want.len() - 1];
                assert!(p.encode_with(&mut short, &o).is_err());
            }
            // All of them in one payload: short ones assembled several at a time, long ones
            // between them.
            let p = Payload {
                timestamp: Some(1),
                metrics: Seq::Borrowed(&metrics),
                seq: Some(2),
                ..Payload::default()
            };
            let want = two_pass(&p, &o);
            let mut out = vec![0u8; want.len()];
            assert_eq!(p.encode_with(&mut out, &o), Ok(want.len()));
            assert_eq!(out, want);
            let mut short = vec![0u8; want.len() - 1];
            assert!(p.encode_with(&mut short, &o).is_err());
        }
    }

    #[test]
    fn timestamps_reused_from_the_last_metric_agree_with_two_passes() {
        // Each timestamp against the one before it: equal, across the seven-bit steps of a
        // varint (either way), across its lengths, and beyond the eight bytes of a word.
        let mut stamps = vec![
            0u64, 0, 1, 127, 128, 0, 129, 255, 256, 0x3fff, 0x4000, 0x3f80,
        ];
        for bits in [21u32, 28, 35, 42, 49, 55, 56, 57, 63, 64] {
            let top = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            stamps.extend([top, top - 1, top - 127, top - 128, top.wrapping_add(1), top]);
        }
        stamps.extend([1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_127]);
        stamps.extend([1_700_000_000_128, 1_700_000_000_000, 5, u64::MAX, 6]);
        let mut metrics = Vec::new();
        for &t in &stamps {
            metrics.push(Metric {
                alias: Some(t % 300),
                timestamp: Some(t),
                ..Metric::aliased(t % 7, MetricValue::Boolean(true))
            });
            // One without a timestamp of its own (the option's, or none).
            metrics.push(Metric::aliased(1, MetricValue::Int32(-1)));
        }
        // The payload's own timestamp and sequence number go through the same buffer.
        let heads = [
            (Some(1), Some(2)),
            (None, None),
            (Some(0), Some(u64::MAX)),
            (Some(1_700_000_000_000), Some(255)),
            (Some(u64::MAX), Some(0)),
        ];
        for (ts, (timestamp, seq)) in [None, Some(0), Some(200), Some(1_700_000_000_050)]
            .into_iter()
            .flat_map(|ts| heads.map(|h| (ts, h)))
        {
            let o = EncodeOptions {
                metric_timestamp: ts,
                ..EncodeOptions::default()
            };
            let p = Payload {
                timestamp,
                metrics: Seq::Borrowed(&metrics),
                seq,
                ..Payload::default()
            };
            let want = two_pass(&p, &o);
            let mut out = vec![0u8; want.len()];
            assert_eq!(p.encode_with(&mut out, &o), Ok(want.len()));
            assert_eq!(out, want);
            let mut short = vec![0u8; want.len() - 1];
            assert_eq!(
                p.encode_with(&mut short, &o),
                Err(Error::BufferTooSmall {
                    needed: want.len(),
                    available: want.len() - 1
                })
            );
        }
    }
}
