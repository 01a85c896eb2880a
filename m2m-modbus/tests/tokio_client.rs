//! The async client against scripted servers on loopback: pipelining with answers out of
//! order, dropped and late answers, and faults (a peer that closes mid-frame, sends garbage,
//! stalls past the timeout or answers with the wrong transaction id).
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use m2m_modbus::tokio::{Client, Error, Options, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// One FC03 request as the scripted servers see it.
#[derive(Debug, Clone, Copy)]
struct Read {
    tid: u16,
    unit: u8,
    address: u16,
    quantity: u16,
}

async fn read_request(s: &mut TcpStream) -> Option<Read> {
    let mut adu = [0u8; 12];
    s.read_exact(&mut adu).await.ok()?;
    assert_eq!(adu[7], 3, "the scripted servers serve FC03 only");
    Some(Read {
        tid: u16::from_be_bytes([adu[0], adu[1]]),
        unit: adu[6],
        address: u16::from_be_bytes([adu[8], adu[9]]),
        quantity: u16::from_be_bytes([adu[10], adu[11]]),
    })
}

/// The answer of the scripted world: register `a` holds `a`.
fn answer(r: Read, tid: u16) -> Vec<u8> {
    let n = usize::from(r.quantity);
    let mut out = Vec::new();
    out.extend_from_slice(&tid.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&u16::try_from(3 + 2 * n).unwrap().to_be_bytes());
    out.extend_from_slice(&[r.unit, 3, u8::try_from(2 * n).unwrap()]);
    for a in r.address..r.address + r.quantity {
        out.extend_from_slice(&a.to_be_bytes());
    }
    out
}

fn want(address: u16, quantity: u16) -> Vec<u16> {
    (address..address + quantity).collect()
}

async fn listener() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    (l, a)
}

fn options() -> Options {
    Options::default().timeout(Duration::from_millis(300))
}

#[tokio::test]
async fn pipelined_answers_out_of_order_reach_their_own_callers() {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        // Waits for all eight before answering: a client that did not pipeline would stall.
        let mut reqs = Vec::new();
        for _ in 0..8 {
            reqs.push(read_request(&mut s).await.unwrap());
        }
        for r in reqs.iter().rev() {
            s.write_all(&answer(*r, r.tid)).await.unwrap();
        }
        let _ = s.read(&mut [0u8; 1]).await;
    });
    let client = Client::connect_with(addr, options().max_in_flight(8))
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8u16 {
        let c = client.clone();
        tasks.spawn(async move {
            let (a, q) = (10 * i, i + 1);
            assert_eq!(c.read_holding_registers(a, q).await.unwrap(), want(a, q));
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    assert_eq!(client.unmatched(), 0);
}

#[tokio::test]
async fn one_outstanding_by_default() {
    let (l, addr) = listener().await;
    let seen = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let (seen2, max2) = (Arc::clone(&seen), Arc::clone(&max));
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        while let Some(r) = read_request(&mut s).await {
            // Anything else already in the socket would be a second outstanding request.
            tokio::time::sleep(Duration::from_millis(5)).await;
            let mut peek = [0u8; 1];
            let waiting = s.try_read(&mut peek).map_or(0, |n| n);
            max2.fetch_max(waiting, Ordering::Relaxed);
            seen2.fetch_add(1, Ordering::Relaxed);
            s.write_all(&answer(r, r.tid)).await.unwrap();
            if waiting > 0 {
                return;
            }
        }
    });
    let client = Client::connect_with(addr, options()).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..4u16 {
        let c = client.clone();
        tasks.spawn(async move { c.read_holding_registers(i, 2).await.unwrap() });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    assert_eq!(seen.load(Ordering::Relaxed), 4);
    assert_eq!(max.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn a_dropped_response_times_out_only_its_own_caller() {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        while let Some(r) = read_request(&mut s).await {
            if r.address != 30 {
                s.write_all(&answer(r, r.tid)).await.unwrap();
            }
        }
    });
    let client = Client::connect_with(addr, options().max_in_flight(8))
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8u16 {
        let c = client.clone();
        tasks.spawn(async move { (i, c.read_holding_registers(10 * i, 4).await) });
    }
    let mut timeouts = 0;
    while let Some(r) = tasks.join_next().await {
        let (i, got) = r.unwrap();
        match got {
            Ok(v) => assert_eq!(v, want(10 * i, 4)),
            Err(Error::Timeout(_)) => {
                assert_eq!(i, 3);
                timeouts += 1;
            }
            Err(e) => panic!("call {i}: {e}"),
        }
    }
    assert_eq!(timeouts, 1);
    // The connection is still good.
    assert_eq!(
        client.read_holding_registers(5, 1).await.unwrap(),
        want(5, 1)
    );
}

#[tokio::test]
async fn a_late_response_is_reported_and_reaches_nobody() {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let first = read_request(&mut s).await.unwrap();
        tokio::time::sleep(Duration::from_millis(450)).await;
        // Too late for the first caller; the second one waits for its own.
        let second = read_request(&mut s).await.unwrap();
        s.write_all(&answer(first, first.tid)).await.unwrap();
        s.write_all(&answer(second, second.tid)).await.unwrap();
        let _ = s.read(&mut [0u8; 1]).await;
    });
    let reported = Arc::new(AtomicUsize::new(0));
    let r2 = Arc::clone(&reported);
    let client = Client::connect_with(
        addr,
        options().on_unmatched(move |_| {
            r2.fetch_add(1, Ordering::Relaxed);
        }),
    )
    .await
    .unwrap();
    assert!(matches!(
        client.read_holding_registers(0, 3).await,
        Err(Error::Timeout(_))
    ));
    // Same quantity, another range: handed the late answer, this caller would see 0, 1, 2.
    assert_eq!(
        client.read_holding_registers(100, 3).await.unwrap(),
        want(100, 3)
    );
    assert_eq!(client.unmatched(), 1);
    assert_eq!(reported.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_wrong_transaction_id_is_no_answer() {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let r = read_request(&mut s).await.unwrap();
        s.write_all(&answer(r, r.tid.wrapping_add(100)))
            .await
            .unwrap();
        let r = read_request(&mut s).await.unwrap();
        s.write_all(&answer(r, r.tid)).await.unwrap();
        let _ = s.read(&mut [0u8; 1]).await;
    });
    let client = Client::connect_with(addr, options()).await.unwrap();
    assert!(matches!(
        client.read_holding_registers(0, 2).await,
        Err(Error::Timeout(_))
    ));
    assert_eq!(client.unmatched(), 1);
    assert_eq!(
        client.read_holding_registers(7, 2).await.unwrap(),
        want(7, 2)
    );
}

