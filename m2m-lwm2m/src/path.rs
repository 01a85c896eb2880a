//! LwM2M paths (OMA-TS-LightweightM2M_Core §7.1 "Object Model" and §6.4 "Data Model
//! Addressing"): `/`, `/o`, `/o/i`, `/o/i/r`, `/o/i/r/ri`, each id in `0..=65534` (65535 is
//! reserved, §7.2), with the optional LwM2M Gateway prefix of 1.2
//! (OMA-TS-LightweightM2M_Gateway §5.2.2: `/<prefix>/o/i/r`, the prefix not starting with a digit).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use m2m_core::ObjectPath;

use crate::error::{Error, Reason};

/// The reserved id 65535 (OMA-TS-LightweightM2M_Core §7.2): never a valid object, instance or
/// resource id on a path.
pub const RESERVED_ID: u16 = u16::MAX;

/// A numeric LwM2M path of zero (the root `/`) to four levels (Core §6.4, §7.1), with an optional
/// gateway prefix (Gateway §5.2.2) borrowed from the input.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Path<'a> {
    prefix: Option<&'a str>,
    ids: [u16; 4],
    /// The number of levels (0 to 4), a whole word: a `Path` has no padding to copy.
    len: usize,
}

impl<'a> Path<'a> {
    /// The root path `/`.
    pub const ROOT: Path<'static> = Path {
        prefix: None,
        ids: [0; 4],
        len: 0,
    };

    /// A path from its levels; `None` for more than four levels or a reserved id (65535).
    #[must_use]
    pub fn new(levels: &[u16]) -> Option<Path<'static>> {
        if levels.len() > 4 {
            return None;
        }
        let mut ids = [0u16; 4];
        // A fixed four-element copy: a copy of a variable length is a `memcpy` call.
        for (i, d) in ids.iter_mut().enumerate() {
            *d = levels.get(i).copied().unwrap_or(0);
        }
        if levels.contains(&RESERVED_ID) {
            return None;
        }
        Some(Path {
            prefix: None,
            ids,
            len: levels.len(),
        })
    }

    /// An object path `/o`.
    #[must_use]
    pub const fn object(object: u16) -> Path<'static> {
        Path {
            prefix: None,
            ids: [object, 0, 0, 0],
            len: 1,
        }
    }

    /// An object instance path `/o/i`.
    #[must_use]
    pub const fn instance(object: u16, instance: u16) -> Path<'static> {
        Path {
            prefix: None,
            ids: [object, instance, 0, 0],
            len: 2,
        }
    }

    /// A resource path `/o/i/r`.
    #[must_use]
    pub const fn resource(object: u16, instance: u16, resource: u16) -> Path<'static> {
        Path {
            prefix: None,
            ids: [object, instance, resource, 0],
            len: 3,
        }
    }

    /// A resource instance path `/o/i/r/ri`.
    #[must_use]
    pub const fn resource_instance(
        object: u16,
        instance: u16,
        resource: u16,
        resource_instance: u16,
    ) -> Path<'static> {
        Path {
            prefix: None,
            ids: [object, instance, resource, resource_instance],
            len: 4,
        }
    }

    /// This path behind a gateway prefix (`/dev1/3/0`). The prefix must be valid
    /// ([`valid_prefix`]).
    pub fn with_prefix(self, prefix: &str) -> Result<Path<'_>, Error> {
        if !valid_prefix(prefix) {
            return Err(Error::new(0, Reason::BadPath));
        }
        Ok(Path {
            prefix: Some(prefix),
            ids: self.ids,
            len: self.len,
        })
    }

    /// The same path without its prefix.
    #[must_use]
    pub const fn without_prefix(self) -> Path<'static> {
        Path {
            prefix: None,
            ids: self.ids,
            len: self.len,
        }
    }

    /// Parses `/`, `/3`, `/3/0/1`, `/3/0/7/1`, and with a gateway prefix `/dev1/3/0`. No trailing
    /// `/` except for the root; ids are decimal without a sign or leading `+`, at most 65534.
    pub fn parse(text: &'a str) -> Result<Self, Error> {
        Self::parse_inner(text, false)
    }

    /// Like [`Path::parse`], and also accepts one trailing `/` (`/3/0/`), as SenML base names
    /// carry.
    pub fn parse_base(text: &'a str) -> Result<Self, Error> {
        // The usual form, `/` and ids (`/3/0/`), read at once; any other the general way.
        if let Some(ids) = text.strip_prefix('/') {
            let ids = ids.strip_suffix('/').unwrap_or(ids);
            if !ids.is_empty() {
                if let Some(p) = extend(Path::ROOT, ids.as_bytes()) {
                    return Ok(p);
                }
            }
        }
        Self::parse_inner(text, true)
    }

    fn parse_inner(text: &'a str, trailing_slash: bool) -> Result<Self, Error> {
        let bad = |offset: usize| Error::new(offset, Reason::BadPath);
        let rest = text.strip_prefix('/').ok_or(bad(0))?;
        if rest.is_empty() {
            return Ok(Path::ROOT);
        }
        let rest = match rest.strip_suffix('/') {
            Some(r) if trailing_slash => r,
            Some(_) => return Err(bad(text.len().saturating_sub(1))),
            None => rest,
        };
        let mut path = Path::ROOT;
        let mut offset = 1usize;
        for (n, segment) in rest.split('/').enumerate() {
            let starts_with_digit = segment.bytes().next().is_some_and(|b| b.is_ascii_digit());
            if n == 0 && !starts_with_digit {
                if !valid_prefix(segment) {
                    return Err(bad(offset));
                }
                path.prefix = Some(segment);
            } else {
                let id = parse_id(segment).ok_or(bad(offset))?;
                path = path.child(id).ok_or(bad(offset))?;
            }
            offset = offset.saturating_add(segment.len()).saturating_add(1);
        }
        if path.prefix.is_some() && path.len == 0 {
            // `/dev1` alone addresses the end device's root; keep it as a prefixed root.
            return Ok(path);
        }
        Ok(path)
    }

    /// The gateway prefix, if any.
    #[must_use]
    pub const fn prefix(&self) -> Option<&'a str> {
        self.prefix
    }

    /// The numeric levels (empty for the root).
    #[must_use]
    pub fn levels(&self) -> &[u16] {
        self.ids.get(..self.len).unwrap_or_default()
    }

    /// The number of levels, 0 (root) to 4.
    #[must_use]
    pub const fn depth(&self) -> usize {
        self.len
    }

    /// The object id, if the path has one.
    #[must_use]
    pub fn object_id(&self) -> Option<u16> {
        self.levels().first().copied()
    }

    /// The object instance id, if the path has one.
    #[must_use]
    pub fn instance_id(&self) -> Option<u16> {
        self.levels().get(1).copied()
    }

    /// The resource id, if the path has one.
    #[must_use]
    pub fn resource_id(&self) -> Option<u16> {
        self.levels().get(2).copied()
    }

    /// The resource instance id, if the path has one.
    #[must_use]
    pub fn resource_instance_id(&self) -> Option<u16> {
        self.levels().get(3).copied()
    }

    /// This path with one more level; `None` at four levels or for the reserved id 65535.
    #[must_use]
    pub fn child(&self, id: u16) -> Option<Self> {
        if id == RESERVED_ID {
            return None;
        }
        // Built whole rather than by a store into a copy: a narrow store followed by a wide
        // load of the same array stalls store forwarding on the decoders' hot path.
        let [a, b, c, _] = self.ids;
        let ids = match self.len {
            0 => [id, 0, 0, 0],
            1 => [a, id, 0, 0],
            2 => [a, b, id, 0],
            3 => [a, b, c, id],
            _ => return None,
        };
        Some(Path {
            prefix: self.prefix,
            ids,
            len: self.len.checked_add(1)?,
        })
    }

    /// The path one level up; `None` at the root.
    #[must_use]
    pub fn parent(&self) -> Option<Self> {
        let len = self.len.checked_sub(1)?;
        let [a, b, c, _] = self.ids;
        let ids = match len {
            0 => [0; 4],
            1 => [a, 0, 0, 0],
            2 => [a, b, 0, 0],
            _ => [a, b, c, 0],
        };
        Some(Path {
            prefix: self.prefix,
            ids,
            len,
        })
    }

    /// Whether `other` is this path or lies below it (same prefix).
    #[must_use]
    pub fn contains(&self, other: &Path<'_>) -> bool {
        // Element by element: a slice comparison would call memcmp for at most four ids.
        self.len <= other.len
            && self
                .ids
                .iter()
                .zip(other.ids.iter())
                .take(self.len)
                .all(|(a, b)| a == b)
            && self.prefix == other.prefix
    }

    /// The path as an [`ObjectPath`] of m2m-core (prefix dropped); `None` for the root.
    #[must_use]
    pub fn to_object_path(&self) -> Option<ObjectPath> {
        ObjectPath::new(self.levels())
    }

    /// The number of leading levels this path and `other` share (their prefixes aside).
    #[inline]
    pub(crate) fn common_depth(&self, other: &Path<'_>) -> usize {
        let pack = |[a, b, c, d]: [u16; 4]| {
            u64::from(a) | (u64::from(b) << 16) | (u64::from(c) << 32) | (u64::from(d) << 48)
        };
        // A zero group of 16 bits for each equal level from the first on (4 when all are).
        let diff = pack(self.ids) ^ pack(other.ids);
        let same = usize::try_from(diff.trailing_zeros() / 16).unwrap_or(4);
        same.min(self.depth()).min(other.depth())
    }

    /// The length of the text form ([`fmt::Display`]), for encoders that size first.
    #[must_use]
    pub fn text_len(&self) -> usize {
        let prefix = self.prefix.map_or(0, |p| p.len().saturating_add(1));
        let ids: usize = self
            .levels()
            .iter()
            .map(|&id| id_len(id).saturating_add(1))
            .sum();
        let root = usize::from(prefix == 0 && ids == 0);
        prefix.saturating_add(ids).saturating_add(root)
    }
}

