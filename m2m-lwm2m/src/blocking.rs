//! The sans-IO [`Server`](crate::server::Server) and [`Client`](crate::client::Client) on a std
//! UDP socket (feature `std`): for tools, examples and tests, one thread each, time from the
//! system clock.
//!
//! ```no_run
//! use m2m_lwm2m::blocking::Server;
//! use m2m_lwm2m::interface::ClientRequest;
//! use m2m_lwm2m::{ContentFormat, Path};
//! use std::time::Duration;
//!
//! let mut server = Server::bind("127.0.0.1:5683")?;
//! let reg = server.wait_registration(Duration::from_secs(30))?;
//! let read = ClientRequest::Read { path: Path::instance(3, 0), accept: Some(ContentFormat::LWM2M_TLV) };
//! let rsp = server.request(&reg.endpoint, &read, Duration::from_secs(10))?;
//! println!("{} {:?} {} bytes", rsp.code, rsp.format, rsp.payload.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::net::SocketAddr;
use core::time::Duration;
use std::boxed::Box;
use std::io;
use std::net::{ToSocketAddrs, UdpSocket};
use std::string::{String, ToString};
use std::time::Instant;
use std::vec::Vec;

use m2m_coap::{Code, ContentFormat, RequestId};

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
use crate::server::{ServerEvent, SessionError};
use crate::upload::Upload;

/// `now + d`, or far away when that overflows.
fn deadline(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d).unwrap_or(now)
}

/// A Bootstrap-Request as the blocking bootstrap server reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapRequest {
    /// The endpoint name.
    pub endpoint: String,
    /// Where the client is (send it the Bootstrap-Writes there).
    pub peer: SocketAddr,
    /// The Content-Format it prefers for them (`pct`, Core 1.1 §5.2.7.1).
    pub preferred: Option<ContentFormat>,
}

/// A registration as the blocking server reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The endpoint name.
    pub endpoint: String,
    /// Where the client is.
    pub peer: SocketAddr,
    /// Its object links, as sent.
    pub links: String,
    /// The lifetime.
    pub lifetime: u32,
}

/// Records a client pushed (Send), as the blocking server reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The endpoint name of the client's registration.
    pub endpoint: String,
    /// The records' format (SenML JSON or CBOR, LwM2M CBOR).
    pub format: ContentFormat,
    /// The records, whole (put together when they came in blocks).
    pub payload: Vec<u8>,
}

/// A response as the blocking server reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Its code.
    pub code: Code,
    /// Its Content-Format, if it said one.
    pub format: Option<ContentFormat>,
    /// Its payload.
    pub payload: Vec<u8>,
    /// Its Observe number (a notification, or the answer to an Observe).
    pub observe: Option<u32>,
}

impl Response {
    /// An answer that came whole.
    pub(crate) fn of(message: &m2m_coap::Message<'_>) -> Self {
        Response {
            code: message.code(),
            format: message.content_format(),
            payload: message.payload().to_vec(),
            observe: message.observe(),
        }
    }
}

/// The LwM2M server on a UDP socket.
#[derive(Debug)]
pub struct Server {
    socket: UdpSocket,
    /// Room for 32 CoAP exchanges and as many message ids remembered against duplicates
    /// (shared by every client); boxed, for its size.
    inner: Box<crate::server::Server<SocketAddr, 32, 32>>,
    /// Registrations seen and not yet taken by [`Server::wait_registration`].
    registered: Vec<Registered>,
    /// Bootstrap-Requests seen and not yet taken by [`Server::wait_bootstrap_request`].
    bootstrap_requests: Vec<BootstrapRequest>,
    /// Sends (records a client pushed) not yet taken by [`Server::wait_send`].
    sends: Vec<Sent>,
    /// Responses seen, by request.
    responses: Vec<(RequestId, Response)>,
    timeouts: Vec<RequestId>,
    /// The requests sent, and the answers coming in blocks.
    downloads: Downloads<SocketAddr>,
    /// The bodies going out in blocks.
    outgoing: Outgoing<SocketAddr>,
    /// Room for a Register, Update or Send that comes in blocks.
    upload: Box<Upload<SocketAddr, UPLOAD>>,
    buf: Vec<u8>,
}