#[tokio::test]
async fn without_a_timeout_a_lost_connection_frees_its_requests() {
    // `Duration::MAX` (no timeout): a request outstanding when the peer goes away fails, and
    // its slot is free for the next call on a new connection (it used to stay taken, its
    // deadline never overdue, and every later call hung).
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let _ = read_request(&mut s).await.unwrap();
        drop(s);
        let (mut s, _) = l.accept().await.unwrap();
        let r = read_request(&mut s).await.unwrap();
        s.write_all(&answer(r, r.tid)).await.unwrap();
        let _ = s.read(&mut [0u8; 1]).await;
    });
    let client = Client::connect_with(addr, Options::default().timeout(Duration::MAX))
        .await
        .unwrap();
    assert!(matches!(
        client.read_holding_registers(0, 2).await,
        Err(Error::Closed)
    ));
    let next = tokio::time::timeout(Duration::from_secs(5), client.read_holding_registers(4, 2));
    assert_eq!(next.await.unwrap().unwrap(), want(4, 2));
}

#[tokio::test]
async fn a_request_given_up_before_it_is_sent_is_never_sent() {
    // One request at a time: a write queued behind a slow read, whose caller gives up, must
    // not be written later when the line frees (its caller is gone, and a write is not
    // harmless).
    let (l, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut functions = Vec::new();
        for _ in 0..2 {
            let mut head = [0u8; 8];
            s.read_exact(&mut head).await.unwrap();
            let mut rest = vec![0u8; usize::from(u16::from_be_bytes([head[4], head[5]])) - 2];
            s.read_exact(&mut rest).await.unwrap();
            functions.push(head[7]);
            tokio::time::sleep(Duration::from_millis(100)).await;
            let r = Read {
                tid: u16::from_be_bytes([head[0], head[1]]),
                unit: head[6],
                address: u16::from_be_bytes([rest[0], rest[1]]),
                quantity: u16::from_be_bytes([rest[2], rest[3]]),
            };
            s.write_all(&answer(r, r.tid)).await.unwrap();
        }
        functions
    });
    let client = Client::connect_with(addr, Options::default().timeout(Duration::from_secs(2)))
        .await
        .unwrap();
    let slow = tokio::spawn({
        let c = client.clone();
        async move { c.read_holding_registers(0, 1).await }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let gave_up = tokio::time::timeout(
        Duration::from_millis(10),
        client.write_single_register(1, 9),
    )
    .await;
    assert!(gave_up.is_err());
    assert_eq!(slow.await.unwrap().unwrap(), want(0, 1));
    assert_eq!(
        client.read_holding_registers(5, 1).await.unwrap(),
        want(5, 1)
    );
    assert_eq!(server.await.unwrap(), [3, 3]);
}

#[tokio::test]
async fn the_client_reconnects_after_a_close_mid_frame_and_after_garbage() {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        // First connection: half an answer, then the peer is gone.
        let (mut s, _) = l.accept().await.unwrap();
        let r = read_request(&mut s).await.unwrap();
        let a = answer(r, r.tid);
        s.write_all(&a[..9]).await.unwrap();
        drop(s);
        // Second: garbage (protocol id 0x1234): the stream is out of step.
        let (mut s, _) = l.accept().await.unwrap();
        let _ = read_request(&mut s).await.unwrap();
        s.write_all(&[0, 1, 0x12, 0x34, 0, 3, 1, 3, 0])
            .await
            .unwrap();
        // Third: a good answer.
        let (mut s, _) = l.accept().await.unwrap();
        let r = read_request(&mut s).await.unwrap();
        s.write_all(&answer(r, r.tid)).await.unwrap();
        let _ = s.read(&mut [0u8; 1]).await;
    });
    let client = Client::connect_with(addr, options()).await.unwrap();
    assert!(matches!(
        client.read_holding_registers(0, 2).await,
        Err(Error::Closed)
    ));
    assert!(matches!(
        client.read_holding_registers(0, 2).await,
        Err(Error::Protocol(_))
    ));
    assert_eq!(
        client.read_holding_registers(3, 2).await.unwrap(),
        want(3, 2)
    );
    assert_eq!(client.connects(), 3);
}

