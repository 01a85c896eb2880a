//! Block-wise transfers in the runners: uploads, Request-Tag, block sizes, ETags, the answers to POSTs kept for their later blocks, a proxy refused.

use super::tcp::{next_frame, tcp_client};
use super::*;

#[tokio::test]
async fn an_upload_keeps_the_first_blocks_conditions_and_its_content_format() {
    // RFC 7959 §2.5: If-None-Match on the first block of a PUT in blocks applies to the whole
    // body, though the later blocks do not repeat it; §2.3: blocks of another Content-Format
    // are not put together with the first.
    let (c, _notifier, _) = udp_server().await;
    let block = |mid: u16, num: u32, more: bool, inm: bool, cf: Option<u32>, len: usize| {
        let mut b = Builder::<6>::udp(Type::Confirmable, Code::PUT, mid);
        b.token(&[0xb2])
            .str(OptionNumber::URI_PATH, "cond")
            .unwrap();
        if inm {
            b.empty(OptionNumber::IF_NONE_MATCH).unwrap();
        }
        if let Some(cf) = cf {
            b.uint(OptionNumber::CONTENT_FORMAT, cf).unwrap();
        }
        b.uint(
            OptionNumber::BLOCK1,
            m2m_coap::Block { num, more, szx: 0 }.to_uint(),
        )
        .unwrap();
        let body = vec![b'x'; len];
        b.payload(&body);
        let mut out = vec![0u8; b.buffer_len()];
        let n = b.encode(&mut out).unwrap();
        out.truncate(n);
        out
    };
    let ask = |d: Vec<u8>| {
        let c = &c;
        async move {
            c.send(&d).await.unwrap();
            let d = recv(c).await.unwrap();
            let m = Message::parse_udp(&d).unwrap();
            (m.code(), m.payload().to_vec())
        }
    };
    let text = Some(0);
    assert_eq!(
        ask(block(0x4300, 0, true, true, text, 16)).await.0,
        Code::CONTINUE
    );
    assert_eq!(
        ask(block(0x4301, 1, false, false, text, 4)).await,
        (Code::CONTENT, b"1 20".to_vec())
    );
    // A later block without Content-Format is part of the body; one of another is not: 4.08.
    assert_eq!(
        ask(block(0x4302, 0, true, false, text, 16)).await.0,
        Code::CONTINUE
    );
    assert_eq!(
        ask(block(0x4303, 1, true, false, None, 16)).await.0,
        Code::CONTINUE
    );
    assert_eq!(
        ask(block(0x4304, 2, false, false, Some(50), 4)).await.0,
        Code::REQUEST_ENTITY_INCOMPLETE
    );
    // Content-Format 0 as no bytes, then as one zero byte: the same format.
    assert_eq!(
        ask(block(0x4305, 0, true, false, text, 16)).await.0,
        Code::CONTINUE
    );
    let mut b = Builder::<6>::udp(Type::Confirmable, Code::PUT, 0x4306);
    b.token(&[0xb2])
        .str(OptionNumber::URI_PATH, "cond")
        .unwrap();
    b.opaque(OptionNumber::CONTENT_FORMAT, &[0]).unwrap();
    let last = m2m_coap::Block {
        num: 1,
        more: false,
        szx: 0,
    };
    b.uint(OptionNumber::BLOCK1, last.to_uint()).unwrap();
    b.payload(b"xxxx");
    let mut out = vec![0u8; b.buffer_len()];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    assert_eq!(ask(out).await, (Code::CONTENT, b"0 20".to_vec()));
}

