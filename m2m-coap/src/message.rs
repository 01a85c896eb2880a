//! The message: one borrowed, validated view for every transport (RFC 7252 §3 over UDP, RFC 8323
//! §3.2 over TCP/TLS and §4.2 over WebSocket), with RFC 8974 extended tokens.
//!
//! Parsing checks everything once: the header, the token length, every option header and its
//! extensions, the option numbers, the payload marker, the Empty-message and type/code rules,
//! and each option against the registry. The options go through a fast pass that only says
//! yes or no (`option::scan`); only a message it refuses is walked again to say why. After
//! that, [`Message::options`] walks the options in O(1) per option without any check failing,
//! and nothing allocates.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::code::{Code, CodeClass, Type};
use crate::content_format::ContentFormat;
use crate::error::{BadOption, Error, OptionProblem, Reason, Transport};
use crate::option::number::{check, length_fits, signaling, suspect};
use crate::option::scan::scan;
use crate::option::value::{Block, NoResponse, Oscore, ValueError, decode_uint};
use crate::option::{
    CoapOption, OptionNumber, Options, Step, extension_at, extension_missing, step_extended,
};
use crate::writer::type_carries;

/// The longest token: 65804 bytes (RFC 8974 §2.1, TKL 14).
pub const MAX_TOKEN_LEN: usize = 65804;

/// What the parser tolerates. [`Config::STRICT`] is the default; each relaxation is a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    /// Accept RFC 8974 extended token lengths (TKL 9-12 as lengths, 13 and 14 with their
    /// extension bytes). On by default: without it, they are the format error RFC 7252 §3 makes
    /// of every TKL above 8. TKL 15 is an error either way.
    pub extended_tokens: bool,
    /// Accept a payload marker followed by no payload (a format error in RFC 7252 §3), read as
    /// an empty payload.
    pub empty_payload_marker: bool,
    /// Accept an Empty message (0.00) with a token, options or a payload (RFC 7252 §4.1).
    pub empty_with_content: bool,
    /// Accept codes that the message type cannot carry (a request in an ACK, a non-Empty RST, an
    /// Empty NON, RFC 7252 §4.2-4.3) and codes of reserved classes.
    pub any_type_code: bool,
    /// Accept a WebSocket message whose length nibble is not 0 (RFC 8323 §4.2), ignoring it.
    pub ws_length_nibble: bool,
}

impl Config {
    /// Every rule of the RFCs enforced; RFC 8974 extended tokens accepted.
    pub const STRICT: Config = Config {
        extended_tokens: true,
        empty_payload_marker: false,
        empty_with_content: false,
        any_type_code: false,
        ws_length_nibble: false,
    };

    /// Every relaxation above on: what real peers have been seen to send that still has one
    /// reading.
    pub const LENIENT: Config = Config {
        extended_tokens: true,
        empty_payload_marker: true,
        empty_with_content: true,
        any_type_code: true,
        ws_length_nibble: true,
    };
}

impl Default for Config {
    fn default() -> Self {
        Config::STRICT
    }
}

/// A CoAP message (RFC 7252 §3 over UDP, RFC 8323 §3.2 over TCP/TLS and §4.2 over WebSocket),
/// borrowed from the bytes it was parsed from.
///
/// Build one with [`crate::Builder`]. Panic contract: parsing never panics, whatever the input,
/// and no accessor of a parsed message can panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Message<'a> {
    transport: Transport,
    ty: Type,
    message_id: u16,
    code: Code,
    token: &'a [u8],
    options: &'a [u8],
    options_offset: usize,
    payload: &'a [u8],
    bad_option: Option<BadOption>,
}

/// The token length from the TKL nibble and its extension bytes at `*pos` (RFC 8974 §2.1).
#[inline(always)]
fn token_len(buf: &[u8], pos: &mut usize, tkl: u8, cfg: &Config) -> Result<usize, (Reason, usize)> {
    match tkl {
        0..=8 => Ok(usize::from(tkl)),
        // RFC 8974 §2.1: 9-12 are lengths too, once extended tokens are understood.
        9..=12 if cfg.extended_tokens => Ok(usize::from(tkl)),
        13 | 14 if cfg.extended_tokens => {
            // The same extension bytes as an option's delta or length (RFC 8974 §2.1).
            let wide = tkl == 14;
            match extension_at(buf, *pos, wide) {
                Some((len, end)) => {
                    *pos = end;
                    Ok(len as usize)
                }
                None => Err((
                    Reason::Truncated {
                        needed: extension_missing(buf, *pos, wide),
                    },
                    *pos,
                )),
            }
        }
        _ => Err((Reason::TokenLength(tkl), 0)),
    }
}

/// What [`walk`] found: the options, the payload, and whether any option may break the
/// registry's rules.
type Walk<'a> = (&'a [u8], &'a [u8], bool);

