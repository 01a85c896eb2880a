//! The CoRE Link Format (RFC 6690 §2), as `/.well-known/core`, resource directories (RFC 9176)
//! and LwM2M registrations use it: a borrowed, lazy parser (nom, complete input) and a writer,
//! without allocation.
//!
//! `</sensors/temp>;rt="temperature-c";if="sensor";ct=0;obs,</sensors/light>;ct="0 41"`
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::char;
use nom::combinator::{opt, recognize};
use nom::multi::many0_count;
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

/// Why a link-format text is not valid, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[error("invalid link format at byte {offset}")]
pub struct LinkError {
    /// Offset of the first byte that does not fit the grammar.
    pub offset: usize,
}

impl m2m_core::ProtocolError for LinkError {
    fn kind(&self) -> m2m_core::ErrorKind {
        m2m_core::ErrorKind::Malformed
    }
    fn offset(&self) -> Option<usize> {
        Some(self.offset)
    }
}

/// A parameter value (RFC 6690 §2): a token, or a quoted string (still with its escapes; see
/// [`Value::unescaped`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Value<'a> {
    /// `name=token`.
    Token(&'a str),
    /// `name="text"`: the text between the quotes, escapes as written.
    Quoted(&'a str),
}

impl<'a> Value<'a> {
    /// The text as written (without the quotes of a quoted string).
    #[must_use]
    pub const fn raw(&self) -> &'a str {
        match self {
            Value::Token(s) | Value::Quoted(s) => s,
        }
    }

    /// The characters of the value, with the `\` escapes of a quoted string resolved.
    pub fn unescaped(self) -> impl Iterator<Item = char> + 'a {
        let (s, quoted) = match self {
            Value::Token(s) => (s, false),
            Value::Quoted(s) => (s, true),
        };
        let mut chars = s.chars();
        core::iter::from_fn(move || {
            let c = chars.next()?;
            if quoted && c == '\\' {
                chars.next()
            } else {
                Some(c)
            }
        })
    }

    /// The space-separated words of the value (`rt="a b"`, `ct="0 41"`), RFC 6690 §3.
    pub fn words(self) -> impl Iterator<Item = &'a str> + 'a {
        self.raw().split(' ').filter(|w| !w.is_empty())
    }
}

/// One parameter of a link (a `link-param` of RFC 6690 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Param<'a> {
    /// Its name (`rt`, `ct`, `title*`, ...).
    pub name: &'a str,
    /// Its value; `None` for a flag such as `obs`.
    pub value: Option<Value<'a>>,
}

/// One link (RFC 6690 §2): its target and its parameters, borrowed and already checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Link<'a> {
    /// The URI-Reference between `<` and `>`.
    pub target: &'a str,
    params: &'a str,
}

fn is_parmname(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$&+-.^_`|~".contains(c)
}

fn is_ptoken(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'()*+-./:<=>?@[]^_`{|}~".contains(c)
}

fn is_target(c: char) -> bool {
    c != '>' && c != '<' && !c.is_control() && c != ' '
}

/// Whether `s` is a non-empty run of RFC 6690 `ptoken` characters: a parameter value that
/// needs no quotes.
#[must_use]
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_ptoken)
}

/// Whether `s` can stand between `<` and `>` as a link's target as [`parse`] reads it.
#[must_use]
pub fn is_target_text(s: &str) -> bool {
    s.chars().all(is_target)
}

/// Whether `s`, escapes as written (what [`Value::raw`] gives for a quoted value), can stand
/// between double quotes: no bare `"`, no control character but tab, and every `\` followed
/// by the character it escapes.
#[must_use]
pub fn is_quoted_text(s: &str) -> bool {
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.next().is_none() => return false,
            '\\' => {}
            '"' => return false,
            c if c.is_control() && c != '\t' => return false,
            _ => {}
        }
    }
    true
}

fn quoted(i: &str) -> IResult<&str, &str> {
    // qdtext is anything but `"`, `\` and controls; `\` escapes the next character.
    let escaped = preceded(char('\\'), nom::character::complete::anychar);
    let qdtext = take_while1(|c: char| c != '"' && c != '\\' && (!c.is_control() || c == '\t'));
    delimited(
        char('"'),
        recognize(many0_count(alt((qdtext, recognize(escaped))))),
        char('"'),
    )
    .parse(i)
}

