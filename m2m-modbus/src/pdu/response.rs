//! The response PDU: every response of the Modbus Application Protocol V1.1b3 §6 (§6.1 to
//! §6.21), exception responses (§7) and raw passthrough for the rest, decoded
//! ([`Response::parse`]) and encoded ([`Response::encode`]).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Reader, Writer};

use crate::data::{Bits, Data, Registers};
use crate::error::{Count, Error};
use crate::function::{ExceptionCode, FunctionCode};
use crate::list::{Item, List, shift};

use super::limits::*;
use super::records::{check_read_code, write_file_body, write_file_encode};
use super::{
    Config, DeviceIdObject, FileRecord, FileRecordData, check_diagnostics_len, check_pdu_len,
    check_quantity, coil_value, coil_word, diagnostics_data, finish, in_range, put_address_value,
    put_registers, quantity,
};
use super::{FILE_READ_COUNT, MAX_SERVER_ID};

/// A response PDU (Modbus Application Protocol V1.1b3 §6, exceptions §7).
///
/// Coil and input responses carry `8 * byte_count` bits; [`Response::for_quantity`] cuts them
/// to the quantity of the request. Panic contract: no method panics, whatever the input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(all(feature = "serde", feature = "alloc"), derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "function", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Response<'a> {
    /// 0x01 (§6.1).
    ReadCoils {
        /// Coil states.
        coils: Bits<'a>,
    },
    /// 0x02 (§6.2).
    ReadDiscreteInputs {
        /// Input states.
        inputs: Bits<'a>,
    },
    /// 0x03 (§6.3).
    ReadHoldingRegisters {
        /// Values.
        registers: Registers<'a>,
    },
    /// 0x04 (§6.4).
    ReadInputRegisters {
        /// Values.
        registers: Registers<'a>,
    },
    /// 0x05 (§6.5), an echo of the request.
    WriteSingleCoil {
        /// Address.
        address: u16,
        /// On or off.
        value: bool,
    },
    /// 0x06 (§6.6), an echo of the request.
    WriteSingleRegister {
        /// Address.
        address: u16,
        /// Value.
        value: u16,
    },
    /// 0x07 (§6.7).
    ReadExceptionStatus {
        /// The eight exception status outputs.
        status: u8,
    },
    /// 0x08 (§6.8).
    Diagnostics {
        /// Sub-function.
        sub_function: u16,
        /// Data.
        data: Data<'a>,
    },
    /// 0x0B (§6.9).
    GetCommEventCounter {
        /// 0xFFFF while a previous command is in progress, else 0.
        status: u16,
        /// Event count.
        event_count: u16,
    },
    /// 0x0C (§6.10).
    GetCommEventLog {
        /// Status word.
        status: u16,
        /// Event count.
        event_count: u16,
        /// Message count.
        message_count: u16,
        /// Event bytes, most recent first (0..=64).
        events: Data<'a>,
    },
    /// 0x0F (§6.11).
    WriteMultipleCoils {
        /// Starting address.
        address: u16,
        /// Coils written.
        quantity: u16,
    },
    /// 0x10 (§6.12).
    WriteMultipleRegisters {
        /// Starting address.
        address: u16,
        /// Registers written.
        quantity: u16,
    },
    /// 0x11 (§6.13): server id, run indicator and additional data, all device specific.
    ReportServerId {
        /// The bytes after the byte count.
        data: Data<'a>,
    },
    /// 0x14 (§6.14).
    ReadFileRecord {
        /// One group of registers per sub-request.
        records: List<'a, FileRecordData<'a>>,
    },
    /// 0x15 (§6.15), an echo of the request.
    WriteFileRecord {
        /// Record groups.
        records: List<'a, FileRecord<'a>>,
    },
    /// 0x16 (§6.16), an echo of the request.
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
        /// Values read.
        registers: Registers<'a>,
    },
    /// 0x18 (§6.18).
    ReadFifoQueue {
        /// FIFO contents (0..=31 registers).
        registers: Registers<'a>,
    },
    /// 0x2B / 0x0E (§6.21).
    ReadDeviceIdentification {
        /// Echo of the request's read code.
        read_code: u8,
        /// Conformity level (0x01-0x03, 0x81-0x83).
        conformity_level: u8,
        /// More objects follow (another request is needed).
        more_follows: bool,
        /// Where the next request starts, when more follow.
        next_object_id: u8,
        /// The objects.
        objects: List<'a, DeviceIdObject<'a>>,
    },
    /// 0x2B with any other MEI type, carried raw.
    EncapsulatedInterface {
        /// MEI type.
        mei_type: u8,
        /// Everything after the MEI type.
        data: Data<'a>,
    },
    /// An exception response (§7): `function_code | 0x80`, exception code.
    Exception {
        /// The function code of the request (without the 0x80 bit).
        function_code: u8,
        /// Why.
        exception: ExceptionCode,
    },
    /// Any other function code 0x01..=0x7F, carried raw.
    Raw {
        /// Function code.
        code: u8,
        /// Everything after the function code.
        data: Data<'a>,
    },
}

