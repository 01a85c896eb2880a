use m2m_core::{Needed, Status};

use super::super::checksum::*;
use super::super::*;
use super::*;
use crate::function::FunctionCode;
use crate::pdu::{PduLen, Request, Response};
use m2m_core::Framing as _;

#[test]
fn crc_check_value() {
    // CRC-16/MODBUS catalogue check value.
    assert_eq!(crc16(b"123456789"), 0x4B37);
    // Serial Line guide §6.2.2 example frame 02 07 -> CRC 0x1241, sent 41 12.
    assert_eq!(crc16(&[0x02, 0x07]), 0x1241);
}

/// A server on a silent line gives up a head that waits for bytes, without losing a frame
/// that starts inside it.
#[test]
fn an_idle_line_gives_up_what_waits_for_bytes() {
    let f = Framing::requests();
    let good = {
        let mut v = std::vec![0x11, 0x03, 0x00, 0x6b, 0x00, 0x03];
        v.extend_from_slice(&crc16(&v).to_le_bytes());
        v
    };
    // Noise that hunts for a CRC (unknown function 0x41), then a good request.
    let mut line = std::vec![0x01, 0x41];
    line.extend_from_slice(&good);
    assert_eq!(f.frame_len(&line), Ok(Status::Partial(Needed::Unknown)));
    let mut rest = &line[..];
    let mut skipped = 0;
    let n = loop {
        match f.frame_len_idle(rest) {
            Ok(Status::Complete(n)) => break n,
            Err(e) => {
                // The head first (`Truncated`: it would hunt on), then ordinary noise.
                if skipped == 0 {
                    assert!(matches!(e.error, Error::Truncated { .. }), "{e:?}");
                }
                skipped += e.skip_len();
                rest = &rest[e.skip_len()..];
            }
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(skipped, 2);
    assert_eq!(&rest[..n], &good[..]);
    // A frame cut short by the silence is dropped; the next one is read.
    let cut = &good[..5];
    let e = f.frame_len_idle(cut).unwrap_err();
    assert!(e.skip_len() >= 1 && e.skip_len() <= cut.len());
    assert_eq!(f.frame_len_idle(&good), Ok(Status::Complete(good.len())));
    assert_eq!(
        f.frame_len_idle(&[]),
        Ok(Status::Partial(Needed::new(MIN_ADU)))
    );
}

/// No server answers a broadcast: a response from address 0 is refused by strict decoding
/// and framing (so idle 0x00 bytes are noise to a client), read under `LENIENT`; a request
/// to address 0 is a broadcast.
#[test]
fn responses_from_address_0_are_refused_unless_lenient() {
    let frame = |address: u8, pdu: &[u8]| {
        let mut v = std::vec![address];
        v.extend_from_slice(pdu);
        v.extend_from_slice(&crc16(&v).to_le_bytes());
        v
    };
    let echo = frame(0, &[0x06, 0x00, 0x01, 0x00, 0x03]);
    assert_eq!(
        Adu::<Response<'_>>::parse(&echo),
        Err(Error::Address { address: 0 })
    );
    let e = Framing::responses().frame_len(&echo).unwrap_err();
    assert_eq!(e.error, Error::Address { address: 0 });
    // Skipped up to the last byte: 06 00, 00 01, 01 00, 00 03 and the CRC's bytes start
    // nothing either.
    assert_eq!(e.skip_len(), 7);
    let lenient = Framing::responses().with_config(Config::LENIENT);
    assert_eq!(lenient.frame_len(&echo), Ok(Status::Complete(8)));
    assert!(Adu::<Response<'_>>::parse_with(&echo, &Config::LENIENT).is_ok());
    let broadcast = Adu::<Request<'_>>::parse(&echo).unwrap();
    assert!(!broadcast.expects_response());
    assert_eq!(
        Framing::requests().frame_len(&echo),
        Ok(Status::Complete(8))
    );
    // The same over ASCII.
    let mut scratch = [0u8; 255];
    let text = b":000600010003F6\r\n";
    assert_eq!(
        crate::ascii::Adu::<Response<'_>>::parse(text, &mut scratch),
        Err(Error::Address { address: 0 })
    );
    assert!(crate::ascii::Adu::<Request<'_>>::parse(text, &mut scratch).is_ok());
    // A response found after a run of 0x00 idle bytes.
    let mut line = std::vec![0u8; 5];
    let good = frame(1, &[0x06, 0x00, 0x01, 0x00, 0x03]);
    line.extend_from_slice(&good);
    let found = Framing::responses().find::<Response<'_>>(&line).unwrap();
    let Status::Complete(found) = found else {
        panic!("{found:?}")
    };
    assert_eq!(found.consumed, line.len());
    assert_eq!(found.noise, Some(Error::Address { address: 0 }));
    // An answer from address 0 past the head, whole and with its CRC right, is noise to
    // `find` as to `decode`, up to the next frame.
    let mut line = std::vec![0xFF];
    line.extend_from_slice(&echo);
    line.extend_from_slice(&good);
    // (The echo's last CRC byte and the good frame's address read as an FC01 answer of
    // 11 bytes: it must all be there to be refused.)
    line.extend_from_slice(&[0xFF; 4]);
    let Status::Complete(found) = Framing::responses().find::<Response<'_>>(&line).unwrap() else {
        panic!()
    };
    assert_eq!((found.skipped, found.consumed), (9, 17));
    assert_eq!(found.noise, Some(Error::Address { address: 0xFF }));
    let mut at = 0;
    while let Err(e) = Framing::responses().decode::<Response<'_>>(&line[at..]) {
        at += e.skip_len();
    }
    assert_eq!(at, 9);
    // Cut short, it is not a frame that may still be arriving either.
    let cut = &line[..6];
    assert_eq!(
        Framing::responses()
            .find::<Response<'_>>(cut)
            .unwrap_err()
            .skip_len(),
        Framing::responses().frame_len(cut).unwrap_err().skip_len()
    );
}

/// The CRC hunt does not stop inside the bytes that showed the layout to be open: a 4-byte
/// prefix of an MEI 0x0D request whose CRC happens to match is not a frame.
#[test]
fn the_crc_hunt_starts_past_the_layout_bytes() {
    // EC 2B 0D 6F: bytes 2-3 are the CRC of EC 2B.
    assert_eq!(crc16(&[0xEC, 0x2B]).to_le_bytes(), [0x0D, 0x6F]);
    let f = Framing::requests();
    let mut frame = std::vec![0xEC, 0x2B, 0x0D, 0x6F, 0x01, 0x02];
    let crc = crc16(&frame).to_le_bytes();
    frame.extend_from_slice(&crc);
    assert_eq!(f.frame_len(&frame), Ok(Status::Complete(frame.len())));
    for end in 0..frame.len() {
        assert!(f.frame_len(&frame[..end]).unwrap().is_partial(), "{end}");
    }
    let adu = Adu::<Request<'_>>::parse(&frame).unwrap();
    assert_eq!(adu.pdu.buffer_len(), 5);
    assert_eq!(open_layout_min_adu(&[0x41]), MIN_ADU);
    assert_eq!(open_layout_min_adu(&[0x2B, 0x0D]), 5);
    assert_eq!(open_layout_min_adu(&[0x08, 0x00, 0x00]), 6);
}

/// A length that only grows (device-id objects, a custom hook answering "at least") is
/// refused once it passes the largest frame, rather than buffered without end.
#[test]
fn lengths_past_the_largest_frame_are_refused_not_buffered() {
    // 2B/0E response whose first object is 250 bytes long: 259 bytes of PDU at least.
    let mut buf = std::vec![0x01, 0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 0xFA];
    let f = Framing::responses();
    // Before the object length arrives, it could still be a frame.
    assert!(f.frame_len(&buf[..9]).unwrap().is_partial());
    buf.resize(300, 0);
    for end in 10..=buf.len() {
        let e = f.frame_len(&buf[..end]).unwrap_err();
        assert_eq!(e.error, Error::PduTooLong { len: 259 }, "{end}");
    }
    // 255 objects of 255 bytes: refused at the second object, not after 65 kB.
    let buf = [
        0x01, 0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00,
    ];
    assert!(f.frame_len(&buf).is_err());
    // The largest device-id response that fits still frames: 253 bytes of PDU.
    let mut pdu = std::vec![0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 244];
    pdu.resize(253, b'x');
    let mut frame = std::vec![0x01];
    frame.extend_from_slice(&pdu);
    let crc = crc16(&frame).to_le_bytes();
    frame.extend_from_slice(&crc);
    for end in 0..frame.len() {
        assert!(f.frame_len(&frame[..end]).unwrap().is_partial(), "{end}");
    }
    assert_eq!(f.frame_len(&frame), Ok(Status::Complete(256)));
    // A custom hook that always wants more.
    fn greedy(_: Direction, pdu: &[u8]) -> Option<PduLen> {
        Some(PduLen::AtLeast(pdu.len().saturating_add(1)))
    }
    let f = Framing::responses().with_custom(greedy);
    let mut buf = std::vec![0x01, 0x41];
    while f.frame_len(&buf).is_ok_and(|s| s.is_partial()) {
        assert!(
            buf.len() <= MAX_ADU,
            "still buffering at {} bytes",
            buf.len()
        );
        buf.push(0);
    }
    assert!(f.frame_len(&buf).is_err());
}

/// The quick layouts judge every head exactly as the general checks do: for each framing,
/// function byte and byte count, on noise, on short buffers and on frames whose CRC is right.
#[test]
fn quick_layouts_agree_with_the_general_checks() {
    let framings = [
        Framing::responses(),
        Framing::requests(),
        Framing::responses().with_config(Config::LENIENT),
        Framing::responses().with_unknown(UnknownFunctions::Hunt),
    ];
    let mut seed = 0x2545_F491_u32;
    let mut noise = [0u8; 300];
    let mut quick = 0usize;
    for framing in framings {
        let heads = framing.heads();
        for fc in 0..=255u8 {
            for b in noise.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                *b = seed.to_le_bytes()[0];
            }
            for count in 0..=255u8 {
                let address = if count % 7 == 0 {
                    0xF8 | (count >> 5)
                } else {
                    0x11
                };
                noise[..3].copy_from_slice(&[address, fc, count]);
                let mut bufs = std::vec![noise.to_vec()];
                let quick_len = quick_layout(framing.direction, fc).frame_len(count);
                assert_eq!(quick_frame_len(framing.direction, fc, count), quick_len);
                if let Some(total) = quick_len {
                    quick += 1;
                    let mut good = noise.to_vec();
                    if let Some(body) = total.checked_sub(2) {
                        let crc = crc16(&good[..body]);
                        good[body..total].copy_from_slice(&crc.to_le_bytes());
                    }
                    bufs.push(good[..total].to_vec());
                    bufs.push(good[..total - 1].to_vec());
                    bufs.push(good);
                }
                for len in 3..8 {
                    bufs.push(noise[..len].to_vec());
                }
                for buf in &bufs {
                    assert_eq!(
                        framing.judge(buf, &heads, true),
                        framing.judge(buf, &heads, false),
                        "{framing:?} {:02x?}",
                        &buf[..buf.len().min(8)]
                    );
                }
            }
        }
    }
    // The quick path was taken (responses: 01-04, 17, 0C, 11 counts; fixed and exceptions).
    assert!(quick > 4 * 256 * 8, "{quick}");
}

#[test]
fn function_bytes_that_may_start_a_frame() {
    let allowed = |f: Framing| {
        let heads = f.heads();
        (0..=255u8)
            .filter(|&fc| heads.may_start(1, fc))
            .collect::<std::vec::Vec<u8>>()
    };
    let public: std::vec::Vec<u8> = (1..0x80u8)
        .filter(|&c| FunctionCode::from_u8(c).is_some_and(FunctionCode::is_public))
        .collect();
    let with_exceptions = |codes: &[u8]| -> std::vec::Vec<u8> {
        [
            codes,
            &codes
                .iter()
                .map(|c| c | 0x80)
                .collect::<std::vec::Vec<u8>>(),
        ]
        .concat()
    };
    assert_eq!(
        allowed(Framing::requests()),
        (1..0x80).collect::<std::vec::Vec<u8>>()
    );
    assert_eq!(allowed(Framing::responses()), with_exceptions(&public));
    let mut lenient = [&[0x80u8][..], &with_exceptions(&public)].concat();
    lenient.sort_unstable();
    let mut got = allowed(Framing::responses().with_config(Config::LENIENT));
    got.sort_unstable();
    assert_eq!(got, lenient);
    let any: std::vec::Vec<u8> = (1..0x80).collect();
    assert_eq!(
        allowed(Framing::responses().with_unknown(UnknownFunctions::Hunt)),
        with_exceptions(&any)
    );
    // Addresses: 1..=247 strict, all of them lenient.
    let heads = Framing::responses().heads();
    assert!(heads.may_start(247, 3) && !heads.may_start(248, 3));
    let heads = Framing::responses().with_config(Config::LENIENT).heads();
    assert!(heads.may_start(255, 3));
}

#[test]
fn crc_blocks_and_tail_agree_with_the_crate() {
    let reference = crc::Crc::<u16, crc::NoTable>::new(&crc::CRC_16_MODBUS);
    let mut seed = 0x9E37_79B9_u32;
    let bytes: std::vec::Vec<u8> = (0..300)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed.to_le_bytes()[0]
        })
        .collect();
    for n in 0..=bytes.len() {
        let want = reference.checksum(&bytes[..n]);
        assert_eq!(crc16(&bytes[..n]), want, "{n} bytes");
        assert_eq!(crc16_body(&bytes[..n]), want, "{n} bytes, as a frame body");
        let mut frame = bytes[..n].to_vec();
        frame.extend_from_slice(&want.to_le_bytes());
        assert!(crc_matches(&frame) && crc_ok(&frame).is_ok(), "{n} bytes");
        frame[n / 2] ^= 0x10;
        assert!(!crc_matches(&frame) && crc_ok(&frame).is_err(), "{n} bytes");
    }
    assert!(!crc_matches(&[0x01]) && crc_ok(&[0x01]).is_err());
}