fn value(i: &str) -> IResult<&str, Value<'_>> {
    alt((
        quoted.map(Value::Quoted),
        take_while1(is_ptoken).map(Value::Token),
    ))
    .parse(i)
}

fn param(i: &str) -> IResult<&str, Param<'_>> {
    let name = recognize((take_while1(is_parmname), opt(char('*'))));
    (name, opt(preceded(char('='), value)))
        .map(|(name, value)| Param { name, value })
        .parse(i)
}

fn link(i: &str) -> IResult<&str, Link<'_>> {
    let target = delimited(char('<'), take_while(is_target), char('>'));
    let params = recognize(many0_count(preceded(char(';'), param)));
    (target, params)
        .map(|(target, params)| Link { target, params })
        .parse(i)
}

impl<'a> Link<'a> {
    /// The parameters, in order.
    pub fn params(&self) -> impl Iterator<Item = Param<'a>> + 'a {
        let mut rest = self.params;
        core::iter::from_fn(move || {
            let (tail, p) = preceded(char::<&str, nom::error::Error<&str>>(';'), param)
                .parse(rest)
                .ok()?;
            rest = tail;
            Some(p)
        })
    }

    /// The first parameter called `name`: `Some(None)` for a flag, `None` when absent.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<Option<Value<'a>>> {
        self.params().find(|p| p.name == name).map(|p| p.value)
    }

    /// The value of `name` as text, if present with a value.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.param(name).flatten().map(|v| v.raw())
    }

    /// Resource types (`rt`, RFC 6690 §3.1), space-separated.
    pub fn rt(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.param("rt")
            .flatten()
            .into_iter()
            .flat_map(|v| v.words())
    }

    /// Interface descriptions (`if`, RFC 6690 §3.2), space-separated.
    pub fn interfaces(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.param("if")
            .flatten()
            .into_iter()
            .flat_map(|v| v.words())
    }

    /// Content-Format numbers (`ct`, RFC 7252 §7.2.1): one, or several in quotes. A word that
    /// is not a number is skipped.
    pub fn ct(&self) -> impl Iterator<Item = u16> + 'a {
        self.param("ct")
            .flatten()
            .into_iter()
            .flat_map(|v| v.words())
            .filter_map(|w| w.parse().ok())
    }

    /// Maximum size estimate (`sz`, RFC 6690 §3.3).
    #[must_use]
    pub fn sz(&self) -> Option<u64> {
        self.get("sz").and_then(|s| s.parse().ok())
    }

    /// The resource is observable (`obs`, RFC 7641 §6).
    #[must_use]
    pub fn obs(&self) -> bool {
        self.param("obs").is_some()
    }
}

/// The links of a text, in order: each item is a link or the error that ends the list.
#[derive(Debug, Clone)]
pub struct Links<'a> {
    text: &'a str,
    rest: &'a str,
    first: bool,
    failed: bool,
}

/// Reads a link-format text lazily: every link is checked against the grammar as it is
/// reached. [`validate`] checks a whole text first.
#[must_use]
pub const fn parse(text: &str) -> Links<'_> {
    Links {
        text,
        rest: text,
        first: true,
        failed: false,
    }
}

/// Checks a whole text against the grammar; returns the number of links.
pub fn validate(text: &str) -> Result<usize, LinkError> {
    let mut n = 0usize;
    for l in parse(text) {
        l?;
        n = n.saturating_add(1);
    }
    Ok(n)
}

