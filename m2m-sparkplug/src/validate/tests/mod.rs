//! Unit tests of the validator: each rule broken once, valid payloads clean. Header, metric,
//! bdSeq and topic rules here; the nested messages (PropertySet, DataSet, Template) in `nested.rs`.

use std::string::ToString;
use std::vec;
use std::vec::Vec;

use super::*;
use crate::repr::{
    DataSet, Metric, MetricValue, Parameter, Payload, PropertySet, PropertyValue, Raw, Row,
    Template,
};

const T: u64 = 1_700_000_000_000;

fn m<'a>(name: &'a str, value: MetricValue<'a>) -> Metric<'a> {
    Metric {
        timestamp: Some(T),
        ..Metric::new(name, value)
    }
}

fn aliased<'a>(alias: u64, name: &'a str, value: MetricValue<'a>) -> Metric<'a> {
    Metric {
        alias: Some(alias),
        ..m(name, value)
    }
}

fn payload<'a>(seq: Option<u64>, metrics: Vec<Metric<'a>>) -> Payload<'a> {
    Payload {
        timestamp: Some(T),
        metrics: metrics.into(),
        seq,
        ..Payload::default()
    }
}

fn nbirth_metrics<'a>() -> Vec<Metric<'a>> {
    vec![
        m(BD_SEQ, MetricValue::UInt64(0)),
        m(REBIRTH, MetricValue::Boolean(false)),
        m("Temperature", MetricValue::Int32(21)),
    ]
}

fn nbirth<'a>() -> Payload<'a> {
    payload(Some(0), nbirth_metrics())
}

/// The rules violated by `p` as `t`, sorted.
fn rules(p: &Payload<'_>, t: MessageType<'_>, ctx: &Context) -> Vec<Rule> {
    let bytes = p.to_vec().unwrap();
    let view = PayloadView::new(&bytes).unwrap();
    let mut v: Vec<Rule> = validate_all(&view, t, ctx)
        .unwrap()
        .iter()
        .map(|v| v.rule)
        .collect();
    v.sort();
    v
}

fn check(p: &Payload<'_>, t: MessageType<'_>, expected: &[Rule]) {
    check_in(p, t, &Context::default(), expected);
}

fn check_in(p: &Payload<'_>, t: MessageType<'_>, ctx: &Context, expected: &[Rule]) {
    let mut e = expected.to_vec();
    e.sort();
    assert_eq!(rules(p, t, ctx), e, "{t} {p:?}");
}

use MessageType::{DBirth, DCmd, DData, DDeath, NBirth, NCmd, NData, NDeath};

fn clean<'a>() -> [(Payload<'a>, MessageType<'static>); 8] {
    let data = || {
        vec![Metric {
            timestamp: Some(T),
            ..Metric::aliased(1, MetricValue::Raw(Raw::Int(5)))
        }]
    };
    [
        (nbirth(), NBirth),
        (
            payload(Some(1), vec![m("Output", MetricValue::Boolean(true))]),
            DBirth,
        ),
        (payload(Some(2), data()), NData),
        (payload(Some(3), data()), DData),
        (
            payload(None, vec![m(BD_SEQ, MetricValue::Int64(7))]),
            NDeath,
        ),
        (payload(Some(4), vec![]), DDeath),
        (
            payload(
                None,
                vec![Metric {
                    datatype: None,
                    ..m(REBIRTH, MetricValue::Boolean(true))
                }],
            ),
            NCmd,
        ),
        (
            payload(
                None,
                vec![Metric::aliased(1, MetricValue::Raw(Raw::Boolean(true)))],
            ),
            DCmd,
        ),
    ]
}

