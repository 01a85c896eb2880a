//! The request side of the endpoint (RFC 7252 §5.3, RFC 7641 §3): sending requests under
//! fresh or an observation's tokens, NSTART, matching ACKs, Resets and responses to them.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::*;

impl<P: Copy + Eq, const N: usize, const B: usize> Endpoint<P, N, B> {
    /// Sends a request to `peer`: the endpoint sets the type, a fresh message id and an 8-byte
    /// token on the builder's message (UDP). The response comes back as
    /// [`Incoming::Response`] with the returned id; with an Observe option of 0 every
    /// notification does, until the request is cancelled.
    pub fn request<const M: usize>(
        &mut self,
        now: Timestamp,
        peer: P,
        b: &Builder<'_, M>,
        confirmable: bool,
    ) -> Result<RequestId, EndpointError> {
        self.send_request(now, peer, b, confirmable, None)
    }

    /// Sends a request again under the token of observation `id` (RFC 7641 §3.3.1 and §3.6):
    /// with an Observe option of 0 it renews the registration, with 1 it deregisters (the
    /// response closes the observation). Notifications keep coming back under `id`.
    pub fn observe_again<const M: usize>(
        &mut self,
        now: Timestamp,
        id: RequestId,
        b: &Builder<'_, M>,
        confirmable: bool,
    ) -> Result<(), EndpointError> {
        let w = self
            .waiting
            .iter()
            .flatten()
            .find(|w| w.id == id)
            .copied()
            .ok_or(EndpointError::Exchange)?;
        self.send_request(now, w.peer, b, confirmable, Some((id, w.token)))
            .map(|_| ())
    }

    /// Requests to `peer` still outstanding (NSTART, §4.7), but `except`: every request
    /// waiting for its response that no Empty ACK acknowledged (its response then comes
    /// separately, and it is no outstanding interaction), an observation until its first
    /// notification.
    pub(super) fn outstanding_to(&self, peer: P, except: Option<RequestId>) -> usize {
        self.waiting
            .iter()
            .flatten()
            .filter(|w| w.peer == peer && Some(w.id) != except && w.holds_nstart())
            .count()
    }

    pub(super) fn send_request<const M: usize>(
        &mut self,
        now: Timestamp,
        peer: P,
        b: &Builder<'_, M>,
        confirmable: bool,
        existing: Option<(RequestId, [u8; 8])>,
    ) -> Result<RequestId, EndpointError> {
        if !b.code().is_request() {
            return Err(EndpointError::Code(b.code()));
        }
        // A request under an observation's token (renewal, deregistration) is an interaction
        // too; the observation it replaces is not counted against it.
        let except = existing.map(|(id, _)| id);
        if self.outstanding_to(peer, except) >= usize::from(self.params.nstart.max(1)) {
            return Err(EndpointError::Busy);
        }
        let slot = self.free_out().ok_or(EndpointError::Busy)?;
        let wslot = match existing {
            Some((id, _)) => self
                .waiting
                .iter()
                .position(|w| w.is_some_and(|w| w.id == id)),
            None => self.waiting.iter().position(Option::is_none),
        }
        .ok_or(EndpointError::Busy)?;
        let token = match existing {
            Some((_, token)) => token,
            None => self.random().to_be_bytes(),
        };
        let mid = self.message_id();
        let ty = if confirmable {
            Type::Confirmable
        } else {
            Type::NonConfirmable
        };
        let mut bytes = [0u8; B];
        let len = encode_with(b, &mut bytes, ty, mid, &token)?;
        let observe = Message::parse_udp(bytes.get(..len).unwrap_or_default())
            .ok()
            .and_then(|m| m.observe());
        let id = match existing {
            Some((id, _)) => id,
            None => {
                let id = RequestId(self.next_request);
                self.next_request = self.next_request.wrapping_add(1);
                id
            }
        };
        let timeout = self.first_timeout();
        let t = ms(now);
        // A request sent again under an observation's token replaces what is still being sent
        // for it.
        for o in &mut self.out {
            if o.is_some_and(|o| o.request == Some(id)) {
                *o = None;
            }
        }
        if let Some(s) = self.out.get_mut(slot) {
            *s = Some(Out {
                peer,
                bytes,
                len,
                message_id: mid,
                confirmable,
                due: Some(t),
                timeout_ms: timeout,
                retransmits: 0,
                request: Some(id),
                token: Token::new(&token).unwrap_or_default(),
            });
        }
        let deadline = if confirmable {
            t.saturating_add(self.params.exchange_lifetime_ms)
        } else {
            t.saturating_add(self.params.non_lifetime_ms)
        };
        let last_notification = self
            .waiting
            .get(wslot)
            .copied()
            .flatten()
            .and_then(|w| w.last_notification);
        if let Some(w) = self.waiting.get_mut(wslot) {
            *w = Some(Waiting {
                id,
                peer,
                token,
                deadline,
                // Observe 0 registers (or renews); 1, or none, makes the next response the last.
                observe: observe == Some(0),
                ending: existing.is_some() && observe == Some(1),
                last_notification,
                acked: false,
            });
        }
        Ok(id)
    }

