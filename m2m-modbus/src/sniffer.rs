//! Listening to an RTU bus (Modbus over Serial Line V1.02 §2.5.1) where a master's requests and
//! the servers' responses interleave: each frame is told apart as a request or a response and
//! every response is paired with the request it answers. Sans-IO: feed the bytes as they come.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::time::Duration;

use m2m_core::{Needed, Status, Timestamp};

use crate::client::{Expect, Mismatch};
use crate::error::{Error, FrameError};
use crate::pdu::{Config, Request, Response};
use crate::rtu::{Adu, Framing, UnknownFunctions};

/// One frame seen on the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed<'a> {
    /// A master's request.
    Request(Adu<Request<'a>>),
    /// A server's response, with what it answers: `Ok` with the request's expectation when it
    /// matches, `Err` when it does not (or when no request was outstanding).
    Response {
        /// The response.
        adu: Adu<Response<'a>>,
        /// The pairing.
        answers: Result<Expect, Mismatch>,
    },
}

/// The sniffer's state: the request outstanding on the bus, if any.
#[derive(Debug, Clone, Copy)]
pub struct Sniffer {
    requests: Framing,
    responses: Framing,
    outstanding: Option<Expect>,
    timeout: Duration,
}

impl Default for Sniffer {
    fn default() -> Self {
        Self::new(Config::STRICT)
    }
}

fn frame(r: &Result<Status<usize>, FrameError>) -> Option<usize> {
    match r {
        Ok(Status::Complete(n)) => Some(*n),
        _ => None,
    }
}

impl Sniffer {
    /// A sniffer with the given strictness.
    #[must_use]
    pub const fn new(config: Config) -> Self {
        Sniffer {
            requests: Framing::requests().with_config(config),
            // Masters may send any function code; their answers are framed by CRC.
            responses: Framing::responses()
                .with_config(config)
                .with_unknown(UnknownFunctions::Hunt),
            outstanding: None,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// How long a request waits for its response unless [`Sniffer::with_timeout`] says
    /// otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

    /// The same sniffer, with requests outstanding for `timeout` (the master's response
    /// timeout). Past it, a frame that reads both ways (an echo) is taken as a new request.
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The request waiting for its response.
    #[must_use]
    pub const fn outstanding(&self) -> Option<Expect> {
        self.outstanding
    }

    /// Decodes the frame at the head of `buf` and the bytes it used. `now` stamps requests (for
    /// [`Expect::sent`]). Errors carry the bytes to skip, as for [`crate::rtu::Framing`]; a byte
    /// that could start a frame in either direction is never skipped.
    ///
    /// A frame is reported only when both readings of the bytes (request and response) are
    /// decided, so the answer never depends on how the bytes were chunked. When one reading is
    /// complete and the other still waits for bytes, this waits too; on a live bus, call
    /// [`Sniffer::decode_idle`] once the line has been silent for 3.5 characters (the RTU frame
    /// delimiter, Serial Line §2.5.1.1) to decide with what is there.
    pub fn decode<'a>(
        &mut self,
        buf: &'a [u8],
        now: Timestamp,
    ) -> Result<Status<(Sniffed<'a>, usize)>, FrameError> {
        self.decide(buf, now, false)
    }

    /// Like [`Sniffer::decode`], for a line that has gone idle: a reading still waiting for bytes
    /// is given up, so a complete frame in the other reading is reported now, and bytes that
    /// complete no frame either way are an error ([`Error::Truncated`], skip 1: a shorter frame
    /// may start at the next byte).
    pub fn decode_idle<'a>(
        &mut self,
        buf: &'a [u8],
        now: Timestamp,
    ) -> Result<Status<(Sniffed<'a>, usize)>, FrameError> {
        self.decide(buf, now, true)
    }

