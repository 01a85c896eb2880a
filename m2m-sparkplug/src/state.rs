//! The host application STATE payload (Sparkplug 3.0.0 §5.4 and §7.3; 2.2 form in §4.1.3):
//! `{"online":true,"timestamp":1668114759262}` in 3.0, the text `ONLINE` or `OFFLINE` in 2.2.
//!
//! [`StateMessage::parse`] reads any JSON object (whitespace, member order, escaped keys and extra
//! members are accepted; extra members are skipped) and needs exactly one boolean `online` and one
//! non-negative integer `timestamp`. It never allocates or panics; nesting of skipped values is
//! bounded by [`MAX_JSON_DEPTH`]. [`StateMessage::write`] writes the canonical compact form, as
//! Eclipse Tahu does.
//!
//! ```
//! use m2m_sparkplug::state::StateMessage;
//!
//! let birth = StateMessage::online(1_668_114_759_262);
//! let mut buf = [0u8; StateMessage::MAX_LEN];
//! let n = birth.write(&mut buf)?;
//! assert_eq!(&buf[..n], br#"{"online":true,"timestamp":1668114759262}"#);
//! assert_eq!(StateMessage::parse(&buf[..n])?, birth);
//! # Ok::<(), m2m_sparkplug::state::StateError>(())
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{ErrorKind, ProtocolError};

/// Deepest nesting of arrays and objects inside a skipped member.
pub const MAX_JSON_DEPTH: usize = 16;

/// A host application's state (§4.2.3): its birth (`online: true`) or death (`online: false`)
/// certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StateMessage {
    /// Whether the host application is online.
    pub online: bool,
    /// Milliseconds since the Unix epoch: the time of the MQTT CONNECT whose Will carries the
    /// death certificate (`tck-id-host-topic-phid-birth-payload-timestamp`). `None` only for the
    /// 2.2 text form, which has none.
    pub timestamp: Option<u64>,
}

/// Why a STATE payload cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum StateError {
    /// The payload ends inside the JSON text.
    #[error("STATE payload truncated")]
    Truncated,
    /// Not JSON (or not a JSON object) at this byte.
    #[error("STATE payload is not a JSON object: unexpected byte at {offset}")]
    Syntax {
        /// Offset of the offending byte.
        offset: usize,
    },
    /// `online` is not a boolean, or `timestamp` not an integer in 0..2^64.
    #[error("STATE member at byte {offset} has the wrong type")]
    Type {
        /// Offset of the value.
        offset: usize,
    },
    /// `online` or `timestamp` appears twice.
    #[error("STATE member at byte {offset} appears twice")]
    Duplicate {
        /// Offset of the second key.
        offset: usize,
    },
    /// The `online` member is missing.
    #[error("STATE payload without `online`")]
    MissingOnline,
    /// The `timestamp` member is missing.
    #[error("STATE payload without `timestamp`")]
    MissingTimestamp,
    /// Skipped values nest deeper than [`MAX_JSON_DEPTH`].
    #[error("STATE payload nests deeper than the limit at byte {offset}")]
    Depth {
        /// Offset of the array or object that went too deep.
        offset: usize,
    },
    /// A 2.2 payload other than `ONLINE` and `OFFLINE`.
    #[error("2.2 STATE payload is neither ONLINE nor OFFLINE")]
    V2Text,
    /// The output buffer is too small.
    #[error("buffer too small: {needed} bytes needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
}

impl ProtocolError for StateError {
    fn kind(&self) -> ErrorKind {
        match self {
            StateError::Truncated => ErrorKind::Truncated,
            StateError::BufferTooSmall { .. } => ErrorKind::Capacity,
            _ => ErrorKind::Malformed,
        }
    }
    fn offset(&self) -> Option<usize> {
        match self {
            StateError::Syntax { offset }
            | StateError::Type { offset }
            | StateError::Duplicate { offset }
            | StateError::Depth { offset } => Some(*offset),
            _ => None,
        }
    }
}

impl StateMessage {
    /// The longest payload [`StateMessage::write`] produces.
    pub const MAX_LEN: usize = r#"{"online":false,"timestamp":18446744073709551615}"#.len();

    /// A birth certificate.
    #[must_use]
    pub const fn online(timestamp: u64) -> Self {
        StateMessage {
            online: true,
            timestamp: Some(timestamp),
        }
    }

