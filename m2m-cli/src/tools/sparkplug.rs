//! `m2m sparkplug listen`: a Sparkplug host application that prints every message it receives,
//! decoded, with the validator's findings and what the host session made of it.

use std::collections::HashMap;
use std::io::Write as _;

use m2m_sparkplug::mqtt::rumqttc::MqttOptions;
use m2m_sparkplug::mqtt::{HostKind, HostUpdate, MqttHost};
use m2m_sparkplug::payload::MetricView;
use m2m_sparkplug::session::host::HostConfig;
use m2m_sparkplug::state::StateMessage;
use m2m_sparkplug::validate::{Context, validate};
use m2m_sparkplug::{Payload, PayloadView, Seq, Topic, Value};

use crate::codec::CliError;

/// `m2m sparkplug ...`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SparkplugCommand {
    /// Subscribe to a broker and print every Sparkplug message, decoded and validated.
    Listen {
        /// The broker: mqtt://HOST:PORT.
        url: String,
        /// Only this group.
        #[arg(long)]
        group: Option<String>,
        /// The host application id this listener announces (its STATE topic).
        #[arg(long, default_value = "m2m-listen")]
        host_id: String,
        /// Stop after this many Sparkplug messages.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(e.to_string())
}

/// Per edge node (group/edge), the names and datatypes its birth gave its aliases.
type Births = HashMap<(String, String, Option<String>), HashMap<u64, (String, Option<u32>)>>;

fn describe(topic: &str, payload: &[u8], kind: HostKind, births: &mut Births) -> serde_json::Value {
    let mut out = serde_json::json!({ "topic": topic, "host": format!("{kind:?}") });
    match Topic::parse(topic) {
        Ok(Topic::State { host, .. }) => {
            out["state_of"] = host.into();
            match StateMessage::parse(payload) {
                Ok(s) => out["state"] = serde_json::to_value(s).unwrap_or_default(),
                Err(e) => out["error"] = e.to_string().into(),
            }
        }
        Ok(Topic::Message(t)) => {
            let key = (
                t.group.to_string(),
                t.edge_node.to_string(),
                t.device.map(str::to_string),
            );
            let view = match PayloadView::new(payload) {
                Ok(v) => v,
                Err(e) => {
                    out["error"] = e.to_string().into();
                    return out;
                }
            };
            out["type"] = t.message_type.as_str().into();
            out["timestamp"] = view.timestamp().into();
            out["seq"] = view.seq().into();
            let mut violations = Vec::new();
            let ctx = Context::default();
            if let Err(e) = validate(&view, t.message_type, &ctx, &mut |v| {
                violations.push(v.to_string())
            }) {
                out["error"] = e.to_string().into();
            }
            out["violations"] = violations.into();
            if t.message_type.is_birth() {
                let table = births.entry(key.clone()).or_default();
                table.clear();
                for m in view.metrics().flatten() {
                    if let (Some(a), Some(n)) = (m.alias(), m.name()) {
                        table.insert(a, (n.to_string(), m.datatype()));
                    }
                }
            }
            let table = births.get(&key);
            let node_table = births.get(&(key.0.clone(), key.1.clone(), None));
            let lookup = |a: u64| {
                table
                    .and_then(|t| t.get(&a))
                    .or_else(|| node_table.and_then(|t| t.get(&a)))
            };
            let metrics: Vec<serde_json::Value> = view
                .metrics()
                .enumerate()
                .map(|(i, m)| metric_json(i, m, &lookup))
                .collect();
            out["metrics"] = metrics.into();
        }
        _ => {}
    }
    out
}

