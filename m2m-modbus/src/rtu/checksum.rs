//! The CRC-16 of an RTU frame (Modbus over Serial Line V1.02 §2.5.1, §6.2.2): computed with
//! the `crc` crate's tables, checked on decode, appended (low byte first) on encode.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::Reader;

use crate::error::Error;

// `static`, not `const`: a `const` item may be materialised (8 KiB of table) at every use.
static CRC: crc::Crc<u16, crc::Table<16>> =
    crc::Crc::<u16, crc::Table<16>>::new(&crc::CRC_16_MODBUS);

// CRC-16/MODBUS reflects input and output and XORs nothing at the end, so its checksum is the
// register itself: a checksum can be carried on byte by byte with the crate's first table.
// Its initial value reads the same reflected, so it is also the register before the first byte.
const _: () = assert!(
    crc::CRC_16_MODBUS.refin
        && crc::CRC_16_MODBUS.refout
        && crc::CRC_16_MODBUS.xorout == 0
        && crc::CRC_16_MODBUS.init == crc::CRC_16_MODBUS.init.reverse_bits()
);

/// CRC-16/MODBUS of `bytes` (§6.2.2: polynomial 0xA001 reflected, initial 0xFFFF), with the
/// `crc` crate's slice-by-16 tables: the crate's 16-byte loop over the whole blocks, then the same
/// tables 8, 4, 2 and 1 bytes at a time for the last 0..=15 bytes. Byte by byte, each byte waits
/// for the one before it (a table load and an XOR); the tail of a 253-byte frame would cost more
/// than its other 240 bytes, and short frames (the common requests, the false starts in line
/// noise) are all tail. On the wire the low byte goes first.
#[must_use]
pub fn crc16(bytes: &[u8]) -> u16 {
    match bytes.split_at_checked(bytes.len() & !15) {
        Some((blocks, tail)) if !blocks.is_empty() => crc16_more(CRC.checksum(blocks), tail),
        _ => crc16_more(crc::CRC_16_MODBUS.init, bytes),
    }
}

/// Carries the CRC register `crc` on over `bytes`: blocks of 8, then at most one block each of
/// 4, 2 and 1 bytes.
#[inline(always)]
pub(super) fn crc16_more(mut crc: u16, mut bytes: &[u8]) -> u16 {
    while let Some((block, rest)) = bytes.split_first_chunk::<8>() {
        crc = crc16_block(crc, block);
        bytes = rest;
    }
    if let Some((block, rest)) = bytes.split_first_chunk::<4>() {
        crc = crc16_block(crc, block);
        bytes = rest;
    }
    if let Some((block, rest)) = bytes.split_first_chunk::<2>() {
        crc = crc16_block(crc, block);
        bytes = rest;
    }
    if let Some((block, _)) = bytes.split_first_chunk::<1>() {
        crc = crc16_block(crc, block);
    }
    crc
}

/// One block of `N` (1..=16) bytes: table `k` of the crate holds the CRC of a byte followed by
/// `k` zero bytes, so each byte is looked up in the table of its distance from the block's end,
/// the register folded into the first two bytes (into the first byte, the rest shifted, when
/// `N` is 1).
#[inline(always)]
fn crc16_block<const N: usize>(crc: u16, block: &[u8; N]) -> u16 {
    let tables = CRC.table();
    let [low, high] = crc.to_le_bytes();
    let mut out = if N == 1 { u16::from(high) } else { 0 };
    for (i, &b) in block.iter().enumerate() {
        let b = match i {
            0 => b ^ low,
            1 => b ^ high,
            _ => b,
        };
        let table = tables.get(N.saturating_sub(1).saturating_sub(i));
        out ^= table
            .and_then(|t| t.get(usize::from(b)))
            .copied()
            .unwrap_or(0);
    }
    out
}

/// `true` when the last two bytes of `frame` are the CRC of the rest.
pub(super) fn crc_ok(frame: &[u8]) -> Result<(), Error> {
    let split = frame.len().saturating_sub(2);
    let (body, tail) = frame.split_at(split);
    let found = Reader::new(tail).u16_le()?;
    let computed = crc16_body(body);
    if found == computed {
        Ok(())
    } else {
        Err(Error::Crc { found, computed })
    }
}

/// [`crc_ok`] without the error, for the candidates [`Framing::find`](super::Framing::find)
/// passes over.
#[inline(always)]
pub(super) fn crc_matches(frame: &[u8]) -> bool {
    frame
        .split_last_chunk::<2>()
        .is_some_and(|(body, &tail)| crc16_body(body) == u16::from_le_bytes(tail))
}

/// [`crc16`] of the body of a frame. The bodies of the commonest frames on a bus, exceptions (3
/// bytes) and the single reads and writes with their echoes (6 bytes), take one step each, with
/// no branch on the bits of their length: in line noise most false starts are these.
#[inline(always)]
pub(super) fn crc16_body(body: &[u8]) -> u16 {
    const INIT: u16 = crc::CRC_16_MODBUS.init;
    match *body {
        [b0, b1, b2] => crc16_block(INIT, &[b0, b1, b2]),
        [b0, b1, b2, b3, b4, b5] => crc16_block(INIT, &[b0, b1, b2, b3, b4, b5]),
        _ => crc16(body),
    }
}
