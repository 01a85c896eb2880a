//! The async server with the async client on loopback: every connection is served while others
//! misbehave (half a frame then silence, garbage, a close mid-frame), the bounds hold, RTU over
//! TCP and broadcasts work, and shutdown is graceful.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use m2m_modbus::tokio::{Client, Error, Handler, Options, Responder, Server, Transport};
use m2m_modbus::{ExceptionCode, Registers, Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// 100 holding registers; register `a` starts at `a`.
struct Table(Mutex<Vec<u16>>);

impl Handler for Table {
    fn call(
        &self,
        _unit: u8,
        req: Request<'_>,
        out: &mut Responder<'_>,
    ) -> Result<(), ExceptionCode> {
        let mut t = self.0.lock().unwrap();
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

fn table() -> Table {
    Table(Mutex::new((0..100).collect()))
}

async fn start<H: Handler>(
    server: Server<H>,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server
            .serve_until(l, async {
                let _ = stopped.await;
            })
            .await
    });
    (addr, stop, task)
}

fn options() -> Options {
    Options::default().timeout(Duration::from_millis(500))
}

#[tokio::test]
async fn serves_others_while_peers_misbehave() {
    let (addr, _stop, _task) = start(Server::new(table())).await;
    let client = Client::connect_with(addr, options()).await.unwrap();
    assert_eq!(
        client.read_holding_registers(10, 3).await.unwrap(),
        vec![10, 11, 12]
    );

    // Half a frame, then silence (the connection stays open).
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    stalled.write_all(&[0, 1, 0, 0, 0, 6, 1, 3]).await.unwrap();
    // Garbage: protocol id 0x1234. The server closes that connection.
    let mut garbage = TcpStream::connect(addr).await.unwrap();
    garbage
        .write_all(&[0, 1, 0x12, 0x34, 0, 6, 1, 3, 0, 0, 0, 1])
        .await
        .unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(garbage.read(&mut buf).await.unwrap(), 0);
    // Closed mid-frame.
    let mut cut = TcpStream::connect(addr).await.unwrap();
    cut.write_all(&[0, 1, 0, 0]).await.unwrap();
    drop(cut);

    client.write_single_register(10, 999).await.unwrap();
    assert_eq!(
        client.read_holding_registers(10, 3).await.unwrap(),
        vec![999, 11, 12]
    );
    // The stalled peer completes its request and is answered.
    stalled.write_all(&[0, 0, 0, 2]).await.unwrap();
    let mut rsp = [0u8; 13];
    stalled.read_exact(&mut rsp).await.unwrap();
    assert_eq!(rsp, [0, 1, 0, 0, 0, 7, 1, 3, 4, 0, 0, 0, 1]);
    // Exceptions come from the handler and from `server::accept`.
    assert!(matches!(
        client.read_holding_registers(99, 2).await,
        Err(Error::Exception {
            function: 3,
            code: ExceptionCode::IllegalDataAddress
        })
    ));
    assert!(matches!(
        client.read_coils(0, 1).await,
        Err(Error::Exception {
            function: 1,
            code: ExceptionCode::IllegalFunction
        })
    ));
    let raw = client.call_raw(&[0x03, 0, 0, 0, 0]).await.unwrap();
    assert_eq!(raw.pdu(), [0x83, 0x03]);
}

#[tokio::test]
async fn pipelined_requests_from_tasks_sharing_a_client_each_get_their_answer() {
    let (addr, _stop, _task) = start(Server::new(table())).await;
    let client = Client::connect_with(addr, options().max_in_flight(8))
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..32u16 {
        let c = client.clone();
        tasks.spawn(async move {
            assert_eq!(
                c.read_holding_registers(i, 2).await.unwrap(),
                vec![i, i + 1]
            );
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
}

#[tokio::test]
async fn connections_beyond_the_bound_are_closed() {
    let (addr, _stop, _task) = start(Server::new(table()).max_connections(2)).await;
    let a = Client::connect_with(addr, options()).await.unwrap();
    let b = Client::connect_with(addr, options()).await.unwrap();
    a.read_holding_registers(0, 1).await.unwrap();
    b.read_holding_registers(0, 1).await.unwrap();
    let c = Client::connect_with(addr, options().reconnect(false))
        .await
        .unwrap();
    assert!(matches!(
        c.read_holding_registers(0, 1).await,
        Err(Error::Closed | Error::Io(_))
    ));
    drop(a);
    // Once a slot is free, a new connection is served.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let d = Client::connect_with(addr, options()).await.unwrap();
    assert_eq!(d.read_holding_registers(4, 1).await.unwrap(), vec![4]);
}

#[tokio::test]
async fn rtu_over_tcp_and_broadcast() {
    let (addr, _stop, _task) = start(Server::new(table()).transport(Transport::RtuOverTcp)).await;
    let opts = options().transport(Transport::RtuOverTcp).unit(7);
    let client = Client::connect_with(addr, opts).await.unwrap();
    assert_eq!(
        client.read_holding_registers(1, 2).await.unwrap(),
        vec![1, 2]
    );
    // A broadcast returns once written; the server acts on it without answering.
    client
        .broadcast(&Request::WriteSingleRegister {
            address: 5,
            value: 55,
        })
        .await
        .unwrap();
    assert_eq!(client.read_holding_registers(5, 1).await.unwrap(), vec![55]);
    assert_eq!(client.unmatched(), 0);
}

#[tokio::test]
async fn rtu_over_tcp_answers_the_request_behind_a_corrupt_one() {
    // A user function code with a bad CRC (its length only a CRC could give), written on its
    // own, then a good FC03 in a write of its own: answered once the head has had no more
    // bytes for a second, not after the buffer fills with retries.
    let (addr, _stop, _task) = start(Server::new(table()).transport(Transport::RtuOverTcp)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(&[7, 0x41, 0, 0, 0, 0, 0, 0]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let good = m2m_modbus::rtu::Adu {
        address: 7,
        pdu: Request::ReadHoldingRegisters {
            address: 1,
            quantity: 1,
        },
    }
    .to_vec()
    .unwrap();
    s.write_all(&good).await.unwrap();
    let mut answer = [0u8; 7];
    tokio::time::timeout(Duration::from_secs(4), s.read_exact(&mut answer))
        .await
        .expect("answered in time")
        .unwrap();
    assert_eq!(&answer[..5], &[7, 3, 2, 0, 1]);
}

/// The table, but a read at address 99 takes 300 ms to answer.
struct Slow(Table);

impl Handler for Slow {
    fn call(
        &self,
        unit: u8,
        req: Request<'_>,
        out: &mut Responder<'_>,
    ) -> Result<(), ExceptionCode> {
        if let Request::ReadHoldingRegisters { address: 99, .. } = req {
            std::thread::sleep(Duration::from_millis(300));
        }
        self.0.call(unit, req, out)
    }
}

#[tokio::test]
async fn shutdown_answers_the_requests_already_read() {
    let (addr, stop, task) = start(Server::new(Slow(table()))).await;
    let client = Client::connect_with(addr, options().timeout(Duration::from_secs(2)))
        .await
        .unwrap();
    let pending = tokio::spawn({
        let c = client.clone();
        async move { c.read_holding_registers(99, 1).await }
    });
    // The server has read the request and is in the handler (which holds this runtime's only
    // thread) when told to stop, from another thread.
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        stop.send(()).unwrap();
    });
    assert_eq!(pending.await.unwrap().unwrap(), vec![99]);
    stopper.join().unwrap();
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn shutdown_ends_connections_that_flood_or_never_read() {
    // A peer that sends requests without pause and never reads its answers: the server's
    // writes block once the socket buffers are full. Told to stop, it closes the connection
    // after the idle timeout at the latest, and returns.
    let server = Server::new(table()).idle_timeout(Duration::from_millis(300));
    let (addr, stop, task) = start(server).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut batch = Vec::new();
    for tid in 0..2000u16 {
        batch.extend_from_slice(&tid.to_be_bytes());
        batch.extend_from_slice(&[0, 0, 0, 6, 1, 3, 0, 0, 0, 100]);
    }
    let flood = tokio::spawn(async move {
        // Until the server stops reading (its writes blocked) or goes away.
        while s.write_all(&batch).await.is_ok() {}
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the server returns")
        .unwrap()
        .unwrap();
    flood.abort();
}

#[tokio::test]
async fn shutdown_is_graceful() {
    let (addr, stop, task) = start(Server::new(table())).await;
    let client = Client::connect_with(addr, options().reconnect(false))
        .await
        .unwrap();
    client.read_holding_registers(0, 1).await.unwrap();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    // The connection was closed and nothing listens any more.
    assert!(client.read_holding_registers(0, 1).await.is_err());
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn idle_connections_are_closed_and_pipelining_is_bounded_by_the_buffer() {
    let server = Server::new(table())
        .idle_timeout(Duration::from_millis(100))
        .max_buffer(300);
    let (addr, _stop, _task) = start(server).await;
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let t0 = tokio::time::Instant::now();
    assert_eq!(idle.read(&mut [0u8; 4]).await.unwrap(), 0);
    assert!(t0.elapsed() >= Duration::from_millis(100));
    // Forty requests in one write (480 bytes) against a 300-byte buffer: the server reads
    // what fits, answers it, and reads on; every request is answered, in order.
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut batch = Vec::new();
    for tid in 0..40u16 {
        batch.extend_from_slice(&tid.to_be_bytes());
        batch.extend_from_slice(&[0, 0, 0, 6, 1, 3, 0]);
        batch.push(u8::try_from(tid).unwrap());
        batch.extend_from_slice(&[0, 1]);
    }
    s.write_all(&batch).await.unwrap();
    for tid in 0..40u16 {
        let mut rsp = [0u8; 11];
        s.read_exact(&mut rsp).await.unwrap();
        assert_eq!(u16::from_be_bytes([rsp[0], rsp[1]]), tid);
        assert_eq!(u16::from_be_bytes([rsp[9], rsp[10]]), tid);
    }
}

/// A server out of file descriptors (a client can bring it about by opening connections) does
/// not end: it accepts again once some are free. Run in a child process under `ulimit -n 64`.
#[cfg(unix)]
#[test]
fn running_out_of_file_descriptors_does_not_end_the_server() {
    use m2m_testkit::fd_limit;
    const CHILD: &str = "M2M_MODBUS_EMFILE_CHILD";
    if fd_limit::is_child(CHILD) {
        return emfile_child();
    }
    fd_limit::run_under_fd_limit(
        "running_out_of_file_descriptors_does_not_end_the_server",
        CHILD,
        64,
    );
}

/// The child of [`running_out_of_file_descriptors_does_not_end_the_server`].
#[cfg(unix)]
fn emfile_child() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (addr, _stop, task) = start(Server::new(table())).await;
        // Every descriptor taken, then one given back for the client's socket: the server's
        // accept has none.
        let held = m2m_testkit::fd_limit::take_all_but(1);
        let mut stream = TcpStream::connect(addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!task.is_finished(), "the server ended: {:?}", task.await);
        drop(held);
        // The connection that waited is taken and answered: FC03 of register 0.
        stream
            .write_all(&[0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1])
            .await
            .unwrap();
        let mut answer = [0u8; 11];
        tokio::time::timeout(Duration::from_secs(10), stream.read_exact(&mut answer))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(answer, [0, 1, 0, 0, 0, 5, 1, 3, 2, 0, 0]);
    });
}
