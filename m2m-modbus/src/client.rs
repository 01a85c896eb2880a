//! Sans-IO transaction matching for a client (Application Protocol §4.1, Implementation Guide
//! §4.2): every response is checked against the request it answers, and overdue requests are
//! reported from a `now` argument. No clock, socket or allocation.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::time::Duration;

use m2m_core::{ErrorKind, ProtocolError, Timestamp};

use crate::function::ExceptionCode;
use crate::pdu::{Request, Response};

/// What a response must look like to answer a given request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Expect {
    /// Transaction id (Modbus/TCP, UDP); `None` on serial lines.
    pub transaction_id: Option<u16>,
    /// Unit id or serial address.
    pub unit: u8,
    /// Function code of the request.
    pub function: u8,
    shape: Shape,
    /// When the request was sent.
    pub sent: Timestamp,
    /// When it is overdue.
    pub deadline: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Shape {
    Bits(u16),
    Registers(u16),
    SingleCoil(u16, bool),
    SingleRegister(u16, u16),
    Written(u16, u16),
    Mask(u16, u16, u16),
    Diagnostics(u16),
    DeviceId(u8),
    /// FC20: how many groups, and a digest of their record lengths in order.
    FileRead(usize, Option<(usize, u16)>),
    Mei(u8),
    /// A response that echoes the request PDU (FC21): its length and CRC-16.
    Echoed(usize, u16),
    Any,
}

/// The record lengths in order, as the one fingerprint an `Expect` keeps (no list): their
/// count and the CRC-16 of their big-endian bytes ([`fingerprint`]).
fn lengths(lens: impl Iterator<Item = u16>) -> Option<(usize, u16)> {
    fingerprint(|out| {
        let mut n = 0usize;
        for l in lens {
            let end = n.checked_add(2)?;
            out.get_mut(n..end)?.copy_from_slice(&l.to_be_bytes());
            n = end;
        }
        Some(n)
    })
}

/// The length and CRC-16 of `msg` encoded: what an echo must match (the request itself is
/// not kept, so that an `Expect` stays small and borrows nothing).
fn fingerprint(encode: impl FnOnce(&mut [u8]) -> Option<usize>) -> Option<(usize, u16)> {
    let mut pdu = [0u8; crate::pdu::limits::MAX_PDU];
    let n = encode(&mut pdu)?;
    Some((n, crate::rtu::crc16(pdu.get(..n)?)))
}

/// Why a response does not answer its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Mismatch {
    /// No outstanding request has this transaction id (late, duplicated or foreign).
    #[error("no request outstanding with transaction id {transaction_id}")]
    UnknownTransaction {
        /// The id in the response.
        transaction_id: u16,
    },
    /// No request is outstanding (serial line).
    #[error("no request outstanding")]
    Unexpected,
    /// Another unit answered.
    #[error("unit {got} answered a request to unit {expected}")]
    Unit {
        /// Unit of the request.
        expected: u8,
        /// Unit of the response.
        got: u8,
    },
    /// Another function code.
    #[error("function 0x{got:02X} answered a request for 0x{expected:02X}")]
    Function {
        /// Function of the request.
        expected: u8,
        /// Function of the response.
        got: u8,
    },
    /// Not the number of items asked for.
    #[error("{got} items returned, {expected} asked for")]
    Quantity {
        /// Asked for.
        expected: usize,
        /// Returned.
        got: usize,
    },
    /// An echoed field differs from the request.
    #[error("the echoed {field} differs from the request")]
    Echo {
        /// Which field.
        field: &'static str,
    },
}

impl ProtocolError for Mismatch {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Malformed
    }
}

