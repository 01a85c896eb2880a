//! MQTT runners (feature `rumqttc`): the sans-IO [`EdgeNode`] and [`Host`] sessions connected to
//! a real broker with the rumqttc client (MQTT 3.1.1, clean session, no TLS unless the options
//! given say so). Each runner is a loop around the session: the Will the session writes goes
//! into the CONNECT, what `poll_transmit` yields is published or subscribed, and what the broker
//! delivers is handed to `handle`.
//!
//! The rumqttc event loop runs in a task of its own, so publishing never waits on reading. A new
//! MQTT session needs a new Will (the next `bdSeq`, a new STATE timestamp): after a disconnect,
//! call `reconnect`.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use std::boxed::Box;
use std::string::{String, ToString};
use std::vec::Vec;

use m2m_core::Timestamp;
/// The MQTT client crate, for its `MqttOptions`.
pub use rumqttc;
use rumqttc::{AsyncClient, Event, EventLoop, LastWill, MqttOptions, Outgoing, Packet, QoS};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::session::edge::{BdSeqStore, Device, EdgeConfig, EdgeEvent, EdgeIncoming, EdgeNode};
use crate::session::host::{Host, HostConfig, HostEvent, HostIncoming};
use crate::session::{Input, Publish, SessionError, Transmit};

/// Bytes reserved for one message (topic and payload) written by a session, and the least
/// packet size the runners let rumqttc send and receive (its default, 10 KiB, is below many
/// births).
const BUFFER: usize = 1 << 20;

/// Why a runner stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// The session refused a call or an input.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The MQTT client refused a request (its task ended).
    #[error("MQTT client: {0}")]
    Client(#[from] rumqttc::ClientError),
    /// The connection failed or closed.
    #[error("MQTT connection: {0}")]
    Connection(String),
}

/// What a runner's network task reports.
enum Net {
    Connected,
    Message(String, Vec<u8>),
    Closed(Option<String>),
}

fn qos(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

fn now() -> Timestamp {
    Timestamp::now().unwrap_or(Timestamp::EPOCH)
}

/// One PUBLISH a runner sent, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Topic.
    pub topic: String,
    /// Payload.
    pub payload: Vec<u8>,
}

impl From<Publish<'_>> for Sent {
    fn from(p: Publish<'_>) -> Self {
        Sent {
            topic: p.topic.to_string(),
            payload: p.payload.to_vec(),
        }
    }
}

/// The MQTT side of a runner: client, event-loop task and what it reports.
struct Link {
    client: AsyncClient,
    net: mpsc::UnboundedReceiver<Net>,
    task: JoinHandle<()>,
}

impl Link {
    /// Connects with `will`, and waits for CONNACK.
    async fn open(mut options: MqttOptions, will: &Publish<'_>) -> Result<Self, RunnerError> {
        options.set_clean_session(true);
        // rumqttc tells only its incoming limit: both are set to it, or to 1 MiB if larger.
        let limit = options.max_packet_size().max(BUFFER);
        options.set_max_packet_size(limit, limit);
        options.set_last_will(LastWill::new(
            will.topic,
            will.payload.to_vec(),
            qos(will.delivery.qos),
            will.delivery.retain,
        ));
        let (client, eventloop) = AsyncClient::new(options, 64);
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(drive(eventloop, tx));
        let mut link = Link {
            client,
            net: rx,
            task,
        };
        match link.net.recv().await {
            Some(Net::Connected) => Ok(link),
            Some(Net::Closed(Some(e))) => Err(RunnerError::Connection(e)),
            _ => Err(RunnerError::Connection("closed before CONNACK".into())),
        }
    }

    async fn send(&self, t: Transmit<'_>) -> Result<(), RunnerError> {
        match t {
            Transmit::Subscribe { filter, qos: q } => self.client.subscribe(filter, qos(q)).await?,
            Transmit::Publish(p) => {
                self.client
                    .publish(
                        p.topic,
                        qos(p.delivery.qos),
                        p.delivery.retain,
                        p.payload.to_vec(),
                    )
                    .await?;
            }
            Transmit::Disconnect => self.client.disconnect().await?,
        }
        Ok(())
    }
}