impl<'a> Iterator for Links<'a> {
    type Item = Result<Link<'a>, LinkError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || (self.rest.is_empty() && !self.first) || self.text.is_empty() {
            return None;
        }
        let offset = |rest: &str| self.text.len().saturating_sub(rest.len());
        let mut input = self.rest;
        if !self.first {
            match tag::<&str, &str, nom::error::Error<&str>>(",").parse(input) {
                Ok((tail, _)) => input = tail,
                Err(_) => {
                    self.failed = true;
                    return Some(Err(LinkError {
                        offset: offset(input),
                    }));
                }
            }
        }
        self.first = false;
        match link(input) {
            Ok((tail, l)) => {
                self.rest = tail;
                // A link must end the text or be followed by a comma.
                if !tail.is_empty() && !tail.starts_with(',') {
                    self.failed = true;
                    return Some(Err(LinkError {
                        offset: offset(tail),
                    }));
                }
                Some(Ok(l))
            }
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                self.failed = true;
                Some(Err(LinkError {
                    offset: offset(e.input),
                }))
            }
            Err(nom::Err::Incomplete(_)) => {
                self.failed = true;
                Some(Err(LinkError {
                    offset: self.text.len(),
                }))
            }
        }
    }
}

/// Writes links in the link format: a `,` between links, values quoted when they are not
/// tokens (`"` and `\` escaped).
#[derive(Debug)]
pub struct Writer<W> {
    out: W,
    first: bool,
}

impl<W: fmt::Write> Writer<W> {
    /// A writer into `out`.
    pub const fn new(out: W) -> Self {
        Writer { out, first: true }
    }

    /// Starts a link to `target`; add its parameters with [`Writer::param`].
    pub fn link(&mut self, target: &str) -> fmt::Result {
        if !self.first {
            self.out.write_char(',')?;
        }
        self.first = false;
        write!(self.out, "<{target}>")
    }

    /// Adds a parameter to the current link: a flag when `value` is `None`. A value that is not
    /// a token is quoted, with `"`, `\` and control characters escaped.
    pub fn param(&mut self, name: &str, value: Option<&str>) -> fmt::Result {
        write!(self.out, ";{name}")?;
        match value {
            None => Ok(()),
            // `anchor` is a quoted URI-Reference and `title` a quoted-string (RFC 6690 §2).
            Some(v)
                if !v.is_empty()
                    && v.chars().all(is_ptoken)
                    && name != "anchor"
                    && name != "title" =>
            {
                write!(self.out, "={v}")
            }
            Some(v) => {
                self.out.write_str("=\"")?;
                for c in v.chars() {
                    // Quotes, backslashes and control characters go escaped (quoted-pair).
                    if c == '"' || c == '\\' || (c.is_control() && c != '\t') {
                        self.out.write_char('\\')?;
                    }
                    self.out.write_char(c)?;
                }
                self.out.write_char('"')
            }
        }
    }

