#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)] // set-up of fixed inputs
//! Sparkplug B payloads: m2m-sparkplug beside prost and quick-protobuf, in the same groups.
//!
//! "decode" walks every metric and reads its name (or alias), datatype and value, folding them
//! into one digest that every function must agree on before it is timed. m2m reads births through
//! the typed `value()` and alias-only data through `raw_value()` (the datatype comes from the
//! birth); prost decodes into its owned structs (derived by hand to mirror `sparkplug_b.proto`)
//! and reads the same fields; quick-protobuf decodes into borrowed structs written by hand with
//! its reader for the fields these payloads use (Payload and Metric; the nested messages are
//! skipped as unknown, which these payloads do not carry). "encode" writes a prepared payload
//! into a caller's buffer; every function must write the same bytes first.

use std::borrow::Cow;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use m2m_sparkplug::{Metric, MetricValue, Payload, PayloadView, RawValue, Seq, Str, Value};
use prost::Message as _;

#[path = "../../m2m-sparkplug/tests/pb/mod.rs"]
mod pb;

// ---- the payloads ----------------------------------------------------------------------------

const TS: u64 = 1_700_000_000_000;

/// A metric of mixed type for index `i` (names about 30 bytes, as plant tag paths are).
fn birth_metric(i: usize) -> Metric<'static> {
    let name = Str::Owned(format!(
        "Area {}/Line {}/Sensor {:03}/Value",
        i % 7,
        i % 13,
        i
    ));
    let value = match i % 7 {
        0 => MetricValue::Int32(-(i as i32) * 1000),
        1 => MetricValue::Int64(i as i64 * 1_000_000_007),
        2 => MetricValue::Float(i as f32 * 0.5),
        3 => MetricValue::Double(i as f64 * 1.25),
        4 => MetricValue::Boolean(i % 2 == 0),
        5 => MetricValue::String(Str::Owned(format!("state {i}"))),
        _ => MetricValue::UInt32(i as u32 * 77),
    };
    Metric {
        alias: Some(i as u64),
        timestamp: Some(TS + i as u64),
        ..Metric::new(name, value)
    }
}

fn birth(n: usize) -> Payload<'static> {
    let mut metrics: Vec<Metric<'static>> = vec![
        Metric::new("bdSeq", MetricValue::UInt64(0)),
        Metric::new("Node Control/Rebirth", MetricValue::Boolean(false)),
    ];
    metrics.extend((0..n - 2).map(birth_metric));
    Payload {
        timestamp: Some(TS),
        metrics: Seq::Owned(metrics),
        seq: Some(0),
        ..Payload::default()
    }
}

fn data(n: usize) -> Payload<'static> {
    let metrics = (0..n)
        .map(|i| {
            let value = match i % 3 {
                0 => MetricValue::Double(i as f64 + 0.5),
                1 => MetricValue::Int32(i as i32 - 5),
                _ => MetricValue::Boolean(i % 2 == 1),
            };
            Metric {
                timestamp: Some(TS + 10),
                ..Metric::aliased(i as u64, value)
            }
        })
        .collect();
    Payload {
        timestamp: Some(TS + 10),
        metrics: Seq::Owned(metrics),
        seq: Some(1),
        ..Payload::default()
    }
}

// ---- the digest every decoder must produce ------------------------------------------------------

