//! The fallback to Bootstrap when Register fails (Core 1.1 §6.1, Bootstrap Sequence step 4):
//! the Client Hold Off Time, rejections and retries, the Bootstrap-Server Account Timeout, the
//! back-off of fallbacks one after another, and fallbacks that come again.

use crate::world::*;
use m2m_lwm2m::client::ClientEvent;

/// A client whose Register is refused with 4.03 at `now`: the events it gives then.
fn refuse_register(w: &mut World, now: u64) -> Vec<ClientEvent> {
    answer_register(w, now, Code::FORBIDDEN)
}

/// A client whose Register is answered `code` at `now`: the events it gives then.
fn answer_register(w: &mut World, now: u64, code: Code) -> Vec<ClientEvent> {
    answer_with(w, now, code, None)
}

/// A client whose Register is answered `code` with Max-Age `max_age` at `now`: its events.
fn answer_register_max_age(w: &mut World, now: u64, code: Code, max_age: u32) -> Vec<ClientEvent> {
    answer_with(w, now, code, Some(max_age))
}

/// Every request the client sends at `now` answered `code` (with Max-Age `max_age` when
/// given): the events it gives then.
fn answer_with(w: &mut World, now: u64, code: Code, max_age: Option<u32>) -> Vec<ClientEvent> {
    use m2m_coap::{Builder, Message, OptionNumber, Type};
    let mut buf = [0u8; 1152];
    while let Some((_, n)) = w.client.poll_transmit(at(now), &mut buf) {
        let m = Message::parse_udp(&buf[..n]).unwrap();
        let mut b = Builder::<1>::udp(Type::Acknowledgement, code, m.message_id().unwrap());
        b.token(m.token());
        if let Some(age) = max_age {
            b.uint(OptionNumber::MAX_AGE, age).unwrap();
        }
        let mut out = [0u8; 64];
        let k = b.encode(&mut out).unwrap();
        w.client
            .handle(at(now), SERVER, &out[..k], &mut w.pump)
            .unwrap();
    }
    events_of(w)
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
        Code::REQUEST_ENTITY_TOO_LARGE,
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

/// 4.29 Too Many Requests (RFC 8516), and 4.08 of a transfer in blocks, are no rejection: the
/// same Register may pass later. With a bootstrap account and /1/x/16 absent (a rejection
/// would bootstrap at once) they go through the retries; a 4.29 waits its Max-Age when that
/// is longer than the retry's wait (60 s), the retry's wait otherwise, and a day at most.
#[test]
fn too_many_requests_is_retried_after_its_max_age_not_a_rejection() {
    use ClientEvent::RegistrationFailed;
    let hold_off = Record::new(Path::resource(0, 0, 11), Value::Int(30));
    for (code, max_age, retry) in [
        (Code::TOO_MANY_REQUESTS, 300, 310),
        (Code::TOO_MANY_REQUESTS, 20, 70),
        (Code::TOO_MANY_REQUESTS, u32::MAX, 86_410),
        (Code::REQUEST_ENTITY_INCOMPLETE, 60, 70),
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

/// A 4.29 to an Update (RFC 8516 §4): the registration stands, and the same Update goes again
/// once the Max-Age (a day at most) has passed, no request before; a registration still alive
/// then takes it, one that ran out meanwhile gets the server's 4.04 and a Register.
#[test]
fn too_many_requests_to_an_update_waits_its_max_age() {
    for (max_age, again) in [(30u32, 32u64), (u32::MAX, 86_402)] {
        let mut w = World::new();
        w.client.register(at(0), &w.pump).unwrap();
        w.pump(at(0));
        assert!(w.client.is_registered());
        w.events.clear();
        w.client.update(at(2)).unwrap();
        assert_eq!(
            answer_register_max_age(&mut w, 2, Code::TOO_MANY_REQUESTS, max_age),
            []
        );
        assert!(w.client.is_registered(), "{max_age}");
        assert_eq!(w.client.poll_timeout(at(2)), Some(at(again)), "{max_age}");
        let mut buf = [0u8; 1152];
        w.client.handle_timeout(at(again - 1), &w.pump).unwrap();
        assert_eq!(w.client.poll_transmit(at(again - 1), &mut buf), None);
        w.server.handle_timeout(at(again));
        w.client.handle_timeout(at(again), &w.pump).unwrap();
        w.pump(at(again));
        w.client.handle_timeout(at(again), &w.pump).unwrap();
        w.pump(at(again));
        assert!(w.client.is_registered(), "{max_age}: {:?}", w.events);
        let seen: Vec<&str> = w
            .events
            .iter()
            .filter(|e| e.starts_with("updated") || e.starts_with("registered"))
            .map(|e| e.split_whitespace().next().unwrap())
            .collect();
        let expected: &[&str] = if max_age == 30 {
            &["updated"]
        } else {
            &["registered"]
        };
        assert_eq!(seen, expected, "{max_age}: {:?}", w.events);
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

/// A purge the tree refused comes again after `PURGE_RETRY` seconds when the application (or
/// a std runner) says so, and again after each refusal; a Bootstrap that finishes meanwhile
/// counts the account's timeout anew.
#[test]
fn a_refused_purge_is_asked_for_again() {
    use m2m_lwm2m::client::PURGE_RETRY;
    let timeout = |s| Record::new(Path::resource(0, 0, 12), Value::Int(s));
    let mut w = World::new();
    w.server = Server::bootstrap(7);
    w.pump.extra = vec![timeout(100)];
    w.client.bootstrap(at(0), None).unwrap();
    w.pump(at(0));
    w.server
        .send_to(at(5), CLIENT, &ClientRequest::BootstrapFinish)
        .unwrap();
    w.pump(at(5));
    w.client.set_server(2);
    w.client.handle_timeout(at(105), &w.pump).unwrap();
    assert_eq!(
        events_of(&mut w),
        [ClientEvent::BootstrapAccountExpired { security: 0 }]
    );
    // Refused: asked for again after the retry, not before; a second call while one is due
    // changes nothing.
    assert!(w.client.purge_later(at(110), 0));
    assert!(!w.client.purge_later(at(111), 0));
    let again = 110 + PURGE_RETRY;
    assert_eq!(w.client.poll_timeout(at(110)), Some(at(again)));
    w.client.handle_timeout(at(again - 1), &w.pump).unwrap();
    assert_eq!(events_of(&mut w), []);
    w.client.handle_timeout(at(again), &w.pump).unwrap();
    assert_eq!(
        events_of(&mut w),
        [ClientEvent::BootstrapAccountExpired { security: 0 }]
    );
    // Without a call, nothing more.
    w.client
        .handle_timeout(at(again + 10 * PURGE_RETRY), &w.pump)
        .unwrap();
    assert_eq!(events_of(&mut w), []);
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
