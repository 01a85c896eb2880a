//! `m2m demo`: an M2M gateway end to end on loopback, in one process. A simulated pump answers
//! Modbus/TCP; a gateway polls it, maps registers to samples and publishes them as a Sparkplug B
//! edge node over MQTT; a Sparkplug host application decodes and validates every message and
//! keeps the current values. The broker is embedded (rumqttd) unless `--broker` names one. An
//! LwM2M client exposes the same values as IPSO objects to an LwM2M server of ours, which reads
//! them in TLV and SenML CBOR and observes the temperature.

mod broker;
mod gateway;
mod host;
mod lwm2m;
mod pump;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use m2m_modbus::tokio::Server;
use tokio::sync::watch;

use crate::codec::CliError;
use gateway::GatewayStats;
use host::HostStats;

/// Options of `m2m demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// How long to run, in seconds (Ctrl-C ends it sooner, cleanly).
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    duration: f64,
    /// Print only the summary, as JSON (no live view).
    #[arg(long)]
    json: bool,
    /// Use this MQTT broker (mqtt://HOST:PORT) instead of the embedded one.
    #[arg(long, value_name = "URL")]
    broker: Option<String>,
    /// Modbus poll period in milliseconds (0: poll again as soon as a poll is done).
    #[arg(long, default_value_t = 100, value_name = "MS")]
    poll_ms: u64,
    /// How often the pump's values change, in milliseconds (0: on every read, so that every
    /// poll publishes an NDATA; for throughput runs).
    #[arg(long, default_value_t = 50, value_name = "MS")]
    tick_ms: u64,
}

fn failed(msg: impl Into<String>) -> CliError {
    CliError::Failed(msg.into())
}

/// `mqtt://HOST[:PORT]` as a host and a port (1883 by default); `what` names the argument in
/// the error.
pub(crate) fn parse_broker(what: &str, url: &str) -> Result<(String, u16), CliError> {
    let rest = url
        .strip_prefix("mqtt://")
        .ok_or_else(|| CliError::Usage(format!("{what} wants mqtt://HOST[:PORT], not {url}")))?;
    let rest = rest.trim_end_matches('/');
    match rest.rsplit_once(':') {
        Some((h, p)) => {
            let port = p
                .parse()
                .map_err(|_| CliError::Usage(format!("bad port in {url}")))?;
            Ok((h.trim_matches(['[', ']']).to_string(), port))
        }
        None if !rest.is_empty() => Ok((rest.to_string(), 1883)),
        None => Err(CliError::Usage(format!("no host in {url}"))),
    }
}