fn mix(h: u64, x: u64) -> u64 {
    h.rotate_left(5) ^ x.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Bits of a value as it is on the wire: the member's number and its content.
fn raw_bits(raw: Option<RawValue<'_>>) -> u64 {
    match raw {
        Some(RawValue::Int(v)) => mix(10, v.into()),
        Some(RawValue::Long(v)) => mix(11, v),
        Some(RawValue::Float(v)) => mix(12, v.to_bits().into()),
        Some(RawValue::Double(v)) => mix(13, v.to_bits()),
        Some(RawValue::Boolean(v)) => mix(14, v.into()),
        Some(RawValue::String(s)) => mix(15, s.len() as u64),
        Some(_) => 99,
        None => 0,
    }
}

/// The same bits from a typed value (the canonical encoding of each type).
fn typed_bits(v: Value<'_>) -> u64 {
    match v {
        Value::Int32(v) => mix(10, u64::from(v as u32)),
        Value::UInt32(v) => mix(10, v.into()),
        Value::Int64(v) => mix(11, v as u64),
        Value::UInt64(v) => mix(11, v),
        Value::Float(v) => mix(12, v.to_bits().into()),
        Value::Double(v) => mix(13, v.to_bits()),
        Value::Boolean(v) => mix(14, v.into()),
        Value::String(s) => mix(15, s.len() as u64),
        _ => 99,
    }
}

fn m2m_decode(buf: &[u8]) -> Option<u64> {
    let view = PayloadView::new(buf).ok()?;
    let mut h = view.seq()?;
    for m in view.metrics() {
        let m = m.ok()?;
        h = mix(h, m.name().map_or(0, |n| n.len() as u64));
        h = mix(h, m.alias().unwrap_or(u64::MAX));
        let v = match m.datatype() {
            Some(dt) => {
                h = mix(h, dt.into());
                typed_bits(m.value_as(dt).ok()?)
            }
            None => raw_bits(m.raw_value()),
        };
        h = mix(h, v);
    }
    Some(h)
}

fn m2m_peek(buf: &[u8]) -> Option<(u64, u64)> {
    let h = PayloadView::peek_header(buf).ok()?;
    Some((h.timestamp?, h.seq?))
}

fn prost_bits(v: Option<&pb::MetricValue>) -> u64 {
    use pb::MetricValue as V;
    match v {
        Some(V::IntValue(v)) => mix(10, (*v).into()),
        Some(V::LongValue(v)) => mix(11, *v),
        Some(V::FloatValue(v)) => mix(12, v.to_bits().into()),
        Some(V::DoubleValue(v)) => mix(13, v.to_bits()),
        Some(V::BooleanValue(v)) => mix(14, (*v).into()),
        Some(V::StringValue(s)) => mix(15, s.len() as u64),
        Some(_) => 99,
        None => 0,
    }
}

fn prost_decode(buf: &[u8]) -> Option<u64> {
    let p = pb::Payload::decode(buf).ok()?;
    let mut h = p.seq?;
    for m in &p.metrics {
        h = mix(h, m.name.as_ref().map_or(0, |n| n.len() as u64));
        h = mix(h, m.alias.unwrap_or(u64::MAX));
        if let Some(dt) = m.datatype {
            h = mix(h, dt.into());
        }
        h = mix(h, prost_bits(m.value.as_ref()));
    }
    Some(h)
}

fn prost_peek(buf: &[u8]) -> Option<(u64, u64)> {
    let p = pb::Payload::decode(buf).ok()?;
    Some((p.timestamp?, p.seq?))
}

// ---- quick-protobuf: Payload and Metric by hand with its reader and writer ---------------------

mod qp {
    use std::borrow::Cow;

    use quick_protobuf::sizeofs::{sizeof_len, sizeof_varint};
    use quick_protobuf::{BytesReader, MessageRead, MessageWrite, Result, Writer, WriterBackend};

    #[derive(Debug, Default, PartialEq)]
    pub(crate) struct Payload<'a> {
        pub(crate) timestamp: Option<u64>,
        pub(crate) metrics: Vec<Metric<'a>>,
        pub(crate) seq: Option<u64>,
        pub(crate) uuid: Option<Cow<'a, str>>,
    }

    #[derive(Debug, Default, PartialEq)]
    pub(crate) enum Value<'a> {
        Int(u32),
        Long(u64),
        Float(f32),
        Double(f64),
        Bool(bool),
        Str(Cow<'a, str>),
        #[default]
        None,
    }

    #[derive(Debug, Default, PartialEq)]
    pub(crate) struct Metric<'a> {
        pub(crate) name: Option<Cow<'a, str>>,
        pub(crate) alias: Option<u64>,
        pub(crate) timestamp: Option<u64>,
        pub(crate) datatype: Option<u32>,
        pub(crate) value: Value<'a>,
    }

    impl<'a> MessageRead<'a> for Payload<'a> {
        fn from_reader(r: &mut BytesReader, bytes: &'a [u8]) -> Result<Self> {
            let mut p = Payload::default();
            while !r.is_eof() {
                match r.next_tag(bytes) {
                    Ok(8) => p.timestamp = Some(r.read_uint64(bytes)?),
                    Ok(18) => p.metrics.push(r.read_message::<Metric<'_>>(bytes)?),
                    Ok(24) => p.seq = Some(r.read_uint64(bytes)?),
                    Ok(34) => p.uuid = Some(Cow::Borrowed(r.read_string(bytes)?)),
                    Ok(t) => r.read_unknown(bytes, t)?,
                    Err(e) => return Err(e),
                }
            }
            Ok(p)
        }
    }

    impl<'a> MessageRead<'a> for Metric<'a> {
        fn from_reader(r: &mut BytesReader, bytes: &'a [u8]) -> Result<Self> {
            let mut m = Metric::default();
            while !r.is_eof() {
                match r.next_tag(bytes) {
                    Ok(10) => m.name = Some(Cow::Borrowed(r.read_string(bytes)?)),
                    Ok(16) => m.alias = Some(r.read_uint64(bytes)?),
                    Ok(24) => m.timestamp = Some(r.read_uint64(bytes)?),
                    Ok(32) => m.datatype = Some(r.read_uint32(bytes)?),
                    Ok(80) => m.value = Value::Int(r.read_uint32(bytes)?),
                    Ok(88) => m.value = Value::Long(r.read_uint64(bytes)?),
                    Ok(101) => m.value = Value::Float(r.read_float(bytes)?),
                    Ok(105) => m.value = Value::Double(r.read_double(bytes)?),
                    Ok(112) => m.value = Value::Bool(r.read_bool(bytes)?),
                    Ok(122) => m.value = Value::Str(Cow::Borrowed(r.read_string(bytes)?)),
                    Ok(t) => r.read_unknown(bytes, t)?,
                    Err(e) => return Err(e),
                }
            }
            Ok(m)
        }
    }

    impl Value<'_> {
        fn size(&self) -> usize {
            match self {
                Value::Int(v) => 1 + sizeof_varint(u64::from(*v)),
                Value::Long(v) => 1 + sizeof_varint(*v),
                Value::Float(_) => 5,
                Value::Double(_) => 9,
                Value::Bool(_) => 2,
                Value::Str(s) => 1 + sizeof_len(s.len()),
                Value::None => 0,
            }
        }
    }

    impl MessageWrite for Metric<'_> {
        fn get_size(&self) -> usize {
            self.name.as_ref().map_or(0, |s| 1 + sizeof_len(s.len()))
                + self.alias.map_or(0, |v| 1 + sizeof_varint(v))
                + self.timestamp.map_or(0, |v| 1 + sizeof_varint(v))
                + self.datatype.map_or(0, |v| 1 + sizeof_varint(u64::from(v)))
                + self.value.size()
        }

        fn write_message<W: WriterBackend>(&self, w: &mut Writer<W>) -> Result<()> {
            if let Some(s) = &self.name {
                w.write_with_tag(10, |w| w.write_string(s))?;
            }
            if let Some(v) = self.alias {
                w.write_with_tag(16, |w| w.write_uint64(v))?;
            }
            if let Some(v) = self.timestamp {
                w.write_with_tag(24, |w| w.write_uint64(v))?;
            }
            if let Some(v) = self.datatype {
                w.write_with_tag(32, |w| w.write_uint32(v))?;
            }
            match &self.value {
                Value::Int(v) => w.write_with_tag(80, |w| w.write_uint32(*v)),
                Value::Long(v) => w.write_with_tag(88, |w| w.write_uint64(*v)),
                Value::Float(v) => w.write_with_tag(101, |w| w.write_float(*v)),
                Value::Double(v) => w.write_with_tag(105, |w| w.write_double(*v)),
                Value::Bool(v) => w.write_with_tag(112, |w| w.write_bool(*v)),
                Value::Str(s) => w.write_with_tag(122, |w| w.write_string(s)),
                Value::None => Ok(()),
            }
        }
    }

    impl MessageWrite for Payload<'_> {
        fn get_size(&self) -> usize {
            self.timestamp.map_or(0, |v| 1 + sizeof_varint(v))
                + self
                    .metrics
                    .iter()
                    .map(|m| 1 + sizeof_len(m.get_size()))
                    .sum::<usize>()
                + self.seq.map_or(0, |v| 1 + sizeof_varint(v))
                + self.uuid.as_ref().map_or(0, |s| 1 + sizeof_len(s.len()))
        }

        fn write_message<W: WriterBackend>(&self, w: &mut Writer<W>) -> Result<()> {
            if let Some(v) = self.timestamp {
                w.write_with_tag(8, |w| w.write_uint64(v))?;
            }
            for m in &self.metrics {
                w.write_with_tag(18, |w| w.write_message(m))?;
            }
            if let Some(v) = self.seq {
                w.write_with_tag(24, |w| w.write_uint64(v))?;
            }
            if let Some(s) = &self.uuid {
                w.write_with_tag(34, |w| w.write_string(s))?;
            }
            Ok(())
        }
    }
}

