//! Modbus RTU: address, PDU and CRC-16 on a serial line (Modbus over Serial Line V1.02 §2.5.1),
//! also carried unchanged over TCP ("RTU over TCP") by many gateways.
//!
//! RTU has no length field, so [`Framing`] finds frame boundaries from the PDU layout (exact
//! for every standard function code in both directions), then by looking for a matching CRC
//! where the layout does not tell, and resynchronises a noisy line by dropping one byte at a
//! time, so that a good frame after garbage is never lost.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Needed, Reader, Status, Writer};

use crate::error::{Error, FrameError};
use crate::pdu::{Config, Direction, Pdu, PduLen, pdu_len};

/// Largest RTU frame (§2.5.1.1): address, 253-byte PDU, CRC.
pub const MAX_ADU: usize = 256;
/// Smallest RTU frame: address, function code, CRC.
pub const MIN_ADU: usize = 4;
/// The broadcast address (§2.2): a write that no server answers.
pub const BROADCAST: u8 = 0;
/// Largest unicast address (§2.2); 248..=255 are reserved.
pub const MAX_ADDRESS: u8 = 247;

const CRC: crc::Crc<u16, crc::Table<16>> =
    crc::Crc::<u16, crc::Table<16>>::new(&crc::CRC_16_MODBUS);

/// CRC-16/MODBUS of `bytes` (§6.2.2: polynomial 0xA001 reflected, initial 0xFFFF), through the
/// `crc` crate's slice-by-16 table. On the wire the low byte goes first.
#[must_use]
pub fn crc16(bytes: &[u8]) -> u16 {
    CRC.checksum(bytes)
}

/// `true` when the last two bytes of `frame` are the CRC of the rest.
fn crc_ok(frame: &[u8]) -> Result<(), Error> {
    let split = frame.len().saturating_sub(2);
    let (body, tail) = frame.split_at(split);
    let found = Reader::new(tail).u16_le()?;
    let computed = crc16(body);
    if found == computed {
        Ok(())
    } else {
        Err(Error::Crc { found, computed })
    }
}

fn check_address(address: u8, config: &Config) -> Result<(), Error> {
    if address > MAX_ADDRESS && !config.allow_reserved_address {
        Err(Error::Address { address })
    } else {
        Ok(())
    }
}

/// A Modbus RTU ADU: address and PDU; the CRC is checked on decode and computed on encode.
///
/// Panic contract: nothing here panics, whatever the input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(all(feature = "serde", feature = "alloc"), derive(serde::Deserialize))]
pub struct Adu<P> {
    /// Server address: 0 broadcast, 1..=247 unicast.
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
    pub fn parse(frame: &'a [u8]) -> Result<Self, Error> {
        Self::parse_with(frame, &Config::STRICT)
    }

    /// Decodes one whole RTU frame with the given strictness (the CRC is always checked).
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
        check_address(address, config)?;
        let pdu = r
            .rest()
            .get(..frame.len().saturating_sub(3))
            .unwrap_or_default();
        let pdu = P::parse_with(pdu, config).map_err(|e| crate::list::shift(e, 1))?;
        Ok(Adu { address, pdu })
    }

    /// Bytes the encoded frame takes.
    pub fn buffer_len(&self) -> usize {
        self.pdu.buffer_len().saturating_add(3)
    }

    /// Checks the PDU's limits and writes address, PDU and CRC at the start of `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
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
        let mut v = alloc::vec![0; self.buffer_len()];
        let n = self.encode(&mut v)?;
        v.truncate(n);
        Ok(v)
    }
}

/// Lengths of user-defined function codes: given the direction and the PDU bytes seen so far,
/// return their [`PduLen`], or `None` to let the framing look for the CRC.
pub type CustomLen = fn(Direction, &[u8]) -> Option<PduLen>;

