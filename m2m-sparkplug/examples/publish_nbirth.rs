//! The smallest Sparkplug edge node: connects to a broker with its Will (NDEATH), publishes an
//! NBIRTH and a few NDATA, then NDEATH, and disconnects.
//!
//! ```sh
//! mosquitto -p 1883 &   # any MQTT 3.1.1 broker
//! cargo run -p m2m-sparkplug --features rumqttc --example publish_nbirth -- 127.0.0.1 1883
//! ```

use std::time::Duration;

use m2m_sparkplug::mqtt::rumqttc::MqttOptions;
use m2m_sparkplug::mqtt::{EdgeUpdate, MqttEdge};
use m2m_sparkplug::session::edge::{EdgeConfig, EdgeEvent, MemoryStore};
use m2m_sparkplug::{Metric, MetricValue};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let host = args.next().unwrap_or_else(|| "127.0.0.1".into());
    let port = args.next().map_or(Ok(1883), |p| p.parse())?;
    let mqtt = MqttOptions::new("m2m-example-edge", host, port);
    let config = EdgeConfig::new("Example", "Node1").with_bd_seq_alias(100);
    let mut edge: MqttEdge<'_, MemoryStore> = MqttEdge::new(config, MemoryStore::default(), mqtt)?;
    edge.connect().await?;
    // The session says when the births may go out (at once here: no primary host configured).
    while edge.next().await? != EdgeUpdate::Event(EdgeEvent::PublishBirths) {}
    let birth = [Metric {
        alias: Some(1),
        ..Metric::new("Temperature", MetricValue::Double(21.5))
    }];
    let sent = edge.birth(&birth).await?;
    println!("{} ({} bytes)", sent.topic, sent.payload.len());
    for i in 0..3 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = edge
            .data(&[Metric::aliased(1, MetricValue::Double(21.5 + f64::from(i)))])
            .await?;
        println!("{} ({} bytes)", sent.topic, sent.payload.len());
    }
    let sent = edge.disconnect().await?;
    println!("{} ({} bytes)", sent.topic, sent.payload.len());
    Ok(())
}
