//! Writing records as a TLV body (OMA-TS-LightweightM2M_Core §7.4.3), sized first, without
//! allocation.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::{Kind, MAX_LEN, header_len};
use crate::error::{Error, Reason};
use crate::float::to_f32_exact;
use crate::path::Path;
use crate::sink::{Sink, Slice};
use crate::value::{Opaque, Record, Text, Untyped, Value};

/// The size of the TLV body [`encode`] writes for `records` answering a request on `base`.
pub fn encoded_len(base: &Path<'_>, records: &[Record<'_>]) -> Result<usize, Error> {
    let start = start_depth(base, records)?;
    run_len(records, start, 0)
}

/// Writes `records`, the answer to a request on `base` (`/o`, `/o/i`, `/o/i/r` or
/// `/o/i/r/ri`), as a TLV body into `out`; returns the bytes written.
///
/// Every record must lie under `base`. Consecutive records of one object instance share one
/// Object Instance TLV and consecutive records of one resource's instances share one multiple
/// Resource TLV (so records are best given in path order, as decoders yield them). A record
/// with no value writes an empty Object Instance (`/o/i`) or an empty multiple Resource
/// (`/o/i/r`). Integers take the fewest of 1, 2, 4 or 8 bytes; a float takes 4 bytes when it
/// survives as an f32, else 8.
pub fn encode(base: &Path<'_>, records: &[Record<'_>], out: &mut [u8]) -> Result<usize, Error> {
    let mut w = Slice::new(out);
    encode_to(base, records, &mut w)?;
    Ok(w.written())
}

/// Writes `records` as [`encode`] does, into any sink.
pub(crate) fn encode_to<S: Sink>(
    base: &Path<'_>,
    records: &[Record<'_>],
    sink: &mut S,
) -> Result<(), Error> {
    let start = start_depth(base, records)?;
    run(records, start, sink)
}

/// The depth of the parent of the top-level TLVs, after checking the records fit `base`.
fn start_depth(base: &Path<'_>, records: &[Record<'_>]) -> Result<usize, Error> {
    let start = match base.depth() {
        1 => 1,
        2 | 3 => 2,
        4 => 3,
        _ => return Err(Error::new(0, Reason::UnexpectedPath)),
    };
    for r in records {
        let empty_base = r.path.depth() == base.depth() && r.value.is_none() && base.depth() <= 2;
        if !base.contains(&r.path) || (r.path.depth() <= start && !empty_base) {
            return Err(Error::new(0, Reason::UnexpectedPath));
        }
    }
    Ok(start)
}

/// The id of `r` at level index `depth` (0 = object), if the path is that deep.
fn id_at(r: &Record<'_>, depth: usize) -> Option<u16> {
    r.path.levels().get(depth).copied()
}

/// The records of one TLV under a path of `parent` levels, and its id: runs of records that
/// share their id at that level, in order. A record that is the parent itself (with no value:
/// an empty instance or resource answer) belongs to none.
struct Groups<'s, 'v> {
    rest: &'s [Record<'v>],
    parent: usize,
}

impl<'s, 'v> Iterator for Groups<'s, 'v> {
    type Item = (&'s [Record<'v>], u16);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let first = self.rest.first()?;
            let Some(id) = id_at(first, self.parent) else {
                self.rest = self.rest.get(1..).unwrap_or_default();
                continue;
            };
            let n = self
                .rest
                .iter()
                .position(|r| id_at(r, self.parent) != Some(id))
                .unwrap_or(self.rest.len());
            let (group, tail) = self.rest.split_at_checked(n).unwrap_or((self.rest, &[]));
            self.rest = tail;
            return Some((group, id));
        }
    }
}

const fn groups<'s, 'v>(records: &'s [Record<'v>], parent: usize) -> Groups<'s, 'v> {
    Groups {
        rest: records,
        parent,
    }
}

