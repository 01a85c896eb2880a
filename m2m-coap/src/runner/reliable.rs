//! One connection of the TCP or WebSocket runner (RFC 8323): the sans-IO
//! [`Connection`] for the signaling (our CSM first, the peer's required in time, Ping
//! answered, a keepalive Ping to a quiet peer, Release and Abort, the peer's
//! Max-Message-Size) and the [`Service`] for the requests. The transports only read whole
//! messages and write what the connection queues.

use core::time::Duration;
use std::boxed::Box;
use std::io;
use std::vec::Vec;

use futures_util::{Stream, StreamExt};
use tokio::time::Instant;

use super::now;
use super::service::{Service, Step, Wake};
use super::{Handler, MAX_CONNECTIONS, MAX_MESSAGE, MAX_SZX};
use crate::builder::Builder;
use crate::code::{Code, Type};
use crate::endpoint::stream::{ConnParams, Connection, StreamError, StreamIncoming};
use crate::error::Transport;

/// What the transport read.
pub(super) enum Read {
    /// One whole message.
    Frame(bytes::Bytes),
    /// Bytes that do not frame or parse as a message: the connection is aborted (§5.6).
    Malformed,
    /// Something that is not a message (a WebSocket text frame, a ping): ignored.
    Skip,
    /// The peer closed the connection, or it failed.
    Closed,
}

/// Accepts connections on `listener` for as long as it is polled, each served by `connection`
/// in a task of its own with a clone of `handler`; at most [`MAX_CONNECTIONS`] at once (past
/// that, the next waits in the listener's backlog until one ends). An error accepting one
/// does not end the runner, only a listener that is broken
/// ([`m2m_core::net::accept_pause`]).
pub(super) async fn accept<H, F, Fut>(
    listener: tokio::net::TcpListener,
    handler: H,
    notifier: super::Notifier,
    connection: F,
) -> io::Result<()>
where
    H: Handler + Clone + 'static,
    F: Fn(tokio::net::TcpStream, Service<(), Vec<u8>, H>) -> Fut,
    Fut: Future<Output = io::Result<()>> + Send + 'static,
{
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return Ok(());
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                let pause = m2m_core::net::accept_pause(e)?;
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
                continue;
            }
        };
        let serve = connection(stream, Service::new(handler.clone(), notifier.clone()));
        tokio::spawn(async move {
            let _ = serve.await;
            drop(slot);
        });
    }
}

/// Where the messages go.
pub(super) trait Wire {
    /// Sends one message.
    async fn send(&mut self, message: &[u8]) -> io::Result<()>;

    /// Ends the connection on the transport's side once the CoAP connection is over: a
    /// WebSocket Close (RFC 6455 §5.5.1: the answer to the peer's, if it sent one).
    async fn close(&mut self) -> io::Result<()>;
}

/// The sans-IO connection of a server: no requests of its own, a queue for a burst of
/// notifications.
type Conn = Connection<1, 16384>;

/// The parameters of a server's connection.
fn params() -> ConnParams {
    ConnParams {
        max_message_size: u32::try_from(MAX_MESSAGE).unwrap_or(u32::MAX),
        // Block-Wise-Transfer (RFC 8323 §5.3.2): the runner serves Block2 and reassembles
        // Block1 uploads. With our Max-Message-Size above 1152 it announces BERT as well
        // (§6), which holds both ways: a BERT Block1 upload (several 1024-byte blocks in one
        // message) is taken, and a Block2 request with SZX 7 is answered in blocks of 1024
        // (a BERT option asks for what SZX 6 does, §6).
        bert: true,
        // A quiet peer is pinged after a minute; one that does not answer is gone.
        keepalive_ms: Some(60_000),
        ..ConnParams::default()
    }
}

/// How long the peer's CSM is waited for (RFC 8323 §5.3), and a WebSocket handshake before it.
pub(super) fn csm_timeout() -> Duration {
    Duration::from_millis(params().csm_timeout_ms)
}

