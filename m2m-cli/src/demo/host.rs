//! The host application of the demo: the m2m-sparkplug host session on the broker; decodes every
//! message, runs the validator on it, and keeps the current value of every metric.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use m2m_core::{SampleKey, Value as CoreValue};
use m2m_sparkplug::mqtt::rumqttc::MqttOptions;
use m2m_sparkplug::mqtt::{HostKind, HostUpdate, MqttHost};
use m2m_sparkplug::session::host::{HostConfig, Order};
use m2m_sparkplug::validate::{Context, validate};
use m2m_sparkplug::{MessageTopic, PayloadView, Topic};
use tokio::sync::watch;

use super::pump::Shared;

/// The host application's id.
pub(crate) const HOST_ID: &str = "m2m-demo-host";

/// What the host application saw.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub(crate) struct HostStats {
    /// Sparkplug messages received (NBIRTH, NDATA, NDEATH, ...).
    pub(crate) messages: u64,
    pub(crate) births: u64,
    pub(crate) data: u64,
    pub(crate) deaths: u64,
    /// The message types in the order they came, up to the first 8.
    pub(crate) first_types: Vec<String>,
    pub(crate) bytes: u64,
    pub(crate) metrics_in_birth: usize,
    pub(crate) metric_updates: u64,
    pub(crate) decode_errors: u64,
    pub(crate) out_of_order: u64,
    pub(crate) violations: u64,
    /// The first violations, as `tck-id at where: detail`.
    pub(crate) violation_examples: Vec<String>,
    pub(crate) decode_ns_total: u64,
    pub(crate) bd_seq: Option<u64>,
    pub(crate) last_seq: Option<u64>,
    /// The current value of every metric, by name.
    pub(crate) values: BTreeMap<String, serde_json::Value>,
    /// Microseconds from the pump's cycle counter changing to the host seeing the new count.
    #[serde(skip)]
    pub(crate) latencies_us: Vec<u64>,
    #[serde(skip)]
    pub(crate) ready: bool,
}

fn json(v: CoreValue<'_>) -> serde_json::Value {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.get("value").cloned())
        .unwrap_or(serde_json::Value::Null)
}

/// Runs the host until `stop` turns true.
pub(crate) async fn run(
    broker: (String, u16),
    pump: Shared,
    stats: Arc<Mutex<HostStats>>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), String> {
    let mut options = MqttOptions::new("m2m-demo-host", broker.0.clone(), broker.1);
    options.set_keep_alive(Duration::from_secs(5));
    let mut host: MqttHost<'static> =
        MqttHost::new(HostConfig::new(HOST_ID), options).map_err(|e| e.to_string())?;
    host.connect().await.map_err(|e| {
        format!(
            "cannot reach the MQTT broker at {}:{}: {e}",
            broker.0, broker.1
        )
    })?;
    // Per edge node: alias -> (name, datatype), from its birth; and the next seq expected.
    let mut aliases: HashMap<u64, (String, Option<u32>)> = HashMap::new();
    let mut expected_seq: Option<u8> = None;
    let state_topic = format!("spBv1.0/STATE/{HOST_ID}");
    loop {
        let update = tokio::select! {
            _ = stop.changed() => break,
            u = host.next() => u.map_err(|e| e.to_string())?,
        };
        let HostUpdate::Message {
            topic,
            payload,
            kind,
        } = update
        else {
            continue;
        };
        if topic == state_topic {
            // Our own retained birth coming back: the subscriptions are in place.
            if let Ok(mut s) = stats.lock() {
                s.ready = true;
            }
            continue;
        }
        let Ok(Topic::Message(t)) = Topic::parse(&topic) else {
            continue;
        };
        let started = Instant::now();
        let decoded = decode(&t, &payload, &kind, &mut aliases, &mut expected_seq);
        let ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let Ok(mut s) = stats.lock() else { continue };
        s.messages += 1;
        s.bytes += payload.len() as u64;
        s.decode_ns_total += ns;
        if s.first_types.len() < 8 {
            s.first_types.push(t.message_type.to_string());
        }
        if matches!(kind, HostKind::Data(o) if o != Order::InOrder) {
            s.out_of_order += 1;
        }
        match decoded {
            Err(e) => {
                s.decode_errors += 1;
                if s.violation_examples.len() < 5 {
                    s.violation_examples.push(format!("decode error: {e}"));
                }
            }
            Ok(d) => {
                match kind {
                    HostKind::NodeBirth => {
                        s.births += 1;
                        s.metrics_in_birth = d.values.len();
                        s.bd_seq = d.bd_seq;
                    }
                    HostKind::NodeDeath => s.deaths += 1,
                    HostKind::Data(_) => s.data += 1,
                    _ => {}
                }
                s.last_seq = d.seq.or(s.last_seq);
                s.violations += d.violations.len() as u64;
                for v in d.violations {
                    if s.violation_examples.len() < 5 {
                        s.violation_examples.push(v);
                    }
                }
                if matches!(kind, HostKind::Data(_)) {
                    s.metric_updates += d.values.len() as u64;
                }
                for (name, value) in d.values {
                    if name == "Pump/Cycles" {
                        if let Some(n) = value.as_u64() {
                            let when = pump.lock().ok().and_then(|p| {
                                p.changed
                                    .iter()
                                    .find(|(c, _)| u64::from(*c) == n)
                                    .map(|(_, i)| *i)
                            });
                            if let Some(at) = when {
                                s.latencies_us.push(
                                    u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX),
                                );
                            }
                        }
                    }
                    s.values.insert(name, value);
                }
            }
        }
    }
    let _ = host.disconnect().await;
    Ok(())
}

