//! The common shape of a metric, read in one pass: `name`, `alias`, `timestamp`, `datatype`
//! (each optional, each at most once, in that order) and then at most one scalar or string
//! value, which ends the metric. Encoders write births and data messages this way.
//!
//! The pass is all or nothing: anything else (another field, a field repeated or out of
//! order, a long or cut varint, a name that is not UTF-8, bytes after the value) gives `None`
//! and the metric is read the general way instead, which also reports any error. A metric
//! of this shape read the general way gives the same view: each field is read once, by the
//! same varint readers, and the fields it does not carry stay absent.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::{MetricView, Msg, low32, name_str};
#[cfg(any(test, fuzzing))]
use crate::error::Error;
use crate::value::RawValue;
#[cfg(any(test, fuzzing))]
use crate::wire::Fields;
use crate::wire::{short_varint_at, six_byte_varint_at, varint_at};
use m2m_core::varint_from_word;

impl<'a> MetricView<'a> {
    /// The metric `msg` (whose bytes are `outer[at..]`, see [`MetricView::parse_in`]) when it
    /// has the common shape; `None` otherwise.
    #[inline(always)]
    pub(super) fn common(msg: Msg<'a>, outer: &'a [u8], at: usize) -> Option<Self> {
        let buf = msg.buf;
        let mut m = Self::empty(msg);
        let mut pos = 0usize;
        // A name of fewer than 128 bytes: key and length one byte each.
        if let [0x0a, len @ 0..=0x7f, ref rest @ ..] = *buf {
            let name = rest.get(..usize::from(len))?;
            // Offsets within the payload plus 2: no overflow.
            m.name = Some(name_str(name, outer, at.wrapping_add(2))?);
            pos = usize::from(len).wrapping_add(2);
        }
        // pos is within buf where a key byte was read: pos + 1 cannot overflow.
        if buf.get(pos) == Some(&0x10) {
            // Aliases count from 0, so past 127 most take two bytes.
            let (v, next) = short_varint_at(buf, pos.wrapping_add(1))?;
            m.alias = Some(v);
            pos = next;
        }
        if buf.get(pos) == Some(&0x18) {
            // Timestamps in ms of this era take six bytes.
            let (v, next) = six_byte_varint_at(buf, pos.wrapping_add(1))?;
            m.timestamp = Some(v);
            pos = next;
        }
        if buf.get(pos) == Some(&0x20) {
            let (v, next) = varint_at(buf, pos.wrapping_add(1))?;
            m.datatype = Some(low32(v));
            pos = next;
        }
        let Some(&key) = buf.get(pos) else {
            return Some(m);
        };
        let at = pos.wrapping_add(1);
        // The value, which must end the metric: each member is read from all the bytes left.
        let raw = match (key, buf.get(at..)?) {
            (0x50, _) => RawValue::Int(low32(last_varint(buf, at)?)),
            (0x58, _) => RawValue::Long(last_varint(buf, at)?),
            (0x65, &[a, b, c, d]) => {
                RawValue::Float(f32::from_bits(u32::from_le_bytes([a, b, c, d])))
            }
            (0x69, v) => {
                let v: [u8; 8] = v.try_into().ok()?;
                RawValue::Double(f64::from_bits(u64::from_le_bytes(v)))
            }
            (0x70, _) => RawValue::Boolean(last_varint(buf, at)? != 0),
            // A string of fewer than 128 bytes, the rest of the metric.
            (0x7a, &[len @ 0..=0x7f, ref s @ ..]) if s.len() == usize::from(len) => {
                RawValue::String(core::str::from_utf8(s).ok()?)
            }
            _ => return None,
        };
        m.raw = Some(raw);
        Some(m)
    }
}

/// The varint at `at` when it ends `buf` (the last field of a metric); `None` otherwise. Up to
/// 8 bytes are read from the last word of `buf`: its top bytes are the varint's, the rest are
/// cleared, so the varint read there ends within the word, and it ends `buf` exactly when its
/// length is that of the bytes from `at`.
#[inline(always)]
fn last_varint(buf: &[u8], at: usize) -> Option<u64> {
    let rest = buf.get(at..)?;
    if let [b @ 0..=0x7f] = *rest {
        return Some(u64::from(b));
    }
    let n = rest.len();
    if let (Some(last), 2..=8) = (buf.last_chunk::<8>(), n) {
        // n is 2..=8: the shift is 0..=48.
        let word = u64::from_le_bytes(*last) >> (64usize.saturating_sub(n.saturating_mul(8)));
        let (v, len) = varint_from_word(&word.to_le_bytes())?;
        return (len == n).then_some(v);
    }
    let (v, end) = varint_at(buf, at)?;
    (end == buf.len()).then_some(v)
}

