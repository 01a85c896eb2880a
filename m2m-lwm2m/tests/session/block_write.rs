//! A Write whose value comes in Block1 blocks (RFC 7959 §2.5): the client hands the tree the
//! value a piece at a time, answering 2.31 Continue to every block before the last.

use std::sync::atomic::{AtomicU16, Ordering};

use m2m_coap::{Builder, Message, OptionNumber, Type};
use m2m_lwm2m::client::{ClientEvent, Piece};

use crate::world::*;

/// A tree that takes firmware: every piece it is given, and the value put together.
#[derive(Default)]
struct Flasher {
    /// Each piece: path, offset, length, last, size, format.
    pieces: Vec<(String, usize, usize, bool, Option<usize>, ContentFormat)>,
    value: Vec<u8>,
    /// Refuses the piece at this offset with 5.00 (a flash that fails).
    fail_at: Option<usize>,
}

impl ObjectTree for Flasher {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        f(ObjectLink::path(Path::instance(5, 0)));
    }

    fn read<'s>(&'s self, _path: &Path<'_>, _out: &mut RecordBuf<'s>) -> Result<(), Code> {
        Err(Code::NOT_FOUND)
    }

    fn write_block(&mut self, path: &Path<'_>, piece: Piece<'_>) -> Result<(), Code> {
        if self.fail_at == Some(piece.offset) {
            return Err(Code::INTERNAL_SERVER_ERROR);
        }
        if piece.offset == 0 {
            self.value.clear();
        }
        assert_eq!(piece.offset, self.value.len(), "pieces in order");
        self.value.extend_from_slice(piece.bytes);
        self.pieces.push((
            path.to_string(),
            piece.offset,
            piece.bytes.len(),
            piece.last,
            piece.size,
            piece.format,
        ));
        Ok(())
    }
}

fn registered() -> World {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    w
}

/// The firmware: `n` bytes that differ from block to block.
fn firmware(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| u8::try_from((i * 7 + i / 251) % 256).unwrap())
        .collect()
}

/// What the client answered: code, Block1 (if any).
type Reply = (Code, Option<Block>);

/// The next message id: each request a new one, so that none is taken for a duplicate.
fn next_mid() -> u16 {
    static MID: AtomicU16 = AtomicU16::new(0x500);
    MID.fetch_add(1, Ordering::Relaxed)
}

/// Puts block `block` of `body` (blocks of its SZX) to `path` in `format`, under a new message
/// id, Size1 with the first block when `size1`.
#[allow(clippy::too_many_arguments)]
fn put_block(
    w: &mut World,
    tree: &mut Flasher,
    now: Timestamp,
    path: &[&str],
    format: ContentFormat,
    body: &[u8],
    block: Block,
    size1: bool,
) -> Reply {
    let size = block.size();
    let start = (block.num as usize * size).min(body.len());
    let end = (start + size).min(body.len());
    let mid = next_mid();
    let token = mid.to_be_bytes();
    let mut b = Builder::<8>::udp(Type::Confirmable, Code::PUT, mid);
    b.token(&token);
    for s in path {
        b.str(OptionNumber::URI_PATH, s).unwrap();
    }
    b.uint(OptionNumber::CONTENT_FORMAT, u32::from(format.0))
        .unwrap();
    b.uint(OptionNumber::BLOCK1, block.to_uint()).unwrap();
    if size1 {
        b.uint(OptionNumber::SIZE1, u32::try_from(body.len()).unwrap())
            .unwrap();
    }
    b.payload(&body[start..end]);
    let mut buf = [0u8; 1200];
    let n = b.encode(&mut buf).unwrap();
    let datagram = buf[..n].to_vec();
    w.client.handle(now, SERVER, &datagram, tree).unwrap();
    let (_, n) = w.client.poll_transmit(now, &mut buf).unwrap();
    let m = Message::parse_udp(&buf[..n]).unwrap();
    assert_eq!(m.message_id(), Some(mid));
    (m.code(), m.block1().map(Result::unwrap))
}

