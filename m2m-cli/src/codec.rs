//! Decoding to and encoding from JSON, per format. Each protocol crate plugs in here.

use m2m_core::ProtocolError;
use serde_json::Value as Json;

use crate::format::Format;

/// Why a command failed, and with which exit status.
#[derive(Debug)]
pub(crate) enum CliError {
    /// The format has no implementation yet (exit 2).
    Unsupported(Format),
    /// A usage error found after argument parsing (exit 2).
    Usage(String),
    /// The input is bad (exit 1): the message, and the byte offset when known.
    Input {
        message: String,
        offset: Option<usize>,
    },
    /// The input is a strict prefix of a frame (exit 1).
    Incomplete { needed: Option<usize> },
    /// A command that runs something failed (exit 1): port in use, peer unreachable, ...
    Failed(String),
}

/// The longest time a command takes (about 136 years): past it, a clock would overflow.
const MAX_SECONDS: f64 = 4_294_967_295.0;

/// A time option in seconds (`--timeout`, `--duration`) as a duration: a finite number, above
/// zero (or zero too when `zero` allows), and at most [`MAX_SECONDS`]; a usage error
/// otherwise, naming `flag`.
pub(crate) fn seconds(flag: &str, value: f64, zero: bool) -> Result<std::time::Duration, CliError> {
    let low_ok = value > 0.0 || (zero && value == 0.0);
    if !(low_ok && value <= MAX_SECONDS) {
        let least = if zero { "at least 0" } else { "above 0" };
        return Err(CliError::Usage(format!(
            "{flag} must be a number of seconds {least} and at most {MAX_SECONDS}, not {value}"
        )));
    }
    std::time::Duration::try_from_secs_f64(value)
        .map_err(|e| CliError::Usage(format!("{flag}: {e}")))
}

impl CliError {
    /// From any protocol error of the family.
    pub(crate) fn protocol(e: &dyn ProtocolError) -> Self {
        let message = format!("{} error: {e}", e.kind());
        // Most errors name their offset in their own text already; say it once.
        let offset = e
            .offset()
            .filter(|o| !message.contains(&format!("byte {o}")));
        CliError::Input { message, offset }
    }

    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Unsupported(_) | CliError::Usage(_) => 2,
            CliError::Input { .. } | CliError::Incomplete { .. } | CliError::Failed(_) => 1,
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Unsupported(fmt) => write!(f, "unsupported format: {}", fmt.name()),
            CliError::Usage(m) | CliError::Failed(m) => f.write_str(m),
            CliError::Input {
                message,
                offset: Some(o),
            } => write!(f, "{message} (at byte offset {o})"),
            CliError::Input {
                message,
                offset: None,
            } => f.write_str(message),
            CliError::Incomplete { needed: Some(n) } => {
                write!(f, "incomplete frame: {n} more bytes needed")
            }
            CliError::Incomplete { needed: None } => {
                f.write_str("incomplete frame: more bytes needed")
            }
        }
    }
}

/// Options of `m2m decode` that some formats use.
#[derive(Debug, Default, Clone)]
pub(crate) struct Options {
    /// Modbus FC01/FC02 responses: the quantity requested (cuts the padding bits).
    pub(crate) quantity: Option<u16>,
    /// Modbus, CoAP and LwM2M: accept the quirks each crate's `Config::LENIENT` lists.
    pub(crate) lenient: bool,
    /// LwM2M TLV: the path the body answers (`/3/0`), so records get full paths and types.
    pub(crate) path: Option<String>,
}

/// A float as JSON: a number, or `"NaN"`, `"Infinity"` or `"-Infinity"` for the values JSON
/// has no number for (the names JavaScript and Sparkplug's JSON form give them).
pub(crate) fn float_json(f: f64) -> Json {
    if f.is_nan() {
        Json::from("NaN")
    } else if f.is_infinite() {
        Json::from(if f > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        Json::from(f)
    }
}

/// The float a JSON value names, as [`float_json`] writes it; NaN is the quiet NaN
/// 7FF8000000000000 (the sign and payload of a NaN decoded are not in the JSON).
pub(crate) fn json_float(v: &Json) -> Option<f64> {
    match v.as_str() {
        Some("NaN") => Some(f64::from_bits(0x7FF8_0000_0000_0000)),
        Some("Infinity") => Some(f64::INFINITY),
        Some("-Infinity") => Some(f64::NEG_INFINITY),
        _ => v.as_f64(),
    }
}

/// Decodes one frame (or text, for the text formats) into one line of JSON.
pub(crate) fn decode(format: Format, input: &[u8], opts: &Options) -> Result<String, CliError> {
    match format {
        Format::ModbusTcpReq
        | Format::ModbusTcpRsp
        | Format::ModbusRtuReq
        | Format::ModbusRtuRsp
        | Format::ModbusAsciiReq
        | Format::ModbusAsciiRsp => crate::modbus::decode(format, input, opts),
        Format::Coap | Format::CoapTcp | Format::CoapWs => crate::coap::decode(format, input, opts),
        Format::Lwm2mTlv
        | Format::Lwm2mSenmlJson
        | Format::Lwm2mSenmlCbor
        | Format::Lwm2mCbor
        | Format::Lwm2mJson
        | Format::Lwm2mLink => {
            crate::lwm2m::decode(format, input, opts.path.as_deref(), opts.lenient)
        }
        Format::SparkplugPayload | Format::SparkplugTopic => {
            crate::sparkplug::decode(format, input)
        }
    }
}

/// Encodes JSON into the bytes of one frame.
pub(crate) fn encode(format: Format, json: &Json) -> Result<Vec<u8>, CliError> {
    match format {
        Format::ModbusTcpReq
        | Format::ModbusTcpRsp
        | Format::ModbusRtuReq
        | Format::ModbusRtuRsp
        | Format::ModbusAsciiReq
        | Format::ModbusAsciiRsp => crate::modbus::encode(format, json),
        Format::Coap | Format::CoapTcp | Format::CoapWs => crate::coap::encode(format, json),
        Format::SparkplugPayload | Format::SparkplugTopic => crate::sparkplug::encode(format, json),
        Format::Lwm2mTlv
        | Format::Lwm2mSenmlJson
        | Format::Lwm2mSenmlCbor
        | Format::Lwm2mCbor
        | Format::Lwm2mJson
        | Format::Lwm2mLink => crate::lwm2m::encode(format, json),
    }
}
