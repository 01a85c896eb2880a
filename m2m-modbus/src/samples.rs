//! Register blocks as [`m2m_core::Sample`]s, through a small map of named points, so that a
//! gateway can turn a read of holding or input registers into values without allocating.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{ErrorKind, ProtocolError, Sample, SampleKey, Value};

use crate::data::Registers;

/// How a point's registers make a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum DataType {
    /// One register, unsigned.
    U16,
    /// One register, two's complement.
    I16,
    /// Two registers, unsigned.
    U32,
    /// Two registers, two's complement.
    I32,
    /// Two registers, IEEE 754 single precision.
    F32,
    /// Four registers, IEEE 754 double precision.
    F64,
}

impl DataType {
    /// Registers the type takes.
    #[must_use]
    pub const fn registers(self) -> usize {
        match self {
            DataType::U16 | DataType::I16 => 1,
            DataType::U32 | DataType::I32 | DataType::F32 => 2,
            DataType::F64 => 4,
        }
    }
}

/// The order of the registers of a multi-register value (the specification leaves it to the
/// device; each register itself is always big-endian on the wire, §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum WordOrder {
    /// Most significant register first ("ABCD"), the most common.
    #[default]
    HighFirst,
    /// Least significant register first ("CDAB").
    LowFirst,
}

/// One named value in a register table.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Point<'n> {
    /// The sample name.
    pub name: &'n str,
    /// Address of its first register.
    pub address: u16,
    /// How its registers make a number.
    pub data_type: DataType,
    /// Register order of multi-register types.
    pub order: WordOrder,
    /// Multiplier applied to the raw number; with a scale other than 1 the value is an `F64`.
    pub scale: f64,
}

impl<'n> Point<'n> {
    /// A point with high-word-first order and no scaling.
    #[must_use]
    pub const fn new(name: &'n str, address: u16, data_type: DataType) -> Self {
        Point {
            name,
            address,
            data_type,
            order: WordOrder::HighFirst,
            scale: 1.0,
        }
    }

    /// The same point with another word order.
    #[must_use]
    pub const fn order(mut self, order: WordOrder) -> Self {
        self.order = order;
        self
    }

    /// The same point scaled by `scale`.
    #[must_use]
    pub const fn scale(mut self, scale: f64) -> Self {
        self.scale = scale;
        self
    }
}

/// A point only partly inside the block that was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[error("point at register {address} needs {needed} registers; the block holds only part of them")]
pub struct PartialPoint {
    /// Address of the point.
    pub address: u16,
    /// Registers it needs.
    pub needed: usize,
}

impl ProtocolError for PartialPoint {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Truncated
    }
}

/// The samples of the points of `map` that lie in the block of `registers` read from `start`.
/// Points wholly outside the block are passed over (a map may span several reads); a point
/// that straddles the block's edge is an error. Lazy, allocation-free.
pub fn samples<'a>(
    map: &'a [Point<'a>],
    start: u16,
    registers: &'a Registers<'a>,
) -> impl Iterator<Item = Result<Sample<'a>, PartialPoint>> + 'a {
    let len = registers.len();
    map.iter().filter_map(move |p| {
        let n = p.data_type.registers();
        let offset = usize::from(p.address).checked_sub(usize::from(start));
        let Some(offset) = offset.filter(|&o| o < len) else {
            // Before the block: partly inside if its tail reaches in.
            let reaches_in = usize::from(p.address).checked_add(n).is_some_and(|end| {
                end > usize::from(start) && usize::from(p.address) < usize::from(start)
            });
            return reaches_in.then_some(Err(PartialPoint {
                address: p.address,
                needed: n,
            }));
        };
        let mut words = [0u16; 4];
        for (i, w) in words.iter_mut().take(n).enumerate() {
            match registers.get(offset.saturating_add(i)) {
                Some(v) => *w = v,
                None => {
                    return Some(Err(PartialPoint {
                        address: p.address,
                        needed: n,
                    }));
                }
            }
        }
        if p.order == WordOrder::LowFirst {
            if let Some(used) = words.get_mut(..n) {
                used.reverse();
            }
        }
        let [w0, w1, w2, w3] = words;
        let wide = (u32::from(w0) << 16) | u32::from(w1);
        let raw = match p.data_type {
            DataType::U16 => Value::U64(u64::from(w0)),
            DataType::I16 => Value::I64(i64::from(i16::from_be_bytes(w0.to_be_bytes()))),
            DataType::U32 => Value::U64(u64::from(wide)),
            DataType::I32 => Value::I64(i64::from(i32::from_be_bytes(wide.to_be_bytes()))),
            DataType::F32 => Value::F32(f32::from_bits(wide)),
            DataType::F64 => Value::F64(f64::from_bits(
                (u64::from(wide) << 32) | (u64::from(w2) << 16) | u64::from(w3),
            )),
        };
        #[allow(clippy::float_cmp)] // exactly 1.0 means "not scaled"
        let value = if p.scale == 1.0 {
            raw
        } else {
            Value::F64(raw.as_f64().unwrap_or(f64::NAN) * p.scale)
        };
        Some(Ok(Sample::new(SampleKey::Name(p.name), value)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_reads_as_samples() {
        // 230.5 V as f32 (0x43668000), -2 as i16, 70000 as u32 low word first, 1234 x 0.1.
        let regs = [0x4366u16, 0x8000, 0xFFFE, 0x1170, 0x0001, 1234];
        let block = Registers::from(&regs);
        let map = [
            Point::new("voltage", 100, DataType::F32),
            Point::new("offset", 102, DataType::I16),
            Point::new("energy", 103, DataType::U32).order(WordOrder::LowFirst),
            Point::new("temp", 105, DataType::U16).scale(0.1),
            Point::new("elsewhere", 300, DataType::U16),
        ];
        let got: std::vec::Vec<_> = samples(&map, 100, &block)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].value, Value::F32(230.5));
        assert_eq!(got[1].value, Value::I64(-2));
        assert_eq!(got[2].value, Value::U64(70_000));
        assert_eq!(got[3].key, SampleKey::Name("temp"));
        assert!((got[3].value.as_f64().unwrap() - 123.4).abs() < 1e-9);
    }

    #[test]
    fn straddling_points_are_errors() {
        let regs = [1u16, 2, 3];
        let block = Registers::from(&regs);
        let map = [
            Point::new("tail", 12, DataType::U32),
            Point::new("head", 9, DataType::U32),
        ];
        let got: std::vec::Vec<_> = samples(&map, 10, &block).collect();
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(Result::is_err));
    }
}
