//! The client and the server on a serial line (RTU and ASCII), over `tokio::io::duplex` and over
//! a real pty pair: each against the other, and each against a scripted peer that sends line
//! noise, corrupt frames (bad CRC or LRC), truncated frames, answers from other units and
//! broadcasts; the silences (t3.5 before a write, the turnaround after a broadcast) and the
//! timeouts.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use m2m_modbus::line::Line;
use m2m_modbus::tokio::{Client, Error, Handler, Options, Responder, Server, Transport};
use m2m_modbus::{ExceptionCode, Registers, Request, Response, ascii, rtu};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::time::{Instant, timeout};

/// 100 holding registers; register `a` starts at `a`. Counts the calls.
struct Table {
    regs: Mutex<Vec<u16>>,
    calls: AtomicUsize,
}

impl Handler for Table {
    fn call(
        &self,
        _unit: u8,
        req: Request<'_>,
        out: &mut Responder<'_>,
    ) -> Result<(), ExceptionCode> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut t = self.regs.lock().unwrap();
        match req {
            Request::ReadHoldingRegisters { address, quantity } => {
                let (a, q) = (usize::from(address), usize::from(quantity));
                m2m_modbus::server::check_range(address, q, t.len())?;
                out.send(&Response::ReadHoldingRegisters {
                    registers: Registers::Values(&t[a..a + q]),
                })
                .map_err(|_| ExceptionCode::ServerDeviceFailure)
            }
            Request::WriteSingleRegister { address, value } => {
                m2m_modbus::server::check_range(address, 1, t.len())?;
                t[usize::from(address)] = value;
                out.send(&Response::WriteSingleRegister { address, value })
                    .map_err(|_| ExceptionCode::ServerDeviceFailure)
            }
            _ => Err(ExceptionCode::IllegalFunction),
        }
    }
}

fn table() -> Arc<Table> {
    Arc::new(Table {
        regs: Mutex::new((0..100).collect()),
        calls: AtomicUsize::new(0),
    })
}

const FAST: Line = Line::new(115_200);

fn options(transport: Transport) -> Options {
    Options::default()
        .transport(transport)
        .unit(17)
        .line(FAST)
        .timeout(Duration::from_millis(300))
}

/// Our server for unit 17 on one end of a duplex; the other end.
fn serve(transport: Transport, handler: Arc<Table>) -> DuplexStream {
    let (ours, theirs) = tokio::io::duplex(4096);
    serve_on(transport, handler, ours);
    theirs
}

fn serve_on<S>(transport: Transport, handler: Arc<Table>, stream: S)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let server = Server::new(handler)
        .transport(transport)
        .line(FAST)
        .units(&[17]);
    tokio::spawn(async move { server.serve_stream(stream).await });
}

/// An RTU frame: the bytes and their CRC.
fn rtu_frame(body: &[u8]) -> Vec<u8> {
    let mut f = body.to_vec();
    f.extend_from_slice(&rtu::crc16(body).to_le_bytes());
    f
}

fn ascii_frame(body: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; ascii::MAX_FRAME];
    let n = ascii::encode_body(body, &mut out).unwrap();
    out.truncate(n);
    out
}

