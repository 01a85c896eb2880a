//! Scripted sessions driven with a fake clock: the edge node here, the host in `host`; the
//! helpers of both.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::string::{String, ToString};
use std::vec::Vec;

use m2m_core::Timestamp;

use super::edge::{EdgeConfig, EdgeEvent, EdgeIncoming, EdgeNode, MemoryStore};
use super::host::{Host, HostConfig, HostEvent, HostIncoming, Ignored, Order};
use super::{BD_SEQ, Input, REBIRTH, SessionError, Transmit};
use crate::payload::PayloadView;
use crate::repr::{Metric, MetricValue, Payload, Seq};
use crate::value::RawValue;

const T0: u64 = 1_700_000_000_000;

fn at(ms: u64) -> Timestamp {
    Timestamp::from_millis(T0 + ms)
}

/// Everything `poll_transmit` yields, as (kind, topic, payload).
fn drain_edge<S: super::edge::BdSeqStore>(
    e: &mut EdgeNode<'_, S>,
) -> Vec<(String, String, Vec<u8>)> {
    let mut buf = [0u8; 1024];
    let mut v = Vec::new();
    while let Some(t) = e.poll_transmit(at(0), &mut buf) {
        v.push(own(t.unwrap()));
    }
    v
}

fn drain_host(h: &mut Host<'_>, now: Timestamp) -> Vec<(String, String, Vec<u8>)> {
    let mut buf = [0u8; 1024];
    let mut v = Vec::new();
    while let Some(t) = h.poll_transmit(now, &mut buf) {
        v.push(own(t.unwrap()));
    }
    v
}

fn own(t: Transmit<'_>) -> (String, String, Vec<u8>) {
    match t {
        Transmit::Subscribe { filter, .. } => ("sub".into(), filter.into(), Vec::new()),
        Transmit::Publish(p) => ("pub".into(), p.topic.into(), p.payload.to_vec()),
        Transmit::Disconnect => ("disconnect".into(), String::new(), Vec::new()),
    }
}

fn metric_named<'a>(p: &PayloadView<'a>, name: &str) -> Option<RawValue<'a>> {
    p.metrics()
        .map(Result::unwrap)
        .find(|m| m.name() == Some(name))
        .and_then(|m| m.raw_value())
}

fn datatype_named(p: &PayloadView<'_>, name: &str) -> Option<u32> {
    p.metrics()
        .map(Result::unwrap)
        .find(|m| m.name() == Some(name))
        .and_then(|m| m.datatype())
}

/// The code of the Int64 datatype.
fn int64() -> Option<u32> {
    Some(crate::datatype::DataType::Int64.code())
}

fn temp(v: f64) -> [Metric<'static>; 1] {
    [Metric::new("Temperature", MetricValue::Double(v))]
}

