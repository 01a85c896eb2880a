//! The TCP runner: Observe and replies that come later, Release, answers too large, many observations on one connection.

use super::*;

pub(super) async fn next_frame(framed: &mut Framed<TcpStream, TcpCodec>) -> bytes::Bytes {
    let f = tokio::time::timeout(Duration::from_millis(5000), framed.next())
        .await
        .expect("a frame in time")
        .expect("the connection is open");
    f.unwrap().unwrap()
}

/// A TCP runner with [`handler`] on loopback and a client of it past the CSMs: the server's
/// comes first (RFC 8323 §5.3), then ours with `max_message_size`, before any request.
pub(super) async fn tcp_client(
    n: Arc<AtomicU32>,
    notifier: Notifier,
    max_message_size: u32,
) -> Framed<TcpStream, TcpCodec> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_tcp_with(listener, handler(n), notifier));
    let stream = TcpStream::connect(addr).await.unwrap();
    let mut framed = Framed::new(stream, TcpCodec::with_max_message(1 << 16));
    let csm = next_frame(&mut framed).await;
    assert_eq!(Message::parse_tcp(&csm).unwrap().code(), Code::CSM);
    let session = m2m_coap::signaling::Session::new();
    framed
        .send(&session.csm(max_message_size, false).unwrap())
        .await
        .unwrap();
    framed
}

#[tokio::test]
async fn tcp_observe_and_reply_later() {
    let notifier = Notifier::new();
    let n = Arc::new(AtomicU32::new(3));
    let mut framed = tcp_client(n.clone(), notifier.clone(), 1 << 16).await;

    let mut b = Builder::<4>::tcp(Code::GET);
    b.token(b"tk").str(OptionNumber::URI_PATH, "n").unwrap();
    b.uint(OptionNumber::OBSERVE, 0).unwrap();
    framed.send(&b).await.unwrap();
    let mut b = Builder::<4>::tcp(Code::GET);
    b.token(b"L").str(OptionNumber::URI_PATH, "later").unwrap();
    framed.send(&b).await.unwrap();

    let frames = [next_frame(&mut framed).await, next_frame(&mut framed).await];
    let first = Message::parse_tcp(&frames[0]).unwrap();
    assert_eq!((first.token(), first.payload()), (&b"tk"[..], &b"3"[..]));
    let seq = first.observe().unwrap();
    let later = Message::parse_tcp(&frames[1]).unwrap();
    assert_eq!((later.token(), later.payload()), (&b"L"[..], &b"done"[..]));

    n.store(4, Ordering::SeqCst);
    notifier.changed("n");
    let f = next_frame(&mut framed).await;
    let m = Message::parse_tcp(&f).unwrap();
    assert_eq!((m.token(), m.payload()), (&b"tk"[..], &b"4"[..]));
    assert!(m.observe().unwrap() > seq);
}

#[tokio::test]
async fn a_release_lets_the_reply_still_coming_go_out() {
    // RFC 8323 §5.5: the requests received before a Release are still answered. /later
    // answers after 50 ms; the Release comes at once.
    let notifier = Notifier::new();
    let n = Arc::new(AtomicU32::new(3));
    let mut framed = tcp_client(n, notifier, 1 << 16).await;
    let mut b = Builder::<4>::tcp(Code::GET);
    b.token(b"L").str(OptionNumber::URI_PATH, "later").unwrap();
    framed.send(&b).await.unwrap();
    framed
        .send(&Builder::<0>::tcp(Code::RELEASE))
        .await
        .unwrap();
    let f = next_frame(&mut framed).await;
    let m = Message::parse_tcp(&f).unwrap();
    assert_eq!((m.token(), m.payload()), (&b"L"[..], &b"done"[..]));
    // Then the server closes the connection.
    let end = tokio::time::timeout(Duration::from_secs(5), framed.next())
        .await
        .expect("closed in time");
    assert!(end.is_none(), "{end:?}");
}

#[tokio::test]
async fn an_answer_too_large_for_the_peer_even_in_blocks_is_a_5_00() {
    // The peer takes 200 bytes: blocks of 64 leave 136 for the rest, and the answer's
    // options alone take more. It gets a 5.00, not silence.
    let notifier = Notifier::new();
    let n = Arc::new(AtomicU32::new(3));
    let mut framed = tcp_client(n, notifier, 200).await;
    let mut b = Builder::<4>::tcp(Code::GET);
    b.token(b"W").str(OptionNumber::URI_PATH, "wide").unwrap();
    framed.send(&b).await.unwrap();
    let f = next_frame(&mut framed).await;
    let m = Message::parse_tcp(&f).unwrap();
    assert_eq!(
        (m.token(), m.code()),
        (&b"W"[..], Code::INTERNAL_SERVER_ERROR)
    );
}

