//! Walking a TLV body (OMA-TS-LightweightM2M_Core §7.4.3) without allocation.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::Kind;
use crate::error::{Config, Error, Reason};
use crate::path::Path;
use crate::value::{Record, Untyped, Value};

/// One parsed TLV header.
#[derive(Debug, Clone, Copy)]
struct Header {
    kind: Kind,
    id: u16,
    /// Offset of the value in the body.
    start: usize,
    /// Offset just past the value.
    end: usize,
}

/// Parses the TLV header at `pos`; its value must end at or before `limit` (`pos < limit <=
/// buf.len()`).
#[inline(always)]
fn header(buf: &[u8], pos: usize, limit: usize) -> Result<Header, Error> {
    let win = buf.get(pos..limit).unwrap_or_default();
    // The whole header in the window (the usual case): read it in one go.
    let (ty, id, len_bytes, rest) = match *win {
        [ty, hi, lo, ref rest @ ..] if ty & 0x20 != 0 => {
            (ty, u16::from_be_bytes([hi, lo]), (ty >> 3) & 0b11, rest)
        }
        [ty, id, ref rest @ ..] if ty & 0x20 == 0 => (ty, u16::from(id), (ty >> 3) & 0b11, rest),
        _ => return header_slow(buf, pos, limit),
    };
    let (len, rest) = match (len_bytes, rest) {
        (0, rest) => (usize::from(ty & 0b111), rest),
        (1, [a, rest @ ..]) => (usize::from(*a), rest),
        (2, [a, b, rest @ ..]) => (usize::from(u16::from_be_bytes([*a, *b])), rest),
        (3, [a, b, c, rest @ ..]) => (
            usize::from(u16::from_be_bytes([*b, *c])) | (usize::from(*a) << 16),
            rest,
        ),
        _ => return header_slow(buf, pos, limit),
    };
    if id == crate::path::RESERVED_ID {
        return Err(Error::new(pos, Reason::BadPath));
    }
    // `rest` is the tail of the window, which ends at `limit`.
    let start = limit.saturating_sub(rest.len());
    if len > rest.len() {
        return Err(Error::new(limit, Reason::Truncated));
    }
    Ok(Header {
        kind: Kind::from_bits(ty >> 6),
        id,
        start,
        end: start.saturating_add(len),
    })
}

/// [`header`] byte by byte, for a header cut short by `limit`: the error names the first
/// byte missing (or a reserved id read before it).
#[cold]
#[inline(never)]
fn header_slow(buf: &[u8], pos: usize, limit: usize) -> Result<Header, Error> {
    let (kind, id, start, len) = head(buf, pos, limit)?;
    let end = start
        .checked_add(len)
        .ok_or(Error::new(start, Reason::Truncated))?;
    if end > limit {
        return Err(Error::new(limit, Reason::Truncated));
    }
    Ok(Header {
        kind,
        id,
        start,
        end,
    })
}

/// The TLV header at `pos` alone (its bytes before `limit`), whether or not its value follows:
/// what it identifies, its id, where its value starts and how long the value says it is.
fn head(buf: &[u8], pos: usize, limit: usize) -> Result<(Kind, u16, usize, usize), Error> {
    let truncated = |at: usize| Error::new(at, Reason::Truncated);
    let byte = |at: usize| -> Result<u8, Error> {
        if at >= limit {
            return Err(truncated(at));
        }
        buf.get(at).copied().ok_or(truncated(at))
    };
    let ty = byte(pos)?;
    let kind = Kind::from_bits(ty >> 6);
    let mut at = pos.checked_add(1).ok_or(truncated(pos))?;
    let id = if ty & 0x20 != 0 {
        let hi = byte(at)?;
        let lo = byte(at.saturating_add(1))?;
        at = at.saturating_add(2);
        u16::from_be_bytes([hi, lo])
    } else {
        let id = byte(at)?;
        at = at.saturating_add(1);
        u16::from(id)
    };
    if id == crate::path::RESERVED_ID {
        return Err(Error::new(pos, Reason::BadPath));
    }
    let len_bytes = (ty >> 3) & 0b11;
    let len = if len_bytes == 0 {
        usize::from(ty & 0b111)
    } else {
        let mut len = 0usize;
        for _ in 0..len_bytes {
            len = (len << 8) | usize::from(byte(at)?);
            at = at.saturating_add(1);
        }
        len
    };
    Ok((kind, id, at, len))
}

