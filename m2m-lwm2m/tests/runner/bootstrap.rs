//! Bootstrap servers over the runners, and clients registering with the account they write.

use super::*;

/// A value of the accounts' tree, owned.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Owned {
    Int(i64),
    Bool(bool),
    Str(String),
    Bytes(Vec<u8>),
}

/// A device's accounts (Security /0 and Server /1), as the bootstrap server writes them.
#[derive(Default)]
pub(super) struct Accounts(pub(super) Vec<(Path<'static>, Owned)>);

impl ObjectTree for Accounts {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        let mut seen: Vec<Path<'static>> = Vec::new();
        for (p, _) in &self.0 {
            let i = Path::instance(p.object_id().unwrap(), p.instance_id().unwrap());
            if !seen.contains(&i) {
                seen.push(i);
                f(ObjectLink::path(i));
            }
        }
    }
    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
        let mut any = false;
        for (p, v) in &self.0 {
            if path.contains(p) {
                let value = match v {
                    Owned::Int(i) => Value::Int(*i),
                    Owned::Bool(b) => Value::Bool(*b),
                    Owned::Str(s) => Value::Str(Text::Plain(s)),
                    Owned::Bytes(b) => Value::Opaque(m2m_lwm2m::Opaque::Raw(b)),
                };
                out.push(Record::new(*p, value))?;
                any = true;
            }
        }
        if any { Ok(()) } else { Err(Code::NOT_FOUND) }
    }
    fn write(&mut self, record: &Record<'_>, _replace: bool) -> Result<(), Code> {
        let v = match record.value {
            Some(Value::Int(i)) => Owned::Int(i),
            Some(Value::Bool(b)) => Owned::Bool(b),
            Some(Value::Str(t)) => Owned::Str(t.to_string()),
            Some(Value::Opaque(b)) => Owned::Bytes(b.bytes().collect()),
            _ => return Err(Code::BAD_REQUEST),
        };
        let p = record.path.without_prefix();
        self.0.retain(|(q, _)| *q != p);
        self.0.push((p, v));
        Ok(())
    }
    fn delete(&mut self, path: &Path<'_>) -> Result<(), Code> {
        let before = self.0.len();
        self.0.retain(|(p, _)| !path.contains(p));
        if self.0.len() < before {
            Ok(())
        } else {
            Err(Code::NOT_FOUND)
        }
    }
}

#[tokio::test]
async fn the_async_bootstrap_server_writes_a_certificate_account_in_blocks() {
    let mut bs = AsyncServer::bootstrap("127.0.0.1:0").await.unwrap();
    let addr = bs.local_addr().unwrap();
    let certificate: Vec<u8> = (0..1800u32)
        .map(|i| u8::try_from(i * 7 % 256).unwrap())
        .collect();
    let expected = certificate.clone();
    let client_task = tokio::spawn(async move {
        let mut accounts = Accounts::default();
        let mut client = AsyncClient::new(addr, Settings::new("cert-1"))
            .await
            .unwrap();
        client
            .bootstrap(Some(ContentFormat::SENML_JSON))
            .await
            .unwrap();
        loop {
            if client.next(&mut accounts).await.unwrap() == ClientEvent::BootstrapFinished {
                break;
            }
        }
        accounts
    });
    let ServerNote::BootstrapRequested {
        endpoint,
        peer,
        preferred,
    } = bs.next().await.unwrap()
    else {
        panic!("a Bootstrap-Request first");
    };
    assert_eq!(endpoint, "cert-1");
    assert_eq!(preferred, Some(ContentFormat::SENML_JSON));
    // The server's account: a Security instance with its certificate (larger than a
    // message), and its Server instance.
    let uri = Text::Plain("coaps://127.0.0.1:5684");
    let security = [
        Record::new(Path::resource(0, 1, 0), Value::Str(uri)),
        Record::new(Path::resource(0, 1, 1), Value::Bool(false)),
        Record::new(Path::resource(0, 1, 2), Value::Int(2)),
        Record::new(
            Path::resource(0, 1, 3),
            Value::Opaque(m2m_lwm2m::Opaque::Raw(&certificate)),
        ),
        Record::new(Path::resource(0, 1, 10), Value::Int(7)),
    ];
    let server = [
        Record::new(Path::resource(1, 1, 0), Value::Int(7)),
        Record::new(Path::resource(1, 1, 1), Value::Int(300)),
        Record::new(Path::resource(1, 1, 7), Value::Str(Text::Plain("U"))),
    ];
    for (instance, records) in [
        (Path::instance(0, 1), &security[..]),
        (Path::instance(1, 1), &server[..]),
    ] {
        let mut body = vec![0u8; 4096];
        let n = m2m_lwm2m::body::encode(ContentFormat::LWM2M_TLV, &instance, records, &mut body)
            .unwrap();
        let write = ClientRequest::Write {
            path: instance,
            replace: true,
            format: ContentFormat::LWM2M_TLV,
            payload: &body[..n],
        };
        let rid = bs.send_to(peer, &write).unwrap();
        let rsp = tokio::time::timeout(Duration::from_secs(20), bs.response(rid))
            .await
            .expect("answered")
            .unwrap();
        assert_eq!(rsp.code, Code::CHANGED, "{instance}");
    }
    let rid = bs.send_to(peer, &ClientRequest::BootstrapFinish).unwrap();
    let rsp = bs.response(rid).await.unwrap();
    assert_eq!(rsp.code, Code::CHANGED);
    let accounts = tokio::time::timeout(Duration::from_secs(20), client_task)
        .await
        .expect("finished")
        .unwrap();
    let cert = accounts
        .0
        .iter()
        .find(|(p, _)| *p == Path::resource(0, 1, 3))
        .map(|(_, v)| v.clone());
    assert_eq!(cert, Some(Owned::Bytes(expected)));
    assert!(
        accounts
            .0
            .contains(&(Path::resource(1, 1, 1), Owned::Int(300)))
    );
}

