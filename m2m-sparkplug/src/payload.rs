//! Zero-copy views of a Sparkplug B payload (Sparkplug 3.0.0 §6.4, `sparkplug_b.proto`):
//! [`PayloadView`] and the views of its nested messages.
//!
//! Nothing is copied or allocated: names, strings and bytes borrow from the payload, repeated
//! fields are lazy iterators that yield `Result`s, so a payload is walked only as far as it is
//! read. Protobuf's rules hold: the last occurrence of a singular scalar field or of a `oneof`
//! member wins; the occurrences of a singular message field (`metadata`, `properties`) are
//! merged into one message, and so are those of a `oneof` message member that follow each
//! other with no other member between (`dataset_value`, `template_value`, the property set
//! members, every `extension_value`), as protoc, Python protobuf and prost merge them: the
//! view reads their fields across the occurrences, without copying (see `crate::parts`);
//! repeated scalars are accepted packed or not; unknown fields (groups included) are skipped
//! and can be read back raw with `unknown_fields()`, and so is a field of the schema's numbers
//! with another wire type than the schema's (as protoc's C++, Java, Python and Go runtimes read
//! it; prost refuses it). One difference: a `string` field that is not UTF-8 is
//! [`Error::Utf8`], naming the field and the byte (Sparkplug §6.4 makes strings UTF-8, and a
//! view hands out `&str`; proto2 runtimes take any bytes). Offsets in errors count from the
//! payload's first byte.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub use crate::dataset::{CellView, DataSetView, RowView};
use crate::error::Error;
pub use crate::metadata::MetaDataView;
pub use crate::parts::ExtensionView;
pub(crate) use crate::parts::Parts;
pub use crate::property::{PropertySetListView, PropertySetView, PropertyValueView};
pub use crate::repeated::{Repeated, Strings, Uint32s, UnknownFields};
pub use crate::template::{ParameterView, TemplateView};
use crate::utf8::str_in;
use crate::value::{RawValue, Value};
use crate::wire::{Field, Fields, WireValue, deeper, varint_at};

/// The common shape of a metric, read in one pass.
mod fast;

/// A message embedded in a payload: its bytes, their offset in the payload and its depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Msg<'a> {
    pub(crate) buf: &'a [u8],
    pub(crate) base: usize,
    pub(crate) depth: u8,
}

impl<'a> Msg<'a> {
    pub(crate) fn fields(&self) -> Fields<'a> {
        Fields::new(self.buf, self.base, self.depth)
    }

    /// The message in field `f` of this one, one level deeper.
    pub(crate) fn child(&self, f: &Field<'a>) -> Result<Msg<'a>, Error> {
        Ok(Msg {
            buf: f.bytes()?,
            base: f.value_offset(),
            depth: deeper(self.depth, f.offset)?,
        })
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Msg<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=usize} bytes at {=usize}", self.buf.len(), self.base);
    }
}

/// A message type with a view.
pub(crate) trait View<'a>: Sized {
    fn parse(msg: Msg<'a>) -> Result<Self, Error>;
}

/// The metrics of a payload or template (field 2), each parsed when reached.
#[derive(Debug, Clone)]
pub struct Metrics<'a> {
    fields: Fields<'a>,
    depth: u8,
    failed: bool,
    /// The parts of a merged template after the one `fields` walks.
    rest: Parts<'a>,
}

impl<'a> Metrics<'a> {
    #[inline(always)]
    pub(crate) fn new(parent: Parts<'a>) -> Self {
        let (fields, rest) = parent.start();
        Metrics {
            fields,
            depth: parent.depth(),
            failed: false,
            rest,
        }
    }

    /// Where the next metric is, found the general way: any length, other fields skipped on
    /// the way. Out of line; the metric itself is parsed where the short ones are, so the
    /// caller builds every view in one place.
    #[inline(never)]
    fn find(&mut self) -> Result<Option<Msg<'a>>, Error> {
        loop {
            while let Some(key) = self.fields.next_key()? {
                if key == 0x12 {
                    let (buf, base, depth) = self.fields.read_msg()?;
                    return Ok(Some(Msg { buf, base, depth }));
                }
                // Varint fields 1 and 3 (a payload's timestamp and seq), skipped as
                // `skip_value` would skip them, without its checks (these keys pass them).
                if key == 0x08 || key == 0x18 {
                    self.fields.read_varint()?;
                    continue;
                }
                // Anything else, field 2 with another wire type included, is an unknown field.
                self.fields.skip_value(key)?;
            }
            // The next part of a merged template, if any.
            match self.rest.next_part() {
                Some(next) => self.fields = next?,
                None => return Ok(None),
            }
        }
    }
}

impl<'a> Iterator for Metrics<'a> {
    type Item = Result<MetricView<'a>, Error>;

    // Always inlined: the view is then built where the caller reads it, not copied out.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        // A metric read whole is work too, beside the fields the walk reads one by one.
        #[cfg(test)]
        crate::wire::visits::bump();
        // A metric of fewer than 128 bytes, the common case: key and length one byte each.
        // (The general path checks the depth before the length; here the length is known to
        // fit, so a metric too deep is the same error either way.) Either way `at` is where
        // the metric's bytes start in the message (see `MetricView::parse_in`).
        let (msg, at) = if let Some((buf, base)) = self.fields.fast_len(0x12) {
            // Offsets within the message cannot overflow (below its length plus 2).
            let at = self.fields.key_position().wrapping_add(2);
            let depth = deeper(self.depth, self.fields.key_offset());
            (depth.map(|depth| Msg { buf, base, depth }), at)
        } else {
            match self.find() {
                Ok(Some(msg)) => {
                    let at = self.fields.position().saturating_sub(msg.buf.len());
                    (Ok(msg), at)
                }
                Ok(None) => return None,
                Err(e) => (Err(e), 0),
            }
        };
        // A match, not a closure: a closure may be left out of line, and the view copied out.
        let r = match msg {
            Ok(msg) => MetricView::parse_in(msg, self.fields.input(), at),
            Err(e) => Err(e),
        };
        self.failed = r.is_err();
        Some(r)
    }
}

/// Which `oneof value` layout a message has: the field number of `int_value` (the six scalar
/// members follow it in the same order in every message) and what comes after them. (Metrics,
/// the hot path, match their keys whole in `MetricView::parse`: 10..=15 scalars, 16 bytes,
/// 17 dataset, 18 template, 19 extension.)
#[derive(Clone, Copy)]
pub(crate) enum Oneof {
    /// PropertyValue: 3..=8 scalars, 9 property set, 10 property set list, 11 extension.
    Property,
    /// Template parameter: 3..=8 scalars, 9 extension.
    Parameter,
    /// DataSet value: 1..=6 scalars, 7 extension.
    Cell,
}

