//! Modbus/TCP: the MBAP header and its stream framing (Modbus Messaging on TCP/IP
//! Implementation Guide V1.0b §3.1.3). The same ADU is one UDP datagram ([`crate::udp`]).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Needed, Reader, Status, Writer};

use crate::error::{Error, FrameError};
use crate::pdu::{Config, Pdu, limits::MAX_PDU};

/// Bytes of the MBAP header: transaction id, protocol id, length, unit id.
pub const HEADER_LEN: usize = 7;
/// Largest ADU: 7 header bytes and a 253-byte PDU.
pub const MAX_ADU: usize = HEADER_LEN + MAX_PDU;
/// Smallest and largest value of the MBAP length field (unit id + PDU of 1..=253 bytes).
pub const LENGTH_RANGE: (u16, u16) = (2, 254);

/// A Modbus/TCP ADU: MBAP header fields and a PDU (Implementation Guide §3.1.3).
///
/// Panic contract: nothing here panics, whatever the input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(all(feature = "serde", feature = "alloc"), derive(serde::Deserialize))]
pub struct Adu<P> {
    /// Transaction identifier, echoed by the server.
    pub transaction_id: u16,
    /// Unit identifier (the serial address behind a gateway; 0xFF when unused).
    pub unit_id: u8,
    /// The PDU.
    pub pdu: P,
}

/// The MBAP fields (Implementation Guide §3.1.3) of a buffer that holds at least [`HEADER_LEN`]
/// bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Header {
    /// Transaction identifier.
    pub transaction_id: u16,
    /// Protocol identifier (0 for Modbus).
    pub protocol_id: u16,
    /// Bytes that follow the length field (unit id and PDU).
    pub length: u16,
    /// Unit identifier.
    pub unit_id: u8,
}

impl Header {
    /// Reads the header fields.
    #[inline]
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        match buf.first_chunk::<HEADER_LEN>() {
            Some(&[t0, t1, p0, p1, l0, l1, unit_id]) => Ok(Header {
                transaction_id: u16::from_be_bytes([t0, t1]),
                protocol_id: u16::from_be_bytes([p0, p1]),
                length: u16::from_be_bytes([l0, l1]),
                unit_id,
            }),
            None => Err(Error::Truncated {
                offset: buf.len(),
                needed: HEADER_LEN.saturating_sub(buf.len()),
            }),
        }
    }
}

/// Checks the MBAP length field against 2..=254; `actual` is how many bytes follow it (in the
/// buffer so far, for a stream), for the error.
fn check_length(length: u16, actual: usize) -> Result<(), Error> {
    if (LENGTH_RANGE.0..=LENGTH_RANGE.1).contains(&length) {
        Ok(())
    } else {
        Err(Error::MbapLength {
            value: length,
            actual,
        })
    }
}

fn is_exception(buf: &[u8]) -> bool {
    buf.get(HEADER_LEN).is_some_and(|fc| fc & 0x80 != 0)
}

impl<'a, P: Pdu<'a>> Adu<P> {
    /// Decodes one whole ADU (a frame cut by [`Framing`], or one UDP datagram), strictly.
    #[inline(always)]
    pub fn parse(frame: &'a [u8]) -> Result<Self, Error> {
        Self::parse_with(frame, &Config::STRICT)
    }

    /// Decodes one whole ADU with the given strictness.
    #[inline(always)]
    pub fn parse_with(frame: &'a [u8], config: &Config) -> Result<Self, Error> {
        let h = Header::parse(frame)?;
        // The usual case: protocol 0, a length that is exactly the rest of the frame, and one of
        // the PDU layouts `parse_fast` knows (all of them at most 253 bytes, so the length is
        // within 2..=254 without a check of its own).
        if h.protocol_id == 0 && usize::from(h.length) == frame.len().saturating_sub(6) {
            let pdu = frame.get(HEADER_LEN..).unwrap_or_default();
            if let Some(pdu) = P::parse_fast(pdu) {
                return Ok(Adu {
                    transaction_id: h.transaction_id,
                    unit_id: h.unit_id,
                    pdu,
                });
            }
        }
        Self::parse_unusual(frame, h, config)
    }

