//! A Write whose value comes in Block1 blocks (RFC 7959 §2.5): a firmware package put to
//! /5/0/0 (Firmware Update, push mode), a certificate to /0/x/3 during Bootstrap, anything
//! larger than the client's messages.
//!
//! The client keeps none of the value. Each block's bytes go to [`ObjectTree::write_block`]
//! as they come, in order, and the server gets 2.31 Continue for every block before the last
//! and the Write's answer (2.04 Changed) for the last, each with the Block1 option of the block
//! it answers. Only the value of one resource is taken so: a Write replace (PUT) of a single
//! Resource whose body is opaque (42), text (0) or TLV holding that resource alone (its header
//! read from the first block; the tree gets the value's bytes after it, and the value must
//! end where the header says). A body of any other form in blocks (an instance, a multiple
//! resource, SenML, CBOR) is 4.13 Request Entity Too Large as before: its records could not
//! all be checked before the first is written.
//!
//! One transfer at a time, and its blocks in order. A block 0 that passes the checks starts a
//! value (the tree gets offset 0), ending the one under way; a repeat of a block before the
//! last (a server that sent it again under a new message id) is answered again and not given
//! twice (a retransmission under the same message id gets the endpoint's answer again, the
//! last block's too); a block of the transfer out of order is 4.08 Request Entity Incomplete
//! (§2.9.2) and ends it; a later block of no transfer under way (another resource's) is 4.08
//! alone. A transfer that gets no block for [`IDLE`] seconds, that breaks its TLV length or
//! comes out of order, or that a Write in blocks of another resource replaces, ends with
//! [`ClientEvent::BlockWriteAbandoned`]. A resource behind a gateway prefix (LwM2M Gateway)
//! is not written in blocks: 4.13.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::time::Duration;

use m2m_coap::option::value::Block;
use m2m_coap::{Code, ContentFormat};
use m2m_core::Timestamp;

use super::ClientEvent;
use super::answer::Answer;
use super::tree::ObjectTree;
use crate::error::Config;
use crate::model::{Model, Registry};
use crate::path::Path;
use crate::tlv::{self, Kind};
use crate::value::DataType;

/// How long a transfer waits for its next block (EXCHANGE_LIFETIME, RFC 7252 §4.8.2: past it,
/// no retransmission of the block can still come).
pub(super) const IDLE: u64 = 247;

/// A piece of a value written in blocks, as [`ObjectTree::write_block`] gets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Piece<'a> {
    /// Where `bytes` start in the value.
    pub offset: usize,
    /// The bytes.
    pub bytes: &'a [u8],
    /// Whether the value ends with them.
    pub last: bool,
    /// The whole value's size when known: the length a TLV header gives, or the Size1 that
    /// came with an opaque or text body's first block (the server's estimate, RFC 7959 §4).
    /// Either is a hint from the wire, no more: a TLV value is checked to end at its length
    /// only at the last block (a value that ends elsewhere is abandoned, 4.00), and Size1 is
    /// never checked. Reserve no more room on its strength than the tree can spare.
    pub size: Option<usize>,
    /// The body's format: opaque (42), text (0) or TLV (11542, or 1542).
    pub format: ContentFormat,
}

/// A value coming in blocks.
#[derive(Debug, Clone, Copy)]
pub(super) struct Incoming {
    path: Path<'static>,
    format: ContentFormat,
    /// Body bytes taken: the offset the next block starts at.
    taken: usize,
    /// Where the value starts in the body (past a TLV header), and its length (a TLV's).
    start: usize,
    length: Option<usize>,
    /// The size given to the tree.
    size: Option<usize>,
    /// The block taken last; a repeat of it is answered again.
    last: Block,
    /// When it is given up without another block.
    pub(super) deadline: Timestamp,
}

impl Incoming {
    /// The path written.
    pub(super) const fn path(&self) -> Path<'static> {
        self.path
    }
}