#[tokio::test]
async fn one_connection_holds_more_observations_than_a_udp_peer() {
    // The cap of 16 per peer is for UDP, whose source address can be forged; a TCP connection
    // may hold many (a LwM2M server observing many resources over one connection).
    let notifier = Notifier::new();
    let n = Arc::new(AtomicU32::new(3));
    let mut framed = tcp_client(n.clone(), notifier.clone(), 1 << 16).await;
    for t in 0u8..40 {
        let token = [t];
        let mut b = Builder::<4>::tcp(Code::GET);
        b.token(&token).str(OptionNumber::URI_PATH, "n").unwrap();
        b.uint(OptionNumber::OBSERVE, 0).unwrap();
        framed.send(&b).await.unwrap();
        let f = next_frame(&mut framed).await;
        let m = Message::parse_tcp(&f).unwrap();
        assert_eq!(m.token(), &[t][..]);
        assert!(m.observe().is_some(), "observation {t} registered");
    }
}

/// RFC 8323 §5.4: an Empty message "MUST be ignored", whatever it carries. One with a token
/// (`01 00 aa`) used to be a format error of the runner's framing, and the connection was
/// aborted.
#[tokio::test]
async fn an_empty_message_with_a_token_is_ignored() {
    let mut framed = tcp_client(Arc::new(AtomicU32::new(3)), Notifier::new(), 1 << 16).await;
    framed
        .send(bytes::Bytes::from_static(&[0x01, 0x00, 0xaa]))
        .await
        .unwrap();
    let mut b = Builder::<4>::tcp(Code::GET);
    b.token(b"E").str(OptionNumber::URI_PATH, "n").unwrap();
    framed.send(&b).await.unwrap();
    let f = next_frame(&mut framed).await;
    let m = Message::parse_tcp(&f).unwrap();
    assert_eq!(
        (m.code(), m.token(), m.payload()),
        (Code::CONTENT, &b"E"[..], &b"3"[..])
    );
}

/// RFC 8323 §5.3.2: the runner does block-wise transfers, so its CSM says so; with its
/// Max-Message-Size of 1 MiB (above 1152) that announces BERT too, which it does both ways
/// (the next test).
#[tokio::test]
async fn the_csm_announces_block_wise_transfer_and_with_it_bert() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_tcp_with(
        listener,
        handler(Arc::new(AtomicU32::new(3))),
        Notifier::new(),
    ));
    let stream = TcpStream::connect(addr).await.unwrap();
    let mut framed = Framed::new(stream, TcpCodec::with_max_message(1 << 16));
    let csm = next_frame(&mut framed).await;
    let mut session = m2m_coap::signaling::Session::new();
    session.on_message(&Message::parse_tcp(&csm).unwrap());
    assert!(session.peer_csm && session.peer_block_wise, "{session:?}");
    assert_eq!(
        (session.peer_max_message_size, session.peer_bert),
        (1 << 20, true)
    );
}

