//! Sparkplug topics (Sparkplug 3.0.0 §4.1, §4.2; certificates in §10): borrowed parse and format.
//!
//! ```text
//! spBv1.0/<group_id>/<message_type>/<edge_node_id>[/<device_id>]
//! spBv1.0/STATE/<host_id>                     (3.0 host application state)
//! STATE/<host_id>                             (2.2 host application state)
//! $sparkplug/certificates/spBv1.0/<group_id>/NBIRTH/<edge_node_id>[/<device_id>]
//! ```
//!
//! Parsing never allocates and never panics: every part borrows from the input.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use m2m_core::{ErrorKind, ProtocolError};

/// The namespace element of Sparkplug B topics (§4.1.1).
pub const NAMESPACE: &str = "spBv1.0";
/// The prefix of the topics on which a broker republishes birth certificates (§10, "Sparkplug Aware").
pub const CERTIFICATES_PREFIX: &str = "$sparkplug/certificates/";
/// The element that marks a host application's state topic (§4.1.3).
pub const STATE: &str = "STATE";

/// MQTT quality of service and retain flag a message type is published with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Delivery {
    /// MQTT QoS (0, 1 or 2).
    pub qos: u8,
    /// MQTT retain flag.
    pub retain: bool,
}

impl Delivery {
    /// NBIRTH, DBIRTH, NDATA, DDATA, NCMD, DCMD and DDEATH: QoS 0, not retained (§4.3).
    pub const DEFAULT: Delivery = Delivery {
        qos: 0,
        retain: false,
    };
    /// NDEATH, the edge node's MQTT Will: QoS 1, not retained
    /// (`tck-id-message-flow-edge-node-birth-publish-will-message-qos`, `...-will-retained`).
    pub const NDEATH: Delivery = Delivery {
        qos: 1,
        retain: false,
    };
    /// Host application STATE birth and death: QoS 1, retained
    /// (`tck-id-host-topic-phid-birth-qos`, `tck-id-host-topic-phid-birth-retain`).
    pub const STATE: Delivery = Delivery {
        qos: 1,
        retain: true,
    };
}

/// The message type element of a topic (§4.1.2). An open set: types of later Sparkplug versions are
/// kept as [`MessageType::Unknown`], never an error.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MessageType<'a> {
    /// Edge node birth certificate.
    NBirth,
    /// Edge node death certificate.
    NDeath,
    /// Device birth certificate.
    DBirth,
    /// Device death certificate.
    DDeath,
    /// Edge node data.
    NData,
    /// Device data.
    DData,
    /// Command to an edge node.
    NCmd,
    /// Command to a device.
    DCmd,
    /// Any other element (a valid identifier), kept as written.
    Unknown(&'a str),
}

impl<'a> MessageType<'a> {
    /// The type for a topic element; anything but the eight Sparkplug B types is `Unknown`.
    #[must_use]
    pub fn parse(s: &'a str) -> Self {
        match s {
            "NBIRTH" => MessageType::NBirth,
            "NDEATH" => MessageType::NDeath,
            "DBIRTH" => MessageType::DBirth,
            "DDEATH" => MessageType::DDeath,
            "NDATA" => MessageType::NData,
            "DDATA" => MessageType::DData,
            "NCMD" => MessageType::NCmd,
            "DCMD" => MessageType::DCmd,
            other => MessageType::Unknown(other),
        }
    }

