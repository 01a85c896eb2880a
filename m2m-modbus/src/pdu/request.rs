//! The request PDU: every request of the Modbus Application Protocol V1.1b3 §6 (§6.1 to §6.21)
//! and raw passthrough for the rest, decoded ([`Request::parse`]) and encoded
//! ([`Request::encode`]).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Reader, Writer};

use crate::data::{Bits, Data, Registers};
use crate::error::{Count, Error};
use crate::function::FunctionCode;
use crate::list::List;

use super::limits::*;
use super::records::{check_read_code, write_file_body, write_file_encode};
use super::{
    Config, FileRecord, FileSubRequest, byte_count, check_diagnostics_len, check_pdu_len,
    check_quantity, coil_value, coil_word, diagnostics_data, finish, in_range, put_address_value,
    put_registers, quantity,
};

/// A request PDU (Modbus Application Protocol V1.1b3 §6).
///
/// Panic contract: no method panics, whatever the input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(all(feature = "serde", feature = "alloc"), derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "function", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Request<'a> {
    /// 0x01 (§6.1).
    ReadCoils {
        /// Starting address.
        address: u16,
        /// Number of coils, 1..=2000.
        quantity: u16,
    },
    /// 0x02 (§6.2).
    ReadDiscreteInputs {
        /// Starting address.
        address: u16,
        /// Number of inputs, 1..=2000.
        quantity: u16,
    },
    /// 0x03 (§6.3).
    ReadHoldingRegisters {
        /// Starting address.
        address: u16,
        /// Number of registers, 1..=125.
        quantity: u16,
    },
    /// 0x04 (§6.4).
    ReadInputRegisters {
        /// Starting address.
        address: u16,
        /// Number of registers, 1..=125.
        quantity: u16,
    },
    /// 0x05 (§6.5).
    WriteSingleCoil {
        /// Address.
        address: u16,
        /// On (0xFF00) or off (0x0000).
        value: bool,
    },
    /// 0x06 (§6.6).
    WriteSingleRegister {
        /// Address.
        address: u16,
        /// Value.
        value: u16,
    },
    /// 0x07 (§6.7).
    ReadExceptionStatus,
    /// 0x08 (§6.8).
    Diagnostics {
        /// Sub-function.
        sub_function: u16,
        /// Data: 2 bytes for every standard sub-function but 0x0000 Return Query Data, which
        /// echoes words (an even number of bytes); what its vendor defines for a reserved one.
        data: Data<'a>,
    },
    /// 0x0B (§6.9).
    GetCommEventCounter,
    /// 0x0C (§6.10).
    GetCommEventLog,
    /// 0x0F (§6.11).
    WriteMultipleCoils {
        /// Starting address.
        address: u16,
        /// Coil states, 1..=1968 of them.
        coils: Bits<'a>,
    },
    /// 0x10 (§6.12).
    WriteMultipleRegisters {
        /// Starting address.
        address: u16,
        /// Values, 1..=123 of them.
        registers: Registers<'a>,
    },
    /// 0x11 (§6.13).
    ReportServerId,
    /// 0x14 (§6.14).
    ReadFileRecord {
        /// Sub-requests.
        records: List<'a, FileSubRequest>,
    },
    /// 0x15 (§6.15).
    WriteFileRecord {
        /// Record groups.
        records: List<'a, FileRecord<'a>>,
    },
    /// 0x16 (§6.16).
    MaskWriteRegister {
        /// Address.
        address: u16,
        /// AND mask.
        and_mask: u16,
        /// OR mask.
        or_mask: u16,
    },
    /// 0x17 (§6.17).
    ReadWriteMultipleRegisters {
        /// Read starting address.
        read_address: u16,
        /// Registers to read, 1..=125.
        read_quantity: u16,
        /// Write starting address.
        write_address: u16,
        /// Values to write, 1..=121 of them.
        registers: Registers<'a>,
    },
    /// 0x18 (§6.18).
    ReadFifoQueue {
        /// FIFO pointer address.
        address: u16,
    },
    /// 0x2B / 0x0E (§6.21).
    ReadDeviceIdentification {
        /// 1 basic, 2 regular, 3 extended stream, 4 one object.
        read_code: u8,
        /// First object id.
        object_id: u8,
    },
    /// 0x2B with any other MEI type (e.g. 0x0D CANopen, §6.20), carried raw.
    EncapsulatedInterface {
        /// MEI type.
        mei_type: u8,
        /// Everything after the MEI type.
        data: Data<'a>,
    },
    /// Any other function code 0x01..=0x7F, carried raw.
    Raw {
        /// Function code.
        code: u8,
        /// Everything after the function code.
        data: Data<'a>,
    },
}

