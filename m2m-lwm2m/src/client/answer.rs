//! How the client answers the server's requests from the application's tree: Read (every
//! format of [`body`]), Write, Create, Read-Composite, Write-Composite and Discover, and the
//! link format of its objects (OMA-TS-LightweightM2M_Core 1.1 §6.3, §6.2.1).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::option::value::Block;
use m2m_coap::{Code, ContentFormat, OptionNumber};

use super::{Client, ObjectTree, RecordBuf};
use crate::attributes::Attributes;
use crate::body;
use crate::composite;
use crate::error::{Config, Error, Reason};
use crate::link::{self, ObjectLink};
use crate::model::{self, Model, Registry};
use crate::path::Path;
use crate::sink::{Fmt, Sink, Window};
use crate::value::{Record, Value};

/// A response: code, and (with a `format`) a payload written through the caller's
/// [`Window`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Answer {
    pub(super) code: Code,
    pub(super) format: Option<ContentFormat>,
    pub(super) observe: Option<u32>,
    pub(super) created: Option<(u16, u16)>,
    /// A diagnostic payload (RFC 7252 §5.5.2) of an error answer.
    pub(super) diagnostic: Option<&'static str>,
    /// The Block1 option of the block of a request body it answers (RFC 7959 §2.3).
    pub(super) block1: Option<Block>,
    /// One more option: the Size1 of a 4.13, the Max-Age of a 5.03.
    pub(super) extra: Option<(OptionNumber, u32)>,
}

impl Answer {
    pub(super) const fn code(code: Code) -> Self {
        Answer {
            code,
            format: None,
            observe: None,
            created: None,
            diagnostic: None,
            block1: None,
            extra: None,
        }
    }
    pub(super) const fn content(format: ContentFormat) -> Self {
        Answer {
            code: Code::CONTENT,
            format: Some(format),
            observe: None,
            created: None,
            diagnostic: None,
            block1: None,
            extra: None,
        }
    }

    /// With the Block1 option of the block it answers.
    pub(super) const fn with_block1(mut self, block: Block) -> Self {
        self.block1 = Some(block);
        self
    }
}

pub(super) fn truncate3(p: Path<'static>) -> Option<Path<'static>> {
    match p.depth() {
        3 => Some(p),
        4 => p.parent(),
        _ => None,
    }
}

/// Link-format links written one after the other into a sink, with the commas between.
pub(super) struct LinkOut<'s, S: Sink> {
    sink: &'s mut S,
    any: bool,
}

impl<'s, S: Sink> LinkOut<'s, S> {
    pub(super) fn new(sink: &'s mut S) -> Self {
        LinkOut { sink, any: false }
    }

    /// Writes `l` after the links so far.
    pub(super) fn push(&mut self, l: &ObjectLink<'_>) -> Result<(), Error> {
        let one = core::slice::from_ref(l);
        link::check(one)?;
        if self.any {
            self.sink.put(b",")?;
        }
        self.any = true;
        let mut f = Fmt::new(&mut *self.sink);
        let r = link::write_unchecked(one, &mut f);
        f.result(r)
    }
}

/// The Security (0) and OSCORE (21) objects: the client's accounts with its servers, which
/// only a bootstrap server reads or writes and which no registration lists.
pub(super) fn is_account_object(object: u16) -> bool {
    object == 0 || object == 21
}

/// The object links of `tree` for Register and Update, written into `sink` as link format.
pub(super) fn write_links<T: ObjectTree + ?Sized, S: Sink>(
    tree: &T,
    sink: &mut S,
) -> Result<(), Error> {
    let mut result = Ok(());
    let mut w = LinkOut::new(sink);
    tree.objects(&mut |l| {
        // The Security and OSCORE objects are not registered (Core 1.1 §6.2.1).
        if let link::Target::Path(p) = l.target {
            if p.object_id().is_some_and(is_account_object) {
                return;
            }
        }
        // Each link is written at once: it borrows from the tree only for the call.
        if result.is_ok() {
            result = w.push(&l);
        }
    });
    result
}