/// Reads whatever comes within `wait`.
async fn read_for<S: AsyncRead + Unpin>(s: &mut S, wait: Duration) -> Vec<u8> {
    let mut got = Vec::new();
    let end = Instant::now() + wait;
    let mut buf = [0u8; 512];
    while let Ok(Ok(n)) = tokio::time::timeout_at(end, s.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    got
}

async fn client_and_server_agree(transport: Transport) {
    let t = table();
    let line = serve(transport, Arc::clone(&t));
    let c = Client::from_stream(line, options(transport));
    assert_eq!(c.read_holding_registers(3, 4).await.unwrap(), [3, 4, 5, 6]);
    c.write_single_register(5, 500).await.unwrap();
    assert_eq!(c.read_holding_registers(4, 3).await.unwrap(), [4, 500, 6]);
    // An exception comes back as one.
    assert!(matches!(
        c.read_holding_registers(99, 2).await,
        Err(Error::Exception {
            function: 3,
            code: ExceptionCode::IllegalDataAddress
        })
    ));
    // Another unit: the server stays silent, the client times out.
    let other = c.with_unit(18).with_timeout(Duration::from_millis(100));
    assert!(matches!(
        other.read_holding_registers(0, 1).await,
        Err(Error::Timeout(_))
    ));
    // A broadcast is executed and not answered; the client does not wait for an answer.
    c.broadcast(&Request::WriteSingleRegister {
        address: 7,
        value: 77,
    })
    .await
    .unwrap();
    assert_eq!(c.read_holding_registers(7, 1).await.unwrap(), [77]);
    assert_eq!(c.unmatched(), 0);
}

#[tokio::test]
async fn rtu_client_and_server_over_a_duplex() {
    client_and_server_agree(Transport::Rtu).await;
}

#[tokio::test]
async fn ascii_client_and_server_over_a_duplex() {
    client_and_server_agree(Transport::Ascii).await;
}

#[cfg(unix)]
#[tokio::test]
async fn rtu_client_and_server_over_a_pty() {
    let (a, b) = tokio_serial::SerialStream::pair().unwrap();
    let t = table();
    serve_on(Transport::Rtu, Arc::clone(&t), a);
    let c = Client::from_stream(b, options(Transport::Rtu));
    for i in 0..20u16 {
        assert_eq!(
            c.read_holding_registers(i, 3).await.unwrap(),
            [i, i + 1, i + 2]
        );
    }
    c.write_single_register(1, 1000).await.unwrap();
    assert_eq!(t.regs.lock().unwrap()[1], 1000);
}

#[cfg(unix)]
#[tokio::test]
async fn ascii_client_and_server_over_a_pty() {
    let (a, b) = tokio_serial::SerialStream::pair().unwrap();
    serve_on(Transport::Ascii, table(), a);
    let c = Client::from_stream(b, options(Transport::Ascii));
    for i in 0..20u16 {
        assert_eq!(c.read_holding_registers(i, 2).await.unwrap(), [i, i + 1]);
    }
}

#[tokio::test]
async fn opening_a_missing_port_fails() {
    let r = Client::open_serial("/dev/m2m-no-such-port", options(Transport::Rtu));
    assert!(matches!(r, Err(Error::Io(_))));
    let bad = Line::new(9600).format(9, m2m_modbus::line::Parity::None, 1);
    let e = m2m_modbus::tokio::serial::open("/dev/null", &bad).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn the_rtu_server_passes_over_corrupt_frames_and_other_units() {
    let t = table();
    let mut line = serve(Transport::Rtu, Arc::clone(&t));
    let read = rtu_frame(&[17, 3, 0, 10, 0, 2]);
    let answer = rtu_frame(&[17, 3, 4, 0, 10, 0, 11]);
    let quiet = Duration::from_millis(150);

    // Garbage, then a request with a bad CRC, then a good request: one answer, to the last.
    let mut bad_crc = read.clone();
    *bad_crc.last_mut().unwrap() ^= 0xFF;
    let mut burst = vec![0xFF, 0x00, 0x42];
    burst.extend_from_slice(&bad_crc);
    burst.extend_from_slice(&read);
    line.write_all(&burst).await.unwrap();
    assert_eq!(read_for(&mut line, quiet).await, answer);

    // A truncated request (FC16 claiming 200 bytes of values), then silence: dropped; the next
    // request is answered (without the silence, it would be taken for the missing values).
    line.write_all(&[17, 0x10, 0, 0, 0, 100, 200, 1, 2])
        .await
        .unwrap();
    assert_eq!(read_for(&mut line, quiet).await, b"");
    line.write_all(&read).await.unwrap();
    assert_eq!(read_for(&mut line, quiet).await, answer);

    // A request to another unit: silence, and the handler never sees it.
    let calls = t.calls.load(Ordering::SeqCst);
    line.write_all(&rtu_frame(&[5, 3, 0, 10, 0, 2]))
        .await
        .unwrap();
    assert_eq!(read_for(&mut line, quiet).await, b"");
    assert_eq!(t.calls.load(Ordering::SeqCst), calls);

    // A broadcast write: executed, not answered.
    line.write_all(&rtu_frame(&[0, 6, 0, 10, 0x12, 0x34]))
        .await
        .unwrap();
    assert_eq!(read_for(&mut line, quiet).await, b"");
    assert_eq!(t.regs.lock().unwrap()[10], 0x1234);

    // Still serving.
    line.write_all(&read).await.unwrap();
    assert_eq!(
        read_for(&mut line, quiet).await,
        rtu_frame(&[17, 3, 4, 0x12, 0x34, 0, 11])
    );
}

/// A server on a line that hears itself (`Server::local_echo`), over RTU and ASCII: its answer
/// to a Write Single Register comes back to it byte for byte the request; with the option it
/// is taken off the line and not executed or answered again, and the next request is
/// answered. Without it, the echo is served as a request of its own.
#[tokio::test]
async fn a_server_on_an_echoing_line_does_not_serve_its_own_answers() {
    let quiet = Duration::from_millis(150);
    for transport in [Transport::Rtu, Transport::Ascii] {
        let frame = |body: &[u8]| match transport {
            Transport::Rtu => rtu_frame(body),
            _ => ascii_frame(body),
        };
        let write = frame(&[17, 6, 0, 10, 0x12, 0x34]);
        let read = frame(&[17, 3, 0, 10, 0, 1]);
        for echo in [true, false] {
            let t = table();
            let (ours, mut line) = tokio::io::duplex(4096);
            let server = Server::new(Arc::clone(&t))
                .transport(transport)
                .line(FAST)
                .units(&[17])
                .local_echo(echo);
            tokio::spawn(async move { server.serve_stream(ours).await });
            line.write_all(&write).await.unwrap();
            let answer = read_for(&mut line, quiet).await;
            assert_eq!(answer, write, "{transport:?}: the answer is the request");
            // The line hands the answer back.
            line.write_all(&answer).await.unwrap();
            let again = read_for(&mut line, quiet).await;
            let calls = t.calls.load(Ordering::SeqCst);
            if !echo {
                assert_eq!((calls, again), (2, write.clone()), "{transport:?}");
                continue;
            }
            assert_eq!((calls, again), (1, vec![]), "{transport:?}");
            // The read after it, echo and all.
            line.write_all(&read).await.unwrap();
            let answer = read_for(&mut line, quiet).await;
            assert_eq!(answer, frame(&[17, 3, 2, 0x12, 0x34]), "{transport:?}");
            line.write_all(&answer).await.unwrap();
            assert_eq!(read_for(&mut line, quiet).await, b"", "{transport:?}");
            assert_eq!(t.calls.load(Ordering::SeqCst), 2, "{transport:?}");
        }
    }
}

#[tokio::test]
async fn the_ascii_server_passes_over_a_bad_lrc_and_answers_in_ascii() {
    let t = table();
    let mut line = serve(Transport::Ascii, Arc::clone(&t));
    let quiet = Duration::from_millis(150);
    let read = ascii_frame(&[17, 3, 0, 10, 0, 2]);
    assert_eq!(&read, b":1103000A0002E0\r\n");
    // The same request with a wrong LRC, noise, then the good one.
    line.write_all(b":1103000A0002E1\r\nxyz").await.unwrap();
    line.write_all(&read).await.unwrap();
    let answer = ascii_frame(&[17, 3, 4, 0, 10, 0, 11]);
    assert_eq!(read_for(&mut line, quiet).await, answer);
    // Another unit and a broadcast: silence.
    line.write_all(&ascii_frame(&[5, 3, 0, 10, 0, 2]))
        .await
        .unwrap();
    line.write_all(&ascii_frame(&[0, 6, 0, 10, 0, 9]))
        .await
        .unwrap();
    assert_eq!(read_for(&mut line, quiet).await, b"");
    assert_eq!(t.regs.lock().unwrap()[10], 9);
}

/// A scripted RTU server: reads one 8-byte request, then writes `reply`.
async fn expect_request(line: &mut DuplexStream, want: &[u8]) {
    let mut req = vec![0u8; want.len()];
    timeout(Duration::from_secs(2), line.read_exact(&mut req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(req, want);
}

#[tokio::test]
async fn the_rtu_client_skips_noise_corrupt_and_foreign_answers() {
    let (ours, mut line) = tokio::io::duplex(4096);
    let seen = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&seen);
    let c = Client::from_stream(
        ours,
        options(Transport::Rtu).on_unmatched(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
        }),
    );
    let req = rtu_frame(&[17, 3, 0, 0, 0, 1]);
    let good = rtu_frame(&[17, 3, 2, 0x01, 0x02]);

    // Noise, the answer with a bad CRC, an answer from another unit, then the answer.
    let script = async {
        expect_request(&mut line, &req).await;
        let mut bad = good.clone();
        bad[4] ^= 0x01;
        let mut burst = vec![0x00, 0xFF, 0xFF];
        burst.extend_from_slice(&bad);
        burst.extend_from_slice(&rtu_frame(&[18, 3, 2, 0x05, 0x06]));
        burst.extend_from_slice(&good);
        line.write_all(&burst).await.unwrap();
    };
    let (r, ()) = tokio::join!(c.read_holding_registers(0, 1), script);
    assert_eq!(r.unwrap(), [0x0102]);
    assert!(
        seen.load(Ordering::SeqCst) >= 2,
        "noise and the foreign answer are reported"
    );

    // A truncated answer, then silence: a timeout; the bytes are dropped, and the next
    // exchange is not disturbed by them.
    let script = async {
        expect_request(&mut line, &req).await;
        line.write_all(&good[..4]).await.unwrap();
    };
    let (r, ()) = tokio::join!(c.read_holding_registers(0, 1), script);
    assert!(matches!(r, Err(Error::Timeout(_))), "{r:?}");
    let script = async {
        expect_request(&mut line, &req).await;
        line.write_all(&good).await.unwrap();
    };
    let (r, ()) = tokio::join!(c.read_holding_registers(0, 1), script);
    assert_eq!(r.unwrap(), [0x0102]);

    // Noise whose head claims a long frame, then silence: dropped after the read silence, so
    // the answer behind it is found.
    let script = async {
        expect_request(&mut line, &req).await;
        // Address 17, FC03 answer claiming 250 bytes of registers, 3 bytes sent: without the
        // silence, the answer would be taken for the missing registers.
        line.write_all(&[17, 3, 250]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(120)).await;
        line.write_all(&good).await.unwrap();
    };
    let (r, ()) = tokio::join!(c.read_holding_registers(0, 1), script);
    assert_eq!(r.unwrap(), [0x0102]);
}

/// A line that hears itself (`Options::local_echo`), over RTU and ASCII: each request comes
/// back before its answer. The client reads past the echo: a Write Single Register (whose
/// echo is byte for byte its answer) and a read each get their own answer, with nothing left
/// over; an echo damaged on the line is given up and its bytes skipped as noise; a line that
/// does not echo a read is read as usual. Without the option, the echoed write reads as its
/// own answer and the real answer is left to nobody.
#[tokio::test]
async fn an_echoing_line_is_read_past_its_echo() {
    for transport in [Transport::Rtu, Transport::Ascii] {
        let frame = |body: &[u8]| match transport {
            Transport::Rtu => rtu_frame(body),
            _ => ascii_frame(body),
        };
        let write = frame(&[17, 6, 0, 5, 0x12, 0x34]);
        let read = frame(&[17, 3, 0, 0, 0, 1]);
        let answer = frame(&[17, 3, 2, 0x01, 0x02]);
        for echo in [true, false] {
            let (ours, mut line) = tokio::io::duplex(4096);
            let seen = Arc::new(AtomicUsize::new(0));
            let counted = Arc::clone(&seen);
            let c = Client::from_stream(
                ours,
                options(transport).local_echo(echo).on_unmatched(move |_| {
                    counted.fetch_add(1, Ordering::SeqCst);
                }),
            );
            // The write, echoed, then answered (the same bytes).
            let script = async {
                expect_request(&mut line, &write).await;
                line.write_all(&[&write[..], &write[..]].concat())
                    .await
                    .unwrap();
            };
            let (r, ()) = tokio::join!(c.write_single_register(5, 0x1234), script);
            r.unwrap();
            // The read, echoed, then answered.
            let script = async {
                expect_request(&mut line, &read).await;
                line.write_all(&[&read[..], &answer[..]].concat())
                    .await
                    .unwrap();
            };
            let (r, ()) = tokio::join!(c.read_holding_registers(0, 1), script);
            let left = seen.load(Ordering::SeqCst);
            if !echo {
                // The write's real answer reached nobody, and the read's echo is taken for a
                // broken answer (ASCII, whose frames end by themselves) or skipped as noise.
                assert!(left >= 1 || r.is_err(), "{transport:?}: {r:?}");
                continue;
            }
            assert_eq!(r.unwrap(), [0x0102], "{transport:?}");
            assert_eq!(left, 0, "{transport:?}: nothing left over");
            // The echo in two pieces, a pause between them shorter than the read silence:
            // taken whole, nothing of it framed.
            let script = async {
                expect_request(&mut line, &read).await;
                line.write_all(&read[..3]).await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
                line.write_all(&[&read[3..], &answer[..]].concat())
                    .await
                    .unwrap();
            };
            let (r, ()) = tokio::join!(c.read_holding_registers(0, 1), script);
            assert_eq!(r.unwrap(), [0x0102], "{transport:?}");
            assert_eq!(seen.load(Ordering::SeqCst), 0, "{transport:?}: split echo");
            // A damaged echo: given up, its bytes skipped as noise, the answer read.
            let script = async {
                expect_request(&mut line, &read).await;
                let mut damaged = read.clone();
                damaged[3] ^= 0x04;
                line.write_all(&[&damaged[..], &answer[..]].concat())
                    .await
                    .unwrap();
            };
            let (r, ()) = tokio::join!(c.read_holding_registers(0, 1), script);
            assert_eq!(r.unwrap(), [0x0102], "{transport:?}");
            assert!(seen.load(Ordering::SeqCst) >= 1, "{transport:?}");
            // No echo at all this time: the answer is read as usual.
            let script = async {
                expect_request(&mut line, &read).await;
                line.write_all(&answer).await.unwrap();
            };
            let (r, ()) = tokio::join!(c.read_holding_registers(0, 1), script);
            assert_eq!(r.unwrap(), [0x0102], "{transport:?}");
        }
    }
}

#[tokio::test]
async fn the_ascii_client_times_out_on_a_bad_lrc_and_reads_the_next_answer() {
    let (ours, mut line) = tokio::io::duplex(4096);
    let c = Client::from_stream(ours, options(Transport::Ascii));
    let req = ascii_frame(&[17, 3, 0, 0, 0, 1]);
    assert_eq!(&req, b":110300000001EB\r\n");
    let good = ascii_frame(&[17, 3, 2, 0x01, 0x02]);
    let script = async {
        expect_request(&mut line, &req).await;
        let mut bad = good.clone();
        let n = bad.len();
        bad[n - 3] = if bad[n - 3] == b'0' { b'1' } else { b'0' };
        line.write_all(&bad).await.unwrap();
    };
    let (r, ()) = tokio::join!(c.read_holding_registers(0, 1), script);
    assert!(matches!(r, Err(Error::Timeout(_))), "{r:?}");
    assert_eq!(c.unmatched(), 1);
    let script = async {
        expect_request(&mut line, &req).await;
        line.write_all(b"noise").await.unwrap();
        line.write_all(&good).await.unwrap();
    };
    let (r, ()) = tokio::join!(c.read_holding_registers(0, 1), script);
    assert_eq!(r.unwrap(), [0x0102]);
}

#[tokio::test]
async fn the_client_waits_t3_5_after_an_answer_before_it_writes() {
    // 1200 baud 8E1: t3.5 is 32 ms; a request of 8 bytes takes 73 ms on the wire.
    let line_1200 = Line::new(1200);
    assert_eq!(line_1200.t3_5(), Duration::from_nanos(32_083_333));
    let (ours, mut line) = tokio::io::duplex(4096);
    let c = Client::from_stream(ours, options(Transport::Rtu).line(line_1200));
    let req = rtu_frame(&[17, 3, 0, 0, 0, 1]);
    let good = rtu_frame(&[17, 3, 2, 0x01, 0x02]);
    let script = async {
        let mut gaps = Vec::new();
        for _ in 0..3 {
            expect_request(&mut line, &req).await;
            line.write_all(&good).await.unwrap();
            let answered = Instant::now();
            let mut first = [0u8; 1];
            line.read_exact(&mut first).await.unwrap();
            gaps.push(answered.elapsed());
            let mut rest = vec![0u8; req.len() - 1];
            line.read_exact(&mut rest).await.unwrap();
            // The answer, again, for the request just read.
            line.write_all(&good).await.unwrap();
        }
        gaps
    };
    let calls = async {
        for _ in 0..6 {
            c.read_holding_registers(0, 1).await.unwrap();
        }
    };
    let (gaps, ()) = tokio::join!(script, calls);
    for g in gaps {
        assert!(g >= Duration::from_millis(32), "{g:?}");
    }
}

#[tokio::test]
async fn a_broadcast_returns_once_written_and_the_turnaround_follows() {
    let (ours, mut line) = tokio::io::duplex(4096);
    let turnaround = Duration::from_millis(150);
    let c = Client::from_stream(ours, options(Transport::Rtu).turnaround(turnaround));
    let bcast = rtu_frame(&[0, 6, 0, 1, 0, 2]);
    let req = rtu_frame(&[17, 3, 0, 0, 0, 1]);
    let sent = Instant::now();
    // Nobody answers: the call returns at once all the same.
    c.broadcast(&Request::WriteSingleRegister {
        address: 1,
        value: 2,
    })
    .await
    .unwrap();
    assert!(sent.elapsed() < Duration::from_millis(100));
    expect_request(&mut line, &bcast).await;
    // A call on unit 0 is a broadcast too: written (after the turnaround of the first), and
    // an error of its own, for there is no answer to give (and nothing to retry).
    let r = c
        .with_unit(0)
        .read_holding_registers(0, 1)
        .await
        .unwrap_err();
    assert!(matches!(r, Error::Broadcast), "{r:?}");
    assert!(!r.is_transient());
    assert!(sent.elapsed() >= turnaround, "{:?}", sent.elapsed());
    expect_request(&mut line, &rtu_frame(&[0, 3, 0, 0, 0, 1])).await;
    assert_eq!(c.unmatched(), 0);
    let script = async {
        expect_request(&mut line, &req).await;
        let at = Instant::now();
        line.write_all(&rtu_frame(&[17, 3, 2, 0, 9])).await.unwrap();
        at
    };
    let (r, at) = tokio::join!(c.read_holding_registers(0, 1), script);
    assert_eq!(r.unwrap(), [9]);
    assert!(
        at.duration_since(sent) >= turnaround,
        "{:?}",
        at.duration_since(sent)
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_and_the_client_goes_on() {
    let (ours, mut line) = tokio::io::duplex(4096);
    let c = Client::from_stream(
        ours,
        options(Transport::Rtu).timeout(Duration::from_millis(80)),
    );
    let req = rtu_frame(&[17, 6, 0, 1, 0, 2]);
    let started = Instant::now();
    let (r, ()) = tokio::join!(
        c.write_single_register(1, 2),
        expect_request(&mut line, &req)
    );
    assert!(matches!(r, Err(Error::Timeout(_))), "{r:?}");
    assert!(started.elapsed() >= Duration::from_millis(80));
    // A late answer to it is noise to the next exchange, which still gets its own.
    line.write_all(&rtu_frame(&[17, 6, 0, 1, 0, 2]))
        .await
        .unwrap();
    let script = async {
        expect_request(&mut line, &req).await;
        line.write_all(&rtu_frame(&[17, 6, 0, 1, 0, 2]))
            .await
            .unwrap();
    };
    let (r, ()) = tokio::join!(c.write_single_register(1, 2), script);
    r.unwrap();
    assert_eq!(c.unmatched(), 1);
}

#[tokio::test]
async fn a_line_that_never_goes_quiet_times_the_request_out() {
    // 1200 baud: t3.5 is 32 ms; a byte every 5 ms for 2 s leaves no such silence.
    let (ours, mut line) = tokio::io::duplex(1 << 16);
    let opts = options(Transport::Rtu)
        .line(Line::new(1200))
        .timeout(Duration::from_millis(150));
    let c = Client::from_stream(ours, opts);
    let babble = async {
        for _ in 0..400 {
            line.write_all(&[0xFF]).await.unwrap();
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        line
    };
    let call = async {
        // The babble has begun: the line is busy when the request comes.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        let r = c.read_holding_registers(0, 1).await;
        (r, started.elapsed())
    };
    let ((r, took), _line) = tokio::join!(call, babble);
    assert!(matches!(r, Err(Error::Timeout(_))), "{r:?}");
    // It gave up after its timeout, not when the babble stopped.
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[tokio::test]
async fn no_timeout_and_no_end_to_silences_on_a_serial_line() {
    // `Duration::MAX` as the timeout, the turnaround and the read silence: deadlines are
    // "never", not an overflow (`Instant + Duration::MAX` panicked in the first call).
    let (ours, mut line) = tokio::io::duplex(4096);
    let opts = options(Transport::Rtu)
        .timeout(Duration::MAX)
        .turnaround(Duration::MAX)
        .read_silence(Duration::MAX);
    let c = Client::from_stream(ours, opts);
    let req = rtu_frame(&[17, 3, 0, 0, 0, 1]);
    let script = async {
        expect_request(&mut line, &req).await;
        line.write_all(&rtu_frame(&[17, 3, 2, 0, 5])).await.unwrap();
    };
    let (r, ()) = tokio::join!(c.read_holding_registers(0, 1), script);
    assert_eq!(r.unwrap(), [5]);
}

/// A serial line that takes its first byte and no more: then every write and read waits.
/// Counts the writes tried.
struct Stuck {
    writes: Arc<AtomicUsize>,
    taken: bool,
}

impl AsyncRead for Stuck {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        _: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Pending
    }
}

impl AsyncWrite for Stuck {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        _: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        if self.taken {
            return std::task::Poll::Pending;
        }
        self.taken = true;
        std::task::Poll::Ready(Ok(1))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_request_behind_a_frame_the_line_does_not_take_waits_without_spinning() {
    for transport in [Transport::Rtu, Transport::Ascii] {
        let writes = Arc::new(AtomicUsize::new(0));
        let line = Stuck {
            writes: Arc::clone(&writes),
            taken: false,
        };
        let c = Client::from_stream(line, options(transport).timeout(Duration::from_millis(100)));
        // A request of which the line takes one byte: it times out, and the rest of its frame
        // stays to be written (the line would be out of step without it).
        let r = c.read_holding_registers(0, 1).await;
        assert!(matches!(r, Err(Error::Timeout(_))), "{transport:?}: {r:?}");
        // The next request waits behind that frame until its timeout, woken by the line or
        // its timer, not polling the line round after round once the line should be quiet.
        let before = writes.load(Ordering::SeqCst);
        let r = c.read_holding_registers(1, 1).await;
        assert!(matches!(r, Err(Error::Timeout(_))), "{transport:?}: {r:?}");
        let n = writes.load(Ordering::SeqCst) - before;
        assert!(n < 20, "{transport:?}: {n} writes tried");
    }
}

/// A client on a 1200-baud line (t3.5 about 32 ms) that takes 4 bytes until the peer reads,
/// whose first request (300 ms timeout) has timed out with half of its 8 bytes written; the
/// peer's end.
async fn cut_short() -> (Client, DuplexStream) {
    const SLOW: Line = Line::new(1200);
    let (ours, peer) = tokio::io::duplex(4);
    let opts = options(Transport::Rtu)
        .line(SLOW)
        .timeout(Duration::from_millis(300));
    let c = Client::from_stream(ours, opts);
    assert!(matches!(
        c.read_holding_registers(0, 1).await,
        Err(Error::Timeout(_))
    ));
    (c, peer)
}

#[tokio::test]
async fn the_next_frame_waits_for_silence_behind_one_written_late() {
    let (c, mut peer) = cut_short().await;
    // The line is the first request's until its answer could have come (300 ms after the
    // frame is out): the second waits longer than that.
    let b = c.with_timeout(Duration::from_secs(1));
    let second = tokio::spawn(async move { b.read_holding_registers(1, 1).await });
    // The peer reads now, noting when each piece comes.
    let mut got: Vec<(Instant, usize)> = Vec::new();
    let mut total = 0;
    let mut buf = [0u8; 64];
    while total < 16 {
        let n = timeout(Duration::from_secs(2), peer.read(&mut buf))
            .await
            .expect("both frames")
            .unwrap();
        total += n;
        got.push((Instant::now(), total));
    }
    // The second frame starts only after the line was quiet behind the first (its last four
    // bytes' time and t3.5, about 69 ms; appended behind it, it would follow at once).
    let first_done = got.iter().find(|(_, t)| *t >= 8).unwrap().0;
    let second_start = got.iter().find(|(_, t)| *t > 8).unwrap().0;
    assert!(
        second_start.duration_since(first_done) >= Duration::from_millis(10),
        "{got:?}"
    );
    assert!(matches!(second.await.unwrap(), Err(Error::Timeout(_))));
}

#[tokio::test]
async fn the_late_answer_to_a_request_cut_short_is_not_taken_for_the_next() {
    let (c, mut peer) = cut_short().await;
    let b = c.clone();
    let second = tokio::spawn(async move { b.read_holding_registers(1, 1).await });
    // The device reads the first frame whole and answers it 150 ms later, well within the
    // 300 ms the client gives an answer once the frame is out; then it reads the second frame
    // and answers that.
    let mut frame = [0u8; 8];
    timeout(Duration::from_secs(2), peer.read_exact(&mut frame))
        .await
        .expect("the first frame")
        .unwrap();
    assert_eq!(frame, rtu_frame(&[17, 3, 0, 0, 0, 1])[..]);
    tokio::time::sleep(Duration::from_millis(150)).await;
    peer.write_all(&rtu_frame(&[17, 3, 2, 0xAA, 0xAA]))
        .await
        .unwrap();
    timeout(Duration::from_secs(2), peer.read_exact(&mut frame))
        .await
        .expect("the second frame")
        .unwrap();
    assert_eq!(frame, rtu_frame(&[17, 3, 0, 1, 0, 1])[..]);
    // (Written from a task: a client that took the late answer reads no more.)
    tokio::spawn(async move { peer.write_all(&rtu_frame(&[17, 3, 2, 0xBB, 0xBB])).await });
    // The second caller gets its own answer; the late one is reported as nobody's.
    let got = timeout(Duration::from_secs(2), second)
        .await
        .expect("an answer")
        .unwrap();
    assert_eq!(got.unwrap(), [0xBBBB]);
    assert_eq!(c.unmatched(), 1);
}

/// Return Query Data (Diagnostics 0x0000) to unit 17 with two data bytes whose frame's CRC ends
/// in 0x00, so that a CRC hunt in a stream ends it a byte early; and that frame.
fn diagnostics_frame_cut_short() -> ([u8; 2], Vec<u8>) {
    use m2m_core::Framing as _;
    (0..=u16::MAX)
        .map(u16::to_be_bytes)
        .map(|d| (d, rtu_frame(&[17, 8, 0, 0, d[0], d[1]])))
        .find(|(_, f)| {
            rtu::Framing::responses().frame_len(f) == Ok(m2m_core::Status::Complete(f.len() - 1))
        })
        .unwrap()
}

/// Echoes Return Query Data.
struct Echo;

impl Handler for Echo {
    fn call(
        &self,
        _unit: u8,
        req: Request<'_>,
        out: &mut Responder<'_>,
    ) -> Result<(), ExceptionCode> {
        match req {
            Request::Diagnostics { sub_function, data } => out
                .send(&Response::Diagnostics { sub_function, data })
                .map_err(|_| ExceptionCode::ServerDeviceFailure),
            _ => Err(ExceptionCode::IllegalFunction),
        }
    }
}

/// A Return Query Data echo whose CRC checks a byte early, on `transport`: the client reads
/// the answer whole, and the server the request.
async fn crc_framed_echo_read_whole(transport: Transport) {
    let (data, frame) = diagnostics_frame_cut_short();
    // The client: the device echoes the request; the answer keeps its last data byte.
    let (ours, mut peer) = tokio::io::duplex(256);
    let c = Client::from_stream(ours, options(transport));
    let call = tokio::spawn(async move { c.diagnostics(0, &data).await.map(|r| r.pdu().to_vec()) });
    let mut got = [0u8; 8];
    timeout(Duration::from_secs(2), peer.read_exact(&mut got))
        .await
        .expect("the request")
        .unwrap();
    assert_eq!(got[..], frame[..]);
    peer.write_all(&frame).await.unwrap();
    let pdu = timeout(Duration::from_secs(2), call)
        .await
        .expect("an answer")
        .unwrap()
        .unwrap();
    assert_eq!(pdu, [8, 0, 0, data[0], data[1]]);
    // The server: the request read whole, its data echoed whole.
    let (ours, mut client) = tokio::io::duplex(256);
    let server = Server::new(Arc::new(Echo))
        .transport(transport)
        .line(FAST)
        .units(&[17]);
    tokio::spawn(async move { server.serve_stream(ours).await });
    client.write_all(&frame).await.unwrap();
    let mut answer = [0u8; 8];
    timeout(Duration::from_secs(2), client.read_exact(&mut answer))
        .await
        .expect("the echo")
        .unwrap();
    assert_eq!(answer[..], frame[..]);
    // Then two requests in one write: each answered.
    let other = rtu_frame(&[17, 8, 0, 0, 0x12, 0x34]);
    client
        .write_all(&[other.clone(), other.clone()].concat())
        .await
        .unwrap();
    let mut answers = [0u8; 16];
    timeout(Duration::from_secs(2), client.read_exact(&mut answers))
        .await
        .expect("both echoes")
        .unwrap();
    assert_eq!(answers[..], [other.clone(), other].concat()[..]);
}

#[tokio::test]
async fn a_frame_framed_by_its_crc_is_read_whole_at_the_silence_after_it() {
    crc_framed_echo_read_whole(Transport::Rtu).await;
}

/// RTU over TCP has no silences; the end of what was read stands for one.
#[tokio::test]
async fn over_tcp_a_frame_framed_by_its_crc_is_read_whole_when_it_comes_in_one_piece() {
    crc_framed_echo_read_whole(Transport::RtuOverTcp).await;
}

#[tokio::test]
async fn the_ascii_server_refuses_reserved_addresses_as_the_rtu_one_does() {
    // Unit 248 listed, but 248-255 are reserved (Serial Line §2.2): silence, on both framings.
    for transport in [Transport::Ascii, Transport::Rtu] {
        let (ours, mut line) = tokio::io::duplex(4096);
        let server = Server::new(table())
            .transport(transport)
            .line(FAST)
            .units(&[17, 248]);
        tokio::spawn(async move { server.serve_stream(ours).await });
        let quiet = Duration::from_millis(150);
        let frame = |body: &[u8]| match transport {
            Transport::Ascii => ascii_frame(body),
            _ => rtu_frame(body),
        };
        line.write_all(&frame(&[248, 3, 0, 10, 0, 2]))
            .await
            .unwrap();
        assert_eq!(read_for(&mut line, quiet).await, b"", "{transport:?}");
        line.write_all(&frame(&[17, 3, 0, 10, 0, 2])).await.unwrap();
        assert_eq!(
            read_for(&mut line, quiet).await,
            frame(&[17, 3, 4, 0, 10, 0, 11]),
            "{transport:?}"
        );
    }
}

#[tokio::test]
async fn a_small_read_ahead_still_takes_the_longest_ascii_request() {
    // 120 registers: an ASCII frame of 499 characters, past a 300-byte read-ahead.
    let (ours, theirs) = tokio::io::duplex(4096);
    let server = Server::new(table())
        .transport(Transport::Ascii)
        .line(FAST)
        .units(&[17])
        .max_buffer(300);
    tokio::spawn(async move { server.serve_stream(ours).await });
    let c = Client::from_stream(theirs, options(Transport::Ascii));
    let values: Vec<u16> = (0..120).collect();
    // The table answers FC16 with Illegal Function: an answer, where the request used to be
    // dropped and the call timed out.
    let r = c.write_multiple_registers(0, &values).await;
    assert!(matches!(r, Err(Error::Exception { .. })), "{r:?}");
}

#[tokio::test]
async fn force_listen_only_mode_returns_once_written_for_no_device_answers_it() {
    let (ours, mut line) = tokio::io::duplex(4096);
    let c = Client::from_stream(ours, options(Transport::Rtu));
    let listen = rtu_frame(&[17, 8, 0, 4, 0, 0]);
    let sent = Instant::now();
    // The device falls silent (Application Protocol §6.8.1): no answer is waited for.
    c.force_listen_only_mode().await.unwrap();
    assert!(
        sent.elapsed() < Duration::from_millis(200),
        "{:?}",
        sent.elapsed()
    );
    expect_request(&mut line, &listen).await;
    let r = c.diagnostics(4, &[0, 0]).await.unwrap_err();
    assert!(matches!(r, Error::Unanswered), "{r:?}");
    assert!(!r.is_transient());
    expect_request(&mut line, &listen).await;
    // Other sub-functions are answered, and waited for.
    let echo = rtu_frame(&[17, 8, 0, 0, 0xA5, 0x37]);
    let script = async {
        expect_request(&mut line, &echo).await;
        line.write_all(&echo).await.unwrap();
    };
    let (r, ()) = tokio::join!(c.diagnostics(0, &[0xA5, 0x37]), script);
    r.unwrap();
    assert_eq!(c.unmatched(), 0);
}

#[tokio::test]
async fn on_a_serial_line_a_late_answer_reaches_nobody() {
    // No transaction id on the line: the next request waits for the late answer to the one
    // that timed out (or for that timeout again), so that it is not taken for its own.
    let (ours, mut line) = tokio::io::duplex(4096);
    let c = Client::from_stream(ours, options(Transport::Rtu));
    let first = rtu_frame(&[17, 3, 0, 0, 0, 1]);
    let second = rtu_frame(&[17, 3, 0, 9, 0, 1]);
    let script = async {
        expect_request(&mut line, &first).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        line.write_all(&rtu_frame(&[17, 3, 2, 0, 0])).await.unwrap();
        expect_request(&mut line, &second).await;
        line.write_all(&rtu_frame(&[17, 3, 2, 0, 9])).await.unwrap();
    };
    let calls = async {
        let r = c.read_holding_registers(0, 1).await;
        assert!(matches!(r, Err(Error::Timeout(_))), "{r:?}");
        c.read_holding_registers(9, 1).await
    };
    let (r, ()) = tokio::join!(calls, script);
    assert_eq!(r.unwrap(), [9]);
    assert_eq!(c.unmatched(), 1);
}
