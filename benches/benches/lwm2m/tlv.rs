//! OMA TLV. No Rust crate decodes it, so the yardstick is one plain pass over the same bytes
//! (`sum`: add every byte), and the target a decode within 4x of it. "decode" is the whole job of
//! a server reading a Device object: walk every TLV, check every header and length, and type
//! every value against the object model (the built-in OMA registry), strings checked as UTF-8.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use m2m_lwm2m::model::{self, Registry};
use m2m_lwm2m::{Config, Path, Record, Text, Value, tlv};

/// The Device object /3/0 with 20 resources, as the other formats' benches have it.
pub(crate) fn device_records() -> Vec<Record<'static>> {
    let s = |r, v| Record::new(Path::resource(3, 0, r), Value::Str(Text::Plain(v)));
    let i = |r, v| Record::new(Path::resource(3, 0, r), Value::Int(v));
    let ri = |r, n, v| Record::new(Path::resource_instance(3, 0, r, n), Value::Int(v));
    vec![
        s(0, "Open Mobile Alliance"),
        s(1, "Lightweight M2M Client"),
        s(2, "345000123"),
        s(3, "1.0"),
        ri(6, 0, 1),
        ri(6, 1, 5),
        ri(7, 0, 3800),
        ri(7, 1, 5000),
        ri(8, 0, 125),
        ri(8, 1, 900),
        i(9, 100),
        i(10, 15),
        ri(11, 0, 0),
        Record::new(Path::resource(3, 0, 13), Value::Time(1_367_491_215)),
        s(14, "+02:00"),
        s(15, "Europe/Berlin"),
        s(16, "U"),
        s(17, "Smart Pump"),
        s(18, "1.0.1"),
        s(19, "2.3.0"),
        i(20, 0),
        i(21, 8192),
    ]
}

fn digest(v: &Value<'_>) -> u64 {
    match v {
        Value::Str(t) => t.raw().map_or(0, str::len) as u64,
        Value::Int(i) | Value::Time(i) => *i as u64,
        _ => 1,
    }
}

pub(crate) fn benches(c: &mut Criterion) {
    let records = device_records();
    let base = Path::instance(3, 0);
    let mut body = vec![0u8; tlv::encoded_len(&base, &records).unwrap()];
    tlv::encode(&base, &records, &mut body).unwrap();
    let expected: u64 = records
        .iter()
        .map(|r| digest(&r.value.unwrap()))
        .fold(0, u64::wrapping_add);

    let decode = |b: &[u8]| -> u64 {
        let mut d = 0u64;
        for r in tlv::decode(b, base, Config::STRICT) {
            let r = model::typed(r.unwrap(), &Registry, &Config::STRICT).unwrap();
            d = d.wrapping_add(digest(&r.value.unwrap()));
        }
        d
    };
    assert_eq!(decode(&body), expected);

    let mut g = c.benchmark_group("decode/device_tlv");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("m2m", |b| b.iter(|| decode(black_box(&body))));
    g.bench_function("m2m-untyped", |b| {
        b.iter(|| {
            tlv::decode(black_box(&body), base, Config::STRICT)
                .map(|r| r.unwrap().path.depth())
                .sum::<usize>()
        })
    });
    g.bench_function("sum", |b| {
        b.iter(|| {
            black_box(&body)
                .iter()
                .fold(0u64, |a, &x| a.wrapping_add(u64::from(x)))
        })
    });
    g.finish();

    let mut out = vec![0u8; body.len()];
    let n = tlv::encode(&base, &records, &mut out).unwrap();
    assert_eq!(&out[..n], &body[..]);
    let mut g = c.benchmark_group("encode/device_tlv");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("m2m", |b| {
        b.iter(|| tlv::encode(black_box(&base), black_box(&records), black_box(&mut out)).unwrap())
    });
    g.finish();
}