/// Puts all of `body` in blocks of `szx`: every answer.
fn put_all(
    w: &mut World,
    tree: &mut Flasher,
    path: &[&str],
    format: ContentFormat,
    body: &[u8],
    szx: u8,
) -> Vec<Reply> {
    let size = 16usize << szx;
    let blocks = body.len().div_ceil(size);
    (0..blocks)
        .map(|num| {
            let block = Block {
                num: u32::try_from(num).unwrap(),
                more: num + 1 < blocks,
                szx,
            };
            put_block(w, tree, at(1), path, format, body, block, num == 0)
        })
        .collect()
}

fn block(num: u32, more: bool, szx: u8) -> Option<Block> {
    Some(Block { num, more, szx })
}

fn events(w: &mut World) -> Vec<ClientEvent> {
    std::iter::from_fn(|| w.client.poll_event()).collect()
}

const PACKAGE: [&str; 3] = ["5", "0", "0"];

#[test]
fn a_firmware_package_in_blocks_goes_to_the_tree_piece_by_piece() {
    let mut w = registered();
    let mut tree = Flasher::default();
    let fw = firmware(3000);
    let replies = put_all(
        &mut w,
        &mut tree,
        &PACKAGE,
        ContentFormat::OCTET_STREAM,
        &fw,
        6,
    );
    // 2.31 Continue with the block echoed, M set, then 2.04 with the last block (§2.3).
    assert_eq!(
        replies,
        [
            (Code::CONTINUE, block(0, true, 6)),
            (Code::CONTINUE, block(1, true, 6)),
            (Code::CHANGED, block(2, false, 6)),
        ]
    );
    assert_eq!(tree.value, fw);
    let size = Some(3000);
    let f = ContentFormat::OCTET_STREAM;
    assert_eq!(
        tree.pieces,
        [
            ("/5/0/0".into(), 0, 1024, false, size, f),
            ("/5/0/0".into(), 1024, 1024, false, size, f),
            ("/5/0/0".into(), 2048, 952, true, size, f),
        ]
    );
    assert!(events(&mut w).is_empty());
}

/// A TLV Resource header for resource 0 with a 24-bit length.
fn tlv_header(len: usize) -> Vec<u8> {
    let l = u32::try_from(len).unwrap().to_be_bytes();
    vec![0b1101_1000, 0, l[1], l[2], l[3]]
}

#[test]
fn a_tlv_package_gives_the_tree_the_value_without_its_header() {
    let mut w = registered();
    let mut tree = Flasher::default();
    let fw = firmware(2000);
    let mut body = tlv_header(fw.len());
    body.extend_from_slice(&fw);
    let replies = put_all(
        &mut w,
        &mut tree,
        &PACKAGE,
        ContentFormat::LWM2M_TLV,
        &body,
        5,
    );
    assert_eq!(replies.len(), 4);
    assert_eq!(replies[3], (Code::CHANGED, block(3, false, 5)));
    assert_eq!(tree.value, fw);
    // The header's five bytes are not the value's: the first piece is 507 bytes.
    let offsets: Vec<_> = tree.pieces.iter().map(|p| (p.1, p.2, p.3, p.4)).collect();
    assert_eq!(
        offsets,
        [
            (0, 507, false, Some(2000)),
            (507, 512, false, Some(2000)),
            (1019, 512, false, Some(2000)),
            (1531, 469, true, Some(2000))
        ]
    );

    // A header that says more than the body holds: the last block is 4.00, the tree never
    // gets a last piece, and the application hears the value is lost.
    let mut short = tlv_header(fw.len() + 1);
    short.extend_from_slice(&fw);
    let mut tree = Flasher::default();
    let replies = put_all(
        &mut w,
        &mut tree,
        &PACKAGE,
        ContentFormat::LWM2M_TLV,
        &short,
        5,
    );
    assert_eq!(replies[3].0, Code::BAD_REQUEST);
    assert!(tree.pieces.iter().all(|p| !p.3));
    assert_eq!(
        events(&mut w),
        [ClientEvent::BlockWriteAbandoned(Path::resource(5, 0, 0))]
    );

    // One that says less: the block that passes its end is 4.00.
    let mut long = tlv_header(600);
    long.extend_from_slice(&fw);
    let mut tree = Flasher::default();
    let replies = put_all(
        &mut w,
        &mut tree,
        &PACKAGE,
        ContentFormat::LWM2M_TLV,
        &long,
        5,
    );
    assert_eq!(replies[0].0, Code::CONTINUE);
    assert_eq!(replies[1].0, Code::BAD_REQUEST);
    assert_eq!(
        events(&mut w),
        [ClientEvent::BlockWriteAbandoned(Path::resource(5, 0, 0))]
    );
    // The rest come to no transfer.
    assert_eq!(replies[2].0, Code::REQUEST_ENTITY_INCOMPLETE);
    assert_eq!(tree.value.len(), 507);

    // A TLV of another resource, or of several: refused at the first block.
    for head in [
        vec![0b1101_1000, 1, 0, 0x07, 0xd0],
        vec![0b1001_1000, 0, 0, 0x07, 0xd0],
    ] {
        let mut other = head;
        other.extend_from_slice(&fw);
        let mut tree = Flasher::default();
        let r = put_all(
            &mut w,
            &mut tree,
            &PACKAGE,
            ContentFormat::LWM2M_TLV,
            &other,
            5,
        );
        assert_eq!(r[0].0, Code::BAD_REQUEST);
        assert!(tree.pieces.is_empty());
    }
}

