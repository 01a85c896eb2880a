#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)] // set-up of fixed inputs
//! Modbus: m2m-modbus beside rmodbus and modbus-core, case by case, in the same groups.
//!
//! Every function in a group does the same work on the same bytes, through each crate's public
//! API. tokio-modbus keeps its codec private, so it has no function here. Where a peer has no
//! public way to do a case (rmodbus builds responses only from its server context), it is left
//! out of that group rather than measured doing something else.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use m2m_core::Status;
use m2m_modbus::{Registers, Request, Response, rtu, tcp};

const REGS_125: usize = 125;
const REGS_123: usize = 123;

fn values(n: usize) -> Vec<u16> {
    (0..n)
        .map(|i| (i as u16).wrapping_mul(7919).wrapping_add(13))
        .collect()
}

fn tcp_fc03_req() -> Vec<u8> {
    tcp::Adu {
        transaction_id: 1,
        unit_id: 1,
        pdu: Request::ReadHoldingRegisters {
            address: 0x6b,
            quantity: 125,
        },
    }
    .to_vec()
    .unwrap()
}

fn tcp_fc03_rsp(v: &[u16]) -> Vec<u8> {
    tcp::Adu {
        transaction_id: 1,
        unit_id: 1,
        pdu: Response::ReadHoldingRegisters {
            registers: Registers::from(v),
        },
    }
    .to_vec()
    .unwrap()
}

fn tcp_fc16_req(v: &[u16]) -> Vec<u8> {
    tcp::Adu {
        transaction_id: 1,
        unit_id: 1,
        pdu: Request::WriteMultipleRegisters {
            address: 0x10,
            registers: Registers::from(v),
        },
    }
    .to_vec()
    .unwrap()
}

fn rtu_fc03_rsp(v: &[u16]) -> Vec<u8> {
    rtu::Adu {
        address: 1,
        pdu: Response::ReadHoldingRegisters {
            registers: Registers::from(v),
        },
    }
    .to_vec()
    .unwrap()
}

// ---- m2m ----

fn m2m_decode_fc03_req(buf: &[u8]) -> Option<(u16, u16)> {
    match tcp::Adu::<Request<'_>>::parse(buf).ok()?.pdu {
        Request::ReadHoldingRegisters { address, quantity } => Some((address, quantity)),
        _ => None,
    }
}

fn m2m_sum_tcp(buf: &[u8]) -> Option<u32> {
    match tcp::Adu::<Response<'_>>::parse(buf).ok()?.pdu {
        Response::ReadHoldingRegisters { registers } => Some(registers.iter().map(u32::from).sum()),
        _ => None,
    }
}

fn m2m_sum_rtu(buf: &[u8]) -> Option<u32> {
    match rtu::Adu::<Response<'_>>::parse(buf).ok()?.pdu {
        Response::ReadHoldingRegisters { registers } => Some(registers.iter().map(u32::from).sum()),
        _ => None,
    }
}

fn m2m_decode_fc16(buf: &[u8]) -> Option<usize> {
    match tcp::Adu::<Request<'_>>::parse(buf).ok()?.pdu {
        Request::WriteMultipleRegisters { registers, .. } => Some(registers.len()),
        _ => None,
    }
}

/// FC03 response with `v` into a Modbus/TCP frame at the start of `out`; its length.
fn m2m_encode_fc03_rsp_tcp(v: &[u16], out: &mut [u8]) -> Option<usize> {
    tcp::Adu {
        transaction_id: 1,
        unit_id: 1,
        pdu: Response::ReadHoldingRegisters {
            registers: Registers::from(v),
        },
    }
    .encode(out)
    .ok()
}

/// FC16 request writing `v` at 0x10, as a Modbus/TCP frame.
fn m2m_encode_fc16(v: &[u16], out: &mut [u8]) -> Option<usize> {
    tcp::Adu {
        transaction_id: 1,
        unit_id: 1,
        pdu: Request::WriteMultipleRegisters {
            address: 0x10,
            registers: Registers::from(v),
        },
    }
    .encode(out)
    .ok()
}

