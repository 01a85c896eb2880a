//! The tokio runners on loopback, with a client written out byte by byte: Observe (register,
//! notify, the Confirmable first and tenth, Reset, Observe 1, a last notification that is not
//! 2.xx, the pacing that holds changes behind an ACK and sends the latest state),
//! replies that come later (separate responses over UDP, a dropped responder); TCP
//! (`tcp.rs`), WebSocket (`ws.rs`), block-wise transfers (`blocks.rs`), and what a server
//! must survive (`robust.rs`).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod blocks;
mod fresh;
mod no_response;
mod robust;
mod tcp;
mod ws;

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
            // The counter, observable, fresh for 2 s (Max-Age): renewed without a change.
            ["fresh"] => {
                let v = n.load(Ordering::SeqCst);
                Response::content(0, v.to_string().into_bytes())
                    .with(OptionNumber::MAX_AGE, vec![2])
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
