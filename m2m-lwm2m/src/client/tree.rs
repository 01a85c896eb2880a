//! What the application gives the client: its objects, read and written through a small trait.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use m2m_coap::Code;

use super::Piece;
use crate::link::ObjectLink;
use crate::model::Registry;
use crate::path::Path;
use crate::value::Record;

/// Room for the records of one answer (up to `K`), borrowed from the tree.
#[derive(Debug, Clone)]
pub struct RecordBuf<'s, const K: usize = 32> {
    items: [Record<'s>; K],
    len: usize,
}

impl<'s, const K: usize> Default for RecordBuf<'s, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'s, const K: usize> RecordBuf<'s, K> {
    /// Empty.
    #[must_use]
    pub fn new() -> Self {
        RecordBuf {
            items: [Record::path_only(Path::ROOT); K],
            len: 0,
        }
    }

    /// Adds a record; 5.00 when full.
    pub fn push(&mut self, r: Record<'s>) -> Result<(), Code> {
        let slot = self
            .items
            .get_mut(self.len)
            .ok_or(Code::INTERNAL_SERVER_ERROR)?;
        *slot = r;
        self.len = self.len.saturating_add(1);
        Ok(())
    }

    /// The records.
    #[must_use]
    pub fn as_slice(&self) -> &[Record<'s>] {
        self.items.get(..self.len).unwrap_or_default()
    }

    /// Forgets them.
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

/// The application's objects, as the client serves them. Errors are the CoAP response codes
/// the server gets (4.04 Not Found, 4.05 Method Not Allowed, 4.00 Bad Request, ...).
pub trait ObjectTree {
    /// The object and instance links (`</1/0>`, `</3/0>`, `</3303>;ver=1.1`, ...), each given
    /// to `f`: every instance, those of the Security (0) and OSCORE (21) objects too, which
    /// Bootstrap-Delete finds here and Register leaves out.
    fn objects(&self, f: &mut dyn FnMut(ObjectLink<'_>));

    /// The records under `path` (a resource, an instance, an object), typed.
    fn read<'s>(&'s self, path: &Path<'_>, out: &mut RecordBuf<'s>) -> Result<(), Code>;

    /// A Write replace (PUT) of `path`, an Object Instance or a multiple Resource, is about to
    /// write its records (Core 1.1 §6.3.3, Write, "Replace"): return the instance to its
    /// state after creation, or remove every instance of the resource, so that what the
    /// records do not set does not outlive the write. Called once, after every record has been
    /// checked and before the first [`ObjectTree::write`]; not during Bootstrap, whose writes
    /// add to what is there. A tree without the path may answer 4.04: the writes then decide.
    /// The default keeps everything (a tree whose resources are all written by every replace).
    fn reset(&mut self, path: &Path<'_>) -> Result<(), Code> {
        let _ = path;
        Ok(())
    }

    /// Writes one record (typed by the object model); `replace` for a PUT.
    fn write(&mut self, record: &Record<'_>, replace: bool) -> Result<(), Code> {
        let _ = (record, replace);
        Err(Code::METHOD_NOT_ALLOWED)
    }

    /// Takes a piece of the value of resource `path` written in Block1 blocks (RFC 7959 §2.5:
    /// a Write replace too large for one message, such as a firmware package to /5/0/0). The
    /// pieces come in order, `offset` 0 first (a new `offset` 0 starts the value again);
    /// the one with `last` ends the value, and the Write is answered with what this returns.
    /// A value that ends any other way (the server stops sending blocks, sends them out of
    /// order or starts another) is announced with
    /// [`ClientEvent::BlockWriteAbandoned`](super::ClientEvent::BlockWriteAbandoned).
    ///
    /// The client checks what it can first: the path is one resource the server may write
    /// (not read-only by the model, outside Bootstrap), the format is opaque or TLV (an
    /// Opaque resource) or text or TLV (a String one), a TLV body holds only that resource,
    /// and the pieces are the value's bytes without the TLV header. An error answers the
    /// block and ends the transfer. The default refuses every value in blocks with 4.13
    /// Request Entity Too Large.
    fn write_block(&mut self, path: &Path<'_>, piece: Piece<'_>) -> Result<(), Code> {
        let _ = (path, piece);
        Err(Code::REQUEST_ENTITY_TOO_LARGE)
    }

    /// The executable resources of object instance `instance` (`/o/i`), each given to `f` in
    /// id order: Discover lists them beside what [`ObjectTree::read`] gives, which has no
    /// value for them (Core 1.1 §5.4.2, Discover: the resources instantiated). The default
    /// gives those the built-in model marks executable and mandatory (Reboot `/3/i/4`, the
    /// Server object's Registration Update Trigger `/1/i/8`, ...); a tree with optional ones
    /// (Factory Reset `/3/i/5`, the Server object's Disable `/1/i/4`, which the client
    /// performs itself) or without a mandatory one says so here.
    fn executables(&self, instance: &Path<'_>, f: &mut dyn FnMut(u16)) {
        let Some(def) = instance.object_id().and_then(Registry::definition) else {
            return;
        };
        for r in def.resources {
            if r.operations.execute && r.mandatory {
                f(r.id);
            }
        }
    }

    /// Executes a resource with its arguments.
    fn execute(&mut self, path: &Path<'_>, args: &[u8]) -> Result<(), Code> {
        let _ = (path, args);
        Err(Code::METHOD_NOT_ALLOWED)
    }

    /// Creates an instance of `object` from `records`; returns its id. The records' instance
    /// id is the one the server asked for; it is [`crate::path::RESERVED_ID`] (65535) when the
    /// server named none (a TLV body of bare resources, Core 1.1 §6.3.6), and the tree then
    /// chooses the id. Returning the reserved id itself is answered 5.00 (it names no instance).
    fn create(&mut self, object: u16, records: &[Record<'_>]) -> Result<u16, Code> {
        let _ = (object, records);
        Err(Code::METHOD_NOT_ALLOWED)
    }

    /// Deletes an instance.
    fn delete(&mut self, path: &Path<'_>) -> Result<(), Code> {
        let _ = path;
        Err(Code::METHOD_NOT_ALLOWED)
    }
}
