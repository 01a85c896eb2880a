//! Answers to requests that are not safe (POST, PUT, DELETE, PATCH, iPATCH), given at once or
//! later, kept for the requests of their later blocks (RFC 7959 §2.4): a client that reads
//! such an answer block by block sends the request again for each block, and the handler,
//! which may have changed something for the first, does not run again; the later blocks come
//! from the answer kept.

use core::time::Duration;
use std::collections::VecDeque;
use std::time::Instant;
use std::vec::Vec;

use super::Response;
use super::uploads::request_key;
use crate::Block;
use crate::code::Code;
use crate::message::Message;

/// How long an answer is kept (EXCHANGE_LIFETIME, RFC 7252 §4.8.2).
const KEPT_LIFETIME: Duration = Duration::from_secs(247);

/// At most this many answers kept per runner (UDP) or connection (TCP, WebSocket); the oldest
/// gives way.
const MAX_KEPT: usize = 16;

/// The answers kept, by peer, method and request URI.
pub(super) struct Kept<K> {
    answers: VecDeque<(K, Code, Vec<u8>, Response, Instant)>,
}

/// Whether `code` is a method whose repetition may do more than its first run.
fn not_safe(code: Code) -> bool {
    matches!(
        code,
        Code::POST | Code::PUT | Code::DELETE | Code::PATCH | Code::IPATCH
    )
}

impl<K: Copy + Eq> Kept<K> {
    pub(super) fn new() -> Self {
        Kept {
            answers: VecDeque::new(),
        }
    }

    /// The answer kept for `req` from `peer` when it asks for a later block (`block2` past
    /// the first) of the answer to a method that is not safe; 4.08 (Request Entity
    /// Incomplete) when none is kept any more (older than EXCHANGE_LIFETIME, or given way to
    /// newer ones): running the handler again would change again what the first block's
    /// request changed, and hand out a block of another answer.
    pub(super) fn later_block(
        &mut self,
        peer: K,
        req: &Message<'_>,
        block2: Option<Block>,
    ) -> Option<Response> {
        if !not_safe(req.code()) || block2.is_none_or(|b| b.num == 0) {
            return None;
        }
        let now = Instant::now();
        self.answers
            .retain(|a| now.saturating_duration_since(a.4) < KEPT_LIFETIME);
        let key = request_key(req);
        let kept = self
            .answers
            .iter()
            .find(|a| a.0 == peer && a.1 == req.code() && a.2 == key)
            .map(|a| a.3.clone());
        Some(kept.unwrap_or_else(|| Response::new(Code::REQUEST_ENTITY_INCOMPLETE)))
    }

    /// Keeps `response` to `req` from `peer` when the method is not safe and the answer may
    /// go in blocks: larger than the smallest block (16 bytes), for the block size is the
    /// transport's to choose (over TCP the peer's Max-Message-Size may cut it small).
    pub(super) fn keep(&mut self, peer: K, req: &Message<'_>, response: &Response) {
        if let Some((code, key)) = Self::key_of(req) {
            self.keep_keyed(peer, code, key, response);
        }
    }

    /// The method and request key under which an answer to `req` is kept: `None` for a safe
    /// method, whose answers are not kept.
    pub(super) fn key_of(req: &Message<'_>) -> Option<(Code, Vec<u8>)> {
        not_safe(req.code()).then(|| (req.code(), request_key(req)))
    }

    /// [`Kept::keep`] of an answer that came later, under the key its request had.
    pub(super) fn keep_keyed(&mut self, peer: K, code: Code, key: Vec<u8>, response: &Response) {
        if response.payload.len() <= 16 {
            return;
        }
        self.answers
            .retain(|a| !(a.0 == peer && a.1 == code && a.2 == key));
        if self.answers.len() == MAX_KEPT {
            self.answers.pop_front();
        }
        self.answers
            .push_back((peer, code, key, response.clone(), Instant::now()));
    }
}
