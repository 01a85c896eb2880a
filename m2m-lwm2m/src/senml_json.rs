//! SenML JSON, Content-Format 110 (RFC 8428 §4 and §5; OMA-TS-LightweightM2M_Core 1.1 §7.4.4):
//! a JSON array of records, each a flat object of labelled fields, with LwM2M's `vlo` object
//! link value.
//!
//! [`decode`] reads a body lazily and without allocation, one [`Record`] at a time, borrowing
//! every string and name from the body (escapes checked, resolved when read: [`Text`]), `vd`
//! as [`Opaque::Base64`] (checked), or [`Opaque::Base64Escaped`] when written with escapes
//! (`\/`). Base fields are resolved by the one [`Resolver`] that SenML
//! CBOR shares. [`encoded_len`] and [`encode`] write records back, sized first, into a slice.
//!
//! Panics: none, on any input.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::iter::FusedIterator;

use crate::base64::{self, Alphabet};
use crate::error::{Error, Reason};
use crate::json::{Json, Lexer};
use crate::path::Path;
use crate::senml::{Number, RawRecord, RawValue, Resolver};
use crate::sink::{Counter, Sink, Slice};
use crate::value::{Opaque, Record, Text, Value};

/// Which SenML body a decoder or encoder handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A SenML pack (RFC 8428): records with values, or names only (LwM2M Read-Composite).
    Pack,
    /// A SenML-ETCH FETCH body (RFC 8790 §5): names (and times) only.
    Fetch,
    /// A SenML-ETCH (i)PATCH body (RFC 8790 §6): each record a value or a `null` that removes.
    Patch,
}

/// Decodes a SenML JSON body (RFC 8428 §5) into its records, lazily.
///
/// Strict RFC 8259 JSON (§2 whitespace, §6 numbers, §7 strings, UTF-8 checked first). Labels:
/// `bn bt bu bv bs bver n u v vs vb vd s t ut` and LwM2M's `vlo`. An unknown label ending in
/// `_` is [`Reason::BadField`] (RFC 8428 §4.4), other unknown labels are skipped; a label twice
/// in a record is [`Reason::BadField`], a second value field [`Reason::BadValue`]. A record
/// without a value field gives `value: None` (a Read-Composite request). A number without a
/// fraction or exponent is an integer (`Value::Int`, or `Value::Uint` above `i64::MAX`; one
/// beyond 64 bits reads as a float), any other a finite `Value::Float`. Read a value as its
/// resource's type with [`Value::typed`] (a Time or Unsigned Integer arrives as an integer).
#[must_use]
pub fn decode(body: &[u8]) -> Decoder<'_> {
    Decoder::new(body, Mode::Pack)
}

/// The records of a SenML JSON body (RFC 8428 §5; OMA-TS-LightweightM2M_Core 1.1 §7.4.4) or
/// SenML-ETCH JSON body (RFC 8790 §5, §6), in order; an `Iterator` of `Result<Record, Error>`
/// that ends after the first error (it is fused). Errors carry the byte offset in the body
/// (for a path that does not parse: the record's offset plus the place in its name).
/// Allocates nothing; never panics.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    lex: Lexer<'a>,
    resolver: Resolver<'a>,
    mode: Mode,
    state: State,
    /// Whether [`Decoder::fast_record`] is tried first (always, but in the tests that compare
    /// it with the general way).
    fast: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    /// Inside the array; `true` before the first record.
    Records(bool),
    Done,
    /// The body is not UTF-8: this error, then nothing.
    Failed(Error),
}

impl<'a> Decoder<'a> {
    pub(crate) fn new(body: &'a [u8], mode: Mode) -> Self {
        let (lex, state) = match Lexer::new(body) {
            Ok(lex) => (lex, State::Start),
            Err(e) => (Lexer::empty(), State::Failed(e)),
        };
        Decoder {
            lex,
            resolver: Resolver::new(),
            mode,
            state,
            fast: mode == Mode::Pack,
        }
    }

    /// The byte offset reached in the body.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.lex.pos()
    }

    /// The next record, or `None` at the end of the array (and of the body).
    #[inline]
    fn step(&mut self) -> Option<Result<Record<'a>, Error>> {
        let mut first = match self.state {
            State::Done => return None,
            State::Failed(e) => return Some(Err(e)),
            State::Start => {
                if let Err(e) = self.lex.begin_array() {
                    return Some(Err(e));
                }
                true
            }
            State::Records(first) => first,
        };
        match self.lex.next_element(&mut first) {
            Ok(true) => {}
            Ok(false) => {
                self.state = State::Done;
                return self.lex.end().err().map(Err);
            }
            Err(e) => return Some(Err(e)),
        }
        self.state = State::Records(first);
        if self.fast {
            if let Some(r) = self.fast_record() {
                return Some(Ok(r));
            }
        }
        let mut raw = RawRecord::default();
        Some(
            record(&mut self.lex, self.mode, &mut raw)
                .and_then(|at| self.resolver.resolve(&raw, at)),
        )
    }
}

