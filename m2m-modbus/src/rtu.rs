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
use crate::function::FunctionCode;
use crate::pdu::{Config, Direction, NoneOr as _, Pdu, PduLen, pdu_len};

/// Largest RTU frame (§2.5.1.1): address, 253-byte PDU, CRC.
pub const MAX_ADU: usize = 256;
/// Smallest RTU frame: address, function code, CRC.
pub const MIN_ADU: usize = 4;
/// The broadcast address (§2.2): a write that no server answers.
pub const BROADCAST: u8 = 0;
/// Largest unicast address (§2.2); 248..=255 are reserved.
pub const MAX_ADDRESS: u8 = 247;

// `static`, not `const`: a `const` item may be materialised (8 KiB of table) at every use.
static CRC: crc::Crc<u16, crc::Table<16>> =
    crc::Crc::<u16, crc::Table<16>>::new(&crc::CRC_16_MODBUS);
/// The same CRC with a byte-wise table, for running one byte at a time while hunting.
static CRC_BYTEWISE: crc::Crc<u16, crc::Table<1>> =
    crc::Crc::<u16, crc::Table<1>>::new(&crc::CRC_16_MODBUS);

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
        crate::encode_to_vec(self.buffer_len(), |out| self.encode(out))
    }
}

/// Lengths of user-defined function codes: given the direction and the PDU bytes seen so far,
/// return their [`PduLen`], or `None` to let the framing look for the CRC.
pub type CustomLen = fn(Direction, &[u8]) -> Option<PduLen>;

/// What the framing does with a function code that is not public and that the [`CustomLen`]
/// hook does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum UnknownFunctions {
    /// Look for the first position where the CRC matches (a server must see such requests, to
    /// answer them with Illegal Function).
    Hunt,
    /// Treat the byte as line noise (a client receives only the functions it sent; exception
    /// responses for any function are always accepted).
    Reject,
}

/// Frames RTU ADUs on a byte stream (a serial port, or RTU over TCP).
///
/// For each frame: the length from the PDU layout when the function code tells it (exact for
/// every standard function code in both directions), else the [`CustomLen`] hook, else a
/// search for the first position where the CRC matches ([`UnknownFunctions`]). When the head of
/// the buffer cannot start a frame (reserved address, implausible function code, or a complete
/// candidate whose CRC fails), the error's skip covers the whole run of bytes up to the first
/// position that could still start one: no byte that might begin a good frame is dropped, and
/// noise costs one call, not one call per byte. Work per call is bounded (at most 256 positions
/// and one CRC check each).
#[derive(Debug, Clone, Copy)]
pub struct Framing {
    /// Which way the frames travel (a client reads responses, a server requests).
    pub direction: Direction,
    /// Strictness: `allow_reserved_address` accepts addresses 248..=255,
    /// `allow_exception_fc_0x80` accepts exception responses with function byte 0x80.
    pub config: Config,
    /// Lengths of user-defined function codes, consulted before the CRC search.
    pub custom: Option<CustomLen>,
    /// Function codes that are neither public nor known to `custom`.
    pub unknown: UnknownFunctions,
}

/// What one position of the buffer can be.
enum Candidate {
    /// A whole frame of this length, CRC checked.
    Frame(usize),
    /// A prefix of a possible frame: this many more bytes, if known.
    Partial(Needed),
    /// Cannot start a frame.
    No(Error),
}

impl Framing {
    /// A strict framing of frames travelling in `direction`.
    #[must_use]
    pub const fn new(direction: Direction) -> Self {
        Framing {
            direction,
            config: Config::STRICT,
            custom: None,
            unknown: match direction {
                Direction::Request => UnknownFunctions::Hunt,
                Direction::Response => UnknownFunctions::Reject,
            },
        }
    }

    /// The framing of a client: it reads responses (unknown function codes rejected).
    #[must_use]
    pub const fn responses() -> Self {
        Self::new(Direction::Response)
    }

    /// The framing of a server: it reads requests (unknown function codes hunted by CRC).
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

    /// The same framing with another policy for unknown function codes.
    #[must_use]
    pub const fn with_unknown(mut self, unknown: UnknownFunctions) -> Self {
        self.unknown = unknown;
        self
    }

    /// Whether `fc` may follow an address in this direction (cheap; no length work).
    fn plausible(&self, fc: u8) -> bool {
        let any_code = self.custom.is_some() || self.unknown == UnknownFunctions::Hunt;
        let known = |code: u8| FunctionCode::is_public_code(code) || (any_code && code != 0);
        match self.direction {
            Direction::Request => fc != 0 && fc < 0x80,
            Direction::Response if fc == 0x80 => self.config.allow_exception_fc_0x80,
            // An exception answers a function this client may have sent.
            Direction::Response if fc > 0x80 => known(fc & 0x7F),
            Direction::Response => known(fc),
        }
    }