struct Decoded {
    values: Vec<(String, serde_json::Value)>,
    violations: Vec<String>,
    seq: Option<u64>,
    bd_seq: Option<u64>,
}

/// Reads one message: its metrics as samples (aliases resolved from the birth) and the
/// validator's findings.
fn decode(
    t: &MessageTopic<'_>,
    payload: &[u8],
    kind: &HostKind,
    aliases: &mut HashMap<u64, (String, Option<u32>)>,
    expected_seq: &mut Option<u8>,
) -> Result<Decoded, String> {
    let view = PayloadView::new(payload).map_err(|e| e.to_string())?;
    let birth = matches!(kind, HostKind::NodeBirth);
    let ctx = Context {
        expected_seq: if birth { None } else { *expected_seq },
        aliases: Some(true),
        ..Context::default()
    };
    let mut violations = Vec::new();
    validate(&view, t.message_type, &ctx, &mut |v| {
        violations.push(v.to_string())
    })
    .map_err(|e| e.to_string())?;
    if let Some(seq) = view.seq() {
        *expected_seq = Some(u8::try_from(seq & 0xff).unwrap_or(0).wrapping_add(1));
    }
    let mut bd_seq = None;
    if birth {
        aliases.clear();
        for m in view.metrics() {
            let m = m.map_err(|e| e.to_string())?;
            if m.name() == Some("bdSeq") {
                bd_seq = m
                    .value()
                    .ok()
                    .and_then(|v| v.to_core())
                    .and_then(|v| v.as_u64());
            }
            if let (Some(a), Some(n)) = (m.alias(), m.name()) {
                aliases.insert(a, (n.to_string(), m.datatype()));
            }
        }
    }
    let mut values = Vec::new();
    if matches!(kind, HostKind::NodeBirth | HostKind::Data(_)) {
        for s in view.samples_with(|a| aliases.get(&a).and_then(|(_, dt)| *dt)) {
            let s = s.map_err(|e| e.to_string())?;
            let name = match s.key {
                SampleKey::Name(n) => n.to_string(),
                SampleKey::Alias(a) => match aliases.get(&a) {
                    Some((n, _)) => n.clone(),
                    None => format!("alias {a}"),
                },
                _ => continue,
            };
            if name == "bdSeq" || name == "Node Control/Rebirth" {
                continue;
            }
            values.push((name, json(s.value)));
        }
    }
    Ok(Decoded {
        values,
        violations,
        seq: view.seq(),
        bd_seq,
    })
}
