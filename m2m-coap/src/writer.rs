//! Writing a message straight into a caller's buffer (RFC 7252 §3, RFC 8323 §3.2, §4.2, RFC
//! 8974 §2.1): the in-place counterpart of [`Builder`](crate::Builder).
//!
//! Each option is written where it belongs as it is added, with the same registry checks as the
//! builder. An option added in ascending order goes at the end, with nothing to move. An option
//! that comes out of order is inserted, and the options after it move (their first header's
//! delta is written again). Repeated options keep the order they were added in. The payload may
//! be set at any time; it is written by [`MessageWriter::finish`]. There is no option capacity:
//! the buffer is the only bound.
//!
//! Over TCP the header's length field depends on the body, so room for its longest form is kept
//! in front, and the message is moved to the start of the buffer by `finish` when the field is
//! shorter.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::BufferTooSmall;

use crate::builder::{MAX_TCP_BODY, MAX_VALUE_LEN, put_option};
use crate::code::{Code, Type};
use crate::error::{BuildError, OptionProblem, Transport};
use crate::message::MAX_TOKEN_LEN;
use crate::option::number::{ascii, check, suspect, suspect_by};
use crate::option::scan::clear_class;
use crate::option::value::encode_uint;
use crate::option::{OptionNumber, encoded_len, nibble_value_at, write_header};
use crate::tcp::length_nibble;
use m2m_core::copy_short;

/// Bytes kept in front of a TCP message for its Len nibble byte and the longest extended length.
const TCP_LEN_ROOM: usize = 5;

/// A message being written into a buffer, for any transport.
///
/// ```
/// use m2m_coap::{Code, Message, MessageWriter, OptionNumber, Type};
///
/// let mut buf = [0u8; 64];
/// let mut w = MessageWriter::udp(&mut buf, Type::Confirmable, Code::GET, 0x5d1f, &[0x39, 0x74])?;
/// w.str(OptionNumber::URI_PATH, "temp")?;
/// w.str(OptionNumber::URI_HOST, "sensor")?; // out of order: inserted before Uri-Path
/// w.uint(OptionNumber::ACCEPT, 50)?;
/// let n = w.finish()?;
/// let m = Message::parse_udp(&buf[..n])?;
/// assert_eq!((m.uri_host(), m.token()), (Some("sensor"), &[0x39, 0x74][..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MessageWriter<'b, 'p> {
    buf: &'b mut [u8],
    transport: Transport,
    ty: Type,
    code: Code,
    token_len: usize,
    /// Where the options begin.
    start: usize,
    /// Where the options written so far end.
    end: usize,
    /// The number of the last option (0 when there is none).
    last: u16,
    payload: &'p [u8],
    /// The registry check each option gets (decided once: the code does not change).
    screen: Screen,
}

/// How options are checked against the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    /// The quick screen, then the full check when it has a doubt.
    Quick,
    /// The full check against the options of a signaling code (RFC 8323 §5).
    Signaling,
    /// None ([`MessageWriter::unchecked`]).
    Off,
}

impl<'b, 'p> MessageWriter<'b, 'p> {
    /// A CoAP-over-UDP message (RFC 7252 §3) with `token` (0-8 bytes, or longer for a peer that
    /// understands RFC 8974 extended tokens).
    pub fn udp(
        buf: &'b mut [u8],
        ty: Type,
        code: Code,
        message_id: u16,
        token: &[u8],
    ) -> Result<Self, BuildError> {
        let (tkl, ext) = token_nibble(token.len())?;
        let [m0, m1] = message_id.to_be_bytes();
        let head = [0x40 | (ty.bits() << 4) | tkl, code.0, m0, m1];
        Self::begin(buf, Transport::Udp, ty, code, &head, ext, token)
    }

    /// A CoAP-over-TCP/TLS message (RFC 8323 §3.2) with `token`.
    pub fn tcp(buf: &'b mut [u8], code: Code, token: &[u8]) -> Result<Self, BuildError> {
        let (tkl, ext) = token_nibble(token.len())?;
        // The Len/TKL byte and the extended length are written by `finish`; the code and
        // the token go after the room kept for them.
        let mut head = [0u8; TCP_LEN_ROOM + 1];
        if let Some(h) = head.first_mut() {
            *h = tkl;
        }
        if let Some(c) = head.last_mut() {
            *c = code.0;
        }
        Self::begin(
            buf,
            Transport::Tcp,
            Type::NonConfirmable,
            code,
            &head,
            ext,
            token,
        )
    }

    /// A CoAP-over-WebSocket message (RFC 8323 §4.2) with `token`.
    pub fn ws(buf: &'b mut [u8], code: Code, token: &[u8]) -> Result<Self, BuildError> {
        let (tkl, ext) = token_nibble(token.len())?;
        Self::begin(
            buf,
            Transport::WebSocket,
            Type::NonConfirmable,
            code,
            &[tkl, code.0],
            ext,
            token,
        )
    }