    /// Cheap test of whether a frame may start at the head of `buf`: address, function code and
    /// the counts seen so far, but no CRC.
    fn may_start(&self, buf: &[u8]) -> bool {
        let Some((&address, pdu)) = buf.split_first() else {
            return true;
        };
        check_address(address, &self.config).is_ok()
            && pdu.first().none_or(|&fc| self.plausible(fc))
            && crate::pdu::plausible(self.direction, pdu)
            && self.layout_len(pdu).is_ok()
    }

    fn layout_len(&self, pdu: &[u8]) -> Result<PduLen, Error> {
        if self.config.allow_exception_fc_0x80
            && self.direction == Direction::Response
            && pdu.first() == Some(&0x80)
        {
            return Ok(PduLen::Exact(2));
        }
        let len = pdu_len(self.direction, pdu)?;
        let Some(&code) = pdu.first() else {
            return Ok(len);
        };
        if len == PduLen::Unknown {
            if let Some(custom) = self.custom {
                if let Some(l) = custom(self.direction, pdu) {
                    return Ok(l);
                }
            }
            let public = FunctionCode::from_u8(code).is_some_and(FunctionCode::is_public);
            if !public && self.unknown == UnknownFunctions::Reject {
                return Err(Error::InvalidFunction { code });
            }
        }
        Ok(len)
    }

    /// What a frame starting at the head of `buf` can be.
    fn candidate(&self, buf: &[u8]) -> Candidate {
        let Some((&address, pdu)) = buf.split_first() else {
            return Candidate::Partial(Needed::new(MIN_ADU));
        };
        if let Err(e) = check_address(address, &self.config) {
            return Candidate::No(e);
        }
        if let Some(&fc) = pdu.first() {
            if !self.plausible(fc) {
                return Candidate::No(Error::InvalidFunction { code: fc });
            }
        }
        if !crate::pdu::plausible(self.direction, pdu) {
            // Counts strict decoding would refuse: no need to spend a CRC on it.
            return Candidate::No(Error::ByteCount {
                function: pdu.first().copied().unwrap_or(0),
                offset: 1,
                actual: 0,
                expected: 0,
            });
        }
        match self.layout_len(pdu) {
            Err(e) => Candidate::No(e),
            Ok(PduLen::AtLeast(n)) => {
                let want = n.saturating_add(3).max(MIN_ADU);
                Candidate::Partial(Needed::new(want.saturating_sub(buf.len())))
            }
            Ok(PduLen::Exact(n)) => {
                let total = n.saturating_add(3);
                if total > MAX_ADU {
                    return Candidate::No(Error::PduTooLong { len: n });
                }
                match buf.get(..total) {
                    None => Candidate::Partial(Needed::new(total.saturating_sub(buf.len()))),
                    Some(frame) => match crc_ok(frame) {
                        Ok(()) => Candidate::Frame(total),
                        Err(e) => Candidate::No(e),
                    },
                }
            }
            Ok(PduLen::Unknown) => match hunt_crc(buf) {
                Some(n) => Candidate::Frame(n),
                None if buf.len() >= MAX_ADU => Candidate::No(Error::Crc {
                    found: 0,
                    computed: 0,
                }),
                None => Candidate::Partial(Needed::Unknown),
            },
        }
    }

    /// Frames and decodes the ADU at the head of `buf` in one pass over its bytes (the CRC is
    /// checked once, by the framing). A frame whose CRC is right but whose PDU is not valid is an
    /// error whose skip is the whole frame.
    pub fn decode<'a, P: Pdu<'a>>(
        &self,
        buf: &'a [u8],
    ) -> Result<Status<(Adu<P>, usize)>, FrameError> {
        let n = match m2m_core::Framing::frame_len(self, buf)? {
            Status::Complete(n) => n,
            Status::Partial(needed) => return Ok(Status::Partial(needed)),
        };
        let frame = buf.get(..n).unwrap_or_default();
        let (address, rest) = frame.split_first().unwrap_or((&0, &[]));
        let pdu = rest.get(..rest.len().saturating_sub(2)).unwrap_or_default();
        match P::parse_with(pdu, &self.config) {
            Ok(pdu) => Ok(Status::Complete((
                Adu {
                    address: *address,
                    pdu,
                },
                n,
            ))),
            Err(e) => Err(FrameError::skip_by(crate::list::shift(e, 1), n)),
        }
    }
}

