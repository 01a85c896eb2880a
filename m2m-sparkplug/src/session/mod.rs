//! Sans-IO Sparkplug sessions (Sparkplug 3.0.0 §5): the [`EdgeNode`](edge::EdgeNode) with its
//! devices, and the [`Host`](host::Host) application.
//!
//! Neither opens a socket, reads a clock or allocates. An MQTT client of the caller's choice
//! carries what they produce (the `rumqttc` feature has a runner):
//!
//! - calls such as [`EdgeNode::birth`](edge::EdgeNode::birth) or
//!   [`EdgeNode::data`](edge::EdgeNode::data) write one PUBLISH (topic and payload) into a buffer
//!   of the caller and hand back a [`Publish`] borrowing it;
//! - `handle(now, Input)` takes what the MQTT client reports: the session is up, it is down, a
//!   message arrived;
//! - `poll_transmit(now, out)` yields what the protocol itself must send (subscriptions, rebirth
//!   requests, a death certificate before a disconnect), `poll_event()` what the application must
//!   do (publish its births now), `poll_timeout()` when to call `handle_timeout` again.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub mod edge;
pub mod host;

use crate::error::Error;
use crate::payload::PayloadView;
use crate::repr::{EncodeOptions, Metric, MetricValue, Payload, Seq};
use crate::state::StateError;
use crate::topic::{Delivery, Topic, TopicError};

pub use crate::validate::{BD_SEQ, REBIRTH};

/// What the MQTT client reports to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    /// The MQTT session is established (CONNACK received).
    Connected,
    /// The MQTT session ended (connection lost or closed).
    Disconnected,
    /// A PUBLISH arrived.
    Message {
        /// Its topic.
        topic: &'a str,
        /// Its payload.
        payload: &'a [u8],
    },
}

/// One MQTT PUBLISH, written into a buffer of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Publish<'b> {
    /// Topic name.
    pub topic: &'b str,
    /// Payload bytes.
    pub payload: &'b [u8],
    /// QoS and retain flag.
    pub delivery: Delivery,
}

/// Something the session asks the MQTT client to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Transmit<'b> {
    /// Subscribe to a topic filter.
    Subscribe {
        /// The filter.
        filter: &'b str,
        /// Requested QoS.
        qos: u8,
    },
    /// Publish a message.
    Publish(Publish<'b>),
    /// Send DISCONNECT and close the connection.
    Disconnect,
}

