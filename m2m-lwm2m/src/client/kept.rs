//! A path the client keeps beyond a request (an observation's, an attribute set's) with its
//! LwM2M Gateway prefix (1.2) copied into a small buffer, so that an end device's paths stay
//! its own and not the gateway's.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::path::Path;

/// The longest gateway prefix kept (an end device's prefix is a short name such as `dev1`).
pub(super) const MAX_PREFIX: usize = 24;

/// A path and its prefix, owned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KeptPath {
    ids: Path<'static>,
    prefix: [u8; MAX_PREFIX],
    /// The prefix's length; 0 for none.
    prefix_len: u8,
}

impl KeptPath {
    /// The root, without a prefix.
    pub(super) const ROOT: KeptPath = KeptPath {
        ids: Path::ROOT,
        prefix: [0; MAX_PREFIX],
        prefix_len: 0,
    };

    /// `path` kept; `None` when its prefix is longer than [`MAX_PREFIX`].
    pub(super) fn keep(path: &Path<'_>) -> Option<KeptPath> {
        let mut kept = KeptPath {
            ids: path.without_prefix(),
            ..KeptPath::ROOT
        };
        if let Some(p) = path.prefix() {
            kept.prefix
                .get_mut(..p.len())?
                .copy_from_slice(p.as_bytes());
            kept.prefix_len = u8::try_from(p.len()).ok()?;
        }
        Some(kept)
    }

    /// The path, with its prefix.
    pub(super) fn path(&self) -> Path<'_> {
        let prefix = self
            .prefix
            .get(..usize::from(self.prefix_len))
            .filter(|p| !p.is_empty())
            .and_then(|p| core::str::from_utf8(p).ok());
        match prefix {
            // Valid when it was kept: it came from a path.
            Some(p) => self.ids.with_prefix(p).unwrap_or(self.ids),
            None => self.ids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_kept_with_its_path() {
        let plain = Path::resource(3303, 0, 5700);
        let prefixed = plain.with_prefix("dev1").unwrap();
        let k = KeptPath::keep(&prefixed).unwrap();
        assert_eq!(k.path(), prefixed);
        assert_eq!(k.path().prefix(), Some("dev1"));
        assert_ne!(KeptPath::keep(&plain).unwrap(), k);
        assert_eq!(KeptPath::keep(&plain).unwrap().path(), plain);
        let longest = "d".repeat(MAX_PREFIX);
        let p = plain.with_prefix(&longest).unwrap();
        assert_eq!(KeptPath::keep(&p).unwrap().path(), p);
        let longer = "d".repeat(MAX_PREFIX + 1);
        assert_eq!(KeptPath::keep(&plain.with_prefix(&longer).unwrap()), None);
    }
}
