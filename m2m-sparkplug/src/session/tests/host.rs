//! Scripted host sessions (the host application of Sparkplug 3.0 §5.9, §7): births, data,
//! deaths, the reorder window and rebirth requests, driven with a fake clock.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use super::*;
/// Feeds one publish to the host.
fn feed<'a>(
    h: &mut Host<'_>,
    now: Timestamp,
    topic: &'a str,
    payload: &'a [u8],
) -> HostIncoming<'a> {
    h.handle(now, Input::Message { topic, payload }).unwrap()
}

fn connected_host(config: HostConfig<'static>) -> Host<'static> {
    let mut h: Host<'_> = Host::new(config).unwrap();
    let mut buf = [0u8; 256];
    let will = h.connect(at(0), &mut buf).unwrap();
    assert_eq!(will.payload, state(false, T0).as_bytes());
    assert!(will.delivery.retain && will.delivery.qos == 1);
    h.handle(at(0), Input::Connected).unwrap();
    let out = drain_host(&mut h, at(0));
    assert_eq!(
        out.iter()
            .map(|o| (o.0.as_str(), o.1.as_str()))
            .collect::<Vec<_>>(),
        [
            ("sub", "spBv1.0/#"),
            ("sub", "spBv1.0/STATE/scada"),
            ("pub", "spBv1.0/STATE/scada")
        ]
    );
    assert_eq!(out[2].2, state(true, T0).as_bytes());
    h
}

/// An edge node's messages, owned: (topic, payload).
struct Script {
    edge: EdgeNode<'static, MemoryStore>,
    dev: super::super::edge::Device,
    buf: [u8; 1024],
}

impl Script {
    fn new() -> Self {
        let mut edge = EdgeNode::new(EdgeConfig::new("G", "E"), MemoryStore::default()).unwrap();
        let dev = edge.add_device("D").unwrap();
        Script {
            edge,
            dev,
            buf: [0; 1024],
        }
    }
    fn connect(&mut self) -> (String, Vec<u8>) {
        let w = self.edge.connect(at(0), &mut self.buf).unwrap();
        let r = (w.topic.to_string(), w.payload.to_vec());
        self.edge.handle(at(0), Input::Connected).unwrap();
        drain_edge(&mut self.edge);
        r
    }
    fn birth(&mut self, metrics: &[Metric<'_>]) -> (String, Vec<u8>) {
        let p = self.edge.birth(at(1), metrics, &mut self.buf).unwrap();
        (p.topic.to_string(), p.payload.to_vec())
    }
    fn dbirth(&mut self, metrics: &[Metric<'_>]) -> (String, Vec<u8>) {
        let p = self
            .edge
            .device_birth(at(1), self.dev, metrics, &mut self.buf)
            .unwrap();
        (p.topic.to_string(), p.payload.to_vec())
    }
    fn data(&mut self, metrics: &[Metric<'_>]) -> (String, Vec<u8>) {
        let p = self.edge.data(at(1), metrics, &mut self.buf).unwrap();
        (p.topic.to_string(), p.payload.to_vec())
    }
    fn ddeath(&mut self, now: Timestamp) -> (String, Vec<u8>) {
        let p = self
            .edge
            .device_death(now, self.dev, &mut self.buf)
            .unwrap();
        (p.topic.to_string(), p.payload.to_vec())
    }
    fn ddata(&mut self, metrics: &[Metric<'_>]) -> (String, Vec<u8>) {
        let p = self
            .edge
            .device_data(at(1), self.dev, metrics, &mut self.buf)
            .unwrap();
        (p.topic.to_string(), p.payload.to_vec())
    }
}

fn aliased_birth() -> [Metric<'static>; 1] {
    [Metric {
        alias: Some(7),
        ..Metric::new("Temperature", MetricValue::Double(1.0))
    }]
}

#[test]
fn host_follows_births_data_and_deaths() {
    let mut h = connected_host(HostConfig::new("scada"));
    let mut s = Script::new();
    let will = s.connect();
    let (t, p) = s.birth(&aliased_birth());
    let HostIncoming::NodeBirth { node, .. } = feed(&mut h, at(1), &t, &p) else {
        panic!("not a birth")
    };
    assert!(h.is_online(node));
    assert_eq!(h.node_ids(node), Some(("G", "E")));
    assert_eq!(h.bd_seq(node), Some(0));
    assert_eq!(h.alias_datatype(node, None, 7), Some(Some(10)));
    let (t, p) = s.dbirth(&[Metric::new("Level", MetricValue::Int32(3))]);
    let HostIncoming::DeviceBirth { device, .. } = feed(&mut h, at(1), &t, &p) else {
        panic!("not a device birth")
    };
    assert_eq!(h.device_name(device), Some("D"));
    let (t, p) = s.data(&[Metric::aliased(7, MetricValue::Double(2.0))]);
    assert!(matches!(
        feed(&mut h, at(1), &t, &p),
        HostIncoming::Data {
            order: Order::InOrder,
            unknown_alias: false,
            device: None,
            ..
        }
    ));
    // An alias the birth did not define: delivered, flagged, rebirth requested.
    let (t, p) = s.data(&[Metric::aliased(8, MetricValue::Double(2.0))]);
    assert!(matches!(
        feed(&mut h, at(1), &t, &p),
        HostIncoming::Data {
            order: Order::InOrder,
            unknown_alias: true,
            ..
        }
    ));
    let out = drain_host(&mut h, at(1));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].1, "spBv1.0/G/NCMD/E");
    let cmd = PayloadView::new(&out[0].2).unwrap();
    assert_eq!(cmd.seq(), None);
    assert_eq!(metric_named(&cmd, REBIRTH), Some(RawValue::Boolean(true)));
    assert_eq!(h.poll_event(), Some(HostEvent::RebirthRequested(node)));
    // A DDEATH: the device is offline as of the payload's timestamp.
    let (t, p) = s.ddeath(at(6));
    assert_eq!(
        feed(&mut h, at(7), &t, &p),
        HostIncoming::DeviceDeath {
            node,
            device,
            timestamp: Some(T0 + 6)
        }
    );
    assert!(!h.is_device_online(device));
    // A death with another bdSeq is stale; the Will of this session is not.
    let stale = {
        let m = [super::super::bd_seq_metric(5, T0)];
        super::super::death_payload(&m, T0).to_vec().unwrap()
    };
    assert_eq!(
        feed(&mut h, at(2), "spBv1.0/G/NDEATH/E", &stale),
        HostIncoming::Ignored(Ignored::StaleDeath)
    );
    // So is one without bdSeq: it could be any session's.
    let bare = Payload {
        timestamp: Some(T0),
        ..Payload::default()
    }
    .to_vec()
    .unwrap();
    assert_eq!(
        feed(&mut h, at(2), "spBv1.0/G/NDEATH/E", &bare),
        HostIncoming::Ignored(Ignored::StaleDeath)
    );
    assert!(h.is_online(node));
    assert_eq!(
        feed(&mut h, at(2), &will.0, &will.1),
        HostIncoming::NodeDeath { node }
    );
    assert!(!h.is_online(node));
    assert!(!h.is_device_online(device));
    assert_eq!(h.alias_datatype(node, None, 7), None);
}

/// An NBIRTH or NDEATH with `bdSeq` `v`, as an Int64 or a UInt64.
fn bd_seq_message(birth: bool, v: u8, int64: bool) -> Vec<u8> {
    let value = if int64 {
        MetricValue::Int64(i64::from(v))
    } else {
        MetricValue::UInt64(u64::from(v))
    };
    let m = [
        Metric::new(BD_SEQ, value),
        Metric::new(REBIRTH, MetricValue::Boolean(false)),
    ];
    Payload {
        timestamp: Some(T0),
        metrics: Seq::Borrowed(if birth { &m } else { &m[..1] }),
        seq: birth.then_some(0),
        ..Payload::default()
    }
    .to_vec()
    .unwrap()
}

#[test]
fn host_reads_an_int64_or_a_uint64_bd_seq() {
    let mut h = connected_host(HostConfig::new("scada"));
    for (v, birth_int64) in [(3, false), (4, true)] {
        let birth = bd_seq_message(true, v, birth_int64);
        let HostIncoming::NodeBirth { node, .. } =
            feed(&mut h, at(0), "spBv1.0/G/NBIRTH/E", &birth)
        else {
            panic!("not a birth")
        };
        assert_eq!(h.bd_seq(node), Some(u64::from(v)));
        let stale = bd_seq_message(false, v + 1, birth_int64);
        assert_eq!(
            feed(&mut h, at(1), "spBv1.0/G/NDEATH/E", &stale),
            HostIncoming::Ignored(Ignored::StaleDeath)
        );
        let death = bd_seq_message(false, v, !birth_int64);
        assert_eq!(
            feed(&mut h, at(1), "spBv1.0/G/NDEATH/E", &death),
            HostIncoming::NodeDeath { node }
        );
    }
}

#[test]
fn host_reorder_window_and_rebirth_on_timeout() {
    let mut h = connected_host(HostConfig::new("scada"));
    let mut s = Script::new();
    s.connect();
    let (t, p) = s.birth(&temp(1.0));
    feed(&mut h, at(0), &t, &p);
    let msgs: Vec<_> = (0..4).map(|_| s.data(&temp(2.0))).collect(); // seq 1..=4
    let order = |h: &mut Host<'_>, i: usize, now| match feed(h, now, &msgs[i].0, &msgs[i].1) {
        HostIncoming::Data { order, .. } => order,
        other => panic!("{other:?}"),
    };
    assert_eq!(order(&mut h, 0, at(0)), Order::InOrder);
    assert_eq!(order(&mut h, 2, at(0)), Order::Gap); // 2 missing
    assert_eq!(h.poll_timeout(), Some(at(2000)));
    assert_eq!(order(&mut h, 1, at(100)), Order::Late); // closes the gap
    assert_eq!(h.poll_timeout(), None);
    assert_eq!(order(&mut h, 2, at(100)), Order::Repeat); // the last one again
    assert_eq!(order(&mut h, 3, at(100)), Order::InOrder);
    // A gap that stays open past the Reorder Timeout asks for a rebirth.
    let more: Vec<_> = (0..3).map(|_| s.data(&temp(2.0))).collect(); // seq 5..=7
    let g = feed(&mut h, at(200), &more[2].0, &more[2].1);
    assert!(matches!(
        g,
        HostIncoming::Data {
            order: Order::Gap,
            ..
        }
    ));
    h.handle_timeout(at(2199));
    assert!(drain_host(&mut h, at(2199)).is_empty());
    h.handle_timeout(at(2200));
    let out = drain_host(&mut h, at(2200));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].1, "spBv1.0/G/NCMD/E");
    assert_eq!(h.poll_timeout(), None);
    // A straggler of the gap given up on (seq 5) is late and moves nothing: no new gap, no
    // other rebirth, and the next `seq` is in order. Seq 6 never comes.
    assert!(matches!(
        feed(&mut h, at(2300), &more[0].0, &more[0].1),
        HostIncoming::Data {
            order: Order::Late,
            ..
        }
    ));
    assert!(drain_host(&mut h, at(2300)).is_empty());
    assert_eq!(h.poll_timeout(), None);
    let (t, p) = s.data(&temp(2.0)); // seq 8
    assert!(matches!(
        feed(&mut h, at(2400), &t, &p),
        HostIncoming::Data {
            order: Order::InOrder,
            ..
        }
    ));
    // Once seq 6 comes round again (256 messages on), it is a new message's, in order ...
    for _ in 0..253 {
        let (t, p) = s.data(&temp(2.0)); // seq 9..=255, 0..=5
        feed(&mut h, at(2500), &t, &p);
    }
    let (t, p) = s.data(&temp(2.0)); // seq 6
    assert!(matches!(
        feed(&mut h, at(2600), &t, &p),
        HostIncoming::Data {
            order: Order::InOrder,
            ..
        }
    ));
    // ... and after a loss before it in the next round, a gap, not a straggler.
    for _ in 0..254 {
        let (t, p) = s.data(&temp(2.0)); // seq 7..=255, 0..=4
        feed(&mut h, at(2700), &t, &p);
    }
    s.data(&temp(2.0)); // seq 5, lost
    let (t, p) = s.data(&temp(2.0)); // seq 6
    assert!(matches!(
        feed(&mut h, at(2800), &t, &p),
        HostIncoming::Data {
            order: Order::Gap,
            ..
        }
    ));
}