/// Whether a Write of `path` in `format` may come in blocks: a single resource, in a format
/// that holds one value, not one the model knows as multiple or as a type no block-sized value
/// has.
fn streamable(path: &Path<'_>, format: ContentFormat) -> bool {
    let (Some(o), Some(r), 3) = (path.object_id(), path.resource_id(), path.depth()) else {
        return false;
    };
    let tlv = matches!(
        format,
        ContentFormat::LWM2M_TLV | ContentFormat::LWM2M_TLV_OLD
    );
    if !tlv && format != ContentFormat::OCTET_STREAM && format != ContentFormat::TEXT_PLAIN {
        return false;
    }
    match Registry.resource(o, r) {
        // A resource the model does not know: the tree sees the format.
        None => true,
        Some(d) if d.multiple => false,
        // Opaque in text is base64 (Core 1.1 §7.3.1), which a piece would cut anywhere.
        Some(d) => match d.data_type {
            DataType::Opaque => format != ContentFormat::TEXT_PLAIN,
            DataType::String | DataType::Corelnk => format != ContentFormat::OCTET_STREAM,
            _ => false,
        },
    }
}

/// Where the value starts in the first block of a TLV body for `path`, and its length: a
/// Resource TLV with the path's resource id, or (with
/// [`Config::instance_wrapped_resource`]) that inside an Object Instance TLV of the path's
/// instance whose length is exactly the Resource TLV's.
fn tlv_value(first: &[u8], path: &Path<'_>, config: &Config) -> Result<(usize, usize), Code> {
    let bad = |_| Code::BAD_REQUEST;
    let (kind, id, mut start, mut length) = tlv::leading_header(first).map_err(bad)?;
    if kind == Kind::ObjectInstance && config.instance_wrapped_resource {
        if Some(id) != path.instance_id() {
            return Err(Code::BAD_REQUEST);
        }
        let outer = length;
        let inner = first.get(start..).unwrap_or_default();
        let (k, i, s, l) = tlv::leading_header(inner).map_err(bad)?;
        if k != Kind::Resource || Some(i) != path.resource_id() || s.checked_add(l) != Some(outer) {
            return Err(Code::BAD_REQUEST);
        }
        start = start.checked_add(s).ok_or(Code::BAD_REQUEST)?;
        length = l;
        return Ok((start, length));
    }
    if kind != Kind::Resource || Some(id) != path.resource_id() {
        return Err(Code::BAD_REQUEST);
    }
    Ok((start, length))
}

/// What became of a block.
#[derive(Debug, Clone, Copy)]
pub(super) struct Taken {
    /// The answer, with the Block1 option it echoes.
    pub(super) answer: Answer,
    /// A transfer this block ended unfinished (replaced, or out of order).
    pub(super) abandoned: Option<ClientEvent>,
    /// A first block not streamed (a body of another form, a path with a gateway prefix, a
    /// tree that answered 4.13): it may be put together whole instead.
    pub(super) declined: bool,
}