impl Oneof {
    const fn first(self) -> u32 {
        match self {
            Oneof::Property | Oneof::Parameter => 3,
            Oneof::Cell => 1,
        }
    }

    /// The value in field `f`, if `f` is a member of this oneof.
    #[inline]
    pub(crate) fn read<'a>(
        self,
        parent: &Msg<'a>,
        f: &Field<'a>,
    ) -> Result<Option<RawValue<'a>>, Error> {
        let Some(i) = f.number.checked_sub(self.first()) else {
            return Ok(None);
        };
        // A member with another wire type than the schema's is an unknown field.
        Ok(Some(match (self, i, f.value) {
            // A uint32 keeps the low 32 bits of its varint, as protobuf does.
            #[allow(clippy::cast_possible_truncation)]
            (_, 0, WireValue::Varint(v)) => RawValue::Int(v as u32),
            (_, 1, WireValue::Varint(v)) => RawValue::Long(v),
            (_, 2, WireValue::I32(v)) => RawValue::Float(f32::from_bits(v)),
            (_, 3, WireValue::I64(v)) => RawValue::Double(f64::from_bits(v)),
            (_, 4, WireValue::Varint(v)) => RawValue::Boolean(v != 0),
            (_, 5, WireValue::Len(_)) => RawValue::String(f.str()?),
            (Oneof::Property, 6, WireValue::Len(_)) => {
                RawValue::PropertySet(PropertySetView(Parts::of_field(parent, f)?))
            }
            (Oneof::Property, 7, WireValue::Len(_)) => {
                RawValue::PropertySetList(PropertySetListView(Parts::of_field(parent, f)?))
            }
            (Oneof::Property, 8, WireValue::Len(_))
            | (Oneof::Parameter | Oneof::Cell, 6, WireValue::Len(_)) => {
                RawValue::Extension(extension(parent.child(f)?, Parts::of_field(parent, f)?)?)
            }
            _ => return Ok(None),
        }))
    }
}

// ---- Payload ----------------------------------------------------------------------------------

/// The timestamp and sequence number of a payload (fields `timestamp` and `seq` of message
/// `Payload`, §6.4.1), read without walking its metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Header {
    /// `timestamp` (ms since the Unix epoch), if present.
    pub timestamp: Option<u64>,
    /// `seq`, if present (0 is a sequence number; absence is `None`).
    pub seq: Option<u64>,
}

/// A Sparkplug B payload (§6.4.1, message `Payload`), borrowed.
///
/// [`PayloadView::new`] walks the top-level fields once (skipping over each metric's bytes), so
/// the header fields are at hand; [`PayloadView::metrics`] then parses one metric per step.
/// No method panics or allocates.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PayloadView<'a> {
    pub(crate) msg: Msg<'a>,
    header: Header,
    uuid: Option<&'a str>,
    body: Option<&'a [u8]>,
    metric_count: usize,
}

impl<'a> PayloadView<'a> {
    /// Field numbers of `Payload`.
    const KNOWN: fn(u32, u8) -> bool = |n, t| matches!((n, t), (1 | 3, 0) | (2 | 4 | 5, 2));

    /// Checks the top-level structure of `buf` and reads its header fields. Metrics are checked
    /// as they are iterated.
    pub fn new(buf: &'a [u8]) -> Result<Self, Error> {
        let msg = Msg {
            buf,
            base: 0,
            depth: 0,
        };
        let mut v = PayloadView {
            msg,
            header: Header::default(),
            uuid: None,
            body: None,
            metric_count: 0,
        };
        let mut c = msg.fields();
        loop {
            // Metrics of fewer than 128 bytes are skipped first, a run at a time.
            v.metric_count = v.metric_count.saturating_add(c.skip_fast_run(0x12));
            let Some(key) = c.next_key()? else {
                break;
            };
            match key {
                0x08 => v.header.timestamp = Some(c.read_varint()?),
                0x12 => {
                    c.read_len()?;
                    v.metric_count = v.metric_count.saturating_add(1);
                }
                0x18 => v.header.seq = Some(c.read_varint()?),
                0x22 => v.uuid = Some(c.read_str(4)?),
                0x2a => v.body = Some(c.read_len()?.0),
                k => c.skip_value(k)?,
            }
        }
        Ok(v)
    }

    /// Reads only `timestamp` and `seq`, skipping over everything else (seq follows the metrics
    /// in canonical payloads, so the top level is walked to its end, but no metric is parsed).
    /// Like [`PayloadView::new`], a `timestamp` or `seq` with another wire type is skipped.
    pub fn peek_header(buf: &'a [u8]) -> Result<Header, Error> {
        let mut h = Header::default();
        let mut c = Fields::new(buf, 0, 0);
        loop {
            // Metrics of fewer than 128 bytes are skipped first, a run at a time.
            c.skip_fast_run(0x12);
            let Some(key) = c.next_key()? else {
                break;
            };
            match key {
                0x08 => h.timestamp = Some(c.read_varint()?),
                0x18 => h.seq = Some(c.read_varint()?),
                k => c.skip_value(k)?,
            }
        }
        Ok(h)
    }

    /// The payload's bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.msg.buf
    }

    /// `timestamp` and `seq`.
    #[must_use]
    pub const fn header(&self) -> Header {
        self.header
    }

    /// `timestamp`: ms since the Unix epoch at sending time.
    #[must_use]
    pub const fn timestamp(&self) -> Option<u64> {
        self.header.timestamp
    }

    /// `seq`: the message sequence number (0..=255 in Sparkplug), if present.
    #[must_use]
    pub const fn seq(&self) -> Option<u64> {
        self.header.seq
    }

    /// `uuid`.
    #[must_use]
    pub const fn uuid(&self) -> Option<&'a str> {
        self.uuid
    }

    /// `body`.
    #[must_use]
    pub const fn body(&self) -> Option<&'a [u8]> {
        self.body
    }

    /// Number of metrics.
    #[must_use]
    pub const fn metric_count(&self) -> usize {
        self.metric_count
    }

    /// The metrics, each parsed when reached.
    #[must_use]
    pub fn metrics(&self) -> Metrics<'a> {
        Metrics::new(Parts::one(self.msg))
    }

    /// Fields other than 1..=5 (extensions, later versions' fields), and fields of those
    /// numbers with another wire type than the schema's, raw.
    #[must_use]
    pub fn unknown_fields(&self) -> UnknownFields<'a> {
        UnknownFields {
            fields: Parts::one(self.msg).fields(),
            known: Self::KNOWN,
        }
    }

    /// Walks the whole payload, every nested message, string and array included, and returns the
    /// first error. Values are checked against their datatype where one is given.
    pub fn check(&self) -> Result<(), Error> {
        for m in self.metrics() {
            m?.check()?;
        }
        Ok(())
    }
}