pub(super) fn read<T: ObjectTree + ?Sized>(
    tree: &T,
    path: &Path<'_>,
    accept: Option<ContentFormat>,
    out: &mut Window<'_>,
) -> Answer {
    let mut buf = RecordBuf::<'_, 32>::new();
    if let Err(c) = tree.read(path, &mut buf) {
        return Answer::code(c);
    }
    let records = buf.as_slice();
    // LwM2M 1.0 default: plain text for one resource value (opaque for an Opaque one, as
    // Leshan answers), TLV otherwise.
    let format = accept.unwrap_or(match records {
        [r] if r.path == *path && path.depth() >= 3 => match r.value {
            Some(Value::Opaque(_)) => ContentFormat::OCTET_STREAM,
            _ => ContentFormat::TEXT_PLAIN,
        },
        _ => ContentFormat::LWM2M_TLV,
    });
    if !body::can_encode(format) {
        return Answer::code(Code::NOT_ACCEPTABLE);
    }
    match body::write(format, path, records, out) {
        Ok(()) => Answer::content(format),
        Err(e) if e.reason == Reason::Unrepresentable => Answer::code(Code::NOT_ACCEPTABLE),
        Err(_) => Answer::code(Code::INTERNAL_SERVER_ERROR),
    }
}

/// Whether the model marks the resource of `path` as one a server may not write (a
/// Write of it is 4.05); resources the model does not know are left to the tree.
pub(super) fn read_only(path: &Path<'_>) -> bool {
    matches!(
        (path.object_id(), path.resource_id()),
        (Some(o), Some(r)) if Registry.resource(o, r).is_some_and(|d| !d.operations.write)
    )
}

/// A Write (`replace` for a PUT). Outside Bootstrap, a resource the model marks read-only is
/// refused (4.05) before anything is written, and a replace asks the tree to clear the
/// instance or multiple resource first; Bootstrap-Writes add to the tree and may set any
/// resource (Bootstrap-Write).
pub(super) fn write<T: ObjectTree + ?Sized>(
    tree: &mut T,
    path: Path<'_>,
    (replace, bootstrap): (bool, bool),
    format: ContentFormat,
    payload: &[u8],
    config: &Config,
) -> Answer {
    let Ok(records) = body::decode(format, path, payload, *config) else {
        return Answer::code(Code::UNSUPPORTED_CONTENT_FORMAT);
    };
    // Every record is checked before any is written (the body is read twice, without a
    // copy): it decodes, fits the model, lies under the path written to, a value sits on a
    // resource or a resource instance, and no record before it has its path. SenML and LwM2M
    // CBOR name their own paths, which need not be under the request's (Core 1.1 §6.3.3: a
    // Write targets its path).
    let mut instances = false;
    // The paths of the first records, to find a repeat among them without reading the body
    // again; past them, the body is read again for the others.
    let mut first = [Path::ROOT; FIRST_PATHS];
    for (i, r) in records.enumerate() {
        let Ok(r) = r.and_then(|r| model::typed(r, &Registry, config)) else {
            return Answer::code(Code::BAD_REQUEST);
        };
        if !path.contains(&r.path) || (r.value.is_some() && r.path.depth() < 3) {
            return Answer::code(Code::BAD_REQUEST);
        }
        if !bootstrap && read_only(&r.path) {
            return Answer::code(Code::METHOD_NOT_ALLOWED);
        }
        let kept = first.get(..i.min(FIRST_PATHS)).unwrap_or_default();
        if kept.contains(&r.path)
            || (i > FIRST_PATHS && repeats(format, path, payload, config, FIRST_PATHS..i, &r.path))
        {
            return Answer::code(Code::BAD_REQUEST);
        }
        if let Some(slot) = first.get_mut(i) {
            *slot = r.path;
        }
        instances |= r.path.depth() == 4;
    }
    let Ok(records) = body::decode(format, path, payload, *config) else {
        return Answer::code(Code::UNSUPPORTED_CONTENT_FORMAT);
    };
    // What a replace clears: an instance, or a multiple resource (by the model, or by
    // resource instances in the body when the model does not know it).
    let multiple = || {
        instances
            || matches!(
                (path.object_id(), path.resource_id()),
                (Some(o), Some(r)) if Registry.resource(o, r).is_some_and(|d| d.multiple)
            )
    };
    if replace && !bootstrap && (path.depth() == 2 || (path.depth() == 3 && multiple())) {
        match tree.reset(&path) {
            Ok(()) => {}
            Err(c) if c == Code::NOT_FOUND => {}
            Err(c) => return Answer::code(c),
        }
    }
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
    let mut buf = RecordBuf::<'_, 32>::new();
    let read = match new_instance(format, path, payload, config, &mut buf) {
        // Resources at the top of a TLV body: the server named no instance, and the client
        // picks its id (Core 1.1 §6.3.6, "Create"; Leshan sends a Create so by default). They are read
        // under the reserved id, which `ObjectTree::create` takes as "choose one".
        Err(Fail::Decode(e))
            if e.offset == 0
                && e.reason == Reason::UnexpectedPath
                && matches!(
                    format,
                    ContentFormat::LWM2M_TLV | ContentFormat::LWM2M_TLV_OLD
                ) =>
        {
            buf.clear();
            // The gateway prefix of the request (an end device's object) stays on the records.
            let base = Path::instance(object, crate::path::RESERVED_ID);
            let Some(base) = prefixed(base, path.prefix()) else {
                return Answer::code(Code::BAD_REQUEST);
            };
            new_instance(format, base, payload, config, &mut buf)
        }
        other => other,
    };
    let code = match read {
        Ok(()) => None,
        Err(Fail::Unsupported) => Some(Code::UNSUPPORTED_CONTENT_FORMAT),
        Err(Fail::Decode(_) | Fail::Typed | Fail::Outside | Fail::Repeated) => {
            Some(Code::BAD_REQUEST)
        }
        Err(Fail::Full) => Some(Code::REQUEST_ENTITY_TOO_LARGE),
    };
    if let Some(code) = code {
        return Answer::code(code);
    }
    match tree.create(object, buf.as_slice()) {
        // The reserved id names no instance: a tree that returns it has made none it can name.
        Ok(crate::path::RESERVED_ID) => Answer::code(Code::INTERNAL_SERVER_ERROR),
        Ok(i) => Answer {
            created: Some((object, i)),
            ..Answer::code(Code::CREATED)
        },
        Err(c) => Answer::code(c),
    }
}