impl<'a> Request<'a> {
    /// Decodes a request PDU strictly.
    pub fn parse(pdu: &'a [u8]) -> Result<Self, Error> {
        Self::parse_with(pdu, &Config::STRICT)
    }

    /// Decodes a request PDU with the given strictness.
    #[inline(always)]
    pub fn parse_with(pdu: &'a [u8], config: &Config) -> Result<Self, Error> {
        match Self::parse_fast(pdu) {
            Some(req) => Ok(req),
            None => Self::parse_general(pdu, config),
        }
    }

    /// The fixed layouts of the most common requests (FC01-06, FC16), matched whole: one length
    /// check, no cursor, no error reporting. `None` means "not one of those, or not valid": the
    /// general decoder then gives the answer (and the error). Whatever this accepts,
    /// [`Request::parse_with`] accepts the same way under every [`Config`].
    #[inline(always)]
    #[must_use]
    pub fn parse_fast(pdu: &'a [u8]) -> Option<Self> {
        if let [code @ 0x01..=0x06, a0, a1, v0, v1] = *pdu {
            let address = u16::from_be_bytes([a0, a1]);
            let v = u16::from_be_bytes([v0, v1]);
            let req = match code {
                0x01 if in_range(v, READ_BITS) => Some(Request::ReadCoils {
                    address,
                    quantity: v,
                }),
                0x02 if in_range(v, READ_BITS) => Some(Request::ReadDiscreteInputs {
                    address,
                    quantity: v,
                }),
                0x03 if in_range(v, READ_REGISTERS) => Some(Request::ReadHoldingRegisters {
                    address,
                    quantity: v,
                }),
                0x04 if in_range(v, READ_REGISTERS) => Some(Request::ReadInputRegisters {
                    address,
                    quantity: v,
                }),
                0x05 if v == 0xFF00 || v == 0 => Some(Request::WriteSingleCoil {
                    address,
                    value: v != 0,
                }),
                0x06 => Some(Request::WriteSingleRegister { address, value: v }),
                _ => None,
            };
            if req.is_some() {
                return req;
            }
        }
        if let [0x10, a0, a1, q0, q1, bc, ref data @ ..] = *pdu {
            let quantity = u16::from_be_bytes([q0, q1]);
            if in_range(quantity, WRITE_REGISTERS)
                && usize::from(bc) == usize::from(quantity).saturating_mul(2)
                && data.len() == usize::from(bc)
            {
                return Some(Request::WriteMultipleRegisters {
                    address: u16::from_be_bytes([a0, a1]),
                    registers: Registers::Wire(data),
                });
            }
        }
        None
    }

