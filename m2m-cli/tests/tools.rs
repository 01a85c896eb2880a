//! The field tools against real peers on loopback: `m2m modbus read/write` against a Modbus
//! server of ours (m2m-modbus's async server; the pymodbus and libmodbus servers are driven by the
//! peer matrix of m2m-modbus), `m2m sparkplug listen` against mosquitto with payloads published by
//! `mosquitto_pub`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)] // test helpers

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use m2m_modbus::tokio::{Handler, Responder, Server};
use m2m_modbus::{ExceptionCode, Request, Response};
use m2m_testkit::mosquitto::Mosquitto;

fn m2m(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_m2m"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// 100 holding registers and 100 coils.
#[derive(Default)]
struct Device {
    regs: Mutex<Vec<u16>>,
    coils: Mutex<Vec<bool>>,
}

impl Handler for Device {
    fn call(&self, _u: u8, req: Request<'_>, out: &mut Responder<'_>) -> Result<(), ExceptionCode> {
        let bad = ExceptionCode::IllegalDataAddress;
        let mut regs = self.regs.lock().unwrap();
        let mut coils = self.coils.lock().unwrap();
        let range = |a: u16, n: usize, len: usize| {
            let a = usize::from(a);
            (a + n <= len).then_some(a..a + n).ok_or(bad)
        };
        let rsp = match req {
            Request::ReadHoldingRegisters { address, quantity } => {
                let r = range(address, usize::from(quantity), regs.len())?;
                return out
                    .send(&Response::ReadHoldingRegisters {
                        registers: regs[r].into(),
                    })
                    .map_err(|_| ExceptionCode::ServerDeviceFailure);
            }
            Request::WriteSingleRegister { address, value } => {
                regs[range(address, 1, 100)?][0] = value;
                Response::WriteSingleRegister { address, value }
            }
            Request::WriteMultipleRegisters { address, registers } => {
                let r = range(address, registers.len(), 100)?;
                for (d, s) in regs[r].iter_mut().zip(registers.iter()) {
                    *d = s;
                }
                Response::WriteMultipleRegisters {
                    address,
                    quantity: registers.len() as u16,
                }
            }
            Request::ReadCoils { address, quantity } => {
                let r = range(address, usize::from(quantity), coils.len())?;
                let bytes: Vec<u8> = coils[r]
                    .chunks(8)
                    .map(|c| {
                        c.iter()
                            .enumerate()
                            .fold(0u8, |b, (i, &on)| b | (u8::from(on) << i))
                    })
                    .collect();
                return out
                    .send(&Response::ReadCoils {
                        coils: m2m_modbus::Bits::from_wire(&bytes, usize::from(quantity)).unwrap(),
                    })
                    .map_err(|_| ExceptionCode::ServerDeviceFailure);
            }
            Request::WriteSingleCoil { address, value } => {
                coils[range(address, 1, 100)?][0] = value;
                Response::WriteSingleCoil { address, value }
            }
            _ => return Err(ExceptionCode::IllegalFunction),
        };
        out.send(&rsp)
            .map_err(|_| ExceptionCode::ServerDeviceFailure)
    }
}

fn modbus_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let device = Arc::new(Device {
        regs: Mutex::new(vec![0; 100]),
        coils: Mutex::new(vec![false; 100]),
    });
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            let _ = Server::new(device).serve(l).await;
        });
    });
    port
}

