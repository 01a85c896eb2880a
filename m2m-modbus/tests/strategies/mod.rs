//! Strategies for the property tests: every request and response type, the addresses of
//! each direction. Shared by `prop.rs` and `alloc.rs`.
#![allow(dead_code)] // each test binary uses a part

use m2m_modbus::{
    Bits, Data, DeviceIdObject, ExceptionCode, FileRecord, FileRecordData, FileSubRequest, List,
    Registers, Request, Response,
};
use proptest::collection::vec;
use proptest::prelude::*;

pub(crate) fn regs(
    n: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Registers<'static>> {
    vec(any::<u16>(), n).prop_map(Registers::Owned)
}

pub(crate) fn bits(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Bits<'static>> {
    vec(any::<bool>(), n).prop_map(Bits::Owned)
}

pub(crate) fn data(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Data<'static>> {
    vec(any::<u8>(), n).prop_map(Data::Owned)
}

/// `n` words of data (an even number of bytes).
pub(crate) fn words(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Data<'static>> {
    vec(any::<[u8; 2]>(), n).prop_map(|w| Data::Owned(w.concat()))
}

/// User-defined and reserved function codes (not public).
pub(crate) fn raw_code() -> impl Strategy<Value = u8> {
    (1u8..=0x7F).prop_filter("not a public code", |c| {
        !m2m_modbus::FunctionCode::from_u8(*c).is_some_and(|f| f.is_public())
    })
}

pub(crate) fn diagnostics() -> impl Strategy<Value = (u16, Data<'static>)> {
    prop_oneof![
        (
            prop_oneof![1u16..=4, 0x0Au16..=0x12, Just(0x14u16)],
            data(2..=2)
        ),
        // Words (§6.8.1: "N x 2 Bytes"); reserved ones, what their vendors define.
        (Just(0u16), words(0..=125)),
        (0x15u16..=0xFFFF, data(0..=250)),
    ]
}

/// Record groups of Write File Record (FC15), request and echo alike: 1..=3 groups of 1..=20
/// registers.
pub(crate) fn file_records() -> impl Strategy<Value = List<'static, FileRecord<'static>>> {
    vec((any::<u16>(), 0u16..=0x270F, regs(1..=20)), 1..=3).prop_map(|v| {
        List::Owned(
            v.into_iter()
                .map(|(file_number, record_number, registers)| FileRecord {
                    file_number,
                    record_number,
                    registers,
                })
                .collect(),
        )
    })
}

pub(crate) fn request() -> impl Strategy<Value = Request<'static>> {
    prop_oneof![
        (any::<u16>(), 1u16..=2000)
            .prop_map(|(address, quantity)| Request::ReadCoils { address, quantity }),
        (any::<u16>(), 1u16..=2000)
            .prop_map(|(address, quantity)| Request::ReadDiscreteInputs { address, quantity }),
        (any::<u16>(), 1u16..=125)
            .prop_map(|(address, quantity)| Request::ReadHoldingRegisters { address, quantity }),
        (any::<u16>(), 1u16..=125)
            .prop_map(|(address, quantity)| Request::ReadInputRegisters { address, quantity }),
        (any::<u16>(), any::<bool>())
            .prop_map(|(address, value)| Request::WriteSingleCoil { address, value }),
        (any::<u16>(), any::<u16>())
            .prop_map(|(address, value)| Request::WriteSingleRegister { address, value }),
        Just(Request::ReadExceptionStatus),
        diagnostics().prop_map(|(sub_function, data)| Request::Diagnostics { sub_function, data }),
        Just(Request::GetCommEventCounter),
        Just(Request::GetCommEventLog),
        (any::<u16>(), bits(1..=1968))
            .prop_map(|(address, coils)| Request::WriteMultipleCoils { address, coils }),
        (any::<u16>(), regs(1..=123)).prop_map(|(address, registers)| {
            Request::WriteMultipleRegisters { address, registers }
        }),
        Just(Request::ReportServerId),
        // The lengths share what one response carries (§6.14): 0xF5 bytes of data, 2 per
        // sub-response besides the registers; each group takes what it asks of what is left.
        vec((any::<u16>(), 0u16..=0x270F, 0u16..=121), 1..=35).prop_map(|v| {
            let mut left = (0xF5 - 2 * u16::try_from(v.len()).expect("at most 35 groups")) / 2;
            Request::ReadFileRecord {
                records: List::Owned(
                    v.into_iter()
                        .map(|(file_number, record_number, asked)| {
                            let record_length = asked.min(left);
                            left -= record_length;
                            FileSubRequest {
                                file_number,
                                record_number,
                                record_length,
                            }
                        })
                        .collect(),
                ),
            }
        }),
        file_records().prop_map(|records| Request::WriteFileRecord { records }),
        (any::<u16>(), any::<u16>(), any::<u16>()).prop_map(|(address, and_mask, or_mask)| {
            Request::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            }
        }),
        (any::<u16>(), 1u16..=125, any::<u16>(), regs(1..=121)).prop_map(
            |(read_address, read_quantity, write_address, registers)| {
                Request::ReadWriteMultipleRegisters {
                    read_address,
                    read_quantity,
                    write_address,
                    registers,
                }
            }
        ),
        any::<u16>().prop_map(|address| Request::ReadFifoQueue { address }),
        (1u8..=4, any::<u8>()).prop_map(|(read_code, object_id)| {
            Request::ReadDeviceIdentification {
                read_code,
                object_id,
            }
        }),
        (
            any::<u8>().prop_filter("not 0x0E", |m| *m != 0x0E),
            data(0..=200)
        )
            .prop_map(|(mei_type, data)| Request::EncapsulatedInterface { mei_type, data }),
        (raw_code(), data(0..=200)).prop_map(|(code, data)| Request::Raw { code, data }),
    ]
}