static REQ: [u8; 8] = [0x11, 0x03, 0x00, 0x6b, 0x00, 0x03, 0x76, 0x87];

#[test]
fn parse_encode_and_broadcast() {
    let adu = Adu::<Request<'_>>::parse(&REQ).unwrap();
    assert_eq!(adu.address, 0x11);
    assert!(adu.expects_response());
    let mut out = [0u8; 8];
    assert_eq!(adu.encode(&mut out), Ok(8));
    assert_eq!(out, REQ);
    let mut bad = REQ;
    bad[7] ^= 1;
    assert!(matches!(
        Adu::<Request<'_>>::parse(&bad),
        Err(Error::Crc { .. })
    ));
    let b = Adu {
        address: 0,
        pdu: Request::WriteSingleRegister {
            address: 1,
            value: 2,
        },
    };
    assert!(!b.expects_response());
}

#[test]
fn framing_exact_and_resync() {
    let f = Framing::requests();
    for end in 0..REQ.len() {
        assert!(
            f.frame_len(&REQ[..end]).unwrap().is_partial(),
            "prefix {end}"
        );
    }
    assert_eq!(f.frame_len(&REQ), Ok(Status::Complete(8)));
    // Garbage byte first: drop one and find the frame.
    let mut noisy = [0u8; 9];
    noisy[0] = 0x11;
    noisy[1..].copy_from_slice(&REQ);
    // 0x11 0x11 is address 17 with function 0x11 (a whole frame would be 4 bytes, CRC wrong),
    // so exactly one byte is dropped before the good frame.
    let e = f.frame_len(&noisy).unwrap_err();
    assert_eq!(e.skip_len(), 1);
    assert_eq!(f.frame_len(&noisy[1..]), Ok(Status::Complete(8)));
    // Reserved address.
    assert!(f.frame_len(&[0xf8, 0x03]).is_err());
    assert!(
        f.with_config(Config::LENIENT)
            .frame_len(&[0xf8, 0x03])
            .unwrap()
            .is_partial()
    );
}

