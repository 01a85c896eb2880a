#![doc = include_str!("../README.md")]
#![no_std]
// Only the no_std libraries need these (std-only tests, benches and the CLI do not).
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]
#![cfg_attr(
    not(test),
    warn(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod attributes;
pub mod base64;
#[cfg(feature = "std")]
pub mod blocking;
pub mod body;
pub mod cbor;
pub mod client;
pub mod composite;
#[cfg(feature = "std")]
mod download;
pub mod error;
pub mod float;
#[cfg(feature = "std")]
mod host;
pub mod interface;
mod json;
pub mod link;
pub mod lwm2m_cbor;
pub mod lwm2m_json;
pub mod model;
pub mod notify;
#[cfg(feature = "std")]
mod outgoing;
pub mod path;
#[cfg(feature = "tokio")]
pub mod runner;
pub mod samples;
pub mod senml;
pub mod senml_cbor;
pub mod senml_etch_json;
pub mod senml_json;
pub mod server;
mod sink;
pub mod text;
pub mod tlv;
pub mod upload;
pub mod value;

/// tokio-util codecs of the CoAP messages LwM2M rides in (feature `tokio-util`): LwM2M over
/// UDP, TCP (RFC 8323 §3) or WebSocket frames its messages as CoAP does, so these are
/// m2m-coap's codecs.
#[cfg(feature = "tokio-util")]
pub mod codec {
    pub use m2m_coap::codec::*;
}

pub use error::{Config, Error, Reason};
pub use m2m_coap::ContentFormat;
pub use m2m_core;
pub use path::Path;
pub use value::{DataType, ObjLink, Opaque, Record, Text, Untyped, Value};
