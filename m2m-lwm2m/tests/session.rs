//! Our sans-IO client against our sans-IO server, in memory: registration, Update before the
//! lifetime ends, reads in TLV and text, writes, Write-Attributes, observation with the notify
//! decision, Observe-Composite and its cancellation, execute, discover, expiry and De-register.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken exchange

use m2m_coap::{Code, ContentFormat, RequestId};
use m2m_core::Timestamp;
use m2m_lwm2m::attributes::Update;
use m2m_lwm2m::client::{Client, ObjectTree, RecordBuf, Settings};
use m2m_lwm2m::interface::ClientRequest;
use m2m_lwm2m::link::{self, ObjectLink, Version};
use m2m_lwm2m::model::{self, Registry};
use m2m_lwm2m::server::{Server, ServerEvent};
use m2m_lwm2m::{Config, Path, Record, Text, Value, body, composite};

const SERVER: u8 = 0;
const CLIENT: u8 = 1;

/// A Create as the tree saw it: object, instance id named, each resource with its value, and
/// the records' gateway prefix.
type Created = (u16, u16, Vec<(u16, Option<Value<'static>>)>, Option<String>);

struct Pump {
    temperature: f64,
    rebooted: bool,
    /// The Timezone /3/0/15 (read and written).
    label: String,
    /// The Manufacturer /3/0/0 (read-only to a server; a bootstrap server may set it).
    manufacturer: String,
    /// Each Create: the object, the instance id it named, the records' resources and values.
    created: Vec<Created>,
    /// The instances of the ACL resource /2/0/2 written, with their values.
    acl: Vec<(u16, i64)>,
    /// Each path a replace asked the tree to reset.
    resets: Vec<String>,
    /// The instances deleted (they are listed no more).
    deleted: Vec<String>,
}

impl ObjectTree for Pump {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        // Security: the bootstrap account /0/0 and a server's /0/1 (never registered).
        let all = [
            Path::instance(0, 0),
            Path::instance(0, 1),
            Path::instance(21, 0),
            Path::instance(21, 1),
            Path::instance(1, 0),
            Path::instance(3, 0),
            Path::instance(3303, 0),
            Path::instance(3303, 1),
        ];
        for p in all {
            if p.object_id() == Some(3303) && p.instance_id() == Some(0) {
                f(ObjectLink::path(Path::object(3303)).with_version(Version::V1_1));
            }
            if !self.deleted.contains(&p.to_string()) {
                f(ObjectLink::path(p));
            }
        }
    }

    fn delete(&mut self, path: &Path<'_>) -> Result<(), Code> {
        // The first temperature sensor is built in.
        if path.levels() == [3303, 0] {
            return Err(Code::METHOD_NOT_ALLOWED);
        }
        if self.deleted.contains(&path.to_string()) {
            return Err(Code::NOT_FOUND);
        }
        self.deleted.push(path.to_string());
        Ok(())
    }

    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
        let all = [
            Record::new(
                Path::resource(3, 0, 0),
                Value::Str(Text::Plain(&self.manufacturer)),
            ),
            Record::new(Path::resource_instance(3, 0, 7, 0), Value::Int(3800)),
            Record::new(Path::resource_instance(3, 0, 7, 1), Value::Int(5000)),
            Record::new(Path::resource(3, 0, 13), Value::Time(1_700_000_000)),
            Record::new(
                Path::resource(3, 0, 15),
                Value::Str(Text::Plain(&self.label)),
            ),
            Record::new(
                Path::resource(3303, 0, 5700),
                Value::Float(self.temperature),
            ),
            Record::new(
                Path::resource(3303, 0, 5701),
                Value::Str(Text::Plain("Cel")),
            ),
            // The bootstrap account, whose OSCORE context is /21/0; a server's account.
            Record::new(Path::resource(0, 0, 1), Value::Bool(true)),
            Record::new(
                Path::resource(0, 0, 17),
                Value::ObjLink(m2m_lwm2m::ObjLink {
                    object: 21,
                    instance: 0,
                }),
            ),
            Record::new(Path::resource(0, 1, 1), Value::Bool(false)),
            Record::new(Path::resource(1, 0, 0), Value::Int(1)),
        ];
        let mut any = false;
        for r in all {
            if path.without_prefix().contains(&r.path) {
                out.push(r)?;
                any = true;
            }
        }
        if any { Ok(()) } else { Err(Code::NOT_FOUND) }
    }

    fn reset(&mut self, path: &Path<'_>) -> Result<(), Code> {
        self.resets.push(path.to_string());
        match path.levels() {
            [2, 0, 2] => {
                self.acl.clear();
                Ok(())
            }
            _ => Err(Code::NOT_FOUND),
        }
    }

    fn write(&mut self, record: &Record<'_>, _replace: bool) -> Result<(), Code> {
        match (record.path.levels(), record.value) {
            ([3, 0, 15], Some(Value::Str(t))) => {
                self.label = t.to_string();
                Ok(())
            }
            (&[2, 0, 2, n], Some(Value::Int(v))) => {
                self.acl.retain(|&(m, _)| m != n);
                self.acl.push((n, v));
                Ok(())
            }
            ([3, 0, 0], Some(Value::Str(t))) => {
                self.manufacturer = t.to_string();
                Ok(())
            }
            _ => Err(Code::METHOD_NOT_ALLOWED),
        }
    }

    fn create(&mut self, object: u16, records: &[Record<'_>]) -> Result<u16, Code> {
        let named = records.first().and_then(|r| r.path.instance_id());
        let Some(named) = named else {
            return Err(Code::BAD_REQUEST);
        };
        let values = records
            .iter()
            .map(|r| {
                assert_eq!(r.path.instance_id(), Some(named));
                let v = r.value.map(|v| match v {
                    Value::Int(i) => Value::Int(i),
                    other => panic!("{other:?}"),
                });
                (r.path.resource_id().unwrap(), v)
            })
            .collect();
        let prefix = records
            .first()
            .and_then(|r| r.path.prefix())
            .map(String::from);
        self.created.push((object, named, values, prefix));
        // A faulty tree for object 1: it hands back the reserved id.
        if object == 1 {
            return Ok(m2m_lwm2m::path::RESERVED_ID);
        }
        // The id asked for, or the next free one when none was (65535).
        Ok(if named == m2m_lwm2m::path::RESERVED_ID {
            4
        } else {
            named
        })
    }

    fn execute(&mut self, path: &Path<'_>, _args: &[u8]) -> Result<(), Code> {
        if path.levels() == [3, 0, 4] {
            self.rebooted = true;
            Ok(())
        } else {
            Err(Code::METHOD_NOT_ALLOWED)
        }
    }
}

fn at(s: u64) -> Timestamp {
    Timestamp::from_millis(s * 1000)
}

/// A response as the server saw it: code, format, payload, Observe.
type Seen = (Code, Option<ContentFormat>, Vec<u8>, Option<u32>);

struct World {
    server: Server<u8>,
    client: Client<'static, u8>,
    pump: Pump,
    events: Vec<String>,
    responses: Vec<Seen>,
    /// The request each of `responses` answered.
    answered: Vec<RequestId>,
}

impl World {
    fn new() -> Self {
        let settings = Settings {
            lifetime: 60,
            ..Settings::new("pump-1")
        };
        World {
            server: Server::new(7),
            client: Client::new(SERVER, settings, 9),
            pump: Pump {
                temperature: 21.5,
                rebooted: false,
                label: "P-100".into(),
                created: Vec::new(),
                acl: Vec::new(),
                manufacturer: "m2m".into(),
                resets: Vec::new(),
                deleted: Vec::new(),
            },
            events: Vec::new(),
            responses: Vec::new(),
            answered: Vec::new(),
        }
    }

    /// Moves datagrams both ways until both are quiet.
    fn pump(&mut self, now: Timestamp) {
        let mut buf = [0u8; 1152];
        loop {
            let mut moved = false;
            while let Some((to, n)) = self.client.poll_transmit(now, &mut buf) {
                assert_eq!(to, SERVER);
                moved = true;
                if let Some(e) = self.server.handle(now, CLIENT, &buf[..n]).unwrap() {
                    self.record(e);
                }
            }
            while let Some((to, n)) = self.server.poll_transmit(now, &mut buf) {
                assert_eq!(to, CLIENT);
                moved = true;
                let datagram = buf[..n].to_vec();
                self.client
                    .handle(now, SERVER, &datagram, &mut self.pump)
                    .unwrap();
            }
            while let Some(e) = self.client.poll_event() {
                self.events.push(format!("client {e:?}"));
            }
            if !moved {
                break;
            }
        }
    }

    fn record(&mut self, e: ServerEvent<'_, u8>) {
        match e {
            ServerEvent::Registered {
                endpoint,
                links,
                params,
                ..
            } => {
                let n = link::parse(links, Config::STRICT).count();
                self.events.push(format!(
                    "registered {endpoint} lt={:?} links={n}",
                    params.lifetime
                ));
            }
            ServerEvent::Updated { links: None, .. } => self.events.push("updated".into()),
            ServerEvent::Updated {
                links: Some(links), ..
            } => {
                let n = link::parse(links, Config::STRICT).count();
                self.events.push(format!("updated links={n}"));
            }
            ServerEvent::Deregistered { .. } => self.events.push("deregistered".into()),
            ServerEvent::Response { message, request } => {
                self.answered.push(request);
                self.responses.push((
                    message.code(),
                    message.content_format(),
                    message.payload().to_vec(),
                    message.observe(),
                ));
            }
            other => self.events.push(format!("{other:?}")),
        }
    }

    fn ask(&mut self, now: Timestamp, req: ClientRequest<'_>) -> Seen {
        let id = self.server.find("pump-1").unwrap().id;
        self.server.send(now, id, &req).unwrap();
        self.pump(now);
        self.responses.pop().expect("a response")
    }

    /// [`World::ask`] of a client that has not registered (a bootstrap server's request).
    fn ask_peer(&mut self, now: Timestamp, req: ClientRequest<'_>) -> Seen {
        self.server.send_to(now, CLIENT, &req).unwrap();
        self.pump(now);
        self.responses.pop().expect("a response")
    }
}

#[test]
fn client_and_server_end_to_end() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    assert_eq!(
        w.events,
        // Five links: the Security instances are not registered.
        ["registered pump-1 lt=Some(60) links=5", "client Registered"]
    );
    assert!(w.client.is_registered());
    assert_eq!(w.client.location().unwrap().to_string(), "/rd/1");

    // Read /3/0 in TLV, typed against the registry.
    let (code, format, payload, _) = w.ask(
        at(1),
        ClientRequest::Read {
            path: Path::instance(3, 0),
            accept: Some(ContentFormat::LWM2M_TLV),
        },
    );
    assert_eq!(
        (code, format),
        (Code::CONTENT, Some(ContentFormat::LWM2M_TLV))
    );
    let records: Vec<_> = body::decode(
        ContentFormat::LWM2M_TLV,
        Path::instance(3, 0),
        &payload,
        Config::STRICT,
    )
    .unwrap()
    .map(|r| model::typed(r.unwrap(), &Registry, &Config::STRICT).unwrap())
    .collect();
    assert_eq!(records[0].value, Some(Value::Str(Text::Plain("m2m"))));
    assert_eq!(
        records[2],
        Record::new(Path::resource_instance(3, 0, 7, 1), Value::Int(5000))
    );
    // The same records in every format the client writes.
    for format in [
        ContentFormat::SENML_JSON,
        ContentFormat::SENML_CBOR,
        ContentFormat::LWM2M_CBOR,
        ContentFormat::LWM2M_JSON,
    ] {
        let (code, got, payload, _) = w.ask(
            at(1),
            ClientRequest::Read {
                path: Path::instance(3, 0),
                accept: Some(format),
            },
        );
        assert_eq!((code, got), (Code::CONTENT, Some(format)));
        let again: Vec<_> = body::decode(format, Path::instance(3, 0), &payload, Config::STRICT)
            .unwrap()
            .map(|r| model::typed(r.unwrap(), &Registry, &Config::STRICT).unwrap())
            .collect();
        assert_eq!(again, records, "{format:?}");
    }
    // Read-Composite: two paths in SenML-ETCH JSON, the answer in SenML CBOR.
    let (code, format, payload, _) = w.ask(
        at(1),
        ClientRequest::Composite {
            observe: None,
            format: ContentFormat::SENML_ETCH_JSON,
            accept: Some(ContentFormat::SENML_CBOR),
            payload: br#"[{"n":"/3/0/0"},{"n":"/3303/0/5700"},{"n":"/9/9/9"}]"#,
        },
    );
    assert_eq!(
        (code, format),
        (Code::CONTENT, Some(ContentFormat::SENML_CBOR))
    );
    let composite: Vec<_> = m2m_lwm2m::senml_cbor::decode(&payload)
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        composite,
        [
            Record::new(Path::resource(3, 0, 0), Value::Str(Text::Plain("m2m"))),
            Record::new(Path::resource(3303, 0, 5700), Value::Float(21.5)),
        ]
    );
    // Write-Composite in SenML JSON.
    let (code, ..) = w.ask(
        at(1),
        ClientRequest::WriteComposite {
            format: ContentFormat::SENML_JSON,
            payload: br#"[{"n":"/3/0/15","vs":"P-150"}]"#,
        },
    );
    assert_eq!(code, Code::CHANGED);
    assert_eq!(w.pump.label, "P-150");
    // A single resource defaults to plain text.
    let (_, format, payload, _) = w.ask(
        at(1),
        ClientRequest::Read {
            path: Path::resource(3303, 0, 5700),
            accept: None,
        },
    );
    assert_eq!(
        (format, payload.as_slice()),
        (Some(ContentFormat::TEXT_PLAIN), &b"21.5"[..])
    );
    // Unknown paths and formats.
    let (code, ..) = w.ask(
        at(1),
        ClientRequest::Read {
            path: Path::instance(3, 1),
            accept: None,
        },
    );
    assert_eq!(code, Code::NOT_FOUND);
    let (code, ..) = w.ask(
        at(1),
        ClientRequest::Read {
            path: Path::instance(3, 0),
            accept: Some(ContentFormat::JSON),
        },
    );
    assert_eq!(code, Code::NOT_ACCEPTABLE);

    // Write the model number (text/plain), execute Reboot.
    let (code, ..) = w.ask(
        at(2),
        ClientRequest::Write {
            path: Path::resource(3, 0, 15),
            replace: true,
            format: ContentFormat::TEXT_PLAIN,
            payload: b"P-200",
        },
    );
    assert_eq!(code, Code::CHANGED);
    assert_eq!(w.pump.label, "P-200");
    let (code, ..) = w.ask(
        at(2),
        ClientRequest::Execute {
            path: Path::resource(3, 0, 4),
            args: b"",
        },
    );
    assert_eq!(code, Code::CHANGED);
    assert!(w.pump.rebooted);

    // Discover /3/0 lists the resources, with dim for the multiple one.
    let (code, format, payload, _) = w.ask(
        at(2),
        ClientRequest::Discover {
            path: Path::instance(3, 0),
        },
    );
    assert_eq!(
        (code, format),
        (Code::CONTENT, Some(ContentFormat::LINK_FORMAT))
    );
    assert_eq!(
        std::str::from_utf8(&payload).unwrap(),
        "</3/0>,</3/0/0>,</3/0/7>;dim=2,</3/0/13>,</3/0/15>"
    );

    // Observe the temperature with pmin=5 and st=1: small changes stay quiet, a step notifies
    // once pmin has passed.
    let temp = Path::resource(3303, 0, 5700);
    let update = Update::parse(["pmin=5", "st=1"]).unwrap();
    let (code, ..) = w.ask(at(3), ClientRequest::WriteAttributes { path: temp, update });
    assert_eq!(code, Code::CHANGED);
    let (code, _, payload, observe) = w.ask(
        at(3),
        ClientRequest::Observe {
            path: temp,
            accept: Some(ContentFormat::TEXT_PLAIN),
        },
    );
    assert_eq!(
        (code, payload.as_slice(), observe),
        (Code::CONTENT, &b"21.5"[..], Some(0))
    );
    assert_eq!(w.client.observations(), 1);
    w.pump.temperature = 21.9;
    w.client.changed(&temp);
    w.client.handle_timeout(at(4), &w.pump).unwrap();
    w.pump(at(4));
    assert!(w.responses.is_empty(), "a change below st notifies nothing");
    w.pump.temperature = 23.0;
    w.client.changed(&temp);
    // Held back while pmin runs (the last notification was at 3 s)...
    w.client.handle_timeout(at(7), &w.pump).unwrap();
    w.pump(at(7));
    assert!(w.responses.is_empty());
    assert_eq!(w.client.poll_timeout(at(7)), Some(at(8)));
    // ... and sent once it has.
    w.client.handle_timeout(at(8), &w.pump).unwrap();
    w.pump(at(8));
    let (code, _, payload, observe) = w.responses.pop().expect("a notification");
    assert_eq!(
        (code, payload.as_slice(), observe),
        (Code::CONTENT, &b"23"[..], Some(1))
    );
    let observation = w.answered.pop().expect("the notification's request");

    // Cancel Observation under the observation's token: its answer comes to the same request
    // (so the token was the same), without Observe, and the client stops observing.
    w.server
        .cancel_observe(at(9), observation, temp, Some(ContentFormat::TEXT_PLAIN))
        .unwrap();
    w.pump(at(9));
    let (code, _, payload, observe) = w.responses.pop().expect("the cancel's answer");
    assert_eq!(
        (code, payload.as_slice(), observe),
        (Code::CONTENT, &b"23"[..], None)
    );
    assert_eq!(w.answered.pop(), Some(observation));
    assert_eq!(w.client.observations(), 0);
    assert!(
        w.server
            .cancel_observe(at(9), observation, temp, None)
            .is_err(),
        "the observation is over"
    );

    // The client updates before the lifetime of 60 s runs out (with half of it to spare:
    // shorter than MAX_TRANSMIT_WAIT, 93 s).
    let due = w.client.poll_timeout(at(10)).unwrap();
    assert!(due <= at(54), "{due:?}");
    w.client.handle_timeout(at(54), &w.pump).unwrap();
    w.pump(at(54));
    assert!(w.events.contains(&"updated".to_string()), "{:?}", w.events);
    assert!(
        w.events.contains(&"client Updated".to_string()),
        "{:?}",
        w.events
    );

    // De-register.
    w.client.deregister(at(60)).unwrap();
    w.pump(at(60));
    assert!(w.events.contains(&"deregistered".to_string()));
    assert!(w.events.contains(&"client Deregistered".to_string()));
    assert!(w.server.find("pump-1").is_none());
}

