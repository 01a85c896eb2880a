use super::*;
use crate::data::{Bits, Data};
use crate::function::ExceptionCode;
use crate::list::List;
use std::string::ToString;

/// `for_quantity` reads bits built as values as the bytes they encode to, as it reads the
/// same bytes decoded.
#[test]
fn for_quantity_cuts_values_as_it_cuts_wire_bytes() {
    let sixteen = [true; 16];
    let built = Response::ReadCoils {
        coils: Bits::Values(&sixteen),
    };
    let wire = built.to_vec().unwrap();
    let decoded = Response::parse(&wire).unwrap();
    for q in 9..=16 {
        let a = built.clone().for_quantity(q).unwrap();
        let b = decoded.clone().for_quantity(q).unwrap();
        assert_eq!(a, b, "quantity {q}");
        assert!(matches!(&a, Response::ReadCoils { coils } if coils.len() == usize::from(q)));
    }
    for q in [0, 8, 17] {
        let a = built.clone().for_quantity(q);
        let b = decoded.clone().for_quantity(q);
        assert_eq!(a, b, "quantity {q}");
        assert!(
            matches!(a, Err(Error::ByteCount { actual: 2, .. })),
            "{a:?}"
        );
    }
    // Cut once, not widened again (decoded or built).
    let cut = decoded.clone().for_quantity(10).unwrap();
    assert!(matches!(
        cut.for_quantity(16),
        Err(Error::Quantity { max: 10, .. })
    ));
    let cut = built.clone().for_quantity(10).unwrap();
    assert!(matches!(
        cut.for_quantity(16),
        Err(Error::Quantity { max: 10, .. })
    ));
    // Ten values encode to two bytes; asked for 12 they have no bits 10 and 11 to give.
    let ten = [true; 10];
    assert_eq!(
        (Response::ReadDiscreteInputs {
            inputs: Bits::Values(&ten)
        })
        .for_quantity(12),
        Err(Error::Quantity {
            function: 0x02,
            quantity: 12,
            min: 1,
            max: 10
        })
    );
}

/// A group whose own length runs past the bytes the byte count gives is a malformed frame
/// (the byte count disagrees with the groups, §6.14/§6.15), not one still arriving: a
/// caller that waits on `Truncated` would wait for ever.
#[test]
fn file_groups_overrunning_their_byte_count_are_byte_count_errors() {
    use m2m_core::{ErrorKind, ProtocolError};
    // FC15: byte count 9 holds one group header and one register, the group says 5.
    let fc15 = [
        0x15, 0x09, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x12, 0x34,
    ];
    let e = Request::parse(&fc15).unwrap_err();
    assert_eq!(
        e,
        Error::ByteCount {
            function: 0x15,
            offset: 1,
            actual: 9,
            expected: Count::AtLeast(17)
        }
    );
    assert_eq!(e.kind(), ErrorKind::Malformed);
    assert!(Response::parse(&fc15).is_err_and(|e| e.kind() == ErrorKind::Malformed));
    // A group of 0xFFFF registers: the count it needs is more than a byte count can be, and
    // the message says "at least", not a count to send.
    let huge = [
        0x15, 0x09, 0x06, 0x00, 0x01, 0x00, 0x00, 0xff, 0xff, 0x12, 0x34,
    ];
    assert_eq!(
        Request::parse(&huge).unwrap_err().to_string(),
        "byte count 9 at byte 1 (expected at least 131077) for function 0x15"
    );
    // FC14 response: data length 4, the sub-response says 5 (reference type and 4 bytes).
    let fc14 = [0x14, 0x04, 0x05, 0x06, 0x12, 0x34];
    let e = Response::parse(&fc14).unwrap_err();
    assert_eq!(
        e,
        Error::ByteCount {
            function: 0x14,
            offset: 1,
            actual: 4,
            expected: Count::AtLeast(6)
        }
    );
    // The same PDUs cut short are still incomplete: the byte count is not all in.
    assert!(matches!(
        Request::parse(&fc15[..10]),
        Err(Error::Truncated { .. })
    ));
    // A hand-built `Wire` list is held to the same rule on encode.
    let records = List::Wire(&fc15[2..]);
    assert!(matches!(
        (Request::WriteFileRecord { records }).to_vec(),
        Err(Error::ByteCount { function: 0x15, .. })
    ));
}

