//! The state of one client connection: the matcher, the callers waiting, the buffers and the
//! timer, driven by [`Driver::poll`] from whichever caller is waiting.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::Ordering;
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use std::boxed::Box;
use std::collections::VecDeque;
use std::sync::Arc;
use std::vec::Vec;

use bytes::{Bytes, BytesMut};
use m2m_core::{Framing, Status, Timestamp};
use tokio::time::{Instant, Sleep};
use tokio_util::io::poll_read_buf;

use super::client::{Answer, Command, Counters, MAX_IN_FLIGHT, Options, Reply, Unmatched};
use super::{Error, Io, Transport, instant_after, take_echo};
use crate::client::{Matcher, Mismatch};
use crate::data::Data;
use crate::pdu::{Request, Response};
use crate::{ascii, rtu, tcp};

/// A century in milliseconds: timers are set no further ahead.
const CENTURY_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// A caller waiting for its response.
struct Waiting {
    /// Where its frame starts in the bytes handed to this connection ([`Driver::appended`]),
    /// and its length.
    begin: u64,
    len: usize,
    transaction_id: Option<u16>,
    unit: u8,
    timeout: Duration,
    ticket: u64,
}

/// The callers between handing a request over and taking its answer. Whoever polls the
/// connection leaves each answer here and wakes its caller, unless that caller is the one
/// polling (it takes the answer when the poll returns): no channel, and no wake-up of a caller
/// by itself.
#[derive(Default)]
pub(super) struct Callers {
    list: Vec<Caller>,
    next: u64,
    /// The caller polling the connection now.
    pub(super) driving: u64,
}

struct Caller {
    ticket: u64,
    waker: Waker,
    answer: Option<Delivery>,
}

/// What a caller finds left for it.
pub(super) enum Delivery {
    /// The answer to its request.
    Answer(Answer),
    /// The connection broke before its request was taken from the queue: none of it was
    /// written, so it may go out on another connection.
    Unsent,
}

impl Callers {
    /// A new caller, woken through `waker` until it says otherwise; its ticket.
    pub(super) fn join(&mut self, waker: &Waker) -> u64 {
        let ticket = self.next;
        self.next = self.next.wrapping_add(1);
        self.list.push(Caller {
            ticket,
            waker: waker.clone(),
            answer: None,
        });
        ticket
    }

    /// Leaves `answer` for the caller with `ticket` (if it is still there) and wakes it.
    pub(super) fn deliver(&mut self, ticket: u64, answer: Answer) {
        self.leave_for(ticket, Delivery::Answer(answer));
    }

    /// Tells the caller with `ticket` that its request was never sent (and wakes it).
    pub(super) fn deliver_unsent(&mut self, ticket: u64) {
        self.leave_for(ticket, Delivery::Unsent);
    }

    fn leave_for(&mut self, ticket: u64, delivery: Delivery) {
        if let Some(c) = self.list.iter_mut().find(|c| c.ticket == ticket) {
            c.answer = Some(delivery);
            if ticket != self.driving {
                c.waker.wake_by_ref();
            }
        }
    }

    /// What was left for `ticket` if anything has come (an error if the caller is unknown);
    /// otherwise `None`, and `waker` is the one to wake.
    pub(super) fn poll_answer(&mut self, ticket: u64, waker: &Waker) -> Option<Delivery> {
        let Some(c) = self.list.iter_mut().find(|c| c.ticket == ticket) else {
            return Some(Delivery::Answer(Err(Error::Closed)));
        };
        if let Some(answer) = c.answer.take() {
            return Some(answer);
        }
        if !c.waker.will_wake(waker) {
            c.waker.clone_from(waker);
        }
        None
    }

    /// The caller with `ticket` leaves (answered, timed out or dropped); the latest of those
    /// still waiting is woken to take over polling the connection.
    pub(super) fn leave(&mut self, ticket: u64) {
        if let Some(i) = self.list.iter().position(|c| c.ticket == ticket) {
            self.list.remove(i);
        }
        if let Some(next) = self.list.iter().rev().find(|c| c.answer.is_none()) {
            next.waker.wake_by_ref();
        }
    }
}

/// Most bytes of [`Options::local_echo`] awaited at once (a few frames' worth).
const ECHO_MAX: usize = 2048;

/// Why the poll loop stopped.
pub(super) enum Exit {
    /// The connection is unusable: fail what is outstanding, reconnect on the next request.
    Broken(Error),
}

