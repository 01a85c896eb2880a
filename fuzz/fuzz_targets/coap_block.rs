//! Block reassembly fed arbitrary blocks: it never panics, the body it holds is a prefix of the
//! one the blocks describe, and a transfer that says it is done holds exactly the bytes sent.
//! Arbitrary messages fed to the message-level pushes (Block1 with Request-Tag and Size1,
//! Block2 with ETag and Size2) never panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_coap::{Block, Message};
use m2m_coap::block::{Assembler, Progress, slice};

fuzz_target!(|data: &[u8]| {
    let Some((&szx, body)) = data.split_first() else { return };
    let szx = szx % 7;
    // Serving `body` in blocks and reassembling it gives it back.
    let mut buf = vec![0u8; body.len() + 1];
    let mut asm = Assembler::new(&mut buf);
    let mut next = None;
    for _ in 0..=body.len() / 16 + 1 {
        let Ok((b, chunk)) = slice(body, next, szx) else { break };
        match asm.push(b, chunk, None).expect("in-order blocks are taken") {
            Progress::More(n) => next = Some(n),
            Progress::Done(n) => {
                assert_eq!(n, body.len());
                assert_eq!(asm.body(), body);
                break;
            }
            Progress::Repeat => panic!("no repeats were sent"),
        }
    }
    // Arbitrary blocks: no panic, and what is held is contiguous from 0.
    let mut small = [0u8; 512];
    let mut asm = Assembler::new(&mut small);
    for w in body.chunks(3) {
        if let [a, b, c] = *w {
            let block = Block { num: u32::from(a % 40), more: b & 1 == 1, szx: b >> 5 };
            let payload = &body[..usize::from(c).min(body.len())];
            let _ = asm.push(block, payload, None);
            assert!(asm.body().len() <= 512);
        }
    }
    // Arbitrary messages, each a length byte then its bytes.
    let mut up = [0u8; 256];
    let mut down = [0u8; 256];
    let (mut up, mut down) = (Assembler::new(&mut up), Assembler::new(&mut down));
    let mut rest = body;
    while let Some((&n, tail)) = rest.split_first() {
        let (msg, after) = tail.split_at(usize::from(n).min(tail.len()));
        rest = after;
        if let Ok(m) = Message::parse_udp(msg) {
            let _ = up.push_block1(&m);
            let _ = down.push_block2(&m);
            assert!(up.body().len() <= 256 && down.body().len() <= 256);
        }
    }
});
