//! The sans-IO endpoint of one CoAP connection over TCP, TLS or WebSocket (RFC 8323): the
//! transport is reliable, so there is no message layer, only the request/response layer
//! (tokens, both roles, Observe notifications delivered in order, §7) and the signaling of §5:
//! our CSM first, the peer's taken in, Ping answered with Pong, a Ping of ours that gets no
//! Pong reported, Release and Abort in both directions.
//!
//! Like [`Endpoint`](super::Endpoint): no socket, clock or allocation. Give
//! [`Connection::handle`] one whole message (a frame that [`Framing`](crate::tcp::Framing)
//! cut from the stream, or one WebSocket binary message); take what to send from
//! [`Connection::poll_transmit`], one message at a time; [`Connection::poll_event`] reports
//! what happened without a message and [`Connection::poll_timeout`] says when to call again.
//!
//! ```
//! use m2m_coap::endpoint::stream::{ConnParams, Connection, StreamIncoming};
//! use m2m_coap::{Builder, Code, Transport};
//! use m2m_core::Timestamp;
//!
//! let t = Timestamp::from_millis(0);
//! let mut client = Connection::<4, 2048>::new(Transport::Tcp, ConnParams::default(), 1);
//! let mut server = Connection::<4, 2048>::new(Transport::Tcp, ConnParams::default(), 2);
//! let mut get = Builder::<1>::tcp(Code::GET);
//! get.path("hello")?;
//! let id = client.request(t, &get)?;
//! let mut wire = [0u8; 256];
//! // Client to server: the client's CSM, then the request.
//! while let Some(n) = client.poll_transmit(t, &mut wire) {
//!     let frame = wire[..n].to_vec();
//!     if let StreamIncoming::Request { message } = server.handle(t, &frame) {
//!         let token = message.token().to_vec();
//!         let mut rsp = Builder::<0>::tcp(Code::CONTENT);
//!         rsp.payload(b"hi");
//!         server.respond(&token, &rsp)?;
//!     }
//! }
//! // Server to client: the server's CSM, then the response.
//! let mut got = None;
//! while let Some(n) = server.poll_transmit(t, &mut wire) {
//!     let frame = wire[..n].to_vec();
//!     if let StreamIncoming::Response { id: rid, message } = client.handle(t, &frame) {
//!         got = Some((rid, message.payload().to_vec()));
//!     }
//! }
//! assert_eq!(got, Some((id, b"hi".to_vec())));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{Encode, Timestamp};

use super::{RequestId, ms, xorshift};
use crate::builder::Builder;
use crate::code::Code;
use crate::error::{BuildError, Error, Transport};
use crate::message::{Config, Message};
use crate::signaling::{Session, Signal, Violation};

/// The timing and size of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ConnParams {
    /// The largest message we take, announced in our CSM (RFC 8323 §5.3.1).
    pub max_message_size: u32,
    /// Whether we announce block-wise transfers (Block-Wise-Transfer), which is BERT when
    /// `max_message_size` is above 1152 (§5.3.2).
    pub bert: bool,
    /// How long a request waits for its response, in milliseconds.
    pub response_timeout_ms: u64,
    /// After this long without a message from the peer, we send a Ping (§5.4); `None`: never.
    pub keepalive_ms: Option<u64>,
    /// How long a Ping of ours waits for its Pong before the peer is reported unresponsive.
    pub pong_timeout_ms: u64,
    /// How long we wait for the peer's CSM before the connection is given up (§5.3).
    pub csm_timeout_ms: u64,
}

impl Default for ConnParams {
    fn default() -> Self {
        ConnParams {
            max_message_size: crate::signaling::DEFAULT_MAX_MESSAGE_SIZE,
            bert: false,
            response_timeout_ms: 60_000,
            keepalive_ms: None,
            pong_timeout_ms: 10_000,
            csm_timeout_ms: 10_000,
        }
    }
}

/// What a message given to [`Connection::handle`] was, borrowing from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamIncoming<'a> {
    /// A request to answer with [`Connection::respond`] under its token (at once or later:
    /// nothing is retransmitted over a reliable transport).
    Request {
        /// The request.
        message: Message<'a>,
    },
    /// The response to request `id`, or a notification of an observation (in order, RFC 8323
    /// §7; the observation ends with a response that is not a 2.xx notification).
    Response {
        /// Which request.
        id: RequestId,
        /// The response.
        message: Message<'a>,
    },
    /// The connection is over, or ending: after an Abort or a violation, close it once
    /// [`Connection::poll_transmit`] has nothing left (an Abort of ours may be waiting); after
    /// the peer's Release ([`Close::Released`]), the requests on their way are still answered
    /// both ways, and it is over when [`Connection::is_closed`] says so.
    Closed(Close),
    /// Nothing for the application: a CSM, a Ping (answered), a Pong, an Empty message, or a
    /// response nobody waits for.
    Nothing,
}

/// Why a connection is over (or, released, ending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Close {
    /// The peer sent Release (§5.5), with the seconds it wants us to hold off reconnecting.
    Released {
        /// Hold-Off, in seconds.
        hold_off: Option<u32>,
    },
    /// The peer sent Abort (§5.6).
    Aborted {
        /// The CSM option of ours it could not process.
        bad_csm_option: Option<u32>,
    },
    /// The peer broke the signaling rules; we sent Abort.
    Violation(Violation),
    /// A message that does not parse; we sent Abort (§5.6: the stream cannot be trusted).
    Malformed(Error),
}

/// What happened without a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StreamEvent {
    /// No response to request `id` within the response timeout.
    Timeout(RequestId),
    /// A Ping of ours got no Pong in time: the connection is dead; close it.
    Unresponsive,
    /// The peer's CSM did not come in time (§5.3): close the connection.
    NoCsm,
}

