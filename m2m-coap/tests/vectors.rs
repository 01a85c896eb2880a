//! Vectors from the RFCs (7252, 7641, 7959, 8323, 8613, 8974, 9668) and negative vectors for
//! every strictness rule: each is parsed, its fields checked, re-encoded and compared byte for
//! byte; the registry tables, Block values and OSCORE option values are checked against the
//! crate's own.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken vector

use m2m_coap::option::number::signaling;
use m2m_coap::option::value::decode_uint;
use m2m_coap::{Block, Builder, Code, Config, Message, OptionNumber, Oscore, Reason, Transport};
use m2m_core::{Framing as _, Status};
use m2m_testkit::vectors::{Vector, crate_vectors};
use serde_json::Value as Json;

fn transport(v: &Vector) -> Transport {
    match v.framing.as_deref() {
        Some("udp") => Transport::Udp,
        Some("tcp") => Transport::Tcp,
        Some("ws") => Transport::WebSocket,
        other => panic!("{}: framing {other:?}", v.label()),
    }
}

fn unhex(s: &str) -> Vec<u8> {
    m2m_core::hex::decode(s).unwrap()
}

/// The expected value bytes of an option: an integer for uint options, text for string
/// options, hex for the rest.
fn value_bytes(code: Code, number: u16, value: &Json) -> (Vec<u8>, bool) {
    let def = if code.is_signaling() {
        signaling::lookup(code, OptionNumber(number))
    } else {
        OptionNumber(number).def().copied()
    };
    let format = def.map(|d| d.format);
    match (value, format) {
        (Json::Number(n), _) => {
            let n = u32::try_from(n.as_u64().unwrap()).unwrap();
            let (b, len) = m2m_coap::option::value::encode_uint(n);
            (b[4 - len..].to_vec(), true)
        }
        (Json::String(s), Some(m2m_coap::option::Format::String)) => (s.as_bytes().to_vec(), false),
        (Json::String(s), _) => (unhex(s), false),
        other => panic!("option value {other:?}"),
    }
}

fn check_fields(v: &Vector, m: &Message<'_>) {
    let e = &v.expect;
    let label = v.label();
    if let Some(ty) = e.get("type").and_then(Json::as_str) {
        assert_eq!(m.ty().map(|t| t.as_str()), Some(ty), "{label}: type");
    } else {
        assert_eq!(m.ty(), None, "{label}: no type over a reliable transport");
    }
    if let Some(mid) = e.get("mid").and_then(Json::as_u64) {
        assert_eq!(m.message_id().map(u64::from), Some(mid), "{label}: mid");
    }
    let code = Code::parse(e["code"].as_str().unwrap()).unwrap();
    assert_eq!(m.code(), code, "{label}: code");
    assert_eq!(
        m.token(),
        &unhex(e["token"].as_str().unwrap())[..],
        "{label}: token"
    );
    let want = e["options"].as_array().unwrap();
    let got: Vec<_> = m.options().collect();
    assert_eq!(got.len(), want.len(), "{label}: option count");
    for (o, w) in got.iter().zip(want) {
        let number = u16::try_from(w["number"].as_u64().unwrap()).unwrap();
        assert_eq!(o.number.0, number, "{label}: option number");
        let (bytes, is_uint) = value_bytes(code, number, &w["value"]);
        if is_uint {
            // A uint may arrive with leading zeros (non-canonical): compare values.
            assert_eq!(
                decode_uint(o.value),
                decode_uint(&bytes),
                "{label}: option {number}"
            );
        } else {
            assert_eq!(o.value, &bytes[..], "{label}: option {number}");
        }
    }
    assert_eq!(
        m.payload(),
        &unhex(e["payload"].as_str().unwrap())[..],
        "{label}: payload"
    );
}

/// The message built from the expected fields, uints in their minimal form.
fn build_expected(v: &Vector, t: Transport) -> Vec<u8> {
    let e = &v.expect;
    let code = Code::parse(e["code"].as_str().unwrap()).unwrap();
    let ty = match e.get("type").and_then(Json::as_str) {
        Some("CON") | None => m2m_coap::Type::Confirmable,
        Some("NON") => m2m_coap::Type::NonConfirmable,
        Some("ACK") => m2m_coap::Type::Acknowledgement,
        _ => m2m_coap::Type::Reset,
    };
    let mid = u16::try_from(e.get("mid").and_then(Json::as_u64).unwrap_or(0)).unwrap();
    let token = unhex(e["token"].as_str().unwrap());
    let payload = unhex(e["payload"].as_str().unwrap());
    let values: Vec<(u16, Vec<u8>)> = e["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let n = u16::try_from(w["number"].as_u64().unwrap()).unwrap();
            (n, value_bytes(code, n, &w["value"]).0)
        })
        .collect();
    let mut b = Builder::<64>::for_transport(t, ty, code, mid);
    b.unchecked().token(&token).payload(&payload);
    for (n, val) in &values {
        b.opaque(OptionNumber(*n), val).unwrap();
    }
    let mut out = vec![0u8; m2m_core::Encode::buffer_len(&b)];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

