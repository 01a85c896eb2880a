//! The client's rules of the Bootstrap Interface (OMA-TS-LightweightM2M_Core 1.1 §5.2.7 and
//! §6.1): what a Bootstrap-Delete spares, and whether the accounts the bootstrap server left
//! are usable when it sends Bootstrap-Finish.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::{Code, ContentFormat};

use super::answer::{Answer, LinkOut, prefixed};
use super::{ObjectTree, RecordBuf};
use crate::link::{self, ObjectLink};
use crate::path::Path;
use crate::sink::Sink;
use crate::value::Value;

/// Most instances a Bootstrap-Delete keeps track of as refused by the tree.
const KEPT_MAX: usize = 64;

/// Most deletions one Bootstrap-Delete asks of the tree (more: 5.00), so that a tree that
/// still lists what it deleted cannot keep it going.
const DELETES_MAX: usize = 4096;

/// The Security instance `(0, i)` of the Bootstrap-Server account (resource 1 reads true)
/// under `prefix`, and the OSCORE instance its resource 17 links to: the account a
/// Bootstrap-Delete spares.
fn bootstrap_account<T: ObjectTree + ?Sized>(
    tree: &T,
    prefix: Option<&str>,
) -> [Option<(u16, u16)>; 2] {
    let mut security = None;
    tree.objects(&mut |link| {
        let link::Target::Path(p) = link.target else {
            return;
        };
        let (Some(0), Some(i), 2) = (p.object_id(), p.instance_id(), p.depth()) else {
            return;
        };
        if security.is_some() || p.prefix() != prefix {
            return;
        }
        let mut buf = RecordBuf::<'_, 32>::new();
        let flag = prefixed(Path::resource(0, i, 1), prefix);
        if flag.is_some_and(|f| tree.read(&f, &mut buf).is_ok())
            && buf
                .as_slice()
                .iter()
                .any(|r| r.value == Some(Value::Bool(true)))
        {
            security = Some(i);
        }
    });
    let Some(i) = security else {
        return [None, None];
    };
    let mut buf = RecordBuf::<'_, 32>::new();
    let oscore = prefixed(Path::resource(0, i, 17), prefix)
        .filter(|p| tree.read(p, &mut buf).is_ok())
        .and_then(|_| {
            buf.as_slice().iter().find_map(|r| match r.value {
                Some(Value::ObjLink(l)) if l.object == 21 => Some((21, l.instance)),
                _ => None,
            })
        });
    [Some((0, i)), oscore]
}

/// Purges the Bootstrap-Server account from `tree` (Core 1.1 §6.1, Client Initiated
/// Bootstrap step 3, and Appendix E.1, the Bootstrap-Server Account Timeout `/0/x/12`): deletes
/// its Security instance and the OSCORE instance that one links to (`/0/x/17`), the account a
/// Bootstrap-Delete spares. `Ok` when the tree has no such account, or an instance is already
/// gone; the tree's refusal otherwise. What [`ClientEvent::BootstrapAccountExpired`] asks of
/// the application (the std runners, tokio and blocking, do it themselves).
///
/// [`ClientEvent::BootstrapAccountExpired`]: super::ClientEvent::BootstrapAccountExpired
pub fn purge_bootstrap_account<T: ObjectTree + ?Sized>(tree: &mut T) -> Result<(), Code> {
    for (o, i) in bootstrap_account(tree, None).into_iter().flatten() {
        match tree.delete(&Path::instance(o, i)) {
            Ok(()) | Err(Code::NOT_FOUND) => {}
            Err(c) => return Err(c),
        }
    }
    Ok(())
}

