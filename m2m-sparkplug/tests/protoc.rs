//! Against the reference encoder: `protoc` (protobuf-compiler) with Eclipse Tahu's
//! `sparkplug_b.proto` (tests/data/). Our encodings decode with `protoc --decode` to the same
//! text as the vectors made by `protoc --encode`, and any payload we encode survives
//! `protoc --decode` then `protoc --encode` byte for byte (so protoc reads every field we write
//! the way we meant it, and we write its canonical form).
//!
//! Skipped when `protoc` is not installed, unless `M2M_REQUIRE_PROTOC` is set (as `.ci/run` does).

mod strategies;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use m2m_sparkplug::PayloadView;
use m2m_testkit::vectors::crate_vectors;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestRng, TestRunner};

const MSG: &str = "org.eclipse.tahu.protobuf.Payload";

fn proto_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

#[allow(clippy::unwrap_used, clippy::expect_used)] // a test helper
fn protoc(mode: &str, input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("protoc")
        .arg("--proto_path")
        .arg(proto_dir())
        .arg(mode)
        .arg(MSG)
        .arg("sparkplug_b.proto")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("protoc runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "protoc {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn have_protoc() -> bool {
    let found = Command::new("protoc").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("M2M_REQUIRE_PROTOC").is_none(),
            "protoc is required (M2M_REQUIRE_PROTOC is set) but not installed"
        );
        eprintln!("protoc not installed: skipped (apt-get install protobuf-compiler)");
    }
    found
}

#[test]
fn our_encodings_of_the_vectors_decode_alike_in_protoc() {
    if !have_protoc() {
        return;
    }
    let vectors = crate_vectors(env!("CARGO_MANIFEST_DIR"));
    for v in &vectors {
        let bytes = v.bytes().unwrap();
        let ours = PayloadView::new(&bytes)
            .unwrap()
            .to_repr()
            .unwrap()
            .to_vec()
            .unwrap();
        let canonical = match v.expect.get("canonical_hex") {
            Some(h) => m2m_core::hex::decode(h.as_str().unwrap()).unwrap(),
            None => bytes.clone(),
        };
        let theirs = String::from_utf8(protoc("--decode", &canonical)).unwrap();
        let mine = String::from_utf8(protoc("--decode", &ours)).unwrap();
        assert_eq!(mine, theirs, "{}", v.label());
        assert!(!mine.is_empty(), "{}", v.label());
    }
}

#[test]
fn random_payloads_survive_protoc_decode_and_encode() {
    if !have_protoc() {
        return;
    }
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let strategy = strategies::payload();
    for _ in 0..64 {
        let p = strategy.new_tree(&mut runner).unwrap().current();
        let ours = p.to_vec().unwrap();
        let text = protoc("--decode", &ours);
        let again = protoc("--encode", &text);
        assert_eq!(
            again,
            ours,
            "payload {p:?}\nprotoc text:\n{}",
            String::from_utf8_lossy(&text)
        );
    }
}
