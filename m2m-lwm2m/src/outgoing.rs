//! What the std runners do with a body larger than a message that the application sends (a
//! Write of a firmware package, a Create, a Write-Composite): send it in Block1 blocks
//! (RFC 7959 §2.5) with [`Server::send_block1`], block after block as the client answers 2.31
//! Continue, and hand the application the client's answer to the last block as the answer to
//! the request it made. The runners' clients do the same with a Send ([`ClientSends`]).
//!
//! Blocks are [`BLOCK`] bytes unless the client asks for smaller ones: in a 2.31's Block1, or
//! in a 4.13 to the first block (§2.9.3), which starts the body again in the size asked for.
//! Any other answer ends the transfer and is the application's answer (a 4.08 from a client
//! that lost a block, a 4.13, the operation's error); a block that gets no answer or a Reset,
//! or that cannot be sent (the client asleep, its registration gone), is a timeout of the
//! application's request. One body in blocks per client at a time: another meanwhile is
//! refused as `Busy`.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use std::string::{String, ToString};
use std::vec::Vec;

use m2m_coap::endpoint::EndpointError;
use m2m_coap::option::value::Block;
use m2m_coap::{ContentFormat, Message, RequestId};
use m2m_core::Timestamp;

use crate::blocking::Response;
use crate::client::{Client, ClientEvent};
use crate::download::Taken;
use crate::interface::ClientRequest;
use crate::path::Path;
use crate::server::{RegId, Server, SessionError};

/// The size of the blocks sent (SZX 6), and the largest body sent whole.
pub(crate) const BLOCK: usize = 1024;

/// The request a body belongs to, owned.
#[derive(Debug)]
enum Kind {
    Write { path: String, replace: bool },
    Create { path: String },
    WriteComposite,
}

/// Where a request goes: a registration, or a peer without one (a bootstrap server's
/// client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum To<P> {
    Reg(RegId),
    Peer(P),
}

impl<P: Copy + Eq> To<P> {
    /// The address it stands for (a registration's, while it lasts).
    fn peer<const R: usize, const N: usize, const B: usize>(
        self,
        server: &Server<P, R, N, B>,
    ) -> Option<P> {
        match self {
            To::Reg(id) => server.registration(id).map(|r| r.peer),
            To::Peer(p) => Some(p),
        }
    }

    /// Sends `request` whole.
    fn send<const R: usize, const N: usize, const B: usize>(
        self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
        request: &ClientRequest<'_>,
    ) -> Result<RequestId, SessionError> {
        match self {
            To::Reg(id) => server.send(now, id, request),
            To::Peer(p) => server.send_to(now, p, request),
        }
    }

    /// Asks for block `block` of the answer to `request` (Block2).
    pub(crate) fn send_block2<const R: usize, const N: usize, const B: usize>(
        self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
        request: &ClientRequest<'_>,
        block: Block,
    ) -> Result<RequestId, SessionError> {
        match self {
            To::Reg(id) => server.send_block(now, id, request, block),
            To::Peer(p) => server.send_block_to(now, p, request, block),
        }
    }

    /// Sends block `block` of `request`'s body.
    fn send_block1<const R: usize, const N: usize, const B: usize>(
        self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
        request: &ClientRequest<'_>,
        block: Block,
    ) -> Result<RequestId, SessionError> {
        match self {
            To::Reg(id) => server.send_block1(now, id, request, block),
            To::Peer(p) => server.send_block1_to(now, p, request, block),
        }
    }
}

/// A body going out in blocks.
#[derive(Debug)]
struct Sending<P> {
    /// The request the application waits on (the first block's).
    original: RequestId,
    /// The request of the block sent last, and that block.
    current: RequestId,
    block: Block,
    to: To<P>,
    /// The client's address when the transfer began.
    peer: Option<P>,
    kind: Kind,
    format: ContentFormat,
    body: Vec<u8>,
    /// The block to send when the endpoint has room (one request outstanding to a client,
    /// NSTART, RFC 7252 §4.7).
    want: Option<Block>,
}

impl<P: Copy + Eq> Sending<P> {
    /// Block `block` of the body, sent.
    fn send<const R: usize, const N: usize, const B: usize>(
        &self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
        block: Block,
    ) -> Result<RequestId, SessionError> {
        let body = self.body.as_slice();
        let parse = |p| Path::parse(p).map_err(SessionError::Lwm2m);
        let request = match &self.kind {
            Kind::Write { path, replace } => ClientRequest::Write {
                path: parse(path)?,
                replace: *replace,
                format: self.format,
                payload: body,
            },
            Kind::Create { path } => ClientRequest::Create {
                path: parse(path)?,
                format: self.format,
                payload: body,
            },
            Kind::WriteComposite => ClientRequest::WriteComposite {
                format: self.format,
                payload: body,
            },
        };
        self.to.send_block1(server, now, &request, block)
    }
}