/// Bootstrap-Delete (Core 1.1, Bootstrap Interface) of `/`, an object or an instance (with the gateway
/// prefix of an end device, or none): every instance under `path` goes, but the
/// Bootstrap-Server account (its Security instance, and the OSCORE instance that one links
/// to) and the Device object's instance. Instances the tree will not delete (4.05) stay: the
/// bootstrap server writes over them. A resource path is 4.00, as is a spared instance named
/// alone.
pub(super) fn bootstrap_delete<T: ObjectTree + ?Sized>(tree: &mut T, path: Path<'_>) -> Answer {
    let prefix = path.prefix();
    let account = bootstrap_account(tree, prefix);
    let keep = |o: u16, i: u16| o == 3 || account.contains(&Some((o, i)));
    match (path.depth(), path.object_id(), path.instance_id()) {
        (2, Some(o), Some(i)) => {
            if keep(o, i) {
                return Answer::code(Code::BAD_REQUEST);
            }
            return match tree.delete(&path) {
                Ok(()) | Err(Code::NOT_FOUND) => Answer::code(Code::DELETED),
                Err(c) => Answer::code(c),
            };
        }
        (0 | 1, ..) => {}
        _ => return Answer::code(Code::BAD_REQUEST),
    }
    let object = path.object_id();
    // Instances the tree refused to delete: passed over from then on.
    let mut kept = [(0u16, 0u16); KEPT_MAX];
    let mut n_kept = 0usize;
    for _ in 0..DELETES_MAX {
        let mut next = None;
        let refused = kept.get(..n_kept).unwrap_or_default();
        tree.objects(&mut |link| {
            let link::Target::Path(p) = link.target else {
                return;
            };
            let (Some(o), Some(i), 2) = (p.object_id(), p.instance_id(), p.depth()) else {
                return;
            };
            if next.is_none()
                && p.prefix() == prefix
                && object.is_none_or(|x| x == o)
                && !keep(o, i)
                && !refused.contains(&(o, i))
            {
                next = Some((o, i));
            }
        });
        let Some((o, i)) = next else {
            return Answer::code(Code::DELETED);
        };
        let Some(target) = prefixed(Path::instance(o, i), prefix) else {
            return Answer::code(Code::BAD_REQUEST);
        };
        match tree.delete(&target) {
            Ok(()) | Err(Code::NOT_FOUND) => {}
            Err(c) if c == Code::METHOD_NOT_ALLOWED => match kept.get_mut(n_kept) {
                Some(slot) => {
                    *slot = (o, i);
                    n_kept = n_kept.saturating_add(1);
                }
                // More refusals than can be told apart: what could go has gone.
                None => return Answer::code(Code::DELETED),
            },
            Err(c) => return Answer::code(c),
        }
    }
    Answer::code(Code::INTERNAL_SERVER_ERROR)
}

/// Why the accounts in a tree cannot be used (the answer to Bootstrap-Finish is then 4.06 Not
/// Acceptable, with this as its diagnostic payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Inconsistent(pub(super) &'static str);

/// The value of the resource `path` in `tree`, when the tree has one.
pub(super) fn value_of<'s, T: ObjectTree + ?Sized>(
    tree: &'s T,
    path: &Path<'_>,
) -> Option<Value<'s>> {
    let mut buf = RecordBuf::<'s, 32>::new();
    tree.read(path, &mut buf).ok()?;
    buf.as_slice()
        .iter()
        .find(|r| r.path == *path)
        .and_then(|r| r.value)
}

/// A Short Server ID (1-65534; 0 and 65535 are reserved, Core 1.1 Appendix E.1 and E.2).
pub(super) fn short_id<T: ObjectTree + ?Sized>(tree: &T, path: &Path<'_>) -> Option<u16> {
    let id = match value_of(tree, path)? {
        Value::Int(v) => u16::try_from(v).ok()?,
        Value::Uint(v) => u16::try_from(v).ok()?,
        _ => return None,
    };
    (1..=65534).contains(&id).then_some(id)
}

/// Each instance id of `object` (without a gateway prefix) the tree lists, given to `f`.
pub(super) fn instances<T: ObjectTree + ?Sized>(tree: &T, object: u16, f: &mut dyn FnMut(u16)) {
    tree.objects(&mut |l| {
        if let link::Target::Path(p) = l.target {
            if let (Some(o), Some(i), 2, None) =
                (p.object_id(), p.instance_id(), p.depth(), p.prefix())
            {
                if o == object {
                    f(i);
                }
            }
        }
    });
}

