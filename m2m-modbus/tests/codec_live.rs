//! The tokio-util codecs over real sockets on loopback: a client and a server built from
//! `Framed` talk Modbus/TCP and RTU over TCP, and a corrupt RTU frame on the wire comes out as an
//! `Err` item while the stream goes on.

use futures_util::{SinkExt, StreamExt};
use m2m_modbus::codec::{self, Codec};
use m2m_modbus::{Registers, Request, Response, rtu, tcp};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
    (client.expect("connect"), server.expect("accept").0)
}

#[tokio::test(flavor = "current_thread")]
async fn tcp_request_and_response_through_framed() {
    let (c, s) = pair().await;
    let mut client = Framed::new(c, codec::tcp());
    let mut server = Framed::new(s, codec::tcp());

    let req = tcp::Adu {
        transaction_id: 42,
        unit_id: 1,
        pdu: Request::ReadHoldingRegisters {
            address: 0x6b,
            quantity: 3,
        },
    };
    client.send(&req).await.expect("send request");
    let frame = server
        .next()
        .await
        .expect("a frame")
        .expect("no I/O error")
        .expect("valid frame");
    let got = tcp::Adu::<Request<'_>>::parse(&frame).expect("decodes");
    assert_eq!(got, req);

    let values = [555u16, 0, 100];
    let rsp = tcp::Adu {
        transaction_id: got.transaction_id,
        unit_id: got.unit_id,
        pdu: Response::ReadHoldingRegisters {
            registers: Registers::from(&values),
        },
    };
    server.send(&rsp).await.expect("send response");
    let frame = client
        .next()
        .await
        .expect("a frame")
        .expect("no I/O error")
        .expect("valid frame");
    let back = tcp::Adu::<Response<'_>>::parse(&frame).expect("decodes");
    assert_eq!(back, rsp);
}

#[tokio::test(flavor = "current_thread")]
async fn rtu_over_tcp_survives_a_corrupt_frame() {
    let (c, s) = pair().await;
    let mut server = Framed::new(s, Codec::new(rtu::Framing::requests()));
    let mut raw = c;

    let good = rtu::Adu {
        address: 0x11,
        pdu: Request::WriteSingleRegister {
            address: 1,
            value: 3,
        },
    };
    let bytes = good.to_vec().expect("encodes");
    let mut corrupt = bytes.clone();
    corrupt[4] ^= 0x5a;
    // Noise, a corrupt frame, then the good one, written in awkward pieces.
    let mut wire = vec![0xff, 0xfe];
    wire.extend_from_slice(&corrupt);
    wire.extend_from_slice(&bytes);
    for piece in wire.chunks(3) {
        raw.write_all(piece).await.expect("write");
    }
    raw.shutdown().await.expect("shutdown");

    let mut errors = 0;
    let mut frames = Vec::new();
    while let Some(item) = server.next().await {
        match item.expect("no I/O or fatal error") {
            Ok(frame) => frames.push(frame),
            Err(_) => errors += 1,
        }
    }
    assert!(errors >= 1, "the corrupt frame is reported");
    assert_eq!(frames.len(), 1, "and the good frame after it is not lost");
    assert_eq!(
        rtu::Adu::<Request<'_>>::parse(&frames[0]).expect("decodes"),
        good
    );
}
