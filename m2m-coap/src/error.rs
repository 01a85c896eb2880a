//! The error vocabulary of m2m-coap: [`Error`] for a message that is not valid CoAP, with the
//! [`Reaction`] the RFCs prescribe, and [`BuildError`] for a message that cannot be built.

use m2m_core::{BufferTooSmall, ErrorKind, ProtocolError};

use crate::code::{Code, Type};

/// Why a message is not valid CoAP (a "message format error" of RFC 7252 §3 and §4, or of the
/// framing of RFC 8323 §3.2 and §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Reason {
    /// The message ends inside a field (a datagram shorter than its header, a token, an option
    /// header or an option value that runs past the end).
    #[error("message ends {needed} bytes too early")]
    Truncated {
        /// How many more bytes the field needed.
        needed: usize,
    },
    /// A version other than 1 (RFC 7252 §3: such a message is silently ignored).
    #[error("version {0} (CoAP is 1)")]
    Version(u8),
    /// A token length nibble of 15, or of 9-14 when extended tokens are off (RFC 7252 §3,
    /// RFC 8974 §2.1).
    #[error("token length nibble {0}")]
    TokenLength(u8),
    /// An option delta nibble of 15 in a byte that is not the payload marker (RFC 7252 §3.1).
    #[error("option delta nibble 15 outside the payload marker")]
    OptionDelta,
    /// An option length nibble of 15 (RFC 7252 §3.1).
    #[error("option length nibble 15")]
    OptionLength,
    /// An option number past 65535.
    #[error("option number past 65535")]
    OptionNumber,
    /// A payload marker with no payload after it (RFC 7252 §3).
    #[error("payload marker with an empty payload")]
    EmptyPayload,
    /// An Empty message (0.00) with a token, an option or a payload (RFC 7252 §4.1).
    #[error("Empty message (0.00) with a token, options or a payload")]
    EmptyNotEmpty,
    /// A code that the type cannot carry: a request in an ACK, a non-Empty RST, an Empty NON
    /// (RFC 7252 §4.2, §4.3), a signaling code over UDP or a UDP-only use over TCP.
    #[error("code {code:?} in a {ty} message")]
    TypeCode {
        /// The message type (over TCP/WebSocket, reported as NON).
        ty: Type,
        /// The code.
        code: Code,
    },
    /// A code of a reserved class (1, 3, 6; and 7 over UDP).
    #[error("code {0:?} of a reserved class")]
    ReservedClass(Code),
    /// A TCP frame whose length field does not match the bytes given (RFC 8323 §3.2).
    #[error("frame length field says {declared} bytes, {actual} given")]
    FrameLength {
        /// Options and payload bytes the length field gives.
        declared: usize,
        /// What was there.
        actual: usize,
    },
    /// A WebSocket message whose Len nibble is not 0 (RFC 8323 §4.2: the WebSocket frame
    /// carries the length, and Len is set to 0).
    #[error("WebSocket Len nibble is {0}, must be 0")]
    WsLengthNibble(u8),
    /// A message longer than the configured maximum (RFC 8323 §5.3.1 Max-Message-Size).
    #[error("message of {len} bytes, more than the {max} allowed")]
    TooLong {
        /// Its length, or the length its header announces.
        len: usize,
        /// The configured bound.
        max: usize,
    },
}

/// The transport a message came over, which decides how a broken one is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Transport {
    /// RFC 7252: a 4-byte header with type and message id, one message per datagram.
    Udp,
    /// RFC 8323 §3: a length-prefixed frame on a TCP or TLS stream.
    Tcp,
    /// RFC 8323 §4: one message per WebSocket binary frame, length nibble 0.
    WebSocket,
}

/// What the recipient of a message does with it, as RFC 7252 §4.2, §4.3, §5.4.1 and
/// RFC 8323 §5.6 prescribe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Reaction {
    /// Drop the message without an answer (an unknown version; a broken ACK, RST or NON).
    Ignore,
    /// Answer with an Empty Reset of the same message id (a broken Confirmable message). For a
    /// Non-confirmable one a Reset is allowed too (§4.3); this crate chooses to ignore it.
    Reset,
    /// Answer the request with this response code and a diagnostic payload (4.02 Bad Option
    /// for an unprocessable critical option in a Confirmable request, §5.4.1).
    Respond(Code),
    /// Over TCP or WebSocket: send an Abort (7.05) and close the connection (RFC 8323 §5.6).
    Abort,
}

/// A message that is not valid CoAP: what is wrong, where, and what little of its header could
/// be read.
///
/// Panic contract: the decoders that return it never panic, whatever the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[error("{reason} (at byte {offset})")]
pub struct Error {
    /// What is wrong.
    pub reason: Reason,
    /// Offset of the offending field from the start of the message.
    pub offset: usize,
    /// The transport the message came over.
    pub transport: Transport,
    /// The message type, when the header could be read (UDP only).
    pub ty: Option<Type>,
    /// The code, when the header could be read.
    pub code: Option<Code>,
}

