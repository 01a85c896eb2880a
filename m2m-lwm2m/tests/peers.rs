//! Real LwM2M 1.0 peers on loopback (installed by `tests/peers/setup.sh` under
//! `target/lwm2m-peers`, or `$LWM2M_PEERS`): npm `coap-node@0.2.5` (a client) and
//! `lwm2m-node-lib@1.4.0` (a server and a client). Each runs in node with
//! `tests/peers/force-loopback.js` preloaded, so that every socket binds 127.0.0.1.
//!
//! - our server (the sans-IO server on a std socket) accepts coap-node's registration, reads
//!   /3/0 in TLV and decodes it against the registry, and reads /3303/0;
//! - our server accepts lwm2m-node-lib's client and reads its resources as plain text;
//! - lwm2m-node-lib's server accepts our client's registration and reads our resources, /3/0
//!   in TLV included.
//!
//! Without the peers the tests are skipped, unless `M2M_REQUIRE_LWM2M_PEERS` is set (as
//! `.ci/run` does): then they fail. The peers' wire behaviour is written up in
//! `tests/peers/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use m2m_coap::{Code, ContentFormat};
use m2m_lwm2m::blocking::{Client, Server};
use m2m_lwm2m::client::{ObjectTree, RecordBuf, Settings};
use m2m_lwm2m::interface::ClientRequest;
use m2m_lwm2m::link::{self, ObjectLink, Target};
use m2m_lwm2m::model::{self, Registry};
use m2m_lwm2m::{Config, Path, Record, Text, Value, body};

fn peers() -> Option<PathBuf> {
    let dir = std::env::var_os("LWM2M_PEERS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/lwm2m-peers"),
        PathBuf::from,
    );
    let modules = dir.join("node_modules");
    if modules.join("coap-node").exists() && modules.join("lwm2m-node-lib").exists() {
        return Some(modules);
    }
    assert!(
        std::env::var_os("M2M_REQUIRE_LWM2M_PEERS").is_none(),
        "the LwM2M peers are required: run m2m-lwm2m/tests/peers/setup.sh target/lwm2m-peers"
    );
    eprintln!("skipped: no LwM2M peers in {}", dir.display());
    None
}

/// A node script of `tests/peers`, with its JSON lines on a channel; killed when dropped.
struct Peer {
    child: Child,
    lines: mpsc::Receiver<serde_json::Value>,
}