#[test]
fn registration_expires_and_a_lost_client_registers_again() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    // The server forgets the client once its lifetime has passed.
    assert_eq!(
        w.server.poll_timeout(),
        Some(at(60)).min(w.server.poll_timeout())
    );
    w.server.handle_timeout(at(61));
    assert!(matches!(
        w.server.poll_event(),
        Some(ServerEvent::Expired { .. })
    ));
    assert!(w.server.find("pump-1").is_none());
    // The client's Update gets 4.04 and it registers again.
    w.client.update(at(62)).unwrap();
    w.pump(at(62));
    w.client.handle_timeout(at(62), &w.pump).unwrap();
    w.pump(at(62));
    assert!(w.server.find("pump-1").is_some(), "{:?}", w.events);
    assert_eq!(
        w.events
            .iter()
            .filter(|e| e.starts_with("registered"))
            .count(),
        2
    );
}

#[test]
fn create_with_and_without_an_instance_id() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    // An Access Control instance (object 2): Object ID 3, Object Instance ID 0, Owner 1, as
    // resources at the top of the TLV body: the server leaves the instance id to the client
    // (Core 1.1 §6.3.6), as Leshan's Create does by default.
    let bare = [0xc1, 0x00, 0x03, 0xc1, 0x01, 0x00, 0xc1, 0x03, 0x01];
    let create = |payload| ClientRequest::Create {
        path: Path::object(2),
        format: ContentFormat::LWM2M_TLV,
        payload,
    };
    let (code, ..) = w.ask(at(1), create(&bare));
    assert_eq!(code, Code::CREATED);
    // The same resources inside an instance TLV of id 6.
    let mut wrapped = vec![0x08, 0x06, 9];
    wrapped.extend_from_slice(&bare);
    let (code, ..) = w.ask(at(2), create(&wrapped));
    assert_eq!(code, Code::CREATED);
    let resources = vec![
        (0, Some(Value::Int(3))),
        (1, Some(Value::Int(0))),
        (3, Some(Value::Int(1))),
    ];
    assert_eq!(
        w.pump.created,
        [
            (2, 65535, resources.clone(), None),
            (2, 6, resources.clone(), None)
        ]
    );
    // A resource instance at the top is no Create body.
    let (code, ..) = w.ask(at(3), create(&[0x41, 0x00, 0x01]));
    assert_eq!(code, Code::BAD_REQUEST);
    assert_eq!(w.pump.created.len(), 2);
    // Through an LwM2M Gateway: the end device's prefix stays on the records.
    let (code, ..) = w.ask(
        at(4),
        ClientRequest::Create {
            path: Path::object(2).with_prefix("dev1").unwrap(),
            format: ContentFormat::LWM2M_TLV,
            payload: &bare,
        },
    );
    assert_eq!(code, Code::CREATED);
    assert_eq!(
        w.pump.created.last(),
        Some(&(2, 65535, resources, Some("dev1".to_string())))
    );
    // A tree that hands back the reserved id has made no instance a server can name: 5.00.
    let server = [0xc1, 0x00, 0x01]; // Short Server ID 1
    let (code, ..) = w.ask(
        at(5),
        ClientRequest::Create {
            path: Path::object(1),
            format: ContentFormat::LWM2M_TLV,
            payload: &server,
        },
    );
    assert_eq!(code, Code::INTERNAL_SERVER_ERROR);
}