fn reencode(m: &Message<'_>) -> Vec<u8> {
    let b = Builder::<64>::from_message(m).unwrap();
    let mut out = vec![0u8; m2m_core::Encode::buffer_len(&b)];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

fn check_negative(v: &Vector, bytes: &[u8], t: Transport) {
    let e = &v.expect;
    let label = v.label();
    let rfc7252_only = Config {
        extended_tokens: false,
        ..Config::STRICT
    };
    if e.get("partial").and_then(Json::as_bool) == Some(true) {
        assert_eq!(t, Transport::Tcp, "{label}");
        let f = m2m_coap::tcp::Framing::new();
        assert!(
            matches!(f.frame_len(bytes), Ok(Status::Partial(_))),
            "{label}: want Partial, got {:?}",
            f.frame_len(bytes)
        );
        return;
    }
    if e.get("layer").and_then(Json::as_str) == Some("oscore") {
        // Valid CoAP: OSCORE processing, not the codec, rejects it.
        let m = Message::parse(bytes, t, &Config::STRICT).unwrap();
        let words = e["error"].as_str().unwrap().to_lowercase();
        if words.contains("reserved") {
            // The option value itself is malformed (RFC 8613 §6.1): its decoder says so.
            assert!(
                matches!(m.oscore(), Some(Err(_))),
                "{label}: {:?}",
                m.oscore()
            );
        } else {
            // A well-formed option on a message without payload: for the OSCORE layer to
            // refuse (RFC 8613 §2), the codec only shows both.
            assert!(
                matches!(m.oscore(), Some(Ok(_))),
                "{label}: {:?}",
                m.oscore()
            );
            assert!(m.payload().is_empty(), "{label}");
        }
        return;
    }
    let err = Message::parse(bytes, t, &rfc7252_only).expect_err(&label);
    if e.get("valid_with_rfc8974").and_then(Json::as_bool) == Some(true) {
        assert!(
            matches!(err.reason, Reason::TokenLength(_)),
            "{label}: {err}"
        );
        let m = Message::parse(bytes, t, &Config::STRICT)
            .unwrap_or_else(|e| panic!("{label}: valid with RFC 8974, got {e}"));
        assert_eq!(reencode(&m), bytes, "{label}");
        return;
    }
    let strict = Message::parse(bytes, t, &Config::STRICT).expect_err(&label);
    // The reason agrees with the vector's words.
    let words = e["error"].as_str().unwrap().to_lowercase();
    let ok = match strict.reason {
        Reason::Version(_) => words.contains("version"),
        Reason::TokenLength(_) => words.contains("tkl") || words.contains("token"),
        Reason::OptionDelta => words.contains("delta"),
        Reason::OptionLength => words.contains("length"),
        Reason::OptionNumber => words.contains("number") || words.contains("65535"),
        Reason::EmptyPayload => words.contains("payload"),
        Reason::EmptyNotEmpty => words.contains("empty"),
        Reason::TypeCode { .. } | Reason::ReservedClass(_) => {
            words.contains("code")
                || words.contains("empty")
                || words.contains("class")
                || words.contains("reset")
                || words.contains("ack")
        }
        Reason::Truncated { .. } | Reason::FrameLength { .. } => {
            words.contains("short")
                || words.contains("past")
                || words.contains("truncat")
                || words.contains("length")
                || words.contains("end")
                || words.contains("len")
        }
        Reason::TooLong { .. } => words.contains("long") || words.contains("size"),
        Reason::WsLengthNibble(_) => words.contains("len") && words.contains("websocket"),
        // A reason added later needs its words here.
        other => panic!("{label}: no words for {other:?}"),
    };
    assert!(ok, "{label}: error {strict} does not match {words:?}");
}

#[test]
fn rfc_vectors() {
    let vectors = crate_vectors(env!("CARGO_MANIFEST_DIR"));
    let (mut positive, mut negative, mut canonical) = (0, 0, 0);
    for v in &vectors {
        let bytes = v.bytes().unwrap();
        let t = transport(v);
        if v.expect.get("error").is_some() || v.expect.get("partial").is_some() {
            check_negative(v, &bytes, t);
            negative += 1;
            continue;
        }
        let m = Message::parse(&bytes, t, &Config::STRICT)
            .unwrap_or_else(|e| panic!("{}: {e}", v.label()));
        check_fields(v, &m);
        // What the parser accepts, the builder writes back byte for byte.
        assert_eq!(reencode(&m), bytes, "{}: re-encode", v.label());
        // Built from its fields with minimal uints, a canonical vector gives its bytes again.
        let built = build_expected(v, t);
        let is_canonical = v.expect["canonical"].as_bool().unwrap();
        assert_eq!(built == bytes, is_canonical, "{}: canonical", v.label());
        if is_canonical {
            canonical += 1;
        }
        // The typed accessors read what the options hold.
        if let Some(b) = m.block2() {
            let b = b.unwrap();
            assert_eq!(
                Some(b.to_uint()),
                m.uint(OptionNumber::BLOCK2),
                "{}",
                v.label()
            );
        }
        if let Some(o) = m.oscore() {
            let o = o.unwrap();
            let mut out = [0u8; 300];
            let n = o.encode(&mut out).unwrap();
            assert_eq!(
                &out[..n],
                m.option(OptionNumber::OSCORE).unwrap(),
                "{}",
                v.label()
            );
        }
        positive += 1;
    }
    eprintln!("{positive} positive ({canonical} canonical), {negative} negative vectors");
    // Guard: a vector file that silently lost its vectors fails here.
    assert!(positive >= 120, "{positive} positive vectors");
    assert!(negative >= 50, "{negative} negative vectors");
    assert!(canonical >= 115, "{canonical} canonical vectors");
}

/// The well-known request of the issue and of RFC 8613 Appendix C.4.
#[test]
fn get_localhost_tv1() {
    let b = unhex("44015d1f00003974396c6f63616c686f737483747631");
    let m = Message::parse_udp(&b).unwrap();
    assert_eq!(m.message_id(), Some(23839));
    assert_eq!(m.uri_host(), Some("localhost"));
    assert!(m.uri_path().eq(["tv1"]));
}

fn data(name: &str) -> Json {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn option_registry_agrees() {
    let d = data("options.json");
    let opts = d["options"].as_array().unwrap();
    assert!(opts.len() >= 27);
    for o in opts {
        let n = OptionNumber(u16::try_from(o["number"].as_u64().unwrap()).unwrap());
        let def = n.def().unwrap_or_else(|| panic!("{n:?} missing"));
        assert_eq!(def.name, o["name"].as_str().unwrap());
        assert_eq!(
            format!("{:?}", def.format).to_lowercase(),
            o["format"].as_str().unwrap(),
            "{n:?}"
        );
        assert_eq!(
            u64::from(def.min_len),
            o["min_len"].as_u64().unwrap(),
            "{n:?}"
        );
        assert_eq!(
            u64::from(def.max_len),
            o["max_len"].as_u64().unwrap(),
            "{n:?}"
        );
        assert_eq!(def.repeatable, o["repeatable"].as_bool().unwrap(), "{n:?}");
        assert_eq!(n.is_critical(), o["critical"].as_bool().unwrap(), "{n:?}");
        assert_eq!(n.is_unsafe(), o["unsafe"].as_bool().unwrap(), "{n:?}");
        assert_eq!(
            n.is_no_cache_key(),
            o["no_cache_key"].as_bool().unwrap(),
            "{n:?}"
        );
    }
    for o in d["signaling_options"].as_array().unwrap() {
        let n = OptionNumber(u16::try_from(o["number"].as_u64().unwrap()).unwrap());
        for code in o["code"].as_str().unwrap().split(',') {
            let code = Code::parse(code).unwrap();
            let def = signaling::lookup(code, n).unwrap_or_else(|| panic!("{code:?} {n:?}"));
            assert_eq!(def.name, o["name"].as_str().unwrap());
            assert_eq!(u64::from(def.max_len), o["max_len"].as_u64().unwrap());
            assert_eq!(def.repeatable, o["repeatable"].as_bool().unwrap());
        }
    }
}

#[test]
fn content_formats_agree() {
    let d = data("content_formats.json");
    let list = d["content_formats"].as_array().unwrap();
    assert!(list.len() >= 60);
    for c in list {
        let id = m2m_coap::ContentFormat(u16::try_from(c["id"].as_u64().unwrap()).unwrap());
        let media = c["media_type"].as_str().unwrap().replace("; ", ";");
        assert_eq!(id.media_type(), Some(media.as_str()), "{id:?}");
        if id.content_coding().is_none() {
            assert_eq!(m2m_coap::ContentFormat::from_media_type(&media), Some(id));
        }
    }
}

#[test]
fn block_values() {
    let d = data("rfc7959_block_values.json");
    for b in d.as_array().unwrap() {
        let bytes = unhex(b["value_hex"].as_str().unwrap());
        let szx = u8::try_from(b["szx"].as_u64().unwrap()).unwrap();
        let got = Block::decode(&bytes, szx == 7).unwrap();
        assert_eq!(u64::from(got.num), b["num"].as_u64().unwrap(), "{b}");
        assert_eq!(got.more, b["m"].as_u64().unwrap() == 1, "{b}");
        assert_eq!(got.szx, szx, "{b}");
        assert_eq!(
            u64::from(got.to_uint()),
            b["value"].as_u64().unwrap(),
            "{b}"
        );
        assert_eq!(got.size() as u64, b["block_size"].as_u64().unwrap(), "{b}");
        let (enc, n) = m2m_coap::option::value::encode_uint(got.to_uint());
        assert_eq!(&enc[4 - n..], &bytes[..], "{b}");
    }
}

/// RFC 7959 §3.1 Figures 2 to 6 and §3.2 Figures 7 and 9, as `block::slice` serves them and
/// `block::next_block1` continues them: each figure's Block2 (or Block1) values, for a body
/// whose length falls where the figure's last block puts it.
#[test]
fn rfc7959_figures_by_slice_and_next_block1() {
    use m2m_coap::block::{next_block1, slice};
    let b = |num, more, szx| Block { num, more, szx };
    let served =
        |body: &[u8], asked: Option<Block>, max_szx| slice(body, asked, max_szx).unwrap().0;
    // Figure 2, simple blockwise GET: the server picks 128-byte blocks (SZX 3); 300 bytes.
    let body = [0u8; 300];
    assert_eq!(served(&body, None, 3), b(0, true, 3));
    assert_eq!(served(&body, Some(b(1, false, 3)), 3), b(1, true, 3));
    assert_eq!(served(&body, Some(b(2, false, 3)), 3), b(2, false, 3));
    // Figure 3, early negotiation: the client asks for 64 (SZX 2) from the start; 150 bytes.
    let body = [0u8; 150];
    for (num, more) in [(0, true), (1, true), (2, false)] {
        assert_eq!(served(&body, Some(b(num, false, 2)), 6), b(num, more, 2));
    }
    // Figure 4, late negotiation: 128 first, then the client goes on in 64 from block 2 (the
    // same offset, 128); 350 bytes, the last block 5/0/64.
    let body = [0u8; 350];
    assert_eq!(served(&body, None, 3), b(0, true, 3));
    for (num, more) in [(2, true), (3, true), (4, true), (5, false)] {
        assert_eq!(served(&body, Some(b(num, false, 2)), 3), b(num, more, 2));
    }
    let (_, last) = slice(&body, Some(b(5, false, 2)), 3).unwrap();
    assert_eq!(last.len(), 350 - 320);
    // Figure 6, random access: blocks 2 and 4 of 64, in any order.
    let body = [0u8; 400];
    assert_eq!(served(&body, Some(b(4, false, 2)), 6), b(4, true, 2));
    assert_eq!(served(&body, Some(b(2, false, 2)), 6), b(2, true, 2));
    // §2.4: a server that serves at most 64 answers a request for 1/0/128 with the block at the
    // same offset in its size, 2/1/64.
    assert_eq!(served(&body, Some(b(1, false, 3)), 2), b(2, true, 2));
    // Figure 7: PUT in 128-byte blocks, each answered 2.31 echoing it.
    assert_eq!(
        next_block1(b(0, true, 3), Code::CONTINUE, Some(b(0, true, 3))),
        Some(b(1, true, 3))
    );
    // The last block answered 2.04 with Block1 2/0/128 ends the transfer.
    assert_eq!(
        next_block1(b(2, false, 3), Code::CHANGED, Some(b(2, false, 3))),
        None
    );
    // Figure 9: the server answers the first 128-byte block 2.31 with Block1 0/1/32: the
    // client goes on at block 4 of 32 (offset 128), as the figure's next request, 4/1/32.
    assert_eq!(
        next_block1(b(0, true, 3), Code::CONTINUE, Some(b(0, true, 1))),
        Some(b(4, true, 1))
    );
    // §2.9.3: 4.13 to the first block with Block1 0/0/64 sends the body again in 64.
    assert_eq!(
        next_block1(
            b(0, true, 3),
            Code::REQUEST_ENTITY_TOO_LARGE,
            Some(b(0, false, 2))
        ),
        Some(b(0, true, 2))
    );
}

#[test]
fn oscore_option_values() {
    let d = data("rfc8613_oscore_option_values.json");
    for o in d.as_array().unwrap() {
        let bytes = unhex(o["option_value"].as_str().unwrap());
        let v = Oscore::decode(&bytes).unwrap();
        assert_eq!(
            v.partial_iv,
            &unhex(o["partial_iv"].as_str().unwrap_or(""))[..],
            "{o}"
        );
        let hexopt = |k: &str| o[k].as_str().map(unhex);
        assert_eq!(v.kid.map(<[u8]>::to_vec), hexopt("kid"), "{o}");
        assert_eq!(
            v.kid_context.map(<[u8]>::to_vec),
            hexopt("kid_context"),
            "{o}"
        );
        let mut out = [0u8; 300];
        let n = v.encode(&mut out).unwrap();
        assert_eq!(&out[..n], &bytes[..], "{o}");
    }
}

/// RFC 7252 Appendix B and §6.3-6.5: URIs to options and options to URIs.
#[test]
fn uris() {
    let d = data("uris.json");
    let list = d.as_array().unwrap();
    assert!(list.len() >= 16);
    for e in list {
        let label = e["source"].as_str().unwrap();
        let text = e["uri"].as_str().unwrap();
        let uri = m2m_coap::Uri::parse(text).unwrap_or_else(|err| panic!("{label}: {err}"));
        let dest = &e["destination"];
        let dest_port = u16::try_from(dest["port"].as_u64().unwrap()).unwrap();
        let dest_ip = dest["ip"]
            .as_str()
            .filter(|s| !s.starts_with('('))
            .unwrap_or("192.0.2.99");
        let want: Vec<(u16, Vec<u8>)> = e["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let n = u16::try_from(o["number"].as_u64().unwrap()).unwrap();
                (n, value_bytes(Code::GET, n, &o["value"]).0)
            })
            .collect();
        // URI to options.
        let mut b = Builder::<32>::udp(m2m_coap::Type::Confirmable, Code::GET, 1);
        let mut scratch = [0u8; 512];
        uri.to_options(&mut b, &mut scratch, Some(dest_port))
            .unwrap_or_else(|err| panic!("{label}: {err}"));
        let mut out = [0u8; 1024];
        let n = b.encode(&mut out).unwrap();
        let m = Message::parse_udp(&out[..n]).unwrap();
        let got: Vec<(u16, Vec<u8>)> = m
            .options()
            .map(|o| (o.number.0, o.value.to_vec()))
            .collect();
        assert_eq!(got, want, "{label}");
        // Options to URI: the normalised form.
        let mut written = String::new();
        m2m_coap::write_uri(&mut written, &m, uri.scheme, dest_ip, dest_port).unwrap();
        assert_eq!(written, e["normalised_uri"].as_str().unwrap(), "{label}");
        // And the normalised URI reads back to the same options.
        let again = m2m_coap::Uri::parse(&written).unwrap();
        let mut b2 = Builder::<32>::udp(m2m_coap::Type::Confirmable, Code::GET, 1);
        let mut scratch2 = [0u8; 512];
        again
            .to_options(&mut b2, &mut scratch2, Some(dest_port))
            .unwrap();
        let mut out2 = [0u8; 1024];
        let n2 = b2.encode(&mut out2).unwrap();
        assert_eq!(&out2[..n2], &out[..n], "{label}: normalised URI");
    }
}

/// RFC 7641 §3.4's freshness rule at its edges: a difference of exactly 2^23 is newer in
/// neither direction, 2^23 - 1 is; 128 s makes any value newer only once it has passed.
#[test]
fn rfc7641_freshness_edges() {
    use m2m_coap::option::value::is_fresher;
    const HALF: u32 = 1 << 23;
    assert!(!is_fresher(0, 0, HALF, 0));
    assert!(!is_fresher(HALF, 0, 0, 0));
    assert!(is_fresher(0, 0, HALF - 1, 0));
    assert!(is_fresher(HALF + 1, 0, 0, 0));
    // The Observe values of the RFC's introductory example, 12, 44 and 60: each newer than
    // the one before, none newer than itself.
    for (v1, v2) in [(12, 44), (44, 60), (12, 60)] {
        assert!(is_fresher(v1, 0, v2, 0));
        assert!(!is_fresher(v2, 0, v1, 0));
    }
    assert!(!is_fresher(44, 0, 44, 0));
    assert!(is_fresher(44, 0, 44, 128_001));
}