/// Why the records of a Create could not be read.
enum Fail {
    /// A format [`body`] does not read.
    Unsupported,
    /// The body does not decode at the base given.
    Decode(Error),
    /// A record does not fit its resource in the object model.
    Typed,
    /// More records than the buffer holds.
    Full,
    /// A record outside the object, or of another instance than the first.
    Outside,
    /// Two records of one path.
    Repeated,
}

/// The records of a Create body read at `base`, typed, into `buf`.
fn new_instance<'a>(
    format: ContentFormat,
    base: Path<'a>,
    payload: &'a [u8],
    config: &Config,
    buf: &mut RecordBuf<'a, 32>,
) -> Result<(), Fail> {
    let records = body::decode(format, base, payload, *config).map_err(|_| Fail::Unsupported)?;
    // One instance of the object created: every record a resource (or resource instance) of
    // the same instance under `base`.
    let mut instance = None;
    for r in records {
        let r = r.map_err(Fail::Decode)?;
        let r = model::typed(r, &Registry, config).map_err(|_| Fail::Typed)?;
        let id = r.path.instance_id();
        if !base.contains(&r.path) || r.path.depth() < 3 || instance.is_some_and(|i| Some(i) != id)
        {
            return Err(Fail::Outside);
        }
        instance = id;
        if buf.as_slice().iter().any(|q| q.path == r.path) {
            return Err(Fail::Repeated);
        }
        buf.push(r).map_err(|_| Fail::Full)?;
    }
    Ok(())
}

/// How many records of a Write are kept by path to find a repeat among them.
const FIRST_PATHS: usize = 32;