#[test]
fn server_refuses_what_it_cannot_take() {
    use m2m_coap::{Builder, OptionNumber, Type};
    let mut server: Server<u8, 1> = Server::new(1);
    let mut buf = [0u8; 256];
    let mut mid = 0x1234u16;
    let mut send = |server: &mut Server<u8, 1>, path: &[&str], query: &[&str], payload: &[u8]| {
        mid += 1;
        let mut b = Builder::<8>::udp(Type::Confirmable, Code::POST, mid);
        b.token(&[1, 2]);
        for s in path {
            b.str(OptionNumber::URI_PATH, s).unwrap();
        }
        for q in query {
            b.str(OptionNumber::URI_QUERY, q).unwrap();
        }
        b.payload(payload);
        let n = b.encode(&mut buf).unwrap();
        let datagram = buf[..n].to_vec();
        let e = server
            .handle(at(0), 5, &datagram)
            .unwrap()
            .map(|e| format!("{e:?}"));
        let (_, m) = server.poll_transmit(at(0), &mut buf).unwrap();
        (m2m_coap::Message::parse_udp(&buf[..m]).unwrap().code(), e)
    };
    // Bad link format, missing ep, an unknown registration, a full store.
    assert_eq!(
        send(&mut server, &["rd"], &["ep=a"], b"</3/0").0,
        Code::BAD_REQUEST
    );
    assert_eq!(
        send(&mut server, &["rd"], &["lt=5"], b"</3/0>").0,
        Code::BAD_REQUEST
    );
    assert_eq!(
        send(&mut server, &["rd", "99"], &[], b"").0,
        Code::NOT_FOUND
    );
    assert_eq!(
        send(&mut server, &["rd"], &["ep=a"], b"</3/0>").0,
        Code::CREATED
    );
    assert_eq!(
        send(&mut server, &["rd"], &["ep=b"], b"</3/0>").0,
        Code::SERVICE_UNAVAILABLE
    );
    // The same endpoint again replaces its registration.
    assert_eq!(
        send(&mut server, &["rd"], &["ep=a"], b"</3/0>").0,
        Code::CREATED
    );
    assert_eq!(server.registrations().count(), 1);
    // An Update that gives the binding again says whether the client is in queue mode.
    let reg = server.find("a").unwrap();
    assert!(!reg.queue);
    let location = reg.id.0.to_string();
    assert_eq!(
        send(&mut server, &["rd", &location], &["b=UQ"], b"").0,
        Code::CHANGED
    );
    assert!(server.find("a").unwrap().queue);
    // Malformed requests to the server's other interfaces are bad requests, not unknown
    // paths: a Bootstrap-Request without ep, a Send without Content-Format.
    assert_eq!(send(&mut server, &["bs"], &[], b"").0, Code::BAD_REQUEST);
    assert_eq!(send(&mut server, &["dp"], &[], b"x").0, Code::BAD_REQUEST);
    assert_eq!(send(&mut server, &["xx"], &[], b"").0, Code::NOT_FOUND);
}

