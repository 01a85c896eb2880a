//! The UDP runner: the RFC 7252 message layer of [`Endpoint`] around a tokio socket.

use core::net::SocketAddr;
use std::io;
use std::time::Instant;

use tokio::net::UdpSocket;

use super::pacing::Pacer;
use super::service::{Service, Step, Wake};
use super::{Handler, Notifier, now};
use crate::builder::Builder;
use crate::code::{Code, Type};
use crate::endpoint::{Endpoint, EndpointError, Event, Exchange, Incoming};

type Ep = Endpoint<SocketAddr, 64, 1280>;

/// Serves CoAP over UDP on `socket` until an I/O error receiving; nobody can notify its
/// observers (see [`serve_udp_with`]).
pub async fn serve_udp(socket: UdpSocket, handler: impl Handler) -> io::Result<()> {
    serve_udp_with(socket, handler, Notifier::new()).await
}

/// Serves CoAP over UDP on `socket` until an I/O error receiving; observers are notified of
/// the changes told to `notifier`. A datagram that cannot be sent is dropped (the message
/// layer retransmits or gives up), so that no peer's address ends the server.
pub async fn serve_udp_with(
    socket: UdpSocket,
    handler: impl Handler,
    notifier: Notifier,
) -> io::Result<()> {
    let start = tokio::time::Instant::now();
    // Message ids and tokens must be hard to guess (RFC 7252 §5.3.1, §11.4).
    let mut ep = Ep::new(m2m_core::random::seed());
    let mut svc = Service::<SocketAddr, Exchange<SocketAddr>, _>::new(handler, notifier);
    // Room for the largest UDP datagram, so that none is cut short (the payload runs to the
    // end of the datagram: a cut one would still parse, with a wrong body).
    let mut buf = std::vec![0u8; 65_536];
    let mut out = std::vec![0u8; 1500];
    let mut pacer = Pacer::<SocketAddr>::new();
    // Answers that found the endpoint's messages full (a separate or Non-confirmable
    // response): held, in order, until there is room (RFC 7252 §5.2.2: after an Empty ACK,
    // the response is still owed).
    let mut held = Held::new();
    loop {
        let mut full = false;
        for _ in 0..held.len() {
            let Some(step) = held.pop_front() else { break };
            if !send(&mut ep, &mut svc, &mut pacer, &mut held, start, step) {
                // Still no room: it stays first, the rest behind it.
                if let Some(back) = held.pop_back() {
                    held.push_front(back);
                }
                full = true;
                break;
            }
        }
        // Held notifications whose time has come: the state of now (RFC 7641 §4.5.2). One
        // that finds the endpoint full is held again, and the rest wait for room.
        while let Some(id) = pacer.next_due(tokio::time::Instant::now()) {
            if let Some(step) = svc.renotify(id) {
                if !send(&mut ep, &mut svc, &mut pacer, &mut held, start, step) {
                    full = true;
                    break;
                }
            }
        }
        // Notifications about to go stale: sent again with the state of now (RFC 7641 §4.3.1),
        // paced as a change is.
        if !full {
            for id in svc.stale(tokio::time::Instant::now()) {
                notify_paced(&mut ep, &mut svc, &mut pacer, &mut held, start, id);
            }
        }
        while let Some((peer, n)) = ep.poll_transmit(now(start), &mut out) {
            // A datagram that cannot go (a peer of port 0, a network gone) is lost as on the
            // wire, and the retransmissions and timeouts of the message layer take over: one
            // peer's address never ends the server.
            let _ = socket.send_to(out.get(..n).unwrap_or_default(), peer).await;
        }
        while let Some(e) = ep.poll_event() {
            if let Event::Undelivered { message_id } = e {
                svc.observations.undelivered(message_id);
                pacer.undelivered(message_id);
            }
        }
        let retransmit = ep.poll_timeout().and_then(|t| {
            let ms = t.as_millis().saturating_sub(now(start).as_millis());
            tokio::time::Instant::now().checked_add(core::time::Duration::from_millis(ms))
        });
        let wake = next_wake(
            full,
            tokio::time::Instant::now(),
            retransmit,
            pacer.next_wake(),
            svc.next_refresh(),
        );
        tokio::select! {
            r = socket.recv_from(&mut buf) => {
                let (n, peer) = r?;
                let datagram = buf.get(..n).unwrap_or_default();
                match ep.handle(now(start), peer, datagram) {
                    Ok(Incoming::Request { message, exchange }) => {
                        match svc.request(peer, &message, exchange) {
                            Some(step) => {
                                send(&mut ep, &mut svc, &mut pacer, &mut held, start, step);
                            }
                            // The answer takes time: acknowledge now (RFC 7252 §5.2.2).
                            None => ep.accept(now(start), &exchange),
                        }
                    }
                    Ok(Incoming::Reset { peer, token, .. }) => {
                        svc.observations.remove(peer, token.as_slice());
                    }
                    _ => {}
                }
                // An acknowledgement of a Confirmable notification lets the next one go.
                pacer.heard(peer, tokio::time::Instant::now(), |mid| ep.awaits_ack(peer, mid));
                svc.observations.acknowledged(peer, |mid| ep.awaits_ack(peer, mid));
            }
            w = svc.wake() => match w {
                Wake::Ready(r) => {
                    if let Some(step) = svc.ready(r) {
                        send(&mut ep, &mut svc, &mut pacer, &mut held, start, step);
                    }
                }
                Wake::Changed(path) => {
                    pacer.retain(|p| svc.observations.has_peer(*p));
                    for id in svc.observations.of(path.as_deref()) {
                        notify_paced(&mut ep, &mut svc, &mut pacer, &mut held, start, id);
                    }
                }
            },
            () = async {
                match wake {
                    Some(w) => tokio::time::sleep_until(w).await,
                    None => core::future::pending().await,
                }
            } => {}
        }
    }
}

