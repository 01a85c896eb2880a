//! The runners: our async (and, once, blocking) client and server on loopback UDP sockets.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken exchange

use std::time::Duration;

use m2m_coap::{Code, ContentFormat};
use m2m_lwm2m::client::{ClientEvent, ObjectTree, RecordBuf, Settings};
use m2m_lwm2m::interface::ClientRequest;
use m2m_lwm2m::link::ObjectLink;
use m2m_lwm2m::runner::{AsyncClient, AsyncServer, ServerNote};
use m2m_lwm2m::{Config, Path, Record, Text, Value};

/// A temperature, and an Application Type (/3303/0/5750) long enough that /3303/0 takes
/// three blocks of 1024.
struct Thermometer(f64, String);

fn thermometer() -> Thermometer {
    let kind = (0..2600u32)
        .map(|i| char::from(b'A' + u8::try_from(i % 26).unwrap()))
        .collect();
    Thermometer(20.0, kind)
}

/// `/3303/0` of `t` in TLV, written at once.
fn whole(t: &Thermometer) -> Vec<u8> {
    let path = Path::instance(3303, 0);
    let mut records = RecordBuf::<'_, 32>::new();
    t.read(&path, &mut records).unwrap();
    let mut out = vec![0u8; 8192];
    let n = m2m_lwm2m::body::encode(
        ContentFormat::LWM2M_TLV,
        &path,
        records.as_slice(),
        &mut out,
    )
    .unwrap();
    out.truncate(n);
    out
}

impl ObjectTree for Thermometer {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        f(ObjectLink::path(Path::instance(3303, 0)));
    }
    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
        for r in [
            Record::new(Path::resource(3303, 0, 5700), Value::Float(self.0)),
            Record::new(
                Path::resource(3303, 0, 5701),
                Value::Str(Text::Plain("Cel")),
            ),
            Record::new(
                Path::resource(3303, 0, 5750),
                Value::Str(Text::Plain(&self.1)),
            ),
        ] {
            if path.contains(&r.path) {
                out.push(r)?;
            }
        }
        Ok(())
    }
}

/// Whether `body` is `/3303/0` of the thermometer at one of the temperatures it goes through.
fn is_whole(body: &[u8]) -> bool {
    let mut t = thermometer();
    (0..100).any(|_| {
        t.0 += 1.0;
        body == whole(&t)
    }) || body == whole(&thermometer())
}

