#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)] // set-up of fixed inputs
//! Modbus end to end on loopback: our async client against our async server, and
//! tokio-modbus's client against tokio-modbus's server, in one process on one current-thread
//! tokio runtime, one connection each.
//!
//! Every iteration sends the same batch: eight FC03 reads of 125 holding registers.
//! `e2e/fc03_125_seq` sends them one after the other; in `e2e/fc03_125_pipelined8` ours keeps
//! all eight outstanding at once (`max_in_flight(8)`), while tokio-modbus, which cannot
//! pipeline, runs its sequential client. Both servers hold the same table and each function's
//! answers are checked against it before anything is timed.
//!
//! Before the groups, a separate measurement prints the p50 and p99 latency of single
//! sequential requests of each implementation (and of ours with eight outstanding).

use std::future::Future;
use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use m2m_modbus::tokio::{Client, Handler, Options, Responder, serve};
use m2m_modbus::{ExceptionCode, Registers, Request, Response};
use tokio::runtime::Runtime;
use tokio_modbus::client::Reader as _;

const QUANTITY: u16 = 125;
const BATCH: usize = 8;

/// The table both servers hold: register `a` holds `a * 7 + 3`.
fn table() -> Vec<u16> {
    (0..1000u16)
        .map(|a| a.wrapping_mul(7).wrapping_add(3))
        .collect()
}

/// The start address of request `i` of a batch.
fn address(i: usize) -> u16 {
    (i * 100) as u16
}

fn expected(i: usize) -> Vec<u16> {
    let t = table();
    let a = usize::from(address(i));
    t[a..a + usize::from(QUANTITY)].to_vec()
}

struct Table(Vec<u16>);

impl Handler for Table {
    fn call(
        &self,
        _unit: u8,
        req: Request<'_>,
        out: &mut Responder<'_>,
    ) -> Result<(), ExceptionCode> {
        match req {
            Request::ReadHoldingRegisters { address, quantity } => {
                let (a, q) = (usize::from(address), usize::from(quantity));
                let regs = self
                    .0
                    .get(a..a + q)
                    .ok_or(ExceptionCode::IllegalDataAddress)?;
                out.send(&Response::ReadHoldingRegisters {
                    registers: Registers::Values(regs),
                })
                .map_err(|_| ExceptionCode::ServerDeviceFailure)
            }
            _ => Err(ExceptionCode::IllegalFunction),
        }
    }
}

struct PeerTable(Arc<Vec<u16>>);

impl tokio_modbus::server::Service for PeerTable {
    type Request = tokio_modbus::SlaveRequest<'static>;
    type Response = tokio_modbus::Response;
    type Exception = tokio_modbus::ExceptionCode;
    type Future = std::future::Ready<Result<Self::Response, Self::Exception>>;

    fn call(&self, req: Self::Request) -> Self::Future {
        std::future::ready(match req.request {
            tokio_modbus::Request::ReadHoldingRegisters(a, q) => self
                .0
                .get(usize::from(a)..usize::from(a) + usize::from(q))
                .map(|r| tokio_modbus::Response::ReadHoldingRegisters(r.to_vec()))
                .ok_or(tokio_modbus::ExceptionCode::IllegalDataAddress),
            _ => Err(tokio_modbus::ExceptionCode::IllegalFunction),
        })
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn m2m_server() -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(serve(l, Table(table())));
    addr
}

async fn peer_server() -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let data = Arc::new(table());
    tokio::spawn(async move {
        let server = tokio_modbus::server::tcp::Server::new(l);
        let new_service = move |_| Ok(Some(PeerTable(Arc::clone(&data))));
        let on_connected = |stream, addr| {
            let new_service = new_service.clone();
            async move { tokio_modbus::server::tcp::accept_tcp_connection(stream, addr, new_service) }
        };
        server.serve(&on_connected, |_| {}).await
    });
    addr
}

async fn m2m_client(in_flight: usize) -> Client {
    let addr = m2m_server().await;
    Client::connect_with(addr, Options::default().max_in_flight(in_flight))
        .await
        .unwrap()
}

async fn peer_client() -> tokio_modbus::client::Context {
    let addr = peer_server().await;
    tokio_modbus::client::tcp::connect(addr).await.unwrap()
}

/// One batch, one request after the other: the answers in order.
async fn m2m_seq(c: &Client) -> Vec<Vec<u16>> {
    let mut out = Vec::with_capacity(BATCH);
    for i in 0..BATCH {
        out.push(
            c.read_holding_registers(address(i), QUANTITY)
                .await
                .unwrap(),
        );
    }
    out
}

