//! The tokio runners on loopback, with a client written out byte by byte: Observe (register,
//! notify, the Confirmable first and tenth, Reset, Observe 1, a last notification that is not
//! 2.xx, the pacing that holds changes behind an ACK and sends the latest state),
//! replies that come later (separate responses over UDP, a dropped responder), and Observe
//! over TCP.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use m2m_coap::codec::TcpCodec;
use m2m_coap::runner::{Notifier, Reply, Response, serve_tcp_with, serve_udp_with};
use m2m_coap::{Builder, Code, Message, OptionNumber, Type};
use m2m_core::Encode;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio_util::codec::Framed;

/// `/n`: an observable counter (4.04 once it passes 100); `/later`: answered after 50 ms;
/// `/dropped`: a responder dropped without an answer; `/echo`: the body back; `/cond`: how
/// many If-None-Match options and body bytes the request had.
fn handler(n: Arc<AtomicU32>) -> impl FnMut(&Message<'_>) -> Reply + Clone + Send + 'static {
    move |req: &Message<'_>| {
        let path: Vec<&str> = req.uri_path().collect();
        match path.as_slice() {
            ["n"] => {
                let v = n.load(Ordering::SeqCst);
                if v > 100 {
                    Response::new(Code::NOT_FOUND).into()
                } else {
                    Response::content(0, v.to_string().into_bytes())
                        .observable()
                        .into()
                }
            }
            ["later"] => {
                let (responder, reply) = Reply::later();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    responder.send(Response::content(0, b"done".to_vec()));
                });
                reply
            }
            ["dropped"] => Reply::later().1,
            // The body uploaded, back.
            ["echo"] => Response::content(0, req.payload().to_vec()).into(),
            // 3000 bytes with a Location-Path of 150: its blocks carry more options than a
            // block size is chosen for.
            ["wide"] => Response::content(0, vec![b'w'; 3000])
                .with(OptionNumber::LOCATION_PATH, vec![b'a'; 150])
                .into(),
            ["cond"] => {
                let inm = req
                    .options()
                    .filter(|o| o.number == OptionNumber::IF_NONE_MATCH)
                    .count();
                let text = format!("{inm} {}", req.payload().len());
                Response::content(0, text.into_bytes()).into()
            }
            // A POST that counts up, answered with 3000 bytes of the new count: in blocks.
            ["bump"] => {
                let v = n.fetch_add(1, Ordering::SeqCst) + 1;
                Response::content(42, vec![v.to_le_bytes()[0]; 3000]).into()
            }
            // The same, answered 50 ms later.
            ["bump-later"] => {
                let v = n.fetch_add(1, Ordering::SeqCst) + 1;
                let (responder, reply) = Reply::later();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    responder.send(Response::content(42, vec![v.to_le_bytes()[0]; 3000]));
                });
                reply
            }
            // The same with 800 bytes: one block of 1024, or two where messages are smaller.
            ["bump-800"] => {
                let v = n.fetch_add(1, Ordering::SeqCst) + 1;
                Response::content(42, vec![v.to_le_bytes()[0]; 800]).into()
            }
            // 3000 bytes of the counter's value, observable: served in blocks.
            ["big"] => {
                let v = n.load(Ordering::SeqCst);
                Response::content(42, vec![v.to_le_bytes()[0]; 3000])
                    .observable()
                    .into()
            }
            _ => Response::new(Code::NOT_FOUND).into(),
        }
    }
}

fn get(ty: Type, mid: u16, token: &[u8], path: &str, observe: Option<u32>) -> Vec<u8> {
    let mut b = Builder::<4>::udp(ty, Code::GET, mid);
    b.token(token).str(OptionNumber::URI_PATH, path).unwrap();
    if let Some(o) = observe {
        b.uint(OptionNumber::OBSERVE, o).unwrap();
    }
    let mut out = vec![0u8; b.buffer_len()];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

/// The next datagram, waiting up to `ms` milliseconds.
async fn recv_within(s: &UdpSocket, ms: u64) -> Option<Vec<u8>> {
    let mut buf = [0u8; 1500];
    match tokio::time::timeout(Duration::from_millis(ms), s.recv(&mut buf)).await {
        Ok(Ok(n)) => Some(buf[..n].to_vec()),
        _ => None,
    }
}

/// The next datagram, which is expected (a busy machine may take its time).
async fn recv(s: &UdpSocket) -> Option<Vec<u8>> {
    recv_within(s, 5000).await
}

/// Whether nothing comes before the answer to a request sent now: nothing within 300 ms,
/// then a GET of an unknown path whose 4.04 must be the next datagram (so that a datagram
/// the server was merely slow to send is caught here, not by a later check).
async fn silent(s: &UdpSocket) -> bool {
    static MID: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0x4000);
    if recv_within(s, 300).await.is_some() {
        return false;
    }
    let mid = MID.fetch_add(1, Ordering::SeqCst);
    s.send(&get(Type::Confirmable, mid, b"sentinel", "none", None))
        .await
        .unwrap();
    let Some(d) = recv(s).await else {
        return false;
    };
    let m = Message::parse_udp(&d).unwrap();
    (m.token(), m.code(), m.message_id()) == (&b"sentinel"[..], Code::NOT_FOUND, Some(mid))
}