#[cfg(fuzzing)]
impl<'a> PayloadView<'a> {
    /// The metrics read the general way, field by field, without the fast paths that
    /// [`PayloadView::metrics`] takes: the fuzz target checks that both agree. Not an API.
    #[doc(hidden)]
    pub fn metrics_general(&self) -> impl Iterator<Item = Result<MetricView<'a>, Error>> + use<'a> {
        fast::general_metrics(self.msg)
    }
}

impl<'a> m2m_core::Decode<'a> for PayloadView<'a> {
    type Error = Error;
    fn decode(frame: &'a [u8]) -> Result<Self, Error> {
        PayloadView::new(frame)
    }
}

// ---- Metric -----------------------------------------------------------------------------------

/// One metric (§6.4.3, message `Payload.Metric`), parsed, borrowing from the payload.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MetricView<'a> {
    msg: Msg<'a>,
    name: Option<&'a str>,
    alias: Option<u64>,
    timestamp: Option<u64>,
    datatype: Option<u32>,
    is_historical: Option<bool>,
    is_transient: Option<bool>,
    is_null: Option<bool>,
    metadata: Option<Parts<'a>>,
    properties: Option<PropertySetView<'a>>,
    raw: Option<RawValue<'a>>,
}

impl<'a> MetricView<'a> {
    /// A metric with no field read yet.
    #[inline(always)]
    const fn empty(msg: Msg<'a>) -> Self {
        MetricView {
            msg,
            name: None,
            alias: None,
            timestamp: None,
            datatype: None,
            is_historical: None,
            is_transient: None,
            is_null: None,
            metadata: None,
            properties: None,
            raw: None,
        }
    }

    #[inline(always)]
    pub(crate) fn parse(msg: Msg<'a>) -> Result<Self, Error> {
        Self::parse_in(msg, msg.buf, 0)
    }

    /// [`MetricView::parse`] of a metric whose bytes are `outer[at..]` (`msg.buf` is that
    /// range of `outer`): the bytes before it let the name's UTF-8 check start word-aligned
    /// (see [`crate::utf8`]). Should `msg.buf` not be there, the name is still right, only
    /// read without the help.
    #[inline(always)]
    pub(crate) fn parse_in(msg: Msg<'a>, outer: &'a [u8], at: usize) -> Result<Self, Error> {
        match Self::common(msg, outer, at) {
            Some(m) => Ok(m),
            None => Self::parse_any(msg),
        }
    }

    /// A metric of any shape, field by field; one-byte keys of scalars and strings without
    /// the general walk. Inlined too: out of line, the view it returns would be built in
    /// memory, and so then would the common shape's (decode of the benches' births 20 %
    /// slower by callgrind).
    #[inline(always)]
    fn parse_any(msg: Msg<'a>) -> Result<Self, Error> {
        let mut m = Self::empty(msg);
        let buf = msg.buf;
        let mut pos = 0usize;
        while let Some(&key) = buf.get(pos) {
            if let Some(next) = m.fast_field(buf, pos, key)? {
                pos = next;
                continue;
            }
            // Any other field, or one the fast path left: read the general way from its key.
            let mut c = Fields::new(
                buf.get(pos..).unwrap_or_default(),
                msg.base.saturating_add(pos),
                msg.depth,
            );
            if let Some(key) = c.next_key()? {
                m.field(&mut c, key)?;
            }
            pos = pos.saturating_add(c.position());
        }
        Ok(m)
    }

    /// The field at `pos` (whose key starts with the byte `key`) when it is one of the
    /// one-byte-key scalars and strings of a metric and reads without a problem: stored, and
    /// the offset after it returned. `None` leaves it to [`MetricView::field`] (which reads it
    /// the same way or reports its error). Only a superseded value's check can fail here, as
    /// it would there.
    #[inline(always)]
    fn fast_field(&mut self, buf: &'a [u8], pos: usize, key: u8) -> Result<Option<usize>, Error> {
        // pos is within buf (its key byte was read): no overflow.
        let at = pos.wrapping_add(1);
        macro_rules! varint {
            () => {
                match varint_at(buf, at) {
                    Some(v) => v,
                    None => return Ok(None),
                }
            };
        }
        // A uint32 keeps the low 32 bits of its varint, as protobuf does.
        #[allow(clippy::cast_possible_truncation)]
        let next = match key {
            0x0a | 0x7a => {
                let Some((len, from)) = varint_at(buf, at) else {
                    return Ok(None);
                };
                let Ok(len) = usize::try_from(len) else {
                    return Ok(None);
                };
                let to = from.saturating_add(len);
                let Some(Ok(s)) = buf.get(from..to).map(core::str::from_utf8) else {
                    return Ok(None);
                };
                if key == 0x0a {
                    self.name = Some(s);
                } else {
                    supersede(&mut self.raw, Some(RawValue::String(s)))?;
                }
                to
            }
            0x65 => {
                let Some(b) = buf.get(at..).and_then(<[u8]>::first_chunk::<4>) else {
                    return Ok(None);
                };
                let v = f32::from_bits(u32::from_le_bytes(*b));
                supersede(&mut self.raw, Some(RawValue::Float(v)))?;
                at.wrapping_add(4)
            }
            0x69 => {
                let Some(b) = buf.get(at..).and_then(<[u8]>::first_chunk::<8>) else {
                    return Ok(None);
                };
                let v = f64::from_bits(u64::from_le_bytes(*b));
                supersede(&mut self.raw, Some(RawValue::Double(v)))?;
                at.wrapping_add(8)
            }
            0x10 => {
                let (v, next) = varint!();
                self.alias = Some(v);
                next
            }
            0x18 => {
                let (v, next) = varint!();
                self.timestamp = Some(v);
                next
            }
            0x20 => {
                let (v, next) = varint!();
                self.datatype = Some(v as u32);
                next
            }
            0x28 => {
                let (v, next) = varint!();
                self.is_historical = Some(v != 0);
                next
            }
            0x30 => {
                let (v, next) = varint!();
                self.is_transient = Some(v != 0);
                next
            }
            0x38 => {
                let (v, next) = varint!();
                self.is_null = Some(v != 0);
                next
            }
            0x50 => {
                let (v, next) = varint!();
                supersede(&mut self.raw, Some(RawValue::Int(v as u32)))?;
                next
            }
            0x58 => {
                let (v, next) = varint!();
                supersede(&mut self.raw, Some(RawValue::Long(v)))?;
                next
            }
            0x70 => {
                let (v, next) = varint!();
                supersede(&mut self.raw, Some(RawValue::Boolean(v != 0)))?;
                next
            }
            _ => return Ok(None),
        };
        Ok(Some(next))
    }

