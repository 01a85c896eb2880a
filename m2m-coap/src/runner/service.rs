//! What every runner does with a request, whatever the transport: uploads reassembled, the
//! handler asked, replies that come later awaited, observations registered and notified. The
//! transports only turn the [`Step`]s into messages.

use std::sync::Arc;
use std::vec::Vec;

use tokio::sync::{broadcast, mpsc};

use super::kept::Kept;
use super::observe::Observations;
use super::uploads::{Uploads, block_error_code, owned_request};
use super::{Handler, Later, Notifier, Reply, Response, path_of};
use crate::code::Code;
use crate::message::Message;
use crate::option::OptionNumber;
use crate::{Block, NoResponse};

/// How long a [`Reply::later`] may take before it is answered 5.03 for the handler.
pub(super) const LATER_TIMEOUT: core::time::Duration = core::time::Duration::from_secs(120);

/// Something to send.
pub(super) enum Step<K, A> {
    /// The answer to a request: `to` is how the transport finds the exchange (the UDP
    /// exchange, the token over TCP).
    Answer {
        to: A,
        response: Response,
        block2: Option<Block>,
        observe: Option<u32>,
        /// The classes of response the request does not want (RFC 7967 §2.1): over TCP and
        /// WebSocket the transport leaves them unsent; over UDP the exchange carries them.
        no_response: NoResponse,
    },
    /// A notification to observation `id`; `observe` is `None` for the last one (the response
    /// was not 2.xx, or no longer observable).
    Notify {
        id: u64,
        peer: K,
        token: Vec<u8>,
        response: Response,
        observe: Option<u32>,
        confirmable: bool,
        /// The first block in the size the registration asked for with its Block2, if it
        /// asked (RFC 7959 §2.4: a server MUST use that size or a smaller one).
        block2: Option<Block>,
    },
}

/// Where a reply that came later goes.
enum Target<K, A> {
    Answer {
        to: A,
        peer: K,
        block2: Option<Block>,
        /// The request, when it registers an observation.
        register: Option<Registering>,
        /// The method and request key under which the answer is kept for its later blocks
        /// (a request that is not safe).
        keep: Option<(Code, Vec<u8>)>,
        no_response: NoResponse,
    },
    Notify {
        id: u64,
    },
}

/// A request that registers an observation, kept until its answer says whether it may.
struct Registering {
    token: Vec<u8>,
    path: std::string::String,
    request: Vec<u8>,
    transport: crate::error::Transport,
}

/// A reply that came later.
pub(super) struct Ready<K, A> {
    target: Target<K, A>,
    response: Response,
}

/// What woke the service up.
pub(super) enum Wake<K, A> {
    Ready(Ready<K, A>),
    /// A path changed (`None`: the runner fell behind, so every path may have).
    Changed(Option<Arc<str>>),
}

pub(super) struct Service<K, A, H> {
    handler: H,
    uploads: Uploads<K>,
    /// Answers of unsafe requests kept for their later blocks.
    kept: Kept<K>,
    pub(super) observations: Observations<K>,
    ready_tx: mpsc::UnboundedSender<Ready<K, A>>,
    ready_rx: mpsc::UnboundedReceiver<Ready<K, A>>,
    changes: broadcast::Receiver<Arc<str>>,
    /// Keeps the change channel open while the service runs.
    _notifier: Notifier,
    /// Replies that come later, not yet taken back by [`Service::ready`].
    deferred: usize,
}

