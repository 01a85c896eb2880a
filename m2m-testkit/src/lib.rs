//! Test helpers shared by the m2m crates (not published).
//!
//! - [`vectors`]: the `tests/vectors/*.json` loader (schema in `design.md` §7);
//! - [`props`]: reusable framing properties (every strict prefix is partial, a frame followed by
//!   junk consumes exactly itself, chunked feeding agrees with one-shot framing) and proptest
//!   strategies for them;
//! - [`alloc_count`]: a counting global allocator to assert that decoding allocates nothing;
//! - [`spoof`]: a UDP datagram no server can answer (source port 0);
//! - [`fd_limit`]: a test run again with few file descriptors.

pub mod alloc_count;
pub mod fd_limit;
pub mod mosquitto;
pub mod props;
pub mod spoof;
pub mod vectors;

pub use alloc_count::{CountingAllocator, allocations_in, assert_no_alloc};
pub use vectors::Vector;
