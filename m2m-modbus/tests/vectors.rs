//! Every vector of `tests/vectors/*.json` (specification examples, captures of real peers):
//! decoded and compared field by field with its `expect` (through the serde form), then the
//! `expect` is encoded and compared byte for byte with the vector.

#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken vector

use m2m_core::Status;
use m2m_modbus::{Request, Response, ascii, rtu, tcp};
use m2m_testkit::{Vector, vectors::crate_vectors};
use serde_json::Value as Json;

/// Cuts coil/input bits of a response to the quantity of its request.
fn paired<'a>(req: Option<&Request<'_>>, rsp: Response<'a>) -> Response<'a> {
    match req {
        Some(
            Request::ReadCoils { quantity, .. } | Request::ReadDiscreteInputs { quantity, .. },
        ) => rsp
            .for_quantity(*quantity)
            .expect("byte count matches the request's quantity"),
        _ => rsp,
    }
}

fn check(v: &Vector, side: &str, got: Json, bytes: &[u8], reencoded: Vec<u8>) {
    let want = &v.expect[side];
    assert_eq!(&got, want, "{}: decoded {side} differs", v.label());
    assert_eq!(
        m2m_core::hex::encode(&reencoded),
        m2m_core::hex::encode(bytes),
        "{}: encoding the expected {side} gives other bytes",
        v.label()
    );
}

fn run_pdu(v: &Vector) {
    let req_bytes = v.request();
    let req = req_bytes
        .as_deref()
        .map(|b| Request::parse(b).unwrap_or_else(|e| panic!("{}: {e}", v.label())));
    if let (Some(req), Some(bytes)) = (&req, &req_bytes) {
        let back: Request<'_> =
            serde_json::from_value(v.expect["request"].clone()).expect("request JSON");
        check(
            v,
            "request",
            serde_json::to_value(req).unwrap(),
            bytes,
            back.to_vec().unwrap(),
        );
    }
    if let Some(bytes) = v.response() {
        let rsp = Response::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", v.label()));
        let rsp = paired(req.as_ref(), rsp);
        let back: Response<'_> =
            serde_json::from_value(v.expect["response"].clone()).expect("response JSON");
        check(
            v,
            "response",
            serde_json::to_value(&rsp).unwrap(),
            &bytes,
            back.to_vec().unwrap(),
        );
    }
}

/// The runner of a framing whose ADU decodes on its own (TCP, RTU): the same steps, only the
/// module differs.
macro_rules! framed_runner {
    ($name:ident, $m:ident) => {
        fn $name(v: &Vector) {
            let req_bytes = v.request();
            let req = req_bytes.as_deref().map(|b| {
                $m::Adu::<Request<'_>>::parse(b).unwrap_or_else(|e| panic!("{}: {e}", v.label()))
            });
            if let (Some(req), Some(bytes)) = (&req, &req_bytes) {
                let back: $m::Adu<Request<'_>> =
                    serde_json::from_value(v.expect["request"].clone()).expect("JSON");
                check(
                    v,
                    "request",
                    serde_json::to_value(req).unwrap(),
                    bytes,
                    back.to_vec().unwrap(),
                );
            }
            if let Some(bytes) = v.response() {
                let mut rsp = $m::Adu::<Response<'_>>::parse(&bytes)
                    .unwrap_or_else(|e| panic!("{}: {e}", v.label()));
                rsp.pdu = paired(req.as_ref().map(|a| &a.pdu), rsp.pdu);
                let back: $m::Adu<Response<'_>> =
                    serde_json::from_value(v.expect["response"].clone()).expect("JSON");
                check(
                    v,
                    "response",
                    serde_json::to_value(&rsp).unwrap(),
                    &bytes,
                    back.to_vec().unwrap(),
                );
            }
        }
    };
}

framed_runner!(run_tcp, tcp);
framed_runner!(run_rtu, rtu);

