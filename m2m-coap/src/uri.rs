//! CoAP URIs to options and back (RFC 7252 §6.4 and §6.5; the `coap+tcp`/`coap+ws` schemes of
//! RFC 8323 §8), without allocation: percent-decoded values go into a caller's scratch buffer,
//! and a URI is written into any `core::fmt::Write`.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use crate::builder::Builder;
use crate::error::BuildError;
use crate::message::Message;
use crate::option::OptionNumber;

/// A URI scheme of CoAP (RFC 7252 §6.1-6.2, RFC 8323 §8.1-8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Scheme {
    /// `coap`: UDP, default port 5683.
    Coap,
    /// `coaps`: DTLS, default port 5684.
    Coaps,
    /// `coap+tcp`: TCP, default port 5683.
    CoapTcp,
    /// `coaps+tcp`: TLS, default port 5684.
    CoapsTcp,
    /// `coap+ws`: WebSocket, default port 80.
    CoapWs,
    /// `coaps+ws`: secure WebSocket, default port 443.
    CoapsWs,
}

impl Scheme {
    /// The scheme name as written in a URI.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Coap => "coap",
            Scheme::Coaps => "coaps",
            Scheme::CoapTcp => "coap+tcp",
            Scheme::CoapsTcp => "coaps+tcp",
            Scheme::CoapWs => "coap+ws",
            Scheme::CoapsWs => "coaps+ws",
        }
    }

    /// The default port.
    #[must_use]
    pub const fn default_port(self) -> u16 {
        match self {
            Scheme::Coap | Scheme::CoapTcp => 5683,
            Scheme::Coaps | Scheme::CoapsTcp => 5684,
            Scheme::CoapWs => 80,
            Scheme::CoapsWs => 443,
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Scheme::Coap,
            Scheme::Coaps,
            Scheme::CoapTcp,
            Scheme::CoapsTcp,
            Scheme::CoapWs,
            Scheme::CoapsWs,
        ]
        .into_iter()
        .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }
}

/// A byte RFC 3986 §2 allows in a URI: unreserved, reserved (gen-delims and sub-delims), or
/// `%` of a percent-encoding; or a byte of a non-ASCII character, which an IRI has (RFC 3987
/// §2.2) and its URI carries percent-encoded (§3.1; aiocoap and Californium take them so).
const fn is_uri_char(b: u8) -> bool {
    !b.is_ascii()
        || b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b':'
                | b'/'
                | b'?'
                | b'#'
                | b'['
                | b']'
                | b'@'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'%'
        )
}

/// Why a URI cannot be turned into options (RFC 7252 §6.4 steps 1-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum UriError {
    /// Not an absolute URI with a CoAP scheme.
    #[error("not an absolute coap, coaps, coap+tcp, coaps+tcp, coap+ws or coaps+ws URI")]
    Scheme,
    /// A fragment (`#...`), which CoAP URIs cannot have.
    #[error("CoAP URIs have no fragment")]
    Fragment,
    /// No host, or a malformed one (an unclosed `[`, an IP-literal that is no IPv6 address or
    /// IPvFuture).
    #[error("bad or missing host")]
    Host,
    /// A port that is not a number of 0-65535.
    #[error("bad port")]
    Port,
    /// A `%` not followed by two hex digits, at this byte of the URI.
    #[error("bad percent-encoding at byte {0}")]
    Percent(usize),
    /// An ASCII character RFC 3986 does not allow there (a space, a quote, `<`, `{`, a
    /// bracket outside an IP-literal, a control character), at this byte of the URI: the text
    /// is no URI (RFC 7252 §6.4 step 1). Non-ASCII characters are taken, as in an IRI.
    #[error("character not allowed in a URI at byte {0}")]
    Char(usize),
    /// The scratch buffer for decoded values is too small.
    #[error("scratch buffer too small")]
    Scratch,
}

