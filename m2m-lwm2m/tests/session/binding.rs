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

/// A 1.1 client: a binding without `U` (another transport only), or no binding at all, is one
/// the client cannot use: it says so, sends no Update, and keeps its own.
#[test]
fn a_binding_the_client_cannot_use_is_reported_and_not_sent() {
    for bad in ["T", "S", "UX", "UU"] {
        let mut w = registered("U", Some(Version::V1_1));
        write_binding(&mut w, 2, bad);
        assert!(updates(&w).is_empty(), "{bad}: {:?}", w.events);
        assert!(
            w.events.contains(&"client BindingUnsupported".to_string()),
            "{bad}: {:?}",
            w.events
        );
        assert_eq!(w.client.awake_until(), None, "{bad}");
        // One it can use afterwards is taken.
        w.events.clear();
        write_binding(&mut w, 3, "UT");
        assert_eq!(updates(&w), ["updated b=UT"], "{bad}");
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
        ("UT", "UT", false),
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
            tree.contains('Q'),
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