/// The header of the TLV that opens `buf`, read without its value (which may lie past the
/// end of `buf`, as in the first block of a body sent in blocks): what it identifies, its id,
/// the length of the header, and the length its value says it has.
pub(crate) fn leading_header(buf: &[u8]) -> Result<(Kind, u16, usize, usize), Error> {
    head(buf, 0, buf.len())
}

/// A TLV holding other TLVs, being walked.
#[derive(Debug, Clone, Copy)]
struct Frame<'a> {
    /// Offset just past its value.
    end: usize,
    /// The path it identifies.
    path: Path<'a>,
    /// What it is.
    kind: Kind,
    /// Whether its path lies under the base (so every TLV inside it does too); not so for
    /// a tolerated Object Instance wrapper around the base.
    inside: bool,
}

/// The records of a TLV body (Core §7.4.3), one per resource or resource instance value, in wire
/// order. An Object Instance without resources and a multiple Resource without instances yield a
/// record with their path and no value, so they are not lost. After an error the iterator ends.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    buf: &'a [u8],
    base: Path<'a>,
    config: Config,
    pos: usize,
    /// The open TLVs holding others, outermost first: `frames[..depth]`.
    frames: [Option<Frame<'a>>; 2],
    depth: usize,
    /// The id of the last TLV read at each nesting level (a repeat right after is refused).
    last: [Option<u16>; 3],
    done: bool,
    /// What [`Decoder::fast`] needs of the current level, kept by [`Decoder::sync`]: its end,
    /// the path its TLVs extend, and the type bits (7-6) of the value TLV (`leaf`) and of the
    /// TLV holding others (`nest`) it may read there ([`NONE`]: that kind takes the general
    /// way).
    end: usize,
    parent: Path<'a>,
    leaf: u8,
    nest: u8,
}

/// [`Decoder::fast`] reads no TLV of this kind at this level.
const NONE: u8 = 0xff;

/// Walks `body`, the answer to a request on `base` (`/o`, `/o/i`, `/o/i/r` or `/o/i/r/ri`,
/// with any gateway prefix): an Object answer is a sequence of Object Instance TLVs, an Object
/// Instance answer a sequence of Resource TLVs, a Resource answer one Resource (or multiple
/// Resource) TLV with the resource's id, a Resource Instance answer one Resource Instance TLV.
/// Every record must lie under `base`; the root path cannot be answered in TLV.
#[must_use]
pub fn decode<'a>(body: &'a [u8], base: Path<'a>, config: Config) -> Decoder<'a> {
    Decoder {
        buf: body,
        base,
        config,
        pos: 0,
        frames: [None, None],
        depth: 0,
        last: [None; 3],
        done: false,
        end: 0,
        parent: Path::ROOT,
        leaf: NONE,
        nest: NONE,
    }
    .synced()
}

