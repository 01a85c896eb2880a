//! Protocol data units: every request and response of the Modbus Application Protocol
//! Specification V1.1b3 §6, exceptions (§7), and raw passthrough for the rest.
//!
//! [`Request::parse`] and [`Response::parse`] take one whole PDU (function code first) and
//! return a repr that borrows from it; they never panic and never allocate. `encode` checks the
//! same limits before writing, so what this crate writes, it also accepts.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Reader, Writer};

use crate::data::{Bits, Data, Registers};
use crate::error::Error;
use crate::function::{ExceptionCode, FunctionCode};
use crate::list::{Item, List, shift};

/// The limits of the specification.
pub mod limits {
    /// Largest PDU (§4.1: 256-byte serial ADU less address and CRC).
    pub const MAX_PDU: usize = 253;
    /// FC 0x01/0x02 quantity of bits read (§6.1, §6.2).
    pub const READ_BITS: (u16, u16) = (1, 2000);
    /// FC 0x03/0x04 quantity of registers read (§6.3, §6.4).
    pub const READ_REGISTERS: (u16, u16) = (1, 125);
    /// FC 0x0F quantity of coils written (§6.11).
    pub const WRITE_BITS: (u16, u16) = (1, 0x07B0);
    /// FC 0x10 quantity of registers written (§6.12).
    pub const WRITE_REGISTERS: (u16, u16) = (1, 0x007B);
    /// FC 0x17 quantity read (§6.17).
    pub const RW_READ: (u16, u16) = (1, 0x007D);
    /// FC 0x17 quantity written (§6.17).
    pub const RW_WRITE: (u16, u16) = (1, 0x0079);
    /// FC 0x18 FIFO count (§6.18).
    pub const FIFO_COUNT: u16 = 31;
    /// FC 0x14/0x15 largest record number (§6.14).
    pub const MAX_RECORD_NUMBER: u16 = 0x270F;
    /// FC 0x14/0x15 reference type (§6.14).
    pub const FILE_REFERENCE_TYPE: u8 = 6;
    /// FC 0x2B MEI type of Read Device Identification (§6.21).
    pub const MEI_READ_DEVICE_ID: u8 = 0x0E;
    /// FC 0x14 response data length. §6.14's table gives 0x07..=0xF5, copied from the request,
    /// but its own example has a sub-response of 5 bytes and a one-register read answers with 4:
    /// at least one sub-response header (2 bytes), at most 0xF5.
    pub const FILE_READ_RESPONSE_BYTES: core::ops::RangeInclusive<u8> = 0x02..=0xF5;
    /// FC 0x0C largest number of event bytes (§6.10).
    pub const MAX_EVENTS: usize = 64;
}

use limits::*;

/// What strict decoding relaxes. The default is strict: every field is checked against the
/// specification. Each flag names one quirk seen in the field and relaxes only that.
///
/// Where the specification's tables contradict its own examples or fix what only informs, strict
/// decoding reads what devices send, in every configuration:
/// - file number 0 in Read/Write File Record (§6.14/§6.15 give 1..=0xFFFF; devices number their
///   files from 0);
/// - Read File Record responses whose data length or sub-response lengths are below the table's
///   0x07 (its own example has a 5-byte sub-response; a one-register read answers with 4 bytes);
/// - in a Read Device Identification response (§6.21), the conformity level, the next object
///   id, the number of objects of an individual access and its more-follows (which §6.21 fixes
///   at 0x00 for read code 04) are read as sent, not checked: they inform, the objects are what
///   is read. The read code (1..=4), and more-follows being 0x00 or 0xFF, are checked;
/// - the data words of Diagnostics sub-functions (§6.8.1) and the body of Report Server ID
///   (§6.13): their lengths are checked, their values read as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Config {
    /// Ignore bytes after a complete PDU (devices that pad their frames, MBAP lengths too large).
    pub allow_trailing_bytes: bool,
    /// Accept an exception response whose function byte is 0x80 (function 0), as pymodbus sends
    /// for some errors; strict decoding requires `fc | 0x80` with `fc` in 1..=0x7F.
    pub allow_exception_fc_0x80: bool,
    /// Modbus/TCP: frame an exception response as 9 bytes whatever its MBAP length says
    /// (devices that send a stale length with exceptions).
    pub allow_exception_mbap_length: bool,
    /// Serial lines: accept the reserved addresses 248..=255 (devices answering as 255), and
    /// responses from address 0 (which strict decoding refuses: nothing answers a broadcast).
    pub allow_reserved_address: bool,
}

impl Config {
    /// Everything checked (the default).
    pub const STRICT: Config = Config {
        allow_trailing_bytes: false,
        allow_exception_fc_0x80: false,
        allow_exception_mbap_length: false,
        allow_reserved_address: false,
    };

    /// Every quirk tolerated.
    pub const LENIENT: Config = Config {
        allow_trailing_bytes: true,
        allow_exception_fc_0x80: true,
        allow_exception_mbap_length: true,
        allow_reserved_address: true,
    };
}

/// One sub-request of Read File Record (FC 0x14, §6.14): 7 bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FileSubRequest {
    /// File number: 1..=0xFFFF in §6.14, but 0 is read and written too, since devices number
    /// their files from 0.
    pub file_number: u16,
    /// First record (0..=0x270F).
    pub record_number: u16,
    /// Number of registers to read.
    pub record_length: u16,
}

fn reference_type(r: &mut Reader<'_>) -> Result<(), Error> {
    let offset = r.position();
    match r.u8()? {
        FILE_REFERENCE_TYPE => Ok(()),
        other => Err(Error::Value {
            field: "file reference type",
            value: u16::from(other),
            offset,
        }),
    }
}

fn record_number(r: &mut Reader<'_>) -> Result<u16, Error> {
    let offset = r.position();
    let n = r.u16_be()?;
    if n > MAX_RECORD_NUMBER {
        return Err(Error::Value {
            field: "record number",
            value: n,
            offset,
        });
    }
    Ok(n)
}

