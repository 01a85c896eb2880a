//! What the std runners do with an answer that comes in blocks (RFC 7959 §2.4; a notification's
//! first block, §2.6): ask the client for the rest with [`Server::send_block`] and hand the
//! application the whole body, as the answer to the request it made.
//!
//! A runner remembers the requests it sent (the last [`KEPT`], as sent, and the last
//! [`OBSERVED`] observations apart, whose notifications come for long) to ask for their blocks
//! again; an answer in blocks to a request no longer remembered comes as 4.08. A body whose ETag changes under the transfer is asked for from its first block again,
//! up to [`RESTARTS`] times; one that still changes, or that would pass [`LARGEST`] bytes, or
//! whose blocks do not follow one another, comes to the application as 4.08 (Request Entity
//! Incomplete) or 4.13 (Request Entity Too Large) with no payload.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use std::collections::VecDeque;
use std::vec::Vec;

use m2m_coap::block::{Assembler, Progress};
use m2m_coap::endpoint::EndpointError;
use m2m_coap::option::value::Block;
use m2m_coap::{Builder, Code, ContentFormat, Message, RequestId, Type};
use m2m_core::Timestamp;

use crate::blocking::Response;
use crate::interface::{ClientRequest, Strings};
use crate::outgoing::To;
use crate::path::Path;
use crate::server::{RegId, Server, SessionError};

/// How many sent requests are remembered, but observations ...
pub(crate) const KEPT: usize = 64;

/// ... of which as many are remembered apart (the oldest gives way).
pub(crate) const OBSERVED: usize = 256;

/// How often a peer may answer with a block already taken before the transfer is given up.
const REPEATS: u8 = 3;

/// The largest body put together.
pub(crate) const LARGEST: usize = 1 << 20;

/// The largest body the runners' servers take in blocks (a Register with some 500 object links).
pub(crate) const UPLOAD: usize = 16 * 1024;

/// How many given-up block requests are remembered.
const RETIRED: usize = 8;

/// How often a transfer starts again after the body changed under it.
pub(crate) const RESTARTS: u8 = 3;

/// A body coming in blocks.
#[derive(Debug)]
struct Transfer<P> {
    /// The request the application waits on.
    original: RequestId,
    /// The request for the block asked for last.
    current: RequestId,
    to: To<P>,
    /// The first answer's code, format and Observe.
    code: Code,
    format: Option<ContentFormat>,
    observe: Option<u32>,
    etag: Option<Vec<u8>>,
    body: Vec<u8>,
    received: usize,
    restarts: u8,
    /// Answers that repeated a block already taken.
    repeats: u8,
    /// The block to ask for when the endpoint has room (it allows one request outstanding to
    /// a peer, NSTART, RFC 7252 §4.7): see [`Downloads::resume`].
    want: Option<Block>,
}

/// What became of an answer.
#[derive(Debug)]
pub(crate) enum Taken {
    /// Not a block of a transfer: the application gets it as it came.
    AsIs,
    /// A block, taken; the next is asked for.
    Pending,
    /// The end of a transfer: the answer to `.0`.
    Done(RequestId, Response),
}

/// The requests sent and the transfers under way of one runner's server.
#[derive(Debug)]
pub(crate) struct Downloads<P> {
    sent: VecDeque<(RequestId, To<P>, Vec<u8>)>,
    observed: VecDeque<(RequestId, To<P>, Vec<u8>)>,
    under_way: Vec<Transfer<P>>,
    /// Block requests of transfers given up (a notification replaced by a newer one) still
    /// outstanding: their answers and timeouts are nobody's.
    retired: VecDeque<RequestId>,
}

impl<P> Default for Downloads<P> {
    fn default() -> Self {
        Downloads {
            sent: VecDeque::new(),
            observed: VecDeque::new(),
            under_way: Vec::new(),
            retired: VecDeque::new(),
        }
    }
}

