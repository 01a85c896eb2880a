//! Sans-IO helpers for a server: turning a bad request into the exception response the
//! specification's state diagrams give (Application Protocol §6, §7), in their order:
//! function supported? (01) quantity and byte count valid? (03) address range valid? (02).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::Error;
use crate::function::{ExceptionCode, FunctionCode};
use crate::pdu::{Config, Request, Response};

/// The exception a server answers a request PDU that failed to decode with, or `None` when it
/// must not answer at all (an empty PDU: nothing says which function to answer).
#[must_use]
pub fn exception_for(pdu: &[u8], error: &Error) -> Option<Response<'static>> {
    let &code = pdu.first()?;
    if code == 0 || code >= 0x80 {
        // Not a function code: answer as the guide does for unknown functions.
        return Some(Response::Exception {
            function_code: code & 0x7F,
            exception: ExceptionCode::IllegalFunction,
        })
        .filter(|_| code & 0x7F != 0);
    }
    let exception = match error {
        Error::InvalidFunction { .. } => ExceptionCode::IllegalFunction,
        // §6.14/§6.15 state diagrams: reference type and record number are address checks.
        Error::Value {
            field: "file reference type" | "record number",
            ..
        } => ExceptionCode::IllegalDataAddress,
        _ => ExceptionCode::IllegalDataValue,
    };
    Some(Response::Exception {
        function_code: code,
        exception,
    })
}

/// Decodes a request PDU the way a server must: `Ok` with the request, or `Err` with the
/// exception response to send (`None` inside when nothing may be sent). Function codes the
/// server does not implement (`supported` returns false) get Illegal Function; a range that
/// runs past the last of the 65536 addresses of the data model (§4.3) gets Illegal Data
/// Address, whatever the server's tables (its own sizes are for [`check_range`]).
pub fn accept<'a>(
    pdu: &'a [u8],
    config: &Config,
    supported: impl Fn(FunctionCode) -> bool,
) -> Result<Request<'a>, Option<Response<'static>>> {
    if let Some(fc) = pdu.first().copied().and_then(FunctionCode::from_u8) {
        if !supported(fc) {
            return Err(Some(Response::Exception {
                function_code: fc.value(),
                exception: ExceptionCode::IllegalFunction,
            }));
        }
    }
    let req = Request::parse_with(pdu, config).map_err(|e| exception_for(pdu, &e))?;
    for (address, quantity) in request_ranges(&req).into_iter().flatten() {
        check_range(address, quantity, usize::MAX).map_err(|exception| {
            Some(Response::Exception {
                function_code: req.function().value(),
                exception,
            })
        })?;
    }
    Ok(req)
}

/// Checks that `quantity` items from `address` lie within a table of `size` items starting at
/// address 0, and within the 65536 addresses of the data model (§4.3): Illegal Data Address
/// otherwise (§6 state diagrams).
pub fn check_range(address: u16, quantity: usize, size: usize) -> Result<(), ExceptionCode> {
    const ADDRESSES: usize = 1 << 16;
    let end = usize::from(address).checked_add(quantity);
    match end {
        Some(end) if end <= size.min(ADDRESSES) => Ok(()),
        _ => Err(ExceptionCode::IllegalDataAddress),
    }
}

