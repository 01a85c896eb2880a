//! PDU lengths from a prefix (Modbus Application Protocol V1.1b3 §6, exceptions §7): what the
//! serial framings (Modbus over Serial Line V1.02 §2.5), which carry no length field,
//! need to find the end of a PDU, and the plausibility checks that let a client's framing
//! pass over line noise.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::Reader;

use crate::error::{Count, Error};
use crate::function::FunctionCode;

use super::limits::*;
use super::records::write_file_body;
use super::response::{bit_block, register_block};
use super::{
    FILE_READ_COUNT, SUB_RESPONSE_LEN, check_quantity, coil_value, diagnostics_data_len, in_range,
};

/// Length of a PDU travelling in `direction`, from its first bytes.
pub fn pdu_len(direction: Direction, prefix: &[u8]) -> Result<PduLen, Error> {
    match direction {
        Direction::Request => request_len(prefix),
        Direction::Response => response_len(prefix),
    }
}

/// How long a PDU is, as far as its first bytes tell (for serial framings, which carry no
/// length field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PduLen {
    /// The PDU is exactly this long.
    Exact(usize),
    /// At least this many PDU bytes must be seen before the length is known.
    AtLeast(usize),
    /// The layout does not tell (an unknown function code, Diagnostics 0x0000, an MEI type
    /// other than 0x0E): look for the CRC instead.
    Unknown,
}

/// Which way a PDU travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Direction {
    /// Client to server.
    Request,
    /// Server to client.
    Response,
}

fn at(pdu: &[u8], i: usize) -> Option<u8> {
    pdu.get(i).copied()
}

fn u16_at(pdu: &[u8], i: usize) -> Option<u16> {
    Reader::new(pdu.get(i..)?).u16_be().ok()
}

/// Whether the counts and fixed values seen so far in a response `pdu` agree with the
/// specification (the checks strict decoding makes, done on a prefix): a client's serial framing
/// uses it to pass over noise before spending a CRC on it. `true` while the bytes that decide
/// are not there yet, and always for requests.
pub(crate) fn plausible(direction: Direction, pdu: &[u8]) -> bool {
    let at = |i: usize| pdu.get(i).copied();
    let word = |i: usize| u16_at(pdu, i);
    let Some(code) = at(0) else { return true };
    let even_regs =
        |bc: u8, max: u16| bc != 0 && bc % 2 == 0 && u16::from(bc) <= max.saturating_mul(2);
    match direction {
        Direction::Response => match code {
            0x01 | 0x02 => at(1).none_or(|bc| (1..=250).contains(&bc)),
            0x03 | 0x04 => at(1).none_or(|bc| even_regs(bc, READ_REGISTERS.1)),
            0x17 => at(1).none_or(|bc| even_regs(bc, RW_READ.1)),
            0x05 => word(3).none_or(|v| v == 0 || v == 0xFF00),
            0x0C => at(1).none_or(|bc| (6..=70).contains(&bc)),
            0x0F => word(3).none_or(|q| in_range(q, WRITE_BITS)),
            0x10 => word(3).none_or(|q| in_range(q, WRITE_REGISTERS)),
            // The first group: its length (odd: reference type and whole registers) and
            // reference type 6.
            0x14 => {
                at(1).none_or(|bc| FILE_READ_RESPONSE_BYTES.contains(&bc))
                    && at(2).none_or(|len| len % 2 == 1)
                    && at(3).none_or(|t| t == FILE_REFERENCE_TYPE)
            }
            0x15 => {
                at(1).none_or(|bc| (0x09..=0xFB).contains(&bc))
                    && at(2).none_or(|t| t == FILE_REFERENCE_TYPE)
            }
            0x18 => {
                word(3).none_or(|n| n <= FIFO_COUNT)
                    && match (word(1), word(3)) {
                        (Some(bc), Some(n)) => {
                            usize::from(bc) == usize::from(n).saturating_mul(2).saturating_add(2)
                        }
                        _ => true,
                    }
            }
            _ => true,
        },
        // A server must frame a request whose values are wrong, to answer it with exception 03
        // (§6 state diagrams): requests are framed by layout and CRC alone.
        Direction::Request => true,
    }
}