/// Notifies observation `id` with the handler's answer of now, or holds it until its client
/// may be sent to (RFC 7641 §4.5.2).
fn notify_paced<H: Handler>(
    ep: &mut Ep,
    svc: &mut Service<SocketAddr, Exchange<SocketAddr>, H>,
    pacer: &mut Pacer<SocketAddr>,
    held: &mut Held,
    start: tokio::time::Instant,
    id: u64,
) {
    let Some(peer) = svc.observations.get(id).map(|o| o.peer) else {
        return;
    };
    let t = tokio::time::Instant::now();
    if !pacer.may_send(peer, t) {
        pacer.hold(peer, id, t);
    } else if let Some(step) = svc.renotify(id) {
        send(ep, svc, pacer, held, start, step);
    }
}

/// Answers waiting for room among the endpoint's messages.
type Held = std::collections::VecDeque<Step<SocketAddr, Exchange<SocketAddr>>>;

/// How many answers wait for room at most.
const MAX_HELD: usize = 256;

/// Hands a step to the endpoint, which sends it on the next `poll_transmit`; `false` when it
/// found no room among the endpoint's messages: a notification is held by the pacer, an
/// answer in `held`, and each goes when there is room.
fn send<H: Handler>(
    ep: &mut Ep,
    svc: &mut Service<SocketAddr, Exchange<SocketAddr>, H>,
    pacer: &mut Pacer<SocketAddr>,
    held: &mut Held,
    start: tokio::time::Instant,
    step: Step<SocketAddr, Exchange<SocketAddr>>,
) -> bool {
    match step {
        Step::Answer {
            to,
            response,
            block2,
            observe,
            no_response,
        } => {
            // The exchange carries the request's No-Response, and the endpoint acts on it.
            let sent = {
                // The endpoint sets the type, message id and token.
                let mut b = Builder::<64>::udp(Type::Acknowledgement, response.code, 0);
                if let Err(code) = response.write(block2, observe, &mut b) {
                    b = Builder::udp(Type::Acknowledgement, code, 0);
                }
                ep.respond(now(start), &to, &b)
            };
            match sent {
                Ok(()) => true,
                Err(EndpointError::Busy) => {
                    // At most MAX_HELD wait (the oldest gives way: its exchange is the likeliest
                    // to have ended by the time there is room).
                    if held.len() >= MAX_HELD {
                        held.pop_front();
                    }
                    held.push_back(Step::Answer {
                        to,
                        response,
                        block2,
                        observe,
                        no_response,
                    });
                    false
                }
                // A response that cannot be built (an option out of bounds) is a 5.00.
                Err(_) => {
                    let b =
                        Builder::<0>::udp(Type::Acknowledgement, Code::INTERNAL_SERVER_ERROR, 0);
                    let _ = ep.respond(now(start), &to, &b);
                    true
                }
            }
        }
        Step::Notify {
            id,
            peer,
            token,
            response,
            observe,
            confirmable,
            block2,
        } => {
            let t = tokio::time::Instant::now();
            // A notification that came later (a deferred reply) while its client may not be
            // sent to waits, and the handler is asked again then; a last one goes anyway.
            if observe.is_some() && !pacer.may_send(peer, t) {
                pacer.hold(peer, id, t);
                return true;
            }
            let confirmable = confirmable || pacer.must_confirm(peer);
            let mut b = Builder::<64>::udp(Type::NonConfirmable, response.code, 0);
            if let Err(code) = response.write(block2, observe, &mut b) {
                b = Builder::udp(Type::NonConfirmable, code, 0);
                svc.observations.remove_id(id);
            }
            match ep.notify(now(start), peer, &token, &b, confirmable) {
                Ok(mid) => {
                    if confirmable {
                        svc.observations.sent_confirmable(id, mid, Instant::now());
                    }
                    pacer.sent(peer, mid, confirmable, t);
                    true
                }
                // No slot among the endpoint's messages (more observers than it has): held,
                // and the handler asked again when there is room. A last notification (no
                // Observe: its observation is over) is not held.
                Err(EndpointError::Busy) if observe.is_some() => {
                    pacer.hold(peer, id, t);
                    false
                }
                // A notification that cannot be built: the observer misses this state.
                Err(_) => true,
            }
        }
    }
}

