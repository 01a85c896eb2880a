//! The bodies of the composite operations (OMA-TS-LightweightM2M_Core 1.1 §6.3 Read-Composite,
//! §6.4 Observe-Composite and its cancellation; 1.2 adds LwM2M CBOR): the list of paths a
//! FETCH request carries, and the values its response and every notification carry.
//!
//! - A path list is a SenML-ETCH FETCH body (JSON 320, CBOR 322, RFC 8790 §5), a SenML pack
//!   (JSON 110, CBOR 112) whose records are read for their names only, or an LwM2M CBOR body
//!   (11544) whose leaves are `null`. [`encode_paths`] writes one (the server's side),
//!   [`decode_paths`] reads one (the client's side).
//! - The values are SenML JSON, SenML CBOR or LwM2M CBOR records with full paths:
//!   [`decode_values`], or [`values`] on a received message.
//!
//! Nothing here allocates. Panics: none, on any input.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::{ContentFormat, Message};

use crate::body::{self, Records};
use crate::error::{Config, Error, Reason};
use crate::path::Path;
use crate::value::Record;
use crate::{lwm2m_cbor, senml_cbor, senml_etch_json, senml_json};

/// The most paths [`encode_paths`] writes in one body, and the most one observation of this
/// crate's client keeps.
pub const MAX_PATHS: usize = 16;

/// Whether a composite request body of `format` can list paths ([`decode_paths`]).
#[must_use]
pub fn is_path_format(format: ContentFormat) -> bool {
    matches!(
        format,
        ContentFormat::SENML_ETCH_JSON
            | ContentFormat::SENML_ETCH_CBOR
            | ContentFormat::SENML_JSON
            | ContentFormat::SENML_CBOR
            | ContentFormat::LWM2M_CBOR
    )
}

/// Whether the values of a composite response or notification can be written in `format`
/// (SenML JSON, SenML CBOR, LwM2M CBOR: the formats with a full path on every record).
#[must_use]
pub fn is_value_format(format: ContentFormat) -> bool {
    matches!(
        format,
        ContentFormat::SENML_JSON | ContentFormat::SENML_CBOR | ContentFormat::LWM2M_CBOR
    )
}

/// The paths a composite request body lists, in order.
#[derive(Debug, Clone)]
pub struct Paths<'a>(Inner<'a>);

// One decoder of one body, on the stack while the body is read: no_std has no box to put the
// largest in, and the few hundred bytes are the decoder's cursor and base fields.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Inner<'a> {
    Json(senml_json::Decoder<'a>),
    Cbor(senml_cbor::Decoder<'a>),
    Lwm2m(lwm2m_cbor::Decoder<'a>),
}

impl<'a> Iterator for Paths<'a> {
    type Item = Result<Path<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let r = match &mut self.0 {
            Inner::Json(d) => d.next(),
            Inner::Cbor(d) => d.next(),
            Inner::Lwm2m(d) => d.next(),
        };
        r.map(|r| r.map(|r| r.path))
    }
}

/// The paths listed in a composite request body of `format`; a value beside a name is
/// ignored (a SenML pack), except in SenML-ETCH JSON and CBOR, whose FETCH bodies have none
/// (RFC 8790 §3.1).
///
/// Errors: [`Reason::Unsupported`] at offset 0 for a format that cannot list paths (see
/// [`is_path_format`]); the decoders' errors, with their offsets, from the iterator.
pub fn decode_paths(format: ContentFormat, body: &[u8]) -> Result<Paths<'_>, Error> {
    Ok(Paths(match format {
        ContentFormat::SENML_ETCH_JSON => Inner::Json(senml_etch_json::decode_fetch(body)),
        ContentFormat::SENML_JSON => Inner::Json(senml_json::decode(body)),
        ContentFormat::SENML_ETCH_CBOR => Inner::Cbor(senml_cbor::decode_fetch(body)),
        ContentFormat::SENML_CBOR => Inner::Cbor(senml_cbor::decode(body)),
        ContentFormat::LWM2M_CBOR => Inner::Lwm2m(lwm2m_cbor::decode(body)),
        _ => return Err(Error::new(0, Reason::Unsupported)),
    }))
}

