//! The object links of Register and Update (Core 1.1 §6.2.1, §6.2.2), written from the tree;
//! links longer than [`MAX_LINKS`] go in Block1 blocks (RFC 7959 §2.5) of that size (or the
//! smaller one the server asks for). The client keeps no copy: each block writes the links
//! again through a window that keeps it, and links that changed since the first block (their
//! hash differs) start the transfer over.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::option::value::Block;
use m2m_coap::{Code, Message, OptionNumber, RequestId};
use m2m_core::Timestamp;

use super::answer::write_links;
use super::{Client, ObjectTree, State};
use crate::error::{Error, Reason};
use crate::interface::{Location, RegisterParams, ServerRequest};
use crate::server::SessionError;
use crate::sink::Window;

/// The longest links sent in one message, and the size of their blocks beyond.
pub(super) const MAX_LINKS: usize = 512;

/// The SZX of a [`MAX_LINKS`] block.
const LINKS_SZX: u8 = 5;

/// Links on their way in blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LinksUpload {
    /// For an Update (a Register otherwise).
    update: bool,
    /// Where the block sent last starts, and its SZX.
    offset: usize,
    szx: u8,
    /// Whether more blocks follow the one sent last.
    more: bool,
    /// The hash of all the links, when the first block went.
    hash: u64,
}

impl<P: Copy + Eq, const N: usize, const B: usize, const O: usize, const A: usize, const C: usize>
    Client<'_, P, N, B, O, A, C>
{
    /// Sends Register (or Update, `update`) with the links of `tree`: whole when they fit
    /// [`MAX_LINKS`], else the block of `szx` at `offset`.
    pub(super) fn send_links<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        tree: &T,
        update: bool,
        offset: usize,
        szx: u8,
    ) -> Result<RequestId, SessionError> {
        let mut whole = Window::new(&mut [], 0);
        write_links(tree, &mut whole)?;
        let (total, hash, _) = whole.finish();
        let mut buf = [0u8; MAX_LINKS];
        let (offset, size, block) = if total <= MAX_LINKS {
            (0, MAX_LINKS, None)
        } else {
            // Links that changed under the transfer: from the first block again.
            let offset = match self.links_upload {
                Some(u) if u.hash != hash => 0,
                _ => offset,
            };
            let size = 16usize << szx;
            (offset, size, Some(szx))
        };
        let mut w = Window::new(buf.get_mut(..size).unwrap_or_default(), offset);
        write_links(tree, &mut w)?;
        let (_, _, kept) = w.finish();
        let payload = buf.get(..kept).unwrap_or_default();
        let block = block.map(|szx| {
            let num = u32::try_from(offset.checked_div(size).unwrap_or(0)).unwrap_or(u32::MAX);
            let more = offset.saturating_add(kept) < total;
            (Block { num, more, szx }, (offset == 0).then_some(total))
        });
        let links = match block {
            // A block may cut a character: it goes as bytes, not as the request's text.
            Some(_) => "",
            None => core::str::from_utf8(payload).map_err(|_| Error::new(0, Reason::BadUtf8))?,
        };
        let copy = (self.location, self.location_len);
        let mut loc = [""; 4];
        let n = super::registration::location_segments(&copy.0, copy.1, &mut loc);
        let binding = match (update, self.binding_changed) {
            (true, false) => None,
            _ => Some(self.announced_binding()),
        };
        let binding = binding.as_ref().map(|b| b.as_str());
        let req = if update {
            let location = Location::new(loc.iter().take(n).copied())
                .ok_or(SessionError::UnknownRegistration)?;
            ServerRequest::Update {
                location,
                params: RegisterParams {
                    lifetime: self.lifetime_changed.then_some(self.settings.lifetime),
                    binding,
                    ..RegisterParams::default()
                },
                links: Some(links),
            }
        } else {
            // Queue mode: `Q` from 1.1 on, a `Q` in the binding (`UQ`, ...) for 1.0.
            let queue = self.settings.queue.is_some();
            let v1_0 = self.is_v1_0();
            ServerRequest::Register {
                params: RegisterParams {
                    lifetime: Some(self.settings.lifetime),
                    version: self.settings.version,
                    binding,
                    queue: queue && !v1_0,
                    ..RegisterParams::register(self.settings.endpoint)
                },
                links,
            }
        };
        let id = self.send_with(now, &req, block.map(|(b, size1)| (b, size1, payload)))?;
        self.links_upload = block.map(|(b, _)| LinksUpload {
            update,
            offset,
            szx: b.szx,
            more: b.more,
            hash,
        });
        Ok(id)
    }

    /// A 2.31 Continue to a block of the links: the next block, at the size the server asked
    /// for if smaller (an error after the last block: nothing is left to send). `None` when no
    /// links were on their way, or the answer is no Continue to the block sent.
    pub(super) fn next_links_block<T: ObjectTree + ?Sized>(
        &mut self,
        now: Timestamp,
        tree: &T,
        message: &Message<'_>,
    ) -> Option<Result<RequestId, SessionError>> {
        let u = self.links_upload?;
        let echoed = message.block1().and_then(Result::ok)?;
        let sent = Block {
            num: u32::try_from(u.offset.checked_div(16usize << u.szx).unwrap_or(0)).ok()?,
            more: u.more,
            szx: u.szx,
        };
        let Some(n) = m2m_coap::block::next_block1(sent, message.code(), Some(echoed)) else {
            // 2.31 to the last block: nothing is left to send.
            return (message.code() == Code::CONTINUE && echoed.num == sent.num)
                .then(|| Err(SessionError::Lwm2m(Error::new(0, Reason::Unsupported))));
        };
        let (next, szx) = (n.offset(), n.szx);
        let sent = self.send_links(now, tree, u.update, next, szx);
        if let Ok(id) = sent {
            self.state = if u.update {
                State::Updating(id)
            } else {
                State::Registering(id)
            };
        }
        Some(sent)
    }
}

