//! Device management: Create, Write (partial and replace), Discover.

use crate::world::*;

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
fn discover_at_every_level() {
    // Core 1.1 §5.4.2: an object's Discover lists its instances and their resources (the
    // executable ones too, which have no value to read: Reboot /3/0/4, mandatory, by the
    // tree's default `executables`); a multiple resource's own link carries `dim`.
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
        "</3>,</3/0>,</3/0/0>,</3/0/4>,</3/0/7>;dim=2,</3/0/13>,</3/0/15>"
    );
    assert_eq!(discover(Path::resource(3, 0, 4)), "</3/0/4>");
    // The Server instance: its Short Server ID, then the Registration Update Trigger
    // (mandatory; Disable /1/0/4 is optional, and this tree names none).
    assert_eq!(discover(Path::instance(1, 0)), "</1/0>,</1/0/0>,</1/0/8>");
    assert_eq!(discover(Path::resource(3, 0, 7)), "</3/0/7>;dim=2");
    assert_eq!(discover(Path::resource(3, 0, 15)), "</3/0/15>");
    // Of an instance the tree does not have: 4.04, not the model's link.
    let (code, ..) = w.ask(
        at(2),
        ClientRequest::Discover {
            path: Path::resource(3, 9, 4),
        },
    );
    assert_eq!(code, Code::NOT_FOUND);
}

#[test]
fn an_objects_discover_shows_its_version_and_up_to_1_1_its_own_attributes_alone() {
    // LwM2M 1.0 §5.4.2 (and Anjay's reading of 1.1): a Discover of an object shows the
    // attributes of the object level; those of its instances and resources from 1.2 on. The
    // object's link carries its version, as in Register.
    for version in [Version::V1_1, Version::V1_2] {
        let mut w = World::new();
        w.client = Client::new(
            SERVER,
            Settings {
                lifetime: 60,
                version: Some(version),
                ..Settings::new("pump-1")
            },
            9,
        );
        w.client.register(at(0), &w.pump).unwrap();
        w.pump(at(0));
        for (path, query) in [
            (Path::object(3303), "pmin=5"),
            (Path::instance(3303, 0), "pmax=60"),
        ] {
            let update = Update::parse([query]).unwrap();
            let (code, ..) = w.ask(at(1), ClientRequest::WriteAttributes { path, update });
            assert_eq!(code, Code::CHANGED);
        }
        let (code, _, payload, _) = w.ask(
            at(2),
            ClientRequest::Discover {
                path: Path::object(3303),
            },
        );
        assert_eq!(code, Code::CONTENT);
        let links = String::from_utf8(payload).unwrap();
        let head = links.split(',').next().unwrap();
        assert!(
            head.starts_with("</3303>") && head.contains("ver=1.1") && head.contains("pmin=5"),
            "{links}"
        );
        let instance = links
            .split(',')
            .find(|l| l.starts_with("</3303/0>"))
            .unwrap();
        assert_eq!(
            instance.contains("pmax=60"),
            version == Version::V1_2,
            "{version:?}: {links}"
        );
    }
}