impl Error {
    /// What the recipient does with the message (RFC 7252 §3, §4.2, §4.3; RFC 8323 §5.6).
    #[must_use]
    pub fn reaction(&self) -> Reaction {
        match (self.transport, self.reason) {
            (_, Reason::Version(_)) => Reaction::Ignore,
            (Transport::Tcp | Transport::WebSocket, _) => Reaction::Abort,
            (Transport::Udp, _) => match self.ty {
                Some(Type::Confirmable) => Reaction::Reset,
                _ => Reaction::Ignore,
            },
        }
    }
}

impl ProtocolError for Error {
    fn kind(&self) -> ErrorKind {
        match self.reason {
            Reason::Truncated { .. } | Reason::FrameLength { .. } => ErrorKind::Truncated,
            Reason::Version(_) => ErrorKind::Unsupported,
            Reason::TooLong { .. } => ErrorKind::Capacity,
            _ => ErrorKind::Malformed,
        }
    }

    fn offset(&self) -> Option<usize> {
        Some(self.offset)
    }
}

/// Why a message could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum BuildError {
    /// The output buffer is too small.
    #[error(transparent)]
    Buffer(#[from] BufferTooSmall),
    /// More options than the builder's capacity.
    #[error("more than {0} options")]
    TooManyOptions(usize),
    /// A token longer than 65804 bytes (RFC 8974 §2.1).
    #[error("token of {0} bytes")]
    Token(usize),
    /// An option value outside the length bounds of the registry (RFC 7252 §5.4.3), or a second
    /// occurrence of an option that is not repeatable (§5.4.5).
    #[error("option {number}: {problem}")]
    Option {
        /// The option number.
        number: u16,
        /// What is wrong.
        problem: OptionProblem,
    },
    /// An Empty message with a token, an option or a payload (RFC 7252 §4.1).
    #[error("Empty message with a token, options or a payload")]
    EmptyNotEmpty,
    /// A code the message type cannot carry (RFC 7252 §4.2-4.3), a reserved code, or a
    /// signaling code over UDP.
    #[error("code {code:?} in a {ty} message")]
    TypeCode {
        /// The type.
        ty: Type,
        /// The code.
        code: Code,
    },
    /// An option value longer than 65804 bytes, which the length field cannot express.
    #[error("option value of {0} bytes")]
    ValueTooLong(usize),
}

impl ProtocolError for BuildError {
    fn kind(&self) -> ErrorKind {
        match self {
            BuildError::Buffer(_) | BuildError::TooManyOptions(_) => ErrorKind::Capacity,
            _ => ErrorKind::Malformed,
        }
    }
}

/// What is wrong with one option, against the registry (RFC 7252 §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum OptionProblem {
    /// Not in the registry (a problem only for a critical option, §5.4.1).
    #[error("unrecognized")]
    Unrecognized,
    /// A value length outside the registered bounds (§5.4.3).
    #[error("value length out of bounds")]
    Length,
    /// A repeated option that is not repeatable (§5.4.5).
    #[error("not repeatable")]
    Repeated,
    /// A string option whose value is not UTF-8 (§3.2).
    #[error("string value not UTF-8")]
    Utf8,
}

/// An option of a parsed message that the recipient cannot process as it stands: an
/// unrecognized critical option, or a registered one whose value breaks the registry's rules.
/// Such an option is "treated like an unrecognized option" (RFC 7252 §5.4.1, §5.4.3, §5.4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[error("option {number} at byte {offset}: {problem}")]
pub struct BadOption {
    /// The option number.
    pub number: u16,
    /// Offset of the option's header byte in the message.
    pub offset: usize,
    /// What is wrong.
    pub problem: OptionProblem,
}

impl BadOption {
    /// Odd option numbers are critical (RFC 7252 §5.4.6): the message cannot be processed
    /// without understanding them. An elective bad option is ignored instead.
    #[must_use]
    pub const fn is_critical(&self) -> bool {
        self.number & 1 == 1
    }

    /// What the recipient does with a message that carries this option (RFC 7252 §5.4.1):
    /// a Confirmable request is answered with 4.02 (Bad Option); any other message with a critical
    /// one is rejected (a Reset for a Confirmable response, otherwise silently dropped); an elective
    /// one is ignored and the message processed as if it were absent (`None`).
    #[must_use]
    pub fn reaction(&self, transport: Transport, ty: Option<Type>, code: Code) -> Option<Reaction> {
        if !self.is_critical() {
            return None;
        }
        Some(match (transport, ty) {
            _ if code.is_request() && !matches!(ty, Some(Type::NonConfirmable)) => {
                Reaction::Respond(Code::BAD_OPTION)
            }
            (Transport::Udp, Some(Type::Confirmable)) => Reaction::Reset,
            (Transport::Udp, _) => Reaction::Ignore,
            // RFC 8323 §5.3.1-5.6: an unprocessable critical signaling option aborts.
            (_, _) if code.is_signaling() => Reaction::Abort,
            _ => Reaction::Ignore,
        })
    }
}

impl ProtocolError for BadOption {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Malformed
    }
    fn offset(&self) -> Option<usize> {
        Some(self.offset)
    }
}
