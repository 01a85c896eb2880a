//! A Modbus/TCP and RTU-over-TCP client built on m2m-modbus that runs the script of
//! `tests/peers/script.txt` against a server (pymodbus, libmodbus or ours) on loopback.
//!
//! `M2M_PEER_SERVER=pymodbus M2M_PEER_SCRIPT=.../script.txt \
//!  cargo run -p m2m-modbus --example modbus_client -- 127.0.0.1 5020 --framer tcp`
//!
//! Every request the script holds that is valid is built from our repr and encoded by the crate
//! (and must give the script's bytes); requests that are deliberately invalid (to provoke
//! exceptions) are sent raw, as our encoder refuses them. Every response is framed by the
//! crate's framing, decoded, matched to its request by `client::Matcher`, and compared byte for
//! byte with the script. pymodbus answers some errors with function 0x80: only against it is
//! `Config::LENIENT` used.

#![allow(clippy::cast_possible_truncation, clippy::unwrap_used)] // a harness: bounded values, and a panic is a failed run

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use m2m_core::{Framing, Status, Timestamp};
use m2m_modbus::client::Matcher;
use m2m_modbus::{Config, Request, Response, rtu, tcp};

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

fn now(start: Instant) -> Timestamp {
    Timestamp::from_millis(start.elapsed().as_millis() as u64)
}

