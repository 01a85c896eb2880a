//! The LwM2M half of the demo: the gateway's samples exposed by an LwM2M client as IPSO objects
//! (3303 Temperature, 3323 Pressure, 3300 Generic Sensor for vibration and flow, 3342 On/Off
//! switch for the running state and the cycle count) and an LwM2M server of ours that accepts
//! its registration, reads every object in TLV and in SenML CBOR, and observes the temperature. Both run on
//! m2m-lwm2m's blocking server and client, on loopback UDP, each in its own thread.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use m2m_coap::{Code, ContentFormat};
use m2m_lwm2m::attributes::Update;
use m2m_lwm2m::blocking::{Client, Server};
use m2m_lwm2m::client::{ObjectTree, RecordBuf, Settings};
use m2m_lwm2m::interface::ClientRequest;
use m2m_lwm2m::link::{ObjectLink, Version};
use m2m_lwm2m::model::{self, Registry};
use m2m_lwm2m::{Config, Path, Record, Text, Value, body};

use super::gateway::GatewayStats;

/// The endpoint name of the demo's LwM2M client.
pub(crate) const ENDPOINT: &str = "urn:dev:m2m-demo-pump-1";

/// Where each value of the register map goes: the map's name, the LwM2M path, the unit.
const POINTS: [(&str, Path<'static>, &str); 6] = [
    ("Pump/Temperature", Path::resource(3303, 0, 5700), "Cel"),
    ("Pump/Pressure", Path::resource(3323, 0, 5700), "bar"),
    ("Pump/Vibration", Path::resource(3300, 0, 5700), "mm/s"),
    ("Pump/Flow", Path::resource(3300, 1, 5700), "l/min"),
    ("Pump/Running", Path::resource(3342, 0, 5500), ""),
    ("Pump/Cycles", Path::resource(3342, 0, 5501), ""),
];

/// The temperature, observed by the server.
const TEMPERATURE: Path<'static> = Path::resource(3303, 0, 5700);

/// What the LwM2M half counts.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub(crate) struct LwM2mStats {
    pub(crate) server: String,
    pub(crate) registered: bool,
    pub(crate) deregistered: bool,
    pub(crate) reads: u64,
    pub(crate) read_bytes: u64,
    /// Bytes of the reads, by format (the same objects each time).
    pub(crate) read_bytes_by_format: BTreeMap<String, u64>,
    pub(crate) decode_ns_total: u64,
    pub(crate) records: u64,
    pub(crate) notifications: u64,
    pub(crate) errors: u64,
    pub(crate) last_error: Option<String>,
    /// The values as the server last read or was notified of them, by path.
    pub(crate) values: BTreeMap<String, serde_json::Value>,
}

/// The client's objects: the Device object and the pump's values from the gateway.
struct Objects {
    gateway: Arc<Mutex<GatewayStats>>,
}

impl Objects {
    fn value(&self, name: &str) -> Option<Value<'static>> {
        let g = self.gateway.lock().ok()?;
        let v = g.values.get(name)?;
        Some(match v {
            serde_json::Value::Bool(b) => Value::Bool(*b),
            v if name == "Pump/Cycles" => Value::Int(v.as_i64()?),
            v => Value::Float(v.as_f64()?),
        })
    }
}

impl ObjectTree for Objects {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        f(ObjectLink::path(Path::instance(3, 0)));
        for (o, v) in [
            (3303, Version::V1_1),
            (3323, Version::V1_1),
            (3300, Version::V1_1),
            (3342, Version::V1_1),
        ] {
            f(ObjectLink::path(Path::object(o)).with_version(v));
        }
        for p in [
            Path::instance(3303, 0),
            Path::instance(3323, 0),
            Path::instance(3300, 0),
            Path::instance(3300, 1),
            Path::instance(3342, 0),
        ] {
            f(ObjectLink::path(p));
        }
    }

    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
        let mut any = false;
        let mut push = |r: Record<'s>, out: &mut RecordBuf<'s>| -> Result<(), Code> {
            if path.contains(&r.path) {
                out.push(r)?;
                any = true;
            }
            Ok(())
        };
        for (r, v) in [
            (0, "m2m"),
            (1, "demo pump"),
            (2, "PUMP-0001"),
            (3, "0.1.0"),
            (16, "U"),
        ] {
            push(
                Record::new(Path::resource(3, 0, r), Value::Str(Text::Plain(v))),
                out,
            )?;
        }
        for (name, p, unit) in POINTS {
            if let Some(v) = self.value(name) {
                push(Record::new(p, v), out)?;
            }
            if !unit.is_empty() {
                if let (Some(o), Some(i)) = (p.object_id(), p.instance_id()) {
                    push(
                        Record::new(Path::resource(o, i, 5701), Value::Str(Text::Plain(unit))),
                        out,
                    )?;
                }
            }
        }
        if any { Ok(()) } else { Err(Code::NOT_FOUND) }
    }
}

