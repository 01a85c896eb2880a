//! The legacy LwM2M JSON format, Content-Format 11543 (and 1543 before IANA registration),
//! OMA-TS-LightweightM2M 1.0 §6.4.4 (kept in 1.1 §7.4.5 for compatibility):
//! `{"bn":"/3/0/","bt":...,"e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"9","v":95},...]}`.
//!
//! Each entry of `e` carries a name `n` relative to the base name `bn`, exactly one value (`v` a number,
//! `sv` a string, `bv` a boolean, `ov` an object link `"3:0"`) and an optional time `t` added to
//! the base time `bt`. The format carries no more types than that: an Opaque resource is
//! written as standard base64 in `sv` (read it back with [`crate::base64`]), a Time or Unsigned
//! Integer as a number. Decoding goes through the same tokenizer and [`Resolver`] as SenML
//! JSON.
//!
//! Panics: none, on any input.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::iter::FusedIterator;

use crate::base64::Alphabet;
use crate::error::{Config, Error, Reason};
use crate::json::{Json, Lexer};
use crate::path::Path;
use crate::senml::{Number, RawRecord, RawValue, Resolver};
use crate::senml_json::{Labels, common_base, number, put_path, string, value_as};
use crate::sink::{Counter, Sink, Slice};
use crate::value::{Record, Text, Value};

/// Decodes a legacy LwM2M JSON body (1.0 §6.4.4) into its records, lazily and without
/// allocation. The top-level object is checked whole first (its keys may come in any order:
/// `bn`, `bt`, `e`; others are skipped), then the entries of `e` are read one by one.
#[must_use]
pub fn decode(body: &[u8]) -> Decoder<'_> {
    decode_with(body, &Config::STRICT)
}

/// Like [`decode`], with the tolerances of `config`
/// ([`Config::base_name_without_slash`]).
#[must_use]
pub fn decode_with<'a>(body: &'a [u8], config: &Config) -> Decoder<'a> {
    decode_under(body, config, None)
}

/// Like [`decode_with`], for a body that answers (or is sent to) `request`: while no `bn` is
/// set, a name that does not begin with `/` is relative to `request`, and an entry without
/// name is `request` itself. Leshan and Wakaama read a body without `bn` so; the
/// specification's examples always carry one. [`crate::body::decode`] reads this way.
#[must_use]
pub fn decode_at<'a>(body: &'a [u8], request: Path<'a>, config: &Config) -> Decoder<'a> {
    decode_under(body, config, Some(request))
}

fn decode_under<'a>(body: &'a [u8], config: &Config, request: Option<Path<'a>>) -> Decoder<'a> {
    let resolver = if config.base_name_without_slash {
        Resolver::new().with_implied_slash()
    } else {
        Resolver::new()
    };
    match Lexer::new(body) {
        Ok(lex) => Decoder {
            lex,
            resolver,
            request,
            state: State::Start,
        },
        Err(e) => Decoder {
            lex: Lexer::empty(),
            resolver: Resolver::new(),
            request,
            state: State::Failed(e),
        },
    }
}

/// The records of a legacy LwM2M JSON body (OMA-TS-LightweightM2M 1.0 §6.4.4), in order; ends
/// after the first error (fused). Errors carry the byte offset in the body. Allocates nothing;
/// never panics.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    lex: Lexer<'a>,
    resolver: Resolver<'a>,
    /// The request's path, for names while no `bn` is set ([`decode_at`]).
    request: Option<Path<'a>>,
    state: State<'a>,
}

#[derive(Debug, Clone, Copy)]
enum State<'a> {
    Start,
    Entries {
        first: bool,
        /// `bn` and `bt`, for the first entry.
        base: Option<(Option<Text<'a>>, Option<Number>)>,
        /// Where the top-level object ends.
        end: usize,
    },
    Done,
    Failed(Error),
}