    /// Everything but the fast path: errors, lenient quirks, and the less common PDUs.
    #[inline(never)]
    fn parse_unusual(frame: &'a [u8], h: Header, config: &Config) -> Result<Self, Error> {
        if h.protocol_id != 0 {
            return Err(Error::ProtocolId {
                value: h.protocol_id,
            });
        }
        let pdu = frame.get(HEADER_LEN..).unwrap_or_default();
        let actual = pdu.len().saturating_add(1);
        let lenient_exception = config.allow_exception_mbap_length && is_exception(frame);
        if usize::from(h.length) != actual && !lenient_exception {
            let trailing_ok = config.allow_trailing_bytes && usize::from(h.length) < actual;
            if !trailing_ok {
                return Err(Error::MbapLength {
                    value: h.length,
                    actual,
                });
            }
        }
        check_length(h.length, actual)
            .or_else(|e| if lenient_exception { Ok(()) } else { Err(e) })?;
        let pdu_len = if lenient_exception {
            pdu.len()
        } else {
            usize::from(h.length).saturating_sub(1).min(pdu.len())
        };
        let pdu = pdu.get(..pdu_len).unwrap_or_default();
        let pdu = P::parse_with(pdu, config)
            .map_err(|e| crate::list::in_frame(crate::list::shift(e, HEADER_LEN)))?;
        Ok(Adu {
            transaction_id: h.transaction_id,
            unit_id: h.unit_id,
            pdu,
        })
    }

    /// Bytes the encoded ADU takes.
    pub fn buffer_len(&self) -> usize {
        self.pdu.buffer_len().saturating_add(HEADER_LEN)
    }

    /// Checks the PDU's limits and writes the ADU at the start of `out`.
    #[inline(always)]
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, Error> {
        if let Some((head, body)) = out.split_first_chunk_mut::<HEADER_LEN>() {
            if let Some(n) = self.pdu.encode_fast(body) {
                if let Ok(length) = u16::try_from(n.saturating_add(1)) {
                    let [t0, t1] = self.transaction_id.to_be_bytes();
                    let [l0, l1] = length.to_be_bytes();
                    *head = [t0, t1, 0, 0, l0, l1, self.unit_id];
                    return Ok(n.saturating_add(HEADER_LEN));
                }
            }
        }
        self.encode_general(out)
    }

    #[inline(never)]
    pub(crate) fn encode_general(&self, out: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::new(out);
        w.u16_be(self.transaction_id)?;
        w.u16_be(0)?;
        w.u16_be(0)?; // length, patched below
        w.u8(self.unit_id)?;
        let room = w.remaining();
        let n = self.pdu.encode(w.slot(room)?)?;
        let length =
            u16::try_from(n.saturating_add(1)).map_err(|_| Error::PduTooLong { len: n })?;
        w.patch(4, &length.to_be_bytes())?;
        Ok(HEADER_LEN.saturating_add(n))
    }

    /// The ADU encoded into a new `Vec`.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> Result<alloc::vec::Vec<u8>, Error> {
        crate::encode_to_vec(self.buffer_len(), |out| self.encode(out))
    }
}

/// Frames Modbus/TCP ADUs on a byte stream by their MBAP length (either direction).
///
/// The protocol id and the length field are checked as soon as they arrive, before anything is
/// buffered for them; a bad header is a [`FrameError`] with no skip, since a TCP stream that is
/// out of step cannot be trusted again (close the connection).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Framing {
    /// Strictness; `allow_exception_mbap_length` frames exceptions as 9 bytes.
    pub config: Config,
}

impl Framing {
    /// A strict framing.
    #[must_use]
    pub const fn new() -> Self {
        Framing {
            config: Config::STRICT,
        }
    }

    /// A framing with the given strictness.
    #[must_use]
    pub const fn with_config(config: Config) -> Self {
        Framing { config }
    }
}

impl m2m_core::Framing for Framing {
    type Error = FrameError;