/// The first block of links, for [`Client::send_links`].
pub(super) const FIRST: (usize, u8) = (0, LINKS_SZX);

/// Options a block of links adds to its request: Block1, and Size1 on the first.
pub(super) fn block_options<const M: usize>(
    b: &mut m2m_coap::Builder<'_, M>,
    block: Block,
    size1: Option<usize>,
) -> Result<(), Error> {
    let full = |_| Error::new(0, Reason::BufferTooSmall);
    b.uint(OptionNumber::BLOCK1, block.to_uint())
        .map_err(full)?;
    if let Some(s) = size1 {
        b.uint(OptionNumber::SIZE1, u32::try_from(s).unwrap_or(u32::MAX))
            .map_err(full)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use m2m_coap::{Builder, Type};

    use super::*;
    use crate::client::{ClientEvent, RecordBuf, Settings};
    use crate::link::ObjectLink;
    use crate::path::Path;

    /// `n` temperature sensors.
    struct Sensors(u16);

    impl ObjectTree for Sensors {
        fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
            for i in 0..self.0 {
                f(ObjectLink::path(Path::instance(3303, i)));
            }
        }
        fn read<'s>(&'s self, _: &Path<'_>, _: &mut RecordBuf<'s>) -> Result<(), Code> {
            Err(Code::NOT_FOUND)
        }
    }

    /// The links of `n` sensors, as text.
    fn links(n: u16) -> Vec<u8> {
        (0..n)
            .map(|i| std::format!("</3303/{i}>"))
            .collect::<Vec<_>>()
            .join(",")
            .into_bytes()
    }

    /// What the client sent: its message id, token, Block1, Size1 and payload.
    type Sent = (u16, Vec<u8>, Block, Option<u32>, Vec<u8>);

    fn sent(c: &mut Client<'static, u8>) -> Sent {
        let mut buf = [0u8; 1152];
        let (_, n) = c.poll_transmit(Timestamp::EPOCH, &mut buf).unwrap();
        let m = Message::parse_udp(&buf[..n]).unwrap();
        (
            m.message_id().unwrap(),
            m.token().to_vec(),
            m.block1().unwrap().unwrap(),
            m.size1(),
            m.payload().to_vec(),
        )
    }

    /// Answers `s` with 2.31 Continue and Block1 (`num`, more, `szx`).
    fn carry_on(c: &mut Client<'static, u8>, tree: &mut Sensors, s: &Sent, szx: u8) {
        let mut b = Builder::<2>::udp(Type::Acknowledgement, Code::CONTINUE, s.0);
        b.token(&s.1);
        let k = Block {
            num: s.2.num,
            more: true,
            szx,
        };
        b.uint(OptionNumber::BLOCK1, k.to_uint()).unwrap();
        let mut buf = [0u8; 64];
        let n = b.encode(&mut buf).unwrap();
        c.handle(Timestamp::EPOCH, 0, &buf[..n], tree).unwrap();
    }

    #[test]
    fn smaller_blocks_when_the_server_asks_and_from_the_start_when_the_links_change() {
        let mut tree = Sensors(100);
        let all = links(100);
        assert!(all.len() > 1024);
        let mut c: Client<'static, u8> = Client::new(0, Settings::new("s"), 1);
        c.register(Timestamp::EPOCH, &tree).unwrap();
        let first = sent(&mut c);
        assert_eq!((first.2.num, first.2.more, first.2.szx), (0, true, 5));
        assert_eq!(first.3, Some(u32::try_from(all.len()).unwrap()));
        assert_eq!(first.4, all[..512]);
        // The server takes blocks of 256: the next is block 2 of 256, at byte 512.
        carry_on(&mut c, &mut tree, &first, 4);
        let second = sent(&mut c);
        assert_eq!((second.2.num, second.2.more, second.2.szx), (2, true, 4));
        assert_eq!((second.3, &second.4[..]), (None, &all[512..768]));
        // The links change before the next block: the transfer starts over.
        tree.0 = 99;
        carry_on(&mut c, &mut tree, &second, 4);
        let again = sent(&mut c);
        let now = links(99);
        assert_eq!((again.2.num, again.2.more, again.2.szx), (0, true, 4));
        assert_eq!(again.3, Some(u32::try_from(now.len()).unwrap()));
        assert_eq!(again.4, now[..256]);
        // A Continue that does not echo the block sent is no answer to it.
        let mut wrong = again.clone();
        wrong.2.num = 5;
        carry_on(&mut c, &mut tree, &wrong, 4);
        let mut buf = [0u8; 1152];
        assert!(c.poll_transmit(Timestamp::EPOCH, &mut buf).is_none());
        assert_eq!(
            c.poll_event(),
            Some(ClientEvent::RegistrationFailed(Some(Code::CONTINUE)))
        );
    }

    #[test]
    fn a_continue_to_the_last_block_fails_the_register() {
        let mut tree = Sensors(100);
        let mut c: Client<'static, u8> = Client::new(0, Settings::new("s"), 1);
        c.register(Timestamp::EPOCH, &tree).unwrap();
        let mut s = sent(&mut c);
        while s.2.more {
            carry_on(&mut c, &mut tree, &s, 5);
            s = sent(&mut c);
        }
        assert_eq!(s.2.num, 2);
        // Nothing is left to send: a server that says go on is answered by giving up.
        carry_on(&mut c, &mut tree, &s, 5);
        let mut buf = [0u8; 1152];
        assert!(c.poll_transmit(Timestamp::EPOCH, &mut buf).is_none());
        assert_eq!(c.poll_event(), Some(ClientEvent::RegistrationFailed(None)));
    }
}
