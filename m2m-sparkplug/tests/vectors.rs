//! Golden vectors (tests/vectors/*.json, made with `protoc --encode` by tests/vectors/gen.py):
//! each decodes to the values written by hand in the vector, passes `check`, and re-encodes to
//! its own bytes (or to `canonical_hex` where the input is in a non-canonical form).

mod common;

use m2m_sparkplug::{PayloadView, Value};
use m2m_testkit::vectors::crate_vectors;

#[test]
fn every_vector_decodes_to_its_values_and_reencodes() {
    let vectors = crate_vectors(env!("CARGO_MANIFEST_DIR"));
    assert!(vectors.len() >= 46, "only {} vectors", vectors.len());
    for v in &vectors {
        let bytes = v.bytes().expect("hex");
        let view = PayloadView::new(&bytes).unwrap_or_else(|e| panic!("{}: {e}", v.label()));
        view.check()
            .unwrap_or_else(|e| panic!("{}: {e}", v.label()));
        let repr = view.to_repr().unwrap();
        let json = serde_json::to_value(&repr).unwrap();
        if let Err(e) = common::json_matches(&v.expect["payload"], &json, "payload") {
            panic!("{}: {e}\n{json:#}", v.label());
        }
        let canonical = match v.expect.get("canonical_hex") {
            Some(h) => m2m_core::hex::decode(h.as_str().unwrap()).unwrap(),
            None => bytes.clone(),
        };
        assert_eq!(repr.buffer_len(), canonical.len(), "{}", v.label());
        assert_eq!(repr.to_vec().unwrap(), canonical, "{}", v.label());
        // The header read on its own agrees with the full view.
        assert_eq!(PayloadView::peek_header(&bytes).unwrap(), view.header());
        assert_eq!(view.metrics().count(), view.metric_count());
    }
}

/// The typed accessors on the corrected §6.4.16 array examples, without going through serde.
#[test]
fn spec_array_examples_through_the_typed_accessors() {
    let vectors = crate_vectors(env!("CARGO_MANIFEST_DIR"));
    let arrays: Vec<_> = vectors
        .iter()
        .filter(|v| v.source.ends_with("arrays.json"))
        .collect();
    assert_eq!(arrays.len(), 13);
    for v in arrays {
        let bytes = v.bytes().unwrap();
        let view = PayloadView::new(&bytes).unwrap();
        let m = view.metrics().next().unwrap().unwrap();
        let value = m.value().unwrap();
        let expected = &v.expect["payload"]["metrics"][0]["value"];
        let got: Vec<serde_json::Value> = match value {
            Value::Int8Array(a) => a.iter().map(Into::into).collect(),
            Value::Int16Array(a) => a.iter().map(Into::into).collect(),
            Value::Int32Array(a) => a.iter().map(Into::into).collect(),
            Value::Int64Array(a) => a.iter().map(Into::into).collect(),
            Value::UInt8Array(a) => a.iter().map(Into::into).collect(),
            Value::UInt16Array(a) => a.iter().map(Into::into).collect(),
            Value::UInt32Array(a) => a.iter().map(Into::into).collect(),
            Value::UInt64Array(a) => a.iter().map(Into::into).collect(),
            Value::FloatArray(a) => a.iter().map(Into::into).collect(),
            Value::DoubleArray(a) => a.iter().map(Into::into).collect(),
            Value::DateTimeArray(a) => a.iter().map(Into::into).collect(),
            Value::BooleanArray(a) => a.iter().map(Into::into).collect(),
            Value::StringArray(a) => a.iter().map(Into::into).collect(),
            other => panic!("{}: {other:?}", v.label()),
        };
        // Under the vector's datatype, which says how precisely the values compare.
        let datatype = &v.expect["payload"]["metrics"][0]["datatype"];
        common::json_matches(
            &serde_json::json!({"datatype": datatype, "value": expected}),
            &serde_json::json!({"datatype": datatype, "value": got}),
            "metric",
        )
        .unwrap_or_else(|e| panic!("{}: {e}", v.label()));
    }
}

/// A ten-byte varint whose last byte holds bits above the 64th: protoc's C++ and Python
/// runtimes (read here with `protoc --decode` 3.21 and protobuf 4.25) drop those bits, and so
/// do we: a timestamp of all ones, an alias of 0, a DataSet type of the low 32 bits.
#[test]
fn ten_byte_varints_keep_their_low_64_bits() {
    let view = |h: &str| {
        let bytes = m2m_core::hex::decode(h).unwrap();
        serde_json::to_value(PayloadView::new(&bytes).unwrap().to_repr().unwrap()).unwrap()
    };
    assert_eq!(view("08ffffffffffffffffff7f")["timestamp"], u64::MAX);
    assert_eq!(
        view("120e0a016e1080808080808080808002")["metrics"][0]["alias"],
        0
    );
    assert_eq!(
        view("12140a016e20108a010c1a0affffffffffffffffff7f")["metrics"][0]["value"]["types"][0],
        u32::MAX
    );
}

/// A message a later occurrence replaces is read by protobuf as a message and no more: its
/// values are not held to their datatypes (protoc reads each of these payloads). A dataset
/// whose UInt8 cell holds 300, replaced by an int_value; a property set whose Int8 holds 300,
/// replaced by another; a template whose BooleanArray member is one byte, replaced by another.
#[test]
fn a_replaced_message_is_checked_as_a_message_alone() {
    for h in [
        "12160a016e20108a010c08011a010522050a0308ac025001",
        "121f0a016e20034a0a0a016b1205080118ac024a0a0a026b321204080318045001",
        "12160a016e201392010b12090a016d202082010101920100",
    ] {
        let bytes = m2m_core::hex::decode(h).unwrap();
        let view = PayloadView::new(&bytes).unwrap();
        assert!(view.metrics().all(|m| m.is_ok()), "{h}");
        view.to_repr().unwrap_or_else(|e| panic!("{h}: {e}"));
    }
    // A replaced message that is no message is still refused (as protobuf refuses it).
    let broken = m2m_core::hex::decode("120c0a016e20108a0102ff015001").unwrap();
    assert!(PayloadView::new(&broken).and_then(|v| v.check()).is_err());
}
