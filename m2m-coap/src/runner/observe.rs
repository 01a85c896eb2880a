//! The observers of a runner (RFC 7641 §4.1): who observes which path, with which token, the
//! request to answer again for each notification, and when the last one sent stops being fresh
//! (§4.3.1).

use core::time::Duration;
use std::string::String;
use std::time::Instant;
use std::vec::Vec;

use crate::error::Transport;

/// At most this many observations per runner (UDP) or per connection (TCP, WebSocket); a
/// request past it is answered without Observe, which tells the client it is not registered.
pub(super) const MAX_OBSERVATIONS: usize = 256;

/// At most this many observations of one peer over UDP (a client address can be spoofed: one
/// host must not fill the list, RFC 7641 §7).
const MAX_PER_PEER: usize = 16;

/// Every this many notifications to an observer, one is Confirmable: our policy, so that an
/// observer that went away is found out soon.
const CONFIRMABLE_EVERY: u32 = 10;

/// And one at least this long after the last (RFC 7641 §4.5: "at least every 24 hours"), for a
/// resource that changes less often than ten times a day.
const CONFIRMABLE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// How long before a notification's Max-Age passes the next one goes at most (our policy: time
/// for a Confirmable one's first retransmission, RFC 7252 §4.8, and for the pacing).
const REFRESH_MARGIN: Duration = Duration::from_secs(5);

pub(super) struct Observation<K> {
    pub(super) id: u64,
    pub(super) peer: K,
    pub(super) token: Vec<u8>,
    path: String,
    /// The registering request, encoded, answered again for each notification.
    pub(super) request: Vec<u8>,
    pub(super) transport: Transport,
    sent: u32,
    /// The message id of the last Confirmable notification (UDP).
    confirmable_id: Option<u16>,
    /// When the last Confirmable notification went (or the observation began).
    confirmable_at: Instant,
    /// When to send a notification again to keep the client's representation fresh
    /// ([`Observations::fresh_for`]); `None` while none is due.
    refresh_at: Option<tokio::time::Instant>,
}

pub(super) struct Observations<K> {
    list: Vec<Observation<K>>,
    next_id: u64,
    seq: u32,
}

impl<K: Copy + Eq> Observations<K> {
    pub(super) fn new() -> Self {
        Observations {
            list: Vec::new(),
            next_id: 0,
            seq: 0,
        }
    }

