//! The async server: a task per connection that frames requests, turns bad ones into the
//! exceptions of [`accept`], hands good ones to a [`Handler`] and writes the answers of a whole
//! read in one write.

use core::future::Future;
use core::time::Duration;
use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::vec::Vec;

use bytes::{Buf, BytesMut};
use m2m_core::{Framing, Status};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Transport, instant_after, take_echo};

/// How long an answer may wait for a peer that does not read it, without an idle timeout set.
const WRITE_LIMIT: Duration = Duration::from_secs(30);
use crate::function::{ExceptionCode, FunctionCode};
use crate::line::Line;
use crate::pdu::{Config, Direction, Request, Response};
use crate::server::accept;
use crate::{ascii, rtu, tcp};

/// What a server serves: a data model behind typed requests.
///
/// Requests that do not decode, or whose function [`Handler::supports`] refuses, never reach
/// [`Handler::call`]: the server answers them with the exception the specification's state
/// diagrams give ([`accept`]).
pub trait Handler: Send + Sync + 'static {
    /// Serves `req` for `unit`: writes the response with [`Responder::send`] and returns
    /// `Ok(())`, or returns the exception to answer with. Returning `Ok(())` without sending
    /// leaves the request unanswered.
    fn call(
        &self,
        unit: u8,
        req: Request<'_>,
        out: &mut Responder<'_>,
    ) -> Result<(), ExceptionCode>;

    /// Whether requests to `unit` are served: `Ok(())` to serve them, `Err(Some(code))` to answer
    /// every request to it with this exception (a gateway whose device is absent answers
    /// 0x0B), `Err(None)` to stay silent. Every unit is served by default.
    fn unit(&self, unit: u8) -> Result<(), Option<ExceptionCode>> {
        let _ = unit;
        Ok(())
    }

    /// Whether the function is implemented; others get Illegal Function. Every public function
    /// code by default.
    fn supports(&self, function: FunctionCode) -> bool {
        function.is_public()
    }
}

impl<H: Handler> Handler for Arc<H> {
    fn call(
        &self,
        unit: u8,
        req: Request<'_>,
        out: &mut Responder<'_>,
    ) -> Result<(), ExceptionCode> {
        (**self).call(unit, req, out)
    }
    fn unit(&self, unit: u8) -> Result<(), Option<ExceptionCode>> {
        (**self).unit(unit)
    }
    fn supports(&self, function: FunctionCode) -> bool {
        (**self).supports(function)
    }
}

/// Where a [`Handler`] writes its response: straight into the connection's output buffer, so
/// the response may borrow from anything the handler holds (a lock guard, a local vector).
#[derive(Debug)]
pub struct Responder<'a> {
    buf: &'a mut Vec<u8>,
    at: usize,
    sent: bool,
}

impl Responder<'_> {
    /// Encodes the response PDU (a second call replaces the first). An error leaves nothing
    /// written.
    pub fn send(&mut self, rsp: &Response<'_>) -> Result<(), crate::Error> {
        self.buf.truncate(self.at);
        self.sent = false;
        self.buf.resize(self.at.saturating_add(rsp.buffer_len()), 0);
        let tail = self.buf.get_mut(self.at..).unwrap_or_default();
        match rsp.encode(tail) {
            Ok(n) => {
                self.buf.truncate(self.at.saturating_add(n));
                self.sent = true;
                Ok(())
            }
            Err(e) => {
                self.buf.truncate(self.at);
                Err(e)
            }
        }
    }
}

/// A Modbus server: the handler and the bounds.
#[derive(Debug)]
pub struct Server<H> {
    handler: Arc<H>,
    transport: Transport,
    config: Config,
    max_connections: usize,
    max_buffer: usize,
    idle_timeout: Option<Duration>,
    units: Units,
    line: Line,
    read_silence: Duration,
    local_echo: bool,
}

