//! A small strict JSON (RFC 8259) tokenizer and writer, shared by SenML JSON (RFC 8428 §5),
//! SenML-ETCH JSON (RFC 8790) and the legacy LwM2M JSON of OMA-TS-LightweightM2M 1.0 §6.4.4.
//!
//! The reader works on text already checked to be UTF-8, borrows every string and allocates
//! nothing; the writer sizes first ([`Counter`]) and then fills a slice ([`Slice`]).

mod lexer;
mod write;

pub(crate) use lexer::{Label, Lexer};
pub(crate) use write::{Counter, Sink, Slice};