impl<P: Copy + Eq> Downloads<P> {
    /// Remembers `request`, sent to `to` (a registration, or a peer) as `id`.
    pub(crate) fn remember(&mut self, id: RequestId, to: To<P>, request: &ClientRequest<'_>) {
        let mut scratch = Strings::<256>::new();
        let mut b = Builder::<16>::udp(Type::Confirmable, Code::GET, 0);
        let mut out = std::vec![0u8; 2048];
        let Ok(n) = request
            .build(&mut b, &mut scratch)
            .map_err(drop)
            .and_then(|()| b.encode(&mut out).map_err(drop))
        else {
            return;
        };
        out.truncate(n);
        let (list, most) = match request {
            ClientRequest::Observe { .. }
            | ClientRequest::Composite {
                observe: Some(0), ..
            } => (&mut self.observed, OBSERVED),
            _ => (&mut self.sent, KEPT),
        };
        if list.len() == most {
            list.pop_front();
        }
        list.push_back((id, to, out));
    }

    /// The registration and the request sent as `id`, as sent.
    fn request(&self, id: RequestId) -> Option<(To<P>, &[u8])> {
        self.sent
            .iter()
            .chain(self.observed.iter())
            .find(|(r, ..)| *r == id)
            .map(|(_, to, bytes)| (*to, bytes.as_slice()))
    }

    /// Ends transfer `i`, whose answer is no more wanted; an answer to the block it asked for
    /// last is dropped when it comes.
    fn retire(&mut self, i: usize) {
        if self.under_way.get(i).is_none() {
            return;
        }
        let u = self.under_way.swap_remove(i);
        if u.current != u.original && u.want.is_none() {
            if self.retired.len() == RETIRED {
                self.retired.pop_front();
            }
            self.retired.push_back(u.current);
        }
    }

