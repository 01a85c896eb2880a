//! Properties: decode(encode(p)) == p for any payload, nested DataSets, Templates and
//! PropertySets included; the length is announced exactly; any bytes decode without a panic.

mod strategies;

use m2m_sparkplug::relay::{Edit, Relay};
use m2m_sparkplug::{EncodeOptions, Error, PayloadView, Uint32Field};
use proptest::prelude::*;
use strategies::payload;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_encode_round_trips(p in payload()) {
        let bytes = p.to_vec().unwrap();
        prop_assert_eq!(bytes.len(), p.buffer_len());
        let view = PayloadView::new(&bytes).unwrap();
        view.check().unwrap();
        prop_assert_eq!(view.metric_count(), p.metrics.len());
        let back = view.to_repr().unwrap();
        prop_assert_eq!(&back, &p);
        // UInt32 in long_value decodes to the same payload, at the same length.
        let long = EncodeOptions { uint32: Uint32Field::Long, ..EncodeOptions::default() };
        let mut other = vec![0; p.buffer_len()];
        prop_assert_eq!(p.encode_with(&mut other, &long).unwrap(), bytes.len());
        prop_assert_eq!(&PayloadView::new(&other).unwrap().to_repr().unwrap(), &p);
        // Every buffer shorter than the payload is refused as too small, with the length
        // needed, never half-written silently.
        let mut short = vec![0; bytes.len()];
        for available in 0..bytes.len() {
            prop_assert_eq!(
                p.encode(&mut short[..available]),
                Err(Error::BufferTooSmall { needed: bytes.len(), available })
            );
        }
    }

    /// The lossless relay copies what it keeps byte for byte, also from mutated payloads that
    /// still parse (unknown fields appear there), and what it rewrites decodes to its edits.
    #[test]
    fn relay_keeps_bytes_and_applies_edits(p in payload(), at in any::<prop::sample::Index>(), byte in any::<u8>(), seq in any::<u8>()) {
        let mut bytes = p.to_vec().unwrap();
        if !bytes.is_empty() {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let Ok(view) = PayloadView::new(&bytes) else { return Ok(()) };
        if view.check().is_err() { return Ok(()) }
        let mut out = vec![0u8; bytes.len() + 16];
        let n = Relay::new(&view).write(&mut out, |_, _| Edit::Keep).unwrap();
        prop_assert_eq!(&out[..n], &bytes[..]);
        // Every other metric dropped, seq renumbered.
        let n = Relay::new(&view)
            .seq(Some(u64::from(seq)))
            .write(&mut out, |i, _| if i % 2 == 0 { Edit::Keep } else { Edit::Drop })
            .unwrap();
        let relayed = PayloadView::new(&out[..n]).unwrap();
        prop_assert_eq!(relayed.seq(), Some(u64::from(seq)));
        let kept: Vec<_> = view.metrics().step_by(2).map(|m| m.unwrap().as_bytes()).collect();
        let got: Vec<_> = relayed.metrics().map(|m| m.unwrap().as_bytes()).collect();
        prop_assert_eq!(kept, got);
    }

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        walk(&bytes);
    }

    #[test]
    fn mutated_payloads_never_panic(p in payload(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = p.to_vec().unwrap();
        if !bytes.is_empty() {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        walk(&bytes);
        bytes.truncate(bytes.len() / 2);
        walk(&bytes);
    }
}

/// Reads everything reachable, through every accessor.
fn walk(bytes: &[u8]) {
    let _ = PayloadView::peek_header(bytes);
    let Ok(view) = PayloadView::new(bytes) else {
        return;
    };
    let _ = view.check();
    let _ = view.to_repr();
    for m in view.metrics().flatten() {
        let _ = m.value();
        for dt in 0..40 {
            let _ = m.value_as(dt);
        }
        if let Some(p) = m.properties() {
            for kv in p.iter().flatten() {
                let _ = kv.1.value();
            }
        }
        let _ = m.unknown_fields().count();
    }
    let _ = view.unknown_fields().count();
}