impl Expect {
    /// What must answer `req`, sent to `unit` (with `transaction_id` on TCP/UDP) at `now`, and
    /// overdue after `timeout`.
    #[must_use]
    pub fn new(
        req: &Request<'_>,
        unit: u8,
        transaction_id: Option<u16>,
        now: Timestamp,
        timeout: Duration,
    ) -> Self {
        let shape = match req {
            Request::ReadCoils { quantity, .. } | Request::ReadDiscreteInputs { quantity, .. } => {
                Shape::Bits(*quantity)
            }
            Request::ReadHoldingRegisters { quantity, .. }
            | Request::ReadInputRegisters { quantity, .. }
            | Request::ReadWriteMultipleRegisters {
                read_quantity: quantity,
                ..
            } => Shape::Registers(*quantity),
            Request::WriteSingleCoil { address, value } => Shape::SingleCoil(*address, *value),
            Request::WriteSingleRegister { address, value } => {
                Shape::SingleRegister(*address, *value)
            }
            Request::WriteMultipleCoils { address, coils } => {
                Shape::Written(*address, u16::try_from(coils.len()).unwrap_or(u16::MAX))
            }
            Request::WriteMultipleRegisters { address, registers } => {
                Shape::Written(*address, u16::try_from(registers.len()).unwrap_or(u16::MAX))
            }
            Request::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            } => Shape::Mask(*address, *and_mask, *or_mask),
            Request::Diagnostics { sub_function, .. } => Shape::Diagnostics(*sub_function),
            Request::ReadDeviceIdentification { read_code, .. } => Shape::DeviceId(*read_code),
            Request::ReadFileRecord { records } => Shape::FileRead(
                records.len(),
                lengths(records.iter().map(|r| r.record_length)),
            ),
            Request::EncapsulatedInterface { mei_type, .. } => Shape::Mei(*mei_type),
            // §6.15: the normal response is an echo of the request.
            Request::WriteFileRecord { .. } => fingerprint(|out| req.encode(out).ok())
                .map_or(Shape::Any, |(n, crc)| Shape::Echoed(n, crc)),
            _ => Shape::Any,
        };
        Expect {
            transaction_id,
            unit,
            function: req.function().value(),
            shape,
            sent: now,
            deadline: now
                .checked_add(timeout)
                .unwrap_or(Timestamp::from_millis(u64::MAX)),
        }
    }

    /// `true` once `now` has passed the deadline.
    #[must_use]
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        now > self.deadline
    }

    /// Checks `rsp` from `unit` against the request. An exception response for the right
    /// function is a valid answer; coil and input responses are returned cut to the quantity
    /// asked for.
    pub fn check<'a>(&self, unit: u8, rsp: Response<'a>) -> Result<Response<'a>, Mismatch> {
        if unit != self.unit {
            return Err(Mismatch::Unit {
                expected: self.unit,
                got: unit,
            });
        }
        let got = rsp.function().value();
        // Function byte 0x80 (pymodbus' way to report some errors) decodes, under
        // `allow_exception_fc_0x80` only, as an exception to function 0: it answers whatever
        // request is outstanding.
        let exception_fc_0x80 = matches!(
            rsp,
            Response::Exception {
                function_code: 0,
                ..
            }
        );
        if got != self.function && !exception_fc_0x80 {
            return Err(Mismatch::Function {
                expected: self.function,
                got,
            });
        }
        if rsp.is_exception() {
            return Ok(rsp);
        }
        let quantity = |expected: usize, got: usize| {
            if expected == got {
                Ok(())
            } else {
                Err(Mismatch::Quantity { expected, got })
            }
        };
        let echo = |ok: bool, field: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(Mismatch::Echo { field })
            }
        };
        match (&self.shape, &rsp) {
            (
                Shape::Bits(q),
                Response::ReadCoils { coils: b } | Response::ReadDiscreteInputs { inputs: b },
            ) => {
                let got = b.len();
                return rsp.for_quantity(*q).map_err(|_| Mismatch::Quantity {
                    expected: usize::from(*q),
                    got,
                });
            }
            (
                Shape::Registers(q),
                Response::ReadHoldingRegisters { registers }
                | Response::ReadInputRegisters { registers }
                | Response::ReadWriteMultipleRegisters { registers },
            ) => quantity(usize::from(*q), registers.len())?,
            (Shape::SingleCoil(a, v), Response::WriteSingleCoil { address, value }) => {
                echo(a == address, "address")?;
                echo(v == value, "value")?;
            }
            (Shape::SingleRegister(a, v), Response::WriteSingleRegister { address, value }) => {
                echo(a == address, "address")?;
                echo(v == value, "value")?;
            }
            (
                Shape::Written(a, q),
                Response::WriteMultipleCoils {
                    address,
                    quantity: n,
                }
                | Response::WriteMultipleRegisters {
                    address,
                    quantity: n,
                },
            ) => {
                echo(a == address, "address")?;
                echo(q == n, "quantity")?;
            }
            (
                Shape::Mask(a, am, om),
                Response::MaskWriteRegister {
                    address,
                    and_mask,
                    or_mask,
                },
            ) => {
                echo(a == address, "address")?;
                echo(am == and_mask && om == or_mask, "masks")?;
            }
            (Shape::Diagnostics(s), Response::Diagnostics { sub_function, .. }) => {
                echo(s == sub_function, "sub-function")?;
            }
            (Shape::DeviceId(c), Response::ReadDeviceIdentification { read_code, .. }) => {
                echo(c == read_code, "read device id code")?;
            }
            (Shape::FileRead(n, lens), Response::ReadFileRecord { records }) => {
                quantity(*n, records.len())?;
                // §6.14: each group answers its sub-request, with as many registers.
                let got = records
                    .iter()
                    .map(|r| u16::try_from(r.registers.len()).unwrap_or(u16::MAX));
                echo(lengths(got) == *lens, "record lengths")?;
            }
            (Shape::Mei(m), Response::EncapsulatedInterface { mei_type, .. }) => {
                echo(m == mei_type, "MEI type")?;
            }
            (Shape::Echoed(n, crc), Response::WriteFileRecord { .. }) => {
                let got = fingerprint(|out| rsp.encode(out).ok());
                echo(got == Some((*n, *crc)), "file records")?;
            }
            (Shape::Any, _) => {}
            _ => {
                return Err(Mismatch::Function {
                    expected: self.function,
                    got,
                });
            }
        }
        Ok(rsp)
    }
}

