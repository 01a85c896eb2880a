//! Block-wise transfers (RFC 7959; BERT, RFC 8323 §6), without allocation: cutting a body into
//! the block a Block2 request asks for, and reassembling Block1 uploads or Block2 downloads into
//! a caller's buffer with the Size, ETag, Request-Tag and order checks.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::code::Code;
use crate::message::Message;
use crate::option::OptionNumber;
use crate::option::value::Block;

/// Why a block cannot be served or taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum BlockError {
    /// The block starts past the end of the body (RFC 7959 §2.4: 4.02 Bad Option).
    #[error("block starts past the end of the body")]
    PastEnd,
    /// A block that does not continue the transfer: `expected` bytes were received, the block
    /// starts at `offset` (§2.5: 4.08 Request Entity Incomplete).
    #[error("block at byte {offset} where {expected} bytes were received")]
    Gap {
        /// Bytes received so far.
        expected: usize,
        /// Where the block starts.
        offset: usize,
    },
    /// A block that is not the last and is not of its announced size (§2.3).
    #[error("block of {len} bytes announced as {size}")]
    Size {
        /// Its length.
        len: usize,
        /// What its SZX says.
        size: usize,
    },
    /// The body does not fit the buffer, or Size1/Size2 announce more than it holds
    /// (§2.9.3: 4.13 Request Entity Too Large, with a Size1 of the capacity).
    #[error("body larger than the {capacity} bytes available")]
    TooLarge {
        /// The buffer's capacity.
        capacity: usize,
    },
    /// The representation changed during a Block2 download (its ETag differs, §2.4): start
    /// again.
    #[error("the ETag changed during the transfer")]
    ETagChanged,
    /// A Block1 request whose Request-Tag options are not those of the transfer's first block
    /// (RFC 9175 §3.3): a block of another body. Answer it with 4.08, or give it an assembler
    /// of its own.
    #[error("the Request-Tag differs from the transfer's")]
    RequestTagChanged,
    /// The message has no block option, or one that does not decode (§2.2: 4.02 Bad Option).
    #[error("no valid block option")]
    NoBlock,
}

impl BlockError {
    /// The response code a server answers the block with (RFC 7959 §2.9).
    #[must_use]
    pub const fn code(&self) -> Code {
        match self {
            BlockError::PastEnd | BlockError::Size { .. } | BlockError::NoBlock => Code::BAD_OPTION,
            BlockError::Gap { .. } | BlockError::ETagChanged | BlockError::RequestTagChanged => {
                Code::REQUEST_ENTITY_INCOMPLETE
            }
            BlockError::TooLarge { .. } => Code::REQUEST_ENTITY_TOO_LARGE,
        }
    }
}

/// The block of `body` that a request asks for (RFC 7959 §2.4): at most `max_szx` in size (the
/// server may choose a smaller block than asked; the block number is then scaled so that the
/// offset is the one asked for). Without a Block2 option the first block is served. Returns the
/// Block2 value of the response and the bytes.
pub fn slice(
    body: &[u8],
    requested: Option<Block>,
    max_szx: u8,
) -> Result<(Block, &[u8]), BlockError> {
    let asked = requested.unwrap_or(Block {
        num: 0,
        more: false,
        szx: max_szx.min(6),
    });
    let szx = asked.szx.min(max_szx).min(6);
    let offset = asked.offset();
    let size = 16usize << szx;
    if offset > body.len() || (offset == body.len() && offset != 0) {
        return Err(BlockError::PastEnd);
    }
    let num =
        u32::try_from(offset.checked_div(size).unwrap_or(0)).map_err(|_| BlockError::PastEnd)?;
    if num > Block::MAX_NUM {
        return Err(BlockError::PastEnd);
    }
    let end = offset.saturating_add(size).min(body.len());
    let chunk = body.get(offset..end).ok_or(BlockError::PastEnd)?;
    Ok((
        Block {
            num,
            more: end < body.len(),
            szx,
        },
        chunk,
    ))
}