    #[allow(clippy::cast_possible_truncation)] // the extension is in range, see token_nibble
    fn begin(
        buf: &'b mut [u8],
        transport: Transport,
        ty: Type,
        code: Code,
        head: &[u8],
        ext: usize,
        token: &[u8],
    ) -> Result<Self, BuildError> {
        let tl = token.len();
        let start = head.len().saturating_add(ext).saturating_add(tl);
        let available = buf.len();
        let short = BufferTooSmall {
            needed: start,
            available,
        };
        let dst = buf.get_mut(..start).ok_or(short)?;
        let (h, rest) = dst.split_at_mut_checked(head.len()).ok_or(short)?;
        h.copy_from_slice(head);
        let (x, t) = rest.split_at_mut_checked(ext).ok_or(short)?;
        match x {
            [b] => *b = tl.saturating_sub(13) as u8,
            [b0, b1] => [*b0, *b1] = (tl.saturating_sub(269) as u16).to_be_bytes(),
            _ => {}
        }
        if tl > 16 {
            t.copy_from_slice(token);
        } else {
            copy_short(t, token);
        }
        Ok(MessageWriter {
            buf,
            transport,
            ty,
            code,
            token_len: tl,
            start,
            end: start,
            last: 0,
            payload: &[],
            screen: if code.is_signaling() {
                Screen::Signaling
            } else {
                Screen::Quick
            },
        })
    }

    /// Turns off the registry checks (length bounds, repeats, UTF-8) and the type/code check,
    /// for tests that write what a faulty peer would send. The wire rules still hold.
    pub fn unchecked(&mut self) -> &mut Self {
        self.screen = Screen::Off;
        self
    }

    /// Sets the payload, written by [`MessageWriter::finish`] (a payload marker is written only
    /// before a non-empty payload).
    pub fn payload(&mut self, payload: &'p [u8]) -> &mut Self {
        self.payload = payload;
        self
    }

    /// Adds an option with an opaque value.
    pub fn opaque(&mut self, number: OptionNumber, value: &[u8]) -> Result<&mut Self, BuildError> {
        self.push(number.0, Val::Bytes(value), false)
    }

    /// Adds an option with a string value.
    pub fn str(&mut self, number: OptionNumber, value: &str) -> Result<&mut Self, BuildError> {
        self.push(number.0, Val::Bytes(value.as_bytes()), true)
    }

    /// Adds an option with an unsigned integer value, in its minimal encoding.
    pub fn uint(&mut self, number: OptionNumber, value: u32) -> Result<&mut Self, BuildError> {
        self.push(number.0, Val::Uint(value), false)
    }

    /// Adds an option with an empty value (If-None-Match, Block-Wise-Transfer, ...).
    pub fn empty(&mut self, number: OptionNumber) -> Result<&mut Self, BuildError> {
        self.push(number.0, Val::Bytes(&[]), false)
    }