fn qp_bits(v: &qp::Value<'_>) -> u64 {
    match v {
        qp::Value::Int(v) => mix(10, (*v).into()),
        qp::Value::Long(v) => mix(11, *v),
        qp::Value::Float(v) => mix(12, v.to_bits().into()),
        qp::Value::Double(v) => mix(13, v.to_bits()),
        qp::Value::Bool(v) => mix(14, (*v).into()),
        qp::Value::Str(s) => mix(15, s.len() as u64),
        qp::Value::None => 0,
    }
}

fn qp_read(buf: &[u8]) -> Option<qp::Payload<'_>> {
    use quick_protobuf::MessageRead as _;
    let mut r = quick_protobuf::BytesReader::from_bytes(buf);
    qp::Payload::from_reader(&mut r, buf).ok()
}

fn qp_decode(buf: &[u8]) -> Option<u64> {
    let p = qp_read(buf)?;
    let mut h = p.seq?;
    for m in &p.metrics {
        h = mix(h, m.name.as_ref().map_or(0, |n| n.len() as u64));
        h = mix(h, m.alias.unwrap_or(u64::MAX));
        if let Some(dt) = m.datatype {
            h = mix(h, dt.into());
        }
        h = mix(h, qp_bits(&m.value));
    }
    Some(h)
}