/// FC03 response with `v` as an RTU frame with its CRC.
fn m2m_encode_fc03_rsp_rtu(v: &[u16], out: &mut [u8]) -> Option<usize> {
    rtu::Adu {
        address: 1,
        pdu: Response::ReadHoldingRegisters {
            registers: Registers::from(v),
        },
    }
    .encode(out)
    .ok()
}

/// Reads a decoded register block through its length and first register, and counts it.
fn touch(pdu: &Response<'_>, touched: &mut u32, frames: &mut usize) {
    if let Response::ReadHoldingRegisters { registers } = pdu {
        *touched = touched
            .wrapping_add(registers.len() as u32)
            .wrapping_add(u32::from(registers.get(0).unwrap_or(0)));
        *frames += 1;
    }
}

/// Frames, checks and decodes every frame of a noisy RTU stream with `Framing::find`, which
/// passes over the noise before each frame in the same call: one pass over each frame's bytes
/// (the CRC is checked once and the whole PDU validated). The register values stay in the
/// borrowed bytes, read when the consumer reads them (summing them is measured in
/// `decode/tcp_fc03_rsp_sum125`); here the decoded block is touched through its length and first
/// register, so nothing is optimised away.
fn m2m_rtu_stream(mut buf: &[u8]) -> (u32, usize) {
    let f = rtu::Framing::responses();
    let (mut touched, mut frames) = (0u32, 0usize);
    while !buf.is_empty() {
        match f.find::<Response<'_>>(buf) {
            Ok(Status::Complete(found)) => {
                touch(&found.adu.pdu, &mut touched, &mut frames);
                buf = &buf[found.consumed..];
            }
            Ok(Status::Partial(_)) => break,
            Err(e) => buf = &buf[e.skip_len().max(1).min(buf.len())..],
        }
    }
    (touched, frames)
}

/// The same with `Framing::decode`, which returns each run of noise as an error of its own.
fn m2m_rtu_stream_decode(mut buf: &[u8]) -> (u32, usize) {
    let f = rtu::Framing::responses();
    let (mut touched, mut frames) = (0u32, 0usize);
    while !buf.is_empty() {
        match f.decode::<Response<'_>>(buf) {
            Ok(Status::Complete((adu, n))) => {
                touch(&adu.pdu, &mut touched, &mut frames);
                buf = &buf[n..];
            }
            Ok(Status::Partial(_)) => break,
            Err(e) => buf = &buf[e.skip_len().max(1).min(buf.len())..],
        }
    }
    (touched, frames)
}

// ---- rmodbus ----

fn rmodbus_decode_fc03_req(buf: &[u8], resp: &mut Vec<u8>) -> Option<(u16, u16)> {
    let mut frame = rmodbus::server::ModbusFrame::new(1, buf, rmodbus::ModbusProto::TcpUdp, resp);
    frame.parse().ok()?;
    Some((frame.reg, frame.count))
}

fn rmodbus_decode_fc16(buf: &[u8], resp: &mut Vec<u8>) -> Option<u16> {
    let mut frame = rmodbus::server::ModbusFrame::new(1, buf, rmodbus::ModbusProto::TcpUdp, resp);
    frame.parse().ok()?;
    Some(frame.count)
}

fn rmodbus_sum(req: &rmodbus::client::ModbusRequest, buf: &[u8]) -> Option<u32> {
    let data = req.parse_slice(buf).ok()?;
    Some(
        data.chunks_exact(2)
            .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
            .sum(),
    )
}

// ---- modbus-core ----

fn mc_decode_fc03_req(buf: &[u8]) -> Option<(u16, u16)> {
    let adu = modbus_core::tcp::server::decode_request(buf).ok()??;
    match adu.pdu.0 {
        modbus_core::Request::ReadHoldingRegisters(a, q) => Some((a, q)),
        _ => None,
    }
}

fn mc_sum_words(data: &modbus_core::Data<'_>) -> u32 {
    (0..data.len())
        .filter_map(|i| data.get(i))
        .map(u32::from)
        .sum()
}

