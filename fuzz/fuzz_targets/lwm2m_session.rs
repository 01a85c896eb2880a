//! The sans-IO LwM2M server and client take any sequence of datagrams (and the time moving on)
//! without panicking, and whatever either sends is a well-formed CoAP message. The server puts
//! bodies in blocks together (Block1), and the client's /3/0 is larger than one message (its
//! answers go in Block2 blocks); it takes a value written in Block1 blocks piece by piece,
//! checking the pieces come in order, and puts other bodies in blocks together.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_coap::{Code, Message};
use m2m_core::Timestamp;
use m2m_lwm2m::client::{Client, ObjectTree, RecordBuf, Settings};
use m2m_lwm2m::link::ObjectLink;
use m2m_lwm2m::server::Server;
use m2m_lwm2m::upload::Upload;
use m2m_lwm2m::{Path, Record, Text, Value};

/// The Device object, its Timezone (/3/0/15) longer than a message.
struct Tree(String, usize);

impl ObjectTree for Tree {
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>)) {
        f(ObjectLink::path(Path::instance(3, 0)));
    }
    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code> {
        for r in [
            Record::new(Path::resource(3, 0, 0), Value::Str(Text::Plain("m2m"))),
            Record::new(Path::resource_instance(3, 0, 7, 0), Value::Int(3800)),
            Record::new(Path::resource(3, 0, 9), Value::Int(80)),
            Record::new(Path::resource(3, 0, 15), Value::Str(Text::Plain(&self.0))),
        ] {
            if path.contains(&r.path) {
                out.push(r)?;
            }
        }
        Ok(())
    }
    fn write(&mut self, _: &Record<'_>, _: bool) -> Result<(), Code> {
        Ok(())
    }
    fn write_block(
        &mut self,
        _: &Path<'_>,
        piece: m2m_lwm2m::client::Piece<'_>,
    ) -> Result<(), Code> {
        // The client hands the pieces on in order, each where the one before ended.
        assert!(piece.offset == 0 || piece.offset == self.1, "{piece:?} after {}", self.1);
        self.1 = piece.offset + piece.bytes.len();
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let mut server: Server<u8, 4> = Server::new(1);
    let mut upload: Upload<u8, 512> = Upload::new();
    let mut room: Upload<u8, 512> = Upload::new();
    let mut client: Client<'static, u8> = Client::new(0, Settings::new("fuzz"), 2);
    let mut tree = Tree("z".repeat(1500), 0);
    let mut now = 0u64;
    let mut out = [0u8; 1152];
    let _ = client.register(Timestamp::from_millis(now), &tree);
    // Each chunk: one byte of time step and target, then a length byte, then the datagram.
    let mut rest = data;
    while let [ctl, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (datagram, next) = tail.split_at(n);
        rest = next;
        now += u64::from(ctl >> 1) * 250;
        let t = Timestamp::from_millis(now);
        if ctl & 1 == 0 {
            let _ = server.handle_with(t, 1, datagram, &mut upload);
            server.handle_timeout(t);
            while server.poll_event().is_some() {}
            while let Some((_, n)) = server.poll_transmit(t, &mut out) {
                well_formed(out.get(..n), "server");
            }
        } else {
            let _ = client.handle_with(t, 0, datagram, &mut tree, &mut room);
            let _ = client.handle_timeout(t, &tree);
            while client.poll_event().is_some() {}
            while let Some((_, n)) = client.poll_transmit(t, &mut out) {
                well_formed(out.get(..n), "client");
            }
            let _ = client.poll_timeout(t);
        }
    }
});

fn well_formed(sent: Option<&[u8]>, who: &str) {
    let sent = sent.unwrap_or_else(|| panic!("the {who} wrote past its buffer"));
    if let Err(e) = Message::parse_udp(sent) {
        panic!("the {who} sent {sent:02x?}, not CoAP: {e:?}");
    }
}