impl Link {
    /// Sends what a session yields over `link`, if one is open; a DISCONNECT closes it once what
    /// was queued before (a death certificate) is written.
    async fn carry(link: &mut Option<Link>, t: Transmit<'_>) -> Result<(), RunnerError> {
        let closing = t == Transmit::Disconnect;
        if let Some(l) = link.as_ref() {
            l.send(t).await?;
        }
        if closing {
            if let Some(mut l) = link.take() {
                while let Some(n) = l.net.recv().await {
                    if matches!(n, Net::Closed(_)) {
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Polls the rumqttc event loop until the connection ends, reporting to the runner.
async fn drive(mut eventloop: EventLoop, tx: mpsc::UnboundedSender<Net>) {
    loop {
        let report = match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => Net::Connected,
            Ok(Event::Incoming(Packet::Publish(p))) => Net::Message(p.topic, p.payload.to_vec()),
            Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                let _ = tx.send(Net::Closed(None));
                return;
            }
            Ok(_) => continue,
            Err(e) => {
                let _ = tx.send(Net::Closed(Some(e.to_string())));
                return;
            }
        };
        if tx.send(report).is_err() {
            return;
        }
    }
}

/// What [`MqttEdge::next`] reports.
#[derive(Debug, Clone, PartialEq)]
pub enum EdgeUpdate {
    /// The application must act (publish births, reconnect).
    Event(EdgeEvent),
    /// An NCMD or DCMD for this node (a rebirth request is also reported as
    /// [`EdgeEvent::PublishBirths`]).
    Command {
        /// The addressed device.
        device: Option<Device>,
        /// The command payload (read it with [`PayloadView`](crate::PayloadView)).
        payload: Vec<u8>,
    },
}

/// An [`EdgeNode`] on an MQTT broker.
pub struct MqttEdge<'c, S, const D: usize = 16> {
    node: EdgeNode<'c, S, D>,
    options: MqttOptions,
    link: Option<Link>,
    buf: Vec<u8>,
    will: Option<Sent>,
}

impl<'c, S: BdSeqStore, const D: usize> MqttEdge<'c, S, D> {
    /// An edge node and the MQTT options to reach its broker; not connected yet. Register devices
    /// with [`MqttEdge::node_mut`] before connecting. The packet size limits of the options are
    /// both set to their incoming limit, or to 1 MiB (the largest message the runner writes)
    /// when that is larger.
    pub fn new(
        config: EdgeConfig<'c>,
        store: S,
        options: MqttOptions,
    ) -> Result<Self, RunnerError> {
        Ok(MqttEdge {
            node: EdgeNode::new(config, store)?,
            options,
            link: None,
            buf: std::vec![0; BUFFER],
            will: None,
        })
    }

    /// The session.
    pub const fn node(&self) -> &EdgeNode<'c, S, D> {
        &self.node
    }

    /// The session, to register devices.
    pub fn node_mut(&mut self) -> &mut EdgeNode<'c, S, D> {
        &mut self.node
    }

    /// The Will of the current MQTT session (the NDEATH with its `bdSeq`).
    pub const fn will(&self) -> Option<&Sent> {
        self.will.as_ref()
    }

    /// Opens an MQTT session with the next `bdSeq` in the Will, and subscribes.
    pub async fn connect(&mut self) -> Result<(), RunnerError> {
        self.link = None;
        let _ = self.node.handle(now(), Input::Disconnected);
        while self.node.poll_event().is_some() {}
        let will = self.node.connect(now(), &mut self.buf)?;
        let link = Link::open(self.options.clone(), &will).await?;
        self.will = Some(will.into());
        self.link = Some(link);
        self.node.handle(now(), Input::Connected)?;
        self.flush().await
    }

    async fn flush(&mut self) -> Result<(), RunnerError> {
        while let Some(t) = self.node.poll_transmit(now(), &mut self.buf) {
            Link::carry(&mut self.link, t?).await?;
        }
        Ok(())
    }

    /// Publishes the NBIRTH (see [`EdgeNode::birth`]).
    pub async fn birth(&mut self, metrics: &[crate::Metric<'_>]) -> Result<Sent, RunnerError> {
        let p = self.node.birth(now(), metrics, &mut self.buf)?;
        let p = Self::owned(p);
        self.publish_owned(p).await
    }

    /// Publishes an NDATA.
    pub async fn data(&mut self, metrics: &[crate::Metric<'_>]) -> Result<Sent, RunnerError> {
        let p = Self::owned(self.node.data(now(), metrics, &mut self.buf)?);
        self.publish_owned(p).await
    }

    /// Publishes a DBIRTH.
    pub async fn device_birth(
        &mut self,
        device: Device,
        metrics: &[crate::Metric<'_>],
    ) -> Result<Sent, RunnerError> {
        let p = Self::owned(
            self.node
                .device_birth(now(), device, metrics, &mut self.buf)?,
        );
        self.publish_owned(p).await
    }

    /// Publishes a DDATA.
    pub async fn device_data(
        &mut self,
        device: Device,
        metrics: &[crate::Metric<'_>],
    ) -> Result<Sent, RunnerError> {
        let p = Self::owned(
            self.node
                .device_data(now(), device, metrics, &mut self.buf)?,
        );
        self.publish_owned(p).await
    }

    /// Publishes a DDEATH.
    pub async fn device_death(&mut self, device: Device) -> Result<Sent, RunnerError> {
        let p = Self::owned(self.node.device_death(now(), device, &mut self.buf)?);
        self.publish_owned(p).await
    }

    fn owned(p: Publish<'_>) -> (Sent, crate::topic::Delivery) {
        (p.into(), p.delivery)
    }

    async fn publish_owned(
        &self,
        (sent, delivery): (Sent, crate::topic::Delivery),
    ) -> Result<Sent, RunnerError> {
        let link = self.link.as_ref().ok_or(SessionError::NotConnected)?;
        link.client
            .publish(
                sent.topic.as_str(),
                qos(delivery.qos),
                delivery.retain,
                sent.payload.clone(),
            )
            .await?;
        Ok(sent)
    }

    /// Publishes the NDEATH and disconnects (an intentional end).
    pub async fn disconnect(&mut self) -> Result<Sent, RunnerError> {
        let p = Self::owned(self.node.disconnect(now(), &mut self.buf)?);
        let sent = self.publish_owned(p).await?;
        self.flush().await?;
        Ok(sent)
    }

    /// Drops the TCP connection without DISCONNECT, as a crash or a cut cable would: the broker
    /// then publishes the Will.
    pub fn abort(&mut self) {
        self.link = None;
        let _ = self.node.handle(now(), Input::Disconnected);
    }

    /// Waits for what the application must see next: a session event or a command.
    pub async fn next(&mut self) -> Result<EdgeUpdate, RunnerError> {
        loop {
            if let Some(ev) = self.node.poll_event() {
                return Ok(EdgeUpdate::Event(ev));
            }
            let Some(link) = self.link.as_mut() else {
                return Err(SessionError::NotConnected.into());
            };
            let net = link.net.recv().await;
            let update = match net {
                Some(Net::Message(topic, payload)) => {
                    let input = Input::Message {
                        topic: &topic,
                        payload: &payload,
                    };
                    match self.node.handle(now(), input) {
                        Ok(EdgeIncoming::Command { device, .. }) => Some(EdgeUpdate::Command {
                            device,
                            payload: payload.clone(),
                        }),
                        Ok(_) => None,
                        // A malformed command or STATE is dropped, as the host runner drops
                        // what it cannot read: anyone may publish to those topics.
                        Err(SessionError::Payload(_) | SessionError::State(_)) => None,
                        Err(e) => return Err(e.into()),
                    }
                }
                Some(Net::Connected) => None,
                Some(Net::Closed(_)) | None => {
                    self.link = None;
                    self.node.handle(now(), Input::Disconnected)?;
                    None
                }
            };
            self.flush().await?;
            if let Some(u) = update {
                return Ok(u);
            }
        }
    }
}

/// What [`MqttHost::next`] reports, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum HostUpdate {
    /// A message the session followed or ignored, with its topic and payload.
    Message {
        /// Topic.
        topic: String,
        /// Payload.
        payload: Vec<u8>,
        /// What the session made of it, without the borrowed payload view.
        kind: HostKind,
    },
    /// A session event.
    Event(HostEvent),
}

/// The kind of a [`HostIncoming`], owned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostKind {
    /// NBIRTH.
    NodeBirth,
    /// NDEATH.
    NodeDeath,
    /// DBIRTH.
    DeviceBirth,
    /// DDEATH.
    DeviceDeath,
    /// NDATA or DDATA, with where its `seq` fell.
    Data(crate::session::host::Order),
    /// Another host's STATE.
    State(crate::state::StateMessage),
    /// Nothing changed.
    Ignored(crate::session::host::Ignored),
}

impl From<&HostIncoming<'_>> for HostKind {
    fn from(i: &HostIncoming<'_>) -> Self {
        match i {
            HostIncoming::NodeBirth { .. } => HostKind::NodeBirth,
            HostIncoming::NodeDeath { .. } => HostKind::NodeDeath,
            HostIncoming::DeviceBirth { .. } => HostKind::DeviceBirth,
            HostIncoming::DeviceDeath { .. } => HostKind::DeviceDeath,
            HostIncoming::Data { order, .. } => HostKind::Data(*order),
            HostIncoming::State { state, .. } => HostKind::State(*state),
            HostIncoming::Ignored(i) => HostKind::Ignored(*i),
        }
    }
}

/// A [`Host`] application on an MQTT broker.
pub struct MqttHost<'c, const N: usize = 16, const D: usize = 64, const A: usize = 1024> {
    host: Box<Host<'c, N, D, A>>,
    options: MqttOptions,
    link: Option<Link>,
    buf: Vec<u8>,
}

impl<'c, const N: usize, const D: usize, const A: usize> MqttHost<'c, N, D, A> {
    /// A host application and the MQTT options to reach its broker; not connected yet. The
    /// packet size limits of the options are both set to their incoming limit, or to 1 MiB when
    /// that is larger (rumqttc's default, 10 KiB, would drop the connection at the first
    /// larger birth).
    pub fn new(config: HostConfig<'c>, options: MqttOptions) -> Result<Self, RunnerError> {
        Ok(MqttHost {
            host: Box::new(Host::new(config)?),
            options,
            link: None,
            buf: std::vec![0; BUFFER],
        })
    }