    // Out of line, so that the fast paths above inline into the ADU decoders.
    #[inline(never)]
    pub(super) fn parse_general(pdu: &'a [u8], config: &Config) -> Result<Self, Error> {
        check_pdu_len(pdu)?;
        let mut r = Reader::new(pdu);
        let code = r.u8()?;
        let fc = FunctionCode::from_u8(code).ok_or(Error::InvalidFunction { code })?;
        let req = match fc {
            FunctionCode::ReadCoils
            | FunctionCode::ReadDiscreteInputs
            | FunctionCode::ReadHoldingRegisters
            | FunctionCode::ReadInputRegisters => {
                let address = r.u16_be()?;
                let q = r.u16_be()?;
                match fc {
                    FunctionCode::ReadCoils => Request::ReadCoils {
                        address,
                        quantity: check_quantity(code, q, READ_BITS)?,
                    },
                    FunctionCode::ReadDiscreteInputs => Request::ReadDiscreteInputs {
                        address,
                        quantity: check_quantity(code, q, READ_BITS)?,
                    },
                    FunctionCode::ReadHoldingRegisters => Request::ReadHoldingRegisters {
                        address,
                        quantity: check_quantity(code, q, READ_REGISTERS)?,
                    },
                    _ => Request::ReadInputRegisters {
                        address,
                        quantity: check_quantity(code, q, READ_REGISTERS)?,
                    },
                }
            }
            FunctionCode::WriteSingleCoil => Request::WriteSingleCoil {
                address: r.u16_be()?,
                value: coil_value(&mut r)?,
            },
            FunctionCode::WriteSingleRegister => Request::WriteSingleRegister {
                address: r.u16_be()?,
                value: r.u16_be()?,
            },
            FunctionCode::ReadExceptionStatus => Request::ReadExceptionStatus,
            FunctionCode::Diagnostics => {
                let sub_function = r.u16_be()?;
                let data = diagnostics_data(&mut r, sub_function, config)?;
                Request::Diagnostics {
                    sub_function,
                    data: Data::Borrowed(data),
                }
            }
            FunctionCode::GetCommEventCounter => Request::GetCommEventCounter,
            FunctionCode::GetCommEventLog => Request::GetCommEventLog,
            FunctionCode::WriteMultipleCoils => {
                let address = r.u16_be()?;
                let q = check_quantity(code, r.u16_be()?, WRITE_BITS)?;
                let n = usize::from(q).div_ceil(8);
                byte_count(code, &mut r, n)?;
                let bytes = r.take(n)?;
                Request::WriteMultipleCoils {
                    address,
                    coils: Bits::Wire {
                        bytes,
                        len: usize::from(q),
                    },
                }
            }
            FunctionCode::WriteMultipleRegisters => {
                let address = r.u16_be()?;
                let q = check_quantity(code, r.u16_be()?, WRITE_REGISTERS)?;
                let n = usize::from(q).saturating_mul(2);
                byte_count(code, &mut r, n)?;
                Request::WriteMultipleRegisters {
                    address,
                    registers: Registers::Wire(r.take(n)?),
                }
            }
            FunctionCode::ReportServerId => Request::ReportServerId,
            FunctionCode::ReadFileRecord => {
                let offset = r.position();
                let bc = r.u8()?;
                if !(0x07..=0xF5).contains(&bc) || bc % 7 != 0 {
                    return Err(Error::ByteCount {
                        function: code,
                        offset,
                        actual: usize::from(bc),
                        expected: Count::stepped(7, 0xF5, 7),
                    });
                }
                let at = r.position();
                let bytes = r.take(usize::from(bc))?;
                let records = List::parse(bytes, at, Some(code))?;
                check_file_read_quantity(code, &records)?;
                Request::ReadFileRecord { records }
            }
            FunctionCode::WriteFileRecord => {
                let records = write_file_body(&mut r, code)?;
                Request::WriteFileRecord { records }
            }
            FunctionCode::MaskWriteRegister => Request::MaskWriteRegister {
                address: r.u16_be()?,
                and_mask: r.u16_be()?,
                or_mask: r.u16_be()?,
            },
            FunctionCode::ReadWriteMultipleRegisters => {
                let read_address = r.u16_be()?;
                let read_quantity = check_quantity(code, r.u16_be()?, RW_READ)?;
                let write_address = r.u16_be()?;
                let wq = check_quantity(code, r.u16_be()?, RW_WRITE)?;
                let n = usize::from(wq).saturating_mul(2);
                byte_count(code, &mut r, n)?;
                Request::ReadWriteMultipleRegisters {
                    read_address,
                    read_quantity,
                    write_address,
                    registers: Registers::Wire(r.take(n)?),
                }
            }
            FunctionCode::ReadFifoQueue => Request::ReadFifoQueue {
                address: r.u16_be()?,
            },
            FunctionCode::EncapsulatedInterface => {
                let mei_type = r.u8()?;
                if mei_type == MEI_READ_DEVICE_ID {
                    let offset = r.position();
                    let read_code = r.u8()?;
                    check_read_code(read_code, offset)?;
                    Request::ReadDeviceIdentification {
                        read_code,
                        object_id: r.u8()?,
                    }
                } else {
                    Request::EncapsulatedInterface {
                        mei_type,
                        data: Data::Borrowed(r.take_rest()),
                    }
                }
            }
            FunctionCode::Other(code) => Request::Raw {
                code,
                data: Data::Borrowed(r.take_rest()),
            },
        };
        finish(&r, config)?;
        Ok(req)
    }

