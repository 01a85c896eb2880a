//! End to end through a real broker: mosquitto, started here on 127.0.0.1 with a config file of
//! ours, carries an NBIRTH, DBIRTH, NDATA, DDATA and the NDEATH (as the MQTT Will, after the
//! connection drops) from our edge node to `mosquitto_sub`, byte for byte; our host application,
//! on the same broker, follows the node in order, sees its death, and its STATE birth is retained.
//!
//! Needs `mosquitto` and `mosquitto_sub` (Debian: `mosquitto mosquitto-clients`). Without them
//! the test is skipped, unless `M2M_REQUIRE_MOSQUITTO` is set (as `.ci/run` does): then it fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation
)] // test helpers

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use m2m_sparkplug::mqtt::rumqttc::MqttOptions;
use m2m_sparkplug::mqtt::{EdgeUpdate, HostKind, HostUpdate, MqttEdge, MqttHost, Sent};
use m2m_sparkplug::session::edge::{EdgeConfig, EdgeEvent, MemoryStore};
use m2m_sparkplug::session::host::{HostConfig, Order};
use m2m_sparkplug::{Metric, MetricValue};
use m2m_testkit::mosquitto::Mosquitto;

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `mosquitto_sub` printing `topic hexpayload` lines, read by a thread.
fn subscriber(port: u16, filters: &[&str]) -> (Kill, mpsc::Receiver<String>) {
    let mut cmd = Command::new("mosquitto_sub");
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string(), "-F", "%t %x"]);
    for f in filters {
        cmd.args(["-t", f]);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .expect("mosquitto_sub starts");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (Kill(child), rx)
}

/// Publishes probes until the subscriber prints one: its subscriptions are then in place.
fn wait_subscribed(port: u16, rx: &mpsc::Receiver<String>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let _ = Command::new("mosquitto_pub")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-t",
                "probe/x",
                "-m",
                "x",
            ])
            .status();
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            assert!(line.starts_with("probe/x"), "{line}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "mosquitto_sub does not subscribe"
        );
    }
    while rx.recv_timeout(Duration::from_millis(100)).is_ok() {}
}

async fn host_next(host: &mut MqttHost<'_>) -> HostUpdate {
    tokio::time::timeout(Duration::from_secs(10), host.next())
        .await
        .expect("host gets a message in time")
        .expect("host runs")
}

#[test]
fn edge_node_through_mosquitto_byte_identical_and_host_follows() {
    let Some(broker) = Mosquitto::start(&["mosquitto_sub", "mosquitto_pub"]) else {
        return;
    };
    let port = broker.port();
    let (_sub, lines) = subscriber(port, &["spBv1.0/G/#", "probe/#"]);
    wait_subscribed(port, &lines);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // The host first, with its subscriptions in place before the edge node is born: its own
        // retained STATE birth coming back shows that.
        let mut host: MqttHost<'_> = MqttHost::new(
            HostConfig::new("scada"),
            MqttOptions::new("m2m-host", "127.0.0.1", port),
        )
        .unwrap();
        host.connect().await.unwrap();
        loop {
            if let HostUpdate::Message { topic, payload, .. } = host_next(&mut host).await {
                if topic == "spBv1.0/STATE/scada" {
                    assert!(
                        std::str::from_utf8(&payload)
                            .unwrap()
                            .contains(r#""online":true"#)
                    );
                    break;
                }
            }
        }

        let mut edge: MqttEdge<'_, MemoryStore> = MqttEdge::new(
            EdgeConfig::new("G", "E").with_bd_seq_alias(100),
            MemoryStore::default(),
            MqttOptions::new("m2m-edge", "127.0.0.1", port),
        )
        .unwrap();
        let dev = edge.node_mut().add_device("D").unwrap();
        edge.connect().await.unwrap();
        let ev = tokio::time::timeout(Duration::from_secs(5), edge.next()).await;
        assert_eq!(
            ev.unwrap().unwrap(),
            EdgeUpdate::Event(EdgeEvent::PublishBirths)
        );
        let birth_metrics = [
            Metric {
                alias: Some(1),
                ..Metric::new("Temperature", MetricValue::Double(21.5))
            },
            Metric {
                alias: Some(2),
                ..Metric::new("Name", MetricValue::String("boiler".into()))
            },
        ];
        let mut sent: Vec<Sent> = Vec::new();
        sent.push(edge.birth(&birth_metrics).await.unwrap());
        let dev_metrics = [Metric {
            alias: Some(10),
            ..Metric::new("Level", MetricValue::UInt32(7))
        }];
        sent.push(edge.device_birth(dev, &dev_metrics).await.unwrap());
        sent.push(
            edge.data(&[Metric::aliased(1, MetricValue::Double(22.0))])
                .await
                .unwrap(),
        );
        sent.push(
            edge.device_data(dev, &[Metric::aliased(10, MetricValue::UInt32(8))])
                .await
                .unwrap(),
        );
        // Let the client write everything, then cut the connection: the broker sends the Will.
        tokio::time::sleep(Duration::from_millis(300)).await;
        sent.push(edge.will().cloned().unwrap());
        edge.abort();

        // The host saw the node's life in order, and its death.
        let mut kinds = Vec::new();
        while kinds.len() < 5 {
            if let HostUpdate::Message { topic, kind, .. } = host_next(&mut host).await {
                if topic.starts_with("spBv1.0/G/") {
                    kinds.push(kind);
                }
            }
        }
        assert_eq!(
            kinds,
            [
                HostKind::NodeBirth,
                HostKind::DeviceBirth,
                HostKind::Data(Order::InOrder),
                HostKind::Data(Order::InOrder),
                HostKind::NodeDeath,
            ]
        );
        host.disconnect().await.unwrap();

        // mosquitto_sub printed exactly what the edge node wrote.
        let mut got = Vec::new();
        while got.len() < sent.len() {
            let line = lines
                .recv_timeout(Duration::from_secs(10))
                .expect("mosquitto_sub prints every message");
            got.push(line);
        }
        let want: Vec<String> = sent
            .iter()
            .map(|s| format!("{} {}", s.topic, hex(&s.payload)))
            .collect();
        assert_eq!(got, want);
        assert_eq!(
            got.iter()
                .map(|l| l.split(' ').next().unwrap())
                .collect::<Vec<_>>(),
            [
                "spBv1.0/G/NBIRTH/E",
                "spBv1.0/G/DBIRTH/E/D",
                "spBv1.0/G/NDATA/E",
                "spBv1.0/G/DDATA/E/D",
                "spBv1.0/G/NDEATH/E"
            ]
        );
    });

    // The host's retained STATE is its death certificate now.
    let (_sub2, retained) = subscriber(port, &["spBv1.0/STATE/#"]);
    let line = retained
        .recv_timeout(Duration::from_secs(10))
        .expect("a retained STATE");
    let (topic, payload) = line.split_once(' ').unwrap();
    assert_eq!(topic, "spBv1.0/STATE/scada");
    assert!(payload.contains(&hex(br#""online":false"#)), "{line}");
}

/// `mosquitto_pub` of `payload` (bytes, through a file) to `topic`.
fn publish(port: u16, topic: &str, payload: &[u8]) {
    let file = std::env::temp_dir().join(format!("m2m-sparkplug-pub-{}", std::process::id()));
    std::fs::write(&file, payload).unwrap();
    let status = Command::new("mosquitto_pub")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-t",
            topic,
            "-f",
        ])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let _ = std::fs::remove_file(file);
}

