//! The sans-IO CoAP-over-UDP endpoint (RFC 7252 §4 and §5.3; design.md §10): the message layer
//! (Confirmable retransmission with the §4.8 parameters and a randomised first timeout, ACK and
//! RST matching, duplicate detection over EXCHANGE_LIFETIME with the reply cached, piggybacked
//! and separate responses, CoAP ping) and the request/response layer (tokens, both roles, Observe
//! notifications checked for freshness, RFC 7641 §3.4).
//!
//! No socket, clock or allocation: fixed capacities (`N` exchanges, `B` bytes per message); time
//! comes in as `now`. Duplicate detection holds `N` message ids: when more than `N` requests
//! come within EXCHANGE_LIFETIME, the oldest one already answered is forgotten first, and a
//! late retransmission of it is taken as new (RFC 7252 §4.5 asks for processing once as a
//! SHOULD; choose `N` for the request rate a device must take). A datagram given to [`Endpoint::handle`] comes back as an [`Incoming`] that
//! borrows from it, so a request or a response is read without a copy. What the endpoint sends
//! comes out of [`Endpoint::poll_transmit`]; what happens without a datagram (a request that got
//! no answer) out of [`Endpoint::poll_event`]; [`Endpoint::poll_timeout`] says when to call again.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::Timestamp;

use crate::builder::Builder;
use crate::code::{Code, Type};
use crate::error::{BuildError, Error, Reaction, Transport};
use crate::message::Message;
use crate::option::value::{NoResponse, is_fresher};
use crate::token::Token;

mod client;
mod server;
pub mod stream;

/// The transmission parameters of RFC 7252 §4.8, and the lifetimes of §4.8.2 derived from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Params {
    /// ACK_TIMEOUT in milliseconds (2000).
    pub ack_timeout_ms: u64,
    /// ACK_RANDOM_FACTOR in thousandths (1500 for 1.5).
    pub ack_random_factor_milli: u64,
    /// MAX_RETRANSMIT (4).
    pub max_retransmit: u8,
    /// EXCHANGE_LIFETIME in milliseconds (247 s): how long a Confirmable message id is
    /// remembered for duplicate detection.
    pub exchange_lifetime_ms: u64,
    /// NON_LIFETIME in milliseconds (145 s): the same for Non-confirmable messages, and how long
    /// a Non-confirmable request waits for its response.
    pub non_lifetime_ms: u64,
    /// NSTART (1): how many requests to one peer may be outstanding at once (§4.7); a request
    /// past it is refused with [`EndpointError::Busy`] until one is answered.
    pub nstart: u8,
}

impl Params {
    /// The defaults of RFC 7252 §4.8.
    pub const DEFAULT: Params = Params {
        ack_timeout_ms: 2000,
        ack_random_factor_milli: 1500,
        max_retransmit: 4,
        exchange_lifetime_ms: 247_000,
        non_lifetime_ms: 145_000,
        nstart: 1,
    };

    /// MAX_TRANSMIT_WAIT (§4.8.2): how long after the first transmission a Confirmable message
    /// can still be acknowledged, 93 s by default.
    #[must_use]
    pub fn max_transmit_wait_ms(&self) -> u64 {
        let tries = (1u64 << (u32::from(self.max_retransmit).saturating_add(1))).saturating_sub(1);
        self.ack_timeout_ms
            .saturating_mul(tries)
            .saturating_mul(self.ack_random_factor_milli)
            / 1000
    }
}

impl Default for Params {
    fn default() -> Self {
        Params::DEFAULT
    }
}

/// Identifies a request this endpoint sent, in the events about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RequestId(pub u32);

/// A request this endpoint received, to answer with [`Endpoint::respond`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Exchange<P> {
    /// Who sent it.
    pub peer: P,
    /// Its message id.
    pub message_id: u16,
    /// Whether it was Confirmable.
    pub confirmable: bool,
    token: Token,
    /// The request's No-Response (RFC 7967 §2.1), which [`Endpoint::respond`] acts on.
    no_response: NoResponse,
}

impl<P> Exchange<P> {
    /// The request's token (a response carries it back).
    #[must_use]
    pub fn token(&self) -> &[u8] {
        self.token.as_slice()
    }

