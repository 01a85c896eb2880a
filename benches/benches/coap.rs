#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)] // set-up of fixed inputs
//! CoAP: m2m-coap beside coap-lite and coap-message-implementations, case by case, in the same
//! groups.
//!
//! "decode" is the whole job a receiver does: validate the header, the token, every option and
//! the payload marker, then read every option value and the payload. coap-lite does that in
//! `Packet::from_bytes` (into a `BTreeMap` of `Vec`s). coap-message-implementations' in-memory
//! message covers only the options and the payload and validates nothing up front (it checks as
//! it walks): its function here reads the UDP header and token by hand, as its users must, then
//! walks. "encode" writes the message from its parts into a buffer: `m2m` is our in-place
//! `MessageWriter` and `m2m-builder` our `Builder` (values added by their type: text, number or
//! bytes, with the registry checks); the in-place
//! writer of coap-message-implementations after a hand-written header and token; coap-lite's
//! `to_bytes` of a `Packet` built beforehand (its building, which allocates, is not timed, which
//! favours it).
//!
//! Every function is checked to give the reference result before it is timed: decoders return a
//! digest of every option and the payload, encoders must write the reference bytes.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use m2m_coap::{Builder, Code, Message, MessageWriter, OptionNumber, Type};

/// One option of a case: number and value bytes.
type Opt = (u16, Vec<u8>);

struct Case {
    name: &'static str,
    ty: Type,
    code: Code,
    mid: u16,
    token: Vec<u8>,
    options: Vec<Opt>,
    payload: Vec<u8>,
}

fn uint(v: u32) -> Vec<u8> {
    let b = v.to_be_bytes();
    let skip = (v.leading_zeros() / 8) as usize;
    b[skip..].to_vec()
}

/// CON GET coap://sensor/sensors/temp?u=C with a 4-byte token, Observe 0 and Accept 50 (35 B).
fn get_small() -> Case {
    Case {
        name: "get_small",
        ty: Type::Confirmable,
        code: Code::GET,
        mid: 0x7d34,
        token: vec![0x71, 0x2a, 0x3b, 0x4c],
        options: vec![
            (3, b"sensor".to_vec()),
            (6, uint(0)),
            (11, b"sensors".to_vec()),
            (11, b"temp".to_vec()),
            (15, b"u=C".to_vec()),
            (17, uint(50)),
        ],
        payload: vec![],
    }
}

/// ACK 2.05 with ETag, Content-Format, Block2 (NUM 2, M, 1024 B) and Size2, 1024-byte payload.
fn rsp_block2_1k() -> Case {
    Case {
        name: "rsp_block2_1k",
        ty: Type::Acknowledgement,
        code: Code::CONTENT,
        mid: 0x7d35,
        token: vec![0x71, 0x2a, 0x3b, 0x4c],
        options: vec![
            (4, vec![0xde, 0xad, 0xbe, 0xef]),
            (12, uint(50)),
            (23, uint((2 << 4) | 0x08 | 6)),
            (28, uint(4096)),
        ],
        payload: (0..1024u32).map(|i| (i * 31 + 7) as u8).collect(),
    }
}

/// NON POST with 9 options, two of them with 2-byte extended deltas and one with a 1-byte
/// extended length.
fn opts_ext9() -> Case {
    Case {
        name: "opts_ext9",
        ty: Type::NonConfirmable,
        code: Code::POST,
        mid: 0x7d36,
        token: vec![0x01, 0x02],
        options: vec![
            (11, b"a".to_vec()),
            (11, b"bb".to_vec()),
            (12, uint(60)),
            (15, b"device=gateway-0042".to_vec()),
            (60, uint(300)),
            (252, vec![0x5a; 8]),
            (292, vec![0x01, 0x02]),
            (2048, vec![1, 2, 3]),
            (65000, vec![0x33; 16]),
        ],
        payload: b"{\"v\":1}".to_vec(),
    }
}

/// The reference encoding of a case, written out byte by byte from RFC 7252 §3 and §3.1.
fn reference(c: &Case) -> Vec<u8> {
    let mut out = vec![0x40 | (c.ty.bits() << 4) | c.token.len() as u8, c.code.0];
    out.extend_from_slice(&c.mid.to_be_bytes());
    out.extend_from_slice(&c.token);
    let ext = |v: usize| -> (u8, Vec<u8>) {
        match v {
            0..=12 => (v as u8, vec![]),
            13..=268 => (13, vec![(v - 13) as u8]),
            _ => (14, ((v - 269) as u16).to_be_bytes().to_vec()),
        }
    };
    let mut prev = 0;
    for (n, v) in &c.options {
        let (dn, dx) = ext(usize::from(n - prev));
        let (ln, lx) = ext(v.len());
        out.push((dn << 4) | ln);
        out.extend(dx);
        out.extend(lx);
        out.extend_from_slice(v);
        prev = *n;
    }
    if !c.payload.is_empty() {
        out.push(0xff);
        out.extend_from_slice(&c.payload);
    }
    out
}

