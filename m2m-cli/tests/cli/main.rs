//! Runs the `m2m` binary: argument handling, hex input, stdin, exit statuses.

use std::io::Write;
use std::process::{Command, Stdio};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn m2m(args: &[&str], stdin: Option<&str>) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_m2m"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn m2m");
    {
        let mut sin = child.stdin.take().expect("stdin");
        if let Some(s) = stdin {
            sin.write_all(s.as_bytes()).expect("write stdin");
        }
    }
    let out = child.wait_with_output().expect("wait m2m");
    Out {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

const ALL_FORMATS: [&str; 16] = [
    "modbus-tcp-req",
    "modbus-tcp-rsp",
    "modbus-rtu-req",
    "modbus-rtu-rsp",
    "modbus-ascii-req",
    "modbus-ascii-rsp",
    "coap",
    "coap-tcp",
    "coap-ws",
    "lwm2m-tlv",
    "lwm2m-senml-json",
    "lwm2m-senml-cbor",
    "lwm2m-cbor",
    "lwm2m-link",
    "sparkplug-payload",
    "sparkplug-topic",
];

#[test]
fn bad_hex_exits_1_with_the_offset() {
    let out = m2m(&["decode", "coap", "00 0x"], None);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("offset 4"), "{}", out.stderr);
    let out = m2m(&["decode", "coap", "000"], None);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("odd number"), "{}", out.stderr);
}

