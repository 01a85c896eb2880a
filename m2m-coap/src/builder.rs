//! Building a message into a caller's buffer, without allocation (RFC 7252 §3, RFC 8323 §3.2,
//! §4.2, RFC 8974 §2.1).
//!
//! Options may be added in any order: each is kept in its place by number as it is added
//! (repeated options keep the order they were added in), so adding them in ascending order costs
//! nothing more. The payload may be set at any time. The exact length is known before anything is
//! written ([`Builder::buffer_len`]).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::{BufferTooSmall, Encode, Writer};

use crate::code::{Code, Type};
use crate::error::{BuildError, OptionProblem, Transport};
use crate::message::{MAX_TOKEN_LEN, Message};
use crate::option::number::{check, suspect};
use crate::option::value::encode_uint;
use crate::option::{OptionNumber, encoded_len, header, put_word};
use crate::tcp::length_nibble;
use crate::writer::type_carries;

/// The longest option value the length field can express (14 + 65535 + 269 - 14).
pub const MAX_VALUE_LEN: usize = 65804;

/// The longest options-and-payload part of a TCP message (a 32-bit extended length + 65805).
pub(crate) const MAX_TCP_BODY: u64 = 0xffff_ffff + 65805;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value<'a> {
    Bytes(&'a [u8]),
    /// Text: its bytes are UTF-8 already.
    Text(&'a str),
    /// A uint, kept as its minimal big-endian bytes.
    Uint([u8; 4], u8),
}

impl<'a> Value<'a> {
    #[inline(always)]
    fn bytes(&self) -> &[u8] {
        match self {
            Value::Bytes(b) => b,
            Value::Text(t) => t.as_bytes(),
            Value::Uint(b, n) => b
                .get(4usize.saturating_sub(usize::from(*n))..)
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Opt<'a> {
    number: u16,
    value: Value<'a>,
}

const NONE: Opt<'static> = Opt {
    number: 0,
    value: Value::Bytes(&[]),
};

/// A message under construction, for any transport; `N` is the option capacity.
///
/// ```
/// use m2m_coap::{Builder, Code, Message, OptionNumber, Type};
///
/// let mut b = Builder::<8>::udp(Type::Confirmable, Code::GET, 0x5d1f);
/// b.token(&[0, 0, 0x39, 0x74]);
/// b.str(OptionNumber::URI_PATH, "tv1")?;
/// b.str(OptionNumber::URI_HOST, "localhost")?; // out of order: kept sorted
/// let mut buf = [0u8; 64];
/// let n = b.encode(&mut buf)?;
/// let m = Message::parse_udp(&buf[..n])?;
/// assert_eq!(m.uri_host(), Some("localhost"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Builder<'a, const N: usize = 16> {
    transport: Transport,
    ty: Type,
    message_id: u16,
    code: Code,
    token: &'a [u8],
    opts: [Opt<'a>; N],
    count: usize,
    payload: &'a [u8],
    checked: bool,
    /// Bytes of the option headers and values, kept as options are added.
    opts_len: usize,
    /// The number of the last option (0 when there is none).
    last: u16,
    /// The code is a signaling code (RFC 8323 §5): its options have numbers of their own.
    signaling: bool,
    /// The code moved across the line between signaling and other codes after options were
    /// added: check them all again on encode.
    recheck: bool,
}

impl<'a, const N: usize> Builder<'a, N> {
    #[inline]
    fn new(transport: Transport, ty: Type, code: Code, message_id: u16) -> Self {
        Builder {
            transport,
            ty,
            message_id,
            code,
            token: &[],
            opts: [NONE; N],
            count: 0,
            payload: &[],
            checked: true,
            opts_len: 0,
            last: 0,
            signaling: code.is_signaling(),
            recheck: false,
        }
    }

    /// A CoAP-over-UDP message (RFC 7252 §3).
    #[must_use]
    #[inline]
    pub fn udp(ty: Type, code: Code, message_id: u16) -> Self {
        Self::new(Transport::Udp, ty, code, message_id)
    }

    /// A CoAP-over-TCP/TLS message (RFC 8323 §3.2).
    #[must_use]
    #[inline]
    pub fn tcp(code: Code) -> Self {
        Self::new(Transport::Tcp, Type::NonConfirmable, code, 0)
    }

    /// A CoAP-over-WebSocket message (RFC 8323 §4.2).
    #[must_use]
    #[inline]
    pub fn ws(code: Code) -> Self {
        Self::new(Transport::WebSocket, Type::NonConfirmable, code, 0)
    }

    /// A builder for `transport`; `ty` and `message_id` only matter over UDP.
    #[must_use]
    pub fn for_transport(transport: Transport, ty: Type, code: Code, message_id: u16) -> Self {
        Self::new(transport, ty, code, message_id)
    }

    /// A builder holding every part of `msg`: the same bytes come out for a canonical message
    /// (an option value with leading zeros is kept as it is).
    pub fn from_message(msg: &Message<'a>) -> Result<Self, BuildError> {
        let mut b = Self::new(
            msg.transport(),
            msg.ty().unwrap_or(Type::NonConfirmable),
            msg.code(),
            msg.message_id().unwrap_or(0),
        );
        b.checked = false;
        b.token = msg.token();
        b.payload = msg.payload();
        for o in msg.options() {
            b.push(o.number.0, Value::Bytes(o.value))?;
        }
        Ok(b)
    }

    /// The transport the builder writes for.
    #[must_use]
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The code.
    #[must_use]
    pub fn code(&self) -> Code {
        self.code
    }

    /// Turns off the registry checks (length bounds, repeats, UTF-8), for tests that build
    /// what a faulty peer would send. The wire rules still hold.
    pub fn unchecked(&mut self) -> &mut Self {
        self.checked = false;
        self
    }

    /// Sets the message type (UDP).
    pub fn set_type(&mut self, ty: Type) -> &mut Self {
        self.ty = ty;
        self
    }

    /// Sets the message id (UDP).
    pub fn set_message_id(&mut self, id: u16) -> &mut Self {
        self.message_id = id;
        self
    }

    /// Sets the code.
    pub fn set_code(&mut self, code: Code) -> &mut Self {
        if code.is_signaling() != self.signaling && self.count > 0 {
            self.recheck = true;
        }
        self.signaling = code.is_signaling();
        self.code = code;
        self
    }

    /// Sets the token: 0-8 bytes (RFC 7252), or up to 65804 for a peer that understands
    /// RFC 8974 extended tokens (checked on encode).
    pub fn token(&mut self, token: &'a [u8]) -> &mut Self {
        self.token = token;
        self
    }

    /// Sets the payload (a payload marker is written only before a non-empty payload).
    pub fn payload(&mut self, payload: &'a [u8]) -> &mut Self {
        self.payload = payload;
        self
    }

    /// Adds an option with an opaque value.
    pub fn opaque(
        &mut self,
        number: OptionNumber,
        value: &'a [u8],
    ) -> Result<&mut Self, BuildError> {
        self.push(number.0, Value::Bytes(value))
    }

    /// Adds an option with a string value.
    pub fn str(&mut self, number: OptionNumber, value: &'a str) -> Result<&mut Self, BuildError> {
        self.push(number.0, Value::Text(value))
    }

    /// Adds an option with an unsigned integer value, in its minimal encoding.
    pub fn uint(&mut self, number: OptionNumber, value: u32) -> Result<&mut Self, BuildError> {
        let (bytes, n) = encode_uint(value);
        #[allow(clippy::cast_possible_truncation)] // n <= 4
        self.push(number.0, Value::Uint(bytes, n as u8))
    }

    /// Adds an option with an empty value (If-None-Match, Block-Wise-Transfer, ...).
    pub fn empty(&mut self, number: OptionNumber) -> Result<&mut Self, BuildError> {
        self.push(number.0, Value::Bytes(&[]))
    }

    /// Adds each segment of a `/`-separated path as a Uri-Path option (empty segments of a
    /// leading or doubled `/` are skipped).
    pub fn path(&mut self, path: &'a str) -> Result<&mut Self, BuildError> {
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            self.str(OptionNumber::URI_PATH, seg)?;
        }
        Ok(self)
    }

    /// Adds an option: in line when it comes in order, has room and passes the registry's
    /// quick screen (almost always); everything else out of line.
    #[inline(always)]
    fn push(&mut self, number: u16, value: Value<'a>) -> Result<&mut Self, BuildError> {
        let count = self.count;
        let bytes = value.bytes();
        let len = bytes.len();
        let in_order = number >= self.last && len <= MAX_VALUE_LEN && count < N;
        let clear = !self.checked
            || (!self.signaling
                && !suspect(
                    number,
                    bytes,
                    count > 0 && number == self.last,
                    matches!(value, Value::Text(_)),
                ));
        if in_order && clear {
            if let Some(slot) = self.opts.get_mut(count) {
                *slot = Opt { number, value };
                let added = encoded_len(number.wrapping_sub(self.last), len);
                self.opts_len = self.opts_len.saturating_add(added);
                self.last = number;
                self.count = count.saturating_add(1);
                return Ok(self);
            }
        }
        self.push_slow(number, value)
    }

    /// [`Builder::push`] for an option that needs the full registry check, comes out of order
    /// or does not fit.
    #[cold]
    #[inline(never)]
    fn push_slow(&mut self, number: u16, value: Value<'a>) -> Result<&mut Self, BuildError> {
        self.insert(number, value)
    }

    /// The full registry check of one option (in a signaling message, against the options of
    /// its code).
    fn check_one(&self, number: u16, value: &[u8], repeat: bool) -> Result<(), BuildError> {
        let sig = self.signaling.then_some(self.code);
        match check(sig, number, value, repeat) {
            // Options outside the registry are the sender's to choose.
            None | Some(OptionProblem::Unrecognized) => Ok(()),
            Some(problem) => Err(BuildError::Option { number, problem }),
        }
    }

    /// [`Builder::push`] for an option that goes before the last one, or that does not fit.
    #[cold]
    fn insert(&mut self, number: u16, value: Value<'a>) -> Result<&mut Self, BuildError> {
        let len = value.bytes().len();
        if len > MAX_VALUE_LEN {
            return Err(BuildError::ValueTooLong(len));
        }
        let count = self.count;
        if count >= N {
            return Err(BuildError::TooManyOptions(N));
        }
        // Its place: after every option with a number not above it (stable for repeats).
        let mut at = count;
        while at > 0
            && self
                .opts
                .get(at.saturating_sub(1))
                .is_some_and(|o| o.number > number)
        {
            at = at.saturating_sub(1);
        }
        let before = at
            .checked_sub(1)
            .and_then(|i| self.opts.get(i))
            .map(|o| o.number);
        if self.checked {
            self.check_one(number, value.bytes(), before == Some(number))?;
        }
        if let Some(tail) = self.opts.get_mut(at..=count) {
            tail.rotate_right(1);
        }
        if let Some(slot) = self.opts.get_mut(at) {
            *slot = Opt { number, value };
        }
        self.count = count.saturating_add(1);
        self.opts_len = self.options_len();
        self.last = self.options().last().map_or(0, |o| o.number);
        Ok(self)
    }

    fn options(&self) -> &[Opt<'a>] {
        self.opts.get(..self.count).unwrap_or_default()
    }

    /// Bytes of the option headers and values, counted afresh.
    fn options_len(&self) -> usize {
        let mut len = 0usize;
        let mut prev = 0u16;
        for o in self.options() {
            len = len.saturating_add(encoded_len(
                o.number.saturating_sub(prev),
                o.value.bytes().len(),
            ));
            prev = o.number;
        }
        len
    }

    /// Bytes of the option area and payload (with its marker).
    #[inline]
    fn body_len(&self) -> usize {
        match self.payload.len() {
            0 => self.opts_len,
            p => self.opts_len.saturating_add(1).saturating_add(p),
        }
    }

    fn token_ext(&self) -> usize {
        match self.token.len() {
            0..=12 => 0,
            13..=268 => 1,
            _ => 2,
        }
    }

    fn header_len(&self) -> usize {
        let base = match self.transport {
            Transport::Udp => 4,
            Transport::WebSocket => 2,
            Transport::Tcp => 2usize.saturating_add(length_nibble(self.body_len()).1),
        };
        base.saturating_add(self.token_ext())
    }

    /// Checks the rules that make the message valid: the token length, an Empty message with
    /// nothing in it, and (unless [`Builder::unchecked`]) each option against the registry.
    pub fn check(&self) -> Result<(), BuildError> {
        let tl = self.token.len();
        if tl > MAX_TOKEN_LEN {
            return Err(BuildError::Token(tl));
        }
        if self.transport == Transport::Tcp && self.body_len() as u64 > MAX_TCP_BODY {
            return Err(BuildError::ValueTooLong(self.body_len()));
        }
        if self.code.is_empty() && (tl > 0 || self.count > 0 || !self.payload.is_empty()) {
            return Err(BuildError::EmptyNotEmpty);
        }
        // The codes each type may carry (RFC 7252 §4.2-4.3; signaling only over TCP and
        // WebSocket, RFC 8323 §5): what the parser refuses is not built.
        if self.checked && !type_carries(self.transport, self.ty, self.code) {
            return Err(BuildError::TypeCode {
                ty: self.ty,
                code: self.code,
            });
        }
        // ETag is repeatable in requests only (RFC 7252 §5.10.6.1): a response has one at most,
        // known only once the code is final.
        if self.checked && self.code.is_response() {
            let etags = self
                .options()
                .iter()
                .take_while(|o| o.number <= OptionNumber::ETAG.0)
                .filter(|o| o.number == OptionNumber::ETAG.0)
                .count();
            if etags > 1 {
                return Err(BuildError::Option {
                    number: OptionNumber::ETAG.0,
                    problem: OptionProblem::Repeated,
                });
            }
        }
        // Options are checked as they are added; again only if the code moved across the
        // line between signaling options and the others since.
        if !self.checked || !self.recheck {
            return Ok(());
        }
        let sig = self.signaling.then_some(self.code);
        let mut prev: Option<u16> = None;
        for o in self.options() {
            let repeat = prev == Some(o.number);
            match check(sig, o.number, o.value.bytes(), repeat) {
                None | Some(OptionProblem::Unrecognized) => {}
                Some(problem) => {
                    return Err(BuildError::Option {
                        number: o.number,
                        problem,
                    });
                }
            }
            prev = Some(o.number);
        }
        Ok(())
    }

    /// Writes the message; returns its length ([`Builder::buffer_len`]).
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, BuildError> {
        self.check()?;
        Ok(self.write(out)?)
    }

    #[allow(clippy::cast_possible_truncation)] // lengths checked by push and check
    fn write(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        let body = self.body_len();
        let total = self
            .header_len()
            .saturating_add(self.token.len())
            .saturating_add(body);
        let Some(out) = out.get_mut(..total) else {
            return Err(BufferTooSmall {
                needed: total,
                available: out.len(),
            });
        };
        let tl = self.token.len();
        let tkl = match tl {
            0..=12 => tl as u8,
            13..=268 => 13,
            _ => 14,
        };
        let mut w = Writer::new(out);
        match self.transport {
            Transport::Udp => {
                w.put(&[0x40 | (self.ty.bits() << 4) | tkl, self.code.0])?;
                w.put(&self.message_id.to_be_bytes())?;
            }
            Transport::WebSocket => w.put(&[tkl, self.code.0])?,
            Transport::Tcp => {
                let (n, x) = length_nibble(body);
                w.put(&[(n << 4) | tkl])?;
                match x {
                    0 => {}
                    1 => w.put(&[body.saturating_sub(13) as u8])?,
                    2 => w.put(&(body.saturating_sub(269) as u16).to_be_bytes())?,
                    _ => w.put(&(body.saturating_sub(65805) as u32).to_be_bytes())?,
                }
                w.put(&[self.code.0])?;
            }
        }
        match tkl {
            13 => w.put(&[tl.saturating_sub(13) as u8])?,
            14 => w.put(&(tl.saturating_sub(269) as u16).to_be_bytes())?,
            _ => {}
        }
        w.put(self.token)?;
        let head = w.written().len();
        let short = BufferTooSmall {
            needed: total,
            available: total,
        };
        let mut rest = out.get_mut(head..).ok_or(short)?;
        let mut prev = 0u16;
        for o in self.options() {
            rest = put_option(rest, o.number.saturating_sub(prev), o.value.bytes()).ok_or(short)?;
            prev = o.number;
        }
        if let Some((marker, tail)) = rest.split_first_mut() {
            *marker = 0xff;
            tail.get_mut(..self.payload.len())
                .ok_or(short)?
                .copy_from_slice(self.payload);
        }
        Ok(total)
    }
}

/// Writes one option (header, extensions, value) at the head of `out` and returns what follows
/// it; `None` if `out` is too short.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // each value is in range where it is cast
pub(crate) fn put_option<'b>(out: &'b mut [u8], delta: u16, value: &[u8]) -> Option<&'b mut [u8]> {
    let len = value.len();
    let tail = if delta < 13 && len < 13 {
        let (h, tail) = out.split_first_mut()?;
        *h = ((delta as u8) << 4) | len as u8;
        tail
    } else {
        let (head, n) = header(u32::from(delta), len as u32);
        let (h, tail) = out.split_at_mut_checked(n)?;
        put_word(h, head);
        tail
    };
    let (dst, tail) = tail.split_at_mut_checked(len)?;
    m2m_core::copy_short(dst, value);
    Some(tail)
}

