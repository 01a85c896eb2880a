//! `m2m demo` end to end: the simulated pump, the gateway, the broker (embedded, then a real
//! mosquitto started here) and the host application, checked from the JSON summary.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn demo(extra: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_m2m"))
        .args(["demo", "--duration", "3", "--json"])
        .args(extra)
        .output()
        .expect("m2m runs");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON summary")
}

/// What every run must show: NBIRTH then NDATA carrying every metric, the host's values equal
/// to what the gateway read from the device, the NDEATH at the end, no decode error and no
/// validator violation.
fn check(s: &Value) {
    let host = &s["host"];
    assert_eq!(host["first_types"][0], "NBIRTH", "{s:#}");
    assert_eq!(host["first_types"][1], "NDATA", "{s:#}");
    assert_eq!(host["births"], 1, "{s:#}");
    assert_eq!(host["deaths"], 1, "the NDEATH at the end: {s:#}");
    assert_eq!(host["metrics_in_birth"], 6);
    assert!(host["data"].as_u64().unwrap() >= 10, "{s:#}");
    assert_eq!(host["decode_errors"], 0, "{s:#}");
    assert_eq!(host["violations"], 0, "{s:#}");
    assert_eq!(host["out_of_order"], 0, "{s:#}");
    assert_eq!(s["values_match"], true, "{s:#}");
    let values = host["values"].as_object().unwrap();
    assert_eq!(values.len(), 6);
    // Within the simulated pump's ranges.
    let t = values["Pump/Temperature"].as_f64().unwrap();
    assert!((57.0..=66.0).contains(&t), "temperature {t}");
    assert!(values["Pump/Cycles"].as_u64().unwrap() > 0);
    assert!(values["Pump/Running"].is_boolean());
    assert!(s["modbus"]["polls"].as_u64().unwrap() >= 20, "{s:#}");
    assert_eq!(s["modbus"]["poll_errors"], 0);
    assert!(s["latency_ms"]["samples"].as_u64().unwrap() > 0);
}

#[test]
fn demo_with_the_embedded_broker() {
    check(&demo(&[]));
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn demo_against_mosquitto() {
    let have = Command::new("mosquitto")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !have {
        assert!(
            std::env::var_os("M2M_REQUIRE_MOSQUITTO").is_none(),
            "mosquitto is required (M2M_REQUIRE_MOSQUITTO is set)"
        );
        eprintln!("skipped: mosquitto not installed");
        return;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("m2m-demo-mosquitto-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
    )
    .unwrap();
    let _broker = Kill(
        Command::new("mosquitto")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "mosquitto does not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    let s = demo(&["--broker", &format!("mqtt://127.0.0.1:{port}")]);
    assert_eq!(s["mqtt"]["broker"], format!("mqtt://127.0.0.1:{port}"));
    check(&s);
    let _ = std::fs::remove_dir_all(&dir);
}
