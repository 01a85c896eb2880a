//! Block reassembly: a body served in blocks comes back whole; fed arbitrary blocks it never
//! panics and holds exactly the payloads it took, in order.
//! Arbitrary messages fed to the message-level pushes (Block1 with Request-Tag and Size1,
//! Block2 with ETag and Size2) never panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_coap::block::{Assembler, BlockError, Progress, slice};
use m2m_coap::{Block, Message};

fuzz_target!(|data: &[u8]| {
    let Some((&szx, body)) = data.split_first() else {
        return;
    };
    let szx = szx % 7;
    // Serving `body` in blocks and reassembling it gives it back.
    let mut buf = vec![0u8; body.len() + 1];
    let mut asm = Assembler::new(&mut buf);
    let mut next = None;
    let mut done = false;
    for _ in 0..=body.len() / 16 + 1 {
        let Ok((b, chunk)) = slice(body, next, szx) else {
            break;
        };
        match asm.push(b, chunk, None).expect("in-order blocks are taken") {
            Progress::More(n) => next = Some(n),
            Progress::Done(n) => {
                assert_eq!(n, body.len());
                assert_eq!(asm.body(), body);
                done = true;
                break;
            }
            Progress::Repeat => panic!("no repeats were sent"),
        }
    }
    assert!(
        done,
        "{} bytes in blocks of size index {szx} never completed",
        body.len()
    );
    // Arbitrary blocks: no panic, and what is held is exactly the payloads taken, in order.
    let mut small = [0u8; 512];
    let mut asm = Assembler::new(&mut small);
    let mut model = Vec::new();
    for w in body.chunks(3) {
        if let [a, b, c] = *w {
            let block = Block {
                num: u32::from(a % 40),
                more: b & 1 == 1,
                szx: b >> 5,
            };
            let payload = &body[..usize::from(c).min(body.len())];
            let r = asm.push(block, payload, None);
            follow(&mut model, r, payload, asm.body());
        }
    }
    // Arbitrary messages, each a length byte then its bytes.
    let mut up = [0u8; 256];
    let mut down = [0u8; 256];
    let (mut up, mut down) = (Assembler::new(&mut up), Assembler::new(&mut down));
    let (mut up_model, mut down_model) = (Vec::new(), Vec::new());
    let mut rest = body;
    while let Some((&n, tail)) = rest.split_first() {
        let (msg, after) = tail.split_at(usize::from(n).min(tail.len()));
        rest = after;
        if let Ok(m) = Message::parse_udp(msg) {
            let r = up.push_block1(&m);
            follow(&mut up_model, r, m.payload(), up.body());
            let r = down.push_block2(&m);
            follow(&mut down_model, r, m.payload(), down.body());
        }
    }
});

/// After a push: a block taken (more to come, or the last) adds its payload to what is held;
/// a repeat or an error leaves it as it was.
fn follow(model: &mut Vec<u8>, r: Result<Progress, BlockError>, payload: &[u8], held: &[u8]) {
    match r {
        Ok(Progress::More(_)) => model.extend_from_slice(payload),
        Ok(Progress::Done(n)) => {
            model.extend_from_slice(payload);
            assert_eq!(
                n,
                model.len(),
                "done at {n}, but {} bytes were taken",
                model.len()
            );
        }
        Ok(Progress::Repeat) | Err(_) => {}
    }
    assert_eq!(
        held,
        model.as_slice(),
        "the held body is not the payloads taken"
    );
}