/// The block a sender of a body in Block1 blocks (RFC 7959 §2.5) sends after the answer to
/// block `sent` (its `code`, and `echo`, the answer's Block1); `None` when the answer ends the
/// transfer (the request's answer, or an error).
///
/// - 2.31 Continue echoing `sent` (a server that acts on the whole body at its end), or a
///   success (2.xx) whose Block1 has M unset (one that acted on this block alone,
///   non-atomic, §2.3), to a block with more to come: the next block starts where `sent`
///   ends, in the size the echo asks for when smaller (its number counts blocks of that
///   size).
/// - 4.13 Request Entity Too Large to the first block with a smaller Block1 size (§2.9.3):
///   the body again from its start in that size.
///
/// The block returned has M set; the sender sets it from the body ([`slice()`] does).
#[must_use]
pub fn next_block1(sent: Block, code: Code, echo: Option<Block>) -> Option<Block> {
    let e = echo?;
    let taken = sent.more
        && e.num == sent.num
        && (code == Code::CONTINUE || (code.class() == 2 && !e.more));
    if taken {
        let szx = e.szx.min(sent.szx).min(6);
        let end = usize::try_from(sent.num)
            .ok()?
            .checked_add(1)?
            .checked_mul(sent.size())?;
        let num = u32::try_from(end.checked_div(16usize << szx)?).ok()?;
        return (num <= Block::MAX_NUM).then_some(Block {
            num,
            more: true,
            szx,
        });
    }
    (code == Code::REQUEST_ENTITY_TOO_LARGE && sent.num == 0 && e.szx < sent.szx).then_some(Block {
        num: 0,
        more: true,
        szx: e.szx,
    })
}

/// Where a transfer stands after a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Progress {
    /// More blocks to come; ask for (Block2) or expect (Block1) the one at this number with
    /// this SZX.
    More(Block),
    /// The body is complete, of this many bytes.
    Done(usize),
    /// The block repeats one already taken (a retransmission): nothing changed.
    Repeat,
}

/// Reassembles a body sent in blocks (a Block1 upload on a server, a Block2 download on a
/// client) into a caller's buffer.
#[derive(Debug)]
pub struct Assembler<'b> {
    buf: &'b mut [u8],
    len: usize,
    done: bool,
    etag: Option<([u8; 8], usize)>,
    /// The Request-Tag options of the first block; `None` until a block came through
    /// [`Assembler::push_block1`].
    request_tag: Option<RequestTags>,
}

/// The Request-Tag options of a request, in order (RFC 9175 §3.3 has the whole list match;
/// no Request-Tag at all is a value of its own, distinct from an empty one): each value after
/// its length, kept exactly for the first 36 bytes (four tags of the longest, 8 bytes); any
/// beyond (a request with more tags than that) folded with FNV-1a.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RequestTags {
    bytes: [u8; 36],
    len: usize,
    rest: u64,
}

/// The FNV-1a offset basis (64 bits): where [`fnv1a`] starts.
pub const FNV_BASIS: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a (64 bits) of `bytes`, going on from `h` ([`FNV_BASIS`] at the start of a body): the
/// hash of which [`etag`] makes the ETag of a body served in blocks.
#[must_use]
pub fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME))
}

/// The ETag the runners (and the LwM2M client) send with each block of a body served in blocks
/// (RFC 7959 §2.4: SHOULD), so that a client sees a body that changed between its blocks: the
/// body's [`fnv1a`] `hash` folded into four bytes, never 0 (an option of its minimal encoding
/// is then never empty). An ETag only tells representations apart; this is no cryptographic
/// hash.
#[must_use]
pub const fn etag(hash: u64) -> u32 {
    #[allow(clippy::cast_possible_truncation)] // the halves, on purpose
    let folded = (hash >> 32) as u32 ^ hash as u32;
    if folded == 0 { 1 } else { folded }
}

impl RequestTags {
    fn of(req: &Message<'_>) -> Self {
        let mut t = RequestTags {
            bytes: [0; 36],
            len: 0,
            rest: FNV_BASIS,
        };
        for v in req.options().with(OptionNumber::REQUEST_TAG) {
            let n = u8::try_from(v.len()).unwrap_or(u8::MAX);
            let end = t.len.saturating_add(1).saturating_add(v.len());
            match t.bytes.get_mut(t.len..end) {
                Some(dst) => {
                    if let Some((first, tail)) = dst.split_first_mut() {
                        *first = n;
                        tail.copy_from_slice(v);
                    }
                    t.len = end;
                }
                None => {
                    t.rest = fnv1a(fnv1a(t.rest, &[n]), v);
                    // Nothing more goes into the exact part once one tag did not fit.
                    t.len = t.bytes.len();
                }
            }
        }
        t
    }
}