impl From<ObjectPath> for Path<'static> {
    fn from(p: ObjectPath) -> Self {
        let mut ids = [0u16; 4];
        let levels = p.levels();
        if let Some(dst) = ids.get_mut(..levels.len()) {
            dst.copy_from_slice(levels);
        }
        Path {
            prefix: None,
            ids,
            len: levels.len(),
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.prefix {
            write!(f, "/{p}")?;
        } else if self.len == 0 {
            return f.write_str("/");
        }
        self.levels().iter().try_for_each(|id| write!(f, "/{id}"))
    }
}

impl fmt::Debug for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({self})")
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Path<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A decimal id of 1-5 digits without a sign, leading zeros only for `0` itself, at most 65534.
#[must_use]
pub fn parse_id(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    match *b {
        [] => None,
        [b'0', _, ..] => None,
        _ if b.len() > 5 => None,
        _ => {
            let mut v = 0u32;
            for &c in b {
                let d = c.wrapping_sub(b'0');
                if d > 9 {
                    return None;
                }
                v = v.wrapping_mul(10).wrapping_add(u32::from(d));
            }
            u16::try_from(v).ok().filter(|&id| id != RESERVED_ID)
        }
    }
}

/// Whether `prefix` is a valid LwM2M Gateway prefix: non-empty, does not start with a digit, and
/// uses only unreserved URI characters (RFC 3986 §2.3), so it is one Uri-Path segment.
#[must_use]
pub fn valid_prefix(prefix: &str) -> bool {
    let mut bytes = prefix.bytes();
    bytes
        .next()
        .is_some_and(|b| !b.is_ascii_digit() && unreserved(b))
        && bytes.all(unreserved)
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// `base` (a base name ending in `/`) followed by the relative name `n` (`"1"`, `"7/0"`), when
/// every segment is a plain id; `None` sends the caller to [`join_path`], which decides.
#[inline(always)]
pub(crate) fn extend<'a>(base: Path<'a>, n: &[u8]) -> Option<Path<'a>> {
    let mut path = base;
    let mut rest = n;
    while let Some((id, after)) = segment(rest) {
        // The base keeps its prefix; `child` refuses a fifth level.
        path = path.child(id)?;
        match after {
            [] => return Some(path),
            [b'/', tail @ ..] => rest = tail,
            _ => return None,
        }
    }
    // The empty name adds nothing; an empty or bad segment is not a plain id.
    n.is_empty().then_some(base)
}

