//! Modbus ASCII: `:` address PDU LRC as hex digits, then CR LF (Modbus over Serial Line
//! V1.02 §2.5.2). A frame is at most 513 characters.
//!
//! An ASCII frame is text, so its PDU cannot borrow from it: [`Adu::parse`] decodes the hex into
//! a caller's [`Scratch`] buffer (no allocation) and the PDU borrows from that.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Needed, Status, Writer};

use crate::error::{Error, FrameError};
use crate::pdu::{Config, Direction, Pdu, PduLen};

/// Longest frame in characters (§2.5.2.1): `:`, 2 x (1 + 253 + 1) hex digits, CR LF.
pub const MAX_FRAME: usize = 513;
/// Shortest frame: `:`, address, function code, LRC, CR LF.
pub const MIN_FRAME: usize = 9;

/// Room for the binary form of the longest frame: address, PDU and LRC.
pub type Scratch = [u8; 255];

/// LRC of `bytes` (§6.2.1): the two's complement of their 8-bit sum.
#[must_use]
pub fn lrc(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |acc, &b| acc.wrapping_add(b))
        .wrapping_neg()
}

const fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c.wrapping_sub(b'0')),
        b'A'..=b'F' => Some(c.wrapping_sub(b'A').wrapping_add(10)),
        // The guide asks for upper case; lower case is read too, as peers send it.
        b'a'..=b'f' => Some(c.wrapping_sub(b'a').wrapping_add(10)),
        _ => None,
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// A Modbus ASCII ADU (Serial Line §2.5.2): address and PDU; the LRC is checked on decode and
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

/// Decodes the hex digits between `:` and CR LF into `out`, checks the LRC, and returns the
/// address-and-PDU bytes.
pub fn unhex<'b>(frame: &[u8], out: &'b mut Scratch) -> Result<&'b [u8], Error> {
    let Some((&b':', rest)) = frame.split_first() else {
        return Err(Error::Ascii { offset: 0 });
    };
    let Some((digits, b"\r\n")) = rest.split_last_chunk::<2>().map(|(d, t)| (d, &t[..])) else {
        return Err(Error::Ascii {
            offset: frame.len().saturating_sub(1),
        });
    };
    if frame.len() > MAX_FRAME || frame.len() < MIN_FRAME || digits.len() % 2 != 0 {
        return Err(Error::Ascii {
            offset: frame.len().saturating_sub(2),
        });
    }
    let mut w = Writer::new(out);
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let offset = i.saturating_mul(2).saturating_add(1);
        let hi = pair.first().copied().and_then(hex_value);
        let lo = pair.get(1).copied().and_then(hex_value);
        match (hi, lo) {
            (Some(h), Some(l)) => w.u8((h << 4) | l)?,
            (None, _) => return Err(Error::Ascii { offset }),
            (_, None) => {
                return Err(Error::Ascii {
                    offset: offset.saturating_add(1),
                });
            }
        }
    }
    let n = w.finish();
    let bytes = out.get(..n).unwrap_or_default();
    let Some((&found, body)) = bytes.split_last() else {
        return Err(Error::Ascii { offset: 1 });
    };
    let computed = lrc(body);
    if found != computed {
        return Err(Error::Lrc { found, computed });
    }
    Ok(body)
}

/// Writes the frame of `body` (address and PDU, as bytes) at the start of `out`: `:`, the body
/// and its LRC as upper-case hex, CR LF; returns its length. The one ASCII encoder, for
/// [`Adu::encode`] and for callers that hold a PDU as bytes.
pub fn encode_body(body: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let check = lrc(body);
    let mut w = Writer::new(out);
    w.u8(b':')?;
    for &b in body.iter().chain(core::iter::once(&check)) {
        let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
        let lo = HEX.get(usize::from(b & 0x0F)).copied().unwrap_or(b'0');
        w.put(&[hi, lo])?;
    }
    w.put(b"\r\n")?;
    Ok(w.finish())
}

impl<'b, P: Pdu<'b>> Adu<P> {
    /// Decodes one whole ASCII frame (from `:` to CR LF) strictly, into `scratch`.
    pub fn parse(frame: &[u8], scratch: &'b mut Scratch) -> Result<Self, Error> {
        Self::parse_with(frame, scratch, &Config::STRICT)
    }

    /// Decodes one whole ASCII frame with the given strictness (the LRC is always checked).
    pub fn parse_with(
        frame: &[u8],
        scratch: &'b mut Scratch,
        config: &Config,
    ) -> Result<Self, Error> {
        let body = unhex(frame, scratch)?;
        let Some((&address, pdu)) = body.split_first() else {
            return Err(Error::Ascii { offset: 1 });
        };
        crate::rtu::check_address(address, P::DIRECTION, config)?;
        // Offsets are reported in characters of the frame: PDU byte k is at 3 + 2k.
        let pdu = P::parse_with(pdu, config).map_err(|e| {
            crate::list::in_frame(crate::list::remap(e, |k| {
                k.saturating_mul(2).saturating_add(3)
            }))
        })?;
        Ok(Adu { address, pdu })
    }

