//! SenML JSON (Content-Format 110): the Device object /3/0 decoded to typed records and encoded
//! back, by m2m-lwm2m and by serde_json into a borrowed serde SenML record struct (what a Rust
//! user would write instead). Both are checked to agree on the fixture before timing.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap
)] // set-up of fixed inputs

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use m2m_lwm2m::{Path, Record, Text, Value, senml_json};
use serde::{Deserialize, Serialize};

/// A SenML record (RFC 8428 §5) as serde sees it: every label an optional field, strings
/// borrowed from the input.
#[derive(Debug, Default, Deserialize, Serialize)]
struct SenmlRecord<'a> {
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    bn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bt: Option<f64>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    n: Option<&'a str>,
    /// serde_json's own number: an integer stays one (as m2m-lwm2m keeps it).
    #[serde(skip_serializing_if = "Option::is_none")]
    v: Option<serde_json::Number>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    vs: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vb: Option<bool>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    vd: Option<&'a str>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    vlo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    t: Option<f64>,
}

/// The Device object /3/0: 20 resources, 20 records (OMA-TS-LightweightM2M_Core Appendix E.4).
fn device() -> Vec<Record<'static>> {
    let s =
        |r: u16, v: &'static str| Record::new(Path::resource(3, 0, r), Value::Str(Text::Plain(v)));
    let i = |r: u16, v: i64| Record::new(Path::resource(3, 0, r), Value::Int(v));
    let ri =
        |r: u16, ri: u16, v: i64| Record::new(Path::resource_instance(3, 0, r, ri), Value::Int(v));
    vec![
        s(0, "Open Mobile Alliance"),
        s(1, "Lightweight M2M Client"),
        s(2, "345000123"),
        s(3, "1.0"),
        ri(6, 0, 1),
        ri(6, 1, 5),
        ri(7, 0, 3800),
        ri(8, 0, 125),
        i(9, 100),
        i(10, 15),
        ri(11, 0, 0),
        Record::new(Path::resource(3, 0, 13), Value::Time(1_367_491_215)),
        s(14, "+02:00"),
        s(15, "Europe/Berlin"),
        s(16, "U"),
        s(17, "Demo"),
        s(18, "1.0.1"),
        s(19, "1.0.2"),
        i(20, 2),
        i(21, 128),
    ]
}

fn ours_encode(records: &[Record<'_>], out: &mut Vec<u8>) -> usize {
    let n = senml_json::encoded_len(records).unwrap();
    out.resize(n, 0);
    senml_json::encode(records, out).unwrap()
}

/// Reads every record to its typed value; returns the count and a digest of the values, so
/// nothing is optimised away (the same O(1) work per record as [`serde_decode`]).
fn ours_decode(body: &[u8]) -> (usize, i64) {
    let mut count = 0;
    let mut digest = 0i64;
    for r in senml_json::decode(body) {
        let r = r.unwrap();
        count += 1;
        digest = digest.wrapping_add(match r.value {
            Some(Value::Int(i)) => i,
            Some(Value::Str(t)) => t.raw().map_or(0, str::len) as i64,
            _ => 0,
        });
    }
    (count, digest)
}

fn serde_decode(body: &[u8]) -> (usize, i64) {
    let recs: Vec<SenmlRecord<'_>> = serde_json::from_slice(body).unwrap();
    let mut digest = 0i64;
    for r in &recs {
        digest = digest.wrapping_add(
            match (r.v.as_ref().and_then(serde_json::Number::as_i64), r.vs) {
                (Some(i), _) => i,
                (_, Some(s)) => s.len() as i64,
                _ => 0,
            },
        );
    }
    (recs.len(), digest)
}

/// The serde form of the same records, as our encoder names them (`bn` on the first).
fn serde_records(body: &[u8]) -> Vec<SenmlRecord<'_>> {
    serde_json::from_slice(body).unwrap()
}

pub(crate) fn benches(c: &mut Criterion) {
    let records = device();
    let mut body = Vec::new();
    ours_encode(&records, &mut body);
    let body = body;

    // Same work, same answers.
    let ours = ours_decode(&body);
    assert_eq!(ours, serde_decode(&body));
    assert_eq!(ours.0, records.len());
    let decoded: Vec<Record<'_>> = senml_json::decode(&body).map(Result::unwrap).collect();
    assert_eq!(decoded.len(), records.len());
    for (d, r) in decoded.iter().zip(&records) {
        assert_eq!(d.path, r.path);
        assert_eq!(
            d.value.map(|v| v
                .typed(r.value.unwrap().data_type().unwrap(), &Default::default())
                .unwrap()),
            r.value
        );
    }
    let peer = serde_records(&body);
    // serde_json's names, joined to their base name, are our paths.
    let mut bn = "";
    for (p, r) in peer.iter().zip(&records) {
        bn = p.bn.unwrap_or(bn);
        assert_eq!(
            format!("{bn}{}", p.n.unwrap_or_default()),
            r.path.to_string()
        );
    }
    assert_eq!(
        serde_json::to_vec(&peer).unwrap(),
        body,
        "serde_json writes the same bytes"
    );

    let mut g = c.benchmark_group("decode/device_senml_json");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("m2m", |b| b.iter(|| ours_decode(black_box(&body))));
    g.bench_function("serde_json", |b| b.iter(|| serde_decode(black_box(&body))));
    g.finish();

    // Encoding: `m2m` writes into the caller's buffer (the no-alloc path; serde_json writes
    // into a Vec with room reserved), `m2m-sized` sizes first (`encoded_len`) and fills a Vec
    // of exactly that length.
    let mut g = c.benchmark_group("encode/device_senml_json");
    g.throughput(Throughput::Bytes(body.len() as u64));
    let mut buf = [0u8; 1024];
    let n = senml_json::encode(&records, &mut buf).unwrap();
    assert_eq!(&buf[..n], &body[..], "m2m writes the fixture");
    g.bench_function("m2m", |b| {
        b.iter(|| senml_json::encode(black_box(&records), &mut buf).unwrap())
    });
    let mut out = Vec::with_capacity(1024);
    g.bench_function("m2m-sized", |b| {
        b.iter(|| {
            out.clear();
            ours_encode(black_box(&records), &mut out)
        })
    });
    let mut out = Vec::with_capacity(1024);
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            out.clear();
            serde_json::to_writer(&mut out, black_box(&peer)).unwrap();
            out.len()
        })
    });
    g.finish();
    eprintln!("device_senml_json: {} bytes", body.len());
}
