//! Borrowed lists of variable-length items: file record groups (FC 0x14/0x15) and device
//! identification objects (FC 0x2B/0x0E). Decoding validates the whole list once; iterating the
//! wire form afterwards re-reads it lazily and allocates nothing.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use m2m_core::{Reader, Writer};

use crate::error::Error;

/// One item of a [`List`], read from and written to the wire.
pub trait Item<'a>: Sized + Clone {
    /// Reads one item.
    fn read(r: &mut Reader<'a>) -> Result<Self, Error>;
    /// Bytes it takes on the wire.
    fn wire_len(&self) -> usize;
    /// Writes it.
    fn write(&self, w: &mut Writer<'_>) -> Result<(), Error>;
}

/// A list of items: wire bytes (as decoded), a borrowed slice (as built), or owned (`alloc`).
#[derive(Clone)]
pub enum List<'a, T> {
    /// Wire bytes holding a whole number of valid items (checked by the decoder).
    Wire(&'a [u8]),
    /// Borrowed values.
    Values(&'a [T]),
    /// Owned values.
    #[cfg(all(feature = "alloc", feature = "serde"))]
    Owned(alloc::vec::Vec<T>),
}

impl<'a, T: Item<'a>> List<'a, T> {
    /// Validates `bytes` as a sequence of items and returns them as a list.
    ///
    /// `counted_by`: `Some(function)` when `bytes` are all that a byte count just before them
    /// (at `base_offset - 1`) gives to `function`; then an item that runs past them is a byte
    /// count that disagrees with the items' own lengths (a malformed frame,
    /// [`Error::ByteCount`]), not a frame still arriving ([`Error::Truncated`]).
    pub(crate) fn parse(
        bytes: &'a [u8],
        base_offset: usize,
        counted_by: Option<u8>,
    ) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        while !r.is_empty() {
            T::read(&mut r).map_err(|e| match (e, counted_by) {
                (Error::Truncated { needed, .. }, Some(function)) => Error::ByteCount {
                    function,
                    offset: base_offset.saturating_sub(1),
                    actual: bytes.len(),
                    expected: crate::error::Count::AtLeast(bytes.len().saturating_add(needed)),
                },
                (e, _) => shift(e, base_offset),
            })?;
        }
        Ok(List::Wire(bytes))
    }

    /// The items, in order.
    pub fn iter(&self) -> ListIter<'a, '_, T> {
        match self {
            List::Wire(b) => ListIter::Wire(Reader::new(b)),
            List::Values(v) => ListIter::Values(v.iter()),
            #[cfg(all(feature = "alloc", feature = "serde"))]
            List::Owned(v) => ListIter::Values(v.iter()),
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        match self {
            List::Wire(_) => self.iter().count(),
            List::Values(v) => v.len(),
            #[cfg(all(feature = "alloc", feature = "serde"))]
            List::Owned(v) => v.len(),
        }
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes on the wire.
    pub fn wire_len(&self) -> usize {
        match self {
            List::Wire(b) => b.len(),
            _ => self
                .iter()
                .fold(0usize, |acc, i| acc.saturating_add(i.wire_len())),
        }
    }

    /// Writes the items (`counted_by` as in [`List::parse`], for the errors of a `Wire` list).
    pub(crate) fn write(&self, w: &mut Writer<'_>, counted_by: Option<u8>) -> Result<(), Error> {
        match self {
            List::Wire(b) => {
                // Anyone can build a `Wire` list: write only what the decoder would accept.
                Self::parse(b, w.position(), counted_by)?;
                w.put(b).map_err(Error::from)
            }
            _ => self.iter().try_for_each(|i| i.write(w)),
        }
    }
}

/// Moves the offset of an error found in a sub-slice to the offset in the whole PDU.
pub(crate) fn shift(e: Error, by: usize) -> Error {
    remap(e, |o| o.saturating_add(by))
}

/// An error of a PDU read within a frame whose length is known (the MBAP length, the CR LF,
/// the CRC): running out of bytes there is [`Error::Overrun`], a malformed frame.
pub(crate) fn in_frame(e: Error) -> Error {
    match e {
        Error::Truncated { offset, needed } => Error::Overrun { offset, needed },
        e => e,
    }
}

/// Applies `f` to the byte offset an error carries, if any.
pub(crate) fn remap(e: Error, f: impl Fn(usize) -> usize) -> Error {
    match e {
        Error::Truncated { offset, needed } => Error::Truncated {
            offset: f(offset),
            needed,
        },
        Error::Overrun { offset, needed } => Error::Overrun {
            offset: f(offset),
            needed,
        },
        Error::TrailingBytes { offset, len } => Error::TrailingBytes {
            offset: f(offset),
            len,
        },
        Error::Value {
            field,
            value,
            offset,
        } => Error::Value {
            field,
            value,
            offset: f(offset),
        },
        Error::ByteCount {
            function,
            offset,
            actual,
            expected,
        } => Error::ByteCount {
            function,
            offset: f(offset),
            actual,
            expected,
        },
        other => other,
    }
}

/// Iterator over a [`List`].
pub enum ListIter<'a, 'b, T> {
    /// Over wire bytes.
    Wire(Reader<'a>),
    /// Over values.
    Values(core::slice::Iter<'b, T>),
}

impl<'a, T: Item<'a>> Iterator for ListIter<'a, '_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match self {
            ListIter::Wire(r) => {
                if r.is_empty() {
                    None
                } else {
                    // Validated at decode time; a failure here ends the iteration.
                    T::read(r).map_err(|_| *r = Reader::new(&[])).ok()
                }
            }
            ListIter::Values(v) => v.next().cloned(),
        }
    }
}

impl<'a, T: Item<'a> + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<'a, T: Item<'a> + Eq> Eq for List<'a, T> {}

impl<'a, T: Item<'a> + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T> From<&'a [T]> for List<'a, T> {
    fn from(v: &'a [T]) -> Self {
        List::Values(v)
    }
}

#[cfg(feature = "defmt")]
impl<'a, T: Item<'a>> defmt::Format for List<'a, T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "List(len={=usize})", self.len());
    }
}

#[cfg(feature = "serde")]
impl<'a, T: Item<'a> + serde::Serialize> serde::Serialize for List<'a, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[cfg(all(feature = "serde", feature = "alloc"))]
impl<'de, 'a, T: Item<'a> + serde::Deserialize<'de>> serde::Deserialize<'de> for List<'a, T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        alloc::vec::Vec::<T>::deserialize(d).map(List::Owned)
    }
}
