//! Metric metadata (Sparkplug 3.0.0 §6.4.4, message `Payload.MetaData`), borrowed.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::Error;
use crate::payload::Parts;
use crate::wire::WireValue;

/// Metric metadata (§6.4.4, message `Payload.MetaData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MetaDataView<'a> {
    /// `is_multi_part`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub is_multi_part: Option<bool>,
    /// `content_type`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub content_type: Option<&'a str>,
    /// `size`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub size: Option<u64>,
    /// `seq` (multi-part sequence number).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub seq: Option<u64>,
    /// `file_name`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub file_name: Option<&'a str>,
    /// `file_type`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub file_type: Option<&'a str>,
    /// `md5`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub md5: Option<&'a str>,
    /// `description`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub description: Option<&'a str>,
}

impl<'a> MetaDataView<'a> {
    /// Reads every field, across the occurrences of a merged message (the last of each wins).
    pub(crate) fn read(msg: Parts<'a>) -> Result<Self, Error> {
        let mut m = MetaDataView::default();
        for f in msg.fields() {
            let f = f?;
            // A field with another wire type than the schema's is an unknown field.
            match (f.number, f.value) {
                (1, WireValue::Varint(v)) => m.is_multi_part = Some(v != 0),
                (2, WireValue::Len(_)) => m.content_type = Some(f.str()?),
                (3, WireValue::Varint(v)) => m.size = Some(v),
                (4, WireValue::Varint(v)) => m.seq = Some(v),
                (5, WireValue::Len(_)) => m.file_name = Some(f.str()?),
                (6, WireValue::Len(_)) => m.file_type = Some(f.str()?),
                (7, WireValue::Len(_)) => m.md5 = Some(f.str()?),
                (8, WireValue::Len(_)) => m.description = Some(f.str()?),
                _ => {}
            }
        }
        Ok(m)
    }
}