    /// The function code.
    #[must_use]
    pub fn function(&self) -> FunctionCode {
        let code = match self {
            Request::ReadCoils { .. } => 0x01,
            Request::ReadDiscreteInputs { .. } => 0x02,
            Request::ReadHoldingRegisters { .. } => 0x03,
            Request::ReadInputRegisters { .. } => 0x04,
            Request::WriteSingleCoil { .. } => 0x05,
            Request::WriteSingleRegister { .. } => 0x06,
            Request::ReadExceptionStatus => 0x07,
            Request::Diagnostics { .. } => 0x08,
            Request::GetCommEventCounter => 0x0B,
            Request::GetCommEventLog => 0x0C,
            Request::WriteMultipleCoils { .. } => 0x0F,
            Request::WriteMultipleRegisters { .. } => 0x10,
            Request::ReportServerId => 0x11,
            Request::ReadFileRecord { .. } => 0x14,
            Request::WriteFileRecord { .. } => 0x15,
            Request::MaskWriteRegister { .. } => 0x16,
            Request::ReadWriteMultipleRegisters { .. } => 0x17,
            Request::ReadFifoQueue { .. } => 0x18,
            Request::ReadDeviceIdentification { .. } | Request::EncapsulatedInterface { .. } => {
                0x2B
            }
            Request::Raw { code, .. } => *code,
        };
        FunctionCode::from_u8(code).unwrap_or(FunctionCode::Other(code))
    }