/// An absolute CoAP URI, split into its parts and borrowed from the text (RFC 3986 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Uri<'a> {
    /// The scheme.
    pub scheme: Scheme,
    /// The host as written, without the brackets of an IP-literal and still percent-encoded.
    pub host: &'a str,
    /// The port, when one is written (an empty port is none, RFC 3986 §6.2.3).
    pub port: Option<u16>,
    /// The path as written, still percent-encoded (empty or starting with `/`).
    pub path: &'a str,
    /// The query as written without its `?`, if there is one.
    pub query: Option<&'a str>,
    text: &'a str,
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b.wrapping_sub(b'0')),
        b'a'..=b'f' => Some(b.wrapping_sub(b'a').wrapping_add(10)),
        b'A'..=b'F' => Some(b.wrapping_sub(b'A').wrapping_add(10)),
        _ => None,
    }
}

impl<'a> Uri<'a> {
    /// Splits an absolute CoAP URI (RFC 7252 §6.4 steps 1-4).
    pub fn parse(text: &'a str) -> Result<Self, UriError> {
        // Only the characters of RFC 3986 §2 at all; brackets only around an IP-literal.
        if let Some(at) = text.bytes().position(|b| !is_uri_char(b)) {
            return Err(UriError::Char(at));
        }
        let (scheme, rest) = text.split_once("://").ok_or(UriError::Scheme)?;
        let scheme = Scheme::parse(scheme).ok_or(UriError::Scheme)?;
        if rest.contains('#') {
            return Err(UriError::Fragment);
        }
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        // No user information in CoAP URIs (RFC 7252 §6.1 has none).
        if authority.contains('@') {
            return Err(UriError::Host);
        }
        let (host, port) = if let Some(lit) = authority.strip_prefix('[') {
            let (host, after) = lit.split_once(']').ok_or(UriError::Host)?;
            if !is_ip_literal(host) {
                return Err(UriError::Host);
            }
            match after {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':').ok_or(UriError::Host)?)),
            }
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(UriError::Host);
        }
        // Outside the host's IP-literal, a bracket is no URI character (RFC 3986 §3.3, §3.4:
        // neither a path nor a query has them; a reg-name neither).
        let bracket = |part: &str| part.bytes().position(|b| b == b'[' || b == b']');
        for part in [Some(path), query].into_iter().flatten() {
            if let Some(at) = bracket(part) {
                let start = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
                return Err(UriError::Char(start.saturating_add(at)));
            }
        }
        if !authority.starts_with('[') && bracket(authority).is_some() {
            return Err(UriError::Host);
        }
        let port = match port {
            None | Some("") => None,
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
                Some(p.parse::<u16>().map_err(|_| UriError::Port)?)
            }
            Some(_) => return Err(UriError::Port),
        };
        Ok(Uri {
            scheme,
            host,
            port,
            path,
            query,
            text,
        })
    }

    /// The port the request goes to: the one written, or the scheme's default.
    #[must_use]
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }

    /// Whether the host is an IP-literal or an IPv4 address, which is sent as the destination
    /// address rather than as a Uri-Host option (RFC 7252 §6.4 step 5).
    #[must_use]
    pub fn host_is_ip(&self) -> bool {
        // The host of an IP-literal is what was in brackets; no other host has a colon.
        self.host.contains(':') || is_ipv4(self.host)
    }

    /// Offset of `part` (a slice of the URI's text) in the text, for error offsets.
    fn offset_of(&self, part: &str) -> usize {
        (part.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize)
    }

    /// Adds the options of the URI to `b` (RFC 7252 §6.4 steps 5-9): Uri-Host unless the host is
    /// an IP address, Uri-Port when the port differs from `destination_port` (the port the
    /// request is sent to; `None` means the URI's own), one Uri-Path per segment and one
    /// Uri-Query per `&`-separated argument. Percent-decoded values are written into `scratch`,
    /// which must outlive the builder.
    pub fn to_options<'b, const N: usize>(
        &self,
        b: &mut Builder<'b, N>,
        mut scratch: &'b mut [u8],
        destination_port: Option<u16>,
    ) -> Result<(), UriOptionsError>
    where
        'a: 'b,
    {
        let mut decoded = |raw: &str, lower: bool| -> Result<&'b [u8], UriError> {
            let (value, rest) = decode(
                raw,
                self.offset_of(raw),
                core::mem::take(&mut scratch),
                lower,
            )?;
            scratch = rest;
            Ok(value)
        };
        if !self.host_is_ip() {
            b.opaque(OptionNumber::URI_HOST, decoded(self.host, true)?)?;
        }
        let port = self.effective_port();
        if port != destination_port.unwrap_or(port) {
            b.uint(OptionNumber::URI_PORT, u32::from(port))?;
        }
        // A path of "" or "/" has no segments; otherwise every segment after the leading "/"
        // is one option, empty ones included (RFC 7252 §6.4 step 8).
        // Dot segments are removed first (RFC 3986 §5.2.4, through §6.4 step 2): "." goes, ".."
        // takes the segment before it with it.
        if let Some(segments) = self.path.strip_prefix('/').filter(|p| !p.is_empty()) {
            let mut kept = [""; 64];
            let mut n = 0usize;
            let count = segments.split('/').count();
            for (i, seg) in segments.split('/').enumerate() {
                let last = i.saturating_add(1) == count;
                match seg {
                    "." | ".." => {
                        if seg == ".." {
                            n = n.saturating_sub(1);
                        }
                        // A trailing dot segment leaves an empty last segment ("a/." is "a/").
                        if last {
                            *kept.get_mut(n).ok_or(UriError::Scratch)? = "";
                            n = n.saturating_add(1);
                        }
                    }
                    _ => {
                        *kept.get_mut(n).ok_or(UriError::Scratch)? = seg;
                        n = n.saturating_add(1);
                    }
                }
            }
            // "/." and "/.." alone are the root: no Uri-Path.
            let segs = kept.get(..n).unwrap_or_default();
            if segs != [""] {
                for seg in segs {
                    b.opaque(OptionNumber::URI_PATH, decoded(seg, false)?)?;
                }
            }
        }
        if let Some(q) = self.query {
            for arg in q.split('&') {
                b.opaque(OptionNumber::URI_QUERY, decoded(arg, false)?)?;
            }
        }
        Ok(())
    }
}

