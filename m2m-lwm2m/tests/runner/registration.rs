//! Registration over the runners: Register in blocks, queue mode, a request the client resets.

use super::*;

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

/// A Register whose source address cannot be answered (port 0, sent from a raw socket): the
/// answer is lost, and the server goes on to take the next client's. It used to end `next`
/// with the send's error. Needs a raw socket (root or CAP_NET_RAW): without one, it says so
/// and checks nothing.
#[tokio::test]
async fn a_register_that_cannot_be_answered_does_not_end_the_server() {
    use m2m_coap::{Builder, OptionNumber, Type};
    let mut server = AsyncServer::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let mut b = Builder::<4>::udp(Type::Confirmable, Code::POST, 0x4242);
    b.token(b"spoof")
        .str(OptionNumber::URI_PATH, "rd")
        .unwrap()
        .uint(OptionNumber::CONTENT_FORMAT, 40)
        .unwrap()
        .str(OptionNumber::URI_QUERY, "ep=spoof")
        .unwrap();
    b.payload(b"</3/0>");
    let mut out = vec![0u8; 64];
    let n = b.encode(&mut out).unwrap();
    if !m2m_testkit::spoof::from_port_zero(&out[..n], addr.port()) {
        return;
    }
    let client_task = tokio::spawn(async move {
        let mut g = Gateway(1);
        let mut client = AsyncClient::new(addr, Settings::new("real-1"))
            .await
            .unwrap();
        client.register(&g).await.unwrap();
        while client.next(&mut g).await.unwrap() != ClientEvent::Registered {}
    });
    let mut seen = Vec::new();
    while !seen.contains(&"real-1".to_string()) {
        let note = tokio::time::timeout(Duration::from_secs(10), server.next())
            .await
            .expect("a note within 10 s")
            .expect("the server goes on");
        if let ServerNote::Registered { endpoint, .. } = note {
            seen.push(endpoint);
        }
    }
    assert_eq!(seen, ["spoof", "real-1"]);
    tokio::select! {
        r = client_task => r.unwrap(),
        _ = async { loop { let _ = server.next().await; } } => unreachable!(),
    }
}
