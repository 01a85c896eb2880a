#![doc = include_str!("../README.md")]
#![no_std]
// Only the no_std libraries need these (std-only tests, benches and the CLI do not).
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod ascii;
pub mod client;
#[cfg(feature = "tokio-util")]
pub mod codec;
pub mod data;
pub mod error;
pub mod function;
pub mod line;
pub mod list;
pub mod pdu;
pub mod rtu;
pub mod samples;
pub mod server;
pub mod sniffer;
pub mod tcp;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod udp;

pub use data::{Bits, Data, Registers};
pub use error::{Count, Error, FrameError};
pub use function::{ExceptionCode, FunctionCode};
pub use list::List;
pub use m2m_core;

/// `m2m_core::Decode` for the ADUs that decode on their own (strict `Adu::parse`), so that
/// `m2m_core::decode_stream` works with their framings. On RTU streams `rtu::Framing::decode`
/// and `rtu::Framing::find` avoid checking the CRC twice. (ASCII needs a scratch buffer, so it has no such impl.)
macro_rules! decode_adu {
    ($($m:ident),*) => {$(
        impl<'a, P: pdu::Pdu<'a>> m2m_core::Decode<'a> for $m::Adu<P> {
            type Error = Error;
            fn decode(frame: &'a [u8]) -> Result<Self, Error> {
                Self::parse(frame)
            }
        }
    )*};
}

decode_adu!(tcp, rtu);

/// Encodes into a new `Vec` of `len` bytes with `encode`, trimmed to what it wrote: the one
/// `to_vec` behind every encoder of the crate. No frame is longer than an ASCII one, so a
/// value claiming more (a borrowed PDU far past the limit) gets no bigger buffer: the encoder
/// refuses it by its limits before it writes past that.
#[cfg(feature = "alloc")]
pub(crate) fn encode_to_vec(
    len: usize,
    encode: impl FnOnce(&mut [u8]) -> Result<usize, Error>,
) -> Result<alloc::vec::Vec<u8>, Error> {
    let mut v = alloc::vec![0; len.min(ascii::MAX_FRAME)];
    let n = encode(&mut v)?;
    v.truncate(n);
    Ok(v)
}
pub use pdu::{
    Config, DeviceIdObject, Direction, FileRecord, FileRecordData, FileSubRequest, PduLen, Request,
    Response,
};