#[test]
fn a_repeated_block_is_answered_again_and_a_gap_is_incomplete() {
    let mut w = registered();
    let mut tree = Flasher::default();
    let fw = firmware(2000);
    let f = ContentFormat::OCTET_STREAM;
    let b0 = Block {
        num: 0,
        more: true,
        szx: 4,
    };
    let b1 = Block { num: 1, ..b0 };
    let b3 = Block { num: 3, ..b0 };
    let one = |w: &mut World, tree: &mut Flasher, _step: u8, b| {
        put_block(w, tree, at(1), &PACKAGE, f, &fw, b, false)
    };
    assert_eq!(one(&mut w, &mut tree, 1, b0).0, Code::CONTINUE);
    assert_eq!(one(&mut w, &mut tree, 2, b1), (Code::CONTINUE, Some(b1)));
    // Block 1 again under a new message id: the same answer, its bytes not taken twice.
    assert_eq!(one(&mut w, &mut tree, 3, b1), (Code::CONTINUE, Some(b1)));
    assert_eq!(tree.value.len(), 512);
    assert!(events(&mut w).is_empty());
    // Block 3 with block 2 missing: 4.08, and the transfer is over.
    assert_eq!(
        one(&mut w, &mut tree, 4, b3).0,
        Code::REQUEST_ENTITY_INCOMPLETE
    );
    assert_eq!(
        events(&mut w),
        [ClientEvent::BlockWriteAbandoned(Path::resource(5, 0, 0))]
    );
    let b2 = Block { num: 2, ..b0 };
    assert_eq!(
        one(&mut w, &mut tree, 5, b2).0,
        Code::REQUEST_ENTITY_INCOMPLETE
    );
    assert!(events(&mut w).is_empty(), "no transfer left to lose");

    // Block 0 in the middle of a transfer starts the value again: the tree hears it from
    // offset 0, and no event comes after that piece to undo it.
    assert_eq!(one(&mut w, &mut tree, 6, b0).0, Code::CONTINUE);
    assert_eq!(one(&mut w, &mut tree, 7, b1).0, Code::CONTINUE);
    assert_eq!(one(&mut w, &mut tree, 8, b0).0, Code::CONTINUE);
    assert!(events(&mut w).is_empty());
    assert_eq!(tree.value, fw[..256]);
}

