//! OMA TLV (Content-Format 11542, and 1542 before the IANA registration;
//! OMA-TS-LightweightM2M_Core §7.4.3): the binary format of LwM2M 1.0, still the one every
//! client and server speaks.
//!
//! Each TLV is a type byte, an 8- or 16-bit identifier, a length of 0 to 3 bytes (up to 24
//! bits), and the value:
//!
//! | bits 7-6 | identifier of | value |
//! |---|---|---|
//! | `00` | an Object Instance | its Resource TLVs |
//! | `01` | a Resource Instance | the value |
//! | `10` | a multiple Resource | its Resource Instance TLVs |
//! | `11` | a single Resource | the value |
//!
//! Bit 5 says the identifier has 16 bits; bits 4-3 say how many length bytes follow (0 means
//! the length is in bits 2-0).
//!
//! [`decode`] walks a body without allocating and yields one [`Record`](crate::Record) per
//! resource (instance) value, with the full path and the value still untyped
//! ([`Untyped::Tlv`](crate::Untyped::Tlv)): TLV does not say types, the object model does
//! ([`Value::typed`](crate::Value::typed)). [`encode`] writes records back, grouping
//! consecutive records of one instance and one multiple resource.
//!
//! ```
//! use m2m_lwm2m::{tlv, Config, DataType, Path, Record, Value, Text};
//!
//! let records = [
//!     Record::new(Path::resource(3, 0, 0), Value::Str(Text::Plain("Open Mobile Alliance"))),
//!     Record::new(Path::resource_instance(3, 0, 7, 0), Value::Int(3800)),
//!     Record::new(Path::resource_instance(3, 0, 7, 1), Value::Int(5000)),
//! ];
//! let base = Path::instance(3, 0);
//! let mut buf = [0u8; 64];
//! let n = tlv::encode(&base, &records, &mut buf)?;
//! assert_eq!(n, tlv::encoded_len(&base, &records)?);
//!
//! let mut decoded = tlv::decode(&buf[..n], base, Config::STRICT);
//! let first = decoded.next().unwrap()?;
//! assert_eq!(first.path, Path::resource(3, 0, 0));
//! assert_eq!(first.value.unwrap().typed(DataType::String, &Config::STRICT)?, records[0].value.unwrap());
//! let voltage = decoded.next().unwrap()?;
//! assert_eq!(voltage.value.unwrap().typed(DataType::Integer, &Config::STRICT)?, Value::Int(3800));
//! # Ok::<(), m2m_lwm2m::Error>(())
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod decode;
pub(crate) mod encode;
mod value;

pub(crate) use decode::leading_header;
pub use decode::{Decoder, decode};
pub use encode::{encode, encoded_len};
pub use value::value_as;

/// What a TLV identifies (bits 7-6 of the type byte, Core §7.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Kind {
    /// `00`: an Object Instance, holding Resource TLVs.
    ObjectInstance,
    /// `01`: a Resource Instance, holding a value.
    ResourceInstance,
    /// `10`: a multiple Resource, holding Resource Instance TLVs.
    MultipleResource,
    /// `11`: a single Resource, holding a value.
    Resource,
}

impl Kind {
    const fn bits(self) -> u8 {
        match self {
            Kind::ObjectInstance => 0b00,
            Kind::ResourceInstance => 0b01,
            Kind::MultipleResource => 0b10,
            Kind::Resource => 0b11,
        }
    }

    const fn from_bits(b: u8) -> Kind {
        match b & 0b11 {
            0b00 => Kind::ObjectInstance,
            0b01 => Kind::ResourceInstance,
            0b10 => Kind::MultipleResource,
            _ => Kind::Resource,
        }
    }

    /// The depth of the path this kind identifies (an instance is `/o/i`, depth 2).
    const fn depth(self) -> usize {
        match self {
            Kind::ObjectInstance => 2,
            Kind::Resource | Kind::MultipleResource => 3,
            Kind::ResourceInstance => 4,
        }
    }

    /// Whether the TLV holds a value (not other TLVs).
    const fn is_leaf(self) -> bool {
        matches!(self, Kind::Resource | Kind::ResourceInstance)
    }
}

/// The largest value a TLV length can say (24 bits).
pub const MAX_LEN: usize = 0x00ff_ffff;

/// The size of a TLV header for `id` and a value of `len` bytes.
const fn header_len(id: u16, len: usize) -> usize {
    let id_len = if id > 0xff { 2 } else { 1 };
    let len_len = if len < 8 {
        0
    } else if len <= 0xff {
        1
    } else if len <= 0xffff {
        2
    } else {
        3
    };
    1usize.saturating_add(id_len).saturating_add(len_len)
}
