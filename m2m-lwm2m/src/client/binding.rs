//! The binding the client announces (`b`, Core 1.1 §6.2.1 Register, §6.2.2 Update) and the
//! one its server writes into its Server instance (`/1/x/7`, Core 1.1 Appendix E.2: "If the
//! LwM2M Client supports the binding specified in this Resource, the LwM2M Client MUST use that
//! transport for the Current Binding Mode").
//!
//! What `b` says depends on the version the client registers with:
//!
//! - **LwM2M 1.1 and later**: `b` is the set of bindings the client supports (Core 1.1 §6.2.1,
//!   as the Device object's Supported Binding and Modes, `/3/0/16`), so Register announces
//!   [`Settings::binding`](super::Settings) whatever `/1/x/7` holds, without a `Q` (queue
//!   mode is the `Q` parameter of its own since 1.1, and a 1.1 server refuses a `Q` in `b`:
//!   Leshan answers 4.00). A binding written into `/1/x/7` changes nothing the client
//!   announces: no Update goes for it. It is only checked: one the client cannot use is
//!   reported ([`ClientEvent::BindingUnsupported`]).
//! - **LwM2M 1.0**: `b` is the binding of the Server object, queue mode inside it (`UQ`). A
//!   written binding the client can use is taken (its `Q` turns queue mode on; a binding
//!   without `Q` that replaces one with `Q` turns it off, as a 1.0 server means), goes in an
//!   Update's `b` at once when the client is registered, and in the next Register's `b` in
//!   any case: Register reads `/1/x/7` before it is built, so a binding written while the
//!   client is not registered (by a bootstrap server, or between two Registers) is the one
//!   the next Register carries.
//!
//! A binding the client can use has `U` (it speaks CoAP over UDP) and is a binding (Core 1.1
//! §5.3.1.1's letters, each once); in 1.0 it must also be one of the six bindings 1.0 knows
//! (Core 1.0 §5.3.1.1: `U`, `UQ`, `S`, `SQ`, `US`, `UQS`), its letters in any order (`QU` is
//! announced as `UQ`), so that `UT`, `UN` or `UQT`, which a 1.0 server would not read, are
//! never announced to one. One it cannot use it does not take: it keeps the binding it has, sends nothing for
//! it, and reports [`ClientEvent::BindingUnsupported`] (when it is written, or read by
//! Register; the std runners' `register_account` refuses a binding without `U`). The
//! specification says nothing of an answer to such a Write: the tree has taken it as any
//! other value.
//!
//! What the client announces never fails to be built: should the application's own settings
//! give no binding the client can announce (a [`Settings::binding`](super::Settings) too long,
//! or without a queued form when [`Client::set_queue`] turned queue mode on), it announces
//! `U` (`UQ` for a 1.0 client in queue mode), the binding it always speaks.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::Timestamp;

use super::{Client, ClientEvent, ObjectTree, account};

/// The longest binding kept: every letter of Core 1.2 (`U`, `T`, `S`, `N`, `Q`, `M`, `H`) once.
const MAX: usize = 8;

/// A binding as text, kept by the client (the tree's is borrowed only while it is read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Binding {
    bytes: [u8; MAX],
    /// The length of the text read, which may pass [`MAX`] (then it is no binding).
    len: usize,
}

impl Binding {
    /// `text`, its first [`MAX`] bytes kept.
    pub(super) fn read(text: &str) -> Self {
        let mut bytes = [0u8; MAX];
        for (b, t) in bytes.iter_mut().zip(text.bytes()) {
            *b = t;
        }
        Binding {
            bytes,
            len: text.len(),
        }
    }

    /// The text, when it fits (empty otherwise).
    pub(super) fn as_str(&self) -> &str {
        self.bytes
            .get(..self.len)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or_default()
    }

    fn has(&self, letter: char) -> bool {
        self.as_str().contains(letter)
    }

    /// Whether the client can use it over UDP: a binding (Core 1.1 §5.3.1.1's letters, each
    /// once) with `U`.
    fn usable(&self) -> bool {
        let text = self.as_str();
        crate::interface::valid_binding(text) && text.contains('U')
    }

    /// It without `letter`.
    fn without(&self, letter: u8) -> Self {
        let mut bytes = [0u8; MAX];
        let mut len = 0usize;
        let kept = self.as_str().bytes().filter(|&b| b != letter);
        for (slot, b) in bytes.iter_mut().zip(kept) {
            *slot = b;
            len = len.saturating_add(1);
        }
        Binding { bytes, len }
    }