fn mc_sum_tcp(buf: &[u8]) -> Option<u32> {
    let adu = modbus_core::tcp::client::decode_response(buf).ok()??;
    match adu.pdu.0 {
        Ok(modbus_core::Response::ReadHoldingRegisters(d)) => Some(mc_sum_words(&d)),
        _ => None,
    }
}

fn mc_sum_rtu(buf: &[u8]) -> Option<u32> {
    let adu = modbus_core::rtu::client::decode_response(buf).ok()??;
    match adu.pdu.0 {
        Ok(modbus_core::Response::ReadHoldingRegisters(d)) => Some(mc_sum_words(&d)),
        _ => None,
    }
}

fn mc_decode_fc16(buf: &[u8]) -> Option<usize> {
    let adu = modbus_core::tcp::server::decode_request(buf).ok()??;
    match adu.pdu.0 {
        modbus_core::Request::WriteMultipleRegisters(_, d) => Some(d.len()),
        _ => None,
    }
}

/// modbus-core's `Data::from_words` writes the words into a scratch buffer, and its encoders copy
/// the whole scratch buffer into the frame: the scratch must be exactly `2 * v.len()` bytes, or
/// the frame is wrong (or, when it does not fit, the encoder fails after the words were written).
fn mc_words<'d>(v: &[u16], scratch: &'d mut [u8]) -> Option<modbus_core::Data<'d>> {
    let words = scratch.get_mut(..v.len().checked_mul(2)?)?;
    modbus_core::Data::from_words(v, words).ok()
}

fn mc_encode_fc03_rsp_tcp(v: &[u16], scratch: &mut [u8], out: &mut [u8]) -> Option<usize> {
    let adu = modbus_core::tcp::ResponseAdu {
        hdr: modbus_core::tcp::Header {
            transaction_id: 1,
            unit_id: 1,
        },
        pdu: modbus_core::ResponsePdu(Ok(modbus_core::Response::ReadHoldingRegisters(mc_words(
            v, scratch,
        )?))),
    };
    modbus_core::tcp::server::encode_response(adu, out).ok()
}

fn mc_encode_fc16(v: &[u16], scratch: &mut [u8], out: &mut [u8]) -> Option<usize> {
    let adu = modbus_core::tcp::RequestAdu {
        hdr: modbus_core::tcp::Header {
            transaction_id: 1,
            unit_id: 1,
        },
        pdu: modbus_core::RequestPdu(modbus_core::Request::WriteMultipleRegisters(
            0x10,
            mc_words(v, scratch)?,
        )),
    };
    modbus_core::tcp::client::encode_request(adu, out).ok()
}

fn mc_encode_fc03_rsp_rtu(v: &[u16], scratch: &mut [u8], out: &mut [u8]) -> Option<usize> {
    let adu = modbus_core::rtu::ResponseAdu {
        hdr: modbus_core::rtu::Header { slave: 1 },
        pdu: modbus_core::ResponsePdu(Ok(modbus_core::Response::ReadHoldingRegisters(mc_words(
            v, scratch,
        )?))),
    };
    modbus_core::rtu::server::encode_response(adu, out).ok()
}

/// Asserts that an encoder, called the way its benchmark calls it, wrote exactly `want`.
fn assert_frame(who: &str, n: Option<usize>, out: &[u8], want: &[u8]) {
    let got = n.and_then(|n| out.get(..n));
    assert_eq!(got, Some(want), "{who} writes the reference frame");
}

/// A stream of ten 125-register RTU responses with pseudo-random line noise between them.
fn noisy_rtu_stream(v: &[u16]) -> Vec<u8> {
    let frame = rtu_fc03_rsp(v);
    let mut seed = 0x2545_f491_u32;
    let mut out = Vec::new();
    for _ in 0..10 {
        for _ in 0..16 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            out.push(seed as u8);
        }
        out.extend_from_slice(&frame);
    }
    out
}