/// A Write replace of `path` (`format`, this block's `payload`, `block` and `size1`) coming in
/// blocks, the transfer under way in `slot`: gives the block's value bytes to `tree` and says
/// how to answer. `bootstrap` lets a read-only resource be written (Bootstrap-Write).
#[allow(clippy::too_many_arguments)]
pub(super) fn take<T: ObjectTree + ?Sized>(
    slot: &mut Option<Incoming>,
    now: Timestamp,
    tree: &mut T,
    (path, format, payload): (Path<'_>, ContentFormat, &[u8]),
    (block, size1): (Block, Option<u32>),
    bootstrap: bool,
    config: &Config,
) -> Taken {
    let refuse = |code: Code, abandoned: Option<ClientEvent>| Taken {
        answer: Answer::code(code),
        abandoned,
        declined: false,
    };
    let decline = || Taken {
        answer: Answer::code(Code::REQUEST_ENTITY_TOO_LARGE),
        abandoned: None,
        declined: true,
    };
    let key = path.without_prefix();
    // BERT (SZX 7) is for CoAP over TCP alone (RFC 8323 §6).
    if block.szx > 6 {
        return refuse(Code::BAD_REQUEST, None);
    }
    let size = block.size();
    let Some(offset) = usize::try_from(block.num)
        .ok()
        .and_then(|n| n.checked_mul(size))
    else {
        return refuse(Code::REQUEST_ENTITY_TOO_LARGE, None);
    };
    // Every block but the last is exactly the block size (RFC 7959 §2.2).
    if (block.more && payload.len() != size) || payload.len() > size {
        return refuse(Code::BAD_REQUEST, None);
    }
    let Some(end) = offset.checked_add(payload.len()) else {
        return refuse(Code::REQUEST_ENTITY_TOO_LARGE, None);
    };
    // An end device behind a gateway prefix (LwM2M Gateway, 1.2): its path could not be kept
    // between blocks without the prefix's text.
    if path.prefix().is_some() {
        return decline();
    }
    let under_way = slot.filter(|u| u.path == key && u.format == format);
    let mut abandoned = None;
    let mut replaced = None;
    let mut u = if offset == 0 {
        // A first block: a new value, once it passes the checks (a refused one leaves the
        // transfer under way alone).
        if !streamable(&key, format) {
            return decline();
        }
        if !bootstrap && super::answer::read_only(&key) {
            return refuse(Code::METHOD_NOT_ALLOWED, None);
        }
        let (start, length) = if matches!(
            format,
            ContentFormat::LWM2M_TLV | ContentFormat::LWM2M_TLV_OLD
        ) {
            match tlv_value(payload, &key, config) {
                Ok((s, l)) => (s, Some(l)),
                Err(c) => return refuse(c, None),
            }
        } else {
            (0, None)
        };
        // The one under way is over: the tree hears it from this block's offset 0 when it is
        // the same resource's, from the event when another's.
        replaced = slot.take();
        if let Some(old) = replaced.filter(|o| o.path != key) {
            abandoned = Some(ClientEvent::BlockWriteAbandoned(old.path));
        }
        let size1 = size1.and_then(|s| usize::try_from(s).ok());
        Incoming {
            path: key,
            format,
            taken: 0,
            start,
            length,
            size: length.or(size1),
            last: block,
            deadline: now,
        }
    } else {
        match under_way {
            Some(u) if u.taken == offset => u,
            // The block taken last, again: the same answer, its bytes not given twice.
            Some(u) if end == u.taken && block == u.last => {
                return Taken {
                    answer: Answer::code(Code::CONTINUE).with_block1(block),
                    abandoned: None,
                    declined: false,
                };
            }
            // A block out of order ends the transfer (RFC 7959 §2.9.2) ...
            Some(_) => {
                *slot = None;
                return refuse(
                    Code::REQUEST_ENTITY_INCOMPLETE,
                    Some(ClientEvent::BlockWriteAbandoned(key)),
                );
            }
            // ... one of no transfer under way (another resource's, another format's) is
            // incomplete alone.
            None => return refuse(Code::REQUEST_ENTITY_INCOMPLETE, None),
        }
    };
    // The value's bytes in this block: past the TLV header, up to the length it gives.
    let from = u.start.max(offset);
    let to = u
        .length
        .and_then(|l| u.start.checked_add(l))
        .map_or(end, |e| e.min(end));
    let bytes = payload
        .get(from.saturating_sub(offset)..to.saturating_sub(offset))
        .unwrap_or_default();
    let given = from.saturating_sub(u.start);
    let done = !block.more;
    // A TLV body holds nothing past its value, and its value ends with the body.
    let short = u
        .length
        .is_some_and(|l| to < end || (done && given.saturating_add(bytes.len()) != l));
    if short {
        *slot = None;
        // The value under way is lost: this transfer's, or the one a bad first block ended.
        let lost = match (offset, replaced) {
            (0, Some(old)) => Some(old.path),
            (0, None) => None,
            _ => Some(u.path),
        };
        let event = abandoned.or(lost.map(ClientEvent::BlockWriteAbandoned));
        return refuse(Code::BAD_REQUEST, event);
    }
    let piece = Piece {
        offset: given,
        bytes,
        last: done,
        size: u.size,
        format,
    };
    if let Err(code) = tree.write_block(&key, piece) {
        // The tree refused it: it knows, no event. A tree that takes no value in pieces (4.13
        // to the first) may take it whole.
        *slot = None;
        return Taken {
            declined: offset == 0 && code == Code::REQUEST_ENTITY_TOO_LARGE,
            ..refuse(code, abandoned)
        };
    }
    let answer = if done {
        *slot = None;
        Answer::code(Code::CHANGED).with_block1(block)
    } else {
        u.taken = end;
        u.last = block;
        u.deadline = now.checked_add(Duration::from_secs(IDLE)).unwrap_or(now);
        *slot = Some(u);
        Answer::code(Code::CONTINUE).with_block1(block)
    };
    Taken {
        answer,
        abandoned,
        declined: false,
    }
}
