//! The registration of a client (OMA-TS-LightweightM2M_Core 1.1 §6.2, Client Registration
//! Interface): Register, Update (before the lifetime ends, with the links when objects came or
//! went, with `lt` when the server wrote the Lifetime, with `b` when it wrote the Binding), De-register, Register tried again by
//! the sequences of [`Settings::retry`](super::Settings), and Disable (`/1/x/4`).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::Code;
use m2m_core::Timestamp;

use super::links::FIRST;
use super::{Client, ClientEvent, ObjectTree, State, account, secs};
use crate::interface::{Location, RegisterParams, ServerRequest};
use crate::server::SessionError;

/// The time before the lifetime ends at which the client sends its Update: MAX_TRANSMIT_WAIT
/// (93 s, RFC 7252 §4.8.2), so that every retransmission of the Update still comes in time,
/// or half the lifetime when that is shorter (as Wakaama does).
pub(super) fn update_margin(lifetime: u32) -> u64 {
    const MAX_TRANSMIT_WAIT: u64 = 93;
    let lt = u64::from(lifetime);
    MAX_TRANSMIT_WAIT.min(lt / 2)
}

impl<P: Copy + Eq, const N: usize, const B: usize, const O: usize, const A: usize, const C: usize>
    Client<'_, P, N, B, O, A, C>
{
    /// The server wrote its Lifetime (`/1/x/1`): the registration takes it, in an Update
    /// that carries `lt` (OMA interoperability test TD_LWM2M_1.0_INT_102), sent at once.
    pub(super) fn lifetime_written(&mut self, now: Timestamp, lifetime: u32) {
        if lifetime == self.settings.lifetime {
            return;
        }
        self.settings.lifetime = lifetime;
        if self.is_registered() {
            self.lifetime_changed = true;
            self.update_soon(now);
        }
    }

    /// An Update now, or as soon as the one on its way is answered.
    pub(super) fn update_soon(&mut self, now: Timestamp) {
        match self.state {
            State::Registered => self.next_update = Some(now),
            State::Updating(_) => self.update_again = true,
            _ => {}
        }
    }

    /// Sends Register, with the object links of `tree`, and as `b` (Core 1.1 §6.2.1) the
    /// client's own binding from 1.1 on, in 1.0 the Binding of the server's Server instance
    /// (`/1/x/7`) when the tree holds one the client can use. One it cannot is reported
    /// ([`ClientEvent::BindingUnsupported`]) and the binding the client has goes.
    pub fn register<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        tree: &T,
    ) -> Result<(), SessionError> {
        // The binding first: Register carries the one the tree holds now.
        self.refresh_binding(now, tree);
        let id = self.send_links(now, tree, false, FIRST.0, FIRST.1)?;
        // Register announces the lifetime of the settings ([`Client::set_lifetime`]).
        let _ = self.refresh_defaults(tree);
        self.lifetime_changed = false;
        self.binding_changed = false;
        self.update_again = false;
        // A new registration: the server observes anew (its observations ended with the
        // registration they were made under, as ours do on the server side).
        self.end_observations();
        self.disabled_until = None;
        self.state = State::Registering(id);
        self.retry_at = None;
        // A Bootstrap that never finished is over, and one still held off is called off.
        self.bootstrapping = None;
        self.fallback_over(false);
        Ok(())
    }

    /// Sends Update now (the client also does so by itself before the lifetime ends).
    pub fn update(&mut self, now: Timestamp) -> Result<(), SessionError> {
        self.send_update(now)
    }

    /// Sends Update with the object links of `tree`: after the application added or removed
    /// objects or instances by itself (Core 1.1 §6.2.2, "Update": the links go along when
    /// they changed).
    pub fn update_objects<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        tree: &T,
    ) -> Result<(), SessionError> {
        if let Some(lt) = self.refresh_defaults(tree) {
            self.lifetime_written(now, lt);
        }
        self.refresh_binding(now, tree);
        let id = self.send_links(now, tree, true, FIRST.0, FIRST.1)?;
        self.state = State::Updating(id);
        self.objects_changed = false;
        Ok(())
    }

    pub(super) fn send_update(&mut self, now: Timestamp) -> Result<(), SessionError> {
        let copy = (self.location, self.location_len);
        let mut loc = [""; 4];
        let n = location_segments(&copy.0, copy.1, &mut loc);
        let location =
            Location::new(loc.iter().take(n).copied()).ok_or(SessionError::UnknownRegistration)?;
        let binding = self.binding_changed.then(|| self.announced_binding());
        let req = ServerRequest::Update {
            location,
            params: RegisterParams {
                lifetime: self.lifetime_changed.then_some(self.settings.lifetime),
                binding: binding.as_ref().map(|b| b.as_str()),
                ..RegisterParams::default()
            },
            links: None,
        };
        let id = self.send(now, &req)?;
        self.state = State::Updating(id);
        Ok(())
    }

    /// Sends De-register.
    pub fn deregister(&mut self, now: Timestamp) -> Result<(), SessionError> {
        let copy = (self.location, self.location_len);
        let mut loc = [""; 4];
        let n = location_segments(&copy.0, copy.1, &mut loc);
        let location =
            Location::new(loc.iter().take(n).copied()).ok_or(SessionError::UnknownRegistration)?;
        let id = self.send(now, &ServerRequest::Deregister { location })?;
        self.state = State::Deregistering(id);
        self.next_update = None;
        self.end_observations();
        Ok(())
    }

    /// De-registered after Disable: Register again once the Disable Timeout has passed.
    pub(super) fn after_disable(&mut self) {
        if let Some(at) = self.disabled_until {
            self.state = State::Waiting;
            self.retry_at = Some(at);
        }
    }

    /// Disable was executed and answered: De-register now, and register again after
    /// `seconds`.
    /// The De-register waits while the endpoint has no room (a Send holds it: the Send gives
    /// way, as to Register and Update), and goes from [`Client::handle_timeout`] then.
    pub(super) fn disable_now(&mut self, now: Timestamp) -> Result<(), SessionError> {
        let Some(seconds) = self.disable else {
            return Ok(());
        };
        if !self.is_registered() {
            self.disable = None;
            return Ok(());
        }
        if let State::Updating(id) = self.state {
            self.endpoint.cancel(id);
            self.state = State::Registered;
        }
        let mut sent = self.deregister(now);
        if self.preempt_sends(&sent) {
            sent = self.deregister(now);
        }
        if sent.is_ok() {
            self.disable = None;
            self.disabled_until = Some(now.checked_add(secs(u64::from(seconds))).unwrap_or(now));
            self.push_event(ClientEvent::Disabled { seconds });
        }
        self.hold(now, sent)
    }

    /// Forgets every observation (a registration ends or begins anew).
    pub(super) fn end_observations(&mut self) {
        self.observations = [None; O];
        self.composites = [None; C];
        self.confirmable_notes = [None; 8];
    }

    /// Register failed (with `code`, or unanswered): again after the wait [`Settings::retry`]
    /// says (and no sooner than `not_before` seconds: a 4.29's Max-Age, RFC 8516 §4), or
    /// abandoned, and then a Bootstrap held off when the accounts of `tree` say so. A
    /// rejection ([`is_rejection`]) is abandoned at once when they say so: no retry.
    ///
    /// [`Settings::retry`]: super::Settings::retry
    pub(super) fn failed<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        code: Option<Code>,
        tree: &T,
    ) {
        self.failed_after(now, code, 0, tree);
    }

    /// [`Client::failed`], the retry no sooner than `not_before` seconds from `now`.
    pub(super) fn failed_after<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        code: Option<Code>,
        not_before: u64,
        tree: &T,
    ) {
        self.failures = self.failures.saturating_add(1);
        let bootstrap = bootstrap_after_failure(tree, self.ssid);
        let rejected = code.is_some_and(is_rejection) && bootstrap.is_some();
        let at = self
            .settings
            .retry
            .wait(self.failures)
            .filter(|_| !rejected)
            .and_then(|wait| now.checked_add(secs(wait.max(not_before.min(MAX_NOT_BEFORE)))));
        match at {
            Some(at) => {
                self.state = State::Waiting;
                self.retry_at = Some(at);
                self.push_event(ClientEvent::RegistrationFailed(code));
            }
            // The last attempt failed (or the next would lie past the clock's end), or the
            // server rejected the registration and the accounts call for a Bootstrap.
            None => {
                self.state = State::Idle;
                self.retry_at = None;
                self.failures = 0;
                self.push_event(ClientEvent::RegistrationAbandoned);
                if let Some(hold_off) = bootstrap {
                    self.schedule_fallback(now, hold_off);
                }
            }
        }
    }

    pub(super) fn schedule_update(&mut self, now: Timestamp) {
        // A lifetime of 0 is infinite (the Server object's Lifetime, /1/x/1): no Update due.
        if self.settings.lifetime == 0 {
            self.next_update = None;
            return;
        }
        let lt = u64::from(self.settings.lifetime);
        let wait = lt
            .saturating_sub(update_margin(self.settings.lifetime))
            .max(1);
        self.next_update = now.checked_add(secs(wait));
    }
}

