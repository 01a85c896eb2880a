//! What a server must survive or refuse: an answer it cannot send, critical options it does not perform, a later block whose answer is gone, the endpoint full.

use super::*;

/// A request whose source address cannot be answered (port 0, sent from a raw socket) makes
/// the answer's `send_to` fail: the datagram is lost, the server goes on. It used to end the
/// server with the error. Needs a raw socket (root or CAP_NET_RAW): without one, it says so
/// and checks nothing.
#[tokio::test]
async fn udp_an_answer_that_cannot_be_sent_does_not_end_the_server() {
    let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = server.local_addr().unwrap().port();
    let task = tokio::spawn(serve_udp_with(
        server,
        handler(Arc::new(AtomicU32::new(1))),
        Notifier::new(),
    ));
    let request = get(Type::Confirmable, 0x1234, b"spoof", "n", None);
    if !m2m_testkit::spoof::from_port_zero(&request, port) {
        return;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!task.is_finished(), "the server ended: {:?}", task.await);
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    client.connect(("127.0.0.1", port)).await.unwrap();
    client
        .send(&get(Type::Confirmable, 7, b"ok", "n", None))
        .await
        .unwrap();
    let d = recv(&client).await.expect("an answer");
    assert_eq!(Message::parse_udp(&d).unwrap().token(), b"ok");
}

/// RFC 7252 §5.4.1: a critical option the runner knows but does not act on (Q-Block1 19,
/// Q-Block2 31, RFC 9177; OSCORE 9; EDHOC 21) is answered 4.02, which sends a client back to
/// Block1 and Block2, or to plain CoAP. A Q-Block1 upload used to be served block by block,
/// the body kept being the last block.
#[tokio::test]
async fn udp_critical_options_nobody_acts_on_are_bad_options() {
    let (c, _, _) = udp_server().await;
    let cases: [(OptionNumber, &[u8]); 4] = [
        (OptionNumber::Q_BLOCK1, &[0x0a]),
        (OptionNumber::Q_BLOCK2, &[]),
        (OptionNumber::OSCORE, &[]),
        (OptionNumber::EDHOC, &[]),
    ];
    for (i, (number, value)) in cases.into_iter().enumerate() {
        let mid = 0x5000 + u16::try_from(i).unwrap();
        let mut b = Builder::<4>::udp(Type::Confirmable, Code::PUT, mid);
        b.token(b"qb")
            .str(OptionNumber::URI_PATH, "n")
            .unwrap()
            .opaque(number, value)
            .unwrap();
        b.payload(b"0123456789");
        let mut out = vec![0u8; b.buffer_len()];
        let n = b.encode(&mut out).unwrap();
        c.send(&out[..n]).await.unwrap();
        let d = recv(&c).await.expect("an answer");
        let m = Message::parse_udp(&d).unwrap();
        assert_eq!(
            (m.code(), m.message_id()),
            (Code::BAD_OPTION, Some(mid)),
            "{number:?}"
        );
    }
}

/// A request for a later block of a POST's answer that is no longer kept (it gave way to 16
/// newer ones) gets 4.08: the handler does not run again, which would change again what the
/// first block's request changed and hand out a block of another answer.
#[tokio::test]
async fn a_later_block_of_a_post_answer_no_longer_kept_is_refused() {
    let (c, _notifier, n) = udp_server().await;
    let post = |mid: u16, query: Option<String>, block: Option<u32>| {
        let token = mid.to_be_bytes();
        let mut b = Builder::<4>::udp(Type::Confirmable, Code::POST, mid);
        b.token(&token).str(OptionNumber::URI_PATH, "bump").unwrap();
        if let Some(q) = &query {
            b.opaque(OptionNumber::URI_QUERY, q.as_bytes()).unwrap();
        }
        if let Some(num) = block {
            b.uint(OptionNumber::BLOCK2, num << 4 | 6).unwrap();
        }
        let mut out = vec![0u8; b.buffer_len()];
        let k = b.encode(&mut out).unwrap();
        out.truncate(k);
        out
    };
    c.send(&post(0x4300, None, None)).await.unwrap();
    assert!(recv(&c).await.is_some());
    // Sixteen other POSTs (other queries): their answers are kept, the first's gives way.
    for i in 0..16u16 {
        c.send(&post(0x4310 + i, Some(format!("q={i}")), None))
            .await
            .unwrap();
        assert!(recv(&c).await.is_some());
    }
    let ran = n.load(Ordering::SeqCst);
    c.send(&post(0x4330, None, Some(1))).await.unwrap();
    let d = recv(&c).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!(
        (m.code(), m.message_id()),
        (Code::REQUEST_ENTITY_INCOMPLETE, Some(0x4330))
    );
    assert_eq!(
        n.load(Ordering::SeqCst),
        ran,
        "the handler did not run again"
    );
}

/// A separate response that finds the endpoint's 64 messages in flight (Confirmable ones
/// nobody acknowledges) waits for room, and goes once one is acknowledged (RFC 7252 §5.2.2:
/// after the Empty ACK the response is still owed). It used to be dropped.
#[tokio::test]
async fn a_separate_response_waits_for_room_among_the_messages_in_flight() {
    let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    tokio::spawn(serve_udp_with(
        server,
        handler(Arc::new(AtomicU32::new(1))),
        Notifier::new(),
    ));
    // 64 clients whose separate responses (Confirmable) stay unacknowledged.
    let mut silent_ones = Vec::new();
    for i in 0..64u16 {
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        s.connect(addr).await.unwrap();
        s.send(&get(Type::Confirmable, i, b"l", "later", None))
            .await
            .unwrap();
        silent_ones.push(s);
    }
    let mut separate = Vec::new();
    for s in &silent_ones {
        // The Empty ACK, then the response.
        loop {
            let d = recv(s).await.expect("the Empty ACK and the response");
            let m = Message::parse_udp(&d).unwrap();
            if m.code() == Code::CONTENT {
                assert_eq!(m.ty(), Some(Type::Confirmable));
                separate.push(m.message_id().unwrap());
                break;
            }
        }
    }
    // The 65th: its Empty ACK comes, its response waits.
    let last = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    last.connect(addr).await.unwrap();
    last.send(&get(Type::Confirmable, 100, b"w", "later", None))
        .await
        .unwrap();
    let d = recv(&last).await.unwrap();
    assert_eq!(Message::parse_udp(&d).unwrap().code(), Code::EMPTY);
    assert!(recv_within(&last, 500).await.is_none(), "no room yet");
    // One of the 64 acknowledges: the response goes.
    let ack = Builder::<0>::udp(Type::Acknowledgement, Code::EMPTY, separate[0]);
    let mut out = [0u8; 4];
    let n = ack.encode(&mut out).unwrap();
    silent_ones[0].send(&out[..n]).await.unwrap();
    let d = recv(&last).await.expect("the response, once there is room");
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!((m.code(), m.token()), (Code::CONTENT, &b"w"[..]));
}