    /// A death certificate (the host application's MQTT Will).
    #[must_use]
    pub const fn offline(timestamp: u64) -> Self {
        StateMessage {
            online: false,
            timestamp: Some(timestamp),
        }
    }

    /// Reads a 3.0 JSON STATE payload.
    pub fn parse(payload: &[u8]) -> Result<Self, StateError> {
        // JSON text is UTF-8 (RFC 8259 §8.1; the specification asks for UTF-8 too).
        if let Err(e) = core::str::from_utf8(payload) {
            return Err(match e.error_len() {
                None => StateError::Truncated,
                Some(_) => StateError::Syntax {
                    offset: e.valid_up_to(),
                },
            });
        }
        let mut p = Json {
            buf: payload,
            pos: 0,
        };
        let mut online = None;
        let mut timestamp = None;
        p.ws();
        p.expect(b'{')?;
        p.ws();
        if p.peek() == Some(b'}') {
            p.pos = p.pos.saturating_add(1);
        } else {
            loop {
                p.ws();
                let key_at = p.pos;
                let key = p.key()?;
                p.ws();
                p.expect(b':')?;
                p.ws();
                let value_at = p.pos;
                match key {
                    Key::Online => {
                        if online.is_some() {
                            return Err(StateError::Duplicate { offset: key_at });
                        }
                        online = Some(p.boolean().ok_or(StateError::Type { offset: value_at })?);
                    }
                    Key::Timestamp => {
                        if timestamp.is_some() {
                            return Err(StateError::Duplicate { offset: key_at });
                        }
                        timestamp = Some(p.integer()?);
                    }
                    Key::Other => p.skip_value(0)?,
                }
                p.ws();
                match p.next()? {
                    b',' => continue,
                    b'}' => break,
                    _ => {
                        return Err(StateError::Syntax {
                            offset: p.pos.saturating_sub(1),
                        });
                    }
                }
            }
        }
        p.ws();
        if p.pos < payload.len() {
            return Err(StateError::Syntax { offset: p.pos });
        }
        Ok(StateMessage {
            online: online.ok_or(StateError::MissingOnline)?,
            timestamp: Some(timestamp.ok_or(StateError::MissingTimestamp)?),
        })
    }

    /// Reads a Sparkplug 2.2 STATE payload (`ONLINE` or `OFFLINE`, on `STATE/<host_id>`).
    pub fn parse_v2(payload: &[u8]) -> Result<Self, StateError> {
        let online = match payload {
            b"ONLINE" => true,
            b"OFFLINE" => false,
            _ => return Err(StateError::V2Text),
        };
        Ok(StateMessage {
            online,
            timestamp: None,
        })
    }

    /// Length of the payload [`StateMessage::write`] produces.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        let mut digits = [0u8; 20];
        let ts = self.timestamp.map_or(0, |t| decimal(t, &mut digits).len());
        let fixed = if self.online {
            r#"{"online":true,"timestamp":}"#.len()
        } else {
            r#"{"online":false,"timestamp":}"#.len()
        };
        fixed.saturating_add(ts)
    }

    /// Writes the compact JSON form into `out`; returns its length. A message without a
    /// timestamp (read from the 2.2 form) is written with `timestamp` 0.
    pub fn write(&self, out: &mut [u8]) -> Result<usize, StateError> {
        let needed = self.buffer_len();
        let mut digits = [0u8; 20];
        let ts = decimal(self.timestamp.unwrap_or(0), &mut digits);
        let parts: [&[u8]; 3] = [
            if self.online {
                br#"{"online":true,"timestamp":"#
            } else {
                br#"{"online":false,"timestamp":"#
            },
            ts,
            b"}",
        ];
        let mut pos = 0usize;
        for part in parts {
            let end = pos.saturating_add(part.len());
            out.get_mut(pos..end)
                .ok_or(StateError::BufferTooSmall { needed })?
                .copy_from_slice(part);
            pos = end;
        }
        Ok(pos)
    }
}

/// Writes `v` in decimal at the end of `buf`; returns the digits.
fn decimal(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = buf.len();
    loop {
        start = start.saturating_sub(1);
        if let Some(d) = buf.get_mut(start) {
            // `v % 10` is below 10, so the cast cannot truncate.
            *d = b'0'.saturating_add((v % 10) as u8);
        }
        v /= 10;
        if v == 0 || start == 0 {
            break;
        }
    }
    buf.get(start..).unwrap_or_default()
}

