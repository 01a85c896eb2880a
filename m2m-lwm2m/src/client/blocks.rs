//! Answers larger than one message, served in blocks (RFC 7959 §2.4, as Core 1.1 §6.4.2 and
//! Transport 1.1 §5.2 let an LwM2M client): a Read, Discover, Read-Composite, Observe or
//! notification whose body does not fit the client's message goes out as its first block, with
//! the body's Size2 and an ETag, and the server asks for the others with Block2.
//!
//! The client keeps no body between blocks. Each request for a block reads the tree again,
//! writes the whole body through a [`Window`] that keeps only that block's bytes, and answers
//! with the hash of the whole body as ETag: a value that changed between two blocks changes
//! the ETag, and the server starts again (RFC 7959 §2.4). So a body may be larger than any
//! buffer of the client; what bounds it is the tree's records per read
//! ([`RecordBuf`](super::RecordBuf), 32).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::option::value::{Block, ValueError};
use m2m_coap::{Builder, Code, Message, OptionNumber};

use crate::error::{Error, Reason};
use crate::sink::Window;

/// What a message of the client needs beside a content payload: header (4), token (up to 8),
/// and the options of an answer with a body (Observe, Content-Format, Block2, Size2, ETag, at
/// most 24 bytes with their headers).
pub(super) const HEADROOM: usize = 64;

/// The largest block (its SZX) whose payload fits in a message of `b` bytes with
/// [`HEADROOM`]; 16 bytes (SZX 0) at the least.
pub(super) const fn largest_szx(b: usize) -> u8 {
    let room = b.saturating_sub(HEADROOM);
    let mut szx = 6u8;
    while szx > 0 && (16usize << szx) > room {
        szx = szx.saturating_sub(1);
    }
    szx
}

/// What a request asks of the blocks of its answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Asked {
    /// The block asked for (its number and size), if the request has Block2.
    pub(super) block: Option<Block>,
    /// Whether the request has Size2 (asking for the body's size, RFC 7959 §4).
    pub(super) size2: bool,
    /// The request's Block1: its body is that block of a larger one (RFC 7959 §2.5).
    pub(super) block1: Option<Block>,
    /// The request's Size1 (the whole body's size, §4).
    pub(super) size1: Option<u32>,
}

impl Asked {
    /// The request's Block2 and Size2; a Block2 that does not read is 4.02 Bad Option, and
    /// SZX 7 (reserved outside BERT) 4.00 Bad Request (RFC 7959 §2.2).
    pub(super) fn of(request: &Message<'_>) -> Result<Self, Code> {
        let block = match request.block2() {
            None => None,
            Some(Ok(b)) => Some(b),
            Some(Err(ValueError::Szx)) => return Err(Code::BAD_REQUEST),
            Some(Err(_)) => return Err(Code::BAD_OPTION),
        };
        let block1 = match request.block1() {
            None => None,
            Some(Ok(b)) => Some(b),
            Some(Err(ValueError::Szx)) => return Err(Code::BAD_REQUEST),
            Some(Err(_)) => return Err(Code::BAD_OPTION),
        };
        Ok(Asked {
            block,
            size2: request.size2().is_some(),
            block1,
            size1: request.size1(),
        })
    }

    /// Whether the request's body is one block of several (Block1 with a number past 0 or
    /// more to come).
    pub(super) fn block1_part(self: &Asked) -> bool {
        self.block1.is_some_and(|b| b.num > 0 || b.more)
    }

    /// What a notification asks: its first block, in the size its registration asked for
    /// (`szx`), if it asked for one.
    pub(super) const fn first_block(szx: Option<u8>) -> Self {
        Asked {
            block: match szx {
                Some(szx) => Some(Block {
                    num: 0,
                    more: false,
                    szx,
                }),
                None => None,
            },
            size2: false,
            block1: None,
            size1: None,
        }
    }

    /// Whether a later block is asked for (a request for it registers no observation, RFC
    /// 7959 §2.6: the rest of a notification is read).
    pub(super) fn later_block(&self) -> bool {
        self.block.is_some_and(|b| b.num > 0)
    }

    /// The window an answer's body is written through, into `out` (a message's `b` bytes):
    /// the block asked for, at the smaller of its size and the client's largest; without
    /// Block2, as much as one message takes.
    pub(super) fn window<'o>(&self, out: &'o mut [u8], b: usize) -> Window<'o> {
        let (start, keep) = match self.block {
            Some(k) => (k.offset(), 16usize << k.szx.min(largest_szx(b))),
            None => (0, b.saturating_sub(HEADROOM)),
        };
        let len = out.len();
        Window::new(out.get_mut(..keep.min(len)).unwrap_or_default(), start)
    }

    /// How the body written through [`Asked::window`] (`total` bytes hashing to `hash`, of
    /// which the window kept `kept`) goes out: whole, or as a block. A block past the end of
    /// the body is 4.02 Bad Option (RFC 7959 §2.4).
    pub(super) fn cut(
        &self,
        (total, hash, kept): (usize, u64, usize),
        b: usize,
    ) -> Result<Cut, Code> {
        let ours = largest_szx(b);
        let whole = Cut {
            len: kept,
            block: None,
            etag: None,
            size2: None,
        };
        let (num, szx) = match self.block {
            None if total <= b.saturating_sub(HEADROOM) => return Ok(whole),
            None => (0, ours),
            Some(k) => {
                let szx = k.szx.min(ours);
                if k.offset() >= total && k.offset() > 0 {
                    return Err(Code::BAD_OPTION);
                }
                // A smaller block than asked: its number counts the smaller blocks (§2.4).
                let n = k.offset().checked_div(16usize << szx).unwrap_or(0);
                (u32::try_from(n).map_err(|_| Code::BAD_OPTION)?, szx)
            }
        };
        if num > Block::MAX_NUM {
            return Err(Code::BAD_OPTION);
        }
        let size = 16usize << szx;
        let start = (num as usize).saturating_mul(size);
        Ok(Cut {
            len: kept.min(size),
            block: Some(Block {
                num,
                more: start.saturating_add(size) < total,
                szx,
            }),
            etag: Some(m2m_coap::block::etag(hash)),
            size2: (num == 0 || self.size2).then(|| u32::try_from(total).unwrap_or(u32::MAX)),
        })
    }
}