/// Whether one of the records `among` (by index) of a body has `path`: two values for one
/// resource (or instance) make no Write or Create, as Leshan refuses them too. The body is
/// read again for it, so that nothing is copied.
fn repeats(
    format: ContentFormat,
    base: Path<'_>,
    payload: &[u8],
    config: &Config,
    among: core::ops::Range<usize>,
    path: &Path<'_>,
) -> bool {
    body::decode(format, base, payload, *config)
        .into_iter()
        .flatten()
        .take(among.end)
        .skip(among.start)
        .any(|q| q.is_ok_and(|q| q.path == *path))
}

/// The paths a Read-Composite or Observe-Composite request lists (SenML-ETCH FETCH bodies,
/// SenML bodies read for their names, LwM2M CBOR with `null` leaves), with their gateway
/// prefixes, into `out`; how many. 4.15 for another format, 4.00 for a body that does not
/// decode, 4.13 for more than `out` holds.
pub(super) fn composite_paths<'p>(
    format: ContentFormat,
    payload: &'p [u8],
    out: &mut [Path<'p>],
) -> Result<usize, Code> {
    let paths =
        composite::decode_paths(format, payload).map_err(|_| Code::UNSUPPORTED_CONTENT_FORMAT)?;
    let mut n = 0usize;
    for p in paths {
        let p = p.map_err(|_| Code::BAD_REQUEST)?;
        if p.object_id().is_some_and(is_account_object) {
            return Err(Code::UNAUTHORIZED);
        }
        let slot = out.get_mut(n).ok_or(Code::REQUEST_ENTITY_TOO_LARGE)?;
        *slot = p;
        n = n.saturating_add(1);
    }
    Ok(n)
}

/// Reads each of `paths` from the tree into `all`, and hands `each` the index and records of
/// each path read; a path the client does not have is left out (§6.3.7) and gets none. 4.13
/// when `all` is full.
pub(super) fn read_paths<'s, T: ObjectTree + ?Sized>(
    tree: &'s T,
    paths: &[Path<'_>],
    all: &mut RecordBuf<'s>,
    mut each: impl FnMut(usize, &[Record<'s>]),
) -> Result<(), Code> {
    for (i, p) in paths.iter().enumerate() {
        let mut one = RecordBuf::<'_, 32>::new();
        if tree.read(p, &mut one).is_err() {
            one.clear();
        }
        // The accounts never go to a server, whatever path took them in.
        for r in one.as_slice() {
            if r.path.object_id().is_some_and(is_account_object) {
                continue;
            }
            all.push(*r).map_err(|_| Code::REQUEST_ENTITY_TOO_LARGE)?;
        }
        each(i, one.as_slice());
    }
    Ok(())
}

/// The values of `paths`, answered in `accept` (SenML CBOR when absent): the answer to
/// Read-Composite, Observe-Composite and its cancellation.
pub(super) fn composite_values<T: ObjectTree + ?Sized>(
    tree: &T,
    paths: &[Path<'_>],
    accept: Option<ContentFormat>,
    out: &mut Window<'_>,
) -> Answer {
    let format = accept.unwrap_or(ContentFormat::SENML_CBOR);
    if !composite::is_value_format(format) {
        return Answer::code(Code::NOT_ACCEPTABLE);
    }
    let mut all = RecordBuf::<'_, 32>::new();
    if let Err(c) = read_paths(tree, paths, &mut all, |_, _| {}) {
        return Answer::code(c);
    }
    match body::write(format, &Path::ROOT, all.as_slice(), out) {
        Ok(()) => Answer::content(format),
        Err(_) => Answer::code(Code::INTERNAL_SERVER_ERROR),
    }
}

/// Read-Composite: the paths listed in `payload`, each read from the tree.
pub(super) fn read_composite<T: ObjectTree + ?Sized>(
    tree: &T,
    format: ContentFormat,
    accept: Option<ContentFormat>,
    payload: &[u8],
    out: &mut Window<'_>,
) -> Answer {
    let mut paths = [Path::ROOT; composite::MAX_PATHS];
    match composite_paths(format, payload, &mut paths) {
        Ok(n) => composite_values(tree, paths.get(..n).unwrap_or_default(), accept, out),
        Err(c) => Answer::code(c),
    }
}

/// The records of a Write-Composite request (SenML-ETCH iPATCH, or SenML), each typed and
/// written; a removal (`null`) deletes. Every record is checked before any is written (the
/// body read twice, without a copy), so that a refusal leaves the tree as it was: one
/// operation, as a Write is (only the tree's own refusal of a later record can come after
/// earlier ones were written).
pub(super) fn write_composite<T: ObjectTree + ?Sized>(
    tree: &mut T,
    format: ContentFormat,
    payload: &[u8],
    config: &Config,
) -> Answer {
    let Some(checked) = composite_records(format, payload, &mut |r| {
        composite_record(r, config).map(|_| ())
    }) else {
        return Answer::code(Code::UNSUPPORTED_CONTENT_FORMAT);
    };
    if let Err(c) = checked {
        return Answer::code(c);
    }
    let applied = composite_records(format, payload, &mut |r| {
        let removal = r.as_ref().ok().map(|r| r.path);
        match composite_record(r, config)? {
            Some(typed) => tree.write(&typed, false),
            None => removal.map_or(Err(Code::BAD_REQUEST), |p| tree.delete(&p)),
        }
    });
    match applied {
        Some(Err(c)) => Answer::code(c),
        _ => Answer::code(Code::CHANGED),
    }
}

/// What [`composite_records`] does with each record (or its decoding error).
type RecordStep<'f> = dyn FnMut(Result<Record<'_>, Error>) -> Result<(), Code> + 'f;

/// What a Write-Composite record asks of the tree: a removal (`None`), or a typed value to
/// write; or why it is refused.
fn composite_record<'r>(
    r: Result<Record<'r>, Error>,
    config: &Config,
) -> Result<Option<Record<'r>>, Code> {
    let r = r.map_err(|_| Code::BAD_REQUEST)?;
    if r.path.object_id().is_some_and(is_account_object) {
        return Err(Code::UNAUTHORIZED);
    }
    if r.value == Some(Value::Null) {
        // As a Delete: an instance or a resource instance, nothing wider.
        if !matches!(r.path.depth(), 2 | 4) {
            return Err(Code::METHOD_NOT_ALLOWED);
        }
        return Ok(None);
    }
    let typed = model::typed(r, &Registry, config).map_err(|_| Code::BAD_REQUEST)?;
    if read_only(&typed.path) {
        return Err(Code::METHOD_NOT_ALLOWED);
    }
    Ok(Some(typed))
}