/// The range a request reads or writes in its table, as `(address, quantity)`; for
/// Read/Write Multiple Registers, the write range first and then the read range are both
/// checked by [`request_ranges`].
#[must_use]
pub fn request_ranges(req: &Request<'_>) -> [Option<(u16, usize)>; 2] {
    match req {
        Request::ReadCoils { address, quantity }
        | Request::ReadDiscreteInputs { address, quantity }
        | Request::ReadHoldingRegisters { address, quantity }
        | Request::ReadInputRegisters { address, quantity } => {
            [Some((*address, usize::from(*quantity))), None]
        }
        Request::WriteSingleCoil { address, .. }
        | Request::WriteSingleRegister { address, .. }
        | Request::MaskWriteRegister { address, .. } => [Some((*address, 1)), None],
        Request::WriteMultipleCoils { address, coils } => [Some((*address, coils.len())), None],
        Request::WriteMultipleRegisters { address, registers } => {
            [Some((*address, registers.len())), None]
        }
        Request::ReadWriteMultipleRegisters {
            read_address,
            read_quantity,
            write_address,
            registers,
        } => [
            Some((*write_address, registers.len())),
            Some((*read_address, usize::from(*read_quantity))),
        ],
        _ => [None, None],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_in_the_order_of_the_state_diagrams() {
        let all = |_: FunctionCode| true;
        // Unsupported function.
        let e = accept(&[0x41, 1, 2], &Config::STRICT, |f| f.is_public()).unwrap_err();
        assert_eq!(
            e,
            Some(Response::Exception {
                function_code: 0x41,
                exception: ExceptionCode::IllegalFunction
            })
        );
        // 126 registers: Illegal Data Value.
        let e = accept(&[0x03, 0, 0, 0, 126], &Config::STRICT, all).unwrap_err();
        assert_eq!(
            e,
            Some(Response::Exception {
                function_code: 3,
                exception: ExceptionCode::IllegalDataValue
            })
        );
        // Empty PDU: no answer.
        assert_eq!(accept(&[], &Config::STRICT, all).unwrap_err(), None);
        // A good request passes, then its range is checked against the table.
        let req = accept(&[0x03, 0x00, 0x6b, 0x00, 0x03], &Config::STRICT, all).unwrap();
        let [Some((a, q)), None] = request_ranges(&req) else {
            panic!()
        };
        assert_eq!(check_range(a, q, 110), Ok(()));
        assert_eq!(
            check_range(a, q, 109),
            Err(ExceptionCode::IllegalDataAddress)
        );
        // The last address, alone, fits; one more runs past the data model, however big the table.
        assert_eq!(check_range(u16::MAX, 1, usize::MAX), Ok(()));
        assert_eq!(
            check_range(u16::MAX, 2, usize::MAX),
            Err(ExceptionCode::IllegalDataAddress)
        );
        assert_eq!(
            check_range(0, 65537, usize::MAX),
            Err(ExceptionCode::IllegalDataAddress)
        );
        assert_eq!(check_range(0, 65536, 65536), Ok(()));
    }

    #[test]
    fn ranges_past_the_last_address_are_exception_02() {
        let all = |_| true;
        let refused = |pdu: &[u8]| {
            let e = accept(pdu, &Config::STRICT, all).unwrap_err().unwrap();
            assert_eq!(
                e,
                Response::Exception {
                    function_code: pdu[0],
                    exception: ExceptionCode::IllegalDataAddress
                },
                "{pdu:02x?}"
            );
        };
        // FC03 from 65535: one register is the last address, two run past it.
        assert!(accept(&[0x03, 0xff, 0xff, 0, 1], &Config::STRICT, all).is_ok());
        refused(&[0x03, 0xff, 0xff, 0, 2]);
        refused(&[0x01, 0xff, 0xf8, 0, 9]);
        assert!(accept(&[0x01, 0xff, 0xf8, 0, 8], &Config::STRICT, all).is_ok());
        // FC16 of two registers from 65535; FC15 of 16 coils from 65530.
        refused(&[0x10, 0xff, 0xff, 0, 2, 4, 0, 1, 0, 2]);
        refused(&[0x0f, 0xff, 0xfa, 0, 16, 2, 0xff, 0xff]);
        // FC23: a write range or a read range past the end.
        refused(&[0x17, 0xff, 0xff, 0, 2, 0, 0, 0, 1, 2, 0, 1]);
        refused(&[0x17, 0, 0, 0, 1, 0xff, 0xff, 0, 2, 4, 0, 1, 0, 2]);
        assert!(
            accept(
                &[0x17, 0xff, 0xff, 0, 1, 0xff, 0xff, 0, 1, 2, 0, 1],
                &Config::STRICT,
                all
            )
            .is_ok()
        );
    }

    #[test]
    fn file_record_address_problems_are_exception_02() {
        let all = |_: FunctionCode| true;
        // Reference type 7.
        let e = accept(&[0x14, 0x07, 0x07, 0, 4, 0, 0, 0, 1], &Config::STRICT, all).unwrap_err();
        assert_eq!(
            e,
            Some(Response::Exception {
                function_code: 0x14,
                exception: ExceptionCode::IllegalDataAddress
            })
        );
        // Byte count 8 (not a multiple of 7): a value problem.
        let e = accept(
            &[0x14, 0x08, 0x06, 0, 4, 0, 0, 0, 1, 0],
            &Config::STRICT,
            all,
        )
        .unwrap_err();
        assert_eq!(
            e,
            Some(Response::Exception {
                function_code: 0x14,
                exception: ExceptionCode::IllegalDataValue
            })
        );
    }
}
