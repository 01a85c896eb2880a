//! tokio-util codecs for the stream framings (feature `tokio-util`): Modbus/TCP, RTU (serial
//! or RTU over TCP) and ASCII.
//!
//! The decoder yields each frame as `Bytes` cut from the read buffer without copying; decode it
//! with the framing's `Adu::parse`, which borrows from it. On RTU and ASCII a frame that fails
//! its check is yielded as `Err(FrameError)` after the bad bytes are dropped, so the stream goes
//! on with the next good frame (tokio-util's advice for recoverable errors); on TCP a bad MBAP
//! header ends the stream with [`CodecError::Protocol`].

use bytes::{Bytes, BytesMut};
use m2m_core::{CodecError, Framing, Status};
use tokio_util::codec::{Decoder, Encoder};

use crate::error::{Error, FrameError};
use crate::pdu::Pdu;
use crate::{ascii, rtu, tcp};

/// One codec for each stream framing: `Codec<tcp::Framing>`, `Codec<rtu::Framing>`,
/// `Codec<ascii::Framing>`.
#[derive(Debug, Clone, Copy)]
pub struct Codec<F> {
    /// The framing.
    pub framing: F,
}

impl<F> Codec<F> {
    /// A codec over `framing`.
    pub const fn new(framing: F) -> Self {
        Codec { framing }
    }
}

/// A Modbus/TCP codec (strict).
pub const fn tcp() -> Codec<tcp::Framing> {
    Codec::new(tcp::Framing::new())
}

/// An RTU codec for a client (reads responses).
pub const fn rtu_client() -> Codec<rtu::Framing> {
    Codec::new(rtu::Framing::responses())
}

/// An RTU codec for a server (reads requests).
pub const fn rtu_server() -> Codec<rtu::Framing> {
    Codec::new(rtu::Framing::requests())
}

/// An ASCII codec that frames by `:` and CR LF alone.
pub const fn ascii() -> Codec<ascii::Framing> {
    Codec::new(ascii::Framing::new())
}

/// An ASCII codec for a client (reads responses; reserves what their layout says is missing).
pub const fn ascii_client() -> Codec<ascii::Framing> {
    Codec::new(ascii::Framing::responses())
}

/// An ASCII codec for a server (reads requests).
pub const fn ascii_server() -> Codec<ascii::Framing> {
    Codec::new(ascii::Framing::requests())
}

/// What the codec adds to a framing: what to do with bytes left when the stream ends, and the
/// check of a frame the framing cuts without verifying.
pub trait AtEof {
    /// `true` for framings that resynchronise (serial lines): the undecided bytes are dropped
    /// one at a time as noise, so later frames are still found. `false` (TCP): they are a
    /// truncated frame, an error.
    const RESYNC: bool;

    /// Checks a whole frame cut by the framing; an error makes it an `Err` item. The RTU
    /// framing has checked the CRC already and TCP has no check: `Ok`. ASCII checks its hex
    /// digits and LRC here.
    fn verify(frame: &[u8]) -> Result<(), Error> {
        let _ = frame;
        Ok(())
    }
}

impl AtEof for tcp::Framing {
    const RESYNC: bool = false;
}

impl AtEof for rtu::Framing {
    const RESYNC: bool = true;
}

impl AtEof for ascii::Framing {
    const RESYNC: bool = true;

    fn verify(frame: &[u8]) -> Result<(), Error> {
        let mut scratch: ascii::Scratch = [0; 255];
        ascii::unhex(frame, &mut scratch).map(|_| ())
    }
}

impl<F: Framing<Error = FrameError> + AtEof> Decoder for Codec<F> {
    type Item = Result<Bytes, FrameError>;
    type Error = CodecError<FrameError>;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        if src.is_empty() {
            return Ok(None);
        }
        match self.framing.frame_len(src) {
            Ok(Status::Complete(n)) if n <= src.len() => {
                let frame = src.split_to(n).freeze();
                Ok(Some(match F::verify(&frame) {
                    Ok(()) => Ok(frame),
                    Err(e) => Err(FrameError::skip_by(e, n)),
                }))
            }
            Ok(Status::Complete(_)) | Ok(Status::Partial(_)) => {
                if let Ok(Status::Partial(needed)) = self.framing.frame_len(src) {
                    src.reserve(needed.size().unwrap_or(1));
                }
                Ok(None)
            }
            Err(e) => match e.skip_len() {
                0 => Err(CodecError::Protocol(e)),
                n => {
                    let _ = src.split_to(n.min(src.len()));
                    Ok(Some(Err(e)))
                }
            },
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        if let Some(item) = self.decode(src)? {
            return Ok(Some(item));
        }
        if src.is_empty() {
            return Ok(None);
        }
        // The stream ended inside what could still have been a frame.
        let error = Error::Truncated {
            offset: src.len(),
            needed: match self.framing.frame_len(src) {
                Ok(Status::Partial(n)) => n.size().unwrap_or(1),
                _ => 1,
            },
        };
        if F::RESYNC {
            let _ = src.split_to(1);
            Ok(Some(Err(FrameError::skip_by(error, 1))))
        } else {
            Err(CodecError::Protocol(FrameError::fatal(error)))
        }
    }
}

/// An ADU that the codecs can write: Modbus/TCP, RTU and ASCII ADUs of requests and responses.
pub trait EncodeAdu {
    /// Bytes it takes.
    fn adu_len(&self) -> usize;
    /// Writes it.
    fn encode_adu(&self, out: &mut [u8]) -> Result<usize, Error>;
}

