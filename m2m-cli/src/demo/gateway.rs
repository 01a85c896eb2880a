//! The gateway of the demo: polls the pump with the m2m-modbus async client, turns registers into
//! samples with the register map, and publishes them as a Sparkplug B edge node (NBIRTH with
//! aliases, then NDATA by exception, rebirth on request, NDEATH at the end and as the Will).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use m2m_core::{Sample, Value as CoreValue};
use m2m_modbus::Registers;
use m2m_modbus::tokio::{Client, Options};
use m2m_sparkplug::mqtt::rumqttc::MqttOptions;
use m2m_sparkplug::mqtt::{EdgeUpdate, MqttEdge};
use m2m_sparkplug::samples::metric_from_sample;
use m2m_sparkplug::session::edge::{EdgeConfig, EdgeEvent, MemoryStore};
use m2m_sparkplug::{DataType, Metric};
use tokio::sync::watch;

use super::pump::{MAP, REGISTERS};

/// Sparkplug group and edge node of the gateway.
pub(crate) const GROUP: &str = "Plant1";
pub(crate) const EDGE: &str = "Gateway1";

/// The Sparkplug datatype and alias of each point of the map, in map order.
pub(crate) const METRICS: [(DataType, u64); 6] = [
    (DataType::Float, 1),
    (DataType::Float, 2),
    (DataType::Float, 3),
    (DataType::Boolean, 4),
    (DataType::UInt32, 5),
    (DataType::Double, 6),
];
const BD_SEQ_ALIAS: u64 = 100;

/// What the gateway counts.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub(crate) struct GatewayStats {
    pub(crate) polls: u64,
    pub(crate) poll_errors: u64,
    pub(crate) births: u64,
    pub(crate) data_messages: u64,
    pub(crate) metrics_published: u64,
    pub(crate) bytes_published: u64,
    pub(crate) bd_seq: u8,
    pub(crate) next_seq: u8,
    pub(crate) last_error: Option<String>,
    /// Time in the Modbus calls (request out, response in and decoded), in nanoseconds.
    pub(crate) modbus_ns: u64,
    /// Time turning registers into samples and samples into changed metrics.
    pub(crate) map_ns: u64,
    /// Time in the edge node's publish (Sparkplug encode and hand-over to the MQTT client).
    pub(crate) publish_ns: u64,
    /// The last value published for each metric, by name.
    pub(crate) values: std::collections::BTreeMap<String, serde_json::Value>,
}

fn json(v: CoreValue<'_>) -> serde_json::Value {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.get("value").cloned())
        .unwrap_or(serde_json::Value::Null)
}

fn remember(s: &mut GatewayStats, samples: &[Sample<'static>], which: &[usize]) {
    for &i in which {
        if let (Some(p), Some(v)) = (MAP.get(i), samples.get(i)) {
            s.values.insert(p.name.to_string(), json(v.value));
        }
    }
}

/// A Modbus sample as the Sparkplug metric's value: the running state is a boolean.
fn sparkplug_value(i: usize, s: Sample<'_>) -> Sample<'_> {
    match (METRICS.get(i), s.value) {
        (Some((DataType::Boolean, _)), CoreValue::U64(v)) => Sample {
            value: CoreValue::Bool(v != 0),
            ..s
        },
        _ => s,
    }
}

/// One poll: the registers the map spans.
async fn poll_registers(client: &Client) -> Result<Vec<u16>, String> {
    client
        .read_holding_registers(0, REGISTERS)
        .await
        .map_err(|e| format!("Modbus read: {e}"))
}

/// One poll: the samples of the map, in map order.
async fn poll(client: &Client) -> Result<Vec<Sample<'static>>, String> {
    map(&poll_registers(client).await?)
}

/// The samples of the map in a block of registers read from 0, in map order.
fn map(regs: &[u16]) -> Result<Vec<Sample<'static>>, String> {
    let block = Registers::from(regs);
    let mut out = Vec::with_capacity(MAP.len());
    for (i, s) in m2m_modbus::samples::samples(&MAP, 0, &block).enumerate() {
        let s = s.map_err(|e| format!("register map: {e}"))?;
        // The names are 'static; the values are numbers: nothing borrows from the block.
        let owned = Sample {
            key: m2m_core::SampleKey::Name(MAP.get(i).map_or("", |p| p.name)),
            value: match s.value {
                CoreValue::Str(_) | CoreValue::Bytes(_) => CoreValue::Null,
                CoreValue::Null => CoreValue::Null,
                CoreValue::Bool(b) => CoreValue::Bool(b),
                CoreValue::I64(v) => CoreValue::I64(v),
                CoreValue::U64(v) => CoreValue::U64(v),
                CoreValue::F32(v) => CoreValue::F32(v),
                CoreValue::F64(v) => CoreValue::F64(v),
                CoreValue::Time(t) => CoreValue::Time(t),
                _ => CoreValue::Null,
            },
            timestamp: m2m_core::Timestamp::now(),
            quality: s.quality,
        };
        out.push(sparkplug_value(i, owned));
    }
    Ok(out)
}

