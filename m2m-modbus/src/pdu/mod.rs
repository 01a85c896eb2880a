//! Protocol data units: every request and response of the Modbus Application Protocol
//! Specification V1.1b3 §6, exceptions (§7), and raw passthrough for the rest.
//!
//! [`Request::parse`] and [`Response::parse`] take one whole PDU (function code first) and
//! return a repr that borrows from it; they never panic and never allocate. `encode` checks the
//! same limits before writing, so what this crate writes, it also accepts.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod layout;
mod records;
mod request;
mod response;
#[cfg(test)]
mod tests;

use m2m_core::Reader;

use crate::data::Registers;
use crate::error::{Count, Error};

pub use layout::{Direction, PduLen, pdu_len, request_len, response_len};
pub(crate) use layout::{NoneOr, implausible, plausible};
pub use records::{DeviceIdObject, FileRecord, FileRecordData, FileSubRequest};
pub use request::Request;
pub use response::Response;

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

/// The byte count of an FC 0x14 response ([`limits::FILE_READ_RESPONSE_BYTES`]).
pub(crate) const FILE_READ_COUNT: Count = Count::range(2, 0xF5);
/// The length of an FC 0x14 sub-response: its reference type and whole registers, so odd,
/// within the response's byte count less its own length byte (§6.14).
pub(crate) const SUB_RESPONSE_LEN: Count = Count::stepped(1, 0xF3, 2);
/// The largest byte count of an FC 0x11 response: a PDU of the function code, the count and
/// that many bytes (§6.13).
pub(crate) const MAX_SERVER_ID: usize = MAX_PDU - 2;

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
            expected: Count::Exactly(expected),
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

/// Sub-functions whose data is not the usual two bytes: 0x0000 Return Query Data echoes any
/// number of words (§6.8.1, "N x 2 Bytes"); a reserved one carries what its vendor defines.
/// Every other standard sub-function carries exactly 2 bytes.
fn diagnostics_data_len(sub_function: u16) -> Option<usize> {
    match sub_function {
        0x0000 => None,
        0x0001..=0x0004 | 0x000A..=0x0012 | 0x0014 => Some(2),
        _ => None,
    }
}

fn check_diagnostics_len(sub_function: u16, len: usize) -> Result<(), Error> {
    let expected = match diagnostics_data_len(sub_function) {
        Some(n) if n != len => Count::Exactly(n),
        // Words: an odd number of bytes is no data of Return Query Data (at most the PDU less
        // its function code and sub-function).
        None if sub_function == 0 && len % 2 != 0 => Count::stepped(0, MAX_PDU - 3, 2),
        _ => return Ok(()),
    };
    Err(Error::ByteCount {
        function: 0x08,
        offset: 3,
        actual: len,
        expected,
    })
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
        None => {
            let data = r.take_rest();
            check_diagnostics_len(sub_function, data.len())?;
            Ok(data)
        }
    }
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
