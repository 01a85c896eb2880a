//! A field that occurs more than once in a message (protobuf encoding guide, "Last One
//! Wins" and merging of embedded messages): a scalar or a member of a `oneof` replaced by the
//! later one (the earlier, if a message, still checked), a singular embedded message merged
//! with its later occurrences, in place, by reading the fields of each in turn.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::ops::RangeInclusive;

use crate::error::Error;
use crate::payload::{DataSetView, Msg, PropertySetListView, PropertySetView, TemplateView};
use crate::value::RawValue;

impl<'a> Msg<'a> {
    /// This message, field `number` of `parent`, read with its later occurrences, one of which
    /// is the field at offset `at` (its key's): protobuf reads a singular message field that
    /// occurs more than once as one message, the occurrences merged. `members` are the field
    /// numbers of the parent that end a run of occurrences (the members of the oneof the field
    /// is in; `number` alone for a field in no oneof): the merged message starts at the first
    /// occurrence after the last of them before `at`. Its fields are then every occurrence's
    /// in turn (an occurrence past a later member too, read only should the value be
    /// superseded and checked: it is read as its own value anyway). Nothing is copied; the
    /// parent (a metric, property value, parameter or dataset cell, each one whole message) is
    /// walked again up to `at`, which only a payload with such a repetition pays for.
    #[cold]
    #[inline(never)]
    pub(crate) fn merged(
        self,
        parent: &Msg<'a>,
        number: u32,
        members: RangeInclusive<u32>,
        at: usize,
    ) -> Result<Msg<'a>, Error> {
        if self.of != 0 {
            // Reads every occurrence already.
            return Ok(self);
        }
        let mut fields = parent.fields();
        let mut run = None;
        loop {
            let from = fields.position();
            let Some(f) = fields.next() else { break };
            let f = f?;
            if f.offset >= at {
                break;
            }
            if f.number == number {
                run.get_or_insert(from);
            } else if members.contains(&f.number) {
                run = None;
            }
        }
        // `self` is an occurrence before `at` with no other member between: there is a run.
        let Some(from) = run else { return Ok(self) };
        Ok(Msg {
            buf: parent.buf.get(from..).unwrap_or_default(),
            base: parent.base.saturating_add(from),
            depth: self.depth,
            of: number,
        })
    }
}

/// Stores `new` in a oneof slot, superseding the value there. A protobuf parser reads every
/// occurrence of a field, so an earlier occurrence that `new` supersedes must still be a
/// well-formed message (prost and protoc refuse the payload otherwise; found by the prost differential
/// test): it is checked here, only when superseded, so a single occurrence costs nothing.
#[inline]
pub(crate) fn supersede<'a>(
    slot: &mut Option<RawValue<'a>>,
    new: Option<RawValue<'a>>,
) -> Result<(), Error> {
    if let Some(old) = *slot {
        // Rare (a value field repeated): out of the hot path.
        supersede_slow(old)?;
    }
    *slot = new;
    Ok(())
}

/// Stores `new`, the value of field `number` of `parent` at offset `at` (its key's), in the
/// slot of a oneof whose members are the fields `members`: when `new` is a message of the same
/// member as the value there, the two are one message, merged (see [`Msg::merged`]), as
/// protobuf merges a message field of a oneof that occurs more than once in a row; anything
/// else supersedes the value there ([`supersede`]).
#[inline]
pub(crate) fn set_value<'a>(
    slot: &mut Option<RawValue<'a>>,
    new: Option<RawValue<'a>>,
    parent: &Msg<'a>,
    members: RangeInclusive<u32>,
    number: u32,
    at: usize,
) -> Result<(), Error> {
    match (*slot, new) {
        (Some(old), Some(new)) if is_message(&old) && same_member(&old, &new) => {
            *slot = Some(merge_value(old, parent, members, number, at)?);
            Ok(())
        }
        _ => supersede(slot, new),
    }
}

const fn is_message(v: &RawValue<'_>) -> bool {
    matches!(
        v,
        RawValue::DataSet(_)
            | RawValue::Template(_)
            | RawValue::PropertySet(_)
            | RawValue::PropertySetList(_)
            | RawValue::Extension(_)
    )
}

fn same_member(a: &RawValue<'_>, b: &RawValue<'_>) -> bool {
    core::mem::discriminant(a) == core::mem::discriminant(b)
}

/// A message value that occurs again: [`Msg::merged`]. An extension cannot be: its bytes are
/// handed over as one slice of the payload, which two occurrences are not.
#[cold]
#[inline(never)]
fn merge_value<'a>(
    old: RawValue<'a>,
    parent: &Msg<'a>,
    members: RangeInclusive<u32>,
    number: u32,
    at: usize,
) -> Result<RawValue<'a>, Error> {
    let merged = |m: Msg<'a>| m.merged(parent, number, members, at);
    Ok(match old {
        RawValue::DataSet(d) => RawValue::DataSet(DataSetView(merged(d.0)?)),
        RawValue::Template(t) => RawValue::Template(TemplateView(merged(t.0)?)),
        RawValue::PropertySet(p) => RawValue::PropertySet(PropertySetView(merged(p.0)?)),
        RawValue::PropertySetList(l) => {
            RawValue::PropertySetList(PropertySetListView(merged(l.0)?))
        }
        _ => {
            return Err(Error::Repeated {
                field: number,
                offset: at,
            });
        }
    })
}

/// Takes the old value by value, not by reference: a reference would make the slot's address
/// escape, and the slot would then live in memory (and be copied about) in the hot loop.
#[cold]
#[inline(never)]
fn supersede_slow(old: RawValue<'_>) -> Result<(), Error> {
    check_nested(&old)
}

/// Checks a value that is itself a message (the others were checked when read).
pub(crate) fn check_nested(v: &RawValue<'_>) -> Result<(), Error> {
    match v {
        RawValue::DataSet(d) => d.check(),
        RawValue::Template(t) => t.check(),
        RawValue::PropertySet(p) => p.check(),
        RawValue::PropertySetList(l) => l.check(),
        _ => Ok(()),
    }
}