impl<const N: usize> Encode for Builder<'_, N> {
    fn buffer_len(&self) -> usize {
        self.header_len()
            .saturating_add(self.token.len())
            .saturating_add(self.body_len())
    }

    /// Writes the message without the registry checks of [`Builder::encode`] (the `Encode`
    /// contract has no room for them): call [`Builder::check`] first.
    fn encode(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        self.write(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_checks_as_options_are_added() {
        let mut b = Builder::<4>::udp(Type::Confirmable, Code::GET, 1);
        // Uri-Host must be 1-255 bytes; Content-Format is not repeatable.
        assert_eq!(
            b.str(OptionNumber::URI_HOST, "").err(),
            Some(BuildError::Option {
                number: 3,
                problem: OptionProblem::Length
            })
        );
        b.uint(OptionNumber::CONTENT_FORMAT, 0).unwrap();
        assert_eq!(
            b.uint(OptionNumber::CONTENT_FORMAT, 50).err(),
            Some(BuildError::Option {
                number: 12,
                problem: OptionProblem::Repeated
            })
        );
        // Out of order, the same rules.
        assert!(b.opaque(OptionNumber::IF_NONE_MATCH, b"x").is_err());
        // Unregistered options are the sender's to choose, critical or not.
        b.opaque(OptionNumber(65001), b"any").unwrap();
    }

    #[test]
    fn a_code_that_crosses_the_signaling_line_rechecks() {
        // Option 2 is unregistered for a request, but Max-Message-Size (0-4 bytes) in a CSM.
        let mut b = Builder::<2>::tcp(Code::GET);
        b.opaque(OptionNumber(2), &[1, 2, 3, 4, 5]).unwrap();
        let mut out = [0u8; 32];
        assert!(b.encode(&mut out).is_ok());
        b.set_code(Code::CSM);
        assert_eq!(
            b.encode(&mut out).err(),
            Some(BuildError::Option {
                number: 2,
                problem: OptionProblem::Length
            })
        );
        b.set_code(Code::GET);
        assert!(b.encode(&mut out).is_ok());
    }

    #[test]
    fn tokens_and_empty_messages() {
        let mut b = Builder::<0>::udp(Type::Confirmable, Code::EMPTY, 1);
        b.token(&[1]);
        assert_eq!(b.check(), Err(BuildError::EmptyNotEmpty));
        let long = [7u8; 300];
        let mut b = Builder::<0>::udp(Type::Confirmable, Code::GET, 1);
        b.token(&long);
        let mut out = [0u8; 400];
        let n = b.encode(&mut out).unwrap();
        let m = Message::parse_udp(&out[..n]).unwrap();
        assert_eq!(m.token(), &long[..]);
    }
}