impl<H> Clone for Server<H> {
    fn clone(&self) -> Self {
        Server {
            handler: Arc::clone(&self.handler),
            transport: self.transport,
            config: self.config,
            max_connections: self.max_connections,
            max_buffer: self.max_buffer,
            idle_timeout: self.idle_timeout,
            units: self.units,
            line: self.line,
            read_silence: self.read_silence,
            local_echo: self.local_echo,
        }
    }
}

/// The set of units a server answers, as 256 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Units([u64; 4]);

impl Units {
    const ALL: Units = Units([u64::MAX; 4]);

    fn of(units: &[u8]) -> Self {
        let mut set = [0u64; 4];
        for &u in units {
            if let Some(word) = set.get_mut(usize::from(u >> 6)) {
                *word |= 1 << (u & 63);
            }
        }
        Units(set)
    }

    fn contains(self, unit: u8) -> bool {
        self.0
            .get(usize::from(unit >> 6))
            .is_some_and(|w| w & (1 << (unit & 63)) != 0)
    }
}

/// Serves Modbus/TCP on `listener` with `handler` and the default bounds of [`Server::new`];
/// no error a client can cause ends it, only a broken listener
/// ([`m2m_core::net::accept_pause`]).
pub async fn serve<H: Handler>(listener: TcpListener, handler: H) -> io::Result<()> {
    Server::new(handler).serve(listener).await
}

impl<H: Handler> Server<H> {
    /// A Modbus/TCP server: strict decoding, at most 64 connections, 4096 bytes buffered per
    /// connection, no idle timeout.
    pub fn new(handler: H) -> Self {
        Server {
            handler: Arc::new(handler),
            transport: Transport::Tcp,
            config: Config::STRICT,
            max_connections: 64,
            max_buffer: 4096,
            idle_timeout: None,
            units: Units::ALL,
            line: Line::default(),
            read_silence: Duration::from_millis(50),
            local_echo: false,
        }
    }

    /// The same server over another transport.
    #[must_use]
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// The same server with another strictness for requests.
    #[must_use]
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// At most `n` connections at once; further ones are closed as soon as they are accepted.
    #[must_use]
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// At most `n` bytes of requests read ahead per connection (at least one whole frame of
    /// any transport: 513 bytes, the longest ASCII frame): a client that pipelines more waits
    /// for TCP's flow control.
    #[must_use]
    pub fn max_buffer(mut self, n: usize) -> Self {
        self.max_buffer = n.max(tcp::MAX_ADU).max(ascii::MAX_FRAME);
        self
    }

