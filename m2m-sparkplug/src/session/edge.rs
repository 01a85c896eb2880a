//! The edge node session (Sparkplug 3.0.0 §5.2–§5.9, §5.11–§5.13): the Will with its
//! `bdSeq`, the optional wait for the primary host application, NBIRTH then DBIRTHs, one `seq`
//! from 0 to 255 shared by every NBIRTH/NDATA/DBIRTH/DDATA/DDEATH, rebirth on request, and NDEATH
//! before an intentional disconnect or when the primary host goes offline.
//!
//! ```
//! use m2m_core::{Sample, SampleKey, Timestamp};
//! use m2m_sparkplug::session::edge::{EdgeConfig, EdgeEvent, EdgeNode, MemoryStore};
//! use m2m_sparkplug::session::{Input, Transmit};
//! use m2m_sparkplug::{Metric, MetricValue};
//!
//! let now = Timestamp::from_millis(1_700_000_000_000);
//! let mut edge: EdgeNode<'_, MemoryStore> =
//!     EdgeNode::new(EdgeConfig::new("plant", "gw1"), MemoryStore::default())?;
//! let mut buf = [0u8; 512];
//! // 1. The Will for MQTT CONNECT: NDEATH with bdSeq 0, QoS 1, not retained.
//! let will = edge.connect(now, &mut buf)?;
//! assert_eq!(will.topic, "spBv1.0/plant/NDEATH/gw1");
//! // 2. CONNACK: subscribe to commands, then publish the births when asked.
//! edge.handle(now, Input::Connected)?;
//! while let Some(t) = edge.poll_transmit(now, &mut buf) {
//!     assert!(matches!(t?, Transmit::Subscribe { .. }));
//! }
//! assert_eq!(edge.poll_event(), Some(EdgeEvent::PublishBirths));
//! let birth = edge.birth(now, &[Metric::new("Temperature", MetricValue::Double(21.5))], &mut buf)?;
//! assert_eq!(birth.topic, "spBv1.0/plant/NBIRTH/gw1");
//! let data = edge.data(now, &[Metric::new("Temperature", MetricValue::Double(21.7))], &mut buf)?;
//! assert_eq!(m2m_sparkplug::PayloadView::new(data.payload)?.seq(), Some(1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Sample, SampleKey, Timestamp};

use super::{
    Input, Publish, REBIRTH, SessionError, Transmit, bd_seq_metric, check_reserved, death_payload,
    write_publish, write_publish_iter, write_topic,
};
use crate::datatype::DataType;
use crate::error::Error;
use crate::payload::PayloadView;
use crate::repr::{EncodeOptions, Metric, MetricValue, Payload, Seq};
use crate::samples::metric_from_sample;
use crate::state::StateMessage;
use crate::topic::{MessageTopic, MessageType, Part, StateVersion, Topic, check_id};
use crate::value::RawValue;

/// Where the edge node keeps its `bdSeq` across restarts
/// (`tck-id-topics-nbirth-bdseq-increment`: each new MQTT session uses the next value).
pub trait BdSeqStore {
    /// The `bdSeq` of the last session, if one was stored.
    fn load(&mut self) -> Option<u8>;
    /// Records the `bdSeq` of the session being opened.
    fn save(&mut self, bd_seq: u8);
}

/// A [`BdSeqStore`] in memory (the value survives reconnections, not restarts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryStore(pub Option<u8>);

impl BdSeqStore for MemoryStore {
    fn load(&mut self) -> Option<u8> {
        self.0
    }
    fn save(&mut self, bd_seq: u8) {
        self.0 = Some(bd_seq);
    }
}

/// A [`BdSeqStore`] in a small text file (the decimal value). Read and write errors are taken as
/// "nothing stored": the session then starts again at 0, which hosts accept on an NBIRTH.
#[cfg(feature = "std")]
#[derive(Debug, Clone)]
pub struct FileStore(pub std::path::PathBuf);