fn bench(c: &mut Criterion) {
    let v125 = values(REGS_125);
    let v123 = values(REGS_123);
    let want: u32 = v125.iter().map(|&x| u32::from(x)).sum();
    let mut resp = Vec::with_capacity(256);

    // decode/tcp_fc03_req
    let req = tcp_fc03_req();
    assert_eq!(m2m_decode_fc03_req(&req), Some((0x6b, 125)));
    assert_eq!(rmodbus_decode_fc03_req(&req, &mut resp), Some((0x6b, 125)));
    assert_eq!(mc_decode_fc03_req(&req), Some((0x6b, 125)));
    let mut g = c.benchmark_group("decode/tcp_fc03_req");
    g.throughput(Throughput::Bytes(req.len() as u64));
    g.bench_function("m2m", |b| b.iter(|| m2m_decode_fc03_req(black_box(&req))));
    g.bench_function("rmodbus", |b| {
        b.iter(|| rmodbus_decode_fc03_req(black_box(&req), &mut resp))
    });
    g.bench_function("modbus-core", |b| {
        b.iter(|| mc_decode_fc03_req(black_box(&req)))
    });
    g.finish();

    // decode/tcp_fc03_rsp_sum125
    let rsp = tcp_fc03_rsp(&v125);
    let mut rm_req = rmodbus::client::ModbusRequest::new_tcp_udp(1, 1);
    rm_req.generate_get_holdings(0x6b, 125, &mut resp).unwrap();
    assert_eq!(m2m_sum_tcp(&rsp), Some(want));
    assert_eq!(rmodbus_sum(&rm_req, &rsp), Some(want));
    assert_eq!(mc_sum_tcp(&rsp), Some(want));
    let mut g = c.benchmark_group("decode/tcp_fc03_rsp_sum125");
    g.throughput(Throughput::Bytes(rsp.len() as u64));
    g.bench_function("m2m", |b| b.iter(|| m2m_sum_tcp(black_box(&rsp))));
    g.bench_function("rmodbus", |b| {
        b.iter(|| rmodbus_sum(&rm_req, black_box(&rsp)))
    });
    g.bench_function("modbus-core", |b| b.iter(|| mc_sum_tcp(black_box(&rsp))));
    g.finish();

    // encode/tcp_fc03_rsp: 125 values into a response frame.
    let mut out = [0u8; 260];
    let mut scratch = [0u8; 256];
    assert_frame("m2m", m2m_encode_fc03_rsp_tcp(&v125, &mut out), &out, &rsp);
    let n = mc_encode_fc03_rsp_tcp(&v125, &mut scratch, &mut out);
    assert_frame("modbus-core", n, &out, &rsp);
    let mut g = c.benchmark_group("encode/tcp_fc03_rsp");
    g.throughput(Throughput::Bytes(rsp.len() as u64));
    g.bench_function("m2m", |b| {
        b.iter(|| m2m_encode_fc03_rsp_tcp(black_box(&v125), &mut out))
    });
    g.bench_function("modbus-core", |b| {
        b.iter(|| mc_encode_fc03_rsp_tcp(black_box(&v125), &mut scratch, &mut out))
    });
    g.finish();

    // decode/tcp_fc16_req
    let fc16 = tcp_fc16_req(&v123);
    assert_eq!(m2m_decode_fc16(&fc16), Some(123));
    // rmodbus 0.13 refuses MBAP lengths above 250, and a 123-register FC16 request (the
    // specification's maximum) has length 253: it cannot decode this case at all.
    assert_eq!(rmodbus_decode_fc16(&fc16, &mut resp), None);
    assert_eq!(mc_decode_fc16(&fc16), Some(123));
    let mut g = c.benchmark_group("decode/tcp_fc16_req");
    g.throughput(Throughput::Bytes(fc16.len() as u64));
    g.bench_function("m2m", |b| b.iter(|| m2m_decode_fc16(black_box(&fc16))));
    g.bench_function("modbus-core", |b| {
        b.iter(|| mc_decode_fc16(black_box(&fc16)))
    });
    g.finish();

    // encode/tcp_fc16_req: 123 values into a request frame.
    let mut rm_w = rmodbus::client::ModbusRequest::new_tcp_udp(1, 1);
    let rm_encode_fc16 = |rm: &mut rmodbus::client::ModbusRequest, v: &[u16], buf: &mut Vec<u8>| {
        rm.generate_set_holdings_bulk(0x10, v, buf)
            .ok()
            .map(|()| buf.len())
    };
    let n = rm_encode_fc16(&mut rm_w, &v123, &mut resp);
    assert_frame("rmodbus", n, &resp, &fc16);
    assert_frame("m2m", m2m_encode_fc16(&v123, &mut out), &out, &fc16);
    let n = mc_encode_fc16(&v123, &mut scratch, &mut out);
    assert_frame("modbus-core", n, &out, &fc16);
    let mut g = c.benchmark_group("encode/tcp_fc16_req");
    g.throughput(Throughput::Bytes(fc16.len() as u64));
    g.bench_function("m2m", |b| {
        b.iter(|| m2m_encode_fc16(black_box(&v123), &mut out))
    });
    g.bench_function("rmodbus", |b| {
        b.iter(|| rm_encode_fc16(&mut rm_w, black_box(&v123), &mut resp))
    });
    g.bench_function("modbus-core", |b| {
        b.iter(|| mc_encode_fc16(black_box(&v123), &mut scratch, &mut out))
    });
    g.finish();

    // decode/rtu_fc03_rsp: CRC check, decode, sum.
    let rtu_rsp = rtu_fc03_rsp(&v125);
    let mut rm_rtu = rmodbus::client::ModbusRequest::new(1, rmodbus::ModbusProto::Rtu);
    rm_rtu.generate_get_holdings(0x6b, 125, &mut resp).unwrap();
    assert_eq!(m2m_sum_rtu(&rtu_rsp), Some(want));
    assert_eq!(rmodbus_sum(&rm_rtu, &rtu_rsp), Some(want));
    assert_eq!(mc_sum_rtu(&rtu_rsp), Some(want));
    let mut g = c.benchmark_group("decode/rtu_fc03_rsp");
    g.throughput(Throughput::Bytes(rtu_rsp.len() as u64));
    g.bench_function("m2m", |b| b.iter(|| m2m_sum_rtu(black_box(&rtu_rsp))));
    g.bench_function("rmodbus", |b| {
        b.iter(|| rmodbus_sum(&rm_rtu, black_box(&rtu_rsp)))
    });
    g.bench_function("modbus-core", |b| {
        b.iter(|| mc_sum_rtu(black_box(&rtu_rsp)))
    });
    g.finish();

    // encode/rtu_fc03_rsp: 125 values into an RTU frame with its CRC.
    assert_frame(
        "m2m",
        m2m_encode_fc03_rsp_rtu(&v125, &mut out),
        &out,
        &rtu_rsp,
    );
    let n = mc_encode_fc03_rsp_rtu(&v125, &mut scratch, &mut out);
    assert_frame("modbus-core", n, &out, &rtu_rsp);
    let mut g = c.benchmark_group("encode/rtu_fc03_rsp");
    g.throughput(Throughput::Bytes(rtu_rsp.len() as u64));
    g.bench_function("m2m", |b| {
        b.iter(|| m2m_encode_fc03_rsp_rtu(black_box(&v125), &mut out))
    });
    g.bench_function("modbus-core", |b| {
        b.iter(|| mc_encode_fc03_rsp_rtu(black_box(&v125), &mut scratch, &mut out))
    });
    g.finish();

    // decode/rtu_stream_garbage: no peer resynchronises; the baseline is one CRC pass.
    let stream = noisy_rtu_stream(&v125);
    assert_eq!(
        m2m_rtu_stream(&stream),
        ((125 + u32::from(v125[0])) * 10, 10)
    );
    assert_eq!(m2m_rtu_stream_decode(&stream), m2m_rtu_stream(&stream));
    let crc = crc::Crc::<u16, crc::Table<16>>::new(&crc::CRC_16_MODBUS);
    let mut g = c.benchmark_group("decode/rtu_stream_garbage");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("m2m", |b| b.iter(|| m2m_rtu_stream(black_box(&stream))));
    g.bench_function("m2m-decode", |b| {
        b.iter(|| m2m_rtu_stream_decode(black_box(&stream)))
    });
    g.bench_function("crc", |b| b.iter(|| crc.checksum(black_box(&stream))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