/// One batch, all eight outstanding at once.
async fn m2m_pipelined(c: &Client) -> Vec<Vec<u16>> {
    let r = |i| c.read_holding_registers(address(i), QUANTITY);
    let (a, b, d, e, f, g, h, k) = tokio::join!(r(0), r(1), r(2), r(3), r(4), r(5), r(6), r(7));
    [a, b, d, e, f, g, h, k]
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

async fn peer_seq(c: &mut tokio_modbus::client::Context) -> Vec<Vec<u16>> {
    let mut out = Vec::with_capacity(BATCH);
    for i in 0..BATCH {
        out.push(
            c.read_holding_registers(address(i), QUANTITY)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    out
}

fn check(name: &str, got: &[Vec<u16>]) {
    let want: Vec<Vec<u16>> = (0..BATCH).map(expected).collect();
    assert_eq!(got, want, "{name} does not read the table");
}

/// Times `iters` batches.
fn timed<F: Future<Output = Vec<Vec<u16>>>>(
    rt: &Runtime,
    iters: u64,
    mut batch: impl FnMut() -> F,
) -> Duration {
    rt.block_on(async {
        let t0 = Instant::now();
        for _ in 0..iters {
            black_box(batch().await);
        }
        t0.elapsed()
    })
}

fn e2e(c: &mut Criterion) {
    let rt = runtime();
    let ours = rt.block_on(m2m_client(1));
    let ours8 = rt.block_on(m2m_client(BATCH));
    let mut peer = rt.block_on(peer_client());
    check("m2m seq", &rt.block_on(m2m_seq(&ours)));
    check("m2m pipelined", &rt.block_on(m2m_pipelined(&ours8)));
    check("tokio-modbus", &rt.block_on(peer_seq(&mut peer)));

    let mut g = c.benchmark_group("e2e/fc03_125_seq");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("m2m", |b| {
        b.iter_custom(|iters| timed(&rt, iters, || m2m_seq(&ours)));
    });
    g.bench_function("tokio-modbus", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t0 = Instant::now();
                for _ in 0..iters {
                    black_box(peer_seq(&mut peer).await);
                }
                t0.elapsed()
            })
        });
    });
    g.finish();

    let mut g = c.benchmark_group("e2e/fc03_125_pipelined8");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("m2m", |b| {
        b.iter_custom(|iters| timed(&rt, iters, || m2m_pipelined(&ours8)));
    });
    g.bench_function("tokio-modbus", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t0 = Instant::now();
                for _ in 0..iters {
                    black_box(peer_seq(&mut peer).await);
                }
                t0.elapsed()
            })
        });
    });
    g.finish();
}

/// p50 and p99 of `n` latencies, in microseconds.
fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |p: usize| v[(v.len() * p / 100).min(v.len() - 1)].as_secs_f64() * 1e6;
    (at(50), at(99))
}

/// The latency of single requests, printed (criterion times batches, not single requests).
fn latency(_: &mut Criterion) {
    // A full count under `cargo bench`; a few under the smoke run of `cargo test --benches`.
    // `M2M_E2E_LATENCY=0` leaves it out (to profile the groups alone).
    let n = if std::env::var("M2M_E2E_LATENCY").is_ok_and(|v| v == "0") {
        return;
    } else if std::env::args().any(|a| a == "--bench") {
        20_000
    } else {
        100
    };
    let rt = runtime();
    let ours = rt.block_on(m2m_client(1));
    let ours8 = rt.block_on(m2m_client(BATCH));
    let mut peer = rt.block_on(peer_client());
    let want = expected(1);
    let (m2m, m2m8, tm) = rt.block_on(async {
        let mut m2m = Vec::with_capacity(n);
        let mut tm = Vec::with_capacity(n);
        for _ in 0..n {
            let t0 = Instant::now();
            let v = ours.read_holding_registers(address(1), QUANTITY).await;
            m2m.push(t0.elapsed());
            assert_eq!(v.unwrap(), want);
            let t0 = Instant::now();
            let v = peer.read_holding_registers(address(1), QUANTITY).await;
            tm.push(t0.elapsed());
            assert_eq!(v.unwrap().unwrap(), want);
        }
        // Eight callers at once, each timing its own request.
        let mut m2m8 = Vec::with_capacity(n);
        for _ in 0..n / BATCH {
            let one = || async {
                let t0 = Instant::now();
                let v = ours8.read_holding_registers(address(1), QUANTITY).await;
                assert_eq!(v.unwrap(), want);
                t0.elapsed()
            };
            let (a, b, d, e, f, g, h, k) =
                tokio::join!(one(), one(), one(), one(), one(), one(), one(), one());
            m2m8.extend([a, b, d, e, f, g, h, k]);
        }
        (m2m, m2m8, tm)
    });
    for (name, v) in [
        ("m2m, sequential", m2m),
        ("tokio-modbus, sequential", tm),
        ("m2m, 8 outstanding", m2m8),
    ] {
        let (p50, p99) = percentiles(v);
        println!("e2e latency fc03_125 {name}: p50 {p50:.1} us, p99 {p99:.1} us ({n} requests)");
    }
}

criterion_group!(benches, latency, e2e);
criterion_main!(benches);
