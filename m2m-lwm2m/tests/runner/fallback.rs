//! The fallback to Bootstrap over the runners (Core 1.1 §6.1, Bootstrap Sequence step 4): a
//! client whose Register is refused bootstraps after the hold-off, purges the bootstrap account
//! when its timeout runs out, and tries a fallback that could not go on again after the
//! back-off.

use super::bootstrap::{
    Accounts, Owned, account_writes, bootstrap_only, write_and_finish, write_and_finish_async,
};
use super::*;

/// A server that refuses every Register with 4.03 Forbidden, on a socket of its own.
async fn refusing_server() -> std::net::SocketAddr {
    use m2m_coap::{Builder, Message, Type};
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 1280];
        loop {
            let (n, peer) = socket.recv_from(&mut buf).await.unwrap();
            let Ok(m) = Message::parse_udp(&buf[..n]) else {
                continue;
            };
            let mid = m.message_id().unwrap();
            let mut b = Builder::<0>::udp(Type::Acknowledgement, Code::FORBIDDEN, mid);
            b.token(m.token());
            let mut out = [0u8; 64];
            let k = b.encode(&mut out).unwrap();
            socket.send_to(&out[..k], peer).await.unwrap();
        }
    });
    addr
}

#[tokio::test]
async fn the_async_client_bootstraps_after_the_hold_off_when_register_is_abandoned() {
    let mut bs = AsyncServer::bootstrap("127.0.0.1:0").await.unwrap();
    let bs_addr = bs.local_addr().unwrap();
    let refusing = refusing_server().await;
    // The bootstrap account (a Client Hold Off Time of 1 s) and a server's account whose
    // Register is tried once, never to be accepted; Bootstrap on Registration Failure absent.
    let mut accounts = bootstrap_only(bs_addr);
    accounts.0.extend([
        (Path::resource(0, 0, 11), Owned::Int(1)),
        (
            Path::resource(0, 1, 0),
            Owned::Str(format!("coap://{refusing}")),
        ),
        (Path::resource(0, 1, 1), Owned::Bool(false)),
        (Path::resource(0, 1, 10), Owned::Int(3)),
        (Path::resource(1, 1, 0), Owned::Int(3)),
        (Path::resource(1, 1, 17), Owned::Int(1)),
        (Path::resource(1, 1, 20), Owned::Int(1)),
    ]);
    let client_task = tokio::spawn(async move {
        let mut client = AsyncClient::new(refusing, Settings::new("fallback-1"))
            .await
            .unwrap();
        client.register_account(&accounts, None).await.unwrap();
        let mut seen = Vec::new();
        let mut abandoned = None;
        while !seen.contains(&ClientEvent::BootstrapStarted) {
            let e = client.next(&mut accounts).await.unwrap();
            if e == ClientEvent::RegistrationAbandoned {
                abandoned = Some(tokio::time::Instant::now());
            }
            seen.push(e);
        }
        (seen, abandoned.unwrap())
    });
    // The runner sends the Bootstrap-Request itself, to the account's URI, a second after
    // Register was given up.
    let ServerNote::BootstrapRequested { endpoint, .. } =
        tokio::time::timeout(Duration::from_secs(10), bs.next())
            .await
            .expect("a Bootstrap-Request within 10 s")
            .unwrap()
    else {
        panic!("a Bootstrap-Request first");
    };
    let requested = tokio::time::Instant::now();
    assert_eq!(endpoint, "fallback-1");
    let (seen, abandoned) = tokio::select! {
        done = client_task => done.unwrap(),
        _ = async { loop { let _ = bs.next().await; } } => unreachable!(),
    };
    assert!(
        requested.duration_since(abandoned) >= Duration::from_millis(900),
        "held off {:?}",
        requested.duration_since(abandoned)
    );
    assert_eq!(
        seen,
        [
            ClientEvent::RegistrationAbandoned,
            ClientEvent::BootstrapDue,
            ClientEvent::BootstrapStarted
        ]
    );
}