    /// The classes of response the request said it does not want (RFC 7967 §2.1; see
    /// [`Message::unwanted`]): [`Endpoint::respond`] does not send them.
    #[must_use]
    pub fn no_response(&self) -> NoResponse {
        self.no_response
    }
}

/// What a datagram given to [`Endpoint::handle`] was, borrowing from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming<'a, P> {
    /// A request to answer (with [`Endpoint::respond`], after [`Endpoint::accept`] if the answer
    /// takes time).
    Request {
        /// The request.
        message: Message<'a>,
        /// What [`Endpoint::respond`] needs.
        exchange: Exchange<P>,
    },
    /// The response to a request of ours (a notification, for an observation).
    Response {
        /// Which request.
        id: RequestId,
        /// The response.
        message: Message<'a>,
    },
    /// The peer rejected a message of ours with a Reset: the request `id`, or a separate
    /// response or notification with `token` (for a notification: the observer is gone,
    /// RFC 7641 §3.6).
    Reset {
        /// The request, if the message was one.
        id: Option<RequestId>,
        /// The peer.
        peer: P,
        /// The token of the message that was rejected.
        token: Token,
    },
    /// Nothing for the application: an ACK, a ping, a duplicate (answered from the cache), a
    /// notification older than one already delivered, a response nobody waits for, or a message
    /// rejected as the RFC prescribes.
    Nothing,
}

/// What happened without a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event {
    /// No answer to request `id`: its Confirmable message was sent MAX_RETRANSMIT + 1 times
    /// without an ACK, or no response came within the exchange's lifetime.
    Timeout(RequestId),
    /// A Confirmable message that was not a request (a separate response or a notification) was
    /// never acknowledged.
    Undelivered {
        /// Its message id.
        message_id: u16,
    },
}

/// Why the endpoint could not do what it was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EndpointError {
    /// Every slot for outgoing messages is in use.
    #[error("no free exchange slot")]
    Busy,
    /// The message does not fit in a slot of `B` bytes, or cannot be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The builder is not for UDP.
    #[error("the builder is not for UDP")]
    Transport,
    /// The exchange was answered already, or forgotten.
    #[error("unknown or answered exchange")]
    Exchange,
    /// A request needs a request code, a response or notification a response code.
    #[error("code {0:?} where a request or response code is needed")]
    Code(Code),
}

/// A message of ours in a slot: sent once, or retransmitted until acknowledged.
#[derive(Debug, Clone, Copy)]
struct Out<P, const B: usize> {
    peer: P,
    bytes: [u8; B],
    len: usize,
    message_id: u16,
    /// Confirmable: retransmit until ACK or RST.
    confirmable: bool,
    /// Waiting to go out (first transmission or retransmission) at `due`.
    due: Option<u64>,
    timeout_ms: u64,
    retransmits: u8,
    /// The request it carries, if any.
    request: Option<RequestId>,
    /// Its token.
    token: Token,
}

/// A request of ours that waits for its response.
#[derive(Debug, Clone, Copy)]
struct Waiting<P> {
    id: RequestId,
    peer: P,
    token: [u8; 8],
    /// Give up at this time (set once the request is acknowledged or sent Non-confirmable).
    deadline: u64,
    observe: bool,
    /// Observe 1 was sent under the observation's token: notifications that cross it still
    /// come (with Observe), and the answer to it (without Observe, RFC 7641 §4.1) ends it.
    ending: bool,
    /// The freshest notification delivered: sequence number and when it came.
    last_notification: Option<(u32, u64)>,
    /// An Empty ACK came: the response will come separately, and the request is no longer an
    /// outstanding interaction for NSTART (RFC 7252 §4.7).
    acked: bool,
}

impl<P> Waiting<P> {
    /// Whether it counts against NSTART (RFC 7252 §4.7): it waits for its response, no Empty
    /// ACK said the response comes separately, and it is no observation that has notified.
    fn holds_nstart(&self) -> bool {
        !self.acked && (!self.observe || self.last_notification.is_none())
    }
}

