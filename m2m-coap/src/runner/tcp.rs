//! The TCP runner (RFC 8323 §3): one task per connection, our CSM first, then requests
//! answered and observers notified, each message framed by [`TcpCodec`].

use std::io;
use std::string::ToString;
use std::vec::Vec;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

use super::service::{Service, Step, Wake};
use super::{Handler, Notifier};
use crate::builder::Builder;
use crate::code::Code;
use crate::codec::TcpCodec;
use crate::message::Message;
use crate::signaling::{Session, Signal};

/// Serves CoAP over TCP (RFC 8323 §3) on `listener`, one task per connection, until an I/O
/// error on the listener. `handler` is cloned for each connection; nobody can notify its
/// observers (see [`serve_tcp_with`]).
pub async fn serve_tcp<H: Handler + Clone + 'static>(
    listener: TcpListener,
    handler: H,
) -> io::Result<()> {
    serve_tcp_with(listener, handler, Notifier::new()).await
}

/// Serves CoAP over TCP like [`serve_tcp`]; observers are notified of the changes told to
/// `notifier`.
pub async fn serve_tcp_with<H: Handler + Clone + 'static>(
    listener: TcpListener,
    handler: H,
    notifier: Notifier,
) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let svc = Service::new(handler.clone(), notifier.clone());
        tokio::spawn(async move {
            let _ = connection(stream, svc).await;
        });
    }
}

/// The builder of a step over a reliable transport: the response, or the code to answer
/// with instead, with the token.
pub(super) fn build<'a>(
    step: &'a Step<(), Vec<u8>>,
    new: fn(Code) -> Builder<'a, 64>,
) -> Builder<'a, 64> {
    let (response, token, block2, observe) = match step {
        Step::Answer {
            to,
            response,
            block2,
            observe,
        } => (response, to, *block2, *observe),
        Step::Notify {
            token,
            response,
            observe,
            ..
        } => (response, token, None, *observe),
    };
    let mut b = new(response.code);
    if let Err(code) = response.write(block2, observe, &mut b) {
        b = new(code);
    }
    b.token(token);
    b
}

fn other(e: impl core::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// One CoAP-over-TCP connection.
async fn connection<H: Handler>(
    stream: TcpStream,
    mut svc: Service<(), Vec<u8>, H>,
) -> io::Result<()> {
    let max = 1 << 20;
    let mut framed = Framed::new(stream, TcpCodec::with_max_message(max));
    let mut session = Session::new();
    let csm = session
        .csm(u32::try_from(max).unwrap_or(u32::MAX), false)
        .map_err(other)?;
    framed.send(&csm).await.map_err(other)?;
    loop {
        let steps: Vec<Step<(), Vec<u8>>> = tokio::select! {
            item = framed.next() => {
                let Some(item) = item else { return Ok(()) };
                let frame = match item {
                    Ok(Ok(frame)) => frame,
                    Ok(Err(_)) => {
                        // A message that frames but does not parse: Abort (RFC 8323 §5.6).
                        let mut abort = Builder::<0>::tcp(Code::ABORT);
                        abort.payload(b"message format error");
                        framed.send(&abort).await.map_err(other)?;
                        return Ok(());
                    }
                    Err(e) => return Err(other(e)),
                };
                let Ok(msg) = Message::parse_tcp(&frame) else {
                    continue;
                };
                match session.on_message(&msg) {
                    Signal::Message
                        if msg.code().is_request()
                            && msg.bad_option().is_some_and(|b| b.is_critical()) =>
                    {
                        // An unprocessable critical option: 4.02 Bad Option (RFC 7252 §5.4.1).
                        let mut b = Builder::<0>::tcp(Code::BAD_OPTION);
                        b.token(msg.token())
                            .payload(b"unprocessable critical option");
                        framed.send(&b).await.map_err(other)?;
                        continue;
                    }
                    Signal::Message if msg.code().is_request() => {
                        svc.request((), &msg, msg.token().to_vec()).into_iter().collect()
                    }
                    Signal::Ping => {
                        framed.send(&session.pong(&msg)).await.map_err(other)?;
                        continue;
                    }
                    Signal::Release { .. } | Signal::Abort { .. } => return Ok(()),
                    Signal::Violation(v) => {
                        let abort = session.abort(v, "signaling error").map_err(other)?;
                        framed.send(&abort).await.map_err(other)?;
                        return Ok(());
                    }
                    _ => continue,
                }
            }
            w = svc.wake() => match w {
                Wake::Ready(r) => svc.ready(r).into_iter().collect(),
                Wake::Changed(path) => svc.changed(path.as_deref()),
            },
        };
        for step in &steps {
            framed
                .send(&build(step, Builder::tcp))
                .await
                .map_err(other)?;
        }
    }
}
