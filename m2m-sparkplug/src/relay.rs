//! A lossless relay (Sparkplug 3.0.0 §6.4.1, `sparkplug_b.proto` extension ranges): re-emits a
//! payload with some metrics replaced or dropped and `timestamp` or `seq` changed, copying every
//! other field byte for byte, so unknown fields and extensions at any depth reach the next hop as
//! they came (a decode into [`Payload`] and an encode would drop them).
//!
//! Fields keep their order; a changed `timestamp` or `seq` goes where the first occurrence was
//! (or first, respectively last, when the input has none) and replaces every occurrence. Nothing
//! allocates.
//!
//! ```
//! use m2m_sparkplug::relay::{Edit, Relay};
//! use m2m_sparkplug::PayloadView;
//!
//! // timestamp 5, one metric "a" with an unknown field 99 (varint 7), seq 3.
//! let input = [0x08, 5, 0x12, 6, 0x0a, 1, b'a', 0x98, 0x06, 7, 0x18, 3];
//! let view = PayloadView::new(&input)?;
//! let mut out = [0u8; 32];
//! let n = Relay::new(&view).seq(Some(9)).write(&mut out, |_, _| Edit::Keep)?;
//! assert_eq!(&out[..n], &[0x08, 5, 0x12, 6, 0x0a, 1, b'a', 0x98, 0x06, 7, 0x18, 9]);
//! # Ok::<(), m2m_sparkplug::Error>(())
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::Writer;

use crate::error::Error;
use crate::payload::{MetricView, PayloadView};
use crate::repr::{EncodeOptions, Metric, Payload, Seq};

use crate::wire::put_varint;

/// What becomes of one metric.
// Returned by value for one metric at a time, never stored: boxing would need `alloc`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Edit<'m> {
    /// Copied as it came, unknown fields included.
    Keep,
    /// Left out.
    Drop,
    /// Written in its place.
    Replace(Metric<'m>),
}

/// A payload to re-emit, with the header changes to make.
#[derive(Debug, Clone, Copy)]
pub struct Relay<'v, 'a> {
    view: &'v PayloadView<'a>,
    timestamp: Option<Option<u64>>,
    seq: Option<Option<u64>>,
    options: EncodeOptions,
}

impl<'v, 'a> Relay<'v, 'a> {
    /// The payload as it is.
    #[must_use]
    pub fn new(view: &'v PayloadView<'a>) -> Self {
        Relay {
            view,
            timestamp: None,
            seq: None,
            options: EncodeOptions::default(),
        }
    }

    /// Sets (`Some`) or removes (`None`) the payload timestamp.
    #[must_use]
    pub fn timestamp(mut self, ts: Option<u64>) -> Self {
        self.timestamp = Some(ts);
        self
    }

    /// Sets (`Some`) or removes (`None`) `seq` (a relay renumbering into its own session).
    #[must_use]
    pub fn seq(mut self, seq: Option<u64>) -> Self {
        self.seq = Some(seq);
        self
    }

    /// Encoder choices for replacement metrics.
    #[must_use]
    pub fn options(mut self, options: EncodeOptions) -> Self {
        self.options = options;
        self
    }

