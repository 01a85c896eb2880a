//! Block1 uploads (RFC 7959 §2.5): each body is reassembled before the handler sees the
//! request, with the whole body as its payload.

use std::collections::HashMap;
use std::vec::Vec;

use super::{Handler, Reply, Response, uint_value};
use crate::block;
use crate::builder::Builder;
use crate::code::{Code, Type};
use crate::message::Message;
use crate::option::OptionNumber;

/// The largest body a client may upload in Block1 blocks (RFC 7959 §2.5) to a runner.
pub const MAX_UPLOAD: usize = 1 << 20;

/// Uploads in progress, by peer and request URI.
pub(super) struct Uploads<K> {
    bodies: HashMap<(K, Vec<u8>), Vec<u8>>,
}

impl<K: core::hash::Hash + Eq + Copy> Uploads<K> {
    pub(super) fn new() -> Self {
        Uploads {
            bodies: HashMap::new(),
        }
    }

    /// The reply to `req` from `peer`: 2.31 Continue for a block that is not the last, the
    /// handler's reply (with the Block1 echo) once the body is whole, or the block error.
    pub(super) fn answer(
        &mut self,
        peer: K,
        req: &Message<'_>,
        handler: &mut impl Handler,
    ) -> Reply {
        let Some(block) = req.block1() else {
            return handler.handle(req);
        };
        let Ok(block) = block else {
            return Response::new(Code::BAD_OPTION).into();
        };
        // The request URI and the Request-Tag values are the key (RFC 7959 §2.5, RFC 9175
        // §3.3): uploads to one resource under different Request-Tags stay apart.
        let uri: Vec<u8> = req
            .options()
            .filter(|o| {
                matches!(
                    o.number,
                    OptionNumber::URI_PATH | OptionNumber::URI_QUERY | OptionNumber::REQUEST_TAG
                )
            })
            .flat_map(|o| {
                let n = o.number.0.to_be_bytes();
                n.into_iter()
                    .chain(o.value.iter().copied())
                    .chain(core::iter::once(0))
            })
            .collect();
        let key = (peer, uri);
        let body = self.bodies.entry(key.clone()).or_default();
        if block.num == 0 {
            body.clear();
            // A body announced larger than we take is refused at once (RFC 7959 §4).
            if req
                .size1()
                .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > MAX_UPLOAD))
            {
                self.bodies.remove(&key);
                let max = u32::try_from(MAX_UPLOAD).unwrap_or(u32::MAX);
                return Response::new(Code::REQUEST_ENTITY_TOO_LARGE)
                    .with(OptionNumber::SIZE1, uint_value(max))
                    .into();
            }
        }
        let received = body.len();
        let end = block.offset().saturating_add(req.payload().len());
        if end > MAX_UPLOAD {
            self.bodies.remove(&key);
            return Response::new(Code::REQUEST_ENTITY_TOO_LARGE).into();
        }
        body.resize(end.max(received), 0);
        let mut asm = block::Assembler::resume(body, received);
        let progress = asm.push(block, req.payload(), None);
        let len = asm.body().len();
        body.truncate(len);
        let echo = |more: bool| uint_value(crate::Block { more, ..block }.to_uint());
        match progress {
            Ok(block::Progress::More(_) | block::Progress::Repeat) => Response::new(Code::CONTINUE)
                .with(OptionNumber::BLOCK1, echo(true))
                .into(),
            Ok(block::Progress::Done(_)) => {
                let whole = self.bodies.remove(&key).unwrap_or_default();
                let reply = match owned_request(req, &whole) {
                    Some(bytes) => {
                        match Message::parse(&bytes, req.transport(), &crate::Config::LENIENT) {
                            Ok(m) => handler.handle(&m),
                            Err(_) => Response::new(Code::INTERNAL_SERVER_ERROR).into(),
                        }
                    }
                    None => Response::new(Code::INTERNAL_SERVER_ERROR).into(),
                };
                reply.with(OptionNumber::BLOCK1, echo(false))
            }
            Err(e) => {
                self.bodies.remove(&key);
                Response::new(e.code()).into()
            }
        }
    }
}

/// The request `req` with `body` as its payload and without Block1 and Size1, encoded: what
/// the handler sees of an upload, and what an observation keeps of its request.
pub(super) fn owned_request(req: &Message<'_>, body: &[u8]) -> Option<Vec<u8>> {
    let mut b = Builder::<64>::for_transport(
        req.transport(),
        req.ty().unwrap_or(Type::Confirmable),
        req.code(),
        req.message_id().unwrap_or(0),
    );
    b.unchecked().token(req.token()).payload(body);
    for o in req.options() {
        if o.number != OptionNumber::BLOCK1 && o.number != OptionNumber::SIZE1 {
            b.opaque(o.number, o.value).ok()?;
        }
    }
    let mut out = std::vec![0u8; m2m_core::Encode::buffer_len(&b)];
    let n = b.encode(&mut out).ok()?;
    out.truncate(n);
    Some(out)
}