/// The bodies under way of one runner's server.
#[derive(Debug)]
pub(crate) struct Outgoing<P> {
    under_way: Vec<Sending<P>>,
    /// The application's requests whose bodies could not go on here (the client went to
    /// sleep or its registration ended, a block was Reset): no answer will come, as after a
    /// timeout.
    lost: Vec<RequestId>,
}

/// The first block of the size `szx`.
const fn first(szx: u8) -> Block {
    Block {
        num: 0,
        more: true,
        szx,
    }
}

impl<P> Default for Outgoing<P> {
    fn default() -> Self {
        Outgoing {
            under_way: Vec::new(),
            lost: Vec::new(),
        }
    }
}

impl<P: Copy + Eq> Outgoing<P> {
    /// Sends `request` to `to`: whole when its body (if it has one) fits in [`BLOCK`] bytes,
    /// else its first block.
    pub(crate) fn send<const R: usize, const N: usize, const B: usize>(
        &mut self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
        to: To<P>,
        request: &ClientRequest<'_>,
    ) -> Result<RequestId, SessionError> {
        let (kind, format, body) = match *request {
            ClientRequest::Write {
                path,
                replace,
                format,
                payload,
            } if payload.len() > BLOCK => (
                Kind::Write {
                    path: path.to_string(),
                    replace,
                },
                format,
                payload,
            ),
            ClientRequest::Create {
                path,
                format,
                payload,
            } if payload.len() > BLOCK => (
                Kind::Create {
                    path: path.to_string(),
                },
                format,
                payload,
            ),
            ClientRequest::WriteComposite { format, payload } if payload.len() > BLOCK => {
                (Kind::WriteComposite, format, payload)
            }
            _ => return to.send(server, now, request),
        };
        // One body in blocks to a client at a time (by its address, whether named by its
        // registration or not): the client takes one transfer at a time, and a second would
        // end the first.
        let peer = to.peer(server);
        if self
            .under_way
            .iter()
            .any(|s| s.to == to || (peer.is_some() && s.peer == peer))
        {
            return Err(SessionError::Coap(EndpointError::Busy));
        }
        let block = first(6);
        let id = to.send_block1(server, now, request, block)?;
        self.under_way.push(Sending {
            original: id,
            current: id,
            block,
            to,
            peer,
            kind,
            format,
            body: body.to_vec(),
            want: None,
        });
        Ok(id)
    }

    /// The request `id` of the application that a block's request (or `id` itself) serves: a
    /// timeout of a block is a timeout of the application's request, and ends the transfer.
    pub(crate) fn original(&mut self, id: RequestId) -> RequestId {
        match self.under_way.iter().position(|s| s.current == id) {
            Some(i) => self.under_way.swap_remove(i).original,
            None => id,
        }
    }

    /// A Reset of request `id`: the transfer whose block it was is over.
    pub(crate) fn reset(&mut self, id: RequestId) {
        if let Some(i) = self.under_way.iter().position(|s| s.current == id) {
            let s = self.under_way.swap_remove(i);
            self.lost.push(s.original);
        }
    }

    /// The application's requests whose transfers ended here without an answer (to be told
    /// as timeouts).
    pub(crate) fn take_lost(&mut self) -> Vec<RequestId> {
        core::mem::take(&mut self.lost)
    }

    /// Takes the answer `message` to request `id`: the next block goes out after a 2.31 to a
    /// block before the last; any other answer to a block ends its transfer.
    pub(crate) fn take<const R: usize, const N: usize, const B: usize>(
        &mut self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
        id: RequestId,
        message: &Message<'_>,
    ) -> Taken {
        let Some(i) = self.under_way.iter().position(|s| s.current == id) else {
            return Taken::AsIs;
        };
        let Some(s) = self.under_way.get(i) else {
            return Taken::AsIs;
        };
        let sent = s.block;
        let echo = message.block1().and_then(Result::ok);
        let next = m2m_coap::block::next_block1(sent, message.code(), echo);
        match next {
            Some(b) => self.next(server, now, i, b),
            None => {
                let s = self.under_way.swap_remove(i);
                Taken::Done(s.original, Response::of(message))
            }
        }
    }

