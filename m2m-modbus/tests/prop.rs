//! Properties: encode/decode identity for every request and response, `buffer_len` equals the
//! encoded length, every strict prefix of a valid frame is "need more", a frame followed by junk
//! consumes exactly itself, chunked stream decoding finds every frame once, and arbitrary bytes
//! never panic.
//!
//! The strategies (`strategies/`) live beside the tests rather than in m2m-testkit: the testkit
//! would have to depend on this crate, and a dev-dependency cycle compiles two copies of its
//! types that do not unify.

mod strategies;

use m2m_core::{Framing as _, Status};
use m2m_modbus::pdu::{PduLen, pdu_len, request_len, response_len};
use m2m_modbus::{Direction, Request, Response, ascii, rtu, tcp};
use m2m_testkit::props::{
    check_frame_then_junk, check_needed_not_overestimated, check_prefixes_partial, check_rtu_found,
    chunk_sizes, feed_in_chunks, walk_to_silence,
};
use proptest::collection::vec;
use proptest::prelude::*;
use strategies::{address, bits, request, response, unicast};

/// Frames whose length the layout tells; the others are found by their CRC alone, where a
/// chance CRC match on a prefix (probability 2^-16 per position) is a legitimate answer.
fn layout_known(pdu: &[u8], request: bool) -> bool {
    let len = if request {
        request_len(pdu)
    } else {
        response_len(pdu)
    };
    matches!(len, Ok(PduLen::Exact(_)))
}

/// Noise on a serial line that cannot start a frame: reserved addresses 248..=255.
fn rtu_noise() -> impl Strategy<Value = Vec<u8>> {
    vec(0xF8u8..=0xFF, 0..=6)
}

/// Noise that looks like frames: random bytes, a frame cut short (a head with an address and a
/// function byte that claims a length), or a whole frame with a corrupt CRC. Built from encoded
/// frames `frames` of the other strategies.
fn frame_like_noise(frames: Vec<Vec<u8>>, picks: Vec<(u8, usize, u8)>, random: Vec<u8>) -> Vec<u8> {
    let mut out = random;
    for (kind, at, flip) in picks {
        let Some(frame) = frames.get(at % frames.len().max(1)) else {
            break;
        };
        match kind % 2 {
            0 => out.extend_from_slice(&frame[..2 + at % (frame.len() - 2)]),
            _ => {
                out.extend_from_slice(frame);
                if let Some(last) = out.last_mut() {
                    *last ^= flip.max(1);
                }
            }
        }
    }
    out
}

/// Frames as (offset, length), bytes dropped, bytes left waiting.
type Walk = (Vec<(usize, usize)>, usize, usize);

/// Frames, skipped bytes and leftover of a buffer read with `rtu::Framing::decode` until it asks
/// for more: the reference `find` must agree with. Frames as (offset, length).
fn decode_loop<'a, P: m2m_modbus::pdu::Pdu<'a>>(f: &rtu::Framing, buf: &'a [u8]) -> Walk {
    let (mut pos, mut skipped, mut frames) = (0, 0, Vec::new());
    while pos < buf.len() {
        match f.decode::<P>(&buf[pos..]) {
            Ok(Status::Complete((_, n))) => {
                frames.push((pos, n));
                pos += n;
            }
            Ok(Status::Partial(_)) => break,
            Err(e) => {
                skipped += e.skip_len();
                pos += e.skip_len();
            }
        }
    }
    (frames, skipped, buf.len() - pos)
}