/// Why [`Uri::to_options`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum UriOptionsError {
    /// The URI.
    #[error(transparent)]
    Uri(#[from] UriError),
    /// The builder.
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// Percent-decodes `raw` (at `offset` in its URI) into the head of `scratch`, lowercasing ASCII
/// letters if `lower`; returns the value and the rest of `scratch`.
fn decode<'b>(
    raw: &str,
    offset: usize,
    scratch: &'b mut [u8],
    lower: bool,
) -> Result<(&'b [u8], &'b mut [u8]), UriError> {
    let mut n = 0usize;
    let mut bytes = raw.bytes().enumerate();
    while let Some((i, c)) = bytes.next() {
        // The host is lowercased before it is decoded (RFC 7252 §6.4 step 5): a decoded
        // byte keeps its case.
        let c = if c == b'%' {
            let hi = bytes.next().and_then(|(_, h)| hex_val(h));
            let lo = bytes.next().and_then(|(_, l)| hex_val(l));
            match (hi, lo) {
                (Some(h), Some(l)) => (h << 4) | l,
                _ => return Err(UriError::Percent(offset.saturating_add(i))),
            }
        } else if lower {
            c.to_ascii_lowercase()
        } else {
            c
        };
        *scratch.get_mut(n).ok_or(UriError::Scratch)? = c;
        n = n.saturating_add(1);
    }
    let (value, rest) = scratch.split_at_mut(n.min(scratch.len()));
    Ok((value, rest))
}

/// Writes `value` percent-encoded: every byte that is not unreserved, a sub-delimiter or one of
/// `extra` as `%XX` with uppercase hex (RFC 3986 §2.1, §2.3; RFC 7252 §6.5 steps 6 and 8).
fn encode(out: &mut impl fmt::Write, value: &[u8], extra: &[u8], not: u8) -> fmt::Result {
    for &c in value {
        let keep =
            c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&c) || extra.contains(&c);
        if keep && c != not {
            out.write_char(char::from(c))?;
        } else {
            write!(out, "%{c:02X}")?;
        }
    }
    Ok(())
}