/// Whether Register abandoned leads to a Client Initiated Bootstrap (Core 1.1 §6.1, Bootstrap
/// Sequence step 4), and after how many seconds: the server's Bootstrap on Registration
/// Failure (`/1/x/16`) is not false and the tree holds a Bootstrap-Server account; its Client
/// Hold Off Time (`/0/x/11`) is the wait (none in the tree: no wait, the client having decided
/// to bootstrap).
fn bootstrap_after_failure<T: ObjectTree + ?Sized>(tree: &T, ssid: Option<u16>) -> Option<u64> {
    if !account::bootstrap_on_registration_failure(tree, ssid) {
        return None;
    }
    let bs = account::bootstrap_account(tree)?;
    Some(u64::from(bs.hold_off.unwrap_or(0)))
}

/// Whether `code`, answering Register, is the server's explicit rejection of the registration
/// that the Server object's Bootstrap on Registration Failure (`/1/x/16`, Core 1.1 Appendix
/// E.2: "when either registration is explicitly rejected by the LwM2M Server or registration
/// is considered as failing as dictated by the other resource settings") bootstraps on at
/// once.
///
/// The rule: a 4.xx Client Error is a rejection when the same Register sent again meets it
/// again (RFC 7252 §5.9.2: the client should not repeat the request unmodified, and this
/// client sends no other): the refusals Core 1.1 §6.2.1 lists for Register, 4.00 Bad Request,
/// 4.03 Forbidden (the endpoint may not register) and 4.12 Precondition Failed (the versions
/// do not match), and the others that refuse the request as it is (4.01, 4.02, 4.04 Not
/// Found, 4.05 Method Not Allowed, 4.06, 4.13 Request Entity Too Large, 4.15 Unsupported
/// Content-Format, 4.22, ...). A 4.13 the client can act on (to a block of the links, with a
/// smaller block size) never comes here: the links start again at that size (RFC 7959 §2.9.3);
/// any other meets the same Register again. Two 4.xx are not rejections, since the same
/// request may pass later: 4.29 Too Many Requests (RFC 8516: retry after its Max-Age;
/// [`Client::failed`] waits that long at least, a day at most), and 4.08 Request Entity
/// Incomplete, which ends a block-wise transfer of the links that may pass from its first
/// block (RFC 7959 §2.9.2). A 5.xx Server Error may pass (RFC 7252 §5.9.3), and no answer or
/// a Reset is no answer at all: those, and the two above, go through the Communication Retry
/// resources (`/1/x/17` to `/1/x/20`) first, as `/1/x/16`'s "other resource settings" say.
fn is_rejection(code: Code) -> bool {
    code.class() == 4
        && !matches!(
            code,
            Code::TOO_MANY_REQUESTS | Code::REQUEST_ENTITY_INCOMPLETE
        )
}

/// The longest a 4.29's Max-Age holds the next Register (or Update) back, seconds: a day, the default
/// Communication Sequence Delay Timer (`/1/x/20`, Core 1.1 Appendix E.2). A server may give up
/// to 2^32 - 1 s (RFC 7252 §5.10.5), which would leave the client waiting, neither registered
/// nor abandoned, for 136 years.
pub(super) const MAX_NOT_BEFORE: u64 = 86_400;

/// The segments of a stored location (`/rd/5a3f`).
pub(super) fn location_segments<'s>(bytes: &'s [u8], len: usize, out: &mut [&'s str; 4]) -> usize {
    let text = core::str::from_utf8(bytes.get(..len).unwrap_or_default()).unwrap_or_default();
    let mut n = 0usize;
    for (slot, seg) in out
        .iter_mut()
        .zip(text.split('/').filter(|s| !s.is_empty()))
    {
        *slot = seg;
        n = n.saturating_add(1);
    }
    n
}