    fn decide<'a>(
        &mut self,
        buf: &'a [u8],
        now: Timestamp,
        idle: bool,
    ) -> Result<Status<(Sniffed<'a>, usize)>, FrameError> {
        if buf.is_empty() {
            return Ok(Status::Partial(Needed::Unknown));
        }
        let settle = |r: Result<Status<usize>, FrameError>| match r {
            // The line went silent inside this reading: it can no longer complete. Skip one
            // byte only, since a shorter frame may start just after it.
            Ok(Status::Partial(needed)) if idle => Err(FrameError::skip_by(
                Error::Truncated {
                    offset: buf.len(),
                    needed: needed.size().unwrap_or(1),
                },
                1,
            )),
            other => other,
        };
        // At a silence, a frame that only its CRC frames (Diagnostics 00 00, a function code
        // of the user's) ends there: its CRC may also check a byte early, when its last byte
        // is 0x00.
        // Before the silence, such a frame is not whole yet (its CRC may check a byte early):
        // it waits for `decode_idle`, as a server waits for the silence after a request.
        let len = |f: &Framing| {
            if idle {
                f.frame_len_whole(buf)
            } else {
                match m2m_core::Framing::frame_len(f, buf) {
                    Ok(Status::Complete(_)) if f.framed_by_crc(buf) => {
                        Ok(Status::Partial(Needed::Unknown))
                    }
                    other => other,
                }
            }
        };
        let as_req = settle(len(&self.requests));
        let as_rsp = settle(len(&self.responses));
        let waiting = |r: &Result<Status<usize>, FrameError>| matches!(r, Ok(Status::Partial(_)));
        match (frame(&as_req), frame(&as_rsp)) {
            (Some(_), Some(_)) => {
                // The same bytes read both ways (the echo functions, FC05/06/08/0F/10): a
                // response only if it answers the request outstanding, before its deadline.
                if let Some(e) = self.outstanding.filter(|e| !e.is_overdue(now)) {
                    if let Ok(Status::Complete((adu, n))) =
                        decode::<Response<'a>>(&self.responses, buf, idle)
                    {
                        if e.check(adu.address, adu.pdu.clone()).is_ok() {
                            self.outstanding = None;
                            let answers = Ok(e);
                            return Ok(Status::Complete((Sniffed::Response { adu, answers }, n)));
                        }
                    }
                }
                self.request(buf, now, idle)
            }
            (None, Some(_)) if !waiting(&as_req) => self.response(buf, now, idle),
            (Some(_), None) if !waiting(&as_rsp) => self.request(buf, now, idle),
            _ => match (as_req, as_rsp) {
                (Err(a), Err(b)) => Err(if a.skip_len() <= b.skip_len() { a } else { b }),
                (Ok(Status::Partial(a)), Ok(Status::Partial(b))) => {
                    Ok(Status::Partial(match (a.size(), b.size()) {
                        (Some(x), Some(y)) => Needed::new(x.min(y)),
                        _ => Needed::Unknown,
                    }))
                }
                (Ok(Status::Partial(n)), _) | (_, Ok(Status::Partial(n))) => Ok(Status::Partial(n)),
                (Ok(Status::Complete(_)), _) | (_, Ok(Status::Complete(_))) => {
                    Ok(Status::Partial(Needed::Unknown))
                }
            },
        }
    }

    /// The head of `buf` as a response, paired with the request outstanding (if any).
    fn response<'a>(
        &mut self,
        buf: &'a [u8],
        now: Timestamp,
        idle: bool,
    ) -> Result<Status<(Sniffed<'a>, usize)>, FrameError> {
        match decode::<Response<'a>>(&self.responses, buf, idle)? {
            Status::Complete((adu, n)) => {
                // A request past its deadline waits for nothing any more: what comes after
                // it answers nobody (the master has moved on or tries again).
                let answers = match self.outstanding.take().filter(|e| !e.is_overdue(now)) {
                    Some(e) => e.check(adu.address, adu.pdu.clone()).map(|_| e),
                    None => Err(Mismatch::Unexpected),
                };
                Ok(Status::Complete((Sniffed::Response { adu, answers }, n)))
            }
            Status::Partial(n) => Ok(Status::Partial(n)),
        }
    }

    /// The head of `buf` as a request, which replaces any request left unanswered.
    fn request<'a>(
        &mut self,
        buf: &'a [u8],
        now: Timestamp,
        idle: bool,
    ) -> Result<Status<(Sniffed<'a>, usize)>, FrameError> {
        // A frame whose CRC checks but that is no valid request (a quantity out of range) is
        // still the master's new request: the one before is answered no more (the exception
        // that follows is not its answer).
        let decoded = decode::<Request<'a>>(&self.requests, buf, idle);
        if decoded.is_err() {
            self.outstanding = None;
        }
        match decoded? {
            Status::Complete((adu, n)) => {
                // Broadcasts get no answer; anything else is now outstanding.
                self.outstanding = adu
                    .expects_response()
                    .then(|| Expect::new(&adu.pdu, adu.address, None, now, self.timeout));
                Ok(Status::Complete((Sniffed::Request(adu), n)))
            }
            Status::Partial(n) => Ok(Status::Partial(n)),
        }
    }
}