#[tokio::test]
async fn async_client_and_server() {
    let mut server = AsyncServer::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let client_task = tokio::spawn(async move {
        let mut t = thermometer();
        let mut client = AsyncClient::new(addr, Settings::new("thermo-1"))
            .await
            .unwrap();
        client.register(&t).await.unwrap();
        assert_eq!(client.next(&mut t).await.unwrap(), ClientEvent::Registered);
        // A stranger's request (a Confirmable GET /3303) is dropped, unanswered.
        let stranger = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let get = [0x40, 0x01, 0x12, 0x34, 0xb4, b'3', b'3', b'0', b'3'];
        let to = client.local_addr().unwrap();
        stranger.send_to(&get, to).await.unwrap();
        // Serve for a while, the temperature rising; then de-register.
        let end = tokio::time::Instant::now() + Duration::from_millis(2000);
        while tokio::time::Instant::now() < end {
            t.0 += 1.0;
            client.inner().changed(&Path::resource(3303, 0, 5700));
            if let Ok(served) =
                tokio::time::timeout(Duration::from_millis(100), client.next(&mut t)).await
            {
                served.unwrap();
            }
        }
        let mut buf = [0u8; 64];
        let answer = tokio::time::timeout(Duration::from_millis(50), stranger.recv_from(&mut buf));
        assert!(answer.await.is_err(), "the stranger got an answer");
        client.deregister().await.unwrap();
        loop {
            if client.next(&mut t).await.unwrap() == ClientEvent::Deregistered {
                break;
            }
        }
    });
    // The server's side; a failure of the client's ends the test at once.
    let server_side = async {
        let ServerNote::Registered {
            endpoint, links, ..
        } = server.next().await.unwrap()
        else {
            panic!("a registration first");
        };
        assert_eq!(
            (endpoint.as_str(), links.as_str()),
            ("thermo-1", "</3303/0>")
        );
        let read = ClientRequest::Read {
            path: Path::instance(3303, 0),
            accept: Some(ContentFormat::LWM2M_TLV),
        };
        let id = server.send(&endpoint, &read).unwrap();
        let rsp = server.response(id).await.unwrap();
        assert_eq!(
            (rsp.code, rsp.format),
            (Code::CONTENT, Some(ContentFormat::LWM2M_TLV))
        );
        // Larger than a message: the client sent it in blocks, the server asked for each and
        // put them together: the body of one of the temperatures the client went through.
        assert!(rsp.payload.len() > 2048, "{}", rsp.payload.len());
        assert!(is_whole(&rsp.payload), "{} bytes", rsp.payload.len());
        let observe = ClientRequest::Observe {
            path: Path::resource(3303, 0, 5700),
            accept: Some(ContentFormat::TEXT_PLAIN),
        };
        let id = server.send(&endpoint, &observe).unwrap();
        assert_eq!(server.response(id).await.unwrap().observe, Some(0));
        let n = server.response(id).await.unwrap();
        assert!(n.observe.unwrap() >= 1, "{n:?}");
        // Observe-Composite of the temperature and its unit: every notification carries both.
        let paths = [Path::resource(3303, 0, 5700), Path::resource(3303, 0, 5701)];
        let values = |rsp: &m2m_lwm2m::blocking::Response| -> Vec<Path<'static>> {
            m2m_lwm2m::composite::decode_values(rsp.format.unwrap(), &rsp.payload, Config::STRICT)
                .unwrap()
                .map(|r| r.unwrap().path.without_prefix())
                .collect()
        };
        let cid = server
            .observe_composite(&endpoint, &paths, ContentFormat::SENML_ETCH_JSON, None)
            .unwrap();
        let first = server.response(cid).await.unwrap();
        assert_eq!(
            (first.code, first.format, first.observe),
            (Code::CONTENT, Some(ContentFormat::SENML_CBOR), Some(0))
        );
        assert_eq!(values(&first), paths);
        let n = server.response(cid).await.unwrap();
        assert!(n.observe.unwrap() >= 1, "{n:?}");
        assert_eq!(values(&n), paths);
        server
            .cancel_composite(cid, &paths, ContentFormat::SENML_ETCH_JSON, None)
            .unwrap();
        // Notifications that crossed the cancellation carry Observe; the answer to it does not
        // (RFC 7641 §4.1), and nothing comes to the observation after it.
        let last = loop {
            let r = server.response(cid).await.unwrap();
            if r.observe.is_none() {
                break r;
            }
        };
        assert_eq!((last.code, values(&last)), (Code::CONTENT, paths.to_vec()));
        // An observation of all of /3303/0: its answer and its notifications come in blocks,
        // and reach the application whole, with their Observe numbers.
        let large = ClientRequest::Observe {
            path: Path::instance(3303, 0),
            accept: Some(ContentFormat::LWM2M_TLV),
        };
        let oid = server.send(&endpoint, &large).unwrap();
        let first = server.response(oid).await.unwrap();
        assert_eq!((first.code, first.observe), (Code::CONTENT, Some(0)));
        assert!(first.payload.len() > 2048, "{}", first.payload.len());
        let n = server.response(oid).await.unwrap();
        assert!(n.observe.unwrap() >= 1, "{n:?}");
        assert!(is_whole(&first.payload) && is_whole(&n.payload));
        loop {
            match server.next().await.unwrap() {
                ServerNote::Deregistered { .. } => break,
                ServerNote::Response { request, .. } if request == cid => {
                    panic!("a notification after the cancellation was answered")
                }
                _ => {}
            }
        }
    };
    tokio::pin!(server_side);
    let mut client_task = client_task;
    tokio::select! {
        () = &mut server_side => client_task.await.unwrap(),
        joined = &mut client_task => {
            joined.unwrap();
            server_side.await;
        }
    }
}

/// A gateway of `.0` temperature sensors: more object links than one message holds.
struct Gateway(u16);

impl ObjectTree for Gateway {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        for i in 0..self.0 {
            f(ObjectLink::path(Path::instance(3303, i)));
        }
    }
    fn read<'s>(&'s self, _: &Path<'_>, _: &mut RecordBuf<'s>) -> Result<(), Code> {
        Err(Code::NOT_FOUND)
    }
}