    /// Characters of the encoded frame.
    pub fn buffer_len(&self) -> usize {
        self.pdu
            .buffer_len()
            .saturating_add(2)
            .saturating_mul(2)
            .saturating_add(3)
    }

    /// Checks the PDU's limits and writes the frame (upper-case hex) at the start of `out`. The
    /// address is written as given, reserved ones (248..=255) included, as in RTU.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
        let mut bin: Scratch = [0; 255];
        let mut w = Writer::new(&mut bin);
        w.u8(self.address)?;
        let room = w.remaining().saturating_sub(1);
        let n = self.pdu.encode(w.slot(room)?)?;
        let body_len = n.saturating_add(1);
        encode_body(bin.get(..body_len).unwrap_or_default(), out)
    }

    /// The frame encoded into a new `Vec`.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> Result<alloc::vec::Vec<u8>, Error> {
        crate::encode_to_vec(self.buffer_len(), |out| self.encode(out))
    }
}

/// Frames ASCII ADUs on a byte stream: from `:` to CR LF.
///
/// Bytes before a `:` are skipped; a `:` inside a frame starts a new one (the old one is
/// dropped, §2.5.2.1); a character that cannot be part of a frame, or a frame longer than 513
/// characters, is skipped up to the next `:`. Whether the hex and the LRC are right is left to
/// [`Adu::parse`], so a frame with a bad LRC is cut and can be reported as such.
///
/// The CR LF ends a frame. While it has not come, a framing that knows its direction
/// ([`Framing::requests`], [`Framing::responses`]) reads the PDU's layout from the digits in
/// (as RTU does from bytes) and says how many characters are missing: exactly, for every
/// standard function code, once the digits that decide the length are in. [`Framing::new`]
/// knows no direction and says only "more".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Framing {
    direction: Option<Direction>,
}

impl Framing {
    /// A framing that waits for the CR LF without reading the layout.
    #[must_use]
    pub const fn new() -> Self {
        Framing { direction: None }
    }

    /// A server's framing: it reads requests.
    #[must_use]
    pub const fn requests() -> Self {
        Framing {
            direction: Some(Direction::Request),
        }
    }

    /// A client's framing: it reads responses.
    #[must_use]
    pub const fn responses() -> Self {
        Framing {
            direction: Some(Direction::Response),
        }
    }

    /// Characters still missing from a frame whose `:` and digits so far are `buf` (no CR LF
    /// yet): from the layout of the PDU bytes the whole digit pairs give.
    fn needed(&self, buf: &[u8]) -> Needed {
        let Some(direction) = self.direction else {
            return Needed::Unknown;
        };
        let mut bytes: Scratch = [0; 255];
        let mut n = 0usize;
        for pair in buf.get(1..).unwrap_or_default().chunks_exact(2) {
            let (Some(hi), Some(lo)) = (
                pair.first().copied().and_then(hex_value),
                pair.get(1).copied().and_then(hex_value),
            ) else {
                break;
            };
            let Some(slot) = bytes.get_mut(n) else { break };
            *slot = (hi << 4) | lo;
            n = n.saturating_add(1);
        }
        let pdu = bytes.get(1..n).unwrap_or_default();
        // `:`, address, PDU and LRC as two digits each, CR LF.
        let chars = |pdu_len: usize| {
            pdu_len
                .saturating_add(2)
                .saturating_mul(2)
                .saturating_add(3)
        };
        let total = match crate::pdu::pdu_len(direction, pdu) {
            Ok(PduLen::Exact(len)) => chars(len),
            Ok(PduLen::AtLeast(len)) => chars(len),
            // Found by its CR LF only; or not a frame, which the CR LF will show.
            Ok(PduLen::Unknown) | Err(_) => return Needed::Unknown,
        };
        match total.checked_sub(buf.len()) {
            Some(more) if more > 0 && total <= MAX_FRAME => Needed::new(more),
            // Longer than its layout (or than a frame) already: the CR LF decides.
            _ => Needed::Unknown,
        }
    }
}

impl m2m_core::Framing for Framing {
    type Error = FrameError;

