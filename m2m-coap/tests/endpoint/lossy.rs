//! A network that loses, duplicates and reorders datagrams: the property over random faults,
//! and a Block2 download with a lost block.

use super::*;

/// A network between a client (address 0) and a server (address 1) that loses, duplicates
/// and reorders datagrams as `faults` says.
fn run(faults: &[u8], requests: usize, non: u16) -> (Vec<u32>, Vec<u32>, Vec<usize>) {
    let (mut client, mut server) = (Ep::new(21), Ep::new(22));
    let mut ids = Vec::new();
    // Requests go out as slots allow (at most N at once); bit i of `non` makes request i
    // Non-confirmable.
    let mut queued = 0usize;
    let mut handled: std::collections::HashMap<Vec<u8>, usize> = Default::default();
    let mut answered = Vec::new();
    let mut timed_out = Vec::new();
    // (destination, datagram, may be duplicated): a copy is not copied again.
    let mut net: Vec<(u8, Vec<u8>, bool)> = Vec::new();
    let mut f = faults.iter().copied().cycle();
    let mut now = 0u64;
    for _ in 0..20_000 {
        while queued < requests {
            let confirmable = non >> (queued % 16) & 1 == 0;
            match client.request(at(now), 1, &get("r"), confirmable) {
                Ok(id) => {
                    ids.push(id.0);
                    queued += 1;
                }
                Err(_) => break,
            }
        }
        for (_, d) in drain(&mut client, now) {
            net.push((1, d, true));
        }
        for (_, d) in drain(&mut server, now) {
            net.push((0, d, true));
        }
        while let Some(e) = client.poll_event() {
            if let Event::Timeout(id) = e {
                timed_out.push(id.0);
            }
        }
        if net.is_empty() {
            match client
                .poll_timeout()
                .into_iter()
                .chain(server.poll_timeout())
                .min()
            {
                Some(t) if answered.len() + timed_out.len() < requests || queued < requests => {
                    now = now.max(t.as_millis());
                    continue;
                }
                // Nothing pending, but requests still to send (NSTART held them back).
                None if queued < requests => {
                    now += 1;
                    continue;
                }
                _ => break,
            }
        }
        // Deliver one datagram, chosen and mangled by the script.
        let fault = f.next().unwrap_or(0);
        let i = usize::from(fault >> 2) % net.len();
        let (to, d, dup) = net.remove(i);
        now += 1;
        match fault & 3 {
            0 => continue,                                // lost
            1 if dup => net.push((to, d.clone(), false)), // duplicated (and reordered)
            _ => {}
        }
        if to == 1 {
            if let Ok(Incoming::Request { exchange, .. }) = server.handle(at(now), 0, &d) {
                *handled.entry(exchange.token().to_vec()).or_default() += 1;
                let mut rsp = Builder::<0>::udp(Type::Acknowledgement, Code::CONTENT, 0);
                rsp.payload(b"ok");
                server.respond(at(now), &exchange, &rsp).unwrap();
            }
        } else if let Ok(Incoming::Response { id, .. }) = client.handle(at(now), 1, &d) {
            answered.push(id.0);
        }
    }
    // Whatever is still open ends by its lifetime.
    now += 400_000;
    drain(&mut client, now);
    while let Some(e) = client.poll_event() {
        if let Event::Timeout(id) = e {
            timed_out.push(id.0);
        }
    }
    (answered, timed_out, handled.into_values().collect())
}

proptest! {
    /// Under loss, duplication and reordering, every request gets its response exactly once or
    /// times out, never both.
    #[test]
    fn every_request_answered_once_or_timed_out(
        faults in proptest::collection::vec(any::<u8>(), 1..64),
        requests in 1usize..=20,
        non in any::<u16>(),
    ) {
        let (answered, timed_out, handled) = run(&faults, requests, non);
        // While the server's memory of message ids holds every exchange (at most N = 8 of
        // them), no request is handled twice, however often it is retransmitted or duplicated.
        if requests <= 8 {
            prop_assert!(handled.iter().all(|&n| n == 1), "handled {:?}", handled);
        }
        let mut all = answered.clone();
        all.extend(&timed_out);
        all.sort_unstable();
        let want: Vec<u32> = (0..u32::try_from(requests).unwrap()).collect();
        prop_assert_eq!(all, want, "answered {:?} timed out {:?}", answered, timed_out);
    }
}

/// A Block2 download of 3000 bytes through the endpoints, where the response to one block is
/// lost: the client's retransmission gets it from the server's cache, and the body arrives whole.
#[test]
fn block_transfer_with_a_lost_block() {
    use m2m_coap::Block;
    use m2m_coap::block::{Assembler, Progress, slice};
    let body: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    let (mut client, mut server) = (Ep::new(31), Ep::new(32));
    let mut buf = vec![0u8; 4096];
    let mut asm = Assembler::new(&mut buf);
    let mut next: Option<Block> = None;
    let mut now = 0u64;
    let mut lost_one = false;
    loop {
        let mut req = get("large");
        if let Some(b) = next {
            req.uint(OptionNumber::BLOCK2, b.to_uint()).unwrap();
        }
        let id = client.request(at(now), 1, &req, true).unwrap();
        let sent = drain(&mut client, now).remove(0).1;
        let Incoming::Request { message, exchange } = server.handle(at(now), 0, &sent).unwrap()
        else {
            panic!()
        };
        let (b2, chunk) = slice(&body, message.block2().and_then(Result::ok), 4).unwrap();
        let mut rsp = Builder::<4>::udp(Type::Acknowledgement, Code::CONTENT, 0);
        rsp.uint(OptionNumber::BLOCK2, b2.to_uint()).unwrap();
        rsp.payload(chunk);
        server.respond(at(now), &exchange, &rsp).unwrap();
        let mut reply = drain(&mut server, now).remove(0).1;
        if b2.num == 3 && !lost_one {
            // This block's response is lost: the client retransmits after its timeout and the
            // server answers the duplicate from its cache.
            lost_one = true;
            now += 3000;
            let again = drain(&mut client, now);
            assert_eq!(again.len(), 1, "one retransmission");
            assert_eq!(
                server.handle(at(now), 0, &again[0].1).unwrap(),
                Incoming::Nothing
            );
            reply = drain(&mut server, now).remove(0).1;
        }
        let Incoming::Response { id: got, message } = client.handle(at(now), 1, &reply).unwrap()
        else {
            panic!()
        };
        assert_eq!(got, id);
        let b = message.block2().unwrap().unwrap();
        match asm.push(b, message.payload(), None).unwrap() {
            Progress::More(n) => next = Some(n),
            Progress::Done(n) => {
                assert_eq!(n, 3000);
                break;
            }
            Progress::Repeat => panic!("no repeat expected"),
        }
        now += 10;
    }
    assert!(lost_one);
    assert_eq!(asm.body(), &body[..]);
}
