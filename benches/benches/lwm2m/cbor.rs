//! SenML CBOR and LwM2M CBOR: the Device object /3/0 (22 resources, about 250 bytes).
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)] // set-up of fixed inputs
//!
//! "decode" reads every record (path or name, and value) and folds it into a digest; m2m yields
//! resolved records with numeric paths, the peers yield their record struct with the name
//! strings as the wire has them. Before timing, every function must decode the fixture to the
//! same (name, value) list. "encode" writes the records into a caller's buffer (ciborium: into a
//! `Vec`, its only output); every function must write the same bytes first.
//!
//! Peers, as a Rust user would write them: `minicbor` (its borrowing `Decoder` into a borrowed
//! SenML record struct, and its `Encoder` over a slice), `ciborium` (`ciborium::Value`).

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use m2m_lwm2m::{Opaque, Path, Record, Text, Value, lwm2m_cbor, senml_cbor};

/// The Device object /3/0 (OMA-TS-LightweightM2M_Core Appendix E.4 resources).
fn device() -> Vec<Record<'static>> {
    let s =
        |r: u16, t: &'static str| Record::new(Path::resource(3, 0, r), Value::Str(Text::Plain(t)));
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
        s(17, "Demo"),
        s(18, "1.0"),
        s(19, "1.0.2"),
        i(20, 1),
        i(21, 128),
    ]
}

/// A value as every decoder can state it.
#[derive(Debug, Clone, PartialEq)]
enum V {
    I(i64),
    F(f64),
    S(String),
    B(bool),
    D(Vec<u8>),
}

fn m2m_value(v: &Value<'_>) -> V {
    match v {
        Value::Int(i) | Value::Time(i) => V::I(*i),
        Value::Float(f) => V::F(*f),
        Value::Str(t) => V::S(t.to_string()),
        Value::Bool(b) => V::B(*b),
        Value::Opaque(Opaque::Raw(b)) => V::D(b.to_vec()),
        other => panic!("fixture has no {other:?}"),
    }
}

// ---- minicbor: a SenML record struct decoded and encoded by hand ------------------------------

#[derive(Debug, Clone, Copy, Default)]
struct Senml<'a> {
    bn: Option<&'a str>,
    n: Option<&'a str>,
    v: Option<Num>,
    vs: Option<&'a str>,
    vb: Option<bool>,
    vd: Option<&'a [u8]>,
    t: Option<f64>,
}

#[derive(Debug, Clone, Copy)]
enum Num {
    I(i64),
    F(f64),
}

fn mc_decode<'b>(
    body: &'b [u8],
    mut f: impl FnMut(&Senml<'b>),
) -> Result<(), minicbor::decode::Error> {
    use minicbor::data::Type;
    let mut d = minicbor::Decoder::new(body);
    let n = d.array()?;
    let mut i = 0u64;
    loop {
        match n {
            Some(n) if i == n => break,
            Some(_) => i += 1,
            None if d.datatype()? == Type::Break => {
                d.skip()?;
                break;
            }
            None => {}
        }
        let mut r = Senml::default();
        let m = d.map()?.unwrap_or(0);
        for _ in 0..m {
            match d.i64()? {
                -2 => r.bn = Some(d.str()?),
                0 => r.n = Some(d.str()?),
                2 => {
                    r.v = Some(match d.datatype()? {
                        Type::F16 | Type::F32 | Type::F64 => Num::F(d.f64()?),
                        _ => Num::I(d.i64()?),
                    })
                }
                3 => r.vs = Some(d.str()?),
                4 => r.vb = Some(d.bool()?),
                8 => r.vd = Some(d.bytes()?),
                6 => r.t = Some(d.f64()?),
                _ => d.skip()?,
            }
        }
        f(&r);
    }
    Ok(())
}