/// A digest of what a decoder read: every option number and value, and the payload.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
struct Digest {
    mid: u16,
    token: u64,
    options: u64,
    payload: u64,
}

impl Digest {
    #[inline(always)]
    fn option(&mut self, number: u16, value: &[u8]) {
        let first = value.first().copied().unwrap_or(0);
        let last = value.last().copied().unwrap_or(0);
        self.options = self
            .options
            .wrapping_mul(31)
            .wrapping_add(u64::from(number) ^ ((value.len() as u64) << 16))
            .wrapping_add(u64::from(first) << 32 | u64::from(last) << 40);
    }

    #[inline(always)]
    fn payload(&mut self, p: &[u8]) {
        self.payload = p.len() as u64
            ^ (u64::from(p.first().copied().unwrap_or(0)) << 20)
            ^ (u64::from(p.last().copied().unwrap_or(0)) << 28);
    }
}

fn token_digest(t: &[u8]) -> u64 {
    t.iter().fold(0u64, |a, &b| a << 8 | u64::from(b))
}

fn expected(c: &Case) -> Digest {
    let mut d = Digest {
        mid: c.mid,
        token: token_digest(&c.token),
        ..Digest::default()
    };
    for (n, v) in &c.options {
        d.option(*n, v);
    }
    d.payload(&c.payload);
    d
}

// ---- decoders ----

fn m2m_decode(buf: &[u8]) -> Option<Digest> {
    let m = Message::parse_udp(buf).ok()?;
    let mut d = Digest {
        mid: m.message_id()?,
        token: token_digest(m.token()),
        ..Digest::default()
    };
    for o in m.options() {
        d.option(o.number.0, o.value);
    }
    d.payload(m.payload());
    Some(d)
}

fn coap_message_decode(buf: &[u8]) -> Option<Digest> {
    use coap_message::{MessageOption, ReadableMessage};
    // The header and token, by hand: the crate leaves them to its users.
    let (&[b0, code, m0, m1], rest) = buf.split_first_chunk::<4>()?;
    if b0 >> 6 != 1 {
        return None;
    }
    let tkl = usize::from(b0 & 0x0f);
    if tkl > 8 {
        return None;
    }
    let (token, rest) = rest.split_at_checked(tkl)?;
    let msg = coap_message_implementations::inmemory::Message::new(code, rest);
    let mut d = Digest {
        mid: u16::from_be_bytes([m0, m1]),
        token: token_digest(token),
        ..Digest::default()
    };
    for o in msg.options() {
        d.option(o.number(), o.value());
    }
    d.payload(msg.payload());
    Some(d)
}

fn coap_lite_decode(buf: &[u8]) -> Option<Digest> {
    let p = coap_lite::Packet::from_bytes(buf).ok()?;
    let mut d = Digest {
        mid: p.header.message_id,
        token: token_digest(p.get_token()),
        ..Digest::default()
    };
    for (n, values) in p.options() {
        for v in values {
            d.option(*n, v);
        }
    }
    d.payload(&p.payload);
    Some(d)
}

// ---- encoders ----

/// An option value as an application holds it: text, a number, or bytes.
enum Typed {
    Text(String),
    Uint(u32),
    Bytes(Vec<u8>),
}

/// The options of a case typed by their registered format (set up once, not timed).
fn typed(c: &Case) -> Vec<(u16, Typed)> {
    use m2m_coap::option::Format;
    c.options
        .iter()
        .map(|(n, v)| {
            let t = match OptionNumber(*n).def().map(|d| d.format) {
                Some(Format::String) => Typed::Text(String::from_utf8(v.clone()).unwrap()),
                Some(Format::Uint) => Typed::Uint(v.iter().fold(0, |a, &b| a << 8 | u32::from(b))),
                _ => Typed::Bytes(v.clone()),
            };
            (*n, t)
        })
        .collect()
}

/// Our in-place writer, with each value added by its type (`str`, `uint`, `opaque`) as an
/// application would.
fn m2m_write(c: &Case, opts: &[(u16, Typed)], out: &mut [u8]) -> usize {
    let mut w = MessageWriter::udp(out, c.ty, c.code, c.mid, &c.token).unwrap();
    for (n, v) in opts {
        let n = OptionNumber(*n);
        match v {
            Typed::Text(t) => w.str(n, t),
            Typed::Uint(u) => w.uint(n, *u),
            Typed::Bytes(v) => w.opaque(n, v),
        }
        .unwrap();
    }
    w.payload(&c.payload);
    w.finish().unwrap()
}