#[test]
fn other_requests_in_blocks_leave_the_transfer_under_way_alone() {
    let mut w = registered();
    let mut tree = Flasher::default();
    let fw = firmware(2000);
    let f = ContentFormat::OCTET_STREAM;
    let b0 = Block {
        num: 0,
        more: true,
        szx: 4,
    };
    let b1 = Block { num: 1, ..b0 };
    let b2 = Block { num: 2, ..b0 };
    let put = |w: &mut World, tree: &mut Flasher, path: &[&str], format, b| {
        put_block(w, tree, at(1), path, format, &fw, b, false).0
    };
    assert_eq!(put(&mut w, &mut tree, &PACKAGE, f, b0), Code::CONTINUE);
    // A first block that is refused (a read-only resource; one behind a gateway prefix), and
    // a later block of no transfer (another resource's): refused alone.
    assert_eq!(
        put(
            &mut w,
            &mut tree,
            &["3", "0", "0"],
            ContentFormat::TEXT_PLAIN,
            b0
        ),
        Code::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        put(&mut w, &mut tree, &["dev1", "5", "0", "0"], f, b0),
        Code::REQUEST_ENTITY_TOO_LARGE
    );
    assert_eq!(
        put(
            &mut w,
            &mut tree,
            &["5", "0", "1"],
            ContentFormat::TEXT_PLAIN,
            b1
        ),
        Code::REQUEST_ENTITY_INCOMPLETE
    );
    assert!(events(&mut w).is_empty());
    // The transfer goes on.
    assert_eq!(put(&mut w, &mut tree, &PACKAGE, f, b1), Code::CONTINUE);
    assert_eq!(tree.value, fw[..512]);
    // A first block of another resource that is taken ends it.
    assert_eq!(
        put(
            &mut w,
            &mut tree,
            &["5", "0", "1"],
            ContentFormat::TEXT_PLAIN,
            b0
        ),
        Code::CONTINUE
    );
    assert_eq!(
        events(&mut w),
        [ClientEvent::BlockWriteAbandoned(Path::resource(5, 0, 0))]
    );
    assert_eq!(
        put(&mut w, &mut tree, &PACKAGE, f, b2),
        Code::REQUEST_ENTITY_INCOMPLETE
    );
    // SZX 7 (BERT) in a Block1 over UDP: 4.00 (RFC 7959 §2.2).
    let bert = Block { szx: 7, ..b0 };
    assert_eq!(put(&mut w, &mut tree, &PACKAGE, f, bert), Code::BAD_REQUEST);
}

#[test]
fn a_transfer_without_blocks_for_the_exchange_lifetime_is_abandoned() {
    let mut w = World::new();
    // No registration, so no Update: the transfer's is the only deadline.
    w.client = Client::new(
        SERVER,
        Settings {
            lifetime: 0,
            ..Settings::new("flash-1")
        },
        9,
    );
    let mut tree = Flasher::default();
    let fw = firmware(1000);
    let b0 = Block {
        num: 0,
        more: true,
        szx: 4,
    };
    let f = ContentFormat::OCTET_STREAM;
    assert_eq!(
        put_block(&mut w, &mut tree, at(10), &PACKAGE, f, &fw, b0, false).0,
        Code::CONTINUE
    );
    // The next timeout is 247 s after the block.
    assert_eq!(w.client.poll_timeout(at(10)), Some(at(257)));
    w.client.handle_timeout(at(256), &w.pump).unwrap();
    assert!(events(&mut w).is_empty());
    w.client.handle_timeout(at(257), &w.pump).unwrap();
    assert_eq!(
        events(&mut w),
        [ClientEvent::BlockWriteAbandoned(Path::resource(5, 0, 0))]
    );
    let b1 = Block { num: 1, ..b0 };
    assert_eq!(
        put_block(&mut w, &mut tree, at(258), &PACKAGE, f, &fw, b1, false).0,
        Code::REQUEST_ENTITY_INCOMPLETE
    );
}

