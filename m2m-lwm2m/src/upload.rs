//! Bodies sent in blocks (Block1, RFC 7959 §2.5) put together: to the server, a Register or
//! an Update with more object links than one message holds, a large Send; to the client, a
//! Write of an instance, a Create or a Write-Composite larger than one message (a
//! Bootstrap-Write of a Security instance with its certificates, say). The server or client
//! puts them together in an [`Upload`] the application owns and lends to
//! [`Server::handle_with`] or [`Client::handle_with`], and reads the request once its last
//! block came, with the options of that block.
//!
//! One transfer at a time: a block of another client's transfer, or of another request of the
//! same client, is answered 5.03 (Service Unavailable, with a Max-Age of [`Upload::IDLE`])
//! while the transfer under way has had a block within [`Upload::IDLE`] and began less than
//! [`Upload::HOLD`] ago; after that the new transfer takes the room (so a peer that sends a
//! block now and then cannot keep it from the others). A transfer is told from another by its peer and the options that
//! make the request: method, Uri-Path, Uri-Query, Content-Format and Request-Tag (RFC 9175 §3).
//!
//! [`Server::handle_with`]: crate::server::Server::handle_with
//! [`Client::handle_with`]: crate::client::Client::handle_with
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::time::Duration;

use m2m_coap::block::{Assembler, FNV_BASIS, Progress, fnv1a};
use m2m_coap::option::value::Block;
use m2m_coap::{Code, Message, OptionNumber};
use m2m_core::Timestamp;

/// Room for one body coming in blocks, of up to `U` bytes (a larger one is refused with 4.13
/// and Size1 `U`).
#[derive(Debug, Clone)]
pub struct Upload<P, const U: usize = 4096> {
    buf: [u8; U],
    len: usize,
    /// The transfer under way: its peer, the hash of its request's options, when its last
    /// block came, and when its first did.
    from: Option<(P, u64, Timestamp, Timestamp)>,
}

/// What to do with a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step<'u> {
    /// Taken: answer 2.31 (Continue) with this Block1 (RFC 7959 §2.3).
    Continue(Block),
    /// The last block: the request is its options with this body; its answer carries this
    /// Block1.
    Done(&'u [u8], Block),
    /// Refused with this code (4.13 with Size1 `U`, 5.03 with Max-Age [`Upload::IDLE`]).
    Refuse(Code),
}

impl<P: Copy + Eq, const U: usize> Default for Upload<P, U> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Copy + Eq, const U: usize> Upload<P, U> {
    /// How long a transfer keeps the room without a block.
    pub const IDLE: Duration = Duration::from_secs(30);

    /// How long a transfer keeps the room at most.
    pub const HOLD: Duration = Duration::from_secs(120);

    /// Empty room.
    #[must_use]
    pub const fn new() -> Self {
        Upload {
            buf: [0; U],
            len: 0,
            from: None,
        }
    }

    /// Empties the room (a transfer under way is dropped).
    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.from = None;
    }

    /// Whether a transfer of the request `msg` from `peer` is under way here.
    pub(crate) fn has(&self, peer: P, msg: &Message<'_>) -> bool {
        self.from
            .is_some_and(|(p, k, ..)| p == peer && k == key(msg))
    }

    /// Takes `block`, the Block1 of `msg` from `peer`.
    pub(crate) fn take(
        &mut self,
        now: Timestamp,
        peer: P,
        msg: &Message<'_>,
        block: Block,
    ) -> Step<'_> {
        let key = key(msg);
        let mut began = now;
        if let Some((p, k, last, first)) = self.from {
            let idle = last.checked_add(Self::IDLE).is_none_or(|t| t <= now)
                || first.checked_add(Self::HOLD).is_none_or(|t| t <= now);
            if (p, k) != (peer, key) && !idle {
                return Step::Refuse(Code::SERVICE_UNAVAILABLE);
            }
            if (p, k) == (peer, key) {
                began = first;
            }
        }
        if block.num == 0 {
            self.len = 0;
            began = now;
            self.from = Some((peer, key, now, now));
        } else if self.from.map(|(p, k, ..)| (p, k)) != Some((peer, key)) {
            // A later block of no transfer under way (RFC 7959 §2.5: 4.08).
            self.from = None;
            return Step::Refuse(Code::REQUEST_ENTITY_INCOMPLETE);
        }
        let mut a = Assembler::resume(&mut self.buf, self.len);
        if block.num == 0 && msg.size1().is_some_and(|s| a.announce(s).is_err()) {
            self.from = None;
            return Step::Refuse(Code::REQUEST_ENTITY_TOO_LARGE);
        }
        let progress = a.push(block, msg.payload(), None);
        self.len = a.body().len();
        let answer = Block {
            more: false,
            ..block
        };
        match progress {
            Ok(Progress::More(_) | Progress::Repeat) => {
                self.from = Some((peer, key, now, began));
                Step::Continue(Block {
                    more: true,
                    ..block
                })
            }
            Ok(Progress::Done(n)) => {
                self.from = None;
                self.len = 0;
                Step::Done(self.buf.get(..n).unwrap_or_default(), answer)
            }
            Err(e) => {
                self.from = None;
                self.len = 0;
                Step::Refuse(e.code())
            }
        }
    }
}

/// The hash of the options that make the request of a block: its method, Uri-Path, Uri-Query,
/// Content-Format and Request-Tag.
fn key(msg: &Message<'_>) -> u64 {
    let mut h = fnv1a(FNV_BASIS, &[msg.code().0]);
    for number in [
        OptionNumber::URI_PATH,
        OptionNumber::URI_QUERY,
        OptionNumber::CONTENT_FORMAT,
        OptionNumber::REQUEST_TAG,
    ] {
        for v in msg.options().with(number) {
            let len = u8::try_from(v.len()).unwrap_or(u8::MAX);
            h = fnv1a(fnv1a(fnv1a(h, &number.0.to_be_bytes()), &[len]), v);
        }
    }
    h
}