    /// The field of `key`, just read from `c`: its value read and stored.
    #[inline(always)]
    fn field(&mut self, c: &mut Fields<'a>, key: u64) -> Result<(), Error> {
        let m = self;
        // Keys are matched whole (field number << 3 | wire type); see `sparkplug_b.proto`.
        // A uint32 keeps the low 32 bits of its varint, as protobuf does.
        #[allow(clippy::cast_possible_truncation)]
        {
            match key {
                0x0a => m.name = Some(c.read_str(1)?),
                0x10 => m.alias = Some(c.read_varint()?),
                0x18 => m.timestamp = Some(c.read_varint()?),
                0x20 => m.datatype = Some(c.read_varint()? as u32),
                0x28 => m.is_historical = Some(c.read_varint()? != 0),
                0x30 => m.is_transient = Some(c.read_varint()? != 0),
                0x38 => m.is_null = Some(c.read_varint()? != 0),
                // Singular messages: a later occurrence is merged into the earlier ones.
                0x42 => m.metadata = Some(join(m.metadata, message(c, 8)?, m.msg)?),
                0x4a => {
                    let old = m.properties.map(|p| p.0);
                    m.properties = Some(PropertySetView(join(old, message(c, 9)?, m.msg)?));
                }
                0x50 => supersede(&mut m.raw, Some(RawValue::Int(c.read_varint()? as u32)))?,
                0x58 => supersede(&mut m.raw, Some(RawValue::Long(c.read_varint()?)))?,
                0x65 => supersede(
                    &mut m.raw,
                    Some(RawValue::Float(f32::from_bits(c.read_fixed32()?))),
                )?,
                0x69 => supersede(
                    &mut m.raw,
                    Some(RawValue::Double(f64::from_bits(c.read_fixed64()?))),
                )?,
                0x70 => supersede(&mut m.raw, Some(RawValue::Boolean(c.read_varint()? != 0)))?,
                0x7a => supersede(&mut m.raw, Some(RawValue::String(c.read_str(15)?)))?,
                0x82 => supersede(&mut m.raw, Some(RawValue::Bytes(c.read_len()?.0)))?,
                // Message members of the oneof: merged into the value when it is the same member.
                0x8a => {
                    let v = RawValue::DataSet(DataSetView(message(c, 17)?));
                    set_value(&mut m.raw, v, m.msg)?;
                }
                0x92 => {
                    let v = RawValue::Template(TemplateView(message(c, 18)?));
                    set_value(&mut m.raw, v, m.msg)?;
                }
                0x9a => {
                    let (buf, base, depth) = c.read_msg()?;
                    let (raw, at) = c.last_field();
                    let parts = Parts::occurrence(raw, at, depth, 19);
                    let v = RawValue::Extension(extension(Msg { buf, base, depth }, parts)?);
                    set_value(&mut m.raw, v, m.msg)?;
                }
                k => c.skip_value(k)?,
            }
        }
        Ok(())
    }
}

/// `name` (bytes of a metric) as a `str`, checked as UTF-8 from `outer[from..]` when that is
/// where they are (the check can then start word-aligned), on their own otherwise.
#[inline(always)]
fn name_str<'a>(name: &'a [u8], outer: &'a [u8], from: usize) -> Option<&'a str> {
    // `name` is in memory after `from` bytes of `outer`'s: no overflow.
    let to = from.wrapping_add(name.len());
    match outer.get(from..to) {
        Some(o) if core::ptr::eq(o, name) => str_in(outer, from, to),
        _ => core::str::from_utf8(name).ok(),
    }
}

/// The low 32 bits of a varint read for a `uint32` field, as protobuf keeps them.
#[inline(always)]
const fn low32(v: u64) -> u32 {
    // Truncation is the rule.
    #[allow(clippy::cast_possible_truncation)]
    let low = v as u32;
    low
}

/// Stores `new` in a oneof or singular message slot. A protobuf parser reads every occurrence
/// of a field, so an earlier occurrence that `new` supersedes must still be a well-formed
/// message (prost and protoc refuse the payload otherwise; found by the prost differential
/// test): it is checked here, only when superseded, so a single occurrence costs nothing.
#[inline]
pub(crate) fn supersede<'a>(
    slot: &mut Option<RawValue<'a>>,
    new: Option<RawValue<'a>>,
) -> Result<(), Error> {
    if let Some(old) = *slot {
        // Rare (a value field repeated): out of the hot path.
        supersede_slow(old)?;
    }
    *slot = new;
    Ok(())
}

/// Takes the old value by value, not by reference: a reference would make the slot's address
/// escape, and the slot would then live in memory (and be copied about) in the hot loop.
#[cold]
#[inline(never)]
fn supersede_slow(old: RawValue<'_>) -> Result<(), Error> {
    check_nested(&old)
}

/// Checks a superseded value that is itself a message (the others were checked when read)
/// as protobuf reads it: its messages, not its values against their datatypes.
pub(crate) fn check_nested(v: &RawValue<'_>) -> Result<(), Error> {
    match v {
        RawValue::DataSet(d) => d.check_as(false),
        RawValue::Template(t) => t.check_as(false),
        RawValue::PropertySet(p) => p.check_as(false),
        RawValue::PropertySetList(l) => l.check_as(false),
        _ => Ok(()),
    }
}

/// An occurrence of an extension message (`ext`, whose field is `parts`): only its structure
/// is checked (protobuf parsers refuse a malformed one too).
fn extension<'a>(ext: Msg<'a>, parts: Parts<'a>) -> Result<ExtensionView<'a>, Error> {
    for field in ext.fields() {
        field?;
    }
    Ok(ExtensionView(parts))
}