/// The first `n` in `MIN_ADU..=min(buf.len(), MAX_ADU)` such that `buf[..n]` ends with the CRC of
/// the rest. For CRC-16/MODBUS the CRC run over a message followed by its own CRC (low byte
/// first) is 0, so one byte-wise pass finds every such `n`.
fn hunt_crc(buf: &[u8]) -> Option<usize> {
    let limit = buf.len().min(MAX_ADU);
    let mut digest = CRC_BYTEWISE.digest();
    for (i, b) in buf.get(..limit)?.iter().enumerate() {
        digest.update(core::slice::from_ref(b));
        let n = i.saturating_add(1);
        if n >= MIN_ADU && digest.clone().finalize() == 0 {
            return Some(n);
        }
    }
    None
}

impl m2m_core::Framing for Framing {
    type Error = FrameError;

    fn frame_len(&self, buf: &[u8]) -> Result<Status<usize>, FrameError> {
        let first = match self.candidate(buf) {
            Candidate::Frame(n) => return Ok(Status::Complete(n)),
            Candidate::Partial(needed) => return Ok(Status::Partial(needed)),
            Candidate::No(e) => e,
        };
        // Drop the run of positions that cannot start a frame, up to the first that may (by the
        // cheap tests; its CRC is checked once, when the caller comes back to it).
        let limit = buf.len().min(MAX_ADU);
        let mut skip = 1;
        while skip < limit && !self.may_start(buf.get(skip..).unwrap_or_default()) {
            skip = skip.saturating_add(1);
        }
        Err(FrameError::skip_by(first, skip))
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
        // 0x11 0x11 is address 17 with function 0x11 (a whole frame would be 4 bytes, CRC wrong),
        // so exactly one byte is dropped before the good frame.
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
        let f = Framing::responses().with_unknown(UnknownFunctions::Hunt);
        assert_eq!(f.frame_len(&frame), Ok(Status::Complete(7)));
        assert_eq!(
            f.frame_len(&frame[..6]),
            Ok(Status::Partial(Needed::Unknown))
        );
        let adu = Adu::<Response<'_>>::parse(&frame).unwrap();
        assert!(matches!(adu.pdu, Response::Raw { code: 0x41, .. }));
        // A client's default framing treats an unknown function as noise; a server's hunts.
        assert!(Framing::responses().frame_len(&frame).is_err());
        assert_eq!(
            Framing::requests().frame_len(&frame),
            Ok(Status::Complete(7))
        );
        // With a custom length the framing knows without hunting.
        let custom = Framing::responses()
            .with_custom(|_, pdu| (pdu.first() == Some(&0x41)).then_some(PduLen::Exact(4)));
        assert_eq!(
            custom.frame_len(&frame[..3]),
            Ok(Status::Partial(Needed::new(4)))
        );
        assert_eq!(custom.frame_len(&frame), Ok(Status::Complete(7)));
    }

    #[test]
    fn a_run_of_noise_is_dropped_in_one_step() {
        // Reserved addresses and a 0x00 function code cannot start a frame; the good frame can.
        let mut noisy = std::vec![0xff, 0xfe, 0x01, 0x00, 0xf9];
        noisy.extend_from_slice(&REQ);
        let f = Framing::requests();
        let e = f.frame_len(&noisy).unwrap_err();
        assert_eq!(e.skip_len(), 5);
        assert_eq!(f.frame_len(&noisy[5..]), Ok(Status::Complete(8)));
        // The last byte could be an address whose frame has not arrived: it is kept.
        let e = f.frame_len(&[0xff, 0xff, 0x11]).unwrap_err();
        assert_eq!(e.skip_len(), 2);
    }

    #[test]
    fn decode_checks_the_crc_once_and_skips_bad_pdus_whole() {
        let f = Framing::requests();
        let (adu, n) = f.decode::<Request<'_>>(&REQ).unwrap().complete().unwrap();
        assert_eq!((adu.address, n), (0x11, 8));
        // FC03 for 0 registers, with a right CRC: framed, then refused; skip the whole frame.
        let mut bad = [0x11, 0x03, 0x00, 0x00, 0x00, 0x00, 0, 0];
        let crc = crc16(&bad[..6]);
        bad[6..].copy_from_slice(&crc.to_le_bytes());
        let e = f.decode::<Request<'_>>(&bad).unwrap_err();
        assert_eq!(e.skip_len(), 8);
        assert!(matches!(e.error, Error::Quantity { .. }));
    }
}
