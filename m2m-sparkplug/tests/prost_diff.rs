//! Differential test against prost (a dev-dependency only), with message structs derived by hand
//! to mirror `sparkplug_b.proto`: on the same bytes, prost and our views agree on what is valid,
//! and prost's re-encoding of our encoding is our encoding, byte for byte.

mod strategies;

use m2m_sparkplug::PayloadView;
use proptest::prelude::*;
use prost::Message;

mod pb;

/// Whether our views accept `bytes` all the way down (every nested message, string and key).
fn ours_accepts(bytes: &[u8]) -> bool {
    PayloadView::new(bytes).and_then(|v| v.to_repr()).is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn prost_reads_our_encoding_as_we_wrote_it(p in strategies::payload()) {
        let ours = p.to_vec().unwrap();
        let theirs = pb::Payload::decode(&ours[..]).unwrap();
        prop_assert_eq!(theirs.metrics.len(), p.metrics.len());
        prop_assert_eq!(theirs.seq, p.seq);
        prop_assert_eq!(theirs.timestamp, p.timestamp);
        // prost drops what it does not understand: an identical re-encoding means it understood
        // every field we wrote, with the same meaning.
        prop_assert_eq!(theirs.encode_to_vec(), ours.clone());
        // And what prost writes, we read back to the same payload.
        let again = theirs.encode_to_vec();
        prop_assert_eq!(PayloadView::new(&again).unwrap().to_repr().unwrap(), p);
    }

    #[test]
    fn prost_and_we_agree_on_validity(p in strategies::payload(),
                                      edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
                                      cut in any::<prop::sample::Index>()) {
        let mut bytes = p.to_vec().unwrap();
        if bytes.is_empty() {
            return Ok(());
        }
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        for input in [&bytes[..], &bytes[..cut.index(bytes.len())]] {
            let theirs = pb::Payload::decode(input);
            prop_assert_eq!(ours_accepts(input), theirs.is_ok(), "{:02x?} prost: {:?}", input, theirs.err());
        }
    }
}

// ---- a singular message that occurs more than once ----------------------------------------

#[allow(clippy::cast_possible_truncation)] // seven bits at a time
fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v & 0x7f) as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Field `n` holding the message (or string) `body`.
fn msg(n: u32, body: &[u8]) -> Vec<u8> {
    let mut o = Vec::new();
    varint(u64::from(n) << 3 | 2, &mut o);
    varint(body.len() as u64, &mut o);
    o.extend_from_slice(body);
    o
}

/// Field `n` holding the varint `v`.
fn uint(n: u32, v: u64) -> Vec<u8> {
    let mut o = Vec::new();
    varint(u64::from(n) << 3, &mut o);
    varint(v, &mut o);
    o
}