#[test]
fn bootstrap_then_register() {
    let mut bs: Server<u8> = Server::bootstrap(3);
    let mut client: Client<'static, u8> = Client::new(SERVER, Settings::new("pump-1"), 4);
    let mut pump = Pump {
        temperature: 20.0,
        rebooted: false,
        label: "P".into(),
        created: Vec::new(),
        acl: Vec::new(),
        manufacturer: "m2m".into(),
        resets: Vec::new(),
        deleted: Vec::new(),
    };
    let mut buf = [0u8; 1152];
    let mut events = Vec::new();
    let mut pump_all = |bs: &mut Server<u8>,
                        client: &mut Client<'static, u8>,
                        pump: &mut Pump,
                        events: &mut Vec<String>| loop {
        let mut moved = false;
        while let Some((_, n)) = client.poll_transmit(at(0), &mut buf) {
            moved = true;
            let d = buf[..n].to_vec();
            if let Some(e) = bs.handle(at(0), CLIENT, &d).unwrap() {
                events.push(format!("{e:?}"));
            }
        }
        while let Some((_, n)) = bs.poll_transmit(at(0), &mut buf) {
            moved = true;
            let d = buf[..n].to_vec();
            client.handle(at(0), SERVER, &d, pump).unwrap();
        }
        while let Some(e) = client.poll_event() {
            events.push(format!("client {e:?}"));
        }
        if !moved {
            break;
        }
    };
    client
        .bootstrap(at(0), Some(ContentFormat::SENML_CBOR))
        .unwrap();
    pump_all(&mut bs, &mut client, &mut pump, &mut events);
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("BootstrapRequested { endpoint: \"pump-1\"")),
        "{events:?}"
    );
    assert!(
        events.contains(&"client BootstrapStarted".to_string()),
        "{events:?}"
    );
    // The bootstrap server writes, then finishes. A Bootstrap-Write of an instance adds to
    // it (nothing is reset) and may set what a server may not (the Manufacturer).
    let write = ClientRequest::Write {
        path: Path::instance(3, 0),
        replace: true,
        format: ContentFormat::SENML_JSON,
        payload: br#"[{"n":"/3/0/15","vs":"P-BS"},{"n":"/3/0/0","vs":"BS-Maker"}]"#,
    };
    // One request at a time to one peer (NSTART 1).
    bs.send_to(at(0), CLIENT, &write).unwrap();
    pump_all(&mut bs, &mut client, &mut pump, &mut events);
    bs.send_to(at(0), CLIENT, &ClientRequest::BootstrapFinish)
        .unwrap();
    pump_all(&mut bs, &mut client, &mut pump, &mut events);
    assert_eq!(pump.label, "P-BS");
    assert_eq!(pump.manufacturer, "BS-Maker");
    assert_eq!(pump.resets, Vec::<String>::new());
    assert!(
        events.contains(&"client BootstrapFinished".to_string()),
        "{events:?}"
    );
    // A Bootstrap that never finishes is over once the client registers: a replace from the
    // server then resets again.
    client
        .bootstrap(at(0), Some(ContentFormat::SENML_CBOR))
        .unwrap();
    pump_all(&mut bs, &mut client, &mut pump, &mut events);
    assert_eq!(
        events
            .iter()
            .filter(|e| *e == "client BootstrapStarted")
            .count(),
        2
    );
    client.register(at(0), &pump).unwrap();
    pump_all(&mut bs, &mut client, &mut pump, &mut events);
    assert!(
        events.contains(&"client Registered".to_string()),
        "{events:?}"
    );
    let replace = ClientRequest::Write {
        path: Path::instance(3, 0),
        replace: true,
        format: ContentFormat::SENML_JSON,
        payload: br#"[{"n":"/3/0/15","vs":"P-DM"}]"#,
    };
    bs.send_to(at(0), CLIENT, &replace).unwrap();
    pump_all(&mut bs, &mut client, &mut pump, &mut events);
    assert_eq!(pump.label, "P-DM");
    assert_eq!(pump.resets, ["/3/0"]);
    // A server that is not a bootstrap server refuses it.
    let mut plain: Server<u8> = Server::new(5);
    client.bootstrap(at(1), None).unwrap();
    let (_, n) = client.poll_transmit(at(1), &mut buf).unwrap();
    let d = buf[..n].to_vec();
    assert!(matches!(
        plain.handle(at(1), CLIENT, &d).unwrap(),
        Some(ServerEvent::Refused { .. })
    ));
}