fn check_record_number(n: u16) -> Result<(), Error> {
    if n > MAX_RECORD_NUMBER {
        Err(Error::Value {
            field: "record number",
            value: n,
            offset: 0,
        })
    } else {
        Ok(())
    }
}

impl<'a> Item<'a> for FileSubRequest {
    fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        reference_type(r)?;
        let file_number = r.u16_be()?;
        let record_number = record_number(r)?;
        let record_length = r.u16_be()?;
        Ok(FileSubRequest {
            file_number,
            record_number,
            record_length,
        })
    }
    fn wire_len(&self) -> usize {
        7
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        check_record_number(self.record_number)?;
        w.u8(FILE_REFERENCE_TYPE)?;
        w.u16_be(self.file_number)?;
        w.u16_be(self.record_number)?;
        w.u16_be(self.record_length)?;
        Ok(())
    }
}

/// One record group of Write File Record (FC 0x15, §6.15), in the request and the echo.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(all(feature = "serde", feature = "alloc"), derive(serde::Deserialize))]
pub struct FileRecord<'a> {
    /// File number.
    pub file_number: u16,
    /// First record (0..=0x270F).
    pub record_number: u16,
    /// The registers written (the record length is their number).
    pub registers: Registers<'a>,
}

impl<'a> Item<'a> for FileRecord<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        reference_type(r)?;
        let file_number = r.u16_be()?;
        let record_number = record_number(r)?;
        let len = r.u16_be()?;
        let bytes = r.take(usize::from(len).saturating_mul(2))?;
        Ok(FileRecord {
            file_number,
            record_number,
            registers: Registers::Wire(bytes),
        })
    }
    fn wire_len(&self) -> usize {
        self.registers.len().saturating_mul(2).saturating_add(7)
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        check_record_number(self.record_number)?;
        let len = u16::try_from(self.registers.len()).map_err(|_| Error::PduTooLong {
            len: self.wire_len(),
        })?;
        w.u8(FILE_REFERENCE_TYPE)?;
        w.u16_be(self.file_number)?;
        w.u16_be(self.record_number)?;
        w.u16_be(len)?;
        self.registers
            .write_be(w.slot(usize::from(len).saturating_mul(2))?);
        Ok(())
    }
}

/// One sub-response of Read File Record (FC 0x14, §6.14): the registers of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(all(feature = "serde", feature = "alloc"), derive(serde::Deserialize))]
pub struct FileRecordData<'a> {
    /// The registers read.
    pub registers: Registers<'a>,
}

impl<'a> Item<'a> for FileRecordData<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let offset = r.position();
        let len = r.u8()?;
        // The length counts the reference type byte and the register bytes: odd, at least 1.
        if len % 2 == 0 {
            return Err(Error::ByteCount {
                function: 0x14,
                offset,
                actual: usize::from(len),
                expected: usize::from(len).saturating_add(1),
            });
        }
        reference_type(r)?;
        let bytes = r.take(usize::from(len).saturating_sub(1))?;
        Ok(FileRecordData {
            registers: Registers::Wire(bytes),
        })
    }
    fn wire_len(&self) -> usize {
        self.registers.len().saturating_mul(2).saturating_add(2)
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        let n = self.registers.len().saturating_mul(2);
        let len = u8::try_from(n.saturating_add(1)).map_err(|_| Error::PduTooLong {
            len: self.wire_len(),
        })?;
        w.u8(len)?;
        w.u8(FILE_REFERENCE_TYPE)?;
        self.registers.write_be(w.slot(n)?);
        Ok(())
    }
}

/// One object of Read Device Identification (FC 0x2B/0x0E, §6.21).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DeviceIdObject<'a> {
    /// Object id (0x00 vendor name, 0x01 product code, 0x02 revision, ...).
    pub id: u8,
    /// The value; ASCII text for the standard objects.
    pub value: Data<'a>,
}

impl<'a> Item<'a> for DeviceIdObject<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let id = r.u8()?;
        let len = r.u8()?;
        let value = r.take(usize::from(len))?;
        Ok(DeviceIdObject {
            id,
            value: Data::Borrowed(value),
        })
    }
    fn wire_len(&self) -> usize {
        self.value.len().saturating_add(2)
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        let len = u8::try_from(self.value.len()).map_err(|_| Error::PduTooLong {
            len: self.wire_len(),
        })?;
        w.u8(self.id)?;
        w.u8(len)?;
        w.put(self.value.as_bytes())?;
        Ok(())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for DeviceIdObject<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("DeviceIdObject", 2)?;
        st.serialize_field("id", &self.id)?;
        match core::str::from_utf8(self.value.as_bytes()) {
            Ok(text) => st.serialize_field("value", text)?,
            Err(_) => st.serialize_field("value_hex", &self.value)?,
        }
        st.end()
    }
}

#[cfg(all(feature = "serde", feature = "alloc"))]
impl<'de> serde::Deserialize<'de> for DeviceIdObject<'_> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use alloc::string::String;
        use serde::de::Error as _;
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Obj {
            id: u8,
            value: Option<String>,
            value_hex: Option<String>,
        }
        let o = Obj::deserialize(d)?;
        let value = match (o.value, o.value_hex) {
            (Some(text), None) => text.into_bytes(),
            (None, Some(hex)) => m2m_core::hex::decode(&hex).map_err(D::Error::custom)?,
            _ => return Err(D::Error::custom("give exactly one of value and value_hex")),
        };
        Ok(DeviceIdObject {
            id: o.id,
            value: Data::Owned(value),
        })
    }
}

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
        /// Data (2 bytes for every sub-function but 0x0000 Return Query Data).
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

const fn in_range(v: u16, (min, max): (u16, u16)) -> bool {
    v >= min && v <= max
}

fn quantity(function: u8, q: usize, (min, max): (u16, u16)) -> Result<u16, Error> {
    match u16::try_from(q) {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(Error::Quantity {
            function,
            quantity: q,
            min,
            max,
        }),
    }
}

fn check_quantity(function: u8, q: u16, range: (u16, u16)) -> Result<u16, Error> {
    quantity(function, usize::from(q), range)
}

