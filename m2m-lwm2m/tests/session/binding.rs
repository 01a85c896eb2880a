//! The Binding (`/1/0/7`) the server writes: taken and sent in an Update (`b`, Core 1.1
//! §6.2.2) when the client can use it, its `Q` setting queue mode; refused otherwise.

use super::*;

/// A client registered at 0 s whose Server instance holds the Binding `binding`; `version`
/// `None` registers as LwM2M 1.0.
fn registered(binding: &'static str, version: Option<Version>) -> World {
    let mut w = World::new();
    w.client = Client::new(
        SERVER,
        Settings {
            lifetime: 60,
            version,
            ..Settings::new("pump-1")
        },
        9,
    );
    w.pump.extra = vec![Record::new(
        Path::resource(1, 0, 7),
        Value::Str(Text::Plain(binding)),
    )];
    w.client.register(at(0), &w.pump).unwrap();
    w.pump(at(0));
    assert!(w.client.is_registered());
    w.events.clear();
    w
}

/// The server writes `binding` into /1/0/7 at `now`; the client does what is due then.
fn write_binding(w: &mut World, now: u64, binding: &str) {
    let write = ClientRequest::Write {
        path: Path::resource(1, 0, 7),
        replace: true,
        format: ContentFormat::TEXT_PLAIN,
        payload: binding.as_bytes(),
    };
    assert_eq!(w.ask(at(now), write).0, Code::CHANGED);
    w.client.handle_timeout(at(now), &w.pump).unwrap();
    w.pump(at(now));
}

fn updates(w: &World) -> Vec<String> {
    w.events
        .iter()
        .filter(|e| e.starts_with("updated"))
        .cloned()
        .collect()
}

/// A 1.0 client: `UQ` written turns queue mode on and goes in an Update at once (the server
/// then takes the client for one in queue mode); `U` again turns it off. Only the Update after
/// the change carries `b`, and a write of the same binding sends none.
#[test]
fn a_binding_written_by_the_server_goes_to_it_in_an_update_with_its_queue_mode() {
    let mut w = registered("U", None);
    assert!(!w.server.find("pump-1").unwrap().queue);
    write_binding(&mut w, 2, "UQ");
    assert_eq!(updates(&w), ["updated b=UQ"]);
    assert!(w.server.find("pump-1").unwrap().queue);
    assert!(w.client.awake_until().is_some());
    w.events.clear();
    write_binding(&mut w, 3, "UQ");
    assert!(updates(&w).is_empty(), "{:?}", w.events);
    // The next Update of the client's own carries no `b`.
    w.client.handle_timeout(at(40), &w.pump).unwrap();
    w.pump(at(40));
    assert_eq!(updates(&w), ["updated"]);
    w.events.clear();
    write_binding(&mut w, 41, "U");
    assert_eq!(updates(&w), ["updated b=U"]);
    assert!(!w.server.find("pump-1").unwrap().queue);
    assert_eq!(w.client.awake_until(), None);
}

/// A binding without `U` (another transport only), or no binding at all, is one the client
/// cannot use, in 1.0 and 1.1: it says so, sends no Update, and keeps its own. One it can use
/// afterwards goes in an Update in 1.0 (in the order 1.0 writes it); in 1.1 `b` is the
/// client's own, and none goes.
#[test]
fn a_binding_the_client_cannot_use_is_reported_and_not_sent() {
    for (version, then) in [
        (None, vec!["updated b=US"]),
        (Some(Version::V1_1), Vec::new()),
    ] {
        for bad in ["T", "S", "UX", "UU"] {
            let mut w = registered("U", version);
            write_binding(&mut w, 2, bad);
            assert!(updates(&w).is_empty(), "{bad}: {:?}", w.events);
            assert!(
                w.events.contains(&"client BindingUnsupported".to_string()),
                "{bad}: {:?}",
                w.events
            );
            assert_eq!(w.client.awake_until(), None, "{bad}");
            w.events.clear();
            write_binding(&mut w, 3, "SU");
            assert_eq!(updates(&w), then, "{version:?} {bad}");
            assert!(
                !w.events.contains(&"client BindingUnsupported".to_string()),
                "{bad}: {:?}",
                w.events
            );
        }
    }
}