fn run_ascii(v: &Vector) {
    let req_bytes = v.request();
    let mut s1 = [0u8; 255];
    let req = req_bytes.as_deref().map(|b| {
        ascii::Adu::<Request<'_>>::parse(b, &mut s1)
            .unwrap_or_else(|e| panic!("{}: {e}", v.label()))
    });
    if let (Some(req), Some(bytes)) = (&req, &req_bytes) {
        let back: ascii::Adu<Request<'_>> =
            serde_json::from_value(v.expect["request"].clone()).expect("JSON");
        check(
            v,
            "request",
            serde_json::to_value(req).unwrap(),
            bytes,
            back.to_vec().unwrap(),
        );
    }
    if let Some(bytes) = v.response() {
        let mut s2 = [0u8; 255];
        let mut rsp = ascii::Adu::<Response<'_>>::parse(&bytes, &mut s2)
            .unwrap_or_else(|e| panic!("{}: {e}", v.label()));
        rsp.pdu = paired(req.as_ref().map(|a| &a.pdu), rsp.pdu);
        let back: ascii::Adu<Response<'_>> =
            serde_json::from_value(v.expect["response"].clone()).expect("JSON");
        check(
            v,
            "response",
            serde_json::to_value(&rsp).unwrap(),
            &bytes,
            back.to_vec().unwrap(),
        );
    }
}

#[test]
fn every_vector() {
    let vectors = crate_vectors(env!("CARGO_MANIFEST_DIR"));
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    let mut functions =
        std::collections::BTreeMap::<String, std::collections::BTreeSet<String>>::new();
    for v in &vectors {
        let framing = v.framing.as_deref().unwrap_or("pdu");
        match framing {
            "pdu" => run_pdu(v),
            "tcp" => run_tcp(v),
            "rtu" => run_rtu(v),
            "ascii" => run_ascii(v),
            "crc" => {
                let bytes = v.bytes().expect("hex");
                assert_eq!(
                    Json::from(rtu::crc16(&bytes)),
                    v.expect["crc"],
                    "{}",
                    v.label()
                );
            }
            "lrc" => {
                let bytes = v.bytes().expect("hex");
                assert_eq!(
                    Json::from(ascii::lrc(&bytes)),
                    v.expect["lrc"],
                    "{}",
                    v.label()
                );
            }
            other => panic!("{}: unknown framing {other}", v.label()),
        }
        *counts.entry(framing.to_owned()).or_default() += 1;
        // The function of the request, by name, whatever the form.
        let function = v.expect["request"]["function"]
            .as_str()
            .or_else(|| v.expect["request"]["pdu"]["function"].as_str());
        if let Some(function) = function {
            functions
                .entry(framing.to_owned())
                .or_default()
                .insert(function.to_owned());
        }
    }
    // Every specification example in every form (guards against a vector file going missing).
    for (framing, min) in [
        ("pdu", 22),
        ("tcp", 22),
        ("rtu", 22),
        ("ascii", 22),
        ("crc", 1),
        ("lrc", 1),
    ] {
        assert!(
            counts.get(framing).copied().unwrap_or(0) >= min,
            "{framing}: {counts:?}"
        );
    }
    // And every function code of the list in each form: FC 01-08, 0B, 0C, 0F, 10, 11,
    // 14-18 and 2B/0E, 19 in all.
    for framing in ["pdu", "tcp", "rtu", "ascii"] {
        let seen = functions
            .get(framing)
            .map_or(0, std::collections::BTreeSet::len);
        assert!(seen >= 19, "{framing}: {:?}", functions.get(framing));
    }
}

/// pymodbus's own test messages that break the Application Protocol, refused here:
/// - `test_file_message.py` `TEST_MESSAGE` (`test_read_fifo_queue_response_decode`): a Read FIFO
///   Queue response whose FIFO count is 8, the byte count of its four registers, where §6.18
///   counts registers (the §6.18 example: `0006 0002` for two);
/// - `test_mei_messages.py` `test_read_device_information_decode`: number of objects 5, then six
///   objects (§6.21: the list holds that many; the sixth is trailing bytes).
#[test]
fn pymodbus_messages_against_the_specification() {
    let fifo = m2m_core::hex::decode("18000a00080001000200030004").unwrap();
    assert!(Response::parse(&fifo).is_err());
    let mut mei = m2m_core::hex::decode("2b0e01010000050007").unwrap();
    mei.extend_from_slice(b"Company\x01\x07Product\x02\x07v2.1.12");
    mei.extend_from_slice(b"\x81\x04Test\x81\x08Repeated\x81\x07Another");
    assert!(Response::parse(&mei).is_err());
    // With the count saying six, the same objects read.
    mei[6] = 6;
    let Response::ReadDeviceIdentification { objects, .. } = Response::parse(&mei).unwrap() else {
        panic!("not a device identification")
    };
    assert_eq!(objects.iter().count(), 6);
}

