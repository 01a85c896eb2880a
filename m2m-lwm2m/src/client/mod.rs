//! The sans-IO LwM2M client (OMA-TS-LightweightM2M_Core 1.1 §6.2 "Client Registration
//! Interface", §6.3 "Device Management and Service Enablement", §6.4 "Information Reporting";
//! design.md §10) on the m2m-coap endpoint.
//!
//! It keeps its registration alive (Register, retried in the specification's sequences
//! ([`Retry`]), Update before the lifetime runs out, Register again after a 4.04 or a failed
//! Update, De-register), serves the application's
//! [`ObjectTree`] (Read, Discover, Write, Write-Attributes, Execute, Create, Delete,
//! Read-Composite, Write-Composite), and keeps observations of single paths and
//! Observe-Composites, notifying when [`notify::decide`](crate::notify::decide) says so for an
//! observed path; a cancellation (Observe 1) or a Reset ends them. The model's rules are the
//! client's, not the tree's: a server's Write of a read-only resource is 4.05, the Security
//! and OSCORE objects are the bootstrap server's alone (4.01 to a server, left out of
//! Register; Bootstrap-Read reads the Server and Access Control objects only), a Write
//! replace resets what it replaces ([`ObjectTree::reset`]), and
//! Bootstrap-Delete spares the Bootstrap-Server account and the Device.
//! After a Bootstrap, [`server_account`] reads the LwM2M Server account it wrote (the server's
//! URI, Short Server ID and Lifetime) and [`Client::set_server`] points the client there.
//!
//! Bodies larger than one message go in blocks (RFC 7959): answers and notifications in
//! Block2 blocks, each block written from the tree again with the body's hash as ETag, and
//! the object links of Register and Update, and a long Send, in Block1 blocks; a Write of one
//! resource that comes in Block1 blocks (a firmware package) goes to
//! [`ObjectTree::write_block`] a block at a time, the client keeping none of it. In queue mode
//! ([`Settings::queue`]) the client registers with `Q` (`UQ` in 1.0) and
//! [`Client::awake_until`] says when it may stop listening.
//!
//! No socket, clock or allocation: datagrams come in through [`Client::handle`] with `now`;
//! [`Client::poll_transmit`] gives what to send; [`Client::poll_timeout`] says when to call
//! [`Client::handle_timeout`].
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod account;
mod answer;
mod binding;
mod block_write;
mod blocks;
mod bootstrap;
mod fallback;
mod kept;
mod links;
mod observe;
mod registration;
mod send;
mod serve;
mod settings;
mod tree;

use answer::{
    Answer, composite_paths, composite_values, create, is_account_object, read, read_composite,
    write, write_composite,
};
use blocks::Asked;
use bootstrap::{bootstrap_delete, check_accounts};
use links::LinksUpload;
use observe::{Composite, Observation};

pub use account::{
    BootstrapAccount, RetryResources, ServerAccount, bootstrap_account,
    bootstrap_on_registration_failure, server_account, server_accounts, server_defaults,
    server_lifetime,
};
pub use block_write::Piece;
pub use bootstrap::purge_bootstrap_account;
pub use fallback::PURGE_RETRY;
#[cfg(feature = "std")]
pub(crate) use send::MAX_SEND;
pub use settings::{Backoff, Retry, Settings};
pub use tree::{ObjectTree, RecordBuf};

use core::time::Duration;

use m2m_coap::endpoint::{EndpointError, Event as CoapEvent};
use m2m_coap::option::value::Block;
use m2m_coap::{
    Builder, Code, ContentFormat, Endpoint, Exchange, Incoming, OptionNumber, RequestId, Token,
    Type,
};
use m2m_core::Timestamp;

use crate::attributes::Attributes;
use crate::composite;
use crate::error::{Config, Error, Reason};
use crate::interface::{ClientRequest, Location, ServerRequest, Strings};
use crate::path::Path;
use crate::server::SessionError;
use crate::sink::Window;
use crate::upload::Upload;