/// Every field of the metric `msg` read the general way, with none of the lanes for one-byte
/// keys: what the fast paths must agree with (in the tests and the fuzz target).
#[cfg(any(test, fuzzing))]
pub(crate) fn parse_general(msg: Msg<'_>) -> Result<MetricView<'_>, Error> {
    let mut m = MetricView::empty(msg);
    let mut c = msg.fields();
    while let Some(key) = c.next_key()? {
        m.field(&mut c, key)?;
    }
    Ok(m)
}

/// The metrics of the payload `msg` read the general way: each top-level field by its key,
/// each metric by [`parse_general`]; the walk stops after an error, as `Metrics` does.
#[cfg(any(test, fuzzing))]
pub(crate) fn general_metrics(msg: Msg<'_>) -> impl Iterator<Item = Result<MetricView<'_>, Error>> {
    fn step<'a>(c: &mut Fields<'a>) -> Result<Option<MetricView<'a>>, Error> {
        while let Some(key) = c.next_key()? {
            if key == 0x12 {
                let (buf, base, depth) = c.read_msg()?;
                return parse_general(Msg { buf, base, depth }).map(Some);
            }
            c.skip_value(key)?;
        }
        Ok(None)
    }
    let mut c = msg.fields();
    let mut done = false;
    core::iter::from_fn(move || {
        if done {
            return None;
        }
        let r = step(&mut c).transpose();
        done = !matches!(r, Some(Ok(_)));
        r
    })
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation)] // small test data
mod tests {
    use super::*;
    use std::vec::Vec;

