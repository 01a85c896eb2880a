//! An async client and server on tokio (feature `tokio`), built on the crate's sans-IO parts:
//! the framings, [`client::Matcher`](crate::client::Matcher) and
//! [`server::accept`](crate::server::accept). They speak Modbus/TCP, RTU over TCP, and RTU and
//! ASCII on a serial line.
//!
//! - [`Client`]: typed calls for every function code, [`Client::call`] for any typed request and
//!   [`Client::call_raw`] for any PDU; a per-request timeout, a connect timeout, retries with
//!   back-off and reconnection (a request none of whose bytes left before the connection broke
//!   goes out on the next one; one that left in part or whole fails, since the server may
//!   have executed it); up to [`client::MAX_IN_FLIGHT`] transactions outstanding on one Modbus/TCP
//!   connection (pipelining, [`Options::max_in_flight`], default 1), each response matched to
//!   its request by transaction id, unit, function and echoed fields; `Clone`, so tasks share a
//!   connection. A late or foreign response is counted and handed to an optional callback, never
//!   to another caller.
//! - [`Server`] / [`serve`]: a [`Handler`] over the typed [`Request`](crate::Request), with the
//!   exceptions of `server::accept` for requests that do not decode; concurrent connections
//!   with a bound on their number and on the bytes buffered for each; graceful shutdown.
//!
//! The client has no task of its own: the callers waiting for answers drive the socket and the
//! matcher from their own polls (the one who leaves wakes another), so an answer reaches its
//! caller without a hop between tasks; between calls nothing reads the socket, and what arrived
//! meanwhile is read, and reported if it answers nothing, at the next call. Both need a runtime
//! with I/O and time enabled.
//!
//! # Serial lines
//!
//! [`Transport::Rtu`] and [`Transport::Ascii`] run the same client and server over a serial line
//! (Modbus over Serial Line V1.02): a port opened with the feature `serial`
//! (`Client::open_serial`, `serial::open`), or any byte stream standing in for one
//! ([`Client::from_stream`], [`Server::serve_stream`]: a pty, `tokio::io::duplex`, a USB
//! adapter opened elsewhere). The timing follows §2.5.1.1 (RTU Framing) from the baud rate and
//! character format of [`Options::line`]:
//!
//! - Before each frame it writes, the client waits until the line has been silent for t3.5
//!   since the last byte it read or sent (the time its own frames take on the wire counted),
//!   and writes the whole frame at once, so no gap reaches t1.5 inside it. After a broadcast
//!   it waits the turnaround delay ([`Options::turnaround`], §2.4.1 "Broadcast mode") instead.
//!   The server waits for t3.5 after a request before it answers.
//! - Frames are read by the sans-IO framings ([`rtu::Framing`](crate::rtu::Framing), which
//!   resynchronises after a bad CRC, and [`ascii::Framing`](crate::ascii::Framing)); silence is
//!   a hint only, since USB adapters deliver a frame in pieces and break the 1.5-character
//!   rule: bytes that still make no whole frame after [`Options::read_silence`] (at least t3.5;
//!   one second for ASCII, §2.5.2.1) are dropped as noise, and the frame behind them is found.
//! - One transaction at a time (§2.4.1 "Unicast mode"); unit 0 is a broadcast, which the client
//!   sends without waiting for an answer ([`Client::broadcast`]) and the server executes without
//!   answering. The server answers only its own units ([`Server::units`]) and passes over
//!   corrupt frames (bad CRC or LRC) without a word.

use core::time::Duration;
use std::io;
use std::sync::Arc;

use m2m_core::{ErrorKind, ProtocolError};

use crate::client::Mismatch;
use crate::function::ExceptionCode;

mod calls;
pub mod client;
mod driver;
#[cfg(feature = "serial")]
pub mod serial;
pub mod server;

pub use client::{Client, Options, Reply, Unmatched};
pub use server::{Handler, Responder, Server, serve};

/// The transport under the client and the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Transport {
    /// Modbus/TCP: MBAP header, transaction ids (Messaging on TCP/IP Implementation Guide §3.1).
    #[default]
    Tcp,
    /// RTU frames (address, PDU, CRC-16) on a TCP stream, as serial gateways forward them: no
    /// transaction id, so one request is outstanding at a time. The client treats it as the
    /// serial line behind the gateway where no silences tell the frames apart: a broadcast is
    /// followed by [`Options::turnaround`], the head of a frame that gets no more bytes for a
    /// quiet time ([`Options::read_silence`], at least a second) is given up, and what was
    /// read before a request goes out is never taken for its answer.
    RtuOverTcp,
    /// RTU on a serial line (Serial Line §2.5.1): as `RtuOverTcp`, with the silences of the
    /// line's timing.
    Rtu,
    /// ASCII on a serial line (Serial Line §2.5.2): `:`, hex digits, LRC, CR LF; one request at
    /// a time.
    Ascii,
}