    /// What `b` says for it (module docs): from 1.1 on (`v1_0` false) it without `Q`; in 1.0
    /// its 1.0 form ([`v1_0_form`]), queued in queue mode. `None` when it cannot be announced
    /// so (no binding, or no 1.0 form).
    fn announced(&self, v1_0: bool, queue: bool) -> Option<Binding> {
        if !crate::interface::valid_binding(self.as_str()) {
            return None;
        }
        if !v1_0 {
            return Some(self.without(b'Q')).filter(|b| b.len > 0);
        }
        v1_0_form(self.as_str(), queue).map(Binding::read)
    }
}

/// The 1.0 form of a binding's transports with queue mode on or off: one of the six values
/// Core 1.0 §5.3.1.1 lists (`U`, `UQ`, `S`, `SQ`, `US`, `UQS`), whatever the order of the
/// letters given (`QU` is `UQ`). `None` when it holds a transport 1.0 does not know (`T`, `N`,
/// `M`, `H`: a 1.0 server would not understand it), or none at all (`Q`).
fn v1_0_form(binding: &str, queue: bool) -> Option<&'static str> {
    if binding.bytes().any(|c| !matches!(c, b'U' | b'S' | b'Q')) {
        return None;
    }
    match (binding.contains('U'), binding.contains('S'), queue) {
        (true, false, false) => Some("U"),
        (true, false, true) => Some("UQ"),
        (false, true, false) => Some("S"),
        (false, true, true) => Some("SQ"),
        (true, true, false) => Some("US"),
        (true, true, true) => Some("UQS"),
        (false, false, _) => None,
    }
}

impl<P: Copy + Eq, const N: usize, const B: usize, const O: usize, const A: usize, const C: usize>
    Client<'_, P, N, B, O, A, C>
{
    /// The binding Register announces, and Update when it changed (module docs): from 1.1 on,
    /// [`Settings::binding`](super::Settings) without `Q`; in 1.0, the one the server wrote
    /// ([`Client::refresh_binding`]) else [`Settings::binding`](super::Settings), with its
    /// `Q` in queue mode (`UQ`). `U` (`UQ`) when neither can be announced.
    pub(super) fn announced_binding(&self) -> Binding {
        let v1_0 = self.is_v1_0();
        let queue = self.settings.queue.is_some();
        let written = if v1_0 { self.binding } else { None };
        written
            .into_iter()
            .chain([Binding::read(self.settings.binding)])
            .find_map(|b| b.announced(v1_0, queue))
            .unwrap_or_else(|| Binding::read(if v1_0 && queue { "UQ" } else { "U" }))
    }

    /// Whether the client registers as LwM2M 1.0 (no version announced, or 1.0).
    pub(super) fn is_v1_0(&self) -> bool {
        self.settings
            .version
            .is_none_or(|v| v.major == 1 && v.minor == 0)
    }

    /// Reads the Binding of the server's instance (`/1/x/7`) again: one read for the first
    /// time (since the client began or moved to this server), or changed since the last read,
    /// is checked, and in 1.0 applied (the module's rules) whether the client is registered or
    /// not, so that Register announces it; when the client is registered and what it announces
    /// changed, it goes to the server in an Update sent at once (Core 1.1 §6.2.2: `b` when the
    /// binding changed), as a written Lifetime does.
    pub(super) fn refresh_binding<T: ObjectTree + ?Sized>(&mut self, now: Timestamp, tree: &T) {
        let new = account::server_binding(tree, self.ssid).map(Binding::read);
        let was = core::mem::replace(&mut self.tree_binding, new);
        let Some(new) = new else {
            return;
        };
        if was == Some(new) {
            return;
        }
        if !self.is_v1_0() {
            // From 1.1 on `b` is the client's own: the Server object's binding is only checked.
            if !new.usable() {
                self.push_event(ClientEvent::BindingUnsupported);
            }
            return;
        }
        let queue = if new.has('Q') {
            self.settings.queue.or(Some(crate::server::AWAKE_TIME))
        } else if was.is_some_and(|w| w.has('Q')) {
            None
        } else {
            self.settings.queue
        };
        if !new.usable() || new.announced(true, queue.is_some()).is_none() {
            self.push_event(ClientEvent::BindingUnsupported);
            return;
        }
        let before = self.announced_binding();
        self.settings.queue = queue;
        self.binding = Some(new);
        if self.is_registered() && self.announced_binding() != before {
            self.binding_changed = true;
            self.update_soon(now);
        }
    }
}
