//! The signaling of CoAP over TCP, TLS and WebSocket (RFC 8323 §5): Capabilities and Settings
//! Messages, Ping and Pong, Release and Abort, kept as a small state per connection.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::builder::Builder;
use crate::code::Code;
use crate::error::{BuildError, Transport};
use crate::message::Message;
use crate::option::number::signaling as opt;

/// The base value of Max-Message-Size before a CSM says otherwise (RFC 8323 §5.3.1).
pub const DEFAULT_MAX_MESSAGE_SIZE: u32 = 1152;

/// What a received message asks of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Signal {
    /// Not a signaling message: a request or a response for the application.
    Message,
    /// An Empty message (0.00): always allowed, and ignored (RFC 8323 §3.4, §4.4).
    Empty,
    /// A CSM, taken into the session (RFC 8323 §5.3).
    Settings,
    /// A Ping: answer with [`Session::pong`] (§5.4).
    Ping,
    /// A Pong to a Ping of ours.
    Pong,
    /// The peer wants to close; it may name a time (seconds) before it accepts connections
    /// again (§5.5).
    Release {
        /// Hold-Off, in seconds.
        hold_off: Option<u32>,
    },
    /// The peer aborts the connection (§5.6).
    Abort {
        /// The CSM option it could not process.
        bad_csm_option: Option<u32>,
    },
    /// The peer broke the signaling rules (no CSM first, an unprocessable critical option in a
    /// CSM, an unknown signaling code): send [`Session::abort`] and close.
    Violation(Violation),
}

/// How the peer broke the signaling rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Violation {
    /// Its first message was not a CSM (§5.3).
    NoCsm,
    /// A critical option of a CSM that cannot be processed; its number (named in the Abort's
    /// Bad-CSM-Option, §5.6).
    BadCsmOption(u16),
    /// A critical option of another signaling message that cannot be processed; its number.
    BadOption(u16),
    /// A signaling code other than 7.01-7.05.
    UnknownCode(Code),
}

/// What this side knows of the peer, from its CSM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Session {
    /// The largest message the peer accepts.
    pub peer_max_message_size: u32,
    /// The peer does block-wise transfers with BERT: its CSMs carried Block-Wise-Transfer and a
    /// Max-Message-Size above 1152 (RFC 8323 §5.3.2; either may come in a later CSM, and a
    /// later Max-Message-Size of 1152 or less ends it).
    pub peer_bert: bool,
    /// The peer's CSM carried Block-Wise-Transfer.
    pub peer_block_wise: bool,
    /// The longest token the peer accepts (RFC 8974 §2.2.1; 8 without the option).
    pub peer_max_token_len: u32,
    /// A CSM arrived.
    pub peer_csm: bool,
    /// Release or Abort was received or sent.
    pub closing: bool,
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

impl Session {
    /// A new connection: nothing known of the peer yet.
    #[must_use]
    pub const fn new() -> Self {
        Session {
            peer_max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            peer_bert: false,
            peer_block_wise: false,
            peer_max_token_len: 8,
            peer_csm: false,
            closing: false,
        }
    }

    /// Takes a received message: signaling is handled here, anything else is
    /// [`Signal::Message`].
    pub fn on_message(&mut self, msg: &Message<'_>) -> Signal {
        if msg.code().is_empty() {
            return Signal::Empty;
        }
        if !self.peer_csm && msg.code() != Code::CSM {
            return Signal::Violation(Violation::NoCsm);
        }
        if !msg.code().is_signaling() {
            return Signal::Message;
        }
        if let Some(bad) = msg.bad_option().filter(|b| b.is_critical()) {
            return Signal::Violation(if msg.code() == Code::CSM {
                Violation::BadCsmOption(bad.number)
            } else {
                Violation::BadOption(bad.number)
            });
        }
        match msg.code() {
            Code::CSM => {
                self.peer_csm = true;
                if let Some(max) = msg.max_message_size() {
                    self.peer_max_message_size = max;
                }
                if msg.block_wise_transfer() {
                    self.peer_block_wise = true;
                }
                self.peer_bert = self.peer_block_wise && self.peer_max_message_size > 1152;
                if let Some(t) = msg.uint(opt::EXTENDED_TOKEN_LENGTH) {
                    self.peer_max_token_len = t.clamp(8, 65804);
                }
                Signal::Settings
            }
            Code::PING => Signal::Ping,
            Code::PONG => Signal::Pong,
            Code::RELEASE => {
                self.closing = true;
                Signal::Release {
                    hold_off: msg.uint(opt::HOLD_OFF),
                }
            }
            Code::ABORT => {
                self.closing = true;
                Signal::Abort {
                    bad_csm_option: msg.uint(opt::BAD_CSM_OPTION),
                }
            }
            other => Signal::Violation(Violation::UnknownCode(other)),
        }
    }

