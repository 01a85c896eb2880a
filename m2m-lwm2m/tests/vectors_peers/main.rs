//! Vectors from the test suites of other LwM2M implementations, each with its source: Eclipse
//! Leshan (`leshan-lwm2m-core/src/test/java/org/eclipse/leshan/core/...`), Eclipse Wakaama
//! (`tests/*.c`), AVSystem Anjay (`tests/core/io/*.c`) and Zephyr RTOS
//! (`tests/net/lib/lwm2m/content_*/src/main.c`). The bytes and numbers are theirs;
//! what each test checks is what the source expects of the same input (a value, a path, an
//! error), unless a comment says why this crate differs and which text decides.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken vector

use m2m_lwm2m::attributes::{Attributes, Update};
use m2m_lwm2m::link::{self, Target, Version};
use m2m_lwm2m::{
    Config, ContentFormat, DataType, Error, ObjLink, Opaque, Path, Reason, Record, Text, Value,
    body, lwm2m_cbor, lwm2m_json, senml_cbor, senml_etch_json, senml_json, text, tlv,
};

pub(crate) fn hex(s: &str) -> Vec<u8> {
    m2m_core::hex::decode(&s.split_whitespace().collect::<String>()).unwrap()
}

/// `hex`, kept for the rest of the test (values borrow their bytes).
pub(crate) fn bytes(s: &str) -> &'static [u8] {
    hex(s).leak()
}

pub(crate) fn p(s: &str) -> Path<'_> {
    Path::parse(s).unwrap()
}

pub(crate) fn tlv_bytes(base: &Path<'_>, recs: &[Record<'_>]) -> Vec<u8> {
    let mut out = vec![0u8; tlv::encoded_len(base, recs).unwrap()];
    tlv::encode(base, recs, &mut out).unwrap();
    out
}

/// Every record of a TLV body under `base`, or the first error.
pub(crate) fn tlv_all<'a>(
    body: &'a [u8],
    base: &'a str,
    config: Config,
) -> Result<Vec<Record<'a>>, Error> {
    tlv::decode(body, p(base), config).collect()
}

/// The raw bytes of a TLV record's value.
pub(crate) fn tlv_value<'a>(r: &Record<'a>) -> Value<'a> {
    r.value
        .unwrap()
        .typed(DataType::Opaque, &Config::STRICT)
        .unwrap()
}

pub(crate) fn opaque_bytes(v: Option<Value<'_>>) -> Vec<u8> {
    match v {
        Some(Value::Opaque(o)) => o.bytes().collect(),
        other => panic!("not opaque: {other:?}"),
    }
}

pub(crate) fn senml_json_all(body: &str) -> Result<Vec<Record<'_>>, Error> {
    senml_json::decode(body.as_bytes()).collect()
}

pub(crate) fn links(text: &str, config: Config) -> Result<Vec<link::ObjectLink<'_>>, Error> {
    link::parse(text, config).collect()
}

pub(crate) fn senml_json_text(recs: &[Record<'_>]) -> String {
    let mut out = vec![0u8; senml_json::encoded_len(recs).unwrap()];
    senml_json::encode(recs, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

pub(crate) fn legacy_text(recs: &[Record<'_>]) -> String {
    let mut out = vec![0u8; lwm2m_json::encoded_len(recs).unwrap()];
    lwm2m_json::encode(recs, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

pub(crate) fn senml_cbor_bytes(recs: &[Record<'_>]) -> Vec<u8> {
    let mut out = vec![0u8; senml_cbor::encoded_len(recs).unwrap()];
    senml_cbor::encode(recs, &mut out).unwrap();
    out
}

/// The names a SenML JSON pack resolves to (`bn` + `n`, RFC 8428 §4.5.1), read with serde_json
/// so that no code of this crate takes part.
pub(crate) fn senml_json_names(text: &str) -> Vec<String> {
    let pack: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut bn = String::new();
    let mut names = Vec::new();
    for rec in pack.as_array().unwrap() {
        if let Some(b) = rec.get("bn") {
            bn = b.as_str().unwrap().to_owned();
        }
        let n = rec.get("n").map_or("", |n| n.as_str().unwrap());
        names.push(format!("{bn}{n}"));
    }
    names
}

/// The same for a legacy LwM2M JSON body (`bn` + each entry's `n`, 1.0 §6.4.4).
pub(crate) fn legacy_names(text: &str) -> Vec<String> {
    let body: serde_json::Value = serde_json::from_str(text).unwrap();
    let bn = body.get("bn").map_or("", |b| b.as_str().unwrap());
    body["e"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{bn}{}", e.get("n").map_or("", |n| n.as_str().unwrap())))
        .collect()
}

/// The same for a SenML CBOR pack (labels -2 and 0), with this crate's raw tokenizer (it
/// applies no base field).
pub(crate) fn senml_cbor_names(body: &[u8]) -> Vec<String> {
    let mut bn = String::new();
    let mut names = Vec::new();
    for item in senml_cbor::decode_raw(body) {
        let (_, rec) = item.unwrap();
        if let Some(b) = rec.base_name {
            bn = b.to_string();
        }
        let n = rec.name.map(|n| n.to_string()).unwrap_or_default();
        names.push(format!("{bn}{n}"));
    }
    names
}

mod of_cbor_single;
mod of_legacy_json;
mod of_link;
mod of_lwm2m_cbor;
mod of_senml;
mod of_text;
mod of_tlv;
mod of_zephyr;