/// tokio-modbus `src/codec/mod.rs` `deserialize_requests`: the request PDUs its decoder refuses,
/// refused here too: a Read Coils of one byte (and a request cut after three bytes of its
/// quantity), and Write Multiple Coils, Write Multiple Registers and Read/Write Multiple
/// registers whose byte count does not match the quantity (§6.11, §6.12, §6.17); and
/// `deserialize_responses`: an exception whose function code is no exception (`0x79`).
#[test]
fn tokio_modbus_refusals() {
    for pdu in [
        "",
        "01",
        "01000022",
        "0f33110004020d",
        "1000060002 05abcdef12",
        "17000500330003000205abcdef12",
    ] {
        let bytes = m2m_core::hex::decode(&pdu.replace(' ', "")).unwrap();
        assert!(Request::parse(&bytes).is_err(), "{pdu}");
    }
    // A response starting 0x79 is function 0x79 (no exception bit): it reads as a raw PDU of
    // that function, not as an exception.
    let rsp = Response::parse(&[0x79, 0x02]).unwrap();
    assert!(!matches!(rsp, Response::Exception { .. }), "{rsp:?}");
}

/// Diagnostics sub-function 21 (0x15), Get/Clear Modbus Plus Statistics, as pymodbus builds it
/// (`test/pdu/test_diag_messages.py`, `GetClearModbusPlusRequest.get_response_pdu_size`: the
/// operation echoed, then 108 bytes of statistics for Get Statistics 0003, nothing more for
/// Clear Statistics 0004). It comes from the Modicon reference (PI-MBUS-300); the Application
/// Protocol V1.1b3 §6.8.1 lists 21..65535 as RESERVED. So a client's strict RTU framing takes
/// such a response for an unknown layout (`UnknownFunctions::Reject`, as documented for
/// reserved sub-functions), and one that hunts by CRC frames and decodes it, data kept whole.
#[test]
fn diagnostics_modbus_plus_statistics_over_rtu() {
    let strict = rtu::Framing::responses();
    let hunt = rtu::Framing::responses().with_unknown(rtu::UnknownFunctions::Hunt);
    let mut get = vec![0x08, 0x00, 0x15, 0x00, 0x03];
    get.extend((0u8..108).map(|i| i.wrapping_mul(7)));
    for pdu in [get, vec![0x08, 0x00, 0x15, 0x00, 0x04]] {
        let mut frame = vec![0x11];
        frame.extend_from_slice(&pdu);
        let crc = rtu::crc16(&frame);
        frame.extend_from_slice(&crc.to_le_bytes());
        assert!(strict.decode::<Response<'_>>(&frame).is_err());
        let Ok(Status::Complete((adu, n))) = hunt.decode::<Response<'_>>(&frame) else {
            panic!("{}", m2m_core::hex::encode(&frame));
        };
        assert_eq!((adu.address, n), (0x11, frame.len()));
        let Response::Diagnostics { sub_function, data } = adu.pdu else {
            panic!("not diagnostics: {:?}", adu.pdu)
        };
        assert_eq!(sub_function, 0x15);
        assert_eq!(data.len(), pdu.len() - 3);
        // The same after a byte of line noise.
        let mut noisy = vec![0xff];
        noisy.extend_from_slice(&frame);
        let Ok(Status::Complete(found)) = hunt.find::<Response<'_>>(&noisy) else {
            panic!("find: {}", m2m_core::hex::encode(&noisy));
        };
        assert_eq!(found.consumed, noisy.len());
    }
}

/// pymodbus `test/pdu/test_diag_messages.py` encodes `ForceListenOnlyModeResponse` as the
/// sub-function alone (`08 0004`). §6.8.1 returns no response to Force Listen Only Mode, and
/// every diagnostics PDU but Return Query Data carries two data bytes: refused as truncated.
#[test]
fn pymodbus_force_listen_only_response_without_data() {
    assert!(Response::parse(&[0x08, 0x00, 0x04]).is_err());
    assert!(Response::parse(&[0x08, 0x00, 0x04, 0x00, 0x00]).is_ok());
}