/// A burst loss of 128 messages or more is a gap like any other: the Reorder Timeout starts and
/// the rebirth follows (`tck-id-operational-behavior-host-reordering-start`, `-rebirth`). Only a
/// loss of exactly 255 messages, which brings back the last `seq`, reads as a repeat.
#[test]
fn host_burst_loss_of_128_or_more_is_a_gap() {
    for lost in [1usize, 127, 128, 200, 254, 255] {
        let mut h = connected_host(HostConfig::new("scada"));
        let mut s = Script::new();
        s.connect();
        let (t, p) = s.birth(&temp(1.0)); // seq 0
        feed(&mut h, at(0), &t, &p);
        for _ in 0..lost {
            s.data(&temp(2.0));
        }
        let (t, p) = s.data(&temp(3.0));
        let HostIncoming::Data { order, .. } = feed(&mut h, at(100), &t, &p) else {
            panic!("not data")
        };
        if lost == 255 {
            assert_eq!(order, Order::Repeat, "{lost} lost");
            continue;
        }
        assert_eq!(order, Order::Gap, "{lost} lost");
        assert_eq!(h.poll_timeout(), Some(at(2100)), "{lost} lost");
        // The messages after it are in order; the gap stays open.
        let (t, p) = s.data(&temp(4.0));
        assert!(matches!(
            feed(&mut h, at(200), &t, &p),
            HostIncoming::Data {
                order: Order::InOrder,
                ..
            }
        ));
        h.handle_timeout(at(2100));
        let out = drain_host(&mut h, at(2100));
        assert_eq!(out.len(), 1, "{lost} lost");
        assert_eq!(out[0].1, "spBv1.0/G/NCMD/E");
    }
}

