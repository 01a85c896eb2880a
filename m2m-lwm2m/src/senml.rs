//! The SenML record model shared by SenML JSON (110) and SenML CBOR (112), and by SenML-ETCH
//! (320/322, RFC 8790): a record as the wire has it, and the resolution of base fields (RFC 8428
//! §4.6) into [`Record`]s with LwM2M paths (OMA-TS-LightweightM2M_Core 1.1 §7.4.4, §7.4.5),
//! including the LwM2M `vlo` object-link value.
//!
//! The JSON and CBOR decoders only tokenize: each produces [`RawRecord`]s and hands them to one
//! [`Resolver`], so both formats follow the same rules:
//! - `bv + v` of two integers is their exact sum (unsigned above `i64::MAX`); a float on either
//!   side makes a float;
//! - a record with a sum (`s`) and no value is [`Reason::Unsupported`]: LwM2M has no resource
//!   for sums, and it would otherwise read as a record naming a path alone;
//! - a gateway prefix lies whole in `bn` or in `n`: one that goes on from `bn` into `n` is
//!   [`Reason::BadPath`].
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::{Error, Reason};
pub(crate) use crate::path::extend;
use crate::path::{Path, RESERVED_ID, valid_prefix};
use crate::value::{ObjLink, Opaque, Record, Text, Value};

/// The SenML version this crate writes and the highest it reads (RFC 8428 §4.4).
pub const VERSION: u64 = 10;

/// A number as the wire has it: a JSON number without fraction or exponent, or a CBOR integer,
/// is an integer; anything else is a float.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Number {
    /// A negative (or small) integer.
    Int(i64),
    /// A non-negative integer above `i64::MAX`.
    Uint(u64),
    /// A float.
    Float(f64),
}

impl Number {
    /// The value as an f64 (integers beyond 2^53 rounded).
    #[must_use]
    pub fn as_f64(self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        match self {
            Number::Int(i) => i as f64,
            Number::Uint(u) => u as f64,
            Number::Float(f) => f,
        }
    }

    fn to_value<'a>(self) -> Value<'a> {
        match self {
            Number::Int(i) => Value::Int(i),
            Number::Uint(u) => i64::try_from(u).map_or(Value::Uint(u), Value::Int),
            Number::Float(f) => Value::Float(f),
        }
    }
}

/// The value field of a record (RFC 8428 §4.2; `vlo` from LwM2M 1.1 §7.4.4).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RawValue<'a> {
    /// `v`.
    Number(Number),
    /// `vs`.
    String(Text<'a>),
    /// `vb`.
    Bool(bool),
    /// `vd` (base64url in JSON, a byte string in CBOR).
    Data(Opaque<'a>),
    /// `vlo`: `"object:instance"`.
    ObjLink(Text<'a>),
    /// `null` in a value field: a SenML-ETCH (i)PATCH record that removes the resource
    /// (RFC 8790 §3).
    Null,
}

/// One SenML record as the wire has it, before base fields are applied. Fields a decoder did not
/// see are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RawRecord<'a> {
    /// `bn`.
    pub base_name: Option<Text<'a>>,
    /// `bt`.
    pub base_time: Option<Number>,
    /// `bu`.
    pub base_unit: Option<Text<'a>>,
    /// `bv`.
    pub base_value: Option<Number>,
    /// `bs`.
    pub base_sum: Option<Number>,
    /// `bver`.
    pub base_version: Option<u64>,
    /// `n`.
    pub name: Option<Text<'a>>,
    /// `u`.
    pub unit: Option<Text<'a>>,
    /// The one value field.
    pub value: Option<RawValue<'a>>,
    /// `s`.
    pub sum: Option<Number>,
    /// `t`.
    pub time: Option<Number>,
    /// `ut`.
    pub update_time: Option<Number>,
}

/// Applies base fields, record after record (RFC 8428 §4.6): the base name and base time of a
/// record hold for it and every later record until the next one sets them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Resolver<'a> {
    base_name: Option<Text<'a>>,
    /// The path of a plain base name ending in `/`, parsed once for the records after it.
    base_path: Option<Path<'a>>,
    base_time: Option<Number>,
    base_value: Option<Number>,
    /// A base name without its trailing `/` still ends with one ([`Config::base_name_without_slash`]).
    ///
    /// [`Config::base_name_without_slash`]: crate::Config::base_name_without_slash
    slash: bool,
}

