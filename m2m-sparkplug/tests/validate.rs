//! The validator over the golden vectors of tests/vectors (made with `protoc --encode`): the
//! Sparkplug messages of messages.json as the type their description names, every other vector
//! as a message of unknown type (the checks that hold for any payload). Each has exactly the
//! violations listed here, with the reason.

use m2m_sparkplug::validate::{Context, Level, Rule, validate_all};
use m2m_sparkplug::{MessageType, PayloadView};
use m2m_testkit::vectors::crate_vectors;

/// The message type a vector's description starts with (`"NBIRTH: ..."`).
fn message_type(description: &str) -> MessageType<'_> {
    let head = description.split(':').next().unwrap_or("");
    match MessageType::parse(head) {
        MessageType::Unknown(_) => MessageType::Unknown("?"),
        known => known,
    }
}

/// The violations each vector has on purpose (or by the letter of a statement), by the start of
/// its description; every other vector has none.
const EXPECTED: &[(&str, &[Rule], &str)] = &[
    (
        "NBIRTH:",
        &[Rule::AliasBirth],
        "bdSeq has no alias while the other metrics have one: the birth statement asks for both on \
         every metric once aliases are used, and only Node Control/Rebirth is excepted",
    ),
    (
        "DDATA:",
        &[Rule::DatatypeNotReq],
        "carries datatypes, which data messages SHOULD NOT (as Tahu Java does)",
    ),
    (
        "NCMD:",
        &[Rule::DatatypeNotReq],
        "the rebirth request carries its Boolean datatype, as the specification's own example",
    ),
    (
        "DCMD:",
        &[Rule::DatatypeNotReq],
        "the write carries its datatype",
    ),
];

#[test]
fn golden_vectors_have_the_documented_violations() {
    let vectors = crate_vectors(env!("CARGO_MANIFEST_DIR"));
    let mut typed = 0;
    for v in &vectors {
        let bytes = v.bytes().expect("hex");
        let view = PayloadView::new(&bytes).unwrap();
        let description = v.description.as_str();
        let t = message_type(description);
        if !matches!(t, MessageType::Unknown(_)) {
            typed += 1;
        }
        let expected = EXPECTED
            .iter()
            .find(|(start, _, _)| description.starts_with(start))
            .map_or(&[][..], |(_, rules, _)| rules);
        // SHOULD statements too; then only the MUSTs.
        for should in [true, false] {
            let ctx = Context {
                should,
                ..Context::default()
            };
            let found: Vec<Rule> = validate_all(&view, t, &ctx)
                .unwrap_or_else(|e| panic!("{}: {e}", v.label()))
                .iter()
                .map(|x| x.rule)
                .collect();
            let want: Vec<Rule> = expected
                .iter()
                .copied()
                .filter(|r| should || r.level() == Level::Must)
                .collect();
            assert_eq!(found, want, "{} as {t}", v.label());
        }
    }
    assert_eq!(typed, 7, "one vector per Sparkplug message type but DDEATH");
}

/// The NDATA vector carries seq 255: right when 255 is expected, reported otherwise.
#[test]
fn sequence_of_the_golden_ndata() {
    let vectors = crate_vectors(env!("CARGO_MANIFEST_DIR"));
    let v = vectors
        .iter()
        .find(|v| v.description.starts_with("NDATA:"))
        .unwrap();
    let bytes = v.bytes().unwrap();
    let view = PayloadView::new(&bytes).unwrap();
    let at = |seq| validate_all(&view, MessageType::NData, &Context::session(seq, 0)).unwrap();
    assert!(at(255).is_empty());
    let wrong = at(254);
    assert_eq!(wrong.len(), 1);
    assert_eq!(wrong[0].rule, Rule::NDataSeqInc);
    assert_eq!(wrong[0].rule.tck_id(), "tck-id-payloads-ndata-seq-inc");
}