/// An NBIRTH (`seq` 0, `bdSeq` 0) or a numbered NDATA, as an edge node writes them.
fn numbered(seq: u64) -> Vec<u8> {
    if seq == 0 {
        return bd_seq_message(true, 0, true);
    }
    Payload {
        timestamp: Some(T0),
        metrics: Seq::Borrowed(&temp(2.0)),
        seq: Some(seq),
        ..Payload::default()
    }
    .to_vec()
    .unwrap()
}

/// The order the host gives an NDATA of `G/E` with this `seq`.
fn order_of(h: &mut Host<'_>, now: Timestamp, seq: u64) -> Order {
    let p = numbered(seq);
    match feed(h, now, "spBv1.0/G/NDATA/E", &p) {
        HostIncoming::Data { order, .. } => order,
        other => panic!("{other:?}"),
    }
}

/// Each missing `seq` waits its own Reorder Timeout from when it went missing: a later gap
/// neither shortens nor lengthens an earlier one's wait, and the host gives up only when the
/// oldest `seq` still missing has waited its time
/// (`tck-id-operational-behavior-host-reordering-start`, `-success`, `-rebirth`).
#[test]
fn host_gives_each_missing_seq_its_own_reorder_timeout() {
    let mut h = connected_host(HostConfig::new("scada"));
    let birth = numbered(0);
    let HostIncoming::NodeBirth { node, .. } = feed(&mut h, at(0), "spBv1.0/G/NBIRTH/E", &birth)
    else {
        panic!("not a birth")
    };
    assert_eq!(order_of(&mut h, at(100), 1), Order::InOrder);
    assert_eq!(order_of(&mut h, at(200), 3), Order::Gap); // 2 missing until 2.2 s
    assert_eq!(h.poll_timeout(), Some(at(2200)));
    assert_eq!(order_of(&mut h, at(1900), 5), Order::Gap); // 4 missing until 3.9 s
    assert_eq!(h.poll_timeout(), Some(at(2200)));
    assert_eq!(order_of(&mut h, at(2000), 2), Order::Late);
    // Only seq 4 is missing now, since 1.9 s.
    assert_eq!(h.poll_timeout(), Some(at(3900)));
    h.handle_timeout(at(2200));
    assert!(drain_host(&mut h, at(2200)).is_empty());
    assert_eq!(h.poll_event(), None);
    assert_eq!(order_of(&mut h, at(2600), 4), Order::Late);
    assert_eq!(h.poll_timeout(), None);
    h.handle_timeout(at(3900));
    assert!(drain_host(&mut h, at(3900)).is_empty());
    assert_eq!(order_of(&mut h, at(4000), 6), Order::InOrder);
    // A gap that stays open past its own Reorder Timeout still asks for a rebirth, whatever
    // gaps open after it.
    assert_eq!(order_of(&mut h, at(4000), 8), Order::Gap); // 7 missing until 6 s
    assert_eq!(order_of(&mut h, at(5500), 10), Order::Gap); // 9 missing until 7.5 s
    assert_eq!(h.poll_timeout(), Some(at(6000)));
    h.handle_timeout(at(5999));
    assert!(drain_host(&mut h, at(5999)).is_empty());
    h.handle_timeout(at(6000));
    assert_eq!(rebirths(&mut h, at(6000)), 1);
    assert_eq!(h.poll_event(), Some(HostEvent::RebirthRequested(node)));
    // The rebirth brings everything anew: the gaps still open are given up with it.
    assert_eq!(h.poll_timeout(), None);
    assert_eq!(order_of(&mut h, at(6100), 9), Order::Late);
    assert_eq!(order_of(&mut h, at(6100), 7), Order::Late);
    assert!(drain_host(&mut h, at(6100)).is_empty());
}