impl<'a> Resolver<'a> {
    /// A resolver at the start of a pack.
    #[must_use]
    pub const fn new() -> Self {
        Resolver {
            base_name: None,
            base_path: None,
            base_time: None,
            base_value: None,
            slash: false,
        }
    }

    /// The same resolver, reading a base name that lacks its trailing `/` as if it had one
    /// (`"bn":"/3/0","n":"1"` is `/3/0/1`, as coap-node writes it), instead of concatenating.
    #[must_use]
    pub const fn with_implied_slash(self) -> Self {
        Resolver {
            slash: true,
            ..self
        }
    }

    /// The path of a plain base name ending in `/` when no base time or base value is in
    /// force: a record without base fields, time or sum, whose name [`extend`]s it, resolves
    /// to that path with its value as the wire has it (the decoders' fast way).
    pub(crate) fn plain_base(&self) -> Option<Path<'a>> {
        match (self.base_time, self.base_value) {
            (None, None) => self.base_path,
            _ => None,
        }
    }

    /// [`Resolver::plain_base`] for a record that may carry a plain base name `bn` (and no
    /// other base field): the path its name extends, as [`Resolver::resolve`] would parse it;
    /// `None` when that record must take the general way.
    #[inline(always)]
    pub(crate) fn plain_base_with(&self, bn: Option<&'a str>) -> Option<Path<'a>> {
        match bn {
            None => self.plain_base(),
            Some(s) if self.base_time.is_none() && self.base_value.is_none() => {
                if !(self.slash || s.ends_with('/')) {
                    return None;
                }
                Path::parse_base(s).ok()
            }
            Some(_) => None,
        }
    }

    /// Takes `bn` (with `base`, its path from [`Resolver::plain_base_with`]) as the base name
    /// of the records from here on, as [`Resolver::resolve`] does for a record that has one.
    #[inline(always)]
    pub(crate) fn set_plain_base(&mut self, bn: &'a str, base: Path<'a>) {
        self.base_name = Some(Text::Plain(bn));
        self.base_path = Some(base);
    }

    /// The resolved record of `raw`, found at byte `offset` of the input (for errors).
    pub fn resolve(&mut self, raw: &RawRecord<'a>, offset: usize) -> Result<Record<'a>, Error> {
        self.resolve_under(raw, offset, None)
    }

    /// [`Resolver::resolve`] for a pack that answers (or is sent to) `request`: while no
    /// record has set a base name, a name that does not begin with `/` is relative to
    /// `request`, and a record without name is `request` itself (legacy LwM2M JSON without
    /// `bn`, as Leshan and Wakaama read it). A name beginning with `/` stays a full path.
    pub(crate) fn resolve_under(
        &mut self,
        raw: &RawRecord<'a>,
        offset: usize,
        request: Option<Path<'a>>,
    ) -> Result<Record<'a>, Error> {
        let err = |r| Error::new(offset, r);
        if raw.base_version.is_some_and(|v| v > VERSION) {
            return Err(err(Reason::Unsupported));
        }
        if let Some(bn) = raw.base_name {
            self.base_name = Some(bn);
            let slash = self.slash;
            self.base_path = bn
                .as_str()
                .filter(|s| slash || s.ends_with('/'))
                .and_then(|s| Path::parse_base(s).ok());
        }
        if let Some(bt) = raw.base_time {
            self.base_time = Some(bt);
        }
        if let Some(bv) = raw.base_value {
            self.base_value = Some(bv);
        }
        let fast = match (self.base_path, raw.name) {
            (Some(base), Some(Text::Plain(n))) => extend(base, n.as_bytes()),
            _ => None,
        };
        // The implied `/` between a base name without one and a name that does not begin
        // with one (the lenient reading of LwM2M JSON), on the slow way too.
        let implied = self.slash
            && self
                .base_name
                .is_some_and(|b| b.chars().last() != Some('/'))
            && raw.name.is_some_and(|n| n.chars().next() != Some('/'));
        // (An empty `bn` is none, as Leshan reads it.)
        let relative = match (request, self.base_name, raw.name) {
            (Some(req), bn, name)
                if bn.is_none_or(|b| b.is_empty())
                    && name.is_none_or(|n| n.chars().next() != Some('/')) =>
            {
                Some(relative_path(req, name).ok_or(err(Reason::BadPath))?)
            }
            _ => None,
        };
        let path = match fast.or(relative) {
            Some(p) => p,
            None if implied => join_parts([self.base_name, Some(Text::Plain("/")), raw.name])
                .map_err(|e| e.shifted(offset))?,
            None => join_path(self.base_name, raw.name).map_err(|e| e.shifted(offset))?,
        };
        let time = match (self.base_time, raw.time) {
            (None, None) => None,
            (b, t) => {
                let sum = b.map_or(0.0, Number::as_f64) + t.map_or(0.0, Number::as_f64);
                if !sum.is_finite() {
                    return Err(err(Reason::BadFloat));
                }
                Some(sum)
            }
        };
        let value = match raw.value {
            // A sum alone (RFC 8428 §4.2) is a measurement LwM2M has no resource for; read as
            // a record without value it would pass for a name-only one (Read-Composite).
            None if raw.sum.is_some() => return Err(err(Reason::Unsupported)),
            None => None,
            Some(RawValue::Number(n)) => Some(match self.base_value {
                None => n.to_value(),
                Some(bv) => add(bv, n).ok_or(err(Reason::BadValue))?,
            }),
            Some(RawValue::String(t)) => Some(Value::Str(t)),
            Some(RawValue::Bool(b)) => Some(Value::Bool(b)),
            Some(RawValue::Null) => Some(Value::Null),
            Some(RawValue::Data(d)) => Some(Value::Opaque(d)),
            Some(RawValue::ObjLink(t)) => {
                let link = match t.as_str() {
                    Some(s) => ObjLink::parse(s),
                    // Escaped or in chunks: joined first (`65535:65535` is the longest).
                    None => {
                        let mut buf = [0u8; 11];
                        let n = t
                            .write_into(&mut buf)
                            .map_err(|_| Error::new(0, Reason::BadObjLink))?;
                        let s = buf.get(..n).and_then(|b| core::str::from_utf8(b).ok());
                        s.map_or(Err(Error::new(0, Reason::BadObjLink)), ObjLink::parse)
                    }
                };
                Some(Value::ObjLink(link.map_err(|e| e.shifted(offset))?))
            }
        };
        Ok(Record { path, value, time })
    }
}

