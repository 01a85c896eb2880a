//! The LwM2M Server accounts in the client's tree (Core 1.1 Appendix E.1, the Security
//! object, and E.2, the Server object): where the client registers once a Bootstrap has
//! written them.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::ObjectTree;
use super::Retry;
use super::bootstrap::{instances, security_kind, short_id, value_of};
use crate::attributes::Attributes;
use crate::path::Path;
use crate::value::Value;

/// One LwM2M Server account: a server's Security instance (Bootstrap-Server false) and the
/// Server instance of the same Short Server ID, with what the client registers by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ServerAccount<'t> {
    /// The Short Server ID (`/0/i/10`, `/1/j/0`).
    pub ssid: u16,
    /// The Security instance `i`.
    pub security: u16,
    /// The Server instance `j`.
    pub server: u16,
    /// The LwM2M Server URI (`/0/i/0`), as the tree holds it (`coap://host:port`).
    pub uri: &'t str,
    /// The Lifetime (`/1/j/1`) in seconds, when the tree has one that fits.
    pub lifetime: Option<u32>,
    /// The Binding (`/1/j/7`), when the tree has one.
    pub binding: Option<&'t str>,
    /// How Register is tried again, as far as the account says (Core 1.1 Appendix E.2, the
    /// Communication Retry resources `/1/j/17` to `/1/j/20`): [`RetryResources::over`] puts
    /// them over the client's own.
    pub retry: RetryResources,
}

/// The Communication Retry resources of a Server instance (`/1/j/17` Retry Count, `/1/j/18`
/// Retry Timer, `/1/j/19` Sequence Delay Timer, `/1/j/20` Sequence Retry Count), each when
/// the tree has it (a value past `u32` is `u32::MAX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryResources {
    /// `/1/j/17`.
    pub count: Option<u32>,
    /// `/1/j/18`, seconds.
    pub timer: Option<u32>,
    /// `/1/j/19`, seconds.
    pub sequence_delay: Option<u32>,
    /// `/1/j/20`.
    pub sequences: Option<u32>,
}

impl RetryResources {
    /// `base` (the client's retry, [`Settings::retry`](super::Settings)) with what the
    /// account sets in its place; what it lacks stays as `base` has it.
    #[must_use]
    pub fn over(&self, base: Retry) -> Retry {
        Retry {
            count: self.count.unwrap_or(base.count),
            timer: self.timer.unwrap_or(base.timer),
            sequence_delay: self.sequence_delay.unwrap_or(base.sequence_delay),
            sequences: self.sequences.unwrap_or(base.sequences),
        }
    }
}

/// The text of a String resource, when it is plain text.
fn text_of<'t, T: ObjectTree + ?Sized>(tree: &'t T, path: &Path<'_>) -> Option<&'t str> {
    match value_of(tree, path)? {
        Value::Str(t) => t.as_str(),
        _ => None,
    }
}

/// Gives `f` each LwM2M Server account in `tree`, in the order the tree lists the Security
/// instances: those with a Short Server ID, a URI, and exactly one Server instance of that
/// Short Server ID (what Bootstrap-Finish checks, `check_accounts`). The Bootstrap-Server
/// account is not one of them.
pub fn server_accounts<'t, T: ObjectTree + ?Sized>(
    tree: &'t T,
    f: &mut dyn FnMut(ServerAccount<'t>),
) {
    instances(tree, 0, &mut |i| {
        let Some(Some(ssid)) = security_kind(tree, i) else {
            return;
        };
        let Some(uri) = text_of(tree, &Path::resource(0, i, 0)) else {
            return;
        };
        let mut server = None;
        let mut pairs = 0u32;
        instances(tree, 1, &mut |j| {
            if short_id(tree, &Path::resource(1, j, 0)) == Some(ssid) {
                server = Some(j);
                pairs = pairs.saturating_add(1);
            }
        });
        let (Some(j), 1) = (server, pairs) else {
            return;
        };
        let lifetime = u32_of(tree, &Path::resource(1, j, 1));
        // Unsigned Integers of 64 bits: one past `u32` is as long as the client counts.
        let resource = |r: u16| clamped_u32(tree, &Path::resource(1, j, r));
        let retry = RetryResources {
            count: resource(17),
            timer: resource(18),
            sequence_delay: resource(19),
            sequences: resource(20),
        };
        f(ServerAccount {
            ssid,
            security: i,
            server: j,
            uri,
            lifetime,
            binding: text_of(tree, &Path::resource(1, j, 7)),
            retry,
        });
    });
}