#[tokio::test]
async fn a_stalled_peer_times_out_and_retries_back_off() {
    let (l, addr) = listener().await;
    let attempts = Arc::new(AtomicUsize::new(0));
    let a2 = Arc::clone(&attempts);
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        // Stalls on the first two attempts, answers the third.
        while let Some(r) = read_request(&mut s).await {
            if a2.fetch_add(1, Ordering::Relaxed) >= 2 {
                s.write_all(&answer(r, r.tid)).await.unwrap();
            }
        }
    });
    let client = Client::connect_with(
        addr,
        Options::default()
            .timeout(Duration::from_millis(100))
            .retries(2, Duration::from_millis(50)),
    )
    .await
    .unwrap();
    let t0 = Instant::now();
    assert_eq!(
        client.read_holding_registers(1, 1).await.unwrap(),
        want(1, 1)
    );
    // Two timeouts of 100 ms and back-offs of 50 and 100 ms.
    assert!(
        t0.elapsed() >= Duration::from_millis(350),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(attempts.load(Ordering::Relaxed), 3);
    // Without retries the stall is an error.
    let once = client.with_retries(0, Duration::ZERO);
    attempts.store(0, Ordering::Relaxed);
    assert!(matches!(
        once.read_holding_registers(1, 1).await,
        Err(Error::Timeout(_))
    ));
}

#[tokio::test]
async fn a_caller_that_gives_up_hands_the_socket_to_the_others() {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let a = read_request(&mut s).await.unwrap();
        let b = read_request(&mut s).await.unwrap();
        // Answers only after the first caller has been dropped.
        tokio::time::sleep(Duration::from_millis(100)).await;
        s.write_all(&answer(a, a.tid)).await.unwrap();
        s.write_all(&answer(b, b.tid)).await.unwrap();
        let c = read_request(&mut s).await.unwrap();
        s.write_all(&answer(c, c.tid)).await.unwrap();
        let _ = s.read(&mut [0u8; 1]).await;
    });
    let client = Client::connect_with(addr, options().max_in_flight(2))
        .await
        .unwrap();
    let (first, second) = (client.clone(), client.clone());
    let kept = tokio::spawn(async move { first.read_holding_registers(50, 2).await });
    tokio::task::yield_now().await;
    let dropped = tokio::spawn(async move { second.read_holding_registers(0, 1).await });
    tokio::time::sleep(Duration::from_millis(20)).await;
    // The caller that polled last (so the socket would wake it, not the other) goes away.
    dropped.abort();
    // Without the hand-over nothing would wake it again (not even its timer, which the
    // other had set): the test gives it a second.
    let got = tokio::time::timeout(Duration::from_secs(1), kept).await;
    assert_eq!(
        got.expect("the caller left is woken").unwrap().unwrap(),
        want(50, 2)
    );
    // Its answer matches its request (it is dropped with nobody to take it): not unmatched.
    assert_eq!(client.unmatched(), 0);
    assert_eq!(
        client.read_holding_registers(9, 1).await.unwrap(),
        want(9, 1)
    );
}