impl Transport {
    /// `true` for the serial framings, which have no transaction id: one request at a time, and
    /// unit 0 is a broadcast that gets no answer.
    #[must_use]
    pub const fn is_serial(self) -> bool {
        !matches!(self, Transport::Tcp)
    }

    /// `true` on a serial line, where the silences of [`Options::line`] apply.
    #[must_use]
    pub const fn is_line(self) -> bool {
        matches!(self, Transport::Rtu | Transport::Ascii)
    }
}

/// A byte stream the client and the server run over: a TCP stream, a serial port, a pty.
/// `at + d`, but never past a century ahead (a timeout of `Duration::MAX` means never, and
/// `Instant + Duration` would panic on it).
/// Takes the echo of what was written on a line that hears itself ([`Options::local_echo`],
/// [`Server::local_echo`]) off the head of the read bytes `rbuf`, whole: `true` while the bytes
/// read are the start of it (the rest is to come; nothing is to be framed meanwhile). Bytes
/// that are not the echo (a line that echoes nothing, or an echo damaged on the line) give it
/// up, and stay to be framed.
pub(crate) fn take_echo(
    rbuf: &mut bytes::BytesMut,
    echo: &mut std::collections::VecDeque<u8>,
) -> bool {
    let n = rbuf.len().min(echo.len());
    let same = rbuf.iter().zip(echo.iter()).take(n).all(|(r, e)| r == e);
    if same && n < echo.len() {
        return true;
    }
    if same {
        let _ = rbuf.split_to(n);
    }
    echo.clear();
    false
}

pub(crate) fn instant_after(at: tokio::time::Instant, d: Duration) -> tokio::time::Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    at.checked_add(d.min(CENTURY)).unwrap_or(at)
}

pub(crate) trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}

impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

/// What can go wrong with a call or a connection. Cheap to clone: one failure of a connection
/// is handed to every request outstanding on it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection failed (connect, read or write).
    #[error("I/O: {0}")]
    Io(Arc<io::Error>),
    /// The peer closed the connection while the request was outstanding; or the connection is
    /// gone (closed by the peer, or after an I/O or framing error) and the client opens no
    /// other ([`Options::reconnect`] off, or [`Client::from_stream`]).
    #[error("the connection closed")]
    Closed,
    /// No response within the timeout; or, for a request that waited that long for a free
    /// slot (or a quiet line) and was never sent, none could come: with
    /// [`Options::max_in_flight`] 1 and a request outstanding, a write that fails so may not
    /// have been made.
    #[error("no response within {0:?}")]
    Timeout(Duration),
    /// No connection within [`Options::connect_timeout`].
    #[error("no connection within {0:?}")]
    ConnectTimeout(Duration),
    /// The server answered with an exception.
    #[error("exception {code} to function 0x{function:02X}")]
    Exception {
        /// The function code of the request (0 for pymodbus' function byte 0x80).
        function: u8,
        /// The exception code.
        code: ExceptionCode,
    },
    /// A response arrived for the request but does not answer it (unit, function, echo or
    /// quantity differ).
    #[error("the response does not answer the request: {0}")]
    Mismatch(Mismatch),
    /// The request does not encode, or its response does not decode (the connection goes
    /// on); or the stream is out of step (a Modbus/TCP header that cannot be framed): then the
    /// connection is closed, and each request sent on it, in part or whole, fails with this
    /// error (one none of whose bytes left goes out on the next connection).
    #[error("protocol: {0}")]
    Protocol(crate::Error),
    /// The request went to unit 0 on a serial line: a broadcast, written, which no server
    /// answers (Modbus over Serial Line §2.1), so there is no response to return; not worth a
    /// retry. [`Client::broadcast`] sends one without this error.
    #[error("a broadcast (unit 0) was sent; no server answers it")]
    Broadcast,
    /// The request was sent and, on a serial framing, gets no answer by the specification:
    /// Force Listen Only Mode (FC 08 sub-function 0x0004, Application Protocol §6.8.1).
    /// [`Client::force_listen_only_mode`] returns `Ok` instead.
    #[error("the request was sent; the specification gives it no answer")]
    Unanswered,
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(Arc::new(e))
    }
}

impl From<crate::Error> for Error {
    fn from(e: crate::Error) -> Self {
        Error::Protocol(e)
    }
}

impl ProtocolError for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::Mismatch(m) => m.kind(),
            Error::Protocol(e) => e.kind(),
            _ => ErrorKind::Other,
        }
    }
}

impl Error {
    /// `true` for failures a retry may cure: I/O, a closed connection, a timeout.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Io(_) | Error::Closed | Error::Timeout(_) | Error::ConnectTimeout(_)
        )
    }
}