#[test]
fn edge_session_births_data_and_seq_wrap() {
    let mut e: EdgeNode<'_, MemoryStore> =
        EdgeNode::new(EdgeConfig::new("G", "E"), MemoryStore::default()).unwrap();
    let dev = e.add_device("D").unwrap();
    assert_eq!(e.add_device("D"), Err(SessionError::DuplicateDevice));
    // Its topics would read as a host application's STATE topic.
    assert_eq!(
        EdgeNode::<'_, MemoryStore>::new(EdgeConfig::new("STATE", "E"), MemoryStore::default())
            .err(),
        Some(SessionError::Topic(crate::topic::TopicError::StateGroup))
    );
    let mut buf = [0u8; 512];
    assert_eq!(
        e.data(at(0), &temp(1.0), &mut buf),
        Err(SessionError::NotConnected)
    );
    let will = e.connect(at(0), &mut buf).unwrap();
    assert_eq!(will.topic, "spBv1.0/G/NDEATH/E");
    assert_eq!(will.delivery, crate::topic::Delivery::NDEATH);
    let p = PayloadView::new(will.payload).unwrap();
    assert_eq!(p.seq(), None);
    assert_eq!(metric_named(&p, BD_SEQ), Some(RawValue::Long(0)));
    // bdSeq is an Int64 (tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq).
    assert_eq!(datatype_named(&p, BD_SEQ), int64());
    assert_eq!(e.poll_event(), None);
    e.handle(at(1), Input::Connected).unwrap();
    // No NBIRTH before the command subscriptions are out
    // (tck-id-message-flow-edge-node-ncmd-subscribe).
    assert_eq!(e.poll_event(), None);
    assert_eq!(
        e.birth(at(1), &temp(1.0), &mut buf),
        Err(SessionError::Subscribing)
    );
    let subs = drain_edge(&mut e);
    assert_eq!(
        subs.iter().map(|s| s.1.as_str()).collect::<Vec<_>>(),
        ["spBv1.0/G/NCMD/E", "spBv1.0/G/DCMD/E/+"]
    );
    assert_eq!(e.poll_event(), Some(EdgeEvent::PublishBirths));
    assert_eq!(e.poll_event(), None);
    assert_eq!(
        e.device_birth(at(2), dev, &temp(1.0), &mut buf),
        Err(SessionError::NotBorn)
    );
    let b = e.birth(at(2), &temp(1.0), &mut buf).unwrap();
    assert_eq!(b.topic, "spBv1.0/G/NBIRTH/E");
    let p = PayloadView::new(b.payload).unwrap();
    assert_eq!(p.seq(), Some(0));
    assert_eq!(p.timestamp(), Some(T0 + 2));
    assert_eq!(metric_named(&p, BD_SEQ), Some(RawValue::Long(0)));
    // tck-id-message-flow-edge-node-birth-publish-nbirth-payload-bdSeq.
    assert_eq!(datatype_named(&p, BD_SEQ), int64());
    assert_eq!(metric_named(&p, REBIRTH), Some(RawValue::Boolean(false)));
    assert_eq!(
        e.device_data(at(3), dev, &temp(1.0), &mut buf),
        Err(SessionError::DeviceNotBorn)
    );
    let db = e.device_birth(at(3), dev, &temp(1.0), &mut buf).unwrap();
    assert_eq!(db.topic, "spBv1.0/G/DBIRTH/E/D");
    assert_eq!(PayloadView::new(db.payload).unwrap().seq(), Some(1));
    // 254 more messages reach seq 255, then it wraps to 0.
    for i in 2..=255u64 {
        let d = e.data(at(4), &temp(2.0), &mut buf).unwrap();
        assert_eq!(PayloadView::new(d.payload).unwrap().seq(), Some(i));
    }
    let d = e.device_data(at(5), dev, &temp(3.0), &mut buf).unwrap();
    assert_eq!(d.topic, "spBv1.0/G/DDATA/E/D");
    assert_eq!(PayloadView::new(d.payload).unwrap().seq(), Some(0));
    let dd = e.device_death(at(6), dev, &mut buf).unwrap();
    let p = PayloadView::new(dd.payload).unwrap();
    assert_eq!((p.seq(), p.metric_count()), (Some(1), 0));
    assert!(!e.is_device_born(dev));
    // The metrics the session writes itself are refused from the application.
    let bad = [Metric::new(BD_SEQ, MetricValue::UInt64(9))];
    assert_eq!(
        e.data(at(7), &bad, &mut buf),
        Err(SessionError::ReservedMetric(BD_SEQ))
    );
    // A buffer too small changes nothing.
    let mut small = [0u8; 8];
    assert!(matches!(
        e.data(at(7), &temp(1.0), &mut small),
        Err(SessionError::BufferTooSmall { .. })
    ));
    assert_eq!(e.next_seq(), 2);
    // Intentional disconnect: NDEATH with the same bdSeq, then DISCONNECT.
    let death = e.disconnect(at(8), &mut buf).unwrap();
    assert_eq!(death.topic, "spBv1.0/G/NDEATH/E");
    let p = PayloadView::new(death.payload).unwrap();
    assert_eq!(metric_named(&p, BD_SEQ), Some(RawValue::Long(0)));
    assert_eq!(datatype_named(&p, BD_SEQ), int64());
    assert_eq!(drain_edge(&mut e)[0].0, "disconnect");
    // The next session takes the next bdSeq.
    let will = e.connect(at(9), &mut buf).unwrap();
    let p = PayloadView::new(will.payload).unwrap();
    assert_eq!(metric_named(&p, BD_SEQ), Some(RawValue::Long(1)));
}

fn rebirth_cmd() -> Vec<u8> {
    let m = [Metric::new(REBIRTH, MetricValue::Boolean(true))];
    Payload {
        timestamp: Some(T0),
        metrics: Seq::Borrowed(&m),
        ..Payload::default()
    }
    .to_vec()
    .unwrap()
}