/// What the application learns from the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ClientEvent {
    /// The server accepted the registration.
    Registered,
    /// The server accepted an Update.
    Updated,
    /// The registration ended (De-register answered).
    Deregistered,
    /// Register was refused (with this code) or got no answer (`None`); the client tries again
    /// as [`Settings::retry`] says.
    RegistrationFailed(Option<Code>),
    /// Register failed as often as [`Settings::retry`] allows (this event stands for the
    /// last failure): the client stops trying. When the server's Bootstrap on Registration
    /// Failure (`/1/x/16`, Core 1.1 Appendix E.2) is true or absent
    /// ([`bootstrap_on_registration_failure`]) and the tree holds a Bootstrap-Server account
    /// ([`bootstrap_account`]), [`ClientEvent::BootstrapDue`] follows once that account's
    /// Client Hold Off Time has passed; otherwise nothing more comes, and
    /// [`Client::register`] tries again when the application sees fit.
    ///
    /// With those accounts, a registration the server explicitly rejects (a 4.xx answer to
    /// Register the same Register would meet again: 4.00, 4.03, 4.12 of Core 1.1 §6.2.1,
    /// 4.04, 4.05, ...) is abandoned at its first answer, without the retries, as `/1/x/16`
    /// asks; without them (`/1/x/16` false, or no Bootstrap-Server account) it is retried
    /// like any failure. A 4.29 Too Many Requests (retried after its Max-Age at the
    /// soonest), a 4.08 or 4.13 of the links in blocks, a 5.xx answer, no answer and a Reset
    /// are always retried first.
    RegistrationAbandoned,
    /// Time to bootstrap (Core 1.1 §6.1, Bootstrap Sequence step 4, and Client Initiated
    /// Bootstrap): Register was abandoned ([`ClientEvent::RegistrationAbandoned`]), the
    /// server's account lets the client bootstrap then (`/1/x/16`), and the Client Hold Off
    /// Time of the Bootstrap-Server account (`/0/x/11`, Core 1.1 Appendix E.1; none in the
    /// tree: no wait) has passed since. Bootstrap now: [`Client::set_server`] with the address
    /// of the account's URI ([`BootstrapAccount::uri`]), then [`Client::bootstrap`] (the std
    /// runners, tokio and blocking, do both themselves). A [`Client::register`], [`Client::bootstrap`] or
    /// [`Client::set_server`] during the hold off calls it off. A fallback that follows
    /// another without [`ClientEvent::Registered`] between waits the back-off of
    /// [`Settings::bootstrap_backoff`] too ([`Backoff`]); one that could not start, or whose
    /// account could not be registered with ([`Client::bootstrap_later`]), or whose Bootstrap
    /// failed comes again after it.
    BootstrapDue,
    /// The Bootstrap-Server Account Timeout (`/0/x/12`, Core 1.1 Appendix E.1) has run out,
    /// counted from the last successful Bootstrap-Finish (Core 1.1 §6.1, Client Initiated
    /// Bootstrap step 3): the client must purge the Bootstrap-Server account, Security
    /// instance `security`; [`purge_bootstrap_account`] deletes it from the tree (the std
    /// runners do so themselves). The client counts the timeout in memory, from a Finish it
    /// answered 2.04, whatever server it talks to since; a timeout of 0, or none, never runs
    /// out. One that should outlive a restart is the application's to keep. A purge that
    /// failed is asked for again after [`PURGE_RETRY`] seconds when the application says so
    /// ([`Client::purge_later`]; the std runners do).
    BootstrapAccountExpired {
        /// The Security instance of the account when the Bootstrap finished.
        security: u16,
    },
    /// The server wrote a Binding (`/1/x/7`, Core 1.1 Appendix E.2) into its Server instance
    /// that the client cannot use, or Register found one there: none with `U` (CoAP over UDP,
    /// the client's transport), no binding at all, or in 1.0 one that is none of the six
    /// bindings 1.0 knows (`UT`; its letters may come in any order, `QU` being `UQ`). The client keeps the binding it has and sends no Update; the tree
    /// holds what the server wrote. From 1.1 on `b` is the client's own binding
    /// ([`Settings::binding`]) and a written one is only checked; in 1.0 one it can use is
    /// taken, its `Q` (`UQ`) setting queue mode, and sent in an Update (`b`, Core 1.1 §6.2.2)
    /// at once when registered, in the next Register (§6.2.1) otherwise.
    BindingUnsupported,
    /// The bootstrap server accepted the Bootstrap-Request; its writes follow.
    BootstrapStarted,
    /// The bootstrap server refused the Bootstrap-Request (with this code), did not answer it,
    /// or sent neither a request nor Bootstrap-Finish for EXCHANGE_LIFETIME (247 s) during the
    /// Bootstrap (`None`). When it was the Bootstrap [`ClientEvent::BootstrapDue`] asked for,
    /// that event comes again after the back-off ([`Backoff`]); another is not tried again.
    BootstrapFailed(Option<Code>),
    /// The server ended Bootstrap (Bootstrap-Finish).
    BootstrapFinished,
    /// The server executed Disable (`/1/x/4`, Core 1.1 Appendix E.2): the client answered,
    /// De-registers, sends the server nothing for the Disable Timeout (`/1/x/5`, 86 400 s
    /// when the tree has none) and then registers again by itself.
    Disabled {
        /// For how long, in seconds.
        seconds: u32,
    },
    /// The server executed the Bootstrap-Request Trigger of its Server instance (`/1/x/9`,
    /// Core 1.1 Appendix E.2): bootstrap now ([`Client::set_server`] with the bootstrap
    /// server's address, then [`Client::bootstrap`]). The Registration Update Trigger
    /// (`/1/x/8`) needs nothing: the client sends the Update itself.
    BootstrapRequested,
    /// A Write of this resource coming in blocks ended before its last block: no block came
    /// for 247 s (EXCHANGE_LIFETIME), another Write in blocks began, or a block came out of
    /// order or broke the value's TLV length. What [`ObjectTree::write_block`] took of it is
    /// no whole value.
    BlockWriteAbandoned(Path<'static>),
    /// The server took a block of a Send's body going in blocks (2.31 Continue): send `next`
    /// from the same body with [`Client::send_records_block`].
    SendContinue {
        /// The request of the block answered.
        request: RequestId,
        /// The block to send next (its size the server's choice when smaller).
        next: Block,
    },
    /// The answer to a Send (to its last block when it went in blocks): 2.04 Changed when the
    /// server took the records, `None` when none came.
    SendAnswered {
        /// The request answered (the one of the last block sent).
        request: RequestId,
        /// Its code.
        code: Option<Code>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Registering(RequestId),
    Bootstrapping(RequestId),
    Registered,
    Updating(RequestId),
    Deregistering(RequestId),
    Waiting,
}

/// How long a Bootstrap lasts after the bootstrap server's last request (EXCHANGE_LIFETIME,
/// RFC 7252 §4.8.2, as Wakaama's client waits): without Bootstrap-Finish by then it has failed.
const BOOTSTRAP_SILENCE: u64 = 247;

fn bootstrap_deadline(now: Timestamp) -> Timestamp {
    now.checked_add(secs(BOOTSTRAP_SILENCE)).unwrap_or(now)
}

/// The longest registration location kept (`rd/…` segments joined by `/`).
const MAX_LOCATION: usize = 64;

/// The sans-IO LwM2M client of one server; up to `O` observations of one path, `C`
/// Observe-Composites (of up to [`composite::MAX_PATHS`] paths each) and `A` attribute sets.
#[derive(Debug)]
pub struct Client<
    'c,
    P,
    const N: usize = 8,
    const B: usize = 1152,
    const O: usize = 8,
    const A: usize = 8,
    const C: usize = 2,
> {
    endpoint: Endpoint<P, N, B>,
    server: P,
    settings: Settings<'c>,
    state: State,
    location: [u8; MAX_LOCATION],
    location_len: usize,
    next_update: Option<Timestamp>,
    retry_at: Option<Timestamp>,
    failures: u32,
    observations: [Option<Observation<P>>; O],
    composites: [Option<Composite<P>>; C],
    attributes: [Option<(kept::KeptPath, Attributes)>; A],
    /// Events not yet taken: room for what one call can report (a server switch ends a
    /// Write in blocks and up to four Sends at once).
    events: [Option<ClientEvent>; 8],
    /// The message ids of recent Confirmable notifications and their observation's token: one
    /// never acknowledged ends its observation (RFC 7641 §4.5).
    confirmable_notes: [Option<(u16, Token, P)>; 8],
    /// Between an accepted Bootstrap-Request and Bootstrap-Finish (writes then add to the tree
    /// instead of replacing, Bootstrap-Write): when the Bootstrap fails unless the bootstrap
    /// server sends another request before.
    bootstrapping: Option<Timestamp>,
    /// A server created or deleted an instance since the last Update: the next one carries
    /// the links.
    objects_changed: bool,
    /// Links of a Register or Update going in blocks.
    links_upload: Option<LinksUpload>,
    /// A Write coming in blocks.
    incoming: Option<block_write::Incoming>,
    /// The Sends outstanding.
    sends: [Option<send::Sent>; send::SENDS],
    /// A Register or Update of the client's own that found another request outstanding (a
    /// Send: one request to the server at a time, NSTART 1) is tried again then.
    held: Option<Timestamp>,
    /// When the last datagram went out (queue mode).
    last_sent: Option<Timestamp>,
    config: Config,
    /// Which other peers count as the server ([`Client::accept_peers`]).
    accept: fn(&P, &P) -> bool,
    /// The Short Server ID of the server ([`Client::set_short_server_id`]).
    ssid: Option<u16>,
    /// Its notification defaults from the Server object ([`account::server_defaults`]), under
    /// every level's attributes.
    defaults: Attributes,
    /// The Lifetime its Server instance held when last read ([`account::server_lifetime`]):
    /// one the server writes differs, and goes to it in an Update.
    tree_lifetime: Option<u32>,
    /// The next Update carries `lt` (the server wrote the Lifetime).
    lifetime_changed: bool,
    /// The Binding its Server instance held when last read (`/1/x/7`).
    tree_binding: Option<binding::Binding>,
    /// The binding the server wrote, announced in place of [`Settings::binding`] in 1.0.
    binding: Option<binding::Binding>,
    /// The next Update carries `b` (the server wrote the Binding).
    binding_changed: bool,
    /// An Update is wanted as soon as the one outstanding is answered (a Registration Update
    /// Trigger, or a Lifetime written, while it was on its way).
    update_again: bool,
    /// When the last Confirmable notification went (or the first notification, which starts
    /// the clock of the one owed every 24 hours).
    last_confirmable: Option<Timestamp>,
    /// Mute Send (`/1/x/23`) of the server's instance, as last read: Send is refused.
    send_muted: bool,
    /// Disable executed (`/1/x/4`): for how many seconds, until its De-register goes out.
    disable: Option<u32>,
    /// Disabled: the client registers again then, and not before.
    disabled_until: Option<Timestamp>,
    /// Register abandoned, and the accounts say bootstrap: when [`ClientEvent::BootstrapDue`]
    /// comes, and whether its Bootstrap is under way.
    fallback: fallback::Fallback,
    /// When the Bootstrap-Server account (this Security instance) is to be purged, counted
    /// from the last successful Bootstrap-Finish: kept across [`Client::set_server`].
    purge_at: Option<(Timestamp, u16)>,
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

impl<
    'c,
    P: Copy + Eq,
    const N: usize,
    const B: usize,
    const O: usize,
    const A: usize,
    const C: usize,
> Client<'c, P, N, B, O, A, C>
{
    /// A client of `server`; `seed` randomises message ids and tokens.
    #[must_use]
    pub fn new(server: P, settings: Settings<'c>, seed: u64) -> Self {
        Client {
            endpoint: Endpoint::new(seed),
            server,
            settings,
            state: State::Idle,
            location: [0; MAX_LOCATION],
            location_len: 0,
            next_update: None,
            retry_at: None,
            failures: 0,
            observations: [None; O],
            composites: [None; C],
            attributes: [None; A],
            events: [None; 8],
            confirmable_notes: [None; 8],
            bootstrapping: None,
            objects_changed: false,
            links_upload: None,
            incoming: None,
            sends: [None; send::SENDS],
            held: None,
            last_sent: None,
            config: Config::STRICT,
            accept: |_, _| false,
            ssid: None,
            defaults: Attributes::NONE,
            tree_lifetime: None,
            lifetime_changed: false,
            tree_binding: None,
            binding: None,
            binding_changed: false,
            update_again: false,
            last_confirmable: None,
            send_muted: false,
            disable: None,
            disabled_until: None,
            fallback: fallback::Fallback::NONE,
            purge_at: None,
        }
    }

    /// Lets in datagrams from the peers `accept(server, peer)` says are the server's too (by
    /// default only the server's own address is): for a server that sends its requests from
    /// another address than the one that took the Register.
    pub fn accept_peers(&mut self, accept: fn(&P, &P) -> bool) {
        self.accept = accept;
    }

    /// The server the client talks to.
    #[must_use]
    pub fn server(&self) -> P {
        self.server
    }

    /// Names the server's Short Server ID, whose Server instance gives the default `pmin`,
    /// `pmax` and notification mode of observations without attributes of their own
    /// ([`server_defaults`]); `None` (the default) takes the only Server instance, when there
    /// is one. The defaults are read from the tree at Register, at Update with links, and after
    /// a request to the Server object or a Bootstrap.
    pub fn set_short_server_id(&mut self, ssid: Option<u16>) {
        self.ssid = ssid;
    }

    /// Reads the server's notification defaults from `tree` again, and its Lifetime: the new
    /// one when it changed since the last read.
    pub(super) fn refresh_defaults<T: ObjectTree + ?Sized>(&mut self, tree: &T) -> Option<u32> {
        self.defaults = server_defaults(tree, self.ssid);
        self.send_muted = account::server_mute_send(tree, self.ssid);
        let lifetime = server_lifetime(tree, self.ssid);
        let changed = lifetime.filter(|&l| self.tree_lifetime.is_some_and(|was| was != l));
        self.tree_lifetime = lifetime;
        changed
    }

    /// Points the client at another server: after a Bootstrap, the address of the account it
    /// wrote ([`server_account`]); Register next. What the client had with the server before
    /// ends there and then, without a message to it: the registration is forgotten (not
    /// De-registered), Register retries stop, observations and notification attributes go,
    /// a Write coming in blocks is abandoned ([`ClientEvent::BlockWriteAbandoned`]) and the
    /// Sends still waiting for an answer are answered without a code
    /// ([`ClientEvent::SendAnswered`]), and a [`ClientEvent::BootstrapDue`] still to come is
    /// called off. Answers to that server's requests already queued still go to it; its later
    /// datagrams are dropped, but for the retransmission of a request already answered, which
    /// gets that answer again ([`Client::handle`]). The Bootstrap-Server Account Timeout
    /// ([`ClientEvent::BootstrapAccountExpired`]) goes on running.
    pub fn set_server(&mut self, server: P) {
        // The client's own request to the old server (Register, Update, De-register,
        // Bootstrap-Request, a block of links) is given up: no retransmission of it goes on.
        self.fallback_moved();
        if let State::Registering(id)
        | State::Updating(id)
        | State::Deregistering(id)
        | State::Bootstrapping(id) = self.state
        {
            self.endpoint.cancel(id);
        }
        self.server = server;
        self.state = State::Idle;
        self.location_len = 0;
        self.next_update = None;
        self.retry_at = None;
        self.failures = 0;
        self.held = None;
        self.bootstrapping = None;
        self.links_upload = None;
        self.objects_changed = false;
        self.end_observations();
        self.attributes = [None; A];
        self.tree_lifetime = None;
        self.lifetime_changed = false;
        self.tree_binding = None;
        self.binding = None;
        self.binding_changed = false;
        self.update_again = false;
        self.last_confirmable = None;
        self.send_muted = false;
        self.disable = None;
        self.disabled_until = None;
        if let Some(u) = self.incoming.take() {
            self.push_event(ClientEvent::BlockWriteAbandoned(u.path()));
        }
        self.end_sends(|_, _| true);
    }

    /// Sets the registration lifetime (`lt`, seconds) the next Register announces: an
    /// account's [`ServerAccount::lifetime`], say.
    pub fn set_lifetime(&mut self, lifetime: u32) {
        self.settings.lifetime = lifetime;
    }

    /// Sets queue mode for the next Register ([`Settings::queue`]): how long the client stays
    /// awake after the last message it sent, `None` for always online.
    pub fn set_queue(&mut self, awake: Option<Duration>) {
        self.settings.queue = awake;
    }

    /// Sets how Register is tried again from the next failure on ([`Settings::retry`]): an
    /// account's [`ServerAccount::retry`], say.
    pub fn set_retry(&mut self, retry: Retry) {
        self.settings.retry = retry;
    }

    /// How Register is tried again ([`Settings::retry`], or what [`Client::set_retry`] set).
    #[must_use]
    pub fn retry(&self) -> Retry {
        self.settings.retry
    }

    /// Whether the server has accepted the registration (and it has not ended).
    #[must_use]
    pub fn is_registered(&self) -> bool {
        matches!(self.state, State::Registered | State::Updating(_))
    }

    /// The registration's location (`/rd/5a3f`), once registered.
    #[must_use]
    pub fn location(&self) -> Option<Location<'_>> {
        let text = core::str::from_utf8(self.location.get(..self.location_len)?).ok()?;
        Location::new(text.split('/').filter(|s| !s.is_empty()))
    }

    /// The number of observations kept (of one path, and Observe-Composites).
    #[must_use]
    pub fn observations(&self) -> usize {
        let composites = self.composites.iter().flatten().count();
        self.observations
            .iter()
            .flatten()
            .count()
            .saturating_add(composites)
    }

    fn push_event(&mut self, e: ClientEvent) {
        if let Some(slot) = self.events.iter_mut().find(|s| s.is_none()) {
            *slot = Some(e);
        }
    }

    /// Sends a Bootstrap-Request (POST `/bs?ep=…`) to the peer this client talks to (its
    /// bootstrap server, §5.2.7.1); the server's Bootstrap-Write, -Delete and -Discover
    /// requests are served from the tree like any other, and Bootstrap-Finish ends it
    /// ([`ClientEvent::BootstrapFinished`]). Register afterwards, with the server the
    /// bootstrap wrote.
    pub fn bootstrap(
        &mut self,
        now: Timestamp,
        preferred: Option<ContentFormat>,
    ) -> Result<(), SessionError> {
        let req = ServerRequest::BootstrapRequest(crate::interface::BootstrapParams {
            endpoint: self.settings.endpoint,
            preferred,
        });
        let id = self.send(now, &req)?;
        self.state = State::Bootstrapping(id);
        self.bootstrapping = None;
        self.fallback_bootstrap();
        Ok(())
    }

    fn send(&mut self, now: Timestamp, req: &ServerRequest<'_>) -> Result<RequestId, SessionError> {
        self.send_with(now, req, None)
    }

    /// Sends `req`; with `block`, as that Block1 block (with Size1 when given) of the body.
    fn send_with(
        &mut self,
        now: Timestamp,
        req: &ServerRequest<'_>,
        block: Option<(Block, Option<usize>, &[u8])>,
    ) -> Result<RequestId, SessionError> {
        let mut scratch = Strings::<256>::new();
        let mut b = Builder::<16>::udp(Type::Confirmable, Code::POST, 0);
        req.build(&mut b, &mut scratch)?;
        if let Some((k, size1, payload)) = block {
            links::block_options(&mut b, k, size1)?;
            b.payload(payload);
        }
        Ok(self.endpoint.request(now, self.server, &b, true)?)
    }

    /// Takes a datagram from `peer`, answering the server's requests from `tree`. A datagram
    /// from a peer other than the server (or those [`Client::accept_peers`] lets in) is dropped
    /// unanswered, as a connected socket would drop it: [`SessionError::UnknownPeer`]; but the
    /// retransmission of a request the client already answered (a server it has left since
    /// with [`Client::set_server`], whose ACK was lost: a bootstrap server repeating its
    /// Bootstrap-Finish) gets that answer again (RFC 7252 §4.5), and `Ok`. A
    /// request body in Block1 blocks is streamed to [`ObjectTree::write_block`] when it is
    /// one resource's value; any other is refused with 4.13 ([`Client::handle_with`] puts it
    /// together).
    pub fn handle<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        peer: P,
        datagram: &[u8],
        tree: &mut T,
    ) -> Result<(), SessionError> {
        self.handle_in(now, peer, datagram, tree, None::<&mut Upload<P, 0>>)
    }

    /// Takes a datagram from `peer` as [`Client::handle`] does, putting a request body sent
    /// in Block1 blocks together in `upload` when it is not one resource's value that the
    /// tree takes in pieces: a Write of an instance or object, a Create, a Write-Composite, a
    /// Bootstrap-Write of a Security instance with its certificates (each block is answered
    /// 2.31 Continue, and the request is served when its last block came). A value the tree
    /// refuses in pieces (4.13, [`ObjectTree::write_block`]'s default) is put together too,
    /// and written whole. The std runners lend 16 KiB.
    pub fn handle_with<T: ObjectTree + ?Sized, const U: usize>(
        &mut self,
        now: Timestamp,
        peer: P,
        datagram: &[u8],
        tree: &mut T,
        upload: &mut Upload<P, U>,
    ) -> Result<(), SessionError> {
        self.handle_in(now, peer, datagram, tree, Some(upload))
    }

    fn handle_in<T: ObjectTree + ?Sized, const U: usize>(
        &mut self,
        now: Timestamp,
        peer: P,
        datagram: &[u8],
        tree: &mut T,
        upload: Option<&mut Upload<P, U>>,
    ) -> Result<(), SessionError> {
        if peer != self.server && !(self.accept)(&self.server, &peer) {
            // The retransmission of a request the client took from a peer it has left since
            // (a Bootstrap-Finish whose ACK was lost, repeated after `set_server`): the same
            // answer again (RFC 7252 §4.5), from the endpoint's cache; nothing else.
            if self.endpoint.answer_duplicate(now, peer, datagram) {
                return Ok(());
            }
            return Err(SessionError::UnknownPeer);
        }
        match self.endpoint.handle(now, peer, datagram)? {
            // A critical option whose function is not performed here (OSCORE, EDHOC,
            // Q-Block): 4.02, not a request served as if it were not there (RFC 7252 §5.4.1).
            Incoming::Request { message, exchange } if not_performed(&message) => {
                let b = Builder::<0>::udp(Type::Acknowledgement, Code::BAD_OPTION, 0);
                // Dropped without room, as every answer (`Client::respond`).
                crate::server::no_room_is_no_error(self.endpoint.respond(now, &exchange, &b))?;
                Ok(())
            }
            Incoming::Request { message, exchange } => {
                self.serve(now, (peer, &exchange), &message, tree, upload)
            }
            Incoming::Response { id, message } => {
                self.response(now, id, message.code(), &message, tree);
                Ok(())
            }
            Incoming::Reset { token, id, .. } => {
                // The observer is gone (RFC 7641 §3.6); a request of ours rejected ends as if
                // it had gone unanswered.
                self.forget_token(token);
                if let Some(id) = id {
                    self.unanswered(now, id, tree);
                }
                Ok(())
            }
            Incoming::Nothing => Ok(()),
        }
    }

    fn response<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        id: RequestId,
        code: Code,
        message: &m2m_coap::Message<'_>,
        tree: &T,
    ) {
        if self.send_answered(id, message) {
            return;
        }
        // Links going in blocks: a Continue asks for the next.
        if matches!(self.state, State::Registering(r) | State::Updating(r) if r == id) {
            match self.next_links_block(now, tree, message) {
                Some(Ok(_)) => return,
                Some(Err(_)) => {
                    self.links_upload = None;
                    if matches!(self.state, State::Updating(_)) {
                        self.state = State::Waiting;
                        self.retry_at = Some(now);
                        return;
                    }
                    return self.failed(now, None, tree);
                }
                None => self.links_upload = None,
            }
        }
        match self.state {
            State::Registering(r) if r == id => {
                if code == Code::CREATED {
                    self.location_len = 0;
                    let mut w = 0usize;
                    let mut fits = true;
                    for (k, seg) in message.strs(OptionNumber::LOCATION_PATH).enumerate() {
                        // Kept as `/a/b`: a segment holding `/`, or a fifth (Update and
                        // De-register name at most four), would come back as another path.
                        if k >= 4 || seg.contains('/') {
                            fits = false;
                        }
                        let end = w.saturating_add(1).saturating_add(seg.len());
                        match self.location.get_mut(w..end) {
                            Some(dst) => {
                                let (slash, rest) = dst.split_at_mut(1);
                                slash.copy_from_slice(b"/");
                                rest.copy_from_slice(seg.as_bytes());
                                w = end;
                            }
                            None => fits = false,
                        }
                    }
                    if w == 0 || !fits {
                        // No location to Update or De-register (none given, or longer than
                        // kept): no registration the client can keep, so Register again.
                        return self.failed(now, Some(code), tree);
                    }
                    self.location_len = w;
                    self.state = State::Registered;
                    self.failures = 0;
                    self.fallback_over(true);
                    self.schedule_update(now);
                    self.push_event(ClientEvent::Registered);
                } else {
                    // 4.29 Too Many Requests: again after its Max-Age at the soonest (RFC 8516).
                    let not_before = if code == Code::TOO_MANY_REQUESTS {
                        u64::from(message.max_age())
                    } else {
                        0
                    };
                    self.failed_after(now, Some(code), not_before, tree);
                }
            }
            State::Bootstrapping(r) if r == id => {
                self.state = State::Idle;
                if code == Code::CHANGED {
                    self.bootstrapping = Some(bootstrap_deadline(now));
                    self.push_event(ClientEvent::BootstrapStarted);
                } else {
                    self.bootstrap_failed(now, Some(code));
                }
            }
            State::Updating(r) if r == id => {
                if code == Code::CHANGED {
                    self.state = State::Registered;
                    self.schedule_update(now);
                    if core::mem::take(&mut self.update_again) {
                        self.next_update = Some(now);
                    } else {
                        self.lifetime_changed = false;
                        self.binding_changed = false;
                    }
                    self.push_event(ClientEvent::Updated);
                } else if code == Code::TOO_MANY_REQUESTS {
                    // The server keeps the registration but asks for quiet: the same Update
                    // (lifetime and binding changes still pending) after its Max-Age, a day
                    // at most (RFC 8516 §4), no request before. Should the registration run
                    // out meanwhile, the server's 4.04 to that Update brings a Register.
                    let quiet = u64::from(message.max_age()).min(registration::MAX_NOT_BEFORE);
                    self.state = State::Registered;
                    self.next_update = Some(now);
                    self.held = Some(now.checked_add(secs(quiet)).unwrap_or(now));
                } else {
                    // 4.04: the server lost us; register again at once.
                    self.state = State::Waiting;
                    self.retry_at = Some(now);
                }
            }
            State::Deregistering(r) if r == id => {
                self.state = State::Idle;
                self.location_len = 0;
                self.push_event(ClientEvent::Deregistered);
                self.after_disable();
            }
            _ => {}
        }
    }

    /// The attributes a notification of `path` goes by: [`Client::attributes_of`] over the
    /// server's defaults.
    fn notify_attributes_of(&self, path: &Path<'_>) -> Attributes {
        self.attributes_of(path).over(&self.defaults)
    }

    /// Whether the effective attributes of `path`, and of each path below it that has
    /// attributes of its own, keep the rules of [`Attributes::check`].
    fn effective_holds(&self, path: &Path<'_>) -> bool {
        self.attributes_of(path).check().is_ok()
            && self
                .attributes
                .iter()
                .flatten()
                .filter(|(k, _)| path.contains(&k.path()))
                .all(|(k, _)| self.attributes_of(&k.path()).check().is_ok())
    }

    /// The effective attributes of `path`: resource over instance over object.
    fn attributes_of(&self, path: &Path<'_>) -> Attributes {
        let mut a = Attributes::NONE;
        // An end device's attributes are its own: the prefix goes with the path.
        let mut p = Some(*path);
        while let Some(q) = p {
            if let Some((_, at)) = self
                .attributes
                .iter()
                .flatten()
                .find(|(k, _)| k.path() == q)
            {
                a = a.over(at);
            }
            p = q.parent().filter(|x| x.depth() > 0);
        }
        a
    }

    /// Request `id` got no answer (it timed out, or the server rejected it with a Reset).
    fn unanswered<T: ObjectTree + ?Sized>(&mut self, now: Timestamp, id: RequestId, tree: &T) {
        self.send_timed_out(id);
        match self.state {
            State::Registering(r) if r == id => self.failed(now, None, tree),
            State::Bootstrapping(r) if r == id => {
                self.state = State::Idle;
                self.bootstrap_failed(now, None);
            }
            State::Updating(r) if r == id => {
                self.state = State::Waiting;
                self.retry_at = Some(now);
            }
            State::Deregistering(r) if r == id => {
                self.state = State::Idle;
                self.push_event(ClientEvent::Deregistered);
                self.after_disable();
            }
            _ => {}
        }
    }

    /// A Register or Update that met another request outstanding waits a second (the
    /// request's answer or timeout frees the endpoint); any other error is the caller's.
    pub(super) fn hold(
        &mut self,
        now: Timestamp,
        sent: Result<(), SessionError>,
    ) -> Result<(), SessionError> {
        match sent {
            Err(SessionError::Coap(EndpointError::Busy)) => {
                self.held = Some(now.checked_add(secs(1)).unwrap_or(now));
                Ok(())
            }
            other => other,
        }
    }

    /// What happened (registration results, Bootstrap, writes in blocks, Send answers): poll
    /// after every [`Client::handle`] and [`Client::handle_timeout`]; the client keeps four
    /// events, and drops what comes beyond.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        let i = self.events.iter().position(Option::is_some)?;
        let e = self.events.get_mut(i).and_then(Option::take);
        if let Some(rest) = self.events.get_mut(i..) {
            rest.rotate_left(1);
        }
        e
    }

    /// The next datagram to send, written into `out`: its peer and length.
    pub fn poll_transmit(&mut self, now: Timestamp, out: &mut [u8]) -> Option<(P, usize)> {
        let sent = self.endpoint.poll_transmit(now, out);
        if sent.is_some() {
            self.last_sent = Some(now);
        }
        sent
    }

    /// In queue mode ([`Settings::queue`]), until when the client stays awake: its awake time
    /// after the last datagram it sent. From then until [`Client::poll_timeout`] nothing is
    /// due and the server holds its requests, so the application may turn its receiver off.
    /// `None` out of queue mode, or before any datagram went.
    #[must_use]
    pub fn awake_until(&self) -> Option<Timestamp> {
        let awake = self.settings.queue?;
        let last = self.last_sent?;
        Some(
            last.checked_add(awake)
                .unwrap_or(Timestamp::from_millis(u64::MAX)),
        )
    }

    /// When to call [`Client::handle_timeout`] next: a retransmission, the next Update, a
    /// Register retry, an observation whose `pmax` or held-back change falls due, the end of
    /// a Client Hold Off Time or of the Bootstrap-Server Account Timeout.
    #[must_use]
    pub fn poll_timeout(&self, now: Timestamp) -> Option<Timestamp> {
        let mut t = self.endpoint.poll_timeout();
        let mut consider = |x: Option<Timestamp>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |y| y.min(x)));
            }
        };
        // What waits for the endpoint's room waits for `held` too.
        let held = |t: Option<Timestamp>| t.map(|t| self.held.map_or(t, |h| t.max(h)));
        if self.state == State::Registered {
            consider(held(self.next_update));
            consider(held(self.objects_changed.then_some(now)));
        }
        if self.state == State::Waiting {
            consider(held(self.retry_at));
        }
        // A Disable whose De-register found no room.
        consider(held(self.disable.map(|_| now)));
        consider(self.bootstrapping);
        consider(self.fallback.due);
        consider(self.purge_at.map(|(t, _)| t));
        consider(self.incoming.map(|u| u.deadline));
        consider(self.observations_due(now));
        t
    }

    /// Does what is due at `now`: Update, Register again, notifications (reading `tree`), and
    /// the CoAP layer's retransmissions (then call [`Client::poll_transmit`]).
    pub fn handle_timeout<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        tree: &T,
    ) -> Result<(), SessionError> {
        while let Some(e) = self.endpoint.poll_event() {
            if let CoapEvent::Undelivered { message_id } = e {
                // A Confirmable notification never acknowledged: the observer is gone.
                let hit = self
                    .confirmable_notes
                    .iter_mut()
                    .find(|n| n.is_some_and(|(mid, ..)| mid == message_id))
                    .and_then(Option::take);
                if let Some((_, token, _)) = hit {
                    self.forget_token(token);
                }
            }
            if let CoapEvent::Timeout(id) = e {
                self.unanswered(now, id, tree);
            }
        }
        let free = self.held.is_none_or(|t| t <= now);
        if free {
            self.held = None;
        }
        if free && self.state == State::Registered && self.next_update.is_some_and(|t| t <= now) {
            let mut sent = self.update(now);
            if self.preempt_sends(&sent) {
                sent = self.update(now);
            }
            self.hold(now, sent)?;
        } else if free && self.state == State::Registered && self.objects_changed {
            // A server created or deleted an instance: the registration's links follow.
            let mut sent = self.update_objects(now, tree);
            if self.preempt_sends(&sent) {
                sent = self.update_objects(now, tree);
            }
            self.hold(now, sent)?;
        }
        if free && self.disable.is_some() {
            self.disable_now(now)?;
        }
        if free && self.state == State::Waiting && self.retry_at.is_some_and(|t| t <= now) {
            let mut sent = self.register(now, tree);
            if self.preempt_sends(&sent) {
                sent = self.register(now, tree);
            }
            self.hold(now, sent)?;
        }
        if self.bootstrapping.is_some_and(|t| t <= now) {
            self.bootstrapping = None;
            self.bootstrap_failed(now, None);
        }
        self.fallback_timeout(now);
        if let Some((_, security)) = self.purge_at.filter(|(t, _)| *t <= now) {
            self.purge_at = None;
            self.push_event(ClientEvent::BootstrapAccountExpired { security });
        }
        if let Some(u) = self.incoming.filter(|u| u.deadline <= now) {
            self.incoming = None;
            self.push_event(ClientEvent::BlockWriteAbandoned(u.path()));
        }
        self.evaluate_all(now, tree)
    }
}