    /// Sends block `b` of transfer `i`.
    fn next<const R: usize, const N: usize, const B: usize>(
        &mut self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
        i: usize,
        b: Block,
    ) -> Taken {
        let sent = match self.under_way.get(i) {
            Some(s) => s.send(server, now, b),
            None => return Taken::AsIs,
        };
        match (sent, self.under_way.get_mut(i)) {
            (Ok(id), Some(s)) => {
                // M as it went: set unless the block ends the body.
                let end = usize::try_from(b.num)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1)
                    .saturating_mul(b.size());
                s.current = id;
                s.block = Block {
                    more: end < s.body.len(),
                    ..b
                };
                s.want = None;
                Taken::Pending
            }
            (Err(SessionError::Coap(EndpointError::Busy)), Some(s)) => {
                s.want = Some(b);
                Taken::Pending
            }
            // A local failure: no answer will come ([`Outgoing::take_lost`]).
            _ => {
                let s = self.under_way.swap_remove(i);
                self.lost.push(s.original);
                Taken::Pending
            }
        }
    }

    /// Sends the blocks that waited for room (those that cannot go on are lost).
    pub(crate) fn resume<const R: usize, const N: usize, const B: usize>(
        &mut self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
    ) {
        let mut i = 0;
        while let Some(s) = self.under_way.get(i) {
            let before = self.under_way.len();
            if let Some(b) = s.want {
                self.next(server, now, i, b);
            }
            // Unless it was removed (the one now at `i` has not been seen).
            if self.under_way.len() == before {
                i = i.saturating_add(1);
            }
        }
    }
}

/// A Send of a runner's client going in blocks.
#[derive(Debug)]
struct SendBody {
    /// The request the application waits on (the first block's), and the last block's.
    original: RequestId,
    current: RequestId,
    format: ContentFormat,
    body: Vec<u8>,
    /// The block to send when the endpoint has room.
    want: Option<Block>,
}

/// The client the runners drive (of a server at a socket address, the default sizes).
type RunnerClient<'c> = Client<'c, core::net::SocketAddr>;

/// The Send a runner's client has going in blocks (one at a time): it sends each block the
/// sans-IO client asks for ([`ClientEvent::SendContinue`], not shown to the application) and
/// tells the application the answer under the request id it was given.
#[derive(Debug, Default)]
pub(crate) struct ClientSends {
    under_way: Option<SendBody>,
    /// The block request of a Send given up ([`ClientSends::abandon`]): what the client still
    /// reports of it is not the application's (its answer was given).
    abandoned: Option<RequestId>,
}

impl ClientSends {
    /// Sends records to `/dp`; a body in blocks is kept to send the rest. Another Send while
    /// one goes in blocks is [`EndpointError::Busy`].
    pub(crate) fn send(
        &mut self,
        client: &mut RunnerClient<'_>,
        now: Timestamp,
        format: ContentFormat,
        payload: &[u8],
    ) -> Result<RequestId, SessionError> {
        if self.under_way.is_some() {
            return Err(SessionError::Coap(EndpointError::Busy));
        }
        let id = client.send_records(now, format, payload)?;
        if payload.len() > crate::client::MAX_SEND {
            self.under_way = Some(SendBody {
                original: id,
                current: id,
                format,
                body: payload.to_vec(),
                want: None,
            });
        }
        Ok(id)
    }

    /// Event `e` of the client as the application sees it: `None` for a block asked for (it
    /// is sent), the answer to a Send in blocks under the id the application has.
    pub(crate) fn event(
        &mut self,
        client: &mut RunnerClient<'_>,
        now: Timestamp,
        e: ClientEvent,
    ) -> Option<ClientEvent> {
        let current = self.under_way.as_ref().map(|s| s.current);
        match e {
            ClientEvent::SendContinue { request, .. }
            | ClientEvent::SendAnswered { request, .. }
                if Some(request) == self.abandoned =>
            {
                if matches!(e, ClientEvent::SendAnswered { .. }) {
                    self.abandoned = None;
                }
                None
            }
            ClientEvent::SendContinue { request, next } if Some(request) == current => {
                self.next(client, now, next)
            }
            ClientEvent::SendAnswered { request, code } if Some(request) == current => {
                let s = self.under_way.take()?;
                Some(ClientEvent::SendAnswered {
                    request: s.original,
                    code,
                })
            }
            other => Some(other),
        }
    }