#[test]
fn edge_rebirth_request_stops_data_until_births() {
    let mut e: EdgeNode<'_, MemoryStore> =
        EdgeNode::new(EdgeConfig::new("G", "E"), MemoryStore(Some(41))).unwrap();
    let dev = e.add_device("D").unwrap();
    let mut buf = [0u8; 512];
    e.connect(at(0), &mut buf).unwrap();
    assert_eq!(e.bd_seq(), 42);
    e.handle(at(0), Input::Connected).unwrap();
    drain_edge(&mut e);
    assert_eq!(e.poll_event(), Some(EdgeEvent::PublishBirths));
    e.birth(at(1), &temp(1.0), &mut buf).unwrap();
    e.device_birth(at(1), dev, &temp(1.0), &mut buf).unwrap();
    e.data(at(1), &temp(1.0), &mut buf).unwrap();
    let cmd = rebirth_cmd();
    let r = e
        .handle(
            at(2),
            Input::Message {
                topic: "spBv1.0/G/NCMD/E",
                payload: &cmd,
            },
        )
        .unwrap();
    assert!(matches!(r, EdgeIncoming::Command { device: None, .. }));
    assert_eq!(
        e.data(at(3), &temp(1.0), &mut buf),
        Err(SessionError::NotBorn)
    );
    assert_eq!(e.poll_event(), Some(EdgeEvent::PublishBirths));
    let b = e.birth(at(4), &temp(1.0), &mut buf).unwrap();
    let p = PayloadView::new(b.payload).unwrap();
    // Same bdSeq as the Will of this session (rebirth-action-3), seq back to 0.
    assert_eq!(metric_named(&p, BD_SEQ), Some(RawValue::Long(42)));
    assert_eq!(p.seq(), Some(0));
    assert!(!e.is_device_born(dev));
    // A DCMD for a known device is routed; for another, ignored; other topics too.
    let r = e
        .handle(
            at(5),
            Input::Message {
                topic: "spBv1.0/G/DCMD/E/D",
                payload: &cmd,
            },
        )
        .unwrap();
    assert!(matches!(r, EdgeIncoming::Command { device: Some(d), .. } if d == dev));
    for topic in [
        "spBv1.0/G/DCMD/E/X",
        "spBv1.0/G/NCMD/OTHER",
        "not/sparkplug",
    ] {
        let r = e
            .handle(
                at(5),
                Input::Message {
                    topic,
                    payload: &cmd,
                },
            )
            .unwrap();
        assert_eq!(r, EdgeIncoming::Ignored, "{topic}");
    }
    // A malformed command payload is an error, and the session goes on.
    assert!(
        e.handle(
            at(5),
            Input::Message {
                topic: "spBv1.0/G/NCMD/E",
                payload: &[0xff],
            },
        )
        .is_err()
    );
    assert!(e.data(at(6), &temp(1.0), &mut buf).is_ok());
}

fn state(online: bool, ts: u64) -> String {
    std::format!(r#"{{"online":{online},"timestamp":{ts}}}"#)
}

#[test]
fn edge_waits_for_primary_host_and_leaves_when_it_goes_offline() {
    let mut e: EdgeNode<'_, MemoryStore> = EdgeNode::new(
        EdgeConfig::new("G", "E").with_primary_host("scada"),
        MemoryStore::default(),
    )
    .unwrap();
    let mut buf = [0u8; 512];
    e.connect(at(0), &mut buf).unwrap();
    e.handle(at(0), Input::Connected).unwrap();
    let subs = drain_edge(&mut e);
    assert_eq!(subs.last().unwrap().1, "spBv1.0/STATE/scada");
    assert_eq!(e.poll_event(), None);
    assert_eq!(
        e.birth(at(1), &temp(1.0), &mut buf),
        Err(SessionError::HostOffline)
    );
    let msg = |e: &mut EdgeNode<'_, MemoryStore>, topic: &str, s: &str| {
        e.handle(
            at(1),
            Input::Message {
                topic,
                payload: s.as_bytes(),
            },
        )
        .unwrap()
            == EdgeIncoming::Ignored
    };
    // Another host's STATE changes nothing.
    assert!(msg(&mut e, "spBv1.0/STATE/other", &state(true, 10)));
    assert_eq!(e.poll_event(), None);
    assert!(!msg(&mut e, "spBv1.0/STATE/scada", &state(true, 10)));
    assert_eq!(e.poll_event(), Some(EdgeEvent::PublishBirths));
    e.birth(at(2), &temp(1.0), &mut buf).unwrap();
    // An older offline STATE is ignored (termination-host-offline-timestamp).
    assert!(msg(&mut e, "spBv1.0/STATE/scada", &state(false, 9)));
    assert!(e.data(at(3), &temp(1.0), &mut buf).is_ok());
    assert!(drain_edge(&mut e).is_empty());
    // A current one: NDEATH, then DISCONNECT.
    assert!(!msg(&mut e, "spBv1.0/STATE/scada", &state(false, 10)));
    assert_eq!(e.poll_event(), Some(EdgeEvent::HostOffline));
    let out = drain_edge(&mut e);
    assert_eq!(out.len(), 2);
    assert_eq!(
        (out[0].0.as_str(), out[0].1.as_str()),
        ("pub", "spBv1.0/G/NDEATH/E")
    );
    assert_eq!(out[1].0, "disconnect");
    assert_eq!(
        e.data(at(4), &temp(1.0), &mut buf),
        Err(SessionError::NotConnected)
    );
    // Bad STATE JSON is an error; the next session still works.
    e.connect(at(5), &mut buf).unwrap();
    e.handle(at(5), Input::Connected).unwrap();
    assert!(
        e.handle(
            at(5),
            Input::Message {
                topic: "spBv1.0/STATE/scada",
                payload: b"{"
            }
        )
        .is_err()
    );
    // A STATE's timestamp counts within its connection: on another broker (or after the
    // host's clock stepped back) an online STATE older than the last one seen is the host's
    // state there (tck-id-operational-behavior-host-application-multi-server-timestamp).
    drain_edge(&mut e);
    e.handle(at(6), Input::Disconnected).unwrap();
    e.connect(at(7), &mut buf).unwrap();
    e.handle(at(7), Input::Connected).unwrap();
    drain_edge(&mut e);
    while e.poll_event().is_some() {}
    assert!(!msg(&mut e, "spBv1.0/STATE/scada", &state(true, 5)));
    assert_eq!(e.poll_event(), Some(EdgeEvent::PublishBirths));
}