/// What a Security instance is: the Bootstrap-Server account's, or a server's with its Short
/// Server ID (`None`: the instance says neither).
pub(super) fn security_kind<T: ObjectTree + ?Sized>(tree: &T, i: u16) -> Option<Option<u16>> {
    match value_of(tree, &Path::resource(0, i, 1))? {
        Value::Bool(true) => Some(None),
        Value::Bool(false) => short_id(tree, &Path::resource(0, i, 10)).map(Some),
        _ => None,
    }
}

/// Whether the accounts in `tree` can be used once Bootstrap ends: at least one LwM2M Server
/// account (a Server instance and the Security instance of the same Short Server ID), every
/// server's Security instance with its Server URI (`/0/i/0`, as Anjay checks: without it the
/// client cannot register) and exactly one Server instance, every Server instance with exactly
/// one Security instance, and at most one Bootstrap-Server account. Wakaama's client too answers
/// 4.06 when a Security instance reads as neither kind of account or a server's Short Server ID
/// is 0 or past 65535; unlike this check, it takes 65535, passes over a server's Security
/// instance that no Server instance pairs with, and counts neither the accounts nor the Server
/// instances. It also refuses a Server instance without Lifetime or Binding, which this check
/// lets through: the client registers with the lifetime and binding of its settings then.
pub(super) fn check_accounts<T: ObjectTree + ?Sized>(tree: &T) -> Result<(), Inconsistent> {
    let mut result = Ok(());
    let mut fail = |why: &'static str| {
        if result.is_ok() {
            result = Err(Inconsistent(why));
        }
    };
    // The servers' Short Server IDs by their Security instances, and the bootstrap accounts.
    let mut servers = 0u32;
    let mut bootstrap = 0u32;
    instances(tree, 0, &mut |i| match security_kind(tree, i) {
        None => fail(
            "a Security instance is neither a Bootstrap-Server account nor has a Short Server ID",
        ),
        Some(None) => bootstrap = bootstrap.saturating_add(1),
        Some(Some(id)) => {
            if !matches!(
                value_of(tree, &Path::resource(0, i, 0)),
                Some(Value::Str(_))
            ) {
                fail("a server's Security instance has no Server URI");
            }
            let mut pairs = 0u32;
            instances(tree, 1, &mut |j| {
                if short_id(tree, &Path::resource(1, j, 0)) == Some(id) {
                    pairs = pairs.saturating_add(1);
                }
            });
            if pairs != 1 {
                fail(
                    "a server's Security instance has no Server instance of its Short Server ID, or several",
                );
            }
        }
    });
    instances(tree, 1, &mut |j| {
        servers = servers.saturating_add(1);
        let Some(id) = short_id(tree, &Path::resource(1, j, 0)) else {
            fail("a Server instance has no Short Server ID");
            return;
        };
        let mut pairs = 0u32;
        instances(tree, 0, &mut |i| {
            if security_kind(tree, i) == Some(Some(id)) {
                pairs = pairs.saturating_add(1);
            }
        });
        if pairs != 1 {
            fail("a Server instance has no Security instance of its Short Server ID, or several");
        }
    });
    if bootstrap > 1 {
        fail("more than one Bootstrap-Server account");
    }
    if servers == 0 {
        fail("no LwM2M Server account");
    }
    result
}