/// A `seq` still missing when its number comes round again (256 messages within the Reorder
/// Timeout) and is marked missing by a later gap keeps the wait it had: it went missing first.
#[test]
fn host_keeps_the_wait_of_a_seq_missing_already() {
    let mut h = connected_host(HostConfig::new("scada"));
    let birth = numbered(0);
    let HostIncoming::NodeBirth { .. } = feed(&mut h, at(0), "spBv1.0/G/NBIRTH/E", &birth) else {
        panic!("not a birth")
    };
    for seq in 1..=9 {
        assert_eq!(order_of(&mut h, at(100), seq), Order::InOrder);
    }
    assert_eq!(order_of(&mut h, at(100), 12), Order::Gap); // 10 and 11 missing until 2.1 s
    for seq in (13..=255).chain(0..=9) {
        assert_eq!(order_of(&mut h, at(1000), seq), Order::InOrder, "{seq}");
    }
    // The next 11 is taken for the old one; the next 10 is lost: 12 marks 10 and 11 missing.
    assert_eq!(order_of(&mut h, at(1250), 11), Order::Late);
    assert_eq!(order_of(&mut h, at(1250), 12), Order::Gap);
    // 10 has been missing since 0.1 s: its wait ends at 2.1 s, not 3.25 s.
    assert_eq!(h.poll_timeout(), Some(at(2100)));
}