/// The first LwM2M Server account in `tree` ([`server_accounts`]), or the one of Short Server
/// ID `ssid`.
#[must_use]
pub fn server_account<T: ObjectTree + ?Sized>(
    tree: &T,
    ssid: Option<u16>,
) -> Option<ServerAccount<'_>> {
    let mut found = None;
    server_accounts(tree, &mut |a| {
        if found.is_none() && ssid.is_none_or(|s| s == a.ssid) {
            found = Some(a);
        }
    });
    found
}

/// The LwM2M Bootstrap-Server account in the client's tree (Core 1.1 Appendix E.1: the
/// Security instance whose Bootstrap-Server resource `/0/i/1` is true), with the resources the
/// client bootstraps and purges it by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BootstrapAccount<'t> {
    /// The Security instance `i`.
    pub security: u16,
    /// The Bootstrap-Server URI (`/0/i/0`), when the tree has one as plain text.
    pub uri: Option<&'t str>,
    /// The Client Hold Off Time (`/0/i/11`), seconds: how long the client waits before a
    /// Client Initiated Bootstrap once it decided to bootstrap; `None` when the tree has none
    /// (or a negative one). A value past `u32` is `u32::MAX`.
    pub hold_off: Option<u32>,
    /// The Bootstrap-Server Account Timeout (`/0/i/12`), seconds: the client purges the account
    /// this long after a successful Bootstrap; `None` when the tree has none, or 0 (the
    /// account lasts forever) or a negative one. A value past `u32` is `u32::MAX`.
    pub timeout: Option<u32>,
}

/// The Bootstrap-Server account in `tree` ([`BootstrapAccount`], Core 1.1 Appendix E.1): the
/// first Security instance (without a gateway prefix) that says it is one, or `None`.
#[must_use]
pub fn bootstrap_account<T: ObjectTree + ?Sized>(tree: &T) -> Option<BootstrapAccount<'_>> {
    let mut found = None;
    instances(tree, 0, &mut |i| {
        if found.is_none() && security_kind(tree, i) == Some(None) {
            found = Some(i);
        }
    });
    let i = found?;
    let seconds = |r| clamped_u32(tree, &Path::resource(0, i, r));
    Some(BootstrapAccount {
        security: i,
        uri: text_of(tree, &Path::resource(0, i, 0)),
        hold_off: seconds(11),
        timeout: seconds(12).filter(|&s| s > 0),
    })
}

/// Whether the client bootstraps once Register with the server of Short Server ID `ssid` (or
/// the only Server instance, `None`) has failed for good: the Server object's Bootstrap on
/// Registration Failure (`/1/j/16`, Core 1.1 Appendix E.2). `false` only when the tree says
/// `false`. The registry gives the resource no default; an absent one (or no Server instance)
/// is taken as `true`, by the Bootstrap Sequence (Core 1.1 §6.1, its step 4: a client that
/// fails to register with its servers performs the Client Initiated Bootstrap).
#[must_use]
pub fn bootstrap_on_registration_failure<T: ObjectTree + ?Sized>(
    tree: &T,
    ssid: Option<u16>,
) -> bool {
    server_instance(tree, ssid).is_none_or(|j| {
        !matches!(
            value_of(tree, &Path::resource(1, j, 16)),
            Some(Value::Bool(false))
        )
    })
}

/// An Integer or Unsigned Integer resource that is not negative, as `u32` (past `u32`,
/// `u32::MAX`).
fn clamped_u32<T: ObjectTree + ?Sized>(tree: &T, path: &Path<'_>) -> Option<u32> {
    match value_of(tree, path)? {
        Value::Int(v) if v >= 0 => Some(u32::try_from(v).unwrap_or(u32::MAX)),
        Value::Uint(v) => Some(u32::try_from(v).unwrap_or(u32::MAX)),
        _ => None,
    }
}

/// The notification defaults of a server (Core 1.1 §5.1.2: the Server object's Default Minimum
/// Period `/1/j/2`, Default Maximum Period `/1/j/3`, and from 1.2 its Default Notification
/// Mode `/1/j/26`, 0 non-confirmable and 1 confirmable), as attributes under every level's:
/// those of the Server instance of Short Server ID `ssid`, or of the only Server instance
/// when `ssid` is `None`. Values out of range are left out.
#[must_use]
pub fn server_defaults<T: ObjectTree + ?Sized>(tree: &T, ssid: Option<u16>) -> Attributes {
    let Some(j) = server_instance(tree, ssid) else {
        return Attributes::NONE;
    };
    let period = |r| u32_of(tree, &Path::resource(1, j, r));
    let con = match value_of(tree, &Path::resource(1, j, 26)) {
        Some(Value::Int(0) | Value::Uint(0)) => Some(false),
        Some(Value::Int(1) | Value::Uint(1)) => Some(true),
        _ => None,
    };
    Attributes {
        pmin: period(2),
        pmax: period(3),
        con,
        ..Attributes::NONE
    }
}