    /// Adds each segment of a `/`-separated path as a Uri-Path option (empty segments of a
    /// leading or doubled `/` are skipped).
    pub fn path(&mut self, path: &str) -> Result<&mut Self, BuildError> {
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            self.str(OptionNumber::URI_PATH, seg)?;
        }
        Ok(self)
    }

    /// Bytes written so far (header, token and options; the payload comes with `finish`).
    #[must_use]
    pub fn len(&self) -> usize {
        self.end
    }

    /// Whether nothing but the header and token is written.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// Adds an option: in line when it comes in order, passes the registry's quick screen and
    /// fits (almost always); everything else (the full check, an insertion, an error) out of
    /// line, through functions that take the writer's parts so that it can stay in registers.
    #[inline(always)]
    fn push(&mut self, number: u16, value: Val<'_>, utf8: bool) -> Result<&mut Self, BuildError> {
        let (end, last) = (self.end, self.last);
        // `number == last` is a repeat here: the one case where it is not (no option yet, and
        // number 0) is an unregistered number, for which the screen does not ask.
        let len = value.len();
        // The delta to the last option; below 13 only for an option in order (one before the
        // last wraps to above 65535).
        let delta = u32::from(number).wrapping_sub(u32::from(last));
        if delta < 13 && len < 13 {
            // The commonest option: a one-byte header and a short value.
            // The rule's bit for this length and whether it repeats the last option: `len`,
            // plus 16 when `delta` is 0 (then `delta - 1` wraps and has bit 31 set).
            #[allow(clippy::cast_possible_truncation)] // len < 13
            let class = len as u32 | (delta.wrapping_sub(1) >> 27 & 16);
            let clear = match self.screen {
                Screen::Quick => clear_class(number, class, || utf8 || value.ascii()),
                Screen::Signaling => false,
                Screen::Off => true,
            };
            if clear {
                if let Some(end) = put_short(self.buf, end, delta, value) {
                    self.end = end;
                    self.last = number;
                    return Ok(self);
                }
            }
        } else {
            let clear = match self.screen {
                Screen::Quick => !suspect_by(number, len, delta == 0, || utf8 || value.ascii()),
                Screen::Signaling => false,
                Screen::Off => true,
            };
            if clear && number >= last {
                if let Some(end) = put_at(self.buf, end, number.wrapping_sub(last), value) {
                    self.end = end;
                    self.last = number;
                    return Ok(self);
                }
            }
        }
        let rules = Rules {
            screen: self.screen,
            code: self.code,
        };
        let (end, last) = match value {
            Val::Bytes(v) => push_slow(self.buf, self.start, end, last, rules, number, v, utf8),
            Val::Uint(u) => {
                let (bytes, n) = encode_uint(u);
                let v = bytes.get(4usize.saturating_sub(n)..).unwrap_or_default();
                push_slow(self.buf, self.start, end, last, rules, number, v, utf8)
            }
        }?;
        self.end = end;
        self.last = last;
        Ok(self)
    }

    /// Checks what could not be checked as the parts came (an Empty message with something in
    /// it, a code the type cannot carry, the size of a TCP body), writes the payload and, over
    /// TCP, the length; returns the length of the message, which starts at the buffer's start.
    #[allow(clippy::cast_possible_truncation)] // lengths in range of each field
    pub fn finish(self) -> Result<usize, BuildError> {
        let has_options = self.end > self.start;
        if self.code.is_empty() && (self.token_len > 0 || has_options || !self.payload.is_empty()) {
            return Err(BuildError::EmptyNotEmpty);
        }
        if self.screen != Screen::Off && !type_carries(self.transport, self.ty, self.code) {
            return Err(BuildError::TypeCode {
                ty: self.ty,
                code: self.code,
            });
        }
        let mut end = self.end;
        if !self.payload.is_empty() {
            // No overflow: both lengths are of slices, at most isize::MAX.
            let total = end.wrapping_add(1).wrapping_add(self.payload.len());
            let short = BufferTooSmall {
                needed: total,
                available: self.buf.len(),
            };
            let (marker, rest) = self
                .buf
                .get_mut(end..)
                .and_then(<[u8]>::split_first_mut)
                .ok_or(short)?;
            let rest = rest.get_mut(..self.payload.len()).ok_or(short)?;
            *marker = 0xff;
            // `copy_short` takes a payload longer than 16 bytes to `copy_from_slice` itself.
            copy_short(rest, self.payload);
            end = total;
        }
        if self.transport != Transport::Tcp {
            return Ok(end);
        }
        // The TCP length: the Len nibble and its extension end where the code begins.
        let body = end.saturating_sub(self.start);
        if body as u64 > MAX_TCP_BODY {
            return Err(BuildError::ValueTooLong(body));
        }
        let (n, x) = length_nibble(body);
        let first = TCP_LEN_ROOM.saturating_sub(1).saturating_sub(x);
        let tkl = self.buf.first().copied().unwrap_or(0);
        let room = self
            .buf
            .get_mut(first..TCP_LEN_ROOM)
            .and_then(<[u8]>::split_first_mut);
        if let Some((len_byte, ext)) = room {
            *len_byte = (n << 4) | tkl;
            match ext {
                [b] => *b = body.saturating_sub(13) as u8,
                [b0, b1] => [*b0, *b1] = (body.saturating_sub(269) as u16).to_be_bytes(),
                [b0, b1, b2, b3] => {
                    [*b0, *b1, *b2, *b3] = (body.saturating_sub(65805) as u32).to_be_bytes();
                }
                _ => {}
            }
        }
        self.buf.copy_within(first..end, 0);
        Ok(end.saturating_sub(first))
    }
}

/// What the registry checks of a writer depend on: its screen and its code.
#[derive(Debug, Clone, Copy)]
struct Rules {
    screen: Screen,
    code: Code,
}

impl Rules {
    /// The registry check of one option: the quick screen, then the full check when the screen
    /// has a doubt (and always for a signaling code, whose options have numbers of their own).
    fn check(self, number: u16, value: &[u8], repeat: bool, utf8: bool) -> Result<(), BuildError> {
        if self.screen == Screen::Off {
            return Ok(());
        }
        let signaling = self.screen == Screen::Signaling;
        if !signaling && !suspect(number, value, repeat, utf8) {
            return Ok(());
        }
        // A response has one ETag at most (RFC 7252 §5.10.6.1), as the parser reads it.
        if repeat && number == OptionNumber::ETAG.0 && self.code.is_response() {
            return Err(BuildError::Option {
                number,
                problem: OptionProblem::Repeated,
            });
        }
        match check(signaling.then_some(self.code), number, value, repeat) {
            // Options outside the registry are the sender's to choose.
            None | Some(OptionProblem::Unrecognized) => Ok(()),
            Some(problem) => Err(BuildError::Option { number, problem }),
        }
    }
}

