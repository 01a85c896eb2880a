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