/// A register-read response (FC03, FC04, FC17) when its quantity is within limits.
#[inline(always)]
fn read_fast(code: u8, registers: &Registers<'_>, out: &mut [u8]) -> Option<usize> {
    let q = u16::try_from(registers.len()).ok()?;
    if !in_range(q, READ_REGISTERS) {
        return None;
    }
    let bc = u8::try_from(q.saturating_mul(2)).ok()?;
    put_registers(out, [code, bc], registers)
}

pub(super) fn register_block<'a>(
    r: &mut Reader<'a>,
    code: u8,
    max: u16,
) -> Result<Registers<'a>, Error> {
    let offset = r.position();
    let bc = usize::from(r.u8()?);
    let max = usize::from(max).saturating_mul(2);
    if bc == 0 || bc % 2 != 0 || bc > max {
        return Err(Error::ByteCount {
            function: code,
            offset,
            actual: bc,
            expected: Count::stepped(2, max, 2),
        });
    }
    Ok(Registers::Wire(r.take(bc)?))
}

pub(super) fn bit_block<'a>(r: &mut Reader<'a>, code: u8) -> Result<Bits<'a>, Error> {
    let offset = r.position();
    let bc = usize::from(r.u8()?);
    let max = usize::from(READ_BITS.1).div_ceil(8);
    if bc == 0 || bc > max {
        return Err(Error::ByteCount {
            function: code,
            offset,
            actual: bc,
            expected: Count::range(1, max),
        });
    }
    let bytes = r.take(bc)?;
    Ok(Bits::Wire {
        bytes,
        len: bc.saturating_mul(8),
    })
}

impl<'a> Response<'a> {
    /// Decodes a response PDU strictly.
    pub fn parse(pdu: &'a [u8]) -> Result<Self, Error> {
        Self::parse_with(pdu, &Config::STRICT)
    }

    /// Decodes a response PDU with the given strictness.
    #[inline(always)]
    pub fn parse_with(pdu: &'a [u8], config: &Config) -> Result<Self, Error> {
        match Self::parse_fast(pdu) {
            Some(rsp) => Ok(rsp),
            None => Self::parse_general(pdu, config),
        }
    }