#[test]
fn observe_composite_round_trip() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let id = w.server.find("pump-1").unwrap().id;
    let temp = Path::resource(3303, 0, 5700);
    let label = Path::resource(3, 0, 15);
    let paths = [temp, label];
    fn values(seen: &Seen) -> Vec<Record<'_>> {
        composite::decode_values(seen.1.unwrap(), &seen.2, Config::STRICT)
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
    let both = |t: f64, l: &'static str| {
        vec![
            Record::new(temp, Value::Float(t)),
            Record::new(label, Value::Str(Text::Plain(l))),
        ]
    };

    // Observe-Composite of the temperature and the model number, listed in SenML-ETCH JSON,
    // answered in SenML CBOR.
    let rid = w
        .server
        .observe_composite(
            at(1),
            id,
            &paths,
            ContentFormat::SENML_ETCH_JSON,
            Some(ContentFormat::SENML_CBOR),
        )
        .unwrap();
    w.pump(at(1));
    let first = w.responses.pop().expect("the first answer");
    assert_eq!(w.answered.pop(), Some(rid));
    assert_eq!(
        (first.0, first.1, first.3),
        (Code::CONTENT, Some(ContentFormat::SENML_CBOR), Some(0))
    );
    assert_eq!(values(&first), both(21.5, "P-100"));
    assert_eq!(w.client.observations(), 1);

    // The temperature changes: a notification with both values.
    w.pump.temperature = 22.5;
    w.client.changed(&temp);
    w.client.handle_timeout(at(2), &w.pump).unwrap();
    w.pump(at(2));
    let n = w.responses.pop().expect("a notification");
    assert_eq!(w.answered.pop(), Some(rid));
    assert_eq!((n.0, n.3), (Code::CONTENT, Some(1)));
    assert_eq!(values(&n), both(22.5, "P-100"));

    // The server writes the model number; the application reports it changed: notified.
    let (code, ..) = w.ask(
        at(3),
        ClientRequest::Write {
            path: label,
            replace: true,
            format: ContentFormat::TEXT_PLAIN,
            payload: b"P-300",
        },
    );
    assert_eq!(code, Code::CHANGED);
    w.answered.pop();
    w.client.changed(&label);
    w.client.handle_timeout(at(3), &w.pump).unwrap();
    w.pump(at(3));
    let n = w.responses.pop().expect("a notification");
    assert_eq!(w.answered.pop(), Some(rid));
    assert_eq!(n.3, Some(2));
    assert_eq!(values(&n), both(22.5, "P-300"));
    // Nothing changed: nothing sent.
    w.client.handle_timeout(at(4), &w.pump).unwrap();
    w.pump(at(4));
    assert!(w.responses.is_empty());

    // Cancel-Observe-Composite: a last answer without Observe, then silence.
    w.server
        .cancel_composite(at(5), rid, &paths, ContentFormat::SENML_ETCH_JSON, None)
        .unwrap();
    w.pump(at(5));
    let last = w.responses.pop().expect("the last answer");
    assert_eq!(w.answered.pop(), Some(rid));
    assert_eq!(
        (last.0, last.1, last.3),
        (Code::CONTENT, Some(ContentFormat::SENML_CBOR), None)
    );
    assert_eq!(values(&last), both(22.5, "P-300"));
    assert_eq!(w.client.observations(), 0);
    w.pump.temperature = 30.0;
    w.client.changed(&temp);
    w.client.handle_timeout(at(6), &w.pump).unwrap();
    w.pump(at(6));
    assert!(w.responses.is_empty());

    // A server that forgets an observation answers its next notification with a Reset, and the
    // client lets it go.
    let rid = w
        .server
        .observe_composite(at(7), id, &paths, ContentFormat::LWM2M_CBOR, None)
        .unwrap();
    w.pump(at(7));
    assert_eq!(w.answered.pop(), Some(rid));
    assert_eq!(values(&w.responses.pop().unwrap()), both(30.0, "P-300"));
    assert_eq!(w.client.observations(), 1);
    w.server.forget(rid);
    w.pump.temperature = 31.0;
    w.client.handle_timeout(at(8), &w.pump).unwrap();
    w.pump(at(8));
    assert!(w.responses.is_empty());
    assert_eq!(w.client.observations(), 0);
}