/// The registration lifetime a server's account holds (the Server object's Lifetime
/// `/1/j/1`, seconds), of the instance [`server_defaults`] reads; `None` when there is none
/// or it is out of range.
#[must_use]
pub fn server_lifetime<T: ObjectTree + ?Sized>(tree: &T, ssid: Option<u16>) -> Option<u32> {
    let j = server_instance(tree, ssid)?;
    u32_of(tree, &Path::resource(1, j, 1))
}

/// The Binding (`/1/j/7`, Core 1.1 Appendix E.2) of the server's instance (the one
/// [`server_defaults`] reads), when the tree holds it as plain text.
pub(super) fn server_binding<T: ObjectTree + ?Sized>(tree: &T, ssid: Option<u16>) -> Option<&str> {
    let j = server_instance(tree, ssid)?;
    text_of(tree, &Path::resource(1, j, 7))
}

/// Whether the server's account mutes Send (the Server object's Mute Send `/1/j/23`, 1.1):
/// only when the tree says `true`. The registry also takes an absent resource for muted; a
/// tree that does not model it is taken to have an application that means its Sends.
#[must_use]
pub(super) fn server_mute_send<T: ObjectTree + ?Sized>(tree: &T, ssid: Option<u16>) -> bool {
    server_instance(tree, ssid).is_some_and(|j| {
        matches!(
            value_of(tree, &Path::resource(1, j, 23)),
            Some(Value::Bool(true))
        )
    })
}

/// The Disable Timeout of the Server instance of `path` (`/1/j/5`, seconds), 86 400 when the
/// tree has none.
pub(super) fn disable_timeout<T: ObjectTree + ?Sized>(tree: &T, path: &Path<'_>) -> u32 {
    path.instance_id()
        .and_then(|j| u32_of(tree, &Path::resource(1, j, 5)))
        .unwrap_or(86_400)
}

/// The Server instance of Short Server ID `ssid`, or the only one when `ssid` is `None`.
pub(super) fn server_instance<T: ObjectTree + ?Sized>(tree: &T, ssid: Option<u16>) -> Option<u16> {
    let mut found = None;
    let mut count = 0u32;
    instances(tree, 1, &mut |j| {
        count = count.saturating_add(1);
        let own = ssid.is_none_or(|s| short_id(tree, &Path::resource(1, j, 0)) == Some(s));
        if own && found.is_none() {
            found = Some(j);
        }
    });
    found.filter(|_| ssid.is_some() || count == 1)
}

