//! Bootstrap: Bootstrap-Request, -Write, -Read, -Delete, -Finish, then Register.

use crate::world::*;
use m2m_lwm2m::client::ClientEvent;

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
        sensors: 0,
        default_pmax: None,
        lifetime: None,
        disable_timeout: None,
        mute_send: None,
        extra: Vec::new(),
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
fn bootstrap_finish_ends_a_bootstrap_only_with_usable_accounts() {
    let mut w = World::new();
    w.server = Server::bootstrap(7);
    // No Bootstrap under way: Bootstrap-Finish is refused as a server's write of the accounts is.
    let (code, ..) = w.ask_peer(at(0), ClientRequest::BootstrapFinish);
    assert_eq!(code, Code::UNAUTHORIZED);
    w.client.bootstrap(at(0), None).unwrap();
    w.pump(at(0));
    // The server account's Server instance goes: its Security instance /0/1 pairs with nothing.
    let delete = |path| ClientRequest::Delete { path };
    let (code, ..) = w.ask_peer(at(1), delete(Path::instance(1, 0)));
    assert_eq!(code, Code::DELETED);
    let (code, format, payload, _) = w.ask_peer(at(1), ClientRequest::BootstrapFinish);
    assert_eq!(code, Code::NOT_ACCEPTABLE);
    assert_eq!(format, None);
    assert_eq!(
        String::from_utf8(payload).unwrap(),
        "a server's Security instance has no Server instance of its Short Server ID, or several"
    );
    assert!(!w.events.iter().any(|e| e == "client BootstrapFinished"));
    // The Bootstrap goes on: the bootstrap server may still delete a Security instance.
    let (code, ..) = w.ask_peer(at(2), delete(Path::instance(0, 1)));
    assert_eq!(code, Code::DELETED);
    let (code, _, payload, _) = w.ask_peer(at(2), ClientRequest::BootstrapFinish);
    assert_eq!(code, Code::NOT_ACCEPTABLE);
    assert_eq!(payload, b"no LwM2M Server account");
}

/// The Bootstrap Interface has Read, Discover, Write, Delete and Finish alone (Core 1.1
/// §5.2.7): during a Bootstrap the bootstrap server's Observe (of the keys), Execute, Create,
/// Write-Attributes and partial Write are refused (4.05), and nothing of them is done.
#[test]
fn a_bootstrap_server_has_the_bootstrap_operations_alone() {
    let mut w = World::new();
    w.server = Server::bootstrap(7);
    w.client.bootstrap(at(0), None).unwrap();
    w.pump(at(0));
    let refused = [
        ClientRequest::Observe {
            path: Path::instance(0, 1),
            accept: None,
        },
        ClientRequest::Execute {
            path: Path::resource(3, 0, 4),
            args: b"",
        },
        ClientRequest::Create {
            path: Path::object(3303),
            format: ContentFormat::LWM2M_TLV,
            payload: &[0xc8, 0x00, 0x04, 0x41, 0xa0, 0x00, 0x00],
        },
        ClientRequest::WriteAttributes {
            path: Path::resource(3, 0, 13),
            update: Update::parse(["pmin=10"]).unwrap(),
        },
        ClientRequest::Write {
            path: Path::instance(1, 0),
            replace: false,
            format: ContentFormat::LWM2M_TLV,
            payload: &[0xc1, 0x01, 0x3c],
        },
    ];
    for req in refused {
        let (code, ..) = w.ask_peer(at(1), req);
        assert_eq!(code, Code::METHOD_NOT_ALLOWED, "{req:?}");
    }
    assert!(!w.pump.rebooted);
    assert!(w.pump.created.is_empty());
    assert_eq!(w.client.observations(), 0);
    // The Bootstrap goes on.
    let (code, ..) = w.ask_peer(at(2), ClientRequest::BootstrapFinish);
    assert_eq!(code, Code::CHANGED);
}

#[test]
fn bootstrap_finish_with_the_server_account_in_place_ends_the_bootstrap() {
    let mut w = World::new();
    w.server = Server::bootstrap(7);
    w.client.bootstrap(at(0), None).unwrap();
    w.pump(at(0));
    let (code, _, payload, _) = w.ask_peer(at(1), ClientRequest::BootstrapFinish);
    assert_eq!((code, payload), (Code::CHANGED, Vec::new()));
    assert!(w.events.iter().any(|e| e == "client BootstrapFinished"));
    // Over: a second one is refused.
    let (code, ..) = w.ask_peer(at(1), ClientRequest::BootstrapFinish);
    assert_eq!(code, Code::UNAUTHORIZED);
}