/// Reads one response frame with the crate's framing, within `timeout`.
fn read_frame(
    sock: &mut TcpStream,
    buf: &mut Vec<u8>,
    rtu_framing: bool,
    config: Config,
    timeout: Duration,
) -> Option<Vec<u8>> {
    let deadline = Instant::now() + timeout;
    let mut chunk = [0u8; 512];
    loop {
        let status = if rtu_framing {
            // This client sends raw requests with codes it does not know (to provoke exceptions),
            // so it hunts for the answers to them.
            rtu::Framing::responses()
                .with_config(config)
                .with_unknown(rtu::UnknownFunctions::Hunt)
                .frame_len(buf)
        } else {
            tcp::Framing::with_config(config).frame_len(buf)
        };
        match status {
            Ok(Status::Complete(n)) => return Some(buf.drain(..n).collect()),
            Ok(Status::Partial(_)) => {}
            Err(e) if e.skip_len() > 0 => {
                buf.drain(..e.skip_len().min(buf.len()));
                continue;
            }
            Err(e) => {
                eprintln!("stream out of step: {e}");
                return None;
            }
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        sock.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        match sock.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let host = args.get(1).cloned().unwrap_or_else(|| "127.0.0.1".into());
    let port: u16 = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(5020);
    let framer = args
        .iter()
        .position(|a| a == "--framer")
        .and_then(|i| args.get(i + 1))
        .map_or("tcp", String::as_str);
    let rtu_framing = framer == "rtu";
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
    let mut sock = TcpStream::connect((host.as_str(), port)).expect("connect");
    sock.set_nodelay(true).ok();
    let start = Instant::now();
    let mut matcher = Matcher::<1>::new();
    let mut buf = Vec::new();
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
        // Build the request with our encoder when it is valid; else send the script's bytes.
        let typed = Request::parse(&step.req).ok();
        let mut pdu = step.req.clone();
        if let Some(req) = &typed {
            pdu = req.to_vec().expect("a decoded request encodes");
            assert_eq!(
                pdu, step.req,
                "{}: our encoding differs from the script",
                step.id
            );
        }
        let timeout = match step.rsp {
            Expected::Nothing => Duration::from_millis(500),
            _ => Duration::from_secs(2),
        };
        let t = now(start);
        let tid = match &typed {
            Some(req) if !rtu_framing => matcher.send(req, step.unit, t, timeout).ok(),
            Some(req) => matcher
                .send_serial(req, step.unit, t, timeout)
                .ok()
                .map(|()| 0),
            None => None,
        };
        let adu = if rtu_framing {
            let mut f = vec![step.unit];
            f.extend_from_slice(&pdu);
            let crc = rtu::crc16(&f);
            f.extend_from_slice(&crc.to_le_bytes());
            f
        } else {
            let id = tid.unwrap_or(0xBEEF);
            let mut f = Vec::new();
            f.extend_from_slice(&id.to_be_bytes());
            f.extend_from_slice(&[0, 0]);
            f.extend_from_slice(&((pdu.len() + 1) as u16).to_be_bytes());
            f.push(step.unit);
            f.extend_from_slice(&pdu);
            f
        };
        if sock.write_all(&adu).is_err() {
            println!("FAIL {} {}: send failed", step.id, step.desc);
            failed += 1;
            silent += 1;
            continue;
        }
        let frame = read_frame(&mut sock, &mut buf, rtu_framing, config, timeout);
        let verdict: Result<(), String> = match (&step.rsp, frame) {
            (Expected::Nothing, None) => {
                let _ = matcher.poll_timeout(Timestamp::from_millis(u64::MAX));
                Ok(())
            }
            (Expected::Nothing, Some(f)) => Err(format!(
                "expected no answer, got {}",
                m2m_core::hex::encode(&f)
            )),
            (_, None) => {
                silent += 1;
                let _ = matcher.poll_timeout(Timestamp::from_millis(u64::MAX));
                Err("no answer".into())
            }
            (Expected::Bytes(want), Some(f)) => {
                silent = 0;
                let (unit, tid_got, rsp_pdu, decoded) = if rtu_framing {
                    let d = rtu::Adu::<Response<'_>>::parse_with(&f, &config);
                    (f[0], None, f[1..f.len() - 2].to_vec(), d.map(|a| a.pdu))
                } else {
                    let d = tcp::Adu::<Response<'_>>::parse_with(&f, &config);
                    let h = tcp::Header::parse(&f).expect("framed");
                    (
                        h.unit_id,
                        Some(h.transaction_id),
                        f[tcp::HEADER_LEN..].to_vec(),
                        d.map(|a| a.pdu),
                    )
                };
                // A raw step has no matcher: its reply must still carry what was sent.
                let raw_mismatch = match (typed.is_some(), tid_got) {
                    (false, Some(id)) if id != 0xBEEF => {
                        Some(format!("reply has transaction id {id}, sent 48879"))
                    }
                    (false, _) if unit != step.unit => {
                        Some(format!("reply from unit {unit}, sent to {}", step.unit))
                    }
                    _ => None,
                };
                let misread = decoded
                    .as_ref()
                    .ok()
                    .and_then(|rsp| misread(rsp, &rsp_pdu, &config));
                match decoded {
                    _ if raw_mismatch.is_some() => Err(raw_mismatch.unwrap_or_default()),
                    Err(e) => Err(format!("response does not decode: {e}")),
                    Ok(_) if misread.is_some() => Err(misread.unwrap_or_default()),
                    Ok(rsp) => {
                        let matched = if typed.is_some() {
                            let wire_tid = if rtu_framing { None } else { tid_got };
                            match matcher.receive(wire_tid, unit, rsp.clone()) {
                                Ok(_) => Ok(()),
                                // pymodbus's 0x80 answers name no function: tolerated with it only.
                                Err(_) if rsp.function().value() == 0 && server == "pymodbus" => {
                                    Ok(())
                                }
                                Err(e) => Err(format!("response does not answer the request: {e}")),
                            }
                        } else {
                            Ok(())
                        };
                        matched.and_then(|()| {
                            if &rsp_pdu == want {
                                Ok(())
                            } else {
                                Err(format!(
                                    "got {} want {}",
                                    m2m_core::hex::encode(&rsp_pdu),
                                    m2m_core::hex::encode(want)
                                ))
                            }
                        })
                    }
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
    if skipped > 0 {
        println!("skipped: {skipped}");
    }
    println!("{passed} passed, {failed} failed");
    std::process::exit(i32::from(failed > 0));
}
