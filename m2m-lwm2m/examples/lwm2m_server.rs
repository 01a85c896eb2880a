//! An LwM2M server on UDP: waits for a client to register, reads its Device object /3/0 in TLV,
//! prints every resource with its name from the OMA registry, and observes a resource.
//!
//! ```text
//! cargo run -p m2m-lwm2m --example lwm2m_server -- [BIND_ADDR] [OBSERVE_PATH]
//! cargo run -p m2m-lwm2m --example lwm2m_client -- 127.0.0.1:5683
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)] // an example: failures end it with a message

use std::time::Duration;

use m2m_lwm2m::interface::ClientRequest;
use m2m_lwm2m::model::{self, Model, Registry};
use m2m_lwm2m::{Config, ContentFormat, Path, blocking, body};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:5683".into());
    let observe = args.next().unwrap_or_else(|| "/3303/0/5700".into());
    let mut server = blocking::Server::bind(&bind)?;
    println!("listening on {}", server.local_addr()?);
    let reg = server.wait_registration(Duration::from_secs(600))?;
    println!(
        "{} registered from {} (lifetime {} s): {}",
        reg.endpoint, reg.peer, reg.lifetime, reg.links
    );

    let read = ClientRequest::Read {
        path: Path::instance(3, 0),
        accept: Some(ContentFormat::LWM2M_TLV),
    };
    let rsp = server.request(&reg.endpoint, &read, Duration::from_secs(30))?;
    println!("Read /3/0: {} ({} bytes)", rsp.code, rsp.payload.len());
    if let Some(format) = rsp.format {
        for r in body::decode(format, Path::instance(3, 0), &rsp.payload, Config::LENIENT)? {
            let r = model::typed(r?, &Registry, &Config::LENIENT)?;
            let name = r
                .path
                .resource_id()
                .and_then(|id| Registry.resource(3, id))
                .map_or("?", |d| d.name);
            println!("  {:<12} {:<24} {:?}", r.path.to_string(), name, r.value);
        }
    }

    let path = Path::parse(&observe)?;
    let id = server.send(
        &reg.endpoint,
        &ClientRequest::Observe {
            path,
            accept: Some(ContentFormat::TEXT_PLAIN),
        },
    )?;
    for _ in 0..5 {
        let n = server.wait_response(id, Duration::from_secs(120))?;
        println!(
            "{observe} = {} (Observe {:?})",
            String::from_utf8_lossy(&n.payload),
            n.observe
        );
    }
    Ok(())
}