#[test]
fn what_cannot_come_in_blocks_is_refused_at_the_first() {
    let mut w = registered();
    let fw = firmware(100);
    let b0 = Block {
        num: 0,
        more: true,
        szx: 2,
    };
    let cases: [(&[&str], ContentFormat, Code); 7] = [
        // Manufacturer is read-only.
        (
            &["3", "0", "0"],
            ContentFormat::TEXT_PLAIN,
            Code::METHOD_NOT_ALLOWED,
        ),
        // Available Power Sources is a multiple resource.
        (
            &["3", "0", "6"],
            ContentFormat::LWM2M_TLV,
            Code::REQUEST_ENTITY_TOO_LARGE,
        ),
        // An Opaque resource in text (base64) and a String one in opaque.
        (
            &["5", "0", "0"],
            ContentFormat::TEXT_PLAIN,
            Code::REQUEST_ENTITY_TOO_LARGE,
        ),
        (
            &["5", "0", "1"],
            ContentFormat::OCTET_STREAM,
            Code::REQUEST_ENTITY_TOO_LARGE,
        ),
        // A format of records, and an instance.
        (
            &["5", "0", "0"],
            ContentFormat::SENML_CBOR,
            Code::REQUEST_ENTITY_TOO_LARGE,
        ),
        (
            &["5", "0"],
            ContentFormat::LWM2M_TLV,
            Code::REQUEST_ENTITY_TOO_LARGE,
        ),
        // The Security object is the bootstrap server's.
        (
            &["0", "0", "3"],
            ContentFormat::OCTET_STREAM,
            Code::UNAUTHORIZED,
        ),
    ];
    for (path, format, code) in cases {
        let mut tree = Flasher::default();
        let r = put_block(&mut w, &mut tree, at(1), path, format, &fw, b0, false);
        assert_eq!(r.0, code, "{path:?} {format:?}");
        assert!(tree.pieces.is_empty());
    }
    // A block before the last shorter than its size: 4.00 (RFC 7959 §2.2).
    let mut tree = Flasher::default();
    let short = put_block(
        &mut w,
        &mut tree,
        at(1),
        &PACKAGE,
        ContentFormat::OCTET_STREAM,
        &fw[..40],
        b0,
        false,
    );
    assert_eq!(short.0, Code::BAD_REQUEST);
    // A String resource in text may come in blocks: the Package URI.
    let uri = b"coap://example.org/firmware/".repeat(4);
    let r = put_all(
        &mut w,
        &mut tree,
        &["5", "0", "1"],
        ContentFormat::TEXT_PLAIN,
        &uri,
        2,
    );
    assert_eq!(r.last().unwrap().0, Code::CHANGED);
    assert_eq!(tree.value, uri);
    assert!(events(&mut w).is_empty());
}

#[test]
fn a_tree_that_refuses_a_piece_ends_the_transfer_with_its_code() {
    let mut w = registered();
    let mut tree = Flasher {
        fail_at: Some(512),
        ..Flasher::default()
    };
    let fw = firmware(2000);
    let r = put_all(
        &mut w,
        &mut tree,
        &PACKAGE,
        ContentFormat::OCTET_STREAM,
        &fw,
        5,
    );
    assert_eq!(r[0].0, Code::CONTINUE);
    assert_eq!(r[1].0, Code::INTERNAL_SERVER_ERROR);
    assert_eq!(r[2].0, Code::REQUEST_ENTITY_INCOMPLETE);
    // The tree said no itself: no event.
    assert!(events(&mut w).is_empty());
    // A tree without write_block (the pump) refuses every value in blocks: 4.13.
    let mut b = Builder::<6>::udp(Type::Confirmable, Code::PUT, 77);
    b.token(&[7]);
    for s in PACKAGE {
        b.str(OptionNumber::URI_PATH, s).unwrap();
    }
    b.uint(OptionNumber::CONTENT_FORMAT, 42).unwrap();
    b.uint(
        OptionNumber::BLOCK1,
        Block {
            num: 0,
            more: true,
            szx: 0,
        }
        .to_uint(),
    )
    .unwrap();
    b.payload(&fw[..16]);
    let mut buf = [0u8; 128];
    let n = b.encode(&mut buf).unwrap();
    let d = buf[..n].to_vec();
    w.client.handle(at(2), SERVER, &d, &mut w.pump).unwrap();
    let (_, n) = w.client.poll_transmit(at(2), &mut buf).unwrap();
    assert_eq!(
        Message::parse_udp(&buf[..n]).unwrap().code(),
        Code::REQUEST_ENTITY_TOO_LARGE
    );
}