#[tokio::test]
async fn rtu_over_tcp_skips_noise_before_the_answer() {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut req = [0u8; 8];
        s.read_exact(&mut req).await.unwrap();
        assert_eq!(&req[..2], &[9, 3]);
        let mut rsp = vec![9, 3, 4, 0, 1, 0, 2];
        let crc = m2m_modbus::rtu::crc16(&rsp);
        rsp.extend_from_slice(&crc.to_le_bytes());
        // Line noise first.
        s.write_all(&[0xFF, 0x00, 0x13]).await.unwrap();
        s.write_all(&rsp).await.unwrap();
        let _ = s.read(&mut [0u8; 1]).await;
    });
    let client = Client::connect_with(addr, options().transport(Transport::RtuOverTcp).unit(9))
        .await
        .unwrap();
    assert_eq!(
        client.read_holding_registers(1, 2).await.unwrap(),
        vec![1, 2]
    );
    assert!(client.unmatched() >= 1, "the noise is reported");
}

/// A peer that answers one request per connection and then closes it: the close is seen
/// before the next request is sent, which goes out on a new connection without an error.
async fn one_answer_per_connection() -> SocketAddr {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        loop {
            let (mut s, _) = l.accept().await.unwrap();
            let r = read_request(&mut s).await.unwrap();
            s.write_all(&answer(r, r.tid)).await.unwrap();
        }
    });
    addr
}

#[tokio::test]
async fn a_connection_closed_while_idle_is_opened_again_for_the_next_request() {
    for window in [1, 8] {
        let addr = one_answer_per_connection().await;
        let client = Client::connect_with(addr, options().max_in_flight(window))
            .await
            .unwrap();
        for i in 0..3u16 {
            assert_eq!(
                client.read_holding_registers(i, 2).await.unwrap(),
                want(i, 2),
                "window {window}, request {i}"
            );
            // Let the close arrive before the next request.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(client.connects(), 3, "window {window}");
    }
}

/// A listener on `addr` whose accept queue is full, with the connections that fill it: Linux
/// drops further connection requests, so a connect to it hangs (the client resends its SYN)
/// until the caller gives up.
async fn unanswered_listener(addr: SocketAddr) -> (TcpListener, Vec<TcpStream>, SocketAddr) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket.bind(addr).unwrap();
    let l = socket.listen(1).unwrap();
    let addr = l.local_addr().unwrap();
    let mut held = Vec::new();
    for _ in 0..16 {
        match tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => held.push(s),
            Ok(Err(e)) => panic!("connect: {e}"),
            Err(_) => return (l, held, addr),
        }
    }
    panic!("the accept queue never filled");
}