#[tokio::test]
async fn a_register_in_blocks_reaches_the_async_server_whole() {
    let mut server = AsyncServer::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let client_task = tokio::spawn(async move {
        let mut g = Gateway(200);
        let mut client = AsyncClient::new(addr, Settings::new("gateway-1"))
            .await
            .unwrap();
        client.register(&g).await.unwrap();
        assert_eq!(client.next(&mut g).await.unwrap(), ClientEvent::Registered);
        client.deregister().await.unwrap();
        while client.next(&mut g).await.unwrap() != ClientEvent::Deregistered {}
    });
    let server_side = async {
        let ServerNote::Registered { links, .. } = server.next().await.unwrap() else {
            panic!("a registration first");
        };
        let expected: Vec<String> = (0..200).map(|i| format!("</3303/{i}>")).collect();
        assert_eq!(links, expected.join(","));
        assert!(links.len() > 2048);
        loop {
            if let ServerNote::Deregistered { .. } = server.next().await.unwrap() {
                break;
            }
        }
    };
    // A failure of the client's ends the test at once; so does a server that waits too long.
    tokio::pin!(server_side);
    let mut client_task = client_task;
    let both = async {
        tokio::select! {
            () = &mut server_side => client_task.await.unwrap(),
            joined = &mut client_task => {
                joined.unwrap();
                server_side.await;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), both)
        .await
        .expect("registered and de-registered within 20 s");
}

#[tokio::test]
async fn a_client_in_queue_mode_is_asked_once_it_wakes() {
    let mut server = AsyncServer::bind("127.0.0.1:0").await.unwrap();
    server.set_awake_time(Duration::from_millis(300));
    let addr = server.local_addr().unwrap();
    let client_task = tokio::spawn(async move {
        let mut t = thermometer();
        let settings = Settings {
            queue: Some(Duration::from_millis(300)),
            ..Settings::new("sleepy-1")
        };
        let mut client = AsyncClient::new(addr, settings).await.unwrap();
        client.register(&t).await.unwrap();
        assert_eq!(client.next(&mut t).await.unwrap(), ClientEvent::Registered);
        // Asleep (serving nothing), then awake with an Update, serving for a while.
        tokio::time::sleep(Duration::from_millis(700)).await;
        client.update().await.unwrap();
        let end = tokio::time::Instant::now() + Duration::from_millis(2000);
        while tokio::time::Instant::now() < end {
            if let Ok(served) =
                tokio::time::timeout(Duration::from_millis(100), client.next(&mut t)).await
            {
                served.unwrap();
            }
        }
    });
    let server_side = async {
        let ServerNote::Registered { endpoint, .. } = server.next().await.unwrap() else {
            panic!("a registration first");
        };
        let read = ClientRequest::Read {
            path: Path::resource(3303, 0, 5701),
            accept: Some(ContentFormat::TEXT_PLAIN),
        };
        // Past its awake time the client sleeps: the request is refused, not sent.
        tokio::time::sleep(Duration::from_millis(450)).await;
        let asleep = server.send(&endpoint, &read).unwrap_err();
        assert_eq!(asleep.kind(), std::io::ErrorKind::WouldBlock);
        // Its Update wakes it; the request goes and is answered.
        server.wait_awake(&endpoint).await.unwrap();
        let id = server.send(&endpoint, &read).unwrap();
        let rsp = server.response(id).await.unwrap();
        assert_eq!(
            (rsp.code, rsp.payload.as_slice()),
            (Code::CONTENT, &b"Cel"[..])
        );
    };
    tokio::time::timeout(Duration::from_secs(20), server_side)
        .await
        .expect("asked within 20 s");
    client_task.await.unwrap();
}

/// The blocking server and client, the client in queue mode.
#[test]
fn the_blocking_server_waits_for_a_client_in_queue_mode() {
    use m2m_lwm2m::blocking::{Client, Server};
    let mut server = Server::bind("127.0.0.1:0").unwrap();
    server.set_awake_time(Duration::from_millis(300));
    let addr = server.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut t = thermometer();
        let settings = Settings {
            queue: Some(Duration::from_millis(300)),
            ..Settings::new("sleepy-2")
        };
        let mut client = Client::new(addr, settings).unwrap();
        client.register(&t).unwrap();
        while !client.take_events().contains(&ClientEvent::Registered) {
            client.turn(&mut t, Duration::from_millis(50)).unwrap();
        }
        // Asleep, then awake with an Update, serving for a while.
        std::thread::sleep(Duration::from_millis(700));
        let now = m2m_core::Timestamp::now().unwrap();
        client.inner().update(now).unwrap();
        let end = std::time::Instant::now() + Duration::from_millis(2000);
        while std::time::Instant::now() < end {
            client.turn(&mut t, Duration::from_millis(50)).unwrap();
        }
    });
    let reg = server.wait_registration(Duration::from_secs(10)).unwrap();
    let read = ClientRequest::Read {
        path: Path::resource(3303, 0, 5701),
        accept: Some(ContentFormat::TEXT_PLAIN),
    };
    std::thread::sleep(Duration::from_millis(450));
    let asleep = server.send(&reg.endpoint, &read).unwrap_err();
    assert_eq!(asleep.kind(), std::io::ErrorKind::WouldBlock);
    server
        .wait_awake(&reg.endpoint, Duration::from_secs(10))
        .unwrap();
    let rsp = server
        .request(&reg.endpoint, &read, Duration::from_secs(10))
        .unwrap();
    assert_eq!(
        (rsp.code, rsp.payload.as_slice()),
        (Code::CONTENT, &b"Cel"[..])
    );
    client.join().unwrap();
}