/// Rebirth requests to two nodes that go out before the application polls its events are two
/// events, not one.
#[test]
fn host_reports_every_rebirth_request() {
    let mut h = connected_host(HostConfig::new("scada"));
    let birth = numbered(0);
    let mut nodes = Vec::new();
    for (edge, at_ms) in [("E1", 100), ("E2", 200)] {
        let topic = std::format!("spBv1.0/G/NBIRTH/{edge}");
        let HostIncoming::NodeBirth { node, .. } = feed(&mut h, at(0), &topic, &birth) else {
            panic!("not a birth")
        };
        nodes.push(node);
        let data = numbered(2); // seq 1 lost
        let topic = std::format!("spBv1.0/G/NDATA/{edge}");
        assert!(matches!(
            feed(&mut h, at(at_ms), &topic, &data),
            HostIncoming::Data {
                order: Order::Gap,
                ..
            }
        ));
    }
    // Both gaps time out in one call.
    h.handle_timeout(at(2200));
    let out = drain_host(&mut h, at(2200));
    assert_eq!(
        out.iter().map(|o| o.1.as_str()).collect::<Vec<_>>(),
        ["spBv1.0/G/NCMD/E1", "spBv1.0/G/NCMD/E2"]
    );
    assert_eq!(h.poll_event(), Some(HostEvent::RebirthRequested(nodes[0])));
    assert_eq!(h.poll_event(), Some(HostEvent::RebirthRequested(nodes[1])));
    assert_eq!(h.poll_event(), None);
}

