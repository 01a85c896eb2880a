//! Answers larger than a message, in blocks (RFC 7959 §2.4, §2.6): the client cuts them, the
//! server asks for the rest with `send_block`.

use m2m_coap::block::{Assembler, BlockError, Progress};

use crate::world::*;

/// A Timezone (/3/0/15) long enough that /3/0 takes three blocks of 1024 in every format.
fn long_label() -> String {
    (0..2500u32)
        .map(|i| char::from(b'a' + u8::try_from(i % 26).unwrap()))
        .collect()
}

fn registered() -> World {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    w.pump.label = long_label();
    w
}

/// `/3/0` in `format`, written at once from the tree.
fn whole(w: &World, format: ContentFormat) -> Vec<u8> {
    let path = Path::instance(3, 0);
    let mut records = RecordBuf::<'_, 32>::new();
    w.pump.read(&path, &mut records).unwrap();
    let mut out = vec![0u8; 8192];
    let n = body::encode(format, &path, records.as_slice(), &mut out).unwrap();
    out.truncate(n);
    out
}

/// Sends `req` for `block` (the first time without Block2 when `None`): the answer and its
/// block options.
fn ask_block(w: &mut World, req: &ClientRequest<'_>, block: Option<Block>) -> (Seen, BlockOptions) {
    let id = w.server.find("pump-1").unwrap().id;
    match block {
        None => w.server.send(at(1), id, req).unwrap(),
        Some(b) => w.server.send_block(at(1), id, req, b).unwrap(),
    };
    w.pump(at(1));
    (w.responses.pop().unwrap(), w.blocks.pop().unwrap())
}

/// Takes one answer into `a`.
fn take(
    a: &mut Assembler<'_>,
    seen: &Seen,
    options: &BlockOptions,
) -> Result<Progress, BlockError> {
    let (Some(Ok(b)), etag, _) = options else {
        panic!("no Block2: {options:?}");
    };
    a.push(*b, &seen.2, etag.as_deref())
}

#[test]
fn a_read_larger_than_a_message_comes_in_blocks_and_reads_back_whole() {
    let mut w = registered();
    for format in [
        ContentFormat::LWM2M_TLV,
        ContentFormat::SENML_JSON,
        ContentFormat::SENML_CBOR,
        ContentFormat::LWM2M_CBOR,
        ContentFormat::LWM2M_JSON,
    ] {
        let expected = whole(&w, format);
        assert!(expected.len() > 2048, "{format:?}: {}", expected.len());
        let read = ClientRequest::Read {
            path: Path::instance(3, 0),
            accept: Some(format),
        };
        // The first answer is block 0 of the client's largest size, with the whole size.
        let (seen, options) = ask_block(&mut w, &read, None);
        assert_eq!((seen.0, seen.1), (Code::CONTENT, Some(format)));
        let (Some(Ok(first)), Some(etag), size2) = &options else {
            panic!("{options:?}");
        };
        assert_eq!((first.num, first.more, first.szx), (0, true, 6));
        assert_eq!(*size2, Some(u32::try_from(expected.len()).unwrap()));
        assert_eq!(etag.len(), 4);
        let mut buf = vec![0u8; 8192];
        let mut a = Assembler::new(&mut buf);
        let mut next = take(&mut a, &seen, &options).unwrap();
        let mut asked = 1;
        while let Progress::More(b) = next {
            let (seen, options) = ask_block(&mut w, &read, Some(b));
            assert_eq!((seen.0, seen.1), (Code::CONTENT, Some(format)));
            assert_eq!(options.1.as_ref(), Some(etag), "one ETag for every block");
            // Size2 comes with the first block only, unless asked for.
            assert_eq!(options.2, None);
            next = take(&mut a, &seen, &options).unwrap();
            asked += 1;
        }
        assert_eq!(next, Progress::Done(expected.len()));
        assert_eq!(asked, expected.len().div_ceil(1024));
        assert_eq!(a.body(), &expected[..], "{format:?}");
    }
}