/// [`Framing::decode`], or at a silence [`Framing::decode_at_silence`].
fn decode<'a, P: crate::pdu::Pdu<'a>>(
    framing: &Framing,
    buf: &'a [u8],
    idle: bool,
) -> Result<Status<(Adu<P>, usize)>, FrameError> {
    if idle {
        framing.decode_at_silence(buf)
    } else {
        framing.decode(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Registers;
    use crate::rtu;
    use std::vec::Vec;

    fn rtu_bytes(address: u8, pdu: &[u8]) -> Vec<u8> {
        let mut f = std::vec![address];
        f.extend_from_slice(pdu);
        let crc = rtu::crc16(&f);
        f.extend_from_slice(&crc.to_le_bytes());
        f
    }

    /// Reads a whole bus capture, going idle at its end, with each frame stamped `at(i)` for
    /// the i-th call; `(kind, address, function, paired)` per frame.
    fn sniff(
        bus: &[u8],
        mut s: Sniffer,
        at: impl Fn(u64) -> Timestamp,
    ) -> Vec<(char, u8, u8, bool)> {
        let mut rest = bus;
        let mut out = Vec::new();
        let mut calls = 0;
        let mut idle = false;
        while !rest.is_empty() {
            let now = at(calls);
            calls = calls.saturating_add(1);
            let r = if idle {
                s.decode_idle(rest, now)
            } else {
                s.decode(rest, now)
            };
            match r {
                Ok(Status::Complete((Sniffed::Request(a), n))) => {
                    // For a request: whether it waits for an answer (not a broadcast).
                    out.push((
                        'q',
                        a.address,
                        a.pdu.function().value(),
                        a.expects_response(),
                    ));
                    rest = &rest[n..];
                }
                Ok(Status::Complete((Sniffed::Response { adu, answers }, n))) => {
                    out.push((
                        'r',
                        adu.address,
                        adu.pdu.function().value(),
                        answers.is_ok(),
                    ));
                    rest = &rest[n..];
                }
                Ok(Status::Partial(_)) if !idle => idle = true,
                Ok(Status::Partial(_)) => panic!("partial while idle"),
                Err(e) => rest = &rest[e.skip_len()..],
            }
        }
        out
    }

    #[test]
    fn an_echo_answers_only_the_request_it_matches() {
        let mut bus = Vec::new();
        // FC06 to unit 1, unanswered; then FC06 to unit 2 and its echo.
        bus.extend(rtu_bytes(0x01, &[0x06, 0x00, 0x01, 0x00, 0x03]));
        bus.extend(rtu_bytes(0x02, &[0x06, 0x00, 0x02, 0x00, 0x04]));
        bus.extend(rtu_bytes(0x02, &[0x06, 0x00, 0x02, 0x00, 0x04]));
        // A broadcast write after a request: no server answers address 0.
        bus.extend(rtu_bytes(0x03, &[0x06, 0x00, 0x01, 0x00, 0x07]));
        bus.extend(rtu_bytes(0x00, &[0x06, 0x00, 0x01, 0x00, 0x07]));
        // FC05 to unit 4 and its echo.
        bus.extend(rtu_bytes(0x04, &[0x05, 0x00, 0xAC, 0xFF, 0x00]));
        bus.extend(rtu_bytes(0x04, &[0x05, 0x00, 0xAC, 0xFF, 0x00]));
        let t = |_| Timestamp::EPOCH;
        assert_eq!(
            sniff(&bus, Sniffer::default(), t),
            [
                ('q', 1, 6, true),
                ('q', 2, 6, true),
                ('r', 2, 6, true),
                ('q', 3, 6, true),
                ('q', 0, 6, false),
                ('q', 4, 5, true),
                ('r', 4, 5, true),
            ]
        );
    }

    #[test]
    fn a_frame_framed_by_its_crc_ends_at_the_silence() {
        // Diagnostics 00 00 (Return Query Data) of data 00 1B: CRC A0 00. Its CRC also checks
        // a byte early (a trailing 0x00 keeps it at zero); at the silence after it, the whole
        // frame is the request, and its echo the answer.
        let frame = [0x01, 0x08, 0x00, 0x00, 0x00, 0x1b, 0xa0, 0x00];
        assert_eq!(rtu::crc16(&frame), 0);
        let mut s = Sniffer::default();
        // Before the silence it is not whole yet: no 7-byte request.
        assert!(s.decode(&frame, Timestamp::EPOCH).unwrap().is_partial());
        let Ok(Status::Complete((Sniffed::Request(a), n))) =
            s.decode_idle(&frame, Timestamp::EPOCH)
        else {
            panic!("a request");
        };
        assert_eq!((n, a.pdu.function().value()), (8, 8));
        let Ok(Status::Complete((Sniffed::Response { adu, answers }, n))) =
            s.decode_idle(&frame, Timestamp::EPOCH)
        else {
            panic!("its echo");
        };
        assert_eq!((n, adu.address), (8, 1));
        assert!(answers.is_ok());
    }

    #[test]
    fn an_invalid_request_ends_the_one_before_and_a_late_answer_pairs_with_nothing() {
        // FC03 of 3 registers to unit 1, unanswered; FC03 of 126 registers (out of range,
        // CRC right) to unit 1, then the server's exception 03: it answers the invalid
        // request, not the first.
        let mut bus = Vec::new();
        bus.extend(rtu_bytes(0x01, &[0x03, 0x00, 0x00, 0x00, 0x03]));
        bus.extend(rtu_bytes(0x01, &[0x03, 0x00, 0x00, 0x00, 0x7e]));
        bus.extend(rtu_bytes(0x01, &[0x83, 0x03]));
        let t = |_| Timestamp::EPOCH;
        assert_eq!(
            sniff(&bus, Sniffer::default(), t),
            [('q', 1, 3, true), ('r', 1, 3, false)]
        );
        // An answer after the request's deadline pairs with nothing.
        let mut bus = rtu_bytes(0x01, &[0x03, 0x00, 0x00, 0x00, 0x01]);
        bus.extend(rtu_bytes(0x01, &[0x03, 0x02, 0x00, 0x07]));
        let s = Sniffer::default().with_timeout(Duration::from_millis(100));
        let slow = |i: u64| Timestamp::from_millis(1_000 + 200 * i);
        assert_eq!(
            sniff(&bus, s, slow),
            [('q', 1, 3, true), ('r', 1, 3, false)]
        );
        let fast = |i: u64| Timestamp::from_millis(1_000 + 10 * i);
        assert_eq!(sniff(&bus, s, fast), [('q', 1, 3, true), ('r', 1, 3, true)]);
    }

    #[test]
    fn an_echo_after_the_timeout_is_a_retry() {
        // The master repeats an unanswered FC06 after its timeout; then the server answers.
        let frame = rtu_bytes(0x01, &[0x06, 0x00, 0x01, 0x00, 0x03]);
        let bus = [frame.clone(), frame.clone(), frame].concat();
        let s = Sniffer::default().with_timeout(Duration::from_millis(100));
        // Calls 200 ms apart: the second frame comes after the first request's deadline.
        let slow = |i: u64| Timestamp::from_millis(1_000 + 200 * i);
        assert_eq!(
            sniff(&bus, s, slow),
            [('q', 1, 6, true), ('q', 1, 6, true), ('q', 1, 6, true)]
        );
        // 10 ms apart: request, its echo, then a new request.
        let fast = |i: u64| Timestamp::from_millis(1_000 + 10 * i);
        assert_eq!(
            sniff(&bus, s, fast),
            [('q', 1, 6, true), ('r', 1, 6, true), ('q', 1, 6, true)]
        );
    }

    #[test]
    fn an_idle_line_gives_up_a_truncated_frame() {
        // A request cut short by silence, then a whole one.
        let whole = rtu_bytes(0x11, &[0x03, 0x00, 0x6b, 0x00, 0x03]);
        let cut = &whole[..4];
        let mut s = Sniffer::default();
        assert!(s.decode(cut, Timestamp::EPOCH).unwrap().is_partial());
        let e = s.decode_idle(cut, Timestamp::EPOCH).unwrap_err();
        assert_eq!(e.skip_len(), 1);
        assert!(matches!(e.error, Error::Truncated { .. }));
        // The bytes of the cut frame are skipped one by one, then the next frame is read.
        let bus = [cut, &whole[..]].concat();
        let mut rest = &bus[..];
        loop {
            match s.decode_idle(rest, Timestamp::EPOCH) {
                Err(e) => rest = &rest[e.skip_len()..],
                Ok(Status::Complete((Sniffed::Request(a), n))) => {
                    assert_eq!(n, whole.len());
                    assert_eq!(&rest[..n], &whole[..]);
                    assert_eq!(a.address, 0x11);
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            s.decode_idle(&[], Timestamp::EPOCH),
            Ok(Status::Partial(Needed::Unknown))
        );
    }

    #[test]
    fn pairs_interleaved_traffic_through_noise() {
        let mut bus = Vec::new();
        bus.extend(rtu_bytes(0x11, &[0x03, 0x00, 0x6b, 0x00, 0x03]));
        bus.extend(rtu_bytes(
            0x11,
            &[0x03, 0x06, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64],
        ));
        bus.extend([0xff, 0xfe]); // noise
        // FC06: request and response are the same bytes; the bus state tells them apart.
        bus.extend(rtu_bytes(0x05, &[0x06, 0x00, 0x01, 0x00, 0x03]));
        bus.extend(rtu_bytes(0x05, &[0x06, 0x00, 0x01, 0x00, 0x03]));
        // A request left unanswered (timeout), then another one and its exception.
        bus.extend(rtu_bytes(0x07, &[0x01, 0x00, 0x00, 0x00, 0x08]));
        bus.extend(rtu_bytes(0x07, &[0x04, 0x00, 0x00, 0x00, 0x01]));
        bus.extend(rtu_bytes(0x07, &[0x84, 0x02]));

        let mut s = Sniffer::default();
        let mut rest = &bus[..];
        let mut seen = Vec::new();
        // The bus goes idle after the last frame: decide what is left with `decode_idle`.
        let mut idle = false;
        while !rest.is_empty() {
            let r = if idle {
                s.decode_idle(rest, Timestamp::EPOCH)
            } else {
                s.decode(rest, Timestamp::EPOCH)
            };
            match r {
                Ok(Status::Complete((item, n))) => {
                    seen.push(item);
                    rest = &rest[n..];
                }
                Ok(Status::Partial(_)) if !idle => idle = true,
                Ok(Status::Partial(_)) => break,
                Err(e) => rest = &rest[e.skip_len()..],
            }
        }
        let kinds: Vec<_> = seen
            .iter()
            .map(|s| match s {
                Sniffed::Request(a) => ('q', a.pdu.function().value(), a.expects_response()),
                Sniffed::Response { adu, answers } => {
                    ('r', adu.pdu.function().value(), answers.is_ok())
                }
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ('q', 3, true),
                ('r', 3, true),
                ('q', 6, true),
                ('r', 6, true),
                ('q', 1, true),
                // FC04 after an unanswered FC01: as a response its byte count (0) gives a
                // 5-byte frame whose CRC fails, so it can only be the next request.
                ('q', 4, true),
                ('r', 4, true),
            ]
        );
        let Sniffed::Response { adu, .. } = &seen[1] else {
            panic!()
        };
        assert_eq!(
            adu.pdu,
            Response::ReadHoldingRegisters {
                registers: Registers::from(&[555, 0, 100])
            }
        );
    }
}