#[test]
fn valid_messages_have_no_violation() {
    for (p, t) in clean() {
        check(&p, t, &[]);
        let ctx = Context {
            should: true,
            ..Context::session(
                match t {
                    DBirth => 1,
                    NData => 2,
                    DData => 3,
                    _ => 4,
                },
                if t == NDeath { 7 } else { 0 },
            )
        };
        check_in(&p, t, &ctx, &[]);
    }
    // Aliases in use: every birth metric has one, the rebirth metric excepted.
    let p = payload(
        Some(0),
        vec![
            aliased(0, BD_SEQ, MetricValue::UInt64(0)),
            m(REBIRTH, MetricValue::Boolean(false)),
            aliased(1, "Temperature", MetricValue::Int32(21)),
        ],
    );
    check(&p, NBirth, &[]);
    // A rebirth request by name when aliases are in use.
    let ctx = Context {
        aliases: Some(true),
        ..Context::default()
    };
    check_in(
        &payload(None, vec![m(REBIRTH, MetricValue::Boolean(true))]),
        NCmd,
        &ctx,
        &[],
    );
}

#[test]
fn timestamps() {
    let rules = [
        Rule::NBirthTimestamp,
        Rule::DBirthTimestamp,
        Rule::NDataTimestamp,
        Rule::DDataTimestamp,
        Rule::NDeathSeq, // placeholder: NDEATH needs no timestamp
        Rule::DDeathTimestamp,
        Rule::NCmdTimestamp,
        Rule::DCmdTimestamp,
    ];
    for ((mut p, t), rule) in clean().into_iter().zip(rules) {
        p.timestamp = None;
        let expected = [rule];
        check(&p, t, if t == NDeath { &[] } else { &expected });
    }
}

#[test]
fn sequence_numbers() {
    let mut p = nbirth();
    p.seq = None;
    check(&p, NBirth, &[Rule::NBirthSeq]);
    p.seq = Some(256);
    check(&p, NBirth, &[Rule::NBirthSeq]);
    p.seq = Some(5);
    check(&p, NBirth, &[Rule::NBirthSeqZero]);
    // An NBIRTH starts the count: the expected seq does not apply.
    p.seq = Some(0);
    check_in(&p, NBirth, &Context::session(9, 0), &[]);

    let counted = [
        (DBirth, Rule::DBirthSeq, Rule::DBirthSeqInc),
        (NData, Rule::NDataSeq, Rule::NDataSeqInc),
        (DData, Rule::DDataSeq, Rule::DDataSeqInc),
        (DDeath, Rule::DDeathSeq, Rule::DDeathSeqInc),
    ];
    for (t, missing, inc) in counted {
        let (mut p, _) = clean().into_iter().find(|(_, u)| *u == t).unwrap();
        p.seq = None;
        check(&p, t, &[missing]);
        p.seq = Some(300);
        check(&p, t, &[inc]);
        p.seq = Some(10);
        check_in(&p, t, &Context::session(11, 0), &[inc]);
        check_in(&p, t, &Context::session(10, 0), &[]);
        check(&p, t, &[]);
    }
    for (t, rule) in [
        (NDeath, Rule::NDeathSeq),
        (NCmd, Rule::NCmdSeq),
        (DCmd, Rule::DCmdSeq),
    ] {
        let (mut p, _) = clean().into_iter().find(|(_, u)| *u == t).unwrap();
        p.seq = Some(0);
        check(&p, t, &[rule]);
    }
}

