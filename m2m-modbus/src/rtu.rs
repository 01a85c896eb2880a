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

// CRC-16/MODBUS reflects input and output and XORs nothing at the end, so its checksum is the
// register itself: a checksum can be carried on byte by byte with the crate's first table.
// Its initial value reads the same reflected, so it is also the register before the first byte.
const _: () = assert!(
    crc::CRC_16_MODBUS.refin
        && crc::CRC_16_MODBUS.refout
        && crc::CRC_16_MODBUS.xorout == 0
        && crc::CRC_16_MODBUS.init == crc::CRC_16_MODBUS.init.reverse_bits()
);

/// CRC-16/MODBUS of `bytes` (§6.2.2: polynomial 0xA001 reflected, initial 0xFFFF), with the
/// `crc` crate's slice-by-16 tables: the crate's 16-byte loop over the whole blocks, then the same
/// tables 8, 4, 2 and 1 bytes at a time for the last 0..=15 bytes. Byte by byte, each byte waits
/// for the one before it (a table load and an XOR); the tail of a 253-byte frame would cost more
/// than its other 240 bytes, and short frames (the common requests, the false starts in line
/// noise) are all tail. On the wire the low byte goes first.
#[must_use]
pub fn crc16(bytes: &[u8]) -> u16 {
    match bytes.split_at_checked(bytes.len() & !15) {
        Some((blocks, tail)) if !blocks.is_empty() => crc16_more(CRC.checksum(blocks), tail),
        _ => crc16_more(crc::CRC_16_MODBUS.init, bytes),
    }
}

/// Carries the CRC register `crc` on over `bytes`: blocks of 8, then at most one block each of
/// 4, 2 and 1 bytes.
#[inline(always)]
fn crc16_more(mut crc: u16, mut bytes: &[u8]) -> u16 {
    while let Some((block, rest)) = bytes.split_first_chunk::<8>() {
        crc = crc16_block(crc, block);
        bytes = rest;
    }
    if let Some((block, rest)) = bytes.split_first_chunk::<4>() {
        crc = crc16_block(crc, block);
        bytes = rest;
    }
    if let Some((block, rest)) = bytes.split_first_chunk::<2>() {
        crc = crc16_block(crc, block);
        bytes = rest;
    }
    if let Some((block, _)) = bytes.split_first_chunk::<1>() {
        crc = crc16_block(crc, block);
    }
    crc
}

/// One block of `N` (1..=16) bytes: table `k` of the crate holds the CRC of a byte followed by
/// `k` zero bytes, so each byte is looked up in the table of its distance from the block's end,
/// the register folded into the first two bytes (into the first byte, the rest shifted, when
/// `N` is 1).
#[inline(always)]
fn crc16_block<const N: usize>(crc: u16, block: &[u8; N]) -> u16 {
    let tables = CRC.table();
    let [low, high] = crc.to_le_bytes();
    let mut out = if N == 1 { u16::from(high) } else { 0 };
    for (i, &b) in block.iter().enumerate() {
        let b = match i {
            0 => b ^ low,
            1 => b ^ high,
            _ => b,
        };
        let table = tables.get(N.saturating_sub(1).saturating_sub(i));
        out ^= table
            .and_then(|t| t.get(usize::from(b)))
            .copied()
            .unwrap_or(0);
    }
    out
}

/// `true` when the last two bytes of `frame` are the CRC of the rest.
fn crc_ok(frame: &[u8]) -> Result<(), Error> {
    let split = frame.len().saturating_sub(2);
    let (body, tail) = frame.split_at(split);
    let found = Reader::new(tail).u16_le()?;
    let computed = crc16_body(body);
    if found == computed {
        Ok(())
    } else {
        Err(Error::Crc { found, computed })
    }
}

/// [`crc_ok`] without the error, for the candidates [`Framing::find`] passes over.
#[inline(always)]
fn crc_matches(frame: &[u8]) -> bool {
    frame
        .split_last_chunk::<2>()
        .is_some_and(|(body, &tail)| crc16_body(body) == u16::from_le_bytes(tail))
}

/// [`crc16`] of the body of a frame. The bodies of the commonest frames on a bus, exceptions (3
/// bytes) and the single reads and writes with their echoes (6 bytes), take one step each, with
/// no branch on the bits of their length: in line noise most false starts are these.
#[inline(always)]
fn crc16_body(body: &[u8]) -> u16 {
    const INIT: u16 = crc::CRC_16_MODBUS.init;
    match *body {
        [b0, b1, b2] => crc16_block(INIT, &[b0, b1, b2]),
        [b0, b1, b2, b3, b4, b5] => crc16_block(INIT, &[b0, b1, b2, b3, b4, b5]),
        _ => crc16(body),
    }
}

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