/// One metric of a message, in payload order: its index, its name (the birth's, for an alias),
/// its alias, whether it is historical, its timestamp, and its value read by its datatype (the
/// birth's, for an alias) as `m2m decode sparkplug-payload` prints it; or, instead of the value,
/// an error that says what is wrong with the metric.
fn metric_json<'b>(
    index: usize,
    metric: Result<MetricView<'_>, m2m_sparkplug::Error>,
    lookup: &impl Fn(u64) -> Option<&'b (String, Option<u32>)>,
) -> serde_json::Value {
    let mut o = serde_json::Map::new();
    o.insert("index".into(), index.into());
    let m = match metric {
        Ok(m) => m,
        Err(e) => {
            o.insert("error".into(), e.to_string().into());
            return o.into();
        }
    };
    let born = m.alias().and_then(lookup);
    if let Some(n) = m.name().or_else(|| born.map(|(n, _)| n.as_str())) {
        o.insert("name".into(), n.into());
    }
    if let Some(a) = m.alias() {
        o.insert("alias".into(), a.into());
    }
    if m.is_historical() == Some(true) {
        o.insert("historical".into(), true.into());
    }
    if let Some(t) = m.timestamp() {
        o.insert("timestamp".into(), t.into());
    }
    let value = match (
        m.datatype().or_else(|| born.and_then(|(_, dt)| *dt)),
        m.name(),
    ) {
        (Some(dt), _) => typed_value(m, dt),
        (None, None) if m.alias().is_some() && born.is_none() => {
            Err("not in the birth".to_string())
        }
        (None, None) if m.alias().is_none() => Err("no name and no alias".to_string()),
        (None, _) => Err("no datatype".to_string()),
    };
    match value {
        Ok(v) => o.insert("value".into(), v),
        Err(e) => o.insert("error".into(), e.into()),
    };
    o.into()
}

/// The value of `m` read as datatype `dt`, as JSON in the form `m2m decode sparkplug-payload`
/// prints (arrays as arrays, bytes as hex, ...).
fn typed_value(m: MetricView<'_>, dt: u32) -> Result<serde_json::Value, String> {
    let text = |e: m2m_sparkplug::Error| e.to_string();
    if matches!(m.value_as(dt).map_err(text)?, Value::Null) {
        return Ok(serde_json::Value::Null);
    }
    let mut repr = m.to_repr().map_err(text)?;
    if repr.datatype.is_some() {
        return serde_json::to_value(&repr.value).map_err(|e| e.to_string());
    }
    // An alias without a datatype: the metric with the birth's datatype, read again as a
    // decoded payload reads it.
    repr.datatype = Some(dt);
    let payload = Payload {
        metrics: Seq::Owned(vec![repr]),
        ..Payload::default()
    };
    let bytes = payload.to_vec().map_err(text)?;
    let view = PayloadView::new(&bytes).map_err(text)?;
    let typed = view
        .metrics()
        .next()
        .ok_or("the metric is lost in encoding")?
        .and_then(|m| m.to_repr())
        .map_err(text)?;
    serde_json::to_value(&typed.value).map_err(|e| e.to_string())
}

fn text(d: &serde_json::Value) -> String {
    let mut s = format!(
        "{}  {}",
        d["topic"].as_str().unwrap_or_default(),
        d["type"]
            .as_str()
            .unwrap_or(d["host"].as_str().unwrap_or_default())
    );
    if let Some(seq) = d["seq"].as_u64() {
        s.push_str(&format!(" seq {seq}"));
    }
    if let Some(state) = d.get("state") {
        s.push_str(&format!(" {state}"));
    }
    if let Some(e) = d.get("error") {
        s.push_str(&format!(" ERROR {e}"));
    }
    for m in d["metrics"].as_array().into_iter().flatten() {
        let label = match (m["name"].as_str(), m["alias"].as_u64()) {
            (Some(n), _) => n.to_string(),
            (None, Some(a)) => format!("alias {a}"),
            (None, None) => format!("metric {}", m["index"]),
        };
        match (m.get("error"), m.get("value")) {
            (Some(e), _) => {
                s.push_str(&format!(
                    "\n    {label}: {}",
                    e.as_str().unwrap_or_default()
                ));
            }
            (None, v) => {
                let v = v.cloned().unwrap_or_default();
                s.push_str(&format!("\n    {label} = {v}"));
                if m["historical"] == true {
                    s.push_str(" (historical)");
                }
            }
        }
    }
    if let Some(v) = d["violations"].as_array() {
        for v in v {
            s.push_str(&format!("\n    ! {}", v.as_str().unwrap_or_default()));
        }
    }
    s
}