/// Walks the option area once: the wire rules, and the registry's as a quick screen (any doubt
/// is reported as `true`, and `first_bad_option` then says what it is). The common option (no
/// extension bytes) is read here; the rest in `step_extended`. Returns the options, the payload
/// and the doubt, or the reason and offset of a format error. The parser's fast pass
/// (`option::scan`) decides whether an area is well formed; this walk runs only when it is not,
/// to say why.
#[cold]
#[inline(never)]
fn walk(area: &[u8], empty_marker_ok: bool) -> Result<Walk<'_>, (Reason, usize)> {
    let mut suspect_any = false;
    let mut rest = area;
    let mut prev = 0u16;
    let mut first = true;
    let at = |rest: &[u8]| area.len().saturating_sub(rest.len());
    loop {
        let Some((&b, tail)) = rest.split_first() else {
            return Ok((area, &[], suspect_any));
        };
        let (dn, ln) = (b >> 4, b & 0x0f);
        let (number, delta, value, next) = if dn < 13 && ln < 13 {
            let Some(number) = prev.checked_add(u16::from(dn)) else {
                return Err((Reason::OptionNumber, at(rest)));
            };
            let Some((value, next)) = tail.split_at_checked(usize::from(ln)) else {
                let needed = usize::from(ln).saturating_sub(tail.len());
                return Err((Reason::Truncated { needed }, at(tail)));
            };
            (number, u32::from(dn), value, next)
        } else if b == 0xff {
            if tail.is_empty() && !empty_marker_ok {
                return Err((Reason::EmptyPayload, at(rest)));
            }
            let options = area.get(..at(rest)).unwrap_or_default();
            return Ok((options, tail, suspect_any));
        } else {
            match step_extended(rest, tail, b, prev) {
                Ok(Step {
                    number,
                    delta,
                    value,
                    rest: next,
                }) => (number, delta, value, next),
                Err((r, o)) => return Err((r, at(rest).saturating_add(o))),
            }
        };
        // The first option is never a repeat, even as number 0.
        suspect_any |= suspect(number, value, delta == 0 && !first, false);
        first = false;
        rest = next;
        prev = number;
    }
}

/// The option of a valid option area (starting at `offset` in its message) that breaks the
/// registry's rules: the first critical one, else the first elective one. A critical one decides
/// what the recipient does (RFC 7252 §5.4.1) while an elective one is only ignored, so an elective
/// problem earlier in the message must not hide it.
#[cold]
#[inline(never)]
fn first_bad_option(area: &[u8], offset: usize, code: Code) -> Option<BadOption> {
    let sig = code.is_signaling().then_some(code);
    let mut rest = area;
    let mut prev = None;
    let mut elective = None;
    for o in Options::new(area) {
        let here = offset.saturating_add(area.len().saturating_sub(rest.len()));
        // Skip this option's bytes in `rest` to know where the next one starts.
        let header =
            crate::option::encoded_len(o.number.0.saturating_sub(prev.unwrap_or(0)), o.value.len())
                .saturating_sub(o.value.len());
        rest = rest
            .get(header.saturating_add(o.value.len())..)
            .unwrap_or_default();
        let repeat = prev == Some(o.number.0);
        let problem = check(sig, o.number.0, o.value, repeat).or_else(|| {
            (repeat && o.number == OptionNumber::ETAG && code.is_response())
                .then_some(OptionProblem::Repeated)
        });
        if let Some(problem) = problem {
            let bad = BadOption {
                number: o.number.0,
                offset: here,
                problem,
            };
            if bad.is_critical() {
                return Some(bad);
            }
            elective = elective.or(Some(bad));
        }
        prev = Some(o.number.0);
    }
    elective
}

impl<'a> Message<'a> {
    /// Parses a CoAP-over-UDP datagram (RFC 7252 §3) with [`Config::STRICT`].
    #[inline]
    pub fn parse_udp(buf: &'a [u8]) -> Result<Self, Error> {
        Self::parse_udp_with(buf, &Config::STRICT)
    }

    /// Parses a CoAP-over-UDP datagram (RFC 7252 §3).
    pub fn parse_udp_with(buf: &'a [u8], cfg: &Config) -> Result<Self, Error> {
        let err = |reason, offset, ty, code| Error {
            reason,
            offset,
            transport: Transport::Udp,
            ty,
            code,
        };
        let Some(&[b0, code, m0, m1]) = buf.first_chunk::<4>() else {
            let ty = buf.first().map(|b| Type::from_bits(b >> 4));
            let needed = 4usize.saturating_sub(buf.len());
            return Err(err(Reason::Truncated { needed }, buf.len(), ty, None));
        };
        let ty = Type::from_bits(b0 >> 4);
        let code = Code(code);
        let e = |reason, offset| err(reason, offset, Some(ty), Some(code));
        if b0 >> 6 != 1 {
            return Err(e(Reason::Version(b0 >> 6), 0));
        }
        // One table load for the rules of RFC 7252 §4.2-4.3 (a UDP type never carries a
        // reserved or signaling class); which rule is broken is worked out only on an error.
        if !cfg.any_type_code && !type_carries(Transport::Udp, ty, code) {
            let reason = match code.kind() {
                CodeClass::Reserved | CodeClass::Signaling => Reason::ReservedClass(code),
                _ => Reason::TypeCode { ty, code },
            };
            return Err(e(reason, 1));
        }
        let mut pos = 4;
        let tlen = token_len(buf, &mut pos, b0 & 0x0f, cfg).map_err(|(r, o)| e(r, o))?;
        let rest = Self::body(buf, pos, tlen, code, cfg).map_err(|(r, o)| e(r, o))?;
        Ok(Message {
            transport: Transport::Udp,
            ty,
            message_id: u16::from_be_bytes([m0, m1]),
            ..rest
        })
    }

    /// Parses one CoAP-over-TCP/TLS frame (RFC 8323 §3.2), which must be exactly one message
    /// (frame a stream with [`crate::tcp::Framing`]), with [`Config::STRICT`].
    #[inline]
    pub fn parse_tcp(frame: &'a [u8]) -> Result<Self, Error> {
        Self::parse_reliable(frame, Transport::Tcp, &Config::STRICT)
    }

    /// [`Message::parse_tcp`] with a configuration.
    pub fn parse_tcp_with(frame: &'a [u8], cfg: &Config) -> Result<Self, Error> {
        Self::parse_reliable(frame, Transport::Tcp, cfg)
    }