impl<K, A, H> Service<K, A, H>
where
    K: Copy + Eq + core::hash::Hash + Send + 'static,
    A: Send + 'static,
    H: Handler,
{
    pub(super) fn new(handler: H, notifier: Notifier) -> Self {
        let (ready_tx, ready_rx) = mpsc::unbounded_channel();
        Service {
            handler,
            uploads: Uploads::new(),
            kept: Kept::new(),
            observations: Observations::new(),
            ready_tx,
            ready_rx,
            changes: notifier.subscribe(),
            _notifier: notifier,
            deferred: 0,
        }
    }

    /// Waits for a reply that came later or a change. Cancel-safe.
    pub(super) async fn wake(&mut self) -> Wake<K, A> {
        tokio::select! {
            Some(r) = self.ready_rx.recv() => Wake::Ready(r),
            c = self.changes.recv() => match c {
                Ok(path) => Wake::Changed(Some(path)),
                // Lagged: changes were missed, so every observer is notified. (Closed cannot
                // happen: the service holds a sender.)
                Err(_) => Wake::Changed(None),
            },
        }
    }

    /// A request from `peer`: the answer now, or `None` when it comes later (then the
    /// transport may acknowledge the request, and the answer comes out of [`Self::wake`]).
    pub(super) fn request(&mut self, peer: K, req: &Message<'_>, to: A) -> Option<Step<K, A>> {
        let unwanted = req.unwanted();
        // A request for a proxy to a server that is none (RFC 7252 §5.10.2).
        let proxied = req
            .options()
            .any(|o| o.number == OptionNumber::PROXY_URI || o.number == OptionNumber::PROXY_SCHEME);
        if proxied && !self.handler.proxies() {
            let refusal = Response::new(Code::PROXYING_NOT_SUPPORTED);
            return Some(self.answer(peer, to, refusal, None, None, unwanted));
        }
        // A critical option nobody here acts on (RFC 7252 §5.4.1): 4.02, not a request
        // served as if it were not there (a Q-Block1 upload would keep its last block only).
        let unprocessed = req.options().any(|o| {
            crate::option::NOT_PERFORMED.contains(&o.number) && !self.handler.processes(o.number)
        });
        if unprocessed {
            let refusal = Response::new(Code::BAD_OPTION);
            return Some(self.answer(peer, to, refusal, None, None, unwanted));
        }
        let observable_method = matches!(req.code(), Code::GET | Code::FETCH);
        let block2 = match req.block2() {
            None => None,
            Some(Ok(b)) => Some(b),
            // Not served as if it asked for nothing: refused, as a bad Block1 is.
            Some(Err(e)) => {
                let refusal = Response::new(block_error_code(e));
                return Some(self.answer(peer, to, refusal, None, None, unwanted));
            }
        };
        // A request uploaded in Block1 blocks is not registered: the request kept for the
        // notifications would be its last block only.
        // A registration that does not want 2.xx answers would get no notification (each is
        // an answer to it, RFC 7641 §4.2, and RFC 7967 §2.1 leaves it unsent): not registered,
        // and one under its token before ends, as a registration refused does (§4.1).
        let register = match req.observe() {
            Some(0) if observable_method && unwanted.suppresses(Code::CONTENT) => {
                self.observations.remove(peer, req.token());
                None
            }
            Some(0)
                if observable_method
                    && block2.is_none_or(|b| b.num == 0)
                    && req.block1().is_none() =>
            {
                owned_request(req, req.payload()).map(|request| Registering {
                    token: req.token().to_vec(),
                    path: path_of(req),
                    request,
                    transport: req.transport(),
                })
            }
            Some(1) if observable_method => {
                self.observations.remove(peer, req.token());
                None
            }
            _ => None,
        };
        // A later block of an answer to a POST, PUT, ...: the answer kept, the handler not run
        // again.
        if let Some(kept) = self.kept.later_block(peer, req, block2) {
            return Some(self.answer(peer, to, kept, block2, None, unwanted));
        }
        let reply = self.uploads.answer(peer, req, &mut self.handler);
        match reply {
            Reply::Now(response) => {
                self.kept.keep(peer, req, &response);
                Some(self.answer(peer, to, response, block2, register, unwanted))
            }
            Reply::Later(later) => {
                let keep = Kept::<K>::key_of(req);
                self.defer(
                    later,
                    Target::Answer {
                        to,
                        peer,
                        block2,
                        register,
                        keep,
                        no_response: unwanted,
                    },
                );
                None
            }
        }
    }

    /// The step for a reply that came later (`None` if its observation is gone).
    pub(super) fn ready(&mut self, r: Ready<K, A>) -> Option<Step<K, A>> {
        self.deferred = self.deferred.saturating_sub(1);
        match r.target {
            Target::Answer {
                to,
                peer,
                block2,
                register,
                keep,
                no_response,
            } => {
                // Kept for its later blocks as an answer given at once is.
                if let Some((code, key)) = keep {
                    self.kept.keep_keyed(peer, code, key, &r.response);
                }
                Some(self.answer(peer, to, r.response, block2, register, no_response))
            }
            Target::Notify { id } => self.notification(id, r.response),
        }
    }

    /// The notifications for a change of `path` (every path when `None`) that are ready now;
    /// the others come out of [`Self::wake`].
    pub(super) fn changed(&mut self, path: Option<&str>) -> Vec<Step<K, A>> {
        self.observations
            .of(path)
            .into_iter()
            .filter_map(|id| self.renotify(id))
            .collect()
    }

    /// The notification of observation `id` with the handler's answer of now, if it is ready
    /// now (else it comes out of [`Self::wake`]); `None` too when the observation is gone.
    pub(super) fn renotify(&mut self, id: u64) -> Option<Step<K, A>> {
        let o = self.observations.get(id)?;
        let reply = match Message::parse(&o.request, o.transport, &crate::Config::LENIENT) {
            Ok(req) => self.handler.handle(&req),
            Err(_) => Reply::Now(Response::new(Code::INTERNAL_SERVER_ERROR)),
        };
        match reply {
            Reply::Now(response) => self.notification(id, response),
            Reply::Later(later) => {
                self.defer(later, Target::Notify { id });
                None
            }
        }
    }

    fn answer(
        &mut self,
        peer: K,
        to: A,
        response: Response,
        block2: Option<Block>,
        register: Option<Registering>,
        no_response: NoResponse,
    ) -> Step<K, A> {
        let mut observe = None;
        if let Some(r) = register {
            if response.observable && response.code.class() == 2 {
                observe =
                    self.observations
                        .register(peer, &r.token, r.path, r.request, r.transport);
                // The answer is the first notification: fresh for its Max-Age (§4.3.1).
                if let Some(id) = self.observations.id_of(peer, &r.token) {
                    let now = tokio::time::Instant::now();
                    self.observations.fresh_for(id, max_age(&response), now);
                }
            } else {
                // Registering again and refused: the old observation ends too (RFC 7641 §4.1).
                self.observations.remove(peer, &r.token);
            }
        }
        Step::Answer {
            to,
            response,
            block2,
            observe,
            no_response,
        }
    }

    fn notification(&mut self, id: u64, response: Response) -> Option<Step<K, A>> {
        let o = self.observations.get(id)?;
        let (peer, token) = (o.peer, o.token.clone());
        let request = Message::parse(&o.request, o.transport, &crate::Config::LENIENT).ok();
        let block2 = request
            .as_ref()
            .and_then(Message::block2)
            .and_then(Result::ok)
            .map(|b| Block {
                num: 0,
                more: false,
                ..b
            });
        let unwanted = request.as_ref().map(Message::unwanted).unwrap_or_default();
        let last = !(response.observable && response.code.class() == 2);
        // A notification is an answer to the registration (RFC 7641 §4.2): one of a class its
        // No-Response does not want is not sent (RFC 7967 §2.1); a last one still ends the
        // observation.
        if unwanted.suppresses(response.code) {
            if last {
                self.observations.remove_id(id);
            }
            return None;
        }
        if !last {
            let confirmable = self.observations.count(id, std::time::Instant::now());
            let now = tokio::time::Instant::now();
            self.observations.fresh_for(id, max_age(&response), now);
            let seq = self.observations.next_seq();
            Some(Step::Notify {
                id,
                peer,
                token,
                response,
                observe: Some(seq),
                confirmable,
                block2,
            })
        } else {
            // The last notification: the observation ends (RFC 7641 §3.2, §4.2).
            self.observations.remove_id(id);
            Some(Step::Notify {
                id,
                peer,
                token,
                response,
                observe: None,
                confirmable: false,
                block2,
            })
        }
    }

    /// The observations whose last notification must be renewed at `now` to stay fresh
    /// (RFC 7641 §4.3.1); each is notified with the handler's answer of then, as after a
    /// change.
    pub(super) fn stale(&mut self, now: tokio::time::Instant) -> Vec<u64> {
        self.observations.stale(now)
    }

    /// When an observation's notification is next to be renewed.
    pub(super) fn next_refresh(&self) -> Option<tokio::time::Instant> {
        self.observations.next_refresh()
    }

    /// How many replies that come later are still on their way.
    pub(super) fn deferred(&self) -> usize {
        self.deferred
    }

    fn defer(&mut self, later: Later, target: Target<K, A>) {
        self.deferred = self.deferred.saturating_add(1);
        let tx = self.ready_tx.clone();
        tokio::spawn(async move {
            // A reply that does not come in time is a 5.03: the exchange must not wait
            // forever (over UDP it holds a slot of the endpoint, which lets it go after
            // EXCHANGE_LIFETIME anyway).
            let response = tokio::time::timeout(LATER_TIMEOUT, later.wait())
                .await
                .unwrap_or_else(|_| Response::new(Code::SERVICE_UNAVAILABLE));
            let _ = tx.send(Ready { target, response });
        });
    }
}

/// The Max-Age the handler set on a response (RFC 7252 §5.10.5; one longer than 4 bytes, which
/// no client reads, is the default 60 s), `None` when it set none: the freshness the runner
/// keeps notifications to ([`Observations::fresh_for`](super::observe::Observations::fresh_for)).
fn max_age(response: &Response) -> Option<core::time::Duration> {
    let (_, v) = response
        .options
        .iter()
        .find(|(n, _)| *n == OptionNumber::MAX_AGE)?;
    let secs = crate::option::value::decode_uint(v).unwrap_or(60);
    Some(core::time::Duration::from_secs(u64::from(secs)))
}
