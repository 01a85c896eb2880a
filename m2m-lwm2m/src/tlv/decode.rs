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

/// Parses the TLV header at `pos`; its value must end at or before `limit`.
fn header(buf: &[u8], pos: usize, limit: usize) -> Result<Header, Error> {
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
    let end = at.checked_add(len).ok_or(truncated(at))?;
    if end > limit {
        return Err(truncated(limit));
    }
    Ok(Header {
        kind,
        id,
        start: at,
        end,
    })
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
}

/// The records of a TLV body, one per resource or resource instance value, in wire order.
/// An Object Instance without resources and a multiple Resource without instances yield a
/// record with their path and no value, so they are not lost. After an error the iterator ends.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    buf: &'a [u8],
    base: Path<'a>,
    config: Config,
    pos: usize,
    stack: [Option<Frame<'a>>; 2],
    /// The id of the last TLV read at each nesting level (a repeat right after is refused).
    last: [Option<u16>; 3],
    done: bool,
}

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
        stack: [None, None],
        last: [None; 3],
        done: false,
    }
}

impl<'a> Decoder<'a> {
    /// The bytes not walked yet.
    #[must_use]
    pub fn remaining(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    fn top(&self) -> Option<Frame<'a>> {
        self.stack.iter().rev().flatten().next().copied()
    }

    fn push(&mut self, frame: Frame<'a>) -> Result<(), Error> {
        let slot = self
            .stack
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(Error::new(self.pos, Reason::TooDeep))?;
        *slot = Some(frame);
        Ok(())
    }

    fn pop(&mut self) {
        if let Some(slot) = self.stack.iter_mut().rev().find(|s| s.is_some()) {
            *slot = None;
        }
    }

    fn level(&self) -> usize {
        self.stack.iter().flatten().count()
    }

    /// The path of a TLV of `kind` and `id` found at the current level.
    fn path_of(&self, kind: Kind, id: u16, at: usize) -> Result<Path<'a>, Error> {
        let unexpected = Error::new(at, Reason::UnexpectedPath);
        let parent = match self.top() {
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
                frame.path
            }
            None => {
                // At the top, a TLV names the base's children (Object and Object Instance
                // answers) or the base itself (Resource and Resource Instance answers); an
                // Object Instance wrapper around an instance or resource answer is a tolerated
                // deviation.
                let depth = kind.depth();
                let b = self.base.depth();
                let allowed = (depth == b.saturating_add(1) && (1..=2).contains(&b))
                    || (depth == b && b >= 3)
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
        let wraps = kind == Kind::ObjectInstance && path.contains(&self.base);
        if !(self.base.contains(&path) || (wraps && self.config.instance_wrapped_resource)) {
            return Err(unexpected);
        }
        Ok(path)
    }

    fn step(&mut self) -> Result<Option<Record<'a>>, Error> {
        loop {
            let limit = match self.top() {
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
            let path = self.path_of(h.kind, h.id, at)?;
            // The same id twice in a row at one level names one thing twice.
            let level = self.level();
            if let Some(last) = self.last.get_mut(level) {
                if *last == Some(h.id) {
                    return Err(Error::new(at, Reason::UnexpectedPath));
                }
                *last = Some(h.id);
            }
            if let Some(deeper) = self.last.get_mut(level.saturating_add(1)..) {
                deeper.fill(None);
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
                if self.base.contains(&path) && !wrapper {
                    return Ok(Some(Record::path_only(path)));
                }
                continue;
            }
            self.pos = h.start;
            self.push(Frame {
                end: h.end,
                path,
                kind: h.kind,
            })?;
        }
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

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.step() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl core::iter::FusedIterator for Decoder<'_> {}
