//! Differential test against prost (a dev-dependency only), with message structs derived by hand
//! to mirror `sparkplug_b.proto`: on the same bytes, prost and our views agree on what is valid,
//! and prost's re-encoding of our encoding is our encoding, byte for byte. Two known differences:
//! prost refuses a field of the schema with another wire type than the schema's, where we (like
//! protoc's C++, Java, Python and Go runtimes) skip it as an unknown field; and prost refuses a
//! ten-byte varint whose last byte holds bits above the 64th, which we (like protoc's C++, Java
//! and Python runtimes) drop. Inputs prost refuses for these reasons, and we accept, are left
//! out of the validity comparison (`tests/peers.rs` compares such inputs with Python
//! protobuf).

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
            if theirs.as_ref().is_err_and(|e| e.to_string().contains("invalid wire type:")) {
                continue;
            }
            if theirs.as_ref().is_err_and(|e| e.to_string().contains("invalid varint"))
                && ours_accepts(input)
            {
                continue;
            }
            prop_assert_eq!(ours_accepts(input), theirs.is_ok(), "{:02x?} prost: {:?}", input, theirs.err());
        }
    }
}
