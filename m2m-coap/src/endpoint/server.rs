//! The responding side of the endpoint (RFC 7252 §4.5, §5.2, RFC 7641 §4): message ids
//! remembered for duplicate detection with the reply cached, piggybacked and separate responses,
//! notifications, and the 4.02 answer to unprocessable critical options.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::*;

impl<P: Copy + Eq, const N: usize, const B: usize> Endpoint<P, N, B> {
    /// Answers `datagram` from `peer` only when it is a duplicate (RFC 7252 §4.5): a
    /// Confirmable or Non-confirmable message whose message id from `peer` is still
    /// remembered. Its reply, if it had one, goes out again ([`Endpoint::poll_transmit`]), and
    /// `true` says it was a duplicate; anything else is left alone (nothing remembered, nothing
    /// queued, no Reset), and `false`. For a layer above that no longer takes new messages
    /// from `peer` (a client that has moved to another server) but must still repeat what it
    /// answered, as a peer whose ACK was lost retransmits.
    pub fn answer_duplicate(&mut self, now: Timestamp, peer: P, datagram: &[u8]) -> bool {
        let Ok(msg) = Message::parse_udp(datagram) else {
            return false;
        };
        let fresh = matches!(msg.ty(), Some(Type::Confirmable | Type::NonConfirmable));
        if !fresh || msg.code().is_empty() {
            return false;
        }
        let Some(i) = msg
            .message_id()
            .and_then(|mid| self.seen_index(peer, mid, ms(now)))
        else {
            return false;
        };
        if let Some(Some(s)) = self.seen.get_mut(i) {
            s.send = s.reply_len > 0;
        }
        true
    }

    pub(super) fn seen_index(&self, peer: P, message_id: u16, now: u64) -> Option<usize> {
        self.seen.iter().position(|s| {
            s.is_some_and(|s| s.peer == peer && s.message_id == message_id && s.expires > now)
        })
    }

