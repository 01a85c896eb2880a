//! The tokio runners: our async client and server on loopback UDP sockets.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken exchange

use std::time::Duration;

use m2m_coap::{Code, ContentFormat};
use m2m_lwm2m::client::{ClientEvent, ObjectTree, RecordBuf, Settings};
use m2m_lwm2m::interface::ClientRequest;
use m2m_lwm2m::link::ObjectLink;
use m2m_lwm2m::runner::{AsyncClient, AsyncServer, ServerNote};
use m2m_lwm2m::{Path, Record, Text, Value};

struct Thermometer(f64);

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
        ] {
            if path.contains(&r.path) {
                out.push(r)?;
            }
        }
        Ok(())
    }
}

#[tokio::test]
async fn async_client_and_server() {
    let mut server = AsyncServer::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let client_task = tokio::spawn(async move {
        let mut t = Thermometer(20.0);
        let mut client = AsyncClient::new(addr, Settings::new("thermo-1"))
            .await
            .unwrap();
        client.register(&t).await.unwrap();
        assert_eq!(client.next(&mut t).await.unwrap(), ClientEvent::Registered);
        // Serve for a while, the temperature rising; then de-register.
        let end = tokio::time::Instant::now() + Duration::from_millis(1500);
        while tokio::time::Instant::now() < end {
            t.0 += 1.0;
            client.inner().changed(&Path::resource(3303, 0, 5700));
            let _ = tokio::time::timeout(Duration::from_millis(100), client.next(&mut t)).await;
        }
        client.deregister().await.unwrap();
        loop {
            if client.next(&mut t).await.unwrap() == ClientEvent::Deregistered {
                break;
            }
        }
    });
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
    let observe = ClientRequest::Observe {
        path: Path::resource(3303, 0, 5700),
        accept: Some(ContentFormat::TEXT_PLAIN),
    };
    let id = server.send(&endpoint, &observe).unwrap();
    assert_eq!(server.response(id).await.unwrap().observe, Some(0));
    let n = server.response(id).await.unwrap();
    assert!(n.observe.unwrap() >= 1, "{n:?}");
    loop {
        if let ServerNote::Deregistered { .. } = server.next().await.unwrap() {
            break;
        }
    }
    client_task.await.unwrap();
}