#[test]
fn smaller_blocks_when_asked_and_a_block_past_the_end_is_a_bad_option() {
    let mut w = registered();
    let read = ClientRequest::Read {
        path: Path::instance(3, 0),
        accept: Some(ContentFormat::SENML_CBOR),
    };
    let expected = whole(&w, ContentFormat::SENML_CBOR);
    let mut buf = vec![0u8; 8192];
    let mut a = Assembler::new(&mut buf);
    // Blocks of 64 from the start (a server with small buffers asks so, §2.4).
    let mut block = Block {
        num: 0,
        more: false,
        szx: 2,
    };
    loop {
        let (seen, options) = ask_block(&mut w, &read, Some(block));
        let Some(Ok(b)) = options.0 else {
            panic!("{options:?}");
        };
        assert_eq!(b.szx, 2);
        assert!(seen.2.len() <= 64);
        match take(&mut a, &seen, &options).unwrap() {
            Progress::More(n) => block = n,
            Progress::Done(n) => {
                assert_eq!(n, expected.len());
                break;
            }
            Progress::Repeat => panic!("a repeat"),
        }
    }
    assert_eq!(a.body(), &expected[..]);
    // The block just past the end, and one far beyond it.
    let end = u32::try_from(expected.len().div_ceil(64)).unwrap();
    for num in [end, 1 << 19] {
        let past = Block {
            num,
            more: false,
            szx: 2,
        };
        let (seen, options) = ask_block(&mut w, &read, Some(past));
        assert_eq!(seen.0, Code::BAD_OPTION, "block {num}");
        assert_eq!(options, (None, None, None));
        assert!(seen.2.is_empty());
    }
    // SZX 7 is reserved outside BERT (RFC 7959 §2.2): 4.00.
    let bert = Block {
        num: 0,
        more: false,
        szx: 7,
    };
    assert_eq!(ask_block(&mut w, &read, Some(bert)).0.0, Code::BAD_REQUEST);
    // A body that fits, asked for as block 0: the whole of it, as the last block.
    let small = ClientRequest::Read {
        path: Path::resource(3, 0, 0),
        accept: Some(ContentFormat::TEXT_PLAIN),
    };
    let (seen, options) = ask_block(&mut w, &small, Some(Block { szx: 6, ..bert }));
    assert_eq!(seen.2, b"m2m");
    let Some(Ok(b)) = options.0 else {
        panic!("{options:?}");
    };
    assert_eq!((b.num, b.more), (0, false));
    // Without Block2 it is answered as before: no block options at all.
    let (seen, options) = ask_block(&mut w, &small, None);
    assert_eq!(
        (seen.2.as_slice(), options),
        (&b"m2m"[..], (None, None, None))
    );
}

#[test]
fn a_value_that_changes_between_blocks_changes_the_etag() {
    let mut w = registered();
    let read = ClientRequest::Read {
        path: Path::instance(3, 0),
        accept: Some(ContentFormat::LWM2M_TLV),
    };
    let mut buf = vec![0u8; 8192];
    let mut a = Assembler::new(&mut buf);
    let (seen, options) = ask_block(&mut w, &read, None);
    let Progress::More(next) = take(&mut a, &seen, &options).unwrap() else {
        panic!("one block");
    };
    w.pump.label.replace_range(0..1, "Z");
    let (seen, later) = ask_block(&mut w, &read, Some(next));
    assert_ne!(later.1, options.1);
    assert_eq!(take(&mut a, &seen, &later), Err(BlockError::ETagChanged));
}