/// BERT (RFC 8323 §6), as the CSM announces it: an upload whose Block1 blocks (SZX 7) carry
/// several 1024-byte blocks each is put together, and a Block2 request with SZX 7 is answered
/// in blocks of 1024 (a BERT option asks for what SZX 6 does).
#[tokio::test]
async fn bert_uploads_are_taken_and_bert_block2_requests_answered() {
    let mut framed = tcp_client(Arc::new(AtomicU32::new(5)), Notifier::new(), 1 << 16).await;
    let body: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    // Block 0 with two blocks of 1024, then block 2 with the rest (a last BERT block may be
    // of any length).
    for (num, more, part) in [(0u32, true, &body[..2048]), (2, false, &body[2048..])] {
        let mut b = Builder::<4>::tcp(Code::PUT);
        b.token(b"B").str(OptionNumber::URI_PATH, "echo").unwrap();
        b.uint(
            OptionNumber::BLOCK1,
            m2m_coap::Block { num, more, szx: 7 }.to_uint(),
        )
        .unwrap();
        b.payload(part);
        framed.send(&b).await.unwrap();
        let f = next_frame(&mut framed).await;
        let m = Message::parse_tcp(&f).unwrap();
        let echo = m.block1().unwrap().unwrap();
        assert_eq!((echo.num, echo.more, echo.szx), (num, more, 7));
        if more {
            assert_eq!(m.code(), Code::CONTINUE);
        } else {
            // The body back, in blocks of 1024.
            assert_eq!(m.code(), Code::CONTENT);
            assert_eq!(m.payload(), &body[..1024]);
            assert_eq!(m.size2(), Some(5000));
        }
    }
    // Block2 block 1 of BERT (the second 1024 bytes) of /big.
    let mut b = Builder::<4>::tcp(Code::GET);
    b.token(b"G").str(OptionNumber::URI_PATH, "big").unwrap();
    b.uint(OptionNumber::BLOCK2, 1 << 4 | 7).unwrap();
    framed.send(&b).await.unwrap();
    let f = next_frame(&mut framed).await;
    let m = Message::parse_tcp(&f).unwrap();
    assert_eq!(m.code(), Code::CONTENT);
    let block = m.block2().unwrap().unwrap();
    assert_eq!((block.num, block.more, block.szx), (1, true, 6));
    assert_eq!(m.payload(), &[5u8; 1024][..]);
}

/// A peer that sends requests but reads nothing: once the runner cannot write for as long as
/// a Ping waits for its Pong (10 s), it drops the connection. It used to wait in the write for
/// ever, where it neither pinged the peer nor gave it up. (Real time: on tokio's paused clock
/// the connection's own timers would fire between the reads and writes and drop it anyway.)
#[tokio::test]
async fn a_peer_that_reads_nothing_is_dropped() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_tcp_with(
        listener,
        handler(Arc::new(AtomicU32::new(5))),
        Notifier::new(),
    ));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let encode = |b: &Builder<'_, 4>| {
        let mut out = vec![0u8; b.buffer_len()];
        let n = b.encode(&mut out).unwrap();
        out.truncate(n);
        out
    };
    let mut csm = Builder::<4>::tcp(Code::CSM);
    csm.uint(
        m2m_coap::option::number::signaling::MAX_MESSAGE_SIZE,
        1 << 20,
    )
    .unwrap();
    let mut get = Builder::<4>::tcp(Code::GET);
    get.token(b"g").str(OptionNumber::URI_PATH, "big").unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, &encode(&csm))
        .await
        .unwrap();
    // Each GET is answered with 1 KiB, which nobody reads.
    let batch = encode(&get).repeat(1000);
    let dropped = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            if tokio::io::AsyncWriteExt::write_all(&mut stream, &batch)
                .await
                .is_err()
            {
                break;
            }
        }
    })
    .await;
    assert!(dropped.is_ok(), "the runner still holds the connection");
}

/// Running out of file descriptors (EMFILE) makes `accept` fail while the connection waits in
/// the backlog: the runner waits and takes it once descriptors are free again. It used to end
/// with the error, so a client could stop a server by opening connections. Run in a child
/// process of this test binary, under a limit of 64 descriptors (the shell's `ulimit -n`).
#[cfg(unix)]
#[test]
fn running_out_of_file_descriptors_does_not_end_the_runner() {
    use m2m_testkit::fd_limit;
    const CHILD: &str = "M2M_COAP_EMFILE_CHILD";
    if fd_limit::is_child(CHILD) {
        return emfile_child();
    }
    fd_limit::run_under_fd_limit(
        "tcp::running_out_of_file_descriptors_does_not_end_the_runner",
        CHILD,
        64,
    );
}

/// The child of [`running_out_of_file_descriptors_does_not_end_the_runner`].
#[cfg(unix)]
fn emfile_child() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve_tcp_with(
            listener,
            handler(Arc::new(AtomicU32::new(3))),
            Notifier::new(),
        ));
        // Every descriptor taken, then one given back for the client's socket: the server's
        // accept has none.
        let held = m2m_testkit::fd_limit::take_all_but(1);
        let stream = TcpStream::connect(addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !server.is_finished(),
            "the runner ended: {:?}",
            server.await
        );
        drop(held);
        // The connection that waited is taken: the server's CSM comes.
        let mut framed = Framed::new(stream, TcpCodec::with_max_message(1 << 16));
        let csm = next_frame(&mut framed).await;
        assert_eq!(Message::parse_tcp(&csm).unwrap().code(), Code::CSM);
    });
}