impl<'a> Decoder<'a> {
    /// The record at the cursor when it is of the shape this crate's encoder and most others
    /// write, read directly: `{"n":"<ids>",<value>}` with no whitespace, the first record
    /// perhaps with `"bn":"<path>/"` before its `n`, the value one of `"v":<integer>`,
    /// `"vs":"<text without escapes>"`, `"vb":true|false`, or none; its name extends the base
    /// name ([`Resolver::plain_base_with`]). `None` (the cursor where it was) sends the caller
    /// the general way, which reads the record again and decides; every record read here, it
    /// resolves the same.
    #[inline(always)]
    fn fast_record(&mut self) -> Option<Record<'a>> {
        let text = self.lex.text();
        let b = self.lex.rest();
        let b = match *b {
            [b'{', ref rest @ ..] => rest,
            _ => return None,
        };
        let (bn, b) = match *b {
            [b'"', b'b', b'n', b'"', b':', b'"', ref rest @ ..] => match plain(text, rest)? {
                (bn, [b',', rest @ ..]) => (Some(bn), rest),
                _ => return None,
            },
            _ => (None, b),
        };
        let (name, b) = match *b {
            [b'"', b'n', b'"', b':', b'"', ref rest @ ..] => plain(text, rest)?,
            _ => return None,
        };
        let (value, b) = match *b {
            [b',', b'"', b'v', b'"', b':', ref rest @ ..] => {
                let (i, rest) = integer(rest)?;
                (Some(Value::Int(i)), rest)
            }
            [b',', b'"', b'v', b's', b'"', b':', b'"', ref rest @ ..] => {
                let (s, rest) = plain(text, rest)?;
                (Some(Value::Str(Text::Plain(s))), rest)
            }
            [
                b',',
                b'"',
                b'v',
                b'b',
                b'"',
                b':',
                b't',
                b'r',
                b'u',
                b'e',
                ref rest @ ..,
            ] => (Some(Value::Bool(true)), rest),
            [
                b',',
                b'"',
                b'v',
                b'b',
                b'"',
                b':',
                b'f',
                b'a',
                b'l',
                b's',
                b'e',
                ref rest @ ..,
            ] => (Some(Value::Bool(false)), rest),
            _ => (None, b),
        };
        let [b'}', ref rest @ ..] = *b else {
            return None;
        };
        let base = self.resolver.plain_base_with(bn)?;
        let path = crate::senml::extend(base, name.as_bytes())?;
        if let Some(bn) = bn {
            self.resolver.set_plain_base(bn, base);
        }
        self.lex.seek(text.len().saturating_sub(rest.len()));
        Some(Record {
            path,
            value,
            time: None,
        })
    }
}

/// The body of a JSON string without escapes from `b` (the bytes after its `"`, a tail of
/// `text`) and the bytes after its closing `"`.
#[inline(always)]
fn plain<'a>(text: &'a str, b: &'a [u8]) -> Option<(&'a str, &'a [u8])> {
    let i = crate::json::find_stop(b)?;
    let (s, rest) = b.split_at_checked(i)?;
    let [b'"', ref rest @ ..] = *rest else {
        return None;
    };
    let start = text.len().saturating_sub(b.len());
    Some((text.get(start..start.saturating_add(s.len()))?, rest))
}

/// A JSON integer (RFC 8259 §6: `-`, then `0` or digits without a leading zero) of at most 18
/// digits, with no fraction or exponent after it, and the bytes after it; `None` for any other
/// number (read the general way).
#[inline(always)]
fn integer(b: &[u8]) -> Option<(i64, &[u8])> {
    let (negative, mut rest) = match *b {
        [b'-', ref rest @ ..] => (true, rest),
        _ => (false, b),
    };
    let digits = rest;
    let mut v = 0i64;
    let mut n = 0usize;
    while let [d @ b'0'..=b'9', ref tail @ ..] = *rest {
        if n >= 18 {
            return None;
        }
        v = v
            .wrapping_mul(10)
            .wrapping_add(i64::from(d.wrapping_sub(b'0')));
        n = n.wrapping_add(1);
        rest = tail;
    }
    let leading_zero = n > 1 && digits.first() == Some(&b'0');
    if n == 0 || leading_zero || matches!(rest.first(), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    Some((if negative { v.wrapping_neg() } else { v }, rest))
}

impl<'a> Iterator for Decoder<'a> {
    type Item = Result<Record<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let item = self.step();
        if !matches!(item, Some(Ok(_))) {
            self.state = State::Done;
        }
        item
    }
}

impl FusedIterator for Decoder<'_> {}

/// The field a label names, as a bit of the record's "seen" set.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    BaseName,
    BaseTime,
    BaseUnit,
    BaseValue,
    BaseSum,
    BaseVersion,
    Name,
    Unit,
    Value,
    StringValue,
    BoolValue,
    DataValue,
    LinkValue,
    Sum,
    Time,
    UpdateTime,
}

impl Field {
    fn of(label: &[u8]) -> Option<Field> {
        // Slice patterns: a length check and byte compares, no memcmp.
        Some(match *label {
            [b'n'] => Field::Name,
            [b'v'] => Field::Value,
            [b't'] => Field::Time,
            [b'u'] => Field::Unit,
            [b's'] => Field::Sum,
            [b'v', b's'] => Field::StringValue,
            [b'b', b'n'] => Field::BaseName,
            [b'b', b't'] => Field::BaseTime,
            [b'v', b'b'] => Field::BoolValue,
            [b'v', b'd'] => Field::DataValue,
            [b'b', b'u'] => Field::BaseUnit,
            [b'b', b'v'] => Field::BaseValue,
            [b'b', b's'] => Field::BaseSum,
            [b'u', b't'] => Field::UpdateTime,
            [b'v', b'l', b'o'] => Field::LinkValue,
            [b'b', b'v', b'e', b'r'] => Field::BaseVersion,
            _ => return None,
        })
    }