/// One frame in 256 has a CRC whose high byte is 0x00; the CRC hunt of an open layout cuts it
/// one byte short (the register after the low CRC byte is the high byte), as it must to answer
/// the same however the bytes arrive. Read whole, every such frame decodes with all its data.
#[test]
fn a_hunted_crc_ending_in_zero_is_cut_short_in_a_stream_but_read_whole() {
    let mut seen = 0;
    for data in 0..=u16::MAX {
        // Diagnostics, Return Query Data: its data runs to the CRC (open layout).
        let mut frame = std::vec![0x01u8, 0x08, 0x00, 0x00];
        frame.extend_from_slice(&data.to_be_bytes());
        let crc = crc16(&frame);
        if crc >> 8 != 0 {
            continue;
        }
        frame.extend_from_slice(&crc.to_le_bytes());
        seen += 1;
        let n = frame.len();
        let f = Framing::requests();
        // Cut at n - 1, or sooner should the data happen to be the CRC of the head.
        let cut = f.frame_len(&frame);
        assert!(matches!(cut, Ok(Status::Complete(k)) if k < n), "{cut:?}");
        assert_eq!(f.frame_len(&frame[..n - 1]), cut);
        // At the silence after it, all of it.
        assert!(f.framed_by_crc(&frame));
        assert_eq!(f.frame_len_at_silence(&frame), Ok(Status::Complete(n)));
        let adu = Adu::<Request<'_>>::parse(&frame).unwrap();
        let Request::Diagnostics { data: d, .. } = adu.pdu else {
            panic!("{:?}", adu.pdu);
        };
        assert_eq!(d.as_bytes(), &data.to_be_bytes()[..]);
    }
    assert!(seen > 200, "{seen}");
    // A layout of known length is not framed by its CRC: a zero after it stays behind.
    let mut read = std::vec![0x01u8, 0x03, 0x00, 0x00, 0x00, 0x01];
    let crc = crc16(&read);
    read.extend_from_slice(&crc.to_le_bytes());
    read.push(0);
    let f = Framing::requests();
    assert!(!f.framed_by_crc(&read));
    assert_eq!(f.frame_len_at_silence(&read), Ok(Status::Complete(8)));
}

