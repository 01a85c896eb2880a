#![doc = include_str!("../README.md")]
#![no_std]
// Only the no_std libraries need these (std-only tests, benches and the CLI do not).
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod block;
#[cfg(feature = "std")]
pub mod blocking;
pub mod builder;
pub mod code;
#[cfg(feature = "tokio-util")]
pub mod codec;
pub mod conditional;
pub mod content_format;
pub mod endpoint;
pub mod error;
pub mod link;
pub mod message;
pub mod observe;
pub mod option;
#[cfg(feature = "tokio")]
pub mod runner;
#[cfg(feature = "serde")]
mod serde_impl;
pub mod signaling;
pub mod tcp;
pub mod token;
pub mod uri;
pub mod writer;

pub use builder::Builder;
pub use code::{Code, CodeClass, Type};
pub use content_format::ContentFormat;
pub use endpoint::{Endpoint, Event, Exchange, Incoming, RequestId};
pub use error::{BadOption, BuildError, Error, OptionProblem, Reaction, Reason, Transport};
pub use m2m_core;
pub use message::{Config, Message};
pub use option::value::{Block, NoResponse, Oscore};
pub use option::{CoapOption, OptionNumber, Options};
pub use token::Token;
pub use uri::{Scheme, Uri, UriError, write_uri};
pub use writer::MessageWriter;