    /// The next Observe sequence number: increasing, 24 bits, wrapping (RFC 7641 §4.4). One
    /// counter for all observations keeps each observation's numbers increasing.
    pub(super) fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1) & 0x00ff_ffff;
        self.seq
    }

    /// Registers (or registers again, RFC 7641 §4.1) `peer` with `token` on `path`; the
    /// Observe number of the first answer, or `None` when the list is full.
    pub(super) fn register(
        &mut self,
        peer: K,
        token: &[u8],
        path: String,
        request: Vec<u8>,
        transport: Transport,
    ) -> Option<u32> {
        self.remove(peer, token);
        // The cap per peer is for datagrams, whose source can be forged; a connection is its
        // own peer, with the cap of the whole list.
        let of_peer = self.list.iter().filter(|o| o.peer == peer).count();
        let per_peer = if transport == Transport::Udp {
            MAX_PER_PEER
        } else {
            MAX_OBSERVATIONS
        };
        if self.list.len() >= MAX_OBSERVATIONS || of_peer >= per_peer {
            return None;
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.list.push(Observation {
            id,
            peer,
            token: token.to_vec(),
            path,
            request,
            transport,
            sent: 0,
            confirmable_id: None,
            confirmable_at: Instant::now(),
            refresh_at: None,
        });
        Some(self.next_seq())
    }

    /// Ends the observation of `peer` with `token` (Observe 1, a Reset).
    pub(super) fn remove(&mut self, peer: K, token: &[u8]) {
        self.list.retain(|o| !(o.peer == peer && o.token == token));
    }

    /// Ends observation `id`.
    pub(super) fn remove_id(&mut self, id: u64) {
        self.list.retain(|o| o.id != id);
    }

    /// Ends the observation whose Confirmable notification `message_id` was never acknowledged
    /// (RFC 7641 §4.5).
    pub(super) fn undelivered(&mut self, message_id: u16) {
        self.list.retain(|o| o.confirmable_id != Some(message_id));
    }

    /// Forgets the Confirmable notifications of `peer`'s observations that no longer wait for
    /// their ACK (`waits` says which still do): an acknowledged one's message id, used again
    /// by a later message, must not end the observation when that message goes undelivered.
    pub(super) fn acknowledged(&mut self, peer: K, waits: impl Fn(u16) -> bool) {
        for o in self.list.iter_mut().filter(|o| o.peer == peer) {
            if o.confirmable_id.is_some_and(|m| !waits(m)) {
                o.confirmable_id = None;
            }
        }
    }

    pub(super) fn get(&self, id: u64) -> Option<&Observation<K>> {
        self.list.iter().find(|o| o.id == id)
    }

    /// Whether `peer` observes anything.
    pub(super) fn has_peer(&self, peer: K) -> bool {
        self.list.iter().any(|o| o.peer == peer)
    }

    /// The observations of `path` (all when `None`).
    pub(super) fn of(&self, path: Option<&str>) -> Vec<u64> {
        self.list
            .iter()
            .filter(|o| path.is_none_or(|p| o.path == p))
            .map(|o| o.id)
            .collect()
    }

    /// Counts a notification to `id` built at `now`; whether it is to be Confirmable. The
    /// 24-hour clock restarts only when a Confirmable one goes ([`Observations::sent_confirmable`]):
    /// one built but held back (the endpoint full, the client paced) is Confirmable again when
    /// it is built anew.
    pub(super) fn count(&mut self, id: u64, now: Instant) -> bool {
        self.list.iter_mut().find(|o| o.id == id).is_some_and(|o| {
            o.sent = o.sent.wrapping_add(1);
            o.sent % CONFIRMABLE_EVERY == 0
                || now.saturating_duration_since(o.confirmable_at) >= CONFIRMABLE_AFTER
        })
    }

    /// Records a Confirmable notification to `id` sent at `now` with `message_id`.
    pub(super) fn sent_confirmable(&mut self, id: u64, message_id: u16, now: Instant) {
        if let Some(o) = self.list.iter_mut().find(|o| o.id == id) {
            o.confirmable_id = Some(message_id);
            o.confirmable_at = now;
        }
    }

    /// The observation of `peer` with `token`.
    pub(super) fn id_of(&self, peer: K, token: &[u8]) -> Option<u64> {
        self.list
            .iter()
            .find(|o| o.peer == peer && o.token == token)
            .map(|o| o.id)
    }

    /// A notification (or the registration's answer) went to `id` at `now`, with the Max-Age
    /// option `max_age` the handler gave it: another is due before that age passes (RFC 7641
    /// §4.3.1, which lets a server do so), a margin before it (half the age, at most
    /// [`REFRESH_MARGIN`]) so that it arrives in time. Without the option (`None`: fresh for
    /// the default 60 s) none is due: the handler asks for renewals by setting Max-Age. A
    /// Max-Age of 0 is stale at once and cannot be kept fresh: no notification is sent for it
    /// until the resource changes.
    pub(super) fn fresh_for(
        &mut self,
        id: u64,
        max_age: Option<Duration>,
        now: tokio::time::Instant,
    ) {
        if let Some(o) = self.list.iter_mut().find(|o| o.id == id) {
            o.refresh_at = max_age.filter(|a| !a.is_zero()).and_then(|a| {
                let margin = (a / 2).min(REFRESH_MARGIN);
                now.checked_add(a.saturating_sub(margin))
            });
        }
    }

    /// The observations whose notification must be sent again at `now` to stay fresh; each is
    /// taken off until the next one sent sets its time again ([`Observations::fresh_for`]).
    pub(super) fn stale(&mut self, now: tokio::time::Instant) -> Vec<u64> {
        let mut due = Vec::new();
        for o in &mut self.list {
            if o.refresh_at.is_some_and(|t| t <= now) {
                o.refresh_at = None;
                due.push(o.id);
            }
        }
        due
    }

    /// When the next observation must be notified again to stay fresh.
    pub(super) fn next_refresh(&self) -> Option<tokio::time::Instant> {
        self.list.iter().filter_map(|o| o.refresh_at).min()
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.list.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daily_confirmable_notification_survives_being_held() {
        // RFC 7641 §4.5: a Confirmable notification at least every 24 hours. One built a day
        // on but held back (not sent) leaves the next built still Confirmable.
        let mut o = Observations::<u8>::new();
        o.register(1, b"t", "x".into(), Vec::new(), Transport::Udp);
        let id = o.of(None)[0];
        let day = Instant::now() + CONFIRMABLE_AFTER;
        assert!(o.count(id, day));
        assert!(o.count(id, day + Duration::from_secs(1)), "held: still due");
        o.sent_confirmable(id, 7, day + Duration::from_secs(1));
        assert!(!o.count(id, day + Duration::from_secs(2)));
    }

    /// RFC 7641 §4.3.1: a notification is sent again before its Max-Age passes; once, until
    /// the next one sent sets the time again; never for Max-Age 0.
    #[test]
    fn a_notification_is_renewed_before_its_max_age_passes() {
        let mut o = Observations::<u8>::new();
        o.register(1, b"a", "x".into(), Vec::new(), Transport::Udp);
        o.register(2, b"b", "x".into(), Vec::new(), Transport::Udp);
        o.register(3, b"c", "x".into(), Vec::new(), Transport::Udp);
        o.register(4, b"d", "x".into(), Vec::new(), Transport::Udp);
        let (a, b, c, d) = (
            o.id_of(1, b"a").unwrap(),
            o.id_of(2, b"b").unwrap(),
            o.id_of(3, b"c").unwrap(),
            o.id_of(4, b"d").unwrap(),
        );
        assert_eq!(o.next_refresh(), None, "nothing sent yet");
        let t0 = tokio::time::Instant::now();
        let s = Duration::from_secs;
        o.fresh_for(a, Some(s(60)), t0);
        o.fresh_for(b, Some(s(4)), t0);
        o.fresh_for(c, Some(s(0)), t0);
        o.fresh_for(d, None, t0);
        // 4 s: renewed after 2 (half); 60 s: after 55 (5 s before).
        assert_eq!(o.next_refresh(), Some(t0 + s(2)));
        assert!(o.stale(t0 + Duration::from_millis(1999)).is_empty());
        assert_eq!(o.stale(t0 + s(2)), std::vec![b]);
        assert!(o.stale(t0 + s(3)).is_empty(), "taken off until sent again");
        assert_eq!(o.next_refresh(), Some(t0 + s(55)));
        assert!(o.stale(t0 + s(54)).is_empty());
        assert_eq!(o.stale(t0 + s(55)), std::vec![a]);
        o.fresh_for(a, Some(s(60)), t0 + s(55));
        assert_eq!(o.next_refresh(), Some(t0 + s(110)));
        // Max-Age 0, or none set by the handler: never.
        assert!(
            o.stale(t0 + s(1_000_000))
                .iter()
                .all(|id| *id != c && *id != d)
        );
    }

    #[test]
    fn register_again_replaces_and_remove_ends() {
        let mut o = Observations::<u8>::new();
        let a = o.register(1, b"t", "x".into(), Vec::new(), Transport::Udp);
        let b = o.register(1, b"t", "x".into(), Vec::new(), Transport::Udp);
        assert!(b > a);
        assert_eq!(o.len(), 1);
        o.register(2, b"t", "y".into(), Vec::new(), Transport::Udp);
        assert_eq!(o.of(Some("x")).len(), 1);
        assert_eq!(o.of(None).len(), 2);
        o.remove(1, b"t");
        assert_eq!(o.of(Some("x")).len(), 0);
        assert_eq!(o.len(), 1);
    }

    #[test]
    fn one_peer_cannot_fill_the_list() {
        let mut o = Observations::<u8>::new();
        for t in 0..MAX_PER_PEER {
            let token = [u8::try_from(t).unwrap()];
            assert!(
                o.register(1, &token, String::new(), Vec::new(), Transport::Udp)
                    .is_some()
            );
        }
        assert!(
            o.register(1, b"x", String::new(), Vec::new(), Transport::Udp)
                .is_none()
        );
        // Registering again under a token it has is still allowed; another peer is too.
        assert!(
            o.register(1, &[0], String::new(), Vec::new(), Transport::Udp)
                .is_some()
        );
        assert!(
            o.register(2, b"x", String::new(), Vec::new(), Transport::Udp)
                .is_some()
        );
    }

    #[test]
    fn full_list_refuses_and_sequence_wraps_in_24_bits() {
        let mut o = Observations::<u16>::new();
        for i in 0..MAX_OBSERVATIONS {
            // Peers of 16 observations each, the most one may have.
            let peer = u16::try_from(i / MAX_PER_PEER).unwrap();
            let token = u16::try_from(i).unwrap().to_be_bytes();
            assert!(
                o.register(peer, &token, String::new(), Vec::new(), Transport::Tcp)
                    .is_some()
            );
        }
        assert!(
            o.register(9999, b"", String::new(), Vec::new(), Transport::Tcp)
                .is_none()
        );
        o.seq = 0x00ff_fffe;
        assert_eq!(o.next_seq(), 0x00ff_ffff);
        assert_eq!(o.next_seq(), 0);
    }

    #[test]
    fn every_tenth_notification_is_confirmable_and_undelivered_ends_it() {
        let mut o = Observations::<u8>::new();
        o.register(1, b"t", "x".into(), Vec::new(), Transport::Udp);
        let id = o.of(None)[0];
        let now = Instant::now();
        let con: Vec<bool> = (0..20).map(|_| o.count(id, now)).collect();
        assert_eq!(con.iter().filter(|c| **c).count(), 2);
        assert!(con[9] && con[19]);
        // A day after the last Confirmable one sent, the next is Confirmable whatever the
        // count; the count goes on from there.
        o.sent_confirmable(id, 76, now);
        let day = now + CONFIRMABLE_AFTER;
        assert!(!o.count(id, day - Duration::from_secs(1)));
        assert!(o.count(id, day));
        o.sent_confirmable(id, 77, day);
        assert!(!o.count(id, day + Duration::from_secs(1)));
        o.undelivered(76);
        assert!(o.get(id).is_some());
        o.undelivered(77);
        assert!(o.get(id).is_none());
    }

    /// An acknowledged Confirmable notification's message id, used again (the counter is
    /// shared and 16 bits wide) by a message that goes undelivered, ends no observation.
    #[test]
    fn an_acknowledged_notification_is_not_taken_for_an_undelivered_one() {
        let mut o = Observations::<u8>::new();
        o.register(1, b"a", "x".into(), Vec::new(), Transport::Udp);
        o.register(2, b"b", "x".into(), Vec::new(), Transport::Udp);
        let (a, b) = (o.of(None)[0], o.of(None)[1]);
        o.sent_confirmable(a, 7, Instant::now());
        o.sent_confirmable(b, 8, Instant::now());
        // Peer 1 acknowledged 7; peer 2's 8 still waits.
        o.acknowledged(1, |_| false);
        o.acknowledged(2, |m| m == 8);
        o.undelivered(7);
        assert!(o.get(a).is_some());
        o.undelivered(8);
        assert!(o.get(b).is_none());
    }
}