/// Frames RTU ADUs on a byte stream (a serial port, or RTU over TCP).
///
/// For each frame: the length from the PDU layout when the function code tells it, else a
/// search for the first position where the CRC matches (bounded by the 256-byte frame limit);
/// any frame whose CRC fails, or whose head cannot start a frame, is an error that says to drop
/// one byte. Work per call is bounded by one CRC over at most 256 bytes.
#[derive(Debug, Clone, Copy)]
pub struct Framing {
    /// Which way the frames travel (a client reads responses, a server requests).
    pub direction: Direction,
    /// Strictness: `allow_reserved_address` accepts addresses 248..=255.
    pub config: Config,
    /// Lengths of user-defined function codes, consulted before the CRC search.
    pub custom: Option<CustomLen>,
}

impl Framing {
    /// A strict framing of frames travelling in `direction`.
    #[must_use]
    pub const fn new(direction: Direction) -> Self {
        Framing {
            direction,
            config: Config::STRICT,
            custom: None,
        }
    }

    /// The framing of a client: it reads responses.
    #[must_use]
    pub const fn responses() -> Self {
        Self::new(Direction::Response)
    }

    /// The framing of a server: it reads requests.
    #[must_use]
    pub const fn requests() -> Self {
        Self::new(Direction::Request)
    }

    /// The same framing with another strictness.
    #[must_use]
    pub const fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The same framing with lengths for user-defined function codes.
    #[must_use]
    pub const fn with_custom(mut self, custom: CustomLen) -> Self {
        self.custom = Some(custom);
        self
    }

    fn layout_len(&self, pdu: &[u8]) -> Result<PduLen, Error> {
        if self.config.allow_exception_fc_0x80
            && self.direction == Direction::Response
            && pdu.first() == Some(&0x80)
        {
            return Ok(PduLen::Exact(2));
        }
        let len = pdu_len(self.direction, pdu)?;
        if len == PduLen::Unknown {
            if let Some(custom) = self.custom {
                if let Some(l) = custom(self.direction, pdu) {
                    return Ok(l);
                }
            }
        }
        Ok(len)
    }
}

/// The first `n` in `MIN_ADU..=min(buf.len(), MAX_ADU)` where the last two bytes of `buf[..n]`
/// are the CRC of the rest, with one incremental CRC pass.
fn hunt_crc(buf: &[u8]) -> Option<usize> {
    let limit = buf.len().min(MAX_ADU);
    let mut digest = CRC.digest();
    let head = buf.get(..MIN_ADU.saturating_sub(2))?;
    digest.update(head);
    let mut body_len = head.len();
    while body_len.saturating_add(2) <= limit {
        let tail = buf.get(body_len..body_len.saturating_add(2))?;
        if digest.clone().finalize() == u16::from_le_bytes([*tail.first()?, *tail.get(1)?]) {
            return Some(body_len.saturating_add(2));
        }
        digest.update(buf.get(body_len..body_len.saturating_add(1))?);
        body_len = body_len.saturating_add(1);
    }
    None
}

impl m2m_core::Framing for Framing {
    type Error = FrameError;

