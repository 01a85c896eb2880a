//! The message type (RFC 7252 §3, §4) and the code (RFC 7252 §3, §12.1; RFC 8132 §2-3;
//! RFC 8323 §5.1, §11.1).

use core::fmt;

/// The message type of CoAP over UDP (RFC 7252 §3: the two-bit `T` field). Reliable transports
/// (RFC 8323) have no type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Type {
    /// Confirmable: the peer answers with an Acknowledgement or a Reset (§4.2).
    #[cfg_attr(feature = "serde", serde(rename = "CON"))]
    Confirmable,
    /// Non-confirmable: no acknowledgement (§4.3).
    #[cfg_attr(feature = "serde", serde(rename = "NON"))]
    NonConfirmable,
    /// Acknowledgement of a Confirmable message, Empty or with a piggybacked response (§4.2).
    #[cfg_attr(feature = "serde", serde(rename = "ACK"))]
    Acknowledgement,
    /// Reset: a message arrived that the recipient cannot process (§4.2, §4.3).
    #[cfg_attr(feature = "serde", serde(rename = "RST"))]
    Reset,
}

impl Type {
    /// The type of the two-bit field value (only the low two bits are read).
    #[must_use]
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0b11 {
            0 => Type::Confirmable,
            1 => Type::NonConfirmable,
            2 => Type::Acknowledgement,
            _ => Type::Reset,
        }
    }

    /// The two-bit field value.
    #[must_use]
    pub const fn bits(self) -> u8 {
        match self {
            Type::Confirmable => 0,
            Type::NonConfirmable => 1,
            Type::Acknowledgement => 2,
            Type::Reset => 3,
        }
    }

    /// The short name used in the RFCs: `CON`, `NON`, `ACK`, `RST`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Type::Confirmable => "CON",
            Type::NonConfirmable => "NON",
            Type::Acknowledgement => "ACK",
            Type::Reset => "RST",
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CoAP code: a 3-bit class and a 5-bit detail, written `c.dd` (RFC 7252 §3, §5.2).
///
/// Every byte value is a code; the constants name the registered ones (the IANA "CoAP Method
/// Codes", "CoAP Response Codes" and "CoAP Signaling Codes" registries). Unknown codes round-trip.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Code(pub u8);

/// What a code is, by its class (RFC 7252 §12.1, RFC 8323 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CodeClass {
    /// 0.00.
    Empty,
    /// 0.01-0.31.
    Request,
    /// 2.xx, 4.xx, 5.xx.
    Response,
    /// 7.xx: signaling (reliable transports only, RFC 8323 §5).
    Signaling,
    /// 1.xx, 3.xx and 6.xx: reserved.
    Reserved,
}