/// Whether `message` has a critical option whose function this crate does not perform
/// ([`m2m_coap::option::NOT_PERFORMED`]).
pub(crate) fn not_performed(message: &m2m_coap::Message<'_>) -> bool {
    message
        .options()
        .any(|o| m2m_coap::option::NOT_PERFORMED.contains(&o.number))
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation, clippy::arithmetic_side_effects)] // small indices
mod tests {
    use super::Retry;

    #[test]
    fn retry_waits_double_within_a_sequence_and_sequences_are_counted() {
        let spec = Retry::SPEC;
        let waits: [Option<u64>; 6] = core::array::from_fn(|i| spec.wait(i as u32 + 1));
        assert_eq!(
            waits,
            [Some(60), Some(120), Some(240), Some(480), None, None]
        );
        // Three sequences of two attempts, a day apart.
        let r = Retry {
            count: 2,
            timer: 10,
            sequence_delay: 86_400,
            sequences: 3,
        };
        let waits: [Option<u64>; 7] = core::array::from_fn(|i| r.wait(i as u32 + 1));
        assert_eq!(
            waits,
            [
                Some(10),
                Some(86_400),
                Some(10),
                Some(86_400),
                Some(10),
                None,
                None
            ]
        );
        // No further sequence; zero attempts counts as one.
        let once = Retry {
            count: 0,
            sequence_delay: u32::MAX,
            sequences: 9,
            ..r
        };
        assert_eq!(once.wait(1), None);
        // Never giving up: sequences without end, the doubling bounded by the sequence.
        let forever = Retry {
            count: 4,
            timer: 5,
            sequence_delay: 60,
            sequences: u32::MAX,
        };
        let waits: [Option<u64>; 9] = core::array::from_fn(|i| forever.wait(i as u32 + 1));
        assert_eq!(
            waits,
            [
                Some(5),
                Some(10),
                Some(20),
                Some(60),
                Some(5),
                Some(10),
                Some(20),
                Some(60),
                Some(5)
            ]
        );
        // The count of failures saturates: still within a sequence, still trying.
        assert_eq!(forever.wait(u32::MAX), Some(20));
    }
}
