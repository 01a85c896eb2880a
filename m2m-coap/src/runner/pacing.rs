//! Congestion control of notifications over UDP (RFC 7641 §4.5.1 and §4.5.2, RFC 7252 §4.7).
//!
//! Per client:
//! - at most one Confirmable notification outstanding (NSTART 1);
//! - Non-confirmable ones no more often than once per round-trip time;
//! - Confirmable until an acknowledgement has given a round-trip time (so no Non-confirmable
//!   notification ever goes out at a rate guessed without one);
//! - a change that may not go out yet is held. When it may, the handler is asked again, so
//!   the client gets the state of that moment and the states in between are skipped (the
//!   eventual consistency of RFC 7641 §1.2).
//!
//! The round-trip time is smoothed as TCP does it (RFC 6298 §2), from acknowledgements that
//! came before any retransmission could have happened (Karn's rule: the first retransmission
//! waits at least `ACK_TIMEOUT`).

use core::time::Duration;
use std::collections::{HashMap, VecDeque};

use tokio::time::Instant;

/// RFC 7252 §4.8 `ACK_TIMEOUT`: an acknowledgement that came sooner answers the first
/// transmission.
const ACK_TIMEOUT: Duration = Duration::from_secs(2);

/// What one client is sent.
#[derive(Debug)]
struct Client {
    /// The smoothed round-trip time, once an acknowledgement gave one.
    srtt: Option<Duration>,
    /// The earliest time of the next Non-confirmable notification.
    next_non: Instant,
    /// The Confirmable notification that waits for its acknowledgement: message id, sent at.
    confirmable: Option<(u16, Instant)>,
    /// Observations whose change waits, oldest first, each once.
    held: VecDeque<u64>,
}

impl Client {
    fn new(now: Instant) -> Self {
        Client {
            srtt: None,
            next_non: now,
            confirmable: None,
            held: VecDeque::new(),
        }
    }

    fn may_send(&self, now: Instant) -> bool {
        self.confirmable.is_none() && self.next_non <= now
    }
}

/// The pacing of notifications to every client of a UDP runner.
#[derive(Debug)]
pub(super) struct Pacer<K> {
    clients: HashMap<K, Client>,
}

impl<K: Copy + Eq + core::hash::Hash> Pacer<K> {
    pub(super) fn new() -> Self {
        Pacer {
            clients: HashMap::new(),
        }
    }

    /// Whether a notification to `peer` may go out at `now`.
    pub(super) fn may_send(&self, peer: K, now: Instant) -> bool {
        self.clients.get(&peer).is_none_or(|c| c.may_send(now))
    }

    /// Whether the next notification to `peer` must be Confirmable (no round-trip time yet).
    pub(super) fn must_confirm(&self, peer: K) -> bool {
        self.clients.get(&peer).is_none_or(|c| c.srtt.is_none())
    }

    /// Holds a change of observation `id` until a notification to `peer` may go.
    pub(super) fn hold(&mut self, peer: K, id: u64, now: Instant) {
        let c = self.clients.entry(peer).or_insert_with(|| Client::new(now));
        if !c.held.contains(&id) {
            c.held.push_back(id);
        }
    }

    /// A notification went to `peer` at `now` with `message_id`.
    pub(super) fn sent(&mut self, peer: K, message_id: u16, confirmable: bool, now: Instant) {
        let c = self.clients.entry(peer).or_insert_with(|| Client::new(now));
        if confirmable {
            c.confirmable = Some((message_id, now));
        } else {
            // Without a round-trip time (a last notification, which is never held), the
            // rate RFC 7641 §4.5.1 allows then: one every 3 seconds.
            let gap = c.srtt.unwrap_or(Duration::from_secs(3));
            c.next_non = now.checked_add(gap).unwrap_or(now);
        }
    }

    /// After a message from `peer`: if its Confirmable notification is no longer outstanding
    /// (`outstanding` answers for a message id), it was acknowledged (or reset) at `now`.
    pub(super) fn heard(&mut self, peer: K, now: Instant, outstanding: impl Fn(u16) -> bool) {
        let Some(c) = self.clients.get_mut(&peer) else {
            return;
        };
        let Some((mid, at)) = c.confirmable else {
            return;
        };
        if outstanding(mid) {
            return;
        }
        c.confirmable = None;
        let sample = now.saturating_duration_since(at);
        if sample < ACK_TIMEOUT {
            // RFC 6298 §2.2 and §2.3: SRTT <- 7/8 SRTT + 1/8 R'.
            c.srtt = Some(match c.srtt {
                None => sample,
                Some(s) => (s.saturating_mul(7).saturating_add(sample)) / 8,
            });
        }
    }