/// The publishes `drain_host` yields, each checked to be a rebirth request to `G/E`.
fn rebirths(h: &mut Host<'_>, now: Timestamp) -> usize {
    let out = drain_host(h, now);
    for (kind, topic, payload) in &out {
        assert_eq!((kind.as_str(), topic.as_str()), ("pub", "spBv1.0/G/NCMD/E"));
        let cmd = PayloadView::new(payload).unwrap();
        assert_eq!(metric_named(&cmd, REBIRTH), Some(RawValue::Boolean(true)));
    }
    out.len()
}

/// Data before the birth asks for a rebirth at 0 s; the node's births come at 0.2 s, then a
/// DDATA is lost and the next one opens a gap at 0.5 s. The request the gap makes (when the
/// Reorder Timeout ends at 2.5 s, or at once without one) falls within the 5 s rebirth interval:
/// it is held and goes out at 5 s, not dropped
/// (`tck-id-operational-behavior-host-reordering-rebirth`).
fn held_rebirth_goes_out_after_the_interval(reorder_timeout: Option<core::time::Duration>) {
    let mut cfg = HostConfig::new("scada");
    cfg.reorder_timeout = reorder_timeout;
    let mut h = connected_host(cfg);
    // An NDATA of a session the host never saw the birth of.
    let mut before = Script::new();
    before.connect();
    before.birth(&temp(1.0));
    let (t, p) = before.data(&temp(1.0));
    assert_eq!(
        feed(&mut h, at(0), &t, &p),
        HostIncoming::Ignored(Ignored::NodeNotBorn)
    );
    assert_eq!(rebirths(&mut h, at(0)), 1);
    let mut s = Script::new();
    s.connect();
    let (t, p) = s.birth(&temp(1.0)); // seq 0
    let HostIncoming::NodeBirth { node, .. } = feed(&mut h, at(200), &t, &p) else {
        panic!("not a birth")
    };
    assert_eq!(h.poll_event(), Some(HostEvent::RebirthRequested(node)));
    let (t, p) = s.dbirth(&temp(1.0)); // seq 1
    feed(&mut h, at(200), &t, &p);
    s.ddata(&temp(2.0)); // seq 2, lost
    let (t, p) = s.ddata(&temp(3.0)); // seq 3
    assert!(matches!(
        feed(&mut h, at(500), &t, &p),
        HostIncoming::Data {
            order: Order::Gap,
            ..
        }
    ));
    if let Some(d) = reorder_timeout {
        let end = at(500).checked_add(d).unwrap();
        assert_eq!(h.poll_timeout(), Some(end));
        h.handle_timeout(end);
        assert_eq!(rebirths(&mut h, end), 0);
    }
    assert_eq!(rebirths(&mut h, at(2600)), 0);
    assert_eq!(h.poll_timeout(), Some(at(5000)));
    h.handle_timeout(at(4999));
    assert_eq!(rebirths(&mut h, at(4999)), 0);
    h.handle_timeout(at(5000));
    assert_eq!(rebirths(&mut h, at(5000)), 1);
    assert_eq!(h.poll_event(), Some(HostEvent::RebirthRequested(node)));
    assert_eq!(h.poll_timeout(), None);
    // A held request the node's NBIRTH answers before the interval ends is not sent.
    s.data(&temp(4.0)); // seq 4, lost
    let (t, p) = s.data(&temp(5.0)); // seq 5
    feed(&mut h, at(5100), &t, &p);
    if let Some(d) = reorder_timeout {
        let end = at(5100).checked_add(d).unwrap();
        h.handle_timeout(end);
        assert_eq!(rebirths(&mut h, end), 0);
    }
    assert_eq!(h.poll_timeout(), Some(at(10_000)));
    let (t, p) = s.birth(&temp(1.0));
    feed(&mut h, at(7500), &t, &p);
    assert_eq!(h.poll_timeout(), None);
    h.handle_timeout(at(10_000));
    assert_eq!(rebirths(&mut h, at(10_000)), 0);
}