/// Writes the TLVs for `records`, all under one path of `parent` levels.
fn run<S: Sink>(records: &[Record<'_>], parent: usize, sink: &mut S) -> Result<(), Error> {
    for (group, id) in groups(records, parent) {
        tlv(group, parent.saturating_add(1), id, sink)?;
    }
    Ok(())
}

/// The bytes [`run`] writes for `records` under `parent`, counted without writing (errors at
/// `at`, where the enclosing TLV starts).
fn run_len(records: &[Record<'_>], parent: usize, at: usize) -> Result<usize, Error> {
    let mut total = 0usize;
    for (group, id) in groups(records, parent) {
        let (_, len, _) = shape(group, parent.saturating_add(1), at)?;
        total = total
            .saturating_add(header_len(id, len))
            .saturating_add(len);
    }
    Ok(total)
}

/// What the TLV of `group` at `depth` (2: Object Instance, 3: Resource, 4: Resource Instance)
/// is: its kind, the length of its content (at most [`MAX_LEN`]), and a leaf's value bytes,
/// taken once for both the length and the writing.
fn shape<'v>(
    group: &[Record<'v>],
    depth: usize,
    at: usize,
) -> Result<(Kind, usize, Option<Bytes<'v>>), Error> {
    let unexpected = Error::new(at, Reason::UnexpectedPath);
    let leaf = match group {
        [only] if only.path.depth() == depth => only.value,
        _ => None,
    };
    let (kind, len, bytes) = match (depth, leaf) {
        (2, _) => (Kind::ObjectInstance, run_len(group, 2, at)?, None),
        (3 | 4, Some(v)) => {
            let kind = if depth == 3 {
                Kind::Resource
            } else {
                Kind::ResourceInstance
            };
            let bytes = bytes_of(&v)?;
            (kind, bytes.len(), Some(bytes))
        }
        (3, None) => {
            // A multiple resource: only resource instances below, or the resource itself
            // without a value (no instances).
            if group
                .iter()
                .any(|r| r.path.depth() == 3 && (r.value.is_some() || group.len() > 1))
            {
                return Err(unexpected);
            }
            (Kind::MultipleResource, run_len(group, 3, at)?, None)
        }
        _ => return Err(unexpected),
    };
    if len > MAX_LEN {
        return Err(Error::new(at, Reason::Unrepresentable));
    }
    Ok((kind, len, bytes))
}

/// Writes one TLV at `depth` (2: Object Instance, 3: Resource, 4: Resource Instance).
fn tlv<S: Sink>(group: &[Record<'_>], depth: usize, id: u16, sink: &mut S) -> Result<(), Error> {
    let (kind, len, bytes) = shape(group, depth, sink.written())?;
    write_header(kind, id, len, sink)?;
    match bytes {
        Some(b) => write_bytes(b, sink),
        // The content of an Object Instance (depth 2) or a multiple Resource (depth 3).
        None => run(group, depth, sink),
    }
}

fn write_header<S: Sink>(kind: Kind, id: u16, len: usize, sink: &mut S) -> Result<(), Error> {
    let mut h = [0u8; 6];
    let mut ty = kind.bits() << 6;
    let mut n = 1usize;
    let id_bytes = id.to_be_bytes();
    let ids: &[u8] = if id > 0xff {
        ty |= 0x20;
        &id_bytes
    } else {
        id_bytes.get(1..).unwrap_or_default()
    };
    for &b in ids {
        if let Some(slot) = h.get_mut(n) {
            *slot = b;
        }
        n = n.saturating_add(1);
    }
    let len_bytes = u32::try_from(len)
        .map_err(|_| Error::new(0, Reason::Unrepresentable))?
        .to_be_bytes();
    let lens: &[u8] = if len < 8 {
        ty |= u8::try_from(len).unwrap_or(0);
        &[]
    } else if len <= 0xff {
        ty |= 0b01 << 3;
        len_bytes.get(3..).unwrap_or_default()
    } else if len <= 0xffff {
        ty |= 0b10 << 3;
        len_bytes.get(2..).unwrap_or_default()
    } else {
        ty |= 0b11 << 3;
        len_bytes.get(1..).unwrap_or_default()
    };
    for &b in lens {
        if let Some(slot) = h.get_mut(n) {
            *slot = b;
        }
        n = n.saturating_add(1);
    }
    if let Some(first) = h.first_mut() {
        *first = ty;
    }
    debug_assert_eq!(n, header_len(id, len));
    sink.put(h.get(..n).unwrap_or_default())
}

/// A value's bytes: borrowed, or built in a small buffer.
enum Bytes<'v> {
    Slice(&'v [u8]),
    Small([u8; 8], usize),
    Text(Text<'v>),
    Opaque(Opaque<'v>),
}

fn bytes_of<'v>(v: &Value<'v>) -> Result<Bytes<'v>, Error> {
    let small = |b: &[u8]| {
        let mut a = [0u8; 8];
        if let Some(dst) = a.get_mut(..b.len()) {
            dst.copy_from_slice(b);
        }
        Bytes::Small(a, b.len())
    };
    Ok(match *v {
        Value::Int(i) | Value::Time(i) => {
            if let Ok(x) = i8::try_from(i) {
                small(&x.to_be_bytes())
            } else if let Ok(x) = i16::try_from(i) {
                small(&x.to_be_bytes())
            } else if let Ok(x) = i32::try_from(i) {
                small(&x.to_be_bytes())
            } else {
                small(&i.to_be_bytes())
            }
        }
        Value::Uint(u) => {
            if let Ok(x) = u8::try_from(u) {
                small(&[x])
            } else if let Ok(x) = u16::try_from(u) {
                small(&x.to_be_bytes())
            } else if let Ok(x) = u32::try_from(u) {
                small(&x.to_be_bytes())
            } else {
                small(&u.to_be_bytes())
            }
        }
        Value::Float(f) => match to_f32_exact(f) {
            Some(x) => small(&x.to_be_bytes()),
            None => small(&f.to_be_bytes()),
        },
        Value::Bool(b) => small(&[u8::from(b)]),
        Value::ObjLink(l) => {
            let [a, b] = l.object.to_be_bytes();
            let [c, d] = l.instance.to_be_bytes();
            small(&[a, b, c, d])
        }
        Value::Str(t) | Value::CoreLink(t) => match t.as_str() {
            Some(s) => Bytes::Slice(s.as_bytes()),
            None => Bytes::Text(t),
        },
        Value::Opaque(o) => match o.as_bytes() {
            Some(b) => Bytes::Slice(b),
            None => Bytes::Opaque(o),
        },
        Value::Untyped(Untyped::Tlv(b)) => Bytes::Slice(b),
        Value::Untyped(Untyped::Text(_)) | Value::Null => {
            return Err(Error::new(0, Reason::Unrepresentable));
        }
    })
}

impl Bytes<'_> {
    /// How many bytes [`write_bytes`] writes.
    fn len(&self) -> usize {
        match self {
            Bytes::Slice(b) => b.len(),
            Bytes::Small(_, n) => *n,
            Bytes::Text(t) => t.len(),
            Bytes::Opaque(o) => o.len(),
        }
    }
}

fn write_bytes<S: Sink>(b: Bytes<'_>, sink: &mut S) -> Result<(), Error> {
    match b {
        Bytes::Slice(b) => sink.put(b),
        Bytes::Small(a, n) => sink.put(a.get(..n).unwrap_or_default()),
        Bytes::Text(t) => t
            .chars()
            .try_for_each(|c| sink.put(c.encode_utf8(&mut [0; 4]).as_bytes())),
        Bytes::Opaque(o) => o.bytes().try_for_each(|b| sink.put(&[b])),
    }
}