/// Outstanding requests of a client, up to `N` at once (pipelining on Modbus/TCP; `N = 1` on a
/// serial line, where one request is outstanding at a time).
#[derive(Debug, Clone)]
pub struct Matcher<const N: usize> {
    slots: [Option<Expect>; N],
    /// Slots in use (kept with the slots, so that a caller polling an idle matcher pays
    /// nothing for `N`).
    used: usize,
    next_tid: u16,
}

impl<const N: usize> Default for Matcher<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a request could not be registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[error("all {capacity} request slots are in use")]
pub struct Busy {
    /// Slots in the matcher.
    pub capacity: usize,
}

impl ProtocolError for Busy {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Capacity
    }
}

impl<const N: usize> Matcher<N> {
    /// An empty matcher.
    #[must_use]
    pub const fn new() -> Self {
        Matcher {
            slots: [None; N],
            used: 0,
            next_tid: 1,
        }
    }

    /// Requests outstanding.
    #[must_use]
    pub fn outstanding(&self) -> usize {
        self.used
    }

    /// Takes the first request that `pred` picks, freeing its slot.
    fn take_where(&mut self, pred: impl Fn(&Expect) -> bool) -> Option<Expect> {
        if self.used == 0 {
            return None;
        }
        let e = self
            .slots
            .iter_mut()
            .find(|s| s.as_ref().is_some_and(&pred))
            .and_then(Option::take)?;
        self.used = self.used.saturating_sub(1);
        Some(e)
    }