/// Why strict decoding refuses a response PDU that [`plausible`] refuses: the error the decoder
/// gives for the field that fails. The decoder's own field readers are run from that field
/// (they refuse before they read what follows, which may not have arrived); the checks the
/// decoder makes in line are built here from the field alone. No copy and no whole decode: a
/// serial framing asks this of line noise. `what_plausible_refuses_the_decoder_names` holds every
/// branch to `Response::parse`.
#[cold]
pub(crate) fn implausible(pdu: &[u8]) -> Error {
    let at = |i: usize| pdu.get(i).copied().unwrap_or(0);
    let word = |i: usize| u16_at(pdu, i).unwrap_or(0);
    let code = at(0);
    let count = |expected: Count| Error::ByteCount {
        function: code,
        offset: 1,
        actual: usize::from(at(1)),
        expected,
    };
    // The decoder's reader for the field at `offset`, on a reader standing there.
    fn field(
        pdu: &[u8],
        offset: usize,
        read: impl FnOnce(&mut Reader<'_>) -> Option<Error>,
    ) -> Option<Error> {
        let mut r = Reader::new(pdu);
        r.skip(offset).ok().and_then(|()| read(&mut r))
    }
    let file_type = |offset: usize| Error::Value {
        field: "file reference type",
        value: u16::from(at(offset)),
        offset,
    };
    let named = match code {
        0x01 | 0x02 => field(pdu, 1, |r| bit_block(r, code).err()),
        0x03 | 0x04 => field(pdu, 1, |r| register_block(r, code, READ_REGISTERS.1).err()),
        0x17 => field(pdu, 1, |r| register_block(r, code, RW_READ.1).err()),
        0x05 => field(pdu, 3, |r| coil_value(r).err()),
        0x0F => check_quantity(code, word(3), WRITE_BITS).err(),
        0x10 => check_quantity(code, word(3), WRITE_REGISTERS).err(),
        // Checked in line by the decoder.
        0x0C => Some(count(Count::range(6, MAX_EVENTS.saturating_add(6)))),
        0x14 if !FILE_READ_RESPONSE_BYTES.contains(&at(1)) => Some(count(FILE_READ_COUNT)),
        0x14 if at(2) % 2 == 0 => Some(Error::ByteCount {
            function: code,
            offset: 2,
            actual: usize::from(at(2)),
            expected: SUB_RESPONSE_LEN,
        }),
        0x14 => Some(file_type(3)),
        0x15 if !(0x09..=0xFB).contains(&at(1)) => {
            field(pdu, 1, |r| write_file_body(r, code).err())
        }
        0x15 => Some(file_type(2)),
        0x18 if word(3) > FIFO_COUNT => Some(Error::Value {
            field: "FIFO count",
            value: word(3),
            offset: 3,
        }),
        0x18 => Some(Error::ByteCount {
            function: code,
            offset: 1,
            actual: usize::from(word(1)),
            expected: Count::Exactly(usize::from(word(3)).saturating_mul(2).saturating_add(2)),
        }),
        _ => None,
    };
    // Not reached for what `plausible` refuses: a byte-count error keeps the kind.
    named.unwrap_or(count(Count::Exactly(0)))
}

/// `Option::is_none_or`, which is newer than the crate's MSRV.
pub(crate) trait NoneOr<T> {
    fn none_or(self, f: impl FnOnce(T) -> bool) -> bool;
}

impl<T> NoneOr<T> for Option<T> {
    fn none_or(self, f: impl FnOnce(T) -> bool) -> bool {
        match self {
            None => true,
            Some(v) => f(v),
        }
    }
}

/// Length of a request PDU from its first bytes (§6). `Err` for bytes that cannot start one.
pub fn request_len(pdu: &[u8]) -> Result<PduLen, Error> {
    let Some(code) = at(pdu, 0) else {
        return Ok(PduLen::AtLeast(1));
    };
    let fc = FunctionCode::from_u8(code).ok_or(Error::InvalidFunction { code })?;
    let counted = |count_at: usize, fixed: usize| match at(pdu, count_at) {
        None => PduLen::AtLeast(count_at.saturating_add(1)),
        Some(n) => PduLen::Exact(fixed.saturating_add(usize::from(n))),
    };
    Ok(match fc {
        FunctionCode::ReadCoils
        | FunctionCode::ReadDiscreteInputs
        | FunctionCode::ReadHoldingRegisters
        | FunctionCode::ReadInputRegisters
        | FunctionCode::WriteSingleCoil
        | FunctionCode::WriteSingleRegister => PduLen::Exact(5),
        FunctionCode::ReadExceptionStatus
        | FunctionCode::GetCommEventCounter
        | FunctionCode::GetCommEventLog
        | FunctionCode::ReportServerId => PduLen::Exact(1),
        FunctionCode::Diagnostics => diagnostics_len(pdu),
        FunctionCode::WriteMultipleCoils | FunctionCode::WriteMultipleRegisters => counted(5, 6),
        FunctionCode::ReadFileRecord | FunctionCode::WriteFileRecord => counted(1, 2),
        FunctionCode::MaskWriteRegister => PduLen::Exact(7),
        FunctionCode::ReadWriteMultipleRegisters => counted(9, 10),
        FunctionCode::ReadFifoQueue => PduLen::Exact(3),
        FunctionCode::EncapsulatedInterface => match at(pdu, 1) {
            None => PduLen::AtLeast(2),
            Some(MEI_READ_DEVICE_ID) => PduLen::Exact(4),
            Some(_) => PduLen::Unknown,
        },
        FunctionCode::Other(_) => PduLen::Unknown,
    })
}

fn diagnostics_len(pdu: &[u8]) -> PduLen {
    match u16_at(pdu, 1) {
        None => PduLen::AtLeast(3),
        Some(sub) => match diagnostics_data_len(sub) {
            Some(n) => PduLen::Exact(n.saturating_add(3)),
            None => PduLen::Unknown,
        },
    }
}

/// Length of a response PDU from its first bytes (§6, §7). `Err` for bytes that cannot start
/// one (0x00, 0x80).
pub fn response_len(pdu: &[u8]) -> Result<PduLen, Error> {
    let Some(code) = at(pdu, 0) else {
        return Ok(PduLen::AtLeast(1));
    };
    if code >= 0x80 {
        return if code == 0x80 {
            Err(Error::InvalidFunction { code })
        } else {
            Ok(PduLen::Exact(2))
        };
    }
    let fc = FunctionCode::from_u8(code).ok_or(Error::InvalidFunction { code })?;
    let counted = |count_at: usize, fixed: usize| match at(pdu, count_at) {
        None => PduLen::AtLeast(count_at.saturating_add(1)),
        Some(n) => PduLen::Exact(fixed.saturating_add(usize::from(n))),
    };
    Ok(match fc {
        FunctionCode::ReadCoils
        | FunctionCode::ReadDiscreteInputs
        | FunctionCode::ReadHoldingRegisters
        | FunctionCode::ReadInputRegisters
        | FunctionCode::GetCommEventLog
        | FunctionCode::ReportServerId
        | FunctionCode::ReadFileRecord
        | FunctionCode::WriteFileRecord
        | FunctionCode::ReadWriteMultipleRegisters => counted(1, 2),
        FunctionCode::WriteSingleCoil
        | FunctionCode::WriteSingleRegister
        | FunctionCode::GetCommEventCounter
        | FunctionCode::WriteMultipleCoils
        | FunctionCode::WriteMultipleRegisters => PduLen::Exact(5),
        FunctionCode::ReadExceptionStatus => PduLen::Exact(2),
        FunctionCode::Diagnostics => diagnostics_len(pdu),
        FunctionCode::MaskWriteRegister => PduLen::Exact(7),
        FunctionCode::ReadFifoQueue => match u16_at(pdu, 1) {
            None => PduLen::AtLeast(3),
            Some(n) => PduLen::Exact(usize::from(n).saturating_add(3)),
        },
        FunctionCode::EncapsulatedInterface => match at(pdu, 1) {
            None => PduLen::AtLeast(2),
            Some(MEI_READ_DEVICE_ID) => device_id_len(pdu),
            Some(_) => PduLen::Unknown,
        },
        FunctionCode::Other(_) => PduLen::Unknown,
    })
}

/// Walks the objects of a Read Device Identification response: header of 7 bytes (fc, MEI,
/// read code, conformity, more follows, next id, count), then `count` times (id, len, value).
fn device_id_len(pdu: &[u8]) -> PduLen {
    let Some(count) = at(pdu, 6) else {
        return PduLen::AtLeast(7);
    };
    let mut pos = 7usize;
    for _ in 0..count {
        if pos > MAX_PDU {
            // Past the largest PDU already: no need to walk further (the framings refuse it).
            return PduLen::AtLeast(pos);
        }
        match at(pdu, pos.saturating_add(1)) {
            None => return PduLen::AtLeast(pos.saturating_add(2)),
            Some(len) => pos = pos.saturating_add(2).saturating_add(usize::from(len)),
        }
    }
    PduLen::Exact(pos)
}