/// A Modbus RTU ADU: address and PDU; the CRC is checked on decode and computed on encode.
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
        let pdu = P::parse_with(pdu, config).map_err(|e| crate::list::shift(e, 1))?;
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
    /// Treat the bytes as line noise: such a function code, an exception response for one, and
    /// a PDU of a public function whose layout does not tell its length and is not one the
    /// specification defines open (a reserved MEI type or diagnostics sub-function). A client
    /// receives answers only to the functions it sent.
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
#[derive(Debug, PartialEq, Eq)]
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

    /// The address limit and the set of function bytes that may start a frame here, as bits: the
    /// one statement of which heads are plausible (an exception answers a function this client
    /// may have sent), tested with one table load per byte.
    fn heads(&self) -> Heads {
        let any_code = self.custom.is_some() || self.unknown == UnknownFunctions::Hunt;
        let kind = match self.direction {
            Direction::Request => HeadKind::Request,
            Direction::Response => HeadKind::Response {
                any_code,
                fc_0x80: self.config.allow_exception_fc_0x80,
            },
        };
        let strict = !self.config.allow_reserved_address;
        Heads {
            min_address: u8::from(strict && self.direction == Direction::Response),
            max_address: if strict { MAX_ADDRESS } else { u8::MAX },
            mask: 1 << kind.index(),
        }
    }

    /// Cheap test of whether a frame may start at the head of `buf`: address, function code and
    /// the counts seen so far, but no CRC.
    fn may_start(&self, buf: &[u8], heads: &Heads) -> bool {
        let Some((&address, pdu)) = buf.split_first() else {
            return true;
        };
        heads.address_ok(address)
            && pdu.first().none_or(|&fc| heads.may_start(address, fc))
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
            if self.unknown == UnknownFunctions::Reject && !defined_open_layout(pdu) {
                return Err(Error::InvalidFunction { code });
            }
        }
        Ok(len)
    }

    /// Length of the run of positions, from 1 on, that cannot start a frame (by the cheap
    /// tests: the first position that may is checked whole, CRC included, by the next look).
    /// At most [`MAX_ADU`], and never past the last byte, which may be an address.
    fn noise_run(&self, buf: &[u8], heads: &Heads) -> usize {
        let limit = buf.len().min(MAX_ADU);
        let mut skip = 1;
        for pair in buf.get(1..limit).unwrap_or_default().windows(2) {
            if let [address, fc] = *pair {
                if heads.may_start(address, fc)
                    && self.may_start(buf.get(skip..).unwrap_or_default(), heads)
                {
                    return skip;
                }
            }
            skip = skip.saturating_add(1);
        }
        // `skip` is now the last position below `limit`: one byte left, or the limit reached.
        while skip < limit && !self.may_start(buf.get(skip..).unwrap_or_default(), heads) {
            skip = skip.saturating_add(1);
        }
        skip
    }

    /// What a frame starting at the head of `buf` can be. The layouts whose length follows from
    /// the function byte, or from it and the byte count after it, are judged at once
    /// ([`quick_layout`]); the others go through the general checks.
    #[inline(always)]
    fn candidate(&self, buf: &[u8], heads: &Heads) -> Candidate {
        self.judge(buf, heads, true)
    }

    /// [`Framing::candidate`], with the quick layouts or (`quick` false, for the test that holds
    /// them to it) without.
    #[inline(always)]
    fn judge(&self, buf: &[u8], heads: &Heads, quick: bool) -> Candidate {
        let Some((&address, pdu)) = buf.split_first() else {
            return Candidate::Partial(Needed::new(MIN_ADU));
        };
        let Some((&fc, after)) = pdu.split_first() else {
            if !heads.address_ok(address) {
                return Candidate::No(Error::Address { address });
            }
            return self.candidate_general(buf);
        };
        if !(heads.may_start(address, fc) && heads.address_ok(address)) {
            return Candidate::No(heads.refusal(address, fc));
        }
        if let (true, Some(&count)) = (quick, after.first()) {
            if let Some(total) = quick_frame_len(self.direction, fc, count) {
                return match buf.get(..total) {
                    None => Candidate::Partial(Needed::new(total.saturating_sub(buf.len()))),
                    Some(frame) => match crc_ok(frame) {
                        Ok(()) => Candidate::Frame(total),
                        Err(e) => Candidate::No(e),
                    },
                };
            }
        }
        self.candidate_general(buf)
    }

    /// The general checks of a head whose address and function byte may start a frame:
    /// counts, layout length, CRC (or the hunt for it).
    #[inline(always)]
    fn candidate_general(&self, buf: &[u8]) -> Candidate {
        self.general::<true>(buf)
    }

    /// [`Framing::candidate_general`]; with `REASON` false (positions past the head in
    /// [`Framing::find`], whose reasons are not kept), counts the decoder would refuse are not
    /// named, which would cost a decode: the error in `Candidate::No` is then a placeholder.
    #[inline(never)]
    fn general<const REASON: bool>(&self, buf: &[u8]) -> Candidate {
        let pdu = buf.get(1..).unwrap_or_default();
        if !crate::pdu::plausible(self.direction, pdu) {
            // Counts strict decoding would refuse: no need to spend a CRC on it.
            return Candidate::No(if REASON {
                crate::list::shift(crate::pdu::implausible(pdu), 1)
            } else {
                Error::ByteCount {
                    function: 0,
                    offset: 1,
                    actual: 0,
                    expected: 0,
                }
            });
        }
        match self.layout_len(pdu) {
            Err(e) => Candidate::No(e),
            Ok(PduLen::AtLeast(n)) => {
                // A layout that already needs more than the largest PDU (a device-id object
                // list, a custom hook) can never complete: refuse it now, not after buffering.
                let want = n.saturating_add(3);
                if want > MAX_ADU {
                    return Candidate::No(Error::PduTooLong { len: n });
                }
                Candidate::Partial(Needed::new(want.max(MIN_ADU).saturating_sub(buf.len())))
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
            Ok(PduLen::Unknown) => match hunt_crc(buf, open_layout_min_adu(pdu)) {
                Some(n) => Candidate::Frame(n),
                None if buf.len() >= MAX_ADU => Candidate::No(Error::Crc {
                    found: 0,
                    computed: 0,
                }),
                None => Candidate::Partial(Needed::Unknown),
            },
        }
    }

    /// [`m2m_core::Framing::frame_len`] for a line that has gone silent for 3.5 characters (the
    /// RTU frame delimiter, Serial Line §2.5.1.1): no more bytes of this frame will come, so a
    /// head still waiting for bytes (a frame cut short, or noise claiming a long length or
    /// hunting its CRC) is an error ([`Error::Truncated`]) whose skip passes over the bytes that
    /// cannot start a frame, as for any other noise. Otherwise the same answer as `frame_len`.
    pub fn frame_len_idle(&self, buf: &[u8]) -> Result<Status<usize>, FrameError> {
        match m2m_core::Framing::frame_len(self, buf)? {
            Status::Partial(needed) if !buf.is_empty() => {
                let heads = self.heads();
                Err(FrameError::skip_by(
                    Error::Truncated {
                        offset: buf.len(),
                        needed: needed.size().unwrap_or(1),
                    },
                    self.noise_run(buf, &heads),
                ))
            }
            status => Ok(status),
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
        match self.decode_framed(buf.get(..n).unwrap_or_default()) {
            Ok(adu) => Ok(Status::Complete((adu, n))),
            Err(e) => Err(FrameError::skip_by(e, n)),
        }
    }

    /// The PDU of a frame whose length and CRC the framing has checked.
    #[inline(always)]
    fn decode_framed<'a, P: Pdu<'a>>(&self, frame: &'a [u8]) -> Result<Adu<P>, Error> {
        let (&address, rest) = frame.split_first().unwrap_or((&0, &[]));
        let pdu = rest.get(..rest.len().saturating_sub(2)).unwrap_or_default();
        if let Some(pdu) = P::parse_fast(pdu) {
            return Ok(Adu { address, pdu });
        }
        match P::parse_with(pdu, &self.config) {
            Ok(pdu) => Ok(Adu { address, pdu }),
            Err(e) => Err(crate::list::shift(e, 1)),
        }
    }

    /// Finds and decodes the next frame, passing over line noise before it: the loop a serial
    /// reader writes around [`Framing::decode`], done in one call. Each position is judged
    /// exactly as `decode` judges it (no byte that could start a good frame is dropped); the
    /// bytes passed over are counted in [`Found::skipped`], with the reason the first of them
    /// could not start a frame.
    ///
    /// - `Ok(Complete(found))`: consume `found.consumed` bytes (the noise and the frame).
    /// - `Ok(Partial(needed))`: the head of `buf` may be a frame that has not all arrived.
    /// - `Err(e)`: drop `e.skip_len()` bytes: noise before a possible partial frame, a frame
    ///   whose CRC is right but whose PDU is not valid (with the noise before it), or
    ///   [`MAX_ADU`] bytes of noise (the work of one call is bounded).
    pub fn find<'a, P: Pdu<'a>>(&self, buf: &'a [u8]) -> Result<Status<Found<P>>, FrameError> {
        let heads = self.heads();
        // The head first. Most bytes of noise fail the cheap test; its reason is the noise's.
        let first = match *buf {
            [address, fc, ..] if !heads.may_start(address, fc) => heads.refusal(address, fc),
            _ => match self.candidate(buf, &heads) {
                Candidate::Frame(n) => return self.found(buf, 0, n, None),
                Candidate::Partial(needed) => return Ok(Status::Partial(needed)),
                Candidate::No(e) => e,
            },
        };
        // Then every later position, exactly as `candidate` would judge it, with the tests in
        // line: the cheap test over a run of noise, the quick layouts with their CRC, and the
        // general checks for the rest. No reason is kept for these.
        let scan = buf
            .get(..buf.len().min(MAX_ADU.saturating_add(1)))
            .unwrap_or_default();
        let mut pos = 0usize;
        loop {
            pos = heads.next(scan, pos.saturating_add(1));
            if pos >= MAX_ADU || pos >= buf.len() {
                return Err(FrameError::skip_by(first, pos));
            }
            let here = buf.get(pos..).unwrap_or_default();
            // The cheap test lets address 0 through to a strict response framing (see
            // `Heads::may_start`): it is refused where a head would otherwise be taken.
            let address_ok = || here.first().none_or(|&a| heads.address_ok(a));
            if let [_, fc, count, ..] = *here {
                if let Some(total) = quick_frame_len(self.direction, fc, count) {
                    match here.get(..total) {
                        Some(frame) if crc_matches(frame) && address_ok() => {
                            return self.found(buf, pos, total, Some(first));
                        }
                        Some(_) => continue,
                        // Noise before a frame that may still be arriving: drop the noise.
                        None if address_ok() => return Err(FrameError::skip_by(first, pos)),
                        None => continue,
                    }
                }
            }
            // The head passed the cheap test and no quick layout decided: the general checks.
            // Only the last byte of `buf` (`next` stops there) is judged whole.
            let judged = if here.len() < 2 {
                self.candidate(here, &heads)
            } else {
                self.general::<false>(here)
            };
            match judged {
                Candidate::Frame(n) if address_ok() => return self.found(buf, pos, n, Some(first)),
                Candidate::Partial(_) if address_ok() => {
                    return Err(FrameError::skip_by(first, pos));
                }
                Candidate::Frame(_) | Candidate::Partial(_) | Candidate::No(_) => {}
            }
        }
    }

    /// The frame of `n` bytes at `pos`, decoded, and what was passed over before it.
    #[inline(always)]
    fn found<'a, P: Pdu<'a>>(
        &self,
        buf: &'a [u8],
        pos: usize,
        n: usize,
        noise: Option<Error>,
    ) -> Result<Status<Found<P>>, FrameError> {
        let consumed = pos.saturating_add(n);
        let frame = buf.get(pos..consumed).unwrap_or_default();
        match self.decode_framed(frame) {
            Ok(adu) => Ok(Status::Complete(Found {
                adu,
                skipped: pos,
                consumed,
                noise,
            })),
            Err(e) => Err(FrameError::skip_by(crate::list::shift(e, pos), consumed)),
        }
    }
}

/// A frame found by [`Framing::find`], and what was passed over before it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Found<P> {
    /// The frame.
    pub adu: Adu<P>,
    /// Bytes of line noise before the frame (0 when the frame was at the head).
    pub skipped: usize,
    /// Bytes to consume: the noise and the frame.
    pub consumed: usize,
    /// Why the first skipped byte could not start a frame (`None` when nothing was skipped).
    pub noise: Option<Error>,
}