/// [`MessageWriter::push`] the general way, for what its line does not take: an option that
/// goes before the last one, one the quick screen has a doubt about, a signaling option, one
/// that does not fit. The options are `buf[start..end]`, the last one's number `last`; returns
/// the new end and last number.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)] // the writer's parts, so that it is not borrowed whole
fn push_slow(
    buf: &mut [u8],
    start: usize,
    end: usize,
    last: u16,
    rules: Rules,
    number: u16,
    value: &[u8],
    utf8: bool,
) -> Result<(usize, u16), BuildError> {
    let len = value.len();
    if len > MAX_VALUE_LEN {
        return Err(BuildError::ValueTooLong(len));
    }
    if number < last {
        let end = insert(buf, start, end, rules, number, value, utf8)?;
        return Ok((end, last));
    }
    rules.check(number, value, end > start && number == last, utf8)?;
    let delta = number.wrapping_sub(last);
    let available = buf.len();
    let tail = buf.get_mut(end..).unwrap_or_default();
    let rest = put_option(tail, delta, value).ok_or(BufferTooSmall {
        needed: end.saturating_add(encoded_len(delta, len)),
        available,
    })?;
    Ok((available.saturating_sub(rest.len()), number))
}

/// [`push_slow`] for an option that goes before the last one: after every option with a number
/// not above it, moving the options behind it. Returns the new end.
#[allow(clippy::too_many_arguments)]
fn insert(
    buf: &mut [u8],
    start: usize,
    end: usize,
    rules: Rules,
    number: u16,
    value: &[u8],
    utf8: bool,
) -> Result<usize, BuildError> {
    // The option the new one goes in front of: where it starts, its number, its header's
    // length and its value's length; and the number of the option before it.
    let mut at = start;
    let mut prev = 0u16;
    let (next, head_len, value_len) = loop {
        let (delta, vlen, hlen) =
            read_header(buf.get(at..end).unwrap_or_default()).ok_or(BuildError::Option {
                number,
                problem: OptionProblem::Length,
            })?;
        let n = prev.saturating_add(delta);
        if n > number {
            break (n, hlen, vlen);
        }
        prev = n;
        at = at.saturating_add(hlen).saturating_add(vlen);
    };
    rules.check(number, value, at > start && prev == number, utf8)?;
    let new_len = encoded_len(number.saturating_sub(prev), value.len());
    let next_delta = next.saturating_sub(number);
    let next_head = encoded_len(next_delta, value_len).saturating_sub(value_len);
    // The bytes after the next option's header move from `from` to `to`.
    let from = at.saturating_add(head_len);
    let to = at.saturating_add(new_len).saturating_add(next_head);
    let new_end = end.saturating_add(to).saturating_sub(from);
    let short = BuildError::Buffer(BufferTooSmall {
        needed: new_end,
        available: buf.len(),
    });
    if new_end > buf.len() {
        return Err(short);
    }
    buf.copy_within(from..end, to);
    let tail = buf.get_mut(at..).ok_or(short)?;
    let tail = put_option(tail, number.saturating_sub(prev), value).ok_or(short)?;
    #[allow(clippy::cast_possible_truncation)] // a value length of at most MAX_VALUE_LEN
    write_header(tail, u32::from(next_delta), value_len as u32).ok_or(short)?;
    Ok(new_end)
}

/// The TKL nibble of a token and the length of its extension (RFC 8974 §2.1).
fn token_nibble(len: usize) -> Result<(u8, usize), BuildError> {
    match len {
        #[allow(clippy::cast_possible_truncation)] // at most 12
        0..=12 => Ok((len as u8, 0)),
        13..=268 => Ok((13, 1)),
        269..=MAX_TOKEN_LEN => Ok((14, 2)),
        _ => Err(BuildError::Token(len)),
    }
}

/// Whether a message of `ty` over `transport` may carry `code` (RFC 7252 §4.2-4.3; signaling
/// only over TCP and WebSocket, RFC 8323 §5): one load from [`CARRIES`] and one shift.
#[inline]
pub(crate) fn type_carries(transport: Transport, ty: Type, code: Code) -> bool {
    let bit = match transport {
        Transport::Udp => ty.bits(),
        _ => RELIABLE,
    };
    CARRIES
        .get(usize::from(code.0))
        .is_some_and(|&c| (c >> bit) & 1 == 1)
}

/// The bit of a [`CARRIES`] entry for the reliable transports (below it, one per UDP type).
const RELIABLE: u8 = 4;

