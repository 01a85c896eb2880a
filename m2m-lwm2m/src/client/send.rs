//! Send (Core 1.1 §6.4.6 Information Reporting, "Send": records POSTed to `/dp`), and its
//! answer told to the application. A body longer than [`MAX_LINKS`] bytes goes in Block1
//! blocks of that size (RFC 7959 §2.5), as the links of Register do; the client keeps none of
//! it, so each block is asked of the application: [`ClientEvent::SendContinue`] names the
//! next, which [`Client::send_records_block`] sends from the same body. The answer to the
//! whole (to its last block) is [`ClientEvent::SendAnswered`].
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::endpoint::EndpointError;
use m2m_coap::option::value::Block;
use m2m_coap::{ContentFormat, Endpoint, Message, RequestId};
use m2m_core::Timestamp;

use super::links::MAX_LINKS;
use super::{Client, ClientEvent};
use crate::error::{Error, Reason};
use crate::interface::ServerRequest;
use crate::server::SessionError;

/// The longest body sent whole, and the size of its blocks beyond (as the links').
pub(crate) const MAX_SEND: usize = MAX_LINKS;

/// The SZX of a [`MAX_SEND`] block.
const SEND_SZX: u8 = 5;

/// How many Sends may be outstanding at once (one unacknowledged, NSTART 1, and those whose
/// answers come separately after an Empty ACK); another meanwhile is refused as `Busy`.
pub(super) const SENDS: usize = 4;

/// A Send outstanding: its request, and the block of the body it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sent {
    id: RequestId,
    block: Option<Block>,
}

