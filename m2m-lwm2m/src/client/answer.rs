//! How the client answers the server's requests from the application's tree: Read (every
//! format of [`body`]), Write, Create, Read-Composite and Write-Composite, and the link format
//! of its objects (OMA-TS-LightweightM2M_Core 1.1 §6.3, §6.2.1).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::{Code, ContentFormat};

use super::{ObjectTree, RecordBuf};
use crate::body;
use crate::error::{Config, Error, Reason};
use crate::link;
use crate::model::{self, Registry};
use crate::path::Path;
use crate::value::Value;

/// A response: code, and a payload of `len` bytes in `format` written in the caller's buffer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Answer {
    pub(super) code: Code,
    pub(super) format: Option<ContentFormat>,
    pub(super) len: usize,
    pub(super) observe: Option<u32>,
    pub(super) created: Option<(u16, u16)>,
}

impl Answer {
    pub(super) const fn code(code: Code) -> Self {
        Answer {
            code,
            format: None,
            len: 0,
            observe: None,
            created: None,
        }
    }
    pub(super) const fn content(format: ContentFormat, len: usize) -> Self {
        Answer {
            code: Code::CONTENT,
            format: Some(format),
            len,
            observe: None,
            created: None,
        }
    }
}

pub(super) fn truncate3(p: Path<'static>) -> Option<Path<'static>> {
    match p.depth() {
        3 => Some(p),
        4 => p.parent(),
        _ => None,
    }
}

/// The object links of `tree`, written as link format.
pub(super) fn links_text<T: ObjectTree + ?Sized>(tree: &T, out: &mut [u8]) -> Result<usize, Error> {
    let mut result = Ok(());
    let mut written = 0usize;
    tree.objects(&mut |l| {
        // Each link is written at once: it borrows from the tree only for the call.
        if result.is_err() {
            return;
        }
        let sep = usize::from(written > 0);
        let need = link::encoded_len(core::slice::from_ref(&l)).saturating_add(sep);
        match out.get_mut(written..written.saturating_add(need)) {
            Some(dst) => {
                let (comma, rest) = dst.split_at_mut(sep);
                comma.fill(b',');
                result = link::encode(core::slice::from_ref(&l), rest).map(|_| ());
                written = written.saturating_add(need);
            }
            None => result = Err(Error::new(written, Reason::BufferTooSmall)),
        }
    });
    result.map(|()| written)
}

pub(super) fn read<T: ObjectTree + ?Sized>(
    tree: &T,
    path: &Path<'_>,
    accept: Option<ContentFormat>,
    out: &mut [u8],
) -> Answer {
    let mut buf = RecordBuf::<'_, 32>::new();
    if let Err(c) = tree.read(path, &mut buf) {
        return Answer::code(c);
    }
    let records = buf.as_slice();
    // LwM2M 1.0 default: plain text for one resource value, TLV otherwise.
    let single = matches!(records, [r] if r.path == *path && path.depth() >= 3);
    let format = accept.unwrap_or(if single {
        ContentFormat::TEXT_PLAIN
    } else {
        ContentFormat::LWM2M_TLV
    });
    if !body::can_encode(format) {
        return Answer::code(Code::NOT_ACCEPTABLE);
    }
    match body::encode(format, path, records, out) {
        Ok(len) => Answer::content(format, len),
        Err(e) if e.reason == Reason::Unrepresentable => Answer::code(Code::NOT_ACCEPTABLE),
        Err(_) => Answer::code(Code::INTERNAL_SERVER_ERROR),
    }
}

pub(super) fn write<T: ObjectTree + ?Sized>(
    tree: &mut T,
    path: Path<'_>,
    replace: bool,
    format: ContentFormat,
    payload: &[u8],
    config: &Config,
) -> Answer {
    let Ok(records) = body::decode(format, path, payload, *config) else {
        return Answer::code(Code::UNSUPPORTED_CONTENT_FORMAT);
    };
    for r in records {
        let Ok(r) = r.and_then(|r| model::typed(r, &Registry, config)) else {
            return Answer::code(Code::BAD_REQUEST);
        };
        if let Err(c) = tree.write(&r, replace) {
            return Answer::code(c);
        }
    }
    Answer::code(Code::CHANGED)
}

pub(super) fn create<T: ObjectTree + ?Sized>(
    tree: &mut T,
    path: Path<'_>,
    format: ContentFormat,
    payload: &[u8],
    config: &Config,
) -> Answer {
    let Some(object) = path.object_id() else {
        return Answer::code(Code::BAD_REQUEST);
    };
    let Ok(records) = body::decode(format, path, payload, *config) else {
        return Answer::code(Code::UNSUPPORTED_CONTENT_FORMAT);
    };
    let mut buf = RecordBuf::<'_, 32>::new();
    for r in records {
        let Ok(r) = r.and_then(|r| model::typed(r, &Registry, config)) else {
            return Answer::code(Code::BAD_REQUEST);
        };
        if buf.push(r).is_err() {
            return Answer::code(Code::REQUEST_ENTITY_TOO_LARGE);
        }
    }
    match tree.create(object, buf.as_slice()) {
        Ok(i) => Answer {
            created: Some((object, i)),
            ..Answer::code(Code::CREATED)
        },
        Err(c) => Answer::code(c),
    }
}

/// The paths of a Read-Composite request (SenML-ETCH FETCH bodies, or SenML bodies with names
/// only), each read from the tree, answered in `accept` (SenML CBOR when absent).
pub(super) fn read_composite<T: ObjectTree + ?Sized>(
    tree: &T,
    format: ContentFormat,
    accept: Option<ContentFormat>,
    payload: &[u8],
    out: &mut [u8],
) -> Answer {
    let mut paths = [Path::ROOT; 16];
    let mut n = 0usize;
    let mut take = |r: Result<crate::value::Record<'_>, Error>| -> Result<(), Code> {
        let r = r.map_err(|_| Code::BAD_REQUEST)?;
        let slot = paths.get_mut(n).ok_or(Code::REQUEST_ENTITY_TOO_LARGE)?;
        *slot = r.path.without_prefix();
        n = n.saturating_add(1);
        Ok(())
    };
    let result = match format {
        ContentFormat::SENML_ETCH_JSON => {
            crate::senml_etch_json::decode_fetch(payload).try_for_each(&mut take)
        }
        ContentFormat::SENML_ETCH_CBOR => {
            crate::senml_cbor::decode_etch(payload).try_for_each(&mut take)
        }
        ContentFormat::SENML_JSON => crate::senml_json::decode(payload).try_for_each(&mut take),
        ContentFormat::SENML_CBOR => crate::senml_cbor::decode(payload).try_for_each(&mut take),
        _ => return Answer::code(Code::UNSUPPORTED_CONTENT_FORMAT),
    };
    if let Err(c) = result {
        return Answer::code(c);
    }
    let format = accept.unwrap_or(ContentFormat::SENML_CBOR);
    if !matches!(
        format,
        ContentFormat::SENML_JSON | ContentFormat::SENML_CBOR | ContentFormat::LWM2M_CBOR
    ) {
        return Answer::code(Code::NOT_ACCEPTABLE);
    }
    let mut buf = RecordBuf::<'_, 32>::new();
    for p in paths.iter().take(n) {
        // A path the client does not have is left out (§6.3.7).
        let mut one = RecordBuf::<'_, 32>::new();
        if tree.read(p, &mut one).is_ok() {
            for r in one.as_slice() {
                if buf.push(*r).is_err() {
                    return Answer::code(Code::REQUEST_ENTITY_TOO_LARGE);
                }
            }
        }
    }
    match body::encode(format, &Path::ROOT, buf.as_slice(), out) {
        Ok(len) => Answer::content(format, len),
        Err(_) => Answer::code(Code::INTERNAL_SERVER_ERROR),
    }
}

