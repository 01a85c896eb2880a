//! Vectors from Eclipse Wakaama's er-coap tests (`eclipse-wakaama/wakaama`, `tests/`).

use super::*;

/// Wakaama `tests/er_coap_coap_parse_message.c`: the messages its er-coap parser accepts and
/// those it refuses (4.00 or a format error). Where it differs from RFC 7252 the RFC decides:
/// an Empty NON (its `test_field_type_non_confirmable` parses `50 00 00 00`) is refused, §4.3
/// ("MUST NOT be Empty"); a 9-byte token (`test_field_token_length_reserved`) is an RFC 8974
/// extended token here, refused by an RFC 7252-only configuration as Wakaama refuses it; an
/// unsupported critical option (`test_option_format_unsupported_critical`, 4.02 in Wakaama)
/// parses, and the option is reported with the 4.02 reaction.
#[test]
fn wakaama_er_coap_parse_message() {
    // Accepted: (test, bytes).
    let payload_max = {
        let mut b = vec![0u8; 65535];
        b[..6].copy_from_slice(&[0x41, 0x01, 0x00, 0x00, 0x11, 0xFF]);
        b
    };
    let accepted: [(&str, &[u8]); 9] = [
        // Bugzilla 577968 #2: option 40 (delta 13 + 27), empty, then a payload.
        (
            "regression_bugzilla_577968_2",
            &[0x40, 0x02, 0x00, 0x00, 0xD0, 0x1B, 0xFF, 0xAA],
        ),
        ("empty_message", &[0x40, 0x00, 0x00, 0x00]),
        ("field_type_confirmable", &[0x40, 0x00, 0x00, 0x00]),
        ("field_type_acknowledgement", &[0x60, 0x00, 0x00, 0x00]),
        ("field_type_reset", &[0x70, 0x00, 0x00, 0x00]),
        ("field_token_length_min", &[0x40, 0x01, 0x00, 0x00]),
        ("payload_min", &[0x41, 0x01, 0x00, 0x00, 0x11, 0xFF, 0xAA]),
        (
            "option_format_if_none_match",
            &[0x40, 0x02, 0x00, 0x00, 0x50, 0xFF, 0xAA],
        ),
        (
            "option_format_unsupported_elective",
            &[0x40, 0x02, 0x00, 0x00, 0xD0, 0x2F, 0xFF, 0xAA],
        ),
    ];
    for (label, b) in accepted {
        let m = strict(b).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert!(m.bad_option().is_none(), "{label}");
    }
    let m = strict(&[0x40, 0x02, 0x00, 0x00, 0xD0, 0x1B, 0xFF, 0xAA]).unwrap();
    let opts: Vec<(u16, usize)> = m.options().map(|o| (o.number.0, o.value.len())).collect();
    assert_eq!(opts, [(40, 0)]);
    assert_eq!(m.payload(), [0xAA]);
    let m = strict(&[0x60, 0x00, 0x00, 0x00]).unwrap();
    assert_eq!(m.ty(), Some(Type::Acknowledgement));
    let m = strict(&[0x70, 0x00, 0x00, 0x00]).unwrap();
    assert_eq!(m.ty(), Some(Type::Reset));
    let m = strict(&[0x40, 0x02, 0x00, 0x00, 0x50, 0xFF, 0xAA]).unwrap();
    assert_eq!(m.option(OptionNumber::IF_NONE_MATCH), Some(&[][..]));
    // Size1 (60, elective) with no value: 0, and the payload after it.
    let m = strict(&[0x40, 0x02, 0x00, 0x00, 0xD0, 0x2F, 0xFF, 0xAA]).unwrap();
    assert_eq!(m.uint(OptionNumber::SIZE1), Some(0));
    assert_eq!(m.payload(), [0xAA]);
    // field_token_length_max: 8 bytes of token.
    let m = strict(&[
        0x48, 0x01, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
    ])
    .unwrap();
    assert_eq!(m.token(), [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    // payload_max: a 65535-byte datagram, 65529 bytes of payload.
    assert_eq!(strict(&payload_max).unwrap().payload().len(), 65529);
    // option_format_uri: Uri-Host, Uri-Port 0x1122, Uri-Path, two Uri-Query.
    let mut uri = vec![0x40, 0x01, 0x00, 0x00, 0x3B];
    uri.extend_from_slice(b"example.com");
    uri.extend_from_slice(&[0x42, 0x11, 0x22, 0x44]);
    uri.extend_from_slice(b"path");
    uri.push(0x43);
    uri.extend_from_slice(b"A=1");
    uri.push(0x04);
    uri.extend_from_slice(b"Z=26");
    let m = strict(&uri).unwrap();
    assert_eq!(m.uri_host(), Some("example.com"));
    assert_eq!(m.uri_port(), Some(0x1122));
    assert_eq!(m.uri_path().collect::<Vec<_>>(), ["path"]);
    assert_eq!(m.uri_query().collect::<Vec<_>>(), ["A=1", "Z=26"]);

    // Refused by Wakaama and by us (lenient too, but for the Empty messages with content).
    let mut reserved_length = vec![0x40, 0x01, 0x00, 0x00, 0x0F, 0xFF];
    reserved_length.extend(1..=15u8);
    let refused: [(&str, &[u8]); 8] = [
        ("regression_bugzilla_577968_1", &[0x6E, 0x8D]),
        ("empty_message_with_token", &[0x41, 0x00, 0x00, 0x00, 0x00]),
        (
            "empty_message_with_superfluous_data",
            &[0x40, 0x00, 0x00, 0x00, 0xFF],
        ),
        ("field_version_0", &[0x00, 0x00, 0x00, 0x00]),
        ("field_version_2", &[0x80, 0x00, 0x00, 0x00]),
        ("field_version_3", &[0xC0, 0x00, 0x00, 0x00]),
        (
            "option_format_reserved_delta",
            &[0x40, 0x01, 0x00, 0x00, 0xF0, 0xFF, 0x00],
        ),
        ("option_format_reserved_length", &reserved_length),
    ];
    for (label, b) in refused {
        assert!(strict(b).is_err(), "{label}");
        // `Config::LENIENT` reads content in an Empty message (a documented leniency).
        if !label.starts_with("empty_message") {
            assert!(
                Message::parse_udp_with(b, &Config::LENIENT).is_err(),
                "{label}"
            );
        }
    }

    // field_token_length_reserved: TKL 9 and nine bytes.
    let tkl9 = [
        0x49, 0x01, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
    ];
    assert_eq!(strict(&tkl9).unwrap().token().len(), 9);
    let rfc7252_only = Config {
        extended_tokens: false,
        ..Config::STRICT
    };
    assert!(Message::parse_udp_with(&tkl9, &rfc7252_only).is_err());
    // field_type_non_confirmable: an Empty NON, refused (RFC 7252 §4.3).
    assert!(strict(&[0x50, 0x00, 0x00, 0x00]).is_err());
    // option_format_unsupported_critical: Proxy-Scheme "X" in a CON PUT. We know the option;
    // the handler that does not proxy answers 4.02 (SUPPORT.md), Wakaama's parser does at once.
    let m = strict(&[0x40, 0x02, 0x00, 0x00, 0xD1, 0x1A, b'X', 0xFF, 0xAA]).unwrap();
    assert_eq!(m.str(OptionNumber::PROXY_SCHEME), Some("X"));
    assert_eq!(m.payload(), [0xAA]);
}

/// Eclipse Wakaama `tests/coap_block1tests.c`: a body in two Block1 blocks ("12345" then "67"
/// in blocks of 5, which CoAP cannot express: here 16 bytes then 2), with the first block
/// repeated and the last block repeated after the body is whole. Wakaama answers the repeated
/// first block 2.31 and the repeated last block as a retransmission with the whole body; our
/// `Assembler` says `Repeat` to both, the body kept. Wakaama's
/// `test_block1_same_message_after_success` then starts a new transfer with the first block: a
/// server here starts a new transfer with a new `Assembler` (this one, done, calls it a repeat).
#[test]
fn wakaama_block1_assembly() {
    use m2m_coap::Block;
    use m2m_coap::block::{Assembler, Progress};
    let first = b"0123456789abcdef";
    let last = b"67";
    let b0 = Block {
        num: 0,
        more: true,
        szx: 0,
    };
    let b1 = Block {
        num: 1,
        more: false,
        szx: 0,
    };
    let mut buf = [0u8; 64];
    let mut a = Assembler::new(&mut buf);
    assert_eq!(
        a.push(b0, first, None),
        Ok(Progress::More(Block {
            num: 1,
            more: false,
            szx: 0
        }))
    );
    assert_eq!(a.push(b0, first, None), Ok(Progress::Repeat));
    assert_eq!(a.push(b1, last, None), Ok(Progress::Done(18)));
    assert_eq!(a.push(b1, last, None), Ok(Progress::Repeat));
    assert_eq!(a.push(b1, last, None), Ok(Progress::Repeat));
    assert_eq!(a.body(), b"0123456789abcdef67");
    assert_eq!(a.push(b0, first, None), Ok(Progress::Repeat));
    assert_eq!(a.body(), b"0123456789abcdef67");
}
