//! The smallest CoAP use: parse a message from bytes and read its fields, with the crate's
//! `no_std` API only (no allocation; the same code runs on a microcontroller). Run it with
//! `cargo run -p m2m-coap --example parse_bytes`.

use m2m_coap::{Code, Message, Type};

fn main() -> Result<(), m2m_coap::Error> {
    // A Confirmable GET coap://localhost/tv1 (RFC 7252 §3).
    let datagram = b"\x44\x01\x5d\x1f\x00\x00\x39\x74\x39localhost\x83tv1";
    let msg = Message::parse_udp(datagram)?;
    assert_eq!(msg.ty(), Some(Type::Confirmable));
    assert_eq!(msg.code(), Code::GET);
    println!(
        "{:?} {} mid={:?} token={:02x?}",
        msg.ty(),
        msg.code(),
        msg.message_id(),
        msg.token()
    );
    for segment in msg.uri_path() {
        println!("Uri-Path: {segment}");
    }
    Ok(())
}