#[test]
fn the_edge_runner_drops_a_malformed_command_and_goes_on() {
    let Some(broker) = Mosquitto::start(&["mosquitto_pub"]) else {
        return;
    };
    let port = broker.port();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut edge: MqttEdge<'_, MemoryStore> = MqttEdge::new(
            EdgeConfig::new("G", "E"),
            MemoryStore::default(),
            MqttOptions::new("m2m-edge-cmd", "127.0.0.1", port),
        )
        .unwrap();
        edge.connect().await.unwrap();
        let ev = tokio::time::timeout(Duration::from_secs(5), edge.next()).await;
        assert_eq!(
            ev.unwrap().unwrap(),
            EdgeUpdate::Event(EdgeEvent::PublishBirths)
        );
        edge.birth(&[Metric::new("x", MetricValue::Boolean(false))])
            .await
            .unwrap();
        // Let the NCMD subscription reach the broker.
        tokio::time::sleep(Duration::from_millis(300)).await;
        // A payload cut short (a key without its value), then a command: metric "x" set to
        // true (timestamp 1; Boolean is datatype 11).
        publish(port, "spBv1.0/G/NCMD/E", &[0x78]);
        let command = [
            0x08, 0x01, 0x12, 0x07, 0x0a, 0x01, b'x', 0x20, 0x0b, 0x70, 0x01,
        ];
        publish(port, "spBv1.0/G/NCMD/E", &command);
        let got = tokio::time::timeout(Duration::from_secs(5), edge.next())
            .await
            .expect("the command in time")
            .expect("the runner goes on after the malformed one");
        assert_eq!(
            got,
            EdgeUpdate::Command {
                device: None,
                payload: command.to_vec(),
            }
        );
    });
}

#[test]
fn births_past_rumqttc_default_packet_limit_go_through() {
    let Some(broker) = Mosquitto::start(&[]) else {
        return;
    };
    let port = broker.port();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // Both on rumqttc's default options, whose packet limit is 10 KiB each way.
        let mut host: MqttHost<'_> = MqttHost::new(
            HostConfig::new("scada"),
            MqttOptions::new("m2m-host-big", "127.0.0.1", port),
        )
        .unwrap();
        host.connect().await.unwrap();
        loop {
            if let HostUpdate::Message { topic, .. } = host_next(&mut host).await {
                if topic == "spBv1.0/STATE/scada" {
                    break;
                }
            }
        }
        let mut edge: MqttEdge<'_, MemoryStore> = MqttEdge::new(
            EdgeConfig::new("G", "E"),
            MemoryStore::default(),
            MqttOptions::new("m2m-edge-big", "127.0.0.1", port),
        )
        .unwrap();
        edge.connect().await.unwrap();
        let ev = tokio::time::timeout(Duration::from_secs(5), edge.next()).await;
        assert_eq!(
            ev.unwrap().unwrap(),
            EdgeUpdate::Event(EdgeEvent::PublishBirths)
        );
        let text = "x".repeat(40_000);
        let sent = edge
            .birth(&[Metric::new("notes", MetricValue::String(text.into()))])
            .await
            .unwrap();
        assert!(sent.payload.len() > 40_000);
        loop {
            if let HostUpdate::Message {
                topic,
                payload,
                kind,
            } = host_next(&mut host).await
            {
                if topic == "spBv1.0/G/NBIRTH/E" {
                    assert_eq!(kind, HostKind::NodeBirth);
                    assert_eq!(payload, sent.payload);
                    break;
                }
            }
        }
    });
}