#[test]
fn writes_and_creates_stay_under_their_path() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let senml = |text: &'static str| ClientRequest::Write {
        path: Path::instance(3, 0),
        replace: false,
        format: ContentFormat::SENML_JSON,
        payload: text.as_bytes(),
    };
    // A record under the path written to is taken.
    let (code, ..) = w.ask(at(1), senml(r#"[{"n":"/3/0/15","vs":"P-200"}]"#));
    assert_eq!(code, Code::CHANGED);
    assert_eq!(w.pump.label, "P-200");
    // SenML names its own paths: one outside the request's path is refused, and nothing of
    // the body is written (the first record would have been).
    let outside = ClientRequest::Write {
        path: Path::instance(3303, 0),
        replace: false,
        format: ContentFormat::SENML_JSON,
        payload: br#"[{"n":"/3303/0/5750","vs":"K"},{"n":"/3/0/15","vs":"X"}]"#,
    };
    let (code, ..) = w.ask(at(2), outside);
    assert_eq!(code, Code::BAD_REQUEST);
    assert_eq!(w.pump.label, "P-200");
    // A Create of object 2 whose records belong to object 3, or to two instances: 4.00, and
    // the tree sees nothing.
    for body in [
        r#"[{"n":"/3/0/0","v":1}]"#,
        r#"[{"n":"/2/0/0","v":1},{"n":"/2/1/0","v":1}]"#,
    ] {
        let (code, ..) = w.ask(
            at(3),
            ClientRequest::Create {
                path: Path::object(2),
                format: ContentFormat::SENML_JSON,
                payload: body.as_bytes(),
            },
        );
        assert_eq!(code, Code::BAD_REQUEST, "{body}");
    }
    assert!(w.pump.created.is_empty());
    // Attributes of a path the client does not have: 4.04, as a Read of it.
    let update = Update::parse(["pmin=5"]).unwrap();
    let (code, ..) = w.ask(
        at(4),
        ClientRequest::WriteAttributes {
            path: Path::resource(9999, 0, 1),
            update,
        },
    );
    assert_eq!(code, Code::NOT_FOUND);
    let (code, ..) = w.ask(
        at(5),
        ClientRequest::WriteAttributes {
            path: Path::resource(3303, 0, 5700),
            update,
        },
    );
    assert_eq!(code, Code::CHANGED);
}

#[test]
fn cancelling_one_observation_leaves_another_of_the_same_path() {
    // RFC 7641 §3.6: a GET with Observe 1 cancels the observation under its token, not every
    // observation of the path.
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let temp = Path::resource(3303, 0, 5700);
    let mut ids = Vec::new();
    for format in [ContentFormat::TEXT_PLAIN, ContentFormat::SENML_JSON] {
        let (code, ..) = w.ask(
            at(1),
            ClientRequest::Observe {
                path: temp,
                accept: Some(format),
            },
        );
        assert_eq!(code, Code::CONTENT);
        ids.push(w.answered.pop().unwrap());
    }
    assert_eq!(w.client.observations(), 2);
    w.server
        .cancel_observe(at(2), ids[0], temp, Some(ContentFormat::TEXT_PLAIN))
        .unwrap();
    w.pump(at(2));
    assert_eq!(w.client.observations(), 1);
    // The other one still notifies.
    w.pump.temperature = 30.0;
    w.client.changed(&temp);
    w.client.handle_timeout(at(3), &w.pump).unwrap();
    w.pump(at(3));
    let (code, format, _, observe) = w.responses.pop().expect("a notification");
    assert_eq!(
        (code, format),
        (Code::CONTENT, Some(ContentFormat::SENML_JSON))
    );
    assert!(observe.is_some());
    assert_eq!(w.answered.pop(), Some(ids[1]));
}

#[test]
fn a_confirmable_notification_never_acknowledged_ends_its_observation() {
    // RFC 7641 §4.5: an observer that does not acknowledge a Confirmable notification is gone.
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let temp = Path::resource(3303, 0, 5700);
    let update = Update::parse(["con=1"]).unwrap();
    let (code, ..) = w.ask(at(1), ClientRequest::WriteAttributes { path: temp, update });
    assert_eq!(code, Code::CHANGED);
    let (code, ..) = w.ask(
        at(1),
        ClientRequest::Observe {
            path: temp,
            accept: None,
        },
    );
    assert_eq!(code, Code::CONTENT);
    assert_eq!(w.client.observations(), 1);
    w.pump.temperature = 30.0;
    w.client.changed(&temp);
    // The server is gone: whatever the client sends is lost, retransmissions included.
    let mut buf = [0u8; 1152];
    let mut sent = 0;
    for s in 2..200 {
        w.client.handle_timeout(at(s), &w.pump).unwrap();
        while w.client.poll_transmit(at(s), &mut buf).is_some() {
            sent += 1;
        }
    }
    assert!(
        sent >= 5,
        "the notification and its retransmissions: {sent}"
    );
    assert_eq!(w.client.observations(), 0);
}

#[test]
fn discover_at_every_level() {
    // Core 1.1 §5.4.2: an object's Discover lists its instances and their resources; a
    // multiple resource's own link carries `dim`.
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let mut discover = |path| {
        let (code, format, payload, _) = w.ask(at(1), ClientRequest::Discover { path });
        assert_eq!(
            (code, format),
            (Code::CONTENT, Some(ContentFormat::LINK_FORMAT))
        );
        String::from_utf8(payload).unwrap()
    };
    assert_eq!(
        discover(Path::object(3)),
        "</3>,</3/0>,</3/0/0>,</3/0/7>;dim=2,</3/0/13>,</3/0/15>"
    );
    assert_eq!(discover(Path::resource(3, 0, 7)), "</3/0/7>;dim=2");
    assert_eq!(discover(Path::resource(3, 0, 15)), "</3/0/15>");
}

#[test]
fn a_replace_resets_the_instance_or_multiple_resource_first() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let write = |path, replace, body: &'static str| ClientRequest::Write {
        path,
        replace,
        format: ContentFormat::SENML_JSON,
        payload: body.as_bytes(),
    };
    // A partial update (POST) of the instance adds instances 0 and 1 of the ACL resource
    // /2/0/2 (multiple, writable) and resets nothing.
    let two = r#"[{"bn":"/2/0/2/","n":"0","v":15},{"n":"1","v":1}]"#;
    let (code, ..) = w.ask(at(1), write(Path::instance(2, 0), false, two));
    assert_eq!(code, Code::CHANGED);
    assert_eq!(w.pump.acl, [(0, 15), (1, 1)]);
    assert!(w.pump.resets.is_empty());
    // A partial update of the multiple resource (POST on it) changes instance 0 only.
    let (code, ..) = w.ask(
        at(1),
        write(
            Path::resource(2, 0, 2),
            false,
            r#"[{"n":"/2/0/2/0","v":7}]"#,
        ),
    );
    assert_eq!(code, Code::CHANGED);
    assert_eq!(w.pump.acl, [(1, 1), (0, 7)]);
    assert!(w.pump.resets.is_empty());
    // A replace of the multiple resource with instance 1 only: instance 0 is gone.
    let one = r#"[{"n":"/2/0/2/1","v":3}]"#;
    let (code, ..) = w.ask(at(2), write(Path::resource(2, 0, 2), true, one));
    assert_eq!(code, Code::CHANGED);
    assert_eq!(w.pump.acl, [(1, 3)]);
    assert_eq!(w.pump.resets, ["/2/0/2"]);
    // A replace of a single resource resets nothing.
    let (code, ..) = w.ask(
        at(3),
        ClientRequest::Write {
            path: Path::resource(3, 0, 15),
            replace: true,
            format: ContentFormat::TEXT_PLAIN,
            payload: b"P-300",
        },
    );
    assert_eq!(code, Code::CHANGED);
    assert_eq!(w.pump.resets, ["/2/0/2"]);
    // A replace of an instance resets it; a tree without it there (4.04) lets the writes
    // decide.
    let label = r#"[{"n":"/3/0/15","vs":"P-400"}]"#;
    let (code, ..) = w.ask(at(4), write(Path::instance(3, 0), true, label));
    assert_eq!(code, Code::CHANGED);
    assert_eq!(w.pump.label, "P-400");
    assert_eq!(w.pump.resets, ["/2/0/2", "/3/0"]);
    // A body refused by the checks resets and writes nothing: a record outside the path
    // (4.00), a resource the model makes read-only for a server (Manufacturer, 4.05; the
    // tree would take it).
    let outside = r#"[{"n":"/3/0/15","vs":"X"},{"n":"/3303/0/5701","vs":"K"}]"#;
    let (code, ..) = w.ask(at(5), write(Path::instance(3, 0), true, outside));
    assert_eq!(code, Code::BAD_REQUEST);
    let read_only = r#"[{"n":"/3/0/15","vs":"X"},{"n":"/3/0/0","vs":"K"}]"#;
    for replace in [true, false] {
        let (code, ..) = w.ask(at(5), write(Path::instance(3, 0), replace, read_only));
        assert_eq!(code, Code::METHOD_NOT_ALLOWED);
    }
    let (code, ..) = w.ask(
        at(5),
        ClientRequest::WriteComposite {
            format: ContentFormat::SENML_JSON,
            payload: br#"[{"n":"/3/0/0","vs":"K"}]"#,
        },
    );
    assert_eq!(code, Code::METHOD_NOT_ALLOWED);
    assert_eq!(w.pump.resets, ["/2/0/2", "/3/0"]);
    assert_eq!(
        (w.pump.label.as_str(), w.pump.manufacturer.as_str()),
        ("P-400", "m2m")
    );
}