    /// The session (to look up nodes, devices and alias datatypes).
    pub fn host(&self) -> &Host<'c, N, D, A> {
        &self.host
    }

    /// Opens an MQTT session with the STATE death certificate as Will, subscribes, and publishes
    /// the STATE birth certificate.
    pub async fn connect(&mut self) -> Result<(), RunnerError> {
        self.link = None;
        let _ = self.host.handle(now(), Input::Disconnected);
        while self.host.poll_event().is_some() {}
        let will = self.host.connect(now(), &mut self.buf)?;
        self.link = Some(Link::open(self.options.clone(), &will).await?);
        self.host.handle(now(), Input::Connected)?;
        self.flush().await
    }

    async fn flush(&mut self) -> Result<(), RunnerError> {
        while let Some(t) = self.host.poll_transmit(now(), &mut self.buf) {
            Link::carry(&mut self.link, t?).await?;
        }
        Ok(())
    }

    /// Publishes the STATE death certificate and disconnects.
    pub async fn disconnect(&mut self) -> Result<(), RunnerError> {
        let p = self.host.disconnect(now(), &mut self.buf)?;
        let link = self.link.as_ref().ok_or(SessionError::NotConnected)?;
        link.send(Transmit::Publish(p)).await?;
        self.flush().await
    }