    /// Bytes the encoded PDU takes (valid or not: see [`Request::encode`]).
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        let body = match self {
            Request::ReadCoils { .. }
            | Request::ReadDiscreteInputs { .. }
            | Request::ReadHoldingRegisters { .. }
            | Request::ReadInputRegisters { .. }
            | Request::WriteSingleCoil { .. }
            | Request::WriteSingleRegister { .. } => 4,
            Request::ReadExceptionStatus
            | Request::GetCommEventCounter
            | Request::GetCommEventLog
            | Request::ReportServerId => 0,
            Request::Diagnostics { data, .. } => data.len().saturating_add(2),
            Request::WriteMultipleCoils { coils, .. } => coils.len().div_ceil(8).saturating_add(5),
            Request::WriteMultipleRegisters { registers, .. } => {
                registers.len().saturating_mul(2).saturating_add(5)
            }
            Request::ReadFileRecord { records } => records.wire_len().saturating_add(1),
            Request::WriteFileRecord { records } => records.wire_len().saturating_add(1),
            Request::MaskWriteRegister { .. } => 6,
            Request::ReadWriteMultipleRegisters { registers, .. } => {
                registers.len().saturating_mul(2).saturating_add(9)
            }
            Request::ReadFifoQueue { .. } => 2,
            Request::ReadDeviceIdentification { .. } => 3,
            Request::EncapsulatedInterface { data, .. } => data.len().saturating_add(1),
            Request::Raw { data, .. } => data.len(),
        };
        body.saturating_add(1)
    }

    /// Checks the limits of the specification and writes the PDU at the start of `out`.
    /// Returns its length, [`Request::buffer_len`].
    #[inline(always)]
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
        match self.encode_fast(out) {
            Some(n) => Ok(n),
            None => self.encode_general(out),
        }
    }

    /// The common layouts (FC01-06 and FC16 requests) written whole once their limits hold:
    /// `Some(n)` exactly when [`Request::encode`] would write the same `n` bytes. `None` (another
    /// layout, a limit broken, `out` too short) writes nothing and leaves the answer, and the
    /// error, to [`Request::encode`].
    #[inline(always)]
    pub fn encode_fast(&self, out: &mut [u8]) -> Option<usize> {
        let (code, address, value) = match *self {
            Request::ReadCoils { address, quantity } if in_range(quantity, READ_BITS) => {
                (0x01, address, quantity)
            }
            Request::ReadDiscreteInputs { address, quantity } if in_range(quantity, READ_BITS) => {
                (0x02, address, quantity)
            }
            Request::ReadHoldingRegisters { address, quantity }
                if in_range(quantity, READ_REGISTERS) =>
            {
                (0x03, address, quantity)
            }
            Request::ReadInputRegisters { address, quantity }
                if in_range(quantity, READ_REGISTERS) =>
            {
                (0x04, address, quantity)
            }
            Request::WriteSingleCoil { address, value } => (0x05, address, coil_word(value)),
            Request::WriteSingleRegister { address, value } => (0x06, address, value),
            Request::WriteMultipleRegisters {
                address,
                ref registers,
            } => {
                let q = u16::try_from(registers.len()).ok()?;
                if !in_range(q, WRITE_REGISTERS) {
                    return None;
                }
                let [a0, a1] = address.to_be_bytes();
                let [q0, q1] = q.to_be_bytes();
                let bc = u8::try_from(q.saturating_mul(2)).ok()?;
                return put_registers(out, [0x10, a0, a1, q0, q1, bc], registers);
            }
            _ => return None,
        };
        put_address_value(out, code, address, value)
    }

    // Out of line, so that the fast paths above inline into the ADU encoders.
    #[inline(never)]
    pub(super) fn encode_general(&self, out: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        if len > MAX_PDU {
            return Err(Error::PduTooLong { len });
        }
        let mut w = Writer::new(out);
        let code = self.function().value();
        if code == 0 || code >= 0x80 {
            return Err(Error::InvalidFunction { code });
        }
        w.u8(code)?;
        match self {
            Request::ReadCoils { address, quantity }
            | Request::ReadDiscreteInputs { address, quantity } => {
                w.u16_be(*address)?;
                w.u16_be(check_quantity(code, *quantity, READ_BITS)?)?;
            }
            Request::ReadHoldingRegisters { address, quantity }
            | Request::ReadInputRegisters { address, quantity } => {
                w.u16_be(*address)?;
                w.u16_be(check_quantity(code, *quantity, READ_REGISTERS)?)?;
            }
            Request::WriteSingleCoil { address, value } => {
                w.u16_be(*address)?;
                w.u16_be(coil_word(*value))?;
            }
            Request::WriteSingleRegister { address, value } => {
                w.u16_be(*address)?;
                w.u16_be(*value)?;
            }
            Request::ReadExceptionStatus
            | Request::GetCommEventCounter
            | Request::GetCommEventLog
            | Request::ReportServerId => {}
            Request::Diagnostics { sub_function, data } => {
                check_diagnostics_len(*sub_function, data.len())?;
                w.u16_be(*sub_function)?;
                w.put(data.as_bytes())?;
            }
            Request::WriteMultipleCoils { address, coils } => {
                let q = quantity(code, coils.len(), WRITE_BITS)?;
                let n = usize::from(q).div_ceil(8);
                w.u16_be(*address)?;
                w.u16_be(q)?;
                w.u8(u8::try_from(n).map_err(|_| Error::PduTooLong { len })?)?;
                coils.write_packed(w.slot(n)?);
            }
            Request::WriteMultipleRegisters { address, registers } => {
                let q = quantity(code, registers.len(), WRITE_REGISTERS)?;
                let n = usize::from(q).saturating_mul(2);
                w.u16_be(*address)?;
                w.u16_be(q)?;
                w.u8(u8::try_from(n).map_err(|_| Error::PduTooLong { len })?)?;
                registers.write_be(w.slot(n)?);
            }
            Request::ReadFileRecord { records } => {
                let n = records.wire_len();
                if !(0x07..=0xF5).contains(&n) {
                    return Err(Error::ByteCount {
                        function: code,
                        offset: 1,
                        actual: n,
                        expected: Count::stepped(7, 0xF5, 7),
                    });
                }
                check_file_read_quantity(code, records)?;
                w.u8(u8::try_from(n).map_err(|_| Error::PduTooLong { len })?)?;
                records.write(&mut w, Some(code))?;
            }
            Request::WriteFileRecord { records } => {
                write_file_encode(&mut w, records, code, len)?;
            }
            Request::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            } => {
                w.u16_be(*address)?;
                w.u16_be(*and_mask)?;
                w.u16_be(*or_mask)?;
            }
            Request::ReadWriteMultipleRegisters {
                read_address,
                read_quantity,
                write_address,
                registers,
            } => {
                let wq = quantity(code, registers.len(), RW_WRITE)?;
                let n = usize::from(wq).saturating_mul(2);
                w.u16_be(*read_address)?;
                w.u16_be(check_quantity(code, *read_quantity, RW_READ)?)?;
                w.u16_be(*write_address)?;
                w.u16_be(wq)?;
                w.u8(u8::try_from(n).map_err(|_| Error::PduTooLong { len })?)?;
                registers.write_be(w.slot(n)?);
            }
            Request::ReadFifoQueue { address } => w.u16_be(*address)?,
            Request::ReadDeviceIdentification {
                read_code,
                object_id,
            } => {
                check_read_code(*read_code, 2)?;
                w.u8(MEI_READ_DEVICE_ID)?;
                w.u8(*read_code)?;
                w.u8(*object_id)?;
            }
            Request::EncapsulatedInterface { mei_type, data } => {
                if *mei_type == MEI_READ_DEVICE_ID {
                    return Err(Error::Value {
                        field: "MEI type (use ReadDeviceIdentification)",
                        value: u16::from(*mei_type),
                        offset: 1,
                    });
                }
                w.u8(*mei_type)?;
                w.put(data.as_bytes())?;
            }
            Request::Raw { code, data } => {
                if FunctionCode::from_u8(*code).is_some_and(FunctionCode::is_public) {
                    return Err(Error::InvalidFunction { code: *code });
                }
                w.put(data.as_bytes())?;
            }
        }
        Ok(w.finish())
    }

    /// The request encoded into a new `Vec`.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> Result<alloc::vec::Vec<u8>, Error> {
        crate::encode_to_vec(self.buffer_len(), |out| self.encode(out))
    }
}