impl Peer {
    fn start(modules: &PathBuf, script: &str, args: &[&str]) -> Peer {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers");
        let mut child = Command::new("node")
            .arg("-r")
            .arg(here.join("force-loopback.js"))
            .arg(here.join(script))
            .args(args)
            .env("LWM2M_PEERS_NODE_MODULES", modules)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        let out: ChildStdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&line) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
            }
        });
        Peer { child, lines }
    }

    /// The next line with `"event": event`, within `timeout`.
    fn wait(&self, event: &str, timeout: Duration) -> serde_json::Value {
        let end = std::time::Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(std::time::Instant::now());
            let v = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {event} from the peer"));
            assert_ne!(v["event"], "error", "{v}");
            if v["event"] == event {
                return v;
            }
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn our_server_reads_coap_node() {
    let Some(modules) = peers() else { return };
    let mut server = Server::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port().to_string();
    let _peer = Peer::start(&modules, "coap-node-client.js", &["coap-node-1", &port]);
    let reg = server.wait_registration(WAIT).unwrap();
    assert_eq!(reg.endpoint, "coap-node-1");
    // `</>;ct=11543;hb,</3/0>,</4/0>,</3303/0>`: a root link, then the instances.
    let links: Vec<_> = link::parse(&reg.links, Config::LENIENT)
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        matches!(links[0].target, Target::Root { .. }),
        "{}",
        reg.links
    );
    assert!(
        links
            .iter()
            .any(|l| l.target == Target::Path(Path::instance(3303, 0))),
        "{}",
        reg.links
    );

    // /3/0 in TLV: an Object Instance wrapper, multiple resources sent as single ones.
    let read = ClientRequest::Read {
        path: Path::instance(3, 0),
        accept: Some(ContentFormat::LWM2M_TLV),
    };
    let rsp = server.request(&reg.endpoint, &read, WAIT).unwrap();
    assert_eq!(
        (rsp.code, rsp.format),
        (Code::CONTENT, Some(ContentFormat::LWM2M_TLV))
    );
    let records = typed(ContentFormat::LWM2M_TLV, Path::instance(3, 0), &rsp.payload);
    let get = |p: Path<'_>| records.iter().find(|r| r.path == p).and_then(|r| r.value);
    assert_eq!(
        get(Path::resource(3, 0, 0)),
        Some(Value::Str(Text::Plain("m2m-test")))
    );
    assert_eq!(
        get(Path::resource(3, 0, 2)),
        Some(Value::Str(Text::Plain("SN-0001")))
    );
    assert!(
        get(Path::resource_instance(3, 0, 7, 0)).is_some(),
        "{records:?}"
    );
    // Strict decoding names the deviation instead.
    assert!(
        body::decode(
            ContentFormat::LWM2M_TLV,
            Path::instance(3, 0),
            &rsp.payload,
            Config::STRICT
        )
        .unwrap()
        .any(|r| r.is_err())
    );

    // /3/0 in LwM2M JSON: `"bn":"/3/0"` without its trailing slash, only when lenient.
    let read = ClientRequest::Read {
        path: Path::instance(3, 0),
        accept: Some(ContentFormat::LWM2M_JSON),
    };
    let rsp = server.request(&reg.endpoint, &read, WAIT).unwrap();
    assert_eq!(
        (rsp.code, rsp.format),
        (Code::CONTENT, Some(ContentFormat::LWM2M_JSON))
    );
    let json = typed(
        ContentFormat::LWM2M_JSON,
        Path::instance(3, 0),
        &rsp.payload,
    );
    let get = |p: Path<'_>| json.iter().find(|r| r.path == p).and_then(|r| r.value);
    assert_eq!(
        get(Path::resource(3, 0, 0)),
        Some(Value::Str(Text::Plain("m2m-test"))),
        "{json:?}"
    );
    assert_eq!(
        get(Path::resource(3, 0, 1)),
        Some(Value::Str(Text::Plain("coap-node-0.2.5")))
    );
    assert!(
        body::decode(
            ContentFormat::LWM2M_JSON,
            Path::instance(3, 0),
            &rsp.payload,
            Config::STRICT
        )
        .unwrap()
        .any(|r| r.is_err() || r.is_ok_and(|r| r.path.depth() != 3))
    );

    // /3303/1 is larger than a message: coap's server sends it in Block2 blocks, and our
    // server asks for each and hands it over whole.
    let read = ClientRequest::Read {
        path: Path::instance(3303, 1),
        accept: Some(ContentFormat::LWM2M_TLV),
    };
    let rsp = server.request(&reg.endpoint, &read, WAIT).unwrap();
    assert_eq!(rsp.code, Code::CONTENT);
    assert!(rsp.payload.len() > 1500, "{} bytes", rsp.payload.len());
    let kind: String = (0..1500)
        .map(|i| char::from(b'a' + u8::try_from(i % 26).unwrap()))
        .collect();
    let records = typed(
        ContentFormat::LWM2M_TLV,
        Path::instance(3303, 1),
        &rsp.payload,
    );
    assert!(
        records.contains(&Record::new(
            Path::resource(3303, 1, 5750),
            Value::Str(Text::Plain(&kind))
        )),
        "{records:?}"
    );

    // /3303/0: the temperature as a 4-byte float.
    let read = ClientRequest::Read {
        path: Path::instance(3303, 0),
        accept: Some(ContentFormat::LWM2M_TLV),
    };
    let rsp = server.request(&reg.endpoint, &read, WAIT).unwrap();
    let records = typed(
        ContentFormat::LWM2M_TLV,
        Path::instance(3303, 0),
        &rsp.payload,
    );
    assert!(
        records.contains(&Record::new(
            Path::resource(3303, 0, 5700),
            Value::Float(21.5)
        )),
        "{records:?}"
    );
    assert!(records.contains(&Record::new(
        Path::resource(3303, 0, 5701),
        Value::Str(Text::Plain("Cel"))
    )));

    // A single resource as plain text.
    let read = ClientRequest::Read {
        path: Path::resource(3, 0, 0),
        accept: Some(ContentFormat::TEXT_PLAIN),
    };
    let rsp = server.request(&reg.endpoint, &read, WAIT).unwrap();
    assert_eq!(rsp.payload, b"m2m-test");
}