#[test]
fn names_and_aliases() {
    let anonymous = Metric {
        timestamp: Some(T),
        value: Some(MetricValue::Raw(Raw::Int(1))),
        ..Metric::default()
    };
    check(
        &payload(Some(0), vec![anonymous]),
        NData,
        &[Rule::NameRequired],
    );

    // Birth metric without name: with an alias, and without.
    let mut ms = nbirth_metrics();
    ms.push(Metric {
        name: None,
        ..m("x", MetricValue::Int32(1))
    });
    check(
        &payload(Some(0), ms.clone()),
        NBirth,
        &[Rule::NameRequired, Rule::NBirthMetrics],
    );
    let mut p = payload(
        Some(1),
        vec![Metric {
            name: None,
            alias: Some(3),
            ..m("x", MetricValue::Int32(1))
        }],
    );
    check(&p, DBirth, &[Rule::DBirthMetrics, Rule::AliasBirth]);

    // Aliases in use, one birth metric without.
    p.metrics = vec![
        aliased(1, "a", MetricValue::Int32(1)),
        m("b", MetricValue::Int32(2)),
    ]
    .into();
    check(&p, DBirth, &[Rule::AliasBirth]);
    // The same alias twice.
    p.metrics = vec![
        aliased(1, "a", MetricValue::Int32(1)),
        aliased(2, "b", MetricValue::Int32(2)),
        aliased(1, "c", MetricValue::Int32(3)),
    ]
    .into();
    let v = validate_all(
        &PayloadView::new(&p.to_vec().unwrap()).unwrap(),
        DBirth,
        &Context::default(),
    )
    .unwrap()
    .into_iter()
    .map(|v| (v.rule, v.metric))
    .collect::<Vec<_>>();
    assert_eq!(v, [(Rule::AliasUniqueness, Some(2))]);

    // Data and commands with aliases in use: alias only.
    let ctx = Context {
        aliases: Some(true),
        ..Context::default()
    };
    for t in [NData, DData, NCmd, DCmd] {
        let seq = matches!(t, NData | DData).then_some(2);
        let named = payload(
            seq,
            vec![Metric {
                datatype: None,
                ..m("a", MetricValue::Int32(1))
            }],
        );
        check_in(&named, t, &ctx, &[Rule::AliasDataCmd]);
        let both = payload(
            seq,
            vec![Metric {
                datatype: None,
                ..aliased(1, "a", MetricValue::Int32(1))
            }],
        );
        check(&both, t, &[Rule::AliasDataCmd]);
        // Without aliases in use a name alone is fine.
        check(&named, t, &[]);
    }
}

#[test]
fn metric_fields_in_births() {
    for (t, seq, values) in [
        (NBirth, 0, Rule::NBirthValues),
        (DBirth, 1, Rule::DBirthValues),
    ] {
        let base = if t == NBirth {
            nbirth_metrics()
        } else {
            vec![]
        };
        let with = |extra: Metric<'static>| {
            let mut ms = base.clone();
            ms.push(extra);
            payload(Some(seq), ms)
        };
        check(
            &with(Metric {
                datatype: None,
                ..m("a", MetricValue::Int32(1))
            }),
            t,
            &[Rule::DatatypeReq],
        );
        check(
            &with(Metric {
                timestamp: None,
                ..m("a", MetricValue::Int32(1))
            }),
            t,
            &[Rule::MetricTimestamp],
        );
        check(
            &with(Metric {
                is_null: Some(true),
                ..m("a", MetricValue::Int32(1))
            }),
            t,
            &[values],
        );
        check(
            &with(Metric {
                value: None,
                ..m("a", MetricValue::Int32(1))
            }),
            t,
            &[values],
        );
        check(
            &with(Metric {
                is_null: Some(true),
                value: None,
                ..m("a", MetricValue::Int32(1))
            }),
            t,
            &[],
        );
        check(
            &with(Metric {
                datatype: Some(3),
                ..m("a", MetricValue::String("x".into()))
            }),
            t,
            &[values],
        );
        check(
            &with(Metric {
                datatype: Some(0),
                ..m("a", MetricValue::Int32(1))
            }),
            t,
            &[Rule::DatatypeValue],
        );
        check(
            &with(Metric {
                datatype: Some(99),
                ..m("a", MetricValue::Int32(1))
            }),
            t,
            &[Rule::DatatypeValue],
        );
    }
    // Data messages: timestamps on metrics; a datatype is a SHOULD NOT.
    let p = payload(
        Some(2),
        vec![Metric::aliased(1, MetricValue::Raw(Raw::Int(5)))],
    );
    check(&p, NData, &[Rule::MetricTimestamp]);
    check(&p, DData, &[Rule::MetricTimestamp]);
    check(&p, NCmd, &[Rule::NCmdSeq]);
    let p = payload(Some(2), vec![aliased(1, "a", MetricValue::Int32(5))]);
    let should = Context {
        should: true,
        aliases: Some(false),
        ..Context::default()
    };
    check_in(&p, NData, &should, &[Rule::DatatypeNotReq]);
    check_in(
        &p,
        NData,
        &Context {
            should: false,
            ..should
        },
        &[],
    );
    assert_eq!(Rule::DatatypeNotReq.level(), Level::Should);
}