/// Protobuf reads a singular message field that occurs more than once as one message, the
/// occurrences merged (a later singular field wins, repeated fields are appended; in a oneof,
/// another member in between starts anew). Ours must read each such payload as prost does:
/// our repr, encoded, is prost's re-encoding.
#[test]
fn a_repeated_singular_message_is_merged_as_prost_merges_it() {
    let name = msg(1, b"m");
    // Two metadata: file_name, then file_type and size (only file_type was kept).
    let metadata = [
        name.clone(),
        msg(8, &msg(5, b"a")),
        msg(8, &[msg(6, b"txt"), uint(3, 7)].concat()),
        msg(8, &[]),
        uint(4, 12),
        msg(15, b"v"),
    ]
    .concat();
    // Two property sets: the keys and values of both (the second replaced the first).
    let properties = [
        name.clone(),
        msg(
            9,
            &[msg(1, b"a"), msg(2, &[uint(1, 3), uint(3, 1)].concat())].concat(),
        ),
        uint(4, 11),
        msg(
            9,
            &[msg(1, b"b"), msg(2, &[uint(1, 12), msg(8, b"x")].concat())].concat(),
        ),
        uint(14, 1),
    ]
    .concat();
    // Column "a" (Int32), then column "b" (String) and a row of both (read column by column,
    // the row checks that the types were merged in order).
    let ds_a = [uint(1, 1), msg(2, b"a"), uint(3, 3)].concat();
    let ds_b = [
        uint(1, 2),
        msg(2, b"b"),
        uint(3, 12),
        msg(4, &[msg(1, &uint(1, 6)), msg(1, &msg(6, b"y"))].concat()),
    ]
    .concat();
    // A dataset value twice: columns, types and rows of both, the last num_of_columns.
    let dataset = [name.clone(), uint(4, 16), msg(17, &ds_a), msg(17, &ds_b)].concat();
    // Runs of the oneof: an int_value between two datasets ends the first run.
    let dataset_runs = [
        name.clone(),
        uint(4, 16),
        msg(17, &ds_a),
        msg(17, &ds_b),
        uint(10, 1),
        msg(17, &ds_a),
        uint(20, 9), // an unknown field between occurrences
        msg(17, &ds_b),
    ]
    .concat();
    let dataset_reset = [
        name.clone(),
        uint(4, 16),
        msg(17, &ds_a),
        uint(10, 1),
        msg(17, &ds_a),
    ]
    .concat();
    // A template value twice, the second holding a member metric with a dataset twice, and a
    // property value whose property set and list occur twice.
    let member = [msg(1, b"x"), uint(4, 16), msg(17, &ds_a), msg(17, &ds_b)].concat();
    let template = [
        name.clone(),
        uint(4, 19),
        msg(
            18,
            &[
                msg(1, b"1"),
                msg(2, &[msg(1, b"y"), uint(4, 11), uint(14, 1)].concat()),
            ]
            .concat(),
        ),
        msg(
            18,
            &[
                msg(2, &member),
                msg(3, &[msg(1, b"p"), uint(2, 3), uint(3, 4)].concat()),
                msg(4, b"T"),
                uint(5, 0),
            ]
            .concat(),
        ),
    ]
    .concat();
    let set = |k: &[u8], v: Vec<u8>| [msg(1, k), msg(2, &v)].concat();
    let nested = [
        name.clone(),
        msg(
            9,
            &[
                msg(1, b"s"),
                msg(1, b"l"),
                msg(
                    2,
                    &[
                        uint(1, 20),
                        msg(9, &set(b"a", [uint(1, 3), uint(3, 1)].concat())),
                        msg(9, &set(b"b", [uint(1, 11), uint(7, 1)].concat())),
                    ]
                    .concat(),
                ),
                msg(
                    2,
                    &[
                        uint(1, 21),
                        msg(10, &msg(1, &set(b"c", [uint(1, 3), uint(3, 2)].concat()))),
                        msg(10, &msg(1, &[])),
                    ]
                    .concat(),
                ),
            ]
            .concat(),
        ),
    ]
    .concat();
    let mut wrong = Vec::new();
    for (what, metric) in [
        ("metadata", metadata),
        ("properties", properties),
        ("dataset", dataset),
        ("dataset runs", dataset_runs),
        ("dataset reset", dataset_reset),
        ("template", template),
        ("property set and list values", nested),
    ] {
        let payload = [uint(1, 5), msg(2, &metric), uint(3, 0)].concat();
        let theirs = pb::Payload::decode(&payload[..]).unwrap().encode_to_vec();
        let view = PayloadView::new(&payload).unwrap();
        let ours = view
            .check()
            .and_then(|()| view.to_repr())
            .and_then(|r| r.to_vec());
        if ours.as_ref() != Ok(&theirs) {
            wrong.push(format!("{what}: {ours:02x?}, prost {theirs:02x?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A malformed later occurrence makes the payload invalid, for prost and for us.
#[test]
fn a_malformed_later_occurrence_is_an_error() {
    let bad_utf8 = msg(6, b"\xff");
    for metric in [
        [msg(1, b"m"), msg(8, &msg(5, b"a")), msg(8, &bad_utf8)].concat(),
        [
            msg(1, b"m"),
            msg(9, &msg(1, b"a")),
            msg(9, &msg(1, b"\xff")),
        ]
        .concat(),
        [
            msg(1, b"m"),
            msg(17, &msg(2, b"a")),
            msg(17, &msg(2, b"\xff")),
        ]
        .concat(),
    ] {
        let payload = msg(2, &metric);
        assert!(pb::Payload::decode(&payload[..]).is_err());
        assert!(!ours_accepts(&payload), "{payload:02x?}");
    }
}

/// The one departure: an extension_value twice in a row, which prost merges (it keeps no field
/// of it), is refused, its bytes being one slice of the payload.
#[test]
fn an_extension_value_twice_is_refused() {
    // Metric "m" with extension_value (19) twice: the second key at byte 7.
    let payload = [msg(2, &[msg(1, b"m"), msg(19, &[]), msg(19, &[])].concat())].concat();
    assert!(pb::Payload::decode(&payload[..]).is_ok());
    let view = PayloadView::new(&payload).unwrap();
    assert_eq!(
        view.metrics().next(),
        Some(Err(m2m_sparkplug::Error::Repeated {
            field: 19,
            offset: 8
        }))
    );
    // Once is read (and so is another member between two).
    let once = [msg(2, &[msg(1, b"m"), msg(19, &uint(1, 1))].concat())].concat();
    assert!(ours_accepts(&once));
    let between = [msg(2, &[msg(19, &[]), uint(10, 1), msg(19, &[])].concat())].concat();
    assert!(ours_accepts(&between));
}