/// A 1.1 client announces its own binding (Core 1.1 §6.2.1: the bindings it supports), never
/// with `Q`: queue mode is the `Q` parameter, whatever the Server instance's Binding says.
#[test]
fn a_1_1_client_announces_its_own_binding_without_q() {
    for (tree, own, queue, announced) in [
        ("UQ", "U", Some(93), "U"),
        ("UQ", "U", None, "U"),
        ("UT", "U", None, "U"),
        ("U", "UQ", Some(93), "U"),
        ("U", "UT", None, "UT"),
    ] {
        let mut w = World::new();
        w.client = Client::new(
            SERVER,
            Settings {
                binding: own,
                queue: queue.map(core::time::Duration::from_secs),
                ..Settings::new("pump-1")
            },
            9,
        );
        w.pump.extra = vec![Record::new(
            Path::resource(1, 0, 7),
            Value::Str(Text::Plain(tree)),
        )];
        let query = register_query(&mut w, 0);
        assert_eq!(binding_of(&query), Some(announced), "{tree}: {query:?}");
        assert_eq!(
            query.contains(&"Q".to_string()),
            queue.is_some(),
            "{tree}: {query:?}"
        );
        assert!(w.client.is_registered(), "{tree}: {:?}", w.events);
        assert_eq!(
            w.server.find("pump-1").unwrap().queue,
            queue.is_some(),
            "{tree}"
        );
    }
}

/// A 1.1 client whose server writes a binding it can use (`UQ`, `UT`) sends no Update for
/// it: `b` is the client's own, which did not change. Its own Update carries no `b` either.
#[test]
fn a_1_1_client_sends_no_update_for_a_written_binding() {
    let mut w = registered("U", Some(Version::V1_1));
    for (t, binding) in [(2, "UQ"), (3, "UT"), (4, "U")] {
        write_binding(&mut w, t, binding);
        assert!(updates(&w).is_empty(), "{binding}: {:?}", w.events);
        assert!(
            !w.events.contains(&"client BindingUnsupported".to_string()),
            "{binding}: {:?}",
            w.events
        );
    }
    assert_eq!(w.client.awake_until(), None);
    w.client.handle_timeout(at(40), &w.pump).unwrap();
    w.pump(at(40));
    assert_eq!(updates(&w), ["updated"]);
    assert!(w.client.is_registered());
}

/// A 1.0 client in queue mode (93 s awake), registered with `U` (so `UQ`), whose server
/// writes `UT`, which 1.0 does not know (Core 1.0 §5.3.1.1 lists `U`, `UQ`, `S`, `SQ`, `US`,
/// `UQS`): reported, not taken, and the client goes on (its own Update is sent when due, and
/// its next Register announces `UQ`).
#[test]
fn a_1_0_client_in_queue_mode_refuses_a_binding_1_0_does_not_know() {
    for bad in ["UT", "UN", "UQT", "UQM"] {
        let mut w = World::new();
        w.client = Client::new(
            SERVER,
            Settings {
                lifetime: 60,
                version: None,
                queue: Some(core::time::Duration::from_secs(93)),
                ..Settings::new("pump-1")
            },
            9,
        );
        w.pump.extra = vec![Record::new(
            Path::resource(1, 0, 7),
            Value::Str(Text::Plain("U")),
        )];
        let query = register_query(&mut w, 0);
        assert_eq!(binding_of(&query), Some("UQ"), "{query:?}");
        assert!(w.client.is_registered());
        w.events.clear();
        write_binding(&mut w, 2, bad);
        assert!(updates(&w).is_empty(), "{bad}: {:?}", w.events);
        assert!(
            w.events.contains(&"client BindingUnsupported".to_string()),
            "{bad}: {:?}",
            w.events
        );
        assert!(w.client.poll_timeout(at(2)).unwrap() > at(2), "{bad}");
        w.client.handle_timeout(at(40), &w.pump).unwrap();
        w.pump(at(40));
        assert_eq!(updates(&w), ["updated"], "{bad}");
        assert!(w.client.awake_until().is_some());
        w.client.deregister(at(41)).unwrap();
        w.pump(at(41));
        let query = register_query(&mut w, 42);
        assert_eq!(binding_of(&query), Some("UQ"), "{bad}: {query:?}");
        assert!(w.client.is_registered(), "{bad}");
    }
}

/// Register at `now`: its query (`ep=…`, `b=…`, …), the Register then going to the server.
fn register_query(w: &mut World, now: u64) -> Vec<String> {
    use m2m_coap::{Message, OptionNumber};
    w.client.register(at(now), &w.pump).unwrap();
    let mut buf = [0u8; 1152];
    let (_, n) = w.client.poll_transmit(at(now), &mut buf).unwrap();
    let query = Message::parse_udp(&buf[..n])
        .unwrap()
        .strs(OptionNumber::URI_QUERY)
        .map(String::from)
        .collect();
    if let Some(e) = w.server.handle(at(now), CLIENT, &buf[..n]).unwrap() {
        w.record(e);
    }
    w.pump(at(now));
    query
}

fn binding_of(query: &[String]) -> Option<&str> {
    query.iter().find_map(|q| q.strip_prefix("b="))
}