    /// Register reads (FC03, FC04, FC17) matched whole, as
    /// [`Request::parse_fast`](super::Request::parse_fast) does for requests: `None` leaves the
    /// answer to the general decoder.
    #[inline(always)]
    #[must_use]
    pub fn parse_fast(pdu: &'a [u8]) -> Option<Self> {
        if let [code @ (0x03 | 0x04 | 0x17), bc, ref data @ ..] = *pdu {
            let max = if code == 0x17 {
                RW_READ.1
            } else {
                READ_REGISTERS.1
            };
            if bc != 0
                && bc % 2 == 0
                && u16::from(bc) <= max.saturating_mul(2)
                && data.len() == usize::from(bc)
            {
                let registers = Registers::Wire(data);
                return Some(match code {
                    0x03 => Response::ReadHoldingRegisters { registers },
                    0x04 => Response::ReadInputRegisters { registers },
                    _ => Response::ReadWriteMultipleRegisters { registers },
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
        if code >= 0x80 {
            let function_code = code & 0x7F;
            if function_code == 0 && !config.allow_exception_fc_0x80 {
                return Err(Error::InvalidFunction { code });
            }
            let exception = ExceptionCode::from_u8(r.u8()?);
            finish(&r, config)?;
            return Ok(Response::Exception {
                function_code,
                exception,
            });
        }
        let fc = FunctionCode::from_u8(code).ok_or(Error::InvalidFunction { code })?;
        let rsp = match fc {
            FunctionCode::ReadCoils => Response::ReadCoils {
                coils: bit_block(&mut r, code)?,
            },
            FunctionCode::ReadDiscreteInputs => Response::ReadDiscreteInputs {
                inputs: bit_block(&mut r, code)?,
            },
            FunctionCode::ReadHoldingRegisters => Response::ReadHoldingRegisters {
                registers: register_block(&mut r, code, READ_REGISTERS.1)?,
            },
            FunctionCode::ReadInputRegisters => Response::ReadInputRegisters {
                registers: register_block(&mut r, code, READ_REGISTERS.1)?,
            },
            FunctionCode::WriteSingleCoil => Response::WriteSingleCoil {
                address: r.u16_be()?,
                value: coil_value(&mut r)?,
            },
            FunctionCode::WriteSingleRegister => Response::WriteSingleRegister {
                address: r.u16_be()?,
                value: r.u16_be()?,
            },
            FunctionCode::ReadExceptionStatus => Response::ReadExceptionStatus { status: r.u8()? },
            FunctionCode::Diagnostics => {
                let sub_function = r.u16_be()?;
                let data = diagnostics_data(&mut r, sub_function, config)?;
                Response::Diagnostics {
                    sub_function,
                    data: Data::Borrowed(data),
                }
            }
            FunctionCode::GetCommEventCounter => Response::GetCommEventCounter {
                status: r.u16_be()?,
                event_count: r.u16_be()?,
            },
            FunctionCode::GetCommEventLog => {
                let offset = r.position();
                let bc = usize::from(r.u8()?);
                if !(6..=MAX_EVENTS.saturating_add(6)).contains(&bc) {
                    return Err(Error::ByteCount {
                        function: code,
                        offset,
                        actual: bc,
                        expected: Count::range(6, MAX_EVENTS.saturating_add(6)),
                    });
                }
                Response::GetCommEventLog {
                    status: r.u16_be()?,
                    event_count: r.u16_be()?,
                    message_count: r.u16_be()?,
                    events: Data::Borrowed(r.take(bc.saturating_sub(6))?),
                }
            }
            FunctionCode::WriteMultipleCoils => Response::WriteMultipleCoils {
                address: r.u16_be()?,
                quantity: check_quantity(code, r.u16_be()?, WRITE_BITS)?,
            },
            FunctionCode::WriteMultipleRegisters => Response::WriteMultipleRegisters {
                address: r.u16_be()?,
                quantity: check_quantity(code, r.u16_be()?, WRITE_REGISTERS)?,
            },
            FunctionCode::ReportServerId => {
                let at = r.position();
                let bc = usize::from(r.u8()?);
                // §6.13: the Run Indicator Status byte at least.
                if bc == 0 {
                    return Err(Error::ByteCount {
                        function: 0x11,
                        offset: at,
                        actual: 0,
                        expected: Count::range(1, MAX_SERVER_ID),
                    });
                }
                Response::ReportServerId {
                    data: Data::Borrowed(r.take(bc)?),
                }
            }
            FunctionCode::ReadFileRecord => {
                let offset = r.position();
                let bc = r.u8()?;
                if !FILE_READ_RESPONSE_BYTES.contains(&bc) {
                    return Err(Error::ByteCount {
                        function: code,
                        offset,
                        actual: usize::from(bc),
                        expected: FILE_READ_COUNT,
                    });
                }
                let at = r.position();
                let bytes = r.take(usize::from(bc))?;
                Response::ReadFileRecord {
                    records: List::parse(bytes, at, Some(code))?,
                }
            }
            FunctionCode::WriteFileRecord => Response::WriteFileRecord {
                records: write_file_body(&mut r, code)?,
            },
            FunctionCode::MaskWriteRegister => Response::MaskWriteRegister {
                address: r.u16_be()?,
                and_mask: r.u16_be()?,
                or_mask: r.u16_be()?,
            },
            FunctionCode::ReadWriteMultipleRegisters => Response::ReadWriteMultipleRegisters {
                registers: register_block(&mut r, code, RW_READ.1)?,
            },
            FunctionCode::ReadFifoQueue => {
                let offset = r.position();
                let bc = usize::from(r.u16_be()?);
                let count_at = r.position();
                let count = r.u16_be()?;
                if count > FIFO_COUNT {
                    return Err(Error::Value {
                        field: "FIFO count",
                        value: count,
                        offset: count_at,
                    });
                }
                let expected = usize::from(count).saturating_mul(2).saturating_add(2);
                if bc != expected {
                    return Err(Error::ByteCount {
                        function: code,
                        offset,
                        actual: bc,
                        expected: Count::Exactly(expected),
                    });
                }
                Response::ReadFifoQueue {
                    registers: Registers::Wire(r.take(usize::from(count).saturating_mul(2))?),
                }
            }
            FunctionCode::EncapsulatedInterface => {
                let mei_type = r.u8()?;
                if mei_type == MEI_READ_DEVICE_ID {
                    device_id_response(&mut r)?
                } else {
                    Response::EncapsulatedInterface {
                        mei_type,
                        data: Data::Borrowed(r.take_rest()),
                    }
                }
            }
            FunctionCode::Other(code) => Response::Raw {
                code,
                data: Data::Borrowed(r.take_rest()),
            },
        };
        finish(&r, config)?;
        Ok(rsp)
    }

    /// The function code this response answers (for an exception, the request's).
    #[must_use]
    pub fn function(&self) -> FunctionCode {
        let code = match self {
            Response::ReadCoils { .. } => 0x01,
            Response::ReadDiscreteInputs { .. } => 0x02,
            Response::ReadHoldingRegisters { .. } => 0x03,
            Response::ReadInputRegisters { .. } => 0x04,
            Response::WriteSingleCoil { .. } => 0x05,
            Response::WriteSingleRegister { .. } => 0x06,
            Response::ReadExceptionStatus { .. } => 0x07,
            Response::Diagnostics { .. } => 0x08,
            Response::GetCommEventCounter { .. } => 0x0B,
            Response::GetCommEventLog { .. } => 0x0C,
            Response::WriteMultipleCoils { .. } => 0x0F,
            Response::WriteMultipleRegisters { .. } => 0x10,
            Response::ReportServerId { .. } => 0x11,
            Response::ReadFileRecord { .. } => 0x14,
            Response::WriteFileRecord { .. } => 0x15,
            Response::MaskWriteRegister { .. } => 0x16,
            Response::ReadWriteMultipleRegisters { .. } => 0x17,
            Response::ReadFifoQueue { .. } => 0x18,
            Response::ReadDeviceIdentification { .. } | Response::EncapsulatedInterface { .. } => {
                0x2B
            }
            Response::Exception { function_code, .. } => *function_code,
            Response::Raw { code, .. } => *code,
        };
        FunctionCode::from_u8(code).unwrap_or(FunctionCode::Other(code))
    }

    /// `true` for [`Response::Exception`].
    #[must_use]
    pub fn is_exception(&self) -> bool {
        matches!(self, Response::Exception { .. })
    }

    /// Cuts the bits of a coil or input response to the `quantity` of its request, checking
    /// that the byte count is `ceil(quantity / 8)`. Other responses are returned unchanged.
    ///
    /// Bits built as values are held to the bytes they encode to: 16 values cut to 10, as the
    /// same two bytes decoded would be. Bits cannot be cut to more than they hold
    /// ([`Error::Quantity`]): values have no padding bits to read, and decoded bits already cut
    /// to a quantity are not widened again.
    pub fn for_quantity(self, quantity: u16) -> Result<Self, Error> {
        let cut = |bits: Bits<'a>, function: u8| -> Result<Bits<'a>, Error> {
            let q = usize::from(quantity);
            let bytes = match &bits {
                Bits::Wire { bytes, .. } => bytes.len(),
                other => other.len().div_ceil(8),
            };
            if bytes != q.div_ceil(8) || q == 0 {
                return Err(Error::ByteCount {
                    function,
                    offset: 1,
                    actual: bytes,
                    expected: Count::Exactly(q.div_ceil(8)),
                });
            }
            match bits {
                // Decoded, `len` is every bit of the bytes; already cut, no more than that.
                Bits::Wire { bytes, len } if q <= len => Ok(Bits::Wire { bytes, len: q }),
                Bits::Values(v) if q <= v.len() => Ok(Bits::Values(v.get(..q).unwrap_or(v))),
                #[cfg(all(feature = "alloc", feature = "serde"))]
                Bits::Owned(mut v) if q <= v.len() => {
                    v.truncate(q);
                    Ok(Bits::Owned(v))
                }
                other => Err(Error::Quantity {
                    function,
                    quantity: q,
                    min: 1,
                    max: u16::try_from(other.len()).unwrap_or(u16::MAX),
                }),
            }
        };
        Ok(match self {
            Response::ReadCoils { coils } => Response::ReadCoils {
                coils: cut(coils, 0x01)?,
            },
            Response::ReadDiscreteInputs { inputs } => Response::ReadDiscreteInputs {
                inputs: cut(inputs, 0x02)?,
            },
            other => other,
        })
    }

    /// Bytes the encoded PDU takes.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        let body = match self {
            Response::ReadCoils { coils: b } | Response::ReadDiscreteInputs { inputs: b } => {
                b.len().div_ceil(8).saturating_add(1)
            }
            Response::ReadHoldingRegisters { registers }
            | Response::ReadInputRegisters { registers }
            | Response::ReadWriteMultipleRegisters { registers } => {
                registers.len().saturating_mul(2).saturating_add(1)
            }
            Response::WriteSingleCoil { .. }
            | Response::WriteSingleRegister { .. }
            | Response::GetCommEventCounter { .. }
            | Response::WriteMultipleCoils { .. }
            | Response::WriteMultipleRegisters { .. } => 4,
            Response::ReadExceptionStatus { .. } | Response::Exception { .. } => 1,
            Response::Diagnostics { data, .. } => data.len().saturating_add(2),
            Response::GetCommEventLog { events, .. } => events.len().saturating_add(7),
            Response::ReportServerId { data } => data.len().saturating_add(1),
            Response::ReadFileRecord { records } => records.wire_len().saturating_add(1),
            Response::WriteFileRecord { records } => records.wire_len().saturating_add(1),
            Response::MaskWriteRegister { .. } => 6,
            Response::ReadFifoQueue { registers } => {
                registers.len().saturating_mul(2).saturating_add(4)
            }
            Response::ReadDeviceIdentification { objects, .. } => {
                objects.wire_len().saturating_add(6)
            }
            Response::EncapsulatedInterface { data, .. } => data.len().saturating_add(1),
            Response::Raw { data, .. } => data.len(),
        };
        body.saturating_add(1)
    }

    /// Checks the limits of the specification and writes the PDU at the start of `out`.
    /// Returns its length, [`Response::buffer_len`].
    #[inline(always)]
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
        match self.encode_fast(out) {
            Some(n) => Ok(n),
            None => self.encode_general(out),
        }
    }

    /// Register reads (FC03, FC04, FC17) and the echoes of single writes (FC05, FC06) written
    /// whole, as [`Request::encode_fast`](super::Request::encode_fast) does for requests:
    /// `Some(n)` exactly when [`Response::encode`] would write the same `n` bytes; `None` writes
    /// nothing.
    #[inline(always)]
    pub fn encode_fast(&self, out: &mut [u8]) -> Option<usize> {
        let (code, address, value) = match *self {
            Response::ReadHoldingRegisters { ref registers } => {
                return read_fast(0x03, registers, out);
            }
            Response::ReadInputRegisters { ref registers } => {
                return read_fast(0x04, registers, out);
            }
            Response::ReadWriteMultipleRegisters { ref registers } => {
                return read_fast(0x17, registers, out);
            }
            Response::WriteSingleCoil { address, value } => (0x05, address, coil_word(value)),
            Response::WriteSingleRegister { address, value } => (0x06, address, value),
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
        let too_long = |_| Error::PduTooLong { len };
        let mut w = Writer::new(out);
        let code = self.function().value();
        if let Response::Exception {
            function_code,
            exception,
        } = self
        {
            if *function_code >= 0x80 || *function_code == 0 {
                return Err(Error::InvalidFunction {
                    code: *function_code,
                });
            }
            w.u8(function_code | 0x80)?;
            w.u8(exception.value())?;
            return Ok(w.finish());
        }
        if code == 0 || code >= 0x80 {
            return Err(Error::InvalidFunction { code });
        }
        w.u8(code)?;
        match self {
            Response::ReadCoils { coils: b } | Response::ReadDiscreteInputs { inputs: b } => {
                let n = b.len().div_ceil(8);
                quantity(code, b.len(), READ_BITS)?;
                w.u8(u8::try_from(n).map_err(too_long)?)?;
                b.write_packed(w.slot(n)?);
            }
            Response::ReadHoldingRegisters { registers }
            | Response::ReadInputRegisters { registers }
            | Response::ReadWriteMultipleRegisters { registers } => {
                quantity(code, registers.len(), READ_REGISTERS)?;
                let n = registers.len().saturating_mul(2);
                w.u8(u8::try_from(n).map_err(too_long)?)?;
                registers.write_be(w.slot(n)?);
            }
            Response::WriteSingleCoil { address, value } => {
                w.u16_be(*address)?;
                w.u16_be(coil_word(*value))?;
            }
            Response::WriteSingleRegister { address, value } => {
                w.u16_be(*address)?;
                w.u16_be(*value)?;
            }
            Response::ReadExceptionStatus { status } => w.u8(*status)?,
            Response::Diagnostics { sub_function, data } => {
                check_diagnostics_len(*sub_function, data.len())?;
                w.u16_be(*sub_function)?;
                w.put(data.as_bytes())?;
            }
            Response::GetCommEventCounter {
                status,
                event_count,
            } => {
                w.u16_be(*status)?;
                w.u16_be(*event_count)?;
            }
            Response::GetCommEventLog {
                status,
                event_count,
                message_count,
                events,
            } => {
                if events.len() > MAX_EVENTS {
                    return Err(Error::ByteCount {
                        function: code,
                        offset: 1,
                        actual: events.len().saturating_add(6),
                        expected: Count::range(6, MAX_EVENTS.saturating_add(6)),
                    });
                }
                w.u8(u8::try_from(events.len().saturating_add(6)).map_err(too_long)?)?;
                w.u16_be(*status)?;
                w.u16_be(*event_count)?;
                w.u16_be(*message_count)?;
                w.put(events.as_bytes())?;
            }
            Response::WriteMultipleCoils { address, quantity } => {
                w.u16_be(*address)?;
                w.u16_be(check_quantity(code, *quantity, WRITE_BITS)?)?;
            }
            Response::WriteMultipleRegisters { address, quantity } => {
                w.u16_be(*address)?;
                w.u16_be(check_quantity(code, *quantity, WRITE_REGISTERS)?)?;
            }
            Response::ReportServerId { data } => {
                if data.is_empty() {
                    return Err(Error::ByteCount {
                        function: 0x11,
                        offset: 1,
                        actual: 0,
                        expected: Count::range(1, MAX_SERVER_ID),
                    });
                }
                w.u8(u8::try_from(data.len()).map_err(too_long)?)?;
                w.put(data.as_bytes())?;
            }
            Response::ReadFileRecord { records } => {
                let n = records.wire_len();
                if !u8::try_from(n).is_ok_and(|n| FILE_READ_RESPONSE_BYTES.contains(&n)) {
                    return Err(Error::ByteCount {
                        function: code,
                        offset: 1,
                        actual: n,
                        expected: FILE_READ_COUNT,
                    });
                }
                w.u8(u8::try_from(n).map_err(too_long)?)?;
                records.write(&mut w, Some(code))?;
            }
            Response::WriteFileRecord { records } => {
                write_file_encode(&mut w, records, code, len)?;
            }
            Response::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            } => {
                w.u16_be(*address)?;
                w.u16_be(*and_mask)?;
                w.u16_be(*or_mask)?;
            }
            Response::ReadFifoQueue { registers } => {
                let count = registers.len();
                if count > usize::from(FIFO_COUNT) {
                    return Err(Error::Value {
                        field: "FIFO count",
                        value: u16::try_from(count).unwrap_or(u16::MAX),
                        offset: 3,
                    });
                }
                let n = count.saturating_mul(2);
                w.u16_be(u16::try_from(n.saturating_add(2)).map_err(too_long)?)?;
                w.u16_be(u16::try_from(count).map_err(too_long)?)?;
                registers.write_be(w.slot(n)?);
            }
            Response::ReadDeviceIdentification {
                read_code,
                conformity_level,
                more_follows,
                next_object_id,
                objects,
            } => {
                check_read_code(*read_code, 2)?;
                w.u8(MEI_READ_DEVICE_ID)?;
                w.u8(*read_code)?;
                w.u8(*conformity_level)?;
                w.u8(if *more_follows { 0xFF } else { 0x00 })?;
                w.u8(*next_object_id)?;
                w.u8(u8::try_from(objects.len()).map_err(too_long)?)?;
                objects.write(&mut w, None)?;
            }
            Response::EncapsulatedInterface { mei_type, data } => {
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
            Response::Raw { code, data } => {
                if FunctionCode::from_u8(*code).is_some_and(FunctionCode::is_public) {
                    return Err(Error::InvalidFunction { code: *code });
                }
                w.put(data.as_bytes())?;
            }
            Response::Exception { .. } => {}
        }
        Ok(w.finish())
    }

    /// The response encoded into a new `Vec`.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> Result<alloc::vec::Vec<u8>, Error> {
        crate::encode_to_vec(self.buffer_len(), |out| self.encode(out))
    }
}

fn device_id_response<'a>(r: &mut Reader<'a>) -> Result<Response<'a>, Error> {
    let offset = r.position();
    let read_code = r.u8()?;
    check_read_code(read_code, offset)?;
    let conformity_level = r.u8()?;
    let more_at = r.position();
    let more_follows = match r.u8()? {
        0x00 => false,
        0xFF => true,
        other => {
            return Err(Error::Value {
                field: "more follows",
                value: u16::from(other),
                offset: more_at,
            });
        }
    };
    let next_object_id = r.u8()?;
    let count_at = r.position();
    let count = r.u8()?;
    let start = r.position();
    let rest = r.rest();
    let mut objects = Reader::new(rest);
    for _ in 0..count {
        DeviceIdObject::read(&mut objects).map_err(|e| shift(e, start))?;
    }
    let used = objects.position();
    let bytes = r.take(used)?;
    let _ = count_at;
    Ok(Response::ReadDeviceIdentification {
        read_code,
        conformity_level,
        more_follows,
        next_object_id,
        objects: List::Wire(bytes),
    })
}
