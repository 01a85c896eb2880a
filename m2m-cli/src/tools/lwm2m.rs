//! `m2m lwm2m server`: an LwM2M server for the field. It accepts registrations, and for each
//! client that registers reads, writes and observes the paths given on the command line,
//! printing what it sees as a table, or one JSON object per line with `--json`.

use std::io::Write as _;
use std::time::{Duration, Instant};

use m2m_lwm2m::blocking::{Response, Server};
use m2m_lwm2m::interface::ClientRequest;
use m2m_lwm2m::{Config, ContentFormat, Path, body};

use crate::codec::CliError;

/// `m2m lwm2m ...`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Lwm2mCommand {
    /// Accept registrations; read, write and observe paths of each client that registers.
    Server {
        /// The UDP port (5683, the CoAP default; 0 for any free one).
        #[arg(long, default_value_t = 5683)]
        port: u16,
        /// The address to listen on.
        #[arg(long, default_value = "0.0.0.0")]
        bind: String,
        /// Read this path (`/3/0`) after each registration; may be repeated.
        #[arg(long, value_name = "PATH")]
        read: Vec<String>,
        /// Write a resource: `PATH=VALUE` (text/plain); may be repeated.
        #[arg(long, value_name = "PATH=VALUE")]
        write: Vec<String>,
        /// Observe this path and print every notification.
        #[arg(long, value_name = "PATH")]
        observe: Option<String>,
        /// The format asked for: tlv, senml-json, senml-cbor, lwm2m-cbor, json, text.
        #[arg(long, default_value = "tlv")]
        format: String,
        /// Stop after this many registrations have been served.
        #[arg(long, value_name = "N")]
        clients: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(e.to_string())
}

fn format_of(name: &str) -> Result<ContentFormat, CliError> {
    Ok(match name {
        "tlv" => ContentFormat::LWM2M_TLV,
        "senml-json" => ContentFormat::SENML_JSON,
        "senml-cbor" => ContentFormat::SENML_CBOR,
        "lwm2m-cbor" => ContentFormat::LWM2M_CBOR,
        "json" => ContentFormat::LWM2M_JSON,
        "text" => ContentFormat::TEXT_PLAIN,
        other => {
            return Err(CliError::Usage(format!(
                "--format {other}: tlv, senml-json, senml-cbor, lwm2m-cbor, json or text"
            )));
        }
    })
}

fn path_of(text: &str) -> Result<Path<'_>, CliError> {
    Path::parse(text).map_err(|e| CliError::Usage(format!("bad path {text}: {e}")))
}

/// Prints one event.
fn show(json: bool, v: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(out, "{v}");
        return;
    }
    match v["event"].as_str() {
        Some("records") => {
            let _ = writeln!(
                out,
                "{} {} ({}):",
                v["endpoint"].as_str().unwrap_or(""),
                v["path"].as_str().unwrap_or(""),
                v["code"].as_str().unwrap_or("")
            );
            for r in v["records"].as_array().into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "  {:<16} {:<28} {}",
                    r["path"].as_str().unwrap_or(""),
                    r["name"].as_str().unwrap_or(""),
                    r.get("value").map_or(String::new(), ToString::to_string)
                );
            }
        }
        Some("listening") => {
            let _ = writeln!(
                out,
                "LwM2M server listening on {}",
                v["address"].as_str().unwrap_or("")
            );
        }
        Some("registered") => {
            let _ = writeln!(
                out,
                "{} registered from {} (lifetime {} s): {}",
                v["endpoint"].as_str().unwrap_or(""),
                v["peer"].as_str().unwrap_or(""),
                v["lifetime"],
                v["links"].as_str().unwrap_or("")
            );
        }
        Some("written") => {
            let _ = writeln!(
                out,
                "{} write {}: {}",
                v["endpoint"].as_str().unwrap_or(""),
                v["path"].as_str().unwrap_or(""),
                v["code"].as_str().unwrap_or("")
            );
        }
        _ => {
            let _ = writeln!(out, "{v}");
        }
    }
}

/// A response's records as JSON, typed against the registry (leniently: field devices deviate).
fn records(base: Path<'_>, rsp: &Response) -> serde_json::Value {
    let Some(format) = rsp
        .format
        .or((base.depth() >= 3).then_some(ContentFormat::TEXT_PLAIN))
    else {
        return serde_json::json!([]);
    };
    let mut out = Vec::new();
    match body::decode(format, base, &rsp.payload, Config::LENIENT) {
        Ok(rs) => {
            for r in rs {
                match r {
                    Ok(r) => out.push(
                        crate::lwm2m::record_json(&r, true)
                            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() })),
                    ),
                    Err(e) => out.push(serde_json::json!({ "error": e.to_string() })),
                }
            }
        }
        Err(e) => out.push(serde_json::json!({ "error": e.to_string() })),
    }
    serde_json::Value::Array(out)
}

