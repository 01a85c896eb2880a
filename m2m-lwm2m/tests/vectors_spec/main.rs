//! Vectors taken from outside this crate, each with its source: the examples of
//! OMA-TS-LightweightM2M 1.0 §6.4 and OMA-TS-LightweightM2M_Core 1.1 §7.4 as the test suites of
//! Eclipse Leshan (`LwM2mNodeDecoderTest`, `LwM2mNodeEncoderTest`, the SenML tests) and Eclipse
//! Wakaama (`tests/data_*_tests.c`, which name the table of the 1.1 specification each one is
//! taken from) carry them byte for byte, RFC 8428 / RFC 8949 facts, and the LwM2M CBOR and
//! SenML vectors of AVSystem Anjay (`tests/core/io/*.c`).
//!
//! Every body is decoded and each record checked (path, value, type, time) against what the
//! source says. Where our encoder writes the same bytes, the test says so and checks it; where
//! it makes another valid choice (a base name or not, definite or indefinite maps), the test
//! encodes, decodes again and compares the records.
//!
//! One file per format (`spec_tlv.rs`, `spec_senml_json.rs`, `spec_senml_cbor.rs`,
//! `spec_lwm2m_cbor.rs`, `spec_cbor_single.rs`, `spec_legacy_json.rs`) and one for the
//! leniencies of peers we refuse (`leniencies.rs`); the helpers they share are below.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken vector

use m2m_lwm2m::{
    Config, ContentFormat, DataType, Error, ObjLink, Opaque, Path, Reason, Record, Text, Value,
    body, cbor::single, lwm2m_cbor, lwm2m_json, senml_cbor, senml_etch_json, senml_json, tlv,
};

fn hex(s: &str) -> Vec<u8> {
    m2m_core::hex::decode(&s.split_whitespace().collect::<String>()).unwrap()
}

fn p(s: &str) -> Path<'_> {
    Path::parse(s).unwrap()
}

fn s(t: &str) -> Option<Value<'_>> {
    Some(Value::Str(Text::Plain(t)))
}

fn i(v: i64) -> Option<Value<'static>> {
    Some(Value::Int(v))
}

fn f(v: f64) -> Option<Value<'static>> {
    Some(Value::Float(v))
}

fn link(object: u16, instance: u16) -> Option<Value<'static>> {
    Some(Value::ObjLink(ObjLink { object, instance }))
}

/// One expected record: path, value, time.
type Want<'a> = (&'a str, Option<Value<'a>>, Option<f64>);

/// Checks `got` against `want`, record by record.
fn check(got: &[Record<'_>], want: &[Want<'_>]) {
    let text: Vec<_> = got.iter().map(|r| r.path.to_string()).collect();
    assert_eq!(got.len(), want.len(), "{text:?}");
    for (g, (path, value, time)) in got.iter().zip(want) {
        assert_eq!(g.path.to_string(), *path);
        assert_eq!(g.value, *value, "{path}");
        assert_eq!(g.time, *time, "{path}");
    }
}

fn senml_json(body: &str) -> Vec<Record<'_>> {
    senml_json::decode(body.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e} in {body}"))
}

fn senml_json_text(recs: &[Record<'_>]) -> String {
    let mut out = vec![0u8; senml_json::encoded_len(recs).unwrap()];
    senml_json::encode(recs, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn senml_cbor(body: &[u8]) -> Vec<Record<'_>> {
    senml_cbor::decode(body)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e} in {}", m2m_core::hex::encode(body)))
}

fn senml_cbor_bytes(recs: &[Record<'_>]) -> Vec<u8> {
    let mut out = vec![0u8; senml_cbor::encoded_len(recs).unwrap()];
    senml_cbor::encode(recs, &mut out).unwrap();
    out
}

fn lwm2m_cbor(body: &[u8]) -> Vec<Record<'_>> {
    lwm2m_cbor::decode(body)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e} in {}", m2m_core::hex::encode(body)))
}

fn lwm2m_cbor_bytes(recs: &[Record<'_>]) -> Vec<u8> {
    let mut out = vec![0u8; lwm2m_cbor::encoded_len(recs).unwrap()];
    lwm2m_cbor::encode(recs, &mut out).unwrap();
    out
}

fn legacy(body: &str) -> Vec<Record<'_>> {
    lwm2m_json::decode(body.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e} in {body}"))
}

