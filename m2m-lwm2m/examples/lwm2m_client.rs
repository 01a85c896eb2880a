//! An LwM2M client on UDP: registers a Device object and an IPSO temperature sensor with a
//! server, answers its requests, and reports a temperature that drifts, so that an observation
//! of /3303/0/5700 gets notifications. Ctrl-C is not caught: run it for `SECONDS` and it
//! de-registers.
//!
//! ```text
//! cargo run -p m2m-lwm2m --example lwm2m_client -- SERVER_ADDR [ENDPOINT] [SECONDS]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)] // an example: failures end it with a message

use std::time::{Duration, Instant};

use m2m_coap::Code;
use m2m_lwm2m::client::{ObjectTree, RecordBuf, Settings};
use m2m_lwm2m::link::{ObjectLink, Version};
use m2m_lwm2m::{Path, Record, Text, Value, blocking};

struct Sensor {
    temperature: f64,
}

impl ObjectTree for Sensor {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        f(ObjectLink::path(Path::instance(3, 0)));
        f(ObjectLink::path(Path::object(3303)).with_version(Version::V1_1));
        f(ObjectLink::path(Path::instance(3303, 0)));
    }

    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
        let all = [
            Record::new(Path::resource(3, 0, 0), Value::Str(Text::Plain("m2m"))),
            Record::new(
                Path::resource(3, 0, 1),
                Value::Str(Text::Plain("example sensor")),
            ),
            Record::new(Path::resource(3, 0, 2), Value::Str(Text::Plain("0001"))),
            Record::new(Path::resource(3, 0, 16), Value::Str(Text::Plain("U"))),
            Record::new(
                Path::resource(3303, 0, 5700),
                Value::Float(self.temperature),
            ),
            Record::new(
                Path::resource(3303, 0, 5701),
                Value::Str(Text::Plain("Cel")),
            ),
        ];
        let mut any = false;
        for r in all.into_iter().filter(|r| path.contains(&r.path)) {
            out.push(r)?;
            any = true;
        }
        if any { Ok(()) } else { Err(Code::NOT_FOUND) }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let server = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:5683".into())
        .parse()?;
    let endpoint = args.next().unwrap_or_else(|| "m2m-example".into());
    let seconds: u64 = args.next().map_or(Ok(60), |s| s.parse())?;
    let endpoint: &'static str = Box::leak(endpoint.into_boxed_str());
    let mut sensor = Sensor { temperature: 21.5 };
    let mut client = blocking::Client::new(server, Settings::new(endpoint))?;
    client.register(&sensor)?;
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut tick = Instant::now();
    while Instant::now() < end {
        client.turn(&mut sensor, Duration::from_millis(100))?;
        for e in client.take_events() {
            println!("{e:?}");
        }
        if tick.elapsed() >= Duration::from_secs(1) {
            tick = Instant::now();
            sensor.temperature = ((sensor.temperature * 10.0 + 3.0).round() / 10.0).min(40.0);
            client.inner().changed(&Path::resource(3303, 0, 5700));
        }
    }
    client.deregister(&mut sensor, Duration::from_secs(10))?;
    println!("de-registered");
    Ok(())
}
