//! Listening to an RTU bus (Modbus over Serial Line V1.02 §2.5.1) where a master's requests and
//! the servers' responses interleave: each frame is told apart as a request or a response and
//! every response is paired with the request it answers. Sans-IO: feed the bytes as they come.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::time::Duration;

use m2m_core::{Framing as _, Needed, Status, Timestamp};

use crate::client::{Expect, Mismatch};
use crate::error::FrameError;
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
        }
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
    /// is given up, so a complete frame in the other reading is reported now.
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
        let as_req = self.requests.frame_len(buf);
        let as_rsp = self.responses.frame_len(buf);
        let waiting =
            |r: &Result<Status<usize>, FrameError>| !idle && matches!(r, Ok(Status::Partial(_)));
        let pick_response = match (frame(&as_req), frame(&as_rsp)) {
            (Some(_), Some(_)) => self.outstanding.is_some(),
            (None, Some(_)) if !waiting(&as_req) => true,
            (Some(_), None) if !waiting(&as_rsp) => false,
            (Some(_) | None, Some(_) | None) => {
                return match (as_req, as_rsp) {
                    (Err(a), Err(b)) => Err(if a.skip_len() <= b.skip_len() { a } else { b }),
                    (Ok(Status::Partial(a)), Ok(Status::Partial(b))) => {
                        Ok(Status::Partial(match (a.size(), b.size()) {
                            (Some(x), Some(y)) => Needed::new(x.min(y)),
                            _ => Needed::Unknown,
                        }))
                    }
                    (Ok(Status::Partial(n)), _) | (_, Ok(Status::Partial(n))) => {
                        Ok(Status::Partial(n))
                    }
                    (Ok(Status::Complete(_)), _) | (_, Ok(Status::Complete(_))) => {
                        Ok(Status::Partial(Needed::Unknown))
                    }
                };
            }
        };
        if pick_response {
            match self.responses.decode::<Response<'a>>(buf)? {
                Status::Complete((adu, n)) => {
                    let answers = match self.outstanding.take() {
                        Some(e) => e.check(adu.address, adu.pdu.clone()).map(|_| e),
                        None => Err(Mismatch::Unexpected),
                    };
                    Ok(Status::Complete((Sniffed::Response { adu, answers }, n)))
                }
                Status::Partial(n) => Ok(Status::Partial(n)),
            }
        } else {
            match self.requests.decode::<Request<'a>>(buf)? {
                Status::Complete((adu, n)) => {
                    // Broadcasts get no answer; anything else is now outstanding.
                    self.outstanding = adu.expects_response().then(|| {
                        Expect::new(&adu.pdu, adu.address, None, now, Duration::from_secs(1))
                    });
                    Ok(Status::Complete((Sniffed::Request(adu), n)))
                }
                Status::Partial(n) => Ok(Status::Partial(n)),
            }
        }
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
                Sniffed::Request(a) => ('q', a.pdu.function().value(), true),
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