fn note(stats: &Mutex<LwM2mStats>, f: impl FnOnce(&mut LwM2mStats)) {
    if let Ok(mut s) = stats.lock() {
        f(&mut s);
    }
}

fn json(v: &Value<'_>) -> serde_json::Value {
    match v {
        Value::Float(f) => serde_json::json!(f),
        Value::Int(i) | Value::Time(i) => serde_json::json!(i),
        Value::Uint(u) => serde_json::json!(u),
        Value::Bool(b) => serde_json::json!(b),
        Value::Str(t) | Value::CoreLink(t) => serde_json::json!(t.to_string()),
        other => serde_json::json!(format!("{other:?}")),
    }
}

/// Decodes a body against the registry into the stats' values; the time it took.
fn take_body(
    stats: &Mutex<LwM2mStats>,
    base: Path<'_>,
    format: ContentFormat,
    payload: &[u8],
) -> Result<(), String> {
    let t = Instant::now();
    let mut values = Vec::new();
    let records = body::decode(format, base, payload, Config::STRICT)
        .map_err(|e| format!("{format:?}: {e}"))?;
    for r in records {
        let r = model::typed(r.map_err(|e| e.to_string())?, &Registry, &Config::STRICT)
            .map_err(|e| e.to_string())?;
        if let Some(v) = r.value {
            values.push((r.path.to_string(), json(&v)));
        }
    }
    let ns = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
    note(stats, |s| {
        s.decode_ns_total += ns;
        s.records += values.len() as u64;
        s.values.extend(values);
    });
    Ok(())
}

fn format_name(f: ContentFormat) -> &'static str {
    match f {
        ContentFormat::LWM2M_TLV => "TLV",
        ContentFormat::SENML_CBOR => "SenML CBOR",
        _ => "other",
    }
}

/// Starts the LwM2M server and client threads; they run until `stop`.
pub(crate) fn start(
    gateway: Arc<Mutex<GatewayStats>>,
    stats: Arc<Mutex<LwM2mStats>>,
    stop: Arc<AtomicBool>,
) -> Result<(std::thread::JoinHandle<()>, std::thread::JoinHandle<()>), String> {
    let mut server = Server::bind("127.0.0.1:0").map_err(|e| format!("LwM2M server: {e}"))?;
    let addr = server
        .local_addr()
        .map_err(|e| format!("LwM2M server: {e}"))?;
    note(&stats, |s| s.server = format!("coap://{addr}"));

    // Set by the server once it has read everything at the end: the client may de-register.
    let done = Arc::new(AtomicBool::new(false));
    let (s_stats, s_stop, s_done) = (stats.clone(), stop, done.clone());
    let server_thread = std::thread::spawn(move || {
        if let Err(e) = serve(&mut server, &s_stats, &s_stop, &s_done) {
            note(&s_stats, |s| {
                s.errors += 1;
                s.last_error = Some(e);
            });
        }
        s_done.store(true, Ordering::Relaxed);
    });

    let (c_stats, c_done) = (stats, done);
    let client_thread = std::thread::spawn(move || {
        let mut objects = Objects { gateway };
        let settings = Settings {
            lifetime: 60,
            ..Settings::new(ENDPOINT)
        };
        let result = (|| -> Result<(), String> {
            // Register once the gateway has a value for every point.
            let ready_by = Instant::now() + Duration::from_secs(3);
            while POINTS.iter().any(|(n, _, _)| objects.value(n).is_none())
                && Instant::now() < ready_by
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            let mut client = Client::new(addr, settings).map_err(|e| e.to_string())?;
            client.register(&objects).map_err(|e| e.to_string())?;
            let mut last = None;
            // Serve until the server has made its last reads.
            while !c_done.load(Ordering::Relaxed) {
                client
                    .turn(&mut objects, Duration::from_millis(20))
                    .map_err(|e| e.to_string())?;
                let now = objects.value("Pump/Temperature");
                if now != last {
                    last = now;
                    client.inner().changed(&TEMPERATURE);
                }
            }
            client
                .deregister(&mut objects, Duration::from_secs(3))
                .map_err(|e| e.to_string())
        })();
        if let Err(e) = result {
            note(&c_stats, |s| {
                s.errors += 1;
                s.last_error = Some(format!("client: {e}"));
            });
        }
    });
    Ok((server_thread, client_thread))
}