    /// Parses the payload of one WebSocket binary frame (RFC 8323 §4.2: the TCP form with a
    /// length nibble of 0 and no extended length), with [`Config::STRICT`].
    #[inline]
    pub fn parse_ws(frame: &'a [u8]) -> Result<Self, Error> {
        Self::parse_reliable(frame, Transport::WebSocket, &Config::STRICT)
    }

    /// [`Message::parse_ws`] with a configuration.
    pub fn parse_ws_with(frame: &'a [u8], cfg: &Config) -> Result<Self, Error> {
        Self::parse_reliable(frame, Transport::WebSocket, cfg)
    }

    fn parse_reliable(buf: &'a [u8], transport: Transport, cfg: &Config) -> Result<Self, Error> {
        let err = |reason, offset, code| Error {
            reason,
            offset,
            transport,
            ty: None,
            code,
        };
        let Some(&b0) = buf.first() else {
            return Err(err(Reason::Truncated { needed: 2 }, 0, None));
        };
        let (len_nibble, tkl) = (b0 >> 4, b0 & 0x0f);
        let mut pos = 1;
        let declared = match transport {
            Transport::WebSocket => {
                if len_nibble != 0 && !cfg.ws_length_nibble {
                    return Err(err(Reason::WsLengthNibble(len_nibble), 0, None));
                }
                None
            }
            _ => match crate::tcp::length(buf, &mut pos, len_nibble) {
                Ok(n) => Some(n),
                Err(needed) => return Err(err(Reason::Truncated { needed }, pos, None)),
            },
        };
        let Some(&code) = buf.get(pos) else {
            return Err(err(Reason::Truncated { needed: 1 }, pos, None));
        };
        let code = Code(code);
        let e = |reason, offset| err(reason, offset, Some(code));
        pos = pos.saturating_add(1);
        if !cfg.any_type_code && code.kind() == CodeClass::Reserved {
            return Err(e(Reason::ReservedClass(code), pos.saturating_sub(1)));
        }
        let tlen = token_len(buf, &mut pos, tkl, cfg).map_err(|(r, o)| e(r, o))?;
        if let Some(declared) = declared {
            let actual = buf.len().saturating_sub(pos).saturating_sub(tlen);
            if pos.saturating_add(tlen).saturating_add(declared) != buf.len() {
                return Err(e(Reason::FrameLength { declared, actual }, 0));
            }
        }
        let rest = Self::body(buf, pos, tlen, code, cfg).map_err(|(r, o)| e(r, o))?;
        Ok(Message { transport, ..rest })
    }

    /// Token, options and payload from `pos`, where the token of `tlen` bytes starts.
    #[inline(always)]
    fn body(
        buf: &'a [u8],
        pos: usize,
        tlen: usize,
        code: Code,
        cfg: &Config,
    ) -> Result<Self, (Reason, usize)> {
        let opts_at = pos.saturating_add(tlen);
        let Some(token) = buf.get(pos..opts_at) else {
            let needed = opts_at.saturating_sub(buf.len());
            return Err((Reason::Truncated { needed }, pos));
        };
        let area = buf.get(opts_at..).unwrap_or_default();
        if code.is_empty() && !cfg.empty_with_content && (!token.is_empty() || !area.is_empty()) {
            let at = if token.is_empty() { opts_at } else { pos };
            return Err((Reason::EmptyNotEmpty, at));
        }
        let (options, payload, suspect_any) = match scan(buf, opts_at, cfg.empty_payload_marker) {
            Some(s) => s,
            // Something is wrong: the exact walk says what and where.
            None => match walk(area, cfg.empty_payload_marker) {
                Ok(w) => w,
                Err((r, o)) => return Err((r, opts_at.saturating_add(o))),
            },
        };
        let suspect_any = suspect_any || code.is_signaling();
        let bad_option = if suspect_any {
            first_bad_option(options, opts_at, code)
        } else {
            None
        };
        Ok(Message {
            transport: Transport::Udp,
            ty: Type::NonConfirmable,
            message_id: 0,
            code,
            token,
            options,
            options_offset: opts_at,
            payload,
            bad_option,
        })
    }

    /// Parses with the form `transport` gives.
    pub fn parse(buf: &'a [u8], transport: Transport, cfg: &Config) -> Result<Self, Error> {
        match transport {
            Transport::Udp => Self::parse_udp_with(buf, cfg),
            _ => Self::parse_reliable(buf, transport, cfg),
        }
    }

    /// The transport form it was parsed from.
    #[must_use]
    pub const fn transport(&self) -> Transport {
        self.transport
    }

    /// The message type (UDP only; reliable transports have none).
    #[must_use]
    pub const fn ty(&self) -> Option<Type> {
        match self.transport {
            Transport::Udp => Some(self.ty),
            _ => None,
        }
    }

    /// The message id (UDP only).
    #[must_use]
    pub const fn message_id(&self) -> Option<u16> {
        match self.transport {
            Transport::Udp => Some(self.message_id),
            _ => None,
        }
    }

    /// The code.
    #[must_use]
    pub const fn code(&self) -> Code {
        self.code
    }