/// Why the connection could not do what it was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum StreamError {
    /// Every request slot is in use, or the send queue is full.
    #[error("no free request slot or queue space")]
    Busy,
    /// The message cannot be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The builder is not for this connection's transport.
    #[error("the builder is for another transport")]
    Transport,
    /// The message is larger than the peer's Max-Message-Size (§5.3.1).
    #[error("message of {len} bytes over the peer's Max-Message-Size of {max}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The peer's limit.
        max: u32,
    },
    /// A request needs a request code, a response a response code.
    #[error("code {0:?} where a request or response code is needed")]
    Code(Code),
    /// The connection is closing or closed.
    #[error("the connection is closed")]
    Closed,
    /// No such request (answered, timed out or cancelled).
    #[error("unknown request")]
    Request,
}

/// A request of ours waiting for its response.
#[derive(Debug, Clone, Copy)]
struct Pending {
    id: RequestId,
    token: [u8; 8],
    /// Give up at this time; `None` for an observation that got its first notification.
    deadline: Option<u64>,
    observe: bool,
}

/// One CoAP connection over a reliable transport, with `N` requests outstanding at most and a
/// send queue of `Q` bytes.
#[derive(Debug, Clone)]
pub struct Connection<const N: usize = 8, const Q: usize = 4096> {
    transport: Transport,
    params: ConnParams,
    session: Session,
    rng: u64,
    next_request: u32,
    pending: [Option<Pending>; N],
    /// Messages to send, each after its length in 4 bytes; `head..tail` is in use.
    queue: [u8; Q],
    head: usize,
    tail: usize,
    /// A Ping of ours waiting for its Pong: its token and deadline.
    ping: Option<([u8; 8], u64)>,
    /// When the peer last sent something.
    last_heard: u64,
    /// When the peer's CSM must have come; `None` once it has.
    csm_deadline: Option<u64>,
    closed: bool,
    /// Release went one way or the other (§5.5): no new request of ours, no keepalive; the
    /// requests on their way are still answered both ways.
    released: bool,
    /// The tokens of the peer's requests handed to the application and not yet answered
    /// ([`Connection::respond`]): a Pong claims Custody only when there are none (§5.4.1).
    unanswered: [Option<crate::Token>; UNANSWERED],
    /// Requests not answered yet whose token could not be kept (no room, or longer than 8
    /// bytes): an answer under a token not kept counts one off.
    untracked: usize,
}

/// How many tokens of the peer's requests not yet answered a connection keeps by themselves.
const UNANSWERED: usize = 16;

impl<const N: usize, const Q: usize> Connection<N, Q> {
    /// A new connection over `transport` (TCP or WebSocket), opened at time 0 of the caller's
    /// clock (see [`Connection::open`] for another). Our CSM is the first message queued.
    /// `seed` seeds the tokens (give it real entropy, RFC 7252 §5.3.1).
    #[must_use]
    pub fn new(transport: Transport, params: ConnParams, seed: u64) -> Self {
        Self::open(Timestamp::from_millis(0), transport, params, seed)
    }

    /// A new connection opened at `now`.
    #[must_use]
    pub fn open(now: Timestamp, transport: Transport, params: ConnParams, seed: u64) -> Self {
        let t = ms(now);
        let mut c = Connection {
            transport,
            params,
            session: Session::new(),
            rng: seed | 1,
            next_request: 0,
            pending: [None; N],
            queue: [0; Q],
            head: 0,
            tail: 0,
            ping: None,
            last_heard: t,
            csm_deadline: Some(t.saturating_add(params.csm_timeout_ms)),
            closed: false,
            released: false,
            unanswered: [None; UNANSWERED],
            untracked: 0,
        };
        if let Ok(csm) = c
            .session
            .csm_for(transport, params.max_message_size, params.bert)
        {
            // A queue too small for a CSM leaves the connection unable to speak; it then
            // reports NoCsm from the peer's side.
            let _ = c.enqueue(&csm);
        }
        c
    }

