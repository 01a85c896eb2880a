//! Link-format property: whatever `link::check` lets through is written by `link::encode` and
//! read back by `link::parse` (strict) as the same links; whatever it refuses, `encode` refuses.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a property reports a counterexample

use m2m_lwm2m::attributes::Attributes;
use m2m_lwm2m::link::{self, ObjectLink, Target, Version};
use m2m_lwm2m::{Config, Path, Reason};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

fn path() -> impl Strategy<Value = Path<'static>> {
    let levels = prop_oneof![
        1 => Just(vec![]),
        12 => prop::collection::vec(0u16..=65535, 1..=4),
    ];
    (levels, any::<bool>()).prop_map(|(levels, prefixed)| {
        let p = Path::new(&levels).unwrap_or(Path::ROOT);
        if prefixed {
            p.with_prefix("dev1").unwrap_or(p)
        } else {
            p
        }
    })
}

fn target() -> impl Strategy<Value = Target<'static>> {
    prop_oneof![
        6 => path().prop_map(Target::Path),
        2 => prop::sample::select(vec!["/", "/lwm2m", "/lwm2m/"]).prop_map(|path| Target::Root { path }),
        1 => prop::sample::select(vec!["lwm2m", "/a b", "/x>y"]).prop_map(|path| Target::Root { path }),
    ]
}

/// Values from the tame to the troublesome (quotes, escapes, controls), the tame more often so
/// that most cases pass `check`.
fn text() -> impl Strategy<Value = Option<&'static str>> {
    let tame = vec![
        "oma.lwm2m",
        "oma.lwm2m x",
        "110",
        "60 110 11544",
        "coap://server1.example.com",
        "",
        "a\\\"b",
        "tab\there",
    ];
    let troublesome = vec!["a\"b", "tail\\", "line\nbreak"];
    prop_oneof![
        4 => Just(None),
        4 => prop::sample::select(tame).prop_map(Some),
        1 => prop::sample::select(troublesome).prop_map(Some),
    ]
}

/// A `ct` value: mostly Content-Format numbers (RFC 7252 §7.2.1), now and then text that is not.
fn ct() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        4 => Just(None),
        4 => prop::sample::select(vec!["0", "110", "65535", "60 110 11544"]).prop_map(Some),
        1 => prop::sample::select(vec!["", "abc", "60  110", "060", "65536", "a\"b"]).prop_map(Some),
    ]
}

fn version() -> impl Strategy<Value = Option<Version>> {
    prop::option::weighted(
        0.2,
        (0u8..=255, 0u8..=255).prop_map(|(major, minor)| Version { major, minor }),
    )
}

fn attributes() -> impl Strategy<Value = Attributes> {
    let small = || prop::option::weighted(0.2, 0u32..100);
    let float = || {
        prop::option::weighted(
            0.2,
            prop::sample::select(vec![-2.5, 0.0, 1.0, 3.25, 50.0, 1e300]),
        )
    };
    (
        (small(), small(), float(), float(), float()),
        (small(), small(), prop::option::of(any::<bool>())),
        (prop::option::of(any::<bool>()), small()),
    )
        .prop_map(
            |((pmin, pmax, gt, lt, st), (epmin, epmax, edge), (con, hqmax))| Attributes {
                pmin,
                pmax,
                gt,
                lt,
                st,
                epmin,
                epmax,
                edge,
                con,
                hqmax,
            },
        )
}

fn object_link() -> impl Strategy<Value = ObjectLink<'static>> {
    (
        (target(), version(), version(), text(), ct()),
        (
            prop::option::of(prop_oneof![Just(0u8), Just(u8::MAX), any::<u8>()]),
            prop::option::of(prop_oneof![
                1 => Just(0u16),
                1 => Just(u16::MAX),
                8 => 1u16..u16::MAX,
            ]),
            text(),
        ),
        attributes(),
    )
        .prop_map(
            |((target, version, lwm2m, rt, ct), (dim, ssid, uri), attributes)| ObjectLink {
                target,
                version,
                lwm2m,
                rt,
                ct,
                dim,
                ssid,
                uri,
                attributes,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn what_check_lets_through_reads_back(links in prop::collection::vec(object_link(), 1..4)) {
        let mut out = vec![0u8; 4096];
        match link::check(&links) {
            Ok(()) => {
                let n = link::encode(&links, &mut out).unwrap();
                prop_assert_eq!(n, link::encoded_len(&links));
                let text = std::str::from_utf8(&out[..n]).unwrap();
                let back: Vec<_> = link::parse(text, Config::STRICT)
                    .collect::<Result<_, _>>()
                    .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                prop_assert_eq!(back, links, "{}", text);
            }
            Err(e) => {
                prop_assert_eq!(e.reason, Reason::Unrepresentable);
                prop_assert_eq!(link::encode(&links, &mut out), Err(e));
                // Refused for a reason: written anyway, the strict reader refuses the text
                // or reads other links.
                let mut text = String::new();
                link::write_unchecked(&links, &mut text).unwrap();
                let back: Result<Vec<_>, _> = link::parse(&text, Config::STRICT).collect();
                prop_assert!(back.as_ref() != Ok(&links), "{} reads back, yet check refuses", text);
            }
        }
    }
}

/// The strategy is not so hostile that `check` refuses nearly everything: a fair share of
/// cases take the branch that writes and reads back.
#[test]
fn most_cases_pass_check() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = prop::collection::vec(object_link(), 1..4);
    let passed = (0..1000)
        .filter(|_| {
            let links = strategy.new_tree(&mut runner).unwrap().current();
            link::check(&links).is_ok()
        })
        .count();
    assert!(passed >= 100, "{passed} of 1000 pass check");
}