    /// Gives up the Send going in blocks (the client changed servers): its answer, without a
    /// code.
    pub(crate) fn abandon(&mut self) -> Option<ClientEvent> {
        let s = self.under_way.take()?;
        self.abandoned = Some(s.current);
        Some(ClientEvent::SendAnswered {
            request: s.original,
            code: None,
        })
    }

    /// Sends the block that waited for room; the answer of a Send that could not go on.
    pub(crate) fn resume(
        &mut self,
        client: &mut RunnerClient<'_>,
        now: Timestamp,
    ) -> Option<ClientEvent> {
        let want = self.under_way.as_ref().and_then(|s| s.want)?;
        self.next(client, now, want)
    }

    fn next(
        &mut self,
        client: &mut RunnerClient<'_>,
        now: Timestamp,
        block: Block,
    ) -> Option<ClientEvent> {
        let s = self.under_way.as_mut()?;
        match client.send_records_block(now, s.format, &s.body, block) {
            Ok(id) => {
                s.current = id;
                s.want = None;
                None
            }
            Err(SessionError::Coap(EndpointError::Busy)) => {
                s.want = Some(block);
                None
            }
            Err(_) => {
                let s = self.under_way.take()?;
                Some(ClientEvent::SendAnswered {
                    request: s.original,
                    code: None,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use m2m_coap::{Builder, Code, OptionNumber, Type};

    use super::*;
    use crate::client::{Client, ObjectTree, RecordBuf, Settings};
    use crate::link::ObjectLink;

    struct Empty;

    impl ObjectTree for Empty {
        fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
            f(ObjectLink::path(Path::instance(5, 0)));
        }
        fn read<'s>(&'s self, _: &Path<'_>, _: &mut RecordBuf<'s>) -> Result<(), Code> {
            Err(Code::NOT_FOUND)
        }
    }

    /// A block as the client saw it: number, M, SZX, payload length, Size1.
    type Seen = (u32, bool, u8, usize, Option<u32>);

    /// Our server with one registration (peer 1), its outgoing bodies, and a scripted
    /// client that answers each block.
    struct Rig {
        server: Server<u8>,
        outgoing: Outgoing<u8>,
        reg: RegId,
        seen: Vec<Seen>,
        /// The body as the client put it together (by each block's offset).
        body: Vec<u8>,
    }

    impl Rig {
        fn new() -> Self {
            let mut server = Server::new(7);
            let mut client: Client<'static, u8> = Client::new(0, Settings::new("a"), 9);
            let now = Timestamp::EPOCH;
            client.register(now, &Empty).unwrap();
            let mut buf = [0u8; 1280];
            let (_, n) = client.poll_transmit(now, &mut buf).unwrap();
            server.handle(now, 1, &buf[..n]).unwrap();
            let reg = server.find("a").unwrap().id;
            while server.poll_transmit(now, &mut buf).is_some() {}
            Rig {
                server,
                outgoing: Outgoing::default(),
                reg,
                seen: Vec::new(),
                body: Vec::new(),
            }
        }

        /// The client's 2.31 Continue to the block the server sent last, echoing its Block1.
        fn continue_sent(&mut self, now: Timestamp) -> Vec<u8> {
            let mut buf = [0u8; 1280];
            let (_, n) = self.server.poll_transmit(now, &mut buf).unwrap();
            let m = Message::parse_udp(&buf[..n]).unwrap();
            let mut b = Builder::<4>::udp(
                Type::Acknowledgement,
                Code::CONTINUE,
                m.message_id().unwrap(),
            );
            b.token(m.token());
            b.uint(OptionNumber::BLOCK1, m.block1().unwrap().unwrap().to_uint())
                .unwrap();
            let mut out = std::vec![0u8; 64];
            let k = b.encode(&mut out).unwrap();
            out.truncate(k);
            out
        }

        /// Sends `body` as a Write of /5/0/0 and answers each block with what `answer(seen
        /// block)` says (code, Block1 to echo); the application's answer.
        fn write(
            &mut self,
            body: &[u8],
            mut answer: impl FnMut(&Seen) -> (Code, Option<Block>),
        ) -> Response {
            let now = Timestamp::EPOCH;
            let req = ClientRequest::Write {
                path: Path::resource(5, 0, 0),
                replace: true,
                format: ContentFormat::OCTET_STREAM,
                payload: body,
            };
            let first = self
                .outgoing
                .send(&mut self.server, now, To::Reg(self.reg), &req)
                .unwrap();
            let mut buf = [0u8; 1280];
            for _ in 0..100 {
                let Some((_, n)) = self.server.poll_transmit(now, &mut buf) else {
                    panic!("nothing sent: lost {:?}", self.outgoing.lost);
                };
                let m = Message::parse_udp(&buf[..n]).unwrap();
                assert_eq!(m.code(), Code::PUT);
                let seen = match m.block1() {
                    Some(b) => {
                        let b = b.unwrap();
                        let (at, end) = (b.offset(), b.offset().saturating_add(m.payload().len()));
                        if self.body.len() < end {
                            self.body.resize(end, 0);
                        }
                        self.body[at..end].copy_from_slice(m.payload());
                        (b.num, b.more, b.szx, m.payload().len(), m.size1())
                    }
                    None => {
                        self.body = m.payload().to_vec();
                        (0, false, 7, m.payload().len(), m.size1())
                    }
                };
                self.seen.push(seen);
                let (code, echo) = answer(&seen);
                let mut b = Builder::<4>::udp(Type::Acknowledgement, code, m.message_id().unwrap());
                b.token(m.token());
                if let Some(e) = echo {
                    b.uint(OptionNumber::BLOCK1, e.to_uint()).unwrap();
                }
                let mut out = [0u8; 64];
                let k = b.encode(&mut out).unwrap();
                let Ok(Some(crate::server::ServerEvent::Response { request, message })) =
                    self.server.handle(now, 1, &out[..k])
                else {
                    panic!("no response event");
                };
                match self.outgoing.take(&mut self.server, now, request, &message) {
                    Taken::AsIs => {
                        assert_eq!(request, first);
                        return Response::of(&message);
                    }
                    Taken::Pending => {}
                    Taken::Done(id, r) => {
                        assert_eq!(id, first, "the answer to the application's request");
                        return r;
                    }
                }
            }
            panic!("no end");
        }
    }

    fn body(n: usize) -> Vec<u8> {
        (0..n).map(|i| u8::try_from(i % 251).unwrap()).collect()
    }

    /// 2.31 echoing the block as it came; 2.04 to the last.
    fn accept(s: &Seen) -> (Code, Option<Block>) {
        let b = Block {
            num: s.0,
            more: s.1,
            szx: s.2,
        };
        if s.1 {
            (Code::CONTINUE, Some(b))
        } else {
            (Code::CHANGED, Some(b))
        }
    }

    #[test]
    fn a_body_past_one_block_goes_in_blocks_of_1024_with_size1_on_the_first() {
        let mut rig = Rig::new();
        let body = body(3000);
        let r = rig.write(&body, accept);
        assert_eq!(r.code, Code::CHANGED);
        assert_eq!(
            rig.seen,
            [
                (0, true, 6, 1024, Some(3000)),
                (1, true, 6, 1024, None),
                (2, false, 6, 952, None)
            ]
        );
        assert_eq!(rig.body, body);
        // One of 1024 goes whole.
        let mut rig = Rig::new();
        let r = rig.write(&body[..1024], |_| (Code::CHANGED, None));
        assert_eq!(r.code, Code::CHANGED);
        assert_eq!(rig.seen, [(0, false, 7, 1024, None)]);
    }

    #[test]
    fn a_client_that_asks_for_smaller_blocks_gets_them_from_where_it_stopped() {
        let mut rig = Rig::new();
        let body = body(3000);
        // After the first block of 1024, 256 from then on.
        let r = rig.write(&body, |s| {
            let (code, echo) = accept(s);
            (code, echo.map(|e| Block { szx: 4, ..e }))
        });
        assert_eq!(r.code, Code::CHANGED);
        let nums: Vec<_> = rig.seen.iter().map(|s| (s.0, s.2)).collect();
        assert_eq!(
            nums,
            [
                (0, 6),
                (4, 4),
                (5, 4),
                (6, 4),
                (7, 4),
                (8, 4),
                (9, 4),
                (10, 4),
                (11, 4)
            ]
        );
        assert_eq!(rig.body, body);
        // 4.13 to the first block with a smaller Block1 (RFC 7959 §2.9.3): all again in 512.
        let mut rig = Rig::new();
        let r = rig.write(&body, |s| {
            if s.2 == 6 {
                (
                    Code::REQUEST_ENTITY_TOO_LARGE,
                    Some(Block {
                        num: 0,
                        more: false,
                        szx: 5,
                    }),
                )
            } else {
                accept(s)
            }
        });
        assert_eq!(r.code, Code::CHANGED);
        let nums: Vec<_> = rig.seen.iter().map(|s| (s.0, s.2)).collect();
        assert_eq!(
            nums,
            [(0, 6), (0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
        );
        assert_eq!(rig.body, body);
    }

    #[test]
    fn a_client_that_acts_on_each_block_gets_the_rest_all_the_same() {
        let mut rig = Rig::new();
        let body = body(3000);
        // 2.04 with Block1 M unset to each block (non-atomic, RFC 7959 §2.3).
        let r = rig.write(&body, |s| {
            (
                Code::CHANGED,
                Some(Block {
                    num: s.0,
                    more: false,
                    szx: s.2,
                }),
            )
        });
        assert_eq!(r.code, Code::CHANGED);
        assert_eq!(rig.seen.len(), 3);
        assert_eq!(rig.body, body);
        assert!(rig.outgoing.take_lost().is_empty());
    }

    #[test]
    fn any_other_answer_ends_the_transfer_as_the_applications_answer() {
        let body = body(5000);
        for (code, echo) in [
            (Code::REQUEST_ENTITY_INCOMPLETE, None),
            (Code::INTERNAL_SERVER_ERROR, None),
            // A 4.13 without a smaller size, and a 2.31 that echoes another block.
            (Code::REQUEST_ENTITY_TOO_LARGE, None),
            (
                Code::CONTINUE,
                Some(Block {
                    num: 7,
                    more: true,
                    szx: 6,
                }),
            ),
        ] {
            let mut rig = Rig::new();
            let r = rig.write(&body, |s| if s.0 == 1 { (code, echo) } else { accept(s) });
            assert_eq!(r.code, code);
            assert_eq!(rig.seen.len(), 2, "{code:?}: no block after");
            assert!(rig.outgoing.under_way.is_empty());
        }
    }

    #[test]
    fn a_block_request_stands_for_the_applications_request() {
        let mut rig = Rig::new();
        let body = body(5000);
        let req = ClientRequest::Write {
            path: Path::resource(5, 0, 0),
            replace: true,
            format: ContentFormat::OCTET_STREAM,
            payload: &body,
        };
        let now = Timestamp::EPOCH;
        let first = rig
            .outgoing
            .send(&mut rig.server, now, To::Reg(rig.reg), &req)
            .unwrap();
        let out = rig.continue_sent(now);
        let Ok(Some(crate::server::ServerEvent::Response { request, message })) =
            rig.server.handle(now, 1, &out)
        else {
            panic!("no response");
        };
        assert!(matches!(
            rig.outgoing.take(&mut rig.server, now, request, &message),
            Taken::Pending
        ));
        let second = rig.outgoing.under_way[0].current;
        assert_ne!(second, first);
        assert_eq!(rig.outgoing.original(second), first);
        assert!(rig.outgoing.under_way.is_empty());
        // An id of no transfer is its own.
        assert_eq!(rig.outgoing.original(second), second);
    }

    #[test]
    fn a_reset_block_is_lost_and_a_second_body_to_the_client_waits() {
        let mut rig = Rig::new();
        let body = body(5000);
        let req = ClientRequest::Write {
            path: Path::resource(5, 0, 0),
            replace: true,
            format: ContentFormat::OCTET_STREAM,
            payload: &body,
        };
        let now = Timestamp::EPOCH;
        // BERT blocks (SZX 7) are for TCP: refused.
        let bert = Block {
            num: 0,
            more: true,
            szx: 7,
        };
        assert!(rig.server.send_block1(now, rig.reg, &req, bert).is_err());
        let first = rig
            .outgoing
            .send(&mut rig.server, now, To::Reg(rig.reg), &req)
            .unwrap();
        // The first block answered, and the transfer not yet on (as while its next block
        // waits for room): another body in blocks to the same client is Busy all the same.
        let out = rig.continue_sent(now);
        rig.server.handle(now, 1, &out).unwrap();
        assert_eq!(
            rig.outgoing
                .send(&mut rig.server, now, To::Reg(rig.reg), &req),
            Err(SessionError::Coap(EndpointError::Busy))
        );
        assert!(rig.outgoing.take_lost().is_empty());
        // The client Resets the block: the application's request gets no answer.
        rig.outgoing.reset(first);
        assert_eq!(rig.outgoing.take_lost(), [first]);
        assert!(rig.outgoing.under_way.is_empty());
        assert!(rig.outgoing.take_lost().is_empty());
    }
}