/// Block `num` of a PUT to /echo in 16-byte blocks, under `tag` (a Request-Tag, if any).
fn put_block(mid: u16, tag: Option<&[u8]>, num: u32, body: &[u8], size1: Option<u32>) -> Vec<u8> {
    let start = num as usize * 16;
    let end = (start + 16).min(body.len());
    let more = end < body.len();
    let mut b = Builder::<6>::udp(Type::Confirmable, Code::PUT, mid);
    b.token(&[0xb1])
        .str(OptionNumber::URI_PATH, "echo")
        .unwrap();
    b.uint(
        OptionNumber::BLOCK1,
        m2m_coap::Block { num, more, szx: 0 }.to_uint(),
    )
    .unwrap();
    if let Some(t) = tag {
        b.opaque(OptionNumber::REQUEST_TAG, t).unwrap();
    }
    if let Some(s) = size1 {
        b.uint(OptionNumber::SIZE1, s).unwrap();
    }
    b.payload(&body[start..end]);
    let mut out = vec![0u8; b.buffer_len()];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

#[tokio::test]
async fn uploads_under_different_request_tags_stay_apart() {
    let (c, _notifier, _) = udp_server().await;
    let a: Vec<u8> = (0..40u8).collect();
    let b: Vec<u8> = (100..140u8).collect();
    let mut mid = 0x2000;
    let mut last = Vec::new();
    // The two bodies go block by block, interleaved, to the same resource.
    for num in 0..3u32 {
        for (tag, body) in [(&b"A"[..], &a), (&b"B"[..], &b)] {
            mid += 1;
            c.send(&put_block(mid, Some(tag), num, body, None))
                .await
                .unwrap();
            let d = recv(&c).await.unwrap();
            let m = Message::parse_udp(&d).unwrap();
            if num < 2 {
                assert_eq!(m.code(), Code::CONTINUE, "{tag:?} block {num}");
            } else {
                last.push((m.code(), m.payload().to_vec()));
            }
        }
    }
    assert_eq!(
        last,
        vec![(Code::CONTENT, a.clone()), (Code::CONTENT, b.clone())]
    );

    // A block that does not continue a body (block 2 first) is 4.08; a body announced over
    // the limit is 4.13 with the limit in Size1 (RFC 7959 §2.9.2, §2.9.3).
    c.send(&put_block(0x3000, Some(b"C"), 2, &a, None))
        .await
        .unwrap();
    let d = recv(&c).await.unwrap();
    assert_eq!(
        Message::parse_udp(&d).unwrap().code(),
        Code::REQUEST_ENTITY_INCOMPLETE
    );
    c.send(&put_block(0x3001, None, 0, &a, Some(2 << 20)))
        .await
        .unwrap();
    let d = recv(&c).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!(m.code(), Code::REQUEST_ENTITY_TOO_LARGE);
    assert_eq!(m.size1(), Some(1 << 20));
}

#[tokio::test]
async fn a_reserved_block_size_is_a_bad_request() {
    // RFC 7959 §2.2: SZX 7 in a request (outside BERT) MUST lead to 4.00 Bad Request, for
    // Block2 (not served as block 0 of a plain GET) and for Block1 alike.
    let (c, _notifier, _) = udp_server().await;
    for (number, code, mid) in [
        (OptionNumber::BLOCK2, Code::GET, 0x4000),
        (OptionNumber::BLOCK1, Code::PUT, 0x4001),
    ] {
        let mut b = Builder::<3>::udp(Type::Confirmable, code, mid);
        b.token(&[0xc1])
            .str(OptionNumber::URI_PATH, "echo")
            .unwrap();
        // num 0, no more, SZX 7.
        b.uint(number, 0x07).unwrap();
        let mut out = vec![0u8; b.buffer_len()];
        let n = b.encode(&mut out).unwrap();
        c.send(&out[..n]).await.unwrap();
        let d = recv(&c).await.unwrap();
        let m = Message::parse_udp(&d).unwrap();
        assert_eq!(m.code(), Code::BAD_REQUEST, "{number:?}");
        assert_eq!(m.message_id(), Some(mid));
    }
}

#[tokio::test]
async fn an_error_to_a_request_for_a_later_block_is_sent_whole() {
    // RFC 7959 §2.2: Block2 goes with a representation. A 4.04 to a GET for block 1 is the
    // 4.04 (not a 4.02 for a block past the end of its empty body), without Block2.
    let (c, _notifier, _) = udp_server().await;
    let mut b = Builder::<3>::udp(Type::Confirmable, Code::GET, 0x4200);
    b.token(&[0xc3])
        .str(OptionNumber::URI_PATH, "nope")
        .unwrap();
    // num 1, no more, SZX 6 (1024 bytes).
    b.uint(OptionNumber::BLOCK2, 0x16).unwrap();
    let mut out = vec![0u8; b.buffer_len()];
    let n = b.encode(&mut out).unwrap();
    c.send(&out[..n]).await.unwrap();
    let d = recv(&c).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!((m.code(), m.message_id()), (Code::NOT_FOUND, Some(0x4200)));
    assert!(m.block2().is_none());
}

#[tokio::test]
async fn a_request_for_a_proxy_is_refused_by_a_server_that_is_none() {
    // RFC 7252 §5.10.2: 5.05 (Proxying Not Supported) for Proxy-Uri or Proxy-Scheme, before
    // the handler (which would have answered /echo).
    let (c, _notifier, _) = udp_server().await;
    for (number, value, mid) in [
        (OptionNumber::PROXY_URI, "coap://192.0.2.1/echo", 0x4100),
        (OptionNumber::PROXY_SCHEME, "coap", 0x4101),
    ] {
        let mut b = Builder::<3>::udp(Type::Confirmable, Code::GET, mid);
        b.token(&[0xc2])
            .str(OptionNumber::URI_PATH, "echo")
            .unwrap();
        b.str(number, value).unwrap();
        let mut out = vec![0u8; b.buffer_len()];
        let n = b.encode(&mut out).unwrap();
        c.send(&out[..n]).await.unwrap();
        let d = recv(&c).await.unwrap();
        let m = Message::parse_udp(&d).unwrap();
        assert_eq!(m.code(), Code::PROXYING_NOT_SUPPORTED, "{number:?}");
        assert_eq!(m.message_id(), Some(mid));
    }
}

#[tokio::test]
async fn the_later_blocks_of_a_post_answer_come_from_the_answer_kept() {
    // The handler runs once for the POST; the client's requests for blocks 1 and 2 get the
    // rest of that answer, not a new POST's.
    let (c, _notifier, n) = udp_server().await;
    let before = n.load(Ordering::SeqCst);
    let mut body = Vec::new();
    for (num, mid) in [(0u32, 0x4200u16), (1, 0x4201), (2, 0x4202)] {
        let token = [0xc3, u8::try_from(num).unwrap()];
        let mut b = Builder::<3>::udp(Type::Confirmable, Code::POST, mid);
        b.token(&token).str(OptionNumber::URI_PATH, "bump").unwrap();
        if num > 0 {
            b.uint(OptionNumber::BLOCK2, num << 4 | 6).unwrap();
        }
        let mut out = vec![0u8; b.buffer_len()];
        let k = b.encode(&mut out).unwrap();
        c.send(&out[..k]).await.unwrap();
        let d = recv(&c).await.unwrap();
        let m = Message::parse_udp(&d).unwrap();
        assert_eq!(m.code(), Code::CONTENT);
        let block = m.block2().unwrap().unwrap();
        assert_eq!((block.num, block.more), (num, num < 2));
        body.extend_from_slice(m.payload());
    }
    assert_eq!(n.load(Ordering::SeqCst), before + 1, "the POST ran once");
    assert_eq!(body, vec![(before + 1).to_le_bytes()[0]; 3000]);
    // A new POST runs the handler again.
    let mut b = Builder::<3>::udp(Type::Confirmable, Code::POST, 0x4203);
    b.token(&[0xc4])
        .str(OptionNumber::URI_PATH, "bump")
        .unwrap();
    let mut out = vec![0u8; b.buffer_len()];
    let k = b.encode(&mut out).unwrap();
    c.send(&out[..k]).await.unwrap();
    let d = recv(&c).await.unwrap();
    assert_eq!(
        Message::parse_udp(&d).unwrap().payload()[0],
        (before + 2).to_le_bytes()[0]
    );
}

/// A body served in blocks carries an ETag in each (RFC 7959 §2.4), the same while the body
/// stays and another once it changes; a body in one piece carries none.
#[tokio::test]
async fn blocks_of_one_state_share_an_etag_and_another_state_gets_another() {
    let (client, _notifier, n) = udp_server().await;
    let block = |mid: u16, num: u32| {
        let mut b = Builder::<4>::udp(Type::Confirmable, Code::GET, mid);
        b.token(b"b").str(OptionNumber::URI_PATH, "big").unwrap();
        b.uint(OptionNumber::BLOCK2, num << 4 | 6).unwrap();
        let mut out = vec![0u8; b.buffer_len()];
        let len = b.encode(&mut out).unwrap();
        out.truncate(len);
        out
    };
    let mut etags = Vec::new();
    for (mid, num) in [(1u16, 0u32), (2, 1)] {
        client.send(&block(mid, num)).await.unwrap();
        let d = recv(&client).await.unwrap();
        let m = Message::parse_udp(&d).unwrap();
        assert_eq!(m.code(), Code::CONTENT);
        assert_eq!(m.block2().unwrap().unwrap().num, num);
        etags.push(m.option(OptionNumber::ETAG).unwrap().to_vec());
    }
    assert_eq!(etags[0], etags[1]);
    assert!(!etags[0].is_empty() && etags[0].len() <= 8);
    n.store(8, Ordering::SeqCst);
    client.send(&block(3, 2)).await.unwrap();
    let d = recv(&client).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    assert_ne!(m.option(OptionNumber::ETAG).unwrap(), &etags[0][..]);
    client
        .send(&get(Type::Confirmable, 4, b"n", "n", None))
        .await
        .unwrap();
    let d = recv(&client).await.unwrap();
    assert_eq!(
        Message::parse_udp(&d).unwrap().option(OptionNumber::ETAG),
        None
    );
}

/// An observation registered with a Block2 size gets its notifications in blocks of that size
/// (RFC 7959 §2.4: the size indicated or a smaller one).
#[tokio::test]
async fn notifications_come_in_the_block_size_the_registration_asked_for() {
    let (client, notifier, n) = udp_server().await;
    let mut b = Builder::<4>::udp(Type::Confirmable, Code::GET, 1);
    b.token(b"o").str(OptionNumber::URI_PATH, "big").unwrap();
    b.uint(OptionNumber::OBSERVE, 0).unwrap();
    b.uint(OptionNumber::BLOCK2, 2).unwrap(); // block 0 of 64 bytes
    let mut out = vec![0u8; b.buffer_len()];
    let len = b.encode(&mut out).unwrap();
    client.send(&out[..len]).await.unwrap();
    let d = recv(&client).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    assert!(m.observe().is_some());
    assert_eq!(m.payload().len(), 64);
    n.store(9, Ordering::SeqCst);
    notifier.changed("big");
    let d = recv(&client).await.expect("a notification");
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!(m.token(), b"o");
    let block = m.block2().unwrap().unwrap();
    assert_eq!((block.num, block.more, block.szx), (0, true, 2));
    assert_eq!(m.payload(), &[9u8; 64][..]);
}

/// Over TCP, a response larger than the peer's Max-Message-Size (RFC 8323 §5.3.1) comes in
/// blocks small enough for it.
#[tokio::test]
async fn tcp_answers_in_blocks_the_peer_can_take() {
    let n = Arc::new(AtomicU32::new(5));
    let mut framed = tcp_client(n, Notifier::new(), 512).await;
    let mut b = Builder::<4>::tcp(Code::GET);
    b.token(b"g").str(OptionNumber::URI_PATH, "big").unwrap();
    framed.send(&b).await.unwrap();
    let f = next_frame(&mut framed).await;
    assert!(f.len() <= 512, "{} bytes", f.len());
    let m = Message::parse_tcp(&f).unwrap();
    assert_eq!((m.token(), m.code()), (&b"g"[..], Code::CONTENT));
    let block = m.block2().unwrap().unwrap();
    assert_eq!((block.num, block.more, block.szx), (0, true, 4));
    assert_eq!(m.payload(), &[5u8; 256][..]);
    assert_eq!(m.size2(), Some(3000));
}

#[tokio::test]
async fn a_post_answer_cut_small_for_the_peer_is_kept_for_its_later_blocks() {
    // 800 bytes fit one block of 1024, but not a peer's messages of 512: the runner cuts the
    // answer in blocks of 256, and the request for the next block gets it from the answer
    // kept, not from a second run of the handler.
    let n = Arc::new(AtomicU32::new(5));
    let mut framed = tcp_client(n.clone(), Notifier::new(), 512).await;
    let mut b = Builder::<4>::tcp(Code::POST);
    b.token(b"p")
        .str(OptionNumber::URI_PATH, "bump-800")
        .unwrap();
    framed.send(&b).await.unwrap();
    let f = next_frame(&mut framed).await;
    let m = Message::parse_tcp(&f).unwrap();
    let block = m.block2().unwrap().unwrap();
    assert_eq!((block.num, block.more, block.szx), (0, true, 4));
    assert_eq!(m.payload(), &[6u8; 256][..]);
    let mut b = Builder::<4>::tcp(Code::POST);
    b.token(b"q")
        .str(OptionNumber::URI_PATH, "bump-800")
        .unwrap();
    b.uint(OptionNumber::BLOCK2, 1 << 4 | 4).unwrap();
    framed.send(&b).await.unwrap();
    let f = next_frame(&mut framed).await;
    let m = Message::parse_tcp(&f).unwrap();
    assert_eq!(m.block2().unwrap().unwrap().num, 1);
    assert_eq!(m.payload(), &[6u8; 256][..]);
    assert_eq!(n.load(Ordering::SeqCst), 6, "the POST ran once");
}

/// More observers than the UDP endpoint has slots for messages (64): a change reaches every
/// one of them, those past the slots as the first ones are acknowledged.
#[tokio::test]
async fn a_change_reaches_more_observers_than_the_endpoint_has_slots() {
    let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let notifier = Notifier::new();
    let n = Arc::new(AtomicU32::new(7));
    tokio::spawn(serve_udp_with(server, handler(n.clone()), notifier.clone()));
    let mut clients = Vec::new();
    for i in 0..90u16 {
        let c = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        c.connect(addr).await.unwrap();
        c.send(&get(Type::Confirmable, i, b"obs", "n", Some(0)))
            .await
            .unwrap();
        let d = recv(&c).await.expect("registered");
        assert!(Message::parse_udp(&d).unwrap().observe().is_some());
        clients.push(c);
    }
    n.store(8, Ordering::SeqCst);
    notifier.changed("n");
    let mut tasks = tokio::task::JoinSet::new();
    for c in clients {
        tasks.spawn(async move {
            let d = recv(&c).await?;
            let m = Message::parse_udp(&d).unwrap();
            if m.ty() == Some(Type::Confirmable) {
                c.send(&ack(&m)).await.unwrap();
            }
            Some(m.payload().to_vec())
        });
    }
    let mut got = 0;
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.unwrap().as_deref(), Some(&b"8"[..]), "a notification");
        got += 1;
    }
    assert_eq!(got, 90);
}