/// libmodbus `tests/unit-test-client.c` `test_server` (stephane/libmodbus 3.1.12): the crafted
/// requests it sends its test server, and the exception each must get. Through
/// `server::accept`, each gets the same: illegal data value for a quantity of 0 or one past
/// the maximum (2000 bits read, 125 registers read, 1968 coils and 123 registers written, 125
/// registers read by FC 0x17), and for a byte count that does not match the quantity (123
/// registers or 1968 coils with 6 bytes); illegal function for function 0x42.
#[test]
fn libmodbus_crafted_requests() {
    use m2m_modbus::{ExceptionCode, FunctionCode, server};
    let answer = |hex: &str| {
        let pdu = m2m_core::hex::decode(&hex.replace(' ', "")).unwrap();
        server::accept(&pdu, &m2m_modbus::Config::STRICT, |_| true).map(|_| ())
    };
    let refused = |function_code: u8, exception| {
        Err(Some(Response::Exception {
            function_code,
            exception,
        }))
    };
    let value = ExceptionCode::IllegalDataValue;
    // The read it sends first (5 registers from 0x160) is taken.
    assert_eq!(answer("03 0160 0005"), Ok(()));
    for (fc, max) in [
        ("01", "07d1"),
        ("02", "07d1"),
        ("03", "007e"),
        ("04", "007e"),
    ] {
        for q in ["0000", max] {
            let f = u8::from_str_radix(fc, 16).unwrap();
            assert_eq!(
                answer(&format!("{fc} 0160 {q}")),
                refused(f, value),
                "{fc} {q}"
            );
        }
    }
    // FC 0x17: read quantity 0, then 126; one register (1234) written at 0.
    for q in ["0000", "007e"] {
        let pdu = format!("17 0160 {q} 0000 0001 02 1234");
        assert_eq!(answer(&pdu), refused(0x17, value), "{pdu}");
    }
    // FC 0x10 and 0x0F: quantity 0 with byte count 0, then the maximum + 1 and the maximum with
    // byte count 6, each followed by the same six data bytes.
    for (fc, qs) in [
        ("10", ["0000 00", "007c 06", "007b 06"]),
        ("0f", ["0000 00", "07b1 06", "07b0 06"]),
    ] {
        for q in qs {
            let f = u8::from_str_radix(fc, 16).unwrap();
            let pdu = format!("{fc} 0160 {q} 022b 0001 0064");
            assert_eq!(answer(&pdu), refused(f, value), "{pdu}");
        }
    }
    // An unknown function code: a server that implements only the public ones (as libmodbus)
    // answers illegal function; one that takes every code gets the raw request to handle.
    let pdu = m2m_core::hex::decode("4200000000").unwrap();
    assert_eq!(
        server::accept(&pdu, &m2m_modbus::Config::STRICT, FunctionCode::is_public).map(|_| ()),
        refused(0x42, ExceptionCode::IllegalFunction)
    );
    assert_eq!(answer("42 0000 0000"), Ok(()));
}

/// libmodbus `tests/unit-test-client.c` "TOO MANY DATA": its client refuses, before sending,
/// to read 2001 coils or inputs or 126 registers, and to write 1969 coils or 124 registers;
/// our encoder refuses the same requests.
#[test]
fn libmodbus_too_many_data_refused_on_encode() {
    use m2m_modbus::{Bits, Registers};
    let mut out = [0u8; 300];
    let regs = [0u16; 124];
    let coils = [false; 1969];
    for req in [
        Request::ReadCoils {
            address: 0x130,
            quantity: 2001,
        },
        Request::ReadDiscreteInputs {
            address: 0x1c4,
            quantity: 2001,
        },
        Request::ReadHoldingRegisters {
            address: 0x160,
            quantity: 126,
        },
        Request::ReadInputRegisters {
            address: 0x108,
            quantity: 126,
        },
        Request::WriteMultipleCoils {
            address: 0x130,
            coils: Bits::from(&coils[..]),
        },
        Request::WriteMultipleRegisters {
            address: 0x160,
            registers: Registers::from(&regs[..]),
        },
    ] {
        assert!(req.encode(&mut out).is_err(), "{req:?}");
    }
    // One fewer of each is taken.
    for req in [
        Request::ReadCoils {
            address: 0x130,
            quantity: 2000,
        },
        Request::ReadHoldingRegisters {
            address: 0x160,
            quantity: 125,
        },
        Request::WriteMultipleCoils {
            address: 0x130,
            coils: Bits::from(&coils[..1968]),
        },
        Request::WriteMultipleRegisters {
            address: 0x160,
            registers: Registers::from(&regs[..123]),
        },
    ] {
        assert!(req.encode(&mut out).is_ok(), "{req:?}");
    }
}