/// An integer resource that fits in `u32`.
fn u32_of<T: ObjectTree + ?Sized>(tree: &T, path: &Path<'_>) -> Option<u32> {
    match value_of(tree, path) {
        Some(Value::Int(v)) => u32::try_from(v).ok(),
        Some(Value::Uint(v)) => u32::try_from(v).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::RecordBuf;
    use crate::link::ObjectLink;
    use crate::value::{Record, Text};
    use m2m_coap::Code;
    use std::vec::Vec;

    /// A tree of the records given, listing their instances in order.
    struct Tree(Vec<Record<'static>>);

    impl ObjectTree for Tree {
        fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
            let mut seen = Vec::new();
            for r in &self.0 {
                let (Some(o), Some(i)) = (r.path.object_id(), r.path.instance_id()) else {
                    continue;
                };
                if !seen.contains(&(o, i)) {
                    seen.push((o, i));
                    f(ObjectLink::path(Path::instance(o, i)));
                }
            }
        }
        fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
            let mut any = false;
            for r in self.0.iter().filter(|r| path.contains(&r.path)) {
                out.push(*r)?;
                any = true;
            }
            if any { Ok(()) } else { Err(Code::NOT_FOUND) }
        }
    }

    fn security(i: u16, bootstrap: bool, ssid: i64, uri: &'static str) -> [Record<'static>; 3] {
        [
            Record::new(Path::resource(0, i, 0), Value::Str(Text::Plain(uri))),
            Record::new(Path::resource(0, i, 1), Value::Bool(bootstrap)),
            Record::new(Path::resource(0, i, 10), Value::Int(ssid)),
        ]
    }

    fn server(j: u16, ssid: i64, lifetime: Value<'static>) -> [Record<'static>; 3] {
        [
            Record::new(Path::resource(1, j, 0), Value::Int(ssid)),
            Record::new(Path::resource(1, j, 1), lifetime),
            Record::new(Path::resource(1, j, 7), Value::Str(Text::Plain("UQ"))),
        ]
    }

    fn all(tree: &Tree) -> Vec<ServerAccount<'_>> {
        let mut v = Vec::new();
        server_accounts(tree, &mut |a| v.push(a));
        v
    }

    #[test]
    fn accounts_pair_security_and_server_instances_by_short_server_id() {
        let mut records = Vec::new();
        // The bootstrap account, a server's account of ssid 7 (its Server instance /1/3), one
        // of ssid 5 (/1/0, a lifetime past u32), and a Security instance of ssid 9 without a
        // Server instance.
        records.extend(security(0, true, 0, "coap://bs"));
        records.extend(security(2, false, 7, "coap://seven:5690"));
        records.extend(security(4, false, 5, "coap://[::1]"));
        records.extend(security(6, false, 9, "coap://nine"));
        records.extend(server(0, 5, Value::Uint(1 << 40)));
        records.extend(server(3, 7, Value::Int(120)));
        // The account of ssid 7 tries Register again three times 10 s apart, in two sequences
        // an hour apart; ssid 5's says two of them (one past u32: as long as the client counts).
        for (r, v) in [(17, 3), (18, 10), (19, 3600), (20, 2)] {
            records.push(Record::new(Path::resource(1, 3, r), Value::Int(v)));
        }
        records.push(Record::new(Path::resource(1, 0, 20), Value::Int(4)));
        records.push(Record::new(Path::resource(1, 0, 19), Value::Uint(1 << 40)));
        let tree = Tree(records);
        let seven = ServerAccount {
            ssid: 7,
            security: 2,
            server: 3,
            uri: "coap://seven:5690",
            lifetime: Some(120),
            binding: Some("UQ"),
            retry: RetryResources {
                count: Some(3),
                timer: Some(10),
                sequence_delay: Some(3600),
                sequences: Some(2),
            },
        };
        let five = ServerAccount {
            ssid: 5,
            security: 4,
            server: 0,
            uri: "coap://[::1]",
            lifetime: None,
            binding: Some("UQ"),
            retry: RetryResources {
                sequences: Some(4),
                sequence_delay: Some(u32::MAX),
                ..RetryResources::default()
            },
        };
        assert_eq!(all(&tree), [seven, five]);
        // Over the client's own retry, what the account does not say stays the client's.
        let never = Retry {
            count: 2,
            timer: 30,
            sequence_delay: 300,
            sequences: u32::MAX,
        };
        assert_eq!(
            five.retry.over(never),
            Retry {
                sequences: 4,
                sequence_delay: u32::MAX,
                ..never
            }
        );
        assert_eq!(seven.retry.over(never).timer, 10);
        // A timer or delay of 0 waits a second, not none.
        let zero = Retry {
            count: 2,
            timer: 0,
            sequence_delay: 0,
            sequences: 3,
        };
        assert_eq!((zero.wait(1), zero.wait(2)), (Some(1), Some(1)));
        assert_eq!(server_account(&tree, None), Some(seven));
        assert_eq!(server_account(&tree, Some(5)), Some(five));
        assert_eq!(server_account(&tree, Some(9)), None);
        assert_eq!(server_account(&tree, Some(0)), None);
    }

    #[test]
    fn an_account_needs_a_uri_and_exactly_one_server_instance() {
        let mut records = Vec::new();
        records.extend(security(1, false, 7, "coap://a"));
        records.extend(server(1, 7, Value::Int(60)));
        records.extend(server(2, 7, Value::Int(60)));
        let tree = Tree(records);
        assert_eq!(all(&tree), []);
        let mut records = Vec::new();
        records.extend(security(1, false, 7, "coap://a"));
        records.retain(|r| r.path != Path::resource(0, 1, 0));
        records.extend(server(1, 7, Value::Int(60)));
        assert_eq!(all(&Tree(records)), []);
    }

    #[test]
    fn the_bootstrap_account_and_its_timers() {
        // No bootstrap account: none (a server's account is not one).
        let mut records = Vec::new();
        records.extend(security(2, false, 7, "coap://seven"));
        assert_eq!(bootstrap_account(&Tree(records.clone())), None);
        // The bootstrap account /0/4: its URI and both timers.
        records.extend(security(4, true, 0, "coap://bs:5693"));
        let with = |hold_off: Value<'static>, timeout: Value<'static>| {
            let mut r = records.clone();
            r.push(Record::new(Path::resource(0, 4, 11), hold_off));
            r.push(Record::new(Path::resource(0, 4, 12), timeout));
            Tree(r)
        };
        let tree = with(Value::Int(30), Value::Uint(3600));
        assert_eq!(
            bootstrap_account(&tree),
            Some(BootstrapAccount {
                security: 4,
                uri: Some("coap://bs:5693"),
                hold_off: Some(30),
                timeout: Some(3600),
            })
        );
        // A timeout of 0 is none (the account lasts); a negative value is none; one past
        // u32 is u32::MAX; a value of another type is none.
        let tree = with(Value::Int(-1), Value::Int(0));
        let bs = bootstrap_account(&tree).unwrap();
        assert_eq!((bs.hold_off, bs.timeout), (None, None));
        let tree = with(Value::Uint(1 << 40), Value::Int(1 << 40));
        let bs = bootstrap_account(&tree).unwrap();
        assert_eq!((bs.hold_off, bs.timeout), (Some(u32::MAX), Some(u32::MAX)));
        let tree = with(Value::Bool(true), Value::Str(Text::Plain("60")));
        let bs = bootstrap_account(&tree).unwrap();
        assert_eq!((bs.hold_off, bs.timeout), (None, None));
        // Neither resource: none.
        let tree = Tree(records);
        let bs = bootstrap_account(&tree).unwrap();
        assert_eq!((bs.hold_off, bs.timeout), (None, None));
    }

    #[test]
    fn bootstrap_on_registration_failure_is_false_only_when_the_server_says_so() {
        let mut records = Vec::new();
        records.extend(server(0, 5, Value::Int(60)));
        records.extend(server(3, 7, Value::Int(60)));
        records.push(Record::new(Path::resource(1, 0, 16), Value::Bool(false)));
        records.push(Record::new(Path::resource(1, 3, 16), Value::Bool(true)));
        let tree = Tree(records.clone());
        assert!(!bootstrap_on_registration_failure(&tree, Some(5)));
        assert!(bootstrap_on_registration_failure(&tree, Some(7)));
        // No Server instance of that id, or two and no id: the resource is absent, true.
        assert!(bootstrap_on_registration_failure(&tree, Some(9)));
        assert!(bootstrap_on_registration_failure(&tree, None));
        // The only Server instance, saying false; then without the resource.
        records.retain(|r| r.path.instance_id() == Some(0));
        assert!(!bootstrap_on_registration_failure(
            &Tree(records.clone()),
            None
        ));
        records.retain(|r| r.path.resource_id() != Some(16));
        assert!(bootstrap_on_registration_failure(&Tree(records), None));
    }

    #[test]
    fn defaults_come_from_the_servers_own_instance() {
        // Server instances /1/0 (ssid 5: pmin 2, pmax 60, confirmable) and /1/3 (ssid 7: a
        // pmax past u32, the mode 2 that does not exist).
        let mut records = Vec::new();
        records.extend(server(0, 5, Value::Int(60)));
        records.extend(server(3, 7, Value::Int(60)));
        records.push(Record::new(Path::resource(1, 0, 2), Value::Int(2)));
        records.push(Record::new(Path::resource(1, 0, 3), Value::Uint(60)));
        records.push(Record::new(Path::resource(1, 0, 26), Value::Int(1)));
        records.push(Record::new(Path::resource(1, 3, 3), Value::Int(1 << 40)));
        records.push(Record::new(Path::resource(1, 3, 26), Value::Int(2)));
        let tree = Tree(records);
        let five = Attributes {
            pmin: Some(2),
            pmax: Some(60),
            con: Some(true),
            ..Attributes::NONE
        };
        assert_eq!(server_defaults(&tree, Some(5)), five);
        assert_eq!(server_defaults(&tree, Some(7)), Attributes::NONE);
        assert_eq!(server_defaults(&tree, Some(9)), Attributes::NONE);
        // Two Server instances and no ssid: neither is taken.
        assert_eq!(server_defaults(&tree, None), Attributes::NONE);
        // One: it is.
        let mut one = Tree(tree.0.clone());
        one.0.retain(|r| r.path.instance_id() == Some(0));
        assert_eq!(server_defaults(&one, None), five);
        // Mode 0 is non-confirmable.
        one.0.retain(|r| r.path.resource_id() != Some(26));
        one.0
            .push(Record::new(Path::resource(1, 0, 26), Value::Int(0)));
        assert_eq!(server_defaults(&one, None).con, Some(false));
    }
}