/// A 1.0 client De-registered, whose server writes `UQ` (as a bootstrap server would while it
/// is not registered): no Update goes, and the next Register carries `b=UQ`, in queue mode.
#[test]
fn a_binding_written_while_not_registered_goes_in_the_next_register() {
    let mut w = registered("U", None);
    w.client.deregister(at(1)).unwrap();
    w.pump(at(1));
    assert!(!w.client.is_registered());
    w.events.clear();
    let write = ClientRequest::Write {
        path: Path::resource(1, 0, 7),
        replace: true,
        format: ContentFormat::TEXT_PLAIN,
        payload: b"UQ",
    };
    assert_eq!(w.ask_peer(at(2), write).0, Code::CHANGED);
    w.client.handle_timeout(at(2), &w.pump).unwrap();
    w.pump(at(2));
    assert!(updates(&w).is_empty(), "{:?}", w.events);
    let query = register_query(&mut w, 3);
    assert_eq!(binding_of(&query), Some("UQ"), "{query:?}");
    assert!(w.client.is_registered());
    assert!(w.server.find("pump-1").unwrap().queue);
    assert!(w.client.awake_until().is_some());
}

/// Register announces the Binding the Server instance holds (Core 1.1 §6.2.1), read before
/// it is built: one the client can use goes as `b` (its `Q` setting queue mode), one it
/// cannot is reported and the client's own goes.
#[test]
fn register_announces_the_binding_of_the_server_instance() {
    for (tree, announced, unsupported) in [
        ("UQ", "UQ", false),
        ("QU", "UQ", false),
        ("SU", "US", false),
        ("SQU", "UQS", false),
        ("UT", "U", true),
        ("UQT", "U", true),
        ("T", "U", true),
        ("UU", "U", true),
    ] {
        let mut w = World::new();
        w.client = Client::new(
            SERVER,
            Settings {
                version: None,
                ..Settings::new("pump-1")
            },
            9,
        );
        w.pump.extra = vec![Record::new(
            Path::resource(1, 0, 7),
            Value::Str(Text::Plain(tree)),
        )];
        let query = register_query(&mut w, 0);
        assert_eq!(binding_of(&query), Some(announced), "{tree}: {query:?}");
        assert!(w.client.is_registered(), "{tree}");
        assert_eq!(
            w.events.contains(&"client BindingUnsupported".to_string()),
            unsupported,
            "{tree}: {:?}",
            w.events
        );
        assert_eq!(
            w.server.find("pump-1").unwrap().queue,
            announced.contains('Q'),
            "{tree}"
        );
    }
}

/// A registered client whose Server instance had no Binding, and then has one (the
/// application set it): read at the server's next request to the Server object, it goes in
/// an Update only when it differs from the binding announced.
#[test]
fn a_binding_that_appears_goes_in_an_update_only_when_it_differs() {
    for (binding, update) in [("U", None), ("UQ", Some("updated b=UQ"))] {
        let mut w = World::new();
        w.client = Client::new(
            SERVER,
            Settings {
                version: None,
                ..Settings::new("pump-1")
            },
            9,
        );
        w.client.register(at(0), &w.pump).unwrap();
        w.pump(at(0));
        w.events.clear();
        w.pump.extra = vec![Record::new(
            Path::resource(1, 0, 7),
            Value::Str(Text::Plain(binding)),
        )];
        let read = ClientRequest::Read {
            path: Path::resource(1, 0, 1),
            accept: None,
        };
        w.ask(at(2), read);
        w.client.handle_timeout(at(2), &w.pump).unwrap();
        w.pump(at(2));
        assert_eq!(updates(&w), Vec::from_iter(update), "{binding}");
    }
}

/// A 1.0 client never announces a binding 1.0 does not know (Core 1.0 §5.3.1.1): a `UT` or
/// `UN` its server writes is reported and not sent, and one of 1.0's written in another order
/// (`QU`, `SU`) goes in 1.0's order.
#[test]
fn a_1_0_client_announces_only_bindings_1_0_knows() {
    let mut w = registered("U", None);
    for (t, bad) in [(2, "UT"), (3, "UN"), (4, "UTS")] {
        write_binding(&mut w, t, bad);
        assert!(updates(&w).is_empty(), "{bad}: {:?}", w.events);
        assert!(
            w.events.contains(&"client BindingUnsupported".to_string()),
            "{bad}: {:?}",
            w.events
        );
        w.events.clear();
    }
    write_binding(&mut w, 5, "SU");
    assert_eq!(updates(&w), ["updated b=US"]);
    w.events.clear();
    write_binding(&mut w, 6, "QU");
    assert_eq!(updates(&w), ["updated b=UQ"]);
    assert!(w.server.find("pump-1").unwrap().queue);
    assert!(w.client.awake_until().is_some());
}