pub(crate) fn run(cmd: &Lwm2mCommand) -> Result<String, CliError> {
    let Lwm2mCommand::Server {
        port,
        bind,
        read,
        write,
        observe,
        format,
        clients,
        duration,
        json,
    } = cmd;
    let accept = format_of(format)?;
    let reads = read
        .iter()
        .map(|p| path_of(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut writes = Vec::new();
    for w in write {
        let (p, v) = w
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--write {w}: PATH=VALUE")))?;
        writes.push((path_of(p)?, v));
    }
    let observe = observe.as_deref().map(path_of).transpose()?;
    let duration = duration
        .map(|d| crate::codec::seconds("--duration", d, true))
        .transpose()?;
    let stopped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    super::Stop::flag(stopped.clone()).map_err(failed)?;
    let mut server = Server::bind(&format!("{bind}:{port}"))
        .map_err(|e| failed(format!("cannot listen on {bind}:{port}: {e}")))?;
    let addr = server.local_addr().map_err(failed)?;
    show(
        *json,
        &serde_json::json!({ "event": "listening", "address": addr.to_string() }),
    );
    let end = duration.and_then(|d| Instant::now().checked_add(d));
    // Interrupted (SIGINT, SIGTERM): stopped as at the end of --duration.
    let left = || match stopped.load(std::sync::atomic::Ordering::Relaxed) {
        true => Duration::ZERO,
        false => end.map_or(Duration::from_secs(3600), |e| {
            e.saturating_duration_since(Instant::now())
        }),
    };
    // The longest wait between two looks at the signals.
    let tick = Duration::from_millis(200);
    let wait = Duration::from_secs(10);
    let mut served = 0u64;
    // The observations going on: the client's endpoint, the request and the path.
    let mut observing: Vec<(String, m2m_coap::RequestId, Path<'_>)> = Vec::new();
    while !left().is_zero() {
        let more = clients.is_none_or(|c| served < c);
        if !more && observing.is_empty() {
            break;
        }
        // New clients, in short waits: the observations of those before and the signals are
        // looked at between two.
        let reg = if more {
            match server.wait_registration(left().min(tick)) {
                Ok(reg) => Some(reg),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => None,
                // The socket failed: nothing more comes.
                Err(e) => {
                    show(
                        *json,
                        &serde_json::json!({ "event": "error", "error": e.to_string() }),
                    );
                    break;
                }
            }
        } else {
            None
        };
        if let Some(reg) = reg {
            served += 1;
            serve_client(&mut server, &reg, *json, &writes, &reads, accept, &|| {
                wait.min(left())
            });
            if let Some(path) = observe {
                let req = ClientRequest::Observe {
                    path,
                    accept: Some(accept),
                };
                // A client that registers again is observed anew (its old observation is
                // the old registration's).
                observing.retain(|(e, ..)| *e != reg.endpoint);
                match server.send(&reg.endpoint, &req) {
                    Ok(id) => observing.push((reg.endpoint.clone(), id, path)),
                    Err(e) => show(
                        *json,
                        &serde_json::json!({ "event": "error", "endpoint": reg.endpoint, "path": path.to_string(), "error": e.to_string() }),
                    ),
                }
            }
        }
        // Each observation's notifications so far; one whose client is gone, or that ended
        // in an error, is dropped.
        let mut i = 0;
        while let Some((endpoint, id, path)) = observing.get(i).cloned() {
            let t = if more {
                Duration::from_millis(1)
            } else {
                left().min(tick)
            };
            let keep = match server.wait_response(id, t) {
                Ok(rsp) => {
                    show(
                        *json,
                        &serde_json::json!({
                            "event": "records", "endpoint": endpoint, "path": path.to_string(),
                            "code": rsp.code.to_string(), "observe": rsp.observe, "records": records(path, &rsp),
                        }),
                    );
                    rsp.observe.is_some()
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    server.inner().find(&endpoint).is_some()
                }
                Err(e) => {
                    show(
                        *json,
                        &serde_json::json!({ "event": "error", "endpoint": endpoint, "path": path.to_string(), "error": e.to_string() }),
                    );
                    false
                }
            };
            if keep {
                i += 1;
            } else {
                observing.remove(i);
            }
        }
    }
    Ok(String::new())
}

/// The writes, then the reads, of `--write` and `--read` for a client that registered.
fn serve_client(
    server: &mut Server,
    reg: &m2m_lwm2m::blocking::Registered,
    json: bool,
    writes: &[(Path<'_>, &str)],
    reads: &[Path<'_>],
    accept: ContentFormat,
    wait: &dyn Fn() -> Duration,
) {
    show(
        json,
        &serde_json::json!({
            "event": "registered", "endpoint": reg.endpoint, "peer": reg.peer.to_string(),
            "lifetime": reg.lifetime, "links": reg.links,
        }),
    );
    for &(path, value) in writes {
        // Stopped (a signal, the end of --duration): nothing more is asked.
        if wait().is_zero() {
            return;
        }
        let req = ClientRequest::Write {
            path,
            replace: true,
            format: ContentFormat::TEXT_PLAIN,
            payload: value.as_bytes(),
        };
        let v = match server.request(&reg.endpoint, &req, wait()) {
            Ok(rsp) => {
                serde_json::json!({ "event": "written", "endpoint": reg.endpoint, "path": path.to_string(), "code": rsp.code.to_string() })
            }
            Err(e) => {
                serde_json::json!({ "event": "error", "endpoint": reg.endpoint, "path": path.to_string(), "error": e.to_string() })
            }
        };
        show(json, &v);
    }
    for &path in reads {
        if wait().is_zero() {
            return;
        }
        let req = ClientRequest::Read {
            path,
            accept: Some(if path.depth() >= 3 && accept == ContentFormat::LWM2M_TLV {
                ContentFormat::LWM2M_TLV
            } else {
                accept
            }),
        };
        let v = match server.request(&reg.endpoint, &req, wait()) {
            Ok(rsp) => serde_json::json!({
                "event": "records", "endpoint": reg.endpoint, "path": path.to_string(),
                "code": rsp.code.to_string(), "format": rsp.format.map(|f| f.0), "records": records(path, &rsp),
            }),
            Err(e) => {
                serde_json::json!({ "event": "error", "endpoint": reg.endpoint, "path": path.to_string(), "error": e.to_string() })
            }
        };
        show(json, &v);
    }
}