    /// Registers a TCP/UDP request and returns the transaction id to send it with.
    pub fn send(
        &mut self,
        req: &Request<'_>,
        unit: u8,
        now: Timestamp,
        timeout: Duration,
    ) -> Result<u16, Busy> {
        if self.used >= N {
            return Err(Busy { capacity: N });
        }
        let i = self
            .slots
            .iter()
            .position(Option::is_none)
            .ok_or(Busy { capacity: N })?;
        let tid = self.free_id();
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = Some(Expect::new(req, unit, Some(tid), now, timeout));
            self.used = self.used.saturating_add(1);
        }
        Ok(tid)
    }

    /// A transaction id for a request whose answer nobody waits for (a broadcast on
    /// Modbus/TCP, where a device may take unit 0 for its own address and answer): one that no
    /// outstanding request has, and that [`Matcher::send`] hands out again only once the
    /// counter has come round, so an answer to it is [`Mismatch::UnknownTransaction`], never
    /// another request's.
    pub fn untracked_id(&mut self) -> u16 {
        self.free_id()
    }

    /// The next id of the counter that no outstanding request has; the counter moves past it.
    /// An id still outstanding (a request not yet timed out when the counter came round) is
    /// passed over: each answer pairs with one request (TCP Implementation Guide §3.1.3). At
    /// most N are, so the search ends.
    fn free_id(&mut self) -> u16 {
        let mut tid = self.next_tid;
        while self
            .slots
            .iter()
            .flatten()
            .any(|e| e.transaction_id == Some(tid))
        {
            tid = tid.wrapping_add(1);
        }
        self.next_tid = tid.wrapping_add(1);
        tid
    }

    /// Registers a serial-line request (no transaction id).
    pub fn send_serial(
        &mut self,
        req: &Request<'_>,
        address: u8,
        now: Timestamp,
        timeout: Duration,
    ) -> Result<(), Busy> {
        let slot = self
            .slots
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(Busy { capacity: N })?;
        *slot = Some(Expect::new(req, address, None, now, timeout));
        self.used = self.used.saturating_add(1);
        Ok(())
    }

    /// Matches a response (with its transaction id on TCP/UDP, `None` on serial lines) to its
    /// request, checks it, and frees the slot. A mismatch on a known transaction also frees it:
    /// that request has been answered, wrongly.
    pub fn receive<'a>(
        &mut self,
        transaction_id: Option<u16>,
        unit: u8,
        rsp: Response<'a>,
    ) -> Result<(Expect, Response<'a>), Mismatch> {
        let expect = self
            .take_where(|e| e.transaction_id == transaction_id)
            .ok_or(match transaction_id {
                Some(t) => Mismatch::UnknownTransaction { transaction_id: t },
                None => Mismatch::Unexpected,
            })?;
        expect.check(unit, rsp).map(|r| (expect, r))
    }

    /// Forgets the request with `transaction_id` (`None` on serial lines), answered by a frame
    /// that did not decode or abandoned with its connection, and returns it.
    pub fn cancel(&mut self, transaction_id: Option<u16>) -> Option<Expect> {
        self.take_where(|e| e.transaction_id == transaction_id)
    }

    /// Forgets every outstanding request (their connection is gone); how many there were.
    pub fn clear(&mut self) -> usize {
        let n = self.used;
        self.slots = [None; N];
        self.used = 0;
        n
    }

    /// Removes and returns one overdue request, if any (call until `None`).
    pub fn poll_timeout(&mut self, now: Timestamp) -> Option<Expect> {
        self.take_where(|e| e.is_overdue(now))
    }

    /// The earliest deadline among outstanding requests, to arm a timer.
    #[must_use]
    pub fn next_deadline(&self) -> Option<Timestamp> {
        if self.used == 0 {
            return None;
        }
        self.slots.iter().flatten().map(|e| e.deadline).min()
    }
}

