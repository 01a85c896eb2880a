//! The async client: a [`Client`] and its clones share one connection and a [`Matcher`](crate::client::Matcher),
//! driven from a loop of poll calls by whichever caller is waiting; each caller gets its own
//! response.

use core::fmt;
use core::future::poll_fn;
use core::net::SocketAddr;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll};
use core::time::Duration;
use std::boxed::Box;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use tokio::net::TcpStream;

use super::driver::{Delivery, Driver, Exit};
use super::{Error, Io, Transport};
use crate::client::Mismatch;
use crate::line::Line;
use crate::pdu::limits::MAX_PDU;
use crate::pdu::{Config, Request, Response};
use crate::rtu;

/// Most requests one connection keeps outstanding, whatever [`Options::max_in_flight`] asks.
pub const MAX_IN_FLIGHT: usize = 32;

/// A response that reached no caller, reported to [`Options::on_unmatched`].
#[derive(Debug, Clone)]
pub struct Unmatched {
    /// Transaction id of the frame (Modbus/TCP).
    pub transaction_id: Option<u16>,
    /// Unit of the frame.
    pub unit: u8,
    /// Why it reached nobody (a late response is [`Mismatch::UnknownTransaction`]).
    pub reason: Mismatch,
    /// The whole frame.
    pub frame: Bytes,
}

/// A callback for [`Unmatched`] responses.
#[derive(Clone)]
pub struct OnUnmatched(pub Arc<dyn Fn(&Unmatched) + Send + Sync>);

impl fmt::Debug for OnUnmatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnUnmatched(..)")
    }
}

/// How a [`Client`] behaves. `Options::default()` is cautious: Modbus/TCP, unit 1, a timeout of
/// one second, no retry, one request outstanding at a time, strict decoding, reconnection on
/// the next request after the connection is lost.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Modbus/TCP, RTU over TCP, or RTU or ASCII on a serial line.
    pub transport: Transport,
    /// Unit (server address) of the calls; [`Client::with_unit`] makes a handle for another.
    pub unit: u8,
    /// How long each attempt waits for its response, and, before that, how long it waits to be
    /// sent: a request that finds no free slot ([`Options::max_in_flight`]; on a serial line,
    /// no quiet line) fails with [`Error::Timeout`] after this long, whatever the requests
    /// ahead of it wait for. Without transaction ids (RTU, ASCII, RTU over TCP), a request
    /// that times out keeps the line for this long again (counted from the end of its frame
    /// when it timed out while still being written), or until its late answer comes, so that
    /// answer is not taken for the next request's (libmodbus waits as long after a timeout);
    /// requests queued behind it wait, their own timeouts counted from the end of that wait.
    pub timeout: Duration,
    /// How long opening a TCP connection may take (the first one and every reconnection)
    /// before it fails with [`Error::ConnectTimeout`]; default 5 s. Without it a host that
    /// drops the connection request holds the caller for the system's own limit (minutes on
    /// Linux).
    pub connect_timeout: Duration,
    /// Attempts after the first one for failures a retry may cure ([`Error::is_transient`]).
    /// Beware: a retried write may be executed twice.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// Requests outstanding at once on Modbus/TCP (1..=[`MAX_IN_FLIGHT`]); always 1 on RTU.
    pub max_in_flight: usize,
    /// Strictness of response decoding.
    pub config: Config,
    /// What the RTU framing does with function codes it does not know (answers to raw calls of
    /// custom functions need `Hunt`).
    pub rtu_unknown: rtu::UnknownFunctions,
    /// Connect again on the next request after the connection is lost (clients made by
    /// [`Client::connect_with`] only).
    pub reconnect: bool,
    /// Called for each response that reached no caller (and for line noise skipped on RTU),
    /// with the connection locked: it must return quickly and must not call the client.
    pub on_unmatched: Option<OnUnmatched>,
    /// Baud rate and character format of a serial line ([`Transport::Rtu`],
    /// [`Transport::Ascii`]): the silences t1.5 and t3.5 follow from it, and
    /// `Client::open_serial` (feature `serial`) opens the port with it.
    pub line: Line,
    /// Wait after a broadcast on a serial line, or on RTU over TCP (a serial line behind the
    /// gateway), before the next request, for the servers to execute it (Serial Line §2.4.1
    /// "turnaround delay"); counted against the next request's [`Options::timeout`], as any
    /// wait to be sent; default 100 ms.
    pub turnaround: Duration,
    /// Silence after which bytes read from a serial line that make no whole frame are dropped
    /// as noise, so the next frame is found behind them. At least t3.5 (the guide's frame
    /// delimiter) and, for ASCII, at least the guide's one-second inter-character timeout;
    /// default 50 ms, since USB adapters deliver a frame in pieces (an FTDI chip's latency
    /// timer is 16 ms). On RTU over TCP, at least a second: the head of a frame that gets no
    /// more bytes for so long is given up, up to the first whole frame behind it (a head
    /// claiming a length that never comes would hold every answer behind it).
    pub read_silence: Duration,
    /// A serial line ([`Transport::Rtu`], [`Transport::Ascii`]) that hears its own
    /// transmission: a two-wire RS-485 transceiver whose receiver stays on, as many USB
    /// adapters have it. The bytes the client writes then come back before the answer; with
    /// this set, the client takes each byte read that equals the next byte of its own
    /// transmission off the line before framing, and at the first that differs gives the rest
    /// of that echo up and frames what is read as usual. Without it, an echoed Write Single
    /// Register or Write Single Coil reads as its own answer, and the real answer then as an
    /// answer nobody waits for. Default off; ignored on TCP.
    pub local_echo: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            transport: Transport::Tcp,
            unit: 1,
            timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(5),
            retries: 0,
            backoff: Duration::from_millis(100),
            max_in_flight: 1,
            config: Config::STRICT,
            rtu_unknown: rtu::UnknownFunctions::Reject,
            reconnect: true,
            on_unmatched: None,
            line: Line::default(),
            turnaround: Duration::from_millis(100),
            read_silence: Duration::from_millis(50),
            local_echo: false,
        }
    }
}