/// A device-identification object list has no byte count: a hand-built `Wire` list cut short
/// is refused on encode as decoding refuses the same bytes, as truncated.
#[test]
fn device_id_objects_cut_short_are_truncated_both_ways() {
    let cut = [0x01, 0x05, b'a'];
    let rsp = Response::ReadDeviceIdentification {
        read_code: 1,
        conformity_level: 0x01,
        more_follows: false,
        next_object_id: 0,
        objects: List::Wire(&cut),
    };
    assert!(
        matches!(rsp.to_vec(), Err(Error::Truncated { .. })),
        "{:?}",
        rsp.to_vec()
    );
    let pdu = [0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x01, 0x01, 0x05, b'a'];
    assert!(matches!(
        Response::parse(&pdu),
        Err(Error::Truncated { .. })
    ));
}

/// §6.14: a Read File Record request may ask for no more than its response can carry: data
/// length 0xF5, two bytes per sub-response besides the registers. One group: 121 registers
/// (2 + 242 = 244 <= 245), not 122; two groups: 120 in all.
#[test]
fn file_reads_are_bounded_by_the_response_they_ask_for() {
    let one = |len: u16| {
        let [h, l] = len.to_be_bytes();
        [0x14, 0x07, 0x06, 0x00, 0x01, 0x00, 0x00, h, l]
    };
    assert!(Request::parse(&one(121)).is_ok());
    for len in [122, 0x1000, 0xFFFF] {
        assert_eq!(
            Request::parse(&one(len)),
            Err(Error::Quantity {
                function: 0x14,
                quantity: usize::from(len),
                min: 0,
                max: 121
            })
        );
    }
    let two = |a: u8, b: u8| {
        [
            0x14, 0x0E, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00, a, 0x06, 0x00, 0x02, 0x00, 0x00, 0x00,
            b,
        ]
    };
    assert!(Request::parse(&two(60, 60)).is_ok());
    assert!(matches!(
        Request::parse(&two(60, 61)),
        Err(Error::Quantity { max: 120, .. })
    ));
    // The largest answer fits the response encoder; one register more fits no response.
    let regs = [0u16; 121];
    let rsp = Response::ReadFileRecord {
        records: List::Values(&[FileRecordData {
            registers: Registers::from(&regs[..]),
        }]),
    };
    assert!(rsp.to_vec().is_ok());
    // Encoding refuses what decoding refuses.
    let sub = |record_length| FileSubRequest {
        file_number: 1,
        record_number: 0,
        record_length,
    };
    let ok = [sub(121)];
    assert!(
        Request::ReadFileRecord {
            records: List::Values(&ok)
        }
        .to_vec()
        .is_ok()
    );
    let over = [sub(122)];
    assert!(matches!(
        Request::ReadFileRecord {
            records: List::Values(&over)
        }
        .to_vec(),
        Err(Error::Quantity { .. })
    ));
    // A server answers it with Illegal Data Value, as a register read over its quantity.
    let pdu = one(122);
    let e = Request::parse(&pdu).unwrap_err();
    assert_eq!(
        crate::server::exception_for(&pdu, &e),
        Some(Response::Exception {
            function_code: 0x14,
            exception: ExceptionCode::IllegalDataValue
        })
    );
}

// Application Protocol V1.1b3 §6.3 example.
static FC03_REQ: [u8; 5] = [0x03, 0x00, 0x6b, 0x00, 0x03];
static FC03_RSP: [u8; 8] = [0x03, 0x06, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64];