#[tokio::test]
async fn a_connection_that_is_never_accepted_times_out() {
    let (_l, _held, addr) = unanswered_listener("127.0.0.1:0".parse().unwrap()).await;
    let limit = Duration::from_millis(200);
    let started = std::time::Instant::now();
    let r = Client::connect_with(addr, options().connect_timeout(limit)).await;
    assert!(
        matches!(r, Err(Error::ConnectTimeout(d)) if d == limit),
        "{r:?}"
    );
    assert!(r.unwrap_err().is_transient());
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_reconnection_that_is_never_accepted_times_out() {
    // A first connection, which the server closes; then the port is held by a listener that
    // accepts nothing.
    let (l, addr) = listener().await;
    let client = Client::connect_with(addr, options().connect_timeout(Duration::from_millis(200)))
        .await
        .unwrap();
    drop(l.accept().await.unwrap());
    drop(l);
    let (_l, _held, _) = unanswered_listener(addr).await;
    let started = std::time::Instant::now();
    let r = client.read_holding_registers(0, 1).await;
    assert!(matches!(r, Err(Error::ConnectTimeout(_))), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(client.connects(), 1);
}

#[tokio::test]
async fn requests_still_queued_when_the_connection_breaks_go_out_on_the_next_one() {
    for reconnect in [true, false] {
        let (l, addr) = listener().await;
        let (got_first, first_seen) = tokio::sync::oneshot::channel();
        let (queued, close) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            // First connection: the first request is read, then the peer goes away unanswered.
            let (mut s, _) = l.accept().await.unwrap();
            let _ = read_request(&mut s).await.unwrap();
            got_first.send(()).unwrap();
            close.await.unwrap();
            drop(s);
            // Second: every request is answered.
            let (mut s, _) = l.accept().await.unwrap();
            while let Some(r) = read_request(&mut s).await {
                s.write_all(&answer(r, r.tid)).await.unwrap();
            }
        });
        // One outstanding at a time: the other two wait in the queue behind the first.
        let options = options()
            .timeout(Duration::from_secs(5))
            .reconnect(reconnect);
        let client = Client::connect_with(addr, options).await.unwrap();
        let c = client.clone();
        let first = tokio::spawn(async move { c.read_holding_registers(0, 2).await });
        first_seen.await.unwrap();
        let mut later = Vec::new();
        for i in 1..3u16 {
            let c = client.clone();
            later.push(tokio::spawn(
                async move { c.read_holding_registers(i, 2).await },
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        queued.send(()).unwrap();
        // The request that was sent fails (it may have been executed); the others were never
        // written, and go out on a new connection without a retry being asked for, or fail
        // as closed when the client may not connect again.
        assert!(matches!(first.await.unwrap(), Err(Error::Closed)));
        for (i, t) in (1..3u16).zip(later) {
            let r = t.await.unwrap();
            if reconnect {
                assert_eq!(r.unwrap(), want(i, 2));
            } else {
                assert!(matches!(r, Err(Error::Closed)), "{r:?}");
            }
        }
        assert_eq!(client.connects(), if reconnect { 2 } else { 1 });
    }
}

/// The bytes `peer` has to read within `wait`.
async fn drain(peer: &mut tokio::io::DuplexStream, wait: Duration) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while let Ok(Ok(n)) = tokio::time::timeout(wait, peer.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    got
}

/// A read of register 7 on `client`, with `peer` reading what the client writes up to that
/// request and answering it; what `peer` read. Anything written after it would show in the
/// next read of `peer`.
async fn read_7_after(client: &Client, peer: &mut tokio::io::DuplexStream) -> Vec<u8> {
    let c = client.clone();
    let call = tokio::spawn(async move { c.read_holding_registers(7, 1).await });
    // Read until the request for register 7 has come (the call times out if it is not
    // answered in time).
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while got.len() < 12 || got[got.len() - 5..] != [3, 0, 7, 0, 1] {
        let read = tokio::time::timeout(Duration::from_millis(300), peer.read(&mut buf));
        match read.await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => panic!("no request for register 7: {got:02x?}"),
        }
    }
    let frame = &got[got.len() - 12..];
    assert_eq!(&frame[7..12], &[3, 0, 7, 0, 1], "{got:02x?}");
    let tid = u16::from_be_bytes([frame[0], frame[1]]);
    let r = Read {
        tid,
        unit: frame[6],
        address: 7,
        quantity: 1,
    };
    peer.write_all(&answer(r, tid)).await.unwrap();
    assert_eq!(call.await.unwrap().unwrap(), want(7, 1));
    got
}

#[tokio::test]
async fn a_request_timed_out_before_any_of_it_left_is_never_sent() {
    // A stream that holds 16 bytes until the peer reads: of three pipelined requests of 12
    // bytes, the first leaves whole, the second in part, the third not at all.
    let (ours, mut peer) = tokio::io::duplex(16);
    let client = Client::from_stream(
        ours,
        options()
            .timeout(Duration::from_millis(100))
            .max_in_flight(8),
    );
    let mut calls = Vec::new();
    for i in 0..3u16 {
        let c = client.clone();
        calls.push(tokio::spawn(
            async move { c.read_holding_registers(i, 1).await },
        ));
    }
    for c in calls {
        assert!(matches!(c.await.unwrap(), Err(Error::Timeout(_))));
    }
    let got = drain(&mut peer, Duration::from_millis(300)).await;
    assert_eq!(got.len(), 16, "{got:02x?}");
    // The next call finishes the second request (the stream stays in step), and nothing of
    // the third goes out before its own.
    let got = read_7_after(&client, &mut peer).await;
    assert_eq!(got.len(), 8 + 12, "{got:02x?}");
    assert_eq!(&got[4..8], &[0, 1, 0, 1], "the end of the second request");
}

#[tokio::test]
async fn a_request_given_up_by_its_caller_before_any_of_it_left_is_never_sent() {
    let (ours, mut peer) = tokio::io::duplex(16);
    let client = Client::from_stream(ours, options().max_in_flight(8));
    for i in 0..3u16 {
        let c = client.clone();
        // Each call is polled until it waits, then dropped.
        let r = tokio::time::timeout(Duration::from_millis(50), async move {
            c.read_holding_registers(i, 1).await
        });
        assert!(r.await.is_err());
    }
    let got = drain(&mut peer, Duration::from_millis(300)).await;
    assert_eq!(got.len(), 16, "{got:02x?}");
    let got = read_7_after(&client, &mut peer).await;
    assert_eq!(got.len(), 8 + 12, "{got:02x?}");
}

/// An RTU frame: the bytes and their CRC.
fn rtu(body: &[u8]) -> Vec<u8> {
    let mut f = body.to_vec();
    f.extend_from_slice(&m2m_modbus::rtu::crc16(body).to_le_bytes());
    f
}

/// The RTU answer to an FC03 request frame: register `a` holds `a`.
fn rtu_answer(req: &[u8]) -> Vec<u8> {
    let address = u16::from_be_bytes([req[2], req[3]]);
    let quantity = u16::from_be_bytes([req[4], req[5]]);
    let mut body = vec![req[0], 3, u8::try_from(2 * quantity).unwrap()];
    for a in address..address + quantity {
        body.extend_from_slice(&a.to_be_bytes());
    }
    rtu(&body)
}

#[tokio::test]
async fn over_rtu_over_tcp_a_late_answer_reaches_nobody() {
    // RTU frames have no transaction id: the answer to a request that timed out, coming
    // late, would be taken for the next request's of the same shape. The client holds the
    // next request until that answer comes (or the timeout passes again).
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut req = [0u8; 8];
        s.read_exact(&mut req).await.unwrap();
        assert_eq!(req.to_vec(), rtu(&[1, 3, 0, 0, 0, 3]));
        tokio::time::sleep(Duration::from_millis(400)).await;
        s.write_all(&rtu_answer(&req)).await.unwrap();
        s.read_exact(&mut req).await.unwrap();
        assert_eq!(req.to_vec(), rtu(&[1, 3, 0, 100, 0, 3]));
        s.write_all(&rtu_answer(&req)).await.unwrap();
        let _ = s.read(&mut [0u8; 1]).await;
    });
    let client = Client::connect_with(addr, options().transport(Transport::RtuOverTcp))
        .await
        .unwrap();
    assert!(matches!(
        client.read_holding_registers(0, 3).await,
        Err(Error::Timeout(_))
    ));
    assert_eq!(
        client.read_holding_registers(100, 3).await.unwrap(),
        want(100, 3)
    );
    assert_eq!(client.unmatched(), 1);
}

