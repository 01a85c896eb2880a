//! The sans-IO server and client on tokio (feature `tokio`): one task owns the UDP socket and
//! the state machine, and drives them between the application's calls.
//!
//! ```no_run
//! # async fn f() -> std::io::Result<()> {
//! use m2m_lwm2m::runner::{AsyncServer, ServerNote};
//! use m2m_lwm2m::interface::ClientRequest;
//! use m2m_lwm2m::{ContentFormat, Path};
//!
//! let mut server = AsyncServer::bind("127.0.0.1:5683").await?;
//! loop {
//!     if let ServerNote::Registered { endpoint, .. } = server.next().await? {
//!         let read = ClientRequest::Read { path: Path::instance(3, 0), accept: Some(ContentFormat::LWM2M_TLV) };
//!         let id = server.send(&endpoint, &read)?;
//!         let rsp = server.response(id).await?;
//!         println!("{endpoint}: {} bytes of /3/0", rsp.payload.len());
//!     }
//! }
//! # }
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::net::SocketAddr;
use core::time::Duration;
use std::boxed::Box;
use std::collections::VecDeque;
use std::io;
use std::string::{String, ToString};
use std::vec::Vec;

use m2m_coap::{ContentFormat, RequestId};
use tokio::net::UdpSocket;

use crate::blocking::Response;
use crate::client::{ClientEvent, ObjectTree, Settings};
use crate::download::{Downloads, Taken, UPLOAD};
use crate::error::Config;
use crate::host::{
    account, bootstrap_server, first_address, local_addr, now, purge, registered, seed, session,
    udp_server, until,
};
use crate::interface::ClientRequest;
use crate::outgoing::{ClientSends, Outgoing, To};
use crate::path::Path;
use crate::server::{RegId, ServerEvent, SessionError};
use crate::upload::Upload;

/// What the async server tells the application, owned.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ServerNote {
    /// A client registered.
    Registered {
        /// Its registration.
        id: RegId,
        /// The earlier registration of the same endpoint it replaces, gone.
        replaced: Option<RegId>,
        /// Its endpoint name.
        endpoint: String,
        /// Its object links as sent.
        links: String,
        /// Where it is.
        peer: SocketAddr,
    },
    /// A client updated its registration.
    Updated {
        /// Which.
        id: RegId,
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
    /// A client in queue mode that was asleep sent something: requests may go to it now.
    Awake {
        /// Which.
        id: RegId,
    },
    /// A response or a notification.
    Response {
        /// To which request.
        request: RequestId,
        /// What came.
        response: Response,
    },
    /// A Send from a client.
    Send {
        /// Which client.
        id: RegId,
        /// The records' format.
        format: ContentFormat,
        /// The records.
        payload: Vec<u8>,
    },
    /// A request of ours got no answer.
    Timeout(RequestId),
    /// A client asked to be bootstrapped (a bootstrap server's, [`AsyncServer::bootstrap`]):
    /// send it Bootstrap-Writes and Bootstrap-Finish with [`AsyncServer::send_to`].
    BootstrapRequested {
        /// Its endpoint name.
        endpoint: String,
        /// Where it is.
        peer: SocketAddr,
        /// The Content-Format it prefers for the Bootstrap-Writes (`pct`).
        preferred: Option<ContentFormat>,
    },
}

/// The LwM2M server on a tokio UDP socket.
#[derive(Debug)]
pub struct AsyncServer {
    socket: UdpSocket,
    /// Room for 32 CoAP exchanges and as many message ids remembered against duplicates
    /// (shared by every client); boxed, for its size.
    inner: Box<crate::server::Server<SocketAddr, 64, 32>>,
    notes: VecDeque<ServerNote>,
    /// The requests sent, and the answers coming in blocks.
    downloads: Downloads<SocketAddr>,
    /// The bodies going out in blocks.
    outgoing: Outgoing<SocketAddr>,
    /// Room for a Register, Update or Send that comes in blocks.
    upload: Box<Upload<SocketAddr, UPLOAD>>,
    buf: Vec<u8>,
}