/// Whatever `plausible` refuses, strict decoding refuses with the error of a checked field,
/// which is what the serial framing reports for it.
#[test]
fn what_plausible_refuses_the_decoder_names() {
    let mut seed = 0x9E37_79B9_u32;
    let mut refused = 0;
    for code in [1u8, 2, 3, 4, 5, 0x0C, 0x0F, 0x10, 0x14, 0x15, 0x17, 0x18] {
        // Each error `implausible` builds, seen at least once for this code.
        let mut kinds = std::collections::BTreeSet::new();
        for _ in 0..4000 {
            let mut pdu = [code, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            for b in &mut pdu[1..] {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                // Small values often, so that counts and quantities land near their limits.
                let [low, ..] = seed.to_le_bytes();
                *b = if seed & 0x100 != 0 { low } else { low & 0x0F };
            }
            if plausible(Direction::Response, &pdu) {
                continue;
            }
            refused += 1;
            let e = implausible(&pdu);
            kinds.insert(match e {
                Error::ByteCount { offset, .. } => ("count", offset),
                Error::Value { field, offset, .. } => (field, offset),
                _ => ("quantity", 3),
            });
            // The decoder, given the whole frame (here: the bytes, then zeros).
            let mut whole = [0u8; MAX_PDU];
            whole[..pdu.len()].copy_from_slice(&pdu);
            assert_eq!(Err(e), Response::parse(&whole), "{pdu:02x?}");
            assert!(
                matches!(
                    e,
                    Error::ByteCount { .. } | Error::Value { .. } | Error::Quantity { .. }
                ),
                "{pdu:02x?}: {e:?}"
            );
        }
        let want = match code {
            0x14 => 3,
            0x15 | 0x18 => 2,
            _ => 1,
        };
        assert_eq!(kinds.len(), want, "{code:02x}: {kinds:?}");
    }
    assert!(refused > 10_000, "{refused}");
}

/// A hand-built `Wire` list is written only if the decoder would accept it.
#[test]
fn a_wire_list_is_checked_before_it_is_written() {
    // Reference type 7 in a file-record sub-request.
    let bad = Request::ReadFileRecord {
        records: List::Wire(&[7, 0, 1, 0, 0, 0, 1]),
    };
    assert!(matches!(
        bad.to_vec(),
        Err(Error::Value {
            field: "file reference type",
            offset: 2,
            ..
        })
    ));
    let good = Request::ReadFileRecord {
        records: List::Wire(&[6, 0, 1, 0, 0, 0, 1]),
    };
    let bytes = good.to_vec().unwrap();
    assert_eq!(bytes, [0x14, 7, 6, 0, 1, 0, 0, 0, 1]);
    assert_eq!(Request::parse(&bytes).unwrap(), good);
    // Device-id objects cut short.
    let cut = Response::ReadDeviceIdentification {
        read_code: 1,
        conformity_level: 1,
        more_follows: false,
        next_object_id: 0,
        objects: List::Wire(&[0, 5, b'a']),
    };
    assert!(cut.to_vec().is_err());
}

/// The response encoder holds the Read Device ID code to 1..=4, as the decoder does.
#[test]
fn device_id_responses_are_encoded_only_with_a_valid_read_code() {
    for read_code in [0u8, 5, 0xFF] {
        let rsp = Response::ReadDeviceIdentification {
            read_code,
            conformity_level: 1,
            more_follows: false,
            next_object_id: 0,
            objects: List::Values(&[]),
        };
        assert!(matches!(
            rsp.to_vec(),
            Err(Error::Value {
                field: "read device id code",
                ..
            })
        ));
    }
}

/// A PDU far over the limit is refused with `PduTooLong` by every `to_vec`, as by `encode`
/// into a buffer big enough (`to_vec` now gives its encoder at most an ASCII frame's room:
/// this holds the error to be the same; the size of the buffer is not observed).
#[test]
fn to_vec_refuses_a_huge_pdu_by_its_limit() {
    use crate::{ascii, rtu, tcp};
    let data = std::vec![0u8; 1 << 20];
    let pdu = Request::Raw {
        code: 0x41,
        data: Data::from(&data[..]),
    };
    let want = Error::PduTooLong { len: (1 << 20) + 1 };
    let mut big = std::vec![0u8; (1 << 21) + 600];
    assert_eq!(pdu.encode(&mut big), Err(want));
    assert_eq!(pdu.to_vec(), Err(want));
    let t = tcp::Adu {
        transaction_id: 1,
        unit_id: 1,
        pdu: pdu.clone(),
    };
    assert_eq!(t.encode(&mut big), Err(want));
    assert_eq!(t.to_vec(), Err(want));
    let r = rtu::Adu {
        address: 1,
        pdu: pdu.clone(),
    };
    assert_eq!(r.encode(&mut big), Err(want));
    assert_eq!(r.to_vec(), Err(want));
    let a = ascii::Adu { address: 1, pdu };
    assert_eq!(a.encode(&mut big), Err(want));
    assert_eq!(a.to_vec(), Err(want));
}

#[test]
fn deconstruct_fc03() {
    let req = Request::parse(&FC03_REQ).unwrap();
    assert_eq!(
        req,
        Request::ReadHoldingRegisters {
            address: 0x6b,
            quantity: 3
        }
    );
    let Response::ReadHoldingRegisters { registers } = Response::parse(&FC03_RSP).unwrap() else {
        panic!("wrong variant");
    };
    assert_eq!(
        registers.iter().collect::<std::vec::Vec<_>>(),
        [555, 0, 100]
    );
}

#[test]
fn construct_fc03() {
    let mut buf = [0u8; 16];
    let req = Request::ReadHoldingRegisters {
        address: 0x6b,
        quantity: 3,
    };
    assert_eq!(req.buffer_len(), 5);
    let n = req.encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], &FC03_REQ);
    let rsp = Response::ReadHoldingRegisters {
        registers: Registers::from(&[555, 0, 100]),
    };
    let n = rsp.encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], &FC03_RSP);
    assert!(rsp.encode(&mut buf[..7]).is_err());
}