#[cfg(feature = "std")]
impl BdSeqStore for FileStore {
    fn load(&mut self) -> Option<u8> {
        std::fs::read_to_string(&self.0).ok()?.trim().parse().ok()
    }
    fn save(&mut self, bd_seq: u8) {
        // A failed write only means the next restart begins at 0 again.
        let _ = std::fs::write(&self.0, std::format!("{bd_seq}\n"));
    }
}

/// What an edge node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeConfig<'c> {
    /// Group id.
    pub group: &'c str,
    /// Edge node id.
    pub edge_node: &'c str,
    /// The primary host application to wait for before the births, if any
    /// (`tck-id-message-flow-edge-node-birth-publish-phid-wait`).
    pub primary_host: Option<&'c str>,
    /// The alias of the `bdSeq` metric in the NBIRTH. When the births use aliases, every birth
    /// metric but `Node Control/Rebirth` needs one (`tck-id-payloads-alias-birth-requirement`):
    /// pick one that no metric of the node or its devices uses. The NDEATH names `bdSeq` without
    /// an alias either way, as hosts look it up by name.
    pub bd_seq_alias: Option<u64>,
    /// Encoder choices (where UInt32 values go).
    pub encode: EncodeOptions,
}

impl<'c> EdgeConfig<'c> {
    /// An edge node that does not wait for a primary host.
    #[must_use]
    pub fn new(group: &'c str, edge_node: &'c str) -> Self {
        EdgeConfig {
            group,
            edge_node,
            primary_host: None,
            bd_seq_alias: None,
            encode: EncodeOptions::default(),
        }
    }

    /// Gives the NBIRTH's `bdSeq` metric this alias (see [`EdgeConfig::bd_seq_alias`]).
    #[must_use]
    pub fn with_bd_seq_alias(mut self, alias: u64) -> Self {
        self.bd_seq_alias = Some(alias);
        self
    }

    /// Waits for `host` to be online before the births, and leaves when it goes offline.
    #[must_use]
    pub fn with_primary_host(mut self, host: &'c str) -> Self {
        self.primary_host = Some(host);
        self
    }
}

/// A device of the edge node, as returned by [`EdgeNode::add_device`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Device(usize);

impl Device {
    /// Position in registration order.
    #[must_use]
    pub const fn index(self) -> usize {
        self.0
    }
}

/// What the application must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EdgeEvent {
    /// Publish the NBIRTH ([`EdgeNode::birth`]) and then a DBIRTH for every device that is up:
    /// after connecting (and the primary host coming online), or on a rebirth request.
    PublishBirths,
    /// The primary host went offline: the session sent NDEATH and asks to disconnect
    /// (`tck-id-operational-behavior-edge-node-termination-host-offline`); connect to the next
    /// MQTT server.
    HostOffline,
    /// The MQTT session ended; call [`EdgeNode::connect`] again to open the next one.
    Disconnected,
}

/// A message for the application, borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EdgeIncoming<'a> {
    /// An NCMD (`device` is `None`) or DCMD for one of this node's devices. A `Node
    /// Control/Rebirth` request is also acted on by the session ([`EdgeEvent::PublishBirths`]).
    Command {
        /// The addressed device.
        device: Option<Device>,
        /// The command payload.
        payload: PayloadView<'a>,
    },
    /// The primary host's STATE (already acted on).
    HostState(StateMessage),
    /// Nothing for this edge node: another topic, a stale STATE, a DCMD for an unknown device.
    Ignored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No MQTT session.
    Offline,
    /// `connect` returned the Will; waiting for CONNACK.
    Connecting,
    /// The session is up.
    Connected,
    /// NDEATH sent; DISCONNECT follows.
    Closing,
}