/// Address range and function bytes that may start a frame (see `Framing::heads`).
struct Heads {
    /// 1 when reading strict responses (no answer to a broadcast), else 0.
    min_address: u8,
    max_address: u8,
    /// The bit of this framing's [`HeadKind`] in [`HEAD_FLAGS`].
    mask: u8,
}

/// The sets of function bytes that may follow an address, one per kind of framing.
#[derive(Clone, Copy)]
enum HeadKind {
    /// Requests: any code 1..=127 (a server answers unknown ones with exception 01).
    Request,
    /// Responses: the public codes or, with `any_code` (a custom length hook, or hunting the
    /// CRC of unknown functions), every code 1..=127; and the exceptions to them (`code |
    /// 0x80`), with 0x80 itself when `fc_0x80` allows it.
    Response { any_code: bool, fc_0x80: bool },
}

impl HeadKind {
    const ALL: [HeadKind; 5] = [
        HeadKind::Request,
        HeadKind::Response {
            any_code: false,
            fc_0x80: false,
        },
        HeadKind::Response {
            any_code: false,
            fc_0x80: true,
        },
        HeadKind::Response {
            any_code: true,
            fc_0x80: false,
        },
        HeadKind::Response {
            any_code: true,
            fc_0x80: true,
        },
    ];

