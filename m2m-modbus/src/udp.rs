//! Modbus over UDP: one datagram carries exactly one MBAP ADU, as on TCP but without a stream
//! (Messaging on TCP/IP Implementation Guide §4.1 allows either transport).
//!
//! There is no framing: a datagram is decoded whole, and its MBAP length must equal the bytes
//! that follow it. A short or long datagram is malformed, never "incomplete".

use crate::error::Error;
use crate::pdu::{Config, Pdu};
use crate::tcp;

/// A Modbus/UDP ADU: the same fields as a Modbus/TCP one.
pub type Adu<P> = tcp::Adu<P>;

/// Decodes one datagram strictly.
pub fn parse<'a, P: Pdu<'a>>(datagram: &'a [u8]) -> Result<Adu<P>, Error> {
    tcp::Adu::parse(datagram)
}

/// Decodes one datagram with the given strictness.
pub fn parse_with<'a, P: Pdu<'a>>(datagram: &'a [u8], config: &Config) -> Result<Adu<P>, Error> {
    tcp::Adu::parse_with(datagram, config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::Request;

    #[test]
    fn one_datagram_one_adu() {
        let d = [
            0x00, 0x07, 0x00, 0x00, 0x00, 0x06, 0x01, 0x06, 0x00, 0x01, 0x00, 0x03,
        ];
        let adu: Adu<Request<'_>> = parse(&d).unwrap();
        assert_eq!(adu.transaction_id, 7);
        // A datagram cut short is an error, not "need more".
        assert!(matches!(
            parse::<Request<'_>>(&d[..11]),
            Err(Error::MbapLength { .. })
        ));
        // Two ADUs in one datagram: the length field does not cover them.
        let mut two = d.to_vec();
        two.extend_from_slice(&d);
        assert!(parse::<Request<'_>>(&two).is_err());
    }
}