impl Options {
    /// The same options over `transport`.
    #[must_use]
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }
    /// The same options for `unit`.
    #[must_use]
    pub fn unit(mut self, unit: u8) -> Self {
        self.unit = unit;
        self
    }
    /// The same options with another timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// The same options with another connect timeout.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// The same options with `retries` retries, the first after `backoff`.
    #[must_use]
    pub fn retries(mut self, retries: u32, backoff: Duration) -> Self {
        self.retries = retries;
        self.backoff = backoff;
        self
    }
    /// The same options with up to `n` requests outstanding (Modbus/TCP).
    #[must_use]
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n;
        self
    }
    /// The same options with another strictness.
    #[must_use]
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }
    /// The same options with another RTU policy for unknown function codes.
    #[must_use]
    pub fn rtu_unknown(mut self, unknown: rtu::UnknownFunctions) -> Self {
        self.rtu_unknown = unknown;
        self
    }
    /// The same options with reconnection on or off.
    #[must_use]
    pub fn reconnect(mut self, reconnect: bool) -> Self {
        self.reconnect = reconnect;
        self
    }
    /// The same options with [`Options::local_echo`] on or off.
    #[must_use]
    pub fn local_echo(mut self, on: bool) -> Self {
        self.local_echo = on;
        self
    }
    /// The same options with a callback for responses that reach no caller.
    #[must_use]
    pub fn on_unmatched(mut self, f: impl Fn(&Unmatched) + Send + Sync + 'static) -> Self {
        self.on_unmatched = Some(OnUnmatched(Arc::new(f)));
        self
    }

    /// The same options for a serial line at this baud rate and format.
    #[must_use]
    pub fn line(mut self, line: Line) -> Self {
        self.line = line;
        self
    }
    /// The same options with another turnaround delay after broadcasts (serial line, RTU over
    /// TCP).
    #[must_use]
    pub fn turnaround(mut self, d: Duration) -> Self {
        self.turnaround = d;
        self
    }
    /// The same options with another silence after which a partial frame is dropped.
    #[must_use]
    pub fn read_silence(mut self, d: Duration) -> Self {
        self.read_silence = d;
        self
    }

    pub(super) fn window(&self) -> usize {
        match self.transport {
            Transport::Tcp => self.max_in_flight.clamp(1, MAX_IN_FLIGHT),
            _ => 1,
        }
    }

    /// The silence (on RTU over TCP, the quiet time) after which bytes that make no whole
    /// frame are noise.
    pub(super) fn idle_after(&self) -> Duration {
        let floor = match self.transport {
            // RTU over TCP as the server reads it: a gateway may pass a frame on in pieces.
            Transport::Ascii | Transport::RtuOverTcp => Duration::from_secs(1),
            _ => self.line.t3_5(),
        };
        self.read_silence.max(floor)
    }
}