    const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// One record object (the cursor on its `{`) and its offset.
/// `raw` is filled (it must be fresh); returns the record's offset.
pub(crate) fn record<'a>(
    lex: &mut Lexer<'a>,
    mode: Mode,
    raw: &mut RawRecord<'a>,
) -> Result<usize, Error> {
    let at = lex.begin_object()?;
    let mut seen = 0u32;
    let mut first = true;
    let mut removal = false;
    let mut buf = [0u8; 8];
    while let Some((label, key_at)) = lex.next_key(&mut first)? {
        let key = label.bytes(&mut buf);
        let Some(field) = Field::of(key) else {
            unknown(lex, key, key_at)?;
            continue;
        };
        if seen & field.bit() != 0 {
            return Err(Error::new(key_at, Reason::BadField));
        }
        // A Fetch Record holds names, times and units only (RFC 8790 §3.1); values are
        // refused below.
        if mode == Mode::Fetch
            && matches!(
                field,
                Field::Sum | Field::UpdateTime | Field::BaseValue | Field::BaseSum
            )
        {
            return Err(Error::new(key_at, Reason::BadField));
        }
        seen |= field.bit();
        let is_value = matches!(
            field,
            Field::Value
                | Field::StringValue
                | Field::BoolValue
                | Field::DataValue
                | Field::LinkValue
        );
        if is_value {
            if raw.value.is_some() || removal || mode == Mode::Fetch {
                return Err(Error::new(key_at, Reason::BadValue));
            }
            if mode == Mode::Patch && lex.null()? {
                removal = true;
                raw.value = Some(RawValue::Null);
                continue;
            }
        }
        match field {
            Field::BaseName => raw.base_name = Some(string(lex)?),
            Field::BaseTime => raw.base_time = Some(number(lex)?),
            Field::BaseUnit => raw.base_unit = Some(string(lex)?),
            Field::BaseValue => raw.base_value = Some(number(lex)?),
            Field::BaseSum => raw.base_sum = Some(number(lex)?),
            Field::BaseVersion => {
                let v_at = lex.pos();
                raw.base_version = Some(match number(lex)? {
                    Number::Int(v) => {
                        u64::try_from(v).map_err(|_| Error::new(v_at, Reason::BadField))?
                    }
                    Number::Uint(v) => v,
                    Number::Float(_) => return Err(Error::new(v_at, Reason::BadField)),
                });
            }
            Field::Name => raw.name = Some(string(lex)?),
            Field::Unit => raw.unit = Some(string(lex)?),
            Field::Value => raw.value = Some(RawValue::Number(number(lex)?)),
            Field::StringValue => raw.value = Some(RawValue::String(string(lex)?)),
            Field::BoolValue => {
                let v_at = lex.pos();
                let b = lex.boolean()?.ok_or(Error::new(v_at, Reason::BadField))?;
                raw.value = Some(RawValue::Bool(b));
            }
            Field::DataValue => raw.value = Some(RawValue::Data(data(lex)?)),
            Field::LinkValue => raw.value = Some(RawValue::ObjLink(string(lex)?)),
            Field::Sum => raw.sum = Some(number(lex)?),
            Field::Time => raw.time = Some(number(lex)?),
            Field::UpdateTime => raw.update_time = Some(number(lex)?),
        }
    }
    if mode == Mode::Patch && raw.value.is_none() && !removal {
        return Err(Error::new(at, Reason::BadValue));
    }
    Ok(at)
}

/// An unknown label: an error if it must be understood (RFC 8428 §4.4), else its value is
/// skipped.
pub(crate) fn unknown(lex: &mut Lexer<'_>, key: &[u8], key_at: usize) -> Result<(), Error> {
    if key.last() == Some(&b'_') {
        return Err(Error::new(key_at, Reason::BadField));
    }
    lex.skip_value()
}

/// A string field's value; another JSON type is [`Reason::BadField`].
pub(crate) fn string<'a>(lex: &mut Lexer<'a>) -> Result<Text<'a>, Error> {
    if lex.peek() != Some(b'"') {
        return Err(field_type(lex));
    }
    lex.string()
}

/// A number field's value; another JSON type is [`Reason::BadField`].
pub(crate) fn number(lex: &mut Lexer<'_>) -> Result<Number, Error> {
    if !matches!(lex.peek(), Some(b'-' | b'0'..=b'9')) {
        return Err(field_type(lex));
    }
    lex.number()
}

fn field_type(lex: &Lexer<'_>) -> Error {
    let e = lex.unexpected();
    if e.reason == Reason::Truncated {
        e
    } else {
        Error::new(lex.pos(), Reason::BadField)
    }
}

/// A base64 field's value, checked to decode (escapes resolved: some JSON writers put `/` as
/// `\/`).
pub(crate) fn data<'a>(lex: &mut Lexer<'a>) -> Result<Opaque<'a>, Error> {
    let at = lex.pos().saturating_add(1);
    match string(lex)? {
        Text::Plain(text) => {
            base64::decoded_len(text).map_err(|e| e.shifted(at))?;
            if let Some(Err(e)) = base64::decode_iter(text).find(Result::is_err) {
                return Err(e.shifted(at));
            }
            Ok(Opaque::Base64(text))
        }
        Text::JsonEscaped(raw) => {
            // Offsets within the text once unescaped: the string's start is named.
            let bad = Error::new(at, Reason::BadBase64);
            base64::decoded_len_escaped(raw).map_err(|_| bad)?;
            if base64::decode_escaped(raw).any(|r| r.is_err()) {
                return Err(bad);
            }
            Ok(Opaque::Base64Escaped(raw))
        }
        Text::CborChunks(_) => Err(Error::new(at, Reason::BadBase64)),
    }
}