/// A device that takes a firmware package (/5/0/0) a piece at a time.
#[derive(Default)]
struct Flash {
    image: Vec<u8>,
    /// The value ended with its last piece.
    whole: bool,
    /// Each piece's size (the blocks the server chose).
    pieces: Vec<usize>,
    /// The Package URI (/5/0/1), written whole.
    uri: String,
}

impl ObjectTree for Flash {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        f(ObjectLink::path(Path::instance(5, 0)));
    }
    fn read<'s>(&'s self, _: &Path<'_>, _: &mut RecordBuf<'s>) -> Result<(), Code> {
        Err(Code::NOT_FOUND)
    }
    fn write(&mut self, record: &Record<'_>, _replace: bool) -> Result<(), Code> {
        match (record.path.levels(), record.value) {
            ([5, 0, 1], Some(Value::Str(t))) => {
                self.uri = t.to_string();
                Ok(())
            }
            _ => Err(Code::METHOD_NOT_ALLOWED),
        }
    }
    fn write_block(
        &mut self,
        path: &Path<'_>,
        piece: m2m_lwm2m::client::Piece<'_>,
    ) -> Result<(), Code> {
        assert_eq!(path.levels(), [5, 0, 0]);
        if piece.offset == 0 {
            self.image.clear();
        }
        assert_eq!(piece.offset, self.image.len());
        self.image.extend_from_slice(piece.bytes);
        self.pieces.push(piece.bytes.len());
        self.whole = piece.last;
        Ok(())
    }
}

fn package(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| u8::try_from(i % 251).unwrap() ^ u8::try_from((i >> 8) & 0xff).unwrap())
        .collect()
}