#[tokio::test]
async fn the_async_client_purges_the_bootstrap_account_when_its_timeout_runs_out() {
    let mut bs = AsyncServer::bootstrap("127.0.0.1:0").await.unwrap();
    let bs_addr = bs.local_addr().unwrap();
    let client_task = tokio::spawn(async move {
        let mut accounts = bootstrap_only(bs_addr);
        let mut client = AsyncClient::new(bs_addr, Settings::new("purged-1"))
            .await
            .unwrap();
        client.bootstrap(None).await.unwrap();
        while client.next(&mut accounts).await.unwrap() != ClientEvent::BootstrapFinished {}
        let finished = tokio::time::Instant::now();
        let e = client.next(&mut accounts).await.unwrap();
        (e, finished.elapsed(), accounts)
    });
    let ServerNote::BootstrapRequested { peer, .. } = bs.next().await.unwrap() else {
        panic!("a Bootstrap-Request first");
    };
    let writes = expiring_account_writes();
    write_and_finish_async(&mut bs, peer, writes).await;
    let (e, after, accounts) = tokio::time::timeout(Duration::from_secs(10), client_task)
        .await
        .expect("expired within 10 s")
        .unwrap();
    assert_eq!(e, ClientEvent::BootstrapAccountExpired { security: 0 });
    assert!(after >= Duration::from_millis(900), "{after:?}");
    assert_purged(&accounts);
}

/// [`refusing_server`] on a std socket, for the blocking client.
fn refusing_server_std() -> std::net::SocketAddr {
    use m2m_coap::{Builder, Message, Type};
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1280];
        loop {
            let (n, peer) = socket.recv_from(&mut buf).unwrap();
            let Ok(m) = Message::parse_udp(&buf[..n]) else {
                continue;
            };
            let mid = m.message_id().unwrap();
            let mut b = Builder::<0>::udp(Type::Acknowledgement, Code::FORBIDDEN, mid);
            b.token(m.token());
            let mut out = [0u8; 64];
            let k = b.encode(&mut out).unwrap();
            socket.send_to(&out[..k], peer).unwrap();
        }
    });
    addr
}

#[test]
fn the_blocking_client_bootstraps_after_the_hold_off_when_register_is_abandoned() {
    use m2m_lwm2m::blocking::{BootstrapRequest, Client, Server};
    let mut bs = Server::bootstrap("127.0.0.1:0").unwrap();
    let bs_addr = bs.local_addr().unwrap();
    let refusing = refusing_server_std();
    // As for the async client: a Client Hold Off Time of 1 s, a server that refuses Register.
    let mut accounts = bootstrap_only(bs_addr);
    accounts.0.extend([
        (Path::resource(0, 0, 11), Owned::Int(1)),
        (
            Path::resource(0, 1, 0),
            Owned::Str(format!("coap://{refusing}")),
        ),
        (Path::resource(0, 1, 1), Owned::Bool(false)),
        (Path::resource(0, 1, 10), Owned::Int(3)),
        (Path::resource(1, 1, 0), Owned::Int(3)),
        (Path::resource(1, 1, 17), Owned::Int(1)),
        (Path::resource(1, 1, 20), Owned::Int(1)),
    ]);
    let client = std::thread::spawn(move || {
        let mut client = Client::new(refusing, Settings::new("fallback-2")).unwrap();
        client.register_account(&accounts, None).unwrap();
        let mut seen = Vec::new();
        let mut abandoned = None;
        let end = std::time::Instant::now() + Duration::from_secs(10);
        while !seen.contains(&ClientEvent::BootstrapStarted) && std::time::Instant::now() < end {
            client
                .turn(&mut accounts, Duration::from_millis(20))
                .unwrap();
            for e in client.take_events() {
                if e == ClientEvent::RegistrationAbandoned {
                    abandoned = Some(std::time::Instant::now());
                }
                seen.push(e);
            }
        }
        (seen, abandoned.unwrap())
    });
    // The runner sends the Bootstrap-Request itself, to the account's URI, a second after
    // Register was given up.
    let BootstrapRequest { endpoint, .. } =
        bs.wait_bootstrap_request(Duration::from_secs(10)).unwrap();
    let requested = std::time::Instant::now();
    assert_eq!(endpoint, "fallback-2");
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while !client.is_finished() && std::time::Instant::now() < end {
        bs.serve_for(Duration::from_millis(50)).unwrap();
    }
    let (seen, abandoned) = client.join().unwrap();
    assert!(
        requested.duration_since(abandoned) >= Duration::from_millis(900),
        "held off {:?}",
        requested.duration_since(abandoned)
    );
    assert_eq!(
        seen,
        [
            ClientEvent::RegistrationAbandoned,
            ClientEvent::BootstrapDue,
            ClientEvent::BootstrapStarted
        ]
    );
}