#[test]
fn modbus_write_then_read() {
    let url = format!("tcp://127.0.0.1:{}", modbus_server());
    let (ok, out, err) = m2m(&["modbus", "write", &url, "holding", "5", "1", "0x10", "-3"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "wrote 3 value(s) at 5");
    let (ok, out, err) = m2m(&["modbus", "read", &url, "--json", "holding", "5", "3"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["values"], serde_json::json!([1, 16, 65533]));
    let (ok, out, _) = m2m(&["modbus", "read", &url, "holding", "6"]);
    assert!(ok);
    assert!(out.contains("      6  16 (0x0010, 16)"), "{out}");
    let (ok, _, err) = m2m(&["modbus", "write", &url, "coils", "3", "1"]);
    assert!(ok, "{err}");
    let (ok, out, _) = m2m(&["modbus", "read", &url, "--json", "coils", "2", "3"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["values"], serde_json::json!([false, true, false]));
    // An exception is one line and exit 1; an unreachable device too.
    let (ok, _, err) = m2m(&["modbus", "read", &url, "holding", "99", "5"]);
    assert!(!ok);
    assert!(err.contains("exception"), "{err}");
    let (ok, _, err) = m2m(&["modbus", "read", "tcp://127.0.0.1:1", "holding", "0"]);
    assert!(!ok && err.starts_with("m2m: cannot connect"), "{err}");
    let (ok, _, _) = m2m(&["modbus", "read", "udp://x", "holding", "0"]);
    assert!(!ok);
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `m2m sparkplug listen --group G` (with `extra` arguments) against a mosquitto of its own,
/// and `mosquitto_pub` to publish to it payloads that `m2m encode` makes from JSON.
struct Listen {
    broker: Mosquitto,
    listener: Kill,
    lines: mpsc::Receiver<String>,
}

impl Listen {
    fn start(extra: &[&str]) -> Option<Self> {
        let broker = Mosquitto::start(&["mosquitto_pub"])?;
        let mut listener = Kill(
            Command::new(env!("CARGO_BIN_EXE_m2m"))
                .args([
                    "sparkplug",
                    "listen",
                    &format!("mqtt://127.0.0.1:{}", broker.port()),
                    "--group",
                    "G",
                    "--duration",
                    "20",
                ])
                .args(extra)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let (tx, rx) = mpsc::channel();
        let out = listener.0.stdout.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Some(Listen {
            broker,
            listener,
            lines: rx,
        })
    }

    /// The payload `m2m encode` makes of `json`, in a file.
    fn encode(&self, json: &str) -> std::path::PathBuf {
        let (ok, out, err) = m2m(&["encode", "sparkplug-payload", json]);
        assert!(ok, "{err}");
        let path = self.broker.dir().join(format!("p{}.bin", json.len()));
        std::fs::write(&path, m2m_core::hex::decode(out.trim()).unwrap()).unwrap();
        path
    }

    fn publish(&self, topic: &str, file: &std::path::Path) {
        let ok = Command::new("mosquitto_pub")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.broker.port().to_string(),
                "-t",
                topic,
                "-f",
            ])
            .arg(file)
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// Publishes `file` to `topic` until the listener prints a line (its subscription is then
    /// in place), and returns that line.
    fn publish_until_seen(&self, topic: &str, file: &std::path::Path) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            self.publish(topic, file);
            if let Ok(l) = self.lines.recv_timeout(Duration::from_millis(300)) {
                return l;
            }
            assert!(Instant::now() < deadline, "the listener prints nothing");
        }
    }

    /// The next line that `keep` keeps.
    fn next_line(&self, keep: impl Fn(&str) -> bool) -> String {
        loop {
            let l = self
                .lines
                .recv_timeout(Duration::from_secs(10))
                .expect("the listener prints the message");
            if keep(&l) {
                return l;
            }
        }
    }
}

#[test]
fn sparkplug_listen_against_mosquitto() {
    let Some(listen) = Listen::start(&["--json"]) else {
        return;
    };
    let birth = listen.encode(
        r#"{"timestamp":1,"seq":0,"metrics":[{"name":"bdSeq","alias":100,"datatype":"UInt64","value":0,"timestamp":1},{"name":"Node Control/Rebirth","datatype":"Boolean","value":false,"timestamp":1},{"name":"t","alias":7,"datatype":"Double","value":1.5,"timestamp":1}]}"#,
    );
    let data = listen.encode(
        r#"{"timestamp":2,"seq":1,"metrics":[{"alias":7,"value":{"double_value":2.5},"timestamp":2}]}"#,
    );
    // NBIRTH until the listener shows it (its subscription is then in place), then NDATA.
    let first = listen.publish_until_seen("spBv1.0/G/NBIRTH/E", &birth);
    let b: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(b["type"], "NBIRTH");
    assert_eq!(b["metrics"][2]["name"], "t");
    assert_eq!(b["metrics"][2]["value"], 1.5);
    assert_eq!(b["violations"], serde_json::json!([]));
    listen.publish("spBv1.0/G/NDATA/E", &data);
    let l = listen.next_line(|l| l.contains(r#""type":"NDATA""#));
    let d: serde_json::Value = serde_json::from_str(&l).unwrap();
    // The alias is resolved through the birth, the value read with its datatype.
    assert_eq!(d["metrics"][0]["name"], "t", "{d}");
    assert_eq!(d["metrics"][0]["alias"], 7, "{d}");
    assert_eq!(d["metrics"][0]["value"], 2.5, "{d}");
    assert_eq!(d["seq"], 1);
    assert_eq!(d["host"], "Data(InOrder)");
    assert_eq!(d["violations"], serde_json::json!([]));
    drop(listen.listener);
}

/// Arrays print as `m2m decode sparkplug-payload` prints them, in births and through an alias;
/// every metric prints, in payload order (the same alias twice, a historical value then the
/// current one), and a metric that cannot be read says why, under its alias.
#[test]
fn sparkplug_listen_prints_every_metric_in_order() {
    let Some(listen) = Listen::start(&["--json"]) else {
        return;
    };
    let birth = listen.encode(
        r#"{"timestamp":1,"seq":0,"metrics":[{"name":"bdSeq","alias":100,"datatype":"UInt64","value":0},{"name":"t","alias":7,"datatype":"Double","value":1.5},{"name":"a","alias":8,"datatype":"Int32Array","value":[1,-2,3]}]}"#,
    );
    // t historical 1.0 at 2, t 2.5 at 3, a [4,-5] through its alias, an alias the birth lacks.
    let data = listen.encode(
        r#"{"timestamp":3,"seq":1,"metrics":[{"alias":7,"is_historical":true,"timestamp":2,"value":{"double_value":1.0}},{"alias":7,"timestamp":3,"value":{"double_value":2.5}},{"alias":8,"value":{"bytes_value":"04000000fbffffff"}},{"alias":99,"value":{"int_value":5}}]}"#,
    );
    let first = listen.publish_until_seen("spBv1.0/G/NBIRTH/E", &birth);
    let b: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(b["type"], "NBIRTH");
    assert_eq!(b["metrics"][2]["name"], "a", "{b}");
    assert_eq!(
        b["metrics"][2]["value"],
        serde_json::json!([1, -2, 3]),
        "{b}"
    );
    assert_eq!(b["metrics"][2].get("error"), None, "{b}");
    listen.publish("spBv1.0/G/NDATA/E", &data);
    let l = listen.next_line(|l| l.contains(r#""type":"NDATA""#));
    let d: serde_json::Value = serde_json::from_str(&l).unwrap();
    let m = d["metrics"].as_array().expect("a list of metrics");
    assert_eq!(m.len(), 4, "{d}");
    assert_eq!(
        m[0],
        serde_json::json!({"index":0,"name":"t","alias":7,"historical":true,"timestamp":2,"value":1.0})
    );
    assert_eq!(
        m[1],
        serde_json::json!({"index":1,"name":"t","alias":7,"timestamp":3,"value":2.5})
    );
    assert_eq!(
        m[2],
        serde_json::json!({"index":2,"name":"a","alias":8,"value":[4,-5]})
    );
    assert_eq!(
        m[3],
        serde_json::json!({"index":3,"alias":99,"error":"not in the birth"})
    );
    drop(listen.listener);
}

/// The text form: one line per metric, in payload order, named; errors under their alias.
#[test]
fn sparkplug_listen_text_names_every_metric() {
    let Some(listen) = Listen::start(&[]) else {
        return;
    };
    let birth = listen.encode(
        r#"{"timestamp":1,"seq":0,"metrics":[{"name":"bdSeq","alias":100,"datatype":"UInt64","value":0},{"name":"t","alias":7,"datatype":"Double","value":1.5},{"name":"a","alias":8,"datatype":"Int32Array","value":[1,-2,3]}]}"#,
    );
    let data = listen.encode(
        r#"{"timestamp":3,"seq":1,"metrics":[{"alias":7,"is_historical":true,"timestamp":2,"value":{"double_value":1.0}},{"alias":7,"timestamp":3,"value":{"double_value":2.5}},{"alias":99,"value":{"int_value":5}}]}"#,
    );
    let first = listen.publish_until_seen("spBv1.0/G/NBIRTH/E", &birth);
    assert!(first.contains("NBIRTH"), "{first}");
    let mut birth_lines = Vec::new();
    let data_head = loop {
        let l = listen.next_line(|_| true);
        if l.contains("NDATA") {
            break l;
        }
        birth_lines.push(l);
        if birth_lines.len() == 1 {
            listen.publish("spBv1.0/G/NDATA/E", &data);
        }
    };
    assert!(
        birth_lines.contains(&"    a = [1,-2,3]".to_string()),
        "{birth_lines:?}"
    );
    assert!(
        data_head.starts_with("spBv1.0/G/NDATA/E  NDATA seq 1"),
        "{data_head}"
    );
    let lines: Vec<String> = (0..3).map(|_| listen.next_line(|_| true)).collect();
    assert_eq!(
        lines,
        [
            "    t = 1.0 (historical)",
            "    t = 2.5",
            "    alias 99: not in the birth"
        ]
    );
    drop(listen.listener);
}

/// `m2m lwm2m server` accepts a client of ours, reads its Device object and prints it.
#[test]
fn lwm2m_server_reads_a_client() {
    use m2m_coap::Code;
    use m2m_lwm2m::client::{ObjectTree, RecordBuf, Settings};
    use m2m_lwm2m::link::ObjectLink;
    use m2m_lwm2m::{Path, Record, Text, Value};

    struct Device;
    impl ObjectTree for Device {
        fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
            f(ObjectLink::path(Path::instance(3, 0)));
        }
        fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
            let r = Record::new(
                Path::resource(3, 0, 0),
                Value::Str(Text::Plain("m2m-field")),
            );
            if path.contains(&r.path) {
                out.push(r)?;
            }
            Ok(())
        }
    }

    /// `m2m lwm2m server` on loopback with `args`: the process, its lines and its address.
    fn server(
        args: &[&str],
    ) -> (
        Child,
        std::io::Lines<BufReader<ChildStdout>>,
        std::net::SocketAddr,
    ) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_m2m"))
            .args([
                "lwm2m",
                "server",
                "--port",
                "0",
                "--bind",
                "127.0.0.1",
                "--json",
            ])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("m2m runs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first: serde_json::Value =
            serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        assert_eq!(first["event"], "listening");
        let addr = first["address"].as_str().unwrap().parse().unwrap();
        (child, lines, addr)
    }

    let (mut child, lines, addr) =
        server(&["--read", "/3/0", "--clients", "1", "--duration", "20"]);
    let client = std::thread::spawn(move || {
        let mut device = Device;
        let mut c = m2m_lwm2m::blocking::Client::new(addr, Settings::new("field-1")).unwrap();
        c.register(&device).unwrap();
        let _ = c.run(&mut device, Duration::from_secs(5), |_| false);
    });
    let seen: Vec<serde_json::Value> = lines
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect();
    let status = child.wait().unwrap();
    assert!(status.success());
    client.join().unwrap();
    assert_eq!(seen[0]["event"], "registered", "{seen:?}");
    assert_eq!(seen[0]["endpoint"], "field-1");
    assert_eq!(seen[1]["event"], "records", "{seen:?}");
    assert_eq!(seen[1]["records"][0]["name"], "Manufacturer");
    assert_eq!(seen[1]["records"][0]["value"], "m2m-field");

    // `--observe` observes every client that registers, not only the first.
    let (mut child, lines, addr) =
        server(&["--observe", "/3/0/0", "--clients", "2", "--duration", "6"]);
    let clients: Vec<_> = ["obs-a", "obs-b"]
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(1000 * i as u64));
                let mut device = Device;
                let mut c = m2m_lwm2m::blocking::Client::new(addr, Settings::new(name)).unwrap();
                c.register(&device).unwrap();
                let _ = c.run(&mut device, Duration::from_secs(4), |_| false);
            })
        })
        .collect();
    let seen: Vec<serde_json::Value> = lines
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect();
    assert!(child.wait().unwrap().success());
    for c in clients {
        c.join().unwrap();
    }
    for name in ["obs-a", "obs-b"] {
        assert!(
            seen.iter().any(|v| v["event"] == "records"
                && v["endpoint"] == name
                && v["observe"].is_u64()
                && v["records"][0]["value"] == "m2m-field"),
            "{name} observed: {seen:?}"
        );
    }
}

