//! A singular embedded message that may come in several occurrences of its field, read as the
//! one message protobuf merges them into (protobuf encoding, "Last One Wins": a message field
//! that occurs more than once is merged, as if the occurrences' contents were concatenated).
//!
//! Concatenation is what makes this cheap: the fields of the merged message are the fields of
//! each occurrence in turn, so a scalar read as its last occurrence takes the last one of the
//! merged message, repeated fields append in order, and nothing needs copying. [`Parts`] keeps
//! the range of the parent that holds the occurrences, and [`PartFields`] walks their fields as
//! one message; every view of a message that can be merged (MetaData, PropertySet,
//! PropertySetList, DataSet, Template and the extension messages) reads through them. None of
//! those messages has a singular message field of its own, so a merge never nests.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::Error;
use crate::payload::Msg;
use crate::wire::{Field, Fields, WireValue, deeper};

/// A message as protobuf reads it: its bytes, or the occurrences of its field in its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parts<'a> {
    /// `number` 0: the message's bytes. Otherwise the bytes of the parent from the key of the
    /// first occurrence to the end of the last: every length-delimited field `number` in them
    /// is a part (an occurrence of another wire type is an unknown field of the parent).
    buf: &'a [u8],
    /// Offset of `buf` in the payload.
    base: usize,
    /// Depth of the message (of each part).
    depth: u8,
    /// 0, or the field number of the parts.
    number: u32,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Parts<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "{=usize} bytes at {=usize}, field {=u32}",
            self.buf.len(),
            self.base,
            self.number
        );
    }
}

impl<'a> Parts<'a> {
    /// A message in one piece (the payload, an element of a repeated field).
    #[inline(always)]
    pub(crate) const fn one(msg: Msg<'a>) -> Self {
        Parts {
            buf: msg.buf,
            base: msg.base,
            depth: msg.depth,
            number: 0,
        }
    }

    /// One occurrence: the field `raw` (key included) whose key is at `base`, holding a
    /// message of depth `depth` in field `number`.
    #[inline(always)]
    pub(crate) const fn occurrence(raw: &'a [u8], base: usize, depth: u8, number: u32) -> Self {
        Parts {
            buf: raw,
            base,
            depth,
            number,
        }
    }

    /// The occurrence `f` (length-delimited) of a message field of `parent`.
    pub(crate) fn of_field(parent: &Msg<'a>, f: &Field<'a>) -> Result<Self, Error> {
        Ok(Parts::occurrence(
            f.raw,
            f.offset,
            deeper(parent.depth, f.offset)?,
            f.number,
        ))
    }

    /// This message merged with `later`, a later occurrence of the same field of `parent` (no
    /// occurrence between them belongs to another message: a field that is not a `oneof`
    /// member merges every occurrence, and a `oneof` member is merged only while no other
    /// member came between). Rare: out of line.
    #[cold]
    #[inline(never)]
    pub(crate) fn merge(self, later: Parts<'a>, parent: Msg<'a>) -> Result<Self, Error> {
        let from = self.base.checked_sub(parent.base);
        let to = later
            .base
            .checked_add(later.buf.len())
            .and_then(|end| end.checked_sub(parent.base));
        let span = match (from, to) {
            (Some(from), Some(to)) if self.number != 0 && later.number == self.number => {
                parent.buf.get(from..to)
            }
            _ => None,
        };
        // Both are occurrences read from `parent`, so the span is in it; were it not, the
        // later occurrence is the field that could not be read.
        let buf = span.ok_or(Error::Key { offset: later.base })?;
        Ok(Parts { buf, ..self })
    }

    /// Depth of the message.
    #[inline(always)]
    pub(crate) const fn depth(&self) -> u8 {
        self.depth
    }

