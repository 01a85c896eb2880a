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
    reliable::accept(listener, handler, notifier, connection).await
}

impl Wire for OwnedWriteHalf {
    async fn send(&mut self, message: &[u8]) -> io::Result<()> {
        self.write_all(message).await
    }
}

/// One CoAP-over-TCP connection.
async fn connection<H: Handler>(stream: TcpStream, svc: Service<(), Vec<u8>, H>) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let (read, write) = stream.into_split();
    let frames = FramedRead::new(read, TcpCodec::with_max_message(MAX_MESSAGE)).map(|item| {
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
