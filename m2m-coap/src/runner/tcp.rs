//! The TCP runner (RFC 8323 §3): one task per connection, each message framed by
//! [`TcpCodec`] and the connection run by [`reliable::serve`](super::reliable).

use std::boxed::Box;
use std::io;
use std::vec::Vec;

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::FramedRead;

use super::reliable::{self, Read, Wire};
use super::service::Service;
use super::{Handler, MAX_MESSAGE, Notifier};
use crate::codec::TcpCodec;
use crate::error::Transport;

/// Serves CoAP over TCP (RFC 8323 §3) on `listener`, one task per connection, for as long as
/// the future is polled: an error accepting a connection does not end it (one connection's is
/// passed over, a shortage such as no file descriptor left is waited out), only a listener that
/// is broken ([`m2m_core::net::accept_pause`]). `handler` is cloned for each connection;
/// nobody can notify its observers (see [`serve_tcp_with`]).
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
    reliable::accept(listener, handler, notifier, connection).await
}

impl Wire for OwnedWriteHalf {
    async fn send(&mut self, message: &[u8]) -> io::Result<()> {
        self.write_all(message).await
    }

    /// Nothing to say: the socket closes when it is dropped.
    async fn close(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One CoAP-over-TCP connection.
async fn connection<H: Handler>(stream: TcpStream, svc: Service<(), Vec<u8>, H>) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let (read, write) = stream.into_split();
    let mut codec = TcpCodec::with_max_message(MAX_MESSAGE);
    // An Empty message is ignored whatever it carries (RFC 8323 §5.4: it "MUST be ignored"),
    // as the connection does: a token or a payload after it is no format error here either.
    codec.config.empty_with_content = true;
    let frames = FramedRead::new(read, codec).map(|item| {
        match item {
            Ok(Ok(frame)) => Read::Frame(frame),
            // A frame that does not parse, or a length over the bound: the stream cannot be
            // trusted any more (RFC 8323 §5.6).
            Ok(Err(_)) | Err(m2m_core::CodecError::Protocol(_)) => Read::Malformed,
            Err(_) => Read::Closed,
        }
    });
    reliable::serve(Transport::Tcp, Box::pin(frames), write, svc).await
}