#[test]
fn limits_on_decode_and_encode() {
    // 126 registers is one too many.
    let bad = [0x03, 0x00, 0x00, 0x00, 0x7e];
    assert!(matches!(
        Request::parse(&bad),
        Err(Error::Quantity { quantity: 126, .. })
    ));
    let req = Request::ReadHoldingRegisters {
        address: 0,
        quantity: 0,
    };
    assert!(matches!(
        req.encode(&mut [0; 8]),
        Err(Error::Quantity { .. })
    ));
    // FC05 value must be 0x0000 or 0xFF00.
    assert!(matches!(
        Request::parse(&[0x05, 0x00, 0x01, 0x12, 0x34]),
        Err(Error::Value { offset: 3, .. })
    ));
}

#[test]
fn tokio_modbus_fc0f_panic_input_is_an_error() {
    // 0F 0000 0010 01 FF: 16 coils need 2 bytes, the count says 1.
    assert!(matches!(
        Request::parse(&[0x0f, 0x00, 0x00, 0x00, 0x10, 0x01, 0xff]),
        Err(Error::ByteCount {
            actual: 1,
            expected: Count::Exactly(2),
            offset: 5,
            ..
        })
    ));
}

#[test]
fn trailing_bytes_are_strict_by_default() {
    let mut long = [0u8; 6];
    long[..5].copy_from_slice(&FC03_REQ);
    assert!(matches!(
        Request::parse(&long),
        Err(Error::TrailingBytes { offset: 5, len: 1 })
    ));
    assert!(Request::parse_with(&long, &Config::LENIENT).is_ok());
}

#[test]
fn exceptions() {
    assert_eq!(
        Response::parse(&[0x81, 0x02]).unwrap(),
        Response::Exception {
            function_code: 1,
            exception: ExceptionCode::IllegalDataAddress
        }
    );
    assert_eq!(
        Response::parse(&[0xc1, 0x2a]).unwrap(),
        Response::Exception {
            function_code: 0x41,
            exception: ExceptionCode::Unknown(0x2a)
        }
    );
    assert!(Response::parse(&[0x80, 0x01]).is_err());
    assert!(Response::parse_with(&[0x80, 0x01], &Config::LENIENT).is_ok());
}