#[test]
fn the_blocking_bootstrap_server_writes_an_account_and_finishes() {
    use m2m_lwm2m::blocking::{BootstrapRequest, Client, Server};
    let mut bs = Server::bootstrap("127.0.0.1:0").unwrap();
    let addr = bs.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut accounts = Accounts::default();
        for i in 0..150 {
            accounts
                .0
                .push((Path::resource(3303, i, 5700), Owned::Int(20)));
        }
        let mut client = Client::new(addr, Settings::new("psk-1")).unwrap();
        client.bootstrap(Some(ContentFormat::SENML_CBOR)).unwrap();
        let end = std::time::Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while !seen.contains(&ClientEvent::BootstrapFinished) && std::time::Instant::now() < end {
            client
                .turn(&mut accounts, Duration::from_millis(20))
                .unwrap();
            seen.extend(client.take_events());
        }
        (accounts, seen)
    });
    let BootstrapRequest {
        endpoint,
        peer,
        preferred,
    } = bs.wait_bootstrap_request(Duration::from_secs(10)).unwrap();
    assert_eq!(endpoint, "psk-1");
    // The client's `pct` reaches the application.
    assert_eq!(preferred, Some(ContentFormat::SENML_CBOR));
    let key = [0x5au8; 1500];
    let security = [
        Record::new(
            Path::resource(0, 1, 0),
            Value::Str(Text::Plain("coaps://x")),
        ),
        Record::new(Path::resource(0, 1, 1), Value::Bool(false)),
        Record::new(
            Path::resource(0, 1, 5),
            Value::Opaque(m2m_lwm2m::Opaque::Raw(&key)),
        ),
        Record::new(Path::resource(0, 1, 10), Value::Int(9)),
    ];
    let server = [
        Record::new(Path::resource(1, 1, 0), Value::Int(9)),
        Record::new(Path::resource(1, 1, 1), Value::Int(60)),
        Record::new(Path::resource(1, 1, 7), Value::Str(Text::Plain("U"))),
    ];
    for (instance, records) in [
        (Path::instance(0, 1), &security[..]),
        (Path::instance(1, 1), &server[..]),
    ] {
        let mut body = vec![0u8; 4096];
        let n = m2m_lwm2m::body::encode(ContentFormat::LWM2M_TLV, &instance, records, &mut body)
            .unwrap();
        let write = ClientRequest::Write {
            path: instance,
            replace: true,
            format: ContentFormat::LWM2M_TLV,
            payload: &body[..n],
        };
        let rsp = bs
            .request_to(peer, &write, Duration::from_secs(10))
            .unwrap();
        assert_eq!(rsp.code, Code::CHANGED, "{instance}");
    }
    // Bootstrap-Discover of everything: more links than a message holds (the client has 150
    // sensors), answered in Block2 blocks the server follows to the end.
    let rsp = bs
        .request_to(
            peer,
            &ClientRequest::Discover { path: Path::ROOT },
            Duration::from_secs(10),
        )
        .unwrap();
    assert_eq!(rsp.code, Code::CONTENT);
    let links = String::from_utf8(rsp.payload).unwrap();
    assert!(links.len() > 1200, "{}", links.len());
    // The root with the enabler version, the instances in the tree's order, the accounts with
    // their Short Server ID and the server's URI (Core 1.1 §5.2.7.3).
    assert!(links.starts_with("</>;lwm2m=1.1,</3303/0>,"), "{links}");
    assert!(
        links.ends_with(",</0/1>;ssid=9;uri=\"coaps://x\",</1/1>;ssid=9"),
        "{links}"
    );
    assert!(links.contains("</3303/149>"), "{links}");
    assert!(links.contains("</1/1>"), "{links}");
    let rsp = bs
        .request_to(
            peer,
            &ClientRequest::BootstrapFinish,
            Duration::from_secs(10),
        )
        .unwrap();
    assert_eq!(rsp.code, Code::CHANGED);
    let (accounts, seen) = client.join().unwrap();
    assert!(seen.contains(&ClientEvent::BootstrapStarted), "{seen:?}");
    assert!(seen.contains(&ClientEvent::BootstrapFinished), "{seen:?}");
    assert!(
        accounts
            .0
            .contains(&(Path::resource(0, 1, 5), Owned::Bytes(key.to_vec())))
    );
}

