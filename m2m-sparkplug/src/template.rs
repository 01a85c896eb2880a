//! Template views (Sparkplug 3.0.0 §6.4.10, message `Payload.Template`): definitions and
//! instances with their member metrics and parameters, borrowed from the payload.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::Error;
use crate::payload::{Metrics, Msg, Oneof, Parts, Repeated, View, set_value};
use crate::value::{RawValue, Value};
use crate::wire::WireValue;

// ---- Template ---------------------------------------------------------------------------------

/// A template definition or instance (§6.4.10, message `Payload.Template`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TemplateView<'a>(pub(crate) Parts<'a>);

impl<'a> TemplateView<'a> {
    /// `version`.
    pub fn version(&self) -> Result<Option<&'a str>, Error> {
        self.0.last(1, 2)?.map(|f| f.str()).transpose()
    }

    /// `metrics`: the members.
    #[must_use]
    pub fn metrics(&self) -> Metrics<'a> {
        Metrics::new(self.0)
    }

    /// `parameters`.
    #[must_use]
    pub fn parameters(&self) -> Repeated<'a, ParameterView<'a>> {
        Repeated::new(self.0, 3)
    }

    /// `template_ref`: for an instance, the name of its definition.
    pub fn template_ref(&self) -> Result<Option<&'a str>, Error> {
        self.0.last(4, 2)?.map(|f| f.str()).transpose()
    }

    /// `is_definition`.
    pub fn is_definition(&self) -> Result<Option<bool>, Error> {
        self.0.last(5, 0)?.map(|f| f.bool()).transpose()
    }

    /// Checks every field, member metric and parameter.
    pub fn check(&self) -> Result<(), Error> {
        self.check_as(true)
    }

    /// [`TemplateView::check`]; `typed` false leaves the values' datatypes alone.
    pub(crate) fn check_as(&self, typed: bool) -> Result<(), Error> {
        self.version()?;
        self.template_ref()?;
        self.is_definition()?;
        for m in self.metrics() {
            m?.check_as(typed)?;
        }
        for p in self.parameters() {
            let p = p?;
            if let Some(dt) = p.datatype.filter(|_| typed) {
                match Value::from_raw(dt, p.raw, false) {
                    Ok(_) | Err(Error::NoValue) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

/// A template parameter (message `Payload.Template.Parameter`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ParameterView<'a> {
    name: Option<&'a str>,
    datatype: Option<u32>,
    raw: Option<RawValue<'a>>,
}

impl<'a> View<'a> for ParameterView<'a> {
    fn parse(msg: Msg<'a>) -> Result<Self, Error> {
        let mut p = ParameterView {
            name: None,
            datatype: None,
            raw: None,
        };
        for f in msg.fields() {
            let f = f?;
            // A field with another wire type than the schema's is an unknown field.
            match (f.number, f.value) {
                (1, WireValue::Len(_)) => p.name = Some(f.str()?),
                (2, WireValue::Varint(_)) => p.datatype = Some(f.uint32()?),
                _ => {
                    if let Some(v) = Oneof::Parameter.read(&msg, &f)? {
                        set_value(&mut p.raw, v, msg)?;
                    }
                }
            }
        }
        Ok(p)
    }
}

impl<'a> ParameterView<'a> {
    /// `name`.
    #[must_use]
    pub const fn name(&self) -> Option<&'a str> {
        self.name
    }
    /// `type` (a datatype code).
    #[must_use]
    pub const fn datatype(&self) -> Option<u32> {
        self.datatype
    }
    /// The value field as on the wire.
    #[must_use]
    pub const fn raw_value(&self) -> Option<RawValue<'a>> {
        self.raw
    }
    /// The value read as its `type` (no value reads as `Null`).
    pub fn value(&self) -> Result<Value<'a>, Error> {
        Value::from_raw(
            self.datatype.ok_or(Error::NoDatatype)?,
            self.raw,
            self.raw.is_none(),
        )
    }
}
