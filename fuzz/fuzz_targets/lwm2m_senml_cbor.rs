//! SenML CBOR and SenML-ETCH CBOR decoding never panics; the decoder's fast way gives what the
//! general way gives (the raw records resolved one by one), errors and their offsets included;
//! whatever decodes fully encodes (to exactly `encoded_len` bytes), and those bytes decode to the
//! same records and encode again to the same bytes (records compared through `Debug`, since a
//! NaN never equals itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_lwm2m::senml::Resolver;
use m2m_lwm2m::senml_cbor;

fuzz_target!(|data: &[u8]| {
    // Plain SenML CBOR (112): only that it does not panic, and that it stops after an error.
    let mut plain = senml_cbor::decode(data);
    if plain.by_ref().any(|r| r.is_err()) {
        assert!(plain.next().is_none(), "fused after an error");
    }
    // The general way: the raw records, resolved one by one, up to the first error.
    let mut resolver = Resolver::new();
    let mut general = Vec::new();
    for item in senml_cbor::decode_raw(data) {
        let r = item.and_then(|(at, raw)| resolver.resolve(&raw, at));
        let stop = r.is_err();
        general.push(r);
        if stop {
            break;
        }
    }
    let fast: Vec<_> = senml_cbor::decode(data).collect();
    assert_eq!(format!("{fast:?}"), format!("{general:?}"), "fast and general ways");
    // SenML-ETCH CBOR (322), a superset.
    let Ok(recs) = senml_cbor::decode_etch(data).collect::<Result<Vec<_>, _>>() else {
        return;
    };
    let len = senml_cbor::encoded_len(&recs).expect("decoded records encode");
    let mut first = vec![0u8; len];
    assert_eq!(senml_cbor::encode(&recs, &mut first), Ok(len));
    let again = senml_cbor::decode_etch(&first)
        .collect::<Result<Vec<_>, _>>()
        .expect("our encoding decodes");
    assert_eq!(format!("{recs:?}"), format!("{again:?}"));
    let mut second = vec![0u8; len];
    assert_eq!(senml_cbor::encode(&again, &mut second), Ok(len));
    assert_eq!(first, second);
});