#[test]
fn host_sends_a_held_rebirth_when_the_reorder_timeout_ends_within_the_interval() {
    held_rebirth_goes_out_after_the_interval(Some(core::time::Duration::from_secs(2)));
}

#[test]
fn host_sends_a_held_rebirth_of_a_gap_without_reorder_timeout() {
    held_rebirth_goes_out_after_the_interval(None);
}

#[test]
fn host_without_reorder_timeout_and_data_before_birth() {
    let mut cfg = HostConfig::new("scada");
    cfg.reorder_timeout = None;
    let mut h = connected_host(cfg);
    let mut s = Script::new();
    s.connect();
    let (bt, bp) = s.birth(&temp(1.0));
    let (t, p) = s.data(&temp(2.0));
    // Data before the birth: ignored, rebirth requested once per interval.
    assert_eq!(
        feed(&mut h, at(0), &t, &p),
        HostIncoming::Ignored(Ignored::NodeNotBorn)
    );
    assert_eq!(drain_host(&mut h, at(0)).len(), 1);
    assert_eq!(
        feed(&mut h, at(1), &t, &p),
        HostIncoming::Ignored(Ignored::NodeNotBorn)
    );
    assert!(drain_host(&mut h, at(1)).is_empty());
    assert_eq!(
        feed(&mut h, at(5000), &t, &p),
        HostIncoming::Ignored(Ignored::NodeNotBorn)
    );
    assert_eq!(drain_host(&mut h, at(5000)).len(), 1);
    feed(&mut h, at(5001), &bt, &bp);
    s.data(&temp(3.0)); // seq 2, lost
    let (t, p) = s.data(&temp(4.0)); // seq 3
    assert!(matches!(
        feed(&mut h, at(11000), &t, &p),
        HostIncoming::Data {
            order: Order::Gap,
            ..
        }
    ));
    assert_eq!(drain_host(&mut h, at(11000)).len(), 1);
    // Our own death certificate seen on the broker: the birth goes out again.
    let own = state(false, T0);
    feed(&mut h, at(11001), "spBv1.0/STATE/scada", own.as_bytes());
    let out = drain_host(&mut h, at(11001));
    assert_eq!(out[0].2, state(true, T0).as_bytes());
    // Intentional disconnect: the death certificate carries the time of the disconnect
    // (tck-id-host-topic-phid-death-payload-disconnect-clean), not that of the CONNECT.
    let mut buf = [0u8; 128];
    let node = h.node("G", "E").unwrap();
    assert!(h.is_online(node));
    while h.poll_event().is_some() {}
    let death = h.disconnect(at(12000), &mut buf).unwrap();
    assert_eq!(death.payload, state(false, T0 + 12000).as_bytes());
    assert_eq!(drain_host(&mut h, at(12000))[0].0, "disconnect");
    // What the node does from now on is unknown: it is born no more (§5.3, stale metrics).
    assert!(!h.is_online(node));
    assert_eq!(h.poll_event(), Some(HostEvent::Disconnected));
}