#[test]
fn unknown_lengths_hunt_the_crc() {
    // User-defined FC 0x41 with three data bytes.
    let mut frame = [0x01, 0x41, 0xaa, 0xbb, 0xcc, 0, 0];
    let crc = crc16(&frame[..5]);
    frame[5..].copy_from_slice(&crc.to_le_bytes());
    let f = Framing::responses().with_unknown(UnknownFunctions::Hunt);
    assert_eq!(f.frame_len(&frame), Ok(Status::Complete(7)));
    assert_eq!(
        f.frame_len(&frame[..6]),
        Ok(Status::Partial(Needed::Unknown))
    );
    let adu = Adu::<Response<'_>>::parse(&frame).unwrap();
    assert!(matches!(adu.pdu, Response::Raw { code: 0x41, .. }));
    // A client's default framing treats an unknown function as noise; a server's hunts.
    assert!(Framing::responses().frame_len(&frame).is_err());
    assert_eq!(
        Framing::requests().frame_len(&frame),
        Ok(Status::Complete(7))
    );
    // With a custom length the framing knows without hunting.
    let custom = Framing::responses()
        .with_custom(|_, pdu| (pdu.first() == Some(&0x41)).then_some(PduLen::Exact(4)));
    assert_eq!(
        custom.frame_len(&frame[..3]),
        Ok(Status::Partial(Needed::new(4)))
    );
    assert_eq!(custom.frame_len(&frame), Ok(Status::Complete(7)));
}

