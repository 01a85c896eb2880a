//! The runners: our async (and blocking) client and server on loopback UDP sockets: reads,
//! Register in blocks and queue mode (`registration.rs`), bodies in blocks both ways and Send
//! (`blocks.rs`), bootstrap servers and registering with the account they write
//! (`bootstrap.rs`).
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken exchange

mod blocks;
mod bootstrap;
mod fallback;
mod registration;

use std::time::Duration;

use m2m_coap::{Code, ContentFormat};
use m2m_lwm2m::client::{ClientEvent, ObjectTree, RecordBuf, Settings};
use m2m_lwm2m::interface::ClientRequest;
use m2m_lwm2m::link::ObjectLink;
use m2m_lwm2m::runner::{AsyncClient, AsyncServer, ServerNote};
use m2m_lwm2m::{Config, Path, Record, Text, Value};

/// A temperature, and an Application Type (/3303/0/5750) long enough that /3303/0 takes
/// three blocks of 1024.
struct Thermometer(f64, String);

fn thermometer() -> Thermometer {
    let kind = (0..2600u32)
        .map(|i| char::from(b'A' + u8::try_from(i % 26).unwrap()))
        .collect();
    Thermometer(20.0, kind)
}

/// `/3303/0` of `t` in TLV, written at once.
fn whole(t: &Thermometer) -> Vec<u8> {
    let path = Path::instance(3303, 0);
    let mut records = RecordBuf::<'_, 32>::new();
    t.read(&path, &mut records).unwrap();
    let mut out = vec![0u8; 8192];
    let n = m2m_lwm2m::body::encode(
        ContentFormat::LWM2M_TLV,
        &path,
        records.as_slice(),
        &mut out,
    )
    .unwrap();
    out.truncate(n);
    out
}

impl ObjectTree for Thermometer {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        f(ObjectLink::path(Path::instance(3303, 0)));
    }
    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
        for r in [
            Record::new(Path::resource(3303, 0, 5700), Value::Float(self.0)),
            Record::new(
                Path::resource(3303, 0, 5701),
                Value::Str(Text::Plain("Cel")),
            ),
            Record::new(
                Path::resource(3303, 0, 5750),
                Value::Str(Text::Plain(&self.1)),
            ),
        ] {
            if path.contains(&r.path) {
                out.push(r)?;
            }
        }
        Ok(())
    }
}

/// Whether `body` is `/3303/0` of the thermometer at one of the temperatures it goes through.
fn is_whole(body: &[u8]) -> bool {
    let mut t = thermometer();
    (0..100).any(|_| {
        t.0 += 1.0;
        body == whole(&t)
    }) || body == whole(&thermometer())
}

