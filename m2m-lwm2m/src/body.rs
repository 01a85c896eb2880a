//! One entry point for every content format: decode a body into records, or encode records
//! into a body, by Content-Format number (OMA-TS-LightweightM2M_Core 1.1 §7.4).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::ContentFormat;

use crate::error::{Config, Error, Reason};
use crate::json::Json;
use crate::path::Path;
use crate::value::{Record, Value};
use crate::{cbor, lwm2m_cbor, lwm2m_json, senml_cbor, senml_json, text, tlv};

/// The records of a body of `format`, answering (or addressed to) `base`. Formats without
/// paths (text/plain, opaque, CBOR single value) give one record at `base`; TLV names its
/// records relative to `base`, and so does legacy LwM2M JSON while it has no `bn`
/// ([`lwm2m_json::decode_at`]); the others carry full paths. The SenML-ETCH formats (320, 322)
/// depend on the request (FETCH or iPATCH): read them with [`crate::senml_etch_json`] and
/// [`crate::senml_cbor::decode_fetch`] / [`crate::senml_cbor::decode_etch`].
pub fn decode<'a>(
    format: ContentFormat,
    base: Path<'a>,
    body: &'a [u8],
    config: Config,
) -> Result<Records<'a>, Error> {
    Ok(match format {
        ContentFormat::LWM2M_TLV | ContentFormat::LWM2M_TLV_OLD => {
            Records::Tlv(tlv::decode(body, base, config))
        }
        ContentFormat::TEXT_PLAIN => Records::One(Some(Ok(Record::new(base, text::decode(body)?)))),
        ContentFormat::OCTET_STREAM => {
            Records::One(Some(Ok(Record::new(base, text::decode_opaque(body)))))
        }
        ContentFormat::CBOR => Records::One(Some(
            cbor::single::decode(body).map(|v| Record::new(base, v)),
        )),
        ContentFormat::SENML_JSON => Records::SenmlJson(senml_json::decode(body)),
        ContentFormat::SENML_CBOR => Records::SenmlCbor(senml_cbor::decode(body)),
        ContentFormat::LWM2M_CBOR => Records::Lwm2mCbor(lwm2m_cbor::decode(body)),
        ContentFormat::LWM2M_JSON | ContentFormat::LWM2M_JSON_OLD => {
            Records::Lwm2mJson(lwm2m_json::decode_at(body, base, &config))
        }
        _ => return Err(Error::new(0, Reason::Unsupported)),
    })
}