/// libmodbus `tests/unit-test-server.c` answers a read of `UT_REGISTERS_NB_SPECIAL` (2)
/// registers with one register, and `unit-test-client.c` expects its client to refuse it
/// (EMBBADDATA): so does `client::Expect`.
#[test]
fn libmodbus_bad_response_quantity() {
    use m2m_modbus::client::{Expect, Mismatch};
    let req = Request::ReadHoldingRegisters {
        address: 0x160,
        quantity: 2,
    };
    let at = m2m_core::Timestamp::from_millis(0);
    let expect = Expect::new(&req, 17, None, at, core::time::Duration::from_secs(1));
    let rsp = Response::parse(&[0x03, 0x02, 0x02, 0x2b]).unwrap();
    assert_eq!(
        expect.check(17, rsp),
        Err(Mismatch::Quantity {
            expected: 2,
            got: 1
        })
    );
    let rsp = Response::parse(&[0x03, 0x04, 0x02, 0x2b, 0x00, 0x01]).unwrap();
    assert!(expect.check(17, rsp).is_ok());
}

/// rmodbus `src/tests/test_std.rs` (alttch/rmodbus fa2d03d): what its server takes and refuses.
/// - `test_std_frame_fc15`: Write Multiple Coils of 5 coils whose data byte 0x25 has bit 5 set
///   past the quantity: rmodbus takes it, and so does our server (§6.11 asks the sender to pad
///   with zeros; the padding is not read), writing coils 1, 0, 1, 0, 0.
/// - `test_std_frame_fc05_fc06`: Write Single Coil with FF01: illegal data value (§6.5).
/// - the MBAP checks of `test_std_frame_fc01_fc02_fc03_fc04_unknown_function`: length 2 for a
///   6-byte PDU and protocol id 22 are refused; length 251 with 6 bytes is not all there.
#[test]
fn rmodbus_server_refusals() {
    use m2m_core::Framing as _;
    use m2m_modbus::{ExceptionCode, server};
    let pdu = m2m_core::hex::decode("0f01310005 0125".replace(' ', "").as_str()).unwrap();
    let Ok(Request::WriteMultipleCoils { address, coils }) =
        server::accept(&pdu, &m2m_modbus::Config::STRICT, |_| true)
    else {
        panic!("refused")
    };
    assert_eq!(address, 0x131);
    assert_eq!(
        coils.iter().collect::<Vec<_>>(),
        [true, false, true, false, false]
    );
    assert_eq!(
        server::accept(
            &[0x05, 0x00, 0x0b, 0xff, 0x01],
            &m2m_modbus::Config::STRICT,
            |_| true
        ),
        Err(Some(Response::Exception {
            function_code: 5,
            exception: ExceptionCode::IllegalDataValue
        }))
    );
    let frame = |len: u8, proto: u8| {
        let mut f = vec![0x77, 0x55, 0, proto, 0, len];
        f.extend_from_slice(&[1, 1, 0, 5, 0, 5]);
        f
    };
    let framing = tcp::Framing::new();
    let short = frame(2, 0);
    let n = match framing.frame_len(&short) {
        Ok(Status::Complete(n)) => n,
        other => panic!("{other:?}"),
    };
    assert!(tcp::Adu::<Request<'_>>::parse(&short[..n]).is_err());
    assert!(framing.frame_len(&frame(6, 22)).is_err());
    assert!(tcp::Adu::<Request<'_>>::parse(&frame(6, 22)).is_err());
    assert!(matches!(
        framing.frame_len(&frame(251, 0)),
        Ok(Status::Partial(_))
    ));
}

/// tokio-modbus `src/codec/rtu.rs` (slowtec/tokio-modbus 0011308) client and server codec tests
/// through the RTU stream framing: a response cut before its last CRC byte, an empty buffer, one
/// byte (a lone `00`, which reads as a response from address 0, is refused here as noise:
/// no answer comes to a broadcast), and a request of FC 0x16, 0x0F or 0x10 of which only address and function have come
/// are all partial, nothing consumed; the Read Holding Registers response `01 03 04 8902 42C7
/// 009D` with one byte after it is one 9-byte frame of registers 0x8902 and 0x42C7; the same
/// after two bytes of noise (`42 43`) is found past them. All agree.
#[test]
fn tokio_modbus_rtu_codec_streams() {
    let (requests, responses) = (rtu::Framing::requests(), rtu::Framing::responses());
    // Partial frames: nothing to consume yet.
    for (framing, bytes) in [
        (&responses, &[0x12, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00][..]),
        (&responses, &[][..]),
        (&requests, &[][..]),
        (&requests, &[0x00][..]),
        (&requests, &[0x12, 0x16][..]),
        (&requests, &[0x12, 0x0F][..]),
        (&requests, &[0x12, 0x10][..]),
    ] {
        let got = m2m_core::Framing::frame_len(framing, bytes);
        assert!(
            matches!(got, Ok(Status::Partial(_))),
            "{bytes:02x?}: {got:?}"
        );
    }
    // tokio-modbus's client waits on a lone 00; a response from address 0 is refused here (no
    // answer to a broadcast, Serial Line V1.02 §2.1), the byte dropped as noise.
    let got = m2m_core::Framing::frame_len(&responses, &[0x00]);
    assert_eq!(got.map_err(|e| e.skip_len()).err(), Some(1), "{got:?}");
    let frame = [0x01, 0x03, 0x04, 0x89, 0x02, 0x42, 0xC7, 0x00, 0x9D, 0x00];
    let Ok(Status::Complete((adu, n))) = responses.decode::<Response<'_>>(&frame) else {
        panic!("no frame");
    };
    assert_eq!(n, 9);
    assert_eq!(adu.address, 1);
    let Response::ReadHoldingRegisters { registers } = &adu.pdu else {
        panic!("{adu:?}");
    };
    assert_eq!(
        registers.into_iter().collect::<Vec<u16>>(),
        [0x8902, 0x42C7]
    );
    // Resynchronisation after two bytes of noise.
    let mut noisy = vec![0x42, 0x43];
    noisy.extend_from_slice(&frame);
    let Ok(Status::Complete(found)) = responses.find::<Response<'_>>(&noisy) else {
        panic!("not found");
    };
    assert_eq!((found.skipped, found.consumed), (2, 11));
    assert_eq!(found.adu, adu);
}