#[test]
fn a_birth_the_host_cannot_take_whole_leaves_the_node_unborn() {
    // A host with room for 2 aliases and 2 devices.
    let mut h: Host<'_, 4, 2, 2> = Host::new(HostConfig::new("scada")).unwrap();
    let mut buf = [0u8; 256];
    h.connect(at(0), &mut buf).unwrap();
    h.handle(at(0), Input::Connected).unwrap();
    while h.poll_transmit(at(0), &mut buf).is_some() {}
    let metric = |alias: u64| Metric {
        alias: Some(alias),
        ..Metric::new("m", MetricValue::Double(1.0))
    };
    let birth = |metrics: &[Metric<'_>], seq: u64| {
        Payload {
            timestamp: Some(1),
            seq: Some(seq),
            metrics: Seq::Borrowed(metrics),
            ..Payload::default()
        }
        .to_vec()
        .unwrap()
    };
    fn feed<'a>(
        h: &mut Host<'_, 4, 2, 2>,
        topic: &'a str,
        payload: &'a [u8],
    ) -> Result<HostIncoming<'a>, SessionError> {
        h.handle(at(1), Input::Message { topic, payload })
    }
    // Two aliases fit; a rebirth with three does not: the node is not born any more (and has
    // no aliases half recorded); two again, and it is.
    let two = birth(&[metric(1), metric(2)], 0);
    let three = birth(&[metric(1), metric(2), metric(3)], 0);
    assert!(feed(&mut h, "spBv1.0/G/NBIRTH/E", &two).is_ok());
    let node = h.node("G", "E").unwrap();
    assert!(h.is_online(node));
    assert_eq!(
        feed(&mut h, "spBv1.0/G/NBIRTH/E", &three),
        Err(SessionError::Capacity("aliases"))
    );
    assert!(!h.is_online(node));
    assert_eq!(h.alias_datatype(node, None, 1), None);
    assert!(feed(&mut h, "spBv1.0/G/NBIRTH/E", &two).is_ok());
    assert!(h.is_online(node));
    // A rebirth whose first metric is malformed (a name not UTF-8), before any bdSeq: the
    // node is not born any more either.
    let bad = [0x08, 1, 0x12, 0x03, 0x0a, 0x01, 0xff, 0x18, 0x00];
    assert!(matches!(
        feed(&mut h, "spBv1.0/G/NBIRTH/E", &bad),
        Err(SessionError::Payload(_))
    ));
    assert!(!h.is_online(node));
    assert_eq!(h.alias_datatype(node, None, 1), None);
    assert!(feed(&mut h, "spBv1.0/G/NBIRTH/E", &two).is_ok());
    // A device birth with an alias: no room left, the device stays unborn.
    let one = birth(&[metric(7)], 1);
    assert_eq!(
        feed(&mut h, "spBv1.0/G/DBIRTH/E/D1", &one),
        Err(SessionError::Capacity("aliases"))
    );
    // Devices without aliases come and go with new ids: dead ones give their slots up.
    let mut seq = 2;
    for d in ["D2", "D3", "D4", "D5"] {
        let born = birth(&[Metric::new("d", MetricValue::Boolean(true))], seq);
        let died = birth(&[], seq + 1);
        seq += 2;
        let t = std::format!("spBv1.0/G/DBIRTH/E/{d}");
        assert!(
            matches!(
                feed(&mut h, &t, &born),
                Ok(HostIncoming::DeviceBirth { .. })
            ),
            "{d}"
        );
        let t = std::format!("spBv1.0/G/DDEATH/E/{d}");
        assert!(matches!(
            feed(&mut h, &t, &died),
            Ok(HostIncoming::DeviceDeath { .. })
        ));
    }
}