/// For each code, the messages that may carry it: bit `t` a UDP message of type `t`
/// ([`Type::bits`]), bit [`RELIABLE`] one over TCP or WebSocket. Built from a mask per transport
/// and type with a bit for each code class (bit 0 requests, 2, 4 and 5 responses, 7 signaling;
/// 1, 3 and 6 are reserved) and bit 8 for the Empty code.
#[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)] // compile time, c < 256
static CARRIES: [u8; 256] = {
    const EMPTY: u16 = 1 << 8;
    const REQUEST: u16 = 1;
    const RESPONSE: u16 = 1 << 2 | 1 << 4 | 1 << 5;
    const SIGNALING: u16 = 1 << 7;
    // By Type::bits, then the reliable transports.
    const MASKS: [u16; 5] = [
        EMPTY | REQUEST | RESPONSE,
        REQUEST | RESPONSE,
        EMPTY | RESPONSE,
        EMPTY,
        EMPTY | REQUEST | RESPONSE | SIGNALING,
    ];
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let bit = if c == 0 { 8 } else { c >> 5 };
        let mut k = 0;
        while k < 5 {
            if (MASKS[k] >> bit) & 1 == 1 {
                t[c] |= 1 << k;
            }
            k += 1;
        }
        c += 1;
    }
    t
};

/// An option value as it comes to [`MessageWriter::push`]: bytes, or a number written in its
/// minimal encoding straight from the register.
#[derive(Debug, Clone, Copy)]
enum Val<'v> {
    Bytes(&'v [u8]),
    Uint(u32),
}

impl Val<'_> {
    #[inline(always)]
    fn len(self) -> usize {
        match self {
            Val::Bytes(v) => v.len(),
            Val::Uint(u) => encode_uint(u).1,
        }
    }

    /// Whether every byte is ASCII (a number's leading zero bytes, not written, are).
    #[inline(always)]
    fn ascii(self) -> bool {
        match self {
            Val::Bytes(v) => ascii(v),
            Val::Uint(u) => u & 0x8080_8080 == 0,
        }
    }
}

/// Writes an option of `delta` and `value` below 13 each at `at` in the line of
/// [`MessageWriter::push`]: a one-byte header and the value. Returns where it ends; `None` if
/// it does not fit.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // delta and the length are below 13
fn put_short(buf: &mut [u8], at: usize, delta: u32, value: Val<'_>) -> Option<usize> {
    let len = value.len();
    let (head, dst) = buf.get_mut(at..)?.get_mut(..=len)?.split_first_mut()?;
    *head = ((delta as u8) << 4) | len as u8;
    match value {
        Val::Uint(v) => put_uint(dst, v),
        Val::Bytes(v) => copy_short(dst, v),
    }
    // No overflow: the option ends within the buffer.
    Some(at.wrapping_add(len).wrapping_add(1))
}

/// Writes option `delta`/`value` at `at` in the line of [`MessageWriter::push`]: an option with
/// extension bytes (or any other), its header by [`write_header`]. Returns where it ends; `None`
/// if it does not fit or is longer than a length field can say.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // len <= MAX_VALUE_LEN
fn put_at(buf: &mut [u8], at: usize, delta: u16, value: Val<'_>) -> Option<usize> {
    let len = value.len();
    if len > MAX_VALUE_LEN {
        return None;
    }
    let rest = buf.get_mut(at..)?;
    let n = write_header(rest, u32::from(delta), len as u32)?;
    let dst = rest.get_mut(n..)?.get_mut(..len)?;
    match value {
        Val::Bytes(v) => copy_short(dst, v),
        Val::Uint(u) => put_uint(dst, u),
    }
    // No overflow: the option ends within the buffer.
    Some(at.wrapping_add(n).wrapping_add(len))
}

/// Writes the last `dst.len()` (0-4) big-endian bytes of `v`: from two bytes on, as two
/// two-byte stores that overlap for three bytes and coincide for two.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // the bytes wanted of each shifted word
fn put_uint(dst: &mut [u8], v: u32) {
    let n = dst.len();
    if n >= 2 {
        let skip = 8u32.wrapping_mul(n.wrapping_sub(2) as u32);
        if let Some(d) = dst.first_chunk_mut::<2>() {
            *d = (v.wrapping_shr(skip) as u16).to_be_bytes();
        }
        if let Some(d) = dst.last_chunk_mut::<2>() {
            *d = (v as u16).to_be_bytes();
        }
    } else if let Some(d) = dst.first_mut() {
        *d = v as u8;
    }
}