#[test]
fn our_server_reads_the_lwm2m_node_lib_client() {
    let Some(modules) = peers() else { return };
    let mut server = Server::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port().to_string();
    let _peer = Peer::start(&modules, "lwm2m-client.js", &["node-lib-1", &port]);
    let reg = server.wait_registration(WAIT).unwrap();
    assert_eq!(reg.endpoint, "node-lib-1");
    assert_eq!(reg.links, "</3/0>,</3303/0>");
    // It answers single resources only, as text without a Content-Format.
    let read = ClientRequest::Read {
        path: Path::resource(3, 0, 0),
        accept: Some(ContentFormat::TEXT_PLAIN),
    };
    let rsp = server.request(&reg.endpoint, &read, WAIT).unwrap();
    assert_eq!(
        (rsp.code, rsp.payload.as_slice()),
        (Code::CONTENT, &b"m2m-test"[..])
    );
    let read = ClientRequest::Read {
        path: Path::resource(3303, 0, 5700),
        accept: Some(ContentFormat::TEXT_PLAIN),
    };
    let rsp = server.request(&reg.endpoint, &read, WAIT).unwrap();
    let v = body::decode(
        ContentFormat::TEXT_PLAIN,
        Path::resource(3303, 0, 5700),
        &rsp.payload,
        Config::STRICT,
    )
    .unwrap()
    .next()
    .unwrap()
    .unwrap();
    let v = model::typed(v, &Registry, &Config::STRICT).unwrap();
    assert_eq!(v.value, Some(Value::Float(21.5)));
}

/// Our client's objects: the Device object and a temperature sensor.
/// Our device for their server: /3/0 with a Timezone (/3/0/15) of [`ZONE_LEN`] bytes, so that
/// its reads in TLV and JSON are larger than a message and go in Block2 blocks.
struct Device(String);

/// The length of the device's Timezone.
const ZONE_LEN: usize = 1500;

fn device() -> Device {
    Device(
        (0..ZONE_LEN)
            .map(|i| char::from(b'a' + u8::try_from(i % 26).unwrap()))
            .collect(),
    )
}

impl ObjectTree for Device {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        f(ObjectLink::path(Path::instance(3, 0)));
        f(ObjectLink::path(Path::instance(3303, 0)));
    }

    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
        let all = [
            Record::new(Path::resource(3, 0, 0), Value::Str(Text::Plain("m2m"))),
            Record::new(
                Path::resource(3, 0, 1),
                Value::Str(Text::Plain("m2m-lwm2m")),
            ),
            Record::new(Path::resource(3, 0, 2), Value::Str(Text::Plain("SN-42"))),
            Record::new(Path::resource_instance(3, 0, 7, 0), Value::Int(3800)),
            Record::new(Path::resource(3, 0, 15), Value::Str(Text::Plain(&self.0))),
            Record::new(Path::resource(3, 0, 16), Value::Str(Text::Plain("U"))),
            Record::new(Path::resource(3303, 0, 5700), Value::Float(21.5)),
            Record::new(
                Path::resource(3303, 0, 5701),
                Value::Str(Text::Plain("Cel")),
            ),
        ];
        let mut any = false;
        for r in all.into_iter().filter(|r| path.contains(&r.path)) {
            out.push(r)?;
            any = true;
        }
        if any { Ok(()) } else { Err(Code::NOT_FOUND) }
    }
}

#[test]
fn lwm2m_node_lib_server_reads_our_client() {
    let Some(modules) = peers() else { return };
    // A free port for their server: bind, note it, release.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut peer = Peer::start(&modules, "lwm2m-server.js", &[&port.to_string(), "30"]);
    peer.wait("listening", WAIT);
    let mut device = device();
    let mut client = Client::new(
        format!("127.0.0.1:{port}").parse().unwrap(),
        Settings::new("m2m-client-1"),
    )
    .unwrap();
    client.register(&device).unwrap();
    let reads = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (done_tx, done_rx) = mpsc::channel();
    let flag = reads.clone();
    let lines = std::mem::replace(&mut peer.lines, mpsc::channel().1);
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        while let Ok(v) = lines.recv_timeout(Duration::from_secs(30)) {
            let end = v["event"] == "reads-done" || v["event"] == "error";
            seen.push(v);
            if end {
                break;
            }
        }
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = done_tx.send(seen);
    });
    let flag = reads.clone();
    client
        .run(&mut device, Duration::from_secs(30), |_| {
            flag.load(std::sync::atomic::Ordering::Relaxed)
        })
        .ok();
    // `run` stops at its deadline; the lines tell what the peer saw.
    let seen = done_rx
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_default();
    let registered = seen
        .iter()
        .find(|v| v["event"] == "registered")
        .expect("registered");
    assert_eq!(registered["endpoint"], "m2m-client-1");
    let read = |path: &str, accept: Option<u64>| {
        seen.iter()
            .find(|v| {
                v["event"] == "read"
                    && v["path"] == path
                    && (accept.is_none() || v["accept"] == accept.unwrap())
            })
            .unwrap_or_else(|| panic!("no read of {path}: {seen:?}"))
    };
    assert_eq!(read("/3/0/0", None)["value"], "m2m");
    assert_eq!(read("/3303/0/5700", None)["value"], "21.5");
    let tlv = read("/3/0", Some(11542));
    assert_eq!(tlv["ok"], true, "{tlv}");
    // The TLV came in blocks (node-coap's agent asked for each): whole, the Timezone in it.
    let zone = tlv["value"]
        .as_array()
        .and_then(|v| v.iter().find(|r| r["id"] == 15))
        .unwrap_or_else(|| panic!("no /3/0/15 in {tlv}"));
    assert_eq!(zone["hex"], hex(device.0.as_bytes()));
    let json = read("/3/0", Some(11543));
    assert_eq!(json["ok"], true, "{json}");
    let zone = json["value"]["e"]
        .as_array()
        .and_then(|e| e.iter().find(|r| r["n"] == "15"))
        .unwrap_or_else(|| panic!("no 15 in {json}"));
    assert_eq!(zone["sv"], device.0.as_str());
    assert!(seen.iter().any(|v| v["event"] == "reads-done"), "{seen:?}");
}