    /// Closes a connection that sends nothing for `d`, or does not read its answers for `d`
    /// (without an idle timeout, for 30 s).
    #[must_use]
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = Some(d);
        self
    }

    /// Answers only requests to `units` (and executes broadcasts, unit 0, without answering):
    /// requests to any other unit get no answer and never reach the handler, as on a serial
    /// bus where other servers answer them. Every unit is served by default; [`Handler::unit`]
    /// decides further.
    #[must_use]
    pub fn units(mut self, units: &[u8]) -> Self {
        self.units = Units::of(units);
        self
    }

    /// Baud rate and character format of the serial line ([`Transport::Rtu`],
    /// [`Transport::Ascii`]): the server waits t3.5 after a request before it answers.
    #[must_use]
    pub fn line(mut self, line: Line) -> Self {
        self.line = line;
        self
    }

    /// Silence after which bytes read from a serial line that make no whole request are dropped
    /// as noise (at least t3.5, or one second on ASCII); default 50 ms, as
    /// [`Options::read_silence`](super::Options::read_silence).
    #[must_use]
    pub fn read_silence(mut self, d: Duration) -> Self {
        self.read_silence = d;
        self
    }

    /// The same server on a serial line that hears its own transmission (a two-wire RS-485
    /// transceiver whose receiver stays on), as [`Options::local_echo`](super::Options::local_echo):
    /// the echo of each answer is taken off the line whole before requests are framed, and
    /// given up at the first byte that differs. Without it, the echo of an answer to Write
    /// Single Register or Write Single Coil, byte for byte the request, is executed and
    /// answered again, for ever. Default off; ignored on TCP.
    #[must_use]
    pub fn local_echo(mut self, on: bool) -> Self {
        self.local_echo = on;
        self
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// Serves one stream until it closes or fails: a serial port (`serial::open`, feature
    /// `serial`) or anything standing in for one (a pty, `tokio::io::duplex`) with
    /// [`Transport::Rtu`] or [`Transport::Ascii`], or one TCP connection. The idle timeout
    /// applies; the bound on connections does not.
    pub async fn serve_stream<S>(&self, stream: S) -> io::Result<()>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        self.serve_stream_until(stream, core::future::pending())
            .await
    }

    /// [`Server::serve_stream`] until `shutdown` completes; the requests already read are
    /// answered first.
    pub async fn serve_stream_until<S>(
        &self,
        stream: S,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let (stop, stopped) = watch::channel(false);
        let conn = self.connection();
        let run = conn.run(stream, stopped);
        let mut run = core::pin::pin!(run);
        let mut shutdown = core::pin::pin!(shutdown);
        tokio::select! {
            r = &mut run => return r,
            () = &mut shutdown => {}
        }
        let _ = stop.send(true);
        run.await
    }

    fn connection(&self) -> Connection<H> {
        Connection {
            handler: Arc::clone(&self.handler),
            transport: self.transport,
            config: self.config,
            max_buffer: self.max_buffer,
            idle_timeout: self.idle_timeout,
            units: self.units,
            line: self.line,
            read_silence: self.read_silence,
            local_echo: self.local_echo,
        }
    }

    /// Serves for good: an error of `accept` a client can cause (a connection reset, no file
    /// descriptor left) never ends it, only a broken listener
    /// ([`m2m_core::net::accept_pause`]).
    pub async fn serve(&self, listener: TcpListener) -> io::Result<()> {
        self.serve_until(listener, core::future::pending()).await
    }

    /// Serves until `shutdown` completes, then stops accepting, lets each connection finish
    /// the requests it has read and write their answers, and returns once all are closed.
    pub async fn serve_until(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()> {
        let (stop, stopped) = watch::channel(false);
        let slots = Arc::new(Semaphore::new(self.max_connections));
        let mut tasks = JoinSet::new();
        let mut shutdown = core::pin::pin!(shutdown);
        let result = loop {
            tokio::select! {
                () = &mut shutdown => break Ok(()),
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                accepted = listener.accept() => {
                    let stream = match accepted {
                        Ok((stream, _)) => stream,
                        // One connection's error, or a shortage of the host's (no file
                        // descriptor left: a client can bring it about) that passes: never
                        // the end of the server; a listener broken is.
                        Err(e) => match m2m_core::net::accept_pause(e) {
                            Ok(pause) => {
                                if !pause.is_zero() {
                                    tokio::time::sleep(pause).await;
                                }
                                continue;
                            }
                            Err(e) => break Err(e),
                        },
                    };
                    let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                        drop(stream);
                        continue;
                    };
                    let conn = self.connection();
                    let stopped = stopped.clone();
                    tasks.spawn(async move {
                        if stream.set_nodelay(true).is_ok() {
                            let _ = conn.run(stream, stopped).await;
                        }
                        drop(permit);
                    });
                }
            }
        };
        let _ = stop.send(true);
        while tasks.join_next().await.is_some() {}
        result
    }
}

struct Connection<H> {
    handler: Arc<H>,
    transport: Transport,
    config: Config,
    max_buffer: usize,
    idle_timeout: Option<Duration>,
    units: Units,
    line: Line,
    read_silence: Duration,
    local_echo: bool,
}

