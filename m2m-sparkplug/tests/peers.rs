//! Reference encoders other than protoc (installed by `tests/peers/setup.sh` under
//! `target/sparkplug-peers`, or `$SPARKPLUG_PEERS`):
//!
//! - the Python `protobuf` package makes random payloads (`tests/peers/py_random.py`) the way
//!   the peers of the field write values (both sign styles, UInt32 in either field); each decodes
//!   to the values the script chose, passes `check`, and re-encodes to the same bytes when the
//!   script wrote the canonical form; and with fields of the schema's numbers but another wire
//!   type put in (`--wrong-wire-types`), which Google's runtime reads as unknown fields and so
//!   must we;
//! - npm `sparkplug-payload` 1.0.3 (Eclipse Tahu JS) encodes payloads of every datatype it knows
//!   (`tests/peers/tahu_js.js`); each decodes to the values given to it.
//!
//! Without the peers the tests are skipped, unless `M2M_REQUIRE_SPARKPLUG_PEERS` is set (as
//! `.ci/run` does): then they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use std::path::PathBuf;
use std::process::Command;

use m2m_sparkplug::PayloadView;

fn peers() -> Option<PathBuf> {
    let dir = std::env::var_os("SPARKPLUG_PEERS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/sparkplug-peers"),
        PathBuf::from,
    );
    if dir.join("venv/bin/python").exists() && dir.join("node/node_modules").exists() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("M2M_REQUIRE_SPARKPLUG_PEERS").is_none(),
        "the Sparkplug peers are required: run m2m-sparkplug/tests/peers/setup.sh"
    );
    eprintln!("skipped: no Sparkplug peers in {}", dir.display());
    None
}

fn run(cmd: &mut Command) -> Vec<serde_json::Value> {
    let out = cmd.output().expect("the peer runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON list of vectors")
}

/// Decodes each vector and compares with the values its maker chose; returns how many were
/// canonical (and so re-encoded byte for byte).
fn check(vectors: &[serde_json::Value]) -> usize {
    let mut canonical = 0;
    for v in vectors {
        let label = v["description"].as_str().unwrap();
        let bytes = m2m_core::hex::decode(v["hex"].as_str().unwrap()).unwrap();
        let view = PayloadView::new(&bytes).unwrap_or_else(|e| panic!("{label}: {e}"));
        view.check().unwrap_or_else(|e| panic!("{label}: {e}"));
        let repr = view.to_repr().unwrap();
        let json = serde_json::to_value(&repr).unwrap();
        if let Err(e) = common::json_matches(&v["expect"]["payload"], &json, "payload") {
            panic!("{label}: {e}\nours: {json:#}\nhex: {}", v["hex"]);
        }
        if v["canonical"].as_bool() == Some(true) {
            assert_eq!(repr.to_vec().unwrap(), bytes, "{label}: re-encoding");
            canonical += 1;
        }
    }
    canonical
}

#[test]
fn python_protobuf_random_payloads_decode_to_their_values() {
    let Some(dir) = peers() else { return };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/py_random.py");
    let mut total = 0;
    let mut canonical = 0;
    for seed in 1..=4 {
        let vectors = run(Command::new(dir.join("venv/bin/python"))
            .arg(&script)
            .arg(seed.to_string())
            .arg("150"));
        total += vectors.len();
        canonical += check(&vectors);
    }
    assert_eq!(total, 600);
    // Both forms occur: the canonical ones re-encode byte for byte.
    assert!(
        canonical > 100 && canonical < total,
        "{canonical} of {total} canonical"
    );
}

#[test]
fn python_protobuf_reads_wrong_wire_types_as_unknown_and_so_do_we() {
    let Some(dir) = peers() else { return };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/py_random.py");
    let mut total = 0;
    for seed in 11..=12 {
        let vectors = run(Command::new(dir.join("venv/bin/python"))
            .arg(&script)
            .arg(seed.to_string())
            .arg("150")
            .arg("--wrong-wire-types"));
        total += vectors.len();
        assert_eq!(check(&vectors), 0, "none canonical");
    }
    assert_eq!(total, 300);
}

#[test]
fn tahu_js_payloads_decode_to_their_values() {
    let Some(dir) = peers() else { return };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/tahu_js.js");
    let vectors = run(Command::new("node")
        .arg(&script)
        .env("NODE_PATH", dir.join("node/node_modules")));
    assert!(vectors.len() >= 33, "{} vectors", vectors.len());
    check(&vectors);
}
