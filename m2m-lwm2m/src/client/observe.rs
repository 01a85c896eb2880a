//! The client's observations (OMA-TS-LightweightM2M_Core 1.1 §6.4 "Information Reporting":
//! Observe, Observe-Composite and their cancellation; RFC 7641): what it keeps per observer, when a
//! notification is due ([`notify::decide`] on each observed path, under that path's
//! attributes), and the notifications themselves.
//!
//! An observation of one path remembers the value it last sent when that is a number or a
//! boolean, and compares the new one under the change attributes (`gt`, `lt`, `st`, `edge`);
//! any other value (a string, an instance, an object) counts as changed when the application
//! says so ([`Client::changed`]). An Observe-Composite does the same for each path it lists and
//! notifies when any of them is due, with the values of all of them; `pmin` and `pmax` are
//! counted from its last notification. `epmin` spaces the reads of the tree for an observation
//! (for an Observe-Composite, the longest `epmin` of its paths), except that a notification
//! `pmax` owes is read and sent on time; `epmax` bounds the time between reads.
//!
//! Notifications go while the client is registered, and observations end with the
//! registration (De-register, or a new Register). One Confirmable notification is on its way
//! at a time (RFC 7641 §4.5.1): one due meanwhile waits for its ACK. Notifications sent
//! Non-confirmable are sent Confirmable once every 24 hours (§4.5), counted from the first.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::{Builder, Code, ContentFormat, Exchange, OptionNumber, Token, Type};
use m2m_core::Timestamp;

use super::answer::read_paths;
use super::blocks::{Asked, Cut};
use super::kept::KeptPath;
use super::{Client, ObjectTree, RecordBuf};
use crate::attributes::Attributes;
use crate::body;
use crate::composite::MAX_PATHS;
use crate::error::{Error, Reason};
use crate::notify::{self, Decision, Last};
use crate::path::Path;
use crate::server::SessionError;
use crate::value::{Record, Value};

/// A number or boolean as last notified, without borrowing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Scalar {
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
    /// Not comparable: a string, several records, nothing.
    Other,
}

impl Scalar {
    fn of(v: Option<&Value<'_>>) -> Scalar {
        match v {
            Some(Value::Int(i) | Value::Time(i)) => Scalar::Int(*i),
            Some(Value::Uint(u)) => Scalar::Uint(*u),
            Some(Value::Float(f)) => Scalar::Float(*f),
            Some(Value::Bool(b)) => Scalar::Bool(*b),
            _ => Scalar::Other,
        }
    }

    /// The value of the records read for one observed path: comparable when it is one number
    /// or boolean.
    fn of_records(records: &[Record<'_>]) -> Scalar {
        match records {
            [one] => Scalar::of(one.value.as_ref()),
            _ => Scalar::Other,
        }
    }

    fn value(self) -> Option<Value<'static>> {
        Some(match self {
            Scalar::Int(i) => Value::Int(i),
            Scalar::Uint(u) => Value::Uint(u),
            Scalar::Float(f) => Value::Float(f),
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Other => return None,
        })
    }
}

/// A notification's body: its format, and its payload (all of it, or its first block).
struct Note<'p> {
    format: ContentFormat,
    payload: &'p [u8],
    cut: Cut,
}

/// An observation of one path (Observe).
#[derive(Debug, Clone, Copy)]
pub(super) struct Observation<P> {
    pub(super) peer: P,
    pub(super) token: Token,
    pub(super) path: KeptPath,
    pub(super) format: ContentFormat,
    pub(super) last_at: Timestamp,
    pub(super) last: Scalar,
    /// The value read at the last evaluation (an `edge` is between two reads in a row).
    pub(super) previous: Scalar,
    /// A change due was held back by `pmin`: it goes when `pmin` ends.
    pub(super) held: bool,
    /// When the tree was last read for it (`epmin` spaces the reads).
    pub(super) evaluated_at: Timestamp,
    pub(super) seq: u32,
    /// The application said the value changed (for values the decision cannot compare).
    pub(super) dirty: bool,
    /// The block size (SZX) the registration asked for: notifications in blocks keep to it
    /// (RFC 7959 §2.4).
    pub(super) szx: Option<u8>,
}

/// An Observe-Composite: the paths listed, each with the value last notified.
#[derive(Debug, Clone, Copy)]
pub(super) struct Composite<P> {
    peer: P,
    token: Token,
    format: ContentFormat,
    paths: [KeptPath; MAX_PATHS],
    last: [Scalar; MAX_PATHS],
    previous: [Scalar; MAX_PATHS],
    held: [bool; MAX_PATHS],
    dirty: [bool; MAX_PATHS],
    len: usize,
    last_at: Timestamp,
    evaluated_at: Timestamp,
    seq: u32,
    szx: Option<u8>,
}

impl<P> Composite<P> {
    /// The paths listed, with their prefixes.
    fn paths(&self) -> PathList<'_> {
        let mut items = [Path::ROOT; MAX_PATHS];
        for (slot, k) in items.iter_mut().zip(self.paths.iter().take(self.len)) {
            *slot = k.path();
        }
        PathList {
            items,
            len: self.len,
        }
    }
}

/// Paths borrowed from what keeps them.
struct PathList<'a> {
    items: [Path<'a>; MAX_PATHS],
    len: usize,
}

impl<'a> PathList<'a> {
    fn as_slice(&self) -> &[Path<'a>] {
        self.items.get(..self.len).unwrap_or_default()
    }
}

/// Judges one observed path at `now` with [`notify::decide`]: a comparable value under the
/// change attributes, anything else as a change flag (`dirty`, set by the application) under
/// `pmin`, `pmax` and `epmax` alone. Also says whether a change is still pending (held back by
/// `pmin`) should no notification go out.
#[allow(clippy::too_many_arguments)]
fn judge(
    attrs: &Attributes,
    last_at: Timestamp,
    last: Scalar,
    previous: Scalar,
    held: bool,
    new: Scalar,
    dirty: bool,
    now: Timestamp,
) -> (Decision, bool) {
    match new.value() {
        Some(v) => {
            let last = Last {
                at: last_at,
                value: last.value(),
                previous: previous.value(),
                held,
            };
            let decision = notify::decide(attrs, Some(&last), &v, now);
            (decision, decision.held)
        }
        None => {
            let flag = Attributes {
                gt: None,
                lt: None,
                st: None,
                edge: None,
                ..*attrs
            };
            let last = Last::sent(last_at, Some(Value::Bool(false)));
            let decision = notify::decide(&flag, Some(&last), &Value::Bool(dirty), now);
            (decision, dirty)
        }
    }
}

/// When an observed path falls due if its value stays as last sent: `pmax`, the end of `epmax`,
/// the end of `pmin` for a change the application reported; `now` if it is due already.
fn next_due(
    attrs: &Attributes,
    last_at: Timestamp,
    last: Scalar,
    held: bool,
    dirty: bool,
    now: Timestamp,
) -> Option<Timestamp> {
    let (d, _) = judge(attrs, last_at, last, last, held, last, dirty, now);
    let due = if d.notify { Some(now) } else { d.next };
    // A comparable value reported changed is read again once `pmin` allows a notification.
    let held = (dirty && last.value().is_some()).then(|| {
        let pmin = core::time::Duration::from_secs(u64::from(attrs.pmin.unwrap_or(0)));
        last_at.checked_add(pmin).unwrap_or(now).max(now)
    });
    earliest(due, held)
}