#[test]
fn unknown_function_codes_are_raw() {
    let pdu = [0x41, 0x01, 0x02];
    let req = Request::parse(&pdu).unwrap();
    assert_eq!(
        req,
        Request::Raw {
            code: 0x41,
            data: Data::from(&[1u8, 2])
        }
    );
    let mut buf = [0u8; 3];
    assert_eq!(req.encode(&mut buf), Ok(3));
    assert_eq!(buf, pdu);
    assert!(matches!(
        Request::parse(&[0x00]),
        Err(Error::InvalidFunction { code: 0 })
    ));
}

#[test]
fn one_register_file_read_response() {
    // File 4, one record: length 3 (reference type + 2 bytes), byte count 4.
    let pdu = [0x14, 0x04, 0x03, 0x06, 0x12, 0x34];
    let rsp = Response::parse(&pdu).unwrap();
    assert_eq!(rsp.to_vec().unwrap(), pdu);
}

#[test]
fn lengths_from_prefixes() {
    assert_eq!(request_len(&[]), Ok(PduLen::AtLeast(1)));
    assert_eq!(request_len(&[0x03]), Ok(PduLen::Exact(5)));
    assert_eq!(request_len(&[0x10, 0, 1, 0, 2]), Ok(PduLen::AtLeast(6)));
    assert_eq!(request_len(&[0x10, 0, 1, 0, 2, 4]), Ok(PduLen::Exact(10)));
    assert_eq!(request_len(&[0x08, 0, 0]), Ok(PduLen::Unknown));
    assert_eq!(request_len(&[0x08, 0, 1]), Ok(PduLen::Exact(5)));
    assert_eq!(response_len(&[0x83]), Ok(PduLen::Exact(2)));
    assert_eq!(response_len(&[0x03, 6]), Ok(PduLen::Exact(8)));
    assert_eq!(response_len(&[0x18, 0, 6]), Ok(PduLen::Exact(9)));
    assert!(response_len(&[0x80]).is_err());
    // 2B/0E response with one object of 3 bytes.
    let rsp = [0x2b, 0x0e, 1, 1, 0, 0, 1, 0, 3, b'a', b'b', b'c'];
    assert_eq!(response_len(&rsp[..8]), Ok(PduLen::AtLeast(9)));
    assert_eq!(response_len(&rsp), Ok(PduLen::Exact(12)));
    assert!(Response::parse(&rsp).is_ok());
}

/// TCP and RTU ADU encoders (fast path first) against their general encoders.
/// One case of `fast_encoders_agree_with_the_general_encoder`: the bytes the fast layout
/// stands for, whether the PDU has one, and the buffer (`room` bytes of `fill`).
struct FastCase<'m> {
    model: &'m [u8],
    fast_layout: bool,
    room: usize,
    fill: u8,
}

impl FastCase<'_> {
    /// `encode_fast` against `general` (the PDU's general encoder) and the model, then the ADU
    /// encoders built on them.
    fn check<'a, P: Pdu<'a> + Clone>(
        &self,
        pdu: &P,
        general: fn(&P, &mut [u8]) -> Result<usize, Error>,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut a = std::vec![self.fill; self.room];
        let mut b = std::vec![self.fill; self.room];
        let fast = pdu.encode_fast(&mut a);
        let general = general(pdu, &mut b);
        match fast {
            Some(n) => {
                proptest::prop_assert_eq!(general, Ok(n));
                proptest::prop_assert_eq!(&a[..n], &b[..n]);
                proptest::prop_assert_eq!(&a[..n], self.model);
                proptest::prop_assert_eq!(n, pdu.buffer_len());
            }
            None => {
                proptest::prop_assert!(a.iter().all(|&x| x == self.fill), "None wrote");
                proptest::prop_assert!(!self.fast_layout || general.is_err(), "{general:?}");
            }
        }
        check_adus(pdu, self.room, self.fill)
    }
}