impl Server {
    /// Binds `addr` (`127.0.0.1:0` for an ephemeral port); registration payloads are read with
    /// every tolerance of [`Config::LENIENT`].
    pub fn bind(addr: &str) -> io::Result<Self> {
        Self::bind_as(addr, crate::server::Server::new(seed()))
    }

    /// Binds `addr` as a bootstrap server (Core 1.1 §6.1): it answers Bootstrap-Request
    /// ([`Server::wait_bootstrap_request`]), and its Bootstrap-Write, -Read, -Discover,
    /// -Delete and -Finish go to the client's address ([`Server::request_to`]); a
    /// Bootstrap-Write larger than 1024 bytes goes in Block1 blocks. Register is still served.
    pub fn bootstrap(addr: &str) -> io::Result<Self> {
        Self::bind_as(addr, crate::server::Server::bootstrap(seed()))
    }

    fn bind_as(addr: &str, inner: crate::server::Server<SocketAddr, 32, 32>) -> io::Result<Self> {
        let socket = UdpSocket::bind(addr)?;
        Ok(Server {
            socket,
            inner: Box::new(inner.with_config(Config::LENIENT)),
            registered: Vec::new(),
            bootstrap_requests: Vec::new(),
            sends: Vec::new(),
            responses: Vec::new(),
            timeouts: Vec::new(),
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
    pub fn inner(&self) -> &crate::server::Server<SocketAddr, 32, 32> {
        &self.inner
    }

    /// Sends what is due, then waits up to `wait` for one datagram and handles it.
    fn turn(&mut self, wait: Duration) -> io::Result<()> {
        let mut out = [0u8; 1280];
        self.inner.handle_timeout(now());
        let ended = self.downloads.resume(&mut self.inner, now());
        self.responses.extend(ended);
        self.outgoing.resume(&mut self.inner, now());
        self.timeouts.extend(self.outgoing.take_lost());
        while let Some((to, n)) = self.inner.poll_transmit(now(), &mut out) {
            // Lost as on the wire when it cannot go: no client's address ends the server.
            let _ = self.socket.send_to(out.get(..n).unwrap_or_default(), to);
        }
        while let Some(e) = self.inner.poll_event() {
            if let ServerEvent::Timeout(id) = e {
                let id = self.outgoing.original(id);
                self.timeouts.extend(self.downloads.original(id));
            }
        }
        let due = self
            .inner
            .poll_timeout()
            .map(until)
            .unwrap_or(wait)
            .min(wait)
            .max(Duration::from_millis(1));
        self.socket.set_read_timeout(Some(due))?;
        let (n, peer) = match self.socket.recv_from(&mut self.buf) {
            Ok(x) => x,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let datagram = self.buf.get(..n).unwrap_or_default().to_vec();
        // Not CoAP (the sans-IO server already queued what the RFC prescribes), or a datagram
        // that could not be taken: dropped; a datagram from the network never ends the server.
        let event = self
            .inner
            .handle_with(now(), peer, &datagram, &mut self.upload)
            .unwrap_or_default();
        match event {
            Some(ServerEvent::Send {
                id,
                format,
                payload,
            }) => {
                let endpoint = self
                    .inner
                    .registration(id)
                    .map(|r| r.endpoint().to_string())
                    .unwrap_or_default();
                let sent = Sent {
                    endpoint,
                    format,
                    payload: payload.to_vec(),
                };
                push_capped(&mut self.sends, sent);
            }
            Some(ServerEvent::BootstrapRequested {
                endpoint,
                peer,
                preferred,
            }) => {
                let request = BootstrapRequest {
                    endpoint: endpoint.to_string(),
                    peer,
                    preferred,
                };
                push_capped(&mut self.bootstrap_requests, request);
            }
            Some(ServerEvent::Registered {
                endpoint,
                links,
                params,
                ..
            }) => push_capped(
                &mut self.registered,
                Registered {
                    endpoint: endpoint.to_string(),
                    peer,
                    links: links.to_string(),
                    lifetime: params.lifetime_or_default(),
                },
            ),
            Some(ServerEvent::Response { request, message }) => {
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
                    Taken::AsIs => push_capped_to(
                        &mut self.responses,
                        (request, Response::of(&message)),
                        RESPONSES,
                    ),
                    Taken::Pending => {}
                    Taken::Done(original, whole) => {
                        push_capped_to(&mut self.responses, (original, whole), RESPONSES);
                    }
                }
                self.timeouts.extend(self.outgoing.take_lost());
            }
            // A request of ours the client rejected: no answer will come, as after a timeout.
            Some(ServerEvent::Reset { request: Some(r) }) => {
                self.outgoing.reset(r);
                let lost = self.outgoing.take_lost();
                if lost.is_empty() {
                    self.timeouts.extend(self.downloads.original(r));
                } else {
                    self.timeouts.extend(lost);
                }
            }
            _ => {}
        }
        let mut out = [0u8; 1280];
        while let Some((to, n)) = self.inner.poll_transmit(now(), &mut out) {
            let _ = self.socket.send_to(out.get(..n).unwrap_or_default(), to);
        }
        Ok(())
    }

    /// Serves until a client registers (or has registered since the last call); its
    /// registration.
    pub fn wait_registration(&mut self, timeout: Duration) -> io::Result<Registered> {
        self.serve_until(timeout, "no registration", |s| Ok(first(&mut s.registered)))
    }

    /// Serves until `ready` has something (or fails), for up to `timeout`; `missing` says
    /// what did not come in time.
    fn serve_until<T>(
        &mut self,
        timeout: Duration,
        missing: &'static str,
        mut ready: impl FnMut(&mut Self) -> io::Result<Option<T>>,
    ) -> io::Result<T> {
        let end = deadline(timeout);
        loop {
            if let Some(t) = ready(self)? {
                return Ok(t);
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, missing));
            }
            self.turn(left)?;
        }
    }

    /// Serves until a client pushes records with Send (1.1, POST `/dp`, in Block1 blocks when
    /// long; or one pushed since the last call, the 64 latest kept): who sent what.
    pub fn wait_send(&mut self, timeout: Duration) -> io::Result<Sent> {
        self.serve_until(timeout, "no Send", |s| Ok(first(&mut s.sends)))
    }

    /// Serves until a client asks to be bootstrapped (a bootstrap server's, [`Server::bootstrap`],
    /// or one seen since the last call): its endpoint name and address.
    pub fn wait_bootstrap_request(&mut self, timeout: Duration) -> io::Result<BootstrapRequest> {
        self.serve_until(timeout, "no Bootstrap-Request", |s| {
            Ok(first(&mut s.bootstrap_requests))
        })
    }

    /// Sends `request` to the client at `peer`, registered or not (a bootstrap server's
    /// requests), and serves until its response.
    pub fn request_to(
        &mut self,
        peer: SocketAddr,
        request: &ClientRequest<'_>,
        timeout: Duration,
    ) -> io::Result<Response> {
        let rid = self
            .outgoing
            .send(&mut self.inner, now(), To::Peer(peer), request)
            .map_err(session)?;
        self.downloads.remember(rid, To::Peer(peer), request);
        self.wait_response(rid, timeout)
    }

    /// Sends `request` to the client registered as `endpoint` and serves until its response.
    pub fn request(
        &mut self,
        endpoint: &str,
        request: &ClientRequest<'_>,
        timeout: Duration,
    ) -> io::Result<Response> {
        let rid = self.send(endpoint, request)?;
        self.wait_response(rid, timeout)
    }

    /// Serves until the next response (or notification) to request `rid`.
    pub fn wait_response(&mut self, rid: RequestId, timeout: Duration) -> io::Result<Response> {
        self.serve_until(timeout, "no response in time", |s| {
            if let Some(i) = s.responses.iter().position(|(r, _)| *r == rid) {
                return Ok(Some(s.responses.remove(i).1));
            }
            if s.timeouts.contains(&rid) {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no response"));
            }
            Ok(None)
        })
    }

    /// How long a client in queue mode is taken to stay awake after its last datagram
    /// ([`crate::server::AWAKE_TIME`] unless set).
    pub fn set_awake_time(&mut self, awake: Duration) {
        self.inner.set_awake_time(awake);
    }

    /// Serves until the client registered as `endpoint` may be sent a request: at once unless
    /// it is in queue mode and asleep, else when it sends something (its next Update, say).
    pub fn wait_awake(&mut self, endpoint: &str, timeout: Duration) -> io::Result<()> {
        self.serve_until(timeout, "still asleep", |s| {
            let id = registered(&s.inner, endpoint)?;
            Ok(s.inner.is_awake(id, now()).then_some(()))
        })
    }

    /// Sends `request` (an Observe) and returns its id, for [`Server::wait_response`].
    pub fn send(&mut self, endpoint: &str, request: &ClientRequest<'_>) -> io::Result<RequestId> {
        let id = registered(&self.inner, endpoint)?;
        let rid = self
            .outgoing
            .send(&mut self.inner, now(), To::Reg(id), request)
            .map_err(session)?;
        self.downloads.remember(rid, To::Reg(id), request);
        Ok(rid)
    }

    /// Sends Observe-Composite of `paths` (listed in `format`, values in `accept`) to the client
    /// registered as `endpoint`; its answer and notifications come from
    /// [`Server::wait_response`] (values: [`crate::composite::decode_values`]).
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
    /// answer comes as [`Server::wait_response`].
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

    /// Cancels Observe-Composite `request` (of `paths`): its last answer comes from
    /// [`Server::wait_response`].
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

    /// Serves for `time` (answering Updates, De-registers and retransmissions).
    pub fn serve_for(&mut self, time: Duration) -> io::Result<()> {
        let end = deadline(time);
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            self.turn(left)?;
        }
    }
}