    /// The topic element.
    #[must_use]
    pub const fn as_str(&self) -> &'a str {
        match self {
            MessageType::NBirth => "NBIRTH",
            MessageType::NDeath => "NDEATH",
            MessageType::DBirth => "DBIRTH",
            MessageType::DDeath => "DDEATH",
            MessageType::NData => "NDATA",
            MessageType::DData => "DDATA",
            MessageType::NCmd => "NCMD",
            MessageType::DCmd => "DCMD",
            MessageType::Unknown(s) => s,
        }
    }

    /// Whether a topic of this type names a device: `Some(true)` for the D* types, `Some(false)` for
    /// the N* types and `STATE`
    /// (`tck-id-topic-structure-namespace-device-id-non-associated-message-types` lists it with
    /// them), `None` for other unknown types (either form is accepted).
    #[must_use]
    pub const fn is_device(&self) -> Option<bool> {
        match self {
            MessageType::DBirth | MessageType::DDeath | MessageType::DData | MessageType::DCmd => {
                Some(true)
            }
            MessageType::Unknown(s) => match s.as_bytes() {
                b"STATE" => Some(false),
                _ => None,
            },
            _ => Some(false),
        }
    }

    /// `true` for NBIRTH and DBIRTH.
    #[must_use]
    pub const fn is_birth(&self) -> bool {
        matches!(self, MessageType::NBirth | MessageType::DBirth)
    }

    /// QoS and retain flag the specification requires for this type (§4.3; unknown types get the
    /// default of QoS 0, not retained).
    #[must_use]
    pub const fn delivery(&self) -> Delivery {
        match self {
            MessageType::NDeath => Delivery::NDEATH,
            _ => Delivery::DEFAULT,
        }
    }
}

impl fmt::Display for MessageType<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialized as the topic element (`"NBIRTH"`, or an unknown type as written).
#[cfg(feature = "serde")]
impl serde::Serialize for MessageType<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de: 'a, 'a> serde::Deserialize<'de> for MessageType<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de str>::deserialize(d).map(MessageType::parse)
    }
}

/// Which form of host application state topic (§4.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum StateVersion {
    /// `spBv1.0/STATE/<host_id>` (Sparkplug 3.0).
    V3,
    /// `STATE/<host_id>` (Sparkplug 2.2).
    V2,
}

/// A message topic: `spBv1.0/<group_id>/<message_type>/<edge_node_id>[/<device_id>]` (§4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MessageTopic<'a> {
    /// Group id.
    pub group: &'a str,
    /// Message type.
    #[cfg_attr(feature = "serde", serde(borrow))]
    pub message_type: MessageType<'a>,
    /// Edge node id.
    pub edge_node: &'a str,
    /// Device id, present exactly for the D* message types.
    pub device: Option<&'a str>,
}

impl<'a> MessageTopic<'a> {
    /// Checks the identifier rules (§4.1.1): every id valid (the group id not `STATE`), a device
    /// id exactly for D* types, none for N* types and `STATE`.
    pub fn validate(&self) -> Result<(), TopicError> {
        check_id(self.group, Part::Group)?;
        check_id(self.message_type.as_str(), Part::MessageType)?;
        check_id(self.edge_node, Part::EdgeNode)?;
        if let Some(d) = self.device {
            check_id(d, Part::Device)?;
        }
        match (self.message_type.is_device(), self.device.is_some()) {
            (Some(true), false) => Err(TopicError::MissingDevice),
            (Some(false), true) => Err(TopicError::UnexpectedDevice),
            _ => Ok(()),
        }
    }

    /// Length of the formatted topic.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        sum(&[
            NAMESPACE.len(),
            self.group.len(),
            self.message_type.as_str().len(),
            self.edge_node.len(),
            3,
            self.device.map_or(0, |d| d.len().saturating_add(1)),
        ])
    }
}

/// A Sparkplug topic (§4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum Topic<'a> {
    /// An edge node or device message.
    Message(#[cfg_attr(feature = "serde", serde(borrow))] MessageTopic<'a>),
    /// A host application's STATE topic.
    State {
        /// Host application id.
        host: &'a str,
        /// 3.0 or 2.2 form.
        version: StateVersion,
    },
    /// A birth certificate republished by a Sparkplug-aware broker (§10):
    /// `$sparkplug/certificates/` followed by the NBIRTH or DBIRTH message topic.
    Certificate(#[cfg_attr(feature = "serde", serde(borrow))] MessageTopic<'a>),
}

/// Which part of a topic an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Part {
    /// The namespace element.
    Namespace,
    /// Group id.
    Group,
    /// Message type.
    MessageType,
    /// Edge node id.
    EdgeNode,
    /// Device id.
    Device,
    /// Host application id.
    Host,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Namespace => "namespace",
            Part::Group => "group id",
            Part::MessageType => "message type",
            Part::EdgeNode => "edge node id",
            Part::Device => "device id",
            Part::Host => "host id",
        })
    }
}