/// What the client answered a block: code, Block1, Size1.
type Full = (Code, Option<Block>, Option<u32>);

/// Puts `body` to `path` (PUT, or POST when `post`) in `format`, in blocks of `szx`, to a
/// client that serves the pump, lending it `upload` when given: every answer.
fn put_to_pump(
    w: &mut World,
    upload: Option<&mut m2m_lwm2m::upload::Upload<u8, 4096>>,
    path: &[&str],
    format: ContentFormat,
    body: &[u8],
    szx: u8,
) -> Vec<Full> {
    put_first_blocks(w, upload, path, format, body, szx, usize::MAX)
}

/// [`put_to_pump`] of the first `count` blocks of `body` alone.
fn put_first_blocks(
    w: &mut World,
    upload: Option<&mut m2m_lwm2m::upload::Upload<u8, 4096>>,
    path: &[&str],
    format: ContentFormat,
    body: &[u8],
    szx: u8,
    count: usize,
) -> Vec<Full> {
    let mut upload = upload;
    let size = 16usize << szx;
    let blocks = body.len().div_ceil(size);
    let mut replies = Vec::new();
    for num in 0..blocks.min(count) {
        let mid = next_mid();
        let token = mid.to_be_bytes();
        let mut b = Builder::<8>::udp(Type::Confirmable, Code::PUT, mid);
        b.token(&token);
        for s in path {
            b.str(OptionNumber::URI_PATH, s).unwrap();
        }
        b.uint(OptionNumber::CONTENT_FORMAT, u32::from(format.0))
            .unwrap();
        let block = Block {
            num: u32::try_from(num).unwrap(),
            more: num + 1 < blocks,
            szx,
        };
        b.uint(OptionNumber::BLOCK1, block.to_uint()).unwrap();
        b.payload(&body[num * size..((num + 1) * size).min(body.len())]);
        let mut buf = [0u8; 1200];
        let n = b.encode(&mut buf).unwrap();
        let d = buf[..n].to_vec();
        match upload.as_deref_mut() {
            Some(u) => w
                .client
                .handle_with(at(1), SERVER, &d, &mut w.pump, u)
                .unwrap(),
            None => w.client.handle(at(1), SERVER, &d, &mut w.pump).unwrap(),
        }
        let (_, n) = w.client.poll_transmit(at(1), &mut buf).unwrap();
        let m = Message::parse_udp(&buf[..n]).unwrap();
        replies.push((m.code(), m.block1().map(Result::unwrap), m.size1()));
    }
    replies
}

/// /3/0 in TLV with a Timezone of `n` letters.
fn device_with_zone(n: usize) -> (String, Vec<u8>) {
    let zone: String = (0..n)
        .map(|i| char::from(b'a' + u8::try_from(i % 26).unwrap()))
        .collect();
    let records = [Record::new(
        Path::resource(3, 0, 15),
        Value::Str(Text::Plain(&zone)),
    )];
    let mut out = vec![0u8; 8192];
    let k = body::encode(
        ContentFormat::LWM2M_TLV,
        &Path::instance(3, 0),
        &records,
        &mut out,
    )
    .unwrap();
    out.truncate(k);
    (zone, out)
}

