//! Properties of the sessions under random event orders: the edge node never sends a `seq` out of
//! order (NBIRTH 0, then +1 modulo 256 across every N*/D* message of the session; NDEATH without
//! one), and a host fed with everything the edge node publishes follows it without a gap, a
//! stale message or a rebirth request.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation
)] // test helpers

use m2m_core::Timestamp;
use m2m_sparkplug::session::edge::{EdgeConfig, EdgeNode, MemoryStore};
use m2m_sparkplug::session::host::{Host, HostConfig, HostIncoming, Ignored, Order};
use m2m_sparkplug::session::{Input, Publish, SessionError, Transmit};
use m2m_sparkplug::validate::{Context, validate};
use m2m_sparkplug::{Metric, MetricValue, PayloadView, Topic};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Data,
    /// Many NDATA in a row (so that `seq` wraps within a session).
    Burst(u16),
    DeviceBirth(usize),
    DeviceData(usize),
    DeviceDeath(usize),
    Rebirth,
    Births,
    HostState {
        online: bool,
        back: bool,
    },
    Reconnect,
    Drop,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Data),
        1 => (1..300u16).prop_map(Op::Burst),
        2 => (0..3usize).prop_map(Op::DeviceBirth),
        6 => (0..3usize).prop_map(Op::DeviceData),
        1 => (0..3usize).prop_map(Op::DeviceDeath),
        1 => Just(Op::Rebirth),
        2 => Just(Op::Births),
        1 => (any::<bool>(), any::<bool>()).prop_map(|(online, back)| Op::HostState { online, back }),
        1 => Just(Op::Reconnect),
        1 => Just(Op::Drop),
    ]
}

const CONNECT: &str = "#connect";

/// What the edge node published, in order.
#[derive(Default)]
struct Wire(Vec<(String, Vec<u8>)>);

impl Wire {
    fn push(&mut self, p: Publish<'_>) {
        self.0.push((p.topic.to_string(), p.payload.to_vec()));
    }
}

fn metrics(v: f64) -> [Metric<'static>; 2] {
    [
        Metric {
            alias: Some(1),
            ..Metric::new("a", MetricValue::Double(v))
        },
        Metric {
            alias: Some(2),
            ..Metric::new("b", MetricValue::Int32(v as i32))
        },
    ]
}

fn aliased(v: f64) -> [Metric<'static>; 1] {
    [Metric::aliased(1, MetricValue::Double(v))]
}

fn rebirth_payload() -> Vec<u8> {
    let m = [Metric::new(
        "Node Control/Rebirth",
        MetricValue::Boolean(true),
    )];
    m2m_sparkplug::Payload {
        timestamp: Some(1),
        metrics: m2m_sparkplug::Seq::Borrowed(&m),
        ..Default::default()
    }
    .to_vec()
    .unwrap()
}