/// Sends `signal` (INT, TERM) to `child`.
fn signal(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// `m2m sparkplug listen` stops cleanly at SIGINT and at SIGTERM: the summary line, exit 0.
#[test]
fn sparkplug_listen_stops_cleanly_at_a_signal() {
    for sig in ["INT", "TERM"] {
        let Some(mut listen) = Listen::start(&[]) else {
            return;
        };
        let birth = listen.encode(
            r#"{"timestamp":1,"seq":0,"metrics":[{"name":"bdSeq","alias":100,"datatype":"UInt64","value":0}]}"#,
        );
        listen.publish_until_seen("spBv1.0/G/NBIRTH/E", &birth);
        signal(&listen.listener.0, sig);
        let status = listen.listener.0.wait().unwrap();
        assert!(status.success(), "SIG{sig}: {status}");
        let rest: Vec<String> = listen.lines.iter().collect();
        let last = rest.last().cloned().unwrap_or_default();
        assert!(
            last.ends_with(" Sparkplug message(s)"),
            "SIG{sig}: {rest:?}"
        );
    }
}

/// `m2m lwm2m server` stops cleanly at SIGINT and at SIGTERM: exit 0.
#[test]
fn lwm2m_server_stops_cleanly_at_a_signal() {
    for sig in ["INT", "TERM"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_m2m"))
            .args(["lwm2m", "server", "--port", "0", "--bind", "127.0.0.1"])
            .args(["--duration", "20"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("m2m runs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        assert!(first.starts_with("LwM2M server listening on "), "{first}");
        let started = Instant::now();
        signal(&child, sig);
        let status = child.wait().unwrap();
        assert!(status.success(), "SIG{sig}: {status}");
        assert!(started.elapsed() < Duration::from_secs(5), "SIG{sig}");
    }
}
