//! `m2m demo` end to end: the simulated pump, the gateway, the broker (embedded, then a real
//! mosquitto started here) and the host application, checked from the JSON summary.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

use std::process::Command;

use m2m_testkit::mosquitto::Mosquitto;

use serde_json::Value;

fn demo(extra: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_m2m"))
        .args(["demo", "--duration", "3", "--json"])
        .args(extra)
        .output()
        .expect("m2m runs");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON summary")
}

/// What every run must show: NBIRTH then NDATA carrying every metric, the host's values equal
/// to what the gateway read from the device, the NDEATH at the end, no decode error and no
/// validator violation.
fn check(s: &Value) {
    let host = &s["host"];
    assert_eq!(host["first_types"][0], "NBIRTH", "{s:#}");
    assert_eq!(host["first_types"][1], "NDATA", "{s:#}");
    assert_eq!(host["births"], 1, "{s:#}");
    assert_eq!(host["deaths"], 1, "the NDEATH at the end: {s:#}");
    assert_eq!(host["metrics_in_birth"], 6);
    assert!(host["data"].as_u64().unwrap() >= 10, "{s:#}");
    assert_eq!(host["decode_errors"], 0, "{s:#}");
    assert_eq!(host["violations"], 0, "{s:#}");
    assert_eq!(host["out_of_order"], 0, "{s:#}");
    assert_eq!(s["values_match"], true, "{s:#}");
    let values = host["values"].as_object().unwrap();
    assert_eq!(values.len(), 6);
    // Within the simulated pump's ranges.
    let t = values["Pump/Temperature"].as_f64().unwrap();
    assert!((57.0..=66.0).contains(&t), "temperature {t}");
    assert!(values["Pump/Cycles"].as_u64().unwrap() > 0);
    assert!(values["Pump/Running"].is_boolean());
    assert!(s["modbus"]["polls"].as_u64().unwrap() >= 20, "{s:#}");
    assert_eq!(s["modbus"]["poll_errors"], 0);
    assert!(s["latency_ms"]["samples"].as_u64().unwrap() > 0);
    // The LwM2M half: registered, every object read at the start and at the end, the
    // temperature observed, de-registered, the values within the pump's ranges.
    let lw = &s["lwm2m"];
    assert_eq!(lw["registered"], true, "{lw:#}");
    assert_eq!(lw["deregistered"], true, "{lw:#}");
    assert_eq!(lw["errors"], 0, "{lw:#}");
    // Five objects in TLV and in SenML CBOR, at the start and at the end.
    assert_eq!(lw["reads"], 20, "{lw:#}");
    assert!(
        lw["read_bytes_by_format"]["TLV"].as_u64().unwrap() > 0,
        "{lw:#}"
    );
    assert!(
        lw["read_bytes_by_format"]["SenML CBOR"].as_u64().unwrap() > 0,
        "{lw:#}"
    );
    // The bytes of the reads are those of the reads by format (notifications apart).
    let by_format: u64 = lw["read_bytes_by_format"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(lw["read_bytes"].as_u64(), Some(by_format), "{lw:#}");
    assert!(lw["notifications"].as_u64().unwrap() >= 1, "{lw:#}");
    let t = lw["values"]["/3303/0/5700"].as_f64().unwrap();
    assert!((57.0..=66.0).contains(&t), "temperature {t}");
    assert!(lw["values"]["/3342/0/5501"].as_i64().unwrap() > 0, "{lw:#}");
    assert_eq!(lw["values"]["/3303/0/5701"], "Cel");
}

#[test]
fn demo_with_the_embedded_broker() {
    check(&demo(&[]));
}

#[test]
fn demo_against_mosquitto() {
    let Some(broker) = Mosquitto::start(&[]) else {
        return;
    };
    let port = broker.port();
    let s = demo(&["--broker", &format!("mqtt://127.0.0.1:{port}")]);
    assert_eq!(s["mqtt"]["broker"], format!("mqtt://127.0.0.1:{port}"));
    check(&s);
}