/// The message field `number` whose key `c` just read: its occurrence.
#[inline(always)]
fn message<'a>(c: &mut Fields<'a>, number: u32) -> Result<Parts<'a>, Error> {
    let (_, _, depth) = c.read_msg()?;
    let (raw, at) = c.last_field();
    Ok(Parts::occurrence(raw, at, depth, number))
}

/// A singular message field after its occurrence `new` in `parent`: `new` merged into the
/// occurrences before it, as protobuf merges them. `parent` is passed by value here and below,
/// as `supersede_slow` takes its value: a reference into the metric being read would make it
/// live in memory in the hot loop (decode of the benches' metrics 10-18 % slower).
#[inline(always)]
fn join<'a>(old: Option<Parts<'a>>, new: Parts<'a>, parent: Msg<'a>) -> Result<Parts<'a>, Error> {
    match old {
        None => Ok(new),
        Some(old) => old.merge(new, parent),
    }
}

/// Stores the oneof member `new`, read from `parent`, in `slot`: merged into the value there
/// when both are the same message member (protobuf merges the occurrences of a message member
/// that follow each other), in its place otherwise (see [`supersede`]).
#[inline]
pub(crate) fn set_value<'a>(
    slot: &mut Option<RawValue<'a>>,
    new: RawValue<'a>,
    parent: Msg<'a>,
) -> Result<(), Error> {
    let v = match *slot {
        None => new,
        Some(old) => merge_value(old, new, parent)?,
    };
    *slot = Some(v);
    Ok(())
}

/// The value after `old` and then `new`: the two merged when they are the same message member,
/// `new` otherwise (`old`, superseded, checked first as [`supersede`] checks it).
#[cold]
#[inline(never)]
fn merge_value<'a>(
    old: RawValue<'a>,
    new: RawValue<'a>,
    parent: Msg<'a>,
) -> Result<RawValue<'a>, Error> {
    use RawValue as R;
    Ok(match (old, new) {
        (R::DataSet(a), R::DataSet(b)) => R::DataSet(DataSetView(a.0.merge(b.0, parent)?)),
        (R::Template(a), R::Template(b)) => R::Template(TemplateView(a.0.merge(b.0, parent)?)),
        (R::PropertySet(a), R::PropertySet(b)) => {
            R::PropertySet(PropertySetView(a.0.merge(b.0, parent)?))
        }
        (R::PropertySetList(a), R::PropertySetList(b)) => {
            R::PropertySetList(PropertySetListView(a.0.merge(b.0, parent)?))
        }
        (R::Extension(a), R::Extension(b)) => R::Extension(ExtensionView(a.0.merge(b.0, parent)?)),
        _ => {
            check_nested(&old)?;
            new
        }
    })
}

impl<'a> MetricView<'a> {
    const KNOWN: fn(u32, u8) -> bool = |n, t| {
        matches!(
            (n, t),
            (2..=7 | 10 | 11 | 14, 0) | (13, 1) | (12, 5) | (1 | 8 | 9 | 15..=19, 2)
        )
    };