#[test]
fn edge_data_from_samples_with_aliases() {
    use crate::datatype::DataType;
    use m2m_core::{Sample, SampleKey, Value as CoreValue};
    let mut e: EdgeNode<'_, MemoryStore> =
        EdgeNode::new(EdgeConfig::new("G", "E"), MemoryStore::default()).unwrap();
    let dev = e.add_device("D").unwrap();
    let mut buf = [0u8; 512];
    e.connect(at(0), &mut buf).unwrap();
    e.handle(at(0), Input::Connected).unwrap();
    drain_edge(&mut e);
    let samples = [
        Sample::new(SampleKey::Name("t"), CoreValue::F64(21.5)),
        Sample::new(SampleKey::Name("n"), CoreValue::I64(-4)),
    ];
    let map = |k: &SampleKey<'_>| match k {
        SampleKey::Name("t") => Some((1, DataType::Double)),
        SampleKey::Name("n") => Some((2, DataType::Int16)),
        _ => None,
    };
    assert_eq!(
        e.data_samples(at(1), None, &samples, map, &mut buf),
        Err(SessionError::NotBorn)
    );
    e.birth(at(1), &temp(1.0), &mut buf).unwrap();
    assert_eq!(
        e.data_samples(at(1), Some(dev), &samples, map, &mut buf),
        Err(SessionError::DeviceNotBorn)
    );
    let p = e
        .data_samples(at(2), None, &samples, map, &mut buf)
        .unwrap();
    assert_eq!(p.topic, "spBv1.0/G/NDATA/E");
    let v = PayloadView::new(p.payload).unwrap();
    assert_eq!(v.seq(), Some(1));
    let types = |a| match a {
        1 => Some(DataType::Double.code()),
        2 => Some(DataType::Int16.code()),
        _ => None,
    };
    let back: Vec<_> = v.samples_with(types).map(Result::unwrap).collect();
    let ts = Some(at(2));
    assert_eq!(
        back,
        [
            Sample {
                timestamp: ts,
                ..Sample::new(SampleKey::Alias(1), CoreValue::F64(21.5))
            },
            Sample {
                timestamp: ts,
                ..Sample::new(SampleKey::Alias(2), CoreValue::I64(-4))
            },
        ]
    );
    // Unknown key, value out of range, buffer too small: errors, seq unchanged.
    let unknown = [Sample::new(SampleKey::Name("x"), CoreValue::I64(1))];
    assert_eq!(
        e.data_samples(at(3), None, &unknown, map, &mut buf),
        Err(SessionError::Payload(crate::Error::NoKey))
    );
    let big = [Sample::new(SampleKey::Name("n"), CoreValue::I64(70_000))];
    assert!(matches!(
        e.data_samples(at(3), None, &big, map, &mut buf),
        Err(SessionError::Payload(crate::Error::Range { .. }))
    ));
    let mut small = [0u8; 30];
    assert!(matches!(
        e.data_samples(at(3), None, &samples, map, &mut small),
        Err(SessionError::BufferTooSmall { .. })
    ));
    assert_eq!(e.next_seq(), 2);
}

mod host;