impl<P: Copy + Eq, const N: usize, const B: usize, const O: usize, const A: usize, const C: usize>
    Client<'_, P, N, B, O, A, C>
{
    /// Whether a Send may go: to a registration ([`SessionError::UnknownRegistration`]
    /// before Register is answered, after De-register, while Disabled), and not when the
    /// server's Mute Send (`/1/x/23`) is `true` ([`SessionError::Muted`]; read at Register,
    /// at an Update with links and after a request to the Server object).
    fn may_send(&self) -> Result<(), SessionError> {
        if self.send_muted {
            return Err(SessionError::Muted);
        }
        if !self.is_registered() {
            return Err(SessionError::UnknownRegistration);
        }
        Ok(())
    }

    /// Sends records to the server's `/dp` (Send, 1.1), already encoded in `format`; its
    /// answer comes as [`ClientEvent::SendAnswered`] with the id returned (of a body in
    /// blocks, with the id of its last block's request). A body longer than
    /// 512 bytes goes in blocks: this sends the first, and each
    /// [`ClientEvent::SendContinue`] asks for the next from the same `payload`
    /// ([`Client::send_records_block`]; the std runners' `send` does this).
    pub fn send_records(
        &mut self,
        now: Timestamp,
        format: ContentFormat,
        payload: &[u8],
    ) -> Result<RequestId, SessionError> {
        self.may_send()?;
        if self.sends.iter().all(Option::is_some) {
            return Err(SessionError::Coap(EndpointError::Busy));
        }
        if payload.len() <= MAX_SEND {
            let id = self.send(now, &ServerRequest::Send { format, payload })?;
            self.remember_send(Sent { id, block: None });
            return Ok(id);
        }
        let first = Block {
            num: 0,
            more: true,
            szx: SEND_SZX,
        };
        self.send_records_block(now, format, payload, first)
    }

    /// Sends block `block` of `payload` (the body a [`Client::send_records`] began) to `/dp`:
    /// its bytes, Block1 with M set unless it ends the body, and Size1 with the first. The
    /// block a [`ClientEvent::SendContinue`] names, or any other to start again; a block that
    /// starts past the body's end is refused.
    pub fn send_records_block(
        &mut self,
        now: Timestamp,
        format: ContentFormat,
        payload: &[u8],
        block: Block,
    ) -> Result<RequestId, SessionError> {
        self.may_send()?;
        // BERT (SZX 7) is for CoAP over TCP alone (RFC 8323 §6); a number has 20 bits.
        if block.szx > 6 || block.num > Block::MAX_NUM {
            return Err(Error::new(0, Reason::Unsupported).into());
        }
        // Its bytes, and M set unless it ends the body.
        let (block, part) = m2m_coap::block::slice(payload, Some(block), block.szx)
            .map_err(|_| Error::new(0, Reason::Unsupported))?;
        let size1 = (block.num == 0).then_some(payload.len());
        let req = ServerRequest::Send {
            format,
            payload: part,
        };
        // A first block is a new Send, which needs a free slot; a later one takes its
        // block's (answered, so freed).
        if self.sends.iter().all(Option::is_some) {
            return Err(SessionError::Coap(EndpointError::Busy));
        }
        let id = self.send_with(now, &req, Some((block, size1, part)))?;
        self.remember_send(Sent {
            id,
            block: Some(block),
        });
        Ok(id)
    }

    fn remember_send(&mut self, sent: Sent) {
        // A free slot is there: checked before sending.
        if let Some(slot) = self.sends.iter_mut().find(|s| s.is_none()) {
            *slot = Some(sent);
        }
    }

    /// Takes the answer `message` to request `id` if it answers a Send: the next block asked
    /// for, or the answer to the whole. `false` for another request's answer.
    pub(super) fn send_answered(&mut self, id: RequestId, message: &Message<'_>) -> bool {
        let Some(slot) = self
            .sends
            .iter_mut()
            .find(|s| s.is_some_and(|s| s.id == id))
        else {
            return false;
        };
        let Some(sent) = slot.take() else {
            return false;
        };
        let code = message.code();
        let echo = message.block1().and_then(Result::ok);
        let next = sent
            .block
            .and_then(|k| m2m_coap::block::next_block1(k, code, echo));
        self.push_event(match next {
            Some(next) => ClientEvent::SendContinue { request: id, next },
            None => ClientEvent::SendAnswered {
                request: id,
                code: Some(code),
            },
        });
        true
    }

    /// Whether a Register or Update that met `sent` (Busy: one request to the server at a time)
    /// pre-empted the Sends outstanding: the registration comes before data, so they end
    /// ([`ClientEvent::SendAnswered`] without a code) and it may go.
    pub(super) fn preempt_sends(&mut self, sent: &Result<(), SessionError>) -> bool {
        if !matches!(sent, Err(SessionError::Coap(EndpointError::Busy))) {
            return false;
        }
        // Only a Send that holds the endpoint (no Empty ACK yet): one whose answer comes
        // separately keeps its place.
        self.end_sends(|endpoint, id| endpoint.holds_nstart(id))
    }

    /// Ends the Sends outstanding that `which` picks, each answered without a code
    /// ([`ClientEvent::SendAnswered`]); whether there was one.
    pub(super) fn end_sends(
        &mut self,
        which: impl Fn(&Endpoint<P, N, B>, RequestId) -> bool,
    ) -> bool {
        let mut any = false;
        for i in 0..SENDS {
            let held = self.sends.get(i).copied().flatten();
            let Some(s) = held.filter(|s| which(&self.endpoint, s.id)) else {
                continue;
            };
            if let Some(slot) = self.sends.get_mut(i) {
                *slot = None;
            }
            self.endpoint.cancel(s.id);
            self.push_event(ClientEvent::SendAnswered {
                request: s.id,
                code: None,
            });
            any = true;
        }
        any
    }

    /// A Send that got no answer: [`ClientEvent::SendAnswered`] without a code.
    pub(super) fn send_timed_out(&mut self, id: RequestId) {
        let hit = self
            .sends
            .iter_mut()
            .find(|s| s.is_some_and(|s| s.id == id))
            .and_then(Option::take);
        if hit.is_some() {
            self.push_event(ClientEvent::SendAnswered {
                request: id,
                code: None,
            });
        }
    }
}
