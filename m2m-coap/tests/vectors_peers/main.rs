//! Messages from peers' own unit tests, one module a peer (libcoap, aiocoap, Wakaama's
//! er-coap, coap-lite, Californium, Leshan, Zephyr): the bytes their parsers accept or refuse
//! and their encoders produce, parsed and built here and compared with what their tests expect.
//!
//! libcoap's parser accepts codes of the reserved class 3 (`0x69` is 3.09, `0x73` is 3.19) in
//! NON messages; RFC 7252 §12.1 reserves the class, and our strict parse refuses it
//! (`Reason::ReservedClass`) while `Config::LENIENT` reads it, so those vectors are parsed both
//! ways. libcoap's default maximum token length is 8, so it refuses TKL 9 where we accept RFC
//! 8974 extended tokens by default; an RFC 7252-only configuration refuses it as libcoap does.
#![allow(clippy::unwrap_used)]

use m2m_coap::{Builder, Code, Config, Message, OptionNumber, Reason, Type};
use m2m_core::Encode as _;

fn strict(b: &[u8]) -> Result<Message<'_>, m2m_coap::Error> {
    Message::parse_udp(b)
}

fn lenient(b: &[u8]) -> Message<'_> {
    Message::parse_udp_with(b, &Config::LENIENT).unwrap()
}

mod aiocoap;
mod californium;
mod coap_lite;
mod leshan;
mod libcoap;
mod wakaama;
mod zephyr;

fn built<const N: usize>(b: &Builder<'_, N>) -> Vec<u8> {
    let mut out = vec![0u8; b.buffer_len()];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

/// A request URI through our options and back: `uri` into options (sent to the URI's own port),
/// then the URI those options give (RFC 7252 §6.5), the destination host being the URI's.
fn uri_round_trip(uri: &str) -> Result<String, String> {
    let u = m2m_coap::Uri::parse(uri).map_err(|e| format!("{e:?}"))?;
    let out = uri_get(uri)?;
    let m = strict(&out).map_err(|e| format!("{e:?}"))?;
    let mut text = String::new();
    m2m_coap::uri::write_uri(&mut text, &m, u.scheme, u.host, u.effective_port()).unwrap();
    Ok(text)
}

// libcoap `tests/test_uri.c`: URIs split into host, port, path and query, and their options.

/// The options of `uri` for a request sent to the URI's own port.
fn uri_options(uri: &str) -> Vec<(u16, Vec<u8>)> {
    let u = m2m_coap::Uri::parse(uri).unwrap();
    let mut b = Builder::<16>::udp(Type::Confirmable, Code::GET, 0);
    let mut scratch = [0u8; 128];
    u.to_options(&mut b, &mut scratch, None).unwrap();
    let out = built(&b);
    strict(&out)
        .unwrap()
        .options()
        .map(|o| (o.number.0, o.value.to_vec()))
        .collect()
}

fn path(segments: &[&[u8]]) -> Vec<(u16, Vec<u8>)> {
    segments.iter().map(|s| (11, s.to_vec())).collect()
}

/// The links of a link-format text as `target` and `name=raw value` strings (raw: as written,
/// quotes included), or the offset of the first error.
fn link_params(text: &str) -> Result<Vec<(String, Vec<String>)>, usize> {
    m2m_coap::link::parse(text)
        .map(|l| {
            let l = l.map_err(|e| e.offset)?;
            let params = l
                .params()
                .map(|p| match p.value {
                    None => p.name.to_owned(),
                    Some(m2m_coap::link::Value::Token(v)) => format!("{}={v}", p.name),
                    Some(m2m_coap::link::Value::Quoted(v)) => format!("{}=\"{v}\"", p.name),
                })
                .collect();
            Ok((l.target.to_owned(), params))
        })
        .collect()
}

/// The options a URI sets on a GET, as (number, value text).
fn uri_option_text(uri: &str) -> Result<Vec<(u16, String)>, String> {
    let out = uri_get(uri)?;
    let m = strict(&out).map_err(|e| format!("{e:?}"))?;
    Ok(m.options()
        .map(|o| (o.number.0, String::from_utf8_lossy(o.value).into_owned()))
        .collect())
}

/// A GET carrying the options of `uri` (RFC 7252 §6.4), as bytes.
fn uri_get(uri: &str) -> Result<Vec<u8>, String> {
    let u = m2m_coap::Uri::parse(uri).map_err(|e| format!("{e:?}"))?;
    let mut b = Builder::<16>::udp(Type::Confirmable, Code::GET, 0);
    let mut scratch = [0u8; 128];
    u.to_options(&mut b, &mut scratch, None)
        .map_err(|e| format!("{e:?}"))?;
    Ok(built(&b))
}
