//! A Modbus client built on m2m-modbus that runs the script of `tests/peers/script.txt` against
//! a server (pymodbus, libmodbus or ours): Modbus/TCP or RTU over TCP on loopback, or RTU or
//! ASCII on a serial line (feature `serial`).
//!
//! `M2M_PEER_SERVER=pymodbus M2M_PEER_SCRIPT=.../script.txt \
//!  cargo run -p m2m-modbus --example modbus_client -- 127.0.0.1 5020 --framer tcp`
//! `... --example modbus_client -- --device /dev/ttyUSB0 [--baud 19200] [--format 8E1]
//!  [--framer rtu|ascii]`
//!
//! `--format` is data bits, parity (N, E or O) and stop bits; by default 8E1 for RTU and 7E1
//! for ASCII, the guide's defaults (Serial Line §2.5).
//!
//! It runs on the crate's async client (`m2m_modbus::tokio::Client`). Every request the script
//! holds that is valid is built from our repr and sent with `Client::call` (its encoding must
//! give the script's bytes); requests that are deliberately invalid (to provoke exceptions) go
//! through `Client::call_raw`, as our encoder refuses them. Every response is framed by the
//! crate's framing, decoded, matched to its request by `client::Matcher` inside the client, and
//! compared byte for byte with the script. On Modbus/TCP a last check (P1) keeps eight reads
//! outstanding at once and checks that each caller gets its own range. pymodbus answers some errors with function 0x80: only against it is
//! `Config::LENIENT` used.

#![allow(clippy::cast_possible_truncation, clippy::unwrap_used)] // a harness: bounded values, and a panic is a failed run

use std::time::Duration;

use m2m_modbus::tokio::{Client, Error, Options, Reply, Transport};
use m2m_modbus::{Config, Request, Response, rtu};

#[path = "common/serial_line.rs"]
mod serial_line;

struct Step {
    id: String,
    unit: u8,
    req: Vec<u8>,
    rsp: Expected,
    desc: String,
}

enum Expected {
    Bytes(Vec<u8>),
    Nothing,
    Skip,
}

fn unhex(s: &str) -> Vec<u8> {
    m2m_core::hex::decode(s).unwrap_or_else(|e| panic!("bad hex {s:?}: {e}"))
}

/// Reads the script with the quirk lines of `server` on `framer` applied.
fn load(path: &str, server: &str, framer: &str) -> Vec<Step> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut steps: Vec<Step> = Vec::new();
    let mut quirks = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let head: Vec<&str> = line
            .split('|')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        match head.as_slice() {
            ["step", id, unit] => {
                let f: Vec<&str> = line.splitn(4, '|').map(str::trim).collect();
                steps.push(Step {
                    id: (*id).to_owned(),
                    unit: unit.parse().expect("unit"),
                    req: unhex(f[1]),
                    rsp: Expected::Bytes(unhex(f[2])),
                    desc: f[3].to_owned(),
                });
            }
            ["quirk", s, fr, id] => {
                let f: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
                if *s == server && (*fr == framer || *fr == "*") {
                    quirks.push(((*id).to_owned(), f[1].to_owned()));
                }
            }
            _ => panic!("cannot parse script line {line:?}"),
        }
    }
    for (id, rsp) in quirks {
        if let Some(step) = steps.iter_mut().find(|s| s.id == id) {
            step.rsp = match rsp.as_str() {
                "none" => Expected::Nothing,
                "skip" => Expected::Skip,
                hex => Expected::Bytes(unhex(hex)),
            };
        }
    }
    steps
}