    /// The output.
    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    /// Every string of up to four characters from an alphabet of the troublesome ones.
    fn short_strings(alphabet: &[char]) -> Vec<String> {
        let mut all = std::vec![String::new()];
        let mut last = all.clone();
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |&c| std::format!("{s}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    #[test]
    fn the_text_predicates_agree_with_the_parser() {
        let alphabet = ['a', '"', '\\', '\t', '\n', ';', ',', '<', '>', ' ', '='];
        // The value of `p` when `text` is one link, read whole.
        let p_of = |text: &str| -> Option<String> {
            let links = parse(text).collect::<Result<Vec<_>, _>>().ok()?;
            match links.as_slice() {
                [l] => l.get("p").map(String::from),
                _ => None,
            }
        };
        for s in short_strings(&alphabet) {
            let quoted = p_of(&std::format!("<x>;p=\"{s}\""));
            assert_eq!(
                is_quoted_text(&s),
                quoted.as_ref() == Some(&s),
                "quoted {s:?}"
            );
            let token = p_of(&std::format!("<x>;p={s}"));
            assert_eq!(is_token(&s), token.as_ref() == Some(&s), "token {s:?}");
            let text = std::format!("<{s}>");
            let target = parse(&text)
                .collect::<Result<Vec<_>, _>>()
                .ok()
                .and_then(|l| (l.len() == 1).then(|| l.first().map(|l| l.target))?);
            assert_eq!(
                is_target_text(&s),
                target == Some(s.as_str()),
                "target {s:?}"
            );
        }
    }

    #[test]
    fn rfc6690_examples() {
        // RFC 6690 §5, the first example.
        let text = "</sensors/temp>;if=\"sensor\",</sensors/light>;if=\"sensor\"";
        let links: Vec<_> = parse(text).map(Result::unwrap).collect();
        assert_eq!(links.len(), 2);
        assert_eq!(links[1].target, "/sensors/light");
        assert!(links[0].interfaces().eq(["sensor"]));
        // §5: several relation types and a title.
        let text = "</sensors>;ct=40;title=\"Sensor Index\",</sensors/temp>;rt=\"temperature-c\";if=\"sensor\",</sensors/light>;rt=\"light-lux\";if=\"sensor\",<http://www.example.com/sensors/t123>;anchor=\"/sensors/temp\";rel=\"describedby\",</t>;anchor=\"/sensors/temp\";rel=\"alternate\"";
        assert_eq!(validate(text), Ok(5));
        let l: Vec<_> = parse(text).map(Result::unwrap).collect();
        assert_eq!(l[0].get("title"), Some("Sensor Index"));
        assert!(l[0].ct().eq([40]));
        assert!(l[1].rt().eq(["temperature-c"]));
        assert_eq!(l[3].get("anchor"), Some("/sensors/temp"));
        assert_eq!(l[3].target, "http://www.example.com/sensors/t123");
    }

    #[test]
    fn lwm2m_and_flags() {
        let text =
            "</>;rt=\"oma.lwm2m\";ct=11543,</1/0>;ver=1.1,</3/0>,</3303/0>;obs;ct=\"60 112\"";
        let l: Vec<_> = parse(text).map(Result::unwrap).collect();
        assert_eq!(l.len(), 4);
        assert_eq!(l[1].get("ver"), Some("1.1"));
        assert!(l[3].obs());
        assert!(l[3].ct().eq([60, 112]));
        assert_eq!(l[2].params().count(), 0);
        assert_eq!(validate(""), Ok(0));
    }

    #[test]
    fn errors_and_escapes() {
        assert_eq!(validate("<a>;b=\"x"), Err(LinkError { offset: 5 }));
        assert_eq!(validate("</a>x"), Err(LinkError { offset: 4 }));
        assert_eq!(validate("</a>,"), Err(LinkError { offset: 5 }));
        assert_eq!(validate("/a"), Err(LinkError { offset: 0 }));
        assert_eq!(validate("</a> ,</b>"), Err(LinkError { offset: 4 }));
        let l = parse(r#"</a>;title="say \"hi\"""#).next().unwrap().unwrap();
        assert_eq!(
            l.param("title")
                .flatten()
                .unwrap()
                .unescaped()
                .collect::<String>(),
            "say \"hi\""
        );
    }

    #[test]
    fn writes_what_it_reads() {
        let mut w = Writer::new(String::new());
        w.link("/sensors/temp").unwrap();
        w.param("rt", Some("temperature-c")).unwrap();
        w.param("ct", Some("0 41")).unwrap();
        w.param("obs", None).unwrap();
        w.link("/x").unwrap();
        w.param("title", Some("a \"b\"")).unwrap();
        let text = w.into_inner();
        assert_eq!(
            text,
            r#"</sensors/temp>;rt=temperature-c;ct="0 41";obs,</x>;title="a \"b\"""#
        );
        let l: Vec<_> = parse(&text).map(Result::unwrap).collect();
        assert!(l[0].ct().eq([0, 41]) && l[0].obs());
        // A control character is escaped, so that the text reads back (found by fuzzing).
        let mut w = Writer::new(String::new());
        w.link("/c").unwrap();
        w.param("t", Some("a\u{0}b")).unwrap();
        let text = w.into_inner();
        assert_eq!(text, "</c>;t=\"a\\\u{0}b\"");
        let back = parse(&text).next().unwrap().unwrap();
        assert_eq!(
            back.param("t")
                .flatten()
                .unwrap()
                .unescaped()
                .collect::<String>(),
            "a\u{0}b"
        );
        assert_eq!(
            l[1].param("title")
                .flatten()
                .unwrap()
                .unescaped()
                .collect::<String>(),
            "a \"b\""
        );
    }
}
