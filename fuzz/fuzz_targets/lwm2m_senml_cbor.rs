//! SenML CBOR and SenML-ETCH CBOR decoding never panics; whatever decodes fully encodes (to
//! exactly `encoded_len` bytes), and those bytes decode to the same records and encode again to
//! the same bytes (records compared through `Debug`, since a NaN never equals itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_lwm2m::senml_cbor;

fuzz_target!(|data: &[u8]| {
    // Plain SenML CBOR (112): only that it does not panic, and that it stops after an error.
    let mut plain = senml_cbor::decode(data);
    if plain.by_ref().any(|r| r.is_err()) {
        assert!(plain.next().is_none(), "fused after an error");
    }
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
