//! CoAP URIs: any text either fails to parse or gives options; those options written back as a
//! URI (RFC 7252 §6.5) parse again to the same options (§6.4). Two exceptions, by the RFC: a
//! Uri-Host that is an IP address (a percent-encoded host can decode to one) is written as the
//! URI's host, and a URI whose host is an IP address carries no Uri-Host (§6.4 step 5); and
//! the letters of a Uri-Host are written as they are and read back lowercased (§6.5 step 2,
//! §6.4 step 5; a host is case-insensitive).
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_coap::uri::is_ip_host;
use m2m_coap::{Builder, Code, Message, OptionNumber, Scheme, Type, Uri, write_uri};
use m2m_core::Encode;

fn options_of(uri: &Uri<'_>, scratch: &mut [u8]) -> Option<Vec<u8>> {
    let mut b = Builder::<256>::udp(Type::Confirmable, Code::GET, 1);
    b.unchecked();
    uri.to_options(&mut b, scratch, Some(5683)).ok()?;
    let mut out = vec![0u8; b.buffer_len()];
    let n = b.encode(&mut out).ok()?;
    out.truncate(n);
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(uri) = Uri::parse(text) else {
        return;
    };
    let mut scratch = vec![0u8; text.len()];
    let Some(first) = options_of(&uri, &mut scratch) else {
        return;
    };
    let m = Message::parse_udp(&first).expect("the builder writes valid messages");
    let mut again = String::new();
    write_uri(&mut again, &m, Scheme::Coap, "192.0.2.1", 5683).expect("writes");
    let uri2 = Uri::parse(&again).expect("a written URI parses");
    let mut scratch2 = vec![0u8; again.len()];
    let second = options_of(&uri2, &mut scratch2).expect("its options build");
    let ip = m.uri_host().is_some_and(is_ip_host);
    let mut b = Builder::<256>::udp(Type::Confirmable, Code::GET, 1);
    b.unchecked();
    let mut lower = Vec::new();
    for o in m.options() {
        if o.number != OptionNumber::URI_HOST {
            b.opaque(o.number, o.value).expect("the options were valid");
        } else if !ip {
            lower = o.value.to_ascii_lowercase();
        }
    }
    if !lower.is_empty() {
        b.opaque(OptionNumber::URI_HOST, &lower)
            .expect("the options were valid");
    }
    let mut expected = vec![0u8; b.buffer_len()];
    let n = b.encode(&mut expected).expect("encodes");
    expected.truncate(n);
    assert_eq!(expected, second, "{text} -> {again}");
});