/// Writes `paths` as a composite request body of `format` into `out` (names only; `null`
/// leaves in LwM2M CBOR); returns its length.
///
/// Errors: [`Reason::Unsupported`] for a format that cannot list paths or more than
/// [`MAX_PATHS`] paths; [`Reason::BufferTooSmall`] when `out` is too short; the encoders'
/// [`Reason::Unrepresentable`] (the root path in LwM2M CBOR).
pub fn encode_paths(
    format: ContentFormat,
    paths: &[Path<'_>],
    out: &mut [u8],
) -> Result<usize, Error> {
    let unsupported = Error::new(0, Reason::Unsupported);
    let mut records = [Record::path_only(Path::ROOT); MAX_PATHS];
    if paths.len() > MAX_PATHS {
        return Err(unsupported);
    }
    for (r, p) in records.iter_mut().zip(paths) {
        *r = Record::path_only(*p);
    }
    let records = records.get(..paths.len()).unwrap_or_default();
    match format {
        ContentFormat::SENML_ETCH_JSON => senml_etch_json::encode_fetch(records, out),
        ContentFormat::SENML_JSON => senml_json::encode(records, out),
        ContentFormat::SENML_ETCH_CBOR | ContentFormat::SENML_CBOR => {
            senml_cbor::encode(records, out)
        }
        ContentFormat::LWM2M_CBOR => lwm2m_cbor::encode(records, out),
        _ => Err(unsupported),
    }
}

/// The values of a Read-Composite response or an Observe-Composite notification: records with
/// full paths.
///
/// Errors: [`Reason::Unsupported`] at offset 0 for a format other than SenML JSON, SenML CBOR
/// or LwM2M CBOR (see [`is_value_format`]); the decoders' errors from the iterator.
pub fn decode_values(
    format: ContentFormat,
    body: &[u8],
    config: Config,
) -> Result<Records<'_>, Error> {
    if !is_value_format(format) {
        return Err(Error::new(0, Reason::Unsupported));
    }
    body::decode(format, Path::ROOT, body, config)
}

/// [`decode_values`] on a received response or notification, by its Content-Format (a message
/// without one is [`Reason::Unsupported`]).
pub fn values<'a>(message: &Message<'a>, config: Config) -> Result<Records<'a>, Error> {
    let format = message
        .content_format()
        .ok_or(Error::new(0, Reason::Unsupported))?;
    decode_values(format, message.payload(), config)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::value::Value;
    use std::vec::Vec;

    const PATHS: [Path<'static>; 3] = [
        Path::resource(3, 0, 0),
        Path::instance(3303, 0),
        Path::resource_instance(3, 0, 7, 1),
    ];

    #[test]
    fn paths_round_trip_in_every_path_format() {
        for format in [
            ContentFormat::SENML_ETCH_JSON,
            ContentFormat::SENML_ETCH_CBOR,
            ContentFormat::SENML_JSON,
            ContentFormat::SENML_CBOR,
            ContentFormat::LWM2M_CBOR,
        ] {
            assert!(is_path_format(format));
            let mut out = [0u8; 128];
            let n = encode_paths(format, &PATHS, &mut out).unwrap();
            let got: Vec<_> = decode_paths(format, &out[..n])
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(got, PATHS, "{format:?}");
        }
    }

    #[test]
    fn etch_json_path_list_bytes() {
        // RFC 8790 §5: a FETCH body names the records, nothing else.
        let mut out = [0u8; 64];
        let n = encode_paths(
            ContentFormat::SENML_ETCH_JSON,
            &[Path::resource(3, 0, 0), Path::resource(3303, 0, 5700)],
            &mut out,
        )
        .unwrap();
        let text = core::str::from_utf8(&out[..n]).unwrap();
        let again: Vec<_> = decode_paths(ContentFormat::SENML_ETCH_JSON, text.as_bytes())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            again,
            [Path::resource(3, 0, 0), Path::resource(3303, 0, 5700)]
        );
        assert!(!text.contains("\"v"), "{text}");
        // A value in a FETCH body is refused.
        let bad = br#"[{"n":"/3/0/0","v":1}]"#;
        let err = decode_paths(ContentFormat::SENML_ETCH_JSON, bad)
            .unwrap()
            .find_map(Result::err);
        assert_eq!(err.map(|e| e.reason), Some(Reason::BadValue));
    }

    #[test]
    fn refusals() {
        let mut out = [0u8; 256];
        assert_eq!(
            encode_paths(ContentFormat::LWM2M_TLV, &PATHS, &mut out).unwrap_err(),
            Error::new(0, Reason::Unsupported)
        );
        assert!(decode_paths(ContentFormat::TEXT_PLAIN, b"").is_err());
        let many = [Path::object(1); MAX_PATHS + 1];
        assert_eq!(
            encode_paths(ContentFormat::SENML_CBOR, &many, &mut out)
                .unwrap_err()
                .reason,
            Reason::Unsupported
        );
        assert!(encode_paths(ContentFormat::SENML_CBOR, &many[..MAX_PATHS], &mut out).is_ok());
        assert_eq!(
            encode_paths(ContentFormat::SENML_JSON, &PATHS, &mut out[..4])
                .unwrap_err()
                .reason,
            Reason::BufferTooSmall
        );
        assert!(decode_values(ContentFormat::LWM2M_TLV, b"", Config::STRICT).is_err());
    }

    #[test]
    fn values_of_each_value_format() {
        let records = [
            Record::new(Path::resource(3, 0, 9), Value::Int(87)),
            Record::new(Path::resource(3303, 0, 5700), Value::Float(21.5)),
        ];
        for format in [
            ContentFormat::SENML_JSON,
            ContentFormat::SENML_CBOR,
            ContentFormat::LWM2M_CBOR,
        ] {
            let mut out = [0u8; 128];
            let n = body::encode(format, &Path::ROOT, &records, &mut out).unwrap();
            let got: Vec<_> = decode_values(format, &out[..n], Config::STRICT)
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert_eq!(got, records, "{format:?}");
        }
    }
}
