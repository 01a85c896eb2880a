//! LwM2M content formats: decode and encode of the Device object /3/0 in TLV, SenML JSON,
//! SenML CBOR and LwM2M CBOR, beside the peers a Rust user would pick instead (serde_json,
//! ciborium, minicbor into a SenML struct). Run with `cargo bench -p benches --bench lwm2m`.
#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation
)] // set-up of fixed inputs

use criterion::{criterion_group, criterion_main};

#[path = "lwm2m/cbor.rs"]
mod cbor;
#[path = "lwm2m/json.rs"]
mod json;
#[path = "lwm2m/tlv.rs"]
mod tlv;

criterion_group!(benches, tlv::benches, json::benches, cbor::benches);
criterion_main!(benches);