/// The state of one connection: the matcher, the callers waiting, the buffers, one timer.
pub(super) struct Driver {
    pub(super) options: Options,
    counters: Arc<Counters>,
    pub(super) matcher: Matcher<MAX_IN_FLIGHT>,
    waiting: Vec<Waiting>,
    /// The callers, and the answers left for them.
    pub(super) callers: Callers,
    /// Broadcasts written into `wbuf` (their callers' tickets, and where their frames begin
    /// and their lengths), answered once it is flushed.
    broadcasts: Vec<(u64, u64, usize)>,
    /// Bytes put into `wbuf` on this connection, and bytes of them the stream took: a frame
    /// that begins at or after `flushed` was not sent at all when the connection breaks.
    appended: u64,
    flushed: u64,
    /// Requests taken from the queue so far: a caller that finds it unchanged after the
    /// connection broke knows its request was never sent.
    pub(super) started: u64,
    epoch: Instant,
    rbuf: BytesMut,
    wbuf: Vec<u8>,
    /// On a serial line with [`Options::local_echo`]: the bytes written whose echo has not been
    /// read yet, oldest first.
    echo: VecDeque<u8>,
    timer: Pin<Box<Sleep>>,
    /// The deadline the timer is set for; it may be earlier than the earliest outstanding
    /// (then it fires early and is set again), never later.
    armed: Option<Timestamp>,
    /// Without transaction ids (a serial line, RTU over TCP): the silences and holds; on every
    /// transport, the timer of the requests waiting for a slot.
    line: LineState,
}

/// The silences of a serial line (and what stands for them on RTU over TCP): when the next
/// frame may be written, when the bytes read last came, and a timer for both (and for the
/// requests that give up waiting for a slot).
struct LineState {
    /// The next frame is written no earlier: on a serial line, t3.5 after the last byte read
    /// or sent (the time the bytes take on the wire counted); on a serial line and on RTU over
    /// TCP, the turnaround delay after a broadcast.
    quiet_at: Instant,
    /// When bytes were read last (a serial line, RTU over TCP).
    last_read: Instant,
    timer: Pin<Box<Sleep>>,
    armed: Option<Instant>,
    /// A request that timed out on a framing without transaction ids (RTU, ASCII, RTU over
    /// TCP): the device may still answer it, so the line stays its own until that answer
    /// comes or its timeout passes again (counted from the frame's end when it timed out
    /// while still being written). Without this its late answer would be taken for the
    /// answer to the next request.
    orphan: Option<Orphan>,
    /// The end of the last such hold: requests queued meanwhile count their timeouts from it.
    held_until: Option<Instant>,
}

/// When `cmd`, waiting for a slot, gives up: its timeout after it was queued, or after the end
/// of the last hold for a late answer (`held`), which was not its wait.
fn give_up_at(cmd: &Command, held: Option<Instant>) -> Instant {
    let from = held.map_or(cmd.queued, |h| cmd.queued.max(h));
    instant_after(from, cmd.timeout)
}

/// See [`LineState::orphan`].
struct Orphan {
    /// Where its frame ends in the bytes handed to this connection.
    end: u64,
    unit: u8,
    timeout: Duration,
    /// Once the frame is out: when the line is free again without an answer.
    until: Option<Instant>,
}

impl LineState {
    /// Sets the timer for `at` (if it is not set for it already) and polls it: `true` if it has
    /// fired.
    fn wake_at(&mut self, cx: &mut Context<'_>, at: Option<Instant>) -> bool {
        let Some(at) = at else {
            self.armed = None;
            return false;
        };
        if self.armed != Some(at) {
            self.timer.as_mut().reset(at);
            self.armed = Some(at);
        }
        self.timer.as_mut().poll(cx).is_ready()
    }
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("outstanding", &self.matcher.outstanding())
            .field("buffered", &self.rbuf.len())
            .finish_non_exhaustive()
    }
}

impl Driver {
    pub(super) fn new(options: Options, counters: Arc<Counters>) -> Self {
        let epoch = Instant::now();
        Driver {
            options,
            counters,
            matcher: Matcher::new(),
            waiting: Vec::with_capacity(MAX_IN_FLIGHT),
            callers: Callers::default(),
            started: 0,
            broadcasts: Vec::new(),
            appended: 0,
            flushed: 0,
            epoch,
            rbuf: BytesMut::with_capacity(4096),
            wbuf: Vec::with_capacity(1024),
            echo: VecDeque::new(),
            timer: Box::pin(tokio::time::sleep_until(epoch)),
            armed: None,
            line: LineState {
                quiet_at: epoch,
                last_read: epoch,
                timer: Box::pin(tokio::time::sleep_until(epoch)),
                armed: None,
                orphan: None,
                held_until: None,
            },
        }
    }

    /// Forgets the buffers of a connection that is gone.
    pub(super) fn reset(&mut self) {
        self.rbuf.clear();
        self.wbuf.clear();
        self.echo.clear();
        self.appended = 0;
        self.flushed = 0;
        self.line.armed = None;
        self.line.orphan = None;
        self.line.held_until = None;
    }