/// `name` (relative ids, `/` between them) under `base`; `None` when it names no path there.
fn relative_path<'a>(base: Path<'a>, name: Option<Text<'a>>) -> Option<Path<'a>> {
    let Some(name) = name else {
        return Some(base);
    };
    if let Some(s) = name.as_str() {
        return extend(base, s.as_bytes());
    }
    // Escaped or in chunks: joined first (four ids of five digits and their `/` at most).
    let mut buf = [0u8; 24];
    let n = name.write_into(&mut buf).ok()?;
    extend(base, buf.get(..n)?)
}

/// `bv + v` (RFC 8428 §4.6): two integers add exactly, an integer while the sum fits in
/// `i64`, an unsigned one while it fits in `u64` (`None` beyond); a float on either side makes a
/// float.
fn add<'a>(a: Number, b: Number) -> Option<Value<'a>> {
    let exact = |n: Number| match n {
        Number::Int(i) => Some(i128::from(i)),
        Number::Uint(u) => Some(i128::from(u)),
        Number::Float(_) => None,
    };
    match (exact(a), exact(b)) {
        (Some(x), Some(y)) => {
            let sum = x.checked_add(y)?;
            match i64::try_from(sum) {
                Ok(i) => Some(Value::Int(i)),
                Err(_) => u64::try_from(sum).ok().map(Value::Uint),
            }
        }
        _ => {
            let f = a.as_f64() + b.as_f64();
            f.is_finite().then_some(Value::Float(f))
        }
    }
}