/// The same with `rtu::Framing::find`, checking what each `Found` says of itself.
fn find_loop<'a, P: m2m_modbus::pdu::Pdu<'a>>(
    f: &rtu::Framing,
    buf: &'a [u8],
) -> Result<Walk, TestCaseError> {
    let (mut pos, mut skipped, mut frames) = (0, 0, Vec::new());
    while pos < buf.len() {
        match f.find::<P>(&buf[pos..]) {
            Ok(Status::Complete(found)) => {
                prop_assert!(found.consumed > found.skipped);
                prop_assert_eq!(found.noise.is_some(), found.skipped > 0);
                if found.skipped > 0 {
                    let head = f.decode::<P>(&buf[pos..]).err().map(|e| e.error);
                    prop_assert_eq!(head, found.noise, "the reason given is the head's");
                }
                let n = found.consumed - found.skipped;
                prop_assert_eq!(
                    found.adu.buffer_len(),
                    n,
                    "the frame decoded is the frame consumed"
                );
                frames.push((pos + found.skipped, n));
                skipped += found.skipped;
                pos += found.consumed;
            }
            Ok(Status::Partial(_)) => break,
            Err(e) => {
                prop_assert!(e.skip_len() >= 1);
                skipped += e.skip_len();
                pos += e.skip_len();
            }
        }
    }
    Ok((frames, skipped, buf.len() - pos))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    /// `find` is the loop around `decode` in one call: the same frames at the same offsets, the
    /// same bytes dropped, the same bytes left waiting, on noise of any kind (including noise
    /// that looks like the start of a frame) in both directions.
    #[test]
    fn rtu_find_agrees_with_decode(parts in vec((address(), response(), request(), vec(any::<u8>(), 0..24)), 0..5),
                                   tail in vec(any::<u8>(), 0..12)) {
        let mut rsp_stream = Vec::new();
        let mut req_stream = Vec::new();
        for (addr, rsp, req, noise) in &parts {
            rsp_stream.extend_from_slice(noise);
            rsp_stream.extend(rtu::Adu { address: *addr, pdu: rsp.clone() }.to_vec().unwrap());
            req_stream.extend_from_slice(noise);
            req_stream.extend(rtu::Adu { address: *addr, pdu: req.clone() }.to_vec().unwrap());
        }
        rsp_stream.extend_from_slice(&tail);
        req_stream.extend_from_slice(&tail);
        for f in [rtu::Framing::responses(), rtu::Framing::responses().with_config(m2m_modbus::Config::LENIENT),
                  rtu::Framing::responses().with_unknown(rtu::UnknownFunctions::Hunt)] {
            prop_assert_eq!(find_loop::<Response<'_>>(&f, &rsp_stream)?, decode_loop::<Response<'_>>(&f, &rsp_stream));
        }
        let f = rtu::Framing::requests();
        prop_assert_eq!(find_loop::<Request<'_>>(&f, &req_stream)?, decode_loop::<Request<'_>>(&f, &req_stream));
    }

    #[test]
    fn request_round_trip(req in request()) {
        let bytes = req.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), req.buffer_len());
        prop_assert!(bytes.len() <= 253);
        prop_assert_eq!(Request::parse(&bytes).unwrap(), req);
    }

    #[test]
    fn response_round_trip(rsp in response()) {
        let bytes = rsp.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), rsp.buffer_len());
        prop_assert!(bytes.len() <= 253);
        prop_assert_eq!(Response::parse(&bytes).unwrap(), rsp);
    }

    /// Coils and inputs of any number (1..=2000): the response does not carry the quantity, so
    /// the decoded bits are cut to the request's quantity (`for_quantity`) to give back exactly
    /// what was encoded; the padding bits of the last byte are zero.
    #[test]
    fn bit_responses_round_trip_with_their_quantity(coils in bits(1..=2000), inputs in any::<bool>()) {
        let q = coils.len();
        let rsp = if inputs {
            Response::ReadDiscreteInputs { inputs: coils }
        } else {
            Response::ReadCoils { coils }
        };
        let bytes = rsp.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), 2 + q.div_ceil(8));
        prop_assert_eq!(usize::from(bytes[1]), q.div_ceil(8));
        if q % 8 != 0 {
            prop_assert_eq!(bytes[bytes.len() - 1] >> (q % 8), 0);
        }
        let back = Response::parse(&bytes).unwrap().for_quantity(u16::try_from(q).unwrap()).unwrap();
        prop_assert_eq!(back, rsp);
    }

    /// `LENIENT` TCP framing: valid frames frame as under strict, and an exception frames as 9
    /// bytes whatever its MBAP length says, with every prefix "need more" (never an error, never
    /// more than the frame has left), since the function byte decides.
    #[test]
    fn tcp_lenient_framing(rsp in response(), tid in any::<u16>(), unit in any::<u8>(),
                           fc in 1u8..0x80, code in any::<u8>(), stale in any::<u16>(),
                           junk in vec(any::<u8>(), 0..20)) {
        let f = tcp::Framing::with_config(m2m_modbus::Config::LENIENT);
        let b = tcp::Adu { transaction_id: tid, unit_id: unit, pdu: rsp };
        let bytes = b.to_vec().unwrap();
        check_prefixes_partial(&f, &bytes).map_err(TestCaseError::fail)?;
        check_needed_not_overestimated(&f, &bytes).map_err(TestCaseError::fail)?;
        check_frame_then_junk(&f, &bytes, &junk).map_err(TestCaseError::fail)?;
        let [t0, t1] = tid.to_be_bytes();
        let [l0, l1] = stale.to_be_bytes();
        let exception = [t0, t1, 0, 0, l0, l1, unit, fc | 0x80, code];
        check_prefixes_partial(&f, &exception).map_err(TestCaseError::fail)?;
        check_needed_not_overestimated(&f, &exception).map_err(TestCaseError::fail)?;
        check_frame_then_junk(&f, &exception, &junk).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn tcp_frames(req in request(), rsp in response(), tid in any::<u16>(), unit in any::<u8>(),
                  junk in vec(any::<u8>(), 0..20)) {
        let f = tcp::Framing::new();
        let a = tcp::Adu { transaction_id: tid, unit_id: unit, pdu: req };
        let bytes = a.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), a.buffer_len());
        prop_assert_eq!(tcp::Adu::<Request<'_>>::parse(&bytes).unwrap(), a);
        check_prefixes_partial(&f, &bytes).map_err(TestCaseError::fail)?;
        check_needed_not_overestimated(&f, &bytes).map_err(TestCaseError::fail)?;
        check_frame_then_junk(&f, &bytes, &junk).map_err(TestCaseError::fail)?;
        let b = tcp::Adu { transaction_id: tid, unit_id: unit, pdu: rsp };
        let bytes = b.to_vec().unwrap();
        prop_assert_eq!(tcp::Adu::<Response<'_>>::parse(&bytes).unwrap(), b);
        check_prefixes_partial(&f, &bytes).map_err(TestCaseError::fail)?;
        check_frame_then_junk(&f, &bytes, &junk).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn rtu_frames(req in request(), rsp in response(), addr in address(), rsp_addr in unicast(),
                  junk in vec(any::<u8>(), 0..20)) {
        for (bytes, is_req) in [
            (rtu::Adu { address: addr, pdu: req.clone() }.to_vec().unwrap(), true),
            (rtu::Adu { address: rsp_addr, pdu: rsp.clone() }.to_vec().unwrap(), false),
        ] {
            // Raw responses carry codes a client sent on purpose: it hunts for them.
            let f = if is_req {
                rtu::Framing::requests()
            } else {
                rtu::Framing::responses().with_unknown(rtu::UnknownFunctions::Hunt)
            };
            if is_req {
                prop_assert_eq!(rtu::Adu::<Request<'_>>::parse(&bytes).unwrap().pdu, req.clone());
            } else {
                prop_assert_eq!(rtu::Adu::<Response<'_>>::parse(&bytes).unwrap().pdu, rsp.clone());
            }
            if layout_known(&bytes[1..], is_req) {
                check_prefixes_partial(&f, &bytes).map_err(TestCaseError::fail)?;
                check_needed_not_overestimated(&f, &bytes).map_err(TestCaseError::fail)?;
                check_frame_then_junk(&f, &bytes, &junk).map_err(TestCaseError::fail)?;
            } else {
                // Found by its CRC: the whole frame, unless a prefix matches by chance.
                match f.frame_len(&bytes) {
                    Ok(Status::Complete(n)) => {
                        prop_assert!(n <= bytes.len());
                        prop_assert_eq!(rtu::crc16(&bytes[..n - 2]).to_le_bytes(), [bytes[n - 2], bytes[n - 1]]);
                    }
                    other => prop_assert!(false, "{:?}", other),
                }
            }
        }
    }

    /// ASCII frames both ways: every prefix waits, never asking for more than is left; once
    /// the digits that decide a standard layout are in, the count is exact; junk after a frame
    /// is not taken.
    #[test]
    fn ascii_frames(req in request(), rsp in response(), addr in address(), rsp_addr in unicast(),
                    junk in vec(any::<u8>(), 0..20)) {
        let a = ascii::Adu { address: addr, pdu: req };
        let bytes = a.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), a.buffer_len());
        let mut scratch = [0u8; 255];
        prop_assert_eq!(ascii::Adu::<Request<'_>>::parse(&bytes, &mut scratch).unwrap(), a);
        let b = ascii::Adu { address: rsp_addr, pdu: rsp };
        let rsp_bytes = b.to_vec().unwrap();
        let mut scratch = [0u8; 255];
        prop_assert_eq!(ascii::Adu::<Response<'_>>::parse(&rsp_bytes, &mut scratch).unwrap(), b);
        for (f, bytes, is_req) in [
            (ascii::Framing::new(), &bytes, true),
            (ascii::Framing::requests(), &bytes, true),
            (ascii::Framing::responses(), &rsp_bytes, false),
        ] {
            check_prefixes_partial(&f, bytes).map_err(TestCaseError::fail)?;
            check_needed_not_overestimated(&f, bytes).map_err(TestCaseError::fail)?;
            check_frame_then_junk(&f, bytes, &junk).map_err(TestCaseError::fail)?;
            if f == ascii::Framing::new() {
                continue;
            }
            // Exact as soon as the whole digit pairs in decide the layout (as the same bytes do
            // for RTU), and exactly 1 when only the LF is missing.
            let direction = if is_req { Direction::Request } else { Direction::Response };
            for end in 1..bytes.len() {
                let digits = &bytes[1..end.min(bytes.len() - 2)];
                let pairs = m2m_core::hex::decode(&String::from_utf8_lossy(&digits[..digits.len() & !1])).unwrap();
                let decided = end == bytes.len() - 1
                    || matches!(pdu_len(direction, pairs.get(1..).unwrap_or_default()), Ok(PduLen::Exact(_)));
                if decided {
                    match f.frame_len(&bytes[..end]) {
                        Ok(Status::Partial(n)) => prop_assert_eq!(n.size(), Some(bytes.len() - end), "prefix {}", end),
                        other => prop_assert!(false, "{:?}", other),
                    }
                }
            }
        }
    }

    #[test]
    fn rtu_stream_with_noise_in_chunks(frames in vec((unicast(), response(), rtu_noise()), 1..6),
                                       lead in rtu_noise(), chunks in chunk_sizes()) {
        let mut stream = lead;
        let mut want = Vec::new();
        for (addr, rsp, noise) in &frames {
            let bytes = rtu::Adu { address: *addr, pdu: rsp.clone() }.to_vec().unwrap();
            // A client's default framing receives functions that are public (it hunts for no
            // others): exceptions for user-defined codes are noise to it.
            let public = m2m_modbus::FunctionCode::from_u8(bytes[1] & 0x7F).is_some_and(|f| f.is_public());
            if !layout_known(&bytes[1..], false) || !public { continue; }
            stream.extend_from_slice(&bytes);
            stream.extend_from_slice(noise);
            want.push(bytes);
        }
        let f = rtu::Framing::responses();
        let fed = feed_in_chunks(&f, &stream, &chunks).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&fed.frames, &want);
        let one_shot = feed_in_chunks(&f, &stream, &[]).map_err(TestCaseError::fail)?;
        prop_assert_eq!(fed, one_shot);
    }

    /// Resynchronisation on noise that looks like frames (heads of frames cut short, frames
    /// with a corrupt CRC, random bytes), both directions, each read whole and in chunks: every
    /// frame comes out once, at its place (see `check_rtu_found`: against a bit-by-bit CRC, not
    /// the crate's), and the chunks change nothing.
    #[test]
    fn rtu_streams_with_frame_like_noise(
        requests in vec((address(), request()), 1..5),
        responses in vec((unicast(), response()), 1..5),
        noise_frames in vec((unicast(), request(), response()), 1..4),
        picks in vec(vec((any::<u8>(), any::<usize>(), any::<u8>()), 0..3), 6),
        random in vec(vec(any::<u8>(), 0..6), 6),
        chunks in chunk_sizes(),
    ) {
        let mut junk: Vec<Vec<u8>> = Vec::new();
        for (a, q, r) in &noise_frames {
            junk.push(rtu::Adu { address: *a, pdu: q.clone() }.to_vec().unwrap());
            junk.push(rtu::Adu { address: *a, pdu: r.clone() }.to_vec().unwrap());
        }
        let noise = |i: usize| frame_like_noise(junk.clone(), picks[i].clone(), random[i].clone());
        let req_frames: Vec<Vec<u8>> = requests
            .iter()
            .map(|(a, q)| rtu::Adu { address: *a, pdu: q.clone() }.to_vec().unwrap())
            .filter(|b| layout_known(&b[1..], true))
            .collect();
        let rsp_frames: Vec<Vec<u8>> = responses
            .iter()
            .map(|(a, r)| rtu::Adu { address: *a, pdu: r.clone() }.to_vec().unwrap())
            .filter(|b| {
                layout_known(&b[1..], false)
                    && m2m_modbus::FunctionCode::from_u8(b[1] & 0x7F).is_some_and(|f| f.is_public())
            })
            .collect();
        for (f, frames, requests) in [
            (rtu::Framing::requests(), &req_frames, true),
            (rtu::Framing::responses(), &rsp_frames, false),
        ] {
            let (mut stream, mut real) = (noise(0), Vec::new());
            for (i, frame) in frames.iter().enumerate() {
                real.push((stream.len(), frame.len()));
                stream.extend_from_slice(frame);
                stream.extend_from_slice(&noise(i + 1));
            }
            let found = walk_to_silence(&stream, |b| f.frame_len(b), |b| f.frame_len_idle(b));
            check_rtu_found(&found, &real, &stream).map_err(TestCaseError::fail)?;
            // `find` passes over the same noise to the same frames, dropping the same bytes.
            if requests {
                let by_find = find_loop::<Request<'_>>(&f, &stream)?;
                prop_assert_eq!(by_find, decode_loop::<Request<'_>>(&f, &stream));
            } else {
                let by_find = find_loop::<Response<'_>>(&f, &stream)?;
                prop_assert_eq!(by_find, decode_loop::<Response<'_>>(&f, &stream));
            }
            // In chunks, as one reader on a port gets them: the same frames as all at once.
            let fed = feed_in_chunks(&f, &stream, &chunks).map_err(TestCaseError::fail)?;
            let one_shot = feed_in_chunks(&f, &stream, &[]).map_err(TestCaseError::fail)?;
            prop_assert_eq!(&fed, &one_shot);
            // All at once, the frames up to where a head is still waiting at the end.
            let whole: Vec<Vec<u8>> = found
                .iter()
                .take(one_shot.frames.len())
                .map(|&(o, n)| stream[o..o + n].to_vec())
                .collect();
            prop_assert_eq!(&one_shot.frames, &whole);
        }
    }

    #[test]
    fn tcp_stream_in_chunks(requests in vec((any::<u16>(), request()), 1..6),
                            responses in vec((any::<u16>(), response()), 1..6),
                            chunks in chunk_sizes()) {
        let requests: Vec<Vec<u8>> = requests
            .into_iter()
            .map(|(tid, pdu)| tcp::Adu { transaction_id: tid, unit_id: 1, pdu }.to_vec().unwrap())
            .collect();
        let responses: Vec<Vec<u8>> = responses
            .into_iter()
            .map(|(tid, pdu)| tcp::Adu { transaction_id: tid, unit_id: 1, pdu }.to_vec().unwrap())
            .collect();
        for want in [requests, responses] {
            let stream = want.concat();
            let fed = feed_in_chunks(&tcp::Framing::new(), &stream, &chunks).map_err(TestCaseError::fail)?;
            prop_assert_eq!(fed.frames, want);
            prop_assert_eq!(fed.leftover, 0);
        }
    }

    #[test]
    fn ascii_stream_with_noise_in_chunks(frames in vec((address(), request(), vec(any::<u8>().prop_filter("no ':'", |b| *b != b':'), 0..8)), 1..5),
                                         answers in vec((unicast(), response(), vec(any::<u8>().prop_filter("no ':'", |b| *b != b':'), 0..8)), 1..5),
                                         chunks in chunk_sizes()) {
        let mut stream = Vec::new();
        let mut want = Vec::new();
        for (addr, req, noise) in frames {
            let bytes = ascii::Adu { address: addr, pdu: req }.to_vec().unwrap();
            stream.extend_from_slice(&bytes);
            stream.extend_from_slice(&noise);
            want.push(bytes);
        }
        let fed = feed_in_chunks(&ascii::Framing::requests(), &stream, &chunks).map_err(TestCaseError::fail)?;
        prop_assert_eq!(fed.frames, want);
        let (mut stream, mut want) = (Vec::new(), Vec::new());
        for (addr, rsp, noise) in answers {
            let bytes = ascii::Adu { address: addr, pdu: rsp }.to_vec().unwrap();
            stream.extend_from_slice(&bytes);
            stream.extend_from_slice(&noise);
            want.push(bytes);
        }
        for f in [ascii::Framing::responses(), ascii::Framing::new()] {
            let fed = feed_in_chunks(&f, &stream, &chunks).map_err(TestCaseError::fail)?;
            prop_assert_eq!(&fed.frames, &want);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..300)) {
        let _ = Request::parse(&bytes);
        let _ = Response::parse(&bytes);
        let _ = Request::parse_with(&bytes, &m2m_modbus::Config::LENIENT);
        let _ = Response::parse_with(&bytes, &m2m_modbus::Config::LENIENT);
        let _ = tcp::Adu::<Request<'_>>::parse(&bytes);
        let _ = tcp::Adu::<Response<'_>>::parse(&bytes);
        let _ = rtu::Adu::<Request<'_>>::parse(&bytes);
        let _ = rtu::Adu::<Response<'_>>::parse(&bytes);
        let mut s = [0u8; 255];
        let _ = ascii::Adu::<Request<'_>>::parse(&bytes, &mut s);
        let _ = tcp::Framing::new().frame_len(&bytes);
        let _ = rtu::Framing::requests().frame_len(&bytes);
        let _ = rtu::Framing::responses().frame_len(&bytes);
        let _ = ascii::Framing::requests().frame_len(&bytes);
        let _ = request_len(&bytes);
        let _ = response_len(&bytes);
    }

    /// Parse, emit, parse is stable: whatever decodes strictly encodes (the limits are the
    /// same both ways) and decodes again to the same value. (Bytes may differ only where the
    /// decoder tolerates non-canonical input: padding bits of FC0F.)
    ///
    /// The inputs are valid PDUs of every type with one mutation each (a byte changed, the PDU
    /// cut, bytes appended), so that most of them are near a structured layout: random bytes
    /// alone almost never are. A mutation that still decodes must give back its own bytes.
    #[test]
    fn parse_emit_parse_is_stable(req in request(), rsp in response(),
                                  kind in 0u8..4, at in any::<usize>(), byte in any::<u8>(),
                                  extra in vec(any::<u8>(), 1..4), bytes in vec(any::<u8>(), 1..40)) {
        let mutate = |mut pdu: Vec<u8>| -> Vec<u8> {
            let i = at % pdu.len();
            match kind {
                0 => pdu[i] = byte,
                1 => pdu[i] ^= 1 << (byte % 8),
                2 => pdu.truncate(i.max(1)),
                _ => pdu.extend_from_slice(&extra),
            }
            pdu
        };
        let inputs = [mutate(req.to_vec().unwrap()), mutate(rsp.to_vec().unwrap()), bytes];
        for input in &inputs {
            if let Ok(r) = Request::parse(input) {
                let again = r.to_vec().unwrap();
                prop_assert_eq!(Request::parse(&again).unwrap(), r);
                // Only FC0F's padding bits are not kept.
                if input[0] != 0x0F {
                    prop_assert_eq!(&again, input);
                }
            }
            if let Ok(r) = Response::parse(input) {
                let again = r.to_vec().unwrap();
                prop_assert_eq!(Response::parse(&again).unwrap(), r);
                prop_assert_eq!(&again, input);
            }
        }
    }
}
