//! The strict RFC 8259 reader: whitespace is ` \t\r\n` only (§2), numbers without leading zeros
//! or a `+` (§6), strings with the escapes of §7 only (`\uXXXX` surrogates paired), literals
//! `true`/`false`/`null` (§3), no trailing commas, nesting bounded by [`MAX_DEPTH`].
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::find_stop;
use crate::error::{Error, Reason};
use crate::senml::Number;
use crate::value::Text;

/// The deepest nesting of arrays and objects accepted inside an ignored field.
pub(crate) const MAX_DEPTH: u32 = 32;

/// An object key as the caller matches it: the key itself when it has no escapes (the
/// common case, no copy), else its characters resolved into a small buffer: keys longer than
/// 8 bytes are unknown to every format here and read as `_` when they end with `_` (RFC 8428
/// §4.4, must be understood) or as the empty key otherwise.
#[derive(Clone, Copy)]
pub(crate) struct Label<'a> {
    key: Text<'a>,
}

impl<'a> Label<'a> {
    /// The key's bytes, using `buf` for a key with escapes.
    pub(crate) fn bytes<'b>(&self, buf: &'b mut [u8; 8]) -> &'b [u8]
    where
        'a: 'b,
    {
        match self.key {
            Text::Plain(s) => s.as_bytes(),
            Text::JsonEscaped(_) | Text::CborChunks(_) => {
                let mut n = 0usize;
                let mut last = None;
                for c in self.key.chars() {
                    last = Some(c);
                    let mut tmp = [0u8; 4];
                    let enc = c.encode_utf8(&mut tmp).as_bytes();
                    let end = n.saturating_add(enc.len());
                    if let Some(dst) = buf.get_mut(n..end) {
                        dst.copy_from_slice(enc);
                    }
                    n = end;
                }
                match buf.get(..n) {
                    Some(b) => b,
                    None if last == Some('_') => b"_",
                    None => b"",
                }
            }
        }
    }
}