/// The path of `base name + name` (RFC 8428 §4.5.1, concatenation), parsed without copying:
/// numeric segments may straddle the two parts; a gateway prefix must lie whole in one part.
pub fn join_path<'a>(base: Option<Text<'a>>, name: Option<Text<'a>>) -> Result<Path<'a>, Error> {
    // A plain single part parses directly (the common case: `n` alone, or `bn` alone).
    if let (Some(t), None) | (None, Some(t)) = (base, name) {
        if let Some(s) = t.as_str().filter(|s| !s.is_empty()) {
            return Path::parse_base(s);
        }
    }
    join_parts([base, None, name])
}

/// The path of its parts put one after the other ([`join_path`], with a separator between).
fn join_parts<'a>(parts: [Option<Text<'a>>; 3]) -> Result<Path<'a>, Error> {
    let bad = Error::new(0, Reason::BadPath);
    let total: usize = parts.iter().flatten().map(Text::len).sum();
    if total == 0 {
        return Err(Error::new(0, Reason::MissingName));
    }
    let mut path = Path::ROOT;
    let mut first = true;
    let mut seg_digits: Option<u32> = None; // Some(value) while inside a numeric segment
    let mut seg_len = 0usize;
    let mut started = false;
    let mut prefix: Option<&'a str> = None;
    let finish = |path: &mut Path<'a>, digits: Option<u32>, len: usize| -> Result<(), Error> {
        let v = digits.ok_or(bad)?;
        if len == 0 || len > 5 || v >= u32::from(RESERVED_ID) {
            return Err(bad);
        }
        let id = u16::try_from(v).map_err(|_| bad)?;
        *path = path.child(id).ok_or(bad)?;
        Ok(())
    };
    let mut leading_zero = false;
    let mut after_prefix = false;
    for part in parts.into_iter().flatten() {
        // Only plain text has a gateway prefix to borrow.
        let plain = match part {
            Text::Plain(s) => Some(s),
            Text::JsonEscaped(_) | Text::CborChunks(_) => None,
        };
        let mut chars = part.chars().peekable();
        let mut pos = 0usize;
        while let Some(c) = chars.next() {
            let at = pos;
            pos = pos.saturating_add(c.len_utf8());
            if !started {
                if c != '/' {
                    return Err(bad);
                }
                started = true;
                continue;
            }
            // A gateway prefix ends at its part's end: one that goes on into the next part
            // (`bn` "/dev", `n` "1/3/0") would be cut short; it is refused.
            if after_prefix && c != '/' {
                return Err(bad);
            }
            if c == '/' {
                if !after_prefix {
                    finish(&mut path, seg_digits, seg_len)?;
                }
                after_prefix = false;
                seg_digits = Some(0);
                seg_len = 0;
                leading_zero = false;
                first = false;
                continue;
            }
            if first && seg_len == 0 && !c.is_ascii_digit() && prefix.is_none() {
                // A gateway prefix: the rest of this segment, inside this part, unescaped.
                let Some(raw) = plain else {
                    return Err(Error::new(0, Reason::Unsupported));
                };
                let rest = raw.get(at..).ok_or(bad)?;
                let end = rest.find('/').unwrap_or(rest.len());
                let p = rest.get(..end).ok_or(bad)?;
                if !valid_prefix(p) {
                    return Err(bad);
                }
                prefix = Some(p);
                for _ in 1..p.chars().count() {
                    chars.next();
                }
                pos = at.saturating_add(end);
                first = false;
                after_prefix = true;
                seg_digits = None;
                seg_len = 0;
                continue;
            }
            let d = c.to_digit(10).ok_or(bad)?;
            if seg_len == 0 {
                leading_zero = d == 0;
            } else if leading_zero {
                return Err(bad);
            }
            let v = seg_digits.unwrap_or(0);
            seg_digits = Some(v.saturating_mul(10).saturating_add(d));
            seg_len = seg_len.saturating_add(1);
            first = false;
        }
    }
    if !started {
        return Err(bad);
    }
    // A trailing `/` (`bn` of `/3/0/` with no `n`) names the level before it.
    if seg_len > 0 {
        finish(&mut path, seg_digits, seg_len)?;
    }
    match prefix {
        Some(p) => path.with_prefix(p),
        None => Ok(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(bn: Option<&'static str>, n: Option<&'static str>) -> Result<std::string::String, Error> {
        extern crate std;
        use std::string::ToString;
        join_path(bn.map(Text::Plain), n.map(Text::Plain)).map(|p| p.to_string())
    }
    extern crate std;

    #[test]
    fn joins_base_name_and_name() {
        assert_eq!(p(Some("/3/0/"), Some("0")).unwrap(), "/3/0/0");
        assert_eq!(p(Some("/3/0"), Some("/1")).unwrap(), "/3/0/1");
        assert_eq!(p(Some("/3/0/1"), Some("2")).unwrap(), "/3/0/12");
        assert_eq!(p(None, Some("/3/0/7/1")).unwrap(), "/3/0/7/1");
        assert_eq!(p(Some("/3/0/7/1"), None).unwrap(), "/3/0/7/1");
        assert_eq!(p(Some("/"), Some("3/0")).unwrap(), "/3/0");
        assert_eq!(p(Some("/3/0/"), None).unwrap(), "/3/0");
        assert_eq!(
            p(Some("/dev1/3303/0/"), Some("5700")).unwrap(),
            "/dev1/3303/0/5700"
        );
        assert_eq!(
            join_path(Some(Text::Plain("/dev1/3/")), Some(Text::Plain("0")))
                .unwrap()
                .prefix(),
            Some("dev1")
        );
        assert_eq!(
            join_path(None, Some(Text::JsonEscaped("\\/3\\/0")))
                .unwrap()
                .levels(),
            &[3, 0]
        );
        for (bn, n) in [
            (None, None),
            (Some("3/0/"), Some("1")),
            (Some("/3/0/"), Some("x")),
            (Some("/3/0/"), Some("65535")),
            (Some("/3/0/"), Some("01")),
            (Some("/3/0/1/2/"), Some("3")),
            (Some("/3//"), Some("1")),
            // A gateway prefix that goes on into the name (`/dev1/3/0/9`) is not read as
            // `/dev/3/0/9` nor `/dev/1/...`.
            (Some("/dev"), Some("1/3/0/9")),
            (Some("/dev"), Some("1")),
            (Some("/de"), Some("v1/3/0")),
        ] {
            assert!(p(bn, n).is_err(), "{bn:?} {n:?}");
        }
        assert_eq!(p(Some("/dev"), Some("/3/0/9")).unwrap(), "/dev/3/0/9");
    }

    /// RFC 8428 §4.6: `bv + v` of two integers is their exact sum, unsigned above `i64::MAX`.
    #[test]
    fn base_value_adds_integers_exactly() {
        let sum = |bv, v| {
            let mut r = Resolver::new();
            let rec = RawRecord {
                base_name: Some(Text::Plain("/1/0/")),
                base_value: Some(bv),
                name: Some(Text::Plain("11")),
                value: Some(RawValue::Number(v)),
                ..RawRecord::default()
            };
            r.resolve(&rec, 0).map(|r| r.value)
        };
        let big = 9_223_372_036_854_775_809u64;
        assert_eq!(
            sum(Number::Int(0), Number::Uint(big)),
            Ok(Some(Value::Uint(big)))
        );
        assert_eq!(
            sum(Number::Int(-100), Number::Uint(9_223_372_036_854_775_900)),
            Ok(Some(Value::Int(9_223_372_036_854_775_800)))
        );
        assert_eq!(
            sum(Number::Int(1), Number::Int(i64::MAX)),
            Ok(Some(Value::Uint(1 << 63)))
        );
        assert_eq!(
            sum(Number::Int(-5), Number::Uint(big)),
            Ok(Some(Value::Int(9_223_372_036_854_775_804)))
        );
        assert_eq!(
            sum(Number::Uint(big), Number::Int(i64::MIN)),
            Ok(Some(Value::Int(1)))
        );
        assert_eq!(
            sum(Number::Int(i64::MIN), Number::Int(-1)),
            Err(Error::new(0, Reason::BadValue))
        );
        assert_eq!(
            sum(Number::Uint(u64::MAX), Number::Int(1)),
            Err(Error::new(0, Reason::BadValue))
        );
        assert_eq!(
            sum(Number::Int(2), Number::Float(0.5)),
            Ok(Some(Value::Float(2.5)))
        );
    }

    /// A record with a sum and no value (RFC 8428 §4.2) is refused, not read as a name alone.
    #[test]
    fn a_sum_alone_is_refused() {
        let mut r = Resolver::new();
        let rec = RawRecord {
            name: Some(Text::Plain("/30000/0/1")),
            sum: Some(Number::Int(5)),
            ..RawRecord::default()
        };
        assert_eq!(r.resolve(&rec, 7), Err(Error::new(7, Reason::Unsupported)));
        let with_value = RawRecord {
            value: Some(RawValue::Number(Number::Int(1))),
            ..rec
        };
        assert!(r.resolve(&with_value, 7).is_ok());
    }

    #[test]
    fn resolves_base_fields() {
        let mut r = Resolver::new();
        let first = RawRecord {
            base_name: Some(Text::Plain("/3303/0/")),
            base_time: Some(Number::Int(1_600_000_000)),
            name: Some(Text::Plain("5700")),
            value: Some(RawValue::Number(Number::Float(21.5))),
            ..RawRecord::default()
        };
        let rec = r.resolve(&first, 0).unwrap();
        assert_eq!(rec.path, Path::resource(3303, 0, 5700));
        assert_eq!(rec.value, Some(Value::Float(21.5)));
        assert_eq!(rec.time, Some(1_600_000_000.0));
        let second = RawRecord {
            name: Some(Text::Plain("5701")),
            time: Some(Number::Int(5)),
            value: Some(RawValue::String(Text::Plain("Cel"))),
            ..RawRecord::default()
        };
        let rec = r.resolve(&second, 30).unwrap();
        assert_eq!(rec.path, Path::resource(3303, 0, 5701));
        assert_eq!(rec.time, Some(1_600_000_005.0));
        let link = RawRecord {
            name: Some(Text::Plain("5750")),
            value: Some(RawValue::ObjLink(Text::Plain("3:0"))),
            ..RawRecord::default()
        };
        assert_eq!(
            r.resolve(&link, 0).unwrap().value,
            Some(Value::ObjLink(ObjLink {
                object: 3,
                instance: 0
            }))
        );
        let future = RawRecord {
            base_version: Some(11),
            ..second
        };
        assert_eq!(
            r.resolve(&future, 7).unwrap_err(),
            Error::new(7, Reason::Unsupported)
        );
    }
}