    fn now(&self) -> Timestamp {
        let ms = self.epoch.elapsed().as_millis();
        Timestamp::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// Registers a request and queues its frame for writing.
    fn start(&mut self, cmd: Command) {
        self.started = self.started.wrapping_add(1);
        // The line was let go: a request that timed out earlier has had its time.
        self.line.orphan = None;
        let pdu = cmd.pdu.get(..cmd.len).unwrap_or_default();
        let now = self.now();
        let raw;
        let req = match Request::parse(pdu) {
            Ok(req) => req,
            Err(_) => {
                // Not a request the crate decodes (a raw call meant to provoke an exception):
                // matched by its function code only.
                raw = Request::Raw {
                    code: pdu.first().copied().unwrap_or(0),
                    data: Data::Borrowed(&[]),
                };
                raw
            }
        };
        let transport = self.options.transport;
        let tcp = transport == Transport::Tcp;
        // On a serial line the answer cannot start before the request has gone out.
        let timeout = if transport.is_line() {
            let chars = match transport {
                Transport::Ascii => cmd
                    .len
                    .saturating_add(2)
                    .saturating_mul(2)
                    .saturating_add(3),
                _ => cmd.len.saturating_add(3),
            };
            cmd.timeout.saturating_add(self.options.line.chars(chars))
        } else {
            cmd.timeout
        };
        let tid = match (tcp, cmd.wait) {
            (true, true) => self.matcher.send(&req, cmd.unit, now, timeout).ok(),
            // A broadcast on Modbus/TCP: an id no request outstanding has, not handed out
            // again until the counter comes round, so that an answer to it (a device may take
            // unit 0 for its own address) is nobody's.
            (true, false) => Some(self.matcher.untracked_id()),
            (false, true) => self
                .matcher
                .send_serial(&req, cmd.unit, now, timeout)
                .ok()
                .map(|()| 0),
            // A serial broadcast: no transaction id on the wire.
            (false, false) => Some(0),
        };
        let Some(tid) = tid else {
            // The window is checked before a command is taken, so this does not happen.
            self.callers.deliver(cmd.ticket, Err(Error::Closed));
            return;
        };
        let start = self.wbuf.len();
        match transport {
            Transport::Tcp => {
                let length = u16::try_from(cmd.len.saturating_add(1)).unwrap_or(u16::MAX);
                self.wbuf.extend_from_slice(&tid.to_be_bytes());
                self.wbuf.extend_from_slice(&[0, 0]);
                self.wbuf.extend_from_slice(&length.to_be_bytes());
                self.wbuf.push(cmd.unit);
                self.wbuf.extend_from_slice(pdu);
            }
            Transport::RtuOverTcp | Transport::Rtu => {
                self.wbuf.push(cmd.unit);
                self.wbuf.extend_from_slice(pdu);
                let crc = rtu::crc16(self.wbuf.get(start..).unwrap_or_default());
                self.wbuf.extend_from_slice(&crc.to_le_bytes());
            }
            Transport::Ascii => {
                let mut body: ascii::Scratch = [0; 255];
                let n = cmd.len.saturating_add(1);
                if let Some((first, rest)) = body.split_first_mut() {
                    *first = cmd.unit;
                    rest.iter_mut().zip(pdu).for_each(|(o, &b)| *o = b);
                }
                self.wbuf.resize(start.saturating_add(ascii::MAX_FRAME), 0);
                let out = self.wbuf.get_mut(start..).unwrap_or_default();
                let len = ascii::encode_body(body.get(..n).unwrap_or_default(), out).unwrap_or(0);
                self.wbuf.truncate(start.saturating_add(len));
            }
        }
        let begin = self.appended;
        let len = self.wbuf.len().saturating_sub(start);
        self.appended = begin.saturating_add(u64::try_from(len).unwrap_or(u64::MAX));
        if cmd.wait {
            self.waiting.push(Waiting {
                begin,
                len,
                transaction_id: tcp.then_some(tid),
                unit: cmd.unit,
                timeout: cmd.timeout,
                ticket: cmd.ticket,
            });
        } else {
            self.broadcasts.push((cmd.ticket, begin, len));
        }
    }

    fn take_waiting(&mut self, transaction_id: Option<u16>) -> Option<Waiting> {
        let i = self
            .waiting
            .iter()
            .position(|w| w.transaction_id == transaction_id)?;
        Some(self.waiting.swap_remove(i))
    }

    /// Takes the frame at `begin` (`len` bytes) out of `wbuf` if none of it was written, so
    /// that it never is; a frame written in part stays, or the stream would be out of step.
    fn withdraw(&mut self, begin: u64, len: usize) {
        let Some(at) = begin
            .checked_sub(self.flushed)
            .and_then(|at| usize::try_from(at).ok())
        else {
            return;
        };
        let Some(end) = at.checked_add(len).filter(|&end| end <= self.wbuf.len()) else {
            return;
        };
        self.wbuf.drain(at..end);
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        self.appended = self.appended.saturating_sub(len);
        // The frames after it move up.
        for w in &mut self.waiting {
            if w.begin > begin {
                w.begin = w.begin.saturating_sub(len);
            }
        }
        for (_, b, _) in &mut self.broadcasts {
            if *b > begin {
                *b = b.saturating_sub(len);
            }
        }
    }

    /// The caller with `ticket` gives up: a request of its that was taken but of which
    /// nothing was written is withdrawn (never sent, its slot freed).
    pub(super) fn abandon(&mut self, ticket: u64) {
        if let Some(i) = self.waiting.iter().position(|w| w.ticket == ticket) {
            if let Some(w) = self.waiting.get(i) {
                if w.begin >= self.flushed {
                    let (begin, len, tid) = (w.begin, w.len, w.transaction_id);
                    self.waiting.swap_remove(i);
                    self.matcher.cancel(tid);
                    self.withdraw(begin, len);
                }
            }
        }
        if let Some(i) = self.broadcasts.iter().position(|b| b.0 == ticket) {
            if let Some(&(_, begin, len)) = self.broadcasts.get(i) {
                if begin >= self.flushed {
                    self.broadcasts.remove(i);
                    self.withdraw(begin, len);
                }
            }
        }
    }

    pub(super) fn fail_all(&mut self, e: &Error) {
        // Every slot, whatever its deadline (a timeout of `Duration::MAX` is never overdue).
        self.matcher.clear();
        // A frame of which the stream took no byte was not sent: its caller may send it again.
        let flushed = self.flushed;
        let fail = |callers: &mut Callers, ticket, begin| {
            if begin >= flushed {
                callers.deliver_unsent(ticket);
            } else {
                callers.deliver(ticket, Err(e.clone()));
            }
        };
        for w in self.waiting.drain(..) {
            fail(&mut self.callers, w.ticket, w.begin);
        }
        for (b, begin, len) in self.broadcasts.drain(..) {
            let end = begin.saturating_add(u64::try_from(len).unwrap_or(u64::MAX));
            if end <= flushed {
                // Written whole: a broadcast asks for no more (frames behind it were not).
                self.callers.deliver(b, Ok(None));
            } else {
                fail(&mut self.callers, b, begin);
            }
        }
        self.armed = None;
    }

    fn report(&self, transaction_id: Option<u16>, unit: u8, reason: Mismatch, frame: Bytes) {
        self.counters.unmatched.fetch_add(1, Ordering::Relaxed);
        if let Some(cb) = &self.options.on_unmatched {
            (cb.0)(&Unmatched {
                transaction_id,
                unit,
                reason,
                frame,
            });
        }
    }

    /// Matches one whole frame to its caller.
    fn dispatch(&mut self, frame: Bytes) {
        let (tid, unit, start, end, frame) = match self.options.transport {
            Transport::Tcp => {
                let Ok(h) = tcp::Header::parse(&frame) else {
                    return;
                };
                let len = frame.len();
                (
                    Some(h.transaction_id),
                    h.unit_id,
                    tcp::HEADER_LEN,
                    len,
                    frame,
                )
            }
            Transport::RtuOverTcp | Transport::Rtu => {
                let unit = frame.first().copied().unwrap_or(0);
                let end = frame.len().saturating_sub(2);
                (None, unit, 1, end, frame)
            }
            Transport::Ascii => {
                let mut scratch: ascii::Scratch = [0; 255];
                let Ok(body) = ascii::unhex(&frame, &mut scratch) else {
                    // A bad LRC or digit: line noise, as a bad CRC on RTU.
                    self.report(None, 0, Mismatch::Unexpected, frame);
                    return;
                };
                let unit = body.first().copied().unwrap_or(0);
                let len = body.len();
                (None, unit, 1, len, Bytes::copy_from_slice(body))
            }
        };
        if self.line.orphan.as_ref().is_some_and(|o| o.unit == unit) {
            // The late answer to a request that timed out: nobody's.
            self.line.orphan = None;
            self.report(None, unit, Mismatch::Unexpected, frame);
            return;
        }
        // On a serial line, an answer from another unit is passed over and the timer kept
        // running (Serial Line §2.4.1, the master's "waiting for reply" state).
        if self.options.transport.is_line() {
            if let Some(w) = self.waiting.iter().find(|w| w.unit != unit) {
                let expected = w.unit;
                self.report(
                    None,
                    unit,
                    Mismatch::Unit {
                        expected,
                        got: unit,
                    },
                    frame,
                );
                return;
            }
        }
        let config = self.options.config;
        let pdu = frame.get(start..end).unwrap_or_default();
        // The frame is whole (its length known): a PDU that runs past it is malformed.
        let result = match Response::parse_with(pdu, &config).map_err(crate::list::in_frame) {
            Ok(rsp) => match self.matcher.receive(tid, unit, rsp) {
                Ok(_) => Ok(()),
                Err(m @ (Mismatch::UnknownTransaction { .. } | Mismatch::Unexpected)) => {
                    self.report(tid, unit, m, frame);
                    return;
                }
                Err(m) => Err(Error::Mismatch(m)),
            },
            Err(e) => match self.matcher.cancel(tid) {
                Some(_) => Err(Error::Protocol(e)),
                None => {
                    let m = tid.map_or(Mismatch::Unexpected, |t| Mismatch::UnknownTransaction {
                        transaction_id: t,
                    });
                    self.report(tid, unit, m, frame);
                    return;
                }
            },
        };
        let Some(w) = self.take_waiting(tid) else {
            return;
        };
        let answer = result.map(|()| {
            Some(Reply {
                frame,
                pdu_start: start,
                pdu_end: end,
                unit,
                config,
            })
        });
        self.callers.deliver(w.ticket, answer);
    }

    /// Cuts the next frame from the read buffer: `Ok(true)` if one was handled (or noise
    /// dropped), `Ok(false)` if more bytes are needed.
    fn next_frame(&mut self) -> Result<bool, Exit> {
        if self.rbuf.is_empty()
            || !self.echo.is_empty() && take_echo(&mut self.rbuf, &mut self.echo)
        {
            return Ok(false);
        }
        let config = self.options.config;
        let status = match self.options.transport {
            Transport::Tcp => tcp::Framing::with_config(config).frame_len(&self.rbuf),
            // No silences on TCP: the end of a read stands for one.
            Transport::RtuOverTcp => self.rtu_framing().frame_len_at_read_end(&self.rbuf),
            Transport::Rtu => self.rtu_framing().frame_len(&self.rbuf),
            Transport::Ascii => ascii::Framing::responses().frame_len(&self.rbuf),
        };
        match status {
            // On an RTU line, a frame framed by its CRC is whole only at the silence after it
            // (`frames_at_silence`): its CRC may check a byte early.
            Ok(Status::Complete(_))
                if self.options.transport == Transport::Rtu
                    && self.rtu_framing().framed_by_crc(&self.rbuf) =>
            {
                Ok(false)
            }
            Ok(Status::Complete(n)) if n <= self.rbuf.len() => {
                let frame = self.rbuf.split_to(n).freeze();
                self.dispatch(frame);
                Ok(true)
            }
            Ok(_) => Ok(false),
            Err(e) if e.skip_len() > 0 => {
                let n = e.skip_len().min(self.rbuf.len());
                let noise = self.rbuf.split_to(n).freeze();
                self.report(None, 0, Mismatch::Unexpected, noise);
                Ok(true)
            }
            Err(e) => Err(Exit::Broken(Error::Protocol(e.error))),
        }
    }

    fn rtu_framing(&self) -> rtu::Framing {
        rtu::Framing::responses()
            .with_config(self.options.config)
            .with_unknown(self.options.rtu_unknown)
    }

    /// At a silence on a serial line (a quiet time on RTU over TCP, or before a request goes
    /// out there): the frames the read buffer holds (on RTU, a frame framed by its CRC is all
    /// that was read since the last silence when its CRC checks), then the rest, noise.
    fn frames_at_silence(&mut self) {
        // An echo not read whole by now is not coming (or not as it went out).
        self.echo.clear();
        while !self.rbuf.is_empty() {
            if self.options.transport == Transport::Rtu {
                if let Ok(Status::Complete(n)) = self.rtu_framing().frame_len_at_silence(&self.rbuf)
                {
                    if n <= self.rbuf.len() {
                        let frame = self.rbuf.split_to(n).freeze();
                        self.dispatch(frame);
                        continue;
                    }
                }
            }
            match self.next_frame() {
                Ok(true) => {}
                Ok(false) | Err(_) => self.drop_partial(),
            }
        }
    }

    /// After a silence on a serial line (a quiet time on RTU over TCP): the bytes at the head
    /// of the read buffer that make no whole frame are noise (no more of them will come).
    /// Drops them, reported as noise.
    fn drop_partial(&mut self) {
        if self.rbuf.is_empty() {
            return;
        }
        let skip = match self.options.transport {
            Transport::Ascii => self.rbuf.len(),
            // Up to the first whole frame behind the head that got no more bytes.
            Transport::RtuOverTcp => self.rtu_framing().skip_to_whole_frame(&self.rbuf),
            _ => match self.rtu_framing().frame_len_idle(&self.rbuf) {
                Ok(_) => 0,
                Err(e) => e.skip_len(),
            },
        };
        // Nothing cut (no framing error says how much): all of it is noise.
        let n = if skip == 0 {
            self.rbuf.len()
        } else {
            skip.min(self.rbuf.len())
        };
        let noise = self.rbuf.split_to(n).freeze();
        self.report(None, 0, Mismatch::Unexpected, noise);
    }

    /// Whether the next request may be written now (always on Modbus/TCP). Without transaction
    /// ids, what was read before it goes out cannot answer it: the frames among it are matched
    /// first (a late answer reaches nobody), the rest is dropped as noise, so that no head
    /// left from an earlier request (noise, or an answer cut short) takes the answer to this
    /// one in, to hand on some earlier answer behind it instead.
    fn may_send(&mut self) -> bool {
        if !self.options.transport.is_serial() {
            return true;
        }
        if self.line_free_at().is_none_or(|at| Instant::now() < at) {
            return false;
        }
        self.frames_at_silence();
        true
    }

    /// When a serial line (or RTU over TCP) may take the next frame: once it has been quiet
    /// long enough (on RTU over TCP, the turnaround delay after a broadcast) and no late
    /// answer may come, and never while a frame is still being written (one frame on the line
    /// at a time; a broadcast not yet written holds the next request). `None` then: the
    /// writer's waker, not a clock, says when that changes.
    fn line_free_at(&self) -> Option<Instant> {
        let quiet = self.line.quiet_at;
        self.wbuf.is_empty().then(|| match self.orphan_until() {
            Some(until) => quiet.max(until),
            None => quiet,
        })
    }

    /// When a request still waiting for a slot (or, on a serial line, for a line that never
    /// goes quiet) gives up: its timeout after it was queued, or after the line was last held
    /// for a late answer (that wait is not the request's).
    fn give_up_at(&self, cmd: &Command) -> Instant {
        give_up_at(cmd, self.line.held_until)
    }

    /// Until when a request that timed out holds the line for its late answer.
    fn orphan_until(&self) -> Option<Instant> {
        self.line.orphan.as_ref().and_then(|o| o.until)
    }

    pub(super) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        s: &mut dyn Io,
        queue: &mut VecDeque<Command>,
    ) -> Poll<Exit> {
        let window = self.options.window();
        let on_line = self.options.transport.is_line();
        let serial = self.options.transport.is_serial();
        loop {
            // Read first, so that what came while nobody polled (a close, a late answer) is
            // seen before anything is sent, and the slots it frees are taken at once. On a
            // serial line, any progress may let something else go ahead (the silences depend
            // on what was read and written): go round again. On TCP, only a timer that is due
            // already needs another round: what was freed is taken, what is taken is written.
            let mut progress = false;
            let mut again = false;
            // Read and match.
            loop {
                match self.next_frame() {
                    Ok(true) => {
                        progress = true;
                        continue;
                    }
                    Ok(false) => {}
                    Err(exit) => return Poll::Ready(exit),
                }
                self.rbuf.reserve(1024);
                match poll_read_buf(Pin::new(&mut *s), cx, &mut self.rbuf) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Exit::Broken(Error::Closed)),
                    Poll::Ready(Ok(_)) if serial => {
                        let now = Instant::now();
                        self.line.last_read = now;
                        if on_line {
                            let quiet = instant_after(now, self.options.line.t3_5());
                            self.line.quiet_at = self.line.quiet_at.max(quiet);
                        }
                    }
                    Poll::Ready(Ok(_)) => {}
                    Poll::Ready(Err(e)) => return Poll::Ready(Exit::Broken(e.into())),
                    Poll::Pending => break,
                }
            }
            // Timeouts: the timer is set at the earliest deadline (or before it), so nothing is
            // overdue until it fires.
            if self.armed.is_some() && self.timer.as_mut().poll(cx).is_ready() {
                self.armed = None;
                let now = self.now();
                while let Some(e) = self.matcher.poll_timeout(now) {
                    if let Some(w) = self.take_waiting(e.transaction_id) {
                        let end = w
                            .begin
                            .saturating_add(u64::try_from(w.len).unwrap_or(u64::MAX));
                        if on_line && w.begin < self.flushed && self.flushed < end {
                            // Still going out: its answer may come after the rest.
                            self.line.orphan = Some(Orphan {
                                end,
                                unit: w.unit,
                                timeout: w.timeout,
                                until: None,
                            });
                        } else if self.options.transport.is_serial() && self.flushed >= end {
                            // Out, and unanswered: an answer may still come, late.
                            let until = instant_after(Instant::now(), w.timeout);
                            self.line.held_until = Some(until);
                            self.line.orphan = Some(Orphan {
                                end,
                                unit: w.unit,
                                timeout: w.timeout,
                                until: Some(until),
                            });
                        }
                        // A request timed out before any of it left is not sent later.
                        self.withdraw(w.begin, w.len);
                        self.callers
                            .deliver(w.ticket, Err(Error::Timeout(w.timeout)));
                    }
                }
                progress = true;
            }
            // Take requests while there is room (on a serial line, once it is quiet).
            while !queue.is_empty() && self.matcher.outstanding() < window && self.may_send() {
                let Some(cmd) = queue.pop_front() else {
                    break;
                };
                self.start(cmd);
                progress = true;
            }
            // A request still without a slot once those free are taken (the requests ahead
            // slow, or the caller of one of them gone with a long timeout), or on a serial line
            // without a quiet line, gives up after its own timeout.
            if !queue.is_empty() {
                let now = Instant::now();
                let held = self.line.held_until;
                let callers = &mut self.callers;
                queue.retain(|cmd| {
                    if now < give_up_at(cmd, held) {
                        return true;
                    }
                    callers.deliver(cmd.ticket, Err(Error::Timeout(cmd.timeout)));
                    progress = true;
                    false
                });
            }
            // Write what is queued.
            let mut written = 0;
            while written < self.wbuf.len() {
                let rest = self.wbuf.get(written..).unwrap_or_default();
                match Pin::new(&mut *s).poll_write(cx, rest) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Exit::Broken(Error::Closed)),
                    Poll::Ready(Ok(n)) => {
                        written = written.saturating_add(n);
                        let n = u64::try_from(n).unwrap_or(u64::MAX);
                        self.flushed = self.flushed.saturating_add(n);
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Exit::Broken(e.into())),
                    Poll::Pending => break,
                }
            }
            if written > 0 {
                if on_line && self.options.local_echo {
                    let sent = self.wbuf.get(..written).unwrap_or_default();
                    self.echo.extend(sent.iter().copied());
                    // A line that echoes nothing and answers nothing: keep the latest only.
                    let over = self.echo.len().saturating_sub(ECHO_MAX);
                    self.echo.drain(..over);
                }
                self.wbuf.drain(..written.min(self.wbuf.len()));
                progress = true;
                if !on_line && serial && !self.broadcasts.is_empty() {
                    // RTU over TCP: a serial line behind the gateway, whose servers execute a
                    // broadcast before the next request (Serial Line §2.4.1, turnaround delay).
                    let now = Instant::now();
                    self.line.quiet_at = instant_after(now, self.options.turnaround);
                } else if on_line {
                    // The bytes are on their way: the line is busy while they go out, then
                    // for t3.5, or for the turnaround delay after a broadcast.
                    let after = if self.broadcasts.is_empty() {
                        self.options.line.t3_5()
                    } else {
                        self.options.turnaround
                    };
                    let on_wire = self.options.line.chars(written);
                    let now = Instant::now();
                    self.line.quiet_at = instant_after(now, on_wire.saturating_add(after));
                    let flushed = self.flushed;
                    if let Some(o) = self.line.orphan.as_mut() {
                        if o.until.is_none() && flushed >= o.end {
                            let until = instant_after(now, on_wire.saturating_add(o.timeout));
                            o.until = Some(until);
                            self.line.held_until = Some(until);
                        }
                    }
                }
            }
            if self.wbuf.is_empty() {
                for (b, ..) in self.broadcasts.drain(..) {
                    self.callers.deliver(b, Ok(None));
                }
            }
            match self.matcher.next_deadline() {
                Some(deadline) if self.armed.is_none_or(|armed| armed > deadline) => {
                    // A deadline past a century (a timeout of `Duration::MAX`) never comes.
                    let ms = deadline.as_millis().saturating_add(1).min(CENTURY_MS);
                    if let Some(at) = self.epoch.checked_add(Duration::from_millis(ms)) {
                        self.timer.as_mut().reset(at);
                        self.armed = Some(deadline);
                        // Registers this caller's waker, or fires at once: then loop.
                        again |= self.timer.as_mut().poll(cx).is_ready();
                    }
                }
                // Nothing outstanding: the timer stays set (it fires once, early, and finds
                // nothing overdue), so that the requests of a busy connection, each due after
                // the one before, do not set it again one by one.
                Some(_) | None => {}
            }
            // The requests waiting, and without transaction ids the silences (a quiet time on RTU
            // over TCP): woken when a request gives up, when the line may take one
            // (`may_send`), and when bytes that make no frame have had no more for long enough.
            let mut at = queue.iter().map(|c| self.give_up_at(c)).min();
            let mut woke = false;
            if serial {
                if let Some(give_up) = at {
                    let free = self
                        .line_free_at()
                        .filter(|_| self.matcher.outstanding() < window);
                    at = Some(free.map_or(give_up, |f| f.min(give_up)));
                }
                if !self.rbuf.is_empty() {
                    let idle = instant_after(self.line.last_read, self.options.idle_after());
                    if Instant::now() >= idle {
                        self.frames_at_silence();
                        woke = true;
                    } else {
                        at = Some(at.map_or(idle, |a: Instant| a.min(idle)));
                    }
                }
            }
            woke |= self.line.wake_at(cx, at);
            if on_line {
                progress |= woke;
            } else {
                again |= woke;
            }
            if !(again || on_line && progress) {
                return Poll::Pending;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::pdu::limits::MAX_PDU;

    /// A stream that reads nothing, takes `take` bytes, then fails every write.
    struct Takes {
        take: usize,
    }

    impl tokio::io::AsyncRead for Takes {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            Poll::Pending
        }
    }

    impl tokio::io::AsyncWrite for Takes {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            if self.take == 0 {
                return Poll::Ready(Err(std::io::ErrorKind::BrokenPipe.into()));
            }
            let n = self.take.min(buf.len()).min(5);
            self.take -= n;
            Poll::Ready(Ok(n))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    fn read(ticket: u64, wait: bool) -> Command {
        let mut pdu = [0u8; MAX_PDU];
        let n = Request::ReadHoldingRegisters {
            address: 0,
            quantity: 2,
        }
        .encode(&mut pdu)
        .unwrap();
        Command {
            unit: 1,
            pdu,
            len: n,
            timeout: Duration::from_secs(5),
            wait,
            ticket,
            queued: Instant::now(),
        }
    }

    /// What each caller finds: `Some(true)` unsent, `Some(false)` an error, `None` a
    /// broadcast's answer (written whole).
    fn found(d: &mut Driver, tickets: &[u64]) -> Vec<Option<bool>> {
        tickets
            .iter()
            .map(|&t| match d.callers.poll_answer(t, Waker::noop()) {
                Some(Delivery::Unsent) => Some(true),
                Some(Delivery::Answer(Ok(None))) => None,
                Some(Delivery::Answer(Err(_))) => Some(false),
                Some(Delivery::Answer(a)) => panic!("{a:?}"),
                None => panic!("nothing for {t}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn a_frame_the_stream_took_no_byte_of_is_unsent_when_the_connection_breaks() {
        // Three requests of 12 bytes each on Modbus/TCP, pipelined, and a stream that takes
        // 14 bytes in pieces of 5 before it breaks: the first frame went out, the second in
        // part, the third not at all.
        let options = Options::default().max_in_flight(8);
        let mut d = Driver::new(options, Arc::new(Counters::default()));
        let mut cx = Context::from_waker(Waker::noop());
        let tickets: Vec<u64> = (0..3).map(|_| d.callers.join(Waker::noop())).collect();
        let mut queue: VecDeque<Command> = tickets.iter().map(|&t| read(t, true)).collect();
        let mut s = Takes { take: 14 };
        let Poll::Ready(Exit::Broken(e)) = d.poll(&mut cx, &mut s, &mut queue) else {
            panic!("the stream broke");
        };
        d.fail_all(&e);
        assert_eq!(
            found(&mut d, &tickets),
            [Some(false), Some(false), Some(true)]
        );
        // A broadcast written whole before the break is done; the one behind it, written in
        // part, failed.
        d.reset();
        let (t1, t2) = (d.callers.join(Waker::noop()), d.callers.join(Waker::noop()));
        let mut queue = VecDeque::from([read(t1, false), read(t2, false)]);
        let Poll::Ready(Exit::Broken(e)) = d.poll(&mut cx, &mut Takes { take: 14 }, &mut queue)
        else {
            panic!("the stream broke");
        };
        d.fail_all(&e);
        assert_eq!(found(&mut d, &[t1, t2]), [None, Some(false)]);
        // A new connection starts counting again: a broadcast it takes nothing of is unsent.
        d.reset();
        let t = d.callers.join(Waker::noop());
        let mut queue = VecDeque::from([read(t, false)]);
        let Poll::Ready(Exit::Broken(e)) = d.poll(&mut cx, &mut Takes { take: 0 }, &mut queue)
        else {
            panic!("the stream broke");
        };
        d.fail_all(&e);
        assert_eq!(found(&mut d, &[t]), [Some(true)]);
    }
}