/// The Security and Server instances (/0/1, /1/1) of an account of Short Server ID 3 at `uri`
/// with a lifetime of 150 s and `binding`, TLV-encoded as a bootstrap server writes them.
pub(super) fn account_writes(uri: &str, binding: &str) -> Vec<(Path<'static>, Vec<u8>)> {
    let security = [
        Record::new(Path::resource(0, 1, 0), Value::Str(Text::Plain(uri))),
        Record::new(Path::resource(0, 1, 1), Value::Bool(false)),
        Record::new(Path::resource(0, 1, 2), Value::Int(3)),
        Record::new(Path::resource(0, 1, 10), Value::Int(3)),
    ];
    let server = [
        Record::new(Path::resource(1, 1, 0), Value::Int(3)),
        Record::new(Path::resource(1, 1, 1), Value::Int(150)),
        Record::new(Path::resource(1, 1, 7), Value::Str(Text::Plain(binding))),
    ];
    [
        (Path::instance(0, 1), &security[..]),
        (Path::instance(1, 1), &server[..]),
    ]
    .into_iter()
    .map(|(instance, records)| {
        let mut body = vec![0u8; 512];
        let n = m2m_lwm2m::body::encode(ContentFormat::LWM2M_TLV, &instance, records, &mut body)
            .unwrap();
        body.truncate(n);
        (instance, body)
    })
    .collect()
}

/// A device that knows its bootstrap server only (Security /0/0).
pub(super) fn bootstrap_only(bs: std::net::SocketAddr) -> Accounts {
    Accounts(vec![
        (Path::resource(0, 0, 0), Owned::Str(format!("coap://{bs}"))),
        (Path::resource(0, 0, 1), Owned::Bool(true)),
    ])
}

#[test]
fn the_blocking_client_registers_with_the_account_its_bootstrap_wrote() {
    use m2m_lwm2m::blocking::{BootstrapRequest, Client, Server};
    let mut bs = Server::bootstrap("127.0.0.1:0").unwrap();
    let mut dm = Server::bind("127.0.0.1:0").unwrap();
    let bs_addr = bs.local_addr().unwrap();
    let dm_addr = dm.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut accounts = bootstrap_only(bs_addr);
        let mut client = Client::new(bs_addr, Settings::new("moved-1")).unwrap();
        client.bootstrap(None).unwrap();
        let mut seen = Vec::new();
        let end = std::time::Instant::now() + Duration::from_secs(10);
        while !seen.contains(&ClientEvent::BootstrapFinished) && std::time::Instant::now() < end {
            client
                .turn(&mut accounts, Duration::from_millis(20))
                .unwrap();
            seen.extend(client.take_events());
        }
        let to = client.register_account(&accounts, None).unwrap();
        while !seen.contains(&ClientEvent::Registered) && std::time::Instant::now() < end {
            client
                .turn(&mut accounts, Duration::from_millis(20))
                .unwrap();
            seen.extend(client.take_events());
        }
        (to, seen)
    });
    let BootstrapRequest { endpoint, peer, .. } =
        bs.wait_bootstrap_request(Duration::from_secs(10)).unwrap();
    assert_eq!(endpoint, "moved-1");
    write_and_finish(
        &mut bs,
        peer,
        account_writes(&format!("coap://{dm_addr}"), "U"),
    );
    // The Register reaches the server of the account, with the account's lifetime.
    let reg = dm.wait_registration(Duration::from_secs(10)).unwrap();
    assert_eq!((reg.endpoint.as_str(), reg.lifetime), ("moved-1", 150));
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while !client.is_finished() && std::time::Instant::now() < end {
        dm.serve_for(Duration::from_millis(50)).unwrap();
    }
    let (to, seen) = client.join().unwrap();
    assert_eq!(to, dm_addr);
    assert!(seen.contains(&ClientEvent::Registered), "{seen:?}");
}