fn percentile(sorted: &[u64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    // Nearest rank: the index is within 0..len, so the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted.get(i).map(|&us| us as f64 / 1000.0)
}

/// Runs the demo and returns what to print.
pub(crate) fn run(args: &DemoArgs) -> Result<String, CliError> {
    let duration = crate::codec::seconds("--duration", args.duration, false)?;
    let external = args
        .broker
        .as_deref()
        .map(|b| parse_broker("--broker", b))
        .transpose()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| failed(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(demo(args, external, duration))
}

async fn demo(
    args: &DemoArgs,
    external: Option<(String, u16)>,
    duration: Duration,
) -> Result<String, CliError> {
    // 1. The pump on the m2m-modbus async server.
    let pump = pump::Pump::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| failed(format!("cannot listen on 127.0.0.1: {e}")))?;
    let modbus = listener
        .local_addr()
        .map_err(|e| failed(format!("no local address: {e}")))?;
    let server = Server::new(pump::PumpServer(pump.clone()));
    tokio::spawn(async move {
        let _ = server.serve(listener).await;
    });
    tokio::spawn(pump::simulate(
        pump.clone(),
        Duration::from_millis(args.tick_ms),
    ));

    // 2. The broker.
    let (broker, broker_label) = match external {
        Some(b) => {
            let label = format!("mqtt://{}:{}", b.0, b.1);
            (b, label)
        }
        None => {
            let addr = broker::start().map_err(failed)?;
            let label = format!("embedded rumqttd on {addr}");
            ((addr.ip().to_string(), addr.port()), label)
        }
    };

    // 3. The host application, subscribed before the gateway is born.
    let host_stats = Arc::new(Mutex::new(HostStats::default()));
    let (host_stop, host_stop_rx) = watch::channel(false);
    let host_task = tokio::spawn(host::run(
        broker.clone(),
        pump.clone(),
        host_stats.clone(),
        host_stop_rx,
    ));
    let ready_by = Instant::now() + Duration::from_secs(5);
    while !host_stats.lock().map(|s| s.ready).unwrap_or(false) {
        if host_task.is_finished() {
            return Err(failed(join_error(host_task.await)));
        }
        if Instant::now() > ready_by {
            return Err(failed(
                "the host application did not get its subscriptions in 5 s",
            ));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // 4. The gateway.
    let gw_stats = Arc::new(Mutex::new(GatewayStats::default()));
    let (gw_stop, gw_stop_rx) = watch::channel(false);
    let started = Instant::now();
    let gw_task = tokio::spawn(gateway::run(
        modbus,
        broker.clone(),
        Duration::from_millis(args.poll_ms),
        gw_stats.clone(),
        gw_stop_rx,
    ));

    // 5. The LwM2M client and server, on the gateway's values.
    let lw_stats = Arc::new(Mutex::new(lwm2m::LwM2mStats::default()));
    let lw_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let lw_threads =
        lwm2m::start(gw_stats.clone(), lw_stats.clone(), lw_stop.clone()).map_err(failed)?;

    // The live view, until the duration is over or Ctrl-C.
    let bar = if args.json {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
    } else {
        let b = ProgressBar::new_spinner();
        b.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b.enable_steady_tick(Duration::from_millis(120));
        b
    };
    let mut refresh = tokio::time::interval(Duration::from_millis(250));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut interrupted = false;
    loop {
        tokio::select! {
            _ = refresh.tick() => {}
            _ = &mut ctrl_c => { interrupted = true; break; }
        }
        if gw_task.is_finished() {
            bar.finish_and_clear();
            return Err(failed(join_error(gw_task.await)));
        }
        let elapsed = started.elapsed();
        bar.set_message(view(
            elapsed,
            duration,
            &modbus,
            &broker_label,
            &gw_stats,
            &host_stats,
            &lw_stats,
        ));
        if elapsed >= duration {
            break;
        }
    }
    let elapsed = started.elapsed();

    // 6. The end: the LwM2M client de-registers; NDEATH from the gateway, seen by the host.
    lw_stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (a, b) = lw_threads;
    let lw_joined = tokio::task::spawn_blocking(move || (a.join().is_ok(), b.join().is_ok())).await;
    if !matches!(lw_joined, Ok((true, true))) {
        bar.finish_and_clear();
        return Err(failed("the LwM2M client or server thread failed"));
    }
    let _ = gw_stop.send(true);
    match gw_task.await {
        Ok(Ok(())) => {}
        other => {
            bar.finish_and_clear();
            return Err(failed(join_error(other)));
        }
    }
    let death_by = Instant::now() + Duration::from_secs(2);
    while host_stats.lock().map(|s| s.deaths == 0).unwrap_or(false) && Instant::now() < death_by {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = host_stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(2), host_task).await;
    bar.finish_and_clear();

    let g = gw_stats.lock().map(|s| s.clone()).unwrap_or_default();
    let h = host_stats.lock().map(|s| s.clone()).unwrap_or_default();
    let reads = pump.lock().map(|p| p.reads).unwrap_or(0);
    let lw = lw_stats.lock().map(|s| s.clone()).unwrap_or_default();
    let summary = summary(
        elapsed,
        interrupted,
        &modbus,
        &broker_label,
        reads,
        &g,
        &h,
        &lw,
    );
    if args.json {
        serde_json::to_string_pretty(&summary).map_err(|e| failed(e.to_string()))
    } else {
        Ok(text(&summary))
    }
}

fn join_error<T>(r: Result<Result<T, String>, tokio::task::JoinError>) -> String {
    match r {
        Ok(Ok(_)) => "stopped early".into(),
        Ok(Err(e)) => e,
        Err(e) => format!("task failed: {e}"),
    }
}

fn view(
    elapsed: Duration,
    total: Duration,
    modbus: &std::net::SocketAddr,
    broker: &str,
    g: &Mutex<GatewayStats>,
    h: &Mutex<HostStats>,
    lw: &Mutex<lwm2m::LwM2mStats>,
) -> String {
    let g = g.lock().map(|s| s.clone()).unwrap_or_default();
    let h = h.lock().map(|s| s.clone()).unwrap_or_default();
    let lw = lw.lock().map(|s| s.clone()).unwrap_or_default();
    let secs = elapsed.as_secs_f64().max(1e-3);
    let decode_us = if h.messages > 0 {
        h.decode_ns_total as f64 / h.messages as f64 / 1000.0
    } else {
        0.0
    };
    let mut s = format!(
        "m2m demo  {:.1} s / {:.0} s   pump (Modbus/TCP {modbus}) -> gateway -> MQTT ({broker}) -> host\n  \
         Modbus polls {} ({:.0}/s)  Sparkplug messages {} ({:.0}/s)  {} bytes  decode+validate {decode_us:.1} us/msg  \
         seq {}  bdSeq {}  violations {}  decode errors {}\n",
        secs,
        total.as_secs_f64(),
        g.polls,
        g.polls as f64 / secs,
        h.messages,
        h.messages as f64 / secs,
        h.bytes,
        h.last_seq.map_or("-".into(), |v| v.to_string()),
        h.bd_seq.map_or("-".into(), |v| v.to_string()),
        h.violations,
        h.decode_errors,
    );
    for (name, value) in &h.values {
        s.push_str(&format!("  {name} = {value}"));
    }
    s.push_str(&format!(
        "\n  LwM2M ({}): {}  reads {}  notifications {}  {} records  decode {:.1} us/record  errors {}\n ",
        lw.server,
        if lw.registered { lwm2m::ENDPOINT } else { "waiting for the client" },
        lw.reads,
        lw.notifications,
        lw.records,
        if lw.records > 0 { lw.decode_ns_total as f64 / lw.records as f64 / 1000.0 } else { 0.0 },
        lw.errors,
    ));
    for (path, value) in lw.values.iter().filter(|(p, _)| p.starts_with("/33")) {
        s.push_str(&format!("  {path} = {value}"));
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn summary(
    elapsed: Duration,
    interrupted: bool,
    modbus: &std::net::SocketAddr,
    broker: &str,
    server_reads: u64,
    g: &GatewayStats,
    h: &HostStats,
    lw: &lwm2m::LwM2mStats,
) -> serde_json::Value {
    let secs = elapsed.as_secs_f64().max(1e-3);
    let mut lat = h.latencies_us.clone();
    lat.sort_unstable();
    let mut host = serde_json::to_value(h).unwrap_or_default();
    if let Some(o) = host.as_object_mut() {
        o.insert(
            "decode_validate_us_per_message".into(),
            serde_json::json!(if h.messages > 0 {
                h.decode_ns_total as f64 / h.messages as f64 / 1000.0
            } else {
                0.0
            }),
        );
        o.remove("decode_ns_total");
    }
    let published: BTreeMap<_, _> = g.values.clone();
    // The timings are of the polls answered: a failed one adds none.
    let answered = g.polls.saturating_sub(g.poll_errors);
    serde_json::json!({
        "duration_s": secs,
        "interrupted": interrupted,
        "modbus": {
            "device": modbus.to_string(),
            "polls": g.polls,
            "poll_errors": g.poll_errors,
            "polls_per_s": g.polls as f64 / secs,
            "server_reads": server_reads,
        },
        "mqtt": { "broker": broker },
        "gateway": {
            "group": gateway::GROUP,
            "edge_node": gateway::EDGE,
            "bd_seq": g.bd_seq,
            "births": g.births,
            "data_messages": g.data_messages,
            "metrics_published": g.metrics_published,
            "bytes_published": g.bytes_published,
            "messages_per_s": (g.births + g.data_messages) as f64 / secs,
            "values": published,
            "time_per_poll_us": {
                "what": "where the gateway's time goes per answered poll: the Modbus call (I/O, and decoding the response), mapping registers to samples and metrics, and publishing (Sparkplug encode and hand-over to the MQTT client)",
                "modbus_call": per_poll(g.modbus_ns, answered),
                "map": per_poll(g.map_ns, answered),
                "publish": per_poll(g.publish_ns, answered),
            },
        },
        "host": host,
        "latency_ms": {
            "what": "pump cycle counter change to the host seeing the new count",
            "samples": lat.len(),
            "median": percentile(&lat, 0.5),
            "p99": percentile(&lat, 0.99),
        },
        "values_match": h.values == g.values,
        "lwm2m": {
            "server": lw.server,
            "endpoint": lwm2m::ENDPOINT,
            "registered": lw.registered,
            "deregistered": lw.deregistered,
            "reads": lw.reads,
            "read_bytes": lw.read_bytes,
            "read_bytes_by_format": lw.read_bytes_by_format,
            "records": lw.records,
            "decode_us_per_record": if lw.records > 0 { lw.decode_ns_total as f64 / lw.records as f64 / 1000.0 } else { 0.0 },
            "notifications": lw.notifications,
            "errors": lw.errors,
            "last_error": lw.last_error,
            "values": lw.values,
        },
    })
}

fn per_poll(ns: u64, polls: u64) -> f64 {
    if polls == 0 {
        0.0
    } else {
        ns as f64 / polls as f64 / 1000.0
    }
}

fn text(s: &serde_json::Value) -> String {
    let mut out = String::from("m2m demo summary\n");
    let f = |v: &serde_json::Value| v.to_string();
    out.push_str(&format!(
        "  ran {:.1} s; Modbus: {} polls ({:.0}/s), {} errors\n",
        s["duration_s"].as_f64().unwrap_or(0.0),
        f(&s["modbus"]["polls"]),
        s["modbus"]["polls_per_s"].as_f64().unwrap_or(0.0),
        f(&s["modbus"]["poll_errors"]),
    ));
    out.push_str(&format!(
        "  gateway: {} NBIRTH, {} NDATA with {} metrics, {} bytes, bdSeq {}\n",
        f(&s["gateway"]["births"]),
        f(&s["gateway"]["data_messages"]),
        f(&s["gateway"]["metrics_published"]),
        f(&s["gateway"]["bytes_published"]),
        f(&s["gateway"]["bd_seq"]),
    ));
    let t = &s["gateway"]["time_per_poll_us"];
    out.push_str(&format!(
        "  gateway time per poll: Modbus call {:.1} us, mapping {:.1} us, Sparkplug publish {:.1} us\n",
        t["modbus_call"].as_f64().unwrap_or(0.0),
        t["map"].as_f64().unwrap_or(0.0),
        t["publish"].as_f64().unwrap_or(0.0),
    ));
    out.push_str(&format!(
        "  host: {} messages ({} NBIRTH, {} NDATA, {} NDEATH), {:.1} us to decode and validate a message, {} decode errors, {} validator violations\n",
        f(&s["host"]["messages"]),
        f(&s["host"]["births"]),
        f(&s["host"]["data"]),
        f(&s["host"]["deaths"]),
        s["host"]["decode_validate_us_per_message"].as_f64().unwrap_or(0.0),
        f(&s["host"]["decode_errors"]),
        f(&s["host"]["violations"]),
    ));
    out.push_str(&format!(
        "  latency register change -> host: median {} ms, p99 {} ms ({} samples)\n",
        f(&s["latency_ms"]["median"]),
        f(&s["latency_ms"]["p99"]),
        f(&s["latency_ms"]["samples"]),
    ));
    out.push_str(&format!(
        "  the host's values match the gateway's: {}\n",
        f(&s["values_match"])
    ));
    if let Some(values) = s["host"]["values"].as_object() {
        for (k, v) in values {
            out.push_str(&format!("    {k} = {v}\n"));
        }
    }
    let l = &s["lwm2m"];
    out.push_str(&format!(
        "  LwM2M: {} registered {}, de-registered {}; {} reads in TLV and SenML CBOR ({} bytes), {} records read or notified ({:.1} us/record to decode and type), {} notifications of the temperature, {} errors\n",
        l["endpoint"].as_str().unwrap_or(""),
        f(&l["registered"]),
        f(&l["deregistered"]),
        f(&l["reads"]),
        f(&l["read_bytes"]),
        f(&l["records"]),
        l["decode_us_per_record"].as_f64().unwrap_or(0.0),
        f(&l["notifications"]),
        f(&l["errors"]),
    ));
    if let Some(e) = l["last_error"].as_str() {
        out.push_str(&format!("    last LwM2M error: {e}\n"));
    }
    if let Some(values) = l["values"].as_object() {
        for (k, v) in values.iter().filter(|(k, _)| k.starts_with("/33")) {
            out.push_str(&format!("    {k} = {v}\n"));
        }
    }
    out.pop();
    out
}