    /// Waits for the next message or event, acting on reorder timeouts meanwhile.
    pub async fn next(&mut self) -> Result<HostUpdate, RunnerError> {
        loop {
            // A deadline already passed is acted on before the next message: with messages
            // always queued, waiting with a zero timeout would take a message every time.
            let at = now();
            if self.host.poll_timeout().is_some_and(|t| t <= at) {
                self.host.handle_timeout(at);
                self.flush().await?;
            }
            if let Some(ev) = self.host.poll_event() {
                return Ok(HostUpdate::Event(ev));
            }
            let Some(link) = self.link.as_mut() else {
                return Err(SessionError::NotConnected.into());
            };
            let wait = self
                .host
                .poll_timeout()
                .and_then(|t| t.duration_since(now()))
                .or(self.host.poll_timeout().map(|_| core::time::Duration::ZERO));
            let net = match wait {
                Some(d) => tokio::time::timeout(d, link.net.recv()).await.ok(),
                None => Some(link.net.recv().await),
            };
            let update = match net {
                None => {
                    self.host.handle_timeout(now());
                    None
                }
                Some(Some(Net::Message(topic, payload))) => {
                    let input = Input::Message {
                        topic: &topic,
                        payload: &payload,
                    };
                    let kind = match self.host.handle(now(), input) {
                        Ok(i) => HostKind::from(&i),
                        // A malformed message is dropped; the session goes on.
                        Err(SessionError::Payload(_) | SessionError::State(_)) => {
                            HostKind::Ignored(crate::session::host::Ignored::NotFollowed)
                        }
                        Err(e) => return Err(e.into()),
                    };
                    Some(HostUpdate::Message {
                        topic,
                        payload,
                        kind,
                    })
                }
                Some(Some(Net::Connected)) => None,
                Some(Some(Net::Closed(_)) | None) => {
                    self.link = None;
                    self.host.handle(now(), Input::Disconnected)?;
                    None
                }
            };
            self.flush().await?;
            if let Some(u) = update {
                return Ok(u);
            }
        }
    }
}