enum Key {
    Online,
    Timestamp,
    Other,
}

struct Json<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Json<'_> {
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn next(&mut self) -> Result<u8, StateError> {
        let b = self.peek().ok_or(StateError::Truncated)?;
        self.pos = self.pos.saturating_add(1);
        Ok(b)
    }

    fn expect(&mut self, want: u8) -> Result<(), StateError> {
        let at = self.pos;
        if self.next()? == want {
            Ok(())
        } else {
            Err(StateError::Syntax { offset: at })
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos = self.pos.saturating_add(1);
        }
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        let end = self.pos.saturating_add(word.len());
        if self.buf.get(self.pos..end) == Some(word) {
            self.pos = end;
            true
        } else {
            false
        }
    }

    fn boolean(&mut self) -> Option<bool> {
        if self.literal(b"true") {
            Some(true)
        } else if self.literal(b"false") {
            Some(false)
        } else {
            None
        }
    }

    /// A non-negative JSON number, as whole milliseconds that fit 64 bits: a fraction is cut
    /// off (`1668114759262.7`), an exponent applied (`1.668114759262e12`); the specification
    /// asks for "a numeric value" (`tck-id-host-topic-phid-birth-payload`). A negative number,
    /// one past 64 bits or anything but a number is [`StateError::Type`].
    fn integer(&mut self) -> Result<u64, StateError> {
        let at = self.pos;
        match self.peek() {
            Some(b'0'..=b'9') => {}
            // A negative number, a string...: valid JSON perhaps, but not a timestamp.
            Some(_) => return Err(StateError::Type { offset: at }),
            None => return Err(StateError::Truncated),
        }
        self.skip_number()?;
        let text = self.buf.get(at..self.pos).unwrap_or_default();
        whole_number(text).ok_or(StateError::Type { offset: at })
    }

    /// Reads a member name and tells whether it is one of the two STATE members. Escapes are
    /// decoded for the comparison, so `"\u006fnline"` is `online`.
    fn key(&mut self) -> Result<Key, StateError> {
        self.expect(b'"')?;
        let mut name = [0u8; 9];
        let mut len = 0usize;
        let mut fits = true;
        loop {
            let at = self.pos;
            let c = match self.next()? {
                b'"' => break,
                b'\\' => match self.escape(at)? {
                    Some(c) => c,
                    None => {
                        fits = false;
                        continue;
                    }
                },
                c if c < 0x20 => return Err(StateError::Syntax { offset: at }),
                c => c,
            };
            match name.get_mut(len) {
                Some(slot) => {
                    *slot = c;
                    len = len.saturating_add(1);
                }
                None => fits = false,
            }
        }
        Ok(match (fits, name.get(..len)) {
            (true, Some(b"online")) => Key::Online,
            (true, Some(b"timestamp")) => Key::Timestamp,
            _ => Key::Other,
        })
    }

    /// Reads the rest of an escape after `\`; returns the ASCII character it stands for, or
    /// `None` for a non-ASCII one (which no STATE member name holds).
    fn escape(&mut self, at: usize) -> Result<Option<u8>, StateError> {
        Ok(match self.next()? {
            c @ (b'"' | b'\\' | b'/') => Some(c),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => {
                let cp = self.hex4(at)?;
                if (0xd800..0xdc00).contains(&cp) {
                    // A high surrogate must be followed by an escaped low one.
                    self.expect(b'\\')?;
                    self.expect(b'u')?;
                    let low = self.hex4(at)?;
                    if !(0xdc00..0xe000).contains(&low) {
                        return Err(StateError::Syntax { offset: at });
                    }
                    None
                } else if (0xdc00..0xe000).contains(&cp) {
                    return Err(StateError::Syntax { offset: at });
                } else {
                    u8::try_from(cp).ok().filter(u8::is_ascii)
                }
            }
            _ => return Err(StateError::Syntax { offset: at }),
        })
    }

    fn hex4(&mut self, at: usize) -> Result<u32, StateError> {
        let mut cp: u32 = 0;
        for _ in 0..4 {
            let d = match self.next()? {
                c @ b'0'..=b'9' => c.saturating_sub(b'0'),
                c @ b'a'..=b'f' => c.saturating_sub(b'a').saturating_add(10),
                c @ b'A'..=b'F' => c.saturating_sub(b'A').saturating_add(10),
                _ => return Err(StateError::Syntax { offset: at }),
            };
            cp = (cp << 4) | u32::from(d);
        }
        Ok(cp)
    }

    fn skip_string(&mut self) -> Result<(), StateError> {
        self.expect(b'"')?;
        loop {
            let at = self.pos;
            match self.next()? {
                b'"' => return Ok(()),
                b'\\' => {
                    self.escape(at)?;
                }
                c if c < 0x20 => return Err(StateError::Syntax { offset: at }),
                _ => {}
            }
        }
    }

    fn digits(&mut self) -> usize {
        let mut n = 0usize;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos = self.pos.saturating_add(1);
            n = n.saturating_add(1);
        }
        n
    }

    /// Skips a number of the RFC 8259 grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn skip_number(&mut self) -> Result<(), StateError> {
        let at = self.pos;
        if self.peek() == Some(b'-') {
            self.pos = self.pos.saturating_add(1);
        }
        let int_at = self.pos;
        match self.digits() {
            0 => return Err(self.syntax_or_truncated(at)),
            // JSON forbids leading zeros: the digit after the zero is the error.
            n if n > 1 && self.buf.get(int_at) == Some(&b'0') => {
                return Err(StateError::Syntax {
                    offset: int_at.saturating_add(1),
                });
            }
            _ => {}
        }
        if self.peek() == Some(b'.') {
            self.pos = self.pos.saturating_add(1);
            if self.digits() == 0 {
                return Err(self.syntax_or_truncated(self.pos));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos = self.pos.saturating_add(1);
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos = self.pos.saturating_add(1);
            }
            if self.digits() == 0 {
                return Err(self.syntax_or_truncated(self.pos));
            }
        }
        Ok(())
    }

    /// `Truncated` at the end of the input, else a syntax error at `offset`.
    fn syntax_or_truncated(&self, offset: usize) -> StateError {
        if self.pos >= self.buf.len() {
            StateError::Truncated
        } else {
            StateError::Syntax { offset }
        }
    }

    /// Skips one JSON value of a member this crate does not read.
    fn skip_value(&mut self, depth: usize) -> Result<(), StateError> {
        let at = self.pos;
        match self.peek().ok_or(StateError::Truncated)? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                if depth >= MAX_JSON_DEPTH {
                    return Err(StateError::Depth { offset: at });
                }
                let object = self.next()? == b'{';
                let close = if object { b'}' } else { b']' };
                self.ws();
                if self.peek() == Some(close) {
                    self.pos = self.pos.saturating_add(1);
                    return Ok(());
                }
                loop {
                    self.ws();
                    if object {
                        self.skip_string()?;
                        self.ws();
                        self.expect(b':')?;
                        self.ws();
                    }
                    self.skip_value(depth.saturating_add(1))?;
                    self.ws();
                    let sep_at = self.pos;
                    match self.next()? {
                        b',' => {}
                        c if c == close => return Ok(()),
                        _ => return Err(StateError::Syntax { offset: sep_at }),
                    }
                }
            }
            b't' | b'f' => self
                .boolean()
                .map(|_| ())
                .ok_or(StateError::Syntax { offset: at }),
            b'n' => {
                if self.literal(b"null") {
                    Ok(())
                } else {
                    Err(StateError::Syntax { offset: at })
                }
            }
            _ => self.skip_number(),
        }
    }
}