/// The number of bytes [`encode`] writes for `records`.
///
/// Errors: [`Reason::Unrepresentable`] for a non-finite float or time, or an untyped value
/// (SenML JSON carries types); the offset is where in the output it would have been written.
pub fn encoded_len(records: &[Record<'_>]) -> Result<usize, Error> {
    let mut c = Counter::default();
    write(records, Mode::Pack, &mut c)?;
    Ok(c.0)
}

/// Writes `records` as SenML JSON into `out` and returns the number of bytes written; into
/// exactly [`encoded_len`] bytes it succeeds.
///
/// The output is deterministic: no whitespace; a base name `bn` (on the first record) when the
/// records share a path prefix, above every record, that makes the body shorter, and names `n`
/// relative to it (so every name resolves to a path, never to one with a `/` after it); then
/// the value field: `v` for numbers (Time
/// and integers as integers, floats as the shortest text that reads back as the same float,
/// with a `.0` or an exponent), `vs` for String and Corelnk, `vb`, `vd` in base64url without
/// padding, `vlo` for Objlnk; then `t` for a time. A record without a value is written with its
/// name only (Read-Composite).
pub fn encode(records: &[Record<'_>], out: &mut [u8]) -> Result<usize, Error> {
    let mut s = Slice::new(out);
    write(records, Mode::Pack, &mut s)?;
    Ok(s.written())
}

/// The base name for `records`: their longest common path prefix that is shorter than every
/// record's path, when writing it as `bn` and the names relative to it is shorter than the
/// full names.
pub(crate) fn base_name<'a>(records: &[Record<'a>]) -> Option<Path<'a>> {
    let base = common_base(records)?;
    // `"bn":"<base>/",` (base + 9 bytes) against what it saves: `"n":"<name>",` loses the
    // base and its `/` (base + 1 bytes).
    let base_len = base.text_len();
    let saved = records.len().saturating_mul(base_len.saturating_add(1));
    (saved > base_len.saturating_add(9)).then_some(base)
}

/// The deepest path above every record (none at it), if the records share one but the root.
pub(crate) fn common_base<'a>(records: &[Record<'a>]) -> Option<Path<'a>> {
    let head = records.first()?;
    let prefix = head.path.prefix();
    let mut common = head.path.depth();
    // How many records have each depth.
    let mut at_depth = [0usize; 5];
    for r in records {
        common = common.min(head.path.common_depth(&r.path));
        if r.path.prefix() != prefix || (common == 0 && prefix.is_none()) {
            return None;
        }
        if let Some(n) = at_depth.get_mut(r.path.depth()) {
            *n = n.saturating_add(1);
        }
    }
    // No record may stand at the base itself: its name would be the base name with the `/`
    // after it (`"bn":"/1024/0/1/0/"` and no `n`), which is no LwM2M path (Core 1.1 §7.4.4
    // names a resource by its path, and the specification writes a path alone as
    // `"bn":"/3/0/0"`); Wakaama refuses such a name. The base is one level up then.
    if at_depth.get(common).copied().unwrap_or(0) > 0 {
        common = common.checked_sub(1)?;
        if common == 0 && prefix.is_none() {
            return None;
        }
    }
    let mut base = head.path;
    while base.depth() > common {
        base = base.parent()?;
    }
    Some(base)
}

/// The ids of `path` from level `from` on, `/`-separated; with `leading`, a `/` first (and the
/// gateway prefix before the ids, or `/` alone for the root).
pub(crate) fn put_path<S: Json>(
    sink: &mut S,
    path: &Path<'_>,
    from: usize,
    leading: bool,
) -> Result<(), Error> {
    if leading {
        if let Some(p) = path.prefix() {
            sink.put(b"/")?;
            sink.str(p)?;
        } else if path.depth() == 0 {
            return sink.put(b"/");
        }
    }
    sink.ids(path.levels().get(from..).unwrap_or_default(), leading)
}