/// Until when `epmin` (the minimum evaluation period, Core 1.1 §5.1.2) holds the next
/// read of an observed path back, if it does at `now`: `epmin` after the last read, but never
/// past the `pmax` deadline, when a notification with a fresh value is owed.
fn held_until(
    attrs: &Attributes,
    evaluated_at: Timestamp,
    last_at: Timestamp,
    now: Timestamp,
) -> Option<Timestamp> {
    let epmin = attrs.epmin.filter(|&e| e > 0)?;
    let mut until = evaluated_at.checked_add(core::time::Duration::from_secs(u64::from(epmin)))?;
    if let Some(end) = pmax_end(attrs, last_at) {
        until = until.min(end);
    }
    (now < until).then_some(until)
}

/// When `pmax` owes a notification after one sent at `last_at` (`pmax` of 0, or below `pmin`,
/// is ignored, as [`notify::decide`] ignores it).
fn pmax_end(attrs: &Attributes, last_at: Timestamp) -> Option<Timestamp> {
    let pmin = attrs.pmin.unwrap_or(0);
    let pmax = attrs.pmax.filter(|&p| p > 0 && p >= pmin)?;
    last_at.checked_add(core::time::Duration::from_secs(u64::from(pmax)))
}

/// The later of two optional times (the hold of `epmin` over a time an observation falls due).
fn latest(due: Option<Timestamp>, hold: Option<Timestamp>) -> Option<Timestamp> {
    match (due, hold) {
        (Some(d), Some(h)) => Some(d.max(h)),
        (d, _) => d,
    }
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) | (None, x) => x,
    }
}

impl<
    'c,
    P: Copy + Eq,
    const N: usize,
    const B: usize,
    const O: usize,
    const A: usize,
    const C: usize,
