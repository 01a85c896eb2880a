//! What a server's accept loop does with an error of `accept` (feature `std`): one rule for the
//! tokio runners of every protocol crate.

use core::time::Duration;

/// How long a server waits before it accepts again after an error that is not one connection's.
pub const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// What an error of `accept` means for a server that must not end for it: `None` for an error
/// of the one connection (aborted or reset by its peer before it was taken, or a signal): the
/// next is accepted at once. Anything else is a shortage of the host's (no file descriptor
/// left, EMFILE or ENFILE; no buffers; no memory), which a client can bring about by opening
/// connections and which passes as connections end: wait [`ACCEPT_PAUSE`] and accept again (at
/// once, the connection still waiting in the backlog would fail again and again, and the loop
/// would spin).
#[must_use]
pub fn accept_pause(e: &std::io::Error) -> Option<Duration> {
    match e.kind() {
        std::io::ErrorKind::ConnectionAborted
        | std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::Interrupted => None,
        _ => Some(ACCEPT_PAUSE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};

    #[test]
    fn one_connection_at_once_a_shortage_after_a_pause() {
        for kind in [
            ErrorKind::ConnectionAborted,
            ErrorKind::ConnectionReset,
            ErrorKind::Interrupted,
        ] {
            assert_eq!(accept_pause(&Error::from(kind)), None);
        }
        // EMFILE, as Linux numbers it.
        assert_eq!(
            accept_pause(&Error::from_raw_os_error(24)),
            Some(ACCEPT_PAUSE)
        );
    }
}
