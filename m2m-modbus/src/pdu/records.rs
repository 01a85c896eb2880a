//! The items of the PDU lists: the sub-requests and record groups of Read File Record and Write
//! File Record (Modbus Application Protocol V1.1b3 §6.14, §6.15), with the Write File Record body
//! that the request and its echo share, and the objects of Read Device Identification (§6.21).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Reader, Writer};

use crate::data::{Data, Registers};
use crate::error::{Count, Error};
use crate::list::{Item, List};

use super::SUB_RESPONSE_LEN;
use super::limits::*;

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
                expected: SUB_RESPONSE_LEN,
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

pub(super) fn write_file_body<'a>(
    r: &mut Reader<'a>,
    code: u8,
) -> Result<List<'a, FileRecord<'a>>, Error> {
    let offset = r.position();
    let n = r.u8()?;
    if !(0x09..=0xFB).contains(&n) {
        return Err(Error::ByteCount {
            function: code,
            offset,
            actual: usize::from(n),
            expected: Count::range(9, 0xFB),
        });
    }
    let at = r.position();
    let bytes = r.take(usize::from(n))?;
    List::parse(bytes, at, Some(code))
}

pub(super) fn write_file_encode(
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
            expected: Count::range(9, 0xFB),
        });
    }
    w.u8(u8::try_from(n).map_err(|_| Error::PduTooLong { len })?)?;
    records.write(w, Some(code))
}

/// Read Device ID codes 01 (basic) to 04 (one object), §6.21; `offset` is where the code sits.
pub(super) fn check_read_code(read_code: u8, offset: usize) -> Result<(), Error> {
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
