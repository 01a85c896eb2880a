//! What other implementations' test suites refuse, or take where the specification does not:
//! Go goburrow/modbus and grid-x/modbus, Go simonvetter/modbus, Python minimalmodbus. Their
//! frames that decode are in `tests/vectors/peers_*.json`; here are the ones that must not, or
//! that only fail against the request they answer.

#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken vector

use core::time::Duration;

use m2m_core::{Framing as _, Status, Timestamp};
use m2m_modbus::client::{Expect, Mismatch};
use m2m_modbus::{ExceptionCode, Request, Response, ascii, rtu, tcp};

fn hex(s: &str) -> Vec<u8> {
    m2m_core::hex::decode(&s.replace(' ', "")).unwrap()
}

/// `unit`, the PDU and its CRC, low byte first.
fn rtu_frame(unit: u8, pdu: &[u8]) -> Vec<u8> {
    let mut f = vec![unit];
    f.extend_from_slice(pdu);
    let crc = rtu::crc16(&f);
    f.extend_from_slice(&crc.to_le_bytes());
    f
}

/// grid-x/modbus `asciiclient_test.go` (ef3bed5) `TestASCIIDecodeStartCharacter`,
/// `TestASCIIVerifyErrors`, `TestASCIIDecodeInvalidLRC`. grid-x takes a frame starting with `>`
/// ("common in the field"); Modbus over Serial Line V1.02 §2.5.2.1 starts every ASCII frame
/// with a colon, so it is refused here, as are `!`, a frame of one byte (`:01`), a frame without
/// its LF, one ending LF LF, and `:F7031389000A61` (LRC 0x61 where the bytes sum to 0x60).
#[test]
fn grid_x_ascii_frames() {
    let good = b":010304010F1509CA\r\n";
    let mut s = [0u8; 255];
    let rsp = ascii::Adu::<Response<'_>>::parse(good, &mut s).unwrap();
    assert_eq!(rsp.address, 1);
    for bad in [
        &b">010304010F1509CA\r\n"[..],
        b"!010304010F1509CA\r\n",
        b":01\r\n",
        b":010304010F1509CA\r",
        b":010304010F1509CA\n\n",
    ] {
        let mut s = [0u8; 255];
        assert!(
            ascii::Adu::<Response<'_>>::parse(bad, &mut s).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    let mut s = [0u8; 255];
    assert!(matches!(
        ascii::Adu::<Request<'_>>::parse(b":F7031389000A61\r\n", &mut s),
        Err(m2m_modbus::Error::Lrc {
            found: 0x61,
            computed: 0x60
        })
    ));
    // "slave mismatch": the address changed to 2 and the LRC left as computed for unit 1, so
    // the LRC refuses it before any transaction check.
    let mut s = [0u8; 255];
    let other = ascii::Adu::<Response<'_>>::parse(b":020304010F1509CA\r\n", &mut s);
    assert!(
        matches!(other, Err(m2m_modbus::Error::Lrc { .. })),
        "{other:?}"
    );
    // `TestReadASCII` "stops at terminator": the bytes after CR LF are not part of the frame.
    let mut stream = b":0103020000FA\r\n".to_vec();
    stream.extend_from_slice(b"ignored");
    let got = ascii::Framing::responses().frame_len(&stream);
    assert!(matches!(got, Ok(Status::Complete(15))), "{got:?}");
}

/// grid-x/modbus `rtuclient_test.go` (ef3bed5) `Test_readIncrementally`. Its reader takes a Read
/// Holding Registers response whose byte count is 0xFB (251: the most an RTU frame holds) and
/// refuses 0xFC and 0x00. The Application Protocol V1.1b3 §6.3 response carries 2 x N bytes for
/// N registers, N at most 125: 0xFB is odd and past 250, refused here even with a right CRC,
/// as are 0xFC and 0x00. The 49-byte response of 22 registers is found after two bytes of
/// noise (`FF 89`, or a repeated address `05 05`) and with two bytes after it.
#[test]
fn grid_x_read_incrementally() {
    let responses = rtu::Framing::responses();
    for (count, data) in [(0xFBu8, 251usize), (0xFC, 252), (0x00, 0)] {
        let mut pdu = vec![0x03, count];
        pdu.extend((0..=u8::MAX).cycle().take(data));
        let frame = rtu_frame(5, &pdu);
        assert!(
            rtu::Adu::<Response<'_>>::parse(&frame).is_err(),
            "byte count {count:#x}"
        );
    }
    let frame = hex(
        "05032c800016c4680000000000d4ec00000000000000000000000000000000009b376c42e7bc0ed07ef9eaff00000467d7",
    );
    for (before, after) in [
        (&[][..], &[0xFF, 0x98][..]),
        (&[0xFF, 0x89][..], &[][..]),
        (&[0xFF, 0x89][..], &[0xFF, 0x89][..]),
        (&[0x05, 0x05][..], &[0xFF, 0x89][..]),
    ] {
        let mut buf = before.to_vec();
        buf.extend_from_slice(&frame);
        buf.extend_from_slice(after);
        let Ok(Status::Complete(found)) = responses.find::<Response<'_>>(&buf) else {
            panic!("{}", m2m_core::hex::encode(&buf));
        };
        assert_eq!(
            (found.skipped, found.consumed),
            (before.len(), before.len() + frame.len())
        );
        let Response::ReadHoldingRegisters { registers } = found.adu.pdu else {
            panic!("{:?}", found.adu.pdu)
        };
        assert_eq!(registers.len(), 22);
    }
    // "not enough data", `05 03 01`: an error for grid-x once its reader runs dry; refused here
    // as soon as the byte count comes, one byte of noise to skip, since no FC03 response has an
    // odd byte count (§6.3).
    let got = responses.frame_len(&[0x05, 0x03, 0x01]);
    assert_eq!(got.map_err(|e| e.skip_len()).err(), Some(1), "{got:?}");
}

/// simonvetter/modbus (e3c1571) `rtu_transport_test.go` `TestRTUTransportReadRTUFrame` and
/// `tcp_transport_test.go` `TestTCPTransportReadResponse` / `TestTCPTransportReadRequest`: an
/// exception frame with a bad CRC (`30 82 12 C0A2`), an MBAP header of protocol id 1, of length
/// 1 (the unit id alone: Messaging on TCP/IP V1.0b §3.1.3 counts unit id and PDU, and a PDU has
/// a function code) and of length 0x100A (past 254) are refused by both. Its transport hands up
/// any PDU and leaves the layout to the caller; the PDUs of `TestAssembleMBAPFrame` and these
/// tests (function 6 with two bytes, function 4 with eight) are refused here as requests, §6.6
/// and §6.4 giving four data bytes to each.
#[test]
fn simonvetter_transport_frames() {
    assert!(rtu::Adu::<Response<'_>>::parse(&hex("30 82 12 c0a2")).is_err());
    let framing = tcp::Framing::new();
    for mbap in [
        "9218 0001 0004 31 06 1234",
        "9218 0000 0001 31",
        "9218 0000 100a 31",
    ] {
        let bytes = hex(mbap);
        assert!(framing.frame_len(&bytes).is_err(), "{mbap}");
        assert!(tcp::Adu::<Response<'_>>::parse(&bytes).is_err(), "{mbap}");
    }
    for mbap in [
        "921a 0000 0004 31 06 1234",
        "9218 0000 000a fa 04 4455 6677 8899 aabb",
    ] {
        assert!(
            tcp::Adu::<Request<'_>>::parse(&hex(mbap)).is_err(),
            "{mbap}"
        );
    }
}

fn expect(req: &[u8]) -> (u8, Expect) {
    let adu = rtu::Adu::<Request<'_>>::parse(req).unwrap();
    let e = Expect::new(
        &adu.pdu,
        adu.address,
        None,
        Timestamp::from_millis(0),
        Duration::from_secs(1),
    );
    (adu.address, e)
}

/// minimalmodbus `tests/test_minimalmodbus.py` (pyhys/minimalmodbus 785262d) `WRONG_RTU_RESPONSES`
/// and the one `GOOD_RTU_RESPONSES` entry that answers from another slave: each is refused,
/// either as a frame (byte count not matching the data, bad CRC, an exception PDU of five bytes)
/// or by `client::Expect` against the request it answers (quantity, echoed address or value,
/// function, unit). minimalmodbus raises an error for each (`InvalidResponseError`,
/// `SlaveReportedException`).
#[test]
fn minimalmodbus_wrong_responses() {
    // Refused as frames.
    for (req, rsp) in [
        // Byte count 2 with one data byte.
        ("0102003f000189c6", "0102020160b8"),
        // Byte count 2 with three data bytes, then with one.
        ("010300ca0001a434", "0103020000098474"),
        ("010300cb0001f5f4", "0103020930be"),
        // CRC "AB".
        ("011000330001020063e3ba", "0110003300014142"),
        // Exception 0x90 followed by four bytes (§7: an exception PDU is two bytes).
        ("011000380001020063e2c1", "01900038000181da"),
    ] {
        let _ = expect(&hex(req));
        assert!(
            rtu::Adu::<Response<'_>>::parse(&hex(rsp)).is_err(),
            "{req} -> {rsp}"
        );
    }
    // Frames that read, refused by the transaction check.
    let echo = |field| Mismatch::Echo { field };
    for (req, rsp, why) in [
        // Write Multiple Coils of 1, answered 2.
        ("010f0049000101013299", "010f0049000205dc", echo("quantity")),
        // Write Single Coil 0x4A ON, answered 0x47 OFF.
        ("0105004aff00adec", "0105004700007ddf", echo("address")),
        // Write Multiple Registers of 1 at 0x34, answered 2; at 0x35, answered 0x36.
        (
            "011000340001020063e20d",
            "0110003400020006",
            echo("quantity"),
        ),
        (
            "011000350001020063e3dc",
            "011000360001e1c7",
            echo("address"),
        ),
        // Write Multiple Registers answered by function 6.
        (
            "011000370001020063e23e",
            "010600370001f9c4",
            Mismatch::Function {
                expected: 16,
                got: 6,
            },
        ),
        // Write Single Register 99, answered 98.
        ("010600370063782d", "010600370062b9ed", echo("value")),
        // To slave 1, answered by slave 2 (in GOOD_RTU_RESPONSES: its length is right).
        (
            "011000360001020063e3ef",
            "021000360001e1f4",
            Mismatch::Unit {
                expected: 1,
                got: 2,
            },
        ),
    ] {
        let (_, e) = expect(&hex(req));
        let rsp_bytes = hex(rsp);
        let rsp = rtu::Adu::<Response<'_>>::parse(&rsp_bytes).unwrap();
        let got = e.check(rsp.address, rsp.pdu);
        assert_eq!(
            got.err(),
            Some(why),
            "{req} -> {}",
            m2m_core::hex::encode(&rsp_bytes)
        );
    }
}

/// minimalmodbus `TestCheckResponseSlaveErrorCode`: it raises nothing for `01 81 05`, taking
/// Acknowledge for no error, and raises for every other exception code, known or not (09, 0C,
/// FF). The Application Protocol V1.1b3 §7 makes 05 an exception response like the others (the
/// request was accepted, its result is not in this response), so here `81 05` is an exception
/// of code Acknowledge, for the caller to act on; unknown codes are kept as they came.
#[test]
fn minimalmodbus_exception_codes() {
    for code in [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 0x0A, 0x0B, 0x0C, 0xFF] {
        let frame = rtu_frame(1, &[0x81, code]);
        let rsp = rtu::Adu::<Response<'_>>::parse(&frame).unwrap();
        let Response::Exception {
            function_code,
            exception,
        } = rsp.pdu
        else {
            panic!("{code:#x}: {:?}", rsp.pdu)
        };
        assert_eq!((function_code, exception.value()), (1, code));
        assert_eq!(
            m2m_modbus::client::exception(&rsp.pdu),
            Some(ExceptionCode::from_u8(code))
        );
    }
    let frame = rtu_frame(1, &[0x81, 0x05]);
    let ack = rtu::Adu::<Response<'_>>::parse(&frame).unwrap();
    assert_eq!(
        m2m_modbus::client::exception(&ack.pdu),
        Some(ExceptionCode::Acknowledge)
    );
}

/// yaacov/node-modbus-serial (5ef4fde) tests where it and the specification part:
/// - `test/ports/asciiport.test.js` sets its `startOfSlaveFrameChar` option to `>` and reads
///   `>110306AE4156524340CC`; the default is `:`, as in Serial Line V1.02 §2.5.2.1, the only
///   start read here (the `:` frame is in `peers_node_modbus_serial.json`);
/// - `test/ports/tcpport.test.js` 'should return a valid Modbus TCP message' answers with
///   `0001 0000 0006 11 03 66778899`, a Read Holding Registers response of byte count 0x66 with
///   three bytes, which its port hands on (it only checks the MBAP); refused here (§6.3);
/// - `test/test.js` 'should include raw payload data in exception if debug enabled': the
///   response `03 03 06 002A 0080 0005 E138` has a bad CRC, refused by both;
/// - `test/servers/servertcp.test.js` 'should handle a large request without crash
///   successfully (FC1, FC3, FC4)': quantity 0xFFFF answered with exception 04 (server device
///   failure); §6.1, §6.3 and §6.4 answer a quantity out of 1..2000 (1..125) with exception 03,
///   as `server::accept` does;
/// - `test/test.js` '#writeFC43() - read device identification' asks for object 1 (read code 4)
///   and is answered by its `ports/testport.js` with MEI type 16 (0x10) in place of the 0x0E of
///   Read Device Identification (§6.21), which its client reads as one. Here the request reads
///   as Read Device Identification, and the answer as a PDU of another MEI type, not an
///   identification.
#[test]
fn node_modbus_serial_departures() {
    let req_pdu = hex("2b 0e 04 01");
    let req = Request::parse(&req_pdu).unwrap();
    assert!(
        matches!(
            req,
            Request::ReadDeviceIdentification {
                read_code: 4,
                object_id: 1
            }
        ),
        "{req:?}"
    );
    let mut pdu = hex("2b 10 04 01 00 00 01 01 11");
    pdu.extend_from_slice(b"MyProductCode1234");
    let rsp = Response::parse(&pdu).unwrap();
    assert!(
        matches!(rsp, Response::EncapsulatedInterface { mei_type: 0x10, .. }),
        "{rsp:?}"
    );
    let mut s = [0u8; 255];
    assert!(ascii::Adu::<Response<'_>>::parse(b">110306AE4156524340CC\r\n", &mut s).is_err());
    let mut s = [0u8; 255];
    assert!(ascii::Adu::<Response<'_>>::parse(b":110306AE4156524340CC\r\n", &mut s).is_ok());
    assert!(tcp::Adu::<Response<'_>>::parse(&hex("000100000006110366778899")).is_err());
    assert!(rtu::Adu::<Response<'_>>::parse(&hex("030306002a00800005e138")).is_err());
    for fc in [1u8, 3, 4] {
        let pdu = [fc, 0x00, 0x3E, 0xFF, 0xFF];
        assert_eq!(
            m2m_modbus::server::accept(&pdu, &m2m_modbus::Config::STRICT, |_| true),
            Err(Some(Response::Exception {
                function_code: fc,
                exception: ExceptionCode::IllegalDataValue
            })),
            "FC {fc}"
        );
    }
}

/// Cloud-Automation/node-modbus (jsmodbus 45f7152) `test/tcp-request.test.js` 'should return a
/// valid TCPRequest object for function 15' reads `0F 0000 0008 02 5555`: eight coils with a
/// byte count of 2, the second byte unused. The Application Protocol V1.1b3 §6.11 makes the
/// byte count the quantity / 8 rounded up (1 here), so the request is refused; with byte count 1
/// and one data byte it reads as coils 1, 0, 1, 0, 1, 0, 1, 0 as jsmodbus says. Its bodies
/// cut short ('should return null on not enough buffer data', 'should handle invalid buffer
/// content') are refused by both.
#[test]
fn jsmodbus_departures() {
    let frame = hex("0001 0000 0009 02 0f 0000 0008 02 5555");
    assert!(tcp::Adu::<Request<'_>>::parse(&frame).is_err());
    let frame = hex("0001 0000 0008 02 0f 0000 0008 01 55");
    let Request::WriteMultipleCoils { address, coils } =
        tcp::Adu::<Request<'_>>::parse(&frame).unwrap().pdu
    else {
        panic!("not write multiple coils")
    };
    assert_eq!(address, 0);
    assert_eq!(
        coils.iter().collect::<Vec<_>>(),
        [true, false, true, false, true, false, true, false]
    );
    for pdu in ["01", "0100", "02", "0200", "0300", "0400", "0f00", "0500"] {
        assert!(Request::parse(&hex(pdu)).is_err(), "{pdu}");
    }
    assert!(Response::parse(&hex("0102dd")).is_err());
}

/// AdvancedClimateSystems/uModbus (f1128a7) `tests/unit/test_functions.py`
/// `test_create_from_response_pdu_raising_exception` builds its exception responses as
/// `51 <code>` (81 decimal) and expects each code's error: uModbus takes any function code it
/// does not know for an exception. The Application Protocol V1.1b3 §7 marks an exception by
/// the function code plus 0x80, and 0x51 has no high bit, so `51 xx` reads here as a PDU of
/// function 0x51, no exception; `81 xx` is the exception of Read Coils. `tests/system/responses/test_exception_responses.py`
/// `test_request_returning_invalid_data_value_error`: quantity 0 and one past the maximum
/// answered 03, as `server::accept` does (§6.1 to §6.4). `test_validate_invalid_crc`:
/// `01 02 07` refused.
#[test]
fn umodbus_exception_function_codes() {
    for code in [1u8, 2, 3, 4, 5, 6, 8, 10, 11] {
        let pdu = [0x51, code];
        let rsp = Response::parse(&pdu).unwrap();
        assert!(!matches!(rsp, Response::Exception { .. }), "{rsp:?}");
        assert_eq!(m2m_modbus::client::exception(&rsp), None);
        let pdu = [0x81, code];
        let rsp = Response::parse(&pdu).unwrap();
        assert_eq!(
            rsp,
            Response::Exception {
                function_code: 1,
                exception: ExceptionCode::from_u8(code)
            }
        );
    }
    for (fc, quantity) in [
        (1u8, 0u16),
        (2, 0),
        (3, 0),
        (4, 0),
        (1, 2001),
        (2, 2001),
        (3, 126),
        (4, 126),
    ] {
        let [hi, lo] = quantity.to_be_bytes();
        let pdu = [fc, 0x00, 0x00, hi, lo];
        assert_eq!(
            m2m_modbus::server::accept(&pdu, &m2m_modbus::Config::STRICT, |_| true),
            Err(Some(Response::Exception {
                function_code: fc,
                exception: ExceptionCode::IllegalDataValue
            })),
            "FC {fc} quantity {quantity}"
        );
    }
    assert!(rtu::Adu::<Response<'_>>::parse(&[0x01, 0x02, 0x07]).is_err());
}

/// NModbus/NModbus (d96e770) `NModbus.UnitTests/Message/ModbusMessageFactoryFixture.cs`: the
/// frames its factory refuses (`...WithInvalidFrameSize`, `...InvalidFunctionCode`,
/// `...ThrowsOnNotEnoughBytes`, `...TooSmall`), as PDUs, refused here too: an exception whose
/// function byte is 0x80 (the exception of function 0, which §4.1 leaves invalid), with and
/// without its code; Read Holding Registers, Write Single Coil and Register, Write Multiple
/// Coils and Registers cut short; Write File Record with byte count 0 (§6.15: 0x09 to 0xFB);
/// Diagnostics Return Query Data with one data byte (§6.8: the data is N x 2 bytes).
#[test]
fn nmodbus_invalid_frames() {
    for pdu in [
        "8002",
        "80",
        "03 000005",
        "05 0069",
        "06 000100",
        "10 0005 0001 02",
        "0f 0013 000a 02",
        "15 00 13 00 0a",
        "08 0000 05",
    ] {
        let bytes = hex(pdu);
        assert!(Request::parse(&bytes).is_err(), "request {pdu}");
        assert!(Response::parse(&bytes).is_err(), "response {pdu}");
    }
    // ... and the same Write Multiple Coils response cut after its address.
    assert!(Response::parse(&hex("0f 0013")).is_err());
}

/// yaacov/node-modbus-serial (5ef4fde) `test/ports/rtubufferedport.test.js` and
/// `test/ports/asciiport.test.js` 'Illegal start chars, should synchronize to valid Modbus ...
/// message' and 'Illegal end chars, should return a valid Modbus ... message': the response to
/// the Read Holding Registers of 3 from 0x6B arrives after, or before, bytes that are no part of
/// it (RTU: 20 54 54 FF; ASCII: the characters `205454FF`, with the frame's `:` start here in
/// place of its `>` option). Both framings find the one frame past the noise and take nothing
/// after it.
#[test]
fn node_modbus_serial_stream_noise() {
    let frame = hex("110306ae415652434049ad");
    let rtu = rtu::Framing::responses();
    let mut noisy = hex("205454ff");
    noisy.extend_from_slice(&frame);
    let Ok(Status::Complete(found)) = rtu.find::<Response<'_>>(&noisy) else {
        panic!("{}", m2m_core::hex::encode(&noisy));
    };
    assert_eq!((found.skipped, found.consumed), (4, 4 + frame.len()));
    let mut trailing = frame.clone();
    trailing.extend_from_slice(&hex("205454ff"));
    let Ok(Status::Complete((adu, n))) = rtu.decode::<Response<'_>>(&trailing) else {
        panic!("{}", m2m_core::hex::encode(&trailing));
    };
    assert_eq!((adu.address, n), (0x11, frame.len()));

    let text = b":110306AE4156524340CC\r\n";
    let ascii = ascii::Framing::responses();
    let mut noisy = b"205454FF".to_vec();
    noisy.extend_from_slice(text);
    // The characters before the colon are passed over (an error whose skip is all of them),
    // then the frame is whole.
    let skip = match ascii.frame_len(&noisy) {
        Err(e) => e.skip_len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(skip, 8);
    let got = ascii.frame_len(&noisy[skip..]);
    assert!(
        matches!(got, Ok(Status::Complete(n)) if n == text.len()),
        "{got:?}"
    );
    let mut trailing = text.to_vec();
    trailing.extend_from_slice(b"205454FF");
    let got = ascii.frame_len(&trailing);
    assert!(
        matches!(got, Ok(Status::Complete(n)) if n == text.len()),
        "{got:?}"
    );
    let mut s = [0u8; 255];
    let adu = ascii::Adu::<Response<'_>>::parse(&trailing[..text.len()], &mut s).unwrap();
    assert_eq!(adu.address, 0x11);
}

/// minimalmodbus `tests/test_minimalmodbus.py` `TestDummyCommunicationHandleLocalEcho`: on a
/// two-wire line whose adapter echoes what is sent, the request to slave 20 (`14 03 0121 0001
/// D739`) comes back before the response (`14 03 02 0302 34B6`); minimalmodbus knows its
/// request and drops the echo. The Serial Line guide knows no echo, and the framing here knows
/// no request: the echo is noise to a response framing, whose first byte it passes over; at the
/// second (`03 01 21`: a Read Coils response of 33 bytes from unit 3 could start there) `find`
/// waits for more, as it promises never to drop a byte that could start a good frame. Once the
/// line has gone silent, `skip_to_whole_frame` passes over the rest of the echo to the
/// response. (A client that sees its own request can also drop those bytes itself.)
#[test]
fn minimalmodbus_local_echo() {
    let line = hex("140301210001d739 140302030234b6");
    let responses = rtu::Framing::responses();
    let skip = match responses.find::<Response<'_>>(&line) {
        Err(e) => e.skip_len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(skip, 1);
    assert!(matches!(
        responses.find::<Response<'_>>(&line[skip..]),
        Ok(Status::Partial(_))
    ));
    assert_eq!(responses.skip_to_whole_frame(&line), 8);
    let Ok(Status::Complete((adu, n))) = responses.decode::<Response<'_>>(&line[8..]) else {
        panic!("no response after the echo")
    };
    assert_eq!((adu.address, n), (20, 7));
    let Response::ReadHoldingRegisters { registers } = adu.pdu else {
        panic!("{:?}", adu.pdu)
    };
    assert_eq!(registers.iter().collect::<Vec<_>>(), [0x0302]);
}

/// minimalmodbus `TestPredictResponseSize.known_values` (and goburrow/modbus
/// `responseLengthTests`): the length of the response to a request, in bytes (RTU) or
/// characters (ASCII). Here the response framings tell, once the head of a response is in,
/// how much more is needed; head plus that is the same total: RTU 6 bytes for 1 to 8 coils, 7
/// for 9, 19 for 7 registers, 8 for the echoes of FC05, FC06, FC0F, FC10; ASCII 13 characters
/// for 1 to 8 coils, 15 for 9, 39 for 7 registers, 17 for the FC05 and FC10 echoes.
#[test]
fn minimalmodbus_predicted_response_sizes() {
    let total = |got: Result<Status<usize>, m2m_modbus::FrameError>, have: usize| match got {
        Ok(Status::Partial(m2m_core::Needed::Size(n))) => have + n.get(),
        other => panic!("{other:?}"),
    };
    let rtu = rtu::Framing::responses();
    for (head, want) in [
        (&[0x01, 0x01, 0x01][..], 6),
        (&[0x01, 0x02, 0x02], 7),
        (&[0x01, 0x03, 0x0E], 19),
        (&[0x01, 0x04, 0x0E], 19),
        (&[0x01, 0x05], 8),
        (&[0x01, 0x06], 8),
        (&[0x01, 0x0F], 8),
        (&[0x01, 0x10], 8),
    ] {
        assert_eq!(total(rtu.frame_len(head), head.len()), want, "{head:02x?}");
    }
    let ascii = ascii::Framing::responses();
    for (head, want) in [
        (&b":010101"[..], 13),
        (&b":010202"[..], 15),
        (&b":01030E"[..], 39),
        (&b":01040E"[..], 39),
        (&b":0105"[..], 17),
        (&b":0110"[..], 17),
    ] {
        assert_eq!(
            total(ascii.frame_len(head), head.len()),
            want,
            "{}",
            String::from_utf8_lossy(head)
        );
    }
}

/// NModbus (d96e770) `NModbus.UnitTests/IO/ModbusRtuTransportFixture.cs` `ResponseBytesToRead*`
/// and `RequestBytesToRead*`: how many bytes its RTU transport still reads after the first 4 of
/// a response or 7 of a request. The totals agree here (Read Coils response of byte count 5:
/// 10; Write Multiple Coils response: 8; exception: 5; Read Coils request: 8; Write Multiple
/// Coils request of 2 bytes: 11; Write Multiple Registers request of 4 bytes: 13; function
/// 0xFF is no request), with these departures of NModbus:
/// - a Read Coils response of byte count 0 gets 5 bytes there; §6.1 reads 1 to 2000 coils, so
///   at least one byte: refused here;
/// - Mask Write Register (0x16) is not implemented there; here its response is 10 bytes (§6.16);
/// - Diagnostics Return Query Data (sub-function 0000) is read as 8 bytes there; §6.8.1 echoes
///   whatever data came (N x 2 bytes), so here its length is open and the frame ends at the
///   line's silence, as NModbus's own `ReturnQueryDataRequestResponseFixture` PDU of four
///   registers needs.
#[test]
fn nmodbus_rtu_bytes_to_read() {
    let total = |got: Result<Status<usize>, m2m_modbus::FrameError>, have: usize| match got {
        Ok(Status::Partial(m2m_core::Needed::Size(n))) => have + n.get(),
        other => panic!("{other:?}"),
    };
    let (requests, responses) = (rtu::Framing::requests(), rtu::Framing::responses());
    for (head, want) in [
        ("110105cd", 10),
        ("110f0013", 8),
        ("118101", 5),
        ("11160001000204", 10),
    ] {
        let head = hex(head);
        assert_eq!(total(responses.frame_len(&head), head.len()), want);
    }
    for (head, want) in [
        ("11010013002500", 8),
        ("110f0013000a02", 11),
        ("11100001000204", 13),
    ] {
        let head = hex(head);
        assert_eq!(total(requests.frame_len(&head), head.len()), want);
    }
    assert!(requests.frame_len(&hex("11ff000100020400")).is_err());
    assert!(responses.frame_len(&hex("11010000")).is_err());
    // Return Query Data: open until the silence, then framed by its CRC.
    assert!(matches!(
        responses.frame_len(&hex("01080000")),
        Ok(Status::Partial(m2m_core::Needed::Unknown))
    ));
    let frame = rtu_frame(5, &hex("08 0000 0001000200030004"));
    assert_eq!(
        responses.frame_len_at_silence(&frame),
        Ok(Status::Complete(frame.len()))
    );
    let Ok(Status::Complete((adu, n))) = responses.decode_at_silence::<Response<'_>>(&frame) else {
        panic!("not decoded at silence")
    };
    assert_eq!(n, frame.len());
    assert!(matches!(
        adu.pdu,
        Response::Diagnostics { sub_function: 0, data } if data.len() == 8
    ));
}