#[test]
fn attributes_that_break_the_rules_with_the_levels_above_or_below_are_refused() {
    // epmin <= epmax and lt + 2 st < gt hold for the attributes that apply to a path, those
    // of the levels above it included (Core 1.1 §5.1.2): a write that would break them for
    // its path or one below is refused, and Discover shows what applies.
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let temp = Path::resource(3303, 0, 5700);
    let mut write = |path: Path<'static>, query: &'static str| {
        let update = Update::parse(query.split('&')).unwrap();
        w.ask(at(1), ClientRequest::WriteAttributes { path, update })
            .0
    };
    assert_eq!(write(Path::object(3303), "epmin=10"), Code::CHANGED);
    assert_eq!(write(temp, "epmax=5"), Code::BAD_REQUEST);
    assert_eq!(write(temp, "epmax=20&lt=1&gt=9"), Code::CHANGED);
    // From above: the object's epmin past the resource's epmax.
    assert_eq!(write(Path::object(3303), "epmin=30"), Code::BAD_REQUEST);
    assert_eq!(write(Path::instance(3303, 0), "pmin=1"), Code::CHANGED);
    assert_eq!(write(temp, "st=4"), Code::BAD_REQUEST);
    assert_eq!(write(temp, "st=3"), Code::CHANGED);
    // Across levels of a multiple resource (Power Source Voltage /3/0/7): a band on the
    // resource, a step on one of its instances too large for it; and the other way round.
    let voltage = Path::resource(3, 0, 7);
    let first = Path::resource_instance(3, 0, 7, 0);
    assert_eq!(write(voltage, "lt=1&gt=9"), Code::CHANGED);
    assert_eq!(write(first, "st=4"), Code::BAD_REQUEST);
    assert_eq!(write(first, "st=3"), Code::CHANGED);
    assert_eq!(write(voltage, "lt=4"), Code::BAD_REQUEST);
    // What each attribute applies to: gt, lt and st to numbers, edge to booleans only.
    assert_eq!(write(Path::resource(3, 0, 15), "gt=5"), Code::BAD_REQUEST);
    assert_eq!(write(Path::resource(3, 0, 15), "pmax=50"), Code::CHANGED);
    assert_eq!(write(temp, "edge=1"), Code::BAD_REQUEST);
    assert_eq!(write(Path::object(3303), "edge=0"), Code::BAD_REQUEST);
    let (code, _, payload, _) = w.ask(at(2), ClientRequest::Discover { path: temp });
    assert_eq!(code, Code::CONTENT);
    let links = String::from_utf8(payload).unwrap();
    for a in ["pmin=1", "epmin=10", "epmax=20", "lt=1", "gt=9", "st=3"] {
        assert!(links.contains(a), "{a}: {links}");
    }
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
    // A Write-Composite is one operation too: a later record refused (read-only, 4.05; the
    // Security object, 4.01; one that does not decode, 4.00) leaves the first unwritten.
    for (body, refused) in [
        (
            &br#"[{"n":"/3/0/15","vs":"X"},{"n":"/3/0/0","vs":"K"}]"#[..],
            Code::METHOD_NOT_ALLOWED,
        ),
        (
            br#"[{"n":"/3/0/15","vs":"X"},{"n":"/0/1/1","vb":true}]"#,
            Code::UNAUTHORIZED,
        ),
        (
            br#"[{"n":"/3/0/15","vs":"X"},{"n":"/3/0/13","vs":"x"}]"#,
            Code::BAD_REQUEST,
        ),
    ] {
        let (code, ..) = w.ask(
            at(5),
            ClientRequest::WriteComposite {
                format: ContentFormat::SENML_JSON,
                payload: body,
            },
        );
        assert_eq!(code, refused);
    }
    assert_eq!(w.pump.resets, ["/2/0/2", "/3/0"]);
    assert_eq!(
        (w.pump.label.as_str(), w.pump.manufacturer.as_str()),
        ("P-400", "m2m")
    );
}

#[test]
fn a_request_from_another_peer_is_dropped_unanswered() {
    const STRANGER: u8 = 2;
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    let mut stranger: Server<u8> = Server::new(3);
    let read = ClientRequest::Read {
        path: Path::instance(3, 0),
        accept: None,
    };
    stranger.send_to(at(1), CLIENT, &read).unwrap();
    let mut buf = [0u8; 1152];
    let (_, n) = stranger.poll_transmit(at(1), &mut buf).unwrap();
    let datagram = buf[..n].to_vec();
    assert!(matches!(
        w.client.handle(at(1), STRANGER, &datagram, &mut w.pump),
        Err(m2m_lwm2m::server::SessionError::UnknownPeer)
    ));
    assert_eq!(w.client.poll_transmit(at(1), &mut buf), None);
    // The same request from the server is answered.
    w.client
        .handle(at(1), SERVER, &datagram, &mut w.pump)
        .unwrap();
    let (to, n) = w.client.poll_transmit(at(1), &mut buf).unwrap();
    assert_eq!(to, SERVER);
    assert_eq!(
        m2m_coap::Message::parse_udp(&buf[..n]).unwrap().code(),
        Code::CONTENT
    );
    // A peer the application counts as the server's is answered too.
    w.client.accept_peers(|_, peer| *peer == STRANGER);
    let mut stranger: Server<u8> = Server::new(4);
    stranger.send_to(at(2), CLIENT, &read).unwrap();
    let (_, n) = stranger.poll_transmit(at(2), &mut buf).unwrap();
    let datagram = buf[..n].to_vec();
    w.client
        .handle(at(2), STRANGER, &datagram, &mut w.pump)
        .unwrap();
    let (to, _) = w.client.poll_transmit(at(2), &mut buf).unwrap();
    assert_eq!(to, STRANGER);
}

