//! `m2m`: decode and encode machine-to-machine protocol frames as JSON.

mod coap;
mod codec;
mod demo;
mod format;
mod lwm2m;
mod modbus;
mod sparkplug;
mod tools;

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use codec::CliError;
use format::Format;

/// Decode and encode Modbus, CoAP, LwM2M and Sparkplug B frames.
///
/// Frames are given as hex (whitespace ignored) and printed as one JSON object; JSON is encoded
/// back into lowercase hex. Exit status: 0 ok, 1 bad or incomplete input, 2 usage or an
/// unsupported format.
#[derive(Debug, Parser)]
#[command(name = "m2m", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode one frame and print it as a JSON object.
    Decode {
        /// The format of the input.
        #[arg(value_enum)]
        format: Format,
        /// The frame as hex, in one or more arguments (or the text itself with --text); read
        /// from stdin when absent.
        input: Vec<String>,
        /// The input is text, not hex (modbus-ascii-*, lwm2m-senml-json, lwm2m-json,
        /// lwm2m-link, sparkplug-topic only). A Modbus ASCII frame starting with ':' is read as text without it.
        #[arg(long)]
        text: bool,
        /// Modbus FC01/FC02 responses: the quantity requested, so that exactly that many coil or
        /// input states are printed (without it, all 8 bits of every data byte are).
        #[arg(long, value_name = "N")]
        quantity: Option<u16>,
        /// Modbus: tolerate known device quirks (trailing bytes, exception function 0x80, stale
        /// MBAP length on exceptions, reserved serial addresses). CoAP: a payload marker with
        /// no payload, content in Empty messages, codes the type cannot carry. LwM2M: the
        /// deviations of `Config::LENIENT` (an instance wrapper around a resource in TLV, a
        /// multiple resource sent as a single one, a quoted `ver`, integers for floats, ...).
        #[arg(long)]
        lenient: bool,
        /// LwM2M TLV: the path the body answers (`/3/0`, `/3/0/7`), so that records get their
        /// full paths and, from the OMA registry, their names and typed values.
        #[arg(long, value_name = "PATH")]
        path: Option<String>,
    },
    /// Run a gateway end to end on loopback: a simulated Modbus pump, a gateway publishing it as
    /// Sparkplug B over MQTT (embedded broker), and a host application that decodes and
    /// validates every message; an LwM2M client serves the same values to an LwM2M server that
    /// reads and observes them. Shows a live view, then a summary.
    Demo(demo::DemoArgs),
    /// A CoAP client: get, put, post, delete, observe or discover a coap:// or coap+tcp:// URI.
    Coap(tools::coap::CoapArgs),
    /// A Modbus master: read and write coils and registers of a device (tcp:// or
    /// rtu-over-tcp://).
    Modbus {
        #[command(subcommand)]
        command: tools::modbus::ModbusCommand,
    },
    /// Sparkplug B tools: listen to a broker and print every message decoded and validated.
    Sparkplug {
        #[command(subcommand)]
        command: tools::sparkplug::SparkplugCommand,
    },
    /// LwM2M tools: a server that accepts registrations and reads, writes and observes paths.
    Lwm2m {
        #[command(subcommand)]
        command: tools::lwm2m::Lwm2mCommand,
    },
    /// Encode a JSON object into a frame and print it as lowercase hex.
    Encode {
        /// The format of the output.
        #[arg(value_enum)]
        format: Format,
        /// The JSON object (one or more arguments, joined by spaces); read from stdin when absent.
        input: Vec<String>,
    },
}

fn read_input(args: Vec<String>) -> Result<String, CliError> {
    match args.is_empty() {
        false => Ok(args.join(" ")),
        true => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| CliError::Input {
                    message: format!("cannot read stdin: {e}"),
                    offset: None,
                })?;
            Ok(s)
        }
    }
}

/// The error for an empty input: what to give, in arguments or on stdin.
fn no_input(what: &str) -> CliError {
    CliError::Input {
        message: format!("no input: give {what}, in arguments or on stdin"),
        offset: None,
    }
}

