#![doc = include_str!("../README.md")]
#![no_std]
// Only the no_std libraries need these (std-only tests, benches and the CLI do not).
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub use m2m_core;