    fn frame_len(&self, buf: &[u8]) -> Result<Status<usize>, FrameError> {
        let Some(&first) = buf.first() else {
            return Ok(Status::Partial(Needed::new(MIN_FRAME)));
        };
        if first != b':' {
            let skip = buf.iter().position(|&c| c == b':').unwrap_or(buf.len());
            return Err(FrameError::skip_by(Error::Ascii { offset: 0 }, skip));
        }
        for (i, &c) in buf.iter().enumerate().skip(1) {
            let ok = match c {
                b':' => {
                    // A new start: the frame before it is incomplete.
                    return Err(FrameError::skip_by(Error::Ascii { offset: i }, i));
                }
                b'\r' => match buf.get(i.saturating_add(1)) {
                    // Only the LF is missing.
                    None => return Ok(Status::Partial(Needed::new(1))),
                    Some(b'\n') => {
                        let len = i.saturating_add(2);
                        if len < MIN_FRAME {
                            return Err(FrameError::skip_by(Error::Ascii { offset: i }, len));
                        }
                        return Ok(Status::Complete(len));
                    }
                    Some(_) => false,
                },
                c => hex_value(c).is_some(),
            };
            if !ok || i >= MAX_FRAME.saturating_sub(2) && c != b'\r' {
                let skip = buf
                    .iter()
                    .skip(1)
                    .position(|&c| c == b':')
                    .map_or(buf.len(), |p| p.saturating_add(1));
                return Err(FrameError::skip_by(Error::Ascii { offset: i }, skip));
            }
        }
        let needed = self.needed(buf);
        Ok(Status::Partial(match needed.size() {
            Some(_) => needed,
            // At least a frame's worth, and the CR LF.
            None if buf.len() < MIN_FRAME => Needed::new(MIN_FRAME.saturating_sub(buf.len())),
            None => Needed::Unknown,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::Request;
    use m2m_core::Framing as _;

    // FC03 request of Application Protocol §6.3 to address 0x11; LRC 0x7E.
    static FRAME: &[u8] = b":1103006B00037E\r\n";

    #[test]
    fn lrc_and_parse() {
        assert_eq!(lrc(&[0x11, 0x03, 0x00, 0x6b, 0x00, 0x03]), 0x7e);
        let mut scratch = [0u8; 255];
        let adu = Adu::<Request<'_>>::parse(FRAME, &mut scratch).unwrap();
        assert_eq!(adu.address, 0x11);
        assert_eq!(
            adu.pdu,
            Request::ReadHoldingRegisters {
                address: 0x6b,
                quantity: 3
            }
        );
        let mut out = [0u8; 32];
        let n = adu.encode(&mut out).unwrap();
        assert_eq!(&out[..n], FRAME);
        assert_eq!(adu.buffer_len(), FRAME.len());
        let mut s2 = [0u8; 255];
        assert!(matches!(
            Adu::<Request<'_>>::parse(b":1103006B00037F\r\n", &mut s2),
            Err(Error::Lrc {
                found: 0x7f,
                computed: 0x7e
            })
        ));
    }

    #[test]
    fn a_framing_with_a_direction_counts_the_missing_characters() {
        let f = Framing::requests();
        // ':' and the address: at least a whole frame of an unknown layout.
        assert_eq!(f.frame_len(b":11"), Ok(Status::Partial(Needed::new(6))));
        // FC03 read: the layout is known from the function code on, 17 characters in all.
        for end in 5..FRAME.len() {
            assert_eq!(
                f.frame_len(&FRAME[..end]),
                Ok(Status::Partial(Needed::new(FRAME.len() - end))),
                "prefix {end}"
            );
        }
        // The §6.3 response, 3 registers: known from its byte count on.
        let rsp = b":110306022B0000006455\r\n";
        let f = Framing::responses();
        // Before the byte count: at least a PDU of 2 bytes, 11 characters.
        assert_eq!(f.frame_len(&rsp[..5]), Ok(Status::Partial(Needed::new(6))));
        for end in 7..rsp.len() {
            assert_eq!(
                f.frame_len(&rsp[..end]),
                Ok(Status::Partial(Needed::new(rsp.len() - end))),
                "prefix {end}"
            );
        }
        assert_eq!(f.frame_len(rsp), Ok(Status::Complete(rsp.len())));
        // Without a direction: only "more".
        assert_eq!(
            Framing::new().frame_len(&FRAME[..12]),
            Ok(Status::Partial(Needed::Unknown))
        );
    }

    #[test]
    fn framing_prefixes_and_resync() {
        let f = Framing::new();
        for end in 0..FRAME.len() {
            assert!(
                f.frame_len(&FRAME[..end]).unwrap().is_partial(),
                "prefix {end}"
            );
        }
        assert_eq!(f.frame_len(FRAME), Ok(Status::Complete(FRAME.len())));
        let mut noisy = b"xx".to_vec();
        noisy.extend_from_slice(FRAME);
        assert_eq!(f.frame_len(&noisy).unwrap_err().skip_len(), 2);
        // A restart inside a frame drops the broken part only.
        let mut restart = b":1103".to_vec();
        restart.extend_from_slice(FRAME);
        assert_eq!(f.frame_len(&restart).unwrap_err().skip_len(), 5);
        // A bad character skips to the next ':'.
        let mut bad = b":11G3".to_vec();
        bad.extend_from_slice(FRAME);
        assert_eq!(f.frame_len(&bad).unwrap_err().skip_len(), 5);
    }
}