/// The answer to a Bootstrap-Discover of `path` (`/` or an object; Core 1.1 §5.2.7.3): the
/// root link with the enabler version `version` (of `/` alone), then the objects and instances
/// the tree lists under `path` (the Security and OSCORE objects too), each Security instance
/// with the Short Server ID of its server (not the Bootstrap-Server account's) and its server
/// URI (from 1.1 on), each Server instance with its Short Server ID. Any deeper path is 4.00.
pub(super) fn bootstrap_discover<T: ObjectTree + ?Sized, S: Sink>(
    tree: &T,
    path: &Path<'_>,
    version: link::Version,
    out: &mut S,
) -> Answer {
    if path.depth() > 1 || path.prefix().is_some() {
        return Answer::code(Code::BAD_REQUEST);
    }
    let mut w = LinkOut::new(out);
    let mut written = Ok(());
    let mut any = false;
    if path.depth() == 0 {
        written = w.push(&ObjectLink {
            target: link::Target::Root { path: "/" },
            lwm2m: Some(version),
            ..ObjectLink::path(Path::ROOT)
        });
        any = true;
    }
    tree.objects(&mut |l| {
        let link::Target::Path(p) = l.target else {
            return;
        };
        if p.prefix().is_some() || !path.contains(&p) {
            return;
        }
        any = true;
        let (ssid, uri) = match (p.object_id(), p.instance_id(), p.depth()) {
            (Some(0), Some(i), 2) => {
                let ssid = security_kind(tree, i).flatten();
                let uri = match value_of(tree, &Path::resource(0, i, 0)) {
                    // `uri` came with 1.1; one that cannot stand between quotes as it is (a
                    // `"`, a `\`, a control character) is left out.
                    Some(Value::Str(t)) if version != link::Version::V1_0 => t
                        .as_str()
                        .filter(|u| !u.contains('\\') && m2m_coap::link::is_quoted_text(u)),
                    _ => None,
                };
                (ssid, uri)
            }
            (Some(1), Some(i), 2) => (short_id(tree, &Path::resource(1, i, 0)), None),
            _ => (None, None),
        };
        if written.is_ok() {
            written = w.push(&ObjectLink { ssid, uri, ..l });
        }
    });
    match written {
        // An object the client does not have.
        Ok(()) if !any => Answer::code(Code::NOT_FOUND),
        Ok(()) => Answer::content(ContentFormat::LINK_FORMAT),
        Err(_) => Answer::code(Code::INTERNAL_SERVER_ERROR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::ObjectLink;
    use std::vec::Vec;

    /// Security instances (id, Bootstrap-Server, Short Server ID) and Server instances (id,
    /// Short Server ID), and the Device.
    struct Accounts {
        security: Vec<(u16, Option<bool>, Option<Value<'static>>)>,
        server: Vec<(u16, Option<Value<'static>>)>,
        /// Resources the tree lacks (every Security instance has a URI but these).
        missing: Vec<Path<'static>>,
    }

    impl ObjectTree for Accounts {
        fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
            for (i, ..) in &self.security {
                f(ObjectLink::path(Path::instance(0, *i)));
            }
            for (j, _) in &self.server {
                f(ObjectLink::path(Path::instance(1, *j)));
            }
            f(ObjectLink::path(Path::instance(3, 0)));
        }

        fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
            let value = match path.levels() {
                [0, i, 1] => self
                    .security
                    .iter()
                    .find(|s| s.0 == *i)
                    .and_then(|s| s.1)
                    .map(Value::Bool),
                [0, i, 10] => self.security.iter().find(|s| s.0 == *i).and_then(|s| s.2),
                [1, j, 0] => self.server.iter().find(|s| s.0 == *j).and_then(|s| s.1),
                _ if self.missing.contains(&path.without_prefix()) => None,
                [0, i, 0] if self.security.iter().any(|s| s.0 == *i) => {
                    Some(Value::Str(crate::value::Text::Plain("coap://s")))
                }
                _ => None,
            };
            let value = value.ok_or(Code::NOT_FOUND)?;
            out.push(crate::value::Record::new(path.without_prefix(), value))
        }
    }

    fn check(
        security: &[(u16, Option<bool>, Option<Value<'static>>)],
        server: &[(u16, Option<Value<'static>>)],
    ) -> Result<(), &'static str> {
        check_without(security, server, &[])
    }

    fn check_without(
        security: &[(u16, Option<bool>, Option<Value<'static>>)],
        server: &[(u16, Option<Value<'static>>)],
        missing: &[Path<'static>],
    ) -> Result<(), &'static str> {
        let tree = Accounts {
            security: security.to_vec(),
            server: server.to_vec(),
            missing: missing.to_vec(),
        };
        check_accounts(&tree).map_err(|e| e.0)
    }

    const BS: (u16, Option<bool>, Option<Value<'static>>) = (0, Some(true), None);

    fn sec(i: u16, id: i64) -> (u16, Option<bool>, Option<Value<'static>>) {
        (i, Some(false), Some(Value::Int(id)))
    }

    fn srv(j: u16, id: i64) -> (u16, Option<Value<'static>>) {
        (j, Some(Value::Int(id)))
    }

    #[test]
    fn usable_accounts_pass() {
        assert_eq!(check(&[BS, sec(1, 101)], &[srv(0, 101)]), Ok(()));
        // No Bootstrap-Server account is needed, and the ids pair whatever the order.
        assert_eq!(
            check(&[sec(4, 2), sec(1, 1)], &[srv(0, 1), srv(9, 2)]),
            Ok(())
        );
        assert_eq!(
            check(
                &[(1, Some(false), Some(Value::Uint(65534)))],
                &[(0, Some(Value::Uint(65534)))]
            ),
            Ok(())
        );
    }

    #[test]
    fn unusable_accounts_are_named() {
        let none = Err("no LwM2M Server account");
        assert_eq!(check(&[], &[]), none);
        assert_eq!(check(&[BS], &[]), none);
        assert_eq!(
            check(&[BS, sec(1, 101)], &[]),
            Err(
                "a server's Security instance has no Server instance of its Short Server ID, or several"
            )
        );
        let lone_server =
            Err("a Server instance has no Security instance of its Short Server ID, or several");
        assert_eq!(check(&[BS], &[srv(0, 101)]), lone_server);
        assert_eq!(
            check(&[BS, sec(1, 102)], &[srv(0, 101), srv(1, 102)]),
            lone_server
        );
        // Two Security instances for one server, two Server instances of one id.
        assert_eq!(check(&[sec(1, 7), sec(2, 7)], &[srv(0, 7)]), lone_server);
        assert_eq!(
            check(&[sec(1, 7)], &[srv(0, 7), srv(1, 7)]),
            Err(
                "a server's Security instance has no Server instance of its Short Server ID, or several"
            )
        );
        assert_eq!(
            check(&[BS, (1, Some(true), None), sec(2, 7)], &[srv(0, 7)]),
            Err("more than one Bootstrap-Server account")
        );
        // Reserved or missing ids, a missing or mistyped Bootstrap-Server resource.
        let neither = Err(
            "a Security instance is neither a Bootstrap-Server account nor has a Short Server ID",
        );
        for id in [0, 65535, 70_000, -1] {
            assert_eq!(check(&[sec(1, id)], &[srv(0, id)]), neither, "{id}");
        }
        assert_eq!(check(&[(1, Some(false), None)], &[srv(0, 1)]), neither);
        assert_eq!(
            check(&[(1, None, Some(Value::Int(1)))], &[srv(0, 1)]),
            neither
        );
        assert_eq!(
            check(&[sec(1, 1)], &[srv(0, 1), (1, None)]),
            Err("a Server instance has no Short Server ID")
        );
        assert_eq!(
            check(&[sec(1, 1)], &[(0, Some(Value::Bool(true)))]),
            Err(
                "a server's Security instance has no Server instance of its Short Server ID, or several"
            )
        );
        // A server account without its URI cannot be registered to; the Bootstrap-Server
        // account's is not checked.
        let ok = (&[BS, sec(1, 101)][..], &[srv(0, 101)][..]);
        assert_eq!(
            check_without(ok.0, ok.1, &[Path::resource(0, 1, 0)]),
            Err("a server's Security instance has no Server URI")
        );
        assert_eq!(
            check_without(ok.0, ok.1, &[Path::resource(0, 0, 0)]),
            Ok(())
        );
    }
}