impl<'b> Assembler<'b> {
    /// An empty transfer into `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Assembler {
            buf,
            len: 0,
            done: false,
            etag: None,
            request_tag: None,
        }
    }

    /// Goes on with a transfer of which the first `received` bytes are in `buf` already (a
    /// server that keeps the buffer between requests, with no assembler alive in between).
    pub fn resume(buf: &'b mut [u8], received: usize) -> Self {
        let len = received.min(buf.len());
        Assembler {
            buf,
            len,
            done: false,
            etag: None,
            request_tag: None,
        }
    }

    /// Checks a Size1/Size2 announcement (RFC 7959 §4) against the capacity.
    pub fn announce(&self, size: u32) -> Result<(), BlockError> {
        if usize::try_from(size).map_or(true, |s| s > self.buf.len()) {
            return Err(BlockError::TooLarge {
                capacity: self.buf.len(),
            });
        }
        Ok(())
    }

    /// Takes the block `block` carrying `payload`; `etag` is the ETag of a Block2 response (the
    /// representation must not change under a download).
    pub fn push(
        &mut self,
        block: Block,
        payload: &[u8],
        etag: Option<&[u8]>,
    ) -> Result<Progress, BlockError> {
        if etag.is_none() && self.etag.is_some() {
            // The first block had an ETag: every later one must carry the same (§2.4).
            return Err(BlockError::ETagChanged);
        }
        if let Some(tag) = etag {
            match self.etag {
                Some((t, n)) if t.get(..n) != Some(tag) => return Err(BlockError::ETagChanged),
                Some(_) => {}
                None if self.len == 0 => {
                    let mut t = [0u8; 8];
                    let n = tag.len().min(8);
                    if let (Some(dst), Some(src)) = (t.get_mut(..n), tag.get(..n)) {
                        dst.copy_from_slice(src);
                    }
                    self.etag = Some((t, n));
                }
                None => return Err(BlockError::ETagChanged),
            }
        }
        let offset = block.offset();
        let size = block.size();
        let end = offset.saturating_add(payload.len());
        if offset < self.len && end <= self.len {
            // A block already taken (a retransmission after a lost ACK).
            return Ok(Progress::Repeat);
        }
        if offset != self.len || self.done {
            return Err(BlockError::Gap {
                expected: self.len,
                offset,
            });
        }
        // Every block but the last is exactly its size (BERT: a multiple of 1024).
        let whole = if block.is_bert() {
            payload.len() % 1024 == 0 && !payload.is_empty()
        } else {
            payload.len() == size
        };
        // Every block but the last is exactly its size; the last is no longer (BERT: a
        // multiple of 1024 but the last).
        if (block.more && !whole) || (!block.is_bert() && payload.len() > size) {
            return Err(BlockError::Size {
                len: payload.len(),
                size,
            });
        }
        let capacity = self.buf.len();
        let dst = self
            .buf
            .get_mut(offset..end)
            .ok_or(BlockError::TooLarge { capacity })?;
        dst.copy_from_slice(payload);
        self.len = end;
        if block.more {
            let taken = u32::try_from(payload.len().checked_div(size).unwrap_or(1))
                .unwrap_or(1)
                .max(1);
            Ok(Progress::More(Block {
                num: block.num.saturating_add(taken),
                more: false,
                szx: block.szx,
            }))
        } else {
            self.done = true;
            Ok(Progress::Done(end))
        }
    }

    /// Takes a Block1 request (a server reassembling an upload): its Block1 option and payload,
    /// with the checks of the message: Size1 on the first block against the capacity (RFC 7959
    /// §4), and the Request-Tag options, which must be those of the first block (RFC 9175
    /// §3.3; a first block that is not the one received, under another Request-Tag, is not
    /// taken for a retransmission).
    pub fn push_block1(&mut self, req: &Message<'_>) -> Result<Progress, BlockError> {
        let block = match req.block1() {
            Some(Ok(b)) => b,
            _ => return Err(BlockError::NoBlock),
        };
        let tag = RequestTags::of(req);
        match self.request_tag {
            Some(t) if t != tag => return Err(BlockError::RequestTagChanged),
            Some(_) => {}
            None if self.len == 0 => self.request_tag = Some(tag),
            // Blocks came through `push` or `resume` before: nothing to compare with.
            None => {}
        }
        if block.num == 0 {
            if let Some(size) = req.size1() {
                self.announce(size)?;
            }
        }
        let progress = self.push(block, req.payload(), None);
        if progress.is_err() && self.len == 0 {
            self.request_tag = None;
        }
        progress
    }

    /// Takes a Block2 response (a client reassembling a download): its Block2 option, ETag and
    /// payload, with Size2 on the first block checked against the capacity (RFC 7959 §4) and
    /// the ETag held for the rest of the transfer (§2.4). A response without Block2 is a body
    /// in one piece, whatever its code: check the code first (an error's diagnostic payload is
    /// taken as a body too).
    pub fn push_block2(&mut self, rsp: &Message<'_>) -> Result<Progress, BlockError> {
        let block = match rsp.block2() {
            Some(Ok(b)) => b,
            Some(Err(_)) => return Err(BlockError::NoBlock),
            None => {
                // The whole body: no block, so no block size to hold it to.
                if self.len != 0 {
                    return Err(BlockError::Gap {
                        expected: self.len,
                        offset: 0,
                    });
                }
                let payload = rsp.payload();
                let capacity = self.buf.len();
                let dst = self
                    .buf
                    .get_mut(..payload.len())
                    .ok_or(BlockError::TooLarge { capacity })?;
                dst.copy_from_slice(payload);
                self.len = payload.len();
                self.done = true;
                return Ok(Progress::Done(self.len));
            }
        };
        if block.num == 0 {
            if let Some(size) = rsp.size2() {
                self.announce(size)?;
            }
        }
        self.push(block, rsp.payload(), rsp.etags().next())
    }

    /// The bytes received so far (the whole body once [`Progress::Done`]).
    #[must_use]
    pub fn body(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// Whether the last block was taken.
    #[must_use]
    pub const fn is_done(&self) -> bool {
        self.done
    }

    /// Starts over (a new transfer, or after [`BlockError::ETagChanged`]).
    pub fn reset(&mut self) {
        self.len = 0;
        self.done = false;
        self.etag = None;
        self.request_tag = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(n: usize) -> std::vec::Vec<u8> {
        (0..n).map(|i| u8::try_from(i % 251).unwrap()).collect()
    }

    fn blk(num: u32, more: bool, szx: u8) -> Block {
        Block { num, more, szx }
    }

    #[test]
    fn the_next_block1_follows_the_servers_answer() {
        // RFC 7959 §3.3's example: block 0 of 128 answered 2.31 with 0/1/32: the next is
        // block 4 of 32, where the 128 bytes end.
        let e = Some(blk(0, true, 1));
        assert_eq!(
            next_block1(blk(0, true, 3), Code::CONTINUE, e),
            Some(blk(4, true, 1))
        );
        // The same size: the next number.
        let e = Some(blk(2, true, 6));
        assert_eq!(
            next_block1(blk(2, true, 6), Code::CONTINUE, e),
            Some(blk(3, true, 6))
        );
        // A non-atomic server: 2.04 without M to a block before the last (§2.3).
        let e = Some(blk(2, false, 6));
        assert_eq!(
            next_block1(blk(2, true, 6), Code::CHANGED, e),
            Some(blk(3, true, 6))
        );
        // The answer to the last block, an error, a 2.31 echoing another block, none at all.
        assert_eq!(
            next_block1(blk(3, false, 6), Code::CHANGED, Some(blk(3, false, 6))),
            None
        );
        assert_eq!(
            next_block1(blk(3, false, 6), Code::CONTINUE, Some(blk(3, false, 6))),
            None
        );
        let gap = Some(blk(1, true, 6));
        assert_eq!(
            next_block1(blk(2, true, 6), Code::REQUEST_ENTITY_INCOMPLETE, gap),
            None
        );
        assert_eq!(
            next_block1(blk(2, true, 6), Code::CONTINUE, Some(blk(5, true, 6))),
            None
        );
        assert_eq!(next_block1(blk(2, true, 6), Code::CONTINUE, None), None);
        // 4.13 to the first block with a smaller size: from the start in that size (§2.9.3);
        // not to a later block, nor without a smaller size.
        let small = Some(blk(0, false, 4));
        assert_eq!(
            next_block1(blk(0, true, 6), Code::REQUEST_ENTITY_TOO_LARGE, small),
            Some(blk(0, true, 4))
        );
        assert_eq!(
            next_block1(blk(1, true, 6), Code::REQUEST_ENTITY_TOO_LARGE, small),
            None
        );
        let same = Some(blk(0, false, 6));
        assert_eq!(
            next_block1(blk(0, true, 6), Code::REQUEST_ENTITY_TOO_LARGE, same),
            None
        );
        // Past the 20 bits of a block number: the end.
        let last = blk(Block::MAX_NUM, true, 0);
        assert_eq!(next_block1(last, Code::CONTINUE, Some(last)), None);
    }

    #[test]
    fn serves_and_reassembles_3000_bytes() {
        let data = body(3000);
        let mut buf = [0u8; 4096];
        let mut asm = Assembler::new(&mut buf);
        asm.announce(3000).unwrap();
        let mut req = None;
        let mut rounds = 0;
        loop {
            let (b, chunk) = slice(&data, req, 6).unwrap();
            rounds += 1;
            match asm.push(b, chunk, Some(b"e1")).unwrap() {
                Progress::More(next) => req = Some(next),
                Progress::Done(n) => {
                    assert_eq!(n, 3000);
                    break;
                }
                Progress::Repeat => unreachable!(),
            }
        }
        assert_eq!(rounds, 3);
        assert_eq!(asm.body(), &data[..]);
    }

    #[test]
    fn smaller_blocks_than_asked_keep_the_offset() {
        let data = body(300);
        // Asked for block 1 of 128 bytes, served in 64-byte blocks: block 2 of 64.
        let (b, chunk) = slice(
            &data,
            Some(Block {
                num: 1,
                more: false,
                szx: 3,
            }),
            2,
        )
        .unwrap();
        assert_eq!((b.num, b.szx, b.more), (2, 2, true));
        assert_eq!(chunk, &data[128..192]);
        assert_eq!(
            slice(
                &data,
                Some(Block {
                    num: 3,
                    more: false,
                    szx: 6
                }),
                6
            ),
            Err(BlockError::PastEnd)
        );
        assert_eq!(slice(&[], None, 6).unwrap().1, b"");
    }

    #[test]
    fn lost_and_repeated_blocks() {
        let data = body(200);
        let mut buf = [0u8; 256];
        let mut asm = Assembler::new(&mut buf);
        let b0 = Block {
            num: 0,
            more: true,
            szx: 2,
        };
        let b1 = Block {
            num: 1,
            more: true,
            szx: 2,
        };
        let b2 = Block {
            num: 2,
            more: true,
            szx: 2,
        };
        let b3 = Block {
            num: 3,
            more: false,
            szx: 2,
        };
        asm.push(b0, &data[..64], None).unwrap();
        // Block 1 is lost: block 2 is out of order (4.08).
        let e = asm.push(b2, &data[128..192], None).unwrap_err();
        assert_eq!(
            e,
            BlockError::Gap {
                expected: 64,
                offset: 128
            }
        );
        assert_eq!(e.code(), Code::REQUEST_ENTITY_INCOMPLETE);
        // Block 0 again (its ACK was lost): a repeat.
        assert_eq!(asm.push(b0, &data[..64], None), Ok(Progress::Repeat));
        asm.push(b1, &data[64..128], None).unwrap();
        asm.push(b2, &data[128..192], None).unwrap();
        assert_eq!(asm.push(b3, &data[192..], None), Ok(Progress::Done(200)));
        assert_eq!(asm.body(), &data[..]);
        // A short block that claims more is refused; too much for the buffer is 4.13.
        let mut small = [0u8; 32];
        let mut asm = Assembler::new(&mut small);
        assert!(matches!(
            asm.push(b0, &data[..10], None),
            Err(BlockError::Size { .. })
        ));
        assert_eq!(
            asm.push(b0, &data[..64], None).unwrap_err().code(),
            Code::REQUEST_ENTITY_TOO_LARGE
        );
        assert!(asm.announce(33).is_err());
    }

    #[test]
    fn etag_change_restarts() {
        let mut buf = [0u8; 64];
        let mut asm = Assembler::new(&mut buf);
        asm.push(
            Block {
                num: 0,
                more: true,
                szx: 0,
            },
            &[1; 16],
            Some(b"a"),
        )
        .unwrap();
        assert_eq!(
            asm.push(
                Block {
                    num: 1,
                    more: false,
                    szx: 0
                },
                &[2; 4],
                Some(b"b")
            ),
            Err(BlockError::ETagChanged)
        );
        asm.reset();
        assert!(asm.body().is_empty());
    }

    #[test]
    fn bert_blocks() {
        let mut buf = [0u8; 4096];
        let mut asm = Assembler::new(&mut buf);
        // BERT (SZX 7): 2048 bytes in block 0, then block 2.
        let p = asm
            .push(
                Block {
                    num: 0,
                    more: true,
                    szx: 7,
                },
                &[9; 2048],
                None,
            )
            .unwrap();
        assert_eq!(
            p,
            Progress::More(Block {
                num: 2,
                more: false,
                szx: 7
            })
        );
        assert_eq!(
            asm.push(
                Block {
                    num: 2,
                    more: false,
                    szx: 7
                },
                &[8; 10],
                None
            ),
            Ok(Progress::Done(2058))
        );
    }

    /// A Block1 PUT of `payload` as block `num` (64-byte blocks), with the Request-Tags and
    /// Size1 given, encoded.
    fn put(
        num: u32,
        more: bool,
        payload: &[u8],
        tags: &[&[u8]],
        size1: Option<u32>,
    ) -> std::vec::Vec<u8> {
        let mut b = crate::Builder::<8>::udp(crate::Type::Confirmable, Code::PUT, 1);
        b.uint(OptionNumber::BLOCK1, Block { num, more, szx: 2 }.to_uint())
            .unwrap();
        for t in tags {
            b.opaque(OptionNumber::REQUEST_TAG, t).unwrap();
        }
        if let Some(s) = size1 {
            b.uint(OptionNumber::SIZE1, s).unwrap();
        }
        b.payload(payload);
        let mut out = std::vec![0u8; 256];
        let n = m2m_core::Encode::encode(&b, &mut out).unwrap();
        out.truncate(n);
        out
    }

    #[test]
    fn block1_request_tags_must_match_the_first_block() {
        let data = body(150);
        let mut buf = [0u8; 512];
        let mut asm = Assembler::new(&mut buf);
        let b0 = put(0, true, &data[..64], &[b"t1"], Some(150));
        let m = Message::parse_udp(&b0).unwrap();
        assert_eq!(
            asm.push_block1(&m),
            Ok(Progress::More(Block {
                num: 1,
                more: false,
                szx: 2
            }))
        );
        // The next block under another tag, or under none, belongs to another body.
        for tags in [&[&b"t2"[..]][..], &[], &[b"t1", b""]] {
            let other = put(1, true, &data[64..128], tags, None);
            let m = Message::parse_udp(&other).unwrap();
            assert_eq!(
                asm.push_block1(&m),
                Err(BlockError::RequestTagChanged),
                "{tags:?}"
            );
        }
        // Block 0 of a new body under another tag is not taken for a retransmission.
        let again = put(0, true, &data[..64], &[b"t2"], None);
        let m = Message::parse_udp(&again).unwrap();
        assert_eq!(asm.push_block1(&m), Err(BlockError::RequestTagChanged));
        assert_eq!(
            asm.push_block1(&Message::parse_udp(&b0).unwrap()),
            Ok(Progress::Repeat)
        );
        for (num, more, range) in [(1, true, 64..128), (2, false, 128..150)] {
            let b = put(num, more, &data[range], &[b"t1"], None);
            asm.push_block1(&Message::parse_udp(&b).unwrap()).unwrap();
        }
        assert!(asm.is_done());
        assert_eq!(asm.body(), &data[..]);
        assert_eq!(
            BlockError::RequestTagChanged.code(),
            Code::REQUEST_ENTITY_INCOMPLETE
        );

        // No Request-Tag on the first block: later blocks must carry none either.
        asm.reset();
        let b0 = put(0, true, &data[..64], &[], None);
        asm.push_block1(&Message::parse_udp(&b0).unwrap()).unwrap();
        let tagged = put(1, true, &data[64..128], &[b""], None);
        assert_eq!(
            asm.push_block1(&Message::parse_udp(&tagged).unwrap()),
            Err(BlockError::RequestTagChanged),
            "an empty Request-Tag is not no Request-Tag"
        );
    }

    #[test]
    fn block1_size1_and_missing_option() {
        let mut buf = [0u8; 100];
        let mut asm = Assembler::new(&mut buf);
        let big = put(0, true, &body(64), &[], Some(101));
        assert_eq!(
            asm.push_block1(&Message::parse_udp(&big).unwrap()),
            Err(BlockError::TooLarge { capacity: 100 })
        );
        let mut b = crate::Builder::<0>::udp(crate::Type::Confirmable, Code::PUT, 1);
        b.payload(b"x");
        let mut out = [0u8; 16];
        let n = m2m_core::Encode::encode(&b, &mut out).unwrap();
        assert_eq!(
            asm.push_block1(&Message::parse_udp(&out[..n]).unwrap()),
            Err(BlockError::NoBlock)
        );
    }

    #[test]
    fn block2_responses_with_etag_and_size2() {
        let data = body(100);
        let rsp = |num: u32, more: bool, etag: &[u8], size2: Option<u32>| {
            let mut b = crate::Builder::<4>::udp(crate::Type::Acknowledgement, Code::CONTENT, 1);
            b.uint(OptionNumber::BLOCK2, Block { num, more, szx: 2 }.to_uint())
                .unwrap();
            b.opaque(OptionNumber::ETAG, etag).unwrap();
            if let Some(s) = size2 {
                b.uint(OptionNumber::SIZE2, s).unwrap();
            }
            let start = usize::try_from(num).unwrap() * 64;
            b.payload(&data[start..(start + 64).min(100)]);
            let mut out = std::vec![0u8; 128];
            let n = m2m_core::Encode::encode(&b, &mut out).unwrap();
            out.truncate(n);
            out
        };
        let mut small = [0u8; 99];
        let first = rsp(0, true, b"e1", Some(100));
        assert_eq!(
            Assembler::new(&mut small).push_block2(&Message::parse_udp(&first).unwrap()),
            Err(BlockError::TooLarge { capacity: 99 })
        );
        let mut buf = [0u8; 128];
        let mut asm = Assembler::new(&mut buf);
        asm.push_block2(&Message::parse_udp(&first).unwrap())
            .unwrap();
        let changed = rsp(1, false, b"e2", None);
        assert_eq!(
            asm.push_block2(&Message::parse_udp(&changed).unwrap()),
            Err(BlockError::ETagChanged)
        );
        let last = rsp(1, false, b"e1", None);
        assert_eq!(
            asm.push_block2(&Message::parse_udp(&last).unwrap()),
            Ok(Progress::Done(100))
        );
        assert_eq!(asm.body(), &data[..]);

        // A response without Block2 is the whole body.
        let mut b = crate::Builder::<0>::udp(crate::Type::Acknowledgement, Code::CONTENT, 1);
        b.payload(b"whole");
        let mut out = [0u8; 16];
        let n = m2m_core::Encode::encode(&b, &mut out).unwrap();
        asm.reset();
        assert_eq!(
            asm.push_block2(&Message::parse_udp(&out[..n]).unwrap()),
            Ok(Progress::Done(5))
        );
        assert_eq!(asm.body(), b"whole");
    }
}