async fn udp_server() -> (UdpSocket, Notifier, Arc<AtomicU32>) {
    let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let notifier = Notifier::new();
    let n = Arc::new(AtomicU32::new(7));
    tokio::spawn(serve_udp_with(server, handler(n.clone()), notifier.clone()));
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    client.connect(addr).await.unwrap();
    (client, notifier, n)
}

fn ack(m: &Message<'_>) -> Vec<u8> {
    let b = Builder::<0>::udp(Type::Acknowledgement, Code::EMPTY, m.message_id().unwrap());
    let mut out = vec![0u8; 4];
    b.encode(&mut out).unwrap();
    out
}

#[tokio::test]
async fn udp_observe_register_notify_and_reset() {
    let (c, notifier, n) = udp_server().await;
    c.send(&get(Type::Confirmable, 1, b"ob", "n", Some(0)))
        .await
        .unwrap();
    let d = recv(&c).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!(
        (m.ty(), m.code()),
        (Some(Type::Acknowledgement), Code::CONTENT)
    );
    assert_eq!((m.token(), m.payload()), (&b"ob"[..], &b"7"[..]));
    let mut last = m.observe().expect("registered: the answer carries Observe");

    for i in 1..=10u32 {
        n.store(7 + i, Ordering::SeqCst);
        notifier.changed("/n");
        let d = recv(&c).await.expect("a notification");
        let m = Message::parse_udp(&d).unwrap();
        assert_eq!(m.token(), b"ob");
        assert_eq!(m.payload(), (7 + i).to_string().as_bytes());
        let seq = m.observe().unwrap();
        assert!(seq > last, "Observe goes up: {seq} after {last}");
        last = seq;
        // The first is Confirmable (its ACK gives the server a round-trip time, RFC 7641
        // §4.5.1), then every tenth (RFC 7641 §4.5); the others are not.
        let want = if i == 1 || i == 10 {
            Type::Confirmable
        } else {
            Type::NonConfirmable
        };
        assert_eq!(m.ty(), Some(want), "notification {i}");
        if m.ty() == Some(Type::Confirmable) {
            c.send(&ack(&m)).await.unwrap();
        }
    }
    // A change of another path notifies nobody.
    notifier.changed("other");
    assert!(silent(&c).await);

    // A Reset in reply to a notification ends the observation.
    n.store(50, Ordering::SeqCst);
    notifier.changed("n");
    let d = recv(&c).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    let rst = Builder::<0>::udp(Type::Reset, Code::EMPTY, m.message_id().unwrap());
    let mut out = [0u8; 4];
    rst.encode(&mut out).unwrap();
    c.send(&out).await.unwrap();
    // A round trip after the Reset, so that the server has taken it before the change.
    c.send(&get(Type::Confirmable, 99, b"rt", "n", None))
        .await
        .unwrap();
    let d = recv(&c).await.unwrap();
    assert_eq!(Message::parse_udp(&d).unwrap().token(), b"rt");
    notifier.changed("n");
    assert!(silent(&c).await, "no notification after the Reset");
}

#[tokio::test]
async fn udp_observe_deregister_and_last_notification() {
    let (c, notifier, n) = udp_server().await;
    c.send(&get(Type::Confirmable, 1, b"a", "n", Some(0)))
        .await
        .unwrap();
    assert!(
        Message::parse_udp(&recv(&c).await.unwrap())
            .unwrap()
            .observe()
            .is_some()
    );
    // Observe 1 with the same token deregisters; the answer carries no Observe.
    c.send(&get(Type::Confirmable, 2, b"a", "n", Some(1)))
        .await
        .unwrap();
    let d = recv(&c).await.unwrap();
    assert_eq!(Message::parse_udp(&d).unwrap().observe(), None);
    notifier.changed("n");
    assert!(silent(&c).await);

    // A notification that is not 2.xx is the last one, without Observe.
    c.send(&get(Type::Confirmable, 3, b"b", "n", Some(0)))
        .await
        .unwrap();
    assert!(
        Message::parse_udp(&recv(&c).await.unwrap())
            .unwrap()
            .observe()
            .is_some()
    );
    n.store(101, Ordering::SeqCst);
    notifier.changed("n");
    let d = recv(&c).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!(
        (m.code(), m.observe(), m.token()),
        (Code::NOT_FOUND, None, &b"b"[..])
    );
    if m.ty() == Some(Type::Confirmable) {
        c.send(&ack(&m)).await.unwrap();
    }
    n.store(5, Ordering::SeqCst);
    notifier.changed("n");
    assert!(silent(&c).await);

    // A GET without Observe is answered without registering.
    c.send(&get(Type::Confirmable, 4, b"c", "n", None))
        .await
        .unwrap();
    assert_eq!(
        Message::parse_udp(&recv(&c).await.unwrap())
            .unwrap()
            .observe(),
        None
    );
    notifier.changed("n");
    assert!(silent(&c).await);
}

