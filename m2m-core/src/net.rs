//! What a server's accept loop does with an error of `accept` (feature `std`): one rule for the
//! tokio runners of every protocol crate.

use core::time::Duration;
use std::io::{Error, ErrorKind};

/// How long a server waits before it accepts again after a shortage of the host's.
pub const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// What a server that must not end for a client's doing does after an error of `accept`
/// (accept(2) lists the errors; Linux passes on the new connection's network errors):
///
/// - `Ok(Duration::ZERO)`: the error was the one connection's (aborted or reset by its peer
///   before it was taken, a network error of its own, or a signal): accept the next at once;
/// - `Ok(ACCEPT_PAUSE)`: a shortage of the host's (no file descriptor left, EMFILE or ENFILE; no
///   buffers; no memory), which a client can bring about by opening connections and which
///   passes as connections end, or anything else (a permission refused): wait, then accept
///   again (at once, an error that lasts would come again and again, and the loop would spin);
/// - `Err(e)`: the listener itself is broken (not a socket, not listening): stop with it.
pub fn accept_pause(e: Error) -> Result<Duration, Error> {
    match e.kind() {
        ErrorKind::ConnectionAborted
        | ErrorKind::ConnectionReset
        | ErrorKind::Interrupted
        | ErrorKind::HostUnreachable
        | ErrorKind::NetworkUnreachable
        | ErrorKind::NetworkDown => Ok(Duration::ZERO),
        ErrorKind::InvalidInput => Err(e),
        _ => match by_number(e.raw_os_error()) {
            Some(true) => Ok(Duration::ZERO),
            Some(false) => Err(e),
            None => Ok(ACCEPT_PAUSE),
        },
    }
}

/// The errors std gives no kind of their own, by their numbers in Linux's generic table:
/// `Some(true)` for the new connection's, `Some(false)` for a listener broken. MIPS and SPARC
/// number them otherwise, and other systems too: none there (the pause).
fn by_number(errno: Option<i32>) -> Option<bool> {
    const GENERIC_LINUX: bool = cfg!(all(
        target_os = "linux",
        not(any(
            target_arch = "mips",
            target_arch = "mips64",
            target_arch = "sparc",
            target_arch = "sparc64"
        ))
    ));
    if !GENERIC_LINUX {
        return None;
    }
    match errno? {
        // EPROTO, ENONET, EHOSTDOWN, ENOPROTOOPT, EOPNOTSUPP: the new connection's.
        71 | 64 | 112 | 92 | 95 => Some(true),
        // EBADF, ENOTSOCK: no listener.
        9 | 88 => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(e: Error) -> Option<Duration> {
        accept_pause(e).ok()
    }

    #[test]
    fn the_connections_errors_at_once_a_shortage_after_a_pause_a_broken_listener_stops() {
        for kind in [
            ErrorKind::ConnectionAborted,
            ErrorKind::ConnectionReset,
            ErrorKind::Interrupted,
            ErrorKind::NetworkDown,
        ] {
            assert_eq!(rule(Error::from(kind)), Some(Duration::ZERO));
        }
        assert_eq!(rule(Error::from(ErrorKind::InvalidInput)), None);
        // A permission refused may last: a pause, not a spin.
        assert_eq!(
            rule(Error::from(ErrorKind::PermissionDenied)),
            Some(ACCEPT_PAUSE)
        );
        #[cfg(target_os = "linux")]
        {
            // EMFILE, ENFILE; EPROTO; EBADF.
            for shortage in [24, 23] {
                assert_eq!(rule(Error::from_raw_os_error(shortage)), Some(ACCEPT_PAUSE));
            }
            assert_eq!(rule(Error::from_raw_os_error(71)), Some(Duration::ZERO));
            assert_eq!(rule(Error::from_raw_os_error(9)), None);
        }
    }
}