#[test]
fn the_blocking_server_writes_a_firmware_package_in_blocks() {
    use m2m_lwm2m::blocking::{Client, Server};
    use std::sync::mpsc;
    let mut server = Server::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = mpsc::channel::<()>();
    let client = std::thread::spawn(move || {
        let mut flash = Flash::default();
        let mut client = Client::new(addr, Settings::new("flash-1")).unwrap();
        client.register(&flash).unwrap();
        while stopped.try_recv().is_err() {
            client.turn(&mut flash, Duration::from_millis(20)).unwrap();
        }
        flash
    });
    let reg = server.wait_registration(Duration::from_secs(10)).unwrap();
    let image = package(100_000);
    let write = ClientRequest::Write {
        path: Path::resource(5, 0, 0),
        replace: true,
        format: ContentFormat::OCTET_STREAM,
        payload: &image,
    };
    let rsp = server
        .request(&reg.endpoint, &write, Duration::from_secs(30))
        .unwrap();
    assert_eq!(rsp.code, Code::CHANGED);
    // An instance with a long Package URI: in blocks too, put together by the client's runner
    // and written whole.
    let uri: String = "coap://example.org/fw/".repeat(150);
    let records = [Record::new(
        Path::resource(5, 0, 1),
        Value::Str(Text::Plain(&uri)),
    )];
    let mut body = vec![0u8; 8192];
    let n = m2m_lwm2m::body::encode(
        ContentFormat::LWM2M_TLV,
        &Path::instance(5, 0),
        &records,
        &mut body,
    )
    .unwrap();
    let write = ClientRequest::Write {
        path: Path::instance(5, 0),
        replace: true,
        format: ContentFormat::LWM2M_TLV,
        payload: &body[..n],
    };
    let rsp = server
        .request(&reg.endpoint, &write, Duration::from_secs(30))
        .unwrap();
    assert_eq!(rsp.code, Code::CHANGED);
    stop.send(()).unwrap();
    let flash = client.join().unwrap();
    assert_eq!(flash.uri, uri);
    assert!(flash.whole);
    assert_eq!(flash.image, image);
    // Blocks of 1024: 97 whole and one of 672.
    assert_eq!(flash.pieces.len(), 98);
    assert!(flash.pieces[..97].iter().all(|&n| n == 1024));
}

#[tokio::test]
async fn the_async_server_writes_a_tlv_package_in_blocks() {
    let mut server = AsyncServer::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let client_task = tokio::spawn(async move {
        let mut flash = Flash::default();
        let mut client = AsyncClient::new(addr, Settings::new("flash-2"))
            .await
            .unwrap();
        client.register(&flash).await.unwrap();
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                e = client.next(&mut flash) => { e.unwrap(); }
            }
        }
        flash
    });
    let ServerNote::Registered { endpoint, .. } = server.next().await.unwrap() else {
        panic!("a registration first");
    };
    let image = package(30_000);
    let mut body = vec![0b1101_1000, 0];
    body.extend_from_slice(&u32::try_from(image.len()).unwrap().to_be_bytes()[1..]);
    body.extend_from_slice(&image);
    let write = ClientRequest::Write {
        path: Path::resource(5, 0, 0),
        replace: true,
        format: ContentFormat::LWM2M_TLV,
        payload: &body,
    };
    let rid = server.send(&endpoint, &write).unwrap();
    let rsp = tokio::time::timeout(Duration::from_secs(30), server.response(rid))
        .await
        .expect("answered within 30 s")
        .unwrap();
    assert_eq!(rsp.code, Code::CHANGED);
    stop.send(()).unwrap();
    let flash = client_task.await.unwrap();
    assert!(flash.whole);
    assert_eq!(flash.image, image, "the value without its TLV header");
}

/// `n` temperature records in SenML JSON.
fn senml_records(n: u16) -> Vec<u8> {
    let owned: Vec<Record<'static>> = (0..n)
        .map(|i| {
            Record::new(
                Path::resource(3303, i, 5700),
                Value::Float(20.0 + f64::from(i) / 8.0),
            )
        })
        .collect();
    let mut out = vec![0u8; 65536];
    let k =
        m2m_lwm2m::body::encode(ContentFormat::SENML_JSON, &Path::ROOT, &owned, &mut out).unwrap();
    out.truncate(k);
    out
}

