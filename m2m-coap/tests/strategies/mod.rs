//! Strategies for CoAP messages, shared by the property and allocation tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)] // each test file uses a part; `pub` for the files that include it

use m2m_coap::option::REGISTRY;
use m2m_coap::option::number::Format;
use m2m_coap::{Builder, Code, Transport, Type};
use proptest::collection::vec;
use proptest::prelude::*;

/// The parts of a message, as a test builds it.
#[derive(Debug, Clone)]
pub struct Parts {
    pub transport: Transport,
    pub ty: Type,
    pub mid: u16,
    pub code: Code,
    pub token: Vec<u8>,
    /// In the order they are added.
    pub options: Vec<(u16, Vec<u8>)>,
    pub payload: Vec<u8>,
}

impl Parts {
    /// The options in wire order: by number, repeats in the order they were added.
    pub fn sorted_options(&self) -> Vec<(u16, Vec<u8>)> {
        let mut o = self.options.clone();
        o.sort_by_key(|(n, _)| *n);
        o
    }

    /// A builder holding the parts, options added in the given order.
    pub fn builder<'a>(&'a self, options: &'a [(u16, Vec<u8>)]) -> Builder<'a, 64> {
        let mut b = Builder::<64>::for_transport(self.transport, self.ty, self.code, self.mid);
        b.token(&self.token).payload(&self.payload);
        for (n, v) in options {
            b.opaque(m2m_coap::OptionNumber(*n), v).unwrap();
        }
        b
    }

    pub fn encode(&self) -> Vec<u8> {
        let b = self.builder(&self.options);
        let mut out = vec![0u8; m2m_core::Encode::buffer_len(&b)];
        let n = b.encode(&mut out).unwrap();
        assert_eq!(n, out.len(), "encode wrote buffer_len bytes");
        out
    }
}

pub fn transport() -> impl Strategy<Value = Transport> {
    prop_oneof![
        2 => Just(Transport::Udp),
        1 => Just(Transport::Tcp),
        1 => Just(Transport::WebSocket),
    ]
}

fn ty() -> impl Strategy<Value = Type> {
    (0u8..4).prop_map(Type::from_bits)
}

/// A code the type may carry (RFC 7252 §4.2-4.3), never Empty (Empty messages carry nothing).
fn code_for(transport: Transport, ty: Type) -> BoxedStrategy<Code> {
    let request = (1u8..=31).prop_map(|d| Code::new(0, d));
    let response =
        (prop_oneof![Just(2u8), Just(4), Just(5)], 0u8..=31).prop_map(|(c, d)| Code::new(c, d));
    match (transport, ty) {
        (Transport::Udp, Type::Acknowledgement) => response.boxed(),
        (Transport::Udp, _) => prop_oneof![request, response].boxed(),
        _ => prop_oneof![
            3 => request,
            3 => response,
            1 => (1u8..=5).prop_map(|d| Code::new(7, d)),
        ]
        .boxed(),
    }
}

/// A token: mostly 0..=8 bytes, sometimes an RFC 8974 extended one.
pub fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => vec(any::<u8>(), 0..=8),
        1 => vec(any::<u8>(), 13..=300),
    ]
}

/// A value that the registry accepts for option `def`.
fn registered_option() -> impl Strategy<Value = (u16, Vec<u8>)> {
    (0..REGISTRY.len()).prop_flat_map(|i| {
        let d = REGISTRY[i];
        let (min, max) = (usize::from(d.min_len), usize::from(d.max_len).min(300));
        let value: BoxedStrategy<Vec<u8>> = match d.format {
            Format::String => {
                proptest::string::string_regex(&format!("[a-z0-9=&/.~ -]{{{min},{max}}}"))
                    .unwrap()
                    .prop_map(String::into_bytes)
                    .boxed()
            }
            _ => vec(any::<u8>(), min..=max).boxed(),
        };
        value.prop_map(move |v| (d.number.0, v))
    })
}

/// Unregistered elective options, with numbers anywhere up to 65534 (big deltas and lengths).
fn other_option() -> impl Strategy<Value = (u16, Vec<u8>)> {
    (
        prop_oneof![0u16..=40, 41u16..=300, 301u16..=65534].prop_map(|n| n & !1),
        vec(any::<u8>(), 0..=300),
    )
        .prop_filter("registered", |(n, _)| {
            m2m_coap::OptionNumber(*n).def().is_none()
        })
}

/// Options with a valid value each, repeats only of repeatable ones.
fn options() -> impl Strategy<Value = Vec<(u16, Vec<u8>)>> {
    vec(
        prop_oneof![3 => registered_option(), 1 => other_option()],
        0..=12,
    )
    .prop_map(|opts| {
        let mut seen = std::collections::HashSet::new();
        opts.into_iter()
            .filter(|(n, _)| {
                let rep = m2m_coap::OptionNumber(*n)
                    .def()
                    .is_none_or(|d| d.repeatable);
                rep || seen.insert(*n)
            })
            .collect()
    })
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        3 => vec(any::<u8>(), 1..=64),
        1 => vec(any::<u8>(), 65..=2000),
    ]
}

/// A valid message for any transport (a UDP Reset is Empty; every other is not) (signaling messages carry no registry options
/// here: their options have numbers of their own).
pub fn parts() -> impl Strategy<Value = Parts> {
    (transport(), ty())
        .prop_flat_map(|(transport, ty)| {
            (
                Just(transport),
                Just(ty),
                any::<u16>(),
                code_for(transport, ty),
                token(),
                options(),
                payload(),
            )
        })
        .prop_map(|(transport, ty, mid, code, token, options, payload)| {
            let options = if code.is_signaling() {
                Vec::new()
            } else if code.is_response() {
                // ETag repeats in requests only (RFC 7252 §5.10.6.1).
                let mut etag = false;
                options
                    .into_iter()
                    .filter(|(n, _)| *n != 4 || !std::mem::replace(&mut etag, true))
                    .collect()
            } else {
                options
            };
            // A Reset is always Empty (RFC 7252 §4.2), and Empty messages carry nothing.
            if transport == Transport::Udp && ty == Type::Reset {
                return Parts {
                    transport,
                    ty,
                    mid,
                    code: Code::EMPTY,
                    token: Vec::new(),
                    options: Vec::new(),
                    payload: Vec::new(),
                };
            }
            Parts {
                transport,
                ty,
                mid,
                code,
                token,
                options,
                payload,
            }
        })
}