/// Why a session refused a call or an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SessionError {
    /// A payload could not be encoded or read.
    #[error("payload: {0}")]
    Payload(#[from] Error),
    /// A topic or an identifier breaks the topic rules.
    #[error("topic: {0}")]
    Topic(#[from] TopicError),
    /// A STATE payload could not be read.
    #[error("STATE payload: {0}")]
    State(#[from] StateError),
    /// The output buffer is too small; nothing was consumed or changed.
    #[error("buffer too small: {needed} bytes needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// The call needs an MQTT session (after `connect` and [`Input::Connected`]).
    #[error("no MQTT session")]
    NotConnected,
    /// `connect` while a session is being set up or is up.
    #[error("already connected")]
    AlreadyConnected,
    /// The edge node's NCMD and DCMD subscriptions have not been handed out yet: call
    /// `poll_transmit` first (they come before the NBIRTH,
    /// `tck-id-message-flow-edge-node-ncmd-subscribe`).
    #[error("the NCMD and DCMD subscriptions are not out yet")]
    Subscribing,
    /// The edge node waits for its primary host application to be online
    /// (`tck-id-message-flow-edge-node-birth-publish-phid-wait`).
    #[error("waiting for the primary host application")]
    HostOffline,
    /// Data, a device birth or a device death before the edge node's NBIRTH, or after a rebirth
    /// request (`tck-id-operational-behavior-data-commands-rebirth-action-1`).
    #[error("the edge node has not published its NBIRTH")]
    NotBorn,
    /// Device data or death before the device's DBIRTH.
    #[error("the device has not published its DBIRTH")]
    DeviceNotBorn,
    /// A handle that does not name a device of this edge node.
    #[error("unknown device handle")]
    UnknownDevice,
    /// The same device id registered twice.
    #[error("device id registered twice")]
    DuplicateDevice,
    /// A metric name the session writes itself (`bdSeq`, `Node Control/Rebirth`).
    #[error("metric {0:?} is written by the session")]
    ReservedMetric(&'static str),
    /// A fixed capacity (devices, nodes, aliases) is exhausted.
    #[error("capacity exhausted: {0}")]
    Capacity(&'static str),
    /// An identifier longer than the session stores.
    #[error("identifier longer than {max} bytes")]
    IdTooLong {
        /// The limit.
        max: usize,
    },
}

impl m2m_core::ProtocolError for SessionError {
    fn kind(&self) -> m2m_core::ErrorKind {
        use m2m_core::ErrorKind;
        match self {
            SessionError::Payload(e) => e.kind(),
            SessionError::Topic(e) => e.kind(),
            SessionError::State(e) => e.kind(),
            SessionError::BufferTooSmall { .. }
            | SessionError::Capacity(_)
            | SessionError::IdTooLong { .. } => ErrorKind::Capacity,
            _ => ErrorKind::Other,
        }
    }
}

/// Writes one PUBLISH into `out`: the topic, then `head` and `tail` encoded one after the other
/// (protobuf concatenation merges them: `tail` carries metrics the session adds and the `seq`, so
/// the canonical field order holds). Nothing is returned on error.
pub(crate) fn write_publish<'b>(
    out: &'b mut [u8],
    topic: &Topic<'_>,
    head: &Payload<'_>,
    tail: &Payload<'_>,
    options: &EncodeOptions,
) -> Result<Publish<'b>, SessionError> {
    let t = topic.buffer_len();
    let needed = t
        .saturating_add(head.buffer_len_with(options))
        .saturating_add(tail.buffer_len_with(options));
    if out.len() < needed {
        return Err(SessionError::BufferTooSmall { needed });
    }
    let (tb, pb) = out.split_at_mut(t);
    let topic_str = topic.format(tb)?;
    let n = head.encode_with(pb, options)?;
    let rest = pb
        .get_mut(n..)
        .ok_or(SessionError::BufferTooSmall { needed })?;
    let m = tail.encode_with(rest, options)?;
    let pb: &'b [u8] = pb;
    let payload = pb
        .get(..n.saturating_add(m))
        .ok_or(SessionError::BufferTooSmall { needed })?;
    Ok(Publish {
        topic: topic_str,
        payload,
        delivery: topic.delivery(),
    })
}

/// [`write_publish`] with the metrics of `head` followed by those `metrics` yields, encoded one
/// by one (a sample source needs no slice of metrics).
pub(crate) fn write_publish_iter<'b, 'm>(
    out: &'b mut [u8],
    topic: &Topic<'_>,
    head: &Payload<'_>,
    metrics: impl Iterator<Item = Result<Metric<'m>, Error>>,
    tail: &Payload<'_>,
    options: &EncodeOptions,
) -> Result<Publish<'b>, SessionError> {
    let t = topic.buffer_len();
    let too_small = |more: usize| SessionError::BufferTooSmall {
        needed: t.saturating_add(more),
    };
    if out.len() < t {
        return Err(too_small(0));
    }
    let (tb, pb) = out.split_at_mut(t);
    let topic_str = topic.format(tb)?;
    let mut n = head.encode_with(pb, options)?;
    for m in metrics {
        let one = [m?];
        let p = Payload {
            metrics: Seq::Borrowed(&one),
            ..Payload::default()
        };
        let rest = pb.get_mut(n..).ok_or(too_small(n))?;
        n = n.saturating_add(p.encode_with(rest, options).map_err(|e| match e {
            Error::BufferTooSmall { needed, .. } => too_small(n.saturating_add(needed)),
            e => e.into(),
        })?);
    }
    let rest = pb.get_mut(n..).ok_or(too_small(n))?;
    n = n.saturating_add(tail.encode_with(rest, options).map_err(|e| match e {
        Error::BufferTooSmall { needed, .. } => too_small(n.saturating_add(needed)),
        e => e.into(),
    })?);
    let pb: &'b [u8] = pb;
    Ok(Publish {
        topic: topic_str,
        payload: pb.get(..n).ok_or(too_small(n))?,
        delivery: topic.delivery(),
    })
}

/// Writes a topic alone (a subscription filter is formatted the same way).
pub(crate) fn write_topic<'b>(
    out: &'b mut [u8],
    topic: &Topic<'_>,
) -> Result<&'b str, SessionError> {
    let needed = topic.buffer_len();
    topic
        .format(out)
        .map_err(|_| SessionError::BufferTooSmall { needed })
}