    const fn index(self) -> u8 {
        match self {
            HeadKind::Request => 0,
            HeadKind::Response { any_code, fc_0x80 } => match (any_code, fc_0x80) {
                (false, false) => 1,
                (false, true) => 2,
                (true, false) => 3,
                (true, true) => 4,
            },
        }
    }

    /// Whether function byte `fc` may start a frame: the one statement of plausible heads.
    const fn allows(self, fc: u8) -> bool {
        let code = fc & 0x7F;
        // Bit `c` set: code `c` (1..=127) may be sent or answered; bit 0 (code 0) never.
        let known = match self {
            HeadKind::Request | HeadKind::Response { any_code: true, .. } => code != 0,
            HeadKind::Response {
                any_code: false, ..
            } => {
                let [low, high] = PUBLIC_BITS;
                (if code < 64 { low } else { high } >> (code & 63)) & 1 != 0
            }
        };
        match self {
            HeadKind::Request => fc < 0x80 && known,
            HeadKind::Response { fc_0x80, .. } => known || (fc == 0x80 && fc_0x80),
        }
    }
}

/// Bit [`HeadKind::index`] of entry `fc`: [`HeadKind::allows`] `fc`. One load per byte scanned.
static HEAD_FLAGS: [u8; 256] = {
    let mut flags = [0u8; 256];
    let mut fc = 0usize;
    while fc < 256 {
        let mut k = 0;
        while k < HeadKind::ALL.len() {
            #[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
            if HeadKind::ALL[k].allows(fc as u8) {
                flags[fc] |= 1 << HeadKind::ALL[k].index();
            }
            k += 1;
        }
        fc += 1;
    }
    flags
};

impl Heads {
    /// `min_address..=max_address`, in one comparison.
    #[inline(always)]
    fn address_ok(&self, address: u8) -> bool {
        address.wrapping_sub(self.min_address) <= self.max_address.wrapping_sub(self.min_address)
    }

    /// The cheap test, run on every byte of noise: address at most `max_address`, function
    /// byte of this framing. It lets address 0 through where `min_address` is 1: so rare in
    /// noise that [`Heads::address_ok`] decides it on the few positions that pass, which keeps
    /// this loop at one comparison per byte.
    #[inline(always)]
    fn may_start(&self, address: u8, fc: u8) -> bool {
        let flags = HEAD_FLAGS.get(usize::from(fc)).copied().unwrap_or(0);
        // `&`, not `&&`: one branch on noise rather than two.
        (address <= self.max_address) & (flags & self.mask != 0)
    }

    /// Why a head that [`Heads::may_start`] refuses cannot start a frame.
    #[inline(always)]
    fn refusal(&self, address: u8, fc: u8) -> Error {
        if !self.address_ok(address) {
            Error::Address { address }
        } else {
            Error::InvalidFunction { code: fc }
        }
    }

    /// The first position from `pos` on in `scan` whose two bytes may start a frame; else the
    /// last position of `scan` (one byte left, which may be an address), or `pos` if beyond it.
    #[inline(always)]
    fn next(&self, scan: &[u8], mut pos: usize) -> usize {
        while let Some(&[address, fc]) = scan.get(pos..pos.saturating_add(2)) {
            if self.may_start(address, fc) {
                break;
            }
            pos = pos.saturating_add(1);
        }
        pos
    }
}

/// How the length of a frame follows from its first PDU bytes, for the layouts that need at most
/// the byte after the function code (see `Framing::candidate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuickLayout {
    /// Length and plausibility need more than that: the general checks decide.
    General,
    /// A frame of this many bytes, whatever its content.
    Fixed(u8),
    /// Function code, a byte count within `min..=max` (and even if `even`), that many bytes.
    Count { min: u8, max: u8, even: bool },
}

#[cfg(test)]
impl QuickLayout {
    /// Frame length for the byte after the function code; `None`: the general checks decide
    /// (another layout, or a byte count that cannot be right). The reading of [`QUICK_TABLE`]
    /// is held to this.
    fn frame_len(self, count: u8) -> Option<usize> {
        match self {
            QuickLayout::Fixed(n) => Some(usize::from(n)),
            QuickLayout::Count { min, max, even }
                if count >= min && count <= max && (!even || count % 2 == 0) =>
            {
                Some(usize::from(count).saturating_add(5))
            }
            _ => None,
        }
    }
}

/// The quick layouts, from the function code alone: what `pdu_len` and `plausible` say for these
/// codes (§6; the unit test `quick_layouts_agree_with_the_general_checks` holds them to it for
/// every function byte and byte count). Frame lengths count the address and the CRC.
#[inline(always)]
const fn quick_layout(direction: Direction, fc: u8) -> QuickLayout {
    const fn count(min: u8, max: u8, even: bool) -> QuickLayout {
        QuickLayout::Count { min, max, even }
    }
    match direction {
        Direction::Response => match fc {
            0x01 | 0x02 => count(1, 250, false),
            0x03 | 0x04 | 0x17 => count(2, 250, true),
            0x0C => count(6, 70, false),
            0x11 => count(0, 250, false),
            0x06 | 0x0B => QuickLayout::Fixed(8),
            0x07 => QuickLayout::Fixed(5),
            0x16 => QuickLayout::Fixed(10),
            0x81..=0xFF => QuickLayout::Fixed(5),
            _ => QuickLayout::General,
        },
        Direction::Request => match fc {
            0x01..=0x06 => QuickLayout::Fixed(8),
            0x07 | 0x0B | 0x0C | 0x11 => QuickLayout::Fixed(4),
            0x14 | 0x15 => count(0, 250, false),
            0x16 => QuickLayout::Fixed(10),
            0x18 => QuickLayout::Fixed(6),
            _ => QuickLayout::General,
        },
    }
}

