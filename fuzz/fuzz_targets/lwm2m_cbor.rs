//! LwM2M CBOR and single-value CBOR decoding never panics; whatever decodes fully encodes (to
//! exactly `encoded_len` bytes), and those bytes decode to the same records and encode again to
//! the same bytes (records compared through `Debug`, since a NaN never equals itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_lwm2m::cbor::single;
use m2m_lwm2m::lwm2m_cbor;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = single::decode(data) {
        let mut out = vec![0u8; single::encoded_len(&v).expect("a decoded value encodes")];
        single::encode(&v, &mut out).expect("exact size");
        assert_eq!(format!("{v:?}"), format!("{:?}", single::decode(&out).expect("decodes")));
    }
    let Ok(recs) = lwm2m_cbor::decode(data).collect::<Result<Vec<_>, _>>() else {
        return;
    };
    let len = lwm2m_cbor::encoded_len(&recs).expect("decoded records encode");
    let mut first = vec![0u8; len];
    assert_eq!(lwm2m_cbor::encode(&recs, &mut first), Ok(len));
    let again = lwm2m_cbor::decode(&first)
        .collect::<Result<Vec<_>, _>>()
        .expect("our encoding decodes");
    assert_eq!(format!("{recs:?}"), format!("{again:?}"));
    let mut second = vec![0u8; len];
    assert_eq!(lwm2m_cbor::encode(&again, &mut second), Ok(len));
    assert_eq!(first, second);
});
