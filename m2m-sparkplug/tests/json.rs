//! The JSON form of the reprs (JSON.md), on payloads written by hand: what a decoded payload
//! prints as.

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