#[test]
fn a_run_of_noise_is_dropped_in_one_step() {
    // Reserved addresses and a 0x00 function code cannot start a frame; the good frame can.
    let mut noisy = std::vec![0xff, 0xfe, 0x01, 0x00, 0xf9];
    noisy.extend_from_slice(&REQ);
    let f = Framing::requests();
    let e = f.frame_len(&noisy).unwrap_err();
    assert_eq!(e.skip_len(), 5);
    assert_eq!(f.frame_len(&noisy[5..]), Ok(Status::Complete(8)));
    // The last byte could be an address whose frame has not arrived: it is kept.
    let e = f.frame_len(&[0xff, 0xff, 0x11]).unwrap_err();
    assert_eq!(e.skip_len(), 2);
}

fn with_crc(body: &[u8]) -> std::vec::Vec<u8> {
    let mut v = body.to_vec();
    v.extend_from_slice(&crc16(body).to_le_bytes());
    v
}

#[test]
fn find_passes_over_noise_and_says_how_much() {
    let f = Framing::requests();
    // Frame at the head: nothing skipped.
    let found = f.find::<Request<'_>>(&REQ).unwrap().complete().unwrap();
    assert_eq!((found.skipped, found.consumed, found.noise), (0, 8, None));
    // 0x11 0x11 is a 4-byte candidate whose CRC fails, 0xff a reserved address.
    let mut noisy = std::vec![0xff, 0x11];
    noisy.extend_from_slice(&REQ);
    noisy.extend_from_slice(&REQ[..3]);
    let found = f.find::<Request<'_>>(&noisy).unwrap().complete().unwrap();
    assert_eq!((found.skipped, found.consumed), (2, 10));
    assert!(matches!(
        found.noise,
        Some(Error::Address { address: 0xff })
    ));
    assert_eq!(found.adu.address, 0x11);
    // What is left is the head of a frame: wait for it.
    assert_eq!(
        f.find::<Request<'_>>(&noisy[10..]),
        Ok(Status::Partial(Needed::new(5)))
    );
    // Noise before a partial frame is dropped first, and nothing else.
    let e = f.find::<Request<'_>>(&[0xff, 0xfe, 0x11]).unwrap_err();
    assert_eq!(e.skip_len(), 2);
    // A frame with a right CRC and a bad PDU is dropped whole, with the noise before it.
    let bad = with_crc(&[0x11, 0x03, 0x00, 0x00, 0x00, 0x00]);
    let mut buf = std::vec![0xff];
    buf.extend_from_slice(&bad);
    let e = f.find::<Request<'_>>(&buf).unwrap_err();
    assert_eq!(e.skip_len(), 9);
    assert!(matches!(e.error, Error::Quantity { .. }));
    // A long run of noise is dropped a bounded piece at a time.
    let e = f.find::<Request<'_>>(&[0xff; 600]).unwrap_err();
    assert_eq!(e.skip_len(), MAX_ADU);
}