#[test]
fn an_observation_of_a_large_value_answers_and_notifies_with_the_first_block() {
    let mut w = registered();
    let observe = ClientRequest::Observe {
        path: Path::instance(3, 0),
        accept: Some(ContentFormat::SENML_JSON),
    };
    let expected = whole(&w, ContentFormat::SENML_JSON);
    let (seen, options) = ask_block(&mut w, &observe, None);
    assert_eq!(seen.0, Code::CONTENT);
    assert!(seen.3.is_some(), "the answer carries Observe");
    let (Some(Ok(first)), Some(_), Some(_)) = options else {
        panic!("{options:?}");
    };
    assert!(first.more);
    assert_eq!(w.client.observations(), 1);
    // The rest is read with GET and no Observe: the observation stays as it was.
    let mut buf = vec![0u8; 8192];
    let mut a = Assembler::new(&mut buf);
    let mut next = take(&mut a, &seen, &options).unwrap();
    while let Progress::More(b) = next {
        let (seen, options) = ask_block(&mut w, &observe, Some(b));
        assert_eq!(seen.3, None, "a block read, not a notification");
        next = take(&mut a, &seen, &options).unwrap();
    }
    assert_eq!(a.body(), &expected[..]);
    assert_eq!(w.client.observations(), 1);
    // A notification of the large value is its first block too (RFC 7959 §2.6).
    let id = w.server.find("pump-1").unwrap().id;
    let attrs = ClientRequest::WriteAttributes {
        path: Path::instance(3, 0),
        update: Update::parse(["pmax=5"]).unwrap(),
    };
    w.server.send(at(2), id, &attrs).unwrap();
    w.pump(at(2));
    w.client.handle_timeout(at(8), &w.pump).unwrap();
    w.pump(at(8));
    let note = w.responses.last().unwrap();
    let options = w.blocks.last().unwrap();
    assert!(note.3.is_some(), "a notification: {note:?}");
    let (Some(Ok(b)), Some(_), Some(size)) = options else {
        panic!("{options:?}");
    };
    assert_eq!((b.num, b.more, b.szx), (0, true, 6));
    assert_eq!(*size, u32::try_from(expected.len()).unwrap());
    assert_eq!(note.2, expected[..1024]);
}

#[test]
fn a_register_or_update_with_more_links_than_a_message_goes_in_blocks() {
    let mut w = World::new();
    // 80 more links of 11 or 12 bytes: some 950 bytes, two blocks of 512.
    w.pump.sensors = 80;
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    assert_eq!(
        w.events,
        [
            "registered pump-1 lt=Some(60) links=85",
            "client Registered"
        ]
    );
    assert_eq!(w.block1_sent, 2, "two blocks of 512");
    // An Update with the links, after instances went.
    w.events.clear();
    w.pump.sensors = 60;
    w.client.update_objects(at(1), &w.pump).unwrap();
    w.pump(at(1));
    assert_eq!(w.events, ["updated links=65", "client Updated"]);
    // Longer still, past the server's room (4096 bytes): refused, 4.13.
    w.events.clear();
    w.pump.sensors = 500;
    w.client.update_objects(at(2), &w.pump).unwrap();
    w.pump(at(2));
    assert!(
        w.events.iter().any(|e| e.starts_with("Refused")),
        "{:?}",
        w.events
    );
    assert_eq!(
        w.refusals,
        [(Code::REQUEST_ENTITY_TOO_LARGE, Some(4096))],
        "refused at the first block that no longer fits"
    );
}

/// A GET of /3/0 in TLV straight to the client, with `observe` and `block`: its answer.
fn raw_get(
    w: &mut World,
    now: Timestamp,
    mid: u16,
    token: &[u8],
    observe: Option<u32>,
    block: Block,
) -> Vec<u8> {
    use m2m_coap::{Builder, OptionNumber, Type};
    let mut b = Builder::<8>::udp(Type::Confirmable, Code::GET, mid);
    b.token(token);
    if let Some(o) = observe {
        b.uint(OptionNumber::OBSERVE, o).unwrap();
    }
    b.str(OptionNumber::URI_PATH, "3").unwrap();
    b.str(OptionNumber::URI_PATH, "0").unwrap();
    b.uint(OptionNumber::ACCEPT, 11542).unwrap();
    b.uint(OptionNumber::BLOCK2, block.to_uint()).unwrap();
    let mut buf = [0u8; 1152];
    let n = b.encode(&mut buf).unwrap();
    let datagram = buf[..n].to_vec();
    w.client
        .handle(now, SERVER, &datagram, &mut w.pump)
        .unwrap();
    let (_, n) = w.client.poll_transmit(now, &mut buf).unwrap();
    buf[..n].to_vec()
}