    fn frame_len(&self, buf: &[u8]) -> Result<Status<usize>, FrameError> {
        let Some((&address, pdu)) = buf.split_first() else {
            return Ok(Status::Partial(Needed::new(MIN_ADU)));
        };
        check_address(address, &self.config).map_err(|e| FrameError::skip_by(e, 1))?;
        let len = self
            .layout_len(pdu)
            .map_err(|e| FrameError::skip_by(e, 1))?;
        match len {
            PduLen::AtLeast(n) => {
                let want = n.saturating_add(3).max(MIN_ADU);
                Ok(Status::Partial(Needed::new(want.saturating_sub(buf.len()))))
            }
            PduLen::Exact(n) => {
                let total = n.saturating_add(3);
                if total > MAX_ADU {
                    return Err(FrameError::skip_by(Error::PduTooLong { len: n }, 1));
                }
                match buf.get(..total) {
                    None => Ok(Status::Partial(Needed::new(
                        total.saturating_sub(buf.len()),
                    ))),
                    Some(frame) => match crc_ok(frame) {
                        Ok(()) => Ok(Status::Complete(total)),
                        Err(e) => Err(FrameError::skip_by(e, 1)),
                    },
                }
            }
            PduLen::Unknown => match hunt_crc(buf) {
                Some(n) => Ok(Status::Complete(n)),
                None if buf.len() >= MAX_ADU => Err(FrameError::skip_by(
                    Error::Crc {
                        found: 0,
                        computed: 0,
                    },
                    1,
                )),
                None => Ok(Status::Partial(Needed::Unknown)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::{Request, Response};
    use m2m_core::Framing as _;

    #[test]
    fn crc_check_value() {
        // CRC-16/MODBUS catalogue check value.
        assert_eq!(crc16(b"123456789"), 0x4B37);
        // Serial Line guide §6.2.2 example frame 02 07 -> CRC 0x1241, sent 41 12.
        assert_eq!(crc16(&[0x02, 0x07]), 0x1241);
    }

    static REQ: [u8; 8] = [0x11, 0x03, 0x00, 0x6b, 0x00, 0x03, 0x76, 0x87];

    #[test]
    fn parse_encode_and_broadcast() {
        let adu = Adu::<Request<'_>>::parse(&REQ).unwrap();
        assert_eq!(adu.address, 0x11);
        assert!(adu.expects_response());
        let mut out = [0u8; 8];
        assert_eq!(adu.encode(&mut out), Ok(8));
        assert_eq!(out, REQ);
        let mut bad = REQ;
        bad[7] ^= 1;
        assert!(matches!(
            Adu::<Request<'_>>::parse(&bad),
            Err(Error::Crc { .. })
        ));
        let b = Adu {
            address: 0,
            pdu: Request::WriteSingleRegister {
                address: 1,
                value: 2,
            },
        };
        assert!(!b.expects_response());
    }

    #[test]
    fn framing_exact_and_resync() {
        let f = Framing::requests();
        for end in 0..REQ.len() {
            assert!(
                f.frame_len(&REQ[..end]).unwrap().is_partial(),
                "prefix {end}"
            );
        }
        assert_eq!(f.frame_len(&REQ), Ok(Status::Complete(8)));
        // Garbage byte first: drop one and find the frame.
        let mut noisy = [0u8; 9];
        noisy[0] = 0x11;
        noisy[1..].copy_from_slice(&REQ);
        let e = f.frame_len(&noisy).unwrap_err();
        assert_eq!(e.skip_len(), 1);
        assert_eq!(f.frame_len(&noisy[1..]), Ok(Status::Complete(8)));
        // Reserved address.
        assert!(f.frame_len(&[0xf8, 0x03]).is_err());
        assert!(
            f.with_config(Config::LENIENT)
                .frame_len(&[0xf8, 0x03])
                .unwrap()
                .is_partial()
        );
    }

    #[test]
    fn unknown_lengths_hunt_the_crc() {
        // User-defined FC 0x41 with three data bytes.
        let mut frame = [0x01, 0x41, 0xaa, 0xbb, 0xcc, 0, 0];
        let crc = crc16(&frame[..5]);
        frame[5..].copy_from_slice(&crc.to_le_bytes());
        let f = Framing::responses();
        assert_eq!(f.frame_len(&frame), Ok(Status::Complete(7)));
        assert_eq!(
            f.frame_len(&frame[..6]),
            Ok(Status::Partial(Needed::Unknown))
        );
        let adu = Adu::<Response<'_>>::parse(&frame).unwrap();
        assert!(matches!(adu.pdu, Response::Raw { code: 0x41, .. }));
        // With a custom length the framing knows without hunting.
        let custom =
            f.with_custom(|_, pdu| (pdu.first() == Some(&0x41)).then_some(PduLen::Exact(4)));
        assert_eq!(
            custom.frame_len(&frame[..3]),
            Ok(Status::Partial(Needed::new(4)))
        );
        assert_eq!(custom.frame_len(&frame), Ok(Status::Complete(7)));
    }
}