/// The records of a Write-Composite request (SenML-ETCH iPATCH, or SenML), each typed and
/// written; a removal (`null`) deletes.
pub(super) fn write_composite<T: ObjectTree + ?Sized>(
    tree: &mut T,
    format: ContentFormat,
    payload: &[u8],
    config: &Config,
) -> Answer {
    let apply = |tree: &mut T, r: Result<crate::value::Record<'_>, Error>| -> Result<(), Code> {
        let r = r.map_err(|_| Code::BAD_REQUEST)?;
        if r.value == Some(Value::Null) {
            return tree.delete(&r.path);
        }
        let r = model::typed(r, &Registry, config).map_err(|_| Code::BAD_REQUEST)?;
        tree.write(&r, false)
    };
    let result = match format {
        ContentFormat::SENML_ETCH_JSON => {
            crate::senml_etch_json::decode_ipatch(payload).try_for_each(|r| apply(tree, r))
        }
        ContentFormat::SENML_ETCH_CBOR => {
            crate::senml_cbor::decode_etch(payload).try_for_each(|r| apply(tree, r))
        }
        ContentFormat::SENML_JSON => {
            crate::senml_json::decode(payload).try_for_each(|r| apply(tree, r))
        }
        ContentFormat::SENML_CBOR => {
            crate::senml_cbor::decode(payload).try_for_each(|r| apply(tree, r))
        }
        ContentFormat::LWM2M_CBOR => {
            crate::lwm2m_cbor::decode(payload).try_for_each(|r| apply(tree, r))
        }
        _ => return Answer::code(Code::UNSUPPORTED_CONTENT_FORMAT),
    };
    match result {
        Ok(()) => Answer::code(Code::CHANGED),
        Err(c) => Answer::code(c),
    }
}