/// Whether `s`, the inside of the brackets of an IP-literal (RFC 3986 §3.2.2), is one: an
/// IPv6address, optionally with an RFC 6874 zone (`%25`, then one or more unreserved or
/// percent-encoded characters), or an IPvFuture (`v` 1*HEXDIG `.` 1*( unreserved / sub-delims
/// / `:` )).
fn is_ip_literal(s: &str) -> bool {
    let unreserved = |c: u8| c.is_ascii_alphanumeric() || b"-._~".contains(&c);
    if let Some(future) = s.strip_prefix(['v', 'V']) {
        let Some((version, rest)) = future.split_once('.') else {
            return false;
        };
        return !version.is_empty()
            && version.bytes().all(|c| c.is_ascii_hexdigit())
            && !rest.is_empty()
            && rest
                .bytes()
                .all(|c| unreserved(c) || b"!$&'()*+,;=:".contains(&c));
    }
    let (address, zone) = match s.split_once("%25") {
        Some((address, zone)) => (address, Some(zone)),
        None => (s, None),
    };
    let zone_ok = |zone: &str| {
        let mut bytes = zone.bytes();
        let mut any = false;
        while let Some(c) = bytes.next() {
            any = true;
            let ok = if c == b'%' {
                bytes.next().is_some_and(|h| h.is_ascii_hexdigit())
                    && bytes.next().is_some_and(|h| h.is_ascii_hexdigit())
            } else {
                unreserved(c)
            };
            if !ok {
                return false;
            }
        }
        any
    };
    address.parse::<core::net::Ipv6Addr>().is_ok() && zone.is_none_or(zone_ok)
}

/// Whether `h` is an IPv4address of four dec-octets 0-255 written without leading zeros (RFC
/// 3986 §3.2.2): `010.0.0.1` is a reg-name.
fn is_ipv4(h: &str) -> bool {
    h.split('.').count() == 4
        && h.split('.').all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p == "0" || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|v| v <= 255)
        })
}

/// Whether a Uri-Host option value is an IP address, written in a URI as it is: an IPv4address,
/// or an IPv6 address in brackets (the form RFC 3986 §3.2.2 gives an IP-literal host; a URI
/// with such a host carries no Uri-Host, RFC 7252 §6.4 step 5, the destination address says
/// it). Any other value, a bare IPv6 address included, is a reg-name.
#[must_use]
pub fn is_ip_host(value: &str) -> bool {
    is_ipv4(value)
        || value
            .strip_prefix('[')
            .and_then(|v| v.strip_suffix(']'))
            .is_some_and(|v| v.parse::<core::net::Ipv6Addr>().is_ok())
}