/// Serves one connection until it closes, then closes the transport (see [`Wire::close`]).
pub(super) async fn serve<H, R, W>(
    transport: Transport,
    reader: R,
    mut wire: W,
    svc: Service<(), Vec<u8>, H>,
) -> io::Result<()>
where
    H: Handler,
    R: Stream<Item = Read> + Unpin,
    W: Wire,
{
    let write_timeout = Duration::from_millis(params().pong_timeout_ms);
    let result = run(transport, reader, &mut wire, svc, write_timeout).await;
    // After an error (the peer took nothing in time, the transport failed) the socket is
    // only dropped. Bounded like every write: a peer that takes nothing does not hold the
    // task.
    if result.is_ok() {
        let _ = tokio::time::timeout(write_timeout, wire.close()).await;
    }
    result
}

/// The connection's loop: until it is over, or the peer is gone.
async fn run<H, R, W>(
    transport: Transport,
    mut reader: R,
    wire: &mut W,
    mut svc: Service<(), Vec<u8>, H>,
    write_timeout: Duration,
) -> io::Result<()>
where
    H: Handler,
    R: Stream<Item = Read> + Unpin,
    W: Wire,
{
    let start = Instant::now();
    let mut conn: Box<Conn> = Box::new(Connection::open(now(start), transport, params(), 0x9e37));
    let mut out = std::vec![0u8; 16384];
    let mut wire = Timed {
        wire,
        timeout: write_timeout,
    };
    loop {
        flush(&mut conn, &mut wire, &mut out, start).await?;
        // After a Release (either way) the replies still coming go out first (RFC 8323 §5.5:
        // the requests received before it are answered); an Abort ends at once.
        if conn.is_closed() && !(conn.is_released() && svc.deferred() > 0) {
            return Ok(());
        }
        let timer = conn.poll_timeout().and_then(|t| {
            let ms = t.as_millis().saturating_sub(now(start).as_millis());
            Instant::now().checked_add(Duration::from_millis(ms))
        });
        let refresh = svc.next_refresh();
        let steps: Vec<Step<(), Vec<u8>>> = tokio::select! {
            read = reader.next() => match read.unwrap_or(Read::Closed) {
                Read::Frame(frame) => match conn.handle(now(start), &frame) {
                    StreamIncoming::Request { message } => {
                        if message.bad_option().is_some_and(|b| b.is_critical()) {
                            // An unprocessable critical option: 4.02 (RFC 7252 §5.4.1).
                            let mut b = Builder::<0>::for_transport(
                                transport,
                                Type::NonConfirmable,
                                Code::BAD_OPTION,
                                0,
                            );
                            b.payload(b"unprocessable critical option");
                            let token = message.token().to_vec();
                            let _ = conn.respond(&token, &b);
                            Vec::new()
                        } else {
                            svc.request((), &message, message.token().to_vec())
                                .into_iter()
                                .collect()
                        }
                    }
                    // Closed (flushed next round), a response to nothing of ours, signaling.
                    _ => Vec::new(),
                },
                Read::Malformed => {
                    conn.abort("message format error");
                    Vec::new()
                }
                Read::Skip => Vec::new(),
                Read::Closed => return Ok(()),
            },
            w = svc.wake() => match w {
                Wake::Ready(r) => svc.ready(r).into_iter().collect(),
                // After a Release no new notification goes: the connection only finishes
                // what was asked before it.
                Wake::Changed(_) if conn.is_released() => Vec::new(),
                Wake::Changed(path) => svc.changed(path.as_deref()),
            },
            // Notifications about to go stale: sent again with the state of now (RFC 7641
            // §4.3.1); none after a Release, as for a change.
            () = async {
                match refresh {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => core::future::pending().await,
                }
            } => {
                let stale = svc.stale(Instant::now());
                if conn.is_released() {
                    Vec::new()
                } else {
                    stale.into_iter().filter_map(|id| svc.renotify(id)).collect()
                }
            }
            () = async {
                match timer {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => core::future::pending().await,
                }
            } => {
                // No CSM from the peer in time, or no Pong: the connection is given up.
                if conn.poll_event(now(start)).is_some() {
                    conn.abort("no answer");
                }
                Vec::new()
            }
        };
        for step in &steps {
            let (b, token) = build(step, transport, MAX_SZX);
            // An answer to a request, or a notification (which answers none: a Pong's Custody
            // goes on waiting for the requests not answered, RFC 8323 §5.4.1).
            // An answer of a class the request does not want goes unsent (RFC 7967 §2.1).
            let send = |conn: &mut Conn, token: &[u8], b: &Builder<'_, 64>| match step {
                Step::Notify { .. } => conn.notify(token, b),
                Step::Answer { no_response, .. } => conn.respond_as_asked(token, *no_response, b),
            };
            // A queue full of notifications is sent first; then the step goes in.
            let mut sent = send(&mut conn, token, &b);
            if let Err(StreamError::Busy) = sent {
                flush(&mut conn, &mut wire, &mut out, start).await?;
                sent = send(&mut conn, token, &b);
            }
            // More than the peer takes in one message (its Max-Message-Size, RFC 8323
            // §5.3.1): in blocks small enough, or 5.00 when none is.
            if let Err(StreamError::TooLarge { max, .. }) = sent {
                let fits = (0..MAX_SZX)
                    .rev()
                    .find(|szx| (16u32 << szx).saturating_add(BLOCK_HEADROOM) <= max);
                let (b, token) = match fits {
                    Some(szx) => build(step, transport, szx),
                    None => (
                        Builder::<64>::for_transport(
                            transport,
                            Type::NonConfirmable,
                            Code::INTERNAL_SERVER_ERROR,
                            0,
                        ),
                        step_token(step),
                    ),
                };
                // Still too large (a token or options past the room allowed for them), or no
                // room in the queue: a bare 5.00, so that the request is answered.
                if send(&mut conn, token, &b).is_err() {
                    let bare = Builder::<0>::for_transport(
                        transport,
                        Type::NonConfirmable,
                        Code::INTERNAL_SERVER_ERROR,
                        0,
                    );
                    let unwanted = match step {
                        Step::Answer { no_response, .. } => *no_response,
                        Step::Notify { .. } => crate::NoResponse::default(),
                    };
                    let _ = conn.respond_as_asked(token, unwanted, &bare);
                }
            }
        }
    }
}

