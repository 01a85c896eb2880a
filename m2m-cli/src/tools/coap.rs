//! `m2m coap`: a CoAP client (what libcoap's coap-client does) on `m2m_coap::blocking`, over UDP
//! (`coap://`) and TCP (`coap+tcp://`), Block1/Block2 transfers and Observe included.

use std::io::Write as _;

use m2m_coap::blocking::{Client, ClientError, Options, Response};
use m2m_coap::{Code, Scheme, Uri};

use crate::codec::CliError;

/// The request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Method {
    /// GET (with `--observe N`: register and print N notifications).
    Get,
    /// PUT the payload.
    Put,
    /// POST the payload.
    Post,
    /// DELETE.
    Delete,
    /// GET with Observe: print notifications until `--observe N` have come (default 3).
    Observe,
    /// GET /.well-known/core of the server and list its links (RFC 6690).
    Discover,
}

/// `m2m coap METHOD URI ...`.
#[derive(Debug, clap::Args)]
pub(crate) struct CoapArgs {
    /// get, put, post, delete, observe or discover.
    #[arg(value_enum)]
    method: Method,
    /// `coap://HOST[:PORT]/path?query` or `coap+tcp://...`
    uri: String,
    /// The payload, as text.
    #[arg(long, conflicts_with = "payload_file")]
    payload: Option<String>,
    /// The payload, from a file.
    #[arg(long, value_name = "FILE")]
    payload_file: Option<String>,
    /// Block size exponent for uploads, 0 to 6: blocks of 2^(SZX+4) bytes, 16 to 1024 (RFC 7959
    /// §2.2).
    #[arg(long, default_value_t = 6, value_name = "SZX",
          value_parser = clap::value_parser!(u8).range(0..=6))]
    block: u8,
    /// Notifications to wait for (get and observe).
    #[arg(long, value_name = "N")]
    observe: Option<usize>,
    /// Non-confirmable requests (UDP).
    #[arg(long)]
    non: bool,
    /// Seconds to wait for a response.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    timeout: f64,
    /// JSON output (one object per response or notification).
    #[arg(long)]
    json: bool,
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(e.to_string())
}

/// The response as `decode coap` writes a message's options (the serde form of
/// [`Response`]), with the payload as text when it is UTF-8 and `{"hex": ...}` otherwise.
fn json_of(r: &Response) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    v["payload"] = match std::str::from_utf8(&r.payload) {
        Ok(t) => serde_json::Value::from(t),
        Err(_) => serde_json::json!({ "hex": m2m_core::hex::encode(&r.payload) }),
    };
    v
}

/// The options of `r`, one line each as `    Name = value`, the value as `decode coap` writes
/// it (a uint as a number, a string as a JSON string, anything else as a hex string; a string
/// option that is not UTF-8 in hex, marked so); an option not registered goes by its number.
fn option_lines(r: &Response) -> String {
    let v = serde_json::to_value(r).unwrap_or_default();
    let mut s = String::new();
    for o in v["options"].as_array().into_iter().flatten() {
        let label = match o["name"].as_str() {
            Some(n) => n.to_string(),
            None => format!("option {}", o["number"]),
        };
        match (o.get("value"), o.get("value_hex")) {
            (Some(v), _) => s.push_str(&format!("\n    {label} = {v}")),
            (None, Some(h)) => s.push_str(&format!("\n    {label} = {h} (hex: not UTF-8)")),
            (None, None) => s.push_str(&format!("\n    {label}")),
        }
    }
    s
}

/// Runs the request; prints the payload (raw) or JSON to stdout, the response code and options
/// to stderr.
pub(crate) fn run(args: &CoapArgs) -> Result<String, CliError> {
    let mut text = args.uri.clone();
    if args.method == Method::Discover {
        let base = match text.find("://").map(|i| i + 3) {
            Some(i) => text[..i].to_string() + text[i..].split('/').next().unwrap_or_default(),
            None => text.clone(),
        };
        text = format!("{base}/.well-known/core");
    }
    let uri = Uri::parse(&text).map_err(|e| CliError::Usage(format!("bad URI {text}: {e}")))?;
    if !matches!(uri.scheme, Scheme::Coap | Scheme::CoapTcp) {
        return Err(CliError::Usage(format!(
            "{}: scheme {} is not supported here (coap or coap+tcp is)",
            args.uri,
            uri.scheme.as_str()
        )));
    }
    let payload = match (&args.payload, &args.payload_file) {
        (Some(p), _) => p.clone().into_bytes(),
        (None, Some(f)) => std::fs::read(f).map_err(|e| failed(format!("cannot read {f}: {e}")))?,
        (None, None) => Vec::new(),
    };
    let timeout = crate::codec::seconds("--timeout", args.timeout, false)?;
    let options = Options {
        confirmable: !args.non,
        block_szx: args.block,
        timeout,
        ..Options::default()
    };
    let mut client =
        Client::connect(&uri, options).map_err(|e| failed(format!("{}: {e}", args.uri)))?;
    let mut stdout = std::io::stdout().lock();
    let notifications = match args.method {
        Method::Observe => Some(args.observe.unwrap_or(3)),
        Method::Get => args.observe.filter(|&n| n > 0),
        _ => None,
    };
    let last = match notifications {
        Some(n) => client
            .observe(&uri, n, |rsp| {
                let line = if args.json {
                    json_of(rsp).to_string()
                } else {
                    String::from_utf8_lossy(&rsp.payload).into_owned()
                };
                writeln!(stdout, "{line}").is_ok()
            })
            .map_err(err)?,
        None => {
            let code = match args.method {
                Method::Put => Code::PUT,
                Method::Post => Code::POST,
                Method::Delete => Code::DELETE,
                _ => Code::GET,
            };
            let rsp = client.request(code, &uri, &payload).map_err(err)?;
            if args.json {
                let _ = writeln!(stdout, "{}", json_of(&rsp));
            } else if args.method == Method::Discover {
                let text = String::from_utf8_lossy(&rsp.payload).into_owned();
                for link in m2m_coap::link::parse(&text) {
                    let l = link.map_err(|e| failed(format!("bad link format: {e}")))?;
                    let mut line = format!("<{}>", l.target);
                    for rt in l.rt() {
                        line.push_str(&format!(" rt={rt}"));
                    }
                    for i in l.interfaces() {
                        line.push_str(&format!(" if={i}"));
                    }
                    for ct in l.ct() {
                        line.push_str(&format!(" ct={ct}"));
                    }
                    let _ = writeln!(stdout, "{line}");
                }
            } else {
                let _ = stdout.write_all(&rsp.payload);
            }
            rsp
        }
    };
    let _ = stdout.flush();
    // The code, then (the JSON has them already) the options of the last response: the last
    // block of a body in blocks, the last notification.
    let options = if args.json {
        String::new()
    } else {
        option_lines(&last)
    };
    eprintln!("{}{options}", last.code);
    if last.code.class() == 2 {
        Ok(String::new())
    } else {
        Err(failed(format!("{} response", last.code)))
    }
}

fn err(e: ClientError) -> CliError {
    CliError::Failed(e.to_string())
}