#[tokio::test]
async fn the_async_client_registers_with_the_account_its_bootstrap_wrote() {
    let mut bs = AsyncServer::bootstrap("127.0.0.1:0").await.unwrap();
    let mut dm = AsyncServer::bind("127.0.0.1:0").await.unwrap();
    let bs_addr = bs.local_addr().unwrap();
    let dm_addr = dm.local_addr().unwrap();
    let client_task = tokio::spawn(async move {
        let mut accounts = bootstrap_only(bs_addr);
        let mut client = AsyncClient::new(bs_addr, Settings::new("moved-2"))
            .await
            .unwrap();
        client.bootstrap(None).await.unwrap();
        while client.next(&mut accounts).await.unwrap() != ClientEvent::BootstrapFinished {}
        let to = client.register_account(&accounts, Some(3)).await.unwrap();
        while client.next(&mut accounts).await.unwrap() != ClientEvent::Registered {}
        to
    });
    let ServerNote::BootstrapRequested { endpoint, peer, .. } = bs.next().await.unwrap() else {
        panic!("a Bootstrap-Request first");
    };
    assert_eq!(endpoint, "moved-2");
    // A host name: resolved to the address of the family the client already reaches.
    // The Binding `UQ` (LwM2M 1.0's queue mode) puts the client in queue mode.
    write_and_finish_async(
        &mut bs,
        peer,
        account_writes(&format!("coap://localhost:{}", dm_addr.port()), "UQ"),
    )
    .await;
    let registered = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let ServerNote::Registered { endpoint, .. } = dm.next().await.unwrap() {
                break endpoint;
            }
        }
    })
    .await
    .expect("registered within 20 s");
    assert_eq!(registered, "moved-2");
    assert_eq!(dm.inner().find("moved-2").unwrap().lifetime, 150);
    assert!(dm.inner().find("moved-2").unwrap().queue);
    // The server answers while the client waits for its Registered.
    let to = tokio::select! {
        to = client_task => to.unwrap(),
        _ = async { loop { let _ = dm.next().await; } } => unreachable!(),
    };
    assert_eq!(to, dm_addr);
}

/// A bootstrap server's part over the tokio runner: each Bootstrap-Write of `writes` to the
/// client at `peer`, each answered 2.04, then Bootstrap-Finish, answered 2.04.
pub(super) async fn write_and_finish_async(
    bs: &mut AsyncServer,
    peer: std::net::SocketAddr,
    writes: impl IntoIterator<Item = (Path<'static>, Vec<u8>)>,
) {
    for (instance, body) in writes {
        let write = ClientRequest::Write {
            path: instance,
            replace: true,
            format: ContentFormat::LWM2M_TLV,
            payload: &body,
        };
        let rid = bs.send_to(peer, &write).unwrap();
        assert_eq!(
            bs.response(rid).await.unwrap().code,
            Code::CHANGED,
            "{instance}"
        );
    }
    let rid = bs.send_to(peer, &ClientRequest::BootstrapFinish).unwrap();
    assert_eq!(bs.response(rid).await.unwrap().code, Code::CHANGED);
}

/// [`write_and_finish_async`] over the blocking server.
pub(super) fn write_and_finish(
    bs: &mut m2m_lwm2m::blocking::Server,
    peer: std::net::SocketAddr,
    writes: impl IntoIterator<Item = (Path<'static>, Vec<u8>)>,
) {
    for (instance, body) in writes {
        let write = ClientRequest::Write {
            path: instance,
            replace: true,
            format: ContentFormat::LWM2M_TLV,
            payload: &body,
        };
        let rsp = bs
            .request_to(peer, &write, Duration::from_secs(10))
            .unwrap();
        assert_eq!(rsp.code, Code::CHANGED, "{instance}");
    }
    let rsp = bs
        .request_to(
            peer,
            &ClientRequest::BootstrapFinish,
            Duration::from_secs(10),
        )
        .unwrap();
    assert_eq!(rsp.code, Code::CHANGED);
}