#[test]
fn a_bootstrap_server_silent_for_exchange_lifetime_has_failed_the_bootstrap() {
    let mut w = World::new();
    w.server = Server::bootstrap(7);
    w.client.bootstrap(at(0), None).unwrap();
    w.pump(at(0));
    assert!(w.events.iter().any(|e| e == "client BootstrapStarted"));
    // Each request of the bootstrap server gives it another 247 s.
    let read = ClientRequest::Read {
        path: Path::object(1),
        accept: None,
    };
    let (code, ..) = w.ask_peer(at(200), read);
    assert_eq!(code, Code::CONTENT);
    assert!(w.client.poll_timeout(at(201)).is_some_and(|t| t <= at(447)));
    w.client.handle_timeout(at(446), &w.pump).unwrap();
    assert_eq!(w.client.poll_event(), None);
    w.client.handle_timeout(at(447), &w.pump).unwrap();
    assert_eq!(
        w.client.poll_event(),
        Some(ClientEvent::BootstrapFailed(None))
    );
    // Over: what only a Bootstrap may do is refused again.
    let (code, ..) = w.ask_peer(at(448), ClientRequest::BootstrapFinish);
    assert_eq!(code, Code::UNAUTHORIZED);
}

#[test]
fn a_bootstrap_finish_that_overtakes_the_answer_to_the_request_ends_the_bootstrap() {
    let mut w = World::new();
    w.server = Server::bootstrap(7);
    w.client.bootstrap(at(0), None).unwrap();
    let mut buf = [0u8; 1152];
    let (_, n) = w.client.poll_transmit(at(0), &mut buf).unwrap();
    let request = buf[..n].to_vec();
    assert!(w.server.handle(at(0), CLIENT, &request).unwrap().is_some());
    // The 2.04 to the Bootstrap-Request is held back; the bootstrap server finishes.
    let (_, n) = w.server.poll_transmit(at(0), &mut buf).unwrap();
    let answer = buf[..n].to_vec();
    let (code, ..) = w.ask_peer(at(1), ClientRequest::BootstrapFinish);
    assert_eq!(code, Code::CHANGED);
    assert!(w.events.iter().any(|e| e == "client BootstrapFinished"));
    // The answer comes at last: the Bootstrap does not start again.
    w.client
        .handle(at(2), SERVER, &answer, &mut w.pump)
        .unwrap();
    w.client.handle_timeout(at(400), &w.pump).unwrap();
    let mut later = Vec::new();
    while let Some(e) = w.client.poll_event() {
        later.push(format!("{e:?}"));
    }
    assert_eq!(later, Vec::<String>::new());
    let (code, ..) = w.ask_peer(at(401), ClientRequest::BootstrapFinish);
    assert_eq!(code, Code::UNAUTHORIZED);
}

