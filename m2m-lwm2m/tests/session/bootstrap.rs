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