/// [`quick_layout`] for every function byte, one byte each: 0 for `General`, the length for
/// `Fixed` (all below 16), 16 + its place in [`QUICK_COUNTS`] for `Count`. A load instead of a
/// jump through a table on the function byte, which line noise makes unpredictable.
static QUICK_TABLE: [[u8; 256]; 2] = {
    let mut table = [[0u8; 256]; 2];
    let directions = [Direction::Request, Direction::Response];
    let mut d = 0;
    while d < 2 {
        let mut fc = 0usize;
        while fc < 256 {
            #[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
            {
                table[d][fc] = match quick_layout(directions[d], fc as u8) {
                    QuickLayout::General => 0,
                    QuickLayout::Fixed(n) => {
                        assert!(n >= MIN_ADU as u8 && n < 16);
                        n
                    }
                    QuickLayout::Count { min, max, even } => {
                        let mut i = 0;
                        while !matches!(QUICK_COUNTS[i], (a, b, e) if a == min && b == max && e == even)
                        {
                            i += 1;
                        }
                        16 + i as u8
                    }
                };
            }
            fc += 1;
        }
        d += 1;
    }
    table
};

/// The byte-count rules of [`quick_layout`]: minimum, maximum, even.
const QUICK_COUNTS: [(u8, u8, bool); 4] = [
    (1, 250, false),
    (2, 250, true),
    (6, 70, false),
    (0, 250, false),
];

/// [`QuickLayout::frame_len`] of [`quick_layout`], through [`QUICK_TABLE`].
#[inline(always)]
fn quick_frame_len(direction: Direction, fc: u8, count: u8) -> Option<usize> {
    let row = QUICK_TABLE.get(usize::from(direction == Direction::Response))?;
    let code = *row.get(usize::from(fc))?;
    if code < 16 {
        return (code != 0).then_some(usize::from(code));
    }
    let (min, max, even) = *QUICK_COUNTS.get(usize::from(code).saturating_sub(16))?;
    (count >= min && count <= max && (!even || count % 2 == 0))
        .then_some(usize::from(count).saturating_add(5))
}

/// Public function codes 0..=127 as two words of bits.
const PUBLIC_BITS: [u64; 2] = {
    let mut bits = [0u64; 2];
    let mut code = 0u8;
    while code < 0x80 {
        if matches!(FunctionCode::from_u8(code), Some(fc) if fc.is_public()) {
            #[allow(clippy::indexing_slicing)] // code / 64 < 2, evaluated at compile time
            {
                bits[(code / 64) as usize] |= 1 << (code % 64);
            }
        }
        code += 1;
    }
    bits
};

/// `true` when a PDU whose length the layout does not tell is one the specification defines
/// with an open length: Diagnostics sub-function 0000 (Return Query Data, which echoes any data)
/// and MEI type 0x0D (CANopen General Reference). Reserved sub-functions and MEI types are
/// unknown functions, and a framing that rejects unknown functions rejects them too.
fn defined_open_layout(pdu: &[u8]) -> bool {
    match *pdu {
        [0x08, s0, s1, ..] => u16::from_be_bytes([s0, s1]) == 0,
        [0x2B, mei, ..] => mei == 0x0D,
        _ => false,
    }
}

/// The shortest ADU whose length the CRC hunt may find: address, the PDU bytes that showed the
/// layout to be open (function code; then the MEI type of 0x2B, the sub-function of 0x08), CRC.
fn open_layout_min_adu(pdu: &[u8]) -> usize {
    let shown: usize = match pdu.first() {
        Some(0x2B) => 2,
        Some(0x08) => 3,
        _ => 1,
    };
    shown.saturating_add(3).max(MIN_ADU)
}

/// The first `n` in `min..=min(buf.len(), MAX_ADU)` such that `buf[..n]` ends with the CRC of
/// the rest. For CRC-16/MODBUS the CRC run over a message followed by its own CRC (low byte
/// first) is 0, so one byte-wise pass finds every such `n`.
fn hunt_crc(buf: &[u8], min: usize) -> Option<usize> {
    let limit = buf.len().min(MAX_ADU);
    let mut crc = crc16(&[]);
    for (i, b) in buf.get(..limit)?.iter().enumerate() {
        crc = crc16_more(crc, core::slice::from_ref(b));
        let n = i.saturating_add(1);
        if n >= min && crc == 0 {
            return Some(n);
        }
    }
    None
}

impl m2m_core::Framing for Framing {
    type Error = FrameError;

