//! Properties: parse(build(m)) == m for arbitrary messages of every transport; every message
//! the parser accepts re-encodes to the same bytes; options added in any order give the bytes
//! of the sorted order; the in-place writer writes the builder's bytes, and fails cleanly in a
//! buffer one byte short; every strict prefix of a TCP frame is "need more"; chunked TCP streams
//! frame every message once; arbitrary bytes never panic.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed property

mod strategies;

use m2m_coap::tcp::Framing;
use m2m_coap::{Builder, Config, Message, MessageWriter, OptionNumber, OptionProblem, Transport};
use m2m_core::Encode;
use m2m_testkit::props::{
    check_frame_then_junk, check_needed_not_overestimated, check_prefixes_partial, chunk_sizes,
    feed_in_chunks,
};
use proptest::collection::vec;
use proptest::prelude::*;
use strategies::{Parts, parts};

fn parse(bytes: &[u8], transport: Transport) -> Result<Message<'_>, m2m_coap::Error> {
    Message::parse(bytes, transport, &Config::STRICT)
}

/// Re-encodes a parsed message through the builder.
fn reencode(m: &Message<'_>) -> Vec<u8> {
    let b = Builder::<256>::from_message(m).unwrap();
    let mut out = vec![0u8; b.buffer_len()];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

/// Re-writes a parsed message with the in-place writer (unchecked, as it came), the options in
/// reverse order of their numbers (repeats in their order): every option but the first group
/// is an insertion.
fn rewrite(m: &Message<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let mut w = match m.transport() {
        Transport::Udp => MessageWriter::udp(
            &mut buf,
            m.ty().unwrap(),
            m.code(),
            m.message_id().unwrap(),
            m.token(),
        ),
        Transport::Tcp => MessageWriter::tcp(&mut buf, m.code(), m.token()),
        Transport::WebSocket => MessageWriter::ws(&mut buf, m.code(), m.token()),
    }
    .unwrap();
    w.unchecked().payload(m.payload());
    let opts: Vec<_> = m.options().collect();
    let mut groups: Vec<&[m2m_coap::CoapOption<'_>]> =
        opts.chunk_by(|a, b| a.number == b.number).collect();
    groups.reverse();
    for o in groups.into_iter().flatten() {
        w.opaque(o.number, o.value).unwrap();
    }
    let n = w.finish().unwrap();
    buf.truncate(n);
    buf
}

/// A shuffle of the options that keeps the relative order of options with the same number.
fn shuffled(options: &[(u16, Vec<u8>)], keys: &[u32]) -> Vec<(u16, Vec<u8>)> {
    let mut idx: Vec<usize> = (0..options.len()).collect();
    idx.sort_by_key(|&i| keys.get(i).copied().unwrap_or(0));
    // Put each number's values back in their original relative order.
    let mut by_number: std::collections::HashMap<u16, std::collections::VecDeque<&Vec<u8>>> =
        Default::default();
    for (n, v) in options {
        by_number.entry(*n).or_default().push_back(v);
    }
    idx.iter()
        .map(|&i| {
            let n = options[i].0;
            (
                n,
                by_number.get_mut(&n).unwrap().pop_front().unwrap().clone(),
            )
        })
        .collect()
}

/// The option that breaks the registry's rules (the first critical one, else the first
/// elective one), found the slow way from the public registry: the reference for
/// `Message::bad_option`.
fn reference_bad_option(m: &Message<'_>) -> Option<(u16, OptionProblem, usize)> {
    use m2m_coap::option::number::{Format, signaling};
    let mut prev = None;
    let mut elective = None;
    // Where each option's header byte is: the options in a row from `options_offset`, each a
    // header byte, 0-2 extension bytes for its delta and for its length (RFC 7252 §3.1), and
    // its value.
    let ext = |v: usize| match v {
        0..=12 => 0,
        13..=268 => 1,
        _ => 2,
    };
    let mut at = m.options_offset();
    let mut last = 0usize;
    for o in m.options() {
        let n = o.number;
        let header = at;
        let number = usize::from(n.0);
        at += 1 + ext(number - last) + ext(o.value.len()) + o.value.len();
        last = number;
        let def = if m.code().is_signaling() {
            signaling::lookup(m.code(), n)
        } else {
            n.def().copied()
        };
        let problem = match def {
            None if n.is_critical() => Some(OptionProblem::Unrecognized),
            None => None,
            Some(d)
                if o.value.len() < usize::from(d.min_len)
                    || o.value.len() > usize::from(d.max_len) =>
            {
                Some(OptionProblem::Length)
            }
            // ETag repeats in requests only (RFC 7252 §5.10.6.1).
            Some(d)
                if prev == Some(n)
                    && (!d.repeatable || (n == OptionNumber::ETAG && m.code().is_response())) =>
            {
                Some(OptionProblem::Repeated)
            }
            Some(d) if d.format == Format::String && std::str::from_utf8(o.value).is_err() => {
                Some(OptionProblem::Utf8)
            }
            Some(_) => None,
        };
        match problem {
            Some(p) if n.is_critical() => return Some((n.0, p, header)),
            Some(p) => elective = elective.or(Some((n.0, p, header))),
            None => {}
        }
        prev = Some(n);
    }
    elective
}

fn check_parsed(p: &Parts, m: &Message<'_>) -> Result<(), TestCaseError> {
    prop_assert_eq!(m.transport(), p.transport);
    if p.transport == Transport::Udp {
        prop_assert_eq!(m.ty(), Some(p.ty));
        prop_assert_eq!(m.message_id(), Some(p.mid));
    } else {
        prop_assert_eq!(m.ty(), None);
        prop_assert_eq!(m.message_id(), None);
    }
    prop_assert_eq!(m.code(), p.code);
    prop_assert_eq!(m.token(), &p.token[..]);
    let got: Vec<(u16, Vec<u8>)> = m
        .options()
        .map(|o| (o.number.0, o.value.to_vec()))
        .collect();
    prop_assert_eq!(got, p.sorted_options());
    prop_assert_eq!(m.payload(), &p.payload[..]);
    prop_assert_eq!(m.bad_option(), None);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_of_build_is_identity(p in parts()) {
        let bytes = p.encode();
        let m = parse(&bytes, p.transport).map_err(|e| TestCaseError::fail(format!("{e}: {bytes:02x?}")))?;
        check_parsed(&p, &m)?;
        prop_assert_eq!(reencode(&m), bytes);
    }

    #[test]
    fn option_order_does_not_matter(p in parts(), keys in vec(any::<u32>(), 12)) {
        let sorted = p.sorted_options();
        let mixed = shuffled(&p.options, &keys);
        let a = p.builder(&sorted);
        let b = p.builder(&mixed);
        let (mut x, mut y) = (vec![0u8; a.buffer_len()], vec![0u8; b.buffer_len()]);
        a.encode(&mut x).unwrap();
        b.encode(&mut y).unwrap();
        prop_assert_eq!(x, y);
    }

    #[test]
    fn in_place_writer_writes_the_builders_bytes(p in parts(), keys in vec(any::<u32>(), 12)) {
        let want = p.encode();
        let mixed = shuffled(&p.options, &keys);
        let write = |buf: &mut [u8]| -> Result<usize, m2m_coap::BuildError> {
            let mut w = match p.transport {
                Transport::Udp => MessageWriter::udp(buf, p.ty, p.code, p.mid, &p.token)?,
                Transport::Tcp => MessageWriter::tcp(buf, p.code, &p.token)?,
                Transport::WebSocket => MessageWriter::ws(buf, p.code, &p.token)?,
            };
            w.payload(&p.payload);
            for (n, v) in &mixed {
                w.opaque(OptionNumber(*n), v)?;
            }
            w.finish()
        };
        // Over TCP the writer keeps room for the longest length field while it writes.
        let room = if p.transport == Transport::Tcp { 4 } else { 0 };
        let mut buf = vec![0u8; want.len() + room];
        let n = write(&mut buf).unwrap();
        prop_assert_eq!(&buf[..n], &want[..]);
        // One byte short: a typed error, never a panic or a cut message.
        if p.transport != Transport::Tcp {
            let mut short = vec![0u8; want.len() - 1];
            prop_assert!(matches!(write(&mut short), Err(m2m_coap::BuildError::Buffer(_))));
        }
    }

    #[test]
    fn tcp_prefixes_are_partial(p in parts()) {
        let tcp = Parts { transport: Transport::Tcp, ..p };
        let frame = tcp.encode();
        let f = Framing::new();
        check_prefixes_partial(&f, &frame).map_err(TestCaseError::fail)?;
        check_needed_not_overestimated(&f, &frame).map_err(TestCaseError::fail)?;
        check_frame_then_junk(&f, &frame, &[0x00, 0xe2]).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn tcp_stream_in_chunks(msgs in vec(parts(), 1..6), chunks in chunk_sizes()) {
        let frames: Vec<Vec<u8>> = msgs
            .into_iter()
            .map(|p| Parts { transport: Transport::Tcp, ..p }.encode())
            .collect();
        let stream: Vec<u8> = frames.concat();
        let feed = feed_in_chunks(&Framing::new(), &stream, &chunks).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&feed.frames, &frames);
        prop_assert_eq!(feed.leftover, 0);
        prop_assert!(feed.fatal.is_none());
        for f in &feed.frames {
            prop_assert!(Message::parse_tcp(f).is_ok());
        }
    }

    /// Anything the parser accepts is the one encoding of what it read: the builder writes it
    /// back byte for byte (option and length encodings have a single form each).
    #[test]
    fn accepted_bytes_reencode_exactly(bytes in vec(any::<u8>(), 0..64), head in 0usize..3) {
        let mut b = bytes;
        // Bias towards plausible headers so that many inputs parse.
        match head {
            0 if !b.is_empty() => b[0] = 0x40 | (b[0] & 0x3f),
            _ => {}
        }
        for transport in [Transport::Udp, Transport::Tcp, Transport::WebSocket] {
            if let Ok(m) = parse(&b, transport) {
                prop_assert_eq!(reencode(&m), b.clone(), "{:?}", transport);
                prop_assert_eq!(rewrite(&m), b.clone(), "in place, {:?}", transport);
                prop_assert_eq!(
                    m.bad_option().map(|o| (o.number, o.problem, o.offset)),
                    reference_bad_option(&m)
                );
                // Every option can be read.
                let _ = m.options().map(|o| o.value.len()).sum::<usize>();
            }
            let _ = Message::parse(&b, transport, &Config::LENIENT);
        }
        let _ = m2m_core::Framing::frame_len(&Framing::new(), &b);
    }

    /// Messages with any options (registered numbers with values of any length, repeats,
    /// bytes that are not UTF-8): `bad_option` finds exactly the first critical one the
    /// registry's rules reject, else the first elective one.
    #[test]
    fn bad_option_is_the_first_rule_broken(
        opts in vec((prop_oneof![0u16..=70, Just(252u16), Just(258), Just(292), 293u16..=2000], vec(any::<u8>(), 0..=12)), 0..8),
        sig in any::<bool>(),
    ) {
        let code = if sig { m2m_coap::Code::CSM } else { m2m_coap::Code::GET };
        let transport = if sig { Transport::Tcp } else { Transport::Udp };
        let mut b = Builder::<16>::for_transport(transport, m2m_coap::Type::Confirmable, code, 7);
        b.unchecked();
        for (n, v) in &opts {
            b.opaque(OptionNumber(*n), v).unwrap();
        }
        let mut out = vec![0u8; b.buffer_len()];
        b.encode(&mut out).unwrap();
        let m = parse(&out, transport).unwrap();
        // Its offset is where its header byte is.
        prop_assert_eq!(
            m.bad_option().map(|o| (o.number, o.problem, o.offset)),
            reference_bad_option(&m)
        );
    }

    /// Options to URI to options is the identity (RFC 7252 §6.4, §6.5), whatever bytes the
    /// path segments and query arguments hold.
    #[test]
    fn uri_round_trip(
        host in "[a-z][a-z0-9.-]{0,20}",
        port in proptest::option::of(any::<u16>()),
        path in vec(vec(any::<u8>(), 0..8), 0..5),
        query in vec(vec(any::<u8>(), 0..8), 0..4),
    ) {
        let mut b = Builder::<16>::udp(m2m_coap::Type::Confirmable, m2m_coap::Code::GET, 1);
        b.unchecked();
        b.opaque(OptionNumber::URI_HOST, host.as_bytes()).unwrap();
        if let Some(p) = port.filter(|&p| p != 5683) {
            b.uint(OptionNumber::URI_PORT, u32::from(p)).unwrap();
        }
        // A single empty segment is what "/" means too; RFC 7252 §6.4 reads "/" as no segment.
        if !(path.len() == 1 && path[0].is_empty()) {
            for seg in &path {
                b.opaque(OptionNumber::URI_PATH, seg).unwrap();
            }
        }
        for arg in &query {
            b.opaque(OptionNumber::URI_QUERY, arg).unwrap();
        }
        let mut out = vec![0u8; b.buffer_len()];
        b.encode(&mut out).unwrap();
        let m = parse(&out, Transport::Udp).unwrap();
        let mut text = String::new();
        m2m_coap::write_uri(&mut text, &m, m2m_coap::Scheme::Coap, "192.0.2.1", 5683).unwrap();
        let uri = m2m_coap::Uri::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let mut b2 = Builder::<16>::udp(m2m_coap::Type::Confirmable, m2m_coap::Code::GET, 1);
        b2.unchecked();
        let mut scratch = [0u8; 1024];
        uri.to_options(&mut b2, &mut scratch, Some(5683)).unwrap();
        let mut out2 = vec![0u8; b2.buffer_len()];
        b2.encode(&mut out2).unwrap();
        prop_assert_eq!(out2, out, "{}", text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in vec(any::<u8>(), 0..512)) {
        for transport in [Transport::Udp, Transport::Tcp, Transport::WebSocket] {
            for cfg in [Config::STRICT, Config::LENIENT] {
                if let Ok(m) = Message::parse(&b, transport, &cfg) {
                    let _ = (m.uri_host(), m.uri_path().count(), m.content_format(), m.observe());
                    let _ = (m.block1(), m.block2(), m.oscore(), m.no_response(), m.bad_option());
                }
            }
        }
        let _ = m2m_core::Framing::frame_len(&Framing::new(), &b);
        if let Ok(text) = std::str::from_utf8(&b) {
            if let Ok(uri) = m2m_coap::Uri::parse(text) {
                let mut builder = Builder::<64>::udp(m2m_coap::Type::Confirmable, m2m_coap::Code::GET, 1);
                let mut scratch = [0u8; 600];
                let _ = uri.to_options(&mut builder, &mut scratch, None);
            }
        }
    }
}