#[test]
fn the_blocking_client_purges_the_bootstrap_account_when_its_timeout_runs_out() {
    let (seen, after, accounts, _) = blocking_purge("purged-2", false);
    assert_eq!(
        seen.last(),
        Some(&ClientEvent::BootstrapAccountExpired { security: 0 }),
        "{seen:?}"
    );
    assert!(after >= Duration::from_millis(900), "{after:?}");
    assert_purged(&accounts);
}

/// A tree that refuses the purge: `turn` reports it, the account stays, and the runner has
/// the purge asked for again (`Client::purge_later` finds one due already).
#[test]
fn the_blocking_client_asks_again_for_a_purge_the_tree_refused() {
    let (seen, _, accounts, due_again) = blocking_purge("purged-3", true);
    assert_eq!(
        seen.last(),
        Some(&ClientEvent::BootstrapAccountExpired { security: 0 }),
        "{seen:?}"
    );
    assert!(
        accounts
            .0
            .contains(&(Path::resource(0, 0, 1), Owned::Bool(true)))
    );
    assert!(due_again);
}

/// A blocking client `name` bootstrapped with a Bootstrap-Server account timeout of a second,
/// turned until that account expires (or 10 s), its tree refusing deletes when `refuse`: the
/// events seen, the time from Bootstrap-Finish to the expiry, the tree, and whether a purge
/// was due again after it (`purge_later` refused).
fn blocking_purge(
    name: &'static str,
    refuse: bool,
) -> (Vec<ClientEvent>, Duration, Accounts, bool) {
    use m2m_lwm2m::blocking::{BootstrapRequest, Client, Server};
    let mut bs = Server::bootstrap("127.0.0.1:0").unwrap();
    let bs_addr = bs.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut accounts = Refusing(bootstrap_only(bs_addr), false);
        let mut client = Client::new(bs_addr, Settings::new(name)).unwrap();
        client.bootstrap(None).unwrap();
        let mut seen = Vec::new();
        let mut finished = None;
        let end = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < end
            && !seen.contains(&ClientEvent::BootstrapAccountExpired { security: 0 })
        {
            let turned = client.turn(&mut accounts, Duration::from_millis(20));
            for e in client.take_events() {
                if e == ClientEvent::BootstrapFinished {
                    finished = Some(std::time::Instant::now());
                    // Deletes refused from here on (a Bootstrap-Delete before would be too).
                    accounts.1 = refuse;
                }
                seen.push(e);
            }
            assert_eq!(
                turned.is_err(),
                refuse
                    && seen.last() == Some(&ClientEvent::BootstrapAccountExpired { security: 0 }),
                "{turned:?}"
            );
        }
        let due_again = !client
            .inner()
            .purge_later(m2m_core::Timestamp::from_millis(0), 0);
        (seen, finished.unwrap().elapsed(), accounts.0, due_again)
    });
    let BootstrapRequest { peer, .. } = bs.wait_bootstrap_request(Duration::from_secs(10)).unwrap();
    let writes = expiring_account_writes();
    write_and_finish(&mut bs, peer, writes);
    client.join().unwrap()
}