impl<'a> Decoder<'a> {
    /// The bytes not walked yet.
    #[must_use]
    pub fn remaining(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// The decoder with the fields of [`Decoder::leaf`] set for its current level.
    fn synced(mut self) -> Self {
        self.sync();
        self
    }

    /// Sets the fields [`Decoder::fast`] reads, after a move between levels.
    fn sync(&mut self) {
        use Kind::{MultipleResource as Multiple, ObjectInstance as Instance, Resource};
        let (end, parent, leaf, nest) = match self.top() {
            // `fast` reads nothing more.
            _ if self.done => (usize::MAX, Path::ROOT, None, None),
            Some(f) if f.inside => match f.kind {
                Instance => (f.end, f.path, Some(Resource), Some(Multiple)),
                Multiple => (f.end, f.path, Some(Kind::ResourceInstance), None),
                _ => (f.end, f.path, None, None),
            },
            Some(f) => (f.end, f.path, None, None),
            // The children of the base: Object Instance TLVs of an Object answer, Resource
            // TLVs of an Object Instance answer.
            None => match self.base.depth() {
                1 => (self.buf.len(), self.base, None, Some(Instance)),
                2 => (self.buf.len(), self.base, Some(Resource), Some(Multiple)),
                _ => (self.buf.len(), self.base, None, None),
            },
        };
        self.end = end;
        self.parent = parent;
        self.leaf = leaf.map_or(NONE, |k| k.bits() << 6);
        self.nest = nest.map_or(NONE, |k| k.bits() << 6);
    }

    /// The next record, when the TLVs up to it are of the usual kinds at their level, under
    /// the base, with their headers and values whole inside their level and no repeated id;
    /// `None` sends the caller the general way ([`Decoder::step`]), which goes on from where
    /// this stopped (reading the same TLV again) and decides. It does what the general way
    /// does for those TLVs: nothing here is an error.
    #[inline(always)]
    fn fast(&mut self) -> Option<Record<'a>> {
        loop {
            if self.pos >= self.end && self.depth > 0 {
                // The level is done.
                self.pop();
                self.sync();
                continue;
            }
            let win = self.buf.get(self.pos..self.end)?;
            let (ty, id, rest) = match *win {
                [ty, id, ref rest @ ..] if ty & 0x20 == 0 => (ty, u16::from(id), rest),
                [ty, hi, lo, ref rest @ ..] => (ty, u16::from_be_bytes([hi, lo]), rest),
                _ => return None,
            };
            let (len, rest) = match ((ty >> 3) & 0b11, rest) {
                (0, rest) => (usize::from(ty & 0b111), rest),
                (1, [n, rest @ ..]) => (usize::from(*n), rest),
                (2, [hi, lo, rest @ ..]) => (usize::from(u16::from_be_bytes([*hi, *lo])), rest),
                _ => return None,
            };
            let value = rest.get(..len)?;
            let bits = ty & 0xc0;
            let leaf = bits == self.leaf;
            // A TLV holding others, not empty, with room for it on the stack.
            let nest = bits == self.nest && len > 0 && self.depth < self.frames.len();
            if !(leaf || nest) {
                return None;
            }
            let last = self.last.get_mut(self.depth)?;
            if *last == Some(id) {
                return None;
            }
            let path = self.parent.child(id)?;
            *last = Some(id);
            // `rest` is the tail of the level, which ends at `end`.
            let start = self.end.saturating_sub(rest.len());
            let end = start.saturating_add(len);
            if leaf {
                self.pos = end;
                return Some(Record::new(path, Value::Untyped(Untyped::Tlv(value))));
            }
            self.pos = start;
            self.push(Frame {
                end,
                path,
                kind: Kind::from_bits(bits >> 6),
                inside: true,
            })
            .ok()?;
            self.sync();
        }
    }