#[tokio::test]
async fn over_rtu_over_tcp_a_silent_device_holds_the_next_request_one_timeout() {
    let (l, addr) = listener().await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut req = [0u8; 8];
        s.read_exact(&mut req).await.unwrap();
        // Never answered; the next request comes once its late answer may no longer come.
        s.read_exact(&mut req).await.unwrap();
        tx.send(Instant::now()).unwrap();
        s.write_all(&rtu_answer(&req)).await.unwrap();
        let _ = s.read(&mut [0u8; 1]).await;
    });
    let client = Client::connect_with(addr, options().transport(Transport::RtuOverTcp))
        .await
        .unwrap();
    assert!(matches!(
        client.read_holding_registers(0, 3).await,
        Err(Error::Timeout(_))
    ));
    let timed_out = Instant::now();
    assert_eq!(
        client.read_holding_registers(7, 2).await.unwrap(),
        want(7, 2)
    );
    let second_sent = rx.await.unwrap();
    assert!(
        second_sent - timed_out >= Duration::from_millis(280),
        "{:?}",
        second_sent - timed_out
    );
    assert_eq!(client.unmatched(), 0);
}

/// A loopback RTU over TCP device that answers each FC03 request with the registers'
/// addresses (register `a` holds `a`), and writes `noise` before its first answer.
async fn rtu_device_with_noise(noise: &'static [u8]) -> SocketAddr {
    let (l, addr) = listener().await;
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut req = [0u8; 8];
        let mut first = true;
        while s.read_exact(&mut req).await.is_ok() {
            if std::mem::take(&mut first) {
                s.write_all(noise).await.unwrap();
            }
            if s.write_all(&rtu_answer(&req)).await.is_err() {
                break;
            }
        }
    });
    addr
}