/// A [`Wire`] whose every message must go within `timeout`.
struct Timed<'w, W> {
    wire: &'w mut W,
    timeout: Duration,
}

/// Sends everything the connection queued. A message that the peer does not take within the
/// pong timeout ends the connection with an error (`TimedOut`): a peer that reads nothing for
/// as long as a Ping may wait for its Pong is as gone as one that does not answer it (RFC 8323
/// §5.4), and the task, stuck in the write, would neither ping it nor give it up.
async fn flush<W: Wire>(
    conn: &mut Conn,
    wire: &mut Timed<'_, W>,
    out: &mut [u8],
    start: Instant,
) -> io::Result<()> {
    while let Some(n) = conn.poll_transmit(now(start), out) {
        let send = wire.wire.send(out.get(..n).unwrap_or_default());
        match tokio::time::timeout(wire.timeout, send).await {
            Ok(sent) => sent?,
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the peer takes nothing",
                ));
            }
        }
    }
    Ok(())
}

/// What a block's message holds besides the block (header, token, options), allowed for when a
/// block size is chosen to fit a peer's Max-Message-Size.
const BLOCK_HEADROOM: u32 = 128;

/// The token a step goes under.
fn step_token(step: &Step<(), Vec<u8>>) -> &[u8] {
    match step {
        Step::Answer { to, .. } => to,
        Step::Notify { token, .. } => token,
    }
}

/// The builder of a step (the response, or the code to answer with instead), in blocks of at
/// most `16 << max_szx` bytes, and the token it goes under.
fn build(step: &Step<(), Vec<u8>>, transport: Transport, max_szx: u8) -> (Builder<'_, 64>, &[u8]) {
    let (response, token, block2, observe) = match step {
        Step::Answer {
            to,
            response,
            block2,
            observe,
            ..
        } => (response, to, *block2, *observe),
        Step::Notify {
            token,
            response,
            observe,
            block2,
            ..
        } => (response, token, *block2, *observe),
    };
    let new = |code| Builder::<64>::for_transport(transport, Type::NonConfirmable, code, 0);
    let mut b = new(response.code);
    if let Err(code) = response.write_within(block2, observe, max_szx, &mut b) {
        b = new(code);
    }
    (b, token.as_slice())
}