    /// `name` (births carry it; data messages may carry only the alias).
    #[must_use]
    pub const fn name(&self) -> Option<&'a str> {
        self.name
    }
    /// `alias`.
    #[must_use]
    pub const fn alias(&self) -> Option<u64> {
        self.alias
    }
    /// `timestamp` (ms since the Unix epoch).
    #[must_use]
    pub const fn timestamp(&self) -> Option<u64> {
        self.timestamp
    }
    /// `datatype` as a code (see [`crate::DataType`]).
    #[must_use]
    pub const fn datatype(&self) -> Option<u32> {
        self.datatype
    }
    /// `is_historical`.
    #[must_use]
    pub const fn is_historical(&self) -> Option<bool> {
        self.is_historical
    }
    /// `is_transient`.
    #[must_use]
    pub const fn is_transient(&self) -> Option<bool> {
        self.is_transient
    }
    /// `is_null`.
    #[must_use]
    pub const fn is_null(&self) -> Option<bool> {
        self.is_null
    }
    /// `metadata`, parsed when asked for.
    pub fn metadata(&self) -> Result<Option<MetaDataView<'a>>, Error> {
        self.metadata.map(MetaDataView::read).transpose()
    }
    /// `properties`.
    #[must_use]
    pub const fn properties(&self) -> Option<PropertySetView<'a>> {
        self.properties
    }
    /// The value field as on the wire.
    #[must_use]
    pub const fn raw_value(&self) -> Option<RawValue<'a>> {
        self.raw
    }
    /// The value of `int_value` or `long_value`, whatever the datatype says (for `bdSeq`, which
    /// peers write as UInt64 or Int64).
    pub(crate) const fn integer(&self) -> Option<u64> {
        match self.raw {
            Some(RawValue::Long(v)) => Some(v),
            Some(RawValue::Int(v)) => Some(v as u64),
            _ => None,
        }
    }
    /// The metric's bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.msg.buf
    }

    /// The value read as the metric's own datatype ([`Error::NoDatatype`] without one: read
    /// data messages that carry only aliases with [`MetricView::value_as`] and the datatype
    /// from the birth).
    pub fn value(&self) -> Result<Value<'a>, Error> {
        self.value_as(self.datatype.ok_or(Error::NoDatatype)?)
    }

    /// The value read as `datatype`.
    #[inline(always)]
    pub fn value_as(&self, datatype: u32) -> Result<Value<'a>, Error> {
        Value::from_raw(datatype, self.raw, self.is_null == Some(true))
    }

    /// Fields other than 1..=19, and fields of those numbers with another wire type than the
    /// schema's, raw.
    #[must_use]
    pub fn unknown_fields(&self) -> UnknownFields<'a> {
        UnknownFields {
            fields: Parts::one(self.msg).fields(),
            known: Self::KNOWN,
        }
    }

    /// Checks every nested message and, given a datatype, the value against it.
    pub fn check(&self) -> Result<(), Error> {
        self.check_as(true)
    }

    /// [`MetricView::check`]; `typed` false leaves the values' datatypes alone.
    pub(crate) fn check_as(&self, typed: bool) -> Result<(), Error> {
        self.metadata()?;
        if let Some(p) = self.properties {
            p.check_as(typed)?;
        }
        match self.raw {
            Some(RawValue::DataSet(d)) => d.check_as(typed)?,
            Some(RawValue::Template(t)) => t.check_as(typed)?,
            _ => {}
        }
        if let Some(dt) = self.datatype.filter(|_| typed) {
            match self.value_as(dt) {
                Ok(_) | Err(Error::NoValue) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::fast::parse_general;
    use super::*;
    use crate::wire::MAX_DEPTH;

    /// The first metric of payload `buf`.
    fn only_metric(buf: &[u8]) -> MetricView<'_> {
        PayloadView::new(buf)
            .unwrap()
            .metrics()
            .next()
            .unwrap()
            .unwrap()
    }

    // 08 05: timestamp 5; 12 04 (0a 02 'h' 'i'): a metric named "hi"; 18 00: seq 0.
    static SMALL: [u8; 10] = [0x08, 0x05, 0x12, 0x04, 0x0a, 0x02, b'h', b'i', 0x18, 0x00];

    #[test]
    fn header_presence_and_metrics() {
        let v = PayloadView::new(&SMALL).unwrap();
        assert_eq!(v.timestamp(), Some(5));
        assert_eq!(v.seq(), Some(0));
        assert_eq!(PayloadView::peek_header(&SMALL).unwrap(), v.header());
        assert_eq!(v.metric_count(), 1);
        let m = v.metrics().next().unwrap().unwrap();
        assert_eq!(m.name(), Some("hi"));
        assert_eq!(m.value(), Err(Error::NoDatatype));
        // No seq is not seq 0.
        assert_eq!(PayloadView::new(&SMALL[..8]).unwrap().seq(), None);
    }

    #[test]
    fn wrong_wire_types_are_unknown_fields() {
        // As protoc's runtimes read them (checked with Python protobuf 4.25, upb): a field of
        // the schema with another wire type is an unknown field, not an error.
        // Metrics as a varint: no metric, one unknown field.
        let v = PayloadView::new(&[0x10, 0x01]).unwrap();
        assert_eq!((v.metric_count(), v.metrics().count()), (0, 0));
        assert_eq!(
            v.unknown_fields()
                .map(|f| f.unwrap().number)
                .collect::<std::vec::Vec<_>>(),
            [2]
        );
        // seq as bytes, before or after the varint seq: the varint is the seq, also when peeking.
        for buf in [
            &[0x1a, 0x00][..],
            &[0x1a, 0x00, 0x18, 0x05],
            &[0x18, 0x05, 0x1a, 0x00],
        ] {
            let seq = (buf.len() > 2).then_some(5);
            assert_eq!(PayloadView::new(buf).unwrap().seq(), seq, "{buf:02x?}");
            assert_eq!(
                PayloadView::peek_header(buf).unwrap().seq,
                seq,
                "{buf:02x?}"
            );
        }
        // A metric name as a varint: a metric without a name.
        let v = PayloadView::new(&[0x12, 0x02, 0x08, 0x01]).unwrap();
        let m = v.metrics().next().unwrap().unwrap();
        assert_eq!(m.name(), None);
        assert_eq!(m.unknown_fields().count(), 1);
        // float_value (12) as a varint after int_value (10): the value stays the int, in the
        // general path and in the one for metrics of the usual shape.
        let v = PayloadView::new(&[0x12, 0x06, 0x20, 0x03, 0x50, 0x07, 0x60, 0x07]).unwrap();
        let m = v.metrics().next().unwrap().unwrap();
        assert_eq!(m.raw_value(), Some(RawValue::Int(7)));
        assert_eq!(
            parse_general(m.msg).unwrap().raw_value(),
            Some(RawValue::Int(7))
        );
        // A property value's is_null as bytes, a dataset cell's long as fixed32, a template
        // parameter's name as a varint: each an unknown field of its message.
        fn wrap(key: &[u8], body: &[u8]) -> std::vec::Vec<u8> {
            let mut v = key.to_vec();
            v.push(u8::try_from(body.len()).unwrap());
            v.extend_from_slice(body);
            v
        }
        let value = [0x08, 12, 0x12, 0x00, 0x42, 0x01, b'v'];
        let props = wrap(&[0x4a], &wrap(&[0x12], &value));
        let cell = [0x15, 1, 2, 3, 4, 0x10, 0x09];
        let dataset = wrap(&[0x8a, 0x01], &wrap(&[0x22], &wrap(&[0x0a], &cell)));
        let parameter = [0x08, 0x01, 0x10, 12, 0x42, 0x01, b'p'];
        let template = wrap(&[0x92, 0x01], &wrap(&[0x1a], &parameter));
        let buf = wrap(&[0x12], &[props, dataset].concat());
        let m = only_metric(&buf);
        let p = m.properties().unwrap().values().next().unwrap().unwrap();
        assert_eq!((p.datatype(), p.is_null()), (Some(12), None));
        assert_eq!(p.raw_value(), Some(RawValue::String("v")));
        let Some(RawValue::DataSet(d)) = m.raw_value() else {
            panic!("a dataset");
        };
        let row = d.rows().next().unwrap().unwrap();
        let c = row.elements().next().unwrap().unwrap();
        assert_eq!(c.raw_value(), Some(RawValue::Long(9)));
        let buf = wrap(&[0x12], &template);
        let m = only_metric(&buf);
        let Some(RawValue::Template(t)) = m.raw_value() else {
            panic!("a template");
        };
        let p = t.parameters().next().unwrap().unwrap();
        assert_eq!((p.name(), p.datatype()), (None, Some(12)));
        assert_eq!(p.raw_value(), Some(RawValue::String("p")));
        // Unknown fields of every wire type are skipped; the metric stays readable.
        // Field 20 varint, 21 fixed32, 22 bytes, 23 an empty group, then the name.
        let with_unknown = [
            0x12, 0x14, 0xa0, 0x01, 0x07, 0xad, 0x01, 1, 2, 3, 4, 0xb2, 0x01, 0x01, b'z', 0xbb,
            0x01, 0xbc, 0x01, 0x0a, 0x01, b'x',
        ];
        let v = PayloadView::new(&with_unknown).unwrap();
        let m = v.metrics().next().unwrap().unwrap();
        assert_eq!(m.name(), Some("x"));
        assert_eq!(m.unknown_fields().count(), 4);
    }

    #[test]
    #[allow(clippy::cast_possible_truncation)] // random indices and bytes
    fn fast_fields_agree_with_the_general_path() {
        use crate::repr::{Metric, MetricValue, Payload, Str};
        let values = [
            MetricValue::Int32(-5),
            MetricValue::UInt32(7),
            MetricValue::Int64(-1),
            MetricValue::UInt64(u64::MAX),
            MetricValue::Float(0.5),
            MetricValue::Double(-1.25),
            MetricValue::Boolean(true),
            MetricValue::String(Str::Borrowed("st\u{e9}te")),
            MetricValue::Bytes(crate::repr::Seq::Borrowed(&[1, 2, 3])),
        ];
        let mut seeds = std::vec::Vec::new();
        for v in values {
            let m = Metric {
                alias: Some(300),
                timestamp: Some(1_700_000_000_000),
                is_historical: Some(true),
                is_transient: Some(false),
                is_null: Some(false),
                ..Metric::new("Area 1/Line 2/Sensor 003", v)
            };
            let p = Payload {
                metrics: crate::repr::Seq::Borrowed(core::slice::from_ref(&m)),
                ..Payload::default()
            };
            let bytes = p.to_vec().unwrap();
            // The metric's bytes, after its key and one-byte length.
            seeds.push(bytes[2..].to_vec());
        }
        // Every prefix of each, a value field repeated (oneof last-wins, supersede checks), and
        // bytes flipped at random (xorshift, fixed seed).
        let mut inputs = std::vec::Vec::new();
        for s in &seeds {
            for end in 0..=s.len() {
                inputs.push(s[..end].to_vec());
            }
            let mut twice = s.clone();
            twice.extend_from_slice(&[0x50, 0x01, 0x7a, 0x01, b'x', 0x65, 0, 0, 0, 0]);
            twice.extend_from_slice(&[0x8a, 0x01, 0x02, 0x08, 0x02, 0x69, 1, 2, 3, 4, 5, 6, 7, 8]);
            inputs.push(twice);
        }
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let s = &seeds[(x % seeds.len() as u64) as usize];
            let mut b = s.clone();
            for k in 0..1 + (x >> 8) % 3 {
                let i = ((x >> (16 + 8 * k)) as usize) % b.len();
                b[i] = (x >> (40 + k)) as u8;
            }
            inputs.push(b);
        }
        for b in &inputs {
            for depth in [0, MAX_DEPTH - 1, MAX_DEPTH] {
                let msg = Msg {
                    buf: b,
                    base: 7,
                    depth,
                };
                assert_eq!(MetricView::parse(msg), parse_general(msg), "{b:02x?}");
            }
        }
    }

    #[test]
    fn last_occurrence_wins() {
        // Two names, two values (int then string), two timestamps.
        let buf = [
            0x08, 0x01, 0x08, 0x02, 0x12, 0x0b, 0x0a, 0x01, b'a', 0x50, 0x07, 0x0a, 0x01, b'b',
            0x7a, 0x01, b's',
        ];
        let v = PayloadView::new(&buf).unwrap();
        assert_eq!(v.timestamp(), Some(2));
        let m = v.metrics().next().unwrap().unwrap();
        assert_eq!(m.name(), Some("b"));
        assert_eq!(m.raw_value(), Some(RawValue::String("s")));
        assert_eq!(m.value_as(12), Ok(Value::String("s")));
    }

    #[test]
    fn template_fields_of_another_wire_type_are_unknown() {
        // A metric whose template_value (18) has template_ref (4) or is_definition (5) with
        // another wire type besides the right one, in either order: the right one is read, as
        // Python protobuf reads it; the same field twice is read as its last.
        for (template, template_ref, is_definition) in [
            (&[0x20, 0x0c, 0x22, 0x01, b'T'][..], Some("T"), None),
            (&[0x22, 0x01, b'T', 0x20, 0x0c], Some("T"), None),
            (&[0x22, 0x01, b'S', 0x22, 0x01, b'T'], Some("T"), None),
            (&[0x28, 0x01, 0x2a, 0x01, 0x01], None, Some(true)),
            (&[0x2a, 0x01, 0x01], None, None),
        ] {
            let mut buf = std::vec![0x12, 0u8, 0x20, 19, 0x92, 0x01];
            buf.push(u8::try_from(template.len()).unwrap());
            buf.extend_from_slice(template);
            buf[1] = u8::try_from(buf.len() - 2).unwrap();
            let v = PayloadView::new(&buf).unwrap();
            assert!(v.to_repr().is_ok(), "{template:02x?}");
            let m = v.metrics().next().unwrap().unwrap();
            let Some(RawValue::Template(t)) = m.raw_value() else {
                panic!("a template");
            };
            assert_eq!(t.template_ref(), Ok(template_ref), "{template:02x?}");
            assert_eq!(t.is_definition(), Ok(is_definition), "{template:02x?}");
        }
    }

    /// Metric bodies around the common shape's lanes (see `fast`): names of lengths across 8, 16, 32 and the
    /// one-byte length bound (127/128), ASCII, non-ASCII and invalid UTF-8, followed by the
    /// usual fields in order, out of order, repeated, and cut short.
    #[allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation)] // small numbers
    fn leading_field_bodies() -> std::vec::Vec<std::vec::Vec<u8>> {
        let mut names: std::vec::Vec<std::vec::Vec<u8>> = std::vec::Vec::new();
        for len in [
            0usize, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 126, 127, 128, 129, 200,
        ] {
            names.push((0..len).map(|i| b'a' + (i % 26) as u8).collect());
        }
        names.push("\u{e9}t\u{e9} \u{2603} 17 bytes".as_bytes().to_vec());
        names.push("Area 1/Line 2/Sensor \u{e9}".as_bytes().to_vec());
        for bad in [
            &[0xffu8][..],
            &[0x80],
            &[0xe2, 0x82],
            &[0xc0, 0xaf],
            &[0xed, 0xa0, 0x80],
        ] {
            for at in [0usize, 5, 20] {
                let mut n: std::vec::Vec<u8> = (0..24).map(|i| b'A' + (i % 26) as u8).collect();
                n.splice(at..at, bad.iter().copied());
                names.push(n);
            }
        }
        let tails: [&[u8]; 6] = [
            // alias 300, timestamp, datatype 3, int_value 7
            &[
                0x10, 0xac, 0x02, 0x18, 0x80, 0xc0, 0xa5, 0xee, 0xbc, 0x31, 0x20, 0x03, 0x50, 0x07,
            ],
            // datatype before alias, no timestamp
            &[0x20, 0x0a, 0x10, 0x05, 0x69, 1, 2, 3, 4, 5, 6, 7, 8],
            // alias twice, a 10-byte timestamp, a string value
            &[
                0x10, 0x01, 0x10, 0x02, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0x01, 0x7a, 0x01, b'x',
            ],
            // an alias cut inside its varint
            &[0x10, 0x80],
            // a timestamp whose 10-byte varint overflows
            &[
                0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
            ],
            &[],
        ];
        let mut bodies = std::vec::Vec::new();
        for n in &names {
            for t in tails {
                let mut b = std::vec::Vec::new();
                b.push(0x0a);
                let mut w = [0u8; 10];
                let k = {
                    let mut wr = m2m_core::Writer::new(&mut w);
                    wr.varint(n.len() as u64).unwrap();
                    wr.finish()
                };
                b.extend_from_slice(&w[..k]);
                b.extend_from_slice(n);
                b.extend_from_slice(t);
                bodies.push(b.clone());
                // The name again after the other fields (last wins), and the body cut short.
                let mut again = b.clone();
                again.extend_from_slice(&[0x0a, 0x02, b'z', b'z']);
                bodies.push(again);
                bodies.push(b[..b.len() / 2].to_vec());
                bodies.push(b[..b.len().saturating_sub(1)].to_vec());
            }
        }
        bodies
    }

    #[test]
    #[allow(clippy::cast_possible_truncation)] // small lengths
    fn leading_fields_agree_with_the_general_path() {
        for b in leading_field_bodies() {
            for depth in [0, MAX_DEPTH] {
                let msg = Msg {
                    buf: &b,
                    base: 3,
                    depth,
                };
                let got = MetricView::parse(msg);
                assert_eq!(got, parse_general(msg), "{b:02x?}");
                // A name the lane reads is the name's bytes; an invalid one is an error.
                if let Ok(m) = got {
                    let mut f = Fields::new(&b, 0, 0);
                    let mut last = None;
                    while let Some(Ok(field)) = f.next() {
                        if field.number == 1 {
                            last = Some(field.bytes().unwrap());
                        }
                    }
                    assert_eq!(m.name().map(str::as_bytes), last, "{b:02x?}");
                }
            }
        }
        // The specific outcomes: an invalid name is a UTF-8 error at its bad byte.
        let bad = [0x0a, 0x03, b'a', 0xff, b'b', 0x10, 0x01];
        let msg = Msg {
            buf: &bad,
            base: 10,
            depth: 0,
        };
        assert_eq!(
            MetricView::parse(msg),
            Err(Error::Utf8 {
                field: 1,
                offset: 13
            })
        );
        let ok = [0x0a, 0x03, b'a', 0xc3, 0xa9, 0x10, 0x01];
        let m = MetricView::parse(Msg { buf: &ok, ..msg }).unwrap();
        assert_eq!((m.name(), m.alias()), (Some("a\u{e9}"), Some(1)));
    }

    /// The metrics of a payload read the general way (see `fast::general_metrics`).
    fn metrics_general(msg: Msg<'_>) -> std::vec::Vec<Result<MetricView<'_>, Error>> {
        fast::general_metrics(msg).collect()
    }

    #[test]
    #[allow(clippy::arithmetic_side_effects)] // small lengths
    fn metrics_of_every_length_agree_with_the_general_path() {
        // Payloads of metrics whose bodies are 0, 1, 126, 127, 128, 129 and 300 bytes long
        // (a name of that length less two), between a timestamp and a seq, and every prefix
        // of the whole.
        // A six-byte timestamp (and, at the end, a long seq and a cut one) before and after.
        let mut payload = std::vec![0x08, 0x80, 0xc0, 0xa5, 0xee, 0xbc, 0x31];
        for body in [0usize, 1, 126, 127, 128, 129, 300] {
            let mut b = std::vec::Vec::new();
            if body >= 2 {
                let n = body - 2 - usize::from(body - 2 >= 128);
                b.push(0x0a);
                let mut w = [0u8; 10];
                let mut wr = m2m_core::Writer::new(&mut w);
                wr.varint(n as u64).unwrap();
                let k = wr.finish();
                b.extend_from_slice(&w[..k]);
                b.extend(core::iter::repeat_n(b'n', n));
            } else {
                b.extend(core::iter::repeat_n(0x38, body)); // is_null cut short
            }
            payload.push(0x12);
            let mut w = [0u8; 10];
            let mut wr = m2m_core::Writer::new(&mut w);
            wr.varint(b.len() as u64).unwrap();
            let k = wr.finish();
            payload.extend_from_slice(&w[..k]);
            payload.extend_from_slice(&b);
        }
        payload.extend_from_slice(&[0x18, 0x01, 0x18, 0xff, 0x01, 0x18, 0x80]);
        for end in 0..=payload.len() {
            let buf = &payload[..end];
            for depth in [0, MAX_DEPTH - 1, MAX_DEPTH] {
                let msg = Msg {
                    buf,
                    base: 0,
                    depth,
                };
                let got: std::vec::Vec<_> = Metrics::new(Parts::one(msg)).collect();
                assert_eq!(got, metrics_general(msg), "{end} {depth}");
            }
        }
    }

    #[test]
    #[allow(clippy::cast_possible_truncation)] // lengths below 128
    fn names_at_every_alignment_agree_with_the_general_path() {
        // Each short body of `leading_field_bodies` as a metric after an unknown field of 0
        // to 15 bytes of ASCII or of high bytes (so the name sits at every alignment, with
        // every kind of byte before it), twice, then a seq.
        for body in leading_field_bodies() {
            if body.len() >= 128 {
                continue;
            }
            for fill in [b'p', 0xff] {
                for pad in 0..16usize {
                    let mut payload = std::vec![0xa2, 0x01, pad as u8];
                    payload.extend(core::iter::repeat_n(fill, pad));
                    for _ in 0..2 {
                        payload.extend_from_slice(&[0x12, body.len() as u8]);
                        payload.extend_from_slice(&body);
                    }
                    payload.extend_from_slice(&[0x18, 0x01]);
                    let msg = Msg {
                        buf: &payload,
                        base: 0,
                        depth: 0,
                    };
                    let got: std::vec::Vec<_> = Metrics::new(Parts::one(msg)).collect();
                    assert_eq!(got, metrics_general(msg), "{body:02x?} {pad}");
                }
            }
        }
        // A metric not where `outer` says it is: the name is read from the metric itself.
        let mut body = std::vec![0x0a, 18];
        body.extend(core::iter::repeat_n(b'N', 18));
        let outer = [b'x'; 64];
        let msg = Msg {
            buf: &body,
            base: 0,
            depth: 0,
        };
        for at in [0, 8, 30, 63, 64, 100] {
            let m = MetricView::parse_in(msg, &outer, at).unwrap();
            assert_eq!(m.name(), Some("NNNNNNNNNNNNNNNNNN"));
        }
    }
}
