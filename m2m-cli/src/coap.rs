//! `coap`, `coap-tcp` and `coap-ws` formats.

use m2m_coap::option::number::signaling;
use m2m_coap::option::{Format as ValueFormat, REGISTRY};
use m2m_coap::{Builder, Code, Config, Message, OptionNumber, Transport, Type, tcp};
use m2m_core::{Encode, Framing, Status};
use serde_json::Value as Json;

use crate::codec::{CliError, Options};
use crate::format::Format;

fn transport(format: Format) -> Transport {
    match format {
        Format::CoapTcp => Transport::Tcp,
        Format::CoapWs => Transport::WebSocket,
        _ => Transport::Udp,
    }
}

fn bad(message: String) -> CliError {
    CliError::Input {
        message,
        offset: None,
    }
}

pub(crate) fn decode(format: Format, input: &[u8], opts: &Options) -> Result<String, CliError> {
    let t = transport(format);
    if t == Transport::Tcp {
        // One whole frame is given: a prefix says how much is missing, extra bytes are an error.
        match tcp::Framing::new().frame_len(input) {
            Ok(Status::Complete(n)) if n == input.len() => {}
            Ok(Status::Complete(n)) => {
                return Err(CliError::Input {
                    message: format!("{} trailing bytes after a {n}-byte frame", input.len() - n),
                    offset: Some(n),
                });
            }
            Ok(Status::Partial(needed)) => {
                return Err(CliError::Incomplete {
                    needed: needed.size(),
                });
            }
            Err(e) => return Err(CliError::protocol(&e)),
        }
    }
    let config = if opts.lenient {
        Config::LENIENT
    } else {
        Config::STRICT
    };
    let m = Message::parse(input, t, &config).map_err(|e| CliError::protocol(&e))?;
    serde_json::to_string(&m).map_err(|e| bad(format!("cannot print JSON: {e}")))
}

fn field<'a>(v: &'a Json, name: &str) -> Option<&'a Json> {
    v.get(name).filter(|x| !x.is_null())
}

fn hex(v: &Json, what: &str) -> Result<Vec<u8>, CliError> {
    match v {
        Json::String(s) => {
            m2m_core::hex::decode(s).map_err(|e| bad(format!("{what}: bad hex: {e}")))
        }
        _ => Err(bad(format!("{what}: expected a hex string"))),
    }
}

/// The number of an option given by `number` or by its registered `name`.
fn option_number(o: &Json, code: Code) -> Result<u16, CliError> {
    if let Some(n) = field(o, "number") {
        return n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .ok_or_else(|| bad(format!("option number {n} is not 0..=65535")));
    }
    let name = field(o, "name")
        .and_then(Json::as_str)
        .ok_or_else(|| bad("an option needs a number or a name".into()))?;
    let found = if code.is_signaling() {
        (0..=16u16)
            .find(|&n| signaling::lookup(code, OptionNumber(n)).is_some_and(|d| d.name == name))
    } else {
        REGISTRY
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
            .map(|d| d.number.0)
    };
    found.ok_or_else(|| bad(format!("unknown option name {name:?}")))
}

/// The value bytes: a number is a uint (minimal encoding), a string is the text of a string
/// option and hex for any other; `value_hex` is hex for every option (as decode writes a
/// string option that is not UTF-8, which the builder then refuses).
fn option_value(o: &Json, code: Code, number: u16) -> Result<Vec<u8>, CliError> {
    let def = if code.is_signaling() {
        signaling::lookup(code, OptionNumber(number))
    } else {
        OptionNumber(number).def().copied()
    };
    if let Some(h) = field(o, "value_hex") {
        if field(o, "value").is_some() {
            return Err(bad(format!(
                "option {number}: value and value_hex both given"
            )));
        }
        return hex(h, &format!("option {number}"));
    }
    match field(o, "value") {
        None => Ok(Vec::new()),
        Some(Json::Number(n)) => {
            let v = n
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| bad(format!("option {number}: {n} is not a 32-bit uint")))?;
            let (b, len) = m2m_coap::option::value::encode_uint(v);
            Ok(b.get(4 - len..).unwrap_or_default().to_vec())
        }
        Some(Json::String(s)) if def.is_some_and(|d| d.format == ValueFormat::String) => {
            Ok(s.as_bytes().to_vec())
        }
        Some(v) => hex(v, &format!("option {number}")),
    }
}

pub(crate) fn encode(format: Format, v: &Json) -> Result<Vec<u8>, CliError> {
    let t = transport(format);
    let code = match field(v, "code") {
        Some(Json::String(s)) => {
            // "0.01", "GET", or "0.01 GET" as printed by decode.
            let first = s.split_whitespace().next().unwrap_or_default();
            Code::parse(first).ok_or_else(|| bad(format!("bad code {s:?}")))?
        }
        Some(Json::Number(n)) => n
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .map(Code)
            .ok_or_else(|| bad(format!("bad code {n}")))?,
        _ => return Err(bad("a message needs a code".into())),
    };
    let ty = match field(v, "type").and_then(Json::as_str) {
        None if t != Transport::Udp => Type::NonConfirmable,
        None => return Err(bad("a UDP message needs a type (CON, NON, ACK, RST)".into())),
        Some("CON") => Type::Confirmable,
        Some("NON") => Type::NonConfirmable,
        Some("ACK") => Type::Acknowledgement,
        Some("RST") => Type::Reset,
        Some(other) => return Err(bad(format!("bad type {other:?}"))),
    };
    let mid = match field(v, "message_id") {
        None if t != Transport::Udp => 0,
        None => return Err(bad("a UDP message needs a message_id".into())),
        Some(m) => m
            .as_u64()
            .and_then(|m| u16::try_from(m).ok())
            .ok_or_else(|| bad(format!("bad message_id {m}")))?,
    };
    let token = field(v, "token").map_or(Ok(Vec::new()), |t| hex(t, "token"))?;
    let payload = field(v, "payload").map_or(Ok(Vec::new()), |p| hex(p, "payload"))?;
    let mut options = Vec::new();
    for o in field(v, "options")
        .and_then(Json::as_array)
        .map_or(&[][..], Vec::as_slice)
    {
        let n = option_number(o, code)?;
        options.push((n, option_value(o, code, n)?));
    }
    let mut b = Builder::<1024>::for_transport(t, ty, code, mid);
    b.token(&token).payload(&payload);
    for (n, val) in &options {
        b.opaque(OptionNumber(*n), val)
            .map_err(|e| bad(format!("cannot encode: {e}")))?;
    }
    let mut out = vec![0u8; b.buffer_len()];
    let n = b
        .encode(&mut out)
        .map_err(|e| bad(format!("cannot encode: {e}")))?;
    out.truncate(n);
    Ok(out)
}