    /// This side's CSM (the first message it sends): the largest message it takes, and
    /// Block-Wise-Transfer if `bert`, which announces BERT when `max_message_size` is above 1152
    /// (at or below it, block-wise transfer only: RFC 8323 §5.3.2).
    pub fn csm<'a>(&self, max_message_size: u32, bert: bool) -> Result<Builder<'a, 2>, BuildError> {
        self.csm_for(Transport::Tcp, max_message_size, bert)
    }

    /// [`Session::csm`] for TCP or WebSocket.
    pub fn csm_for<'a>(
        &self,
        transport: Transport,
        max_message_size: u32,
        bert: bool,
    ) -> Result<Builder<'a, 2>, BuildError> {
        let mut b =
            Builder::for_transport(transport, crate::code::Type::NonConfirmable, Code::CSM, 0);
        b.uint(opt::MAX_MESSAGE_SIZE, max_message_size)?;
        if bert {
            b.empty(opt::BLOCK_WISE_TRANSFER)?;
        }
        Ok(b)
    }

    /// The Pong that answers `ping`, over the ping's transport: same token, and Custody when
    /// the Ping has it (§5.4, §5.4.1): Custody says every request before the Ping is answered,
    /// so call this when it is (the [`Connection`](crate::endpoint::stream::Connection) does,
    /// and leaves Custody out while the application owes an answer).
    #[must_use]
    pub fn pong<'a>(&self, ping: &Message<'a>) -> Builder<'a, 1> {
        let mut b = Builder::for_transport(
            ping.transport(),
            crate::code::Type::NonConfirmable,
            Code::PONG,
            0,
        );
        b.token(ping.token());
        if ping.option(opt::CUSTODY).is_some() {
            // The first option of an empty builder always fits.
            let _ = b.empty(opt::CUSTODY);
        }
        b
    }

    /// An Abort over TCP; see [`Session::abort_for`].
    pub fn abort<'a>(
        &mut self,
        violation: Violation,
        diagnostic: &'a str,
    ) -> Result<Builder<'a, 1>, BuildError> {
        self.abort_for(Transport::Tcp, violation, diagnostic)
    }

    /// An Abort for TCP or WebSocket with a diagnostic payload, and the Bad-CSM-Option when a
    /// CSM option was the reason (§5.6); the connection is closing.
    pub fn abort_for<'a>(
        &mut self,
        transport: Transport,
        violation: Violation,
        diagnostic: &'a str,
    ) -> Result<Builder<'a, 1>, BuildError> {
        self.closing = true;
        let mut b =
            Builder::for_transport(transport, crate::code::Type::NonConfirmable, Code::ABORT, 0);
        if let Violation::BadCsmOption(n) = violation {
            b.uint(opt::BAD_CSM_OPTION, u32::from(n))?;
        }
        b.payload(diagnostic.as_bytes());
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use m2m_core::Encode;

    fn frame<const N: usize>(b: &Builder<'_, N>) -> std::vec::Vec<u8> {
        let mut out = std::vec![0u8; b.buffer_len()];
        b.encode(&mut out).unwrap();
        out
    }

    #[test]
    fn csm_first_then_ping_pong() {
        let mut s = Session::new();
        // An Empty message is always allowed and ignored, even before the CSM.
        assert_eq!(
            s.on_message(&Message::parse_tcp(&[0x00, 0x00]).unwrap()),
            Signal::Empty
        );
        let get = [0x00, 0x01];
        assert_eq!(
            s.on_message(&Message::parse_tcp(&get).unwrap()),
            Signal::Violation(Violation::NoCsm)
        );
        let csm = frame(&s.csm(8192, true).unwrap());
        assert_eq!(
            s.on_message(&Message::parse_tcp(&csm).unwrap()),
            Signal::Settings
        );
        assert_eq!((s.peer_max_message_size, s.peer_bert), (8192, true));
        // BERT needs a Max-Message-Size above 1152: a later CSM of 1152 ends it, and one of
        // 1153 brings it back (Block-Wise-Transfer holds from the first CSM).
        for (size, bert) in [(1152, false), (1153, true)] {
            let again = frame(&s.csm(size, false).unwrap());
            assert_eq!(
                s.on_message(&Message::parse_tcp(&again).unwrap()),
                Signal::Settings
            );
            assert_eq!((s.peer_max_message_size, s.peer_bert), (size, bert));
        }
        let mut t = Session::new();
        let small = frame(&t.csm(1152, true).unwrap());
        assert_eq!(
            t.on_message(&Message::parse_tcp(&small).unwrap()),
            Signal::Settings
        );
        assert_eq!((t.peer_block_wise, t.peer_bert), (true, false));
        assert_eq!(
            s.on_message(&Message::parse_tcp(&get).unwrap()),
            Signal::Message
        );
        let ping = [0x01, 0xe2, 0x42];
        let p = Message::parse_tcp(&ping).unwrap();
        assert_eq!(s.on_message(&p), Signal::Ping);
        assert_eq!(frame(&s.pong(&p)), [0x01, 0xe3, 0x42]);
    }

    #[test]
    fn release_abort_and_violations() {
        let mut s = Session::new();
        s.on_message(&Message::parse_tcp(&[0x00, 0xe1]).unwrap());
        // Release with Hold-Off 30 s (option 4, 1 byte).
        let rel = [0x20, 0xe4, 0x41, 30];
        assert_eq!(
            s.on_message(&Message::parse_tcp(&rel).unwrap()),
            Signal::Release { hold_off: Some(30) }
        );
        assert!(s.closing);
        // An unknown critical CSM option (3) is a violation; the Abort names it.
        let mut s = Session::new();
        let bad = [0x10, 0xe1, 0x30];
        let v = s.on_message(&Message::parse_tcp(&bad).unwrap());
        assert_eq!(v, Signal::Violation(Violation::BadCsmOption(3)));
        let Signal::Violation(v) = v else {
            unreachable!()
        };
        let abort = frame(&s.abort(v, "bad CSM option").unwrap());
        let m = Message::parse_tcp(&abort).unwrap();
        assert_eq!(m.code(), Code::ABORT);
        assert_eq!(m.uint(opt::BAD_CSM_OPTION), Some(3));
        assert_eq!(m.payload(), b"bad CSM option");
        let mut s2 = Session::new();
        s2.on_message(&Message::parse_tcp(&[0x00, 0xe1]).unwrap());
        assert_eq!(
            s2.on_message(&m),
            Signal::Abort {
                bad_csm_option: Some(3)
            }
        );
        let mut s3 = Session::new();
        s3.on_message(&Message::parse_tcp(&[0x00, 0xe1]).unwrap());
        assert_eq!(
            s3.on_message(&Message::parse_tcp(&[0x00, 0xe7]).unwrap()),
            Signal::Violation(Violation::UnknownCode(Code(0xe7)))
        );
    }

    #[test]
    fn over_websocket_the_length_is_the_frames() {
        // RFC 8323 §4.2: Len is 0 over WebSocket. An Abort whose options and payload take 16
        // bytes is `d0 03 e5 ...` over TCP and `00 e5 ...` over WebSocket.
        let mut s = Session::new();
        let v = Violation::NoCsm;
        let tcp = frame(&s.abort(v, "signaling error").unwrap());
        assert_eq!(&tcp[..3], [0xd0, 0x03, 0xe5]);
        let ws = frame(
            &s.abort_for(Transport::WebSocket, v, "signaling error")
                .unwrap(),
        );
        assert_eq!(&ws[..2], [0x00, 0xe5]);
        let m = Message::parse_ws(&ws).unwrap();
        assert_eq!(
            (m.code(), m.payload()),
            (Code::ABORT, &b"signaling error"[..])
        );
        // A Pong goes over the Ping's transport, its token after a zero Len.
        let ping = [0x08, 0xe2, 1, 2, 3, 4, 5, 6, 7, 8];
        let p = Message::parse_ws(&ping).unwrap();
        assert_eq!(frame(&s.pong(&p)), [0x08, 0xe3, 1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn a_pong_echoes_custody() {
        // RFC 8323 §5.4.1: a Pong to a Ping with Custody has Custody too.
        let s = Session::new();
        let ping = [0x10, 0xe2, 0x20];
        let p = Message::parse_tcp(&ping).unwrap();
        assert_eq!(frame(&s.pong(&p)), [0x10, 0xe3, 0x20]);
        let ws = Message::parse_ws(&[0x00, 0xe2, 0x20]).unwrap();
        assert_eq!(frame(&s.pong(&ws)), [0x00, 0xe3, 0x20]);
    }
}