#[test]
fn command_values() {
    for (t, rule) in [(NCmd, Rule::NCmdMetricValue), (DCmd, Rule::DCmdMetricValue)] {
        let bad = payload(
            None,
            vec![Metric {
                datatype: Some(11),
                ..m("Out", MetricValue::String("on".into()))
            }],
        );
        check(&bad, t, &[rule]);
        let none = payload(
            None,
            vec![Metric {
                value: None,
                ..m("Out", MetricValue::Boolean(true))
            }],
        );
        check(&none, t, &[rule]);
        // No value is never a compatible one, whatever the datatype, or with none.
        let named = Metric {
            name: Some("Output".into()),
            ..Metric::default()
        };
        check(&payload(None, vec![named]), t, &[rule]);
        let aliased = Metric {
            alias: Some(7),
            ..Metric::default()
        };
        check(&payload(None, vec![aliased]), t, &[rule]);
        let null = Metric {
            alias: Some(7),
            is_null: Some(true),
            ..Metric::default()
        };
        check(&payload(None, vec![null]), t, &[]);
        check(
            &payload(None, vec![m("Out", MetricValue::Boolean(false))]),
            t,
            &[],
        );
    }
    let request = payload(None, vec![m(REBIRTH, MetricValue::Boolean(false))]);
    check(&request, NCmd, &[Rule::RebirthRequestValue]);
}

#[test]
fn nbirth_bdseq_and_rebirth() {
    let replace = |i: usize, with: Option<Metric<'static>>| {
        let mut ms = nbirth_metrics();
        match with {
            Some(x) => ms[i] = x,
            None => {
                ms.remove(i);
            }
        }
        payload(Some(0), ms)
    };
    check(&replace(0, None), NBirth, &[Rule::NBirthBdSeq]);
    check(
        &replace(0, Some(m(BD_SEQ, MetricValue::Int64(0)))),
        NBirth,
        &[],
    );
    check(
        &replace(0, Some(m(BD_SEQ, MetricValue::String("0".into())))),
        NBirth,
        &[Rule::NBirthBdSeqMetric],
    );
    check_in(
        &nbirth(),
        NBirth,
        &Context::session(0, 3),
        &[Rule::NBirthBdSeqRepeat],
    );
    check_in(&nbirth(), NBirth, &Context::session(0, 0), &[]);

    check(&replace(1, None), NBirth, &[Rule::NBirthRebirth]);
    check(
        &replace(1, Some(m(REBIRTH, MetricValue::Boolean(true)))),
        NBirth,
        &[Rule::RebirthValue],
    );
    check(
        &replace(
            1,
            Some(Metric {
                datatype: Some(12),
                ..m(REBIRTH, MetricValue::Boolean(false))
            }),
        ),
        NBirth,
        &[Rule::RebirthDatatype, Rule::NBirthValues],
    );
    check(
        &replace(1, Some(m(REBIRTH, MetricValue::String("false".into())))),
        NBirth,
        &[Rule::RebirthDatatype, Rule::RebirthValue],
    );
    // An alias on the rebirth metric (the others have theirs).
    let p = payload(
        Some(0),
        vec![
            aliased(0, BD_SEQ, MetricValue::UInt64(0)),
            aliased(1, REBIRTH, MetricValue::Boolean(false)),
        ],
    );
    check(&p, NBirth, &[Rule::RebirthAlias]);
}

#[test]
fn ndeath() {
    let bd = |v: MetricValue<'static>| payload(None, vec![m(BD_SEQ, v)]);
    check(&bd(MetricValue::UInt64(255)), NDeath, &[]);
    check(&bd(MetricValue::UInt64(256)), NDeath, &[Rule::WillBdSeq]);
    check(&bd(MetricValue::Boolean(false)), NDeath, &[Rule::WillBdSeq]);
    // An Int64 in int_value (the 32-bit field): not the value of its datatype.
    let in_int = Metric {
        datatype: Some(4),
        ..m(BD_SEQ, MetricValue::Raw(Raw::Int(3)))
    };
    check(&payload(None, vec![in_int]), NDeath, &[Rule::WillBdSeq]);
    check_in(
        &bd(MetricValue::UInt64(4)),
        NDeath,
        &Context::session(0, 5),
        &[Rule::NDeathBdSeq],
    );
    check(&payload(None, vec![]), NDeath, &[Rule::NDeathPayload]);
    let two = payload(
        None,
        vec![
            m(BD_SEQ, MetricValue::UInt64(1)),
            m("x", MetricValue::Int32(1)),
        ],
    );
    check(&two, NDeath, &[Rule::NDeathPayload]);
}