#[tokio::test]
async fn over_rtu_over_tcp_a_head_that_never_completes_hands_no_stale_answer_on() {
    // `01 03 50` is the head of an 85-byte FC03 answer: it holds the answers behind it until
    // it is given up. None of them may reach a later caller, and the client recovers.
    let addr = rtu_device_with_noise(&[0x01, 0x03, 0x50]).await;
    let opts = Options::default()
        .transport(Transport::RtuOverTcp)
        .timeout(Duration::from_millis(200));
    let client = Client::connect_with(addr, opts).await.unwrap();
    let mut answered = Vec::new();
    for a in 0..20 {
        match client.read_holding_registers(a, 1).await {
            Ok(v) => {
                assert_eq!(v, want(a, 1), "the answer to another request");
                answered.push(a);
            }
            Err(e) => assert!(matches!(e, Error::Timeout(_)), "{e:?}"),
        }
    }
    assert!(answered.iter().any(|&a| a >= 10), "{answered:?}");
}

#[tokio::test]
async fn over_rtu_over_tcp_a_head_that_gets_no_more_bytes_is_given_up() {
    // The same noise before the answer: once it has had no more bytes for a quiet time (a
    // second), it is given up and the answer behind it reaches its caller, well within the
    // caller's timeout.
    let addr = rtu_device_with_noise(&[0x01, 0x03, 0x50]).await;
    let opts = Options::default()
        .transport(Transport::RtuOverTcp)
        .timeout(Duration::from_secs(10));
    let client = Client::connect_with(addr, opts).await.unwrap();
    assert_eq!(
        client.read_holding_registers(4, 1).await.unwrap(),
        want(4, 1)
    );
    assert_eq!(client.unmatched(), 1, "the noise is reported");
    assert_eq!(
        client.read_holding_registers(5, 1).await.unwrap(),
        want(5, 1)
    );
}

#[tokio::test]
async fn a_request_waiting_for_a_slot_gives_up_after_its_own_timeout() {
    // A request with no timeout is sent and its caller gives up: its slot stays taken (the
    // answer may still come). The next request, waiting for that slot, times out after its own
    // timeout, not after the other's.
    let (l, addr) = listener().await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        read_request(&mut s).await.unwrap();
        tx.send(()).unwrap();
        // Reads on, answers nothing.
        while matches!(s.read(&mut [0u8; 256]).await, Ok(n) if n > 0) {}
    });
    let opts = Options::default().timeout(Duration::from_secs(1));
    let c = Client::connect_with(addr, opts).await.unwrap();
    let slow = c.with_timeout(Duration::MAX);
    tokio::select! {
        r = slow.read_holding_registers(0, 1) => panic!("{r:?}"),
        sent = rx => sent.unwrap(),
    }
    let r = tokio::time::timeout(Duration::from_secs(10), c.read_holding_registers(1, 1)).await;
    assert!(matches!(r, Ok(Err(Error::Timeout(_)))), "{r:?}");
}