/// When the loop wakes without a datagram: a retransmission due, a held notification's turn
/// (`paced`), or a notification to renew for freshness (`refresh`). With the endpoint full,
/// room comes with an acknowledgement (a datagram), a retransmission given up, or the
/// Non-confirmable messages just sent: the loop looks again in 10 ms, and neither a held nor
/// a renewed notification wakes it before (a renewal already due, which cannot go while the
/// endpoint is full, would wake it again at once, and spin).
fn next_wake(
    full: bool,
    now: tokio::time::Instant,
    retransmit: Option<tokio::time::Instant>,
    paced: Option<tokio::time::Instant>,
    refresh: Option<tokio::time::Instant>,
) -> Option<tokio::time::Instant> {
    let (paced, refresh) = if full {
        (now.checked_add(core::time::Duration::from_millis(10)), None)
    } else {
        (paced, refresh)
    };
    [retransmit, paced, refresh].into_iter().flatten().min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    /// With the endpoint full, a renewal already due (or a held notification's turn) does not
    /// wake the loop at once: it looks again in 10 ms, so it cannot spin.
    #[test]
    fn a_full_endpoint_is_looked_at_again_in_10_ms_whatever_is_due() {
        let now = tokio::time::Instant::now();
        let past = now.checked_sub(Duration::from_secs(1)).unwrap();
        let soon = now + Duration::from_millis(10);
        let later = now + Duration::from_secs(30);
        assert_eq!(
            next_wake(true, now, Some(later), Some(past), Some(past)),
            Some(soon)
        );
        assert_eq!(next_wake(true, now, None, None, None), Some(soon));
        // A retransmission due before still wakes it.
        assert_eq!(
            next_wake(true, now, Some(past), None, Some(past)),
            Some(past)
        );
        // With room: the earliest of the three.
        assert_eq!(
            next_wake(false, now, Some(later), Some(soon), Some(past)),
            Some(past)
        );
        assert_eq!(next_wake(false, now, None, None, None), None);
    }
}