    /// Remembers a peer's message id; the slot of the oldest entry is reused when all are taken.
    /// Remembers a peer's message id for duplicate detection (RFC 7252 §4.5). A free or
    /// expired slot is taken first, then the answered entry that expires first; an entry still
    /// unanswered, or with a reply to send, is never given up: `None` when all are such (the
    /// caller drops the message and the peer retransmits it).
    pub(super) fn remember(
        &mut self,
        peer: P,
        message_id: u16,
        confirmable: bool,
        now: u64,
    ) -> Option<usize> {
        let lifetime = if confirmable {
            self.params.exchange_lifetime_ms
        } else {
            self.params.non_lifetime_ms
        };
        let slot = self
            .seen
            .iter()
            .position(|s| s.is_none_or(|s| s.expires <= now))
            .or_else(|| {
                self.seen
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.is_some_and(|s| s.answered && !s.send))
                    .min_by_key(|(_, s)| s.map_or(0, |s| s.expires))
                    .map(|(i, _)| i)
            })?;
        if let Some(s) = self.seen.get_mut(slot) {
            *s = Some(Seen {
                peer,
                message_id,
                expires: now.saturating_add(lifetime),
                reply: [0; B],
                reply_len: 0,
                send: false,
                answered: false,
                acked: false,
            });
        }
        Some(slot)
    }

    /// Stores `bytes` as the reply to a remembered message and marks it to go out.
    pub(super) fn reply(&mut self, slot: usize, bytes: &[u8]) {
        if let Some(Some(s)) = self.seen.get_mut(slot) {
            if let Some(dst) = s.reply.get_mut(..bytes.len()) {
                dst.copy_from_slice(bytes);
                s.reply_len = bytes.len();
                s.send = true;
            }
        }
    }

    /// Answers a request whose critical option cannot be processed: 4.02 with the problem as a
    /// diagnostic payload (§5.4.1, §5.9.2).
    pub(super) fn reject_with(
        &mut self,
        slot: usize,
        msg: &Message<'_>,
        code: Code,
        problem: crate::error::OptionProblem,
    ) {
        let diag: &[u8] = match problem {
            crate::error::OptionProblem::Unrecognized => b"unrecognized critical option",
            crate::error::OptionProblem::Length => b"option value length out of bounds",
            crate::error::OptionProblem::Repeated => b"option not repeatable",
            crate::error::OptionProblem::Utf8 => b"option value not UTF-8",
        };
        if msg.unwanted().suppresses(code) {
            // Not wanted (RFC 7967 §2.1): only a Confirmable request's Empty ACK goes.
            if msg.ty() == Some(Type::Confirmable) {
                self.reply(
                    slot,
                    &empty(Type::Acknowledgement, msg.message_id().unwrap_or(0)),
                );
            }
            if let Some(Some(s)) = self.seen.get_mut(slot) {
                s.answered = true;
            }
            return;
        }
        let mut b = Builder::<0>::udp(Type::Acknowledgement, code, msg.message_id().unwrap_or(0));
        b.token(msg.token()).payload(diag);
        let mut bytes = [0u8; B];
        if let Ok(n) = b.encode(&mut bytes) {
            self.reply(slot, bytes.get(..n).unwrap_or_default());
            if let Some(Some(s)) = self.seen.get_mut(slot) {
                s.answered = true;
            }
        }
    }

    /// Sends an Empty ACK for a Confirmable request now, so that the peer stops retransmitting
    /// while the answer is prepared; the answer then goes as a separate response (§5.2.2).
    pub fn accept(&mut self, now: Timestamp, exchange: &Exchange<P>) {
        let t = ms(now);
        let Some(i) = self.seen_index(exchange.peer, exchange.message_id, t) else {
            return;
        };
        if !exchange.confirmable {
            return;
        }
        let ack = empty(Type::Acknowledgement, exchange.message_id);
        if let Some(Some(s)) = self.seen.get_mut(i) {
            if !s.answered && !s.acked {
                s.acked = true;
                self.reply(i, &ack);
            }
        }
    }

    /// Answers a request: piggybacked in the ACK of a Confirmable request that was not
    /// accepted yet, or else a separate response (Confirmable for a Confirmable request,
    /// Non-confirmable otherwise). The endpoint sets the type, message id and token.
    ///
    /// A response of a class the request's No-Response says the client does not want
    /// ([`Exchange::no_response`], RFC 7967 §2.1) is not sent: a Confirmable request that was
    /// not accepted yet gets its Empty ACK instead (the message layer still acknowledges it,
    /// RFC 7967 §2, RFC 7252 §4.2), and the exchange counts as answered either way, a
    /// duplicate getting the same reply (§4.5).
    pub fn respond<const M: usize>(
        &mut self,
        now: Timestamp,
        exchange: &Exchange<P>,
        b: &Builder<'_, M>,
    ) -> Result<(), EndpointError> {
        if !b.code().is_response() {
            return Err(EndpointError::Code(b.code()));
        }
        let t = ms(now);
        let i = self
            .seen_index(exchange.peer, exchange.message_id, t)
            .ok_or(EndpointError::Exchange)?;
        let (answered, acked) = match self.seen.get(i) {
            Some(Some(s)) => (s.answered, s.acked),
            _ => return Err(EndpointError::Exchange),
        };
        if answered {
            return Err(EndpointError::Exchange);
        }
        if exchange.no_response.suppresses(b.code()) {
            if exchange.confirmable && !acked {
                self.reply(i, &empty(Type::Acknowledgement, exchange.message_id));
            }
            if let Some(Some(s)) = self.seen.get_mut(i) {
                s.answered = true;
                s.acked = true;
            }
            return Ok(());
        }
        let token = exchange.token();
        if exchange.confirmable && !acked {
            let mut bytes = [0u8; B];
            let n = encode_with(
                b,
                &mut bytes,
                Type::Acknowledgement,
                exchange.message_id,
                token,
            )?;
            self.reply(i, bytes.get(..n).unwrap_or_default());
        } else {
            let ty = if exchange.confirmable {
                Type::Confirmable
            } else {
                Type::NonConfirmable
            };
            self.send(t, exchange.peer, b, ty, token)?;
        }
        if let Some(Some(s)) = self.seen.get_mut(i) {
            s.answered = true;
        }
        Ok(())
    }

    /// Sends a message that is not a request (a separate response, a notification) with a
    /// fresh message id; a Confirmable one is retransmitted until acknowledged.
    pub(super) fn send<const M: usize>(
        &mut self,
        t: u64,
        peer: P,
        b: &Builder<'_, M>,
        ty: Type,
        token: &[u8],
    ) -> Result<u16, EndpointError> {
        let slot = self.free_out().ok_or(EndpointError::Busy)?;
        let mid = self.message_id();
        let mut bytes = [0u8; B];
        let len = encode_with(b, &mut bytes, ty, mid, token)?;
        let timeout = self.first_timeout();
        if let Some(s) = self.out.get_mut(slot) {
            *s = Some(Out {
                peer,
                bytes,
                len,
                message_id: mid,
                confirmable: ty == Type::Confirmable,
                due: Some(t),
                timeout_ms: timeout,
                retransmits: 0,
                request: None,
                token: Token::new(token).unwrap_or_default(),
            });
        }
        Ok(mid)
    }

    /// Sends a notification of an observed resource to an observer that registered with
    /// `token` (RFC 7641 §4.2): the builder carries the response code, the Observe sequence
    /// number and the representation. Confirmable ones are retransmitted; a Reset from the
    /// observer comes back as [`Incoming::Reset`] with no request id, and means it is gone.
    pub fn notify<const M: usize>(
        &mut self,
        now: Timestamp,
        peer: P,
        token: &[u8],
        b: &Builder<'_, M>,
        confirmable: bool,
    ) -> Result<u16, EndpointError> {
        if !b.code().is_response() {
            return Err(EndpointError::Code(b.code()));
        }
        let ty = if confirmable {
            Type::Confirmable
        } else {
            Type::NonConfirmable
        };
        self.send(ms(now), peer, b, ty, token)
    }
}
