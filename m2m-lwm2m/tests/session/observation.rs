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
