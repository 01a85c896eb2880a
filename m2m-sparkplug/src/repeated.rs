//! The repeated fields of the views: messages parsed as views when reached, strings, `uint32`s
//! packed or not, and the fields a view does not know (`sparkplug_b.proto`; protobuf encoding,
//! "Repeated Elements").
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::marker::PhantomData;

use crate::error::Error;
use crate::parts::{PartFields, Parts};
use crate::payload::View;
use crate::wire::{Field, PackedVarints, WireValue};

/// The next occurrence of field `number` in `fields` that is length-delimited (an occurrence
/// of another wire type is an unknown field), or the error that ends the walk.
fn next_len<'a>(fields: &mut PartFields<'a>, number: u32) -> Option<Result<Field<'a>, Error>> {
    loop {
        match fields.next()? {
            Ok(f) if f.number == number && matches!(f.value, WireValue::Len(_)) => {
                return Some(Ok(f));
            }
            Ok(_) => {}
            Err(e) => return Some(Err(e)),
        }
    }
}

/// The occurrences of a repeated message field, each parsed as a view when reached.
#[derive(Debug, Clone)]
pub struct Repeated<'a, V> {
    fields: PartFields<'a>,
    parent: Parts<'a>,
    number: u32,
    _v: PhantomData<V>,
}

impl<'a, V> Repeated<'a, V> {
    pub(crate) fn new(parent: Parts<'a>, number: u32) -> Self {
        Repeated {
            fields: parent.fields(),
            parent,
            number,
            _v: PhantomData,
        }
    }
}

impl<'a, V: View<'a>> Iterator for Repeated<'a, V> {
    type Item = Result<V, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        Some(
            next_len(&mut self.fields, self.number)?.and_then(|f| V::parse(self.parent.child(&f)?)),
        )
    }
}

/// The occurrences of a repeated `string` field.
#[derive(Debug, Clone)]
pub struct Strings<'a> {
    pub(crate) fields: PartFields<'a>,
    pub(crate) number: u32,
}

impl<'a> Iterator for Strings<'a> {
    type Item = Result<&'a str, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(next_len(&mut self.fields, self.number)?.and_then(|f| f.str()))
    }
}

/// The elements of a repeated `uint32` field, packed or not, in wire order.
#[derive(Debug, Clone)]
pub struct Uint32s<'a> {
    pub(crate) fields: PartFields<'a>,
    pub(crate) packed: Option<PackedVarints<'a>>,
    pub(crate) number: u32,
}

impl Iterator for Uint32s<'_> {
    type Item = Result<u32, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        // Protobuf keeps the low 32 bits of a varint read for a uint32 field.
        #[allow(clippy::cast_possible_truncation)]
        let low = |v: u64| v as u32;
        loop {
            if let Some(p) = &mut self.packed {
                match p.next() {
                    Some(v) => return Some(v.map(low)),
                    None => self.packed = None,
                }
            }
            let f = match self.fields.next()? {
                Ok(f) => f,
                Err(e) => return Some(Err(e)),
            };
            if f.number == self.number {
                match f.value {
                    WireValue::Varint(v) => return Some(Ok(low(v))),
                    WireValue::Len(b) => {
                        self.packed = Some(PackedVarints::new(b, f.value_offset()));
                    }
                    // Another wire type: an unknown field.
                    _ => {}
                }
            }
        }
    }
}

impl Uint32s<'_> {
    /// Moves to the next element (or the error that ends the walk) without reading it, past
    /// the fields that hold none, so that a clone taken now reads it at once. Exhausted when no
    /// element is left.
    pub(crate) fn settle(&mut self) {
        loop {
            if let Some(p) = &self.packed {
                if p.clone().next().is_some() {
                    return;
                }
                self.packed = None;
            }
            self.fields.ready();
            let before = self.fields.clone();
            match self.fields.next() {
                None => return,
                Some(Ok(f)) if f.number == self.number => match f.value {
                    WireValue::Varint(_) => {
                        self.fields = before;
                        return;
                    }
                    WireValue::Len(b) => {
                        self.packed = Some(PackedVarints::new(b, f.value_offset()));
                    }
                    _ => {}
                },
                Some(Ok(_)) => {}
                Some(Err(_)) => {
                    self.fields = before;
                    return;
                }
            }
        }
    }
}

/// The fields a view does not know, raw (key included), for a lossless relay: fields of other
/// numbers, and fields of the schema's numbers with another wire type than the schema's.
#[derive(Debug, Clone)]
pub struct UnknownFields<'a> {
    pub(crate) fields: PartFields<'a>,
    /// Whether a field number and wire type are the schema's.
    pub(crate) known: fn(u32, u8) -> bool,
}

impl<'a> Iterator for UnknownFields<'a> {
    type Item = Result<Field<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.fields.next()? {
                Ok(f) if (self.known)(f.number, f.value.wire_type()) => {}
                other => return Some(other),
            }
        }
    }
}