/// A response frame, matched to its request and checked. It holds the frame (cut from the
/// read buffer without copying); [`Reply::response`] decodes it again, borrowing from it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub(super) frame: Bytes,
    pub(super) pdu_start: usize,
    pub(super) pdu_end: usize,
    pub(super) unit: u8,
    pub(super) config: Config,
}

impl Reply {
    /// The whole frame as received (MBAP header or RTU address and CRC included); on ASCII,
    /// the address and PDU decoded from the hex digits.
    #[must_use]
    pub fn frame(&self) -> &[u8] {
        &self.frame
    }

    /// The response PDU (function code and data).
    #[must_use]
    pub fn pdu(&self) -> &[u8] {
        self.frame
            .get(self.pdu_start..self.pdu_end)
            .unwrap_or_default()
    }

    /// The unit that answered.
    #[must_use]
    pub fn unit(&self) -> u8 {
        self.unit
    }

    /// The response, borrowed from the frame (it decoded when it was matched).
    pub fn response(&self) -> Result<Response<'_>, Error> {
        Ok(Response::parse_with(self.pdu(), &self.config)?)
    }

    /// The response, or the exception it carries as [`Error::Exception`].
    pub fn ok(&self) -> Result<Response<'_>, Error> {
        match self.response()? {
            Response::Exception {
                function_code,
                exception,
            } => Err(Error::Exception {
                function: function_code,
                code: exception,
            }),
            rsp => Ok(rsp),
        }
    }
}

pub(super) type Answer = Result<Option<Reply>, Error>;

/// Whether `pdu` is Force Listen Only Mode (FC 08, sub-function 0x0004), which no device
/// answers.
fn listen_only(pdu: &[u8]) -> bool {
    pdu.get(..3) == Some(&[0x08, 0x00, 0x04][..])
}

/// One request handed to the connection.
#[derive(Debug)]
pub(super) struct Command {
    pub(super) unit: u8,
    pub(super) pdu: [u8; MAX_PDU],
    pub(super) len: usize,
    pub(super) timeout: Duration,
    /// `false` for a broadcast: answered once written.
    pub(super) wait: bool,
    /// Whom the answer is for ([`Callers`](super::driver::Callers)).
    pub(super) ticket: u64,
    /// When it was handed over: it waits no longer than its timeout for a free slot (or, on a
    /// serial line that never goes quiet, for the silence before it).
    pub(super) queued: tokio::time::Instant,
}

#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) unmatched: AtomicU64,
    pub(super) connects: AtomicU64,
}

/// What the handles of one client share: the connection and its state, behind a lock that is
/// never held across an await.
#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Held while a connection is being opened, so that one caller opens it.
    connect: tokio::sync::Mutex<()>,
    endpoint: Option<Endpoint>,
    counters: Arc<Counters>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The connection, its driver, the requests waiting for a slot, and the callers waiting.