#[test]
fn reserved_layouts_are_unknown_functions() {
    // FC 2B with a reserved MEI type, FC 08 with a reserved sub-function: no length from
    // the layout. A client's framing (unknown functions rejected) treats them as noise; a
    // framing that hunts finds them by their CRC.
    for body in [
        &[0x01, 0x2B, 0xC8, 0x01][..],
        &[0x01, 0x08, 0x00, 0x13, 0xAA, 0xBB],
    ] {
        let frame = with_crc(body);
        assert!(
            Framing::responses().frame_len(&frame).is_err(),
            "{body:02x?}"
        );
        let hunt = Framing::responses().with_unknown(UnknownFunctions::Hunt);
        assert_eq!(hunt.frame_len(&frame), Ok(Status::Complete(frame.len())));
    }
    // The defined open layouts are hunted by both: 08/0000 (Return Query Data) and 2B/0D.
    for body in [
        &[0x01, 0x08, 0x00, 0x00, 0x12, 0x34][..],
        &[0x01, 0x2B, 0x0D, 0x07],
    ] {
        let frame = with_crc(body);
        assert_eq!(
            Framing::responses().frame_len(&frame),
            Ok(Status::Complete(frame.len())),
            "{body:02x?}"
        );
    }
}

#[test]
fn decode_checks_the_crc_once_and_skips_bad_pdus_whole() {
    let f = Framing::requests();
    let (adu, n) = f.decode::<Request<'_>>(&REQ).unwrap().complete().unwrap();
    assert_eq!((adu.address, n), (0x11, 8));
    // FC03 for 0 registers, with a right CRC: framed, then refused; skip the whole frame.
    let mut bad = [0x11, 0x03, 0x00, 0x00, 0x00, 0x00, 0, 0];
    let crc = crc16(&bad[..6]);
    bad[6..].copy_from_slice(&crc.to_le_bytes());
    let e = f.decode::<Request<'_>>(&bad).unwrap_err();
    assert_eq!(e.skip_len(), 8);
    assert!(matches!(e.error, Error::Quantity { .. }));
}