#[tokio::test]
async fn a_long_send_goes_in_blocks_from_the_async_client_and_arrives_whole() {
    let mut server = AsyncServer::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let body = senml_records(300);
    assert!(body.len() > 4000, "{}", body.len());
    let sent = body.clone();
    let client_task = tokio::spawn(async move {
        let mut t = thermometer();
        let mut client = AsyncClient::new(addr, Settings::new("sender-1"))
            .await
            .unwrap();
        client.register(&t).await.unwrap();
        assert_eq!(client.next(&mut t).await.unwrap(), ClientEvent::Registered);
        let id = client.send(ContentFormat::SENML_JSON, &sent).await.unwrap();
        // The blocks go as the server takes them; the application hears the answer alone.
        let e = client.next(&mut t).await.unwrap();
        assert_eq!(
            e,
            ClientEvent::SendAnswered {
                request: id,
                code: Some(Code::CHANGED)
            }
        );
        client.deregister().await.unwrap();
        while client.next(&mut t).await.unwrap() != ClientEvent::Deregistered {}
    });
    let server_side = async {
        loop {
            match server.next().await.unwrap() {
                ServerNote::Send { payload, .. } => {
                    assert_eq!(payload, body, "the records whole");
                    break;
                }
                ServerNote::Registered { .. } => {}
                other => panic!("{other:?}"),
            }
        }
        loop {
            if let ServerNote::Deregistered { .. } = server.next().await.unwrap() {
                break;
            }
        }
    };
    tokio::pin!(server_side);
    let mut client_task = client_task;
    let both = async {
        tokio::select! {
            () = &mut server_side => client_task.await.unwrap(),
            joined = &mut client_task => {
                joined.unwrap();
                server_side.await;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), both)
        .await
        .expect("sent within 20 s");
}

#[test]
fn a_long_send_goes_in_blocks_from_the_blocking_client() {
    use m2m_lwm2m::blocking::{Client, Server};
    let mut server = Server::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    let body = senml_records(100);
    let sent = body.clone();
    let client = std::thread::spawn(move || {
        let mut t = thermometer();
        let mut client = Client::new(addr, Settings::new("sender-2")).unwrap();
        client.register(&t).unwrap();
        while !client.take_events().contains(&ClientEvent::Registered) {
            client.turn(&mut t, Duration::from_millis(20)).unwrap();
        }
        let id = client.send(ContentFormat::SENML_JSON, &sent).unwrap();
        let answered = ClientEvent::SendAnswered {
            request: id,
            code: Some(Code::CHANGED),
        };
        let mut seen = Vec::new();
        let end = std::time::Instant::now() + Duration::from_secs(10);
        while !seen.contains(&answered) && std::time::Instant::now() < end {
            client.turn(&mut t, Duration::from_millis(20)).unwrap();
            seen.extend(client.take_events());
        }
        (id, seen)
    });
    server.wait_registration(Duration::from_secs(10)).unwrap();
    // The blocking server puts the Send's blocks together: the records whole, and whose.
    let sent = server.wait_send(Duration::from_secs(10)).unwrap();
    assert_eq!(sent.endpoint, "sender-2");
    assert_eq!(sent.format, ContentFormat::SENML_JSON);
    assert_eq!(sent.payload, body);
    // It serves on while the client takes its answer.
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while !client.is_finished() && std::time::Instant::now() < end {
        let _ = server.wait_registration(Duration::from_millis(50));
    }
    let (id, seen) = client.join().unwrap();
    // The answer under the id the application was given.
    assert!(
        seen.contains(&ClientEvent::SendAnswered {
            request: id,
            code: Some(Code::CHANGED)
        }),
        "{seen:?}"
    );
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, ClientEvent::SendContinue { .. })),
        "the blocks are the runner's business"
    );
}

/// A value of the accounts' tree, owned.
#[derive(Debug, Clone, PartialEq)]
enum Owned {
    Int(i64),
    Bool(bool),
    Str(String),
    Bytes(Vec<u8>),
}

/// A device's accounts (Security /0 and Server /1), as the bootstrap server writes them.
#[derive(Default)]
struct Accounts(Vec<(Path<'static>, Owned)>);

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
        client.bootstrap(None).await.unwrap();
        loop {
            if client.next(&mut accounts).await.unwrap() == ClientEvent::BootstrapFinished {
                break;
            }
        }
        accounts
    });
    let ServerNote::BootstrapRequested { endpoint, peer } = bs.next().await.unwrap() else {
        panic!("a Bootstrap-Request first");
    };
    assert_eq!(endpoint, "cert-1");
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
    use m2m_lwm2m::blocking::{Client, Server};
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
        client.bootstrap(None).unwrap();
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
    let (endpoint, peer) = bs.wait_bootstrap_request(Duration::from_secs(10)).unwrap();
    assert_eq!(endpoint, "psk-1");
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