fn byte_count(function: u8, r: &mut Reader<'_>, expected: usize) -> Result<(), Error> {
    let offset = r.position();
    let bc = r.u8()?;
    if usize::from(bc) != expected {
        return Err(Error::ByteCount {
            function,
            offset,
            actual: usize::from(bc),
            expected,
        });
    }
    Ok(())
}

fn coil_value(r: &mut Reader<'_>) -> Result<bool, Error> {
    let offset = r.position();
    match r.u16_be()? {
        0xFF00 => Ok(true),
        0x0000 => Ok(false),
        value => Err(Error::Value {
            field: "coil value",
            value,
            offset,
        }),
    }
}

/// The five-byte layout of function code, address and one word, at the start of `out`; `None`
/// (nothing written) when `out` is too short.
#[inline(always)]
fn put_address_value(out: &mut [u8], code: u8, address: u16, value: u16) -> Option<usize> {
    let [a0, a1] = address.to_be_bytes();
    let [v0, v1] = value.to_be_bytes();
    *out.first_chunk_mut::<5>()? = [code, a0, a1, v0, v1];
    Some(5)
}

/// A fixed head and the big-endian registers after it, at the start of `out`; `None` (nothing
/// written) when `out` is too short.
#[inline(always)]
fn put_registers<const H: usize>(
    out: &mut [u8],
    head: [u8; H],
    registers: &Registers<'_>,
) -> Option<usize> {
    let len = registers.len().checked_mul(2)?.checked_add(H)?;
    let (h, body) = out.get_mut(..len)?.split_first_chunk_mut::<H>()?;
    *h = head;
    registers.write_be(body);
    Some(len)
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

const fn coil_word(on: bool) -> u16 {
    if on { 0xFF00 } else { 0x0000 }
}

fn finish(r: &Reader<'_>, config: &Config) -> Result<(), Error> {
    if config.allow_trailing_bytes {
        Ok(())
    } else {
        r.finish().map_err(Error::from)
    }
}

fn check_pdu_len(pdu: &[u8]) -> Result<(), Error> {
    if pdu.len() > MAX_PDU {
        Err(Error::PduTooLong { len: pdu.len() })
    } else {
        Ok(())
    }
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
    fn parse_general(pdu: &'a [u8], config: &Config) -> Result<Self, Error> {
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
                        expected: 0xF5,
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
    fn encode_general(&self, out: &mut [u8]) -> Result<usize, Error> {
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
                        expected: 0xF5,
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

/// Sub-functions whose data is not the usual two bytes: 0x0000 Return Query Data echoes any
/// number of bytes (§6.8.1). Every other standard sub-function carries exactly 2 bytes.
fn diagnostics_data_len(sub_function: u16) -> Option<usize> {
    match sub_function {
        0x0000 => None,
        0x0001..=0x0004 | 0x000A..=0x0012 | 0x0014 => Some(2),
        _ => None,
    }
}

fn check_diagnostics_len(sub_function: u16, len: usize) -> Result<(), Error> {
    match diagnostics_data_len(sub_function) {
        Some(n) if n != len => Err(Error::ByteCount {
            function: 0x08,
            offset: 3,
            actual: len,
            expected: n,
        }),
        _ => Ok(()),
    }
}

fn diagnostics_data<'a>(
    r: &mut Reader<'a>,
    sub_function: u16,
    config: &Config,
) -> Result<&'a [u8], Error> {
    match diagnostics_data_len(sub_function) {
        Some(n) => {
            let data = r.take(n)?;
            finish(r, config)?;
            Ok(data)
        }
        None => Ok(r.take_rest()),
    }
}

fn write_file_body<'a>(r: &mut Reader<'a>, code: u8) -> Result<List<'a, FileRecord<'a>>, Error> {
    let offset = r.position();
    let n = r.u8()?;
    if !(0x09..=0xFB).contains(&n) {
        return Err(Error::ByteCount {
            function: code,
            offset,
            actual: usize::from(n),
            expected: 0xFB,
        });
    }
    let at = r.position();
    let bytes = r.take(usize::from(n))?;
    List::parse(bytes, at, Some(code))
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

fn write_file_encode(
    w: &mut Writer<'_>,
    records: &List<'_, FileRecord<'_>>,
    code: u8,
    len: usize,
) -> Result<(), Error> {
    let n = records.wire_len();
    if !(0x09..=0xFB).contains(&n) {
        return Err(Error::ByteCount {
            function: code,
            offset: 1,
            actual: n,
            expected: 0xFB,
        });
    }
    w.u8(u8::try_from(n).map_err(|_| Error::PduTooLong { len })?)?;
    records.write(w, Some(code))
}

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

fn register_block<'a>(r: &mut Reader<'a>, code: u8, max: u16) -> Result<Registers<'a>, Error> {
    let offset = r.position();
    let bc = usize::from(r.u8()?);
    let max = usize::from(max).saturating_mul(2);
    if bc == 0 || bc % 2 != 0 || bc > max {
        return Err(Error::ByteCount {
            function: code,
            offset,
            actual: bc,
            expected: max,
        });
    }
    Ok(Registers::Wire(r.take(bc)?))
}