struct State {
    stream: Option<Box<dyn Io>>,
    driver: Driver,
    queue: VecDeque<Command>,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("open", &self.stream.is_some())
            .field("driver", &self.driver)
            .field("queued", &self.queue.len())
            .finish_non_exhaustive()
    }
}

impl State {
    /// Runs the connection as far as it goes without waiting, on behalf of the caller `cx`
    /// (whose ticket is `me`).
    fn drive(&mut self, cx: &mut Context<'_>, me: u64) {
        let Some(s) = self.stream.as_mut() else {
            return;
        };
        self.driver.callers.driving = me;
        if let Poll::Ready(Exit::Broken(e)) = self.driver.poll(cx, &mut **s, &mut self.queue) {
            self.stream = None;
            self.driver.fail_all(&e);
            // Requests still queued were never written: their callers may send them again.
            for cmd in self.queue.drain(..) {
                self.driver.callers.deliver_unsent(cmd.ticket);
            }
        }
    }
}

/// A caller between sending its request and getting its answer; when it leaves (answered,
/// timed out or dropped), it wakes another caller, who takes over polling the socket.
struct Active<'a> {
    shared: &'a Shared,
    /// Its ticket, from its first poll on.
    ticket: Option<u64>,
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        if let Some(t) = self.ticket {
            let mut st = self.shared.lock();
            // A request still queued is not sent at all: nobody waits for its answer (a write
            // given up on must not happen later, behind the caller's back).
            st.queue.retain(|cmd| cmd.ticket != t);
            // Nor is one taken for sending of which nothing was written yet.
            st.driver.abandon(t);
            st.driver.callers.leave(t);
        }
    }
}

/// Why an attempt did not get its answer.
enum Attempt {
    Done(Answer),
    /// The connection was found closed, or broke, before the request was sent: open another
    /// one.
    Stale,
}

/// An async Modbus client. Clones share the connection; there is no background task: the
/// callers waiting drive the socket themselves, so an answer reaches its caller without a hop
/// between tasks. The connection closes when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct Client {
    shared: Arc<Shared>,
    unit: u8,
    timeout: Duration,
    retries: u32,
    backoff: Duration,
    broadcast_unit0: bool,
}

impl Client {
    /// Connects to `addr` with [`Options::default`].
    pub async fn connect(addr: SocketAddr) -> Result<Self, Error> {
        Self::connect_with(addr, Options::default()).await
    }

    /// Connects to `addr`.
    pub async fn connect_with(addr: SocketAddr, options: Options) -> Result<Self, Error> {
        let endpoint = Endpoint::Tcp(addr);
        let stream = endpoint.open(&options).await?;
        Ok(Self::new(stream, Some(endpoint), options))
    }

    /// A client over a stream already open, with no reconnection: a TCP stream, or a serial
    /// line or anything standing in for one (a pty, one end of `tokio::io::duplex`) with
    /// [`Transport::Rtu`] or [`Transport::Ascii`].
    #[must_use]
    pub fn from_stream<S>(stream: S, options: Options) -> Self
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
    {
        Self::new(Box::new(stream), None, options)
    }

    /// Opens the serial port at `path` (`/dev/ttyUSB0`, `COM3`) with the baud rate and format
    /// of [`Options::line`], for [`Options::transport`] [`Transport::Rtu`] (taken when the
    /// options say [`Transport::Tcp`]) or [`Transport::Ascii`]. With [`Options::reconnect`],
    /// the port is opened again on the next request after it fails.
    #[cfg(feature = "serial")]
    pub fn open_serial(path: &str, mut options: Options) -> Result<Self, Error> {
        if !options.transport.is_line() {
            options.transport = Transport::Rtu;
        }
        let endpoint = Endpoint::Serial(path.into());
        let stream = super::serial::open(path, &options.line)?;
        Ok(Self::new(Box::new(stream), Some(endpoint), options))
    }

