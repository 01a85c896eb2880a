//! The nested messages of a payload (MetaData, PropertySet and PropertyValue, DataSet and its
//! rows, Template and its parameters): their lengths and their writing, and how deep they nest
//! (what the views' depth bound counts).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::*;

impl MetaData<'_> {
    pub(super) fn len(&self) -> usize {
        sum(&[
            opt_bool(1, self.is_multi_part),
            opt_str(2, self.content_type.as_ref()),
            opt_varint(3, self.size),
            opt_varint(4, self.seq),
            opt_str(5, self.file_name.as_ref()),
            opt_str(6, self.file_type.as_ref()),
            opt_str(7, self.md5.as_ref()),
            opt_str(8, self.description.as_ref()),
        ])
    }

    pub(super) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        put_opt_bool(w, 1, self.is_multi_part)?;
        put_opt_str(w, 2, self.content_type.as_ref())?;
        put_opt_varint(w, 3, self.size)?;
        put_opt_varint(w, 4, self.seq)?;
        put_opt_str(w, 5, self.file_name.as_ref())?;
        put_opt_str(w, 6, self.file_type.as_ref())?;
        put_opt_str(w, 7, self.md5.as_ref())?;
        put_opt_str(w, 8, self.description.as_ref())
    }
}

impl PropertySet<'_> {
    pub(super) fn len(&self) -> usize {
        let keys = self
            .keys
            .iter()
            .fold(0usize, |a, k| a.saturating_add(len_field_len(1, k.len())));
        let values = self
            .values
            .iter()
            .fold(0usize, |a, v| a.saturating_add(len_field_len(2, v.len())));
        keys.saturating_add(values)
    }

    pub(super) fn write(&self, w: &mut Writer<'_>, o: &EncodeOptions) -> Result<(), Error> {
        for k in self.keys.iter() {
            put_bytes(w, 1, k.as_bytes())?;
        }
        for v in self.values.iter() {
            put_len(w, 2, v.len())?;
            v.write(w, o)?;
        }
        Ok(())
    }
}

impl PropertyValue<'_> {
    pub(super) fn len(&self) -> usize {
        sum(&[
            opt_varint(1, self.datatype.map(u64::from)),
            opt_bool(2, self.is_null),
            self.value
                .as_ref()
                .map_or(0, |v| v.value_len(Layout::Property)),
        ])
    }

    pub(super) fn write(&self, w: &mut Writer<'_>, o: &EncodeOptions) -> Result<(), Error> {
        put_opt_varint(w, 1, self.datatype.map(u64::from))?;
        put_opt_bool(w, 2, self.is_null)?;
        if let Some(v) = &self.value {
            v.write_value(Layout::Property, w, o)?;
        }
        Ok(())
    }
}

impl DataSet<'_> {
    pub(super) fn len(&self) -> usize {
        let columns = self
            .columns
            .iter()
            .fold(0usize, |a, c| a.saturating_add(len_field_len(2, c.len())));
        let types = self.types.iter().fold(0usize, |a, &t| {
            a.saturating_add(varint_field_len(3, u64::from(t)))
        });
        let rows = self
            .rows
            .iter()
            .fold(0usize, |a, r| a.saturating_add(len_field_len(4, r.len())));
        sum(&[opt_varint(1, self.num_of_columns), columns, types, rows])
    }

    pub(super) fn write(&self, w: &mut Writer<'_>, o: &EncodeOptions) -> Result<(), Error> {
        put_opt_varint(w, 1, self.num_of_columns)?;
        for c in self.columns.iter() {
            put_bytes(w, 2, c.as_bytes())?;
        }
        for &t in self.types.iter() {
            put_varint(w, 3, u64::from(t))?;
        }
        for r in self.rows.iter() {
            put_len(w, 4, r.len())?;
            r.write(w, o)?;
        }
        Ok(())
    }
}

impl Row<'_> {
    pub(super) fn cell_len(v: Option<&MetricValue<'_>>) -> usize {
        v.map_or(0, |v| v.value_len(Layout::Cell))
    }

    pub(super) fn len(&self) -> usize {
        self.elements.iter().fold(0usize, |a, c| {
            a.saturating_add(len_field_len(1, Self::cell_len(c.as_ref())))
        })
    }

    pub(super) fn write(&self, w: &mut Writer<'_>, o: &EncodeOptions) -> Result<(), Error> {
        for c in self.elements.iter() {
            put_len(w, 1, Self::cell_len(c.as_ref()))?;
            if let Some(v) = c {
                v.write_value(Layout::Cell, w, o)?;
            }
        }
        Ok(())
    }
}