#[tokio::test]
async fn udp_notifications_wait_for_the_ack_and_skip_to_the_latest_state() {
    let (c, notifier, n) = udp_server().await;
    c.send(&get(Type::Confirmable, 1, b"p", "n", Some(0)))
        .await
        .unwrap();
    assert!(
        Message::parse_udp(&recv(&c).await.unwrap())
            .unwrap()
            .observe()
            .is_some()
    );
    // The first notification is Confirmable; while it waits for its ACK, nothing else goes
    // to this client (RFC 7641 §4.5.2), however many changes come.
    n.store(20, Ordering::SeqCst);
    notifier.changed("n");
    let d = recv(&c).await.unwrap();
    let first = Message::parse_udp(&d).unwrap();
    assert_eq!(
        (first.ty(), first.payload()),
        (Some(Type::Confirmable), &b"20"[..])
    );
    for v in 21..=25 {
        n.store(v, Ordering::SeqCst);
        notifier.changed("n");
    }
    // Nothing within 300 ms but, maybe, a retransmission of the first (same message id).
    while let Some(d) = recv_within(&c, 300).await {
        let m = Message::parse_udp(&d).unwrap();
        assert_eq!(m.message_id(), first.message_id(), "only the first, again");
    }
    // The ACK releases one notification, with the state of now: 25, the states between
    // skipped; Observe still goes up.
    c.send(&ack(&first)).await.unwrap();
    let d = recv(&c).await.expect("the held change");
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!(m.payload(), b"25");
    assert!(m.observe().unwrap() > first.observe().unwrap());
    // With a round-trip time known, the next ones are Non-confirmable.
    assert_eq!(m.ty(), Some(Type::NonConfirmable));
    if m.ty() == Some(Type::Confirmable) {
        c.send(&ack(&m)).await.unwrap();
    }
    assert!(silent(&c).await, "one notification for the six changes");
}

#[tokio::test]
async fn udp_reply_later_is_a_separate_response() {
    let (c, _notifier, _) = udp_server().await;
    c.send(&get(Type::Confirmable, 0x1234, b"s", "later", None))
        .await
        .unwrap();
    // First the Empty ACK of the request (RFC 7252 §5.2.2) ...
    let d = recv(&c).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.message_id()),
        (Some(Type::Acknowledgement), Code::EMPTY, Some(0x1234))
    );
    // ... then the response, Confirmable, with the request's token.
    let d = recv(&c).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.token(), m.payload()),
        (
            Some(Type::Confirmable),
            Code::CONTENT,
            &b"s"[..],
            &b"done"[..]
        )
    );
    c.send(&ack(&m)).await.unwrap();
    // Unacknowledged, it would come again after ACK_TIMEOUT (2 to 3 s).
    assert!(
        recv_within(&c, 3500).await.is_none(),
        "acknowledged: not sent again"
    );

    // A Non-confirmable request gets a Non-confirmable response and no ACK.
    c.send(&get(Type::NonConfirmable, 0x1235, b"t", "later", None))
        .await
        .unwrap();
    let d = recv(&c).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!(
        (m.ty(), m.code(), m.token()),
        (Some(Type::NonConfirmable), Code::CONTENT, &b"t"[..])
    );

    // A responder dropped without a response: 5.00.
    c.send(&get(Type::Confirmable, 0x1236, b"u", "dropped", None))
        .await
        .unwrap();
    let mut codes = Vec::new();
    while let Some(d) = recv_within(&c, 1000).await {
        let m = Message::parse_udp(&d).unwrap();
        codes.push(m.code());
        if m.ty() == Some(Type::Confirmable) {
            c.send(&ack(&m)).await.unwrap();
        }
    }
    assert_eq!(
        codes.last(),
        Some(&Code::INTERNAL_SERVER_ERROR),
        "{codes:?}"
    );
}

async fn next_frame(framed: &mut Framed<TcpStream, TcpCodec>) -> bytes::Bytes {
    let f = tokio::time::timeout(Duration::from_millis(5000), framed.next())
        .await
        .expect("a frame in time")
        .expect("the connection is open");
    f.unwrap().unwrap()
}

/// A TCP runner with [`handler`] on loopback and a client of it past the CSMs: the server's
/// comes first (RFC 8323 §5.3), then ours with `max_message_size`, before any request.
async fn tcp_client(
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