impl<'a> Decoder<'a> {
    /// Checks the top-level object; returns `bn`, `bt`, and where `e` and the object end.
    fn top(&mut self) -> Result<(Option<Text<'a>>, Option<Number>, usize, usize), Error> {
        let open = self.lex.begin_object()?;
        let (mut bn, mut bt, mut e) = (None, None, None);
        let mut first = true;
        let mut buf = [0u8; 8];
        while let Some((label, key_at)) = self.lex.next_key(&mut first)? {
            let dup = Error::new(key_at, Reason::BadField);
            match label.bytes(&mut buf) {
                b"bn" if bn.is_none() => bn = Some(string(&mut self.lex)?),
                b"bt" if bt.is_none() => bt = Some(number(&mut self.lex)?),
                b"e" if e.is_none() => {
                    if self.lex.peek() != Some(b'[') {
                        return Err(Error::new(self.lex.pos(), Reason::BadField));
                    }
                    e = Some(self.lex.pos());
                    self.lex.skip_value()?;
                }
                b"bn" | b"bt" | b"e" => return Err(dup),
                _ => self.lex.skip_value()?,
            }
        }
        let close = self.lex.pos();
        self.lex.end()?;
        let e = e.ok_or(Error::new(open, Reason::BadJson))?;
        Ok((bn, bt, e, close))
    }

    fn step(&mut self) -> Result<Option<Record<'a>>, Error> {
        let (mut first, mut base, end) = match self.state {
            State::Done => return Ok(None),
            State::Failed(e) => return Err(e),
            State::Start => {
                let (bn, bt, e, end) = self.top()?;
                self.lex.seek(e);
                self.lex.begin_array()?;
                (true, Some((bn, bt)), end)
            }
            State::Entries { first, base, end } => (first, base, end),
        };
        if !self.lex.next_element(&mut first)? {
            self.lex.seek(end);
            self.state = State::Done;
            return Ok(None);
        }
        let (mut raw, at) = entry(&mut self.lex)?;
        if let Some((bn, bt)) = base.take() {
            raw.base_name = bn;
            raw.base_time = bt;
        }
        self.state = State::Entries { first, base, end };
        self.resolver
            .resolve_under(&raw, at, self.request)
            .map(Some)
    }
}

impl<'a> Iterator for Decoder<'a> {
    type Item = Result<Record<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.state = State::Done;
                None
            }
            Err(e) => {
                self.state = State::Done;
                Some(Err(e))
            }
        }
    }
}

impl FusedIterator for Decoder<'_> {}

/// One entry of `e`: `n`, one of `v sv bv ov`, `t`; other labels are skipped.
fn entry<'a>(lex: &mut Lexer<'a>) -> Result<(RawRecord<'a>, usize), Error> {
    let at = lex.begin_object()?;
    let mut raw = RawRecord::default();
    let mut first = true;
    let mut buf = [0u8; 8];
    while let Some((label, key_at)) = lex.next_key(&mut first)? {
        let dup = Error::new(key_at, Reason::BadField);
        let two_values = Error::new(key_at, Reason::BadValue);
        match label.bytes(&mut buf) {
            b"n" if raw.name.is_some() => return Err(dup),
            b"n" => raw.name = Some(string(lex)?),
            b"t" if raw.time.is_some() => return Err(dup),
            b"t" => raw.time = Some(number(lex)?),
            b"v" | b"sv" | b"bv" | b"ov" if raw.value.is_some() => return Err(two_values),
            b"v" => raw.value = Some(RawValue::Number(number(lex)?)),
            b"sv" => raw.value = Some(RawValue::String(string(lex)?)),
            b"ov" => raw.value = Some(RawValue::ObjLink(string(lex)?)),
            b"bv" => {
                let v_at = lex.pos();
                let b = lex.boolean()?.ok_or(Error::new(v_at, Reason::BadField))?;
                raw.value = Some(RawValue::Bool(b));
            }
            _ => lex.skip_value()?,
        }
    }
    // One of `v sv bv ov` is mandatory (Core 1.0 §6.4.4).
    if raw.value.is_none() {
        return Err(Error::new(at, Reason::BadValue));
    }
    Ok((raw, at))
}