    /// Writes the payload into `out`, asking `edit` about each metric (its index and view);
    /// returns the length written. Errors: the input's first malformed field, or
    /// [`Error::BufferTooSmall`].
    pub fn write<'m>(
        &self,
        out: &mut [u8],
        mut edit: impl FnMut(usize, &MetricView<'a>) -> Edit<'m>,
    ) -> Result<usize, Error> {
        let mut w = Writer::new(out);
        let mut wrote_ts = false;
        let mut wrote_seq = false;
        let has_ts = self.view.timestamp().is_some();
        let has_seq = self.view.seq().is_some();
        if let Some(Some(ts)) = self.timestamp {
            if !has_ts {
                put_varint(&mut w, 1, ts)?;
                wrote_ts = true;
            }
        }
        let msg = self.view.msg;
        let mut index = 0usize;
        for f in msg.fields() {
            let f = f?;
            // A field with another wire type than the schema's is an unknown field: copied.
            match (f.number, f.value.wire_type(), self.timestamp, self.seq) {
                (1, 0, Some(ts), _) => {
                    if !wrote_ts {
                        if let Some(ts) = ts {
                            put_varint(&mut w, 1, ts)?;
                        }
                        wrote_ts = true;
                    }
                }
                (3, 0, _, Some(seq)) => {
                    if !wrote_seq {
                        if let Some(seq) = seq {
                            put_varint(&mut w, 3, seq)?;
                        }
                        wrote_seq = true;
                    }
                }
                (2, 2, _, _) => {
                    let m = MetricView::parse(msg.child(&f)?)?;
                    match edit(index, &m) {
                        Edit::Keep => w.put(f.raw)?,
                        Edit::Drop => {}
                        Edit::Replace(metric) => {
                            let one = [metric];
                            let p = Payload {
                                metrics: Seq::Borrowed(&one),
                                ..Payload::default()
                            };
                            let len = p.buffer_len_with(&self.options);
                            let slot = w.slot(len)?;
                            p.encode_with(slot, &self.options)?;
                        }
                    }
                    index = index.saturating_add(1);
                }
                _ => w.put(f.raw)?,
            }
        }
        if let Some(Some(seq)) = self.seq {
            if !has_seq {
                put_varint(&mut w, 3, seq)?;
            }
        }
        Ok(w.position())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repr::MetricValue;
    use std::vec;
    use std::vec::Vec;

    /// timestamp 5; metric "a" (Double 1.5) with unknown field 99 and a nested unknown field in
    /// its properties; metric "b"; an unknown top-level field 7 (bytes); seq 3.
    #[allow(clippy::cast_possible_truncation)] // short test messages
    fn input() -> Vec<u8> {
        let mut a = vec![0x0a, 1, b'a', 0x20, 10, 0x69];
        a.extend_from_slice(&1.5f64.to_le_bytes());
        a.extend_from_slice(&[0x98, 0x06, 7]); // field 99, varint 7
        a.extend_from_slice(&[0x4a, 3, 0xa0, 0x06, 1]); // properties { field 100: 1 }
        let b = [0x0a, 1, b'b', 0x20, 11, 0x70, 1];
        let mut p = vec![0x08, 5, 0x12, a.len() as u8];
        p.extend_from_slice(&a);
        p.extend_from_slice(&[0x12, b.len() as u8]);
        p.extend_from_slice(&b);
        p.extend_from_slice(&[0x3a, 2, 0xde, 0xad, 0x18, 3]);
        p
    }

    #[test]
    fn keep_everything_is_byte_identical() {
        let bytes = input();
        let view = PayloadView::new(&bytes).unwrap();
        let mut out = [0u8; 64];
        let n = Relay::new(&view)
            .write(&mut out, |_, _| Edit::Keep)
            .unwrap();
        assert_eq!(out.get(..n), Some(bytes.as_slice()));
    }

    #[test]
    fn edits_keep_the_unknown_fields_of_what_is_kept() {
        let bytes = input();
        let view = PayloadView::new(&bytes).unwrap();
        let mut out = [0u8; 64];
        let n = Relay::new(&view)
            .timestamp(Some(6))
            .seq(None)
            .write(&mut out, |i, m| match (i, m.name()) {
                (0, Some("a")) => Edit::Keep,
                _ => Edit::Replace(Metric::new("c", MetricValue::Int32(-1))),
            })
            .unwrap();
        let got = out.get(..n).unwrap();
        let v = PayloadView::new(got).unwrap();
        assert_eq!((v.timestamp(), v.seq()), (Some(6), None));
        let names: Vec<_> = v.metrics().map(|m| m.unwrap().name()).collect();
        assert_eq!(names, [Some("a"), Some("c")]);
        // Metric "a" kept whole (unknown fields included), and field 7 still there.
        let a = bytes.get(4..4 + usize::from(bytes[3])).unwrap();
        assert!(got.windows(a.len()).any(|w| w == a));
        assert!(got.ends_with(&[0x3a, 2, 0xde, 0xad]));
        // Dropping, and a buffer too small.
        let n = Relay::new(&view)
            .write(&mut out, |_, _| Edit::Drop)
            .unwrap();
        assert_eq!(
            out.get(..n),
            Some(&[0x08, 5, 0x3a, 2, 0xde, 0xad, 0x18, 3][..])
        );
        let mut small = [0u8; 10];
        assert!(matches!(
            Relay::new(&view).write(&mut small, |_, _| Edit::Keep),
            Err(Error::BufferTooSmall { .. })
        ));
    }

    #[test]
    fn fields_of_another_wire_type_are_copied_as_unknown() {
        // seq (3) as bytes, then as the varint it is; metrics (2) as a varint; timestamp (1)
        // as a fixed32. Renumbering and restamping replace the real ones and copy the others.
        let bytes = [0x1a, 0, 0x18, 5, 0x10, 1, 0x0d, 1, 2, 3, 4];
        let view = PayloadView::new(&bytes).unwrap();
        let mut out = [0u8; 32];
        let n = Relay::new(&view)
            .seq(Some(9))
            .timestamp(Some(7))
            .write(&mut out, |_, _| Edit::Drop)
            .unwrap();
        assert_eq!(
            out.get(..n),
            Some(&[0x08, 7, 0x1a, 0, 0x18, 9, 0x10, 1, 0x0d, 1, 2, 3, 4][..])
        );
    }

    #[test]
    fn header_fields_added_when_absent() {
        let bytes = [0x12, 3, 0x0a, 1, b'a'];
        let view = PayloadView::new(&bytes).unwrap();
        let mut out = [0u8; 16];
        let n = Relay::new(&view)
            .timestamp(Some(1))
            .seq(Some(2))
            .write(&mut out, |_, _| Edit::Keep)
            .unwrap();
        assert_eq!(
            out.get(..n),
            Some(&[0x08, 1, 0x12, 3, 0x0a, 1, b'a', 0x18, 2][..])
        );
    }
}