/// Why the decoded `rsp` is not what the wire said, if it is not. What was read (the values,
/// through the iterators, into JSON) is built again as an owned response and encoded: it must
/// give the wire's PDU bytes. Our encoder is held to the peers' bytes where their clients read
/// our server, so this holds our decoder to what the peer sent. Under `LENIENT`, trailing bytes
/// are dropped, and an exception with function byte 0x80 (pymodbus) has no encoding: its
/// exception code is compared instead.
fn misread(rsp: &Response<'_>, wire: &[u8], config: &Config) -> Option<String> {
    if let (Response::Exception { exception, .. }, [0x80, code]) = (rsp, wire) {
        let right = config.allow_exception_fc_0x80 && exception.value() == *code;
        return (!right).then(|| format!("exception 80 {code:02x} read as {exception:?}"));
    }
    let read = serde_json::to_value(rsp).and_then(serde_json::from_value::<Response<'static>>);
    let read = match read {
        Ok(read) => read,
        Err(e) => return Some(format!("decoded response does not go through JSON: {e}")),
    };
    match read.to_vec() {
        Ok(b) if b == wire || (config.allow_trailing_bytes && wire.starts_with(&b)) => None,
        Ok(b) => Some(format!(
            "decoded response encodes to {}, the wire had {}",
            m2m_core::hex::encode(&b),
            m2m_core::hex::encode(wire)
        )),
        Err(e) => Some(format!("decoded response does not encode: {e}")),
    }
}

/// A response PDU as it was on the wire, with the reply it came in (none for an exception of a
/// typed call, which arrives as an error).
type Got = (Vec<u8>, Option<Reply>);

/// What a step got: a response, or nothing (timeout, connection lost), or why it is wrong.
fn outcome(result: Result<Reply, Error>) -> Result<Option<Got>, String> {
    match result {
        Ok(reply) => Ok(Some((reply.pdu().to_vec(), Some(reply)))),
        // The typed call returns an exception as an error: its PDU is rebuilt.
        Err(Error::Exception { function, code }) => {
            Ok(Some((vec![function | 0x80, code.value()], None)))
        }
        Err(Error::Timeout(_)) => Ok(None),
        Err(e @ (Error::Closed | Error::Io(_))) => {
            eprintln!("connection: {e}");
            Ok(None)
        }
        Err(Error::Mismatch(m)) => Err(format!("response does not answer the request: {m}")),
        Err(Error::Protocol(e)) => Err(format!("response does not decode: {e}")),
        Err(e) => Err(e.to_string()),
    }
}

/// Eight reads of input registers (read-only in every world), all outstanding at once on one
/// connection: each caller must get the values of its own range. A request the server drops
/// (pymodbus 3.16 answers only the first request of what it reads at once) times out for its
/// own caller only, and its retry, sent alone, is answered. Returns how many attempts timed out.
async fn pipelined(client: &Client) -> Result<u32, String> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8u16 {
        let c = client
            .with_unit(17)
            .with_timeout(Duration::from_millis(300))
            .with_retries(0, Duration::ZERO);
        tasks.spawn(async move {
            let (address, quantity) = (100 * i + 7, 3 + i);
            let want: Vec<u16> = (address..address + quantity).map(|a| 0xFFFF - a).collect();
            let mut timeouts = 0;
            loop {
                match c.read_input_registers(address, quantity).await {
                    Ok(v) if v == want => return Ok(timeouts),
                    Ok(v) => return Err(format!("call {i}: got {v:?}, want {want:?}")),
                    Err(Error::Timeout(_)) if timeouts < 8 => timeouts += 1,
                    Err(e) => return Err(format!("call {i}: {e}")),
                }
            }
        });
    }
    let mut timeouts = 0;
    while let Some(r) = tasks.join_next().await {
        timeouts += r.map_err(|e| e.to_string())??;
    }
    Ok(timeouts)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let device = serial_line::arg(&args, "--device");
    let framer = serial_line::arg(&args, "--framer")
        .unwrap_or_else(|| if device.is_some() { "rtu" } else { "tcp" }.into());
    let framer = framer.as_str();
    let transport = match (&device, framer) {
        (None, "tcp") => Transport::Tcp,
        (None, "rtu") => Transport::RtuOverTcp,
        (Some(_), "rtu") => Transport::Rtu,
        (Some(_), "ascii") => Transport::Ascii,
        _ => {
            eprintln!(
                "modbus_client: framer {framer}: use tcp or rtu with HOST PORT, rtu or ascii with --device\n\
                 usage: modbus_client HOST PORT [--framer tcp|rtu]\n       \
                 modbus_client --device PATH [--baud N] [--format 8E1] [--framer rtu|ascii]"
            );
            std::process::exit(2);
        }
    };
    let server = std::env::var("M2M_PEER_SERVER").unwrap_or_else(|_| "m2m".into());
    let script = std::env::var("M2M_PEER_SCRIPT")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/script.txt").into());
    // Only pymodbus needs its exception quirk tolerated; everyone else is held to the spec.
    let config = if server == "pymodbus" {
        Config::LENIENT
    } else {
        Config::STRICT
    };

    let steps = load(&script, &server, framer);
    let options = Options::default()
        .transport(transport)
        .config(config)
        // This client sends raw requests with codes it does not know (to provoke exceptions),
        // so its RTU framing hunts for the answers to them.
        .rtu_unknown(rtu::UnknownFunctions::Hunt)
        .max_in_flight(8)
        .on_unmatched(|u| {
            eprintln!(
                "unmatched response ({}): {}",
                u.reason,
                m2m_core::hex::encode(&u.frame)
            );
        });
    let client = match &device {
        Some(path) => {
            let line = serial_line::line(&args, transport).unwrap_or_else(|why| {
                eprintln!("modbus_client: {why}");
                std::process::exit(2);
            });
            Client::open_serial(path, options.line(line)).expect("open the serial line")
        }
        None => {
            let host = args.get(1).map_or("127.0.0.1", String::as_str);
            let port: u16 = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(5020);
            let addr = format!("{host}:{port}").parse().expect("address");
            Client::connect_with(addr, options).await.expect("connect")
        }
    };
    let (mut passed, mut failed, mut skipped, mut silent) = (0, 0, 0, 0);

    for step in &steps {
        if silent >= 3 {
            println!(
                "FAIL {} {}: not sent, the server stopped answering",
                step.id, step.desc
            );
            failed += 1;
            continue;
        }
        if matches!(step.rsp, Expected::Skip) {
            println!("skip {} {}", step.id, step.desc);
            skipped += 1;
            continue;
        }
        let timeout = match step.rsp {
            Expected::Nothing => Duration::from_millis(500),
            _ => Duration::from_secs(2),
        };
        let c = client.with_unit(step.unit).with_timeout(timeout);
        // A valid request goes through the typed call (our encoder must give the script's
        // bytes); a deliberately invalid one is sent raw, as our encoder refuses it.
        let got = match Request::parse(&step.req) {
            Ok(req) => {
                let pdu = req.to_vec().expect("a decoded request encodes");
                assert_eq!(
                    pdu, step.req,
                    "{}: our encoding differs from the script",
                    step.id
                );
                outcome(c.call(&req).await)
            }
            Err(_) => outcome(c.call_raw(&step.req).await),
        };
        let verdict: Result<(), String> = match (&step.rsp, got) {
            (_, Err(why)) => {
                silent = 0;
                Err(why)
            }
            (Expected::Nothing, Ok(None)) => Ok(()),
            (Expected::Nothing, Ok(Some((pdu, _)))) => Err(format!(
                "expected no answer, got {}",
                m2m_core::hex::encode(&pdu)
            )),
            (_, Ok(None)) => {
                silent += 1;
                Err("no answer".into())
            }
            (Expected::Bytes(want), Ok(Some((pdu, reply)))) => {
                silent = 0;
                let misread = match &reply {
                    Some(r) => match r.response() {
                        Ok(rsp) => misread(&rsp, &pdu, &config),
                        Err(e) => Some(format!("response does not decode: {e}")),
                    },
                    None => None,
                };
                match misread {
                    Some(why) => Err(why),
                    None if &pdu == want => Ok(()),
                    None => Err(format!(
                        "got {} want {}",
                        m2m_core::hex::encode(&pdu),
                        m2m_core::hex::encode(want)
                    )),
                }
            }
            (Expected::Skip, _) => Ok(()),
        };
        match verdict {
            Ok(()) => {
                println!("ok   {} {}", step.id, step.desc);
                passed += 1;
            }
            Err(why) => {
                println!("FAIL {} {}: {why}", step.id, step.desc);
                failed += 1;
            }
        }
    }
    // Pipelining is a Modbus/TCP feature (transaction ids); RTU and ASCII have one request at a
    // time.
    if transport == Transport::Tcp {
        match pipelined(&client).await {
            Ok(timeouts) => {
                println!(
                    "ok   P1 eight FC04 reads outstanding at once, each answered with its own range \
                     ({timeouts} attempts dropped by the server timed out for their own caller only and were sent again)"
                );
                passed += 1;
            }
            Err(why) => {
                println!("FAIL P1 pipelined reads: {why}");
                failed += 1;
            }
        }
    }
    if client.unmatched() > 0 {
        println!("unmatched responses: {}", client.unmatched());
    }
    if skipped > 0 {
        println!("skipped: {skipped}");
    }
    println!("{passed} passed, {failed} failed");
    std::process::exit(i32::from(failed > 0));
}