/// A Modbus ASCII frame given as its text (`:0103...FA`): as typed, without the line end, or
/// with it (`\r\n` or a bare `\n`, as `echo` gives). The frame ends with CR LF (Serial Line
/// §2.5.2.1), so the whitespace around the text is dropped and CR LF put after it (error
/// offsets count from the ':').
fn ascii_line(input: &str) -> Vec<u8> {
    let mut line = input.trim().as_bytes().to_vec();
    line.extend_from_slice(b"\r\n");
    line
}

fn run(cli: Cli) -> Result<String, CliError> {
    match cli.command {
        Command::Decode {
            format,
            input,
            text,
            quantity,
            lenient,
            path,
        } => {
            if text && !format.is_text() {
                return Err(CliError::Usage(format!(
                    "--text is only for modbus-ascii-req, modbus-ascii-rsp, lwm2m-senml-json, \
                     lwm2m-json, lwm2m-link and sparkplug-topic, not {}",
                    format.name()
                )));
            }
            let input = read_input(input)?;
            let bytes = if format.is_modbus_ascii() && (text || input.trim_start().starts_with(':'))
            {
                ascii_line(&input)
            } else if text {
                // The line end `echo` or a file gives (a topic or a link has none of its own).
                let line = input.strip_suffix('\n').unwrap_or(&input);
                line.strip_suffix('\r').unwrap_or(line).as_bytes().to_vec()
            } else {
                m2m_core::hex::decode(&input).map_err(|e| {
                    // Text given to a format that takes it, without --text.
                    let hint = match format.is_text() {
                        true => format!(" ({} takes text with --text)", format.name()),
                        false => String::new(),
                    };
                    CliError::Input {
                        message: format!("bad hex input: {e}{hint}"),
                        offset: None,
                    }
                })?
            };
            let opts = codec::Options {
                quantity,
                lenient,
                path,
            };
            codec::decode(format, &bytes, &opts).map_err(|e| match bytes.is_empty() {
                // Nothing is no frame of this format: say so, not what the frame lacks.
                true => no_input(match text {
                    true => "the text, with --text",
                    false => "the frame as hex",
                }),
                false => e,
            })
        }
        Command::Demo(args) => demo::run(&args),
        Command::Coap(args) => tools::coap::run(&args),
        Command::Modbus { command } => tools::modbus::run(&command),
        Command::Sparkplug { command } => tools::sparkplug::run(&command),
        Command::Lwm2m { command } => tools::lwm2m::run(&command),
        Command::Encode { format, input } => {
            let input = read_input(input)?;
            if input.trim().is_empty() {
                return Err(no_input("the JSON object"));
            }
            let json: serde_json::Value =
                serde_json::from_str(&input).map_err(|e| CliError::Input {
                    message: format!("bad JSON input: {e}"),
                    offset: None,
                })?;
            let bytes = codec::encode(format, &json)?;
            Ok(m2m_core::hex::encode(&bytes))
        }
    }
}

/// The format names with their one-line descriptions, for the top-level help.
fn formats_help() -> String {
    let mut s = String::from("Formats (for both decode and encode):\n");
    for f in Format::value_variants() {
        if let Some(v) = f.to_possible_value() {
            let help = v.get_help().map(ToString::to_string).unwrap_or_default();
            s.push_str(&format!("  {:<18} {help}\n", v.get_name()));
        }
    }
    s
}

fn main() -> ExitCode {
    let matches = Cli::command().after_help(formats_help()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            let written = match out.is_empty() {
                true => stdout.flush(),
                false => writeln!(stdout, "{out}").and_then(|()| stdout.flush()),
            };
            // What a tool streamed and could not write is still in stdout's buffer, and fails
            // here again.
            match written {
                // A reader that stopped reading (`m2m ... | head -c1`) wants no more: not an error.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("m2m: cannot write the output: {e}");
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("m2m: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
