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
        for t in self.types() {
            t?;
        }
        for row in self.rows() {
            let mut types = self.types();
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