    /// Stops waiting for responses to request `id` (an observation the application no longer
    /// wants: later notifications are answered with a Reset, RFC 7641 §3.6).
    pub fn cancel(&mut self, id: RequestId) {
        for w in &mut self.waiting {
            if w.is_some_and(|w| w.id == id) {
                *w = None;
            }
        }
        for o in &mut self.out {
            if o.is_some_and(|o| o.request == Some(id)) {
                *o = None;
            }
        }
    }

    /// Request `id` goes on with a peer at a new address (a client behind a NAT whose mapping
    /// changed, as an LwM2M Update from the new address shows): its retransmissions go there,
    /// and its response and notifications are taken from there, no longer from the old one.
    pub fn move_request(&mut self, id: RequestId, to: P) {
        for w in self.waiting.iter_mut().flatten() {
            if w.id == id {
                w.peer = to;
            }
        }
        for o in self.out.iter_mut().flatten() {
            if o.request == Some(id) {
                o.peer = to;
            }
        }
        for r in self.recent.iter_mut().flatten() {
            if r.request == Some(id) {
                r.peer = to;
            }
        }
    }

    pub(super) fn on_ack_or_reset<'a>(
        &mut self,
        t: u64,
        peer: P,
        msg: &Message<'a>,
        ty: Type,
    ) -> Incoming<'a, P> {
        let mid = msg.message_id().unwrap_or(0);
        // A piggybacked response with a critical option it cannot process is rejected, which
        // for an ACK means ignored (RFC 7252 §5.4.1, §4.2): the request is retransmitted.
        if ty == Type::Acknowledgement && msg.bad_option().is_some_and(|b| b.is_critical()) {
            return Incoming::Nothing;
        }
        // By Message ID, and a piggybacked response by its token too (§5.3.2): an ACK whose
        // token is not the request's answers nothing, and the request goes on.
        let piggybacked = !msg.code().is_empty();
        let pos = self.out.iter().position(|o| {
            o.is_some_and(|o| {
                o.peer == peer
                    && o.message_id == mid
                    && o.confirmable
                    && (!piggybacked || o.token.as_slice() == msg.token())
            })
        });
        let Some(out) = pos.and_then(|i| self.out.get_mut(i)).and_then(Option::take) else {
            // A Reset to a Non-confirmable message of ours (§4.3): the request is rejected, or
            // the observer of a notification is gone (RFC 7641 §3.6).
            if ty == Type::Reset {
                let hit = self.recent.iter_mut().find(|r| {
                    r.is_some_and(|r| r.peer == peer && r.message_id == mid && r.expires > t)
                });
                if let Some(r) = hit.and_then(Option::take) {
                    if let Some(id) = r.request {
                        self.forget(id);
                    }
                    return Incoming::Reset {
                        id: r.request,
                        peer,
                        token: r.token,
                    };
                }
            }
            // An ACK or Reset for nothing outstanding (late, or duplicated): ignore it (§4.2).
            return Incoming::Nothing;
        };
        if ty == Type::Reset {
            if let Some(id) = out.request {
                self.forget(id);
            }
            return Incoming::Reset {
                id: out.request,
                peer,
                token: out.token,
            };
        }
        if !piggybacked {
            // An Empty ACK: the response will come separately (§5.2.2); it has the exchange's
            // lifetime to arrive, and the request no longer counts against NSTART (§4.7).
            if let Some(id) = out.request {
                for w in self.waiting.iter_mut().flatten() {
                    if w.id == id {
                        w.acked = true;
                    }
                }
            }
            return Incoming::Nothing;
        }
        // A piggybacked response: the answer to the request it acknowledges, even one that
        // carries Observe while a deregistration waits.
        match self.match_response(t, peer, msg, true) {
            Some(found) => found,
            None => Incoming::Nothing,
        }
    }

    pub(super) fn forget(&mut self, id: RequestId) {
        for w in &mut self.waiting {
            if w.is_some_and(|w| w.id == id) {
                *w = None;
            }
        }
    }

    /// The request a response answers, by peer and token; a notification older than one already
    /// delivered is dropped (RFC 7641 §3.4).
    pub(super) fn match_response<'a>(
        &mut self,
        t: u64,
        peer: P,
        msg: &Message<'a>,
        piggybacked: bool,
    ) -> Option<Incoming<'a, P>> {
        let w = self
            .waiting
            .iter_mut()
            .find(|w| w.is_some_and(|w| w.peer == peer && w.token.as_slice() == msg.token()))?;
        let waiting = w.as_mut()?;
        let id = waiting.id;
        // The request is answered: stop retransmitting it (a separate response may beat the
        // ACK, §5.2.2).
        let seq = msg.observe();
        let notification = seq.is_some() && msg.code().is_response() && msg.code().class() == 2;
        // A notification of an established observation that came in a message of its own
        // may have left before the server saw a re-registration under the same token: it
        // does not show that the renewal arrived, which is retransmitted until its ACK (RFC
        // 7252 §4.2). Its piggybacked answer, or an Empty ACK, stops it.
        let keep_renewal =
            notification && waiting.observe && waiting.last_notification.is_some() && !piggybacked;
        if (waiting.observe || (waiting.ending && !piggybacked)) && notification {
            let seq = seq.unwrap_or(0);
            if let Some((last, at)) = waiting.last_notification {
                if !is_fresher(last, at, seq, t) {
                    if waiting.observe {
                        // A notification not newer than the last: nothing new to hand over
                        // (§3.4), but the server still has the observation. The answer to a
                        // re-registration comes so too (libcoap and Californium answer with
                        // the resource's current number): the observation goes on (RFC 7641
                        // §3.3.1), and a renewal answered in its ACK is not sent again.
                        waiting.deadline = u64::MAX;
                        if !keep_renewal {
                            for o in &mut self.out {
                                if o.is_some_and(|o| o.request == Some(id)) {
                                    *o = None;
                                }
                            }
                        }
                    }
                    return Some(Incoming::Nothing);
                }
            }
            waiting.last_notification = Some((seq, t));
            if waiting.ending {
                // A notification that crossed our deregistration: delivered, and the
                // deregistration still waits (and is still retransmitted) for its answer.
                return Some(Incoming::Response { id, message: *msg });
            }
            // An observation lasts until cancelled.
            waiting.deadline = u64::MAX;
        } else {
            *w = None;
        }
        if !keep_renewal {
            for o in &mut self.out {
                if o.is_some_and(|o| o.request == Some(id)) {
                    *o = None;
                }
            }
        }
        Some(Incoming::Response { id, message: *msg })
    }
}