mod nested;

#[test]
fn topics() {
    let ok = MessageTopic {
        group: "G",
        message_type: DData,
        edge_node: "E",
        device: Some("D"),
    };
    let run = |t: &MessageTopic<'_>| {
        let mut v = Vec::new();
        validate_topic(t, &mut |x| v.push(x.rule));
        v
    };
    assert_eq!(run(&ok), []);
    assert_eq!(
        run(&MessageTopic { group: "a+b", ..ok }),
        [Rule::TopicGroupId]
    );
    assert_eq!(
        run(&MessageTopic {
            edge_node: "",
            ..ok
        }),
        [Rule::TopicEdgeNodeId]
    );
    assert_eq!(
        run(&MessageTopic {
            device: Some("#"),
            ..ok
        }),
        [Rule::TopicDeviceId]
    );
    assert_eq!(
        run(&MessageTopic { device: None, ..ok }),
        [Rule::TopicDeviceRequired]
    );
    assert_eq!(
        run(&MessageTopic {
            message_type: NData,
            ..ok
        }),
        [Rule::TopicDeviceForbidden]
    );
    assert_eq!(
        run(&MessageTopic {
            message_type: NData,
            device: None,
            ..ok
        }),
        []
    );
    // STATE: no group id (a topic with it reads as a host application's STATE topic), and a
    // message type without a device id.
    assert_eq!(
        run(&MessageTopic {
            group: "STATE",
            ..ok
        }),
        [Rule::TopicGroupId]
    );
    assert_eq!(
        run(&MessageTopic {
            message_type: MessageType::Unknown("STATE"),
            ..ok
        }),
        [Rule::TopicDeviceForbidden]
    );
}

#[test]
fn path_capacity() {
    let mut p = Path::EMPTY;
    for i in 0..Path::CAPACITY + 2 {
        p = p.then(Step::Row(i));
    }
    assert_eq!(p.steps().len(), Path::CAPACITY);
    assert!(p.is_truncated());
    assert!(p.to_string().ends_with("..."));
}

#[test]
fn malformed_payloads_are_errors() {
    // One metric whose name is not UTF-8.
    let view = PayloadView::new(&[0x12, 0x03, 0x0a, 0x01, 0xff]).unwrap();
    for t in [NBirth, NData, NDeath, MessageType::Unknown("X")] {
        assert!(validate_all(&view, t, &Context::default()).is_err());
    }
}

#[test]
fn rule_ids_are_unique_and_documented() {
    let doc = include_str!("../mod.rs");
    let table = doc
        .split("# Coverage")
        .nth(1)
        .unwrap()
        .split("#![warn")
        .next()
        .unwrap();
    let mut ids: Vec<&str> = Vec::new();
    for r in Rule::ALL {
        assert!(r.tck_id().starts_with("tck-id-"), "{r:?}");
        assert_eq!(r.to_string(), r.tck_id());
        assert_eq!(Rule::from_tck_id(r.tck_id()), Some(*r));
        let row = std::format!("//! | `{r:?}`");
        let line = table
            .lines()
            .find(|l| l.starts_with(&row))
            .unwrap_or_else(|| panic!("{r:?} not in the table"));
        assert!(line.contains(&std::format!("`{}`", r.tck_id())), "{r:?}");
        ids.push(r.tck_id());
        for a in r.also() {
            assert!(line.contains(&std::format!("`{a}`")), "{r:?} {a}");
            assert!(Rule::from_tck_id(a).is_some());
            ids.push(a);
        }
    }
    assert_eq!(Rule::ALL.len(), 71);
    let main: Vec<&str> = Rule::ALL.iter().map(Rule::tck_id).collect();
    let mut unique = main.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), main.len());
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 95, "the count in the module documentation");
}