pub(crate) fn response() -> impl Strategy<Value = Response<'static>> {
    // Decoding a coil response yields 8 bits per byte: generate whole bytes so the round trip is
    // exact (cutting to a quantity is tested in the vectors).
    let byte_bits = (1usize..=250).prop_flat_map(|n| bits(n * 8..=n * 8));
    prop_oneof![
        byte_bits
            .clone()
            .prop_map(|coils| Response::ReadCoils { coils }),
        byte_bits.prop_map(|inputs| Response::ReadDiscreteInputs { inputs }),
        regs(1..=125).prop_map(|registers| Response::ReadHoldingRegisters { registers }),
        regs(1..=125).prop_map(|registers| Response::ReadInputRegisters { registers }),
        (any::<u16>(), any::<bool>())
            .prop_map(|(address, value)| Response::WriteSingleCoil { address, value }),
        (any::<u16>(), any::<u16>())
            .prop_map(|(address, value)| Response::WriteSingleRegister { address, value }),
        any::<u8>().prop_map(|status| Response::ReadExceptionStatus { status }),
        diagnostics().prop_map(|(sub_function, data)| Response::Diagnostics { sub_function, data }),
        (any::<u16>(), any::<u16>()).prop_map(|(status, event_count)| {
            Response::GetCommEventCounter {
                status,
                event_count,
            }
        }),
        (any::<u16>(), any::<u16>(), any::<u16>(), data(0..=64)).prop_map(
            |(status, event_count, message_count, events)| Response::GetCommEventLog {
                status,
                event_count,
                message_count,
                events
            }
        ),
        (any::<u16>(), 1u16..=1968)
            .prop_map(|(address, quantity)| Response::WriteMultipleCoils { address, quantity }),
        (any::<u16>(), 1u16..=123)
            .prop_map(|(address, quantity)| Response::WriteMultipleRegisters { address, quantity }),
        // §6.13: the Run Indicator Status byte at least.
        data(1..=250).prop_map(|data| Response::ReportServerId { data }),
        vec(regs(0..=40), 1..=5)
            .prop_filter("byte count 2..=245", |v| (2..=245)
                .contains(&v.iter().map(|r| 2 + 2 * r.len()).sum::<usize>()))
            .prop_map(|v| Response::ReadFileRecord {
                records: List::Owned(
                    v.into_iter()
                        .map(|registers| FileRecordData { registers })
                        .collect()
                ),
            }),
        file_records().prop_map(|records| Response::WriteFileRecord { records }),
        (any::<u16>(), any::<u16>(), any::<u16>()).prop_map(|(address, and_mask, or_mask)| {
            Response::MaskWriteRegister {
                address,
                and_mask,
                or_mask,
            }
        }),
        regs(1..=125).prop_map(|registers| Response::ReadWriteMultipleRegisters { registers }),
        regs(0..=31).prop_map(|registers| Response::ReadFifoQueue { registers }),
        (
            1u8..=4,
            any::<u8>(),
            any::<bool>(),
            any::<u8>(),
            vec((any::<u8>(), data(0..=30)), 0..=5)
        )
            .prop_map(
                |(read_code, conformity_level, more_follows, next_object_id, objects)| {
                    Response::ReadDeviceIdentification {
                        read_code,
                        conformity_level,
                        more_follows,
                        next_object_id,
                        objects: List::Owned(
                            objects
                                .into_iter()
                                .map(|(id, value)| DeviceIdObject { id, value })
                                .collect(),
                        ),
                    }
                }
            ),
        (
            any::<u8>().prop_filter("not 0x0E", |m| *m != 0x0E),
            data(0..=200)
        )
            .prop_map(|(mei_type, data)| Response::EncapsulatedInterface { mei_type, data }),
        (1u8..=0x7F, any::<u8>()).prop_map(|(f, e)| Response::Exception {
            function_code: f,
            exception: ExceptionCode::from_u8(e)
        }),
        (raw_code(), data(0..=200)).prop_map(|(code, data)| Response::Raw { code, data }),
    ]
}

/// Addresses a request may carry: broadcast 0 or a unicast address.
pub(crate) fn address() -> impl Strategy<Value = u8> {
    0u8..=247
}

/// Addresses a response may carry (no server answers a broadcast).
pub(crate) fn unicast() -> impl Strategy<Value = u8> {
    1u8..=247
}
