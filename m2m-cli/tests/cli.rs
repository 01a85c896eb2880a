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

/// Formats whose protocol crate has not landed yet.
const NOT_YET: [&str; 16] = ALL_FORMATS;

#[test]
fn help_names_every_format() {
    for sub in ["decode", "encode"] {
        let out = m2m(&[sub, "--help"], None);
        assert_eq!(out.code, 0, "{}", out.stderr);
        for f in ALL_FORMATS {
            assert!(
                out.stdout.contains(f),
                "`m2m {sub} --help` lacks {f}:\n{}",
                out.stdout
            );
        }
    }
    let out = m2m(&["--help"], None);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("decode") && out.stdout.contains("encode"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(m2m(&[], None).code, 2);
    assert_eq!(m2m(&["frobnicate"], None).code, 2);
    let out = m2m(&["decode", "modbus-tcp-reqq", "00"], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("modbus-tcp-req"), "{}", out.stderr);
    // --text on a binary format
    let out = m2m(&["decode", "coap", "--text", "x"], None);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn formats_not_written_yet_are_unsupported() {
    for f in NOT_YET {
        let out = m2m(&["decode", f, "00"], None);
        assert_eq!(out.code, 2, "{f}: {}", out.stderr);
        assert!(
            out.stderr.contains("unsupported format"),
            "{f}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
        let out = m2m(&["encode", f, "{}"], None);
        assert_eq!(out.code, 2, "{f}: {}", out.stderr);
        assert!(
            out.stderr.contains("unsupported format"),
            "{f}: {}",
            out.stderr
        );
    }
}

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
    // Good hex with whitespace and newlines reaches the format (unsupported: 2) ...
    let out = m2m(&["decode", "sparkplug-payload"], Some("08 01\n 10 02\n"));
    assert_eq!(out.code, 2, "{}", out.stderr);
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