/// An edge node with up to `D` devices, its `bdSeq` kept in `S`.
#[derive(Debug)]
pub struct EdgeNode<'c, S, const D: usize = 16> {
    config: EdgeConfig<'c>,
    store: S,
    devices: [Option<(&'c str, bool)>; D],
    phase: Phase,
    bd_seq: u8,
    /// The next `seq` to send.
    seq: u8,
    born: bool,
    host_online: bool,
    /// The timestamp of the last STATE of the primary host that was acted on.
    host_timestamp: Option<u64>,
    // Pending transmits, in order.
    sub_ncmd: bool,
    sub_dcmd: bool,
    sub_state: bool,
    death: bool,
    disconnect: bool,
    // Pending events.
    ev_births: bool,
    ev_host_offline: bool,
    ev_disconnected: bool,
}

impl<'c, S: BdSeqStore, const D: usize> EdgeNode<'c, S, D> {
    /// An edge node, not connected. Checks the identifiers.
    pub fn new(config: EdgeConfig<'c>, store: S) -> Result<Self, SessionError> {
        check_id(config.group, Part::Group)?;
        check_id(config.edge_node, Part::EdgeNode)?;
        if let Some(h) = config.primary_host {
            check_id(h, Part::Host)?;
        }
        Ok(EdgeNode {
            config,
            store,
            devices: [None; D],
            phase: Phase::Offline,
            bd_seq: 0,
            seq: 0,
            born: false,
            host_online: false,
            host_timestamp: None,
            sub_ncmd: false,
            sub_dcmd: false,
            sub_state: false,
            death: false,
            disconnect: false,
            ev_births: false,
            ev_host_offline: false,
            ev_disconnected: false,
        })
    }

    /// Registers a device (before or during a session). Its DBIRTH goes out through
    /// [`EdgeNode::device_birth`].
    pub fn add_device(&mut self, id: &'c str) -> Result<Device, SessionError> {
        check_id(id, Part::Device)?;
        if self.devices.iter().flatten().any(|(d, _)| *d == id) {
            return Err(SessionError::DuplicateDevice);
        }
        let (i, slot) = self
            .devices
            .iter_mut()
            .enumerate()
            .find(|(_, s)| s.is_none())
            .ok_or(SessionError::Capacity("devices"))?;
        *slot = Some((id, false));
        Ok(Device(i))
    }

    /// The configuration.
    pub const fn config(&self) -> &EdgeConfig<'c> {
        &self.config
    }

    /// The `bdSeq` of the current (or last) session.
    pub const fn bd_seq(&self) -> u8 {
        self.bd_seq
    }

    /// The `seq` the next message will carry.
    pub const fn next_seq(&self) -> u8 {
        self.seq
    }

    /// Whether the NBIRTH of this session is out and no rebirth is pending.
    pub const fn is_born(&self) -> bool {
        self.born
    }

    /// Whether a device's DBIRTH is out (and no rebirth or DDEATH since).
    pub fn is_device_born(&self, device: Device) -> bool {
        matches!(self.devices.get(device.0), Some(Some((_, true))))
    }

    /// Opens a session: takes the next `bdSeq` (stored in `S`) and writes the MQTT Will the
    /// CONNECT must carry: the NDEATH with that `bdSeq`, QoS 1, not retained
    /// (`tck-id-message-flow-edge-node-birth-publish-will-message*`). Connect with a clean
    /// session (MQTT 3.1.1) or clean start and session expiry 0 (MQTT 5).
    pub fn connect<'b>(
        &mut self,
        now: Timestamp,
        out: &'b mut [u8],
    ) -> Result<Publish<'b>, SessionError> {
        if self.phase != Phase::Offline {
            return Err(SessionError::AlreadyConnected);
        }
        let bd_seq = self.store.load().map_or(0, |b| b.wrapping_add(1));
        let will = self.write_death(now, bd_seq, out)?;
        self.store.save(bd_seq);
        self.bd_seq = bd_seq;
        self.phase = Phase::Connecting;
        self.born = false;
        self.host_online = false;
        // STATE timestamps are compared within one connection: another broker's retained
        // STATE may be older than the last one seen here, and still be the host's state there
        // (tck-id-operational-behavior-host-application-multi-server-timestamp).
        self.host_timestamp = None;
        self.clear_devices();
        Ok(will)
    }

    /// Takes what the MQTT client reports.
    pub fn handle<'a>(
        &mut self,
        _now: Timestamp,
        input: Input<'a>,
    ) -> Result<EdgeIncoming<'a>, SessionError> {
        match input {
            Input::Connected => {
                if self.phase != Phase::Connecting {
                    return Err(SessionError::NotConnected);
                }
                self.phase = Phase::Connected;
                // tck-id-message-flow-edge-node-ncmd-subscribe, -device-dcmd-subscribe.
                self.sub_ncmd = true;
                self.sub_dcmd = true;
                self.sub_state = self.config.primary_host.is_some();
                self.ev_births = self.config.primary_host.is_none();
                Ok(EdgeIncoming::Ignored)
            }
            Input::Disconnected => {
                self.drop_session();
                self.ev_disconnected = true;
                Ok(EdgeIncoming::Ignored)
            }
            Input::Message { topic, payload } => self.message(topic, payload),
        }
    }

    fn drop_session(&mut self) {
        self.phase = Phase::Offline;
        self.born = false;
        self.host_online = false;
        self.clear_devices();
        self.sub_ncmd = false;
        self.sub_dcmd = false;
        self.sub_state = false;
        self.death = false;
        self.disconnect = false;
        self.ev_births = false;
    }

    fn clear_devices(&mut self) {
        for (_, born) in self.devices.iter_mut().flatten() {
            *born = false;
        }
    }

    fn message<'a>(
        &mut self,
        topic: &'a str,
        payload: &'a [u8],
    ) -> Result<EdgeIncoming<'a>, SessionError> {
        if self.phase != Phase::Connected {
            return Ok(EdgeIncoming::Ignored);
        }
        let Ok(parsed) = Topic::parse(topic) else {
            return Ok(EdgeIncoming::Ignored);
        };
        match parsed {
            Topic::State { host, version } if Some(host) == self.config.primary_host => {
                let state = match version {
                    StateVersion::V3 => StateMessage::parse(payload)?,
                    StateVersion::V2 => StateMessage::parse_v2(payload)?,
                };
                Ok(self.host_state(state))
            }
            Topic::Message(m)
                if m.group == self.config.group && m.edge_node == self.config.edge_node =>
            {
                let device = match (m.message_type, m.device) {
                    (MessageType::NCmd, None) => None,
                    (MessageType::DCmd, Some(id)) => match self.device_by_id(id) {
                        Some(d) => Some(d),
                        None => return Ok(EdgeIncoming::Ignored),
                    },
                    _ => return Ok(EdgeIncoming::Ignored),
                };
                let view = PayloadView::new(payload)?;
                if device.is_none() && is_rebirth_request(&view) {
                    // tck-id-operational-behavior-data-commands-rebirth-action-1 and -2: no
                    // data until the births are out again.
                    self.born = false;
                    self.clear_devices();
                    self.ev_births = self.may_birth();
                }
                Ok(EdgeIncoming::Command {
                    device,
                    payload: view,
                })
            }
            _ => Ok(EdgeIncoming::Ignored),
        }
    }

    fn host_state(&mut self, state: StateMessage) -> EdgeIncoming<'static> {
        // tck-id-message-flow-edge-node-birth-publish-phid-wait-timestamp and
        // tck-id-operational-behavior-edge-node-termination-host-offline-timestamp: a STATE older
        // than the last one acted on is ignored (the 2.2 form has no timestamp: always taken).
        if let (Some(last), Some(ts)) = (self.host_timestamp, state.timestamp) {
            if ts < last {
                return EdgeIncoming::Ignored;
            }
        }
        if state.timestamp.is_some() {
            self.host_timestamp = state.timestamp;
        }
        if state.online {
            if !self.host_online {
                self.host_online = true;
                self.ev_births = !self.born;
            }
        } else {
            self.host_online = false;
            // tck-id-operational-behavior-edge-node-termination-host-offline: leave this server,
            // with an NDEATH first (intentional disconnect).
            self.death = true;
            self.disconnect = true;
            self.phase = Phase::Closing;
            self.born = false;
            self.clear_devices();
            self.ev_births = false;
            self.ev_host_offline = true;
        }
        EdgeIncoming::HostState(state)
    }

    fn device_by_id(&self, id: &str) -> Option<Device> {
        self.devices
            .iter()
            .position(|s| matches!(s, Some((d, _)) if *d == id))
            .map(Device)
    }

    /// Connected, the NCMD and DCMD subscriptions handed out (`poll_transmit`,
    /// tck-id-message-flow-edge-node-ncmd-subscribe: they come before the NBIRTH), and the
    /// primary host application online when there is one.
    fn may_birth(&self) -> bool {
        self.phase == Phase::Connected
            && !self.subscribing()
            && (self.config.primary_host.is_none() || self.host_online)
    }

    /// The NCMD or DCMD subscription is still to be handed out.
    const fn subscribing(&self) -> bool {
        self.sub_ncmd || self.sub_dcmd
    }

    fn node_topic(&self, message_type: MessageType<'c>, device: Option<&'c str>) -> Topic<'c> {
        Topic::Message(MessageTopic {
            group: self.config.group,
            message_type,
            edge_node: self.config.edge_node,
            device,
        })
    }

    fn write_death<'b>(
        &self,
        now: Timestamp,
        bd_seq: u8,
        out: &'b mut [u8],
    ) -> Result<Publish<'b>, SessionError> {
        let metric = [bd_seq_metric(bd_seq, now.as_millis())];
        write_publish(
            out,
            &self.node_topic(MessageType::NDeath, None),
            &death_payload(&metric, now.as_millis()),
            &Payload::default(),
            &self.config.encode,
        )
    }

    /// Writes a message that carries the next `seq`, then advances it.
    fn write_seq<'b>(
        &mut self,
        now: Timestamp,
        topic: Topic<'c>,
        metrics: &[Metric<'_>],
        extra: &[Metric<'_>],
        seq: u8,
        out: &'b mut [u8],
    ) -> Result<Publish<'b>, SessionError> {
        check_reserved(metrics)?;
        let head = Payload {
            timestamp: Some(now.as_millis()),
            metrics: Seq::Borrowed(metrics),
            ..Payload::default()
        };
        let tail = Payload {
            metrics: Seq::Borrowed(extra),
            seq: Some(u64::from(seq)),
            ..Payload::default()
        };
        // tck-id-payloads-name-birth-data-requirement: every metric carries a timestamp.
        let options = EncodeOptions {
            metric_timestamp: Some(now.as_millis()),
            ..self.config.encode
        };
        let p = write_publish(out, &topic, &head, &tail, &options)?;
        self.seq = seq.wrapping_add(1);
        Ok(p)
    }

    fn device_id(&self, device: Device) -> Result<(&'c str, bool), SessionError> {
        self.devices
            .get(device.0)
            .copied()
            .flatten()
            .ok_or(SessionError::UnknownDevice)
    }

    fn set_device(&mut self, device: Device, born: bool) {
        if let Some(Some((_, b))) = self.devices.get_mut(device.0) {
            *b = born;
        }
    }

    fn check_connected(&self) -> Result<(), SessionError> {
        match self.phase {
            Phase::Connected if self.may_birth() => Ok(()),
            Phase::Connected if self.subscribing() => Err(SessionError::Subscribing),
            Phase::Connected => Err(SessionError::HostOffline),
            _ => Err(SessionError::NotConnected),
        }
    }

    /// Writes the NBIRTH: the application's metrics (names, datatypes and values, aliases if it
    /// uses them), then `bdSeq` and `Node Control/Rebirth` (false), with `seq` 0
    /// (`tck-id-payloads-nbirth-seq`, `-bdseq`, `-rebirth-req`). Every device is then unborn
    /// until its DBIRTH.
    pub fn birth<'b>(
        &mut self,
        now: Timestamp,
        metrics: &[Metric<'_>],
        out: &'b mut [u8],
    ) -> Result<Publish<'b>, SessionError> {
        self.check_connected()?;
        let ms = now.as_millis();
        let extra = [
            Metric {
                alias: self.config.bd_seq_alias,
                ..bd_seq_metric(self.bd_seq, ms)
            },
            Metric {
                timestamp: Some(ms),
                ..Metric::new(REBIRTH, MetricValue::Boolean(false))
            },
        ];
        let topic = self.node_topic(MessageType::NBirth, None);
        let p = self.write_seq(now, topic, metrics, &extra, 0, out)?;
        self.born = true;
        self.ev_births = false;
        self.clear_devices();
        Ok(p)
    }

    /// Writes an NDATA.
    pub fn data<'b>(
        &mut self,
        now: Timestamp,
        metrics: &[Metric<'_>],
        out: &'b mut [u8],
    ) -> Result<Publish<'b>, SessionError> {
        self.check_born()?;
        let topic = self.node_topic(MessageType::NData, None);
        self.write_seq(now, topic, metrics, &[], self.seq, out)
    }

    fn check_born(&self) -> Result<(), SessionError> {
        self.check_connected()?;
        if self.born {
            Ok(())
        } else {
            Err(SessionError::NotBorn)
        }
    }

    /// Writes a device's DBIRTH (after the NBIRTH,
    /// `tck-id-message-flow-device-birth-publish-nbirth-wait`).
    pub fn device_birth<'b>(
        &mut self,
        now: Timestamp,
        device: Device,
        metrics: &[Metric<'_>],
        out: &'b mut [u8],
    ) -> Result<Publish<'b>, SessionError> {
        let (id, _) = self.device_id(device)?;
        self.check_born()?;
        let topic = self.node_topic(MessageType::DBirth, Some(id));
        let p = self.write_seq(now, topic, metrics, &[], self.seq, out)?;
        self.set_device(device, true);
        Ok(p)
    }

    /// Writes a device's DDATA.
    pub fn device_data<'b>(
        &mut self,
        now: Timestamp,
        device: Device,
        metrics: &[Metric<'_>],
        out: &'b mut [u8],
    ) -> Result<Publish<'b>, SessionError> {
        let (id, born) = self.device_id(device)?;
        self.check_born()?;
        if !born {
            return Err(SessionError::DeviceNotBorn);
        }
        let topic = self.node_topic(MessageType::DData, Some(id));
        self.write_seq(now, topic, metrics, &[], self.seq, out)
    }

    /// Writes an NDATA (`device` `None`) or a device's DDATA from samples: each sample becomes
    /// the metric `map` gives its key (alias and the datatype its birth declared), carrying alias
    /// and value only, as data messages with aliases do ([`metric_from_sample`]). Nothing is
    /// allocated. A sample `map` does not know is [`Error::NoKey`]; a value that does not fit its
    /// datatype, [`Error::Range`] or [`Error::ValueType`]. On any error nothing changes.
    pub fn data_samples<'b>(
        &mut self,
        now: Timestamp,
        device: Option<Device>,
        samples: &[Sample<'_>],
        map: impl Fn(&SampleKey<'_>) -> Option<(u64, DataType)>,
        out: &'b mut [u8],
    ) -> Result<Publish<'b>, SessionError> {
        let topic = match device {
            None => {
                self.check_born()?;
                self.node_topic(MessageType::NData, None)
            }
            Some(d) => {
                let (id, born) = self.device_id(d)?;
                self.check_born()?;
                if !born {
                    return Err(SessionError::DeviceNotBorn);
                }
                self.node_topic(MessageType::DData, Some(id))
            }
        };
        let metrics = samples.iter().map(|s| {
            let (alias, datatype) = map(&s.key).ok_or(Error::NoKey)?;
            metric_from_sample(s, datatype, Some(alias))
        });
        let head = Payload {
            timestamp: Some(now.as_millis()),
            ..Payload::default()
        };
        let tail = Payload {
            seq: Some(u64::from(self.seq)),
            ..Payload::default()
        };
        let options = EncodeOptions {
            metric_timestamp: Some(now.as_millis()),
            ..self.config.encode
        };
        let p = write_publish_iter(out, &topic, &head, metrics, &tail, &options)?;
        self.seq = self.seq.wrapping_add(1);
        Ok(p)
    }

    /// Writes a device's DDEATH (`tck-id-operational-behavior-device-ddeath`): a timestamp and
    /// the next `seq`, no metrics.
    pub fn device_death<'b>(
        &mut self,
        now: Timestamp,
        device: Device,
        out: &'b mut [u8],
    ) -> Result<Publish<'b>, SessionError> {
        let (id, born) = self.device_id(device)?;
        self.check_born()?;
        if !born {
            return Err(SessionError::DeviceNotBorn);
        }
        let topic = self.node_topic(MessageType::DDeath, Some(id));
        let p = self.write_seq(now, topic, &[], &[], self.seq, out)?;
        self.set_device(device, false);
        Ok(p)
    }

    /// Ends the session on purpose: writes the NDEATH to publish before DISCONNECT
    /// (`tck-id-operational-behavior-edge-node-intentional-disconnect-ndeath`);
    /// [`EdgeNode::poll_transmit`] then yields [`Transmit::Disconnect`].
    pub fn disconnect<'b>(
        &mut self,
        now: Timestamp,
        out: &'b mut [u8],
    ) -> Result<Publish<'b>, SessionError> {
        if self.phase != Phase::Connected {
            return Err(SessionError::NotConnected);
        }
        let p = self.write_death(now, self.bd_seq, out)?;
        self.phase = Phase::Closing;
        self.born = false;
        self.clear_devices();
        self.ev_births = false;
        self.disconnect = true;
        Ok(p)
    }

    /// The next thing the protocol itself must send. On `Some(Err(_))` (a buffer too small)
    /// nothing was consumed: call again with a larger buffer.
    pub fn poll_transmit<'b>(
        &mut self,
        now: Timestamp,
        out: &'b mut [u8],
    ) -> Option<Result<Transmit<'b>, SessionError>> {
        let g = self.config.group;
        let e = self.config.edge_node;
        if self.sub_ncmd {
            let t = Topic::Message(MessageTopic {
                group: g,
                message_type: MessageType::NCmd,
                edge_node: e,
                device: None,
            });
            return Some(write_topic(out, &t).map(|filter| {
                self.sub_ncmd = false;
                Transmit::Subscribe { filter, qos: 1 }
            }));
        }
        if self.sub_dcmd {
            // `+` is a filter wildcard, not an id: the text is put together without the id check.
            let r = super::write_concat(out, &["spBv1.0/", g, "/DCMD/", e, "/+"]);
            return Some(r.map(|filter| {
                self.sub_dcmd = false;
                Transmit::Subscribe { filter, qos: 1 }
            }));
        }
        if self.sub_state {
            if let Some(host) = self.config.primary_host {
                let t = Topic::State {
                    host,
                    version: StateVersion::V3,
                };
                return Some(write_topic(out, &t).map(|filter| {
                    self.sub_state = false;
                    Transmit::Subscribe { filter, qos: 1 }
                }));
            }
            self.sub_state = false;
        }
        if self.death {
            return Some(self.write_death(now, self.bd_seq, out).map(|p| {
                self.death = false;
                Transmit::Publish(p)
            }));
        }
        if self.disconnect {
            self.disconnect = false;
            self.drop_session();
            return Some(Ok(Transmit::Disconnect));
        }
        None
    }

    /// The next thing the application must do.
    pub fn poll_event(&mut self) -> Option<EdgeEvent> {
        if self.ev_host_offline {
            self.ev_host_offline = false;
            return Some(EdgeEvent::HostOffline);
        }
        if self.ev_disconnected {
            self.ev_disconnected = false;
            return Some(EdgeEvent::Disconnected);
        }
        if self.ev_births && self.may_birth() && !self.born {
            self.ev_births = false;
            return Some(EdgeEvent::PublishBirths);
        }
        None
    }

    /// The edge node has no timers; present for the common shape of sessions.
    pub const fn poll_timeout(&self) -> Option<Timestamp> {
        None
    }
}

/// Whether an NCMD asks for a rebirth: a `Node Control/Rebirth` metric set to true
/// (`tck-id-operational-behavior-data-commands-ncmd-rebirth-*`).
fn is_rebirth_request(p: &PayloadView<'_>) -> bool {
    p.metrics().flatten().any(|m| {
        m.name() == Some(REBIRTH) && matches!(m.raw_value(), Some(RawValue::Boolean(true)))
    })
}