/// A client's framing spends no CRC on a file-record response whose first group cannot be
/// right (even length, or a reference type other than 6): such a head is noise, like an odd
/// FC03 byte count. With the values right, the frame is found.
#[test]
fn file_record_responses_need_reference_type_6() {
    let f = Framing::responses();
    let frame = |pdu: &[u8]| {
        let mut v = std::vec![0x11];
        v.extend_from_slice(pdu);
        v.extend_from_slice(&crc16(&v).to_le_bytes());
        v
    };
    // FC14: byte count 4, group length 3, reference type, one register.
    let good14 = frame(&[0x14, 4, 3, 6, 0x12, 0x34]);
    let good15 = frame(&[0x15, 9, 6, 0, 4, 0, 1, 0, 1, 0x12, 0x34]);
    assert_eq!(f.frame_len(&good14), Ok(Status::Complete(good14.len())));
    assert_eq!(f.frame_len(&good15), Ok(Status::Complete(good15.len())));
    for (bad, reference_type) in [
        (frame(&[0x14, 4, 3, 5, 0x12, 0x34]), Some(5)),
        (frame(&[0x14, 4, 2, 6, 0x12, 0x34]), None),
        (frame(&[0x15, 9, 7, 0, 4, 0, 1, 0, 1, 0x12, 0x34]), Some(7)),
    ] {
        // Not framed, not dropped whole: noise up to the next head that may start a frame,
        // for the reason the decoder gives, at its place in the frame.
        let e = f.frame_len(&bad).unwrap_err();
        assert!(e.skip_len() < bad.len(), "{bad:02x?}");
        match reference_type {
            Some(value) => assert_eq!(
                e.error,
                Error::Value {
                    field: "file reference type",
                    value,
                    offset: if bad[1] == 0x14 { 4 } else { 3 },
                }
            ),
            None => assert!(matches!(e.error, Error::ByteCount { .. }), "{e:?}"),
        }
    }
}

/// On a stream without silences the end of a read stands for one: a Return Query Data frame
/// whose CRC ends in 0x00 is read whole when the read ends with it, and cut at the first CRC
/// that checks when a whole frame follows it in the same read.
#[test]
fn at_the_end_of_a_read_a_frame_framed_by_its_crc_is_all_of_it() {
    let f = Framing::responses();
    let frame = (0..=u16::MAX)
        .map(|d| {
            let [hi, lo] = d.to_be_bytes();
            with_crc(&[17, 8, 0, 0, hi, lo])
        })
        .find(|fr| f.frame_len(fr) == Ok(Status::Complete(fr.len() - 1)))
        .unwrap();
    assert_eq!(
        f.frame_len_at_read_end(&frame),
        Ok(Status::Complete(frame.len()))
    );
    let mut two = frame.clone();
    two.extend_from_slice(&with_crc(&[17, 3, 2, 0, 7]));
    assert_eq!(
        f.frame_len_at_read_end(&two),
        Ok(Status::Complete(frame.len() - 1))
    );
    // A frame of a fixed length is cut at its length whatever follows.
    let fixed = with_crc(&[17, 3, 2, 0, 7]);
    let mut more = fixed.clone();
    more.push(0);
    assert_eq!(
        f.frame_len_at_read_end(&more),
        Ok(Status::Complete(fixed.len()))
    );
}