/// Copies `parts` one after the other into `out`; returns the text.
pub(crate) fn write_concat<'b>(out: &'b mut [u8], parts: &[&str]) -> Result<&'b str, SessionError> {
    let needed = parts.iter().fold(0usize, |a, p| a.saturating_add(p.len()));
    let mut pos = 0usize;
    for p in parts {
        let end = pos.saturating_add(p.len());
        out.get_mut(pos..end)
            .ok_or(SessionError::BufferTooSmall { needed })?
            .copy_from_slice(p.as_bytes());
        pos = end;
    }
    let out: &'b [u8] = out;
    let text = out.get(..pos).unwrap_or_default();
    // Whole `&str`s were copied, so the bytes are UTF-8.
    core::str::from_utf8(text).map_err(|_| SessionError::BufferTooSmall { needed })
}

/// Fails when `metrics` hold a metric the session writes itself.
pub(crate) fn check_reserved(metrics: &[Metric<'_>]) -> Result<(), SessionError> {
    for m in metrics {
        match m.name.as_deref() {
            Some(BD_SEQ) => return Err(SessionError::ReservedMetric(BD_SEQ)),
            Some(REBIRTH) => return Err(SessionError::ReservedMetric(REBIRTH)),
            _ => {}
        }
    }
    Ok(())
}

/// The `bdSeq` metric, of datatype Int64
/// (`tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq`,
/// `tck-id-message-flow-edge-node-birth-publish-nbirth-payload-bdSeq`; Eclipse Tahu and the TCK
/// write Int64 too). The host reads an Int64 or a UInt64 `bdSeq` alike.
pub(crate) fn bd_seq_metric(bd_seq: u8, now: u64) -> Metric<'static> {
    Metric {
        timestamp: Some(now),
        ..Metric::new(BD_SEQ, MetricValue::Int64(i64::from(bd_seq)))
    }
}

/// The payload of an NDEATH: the `bdSeq` metric only, no `seq`
/// (`tck-id-payloads-ndeath-seq`, `tck-id-payloads-ndeath-bdseq`).
pub(crate) fn death_payload<'m>(metric: &'m [Metric<'static>; 1], now: u64) -> Payload<'m> {
    Payload {
        timestamp: Some(now),
        metrics: Seq::Borrowed(metric),
        ..Payload::default()
    }
}

/// The `bdSeq` metric of a payload, if any.
pub(crate) fn find_bd_seq(p: &PayloadView<'_>) -> Result<Option<u64>, Error> {
    for m in p.metrics() {
        let m = m?;
        if m.name() == Some(BD_SEQ) {
            return Ok(m.integer());
        }
    }
    Ok(None)
}

/// `seq` reduced to the 0..=255 range Sparkplug uses (values beyond it are compared modulo 256,
/// as every edge node wraps at 256).
pub(crate) fn seq8(seq: u64) -> u8 {
    // Truncation is the point.
    (seq & 0xff) as u8
}

#[cfg(test)]
mod tests;