fn check_adus<'a, P: Pdu<'a> + Clone>(
    pdu: &P,
    room: usize,
    fill: u8,
) -> Result<(), proptest::test_runner::TestCaseError> {
    let tcp = crate::tcp::Adu {
        transaction_id: 0x1234,
        unit_id: 7,
        pdu: pdu.clone(),
    };
    let (mut a, mut b) = (std::vec![fill; room], std::vec![fill; room]);
    let n = tcp.encode(&mut a);
    proptest::prop_assert_eq!(n, tcp.encode_general(&mut b));
    if let Ok(n) = n {
        proptest::prop_assert_eq!(&a[..n], &b[..n]);
    }
    let rtu = crate::rtu::Adu {
        address: 7,
        pdu: pdu.clone(),
    };
    let (mut a, mut b) = (std::vec![fill; room], std::vec![fill; room]);
    let n = rtu.encode(&mut a);
    proptest::prop_assert_eq!(n, rtu.encode_general(&mut b));
    if let Ok(n) = n {
        proptest::prop_assert_eq!(&a[..n], &b[..n]);
    }
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(2048))]
    /// The whole-layout fast paths give exactly what the general decoder gives.
    #[test]
    fn fast_paths_agree_with_the_general_decoder(
        code in proptest::prop_oneof![0x01u8..=0x06, proptest::strategy::Just(0x10u8)],
        rcode in proptest::prop_oneof![proptest::strategy::Just(0x03u8), proptest::strategy::Just(0x04), proptest::strategy::Just(0x17)],
        body in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..260),
        small in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 4),
    ) {
        let mut req = std::vec![code];
        req.extend_from_slice(if code == 0x10 { &body } else { &small });
        proptest::prop_assert_eq!(
            Request::parse_with(&req, &Config::STRICT),
            Request::parse_general(&req, &Config::STRICT)
        );
        let mut rsp = std::vec![rcode];
        rsp.extend_from_slice(&body);
        proptest::prop_assert_eq!(
            Response::parse_with(&rsp, &Config::STRICT),
            Response::parse_general(&rsp, &Config::STRICT)
        );
        // Shaped to pass: byte count agreeing with the data.
        if let Some(n) = body.len().checked_sub(1) {
            let mut ok = std::vec![rcode, u8::try_from(n).unwrap_or(0)];
            ok.extend_from_slice(&body[1..]);
            proptest::prop_assert_eq!(
                Response::parse_with(&ok, &Config::STRICT),
                Response::parse_general(&ok, &Config::STRICT)
            );
        }
    }

    /// The whole-layout encoders write exactly what the general encoder writes, and take every
    /// case of their layouts that the general encoder accepts; `None` writes nothing. The ADU
    /// encoders built on them agree with their general encoders as well.
    #[test]
    fn fast_encoders_agree_with_the_general_encoder(
        which in 0u8..12,
        address in proptest::arbitrary::any::<u16>(),
        value in proptest::prop_oneof![0u16..=3, 120u16..=130, 1995u16..=2005, proptest::arbitrary::any::<u16>()],
        words in proptest::prop_oneof![
            proptest::collection::vec(proptest::arbitrary::any::<u16>(), 0..=3),
            proptest::collection::vec(proptest::arbitrary::any::<u16>(), 121..=127),
            proptest::collection::vec(proptest::arbitrary::any::<u16>(), 0..=130),
        ],
        odd in proptest::arbitrary::any::<bool>(),
        wire in proptest::arbitrary::any::<bool>(),
        room in proptest::prop_oneof![proptest::strategy::Just(300usize), 0usize..=270],
        fill in proptest::arbitrary::any::<u8>(),
    ) {
        let mut bytes: std::vec::Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
        if odd {
            bytes.push(fill);
        }
        let registers = if wire { Registers::Wire(&bytes) } else { Registers::Values(&words) };
        let on = value & 1 == 1;
        let (req, rsp) = match which {
            0 => (Some(Request::ReadCoils { address, quantity: value }), None),
            1 => (Some(Request::ReadDiscreteInputs { address, quantity: value }), None),
            2 => (Some(Request::ReadHoldingRegisters { address, quantity: value }), None),
            3 => (Some(Request::ReadInputRegisters { address, quantity: value }), None),
            4 => (
                Some(Request::WriteSingleCoil { address, value: on }),
                Some(Response::WriteSingleCoil { address, value: on }),
            ),
            5 => (
                Some(Request::WriteSingleRegister { address, value }),
                Some(Response::WriteSingleRegister { address, value }),
            ),
            6 => (Some(Request::WriteMultipleRegisters { address, registers }), None),
            7 => (None, Some(Response::ReadHoldingRegisters { registers })),
            8 => (None, Some(Response::ReadInputRegisters { registers })),
            9 => (None, Some(Response::ReadWriteMultipleRegisters { registers })),
            // Layouts without a fast path: `None`, always.
            10 => (Some(Request::MaskWriteRegister { address, and_mask: value, or_mask: 1 }), None),
            _ => (None, Some(Response::WriteMultipleRegisters { address, quantity: value })),
        };
        let fast_layout = which < 10;
        // The bytes each fast layout stands for, written out by hand.
        let [a0, a1] = address.to_be_bytes();
        let [v0, v1] = value.to_be_bytes();
        let q = u8::try_from(words.len()).unwrap_or(0);
        let data: &[u8] = &words.iter().flat_map(|w| w.to_be_bytes()).collect::<std::vec::Vec<u8>>();
        let model: std::vec::Vec<u8> = match which {
            0..=3 => std::vec![which.wrapping_add(1), a0, a1, v0, v1],
            4 => std::vec![5, a0, a1, if on { 0xFF } else { 0 }, 0],
            5 => std::vec![6, a0, a1, v0, v1],
            6 => [&[0x10, a0, a1, 0, q, q.wrapping_mul(2)][..], data].concat(),
            7 => [&[3, q.wrapping_mul(2)][..], data].concat(),
            8 => [&[4, q.wrapping_mul(2)][..], data].concat(),
            9 => [&[0x17, q.wrapping_mul(2)][..], data].concat(),
            _ => std::vec![],
        };
        let case = FastCase { model: &model, fast_layout, room, fill };
        if let Some(req) = req {
            case.check(&req, Request::encode_general)?;
        }
        if let Some(rsp) = rsp {
            case.check(&rsp, Response::encode_general)?;
        }
    }
}