/// Purged by the runner: the Security instance /0/0 is gone, the server's account stays.
fn assert_purged(accounts: &Accounts) {
    assert!(
        accounts
            .0
            .iter()
            .all(|(p, _)| p.instance_id() != Some(0) || p.object_id() != Some(0))
    );
    assert!(
        accounts
            .0
            .contains(&(Path::resource(0, 1, 10), Owned::Int(3)))
    );
}

/// What the bootstrap server writes in the purge tests: its own account's timeout of a
/// second, and a server's account.
fn expiring_account_writes() -> Vec<(Path<'static>, Vec<u8>)> {
    let timeout = [Record::new(Path::resource(0, 0, 12), Value::Int(1))];
    let mut body = vec![0u8; 64];
    let n = m2m_lwm2m::body::encode(
        ContentFormat::LWM2M_TLV,
        &Path::instance(0, 0),
        &timeout,
        &mut body,
    )
    .unwrap();
    body.truncate(n);
    let mut writes = vec![(Path::instance(0, 0), body)];
    writes.extend(account_writes("coap://127.0.0.1:9", "U"));
    writes
}

/// [`Accounts`] that refuses every delete (4.05) while its flag is set.
struct Refusing(Accounts, bool);

impl ObjectTree for Refusing {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        self.0.objects(f);
    }
    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
        self.0.read(path, out)
    }
    fn write(&mut self, record: &Record<'_>, replace: bool) -> Result<(), Code> {
        self.0.write(record, replace)
    }
    fn delete(&mut self, path: &Path<'_>) -> Result<(), Code> {
        if self.1 {
            return Err(Code::METHOD_NOT_ALLOWED);
        }
        self.0.delete(path)
    }
}

/// A client whose Register `refusing` rejects (4.03: a fallback at once, no hold off) and
/// whose Bootstrap-Server account has a URI the runners cannot use (`coaps://`), a back-off
/// of 400 ms.
fn unusable_bootstrap_uri(refusing: std::net::SocketAddr) -> (Accounts, Settings<'static>) {
    let accounts = Accounts(vec![
        (
            Path::resource(0, 0, 0),
            Owned::Str("coaps://127.0.0.1:5684".into()),
        ),
        (Path::resource(0, 0, 1), Owned::Bool(true)),
        (
            Path::resource(0, 1, 0),
            Owned::Str(format!("coap://{refusing}")),
        ),
        (Path::resource(0, 1, 1), Owned::Bool(false)),
        (Path::resource(0, 1, 10), Owned::Int(3)),
        (Path::resource(1, 1, 0), Owned::Int(3)),
    ]);
    let backoff = m2m_lwm2m::client::Backoff {
        base: Duration::from_millis(400),
        cap: Duration::from_millis(400),
    };
    let settings = Settings {
        bootstrap_backoff: backoff,
        ..Settings::new("fallback-later")
    };
    (accounts, settings)
}

/// The account's URI mended to the bootstrap server at `bs`.
fn mend(accounts: &mut Accounts, bs: std::net::SocketAddr) {
    accounts.0.retain(|(p, _)| *p != Path::resource(0, 0, 0));
    accounts
        .0
        .push((Path::resource(0, 0, 0), Owned::Str(format!("coap://{bs}"))));
}