/// The exception code of an exception response, if it is one.
#[must_use]
pub fn exception(rsp: &Response<'_>) -> Option<ExceptionCode> {
    match rsp {
        Response::Exception { exception, .. } => Some(*exception),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Bits, Registers};
    use crate::pdu::Config;

    const T0: Timestamp = Timestamp::from_millis(1_000);
    const TIMEOUT: Duration = Duration::from_millis(500);

    #[test]
    fn transaction_ids_still_outstanding_are_passed_over() {
        let mut m = Matcher::<4>::new();
        let req = Request::ReadHoldingRegisters {
            address: 0,
            quantity: 1,
        };
        // Tid 1 waits while the counter goes round (each other request answered at once).
        let first = m.send(&req, 1, T0, TIMEOUT).unwrap();
        for _ in 0..u16::MAX {
            let tid = m.send(&req, 1, T0, TIMEOUT).unwrap();
            assert_ne!(tid, first);
            m.cancel(Some(tid)).unwrap();
        }
        // The counter is back at 1, which is taken: the next id is 2.
        assert_eq!(m.send(&req, 1, T0, TIMEOUT).unwrap(), first.wrapping_add(1));
        assert_eq!(m.outstanding(), 2);
        // Clearing forgets them all, whatever their deadlines.
        assert_eq!(m.clear(), 2);
        assert_eq!(m.outstanding(), 0);
        assert_eq!(m.next_deadline(), None);
    }

    #[test]
    fn an_untracked_id_is_no_outstanding_one_and_not_handed_out_next() {
        let mut m = Matcher::<4>::new();
        let req = Request::ReadHoldingRegisters {
            address: 0,
            quantity: 1,
        };
        let sent = m.send(&req, 1, T0, TIMEOUT).unwrap();
        let untracked = m.untracked_id();
        assert_ne!(untracked, sent);
        assert_eq!(m.outstanding(), 1);
        let next = m.send(&req, 1, T0, TIMEOUT).unwrap();
        assert_ne!(next, untracked);
        // An answer to it is nobody's.
        let rsp = Response::ReadHoldingRegisters {
            registers: Registers::from(&[1]),
        };
        assert_eq!(
            m.receive(Some(untracked), 1, rsp).unwrap_err(),
            Mismatch::UnknownTransaction {
                transaction_id: untracked
            }
        );
        // When the counter comes round, the ids still outstanding are passed over.
        while m.untracked_id() != sent.wrapping_sub(1) {}
        assert_eq!(m.untracked_id(), sent.wrapping_add(1));
        assert_eq!(m.untracked_id(), next.wrapping_add(1));
        assert_eq!(m.outstanding(), 2);
    }

    #[test]
    fn matches_and_checks() {
        let mut m = Matcher::<4>::new();
        let req = Request::ReadHoldingRegisters {
            address: 0,
            quantity: 3,
        };
        let tid = m.send(&req, 1, T0, TIMEOUT).unwrap();
        let ok = Response::ReadHoldingRegisters {
            registers: Registers::from(&[1, 2, 3]),
        };
        let (e, _) = m.receive(Some(tid), 1, ok.clone()).unwrap();
        assert_eq!(e.function, 3);
        assert_eq!(m.outstanding(), 0);
        // Unknown transaction, wrong unit, wrong count.
        assert_eq!(
            m.receive(Some(tid), 1, ok.clone()).unwrap_err(),
            Mismatch::UnknownTransaction {
                transaction_id: tid
            }
        );
        let tid = m.send(&req, 1, T0, TIMEOUT).unwrap();
        assert!(matches!(
            m.receive(Some(tid), 2, ok.clone()),
            Err(Mismatch::Unit { .. })
        ));
        let tid = m.send(&req, 1, T0, TIMEOUT).unwrap();
        let short = Response::ReadHoldingRegisters {
            registers: Registers::from(&[1, 2]),
        };
        assert_eq!(
            m.receive(Some(tid), 1, short).unwrap_err(),
            Mismatch::Quantity {
                expected: 3,
                got: 2
            }
        );
    }

    #[test]
    fn exceptions_answer_their_function() {
        let mut m = Matcher::<1>::new();
        let req = Request::ReadCoils {
            address: 0x4a1,
            quantity: 1,
        };
        m.send_serial(&req, 0x11, T0, TIMEOUT).unwrap();
        let rsp = Response::Exception {
            function_code: 1,
            exception: ExceptionCode::IllegalDataAddress,
        };
        let (_, r) = m.receive(None, 0x11, rsp).unwrap();
        assert_eq!(exception(&r), Some(ExceptionCode::IllegalDataAddress));
        assert_eq!(m.send_serial(&req, 0x11, T0, TIMEOUT), Ok(()));
        assert_eq!(
            m.send_serial(&req, 0x11, T0, TIMEOUT),
            Err(Busy { capacity: 1 })
        );
        // Another function's exception does not answer it.
        let other = Response::Exception {
            function_code: 3,
            exception: ExceptionCode::IllegalDataAddress,
        };
        assert!(matches!(
            m.receive(None, 0x11, other),
            Err(Mismatch::Function {
                expected: 1,
                got: 3
            })
        ));
    }

    #[test]
    fn a_lenient_exception_with_function_byte_0x80_answers_the_request() {
        // pymodbus answers some errors with `80 xx`; `LENIENT` decodes it as an exception to
        // function 0, which the matcher takes as the answer to what is outstanding.
        let rsp = Response::parse_with(&[0x80, 0x04], &Config::LENIENT).unwrap();
        let mut m = Matcher::<1>::new();
        let req = Request::ReadHoldingRegisters {
            address: 0,
            quantity: 3,
        };
        let tid = m.send(&req, 1, T0, TIMEOUT).unwrap();
        let (e, r) = m.receive(Some(tid), 1, rsp).unwrap();
        assert_eq!(e.function, 3);
        assert_eq!(exception(&r), Some(ExceptionCode::ServerDeviceFailure));
        assert_eq!(m.outstanding(), 0);
    }

    #[test]
    fn coils_are_cut_to_the_quantity() {
        let e = Expect::new(
            &Request::ReadCoils {
                address: 19,
                quantity: 19,
            },
            1,
            None,
            T0,
            TIMEOUT,
        );
        let rsp = Response::ReadCoils {
            coils: Bits::Wire {
                bytes: &[0xcd, 0x6b, 0x05],
                len: 24,
            },
        };
        let Response::ReadCoils { coils } = e.check(1, rsp).unwrap() else {
            panic!()
        };
        assert_eq!(coils.len(), 19);
        let two_bytes = Response::ReadCoils {
            coils: Bits::Wire {
                bytes: &[0xcd, 0x6b],
                len: 16,
            },
        };
        assert!(matches!(
            e.check(1, two_bytes),
            Err(Mismatch::Quantity { .. })
        ));
    }

    #[test]
    fn echoes_are_compared() {
        let e = Expect::new(
            &Request::WriteSingleRegister {
                address: 1,
                value: 3,
            },
            1,
            Some(9),
            T0,
            TIMEOUT,
        );
        assert!(
            e.check(
                1,
                Response::WriteSingleRegister {
                    address: 1,
                    value: 3
                }
            )
            .is_ok()
        );
        assert_eq!(
            e.check(
                1,
                Response::WriteSingleRegister {
                    address: 1,
                    value: 4
                }
            ),
            Err(Mismatch::Echo { field: "value" })
        );
    }

    /// §6.14: each group of a Read File Record answer answers its sub-request, with as many
    /// registers as it asked for; the count of groups alone let a short group through.
    #[test]
    fn a_read_file_record_answer_has_the_record_lengths_asked_for() {
        use crate::list::List;
        use crate::pdu::{FileRecordData, FileSubRequest};
        let sub = |record_length| FileSubRequest {
            file_number: 4,
            record_number: 1,
            record_length,
        };
        let asked = [sub(2), sub(3)];
        let req = Request::ReadFileRecord {
            records: List::Values(&asked),
        };
        let e = Expect::new(&req, 1, Some(9), T0, TIMEOUT);
        let (two, three) = ([1u16, 2], [3u16, 4, 5]);
        let answer = |groups: &[&[u16]]| -> std::vec::Vec<u8> {
            let data: std::vec::Vec<_> = groups
                .iter()
                .map(|g| FileRecordData {
                    registers: Registers::Values(g),
                })
                .collect();
            let rsp = Response::ReadFileRecord {
                records: List::Values(&data),
            };
            let mut pdu = [0u8; 253];
            let n = rsp.encode(&mut pdu).unwrap();
            pdu[..n].to_vec()
        };
        let good = answer(&[&two, &three]);
        assert!(e.check(1, Response::parse(&good).unwrap()).is_ok());
        for bad in [answer(&[&three, &two]), answer(&[&two, &two])] {
            assert_eq!(
                e.check(1, Response::parse(&bad).unwrap()),
                Err(Mismatch::Echo {
                    field: "record lengths"
                })
            );
        }
    }

    #[test]
    fn a_write_file_record_answer_must_echo_the_request() {
        use crate::list::List;
        use crate::pdu::FileRecord as Rec;
        let regs = [0x06af, 0x04be, 0x100d];
        let items = [Rec {
            file_number: 4,
            record_number: 7,
            registers: Registers::Values(&regs),
        }];
        let req = Request::WriteFileRecord {
            records: List::Values(&items),
        };
        let e = Expect::new(&req, 1, Some(9), T0, TIMEOUT);
        // The answer as a server sends it (§6.15 example): the request's bytes again.
        let mut pdu = [0u8; 253];
        let n = req.encode(&mut pdu).unwrap();
        let echo = Response::parse(&pdu[..n]).unwrap();
        assert!(e.check(1, echo).is_ok());
        // One register written differs, or a record left out.
        let mut changed = pdu;
        changed[n - 1] ^= 1;
        let bad = Response::parse(&changed[..n]).unwrap();
        assert_eq!(
            e.check(1, bad),
            Err(Mismatch::Echo {
                field: "file records"
            })
        );
        let other = [0x06af, 0x04be];
        let fewer = [Rec {
            file_number: 4,
            record_number: 7,
            registers: Registers::Values(&other),
        }];
        let short = Response::WriteFileRecord {
            records: List::Values(&fewer),
        };
        assert!(e.check(1, short).is_err());
    }

    #[test]
    fn timeouts_come_from_now() {
        let mut m = Matcher::<2>::new();
        let req = Request::ReadExceptionStatus;
        let a = m.send(&req, 1, T0, TIMEOUT).unwrap();
        let _b = m
            .send(
                &req,
                1,
                T0.checked_add(Duration::from_millis(100)).unwrap(),
                TIMEOUT,
            )
            .unwrap();
        assert_eq!(m.next_deadline(), T0.checked_add(TIMEOUT));
        assert_eq!(m.poll_timeout(T0.checked_add(TIMEOUT).unwrap()), None);
        let late = T0.checked_add(Duration::from_millis(550)).unwrap();
        assert_eq!(
            m.poll_timeout(late).map(|e| e.transaction_id),
            Some(Some(a))
        );
        assert_eq!(m.poll_timeout(late), None);
        assert_eq!(m.outstanding(), 1);
        // The other one is cancelled; nothing is left to cancel then.
        assert_eq!(m.cancel(Some(a)), None);
        assert!(m.cancel(Some(_b)).is_some());
        assert_eq!(m.outstanding(), 0);
        assert_eq!(m.cancel(Some(_b)), None);
    }
}