    fn top(&self) -> Option<Frame<'a>> {
        let i = self.depth.checked_sub(1)?;
        self.frames.get(i).copied().flatten()
    }

    fn push(&mut self, frame: Frame<'a>) -> Result<(), Error> {
        let slot = self
            .frames
            .get_mut(self.depth)
            .ok_or(Error::new(self.pos, Reason::TooDeep))?;
        *slot = Some(frame);
        self.depth = self.depth.saturating_add(1);
        // A level is entered only here: what was read at it before belonged to another TLV.
        if let Some(last) = self.last.get_mut(self.depth) {
            *last = None;
        }
        Ok(())
    }

    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The path of a TLV of `kind` and `id` found inside `top` (`None`: at the top level),
    /// and whether it lies under the base.
    #[inline(always)]
    fn path_of(
        &self,
        top: Option<Frame<'a>>,
        kind: Kind,
        id: u16,
        at: usize,
    ) -> Result<(Path<'a>, bool), Error> {
        let unexpected = Error::new(at, Reason::UnexpectedPath);
        let parent = match top {
            Some(frame) => {
                let fits = matches!(
                    (frame.kind, kind),
                    (
                        Kind::ObjectInstance,
                        Kind::Resource | Kind::MultipleResource
                    ) | (Kind::MultipleResource, Kind::ResourceInstance)
                );
                if !fits {
                    return Err(Error::new(at, Reason::BadTlvType));
                }
                if frame.inside {
                    // Below a TLV under the base: under it too. A frame's path has its kind's
                    // depth, so a child of a fitting kind has the depth of its own kind.
                    let path = frame
                        .path
                        .child(id)
                        .ok_or(Error::new(at, Reason::BadPath))?;
                    return Ok((path, true));
                }
                frame.path
            }
            None => {
                // At the top, a TLV names the base's children (Object and Object Instance
                // answers) or the base itself (Resource and Resource Instance answers); an
                // Object Instance wrapper around an instance or resource answer is a tolerated
                // deviation.
                let depth = kind.depth();
                let b = self.base.depth();
                if depth == b.saturating_add(1) && (1..=2).contains(&b) {
                    // A child of the base: under it.
                    let path = self.base.child(id).ok_or(Error::new(at, Reason::BadPath))?;
                    return Ok((path, true));
                }
                let allowed = (depth == b && b >= 3)
                    || (kind == Kind::ObjectInstance
                        && (2..=3).contains(&b)
                        && self.config.instance_wrapped_resource);
                if !allowed {
                    return Err(unexpected);
                }
                truncate(self.base, depth.saturating_sub(1)).ok_or(unexpected)?
            }
        };
        let path = parent.child(id).ok_or(Error::new(at, Reason::BadPath))?;
        if parent.depth().saturating_add(1) != kind.depth() {
            return Err(Error::new(at, Reason::BadTlvType));
        }
        // The TLV must lie under the base, or (a tolerated wrapper) contain it.
        let inside = self.base.contains(&path);
        let wraps = kind == Kind::ObjectInstance && path.contains(&self.base);
        if !(inside || (wraps && self.config.instance_wrapped_resource)) {
            return Err(unexpected);
        }
        Ok((path, inside))
    }

    fn step(&mut self) -> Result<Option<Record<'a>>, Error> {
        loop {
            let top = self.top();
            let limit = match top {
                Some(frame) if self.pos >= frame.end => {
                    self.pop();
                    continue;
                }
                Some(frame) => frame.end,
                None if self.pos >= self.buf.len() => return Ok(None),
                None => self.buf.len(),
            };
            let at = self.pos;
            let h = header(self.buf, at, limit)?;
            let (path, inside) = self.path_of(top, h.kind, h.id, at)?;
            // The same id twice in a row at one level names one thing twice.
            let level = self.depth;
            if let Some(last) = self.last.get_mut(level) {
                if *last == Some(h.id) {
                    return Err(Error::new(at, Reason::UnexpectedPath));
                }
                *last = Some(h.id);
            }
            self.pos = h.end;
            if h.kind.is_leaf() {
                let value = self.buf.get(h.start..h.end).unwrap_or_default();
                return Ok(Some(Record::new(path, Value::Untyped(Untyped::Tlv(value)))));
            }
            if h.start == h.end {
                // An instance without resources, a multiple resource without instances; an
                // empty wrapper of the base instance itself is an answer without records.
                let wrapper = h.kind == Kind::ObjectInstance && path.depth() <= self.base.depth();
                if inside && !wrapper {
                    return Ok(Some(Record::path_only(path)));
                }
                continue;
            }
            self.pos = h.start;
            self.push(Frame {
                end: h.end,
                path,
                kind: h.kind,
                inside,
            })?;
        }
    }
}

impl<'a> Decoder<'a> {
    /// [`Iterator::next`] the general way: every kind of TLV, every check, every error.
    #[inline(never)]
    fn next_general(&mut self) -> Option<Result<Record<'a>, Error>> {
        if self.done {
            return None;
        }
        let r = match self.step() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        };
        self.sync();
        r
    }
}

/// The first `depth` levels of `path` (keeping its prefix).
fn truncate(path: Path<'_>, depth: usize) -> Option<Path<'_>> {
    let mut p = path;
    while p.depth() > depth {
        p = p.parent()?;
    }
    Some(p)
}

impl<'a> Iterator for Decoder<'a> {
    type Item = Result<Record<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self.fast() {
            Some(r) => Some(Ok(r)),
            None => self.next_general(),
        }
    }
}

impl core::iter::FusedIterator for Decoder<'_> {}