fn birth_metrics(samples: &[Sample<'static>]) -> Result<Vec<Metric<'static>>, String> {
    samples
        .iter()
        .zip(METRICS)
        .map(|(s, (dt, alias))| {
            metric_from_sample(s, dt, None)
                .map(|m| Metric {
                    alias: Some(alias),
                    ..m
                })
                .map_err(|e| format!("birth metric: {e}"))
        })
        .collect()
}

/// Waits for the next poll: the interval, or just a yield to the other tasks for back-to-back
/// polling.
async fn next_poll(tick: &mut tokio::time::Interval, period: Duration) {
    if period.is_zero() {
        tokio::task::yield_now().await;
    } else {
        tick.tick().await;
    }
}

/// Runs the gateway until `stop` turns true; then publishes NDEATH and disconnects.
pub(crate) async fn run(
    modbus: SocketAddr,
    broker: (String, u16),
    poll_every: Duration,
    stats: Arc<Mutex<GatewayStats>>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), String> {
    let client = Client::connect_with(
        modbus,
        Options::default().unit(1).timeout(Duration::from_secs(1)),
    )
    .await
    .map_err(|e| format!("cannot reach the Modbus device at {modbus}: {e}"))?;
    let mut options = MqttOptions::new("m2m-demo-gateway", broker.0.clone(), broker.1);
    options.set_keep_alive(Duration::from_secs(5));
    let mut edge: MqttEdge<'static, MemoryStore> = MqttEdge::new(
        EdgeConfig::new(GROUP, EDGE).with_bd_seq_alias(BD_SEQ_ALIAS),
        MemoryStore::default(),
        options,
    )
    .map_err(|e| e.to_string())?;
    edge.connect().await.map_err(|e| {
        format!(
            "cannot reach the MQTT broker at {}:{}: {e}",
            broker.0, broker.1
        )
    })?;
    let mut last: Vec<Sample<'static>> = Vec::new();
    // A zero period polls back to back (the interval is then never waited on).
    let mut tick = tokio::time::interval(poll_every.max(Duration::from_millis(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let record = |stats: &Arc<Mutex<GatewayStats>>, f: &mut dyn FnMut(&mut GatewayStats)| {
        if let Ok(mut s) = stats.lock() {
            f(&mut s);
        }
    };
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            update = edge.next() => match update.map_err(|e| e.to_string())? {
                EdgeUpdate::Event(EdgeEvent::PublishBirths) => {
                    let now = poll(&client).await?;
                    let sent = edge.birth(&birth_metrics(&now)?).await.map_err(|e| e.to_string())?;
                    let all: Vec<usize> = (0..now.len()).collect();
                    let (bd, seq) = (edge.node().bd_seq(), edge.node().next_seq());
                    record(&stats, &mut |s| {
                        remember(s, &now, &all);
                        s.births += 1;
                        s.bytes_published += sent.payload.len() as u64;
                        s.bd_seq = bd;
                        s.next_seq = seq;
                    });
                    last = now;
                }
                EdgeUpdate::Event(EdgeEvent::Disconnected | EdgeEvent::HostOffline) => {
                    edge.connect().await.map_err(|e| format!("MQTT reconnect: {e}"))?;
                }
                _ => {}
            },
            _ = next_poll(&mut tick, poll_every), if edge.node().is_born() => {
                let t0 = std::time::Instant::now();
                let polled = poll_registers(&client).await;
                let t1 = std::time::Instant::now();
                let now = match polled.and_then(|r| map(&r)) {
                    Ok(v) => v,
                    Err(e) => {
                        record(&stats, &mut |s| {
                            s.polls += 1;
                            s.poll_errors += 1;
                            s.last_error = Some(e.clone());
                        });
                        continue;
                    }
                };
                // Report by exception: only the metrics whose value changed.
                let mut changed = Vec::new();
                let mut which = Vec::new();
                for (i, s) in now.iter().enumerate() {
                    if last.get(i).map(|l| l.value) != Some(s.value) {
                        which.push(i);
                        let (dt, alias) = METRICS.get(i).copied().ok_or("map")?;
                        changed.push(metric_from_sample(s, dt, Some(alias)).map_err(|e| e.to_string())?);
                    }
                }
                let n = changed.len() as u64;
                let t2 = std::time::Instant::now();
                let sent = if changed.is_empty() {
                    None
                } else {
                    Some(edge.data(&changed).await.map_err(|e| e.to_string())?)
                };
                let t3 = std::time::Instant::now();
                let ns = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
                let seq = edge.node().next_seq();
                record(&stats, &mut |s| {
                    remember(s, &now, &which);
                    s.modbus_ns += ns(t1 - t0);
                    s.map_ns += ns(t2 - t1);
                    s.publish_ns += ns(t3 - t2);
                    s.polls += 1;
                    if let Some(sent) = &sent {
                        s.data_messages += 1;
                        s.metrics_published += n;
                        s.bytes_published += sent.payload.len() as u64;
                    }
                    s.next_seq = seq;
                });
                last = now;
            }
        }
    }
    if edge.node().is_born() {
        edge.disconnect().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}
