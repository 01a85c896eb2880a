//! Block1 uploads (RFC 7959 §2.5): each body is reassembled before the handler sees the
//! request, with the whole body as its payload.

use core::time::Duration;
use std::collections::HashMap;
use std::time::Instant;
use std::vec::Vec;

use super::{Handler, Reply, Response, uint_value};
use crate::block;
use crate::builder::Builder;
use crate::code::{Code, Type};
use crate::message::Message;
use crate::option::OptionNumber;
use crate::option::value::ValueError;

/// What tells the requests of one transfer in blocks from another's: the method, the request
/// URI and the Request-Tag values (RFC 7959 §2.5, RFC 9175 §3.3), so that uploads to one
/// resource under different Request-Tags stay apart. Each value goes in with its number and
/// length, so no two lists of values give one key.
pub(super) fn request_key(req: &Message<'_>) -> Vec<u8> {
    let mut uri = Vec::new();
    uri.push(req.code().0);
    for o in req.options().filter(|o| {
        matches!(
            o.number,
            OptionNumber::URI_PATH | OptionNumber::URI_QUERY | OptionNumber::REQUEST_TAG
        )
    }) {
        uri.extend_from_slice(&o.number.0.to_be_bytes());
        uri.extend_from_slice(
            &u32::try_from(o.value.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        uri.extend_from_slice(o.value);
    }
    uri
}

/// The largest body a client may upload in Block1 blocks (RFC 7959 §2.5) to a runner.
pub const MAX_UPLOAD: usize = 1 << 20;

/// At most this many uploads in progress per runner (UDP) or connection (TCP, WebSocket) ...
const MAX_UPLOADS: usize = 32;
/// ... and per peer (a TCP or WebSocket connection is one).
const MAX_UPLOADS_PER_PEER: usize = 4;
/// An upload that gets no block for this long is given up (EXCHANGE_LIFETIME, RFC 7252
/// §4.8.2: a client that still sends blocks after it starts again from block 0).
const UPLOAD_LIFETIME: Duration = Duration::from_secs(247);

/// An upload in progress: the body so far, when its last block came, and the options of its
/// first block that describe the whole body: If-Match, If-None-Match (RFC 7959 §2.5 has them
/// on the first block; a client need not repeat them) and Content-Format (a later block that
/// names another one is not part of this body, §2.3).
struct Upload {
    body: Vec<u8>,
    touched: Instant,
    first: Vec<(OptionNumber, Vec<u8>)>,
}

/// The options of `req` that [`Upload::first`] keeps.
fn whole_body_options(req: &Message<'_>) -> Vec<(OptionNumber, Vec<u8>)> {
    req.options()
        .filter(|o| {
            matches!(
                o.number,
                OptionNumber::IF_MATCH | OptionNumber::IF_NONE_MATCH | OptionNumber::CONTENT_FORMAT
            )
        })
        .map(|o| (o.number, o.value.to_vec()))
        .collect()
}

/// Uploads in progress, by peer and request URI.
pub(super) struct Uploads<K> {
    bodies: HashMap<(K, Vec<u8>), Upload>,
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
        let block = match block {
            Ok(block) => block,
            Err(e) => return Response::new(block_error_code(e)).into(),
        };
        let now = Instant::now();
        self.bodies
            .retain(|_, u| now.saturating_duration_since(u.touched) < UPLOAD_LIFETIME);
        let key = (peer, request_key(req));
        let too_large = || {
            let max = u32::try_from(MAX_UPLOAD).unwrap_or(u32::MAX);
            Reply::from(
                Response::new(Code::REQUEST_ENTITY_TOO_LARGE)
                    .with(OptionNumber::SIZE1, uint_value(max)),
            )
        };
        if block.num == 0 {
            // A body announced larger than we take is refused at once (RFC 7959 §4).
            if req
                .size1()
                .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > MAX_UPLOAD))
            {
                self.bodies.remove(&key);
                return too_large();
            }
            if !self.bodies.contains_key(&key) {
                // Per peer too (a connection is one): bodies of up to 1 MiB each.
                let of_peer = self.bodies.keys().filter(|(p, _)| *p == peer).count();
                if self.bodies.len() >= MAX_UPLOADS || of_peer >= MAX_UPLOADS_PER_PEER {
                    // No room for another body now (RFC 7252 §5.9.3.4).
                    return Response::new(Code::SERVICE_UNAVAILABLE)
                        .with(OptionNumber::MAX_AGE, uint_value(5))
                        .into();
                }
            }
        }
        let Some(upload) = (match self.bodies.get_mut(&key) {
            Some(u) => Some(u),
            None if block.num == 0 => Some(self.bodies.entry(key.clone()).or_insert(Upload {
                body: Vec::new(),
                touched: now,
                first: Vec::new(),
            })),
            None => None,
        }) else {
            // A block of a body that never started (or was given up): 4.08 (RFC 7959 §2.9.2).
            return Response::new(Code::REQUEST_ENTITY_INCOMPLETE).into();
        };
        upload.touched = now;
        if block.num == 0 {
            upload.body.clear();
            upload.first = whole_body_options(req);
        }
        // Compared as numbers: 0 may come as no bytes or as one zero byte.
        let format = |opts: &[(OptionNumber, Vec<u8>)]| {
            opts.iter()
                .find(|(n, _)| *n == OptionNumber::CONTENT_FORMAT)
                .map(|(_, v)| {
                    v.iter()
                        .fold(0u64, |a, &b| a.wrapping_shl(8) | u64::from(b))
                })
        };
        let later = whole_body_options(req);
        if format(&later).is_some_and(|f| Some(f) != format(&upload.first)) {
            // Another Content-Format than the first block's: not this body (RFC 7959 §2.3).
            self.bodies.remove(&key);
            return Response::new(Code::REQUEST_ENTITY_INCOMPLETE).into();
        }
        let body = &mut upload.body;
        let received = body.len();
        // A block past what was received is a gap, refused before any room is made for it.
        if block.offset() > received {
            self.bodies.remove(&key);
            return Response::new(Code::REQUEST_ENTITY_INCOMPLETE).into();
        }
        let end = block.offset().saturating_add(req.payload().len());
        if end > MAX_UPLOAD {
            self.bodies.remove(&key);
            return too_large();
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
                let (whole, first) = self
                    .bodies
                    .remove(&key)
                    .map(|u| (u.body, u.first))
                    .unwrap_or_default();
                // The last block's request, with what of the first block's options it does not
                // repeat.
                let extra: Vec<_> = first
                    .into_iter()
                    .filter(|(n, _)| !later.iter().any(|(m, _)| m == n))
                    .collect();
                let reply = match owned_request_with(req, &whole, &extra) {
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
    owned_request_with(req, body, &[])
}

/// [`owned_request`] with `extra` options too.
fn owned_request_with(
    req: &Message<'_>,
    body: &[u8],
    extra: &[(OptionNumber, Vec<u8>)],
) -> Option<Vec<u8>> {
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
    for (number, value) in extra {
        b.opaque(*number, value).ok()?;
    }
    let mut out = std::vec![0u8; m2m_core::Encode::buffer_len(&b)];
    let n = b.encode(&mut out).ok()?;
    out.truncate(n);
    Some(out)
}

/// The answer to a request whose Block1 or Block2 value is bad: 4.00 for SZX 7, reserved
/// (RFC 7959 §2.2: "MUST lead to a 4.00 Bad Request"), 4.02 for a value the option cannot
/// hold (a critical option not processed, RFC 7252 §5.4.3).
pub(super) fn block_error_code(e: ValueError) -> Code {
    match e {
        ValueError::Szx => Code::BAD_REQUEST,
        _ => Code::BAD_OPTION,
    }
}
