//! Decoding any frame and reading everything in it allocates nothing.

mod strategies;

use m2m_core::{Framing as _, Status, Timestamp};
use m2m_modbus::sniffer::{Sniffed, Sniffer};
use m2m_modbus::{Request, Response, ascii, rtu, tcp};
use m2m_testkit::{CountingAllocator, assert_no_alloc, vectors::crate_vectors};
use proptest::prelude::*;
use strategies::{address, request, response, unicast};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

/// Touches every value a response holds, so lazy iterators run (each value counts at least 1,
/// so that a frame of zeros still shows it was read).
fn drain_response(r: &Response<'_>) -> u64 {
    let mut acc = 0u64;
    match r {
        Response::ReadCoils { coils: b } | Response::ReadDiscreteInputs { inputs: b } => {
            acc += b.iter().map(|x| u64::from(x) + 1).sum::<u64>();
        }
        Response::ReadHoldingRegisters { registers }
        | Response::ReadInputRegisters { registers }
        | Response::ReadWriteMultipleRegisters { registers }
        | Response::ReadFifoQueue { registers } => {
            acc += registers.iter().map(|v| u64::from(v) + 1).sum::<u64>();
        }
        Response::ReadFileRecord { records } => {
            for rec in records.iter() {
                acc += rec.registers.iter().map(|v| u64::from(v) + 1).sum::<u64>();
            }
        }
        Response::WriteFileRecord { records } => {
            for rec in records.iter() {
                acc += rec.registers.iter().map(|v| u64::from(v) + 1).sum::<u64>();
            }
        }
        Response::ReadDeviceIdentification { objects, .. } => {
            for o in objects.iter() {
                acc += o.value.len() as u64;
            }
        }
        _ => acc += 1,
    }
    acc
}

fn drain_request(r: &Request<'_>) -> u64 {
    match r {
        Request::WriteMultipleCoils { coils, .. } => {
            coils.iter().map(|x| u64::from(x) + 1).sum::<u64>()
        }
        Request::WriteMultipleRegisters { registers, .. }
        | Request::ReadWriteMultipleRegisters { registers, .. } => {
            registers.iter().map(|v| u64::from(v) + 1).sum()
        }
        Request::ReadFileRecord { records } => {
            records.iter().map(|r| u64::from(r.record_length)).sum()
        }
        Request::WriteFileRecord { records } => records
            .iter()
            .map(|r| r.registers.iter().map(|v| u64::from(v) + 1).sum::<u64>())
            .sum(),
        _ => 1,
    }
}