    /// Remembers an Observe-Composite of `paths`, sent to registration `reg` as `id`
    /// ([`Server::observe_composite`]): its notifications may come in blocks too.
    pub(crate) fn remember_composite(
        &mut self,
        id: RequestId,
        reg: RegId,
        paths: &[Path<'_>],
        format: ContentFormat,
        accept: Option<ContentFormat>,
    ) {
        let mut body = std::vec![0u8; 4096];
        if let Ok(n) = crate::composite::encode_paths(format, paths, &mut body) {
            let req = ClientRequest::Composite {
                observe: Some(0),
                format,
                accept,
                payload: body.get(..n).unwrap_or_default(),
            };
            self.remember(id, To::Reg(reg), &req);
        }
    }

    /// The request `id` of the application that a block request (or `id` itself) serves: a
    /// timeout of a block request is a timeout of the application's request. `None` for a
    /// block request of a transfer given up.
    pub(crate) fn original(&mut self, id: RequestId) -> Option<RequestId> {
        if self.forget_retired(id) {
            return None;
        }
        Some(match self.under_way.iter().position(|t| t.current == id) {
            Some(i) => self.under_way.swap_remove(i).original,
            None => id,
        })
    }

    /// Whether `id` is a retired block request (forgotten now).
    fn forget_retired(&mut self, id: RequestId) -> bool {
        match self.retired.iter().position(|r| *r == id) {
            Some(i) => {
                self.retired.remove(i);
                true
            }
            None => false,
        }
    }

    /// Takes the answer `message` to request `id`.
    pub(crate) fn take<const R: usize, const N: usize, const B: usize>(
        &mut self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
        id: RequestId,
        message: &Message<'_>,
    ) -> Taken {
        if self.forget_retired(id) {
            return Taken::Pending;
        }
        let block = message.block2().and_then(Result::ok);
        let at = self
            .under_way
            .iter()
            .position(|t| t.current == id && t.current != t.original);
        let Some(i) = at else {
            // Another answer to the request of a transfer (a newer notification): that
            // transfer is over, its value outdated.
            if let Some(old) = self.under_way.iter().position(|t| t.original == id) {
                self.retire(old);
            }
            // A first block (of an answer or a notification) starts a transfer.
            return match block {
                Some(b) if b.num == 0 && b.more && message.code().class() == 2 => {
                    self.start(server, now, id, message, b)
                }
                _ => Taken::AsIs,
            };
        };
        let Some(t) = self.under_way.get_mut(i) else {
            return Taken::AsIs;
        };
        let etag = message.etags().next();
        let Some(b) = block.filter(|_| message.code() == t.code) else {
            // An error, or a body no longer in blocks: the transfer cannot go on.
            let t = self.under_way.swap_remove(i);
            return Taken::Done(t.original, failed(Code::REQUEST_ENTITY_INCOMPLETE, &t));
        };
        if etag != t.etag.as_deref() {
            // The body changed: from its first block again, a few times.
            // (M is 0 in a request's Block2, RFC 7959 §2.2.)
            let again = Block {
                num: 0,
                more: false,
                szx: b.szx,
            };
            t.restarts = t.restarts.saturating_add(1);
            t.received = 0;
            t.etag = etag.map(<[u8]>::to_vec);
            if t.restarts <= RESTARTS && b.num == 0 {
                return self.step(server, now, i, message.payload(), b);
            }
            if t.restarts <= RESTARTS {
                return self.ask(server, now, i, again);
            }
            let t = self.under_way.swap_remove(i);
            return Taken::Done(t.original, failed(Code::REQUEST_ENTITY_INCOMPLETE, &t));
        }
        self.step(server, now, i, message.payload(), b)
    }

    fn start<const R: usize, const N: usize, const B: usize>(
        &mut self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
        id: RequestId,
        message: &Message<'_>,
        b: Block,
    ) -> Taken {
        let to = self.request(id).map(|(to, _)| to);
        let mut t = Transfer {
            original: id,
            current: id,
            to: to.unwrap_or(To::Reg(RegId(0))),
            code: message.code(),
            format: message.content_format(),
            observe: message.observe(),
            etag: message.etags().next().map(<[u8]>::to_vec),
            body: Vec::new(),
            received: 0,
            restarts: 0,
            repeats: 0,
            want: None,
        };
        if to.is_none() {
            // A request no longer remembered: the rest cannot be asked for, and the first
            // block is no whole value.
            return Taken::Done(id, failed(Code::REQUEST_ENTITY_INCOMPLETE, &t));
        }
        let size = message
            .size2()
            .and_then(|s| usize::try_from(s).ok())
            .unwrap_or(64 * 1024);
        if size > LARGEST {
            return Taken::Done(id, failed(Code::REQUEST_ENTITY_TOO_LARGE, &t));
        }
        // Room grows with the blocks past what Size2 announced, or past 64 KiB: a peer's word
        // alone takes no more.
        t.body = std::vec![0u8; size.min(64 * 1024).max(b.size())];
        self.under_way.push(t);
        let i = self.under_way.len().saturating_sub(1);
        self.step(server, now, i, message.payload(), b)
    }

    /// Takes block `b` of transfer `i`, then asks for the next or ends the transfer.
    fn step<const R: usize, const N: usize, const B: usize>(
        &mut self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
        i: usize,
        payload: &[u8],
        b: Block,
    ) -> Taken {
        let Some(t) = self.under_way.get_mut(i) else {
            return Taken::AsIs;
        };
        // Past a body without Size2, room for more, up to the largest.
        let end = b.offset().saturating_add(payload.len());
        if end > t.body.len() && end <= LARGEST {
            t.body
                .resize(end.max(t.body.len().saturating_mul(2)).min(LARGEST), 0);
        }
        let mut a = Assembler::resume(&mut t.body, t.received);
        let progress = a.push(b, payload, None);
        t.received = a.body().len();
        match progress {
            Ok(Progress::More(next)) => self.ask(server, now, i, next),
            // A block already taken, where the next was asked for: asked for again, a few
            // times.
            Ok(Progress::Repeat) if t.repeats < REPEATS => {
                t.repeats = t.repeats.saturating_add(1);
                let num = t.received.checked_div(b.size()).unwrap_or(0);
                let next = Block {
                    num: u32::try_from(num).unwrap_or(u32::MAX),
                    more: false,
                    szx: b.szx,
                };
                self.ask(server, now, i, next)
            }
            Ok(Progress::Repeat) => {
                let t = self.under_way.swap_remove(i);
                Taken::Done(t.original, failed(Code::REQUEST_ENTITY_INCOMPLETE, &t))
            }
            Ok(Progress::Done(n)) => {
                let mut t = self.under_way.swap_remove(i);
                t.body.truncate(n);
                let response = Response {
                    code: t.code,
                    format: t.format,
                    payload: t.body,
                    observe: t.observe,
                };
                Taken::Done(t.original, response)
            }
            Err(e) => {
                let t = self.under_way.swap_remove(i);
                Taken::Done(t.original, failed(e.code(), &t))
            }
        }
    }

    /// Asks for the blocks that waited for room (call it after each datagram and timeout): the
    /// transfers that cannot go on, as answers to their requests.
    pub(crate) fn resume<const R: usize, const N: usize, const B: usize>(
        &mut self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
    ) -> Vec<(RequestId, Response)> {
        let mut ended = Vec::new();
        let mut i = 0;
        while let Some(t) = self.under_way.get(i) {
            if let Some(b) = t.want {
                match self.ask(server, now, i, b) {
                    Taken::Done(id, r) => {
                        // Removed: the one now at `i` has not been seen.
                        ended.push((id, r));
                        continue;
                    }
                    Taken::AsIs | Taken::Pending => {}
                }
            }
            i = i.saturating_add(1);
        }
        ended
    }

    /// Asks for block `b` of transfer `i`.
    fn ask<const R: usize, const N: usize, const B: usize>(
        &mut self,
        server: &mut Server<P, R, N, B>,
        now: Timestamp,
        i: usize,
        b: Block,
    ) -> Taken {
        let Some(t) = self.under_way.get(i) else {
            return Taken::AsIs;
        };
        let (to, original) = (t.to, t.original);
        let sent = self.request(original).and_then(|(_, bytes)| {
            let m = Message::parse_udp(bytes).ok()?;
            let req = ClientRequest::parse(&m).ok()?;
            Some(to.send_block2(server, now, &req, b))
        });
        match (sent, self.under_way.get_mut(i)) {
            (Some(Ok(next)), Some(t)) => {
                t.current = next;
                t.want = None;
                Taken::Pending
            }
            // Another request to the client is outstanding: this one waits for it.
            (Some(Err(SessionError::Coap(EndpointError::Busy))), Some(t)) => {
                t.want = Some(b);
                Taken::Pending
            }
            _ => {
                let t = self.under_way.swap_remove(i);
                Taken::Done(t.original, failed(Code::REQUEST_ENTITY_INCOMPLETE, &t))
            }
        }
    }
}

/// The answer to a transfer that failed: `code`, no payload.
fn failed<P>(code: Code, t: &Transfer<P>) -> Response {
    Response {
        code,
        format: None,
        payload: Vec::new(),
        observe: t.observe,
    }
}

#[cfg(test)]
mod tests {
    use std::string::String;