fn qp_peek(buf: &[u8]) -> Option<(u64, u64)> {
    let p = qp_read(buf)?;
    Some((p.timestamp?, p.seq?))
}

fn qp_owned(p: &qp::Payload<'_>) -> qp::Payload<'static> {
    let own = |s: &Cow<'_, str>| Cow::Owned(s.to_string());
    qp::Payload {
        timestamp: p.timestamp,
        seq: p.seq,
        uuid: p.uuid.as_ref().map(own),
        metrics: p
            .metrics
            .iter()
            .map(|m| qp::Metric {
                name: m.name.as_ref().map(own),
                alias: m.alias,
                timestamp: m.timestamp,
                datatype: m.datatype,
                value: match &m.value {
                    qp::Value::Int(v) => qp::Value::Int(*v),
                    qp::Value::Long(v) => qp::Value::Long(*v),
                    qp::Value::Float(v) => qp::Value::Float(*v),
                    qp::Value::Double(v) => qp::Value::Double(*v),
                    qp::Value::Bool(v) => qp::Value::Bool(*v),
                    qp::Value::Str(s) => qp::Value::Str(own(s)),
                    qp::Value::None => qp::Value::None,
                },
            })
            .collect(),
    }
}

// ---- encoders ----------------------------------------------------------------------------------

fn m2m_encode(p: &Payload<'_>, out: &mut [u8]) -> Option<usize> {
    p.encode(out).ok()
}

fn prost_encode(p: &pb::Payload, out: &mut [u8]) -> Option<usize> {
    let len = out.len();
    let mut tail = &mut out[..];
    p.encode(&mut tail).ok()?;
    Some(len - tail.len())
}

fn qp_encode(p: &qp::Payload<'_>, out: &mut [u8]) -> Option<usize> {
    use quick_protobuf::MessageWrite as _;
    let n = p.get_size();
    let mut w = quick_protobuf::Writer::new(quick_protobuf::BytesWriter::new(out));
    p.write_message(&mut w).ok()?;
    Some(n)
}

fn assert_bytes(who: &str, n: Option<usize>, out: &[u8], want: &[u8]) {
    let got = n.and_then(|n| out.get(..n));
    assert_eq!(got, Some(want), "{who} writes the reference payload");
}

// ---- groups ------------------------------------------------------------------------------------

fn decode_group(c: &mut Criterion, name: &str, buf: &[u8]) {
    let want = m2m_decode(buf);
    assert!(want.is_some(), "{name}: m2m decodes");
    assert_eq!(prost_decode(buf), want, "{name}: prost agrees");
    assert_eq!(qp_decode(buf), want, "{name}: quick-protobuf agrees");
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(buf.len() as u64));
    g.bench_function("m2m", |b| b.iter(|| m2m_decode(black_box(buf))));
    g.bench_function("prost", |b| b.iter(|| prost_decode(black_box(buf))));
    g.bench_function("quick-protobuf", |b| b.iter(|| qp_decode(black_box(buf))));
    g.finish();
}

