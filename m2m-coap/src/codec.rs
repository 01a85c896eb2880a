//! tokio-util codecs (feature `tokio-util`): CoAP over TCP/TLS (RFC 8323 §3) on a byte stream,
//! and one message per buffer for UDP datagrams (`UdpFramed`) and WebSocket binary messages
//! (RFC 8323 §4).
//!
//! Decoders yield each message as `Bytes` cut from the read buffer without copying; read it with
//! [`Message::parse_tcp`], [`Message::parse_udp`] or [`Message::parse_ws`], which borrow from it.
//! A message that frames but does not parse is an `Err` item and the stream goes on (its
//! boundaries are known); on TCP a frame header that cannot be read (a reserved token length, a
//! message over the size bound, checked before anything is buffered) ends the stream with
//! [`CodecError::Protocol`]: RFC 8323 §5.6 closes such a connection with an Abort.

use bytes::{Bytes, BytesMut};
use m2m_core::{CodecError, Framing as _, Status, encode_into_bytes};
use tokio_util::codec::{Decoder, Encoder};

use crate::builder::Builder;
use crate::error::{BuildError, Error, Transport};
use crate::message::{Config, Message};
use crate::tcp;

/// CoAP over TCP or TLS: length-prefixed frames on a byte stream.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpCodec {
    /// The framing, with its bound on a message's size.
    pub framing: tcp::Framing,
    /// How messages are checked.
    pub config: Config,
}

impl TcpCodec {
    /// A codec that refuses messages longer than `max` bytes (for example the Max-Message-Size
    /// this side announced in its CSM, RFC 8323 §5.3.1) before buffering them.
    #[must_use]
    pub fn with_max_message(max: usize) -> Self {
        TcpCodec {
            framing: tcp::Framing::with_max_message(max),
            config: Config::STRICT,
        }
    }
}

impl Decoder for TcpCodec {
    type Item = Result<Bytes, Error>;
    type Error = CodecError<Error>;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        if src.is_empty() {
            return Ok(None);
        }
        match self.framing.frame_len(src).map_err(CodecError::Protocol)? {
            Status::Complete(n) => {
                let frame = src.split_to(n.min(src.len())).freeze();
                Ok(Some(
                    Message::parse_tcp_with(&frame, &self.config).map(|_| frame.clone()),
                ))
            }
            Status::Partial(needed) => {
                src.reserve(needed.size().unwrap_or(1));
                Ok(None)
            }
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        match self.decode(src)? {
            Some(item) => Ok(Some(item)),
            None if src.is_empty() => Ok(None),
            None => Err(CodecError::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the stream ended inside a CoAP message",
            ))),
        }
    }
}

/// One message per buffer: a UDP datagram under `UdpFramed`, or the payload of a WebSocket
/// binary message.
#[derive(Debug, Clone, Copy)]
pub struct DatagramCodec {
    /// UDP or WebSocket.
    pub transport: Transport,
    /// How messages are checked.
    pub config: Config,
}

impl DatagramCodec {
    /// For UDP datagrams (RFC 7252).
    #[must_use]
    pub const fn udp() -> Self {
        DatagramCodec {
            transport: Transport::Udp,
            config: Config::STRICT,
        }
    }

    /// For WebSocket binary messages (RFC 8323 §4).
    #[must_use]
    pub const fn ws() -> Self {
        DatagramCodec {
            transport: Transport::WebSocket,
            config: Config::STRICT,
        }
    }
}

impl Decoder for DatagramCodec {
    type Item = Result<Bytes, Error>;
    type Error = CodecError<Error>;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        if src.is_empty() {
            return Ok(None);
        }
        let msg = src.split().freeze();
        Ok(Some(
            Message::parse(&msg, self.transport, &self.config).map(|_| msg.clone()),
        ))
    }
}

/// Errors of the encoders: the message could not be built, or the transport failed.
pub type EncodeError = CodecError<BuildError>;

fn put<const N: usize>(b: &Builder<'_, N>, dst: &mut BytesMut) -> Result<(), EncodeError> {
    b.check().map_err(CodecError::Protocol)?;
    encode_into_bytes(b, dst)
        .map(|_| ())
        .map_err(|e| CodecError::Protocol(BuildError::Buffer(e)))
}

impl<const N: usize> Encoder<&Builder<'_, N>> for TcpCodec {
    type Error = EncodeError;

    fn encode(&mut self, b: &Builder<'_, N>, dst: &mut BytesMut) -> Result<(), EncodeError> {
        put(b, dst)
    }
}