#[test]
fn register_is_retried_as_the_spec_says_then_given_up() {
    use m2m_coap::{Builder, Message, Type};
    use m2m_lwm2m::client::{ClientEvent, Retry};
    let mut w = World::new();
    let mut buf = [0u8; 1152];
    // A server that refuses every Register with 4.03: the attempts and their times.
    let mut attempts = Vec::new();
    let mut events = Vec::new();
    let mut refuse = |w: &mut World, now: u64, attempts: &mut Vec<u64>| {
        while let Some((_, n)) = w.client.poll_transmit(at(now), &mut buf) {
            let m = Message::parse_udp(&buf[..n]).unwrap();
            assert_eq!(m.code(), Code::POST);
            attempts.push(now);
            let mut b = Builder::<1>::udp(
                Type::Acknowledgement,
                Code::FORBIDDEN,
                m.message_id().unwrap(),
            );
            b.token(m.token());
            let mut out = [0u8; 64];
            let k = b.encode(&mut out).unwrap();
            w.client
                .handle(at(now), SERVER, &out[..k], &mut w.pump)
                .unwrap();
        }
    };
    assert_eq!(w.client.poll_timeout(at(0)), None);
    w.client.register(at(0), &w.pump).unwrap();
    let mut now = 0;
    loop {
        refuse(&mut w, now, &mut attempts);
        while let Some(e) = w.client.poll_event() {
            events.push(e);
        }
        let Some(next) = w.client.poll_timeout(at(now)) else {
            break;
        };
        now = next.as_millis() / 1000;
        assert!(now < 100_000, "still trying at {now} s");
        w.client.handle_timeout(at(now), &w.pump).unwrap();
    }
    // Five attempts, 60, 120, 240 and 480 s apart; then no more.
    assert_eq!(attempts, [0, 60, 180, 420, 900]);
    assert_eq!(events.last(), Some(&ClientEvent::RegistrationAbandoned));
    let failed = events
        .iter()
        .filter(|e| **e == ClientEvent::RegistrationFailed(Some(Code::FORBIDDEN)))
        .count();
    assert_eq!(failed, 4, "the fifth failure is told as the abandon");
    // Registering again starts a new count: the next attempt 60 s after the first.
    assert_eq!(Retry::SPEC.wait(1), Some(60));
    attempts.clear();
    let start = now;
    w.client.register(at(start), &w.pump).unwrap();
    refuse(&mut w, start, &mut attempts);
    let next = w.client.poll_timeout(at(start)).unwrap();
    assert_eq!(next.as_millis() / 1000, start + 60);
    assert_eq!(attempts, [start]);
}