/// The LwM2M client of one server, on a UDP socket.
#[derive(Debug)]
pub struct Client<'c> {
    socket: UdpSocket,
    inner: crate::client::Client<'c, SocketAddr>,
    events: Vec<ClientEvent>,
    /// A Send going in blocks.
    sends: ClientSends,
    /// Room for a request body that comes in blocks (a Write of an instance, a Create).
    upload: Box<Upload<SocketAddr, UPLOAD>>,
    /// The format the last [`Client::bootstrap`] asked for, asked again by the Bootstrap the
    /// runner starts itself ([`ClientEvent::BootstrapDue`]).
    bootstrap_format: Option<ContentFormat>,
}

impl<'c> Client<'c> {
    /// A client of `server` on an ephemeral local port.
    pub fn new(server: SocketAddr, settings: Settings<'c>) -> io::Result<Self> {
        let socket = UdpSocket::bind(local_addr(server))?;
        Ok(Client {
            socket,
            inner: crate::client::Client::new(server, settings, seed()),
            events: Vec::new(),
            sends: ClientSends::default(),
            upload: Box::new(Upload::new()),
            bootstrap_format: None,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The sans-IO client inside.
    pub fn inner(&mut self) -> &mut crate::client::Client<'c, SocketAddr> {
        &mut self.inner
    }

    /// The events seen so far (taken).
    pub fn take_events(&mut self) -> Vec<ClientEvent> {
        core::mem::take(&mut self.events)
    }

    /// Sends Register.
    pub fn register<T: ObjectTree + ?Sized>(&mut self, tree: &T) -> io::Result<()> {
        self.inner.register(now(), tree).map_err(session)?;
        self.flush()
    }

    /// Sends Bootstrap-Request (asking for `format` in Bootstrap-Read answers, the `pct` of
    /// 1.1) to the address the client was made with; [`ClientEvent::BootstrapStarted`] and
    /// [`ClientEvent::BootstrapFinished`] follow. Then [`Client::register_account`] registers
    /// with the server the Bootstrap gave.
    pub fn bootstrap(&mut self, format: Option<ContentFormat>) -> io::Result<()> {
        self.bootstrap_format = format;
        self.inner.bootstrap(now(), format).map_err(session)?;
        self.flush()
    }

    /// Points the client at `server` ([`crate::client::Client::set_server`]), on a new socket
    /// when the new address needs another local one; a Send going in blocks is given up.
    fn move_to(&mut self, server: SocketAddr) -> io::Result<()> {
        if local_addr(server) != local_addr(self.inner.server()) {
            self.socket = UdpSocket::bind(local_addr(server))?;
        }
        // The Send going in blocks is given up first: no block of it may go to the new
        // server (collecting the events resumes it).
        self.events.extend(self.sends.abandon());
        self.inner.set_server(server);
        self.collect_events();
        Ok(())
    }

    /// The Client Initiated Bootstrap a failed registration calls for (Core 1.1 §6.1,
    /// Bootstrap Sequence step 4): Bootstrap-Request to the URI of the Bootstrap-Server
    /// account of `tree`, asking for the format of the last [`Client::bootstrap`].
    fn bootstrap_with_account<T: ObjectTree + ?Sized>(&mut self, tree: &T) -> io::Result<()> {
        let (host, port) = bootstrap_server(tree)?;
        let server = first_address((host, port).to_socket_addrs()?, host, self.inner.server())?;
        self.move_to(server)?;
        self.inner
            .bootstrap(now(), self.bootstrap_format)
            .map_err(session)?;
        self.flush()
    }

    /// What the runner does itself on the events from `from` on, as the tokio runner does: the
    /// Bootstrap that [`ClientEvent::BootstrapDue`] calls for (when it cannot start, due again
    /// after the back-off: [`crate::client::Client::bootstrap_later`]), the purge that
    /// [`ClientEvent::BootstrapAccountExpired`] asks for.
    fn act_on_events<T: ObjectTree + ?Sized>(
        &mut self,
        from: usize,
        tree: &mut T,
    ) -> io::Result<()> {
        let new: Vec<ClientEvent> = self.events.get(from..).unwrap_or_default().to_vec();
        // Every event's action runs, whatever an earlier one's did: the first error is told.
        let mut first = Ok(());
        for e in new {
            let done = match e {
                ClientEvent::BootstrapDue => {
                    let started = self.bootstrap_with_account(tree);
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
            };
            if first.is_ok() {
                first = done;
            }
        }
        first
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
    pub fn register_account<T: ObjectTree + ?Sized>(
        &mut self,
        tree: &T,
        ssid: Option<u16>,
    ) -> io::Result<SocketAddr> {
        let registered = self.register_with(tree, ssid);
        if registered.is_err() {
            self.inner.bootstrap_later(now());
        }
        registered
    }

    /// [`Self::register_account`], the fallback left as it is on failure.
    fn register_with<T: ObjectTree + ?Sized>(
        &mut self,
        tree: &T,
        ssid: Option<u16>,
    ) -> io::Result<SocketAddr> {
        let account = account(tree, ssid)?;
        let (host, port) = udp_server(account.uri)?;
        let queue = crate::host::binding_queue(account.binding)?;
        let server = first_address((host, port).to_socket_addrs()?, host, self.inner.server())?;
        self.move_to(server)?;
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
        self.register(tree)?;
        Ok(server)
    }

    /// Sends De-register and serves until it is answered (or `timeout`).
    pub fn deregister<T: ObjectTree + ?Sized>(
        &mut self,
        tree: &mut T,
        timeout: Duration,
    ) -> io::Result<()> {
        self.inner.deregister(now()).map_err(session)?;
        self.flush()?;
        let end = deadline(timeout);
        while !self.events.contains(&ClientEvent::Deregistered) {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "De-register not answered",
                ));
            }
            self.turn(tree, left)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut out = [0u8; 1280];
        while let Some((to, n)) = self.inner.poll_transmit(now(), &mut out) {
            self.socket.send_to(out.get(..n).unwrap_or_default(), to)?;
        }
        Ok(())
    }

    /// Sends records to the server's `/dp` (Send, 1.1), encoded in `format`; a body longer
    /// than 512 bytes goes in Block1 blocks, each sent as the server takes the one before. The
    /// answer comes as [`ClientEvent::SendAnswered`] with the id returned. One Send in blocks
    /// at a time: another meanwhile is an error.
    pub fn send(&mut self, format: ContentFormat, payload: &[u8]) -> io::Result<RequestId> {
        let id = self
            .sends
            .send(&mut self.inner, now(), format, payload)
            .map_err(session)?;
        self.flush()?;
        Ok(id)
    }

    /// The client's events as the application sees them (the blocks of a Send sent).
    fn collect_events(&mut self) {
        if let Some(e) = self.sends.resume(&mut self.inner, now()) {
            self.events.push(e);
        }
        while let Some(e) = self.inner.poll_event() {
            if let Some(e) = self.sends.event(&mut self.inner, now(), e) {
                self.events.push(e);
            }
        }
    }

    /// Does what is due, then waits up to `wait` for one datagram and answers it from `tree`.
    /// The runner acts on two events itself, as the tokio runner's `AsyncClient::next` does, before listing
    /// them: on [`ClientEvent::BootstrapDue`] (Register abandoned, the Client Hold Off Time
    /// passed) it points the client at the URI of the tree's Bootstrap-Server account and sends
    /// Bootstrap-Request (then [`ClientEvent::BootstrapStarted`] and
    /// [`ClientEvent::BootstrapFinished`] follow, and [`Client::register_account`] registers
    /// with what it wrote); on [`ClientEvent::BootstrapAccountExpired`] it purges that account
    /// from `tree` ([`purge_bootstrap_account`]). When that fails (no URI, one that does not
    /// resolve or is not `coap://`, a tree that refuses the delete) `turn` returns the error,
    /// the event listed all the same; the client goes on, a refused purge is asked for again
    /// after [`PURGE_RETRY`](crate::client::PURGE_RETRY) seconds, and a Bootstrap that could not start
    /// falls due again after the back-off ([`Settings::bootstrap_backoff`]), so further turns
    /// list another [`ClientEvent::BootstrapDue`] then. A fallback Bootstrap that fails
    /// ([`ClientEvent::BootstrapFailed`]) comes again the same way.
    ///
    /// [`purge_bootstrap_account`]: crate::client::purge_bootstrap_account
    pub fn turn<T: ObjectTree + ?Sized>(&mut self, tree: &mut T, wait: Duration) -> io::Result<()> {
        self.inner.handle_timeout(now(), tree).map_err(session)?;
        let from = self.events.len();
        self.collect_events();
        self.act_on_events(from, tree)?;
        self.flush()?;
        let due = self
            .inner
            .poll_timeout(now())
            .map(until)
            .unwrap_or(wait)
            .min(wait)
            .max(Duration::from_millis(1));
        self.socket.set_read_timeout(Some(due))?;
        let mut buf = [0u8; 1280];
        match self.socket.recv_from(&mut buf) {
            Ok((n, peer)) => {
                // What comes from another peer than the server is dropped.
                let datagram = buf.get(..n).unwrap_or_default();
                match self
                    .inner
                    .handle_with(now(), peer, datagram, tree, &mut self.upload)
                {
                    Ok(()) | Err(SessionError::Malformed(_) | SessionError::UnknownPeer) => {}
                    Err(e) => return Err(session(e)),
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
        let from = self.events.len();
        self.collect_events();
        self.act_on_events(from, tree)?;
        self.flush()
    }

    /// Serves `tree` until `stop` says so or `time` has passed.
    pub fn run<T: ObjectTree + ?Sized>(
        &mut self,
        tree: &mut T,
        time: Duration,
        mut stop: impl FnMut(&[ClientEvent]) -> bool,
    ) -> io::Result<()> {
        let end = deadline(time);
        loop {
            if stop(&self.events) {
                return Ok(());
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            self.turn(tree, left.min(Duration::from_millis(200)))?;
        }
    }
}

/// The first of `list`, taken.
fn first<T>(list: &mut Vec<T>) -> Option<T> {
    (!list.is_empty()).then(|| list.remove(0))
}

/// Adds `item` to a list of what the application has not taken yet: past 64, the oldest give
/// way (a flood of them, spoofed over UDP, keeps no more).
fn push_capped<T>(list: &mut Vec<T>, item: T) {
    push_capped_to(list, item, 64);
}

/// Responses and notifications not taken yet that the server keeps (the oldest give way).
const RESPONSES: usize = 256;

/// [`push_capped`] with room for `cap`.
fn push_capped_to<T>(list: &mut Vec<T>, item: T, cap: usize) {
    if list.len() >= cap {
        list.remove(0);
    }
    list.push(item);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_not_taken_keep_their_latest() {
        let mut list = Vec::new();
        for i in 0..100u32 {
            push_capped(&mut list, i);
        }
        assert_eq!(list.len(), 64);
        assert_eq!((list.first(), list.last()), (Some(&36), Some(&99)));
        let mut responses = Vec::new();
        for i in 0..300u32 {
            push_capped_to(&mut responses, i, RESPONSES);
        }
        assert_eq!(responses.len(), RESPONSES);
        assert_eq!(responses.first(), Some(&44));
    }

    /// A Bootstrap-Server account (Security instance 0) whose URI the runner cannot use;
    /// the instances deleted.
    struct Unreachable(Vec<Path<'static>>);

    impl ObjectTree for Unreachable {
        fn objects(&self, f: &mut dyn FnMut(crate::link::ObjectLink<'_>)) {
            if self.0.is_empty() {
                f(crate::link::ObjectLink::path(Path::instance(0, 0)));
            }
        }
        fn read<'s>(
            &'s self,
            path: &Path<'_>,
            out: &mut crate::client::RecordBuf<'s>,
        ) -> Result<(), Code> {
            use crate::value::{Record, Text, Value};
            let value = match (self.0.is_empty(), path.levels()) {
                (true, [0, 0, 0]) => Value::Str(Text::Plain("coaps://127.0.0.1:5684")),
                (true, [0, 0, 1]) => Value::Bool(true),
                _ => return Err(Code::NOT_FOUND),
            };
            out.push(Record::new(path.without_prefix(), value))
        }
        fn delete(&mut self, path: &Path<'_>) -> Result<(), Code> {
            self.0.push(path.without_prefix());
            Ok(())
        }
    }

    /// A BootstrapDue the runner cannot act on (a `coaps://` URI) does not keep a
    /// BootstrapAccountExpired of the same batch from its purge: the account is deleted, and
    /// the Bootstrap's error is the one told.
    #[test]
    fn every_event_of_a_batch_is_acted_on_after_an_error() {
        let server = SocketAddr::from(([127, 0, 0, 1], 9));
        let mut client = Client::new(server, Settings::new("batch")).unwrap();
        let mut tree = Unreachable(Vec::new());
        client.events = std::vec![
            ClientEvent::BootstrapDue,
            ClientEvent::BootstrapAccountExpired { security: 0 },
        ];
        let err = client.act_on_events(0, &mut tree).unwrap_err();
        assert!(err.to_string().contains("coap"), "{err}");
        assert_eq!(tree.0, [Path::instance(0, 0)]);
    }
}
