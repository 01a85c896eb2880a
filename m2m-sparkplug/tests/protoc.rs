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

/// A length-delimited field: `key`, a one-byte length, `body`.
#[allow(clippy::unwrap_used)] // a test helper
fn ld(key: &[u8], body: &[u8]) -> Vec<u8> {
    let mut v = key.to_vec();
    v.push(u8::try_from(body.len()).unwrap());
    v.extend_from_slice(body);
    v
}

/// Payloads with a singular message field (or a oneof message member) in several
/// occurrences, one for each such field of the schema (the same bytes as the tests of
/// `src/parts.rs`).
fn merge_cases() -> Vec<(&'static str, Vec<u8>)> {
    let metric = |body: &[&[u8]]| ld(&[0x12], &body.concat());
    let in_property = |value: &[u8]| metric(&[&ld(&[0x4a], &ld(&[0x12], value))]);
    let set = |k: u8| [&[0x0a, 0x01, k][..], &ld(&[0x12], &[0x08, 0x03, 0x18, k])].concat();
    let ext = |key: u8| [ld(&[key], &[0x08, 0x01]), ld(&[key], &[0x10, 0x02])].concat();
    let m1 = ld(&[0x12], &[0x0a, 0x02, b'm', b'1']);
    let m2 = ld(&[0x12], &[0x0a, 0x02, b'm', b'2']);
    let p1 = ld(&[0x1a], &[0x0a, 0x01, b'p', 0x10, 0x07, 0x18, 0x09]);
    let t1 = [&[0x0a, 0x01, b'1'][..], &m1, &p1, &[0x28, 0x01]].concat();
    let t2 = [&[0x0a, 0x01, b'2'][..], &m2, &[0x22, 0x01, b'T']].concat();
    let row = |v: u8| ld(&[0x22], &ld(&[0x0a], &[0x08, v]));
    vec![
        (
            "Metric.metadata",
            metric(&[
                &ld(&[0x42], &[0x08, 0x01, 0x12, 0x01, b'a', 0x18, 0x03]),
                &[0x10, 0x01],
                &ld(&[0x42], &[0x12, 0x01, b'b', 0x20, 0x04]),
            ]),
        ),
        (
            "Metric.properties",
            metric(&[
                &ld(
                    &[0x4a],
                    &[
                        &[0x0a, 0x01, b'a'][..],
                        &ld(&[0x12], &[0x08, 0x03, 0x18, 0x01]),
                    ]
                    .concat(),
                ),
                &ld(
                    &[0x4a],
                    &[
                        &[0x0a, 0x01, b'b'][..],
                        &ld(&[0x12], &[0x08, 0x0c, 0x42, 0x01, b'x']),
                    ]
                    .concat(),
                ),
            ]),
        ),
        (
            "Metric.dataset_value, another member between",
            metric(&[
                &[0x0a, 0x01, b'm'],
                &ld(&[0x8a, 0x01], &[0x08, 0x02, 0x12, 0x01, b'a', 0x18, 0x03]),
                &[0x50, 0x07],
                &ld(&[0x8a, 0x01], &[0x12, 0x01, b'b', 0x18, 0x0c, 0x08, 0x05]),
                &ld(&[0x8a, 0x01], &[0x12, 0x01, b'c']),
            ]),
        ),
        (
            "Metric.dataset_value rows",
            metric(&[&ld(&[0x8a, 0x01], &row(1)), &ld(&[0x8a, 0x01], &row(2))]),
        ),
        (
            "Metric.template_value",
            metric(&[
                &ld(&[0x92, 0x01], &[]),
                &ld(&[0x92, 0x01], &t1),
                &[0x38, 0x00],
                &ld(&[0x92, 0x01], &t2),
            ]),
        ),
        (
            "Metric.extension_value",
            metric(&[
                &ld(&[0x9a, 0x01], &[0x08, 0x05]),
                &ld(&[0x9a, 0x01], &[0x08, 0x06]),
            ]),
        ),
        (
            "PropertyValue.propertyset_value",
            in_property(&[ld(&[0x4a], &set(b'a')), ld(&[0x4a], &set(b'b'))].concat()),
        ),
        (
            "PropertyValue.propertysets_value",
            in_property(
                &[
                    ld(&[0x52], &ld(&[0x0a], &set(b'a'))),
                    ld(&[0x52], &ld(&[0x0a], &set(b'b'))),
                ]
                .concat(),
            ),
        ),
        ("PropertyValue.extension_value", in_property(&ext(0x5a))),
        (
            "Template.Parameter.extension_value",
            metric(&[&ld(&[0x92, 0x01], &ld(&[0x1a], &ext(0x4a)))]),
        ),
        (
            "DataSet.DataSetValue.extension_value",
            metric(&[&ld(&[0x8a, 0x01], &ld(&[0x22], &ld(&[0x0a], &ext(0x3a))))]),
        ),
    ]
}

/// protoc merges the occurrences of a singular message field; our views read the same
/// message: written out again from what they read (each message once), the payload decodes in
/// protoc to the same text as the original.
#[test]
fn merged_message_fields_read_as_protoc_reads_them() {
    if !have_protoc() {
        return;
    }
    for (label, bytes) in merge_cases() {
        let theirs = String::from_utf8(protoc("--decode", &bytes)).unwrap();
        let ours = PayloadView::new(&bytes)
            .unwrap()
            .to_repr()
            .unwrap()
            .to_vec()
            .unwrap();
        assert_ne!(ours, bytes, "{label}: the input has a field twice");
        let mine = String::from_utf8(protoc("--decode", &ours)).unwrap();
        assert_eq!(mine, theirs, "{label}");
        if std::env::var_os("M2M_SHOW_PROTOC").is_some() {
            eprintln!("{label}:\n{theirs}");
        }
    }
}
