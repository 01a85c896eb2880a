//! Send (Core 1.1 "Send", POST /dp) from our client to our server: whole, or in Block1 blocks
//! the application sends as the client asks for them; the answer told to the application.

use m2m_coap::{Builder, Message, OptionNumber, Type};
use m2m_lwm2m::client::ClientEvent;

use crate::world::*;

fn registered() -> World {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    w
}

/// `n` temperature records in SenML JSON.
fn records(n: u16) -> Vec<u8> {
    let owned: Vec<Record<'static>> = (0..n)
        .map(|i| {
            Record::new(
                Path::resource(3303, i, 5700),
                Value::Float(20.0 + f64::from(i) / 8.0),
            )
        })
        .collect();
    let mut out = vec![0u8; 65536];
    let k = body::encode(ContentFormat::SENML_JSON, &Path::ROOT, &owned, &mut out).unwrap();
    out.truncate(k);
    out
}

/// What a Send came to: the client's events, the bodies the server took, and each block the
/// client sent (number, M, SZX, payload length).
#[derive(Default)]
struct Outcome {
    events: Vec<ClientEvent>,
    taken: Vec<Vec<u8>>,
    blocks: Vec<(u32, bool, u8, usize)>,
    /// The Size1 of each block.
    size1: Vec<Option<u32>>,
}