fn bit_block<'a>(r: &mut Reader<'a>, code: u8) -> Result<Bits<'a>, Error> {
    let offset = r.position();
    let bc = usize::from(r.u8()?);
    let max = usize::from(READ_BITS.1).div_ceil(8);
    if bc == 0 || bc > max {
        return Err(Error::ByteCount {
            function: code,
            offset,
            actual: bc,
            expected: max,
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

    /// Register reads (FC03, FC04, FC17) matched whole, as [`Request::parse_fast`] does for
    /// requests: `None` leaves the answer to the general decoder.
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
    fn parse_general(pdu: &'a [u8], config: &Config) -> Result<Self, Error> {
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
                        expected: MAX_EVENTS.saturating_add(6),
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
                let bc = usize::from(r.u8()?);
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
                        expected: 0xF5,
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
                        expected,
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
                    expected: q.div_ceil(8),
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
    /// whole, as [`Request::encode_fast`] does for requests: `Some(n)` exactly when
    /// [`Response::encode`] would write the same `n` bytes; `None` writes nothing.
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
    fn encode_general(&self, out: &mut [u8]) -> Result<usize, Error> {
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
                        expected: MAX_EVENTS.saturating_add(6),
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
                        expected: 0xF5,
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

/// Read Device ID codes 01 (basic) to 04 (one object), §6.21; `offset` is where the code sits.
fn check_read_code(read_code: u8, offset: usize) -> Result<(), Error> {
    if (1..=4).contains(&read_code) {
        Ok(())
    } else {
        Err(Error::Value {
            field: "read device id code",
            value: u16::from(read_code),
            offset,
        })
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

/// What the ADU types need of a PDU: [`Request`] and [`Response`] both implement it.
pub trait Pdu<'a>: Sized {
    /// Which way this kind of PDU travels.
    const DIRECTION: Direction;
    /// Decodes one whole PDU.
    fn parse_with(pdu: &'a [u8], config: &Config) -> Result<Self, Error>;
    /// The most common layouts only, without error reporting: `Some` exactly when
    /// [`Pdu::parse_with`] would give the same value under any [`Config`]; `None` otherwise.
    #[inline(always)]
    fn parse_fast(pdu: &'a [u8]) -> Option<Self> {
        let _ = pdu;
        None
    }
    /// The most common layouts only: `Some(n)` exactly when [`Pdu::encode`] would write the same
    /// `n` bytes; `None` (nothing written) otherwise.
    #[inline(always)]
    fn encode_fast(&self, out: &mut [u8]) -> Option<usize> {
        let _ = out;
        None
    }
    /// Bytes the encoded PDU takes.
    fn buffer_len(&self) -> usize;
    /// Checks limits and writes the PDU.
    fn encode(&self, out: &mut [u8]) -> Result<usize, Error>;
    /// Length of a PDU of this direction from its first bytes.
    fn pdu_len(prefix: &[u8]) -> Result<PduLen, Error>;
}

impl<'a> Pdu<'a> for Request<'a> {
    const DIRECTION: Direction = Direction::Request;
    #[inline(always)]
    fn parse_with(pdu: &'a [u8], config: &Config) -> Result<Self, Error> {
        Request::parse_with(pdu, config)
    }
    #[inline(always)]
    fn parse_fast(pdu: &'a [u8]) -> Option<Self> {
        Request::parse_fast(pdu)
    }
    fn buffer_len(&self) -> usize {
        Request::buffer_len(self)
    }
    #[inline(always)]
    fn encode_fast(&self, out: &mut [u8]) -> Option<usize> {
        Request::encode_fast(self, out)
    }
    #[inline(always)]
    fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
        Request::encode(self, out)
    }
    fn pdu_len(prefix: &[u8]) -> Result<PduLen, Error> {
        request_len(prefix)
    }
}

impl<'a> Pdu<'a> for Response<'a> {
    const DIRECTION: Direction = Direction::Response;
    #[inline(always)]
    fn parse_with(pdu: &'a [u8], config: &Config) -> Result<Self, Error> {
        Response::parse_with(pdu, config)
    }
    #[inline(always)]
    fn parse_fast(pdu: &'a [u8]) -> Option<Self> {
        Response::parse_fast(pdu)
    }
    fn buffer_len(&self) -> usize {
        Response::buffer_len(self)
    }
    #[inline(always)]
    fn encode_fast(&self, out: &mut [u8]) -> Option<usize> {
        Response::encode_fast(self, out)
    }
    #[inline(always)]
    fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
        Response::encode(self, out)
    }
    fn pdu_len(prefix: &[u8]) -> Result<PduLen, Error> {
        response_len(prefix)
    }
}

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
    let count = |expected: usize| Error::ByteCount {
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
        0x0C => Some(count(MAX_EVENTS.saturating_add(6))),
        0x14 if !FILE_READ_RESPONSE_BYTES.contains(&at(1)) => Some(count(0xF5)),
        0x14 if at(2) % 2 == 0 => Some(Error::ByteCount {
            function: code,
            offset: 2,
            actual: usize::from(at(2)),
            expected: usize::from(at(2)).saturating_add(1),
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
            expected: usize::from(word(3)).saturating_mul(2).saturating_add(2),
        }),
        _ => None,
    };
    // Not reached for what `plausible` refuses: a byte-count error keeps the kind.
    named.unwrap_or(count(0))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `for_quantity` reads bits built as values as the bytes they encode to, as it reads the
    /// same bytes decoded.
    #[test]
    fn for_quantity_cuts_values_as_it_cuts_wire_bytes() {
        let sixteen = [true; 16];
        let built = Response::ReadCoils {
            coils: Bits::Values(&sixteen),
        };
        let wire = built.to_vec().unwrap();
        let decoded = Response::parse(&wire).unwrap();
        for q in 9..=16 {
            let a = built.clone().for_quantity(q).unwrap();
            let b = decoded.clone().for_quantity(q).unwrap();
            assert_eq!(a, b, "quantity {q}");
            assert!(matches!(&a, Response::ReadCoils { coils } if coils.len() == usize::from(q)));
        }
        for q in [0, 8, 17] {
            let a = built.clone().for_quantity(q);
            let b = decoded.clone().for_quantity(q);
            assert_eq!(a, b, "quantity {q}");
            assert!(
                matches!(a, Err(Error::ByteCount { actual: 2, .. })),
                "{a:?}"
            );
        }
        // Cut once, not widened again (decoded or built).
        let cut = decoded.clone().for_quantity(10).unwrap();
        assert!(matches!(
            cut.for_quantity(16),
            Err(Error::Quantity { max: 10, .. })
        ));
        let cut = built.clone().for_quantity(10).unwrap();
        assert!(matches!(
            cut.for_quantity(16),
            Err(Error::Quantity { max: 10, .. })
        ));
        // Ten values encode to two bytes; asked for 12 they have no bits 10 and 11 to give.
        let ten = [true; 10];
        assert_eq!(
            (Response::ReadDiscreteInputs {
                inputs: Bits::Values(&ten)
            })
            .for_quantity(12),
            Err(Error::Quantity {
                function: 0x02,
                quantity: 12,
                min: 1,
                max: 10
            })
        );
    }

    /// A group whose own length runs past the bytes the byte count gives is a malformed frame
    /// (the byte count disagrees with the groups, §6.14/§6.15), not one still arriving: a
    /// caller that waits on `Truncated` would wait for ever.
    #[test]
    fn file_groups_overrunning_their_byte_count_are_byte_count_errors() {
        use m2m_core::{ErrorKind, ProtocolError};
        // FC15: byte count 9 holds one group header and one register, the group says 5.
        let fc15 = [
            0x15, 0x09, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x12, 0x34,
        ];
        let e = Request::parse(&fc15).unwrap_err();
        assert_eq!(
            e,
            Error::ByteCount {
                function: 0x15,
                offset: 1,
                actual: 9,
                expected: 17
            }
        );
        assert_eq!(e.kind(), ErrorKind::Malformed);
        assert!(Response::parse(&fc15).is_err_and(|e| e.kind() == ErrorKind::Malformed));
        // FC14 response: data length 4, the sub-response says 5 (reference type and 4 bytes).
        let fc14 = [0x14, 0x04, 0x05, 0x06, 0x12, 0x34];
        let e = Response::parse(&fc14).unwrap_err();
        assert_eq!(
            e,
            Error::ByteCount {
                function: 0x14,
                offset: 1,
                actual: 4,
                expected: 6
            }
        );
        // The same PDUs cut short are still incomplete: the byte count is not all in.
        assert!(matches!(
            Request::parse(&fc15[..10]),
            Err(Error::Truncated { .. })
        ));
        // A hand-built `Wire` list is held to the same rule on encode.
        let records = List::Wire(&fc15[2..]);
        assert!(matches!(
            (Request::WriteFileRecord { records }).to_vec(),
            Err(Error::ByteCount { function: 0x15, .. })
        ));
    }

    /// A device-identification object list has no byte count: a hand-built `Wire` list cut short
    /// is refused on encode as decoding refuses the same bytes, as truncated.
    #[test]
    fn device_id_objects_cut_short_are_truncated_both_ways() {
        let cut = [0x01, 0x05, b'a'];
        let rsp = Response::ReadDeviceIdentification {
            read_code: 1,
            conformity_level: 0x01,
            more_follows: false,
            next_object_id: 0,
            objects: List::Wire(&cut),
        };
        assert!(
            matches!(rsp.to_vec(), Err(Error::Truncated { .. })),
            "{:?}",
            rsp.to_vec()
        );
        let pdu = [0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x01, 0x01, 0x05, b'a'];
        assert!(matches!(
            Response::parse(&pdu),
            Err(Error::Truncated { .. })
        ));
    }

    /// §6.14: a Read File Record request may ask for no more than its response can carry: data
    /// length 0xF5, two bytes per sub-response besides the registers. One group: 121 registers
    /// (2 + 242 = 244 <= 245), not 122; two groups: 120 in all.
    #[test]
    fn file_reads_are_bounded_by_the_response_they_ask_for() {
        let one = |len: u16| {
            let [h, l] = len.to_be_bytes();
            [0x14, 0x07, 0x06, 0x00, 0x01, 0x00, 0x00, h, l]
        };
        assert!(Request::parse(&one(121)).is_ok());
        for len in [122, 0x1000, 0xFFFF] {
            assert_eq!(
                Request::parse(&one(len)),
                Err(Error::Quantity {
                    function: 0x14,
                    quantity: usize::from(len),
                    min: 0,
                    max: 121
                })
            );
        }
        let two = |a: u8, b: u8| {
            [
                0x14, 0x0E, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00, a, 0x06, 0x00, 0x02, 0x00, 0x00,
                0x00, b,
            ]
        };
        assert!(Request::parse(&two(60, 60)).is_ok());
        assert!(matches!(
            Request::parse(&two(60, 61)),
            Err(Error::Quantity { max: 120, .. })
        ));
        // The largest answer fits the response encoder; one register more fits no response.
        let regs = [0u16; 121];
        let rsp = Response::ReadFileRecord {
            records: List::Values(&[FileRecordData {
                registers: Registers::from(&regs[..]),
            }]),
        };
        assert!(rsp.to_vec().is_ok());
        // Encoding refuses what decoding refuses.
        let sub = |record_length| FileSubRequest {
            file_number: 1,
            record_number: 0,
            record_length,
        };
        let ok = [sub(121)];
        assert!(
            Request::ReadFileRecord {
                records: List::Values(&ok)
            }
            .to_vec()
            .is_ok()
        );
        let over = [sub(122)];
        assert!(matches!(
            Request::ReadFileRecord {
                records: List::Values(&over)
            }
            .to_vec(),
            Err(Error::Quantity { .. })
        ));
        // A server answers it with Illegal Data Value, as a register read over its quantity.
        let pdu = one(122);
        let e = Request::parse(&pdu).unwrap_err();
        assert_eq!(
            crate::server::exception_for(&pdu, &e),
            Some(Response::Exception {
                function_code: 0x14,
                exception: ExceptionCode::IllegalDataValue
            })
        );
    }

    // Application Protocol V1.1b3 §6.3 example.
    static FC03_REQ: [u8; 5] = [0x03, 0x00, 0x6b, 0x00, 0x03];
    static FC03_RSP: [u8; 8] = [0x03, 0x06, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64];

    /// Whatever `plausible` refuses, strict decoding refuses with the error of a checked field,
    /// which is what the serial framing reports for it.
    #[test]
    fn what_plausible_refuses_the_decoder_names() {
        let mut seed = 0x9E37_79B9_u32;
        let mut refused = 0;
        for code in [1u8, 2, 3, 4, 5, 0x0C, 0x0F, 0x10, 0x14, 0x15, 0x17, 0x18] {
            // Each error `implausible` builds, seen at least once for this code.
            let mut kinds = std::collections::BTreeSet::new();
            for _ in 0..4000 {
                let mut pdu = [code, 0, 0, 0, 0, 0, 0, 0, 0, 0];
                for b in &mut pdu[1..] {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    // Small values often, so that counts and quantities land near their limits.
                    let [low, ..] = seed.to_le_bytes();
                    *b = if seed & 0x100 != 0 { low } else { low & 0x0F };
                }
                if plausible(Direction::Response, &pdu) {
                    continue;
                }
                refused += 1;
                let e = implausible(&pdu);
                kinds.insert(match e {
                    Error::ByteCount { offset, .. } => ("count", offset),
                    Error::Value { field, offset, .. } => (field, offset),
                    _ => ("quantity", 3),
                });
                // The decoder, given the whole frame (here: the bytes, then zeros).
                let mut whole = [0u8; MAX_PDU];
                whole[..pdu.len()].copy_from_slice(&pdu);
                assert_eq!(Err(e), Response::parse(&whole), "{pdu:02x?}");
                assert!(
                    matches!(
                        e,
                        Error::ByteCount { .. } | Error::Value { .. } | Error::Quantity { .. }
                    ),
                    "{pdu:02x?}: {e:?}"
                );
            }
            let want = match code {
                0x14 => 3,
                0x15 | 0x18 => 2,
                _ => 1,
            };
            assert_eq!(kinds.len(), want, "{code:02x}: {kinds:?}");
        }
        assert!(refused > 10_000, "{refused}");
    }

    /// A hand-built `Wire` list is written only if the decoder would accept it.
    #[test]
    fn a_wire_list_is_checked_before_it_is_written() {
        // Reference type 7 in a file-record sub-request.
        let bad = Request::ReadFileRecord {
            records: List::Wire(&[7, 0, 1, 0, 0, 0, 1]),
        };
        assert!(matches!(
            bad.to_vec(),
            Err(Error::Value {
                field: "file reference type",
                offset: 2,
                ..
            })
        ));
        let good = Request::ReadFileRecord {
            records: List::Wire(&[6, 0, 1, 0, 0, 0, 1]),
        };
        let bytes = good.to_vec().unwrap();
        assert_eq!(bytes, [0x14, 7, 6, 0, 1, 0, 0, 0, 1]);
        assert_eq!(Request::parse(&bytes).unwrap(), good);
        // Device-id objects cut short.
        let cut = Response::ReadDeviceIdentification {
            read_code: 1,
            conformity_level: 1,
            more_follows: false,
            next_object_id: 0,
            objects: List::Wire(&[0, 5, b'a']),
        };
        assert!(cut.to_vec().is_err());
    }

    /// The response encoder holds the Read Device ID code to 1..=4, as the decoder does.
    #[test]
    fn device_id_responses_are_encoded_only_with_a_valid_read_code() {
        for read_code in [0u8, 5, 0xFF] {
            let rsp = Response::ReadDeviceIdentification {
                read_code,
                conformity_level: 1,
                more_follows: false,
                next_object_id: 0,
                objects: List::Values(&[]),
            };
            assert!(matches!(
                rsp.to_vec(),
                Err(Error::Value {
                    field: "read device id code",
                    ..
                })
            ));
        }
    }

    /// A PDU far over the limit is refused with `PduTooLong` by every `to_vec`, as by `encode`
    /// into a buffer big enough (`to_vec` now gives its encoder at most an ASCII frame's room:
    /// this holds the error to be the same; the size of the buffer is not observed).
    #[test]
    fn to_vec_refuses_a_huge_pdu_by_its_limit() {
        use crate::{ascii, rtu, tcp};
        let data = std::vec![0u8; 1 << 20];
        let pdu = Request::Raw {
            code: 0x41,
            data: Data::from(&data[..]),
        };
        let want = Error::PduTooLong { len: (1 << 20) + 1 };
        let mut big = std::vec![0u8; (1 << 21) + 600];
        assert_eq!(pdu.encode(&mut big), Err(want));
        assert_eq!(pdu.to_vec(), Err(want));
        let t = tcp::Adu {
            transaction_id: 1,
            unit_id: 1,
            pdu: pdu.clone(),
        };
        assert_eq!(t.encode(&mut big), Err(want));
        assert_eq!(t.to_vec(), Err(want));
        let r = rtu::Adu {
            address: 1,
            pdu: pdu.clone(),
        };
        assert_eq!(r.encode(&mut big), Err(want));
        assert_eq!(r.to_vec(), Err(want));
        let a = ascii::Adu { address: 1, pdu };
        assert_eq!(a.encode(&mut big), Err(want));
        assert_eq!(a.to_vec(), Err(want));
    }

    #[test]
    fn deconstruct_fc03() {
        let req = Request::parse(&FC03_REQ).unwrap();
        assert_eq!(
            req,
            Request::ReadHoldingRegisters {
                address: 0x6b,
                quantity: 3
            }
        );
        let Response::ReadHoldingRegisters { registers } = Response::parse(&FC03_RSP).unwrap()
        else {
            panic!("wrong variant");
        };
        assert_eq!(
            registers.iter().collect::<std::vec::Vec<_>>(),
            [555, 0, 100]
        );
    }

    #[test]
    fn construct_fc03() {
        let mut buf = [0u8; 16];
        let req = Request::ReadHoldingRegisters {
            address: 0x6b,
            quantity: 3,
        };
        assert_eq!(req.buffer_len(), 5);
        let n = req.encode(&mut buf).unwrap();
        assert_eq!(&buf[..n], &FC03_REQ);
        let rsp = Response::ReadHoldingRegisters {
            registers: Registers::from(&[555, 0, 100]),
        };
        let n = rsp.encode(&mut buf).unwrap();
        assert_eq!(&buf[..n], &FC03_RSP);
        assert!(rsp.encode(&mut buf[..7]).is_err());
    }

    #[test]
    fn limits_on_decode_and_encode() {
        // 126 registers is one too many.
        let bad = [0x03, 0x00, 0x00, 0x00, 0x7e];
        assert!(matches!(
            Request::parse(&bad),
            Err(Error::Quantity { quantity: 126, .. })
        ));
        let req = Request::ReadHoldingRegisters {
            address: 0,
            quantity: 0,
        };
        assert!(matches!(
            req.encode(&mut [0; 8]),
            Err(Error::Quantity { .. })
        ));
        // FC05 value must be 0x0000 or 0xFF00.
        assert!(matches!(
            Request::parse(&[0x05, 0x00, 0x01, 0x12, 0x34]),
            Err(Error::Value { offset: 3, .. })
        ));
    }

    #[test]
    fn tokio_modbus_fc0f_panic_input_is_an_error() {
        // 0F 0000 0010 01 FF: 16 coils need 2 bytes, the count says 1.
        assert!(matches!(
            Request::parse(&[0x0f, 0x00, 0x00, 0x00, 0x10, 0x01, 0xff]),
            Err(Error::ByteCount {
                actual: 1,
                expected: 2,
                offset: 5,
                ..
            })
        ));
    }

    #[test]
    fn trailing_bytes_are_strict_by_default() {
        let mut long = [0u8; 6];
        long[..5].copy_from_slice(&FC03_REQ);
        assert!(matches!(
            Request::parse(&long),
            Err(Error::TrailingBytes { offset: 5, len: 1 })
        ));
        assert!(Request::parse_with(&long, &Config::LENIENT).is_ok());
    }

    #[test]
    fn exceptions() {
        assert_eq!(
            Response::parse(&[0x81, 0x02]).unwrap(),
            Response::Exception {
                function_code: 1,
                exception: ExceptionCode::IllegalDataAddress
            }
        );
        assert_eq!(
            Response::parse(&[0xc1, 0x2a]).unwrap(),
            Response::Exception {
                function_code: 0x41,
                exception: ExceptionCode::Unknown(0x2a)
            }
        );
        assert!(Response::parse(&[0x80, 0x01]).is_err());
        assert!(Response::parse_with(&[0x80, 0x01], &Config::LENIENT).is_ok());
    }

    #[test]
    fn unknown_function_codes_are_raw() {
        let pdu = [0x41, 0x01, 0x02];
        let req = Request::parse(&pdu).unwrap();
        assert_eq!(
            req,
            Request::Raw {
                code: 0x41,
                data: Data::from(&[1u8, 2])
            }
        );
        let mut buf = [0u8; 3];
        assert_eq!(req.encode(&mut buf), Ok(3));
        assert_eq!(buf, pdu);
        assert!(matches!(
            Request::parse(&[0x00]),
            Err(Error::InvalidFunction { code: 0 })
        ));
    }

    #[test]
    fn one_register_file_read_response() {
        // File 4, one record: length 3 (reference type + 2 bytes), byte count 4.
        let pdu = [0x14, 0x04, 0x03, 0x06, 0x12, 0x34];
        let rsp = Response::parse(&pdu).unwrap();
        assert_eq!(rsp.to_vec().unwrap(), pdu);
    }

    #[test]
    fn lengths_from_prefixes() {
        assert_eq!(request_len(&[]), Ok(PduLen::AtLeast(1)));
        assert_eq!(request_len(&[0x03]), Ok(PduLen::Exact(5)));
        assert_eq!(request_len(&[0x10, 0, 1, 0, 2]), Ok(PduLen::AtLeast(6)));
        assert_eq!(request_len(&[0x10, 0, 1, 0, 2, 4]), Ok(PduLen::Exact(10)));
        assert_eq!(request_len(&[0x08, 0, 0]), Ok(PduLen::Unknown));
        assert_eq!(request_len(&[0x08, 0, 1]), Ok(PduLen::Exact(5)));
        assert_eq!(response_len(&[0x83]), Ok(PduLen::Exact(2)));
        assert_eq!(response_len(&[0x03, 6]), Ok(PduLen::Exact(8)));
        assert_eq!(response_len(&[0x18, 0, 6]), Ok(PduLen::Exact(9)));
        assert!(response_len(&[0x80]).is_err());
        // 2B/0E response with one object of 3 bytes.
        let rsp = [0x2b, 0x0e, 1, 1, 0, 0, 1, 0, 3, b'a', b'b', b'c'];
        assert_eq!(response_len(&rsp[..8]), Ok(PduLen::AtLeast(9)));
        assert_eq!(response_len(&rsp), Ok(PduLen::Exact(12)));
        assert!(Response::parse(&rsp).is_ok());
    }

    /// TCP and RTU ADU encoders (fast path first) against their general encoders.
    /// One case of `fast_encoders_agree_with_the_general_encoder`: the bytes the fast layout
    /// stands for, whether the PDU has one, and the buffer (`room` bytes of `fill`).
    struct FastCase<'m> {
        model: &'m [u8],
        fast_layout: bool,
        room: usize,
        fill: u8,
    }

    impl FastCase<'_> {
        /// `encode_fast` against `general` (the PDU's general encoder) and the model, then the ADU
        /// encoders built on them.
        fn check<'a, P: Pdu<'a> + Clone>(
            &self,
            pdu: &P,
            general: fn(&P, &mut [u8]) -> Result<usize, Error>,
        ) -> Result<(), proptest::test_runner::TestCaseError> {
            let mut a = std::vec![self.fill; self.room];
            let mut b = std::vec![self.fill; self.room];
            let fast = pdu.encode_fast(&mut a);
            let general = general(pdu, &mut b);
            match fast {
                Some(n) => {
                    proptest::prop_assert_eq!(general, Ok(n));
                    proptest::prop_assert_eq!(&a[..n], &b[..n]);
                    proptest::prop_assert_eq!(&a[..n], self.model);
                    proptest::prop_assert_eq!(n, pdu.buffer_len());
                }
                None => {
                    proptest::prop_assert!(a.iter().all(|&x| x == self.fill), "None wrote");
                    proptest::prop_assert!(!self.fast_layout || general.is_err(), "{general:?}");
                }
            }
            check_adus(pdu, self.room, self.fill)
        }
    }

    fn check_adus<'a, P: Pdu<'a> + Clone>(
        pdu: &P,
        room: usize,
        fill: u8,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let tcp = crate::tcp::Adu {
            transaction_id: 0x1234,
            unit_id: 7,
            pdu: pdu.clone(),
        };
        let (mut a, mut b) = (std::vec![fill; room], std::vec![fill; room]);
        let n = tcp.encode(&mut a);
        proptest::prop_assert_eq!(n, tcp.encode_general(&mut b));
        if let Ok(n) = n {
            proptest::prop_assert_eq!(&a[..n], &b[..n]);
        }
        let rtu = crate::rtu::Adu {
            address: 7,
            pdu: pdu.clone(),
        };
        let (mut a, mut b) = (std::vec![fill; room], std::vec![fill; room]);
        let n = rtu.encode(&mut a);
        proptest::prop_assert_eq!(n, rtu.encode_general(&mut b));
        if let Ok(n) = n {
            proptest::prop_assert_eq!(&a[..n], &b[..n]);
        }
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2048))]
        /// The whole-layout fast paths give exactly what the general decoder gives.
        #[test]
        fn fast_paths_agree_with_the_general_decoder(
            code in proptest::prop_oneof![0x01u8..=0x06, proptest::strategy::Just(0x10u8)],
            rcode in proptest::prop_oneof![proptest::strategy::Just(0x03u8), proptest::strategy::Just(0x04), proptest::strategy::Just(0x17)],
            body in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..260),
            small in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 4),
        ) {
            let mut req = std::vec![code];
            req.extend_from_slice(if code == 0x10 { &body } else { &small });
            proptest::prop_assert_eq!(
                Request::parse_with(&req, &Config::STRICT),
                Request::parse_general(&req, &Config::STRICT)
            );
            let mut rsp = std::vec![rcode];
            rsp.extend_from_slice(&body);
            proptest::prop_assert_eq!(
                Response::parse_with(&rsp, &Config::STRICT),
                Response::parse_general(&rsp, &Config::STRICT)
            );
            // Shaped to pass: byte count agreeing with the data.
            if let Some(n) = body.len().checked_sub(1) {
                let mut ok = std::vec![rcode, u8::try_from(n).unwrap_or(0)];
                ok.extend_from_slice(&body[1..]);
                proptest::prop_assert_eq!(
                    Response::parse_with(&ok, &Config::STRICT),
                    Response::parse_general(&ok, &Config::STRICT)
                );
            }
        }

        /// The whole-layout encoders write exactly what the general encoder writes, and take every
        /// case of their layouts that the general encoder accepts; `None` writes nothing. The ADU
        /// encoders built on them agree with their general encoders as well.
        #[test]
        fn fast_encoders_agree_with_the_general_encoder(
            which in 0u8..12,
            address in proptest::arbitrary::any::<u16>(),
            value in proptest::prop_oneof![0u16..=3, 120u16..=130, 1995u16..=2005, proptest::arbitrary::any::<u16>()],
            words in proptest::prop_oneof![
                proptest::collection::vec(proptest::arbitrary::any::<u16>(), 0..=3),
                proptest::collection::vec(proptest::arbitrary::any::<u16>(), 121..=127),
                proptest::collection::vec(proptest::arbitrary::any::<u16>(), 0..=130),
            ],
            odd in proptest::arbitrary::any::<bool>(),
            wire in proptest::arbitrary::any::<bool>(),
            room in proptest::prop_oneof![proptest::strategy::Just(300usize), 0usize..=270],
            fill in proptest::arbitrary::any::<u8>(),
        ) {
            let mut bytes: std::vec::Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
            if odd {
                bytes.push(fill);
            }
            let registers = if wire { Registers::Wire(&bytes) } else { Registers::Values(&words) };
            let on = value & 1 == 1;
            let (req, rsp) = match which {
                0 => (Some(Request::ReadCoils { address, quantity: value }), None),
                1 => (Some(Request::ReadDiscreteInputs { address, quantity: value }), None),
                2 => (Some(Request::ReadHoldingRegisters { address, quantity: value }), None),
                3 => (Some(Request::ReadInputRegisters { address, quantity: value }), None),
                4 => (
                    Some(Request::WriteSingleCoil { address, value: on }),
                    Some(Response::WriteSingleCoil { address, value: on }),
                ),
                5 => (
                    Some(Request::WriteSingleRegister { address, value }),
                    Some(Response::WriteSingleRegister { address, value }),
                ),
                6 => (Some(Request::WriteMultipleRegisters { address, registers }), None),
                7 => (None, Some(Response::ReadHoldingRegisters { registers })),
                8 => (None, Some(Response::ReadInputRegisters { registers })),
                9 => (None, Some(Response::ReadWriteMultipleRegisters { registers })),
                // Layouts without a fast path: `None`, always.
                10 => (Some(Request::MaskWriteRegister { address, and_mask: value, or_mask: 1 }), None),
                _ => (None, Some(Response::WriteMultipleRegisters { address, quantity: value })),
            };
            let fast_layout = which < 10;
            // The bytes each fast layout stands for, written out by hand.
            let [a0, a1] = address.to_be_bytes();
            let [v0, v1] = value.to_be_bytes();
            let q = u8::try_from(words.len()).unwrap_or(0);
            let data: &[u8] = &words.iter().flat_map(|w| w.to_be_bytes()).collect::<std::vec::Vec<u8>>();
            let model: std::vec::Vec<u8> = match which {
                0..=3 => std::vec![which.wrapping_add(1), a0, a1, v0, v1],
                4 => std::vec![5, a0, a1, if on { 0xFF } else { 0 }, 0],
                5 => std::vec![6, a0, a1, v0, v1],
                6 => [&[0x10, a0, a1, 0, q, q.wrapping_mul(2)][..], data].concat(),
                7 => [&[3, q.wrapping_mul(2)][..], data].concat(),
                8 => [&[4, q.wrapping_mul(2)][..], data].concat(),
                9 => [&[0x17, q.wrapping_mul(2)][..], data].concat(),
                _ => std::vec![],
            };
            let case = FastCase { model: &model, fast_layout, room, fill };
            if let Some(req) = req {
                case.check(&req, Request::encode_general)?;
            }
            if let Some(rsp) = rsp {
                case.check(&rsp, Response::encode_general)?;
            }
        }
    }
}