fn mc_encode(
    recs: &[Senml<'_>],
    out: &mut [u8],
) -> Result<usize, minicbor::encode::Error<minicbor::encode::write::EndOfSlice>> {
    let mut e = minicbor::Encoder::new(minicbor::encode::write::Cursor::new(out));
    e.array(recs.len() as u64)?;
    for r in recs {
        let n = [
            r.bn.is_some(),
            r.n.is_some(),
            r.v.is_some() || r.vs.is_some() || r.vb.is_some() || r.vd.is_some(),
        ]
        .iter()
        .filter(|&&b| b)
        .count();
        e.map(n as u64)?;
        if let Some(bn) = r.bn {
            e.i8(-2)?.str(bn)?;
        }
        if let Some(n) = r.n {
            e.u8(0)?.str(n)?;
        }
        match (r.v, r.vs, r.vb, r.vd) {
            (Some(Num::I(i)), ..) => {
                e.u8(2)?.i64(i)?;
            }
            (Some(Num::F(f)), ..) => {
                e.u8(2)?.f64(f)?;
            }
            (_, Some(s), ..) => {
                e.u8(3)?.str(s)?;
            }
            (_, _, Some(b), _) => {
                e.u8(4)?.bool(b)?;
            }
            (_, _, _, Some(d)) => {
                e.u8(8)?.bytes(d)?;
            }
            _ => {}
        }
    }
    Ok(e.writer().position())
}

fn mc_value(r: &Senml<'_>) -> V {
    match (r.v, r.vs, r.vb, r.vd) {
        (Some(Num::I(i)), ..) => V::I(i),
        (Some(Num::F(f)), ..) => V::F(f),
        (_, Some(s), ..) => V::S(s.to_string()),
        (_, _, Some(b), _) => V::B(b),
        (_, _, _, Some(d)) => V::D(d.to_vec()),
        _ => panic!("no value"),
    }
}

// ---- ciborium: ciborium::Value -----------------------------------------------------------------

fn cb_decode(body: &[u8]) -> ciborium::Value {
    ciborium::from_reader(body).unwrap()
}

fn cb_records(v: &ciborium::Value) -> Vec<(Option<String>, Option<String>, V)> {
    use ciborium::Value as C;
    let C::Array(recs) = v else {
        panic!("not an array")
    };
    recs.iter()
        .map(|r| {
            let C::Map(fields) = r else {
                panic!("not a map")
            };
            let (mut bn, mut n, mut val) = (None, None, None);
            for (k, v) in fields {
                let k = i64::try_from(k.as_integer().unwrap()).unwrap();
                match (k, v) {
                    (-2, C::Text(t)) => bn = Some(t.clone()),
                    (0, C::Text(t)) => n = Some(t.clone()),
                    (2, C::Integer(i)) => val = Some(V::I(i64::try_from(*i).unwrap())),
                    (2, C::Float(f)) => val = Some(V::F(*f)),
                    (3, C::Text(t)) => val = Some(V::S(t.clone())),
                    (4, C::Bool(b)) => val = Some(V::B(*b)),
                    (8, C::Bytes(b)) => val = Some(V::D(b.clone())),
                    _ => {}
                }
            }
            (bn, n, val.unwrap())
        })
        .collect()
}

fn cb_value(recs: &[Senml<'_>]) -> ciborium::Value {
    use ciborium::Value as C;
    C::Array(
        recs.iter()
            .map(|r| {
                let mut m = Vec::new();
                if let Some(bn) = r.bn {
                    m.push((C::Integer((-2).into()), C::Text(bn.into())));
                }
                if let Some(n) = r.n {
                    m.push((C::Integer(0.into()), C::Text(n.into())));
                }
                match (r.v, r.vs, r.vb, r.vd) {
                    (Some(Num::I(i)), ..) => m.push((C::Integer(2.into()), C::Integer(i.into()))),
                    (Some(Num::F(f)), ..) => m.push((C::Integer(2.into()), C::Float(f))),
                    (_, Some(s), ..) => m.push((C::Integer(3.into()), C::Text(s.into()))),
                    (_, _, Some(b), _) => m.push((C::Integer(4.into()), C::Bool(b))),
                    (_, _, _, Some(d)) => m.push((C::Integer(8.into()), C::Bytes(d.to_vec()))),
                    _ => {}
                }
                C::Map(m)
            })
            .collect(),
    )
}

fn cb_encode(v: &ciborium::Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    ciborium::into_writer(v, &mut out).unwrap();
    out
}

// ---- the groups -------------------------------------------------------------------------------

/// The (full name, value) list m2m decodes.
fn m2m_list(recs: &[Record<'_>]) -> Vec<(String, V)> {
    recs.iter()
        .map(|r| (r.path.to_string(), m2m_value(r.value.as_ref().unwrap())))
        .collect()
}

fn digest(r: &Record<'_>) -> u64 {
    let p = r
        .path
        .levels()
        .iter()
        .fold(0u64, |a, &l| a.wrapping_mul(31).wrapping_add(u64::from(l)));
    let v = match r.value {
        Some(Value::Int(i) | Value::Time(i)) => i as u64,
        Some(Value::Str(Text::Plain(s))) => s.len() as u64,
        Some(Value::Float(f)) => f.to_bits(),
        Some(Value::Bool(b)) => u64::from(b),
        _ => 7,
    };
    p ^ v
}

fn senml(c: &mut Criterion) {
    let recs = device();
    let mut buf = vec![0u8; senml_cbor::encoded_len(&recs).unwrap()];
    let n = senml_cbor::encode(&recs, &mut buf).unwrap();
    assert_eq!(n, buf.len());
    let body = buf.clone();
    eprintln!(
        "SenML CBOR fixture: {} records, {} bytes",
        recs.len(),
        body.len()
    );

    // Same values from every decoder.
    let ours: Vec<Record<'_>> = senml_cbor::decode(&body).collect::<Result<_, _>>().unwrap();
    // SenML carries a Time as a plain number: the values agree, Time read back as Int.
    let want = m2m_list(&ours);
    assert_eq!(want, m2m_list(&recs));
    let mut mc = Vec::new();
    mc_decode(&body, |r| mc.push(*r)).unwrap();
    let mut bn = String::new();
    let mc_list: Vec<(String, V)> = mc
        .iter()
        .map(|r| {
            if let Some(b) = r.bn {
                bn = b.to_string();
            }
            (format!("{bn}{}", r.n.unwrap_or("")), mc_value(r))
        })
        .collect();
    assert_eq!(mc_list, want);
    let mut bn = String::new();
    let cb_list: Vec<(String, V)> = cb_records(&cb_decode(&body))
        .into_iter()
        .map(|(b, n, v)| {
            if let Some(b) = b {
                bn = b;
            }
            (format!("{bn}{}", n.unwrap_or_default()), v)
        })
        .collect();
    assert_eq!(cb_list, want);

    let mut g = c.benchmark_group("decode/device_senml_cbor");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("m2m", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for r in senml_cbor::decode(black_box(&body)) {
                acc = acc.wrapping_add(digest(&r.unwrap()));
            }
            acc
        })
    });
    g.bench_function("minicbor", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            mc_decode(black_box(&body), |r| {
                acc = acc.wrapping_add(r.n.map_or(0, str::len) as u64);
                black_box(r);
            })
            .unwrap();
            acc
        })
    });
    g.bench_function("ciborium", |b| b.iter(|| cb_decode(black_box(&body))));
    g.finish();

    // Same bytes from every encoder.
    let mut out = vec![0u8; 1024];
    let cb = cb_value(&mc);
    let n = mc_encode(&mc, &mut out).unwrap();
    assert_eq!(&out[..n], &body[..], "minicbor");
    assert_eq!(cb_encode(&cb), body, "ciborium");

    let mut g = c.benchmark_group("encode/device_senml_cbor");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("m2m", |b| {
        b.iter(|| senml_cbor::encode(black_box(&recs), &mut out).unwrap())
    });
    g.bench_function("minicbor", |b| {
        b.iter(|| mc_encode(black_box(&mc), &mut out).unwrap())
    });
    g.bench_function("ciborium", |b| b.iter(|| cb_encode(black_box(&cb))));
    g.finish();
}

fn lwm2m(c: &mut Criterion) {
    let recs = device();
    let mut body = vec![0u8; lwm2m_cbor::encoded_len(&recs).unwrap()];
    lwm2m_cbor::encode(&recs, &mut body).unwrap();
    eprintln!(
        "LwM2M CBOR fixture: {} records, {} bytes",
        recs.len(),
        body.len()
    );
    let ours: Vec<Record<'_>> = lwm2m_cbor::decode(&body).collect::<Result<_, _>>().unwrap();
    assert_eq!(ours, recs);

    let mut g = c.benchmark_group("decode/device_lwm2m_cbor");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("m2m", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for r in lwm2m_cbor::decode(black_box(&body)) {
                acc = acc.wrapping_add(digest(&r.unwrap()));
            }
            acc
        })
    });
    g.finish();

    let mut out = vec![0u8; 1024];
    let mut g = c.benchmark_group("encode/device_lwm2m_cbor");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("m2m", |b| {
        b.iter(|| lwm2m_cbor::encode(black_box(&recs), &mut out).unwrap())
    });
    g.finish();
}

pub(crate) fn benches(c: &mut Criterion) {
    senml(c);
    lwm2m(c);
}