/// The objects the server reads, at the start and at the end.
const READS: [Path<'static>; 5] = [
    Path::instance(3, 0),
    Path::instance(3303, 0),
    Path::instance(3323, 0),
    Path::object(3300),
    Path::instance(3342, 0),
];

fn read_all(server: &mut Server, endpoint: &str, stats: &Mutex<LwM2mStats>) -> Result<(), String> {
    for format in [ContentFormat::LWM2M_TLV, ContentFormat::SENML_CBOR] {
        for p in READS {
            let read = ClientRequest::Read {
                path: p,
                accept: Some(format),
            };
            let rsp = server
                .request(endpoint, &read, Duration::from_secs(5))
                .map_err(|e| format!("read {p}: {e}"))?;
            if rsp.code != Code::CONTENT || rsp.format != Some(format) {
                return Err(format!(
                    "read {p} as {}: {} {:?}",
                    format.0, rsp.code, rsp.format
                ));
            }
            note(stats, |s| {
                s.reads += 1;
                s.read_bytes += rsp.payload.len() as u64;
                *s.read_bytes_by_format
                    .entry(format_name(format).into())
                    .or_default() += rsp.payload.len() as u64;
            });
            take_body(stats, p, format, &rsp.payload)?;
        }
    }
    Ok(())
}

fn serve(
    server: &mut Server,
    stats: &Mutex<LwM2mStats>,
    stop: &AtomicBool,
    done: &AtomicBool,
) -> Result<(), String> {
    let reg = loop {
        match server.wait_registration(Duration::from_millis(200)) {
            Ok(r) => break r,
            Err(_) if !stop.load(Ordering::Relaxed) => {}
            Err(e) => return Err(format!("no registration: {e}")),
        }
    };
    note(stats, |s| s.registered = true);
    let wait = Duration::from_secs(5);
    // Every object instance in TLV.
    read_all(server, &reg.endpoint, stats)?;
    // Observe the temperature: at most every 200 ms, at least every 2 s.
    let attrs = Update::parse(["pmin=0", "pmax=2"]).map_err(|e| e.to_string())?;
    server
        .request(
            &reg.endpoint,
            &ClientRequest::WriteAttributes {
                path: TEMPERATURE,
                update: attrs,
            },
            wait,
        )
        .map_err(|e| format!("write-attributes: {e}"))?;
    let id = server
        .send(
            &reg.endpoint,
            &ClientRequest::Observe {
                path: TEMPERATURE,
                accept: Some(ContentFormat::LWM2M_TLV),
            },
        )
        .map_err(|e| e.to_string())?;
    while !stop.load(Ordering::Relaxed) {
        match server.wait_response(id, Duration::from_millis(100)) {
            Ok(n) => {
                if n.observe.is_some_and(|o| o > 0) {
                    note(stats, |s| s.notifications += 1);
                }
                take_body(
                    stats,
                    TEMPERATURE,
                    n.format.unwrap_or(ContentFormat::LWM2M_TLV),
                    &n.payload,
                )?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    // The values at the end, then the client's De-register.
    read_all(server, &reg.endpoint, stats)?;
    done.store(true, Ordering::Relaxed);
    let end = Instant::now() + Duration::from_secs(3);
    while server.inner().find(ENDPOINT).is_some() && Instant::now() < end {
        server
            .serve_for(Duration::from_millis(50))
            .map_err(|e| e.to_string())?;
    }
    note(stats, |s| {
        s.deregistered = server.inner().find(ENDPOINT).is_none()
    });
    Ok(())
}