    /// Confirmable notification `message_id` was never acknowledged: its client may be sent
    /// to again (its observation has ended).
    pub(super) fn undelivered(&mut self, message_id: u16) {
        for c in self.clients.values_mut() {
            if c.confirmable.is_some_and(|(m, _)| m == message_id) {
                c.confirmable = None;
            }
        }
    }

    /// A held observation whose notification may go out at `now`, taken off its list.
    pub(super) fn next_due(&mut self, now: Instant) -> Option<u64> {
        self.clients
            .values_mut()
            .filter(|c| c.may_send(now))
            .find_map(|c| c.held.pop_front())
    }

    /// When the next held notification may go (`None`: nothing held, or only behind an
    /// acknowledgement, which comes with a datagram).
    pub(super) fn next_wake(&self) -> Option<Instant> {
        self.clients
            .values()
            .filter(|c| c.confirmable.is_none() && !c.held.is_empty())
            .map(|c| c.next_non)
            .min()
    }

    /// Forgets the clients `keep` says no longer observe, once nothing of theirs waits.
    pub(super) fn retain(&mut self, keep: impl Fn(&K) -> bool) {
        self.clients
            .retain(|peer, c| keep(peer) || c.confirmable.is_some());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn confirmable_until_a_round_trip_is_known_then_one_non_per_round_trip() {
        let t0 = Instant::now();
        let mut p = Pacer::<u8>::new();
        assert!(p.may_send(1, t0) && p.must_confirm(1));
        p.sent(1, 10, true, t0);
        // Outstanding: nothing else goes to that client, another client is not held back.
        assert!(!p.may_send(1, t0 + ms(5)));
        assert!(p.may_send(2, t0 + ms(5)));
        p.hold(1, 7, t0 + ms(5));
        p.hold(1, 7, t0 + ms(6));
        p.hold(1, 8, t0 + ms(6));
        assert_eq!(p.next_due(t0 + ms(6)), None);
        assert_eq!(p.next_wake(), None, "behind an ACK, no timer");
        // A message from the client that is not the ACK changes nothing.
        p.heard(1, t0 + ms(8), |_| true);
        assert!(!p.may_send(1, t0 + ms(8)));
        // The ACK after 40 ms: the round-trip time, and the held changes, once each, in order.
        p.heard(1, t0 + ms(40), |m| m != 10);
        assert!(!p.must_confirm(1));
        assert_eq!(p.next_due(t0 + ms(40)), Some(7));
        p.sent(1, 11, false, t0 + ms(40));
        // The next Non-confirmable one waits a round trip.
        assert!(!p.may_send(1, t0 + ms(79)));
        assert_eq!(p.next_due(t0 + ms(79)), None);
        assert_eq!(p.next_wake(), Some(t0 + ms(80)));
        assert_eq!(p.next_due(t0 + ms(80)), Some(8));
        assert_eq!(p.next_due(t0 + ms(80)), None);
    }

    #[test]
    fn smoothing_and_karn() {
        let t0 = Instant::now();
        let mut p = Pacer::<u8>::new();
        p.sent(1, 1, true, t0);
        p.heard(1, t0 + ms(80), |_| false);
        p.sent(1, 2, true, t0 + ms(100));
        p.heard(1, t0 + ms(100 + 160), |_| false);
        // 7/8 * 80 + 1/8 * 160 = 90 ms.
        p.sent(1, 3, false, t0 + ms(300));
        assert!(!p.may_send(1, t0 + ms(389)));
        assert!(p.may_send(1, t0 + ms(390)));
        // An acknowledgement later than ACK_TIMEOUT may answer a retransmission: no sample.
        p.sent(1, 4, true, t0 + ms(400));
        p.heard(1, t0 + ms(400) + ACK_TIMEOUT, |_| false);
        p.sent(1, 5, false, t0 + ms(3000));
        assert!(p.may_send(1, t0 + ms(3090)));
    }

    #[test]
    fn undelivered_frees_the_client_and_retain_forgets_it() {
        let t0 = Instant::now();
        let mut p = Pacer::<u8>::new();
        p.sent(1, 9, true, t0);
        p.hold(1, 3, t0);
        p.retain(|_| false);
        assert!(
            !p.may_send(1, t0),
            "kept while its notification is outstanding"
        );
        p.undelivered(9);
        assert!(p.may_send(1, t0) && p.must_confirm(1));
        assert_eq!(p.next_due(t0), Some(3));
        p.retain(|_| false);
        assert!(p.clients.is_empty());
    }
}