> Client<'c, P, N, B, O, A, C>
{
    /// Ends the observations (single or composite) under `token`.
    /// Ends the observations under `token`; the last Observe number one of them sent, if any.
    pub(super) fn forget_token(&mut self, token: Token) -> Option<u32> {
        let mut last = None;
        for o in &mut self.observations {
            if let Some(old) = o.filter(|o| o.token == token) {
                last = last.max(Some(old.seq));
                *o = None;
            }
        }
        for c in &mut self.composites {
            if let Some(old) = c.filter(|c| c.token == token) {
                last = last.max(Some(old.seq));
                *c = None;
            }
        }
        last
    }

    /// The Observe number of the first answer to a registration under `token`: 0, or past the
    /// last one sent under the token when it registers again, so that the observer takes
    /// the answer for the fresher (RFC 7641 §4.4; its client keeps the last number it saw).
    fn first_seq(&mut self, token: Token) -> u32 {
        self.forget_token(token)
            .map_or(0, |last| last.wrapping_add(1) & 0x00ff_ffff)
    }

    /// Keeps an observation of `path`; returns the Observe number of the first answer, or
    /// `None` when there is no room (the answer is then a plain read, RFC 7641 §4.1).
    pub(super) fn observe<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        exchange: &Exchange<P>,
        path: &Path<'_>,
        format: ContentFormat,
        tree: &T,
    ) -> Option<u32> {
        let token = Token::new(exchange.token())?;
        let mut buf = RecordBuf::<'_, 32>::new();
        let last = match tree.read(path, &mut buf) {
            Ok(()) => Scalar::of_records(buf.as_slice()),
            Err(_) => Scalar::Other,
        };
        // A new observation under the same token replaces the old one (RFC 7641 §4.1).
        let seq = self.first_seq(token);
        let obs = Observation {
            peer: exchange.peer,
            token,
            // An end device's path keeps its gateway prefix; one too long to keep is no room.
            path: KeptPath::keep(path)?,
            format,
            last_at: now,
            evaluated_at: now,
            last,
            previous: last,
            held: false,
            seq,
            dirty: false,
            szx: None,
        };
        let slot = self.observations.iter_mut().find(|o| o.is_none())?;
        *slot = Some(obs);
        Some(seq)
    }

    /// Notes the block size the registration under `token` asked for.
    pub(super) fn observed_in_blocks_of(&mut self, token: Token, szx: u8) {
        for o in self.observations.iter_mut().flatten() {
            if o.token == token {
                o.szx = Some(szx);
            }
        }
        for c in self.composites.iter_mut().flatten() {
            if c.token == token {
                c.szx = Some(szx);
            }
        }
    }

    /// Keeps an Observe-Composite of `paths`, notified in `format`; returns the Observe number
    /// of the first answer, or `None` when there is no room.
    pub(super) fn observe_composite<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        exchange: &Exchange<P>,
        paths: &[Path<'_>],
        format: ContentFormat,
        tree: &T,
    ) -> Option<u32> {
        let token = Token::new(exchange.token())?;
        if paths.len() > MAX_PATHS {
            return None;
        }
        let seq = self.first_seq(token);
        let mut c = Composite {
            peer: exchange.peer,
            token,
            format,
            paths: [KeptPath::ROOT; MAX_PATHS],
            last: [Scalar::Other; MAX_PATHS],
            previous: [Scalar::Other; MAX_PATHS],
            held: [false; MAX_PATHS],
            dirty: [false; MAX_PATHS],
            len: paths.len(),
            last_at: now,
            evaluated_at: now,
            seq,
            szx: None,
        };
        for ((slot, last), p) in c.paths.iter_mut().zip(c.last.iter_mut()).zip(paths) {
            *slot = KeptPath::keep(p)?;
            let mut one = RecordBuf::<'_, 32>::new();
            if tree.read(p, &mut one).is_ok() {
                *last = Scalar::of_records(one.as_slice());
            }
        }
        c.previous = c.last;
        let slot = self.composites.iter_mut().find(|c| c.is_none())?;
        *slot = Some(c);
        Some(seq)
    }

    /// Cancels the Observe-Composite under the request's token, or else the one of the same
    /// peer that lists the same paths (a cancellation sent under a new token).
    pub(super) fn cancel_composite(&mut self, exchange: &Exchange<P>, paths: &[Path<'_>]) {
        let token = Token::new(exchange.token());
        let found = self
            .composites
            .iter()
            .position(|c| c.is_some_and(|c| Some(c.token) == token))
            .or_else(|| {
                // Only when one observation alone fits: with two of the same paths, the
                // token would have to say which (RFC 7641 §3.6).
                let same = |c: &Option<Composite<P>>| {
                    c.is_some_and(|c| c.peer == exchange.peer && c.paths().as_slice() == paths)
                };
                let mut fits = self.composites.iter().enumerate().filter(|(_, c)| same(c));
                match (fits.next(), fits.next()) {
                    (Some((i, _)), None) => Some(i),
                    _ => None,
                }
            });
        if let Some(slot) = found.and_then(|i| self.composites.get_mut(i)) {
            *slot = None;
        }
    }

    /// Tells the client that the value at `path` changed; observations of it, of a path above
    /// it or below it (and Observe-Composites listing such a path) are evaluated at the next
    /// [`Client::handle_timeout`]. An end device behind an LwM2M Gateway is named with its
    /// prefix (`/dev1/3303/0/5700`): its observations are its own, not the gateway's.
    pub fn changed(&mut self, path: &Path<'_>) {
        let p = *path;
        // `contains` compares the prefixes too: an end device's change is its own.
        let touches = |o: &Path<'_>| o.contains(&p) || p.contains(o);
        for o in self.observations.iter_mut().flatten() {
            if touches(&o.path.path()) {
                o.dirty = true;
            }
        }
        for c in self.composites.iter_mut().flatten() {
            for (dirty, o) in c.dirty.iter_mut().zip(c.paths.iter().take(c.len)) {
                if touches(&o.path()) {
                    *dirty = true;
                }
            }
        }
    }

    /// The earliest time an observation falls due if nothing changes.
    pub(super) fn observations_due(&self, now: Timestamp) -> Option<Timestamp> {
        // Unregistered, nothing is notified. With a Confirmable notification on its way, a
        // Confirmable one (`con=1`) waits for its ACK (or the endpoint's retransmission, which
        // wakes the caller); the others go on.
        if !self.is_registered() {
            return None;
        }
        let waiting = self.confirmable_in_flight();
        let mut t = None;
        for o in self.observations.iter().flatten() {
            let attrs = self.notify_attributes_of(&o.path.path());
            if waiting && attrs.con == Some(true) {
                continue;
            }
            let due = next_due(&attrs, o.last_at, o.last, o.held, o.dirty, now);
            let hold = held_until(&attrs, o.evaluated_at, o.last_at, now);
            t = earliest(t, latest(due, hold));
        }
        for c in self.composites.iter().flatten() {
            let paths = c.paths();
            let con = |p: &Path<'_>| self.notify_attributes_of(p).con == Some(true);
            if waiting && paths.as_slice().iter().any(con) {
                continue;
            }
            let mut due = None;
            let seen = c.last.iter().zip(&c.held).zip(&c.dirty);
            for (p, ((last, held), dirty)) in paths.as_slice().iter().zip(seen) {
                let attrs = self.notify_attributes_of(p);
                due = earliest(due, next_due(&attrs, c.last_at, *last, *held, *dirty, now));
            }
            t = earliest(t, latest(due, self.composite_held_until(c, now)));
        }
        t
    }

    /// [`held_until`] for an Observe-Composite: its paths are read together, so the longest
    /// hold of any of them.
    fn composite_held_until(&self, c: &Composite<P>, now: Timestamp) -> Option<Timestamp> {
        let mut hold: Option<Timestamp> = None;
        // The paths are notified together: the earliest pmax of any of them ends every hold.
        let mut owed: Option<Timestamp> = None;
        for p in c.paths().as_slice() {
            let attrs = self.notify_attributes_of(p);
            if let Some(h) = held_until(&attrs, c.evaluated_at, c.last_at, now) {
                hold = Some(hold.map_or(h, |x| x.max(h)));
            }
            owed = earliest(owed, pmax_end(&attrs, c.last_at));
        }
        let hold = match owed {
            Some(end) => hold.map(|h| h.min(end)),
            None => hold,
        };
        hold.filter(|&h| now < h)
    }

    /// Evaluates every observation at `now`, reading `tree`, and notifies those due.
    pub(super) fn evaluate_all<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        tree: &T,
    ) -> Result<(), SessionError> {
        // Notifications go to a registration: none before Register is answered, after
        // De-register, nor while the client registers again (Core 1.1 §6.4: the Information
        // Reporting Interface is one of the registered server's).
        if !self.is_registered() {
            return Ok(());
        }
        // One observation that fails does not keep the others from being notified; the first
        // error is reported once all were evaluated.
        let mut first = Ok(());
        for i in 0..O {
            let r = self.evaluate(now, i, tree);
            if first.is_ok() {
                first = r;
            }
        }
        for i in 0..C {
            let r = self.evaluate_composite(now, i, tree);
            if first.is_ok() {
                first = r;
            }
        }
        first
    }

    /// Ends observation `i` with a last notification of `code` and no Observe (RFC 7641
    /// §4.2: a resource that cannot be read any more, or no longer fits a message).
    fn end_observation(
        &mut self,
        now: Timestamp,
        i: usize,
        code: Code,
    ) -> Result<(), SessionError> {
        let Some(o) = self.observations.get_mut(i).and_then(Option::take) else {
            return Ok(());
        };
        let b = Builder::<0>::udp(Type::NonConfirmable, code, 0);
        self.endpoint
            .notify(now, o.peer, o.token.as_slice(), &b, false)?;
        Ok(())
    }

    /// [`Client::end_observation`] for Observe-Composite `i` (its values no longer fit).
    fn end_composite(&mut self, now: Timestamp, i: usize, code: Code) -> Result<(), SessionError> {
        let Some(c) = self.composites.get_mut(i).and_then(Option::take) else {
            return Ok(());
        };
        let b = Builder::<0>::udp(Type::NonConfirmable, code, 0);
        self.endpoint
            .notify(now, c.peer, c.token.as_slice(), &b, false)?;
        Ok(())
    }

    fn evaluate<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        i: usize,
        tree: &T,
    ) -> Result<(), SessionError> {
        let Some(o) = self.observations.get(i).copied().flatten() else {
            return Ok(());
        };
        let path = o.path.path();
        let attrs = self.notify_attributes_of(&path);
        if held_until(&attrs, o.evaluated_at, o.last_at, now).is_some() {
            // Read too recently (`epmin`): a change reported stays pending.
            return Ok(());
        }
        let mut buf = RecordBuf::<'_, 32>::new();
        if let Err(code) = tree.read(&path, &mut buf) {
            return self.end_observation(now, i, code);
        }
        if let Some(Some(slot)) = self.observations.get_mut(i) {
            slot.evaluated_at = now;
        }
        let records = buf.as_slice();
        let new = Scalar::of_records(records);
        let (decision, pending) = judge(
            &attrs, o.last_at, o.last, o.previous, o.held, new, o.dirty, now,
        );
        // The value read is the one the next edge starts from, once this evaluation has an
        // outcome (an error below leaves it for the next one to judge again).
        if !decision.notify {
            if let Some(Some(slot)) = self.observations.get_mut(i) {
                slot.dirty = pending;
                slot.held = decision.held;
                slot.previous = new;
            }
            return Ok(());
        }
        let mut out = [0u8; B];
        let asked = Asked::first_block(o.szx);
        let mut w = asked.window(&mut out, B);
        let cut = match body::write(o.format, &path, records, &mut w)
            .map(|()| asked.cut(w.finish(), B))
        {
            Ok(Ok(c)) => c,
            _ => return self.end_observation(now, i, Code::INTERNAL_SERVER_ERROR),
        };
        let seq = o.seq.wrapping_add(1) & 0x00ff_ffff;
        let payload = out.get(..cut.len).unwrap_or_default();
        let note = Note {
            format: o.format,
            payload,
            cut,
        };
        if !self.notify(now, o.peer, o.token, seq, &note, decision.confirmable)? {
            // Not now: the change stays pending, and goes when it can.
            if let Some(Some(slot)) = self.observations.get_mut(i) {
                slot.dirty = true;
                slot.held = true;
                slot.previous = new;
            }
            return Ok(());
        }
        if let Some(Some(slot)) = self.observations.get_mut(i) {
            slot.seq = seq;
            slot.last = new;
            slot.previous = new;
            slot.last_at = now;
            slot.dirty = false;
            slot.held = false;
        }
        Ok(())
    }

    fn evaluate_composite<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        i: usize,
        tree: &T,
    ) -> Result<(), SessionError> {
        let Some(c) = self.composites.get(i).copied().flatten() else {
            return Ok(());
        };
        if self.composite_held_until(&c, now).is_some() {
            return Ok(());
        }
        let mut all = RecordBuf::<'_, 32>::new();
        let mut new = [Scalar::Other; MAX_PATHS];
        let mut pending = [false; MAX_PATHS];
        let mut held = [false; MAX_PATHS];
        let mut due = false;
        let mut confirmable = false;
        let paths = c.paths();
        let read = read_paths(tree, paths.as_slice(), &mut all, |k, records| {
            let (Some(p), Some(last), Some(previous), Some(was_held), Some(dirty)) = (
                paths.as_slice().get(k),
                c.last.get(k),
                c.previous.get(k),
                c.held.get(k),
                c.dirty.get(k),
            ) else {
                return;
            };
            let value = Scalar::of_records(records);
            let (d, still) = judge(
                &self.notify_attributes_of(p),
                c.last_at,
                *last,
                *previous,
                *was_held,
                value,
                *dirty,
                now,
            );
            due |= d.notify;
            confirmable |= d.confirmable;
            if let (Some(n), Some(s), Some(h)) =
                (new.get_mut(k), pending.get_mut(k), held.get_mut(k))
            {
                *n = value;
                *s = still;
                *h = d.held;
            }
        });
        // Values that no longer fit: the observation ends, as one of a single path does (kept,
        // it would be due again at once, and the client would spin on it).
        if let Err(code) = read {
            return self.end_composite(now, i, code);
        }
        if let Some(Some(slot)) = self.composites.get_mut(i) {
            slot.evaluated_at = now;
        }
        if !due {
            if let Some(Some(slot)) = self.composites.get_mut(i) {
                slot.dirty = pending;
                slot.held = held;
                slot.previous = new;
            }
            return Ok(());
        }
        let mut out = [0u8; B];
        let asked = Asked::first_block(c.szx);
        let mut w = asked.window(&mut out, B);
        let cut = match body::write(c.format, &Path::ROOT, all.as_slice(), &mut w)
            .map(|()| asked.cut(w.finish(), B))
        {
            Ok(Ok(x)) => x,
            _ => return self.end_composite(now, i, Code::INTERNAL_SERVER_ERROR),
        };
        let seq = c.seq.wrapping_add(1) & 0x00ff_ffff;
        let payload = out.get(..cut.len).unwrap_or_default();
        let note = Note {
            format: c.format,
            payload,
            cut,
        };
        if !self.notify(now, c.peer, c.token, seq, &note, confirmable)? {
            if let Some(Some(slot)) = self.composites.get_mut(i) {
                slot.dirty = [true; MAX_PATHS];
                slot.held = [true; MAX_PATHS];
                slot.previous = new;
            }
            return Ok(());
        }
        if let Some(Some(slot)) = self.composites.get_mut(i) {
            slot.seq = seq;
            slot.last = new;
            slot.previous = new;
            slot.last_at = now;
            slot.dirty = [false; MAX_PATHS];
            slot.held = [false; MAX_PATHS];
        }
        Ok(())
    }

    /// Whether a Confirmable notification of ours still waits for its ACK.
    pub(super) fn confirmable_in_flight(&self) -> bool {
        self.confirmable_notes
            .iter()
            .flatten()
            .any(|&(mid, _, peer)| self.endpoint.awaits_ack(peer, mid))
    }

    /// Sends a notification (2.05 with Observe `seq`) to the observer under `token`; a body
    /// larger than a message goes as its first block (RFC 7959 §2.6), the server asking for
    /// the others. `false` when it cannot go now: a Confirmable one while another is on its
    /// way (one at a time, RFC 7641 §4.5.1; each would hold a place among the endpoint's
    /// messages for up to 93 s), or no room among those messages.
    ///
    /// A client that notifies in Non-confirmable messages sends one Confirmable at least
    /// every 24 hours (RFC 7641 §4.5), to learn whether the server still listens.
    fn notify(
        &mut self,
        now: Timestamp,
        peer: P,
        token: Token,
        seq: u32,
        note: &Note<'_>,
        confirmable: bool,
    ) -> Result<bool, SessionError> {
        const DAY: core::time::Duration = core::time::Duration::from_secs(24 * 60 * 60);
        let started = *self.last_confirmable.get_or_insert(now);
        let in_flight = self.confirmable_in_flight();
        if confirmable && in_flight {
            return Ok(false);
        }
        // The daily Confirmable one: the first due while none is on its way.
        let confirmable =
            confirmable || (!in_flight && started.checked_add(DAY).is_some_and(|t| t <= now));
        let full = |_| Error::new(0, Reason::BufferTooSmall);
        let mut b = Builder::<8>::udp(Type::NonConfirmable, Code::CONTENT, 0);
        b.uint(OptionNumber::OBSERVE, seq).map_err(full)?;
        b.uint(OptionNumber::CONTENT_FORMAT, u32::from(note.format.0))
            .map_err(full)?;
        note.cut.options(&mut b)?;
        b.payload(note.payload);
        let message_id = match self
            .endpoint
            .notify(now, peer, token.as_slice(), &b, confirmable)
        {
            Ok(mid) => mid,
            Err(m2m_coap::endpoint::EndpointError::Busy) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        if confirmable {
            self.last_confirmable = Some(now);
            // Kept to match an Undelivered event to its observation; the oldest gives way.
            let notes = &mut self.confirmable_notes;
            let note = Some((message_id, token, peer));
            match notes.iter_mut().find(|n| n.is_none()) {
                Some(free) => *free = note,
                None => {
                    notes.rotate_left(1);
                    if let Some(last) = notes.last_mut() {
                        *last = note;
                    }
                }
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use m2m_coap::Message;

    use super::super::Settings;
    use super::*;
    use crate::attributes::Update;
    use crate::composite;
    use crate::error::Config;
    use crate::interface::{ClientRequest, Strings};
    use crate::link::ObjectLink;
    use crate::value::Text;

    const SERVER: u8 = 1;
    const TEMP: Path<'static> = Path::resource(3303, 0, 5700);
    const SWITCH: Path<'static> = Path::resource(3342, 0, 5500);
    const UNIT: Path<'static> = Path::resource(3303, 0, 5701);

    struct Tree {
        temp: f64,
        on: bool,
        /// The temperature resource is gone (its reads answer 4.04).
        gone: bool,
        /// Reads so far.
        reads: core::cell::Cell<usize>,
        /// Instances of the temperature and switch objects read as a whole (0: one each).
        wide: u16,
    }

    impl ObjectTree for Tree {
        fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
            f(ObjectLink::path(Path::instance(3303, 0)));
            f(ObjectLink::path(Path::instance(3342, 0)));
        }

        fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
            self.reads.set(self.reads.get().saturating_add(1));
            if self.wide > 0 && path.depth() == 1 {
                let object = path.object_id().unwrap_or(0);
                for i in 0..self.wide {
                    out.push(Record::new(
                        Path::resource(object, i, 5700),
                        Value::Float(f64::from(i)),
                    ))?;
                }
                return Ok(());
            }
            if self.gone && TEMP.contains(path) {
                return Err(Code::NOT_FOUND);
            }
            let all = [
                Record::new(TEMP, Value::Float(self.temp)),
                Record::new(UNIT, Value::Str(Text::Plain("Cel"))),
                Record::new(SWITCH, Value::Bool(self.on)),
            ];
            let mut any = false;
            for r in all.into_iter().filter(|r| path.contains(&r.path)) {
                out.push(r)?;
                any = true;
            }
            if any { Ok(()) } else { Err(Code::NOT_FOUND) }
        }
    }

    /// What the client sent: type, code, token, Observe, Content-Format, payload, message id.
    #[derive(Debug, Clone, PartialEq)]
    struct Sent {
        ty: Option<Type>,
        code: Code,
        token: Vec<u8>,
        observe: Option<u32>,
        format: Option<ContentFormat>,
        payload: Vec<u8>,
        mid: u16,
    }

    impl Sent {
        fn values(&self) -> Vec<Record<'_>> {
            let format = self.format.expect("a Content-Format");
            composite::decode_values(format, &self.payload, Config::STRICT)
                .unwrap()
                .map(Result::unwrap)
                .collect()
        }
    }

    struct Rig {
        client: Client<'static, u8>,
        tree: Tree,
        mid: u16,
    }

    fn at(s: u64) -> Timestamp {
        Timestamp::from_millis(s.saturating_mul(1000))
    }

    /// A SenML-ETCH JSON FETCH body listing `paths`.
    fn fetch_paths(paths: &[Path<'_>]) -> Vec<u8> {
        let mut body = [0u8; 256];
        let n = composite::encode_paths(ContentFormat::SENML_ETCH_JSON, paths, &mut body).unwrap();
        body[..n].to_vec()
    }

    impl Rig {
        /// A client registered (lifetime 0: no Update comes in the way).
        fn new() -> Self {
            let settings = Settings {
                lifetime: 0,
                ..Settings::new("c")
            };
            let mut r = Rig {
                client: Client::new(SERVER, settings, 3),
                tree: Tree {
                    temp: 20.0,
                    on: false,
                    gone: false,
                    reads: core::cell::Cell::new(0),
                    wide: 0,
                },
                mid: 100,
            };
            r.client.register(at(0), &r.tree).unwrap();
            let mut buf = [0u8; 1152];
            let (_, n) = r.client.poll_transmit(at(0), &mut buf).unwrap();
            let reg = Message::parse_udp(&buf[..n]).unwrap();
            let mut rsp = Builder::<2>::udp(
                Type::Acknowledgement,
                Code::CREATED,
                reg.message_id().unwrap(),
            );
            rsp.token(reg.token());
            rsp.str(OptionNumber::LOCATION_PATH, "rd").unwrap();
            rsp.str(OptionNumber::LOCATION_PATH, "1").unwrap();
            let mut out = [0u8; 64];
            let n = rsp.encode(&mut out).unwrap();
            r.client
                .handle(at(0), SERVER, &out[..n], &mut r.tree)
                .unwrap();
            assert!(r.client.is_registered());
            r
        }

        /// Sends `req` under `token`; what the client sent back.
        fn ask(&mut self, now: Timestamp, token: &[u8], req: &ClientRequest<'_>) -> Vec<Sent> {
            self.mid = self.mid.wrapping_add(1);
            let mut scratch = Strings::<64>::new();
            let mut b = Builder::<8>::udp(Type::Confirmable, Code::GET, self.mid);
            b.token(token);
            req.build(&mut b, &mut scratch).unwrap();
            let mut buf = [0u8; 512];
            let n = b.encode(&mut buf).unwrap();
            self.client
                .handle(now, SERVER, &buf[..n], &mut self.tree)
                .unwrap();
            self.sent(now)
        }

        fn observe(&mut self, now: Timestamp, token: &[u8], o: u32, paths: &[Path<'_>]) -> Sent {
            let body = fetch_paths(paths);
            let req = ClientRequest::Composite {
                observe: Some(o),
                format: ContentFormat::SENML_ETCH_JSON,
                accept: Some(ContentFormat::SENML_JSON),
                payload: &body,
            };
            let mut sent = self.ask(now, token, &req);
            assert_eq!(sent.len(), 1, "{sent:?}");
            sent.remove(0)
        }

        /// Lets the client evaluate at `now`; the notifications it sends.
        fn tick(&mut self, now: Timestamp) -> Vec<Sent> {
            self.client.handle_timeout(now, &self.tree).unwrap();
            self.sent(now)
        }

        fn sent(&mut self, now: Timestamp) -> Vec<Sent> {
            let mut out = Vec::new();
            let mut buf = [0u8; 1152];
            while let Some((to, n)) = self.client.poll_transmit(now, &mut buf) {
                assert_eq!(to, SERVER);
                let m = Message::parse_udp(&buf[..n]).unwrap();
                out.push(Sent {
                    ty: m.ty(),
                    code: m.code(),
                    token: m.token().to_vec(),
                    observe: m.observe(),
                    format: m.content_format(),
                    payload: m.payload().to_vec(),
                    mid: m.message_id().unwrap_or(0),
                });
            }
            out
        }
    }

    #[test]
    fn observe_composite_is_answered_with_every_value_and_kept() {
        let mut r = Rig::new();
        let first = r.observe(at(0), b"ob1", 0, &[TEMP, SWITCH]);
        assert_eq!(
            (first.ty, first.code, first.observe, first.format),
            (
                Some(Type::Acknowledgement),
                Code::CONTENT,
                Some(0),
                Some(ContentFormat::SENML_JSON)
            )
        );
        assert_eq!(first.token, b"ob1");
        assert_eq!(
            first.values(),
            [
                Record::new(TEMP, Value::Float(20.0)),
                Record::new(SWITCH, Value::Bool(false)),
            ]
        );
        assert_eq!(r.client.observations(), 1);
        // The same token again replaces the observation.
        r.observe(at(0), b"ob1", 0, &[UNIT]);
        assert_eq!(r.client.observations(), 1);
        // Nothing changed: nothing sent.
        assert!(r.tick(at(1)).is_empty());
    }

    #[test]
    fn observe_composite_refusals_keep_nothing() {
        let mut r = Rig::new();
        let body = fetch_paths(&[TEMP]);
        let cases = [
            // An answer format without full paths.
            (
                ContentFormat::SENML_ETCH_JSON,
                Some(ContentFormat::LWM2M_TLV),
                &body[..],
                Code::NOT_ACCEPTABLE,
            ),
            // A body format that lists no paths.
            (
                ContentFormat::TEXT_PLAIN,
                None,
                &body[..],
                Code::UNSUPPORTED_CONTENT_FORMAT,
            ),
            // A body that does not decode, and an empty list.
            (
                ContentFormat::SENML_ETCH_JSON,
                None,
                &b"[{"[..],
                Code::BAD_REQUEST,
            ),
            (
                ContentFormat::SENML_ETCH_JSON,
                None,
                &b"[]"[..],
                Code::BAD_REQUEST,
            ),
        ];
        for (format, accept, payload, code) in cases {
            let req = ClientRequest::Composite {
                observe: Some(0),
                format,
                accept,
                payload,
            };
            let sent = r.ask(at(0), b"t", &req);
            assert_eq!(
                (sent[0].code, sent[0].observe),
                (code, None),
                "{format:?} {accept:?}"
            );
        }
        assert_eq!(r.client.observations(), 0);
        // No accept: SenML CBOR, as Read-Composite.
        let req = ClientRequest::Composite {
            observe: Some(0),
            format: ContentFormat::SENML_ETCH_JSON,
            accept: None,
            payload: &body,
        };
        let sent = r.ask(at(0), b"t", &req);
        assert_eq!(sent[0].format, Some(ContentFormat::SENML_CBOR));
        assert_eq!(sent[0].values(), [Record::new(TEMP, Value::Float(20.0))]);
    }

    #[test]
    fn a_change_of_any_listed_path_notifies_all_of_them() {
        let mut r = Rig::new();
        r.observe(at(0), b"ob1", 0, &[TEMP, SWITCH]);
        // The switch changes: a notification with both values, under the token, Observe 1.
        r.tree.on = true;
        r.client.changed(&SWITCH);
        let sent = r.tick(at(1));
        assert_eq!(sent.len(), 1, "{sent:?}");
        let n = &sent[0];
        assert_eq!(
            (n.ty, n.code, n.token.as_slice(), n.observe, n.format),
            (
                Some(Type::NonConfirmable),
                Code::CONTENT,
                &b"ob1"[..],
                Some(1),
                Some(ContentFormat::SENML_JSON)
            )
        );
        assert_eq!(
            n.values(),
            [
                Record::new(TEMP, Value::Float(20.0)),
                Record::new(SWITCH, Value::Bool(true)),
            ]
        );
        // The temperature changes without a word from the application: seen when evaluated.
        r.tree.temp = 25.0;
        let sent = r.tick(at(2));
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].observe, Some(2));
        assert_eq!(sent[0].values()[0], Record::new(TEMP, Value::Float(25.0)));
        assert!(r.tick(at(3)).is_empty());
    }

    #[test]
    fn each_path_is_judged_under_its_own_attributes() {
        let mut r = Rig::new();
        // st=2 on the temperature; pmax=60 on the switch.
        for (path, query) in [(TEMP, "st=2"), (SWITCH, "pmax=60")] {
            let req = ClientRequest::WriteAttributes {
                path,
                update: Update::parse([query]).unwrap(),
            };
            assert_eq!(r.ask(at(0), b"wa", &req)[0].code, Code::CHANGED);
        }
        r.observe(at(0), b"ob1", 0, &[TEMP, SWITCH]);
        // A step below st stays quiet.
        r.tree.temp = 21.0;
        r.client.changed(&TEMP);
        assert!(r.tick(at(1)).is_empty());
        // pmax of the switch forces a notification, carrying the temperature too.
        assert_eq!(r.client.poll_timeout(at(1)), Some(at(60)));
        assert!(r.tick(at(59)).is_empty());
        let sent = r.tick(at(60));
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0].values(),
            [
                Record::new(TEMP, Value::Float(21.0)),
                Record::new(SWITCH, Value::Bool(false)),
            ]
        );
        // A step of st notifies.
        r.tree.temp = 23.5;
        let sent = r.tick(at(61));
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].values()[0], Record::new(TEMP, Value::Float(23.5)));
    }

    #[test]
    fn an_edge_is_between_two_reads_in_a_row() {
        let mut r = Rig::new();
        let req = ClientRequest::WriteAttributes {
            path: SWITCH,
            update: Update::parse(["edge=1"]).unwrap(),
        };
        assert_eq!(r.ask(at(0), b"wa", &req)[0].code, Code::CHANGED);
        let first = r.ask(
            at(0),
            b"ob1",
            &ClientRequest::Observe {
                path: SWITCH,
                accept: None,
            },
        );
        assert_eq!(first[0].observe, Some(0));
        let flip = |r: &mut Rig, t: u64, on: bool| {
            r.tree.on = on;
            r.client.changed(&SWITCH);
            r.tick(at(t)).len()
        };
        // Rising: notified; falling: not (edge=1); rising again: notified, though the value is
        // the one notified last.
        assert_eq!(flip(&mut r, 1, true), 1);
        assert_eq!(flip(&mut r, 2, false), 0);
        assert_eq!(flip(&mut r, 3, true), 1);
        assert_eq!(flip(&mut r, 4, true), 0);
    }

    #[test]
    fn a_crossing_held_by_pmin_goes_when_pmin_ends() {
        let mut r = Rig::new();
        let req = ClientRequest::WriteAttributes {
            path: TEMP,
            update: Update::parse(["pmin=10", "gt=25"]).unwrap(),
        };
        assert_eq!(r.ask(at(0), b"wa", &req)[0].code, Code::CHANGED);
        let first = r.ask(
            at(0),
            b"ob1",
            &ClientRequest::Observe {
                path: TEMP,
                accept: None,
            },
        );
        assert_eq!(first[0].observe, Some(0));
        // 26 crosses gt two seconds in: held by pmin; back to 20 before pmin ends, the
        // crossing still goes at 10 (Core 1.1 §5.1.2, pmin), with the value of then.
        r.tree.temp = 26.0;
        r.client.changed(&TEMP);
        assert!(r.tick(at(2)).is_empty());
        r.tree.temp = 20.0;
        r.client.changed(&TEMP);
        assert!(r.tick(at(6)).is_empty());
        assert_eq!(r.client.poll_timeout(at(6)), Some(at(10)));
        let sent = r.tick(at(10));
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(
            (sent[0].observe, sent[0].format, sent[0].payload.as_slice()),
            (Some(1), Some(ContentFormat::TEXT_PLAIN), &b"20"[..])
        );
        assert!(r.tick(at(30)).is_empty());
    }

    #[test]
    fn pmin_holds_a_composite_notification_back() {
        let mut r = Rig::new();
        let req = ClientRequest::WriteAttributes {
            path: Path::instance(3303, 0),
            update: Update::parse(["pmin=10"]).unwrap(),
        };
        r.ask(at(0), b"wa", &req);
        r.observe(at(0), b"ob1", 0, &[Path::instance(3303, 0)]);
        // An instance is not comparable: the application's word counts, after pmin.
        r.tree.temp = 30.0;
        assert!(r.tick(at(2)).is_empty(), "not reported changed");
        r.client.changed(&TEMP);
        assert!(r.tick(at(3)).is_empty(), "held back by pmin");
        assert_eq!(r.client.poll_timeout(at(3)), Some(at(10)));
        let sent = r.tick(at(10));
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0].values(),
            [
                Record::new(TEMP, Value::Float(30.0)),
                Record::new(UNIT, Value::Str(Text::Plain("Cel"))),
            ]
        );
        assert!(r.tick(at(30)).is_empty());
    }

    #[test]
    fn a_composite_whose_values_no_longer_fit_ends() {
        let mut r = Rig::new();
        r.observe(at(0), b"ob1", 0, &[Path::object(3303), Path::object(3342)]);
        // Each object grows to 20 values: 40 no longer fit the 32 a notification reads.
        r.tree.wide = 20;
        r.client.changed(&TEMP);
        let last = r.tick(at(1));
        assert_eq!(last.len(), 1, "{last:?}");
        assert_eq!(
            (last[0].code, last[0].observe),
            (Code::REQUEST_ENTITY_TOO_LARGE, None)
        );
        // Gone: nothing due now (kept, it would be due again at once).
        assert!(r.client.poll_timeout(at(1)).is_none_or(|t| t > at(1)));
        assert!(r.tick(at(2)).is_empty());
    }

    #[test]
    fn epmin_spaces_the_reads_of_an_observed_path() {
        let mut r = Rig::new();
        let req = ClientRequest::WriteAttributes {
            path: TEMP,
            update: Update::parse(["epmin=5"]).unwrap(),
        };
        r.ask(at(0), b"wa", &req);
        r.observe(at(0), b"ob1", 0, &[TEMP]);
        let reads = r.tree.reads.get();
        // A change reported a second after the first read waits for epmin.
        r.tree.temp = 30.0;
        r.client.changed(&TEMP);
        assert!(r.tick(at(1)).is_empty(), "read again before epmin");
        assert_eq!(r.tree.reads.get(), reads);
        assert_eq!(r.client.poll_timeout(at(1)), Some(at(5)));
        let sent = r.tick(at(5));
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].values(), [Record::new(TEMP, Value::Float(30.0))]);
        assert_eq!(r.tree.reads.get(), reads + 1);
        // And again: epmin from that read.
        r.tree.temp = 31.0;
        r.client.changed(&TEMP);
        assert!(r.tick(at(7)).is_empty());
        assert_eq!(r.client.poll_timeout(at(7)), Some(at(10)));
        assert_eq!(r.tick(at(10)).len(), 1);
    }

    #[test]
    fn epmin_spaces_the_reads_of_a_single_observation() {
        let mut r = Rig::new();
        let req = ClientRequest::WriteAttributes {
            path: TEMP,
            update: Update::parse(["epmin=5"]).unwrap(),
        };
        r.ask(at(0), b"wa", &req);
        let req = ClientRequest::Observe {
            path: TEMP,
            accept: Some(ContentFormat::SENML_JSON),
        };
        assert_eq!(r.ask(at(0), b"ob2", &req)[0].observe, Some(0));
        let reads = r.tree.reads.get();
        r.tree.temp = 30.0;
        r.client.changed(&TEMP);
        assert!(r.tick(at(2)).is_empty(), "read again before epmin");
        assert_eq!(r.tree.reads.get(), reads);
        assert_eq!(r.client.poll_timeout(at(2)), Some(at(5)));
        let sent = r.tick(at(5));
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].values(), [Record::new(TEMP, Value::Float(30.0))]);
    }

    #[test]
    fn epmin_of_one_listed_path_does_not_hold_the_pmax_of_another() {
        let mut r = Rig::new();
        for (path, query) in [(SWITCH, "pmax=3"), (TEMP, "epmin=10")] {
            let req = ClientRequest::WriteAttributes {
                path,
                update: Update::parse([query]).unwrap(),
            };
            r.ask(at(0), b"wa", &req);
        }
        r.observe(at(0), b"ob1", 0, &[TEMP, SWITCH]);
        assert_eq!(r.client.poll_timeout(at(1)), Some(at(3)));
        r.tree.on = true;
        let sent = r.tick(at(3));
        assert_eq!(sent.len(), 1, "pmax of the switch is due");
        assert_eq!(
            sent[0].values(),
            [
                Record::new(TEMP, Value::Float(20.0)),
                Record::new(SWITCH, Value::Bool(true)),
            ]
        );
    }

    #[test]
    fn epmin_does_not_hold_a_notification_pmax_owes() {
        let mut r = Rig::new();
        let req = ClientRequest::WriteAttributes {
            path: SWITCH,
            update: Update::parse(["pmax=3", "epmin=10"]).unwrap(),
        };
        r.ask(at(0), b"wa", &req);
        r.observe(at(0), b"ob1", 0, &[SWITCH]);
        assert_eq!(r.client.poll_timeout(at(1)), Some(at(3)));
        r.tree.on = true;
        let sent = r.tick(at(3));
        assert_eq!(sent.len(), 1, "pmax is due");
        assert_eq!(sent[0].values(), [Record::new(SWITCH, Value::Bool(true))]);
    }

    #[test]
    fn cancel_by_token_by_paths_and_by_reset() {
        let mut r = Rig::new();
        // Observe 1 under the observation's token: the values once more, then silence.
        r.observe(at(0), b"ob1", 0, &[TEMP, SWITCH]);
        let last = r.observe(at(1), b"ob1", 1, &[TEMP, SWITCH]);
        assert_eq!((last.code, last.observe), (Code::CONTENT, None));
        assert_eq!(last.values().len(), 2);
        assert_eq!(r.client.observations(), 0);
        r.tree.on = true;
        r.client.changed(&SWITCH);
        assert!(r.tick(at(2)).is_empty());

        // Under a new token, the observation listing the same paths.
        r.observe(at(3), b"ob2", 0, &[TEMP, SWITCH]);
        r.observe(at(3), b"ob3", 0, &[TEMP]);
        assert_eq!(r.client.observations(), 2);
        r.observe(at(4), b"new", 1, &[TEMP, SWITCH]);
        assert_eq!(r.client.observations(), 1);
        r.tree.temp = 40.0;
        let sent = r.tick(at(5));
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].token, b"ob3");

        // A Reset to a notification ends it (RFC 7641 §3.6).
        let [hi, lo] = sent[0].mid.to_be_bytes();
        r.client
            .handle(at(6), SERVER, &[0x70, 0, hi, lo], &mut r.tree)
            .unwrap();
        assert_eq!(r.client.observations(), 0);
        r.tree.temp = 10.0;
        assert!(r.tick(at(7)).is_empty());
    }

    #[test]
    fn registering_again_under_a_token_goes_on_counting() {
        // RFC 7641 §4.4: the observer keeps the last number it saw under the token, so the
        // answer to the new registration must look fresher, not start at 0 again.
        let mut r = Rig::new();
        let first = r.observe(at(0), b"ob1", 0, &[TEMP, SWITCH]);
        assert_eq!(first.observe, Some(0));
        r.tree.temp = 30.0;
        r.client.changed(&TEMP);
        let n = r.tick(at(1));
        assert_eq!(n.len(), 1);
        let last = n[0].observe.unwrap();
        let again = r.observe(at(2), b"ob1", 0, &[TEMP]);
        assert!(again.observe.unwrap() > last, "{again:?} after {last}");
        // A single-path Observe under the same token takes over, and goes on counting too.
        let req = ClientRequest::Observe {
            path: TEMP,
            accept: Some(ContentFormat::TEXT_PLAIN),
        };
        let single = r.ask(at(3), b"ob1", &req);
        assert!(
            single[0].observe.unwrap() > again.observe.unwrap(),
            "{single:?}"
        );
        assert_eq!(r.client.observations(), 1);
    }

    #[test]
    fn a_resource_that_cannot_be_read_ends_its_observation() {
        let mut r = Rig::new();
        let req = ClientRequest::Observe {
            path: TEMP,
            accept: Some(ContentFormat::TEXT_PLAIN),
        };
        let first = r.ask(at(0), b"ob2", &req);
        assert_eq!(first[0].observe, Some(0));
        // The resource goes away: a last notification without Observe, then nothing.
        r.tree.gone = true;
        r.client.changed(&TEMP);
        let last = r.tick(at(1));
        assert_eq!(last.len(), 1, "{last:?}");
        assert_eq!((last[0].code, last[0].observe), (Code::NOT_FOUND, None));
        assert_eq!(r.client.observations(), 0);
        r.client.changed(&TEMP);
        assert!(r.tick(at(2)).is_empty());
    }

    /// RFC 7641 §4.5.1: one Confirmable notification at a time. With `con=1` and a server
    /// that never acknowledges, the client retransmits the one on its way and sends no other
    /// until it is given up; it used to send one more a second until the endpoint was full,
    /// and then every `handle_timeout` failed with Busy.
    #[test]
    fn one_confirmable_notification_at_a_time() {
        let mut r = Rig::new();
        let req = ClientRequest::WriteAttributes {
            path: TEMP,
            update: Update::parse(["pmax=1", "con=1"]).unwrap(),
        };
        r.ask(at(0), b"wa", &req);
        let req = ClientRequest::Observe {
            path: TEMP,
            accept: Some(ContentFormat::SENML_JSON),
        };
        assert_eq!(r.ask(at(0), b"ob", &req)[0].observe, Some(0));
        let mut confirmable = Vec::new();
        for s in 1..=120u32 {
            r.tree.temp = f64::from(s);
            r.client.changed(&TEMP);
            for sent in r.tick(at(u64::from(s))) {
                if sent.ty == Some(Type::Confirmable) {
                    confirmable.push(sent.mid);
                }
            }
        }
        assert!(!confirmable.is_empty());
        assert!(
            confirmable.iter().all(|&m| m == confirmable[0]),
            "{confirmable:?}"
        );
        // Transmitted and retransmitted (MAX_RETRANSMIT 4), then given up: the observer is
        // gone (§4.5).
        assert_eq!(confirmable.len(), 5, "{confirmable:?}");
        assert_eq!(r.client.observations(), 0);
    }

    /// RFC 7641 §4.5: notifications in Non-confirmable messages are sent Confirmable at least
    /// once every 24 hours, and the next ones go Non-confirmable again once it is acknowledged.
    #[test]
    fn a_confirmable_notification_every_24_hours() {
        let mut r = Rig::new();
        let req = ClientRequest::WriteAttributes {
            path: TEMP,
            update: Update::parse(["pmax=3600"]).unwrap(),
        };
        r.ask(at(0), b"wa", &req);
        let req = ClientRequest::Observe {
            path: TEMP,
            accept: Some(ContentFormat::SENML_JSON),
        };
        r.ask(at(0), b"ob", &req);
        let mut kinds = Vec::new();
        for h in 1..=26u64 {
            for sent in r.tick(at(h * 3600)) {
                if sent.ty == Some(Type::Confirmable) {
                    // Acknowledged.
                    let ack = Builder::<0>::udp(Type::Acknowledgement, Code::EMPTY, sent.mid);
                    let mut buf = [0u8; 8];
                    let n = ack.encode(&mut buf).unwrap();
                    r.client
                        .handle(at(h * 3600), SERVER, &buf[..n], &mut r.tree)
                        .unwrap();
                }
                kinds.push((h, sent.ty));
            }
        }
        let con: Vec<_> = kinds
            .iter()
            .filter(|(_, t)| *t == Some(Type::Confirmable))
            .map(|(h, _)| *h)
            .collect();
        // The clock starts at the first notification (hour 1).
        assert_eq!(con, [25], "{kinds:?}");
        assert_eq!(kinds.len(), 26, "{kinds:?}");
    }

    /// Notifications go to a registration: none after De-register, and the observations end
    /// with it (a server that registers the client again observes anew).
    #[test]
    fn observations_end_with_the_registration() {
        let mut r = Rig::new();
        let req = ClientRequest::WriteAttributes {
            path: TEMP,
            update: Update::parse(["pmax=5"]).unwrap(),
        };
        r.ask(at(0), b"wa", &req);
        let req = ClientRequest::Observe {
            path: TEMP,
            accept: Some(ContentFormat::SENML_JSON),
        };
        r.ask(at(0), b"ob", &req);
        assert_eq!(r.tick(at(5)).len(), 1);
        r.client.deregister(at(6)).unwrap();
        let sent = r.sent(at(6));
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].code, Code::DELETE);
        assert_eq!(r.client.observations(), 0);
        assert!(r.tick(at(20)).iter().all(|s| s.observe.is_none()));
    }

    /// A Confirmable notification on its way holds back the next Confirmable one, not the
    /// others: an observation without `con` falls due on time.
    #[test]
    fn a_confirmable_on_its_way_holds_back_no_other_observation() {
        let mut r = Rig::new();
        for (path, query) in [(TEMP, ["pmax=10", "con=1"]), (SWITCH, ["pmax=11", "con=0"])] {
            let req = ClientRequest::WriteAttributes {
                path,
                update: Update::parse(query).unwrap(),
            };
            r.ask(at(0), b"wa", &req);
        }
        for (path, token) in [(TEMP, b"t"), (SWITCH, b"s")] {
            let req = ClientRequest::Observe {
                path,
                accept: Some(ContentFormat::SENML_JSON),
            };
            r.ask(at(0), token, &req);
        }
        let sent = r.tick(at(10));
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].ty, Some(Type::Confirmable));
        // Unacknowledged: the switch's notification is due at 11 all the same.
        assert_eq!(r.client.poll_timeout(at(10)), Some(at(11)));
        let sent = r.tick(at(11));
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].token, b"s");
    }
}