/// tokio-modbus `src/codec/tcp.rs` (slowtec/tokio-modbus 039d7fa) client codec tests through
/// the MBAP framing: its six-byte header fragment `00 11 0000 0000` holds length 0, refused
/// here as it arrives (MBAP length counts the unit id, so 0 cannot be; documented on
/// `tcp::Framing`) where tokio-modbus waits for a seventh byte and then refuses it too; six
/// bytes of a header of length 6 are partial; a header of length 3 with only the
/// function code after it is partial; the exception `10 01 0000 0003 FE 82 03` with one byte
/// after it is a 9-byte frame; protocol id 0x3312 is refused with nothing to skip (the stream
/// is out of step). All agree.
#[test]
fn tokio_modbus_tcp_codec_streams() {
    let tcp = tcp::Framing::new();
    let got = m2m_core::Framing::frame_len(&tcp, &[0x00, 0x11, 0x00, 0x00, 0x00, 0x00]);
    assert_eq!(got.map_err(|e| e.skip_len()).err(), Some(0), "{got:?}");
    for bytes in [
        &[0x00, 0x11, 0x00, 0x00, 0x00, 0x06][..],
        &[0x10, 0x01, 0x00, 0x00, 0x00, 0x03, 0xFE, 0x02][..],
    ] {
        let got = m2m_core::Framing::frame_len(&tcp, bytes);
        assert!(
            matches!(got, Ok(Status::Partial(_))),
            "{bytes:02x?}: {got:?}"
        );
    }
    let bytes = [0x10, 0x01, 0x00, 0x00, 0x00, 0x03, 0xFE, 0x82, 0x03, 0x00];
    let got = m2m_core::Framing::frame_len(&tcp, &bytes);
    assert!(matches!(got, Ok(Status::Complete(9))), "{got:?}");
    let bad = [
        0x10, 0x01, 0x33, 0x12, 0x00, 0x03, 0xFE, 0x00, 0x02, 0x66, 0x82, 0x03, 0x00,
    ];
    let got = m2m_core::Framing::frame_len(&tcp, &bad);
    assert_eq!(got.map_err(|e| e.skip_len()).err(), Some(0), "{got:?}");
}