/// Why a string is not a Sparkplug topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TopicError {
    /// Not `spBv1.0/...`, `STATE/...` or `$sparkplug/certificates/...`.
    #[error("not a Sparkplug B topic")]
    Namespace,
    /// A part is empty.
    #[error("empty {0}")]
    Empty(Part),
    /// A part holds `+`, `#` or NUL (a `/` splits parts, so it cannot occur inside one).
    #[error("{part} holds the reserved character {ch:?} at byte {offset}")]
    Reserved {
        /// Which part.
        part: Part,
        /// The character.
        ch: char,
        /// Its byte offset in the topic.
        offset: usize,
    },
    /// Fewer parts than the form needs.
    #[error("missing {0}")]
    Missing(Part),
    /// More parts than the form allows.
    #[error("trailing topic levels")]
    TooManyLevels,
    /// The group id `STATE`: Sparkplug 3.0 puts `STATE` at the group position of a host
    /// application's state topic, `spBv1.0/STATE/<host_id>` (§4.2.3), so a message topic with it
    /// would read as one.
    #[error(
        "STATE is not a group id (spBv1.0/STATE/<host_id> is a host application's state topic)"
    )]
    StateGroup,
    /// A D* message type without a device id.
    #[error("device message type without a device id")]
    MissingDevice,
    /// An N* message type with a device id.
    #[error("node message type with a device id")]
    UnexpectedDevice,
    /// A certificate topic for a type other than NBIRTH and DBIRTH.
    #[error("certificate topic for a type other than NBIRTH/DBIRTH")]
    CertificateType,
    /// The output buffer is too small.
    #[error("buffer too small: {needed} bytes needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
}

impl ProtocolError for TopicError {
    fn kind(&self) -> ErrorKind {
        match self {
            TopicError::BufferTooSmall { .. } => ErrorKind::Capacity,
            _ => ErrorKind::Malformed,
        }
    }
    fn offset(&self) -> Option<usize> {
        match self {
            TopicError::Reserved { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

/// Checks one identifier: non-empty UTF-8 (given by `&str`) without `+`, `/`, `#` or NUL (§4.1.1),
/// and, for a group id, not `STATE` ([`TopicError::StateGroup`]).
pub fn check_id(id: &str, part: Part) -> Result<(), TopicError> {
    if id.is_empty() {
        return Err(TopicError::Empty(part));
    }
    if part == Part::Group && id == STATE {
        return Err(TopicError::StateGroup);
    }
    match id
        .char_indices()
        .find(|(_, c)| matches!(c, '+' | '/' | '#' | '\0'))
    {
        Some((offset, ch)) => Err(TopicError::Reserved { part, ch, offset }),
        None => Ok(()),
    }
}

/// Splits the next `/`-separated level off `rest`, returning it with its offset.
fn level<'a>(
    rest: &mut Option<(&'a str, usize)>,
    part: Part,
) -> Result<(&'a str, usize), TopicError> {
    let (s, at) = rest.take().ok_or(TopicError::Missing(part))?;
    match s.split_once('/') {
        Some((head, tail)) => {
            *rest = Some((tail, at.saturating_add(head.len()).saturating_add(1)));
            Ok((head, at))
        }
        None => Ok((s, at)),
    }
}

fn checked<'a>(rest: &mut Option<(&'a str, usize)>, part: Part) -> Result<&'a str, TopicError> {
    let (s, at) = level(rest, part)?;
    check_id(s, part).map_err(|e| match e {
        TopicError::Reserved { part, ch, offset } => TopicError::Reserved {
            part,
            ch,
            offset: offset.saturating_add(at),
        },
        other => other,
    })?;
    Ok(s)
}

fn parse_message<'a>(rest: &mut Option<(&'a str, usize)>) -> Result<MessageTopic<'a>, TopicError> {
    let group = checked(rest, Part::Group)?;
    let message_type = MessageType::parse(checked(rest, Part::MessageType)?);
    let edge_node = checked(rest, Part::EdgeNode)?;
    let device = match rest {
        Some(_) => Some(checked(rest, Part::Device)?),
        None => None,
    };
    if rest.is_some() {
        return Err(TopicError::TooManyLevels);
    }
    let t = MessageTopic {
        group,
        message_type,
        edge_node,
        device,
    };
    t.validate()?;
    Ok(t)
}