/// A message id a peer used, remembered to detect duplicates, with the reply we gave.
#[derive(Debug, Clone, Copy)]
struct Seen<P, const B: usize> {
    peer: P,
    message_id: u16,
    expires: u64,
    /// The reply: none yet, or its bytes (an ACK, a piggybacked response, an RST).
    reply: [u8; B],
    reply_len: usize,
    /// The reply has to go out.
    send: bool,
    /// The request was answered (or Empty-ACKed: then `acked`).
    answered: bool,
    acked: bool,
}

/// A CoAP-over-UDP endpoint for peers addressed by `P` (a socket address, say), with `N` slots
/// for outgoing messages, `N` requests waiting for responses, `N` remembered message ids, and
/// `B` bytes per message.
#[derive(Debug, Clone)]
pub struct Endpoint<P, const N: usize = 8, const B: usize = 1152> {
    params: Params,
    rng: u64,
    next_message_id: u16,
    next_request: u32,
    out: [Option<Out<P, B>>; N],
    waiting: [Option<Waiting<P>>; N],
    seen: [Option<Seen<P, B>>; N],
    events: [Option<Event>; N],
    /// Empty ACKs and Resets to send once, not remembered (pings, broken datagrams).
    oneoff: [Option<(P, [u8; 4])>; N],
    /// Non-confirmable messages sent lately, to match a Reset to them (RFC 7252 §4.3,
    /// RFC 7641 §3.6): overwritten in turn.
    recent: [Option<Recent<P>>; N],
    recent_next: usize,
}

/// A Non-confirmable message we sent.
#[derive(Debug, Clone, Copy)]
struct Recent<P> {
    peer: P,
    message_id: u16,
    token: Token,
    request: Option<RequestId>,
    expires: u64,
}

fn ms(t: Timestamp) -> u64 {
    t.as_millis()
}

/// The next number of a xorshift64* generator (message ids, tokens, timeouts): `state` must not
/// be 0.
fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// Sets the type, message id and token of a UDP message encoded at the head of `buf` (its
/// token area must already be `token.len()` bytes long).
fn patch(buf: &mut [u8], ty: Type, message_id: u16, token: &[u8]) {
    if let Some(b0) = buf.first_mut() {
        *b0 = (*b0 & 0xcf) | (ty.bits() << 4);
    }
    if let Some(mid) = buf.get_mut(2..4) {
        mid.copy_from_slice(&message_id.to_be_bytes());
    }
    if let Some(t) = buf.get_mut(4..4usize.saturating_add(token.len())) {
        t.copy_from_slice(token);
    }
}

/// Encodes `b` with a placeholder token of `token.len()` bytes into `buf`, then patches the
/// header; returns the length.
fn encode_with<const N: usize, const B: usize>(
    b: &Builder<'_, N>,
    buf: &mut [u8; B],
    ty: Type,
    message_id: u16,
    token: &[u8],
) -> Result<usize, EndpointError> {
    if b.transport() != Transport::Udp {
        return Err(EndpointError::Transport);
    }
    let mut with_token = b.clone();
    with_token.token(token);
    let n = with_token.encode(buf)?;
    patch(buf, ty, message_id, token);
    Ok(n)
}

/// An Empty message (an ACK or a Reset) of 4 bytes.
fn empty(ty: Type, message_id: u16) -> [u8; 4] {
    let [m0, m1] = message_id.to_be_bytes();
    [0x40 | (ty.bits() << 4), 0, m0, m1]
}

