//! Criterion benchmarks of the m2m crates (not published).
//!
//! Naming, shared by every bench target: group `decode/<case>` or `encode/<case>` with
//! `Throughput::Bytes` of the frame, our implementation as function id `m2m`, each peer crate as
//! a function id named after the crate. Run one target with
//! `cargo bench -p benches --bench <target>`.