    /// The fields of the message, across its parts, in wire order.
    #[inline]
    pub(crate) fn fields(&self) -> PartFields<'a> {
        let (cur, rest) = self.start();
        PartFields { cur, rest }
    }

    /// The fields of the first part, if it is at hand, and the parts still to find.
    #[inline(always)]
    pub(crate) fn start(self) -> (Fields<'a>, Parts<'a>) {
        if self.number == 0 {
            let rest = Parts { buf: &[], ..self };
            (Fields::new(self.buf, self.base, self.depth), rest)
        } else {
            (Fields::new(&[], self.base, self.depth), self)
        }
    }

    /// The next part: its fields, this range moved past it. `None` when there is none.
    pub(crate) fn next_part(&mut self) -> Option<Result<Fields<'a>, Error>> {
        self.next_msg()
            .map(|r| r.map(|m| Fields::new(m.buf, m.base, m.depth)))
    }

    fn next_msg(&mut self) -> Option<Result<Msg<'a>, Error>> {
        if self.number == 0 {
            return None;
        }
        let mut c = Fields::new(self.buf, self.base, self.depth.saturating_sub(1));
        loop {
            let f = match c.next() {
                Some(Ok(f)) => f,
                Some(Err(e)) => {
                    self.buf = &[];
                    return Some(Err(e));
                }
                None => {
                    self.buf = &[];
                    return None;
                }
            };
            if let (true, WireValue::Len(buf)) = (f.number == self.number, f.value) {
                let used = c.position();
                self.buf = self.buf.get(used..).unwrap_or_default();
                self.base = self.base.saturating_add(used);
                let base = f.value_offset();
                return Some(Ok(Msg {
                    buf,
                    base,
                    depth: self.depth,
                }));
            }
        }
    }

    /// The last occurrence of the scalar field `number` with the schema's `wire_type` (an
    /// occurrence with another wire type is an unknown field, see [`Fields::skip_value`]).
    pub(crate) fn last(&self, number: u32, wire_type: u8) -> Result<Option<Field<'a>>, Error> {
        let mut found: Option<Field<'a>> = None;
        for f in self.fields() {
            let f = f?;
            if f.number == number && f.value.wire_type() == wire_type {
                found = Some(f);
            }
        }
        Ok(found)
    }

    /// The message in field `f` of this one (an element of a repeated field), one level deeper.
    pub(crate) fn child(&self, f: &Field<'a>) -> Result<Msg<'a>, Error> {
        Ok(Msg {
            buf: f.bytes()?,
            base: f.value_offset(),
            depth: deeper(self.depth, f.offset)?,
        })
    }

    /// The bytes of the message when it is in one piece.
    pub(crate) fn single(&self) -> Option<&'a [u8]> {
        match self.number {
            0 => Some(self.buf),
            _ => {
                let mut rest = *self;
                let first = rest.next_msg()?.ok()?;
                rest.next_msg().is_none().then_some(first.buf)
            }
        }
    }

    /// The bytes of each part, in order: their concatenation is the merged message.
    pub(crate) fn pieces(&self) -> Pieces<'a> {
        let (first, rest) = match self.number {
            0 => (Some(self.buf), Parts { buf: &[], ..*self }),
            _ => (None, *self),
        };
        Pieces { first, rest }
    }
}

/// The fields of a message read through [`Parts`]: those of each part in turn. Stops after the
/// first error.
#[derive(Debug, Clone)]
pub(crate) struct PartFields<'a> {
    cur: Fields<'a>,
    rest: Parts<'a>,
}

impl<'a> Iterator for PartFields<'a> {
    type Item = Result<Field<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.cur.next() {
                Some(Ok(f)) => return Some(Ok(f)),
                Some(Err(e)) => {
                    self.rest.number = 0;
                    return Some(Err(e));
                }
                None => {}
            }
            match self.rest.next_part()? {
                Ok(next) => self.cur = next,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl PartFields<'_> {
    /// Moves to the part that holds the next field, past the parts that hold none, so that a
    /// clone taken now reads that field without looking for its part again. Left as it is when
    /// no part follows, or finding one fails (`next` then meets the end or the error).
    pub(crate) fn ready(&mut self) {
        while self.cur.is_done() {
            let mut rest = self.rest;
            match rest.next_part() {
                Some(Ok(next)) => {
                    self.cur = next;
                    self.rest = rest;
                }
                _ => return,
            }
        }
    }
}

/// The bytes of each part of a message (see [`Parts::pieces`]).
#[derive(Debug, Clone)]
pub(crate) struct Pieces<'a> {
    first: Option<&'a [u8]>,
    rest: Parts<'a>,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Result<&'a [u8], Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(b) = self.first.take() {
            return Some(Ok(b));
        }
        Some(self.rest.next_msg()?.map(|m| m.buf))
    }
}