fn legacy_text(recs: &[Record<'_>]) -> String {
    let mut out = vec![0u8; lwm2m_json::encoded_len(recs).unwrap()];
    lwm2m_json::encode(recs, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The JSON text without the whitespace between tokens (the specifications' examples are
/// indented; strings are kept as they are).
fn squeeze(json: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// Encodes `recs` with `encode`, decodes the output with `decode`, and checks the same records
/// came back (the JSON formats carry no Time or Unsigned type: those read back as integers).
fn round_trip(
    recs: &[Record<'_>],
    encode: impl Fn(&[Record<'_>]) -> Vec<u8>,
    decode: impl Fn(&[u8]) -> Vec<Record<'_>>,
) {
    let body = encode(recs);
    let back = decode(&body);
    assert_eq!(back.len(), recs.len());
    for (b, r) in back.iter().zip(recs) {
        assert_eq!(b.path, r.path);
        assert_eq!(b.time, r.time, "{}", r.path);
        let want = r.value;
        let got = match (b.value, want.and_then(|v| v.data_type())) {
            (Some(v), Some(ty)) => Some(v.typed(ty, &Config::STRICT).unwrap()),
            (v, _) => v,
        };
        assert_eq!(got, want, "{}", r.path);
    }
}

fn json_round_trip(recs: &[Record<'_>]) {
    round_trip(
        recs,
        |r| senml_json_text(r).into_bytes(),
        |b| {
            senml_json::decode(b)
                .collect::<Result<Vec<_>, _>>()
                .unwrap()
        },
    );
}

fn cbor_round_trip(recs: &[Record<'_>]) {
    round_trip(recs, senml_cbor_bytes, |b| {
        senml_cbor::decode(b)
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    });
}

/// The Device object instance /3/0 of the specifications' examples (1.0 §6.4.3.1, 1.1
/// Table 7.4.4-2), Current Time (13) as the integer the JSON and CBOR formats carry.
fn device() -> Vec<Want<'static>> {
    vec![
        ("/3/0/0", s("Open Mobile Alliance"), None),
        ("/3/0/1", s("Lightweight M2M Client"), None),
        ("/3/0/2", s("345000123"), None),
        ("/3/0/3", s("1.0"), None),
        ("/3/0/6/0", i(1), None),
        ("/3/0/6/1", i(5), None),
        ("/3/0/7/0", i(3800), None),
        ("/3/0/7/1", i(5000), None),
        ("/3/0/8/0", i(125), None),
        ("/3/0/8/1", i(900), None),
        ("/3/0/9", i(100), None),
        ("/3/0/10", i(15), None),
        ("/3/0/11/0", i(0), None),
        ("/3/0/13", i(1_367_491_215), None),
        ("/3/0/14", s("+02:00"), None),
        ("/3/0/16", s("U"), None),
    ]
}

/// 1.1 Table 7.4.4-4 as Wakaama `senml_json_test_3` carries it: "Corrected /66/1/2 from hex to
/// decimal" (the table has the null link as `FFFF:FFFF`; an Objlnk is two decimal numbers,
/// §C), names below the base name `/`.
const OBJLNK_TABLE: &str = r#"[{"bn":"/","n":"65/0/0/0","vlo":"66:0"},
    {"n":"65/0/0/1","vlo":"66:1"},{"n":"65/0/1","vs":"8613800755500"},{"n":"65/0/2","v":1},
    {"n":"66/0/0","vs":"myService1"},{"n":"66/0/1","vs":"Internet.15.234"},
    {"n":"66/0/2","vlo":"67:0"},{"n":"66/1/0","vs":"myService2"},
    {"n":"66/1/1","vs":"Internet.15.235"},{"n":"66/1/2","vlo":"65535:65535"},
    {"n":"67/0/0","vs":"85.76.76.84"},{"n":"67/0/1","vs":"85.76.255.255"}]"#;

fn objlnk_table() -> Vec<Want<'static>> {
    vec![
        ("/65/0/0/0", link(66, 0), None),
        ("/65/0/0/1", link(66, 1), None),
        ("/65/0/1", s("8613800755500"), None),
        ("/65/0/2", i(1), None),
        ("/66/0/0", s("myService1"), None),
        ("/66/0/1", s("Internet.15.234"), None),
        ("/66/0/2", link(67, 0), None),
        ("/66/1/0", s("myService2"), None),
        ("/66/1/1", s("Internet.15.235"), None),
        ("/66/1/2", Some(Value::ObjLink(ObjLink::NULL)), None),
        ("/67/0/0", s("85.76.76.84"), None),
        ("/67/0/1", s("85.76.255.255"), None),
    ]
}

mod leniencies;
mod spec_cbor_single;
mod spec_legacy_json;
mod spec_lwm2m_cbor;
mod spec_senml_cbor;
mod spec_senml_json;
mod spec_tlv;
