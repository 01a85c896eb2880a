//! A seed for the pseudo-random numbers of the protocol endpoints (CoAP message ids and tokens,
//! retransmission jitter) on machines with a standard library (feature `std`).

/// A seed that differs between processes and between calls: std's per-process random hash
/// keys, the wall clock's nanoseconds and the process id, mixed. Message ids and tokens must
/// be hard to guess (RFC 7252 §5.3.1, §11.4); this is the best std offers without a crypto
/// dependency, not a cryptographic secret. Never 0.
#[must_use]
pub fn seed() -> u64 {
    use core::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(clock);
    h.write_u32(std::process::id());
    h.finish() | 1
}

#[cfg(test)]
mod tests {
    #[test]
    fn seeds_differ_and_are_not_zero() {
        let (a, b) = (super::seed(), super::seed());
        assert_ne!(a, b);
        assert_ne!(a, 0);
    }
}
