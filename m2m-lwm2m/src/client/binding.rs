//! The binding the client announces (`b`, Core 1.1 §6.2.1 Register, §6.2.2 Update) and the
//! one its server writes into its Server instance (`/1/x/7`, Core 1.1 Appendix E.2: "If the
//! LwM2M Client supports the binding specified in this Resource, the LwM2M Client MUST use that
//! transport for the Current Binding Mode").
//!
//! The client speaks CoAP over UDP: a written binding with `U` is taken (its `Q`, the queue
//! mode of LwM2M 1.0 `UQ`, turns queue mode on; a binding without `Q` that replaces one with
//! `Q` turns it off, as a 1.0 server means), goes in an Update's `b` at once when the client is
//! registered, and in the next Register's `b` in any case: Register reads `/1/x/7` before it
//! is built and announces it (Core 1.1 §6.2.1: `b` is the binding of the Server object), so a
//! binding written while the client is not registered (by a bootstrap server, or between two
//! Registers) is the one the next Register carries. One without `U` (another transport only,
//! `T`, `S`, `N`), or that is no binding at all, the client cannot use: it keeps the binding it
//! has, sends nothing for it, and reports [`ClientEvent::BindingUnsupported`] (when it is
//! written, or read by Register; the std runners' `register_account` refuses the same
//! bindings). The specification says nothing of an answer to such a Write: the tree has taken
//! it as any other value.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_core::Timestamp;

use super::{Client, ClientEvent, ObjectTree, account};
use crate::error::{Error, Reason};

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

    /// Whether the client can use it: a binding (Core 1.1 §5.3.1.1's letters, each once) with
    /// `U`.
    fn usable(&self) -> bool {
        let text = self.as_str();
        crate::interface::valid_binding(text) && text.contains('U')
    }
}

/// A 1.0 binding with its queue mode: `U` -> `UQ`, `S` -> `SQ`, `US` -> `UQS`, one with its
/// `Q` already as it is; `None` for the others (1.0 knows no queue mode for them).
fn queued_binding(binding: &str) -> Option<&str> {
    match binding {
        "U" => Some("UQ"),
        "S" => Some("SQ"),
        "US" => Some("UQS"),
        b if b.contains('Q') => Some(b),
        _ => None,
    }
}

impl<P: Copy + Eq, const N: usize, const B: usize, const O: usize, const A: usize, const C: usize>
    Client<'_, P, N, B, O, A, C>
{
    /// The binding Register announces, and Update when it changed: the one the server wrote
    /// ([`Client::refresh_binding`]), else [`Settings::binding`](super::Settings); for a 1.0
    /// client in queue mode, with its `Q` (`UQ`), which 1.1 sends as a parameter of its own.
    pub(super) fn announced_binding(&self) -> Result<Binding, Error> {
        let base = self
            .binding
            .unwrap_or_else(|| Binding::read(self.settings.binding));
        if base.len > MAX {
            return Err(Error::new(0, Reason::Unrepresentable));
        }
        if self.settings.queue.is_some() && self.is_v1_0() {
            return queued_binding(base.as_str())
                .map(Binding::read)
                .ok_or(Error::new(0, Reason::Unrepresentable));
        }
        Ok(base)
    }

    /// Whether the client registers as LwM2M 1.0 (no version announced, or 1.0).
    pub(super) fn is_v1_0(&self) -> bool {
        self.settings
            .version
            .is_none_or(|v| v.major == 1 && v.minor == 0)
    }

    /// Reads the Binding of the server's instance (`/1/x/7`) again: one read for the first
    /// time (since the client began or moved to this server), or changed since the last read,
    /// is applied (the module's rules) whether the client is registered or not, and Register
    /// announces it; when the client is registered and it differs from the binding announced,
    /// it goes to the server in an Update sent at once (Core 1.1 §6.2.2: `b` when the binding
    /// changed), as a written Lifetime does.
    pub(super) fn refresh_binding<T: ObjectTree + ?Sized>(&mut self, now: Timestamp, tree: &T) {
        let new = account::server_binding(tree, self.ssid).map(Binding::read);
        let was = core::mem::replace(&mut self.tree_binding, new);
        let Some(new) = new else {
            return;
        };
        if was == Some(new) {
            return;
        }
        if !new.usable() {
            self.push_event(ClientEvent::BindingUnsupported);
            return;
        }
        let announced = self
            .binding
            .unwrap_or_else(|| Binding::read(self.settings.binding));
        let queue = self.settings.queue;
        if new.has('Q') {
            if self.settings.queue.is_none() {
                self.settings.queue = Some(crate::server::AWAKE_TIME);
            }
        } else if was.is_some_and(|w| w.has('Q')) {
            self.settings.queue = None;
        }
        self.binding = Some(new);
        if self.is_registered() && (new != announced || queue != self.settings.queue) {
            self.binding_changed = true;
            self.update_soon(now);
        }
    }
}