/// Reads an option header we wrote: delta, value length and header length.
fn read_header(b: &[u8]) -> Option<(u16, usize, usize)> {
    let &first = b.first()?;
    let (delta, at) = nibble_value_at(b, 1, first >> 4)?;
    let (len, used) = nibble_value_at(b, at, first & 0x0f)?;
    Some((u16::try_from(delta).ok()?, len as usize, used))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Builder, Message};
    use std::vec;
    use std::vec::Vec;

    fn build(transport: Transport, opts: &[(u16, &[u8])], payload: &[u8]) -> Vec<u8> {
        let mut b = Builder::<32>::for_transport(transport, Type::Confirmable, Code::POST, 7);
        b.token(b"tok").payload(payload);
        for (n, v) in opts {
            b.opaque(OptionNumber(*n), v).unwrap();
        }
        let mut out = vec![0u8; 80_000];
        let n = b.encode(&mut out).unwrap();
        out.truncate(n);
        out
    }

    fn write(transport: Transport, opts: &[(u16, &[u8])], payload: &[u8]) -> Vec<u8> {
        let mut buf = vec![0u8; 80_000];
        let mut w = match transport {
            Transport::Udp => {
                MessageWriter::udp(&mut buf, Type::Confirmable, Code::POST, 7, b"tok")
            }
            Transport::Tcp => MessageWriter::tcp(&mut buf, Code::POST, b"tok"),
            Transport::WebSocket => MessageWriter::ws(&mut buf, Code::POST, b"tok"),
        }
        .unwrap();
        w.payload(payload);
        for (n, v) in opts {
            w.opaque(OptionNumber(*n), v).unwrap();
        }
        let n = w.finish().unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn same_bytes_as_the_builder_in_any_order_and_every_length_form() {
        let big = vec![b'x'; 300];
        // Out of order, repeats, 1- and 2-byte extended deltas and lengths, an insertion
        // that grows and one that shrinks the header of the option behind it.
        let cases: Vec<Vec<(u16, &[u8])>> = vec![
            vec![
                (11, b"b"),
                (3, b"host"),
                (11, b"a"),
                (60, b"12"),
                (2048, b""),
                (14, b"\x3c"),
            ],
            vec![
                (65000, b"z"),
                (1, b"m"),
                (65000, b"y"),
                (300, &big),
                (20, b"q"),
            ],
            vec![
                (15, b"c"),
                (12, b"\x32"),
                (1, b"e"),
                (8, b"l"),
                (4, b"etag"),
            ],
            vec![],
        ];
        for t in [Transport::Udp, Transport::Tcp, Transport::WebSocket] {
            for opts in &cases {
                for payload in [&b""[..], b"body", &vec![1u8; 400], &vec![2u8; 70_000]] {
                    let want = build(t, opts, payload);
                    assert_eq!(write(t, opts, payload), want, "{t:?} {opts:?}");
                    let m = Message::parse(&want, t, &crate::Config::STRICT).unwrap();
                    assert_eq!(m.payload(), payload);
                }
            }
        }
    }

    #[test]
    fn checks_and_bounds() {
        let mut buf = [0u8; 16];
        let mut w = MessageWriter::udp(&mut buf, Type::Confirmable, Code::GET, 1, &[]).unwrap();
        assert_eq!(
            w.str(OptionNumber::URI_HOST, "").err(),
            Some(BuildError::Option {
                number: 3,
                problem: OptionProblem::Length
            })
        );
        w.uint(OptionNumber::CONTENT_FORMAT, 0).unwrap();
        assert_eq!(
            w.uint(OptionNumber::CONTENT_FORMAT, 50).err(),
            Some(BuildError::Option {
                number: 12,
                problem: OptionProblem::Repeated
            })
        );
        // Out of order, the same rules; unregistered options are the sender's to choose.
        assert!(w.opaque(OptionNumber::IF_NONE_MATCH, b"x").is_err());
        w.opaque(OptionNumber(9), b"any").unwrap();
        // No room: a typed error, and what was written stays whole.
        assert!(matches!(
            w.opaque(OptionNumber(2), b"0123456789"),
            Err(BuildError::Buffer(_))
        ));
        let n = w.finish().unwrap();
        let m = Message::parse_udp(&buf[..n]).unwrap();
        assert_eq!(m.options().count(), 2);

        let mut small = [0u8; 3];
        assert!(MessageWriter::udp(&mut small, Type::Confirmable, Code::GET, 1, &[]).is_err());
        let mut buf = [0u8; 16];
        let w = MessageWriter::udp(&mut buf, Type::Reset, Code::GET, 1, &[]).unwrap();
        assert!(matches!(w.finish(), Err(BuildError::TypeCode { .. })));
        let w = MessageWriter::udp(&mut buf, Type::Confirmable, Code::EMPTY, 1, b"t").unwrap();
        assert_eq!(w.finish(), Err(BuildError::EmptyNotEmpty));
        let mut w = MessageWriter::udp(&mut buf, Type::Confirmable, Code::GET, 1, &[]).unwrap();
        w.payload(&[0u8; 20]);
        assert!(matches!(w.finish(), Err(BuildError::Buffer(_))));
        let long = vec![0u8; MAX_TOKEN_LEN + 1];
        let mut buf = vec![0u8; 70_000];
        assert_eq!(
            MessageWriter::tcp(&mut buf, Code::GET, &long).err(),
            Some(BuildError::Token(MAX_TOKEN_LEN + 1))
        );
    }

    /// The reference of [`type_carries`]: the rules of RFC 7252 §4.2-4.3 and RFC 8323 §5, case
    /// by case.
    fn type_carries_by_kind(transport: Transport, ty: Type, code: Code) -> bool {
        use crate::code::CodeClass;
        match (transport, ty, code.kind()) {
            (_, _, CodeClass::Reserved) => false,
            (Transport::Udp, _, CodeClass::Signaling) => false,
            (Transport::Udp, Type::NonConfirmable, k) => k != CodeClass::Empty,
            (Transport::Udp, Type::Acknowledgement, k) => k != CodeClass::Request,
            (Transport::Udp, Type::Reset, k) => k == CodeClass::Empty,
            _ => true,
        }
    }

    #[test]
    fn type_carries_every_code_as_the_rules_say() {
        for t in [Transport::Udp, Transport::Tcp, Transport::WebSocket] {
            for ty in [
                Type::Confirmable,
                Type::NonConfirmable,
                Type::Acknowledgement,
                Type::Reset,
            ] {
                for c in 0..=255u8 {
                    assert_eq!(
                        type_carries(t, ty, Code(c)),
                        type_carries_by_kind(t, ty, Code(c)),
                        "{t:?} {ty:?} {c:#x}"
                    );
                }
            }
        }
    }

    /// Each option written through the writer's line (`uint`, `str`, `opaque`) and through the
    /// general way (the builder, by bytes), for every length form of delta and value.
    #[test]
    fn typed_values_in_line_as_the_general_way() {
        let numbers = [
            1u16, 4, 6, 11, 12, 14, 15, 17, 23, 28, 35, 60, 252, 258, 292, 2048,
        ];
        let uints = [
            0u32, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x1_0000, 0x7f_ffff,
        ];
        let uints = uints.iter().chain(&[0x100_0000, 0x8000_0000, u32::MAX]);
        let text = "abcdefghijklmnopqrstuvwxyz-0123456789-é";
        for &n in &numbers {
            for &u in uints.clone() {
                let (bytes, len) = encode_uint(u);
                let v = &bytes[4 - len..];
                let mut want = [0u8; 64];
                let mut b = Builder::<4>::udp(Type::Confirmable, Code::POST, 9);
                let want_r = b.opaque(OptionNumber(n), v).map(|_| ());
                let mut got = [0u8; 64];
                let mut w =
                    MessageWriter::udp(&mut got, Type::Confirmable, Code::POST, 9, &[]).unwrap();
                let got_r = w.uint(OptionNumber(n), u).map(|_| ());
                assert_eq!(got_r, want_r, "{n} {u:#x}");
                let k = w.finish().unwrap();
                let m = b.encode(&mut want).unwrap();
                assert_eq!(got[..k], want[..m], "{n} {u:#x}");
            }
            for cut in 0..=text.len() {
                let Some(t) = text.get(..cut) else { continue };
                for prev in [0u16, 1, 3] {
                    let mut b = Builder::<4>::udp(Type::Confirmable, Code::POST, 9);
                    let mut want = [0u8; 128];
                    let mut got = [0u8; 128];
                    let mut w =
                        MessageWriter::udp(&mut got, Type::Confirmable, Code::POST, 9, b"t")
                            .unwrap();
                    if prev > 0 {
                        b.opaque(OptionNumber(prev), b"p").unwrap();
                        w.opaque(OptionNumber(prev), b"p").unwrap();
                    }
                    let want_r = b.opaque(OptionNumber(n), t.as_bytes()).map(|_| ());
                    assert_eq!(w.str(OptionNumber(n), t).map(|_| ()), want_r, "{n} {cut}");
                    let want_o = b.opaque(OptionNumber(n), t.as_bytes()).map(|_| ());
                    let got_o = w.opaque(OptionNumber(n), t.as_bytes()).map(|_| ());
                    assert_eq!(got_o, want_o, "{n} {cut}");
                    b.token(b"t");
                    let k = w.finish().unwrap();
                    let m = b.encode(&mut want).unwrap();
                    assert_eq!(got[..k], want[..m], "{n} {cut}");
                }
            }
        }
    }

    #[test]
    fn in_line_screen_as_the_builder_for_every_number_length_and_repeat() {
        // The in-line screen takes the repeat from the delta: every number to 300 after none,
        // itself (a repeat) and numbers 1, 12 and 13 below it, with every short length and the
        // first long one, ASCII or not.
        for bytes in [[b'a'; 13], [0xc3; 13]] {
            for n in 0..=300u16 {
                let before = [
                    None,
                    Some(n),
                    n.checked_sub(1),
                    n.checked_sub(12),
                    n.checked_sub(13),
                ];
                for len in 0..=13 {
                    let v = &bytes[..len];
                    for prev in before {
                        let mut b = Builder::<4>::udp(Type::Confirmable, Code::POST, 9);
                        let mut want = [0u8; 64];
                        let mut got = [0u8; 64];
                        let mut w =
                            MessageWriter::udp(&mut got, Type::Confirmable, Code::POST, 9, &[])
                                .unwrap();
                        if let Some(p) = prev {
                            let want_p = b.opaque(OptionNumber(p), v).map(|_| ());
                            let got_p = w.opaque(OptionNumber(p), v).map(|_| ());
                            assert_eq!(got_p, want_p, "{p} {len}");
                        }
                        let want_r = b.opaque(OptionNumber(n), v).map(|_| ());
                        let got_r = w.opaque(OptionNumber(n), v).map(|_| ());
                        assert_eq!(got_r, want_r, "{n} {len} {prev:?}");
                        let k = w.finish().unwrap();
                        let m = b.encode(&mut want).unwrap();
                        assert_eq!(got[..k], want[..m], "{n} {len} {prev:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn put_uint_writes_the_last_bytes_of_every_length() {
        let v = 0x0102_0304u32;
        for n in 0..=4 {
            let mut out = [0xeeu8; 6];
            put_uint(&mut out[1..1 + n], v);
            assert_eq!(out[1..1 + n], v.to_be_bytes()[4 - n..], "{n}");
            assert!(
                out[0] == 0xee && out[1 + n..].iter().all(|&b| b == 0xee),
                "{n}"
            );
        }
    }

    #[test]
    fn refuses_as_before() {
        let mut buf = [0u8; 64];
        let mut w = MessageWriter::udp(&mut buf, Type::Confirmable, Code::GET, 1, &[]).unwrap();
        // A number as the value of a string option: its bytes must be UTF-8.
        assert_eq!(
            w.uint(OptionNumber::URI_HOST, 0x80).err(),
            Some(BuildError::Option {
                number: 3,
                problem: OptionProblem::Utf8
            })
        );
        // Zero is no bytes, too short for Uri-Host.
        assert_eq!(
            w.uint(OptionNumber::URI_HOST, 0).err(),
            Some(BuildError::Option {
                number: 3,
                problem: OptionProblem::Length
            })
        );
        w.uint(OptionNumber::URI_HOST, 0x41).unwrap();
        // Option 0 (unregistered, elective) twice, first of all: taken.
        let mut w = MessageWriter::udp(&mut buf, Type::Confirmable, Code::GET, 1, &[]).unwrap();
        w.opaque(OptionNumber(0), b"a").unwrap();
        w.opaque(OptionNumber(0), b"b").unwrap();
        w.uint(OptionNumber::OBSERVE, 0).unwrap();
        assert_eq!(
            w.uint(OptionNumber::OBSERVE, 1).err(),
            Some(BuildError::Option {
                number: 6,
                problem: OptionProblem::Repeated
            })
        );
        // Too long for Observe (0-3 bytes), then for the buffer.
        assert_eq!(
            w.uint(OptionNumber::OBSERVE, 0x100_0000).err(),
            Some(BuildError::Option {
                number: 6,
                problem: OptionProblem::Length
            })
        );
        assert_eq!(
            w.opaque(OptionNumber(2048), &[0u8; 60]).err(),
            Some(BuildError::Buffer(BufferTooSmall {
                needed: 73,
                available: 64
            }))
        );
        assert_eq!(w.uint(OptionNumber(65000), u32::MAX).map(|_| ()), Ok(()));
        let n = w.finish().unwrap();
        let m = Message::parse_udp(&buf[..n]).unwrap();
        assert_eq!(m.options().count(), 4);
        // The buffer's end: a header that fits and a value that does not.
        let mut small = [0u8; 8];
        let mut w = MessageWriter::udp(&mut small, Type::Confirmable, Code::GET, 1, &[]).unwrap();
        assert!(matches!(
            w.uint(OptionNumber::SIZE2, 0x1_0000),
            Err(BuildError::Buffer(_))
        ));
        w.uint(OptionNumber::SIZE2, 0x100).unwrap();
        assert_eq!(w.finish(), Ok(8));
        // Longer than a length field can say, with room for it, in line or not.
        let mut big = vec![0u8; 70_000];
        let long = vec![7u8; MAX_VALUE_LEN + 1];
        for n in [2u16, 62, 2048, 65000] {
            let mut w = MessageWriter::udp(&mut big, Type::Confirmable, Code::GET, 1, &[]).unwrap();
            assert_eq!(
                w.opaque(OptionNumber(n), &long).err(),
                Some(BuildError::ValueTooLong(MAX_VALUE_LEN + 1))
            );
            w.opaque(OptionNumber(n), &long[1..]).unwrap();
            assert_eq!(w.len(), 4 + encoded_len(n, MAX_VALUE_LEN));
        }
    }
}
