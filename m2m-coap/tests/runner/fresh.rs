//! Freshness of notifications (RFC 7641 §4.3.1): an observer whose last notification is about
//! to pass its Max-Age gets a new one, though nothing changed.

use super::tcp::{next_frame, tcp_client};
use super::*;

#[tokio::test]
async fn udp_a_notification_is_renewed_before_its_max_age_passes() {
    let (c, _notifier, _) = udp_server().await;
    c.send(&get(Type::Confirmable, 1, b"f", "fresh", Some(0)))
        .await
        .unwrap();
    let d = recv(&c).await.unwrap();
    let mut last = Message::parse_udp(&d)
        .unwrap()
        .observe()
        .expect("registered");
    // Max-Age 2: a notification again within that, without any change told to the notifier
    // (waited for up to 5 s, so that a slow machine does not fail it).
    for _ in 0..2 {
        let d = recv(&c).await.expect("a notification to stay fresh");
        let m = Message::parse_udp(&d).unwrap();
        assert_eq!((m.token(), m.payload()), (&b"f"[..], &b"7"[..]));
        assert_eq!(m.option(OptionNumber::MAX_AGE), Some(&[2u8][..]));
        let seq = m.observe().unwrap();
        assert!(seq > last);
        last = seq;
        if m.ty() == Some(Type::Confirmable) {
            c.send(&ack(&m)).await.unwrap();
        }
    }
}

#[tokio::test]
async fn tcp_a_notification_is_renewed_before_its_max_age_passes() {
    let notifier = Notifier::new();
    let n = Arc::new(AtomicU32::new(3));
    let mut framed = tcp_client(n, notifier, 1 << 16).await;
    let mut b = Builder::<4>::tcp(Code::GET);
    b.token(b"f").str(OptionNumber::URI_PATH, "fresh").unwrap();
    b.uint(OptionNumber::OBSERVE, 0).unwrap();
    framed.send(&b).await.unwrap();
    let f = next_frame(&mut framed).await;
    let mut last = Message::parse_tcp(&f)
        .unwrap()
        .observe()
        .expect("registered");
    for _ in 0..2 {
        let f = next_frame(&mut framed).await;
        let m = Message::parse_tcp(&f).unwrap();
        assert_eq!((m.token(), m.payload()), (&b"f"[..], &b"3"[..]));
        assert!(m.observe().unwrap() > last);
        last = m.observe().unwrap();
    }
}
