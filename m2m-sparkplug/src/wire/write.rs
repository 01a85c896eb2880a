//! Writing the protobuf wire format: keys, varint, fixed and length-delimited fields
//! (protobuf encoding guide), and their sizes computed before they are written.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{BufferTooSmall, Writer, varint_len};

/// Bytes of the key of field `number`.
#[inline]
#[must_use]
pub const fn key_len(number: u32) -> usize {
    varint_len((number as u64) << 3)
}

/// Bytes of a varint field.
#[inline]
#[must_use]
pub const fn varint_field_len(number: u32, v: u64) -> usize {
    key_len(number).saturating_add(varint_len(v))
}

/// Bytes of a length-delimited field whose content is `len` bytes.
#[inline]
#[must_use]
pub const fn len_field_len(number: u32, len: usize) -> usize {
    key_len(number)
        .saturating_add(varint_len(len as u64))
        .saturating_add(len)
}

/// Writes a key.
#[inline]
pub fn put_key(w: &mut Writer<'_>, number: u32, wire_type: u8) -> Result<(), BufferTooSmall> {
    w.varint((u64::from(number) << 3) | u64::from(wire_type & 7))
}

/// Writes a varint field.
#[inline]
pub fn put_varint(w: &mut Writer<'_>, number: u32, v: u64) -> Result<(), BufferTooSmall> {
    put_key(w, number, 0)?;
    w.varint(v)
}

/// Writes a `float` field.
#[inline]
pub fn put_float(w: &mut Writer<'_>, number: u32, v: f32) -> Result<(), BufferTooSmall> {
    put_key(w, number, 5)?;
    w.u32_le(v.to_bits())
}

/// Writes a `double` field.
#[inline]
pub fn put_double(w: &mut Writer<'_>, number: u32, v: f64) -> Result<(), BufferTooSmall> {
    put_key(w, number, 1)?;
    w.u64_le(v.to_bits())
}

/// Writes the key and length of a length-delimited field; the caller writes `len` bytes next.
#[inline]
pub fn put_len(w: &mut Writer<'_>, number: u32, len: usize) -> Result<(), BufferTooSmall> {
    put_key(w, number, 2)?;
    w.varint(len as u64)
}

/// Writes a length-delimited field.
#[inline]
pub fn put_bytes(w: &mut Writer<'_>, number: u32, b: &[u8]) -> Result<(), BufferTooSmall> {
    put_len(w, number, b.len())?;
    w.put(b)
}