impl AsyncServer {
    /// Binds `addr`; registration payloads are read with [`Config::LENIENT`].
    pub async fn bind(addr: &str) -> io::Result<Self> {
        Self::bind_as(
            addr,
            Box::new(crate::server::Server::new(seed()).with_config(Config::LENIENT)),
        )
        .await
    }

    /// Binds `addr` as a bootstrap server (Core 1.1 §6.1): a Bootstrap-Request comes as
    /// [`ServerNote::BootstrapRequested`], and Bootstrap-Write, -Read, -Discover, -Delete and
    /// -Finish go to the client's address with [`AsyncServer::send_to`]; a Bootstrap-Write
    /// larger than 1024 bytes goes in Block1 blocks. Register is still served.
    pub async fn bootstrap(addr: &str) -> io::Result<Self> {
        Self::bind_as(
            addr,
            Box::new(crate::server::Server::bootstrap(seed()).with_config(Config::LENIENT)),
        )
        .await
    }

    /// The server goes in boxed: held by value across the bind, it would make every future
    /// that binds one as large as the server.
    async fn bind_as(
        addr: &str,
        inner: Box<crate::server::Server<SocketAddr, 64, 32>>,
    ) -> io::Result<Self> {
        Ok(AsyncServer {
            socket: UdpSocket::bind(addr).await?,
            inner,
            notes: VecDeque::new(),
            downloads: Downloads::default(),
            outgoing: Outgoing::default(),
            upload: Box::new(Upload::new()),
            buf: std::vec![0u8; 2048],
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The sans-IO server inside.
    pub fn inner(&self) -> &crate::server::Server<SocketAddr, 64, 32> {
        &self.inner
    }

    async fn flush(&mut self) -> io::Result<()> {
        let ended = self.downloads.resume(&mut self.inner, now());
        self.outgoing.resume(&mut self.inner, now());
        self.lost();
        for (request, response) in ended {
            self.notes
                .push_back(ServerNote::Response { request, response });
        }
        let mut out = [0u8; 1280];
        while let Some((to, n)) = self.inner.poll_transmit(now(), &mut out) {
            // A datagram that cannot go to its client (a spoofed address of port 0, a network
            // gone) is lost as on the wire: no client's address ends the server.
            let _ = self
                .socket
                .send_to(out.get(..n).unwrap_or_default(), to)
                .await;
        }
        while let Some(e) = self.inner.poll_event() {
            match e {
                ServerEvent::Expired { id } => self.notes.push_back(ServerNote::Expired { id }),
                ServerEvent::Awake { id } => self.notes.push_back(ServerNote::Awake { id }),
                ServerEvent::Timeout(id) => {
                    let id = self.outgoing.original(id);
                    if let Some(id) = self.downloads.original(id) {
                        self.notes.push_back(ServerNote::Timeout(id));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The application's requests whose bodies in blocks could not go on: timeouts.
    fn lost(&mut self) {
        for id in self.outgoing.take_lost() {
            self.notes.push_back(ServerNote::Timeout(id));
        }
    }

    /// Drives the socket until something happens for the application.
    pub async fn next(&mut self) -> io::Result<ServerNote> {
        loop {
            if let Some(n) = self.notes.pop_front() {
                return Ok(n);
            }
            self.turn().await?;
        }
    }

    /// One round: what is due, then one datagram (or the time until the next timeout); the
    /// notes go to the end of the queue. Cancel-safe: nothing is taken that is not kept.
    async fn turn(&mut self) -> io::Result<()> {
        self.inner.handle_timeout(now());
        self.flush().await?;
        let wait = self
            .inner
            .poll_timeout()
            .map(until)
            .unwrap_or(Duration::from_secs(1))
            .max(Duration::from_millis(1));
        let Ok(received) = tokio::time::timeout(wait, self.socket.recv_from(&mut self.buf)).await
        else {
            return Ok(());
        };
        let (n, peer) = received?;
        let datagram = self.buf.get(..n).unwrap_or_default().to_vec();
        let note = match self
            .inner
            .handle_with(now(), peer, &datagram, &mut self.upload)
        {
            Ok(Some(ServerEvent::Response { request, message })) => {
                let taken = match self
                    .outgoing
                    .take(&mut self.inner, now(), request, &message)
                {
                    Taken::AsIs => self
                        .downloads
                        .take(&mut self.inner, now(), request, &message),
                    other => other,
                };
                match taken {
                    Taken::AsIs => Some(ServerNote::Response {
                        request,
                        response: Response::of(&message),
                    }),
                    Taken::Pending => None,
                    Taken::Done(request, response) => {
                        Some(ServerNote::Response { request, response })
                    }
                }
            }
            // A request of ours the client rejected: no answer will come, as after a timeout.
            Ok(Some(ServerEvent::Reset { request: Some(r) })) => {
                self.outgoing.reset(r);
                let lost = self.outgoing.take_lost();
                if lost.is_empty() {
                    self.downloads.original(r).map(ServerNote::Timeout)
                } else {
                    for id in lost {
                        self.notes.push_back(ServerNote::Timeout(id));
                    }
                    None
                }
            }
            Ok(Some(e)) => note(e, peer),
            // Not CoAP, or a datagram that could not be taken: dropped; a datagram from the
            // network never ends the server.
            Ok(None) | Err(_) => None,
        };
        // The datagram's note before the events it led to (an Update before the wake-up).
        if let Some(n) = note {
            self.notes.push_back(n);
        }
        self.lost();
        self.flush().await
    }

    /// How long a client in queue mode is taken to stay awake after its last datagram
    /// ([`crate::server::AWAKE_TIME`] unless set).
    pub fn set_awake_time(&mut self, awake: Duration) {
        self.inner.set_awake_time(awake);
    }

    /// Drives the socket until the client registered as `endpoint` may be sent a request: at
    /// once unless it is in queue mode and asleep, else when it sends something (its next
    /// Update, say). The notes meanwhile stay for [`AsyncServer::next`]; cancel-safe (wrap it in
    /// a timeout). [`io::ErrorKind::NotFound`] once the registration is gone.
    pub async fn wait_awake(&mut self, endpoint: &str) -> io::Result<()> {
        loop {
            let id = registered(&self.inner, endpoint)?;
            if self.inner.is_awake(id, now()) {
                return Ok(());
            }
            self.turn().await?;
        }
    }

    /// Sends `request` to the client registered as `endpoint`; its answer comes as a
    /// [`ServerNote::Response`] (see [`AsyncServer::response`]). A client in queue mode that is
    /// asleep is an [`io::ErrorKind::WouldBlock`] error: [`AsyncServer::wait_awake`] first.
    pub fn send(&mut self, endpoint: &str, request: &ClientRequest<'_>) -> io::Result<RequestId> {
        let id = registered(&self.inner, endpoint)?;
        let rid = self
            .outgoing
            .send(&mut self.inner, now(), To::Reg(id), request)
            .map_err(session)?;
        self.downloads.remember(rid, To::Reg(id), request);
        Ok(rid)
    }

    /// Sends `request` to the client at `peer`, registered or not (a bootstrap server's
    /// requests); its answer comes as a [`ServerNote::Response`] (see
    /// [`AsyncServer::response`]).
    pub fn send_to(
        &mut self,
        peer: SocketAddr,
        request: &ClientRequest<'_>,
    ) -> io::Result<RequestId> {
        let rid = self
            .outgoing
            .send(&mut self.inner, now(), To::Peer(peer), request)
            .map_err(session)?;
        self.downloads.remember(rid, To::Peer(peer), request);
        Ok(rid)
    }

    /// Sends Observe-Composite of `paths` (listed in `format`, values in `accept`) to the client
    /// registered as `endpoint`; its answer and notifications come as
    /// [`ServerNote::Response`] (values: [`crate::composite::decode_values`]).
    pub fn observe_composite(
        &mut self,
        endpoint: &str,
        paths: &[Path<'_>],
        format: ContentFormat,
        accept: Option<ContentFormat>,
    ) -> io::Result<RequestId> {
        let id = registered(&self.inner, endpoint)?;
        let rid = self
            .inner
            .observe_composite(now(), id, paths, format, accept)
            .map_err(session)?;
        self.downloads
            .remember_composite(rid, id, paths, format, accept);
        Ok(rid)
    }

    /// Cancels the Observe `request` of `path` (GET with Observe 1 under its token); its last
    /// answer comes as [`ServerNote::Response`].
    pub fn cancel_observe(
        &mut self,
        request: RequestId,
        path: Path<'_>,
        accept: Option<ContentFormat>,
    ) -> io::Result<()> {
        self.inner
            .cancel_observe(now(), request, path, accept)
            .map_err(session)
    }

    /// Cancels Observe-Composite `request` (of `paths`); its last answer comes as a
    /// [`ServerNote::Response`].
    pub fn cancel_composite(
        &mut self,
        request: RequestId,
        paths: &[Path<'_>],
        format: ContentFormat,
        accept: Option<ContentFormat>,
    ) -> io::Result<()> {
        self.inner
            .cancel_composite(now(), request, paths, format, accept)
            .map_err(session)
    }

    /// Drives the socket until the response (or next notification) to `request`; other notes
    /// are kept for [`AsyncServer::next`].
    pub async fn response(&mut self, request: RequestId) -> io::Result<Response> {
        let mut kept = VecDeque::new();
        let result = loop {
            match self.next().await {
                Ok(ServerNote::Response {
                    request: r,
                    response,
                }) if r == request => break Ok(response),
                Ok(ServerNote::Timeout(r)) if r == request => {
                    break Err(io::Error::new(io::ErrorKind::TimedOut, "no response"));
                }
                Ok(other) => kept.push_back(other),
                Err(e) => break Err(e),
            }
        };
        kept.append(&mut self.notes);
        self.notes = kept;
        result
    }
}

fn note(e: ServerEvent<'_, SocketAddr>, peer: SocketAddr) -> Option<ServerNote> {
    Some(match e {
        ServerEvent::Registered {
            id,
            replaced,
            endpoint,
            links,
            ..
        } => ServerNote::Registered {
            id,
            replaced,
            endpoint: endpoint.to_string(),
            links: links.to_string(),
            peer,
        },
        ServerEvent::Updated { id, .. } => ServerNote::Updated { id },
        ServerEvent::Deregistered { id } => ServerNote::Deregistered { id },
        ServerEvent::Expired { id } => ServerNote::Expired { id },
        ServerEvent::Awake { id } => ServerNote::Awake { id },
        ServerEvent::Response { request, message } => ServerNote::Response {
            request,
            response: Response::of(&message),
        },
        ServerEvent::Send {
            id,
            format,
            payload,
        } => ServerNote::Send {
            id,
            format,
            payload: payload.to_vec(),
        },
        ServerEvent::Timeout(id) => ServerNote::Timeout(id),
        ServerEvent::BootstrapRequested {
            endpoint,
            peer,
            preferred,
        } => ServerNote::BootstrapRequested {
            endpoint: endpoint.to_string(),
            peer,
            preferred,
        },
        ServerEvent::Reset { .. } | ServerEvent::Refused { .. } => {
            return None;
        }
    })
}

/// The LwM2M client of one server, on a tokio UDP socket.
#[derive(Debug)]
pub struct AsyncClient<'c> {
    socket: UdpSocket,
    inner: crate::client::Client<'c, SocketAddr>,
    /// A Send going in blocks.
    sends: ClientSends,
    /// Events seen and not yet returned.
    events: VecDeque<ClientEvent>,
    /// Room for a request body that comes in blocks (a Write of an instance, a Create).
    upload: Box<Upload<SocketAddr, UPLOAD>>,
    /// The format the last [`AsyncClient::bootstrap`] asked for, asked again by the Bootstrap
    /// the runner starts itself ([`ClientEvent::BootstrapDue`]).
    bootstrap_format: Option<ContentFormat>,
}

impl<'c> AsyncClient<'c> {
    /// A client of `server` on an ephemeral local port.
    pub async fn new(server: SocketAddr, settings: Settings<'c>) -> io::Result<Self> {
        Ok(AsyncClient {
            socket: UdpSocket::bind(local_addr(server)).await?,
            inner: crate::client::Client::new(server, settings, seed()),
            sends: ClientSends::default(),
            events: VecDeque::new(),
            upload: Box::new(Upload::new()),
            bootstrap_format: None,
        })
    }

    /// The local address of the client's socket.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The sans-IO client inside (to report changes with `changed`).
    pub fn inner(&mut self) -> &mut crate::client::Client<'c, SocketAddr> {
        &mut self.inner
    }

    async fn flush(&mut self) -> io::Result<()> {
        let mut out = [0u8; 1280];
        while let Some((to, n)) = self.inner.poll_transmit(now(), &mut out) {
            self.socket
                .send_to(out.get(..n).unwrap_or_default(), to)
                .await?;
        }
        Ok(())
    }

    /// Sends Register.
    pub async fn register<T: ObjectTree + ?Sized>(&mut self, tree: &T) -> io::Result<()> {
        self.inner.register(now(), tree).map_err(session)?;
        self.flush().await
    }

    /// Sends Bootstrap-Request (asking for `format` in Bootstrap-Read answers, the `pct`
    /// of 1.1) to the address the client was made with; [`ClientEvent::BootstrapStarted`] and
    /// [`ClientEvent::BootstrapFinished`] come from [`AsyncClient::next`]. Then
    /// [`AsyncClient::register_account`] registers with the server the Bootstrap gave.
    pub async fn bootstrap(&mut self, format: Option<ContentFormat>) -> io::Result<()> {
        self.bootstrap_format = format;
        self.inner.bootstrap(now(), format).map_err(session)?;
        self.flush().await
    }

    /// Points the client at `server` ([`crate::client::Client::set_server`]), on a new socket
    /// when the new address needs another local one; a Send going in blocks is given up.
    async fn move_to(&mut self, server: SocketAddr) -> io::Result<()> {
        if local_addr(server) != local_addr(self.inner.server()) {
            self.socket = UdpSocket::bind(local_addr(server)).await?;
        }
        // The Send going in blocks is given up first: no block of it may go to the new
        // server (taking the events resumes it).
        self.events.extend(self.sends.abandon());
        self.inner.set_server(server);
        self.take_events().await
    }

    /// The address of `host`:`port` the client's socket can reach (of its address family when
    /// the name has several), for a server a tree names by URI.
    async fn resolve(&self, host: &str, port: u16) -> io::Result<SocketAddr> {
        first_address(
            tokio::net::lookup_host((host, port)).await?,
            host,
            self.inner.server(),
        )
    }

    /// The Client Initiated Bootstrap a failed registration calls for (Core 1.1 §6.1,
    /// Bootstrap Sequence step 4): Bootstrap-Request to the URI of the Bootstrap-Server
    /// account of `tree`, asking for the format of the last [`AsyncClient::bootstrap`].
    async fn bootstrap_with_account<T: ObjectTree + ?Sized>(&mut self, tree: &T) -> io::Result<()> {
        let (host, port) = bootstrap_server(tree)?;
        let server = self.resolve(host, port).await?;
        self.move_to(server).await?;
        self.inner
            .bootstrap(now(), self.bootstrap_format)
            .map_err(session)?;
        self.flush().await
    }

    /// What the runner does itself on an event of the client, before the application sees
    /// it: the Bootstrap that [`ClientEvent::BootstrapDue`] calls for (when it cannot start,
    /// due again after the back-off: [`crate::client::Client::bootstrap_later`]), the purge
    /// that [`ClientEvent::BootstrapAccountExpired`] asks for.
    async fn act_on<T: ObjectTree + ?Sized>(
        &mut self,
        e: ClientEvent,
        tree: &mut T,
    ) -> io::Result<()> {
        match e {
            ClientEvent::BootstrapDue => {
                let started = self.bootstrap_with_account(tree).await;
                if started.is_err() {
                    self.inner.bootstrap_later(now());
                }
                started
            }
            ClientEvent::BootstrapAccountExpired { security } => {
                let purged = purge(tree);
                if purged.is_err() {
                    self.inner.purge_later(now(), security);
                }
                purged
            }
            _ => Ok(()),
        }
    }

    /// Registers with the LwM2M Server account a Bootstrap wrote into `tree`: the first one,
    /// or the one of Short Server ID `ssid` ([`server_account`](crate::client::server_account)).
    /// Resolves its `coap://` URI, points the client there ([`crate::client::Client::set_server`],
    /// on a new socket when the new address needs another local one), takes the account's
    /// Lifetime and, from its Binding (`/1/x/7`), queue mode (`UQ`: awake for
    /// [`AWAKE_TIME`](crate::server::AWAKE_TIME) after each message; a binding without `Q`
    /// leaves the queue mode as it was, since LwM2M 1.1 puts it outside the binding; a binding
    /// without `U` is [`io::ErrorKind::Unsupported`]), and sends Register. Returns the
    /// server's address. When that fails after a fallback Bootstrap finished
    /// ([`ClientEvent::BootstrapDue`]), the fallback falls due again after the back-off
    /// ([`crate::client::Client::bootstrap_later`], Core 1.1 §6.1), so the client is not
    /// left idle with an account it cannot register with.
    pub async fn register_account<T: ObjectTree + ?Sized>(
        &mut self,
        tree: &T,
        ssid: Option<u16>,
    ) -> io::Result<SocketAddr> {
        let registered = self.register_with(tree, ssid).await;
        if registered.is_err() {
            self.inner.bootstrap_later(now());
        }
        registered
    }

    /// [`Self::register_account`], the fallback left as it is on failure.
    async fn register_with<T: ObjectTree + ?Sized>(
        &mut self,
        tree: &T,
        ssid: Option<u16>,
    ) -> io::Result<SocketAddr> {
        let account = account(tree, ssid)?;
        let (host, port) = udp_server(account.uri)?;
        let queue = crate::host::binding_queue(account.binding)?;
        let server = self.resolve(host, port).await?;
        self.move_to(server).await?;
        if let Some(lifetime) = account.lifetime {
            self.inner.set_lifetime(lifetime);
        }
        // Register tried again as the account says (`/1/j/17` to `/1/j/20`), the client's own
        // retry for what it does not say.
        let retry = account.retry.over(self.inner.retry());
        self.inner.set_retry(retry);
        self.inner.set_short_server_id(Some(account.ssid));
        if queue {
            self.inner.set_queue(Some(crate::server::AWAKE_TIME));
        }
        self.register(tree).await?;
        Ok(server)
    }

    /// Sends Update now (the client also does so by itself before the lifetime runs out): in
    /// queue mode, how it wakes the server's requests up ([`Settings::queue`]).
    pub async fn update(&mut self) -> io::Result<()> {
        self.inner.update(now()).map_err(session)?;
        self.flush().await
    }

    /// Sends De-register (its answer comes as [`ClientEvent::Deregistered`] from
    /// [`AsyncClient::next`]).
    pub async fn deregister(&mut self) -> io::Result<()> {
        self.inner.deregister(now()).map_err(session)?;
        self.flush().await
    }

    /// Sends records to the server's `/dp` (Send, 1.1), encoded in `format`; a body longer
    /// than 512 bytes goes in Block1 blocks, each sent (while [`AsyncClient::next`] runs) as
    /// the server takes the one before. The answer comes from [`AsyncClient::next`] as
    /// [`ClientEvent::SendAnswered`] with the id returned. One Send in blocks at a time:
    /// another meanwhile is an error.
    pub async fn send(&mut self, format: ContentFormat, payload: &[u8]) -> io::Result<RequestId> {
        let id = self
            .sends
            .send(&mut self.inner, now(), format, payload)
            .map_err(session)?;
        self.flush().await?;
        Ok(id)
    }

    /// Moves the client's events to the queue as the application sees them (the blocks of a
    /// Send sent), then sends what is due.
    async fn take_events(&mut self) -> io::Result<()> {
        if let Some(e) = self.sends.resume(&mut self.inner, now()) {
            self.events.push_back(e);
        }
        while let Some(e) = self.inner.poll_event() {
            if let Some(e) = self.sends.event(&mut self.inner, now(), e) {
                self.events.push_back(e);
            }
        }
        self.flush().await
    }

    /// Serves `tree` until the client has something to say. The runner acts on two events
    /// itself before returning them: on [`ClientEvent::BootstrapDue`] (Register abandoned,
    /// the Client Hold Off Time passed) it points the client at the URI of the tree's
    /// Bootstrap-Server account and sends Bootstrap-Request (then
    /// [`ClientEvent::BootstrapStarted`] and [`ClientEvent::BootstrapFinished`] follow, and
    /// [`AsyncClient::register_account`] registers with what it wrote); on
    /// [`ClientEvent::BootstrapAccountExpired`] it purges that account from `tree`
    /// ([`purge_bootstrap_account`](crate::client::purge_bootstrap_account)). When that fails (no URI, one that does not resolve or is
    /// not `coap://`, a tree that refuses the delete) the error comes in the event's place;
    /// the client goes on, a refused purge is asked for again after
    /// [`PURGE_RETRY`](crate::client::PURGE_RETRY) seconds, and a Bootstrap that could not start falls due again after the
    /// back-off ([`Settings::bootstrap_backoff`]), so calling `next` again brings another
    /// [`ClientEvent::BootstrapDue`] then. A fallback Bootstrap that fails
    /// ([`ClientEvent::BootstrapFailed`]) comes again the same way.
    pub async fn next<T: ObjectTree + ?Sized>(&mut self, tree: &mut T) -> io::Result<ClientEvent> {
        let mut buf = [0u8; 1280];
        loop {
            if let Some(e) = self.events.pop_front() {
                self.act_on(e, tree).await?;
                return Ok(e);
            }
            self.inner.handle_timeout(now(), tree).map_err(session)?;
            self.take_events().await?;
            if let Some(e) = self.events.pop_front() {
                self.act_on(e, tree).await?;
                return Ok(e);
            }
            let wait = self
                .inner
                .poll_timeout(now())
                .map(until)
                .unwrap_or(Duration::from_secs(1))
                .clamp(Duration::from_millis(1), Duration::from_secs(1));
            let Ok(received) = tokio::time::timeout(wait, self.socket.recv_from(&mut buf)).await
            else {
                continue;
            };
            let (n, peer) = received?;
            let datagram = buf.get(..n).unwrap_or_default();
            match self
                .inner
                .handle_with(now(), peer, datagram, tree, &mut self.upload)
            {
                Ok(()) | Err(SessionError::Malformed(_) | SessionError::UnknownPeer) => {}
                Err(e) => return Err(session(e)),
            }
            self.take_events().await?;
        }
    }
}