/// A byte count that runs past the end of a frame whose length is known (the MBAP length,
/// the CR LF of ASCII, the CRC of RTU) is a malformed frame, [`Error::Overrun`], not one still
/// arriving: a reader that waits on `Truncated` would wait for ever.
#[test]
fn a_byte_count_past_a_complete_frame_is_an_overrun() {
    use crate::{ascii, rtu, tcp};
    use m2m_core::{ErrorKind, ProtocolError};
    // FC03 answer whose byte count says 4, one byte given.
    let tcp_frame = [0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x01, 0x03, 0x04, 0x00];
    let e = tcp::Adu::<Response<'_>>::parse(&tcp_frame).unwrap_err();
    assert_eq!(
        e,
        Error::Overrun {
            offset: 9,
            needed: 3
        }
    );
    assert_eq!(e.kind(), ErrorKind::Malformed);
    let mut scratch = [0u8; 255];
    let e = ascii::Adu::<Response<'_>>::parse(b":01030400F8\r\n", &mut scratch).unwrap_err();
    assert!(matches!(e, Error::Overrun { needed: 3, .. }), "{e:?}");
    let mut rtu_frame = std::vec![0x01, 0x03, 0x04, 0x00];
    let crc = rtu::crc16(&rtu_frame);
    rtu_frame.extend_from_slice(&crc.to_le_bytes());
    let e = rtu::Adu::<Response<'_>>::parse(&rtu_frame).unwrap_err();
    assert!(matches!(e, Error::Overrun { needed: 3, .. }), "{e:?}");
    // A PDU alone may still be arriving: truncated.
    assert!(matches!(
        Response::parse(&[0x03, 0x04, 0x00]),
        Err(Error::Truncated { .. })
    ));
}