    fn new(stream: Box<dyn Io>, endpoint: Option<Endpoint>, options: Options) -> Self {
        let counters = Arc::new(Counters::default());
        counters.connects.store(1, Ordering::Relaxed);
        Client {
            unit: options.unit,
            timeout: options.timeout,
            retries: options.retries,
            backoff: options.backoff,
            broadcast_unit0: options.transport.is_serial(),
            shared: Arc::new(Shared {
                endpoint: endpoint.filter(|_| options.reconnect),
                state: Mutex::new(State {
                    stream: Some(stream),
                    driver: Driver::new(options, Arc::clone(&counters)),
                    queue: VecDeque::new(),
                }),
                connect: tokio::sync::Mutex::new(()),
                counters,
            }),
        }
    }

    /// A handle on the same connection that addresses `unit`.
    #[must_use]
    pub fn with_unit(&self, unit: u8) -> Self {
        let mut c = self.clone();
        c.unit = unit;
        c
    }

    /// A handle on the same connection with another timeout per attempt.
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        let mut c = self.clone();
        c.timeout = timeout;
        c
    }

    /// A handle on the same connection with `retries` retries, the first after `backoff`.
    #[must_use]
    pub fn with_retries(&self, retries: u32, backoff: Duration) -> Self {
        let mut c = self.clone();
        c.retries = retries;
        c.backoff = backoff;
        c
    }

    /// The unit this handle addresses.
    #[must_use]
    pub fn unit(&self) -> u8 {
        self.unit
    }

    /// Responses so far that reached no caller (late, foreign or wrongly addressed).
    #[must_use]
    pub fn unmatched(&self) -> u64 {
        self.shared.counters.unmatched.load(Ordering::Relaxed)
    }

    /// Connections made so far (the first one included).
    #[must_use]
    pub fn connects(&self) -> u64 {
        self.shared.counters.connects.load(Ordering::Relaxed)
    }

    /// Sends `req` and returns its checked response; an exception is [`Error::Exception`]. On
    /// a serial framing, a request to unit 0 is a broadcast: it is sent, and the call returns
    /// [`Error::Broadcast`] (see [`Client::broadcast`]); Force Listen Only Mode, which no
    /// device answers, returns [`Error::Unanswered`] once sent (see
    /// [`Client::force_listen_only_mode`]).
    pub async fn call(&self, req: &Request<'_>) -> Result<Reply, Error> {
        let mut pdu = [0u8; MAX_PDU];
        let len = req.encode(&mut pdu)?;
        let reply = self.exchange(self.unit, &pdu, len, true).await?;
        match reply {
            Some(r) => r.ok().map(|_| ()).map(|()| r),
            None => Err(self.no_reply()),
        }
    }

    /// FC 0x08 sub-function 0x0004, Force Listen Only Mode (Application Protocol §6.8.1): the
    /// device stops answering until a Restart Communications Option (sub-function 0x0001).
    /// On the serial framings it returns once the request is written, as no device answers
    /// it; on Modbus/TCP it waits for what a device or gateway may answer (an exception is
    /// [`Error::Exception`]).
    pub async fn force_listen_only_mode(&self) -> Result<(), Error> {
        match self.diagnostics(0x0004, &[0, 0]).await {
            Ok(_) | Err(Error::Unanswered) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The error of a request sent that gets no reply: a broadcast, or Force Listen Only Mode.
    fn no_reply(&self) -> Error {
        if self.unit == 0 && self.broadcast_unit0 {
            Error::Broadcast
        } else {
            Error::Unanswered
        }
    }

    /// Sends a PDU as it is (function code and data, possibly one the crate's encoder would
    /// refuse) and returns whatever answers it, exceptions included. A PDU that decodes as a
    /// request is matched as one; any other is matched by transaction id (or unit, on RTU)
    /// and function code.
    pub async fn call_raw(&self, pdu: &[u8]) -> Result<Reply, Error> {
        let mut buf = [0u8; MAX_PDU];
        let len = pdu.len();
        buf.get_mut(..len)
            .ok_or(crate::Error::PduTooLong { len })?
            .copy_from_slice(pdu);
        self.exchange(self.unit, &buf, len, true)
            .await?
            .ok_or_else(|| self.no_reply())
    }

    /// Sends `req` to unit 0 and returns once it is written. On the serial framings (RTU,
    /// ASCII, RTU over TCP) no server answers a broadcast (Modbus over Serial Line §2.1), and
    /// the next request waits [`Options::turnaround`] after it. Modbus/TCP has no broadcast of
    /// its own: unit 0 reaches whatever a gateway does with it (many pass it on as a broadcast
    /// on their serial line), and a device may take it for its own address and answer
    /// (Messaging on TCP/IP Implementation Guide §4.4.1.2, "the value 0 is also accepted to
    /// communicate directly to a MODBUS/TCP device"). So there it is sent with a transaction id
    /// that no other request has, and an answer to it, if one comes, is discarded (counted in
    /// [`Client::unmatched`] and reported to [`Options::on_unmatched`]); an exception in it is
    /// not seen. To learn the outcome, call unit 0 as any other ([`Client::with_unit`]).
    pub async fn broadcast(&self, req: &Request<'_>) -> Result<(), Error> {
        let mut pdu = [0u8; MAX_PDU];
        let len = req.encode(&mut pdu)?;
        self.exchange(0, &pdu, len, false).await.map(|_| ())
    }

    async fn exchange(
        &self,
        unit: u8,
        pdu: &[u8; MAX_PDU],
        len: usize,
        wait: bool,
    ) -> Result<Option<Reply>, Error> {
        // On the serial framings nothing answers a broadcast, nor Force Listen Only Mode
        // (FC 08 sub-function 04, Application Protocol §6.8.1: "No Response Returned"); a
        // Modbus/TCP device or gateway may answer that one (with an exception), so TCP waits.
        let silent = self.broadcast_unit0 && listen_only(pdu.get(..len).unwrap_or_default());
        let wait = wait && !(unit == 0 && self.broadcast_unit0) && !silent;
        let mut attempt = 0u32;
        let mut stale = 0u32;
        loop {
            let result = match self.attempt(unit, pdu, len, wait).await {
                Attempt::Done(r) => r,
                // Not sent: the connection was found closed, or broke while the request
                // waited its turn. Open another connection, once.
                Attempt::Stale if stale == 0 => {
                    stale = 1;
                    continue;
                }
                Attempt::Stale => Err(Error::Closed),
            };
            match result {
                Err(e) if e.is_transient() && attempt < self.retries => {
                    let factor = 1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX);
                    tokio::time::sleep(self.backoff.saturating_mul(factor)).await;
                    attempt = attempt.saturating_add(1);
                }
                r => return r,
            }
        }
    }

    /// Opens a connection if there is none (one caller opens it; the others wait for it).
    async fn connected(&self) -> Result<(), Error> {
        if self.shared.lock().stream.is_some() {
            return Ok(());
        }
        let _opening = self.shared.connect.lock().await;
        if self.shared.lock().stream.is_some() {
            return Ok(());
        }
        let endpoint = self.shared.endpoint.as_ref().ok_or(Error::Closed)?;
        let options = self.shared.lock().driver.options.clone();
        let stream = endpoint.open(&options).await?;
        let mut st = self.shared.lock();
        st.driver.reset();
        st.stream = Some(stream);
        self.shared
            .counters
            .connects
            .fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn attempt(&self, unit: u8, pdu: &[u8; MAX_PDU], len: usize, wait: bool) -> Attempt {
        if let Err(e) = self.connected().await {
            return Attempt::Done(Err(e));
        }
        let mut cmd = Some(Command {
            unit,
            pdu: *pdu,
            len,
            timeout: self.timeout,
            wait,
            ticket: 0,
            queued: tokio::time::Instant::now(),
        });
        let mut active = Active {
            shared: &self.shared,
            ticket: None,
        };
        poll_fn(|cx| {
            let mut st = active.shared.lock();
            let me = match active.ticket {
                Some(t) => t,
                None => {
                    let t = st.driver.callers.join(cx.waker());
                    active.ticket = Some(t);
                    t
                }
            };
            if let Some(mut cmd) = cmd.take() {
                cmd.ticket = me;
                if st.stream.is_none() {
                    return Poll::Ready(Attempt::Stale);
                }
                let idle = st.driver.matcher.outstanding() == 0 && st.queue.is_empty();
                let alone = idle && st.driver.options.window() == 1;
                if idle && !alone {
                    // Whatever came while nobody was polling first: a connection the peer has
                    // closed is noticed before the request is sent on it.
                    st.drive(cx, me);
                    if st.stream.is_none() {
                        return Poll::Ready(Attempt::Stale);
                    }
                }
                st.queue.push_back(cmd);
                if alone {
                    // The driver reads before it sends: a connection the peer closed while
                    // nobody was polling is noticed before the request goes out on it, and
                    // then another one is opened for it.
                    let started = st.driver.started;
                    st.drive(cx, me);
                    if st.stream.is_none() && st.driver.started == started {
                        return Poll::Ready(Attempt::Stale);
                    }
                } else {
                    // Others are sending, or requests may be pipelined: let the callers about
                    // to send queue theirs too (this yields once), so they go out in one write.
                    cx.waker().wake_by_ref();
                }
            } else {
                st.drive(cx, me);
            }
            // This caller now holds the socket's and the timer's wakers; its answer, or the
            // waker to wake when it comes, is with the callers.
            match st.driver.callers.poll_answer(me, cx.waker()) {
                Some(Delivery::Answer(answer)) => Poll::Ready(Attempt::Done(answer)),
                Some(Delivery::Unsent) => Poll::Ready(Attempt::Stale),
                None => Poll::Pending,
            }
        })
        .await
    }
}

/// Where a client opens its connection again.
#[derive(Debug)]
enum Endpoint {
    Tcp(SocketAddr),
    #[cfg(feature = "serial")]
    Serial(std::string::String),
}

impl Endpoint {
    async fn open(&self, options: &Options) -> Result<Box<dyn Io>, Error> {
        match self {
            Endpoint::Tcp(addr) => {
                let limit = options.connect_timeout;
                let stream = tokio::time::timeout(limit, TcpStream::connect(addr))
                    .await
                    .map_err(|_| Error::ConnectTimeout(limit))??;
                stream.set_nodelay(true)?;
                Ok(Box::new(stream))
            }
            #[cfg(feature = "serial")]
            Endpoint::Serial(path) => Ok(Box::new(super::serial::open(path, &options.line)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::function::ExceptionCode;

    #[test]
    fn the_window_is_one_on_rtu_and_bounded_on_tcp() {
        let o = Options::default();
        assert_eq!(o.window(), 1);
        assert_eq!(o.clone().max_in_flight(0).window(), 1);
        assert_eq!(o.clone().max_in_flight(8).window(), 8);
        assert_eq!(o.clone().max_in_flight(1000).window(), MAX_IN_FLIGHT);
        let rtu = o.transport(Transport::RtuOverTcp).max_in_flight(8);
        assert_eq!(rtu.window(), 1);
    }

    #[test]
    fn a_reply_gives_its_pdu_and_turns_exceptions_into_errors() {
        let frame = Bytes::from_static(&[0, 1, 0, 0, 0, 3, 7, 0x83, 0x02]);
        let r = Reply {
            frame,
            pdu_start: crate::tcp::HEADER_LEN,
            pdu_end: 9,
            unit: 7,
            config: Config::STRICT,
        };
        assert_eq!(r.pdu(), [0x83, 0x02]);
        assert_eq!(r.unit(), 7);
        assert!(matches!(
            r.response(),
            Ok(Response::Exception {
                function_code: 3,
                ..
            })
        ));
        assert!(matches!(
            r.ok(),
            Err(Error::Exception {
                function: 3,
                code: ExceptionCode::IllegalDataAddress
            })
        ));
    }
}
