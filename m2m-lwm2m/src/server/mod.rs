//! The sans-IO LwM2M server (OMA-TS-LightweightM2M_Core 1.1 §6.2 "Client Registration
//! Interface", §6.3 "Device Management", §6.4 "Information Reporting"; design.md §10) on the
//! m2m-coap endpoint: a registration store with lifetime expiry, device-management requests to
//! registered clients, and their responses and notifications handed to the application.
//! Answers that come in Block2 blocks are followed with [`Server::send_block`] (the std
//! runners do it and hand over the whole body); a Register, Update or Send in Block1 blocks is
//! put together in an [`Upload`] lent to [`Server::handle_with`]. A client in queue mode is
//! sent requests only while awake ([`Server::is_awake`], [`ServerEvent::Awake`]).
//!
//! No socket, clock or allocation: datagrams come in through [`Server::handle`] with `now`,
//! what to send comes out of [`Server::poll_transmit`], and [`Server::poll_timeout`] says when
//! to call [`Server::handle_timeout`]. Up to `R` registrations, `N` CoAP exchanges of `B` bytes.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod requests;

use core::time::Duration;

use m2m_coap::endpoint::{EndpointError, Event as CoapEvent};
use m2m_coap::option::value::{Block, ValueError};
use m2m_coap::{
    Builder, Code, ContentFormat, Endpoint, Incoming, Message, OptionNumber, RequestId, Type,
};
use m2m_core::Timestamp;

use crate::composite;
use crate::error::{Config, Error, Reason};
use crate::interface::{
    BS, ClientRequest, DP, Location, RD, RegisterParams, ServerRequest, Strings,
};
use crate::link::{self, Version};
use crate::path::Path;
use crate::upload::{Step, Upload};

/// Identifies a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RegId(pub u32);

/// The longest endpoint name a registration keeps.
pub const MAX_ENDPOINT: usize = 64;

/// The longest alternate path (the root its object links are under, `</lwm2m>;rt="oma.lwm2m"`)
/// a registration keeps.
pub const MAX_ROOT: usize = 32;

/// The most segments of an alternate path a registration keeps (`a/b`: two).
pub const MAX_ROOT_SEGMENTS: usize = 2;

/// A client's registration, as the server keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration<P> {
    /// Its id (its location is `/rd/{id}`).
    pub id: RegId,
    /// Where the client is.
    pub peer: P,
    name: [u8; MAX_ENDPOINT],
    name_len: usize,
    /// The lifetime in seconds.
    pub lifetime: u32,
    /// When it ends unless updated; `None` for a lifetime of 0, which is infinite (the Server
    /// object's Lifetime resource, /1/x/1): such a registration keeps its slot until the client
    /// de-registers or registers again (Leshan expires it at once, Wakaama reads 86400 s).
    pub expires: Option<Timestamp>,
    /// The enabler version the client registered with (`1.0` when it said none).
    pub version: Version,
    /// Queue mode.
    pub queue: bool,
    /// The server's count of Registers and Updates when the client last registered or updated
    /// from `peer` (the latest has the highest).
    seen: u64,
    /// When a datagram last came from it (a client in queue mode is awake for a while after).
    heard: Timestamp,
    /// A client in queue mode woke up and [`Server::poll_event`] has not told it yet.
    announce: bool,
    /// The alternate path, without its slashes (`lwm2m`); empty for `/`.
    root: [u8; MAX_ROOT],
    root_len: usize,
}