/// `bytes` in lowercase hex, as the peers print payloads.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `payload` in `format` under `base`, read leniently and typed against the registry.
fn typed<'a>(format: ContentFormat, base: Path<'a>, payload: &'a [u8]) -> Vec<Record<'a>> {
    body::decode(format, base, payload, Config::LENIENT)
        .unwrap()
        .map(|r| model::typed(r.unwrap(), &Registry, &Config::LENIENT).unwrap())
        .collect()
}

/// libcoap's client (`coap-client-notls`), if installed: the CI installs it with the peers.
fn coap_client() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("coap-client-notls"))
            .find(|p| p.exists())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("M2M_REQUIRE_LWM2M_PEERS").is_none(),
            "libcoap's coap-client-notls is required (Debian libcoap3-bin)"
        );
        eprintln!("skipped: no coap-client-notls");
    }
    found
}

/// A device that takes a firmware package (/5/0/0) a piece at a time.
#[derive(Default)]
struct Flash {
    image: Vec<u8>,
    whole: bool,
    pieces: usize,
}

impl ObjectTree for Flash {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        f(ObjectLink::path(Path::instance(5, 0)));
    }
    fn read<'s>(&'s self, _: &Path<'_>, _: &mut RecordBuf<'s>) -> Result<(), Code> {
        Err(Code::NOT_FOUND)
    }
    fn write_block(
        &mut self,
        path: &Path<'_>,
        piece: m2m_lwm2m::client::Piece<'_>,
    ) -> Result<(), Code> {
        assert_eq!(path.levels(), [5, 0, 0]);
        if piece.offset == 0 {
            self.image.clear();
        }
        if piece.offset != self.image.len() {
            return Err(Code::REQUEST_ENTITY_INCOMPLETE);
        }
        self.image.extend_from_slice(piece.bytes);
        self.pieces += 1;
        self.whole = piece.last;
        Ok(())
    }
}

#[test]
fn libcoap_puts_a_firmware_package_to_our_client_in_blocks() {
    let Some(coap_client) = coap_client() else {
        return;
    };
    // libcoap's client listens on a port we name, which our client takes for its server's.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut client = Client::new(
        format!("127.0.0.1:{port}").parse().unwrap(),
        Settings::new("m2m-flash-1"),
    )
    .unwrap();
    let ours = client.local_addr().unwrap();
    let image: Vec<u8> = (0..20_000u32)
        .map(|i| u8::try_from(i * 31 % 253).unwrap())
        .collect();
    let file = std::env::temp_dir().join(format!("m2m-firmware-{}.bin", std::process::id()));
    std::fs::write(&file, &image).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let serving = std::thread::spawn(move || {
        let mut flash = Flash::default();
        client
            .run(&mut flash, Duration::from_secs(30), |_| {
                flag.load(std::sync::atomic::Ordering::Relaxed)
            })
            .ok();
        flash
    });
    let out = Command::new(coap_client)
        .args(["-m", "put", "-b", "512", "-t", "42", "-B", "20", "-p"])
        .arg(port.to_string())
        .arg("-f")
        .arg(&file)
        .arg(format!("coap://127.0.0.1:{}/5/0/0", ours.port()))
        .output()
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let flash = serving.join().unwrap();
    std::fs::remove_file(&file).ok();
    assert!(
        out.status.success(),
        "coap-client: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(flash.whole, "the last block came");
    assert_eq!(flash.pieces, 40, "blocks of 512");
    assert!(flash.image == image, "the package as sent");
}
