//! The Client Initiated Bootstrap a failed registration leads to (OMA-TS-LightweightM2M_Core
//! 1.1 §6.1, Bootstrap Sequence step 4): when it falls due ([`ClientEvent::BootstrapDue`],
//! after the Client Hold Off Time `/0/x/11` of Appendix E.1, and after the back-off of
//! [`Backoff`] when fallbacks follow one another without a registration), and its coming
//! again when it could not start ([`Client::bootstrap_later`]), failed
//! ([`ClientEvent::BootstrapFailed`]), or finished with a server account the application could
//! not register with ([`Client::bootstrap_later`] again).
//!
//! [`Backoff`]: super::Backoff
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::Code;
use m2m_core::Timestamp;

use super::{Client, ClientEvent, State, secs};

/// The latest time there is: what lies past the clock's end waits for ever.
const NEVER: Timestamp = Timestamp::from_millis(u64::MAX);

/// Where the client is with the fallback to a Bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fallback {
    /// [`ClientEvent::BootstrapDue`] comes then.
    pub(super) due: Option<Timestamp>,
    /// [`ClientEvent::BootstrapDue`] came, and the Bootstrap it asks for has not ended (nor
    /// been called off by a Register, or a move away from a Bootstrap under way): the next
    /// [`Client::bootstrap`] is that Bootstrap, and its failure brings the fallback back.
    asked: bool,
    /// That Bootstrap finished (Bootstrap-Finish answered 2.04), and no Register went since:
    /// an account the application cannot register with brings the fallback back.
    finished: bool,
    /// Fallbacks since the client was last registered.
    count: u32,
    /// The Client Hold Off Time of the last one, seconds.
    hold_off: u64,
}

impl Fallback {
    pub(super) const NONE: Fallback = Fallback {
        due: None,
        asked: false,
        finished: false,
        count: 0,
        hold_off: 0,
    };
}

impl<P: Copy + Eq, const N: usize, const B: usize, const O: usize, const A: usize, const C: usize>
    Client<'_, P, N, B, O, A, C>
{
    /// A fallback to a Bootstrap is due after `hold_off` seconds, and after the back-off of
    /// [`Settings::bootstrap_backoff`](super::Settings) when it follows another without a
    /// registration between.
    pub(super) fn schedule_fallback(&mut self, now: Timestamp, hold_off: u64) {
        let f = &mut self.fallback;
        let wait = secs(hold_off).max(self.settings.bootstrap_backoff.wait(f.count));
        f.due = Some(now.checked_add(wait).unwrap_or(NEVER));
        f.count = f.count.saturating_add(1);
        f.hold_off = hold_off;
        f.asked = false;
        f.finished = false;
    }

    /// [`ClientEvent::BootstrapDue`] when its time has come.
    pub(super) fn fallback_timeout(&mut self, now: Timestamp) {
        if self.fallback.due.is_some_and(|t| t <= now) {
            self.fallback.due = None;
            self.fallback.asked = true;
            self.push_event(ClientEvent::BootstrapDue);
        }
    }

    /// Register sent, or the client registered: a fallback held off is called off, and one
    /// asked for is over; registered, the count of fallbacks starts again.
    pub(super) fn fallback_over(&mut self, registered: bool) {
        self.fallback.due = None;
        self.fallback.asked = false;
        self.fallback.finished = false;
        if registered {
            self.fallback.count = 0;
        }
    }

    /// The client moves to another server ([`Client::set_server`]): a fallback held off is
    /// called off, and a Bootstrap under way given up ends the one asked for. A move before
    /// the Bootstrap begins (to the bootstrap server, as the runners do) keeps it.
    pub(super) fn fallback_moved(&mut self) {
        self.fallback.due = None;
        if matches!(self.state, State::Bootstrapping(_)) || self.bootstrapping.is_some() {
            self.fallback.asked = false;
        }
    }

    /// The Bootstrap ended with Bootstrap-Finish: when it was the fallback's, the client
    /// waits for the Register of the account it wrote ([`Client::bootstrap_later`] when there
    /// is none the application can register with).
    pub(super) fn fallback_finished(&mut self) {
        self.fallback.finished = core::mem::take(&mut self.fallback.asked);
    }

    /// A Bootstrap begins that no fallback asked for (the application's own, or the
    /// fallback's again): a fallback that finished is over.
    pub(super) fn fallback_bootstrap(&mut self) {
        self.fallback.due = None;
        self.fallback.finished = false;
    }

    /// The Bootstrap failed (refused with `code`, unanswered, or silent for 247 s):
    /// [`ClientEvent::BootstrapFailed`], and when it was the fallback to one
    /// ([`ClientEvent::BootstrapDue`]), that fallback is due again after the back-off.
    pub(super) fn bootstrap_failed(&mut self, now: Timestamp, code: Option<Code>) {
        self.push_event(ClientEvent::BootstrapFailed(code));
        if self.fallback.asked {
            self.schedule_fallback(now, self.fallback.hold_off);
        }
    }

    /// The Bootstrap that [`ClientEvent::BootstrapDue`] asks for could not start (the
    /// address of the Bootstrap-Server account's URI did not resolve, the URI is one the
    /// application cannot reach, the request could not be sent), or it finished
    /// ([`ClientEvent::BootstrapFinished`]) but the server account it wrote cannot be
    /// registered with (its URI does not resolve, or is not one the application reaches): it
    /// falls due again after the back-off ([`Settings::bootstrap_backoff`](super::Settings),
    /// counted as one more fallback; Core 1.1 §6.1, Bootstrap Sequence step 4). `true` when it
    /// did; `false`, and nothing done, when no fallback waits for its Bootstrap or its
    /// Register: none was due, a Register or [`Client::bootstrap`] came since, or its
    /// Bootstrap is under way (its failure brings the fallback back by itself). The std
    /// runners call it when they cannot act on the event, and when their `register_account`
    /// fails.
    pub fn bootstrap_later(&mut self, now: Timestamp) -> bool {
        let under_way =
            matches!(self.state, State::Bootstrapping(_)) || self.bootstrapping.is_some();
        if !(self.fallback.asked || self.fallback.finished) || under_way {
            return false;
        }
        self.schedule_fallback(now, self.fallback.hold_off);
        true
    }

    /// The purge that [`ClientEvent::BootstrapAccountExpired`] asked for failed (the tree
    /// refused to delete the account, [`purge_bootstrap_account`](super::purge_bootstrap_account)):
    /// that event comes again for Security instance `security` after [`PURGE_RETRY`] seconds,
    /// and again after each failure reported so. A Bootstrap that finishes meanwhile counts the
    /// account's timeout anew instead, and the event is then the new timeout's. `false`, and
    /// nothing done, when a purge is due already (a Bootstrap finished since). The std runners
    /// call it when their purge fails.
    pub fn purge_later(&mut self, now: Timestamp, security: u16) -> bool {
        if self.purge_at.is_some() {
            return false;
        }
        let at = now.checked_add(secs(PURGE_RETRY)).unwrap_or(NEVER);
        self.purge_at = Some((at, security));
        true
    }
}

/// Seconds before an account whose purge failed is to be purged again
/// ([`Client::purge_later`]).
pub const PURGE_RETRY: u64 = 60;
