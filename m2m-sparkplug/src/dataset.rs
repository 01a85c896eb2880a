//! Dataset views (Sparkplug 3.0.0 §6.4.9, message `Payload.DataSet`): columns, types, rows and
//! cells, borrowed from the payload like every view of [`crate::payload`].
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::Error;
use crate::payload::{Msg, Oneof, Parts, Repeated, Strings, Uint32s, View, set_value};
use crate::value::{RawValue, Value};

// ---- DataSet ----------------------------------------------------------------------------------

/// A dataset (§6.4.9, message `Payload.DataSet`): columns with names and types, and rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DataSetView<'a>(pub(crate) Parts<'a>);

impl<'a> DataSetView<'a> {
    /// `num_of_columns`.
    pub fn num_of_columns(&self) -> Result<Option<u64>, Error> {
        self.0.last(1, 0)?.map(|f| f.varint()).transpose()
    }

    /// `columns`: the column names.
    #[must_use]
    pub fn columns(&self) -> Strings<'a> {
        Strings {
            fields: self.0.fields(),
            number: 2,
        }
    }

    /// `types`: the column datatypes (codes), packed or not on the wire.
    #[must_use]
    pub fn types(&self) -> Uint32s<'a> {
        Uint32s {
            fields: self.0.fields(),
            packed: None,
            number: 3,
        }
    }

    /// `rows`.
    #[must_use]
    pub fn rows(&self) -> Repeated<'a, RowView<'a>> {
        Repeated::new(self.0, 4)
    }

    /// Checks every column, type, row and cell; a cell is read as its column's type.
    pub fn check(&self) -> Result<(), Error> {
        self.check_as(true)
    }

    /// [`DataSetView::check`]; `typed` false checks the messages alone, not the cells against
    /// their types (an occurrence a later one replaces, which protobuf reads as a message and
    /// no more).
    pub(crate) fn check_as(&self, typed: bool) -> Result<(), Error> {
        self.num_of_columns()?;
        for c in self.columns() {
            c?;
        }
        let types = ColumnTypes::new(self)?;
        for row in self.rows() {
            let mut types = types.row();
            for cell in row?.elements() {
                let cell = cell?;
                if let Some(Ok(t)) = types.next().filter(|_| typed) {
                    if cell.raw.is_some() {
                        Value::from_raw(t, cell.raw, false)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// How many column types [`ColumnTypes`] keeps at hand.
const KEPT: usize = 32;

/// The column types of a dataset, read once so that each row takes its cells' types without
/// walking the dataset again: `types` may come after the rows, in a later occurrence of the
/// dataset, or not at all, and a row may have more cells than there are types.
///
/// The first [`KEPT`] types are kept in an array; the others are read again for each row that
/// reaches them, from an iterator set on the first of them, which costs a row the fields
/// between those types: its cells when they are written in one run (packed, or one element
/// after the other, as every encoder writes them). Only types split by rows or other fields
/// beyond the first [`KEPT`] make a wide row walk further.
pub(crate) struct ColumnTypes<'a> {
    kept: [u32; KEPT],
    /// At the type after the kept ones.
    rest: Uint32s<'a>,
    len: usize,
}

impl<'a> ColumnTypes<'a> {
    /// Reads the types of `d` once: the first error of `types` is the error.
    pub(crate) fn new(d: &DataSetView<'a>) -> Result<Self, Error> {
        let mut it = d.types();
        let mut kept = [0; KEPT];
        let mut len = 0usize;
        for slot in &mut kept {
            match it.next() {
                Some(t) => *slot = t?,
                None => break,
            }
            len = len.saturating_add(1);
        }
        it.settle();
        let rest = it.clone();
        for t in it {
            t?;
            len = len.saturating_add(1);
        }
        Ok(ColumnTypes { kept, rest, len })
    }

    /// The number of types.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// The types of a row's cells, in column order.
    pub(crate) fn row(&self) -> RowTypes<'_, 'a> {
        RowTypes {
            types: self,
            at: 0,
            rest: None,
        }
    }
}

/// The types of a row's cells (see [`ColumnTypes::row`]).
pub(crate) struct RowTypes<'t, 'a> {
    types: &'t ColumnTypes<'a>,
    at: usize,
    rest: Option<Uint32s<'a>>,
}

impl Iterator for RowTypes<'_, '_> {
    type Item = Result<u32, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.types.len {
            return None;
        }
        let i = self.at;
        self.at = self.at.saturating_add(1);
        if let Some(t) = self.types.kept.get(i) {
            return Some(Ok(*t));
        }
        let types = self.types;
        self.rest.get_or_insert_with(|| types.rest.clone()).next()
    }
}

/// One dataset row (message `Payload.DataSet.Row`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RowView<'a>(pub(crate) Msg<'a>);

impl<'a> View<'a> for RowView<'a> {
    fn parse(msg: Msg<'a>) -> Result<Self, Error> {
        Ok(RowView(msg))
    }
}

impl<'a> RowView<'a> {
    /// The cells, in column order.
    #[must_use]
    pub fn elements(&self) -> Repeated<'a, CellView<'a>> {
        Repeated::new(Parts::one(self.0), 1)
    }
}

/// One dataset cell (message `Payload.DataSet.DataSetValue`); its type is its column's.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CellView<'a> {
    raw: Option<RawValue<'a>>,
}

impl<'a> View<'a> for CellView<'a> {
    fn parse(msg: Msg<'a>) -> Result<Self, Error> {
        let mut raw = None;
        for f in msg.fields() {
            let f = f?;
            // A member with another wire type than the schema's is an unknown field.
            if let Some(v) = Oneof::Cell.read(&msg, &f)? {
                set_value(&mut raw, v, msg)?;
            }
        }
        Ok(CellView { raw })
    }
}