#[tokio::test]
async fn a_request_the_client_resets_is_a_timeout_at_once() {
    use m2m_coap::{Builder, Message, OptionNumber, Type};
    let mut server = AsyncServer::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    // A client written out by hand: it registers, then rejects the server's request.
    let client = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    client.connect(addr).await.unwrap();
    let mut b = Builder::<4>::udp(Type::Confirmable, Code::POST, 0x10);
    b.token(&[1]);
    b.str(OptionNumber::URI_PATH, "rd").unwrap();
    b.str(OptionNumber::URI_QUERY, "ep=resetter").unwrap();
    b.uint(OptionNumber::CONTENT_FORMAT, 40).unwrap();
    b.payload(b"</3/0>");
    let mut out = [0u8; 64];
    let n = b.encode(&mut out).unwrap();
    client.send(&out[..n]).await.unwrap();
    let ServerNote::Registered { endpoint, .. } = server.next().await.unwrap() else {
        panic!("a registration");
    };
    let read = ClientRequest::Read {
        path: Path::resource(3, 0, 0),
        accept: None,
    };
    let rid = server.send(&endpoint, &read).unwrap();
    let rejecting = async {
        let mut buf = [0u8; 1500];
        loop {
            let n = client.recv(&mut buf).await.unwrap();
            let m = Message::parse_udp(&buf[..n]).unwrap();
            if m.code() == Code::GET {
                let rst = Builder::<0>::udp(Type::Reset, Code::EMPTY, m.message_id().unwrap());
                let mut o = [0u8; 4];
                let k = rst.encode(&mut o).unwrap();
                client.send(&o[..k]).await.unwrap();
                return;
            }
        }
    };
    let (answer, ()) = tokio::join!(
        tokio::time::timeout(Duration::from_secs(5), server.response(rid)),
        rejecting
    );
    let err = answer
        .expect("told within 5 s, not after the retransmissions")
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
}

/// The Security and Server instances (/0/1, /1/1) of an account of Short Server ID 3 at `uri`
/// with a lifetime of 150 s, TLV-encoded as a bootstrap server writes them.
fn account_writes(uri: &str) -> Vec<(Path<'static>, Vec<u8>)> {
    let security = [
        Record::new(Path::resource(0, 1, 0), Value::Str(Text::Plain(uri))),
        Record::new(Path::resource(0, 1, 1), Value::Bool(false)),
        Record::new(Path::resource(0, 1, 2), Value::Int(3)),
        Record::new(Path::resource(0, 1, 10), Value::Int(3)),
    ];
    let server = [
        Record::new(Path::resource(1, 1, 0), Value::Int(3)),
        Record::new(Path::resource(1, 1, 1), Value::Int(150)),
        Record::new(Path::resource(1, 1, 7), Value::Str(Text::Plain("U"))),
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
fn bootstrap_only(bs: std::net::SocketAddr) -> Accounts {
    Accounts(vec![
        (Path::resource(0, 0, 0), Owned::Str(format!("coap://{bs}"))),
        (Path::resource(0, 0, 1), Owned::Bool(true)),
    ])
}

#[test]
fn the_blocking_client_registers_with_the_account_its_bootstrap_wrote() {
    use m2m_lwm2m::blocking::{Client, Server};
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
    let (endpoint, peer) = bs.wait_bootstrap_request(Duration::from_secs(10)).unwrap();
    assert_eq!(endpoint, "moved-1");
    for (instance, body) in account_writes(&format!("coap://{dm_addr}")) {
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
    let ServerNote::BootstrapRequested { endpoint, peer } = bs.next().await.unwrap() else {
        panic!("a Bootstrap-Request first");
    };
    assert_eq!(endpoint, "moved-2");
    // A host name: resolved to the address of the family the client already reaches.
    for (instance, body) in account_writes(&format!("coap://localhost:{}", dm_addr.port())) {
        let write = ClientRequest::Write {
            path: instance,
            replace: true,
            format: ContentFormat::LWM2M_TLV,
            payload: &body,
        };
        let rid = bs.send_to(peer, &write).unwrap();
        assert_eq!(bs.response(rid).await.unwrap().code, Code::CHANGED);
    }
    let rid = bs.send_to(peer, &ClientRequest::BootstrapFinish).unwrap();
    assert_eq!(bs.response(rid).await.unwrap().code, Code::CHANGED);
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
    // The server answers while the client waits for its Registered.
    let to = tokio::select! {
        to = client_task => to.unwrap(),
        _ = async { loop { let _ = dm.next().await; } } => unreachable!(),
    };
    assert_eq!(to, dm_addr);
}
