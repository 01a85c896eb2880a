//! A CoAP client on `m2m_coap::blocking`, for the peer tests (`tests/peers/`): it talks to
//! libcoap's and aiocoap's servers.
//!
//! `coap_client METHOD URI [--payload-file FILE] [--block SZX] [--observe N] [--non]`
//!
//! `coap://` goes over UDP, `coap+tcp://` over TCP (RFC 8323, with the CSM exchange).
//!
//! Block2 downloads are followed to the end and Block1 uploads cut in blocks of 2^(SZX+4) bytes
//! (SZX 6 by default). The payload of the response (the whole body) goes to stdout, one line per
//! notification with `--observe N`; the response code and the checks go to stderr. Every
//! datagram received must parse and re-encode byte for byte: exit status 3 if one did not,
//! 2 on a timeout, 1 on any other failure, 0 on a 2.xx response.
#![allow(clippy::unwrap_used)] // an example

use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;
use std::time::Duration;

use m2m_coap::blocking::{Client, ClientError, Options};
use m2m_coap::{Builder, Code, Message, Scheme, Uri};
use m2m_core::Encode;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = run(&args).unwrap_or_else(|e| {
        eprintln!("coap_client: {e}");
        if matches!(e, ClientError::Timeout) {
            2
        } else {
            1
        }
    });
    std::process::exit(code);
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// Whether a datagram or frame parses and re-encodes to the same bytes.
fn reencodes(d: &[u8], tcp: bool) -> bool {
    let m = if tcp {
        Message::parse_tcp(d)
    } else {
        Message::parse_udp(d)
    };
    m.is_ok_and(|m| {
        let b = Builder::<256>::from_message(&m).unwrap();
        let mut out = vec![0u8; b.buffer_len()];
        b.encode(&mut out).is_ok() && out == d
    })
}

fn usage() -> ClientError {
    ClientError::Protocol("usage: coap_client METHOD URI [options]".into())
}

fn run(args: &[String]) -> Result<i32, ClientError> {
    let method = args.get(1).ok_or_else(usage)?;
    let text = args.get(2).ok_or_else(usage)?;
    let code = Code::parse(&method.to_uppercase()).ok_or_else(usage)?;
    let uri = Uri::parse(text).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let payload = match flag(args, "--payload-file") {
        Some(f) => std::fs::read(f)?,
        None => Vec::new(),
    };
    let options = Options {
        confirmable: !args.iter().any(|a| a == "--non"),
        block_szx: flag(args, "--block").map_or(6, |s| s.parse().unwrap_or(6)),
        timeout: Duration::from_secs(30),
        ..Options::default()
    };
    let notifications: usize = flag(args, "--observe").map_or(0, |s| s.parse().unwrap_or(0));
    let tcp = matches!(uri.scheme, Scheme::CoapTcp);
    let mut client = Client::connect(&uri, options)?;
    let received = Rc::new(Cell::new(0u64));
    let failed = Rc::new(Cell::new(0u64));
    let (r, f) = (received.clone(), failed.clone());
    client.set_frame_check(Box::new(move |d| {
        r.set(r.get() + 1);
        if !reencodes(d, tcp) {
            f.set(f.get() + 1);
            eprintln!("does not parse or re-encode: {}", m2m_core::hex::encode(d));
        }
    }));
    let mut stdout = std::io::stdout().lock();
    let last = if notifications > 0 {
        let mut got = 0;
        let last = client.observe(&uri, notifications, |rsp| {
            writeln!(stdout, "{}", String::from_utf8_lossy(&rsp.payload)).unwrap();
            got += 1;
            true
        })?;
        eprintln!("{} {} notifications", last.code, got);
        last
    } else {
        let last = client.request(code, &uri, &payload)?;
        stdout.write_all(&last.payload).unwrap();
        last
    };
    stdout.flush().unwrap();
    eprintln!(
        "{} (received {}, re-encoded {})",
        last.code,
        received.get(),
        received.get() - failed.get()
    );
    if failed.get() > 0 {
        return Ok(3);
    }
    Ok(if last.code.class() == 2 { 0 } else { 1 })
}