    use super::*;
    use crate::client::{Client, ObjectTree, RecordBuf, Settings};
    use crate::error::Config;
    use crate::link::ObjectLink;
    use crate::value::{Record, Text, Value};

    /// /3/0/15 alone, long enough for three blocks of 1024.
    struct Long(String);

    impl ObjectTree for Long {
        fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
            f(ObjectLink::path(Path::instance(3, 0)));
        }
        fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
            let r = Record::new(Path::resource(3, 0, 15), Value::Str(Text::Plain(&self.0)));
            if path.contains(&r.path) {
                out.push(r)?;
            }
            Ok(())
        }
    }

    fn long(c: char) -> Long {
        Long(core::iter::repeat_n(c, 2500).collect())
    }

    fn tlv(tree: &Long) -> Vec<u8> {
        let mut out = std::vec![0u8; 4096];
        let path = Path::instance(3, 0);
        let mut records = RecordBuf::<'_, 32>::new();
        tree.read(&path, &mut records).unwrap();
        let n = crate::tlv::encode(&path, records.as_slice(), &mut out).unwrap();
        out.truncate(n);
        out
    }

    struct Rig {
        server: Server<u8>,
        client: Client<'static, u8>,
        downloads: Downloads<u8>,
        done: Vec<(RequestId, Response)>,
        /// Answers seen by the downloads.
        seen: usize,
    }

    impl Rig {
        fn new(tree: &Long) -> Self {
            let mut r = Rig {
                server: Server::new(7),
                client: Client::new(0, Settings::new("a"), 9),
                downloads: Downloads::default(),
                done: Vec::new(),
                seen: 0,
            };
            r.client.register(Timestamp::EPOCH, tree).unwrap();
            let mut tree = long('x');
            r.pump(&mut tree, |_, _| {});
            r
        }

        /// Moves datagrams until both sides are quiet; `between(tree, answers seen)` runs
        /// after each answer the downloads take.
        fn pump(&mut self, tree: &mut Long, mut between: impl FnMut(&mut Long, usize)) {
            let now = Timestamp::EPOCH;
            let mut buf = [0u8; 1280];
            loop {
                let mut moved = false;
                while let Some((_, n)) = self.client.poll_transmit(now, &mut buf) {
                    moved = true;
                    let datagram = buf[..n].to_vec();
                    if let Ok(Some(crate::server::ServerEvent::Response { request, message })) =
                        self.server.handle(now, 1, &datagram)
                    {
                        self.seen = self.seen.saturating_add(1);
                        match self
                            .downloads
                            .take(&mut self.server, now, request, &message)
                        {
                            Taken::AsIs => self.done.push((request, Response::of(&message))),
                            Taken::Pending => {}
                            Taken::Done(id, r) => self.done.push((id, r)),
                        }
                        between(tree, self.seen);
                    }
                }
                self.done
                    .extend(self.downloads.resume(&mut self.server, now));
                while let Some((_, n)) = self.server.poll_transmit(now, &mut buf) {
                    moved = true;
                    let datagram = buf[..n].to_vec();
                    // M is 0 in the Block2 of a request (RFC 7959 §2.2).
                    let m = Message::parse_udp(&datagram).unwrap();
                    if let Some(b) = m.block2() {
                        assert!(!b.unwrap().more, "{m:?}");
                    }
                    self.client.handle(now, 0, &datagram, tree).unwrap();
                }
                if !moved {
                    break;
                }
            }
        }

        fn read(&mut self, tree: &mut Long, between: impl FnMut(&mut Long, usize)) -> Response {
            let req = ClientRequest::Read {
                path: Path::instance(3, 0),
                accept: Some(ContentFormat::LWM2M_TLV),
            };
            let reg = self.server.find("a").unwrap().id;
            let id = self.server.send(Timestamp::EPOCH, reg, &req).unwrap();
            self.downloads.remember(id, To::Reg(reg), &req);
            self.seen = 0;
            self.pump(tree, between);
            let i = self.done.iter().position(|(r, _)| *r == id).unwrap();
            self.done.remove(i).1
        }
    }

    #[test]
    fn a_body_in_blocks_comes_whole_and_again_when_it_changed_under_the_transfer() {
        let mut tree = long('x');
        let mut rig = Rig::new(&tree);
        let whole = rig.read(&mut tree, |_, _| {});
        assert_eq!((whole.code, &whole.payload), (Code::CONTENT, &tlv(&tree)));
        assert_eq!(rig.seen, 3);
        // Changed after the first block: the second has another ETag, and the transfer starts
        // over, ending with the body as it is now.
        let mut tree = long('x');
        let again = rig.read(&mut tree, |t, seen| {
            if seen == 1 {
                *t = long('y');
            }
        });
        assert_eq!(again.payload, tlv(&long('y')));
        assert_eq!(rig.seen, 5, "block 0, 1 (changed), then 0, 1, 2 again");
        // Changed under every block: given up after RESTARTS, as 4.08 with no payload.
        let mut tree = long('x');
        let never = rig.read(&mut tree, |t, seen| {
            *t = long(if seen % 2 == 0 { 'a' } else { 'b' });
        });
        assert_eq!(
            (never.code, never.payload.len()),
            (Code::REQUEST_ENTITY_INCOMPLETE, 0)
        );
        assert!(rig.downloads.under_way.is_empty());
    }

    /// Sends `req` from the server and brings the client's answer back: the event.
    fn exchange(rig: &mut Rig, tree: &mut Long, req: &ClientRequest<'_>) -> (RequestId, Vec<u8>) {
        let reg = rig.server.find("a").unwrap().id;
        let id = rig.server.send(Timestamp::EPOCH, reg, req).unwrap();
        rig.downloads.remember(id, To::Reg(reg), req);
        let mut buf = [0u8; 1280];
        let (_, n) = rig
            .server
            .poll_transmit(Timestamp::EPOCH, &mut buf)
            .unwrap();
        let datagram = buf[..n].to_vec();
        rig.client
            .handle(Timestamp::EPOCH, 0, &datagram, tree)
            .unwrap();
        let (_, n) = rig
            .client
            .poll_transmit(Timestamp::EPOCH, &mut buf)
            .unwrap();
        (id, buf[..n].to_vec())
    }

    #[test]
    fn a_block_waits_for_the_request_outstanding_and_a_timeout_is_the_originals() {
        let mut tree = long('x');
        let mut rig = Rig::new(&tree);
        let reg = rig.server.find("a").unwrap().id;
        let big = ClientRequest::Read {
            path: Path::instance(3, 0),
            accept: Some(ContentFormat::LWM2M_TLV),
        };
        let (id, answer) = exchange(&mut rig, &mut tree, &big);
        let Ok(Some(crate::server::ServerEvent::Response { request, message })) =
            rig.server.handle(Timestamp::EPOCH, 1, &answer)
        else {
            panic!("no answer");
        };
        // The application's next request goes out before the first block is taken: the block
        // request waits for its answer (one request outstanding to a peer, NSTART 1). That
        // answer is in blocks too: the two transfers take turns.
        let text = ClientRequest::Read {
            path: Path::resource(3, 0, 15),
            accept: Some(ContentFormat::TEXT_PLAIN),
        };
        let text_id = rig.server.send(Timestamp::EPOCH, reg, &text).unwrap();
        rig.downloads.remember(text_id, To::Reg(reg), &text);
        assert!(matches!(
            rig.downloads
                .take(&mut rig.server, Timestamp::EPOCH, request, &message),
            Taken::Pending
        ));
        assert!(rig.downloads.under_way[0].want.is_some());
        rig.pump(&mut tree, |_, _| {});
        let got = |rig: &Rig, id| rig.done.iter().find(|(r, _)| *r == id).unwrap().1.clone();
        assert_eq!(got(&rig, text_id).payload, tree.0.as_bytes());
        assert_eq!(got(&rig, id).payload, tlv(&tree));
        assert!(rig.downloads.under_way.is_empty());
        // A block request that gets no answer stands for the original request.
        let (id, _) = first_block_taken(&mut rig, &mut tree, &big);
        let block_request = rig.downloads.under_way[0].current;
        assert_ne!(block_request, id);
        assert_eq!(rig.downloads.original(block_request), Some(id));
        assert!(rig.downloads.under_way.is_empty());
    }

    #[test]
    fn an_observe_composite_answer_in_blocks_is_read_to_its_end() {
        let mut tree = long('x');
        let mut rig = Rig::new(&tree);
        let reg = rig.server.find("a").unwrap().id;
        let paths = [Path::resource(3, 0, 15)];
        let format = ContentFormat::SENML_CBOR;
        let id = rig
            .server
            .observe_composite(Timestamp::EPOCH, reg, &paths, format, Some(format))
            .unwrap();
        rig.downloads
            .remember_composite(id, reg, &paths, format, Some(format));
        rig.seen = 0;
        rig.pump(&mut tree, |_, _| {});
        let (_, whole) = rig.done.iter().find(|(r, _)| *r == id).unwrap();
        assert_eq!((whole.code, whole.observe), (Code::CONTENT, Some(0)));
        assert_eq!(rig.seen, 3, "the answer and two blocks");
        let values: Vec<_> =
            crate::composite::decode_values(format, &whole.payload, Config::STRICT)
                .unwrap()
                .map(|r| r.unwrap().value)
                .collect();
        assert_eq!(values, [Some(Value::Str(Text::Plain(&tree.0)))]);
        assert_eq!(
            rig.client.observations(),
            1,
            "the blocks were read, not observed"
        );
    }

    #[test]
    fn a_notification_in_blocks_replaces_the_transfer_of_the_one_before() {
        use m2m_coap::Type;
        let t0 = Timestamp::EPOCH;
        let mut tree = long('x');
        let mut rig = Rig::new(&tree);
        // The request for block 1 goes out; its answer is held back.
        let (id, token, block_request) = observed_first_block(&mut rig, &mut tree);
        let mut buf = [0u8; 1280];
        // A newer notification's first block comes first: it takes over.
        let head = (Type::NonConfirmable, 0x7777, token.as_slice(), Some(1));
        let note = first_block(head, None, &[b'q'; 1024]);
        let Ok(Some(crate::server::ServerEvent::Response { request, message })) =
            rig.server.handle(t0, 1, &note)
        else {
            panic!("no notification");
        };
        assert_eq!(request, id);
        assert!(matches!(
            rig.downloads.take(&mut rig.server, t0, request, &message),
            Taken::Pending
        ));
        // The answer to the old transfer's block is nobody's: dropped, not handed over.
        rig.client.handle(t0, 0, &block_request, &mut tree).unwrap();
        let (_, n) = rig.client.poll_transmit(t0, &mut buf).unwrap();
        let old = buf[..n].to_vec();
        let Ok(Some(crate::server::ServerEvent::Response { request, message })) =
            rig.server.handle(t0, 1, &old)
        else {
            panic!("no answer to the old block");
        };
        assert_ne!(request, id);
        assert!(matches!(
            rig.downloads.take(&mut rig.server, t0, request, &message),
            Taken::Pending
        ));
        // The new transfer goes on (the client's body has another ETag than the fake first
        // block: from block 0 again) and ends with the notification's Observe.
        rig.seen = 0;
        rig.pump(&mut tree, |_, _| {});
        assert_eq!(
            rig.done.len(),
            1,
            "{:?}",
            rig.done.iter().map(|d| d.0).collect::<Vec<_>>()
        );
        let (r, whole) = &rig.done[0];
        assert_eq!((*r, whole.observe), (id, Some(1)));
        assert_eq!(whole.payload, tlv(&tree));
    }

    #[test]
    fn a_peer_that_repeats_a_block_is_asked_again_then_given_up() {
        use m2m_coap::Type;
        let t0 = Timestamp::EPOCH;
        let mut tree = long('x');
        let mut rig = Rig::new(&tree);
        let big = ClientRequest::Read {
            path: Path::instance(3, 0),
            accept: Some(ContentFormat::LWM2M_TLV),
        };
        let (id, answer) = first_block_taken(&mut rig, &mut tree, &big);
        let first = Message::parse_udp(&answer).unwrap();
        let etag = first.etags().next().unwrap().to_vec();
        let first_payload = first.payload().to_vec();
        // Each request for block 1 is answered with block 0 again.
        let mut buf = [0u8; 1280];
        for round in 0..=REPEATS {
            let (_, n) = rig.server.poll_transmit(t0, &mut buf).unwrap();
            let ask = Message::parse_udp(&buf[..n]).unwrap();
            let wanted = ask.block2().unwrap().unwrap();
            assert_eq!((wanted.num, wanted.more), (1, false), "round {round}");
            let head = (
                Type::Acknowledgement,
                ask.message_id().unwrap(),
                ask.token(),
                None,
            );
            let again = first_block(head, Some(&etag), &first_payload);
            let Ok(Some(crate::server::ServerEvent::Response { request, message })) =
                rig.server.handle(t0, 1, &again)
            else {
                panic!("no answer in round {round}");
            };
            match rig.downloads.take(&mut rig.server, t0, request, &message) {
                Taken::Pending => assert!(round < REPEATS, "asked again after {round}"),
                Taken::Done(r, rsp) => {
                    assert_eq!(round, REPEATS);
                    assert_eq!((r, rsp.code), (id, Code::REQUEST_ENTITY_INCOMPLETE));
                }
                Taken::AsIs => panic!("handed over as it came"),
            }
        }
        assert!(rig.downloads.under_way.is_empty());
        assert!(rig.server.poll_transmit(t0, &mut buf).is_none());
    }

    /// A 2.05 in TLV (of type, message id, token and Observe `head`) that is the first block
    /// of 1024 of a larger body, with `etag`.
    fn first_block(
        (ty, mid, token, observe): (Type, u16, &[u8], Option<u32>),
        etag: Option<&[u8]>,
        payload: &[u8],
    ) -> Vec<u8> {
        use m2m_coap::{Builder, OptionNumber};
        let mut b = Builder::<4>::udp(ty, Code::CONTENT, mid);
        b.token(token);
        if let Some(o) = observe {
            b.uint(OptionNumber::OBSERVE, o).unwrap();
        }
        b.uint(OptionNumber::CONTENT_FORMAT, 11542).unwrap();
        if let Some(tag) = etag {
            b.opaque(OptionNumber::ETAG, tag).unwrap();
        }
        let block = Block {
            num: 0,
            more: true,
            szx: 6,
        };
        b.uint(OptionNumber::BLOCK2, block.to_uint()).unwrap();
        b.payload(payload);
        let mut out = std::vec![0u8; 1280];
        let n = b.encode(&mut out).unwrap();
        out.truncate(n);
        out
    }

    /// `req` sent and its first block taken (block 1 asked for): its id and the answer.
    fn first_block_taken(
        rig: &mut Rig,
        tree: &mut Long,
        req: &ClientRequest<'_>,
    ) -> (RequestId, Vec<u8>) {
        let (id, answer) = exchange(rig, tree, req);
        let Ok(Some(crate::server::ServerEvent::Response { request, message })) =
            rig.server.handle(Timestamp::EPOCH, 1, &answer)
        else {
            panic!("no answer");
        };
        assert!(matches!(
            rig.downloads
                .take(&mut rig.server, Timestamp::EPOCH, request, &message),
            Taken::Pending
        ));
        (id, answer)
    }

    /// The first block of an Observe of /3/0 taken, its block 1 asked for: the observation's
    /// id and the request for block 1 (not yet delivered).
    fn observed_first_block(rig: &mut Rig, tree: &mut Long) -> (RequestId, Vec<u8>, Vec<u8>) {
        let t0 = Timestamp::EPOCH;
        let observe = ClientRequest::Observe {
            path: Path::instance(3, 0),
            accept: Some(ContentFormat::LWM2M_TLV),
        };
        let (id, answer) = first_block_taken(rig, tree, &observe);
        let token = Message::parse_udp(&answer).unwrap().token().to_vec();
        let mut buf = [0u8; 1280];
        let (_, n) = rig.server.poll_transmit(t0, &mut buf).unwrap();
        (id, token, buf[..n].to_vec())
    }

    #[test]
    fn a_small_notification_ends_the_transfer_of_the_one_before() {
        use m2m_coap::{Builder, OptionNumber, Type};
        let t0 = Timestamp::EPOCH;
        let mut tree = long('x');
        let mut rig = Rig::new(&tree);
        let (id, token, block_request) = observed_first_block(&mut rig, &mut tree);
        // A newer value, small enough for one message.
        let mut b = Builder::<4>::udp(Type::NonConfirmable, Code::CONTENT, 0x7778);
        b.token(&token);
        b.uint(OptionNumber::OBSERVE, 1).unwrap();
        b.payload(b"small");
        let mut note = [0u8; 64];
        let n = b.encode(&mut note).unwrap();
        let Ok(Some(crate::server::ServerEvent::Response { request, message })) =
            rig.server.handle(t0, 1, &note[..n])
        else {
            panic!("no notification");
        };
        assert_eq!(request, id);
        assert!(matches!(
            rig.downloads.take(&mut rig.server, t0, request, &message),
            Taken::AsIs
        ));
        assert!(rig.downloads.under_way.is_empty());
        // The block the old transfer asked for comes to nobody.
        let mut buf = [0u8; 1280];
        rig.client.handle(t0, 0, &block_request, &mut tree).unwrap();
        let (_, n) = rig.client.poll_transmit(t0, &mut buf).unwrap();
        let old = buf[..n].to_vec();
        let Ok(Some(crate::server::ServerEvent::Response { request, message })) =
            rig.server.handle(t0, 1, &old)
        else {
            panic!("no answer to the old block");
        };
        assert!(matches!(
            rig.downloads.take(&mut rig.server, t0, request, &message),
            Taken::Pending
        ));
    }

    #[test]
    fn an_answer_in_blocks_to_a_request_no_longer_remembered_is_no_whole_value() {
        let t0 = Timestamp::EPOCH;
        let mut tree = long('x');
        let mut rig = Rig::new(&tree);
        let reg = rig.server.find("a").unwrap().id;
        let observe = ClientRequest::Observe {
            path: Path::instance(3, 0),
            accept: Some(ContentFormat::LWM2M_TLV),
        };
        let (id, answer) = exchange(&mut rig, &mut tree, &observe);
        // As many observations since: the first is forgotten (plain requests are kept apart
        // and do not push it out).
        for k in 0..KEPT {
            let read = ClientRequest::Read {
                path: Path::instance(3, 0),
                accept: None,
            };
            rig.downloads.remember(
                RequestId(5000 + u32::try_from(k).unwrap()),
                To::Reg(reg),
                &read,
            );
        }
        assert!(rig.downloads.request(id).is_some());
        for k in 0..OBSERVED {
            rig.downloads.remember(
                RequestId(9000 + u32::try_from(k).unwrap()),
                To::Reg(reg),
                &observe,
            );
        }
        assert!(rig.downloads.request(id).is_none());
        let Ok(Some(crate::server::ServerEvent::Response { request, message })) =
            rig.server.handle(t0, 1, &answer)
        else {
            panic!("no answer");
        };
        match rig.downloads.take(&mut rig.server, t0, request, &message) {
            Taken::Done(r, rsp) => {
                assert_eq!((r, rsp.code), (id, Code::REQUEST_ENTITY_INCOMPLETE));
                assert!(rsp.payload.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }
}