impl<P: Copy + Eq, const N: usize, const B: usize> Endpoint<P, N, B> {
    /// An endpoint with the default parameters; `seed` seeds the random first timeouts, message
    /// ids and tokens (give it real entropy on a network that an attacker can reach, RFC 7252
    /// §5.3.1 and §11.4).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self::with_params(Params::DEFAULT, seed)
    }

    /// An endpoint with these transmission parameters.
    #[must_use]
    pub fn with_params(params: Params, seed: u64) -> Self {
        let mut e = Endpoint {
            params,
            rng: seed | 1,
            next_message_id: 0,
            next_request: 0,
            out: [None; N],
            waiting: [None; N],
            seen: [None; N],
            events: [None; N],
            oneoff: [None; N],
            recent: [None; N],
            recent_next: 0,
        };
        e.next_message_id = e
            .random()
            .to_be_bytes()
            .first_chunk::<2>()
            .map_or(0, |b| u16::from_be_bytes(*b));
        e
    }

    /// The next number of the endpoint's generator (xorshift64*, seeded by [`Endpoint::new`]):
    /// enough to spread timeouts and make ids hard to guess, not cryptography.
    pub fn random(&mut self) -> u64 {
        xorshift(&mut self.rng)
    }

    fn message_id(&mut self) -> u16 {
        let id = self.next_message_id;
        self.next_message_id = id.wrapping_add(1);
        id
    }

    /// The first timeout of a Confirmable message: a random duration between ACK_TIMEOUT and
    /// ACK_TIMEOUT * ACK_RANDOM_FACTOR (§4.2).
    fn first_timeout(&mut self) -> u64 {
        let base = self.params.ack_timeout_ms;
        let spread =
            base.saturating_mul(self.params.ack_random_factor_milli.saturating_sub(1000)) / 1000;
        base.saturating_add(
            self.random()
                .checked_rem(spread.saturating_add(1))
                .unwrap_or(0),
        )
    }

    fn free_out(&self) -> Option<usize> {
        self.out.iter().position(Option::is_none)
    }

    /// Queues an event; `false` when the queue is full (the caller keeps the state that leads
    /// to it and tries again on the next poll, so no event is lost).
    fn push_event(&mut self, e: Event) -> bool {
        match self.events.iter_mut().find(|s| s.is_none()) {
            Some(slot) => {
                *slot = Some(e);
                true
            }
            None => false,
        }
    }

    /// Queues an Empty ACK or Reset to send once; dropped when the queue is full (the peer
    /// retransmits a Confirmable message).
    fn send_empty(&mut self, peer: P, ty: Type, message_id: u16) {
        if let Some(slot) = self.oneoff.iter_mut().find(|s| s.is_none()) {
            *slot = Some((peer, empty(ty, message_id)));
        }
    }

    /// Takes a datagram from `peer`. Requests and responses come back borrowing from it; Empty
    /// ACKs, Resets, pings and duplicates are handled here. A datagram that is not valid CoAP is
    /// an `Err` after the reaction RFC 7252 §4.2-4.3 prescribes (a Reset for a Confirmable one)
    /// is queued.
    pub fn handle<'a>(
        &mut self,
        now: Timestamp,
        peer: P,
        datagram: &'a [u8],
    ) -> Result<Incoming<'a, P>, Error> {
        let t = ms(now);
        let msg = match Message::parse_udp(datagram) {
            Ok(m) => m,
            Err(e) => {
                if e.reaction() == Reaction::Reset {
                    if let Some(&[m0, m1]) = datagram.get(2..4) {
                        self.send_empty(peer, Type::Reset, u16::from_be_bytes([m0, m1]));
                    }
                }
                return Err(e);
            }
        };
        let mid = msg.message_id().unwrap_or(0);
        let ty = msg.ty().unwrap_or(Type::NonConfirmable);
        match ty {
            Type::Acknowledgement | Type::Reset => Ok(self.on_ack_or_reset(t, peer, &msg, ty)),
            Type::Confirmable | Type::NonConfirmable => {
                let confirmable = ty == Type::Confirmable;
                if msg.code().is_empty() {
                    // CoAP ping (§4.3): a Reset answers it.
                    self.send_empty(peer, Type::Reset, mid);
                    return Ok(Incoming::Nothing);
                }
                if let Some(i) = self.seen_index(peer, mid, t) {
                    // A duplicate (§4.5): the same reply again, if there is one.
                    if let Some(Some(s)) = self.seen.get_mut(i) {
                        s.send = s.reply_len > 0;
                    }
                    return Ok(Incoming::Nothing);
                }
                let Some(slot) = self.remember(peer, mid, confirmable, t) else {
                    // Every slot holds an exchange still in progress: drop this message
                    // unacknowledged; the peer retransmits it.
                    return Ok(Incoming::Nothing);
                };
                if let Some(bad) = msg.bad_option() {
                    match bad.reaction(Transport::Udp, Some(ty), msg.code()) {
                        Some(Reaction::Respond(code)) => {
                            self.reject_with(slot, &msg, code, bad.problem);
                            return Ok(Incoming::Nothing);
                        }
                        Some(Reaction::Reset) => {
                            self.reply(slot, &empty(Type::Reset, mid));
                            if let Some(Some(s)) = self.seen.get_mut(slot) {
                                s.answered = true;
                            }
                            return Ok(Incoming::Nothing);
                        }
                        Some(_) => {
                            if let Some(Some(s)) = self.seen.get_mut(slot) {
                                s.answered = true;
                            }
                            return Ok(Incoming::Nothing);
                        }
                        None => {}
                    }
                }
                if msg.code().is_request() {
                    // Tokens longer than 8 bytes (RFC 8974) are not kept: rejected as RFC 7252
                    // rejects them, with a Reset for a Confirmable request.
                    let Some(token) = Token::new(msg.token()) else {
                        if confirmable {
                            self.reply(slot, &empty(Type::Reset, mid));
                        }
                        if let Some(Some(s)) = self.seen.get_mut(slot) {
                            s.answered = true;
                        }
                        return Ok(Incoming::Nothing);
                    };
                    let exchange = Exchange {
                        peer,
                        message_id: mid,
                        confirmable,
                        token,
                        no_response: msg.unwanted(),
                    };
                    return Ok(Incoming::Request {
                        message: msg,
                        exchange,
                    });
                }
                // A response in a CON or NON message: a separate response or a notification.
                match self.match_response(t, peer, &msg, false) {
                    Some(found) => {
                        if confirmable {
                            self.reply(slot, &empty(Type::Acknowledgement, mid));
                        }
                        if let Some(Some(s)) = self.seen.get_mut(slot) {
                            s.answered = true;
                        }
                        Ok(found)
                    }
                    None => {
                        // Nobody waits for it (§5.3.2): reject a Confirmable one, and a
                        // notification of a cancelled observation (RFC 7641 §3.6); a
                        // duplicate gets the same Reset.
                        if confirmable || msg.observe().is_some() {
                            self.reply(slot, &empty(Type::Reset, mid));
                        }
                        if let Some(Some(s)) = self.seen.get_mut(slot) {
                            s.answered = true;
                        }
                        Ok(Incoming::Nothing)
                    }
                }
            }
        }
    }

    /// The next datagram to send: written into `out`, with its peer and length. Call until it
    /// returns `None`, and again at [`Endpoint::poll_timeout`].
    pub fn poll_transmit(&mut self, now: Timestamp, out: &mut [u8]) -> Option<(P, usize)> {
        let t = ms(now);
        self.expire(t);
        // A buffer too short for a datagram leaves it queued.
        for slot in &mut self.oneoff {
            if let Some((peer, bytes)) = *slot {
                let dst = out.get_mut(..bytes.len())?;
                dst.copy_from_slice(&bytes);
                *slot = None;
                return Some((peer, bytes.len()));
            }
        }
        for s in self.seen.iter_mut().flatten() {
            if s.send {
                let bytes = s.reply.get(..s.reply_len)?;
                let dst = out.get_mut(..bytes.len())?;
                dst.copy_from_slice(bytes);
                s.send = false;
                return Some((s.peer, bytes.len()));
            }
        }
        for i in 0..N {
            let Some(Some(o)) = self.out.get_mut(i) else {
                continue;
            };
            let Some(due) = o.due else { continue };
            if due > t {
                continue;
            }
            // Every transmission made: the exchange ends in `expire`, however long its event
            // waits for room in the queue; never a transmission more (§4.2).
            if o.confirmable && o.retransmits > self.params.max_retransmit {
                continue;
            }
            let peer = o.peer;
            let len = o.len;
            let dst = out.get_mut(..len)?;
            dst.copy_from_slice(o.bytes.get(..len)?);
            if o.confirmable {
                // The next retransmission after the current timeout, which doubles (§4.2).
                // `retransmits` counts transmissions: after MAX_RETRANSMIT + 1 of them, the
                // last timeout ends the exchange (in `expire`).
                o.due = Some(t.saturating_add(o.timeout_ms));
                o.timeout_ms = o.timeout_ms.saturating_mul(2);
                o.retransmits = o.retransmits.saturating_add(1);
            } else {
                // Sent once: the slot is free again (a NON request waits in `waiting`), and
                // the message is remembered a while to match a Reset to it.
                let recent = Recent {
                    peer,
                    message_id: o.message_id,
                    token: o.token,
                    request: o.request,
                    expires: t.saturating_add(self.params.non_lifetime_ms),
                };
                if let Some(slot) = self.out.get_mut(i) {
                    *slot = None;
                }
                let at = self.recent_next.checked_rem(N).unwrap_or(0);
                if let Some(r) = self.recent.get_mut(at) {
                    *r = Some(recent);
                }
                self.recent_next = at.wrapping_add(1);
            }
            return Some((peer, len));
        }
        None
    }

    /// Gives up on Confirmable messages that ran out of retransmissions, requests past their
    /// deadline, and forgets expired message ids.
    fn expire(&mut self, t: u64) {
        let max = self.params.max_retransmit;
        for i in 0..N {
            let Some(slot) = self.out.get_mut(i) else {
                continue;
            };
            let Some(o) = slot else { continue };
            // After MAX_RETRANSMIT retransmissions, the timeout of the last one ends it.
            if o.confirmable && o.retransmits > max && o.due.is_some_and(|d| d <= t) {
                let (request, message_id) = (o.request, o.message_id);
                let event = match request {
                    Some(id) => Event::Timeout(id),
                    None => Event::Undelivered { message_id },
                };
                // With the event queue full, the slot stays for the next poll.
                if self.push_event(event) {
                    if let Some(slot) = self.out.get_mut(i) {
                        *slot = None;
                    }
                    if let Some(id) = request {
                        self.forget(id);
                    }
                }
            }
        }
        for i in 0..N {
            let Some(slot) = self.waiting.get_mut(i) else {
                continue;
            };
            if let Some(w) = *slot {
                if w.deadline <= t && self.push_event(Event::Timeout(w.id)) {
                    if let Some(slot) = self.waiting.get_mut(i) {
                        *slot = None;
                    }
                    for o in &mut self.out {
                        if o.is_some_and(|o| o.request == Some(w.id)) {
                            *o = None;
                        }
                    }
                }
            }
        }
        for s in &mut self.seen {
            if s.is_some_and(|s| s.expires <= t && !s.send) {
                *s = None;
            }
        }
    }

    /// The next event, if any (call after [`Endpoint::poll_transmit`], which finds them).
    pub fn poll_event(&mut self) -> Option<Event> {
        let first = self.events.iter().position(Option::is_some)?;
        let e = self.events.get_mut(first).and_then(Option::take);
        // Keep the order: move the rest forward.
        if let Some(rest) = self.events.get_mut(first..) {
            rest.rotate_left(1);
        }
        e
    }

    /// Whether our Confirmable message `message_id` to `peer` still waits for its
    /// acknowledgement (false once acknowledged, reset or given up). A server uses it to hold
    /// further notifications to a client while one is outstanding (RFC 7641 §4.5.2).
    #[must_use]
    pub fn awaits_ack(&self, peer: P, message_id: u16) -> bool {
        self.out
            .iter()
            .flatten()
            .any(|o| o.confirmable && o.peer == peer && o.message_id == message_id)
    }

    /// Whether request `id` still counts against NSTART (RFC 7252 §4.7): it waits for its
    /// response and no Empty ACK has said the response comes separately.
    #[must_use]
    pub fn holds_nstart(&self, id: RequestId) -> bool {
        self.waiting
            .iter()
            .flatten()
            .any(|w| w.id == id && w.holds_nstart())
    }

    /// When to call [`Endpoint::poll_transmit`] next: the earliest retransmission, give-up or
    /// expiry; `None` when nothing is pending.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let outs = self.out.iter().flatten().filter_map(|o| o.due);
        let waits = self
            .waiting
            .iter()
            .flatten()
            .map(|w| w.deadline)
            .filter(|&d| d != u64::MAX);
        let seen = self.seen.iter().flatten().map(|s| s.expires);
        outs.chain(waits)
            .chain(seen)
            .min()
            .map(Timestamp::from_millis)
    }

    /// Whether request `id` still waits for a response (or, an observation, for notifications).
    #[must_use]
    pub fn is_waiting(&self, id: RequestId) -> bool {
        self.waiting.iter().flatten().any(|w| w.id == id)
    }

    /// Requests still waiting for a response (observations included).
    #[must_use]
    pub fn outstanding(&self) -> usize {
        self.waiting.iter().flatten().count()
    }
}