#[test]
fn notifications_keep_to_the_block_size_asked_and_a_later_block_observes_nothing() {
    let mut w = registered();
    let id = w.server.find("pump-1").unwrap().id;
    let attrs = ClientRequest::WriteAttributes {
        path: Path::instance(3, 0),
        update: Update::parse(["pmax=5"]).unwrap(),
    };
    w.server.send(at(1), id, &attrs).unwrap();
    w.pump(at(1));
    let expected = whole(&w, ContentFormat::LWM2M_TLV);
    // An Observe that asks for blocks of 64 (SZX 2).
    let small = Block {
        num: 0,
        more: false,
        szx: 2,
    };
    let answer = raw_get(&mut w, at(1), 0x100, &[9, 9], Some(0), small);
    let m = m2m_coap::Message::parse_udp(&answer).unwrap();
    assert_eq!((m.code(), m.observe().is_some()), (Code::CONTENT, true));
    let b = m.block2().unwrap().unwrap();
    assert_eq!((b.num, b.more, b.szx), (0, true, 2));
    assert_eq!(m.payload(), &expected[..64]);
    assert_eq!(w.client.observations(), 1);
    // Its later block asked with Observe still set: read, and observed no more than before.
    let later = Block { num: 1, ..small };
    let answer = raw_get(&mut w, at(1), 0x101, &[9, 10], Some(0), later);
    let m = m2m_coap::Message::parse_udp(&answer).unwrap();
    assert_eq!((m.code(), m.observe()), (Code::CONTENT, None));
    assert_eq!(m.block2().unwrap().unwrap().num, 1);
    assert_eq!(m.payload(), &expected[64..128]);
    assert_eq!(w.client.observations(), 1);
    // The notification at pmax: its first block of 64 too.
    w.client.handle_timeout(at(7), &w.pump).unwrap();
    let mut buf = [0u8; 1152];
    let (_, n) = w.client.poll_transmit(at(7), &mut buf).unwrap();
    let m = m2m_coap::Message::parse_udp(&buf[..n]).unwrap();
    assert_eq!((m.token(), m.observe().is_some()), (&[9u8, 9][..], true));
    let b = m.block2().unwrap().unwrap();
    assert_eq!((b.num, b.more, b.szx), (0, true, 2));
    assert_eq!(m.payload(), &expected[..64]);
}

#[test]
fn a_tree_without_write_block_refuses_a_write_in_blocks() {
    use m2m_coap::{Builder, OptionNumber, Type};
    let mut w = registered();
    let before = w.pump.label.clone();
    for (num, more) in [(0u32, true), (1, false)] {
        let mut b = Builder::<6>::udp(
            Type::Confirmable,
            Code::PUT,
            0x300 + u16::try_from(num).unwrap(),
        );
        b.token(&[4, 4]);
        b.str(OptionNumber::URI_PATH, "3").unwrap();
        b.str(OptionNumber::URI_PATH, "0").unwrap();
        b.str(OptionNumber::URI_PATH, "15").unwrap();
        b.uint(OptionNumber::CONTENT_FORMAT, 0).unwrap();
        b.uint(OptionNumber::BLOCK1, Block { num, more, szx: 2 }.to_uint())
            .unwrap();
        b.payload(&[b'w'; 64]);
        let mut buf = [0u8; 256];
        let n = b.encode(&mut buf).unwrap();
        let datagram = buf[..n].to_vec();
        w.client
            .handle(at(1), SERVER, &datagram, &mut w.pump)
            .unwrap();
        let (_, n) = w.client.poll_transmit(at(1), &mut buf).unwrap();
        let m = m2m_coap::Message::parse_udp(&buf[..n]).unwrap();
        // The first block gets the tree's 4.13; a later one belongs to no transfer, 4.08.
        let expected = if num == 0 {
            Code::REQUEST_ENTITY_TOO_LARGE
        } else {
            Code::REQUEST_ENTITY_INCOMPLETE
        };
        assert_eq!(m.code(), expected, "block {num}");
    }
    assert_eq!(w.pump.label, before, "no block written as the whole value");
}