/// An answer to a POST that came later (a separate response) is kept for its later blocks
/// too: the handler runs once.
#[tokio::test]
async fn the_later_blocks_of_a_post_answered_later_come_from_the_answer_kept() {
    let (c, _notifier, n) = udp_server().await;
    let before = n.load(Ordering::SeqCst);
    let mut body = Vec::new();
    for (num, mid) in [(0u32, 0x4300u16), (1, 0x4301), (2, 0x4302)] {
        let token = [0xc5, u8::try_from(num).unwrap()];
        let mut b = Builder::<3>::udp(Type::Confirmable, Code::POST, mid);
        b.token(&token)
            .str(OptionNumber::URI_PATH, "bump-later")
            .unwrap();
        if num > 0 {
            b.uint(OptionNumber::BLOCK2, num << 4 | 6).unwrap();
        }
        let mut out = vec![0u8; b.buffer_len()];
        let k = b.encode(&mut out).unwrap();
        c.send(&out[..k]).await.unwrap();
        // The first: an Empty ACK, then the answer on its own (acknowledged).
        let m = loop {
            let d = recv(&c).await.unwrap();
            let msg = Message::parse_udp(&d).unwrap();
            if msg.code() == Code::EMPTY {
                continue;
            }
            if msg.ty() == Some(Type::Confirmable) {
                c.send(&ack(&msg)).await.unwrap();
            }
            break d;
        };
        let msg = Message::parse_udp(&m).unwrap();
        assert_eq!(msg.code(), Code::CONTENT);
        let block = msg.block2().unwrap().unwrap();
        assert_eq!((block.num, block.more), (num, num < 2));
        body.extend_from_slice(msg.payload());
    }
    assert_eq!(n.load(Ordering::SeqCst), before + 1, "the POST ran once");
    assert_eq!(body, vec![(before + 1).to_le_bytes()[0]; 3000]);
}