    /// What the peer told us in its CSM.
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Whether the connection is over: an Abort or a violation either way, or a Release either
    /// way once no request of ours waits for its response any more (those still on their way
    /// are answered, or time out, as before the Release: RFC 8323 §5.5).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed || (self.released && self.pending.iter().all(Option::is_none))
    }

    /// Whether Release went one way or the other (and no Abort): the requests on their way are
    /// still answered, no new one of ours goes.
    #[must_use]
    pub fn is_released(&self) -> bool {
        self.released && !self.closed
    }

    /// The largest message the send queue holds (`Q - 4`): an `out` of this size always takes
    /// the next one from [`Connection::poll_transmit`].
    #[must_use]
    pub const fn max_queued() -> usize {
        Q.saturating_sub(4)
    }

    /// Requests still waiting for a response (observations included).
    #[must_use]
    pub fn outstanding(&self) -> usize {
        self.pending.iter().flatten().count()
    }

    /// Queues a message: its length, then its bytes; where the bytes are in the queue.
    fn enqueue<const M: usize>(
        &mut self,
        b: &Builder<'_, M>,
    ) -> Result<core::ops::Range<usize>, StreamError> {
        let len = b.buffer_len();
        let need = len.checked_add(4).ok_or(StreamError::Busy)?;
        if self.tail.saturating_add(need) > Q {
            // Move what is waiting to the front.
            self.queue.copy_within(self.head..self.tail, 0);
            self.tail = self.tail.saturating_sub(self.head);
            self.head = 0;
        }
        let start = self.tail;
        let body = start.checked_add(4).ok_or(StreamError::Busy)?;
        let end = body.checked_add(len).ok_or(StreamError::Busy)?;
        let dst = self.queue.get_mut(body..end).ok_or(StreamError::Busy)?;
        let n = b.encode(dst)?;
        let prefix = u32::try_from(n).map_err(|_| StreamError::Busy)?;
        if let Some(p) = self.queue.get_mut(start..body) {
            p.copy_from_slice(&prefix.to_be_bytes());
        }
        self.tail = body.saturating_add(n);
        Ok(body..self.tail)
    }

    /// Checks a builder of the application and queues it with `token`; where it is in the
    /// queue.
    fn send<const M: usize>(
        &mut self,
        b: &Builder<'_, M>,
        token: &[u8],
    ) -> Result<core::ops::Range<usize>, StreamError> {
        if self.closed {
            return Err(StreamError::Closed);
        }
        if b.transport() != self.transport {
            return Err(StreamError::Transport);
        }
        let mut b = b.clone();
        b.token(token);
        let len = b.buffer_len();
        let max = self.session.peer_max_message_size;
        if u32::try_from(len).map_or(true, |l| l > max) {
            return Err(StreamError::TooLarge { len, max });
        }
        self.enqueue(&b)
    }

    /// Sends a request; the connection gives it a fresh 8-byte token. The response comes back
    /// as [`StreamIncoming::Response`] with the returned id; with an Observe option of 0, every
    /// notification does too, until one is not 2.xx, or comes without Observe, or the request
    /// is cancelled.
    pub fn request<const M: usize>(
        &mut self,
        now: Timestamp,
        b: &Builder<'_, M>,
    ) -> Result<RequestId, StreamError> {
        if !b.code().is_request() {
            return Err(StreamError::Code(b.code()));
        }
        if self.released {
            return Err(StreamError::Closed);
        }
        let slot = self
            .pending
            .iter()
            .position(Option::is_none)
            .ok_or(StreamError::Busy)?;
        let token = xorshift(&mut self.rng).to_be_bytes();
        let at = self.send(b, &token)?;
        // Observe 0 registers: the request stays for its notifications.
        let observe = self
            .queue
            .get(at)
            .and_then(|bytes| Message::parse(bytes, self.transport, &Config::LENIENT).ok())
            .and_then(|m| m.observe())
            == Some(0);
        let id = RequestId(self.next_request);
        self.next_request = self.next_request.wrapping_add(1);
        if let Some(p) = self.pending.get_mut(slot) {
            *p = Some(Pending {
                id,
                token,
                deadline: Some(ms(now).saturating_add(self.params.response_timeout_ms)),
                observe,
            });
        }
        Ok(id)
    }

    /// Sends a request again under the token of observation `id` (RFC 7641 §3.6): with
    /// Observe 1 it deregisters, and the response ends the observation. Not after a Release
    /// (no new request goes, RFC 8323 §5.5): [`StreamError::Closed`].
    pub fn observe_again<const M: usize>(
        &mut self,
        id: RequestId,
        b: &Builder<'_, M>,
    ) -> Result<(), StreamError> {
        if self.closed || self.released {
            return Err(StreamError::Closed);
        }
        let token = self
            .pending
            .iter()
            .flatten()
            .find(|p| p.id == id)
            .map(|p| p.token)
            .ok_or(StreamError::Request)?;
        if !b.code().is_request() {
            return Err(StreamError::Code(b.code()));
        }
        self.send(b, &token).map(|_| ())
    }

    /// Forgets request `id` (a response that comes later is [`StreamIncoming::Nothing`]).
    pub fn cancel(&mut self, id: RequestId) {
        for p in &mut self.pending {
            if p.is_some_and(|p| p.id == id) {
                *p = None;
            }
        }
    }

    /// Answers a request that came with `token` (the first answer to an Observe registration
    /// too): `b` carries the response code, options and payload.
    pub fn respond<const M: usize>(
        &mut self,
        token: &[u8],
        b: &Builder<'_, M>,
    ) -> Result<(), StreamError> {
        self.notify(token, b)?;
        self.answered(token);
        Ok(())
    }

    /// The request with `token` is answered: one request fewer that a Pong's Custody waits for.
    fn answered(&mut self, token: &[u8]) {
        match self
            .unanswered
            .iter_mut()
            .find(|t| t.is_some_and(|t| t.as_slice() == token))
        {
            Some(slot) => *slot = None,
            None => self.untracked = self.untracked.saturating_sub(1),
        }
    }

    /// Answers a request as [`Connection::respond`] does, unless `no_response` (the request's,
    /// [`crate::Message::unwanted`]) says the client does not want a response of `b`'s class
    /// (RFC 7967 §2.1): then nothing is sent, and the request counts as answered all the same
    /// (a Pong's Custody does not wait for it, RFC 8323 §5.4.1). Over a reliable transport
    /// there is no message layer to acknowledge the request (RFC 8323 §3.3), so nothing at
    /// all goes: our reading, RFC 7967 speaking of UDP only.
    pub fn respond_as_asked<const M: usize>(
        &mut self,
        token: &[u8],
        no_response: crate::NoResponse,
        b: &Builder<'_, M>,
    ) -> Result<(), StreamError> {
        if !no_response.suppresses(b.code()) {
            return self.respond(token, b);
        }
        if !b.code().is_response() {
            return Err(StreamError::Code(b.code()));
        }
        self.answered(token);
        Ok(())
    }

    /// Sends a notification to an observer that registered with `token` (no answer to a
    /// request: a Pong's Custody still waits for those, [`Connection::respond`]).
    pub fn notify<const M: usize>(
        &mut self,
        token: &[u8],
        b: &Builder<'_, M>,
    ) -> Result<(), StreamError> {
        if !b.code().is_response() {
            return Err(StreamError::Code(b.code()));
        }
        self.send(b, token).map(|_| ())
    }

    /// Sends a Ping (§5.4); a Pong that does not come within the pong timeout is reported as
    /// [`StreamEvent::Unresponsive`]. A Ping already waiting is not sent twice.
    pub fn ping(&mut self, now: Timestamp) -> Result<(), StreamError> {
        if self.closed || self.released {
            return Err(StreamError::Closed);
        }
        if self.ping.is_some() {
            return Ok(());
        }
        let token = xorshift(&mut self.rng).to_be_bytes();
        let mut b = Builder::<0>::for_transport(
            self.transport,
            crate::code::Type::NonConfirmable,
            Code::PING,
            0,
        );
        b.token(&token);
        self.enqueue(&b)?;
        self.ping = Some((token, ms(now).saturating_add(self.params.pong_timeout_ms)));
        Ok(())
    }

    /// Ends the connection gracefully (§5.5): a Release is queued, no new request goes; the
    /// responses to the requests on their way still come ([`Connection::is_closed`] once they
    /// have, or timed out). Send the Release, then close when the connection is closed.
    pub fn release(&mut self) -> Result<(), StreamError> {
        if self.closed || self.released {
            return Err(StreamError::Closed);
        }
        let b = Builder::<0>::for_transport(
            self.transport,
            crate::code::Type::NonConfirmable,
            Code::RELEASE,
            0,
        );
        self.enqueue(&b)?;
        self.on_release();
        Ok(())
    }

    /// Release went one way or the other: no more keepalive, and our observations that are
    /// established (no deadline of their own) end, each reported as a timeout at the next
    /// [`Connection::poll_event`]; requests still waiting for their response keep their
    /// deadlines.
    fn on_release(&mut self) {
        self.released = true;
        self.ping = None;
        for p in self.pending.iter_mut().flatten() {
            if p.observe && p.deadline.is_none() {
                p.deadline = Some(0);
            }
        }
    }

    /// Ends the connection at once (§5.6): an Abort with `diagnostic` is queued, requests
    /// waiting are dropped. For what the caller finds wrong itself (a stream that cannot be
    /// framed, a message over the size it takes).
    pub fn abort(&mut self, diagnostic: &str) {
        if !self.is_closed() {
            self.abort_on(None, diagnostic);
        }
    }

    /// Queues an Abort with `diagnostic` and closes.
    fn abort_on(&mut self, violation: Option<Violation>, diagnostic: &str) {
        let mut b = Builder::<1>::for_transport(
            self.transport,
            crate::code::Type::NonConfirmable,
            Code::ABORT,
            0,
        );
        if let Some(Violation::BadCsmOption(n)) = violation {
            let _ = b.uint(
                crate::option::number::signaling::BAD_CSM_OPTION,
                u32::from(n),
            );
        }
        b.payload(diagnostic.as_bytes());
        let _ = self.enqueue(&b);
        self.closed = true;
        self.pending = [None; N];
        self.ping = None;
    }

    /// Takes one whole message from the peer. Our own Max-Message-Size is not checked here:
    /// the framing ([`Framing`](crate::tcp::Framing), a WebSocket limit) refuses a larger
    /// message before it is buffered.
    pub fn handle<'a>(&mut self, now: Timestamp, frame: &'a [u8]) -> StreamIncoming<'a> {
        // Over, or released with nothing of ours waiting: nothing more is taken.
        if self.is_closed() {
            return StreamIncoming::Nothing;
        }
        let t = ms(now);
        self.last_heard = t;
        // An Empty message is ignored whatever it carries (RFC 8323 §5.4: it "MUST be
        // ignored"): a token or bytes after it are no format error here.
        let cfg = Config {
            empty_with_content: true,
            ..Config::STRICT
        };
        let msg = match Message::parse(frame, self.transport, &cfg) {
            Ok(m) => m,
            Err(e) => {
                self.abort_on(None, "message format error");
                return StreamIncoming::Closed(Close::Malformed(e));
            }
        };
        match self.session.on_message(&msg) {
            Signal::Message => {}
            Signal::Empty | Signal::Settings => {
                if self.session.peer_csm {
                    self.csm_deadline = None;
                }
                return StreamIncoming::Nothing;
            }
            Signal::Ping => {
                // Custody says that every request before the Ping is answered (§5.4.1): while
                // the application still owes an answer, the Pong goes without it.
                let answered = self.untracked == 0 && self.unanswered.iter().all(Option::is_none);
                let b = if answered {
                    self.session.pong(&msg)
                } else {
                    let mut b = Builder::<1>::for_transport(
                        self.transport,
                        crate::code::Type::NonConfirmable,
                        Code::PONG,
                        0,
                    );
                    b.token(msg.token());
                    b
                };
                // A full queue drops the Pong; the peer's Ping times out and it decides.
                let _ = self.enqueue(&b);
                return StreamIncoming::Nothing;
            }
            Signal::Pong => {
                if self
                    .ping
                    .is_some_and(|(tok, _)| tok.as_slice() == msg.token())
                {
                    self.ping = None;
                }
                return StreamIncoming::Nothing;
            }
            Signal::Release { hold_off } => {
                // The peer sends no new request; those on their way are still answered.
                self.on_release();
                return StreamIncoming::Closed(Close::Released { hold_off });
            }
            Signal::Abort { bad_csm_option } => {
                self.closed = true;
                return StreamIncoming::Closed(Close::Aborted { bad_csm_option });
            }
            Signal::Violation(v) => {
                self.abort_on(Some(v), "signaling error");
                return StreamIncoming::Closed(Close::Violation(v));
            }
        }
        if msg.code().is_request() {
            let kept = crate::Token::new(msg.token()).and_then(|t| {
                let slot = self.unanswered.iter_mut().find(|s| s.is_none())?;
                *slot = Some(t);
                Some(())
            });
            if kept.is_none() {
                self.untracked = self.untracked.saturating_add(1);
            }
            return StreamIncoming::Request { message: msg };
        }
        if !msg.code().is_response() {
            return StreamIncoming::Nothing;
        }
        let Some(slot) = self
            .pending
            .iter()
            .position(|p| p.is_some_and(|p| p.token.as_slice() == msg.token()))
        else {
            return StreamIncoming::Nothing;
        };
        let Some(Some(p)) = self.pending.get_mut(slot) else {
            return StreamIncoming::Nothing;
        };
        let id = p.id;
        // An observation goes on while notifications are 2.xx with Observe (RFC 7641 §3.2).
        if p.observe && msg.code().class() == 2 && msg.observe().is_some() {
            p.deadline = None;
        } else if let Some(slot) = self.pending.get_mut(slot) {
            *slot = None;
        }
        StreamIncoming::Response { id, message: msg }
    }

    /// The next message to send, copied into `out`: its length, or `None` when nothing is
    /// waiting (or `out` is too small for the next one, which then stays queued: give an `out`
    /// of [`Connection::max_queued`] bytes). A keepalive Ping is queued here when one is due.
    pub fn poll_transmit(&mut self, now: Timestamp, out: &mut [u8]) -> Option<usize> {
        let t = ms(now);
        if let Some(k) = self.params.keepalive_ms {
            if !self.closed
                && !self.released
                && self.ping.is_none()
                && t >= self.last_heard.saturating_add(k)
            {
                let _ = self.ping(now);
            }
        }
        if self.head >= self.tail {
            return None;
        }
        let body = self.head.checked_add(4)?;
        let prefix = self.queue.get(self.head..body)?;
        let len = usize::try_from(u32::from_be_bytes(prefix.try_into().ok()?)).ok()?;
        let end = body.checked_add(len)?;
        let src = self.queue.get(body..end)?;
        out.get_mut(..len)?.copy_from_slice(src);
        self.head = end;
        if self.head == self.tail {
            self.head = 0;
            self.tail = 0;
        }
        Some(len)
    }

    /// What happened without a message: requests that timed out, a Pong or CSM that did not
    /// come. Call after [`Connection::poll_timeout`]'s time.
    pub fn poll_event(&mut self, now: Timestamp) -> Option<StreamEvent> {
        let t = ms(now);
        if self.is_closed() {
            return None;
        }
        if self.csm_deadline.is_some_and(|d| t >= d) {
            self.csm_deadline = None;
            return Some(StreamEvent::NoCsm);
        }
        if self.ping.is_some_and(|(_, d)| t >= d) {
            self.ping = None;
            return Some(StreamEvent::Unresponsive);
        }
        for p in &mut self.pending {
            if let Some(q) = p {
                if q.deadline.is_some_and(|d| t >= d) {
                    let id = q.id;
                    *p = None;
                    return Some(StreamEvent::Timeout(id));
                }
            }
        }
        None
    }

    /// When [`Connection::poll_event`] or [`Connection::poll_transmit`] (a keepalive Ping) has
    /// something next, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        if self.is_closed() {
            return None;
        }
        let keepalive = self
            .params
            .keepalive_ms
            .filter(|_| self.ping.is_none() && !self.released)
            .map(|k| self.last_heard.saturating_add(k));
        self.pending
            .iter()
            .flatten()
            .filter_map(|p| p.deadline)
            .chain(self.csm_deadline)
            .chain(self.ping.map(|(_, d)| d))
            .chain(keepalive)
            .min()
            .map(Timestamp::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::option::OptionNumber;
    use std::string::ToString;
    use std::vec;
    use std::vec::Vec;

    type Conn = Connection<4, 1024>;

    fn at(ms: u64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    /// Everything `from` has queued, as separate messages.
    fn drain(from: &mut Conn, now: u64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = [0u8; 1024];
        while let Some(n) = from.poll_transmit(at(now), &mut buf) {
            out.push(buf[..n].to_vec());
        }
        out
    }

    /// A client and a server that have exchanged their CSMs.
    fn pair(transport: Transport, params: ConnParams) -> (Conn, Conn) {
        let mut c = Conn::new(transport, params, 11);
        let mut s = Conn::new(transport, params, 22);
        for f in drain(&mut c, 0) {
            assert_eq!(s.handle(at(0), &f), StreamIncoming::Nothing);
        }
        for f in drain(&mut s, 0) {
            assert_eq!(c.handle(at(0), &f), StreamIncoming::Nothing);
        }
        assert!(c.session().peer_csm && s.session().peer_csm);
        (c, s)
    }

    fn code_of(frame: &[u8], transport: Transport) -> Code {
        Message::parse(frame, transport, &Config::STRICT)
            .unwrap()
            .code()
    }

    #[test]
    fn requests_and_responses_match_by_token_in_any_order() {
        for transport in [Transport::Tcp, Transport::WebSocket] {
            let (mut c, mut s) = pair(transport, ConnParams::default());
            let mut ids = Vec::new();
            for path in ["a", "b", "c"] {
                let mut b = Builder::<1>::for_transport(
                    transport,
                    crate::code::Type::NonConfirmable,
                    Code::GET,
                    0,
                );
                b.path(path).unwrap();
                ids.push(c.request(at(5), &b).unwrap());
            }
            assert_eq!(c.outstanding(), 3);
            let mut requests = Vec::new();
            for f in drain(&mut c, 5) {
                match s.handle(at(6), &f) {
                    StreamIncoming::Request { message } => requests.push((
                        message.token().to_vec(),
                        message.uri_path().next().unwrap().to_string(),
                    )),
                    other => panic!("{other:?}"),
                }
            }
            // Answered in reverse order: each response reaches its own request.
            for (token, path) in requests.iter().rev() {
                let mut b = Builder::<0>::for_transport(
                    transport,
                    crate::code::Type::NonConfirmable,
                    Code::CONTENT,
                    0,
                );
                b.payload(path.as_bytes());
                s.respond(token, &b).unwrap();
            }
            let mut got = Vec::new();
            for f in drain(&mut s, 7) {
                match c.handle(at(8), &f) {
                    StreamIncoming::Response { id, message } => {
                        got.push((id, message.payload().to_vec()));
                    }
                    other => panic!("{other:?}"),
                }
            }
            got.sort();
            assert_eq!(
                got,
                vec![
                    (ids[0], b"a".to_vec()),
                    (ids[1], b"b".to_vec()),
                    (ids[2], b"c".to_vec())
                ]
            );
            assert_eq!(c.outstanding(), 0);
            // A response again, or to a token never used, is nothing.
            let mut b = Builder::<0>::for_transport(
                transport,
                crate::code::Type::NonConfirmable,
                Code::CONTENT,
                0,
            );
            b.payload(b"late");
            s.respond(&requests[0].0, &b).unwrap();
            for f in drain(&mut s, 9) {
                assert_eq!(c.handle(at(9), &f), StreamIncoming::Nothing);
            }
        }
    }

    /// RFC 7967 §2.1 over a reliable transport: an unwanted class goes unsent, and the
    /// request counts as answered (a Pong then claims Custody); a wanted one is sent.
    #[test]
    fn respond_as_asked_leaves_unwanted_classes_unsent() {
        for transport in [Transport::Tcp, Transport::WebSocket] {
            let (mut c, mut s) = pair(transport, ConnParams::default());
            let new = |code| {
                Builder::<0>::for_transport(transport, crate::code::Type::NonConfirmable, code, 0)
            };
            for _ in 0..2 {
                c.request(at(1), &new(Code::POST)).unwrap();
            }
            let mut tokens = Vec::new();
            for f in drain(&mut c, 1) {
                let StreamIncoming::Request { message } = s.handle(at(2), &f) else {
                    panic!("a request");
                };
                tokens.push(message.token().to_vec());
            }
            let not_2xx = crate::NoResponse(crate::NoResponse::SUCCESS);
            s.respond_as_asked(&tokens[0], not_2xx, &new(Code::CHANGED))
                .unwrap();
            assert!(drain(&mut s, 3).is_empty(), "2.04 not wanted: nothing sent");
            s.respond_as_asked(&tokens[1], not_2xx, &new(Code::NOT_FOUND))
                .unwrap();
            let sent = drain(&mut s, 3);
            assert_eq!(sent.len(), 1);
            let m = Message::parse(&sent[0], transport, &Config::STRICT).unwrap();
            assert_eq!((m.code(), m.token()), (Code::NOT_FOUND, &tokens[1][..]));
            // Both answered: a Pong claims Custody.
            let mut ping = Builder::<1>::for_transport(
                transport,
                crate::code::Type::NonConfirmable,
                Code::PING,
                0,
            );
            ping.empty(OptionNumber(2)).unwrap();
            let mut frame = vec![0u8; ping.buffer_len()];
            let n = ping.encode(&mut frame).unwrap();
            s.handle(at(4), &frame[..n]);
            let pongs = drain(&mut s, 4);
            let m = Message::parse(&pongs[0], transport, &Config::STRICT).unwrap();
            assert!(m.option(OptionNumber(2)).is_some(), "Custody");
        }
    }

    /// A Pong claims Custody (every request before the Ping answered, RFC 8323 §5.4.1) only
    /// when the application owes no answer: a request handed over and not yet answered
    /// holds it back.
    #[test]
    fn a_pong_claims_custody_only_with_every_request_answered() {
        for transport in [Transport::Tcp, Transport::WebSocket] {
            let (mut c, mut s) = pair(transport, ConnParams::default());
            let get = Builder::<0>::for_transport(
                transport,
                crate::code::Type::NonConfirmable,
                Code::GET,
                0,
            );
            c.request(at(1), &get).unwrap();
            let mut token = Vec::new();
            for f in drain(&mut c, 1) {
                let StreamIncoming::Request { message } = s.handle(at(2), &f) else {
                    panic!("a request");
                };
                token = message.token().to_vec();
            }
            let mut ping = Builder::<1>::for_transport(
                transport,
                crate::code::Type::NonConfirmable,
                Code::PING,
                0,
            );
            ping.token(b"p");
            ping.empty(OptionNumber(2)).unwrap();
            let mut frame = vec![0u8; ping.buffer_len()];
            let n = ping.encode(&mut frame).unwrap();
            let custody = |s: &mut Conn, now: u64| {
                assert_eq!(s.handle(at(now), &frame[..n]), StreamIncoming::Nothing);
                let pongs = drain(s, now);
                assert_eq!(pongs.len(), 1);
                let m = Message::parse(&pongs[0], transport, &Config::STRICT).unwrap();
                assert_eq!((m.code(), m.token()), (Code::PONG, &b"p"[..]));
                m.option(OptionNumber(2)).is_some()
            };
            assert!(!custody(&mut s, 3), "the GET is not answered yet");
            let answer = Builder::<0>::for_transport(
                transport,
                crate::code::Type::NonConfirmable,
                Code::CONTENT,
                0,
            );
            // A notification under the same token answers no request.
            s.notify(&token, &answer).unwrap();
            drain(&mut s, 4);
            assert!(!custody(&mut s, 4), "a notification is no answer");
            s.respond(&token, &answer).unwrap();
            drain(&mut s, 4);
            assert!(custody(&mut s, 5), "every request answered");
            // A request whose token is not kept (9 bytes, RFC 8974) holds Custody back until
            // an answer comes under it.
            let mut long = Builder::<0>::for_transport(
                transport,
                crate::code::Type::NonConfirmable,
                Code::GET,
                0,
            );
            long.token(b"123456789");
            let mut frame = vec![0u8; long.buffer_len()];
            let k = long.encode(&mut frame).unwrap();
            assert!(matches!(
                s.handle(at(6), &frame[..k]),
                StreamIncoming::Request { .. }
            ));
            assert!(!custody(&mut s, 6));
            s.respond(b"123456789", &answer).unwrap();
            drain(&mut s, 7);
            assert!(custody(&mut s, 7));
        }
    }

    #[test]
    fn a_request_without_response_times_out() {
        let params = ConnParams {
            response_timeout_ms: 1000,
            ..ConnParams::default()
        };
        let (mut c, _s) = pair(Transport::Tcp, params);
        let id = c.request(at(100), &Builder::<0>::tcp(Code::GET)).unwrap();
        assert_eq!(c.poll_timeout(), Some(at(1100)));
        assert_eq!(c.poll_event(at(1099)), None);
        assert_eq!(c.poll_event(at(1100)), Some(StreamEvent::Timeout(id)));
        assert_eq!(c.outstanding(), 0);
        assert_eq!(c.poll_event(at(5000)), None);
    }

    #[test]
    fn observation_lasts_until_a_response_that_is_not_a_notification() {
        let (mut c, mut s) = pair(Transport::Tcp, ConnParams::default());
        let mut b = Builder::<2>::tcp(Code::GET);
        b.path("obs").unwrap();
        b.uint(OptionNumber::OBSERVE, 0).unwrap();
        let id = c.request(at(0), &b).unwrap();
        let token = match s.handle(at(0), &drain(&mut c, 0)[0]) {
            StreamIncoming::Request { message } => message.token().to_vec(),
            other => panic!("{other:?}"),
        };
        for (seq, code) in [
            (Some(1), Code::CONTENT),
            (Some(2), Code::CONTENT),
            (None, Code::NOT_FOUND),
        ] {
            let mut n = Builder::<1>::tcp(code);
            if let Some(seq) = seq {
                n.uint(OptionNumber::OBSERVE, seq).unwrap();
            }
            s.respond(&token, &n).unwrap();
            let f = drain(&mut s, 1).remove(0);
            assert!(
                matches!(c.handle(at(1), &f), StreamIncoming::Response { id: got, .. } if got == id)
            );
            // A live observation waits with no deadline; the 4.04 ends it.
            assert_eq!(c.outstanding(), usize::from(seq.is_some()));
            assert_eq!(c.poll_timeout(), None);
        }
        assert_eq!(c.outstanding(), 0, "the 4.04 ended it");

        // Observe 1 under the observation's token deregisters (RFC 7641 §3.6).
        let id = c.request(at(2), &b).unwrap();
        let token = match s.handle(at(2), &drain(&mut c, 2)[0]) {
            StreamIncoming::Request { message } => message.token().to_vec(),
            other => panic!("{other:?}"),
        };
        let mut d = Builder::<2>::tcp(Code::GET);
        d.path("obs").unwrap();
        d.uint(OptionNumber::OBSERVE, 1).unwrap();
        c.observe_again(id, &d).unwrap();
        match s.handle(at(3), &drain(&mut c, 3)[0]) {
            StreamIncoming::Request { message } => {
                assert_eq!((message.token(), message.observe()), (&token[..], Some(1)));
            }
            other => panic!("{other:?}"),
        }
        c.cancel(id);
        assert_eq!(c.observe_again(id, &d), Err(StreamError::Request));
        // After a Release no new request goes, a deregistration neither (RFC 8323 §5.5).
        let id = c.request(at(4), &b).unwrap();
        s.handle(at(4), &drain(&mut c, 4)[0]);
        c.release().unwrap();
        assert_eq!(c.observe_again(id, &d), Err(StreamError::Closed));
    }

    #[test]
    fn ping_pong_keepalive_and_an_unresponsive_peer() {
        let params = ConnParams {
            keepalive_ms: Some(1000),
            pong_timeout_ms: 500,
            ..ConnParams::default()
        };
        let (mut c, mut s) = pair(Transport::Tcp, params);
        assert_eq!(c.poll_timeout(), Some(at(1000)));
        assert!(drain(&mut c, 999).is_empty());
        // Idle for the keepalive time: a Ping goes out; the peer's Pong clears it.
        let ping = drain(&mut c, 1000);
        assert_eq!(ping.len(), 1);
        assert_eq!(code_of(&ping[0], Transport::Tcp), Code::PING);
        assert_eq!(s.handle(at(1001), &ping[0]), StreamIncoming::Nothing);
        let pong = drain(&mut s, 1001);
        assert_eq!(code_of(&pong[0], Transport::Tcp), Code::PONG);
        assert_eq!(c.handle(at(1002), &pong[0]), StreamIncoming::Nothing);
        assert_eq!(c.poll_event(at(1600)), None);
        // Next time nobody answers.
        let ping = drain(&mut c, 2002);
        assert_eq!(ping.len(), 1);
        assert_eq!(c.poll_event(at(2501)), None);
        assert_eq!(c.poll_event(at(2502)), Some(StreamEvent::Unresponsive));
        // A Pong with another token does not count.
        c.ping(at(3000)).unwrap();
        let mut wrong = Builder::<0>::tcp(Code::PONG);
        wrong.token(b"zz");
        let mut buf = [0u8; 16];
        let n = wrong.encode(&mut buf).unwrap();
        assert_eq!(c.handle(at(3001), &buf[..n]), StreamIncoming::Nothing);
        assert_eq!(c.poll_event(at(3500)), Some(StreamEvent::Unresponsive));
    }

    #[test]
    fn a_peer_without_csm_is_aborted_and_a_silent_one_reported() {
        let mut s = Conn::new(Transport::Tcp, ConnParams::default(), 3);
        let _ = drain(&mut s, 0);
        let mut b = Builder::<0>::tcp(Code::GET);
        b.token(b"t");
        let mut buf = [0u8; 16];
        let n = b.encode(&mut buf).unwrap();
        assert_eq!(
            s.handle(at(1), &buf[..n]),
            StreamIncoming::Closed(Close::Violation(Violation::NoCsm))
        );
        let out = drain(&mut s, 1);
        assert_eq!(code_of(&out[0], Transport::Tcp), Code::ABORT);
        assert!(s.is_closed());
        assert_eq!(s.request(at(2), &b), Err(StreamError::Closed));

        let mut quiet = Conn::new(Transport::Tcp, ConnParams::default(), 4);
        assert_eq!(quiet.poll_timeout(), Some(at(10_000)));
        assert_eq!(quiet.poll_event(at(10_000)), Some(StreamEvent::NoCsm));
    }

    #[test]
    fn a_malformed_message_aborts() {
        let (_c, mut s) = pair(Transport::Tcp, ConnParams::default());
        // TKL 15 is reserved.
        assert!(matches!(
            s.handle(at(1), &[0x0f, 0x01]),
            StreamIncoming::Closed(Close::Malformed(_))
        ));
        assert_eq!(code_of(&drain(&mut s, 1)[0], Transport::Tcp), Code::ABORT);
        assert_eq!(s.handle(at(2), &[0x00, 0x00]), StreamIncoming::Nothing);
    }

    #[test]
    fn an_empty_message_with_a_token_or_payload_is_ignored() {
        let (_c, mut s) = pair(Transport::Tcp, ConnParams::default());
        // 0.00 with token 42; 0.00 with a payload marker and a byte.
        for f in [&[0x01, 0x00, 0x42][..], &[0x20, 0x00, 0xff, 0x01]] {
            assert_eq!(s.handle(at(1), f), StreamIncoming::Nothing, "{f:02x?}");
        }
        assert!(drain(&mut s, 1).is_empty(), "no Abort");
        // The connection goes on: a GET still gets through.
        assert!(matches!(
            s.handle(at(2), &[0x00, 0x01]),
            StreamIncoming::Request { .. }
        ));
    }

    #[test]
    fn release_both_ways() {
        let (mut c, mut s) = pair(Transport::Tcp, ConnParams::default());
        c.release().unwrap();
        assert!(c.is_closed());
        let f = drain(&mut c, 1);
        assert_eq!(code_of(&f[0], Transport::Tcp), Code::RELEASE);
        assert_eq!(
            s.handle(at(1), &f[0]),
            StreamIncoming::Closed(Close::Released { hold_off: None })
        );
        assert!(s.is_closed());
        assert_eq!(c.release(), Err(StreamError::Closed));

        // A Release with a request on its way (§5.5): the request is still answered, the
        // response still taken; no new request goes; then the connection is over.
        let (mut c, mut s) = pair(Transport::Tcp, ConnParams::default());
        let id = c.request(at(1), &Builder::<0>::tcp(Code::GET)).unwrap();
        c.release().unwrap();
        assert!(!c.is_closed() && c.is_released());
        assert_eq!(
            c.request(at(1), &Builder::<0>::tcp(Code::GET)),
            Err(StreamError::Closed)
        );
        let f = drain(&mut c, 1);
        let StreamIncoming::Request { message } = s.handle(at(1), &f[0]) else {
            panic!("the request");
        };
        let token = message.token().to_vec();
        assert_eq!(
            s.handle(at(1), &f[1]),
            StreamIncoming::Closed(Close::Released { hold_off: None })
        );
        assert!(
            s.is_closed() && s.is_released(),
            "nothing of the server's waits"
        );
        s.respond(&token, &Builder::<0>::tcp(Code::CONTENT))
            .unwrap();
        let f = drain(&mut s, 1);
        assert!(matches!(
            c.handle(at(2), &f[0]),
            StreamIncoming::Response { id: got, .. } if got == id
        ));
        assert!(c.is_closed());

        // An observation of ours that is established ends with a Release: reported as a
        // timeout, and the connection is over.
        let (mut c, mut s) = pair(Transport::Tcp, ConnParams::default());
        let mut obs = Builder::<1>::tcp(Code::GET);
        obs.uint(OptionNumber::OBSERVE, 0).unwrap();
        let id = c.request(at(1), &obs).unwrap();
        let f = drain(&mut c, 1);
        let StreamIncoming::Request { message } = s.handle(at(1), &f[0]) else {
            panic!("the observe");
        };
        let token = message.token().to_vec();
        let mut note = Builder::<1>::tcp(Code::CONTENT);
        note.uint(OptionNumber::OBSERVE, 2).unwrap();
        s.respond(&token, &note).unwrap();
        let f = drain(&mut s, 1);
        assert!(matches!(
            c.handle(at(2), &f[0]),
            StreamIncoming::Response { .. }
        ));
        assert_eq!(
            c.poll_timeout(),
            None,
            "an established observation has no deadline"
        );
        c.release().unwrap();
        assert!(!c.is_closed());
        assert_eq!(c.poll_event(at(3)), Some(StreamEvent::Timeout(id)));
        assert!(c.is_closed());

        // An Abort from the peer with requests of ours waiting: the connection is over, and
        // nothing more comes of it.
        let (mut c, _s) = pair(Transport::Tcp, ConnParams::default());
        c.request(at(1), &Builder::<0>::tcp(Code::GET)).unwrap();
        let _ = drain(&mut c, 1);
        let mut abort = Builder::<0>::tcp(Code::ABORT);
        abort.payload(b"bye");
        let mut buf = [0u8; 16];
        let n = abort.encode(&mut buf).unwrap();
        assert_eq!(
            c.handle(at(2), &buf[..n]),
            StreamIncoming::Closed(Close::Aborted {
                bad_csm_option: None
            })
        );
        assert!(c.is_closed());
        assert_eq!(c.poll_timeout(), None);
        assert_eq!(c.poll_event(at(100_000)), None);
        assert_eq!(c.handle(at(3), &buf[..n]), StreamIncoming::Nothing);
    }

    #[test]
    fn limits_size_transport_code_and_queue() {
        let (mut c, mut s) = pair(Transport::Tcp, ConnParams::default());
        // The peer's Max-Message-Size (1152 by default) bounds what we send.
        let big = [b'x'; 1200];
        let mut b = Builder::<0>::tcp(Code::POST);
        b.payload(&big);
        assert!(matches!(
            c.request(at(0), &b),
            Err(StreamError::TooLarge { max: 1152, .. })
        ));
        assert_eq!(
            c.request(
                at(0),
                &Builder::<0>::udp(crate::code::Type::Confirmable, Code::GET, 1)
            ),
            Err(StreamError::Transport)
        );
        assert_eq!(
            c.request(at(0), &Builder::<0>::tcp(Code::CONTENT)),
            Err(StreamError::Code(Code::CONTENT))
        );
        assert_eq!(
            s.respond(b"t", &Builder::<0>::tcp(Code::GET)),
            Err(StreamError::Code(Code::GET))
        );
        // The queue of 1024 bytes takes two 400-byte responses, not three; sending frees it.
        let body = [b'y'; 400];
        let mut r = Builder::<0>::tcp(Code::CONTENT);
        r.payload(&body);
        s.respond(b"1", &r).unwrap();
        s.respond(b"2", &r).unwrap();
        assert_eq!(s.respond(b"3", &r), Err(StreamError::Busy));
        assert_eq!(drain(&mut s, 1).len(), 2);
        s.respond(b"3", &r).unwrap();
        s.respond(b"4", &r).unwrap();
        let out = drain(&mut s, 2);
        let tokens: Vec<Vec<u8>> = out
            .iter()
            .map(|f| Message::parse_tcp(f).unwrap().token().to_vec())
            .collect();
        assert_eq!(tokens, vec![b"3".to_vec(), b"4".to_vec()]);
        // At most N requests wait at once.
        for _ in 0..4 {
            c.request(at(3), &Builder::<0>::tcp(Code::GET)).unwrap();
        }
        assert_eq!(
            c.request(at(3), &Builder::<0>::tcp(Code::GET)),
            Err(StreamError::Busy)
        );
    }
}