impl<P> Registration<P> {
    /// The client's alternate path (Core 1.1 §6.2.1: the root link `</lwm2m>;rt="oma.lwm2m"` of
    /// its registration), without its slashes: the server's requests go under it (`lwm2m/3/0`).
    /// Empty for the default `/`.
    #[must_use]
    pub fn root(&self) -> &str {
        self.root
            .get(..self.root_len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or_default()
    }

    /// The endpoint client name.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        self.name
            .get(..self.name_len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or_default()
    }
}

/// What the application learns from the server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServerEvent<'a, P> {
    /// A client registered.
    Registered {
        /// The new registration.
        id: RegId,
        /// The earlier registration of the same endpoint, which this one replaces (a client
        /// that restarted): it is gone, and so are its location and its observations (their
        /// notifications are answered with a Reset).
        replaced: Option<RegId>,
        /// Its endpoint name.
        endpoint: &'a str,
        /// Its parameters.
        params: RegisterParams<'a>,
        /// Its object links (already checked; read them with [`link::parse`], with the
        /// server's configuration [`Config::for_links_of`] the client's version).
        links: &'a str,
    },
    /// A client updated its registration.
    Updated {
        /// Which.
        id: RegId,
        /// What changed.
        params: RegisterParams<'a>,
        /// New object links, if sent.
        links: Option<&'a str>,
    },
    /// A client de-registered.
    Deregistered {
        /// Which.
        id: RegId,
    },
    /// A registration's lifetime ran out.
    Expired {
        /// Which.
        id: RegId,
    },
    /// The response to a request of ours, or a notification of an observation (its message
    /// has an Observe option); for Read-Composite and Observe-Composite, read the values with
    /// [`composite::values`].
    Response {
        /// Which request.
        request: RequestId,
        /// The response.
        message: Message<'a>,
    },
    /// A client in queue mode that was asleep sent a datagram (an Update, a notification, a
    /// Send...): requests to it may go now, for [`Server::set_awake_time`] after its last
    /// datagram. (From [`Server::poll_event`].)
    Awake {
        /// Which.
        id: RegId,
    },
    /// A Send from a registered client (1.1), already acknowledged with 2.04 (its records
    /// read through: a Send in another format than SenML JSON or CBOR or LwM2M CBOR, or whose
    /// records do not read, is answered 4.00 and refused, as one from a client that is not
    /// registered is). From an address that several registrations had, it is the latest
    /// registration's (an address a NAT gave another client since).
    Send {
        /// Which client.
        id: RegId,
        /// The records' format.
        format: ContentFormat,
        /// The records.
        payload: &'a [u8],
    },
    /// A client asked to be bootstrapped (a server made with [`Server::bootstrap`], already
    /// answered 2.04): send it Bootstrap-Write, -Delete and -Discover with
    /// [`Server::send_to`], then [`ClientRequest::BootstrapFinish`].
    BootstrapRequested {
        /// The endpoint name.
        endpoint: &'a str,
        /// Where it is.
        peer: P,
        /// The Content-Format it prefers for the Bootstrap-Writes (`pct`, Core 1.1 §5.2.7.1):
        /// a 1.1 client need not read TLV.
        preferred: Option<ContentFormat>,
    },
    /// A request of ours got no answer.
    Timeout(RequestId),
    /// A client rejected a message of ours (a Reset), e.g. a notification it no longer wants.
    Reset {
        /// Our request, if it was one.
        request: Option<RequestId>,
    },
    /// A request the server refused (answered 4.00 or 4.04): not for the application.
    Refused {
        /// Why.
        error: Error,
        /// From whom.
        peer: P,
    },
}