    fn frame_len(&self, buf: &[u8]) -> Result<Status<usize>, FrameError> {
        let heads = self.heads();
        let first = match self.candidate(buf, &heads) {
            Candidate::Frame(n) => return Ok(Status::Complete(n)),
            Candidate::Partial(needed) => return Ok(Status::Partial(needed)),
            Candidate::No(e) => e,
        };
        Err(FrameError::skip_by(first, self.noise_run(buf, &heads)))
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

    /// A server on a silent line gives up a head that waits for bytes, without losing a frame
    /// that starts inside it.
    #[test]
    fn an_idle_line_gives_up_what_waits_for_bytes() {
        let f = Framing::requests();
        let good = {
            let mut v = std::vec![0x11, 0x03, 0x00, 0x6b, 0x00, 0x03];
            v.extend_from_slice(&crc16(&v).to_le_bytes());
            v
        };
        // Noise that hunts for a CRC (unknown function 0x41), then a good request.
        let mut line = std::vec![0x01, 0x41];
        line.extend_from_slice(&good);
        assert_eq!(f.frame_len(&line), Ok(Status::Partial(Needed::Unknown)));
        let mut rest = &line[..];
        let mut skipped = 0;
        let n = loop {
            match f.frame_len_idle(rest) {
                Ok(Status::Complete(n)) => break n,
                Err(e) => {
                    // The head first (`Truncated`: it would hunt on), then ordinary noise.
                    if skipped == 0 {
                        assert!(matches!(e.error, Error::Truncated { .. }), "{e:?}");
                    }
                    skipped += e.skip_len();
                    rest = &rest[e.skip_len()..];
                }
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(skipped, 2);
        assert_eq!(&rest[..n], &good[..]);
        // A frame cut short by the silence is dropped; the next one is read.
        let cut = &good[..5];
        let e = f.frame_len_idle(cut).unwrap_err();
        assert!(e.skip_len() >= 1 && e.skip_len() <= cut.len());
        assert_eq!(f.frame_len_idle(&good), Ok(Status::Complete(good.len())));
        assert_eq!(
            f.frame_len_idle(&[]),
            Ok(Status::Partial(Needed::new(MIN_ADU)))
        );
    }

    /// No server answers a broadcast: a response from address 0 is refused by strict decoding
    /// and framing (so idle 0x00 bytes are noise to a client), read under `LENIENT`; a request
    /// to address 0 is a broadcast.
    #[test]
    fn responses_from_address_0_are_refused_unless_lenient() {
        let frame = |address: u8, pdu: &[u8]| {
            let mut v = std::vec![address];
            v.extend_from_slice(pdu);
            v.extend_from_slice(&crc16(&v).to_le_bytes());
            v
        };
        let echo = frame(0, &[0x06, 0x00, 0x01, 0x00, 0x03]);
        assert_eq!(
            Adu::<Response<'_>>::parse(&echo),
            Err(Error::Address { address: 0 })
        );
        let e = Framing::responses().frame_len(&echo).unwrap_err();
        assert_eq!(e.error, Error::Address { address: 0 });
        // Skipped up to the last byte: 06 00, 00 01, 01 00, 00 03 and the CRC's bytes start
        // nothing either.
        assert_eq!(e.skip_len(), 7);
        let lenient = Framing::responses().with_config(Config::LENIENT);
        assert_eq!(lenient.frame_len(&echo), Ok(Status::Complete(8)));
        assert!(Adu::<Response<'_>>::parse_with(&echo, &Config::LENIENT).is_ok());
        let broadcast = Adu::<Request<'_>>::parse(&echo).unwrap();
        assert!(!broadcast.expects_response());
        assert_eq!(
            Framing::requests().frame_len(&echo),
            Ok(Status::Complete(8))
        );
        // The same over ASCII.
        let mut scratch = [0u8; 255];
        let text = b":000600010003F6\r\n";
        assert_eq!(
            crate::ascii::Adu::<Response<'_>>::parse(text, &mut scratch),
            Err(Error::Address { address: 0 })
        );
        assert!(crate::ascii::Adu::<Request<'_>>::parse(text, &mut scratch).is_ok());
        // A response found after a run of 0x00 idle bytes.
        let mut line = std::vec![0u8; 5];
        let good = frame(1, &[0x06, 0x00, 0x01, 0x00, 0x03]);
        line.extend_from_slice(&good);
        let found = Framing::responses().find::<Response<'_>>(&line).unwrap();
        let Status::Complete(found) = found else {
            panic!("{found:?}")
        };
        assert_eq!(found.consumed, line.len());
        assert_eq!(found.noise, Some(Error::Address { address: 0 }));
        // An answer from address 0 past the head, whole and with its CRC right, is noise to
        // `find` as to `decode`, up to the next frame.
        let mut line = std::vec![0xFF];
        line.extend_from_slice(&echo);
        line.extend_from_slice(&good);
        // (The echo's last CRC byte and the good frame's address read as an FC01 answer of
        // 11 bytes: it must all be there to be refused.)
        line.extend_from_slice(&[0xFF; 4]);
        let Status::Complete(found) = Framing::responses().find::<Response<'_>>(&line).unwrap()
        else {
            panic!()
        };
        assert_eq!((found.skipped, found.consumed), (9, 17));
        assert_eq!(found.noise, Some(Error::Address { address: 0xFF }));
        let mut at = 0;
        while let Err(e) = Framing::responses().decode::<Response<'_>>(&line[at..]) {
            at += e.skip_len();
        }
        assert_eq!(at, 9);
        // Cut short, it is not a frame that may still be arriving either.
        let cut = &line[..6];
        assert_eq!(
            Framing::responses()
                .find::<Response<'_>>(cut)
                .unwrap_err()
                .skip_len(),
            Framing::responses().frame_len(cut).unwrap_err().skip_len()
        );
    }

    /// The CRC hunt does not stop inside the bytes that showed the layout to be open: a 4-byte
    /// prefix of an MEI 0x0D request whose CRC happens to match is not a frame.
    #[test]
    fn the_crc_hunt_starts_past_the_layout_bytes() {
        // EC 2B 0D 6F: bytes 2-3 are the CRC of EC 2B.
        assert_eq!(crc16(&[0xEC, 0x2B]).to_le_bytes(), [0x0D, 0x6F]);
        let f = Framing::requests();
        let mut frame = std::vec![0xEC, 0x2B, 0x0D, 0x6F, 0x01, 0x02];
        let crc = crc16(&frame).to_le_bytes();
        frame.extend_from_slice(&crc);
        assert_eq!(f.frame_len(&frame), Ok(Status::Complete(frame.len())));
        for end in 0..frame.len() {
            assert!(f.frame_len(&frame[..end]).unwrap().is_partial(), "{end}");
        }
        let adu = Adu::<Request<'_>>::parse(&frame).unwrap();
        assert_eq!(adu.pdu.buffer_len(), 5);
        assert_eq!(open_layout_min_adu(&[0x41]), MIN_ADU);
        assert_eq!(open_layout_min_adu(&[0x2B, 0x0D]), 5);
        assert_eq!(open_layout_min_adu(&[0x08, 0x00, 0x00]), 6);
    }

    /// A length that only grows (device-id objects, a custom hook answering "at least") is
    /// refused once it passes the largest frame, rather than buffered without end.
    #[test]
    fn lengths_past_the_largest_frame_are_refused_not_buffered() {
        // 2B/0E response whose first object is 250 bytes long: 259 bytes of PDU at least.
        let mut buf = std::vec![0x01, 0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 0xFA];
        let f = Framing::responses();
        // Before the object length arrives, it could still be a frame.
        assert!(f.frame_len(&buf[..9]).unwrap().is_partial());
        buf.resize(300, 0);
        for end in 10..=buf.len() {
            let e = f.frame_len(&buf[..end]).unwrap_err();
            assert_eq!(e.error, Error::PduTooLong { len: 259 }, "{end}");
        }
        // 255 objects of 255 bytes: refused at the second object, not after 65 kB.
        let buf = [
            0x01, 0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00,
        ];
        assert!(f.frame_len(&buf).is_err());
        // The largest device-id response that fits still frames: 253 bytes of PDU.
        let mut pdu = std::vec![0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 244];
        pdu.resize(253, b'x');
        let mut frame = std::vec![0x01];
        frame.extend_from_slice(&pdu);
        let crc = crc16(&frame).to_le_bytes();
        frame.extend_from_slice(&crc);
        for end in 0..frame.len() {
            assert!(f.frame_len(&frame[..end]).unwrap().is_partial(), "{end}");
        }
        assert_eq!(f.frame_len(&frame), Ok(Status::Complete(256)));
        // A custom hook that always wants more.
        fn greedy(_: Direction, pdu: &[u8]) -> Option<PduLen> {
            Some(PduLen::AtLeast(pdu.len().saturating_add(1)))
        }
        let f = Framing::responses().with_custom(greedy);
        let mut buf = std::vec![0x01, 0x41];
        while f.frame_len(&buf).is_ok_and(|s| s.is_partial()) {
            assert!(
                buf.len() <= MAX_ADU,
                "still buffering at {} bytes",
                buf.len()
            );
            buf.push(0);
        }
        assert!(f.frame_len(&buf).is_err());
    }

    /// The quick layouts judge every head exactly as the general checks do: for each framing,
    /// function byte and byte count, on noise, on short buffers and on frames whose CRC is right.
    #[test]
    fn quick_layouts_agree_with_the_general_checks() {
        let framings = [
            Framing::responses(),
            Framing::requests(),
            Framing::responses().with_config(Config::LENIENT),
            Framing::responses().with_unknown(UnknownFunctions::Hunt),
        ];
        let mut seed = 0x2545_F491_u32;
        let mut noise = [0u8; 300];
        let mut quick = 0usize;
        for framing in framings {
            let heads = framing.heads();
            for fc in 0..=255u8 {
                for b in noise.iter_mut() {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    *b = seed.to_le_bytes()[0];
                }
                for count in 0..=255u8 {
                    let address = if count % 7 == 0 {
                        0xF8 | (count >> 5)
                    } else {
                        0x11
                    };
                    noise[..3].copy_from_slice(&[address, fc, count]);
                    let mut bufs = std::vec![noise.to_vec()];
                    let quick_len = quick_layout(framing.direction, fc).frame_len(count);
                    assert_eq!(quick_frame_len(framing.direction, fc, count), quick_len);
                    if let Some(total) = quick_len {
                        quick += 1;
                        let mut good = noise.to_vec();
                        if let Some(body) = total.checked_sub(2) {
                            let crc = crc16(&good[..body]);
                            good[body..total].copy_from_slice(&crc.to_le_bytes());
                        }
                        bufs.push(good[..total].to_vec());
                        bufs.push(good[..total - 1].to_vec());
                        bufs.push(good);
                    }
                    for len in 3..8 {
                        bufs.push(noise[..len].to_vec());
                    }
                    for buf in &bufs {
                        assert_eq!(
                            framing.judge(buf, &heads, true),
                            framing.judge(buf, &heads, false),
                            "{framing:?} {:02x?}",
                            &buf[..buf.len().min(8)]
                        );
                    }
                }
            }
        }
        // The quick path was taken (responses: 01-04, 17, 0C, 11 counts; fixed and exceptions).
        assert!(quick > 4 * 256 * 8, "{quick}");
    }

    #[test]
    fn function_bytes_that_may_start_a_frame() {
        let allowed = |f: Framing| {
            let heads = f.heads();
            (0..=255u8)
                .filter(|&fc| heads.may_start(1, fc))
                .collect::<std::vec::Vec<u8>>()
        };
        let public: std::vec::Vec<u8> = (1..0x80u8)
            .filter(|&c| FunctionCode::from_u8(c).is_some_and(FunctionCode::is_public))
            .collect();
        let with_exceptions = |codes: &[u8]| -> std::vec::Vec<u8> {
            [
                codes,
                &codes
                    .iter()
                    .map(|c| c | 0x80)
                    .collect::<std::vec::Vec<u8>>(),
            ]
            .concat()
        };
        assert_eq!(
            allowed(Framing::requests()),
            (1..0x80).collect::<std::vec::Vec<u8>>()
        );
        assert_eq!(allowed(Framing::responses()), with_exceptions(&public));
        let mut lenient = [&[0x80u8][..], &with_exceptions(&public)].concat();
        lenient.sort_unstable();
        let mut got = allowed(Framing::responses().with_config(Config::LENIENT));
        got.sort_unstable();
        assert_eq!(got, lenient);
        let any: std::vec::Vec<u8> = (1..0x80).collect();
        assert_eq!(
            allowed(Framing::responses().with_unknown(UnknownFunctions::Hunt)),
            with_exceptions(&any)
        );
        // Addresses: 1..=247 strict, all of them lenient.
        let heads = Framing::responses().heads();
        assert!(heads.may_start(247, 3) && !heads.may_start(248, 3));
        let heads = Framing::responses().with_config(Config::LENIENT).heads();
        assert!(heads.may_start(255, 3));
    }

    #[test]
    fn crc_blocks_and_tail_agree_with_the_crate() {
        let reference = crc::Crc::<u16, crc::NoTable>::new(&crc::CRC_16_MODBUS);
        let mut seed = 0x9E37_79B9_u32;
        let bytes: std::vec::Vec<u8> = (0..300)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed.to_le_bytes()[0]
            })
            .collect();
        for n in 0..=bytes.len() {
            let want = reference.checksum(&bytes[..n]);
            assert_eq!(crc16(&bytes[..n]), want, "{n} bytes");
            assert_eq!(crc16_body(&bytes[..n]), want, "{n} bytes, as a frame body");
            let mut frame = bytes[..n].to_vec();
            frame.extend_from_slice(&want.to_le_bytes());
            assert!(crc_matches(&frame) && crc_ok(&frame).is_ok(), "{n} bytes");
            frame[n / 2] ^= 0x10;
            assert!(!crc_matches(&frame) && crc_ok(&frame).is_err(), "{n} bytes");
        }
        assert!(!crc_matches(&[0x01]) && crc_ok(&[0x01]).is_err());
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

    fn with_crc(body: &[u8]) -> std::vec::Vec<u8> {
        let mut v = body.to_vec();
        v.extend_from_slice(&crc16(body).to_le_bytes());
        v
    }

    #[test]
    fn find_passes_over_noise_and_says_how_much() {
        let f = Framing::requests();
        // Frame at the head: nothing skipped.
        let found = f.find::<Request<'_>>(&REQ).unwrap().complete().unwrap();
        assert_eq!((found.skipped, found.consumed, found.noise), (0, 8, None));
        // 0x11 0x11 is a 4-byte candidate whose CRC fails, 0xff a reserved address.
        let mut noisy = std::vec![0xff, 0x11];
        noisy.extend_from_slice(&REQ);
        noisy.extend_from_slice(&REQ[..3]);
        let found = f.find::<Request<'_>>(&noisy).unwrap().complete().unwrap();
        assert_eq!((found.skipped, found.consumed), (2, 10));
        assert!(matches!(
            found.noise,
            Some(Error::Address { address: 0xff })
        ));
        assert_eq!(found.adu.address, 0x11);
        // What is left is the head of a frame: wait for it.
        assert_eq!(
            f.find::<Request<'_>>(&noisy[10..]),
            Ok(Status::Partial(Needed::new(5)))
        );
        // Noise before a partial frame is dropped first, and nothing else.
        let e = f.find::<Request<'_>>(&[0xff, 0xfe, 0x11]).unwrap_err();
        assert_eq!(e.skip_len(), 2);
        // A frame with a right CRC and a bad PDU is dropped whole, with the noise before it.
        let bad = with_crc(&[0x11, 0x03, 0x00, 0x00, 0x00, 0x00]);
        let mut buf = std::vec![0xff];
        buf.extend_from_slice(&bad);
        let e = f.find::<Request<'_>>(&buf).unwrap_err();
        assert_eq!(e.skip_len(), 9);
        assert!(matches!(e.error, Error::Quantity { .. }));
        // A long run of noise is dropped a bounded piece at a time.
        let e = f.find::<Request<'_>>(&[0xff; 600]).unwrap_err();
        assert_eq!(e.skip_len(), MAX_ADU);
    }

    #[test]
    fn reserved_layouts_are_unknown_functions() {
        // FC 2B with a reserved MEI type, FC 08 with a reserved sub-function: no length from
        // the layout. A client's framing (unknown functions rejected) treats them as noise; a
        // framing that hunts finds them by their CRC.
        for body in [
            &[0x01, 0x2B, 0xC8, 0x01][..],
            &[0x01, 0x08, 0x00, 0x13, 0xAA, 0xBB],
        ] {
            let frame = with_crc(body);
            assert!(
                Framing::responses().frame_len(&frame).is_err(),
                "{body:02x?}"
            );
            let hunt = Framing::responses().with_unknown(UnknownFunctions::Hunt);
            assert_eq!(hunt.frame_len(&frame), Ok(Status::Complete(frame.len())));
        }
        // The defined open layouts are hunted by both: 08/0000 (Return Query Data) and 2B/0D.
        for body in [
            &[0x01, 0x08, 0x00, 0x00, 0x12, 0x34][..],
            &[0x01, 0x2B, 0x0D, 0x07],
        ] {
            let frame = with_crc(body);
            assert_eq!(
                Framing::responses().frame_len(&frame),
                Ok(Status::Complete(frame.len())),
                "{body:02x?}"
            );
        }
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

    /// A client's framing spends no CRC on a file-record response whose first group cannot be
    /// right (even length, or a reference type other than 6): such a head is noise, like an odd
    /// FC03 byte count. With the values right, the frame is found.
    #[test]
    fn file_record_responses_need_reference_type_6() {
        let f = Framing::responses();
        let frame = |pdu: &[u8]| {
            let mut v = std::vec![0x11];
            v.extend_from_slice(pdu);
            v.extend_from_slice(&crc16(&v).to_le_bytes());
            v
        };
        // FC14: byte count 4, group length 3, reference type, one register.
        let good14 = frame(&[0x14, 4, 3, 6, 0x12, 0x34]);
        let good15 = frame(&[0x15, 9, 6, 0, 4, 0, 1, 0, 1, 0x12, 0x34]);
        assert_eq!(f.frame_len(&good14), Ok(Status::Complete(good14.len())));
        assert_eq!(f.frame_len(&good15), Ok(Status::Complete(good15.len())));
        for (bad, reference_type) in [
            (frame(&[0x14, 4, 3, 5, 0x12, 0x34]), Some(5)),
            (frame(&[0x14, 4, 2, 6, 0x12, 0x34]), None),
            (frame(&[0x15, 9, 7, 0, 4, 0, 1, 0, 1, 0x12, 0x34]), Some(7)),
        ] {
            // Not framed, not dropped whole: noise up to the next head that may start a frame,
            // for the reason the decoder gives, at its place in the frame.
            let e = f.frame_len(&bad).unwrap_err();
            assert!(e.skip_len() < bad.len(), "{bad:02x?}");
            match reference_type {
                Some(value) => assert_eq!(
                    e.error,
                    Error::Value {
                        field: "file reference type",
                        value,
                        offset: if bad[1] == 0x14 { 4 } else { 3 },
                    }
                ),
                None => assert!(matches!(e.error, Error::ByteCount { .. }), "{e:?}"),
            }
        }
    }
}