#[test]
fn a_write_of_an_instance_in_blocks_is_put_together_in_the_room_lent() {
    let mut w = registered();
    let (zone, body) = device_with_zone(3000);
    let mut upload = Box::<m2m_lwm2m::upload::Upload<u8, 4096>>::default();
    let r = put_to_pump(
        &mut w,
        Some(&mut upload),
        &["3", "0"],
        ContentFormat::LWM2M_TLV,
        &body,
        6,
    );
    // 2.31 with the block to each before the last; the Write's 2.04 with the last's Block1.
    assert_eq!(r.len(), 3);
    assert_eq!(r[0], (Code::CONTINUE, block(0, true, 6), None));
    assert_eq!(r[1], (Code::CONTINUE, block(1, true, 6), None));
    assert_eq!(r[2], (Code::CHANGED, block(2, false, 6), None));
    assert_eq!(w.pump.label, zone);

    // Without room: 4.13 at once, with Size1 what one message takes (RFC 7959 §2.9.3).
    let mut w = registered();
    let before = w.pump.label.clone();
    let r = put_to_pump(
        &mut w,
        None,
        &["3", "0"],
        ContentFormat::LWM2M_TLV,
        &body,
        6,
    );
    assert_eq!(r[0], (Code::REQUEST_ENTITY_TOO_LARGE, None, Some(1088)));
    assert_eq!(w.pump.label, before);

    // Larger than the room: 4.13 with Size1 the room, nothing written.
    let (_, huge) = device_with_zone(5000);
    let mut w = registered();
    let mut upload = Box::<m2m_lwm2m::upload::Upload<u8, 4096>>::default();
    let r = put_to_pump(
        &mut w,
        Some(&mut upload),
        &["3", "0"],
        ContentFormat::LWM2M_TLV,
        &huge,
        6,
    );
    assert_eq!(r[4].0, Code::REQUEST_ENTITY_TOO_LARGE);
    assert_eq!(r[4].2, Some(4096));
    assert_eq!(w.pump.label, before);
}

#[test]
fn a_value_the_tree_takes_no_pieces_of_is_put_together_and_written_whole() {
    let mut w = registered();
    let zone: String = "Europe/Zurich ".repeat(100);
    let mut upload = Box::<m2m_lwm2m::upload::Upload<u8, 4096>>::default();
    let r = put_to_pump(
        &mut w,
        Some(&mut upload),
        &["3", "0", "15"],
        ContentFormat::TEXT_PLAIN,
        zone.as_bytes(),
        5,
    );
    assert_eq!(r.last().unwrap().0, Code::CHANGED);
    assert!(r[..r.len() - 1].iter().all(|x| x.0 == Code::CONTINUE));
    assert_eq!(w.pump.label, zone);
    // The checks still come first: the Security object is the bootstrap server's (4.01),
    // whole instance or one resource, at the first block.
    for path in [&["0", "1"][..], &["0", "1", "3"][..]] {
        let r = put_to_pump(
            &mut w,
            Some(&mut upload),
            path,
            ContentFormat::LWM2M_TLV,
            zone.as_bytes(),
            5,
        );
        assert_eq!(r[0].0, Code::UNAUTHORIZED, "{path:?}");
    }
    // A read-only resource is 4.05 at its first block.
    let r = put_to_pump(
        &mut w,
        Some(&mut upload),
        &["3", "0", "0"],
        ContentFormat::TEXT_PLAIN,
        zone.as_bytes(),
        5,
    );
    assert_eq!(r[0].0, Code::METHOD_NOT_ALLOWED);
}

#[test]
fn a_first_block_takes_the_room_from_a_body_the_server_gave_up() {
    let mut w = registered();
    let (zone, body) = device_with_zone(3000);
    let mut upload = Box::<m2m_lwm2m::upload::Upload<u8, 4096>>::default();
    // Two blocks of a Write of /3/0, then nothing more of it.
    let first = put_first_blocks(
        &mut w,
        Some(&mut upload),
        &["3", "0"],
        ContentFormat::LWM2M_TLV,
        &body,
        6,
        2,
    );
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|r| r.0 == Code::CONTINUE), "{first:?}");
    // Another body at once (a Write of the Timezone alone, in text): not 5.03, it is taken.
    let r = put_to_pump(
        &mut w,
        Some(&mut upload),
        &["3", "0", "15"],
        ContentFormat::TEXT_PLAIN,
        zone.as_bytes(),
        6,
    );
    assert_eq!(r.last().unwrap().0, Code::CHANGED, "{r:?}");
    assert_eq!(w.pump.label, zone);
}