impl<'a> Topic<'a> {
    /// Parses a topic name. Never allocates; every part borrows from `topic`.
    pub fn parse(topic: &'a str) -> Result<Self, TopicError> {
        if let Some(cert) = topic.strip_prefix(CERTIFICATES_PREFIX) {
            let mut rest = Some((cert, CERTIFICATES_PREFIX.len()));
            let (ns, _) = level(&mut rest, Part::Namespace)?;
            if ns != NAMESPACE {
                return Err(TopicError::Namespace);
            }
            let t = parse_message(&mut rest)?;
            if !t.message_type.is_birth() {
                return Err(TopicError::CertificateType);
            }
            return Ok(Topic::Certificate(t));
        }
        let mut rest = Some((topic, 0));
        let (first, _) = level(&mut rest, Part::Namespace)?;
        match first {
            STATE => {
                let host = checked(&mut rest, Part::Host)?;
                if rest.is_some() {
                    return Err(TopicError::TooManyLevels);
                }
                Ok(Topic::State {
                    host,
                    version: StateVersion::V2,
                })
            }
            NAMESPACE => {
                if rest.is_some_and(|(s, _)| s.starts_with("STATE/") || s == STATE) {
                    let _ = level(&mut rest, Part::Group)?;
                    let host = checked(&mut rest, Part::Host)?;
                    if rest.is_some() {
                        return Err(TopicError::TooManyLevels);
                    }
                    return Ok(Topic::State {
                        host,
                        version: StateVersion::V3,
                    });
                }
                parse_message(&mut rest).map(Topic::Message)
            }
            _ => Err(TopicError::Namespace),
        }
    }

    /// Length of the formatted topic.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        match self {
            Topic::Message(m) => m.buffer_len(),
            Topic::State { host, version } => {
                let ns = match version {
                    StateVersion::V3 => NAMESPACE.len().saturating_add(1),
                    StateVersion::V2 => 0,
                };
                sum(&[ns, STATE.len(), 1, host.len()])
            }
            Topic::Certificate(m) => CERTIFICATES_PREFIX.len().saturating_add(m.buffer_len()),
        }
    }

    /// QoS and retain flag for messages on this topic.
    #[must_use]
    pub const fn delivery(&self) -> Delivery {
        match self {
            Topic::Message(m) => m.message_type.delivery(),
            Topic::State { .. } => Delivery::STATE,
            // §10 asks for the retain flag; the QoS is the one of the birth it carries.
            Topic::Certificate(_) => Delivery {
                qos: 0,
                retain: true,
            },
        }
    }

    /// Writes the topic into `out` after checking the identifier rules; returns the text written.
    pub fn format<'o>(&self, out: &'o mut [u8]) -> Result<&'o str, TopicError> {
        match self {
            Topic::Message(m) | Topic::Certificate(m) => m.validate()?,
            Topic::State { host, .. } => check_id(host, Part::Host)?,
        }
        if let Topic::Certificate(m) = self {
            if !m.message_type.is_birth() {
                return Err(TopicError::CertificateType);
            }
        }
        let needed = self.buffer_len();
        let mut w = Cursor { out, pos: 0 };
        if out_len(&w) < needed {
            return Err(TopicError::BufferTooSmall { needed });
        }
        match self {
            Topic::Message(m) => w.message(m),
            Topic::Certificate(m) => {
                w.put(CERTIFICATES_PREFIX);
                w.message(m);
            }
            Topic::State { host, version } => {
                if *version == StateVersion::V3 {
                    w.put(NAMESPACE);
                    w.put("/");
                }
                w.put(STATE);
                w.put("/");
                w.put(host);
            }
        }
        let Cursor { out, pos } = w;
        let written = out.get(..pos).unwrap_or_default();
        // Only whole `&str`s were copied, so the bytes are UTF-8.
        core::str::from_utf8(written).map_err(|_| TopicError::BufferTooSmall { needed })
    }
}

