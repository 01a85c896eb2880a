//! Modbus RTU: address, PDU and CRC-16 on a serial line (Modbus over Serial Line V1.02 §2.5.1),
//! also carried unchanged over TCP ("RTU over TCP") by many gateways.
//!
//! RTU has no length field, so [`Framing`] finds frame boundaries from the PDU layout (exact
//! for every standard function code in both directions), then by looking for a matching CRC
//! where the layout does not tell, and resynchronises a noisy line by dropping one byte at a
//! time, so that a good frame after garbage is never lost.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod checksum;
mod framing;

use m2m_core::{Reader, Writer};

use crate::error::Error;
use crate::pdu::{Config, Direction, Pdu};

use checksum::crc_ok;
pub use checksum::crc16;
pub use framing::{CustomLen, Found, Framing, UnknownFunctions};

/// Largest RTU frame (§2.5.1.1): address, 253-byte PDU, CRC.
pub const MAX_ADU: usize = 256;
/// Smallest RTU frame: address, function code, CRC.
pub const MIN_ADU: usize = 4;
/// The broadcast address (§2.2): a write that no server answers.
pub const BROADCAST: u8 = 0;
/// Largest unicast address (§2.2); 248..=255 are reserved.
pub const MAX_ADDRESS: u8 = 247;

/// Addresses 248..=255 are reserved (Serial Line §2.2), and no server answers a broadcast, so
/// no response carries address 0 (§2.1); unless the config allows them.
pub(crate) fn check_address(
    address: u8,
    direction: Direction,
    config: &Config,
) -> Result<(), Error> {
    let reserved = address > MAX_ADDRESS;
    let broadcast_answer = address == 0 && direction == Direction::Response;
    if (reserved || broadcast_answer) && !config.allow_reserved_address {
        Err(Error::Address { address })
    } else {
        Ok(())
    }
}

/// A Modbus RTU ADU (Serial Line §2.5.1): address and PDU; the CRC is checked on decode and
/// computed on encode.
///
/// Panic contract: nothing here panics, whatever the input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(all(feature = "serde", feature = "alloc"), derive(serde::Deserialize))]
pub struct Adu<P> {
    /// Server address: 0 broadcast (requests only), 1..=247 unicast.
    pub address: u8,
    /// The PDU.
    pub pdu: P,
}

impl<P> Adu<P> {
    /// `false` for broadcast (address 0), which no server answers (§2.2).
    #[must_use]
    pub fn expects_response(&self) -> bool {
        self.address != BROADCAST
    }
}

impl<'a, P: Pdu<'a>> Adu<P> {
    /// Decodes one whole RTU frame strictly (CRC checked).
    #[inline(always)]
    pub fn parse(frame: &'a [u8]) -> Result<Self, Error> {
        Self::parse_with(frame, &Config::STRICT)
    }

    /// Decodes one whole RTU frame with the given strictness (the CRC is always checked).
    #[inline]
    pub fn parse_with(frame: &'a [u8], config: &Config) -> Result<Self, Error> {
        if frame.len() < MIN_ADU {
            return Err(Error::Truncated {
                offset: frame.len(),
                needed: MIN_ADU.saturating_sub(frame.len()),
            });
        }
        if frame.len() > MAX_ADU {
            return Err(Error::PduTooLong {
                len: frame.len().saturating_sub(3),
            });
        }
        crc_ok(frame)?;
        let mut r = Reader::new(frame);
        let address = r.u8()?;
        check_address(address, P::DIRECTION, config)?;
        let pdu = r
            .rest()
            .get(..frame.len().saturating_sub(3))
            .unwrap_or_default();
        if let Some(pdu) = P::parse_fast(pdu) {
            return Ok(Adu { address, pdu });
        }
        let pdu = P::parse_with(pdu, config)
            .map_err(|e| crate::list::in_frame(crate::list::shift(e, 1)))?;
        Ok(Adu { address, pdu })
    }

    /// Bytes the encoded frame takes.
    pub fn buffer_len(&self) -> usize {
        self.pdu.buffer_len().saturating_add(3)
    }

    /// Checks the PDU's limits and writes address, PDU and CRC at the start of `out`. The
    /// address is written as given, so a device at a reserved address (248..=255, which strict
    /// decoding refuses and [`Config::LENIENT`] reads) can still be reached.
    #[inline(always)]
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
        let fast = match out.split_first_mut() {
            Some((head, body)) => {
                *head = self.address;
                self.pdu.encode_fast(body)
            }
            None => None,
        };
        if let Some(n) = fast {
            let len = n.saturating_add(1);
            if let Some((frame, [c0, c1, ..])) = out.split_at_mut_checked(len) {
                [*c0, *c1] = crc16(frame).to_le_bytes();
                return Ok(len.saturating_add(2));
            }
        }
        self.encode_general(out)
    }

    #[inline(never)]
    pub(crate) fn encode_general(&self, out: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::new(out);
        w.u8(self.address)?;
        let room = w.remaining().saturating_sub(2);
        let n = self.pdu.encode(w.slot(room)?)?;
        let body = n.saturating_add(1);
        let mut w = Writer::new(out);
        let crc = crc16(w.slot(body)?);
        w.u16_le(crc)?;
        Ok(w.finish())
    }

    /// The frame encoded into a new `Vec`.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> Result<alloc::vec::Vec<u8>, Error> {
        crate::encode_to_vec(self.buffer_len(), |out| self.encode(out))
    }
}