impl<H: Handler> Connection<H> {
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        self,
        mut stream: S,
        mut stop: watch::Receiver<bool>,
    ) -> io::Result<()> {
        let on_line = self.transport.is_line();
        // RTU over TCP has no silences: a head that gets no more bytes for a second is given
        // up (a corrupt length field would hold every request behind it).
        let quiet = on_line || self.transport == Transport::RtuOverTcp;
        let idle_after = match self.transport {
            Transport::Ascii | Transport::RtuOverTcp => {
                self.read_silence.max(Duration::from_secs(1))
            }
            _ => self.read_silence.max(self.line.t3_5()),
        };
        let mut last_read = Instant::now();
        let mut rbuf = BytesMut::with_capacity(self.max_buffer);
        let mut wbuf = Vec::with_capacity(1024);
        // The echo of the answers written, not read back yet ([`Server::local_echo`]).
        let mut echo = VecDeque::new();
        // One wait for the stop signal for the whole connection, not one per read (each is a
        // waiter to link into the channel's list and unlink again).
        let mut stopped = core::pin::pin!(stop.changed());
        loop {
            let open = self.handle_all(&mut rbuf, &mut wbuf, &mut echo, false);
            if !wbuf.is_empty() {
                if on_line {
                    // The request ends with t3.5 of silence; the answer follows it.
                    tokio::time::sleep_until(instant_after(last_read, self.line.t3_5())).await;
                }
                // A peer that does not read its answers holds the write: given up (and the
                // connection closed) after the idle timeout, or `WRITE_LIMIT`, so that neither
                // the connection slot nor a shutdown waits for it for ever.
                let write = async {
                    stream.write_all(&wbuf).await?;
                    stream.flush().await
                };
                match tokio::time::timeout(self.idle_timeout.unwrap_or(WRITE_LIMIT), write).await {
                    Ok(written) => written?,
                    Err(_) => return Ok(()),
                }
                if on_line && self.local_echo {
                    echo.extend(wbuf.iter().copied());
                }
                wbuf.clear();
            }
            if !open {
                return Ok(());
            }
            let mut room = self.max_buffer.saturating_sub(rbuf.len());
            if room == 0 {
                if !on_line {
                    return Ok(());
                }
                // A serial line cannot be closed: what fills the buffer is noise.
                rbuf.clear();
                room = self.max_buffer;
            }
            rbuf.reserve(room);
            let idle = async {
                match self.idle_timeout {
                    Some(d) => tokio::time::sleep(d).await,
                    None => core::future::pending().await,
                }
            };
            // On a serial line, bytes that make no whole request by this time are noise.
            let partial = quiet && !rbuf.is_empty();
            let silence = async {
                if partial {
                    tokio::time::sleep_until(instant_after(last_read, idle_after)).await;
                } else {
                    core::future::pending::<()>().await;
                }
            };
            let limit = u64::try_from(room).unwrap_or(u64::MAX);
            let mut bounded = (&mut stream).take(limit);
            tokio::select! {
                biased;
                // The stop first: a peer that never pauses would otherwise keep the read
                // ready, and the shutdown unseen.
                _ = &mut stopped => return Ok(()),
                read = bounded.read_buf(&mut rbuf) => {
                    if read? == 0 {
                        return Ok(());
                    }
                    // Only the silences (and RTU over TCP's quiet time) need the time (a clock
                    // read saved per request on Modbus/TCP).
                    if quiet {
                        last_read = Instant::now();
                    }
                }
                () = silence => {
                    // An echo not read whole by now is not coming (or not as it went out).
                    echo.clear();
                    // The requests the silence completes, then the noise.
                    self.handle_all(&mut rbuf, &mut wbuf, &mut echo, true);
                    self.drop_partial(&mut rbuf);
                }
                () = idle => return Ok(()),
            }
        }
    }

    /// After a silence on a serial line (a quiet time on RTU over TCP): drops the bytes at the
    /// head of `rbuf` that make no whole request (no more of them will come).
    fn drop_partial(&self, rbuf: &mut BytesMut) {
        let skip = match self.transport {
            Transport::Ascii => rbuf.len(),
            // Up to the first whole request behind the head that got no more bytes.
            Transport::RtuOverTcp => self.rtu_framing().skip_to_whole_frame(rbuf),
            _ => match self.rtu_framing().frame_len_idle(rbuf) {
                Ok(_) => 0,
                Err(e) => e.skip_len(),
            },
        };
        // Nothing cut (no framing error says how much): all of it is noise.
        let skip = if skip == 0 { rbuf.len() } else { skip };
        rbuf.advance(skip.min(rbuf.len()));
    }

    fn rtu_framing(&self) -> rtu::Framing {
        rtu::Framing::requests().with_config(self.config)
    }

    /// Answers every whole request in `rbuf` into `wbuf`; `false` when the stream is out of
    /// step (Modbus/TCP) and the connection must close. On an RTU line, a request framed by
    /// its CRC is whole only at the silence after it (`at_silence`): before, its CRC may check
    /// a byte early.
    fn handle_all(
        &self,
        rbuf: &mut BytesMut,
        wbuf: &mut Vec<u8>,
        echo: &mut VecDeque<u8>,
        at_silence: bool,
    ) -> bool {
        let rtu_line = self.transport == Transport::Rtu;
        loop {
            if !echo.is_empty() && take_echo(rbuf, echo) {
                return true;
            }
            let status = match self.transport {
                Transport::Tcp => tcp::Framing::with_config(self.config).frame_len(rbuf),
                Transport::Rtu if at_silence => self.rtu_framing().frame_len_at_silence(rbuf),
                // No silences on TCP: the end of a read stands for one.
                Transport::RtuOverTcp => self.rtu_framing().frame_len_at_read_end(rbuf),
                Transport::Rtu => self.rtu_framing().frame_len(rbuf),
                Transport::Ascii => ascii::Framing::requests().frame_len(rbuf),
            };
            match status {
                Ok(Status::Complete(_))
                    if rtu_line && !at_silence && self.rtu_framing().framed_by_crc(rbuf) =>
                {
                    return true;
                }
                Ok(Status::Complete(n)) if n <= rbuf.len() => {
                    self.respond(rbuf.get(..n).unwrap_or_default(), wbuf);
                    rbuf.advance(n);
                }
                Ok(_) => return true,
                Err(e) if e.skip_len() > 0 => rbuf.advance(e.skip_len().min(rbuf.len())),
                Err(_) => return false,
            }
        }
    }

    /// Appends the answer to one request frame, if it gets one.
    fn respond(&self, frame: &[u8], wbuf: &mut Vec<u8>) {
        let tcp = self.transport == Transport::Tcp;
        let mut scratch: ascii::Scratch = [0; 255];
        let (header, unit, pdu) = match self.transport {
            Transport::Tcp => {
                let Ok(h) = tcp::Header::parse(frame) else {
                    return;
                };
                (Some(h), h.unit_id, frame.get(tcp::HEADER_LEN..))
            }
            Transport::RtuOverTcp | Transport::Rtu => {
                let unit = frame.first().copied().unwrap_or(0);
                (None, unit, frame.get(1..frame.len().saturating_sub(2)))
            }
            Transport::Ascii => {
                // A bad LRC or digit: passed over without a word, as a bad CRC on RTU.
                let Ok(body) = ascii::unhex(frame, &mut scratch) else {
                    return;
                };
                let unit = body.first().copied().unwrap_or(0);
                // Addresses 248-255 are reserved (Serial Line §2.2), as the RTU framing
                // refuses them, unless the configuration allows them.
                if rtu::check_address(unit, Direction::Request, &self.config).is_err() {
                    return;
                }
                (None, unit, body.get(1..))
            }
        };
        let pdu = pdu.unwrap_or_default();
        if unit != 0 && !self.units.contains(unit) {
            return;
        }
        let at = wbuf.len();
        let head_len = if tcp { tcp::HEADER_LEN } else { 1 };
        wbuf.resize(at.saturating_add(head_len), 0);
        let mut out = Responder {
            buf: wbuf,
            at: at.saturating_add(head_len),
            sent: false,
        };
        let code = pdu.first().copied().unwrap_or(0) & 0x7F;
        let exception = |out: &mut Responder<'_>, function_code: u8, e: ExceptionCode| {
            let _ = out.send(&Response::Exception {
                function_code,
                exception: e,
            });
        };
        match self.handler.unit(unit) {
            Err(None) => {}
            Err(Some(e)) if code != 0 => exception(&mut out, code, e),
            Err(Some(_)) => {}
            Ok(()) => match accept(pdu, &self.config, |f| self.handler.supports(f)) {
                Err(None) => {}
                Err(Some(rsp)) => {
                    let _ = out.send(&rsp);
                }
                Ok(req) => {
                    let function = req.function().value();
                    if let Err(e) = self.handler.call(unit, req, &mut out) {
                        exception(&mut out, function, e);
                    }
                }
            },
        }
        let sent = out.sent;
        // A broadcast (unit 0 on a serial line) is served but never answered.
        if !sent || (!tcp && unit == 0) {
            wbuf.truncate(at);
            return;
        }
        let pdu_len = wbuf.len().saturating_sub(at).saturating_sub(head_len);
        match header {
            Some(h) => {
                let length = u16::try_from(pdu_len.saturating_add(1)).unwrap_or(u16::MAX);
                let [t0, t1] = h.transaction_id.to_be_bytes();
                let [l0, l1] = length.to_be_bytes();
                let head = [t0, t1, 0, 0, l0, l1, unit];
                if let Some(slot) = wbuf.get_mut(at..at.saturating_add(tcp::HEADER_LEN)) {
                    slot.copy_from_slice(&head);
                }
            }
            None => {
                if let Some(slot) = wbuf.get_mut(at) {
                    *slot = unit;
                }
                if self.transport == Transport::Ascii {
                    let mut body: ascii::Scratch = [0; 255];
                    let n = wbuf.len().saturating_sub(at).min(body.len());
                    let src = wbuf.get(at..at.saturating_add(n)).unwrap_or_default();
                    body.get_mut(..n).unwrap_or_default().copy_from_slice(src);
                    wbuf.resize(at.saturating_add(ascii::MAX_FRAME), 0);
                    let out = wbuf.get_mut(at..).unwrap_or_default();
                    let len = ascii::encode_body(body.get(..n).unwrap_or_default(), out);
                    wbuf.truncate(at.saturating_add(len.unwrap_or(0)));
                } else {
                    let crc = rtu::crc16(wbuf.get(at..).unwrap_or_default());
                    wbuf.extend_from_slice(&crc.to_le_bytes());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Registers;
    use std::vec;

    struct Echo;

    impl Handler for Echo {
        fn call(
            &self,
            _unit: u8,
            req: Request<'_>,
            out: &mut Responder<'_>,
        ) -> Result<(), ExceptionCode> {
            match req {
                Request::ReadHoldingRegisters { .. } => out
                    .send(&Response::ReadHoldingRegisters {
                        registers: Registers::Values(&[0x1234]),
                    })
                    .map_err(|_| ExceptionCode::ServerDeviceFailure),
                // Answers nothing.
                Request::ReadExceptionStatus => Ok(()),
                _ => Err(ExceptionCode::IllegalDataAddress),
            }
        }

        fn unit(&self, unit: u8) -> Result<(), Option<ExceptionCode>> {
            match unit {
                9 => Err(None),
                10 => Err(Some(ExceptionCode::GatewayPathUnavailable)),
                _ => Ok(()),
            }
        }
    }

    fn conn(transport: Transport) -> Connection<Echo> {
        Connection {
            handler: Arc::new(Echo),
            transport,
            config: Config::STRICT,
            max_buffer: 4096,
            idle_timeout: None,
            units: Units::ALL,
            line: Line::default(),
            read_silence: Duration::from_millis(50),
            local_echo: false,
        }
    }

    #[test]
    fn a_responder_error_leaves_nothing_written() {
        let mut buf = b"ab".to_vec();
        let mut out = Responder {
            buf: &mut buf,
            at: 2,
            sent: false,
        };
        // Zero registers is not a valid FC03 response: refused, nothing written.
        let bad = Response::ReadHoldingRegisters {
            registers: Registers::Values(&[]),
        };
        assert!(out.send(&bad).is_err());
        assert!(!out.sent);
        assert_eq!(buf, b"ab");
    }

    #[test]
    fn tcp_answers_carry_the_header_and_exceptions_the_function() {
        let c = conn(Transport::Tcp);
        let mut out = Vec::new();
        c.respond(&[0, 7, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1], &mut out);
        assert_eq!(out, [0, 7, 0, 0, 0, 5, 1, 3, 2, 0x12, 0x34]);
        out.clear();
        // From the handler, from `accept` (quantity 0), for a unit it refuses, and silence.
        c.respond(&[0, 8, 0, 0, 0, 6, 1, 6, 0, 0, 0, 1], &mut out);
        c.respond(&[0, 9, 0, 0, 0, 6, 1, 3, 0, 0, 0, 0], &mut out);
        c.respond(&[0, 10, 0, 0, 0, 2, 10, 0x41], &mut out);
        c.respond(&[0, 11, 0, 0, 0, 6, 9, 3, 0, 0, 0, 1], &mut out);
        c.respond(&[0, 12, 0, 0, 0, 2, 1, 7], &mut out);
        assert_eq!(
            out,
            [
                0, 8, 0, 0, 0, 3, 1, 0x86, 2, // handler: Illegal Data Address
                0, 9, 0, 0, 0, 3, 1, 0x83, 3, // accept: Illegal Data Value
                0, 10, 0, 0, 0, 3, 10, 0xC1, 0x0A, // unit 10: Gateway Path Unavailable
            ]
        );
    }

    #[test]
    fn rtu_answers_carry_a_crc_and_broadcasts_get_none() {
        let c = conn(Transport::RtuOverTcp);
        let mut req = vec![5, 3, 0, 0, 0, 1];
        req.extend_from_slice(&rtu::crc16(&req).to_le_bytes());
        let mut out = Vec::new();
        c.respond(&req, &mut out);
        let mut want = vec![5, 3, 2, 0x12, 0x34];
        want.extend_from_slice(&rtu::crc16(&want).to_le_bytes());
        assert_eq!(out, want);
        out.clear();
        let mut bcast = vec![0, 3, 0, 0, 0, 1];
        bcast.extend_from_slice(&rtu::crc16(&bcast).to_le_bytes());
        c.respond(&bcast, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn units_are_a_set_of_256() {
        let u = Units::of(&[0, 1, 63, 64, 200, 255]);
        for unit in 0..=255u8 {
            let want = matches!(unit, 0 | 1 | 63 | 64 | 200 | 255);
            assert_eq!(u.contains(unit), want, "unit {unit}");
            assert!(Units::ALL.contains(unit));
        }
    }

    #[test]
    fn ascii_answers_are_hex_with_an_lrc_and_other_units_get_none() {
        let mut c = conn(Transport::Ascii);
        c.units = Units::of(&[0x11]);
        let mut out = Vec::new();
        c.respond(b":1103000A0001E1\r\n", &mut out);
        // 0x11 03 02 12 34, LRC 0xA4.
        assert_eq!(out, b":1103021234A4\r\n");
        out.clear();
        c.respond(b":1203000A0001E0\r\n", &mut out);
        c.respond(b":1103000A0001E2\r\n", &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_stream_out_of_step_closes_after_the_answers_before_it() {
        let c = conn(Transport::Tcp);
        let mut rbuf = BytesMut::from(&[0u8, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1][..]);
        rbuf.extend_from_slice(&[0, 2, 0x12, 0x34, 0, 6, 1, 3, 0, 0, 0, 1]);
        let mut out = Vec::new();
        assert!(!c.handle_all(&mut rbuf, &mut out, &mut VecDeque::new(), false));
        assert_eq!(out.len(), 11);
    }
}