impl Template<'_> {
    pub(super) fn len(&self) -> usize {
        let metrics = self
            .metrics
            .iter()
            .fold(0usize, |a, m| a.saturating_add(len_field_len(2, m.len())));
        let params = self
            .parameters
            .iter()
            .fold(0usize, |a, p| a.saturating_add(len_field_len(3, p.len())));
        sum(&[
            opt_str(1, self.version.as_ref()),
            metrics,
            params,
            opt_str(4, self.template_ref.as_ref()),
            opt_bool(5, self.is_definition),
        ])
    }

    pub(super) fn write(&self, w: &mut Writer<'_>, o: &EncodeOptions) -> Result<(), Error> {
        put_opt_str(w, 1, self.version.as_ref())?;
        for m in self.metrics.iter() {
            put_len(w, 2, m.len())?;
            m.write(w, o)?;
        }
        for p in self.parameters.iter() {
            put_len(w, 3, p.len())?;
            p.write(w, o)?;
        }
        put_opt_str(w, 4, self.template_ref.as_ref())?;
        put_opt_bool(w, 5, self.is_definition)
    }
}

impl Parameter<'_> {
    pub(super) fn len(&self) -> usize {
        sum(&[
            opt_str(1, self.name.as_ref()),
            opt_varint(2, self.datatype.map(u64::from)),
            self.value
                .as_ref()
                .map_or(0, |v| v.value_len(Layout::Parameter)),
        ])
    }

    pub(super) fn write(&self, w: &mut Writer<'_>, o: &EncodeOptions) -> Result<(), Error> {
        put_opt_str(w, 1, self.name.as_ref())?;
        put_opt_varint(w, 2, self.datatype.map(u64::from))?;
        if let Some(v) = &self.value {
            v.write_value(Layout::Parameter, w, o)?;
        }
        Ok(())
    }
}

/// Levels of messages inside a metric (0 for a scalar one), as the views count depth.
#[inline]
pub(super) fn metric_levels(m: &Metric<'_>) -> usize {
    // Most metrics: a scalar, an array or a string, no properties, no metadata.
    let nested = |v: &MetricValue<'_>| {
        matches!(
            v,
            MetricValue::Template(_)
                | MetricValue::DataSet(_)
                | MetricValue::PropertySet(_)
                | MetricValue::PropertySetList(_)
                | MetricValue::Raw(Raw::Extension(_))
        )
    };
    if m.properties.is_none() && m.metadata.is_none() && !m.value.as_ref().is_some_and(nested) {
        return 0;
    }
    let props = m
        .properties
        .as_ref()
        .map_or(0, |p| set_levels(p).saturating_add(1));
    let meta = usize::from(m.metadata.is_some());
    let value = m.value.as_ref().map_or(0, value_levels);
    props.max(meta).max(value)
}

/// Levels of messages inside a value's own message (0 for a scalar).
fn value_levels(v: &MetricValue<'_>) -> usize {
    match v {
        MetricValue::Template(t) => {
            let metrics = t.metrics.iter().map(|m| metric_levels(m).saturating_add(1));
            let params = t
                .parameters
                .iter()
                .map(|p| p.value.as_ref().map_or(0, value_levels).saturating_add(1));
            metrics.chain(params).max().unwrap_or(0).saturating_add(1)
        }
        MetricValue::DataSet(d) => {
            // Each row a message, each cell a message, a cell's extension one more.
            let cells = |r: &Row<'_>| {
                r.elements
                    .iter()
                    .map(|e| e.as_ref().map_or(0, value_levels).saturating_add(1))
                    .max()
                    .unwrap_or(0)
            };
            d.rows
                .iter()
                .map(|r| cells(r).saturating_add(1))
                .max()
                .unwrap_or(0)
                .saturating_add(1)
        }
        MetricValue::PropertySet(p) => set_levels(p).saturating_add(1),
        MetricValue::PropertySetList(l) => l
            .iter()
            .map(|p| set_levels(p).saturating_add(1))
            .max()
            .unwrap_or(0)
            .saturating_add(1),
        MetricValue::Raw(Raw::Extension(_)) => 1,
        _ => 0,
    }
}

/// Levels of messages inside a property set.
fn set_levels(p: &PropertySet<'_>) -> usize {
    p.values
        .iter()
        .map(|v| v.value.as_ref().map_or(0, value_levels).saturating_add(1))
        .max()
        .unwrap_or(0)
}