/// A frame framed by its CRC read whole at a silence or a read end has its address judged as
/// `frame_len` judges it: strict, a request to a reserved address (248-255) and a response from
/// address 0 are refused (Serial Line §2.2), whichever way the length was found.
#[test]
fn a_frame_read_whole_keeps_to_the_address_rules() {
    let cases = [
        (Framing::requests(), with_crc(&[248, 8, 0, 0, 0xa5, 0x37])),
        (Framing::responses(), with_crc(&[0, 8, 0, 0, 0xa5, 0x37])),
    ];
    for (f, frame) in cases {
        let refused = Err(Error::Address { address: frame[0] });
        let error = |r: Result<Status<usize>, FrameError>| r.map_err(|e| e.error);
        assert_eq!(error(f.frame_len(&frame)), refused, "{frame:02x?}");
        assert_eq!(error(f.frame_len_at_read_end(&frame)), refused);
        assert_eq!(error(f.frame_len_at_silence(&frame)), refused);
        assert!(f.decode_at_silence::<Request<'_>>(&frame).is_err());
        assert!(f.decode_at_silence::<Response<'_>>(&frame).is_err());
        assert_eq!(f.skip_to_whole_frame(&frame), frame.len());
        // Allowed, the whole frame is one.
        let lenient = f.with_config(Config {
            allow_reserved_address: true,
            ..Config::STRICT
        });
        assert_eq!(
            lenient.frame_len_at_read_end(&frame),
            Ok(Status::Complete(frame.len()))
        );
    }
}

/// On a stream without silences, a head that cannot be completed (a length field promising
/// more than came, a function framed by its CRC whose CRC never checks) holds what follows at
/// a read end (a frame still arriving looks the same), until a quiet time gives it up: then
/// the bytes up to the first whole frame behind it are dropped.
#[test]
fn after_a_quiet_time_a_corrupt_head_gives_way_to_the_frame_behind_it() {
    let f = Framing::requests();
    let good = with_crc(&[1, 3, 0, 0, 0, 1]);
    // A user function code with a bad CRC; FC16 whose byte count was corrupted (04 -> F0).
    let mut fc16 = with_crc(&[1, 0x10, 0, 0, 0, 2, 4, 0, 1, 0, 2]);
    fc16[6] = 0xf0;
    for head in [std::vec![1u8, 0x41, 0, 0, 0, 0, 0, 0], fc16] {
        let mut buf = head.clone();
        buf.extend_from_slice(&good);
        assert!(f.frame_len_at_read_end(&buf).unwrap().is_partial());
        assert_eq!(f.skip_to_whole_frame(&buf), head.len(), "{head:02x?}");
        assert_eq!(
            f.frame_len_at_read_end(&buf[head.len()..]),
            Ok(Status::Complete(good.len()))
        );
    }
    // An FC16 whose register values hold a whole FC06 frame, cut after it by a read end: still
    // a frame arriving, not noise before an FC06.
    let inner = with_crc(&[1, 6, 0, 1, 0, 3]);
    let mut body = std::vec![1u8, 0x10, 0, 0, 0, 4, 8];
    body.extend_from_slice(&inner);
    let fc16 = with_crc(&body);
    assert!(
        f.frame_len_at_read_end(&fc16[..fc16.len() - 2])
            .unwrap()
            .is_partial()
    );
    assert_eq!(
        f.frame_len_at_read_end(&fc16),
        Ok(Status::Complete(fc16.len()))
    );
    // Nothing whole behind the head: all of it goes.
    assert_eq!(f.skip_to_whole_frame(&[1, 0x41, 0, 0]), 4);
}

/// A frame framed by its CRC whose CRC checks nowhere within the longest frame is said to be
/// so (it was a CRC mismatch "0x0000 against 0x0000").
#[test]
fn no_crc_within_the_longest_frame_is_its_own_error() {
    // Requests: an unknown function code is hunted for its CRC.
    let f = Framing::requests();
    // Function 0x41 (framed by its CRC), 254 more bytes, and no CRC that checks early.
    let mut buf = std::vec![1u8, 0x41];
    let mut x = 7u8;
    while buf.len() < MAX_ADU {
        x = x.wrapping_mul(31).wrapping_add(17);
        buf.push(x);
        assert_ne!(crc16(&buf), 0, "no early CRC");
    }
    let e = f.frame_len(&buf).unwrap_err();
    assert_eq!(e.error, Error::NoCrc);
    assert_eq!(
        std::string::ToString::to_string(&e.error),
        "no CRC checks within the longest RTU frame (256 bytes)"
    );
}
