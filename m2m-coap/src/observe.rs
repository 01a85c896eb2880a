//! Observe bookkeeping for a server (RFC 7641 §4): who observes a resource, with which token,
//! and the 24-bit sequence number of its notifications. The client side (freshness, RFC 7641
//! §3.4) is in the endpoint.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::option::value::OBSERVE_MODULUS;
use crate::token::Token;

/// One observer: its address and the token of its registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Observer<P> {
    /// Where notifications go.
    pub peer: P,
    token: Token,
}

impl<P> Observer<P> {
    /// The token every notification carries.
    #[must_use]
    pub fn token(&self) -> &[u8] {
        self.token.as_slice()
    }
}

/// What a GET with an Observe option asks for (RFC 7641 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Registration {
    /// Observe 0: add (or renew) the observer.
    Register,
    /// Observe 1: remove it.
    Deregister,
}

impl Registration {
    /// The meaning of a request's Observe value; other values are not a registration.
    #[must_use]
    pub const fn from_value(v: u32) -> Option<Self> {
        match v {
            0 => Some(Registration::Register),
            1 => Some(Registration::Deregister),
            _ => None,
        }
    }
}

/// The observers of one resource, at most `N`, and its notification sequence.
#[derive(Debug, Clone)]
pub struct Observers<P, const N: usize> {
    list: [Option<Observer<P>>; N],
    seq: u32,
}

impl<P: Copy + Eq, const N: usize> Default for Observers<P, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Copy + Eq, const N: usize> Observers<P, N> {
    /// No observers.
    #[must_use]
    pub const fn new() -> Self {
        Observers {
            list: [None; N],
            seq: 0,
        }
    }

    /// Adds an observer, or renews it: a peer registering again with the same token replaces
    /// its entry (RFC 7641 §4.1). Returns `false` when the list is full (the server then
    /// answers without an Observe option: the client is not an observer).
    pub fn register(&mut self, peer: P, token: &[u8]) -> bool {
        let Some(t) = Token::new(token) else {
            return false;
        };
        let entry = Observer { peer, token: t };
        let at = self
            .list
            .iter()
            .position(|o| o.is_some_and(|o| o.peer == peer && o.token() == token))
            .or_else(|| self.list.iter().position(Option::is_none));
        match at.and_then(|i| self.list.get_mut(i)) {
            Some(slot) => {
                *slot = Some(entry);
                true
            }
            None => false,
        }
    }

    /// Removes an observer (a deregistration, a Reset to a notification, a notification that was
    /// never acknowledged).
    pub fn remove(&mut self, peer: P, token: &[u8]) {
        for o in &mut self.list {
            if o.is_some_and(|o| o.peer == peer && o.token() == token) {
                *o = None;
            }
        }
    }

    /// Removes every observer at `peer`.
    pub fn remove_peer(&mut self, peer: P) {
        for o in &mut self.list {
            if o.is_some_and(|o| o.peer == peer) {
                *o = None;
            }
        }
    }

    /// The observers.
    pub fn iter(&self) -> impl Iterator<Item = &Observer<P>> {
        self.list.iter().flatten()
    }

    /// How many observe the resource.
    #[must_use]
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// No one observes it.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The Observe value of the next notification: increasing, modulo 2^24 (RFC 7641 §4.4).
    pub fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1) % OBSERVE_MODULUS;
        self.seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::option::value::is_fresher;

    #[test]
    fn register_renew_remove() {
        let mut obs = Observers::<u8, 2>::new();
        assert!(obs.register(1, b"ab"));
        assert!(obs.register(1, b"ab"), "renewal replaces");
        assert_eq!(obs.len(), 1);
        assert!(obs.register(2, b"cd"));
        assert!(!obs.register(3, b"ef"), "full");
        obs.remove(1, b"ab");
        assert_eq!(
            obs.iter().map(|o| o.peer).collect::<std::vec::Vec<_>>(),
            [2]
        );
        obs.remove_peer(2);
        assert!(obs.is_empty());
        assert!(!obs.register(1, &[0; 9]));
        assert_eq!(Registration::from_value(1), Some(Registration::Deregister));
    }

    #[test]
    fn sequence_wraps_and_stays_fresh() {
        let mut obs = Observers::<u8, 1>::new();
        obs.seq = OBSERVE_MODULUS - 2;
        let a = obs.next_seq();
        let b = obs.next_seq();
        let c = obs.next_seq();
        assert_eq!((a, b, c), (OBSERVE_MODULUS - 1, 0, 1));
        assert!(is_fresher(a, 0, b, 0) && is_fresher(b, 0, c, 0));
    }
}
