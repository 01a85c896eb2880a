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
pub mod list;
pub mod pdu;
pub mod rtu;
pub mod samples;
pub mod server;
pub mod sniffer;
pub mod tcp;
pub mod udp;

pub use data::{Bits, Data, Registers};
pub use error::{Error, FrameError};
pub use function::{ExceptionCode, FunctionCode};
pub use list::List;
pub use m2m_core;
pub use pdu::{
    Config, DeviceIdObject, Direction, FileRecord, FileRecordData, FileSubRequest, PduLen, Request,
    Response,
};