/// modbus-core `src/codec/rtu/mod.rs` (slowtec/modbus-core) frame decoder tests:
/// `extract_usual_rtu_response_frame` (the `01 03 04 8902 42C7 009D` response followed by the
/// first byte of another frame: 9 bytes), `decode_rtu_response_drop_invalid_bytes` (found
/// after two bytes of noise: start 2, size 9) and `decode_rtu_response_with_max_drops`: ten
/// bytes of `42` hold no frame; the response after 256 bytes of `42` is refused by
/// modbus-core, which gives up after a frame's length of noise. Here one call passes over at
/// most 256 bytes (an error whose skip is the noise), and the next finds the frame: the same
/// bound on work per call, the frame kept.
#[test]
fn modbus_core_rtu_frame_decoder() {
    let responses = rtu::Framing::responses();
    let frame = [0x01, 0x03, 0x04, 0x89, 0x02, 0x42, 0xC7, 0x00, 0x9D];
    let mut next = frame.to_vec();
    next.push(0x03);
    let Ok(Status::Complete((adu, n))) = responses.decode::<Response<'_>>(&next) else {
        panic!("no frame");
    };
    assert_eq!((adu.address, n), (1, 9));
    let mut noisy = vec![0x42, 0x43];
    noisy.extend_from_slice(&frame);
    noisy.push(0x00);
    let Ok(Status::Complete(found)) = responses.find::<Response<'_>>(&noisy) else {
        panic!("not found");
    };
    assert_eq!((found.skipped, found.consumed - found.skipped), (2, 9));
    // Ten bytes of noise: no frame in them.
    let got = responses.find::<Response<'_>>(&[0x42; 10]);
    assert!(!matches!(got, Ok(Status::Complete(_))), "{got:?}");
    // The frame after 256 bytes of noise, found by the second call.
    let mut long = vec![0x42; 512];
    long.splice(256..265, frame);
    let mut at = 0;
    let found = loop {
        match responses.find::<Response<'_>>(&long[at..]) {
            Ok(Status::Complete(found)) => break found,
            Ok(Status::Partial(_)) => panic!("partial at {at}"),
            Err(e) => {
                assert!(e.skip_len() > 0 && e.skip_len() <= 256, "{e:?}");
                at += e.skip_len();
            }
        }
    };
    assert_eq!(at + found.skipped, 256);
    assert_eq!(found.adu, adu);
}

/// modbus-core `src/codec/tcp/mod.rs` (slowtec/modbus-core 062a72b) frame decoder tests:
/// `extract_partly_received_tcp_frame` (length 6, 11 of 13 bytes: partial),
/// `extract_usual_tcp_response_frame` (transaction 258, unit 1, `03 04 8902 42C7`, then a byte
/// of the next frame: 13 bytes). Agree. `decode_tcp_response_drop_invalid_bytes` passes over
/// two bytes of noise before the MBAP header; here a Modbus/TCP stream out of step is refused
/// with nothing to skip (documented on `tcp::Framing`: close the connection), a deliberate
/// difference.
#[test]
fn modbus_core_tcp_frame_decoder() {
    let tcp = tcp::Framing::new();
    let partial = [
        0x01, 0x02, 0x00, 0x00, 0x00, 0x06, 0x01, 0x02, 0x03, 0x00, 0x00,
    ];
    let got = m2m_core::Framing::frame_len(&tcp, &partial);
    assert!(matches!(got, Ok(Status::Partial(_))), "{got:?}");
    let frame = [
        0x01, 0x02, 0x00, 0x00, 0x00, 0x07, 0x01, 0x03, 0x04, 0x89, 0x02, 0x42, 0xC7,
    ];
    let mut next = frame.to_vec();
    next.push(0x03);
    let got = m2m_core::Framing::frame_len(&tcp, &next);
    assert!(matches!(got, Ok(Status::Complete(13))), "{got:?}");
    let adu = tcp::Adu::<Response<'_>>::parse(&frame).unwrap();
    assert_eq!((adu.transaction_id, adu.unit_id), (258, 1));
    let mut noisy = vec![0x42, 0x43];
    noisy.extend_from_slice(&next);
    let got = m2m_core::Framing::frame_len(&tcp, &noisy);
    assert_eq!(got.map_err(|e| e.skip_len()).err(), Some(0), "{got:?}");
}