/// Why the server could not do what it was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SessionError {
    /// The CoAP layer refused: no free exchange, a message too big, ...
    #[error("CoAP: {0}")]
    Coap(#[from] EndpointError),
    /// The datagram is not CoAP.
    #[error("not a CoAP message: {0}")]
    Malformed(#[from] m2m_coap::Error),
    /// An LwM2M message could not be built.
    #[error("LwM2M: {0}")]
    Lwm2m(#[from] Error),
    /// No registration has this id.
    #[error("unknown registration")]
    UnknownRegistration,
    /// Every registration slot is in use.
    #[error("registration store full")]
    Full,
    /// The datagram came from a peer the client does not serve: dropped unanswered.
    #[error("datagram from a peer other than the server")]
    UnknownPeer,
    /// The client is in queue mode and asleep: a request waits until it is awake again
    /// ([`ServerEvent::Awake`]).
    #[error("the client is asleep (queue mode)")]
    Asleep,
    /// The server's account mutes Send (Mute Send, `/1/x/23`).
    #[error("Send is muted by the server's account")]
    Muted,
}

impl m2m_core::ProtocolError for SessionError {
    fn kind(&self) -> m2m_core::ErrorKind {
        match self {
            SessionError::Malformed(e) => e.kind(),
            SessionError::Lwm2m(e) => e.kind(),
            SessionError::Full | SessionError::Coap(_) => m2m_core::ErrorKind::Capacity,
            SessionError::UnknownRegistration
            | SessionError::UnknownPeer
            | SessionError::Asleep
            | SessionError::Muted => m2m_core::ErrorKind::Other,
        }
    }
}

/// The sans-IO LwM2M server.
#[derive(Debug)]
pub struct Server<P, const R: usize = 16, const N: usize = 8, const B: usize = 1152> {
    endpoint: Endpoint<P, N, B>,
    regs: [Option<Registration<P>>; R],
    expired: [Option<RegId>; 4],
    /// The registration each recent request went to (the latest [`SENT_TO`]): an answer or a
    /// notification to it shows that client awake.
    sent_to: [Option<(RequestId, RegId)>; SENT_TO],
    /// The latest request for a later block of a transfer (Block1 or Block2), one per
    /// registration: kept apart so that a transfer's many blocks push no request out of
    /// `sent_to` (an observation's among them).
    blocks_to: [Option<(RequestId, RegId)>; 8],
    /// The registration of each observation (Observe, Observe-Composite) still waiting: at most
    /// one per request the endpoint holds. A registration that ends takes its observations
    /// along, and a cancellation finds its client's alternate path here however many requests
    /// went out since.
    observed: [Option<(RequestId, RegId)>; N],
    /// How long a client in queue mode stays awake after its last datagram.
    awake: Duration,
    config: Config,
    bootstrap: bool,
    /// Registers and Updates taken so far.
    stamps: u64,
}

/// How many requests the server remembers the registration of.
const SENT_TO: usize = 32;

/// How long a client in queue mode is taken to stay awake after its last datagram, unless set
/// otherwise ([`Server::set_awake_time`]): CoAP's MAX_TRANSMIT_WAIT (RFC 7252 §4.8.2), as
/// Leshan's server takes it.
pub const AWAKE_TIME: Duration = Duration::from_secs(93);

fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}

/// Checks the object links of a Register or Update and finds the alternate path among them
/// (the root link `</path>;rt="oma.lwm2m"`; the last one, as the link parser reads the object
/// links after it), without its slashes; a path longer than [`MAX_ROOT`], or of more than
/// [`MAX_ROOT_SEGMENTS`] segments (each one more option on every request), is refused.
fn alternate_path(links: &str, config: Config) -> Result<([u8; MAX_ROOT], usize), Error> {
    let mut root = [0u8; MAX_ROOT];
    let mut len = 0usize;
    for l in link::parse(links, config) {
        if let link::Target::Root { path } = l?.target {
            let text = path.trim_matches('/');
            let too_long = Error::new(0, Reason::Unrepresentable);
            if text.split('/').count() > MAX_ROOT_SEGMENTS {
                return Err(too_long);
            }
            root.get_mut(..text.len())
                .ok_or(too_long)?
                .copy_from_slice(text.as_bytes());
            len = text.len();
        }
    }
    Ok((root, len))
}

/// When a registration of `lifetime` seconds made or updated at `now` ends: never for 0.
/// The outcome of sending an answer: one that finds no room in the endpoint (a
/// Non-confirmable request's answer needs a message slot of its own) is dropped, not an error
/// that would end a runner; any other failure is one.
pub(crate) fn no_room_is_no_error(sent: Result<(), EndpointError>) -> Result<(), SessionError> {
    match sent {
        Ok(()) | Err(EndpointError::Busy) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn expiry(now: Timestamp, lifetime: u32) -> Option<Timestamp> {
    (lifetime > 0).then(|| now.checked_add(secs(lifetime)).unwrap_or(now))
}

impl<P: Copy + Eq, const R: usize, const N: usize, const B: usize> Server<P, R, N, B> {
    /// A server; `seed` randomises CoAP message ids and tokens (give it some entropy).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Server {
            endpoint: Endpoint::new(seed),
            regs: [None; R],
            expired: [None; 4],
            sent_to: [None; SENT_TO],
            observed: [None; N],
            blocks_to: [None; 8],
            awake: AWAKE_TIME,
            config: Config::STRICT,
            bootstrap: false,
            stamps: 0,
        }
    }

    /// A bootstrap server (§5.2.7): it answers Bootstrap-Request with 2.04 and reports it as
    /// [`ServerEvent::BootstrapRequested`]; Register is still served.
    #[must_use]
    pub fn bootstrap(seed: u64) -> Self {
        Server {
            bootstrap: true,
            ..Server::new(seed)
        }
    }

    /// The same server, reading registration payloads with these tolerances.
    #[must_use]
    pub fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// How long a client in queue mode is taken to stay awake after its last datagram
    /// ([`AWAKE_TIME`] unless set): a request to one that has been quiet longer is refused
    /// ([`SessionError::Asleep`]) until it sends again ([`ServerEvent::Awake`]).
    pub fn set_awake_time(&mut self, awake: Duration) {
        self.awake = awake;
    }

    /// Whether registration `id` may be sent a request at `now`: it is not in queue mode, or
    /// it sent a datagram within the awake time (LwM2M Queue Mode: a server holds its requests
    /// to a client that sleeps until the client is online again).
    #[must_use]
    pub fn is_awake(&self, id: RegId, now: Timestamp) -> bool {
        self.registration(id)
            .is_some_and(|r| !r.queue || Self::awake_at(r, self.awake, now))
    }

    fn awake_at(r: &Registration<P>, awake: Duration, now: Timestamp) -> bool {
        r.heard.checked_add(awake).is_none_or(|t| now < t)
    }

    /// Registration `id` sent something at `now`: it is awake, and if it was asleep in queue
    /// mode, [`Server::poll_event`] says so.
    fn heard(&mut self, id: RegId, now: Timestamp) {
        let awake = self.awake;
        if let Some(r) = self.regs.iter_mut().flatten().find(|r| r.id == id) {
            if r.queue && !Self::awake_at(r, awake, now) {
                r.announce = true;
            }
            r.heard = now;
        }
    }

    /// The registration that last registered or updated from `peer`.
    fn at_peer(&self, peer: P) -> Option<RegId> {
        self.registrations()
            .filter(|r| r.peer == peer)
            .max_by_key(|r| r.seen)
            .map(|r| r.id)
    }

    /// The registration request `request` went to, if it is among the latest remembered (an
    /// observation's is remembered while it lasts).
    fn sent_to(&self, request: RequestId) -> Option<RegId> {
        self.sent_to
            .iter()
            .chain(self.blocks_to.iter())
            .chain(self.observed.iter())
            .flatten()
            .find(|(r, _)| *r == request)
            .map(|(_, g)| *g)
    }

    /// Notes that observation `request` went to registration `id`.
    fn observing(&mut self, request: RequestId, id: RegId) {
        let endpoint = &self.endpoint;
        if let Some(slot) = self
            .observed
            .iter_mut()
            .find(|s| s.is_none_or(|(r, _)| !endpoint.is_waiting(r)))
        {
            *slot = Some((request, id));
        }
    }

    /// Ends the observations of registration `id` (it ended): their notifications are
    /// answered with a Reset from now on.
    fn end_observations(&mut self, id: RegId) {
        for slot in &mut self.observed {
            if let Some((request, _)) = slot.take_if(|(_, g)| *g == id) {
                self.endpoint.cancel(request);
            }
        }
    }

    /// Notes that request `request` went to registration `id`.
    fn sent(&mut self, request: RequestId, id: RegId) {
        self.sent_to.rotate_right(1);
        if let Some(first) = self.sent_to.first_mut() {
            *first = Some((request, id));
        }
    }

    /// [`Server::sent`] for a later block of a transfer: it takes the place of the
    /// registration's block request before it.
    fn sent_block(&mut self, request: RequestId, id: RegId) {
        let at = self
            .blocks_to
            .iter()
            .position(|e| e.is_some_and(|(_, r)| r == id))
            .unwrap_or(self.blocks_to.len().saturating_sub(1));
        if let Some(front) = self.blocks_to.get_mut(..=at) {
            front.rotate_right(1);
        }
        if let Some(first) = self.blocks_to.first_mut() {
            *first = Some((request, id));
        }
    }

    /// The registrations.
    pub fn registrations(&self) -> impl Iterator<Item = &Registration<P>> {
        self.regs.iter().flatten()
    }

    /// Registration `id`.
    #[must_use]
    pub fn registration(&self, id: RegId) -> Option<&Registration<P>> {
        self.registrations().find(|r| r.id == id)
    }

    /// The registration of endpoint `name`.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<&Registration<P>> {
        self.registrations().find(|r| r.endpoint() == name)
    }

    /// The CoAP endpoint underneath (to cancel an observation, send a ping, ...).
    pub fn endpoint_mut(&mut self) -> &mut Endpoint<P, N, B> {
        &mut self.endpoint
    }

    /// A registration id that no registration has, drawn from the endpoint's generator (as
    /// Leshan draws its ids at random): a location a client kept from before a restart of the
    /// server names no other client's registration. Not a secret: the generator is no
    /// cryptographic one, and the tokens of the server's requests tell its state; over NoSec
    /// nothing authenticates a client's Update or De-register anyway.
    fn new_id(&mut self) -> RegId {
        for _ in 0..64 {
            let bytes = self.endpoint.random().to_be_bytes();
            let id = bytes
                .first_chunk::<4>()
                .map_or(1, |b| u32::from_be_bytes(*b));
            if id != 0 && self.registration(RegId(id)).is_none() {
                return RegId(id);
            }
        }
        // Draw after draw taken: the first id no registration has.
        (1..=u32::MAX)
            .map(RegId)
            .find(|&id| self.registration(id).is_none())
            .unwrap_or(RegId(1))
    }

    /// The registration at `location`, unless its lifetime ran out by `now` (Core 1.1 §6.2: an
    /// Update or De-register then finds nothing, 4.04, whether or not `handle_timeout` has
    /// taken it away yet).
    fn by_location(&self, location: &Location<'_>, now: Timestamp) -> Option<usize> {
        let [rd, id] = location.segments() else {
            return None;
        };
        if *rd != RD {
            return None;
        }
        // The location as the server wrote it (decimal, no sign, no leading zero): `+7` or
        // `007` is no location of `7`.
        if id.starts_with(['+', '-']) || (id.len() > 1 && id.starts_with('0')) {
            return None;
        }
        let id: u32 = id.parse().ok()?;
        self.regs
            .iter()
            .position(|r| r.is_some_and(|r| r.id.0 == id && r.expires.is_none_or(|e| e > now)))
    }

    /// Takes a datagram from `peer`. A body in blocks (Block1, RFC 7959 §2.5) is refused with
    /// 4.13 and Size1 `B`: [`Server::handle_with`] puts them together.
    pub fn handle<'a>(
        &mut self,
        now: Timestamp,
        peer: P,
        datagram: &'a [u8],
    ) -> Result<Option<ServerEvent<'a, P>>, SessionError>
    where
        P: 'a,
    {
        self.handle_in(now, peer, datagram, None::<&mut Upload<P, 0>>)
    }

    /// Takes a datagram from `peer` as [`Server::handle`] does, putting a body sent in blocks
    /// together in `upload` (a Register or Update with many object links, a large Send): each
    /// block is answered 2.31 Continue, and the request is read when its last block came.
    pub fn handle_with<'a, const U: usize>(
        &mut self,
        now: Timestamp,
        peer: P,
        datagram: &'a [u8],
        upload: &'a mut Upload<P, U>,
    ) -> Result<Option<ServerEvent<'a, P>>, SessionError> {
        self.handle_in(now, peer, datagram, Some(upload))
    }

    fn handle_in<'a, const U: usize>(
        &mut self,
        now: Timestamp,
        peer: P,
        datagram: &'a [u8],
        upload: Option<&'a mut Upload<P, U>>,
    ) -> Result<Option<ServerEvent<'a, P>>, SessionError> {
        match self.endpoint.handle(now, peer, datagram)? {
            // A critical option whose function is not performed here (OSCORE, EDHOC,
            // Q-Block): 4.02 (RFC 7252 §5.4.1).
            Incoming::Request { message, exchange } if crate::client::not_performed(&message) => {
                let b = Builder::<0>::udp(Type::Acknowledgement, Code::BAD_OPTION, 0);
                // Without room in the endpoint, dropped (`no_room_is_no_error`).
                no_room_is_no_error(self.endpoint.respond(now, &exchange, &b))?;
                Ok(None)
            }
            Incoming::Request { message, exchange } => {
                let full = |_| Error::new(0, Reason::BufferTooSmall);
                let room = if upload.is_some() { U } else { B };
                let refuse = |code: Code| {
                    let mut b = Builder::<1>::udp(Type::Acknowledgement, code, 0);
                    if code == Code::REQUEST_ENTITY_TOO_LARGE {
                        b.uint(OptionNumber::SIZE1, u32::try_from(room).unwrap_or(u32::MAX))
                            .map_err(full)?;
                    } else if code == Code::SERVICE_UNAVAILABLE {
                        let idle = Upload::<P, U>::IDLE.as_secs();
                        b.uint(OptionNumber::MAX_AGE, u32::try_from(idle).unwrap_or(30))
                            .map_err(full)?;
                    }
                    Ok::<_, SessionError>(b)
                };
                let (message, block1) = match message.block1() {
                    None => (message, None),
                    Some(Ok(b)) if b.num == 0 && !b.more => (message, Some(b)),
                    Some(Ok(b)) => {
                        let step = match upload {
                            // A block is no body to read as a whole: 4.13 with Size1, what
                            // this server takes in one piece (§2.9.3).
                            None => Step::Refuse(Code::REQUEST_ENTITY_TOO_LARGE),
                            Some(u) => u.take(now, peer, &message, b),
                        };
                        match step {
                            Step::Done(body, k) => (message.with_payload(body), Some(k)),
                            Step::Continue(k) => {
                                let mut a =
                                    Builder::<1>::udp(Type::Acknowledgement, Code::CONTINUE, 0);
                                a.uint(OptionNumber::BLOCK1, k.to_uint()).map_err(full)?;
                                no_room_is_no_error(self.endpoint.respond(now, &exchange, &a))?;
                                return Ok(None);
                            }
                            Step::Refuse(code) => {
                                no_room_is_no_error(self.endpoint.respond(
                                    now,
                                    &exchange,
                                    &refuse(code)?,
                                ))?;
                                let error = Error::new(0, Reason::Unsupported);
                                return Ok(Some(ServerEvent::Refused { error, peer }));
                            }
                        }
                    }
                    // SZX 7 is reserved (RFC 7959 §2.2: 4.00); a value that does not read is a
                    // bad option.
                    Some(Err(e)) => {
                        let code = if e == ValueError::Szx {
                            Code::BAD_REQUEST
                        } else {
                            Code::BAD_OPTION
                        };
                        no_room_is_no_error(self.endpoint.respond(now, &exchange, &refuse(code)?))?;
                        let error = Error::new(0, Reason::Unsupported);
                        return Ok(Some(ServerEvent::Refused { error, peer }));
                    }
                };
                self.answer(now, peer, &message, &exchange, block1)
            }
            Incoming::Response { id, message } => {
                // The answer or notification is from the registration the request went to.
                if let Some(g) = self.sent_to(id).or_else(|| self.at_peer(peer)) {
                    self.heard(g, now);
                }
                Ok(Some(ServerEvent::Response {
                    request: id,
                    message,
                }))
            }
            Incoming::Reset { id, .. } => Ok(Some(ServerEvent::Reset { request: id })),
            Incoming::Nothing => {
                // An acknowledgement (or a message seen before) from the client at `peer`.
                if let Some(g) = self.at_peer(peer) {
                    self.heard(g, now);
                }
                Ok(None)
            }
        }
    }

    /// Reads request `message` and answers it (with `block1`, the last block's, for a body
    /// that came in blocks).
    fn answer<'a>(
        &mut self,
        now: Timestamp,
        peer: P,
        message: &Message<'a>,
        exchange: &m2m_coap::Exchange<P>,
        block1: Option<Block>,
    ) -> Result<Option<ServerEvent<'a, P>>, SessionError> {
        let full = |_| Error::new(0, Reason::BufferTooSmall);
        match self.request(now, peer, message) {
            Ok((code, location, event)) => {
                let mut scratch = Strings::<32>::new();
                let mut b = Builder::<4>::udp(Type::Acknowledgement, code, 0);
                if let Some(k) = block1 {
                    b.uint(OptionNumber::BLOCK1, k.to_uint()).map_err(full)?;
                }
                if let Some(id) = location {
                    let i = scratch.push_fmt(format_args!("{id}"))?;
                    b.str(OptionNumber::LOCATION_PATH, RD)
                        .map_err(|_| Error::new(0, Reason::BufferTooSmall))?;
                    let s = scratch.get(i).unwrap_or_default();
                    b.str(OptionNumber::LOCATION_PATH, s)
                        .map_err(|_| Error::new(0, Reason::BufferTooSmall))?;
                }
                // The request is taken (the store may have changed): its event is the
                // application's even when the answer finds no room in the endpoint now (a
                // Confirmable request is sent again, a Register tried again).
                let _ = self.endpoint.respond(now, exchange, &b);
                Ok(event)
            }
            Err((code, error)) => {
                let mut b = Builder::<1>::udp(Type::Acknowledgement, code, 0);
                if let Some(k) = block1 {
                    b.uint(OptionNumber::BLOCK1, k.to_uint()).map_err(full)?;
                }
                no_room_is_no_error(self.endpoint.respond(now, exchange, &b))?;
                Ok(Some(ServerEvent::Refused { error, peer }))
            }
        }
    }

    /// A request from a client: the response code, the location of a new registration, and
    /// the event; or the error code and why.
    #[allow(clippy::type_complexity)]
    fn request<'a>(
        &mut self,
        now: Timestamp,
        peer: P,
        message: &Message<'a>,
    ) -> Result<(Code, Option<u32>, Option<ServerEvent<'a, P>>), (Code, Error)> {
        let req = ServerRequest::parse_with(message, &self.config).map_err(|e| {
            // A request to one of the server's interfaces that is malformed is a bad request;
            // any other path is not the server's.
            let code = match message.uri_path().next() {
                Some(RD)
                    if message.code() == Code::POST && !crate::interface::links_format(message) =>
                {
                    Code::UNSUPPORTED_CONTENT_FORMAT
                }
                Some(RD | BS | DP) => Code::BAD_REQUEST,
                _ => Code::NOT_FOUND,
            };
            (code, e)
        })?;
        let bad = |e: Error| (Code::BAD_REQUEST, e);
        let gone = (Code::NOT_FOUND, Error::new(0, Reason::UnexpectedPath));
        match req {
            ServerRequest::Register { params, links } => {
                // An enabler version this server does not speak: 4.12, after which a client
                // may register again with an older one (Leshan answers the same; Anjay falls
                // back on it).
                if params
                    .version
                    .is_some_and(|v| v.major != 1 || v.minor > Version::V1_2.minor)
                {
                    return Err((
                        Code::PRECONDITION_FAILED,
                        Error::new(0, Reason::Unsupported),
                    ));
                }
                let version = params.version.unwrap_or(Version::V1_0);
                let (root, root_len) =
                    alternate_path(links, self.config.for_links_of(version)).map_err(bad)?;
                let endpoint = params.endpoint.unwrap_or_default();
                if endpoint.len() > MAX_ENDPOINT {
                    return Err(bad(Error::new(0, Reason::Unrepresentable)));
                }
                // A new registration of the same endpoint replaces the old one.
                let mut replaced = None;
                for r in &mut self.regs {
                    if let Some(old) = r.take_if(|r| r.endpoint() == endpoint) {
                        replaced = Some(old.id);
                    }
                }
                if let Some(old) = replaced {
                    self.end_observations(old);
                }
                let slot = self.regs.iter().position(Option::is_none).ok_or((
                    Code::SERVICE_UNAVAILABLE,
                    Error::new(0, Reason::BufferTooSmall),
                ))?;
                let id = self.new_id();
                let mut name = [0u8; MAX_ENDPOINT];
                if let Some(dst) = name.get_mut(..endpoint.len()) {
                    dst.copy_from_slice(endpoint.as_bytes());
                }
                let lifetime = params.lifetime_or_default();
                let reg = Registration {
                    id,
                    peer,
                    name,
                    name_len: endpoint.len(),
                    lifetime,
                    expires: expiry(now, lifetime),
                    version,
                    queue: params.queue || params.binding.is_some_and(|b| b.contains('Q')),
                    seen: self.stamps,
                    heard: now,
                    announce: false,
                    root,
                    root_len,
                };
                self.stamps = self.stamps.wrapping_add(1);
                if let Some(s) = self.regs.get_mut(slot) {
                    *s = Some(reg);
                }
                let event = ServerEvent::Registered {
                    id,
                    replaced,
                    endpoint,
                    params,
                    links,
                };
                Ok((Code::CREATED, Some(id.0), Some(event)))
            }
            ServerRequest::Update {
                location,
                params,
                links,
            } => {
                let i = self.by_location(&location, now).ok_or(gone)?;
                let version = self
                    .regs
                    .get(i)
                    .and_then(Option::as_ref)
                    .map_or(Version::V1_0, |r| r.version);
                let root = links
                    .map(|l| alternate_path(l, self.config.for_links_of(version)))
                    .transpose()
                    .map_err(bad)?;
                let stamp = self.stamps;
                self.stamps = self.stamps.wrapping_add(1);
                let r = self.regs.get_mut(i).and_then(Option::as_mut).ok_or(gone)?;
                let (moved, id) = (r.peer != peer, r.id);
                r.peer = peer;
                r.seen = stamp;
                // An Update is how a client in queue mode says it is awake (from wherever).
                if r.queue && !Self::awake_at(r, self.awake, now) {
                    r.announce = true;
                }
                r.heard = now;
                if let Some(lt) = params.lifetime {
                    r.lifetime = lt;
                }
                // A binding given again says whether a 1.0 client is in queue mode (`b=UQ`).
                // From 1.1 queue mode is the Register's `Q`, and an Update carries no `Q`: a
                // new binding (`b=T`) leaves it as it was.
                if r.version == Version::V1_0 {
                    if let Some(b) = params.binding {
                        r.queue = params.queue || b.contains('Q');
                    } else if params.queue {
                        r.queue = true;
                    }
                }
                // New links say the alternate path again (or none, `/`).
                if let Some((root, root_len)) = root {
                    r.root = root;
                    r.root_len = root_len;
                }
                r.expires = expiry(now, r.lifetime);
                // From a new address (a NAT mapping that changed, Core 1.1 §6.2.2): the
                // requests on their way to the client, its observations among them, go on
                // with it there.
                if moved {
                    for (request, _) in self
                        .sent_to
                        .iter()
                        .chain(self.blocks_to.iter())
                        .chain(self.observed.iter())
                        .flatten()
                        .filter(|(_, g)| *g == id)
                    {
                        self.endpoint.move_request(*request, peer);
                    }
                }
                let event = ServerEvent::Updated { id, params, links };
                Ok((Code::CHANGED, None, Some(event)))
            }
            ServerRequest::Deregister { location } => {
                let i = self.by_location(&location, now).ok_or(gone)?;
                let id = self.regs.get_mut(i).and_then(Option::take).ok_or(gone)?.id;
                self.end_observations(id);
                Ok((Code::DELETED, None, Some(ServerEvent::Deregistered { id })))
            }
            ServerRequest::Send { format, payload } => {
                // The client that last registered or updated from this address (Leshan keeps
                // one registration an address too); none: 4.00, as Leshan and Wakaama answer.
                let r = self
                    .registrations()
                    .filter(|r| r.peer == peer)
                    .max_by_key(|r| r.seen)
                    .ok_or((Code::BAD_REQUEST, Error::new(0, Reason::UnexpectedPath)))?;
                // The formats of composite values alone, read through.
                for record in composite::decode_values(format, payload, self.config).map_err(bad)? {
                    record.map_err(bad)?;
                }
                let id = r.id;
                self.heard(id, now);
                let event = ServerEvent::Send {
                    id,
                    format,
                    payload,
                };
                Ok((Code::CHANGED, None, Some(event)))
            }
            ServerRequest::BootstrapRequest(p) if self.bootstrap => {
                let event = ServerEvent::BootstrapRequested {
                    endpoint: p.endpoint,
                    peer,
                    preferred: p.preferred,
                };
                Ok((Code::CHANGED, None, Some(event)))
            }
            ServerRequest::BootstrapRequest(_) | ServerRequest::BootstrapPackRequest { .. } => {
                Err(gone)
            }
        }
    }

    /// The next datagram to send, written into `out`: its peer and length.
    pub fn poll_transmit(&mut self, now: Timestamp, out: &mut [u8]) -> Option<(P, usize)> {
        self.endpoint.poll_transmit(now, out)
    }

    /// What happened besides the event of a datagram: expired registrations, clients in queue
    /// mode that woke up, requests without an answer.
    pub fn poll_event(&mut self) -> Option<ServerEvent<'static, P>> {
        if let Some(slot) = self.expired.iter_mut().find(|e| e.is_some()) {
            return slot.take().map(|id| ServerEvent::Expired { id });
        }
        if let Some(r) = self.regs.iter_mut().flatten().find(|r| r.announce) {
            r.announce = false;
            return Some(ServerEvent::Awake { id: r.id });
        }
        match self.endpoint.poll_event()? {
            CoapEvent::Timeout(id) => Some(ServerEvent::Timeout(id)),
            CoapEvent::Undelivered { .. } => None,
        }
    }

    /// When to call [`Server::handle_timeout`] (and [`Server::poll_transmit`]) next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let expiry = self.registrations().filter_map(|r| r.expires).min();
        match (self.endpoint.poll_timeout(), expiry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Ends the registrations whose lifetime ran out (each becomes a
    /// [`ServerEvent::Expired`]); call [`Server::poll_transmit`] after it for retransmissions.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        let mut ended = [None; 4];
        for r in &mut self.regs {
            if r.is_some_and(|r| r.expires.is_some_and(|e| e <= now)) {
                if let Some(slot) = self.expired.iter_mut().find(|e| e.is_none()) {
                    *slot = r.take().map(|r| r.id);
                    if let Some(e) = ended.iter_mut().find(|e| e.is_none()) {
                        *e = *slot;
                    }
                }
            }
        }
        for id in ended.into_iter().flatten() {
            self.end_observations(id);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;
    use crate::value::{Record, Value};

    const CLIENT: u8 = 9;

    fn at(s: u64) -> Timestamp {
        Timestamp::from_millis(s.saturating_mul(1000))
    }

    /// A server with one registration of `CLIENT`.
    fn registered() -> (Server<u8>, RegId) {
        let mut server: Server<u8> = Server::new(1);
        let mut b = Builder::<4>::udp(Type::Confirmable, Code::POST, 7);
        b.token(&[1]);
        b.str(OptionNumber::URI_PATH, RD).unwrap();
        b.str(OptionNumber::URI_QUERY, "ep=c").unwrap();
        b.payload(b"</3303/0>");
        let mut buf = [0u8; 64];
        let n = b.encode(&mut buf).unwrap();
        let Some(ServerEvent::Registered { id, .. }) =
            server.handle(at(0), CLIENT, &buf[..n]).unwrap()
        else {
            panic!("registered");
        };
        let mut out = [0u8; 64];
        assert!(server.poll_transmit(at(0), &mut out).is_some());
        (server, id)
    }

    fn sent(server: &mut Server<u8>, now: Timestamp) -> Vec<u8> {
        let mut out = [0u8; 1152];
        let (to, n) = server.poll_transmit(now, &mut out).expect("a datagram");
        assert_eq!(to, CLIENT);
        out[..n].to_vec()
    }

    #[test]
    fn observe_composite_and_its_cancellation_on_the_wire() {
        let (mut server, id) = registered();
        let paths = [Path::resource(3303, 0, 5700), Path::resource(3, 0, 9)];
        let rid = server
            .observe_composite(
                at(1),
                id,
                &paths,
                ContentFormat::SENML_ETCH_CBOR,
                Some(ContentFormat::LWM2M_CBOR),
            )
            .unwrap();
        let bytes = sent(&mut server, at(1));
        let m = Message::parse_udp(&bytes).unwrap();
        assert_eq!(
            (m.code(), m.observe(), m.content_format(), m.accept()),
            (
                Code::FETCH,
                Some(0),
                Some(ContentFormat::SENML_ETCH_CBOR),
                Some(ContentFormat::LWM2M_CBOR)
            )
        );
        assert_eq!(m.uri_path().count(), 0);
        let listed: Vec<_> = composite::decode_paths(ContentFormat::SENML_ETCH_CBOR, m.payload())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(listed, paths);
        assert_eq!(
            ClientRequest::parse(&m).unwrap(),
            ClientRequest::Composite {
                observe: Some(0),
                format: ContentFormat::SENML_ETCH_CBOR,
                accept: Some(ContentFormat::LWM2M_CBOR),
                payload: m.payload(),
            }
        );
        let token = m.token().to_vec();

        // A notification under the token comes back as a response to the request, its values
        // read with `composite::values`.
        let records = [
            Record::new(paths[0], Value::Float(21.5)),
            Record::new(paths[1], Value::Int(87)),
        ];
        let mut body = [0u8; 64];
        let len = crate::body::encode(ContentFormat::LWM2M_CBOR, &Path::ROOT, &records, &mut body)
            .unwrap();
        let mut ack = [0u8; 128];
        let mut b = Builder::<4>::udp(
            Type::Acknowledgement,
            Code::CONTENT,
            m.message_id().unwrap(),
        );
        b.token(&token);
        b.uint(OptionNumber::OBSERVE, 0).unwrap();
        b.uint(
            OptionNumber::CONTENT_FORMAT,
            u32::from(ContentFormat::LWM2M_CBOR.0),
        )
        .unwrap();
        b.payload(&body[..len]);
        let n = b.encode(&mut ack).unwrap();
        let Some(ServerEvent::Response { request, message }) =
            server.handle(at(1), CLIENT, &ack[..n]).unwrap()
        else {
            panic!("a response");
        };
        assert_eq!(request, rid);
        let got: Vec<_> = composite::values(&message, Config::STRICT)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(got, records);

        // The cancellation goes under the same token, with Observe 1 and the paths again.
        server
            .cancel_composite(at(2), rid, &paths, ContentFormat::SENML_ETCH_CBOR, None)
            .unwrap();
        let bytes = sent(&mut server, at(2));
        let c = Message::parse_udp(&bytes).unwrap();
        assert_eq!((c.code(), c.observe()), (Code::FETCH, Some(1)));
        assert_eq!(c.token(), token.as_slice());
        assert_eq!(c.payload(), m.payload());
        assert_eq!(c.accept(), None);
    }

    #[test]
    fn composite_refusals() {
        let (mut server, id) = registered();
        let paths = [Path::resource(3303, 0, 5700)];
        assert_eq!(
            server.observe_composite(at(1), RegId(99), &paths, ContentFormat::SENML_JSON, None),
            Err(SessionError::UnknownRegistration)
        );
        assert!(matches!(
            server.observe_composite(at(1), id, &paths, ContentFormat::TEXT_PLAIN, None),
            Err(SessionError::Lwm2m(e)) if e.reason == Reason::Unsupported
        ));
        // Nothing to cancel under an id that is no observation.
        assert!(matches!(
            server.cancel_composite(
                at(1),
                RequestId(1234),
                &paths,
                ContentFormat::SENML_JSON,
                None
            ),
            Err(SessionError::Coap(_))
        ));
    }
}
