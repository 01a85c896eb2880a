//! No-Response (RFC 7967) in the runners: the classes a request does not want go unsent (a
//! Confirmable request over UDP still gets its Empty ACK), for answers given at once or later,
//! for a block of a Block2 transfer, and for notifications, which answer the registration.

use super::tcp::{next_frame, tcp_client};
use super::*;

/// A UDP request of `code` to `path` with No-Response `nr` and other options.
fn ask(
    ty: Type,
    code: Code,
    mid: u16,
    path: &str,
    nr: u32,
    opts: &[(OptionNumber, u32)],
) -> Vec<u8> {
    let token = mid.to_be_bytes();
    let mut b = Builder::<6>::udp(ty, code, mid);
    b.token(&token).str(OptionNumber::URI_PATH, path).unwrap();
    for (n, v) in opts {
        b.uint(*n, *v).unwrap();
    }
    b.uint(OptionNumber::NO_RESPONSE, nr).unwrap();
    let mut out = vec![0u8; b.buffer_len()];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

/// Whether `d` is the Empty ACK of message `mid`.
fn empty_ack(d: &[u8], mid: u16) -> bool {
    let m = Message::parse_udp(d).unwrap();
    (m.ty(), m.code(), m.message_id()) == (Some(Type::Acknowledgement), Code::EMPTY, Some(mid))
}

#[tokio::test]
async fn udp_answers_of_unwanted_classes_go_unsent() {
    let (c, _notifier, _) = udp_server().await;
    // Not interested in 2.xx: a Confirmable POST gets its Empty ACK only.
    c.send(&ask(Type::Confirmable, Code::POST, 0x10, "bump", 2, &[]))
        .await
        .unwrap();
    assert!(empty_ack(&recv(&c).await.unwrap(), 0x10));
    assert!(silent(&c).await, "no 2.xx");
    // A Non-confirmable GET: nothing at all.
    c.send(&ask(Type::NonConfirmable, Code::GET, 0x11, "n", 2, &[]))
        .await
        .unwrap();
    assert!(silent(&c).await);
    // A class it wants goes: 4.04 to "not 2.xx".
    c.send(&ask(Type::Confirmable, Code::GET, 0x12, "none", 2, &[]))
        .await
        .unwrap();
    let d = recv(&c).await.unwrap();
    assert_eq!(Message::parse_udp(&d).unwrap().code(), Code::NOT_FOUND);
    // Not interested in 4.xx: the 4.04 becomes the Empty ACK.
    c.send(&ask(Type::Confirmable, Code::GET, 0x13, "none", 8, &[]))
        .await
        .unwrap();
    assert!(empty_ack(&recv(&c).await.unwrap(), 0x13));
    assert!(silent(&c).await);
    // A reply that comes later: the Empty ACK at once, and no separate response after.
    c.send(&ask(Type::Confirmable, Code::GET, 0x14, "later", 2, &[]))
        .await
        .unwrap();
    assert!(empty_ack(&recv(&c).await.unwrap(), 0x14));
    assert!(silent(&c).await, "no separate 2.05");
    // A later block of a Block2 transfer is an answer like any: block 1 of /big.
    let block1 = [(OptionNumber::BLOCK2, 1 << 4 | 6)];
    c.send(&ask(Type::Confirmable, Code::GET, 0x15, "big", 2, &block1))
        .await
        .unwrap();
    assert!(empty_ack(&recv(&c).await.unwrap(), 0x15));
    assert!(silent(&c).await);
    c.send(&ask(Type::Confirmable, Code::GET, 0x16, "big", 24, &block1))
        .await
        .unwrap();
    let d = recv(&c).await.unwrap();
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!(
        (m.code(), m.block2().unwrap().unwrap().num),
        (Code::CONTENT, 1)
    );
}

#[tokio::test]
async fn udp_notifications_follow_the_registrations_no_response() {
    let (c, notifier, n) = udp_server().await;
    // A registration that does not want 2.xx: not registered (nothing would ever go).
    let observe = [(OptionNumber::OBSERVE, 0)];
    c.send(&ask(Type::Confirmable, Code::GET, 0x20, "n", 2, &observe))
        .await
        .unwrap();
    assert!(empty_ack(&recv(&c).await.unwrap(), 0x20));
    n.store(8, Ordering::SeqCst);
    notifier.changed("n");
    assert!(silent(&c).await, "not registered");
    // Nor is it counted: 16 more of them leave room for the registration below (a peer may
    // hold 16 observations over UDP; past that it is answered without Observe).
    for mid in 0x30..0x40 {
        c.send(&ask(Type::Confirmable, Code::GET, mid, "n", 2, &observe))
            .await
            .unwrap();
        assert!(empty_ack(&recv(&c).await.unwrap(), mid));
    }

    // One that does not want 4.xx: notified of 2.xx, and its last notification (4.04) goes
    // unsent but ends the observation.
    c.send(&ask(Type::Confirmable, Code::GET, 0x21, "n", 8, &observe))
        .await
        .unwrap();
    let d = recv(&c).await.unwrap();
    assert!(
        Message::parse_udp(&d).unwrap().observe().is_some(),
        "registered"
    );
    n.store(9, Ordering::SeqCst);
    notifier.changed("n");
    let d = recv(&c).await.expect("a 2.05 notification");
    let m = Message::parse_udp(&d).unwrap();
    assert_eq!((m.code(), m.payload()), (Code::CONTENT, &b"9"[..]));
    if m.ty() == Some(Type::Confirmable) {
        c.send(&ack(&m)).await.unwrap();
    }
    n.store(101, Ordering::SeqCst);
    notifier.changed("n");
    assert!(silent(&c).await, "the 4.04 is not wanted");
    n.store(10, Ordering::SeqCst);
    notifier.changed("n");
    assert!(silent(&c).await, "the observation ended with the 4.04");
}

#[tokio::test]
async fn tcp_answers_of_unwanted_classes_go_unsent() {
    // Over TCP there is no message to acknowledge: nothing goes (RFC 7967 §2.1, our reading
    // for RFC 8323), and the next request's answer is the next frame.
    let notifier = Notifier::new();
    let n = Arc::new(AtomicU32::new(3));
    let mut framed = tcp_client(n.clone(), notifier.clone(), 1 << 16).await;
    let mut b = Builder::<4>::tcp(Code::GET);
    b.token(b"q").str(OptionNumber::URI_PATH, "n").unwrap();
    b.uint(OptionNumber::NO_RESPONSE, 2).unwrap();
    framed.send(&b).await.unwrap();
    let mut b = Builder::<4>::tcp(Code::GET);
    b.token(b"r").str(OptionNumber::URI_PATH, "none").unwrap();
    b.uint(OptionNumber::NO_RESPONSE, 2).unwrap();
    framed.send(&b).await.unwrap();
    let f = next_frame(&mut framed).await;
    let m = Message::parse_tcp(&f).unwrap();
    assert_eq!((m.token(), m.code()), (&b"r"[..], Code::NOT_FOUND));
    // A reply that comes later (after 50 ms) is left unsent as well: for a second after it
    // falls due, every frame is the answer to a probe sent every 100 ms, never the reply (on a
    // slow machine the reply, were it sent, would come before one of them).
    let mut b = Builder::<4>::tcp(Code::GET);
    b.token(b"L").str(OptionNumber::URI_PATH, "later").unwrap();
    b.uint(OptionNumber::NO_RESPONSE, 2).unwrap();
    framed.send(&b).await.unwrap();
    for probe in 0..10u8 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let token = [b's', probe];
        let mut b = Builder::<4>::tcp(Code::GET);
        b.token(&token).str(OptionNumber::URI_PATH, "none").unwrap();
        framed.send(&b).await.unwrap();
        let f = next_frame(&mut framed).await;
        assert_eq!(Message::parse_tcp(&f).unwrap().token(), [b's', probe]);
    }
}