    /// `body` as a metric read by the fast path, which must then agree with the general path;
    /// and the whole parse (fast path or not) must agree with it too.
    fn fast(body: &[u8]) -> Option<MetricView<'_>> {
        let msg = Msg {
            buf: body,
            base: 5,
            depth: 1,
        };
        let got = MetricView::common(msg, body, 0);
        if let Some(m) = got {
            assert_eq!(Ok(m), parse_general(msg), "{body:02x?}");
        }
        assert_eq!(MetricView::parse(msg), parse_general(msg), "{body:02x?}");
        got
    }

    fn field(key: &[u8], len: Option<usize>, value: &[u8]) -> Vec<u8> {
        let mut out = key.to_vec();
        if let Some(len) = len {
            out.push(len as u8);
        }
        out.extend_from_slice(value);
        out
    }

    #[test]
    fn every_common_shape_is_read_by_the_fast_path() {
        let names: [Option<&[u8]>; 4] = [
            None,
            Some(b""),
            Some(b"Area 1/Line 2/Sensor 003/Value"),
            Some("\u{e9}t\u{e9}".as_bytes()),
        ];
        let aliases: [&[u8]; 4] = [
            &[],
            &[0x10, 0x05],
            &[0x10, 0xac, 0x02],
            &[0x10, 0x80, 0x80, 0x01],
        ];
        let times: [&[u8]; 4] = [
            &[],
            &[0x18, 0x07],
            &[0x18, 0x80, 0xc0, 0xa5, 0xee, 0xbc, 0x31],
            &[
                0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
        ];
        let types: [&[u8]; 3] = [&[], &[0x20, 0x03], &[0x20, 0xff, 0xff, 0xff, 0xff, 0x0f]];
        let values: [&[u8]; 12] = [
            &[],
            &[0x50, 0x07],
            &[0x50, 0x98, 0xf8, 0xff, 0xff, 0x0f],
            &[0x58, 0x80, 0x01],
            &[0x58, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
            &[
                0x58, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
            &[0x65, 0, 0, 0xc0, 0x3f],
            &[0x69, 0, 0, 0, 0, 0, 0, 0xf4, 0x3f],
            &[0x70, 0x00],
            &[0x70, 0x81, 0x00],
            &[0x7a, 0x02, b's', b't'],
            &[0x7a, 0x00],
        ];
        let mut n = 0;
        for name in names {
            let name = name.map_or(Vec::new(), |b| field(&[0x0a], Some(b.len()), b));
            for alias in aliases {
                for time in times {
                    for dt in types {
                        for value in values {
                            let body = [&name[..], alias, time, dt, value].concat();
                            assert!(fast(&body).is_some(), "{body:02x?}");
                            n += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(n, 4 * 4 * 4 * 3 * 12);
    }

    #[test]
    fn anything_else_is_left_to_the_general_path() {
        let name = field(&[0x0a], Some(30), b"Area 1/Line 2/Sensor 003/Value");
        let head = [&name[..], &[0x10, 0x05, 0x18, 0x07, 0x20, 0x03]].concat();
        let long_name = field(&[0x0a, 0xc8, 0x01], None, &[b'n'; 200]);
        let tails: [&[u8]; 24] = [
            // Bytes after the value: a key of field 0, then another field.
            &[0x50, 0x01, 0x02],
            &[0x50, 0x01, 0x28, 0x01],
            &[0x65, 0, 0, 0xc0, 0x3f, 0x50, 0x01],
            &[0x69, 0, 0, 0, 0, 0, 0, 0xf4, 0x3f, 0x28, 0x01],
            // A value twice (last wins), a value of another member after it.
            &[0x50, 0x01, 0x50, 0x02],
            &[0x50, 0x01, 0x7a, 0x01, b'x'],
            // Out of order: the alias or the name again after the value or the datatype.
            &[0x10, 0x06, 0x50, 0x01],
            &[0x0a, 0x01, b'z', 0x50, 0x01],
            &[0x20, 0x04],
            // Fields the shape leaves out: is_null, metadata, properties, bytes, a dataset.
            &[0x38, 0x01],
            &[0x42, 0x00],
            &[0x4a, 0x00],
            &[0x82, 0x01, 0x01, 0x00],
            &[0x8a, 0x01, 0x00],
            // An unknown field, and float_value as a varint (another wire type: unknown).
            &[0xa0, 0x01, 0x07],
            &[0x60, 0x07],
            // Cut short: a varint, a float, a double, a string.
            &[0x50, 0x80],
            &[0x65, 1, 2, 3],
            &[0x69, 1, 2, 3, 4, 5, 6, 7],
            &[0x7a, 0x05, b'a', b'b'],
            // A varint of eleven bytes (overlong), a string that is not UTF-8, or of 128 bytes.
            &[
                0x58, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
            &[0x7a, 0x02, b'a', 0xff],
            &[0x7a, 0x80, 0x01],
            &[0x20],
        ];
        for tail in tails {
            let body = [&head[..], tail].concat();
            assert!(fast(&body).is_none(), "{body:02x?}");
        }
        // Fields before the name or the alias, out of their order.
        for body in [
            &[0x10, 0x05, 0x0a, 0x01, b'a'][..],
            &[0x18, 0x07, 0x10, 0x05],
            &[0x20, 0x03, 0x18, 0x07],
            &[0x20, 0x03, 0x10, 0x05, 0x50, 0x01],
            &[0x38, 0x01, 0x50, 0x01],
        ] {
            assert!(fast(body).is_none(), "{body:02x?}");
        }
        // A name of 200 bytes (its length in two bytes), a name that is not UTF-8 (the error
        // then names its bad byte), an alias cut short.
        assert!(fast(&[&long_name[..], &[0x50, 0x01]].concat()).is_none());
        // A name of 128 bytes whose length's first byte, read alone, would end the name where
        // a datatype then seems to follow.
        let mut odd = std::vec![0x0a, 0x80, 0x01];
        odd.extend_from_slice(&[b'n'; 127]);
        odd.extend_from_slice(&[0x20, 0x03]);
        assert!(fast(&odd).is_none());
        let bad = [0x0a, 0x03, b'a', 0xff, b'b', 0x10, 0x01];
        assert!(fast(&bad).is_none());
        let msg = Msg {
            buf: &bad,
            base: 5,
            depth: 1,
        };
        let utf8 = Error::Utf8 {
            field: 1,
            offset: 8,
        };
        assert_eq!(MetricView::parse(msg), Err(utf8));
        assert!(fast(&[&name[..], &[0x10, 0x80]].concat()).is_none());
    }

    #[test]
    fn a_value_ends_the_metric_at_every_length() {
        // Varints of 1 to 10 bytes as the last field, after metrics of 0 to 12 bytes, and the
        // same with one byte more after them: the last-word read agrees with the reader.
        for pad in 0..=12usize {
            let name = field(&[0x0a], Some(pad), &std::vec![b'p'; pad]);
            for len in 1..=10usize {
                let mut v = std::vec![0x81u8; len];
                if let Some(last) = v.last_mut() {
                    *last = 0x01;
                }
                for key in [0x50u8, 0x58, 0x70] {
                    let body = [&name[..], &[key], &v[..]].concat();
                    assert!(fast(&body).is_some(), "{body:02x?}");
                    let more = [&body[..], &[0x00]].concat();
                    assert!(fast(&more).is_none(), "{more:02x?}");
                    // The varint not ended where the metric ends.
                    let cut = [&name[..], &[key], &v[..len - 1], &[0x81]].concat();
                    assert!(fast(&cut).is_none(), "{cut:02x?}");
                }
            }
        }
    }
}