/// The content of an `extension_value` (messages `MetricValueExtension`,
/// `PropertyValueExtension`, `ParameterValueExtension` and `DataSetValueExtension`, which hold
/// extensions only): its fields are read raw. Several occurrences of the member in a row are
/// one message, as protobuf merges them; [`ExtensionView::pieces`] hands out the bytes of each
/// without copying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ExtensionView<'a>(pub(crate) Parts<'a>);

impl<'a> ExtensionView<'a> {
    /// The fields (all of them extensions), raw, across every occurrence, in wire order.
    #[must_use]
    pub fn fields(&self) -> crate::repeated::UnknownFields<'a> {
        crate::repeated::UnknownFields {
            fields: self.0.fields(),
            known: |_, _| false,
        }
    }

    /// The message's bytes when it came in one occurrence; `None` when it is merged from
    /// several (read those with [`ExtensionView::pieces`]).
    #[must_use]
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        self.0.single()
    }

    /// The bytes of each occurrence, in order: their concatenation is the message as protobuf
    /// reads it.
    pub fn pieces(&self) -> impl Iterator<Item = Result<&'a [u8], Error>> + 'a {
        self.0.pieces()
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)] // test fixtures
mod tests {
    use std::vec::Vec;

    use crate::error::Error;
    use crate::payload::{MetricView, PayloadView, PropertyValueView};
    use crate::value::RawValue;

    /// A length-delimited field: `key`, a one-byte length, `body`.
    fn f(key: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = key.to_vec();
        v.push(u8::try_from(body.len()).unwrap());
        v.extend_from_slice(body);
        v
    }

    /// A payload of the one metric `body`.
    fn payload(body: &[&[u8]]) -> Vec<u8> {
        f(&[0x12], &body.concat())
    }

