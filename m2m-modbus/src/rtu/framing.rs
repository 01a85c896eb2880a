//! The RTU stream framing (Modbus over Serial Line V1.02 §2.5.1): frame boundaries from the PDU
//! layout, a CRC hunt where the layout does not tell, and resynchronisation on a noisy line by
//! dropping one byte (or one run of noise) at a time.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Needed, Status};

use crate::error::{Error, FrameError};
use crate::function::FunctionCode;
use crate::pdu::{Config, Direction, NoneOr as _, Pdu, PduLen, pdu_len};

use super::checksum::{crc_matches, crc_ok, crc16_more};
use super::{Adu, MAX_ADDRESS, MAX_ADU, MIN_ADU, crc16};

#[cfg(test)]
mod tests;

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
                    expected: crate::error::Count::Exactly(0),
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
                None if buf.len() >= MAX_ADU => Candidate::No(Error::NoCrc),
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

    /// Whether the frame at the head of `buf` is framed by its CRC: a layout whose length
    /// neither its function code nor a count gives (Diagnostics 0x0000, an MEI type other than
    /// 0x0E, an unknown function hunted, a custom hook's `PduLen::Unknown`). In a stream such a
    /// frame ends at the first CRC that checks, which for one frame in 256 (a CRC ending in
    /// 0x00) is a byte early; a reader that knows the silences waits for the one after it
    /// and cuts with [`Framing::frame_len_at_silence`].
    pub fn framed_by_crc(&self, buf: &[u8]) -> bool {
        matches!(
            self.layout_len(buf.get(1..).unwrap_or_default()),
            Ok(PduLen::Unknown)
        )
    }

    /// [`Framing::frame_len_idle`] for `buf` holding what was read since the last silence,
    /// now that the line has gone silent again (Serial Line §2.5.1.1: the silences delimit
    /// the frames): a frame framed by its CRC is all of `buf` when the CRC of all of it checks,
    /// not the first run of bytes whose CRC checks.
    pub fn frame_len_at_silence(&self, buf: &[u8]) -> Result<Status<usize>, FrameError> {
        match self.frame_len_whole(buf)? {
            Status::Partial(_) => self.frame_len_idle(buf),
            whole => Ok(whole),
        }
    }

    /// [`m2m_core::Framing::frame_len`] for `buf` holding what a stream without silences (RTU
    /// over TCP) has given so far, where the end of a read stands for the silence: a frame
    /// framed by its CRC is all of `buf` when the CRC of all of it checks (a frame written in
    /// one piece whose CRC ends in 0x00). A whole valid frame behind it never makes the CRC of both check; part
    /// of one can: a lone 0x00 always does (the same bytes as a frame whose CRC ends in 0x00:
    /// they cannot be told apart), more bytes once in 65 536. Unlike `frame_len`, the answer
    /// depends on where the reads end.
    ///
    /// A head that never completes (a corrupt length field) holds the frames behind it until
    /// the reader gives it up after a quiet time ([`Framing::skip_to_whole_frame`]): a frame
    /// still arriving cannot be told from a corrupt one by its bytes alone.
    pub fn frame_len_at_read_end(&self, buf: &[u8]) -> Result<Status<usize>, FrameError> {
        self.frame_len_whole(buf)
    }

    /// The length of the frame at the head of `buf` when `buf` ends where a frame ends (a
    /// silence, the end of a read): all of `buf` for a frame framed by its CRC whose CRC of all
    /// of it checks, [`m2m_core::Framing::frame_len`] otherwise.
    pub(crate) fn frame_len_whole(&self, buf: &[u8]) -> Result<Status<usize>, FrameError> {
        if self.whole_by_crc(buf) {
            return Ok(Status::Complete(buf.len()));
        }
        m2m_core::Framing::frame_len(self, buf)
    }

    /// After a quiet time on a stream without silences (RTU over TCP): the head of `buf`, still
    /// incomplete, will get no more bytes; how many bytes to drop to reach the first whole
    /// frame behind it (the frames after a corrupt one are then answered), or all of them.
    #[must_use]
    pub fn skip_to_whole_frame(&self, buf: &[u8]) -> usize {
        (1..buf.len())
            .find(|&k| {
                let tail = buf.get(k..).unwrap_or_default();
                matches!(self.frame_len_whole(tail), Ok(Status::Complete(_)))
            })
            .unwrap_or(buf.len())
    }

    /// Whether `buf` is one frame framed by its CRC, the CRC of all of it checking, with a head
    /// that may start a frame (its address too, as `frame_len` judges it).
    pub(crate) fn whole_by_crc(&self, buf: &[u8]) -> bool {
        (MIN_ADU..=MAX_ADU).contains(&buf.len())
            && self.framed_by_crc(buf)
            && self.may_start(buf, &self.heads())
            && crc16(buf) == 0
    }

    /// Frames and decodes the ADU at the head of `buf` in one pass over its bytes (the CRC is
    /// checked once, by the framing). A frame whose CRC is right but whose PDU is not valid is an
    /// error whose skip is the whole frame.
    pub fn decode<'a, P: Pdu<'a>>(
        &self,
        buf: &'a [u8],
    ) -> Result<Status<(Adu<P>, usize)>, FrameError> {
        self.decode_framed_by(buf, m2m_core::Framing::frame_len(self, buf)?)
    }

    /// [`Framing::decode`] for `buf` holding what was read since the last silence, now that
    /// the line has gone silent again: a frame framed by its CRC is all of `buf` when the CRC
    /// of all of it checks (as [`Framing::frame_len_at_silence`] frames it); anything else is
    /// read as `decode` reads it (a frame not all there is `Partial`).
    pub fn decode_at_silence<'a, P: Pdu<'a>>(
        &self,
        buf: &'a [u8],
    ) -> Result<Status<(Adu<P>, usize)>, FrameError> {
        self.decode_framed_by(buf, self.frame_len_whole(buf)?)
    }

    /// Decodes the head of `buf` that `framed` says is a frame.
    #[inline(always)]
    fn decode_framed_by<'a, P: Pdu<'a>>(
        &self,
        buf: &'a [u8],
        framed: Status<usize>,
    ) -> Result<Status<(Adu<P>, usize)>, FrameError> {
        let n = match framed {
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
            Err(e) => Err(crate::list::in_frame(crate::list::shift(e, 1))),
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
///
/// The first, and only the first, so that the answer does not depend on how the bytes arrive.
/// After the low CRC byte the register holds the high one: a frame whose CRC ends in 0x00 (one
/// in 256) also checks one byte short, and is cut there; the zero is left as noise. Only the
/// silence after the frame can tell: a serial reader cuts such a frame with
/// [`Framing::frame_len_at_silence`] (a stream reader at the end of a read, with
/// [`Framing::frame_len_at_read_end`]), and a caller that has a whole frame reads it with
/// [`Adu::parse`], which checks the CRC of all of it.
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
