//! Bodies in blocks over the runners: firmware packages written to the client, long Sends.

use super::*;

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
