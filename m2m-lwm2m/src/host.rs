//! What the two std runners ([`crate::blocking`] and the tokio `runner`) share: time from the
//! system clock, a seed for message ids and tokens, the local address a client binds, and the
//! io errors they report.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::net::SocketAddr;
use std::io;
use std::string::ToString;

use m2m_core::Timestamp;

use crate::client::{
    ObjectTree, ServerAccount, bootstrap_account, purge_bootstrap_account, server_account,
};
use crate::server::{RegId, Server, SessionError};

/// Now: the system clock's time when the first runner asked, moved on by the monotonic clock
/// since. The protocol's timers (registration lifetimes, retransmissions, queue mode) then
/// neither jump nor stop when the system clock is stepped, and the times still read as wall
/// time (close to [`Timestamp::now`], for an application that calls the sans-IO parts itself).
pub(crate) fn now() -> Timestamp {
    static ANCHOR: std::sync::OnceLock<(std::time::Instant, Timestamp)> =
        std::sync::OnceLock::new();
    let (start, wall) = ANCHOR.get_or_init(|| {
        (
            std::time::Instant::now(),
            Timestamp::now().unwrap_or(Timestamp::EPOCH),
        )
    });
    wall.checked_add(start.elapsed()).unwrap_or(*wall)
}

/// How long until `deadline`: zero when it has passed (a runner then acts at once instead of
/// waiting its longest).
pub(crate) fn until(deadline: Timestamp) -> core::time::Duration {
    deadline
        .duration_since(now())
        .unwrap_or(core::time::Duration::ZERO)
}

/// Some entropy for CoAP message ids and tokens.
pub(crate) fn seed() -> u64 {
    m2m_core::random::seed()
}

/// The address a client of `server` binds: an ephemeral port on loopback for a loopback IPv4
/// server, on every interface otherwise.
pub(crate) fn local_addr(server: SocketAddr) -> &'static str {
    if server.ip().is_loopback() && server.is_ipv4() {
        "127.0.0.1:0"
    } else if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
}

/// The host and port of an LwM2M Server URI (`coap://host:port`) the runners can reach: they
/// speak CoAP over UDP without DTLS, so any other scheme is [`io::ErrorKind::Unsupported`].
pub(crate) fn udp_server(uri: &str) -> io::Result<(&str, u16)> {
    let parsed = m2m_coap::uri::Uri::parse(uri).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            std::format!("server URI {uri:?}: {e}"),
        )
    })?;
    if parsed.scheme != m2m_coap::uri::Scheme::Coap {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            std::format!("server URI {uri:?}: the runners speak coap:// (UDP, no DTLS) only"),
        ));
    }
    Ok((parsed.host, parsed.effective_port()))
}

/// The LwM2M Server account of `tree` a runner registers with ([`server_account`]); its
/// absence is [`io::ErrorKind::NotFound`].
pub(crate) fn account<T: ObjectTree + ?Sized>(
    tree: &T,
    ssid: Option<u16>,
) -> io::Result<ServerAccount<'_>> {
    server_account(tree, ssid).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "no LwM2M Server account (Security and Server instances of one Short Server ID, with a URI) in the tree",
        )
    })
}

/// The host and port a runner sends the Bootstrap-Request to when
/// [`ClientEvent::BootstrapDue`](crate::client::ClientEvent::BootstrapDue) comes (Core 1.1
/// §6.1, Bootstrap Sequence step 4): those of the URI of the Bootstrap-Server account of
/// `tree` ([`bootstrap_account`]). No such account, or one without a URI, is
/// [`io::ErrorKind::NotFound`]; a URI the runners cannot reach is [`udp_server`]'s error.
pub(crate) fn bootstrap_server<T: ObjectTree + ?Sized>(tree: &T) -> io::Result<(&str, u16)> {
    let uri = bootstrap_account(tree).and_then(|a| a.uri).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "no Bootstrap-Server account with a URI in the tree",
        )
    })?;
    udp_server(uri)
}

/// What a runner does on
/// [`ClientEvent::BootstrapAccountExpired`](crate::client::ClientEvent::BootstrapAccountExpired)
/// (Core 1.1 §6.1, Client Initiated Bootstrap step 3): [`purge_bootstrap_account`], the tree's
/// refusal as an io error.
pub(crate) fn purge<T: ObjectTree + ?Sized>(tree: &mut T) -> io::Result<()> {
    purge_bootstrap_account(tree).map_err(|c| {
        io::Error::other(std::format!(
            "the tree refused to purge the Bootstrap-Server account: {c}"
        ))
    })
}

/// What an account's Binding (`/1/x/7`) asks of a runner, which speaks CoAP over UDP: `true`
/// for queue mode (a `Q`, the LwM2M 1.0 way: `UQ`, `UQS`); a binding without `U` (`T`, `S`,
/// `N`: another transport only) is [`io::ErrorKind::Unsupported`]. No binding: UDP.
pub(crate) fn binding_queue(binding: Option<&str>) -> io::Result<bool> {
    match binding {
        Some(b) if !b.contains('U') => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            std::format!("binding {b:?}: the runners speak CoAP over UDP (U) only"),
        )),
        Some(b) => Ok(b.contains('Q')),
        None => Ok(false),
    }
}

