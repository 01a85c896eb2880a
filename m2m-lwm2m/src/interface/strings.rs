//! A fixed buffer of short strings: the decimal Uri-Path segments and the `name=value`
//! Uri-Query values a request needs, kept alive while a `m2m_coap::Builder` borrows them.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use crate::error::{Error, Reason};

/// Up to 16 strings in `N` bytes.
#[derive(Debug, Clone)]
pub struct Strings<const N: usize = 256> {
    buf: [u8; N],
    ends: [usize; 16],
    count: usize,
}

impl<const N: usize> Default for Strings<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Strings<N> {
    /// Empty.
    #[must_use]
    pub const fn new() -> Self {
        Strings {
            buf: [0; N],
            ends: [0; 16],
            count: 0,
        }
    }

    /// Forgets every string.
    pub fn clear(&mut self) {
        self.count = 0;
    }

    /// The number of strings.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Whether there are none.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn start_of(&self, i: usize) -> usize {
        i.checked_sub(1)
            .and_then(|p| self.ends.get(p))
            .copied()
            .unwrap_or(0)
    }

    /// Appends the formatted text as one string; returns its index.
    pub fn push_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<usize, Error> {
        let full = Error::new(0, Reason::BufferTooSmall);
        if self.count >= self.ends.len() {
            return Err(full);
        }
        let start = self.start_of(self.count);
        let mut w = Cursor {
            buf: &mut self.buf,
            len: start,
        };
        fmt::Write::write_fmt(&mut w, args).map_err(|_| full)?;
        let end = w.len;
        let slot = self.ends.get_mut(self.count).ok_or(full)?;
        *slot = end;
        let i = self.count;
        self.count = self.count.saturating_add(1);
        Ok(i)
    }

    /// String `i`.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&str> {
        if i >= self.count {
            return None;
        }
        let (s, e) = (self.start_of(i), *self.ends.get(i)?);
        core::str::from_utf8(self.buf.get(s..e)?).ok()
    }

    /// Every string, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.count).filter_map(|i| self.get(i))
    }
}

struct Cursor<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl fmt::Write for Cursor<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.saturating_add(s.len());
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;

    #[test]
    fn keeps_strings_apart() {
        let mut s = Strings::<32>::new();
        s.push_fmt(format_args!("ep={}", "node")).unwrap();
        s.push_fmt(format_args!("lt={}", 300)).unwrap();
        s.push_fmt(format_args!("")).unwrap();
        assert_eq!(
            s.iter().collect::<std::vec::Vec<_>>(),
            ["ep=node", "lt=300", ""]
        );
        assert!(s.push_fmt(format_args!("{}", "x".repeat(40))).is_err());
        assert_eq!(s.len(), 3);
    }
}