    fn frame_len(&self, buf: &[u8]) -> Result<Status<usize>, FrameError> {
        // Fields are checked as soon as their bytes are in: protocol id at 2..4, length at 4..6.
        let mut r = Reader::new(buf);
        let protocol_id = r.skip(2).and_then(|()| r.u16_be());
        if let Ok(value) = protocol_id {
            if value != 0 {
                return Err(FrameError::fatal(Error::ProtocolId { value }));
            }
        }
        let Ok(length) = r.u16_be() else {
            return Ok(Status::Partial(Needed::new(
                HEADER_LEN.saturating_sub(buf.len()),
            )));
        };
        if self.config.allow_exception_mbap_length {
            // An exception is 9 bytes whatever its length field says, and whether this is one
            // shows only at the function byte: until then, no verdict on the length.
            let exception = HEADER_LEN.saturating_add(2);
            let total = match buf.get(HEADER_LEN) {
                Some(fc) if fc & 0x80 != 0 => exception,
                Some(_) => 0,
                None => match check_length(length, buf.len().saturating_sub(6)) {
                    Ok(()) => usize::from(length).saturating_add(6).min(exception),
                    Err(_) => exception,
                },
            };
            if total != 0 {
                return Ok(if buf.len() >= total {
                    Status::Complete(total)
                } else {
                    Status::Partial(Needed::new(total.saturating_sub(buf.len())))
                });
            }
        }
        check_length(length, buf.len().saturating_sub(6)).map_err(FrameError::fatal)?;
        let total = usize::from(length).saturating_add(6);
        Ok(if buf.len() >= total {
            Status::Complete(total)
        } else {
            Status::Partial(Needed::new(total.saturating_sub(buf.len())))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::{Request, Response};
    use m2m_core::Framing as _;

    // Implementation Guide-style frame of the Application Protocol §6.3 example, unit 0x11.
    static REQ: [u8; 12] = [
        0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x11, 0x03, 0x00, 0x6b, 0x00, 0x03,
    ];

    #[test]
    fn parse_and_encode() {
        let adu = Adu::<Request<'_>>::parse(&REQ).unwrap();
        assert_eq!(adu.transaction_id, 1);
        assert_eq!(adu.unit_id, 0x11);
        assert_eq!(
            adu.pdu,
            Request::ReadHoldingRegisters {
                address: 0x6b,
                quantity: 3
            }
        );
        let mut out = [0u8; 12];
        assert_eq!(adu.encode(&mut out), Ok(12));
        assert_eq!(out, REQ);
        assert_eq!(adu.buffer_len(), 12);
    }

    #[test]
    fn length_must_match() {
        let mut bad = REQ;
        bad[5] = 7;
        assert!(matches!(
            Adu::<Request<'_>>::parse(&bad),
            Err(Error::MbapLength {
                value: 7,
                actual: 6
            })
        ));
        let mut pid = REQ;
        pid[3] = 1;
        assert!(matches!(
            Adu::<Request<'_>>::parse(&pid),
            Err(Error::ProtocolId { value: 1 })
        ));
    }

    #[test]
    fn framing() {
        let f = Framing::new();
        assert_eq!(f.frame_len(&REQ[..3]), Ok(Status::Partial(Needed::new(4))));
        assert_eq!(f.frame_len(&REQ[..6]), Ok(Status::Partial(Needed::new(6))));
        assert_eq!(f.frame_len(&REQ), Ok(Status::Complete(12)));
        // Length 0x0101 = 257 is refused before buffering anything for it.
        let e = f.frame_len(&[0, 1, 0, 0, 1, 1]).unwrap_err();
        assert!(matches!(e.error, Error::MbapLength { value: 257, .. }));
        assert_eq!(e.skip_len(), 0);
        // The message counts the bytes that follow the field, and names the range.
        assert_eq!(
            std::string::ToString::to_string(&e.error),
            "MBAP length 257 outside 2..=254 (a unit id and a PDU of 1 to 253 bytes; 0 bytes follow)"
        );
        let mut long = REQ;
        long[5] = 0xff;
        let e = Adu::<Request<'_>>::parse(&long).unwrap_err();
        assert_eq!(
            std::string::ToString::to_string(&e),
            "MBAP length 255 outside 2..=254 (a unit id and a PDU of 1 to 253 bytes; 6 bytes follow)"
        );
        let mut short = REQ;
        short[5] = 7;
        let e = Adu::<Request<'_>>::parse(&short).unwrap_err();
        assert_eq!(
            std::string::ToString::to_string(&e),
            "MBAP length 7 for 6 bytes of unit id and PDU"
        );
        assert!(f.frame_len(&[0, 1, 0, 7]).is_err());
    }

    #[test]
    fn core_decode_stream_drives_the_framing() {
        let mut buf = REQ.to_vec();
        buf.extend_from_slice(&REQ[..5]);
        let (adu, used) = m2m_core::decode_stream::<_, Adu<Request<'_>>>(&Framing::new(), &buf)
            .unwrap()
            .complete()
            .unwrap();
        assert_eq!((adu.unit_id, used), (0x11, 12));
        assert!(
            m2m_core::decode_stream::<_, Adu<Request<'_>>>(&Framing::new(), &buf[12..])
                .unwrap()
                .is_partial()
        );
    }

    #[test]
    fn lenient_exception_length() {
        // Exception with a stale MBAP length of 6.
        let frame = [0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x01, 0x83, 0x02];
        assert!(Adu::<Response<'_>>::parse(&frame).is_err());
        let cfg = Config::LENIENT;
        let f = Framing::with_config(cfg);
        assert_eq!(f.frame_len(&frame), Ok(Status::Complete(9)));
        let adu = Adu::<Response<'_>>::parse_with(&frame, &cfg).unwrap();
        assert!(adu.pdu.is_exception());
    }
}
