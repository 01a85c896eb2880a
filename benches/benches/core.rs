//! The core reader on a 256-byte frame: read it as 128 big-endian u16 and sum them, with
//! `m2m_core::Reader` and with the `bytes` crate's `Buf` (the usual choice in Rust network code).

#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use std::hint::black_box;

use bytes::Buf;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use m2m_core::Reader;

fn frame() -> [u8; 256] {
    let mut f = [0u8; 256];
    for (i, b) in f.iter_mut().enumerate() {
        *b = u8::try_from(i * 7 % 251).unwrap_or(0);
    }
    f
}

fn sum_m2m(buf: &[u8]) -> Option<u32> {
    let mut r = Reader::new(buf);
    let mut sum = 0u32;
    while !r.is_empty() {
        sum = sum.wrapping_add(u32::from(r.u16_be().ok()?));
    }
    Some(sum)
}

fn sum_bytes(mut buf: &[u8]) -> Option<u32> {
    let mut sum = 0u32;
    while buf.has_remaining() {
        // `get_u16` panics when short; `try_get_u16` is the checked form.
        sum = sum.wrapping_add(u32::from(buf.try_get_u16().ok()?));
    }
    Some(sum)
}

fn reader(c: &mut Criterion) {
    let f = frame();
    assert_eq!(sum_m2m(&f), sum_bytes(&f));
    let mut g = c.benchmark_group("decode/reader_u16x128");
    g.throughput(Throughput::Bytes(f.len() as u64));
    g.bench_function("m2m", |b| b.iter(|| sum_m2m(black_box(&f))));
    g.bench_function("bytes", |b| b.iter(|| sum_bytes(black_box(&f))));
    g.finish();
}

criterion_group!(benches, reader);
criterion_main!(benches);