/// A cursor over UTF-8 JSON text.
#[derive(Debug, Clone)]
pub(crate) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer over `body`, after checking that it is UTF-8 (RFC 8259 §8.1).
    pub(crate) fn new(body: &'a [u8]) -> Result<Self, Error> {
        let text =
            core::str::from_utf8(body).map_err(|e| Error::new(e.valid_up_to(), Reason::BadUtf8))?;
        Ok(Lexer { text, pos: 0 })
    }

    /// A lexer over nothing.
    pub(crate) const fn empty() -> Self {
        Lexer { text: "", pos: 0 }
    }

    /// The current byte offset.
    pub(crate) const fn pos(&self) -> usize {
        self.pos
    }

    /// Moves to `pos` (an offset this lexer returned earlier).
    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// The text from the cursor on.
    #[inline]
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.bytes().get(self.pos..).unwrap_or_default()
    }

    /// The whole text.
    #[inline]
    pub(crate) const fn text(&self) -> &'a str {
        self.text
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte, not consumed.
    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    #[inline]
    fn bump(&mut self) {
        // Only called below the text's length: never wraps.
        self.pos = self.pos.wrapping_add(1);
    }

    /// An error for the byte at the cursor: `Truncated` at the end, else `BadJson`.
    #[cold]
    pub(crate) fn unexpected(&self) -> Error {
        if self.pos >= self.text.len() {
            Error::new(self.text.len(), Reason::Truncated)
        } else {
            Error::new(self.pos, Reason::BadJson)
        }
    }

    /// Skips whitespace (RFC 8259 §2).
    #[inline]
    pub(crate) fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.bump();
        }
    }

    /// Consumes `b` if it is next.
    #[inline]
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.bump();
        }
        hit
    }

    /// Consumes `b` or fails.
    #[inline]
    pub(crate) fn expect(&mut self, b: u8) -> Result<(), Error> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// Whitespace, then the end of the input.
    pub(crate) fn end(&mut self) -> Result<(), Error> {
        self.ws();
        if self.pos < self.text.len() {
            Err(Error::new(self.pos, Reason::TrailingBytes))
        } else {
            Ok(())
        }
    }

    /// Whitespace, then `[`.
    pub(crate) fn begin_array(&mut self) -> Result<(), Error> {
        self.ws();
        self.expect(b'[')
    }

    /// Whether another element of the current array follows (the cursor then stands on it);
    /// consumes the separating `,` or the closing `]`.
    #[inline]
    pub(crate) fn next_element(&mut self, first: &mut bool) -> Result<bool, Error> {
        self.ws();
        if self.eat(b']') {
            return Ok(false);
        }
        if !core::mem::replace(first, false) {
            self.expect(b',')?;
            self.ws();
        }
        Ok(true)
    }

    /// Whitespace, then `{`; returns the offset of the `{`.
    pub(crate) fn begin_object(&mut self) -> Result<usize, Error> {
        self.ws();
        let at = self.pos;
        self.expect(b'{')?;
        Ok(at)
    }

    /// The next key of the current object and its offset, the cursor then on its value; `None`
    /// after the closing `}`.
    #[inline(always)]
    pub(crate) fn next_key(
        &mut self,
        first: &mut bool,
    ) -> Result<Option<(Label<'a>, usize)>, Error> {
        self.ws();
        if self.eat(b'}') {
            return Ok(None);
        }
        if !core::mem::replace(first, false) {
            self.expect(b',')?;
            self.ws();
        }
        let at = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.unexpected());
        }
        let key = self.string()?;
        self.ws();
        self.expect(b':')?;
        self.ws();
        Ok(Some((Label { key }, at)))
    }

    /// A string (the cursor on its `"`), borrowed: [`Text::Plain`] without escapes,
    /// [`Text::JsonEscaped`] with (each escape checked).
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Result<Text<'a>, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected());
        }
        // Offsets stay below the text's length, so `wrapping_add` never wraps here.
        let start = self.pos.wrapping_add(1);
        let rest = self.bytes().get(start..).unwrap_or_default();
        // The common case: no escape before the closing quote.
        if let Some(i) = find_stop(rest) {
            if rest.get(i) == Some(&b'"') {
                let end = start.wrapping_add(i);
                if let Some(s) = self.text.get(start..end) {
                    self.pos = end.wrapping_add(1);
                    return Ok(Text::Plain(s));
                }
            }
        }
        self.string_slow(start)
    }

    /// The rest of a string from `start` (just after its `"`): escapes, errors.
    #[inline(never)]
    fn string_slow(&mut self, start: usize) -> Result<Text<'a>, Error> {
        self.pos = start;
        let mut escaped = false;
        loop {
            let rest = self.bytes().get(self.pos..).unwrap_or_default();
            let Some(i) = find_stop(rest) else {
                return Err(Error::new(self.text.len(), Reason::Truncated));
            };
            self.pos = self.pos.saturating_add(i);
            match self.peek() {
                Some(b'"') => {
                    let s = self
                        .text
                        .get(start..self.pos)
                        .ok_or(Error::new(start, Reason::BadJson))?;
                    self.bump();
                    return Ok(if escaped {
                        Text::JsonEscaped(s)
                    } else {
                        Text::Plain(s)
                    });
                }
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                _ => return Err(Error::new(self.pos, Reason::BadJson)),
            }
        }
    }

    /// One escape (the cursor on its `\`), RFC 8259 §7.
    #[cold]
    fn escape(&mut self) -> Result<(), Error> {
        let at = self.pos;
        self.bump();
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.bump();
                Ok(())
            }
            Some(b'u') => {
                self.bump();
                let unit = self.hex4()?;
                if (0xdc00..0xe000).contains(&unit) {
                    return Err(Error::new(at, Reason::BadJson));
                }
                if (0xd800..0xdc00).contains(&unit) {
                    // A high surrogate must be followed by an escaped low one.
                    if !(self.eat(b'\\') && self.eat(b'u')) {
                        return Err(Error::new(at, Reason::BadJson));
                    }
                    let low = self.hex4()?;
                    if !(0xdc00..0xe000).contains(&low) {
                        return Err(Error::new(at, Reason::BadJson));
                    }
                }
                Ok(())
            }
            None => Err(self.unexpected()),
            Some(_) => Err(Error::new(at, Reason::BadJson)),
        }
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self
                .peek()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or_else(|| self.unexpected())?;
            v = (v << 4) | d;
            self.bump();
        }
        Ok(v)
    }

    /// A number (RFC 8259 §6): the integer form as [`Number::Int`] (or [`Number::Uint`] above
    /// `i64::MAX`), anything else, and integers beyond 64 bits, as a finite [`Number::Float`].
    #[inline(always)]
    pub(crate) fn number(&mut self) -> Result<Number, Error> {
        let start = self.pos;
        let negative = self.eat(b'-');
        let mut magnitude = 0u64;
        let mut overflow = false;
        match self.peek() {
            Some(b'0') => {
                self.bump();
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return Err(Error::new(self.pos, Reason::BadJson));
                }
            }
            Some(b'1'..=b'9') => {
                while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
                    let d = u64::from(b.wrapping_sub(b'0'));
                    match magnitude.checked_mul(10).and_then(|m| m.checked_add(d)) {
                        Some(m) => magnitude = m,
                        None => overflow = true,
                    }
                    self.bump();
                }
            }
            _ => return Err(self.unexpected()),
        }
        let mut float = false;
        if self.eat(b'.') {
            float = true;
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            float = true;
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            self.digits()?;
        }
        if !float && !overflow {
            if !negative {
                return Ok(i64::try_from(magnitude).map_or(Number::Uint(magnitude), Number::Int));
            }
            if let Some(i) = i64::try_from(magnitude).ok().and_then(i64::checked_neg) {
                return Ok(Number::Int(i));
            }
            if magnitude == 1u64 << 63 {
                return Ok(Number::Int(i64::MIN));
            }
        }
        let f = self
            .text
            .get(start..self.pos)
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|f| f.is_finite())
            .ok_or(Error::new(start, Reason::BadFloat))?;
        Ok(Number::Float(f))
    }

    fn digits(&mut self) -> Result<(), Error> {
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return Err(self.unexpected());
        }
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.bump();
        }
        Ok(())
    }

    /// `true` or `false`; `None` (nothing consumed) if neither starts here.
    #[inline]
    pub(crate) fn boolean(&mut self) -> Result<Option<bool>, Error> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|()| Some(true)),
            Some(b'f') => self.literal(b"false").map(|()| Some(false)),
            _ => Ok(None),
        }
    }

    /// `null` if it is next (consumed); `false` (nothing consumed) if another value starts.
    pub(crate) fn null(&mut self) -> Result<bool, Error> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Error> {
        for &b in word {
            self.expect(b)?;
        }
        Ok(())
    }

    /// Skips one value of any kind, checking it is valid JSON nested at most [`MAX_DEPTH`].
    pub(crate) fn skip_value(&mut self) -> Result<(), Error> {
        // One bit per open container, 1 for an object.
        let mut stack = 0u64;
        let mut depth = 0u32;
        'value: loop {
            self.ws();
            match self.peek() {
                Some(open @ (b'{' | b'[')) => {
                    if depth >= MAX_DEPTH {
                        return Err(Error::new(self.pos, Reason::TooDeep));
                    }
                    self.bump();
                    depth = depth.saturating_add(1);
                    let object = open == b'{';
                    stack = (stack << 1) | u64::from(object);
                    self.ws();
                    let close = if object { b'}' } else { b']' };
                    if !self.eat(close) {
                        if object {
                            self.member_key()?;
                        }
                        continue 'value;
                    }
                    depth = depth.saturating_sub(1);
                    stack >>= 1;
                }
                Some(b'"') => {
                    self.string()?;
                }
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                }
                Some(b't' | b'f') => {
                    self.boolean()?;
                }
                Some(b'n') => {
                    self.null()?;
                }
                _ => return Err(self.unexpected()),
            }
            // After a value: close containers or move to the next member.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                self.ws();
                let object = stack & 1 == 1;
                if self.eat(b',') {
                    if object {
                        self.ws();
                        self.member_key()?;
                    }
                    continue 'value;
                }
                self.expect(if object { b'}' } else { b']' })?;
                depth = depth.saturating_sub(1);
                stack >>= 1;
            }
        }
    }

    /// `"key":` inside a skipped object.
    fn member_key(&mut self) -> Result<(), Error> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected());
        }
        self.string()?;
        self.ws();
        self.expect(b':')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(s: &str) -> Lexer<'_> {
        Lexer::new(s.as_bytes()).unwrap()
    }

    #[test]
    fn numbers() {
        let cases: [(&str, Number); 10] = [
            ("0", Number::Int(0)),
            ("-0", Number::Int(0)),
            ("95", Number::Int(95)),
            ("-12", Number::Int(-12)),
            ("9223372036854775807", Number::Int(i64::MAX)),
            ("-9223372036854775808", Number::Int(i64::MIN)),
            ("18446744073709551615", Number::Uint(u64::MAX)),
            (
                "18446744073709551616",
                Number::Float(18_446_744_073_709_551_616.0),
            ),
            ("21.0", Number::Float(21.0)),
            ("-1.5E+3", Number::Float(-1500.0)),
        ];
        for (text, n) in cases {
            let mut l = lex(text);
            assert_eq!(l.number().unwrap(), n, "{text}");
            assert_eq!(l.pos(), text.len());
        }
        for (text, at, reason) in [
            ("01", 1, Reason::BadJson),
            ("-", 1, Reason::Truncated),
            ("+1", 0, Reason::BadJson),
            ("1.", 2, Reason::Truncated),
            ("1.e3", 2, Reason::BadJson),
            (".5", 0, Reason::BadJson),
            ("1e", 2, Reason::Truncated),
            ("1e400", 0, Reason::BadFloat),
            ("-01", 2, Reason::BadJson),
        ] {
            assert_eq!(lex(text).number(), Err(Error::new(at, reason)), "{text}");
        }
    }

    #[test]
    fn strings_and_escapes() {
        let mut l = lex(r#""Open Mobile Alliance""#);
        assert!(matches!(
            l.string(),
            Ok(Text::Plain("Open Mobile Alliance"))
        ));
        let mut l = lex(r#""a\"b\\c\/\u00e9\ud83d\ude00\n""#);
        let t = l.string().unwrap();
        assert!(matches!(t, Text::JsonEscaped(_)));
        assert_eq!(t, *"a\"b\\c/é😀\n");
        for (text, at, reason) in [
            ("\"abc", 4, Reason::Truncated),
            ("\"a\u{1}\"", 2, Reason::BadJson),
            ("\"\\x\"", 1, Reason::BadJson),
            ("\"\\ud83d\"", 1, Reason::BadJson),
            ("\"\\ude00\"", 1, Reason::BadJson),
            ("\"\\ud83d\\u0041\"", 1, Reason::BadJson),
            ("\"\\u12G4\"", 5, Reason::BadJson),
            ("\"\\u12", 5, Reason::Truncated),
        ] {
            assert_eq!(lex(text).string(), Err(Error::new(at, reason)), "{text}");
        }
        assert_eq!(
            Lexer::new(b"\"a\xff\"").unwrap_err(),
            Error::new(2, Reason::BadUtf8)
        );
    }

    #[test]
    fn skips_nested_values() {
        let mut l = lex(r#"{"a":[1,{"b":null},"x",true,false,[]],"c":{}} ,"#);
        l.skip_value().unwrap();
        assert_eq!(l.pos(), 45);
        for bad in [
            "[1,]",
            "{\"a\":1,}",
            "{\"a\"}",
            "[1 2]",
            "nul",
            "{1:2}",
            "[",
            "tru",
        ] {
            assert!(lex(bad).skip_value().is_err(), "{bad}");
        }
        let deep = "[".repeat(33) + &"]".repeat(33);
        assert_eq!(lex(&deep).skip_value().unwrap_err().reason, Reason::TooDeep);
        let ok = "[".repeat(32) + &"]".repeat(32);
        lex(&ok).skip_value().unwrap();
    }

    #[test]
    fn labels() {
        let mut l = lex(r#"{"bn" : 1, "\u0076":2, "averyverylongkey_":3}"#);
        let mut first = true;
        l.begin_object().unwrap();
        let mut buf = [0u8; 8];
        let (k, at) = l.next_key(&mut first).unwrap().unwrap();
        assert_eq!((k.bytes(&mut buf), at), (&b"bn"[..], 1));
        l.skip_value().unwrap();
        let (k, _) = l.next_key(&mut first).unwrap().unwrap();
        assert_eq!(k.bytes(&mut buf), b"v");
        l.skip_value().unwrap();
        let (k, _) = l.next_key(&mut first).unwrap().unwrap();
        assert_eq!(k.bytes(&mut buf), b"averyverylongkey_");
        l.skip_value().unwrap();
        let mut l = lex(r#"{"\u0061veryverylongkey_":1,"\u0061veryverylongkey":1}"#);
        let mut first = true;
        l.begin_object().unwrap();
        let (k, _) = l.next_key(&mut first).unwrap().unwrap();
        assert_eq!(k.bytes(&mut buf), b"_");
        l.skip_value().unwrap();
        let (k, _) = l.next_key(&mut first).unwrap().unwrap();
        assert_eq!(k.bytes(&mut buf), b"");
        l.skip_value().unwrap();
        assert!(l.next_key(&mut first).unwrap().is_none());
        l.end().unwrap();
    }
}