/// The address `host` resolved to (`addrs`) that a client reaching `now` takes: the first of
/// the same family as `now` (the network the client already reaches: `localhost` may resolve
/// to `::1` first where the server listens on `127.0.0.1`), else the first; none is
/// [`io::ErrorKind::NotFound`].
pub(crate) fn first_address(
    addrs: impl Iterator<Item = SocketAddr>,
    host: &str,
    now: SocketAddr,
) -> io::Result<SocketAddr> {
    let mut first = None;
    for a in addrs {
        if a.is_ipv4() == now.is_ipv4() {
            return Ok(a);
        }
        first = first.or(Some(a));
    }
    first.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            std::format!("{host} resolves to no address"),
        )
    })
}

/// A session error as an io error ([`io::ErrorKind::WouldBlock`] for a client asleep in
/// queue mode: wait for it to wake).
pub(crate) fn session(e: SessionError) -> io::Error {
    match e {
        SessionError::Asleep => io::Error::new(io::ErrorKind::WouldBlock, e.to_string()),
        e => io::Error::other(e.to_string()),
    }
}

/// The id of `endpoint`'s registration with `server`; [`io::ErrorKind::NotFound`] when it has
/// none.
pub(crate) fn registered<P: Copy + Eq, const R: usize, const N: usize, const B: usize>(
    server: &Server<P, R, N, B>,
    endpoint: &str,
) -> io::Result<RegId> {
    server.find(endpoint).map(|r| r.id).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            std::format!("{endpoint} is not registered"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The account's Binding: `U` with or without `Q`; none is UDP; another transport alone is
    /// refused.
    #[test]
    fn a_binding_names_udp_and_perhaps_queue_mode() {
        assert!(!binding_queue(None).unwrap());
        assert!(!binding_queue(Some("U")).unwrap());
        assert!(binding_queue(Some("UQ")).unwrap());
        assert!(binding_queue(Some("UQS")).unwrap());
        for other in ["T", "S", "SQ", "N"] {
            assert_eq!(
                binding_queue(Some(other)).unwrap_err().kind(),
                io::ErrorKind::Unsupported
            );
        }
    }

    #[test]
    fn local_addresses() {
        let at = |s: &str| local_addr(s.parse().unwrap());
        assert_eq!(at("127.0.0.1:5683"), "127.0.0.1:0");
        assert_eq!(at("192.0.2.1:5683"), "0.0.0.0:0");
        assert_eq!(at("[::1]:5683"), "[::]:0");
        assert_eq!(at("[2001:db8::1]:5683"), "[::]:0");
    }

    #[test]
    fn server_uris_the_runners_reach() {
        assert_eq!(
            udp_server("coap://example.net").unwrap(),
            ("example.net", 5683)
        );
        assert_eq!(udp_server("COAP://[::1]:7/x").unwrap(), ("::1", 7));
        assert_eq!(
            udp_server("coap://192.0.2.1:56830").unwrap(),
            ("192.0.2.1", 56830)
        );
        for uri in [
            "coaps://example.net",
            "coap+tcp://example.net",
            "coap+ws://h",
        ] {
            let e = udp_server(uri).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{uri}");
        }
        for uri in ["", "sms://+3312", "coap://h:port", "coap://"] {
            let e = udp_server(uri).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{uri}");
        }
        let v4: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let v6: SocketAddr = "[::1]:9".parse().unwrap();
        let addrs: [SocketAddr; 3] = [
            "[::1]:1".parse().unwrap(),
            "192.0.2.1:1".parse().unwrap(),
            "192.0.2.2:1".parse().unwrap(),
        ];
        assert_eq!(first_address(addrs.into_iter(), "h", v4).unwrap(), addrs[1]);
        assert_eq!(first_address(addrs.into_iter(), "h", v6).unwrap(), addrs[0]);
        let only_v6 = addrs.into_iter().take(1);
        assert_eq!(first_address(only_v6, "h", v4).unwrap(), addrs[0]);
        let e = first_address(core::iter::empty(), "h", v4).unwrap_err();
        assert_eq!(e.to_string(), "h resolves to no address");
    }

    #[test]
    fn clock_and_errors() {
        // After 2020-01-01, in milliseconds.
        assert!(now().as_millis() > 1_577_836_800_000);
        let server: Server<u8> = Server::new(1);
        let e = registered(&server, "pump-1").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert_eq!(e.to_string(), "pump-1 is not registered");
        assert_eq!(
            session(SessionError::UnknownRegistration).to_string(),
            "unknown registration"
        );
    }

    #[test]
    fn the_clock_goes_on_and_a_deadline_passed_is_now() {
        let a = now();
        std::thread::sleep(core::time::Duration::from_millis(5));
        let b = now();
        assert!(b > a);
        // Close to the system clock (the anchor is taken from it).
        let wall = Timestamp::now().unwrap();
        assert!(wall.as_millis().abs_diff(b.as_millis()) < 1_000);
        assert_eq!(until(a), core::time::Duration::ZERO);
        assert!(
            until(b.checked_add(core::time::Duration::from_secs(5)).unwrap())
                > core::time::Duration::from_secs(4)
        );
    }
}