#[test]
fn decoding_every_vector_allocates_nothing() {
    let vectors = crate_vectors(env!("CARGO_MANIFEST_DIR"));
    let mut decoded = 0;
    for v in &vectors {
        let framing = v.framing.as_deref().unwrap_or("pdu");
        for (bytes, is_req) in [(v.request(), true), (v.response(), false)] {
            let Some(bytes) = bytes else { continue };
            let n = assert_no_alloc(|| -> u64 {
                let mut scratch = [0u8; 255];
                match (framing, is_req) {
                    ("pdu", true) => drain_request(&Request::parse(&bytes).unwrap()),
                    ("pdu", false) => drain_response(&Response::parse(&bytes).unwrap()),
                    ("tcp", true) => {
                        let _ = tcp::Framing::new().frame_len(&bytes).unwrap();
                        drain_request(&tcp::Adu::<Request<'_>>::parse(&bytes).unwrap().pdu)
                    }
                    ("tcp", false) => {
                        drain_response(&tcp::Adu::<Response<'_>>::parse(&bytes).unwrap().pdu)
                    }
                    ("rtu", true) => {
                        let _ = rtu::Framing::requests().frame_len(&bytes).unwrap();
                        drain_request(&rtu::Adu::<Request<'_>>::parse(&bytes).unwrap().pdu)
                    }
                    ("rtu", false) => {
                        let _ = rtu::Framing::responses().frame_len(&bytes).unwrap();
                        drain_response(&rtu::Adu::<Response<'_>>::parse(&bytes).unwrap().pdu)
                    }
                    ("ascii", true) => {
                        let _ = ascii::Framing::requests().frame_len(&bytes).unwrap();
                        drain_request(
                            &ascii::Adu::<Request<'_>>::parse(&bytes, &mut scratch)
                                .unwrap()
                                .pdu,
                        )
                    }
                    ("ascii", false) => drain_response(
                        &ascii::Adu::<Response<'_>>::parse(&bytes, &mut scratch)
                            .unwrap()
                            .pdu,
                    ),
                    _ => 0,
                }
            });
            assert!(n > 0, "{}", v.label());
            decoded += 1;
        }
    }
    assert!(decoded >= 60, "only {decoded} frames decoded");
}

#[test]
fn errors_allocate_nothing_either() {
    let junk = [0x03u8, 0xff, 0x01, 0x02];
    assert_no_alloc(|| {
        assert!(Response::parse(&junk).is_err());
        let e = rtu::Framing::responses()
            .frame_len(&[0x01, 0x03, 0x02, 0, 0, 0, 0])
            .unwrap_err();
        let _ = e.skip_len();
    });
}

/// Every frame of every type, in every framing and both directions, through every way in: the
/// framings (`frame_len`, RTU `decode` and `find`, after line noise too), the ADU parsers and the
/// sniffer, with everything read. The frames are encoded before the counting starts.
#[allow(clippy::unwrap_used)] // a test: every frame given is valid
fn decode_everything(
    req: &[u8],
    rsp: &[u8],
    rtu_req: &[u8],
    rtu_rsp: &[u8],
    ascii_req: &[u8],
    ascii_rsp: &[u8],
) -> u64 {
    let mut acc = 0u64;
    let mut scratch = [0u8; 255];
    let tcp = tcp::Framing::new();
    for frame in [req, rsp] {
        assert!(matches!(tcp.frame_len(frame), Ok(Status::Complete(_))));
    }
    acc += drain_request(&tcp::Adu::<Request<'_>>::parse(req).unwrap().pdu);
    acc += drain_response(&tcp::Adu::<Response<'_>>::parse(rsp).unwrap().pdu);
    let (requests, responses) = (rtu::Framing::requests(), rtu::Framing::responses());
    acc += drain_request(&rtu::Adu::<Request<'_>>::parse(rtu_req).unwrap().pdu);
    acc += drain_response(&rtu::Adu::<Response<'_>>::parse(rtu_rsp).unwrap().pdu);
    if let Ok(Status::Complete((adu, _))) = requests.decode::<Request<'_>>(rtu_req) {
        acc += drain_request(&adu.pdu);
    }
    if let Ok(Status::Complete((adu, _))) = responses.decode::<Response<'_>>(rtu_rsp) {
        acc += drain_response(&adu.pdu);
    }
    if let Ok(Status::Complete(found)) = responses.find::<Response<'_>>(rtu_rsp) {
        acc += drain_response(&found.adu.pdu);
    }
    let mut sniffer = Sniffer::default();
    for frame in [rtu_req, rtu_rsp] {
        if let Ok(Status::Complete((sniffed, _))) = sniffer.decode(frame, Timestamp::from_millis(0))
        {
            acc += match &sniffed {
                Sniffed::Request(adu) => drain_request(&adu.pdu),
                Sniffed::Response { adu, .. } => drain_response(&adu.pdu),
            };
        }
    }
    for frame in [ascii_req, ascii_rsp] {
        let _ = ascii::Framing::new().frame_len(frame);
    }
    let _ = ascii::Framing::requests().frame_len(ascii_req);
    let _ = ascii::Framing::responses().frame_len(ascii_rsp);
    acc += drain_request(
        &ascii::Adu::<Request<'_>>::parse(ascii_req, &mut scratch)
            .unwrap()
            .pdu,
    );
    acc += drain_response(
        &ascii::Adu::<Response<'_>>::parse(ascii_rsp, &mut scratch)
            .unwrap()
            .pdu,
    );
    acc
}

proptest! {
    #[test]
    fn decoding_any_frame_allocates_nothing(req in request(), rsp in response(),
                                            to in address(), from in unicast(),
                                            noise in proptest::collection::vec(any::<u8>(), 0..8)) {
        let tcp_req = tcp::Adu { transaction_id: 7, unit_id: to, pdu: req.clone() }.to_vec().unwrap();
        let tcp_rsp = tcp::Adu { transaction_id: 7, unit_id: from, pdu: rsp.clone() }.to_vec().unwrap();
        let rtu_req = rtu::Adu { address: to, pdu: req.clone() }.to_vec().unwrap();
        let mut rtu_rsp = rtu::Adu { address: from, pdu: rsp.clone() }.to_vec().unwrap();
        let ascii_req = ascii::Adu { address: to, pdu: req }.to_vec().unwrap();
        let ascii_rsp = ascii::Adu { address: from, pdu: rsp }.to_vec().unwrap();
        let n = assert_no_alloc(|| {
            decode_everything(&tcp_req, &tcp_rsp, &rtu_req, &rtu_rsp, &ascii_req, &ascii_rsp)
        });
        prop_assert!(n > 0);
        // `find` over line noise before the frame, and the errors of the noise.
        let mut noisy = noise;
        noisy.append(&mut rtu_rsp);
        assert_no_alloc(|| {
            let mut buf = &noisy[..];
            while !buf.is_empty() {
                match rtu::Framing::responses().find::<Response<'_>>(buf) {
                    Ok(Status::Complete(found)) => {
                        drain_response(&found.adu.pdu);
                        buf = &buf[found.consumed..];
                    }
                    Ok(Status::Partial(_)) => break,
                    Err(e) => buf = &buf[e.skip_len().clamp(1, buf.len())..],
                }
            }
        });
    }
}