/// The number of bytes [`encode`] writes for `records`.
///
/// Errors: [`Reason::Unrepresentable`] for a non-finite float or time, or an untyped value.
pub fn encoded_len(records: &[Record<'_>]) -> Result<usize, Error> {
    let mut c = Counter::default();
    write(records, &mut c)?;
    Ok(c.0)
}

/// Writes `records` as legacy LwM2M JSON into `out`; returns the bytes written. Into exactly
/// [`encoded_len`] bytes it succeeds.
///
/// Deterministic, without whitespace: `bn` whenever the records share a path prefix (the
/// deepest above all of them), names relative to it: Wakaama reads names without `bn` as
/// relative to the request's path, so `{"e":[{"n":"/3/0/9",..}]}` answering a Read of
/// `/3/0/9` would be `/3/0/9/3/0/9` to it (the specification's examples always carry `bn`); `v` for Integer, Unsigned Integer, Time
/// and Float (a float always with a fraction or an exponent), `sv` for String, Corelnk and
/// Opaque (standard base64 with padding), `bv`, `ov` for Objlnk; `t` for a time. A record
/// without a value (a multiple resource without instances) is left out: every entry of the
/// format carries one.
pub fn encode(records: &[Record<'_>], out: &mut [u8]) -> Result<usize, Error> {
    let mut s = Slice::new(out);
    write(records, &mut s)?;
    Ok(s.written())
}

/// Writes `records` as [`encode`] does, into any sink.
pub(crate) fn write<S: Json>(records: &[Record<'_>], sink: &mut S) -> Result<(), Error> {
    // (No entry at all, no base name: `{"e":[]}`.)
    let base = if records.iter().any(|r| r.value.is_some()) {
        common_base(records)
    } else {
        None
    };
    sink.put(b"{")?;
    if let Some(b) = base {
        sink.put(b"\"bn\":\"")?;
        put_path(sink, &b, 0, true)?;
        sink.put(b"/\",")?;
    }
    sink.put(b"\"e\":[")?;
    // Every entry carries one value (Core 1.0 §6.4.4): a path without one (a multiple
    // resource without instances) has no entry.
    for (i, r) in records.iter().filter(|r| r.value.is_some()).enumerate() {
        if i > 0 {
            sink.put(b",")?;
        }
        sink.put(b"{")?;
        let mut sep = true;
        match base {
            Some(b) if r.path.depth() == b.depth() => sep = false,
            Some(b) => {
                sink.put(b"\"n\":\"")?;
                put_path(sink, &r.path, b.depth(), false)?;
                sink.put(b"\"")?;
            }
            None => {
                sink.put(b"\"n\":\"")?;
                put_path(sink, &r.path, 0, true)?;
                sink.put(b"\"")?;
            }
        }
        if let Some(v) = r.value {
            if sep {
                sink.put(b",")?;
            }
            value(sink, &v)?;
            sep = true;
        }
        if let Some(t) = r.time {
            if sep {
                sink.put(b",")?;
            }
            sink.put(b"\"t\":")?;
            sink.time(t)?;
        }
        sink.put(b"}")?;
    }
    sink.put(b"]}")
}

/// LwM2M JSON's labels (Core 1.0 §6.4.4): Opaque as a string in standard base64.
const LABELS: Labels = Labels {
    string: b"\"sv\":",
    number: b"\"v\":",
    yes: b"\"bv\":true",
    no: b"\"bv\":false",
    opaque: b"\"sv\":",
    alphabet: Alphabet::Standard,
    objlink: b"\"ov\":",
};

fn value<S: Json>(sink: &mut S, v: &Value<'_>) -> Result<(), Error> {
    value_as(sink, v, &LABELS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{ObjLink, Opaque};
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
        assert!(encode(records, &mut out[..n.saturating_sub(1)]).is_err());
        String::from_utf8(out).unwrap()
    }

    /// OMA-TS-LightweightM2M 1.0 §6.4.4: Read of the Device object instance /3/0.
    const DEVICE: &str = r#"{"bn":"/3/0/","e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"1","sv":"Lightweight M2M Client"},{"n":"2","sv":"345000123"},{"n":"3","sv":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","sv":"+02:00"},{"n":"16","sv":"U"}]}"#;

    #[test]
    fn device_object() {
        let recs = all(DEVICE).unwrap();
        assert_eq!(recs.len(), 16);
        assert_eq!(recs[0].path, Path::resource(3, 0, 0));
        assert_eq!(recs[6].path, Path::resource_instance(3, 0, 7, 0));
        assert_eq!(recs[13].value, Some(Value::Int(1_367_491_215)));
        assert_eq!(enc(&recs), DEVICE);
    }

    /// Leniently, a base name without its `/` still ends with one: for every name, escaped
    /// ones too (read the slow way), not only those the fast way takes.
    #[test]
    fn an_implied_slash_holds_for_escaped_names() {
        let lenient = |body: &'static str| -> Vec<String> {
            decode_with(body.as_bytes(), &Config::LENIENT)
                .map(|r| std::string::ToString::to_string(&r.unwrap().path))
                .collect()
        };
        assert_eq!(
            lenient(
                r#"{"bn":"/3/1","e":[{"n":"2","v":1},{"n":"\u0032","v":2},{"n":"7\/0","v":3}]}"#
            ),
            ["/3/1/2", "/3/1/2", "/3/1/7/0"]
        );
        // A name that begins with its own `/` takes no second one.
        assert_eq!(
            lenient(r#"{"bn":"/3/1","e":[{"n":"\/5","v":1}]}"#),
            ["/3/1/5"]
        );
    }

    #[test]
    fn times_links_booleans_opaque() {
        // 1.0 §6.4.4: a time series with a base time and negative relative times.
        let body = r#"{"e":[{"n":"1/2","v":22.4,"t":-5},{"n":"1/2","v":22.9,"t":-30},{"n":"1/2","v":24.1,"t":-50}],"bn":"/3303/0/","bt":25462634}"#;
        let recs = all(body).unwrap();
        assert_eq!(recs[1].path, Path::resource_instance(3303, 0, 1, 2));
        assert_eq!(recs[1].time, Some(25_462_604.0));
        assert_eq!(recs[2].value, Some(Value::Float(24.1)));
        let recs = [
            Record::new(
                Path::resource(66, 0, 1),
                Value::ObjLink(ObjLink {
                    object: 3,
                    instance: 0,
                }),
            ),
            Record::new(Path::resource(66, 0, 2), Value::Bool(false)),
            Record::new(
                Path::resource(66, 0, 3),
                Value::Opaque(Opaque::Raw(b"\xfb\xff")),
            ),
            Record::new(Path::resource(66, 0, 4), Value::Float(3.0)).at(1.5),
        ];
        let text = enc(&recs);
        assert_eq!(
            text,
            r#"{"bn":"/66/0/","e":[{"n":"1","ov":"3:0"},{"n":"2","bv":false},{"n":"3","sv":"+/8="},{"n":"4","v":3.0,"t":1.5}]}"#
        );
        let back = all(&text).unwrap();
        assert_eq!(back[0], recs[0]);
        assert_eq!(back[2].value, Some(Value::Str(Text::Plain("+/8="))));
        assert_eq!(back[3], recs[3]);
        // Typed as the Opaque it is (Core 1.0 §6.4.4: base64 in `sv`), as Leshan, Wakaama and
        // Anjay send it; text that is not base64 is no Opaque value.
        let typed = back[2]
            .value
            .unwrap()
            .typed(crate::DataType::Opaque, &Config::STRICT)
            .unwrap();
        let Value::Opaque(o) = typed else {
            panic!("{typed:?}")
        };
        assert!(o.bytes().eq([0xfb, 0xff]));
        let package =
            all(r#"{"bn":"/5/0/","e":[{"n":"0","sv":"AQID"},{"n":"1","sv":"x!"}]}"#).unwrap();
        let bytes = package[0]
            .value
            .unwrap()
            .typed(crate::DataType::Opaque, &Config::STRICT);
        assert!(matches!(bytes, Ok(Value::Opaque(o)) if o.bytes().eq([1, 2, 3])));
        assert!(
            package[1]
                .value
                .unwrap()
                .typed(crate::DataType::Opaque, &Config::STRICT)
                .is_err()
        );
    }

    #[test]
    fn broken_inputs() {
        let cases: &[(&str, usize, Reason)] = &[
            ("[]", 0, Reason::BadJson),
            ("{}", 0, Reason::BadJson),
            (r#"{"e":{}}"#, 5, Reason::BadField),
            (r#"{"e":[],"e":[]}"#, 8, Reason::BadField),
            (r#"{"e":[]} x"#, 9, Reason::TrailingBytes),
            (
                r#"{"e":[{"n":"/1/0/1","v":1,"sv":"a"}]}"#,
                26,
                Reason::BadValue,
            ),
            (r#"{"e":[{"n":"/1/0/1","ov":"3"}]}"#, 6, Reason::BadObjLink),
            (r#"{"e":[{"n":"/1/0/1","bv":1}]}"#, 25, Reason::BadField),
            (r#"{"e":[{"n":"/1/0/1","v":1},]}"#, 27, Reason::BadJson),
            (
                r#"{"bn":"/1/0/","e":[{"n":"x","v":1}]}"#,
                19,
                Reason::BadPath,
            ),
        ];
        for &(body, offset, reason) in cases {
            assert_eq!(all(body).unwrap_err(), Error::new(offset, reason), "{body}");
        }
        assert_eq!(all(r#"{"bn":"/1/0/","e":[]}"#).unwrap(), []);
    }

    /// A body without `bn` names its entries relative to the request's path, as Leshan
    /// (`LwM2mNodeJsonDecoder`: "if no base name, use request path as base name") and Wakaama
    /// read it; without a request path, only full names are paths.
    #[test]
    fn names_without_a_base_name_are_relative_to_the_request() {
        let at = |body: &'static str, req: Path<'static>| -> Result<Vec<Record<'static>>, Error> {
            decode_at(body.as_bytes(), req, &Config::STRICT).collect()
        };
        let body = r#"{"e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"6/1","v":5},{"n":"\u0039","v":100}]}"#;
        let recs = at(body, Path::instance(3, 0)).unwrap();
        let paths: Vec<_> = recs.iter().map(|r| r.path).collect();
        assert_eq!(
            paths,
            [
                Path::resource(3, 0, 0),
                Path::resource_instance(3, 0, 6, 1),
                Path::resource(3, 0, 9)
            ]
        );
        assert_eq!(recs[1].value, Some(Value::Int(5)));
        // Without the request's path, the same body names no path.
        assert_eq!(all(body).unwrap_err().reason, Reason::BadPath);
        // An entry without a name is the request's path; a full name stays full; a `bn`
        // takes over from the entry that sets it.
        let recs = at(r#"{"e":[{"v":7}]}"#, Path::resource(3, 0, 9)).unwrap();
        assert_eq!(recs[0].path, Path::resource(3, 0, 9));
        let recs = at(r#"{"bn":"","e":[{"n":"1","v":7}]}"#, Path::instance(3, 0)).unwrap();
        assert_eq!(recs[0].path, Path::resource(3, 0, 1));
        let recs = at(r#"{"e":[{"n":"/4/0/1","v":7}]}"#, Path::instance(3, 0)).unwrap();
        assert_eq!(recs[0].path, Path::resource(4, 0, 1));
        let recs = at(
            r#"{"bn":"/5/0/","e":[{"n":"1","v":7}]}"#,
            Path::instance(3, 0),
        )
        .unwrap();
        assert_eq!(recs[0].path, Path::resource(5, 0, 1));
        // Relative names must still be ids: no leading zero, no fifth level, no empty segment.
        for bad in ["01", "0/1/2", "1//2", "1/", "x"] {
            let body = std::format!(r#"{{"e":[{{"n":"{bad}","v":1}}]}}"#);
            let got: Result<Vec<_>, _> =
                decode_at(body.as_bytes(), Path::instance(3, 0), &Config::STRICT).collect();
            assert_eq!(got.unwrap_err().reason, Reason::BadPath, "{bad}");
        }
    }
}