/// The id at the start of `b`: 1-5 digits, no leading zero, below 65535 (as `parse_id`), and
/// the bytes after it.
#[inline(always)]
fn segment(b: &[u8]) -> Option<(u16, &[u8])> {
    let digit = |i: usize| {
        b.get(i)
            .map(|c| c.wrapping_sub(b'0'))
            .filter(|&d| d <= 9)
            .map(u32::from)
    };
    let first = digit(0)?;
    let mut v = first;
    let mut len = 1usize;
    while let Some(d) = digit(len) {
        if first == 0 || len >= 5 {
            return None;
        }
        v = v.wrapping_mul(10).wrapping_add(d);
        len = len.wrapping_add(1);
    }
    let id = u16::try_from(v).ok().filter(|&id| id != RESERVED_ID)?;
    Some((id, b.get(len..).unwrap_or_default()))
}

/// The number of decimal digits of an id.
#[inline]
pub(crate) const fn id_len(id: u16) -> usize {
    match id {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;

    #[test]
    fn parse_base_reads_ids_as_the_general_way() {
        let texts = [
            "/",
            "//",
            "/3",
            "/3/",
            "/3/0/",
            "/3/0",
            "/3/0/7/1/",
            "/3/0/7/1/2/",
            "/3//",
            "/3//0/",
            "/03/",
            "/0/",
            "/65534/",
            "/65535/",
            "/99999/",
            "/123456/",
            "3/0/",
            "/3/0//",
            "/3/x/",
            "/dev1/3/0/",
            "/dev1/",
            "/3/0/ ",
            "/-1/",
            "/+1/",
            "",
        ];
        for t in texts {
            assert_eq!(Path::parse_base(t), Path::parse_inner(t, true), "{t:?}");
        }
        for a in 0..=12u16 {
            for b in [0u16, 1, 9, 10, 99, 65534] {
                let t = std::format!("/{a}/{b}/");
                assert_eq!(Path::parse_base(&t), Path::parse_inner(&t, true), "{t:?}");
            }
        }
    }

    #[test]
    fn common_depth_counts_shared_levels() {
        let p = |l: &[u16]| Path::new(l).unwrap();
        let cases: &[(&[u16], &[u16], usize)] = &[
            (&[], &[], 0),
            (&[3], &[], 0),
            (&[3, 0, 1], &[3, 0, 1], 3),
            (&[3, 0, 1], &[3, 0], 2),
            (&[3, 0, 1], &[3, 0, 2], 2),
            (&[3, 0, 7, 1], &[3, 0, 7, 2], 3),
            (&[3, 0, 7, 1], &[4, 0, 7, 1], 0),
            (
                &[65534, 65534, 65534, 65534],
                &[65534, 65534, 65534, 65534],
                4,
            ),
            (&[1, 0], &[1, 0, 0, 0], 2),
        ];
        for &(a, b, n) in cases {
            assert_eq!(p(a).common_depth(&p(b)), n, "{a:?} {b:?}");
            assert_eq!(p(b).common_depth(&p(a)), n, "{a:?} {b:?}");
        }
        // Levels dropped by `parent` do not count.
        let up = p(&[3, 0, 1]).parent().unwrap();
        assert_eq!(up.common_depth(&p(&[3, 0, 1])), 2);
    }
    use std::string::ToString;

    #[test]
    fn parses_and_formats_every_depth() {
        for text in [
            "/",
            "/3",
            "/3/0",
            "/3/0/1",
            "/3/0/7/1",
            "/65534/65534/65534/65534",
        ] {
            let p = Path::parse(text).unwrap();
            assert_eq!(p.to_string(), text);
            assert_eq!(p.text_len(), text.len());
        }
        let p = Path::parse("/3/0/7/1").unwrap();
        assert_eq!(p.levels(), &[3, 0, 7, 1]);
        assert_eq!(p.resource_instance_id(), Some(1));
        assert_eq!(p.parent().unwrap().to_string(), "/3/0/7");
    }

    #[test]
    fn text_len_at_every_digit_boundary() {
        let ids = [0u16, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65534];
        for &a in &ids {
            for &b in &ids {
                for levels in [&[a][..], &[a, b], &[b, a, b], &[a, b, a, b]] {
                    let p = Path::new(levels).unwrap();
                    assert_eq!(p.text_len(), p.to_string().len(), "{p}");
                }
            }
        }
        assert_eq!(Path::ROOT.text_len(), 1);
    }

    #[test]
    fn gateway_prefix() {
        let p = Path::parse("/dev1/3303/0/5700").unwrap();
        assert_eq!(p.prefix(), Some("dev1"));
        assert_eq!(p.levels(), &[3303, 0, 5700]);
        assert_eq!(p.to_string(), "/dev1/3303/0/5700");
        assert_eq!(p.text_len(), 17);
        let root = Path::parse("/dev1").unwrap();
        assert_eq!((root.prefix(), root.depth()), (Some("dev1"), 0));
        assert_eq!(root.to_string(), "/dev1");
        // A prefix only in first place.
        assert!(Path::parse("/3/dev1/0").is_err());
    }

    #[test]
    fn rejects_bad_paths() {
        for text in [
            "",
            "3/0",
            "/3/",
            "//3",
            "/3//0",
            "/65535",
            "/3/0/1/2/3",
            "/03",
            "/+3",
            "/3/0x1",
            "/3/ 1",
            "/70000",
            "/de v",
        ] {
            assert!(Path::parse(text).is_err(), "{text:?}");
        }
        assert_eq!(Path::parse_base("/3/0/").unwrap().levels(), &[3, 0]);
        assert_eq!(Path::parse_base("/").unwrap().depth(), 0);
    }

    #[test]
    fn containment() {
        let obj = Path::object(3);
        assert!(obj.contains(&Path::resource(3, 0, 1)));
        assert!(!obj.contains(&Path::resource(4, 0, 1)));
        assert!(Path::ROOT.contains(&obj));
        assert!(Path::new(&[3, 65535]).is_none());
    }
}
