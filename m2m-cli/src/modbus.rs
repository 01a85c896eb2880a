//! `modbus-*` formats.

use m2m_core::{Framing, ProtocolError, Status};
use m2m_modbus::pdu::{request_len, response_len};
use m2m_modbus::{Config, PduLen, Request, Response, ascii, rtu, tcp};
use serde_json::Value as Json;

use crate::codec::{CliError, Options};
use crate::format::Format;

/// Cuts one frame from `input` with `framing`: incomplete input is an error, and so are
/// trailing bytes unless `lenient` (then they are left out, and said on stderr). The frame.
fn one_frame<'i, F: Framing>(
    framing: &F,
    input: &'i [u8],
    lenient: bool,
) -> Result<&'i [u8], CliError> {
    match framing.frame_len(input) {
        Ok(Status::Complete(n)) if n == input.len() => Ok(input),
        Ok(Status::Complete(n)) if lenient => {
            eprintln!(
                "m2m: {} trailing bytes after a {n}-byte frame left out",
                input.len() - n
            );
            Ok(input.get(..n).unwrap_or(input))
        }
        Ok(Status::Complete(n)) => Err(CliError::Input {
            message: format!("{} trailing bytes after a {n}-byte frame", input.len() - n),
            offset: Some(n),
        }),
        Ok(Status::Partial(needed)) => Err(CliError::Incomplete {
            needed: needed.size(),
        }),
        Err(e) => Err(CliError::protocol(&e)),
    }
}

/// [`one_frame`] for RTU. A layout framed by its CRC (an unknown function code, Diagnostics
/// 0x0000, an MEI type other than 0x0E) that no CRC ends is reported as a bad CRC over the whole
/// input, not as waiting for more: the input is the whole frame. For the same reason such a
/// frame whose CRC ends in 0x00, which a stream's CRC hunt ends one byte early (the zero left
/// over), is the whole input.
fn one_rtu_frame<'i>(
    framing: &rtu::Framing,
    input: &'i [u8],
    layout: fn(&[u8]) -> Result<PduLen, m2m_modbus::Error>,
    lenient: bool,
) -> Result<&'i [u8], CliError> {
    let open = matches!(
        layout(input.get(1..).unwrap_or_default()),
        Ok(PduLen::Unknown)
    );
    if let (true, Ok(Status::Complete(n))) = (open, framing.frame_len(input)) {
        let rest = input.get(n..).unwrap_or_default();
        if !rest.is_empty() && rest.iter().all(|&b| b == 0) && rtu::crc16(input) == 0 {
            return Ok(input);
        }
    }
    match one_frame(framing, input, lenient) {
        Err(CliError::Incomplete { needed: None }) if input.len() >= rtu::MIN_ADU => {
            match input.split_last_chunk::<2>() {
                Some((body, &crc)) => Err(err(m2m_modbus::Error::Crc {
                    found: u16::from_le_bytes(crc),
                    computed: rtu::crc16(body),
                })),
                None => Err(CliError::Incomplete { needed: None }),
            }
        }
        other => other,
    }
}

fn err(e: m2m_modbus::Error) -> CliError {
    CliError::protocol(&e)
}

fn cut(rsp: Response<'_>, quantity: Option<u16>) -> Result<Response<'_>, CliError> {
    match quantity {
        Some(q) => rsp.for_quantity(q).map_err(err),
        None => Ok(rsp),
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, CliError> {
    serde_json::to_string(v).map_err(|e| CliError::Input {
        message: format!("cannot print JSON: {e}"),
        offset: None,
    })
}

pub(crate) fn decode(format: Format, input: &[u8], opts: &Options) -> Result<String, CliError> {
    let config = if opts.lenient {
        Config::LENIENT
    } else {
        Config::STRICT
    };
    match format {
        Format::ModbusTcpReq => {
            let frame = one_frame(&tcp::Framing::with_config(config), input, opts.lenient)?;
            json(&tcp::Adu::<Request<'_>>::parse_with(frame, &config).map_err(err)?)
        }
        Format::ModbusTcpRsp => {
            let frame = one_frame(&tcp::Framing::with_config(config), input, opts.lenient)?;
            let mut adu = tcp::Adu::<Response<'_>>::parse_with(frame, &config).map_err(err)?;
            adu.pdu = cut(adu.pdu, opts.quantity)?;
            json(&adu)
        }
        Format::ModbusRtuReq => {
            let frame = one_rtu_frame(
                &rtu::Framing::requests().with_config(config),
                input,
                request_len,
                opts.lenient,
            )?;
            json(&rtu::Adu::<Request<'_>>::parse_with(frame, &config).map_err(err)?)
        }
        Format::ModbusRtuRsp => {
            // One whole frame is given: answers to user-defined functions are found by their CRC
            // and decoded raw, like any unknown code.
            let framing = rtu::Framing::responses()
                .with_config(config)
                .with_unknown(rtu::UnknownFunctions::Hunt);
            let frame = one_rtu_frame(&framing, input, response_len, opts.lenient)?;
            let mut adu = rtu::Adu::<Response<'_>>::parse_with(frame, &config).map_err(err)?;
            adu.pdu = cut(adu.pdu, opts.quantity)?;
            json(&adu)
        }
        Format::ModbusAsciiReq => {
            let frame = one_frame(&ascii::Framing::requests(), input, opts.lenient)?;
            let mut scratch = [0u8; 255];
            json(
                &ascii::Adu::<Request<'_>>::parse_with(frame, &mut scratch, &config)
                    .map_err(err)?,
            )
        }
        Format::ModbusAsciiRsp => {
            let frame = one_frame(&ascii::Framing::responses(), input, opts.lenient)?;
            let mut scratch = [0u8; 255];
            let mut adu = ascii::Adu::<Response<'_>>::parse_with(frame, &mut scratch, &config)
                .map_err(err)?;
            adu.pdu = cut(adu.pdu, opts.quantity)?;
            json(&adu)
        }
        _ => Err(CliError::Unsupported(format)),
    }
}

fn from_json<T: serde::de::DeserializeOwned>(v: &Json) -> Result<T, CliError> {
    serde_json::from_value(v.clone()).map_err(|e| CliError::Input {
        message: format!("bad JSON for this format: {e}"),
        offset: None,
    })
}

pub(crate) fn encode(format: Format, v: &Json) -> Result<Vec<u8>, CliError> {
    let out = match format {
        Format::ModbusTcpReq => from_json::<tcp::Adu<Request<'static>>>(v)?.to_vec(),
        Format::ModbusTcpRsp => from_json::<tcp::Adu<Response<'static>>>(v)?.to_vec(),
        Format::ModbusRtuReq => from_json::<rtu::Adu<Request<'static>>>(v)?.to_vec(),
        Format::ModbusRtuRsp => from_json::<rtu::Adu<Response<'static>>>(v)?.to_vec(),
        Format::ModbusAsciiReq => from_json::<ascii::Adu<Request<'static>>>(v)?.to_vec(),
        Format::ModbusAsciiRsp => from_json::<ascii::Adu<Response<'static>>>(v)?.to_vec(),
        _ => return Err(CliError::Unsupported(format)),
    };
    out.map_err(|e| CliError::Input {
        message: format!("cannot encode: {} error: {e}", e.kind()),
        offset: None,
    })
}