/// §6.8.1: Return Query Data (0x0000) is words ("N x 2 Bytes"); §6.13: Report Server ID
/// carries the Run Indicator Status byte at least. Both ways.
#[test]
fn diagnostics_data_is_words_and_report_server_id_is_never_empty() {
    for pdu in [
        &[0x08, 0x00, 0x00, 0xa5][..],
        &[0x08, 0x00, 0x00, 0xa5, 0x37, 0x01],
    ] {
        assert!(
            matches!(
                Request::parse(pdu),
                Err(Error::ByteCount { function: 0x08, .. })
            ),
            "{pdu:02x?}"
        );
        assert!(matches!(
            Response::parse(pdu),
            Err(Error::ByteCount { function: 0x08, .. })
        ));
    }
    assert!(Request::parse(&[0x08, 0x00, 0x00, 0xa5, 0x37]).is_ok());
    // A reserved sub-function carries what its vendor defines.
    assert!(Request::parse(&[0x08, 0x00, 0x15, 0xa5]).is_ok());
    let odd = Request::Diagnostics {
        sub_function: 0,
        data: Data::from(&[0xa5][..]),
    };
    assert!(matches!(
        odd.to_vec(),
        Err(Error::ByteCount { function: 0x08, .. })
    ));
    assert!(matches!(
        Response::parse(&[0x11, 0x00]),
        Err(Error::ByteCount {
            function: 0x11,
            actual: 0,
            ..
        })
    ));
    let empty = Response::ReportServerId {
        data: Data::from(&[][..]),
    };
    assert!(matches!(
        empty.to_vec(),
        Err(Error::ByteCount { function: 0x11, .. })
    ));
    assert!(Response::parse(&[0x11, 0x01, 0xff]).is_ok());
}

/// A byte-count error never names as allowed the count it refuses, and says what the rule is:
/// every function code, both directions, every byte count with a few bytes after it.
#[test]
fn a_byte_count_error_states_a_rule_the_count_breaks() {
    let mut seen = 0;
    for code in 1..=0x7fu8 {
        for bc in 0..=255u8 {
            for (tail, fill) in [0usize, 1, 2, 7, 64, 251]
                .into_iter()
                .flat_map(|t| [(t, 1u8), (t, 2), (t, 6)])
            {
                let mut pdu = std::vec![code, bc];
                pdu.extend(core::iter::repeat_n(fill, tail));
                for e in [Request::parse(&pdu).err(), Response::parse(&pdu).err()]
                    .into_iter()
                    .flatten()
                {
                    if let Error::ByteCount {
                        actual, expected, ..
                    } = e
                    {
                        seen += 1;
                        assert!(!expected.allows(actual), "{pdu:02x?}: {e}");
                    }
                }
            }
        }
    }
    assert!(seen > 1000, "{seen}");
    // An odd register byte count says that counts go in steps of two.
    let e = Response::parse(&[0x03, 0x07, 0, 1, 0, 2, 0, 3, 4]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "byte count 7 at byte 1 (expected 2 to 250 in steps of 2) for function 0x03"
    );
}

#[test]
fn counts_allow_what_they_say() {
    assert!(Count::Exactly(6).allows(6) && !Count::Exactly(6).allows(7));
    let even = Count::stepped(2, 250, 2);
    assert!(even.allows(2) && even.allows(250) && even.allows(124));
    assert!(!even.allows(0) && !even.allows(7) && !even.allows(252));
    let odd = Count::stepped(1, 243, 2);
    assert!(odd.allows(1) && odd.allows(243) && !odd.allows(2) && !odd.allows(245));
    let any = Count::range(9, 0xFB);
    assert!(any.allows(9) && any.allows(10) && !any.allows(8) && !any.allows(0xFC));
    assert_eq!(Count::Exactly(6).to_string(), "6");
    assert_eq!(any.to_string(), "9 to 251");
    assert_eq!(odd.to_string(), "1 to 243 in steps of 2");
}