fn encode_group(c: &mut Criterion, name: &str, p: &Payload<'_>) {
    let want = p.to_vec().unwrap();
    let prost_p = pb::Payload::decode(&want[..]).unwrap();
    let qp_p = qp_owned(&qp_read(&want).unwrap());
    let mut out = vec![0u8; want.len() + 64];
    assert_bytes("m2m", m2m_encode(p, &mut out), &out, &want);
    assert_bytes("prost", prost_encode(&prost_p, &mut out), &out, &want);
    assert_bytes("quick-protobuf", qp_encode(&qp_p, &mut out), &out, &want);
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(want.len() as u64));
    g.bench_function("m2m", |b| b.iter(|| m2m_encode(black_box(p), &mut out)));
    g.bench_function("prost", |b| {
        b.iter(|| prost_encode(black_box(&prost_p), &mut out))
    });
    g.bench_function("quick-protobuf", |b| {
        b.iter(|| qp_encode(black_box(&qp_p), &mut out))
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let nbirth_100 = birth(100);
    let nbirth_1000 = birth(1000);
    let ndata_10 = data(10);
    let b100 = nbirth_100.to_vec().unwrap();
    let b1000 = nbirth_1000.to_vec().unwrap();
    let d10 = ndata_10.to_vec().unwrap();
    assert!(
        (4000..7000).contains(&b100.len()),
        "NBIRTH 100 is {} bytes",
        b100.len()
    );

    decode_group(c, "decode/nbirth_100", &b100);
    decode_group(c, "decode/nbirth_1000", &b1000);
    decode_group(c, "decode/ndata_10", &d10);

    // peek: timestamp and seq only, against full decodes by the peers.
    let want = Some((TS, 0));
    assert_eq!(m2m_peek(&b1000), want);
    assert_eq!(prost_peek(&b1000), want);
    assert_eq!(qp_peek(&b1000), want);
    let mut g = c.benchmark_group("decode/peek_nbirth_1000");
    g.throughput(Throughput::Bytes(b1000.len() as u64));
    g.bench_function("m2m", |b| b.iter(|| m2m_peek(black_box(&b1000))));
    g.bench_function("prost", |b| b.iter(|| prost_peek(black_box(&b1000))));
    g.bench_function("quick-protobuf", |b| b.iter(|| qp_peek(black_box(&b1000))));
    g.finish();

    encode_group(c, "encode/nbirth_100", &nbirth_100);
    encode_group(c, "encode/ndata_10", &ndata_10);
}

criterion_group!(benches, bench);
criterion_main!(benches);
