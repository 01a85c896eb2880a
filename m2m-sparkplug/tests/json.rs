//! The JSON form of the reprs (JSON.md), on payloads written by hand: what a decoded payload
//! prints as.
#![allow(clippy::unwrap_used)] // test helpers

use m2m_sparkplug::PayloadView;
use serde_json::{Value as Json, json};

fn bytes(hex: &str) -> Vec<u8> {
    m2m_core::hex::decode(hex).unwrap()
}

/// The serde form of the payload in `hex`.
fn decoded(hex: &str) -> Json {
    let b = bytes(hex);
    let view = PayloadView::new(&b).unwrap();
    serde_json::to_value(view.to_repr().unwrap()).unwrap()
}

#[test]
fn absent_metadata_fields_are_left_out() {
    // A metric "a" whose metadata has only file_name "a".
    let hex = "1208 0a0161 4203 2a0161";
    assert_eq!(
        decoded(hex)["metrics"][0]["metadata"],
        json!({"file_name": "a"})
    );
    // The view's own serde form leaves them out too.
    let b = bytes(hex);
    let view = PayloadView::new(&b).unwrap();
    let m = view.metrics().next().unwrap().unwrap();
    let md = m.metadata().unwrap().unwrap();
    assert_eq!(serde_json::to_value(md).unwrap(), json!({"file_name": "a"}));
}

#[test]
fn an_int32_beyond_32_bits_is_kept_raw_not_cut() {
    // Int32 metric "a" with long_value 2^40 + 5: neither sign style, so it does not read as
    // an Int32 (it printed 5) and is kept as the member it was in.
    let hex = "120c0a0161200358858080808020";
    assert_eq!(
        decoded(hex)["metrics"][0]["value"],
        json!({"long_value": 1_099_511_627_781u64})
    );
    let b = bytes(hex);
    assert_eq!(
        PayloadView::new(&b).unwrap().check(),
        Err(m2m_sparkplug::Error::Range {
            datatype: 3,
            value: 1_099_511_627_781
        })
    );
}