#[tokio::test]
async fn async_client_and_server() {
    let mut server = AsyncServer::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let client_task = tokio::spawn(async move {
        let mut t = thermometer();
        let mut client = AsyncClient::new(addr, Settings::new("thermo-1"))
            .await
            .unwrap();
        client.register(&t).await.unwrap();
        assert_eq!(client.next(&mut t).await.unwrap(), ClientEvent::Registered);
        // A stranger's request (a Confirmable GET /3303) is dropped, unanswered.
        let stranger = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let get = [0x40, 0x01, 0x12, 0x34, 0xb4, b'3', b'3', b'0', b'3'];
        let to = client.local_addr().unwrap();
        stranger.send_to(&get, to).await.unwrap();
        // Serve for a while, the temperature rising; then de-register.
        let end = tokio::time::Instant::now() + Duration::from_millis(2000);
        while tokio::time::Instant::now() < end {
            t.0 += 1.0;
            client.inner().changed(&Path::resource(3303, 0, 5700));
            if let Ok(served) =
                tokio::time::timeout(Duration::from_millis(100), client.next(&mut t)).await
            {
                served.unwrap();
            }
        }
        let mut buf = [0u8; 64];
        let answer = tokio::time::timeout(Duration::from_millis(50), stranger.recv_from(&mut buf));
        assert!(answer.await.is_err(), "the stranger got an answer");
        client.deregister().await.unwrap();
        loop {
            if client.next(&mut t).await.unwrap() == ClientEvent::Deregistered {
                break;
            }
        }
    });
    // The server's side; a failure of the client's ends the test at once.
    let server_side = async {
        let ServerNote::Registered {
            endpoint, links, ..
        } = server.next().await.unwrap()
        else {
            panic!("a registration first");
        };
        assert_eq!(
            (endpoint.as_str(), links.as_str()),
            ("thermo-1", "</3303/0>")
        );
        let read = ClientRequest::Read {
            path: Path::instance(3303, 0),
            accept: Some(ContentFormat::LWM2M_TLV),
        };
        let id = server.send(&endpoint, &read).unwrap();
        let rsp = server.response(id).await.unwrap();
        assert_eq!(
            (rsp.code, rsp.format),
            (Code::CONTENT, Some(ContentFormat::LWM2M_TLV))
        );
        // Larger than a message: the client sent it in blocks, the server asked for each and
        // put them together: the body of one of the temperatures the client went through.
        assert!(rsp.payload.len() > 2048, "{}", rsp.payload.len());
        assert!(is_whole(&rsp.payload), "{} bytes", rsp.payload.len());
        let observe = ClientRequest::Observe {
            path: Path::resource(3303, 0, 5700),
            accept: Some(ContentFormat::TEXT_PLAIN),
        };
        let id = server.send(&endpoint, &observe).unwrap();
        assert_eq!(server.response(id).await.unwrap().observe, Some(0));
        let n = server.response(id).await.unwrap();
        assert!(n.observe.unwrap() >= 1, "{n:?}");
        // Observe-Composite of the temperature and its unit: every notification carries both.
        let paths = [Path::resource(3303, 0, 5700), Path::resource(3303, 0, 5701)];
        let values = |rsp: &m2m_lwm2m::blocking::Response| -> Vec<Path<'static>> {
            m2m_lwm2m::composite::decode_values(rsp.format.unwrap(), &rsp.payload, Config::STRICT)
                .unwrap()
                .map(|r| r.unwrap().path.without_prefix())
                .collect()
        };
        let cid = server
            .observe_composite(&endpoint, &paths, ContentFormat::SENML_ETCH_JSON, None)
            .unwrap();
        let first = server.response(cid).await.unwrap();
        assert_eq!(
            (first.code, first.format, first.observe),
            (Code::CONTENT, Some(ContentFormat::SENML_CBOR), Some(0))
        );
        assert_eq!(values(&first), paths);
        let n = server.response(cid).await.unwrap();
        assert!(n.observe.unwrap() >= 1, "{n:?}");
        assert_eq!(values(&n), paths);
        server
            .cancel_composite(cid, &paths, ContentFormat::SENML_ETCH_JSON, None)
            .unwrap();
        // Notifications that crossed the cancellation carry Observe; the answer to it does not
        // (RFC 7641 §4.1), and nothing comes to the observation after it.
        let last = loop {
            let r = server.response(cid).await.unwrap();
            if r.observe.is_none() {
                break r;
            }
        };
        assert_eq!((last.code, values(&last)), (Code::CONTENT, paths.to_vec()));
        // An observation of all of /3303/0: its answer and its notifications come in blocks,
        // and reach the application whole, with their Observe numbers.
        let large = ClientRequest::Observe {
            path: Path::instance(3303, 0),
            accept: Some(ContentFormat::LWM2M_TLV),
        };
        let oid = server.send(&endpoint, &large).unwrap();
        let first = server.response(oid).await.unwrap();
        assert_eq!((first.code, first.observe), (Code::CONTENT, Some(0)));
        assert!(first.payload.len() > 2048, "{}", first.payload.len());
        let n = server.response(oid).await.unwrap();
        assert!(n.observe.unwrap() >= 1, "{n:?}");
        assert!(is_whole(&first.payload) && is_whole(&n.payload));
        loop {
            match server.next().await.unwrap() {
                ServerNote::Deregistered { .. } => break,
                ServerNote::Response { request, .. } if request == cid => {
                    panic!("a notification after the cancellation was answered")
                }
                _ => {}
            }
        }
    };
    tokio::pin!(server_side);
    let mut client_task = client_task;
    tokio::select! {
        () = &mut server_side => client_task.await.unwrap(),
        joined = &mut client_task => {
            joined.unwrap();
            server_side.await;
        }
    }
}