#[tokio::test]
async fn the_async_client_tries_a_fallback_it_could_not_start_again_after_the_back_off() {
    let mut bs = AsyncServer::bootstrap("127.0.0.1:0").await.unwrap();
    let bs_addr = bs.local_addr().unwrap();
    let refusing = refusing_server().await;
    let (mut accounts, settings) = unusable_bootstrap_uri(refusing);
    let client_task = tokio::spawn(async move {
        let mut client = AsyncClient::new(refusing, settings).await.unwrap();
        client.register_account(&accounts, None).await.unwrap();
        // BootstrapDue at once: the runner cannot reach a coaps:// URI, and says so in the
        // event's place.
        let failed = loop {
            match client.next(&mut accounts).await {
                Ok(e) => assert_eq!(e, ClientEvent::RegistrationAbandoned),
                Err(_) => break tokio::time::Instant::now(),
            }
        };
        // The account is mended; the fallback comes again after the back-off.
        mend(&mut accounts, bs_addr);
        let mut seen = Vec::new();
        while !seen.contains(&ClientEvent::BootstrapStarted) {
            seen.push(client.next(&mut accounts).await.unwrap());
        }
        (seen, failed.elapsed())
    });
    let ServerNote::BootstrapRequested { endpoint, .. } =
        tokio::time::timeout(Duration::from_secs(10), bs.next())
            .await
            .expect("a Bootstrap-Request within 10 s")
            .unwrap()
    else {
        panic!("a Bootstrap-Request first");
    };
    assert_eq!(endpoint, "fallback-later");
    let (seen, after) = tokio::select! {
        done = client_task => done.unwrap(),
        _ = async { loop { let _ = bs.next().await; } } => unreachable!(),
    };
    assert_eq!(
        seen,
        [ClientEvent::BootstrapDue, ClientEvent::BootstrapStarted]
    );
    assert!(after >= Duration::from_millis(350), "{after:?}");
}

#[test]
fn the_blocking_client_tries_a_fallback_it_could_not_start_again_after_the_back_off() {
    use m2m_lwm2m::blocking::{BootstrapRequest, Client, Server};
    let mut bs = Server::bootstrap("127.0.0.1:0").unwrap();
    let bs_addr = bs.local_addr().unwrap();
    let refusing = refusing_server_std();
    let (mut accounts, settings) = unusable_bootstrap_uri(refusing);
    let client = std::thread::spawn(move || {
        let mut client = Client::new(refusing, settings).unwrap();
        client.register_account(&accounts, None).unwrap();
        let end = std::time::Instant::now() + Duration::from_secs(10);
        // `turn` says the runner could not act on BootstrapDue; the event is listed.
        let failed = loop {
            assert!(std::time::Instant::now() < end, "no error");
            if client
                .turn(&mut accounts, Duration::from_millis(20))
                .is_err()
            {
                break std::time::Instant::now();
            }
        };
        assert_eq!(
            client.take_events(),
            [
                ClientEvent::RegistrationAbandoned,
                ClientEvent::BootstrapDue
            ]
        );
        mend(&mut accounts, bs_addr);
        let mut seen = Vec::new();
        while !seen.contains(&ClientEvent::BootstrapStarted) && std::time::Instant::now() < end {
            client
                .turn(&mut accounts, Duration::from_millis(20))
                .unwrap();
            seen.extend(client.take_events());
        }
        (seen, failed.elapsed())
    });
    let BootstrapRequest { endpoint, .. } =
        bs.wait_bootstrap_request(Duration::from_secs(10)).unwrap();
    assert_eq!(endpoint, "fallback-later");
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while !client.is_finished() && std::time::Instant::now() < end {
        bs.serve_for(Duration::from_millis(50)).unwrap();
    }
    let (seen, after) = client.join().unwrap();
    assert_eq!(
        seen,
        [ClientEvent::BootstrapDue, ClientEvent::BootstrapStarted]
    );
    assert!(after >= Duration::from_millis(350), "{after:?}");
}

