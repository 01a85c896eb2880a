//! What a server's accept loop does with an error of `accept` (feature `std`): one rule for the
//! tokio runners of every protocol crate.

use core::time::Duration;
use std::io::{Error, ErrorKind};

/// How long a server waits before it accepts again after a shortage of the host's.
pub const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// What a server does after an error of `accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAccept {
    /// The error was the one connection's (aborted or reset by its peer before it was taken,
    /// a network error of its own, or a signal): accept the next at once.
    Again,
    /// A shortage of the host's (no file descriptor left, EMFILE or ENFILE; no buffers; no
    /// memory), which a client can bring about by opening connections and which passes as
    /// connections end, or anything else (a permission refused): wait this long and accept
    /// again (at once, an error that lasts would come again and again, and the loop would
    /// spin).
    Pause(Duration),
    /// The listener itself is broken (not a socket, not listening): stop, with the error.
    Stop,
}

/// What an error of `accept` means for a server that must not end for a client's doing
/// (accept(2) lists the errors: the new connection's network errors are passed on by Linux).
#[must_use]
pub fn after_accept_error(e: &Error) -> AfterAccept {
    match e.kind() {
        ErrorKind::ConnectionAborted
        | ErrorKind::ConnectionReset
        | ErrorKind::Interrupted
        | ErrorKind::HostUnreachable
        | ErrorKind::NetworkUnreachable
        | ErrorKind::NetworkDown => AfterAccept::Again,
        ErrorKind::InvalidInput => AfterAccept::Stop,
        _ => by_number(e.raw_os_error()).unwrap_or(AfterAccept::Pause(ACCEPT_PAUSE)),
    }
}

/// The errors std gives no kind of their own, by their numbers in Linux's generic table (the
/// architectures whose numbers differ, MIPS and SPARC, and other systems take the pause).
#[cfg(all(
    target_os = "linux",
    not(any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "sparc",
        target_arch = "sparc64"
    ))
))]
fn by_number(errno: Option<i32>) -> Option<AfterAccept> {
    match errno? {
        // EPROTO, ENONET, EHOSTDOWN, ENOPROTOOPT, EOPNOTSUPP: the new connection's.
        71 | 64 | 112 | 92 | 95 => Some(AfterAccept::Again),
        // EBADF, ENOTSOCK: no listener.
        9 | 88 => Some(AfterAccept::Stop),
        _ => None,
    }
}

#[cfg(not(all(
    target_os = "linux",
    not(any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "sparc",
        target_arch = "sparc64"
    ))
)))]
fn by_number(_errno: Option<i32>) -> Option<AfterAccept> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connections_errors_at_once_a_shortage_after_a_pause_a_broken_listener_stops() {
        for kind in [
            ErrorKind::ConnectionAborted,
            ErrorKind::ConnectionReset,
            ErrorKind::Interrupted,
            ErrorKind::NetworkDown,
        ] {
            assert_eq!(after_accept_error(&Error::from(kind)), AfterAccept::Again);
        }
        assert_eq!(
            after_accept_error(&Error::from(ErrorKind::InvalidInput)),
            AfterAccept::Stop
        );
        // A permission refused may last: a pause, not a spin.
        assert_eq!(
            after_accept_error(&Error::from(ErrorKind::PermissionDenied)),
            AfterAccept::Pause(ACCEPT_PAUSE)
        );
        #[cfg(target_os = "linux")]
        {
            // EMFILE, ENFILE; EPROTO; EBADF.
            for shortage in [24, 23] {
                assert_eq!(
                    after_accept_error(&Error::from_raw_os_error(shortage)),
                    AfterAccept::Pause(ACCEPT_PAUSE)
                );
            }
            assert_eq!(
                after_accept_error(&Error::from_raw_os_error(71)),
                AfterAccept::Again
            );
            assert_eq!(
                after_accept_error(&Error::from_raw_os_error(9)),
                AfterAccept::Stop
            );
        }
    }
}