/// Writes the URI of a request (RFC 7252 §6.5): the host is the Uri-Host option (a reg-name,
/// percent-encoded, or an IP address as [`is_ip_host`] says) or `destination_host` (an IP
/// address; IPv6 goes in brackets), the port the Uri-Port option or
/// `destination_port`, left out when it is the scheme's default; then the Uri-Path segments and
/// the Uri-Query arguments, percent-encoded.
pub fn write_uri(
    out: &mut impl fmt::Write,
    msg: &Message<'_>,
    scheme: Scheme,
    destination_host: &str,
    destination_port: u16,
) -> fmt::Result {
    write!(out, "{}://", scheme.as_str())?;
    match msg.option(OptionNumber::URI_HOST) {
        Some(h) => match core::str::from_utf8(h) {
            Ok(ip) if is_ip_host(ip) => out.write_str(ip)?,
            // Letters as they are (RFC 7252 §6.5 step 2 encodes non-ASCII bytes only; a host
            // is case-insensitive, RFC 3986 §3.2.2, and reads back lowercased, §6.4 step 5).
            _ => encode(out, h, b"", 0)?,
        },
        None if destination_host.contains(':') => write!(out, "[{destination_host}]")?,
        None => out.write_str(destination_host)?,
    }
    let port = msg.uri_port().unwrap_or(destination_port);
    if port != scheme.default_port() {
        write!(out, ":{port}")?;
    }
    let mut any = false;
    for seg in msg.option_values(OptionNumber::URI_PATH) {
        out.write_char('/')?;
        if seg == b"." || seg == b".." {
            // A segment that is data, not a dot segment, must not read as one.
            for _ in seg {
                out.write_str("%2E")?;
            }
        } else {
            encode(out, seg, b":@", 0)?;
        }
        any = true;
    }
    if !any {
        out.write_char('/')?;
    }
    for (i, arg) in msg.option_values(OptionNumber::URI_QUERY).enumerate() {
        out.write_char(if i == 0 { '?' } else { '&' })?;
        encode(out, arg, b":@/?", b'&')?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        let u = Uri::parse("coap://[2001:db8::1]:61616/a/b?x=1&y").unwrap();
        assert_eq!(u.scheme, Scheme::Coap);
        assert_eq!(u.host, "2001:db8::1");
        assert_eq!(u.port, Some(61616));
        assert_eq!(u.path, "/a/b");
        assert_eq!(u.query, Some("x=1&y"));
        assert!(u.host_is_ip());
        assert_eq!(Uri::parse("coap+tcp://h").unwrap().effective_port(), 5683);
        assert_eq!(Uri::parse("coaps+ws://h").unwrap().effective_port(), 443);
        assert_eq!(Uri::parse("http://h/"), Err(UriError::Scheme));
        assert_eq!(Uri::parse("coap://h/#x"), Err(UriError::Fragment));
        assert_eq!(Uri::parse("coap:///x"), Err(UriError::Host));
        assert_eq!(Uri::parse("coap://h:99999/"), Err(UriError::Port));
        assert_eq!(Uri::parse("coap://h:-1/"), Err(UriError::Port));
        assert_eq!(Uri::parse("coap://[::1/"), Err(UriError::Host));
        assert!(!Uri::parse("coap://1.2.3.4.5/").unwrap().host_is_ip());
        assert!(!Uri::parse("coap://999.1.1.1/").unwrap().host_is_ip());
        assert!(Uri::parse("coap://255.0.0.1/").unwrap().host_is_ip());
    }

    fn path_of(uri: &str) -> std::vec::Vec<std::string::String> {
        let u = Uri::parse(uri).unwrap();
        let mut b = Builder::<16>::udp(crate::Type::Confirmable, crate::Code::GET, 1);
        let mut scratch = [0u8; 64];
        u.to_options(&mut b, &mut scratch, None).unwrap();
        let mut out = [0u8; 128];
        let n = b.encode(&mut out).unwrap();
        let m = Message::parse_udp(&out[..n]).unwrap();
        m.uri_path().map(std::string::String::from).collect()
    }

    #[test]
    fn dot_segments_are_removed() {
        // RFC 3986 §5.2.4 (the examples of §5.4.2, "normal" references).
        assert_eq!(path_of("coap://h/a/./b/../c"), ["a", "c"]);
        assert_eq!(path_of("coap://h/a/b/.."), ["a", ""]);
        assert_eq!(path_of("coap://h/a/."), ["a", ""]);
        assert_eq!(path_of("coap://h/../a"), ["a"]);
        assert_eq!(
            path_of("coap://h/."),
            std::vec::Vec::<std::string::String>::new()
        );
        assert_eq!(
            path_of("coap://h/a/%2e"),
            ["a", "."],
            "an encoded dot is data"
        );
    }

    #[test]
    fn a_host_with_a_colon_reads_back() {
        // Found by the coap_uri fuzz target: a reg-name host that decodes to ":." must not be
        // written as an IP-literal, or it would read back as no Uri-Host at all.
        let u = Uri::parse("coap://%3a.//%3a...").unwrap();
        let mut b = Builder::<8>::udp(crate::Type::Confirmable, crate::Code::GET, 1);
        let mut scratch = [0u8; 64];
        u.to_options(&mut b, &mut scratch, None).unwrap();
        let mut out = [0u8; 128];
        let n = b.encode(&mut out).unwrap();
        let m = Message::parse_udp(&out[..n]).unwrap();
        assert_eq!(m.uri_host(), Some(":."));
        let mut text = std::string::String::new();
        write_uri(&mut text, &m, Scheme::Coap, "192.0.2.1", 5683).unwrap();
        let again = Uri::parse(&text).unwrap();
        let mut b2 = Builder::<8>::udp(crate::Type::Confirmable, crate::Code::GET, 1);
        let mut scratch2 = [0u8; 64];
        again.to_options(&mut b2, &mut scratch2, None).unwrap();
        let mut out2 = [0u8; 128];
        let n2 = b2.encode(&mut out2).unwrap();
        assert_eq!(&out2[..n2], &out[..n], "{text}");
    }

    /// A GET with `host` as its Uri-Host, written as a URI.
    fn uri_with_host(host: &[u8]) -> std::string::String {
        let mut b = Builder::<4>::udp(crate::Type::Confirmable, crate::Code::GET, 1);
        b.opaque(OptionNumber::URI_HOST, host).unwrap();
        b.str(OptionNumber::URI_PATH, "x").unwrap();
        let mut out = [0u8; 96];
        let n = b.encode(&mut out).unwrap();
        let m = Message::parse_udp(&out[..n]).unwrap();
        let mut text = std::string::String::new();
        write_uri(&mut text, &m, Scheme::Coap, "192.0.2.1", 5683).unwrap();
        text
    }

    #[test]
    fn an_ip_address_in_uri_host_is_written_as_the_host() {
        assert_eq!(uri_with_host(b"[2001:db8::1]"), "coap://[2001:db8::1]/x");
        assert_eq!(
            uri_with_host(b"[::ffff:192.0.2.7]"),
            "coap://[::ffff:192.0.2.7]/x"
        );
        assert_eq!(uri_with_host(b"198.51.100.3"), "coap://198.51.100.3/x");
        // Read back, such a URI has no Uri-Host: the destination address carries it (§6.4 step 5).
        assert!(Uri::parse("coap://[2001:db8::1]/x").unwrap().host_is_ip());
        assert!(Uri::parse("coap://198.51.100.3/x").unwrap().host_is_ip());
        // Anything else is a reg-name, percent-encoded so that it reads back as itself.
        assert_eq!(
            uri_with_host(b"[not:an:ip]"),
            "coap://%5Bnot%3Aan%3Aip%5D/x"
        );
        assert_eq!(uri_with_host(b"2001:db8::1"), "coap://2001%3Adb8%3A%3A1/x");
        assert_eq!(
            uri_with_host(b"[2001:db8::1"),
            "coap://%5B2001%3Adb8%3A%3A1/x"
        );
        assert_eq!(uri_with_host(b"1.2.3.256"), "coap://1.2.3.256/x");
        assert!(!Uri::parse("coap://1.2.3.256/x").unwrap().host_is_ip());
        assert!(is_ip_host("[::]") && !is_ip_host("[]") && !is_ip_host("::1"));
    }

    #[test]
    fn an_uppercase_host_letter_is_written_as_it_is() {
        // "%56" decodes to "V" after the host is lowercased (§6.4 step 5); the URI written
        // from the option keeps the letter (§6.5 step 2 encodes non-ASCII bytes only), and
        // names the same host (RFC 3986 §3.2.2: a host is case-insensitive).
        let u = Uri::parse("coaps://exanp8%56:4/a").unwrap();
        let mut b = Builder::<4>::udp(crate::Type::Confirmable, crate::Code::GET, 1);
        let mut scratch = [0u8; 32];
        u.to_options(&mut b, &mut scratch, None).unwrap();
        let mut out = [0u8; 64];
        let n = b.encode(&mut out).unwrap();
        let m = Message::parse_udp(&out[..n]).unwrap();
        assert_eq!(m.uri_host(), Some("exanp8V"));
        let mut text = std::string::String::new();
        write_uri(&mut text, &m, Scheme::Coaps, "192.0.2.1", 4).unwrap();
        assert_eq!(text, "coaps://exanp8V:4/a");
        let mut text = std::string::String::new();
        let mut b = Builder::<4>::udp(crate::Type::Confirmable, crate::Code::GET, 1);
        b.str(OptionNumber::URI_HOST, "Example.COM").unwrap();
        let n = b.encode(&mut out).unwrap();
        let m = Message::parse_udp(&out[..n]).unwrap();
        write_uri(&mut text, &m, Scheme::Coap, "192.0.2.1", 5683).unwrap();
        assert_eq!(text, "coap://Example.COM/");
    }

    #[test]
    fn an_ipv4_address_has_no_leading_zeros() {
        assert!(is_ipv4("10.0.0.1") && is_ipv4("0.0.0.0") && is_ipv4("255.255.255.255"));
        for h in [
            "010.0.0.1",
            "10.00.0.1",
            "1.2.3.256",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
        ] {
            assert!(!is_ipv4(h), "{h}");
        }
        // A host that only looks like an address is a reg-name: it goes as Uri-Host.
        let u = Uri::parse("coap://010.0.0.1/a").unwrap();
        assert!(!u.host_is_ip());
        let mut b = Builder::<4>::udp(crate::Type::Confirmable, crate::Code::GET, 1);
        let mut scratch = [0u8; 32];
        u.to_options(&mut b, &mut scratch, None).unwrap();
        let mut out = [0u8; 64];
        let n = b.encode(&mut out).unwrap();
        let m = Message::parse_udp(&out[..n]).unwrap();
        assert_eq!(m.uri_host(), Some("010.0.0.1"));
    }

    #[test]
    fn bad_percent() {
        let u = Uri::parse("coap://h/a%zz").unwrap();
        let mut b = Builder::<4>::udp(crate::Type::Confirmable, crate::Code::GET, 1);
        let mut scratch = [0u8; 16];
        assert_eq!(
            u.to_options(&mut b, &mut scratch, None),
            Err(UriOptionsError::Uri(UriError::Percent(10)))
        );
        let u = Uri::parse("coap://h/aaaaaaaaaa").unwrap();
        let mut b = Builder::<4>::udp(crate::Type::Confirmable, crate::Code::GET, 1);
        let mut scratch = [0u8; 4];
        assert_eq!(
            u.to_options(&mut b, &mut scratch, None),
            Err(UriOptionsError::Uri(UriError::Scratch))
        );
    }

    /// RFC 3986 §2: an ASCII character outside the URI alphabet (here a space, a quote, `<`,
    /// `{`, `|`, `\`, `^`, a backtick, a tab) makes the text no URI; a bracket is one only
    /// around an IP-literal. Each is refused at its byte; percent-encoded, the same
    /// characters are taken, and so are non-ASCII ones (an IRI's, RFC 3987).
    #[test]
    fn characters_outside_uris_are_refused() {
        for (text, at) in [
            ("coap://h/a b", 10),
            ("coap://h/a\"b", 10),
            ("coap://h/<a>", 9),
            ("coap://h/a?{x}", 11),
            ("coap://h/a|b", 10),
            ("coap://h/a\\b", 10),
            ("coap://h/a^b", 10),
            ("coap://h/a`b", 10),
            ("coap://h/a\tb", 10),
            ("coap ://h/a", 4),
            ("coap://h/a[1]", 10),
            ("coap://h/a?q=[1]", 13),
        ] {
            assert_eq!(Uri::parse(text), Err(UriError::Char(at)), "{text}");
        }
        assert_eq!(Uri::parse("coap://h[1]/a"), Err(UriError::Host));
        assert_eq!(Uri::parse("coap://a b/c"), Err(UriError::Char(8)));
        let text = "coap://h/a%20b?x=%7B%7D&y=!$'()*+,;=:@/?";
        let u = Uri::parse(text).unwrap();
        assert_eq!(u.path, "/a%20b");
        assert_eq!(u.query, Some("x=%7B%7D&y=!$'()*+,;=:@/?"));
        assert_eq!(path_of(text), ["a b"]);
        assert!(Uri::parse("coap://[::1]/a").is_ok());
        assert_eq!(Uri::parse("coap://h/\u{e9}").unwrap().path, "/\u{e9}");
    }
}
