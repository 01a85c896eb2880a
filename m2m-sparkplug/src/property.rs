//! Property views (Sparkplug 3.0.0 §6.4.6-§6.4.8, messages `Payload.PropertySet`,
//! `Payload.PropertySetList` and `Payload.PropertyValue`), borrowed from the payload.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::Error;
use crate::payload::{Msg, Oneof, Parts, Repeated, Strings, View, set_value};
use crate::value::{RawValue, Value};
use crate::wire::WireValue;

// ---- PropertySet, PropertySetList, PropertyValue ---------------------------------------------

/// A property set (§6.4.7, message `Payload.PropertySet`): parallel `keys` and `values`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PropertySetView<'a>(pub(crate) Parts<'a>);

impl<'a> View<'a> for PropertySetView<'a> {
    fn parse(msg: Msg<'a>) -> Result<Self, Error> {
        Ok(PropertySetView(Parts::one(msg)))
    }
}

impl<'a> PropertySetView<'a> {
    /// The keys, in order.
    #[must_use]
    pub fn keys(&self) -> Strings<'a> {
        Strings {
            fields: self.0.fields(),
            number: 1,
        }
    }

    /// The values, in order.
    #[must_use]
    pub fn values(&self) -> Repeated<'a, PropertyValueView<'a>> {
        Repeated::new(self.0, 2)
    }

    /// Key and value pairs (the shorter list ends the pairs; the validator reports unequal counts).
    pub fn iter(
        &self,
    ) -> impl Iterator<Item = Result<(&'a str, PropertyValueView<'a>), Error>> + 'a {
        self.keys().zip(self.values()).map(|(k, v)| Ok((k?, v?)))
    }

    /// The value of the first property named `key`.
    pub fn get(&self, key: &str) -> Result<Option<PropertyValueView<'a>>, Error> {
        for p in self.iter() {
            let (k, v) = p?;
            if k == key {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// Checks every key, value and nested set.
    pub fn check(&self) -> Result<(), Error> {
        self.check_as(true)
    }

    /// [`PropertySetView::check`]; `typed` false leaves the values' datatypes alone.
    pub(crate) fn check_as(&self, typed: bool) -> Result<(), Error> {
        for k in self.keys() {
            k?;
        }
        for v in self.values() {
            v?.check_as(typed)?;
        }
        Ok(())
    }
}

/// A list of property sets (§6.4.8, message `Payload.PropertySetList`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PropertySetListView<'a>(pub(crate) Parts<'a>);

impl<'a> PropertySetListView<'a> {
    /// The property sets.
    #[must_use]
    pub fn iter(&self) -> Repeated<'a, PropertySetView<'a>> {
        Repeated::new(self.0, 1)
    }

    /// Checks every set.
    pub fn check(&self) -> Result<(), Error> {
        self.check_as(true)
    }

    /// [`PropertySetListView::check`]; `typed` false leaves the values' datatypes alone.
    pub(crate) fn check_as(&self, typed: bool) -> Result<(), Error> {
        for s in self.iter() {
            s?.check_as(typed)?;
        }
        Ok(())
    }
}

/// One property value (§6.4.6, message `Payload.PropertyValue`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PropertyValueView<'a> {
    datatype: Option<u32>,
    is_null: Option<bool>,
    raw: Option<RawValue<'a>>,
}

impl<'a> View<'a> for PropertyValueView<'a> {
    fn parse(msg: Msg<'a>) -> Result<Self, Error> {
        let mut p = PropertyValueView {
            datatype: None,
            is_null: None,
            raw: None,
        };
        for f in msg.fields() {
            let f = f?;
            // A field with another wire type than the schema's is an unknown field.
            match (f.number, f.value) {
                (1, WireValue::Varint(_)) => p.datatype = Some(f.uint32()?),
                (2, WireValue::Varint(v)) => p.is_null = Some(v != 0),
                _ => {
                    if let Some(v) = Oneof::Property.read(&msg, &f)? {
                        set_value(&mut p.raw, v, msg)?;
                    }
                }
            }
        }
        Ok(p)
    }
}

impl<'a> PropertyValueView<'a> {
    /// `type` (a datatype code).
    #[must_use]
    pub const fn datatype(&self) -> Option<u32> {
        self.datatype
    }
    /// `is_null`.
    #[must_use]
    pub const fn is_null(&self) -> Option<bool> {
        self.is_null
    }
    /// The value field as on the wire.
    #[must_use]
    pub const fn raw_value(&self) -> Option<RawValue<'a>> {
        self.raw
    }
    /// The value read as its `type`.
    pub fn value(&self) -> Result<Value<'a>, Error> {
        Value::from_raw(
            self.datatype.ok_or(Error::NoDatatype)?,
            self.raw,
            self.is_null == Some(true),
        )
    }

    fn check_as(&self, typed: bool) -> Result<(), Error> {
        match self.raw {
            Some(RawValue::PropertySet(s)) => s.check_as(typed)?,
            Some(RawValue::PropertySetList(l)) => l.check_as(typed)?,
            _ => {}
        }
        if let Some(dt) = self.datatype.filter(|_| typed) {
            match Value::from_raw(dt, self.raw, self.is_null == Some(true)) {
                Ok(_) | Err(Error::NoValue) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