    /// The token (0-8 bytes, or up to 65804 with RFC 8974).
    #[must_use]
    pub const fn token(&self) -> &'a [u8] {
        self.token
    }

    /// The payload (empty when there is no payload marker).
    #[must_use]
    pub const fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The same message with `payload` instead of its own: a body put together from blocks
    /// (RFC 7959 §2.5), read with the options of its last block.
    #[must_use]
    pub const fn with_payload(self, payload: &'a [u8]) -> Message<'a> {
        Message { payload, ..self }
    }

    /// The options, in order.
    #[must_use]
    pub const fn options(&self) -> Options<'a> {
        Options::new(self.options)
    }

    /// The raw option area (option headers and values, without the payload marker).
    #[must_use]
    pub const fn options_bytes(&self) -> &'a [u8] {
        self.options
    }

    /// Offset of the option area in the message.
    #[must_use]
    pub const fn options_offset(&self) -> usize {
        self.options_offset
    }

    /// The option that breaks the registry's rules, if any: an unrecognized critical option, a
    /// value length out of bounds, a repeat of an option that is not repeatable, or a string
    /// option that is not UTF-8. The first critical one is reported before any elective one
    /// (which is only ignored, RFC 7252 §5.4.1), else the first elective one.
    /// [`BadOption::reaction`] says what to do about it.
    #[must_use]
    pub const fn bad_option(&self) -> Option<BadOption> {
        self.bad_option
    }

    /// The values of every option with this number, in order.
    pub fn option_values(&self, number: OptionNumber) -> impl Iterator<Item = &'a [u8]> + Clone {
        self.options().with(number)
    }

    /// The first value of an option.
    #[must_use]
    pub fn option(&self, number: OptionNumber) -> Option<&'a [u8]> {
        self.options().with(number).next()
    }

    /// The first value of a uint option, if it is present and at most 4 bytes long.
    #[must_use]
    pub fn uint(&self, number: OptionNumber) -> Option<u32> {
        self.option(number).and_then(decode_uint)
    }

    /// The first value of a registered option when its length is within the registered
    /// bounds: one outside them is treated like an unrecognized option (RFC 7252 §5.4.3), so
    /// the typed accessors of elective options read it as absent.
    fn in_bounds(&self, number: OptionNumber) -> Option<&'a [u8]> {
        self.option(number)
            .filter(|v| length_fits(number.0, v.len()))
    }

    /// The first value of a string option, if present and UTF-8.
    #[must_use]
    pub fn str(&self, number: OptionNumber) -> Option<&'a str> {
        self.option(number)
            .and_then(|v| core::str::from_utf8(v).ok())
    }

    /// The values of a repeatable string option (Uri-Path, Uri-Query, Location-*), skipping any
    /// that is not UTF-8 (such a value is reported by [`Message::bad_option`]).
    pub fn strs(&self, number: OptionNumber) -> impl Iterator<Item = &'a str> + Clone {
        self.options()
            .with(number)
            .filter_map(|v| core::str::from_utf8(v).ok())
    }

    /// Uri-Host.
    #[must_use]
    pub fn uri_host(&self) -> Option<&'a str> {
        self.str(OptionNumber::URI_HOST)
    }

    /// Uri-Port.
    #[must_use]
    pub fn uri_port(&self) -> Option<u16> {
        self.uint(OptionNumber::URI_PORT)
            .and_then(|p| u16::try_from(p).ok())
    }

    /// The Uri-Path segments.
    pub fn uri_path(&self) -> impl Iterator<Item = &'a str> + Clone {
        self.strs(OptionNumber::URI_PATH)
    }

    /// The Uri-Query arguments.
    pub fn uri_query(&self) -> impl Iterator<Item = &'a str> + Clone {
        self.strs(OptionNumber::URI_QUERY)
    }

    /// Content-Format (a value over 2 bytes is ignored, RFC 7252 §5.4.3).
    #[must_use]
    pub fn content_format(&self) -> Option<ContentFormat> {
        self.in_bounds(OptionNumber::CONTENT_FORMAT)
            .and_then(decode_uint)
            .and_then(|v| u16::try_from(v).ok())
            .map(ContentFormat)
    }

    /// Accept (a value over 2 bytes is ignored, RFC 7252 §5.4.3).
    #[must_use]
    pub fn accept(&self) -> Option<ContentFormat> {
        self.in_bounds(OptionNumber::ACCEPT)
            .and_then(decode_uint)
            .and_then(|v| u16::try_from(v).ok())
            .map(ContentFormat)
    }

    /// Max-Age in seconds; 60 when absent (RFC 7252 §5.10.5).
    #[must_use]
    pub fn max_age(&self) -> u32 {
        self.uint(OptionNumber::MAX_AGE).unwrap_or(60)
    }

    /// Observe (RFC 7641 §2): 0 registers and 1 deregisters in a request; a 24-bit sequence
    /// number in a notification.
    #[must_use]
    pub fn observe(&self) -> Option<u32> {
        self.option(OptionNumber::OBSERVE)
            .filter(|v| v.len() <= 3)
            .and_then(decode_uint)
    }

    /// The ETag values (one in a response; several in a GET that validates cached ones); an
    /// empty one or one over 8 bytes is skipped (RFC 7252 §5.4.3), and so is any ETag after the
    /// first in a response (§5.10.6.1 allows one; a supernumerary one is ignored, §5.4.5).
    pub fn etags(&self) -> impl Iterator<Item = &'a [u8]> + Clone {
        let most = if self.code.is_response() {
            1
        } else {
            usize::MAX
        };
        self.options()
            .with(OptionNumber::ETAG)
            .take(most)
            .filter(|v| length_fits(OptionNumber::ETAG.0, v.len()))
    }

    fn block(&self, number: OptionNumber) -> Option<Result<Block, ValueError>> {
        let bert = self.transport != Transport::Udp;
        self.option(number).map(|v| Block::decode(v, bert))
    }

    /// Block1 (RFC 7959 §2.2; SZX 7 is BERT over TCP/WebSocket, an error over UDP).
    #[must_use]
    pub fn block1(&self) -> Option<Result<Block, ValueError>> {
        self.block(OptionNumber::BLOCK1)
    }

    /// Block2 (RFC 7959 §2.2).
    #[must_use]
    pub fn block2(&self) -> Option<Result<Block, ValueError>> {
        self.block(OptionNumber::BLOCK2)
    }

    /// Size1 (RFC 7959 §4).
    #[must_use]
    pub fn size1(&self) -> Option<u32> {
        self.uint(OptionNumber::SIZE1)
    }

    /// Size2 (RFC 7959 §4).
    #[must_use]
    pub fn size2(&self) -> Option<u32> {
        self.uint(OptionNumber::SIZE2)
    }

    /// No-Response (RFC 7967 §2).
    #[must_use]
    pub fn no_response(&self) -> Option<Result<NoResponse, ValueError>> {
        self.option(OptionNumber::NO_RESPONSE)
            .map(NoResponse::decode)
    }

    /// The responses a server leaves unsent for this request (RFC 7967 §2.1): its No-Response,
    /// or none when the option is absent or its value longer than a byte (an elective option
    /// whose value is out of bounds is ignored, RFC 7252 §5.4.3).
    #[must_use]
    pub fn unwanted(&self) -> NoResponse {
        self.no_response().and_then(Result::ok).unwrap_or_default()
    }

    /// The OSCORE option (RFC 8613 §6.1).
    #[must_use]
    pub fn oscore(&self) -> Option<Result<Oscore<'a>, ValueError>> {
        self.option(OptionNumber::OSCORE).map(Oscore::decode)
    }

    /// Hop-Limit (RFC 8768 §3): 1 to 255, in one byte. A Hop-Limit of 0 is
    /// [`ValueError::Reserved`] and one of any other length (none, or over 255)
    /// [`ValueError::Length`]: RFC 8768 §3 has such a request refused with 4.00 (Bad Request),
    /// not served as if it carried no Hop-Limit.
    #[must_use]
    pub fn hop_limit(&self) -> Option<Result<u8, ValueError>> {
        self.option(OptionNumber::HOP_LIMIT).map(|v| match *v {
            [0] => Err(ValueError::Reserved),
            [h] => Ok(h),
            _ => Err(ValueError::Length(v.len())),
        })
    }

    /// Echo (RFC 9175 §2.2); an empty one or one over 40 bytes is ignored.
    #[must_use]
    pub fn echo(&self) -> Option<&'a [u8]> {
        self.in_bounds(OptionNumber::ECHO)
    }

    /// The Request-Tag values (RFC 9175 §3.2); one over 8 bytes is skipped.
    pub fn request_tags(&self) -> impl Iterator<Item = &'a [u8]> + Clone {
        self.options()
            .with(OptionNumber::REQUEST_TAG)
            .filter(|v| length_fits(OptionNumber::REQUEST_TAG.0, v.len()))
    }

    /// The options that make up the cache key of a request (RFC 7252 §5.6): every option but
    /// those marked NoCacheKey (§5.4.6: Size1, Size2, Echo, ...) and Observe (RFC 7641 §2).
    /// With the method, they tell whether a stored response can answer the request.
    pub fn cache_key(&self) -> impl Iterator<Item = CoapOption<'a>> + Clone {
        self.options()
            .filter(|o| !o.number.is_no_cache_key() && o.number != OptionNumber::OBSERVE)
    }

    /// The first option, for convenience in tests and tools.
    #[must_use]
    pub fn first_option(&self) -> Option<CoapOption<'a>> {
        self.options().next()
    }

    /// CSM Max-Message-Size (RFC 8323 §5.3.1), in a 7.01 message.
    #[must_use]
    pub fn max_message_size(&self) -> Option<u32> {
        (self.code == Code::CSM)
            .then(|| self.uint(signaling::MAX_MESSAGE_SIZE))
            .flatten()
    }

    /// CSM Block-Wise-Transfer (RFC 8323 §5.3.2), in a 7.01 message.
    #[must_use]
    pub fn block_wise_transfer(&self) -> bool {
        self.code == Code::CSM && self.option(signaling::BLOCK_WISE_TRANSFER).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OptionProblem;

    /// RFC 7252 §3 and the issue: CON GET, MID 0x5d1f (23839), token 00003974, Uri-Host
    /// "localhost", Uri-Path "tv1".
    static GET_TV1: &[u8] = &[
        0x44, 0x01, 0x5d, 0x1f, 0x00, 0x00, 0x39, 0x74, 0x39, b'l', b'o', b'c', b'a', b'l', b'h',
        b'o', b's', b't', 0x83, b't', b'v', b'1',
    ];

    #[test]
    fn deconstruct() {
        let m = Message::parse_udp(GET_TV1).unwrap();
        assert_eq!(m.ty(), Some(Type::Confirmable));
        assert_eq!(m.code(), Code::GET);
        assert_eq!(m.message_id(), Some(23839));
        assert_eq!(m.token(), &[0, 0, 0x39, 0x74]);
        assert_eq!(m.uri_host(), Some("localhost"));
        assert!(m.uri_path().eq(["tv1"]));
        assert_eq!(m.payload(), b"");
        assert_eq!(m.bad_option(), None);
        assert_eq!(m.options().count(), 2);
    }

    fn reason(buf: &[u8]) -> Reason {
        Message::parse_udp(buf).unwrap_err().reason
    }

    #[test]
    fn cache_key_leaves_out_no_cache_key_options_and_observe() {
        // GET /a with Observe 0 and Size2 0: only Uri-Path is part of the key.
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0x60, 0x51, b'a', 0xd0, 0x04]).unwrap();
        assert_eq!(m.options().count(), 3);
        let key: std::vec::Vec<_> = m.cache_key().map(|o| o.number).collect();
        assert_eq!(key, [OptionNumber::URI_PATH]);
    }

    #[test]
    fn format_errors() {
        assert_eq!(reason(&[0x40, 1]), Reason::Truncated { needed: 2 });
        assert_eq!(reason(&[0x80, 1, 0, 0]), Reason::Version(2));
        // TKL 9 is a 9-byte token under RFC 8974, a format error under RFC 7252 alone.
        let tkl9 = [0x49, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(Message::parse_udp(&tkl9).unwrap().token().len(), 9);
        let rfc7252 = Config {
            extended_tokens: false,
            ..Config::STRICT
        };
        assert_eq!(
            Message::parse_udp_with(&tkl9, &rfc7252).unwrap_err().reason,
            Reason::TokenLength(9)
        );
        assert_eq!(reason(&[0x4f, 1, 0, 0]), Reason::TokenLength(15));
        assert_eq!(reason(&[0x42, 1, 0, 0, 1]), Reason::Truncated { needed: 1 });
        assert_eq!(reason(&[0x40, 1, 0, 0, 0xff]), Reason::EmptyPayload);
        assert_eq!(reason(&[0x40, 1, 0, 0, 0xf0]), Reason::OptionDelta);
        assert_eq!(reason(&[0x40, 1, 0, 0, 0x0f]), Reason::OptionLength);
        assert_eq!(
            reason(&[0x40, 1, 0, 0, 0x03, 1]),
            Reason::Truncated { needed: 2 }
        );
        assert_eq!(reason(&[0x41, 0, 0, 0, 7]), Reason::EmptyNotEmpty);
        assert_eq!(reason(&[0x40, 0, 0, 0, 0xff, 7]), Reason::EmptyNotEmpty);
        assert_eq!(
            reason(&[0x60, 1, 0, 0]),
            Reason::TypeCode {
                ty: Type::Acknowledgement,
                code: Code::GET
            }
        );
        assert_eq!(
            reason(&[0x70, 0x45, 0, 0]),
            Reason::TypeCode {
                ty: Type::Reset,
                code: Code::CONTENT
            }
        );
        assert_eq!(
            reason(&[0x50, 0, 0, 0]),
            Reason::TypeCode {
                ty: Type::NonConfirmable,
                code: Code::EMPTY
            }
        );
        assert_eq!(
            reason(&[0x40, 0x21, 0, 0]),
            Reason::ReservedClass(Code(0x21))
        );
        assert_eq!(
            reason(&[0x40, 0xe1, 0, 0]),
            Reason::ReservedClass(Code::CSM)
        );
        // Option number overflow: 65535 then delta 1.
        assert_eq!(
            reason(&[0x40, 1, 0, 0, 0xe0, 0xfe, 0xf2, 0x10]),
            Reason::OptionNumber
        );
        // Ping and its Reset are fine.
        assert!(Message::parse_udp(&[0x40, 0, 0x12, 0x34]).is_ok());
        assert!(Message::parse_udp(&[0x70, 0, 0x12, 0x34]).is_ok());
    }

    #[test]
    fn reactions() {
        use crate::error::Reaction;
        let e = Message::parse_udp(&[0x40, 1, 0, 0, 0xff]).unwrap_err();
        assert_eq!((e.offset, e.reaction()), (4, Reaction::Reset));
        let e = Message::parse_udp(&[0x50, 1, 0, 0, 0xff]).unwrap_err();
        assert_eq!(e.reaction(), Reaction::Ignore);
        let e = Message::parse_udp(&[0x80, 1, 0, 0]).unwrap_err();
        assert_eq!(e.reaction(), Reaction::Ignore);
        let e = Message::parse_tcp(&[0x10, 1, 0xff]).unwrap_err();
        assert_eq!(e.reaction(), Reaction::Abort);
    }

    #[test]
    fn lenient() {
        let m = Message::parse_udp_with(&[0x40, 1, 0, 0, 0xff], &Config::LENIENT).unwrap();
        assert_eq!(m.payload(), b"");
        assert!(Message::parse_udp_with(&[0x60, 1, 0, 0], &Config::LENIENT).is_ok());
        assert!(Message::parse_udp_with(&[0x41, 0, 0, 0, 7], &Config::LENIENT).is_ok());
        let no_ext = Config {
            extended_tokens: false,
            ..Config::STRICT
        };
        let mut tok13 = std::vec![0x4d, 1, 0, 0, 0];
        tok13.extend_from_slice(&[0xaa; 13]);
        assert!(Message::parse_udp(&tok13).is_ok());
        assert_eq!(
            Message::parse_udp_with(&tok13, &no_ext).unwrap_err().reason,
            Reason::TokenLength(13)
        );
    }

    #[test]
    fn extended_tokens() {
        // RFC 8974 §2.1: TKL 13 with 0 means 13 bytes; TKL 14 with 0 means 269.
        let mut m = std::vec![0x4d, 1, 0, 0, 0x03];
        m.extend_from_slice(&[0x11; 16]);
        assert_eq!(Message::parse_udp(&m).unwrap().token().len(), 16);
        let mut m = std::vec![0x4e, 1, 0, 0, 0x00, 0x01];
        m.extend_from_slice(&[0x22; 270]);
        assert_eq!(Message::parse_udp(&m).unwrap().token().len(), 270);
        assert_eq!(reason(&[0x4e, 1, 0, 0, 0]), Reason::Truncated { needed: 1 });
    }

    #[test]
    fn bad_options() {
        // An unknown critical option 65001 (0xfde9): reported, not a parse failure.
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xe0, 0xfc, 0xdc]).unwrap();
        let bad = m.bad_option().unwrap();
        assert_eq!(
            (bad.number, bad.offset, bad.problem),
            (65001, 4, OptionProblem::Unrecognized)
        );
        assert!(bad.is_critical());
        use crate::error::Reaction;
        assert_eq!(
            bad.reaction(Transport::Udp, Some(Type::Confirmable), Code::GET),
            Some(Reaction::Respond(Code::BAD_OPTION))
        );
        assert_eq!(
            bad.reaction(Transport::Udp, Some(Type::NonConfirmable), Code::GET),
            Some(Reaction::Ignore)
        );
        assert_eq!(
            bad.reaction(Transport::Udp, Some(Type::Confirmable), Code::CONTENT),
            Some(Reaction::Reset)
        );
        // Unknown elective: fine.
        assert_eq!(
            Message::parse_udp(&[0x40, 1, 0, 0, 0xd0, 0x01])
                .unwrap()
                .bad_option(),
            None
        );
        // Uri-Host of length 0, Content-Format twice, Uri-Path not UTF-8.
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0x30]).unwrap();
        assert_eq!(m.bad_option().unwrap().problem, OptionProblem::Length);
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xc0, 0x00]).unwrap();
        assert_eq!(m.bad_option().unwrap().problem, OptionProblem::Repeated);
        assert_eq!(m.bad_option().unwrap().offset, 5);
        // A value byte 0xff is a value, not a payload marker.
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xb1, 0xff]).unwrap();
        assert_eq!(m.bad_option().unwrap().problem, OptionProblem::Utf8);
        assert_eq!(m.payload(), b"");
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xb1, 0xfe]).unwrap();
        assert_eq!(m.bad_option().unwrap().problem, OptionProblem::Utf8);
        // Uri-Path is repeatable.
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xb1, b'a', 0x01, b'b']).unwrap();
        assert_eq!(m.bad_option(), None);
        assert!(m.uri_path().eq(["a", "b"]));
    }

    #[test]
    fn typed_accessors_ignore_values_of_a_length_out_of_bounds() {
        // RFC 7252 §5.4.3: an option value of a length outside the registered range is treated
        // like an unrecognized option; for an elective option, as if it were absent.
        // Content-Format 50 in 3 bytes (0-2 allowed).
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xc3, 0, 0, 0x32]).unwrap();
        assert_eq!(
            m.bad_option().map(|b| b.problem),
            Some(OptionProblem::Length)
        );
        assert_eq!(m.content_format(), None);
        // Accept 50 in 3 bytes.
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xd3, 0x04, 0, 0, 0x32]).unwrap();
        assert_eq!(m.accept(), None);
        // In bounds, with a leading zero: read.
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xc2, 0, 0x32]).unwrap();
        assert_eq!(m.content_format(), Some(ContentFormat(50)));
        // An empty ETag (1-8 allowed) is skipped, the next one read; an empty Echo (1-40) is none.
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0x40, 0x01, 0xaa]).unwrap();
        assert!(m.etags().eq([&[0xaa][..]]));
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xd0, 0xef]).unwrap();
        assert_eq!(m.option(OptionNumber::ECHO), Some(&[][..]));
        assert_eq!(m.echo(), None);
        // A 9-byte Request-Tag (0-8) is skipped.
        let mut b = std::vec![0x40, 1, 0, 0, 0xe9, 0x00, 0x17];
        b.extend_from_slice(&[7; 9]);
        b.extend_from_slice(&[0x01, 0x05]);
        let m = Message::parse_udp(&b).unwrap();
        assert!(m.request_tags().eq([&[5][..]]));
    }

    #[test]
    fn a_critical_bad_option_is_reported_before_an_earlier_elective_one() {
        // Content-Format twice (elective: ignored), then the unrecognized critical option 25
        // (delta 13: 0xd0 0x00). RFC 7252 §5.4.1: the critical one decides (4.02 for a CON
        // request); reporting only the elective repeat let the request through.
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xc0, 0x00, 0xd0, 0x00]).unwrap();
        let bad = m.bad_option().unwrap();
        assert_eq!(
            (bad.number, bad.offset, bad.problem),
            (25, 6, OptionProblem::Unrecognized)
        );
        assert_eq!(
            bad.reaction(Transport::Udp, Some(Type::Confirmable), Code::GET),
            Some(crate::error::Reaction::Respond(Code::BAD_OPTION))
        );
        // A Content-Format of 3 bytes (elective, too long), then a Uri-Query that is not UTF-8
        // (critical); and an elective problem alone is still reported (the first one).
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xc3, 0, 0, 1, 0x31, 0xff]).unwrap();
        let bad = m.bad_option().unwrap();
        assert_eq!(
            (bad.number, bad.offset, bad.problem),
            (15, 8, OptionProblem::Utf8)
        );
        let m = Message::parse_udp(&[0x40, 1, 0, 0, 0xc0, 0x00, 0x00]).unwrap();
        let bad = m.bad_option().unwrap();
        assert_eq!(
            (bad.number, bad.offset, bad.problem),
            (12, 5, OptionProblem::Repeated)
        );
        assert!(!bad.is_critical());
    }

    /// An option area built from `(delta, value)` pairs, cut to `cut` bytes when it is longer,
    /// with the byte at `flip.0` (if there is one) xored with `flip.1`, then, if `marker`, a
    /// payload marker and `payload`.
    #[allow(clippy::cast_possible_truncation)] // values of the tests are short
    fn area_of(
        options: &[(u16, std::vec::Vec<u8>)],
        cut: usize,
        flip: (usize, u8),
        marker: bool,
        payload: &[u8],
    ) -> std::vec::Vec<u8> {
        let mut area = std::vec::Vec::new();
        for (delta, value) in options {
            let mut head = [0u8; 5];
            let n = crate::option::write_header(&mut head, u32::from(*delta), value.len() as u32)
                .unwrap();
            area.extend_from_slice(&head[..n]);
            area.extend_from_slice(value);
        }
        area.truncate(cut);
        if let Some(b) = area.get_mut(flip.0) {
            *b ^= flip.1;
        }
        if marker {
            area.push(0xff);
            area.extend_from_slice(payload);
        }
        area
    }

    /// The parser's fast scan and the exact walk agree on every area: the same verdict, the
    /// same options and payload, and a doubt wherever the walk has one.
    fn scan_agrees(area: &[u8], empty_ok: bool) {
        let fast = scan(area, 0, empty_ok);
        match walk(area, empty_ok) {
            Ok((options, payload, doubt)) => {
                let (o, p, d) = fast.unwrap_or_else(|| panic!("scan refused {area:02x?}"));
                assert_eq!((o, p), (options, payload), "{area:02x?}");
                // The scan may doubt more (then the full check runs), never less.
                assert!(d || !doubt, "{area:02x?}");
            }
            Err(e) => assert_eq!(fast, None, "walk: {e:?}, {area:02x?}"),
        }
        // The same area after a 6-byte header and token.
        let mut msg = std::vec![0x42, 1, 0, 0, 0xaa, 0xbb];
        msg.extend_from_slice(area);
        assert_eq!(scan(&msg, 6, empty_ok), fast, "{area:02x?}");
    }

    #[test]
    fn scan_agrees_with_walk_on_every_short_area() {
        // Every area of up to two bytes, and every three-byte one starting with an option byte.
        scan_agrees(&[], false);
        for a in 0..=255u8 {
            for empty_ok in [false, true] {
                scan_agrees(&[a], empty_ok);
                for b in 0..=255u8 {
                    scan_agrees(&[a, b], empty_ok);
                }
            }
            for b in [0u8, 0x01, 0x7f, 0x80, 0xc3, 0xfe, 0xff] {
                for c in [0u8, 0x10, 0x31, 0x80, 0xff] {
                    scan_agrees(&[a, b, c], false);
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2048,
            ..proptest::prelude::ProptestConfig::default()
        })]

        #[test]
        fn scan_agrees_with_walk(
            options in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        6 => 0u16..13,
                        2 => 13u16..300,
                        1 => 300u16..=u16::MAX,
                    ],
                    proptest::prop_oneof![
                        6 => proptest::collection::vec(
                            proptest::prop_oneof![4 => 0x20u8..0x7f, 1 => proptest::prelude::any::<u8>()],
                            0..13,
                        ),
                        1 => proptest::collection::vec(proptest::prelude::any::<u8>(), 13..300),
                    ],
                ),
                0..10,
            ),
            cut in 0usize..2000,
            flip in (0usize..400, proptest::prelude::any::<u8>()),
            marker in proptest::prelude::any::<bool>(),
            payload in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3),
            empty_ok in proptest::prelude::any::<bool>(),
        ) {
            scan_agrees(&area_of(&options, cut, flip, marker, &payload), empty_ok);
        }
    }

    #[test]
    fn tcp_and_ws() {
        // RFC 8323 §3.2: Len 0, TKL 0, 7.02 Ping.
        let m = Message::parse_tcp(&[0x00, 0xe2]).unwrap();
        assert_eq!((m.code(), m.ty(), m.message_id()), (Code::PING, None, None));
        // Len 4 (Uri-Path "ab" = 3 bytes? no: option 0xb2 'a' 'b' = 3 bytes, marker, payload 1).
        let f = [0x51, 0x01, 0x7a, 0xb2, b'a', b'b', 0xff, b'x'];
        let m = Message::parse_tcp(&f).unwrap();
        assert_eq!(m.token(), &[0x7a]);
        assert!(m.uri_path().eq(["ab"]));
        assert_eq!(m.payload(), b"x");
        assert_eq!(
            Message::parse_tcp(&f[..7]).unwrap_err().reason,
            Reason::FrameLength {
                declared: 5,
                actual: 4
            }
        );
        // The same over WebSocket: length nibble 0.
        let w = [0x01, 0x01, 0x7a, 0xb2, b'a', b'b', 0xff, b'x'];
        assert_eq!(Message::parse_ws(&w).unwrap().payload(), b"x");
        assert_eq!(
            Message::parse_ws(&f).unwrap_err().reason,
            Reason::WsLengthNibble(5)
        );
        // CSM with Max-Message-Size 1152 and Block-Wise-Transfer.
        let csm = [0x40, 0xe1, 0x22, 0x04, 0x80, 0x20];
        let m = Message::parse_tcp(&csm).unwrap();
        assert_eq!(m.max_message_size(), Some(1152));
        assert!(m.block_wise_transfer());
        assert_eq!(m.bad_option(), None);
        // TKL 15 is reserved over TCP too.
        assert_eq!(
            Message::parse_tcp(&[0x0f, 1]).unwrap_err().reason,
            Reason::TokenLength(15)
        );
    }
}