/// An answer's payload as it goes out: its first `len` bytes of the window, and the block
/// options it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cut {
    pub(super) len: usize,
    pub(super) block: Option<Block>,
    pub(super) etag: Option<u32>,
    pub(super) size2: Option<u32>,
}

impl Cut {
    /// Adds the block options to `b`.
    pub(super) fn options<const N: usize>(&self, b: &mut Builder<'_, N>) -> Result<(), Error> {
        let full = |_| Error::new(0, Reason::BufferTooSmall);
        if let Some(tag) = self.etag {
            b.uint(OptionNumber::ETAG, tag).map_err(full)?;
        }
        if let Some(k) = self.block {
            b.uint(OptionNumber::BLOCK2, k.to_uint()).map_err(full)?;
        }
        if let Some(s) = self.size2 {
            b.uint(OptionNumber::SIZE2, s).map_err(full)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(num: u32, szx: u8) -> Option<Block> {
        Some(Block {
            num,
            more: false,
            szx,
        })
    }

    #[test]
    fn the_largest_block_leaves_room_for_the_header() {
        assert_eq!(largest_szx(1152), 6);
        assert_eq!(largest_szx(1024 + HEADROOM - 1), 5);
        assert_eq!(largest_szx(256), 3);
        assert_eq!(largest_szx(0), 0);
    }

    #[test]
    fn whole_when_it_fits_else_the_first_block() {
        let b = 1152;
        let none = Asked::default();
        let fits = none.cut((1088, 7, 1088), b).unwrap();
        assert_eq!(
            (fits.len, fits.block, fits.etag, fits.size2),
            (1088, None, None, None)
        );
        let big = none.cut((1089, 7, 1088), b).unwrap();
        assert_eq!(big.len, 1024);
        assert_eq!(
            big.block,
            Some(Block {
                num: 0,
                more: true,
                szx: 6
            })
        );
        assert_eq!(big.size2, Some(1089));
        assert_eq!(big.etag, Some(m2m_coap::block::etag(7)));
    }

    #[test]
    fn a_block_asked_for_at_its_size_or_smaller() {
        let b = 256; // blocks of 128 at most
        // 64-byte blocks: the third of a 150-byte body is its last.
        let asked = Asked {
            block: block(2, 2),
            size2: false,
            block1: None,
            size1: None,
        };
        let c = asked.cut((150, 1, 22), b).unwrap();
        assert_eq!((c.len, c.size2), (22, None));
        assert_eq!(c.block.map(|k| (k.num, k.more, k.szx)), Some((2, false, 2)));
        // 1024 asked, 128 served: block 1 of 1024 starts at 1024, block 8 of 128.
        let asked = Asked {
            block: block(1, 6),
            size2: true,
            block1: None,
            size1: None,
        };
        let c = asked.cut((2000, 1, 128), b).unwrap();
        assert_eq!(c.block.map(|k| (k.num, k.more, k.szx)), Some((8, true, 3)));
        assert_eq!(c.size2, Some(2000));
        // Past the end, or at it.
        assert_eq!(
            Asked {
                block: block(3, 2),
                size2: false,
                block1: None,
                size1: None,
            }
            .cut((150, 1, 0), b),
            Err(Code::BAD_OPTION)
        );
        let exact = Asked {
            block: block(1, 0),
            size2: false,
            block1: None,
            size1: None,
        };
        assert_eq!(exact.cut((16, 1, 0), b), Err(Code::BAD_OPTION));
        // An empty body asked for as block 0: one empty last block.
        let empty = Asked {
            block: block(0, 0),
            size2: false,
            block1: None,
            size1: None,
        }
        .cut((0, 1, 0), b)
        .unwrap();
        assert_eq!(empty.block.map(|k| (k.num, k.more)), Some((0, false)));
    }

    #[test]
    fn the_window_keeps_the_block_asked_for() {
        let mut out = [0u8; 256];
        let asked = Asked {
            block: block(1, 6),
            size2: false,
            block1: None,
            size1: None,
        };
        let mut w = asked.window(&mut out, 256);
        let body: [u8; 1300] = core::array::from_fn(|i| u8::try_from(i % 251).unwrap());
        crate::sink::Sink::put(&mut w, &body).unwrap();
        let (total, _, kept) = w.finish();
        assert_eq!((total, kept), (1300, 128));
        assert_eq!(&out[..128], &body[1024..1152]);
    }
}
