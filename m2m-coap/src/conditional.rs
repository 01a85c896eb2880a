//! Conditional requests (RFC 7252 §5.10.8): If-Match and If-None-Match checked against the
//! target resource's current state. The runners cannot know a resource's state; a handler
//! that changes resources calls [`preconditions`] before it acts, and answers 4.12
//! (Precondition Failed) when they do not hold. If-Match is a critical option: a server that
//! ignores it would do what the client asked it not to.
//!
//! ```
//! use m2m_coap::conditional::{Current, preconditions};
//! use m2m_coap::{Builder, Code, Message, OptionNumber, Type};
//!
//! // PUT /config only if it is still the representation with ETag 0x2a.
//! let mut b = Builder::<2>::udp(Type::Confirmable, Code::PUT, 1);
//! b.path("config")?;
//! b.opaque(OptionNumber::IF_MATCH, &[0x2a])?;
//! let mut buf = [0u8; 32];
//! let n = b.encode(&mut buf)?;
//! let req = Message::parse_udp(&buf[..n])?;
//! assert_eq!(preconditions(&req, Current::Present { etag: Some(&[0x2a]) }), Ok(()));
//! // Someone changed it meanwhile: 4.12.
//! assert_eq!(
//!     preconditions(&req, Current::Present { etag: Some(&[0x2b]) }),
//!     Err(Code::PRECONDITION_FAILED)
//! );
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::{Code, Message, OptionNumber};

/// The target resource as it is when the request comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Current<'a> {
    /// It does not exist.
    Missing,
    /// It exists, with the ETag of its current representation if it has one.
    Present {
        /// That ETag.
        etag: Option<&'a [u8]>,
    },
}

/// Whether the preconditions of `request` hold for the resource as it is (`current`):
/// `Ok` to act on it, 4.12 (Precondition Failed) otherwise.
///
/// - If-Match (§5.10.8.1), which may repeat: the resource exists, and one value is empty (any
///   representation will do) or equals its current ETag.
/// - If-None-Match (§5.10.8.2): the resource does not exist (a create that must not replace).
///
/// Both must hold when both are present; a request with neither always may go on.
pub fn preconditions(request: &Message<'_>, current: Current<'_>) -> Result<(), Code> {
    let mut if_match = request.options().with(OptionNumber::IF_MATCH).peekable();
    if if_match.peek().is_some() {
        let holds = match current {
            Current::Missing => false,
            Current::Present { etag } => {
                if_match.any(|v| v.is_empty() || etag.is_some_and(|e| e == v))
            }
        };
        if !holds {
            return Err(Code::PRECONDITION_FAILED);
        }
    }
    let if_none_match = request
        .options()
        .with(OptionNumber::IF_NONE_MATCH)
        .next()
        .is_some();
    if if_none_match && current != Current::Missing {
        return Err(Code::PRECONDITION_FAILED);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Builder, Type};

    /// A PUT with these If-Match values and, if `none`, If-None-Match.
    fn put(if_match: &[&[u8]], none: bool, f: impl FnOnce(&Message<'_>)) {
        let mut b = Builder::<6>::udp(Type::Confirmable, Code::PUT, 1);
        for v in if_match {
            b.opaque(OptionNumber::IF_MATCH, v).unwrap();
        }
        if none {
            b.empty(OptionNumber::IF_NONE_MATCH).unwrap();
        }
        let mut buf = [0u8; 64];
        let n = b.encode(&mut buf).unwrap();
        f(&Message::parse_udp(&buf[..n]).unwrap());
    }

    const FAIL: Result<(), Code> = Err(Code::PRECONDITION_FAILED);

    #[test]
    fn if_match_needs_the_current_etag_or_an_empty_value_and_an_existing_resource() {
        let tagged = Current::Present { etag: Some(b"v2") };
        let untagged = Current::Present { etag: None };
        put(&[b"v1", b"v2"], false, |m| {
            assert_eq!(preconditions(m, tagged), Ok(()));
            assert_eq!(
                preconditions(m, Current::Present { etag: Some(b"v3") }),
                FAIL
            );
            assert_eq!(preconditions(m, untagged), FAIL);
            assert_eq!(preconditions(m, Current::Missing), FAIL);
        });
        // An empty value: any representation, so long as there is one.
        put(&[b""], false, |m| {
            assert_eq!(preconditions(m, tagged), Ok(()));
            assert_eq!(preconditions(m, untagged), Ok(()));
            assert_eq!(preconditions(m, Current::Missing), FAIL);
        });
    }

    #[test]
    fn if_none_match_needs_a_missing_resource_and_neither_option_asks_nothing() {
        put(&[], true, |m| {
            assert_eq!(preconditions(m, Current::Missing), Ok(()));
            assert_eq!(preconditions(m, Current::Present { etag: None }), FAIL);
        });
        put(&[], false, |m| {
            assert_eq!(preconditions(m, Current::Missing), Ok(()));
            assert_eq!(preconditions(m, Current::Present { etag: None }), Ok(()));
        });
        // Both: no resource can be missing and present at once.
        put(&[b""], true, |m| {
            assert_eq!(preconditions(m, Current::Missing), FAIL);
            assert_eq!(preconditions(m, Current::Present { etag: None }), FAIL);
        });
    }
}
