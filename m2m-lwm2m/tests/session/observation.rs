//! Observation: Observe-Composite, cancellation, unacknowledged notifications.

use crate::world::*;

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

/// A gateway (its own temperature /3303/0/5700) and one end device behind the prefix `dev1`
/// (its own /3303/0/5700).
struct Gateway {
    own: f64,
    dev1: f64,
}

impl ObjectTree for Gateway {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        f(ObjectLink::path(Path::instance(3303, 0)));
    }
    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
        let temp = Path::resource(3303, 0, 5700);
        let (p, v) = match path.prefix() {
            None => (temp, self.own),
            Some("dev1") => (temp.with_prefix("dev1").unwrap(), self.dev1),
            Some(_) => return Err(Code::NOT_FOUND),
        };
        if !path.contains(&p) {
            return Err(Code::NOT_FOUND);
        }
        out.push(Record::new(p, Value::Float(v)))
    }
}

#[test]
fn an_end_device_behind_a_gateway_is_observed_as_itself() {
    let mut server: Server<u8> = Server::new(3);
    let settings = Settings {
        lifetime: 600,
        ..Settings::new("gw-1")
    };
    let mut client: Client<'static, u8> = Client::new(SERVER, settings, 4);
    let mut tree = Gateway {
        own: 20.0,
        dev1: 30.0,
    };
    let mut answers: Vec<(Code, Vec<u8>, Option<ContentFormat>)> = Vec::new();
    let pump = |server: &mut Server<u8>,
                client: &mut Client<'static, u8>,
                tree: &mut Gateway,
                now: u64,
                answers: &mut Vec<(Code, Vec<u8>, Option<ContentFormat>)>| {
        let mut buf = [0u8; 1152];
        loop {
            let mut moved = false;
            while let Some((_, n)) = client.poll_transmit(at(now), &mut buf) {
                moved = true;
                let d = buf[..n].to_vec();
                if let Some(ServerEvent::Response { message, .. }) =
                    server.handle(at(now), CLIENT, &d).unwrap()
                {
                    answers.push((
                        message.code(),
                        message.payload().to_vec(),
                        message.content_format(),
                    ));
                }
            }
            while let Some((_, n)) = server.poll_transmit(at(now), &mut buf) {
                moved = true;
                let d = buf[..n].to_vec();
                client.handle(at(now), SERVER, &d, tree).unwrap();
            }
            if !moved {
                break;
            }
        }
    };
    client.register(at(0), &tree).unwrap();
    pump(&mut server, &mut client, &mut tree, 0, &mut answers);
    let id = server.find("gw-1").unwrap().id;
    let dev_temp = Path::resource(3303, 0, 5700).with_prefix("dev1").unwrap();
    let own_temp = Path::resource(3303, 0, 5700);
    let text = |v: &[u8]| String::from_utf8(v.to_vec()).unwrap();
    // Observe the end device's temperature: its value, not the gateway's.
    let observe = ClientRequest::Observe {
        path: dev_temp,
        accept: Some(ContentFormat::TEXT_PLAIN),
    };
    server.send(at(1), id, &observe).unwrap();
    pump(&mut server, &mut client, &mut tree, 1, &mut answers);
    assert_eq!(text(&answers.pop().unwrap().1), "30");
    // The end device changes: notified with its value. The gateway's own change is not the
    // end device's.
    tree.own = 21.0;
    client.changed(&own_temp);
    client.handle_timeout(at(2), &tree).unwrap();
    pump(&mut server, &mut client, &mut tree, 2, &mut answers);
    assert!(answers.is_empty(), "{answers:?}");
    tree.dev1 = 31.0;
    client.changed(&dev_temp);
    client.handle_timeout(at(3), &tree).unwrap();
    pump(&mut server, &mut client, &mut tree, 3, &mut answers);
    assert_eq!(text(&answers.pop().unwrap().1), "31");
    // Attributes written on the end device's path are its own: the gateway's Discover shows
    // none, the end device's shows pmax.
    let update = Update::parse(["pmax=50"]).unwrap();
    let wa = ClientRequest::WriteAttributes {
        path: dev_temp,
        update,
    };
    server.send(at(4), id, &wa).unwrap();
    pump(&mut server, &mut client, &mut tree, 4, &mut answers);
    assert_eq!(answers.pop().unwrap().0, Code::CHANGED);
    for (path, with_pmax) in [(own_temp, false), (dev_temp, true)] {
        server
            .send(at(5), id, &ClientRequest::Discover { path })
            .unwrap();
        pump(&mut server, &mut client, &mut tree, 5, &mut answers);
        let links = text(&answers.pop().unwrap().1);
        assert_eq!(links.contains("pmax=50"), with_pmax, "{path}: {links}");
    }
    // A Read-Composite naming the end device's path reads the end device.
    let composite = ClientRequest::Composite {
        observe: None,
        format: ContentFormat::SENML_JSON,
        accept: Some(ContentFormat::SENML_JSON),
        payload: br#"[{"n":"/dev1/3303/0/5700"}]"#,
    };
    server.send(at(6), id, &composite).unwrap();
    pump(&mut server, &mut client, &mut tree, 6, &mut answers);
    let (code, body, _) = answers.pop().unwrap();
    assert_eq!(code, Code::CONTENT);
    assert!(text(&body).contains("31"), "{}", text(&body));
}

#[test]
fn the_servers_default_maximum_period_applies_without_attributes() {
    // Core 1.1 §5.1.2: an observation without pmax of its own takes the Server object's
    // Default Maximum Period (/1/x/3), read at Register and again when a server writes it.
    let temp = Path::resource(3303, 0, 5700);
    let observe = ClientRequest::Observe {
        path: temp,
        accept: Some(ContentFormat::TEXT_PLAIN),
    };
    let mut w = World::new();
    w.pump.default_pmax = Some(10);
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let (code, _, _, seq) = w.ask(at(1), observe);
    assert_eq!((code, seq), (Code::CONTENT, Some(0)));
    // Nothing changes; the default pmax makes a notification due 10 s after the first.
    assert_eq!(w.client.poll_timeout(at(2)), Some(at(11)));
    w.client.handle_timeout(at(11), &w.pump).unwrap();
    w.pump(at(11));
    let (code, _, payload, seq) = w.responses.pop().expect("a notification at pmax");
    assert_eq!(
        (code, payload.as_slice(), seq),
        (Code::CONTENT, &b"21.5"[..], Some(1))
    );

    // Without a default, nothing is due; a server writing one makes it apply.
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let (code, ..) = w.ask(at(1), observe);
    assert_eq!(code, Code::CONTENT);
    w.client.handle_timeout(at(40), &w.pump).unwrap();
    w.pump(at(40));
    assert!(w.responses.is_empty(), "no pmax: nothing sent");
    let (code, ..) = w.ask(
        at(41),
        ClientRequest::Write {
            path: Path::resource(1, 0, 3),
            replace: true,
            format: ContentFormat::TEXT_PLAIN,
            payload: b"5",
        },
    );
    assert_eq!(code, Code::CHANGED);
    w.client.handle_timeout(at(41), &w.pump).unwrap();
    w.pump(at(41));
    let (code, _, _, seq) = w.responses.pop().expect("pmax long past: a notification");
    assert_eq!((code, seq), (Code::CONTENT, Some(1)));
}