macro_rules! encode_adu {
    ($($m:ident),*) => {$(
        impl<'a, P: Pdu<'a>> EncodeAdu for $m::Adu<P> {
            fn adu_len(&self) -> usize {
                self.buffer_len()
            }
            fn encode_adu(&self, out: &mut [u8]) -> Result<usize, Error> {
                self.encode(out)
            }
        }
    )*};
}

encode_adu!(tcp, rtu, ascii);

impl<F, A: EncodeAdu> Encoder<&A> for Codec<F> {
    type Error = CodecError<Error>;

    fn encode(&mut self, item: &A, dst: &mut BytesMut) -> Result<(), Self::Error> {
        let start = dst.len();
        dst.resize(start.saturating_add(item.adu_len()), 0);
        let tail = dst.get_mut(start..).unwrap_or_default();
        match item.encode_adu(tail) {
            Ok(n) => {
                dst.truncate(start.saturating_add(n));
                Ok(())
            }
            Err(e) => {
                dst.truncate(start);
                Err(CodecError::Protocol(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Registers;
    use crate::pdu::{Request, Response};

    #[test]
    fn rtu_stream_survives_a_corrupt_frame() {
        let values = [1u16, 2, 3];
        let good = rtu::Adu {
            address: 1,
            pdu: Response::ReadHoldingRegisters {
                registers: Registers::from(&values),
            },
        };
        let mut codec = rtu_client();
        let mut wire = BytesMut::new();
        codec.encode(&good, &mut wire).unwrap();
        let frame_len = wire.len();
        let mut corrupt = wire.clone();
        corrupt[4] ^= 0xff;
        let mut src = BytesMut::new();
        src.extend_from_slice(&corrupt);
        src.extend_from_slice(&wire);

        let mut frames = 0;
        let mut errors = 0;
        while let Some(item) = codec.decode(&mut src).unwrap() {
            match item {
                Ok(bytes) => {
                    let adu = rtu::Adu::<Response<'_>>::parse(&bytes).unwrap();
                    assert_eq!(adu, good);
                    frames += 1;
                }
                Err(e) => {
                    assert!(e.skip_len() >= 1);
                    errors += 1;
                }
            }
        }
        assert_eq!(frames, 1);
        assert!(errors >= 1 && errors <= frame_len);
        assert!(src.is_empty());
    }

    #[test]
    fn ascii_frames_with_a_bad_lrc_or_bad_hex_are_error_items() {
        let mut codec = ascii();
        let mut src = BytesMut::new();
        // Bad LRC (7F for 7E), an odd number of digits, then the good frame.
        src.extend_from_slice(b":1103006B00037F\r\n:1103006B00037\r\n:1103006B00037E\r\n");
        let first = codec.decode(&mut src).unwrap().unwrap().unwrap_err();
        assert_eq!(
            first.error,
            Error::Lrc {
                found: 0x7f,
                computed: 0x7e
            }
        );
        assert_eq!(first.skip_len(), 17);
        let second = codec.decode(&mut src).unwrap().unwrap().unwrap_err();
        assert!(matches!(second.error, Error::Ascii { .. }), "{second:?}");
        let good = codec.decode(&mut src).unwrap().unwrap().unwrap();
        let mut scratch = [0u8; 255];
        let adu = ascii::Adu::<Request<'_>>::parse(&good, &mut scratch).unwrap();
        assert_eq!(adu.address, 0x11);
        assert!(src.is_empty());
        assert!(codec.decode(&mut src).unwrap().is_none());
    }

    #[test]
    fn tcp_waits_for_the_rest_and_fails_out_of_step() {
        let req = tcp::Adu {
            transaction_id: 7,
            unit_id: 1,
            pdu: Request::ReadCoils {
                address: 0,
                quantity: 8,
            },
        };
        let mut codec = tcp();
        let mut wire = BytesMut::new();
        codec.encode(&req, &mut wire).unwrap();
        let mut src = BytesMut::from(&wire[..5]);
        assert!(codec.decode(&mut src).unwrap().is_none());
        src.extend_from_slice(&wire[5..]);
        let frame = codec.decode(&mut src).unwrap().unwrap().unwrap();
        assert_eq!(tcp::Adu::<Request<'_>>::parse(&frame).unwrap(), req);
        let mut bad = BytesMut::from(&[0u8, 1, 0, 9, 0, 6][..]);
        assert!(matches!(
            codec.decode(&mut bad),
            Err(CodecError::Protocol(_))
        ));
    }

    #[test]
    fn encoding_checks_limits_and_leaves_the_buffer_clean() {
        let bad = tcp::Adu {
            transaction_id: 1,
            unit_id: 1,
            pdu: Request::ReadHoldingRegisters {
                address: 0,
                quantity: 0,
            },
        };
        let mut dst = BytesMut::from(&b"xy"[..]);
        assert!(tcp().encode(&bad, &mut dst).is_err());
        assert_eq!(&dst[..], b"xy");
    }

    #[test]
    fn end_of_stream_is_noise_on_serial_lines_and_truncation_on_tcp() {
        let mut tcp_codec = tcp();
        let mut half = BytesMut::from(&[0u8, 1, 0, 0, 0, 6, 1, 3][..]);
        assert!(matches!(
            tcp_codec.decode_eof(&mut half),
            Err(CodecError::Protocol(e)) if matches!(e.error, Error::Truncated { .. })
        ));
        // RTU: a lone address byte at the end is dropped as noise, then the stream is done.
        let mut rtu_codec = rtu_server();
        let mut tail = BytesMut::from(&[0x11u8][..]);
        assert!(matches!(rtu_codec.decode_eof(&mut tail), Ok(Some(Err(_)))));
        assert!(matches!(rtu_codec.decode_eof(&mut tail), Ok(None)));
    }
}