fn sum(parts: &[usize]) -> usize {
    parts.iter().fold(0usize, |a, &b| a.saturating_add(b))
}

fn out_len(c: &Cursor<'_>) -> usize {
    c.out.len()
}

struct Cursor<'o> {
    out: &'o mut [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn put(&mut self, s: &str) {
        let end = self.pos.saturating_add(s.len());
        if let Some(dst) = self.out.get_mut(self.pos..end) {
            dst.copy_from_slice(s.as_bytes());
            self.pos = end;
        }
    }

    fn message(&mut self, m: &MessageTopic<'_>) {
        self.put(NAMESPACE);
        self.put("/");
        self.put(m.group);
        self.put("/");
        self.put(m.message_type.as_str());
        self.put("/");
        self.put(m.edge_node);
        if let Some(d) = m.device {
            self.put("/");
            self.put(d);
        }
    }
}

impl fmt::Display for MessageTopic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{NAMESPACE}/{}/{}/{}",
            self.group, self.message_type, self.edge_node
        )?;
        if let Some(d) = self.device {
            write!(f, "/{d}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Topic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Message(m) => m.fmt(f),
            Topic::Certificate(m) => write!(f, "{CERTIFICATES_PREFIX}{m}"),
            Topic::State {
                host,
                version: StateVersion::V3,
            } => write!(f, "{NAMESPACE}/{STATE}/{host}"),
            Topic::State {
                host,
                version: StateVersion::V2,
            } => write!(f, "{STATE}/{host}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    fn round_trip(s: &str) -> Topic<'_> {
        let t = Topic::parse(s).unwrap();
        let mut buf = [0u8; 128];
        assert_eq!(t.format(&mut buf).unwrap(), s);
        assert_eq!(t.buffer_len(), s.len());
        assert_eq!(t.to_string(), s);
        t
    }

    #[test]
    fn parses_message_topics() {
        // §4.1.1 examples.
        let t = round_trip("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi");
        assert_eq!(
            t,
            Topic::Message(MessageTopic {
                group: "Sparkplug B Devices",
                message_type: MessageType::NBirth,
                edge_node: "Raspberry Pi",
                device: None,
            })
        );
        let t = round_trip("spBv1.0/G1/DDATA/E1/D1");
        let Topic::Message(m) = t else { panic!() };
        assert_eq!(m.device, Some("D1"));
        assert_eq!(m.message_type, MessageType::DData);
        assert_eq!(t.delivery(), Delivery::DEFAULT);
        assert_eq!(
            round_trip("spBv1.0/G1/NDEATH/E1").delivery(),
            Delivery::NDEATH
        );
    }

    #[test]
    fn parses_state_and_certificates() {
        assert_eq!(
            round_trip("spBv1.0/STATE/scada1"),
            Topic::State {
                host: "scada1",
                version: StateVersion::V3
            }
        );
        assert_eq!(
            round_trip("STATE/scada1"),
            Topic::State {
                host: "scada1",
                version: StateVersion::V2
            }
        );
        assert_eq!(round_trip("STATE/h").delivery(), Delivery::STATE);
        // §10 examples.
        let t = round_trip("$sparkplug/certificates/spBv1.0/G1/NBIRTH/E1");
        assert!(matches!(t, Topic::Certificate(m) if m.edge_node == "E1"));
        round_trip("$sparkplug/certificates/spBv1.0/G1/DBIRTH/E1/D1");
        assert_eq!(
            Topic::parse("$sparkplug/certificates/spBv1.0/G1/NDATA/E1"),
            Err(TopicError::CertificateType)
        );
    }

    #[test]
    fn unknown_types_are_kept() {
        let t = round_trip("spBv1.0/G/NRECORD/E");
        let Topic::Message(m) = t else { panic!() };
        assert_eq!(m.message_type, MessageType::Unknown("NRECORD"));
        round_trip("spBv1.0/G/DRECORD/E/D");
    }

    #[test]
    fn identifier_rules() {
        for (s, e) in [
            ("spBv1.0/G/DDATA/E", TopicError::MissingDevice),
            ("spBv1.0/G/NDATA/E/D", TopicError::UnexpectedDevice),
            ("spBv1.0/G/NDATA", TopicError::Missing(Part::EdgeNode)),
            ("spBv1.0//NDATA/E", TopicError::Empty(Part::Group)),
            ("spBv1.0/G/NDATA/", TopicError::Empty(Part::EdgeNode)),
            ("spBv1.0/G/DDATA/E/D/x", TopicError::TooManyLevels),
            ("spAv1.0/G/NDATA/E", TopicError::Namespace),
            ("spBv1.0", TopicError::Missing(Part::Group)),
            ("spBv1.0/STATE/", TopicError::Empty(Part::Host)),
            ("spBv1.0/STATE", TopicError::Missing(Part::Host)),
            ("STATE/a/b", TopicError::TooManyLevels),
            (
                "spBv1.0/G+/NDATA/E",
                TopicError::Reserved {
                    part: Part::Group,
                    ch: '+',
                    offset: 9,
                },
            ),
            (
                "spBv1.0/G/NDATA/E#",
                TopicError::Reserved {
                    part: Part::EdgeNode,
                    ch: '#',
                    offset: 17,
                },
            ),
            (
                "spBv1.0/G/NDATA/E\0",
                TopicError::Reserved {
                    part: Part::EdgeNode,
                    ch: '\0',
                    offset: 17,
                },
            ),
        ] {
            assert_eq!(Topic::parse(s), Err(e), "{s}");
        }
    }

    /// Sparkplug 3.0 puts `STATE` at the group position of host application state topics
    /// (§4.2.3), so it is no group id: a message topic with it would read as a STATE topic.
    #[test]
    fn state_is_no_group_id() {
        assert_eq!(check_id("STATE", Part::Group), Err(TopicError::StateGroup));
        for part in [Part::EdgeNode, Part::Device, Part::Host] {
            assert_eq!(check_id("STATE", part), Ok(()));
        }
        // Ids are case-sensitive (§5.2).
        assert_eq!(check_id("State", Part::Group), Ok(()));
        let t = Topic::Message(MessageTopic {
            group: STATE,
            message_type: MessageType::NData,
            edge_node: "E",
            device: None,
        });
        assert_eq!(t.format(&mut [0; 64]), Err(TopicError::StateGroup));
        assert_eq!(
            Topic::parse("$sparkplug/certificates/spBv1.0/STATE/NBIRTH/E"),
            Err(TopicError::StateGroup)
        );
        // STATE topics parse as before; a message topic of group STATE never did.
        assert!(matches!(
            round_trip("spBv1.0/STATE/E"),
            Topic::State { host: "E", .. }
        ));
        assert_eq!(
            Topic::parse("spBv1.0/STATE/NDATA/E"),
            Err(TopicError::TooManyLevels)
        );
        // STATE as a message type takes no device id
        // (`tck-id-topic-structure-namespace-device-id-non-associated-message-types`).
        assert_eq!(MessageType::parse(STATE).is_device(), Some(false));
        assert_eq!(
            Topic::parse("spBv1.0/G/STATE/E/D"),
            Err(TopicError::UnexpectedDevice)
        );
        let t = round_trip("spBv1.0/G/STATE/E");
        assert!(matches!(t, Topic::Message(m) if m.message_type == MessageType::Unknown(STATE)));
    }

    #[test]
    fn format_checks_rules_and_room() {
        let bad = Topic::Message(MessageTopic {
            group: "a/b",
            message_type: MessageType::NData,
            edge_node: "e",
            device: None,
        });
        assert!(matches!(
            bad.format(&mut [0; 64]),
            Err(TopicError::Reserved { ch: '/', .. })
        ));
        let t = Topic::parse("spBv1.0/G/NDATA/E").unwrap();
        assert_eq!(
            t.format(&mut [0; 16]),
            Err(TopicError::BufferTooSmall { needed: 17 })
        );
    }
}
