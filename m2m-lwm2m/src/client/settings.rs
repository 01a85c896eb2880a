//! How the client registers ([`Settings`]), tries Register again after a failure
//! ([`Retry`]), and spaces the Client Initiated Bootstraps that failed registrations lead to
//! ([`Backoff`]).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::link::Version;

#[cfg(doc)]
use super::{Client, ClientEvent};

/// How the client registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings<'c> {
    /// The endpoint client name (`ep`).
    pub endpoint: &'c str,
    /// The registration lifetime in seconds (`lt`); 0 is infinite (no Update is due).
    pub lifetime: u32,
    /// The enabler version announced (`lwm2m`); `None` sends none (LwM2M 1.0 clients).
    pub version: Option<Version>,
    /// The binding (`b`), `U` for UDP: from LwM2M 1.1 on, the bindings the client supports,
    /// announced without `Q` whatever the Server object's Binding (`/1/x/7`) holds; in 1.0,
    /// announced in 1.0's form (`U`, `UQ`, `S`, `SQ`, `US` or `UQS`, its `Q` as `queue` says)
    /// until the server writes a binding the client can use (Core 1.1 §6.2.1).
    pub binding: &'c str,
    /// How Register is tried again after a failure.
    pub retry: Retry,
    /// Queue mode: the client tells the server it sleeps between its messages (`Q` from
    /// LwM2M 1.1 on, the binding `UQ`, `SQ` or `UQS` for 1.0), staying awake this long after
    /// the last message it sent ([`Client::awake_until`]); `None` (the default) is always
    /// online. The server holds its requests while the client sleeps, and takes it to be awake
    /// for a time of its own after each message from it (93 s for Leshan's and ours,
    /// [`crate::server::AWAKE_TIME`]): stay awake at least that long.
    pub queue: Option<core::time::Duration>,
    /// How far apart the Client Initiated Bootstraps go that failed registrations lead to one
    /// after another (Core 1.1 §6.1, Bootstrap Sequence step 4; [`ClientEvent::BootstrapDue`]).
    pub bootstrap_backoff: Backoff,
}

/// How long a Client Initiated Bootstrap after a failed registration (Core 1.1 §6.1,
/// Bootstrap Sequence step 4; [`ClientEvent::BootstrapDue`]) waits when the one before it led
/// to no registration: our policy, which the specification leaves open (it gives only the
/// Client Hold Off Time, `/0/x/11`, Appendix E.1).
///
/// The first fallback since the client was last registered waits the Client Hold Off Time.
/// The `n`-th one after it (`n` from 1) waits at least `min(cap, base * 2^(n - 1))`, and at
/// least the hold off: so a server that rejects every Register (4.03) and a bootstrap server
/// that writes the same account again each time cost a Bootstrap and a Register after 60 s,
/// 120 s, 240 s, ... and once an hour at most from the seventh on ([`Backoff::DEFAULT`]), not
/// a round trip apart for ever. A fallback the client could not start, or whose account it
/// could not register with ([`Client::bootstrap_later`]), or whose Bootstrap failed
/// ([`ClientEvent::BootstrapFailed`]) counts as one. [`ClientEvent::Registered`] starts the count again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait of the second fallback in a row, doubled for each further one.
    pub base: core::time::Duration,
    /// The longest wait the doubling reaches.
    pub cap: core::time::Duration,
}

impl Backoff {
    /// 60 s doubling up to an hour. 60 s is the Communication Retry Timer's default (`/1/x/18`,
    /// [`Retry::SPEC`]): a bootstrap server is tried again no sooner than a server is. An hour
    /// bounds the time a device stays away once its servers are mended, at 24 Bootstraps a day
    /// against accounts that stay broken.
    pub const DEFAULT: Backoff = Backoff {
        base: core::time::Duration::from_secs(60),
        cap: core::time::Duration::from_secs(3600),
    };

    /// The least wait of a fallback (Core 1.1 §6.1, on top of the Client Hold Off Time of
    /// Appendix E.1) when `before` fallbacks since the last registration came before it: none for the first (`before` 0: the hold off alone), then
    /// `min(cap, base * 2^(before - 1))`.
    #[must_use]
    pub fn wait(&self, before: u32) -> core::time::Duration {
        let Some(doublings) = before.checked_sub(1) else {
            return core::time::Duration::ZERO;
        };
        let factor = 1u32.checked_shl(doublings.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }
}

/// How the client tries to register again after Register fails (refused or unanswered), in
/// sequences of attempts: Core 1.1, Client Registration Interface, and the Communication Retry resources 17-20 of the
/// LwM2M Server object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Retry {
    /// Attempts in one sequence (Communication Retry Count); at least one is made.
    pub count: u32,
    /// Seconds before the second attempt of a sequence, doubled before each further one
    /// (Communication Retry Timer: `timer * 2^(attempt - 1)`).
    pub timer: u32,
    /// Seconds between two sequences (Communication Sequence Delay Timer); `u32::MAX`: no
    /// further sequence.
    pub sequence_delay: u32,
    /// Sequences before the registration is given up (Communication Sequence Retry Count); at
    /// least one is made.
    pub sequences: u32,
}

impl Retry {
    /// The specification's defaults (those Wakaama takes when the resources are absent, too): five attempts 60, 120, 240 and 480 s
    /// apart, one sequence, then [`ClientEvent::RegistrationAbandoned`]. A client that must
    /// never give up takes `sequences: u32::MAX` with a shorter `sequence_delay`.
    pub const SPEC: Retry = Retry {
        count: 5,
        timer: 60,
        sequence_delay: 86_400,
        sequences: 1,
    };

    /// After `failures` failed attempts in a row (at least one), the seconds to wait before
    /// the next one (one at least: a timer or delay of 0 written to the Server object does not
    /// send Register again as fast as the server refuses it), or `None` to give up.
    #[must_use]
    pub fn wait(&self, failures: u32) -> Option<u64> {
        let per = self.count.max(1);
        let done = failures.saturating_sub(1);
        let sequence = done.checked_div(per).unwrap_or(0);
        let in_sequence = done.checked_rem(per).unwrap_or(0);
        let sequences = self.sequences.max(1);
        if sequence >= sequences {
            return None;
        }
        if in_sequence.saturating_add(1) < per {
            // Within the sequence: timer * 2^(attempt - 1), for the attempt that failed.
            let factor = 1u64.checked_shl(in_sequence.min(40)).unwrap_or(u64::MAX);
            return Some(u64::from(self.timer).saturating_mul(factor).max(1));
        }
        // The sequence is over.
        if sequence.saturating_add(1) >= self.sequences.max(1) || self.sequence_delay == u32::MAX {
            return None;
        }
        Some(u64::from(self.sequence_delay).max(1))
    }
}

impl<'c> Settings<'c> {
    /// `endpoint`, a lifetime of 300 s, LwM2M 1.1, UDP binding, [`Retry::SPEC`] and
    /// [`Backoff::DEFAULT`].
    #[must_use]
    pub const fn new(endpoint: &'c str) -> Self {
        Settings {
            endpoint,
            lifetime: 300,
            version: Some(Version::V1_1),
            binding: "U",
            retry: Retry::SPEC,
            queue: None,
            bootstrap_backoff: Backoff::DEFAULT,
        }
    }
}