#[test]
fn a_bootstrap_write_larger_than_a_message_goes_in_blocks_and_is_put_together() {
    let mut bs: Server<u8> = Server::bootstrap(3);
    let mut client: Client<'static, u8> = Client::new(SERVER, Settings::new("pump-1"), 4);
    let mut pump = World::new().pump;
    let mut upload = Box::<m2m_lwm2m::upload::Upload<u8, 4096>>::default();
    let mut buf = [0u8; 1152];
    // Moves datagrams both ways; the answers to the bootstrap server's requests, with their
    // Block1.
    let mut pump_all = |t: Timestamp,
                        bs: &mut Server<u8>,
                        client: &mut Client<'static, u8>,
                        pump: &mut Pump,
                        upload: &mut m2m_lwm2m::upload::Upload<u8, 4096>|
     -> Vec<(Code, Option<Block>)> {
        let mut answers = Vec::new();
        loop {
            let mut moved = false;
            while let Some((_, n)) = client.poll_transmit(t, &mut buf) {
                moved = true;
                let d = buf[..n].to_vec();
                if let Some(ServerEvent::Response { message, .. }) =
                    bs.handle(t, CLIENT, &d).unwrap()
                {
                    answers.push((message.code(), message.block1().map(Result::unwrap)));
                }
            }
            while let Some((_, n)) = bs.poll_transmit(t, &mut buf) {
                moved = true;
                let d = buf[..n].to_vec();
                client.handle_with(t, SERVER, &d, pump, upload).unwrap();
            }
            if !moved {
                return answers;
            }
        }
    };
    client.bootstrap(at(0), None).unwrap();
    pump_all(at(0), &mut bs, &mut client, &mut pump, &mut upload);
    // The Timezone long, and the Manufacturer (which only a bootstrap server may set).
    let zone = "Europe/Zurich;".repeat(150);
    let body = format!(r#"[{{"n":"/3/0/15","vs":"{zone}"}},{{"n":"/3/0/0","vs":"BS-Maker"}}]"#);
    let write = ClientRequest::Write {
        path: Path::instance(3, 0),
        replace: true,
        format: ContentFormat::SENML_JSON,
        payload: body.as_bytes(),
    };
    let mut block = Block {
        num: 0,
        more: true,
        szx: 6,
    };
    let mut answers = Vec::new();
    // A block every 200 s: each keeps the Bootstrap alive (it ends after 247 s without a
    // request of the bootstrap server's).
    loop {
        let t = at(200 * u64::from(block.num));
        client.handle_timeout(t, &pump).unwrap();
        bs.send_block1_to(t, CLIENT, &write, block).unwrap();
        let a = pump_all(t, &mut bs, &mut client, &mut pump, &mut upload);
        answers.extend(a.iter().copied());
        match a.as_slice() {
            [(Code::CONTINUE, Some(echo))] => {
                block = Block {
                    num: echo.num + 1,
                    ..*echo
                };
            }
            _ => break,
        }
    }
    assert_eq!(answers.len(), body.len().div_ceil(1024));
    let last = answers.last().unwrap();
    assert_eq!(last.0, Code::CHANGED, "{answers:?}");
    assert!(!last.1.unwrap().more);
    assert_eq!(pump.label, zone);
    assert_eq!(pump.manufacturer, "BS-Maker");
    // Nothing was reset: a Bootstrap-Write adds to what is there.
    assert_eq!(pump.resets, Vec::<String>::new());
}

#[test]
fn bootstrap_discover_lists_objects_instances_and_the_accounts_ids() {
    let mut bs: Server<u8> = Server::bootstrap(3);
    let mut client: Client<'static, u8> = Client::new(SERVER, Settings::new("pump-1"), 4);
    let mut pump = World::new().pump;
    let mut buf = [0u8; 1152];
    let mut ask = |bs: &mut Server<u8>,
                   client: &mut Client<'static, u8>,
                   pump: &mut Pump,
                   req: Option<ClientRequest<'_>>|
     -> Vec<(Code, Vec<u8>)> {
        if let Some(r) = req {
            bs.send_to(at(0), CLIENT, &r).unwrap();
        }
        let mut answers = Vec::new();
        loop {
            let mut moved = false;
            while let Some((_, n)) = client.poll_transmit(at(0), &mut buf) {
                moved = true;
                let d = buf[..n].to_vec();
                if let Some(ServerEvent::Response { message, .. }) =
                    bs.handle(at(0), CLIENT, &d).unwrap()
                {
                    answers.push((message.code(), message.payload().to_vec()));
                }
            }
            while let Some((_, n)) = bs.poll_transmit(at(0), &mut buf) {
                moved = true;
                let d = buf[..n].to_vec();
                client.handle(at(0), SERVER, &d, pump).unwrap();
            }
            if !moved {
                return answers;
            }
        }
    };
    client.bootstrap(at(0), None).unwrap();
    ask(&mut bs, &mut client, &mut pump, None);
    let all = ask(
        &mut bs,
        &mut client,
        &mut pump,
        Some(ClientRequest::Discover { path: Path::ROOT }),
    );
    // The Bootstrap-Server account has no Short Server ID; the server's account and its
    // Server instance carry theirs, the account its URI (1.1); OSCORE instances and the object
    // version are listed.
    assert_eq!(
        all,
        [(
            Code::CONTENT,
            br#"</>;lwm2m=1.1,</0/0>,</0/1>;ssid=1;uri="coap://127.0.0.1:5683",</21/0>,</21/1>,</1/0>;ssid=1,</3/0>,</3303>;ver=1.1,</3303/0>,</3303/1>"#
                .to_vec()
        )]
    );
    // One object: its instances alone.
    let security = ask(
        &mut bs,
        &mut client,
        &mut pump,
        Some(ClientRequest::Discover {
            path: Path::object(0),
        }),
    );
    assert_eq!(
        security,
        [(
            Code::CONTENT,
            br#"</0/0>,</0/1>;ssid=1;uri="coap://127.0.0.1:5683""#.to_vec()
        )]
    );
    // An object it does not have, and an instance (deeper than Bootstrap-Discover goes).
    let none = ask(
        &mut bs,
        &mut client,
        &mut pump,
        Some(ClientRequest::Discover {
            path: Path::object(9),
        }),
    );
    assert_eq!(none[0].0, Code::NOT_FOUND);
    let deep = ask(
        &mut bs,
        &mut client,
        &mut pump,
        Some(ClientRequest::Discover {
            path: Path::instance(3, 0),
        }),
    );
    assert_eq!(deep[0].0, Code::BAD_REQUEST);
}

#[test]
fn a_client_pointed_at_another_server_ends_what_it_had_with_the_first() {
    use m2m_lwm2m::client::ClientEvent;
    const NEXT: u8 = 2;
    let mut w = World::new();
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    assert!(w.client.is_registered());
    let id = w.server.find("pump-1").unwrap().id;
    let temp = Path::resource(3303, 0, 5700);
    w.server
        .observe_composite(at(1), id, &[temp], ContentFormat::SENML_JSON, None)
        .unwrap();
    w.pump(at(1));
    let observe = ClientRequest::Observe {
        path: Path::resource(3, 0, 15),
        accept: None,
    };
    let (code, ..) = w.ask(at(1), observe);
    assert_eq!(code, Code::CONTENT);
    assert_eq!(w.client.observations(), 2);
    // A Send the first server has not answered when the client moves.
    let send = w
        .client
        .send_records(at(2), ContentFormat::SENML_JSON, b"[]")
        .unwrap();
    w.client.set_server(NEXT);
    assert_eq!(w.client.server(), NEXT);
    assert!(!w.client.is_registered());
    assert_eq!(w.client.observations(), 0);
    assert!(w.client.location().is_none());
    let mut events = Vec::new();
    while let Some(e) = w.client.poll_event() {
        events.push(e);
    }
    assert_eq!(
        events,
        [ClientEvent::SendAnswered {
            request: send,
            code: None
        }]
    );
    // Nothing more goes to the first server: no Send retransmitted, no notification, and no
    // Update when its lifetime runs out.
    w.pump.temperature = 30.0;
    w.client.changed(&temp);
    let mut buf = [0u8; 1152];
    for t in [3, 20, 60, 200] {
        w.client.handle_timeout(at(t), &w.pump).unwrap();
        assert!(w.client.poll_transmit(at(t), &mut buf).is_none(), "at {t}");
    }
    // Its datagrams are dropped; Register goes to the new one, with the lifetime set.
    let mut req = m2m_coap::Builder::<8>::udp(m2m_coap::Type::Confirmable, Code::GET, 0x77);
    let mut d = [0u8; 64];
    let n = req.path("3/0/15").unwrap().encode(&mut d).unwrap();
    assert!(matches!(
        w.client.handle(at(201), SERVER, &d[..n], &mut w.pump),
        Err(m2m_lwm2m::server::SessionError::UnknownPeer)
    ));
    w.client.set_lifetime(86_400);
    w.client.register(at(202), &w.pump).unwrap();
    let (to, n) = w.client.poll_transmit(at(202), &mut buf).unwrap();
    assert_eq!(to, NEXT);
    let mut next: Server<u8> = Server::new(11);
    let e = next.handle(at(202), CLIENT, &buf[..n]).unwrap();
    assert!(
        matches!(e, Some(ServerEvent::Registered { params, .. }) if params.lifetime == Some(86_400)),
        "{e:?}"
    );
}

#[test]
fn a_register_under_way_is_given_up_when_the_client_moves() {
    const NEXT: u8 = 2;
    let mut w = World::new();
    let mut buf = [0u8; 1152];
    w.client.register(at(0), &w.pump).unwrap();
    let (to, _) = w.client.poll_transmit(at(0), &mut buf).unwrap();
    assert_eq!(to, SERVER);
    w.client.set_server(NEXT);
    // Not sent again to the old server (it used to be retransmitted for 93 s and hold the
    // endpoint), and the Register to the new one is not held back by it.
    for t in [3, 10, 30, 60] {
        w.client.handle_timeout(at(t), &w.pump).unwrap();
        assert!(w.client.poll_transmit(at(t), &mut buf).is_none(), "at {t}");
    }
    w.client.register(at(61), &w.pump).unwrap();
    let (to, _) = w.client.poll_transmit(at(61), &mut buf).unwrap();
    assert_eq!(to, NEXT);
}

/// A client whose Register is refused with 4.03 at `now`: the events it gives then.
fn refuse_register(w: &mut World, now: u64) -> Vec<ClientEvent> {
    answer_register(w, now, Code::FORBIDDEN)
}

/// A client whose Register is answered `code` at `now`: the events it gives then.
fn answer_register(w: &mut World, now: u64, code: Code) -> Vec<ClientEvent> {
    use m2m_coap::{Builder, Message, Type};
    let mut buf = [0u8; 1152];
    while let Some((_, n)) = w.client.poll_transmit(at(now), &mut buf) {
        let m = Message::parse_udp(&buf[..n]).unwrap();
        let mut b = Builder::<1>::udp(Type::Acknowledgement, code, m.message_id().unwrap());
        b.token(m.token());
        let mut out = [0u8; 64];
        let k = b.encode(&mut out).unwrap();
        w.client
            .handle(at(now), SERVER, &out[..k], &mut w.pump)
            .unwrap();
    }
    events_of(w)
}

fn events_of(w: &mut World) -> Vec<ClientEvent> {
    core::iter::from_fn(|| w.client.poll_event()).collect()
}

/// A client that gives up Register at its first failure, with these resources in its tree
/// and these instances deleted.
fn giving_up(extra: &[Record<'static>], deleted: &[&str]) -> World {
    let mut w = World::new();
    w.pump.extra = extra.to_vec();
    w.pump.deleted = deleted.iter().map(|d| d.to_string()).collect();
    w.client.set_retry(m2m_lwm2m::client::Retry {
        count: 1,
        timer: 1,
        sequence_delay: 1,
        sequences: 1,
    });
    w
}

#[test]
fn an_abandoned_registration_bootstraps_after_the_hold_off_when_the_account_says_so() {
    use ClientEvent::{BootstrapDue, RegistrationAbandoned};
    let hold_off = Record::new(Path::resource(0, 0, 11), Value::Int(30));
    let no_bootstrap = Record::new(Path::resource(1, 0, 16), Value::Bool(false));
    let bootstrap = Record::new(Path::resource(1, 0, 16), Value::Bool(true));
    // Bootstrap on Registration Failure true, a Client Hold Off Time of 30 s: Register given
    // up at 10 s, the Bootstrap is due at 40 s, not before, and once.
    let mut w = giving_up(&[hold_off, bootstrap], &[]);
    w.client.register(at(10), &w.pump).unwrap();
    assert_eq!(refuse_register(&mut w, 10), [RegistrationAbandoned]);
    assert_eq!(w.client.poll_timeout(at(10)), Some(at(40)));
    w.client.handle_timeout(at(39), &w.pump).unwrap();
    assert_eq!(events_of(&mut w), []);
    w.client.handle_timeout(at(40), &w.pump).unwrap();
    assert_eq!(events_of(&mut w), [BootstrapDue]);
    assert_eq!(w.client.poll_timeout(at(40)), None);
    // The resource absent, and no hold off: due at once.
    let mut w = giving_up(&[], &[]);
    w.client.register(at(10), &w.pump).unwrap();
    assert_eq!(refuse_register(&mut w, 10), [RegistrationAbandoned]);
    assert_eq!(w.client.poll_timeout(at(10)), Some(at(10)));
    w.client.handle_timeout(at(10), &w.pump).unwrap();
    assert_eq!(events_of(&mut w), [BootstrapDue]);
    // The resource false, or no Bootstrap-Server account: no Bootstrap, nothing more to do.
    for (extra, deleted) in [
        (&[no_bootstrap, hold_off][..], &[][..]),
        (&[][..], &["/0/0"][..]),
    ] {
        let mut w = giving_up(extra, deleted);
        w.client.register(at(10), &w.pump).unwrap();
        assert_eq!(refuse_register(&mut w, 10), [RegistrationAbandoned]);
        assert_eq!(w.client.poll_timeout(at(10)), None, "{deleted:?}");
        w.client.handle_timeout(at(100), &w.pump).unwrap();
        assert_eq!(events_of(&mut w), [], "{deleted:?}");
    }
    // Register again during the hold off calls the Bootstrap off; so does a move to another
    // server.
    for moved in [false, true] {
        let mut w = giving_up(&[hold_off], &[]);
        w.client.register(at(10), &w.pump).unwrap();
        assert_eq!(refuse_register(&mut w, 10), [RegistrationAbandoned]);
        if moved {
            w.client.set_server(2);
        } else {
            w.client.register(at(20), &w.pump).unwrap();
        }
        w.client.handle_timeout(at(40), &w.pump).unwrap();
        assert_eq!(events_of(&mut w), [], "moved: {moved}");
    }
}

#[test]
fn a_rejected_registration_bootstraps_after_the_hold_off_without_the_retries() {
    use ClientEvent::{BootstrapDue, RegistrationAbandoned, RegistrationFailed};
    let hold_off = Record::new(Path::resource(0, 0, 11), Value::Int(30));
    let no_bootstrap = Record::new(Path::resource(1, 0, 16), Value::Bool(false));
    // The specification's retries (five attempts, the next 60 s on), Bootstrap on Registration
    // Failure absent (true) and a bootstrap account: a 4.xx answer to Register is a rejection,
    // abandoned at once, and the Bootstrap comes after the hold off, with no Register between.
    for code in [
        Code::BAD_REQUEST,
        Code::FORBIDDEN,
        Code::PRECONDITION_FAILED,
        Code::NOT_FOUND,
        Code::METHOD_NOT_ALLOWED,
        Code::UNSUPPORTED_CONTENT_FORMAT,
    ] {
        let mut w = World::new();
        w.pump.extra = vec![hold_off];
        w.client.register(at(10), &w.pump).unwrap();
        assert_eq!(
            answer_register(&mut w, 10, code),
            [RegistrationAbandoned],
            "{code}"
        );
        assert_eq!(w.client.poll_timeout(at(10)), Some(at(40)), "{code}");
        w.client.handle_timeout(at(40), &w.pump).unwrap();
        assert_eq!(events_of(&mut w), [BootstrapDue], "{code}");
        let mut buf = [0u8; 1152];
        assert_eq!(w.client.poll_transmit(at(40), &mut buf), None, "{code}");
        assert_eq!(w.client.poll_timeout(at(40)), None, "{code}");
    }
    // Retried as any failure: a server error (5.03) whatever the accounts say, and a
    // rejection when /1/0/16 is false or there is no Bootstrap-Server account to go to.
    for (code, extra, deleted) in [
        (Code::SERVICE_UNAVAILABLE, &[hold_off][..], &[][..]),
        (Code::FORBIDDEN, &[no_bootstrap, hold_off][..], &[][..]),
        (Code::FORBIDDEN, &[hold_off][..], &["/0/0"][..]),
    ] {
        let mut w = World::new();
        w.pump.extra = extra.to_vec();
        w.pump.deleted = deleted.iter().map(|d| d.to_string()).collect();
        w.client.register(at(10), &w.pump).unwrap();
        assert_eq!(
            answer_register(&mut w, 10, code),
            [RegistrationFailed(Some(code))],
            "{code} {deleted:?}"
        );
        assert_eq!(w.client.poll_timeout(at(10)), Some(at(70)), "{code}");
    }
}

/// A client whose Register is answered `code` with Max-Age `max_age` at `now`: its events.
fn answer_register_max_age(w: &mut World, now: u64, code: Code, max_age: u32) -> Vec<ClientEvent> {
    use m2m_coap::{Builder, Message, OptionNumber, Type};
    let mut buf = [0u8; 1152];
    while let Some((_, n)) = w.client.poll_transmit(at(now), &mut buf) {
        let m = Message::parse_udp(&buf[..n]).unwrap();
        let mut b = Builder::<1>::udp(Type::Acknowledgement, code, m.message_id().unwrap());
        b.token(m.token());
        b.uint(OptionNumber::MAX_AGE, max_age).unwrap();
        let mut out = [0u8; 64];
        let k = b.encode(&mut out).unwrap();
        w.client
            .handle(at(now), SERVER, &out[..k], &mut w.pump)
            .unwrap();
    }
    events_of(w)
}

/// 4.29 Too Many Requests (RFC 8516), and 4.08 and 4.13 of a transfer in blocks, are no
/// rejection: the same Register may pass later. With a bootstrap account and /1/x/16 absent
/// (a rejection would bootstrap at once) they go through the retries; a 4.29 waits its
/// Max-Age when that is longer than the retry's wait (60 s), the retry's wait otherwise.
#[test]
fn too_many_requests_is_retried_after_its_max_age_not_a_rejection() {
    use ClientEvent::RegistrationFailed;
    let hold_off = Record::new(Path::resource(0, 0, 11), Value::Int(30));
    for (code, max_age, retry) in [
        (Code::TOO_MANY_REQUESTS, 300, 310),
        (Code::TOO_MANY_REQUESTS, 20, 70),
        (Code::REQUEST_ENTITY_INCOMPLETE, 60, 70),
        (Code::REQUEST_ENTITY_TOO_LARGE, 60, 70),
    ] {
        let mut w = World::new();
        w.pump.extra = vec![hold_off];
        w.client.register(at(10), &w.pump).unwrap();
        assert_eq!(
            answer_register_max_age(&mut w, 10, code, max_age),
            [RegistrationFailed(Some(code))],
            "{code}"
        );
        assert_eq!(w.client.poll_timeout(at(10)), Some(at(retry)), "{code}");
        // The Register goes again then, and the server takes it.
        w.client.handle_timeout(at(retry), &w.pump).unwrap();
        w.pump(at(retry));
        assert!(w.client.is_registered(), "{code}");
    }
}

#[test]
fn the_bootstrap_account_expires_its_timeout_after_a_successful_finish() {
    let timeout = |s| Record::new(Path::resource(0, 0, 12), Value::Int(s));
    let finish = |w: &mut World, now| {
        w.server
            .send_to(at(now), CLIENT, &ClientRequest::BootstrapFinish)
            .unwrap();
        w.pump(at(now));
    };
    let mut w = World::new();
    w.server = Server::bootstrap(7);
    w.pump.extra = vec![timeout(100)];
    // No timer before a Bootstrap finished.
    assert_eq!(w.client.poll_timeout(at(0)), None);
    w.client.bootstrap(at(0), None).unwrap();
    w.pump(at(0));
    finish(&mut w, 5);
    assert!(w.events.contains(&"client BootstrapFinished".to_string()));
    // The timeout counts from the Finish, across the move to the server the Bootstrap gave.
    w.client.set_server(2);
    assert_eq!(w.client.poll_timeout(at(5)), Some(at(105)));
    w.client.handle_timeout(at(104), &w.pump).unwrap();
    assert_eq!(events_of(&mut w), []);
    w.client.handle_timeout(at(105), &w.pump).unwrap();
    assert_eq!(
        events_of(&mut w),
        [ClientEvent::BootstrapAccountExpired { security: 0 }]
    );
    w.client.handle_timeout(at(1000), &w.pump).unwrap();
    assert_eq!(events_of(&mut w), []);
    // Purged: the Security instance and its OSCORE instance go, and the account with them.
    m2m_lwm2m::client::purge_bootstrap_account(&mut w.pump).unwrap();
    assert_eq!(w.pump.deleted, ["/0/0", "/21/0"]);
    assert_eq!(m2m_lwm2m::client::bootstrap_account(&w.pump), None);
    m2m_lwm2m::client::purge_bootstrap_account(&mut w.pump).unwrap();
    assert_eq!(w.pump.deleted, ["/0/0", "/21/0"]);
    // A timeout of 0 is none: the account stays; a new Finish with 0 stops one running.
    let mut w = World::new();
    w.server = Server::bootstrap(7);
    w.pump.extra = vec![timeout(100)];
    w.client.bootstrap(at(0), None).unwrap();
    w.pump(at(0));
    finish(&mut w, 1);
    w.pump.extra = vec![timeout(0)];
    w.client.bootstrap(at(2), None).unwrap();
    w.pump(at(2));
    finish(&mut w, 3);
    w.client.handle_timeout(at(1000), &w.pump).unwrap();
    assert_eq!(events_of(&mut w), []);
}

#[test]
fn a_bootstrap_finish_repeated_after_the_move_gets_the_same_answer() {
    use m2m_coap::{Builder, Message, Type};
    let mut w = World::new();
    w.server = Server::bootstrap(7);
    w.client.bootstrap(at(0), None).unwrap();
    w.pump(at(0));
    // Bootstrap-Finish, answered 2.04; that ACK is lost.
    w.server
        .send_to(at(1), CLIENT, &ClientRequest::BootstrapFinish)
        .unwrap();
    let mut buf = [0u8; 1152];
    let (_, n) = w.server.poll_transmit(at(1), &mut buf).unwrap();
    let finish = buf[..n].to_vec();
    w.client
        .handle(at(1), SERVER, &finish, &mut w.pump)
        .unwrap();
    let (to, n) = w.client.poll_transmit(at(1), &mut buf).unwrap();
    let ack = buf[..n].to_vec();
    assert_eq!(
        (to, Message::parse_udp(&ack).unwrap().code()),
        (SERVER, Code::CHANGED)
    );
    assert_eq!(events_of(&mut w), [ClientEvent::BootstrapFinished]);
    // The application moves to the server the Bootstrap wrote (peer 2) and registers.
    w.client.set_server(2);
    w.client.register(at(1), &w.pump).unwrap();
    assert_eq!(
        w.client.poll_transmit(at(1), &mut buf).map(|(to, _)| to),
        Some(2)
    );
    // The bootstrap server sends its Finish again: the same answer goes back to it, and the
    // application hears nothing of it.
    w.client
        .handle(at(3), SERVER, &finish, &mut w.pump)
        .unwrap();
    let (to, n) = w.client.poll_transmit(at(3), &mut buf).unwrap();
    assert_eq!((to, &buf[..n]), (SERVER, &ack[..]));
    assert_eq!(events_of(&mut w), []);
    // A new request of it is dropped, unanswered.
    let mut b = Builder::<2>::udp(Type::Confirmable, Code::GET, 0x4242);
    b.token(&[9]);
    b.path("1").unwrap();
    let n = b.encode(&mut buf).unwrap();
    let get = buf[..n].to_vec();
    assert!(matches!(
        w.client.handle(at(3), SERVER, &get, &mut w.pump),
        Err(m2m_lwm2m::server::SessionError::UnknownPeer)
    ));
    assert_eq!(w.client.poll_transmit(at(3), &mut buf), None);
}

/// The application's part of a fallback at `now`: Bootstrap-Request to a bootstrap server that
/// takes it and sends Bootstrap-Finish at once, writing nothing (the accounts stay as they
/// were). A new bootstrap server each time: its message ids anew (not a repeated Finish).
fn bootstrap_and_finish(w: &mut World, now: u64) {
    w.server = Server::bootstrap(now);
    w.client.bootstrap(at(now), None).unwrap();
    w.pump(at(now));
    w.server
        .send_to(at(now), CLIENT, &ClientRequest::BootstrapFinish)
        .unwrap();
    w.pump(at(now));
    assert!(
        w.events.contains(&"client BootstrapFinished".to_string()),
        "{:?}",
        w.events
    );
    w.events.clear();
}

/// What the client does by itself from `now` on, what it sends going unanswered: the time of
/// the first call of `handle_timeout` that gives events, and those events.
fn next_events(w: &mut World, now: Timestamp) -> (Timestamp, Vec<ClientEvent>) {
    let mut buf = [0u8; 1152];
    let mut now = now;
    for _ in 0..100 {
        // A request given up when its last retransmission is due is told at the next call.
        while w.client.poll_transmit(now, &mut buf).is_some() {}
        now = w.client.poll_timeout(now).unwrap_or(now);
        w.client.handle_timeout(now, &w.pump).unwrap();
        let events = events_of(w);
        if !events.is_empty() {
            return (now, events);
        }
    }
    panic!("nothing from the client")
}

/// Seconds from `now` to the next [`ClientEvent::BootstrapDue`], the only event before it.
fn due_after(w: &mut World, now: u64) -> u64 {
    let (due, events) = next_events(w, at(now));
    assert_eq!(events, [ClientEvent::BootstrapDue], "{now}");
    let ms = due.as_millis() - now * 1000;
    assert_eq!(ms % 1000, 0, "{now}");
    ms / 1000
}

/// Register at `t`, refused with 4.03 (a rejection, abandoned at once): the seconds until
/// [`ClientEvent::BootstrapDue`].
fn fallback_wait(w: &mut World, t: u64) -> u64 {
    w.client.register(at(t), &w.pump).unwrap();
    assert_eq!(
        refuse_register(w, t),
        [ClientEvent::RegistrationAbandoned],
        "{t}"
    );
    due_after(w, t)
}

/// A server that rejects every Register (4.03) and a bootstrap server that finishes at once,
/// writing the same accounts: each fallback after the first waits the back-off (60 s doubling
/// up to an hour, `Backoff::DEFAULT`), and the Client Hold Off Time (100 s) when it is longer;
/// a registration starts the count again.
#[test]
fn fallbacks_without_a_registration_between_back_off_up_to_an_hour() {
    let hold_off = Record::new(Path::resource(0, 0, 11), Value::Int(100));
    let mut w = World::new();
    w.pump.extra = vec![hold_off];
    let mut t = 5;
    let mut waits = Vec::new();
    for _ in 0..10 {
        let wait = fallback_wait(&mut w, t);
        waits.push(wait);
        t += wait;
        bootstrap_and_finish(&mut w, t);
    }
    assert_eq!(
        waits,
        [100, 100, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    );
    // The server accepts a Register: the next fallback waits the hold off alone again.
    w.server = Server::new(7);
    w.client.register(at(t), &w.pump).unwrap();
    w.pump(at(t));
    assert!(w.client.is_registered());
    assert_eq!(fallback_wait(&mut w, t + 1), 100);
    // Another back-off: the second waits its base (no hold off: the base alone).
    let mut w = World::new();
    w.client = Client::new(
        SERVER,
        Settings {
            bootstrap_backoff: m2m_lwm2m::client::Backoff {
                base: core::time::Duration::from_millis(1500),
                cap: core::time::Duration::from_secs(4),
            },
            ..Settings::new("pump-1")
        },
        9,
    );
    let mut t = 0;
    let mut waits = Vec::new();
    for _ in 0..4 {
        w.client.register(at(t), &w.pump).unwrap();
        assert_eq!(
            refuse_register(&mut w, t),
            [ClientEvent::RegistrationAbandoned]
        );
        let (due, events) = next_events(&mut w, at(t));
        assert_eq!(events, [ClientEvent::BootstrapDue]);
        waits.push(due.as_millis() - t * 1000);
        t += 10;
    }
    assert_eq!(waits, [0, 1500, 3000, 4000]);
}

/// The fallback the application could not start (`Client::bootstrap_later`), or whose
/// Bootstrap failed (refused, unanswered, silent for 247 s), comes again after the back-off,
/// each counted as one more; a Bootstrap the application began itself does not, nor a
/// fallback a Register called off.
#[test]
fn a_fallback_that_could_not_start_or_failed_comes_again_after_the_back_off() {
    use ClientEvent::{BootstrapFailed, BootstrapStarted};
    let hold_off = Record::new(Path::resource(0, 0, 11), Value::Int(30));
    let mut w = World::new();
    w.pump.extra = vec![hold_off];
    // Nothing asked yet: nothing to put off.
    assert!(!w.client.bootstrap_later(at(0)));
    assert_eq!(fallback_wait(&mut w, 10), 30);
    // The application cannot reach the bootstrap server (its name does not resolve, say);
    // moving there first (as the runners do) keeps the fallback: due again after 60 s.
    w.client.set_server(2);
    assert!(w.client.bootstrap_later(at(40)));
    assert!(!w.client.bootstrap_later(at(40)), "once");
    assert_eq!(due_after(&mut w, 40), 60);
    w.client.set_server(SERVER);
    // The bootstrap server refuses the Bootstrap-Request: due again after 120 s.
    w.client.bootstrap(at(100), None).unwrap();
    assert_eq!(
        answer_register(&mut w, 100, Code::FORBIDDEN),
        [BootstrapFailed(Some(Code::FORBIDDEN))]
    );
    assert_eq!(due_after(&mut w, 100), 120);
    // It takes the request, then says nothing for 247 s: due again 240 s after.
    w.client.bootstrap(at(220), None).unwrap();
    assert_eq!(
        answer_register(&mut w, 220, Code::CHANGED),
        [BootstrapStarted]
    );
    w.client.handle_timeout(at(467), &w.pump).unwrap();
    assert_eq!(events_of(&mut w), [BootstrapFailed(None)]);
    assert_eq!(due_after(&mut w, 467), 240);
    // It never answers: due again 480 s after the request is given up.
    w.client.bootstrap(at(707), None).unwrap();
    let (failed, events) = next_events(&mut w, at(707));
    assert_eq!(events, [BootstrapFailed(None)]);
    assert!(failed > at(707), "{failed:?}");
    assert_eq!(
        w.client.poll_timeout(failed),
        Some(Timestamp::from_millis(failed.as_millis() + 480_000))
    );
    // A Register calls the fallback off: nothing to put off after it.
    let mut w = World::new();
    w.pump.extra = vec![hold_off];
    fallback_wait(&mut w, 10);
    w.client.register(at(40), &w.pump).unwrap();
    assert!(!w.client.bootstrap_later(at(40)));
    // A Bootstrap the application began itself and the server refused is not tried again.
    let mut w = World::new();
    w.client.bootstrap(at(0), None).unwrap();
    assert_eq!(
        answer_register(&mut w, 0, Code::FORBIDDEN),
        [BootstrapFailed(Some(Code::FORBIDDEN))]
    );
    assert_eq!(w.client.poll_timeout(at(0)), None);
    assert!(!w.client.bootstrap_later(at(0)));
}

/// A fallback Bootstrap that finished, whose account the application cannot register with
/// (its URI does not resolve, say): `Client::bootstrap_later` brings the fallback back after
/// the back-off, counted as one more. Not once a Register went, nor after a Bootstrap the
/// application began itself.
#[test]
fn a_fallback_whose_account_cannot_be_registered_comes_again_after_the_back_off() {
    let hold_off = Record::new(Path::resource(0, 0, 11), Value::Int(30));
    let mut w = World::new();
    w.pump.extra = vec![hold_off];
    assert_eq!(fallback_wait(&mut w, 10), 30);
    bootstrap_and_finish(&mut w, 40);
    assert!(w.client.bootstrap_later(at(41)));
    assert!(!w.client.bootstrap_later(at(41)), "once");
    assert_eq!(due_after(&mut w, 41), 60);
    // The next one finishes too, and a Register goes: nothing to put off.
    bootstrap_and_finish(&mut w, 101);
    w.client.register(at(102), &w.pump).unwrap();
    assert!(!w.client.bootstrap_later(at(102)));
    // A Bootstrap of the application's own that finished: nothing to put off either.
    let mut w = World::new();
    bootstrap_and_finish(&mut w, 0);
    assert!(!w.client.bootstrap_later(at(0)));
}
