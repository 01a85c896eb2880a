#![doc = include_str!("../README.md")]
#![no_std]
// Only the no_std libraries need these (std-only tests, benches and the CLI do not).
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod codec;
pub mod device;
pub mod error;
pub mod hex;
#[cfg(feature = "std")]
pub mod net;
#[cfg(feature = "std")]
pub mod random;
pub mod time;
pub mod value;
pub mod wire;

#[cfg(feature = "std")]
pub use codec::CodecError;
#[cfg(feature = "bytes")]
pub use codec::encode_into_bytes;
pub use codec::{
    BufferTooSmall, Decode, Encode, Framing, Needed, Status, StreamError, StreamResult,
    decode_stream,
};
pub use device::{DeviceId, DeviceIdError};
pub use error::{ErrorKind, ProtocolError};
pub use hex::{Hex, HexError};
pub use time::{SystemTimeRange, Timestamp};
pub use value::{ObjectPath, Quality, Sample, SampleKey, SampleSource, Value};
pub use wire::{
    Reader, TrailingBytes, Truncated, VarintError, Writer, copy_short, varint_from_word,
    varint_len, varint_word,
};