/// A fallback Bootstrap that finishes with a server account the runner cannot register with
/// (a `coaps://` URI): `register_account` fails, and the fallback comes again after the
/// back-off (400 ms) instead of leaving the client idle.
#[tokio::test]
async fn the_async_client_bootstraps_again_when_the_account_written_cannot_be_registered() {
    let mut bs = AsyncServer::bootstrap("127.0.0.1:0").await.unwrap();
    let bs_addr = bs.local_addr().unwrap();
    let refusing = refusing_server().await;
    let (mut accounts, settings) = unusable_bootstrap_uri(refusing);
    mend(&mut accounts, bs_addr);
    let client_task = tokio::spawn(async move {
        let mut client = AsyncClient::new(refusing, settings).await.unwrap();
        client.register_account(&accounts, None).await.unwrap();
        while client.next(&mut accounts).await.unwrap() != ClientEvent::BootstrapFinished {}
        let refused = client.register_account(&accounts, None).await.is_err();
        let failed = tokio::time::Instant::now();
        let mut seen = Vec::new();
        while !seen.contains(&ClientEvent::BootstrapStarted) {
            seen.push(client.next(&mut accounts).await.unwrap());
        }
        (refused, seen, failed.elapsed())
    });
    let next_request = async |bs: &mut AsyncServer| loop {
        if let ServerNote::BootstrapRequested { peer, .. } = bs.next().await.unwrap() {
            break peer;
        }
    };
    let peer = tokio::time::timeout(Duration::from_secs(10), next_request(&mut bs))
        .await
        .expect("a Bootstrap-Request within 10 s");
    write_and_finish_async(&mut bs, peer, account_writes("coaps://127.0.0.1:5684", "U")).await;
    tokio::time::timeout(Duration::from_secs(10), next_request(&mut bs))
        .await
        .expect("a second Bootstrap-Request within 10 s");
    let (refused, seen, after) = tokio::select! {
        done = client_task => done.unwrap(),
        _ = async { loop { let _ = bs.next().await; } } => unreachable!(),
    };
    assert!(refused);
    assert_eq!(
        seen,
        [ClientEvent::BootstrapDue, ClientEvent::BootstrapStarted]
    );
    assert!(after >= Duration::from_millis(350), "{after:?}");
}

#[test]
fn the_blocking_client_bootstraps_again_when_the_account_written_cannot_be_registered() {
    use m2m_lwm2m::blocking::{BootstrapRequest, Client, Server};
    let mut bs = Server::bootstrap("127.0.0.1:0").unwrap();
    let bs_addr = bs.local_addr().unwrap();
    let refusing = refusing_server_std();
    let (mut accounts, settings) = unusable_bootstrap_uri(refusing);
    mend(&mut accounts, bs_addr);
    let client = std::thread::spawn(move || {
        let mut client = Client::new(refusing, settings).unwrap();
        client.register_account(&accounts, None).unwrap();
        let end = std::time::Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while !seen.contains(&ClientEvent::BootstrapFinished) && std::time::Instant::now() < end {
            client
                .turn(&mut accounts, Duration::from_millis(20))
                .unwrap();
            seen.extend(client.take_events());
        }
        let refused = client.register_account(&accounts, None).is_err();
        let failed = std::time::Instant::now();
        let mut seen = Vec::new();
        while !seen.contains(&ClientEvent::BootstrapStarted) && std::time::Instant::now() < end {
            client
                .turn(&mut accounts, Duration::from_millis(20))
                .unwrap();
            seen.extend(client.take_events());
        }
        (refused, seen, failed.elapsed())
    });
    let BootstrapRequest { peer, .. } = bs.wait_bootstrap_request(Duration::from_secs(10)).unwrap();
    write_and_finish(&mut bs, peer, account_writes("coaps://127.0.0.1:5684", "U"));
    bs.wait_bootstrap_request(Duration::from_secs(10)).unwrap();
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while !client.is_finished() && std::time::Instant::now() < end {
        bs.serve_for(Duration::from_millis(50)).unwrap();
    }
    let (refused, seen, after) = client.join().unwrap();
    assert!(refused);
    assert_eq!(
        seen,
        [ClientEvent::BootstrapDue, ClientEvent::BootstrapStarted]
    );
    assert!(after >= Duration::from_millis(350), "{after:?}");
}