#[test]
fn two_values_for_one_path_make_no_write_or_create() {
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    // ACL instance 0 of /2/0/2 twice, apart, in SenML JSON and in TLV: 4.00, nothing written.
    let senml = br#"[{"bn":"/2/0/2/","n":"0","v":15},{"n":"1","v":1},{"n":"0","v":9}]"#;
    let tlv = [
        0x88, 0x02, 0x09, 0x41, 0x00, 0x0f, 0x41, 0x01, 0x01, 0x41, 0x00, 0x09,
    ];
    for (format, payload) in [
        (ContentFormat::SENML_JSON, &senml[..]),
        (ContentFormat::LWM2M_TLV, &tlv[..]),
    ] {
        let write = ClientRequest::Write {
            path: Path::instance(2, 0),
            replace: false,
            format,
            payload,
        };
        let (code, ..) = w.ask(at(1), write);
        assert_eq!(code, Code::BAD_REQUEST, "{format:?}");
        assert_eq!(w.pump.acl, []);
    }
    // Past the first 32 records too: a repeat of an early one, and of a late one.
    for (at_end, of) in [(38u16, 1u16), (39, 35)] {
        let mut ids: Vec<u16> = (0..at_end).collect();
        ids.push(of);
        let records: Vec<String> = ids
            .iter()
            .map(|i| format!(r#"{{"n":"/2/0/2/{i}","v":1}}"#))
            .collect();
        let body = format!("[{}]", records.join(","));
        let write = ClientRequest::Write {
            path: Path::instance(2, 0),
            replace: false,
            format: ContentFormat::SENML_JSON,
            payload: body.as_bytes(),
        };
        let (code, ..) = w.ask(at(1), write);
        assert_eq!(code, Code::BAD_REQUEST, "{at_end} {of}");
        assert_eq!(w.pump.acl, []);
    }
    // Without the repeat, the same body is written.
    let (code, ..) = w.ask(
        at(2),
        ClientRequest::Write {
            path: Path::instance(2, 0),
            replace: false,
            format: ContentFormat::LWM2M_TLV,
            payload: &[0x86, 0x02, 0x41, 0x00, 0x0f, 0x41, 0x01, 0x01],
        },
    );
    assert_eq!(code, Code::CHANGED);
    assert_eq!(w.pump.acl, [(0, 15), (1, 1)]);
    // A Create that gives Object ID (resource 0) twice: 4.00, nothing created.
    let create = ClientRequest::Create {
        path: Path::object(2),
        format: ContentFormat::LWM2M_TLV,
        payload: &[
            0x08, 0x06, 0x09, 0xc1, 0x00, 0x03, 0xc1, 0x01, 0x00, 0xc1, 0x00, 0x04,
        ],
    };
    let (code, ..) = w.ask(at(3), create);
    assert_eq!(code, Code::BAD_REQUEST);
    assert!(w.pump.created.is_empty());
}

/// A request with a critical option whose function the client does not perform (OSCORE,
/// EDHOC, Q-Block1, Q-Block2) is answered 4.02 (RFC 7252 §5.4.1), not served as if the option
/// were not there; so is a Register with one at the server.
#[test]
fn requests_with_options_not_performed_are_bad_options() {
    use m2m_coap::{Builder, Message, OptionNumber, Type};
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    for (i, number) in m2m_coap::option::NOT_PERFORMED.into_iter().enumerate() {
        let mid = 0x6000 + u16::try_from(i).unwrap();
        let mut b = Builder::<4>::udp(Type::Confirmable, Code::GET, mid);
        b.token(b"np")
            .str(OptionNumber::URI_PATH, "3")
            .unwrap()
            .str(OptionNumber::URI_PATH, "0")
            .unwrap()
            .opaque(number, &[])
            .unwrap();
        let mut out = [0u8; 64];
        let n = b.encode(&mut out).unwrap();
        w.client
            .handle(at(1), SERVER, &out[..n], &mut w.pump)
            .unwrap();
        let mut buf = [0u8; 1152];
        let (_, k) = w.client.poll_transmit(at(1), &mut buf).unwrap();
        let m = Message::parse_udp(&buf[..k]).unwrap();
        assert_eq!(
            (m.code(), m.message_id()),
            (Code::BAD_OPTION, Some(mid)),
            "{number:?}"
        );
    }
    // At the server: a Register with Q-Block1.
    let mut b = Builder::<4>::udp(Type::Confirmable, Code::POST, 0x6100);
    b.token(b"rq")
        .str(OptionNumber::URI_PATH, "rd")
        .unwrap()
        .str(OptionNumber::URI_QUERY, "ep=q")
        .unwrap()
        .uint(OptionNumber::Q_BLOCK1, 0x08)
        .unwrap();
    b.payload(b"</3/0>");
    let mut out = [0u8; 64];
    let n = b.encode(&mut out).unwrap();
    assert!(w.server.handle(at(2), 9, &out[..n]).unwrap().is_none());
    let mut buf = [0u8; 1152];
    let (to, k) = w.server.poll_transmit(at(2), &mut buf).unwrap();
    let m = Message::parse_udp(&buf[..k]).unwrap();
    assert_eq!((to, m.code()), (9, Code::BAD_OPTION));
    assert!(w.server.find("q").is_none());
}