/// §6.14: "the quantity of registers to be read, combined with all other fields in the expected
/// response, must not exceed the allowable length of the MODBUS PDU". The response's table caps
/// its data length at 0xF5 (stricter than the 253-byte PDU, which would leave 251 bytes: 3
/// registers more; this crate's response decoder and encoder hold to 0xF5, so its requests do
/// too). It
/// gives each sub-response 2 bytes besides its registers, so the sub-requests may ask for at
/// most `(0xF5 - 2 × sub-requests) / 2` registers in all: more is a request no response can
/// answer (exception 03, as for a register read over its quantity). `Config` relaxes nothing
/// here.
fn check_file_read_quantity(code: u8, records: &List<'_, FileSubRequest>) -> Result<(), Error> {
    let (mut groups, mut registers) = (0usize, 0usize);
    for sub in records.iter() {
        groups = groups.saturating_add(1);
        registers = registers.saturating_add(usize::from(sub.record_length));
    }
    let max =
        usize::from(*FILE_READ_RESPONSE_BYTES.end()).saturating_sub(groups.saturating_mul(2)) / 2;
    if registers > max {
        return Err(Error::Quantity {
            function: code,
            quantity: registers,
            min: 0,
            max: u16::try_from(max).unwrap_or(u16::MAX),
        });
    }
    Ok(())
}