/// Runs the command: prints as it goes, returns the closing line.
pub(crate) fn run(cmd: &SparkplugCommand) -> Result<String, CliError> {
    let SparkplugCommand::Listen {
        url,
        group,
        host_id,
        count,
        duration,
        json,
    } = cmd;
    let (h, port) = crate::demo::parse_broker("the broker URL", url)?;
    let duration = duration
        .map(|d| crate::codec::seconds("--duration", d, true))
        .transpose()?;
    // A group id is one topic level without wildcards, and not STATE (Sparkplug 3.0 §4.1.1.1,
    // §4.2.3: `spBv1.0/STATE/<host_id>` takes that level).
    if let Some(g) = group {
        if let Err(e) = m2m_sparkplug::topic::check_id(g, m2m_sparkplug::topic::Part::Group) {
            return Err(CliError::Usage(format!(
                "--group wants a Sparkplug group id (no '/', '+' or '#', not STATE), not {g:?}: {e}"
            )));
        }
    }
    let filter: &'static str = Box::leak(
        group
            .as_ref()
            .map_or_else(|| "spBv1.0/#".to_string(), |g| format!("spBv1.0/{g}/#"))
            .into_boxed_str(),
    );
    let filters: &'static [&'static str] = Box::leak(Box::new([filter, "spBv1.0/STATE/+"]));
    let host_id: &'static str = Box::leak(host_id.clone().into_boxed_str());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(failed)?;
    rt.block_on(async {
        let mut config = HostConfig::new(host_id);
        config.filters = filters;
        let mut options =
            MqttOptions::new(format!("{host_id}-{}", std::process::id()), h.clone(), port);
        options.set_max_packet_size(1 << 20, 1 << 20);
        let mut host: MqttHost<'static> = MqttHost::new(config, options).map_err(failed)?;
        host.connect()
            .await
            .map_err(|e| failed(format!("cannot reach the MQTT broker at {h}:{port}: {e}")))?;
        let own = format!("spBv1.0/STATE/{host_id}");
        let mut births = Births::new();
        let mut seen = 0u64;
        let deadline = duration.and_then(|d| tokio::time::Instant::now().checked_add(d));
        let mut stdout = std::io::stdout();
        let mut stop = super::Stop::catch().map_err(failed)?;
        while count.is_none_or(|c| seen < c) {
            let next = host.next();
            let next = async {
                match deadline {
                    Some(d) => tokio::time::timeout_at(d, next).await.ok(),
                    None => Some(next.await),
                }
            };
            // Interrupted (SIGINT, SIGTERM): stopped as at the end of --duration.
            let update = tokio::select! {
                u = next => u,
                () = stop.wait() => None,
            };
            let Some(update) = update else { break };
            let update = update.map_err(failed)?;
            let HostUpdate::Message {
                topic,
                payload,
                kind,
            } = update
            else {
                continue;
            };
            if topic == own {
                continue;
            }
            if topic.starts_with("spBv1.0/STATE/") {
                // Other hosts' STATE: shown, not counted.
            } else {
                seen += 1;
            }
            let d = describe(&topic, &payload, kind, &mut births);
            let line = if *json { d.to_string() } else { text(&d) };
            if writeln!(stdout, "{line}").is_err() {
                break;
            }
        }
        // The STATE death and the MQTT DISCONNECT, if the broker takes them within two
        // seconds (a broker gone silent would hold the process for its keep-alive), and not
        // past a second signal.
        tokio::select! {
            _ = tokio::time::timeout(std::time::Duration::from_secs(2), host.disconnect()) => {}
            () = stop.wait() => {}
        }
        Ok(format!("{seen} Sparkplug message(s)"))
    })
    .map(|s| if *json { String::new() } else { s })
}