/// `f` on each record of a Write-Composite body in `format`, up to the first error; `None`
/// for a format a Write-Composite does not come in.
fn composite_records(
    format: ContentFormat,
    payload: &[u8],
    f: &mut RecordStep<'_>,
) -> Option<Result<(), Code>> {
    Some(match format {
        ContentFormat::SENML_ETCH_JSON => {
            crate::senml_etch_json::decode_ipatch(payload).try_for_each(f)
        }
        ContentFormat::SENML_ETCH_CBOR => crate::senml_cbor::decode_etch(payload).try_for_each(f),
        ContentFormat::SENML_JSON => crate::senml_json::decode(payload).try_for_each(f),
        ContentFormat::SENML_CBOR => crate::senml_cbor::decode(payload).try_for_each(f),
        ContentFormat::LWM2M_CBOR => crate::lwm2m_cbor::decode(payload).try_for_each(f),
        _ => return None,
    })
}

/// `path` with the gateway prefix `prefix`, if any.
pub(super) fn prefixed<'p>(path: Path<'static>, prefix: Option<&'p str>) -> Option<Path<'p>> {
    match prefix {
        Some(p) => path.with_prefix(p).ok(),
        None => Some(path),
    }
}

impl<P: Copy + Eq, const N: usize, const B: usize, const O: usize, const A: usize, const C: usize>
    Client<'_, P, N, B, O, A, C>
{
    /// Discover (Core 1.1 §5.4.2): the link of `path` with its attributes (inherited), then,
    /// below it, each instance (on an object) and each resource with its own attributes, and
    /// `dim` on multiple resources; written as they come, so no list bounds the answer.
    pub(super) fn discover<T: ObjectTree + ?Sized>(
        &self,
        tree: &T,
        path: &Path<'_>,
        out: &mut Window<'_>,
    ) -> Answer {
        let mut buf = RecordBuf::<'_, 32>::new();
        let own = path.without_prefix();
        if let Err(c) = tree.read(path, &mut buf) {
            // An executable resource has nothing to read, and is listed all the same: one of
            // an instance the tree has.
            let instance = path.parent().unwrap_or(*path);
            let executable = own.depth() == 3
                && tree
                    .read(&instance, &mut RecordBuf::<'_, 32>::new())
                    .is_ok()
                && own.resource_id().is_some_and(|id| {
                    let mut found = false;
                    tree.executables(&instance, &mut |e| found |= e == id);
                    found
                });
            if !executable {
                return Answer::code(c);
            }
        }
        let records = buf.as_slice();
        // The number of resource instances of `res` among the records, if it has any.
        let dim = |res: Path<'static>| -> Option<u8> {
            let n = records
                .iter()
                .filter(|r| r.path.depth() == 4 && truncate3(r.path.without_prefix()) == Some(res))
                .count();
            (n > 0).then(|| u8::try_from(n).unwrap_or(u8::MAX))
        };
        // Up to LwM2M 1.1, a Discover of an object shows the attributes of the object level
        // alone (1.0 §5.4.2; Anjay reads 1.1 so): its instances and resources are listed bare.
        let lower = own.depth() != 1 || self.settings.version >= Some(link::Version::V1_2);
        // The attributes set on the end device's paths, when the Discover has a prefix.
        let attrs = |p: Path<'static>| {
            if !lower {
                return Attributes::NONE;
            }
            let q = path.prefix().map_or(p, |x| p.with_prefix(x).unwrap_or(p));
            self.attributes
                .iter()
                .flatten()
                .find(|(k, _)| k.path() == q)
                .map_or(Attributes::NONE, |(_, a)| *a)
        };
        let mut w = LinkOut::new(out);
        // An object's link carries its version when the tree gives one, as in Register.
        let mut version = None;
        if own.depth() == 1 {
            tree.objects(&mut |l| {
                if l.target == link::Target::Path(own) && l.version.is_some() {
                    version = l.version;
                }
            });
        }
        let head = ObjectLink {
            attributes: self.attributes_of(path),
            dim: (own.depth() == 3).then(|| dim(own)).flatten(),
            version,
            ..ObjectLink::path(own)
        };
        let mut written = w.push(&head);
        let (mut last_instance, mut last_resource) = (None, None);
        // The executable resources of the instance listed now, merged in id order with the
        // resources read.
        let mut exec = Executables::default();
        let push_exec =
            |w: &mut LinkOut<'_, Window<'_>>, exec: &mut Executables, below: Option<u16>| {
                let mut r = Ok(());
                while let Some(e) = exec.next_below(below) {
                    r = r.and_then(|()| {
                        w.push(&ObjectLink {
                            attributes: attrs(e),
                            ..ObjectLink::path(e)
                        })
                    });
                }
                r
            };
        for r in records {
            let p = r.path.without_prefix();
            if own.depth() <= 2 {
                let instance = p
                    .object_id()
                    .zip(p.instance_id())
                    .map(|(o, i)| Path::instance(o, i));
                if let Some(i) = instance.filter(|i| last_instance != Some(*i)) {
                    written = written.and_then(|()| push_exec(&mut w, &mut exec, None));
                    last_instance = Some(i);
                    if own.depth() == 1 {
                        written = written.and_then(|()| {
                            w.push(&ObjectLink {
                                attributes: attrs(i),
                                ..ObjectLink::path(i)
                            })
                        });
                    }
                    let q = path.prefix().map_or(i, |x| i.with_prefix(x).unwrap_or(i));
                    exec = Executables::of(tree, i, &q);
                }
            }
            let Some(res) = truncate3(p) else {
                continue;
            };
            if res == own || last_resource == Some(res) {
                continue;
            }
            last_resource = Some(res);
            written = written.and_then(|()| push_exec(&mut w, &mut exec, res.resource_id()));
            exec.skip(res.resource_id());
            written = written.and_then(|()| {
                w.push(&ObjectLink {
                    attributes: attrs(res),
                    dim: dim(res),
                    ..ObjectLink::path(res)
                })
            });
        }
        written = written.and_then(|()| push_exec(&mut w, &mut exec, None));
        match written {
            Ok(()) => Answer::content(ContentFormat::LINK_FORMAT),
            Err(_) => Answer::code(Code::INTERNAL_SERVER_ERROR),
        }
    }
}