impl<const N: usize> Encoder<&Builder<'_, N>> for DatagramCodec {
    type Error = EncodeError;

    fn encode(&mut self, b: &Builder<'_, N>, dst: &mut BytesMut) -> Result<(), EncodeError> {
        put(b, dst)
    }
}

/// Bytes already encoded (a message relayed as received) go out unchanged.
impl Encoder<Bytes> for TcpCodec {
    type Error = EncodeError;

    fn encode(&mut self, msg: Bytes, dst: &mut BytesMut) -> Result<(), EncodeError> {
        dst.extend_from_slice(&msg);
        Ok(())
    }
}

/// Bytes already encoded go out unchanged.
impl Encoder<Bytes> for DatagramCodec {
    type Error = EncodeError;

    fn encode(&mut self, msg: Bytes, dst: &mut BytesMut) -> Result<(), EncodeError> {
        dst.extend_from_slice(&msg);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Code, OptionNumber, Type};

    #[test]
    fn tcp_stream_in_pieces() {
        let mut b = Builder::<4>::tcp(Code::GET);
        b.token(&[7]);
        b.path("sensors/temp").unwrap();
        let mut codec = TcpCodec::default();
        let mut wire = BytesMut::new();
        codec.encode(&b, &mut wire).unwrap();
        codec
            .encode(Bytes::from_static(&[0x00, 0xe2]), &mut wire)
            .unwrap(); // Ping
        let all = wire.clone().freeze();
        let mut src = BytesMut::new();
        let mut got = std::vec::Vec::new();
        for byte in all.iter() {
            src.extend_from_slice(&[*byte]);
            while let Some(item) = codec.decode(&mut src).unwrap() {
                got.push(item.unwrap());
            }
        }
        assert_eq!(got.len(), 2);
        let m = Message::parse_tcp(&got[0]).unwrap();
        assert!(m.uri_path().eq(["sensors", "temp"]));
        assert_eq!(Message::parse_tcp(&got[1]).unwrap().code(), Code::PING);
        assert!(codec.decode_eof(&mut src).unwrap().is_none());
    }

    #[test]
    fn tcp_errors() {
        // A frame that frames but does not parse is an item; the next one still comes.
        let mut codec = TcpCodec::default();
        let mut src = BytesMut::from(&[0x10, 0x01, 0xff, 0x00, 0xe2][..]);
        assert!(codec.decode(&mut src).unwrap().unwrap().is_err());
        assert!(codec.decode(&mut src).unwrap().unwrap().is_ok());
        // A message over the bound ends the stream before it is buffered.
        let mut small = TcpCodec::with_max_message(16);
        let mut src = BytesMut::from(&[0xe0, 0x10, 0x00][..]);
        assert!(matches!(
            small.decode(&mut src),
            Err(CodecError::Protocol(_))
        ));
        // A stream that ends inside a message.
        let mut src = BytesMut::from(&[0x30, 0x01][..]);
        assert!(codec.decode(&mut src).unwrap().is_none());
        assert!(matches!(codec.decode_eof(&mut src), Err(CodecError::Io(_))));
    }

    #[test]
    fn datagrams() {
        let mut codec = DatagramCodec::udp();
        let mut b = Builder::<4>::udp(Type::Confirmable, Code::GET, 0x1234);
        b.str(OptionNumber::URI_PATH, "x").unwrap();
        let mut dst = BytesMut::new();
        codec.encode(&b, &mut dst).unwrap();
        let item = codec.decode(&mut dst).unwrap().unwrap().unwrap();
        assert_eq!(
            Message::parse_udp(&item).unwrap().message_id(),
            Some(0x1234)
        );
        let mut bad = BytesMut::from(&[0x40, 0x01, 0x00][..]);
        assert!(codec.decode(&mut bad).unwrap().unwrap().is_err());
        assert!(bad.is_empty());
        let mut ws = DatagramCodec::ws();
        let mut b = Builder::<4>::ws(Code::CSM);
        b.uint(crate::option::number::signaling::MAX_MESSAGE_SIZE, 1152)
            .unwrap();
        let mut dst = BytesMut::new();
        ws.encode(&b, &mut dst).unwrap();
        let item = ws.decode(&mut dst).unwrap().unwrap().unwrap();
        assert_eq!(
            Message::parse_ws(&item).unwrap().max_message_size(),
            Some(1152)
        );
        // A message that breaks the rules is refused: an Empty message with a token.
        let mut b = Builder::<4>::udp(Type::Confirmable, Code::EMPTY, 1);
        b.token(&[1]);
        assert!(matches!(
            codec.encode(&b, &mut BytesMut::new()),
            Err(CodecError::Protocol(BuildError::EmptyNotEmpty))
        ));
    }
}
