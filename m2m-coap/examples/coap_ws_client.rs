//! A CoAP-over-WebSocket client on the runner's `WsClient` (feature `websocket`), for the peer
//! tests: `coap_ws_client GET coap+ws://HOST:PORT/PATH`. Block2 is followed to the end; the body
//! goes to stdout, the code to stderr. Every message received must re-encode byte for byte:
//! exit status 3 if one did not, 1 on a non-2.xx response.
#![allow(clippy::unwrap_used)] // an example

use std::io::Write;

use m2m_coap::block::{Assembler, Progress};
use m2m_coap::runner::WsClient;
use m2m_coap::{Block, Builder, Code, Message, OptionNumber, Uri};
use m2m_core::Encode;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let code = Code::parse(&args[1].to_uppercase()).expect("a method");
    let uri = Uri::parse(&args[2]).expect("a coap+ws URI");
    let authority = format!("{}:{}", uri.host, uri.effective_port());
    let mut client = WsClient::connect(&authority).await.expect("connects");
    let mut scratch = [0u8; 512];
    let mut base = Builder::<16>::ws(code);
    uri.to_options(&mut base, &mut scratch, Some(uri.effective_port()))
        .unwrap();
    let mut body = vec![0u8; 1 << 20];
    let mut asm = Assembler::new(&mut body);
    let mut next: Option<Block> = None;
    let (mut received, mut failed) = (0, 0);
    let last = loop {
        let mut b = base.clone();
        if let Some(blk) = next {
            b.uint(OptionNumber::BLOCK2, blk.to_uint()).unwrap();
        }
        let data = client.request(&b).await.expect("a response");
        received += 1;
        let m = Message::parse_ws(&data).unwrap();
        let re = Builder::<64>::from_message(&m).unwrap();
        let mut out = vec![0u8; re.buffer_len()];
        if re.encode(&mut out).is_err() || out[..] != data[..] {
            failed += 1;
        }
        match m.block2().and_then(Result::ok) {
            Some(b2) if m.code().class() == 2 => {
                match asm.push(b2, m.payload(), m.etags().next()).unwrap() {
                    Progress::More(n) => next = Some(n),
                    _ => break (m.code(), asm.body().to_vec()),
                }
            }
            _ => break (m.code(), m.payload().to_vec()),
        }
    };
    std::io::stdout().write_all(&last.1).unwrap();
    eprintln!(
        "{} (received {received}, re-encoded {})",
        last.0,
        received - failed
    );
    std::process::exit(if failed > 0 {
        3
    } else if last.0.class() == 2 {
        0
    } else {
        1
    });
}