/// The executable resources of one instance a Discover lists ([`ObjectTree::executables`]),
/// those not listed yet.
#[derive(Default)]
struct Executables {
    instance: Option<Path<'static>>,
    ids: [u16; 16],
    len: usize,
    next: usize,
}

impl Executables {
    /// Those of `instance` (`named`, with the Discover's gateway prefix, as the tree knows it).
    fn of<T: ObjectTree + ?Sized>(tree: &T, instance: Path<'static>, named: &Path<'_>) -> Self {
        let mut e = Executables {
            instance: Some(instance),
            ..Executables::default()
        };
        tree.executables(named, &mut |id| {
            if let Some(slot) = e.ids.get_mut(e.len) {
                *slot = id;
                e.len = e.len.saturating_add(1);
            }
        });
        e
    }

    /// The next one whose id is below `limit` (any, without), as a path.
    fn next_below(&mut self, limit: Option<u16>) -> Option<Path<'static>> {
        let ids = self.ids.get(..self.len).unwrap_or_default();
        let &id = ids
            .get(self.next)
            .filter(|&&id| limit.is_none_or(|l| id < l))?;
        self.next = self.next.saturating_add(1);
        let (o, i) = self
            .instance?
            .object_id()
            .zip(self.instance?.instance_id())?;
        Some(Path::resource(o, i, id))
    }

    /// Passes over `id`, listed as a resource read.
    fn skip(&mut self, id: Option<u16>) {
        let ids = self.ids.get(..self.len).unwrap_or_default();
        if id.is_some() && ids.get(self.next).copied() == id {
            self.next = self.next.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Opaque, Record};

    /// One Opaque resource /19/0/0 and one Integer /19/0/1.
    struct Data;

    impl ObjectTree for Data {
        fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
            f(ObjectLink::path(Path::instance(19, 0)));
        }
        fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
            let all = [
                Record::new(
                    Path::resource(19, 0, 0),
                    Value::Opaque(Opaque::Raw(&[1, 0xff])),
                ),
                Record::new(Path::resource(19, 0, 1), Value::Int(7)),
            ];
            for r in all.into_iter().filter(|r| path.contains(&r.path)) {
                out.push(r)?;
            }
            Ok(())
        }
    }

    #[test]
    fn a_read_without_accept_answers_an_opaque_value_as_opaque() {
        let mut buf = [0u8; 64];
        let mut answered = |path: Path<'_>, accept: Option<ContentFormat>| {
            let mut w = Window::new(&mut buf, 0);
            let a = read(&Data, &path, accept, &mut w);
            let (_, _, n) = w.finish();
            (a.code, a.format, buf.get(..n).map(<[u8]>::to_vec))
        };
        let opaque = Path::resource(19, 0, 0);
        let raw = Some(std::vec![1, 0xff]);
        let want = (Code::CONTENT, Some(ContentFormat::OCTET_STREAM), raw);
        assert_eq!(answered(opaque, None), want);
        // Asked for in text/plain: base64 (Core 1.0 §6.4.1).
        let text = (
            Code::CONTENT,
            Some(ContentFormat::TEXT_PLAIN),
            Some(b"Af8=".to_vec()),
        );
        assert_eq!(answered(opaque, Some(ContentFormat::TEXT_PLAIN)), text);
        let int = (
            Code::CONTENT,
            Some(ContentFormat::TEXT_PLAIN),
            Some(b"7".to_vec()),
        );
        assert_eq!(answered(Path::resource(19, 0, 1), None), int);
        let (_, format, _) = answered(Path::instance(19, 0), None);
        assert_eq!(format, Some(ContentFormat::LWM2M_TLV));
    }
}