/// Writes a whole SenML JSON body in `mode`. Adjacent literals are written in one piece
/// (`},{`, `,"n":"`), each piece of a constant length.
pub(crate) fn write<S: Json>(
    records: &[Record<'_>],
    mode: Mode,
    sink: &mut S,
) -> Result<(), Error> {
    let base = base_name(records);
    if records.is_empty() {
        return sink.put(b"[]");
    }
    for (i, r) in records.iter().enumerate() {
        let mut sep = true;
        match (i, base) {
            (0, Some(b)) => {
                sink.put(b"[{\"bn\":\"")?;
                put_path(sink, &b, 0, true)?;
                sink.put(b"/\"")?;
            }
            (0, None) => {
                sink.put(b"[{")?;
                sep = false;
            }
            _ => {
                sink.put(b"},{")?;
                sep = false;
            }
        }
        match base {
            Some(b) if r.path.depth() == b.depth() => {}
            Some(b) => {
                if sep {
                    sink.put(b",\"n\":\"")?;
                } else {
                    sink.put(b"\"n\":\"")?;
                }
                put_path(sink, &r.path, b.depth(), false)?;
                sink.put(b"\"")?;
                sep = true;
            }
            None => {
                sink.put(b"\"n\":\"")?;
                put_path(sink, &r.path, 0, true)?;
                sink.put(b"\"")?;
                sep = true;
            }
        }
        match (r.value, mode) {
            (Some(_), Mode::Fetch) => {
                return Err(Error::new(sink.written(), Reason::BadValue));
            }
            (Some(Value::Null), Mode::Patch) => {
                if sep {
                    sink.put(b",\"v\":null")?;
                } else {
                    sink.put(b"\"v\":null")?;
                }
                sep = true;
            }
            (Some(v), _) => {
                if sep {
                    sink.put(b",")?;
                }
                value(sink, &v)?;
                sep = true;
            }
            (None, Mode::Patch) => {
                return Err(Error::new(sink.written(), Reason::BadValue));
            }
            (None, _) => {}
        }
        if let Some(t) = r.time {
            if sep {
                sink.put(b",\"t\":")?;
            } else {
                sink.put(b"\"t\":")?;
            }
            sink.time(t)?;
        }
    }
    sink.put(b"}]")
}

/// The labels a JSON format writes each kind of value under, each with its `"` and `:`.
pub(crate) struct Labels {
    /// String and Corelnk.
    pub(crate) string: &'static [u8],
    /// Integers, Time and floats.
    pub(crate) number: &'static [u8],
    /// A boolean, with its value.
    pub(crate) yes: &'static [u8],
    pub(crate) no: &'static [u8],
    /// Opaque, and the base64 alphabet of its text.
    pub(crate) opaque: &'static [u8],
    pub(crate) alphabet: Alphabet,
    /// Objlnk, as `"object:instance"`.
    pub(crate) objlink: &'static [u8],
}

/// SenML JSON's labels (RFC 8428 §4.2; `vlo`, Core 1.1 §7.4.4).
const SENML: Labels = Labels {
    string: b"\"vs\":",
    number: b"\"v\":",
    yes: b"\"vb\":true",
    no: b"\"vb\":false",
    opaque: b"\"vd\":",
    alphabet: Alphabet::UrlNoPad,
    objlink: b"\"vlo\":",
};

/// `"label":value` for one value.
fn value<S: Json>(sink: &mut S, v: &Value<'_>) -> Result<(), Error> {
    value_as(sink, v, &SENML)
}

/// `"label":value` for one value, under the labels of a JSON format. Null (only an (i)PATCH
/// carries one, written by its caller) and untyped values are [`Reason::Unrepresentable`].
#[inline(always)]
pub(crate) fn value_as<S: Json>(sink: &mut S, v: &Value<'_>, labels: &Labels) -> Result<(), Error> {
    match *v {
        Value::Null | Value::Untyped(_) => Err(Error::new(sink.written(), Reason::Unrepresentable)),
        Value::Str(t) | Value::CoreLink(t) => {
            sink.put(labels.string)?;
            sink.string(t)
        }
        Value::Int(i) | Value::Time(i) => {
            sink.put(labels.number)?;
            sink.int(i)
        }
        Value::Uint(u) => {
            sink.put(labels.number)?;
            sink.uint(u)
        }
        Value::Float(f) => {
            sink.put(labels.number)?;
            sink.float(f)
        }
        Value::Bool(b) => sink.put(if b { labels.yes } else { labels.no }),
        Value::Opaque(o) => {
            sink.put(labels.opaque)?;
            sink.base64(o, labels.alphabet)
        }
        Value::ObjLink(l) => {
            sink.put(labels.objlink)?;
            sink.objlink(l)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::ObjLink;
    extern crate std;
    use std::string::String;
    use std::vec::Vec;

    fn all(body: &str) -> Result<Vec<Record<'_>>, Error> {
        decode(body.as_bytes()).collect()
    }

    fn enc(records: &[Record<'_>]) -> String {
        let n = encoded_len(records).unwrap();
        let mut out = std::vec![0u8; n];
        assert_eq!(encode(records, &mut out).unwrap(), n);
        // One byte less does not fit.
        if n > 0 {
            assert_eq!(
                encode(records, &mut out[..n.saturating_sub(1)])
                    .unwrap_err()
                    .reason,
                Reason::BufferTooSmall
            );
        }
        String::from_utf8(out).unwrap()
    }

    /// OMA-TS-LightweightM2M_Core 1.1 §7.4.4: Read of the Device object instance /3/0.
    const DEVICE: &str = r#"[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},
{"n":"1","vs":"Lightweight M2M Client"},{"n":"2","vs":"345000123"},{"n":"3","vs":"1.0"},
{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},
{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},{"n":"10","v":15},
{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","vs":"+02:00"},{"n":"16","vs":"U"}]"#;

    /// A `vd` written with JSON escapes (`\/` for `/`, as PHP and some Java writers put it,
    /// or `\u0041`) is the same base64 text; one that is no base64 once unescaped is refused.
    #[test]
    fn data_with_escapes_reads_as_without() {
        let plain =
            all(r#"[{"n":"/30000/0/1","vd":"AQ//"},{"n":"/30000/0/2","vd":"AQID"}]"#).unwrap();
        let escaped =
            all(r#"[{"n":"/30000/0/1","vd":"AQ\/\/"},{"n":"/30000/0/2","vd":"\u0041QID"}]"#)
                .unwrap();
        assert_eq!(escaped, plain);
        let Some(Value::Opaque(o)) = escaped[0].value else {
            panic!("opaque")
        };
        assert_eq!(
            (o.len(), o.bytes().collect::<Vec<_>>()),
            (3, std::vec![1, 15, 255])
        );
        let mut out = [0u8; 3];
        assert_eq!(o.write_into(&mut out), Ok(3));
        assert_eq!(out, [1, 15, 255]);
        for bad in [
            r#"[{"n":"/30000/0/1","vd":"A\/"}]"#,
            r#"[{"n":"/30000/0/1","vd":"\u00e9AAA"}]"#,
        ] {
            assert_eq!(all(bad).unwrap_err().reason, Reason::BadBase64, "{bad}");
        }
    }

    #[test]
    fn decodes_the_device_object() {
        let recs = all(DEVICE).unwrap();
        assert_eq!(recs.len(), 16);
        assert_eq!(recs[0].path, Path::resource(3, 0, 0));
        assert_eq!(
            recs[0].value,
            Some(Value::Str(Text::Plain("Open Mobile Alliance")))
        );
        assert_eq!(recs[6].path, Path::resource_instance(3, 0, 7, 0));
        assert_eq!(recs[6].value, Some(Value::Int(3800)));
        assert_eq!(recs[13].value, Some(Value::Int(1_367_491_215)));
        assert_eq!(recs[15].path, Path::resource(3, 0, 16));
        assert!(recs.iter().all(|r| r.time.is_none()));
        // And back: the same records, `bn` chosen the same way.
        let again = enc(&recs);
        assert_eq!(again, DEVICE.replace('\n', ""));
    }

    #[test]
    fn every_value_kind() {
        let body = r#"[{"n":"/1/0/1","v":-5},{"n":"/1/0/2","v":21.0},{"n":"/1/0/3","vb":true},
            {"n":"/1/0/4","vd":"AQID"},{"n":"/1/0/5","vlo":"65535:65535"},
            {"n":"/1/0/6","vs":"a\u00e9\"b"},{"n":"/1/0/7","v":18446744073709551615,"t":-5},
            {"n":"/1/0/8"}]"#;
        let recs = all(body).unwrap();
        let values: Vec<_> = recs.iter().map(|r| r.value).collect();
        assert_eq!(values[0], Some(Value::Int(-5)));
        assert_eq!(values[1], Some(Value::Float(21.0)));
        assert_eq!(values[2], Some(Value::Bool(true)));
        assert_eq!(values[3], Some(Value::Opaque(Opaque::Raw(&[1, 2, 3]))));
        assert_eq!(values[4], Some(Value::ObjLink(ObjLink::NULL)));
        assert!(matches!(values[5], Some(Value::Str(Text::JsonEscaped(_)))));
        assert_eq!(values[5], Some(Value::Str(Text::Plain("aé\"b"))));
        assert_eq!(values[6], Some(Value::Uint(u64::MAX)));
        assert_eq!(recs[6].time, Some(-5.0));
        assert_eq!(values[7], None);
        let text = enc(&recs);
        assert_eq!(
            text,
            r#"[{"bn":"/1/0/","n":"1","v":-5},{"n":"2","v":21.0},{"n":"3","vb":true},{"n":"4","vd":"AQID"},{"n":"5","vlo":"65535:65535"},{"n":"6","vs":"aé\"b"},{"n":"7","v":18446744073709551615,"t":-5},{"n":"8"}]"#
        );
        assert_eq!(all(&text).unwrap(), recs);
    }

    #[test]
    fn base_name_only_when_shorter() {
        let one = [Record::new(Path::resource(3, 0, 9), Value::Int(95))];
        assert_eq!(enc(&one), r#"[{"n":"/3/0/9","v":95}]"#);
        let two = [
            Record::new(Path::resource(3303, 0, 5700), Value::Float(21.5)).at(1.6e9),
            Record::new(
                Path::resource(3303, 0, 5701),
                Value::Str(Text::Plain("Cel")),
            ),
        ];
        // A tie (36 bytes either way): no base name.
        assert_eq!(
            enc(&two),
            r#"[{"n":"/3303/0/5700","v":21.5,"t":1600000000},{"n":"/3303/0/5701","vs":"Cel"}]"#
        );
        let three = [
            two[0],
            two[1],
            Record::new(Path::resource(3303, 0, 5601), Value::Float(-3.25)),
        ];
        assert_eq!(
            enc(&three),
            r#"[{"bn":"/3303/0/","n":"5700","v":21.5,"t":1600000000},{"n":"5701","vs":"Cel"},{"n":"5601","v":-3.25}]"#
        );
        let apart = [
            Record::path_only(Path::resource(3, 0, 1)),
            Record::path_only(Path::instance(1, 0)),
        ];
        assert_eq!(enc(&apart), r#"[{"n":"/3/0/1"},{"n":"/1/0"}]"#);
        let inst = [
            Record::path_only(Path::instance(3, 0)),
            Record::path_only(Path::resource(3, 0, 1)),
            Record::path_only(Path::resource(3, 0, 2)),
        ];
        // Not `[{"bn":"/3/0/"},{"n":"1"},{"n":"2"}]`: the first name would be `/3/0/`.
        let text = enc(&inst);
        assert_eq!(text, r#"[{"n":"/3/0"},{"n":"/3/0/1"},{"n":"/3/0/2"}]"#);
        assert_eq!(all(&text).unwrap(), inst);
        let gw = [
            Record::new(
                Path::resource(3, 0, 0).with_prefix("dev1").unwrap(),
                Value::Int(1),
            ),
            Record::new(
                Path::resource(3, 0, 1).with_prefix("dev1").unwrap(),
                Value::Int(2),
            ),
        ];
        let text = enc(&gw);
        assert_eq!(
            text,
            r#"[{"bn":"/dev1/3/0/","n":"0","v":1},{"n":"1","v":2}]"#
        );
        assert_eq!(all(&text).unwrap(), gw);
        assert_eq!(enc(&[]), "[]");
    }

    #[test]
    fn unrepresentable_values() {
        let nan = [Record::new(Path::resource(1, 0, 1), Value::Float(f64::NAN))];
        assert_eq!(
            encoded_len(&nan).unwrap_err(),
            Error::new(19, Reason::Unrepresentable)
        );
        let untyped = [Record::new(
            Path::resource(1, 0, 1),
            Value::Untyped(crate::value::Untyped::Text("1")),
        )];
        assert_eq!(
            encoded_len(&untyped).unwrap_err().reason,
            Reason::Unrepresentable
        );
        let t = [Record::new(Path::resource(1, 0, 1), Value::Int(1)).at(f64::INFINITY)];
        assert_eq!(encoded_len(&t).unwrap_err().reason, Reason::Unrepresentable);
    }

    #[test]
    fn labels_and_fields() {
        // Unknown labels are skipped, whatever their value; base fields resolve.
        let body = r#" [ {"bn":"/3303/0/","bt":1000,"bu":"Cel","bver":10,"x":{"y":[1,2]},
            "n":"5700","t":2,"v":1.5,"u":"Cel","ut":5,"s":3,"bs":1} ] "#;
        let recs = all(body).unwrap();
        assert_eq!(recs[0].path, Path::resource(3303, 0, 5700));
        assert_eq!(recs[0].time, Some(1002.0));
        assert_eq!(recs[0].value, Some(Value::Float(1.5)));
        // Base value is added (RFC 8428 §4.6).
        let recs = all(r#"[{"bn":"/1/0/","bv":10,"n":"1","v":5}]"#).unwrap();
        assert_eq!(recs[0].value, Some(Value::Int(15)));
        assert_eq!(all("[]").unwrap(), []);
    }

    #[test]
    fn broken_inputs() {
        let cases: &[(&str, usize, Reason)] = &[
            ("", 0, Reason::Truncated),
            ("{}", 0, Reason::BadJson),
            ("[", 1, Reason::Truncated),
            ("[{\"n\":\"/1/0/1\",\"v\":1},]", 22, Reason::BadJson),
            ("[{\"n\":\"/1/0/1\",\"v\":1,}]", 21, Reason::BadJson),
            ("[{\"n\":\"/1/0/1\",\"v\":01}]", 20, Reason::BadJson),
            ("[{\"n\":\"/1/0/1\",\"v\":1}] x", 23, Reason::TrailingBytes),
            (
                "[{\"n\":\"/1/0/1\",\"v\":1}]\u{c}",
                22,
                Reason::TrailingBytes,
            ),
            ("[{\"n\":\"/1/0/1\",\"v\":1,\"v\":2}]", 21, Reason::BadField),
            (
                "[{\"n\":\"/1/0/1\",\"v\":1,\"vs\":\"a\"}]",
                21,
                Reason::BadValue,
            ),
            (
                "[{\"n\":\"/1/0/1\",\"v\":1,\"x_\":1}]",
                21,
                Reason::BadField,
            ),
            ("[{\"n\":\"/1/0/1\",\"v\":\"1\"}]", 19, Reason::BadField),
            ("[{\"n\":1,\"v\":1}]", 6, Reason::BadField),
            ("[{\"n\":\"/1/0/1\",\"vb\":1}]", 20, Reason::BadField),
            ("[{\"n\":\"/1/0/1\",\"v\":null}]", 19, Reason::BadField),
            (
                "[{\"n\":\"/1/0/1\",\"vd\":\"AQIDB\"}]",
                21,
                Reason::BadBase64,
            ),
            (
                "[{\"n\":\"/1/0/1\",\"vd\":\"A!ID\"}]",
                22,
                Reason::BadBase64,
            ),
            ("[{\"n\":\"/1/0/1\",\"vlo\":\"3\"}]", 1, Reason::BadObjLink),
            ("[{\"n\":\"/1/0/1\",\"v\":1e999}]", 19, Reason::BadFloat),
            ("[{\"n\":\"1/0/1\",\"v\":1}]", 1, Reason::BadPath),
            ("[{\"v\":1}]", 1, Reason::MissingName),
            ("[{\"n\":\"/1/0/1\",\"bver\":11}]", 1, Reason::Unsupported),
            ("[{\"n\":\"/1/0/1\",\"bver\":-1}]", 22, Reason::BadField),
            ("[{\"n\":\"/1/0/1\"\"v\":1}]", 14, Reason::BadJson),
            ("[{\"n\":\"/1/0/\u{1}\"}]", 12, Reason::BadJson),
            ("[{\"n\":\"/1/0/1\",\"v\":1}{}]", 21, Reason::BadJson),
            ("[{\"n\":\"/1/0/1\",\"v\":1}", 21, Reason::Truncated),
            ("[{\"n\":\"/1/0/1\",\"vb\":tru}]", 23, Reason::BadJson),
        ];
        let wrong: Vec<_> = cases
            .iter()
            .filter_map(|&(body, offset, reason)| {
                let got = all(body).map(|r| r.len());
                (got != Err(Error::new(offset, reason))).then_some((body, got))
            })
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
        let nested = std::format!("[{{\"x\":{}{}}}]", "[".repeat(40), "]".repeat(40));
        assert_eq!(all(&nested).unwrap_err().reason, Reason::TooDeep);
        assert_eq!(
            decode(b"[{\"n\":\"\xff\"}]").next(),
            Some(Err(Error::new(7, Reason::BadUtf8)))
        );
    }

    type Items<'a> = Vec<Result<Record<'a>, Error>>;

    /// Every item of `body` by the decoder as it is, and by the general way alone.
    fn both_ways(body: &[u8]) -> (Items<'_>, Items<'_>) {
        let mut general = decode(body);
        general.fast = false;
        (decode(body).collect(), general.collect())
    }

    #[test]
    fn fast_records_agree_with_the_general_way() {
        let bodies: &[&str] = &[
            DEVICE,
            r#"[{"bn":"/3/0/","n":"0","vs":"a"},{"n":"7/1","v":-12},{"n":"9","vb":true},{"n":"9","vb":false},{"n":"1"},{"n":""}]"#,
            // Each a near miss of the fast shape, or an error the general way reports.
            r#"[{"bn":"/3/0","n":"0","v":1}]"#,
            r#"[{"bn":"3/0/","n":"0","v":1}]"#,
            r#"[{"bn":"/dev1/3/0/","n":"0","v":1},{"n":"1","v":2}]"#,
            r#"[{"bn":"/3/0/","n":"0","v":1.5},{"n":"1","v":1e3},{"n":"2","v":01},{"n":"3","v":-0}]"#,
            r#"[{"bn":"/3/0/","n":"0","v":-9223372036854775808},{"n":"1","v":999999999999999999},{"n":"2","v":9999999999999999999}]"#,
            r#"[{"bn":"/3/0/","n":"0","vs":"a\"b"},{"n":"1","vs":"\u0041"},{"n":"2","vs":"x"}]"#,
            r#"[{"bn":"/3/0/","n":"0","t":5,"v":1},{"n":"1","v":1,"t":5},{"n":"2","v":1}]"#,
            r#"[{"bn":"/3/0/","bt":5,"n":"0","v":1},{"n":"1","v":1}]"#,
            r#"[{"bn":"/3/0/","bv":5,"n":"0","v":1},{"n":"1","v":1},{"bn":"/4/0/","n":"1","v":1}]"#,
            r#"[{"bn":"/3/0/","n":"0","v":1},{"bn":"/4/0/","n":"1","v":1},{"n":"1/2","v":3}]"#,
            r#"[{"bn":"/3/0/","n":"0", "v":1},{ "n":"1","v":1},{"n" :"2","v":1},{"n":"3","v" : 1}]"#,
            r#"[{"bn":"/3/0/","n":"0","vd":"AQID"},{"n":"1","vlo":"3:0"},{"n":"2","vs":"z"}]"#,
            r#"[{"bn":"/3/0/","n":"0","v":1,"v":2}]"#,
            r#"[{"bn":"/3/0/","n":"0","v":1,"vs":"x"}]"#,
            r#"[{"bn":"/3/0/","n":"x","v":1},{"n":"1/2/3","v":1}]"#,
            r#"[{"bn":"/3/0/","n":"65535","v":1}]"#,
            r#"[{"bn":"/3/0/","n":"/1","v":1}]"#,
            r#"[{"n":"/3/0/1","v":1},{"n":"2","v":1}]"#,
            r#"[{"bn":"/3/0/","n":"0","v":1}{"n":"1","v":1}]"#,
            r#"[{"bn":"/3/0/","n":"0","v":1},{"n":"1","v":tru}]"#,
            r#"[{"bn":"/3/0/","n":"0","v":1},{"n":"1","vb":fals}]"#,
            r#"[{"bn":"/3/0/","n":"0","v":1},{"n":"1","v":-}]"#,
            r#"[{"bn":"/3/0/","n":"0","v":1},{"n":"1","v":1"#,
            r#"[{"bn":"/3/0/","n":"0","v":1},{"n":"1","vs":"ab"#,
            "[{\"bn\":\"/3/0/\",\"n\":\"0\",\"v\":1},{\"n\":\"1\",\"vs\":\"a\u{1}\"}]",
            r#"[{"bn":"/3/0/","n":"0","v":1}] x"#,
            r#"[{"bn":"/3/0/","n":"0","v":1,"x_":1}]"#,
            r#"[{"bn":"/3/0/","n":"0","v":1},{"n":"1","v":2,"bver":11}]"#,
        ];
        for body in bodies {
            let (fast, general) = both_ways(body.as_bytes());
            assert_eq!(fast, general, "{body}");
        }
        // The records of the first two bodies are all of the fast shape.
        for body in &bodies[..2] {
            let mut d = decode(body.as_bytes());
            d.lex.begin_array().unwrap();
            let mut first = true;
            while d.lex.next_element(&mut first).unwrap() {
                assert!(d.fast_record().is_some(), "{body} at {}", d.lex.pos());
            }
        }
    }

    #[test]
    fn fast_records_agree_with_the_general_way_on_any_change() {
        // Every one-byte change of a small fast-shaped body, to a byte that matters to JSON.
        let body = br#"[{"bn":"/3/0/","n":"0","vs":"ab"},{"n":"7/1","v":-12},{"n":"9","vb":true},{"n":"10"}]"#;
        let alphabet = b"{}[],:\\\" 0159-.eEabnstvf/\x01";
        for at in 0..body.len() {
            for &b in alphabet {
                let mut v = body.to_vec();
                v[at] = b;
                let (fast, general) = both_ways(&v);
                assert_eq!(fast, general, "{}", String::from_utf8_lossy(&v));
            }
        }
    }

    #[test]
    fn fused_after_an_error() {
        let mut d = decode(br#"[{"n":"/1/0/1","v":1},{"v":1},{"n":"/1/0/2","v":2}]"#);
        assert!(d.next().unwrap().is_ok());
        assert_eq!(d.next(), Some(Err(Error::new(22, Reason::MissingName))));
        assert_eq!(d.next(), None);
        assert_eq!(d.next(), None);
    }
}
