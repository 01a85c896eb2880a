//! Decoding any frame and reading everything in it allocates nothing.

use m2m_core::Framing as _;
use m2m_modbus::{Request, Response, ascii, rtu, tcp};
use m2m_testkit::{CountingAllocator, assert_no_alloc, vectors::crate_vectors};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

/// Touches every value a response holds, so lazy iterators run.
fn drain_response(r: &Response<'_>) -> u64 {
    let mut acc = 0u64;
    match r {
        Response::ReadCoils { coils: b } | Response::ReadDiscreteInputs { inputs: b } => {
            acc += b.iter().filter(|&x| x).count() as u64;
        }
        Response::ReadHoldingRegisters { registers }
        | Response::ReadInputRegisters { registers }
        | Response::ReadWriteMultipleRegisters { registers }
        | Response::ReadFifoQueue { registers } => {
            acc += registers.iter().map(u64::from).sum::<u64>();
        }
        Response::ReadFileRecord { records } => {
            for rec in records.iter() {
                acc += rec.registers.iter().map(u64::from).sum::<u64>();
            }
        }
        Response::WriteFileRecord { records } => {
            for rec in records.iter() {
                acc += rec.registers.iter().map(u64::from).sum::<u64>();
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
        Request::WriteMultipleCoils { coils, .. } => coils.iter().filter(|&x| x).count() as u64,
        Request::WriteMultipleRegisters { registers, .. }
        | Request::ReadWriteMultipleRegisters { registers, .. } => {
            registers.iter().map(u64::from).sum()
        }
        Request::ReadFileRecord { records } => {
            records.iter().map(|r| u64::from(r.record_length)).sum()
        }
        Request::WriteFileRecord { records } => records
            .iter()
            .map(|r| r.registers.iter().map(u64::from).sum::<u64>())
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