/// Our builder, with each value added by its type (`str`, `uint`, `opaque`) as an application
/// would.
fn m2m_encode(c: &Case, opts: &[(u16, Typed)], out: &mut [u8]) -> usize {
    let mut b = Builder::<16>::udp(c.ty, c.code, c.mid);
    b.token(&c.token);
    for (n, v) in opts {
        let n = OptionNumber(*n);
        match v {
            Typed::Text(t) => b.str(n, t),
            Typed::Uint(u) => b.uint(n, *u),
            Typed::Bytes(v) => b.opaque(n, v),
        }
        .unwrap();
    }
    b.payload(&c.payload);
    b.encode(out).unwrap()
}

fn coap_message_encode(c: &Case, out: &mut [u8]) -> usize {
    use coap_message::MinimalWritableMessage;
    let tkl = c.token.len();
    let (head, tail) = out.split_at_mut(4 + tkl);
    head[0] = 0x40 | (c.ty.bits() << 4) | tkl as u8;
    head[2..4].copy_from_slice(&c.mid.to_be_bytes());
    head[4..].copy_from_slice(&c.token);
    let (code, _) = head[1..].split_first_mut().unwrap();
    let mut msg = coap_message_implementations::inmemory_write::Message::new(code, tail);
    msg.set_code(c.code.0);
    for (n, v) in &c.options {
        msg.add_option(*n, v).unwrap();
    }
    msg.set_payload(&c.payload).unwrap();
    4 + tkl + msg.finish()
}

fn coap_lite_packet(c: &Case) -> coap_lite::Packet {
    use coap_lite::{CoapOption, MessageClass, MessageType, Packet};
    let mut p = Packet::new();
    p.header.set_version(1);
    p.header.set_type(match c.ty {
        Type::Confirmable => MessageType::Confirmable,
        Type::NonConfirmable => MessageType::NonConfirmable,
        Type::Acknowledgement => MessageType::Acknowledgement,
        Type::Reset => MessageType::Reset,
    });
    p.header.code = MessageClass::from(c.code.0);
    p.header.message_id = c.mid;
    p.set_token(c.token.clone());
    for (n, v) in &c.options {
        p.add_option(CoapOption::from(*n), v.clone());
    }
    p.payload = c.payload.clone();
    p
}

fn bench(crit: &mut Criterion) {
    for case in [get_small(), rsp_block2_1k(), opts_ext9()] {
        let wire = reference(&case);
        let want = expected(&case);
        // Every decoder reads the same thing before it is timed.
        assert_eq!(m2m_decode(&wire), Some(want), "m2m decode of {}", case.name);
        assert_eq!(
            coap_message_decode(&wire),
            Some(want),
            "coap-message decode of {}",
            case.name
        );
        assert_eq!(
            coap_lite_decode(&wire),
            Some(want),
            "coap-lite decode of {}",
            case.name
        );

        let mut g = crit.benchmark_group(format!("decode/{}", case.name));
        g.throughput(Throughput::Bytes(wire.len() as u64));
        g.bench_function("m2m", |b| b.iter(|| m2m_decode(black_box(&wire))));
        g.bench_function("coap-message-implementations", |b| {
            b.iter(|| coap_message_decode(black_box(&wire)))
        });
        g.bench_function("coap-lite", |b| {
            b.iter(|| coap_lite_decode(black_box(&wire)))
        });
        g.finish();

        // Every encoder writes the reference bytes before it is timed.
        let mut out = vec![0u8; 2048];
        let opts = typed(&case);
        let n = m2m_write(&case, &opts, &mut out);
        assert_eq!(&out[..n], &wire[..], "m2m in-place write of {}", case.name);
        out.fill(0);
        let n = m2m_encode(&case, &opts, &mut out);
        assert_eq!(&out[..n], &wire[..], "m2m builder encode of {}", case.name);
        out.fill(0);
        let n = coap_message_encode(&case, &mut out);
        assert_eq!(&out[..n], &wire[..], "coap-message encode of {}", case.name);
        let packet = coap_lite_packet(&case);
        assert_eq!(
            packet.to_bytes().unwrap(),
            wire,
            "coap-lite encode of {}",
            case.name
        );

        let mut g = crit.benchmark_group(format!("encode/{}", case.name));
        g.throughput(Throughput::Bytes(wire.len() as u64));
        g.bench_function("m2m", |b| {
            b.iter(|| m2m_write(black_box(&case), black_box(&opts), black_box(&mut out)))
        });
        g.bench_function("m2m-builder", |b| {
            b.iter(|| m2m_encode(black_box(&case), black_box(&opts), black_box(&mut out)))
        });
        g.bench_function("coap-message-implementations", |b| {
            b.iter(|| coap_message_encode(black_box(&case), black_box(&mut out)))
        });
        g.bench_function("coap-lite", |b| b.iter(|| black_box(&packet).to_bytes()));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