/// The records of a body, as [`decode`] yields them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Records<'a> {
    /// OMA TLV.
    Tlv(tlv::Decoder<'a>),
    /// A single value.
    One(Option<Result<Record<'a>, Error>>),
    /// SenML JSON.
    SenmlJson(senml_json::Decoder<'a>),
    /// SenML CBOR.
    SenmlCbor(senml_cbor::Decoder<'a>),
    /// LwM2M CBOR.
    Lwm2mCbor(lwm2m_cbor::Decoder<'a>),
    /// Legacy LwM2M JSON.
    Lwm2mJson(lwm2m_json::Decoder<'a>),
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Records::Tlv(d) => d.next(),
            Records::One(r) => r.take(),
            Records::SenmlJson(d) => d.next(),
            Records::SenmlCbor(d) => d.next(),
            Records::Lwm2mCbor(d) => d.next(),
            Records::Lwm2mJson(d) => d.next(),
        }
    }
}

/// Whether [`encode`] can write `format`.
#[must_use]
pub fn can_encode(format: ContentFormat) -> bool {
    matches!(
        format,
        ContentFormat::LWM2M_TLV
            | ContentFormat::LWM2M_TLV_OLD
            | ContentFormat::TEXT_PLAIN
            | ContentFormat::OCTET_STREAM
            | ContentFormat::CBOR
            | ContentFormat::SENML_JSON
            | ContentFormat::SENML_CBOR
            | ContentFormat::LWM2M_CBOR
            | ContentFormat::LWM2M_JSON
            | ContentFormat::LWM2M_JSON_OLD
    )
}

/// The size of the body [`encode`] writes.
pub fn encoded_len(
    format: ContentFormat,
    base: &Path<'_>,
    records: &[Record<'_>],
) -> Result<usize, Error> {
    match format {
        ContentFormat::LWM2M_TLV | ContentFormat::LWM2M_TLV_OLD => tlv::encoded_len(base, records),
        ContentFormat::TEXT_PLAIN => text::encoded_len_plain(&single(base, records)?),
        ContentFormat::OCTET_STREAM => text::encoded_len(&single(base, records)?),
        ContentFormat::CBOR => cbor::single::encoded_len(&single(base, records)?),
        ContentFormat::SENML_JSON => senml_json::encoded_len(records),
        ContentFormat::SENML_CBOR => senml_cbor::encoded_len(records),
        ContentFormat::LWM2M_CBOR => lwm2m_cbor::encoded_len(records),
        ContentFormat::LWM2M_JSON | ContentFormat::LWM2M_JSON_OLD => {
            lwm2m_json::encoded_len(records)
        }
        _ => Err(Error::new(0, Reason::Unsupported)),
    }
}

/// Writes `records` (answering `base`) as a body of `format` into `out`; returns its length.
/// text/plain, opaque and CBOR single value carry exactly one resource (instance) value.
pub fn encode(
    format: ContentFormat,
    base: &Path<'_>,
    records: &[Record<'_>],
    out: &mut [u8],
) -> Result<usize, Error> {
    match format {
        ContentFormat::LWM2M_TLV | ContentFormat::LWM2M_TLV_OLD => tlv::encode(base, records, out),
        ContentFormat::TEXT_PLAIN => text::encode_plain(&single(base, records)?, out),
        ContentFormat::OCTET_STREAM => text::encode(&single(base, records)?, out),
        ContentFormat::CBOR => cbor::single::encode(&single(base, records)?, out),
        ContentFormat::SENML_JSON => senml_json::encode(records, out),
        ContentFormat::SENML_CBOR => senml_cbor::encode(records, out),
        ContentFormat::LWM2M_CBOR => lwm2m_cbor::encode(records, out),
        ContentFormat::LWM2M_JSON | ContentFormat::LWM2M_JSON_OLD => {
            lwm2m_json::encode(records, out)
        }
        _ => Err(Error::new(0, Reason::Unsupported)),
    }
}

/// Writes `records` as [`encode`] does, into any sink (a [`Window`](crate::sink::Window) for a
/// body served in blocks).
pub(crate) fn write<S: Json>(
    format: ContentFormat,
    base: &Path<'_>,
    records: &[Record<'_>],
    sink: &mut S,
) -> Result<(), Error> {
    match format {
        ContentFormat::LWM2M_TLV | ContentFormat::LWM2M_TLV_OLD => {
            tlv::encode::encode_to(base, records, sink)
        }
        ContentFormat::TEXT_PLAIN => text::write_plain(&single(base, records)?, sink),
        ContentFormat::OCTET_STREAM => text::write(&single(base, records)?, sink),
        ContentFormat::CBOR => cbor::single::write_value(sink, &single(base, records)?),
        ContentFormat::SENML_JSON => senml_json::write(records, senml_json::Mode::Pack, sink),
        ContentFormat::SENML_CBOR => senml_cbor::encode_to(records, sink),
        ContentFormat::LWM2M_CBOR => lwm2m_cbor::write(sink, records),
        ContentFormat::LWM2M_JSON | ContentFormat::LWM2M_JSON_OLD => {
            lwm2m_json::write(records, sink)
        }
        _ => Err(Error::new(0, Reason::Unsupported)),
    }
}

fn single<'a>(base: &Path<'_>, records: &[Record<'a>]) -> Result<Value<'a>, Error> {
    match records {
        [r] if r.path == *base && base.depth() >= 3 => {
            r.value.ok_or(Error::new(0, Reason::BadValue))
        }
        _ => Err(Error::new(0, Reason::Unrepresentable)),
    }
}