    fn metric(buf: &[u8]) -> MetricView<'_> {
        PayloadView::new(buf)
            .unwrap()
            .metrics()
            .next()
            .unwrap()
            .unwrap()
    }

    fn strs<'a>(it: impl Iterator<Item = Result<&'a str, Error>>) -> Vec<&'a str> {
        it.map(Result::unwrap).collect()
    }

    /// The occurrences of Metric.metadata (8) merge: the last of each scalar wins.
    /// protoc 3.21 `--decode`: `metadata { is_multi_part: true content_type: "b" size: 3 seq: 4 }`.
    #[test]
    fn metadata_occurrences_merge() {
        let md1 = [0x08, 0x01, 0x12, 0x01, b'a', 0x18, 0x03];
        let md2 = [0x12, 0x01, b'b', 0x20, 0x04];
        let buf = payload(&[&f(&[0x42], &md1), &[0x10, 0x01], &f(&[0x42], &md2)]);
        let md = metric(&buf).metadata().unwrap().unwrap();
        assert_eq!(md.is_multi_part, Some(true));
        assert_eq!(md.content_type, Some("b"));
        assert_eq!((md.size, md.seq), (Some(3), Some(4)));
    }

    /// The occurrences of Metric.properties (9) merge: keys and values append.
    #[test]
    fn property_set_occurrences_merge() {
        let ps1 = [
            &[0x0a, 0x01, b'a'][..],
            &f(&[0x12], &[0x08, 0x03, 0x18, 0x01]),
        ]
        .concat();
        let ps2 = [
            &[0x0a, 0x01, b'b'][..],
            &f(&[0x12], &[0x08, 0x0c, 0x42, 0x01, b'x']),
        ]
        .concat();
        let buf = payload(&[&f(&[0x4a], &ps1), &f(&[0x4a], &ps2)]);
        let m = metric(&buf);
        let p = m.properties().unwrap();
        assert_eq!(strs(p.keys()), ["a", "b"]);
        let values: Vec<_> = p.values().map(|v| v.unwrap().raw_value()).collect();
        assert_eq!(
            values,
            [Some(RawValue::Int(1)), Some(RawValue::String("x"))]
        );
        assert_eq!(p.get("b").unwrap().unwrap().datatype(), Some(12));
        m.check().unwrap();
    }

    /// dataset_value (17) twice in a row merges; another member between starts afresh, as
    /// protoc 3.21 reads it: `dataset_value { num_of_columns: 5 columns: "b" columns: "c"
    /// types: 12 }` for A, int_value, B, C.
    #[test]
    fn dataset_occurrences_merge_until_another_member() {
        let a = [0x08, 0x02, 0x12, 0x01, b'a', 0x18, 0x03];
        let b = [0x12, 0x01, b'b', 0x18, 0x0c, 0x08, 0x05];
        let c = [0x12, 0x01, b'c'];
        let buf = payload(&[
            &[0x0a, 0x01, b'm'],
            &f(&[0x8a, 0x01], &a),
            &[0x50, 0x07],
            &f(&[0x8a, 0x01], &b),
            &f(&[0x8a, 0x01], &c),
        ]);
        let Some(RawValue::DataSet(d)) = metric(&buf).raw_value() else {
            panic!("a dataset");
        };
        assert_eq!(d.num_of_columns(), Ok(Some(5)));
        assert_eq!(strs(d.columns()), ["b", "c"]);
        assert_eq!(d.types().map(Result::unwrap).collect::<Vec<_>>(), [12]);
        // Rows of both occurrences, in order.
        let row = |v: u8| f(&[0x22], &f(&[0x0a], &[0x08, v]));
        let buf = payload(&[&f(&[0x8a, 0x01], &row(1)), &f(&[0x8a, 0x01], &row(2))]);
        let Some(RawValue::DataSet(d)) = metric(&buf).raw_value() else {
            panic!("a dataset");
        };
        let cells: Vec<_> = d
            .rows()
            .map(|r| r.unwrap().elements().next().unwrap().unwrap().raw_value())
            .collect();
        assert_eq!(cells, [Some(RawValue::Int(1)), Some(RawValue::Int(2))]);
    }

    /// template_value (18) twice: metrics and parameters append, the scalars' last wins, a
    /// field of the metric between them changes nothing.
    #[test]
    fn template_occurrences_merge() {
        let m1 = f(&[0x12], &[0x0a, 0x02, b'm', b'1']);
        let m2 = f(&[0x12], &[0x0a, 0x02, b'm', b'2']);
        let p1 = f(&[0x1a], &[0x0a, 0x01, b'p', 0x10, 0x07, 0x18, 0x09]);
        let t1 = [&[0x0a, 0x01, b'1'][..], &m1, &p1, &[0x28, 0x01]].concat();
        let t2 = [&[0x0a, 0x01, b'2'][..], &m2, &[0x22, 0x01, b'T']].concat();
        let buf = payload(&[
            &f(&[0x92, 0x01], &[]),
            &f(&[0x92, 0x01], &t1),
            &[0x38, 0x00],
            &f(&[0x92, 0x01], &t2),
        ]);
        let m = metric(&buf);
        let Some(RawValue::Template(t)) = m.raw_value() else {
            panic!("a template");
        };
        assert_eq!(t.version(), Ok(Some("2")));
        assert_eq!(t.template_ref(), Ok(Some("T")));
        assert_eq!(t.is_definition(), Ok(Some(true)));
        let names: Vec<_> = t.metrics().map(|m| m.unwrap().name()).collect();
        assert_eq!(names, [Some("m1"), Some("m2")]);
        let params: Vec<_> = t.parameters().map(|p| p.unwrap().name()).collect();
        assert_eq!(params, [Some("p")]);
        m.check().unwrap();
    }

    /// extension_value (19) twice: one message, its fields those of both; its bytes in pieces.
    #[test]
    fn extension_occurrences_merge() {
        let buf = payload(&[
            &f(&[0x9a, 0x01], &[0x08, 0x05]),
            &f(&[0x9a, 0x01], &[0x08, 0x06]),
        ]);
        let Some(RawValue::Extension(e)) = metric(&buf).raw_value() else {
            panic!("an extension");
        };
        let fields: Vec<_> = e.fields().map(|f| f.unwrap().varint().unwrap()).collect();
        assert_eq!(fields, [5, 6]);
        assert_eq!(e.as_bytes(), None);
        let pieces: Vec<_> = e.pieces().map(Result::unwrap).collect();
        assert_eq!(pieces, [&[0x08, 0x05][..], &[0x08, 0x06]]);
        // One occurrence: its bytes.
        let buf = payload(&[&f(&[0x9a, 0x01], &[0x08, 0x05])]);
        let Some(RawValue::Extension(e)) = metric(&buf).raw_value() else {
            panic!("an extension");
        };
        assert_eq!(e.as_bytes(), Some(&[0x08, 0x05][..]));
    }

    /// The first property value of the metric's properties, `value` its body.
    fn property_value(buf: &[u8]) -> PropertyValueView<'_> {
        let m = metric(buf);
        m.properties().unwrap().values().next().unwrap().unwrap()
    }

    fn in_property(value: &[u8]) -> Vec<u8> {
        payload(&[&f(&[0x4a], &f(&[0x12], value))])
    }

    /// PropertyValue's propertyset_value (9), propertysets_value (10) and extension_value (11)
    /// twice in a row merge.
    #[test]
    fn property_value_members_merge() {
        let set = |k: u8| [&[0x0a, 0x01, k][..], &f(&[0x12], &[0x08, 0x03, 0x18, k])].concat();
        let value = [f(&[0x4a], &set(b'a')), f(&[0x4a], &set(b'b'))].concat();
        let buf = in_property(&value);
        let Some(RawValue::PropertySet(s)) = property_value(&buf).raw_value() else {
            panic!("a property set");
        };
        assert_eq!(strs(s.keys()), ["a", "b"]);
        assert_eq!(s.values().count(), 2);

        let list = |k: u8| f(&[0x0a], &set(k));
        let value = [f(&[0x52], &list(b'a')), f(&[0x52], &list(b'b'))].concat();
        let buf = in_property(&value);
        let Some(RawValue::PropertySetList(l)) = property_value(&buf).raw_value() else {
            panic!("a property set list");
        };
        let keys: Vec<_> = l.iter().map(|s| strs(s.unwrap().keys())).collect();
        assert_eq!(keys, [["a"], ["b"]]);

        let value = [f(&[0x5a], &[0x08, 0x01]), f(&[0x5a], &[0x10, 0x02])].concat();
        let buf = in_property(&value);
        let Some(RawValue::Extension(e)) = property_value(&buf).raw_value() else {
            panic!("an extension");
        };
        let numbers: Vec<_> = e.fields().map(|f| f.unwrap().number).collect();
        assert_eq!(numbers, [1, 2]);
    }

    /// Parameter.extension_value (9) and DataSetValue.extension_value (7) twice merge.
    #[test]
    fn parameter_and_cell_extensions_merge() {
        let ext = |key: u8| [f(&[key], &[0x08, 0x01]), f(&[key], &[0x10, 0x02])].concat();
        let t = f(&[0x1a], &ext(0x4a));
        let buf = payload(&[&f(&[0x92, 0x01], &t)]);
        let Some(RawValue::Template(t)) = metric(&buf).raw_value() else {
            panic!("a template");
        };
        let p = t.parameters().next().unwrap().unwrap();
        let Some(RawValue::Extension(e)) = p.raw_value() else {
            panic!("an extension");
        };
        assert_eq!(e.fields().count(), 2);

        let d = f(&[0x22], &f(&[0x0a], &ext(0x3a)));
        let buf = payload(&[&f(&[0x8a, 0x01], &d)]);
        let Some(RawValue::DataSet(d)) = metric(&buf).raw_value() else {
            panic!("a dataset");
        };
        let row = d.rows().next().unwrap().unwrap();
        let Some(RawValue::Extension(e)) = row.elements().next().unwrap().unwrap().raw_value()
        else {
            panic!("an extension");
        };
        let numbers: Vec<_> = e.fields().map(|f| f.unwrap().number).collect();
        assert_eq!(numbers, [1, 2]);
    }

    /// An error in any occurrence of a merged message is the error of the message, at its
    /// offset in the payload (protoc refuses such a payload).
    #[test]
    fn errors_in_an_earlier_occurrence_are_reported() {
        // The first dataset's column string is cut short (length 5, 1 byte there).
        let bad = [0x12, 0x05, b'a'];
        let buf = payload(&[&f(&[0x8a, 0x01], &bad), &f(&[0x8a, 0x01], &[0x08, 0x01])]);
        let m = metric(&buf);
        assert_eq!(
            m.check(),
            Err(Error::Truncated {
                offset: 7,
                needed: 4
            })
        );
        // A metric name that is not UTF-8 names its field and byte.
        let buf = payload(&[&[0x0a, 0x02, b'a', 0xff]]);
        let v = PayloadView::new(&buf).unwrap();
        assert_eq!(
            v.metrics().next().unwrap().err(),
            Some(Error::Utf8 {
                field: 1,
                offset: 5
            })
        );
    }
}