/// Moves datagrams until quiet; the application answers each SendContinue with the block it
/// names, from `body`. `answer`, when it gives one, replaces the server's answer to a block.
fn drive(
    w: &mut World,
    now: Timestamp,
    body: &[u8],
    mut answer: impl FnMut(&Message<'_>) -> Option<(Code, Option<Block>)>,
) -> Outcome {
    let mut o = Outcome::default();
    let mut buf = [0u8; 1152];
    loop {
        let mut moved = false;
        while let Some((_, n)) = w.client.poll_transmit(now, &mut buf) {
            moved = true;
            let sent = buf[..n].to_vec();
            let m = Message::parse_udp(&sent).unwrap();
            if let Some(b) = m.block1() {
                let b = b.unwrap();
                o.blocks.push((b.num, b.more, b.szx, m.payload().len()));
                o.size1.push(m.size1());
            }
            if let Some((code, echo)) = answer(&m) {
                let mut b = Builder::<4>::udp(Type::Acknowledgement, code, m.message_id().unwrap());
                b.token(m.token());
                if let Some(e) = echo {
                    b.uint(OptionNumber::BLOCK1, e.to_uint()).unwrap();
                }
                let mut out = [0u8; 64];
                let k = b.encode(&mut out).unwrap();
                w.client
                    .handle(now, SERVER, &out[..k], &mut w.pump)
                    .unwrap();
                continue;
            }
            let mut upload = core::mem::take(&mut w.upload);
            if let Some(ServerEvent::Send { payload, .. }) = w
                .server
                .handle_with(now, CLIENT, &sent, &mut upload)
                .unwrap()
            {
                o.taken.push(payload.to_vec());
            }
            w.upload = upload;
        }
        while let Some((_, n)) = w.server.poll_transmit(now, &mut buf) {
            moved = true;
            let d = buf[..n].to_vec();
            w.client.handle(now, SERVER, &d, &mut w.pump).unwrap();
        }
        while let Some(e) = w.client.poll_event() {
            if let ClientEvent::SendContinue { next, .. } = e {
                w.client
                    .send_records_block(now, ContentFormat::SENML_JSON, body, next)
                    .unwrap();
                moved = true;
            }
            o.events.push(e);
        }
        if !moved {
            return o;
        }
    }
}

#[test]
fn a_send_that_fits_goes_whole_and_its_answer_is_told() {
    let mut w = registered();
    let body = records(3);
    assert!(body.len() <= 512);
    let id = w
        .client
        .send_records(at(1), ContentFormat::SENML_JSON, &body)
        .unwrap();
    let o = drive(&mut w, at(1), &body, |_| None);
    assert_eq!(o.taken, [body]);
    assert!(o.blocks.is_empty());
    assert_eq!(
        o.events,
        [ClientEvent::SendAnswered {
            request: id,
            code: Some(Code::CHANGED)
        }]
    );
}

#[test]
fn a_long_send_goes_in_blocks_of_512_and_the_server_takes_it_whole() {
    let mut w = registered();
    let body = records(60);
    assert!(body.len() > 1500 && body.len() < 4096, "{}", body.len());
    w.client
        .send_records(at(1), ContentFormat::SENML_JSON, &body)
        .unwrap();
    let o = drive(&mut w, at(1), &body, |_| None);
    assert_eq!(o.taken.len(), 1, "one Send");
    assert_eq!(o.taken[0], body, "whole");
    let blocks = body.len().div_ceil(512);
    assert_eq!(o.blocks.len(), blocks);
    for (i, b) in o.blocks.iter().enumerate() {
        let last = i + 1 == blocks;
        let len = if last { body.len() - 512 * i } else { 512 };
        assert_eq!(*b, (u32::try_from(i).unwrap(), !last, 5, len));
    }
    // The body's size with the first block (RFC 7959 §4), none after.
    let total = u32::try_from(body.len()).unwrap();
    assert_eq!(o.size1[0], Some(total));
    assert!(o.size1[1..].iter().all(Option::is_none));
    // A SendContinue for every block before the last, then the answer.
    assert_eq!(o.events.len(), blocks);
    assert!(matches!(
        o.events.last(),
        Some(ClientEvent::SendAnswered {
            code: Some(Code::CHANGED),
            ..
        })
    ));
}

#[test]
fn a_server_that_asks_for_smaller_blocks_gets_them_from_where_it_stopped() {
    let mut w = registered();
    let body = records(60);
    // The server answers the blocks itself: 2.31 asking for 128-byte blocks, 2.04 at the end.
    let o = {
        w.client
            .send_records(at(1), ContentFormat::SENML_JSON, &body)
            .unwrap();
        drive(&mut w, at(1), &body, |m| {
            let b = m.block1().unwrap().unwrap();
            if b.more {
                Some((Code::CONTINUE, Some(Block { szx: 3, ..b })))
            } else {
                Some((Code::CHANGED, Some(b)))
            }
        })
    };
    let total = body.len();
    // The first 512, then 128 each from byte 512 on: block 4 of 128 next.
    assert_eq!(o.blocks[0], (0, true, 5, 512));
    assert_eq!(o.blocks[1], (4, true, 3, 128));
    let after = total - 512;
    assert_eq!(o.blocks.len(), 1 + after.div_ceil(128));
    assert_eq!(o.blocks.iter().map(|b| b.3).sum::<usize>(), total);

    // 4.13 to the first block with a smaller size: all again in 256.
    let mut w = registered();
    w.client
        .send_records(at(1), ContentFormat::SENML_JSON, &body)
        .unwrap();
    let o = drive(&mut w, at(1), &body, |m| {
        let b = m.block1().unwrap().unwrap();
        if b.szx == 5 {
            Some((
                Code::REQUEST_ENTITY_TOO_LARGE,
                Some(Block {
                    num: 0,
                    more: false,
                    szx: 4,
                }),
            ))
        } else {
            None
        }
    });
    assert_eq!(o.blocks[0], (0, true, 5, 512));
    assert_eq!(o.blocks[1], (0, true, 4, 256));
    assert_eq!(o.taken.len(), 1);
    assert_eq!(o.taken[0], body);
    // An error to a block ends the Send with it.
    let mut w = registered();
    w.client
        .send_records(at(1), ContentFormat::SENML_JSON, &body)
        .unwrap();
    let o = drive(&mut w, at(1), &body, |m| {
        let b = m.block1().unwrap().unwrap();
        (b.num == 1).then_some((Code::REQUEST_ENTITY_INCOMPLETE, None))
    });
    assert_eq!(o.blocks.len(), 2);
    assert!(matches!(
        o.events.last(),
        Some(ClientEvent::SendAnswered {
            code: Some(Code::REQUEST_ENTITY_INCOMPLETE),
            ..
        })
    ));
}

#[test]
fn a_send_without_an_answer_is_told_and_gives_way_to_the_update() {
    let mut w = registered();
    let body = records(3);
    let mut buf = [0u8; 1152];
    // Lost, with its retransmissions: the exchange gives up, and the application hears it.
    let id = w
        .client
        .send_records(at(1), ContentFormat::SENML_JSON, &body)
        .unwrap();
    let mut t = 1;
    let mut events = Vec::new();
    while t < 29 && events.is_empty() {
        w.client.handle_timeout(at(t), &w.pump).unwrap();
        while w.client.poll_transmit(at(t), &mut buf).is_some() {}
        events.extend(std::iter::from_fn(|| w.client.poll_event()));
        t += 1;
    }
    // (2 + 4 + 8 + 16 s, with ACK_RANDOM_FACTOR, exceeds 28 s: still outstanding here.)
    assert!(events.is_empty(), "{events:?}");
    // The Update due at 30 s comes first: the Send outstanding ends, unanswered, and the
    // Update goes at once.
    let mut updates = Vec::new();
    for t in 29..40 {
        w.client.handle_timeout(at(t), &w.pump).unwrap();
        while let Some((_, n)) = w.client.poll_transmit(at(t), &mut buf) {
            let m = Message::parse_udp(&buf[..n]).unwrap();
            if m.uri_path().next() == Some("rd") {
                updates.push(t);
            }
        }
        events.extend(std::iter::from_fn(|| w.client.poll_event()));
    }
    assert_eq!(updates.first(), Some(&30), "{updates:?}");
    assert_eq!(
        events,
        [ClientEvent::SendAnswered {
            request: id,
            code: None
        }]
    );
}

#[test]
fn a_send_the_server_resets_is_told_unanswered() {
    let mut w = registered();
    let body = records(3);
    let id = w
        .client
        .send_records(at(1), ContentFormat::SENML_JSON, &body)
        .unwrap();
    let mut buf = [0u8; 1152];
    let (_, n) = w.client.poll_transmit(at(1), &mut buf).unwrap();
    let m = Message::parse_udp(&buf[..n]).unwrap();
    let rst = Builder::<1>::udp(Type::Reset, Code::EMPTY, m.message_id().unwrap());
    let mut out = [0u8; 16];
    let k = rst.encode(&mut out).unwrap();
    w.client
        .handle(at(1), SERVER, &out[..k], &mut w.pump)
        .unwrap();
    let events: Vec<_> = std::iter::from_fn(|| w.client.poll_event()).collect();
    assert_eq!(
        events,
        [ClientEvent::SendAnswered {
            request: id,
            code: None
        }]
    );
    // The next Send may go.
    w.client
        .send_records(at(2), ContentFormat::SENML_JSON, &body)
        .unwrap();
}

#[test]
fn a_server_that_acts_on_each_block_gets_the_rest_all_the_same() {
    let mut w = registered();
    let body = records(60);
    w.client
        .send_records(at(1), ContentFormat::SENML_JSON, &body)
        .unwrap();
    // 2.04 with Block1 M unset to each block (non-atomic, RFC 7959 §2.3).
    let o = drive(&mut w, at(1), &body, |m| {
        let b = m.block1().unwrap().unwrap();
        Some((Code::CHANGED, Some(Block { more: false, ..b })))
    });
    assert_eq!(o.blocks.len(), body.len().div_ceil(512));
    assert_eq!(o.blocks.iter().map(|b| b.3).sum::<usize>(), body.len());
    assert!(matches!(
        o.events.last(),
        Some(ClientEvent::SendAnswered {
            code: Some(Code::CHANGED),
            ..
        })
    ));
}

/// An Empty ACK to a Send: its answer comes separately, and it no longer holds the client
/// back (RFC 7252 §4.7). Four Sends may wait for their answers, a fifth is refused as `Busy`;
/// an Update that falls due ends only the Send that holds the client back.
#[test]
fn a_send_acknowledged_empty_waits_for_its_answer_beside_the_update() {
    let mut w = registered();
    let body = records(3);
    let mut buf = [0u8; 1152];
    let mut ids = Vec::new();
    for t in 1..=4u64 {
        let id = w
            .client
            .send_records(at(t), ContentFormat::SENML_JSON, &body)
            .unwrap();
        ids.push(id);
        let (_, n) = w.client.poll_transmit(at(t), &mut buf).unwrap();
        // The first three acknowledged empty; the fourth not yet.
        if t < 4 {
            let m = Message::parse_udp(&buf[..n]).unwrap();
            let ack =
                Builder::<1>::udp(Type::Acknowledgement, Code::EMPTY, m.message_id().unwrap());
            let mut out = [0u8; 16];
            let k = ack.encode(&mut out).unwrap();
            w.client
                .handle(at(t), SERVER, &out[..k], &mut w.pump)
                .unwrap();
        }
    }
    assert!(matches!(
        w.client
            .send_records(at(5), ContentFormat::SENML_JSON, &body),
        Err(m2m_lwm2m::server::SessionError::Coap(
            m2m_coap::endpoint::EndpointError::Busy
        ))
    ));
    // The Update due at 30 s ends the fourth (which holds the client back) and goes.
    w.client.handle_timeout(at(30), &w.pump).unwrap();
    let mut rd = false;
    while let Some((_, n)) = w.client.poll_transmit(at(30), &mut buf) {
        rd |= Message::parse_udp(&buf[..n]).unwrap().uri_path().next() == Some("rd");
    }
    assert!(rd, "the Update went");
    let events: Vec<_> = std::iter::from_fn(|| w.client.poll_event()).collect();
    assert_eq!(
        events,
        [ClientEvent::SendAnswered {
            request: ids[3],
            code: None
        }]
    );
}

#[test]
fn four_sends_waiting_for_their_answers_are_as_many_as_the_client_keeps() {
    let mut w = registered();
    let body = records(3);
    let mut buf = [0u8; 1152];
    for t in 1..=4u64 {
        w.client
            .send_records(at(t), ContentFormat::SENML_JSON, &body)
            .unwrap();
        let (_, n) = w.client.poll_transmit(at(t), &mut buf).unwrap();
        let m = Message::parse_udp(&buf[..n]).unwrap();
        let ack = Builder::<1>::udp(Type::Acknowledgement, Code::EMPTY, m.message_id().unwrap());
        let mut out = [0u8; 16];
        let k = ack.encode(&mut out).unwrap();
        w.client
            .handle(at(t), SERVER, &out[..k], &mut w.pump)
            .unwrap();
    }
    // All four acknowledged (none holds the client back), yet a fifth has no place to be
    // remembered, and its answer would reach nobody: refused.
    assert!(matches!(
        w.client
            .send_records(at(5), ContentFormat::SENML_JSON, &body),
        Err(m2m_lwm2m::server::SessionError::Coap(
            m2m_coap::endpoint::EndpointError::Busy
        ))
    ));
}

/// A Send goes to a registration, and not when the server's account mutes it (Mute Send,
/// /1/0/23, read after a request to the Server object).
#[test]
fn a_send_needs_a_registration_and_no_mute() {
    use m2m_lwm2m::server::SessionError;
    let body = records(1);
    let mut w = World::new();
    assert_eq!(
        w.client
            .send_records(at(0), ContentFormat::SENML_JSON, &body),
        Err(SessionError::UnknownRegistration)
    );
    w.pump.mute_send = Some(true);
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    assert_eq!(
        w.client
            .send_records(at(1), ContentFormat::SENML_JSON, &body),
        Err(SessionError::Muted)
    );
    // The server unmutes it: a Write it cannot make here stands for it, the tree changed.
    w.pump.mute_send = Some(false);
    let read = ClientRequest::Read {
        path: Path::instance(1, 0),
        accept: None,
    };
    assert_eq!(w.ask(at(2), read).0, Code::CONTENT);
    assert!(
        w.client
            .send_records(at(3), ContentFormat::SENML_JSON, &body)
            .is_ok()
    );
}