macro_rules! codes {
    ($($(#[$m:meta])* $name:ident = ($c:literal, $d:literal), $text:literal;)*) => {
        impl Code {
            $($(#[$m])* pub const $name: Code = Code::new($c, $d);)*

            /// The registered name of the code (`"GET"`, `"Content"`, `"CSM"`, ...), if any.
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $(Code::$name => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    /// 0.00 Empty (RFC 7252 §4.1).
    EMPTY = (0, 0), "Empty";
    /// 0.01 GET (RFC 7252 §5.8.1).
    GET = (0, 1), "GET";
    /// 0.02 POST (RFC 7252 §5.8.2).
    POST = (0, 2), "POST";
    /// 0.03 PUT (RFC 7252 §5.8.3).
    PUT = (0, 3), "PUT";
    /// 0.04 DELETE (RFC 7252 §5.8.4).
    DELETE = (0, 4), "DELETE";
    /// 0.05 FETCH (RFC 8132 §2).
    FETCH = (0, 5), "FETCH";
    /// 0.06 PATCH (RFC 8132 §3).
    PATCH = (0, 6), "PATCH";
    /// 0.07 iPATCH (RFC 8132 §3).
    IPATCH = (0, 7), "iPATCH";
    /// 2.01 Created.
    CREATED = (2, 1), "Created";
    /// 2.02 Deleted.
    DELETED = (2, 2), "Deleted";
    /// 2.03 Valid.
    VALID = (2, 3), "Valid";
    /// 2.04 Changed.
    CHANGED = (2, 4), "Changed";
    /// 2.05 Content.
    CONTENT = (2, 5), "Content";
    /// 2.31 Continue (RFC 7959 §2.9.1).
    CONTINUE = (2, 31), "Continue";
    /// 4.00 Bad Request.
    BAD_REQUEST = (4, 0), "Bad Request";
    /// 4.01 Unauthorized.
    UNAUTHORIZED = (4, 1), "Unauthorized";
    /// 4.02 Bad Option.
    BAD_OPTION = (4, 2), "Bad Option";
    /// 4.03 Forbidden.
    FORBIDDEN = (4, 3), "Forbidden";
    /// 4.04 Not Found.
    NOT_FOUND = (4, 4), "Not Found";
    /// 4.05 Method Not Allowed.
    METHOD_NOT_ALLOWED = (4, 5), "Method Not Allowed";
    /// 4.06 Not Acceptable.
    NOT_ACCEPTABLE = (4, 6), "Not Acceptable";
    /// 4.08 Request Entity Incomplete (RFC 7959 §2.9.2).
    REQUEST_ENTITY_INCOMPLETE = (4, 8), "Request Entity Incomplete";
    /// 4.09 Conflict (RFC 8132 §3.4).
    CONFLICT = (4, 9), "Conflict";
    /// 4.12 Precondition Failed.
    PRECONDITION_FAILED = (4, 12), "Precondition Failed";
    /// 4.13 Request Entity Too Large.
    REQUEST_ENTITY_TOO_LARGE = (4, 13), "Request Entity Too Large";
    /// 4.15 Unsupported Content-Format.
    UNSUPPORTED_CONTENT_FORMAT = (4, 15), "Unsupported Content-Format";
    /// 4.22 Unprocessable Entity (RFC 8132 §3.4).
    UNPROCESSABLE_ENTITY = (4, 22), "Unprocessable Entity";
    /// 4.29 Too Many Requests (RFC 8516).
    TOO_MANY_REQUESTS = (4, 29), "Too Many Requests";
    /// 5.00 Internal Server Error.
    INTERNAL_SERVER_ERROR = (5, 0), "Internal Server Error";
    /// 5.01 Not Implemented.
    NOT_IMPLEMENTED = (5, 1), "Not Implemented";
    /// 5.02 Bad Gateway.
    BAD_GATEWAY = (5, 2), "Bad Gateway";
    /// 5.03 Service Unavailable.
    SERVICE_UNAVAILABLE = (5, 3), "Service Unavailable";
    /// 5.04 Gateway Timeout.
    GATEWAY_TIMEOUT = (5, 4), "Gateway Timeout";
    /// 5.05 Proxying Not Supported.
    PROXYING_NOT_SUPPORTED = (5, 5), "Proxying Not Supported";
    /// 5.08 Hop Limit Reached (RFC 8768 §3).
    HOP_LIMIT_REACHED = (5, 8), "Hop Limit Reached";
    /// 7.01 CSM (RFC 8323 §5.3).
    CSM = (7, 1), "CSM";
    /// 7.02 Ping (RFC 8323 §5.4).
    PING = (7, 2), "Ping";
    /// 7.03 Pong (RFC 8323 §5.4).
    PONG = (7, 3), "Pong";
    /// 7.04 Release (RFC 8323 §5.5).
    RELEASE = (7, 4), "Release";
    /// 7.05 Abort (RFC 8323 §5.6).
    ABORT = (7, 5), "Abort";
}

impl Code {
    /// The code `class.detail`; `class` is cut to 3 bits and `detail` to 5.
    #[must_use]
    pub const fn new(class: u8, detail: u8) -> Self {
        Code(((class & 0x07) << 5) | (detail & 0x1f))
    }

    /// The class (the `c` of `c.dd`).
    #[must_use]
    pub const fn class(self) -> u8 {
        self.0 >> 5
    }

    /// The detail (the `dd` of `c.dd`).
    #[must_use]
    pub const fn detail(self) -> u8 {
        self.0 & 0x1f
    }

    /// What the code is, by its class.
    #[must_use]
    pub const fn kind(self) -> CodeClass {
        match self.class() {
            0 if self.0 == 0 => CodeClass::Empty,
            0 => CodeClass::Request,
            2 | 4 | 5 => CodeClass::Response,
            7 => CodeClass::Signaling,
            _ => CodeClass::Reserved,
        }
    }

    /// 0.00.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// 0.01-0.31.
    #[must_use]
    pub const fn is_request(self) -> bool {
        matches!(self.kind(), CodeClass::Request)
    }

    /// 2.xx, 4.xx or 5.xx.
    #[must_use]
    pub const fn is_response(self) -> bool {
        matches!(self.kind(), CodeClass::Response)
    }

    /// 7.xx.
    #[must_use]
    pub const fn is_signaling(self) -> bool {
        matches!(self.kind(), CodeClass::Signaling)
    }

    /// Parses `c.dd` (`"2.05"`, `"0.01"`) or a registered method name (`"GET"`, `"iPATCH"`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let method = [
            Code::GET,
            Code::POST,
            Code::PUT,
            Code::DELETE,
            Code::FETCH,
            Code::PATCH,
            Code::IPATCH,
        ]
        .into_iter()
        .find(|c| c.name() == Some(s));
        if method.is_some() {
            return method;
        }
        let (c, d) = s.split_once('.')?;
        if c.len() != 1 || d.len() != 2 {
            return None;
        }
        let c: u8 = c.parse().ok()?;
        let d: u8 = d.parse().ok()?;
        (c <= 7 && d <= 31).then(|| Code::new(c, d))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.class(), self.detail())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{self} {n}"),
            None => write!(f, "{self}"),
        }
    }
}

/// The code as its `c.dd` text.
#[cfg(feature = "serde")]
impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The code from its `c.dd` text or a method name.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Code;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CoAP code as \"c.dd\" or a method name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Code, E> {
                Code::parse(v).ok_or_else(|| E::custom("not a CoAP code"))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn class_and_detail() {
        // RFC 7252 §12.1.2: 2.05 Content is 69 = 0x45.
        assert_eq!(Code::CONTENT.0, 0x45);
        assert_eq!(Code::NOT_FOUND.0, 0x84);
        assert_eq!(Code::CSM.0, 0xe1);
        assert_eq!(format!("{}", Code::CONTENT), "2.05");
        assert_eq!(format!("{:?}", Code::GET), "0.01 GET");
        assert_eq!(format!("{:?}", Code(0x3f)), "1.31");
        assert_eq!(Code(0x3f).kind(), CodeClass::Reserved);
        assert_eq!(Code(0x60).kind(), CodeClass::Reserved);
        assert_eq!(Code::EMPTY.kind(), CodeClass::Empty);
        assert_eq!(Code::IPATCH.kind(), CodeClass::Request);
        assert_eq!(Code::ABORT.kind(), CodeClass::Signaling);
    }

    #[test]
    fn parse_text() {
        assert_eq!(Code::parse("2.05"), Some(Code::CONTENT));
        assert_eq!(Code::parse("iPATCH"), Some(Code::IPATCH));
        assert_eq!(Code::parse("7.31"), Some(Code(0xff)));
        assert_eq!(Code::parse("8.00"), None);
        assert_eq!(Code::parse("2.32"), None);
        assert_eq!(Code::parse("2.5"), None);
        for b in 0..=255u8 {
            assert_eq!(Code::parse(&format!("{}", Code(b))), Some(Code(b)));
        }
    }

    #[test]
    fn types() {
        for b in 0..4 {
            assert_eq!(Type::from_bits(b).bits(), b);
        }
        assert_eq!(Type::Reset.as_str(), "RST");
    }
}