impl<'a> CellView<'a> {
    /// The value field as on the wire (`None` for an empty cell).
    #[must_use]
    pub const fn raw_value(&self) -> Option<RawValue<'a>> {
        self.raw
    }

    /// The value read as `datatype` (its column's type); an empty cell reads as `Null`.
    pub fn value_as(&self, datatype: u32) -> Result<Value<'a>, Error> {
        Value::from_raw(datatype, self.raw, self.raw.is_none())
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation)] // test fixtures
mod tests {
    use std::vec::Vec;

    use crate::payload::PayloadView;
    use crate::topic::MessageType;
    use crate::validate::{Context, validate};
    use crate::value::RawValue;
    use crate::wire::visits;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// Field `number` holding the varint `v`.
    fn vi(number: u64, v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        varint(number << 3, &mut out);
        varint(v, &mut out);
        out
    }

    /// Field `number` holding `body`.
    fn ld(number: u64, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        varint((number << 3) | 2, &mut out);
        varint(body.len() as u64, &mut out);
        out.extend_from_slice(body);
        out
    }

    /// `rows` rows of `cells` Int32 cells.
    fn rows(rows: usize, cells: usize) -> Vec<u8> {
        let row = ld(4, &ld(1, &vi(1, 7)).repeat(cells));
        row.repeat(rows)
    }

    /// A DDATA payload whose one metric holds the occurrences `parts` of `dataset_value`.
    fn payload(parts: &[Vec<u8>]) -> Vec<u8> {
        let mut metric = [ld(1, b"d"), vi(4, 16), vi(3, 1)].concat();
        for p in parts {
            metric.extend(ld(17, p));
        }
        [vi(1, 1), ld(2, &metric), vi(3, 0)].concat()
    }

    /// The fields read by `DataSetView::check` and by the validator on `bytes`; both succeed.
    fn work(bytes: &[u8]) -> (u64, u64) {
        let view = PayloadView::new(bytes).unwrap();
        let m = view.metrics().next().unwrap().unwrap();
        let Some(RawValue::DataSet(d)) = m.raw_value() else {
            panic!("no dataset");
        };
        let check = visits::during(|| d.check().unwrap());
        let mut n = 0;
        let validated = visits::during(|| {
            validate(&view, MessageType::DData, &Context::default(), &mut |_| {
                n += 1
            })
            .unwrap();
        });
        (check, validated)
    }

    /// Reading the dataset `make(n)` costs about twice as much for twice the rows: the types
    /// are not looked for again for each row.
    fn linear(make: impl Fn(usize) -> Vec<u8>) {
        let (c1, v1) = work(&make(500));
        let (c2, v2) = work(&make(1000));
        assert!(
            c2 < c1 * 5 / 2,
            "check: {c1} fields for 500 rows, {c2} for 1000"
        );
        assert!(
            v2 < v1 * 5 / 2,
            "validate: {v1} fields for 500 rows, {v2} for 1000"
        );
    }

    #[test]
    fn types_after_the_rows_are_found_once() {
        let columns = [vi(1, 1), ld(2, b"c")].concat();
        linear(|n| payload(&[[columns.clone(), rows(n, 1), vi(3, 3)].concat()]));
        // In a later occurrence of the dataset.
        linear(|n| payload(&[[columns.clone(), rows(n, 1)].concat(), vi(3, 3)]));
        // Missing.
        linear(|n| payload(&[[columns.clone(), rows(n, 1)].concat()]));
    }

    #[test]
    fn rows_longer_than_the_types_do_not_look_for_more() {
        let columns = [vi(1, 2), ld(2, b"a"), ld(2, b"b")].concat();
        linear(|n| payload(&[[columns.clone(), vi(3, 3), rows(n, 2)].concat()]));
    }

    #[test]
    fn types_beyond_the_kept_ones_are_read_from_their_place() {
        let cells = super::KEPT + 8;
        let types = ld(3, &[3; super::KEPT + 8]);
        // Unpacked, after the rows.
        let unpacked = vi(3, 3).repeat(cells);
        linear(|n| payload(&[[rows(n / 8, cells), types.clone()].concat()]));
        linear(|n| payload(&[[rows(n / 8, cells), unpacked.clone()].concat()]));
        // The kept ones before the rows, the others after them.
        let (before, after) = (ld(3, &[3; super::KEPT]), ld(3, &[3; 8]));
        linear(|n| payload(&[[before.clone(), rows(n / 8, cells), after.clone()].concat()]));
    }
}