#[tokio::test]
async fn a_broadcast_on_modbus_tcp_has_a_transaction_id_of_its_own() {
    // On Modbus/TCP unit 0 may be a device's own address: it answers. Each broadcast carries
    // an id no other request has, and its answer reaches nobody.
    let (l, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut tids = Vec::new();
        for _ in 0..4 {
            let mut head = [0u8; 7];
            s.read_exact(&mut head).await.unwrap();
            let mut pdu = vec![0u8; usize::from(u16::from_be_bytes([head[4], head[5]])) - 1];
            s.read_exact(&mut pdu).await.unwrap();
            let tid = u16::from_be_bytes([head[0], head[1]]);
            tids.push(tid);
            if pdu[0] == 6 {
                // FC06 answers with its echo.
                assert_eq!(head[6], 0, "a broadcast goes to unit 0");
                s.write_all(&head).await.unwrap();
                s.write_all(&pdu).await.unwrap();
            } else {
                let r = Read {
                    tid,
                    unit: head[6],
                    address: u16::from_be_bytes([pdu[1], pdu[2]]),
                    quantity: u16::from_be_bytes([pdu[3], pdu[4]]),
                };
                s.write_all(&answer(r, tid)).await.unwrap();
            }
        }
        let _ = s.read(&mut [0u8; 1]).await;
        tids
    });
    let client = Client::connect_with(addr, options()).await.unwrap();
    let write = m2m_modbus::Request::WriteSingleRegister {
        address: 1,
        value: 2,
    };
    for a in [3, 4] {
        client.broadcast(&write).await.unwrap();
        assert_eq!(
            client.read_holding_registers(a, 1).await.unwrap(),
            want(a, 1)
        );
    }
    assert_eq!(client.unmatched(), 2, "the answers to the broadcasts");
    drop(client);
    let mut tids = server.await.unwrap();
    tids.sort_unstable();
    tids.dedup();
    assert_eq!(tids.len(), 4, "{tids:?}");
}

#[tokio::test]
async fn over_rtu_over_tcp_a_broadcast_is_followed_by_the_turnaround_delay() {
    let (l, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut frame = [0u8; 8];
        s.read_exact(&mut frame).await.unwrap();
        assert_eq!(frame[..2], [0, 6], "the broadcast");
        s.read_exact(&mut frame).await.unwrap();
        let read_came = Instant::now();
        s.write_all(&rtu_answer(&frame)).await.unwrap();
        let _ = s.read(&mut [0u8; 1]).await;
        read_came
    });
    let turnaround = Duration::from_millis(300);
    let opts = Options::default()
        .transport(Transport::RtuOverTcp)
        .turnaround(turnaround);
    let client = Client::connect_with(addr, opts).await.unwrap();
    // Before the broadcast is written: the read comes at least the delay after it.
    let before = Instant::now();
    client
        .broadcast(&m2m_modbus::Request::WriteSingleRegister {
            address: 1,
            value: 2,
        })
        .await
        .unwrap();
    assert_eq!(
        client.read_holding_registers(7, 1).await.unwrap(),
        want(7, 1)
    );
    drop(client);
    let gap = server.await.unwrap() - before;
    assert!(gap >= turnaround, "{gap:?}");
}

#[tokio::test]
async fn a_stream_out_of_step_fails_the_request_on_it_as_protocol_then_the_next_as_closed() {
    // As `Error` documents them: the request sent on a connection that is closed after a
    // framing error gets `Protocol`; a client that opens no other connection then `Closed`.
    let (ours, mut peer) = tokio::io::duplex(256);
    let client = Client::from_stream(ours, options());
    let call = {
        let c = client.clone();
        tokio::spawn(async move { c.read_holding_registers(0, 1).await })
    };
    let mut req = [0u8; 12];
    peer.read_exact(&mut req).await.unwrap();
    // Protocol id 0x1234.
    peer.write_all(&[req[0], req[1], 0x12, 0x34, 0, 3, 1, 3, 0])
        .await
        .unwrap();
    let r = call.await.unwrap();
    assert!(matches!(r, Err(Error::Protocol(_))), "{r:?}");
    let r = client.read_holding_registers(0, 1).await;
    assert!(matches!(r, Err(Error::Closed)), "{r:?}");
}

/// An answer whose byte count runs past its frame (the MBAP length says the frame is whole)
/// is malformed, `Protocol(Overrun)`, not `Truncated`: nothing more of it will come.
#[tokio::test]
async fn an_answer_that_runs_past_its_frame_is_an_overrun() {
    let (ours, mut peer) = tokio::io::duplex(256);
    let client = Client::from_stream(ours, options());
    let call = {
        let c = client.clone();
        tokio::spawn(async move { c.read_holding_registers(0, 2).await })
    };
    let mut req = [0u8; 12];
    peer.read_exact(&mut req).await.unwrap();
    // FC03, byte count 4, one byte of data; MBAP length 4.
    peer.write_all(&[req[0], req[1], 0, 0, 0, 4, 1, 3, 4, 0])
        .await
        .unwrap();
    let r = call.await.unwrap();
    assert!(
        matches!(r, Err(Error::Protocol(m2m_modbus::Error::Overrun { .. }))),
        "{r:?}"
    );
}