#[test]
fn stdin_is_read_when_the_argument_is_absent() {
    // Good hex with whitespace and newlines reaches the format (a payload with timestamp 1 and
    // seq 2) ...
    let out = m2m(&["decode", "sparkplug-payload"], Some("08 01\n 18 02\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), r#"{"timestamp":1,"metrics":[],"seq":2}"#);
    // ... and bad hex on stdin is caught like bad hex in the argument.
    let out = m2m(&["decode", "sparkplug-payload"], Some("08 zz\n"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("offset 3"), "{}", out.stderr);
}

#[test]
fn bad_json_exits_1() {
    let out = m2m(&["encode", "coap", "{not json"], None);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let out = m2m(&["encode", "coap"], Some("[1,"));
    assert_eq!(out.code, 1);
}

#[test]
fn every_format_is_implemented() {
    // Each format answers both ways: a result (0) or an error about the input (1), never a
    // usage error (2) nor a crash.
    for f in ALL_FORMATS {
        for (verb, input) in [("decode", "00"), ("encode", "{}")] {
            let out = m2m(&[verb, f, input], None);
            assert!(
                out.code == 0 || out.code == 1,
                "{verb} {f}: exit {}: {}",
                out.code,
                out.stderr
            );
            assert!(
                !out.stderr.contains("unsupported format"),
                "{verb} {f}: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn text_on_stdin_loses_its_line_end() {
    // `echo` gives a line end, which is no part of a topic or a link.
    for stdin in ["spBv1.0/G/NDATA/E\n", "spBv1.0/G/NDATA/E\r\n"] {
        let out = m2m(&["decode", "sparkplug-topic", "--text"], Some(stdin));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.contains(r#""edge_node":"E""#), "{}", out.stdout);
    }
    let out = m2m(&["decode", "lwm2m-link", "--text"], Some("</3/0>,</4/0>\n"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("/4/0"), "{}", out.stdout);
}

#[test]
fn lenient_leaves_trailing_bytes_out_and_says_so() {
    // The Serial Line guide's RTU request (CRC 76 87) with a padding byte after it.
    for (format, frame) in [
        ("modbus-rtu-req", "1103006b0003768700"),
        ("modbus-tcp-req", "0001000000061103006B000300"),
    ] {
        let strict = m2m(&["decode", format, frame], None);
        assert_eq!(strict.code, 1, "{format}");
        assert!(
            strict.stderr.contains("1 trailing bytes"),
            "{}",
            strict.stderr
        );
        let lenient = m2m(&["decode", format, "--lenient", frame], None);
        assert_eq!(lenient.code, 0, "{format}: {}", lenient.stderr);
        assert!(
            lenient.stdout.contains(r#""quantity":3"#),
            "{}",
            lenient.stdout
        );
        assert!(lenient.stderr.contains("left out"), "{}", lenient.stderr);
    }
}

#[test]
fn time_options_out_of_range_are_usage_errors_not_panics() {
    for args in [
        &["coap", "get", "coap://127.0.0.1:1/x", "--timeout", "1e20"][..],
        &["coap", "get", "coap://127.0.0.1:1/x", "--timeout", "NaN"],
        &["demo", "--duration", "1e30"],
        &["demo", "--duration", "inf"],
        &["lwm2m", "server", "--port", "0", "--duration", "inf"],
        &["lwm2m", "server", "--port", "0", "--duration", "NaN"],
        &["lwm2m", "server", "--port", "0", "--duration", "1e30"],
        &[
            "sparkplug",
            "listen",
            "mqtt://127.0.0.1:1",
            "--duration",
            "1e30",
        ],
        &["sparkplug", "listen", "mqtt://127.0.0.1:1", "--duration=-1"],
    ] {
        let out = m2m(args, None);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("seconds"), "{args:?}: {}", out.stderr);
    }
    // The listener's argument errors name what is wrong.
    let out = m2m(&["sparkplug", "listen", "tcp://127.0.0.1:1"], None);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("the broker URL") && !out.stderr.contains("--broker"),
        "{}",
        out.stderr
    );
    for group in ["#", "STATE"] {
        let out = m2m(
            &[
                "sparkplug",
                "listen",
                "mqtt://127.0.0.1:1",
                "--group",
                group,
            ],
            None,
        );
        assert_eq!(out.code, 2, "{group}");
        assert!(out.stderr.contains("--group"), "{}", out.stderr);
    }
}

/// Output that cannot be written (a full disk) is an error, exit 1; a reader that stopped
/// reading (a broken pipe) is not.
#[test]
fn a_failed_write_of_the_output_is_an_error() {
    let Ok(full) = std::fs::File::create("/dev/full") else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_m2m"))
        .args(["decode", "coap", "40010001"])
        .stdout(full)
        .output()
        .expect("m2m runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("m2m: cannot write the output: "),
        "{stderr}"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_m2m"))
        .args(["decode", "coap", "40010001"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn m2m");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait m2m");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// Text given without --text to a format that takes text: the hex error says to use --text.
#[test]
fn text_without_text_is_told_to_use_text() {
    for (format, input) in [
        ("sparkplug-topic", "spBv1.0/G/NDATA/E"),
        ("lwm2m-link", "</3/0>"),
        ("lwm2m-senml-json", r#"[{"n":"x"}]"#),
    ] {
        let out = m2m(&["decode", format, input], None);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("m2m: bad hex input: "),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains(&format!("({format} takes text with --text)")),
            "{}",
            out.stderr
        );
    }
    // Formats that take no text get no such hint.
    let out = m2m(&["decode", "coap", "zz"], None);
    assert_eq!(out.code, 1);
    assert!(!out.stderr.contains("--text"), "{}", out.stderr);
}

/// Empty input is told as such, not as a frame that ends too early (exit 1, as bad input);
/// a format whose empty input is a valid frame (a Sparkplug payload without fields) still
/// decodes it.
#[test]
fn empty_input_is_no_input() {
    for (args, stdin) in [
        (&["decode", "coap"][..], Some("")),
        (&["decode", "modbus-tcp-req", ""], None),
        (&["decode", "coap", " \n"], None),
        (&["decode", "sparkplug-topic", "--text"], Some("\n")),
        (&["encode", "coap"], Some("")),
    ] {
        let out = m2m(args, stdin);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("m2m: no input: give "),
            "{args:?}: {}",
            out.stderr
        );
    }
    let out = m2m(&["decode", "sparkplug-payload", ""], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), r#"{"metrics":[]}"#);
}

/// `m2m coap --block` takes the SZX of RFC 7959 §2.2, 0 to 6: another is a usage error, not
/// a block size of 1024 in its place; a scheme the client does not speak is a usage error
/// that names the scheme as written.
#[test]
fn coap_block_size_and_scheme_are_checked() {
    for szx in ["7", "9", "255"] {
        let out = m2m(
            &[
                "coap",
                "put",
                "coap://127.0.0.1:1/x",
                "--payload",
                "a",
                "--block",
                szx,
            ],
            None,
        );
        assert_eq!(out.code, 2, "--block {szx}: {}", out.stderr);
        assert!(out.stderr.contains("--block"), "{}", out.stderr);
    }
    for (uri, scheme) in [
        ("coap+ws://127.0.0.1:1/x", "coap+ws"),
        ("coaps://127.0.0.1:1/x", "coaps"),
        ("coaps+tcp://127.0.0.1:1/x", "coaps+tcp"),
    ] {
        let out = m2m(&["coap", "get", uri], None);
        assert_eq!(out.code, 2, "{uri}: {}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("scheme {scheme} is not supported here")),
            "{}",
            out.stderr
        );
    }
}

/// `m2m lwm2m server` checks its arguments before it listens: a bad one is a usage error with
/// nothing on stdout, not a "listening" line first.
#[test]
fn lwm2m_server_checks_its_arguments_before_listening() {
    for duration in ["--duration=-5", "--duration=nan"] {
        let out = m2m(
            &[
                "lwm2m",
                "server",
                "--port",
                "0",
                "--bind",
                "127.0.0.1",
                duration,
            ],
            None,
        );
        assert_eq!(out.code, 2, "{duration}: {}", out.stderr);
        assert!(out.stderr.starts_with("m2m: --duration "), "{}", out.stderr);
        assert_eq!(out.stdout, "", "{duration}");
    }
}

/// A tool's streamed output that cannot be written (a full disk) is an error, exit 1, as the
/// result of `decode` is: the lines left in stdout's buffer fail again at the last flush.
#[test]
fn a_tools_streamed_output_that_cannot_be_written_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_m2m"))
        .args([
            "lwm2m",
            "server",
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "--duration",
            "0.2",
        ])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write the output"), "{stderr}");
}

mod coap;
mod lwm2m;
mod modbus;
mod sparkplug;
