//! Our sans-IO client against our sans-IO server, in memory: registration, Update before the
//! lifetime ends, reads in TLV and text, writes, Write-Attributes, observation with the notify
//! decision, Observe-Composite and its cancellation, execute, discover, expiry and De-register.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken exchange

mod binding;
mod block_write;
mod blocks;
mod bootstrap;
mod fallback;
mod management;
mod observation;
mod registration;
mod send;
mod server;
mod world;

use world::*;

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
    let id = w.server.find("pump-1").unwrap().id;
    assert_eq!(
        w.client.location().unwrap().to_string(),
        format!("/rd/{}", id.0)
    );

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
    // Arguments that do not parse are refused before the tree sees them.
    w.pump.rebooted = false;
    for args in [&b"x"[..], b"0='a',0", b"1=x", b"2,"] {
        let (code, ..) = w.ask(
            at(2),
            ClientRequest::Execute {
                path: Path::resource(3, 0, 4),
                args,
            },
        );
        assert_eq!(code, Code::BAD_REQUEST, "{args:?}");
    }
    assert!(!w.pump.rebooted);
    let (code, ..) = w.ask(
        at(2),
        ClientRequest::Execute {
            path: Path::resource(3, 0, 4),
            args: b"0='fw.bin',1",
        },
    );
    assert_eq!(code, Code::CHANGED);

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
        "</3/0>,</3/0/0>,</3/0/4>,</3/0/7>;dim=2,</3/0/13>,</3/0/15>"
    );

    // Observe the temperature with pmin=5 and st=1: small changes stay quiet, a step notifies
    // once pmin has passed.
    let temp = Path::resource(3303, 0, 5700);
    let update = Update::parse(["pmin=5", "st=1"]).unwrap();
    let (code, ..) = w.ask(at(3), ClientRequest::WriteAttributes { path: temp, update });
    assert_eq!(code, Code::CHANGED);
    // The change attributes belong on a resource: on its instance or object they are refused
    // (pmin alone is taken there).
    for (path, query) in [
        (Path::instance(3303, 0), "st=1"),
        (Path::object(3303), "gt=30"),
        (Path::instance(3303, 0), "lt=0"),
    ] {
        let update = Update::parse([query]).unwrap();
        let (code, ..) = w.ask(at(3), ClientRequest::WriteAttributes { path, update });
        assert_eq!(code, Code::BAD_REQUEST, "{path} {query}");
    }
    for query in ["pmin=1", "pmin"] {
        let update = Update::parse([query]).unwrap();
        let (code, ..) = w.ask(
            at(3),
            ClientRequest::WriteAttributes {
                path: Path::object(3303),
                update,
            },
        );
        assert_eq!(code, Code::CHANGED, "{query}");
    }
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