fn state(online: bool, ts: u64) -> Vec<u8> {
    format!(r#"{{"online":{online},"timestamp":{ts}}}"#).into_bytes()
}

/// Runs the ops; returns everything published (Wills included when they fire).
fn run(ops: &[Op], primary: bool) -> Wire {
    let now = Timestamp::from_millis(1_000);
    let mut cfg = EdgeConfig::new("G", "E").with_bd_seq_alias(100);
    if primary {
        cfg = cfg.with_primary_host("H");
    }
    let mut e: EdgeNode<'_, MemoryStore, 4> = EdgeNode::new(cfg, MemoryStore::default()).unwrap();
    let devs = [
        e.add_device("d0").unwrap(),
        e.add_device("d1").unwrap(),
        e.add_device("d2").unwrap(),
    ];
    let mut buf = vec![0u8; 2048];
    let mut wire = Wire::default();
    let mut will: Option<(String, Vec<u8>)>;
    let mut host_ts = 10u64;
    let connect = |e: &mut EdgeNode<'_, MemoryStore, 4>, buf: &mut [u8], wire: &mut Wire| {
        let w = e.connect(now, buf).unwrap();
        let will = (w.topic.to_string(), w.payload.to_vec());
        e.handle(now, Input::Connected).unwrap();
        // A marker (not a message): a new MQTT session with this bdSeq.
        wire.0.push((CONNECT.to_string(), vec![e.bd_seq()]));
        will
    };
    will = Some(connect(&mut e, &mut buf, &mut wire));
    for op in ops {
        // What the session asks for first.
        loop {
            match e.poll_transmit(now, &mut buf) {
                Some(Ok(Transmit::Publish(p))) => wire.push(p),
                Some(Ok(Transmit::Disconnect)) => {
                    e.handle(now, Input::Disconnected).unwrap();
                    will = None;
                }
                Some(Ok(Transmit::Subscribe { .. })) => {}
                Some(Err(err)) => panic!("{err}"),
                None => break,
            }
        }
        // Events need no answer here: the script's Reconnect and Drop model a runner's
        // reconnection.
        while e.poll_event().is_some() {}
        let m = metrics(1.5);
        let r = match op {
            Op::Data => e.data(now, &aliased(2.0), &mut buf).map(|p| wire.push(p)),
            Op::Burst(n) => {
                (0..*n).try_for_each(|_| e.data(now, &aliased(2.0), &mut buf).map(|p| wire.push(p)))
            }
            Op::DeviceBirth(i) => e
                .device_birth(now, devs[*i], &m, &mut buf)
                .map(|p| wire.push(p)),
            Op::DeviceData(i) => e
                .device_data(now, devs[*i], &aliased(3.0), &mut buf)
                .map(|p| wire.push(p)),
            Op::DeviceDeath(i) => e
                .device_death(now, devs[*i], &mut buf)
                .map(|p| wire.push(p)),
            Op::Births => e.birth(now, &m, &mut buf).map(|p| wire.push(p)),
            Op::Rebirth => {
                let cmd = rebirth_payload();
                e.handle(
                    now,
                    Input::Message {
                        topic: "spBv1.0/G/NCMD/E",
                        payload: &cmd,
                    },
                )
                .map(|_| ())
            }
            Op::HostState { online, back } => {
                let ts = if *back {
                    host_ts.saturating_sub(1)
                } else {
                    host_ts + 1
                };
                host_ts = host_ts.max(ts);
                let s = state(*online, ts);
                e.handle(
                    now,
                    Input::Message {
                        topic: "spBv1.0/STATE/H",
                        payload: &s,
                    },
                )
                .map(|_| ())
            }
            Op::Reconnect => {
                if let Ok(p) = e.disconnect(now, &mut buf) {
                    wire.push(p);
                }
                while let Some(Ok(t)) = e.poll_transmit(now, &mut buf) {
                    if t == Transmit::Disconnect {
                        e.handle(now, Input::Disconnected).unwrap();
                    }
                }
                will = Some(connect(&mut e, &mut buf, &mut wire));
                Ok(())
            }
            Op::Drop => {
                // The connection is lost: the broker publishes the Will.
                if let Some(w) = will.take() {
                    wire.0.push(w);
                }
                e.handle(now, Input::Disconnected).unwrap();
                will = Some(connect(&mut e, &mut buf, &mut wire));
                Ok(())
            }
        };
        match r {
            // Without a primary host to wait for, a connected edge node always births.
            Err(err) if matches!(op, Op::Births) && !primary => {
                panic!("{op:?} refused: {err}")
            }
            Ok(())
            | Err(
                SessionError::NotBorn
                | SessionError::DeviceNotBorn
                | SessionError::NotConnected
                | SessionError::HostOffline,
            ) => {}
            Err(other) => panic!("{op:?}: {other}"),
        }
    }
    wire
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn edge_seq_never_out_of_order(ops in prop::collection::vec(op(), 1..400), primary in any::<bool>()) {
        let wire = run(&ops, primary);
        // Something was published: a script with births and no host to wait for births.
        if !primary && ops.iter().any(|o| matches!(o, Op::Births)) {
            prop_assert!(wire.0.iter().any(|(t, _)| t == "spBv1.0/G/NBIRTH/E"));
        }
        let mut expected: Option<u8> = None;
        let mut bd_seq: Option<u64> = None;
        let mut born_devices = std::collections::HashSet::new();
        for (topic, payload) in &wire.0 {
            if topic == CONNECT {
                bd_seq = Some(u64::from(payload[0]));
                continue;
            }
            let Ok(Topic::Message(t)) = Topic::parse(topic) else { panic!("{topic}") };
            let p = PayloadView::new(payload).unwrap();
            // Every message the edge node writes meets every statement the validator checks.
            let ctx = Context {
                expected_seq: expected.filter(|_| t.message_type.as_str() != "NBIRTH"),
                bd_seq,
                aliases: Some(true),
                should: false,
            };
            let mut violations = Vec::new();
            validate(&p, t.message_type, &ctx, &mut |v| violations.push(v.to_string())).unwrap();
            prop_assert!(violations.is_empty(), "{}: {:?}", topic, violations);
            let ty = t.message_type.as_str();
            match ty {
                "NDEATH" => {
                    prop_assert_eq!(p.seq(), None);
                    expected = None;
                    born_devices.clear();
                }
                "NBIRTH" => {
                    prop_assert_eq!(p.seq(), Some(0));
                    expected = Some(1);
                    born_devices.clear();
                }
                _ => {
                    let want = expected.expect("a message before the NBIRTH");
                    prop_assert_eq!(p.seq(), Some(u64::from(want)), "{} after {:?}", topic, expected);
                    expected = Some(want.wrapping_add(1));
                    let dev = t.device.unwrap_or_default().to_string();
                    match ty {
                        "DBIRTH" => { born_devices.insert(dev); }
                        "DDEATH" => prop_assert!(born_devices.remove(&dev)),
                        "DDATA" => prop_assert!(born_devices.contains(&dev), "DDATA before DBIRTH"),
                        _ => {}
                    }
                }
            }
        }
    }

    #[test]
    fn host_follows_the_edge_without_rebirths(ops in prop::collection::vec(op(), 1..300)) {
        let wire = run(&ops, false);
        let now = Timestamp::from_millis(5_000);
        let mut h: Host<'_> = Host::new(HostConfig::new("H")).unwrap();
        let mut buf = [0u8; 512];
        h.connect(now, &mut buf).unwrap();
        h.handle(now, Input::Connected).unwrap();
        while h.poll_transmit(now, &mut buf).is_some() {}
        for (topic, payload) in wire.0.iter().filter(|(t, _)| t != CONNECT) {
            let r = h.handle(now, Input::Message { topic, payload }).unwrap();
            match r {
                HostIncoming::Data { order, unknown_alias, .. } => {
                    prop_assert_eq!(order, Order::InOrder);
                    prop_assert!(!unknown_alias);
                }
                // An NDEATH of a session without a birth finds the node offline already.
                HostIncoming::Ignored(Ignored::StaleDeath) => {
                    prop_assert!(topic.contains("/NDEATH/"));
                }
                HostIncoming::Ignored(i) => prop_assert!(false, "{} ignored: {:?}", topic, i),
                _ => {}
            }
        }
        prop_assert_eq!(h.poll_transmit(now, &mut buf), None);
        prop_assert_eq!(h.poll_timeout(), None);
    }
}