/// The whole part of a non-negative JSON number (RFC 8259 grammar, already checked), or
/// `None` past 64 bits.
fn whole_number(text: &[u8]) -> Option<u64> {
    let (mantissa, exponent) = match text.iter().position(|&b| b == b'e' || b == b'E') {
        Some(i) => (text.get(..i)?, text.get(i.saturating_add(1)..)?),
        None => (text, &[][..]),
    };
    let (whole, fraction) = match mantissa.iter().position(|&b| b == b'.') {
        Some(i) => (mantissa.get(..i)?, mantissa.get(i.saturating_add(1)..)?),
        None => (mantissa, &[][..]),
    };
    let (negative, exponent) = match exponent.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, exponent),
    };
    // Saturated far beyond any exponent that leaves a value in 64 bits.
    let e = exponent.iter().fold(0usize, |e, &d| {
        e.saturating_mul(10)
            .saturating_add(usize::from(d.saturating_sub(b'0')))
            .min(1 << 24)
    });
    let push = |v: u64, d: u8| {
        v.checked_mul(10)?
            .checked_add(u64::from(d.saturating_sub(b'0')))
    };
    if negative {
        // Scaled down: the last `e` digits of the whole part are shifted out before it is
        // read (so that `16681147592620000000000e-10` fits), and the fraction with them.
        let kept = whole.len().saturating_sub(e);
        return whole
            .get(..kept)
            .unwrap_or_default()
            .iter()
            .try_fold(0u64, |v, &d| push(v, d));
    }
    let mut value = whole.iter().try_fold(0u64, |v, &d| push(v, d))?;
    // Scaled up: the fraction's first `e` digits join the whole part, then zeros (a value that
    // is not zero overflows within 20 of them); the rest of the fraction is cut off.
    let mut shifted = fraction.iter().copied().chain(core::iter::repeat(b'0'));
    let steps = e.min(fraction.len().saturating_add(20));
    for _ in 0..steps {
        value = push(value, shifted.next().unwrap_or(b'0'))?;
    }
    if e > steps && value != 0 {
        return None;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<StateMessage, StateError> {
        StateMessage::parse(s.as_bytes())
    }

    #[test]
    fn spec_examples_read() {
        // The birth and death certificate examples of §5.4 / §7.3.
        assert_eq!(
            parse(r#"{"online" : true, "timestamp" : 1668114759262}"#),
            Ok(StateMessage::online(1_668_114_759_262))
        );
        assert_eq!(
            parse("{\n  \"online\" : false,\n  \"timestamp\" : 1668114759262\n}"),
            Ok(StateMessage::offline(1_668_114_759_262))
        );
    }

    #[test]
    fn order_escapes_and_extra_members_are_accepted() {
        assert_eq!(
            parse(r#"{"timestamp":5,"extra":{"a":[1,2.5e3,"x\"y",null,{}]},"\u006fnline":true}"#),
            Ok(StateMessage::online(5))
        );
        assert_eq!(
            parse(r#"{"timestamp":0,"online":false}"#),
            Ok(StateMessage::offline(0))
        );
    }

    #[test]
    fn a_timestamp_is_any_non_negative_number_cut_to_whole_milliseconds() {
        let ts = |t: &str| {
            parse(&std::format!(r#"{{"online":true,"timestamp":{t}}}"#)).map(|s| s.timestamp)
        };
        for (text, millis) in [
            ("1668114759262", 1_668_114_759_262u64),
            ("1668114759262.0", 1_668_114_759_262),
            ("1668114759262.999", 1_668_114_759_262),
            ("1.668114759262e12", 1_668_114_759_262),
            ("1.668114759262E+12", 1_668_114_759_262),
            ("1.6681147592629e12", 1_668_114_759_262),
            ("16681147592620e-1", 1_668_114_759_262),
            ("1.5", 1),
            ("0.5", 0),
            ("0", 0),
            ("5e-30", 0),
            ("0e999999999999", 0),
            ("0.0e400", 0),
            ("1e19", 10_000_000_000_000_000_000),
            ("0.00000000000000000000001e30", 10_000_000),
            ("18446744073709551615", u64::MAX),
            ("18446744073709551615.9", u64::MAX),
            ("16681147592620000000000e-10", 1_668_114_759_262),
            ("184467440737095516159e-1", u64::MAX),
        ] {
            assert_eq!(ts(text), Ok(Some(millis)), "{text}");
        }
    }

    #[test]
    fn bad_payloads_are_typed_errors() {
        assert_eq!(parse(""), Err(StateError::Truncated));
        assert_eq!(parse(r#"{"online":true"#), Err(StateError::Truncated));
        assert_eq!(
            parse(r#"{"online":true}"#),
            Err(StateError::MissingTimestamp)
        );
        assert_eq!(parse(r#"{"timestamp":1}"#), Err(StateError::MissingOnline));
        assert_eq!(parse("{}"), Err(StateError::MissingOnline));
        assert_eq!(
            parse(r#"{"online":"true","timestamp":1}"#),
            Err(StateError::Type { offset: 10 })
        );
        assert_eq!(
            parse(r#"{"online":true,"timestamp":-1}"#),
            Err(StateError::Type { offset: 27 })
        );
        assert_eq!(
            parse(r#"{"online":true,"timestamp":-0}"#),
            Err(StateError::Type { offset: 27 })
        );
        assert_eq!(
            parse(r#"{"online":true,"timestamp":1e20}"#),
            Err(StateError::Type { offset: 27 })
        );
        assert_eq!(
            parse(r#"{"online":true,"timestamp":0.00000000000000000000001e50}"#),
            Err(StateError::Type { offset: 27 })
        );
        assert_eq!(
            parse(r#"{"online":true,"timestamp":18446744073709551616}"#),
            Err(StateError::Type { offset: 27 })
        );
        assert_eq!(
            parse(r#"{"online":true,"online":false,"timestamp":1}"#),
            Err(StateError::Duplicate { offset: 15 })
        );
        assert_eq!(
            parse(r#"{"online":true,"timestamp":1} x"#),
            Err(StateError::Syntax { offset: 30 })
        );
        assert_eq!(
            parse(r#"{"online":true,"timestamp":01}"#),
            Err(StateError::Syntax { offset: 28 })
        );
        assert_eq!(parse("[1]"), Err(StateError::Syntax { offset: 0 }));
        let deep = std::format!(r#"{{"x":{}1{}"#, "[".repeat(40), "]".repeat(40));
        assert!(matches!(parse(&deep), Err(StateError::Depth { .. })));
    }

    #[test]
    fn skipped_members_follow_the_json_grammar() {
        let with = |x: &str| parse(&std::format!(r#"{{"x":{x},"online":true,"timestamp":1}}"#));
        for ok in [
            "-0",
            "0.5",
            "1e9",
            "-2.5E-3",
            r#""\ud83d\ude00""#,
            "[]",
            "{}",
            "[{}]",
        ] {
            assert_eq!(with(ok), Ok(StateMessage::online(1)), "{ok}");
        }
        for bad in [
            "01",
            "1.",
            ".5",
            "1e",
            "-",
            "1-2",
            "+1",
            r#""\ud83d""#,
            r#""\ude00""#,
            r#""\x""#,
            "nul",
            "[1,]",
            "{1:2}",
        ] {
            assert!(matches!(with(bad), Err(StateError::Syntax { .. })), "{bad}");
        }
        // Not UTF-8.
        assert_eq!(
            StateMessage::parse(b"{\"\x97\":1,\"online\":true,\"timestamp\":1}"),
            Err(StateError::Syntax { offset: 2 })
        );
    }

    #[test]
    fn every_prefix_of_a_valid_payload_is_an_error() {
        let full = br#"{"online":true,"timestamp":1668114759262}"#;
        for n in 0..full.len() {
            assert!(
                StateMessage::parse(full.get(..n).unwrap_or_default()).is_err(),
                "{n}"
            );
        }
    }

    #[test]
    fn write_is_compact_and_round_trips() {
        for m in [
            StateMessage::online(0),
            StateMessage::offline(u64::MAX),
            StateMessage::online(1_668_114_759_262),
        ] {
            let mut buf = [0u8; StateMessage::MAX_LEN];
            let n = m.write(&mut buf).unwrap();
            assert_eq!(n, m.buffer_len());
            assert_eq!(StateMessage::parse(buf.get(..n).unwrap()), Ok(m));
            let mut short = [0u8; 10];
            assert_eq!(
                m.write(&mut short),
                Err(StateError::BufferTooSmall { needed: n })
            );
        }
        let mut buf = [0u8; StateMessage::MAX_LEN];
        assert_eq!(
            StateMessage::offline(u64::MAX).write(&mut buf),
            Ok(StateMessage::MAX_LEN)
        );
    }

    #[test]
    fn v2_text_form() {
        assert_eq!(
            StateMessage::parse_v2(b"ONLINE").map(|m| m.online),
            Ok(true)
        );
        assert_eq!(
            StateMessage::parse_v2(b"OFFLINE").map(|m| m.online),
            Ok(false)
        );
        assert_eq!(StateMessage::parse_v2(b"online"), Err(StateError::V2Text));
    }
}