#[test]
fn bootstrap_delete_spares_the_bootstrap_account_and_the_device() {
    let mut w = World::new();
    w.server = Server::bootstrap(7);
    w.client.bootstrap(at(0), None).unwrap();
    w.pump(at(0));
    assert!(w.events.contains(&"client BootstrapStarted".to_string()));
    let delete = |path| ClientRequest::Delete { path };
    let read = |path| ClientRequest::Read { path, accept: None };
    // Bootstrap-Read reads the Server and Access Control objects, nothing else.
    let (code, ..) = w.ask_peer(at(1), read(Path::object(1)));
    assert_eq!(code, Code::CONTENT);
    for p in [Path::ROOT, Path::instance(0, 0), Path::object(3)] {
        let (code, ..) = w.ask_peer(at(1), read(p));
        assert_eq!(code, Code::BAD_REQUEST, "{p}");
    }
    // The Security instance of a server, the OSCORE instance no account links to, the Server
    // instance and a sensor go; the bootstrap account (Security /0/0 and its OSCORE /21/0),
    // the Device and the built-in sensor (the tree refuses it) stay.
    let (code, ..) = w.ask_peer(at(1), delete(Path::ROOT));
    assert_eq!(code, Code::DELETED);
    assert_eq!(w.pump.deleted, ["/0/1", "/21/1", "/1/0", "/3303/1"]);
    // A spared instance alone, or a resource: 4.00.
    for p in [
        Path::instance(0, 0),
        Path::instance(21, 0),
        Path::instance(3, 0),
        Path::resource(3303, 0, 5700),
    ] {
        let (code, ..) = w.ask_peer(at(1), delete(p));
        assert_eq!(code, Code::BAD_REQUEST, "{p}");
    }
    w.server
        .send_to(at(1), CLIENT, &ClientRequest::BootstrapFinish)
        .unwrap();
    w.pump(at(1));
    // Registered with a server, the client gives it 4.01 for the Security object, also named
    // in a composite body, and deletes no object, root or resource.
    w.server = Server::new(8);
    w.client.register(at(2), &w.pump).unwrap();
    w.pump(at(2));
    let (code, ..) = w.ask(at(2), read(Path::instance(0, 0)));
    assert_eq!(code, Code::UNAUTHORIZED);
    let (code, ..) = w.ask(at(2), delete(Path::instance(0, 0)));
    assert_eq!(code, Code::UNAUTHORIZED);
    let composite = ClientRequest::Composite {
        observe: None,
        format: ContentFormat::SENML_JSON,
        accept: None,
        payload: br#"[{"n":"/0/1/5"}]"#,
    };
    let (code, ..) = w.ask(at(2), composite);
    assert_eq!(code, Code::UNAUTHORIZED);
    for body in [
        &br#"[{"n":"/0/0","vn":null}]"#[..],
        br#"[{"n":"/21/0","vn":null}]"#,
    ] {
        let patch = ClientRequest::WriteComposite {
            format: ContentFormat::SENML_JSON,
            payload: body,
        };
        let (code, ..) = w.ask(at(2), patch);
        assert_eq!(code, Code::UNAUTHORIZED);
    }
    let patch = ClientRequest::WriteComposite {
        format: ContentFormat::SENML_JSON,
        payload: br#"[{"n":"/3303","vn":null}]"#,
    };
    let (code, ..) = w.ask(at(2), patch);
    assert_eq!(code, Code::METHOD_NOT_ALLOWED);
    let (code, ..) = w.ask(at(2), read(Path::ROOT));
    assert_eq!(code, Code::METHOD_NOT_ALLOWED);
    for p in [
        Path::ROOT,
        Path::object(3303),
        Path::resource(3303, 0, 5700),
    ] {
        let (code, ..) = w.ask(at(2), delete(p));
        assert_eq!(code, Code::METHOD_NOT_ALLOWED, "{p}");
    }
    // Bootstrap-Delete took /3303/1 already.
    let (code, ..) = w.ask(at(2), delete(Path::instance(3303, 1)));
    assert_eq!(code, Code::NOT_FOUND);
    assert_eq!(w.pump.deleted, ["/0/1", "/21/1", "/1/0", "/3303/1"]);
}

#[test]
fn an_update_carries_the_links_when_the_objects_changed() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    // The application removes a sensor by itself, and tells the server.
    w.pump.deleted.push("/3303/1".into());
    w.client.update_objects(at(1), &w.pump).unwrap();
    w.pump(at(1));
    assert!(
        w.events.contains(&"updated links=4".to_string()),
        "{:?}",
        w.events
    );
    assert!(w.events.contains(&"client Updated".to_string()));
    // A plain Update carries none.
    w.client.update(at(2)).unwrap();
    w.pump(at(2));
    assert_eq!(w.events.last().map(String::as_str), Some("client Updated"));
    assert!(w.events.contains(&"updated".to_string()), "{:?}", w.events);
    // A server's Delete of an instance: the next Update, due at once, carries the links.
    w.events.clear();
    assert_ne!(w.client.poll_timeout(at(3)), Some(at(3)));
    let (code, ..) = w.ask(
        at(3),
        ClientRequest::Delete {
            path: Path::instance(1, 0),
        },
    );
    assert_eq!(code, Code::DELETED);
    assert_eq!(w.client.poll_timeout(at(3)), Some(at(3)));
    w.client.handle_timeout(at(3), &w.pump).unwrap();
    w.pump(at(3));
    assert!(
        w.events.contains(&"updated links=3".to_string()),
        "{:?}",
        w.events
    );
    assert_ne!(w.client.poll_timeout(at(3)), Some(at(3)));
}
