//! The embedded MQTT broker of the demo: rumqttd (a kept broker crate, MQTT 3.1.1) in its own
//! threads on a free 127.0.0.1 port.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use rumqttd::{Broker, Config, ConnectionSettings, RouterConfig, ServerSettings};

/// Starts the broker; returns its address once it accepts connections.
pub(crate) fn start() -> Result<SocketAddr, String> {
    // rumqttd binds the address it is given: take a free port from the system first.
    let addr = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))?;
    let server = ServerSettings {
        name: "m2m-demo".into(),
        listen: addr,
        tls: None,
        next_connection_delay_ms: 1,
        connections: ConnectionSettings {
            connection_timeout_ms: 5000,
            max_payload_size: 256 * 1024,
            max_inflight_count: 100,
            auth: None,
            external_auth: None,
            dynamic_filters: true,
        },
    };
    let config = Config {
        id: 0,
        router: RouterConfig {
            max_connections: 64,
            max_outgoing_packet_count: 200,
            max_segment_size: 16 * 1024 * 1024,
            max_segment_count: 10,
            ..RouterConfig::default()
        },
        v4: Some(HashMap::from([("1".to_string(), server)])),
        ..Config::default()
    };
    let mut broker = Broker::new(config);
    std::thread::Builder::new()
        .name("mqtt-broker".into())
        .spawn(move || {
            // Runs until the process ends.
            let _ = broker.start();
        })
        .map_err(|e| format!("cannot start the broker thread: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline {
            return Err(format!("the embedded broker does not listen on {addr}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(addr)
}
