//! SenML JSON (and the other JSON formats of m2m-lwm2m) on arbitrary bytes: decoding never
//! panics and stops after its first error; a body that decodes fully encodes (into exactly
//! `encoded_len` bytes) to a body that decodes to the same records and encodes to the same
//! bytes again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_lwm2m::{Record, lwm2m_json, senml_etch_json, senml_json};

fn encode(records: &[Record<'_>]) -> Vec<u8> {
    let n = senml_json::encoded_len(records).expect("decoded records encode");
    let mut out = vec![0u8; n];
    assert_eq!(senml_json::encode(records, &mut out), Ok(n));
    out
}

fuzz_target!(|data: &[u8]| {
    // The other JSON decoders share the tokenizer: they must not panic either.
    let _ = lwm2m_json::decode(data).count();
    let _ = senml_etch_json::decode_fetch(data).count();
    let _ = senml_etch_json::decode_ipatch(data).count();

    let mut decoder = senml_json::decode(data);
    let mut records = Vec::new();
    for r in decoder.by_ref() {
        match r {
            Ok(r) => records.push(r),
            Err(_) => {
                assert!(decoder.next().is_none(), "fused after an error");
                return;
            }
        }
    }
    let first = encode(&records);
    let again: Vec<Record<'_>> = senml_json::decode(&first)
        .collect::<Result<_, _>>()
        .expect("our encoding decodes");
    assert_eq!(again, records);
    assert_eq!(encode(&again), first);
});
