//! Resource values and records: what every content format decodes to and encodes from
//! (OMA-TS-LightweightM2M_Core §C "Data Types").
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use crate::base64;
use crate::cbor::Chunks;
use crate::error::{Config, Error, Reason};
use crate::path::Path;

/// The data type of a resource (OMA-TS-LightweightM2M_Core Appendix C).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum DataType {
    /// UTF-8 text.
    String,
    /// A signed 64-bit integer.
    Integer,
    /// An unsigned 64-bit integer (LwM2M 1.1).
    UnsignedInteger,
    /// A 32- or 64-bit IEEE 754 float.
    Float,
    /// `true`/`false`.
    Boolean,
    /// Bytes.
    Opaque,
    /// Seconds since the Unix epoch, signed.
    Time,
    /// A link to an object instance, `object:instance`.
    Objlnk,
    /// A CoRE link (RFC 6690), as text (LwM2M 1.1).
    Corelnk,
    /// No value: an executable resource.
    None,
}

impl DataType {
    /// The name the OMA object definitions (DDF) use.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            DataType::String => "String",
            DataType::Integer => "Integer",
            DataType::UnsignedInteger => "Unsigned Integer",
            DataType::Float => "Float",
            DataType::Boolean => "Boolean",
            DataType::Opaque => "Opaque",
            DataType::Time => "Time",
            DataType::Objlnk => "Objlnk",
            DataType::Corelnk => "Corelnk",
            DataType::None => "none",
        }
    }

    /// The type for a DDF `<Type>` text (case-insensitive; empty means none).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.trim();
        [
            DataType::String,
            DataType::Integer,
            DataType::UnsignedInteger,
            DataType::Float,
            DataType::Boolean,
            DataType::Opaque,
            DataType::Time,
            DataType::Objlnk,
            DataType::Corelnk,
        ]
        .into_iter()
        .find(|t| t.name().eq_ignore_ascii_case(n))
        .or_else(|| (n.is_empty() || n.eq_ignore_ascii_case("none")).then_some(DataType::None))
    }
}

/// An object link `object:instance` (§C.1 "Objlnk"); `65535:65535` is the null link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ObjLink {
    /// Object id.
    pub object: u16,
    /// Object instance id.
    pub instance: u16,
}

impl ObjLink {
    /// The null link `65535:65535` (§C.1).
    pub const NULL: ObjLink = ObjLink {
        object: u16::MAX,
        instance: u16::MAX,
    };

    /// Parses `3:0` (decimal, each part 0..=65535).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = Error::new(0, Reason::BadObjLink);
        let (o, i) = text.split_once(':').ok_or(bad)?;
        let num = |s: &str| -> Result<u16, Error> {
            if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad);
            }
            s.parse().map_err(|_| bad)
        };
        Ok(ObjLink {
            object: num(o)?,
            instance: num(i)?,
        })
    }
}

impl fmt::Display for ObjLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.object, self.instance)
    }
}

/// Text borrowed from the input: as it stands (TLV, CBOR, text/plain, a JSON string without
/// escapes), with JSON escapes still in it (RFC 8259 §7), resolved when read, or in the chunks
/// of an indefinite-length CBOR string, joined when read.
#[derive(Clone, Copy)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Text<'a> {
    /// The text itself.
    Plain(&'a str),
    /// A JSON string body (without quotes) with at least one `\` escape, already validated.
    JsonEscaped(&'a str),
    /// An indefinite-length CBOR text string (RFC 8949 §3.2.3): its chunks, each valid UTF-8.
    CborChunks(Chunks<'a>),
}

impl<'a> Text<'a> {
    /// The text when it needs no unescaping or joining (CBOR chunks: when there is one).
    #[must_use]
    #[inline]
    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            Text::Plain(s) => Some(s),
            Text::JsonEscaped(_) => None,
            Text::CborChunks(c) => single_text(*c),
        }
    }

    /// The text as written in the input; `None` for CBOR chunks (read them with
    /// [`Text::chars`]).
    #[must_use]
    pub const fn raw(&self) -> Option<&'a str> {
        match self {
            Text::Plain(s) | Text::JsonEscaped(s) => Some(s),
            Text::CborChunks(_) => None,
        }
    }

    /// The characters, escapes resolved and chunks joined.
    pub fn chars(&self) -> impl Iterator<Item = char> + 'a {
        let (s, escaped, chunks) = match *self {
            Text::Plain(s) => (s, false, None),
            Text::JsonEscaped(s) => (s, true, None),
            Text::CborChunks(c) => ("", false, Some(c)),
        };
        let joined = chunks
            .into_iter()
            .flat_map(|c| c.texts())
            .flat_map(str::chars);
        unescaped(s, escaped).chain(joined)
    }

    /// The length in bytes of the UTF-8 text, escapes resolved.
    #[must_use]
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            Text::Plain(s) => s.len(),
            Text::JsonEscaped(_) | Text::CborChunks(_) => self.joined_len(),
        }
    }

    /// [`Text::len`] of text that is not plain (out of the common path).
    #[cold]
    #[inline(never)]
    fn joined_len(&self) -> usize {
        match self {
            Text::CborChunks(c) => c.len(),
            _ => self.chars().map(char::len_utf8).sum(),
        }
    }

    /// Whether the text is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        match self {
            // An escaped body holds at least its escape.
            Text::Plain(s) | Text::JsonEscaped(s) => s.is_empty(),
            Text::CborChunks(c) => c.is_empty(),
        }
    }

    /// Writes the UTF-8 text, escapes resolved, into `out`; returns the bytes written.
    pub fn write_into(&self, out: &mut [u8]) -> Result<usize, Error> {
        match self {
            Text::Plain(s) => return put_parts(out, [s.as_bytes()]),
            Text::CborChunks(c) => return put_parts(out, c.bytes()),
            Text::JsonEscaped(_) => {}
        }
        let mut n = 0usize;
        for c in self.chars() {
            let end = n.saturating_add(c.len_utf8());
            let dst = out
                .get_mut(n..end)
                .ok_or(Error::new(n, Reason::BufferTooSmall))?;
            c.encode_utf8(dst);
            n = end;
        }
        Ok(n)
    }
}

/// The text of chunks that hold one (or none), out of the common path of [`Text::as_str`].
#[cold]
#[inline(never)]
fn single_text(c: Chunks<'_>) -> Option<&str> {
    c.single().and_then(|b| core::str::from_utf8(b).ok())
}

/// Copies `parts` one after the other into the start of `out`; returns the bytes written
/// (an error at the first part that does not fit).
fn put_parts<'p>(
    out: &mut [u8],
    parts: impl IntoIterator<Item = &'p [u8]>,
) -> Result<usize, Error> {
    let mut n = 0usize;
    for part in parts {
        let end = n.saturating_add(part.len());
        let dst = out
            .get_mut(n..end)
            .ok_or(Error::new(n, Reason::BufferTooSmall))?;
        dst.copy_from_slice(part);
        n = end;
    }
    Ok(n)
}

/// The characters of `s`, JSON escapes resolved when `escaped`.
pub(crate) fn unescaped(s: &str, escaped: bool) -> impl Iterator<Item = char> + '_ {
    let mut it = s.chars();
    core::iter::from_fn(move || {
        let c = it.next()?;
        if !escaped || c != '\\' {
            return Some(c);
        }
        Some(match it.next()? {
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hi = hex4(&mut it)?;
                if (0xd800..0xdc00).contains(&hi) {
                    let mut look = it.clone();
                    if look.next() == Some('\\') && look.next() == Some('u') {
                        if let Some(lo) = hex4(&mut look).filter(|lo| (0xdc00..0xe000).contains(lo))
                        {
                            it = look;
                            let cp = 0x10000u32
                                .saturating_add((hi.saturating_sub(0xd800)) << 10)
                                .saturating_add(lo.saturating_sub(0xdc00));
                            return Some(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                    }
                    '\u{fffd}'
                } else {
                    char::from_u32(hi).unwrap_or('\u{fffd}')
                }
            }
            other => other,
        })
    })
}

fn hex4(it: &mut core::str::Chars<'_>) -> Option<u32> {
    let mut v = 0u32;
    for _ in 0..4 {
        v = (v << 4) | it.next()?.to_digit(16)?;
    }
    Some(v)
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Text::Plain(a), Text::Plain(b)) => a == b,
            _ => self.chars().eq(other.chars()),
        }
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        match self {
            Text::Plain(a) => *a == other,
            Text::JsonEscaped(_) | Text::CborChunks(_) => self.chars().eq(other.chars()),
        }
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        self.chars()
            .try_for_each(|c| write!(f, "{}", c.escape_debug()))?;
        f.write_str("\"")
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Text::Plain(s) => f.write_str(s),
            Text::JsonEscaped(_) => self.chars().try_for_each(|c| fmt::Write::write_char(f, c)),
            Text::CborChunks(c) => c.texts().try_for_each(|t| f.write_str(t)),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Opaque bytes borrowed from the input: raw (TLV, CBOR, opaque content format), still in
/// base64 (the JSON formats), decoded when read, or in the chunks of an indefinite-length CBOR
/// byte string, joined when read.
#[derive(Clone, Copy)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Opaque<'a> {
    /// The bytes themselves.
    Raw(&'a [u8]),
    /// Base64 or base64url text, already validated.
    Base64(&'a str),
    /// Base64 or base64url text written as JSON string contents with escapes (`\/` for `/`,
    /// as some JSON writers put it), already validated.
    Base64Escaped(&'a str),
    /// An indefinite-length CBOR byte string (RFC 8949 §3.2.3): its chunks.
    CborChunks(Chunks<'a>),
}

impl<'a> Opaque<'a> {
    /// The bytes when they need no decoding or joining (CBOR chunks: when there is one).
    #[must_use]
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match self {
            Opaque::Raw(b) => Some(b),
            Opaque::Base64(_) | Opaque::Base64Escaped(_) => None,
            Opaque::CborChunks(c) => c.single(),
        }
    }

    /// The number of bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Opaque::Raw(b) => b.len(),
            Opaque::Base64(t) => base64::decoded_len(t).unwrap_or(0),
            Opaque::Base64Escaped(t) => base64::decoded_len_escaped(t).unwrap_or(0),
            Opaque::CborChunks(c) => c.len(),
        }
    }

    /// Whether there are no bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes, one at a time.
    pub fn bytes(&self) -> impl Iterator<Item = u8> + 'a {
        let (raw, text, escaped, chunks) = match *self {
            Opaque::Raw(b) => (b, "", "", None),
            Opaque::Base64(t) => (&[][..], t, "", None),
            Opaque::Base64Escaped(t) => (&[][..], "", t, None),
            Opaque::CborChunks(c) => (&[][..], "", "", Some(c)),
        };
        let joined = chunks
            .into_iter()
            .flat_map(|c| c.bytes())
            .flat_map(|b| b.iter().copied());
        raw.iter()
            .copied()
            .chain(base64::decode_iter(text).map_while(Result::ok))
            .chain(base64::decode_escaped(escaped).map_while(Result::ok))
            .chain(joined)
    }

    /// Writes the bytes into `out`; returns how many.
    pub fn write_into(&self, out: &mut [u8]) -> Result<usize, Error> {
        match self {
            Opaque::Raw(b) => put_parts(out, [*b]),
            Opaque::Base64(t) => base64::decode_into(t, out),
            Opaque::Base64Escaped(t) => base64::decode_escaped_into(t, out),
            Opaque::CborChunks(c) => put_parts(out, c.bytes()),
        }
    }
}

impl PartialEq for Opaque<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Opaque::Raw(a), Opaque::Raw(b)) => a == b,
            _ => self.len() == other.len() && self.bytes().eq(other.bytes()),
        }
    }
}

impl fmt::Debug for Opaque<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        self.bytes().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Opaque<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Hex<'b>(Opaque<'b>);
        impl fmt::Display for Hex<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.bytes().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
        s.collect_str(&Hex(*self))
    }
}

/// A resource value, of a data type of Core Appendix C. Formats that carry types on the wire
/// (SenML, LwM2M CBOR) decode to the typed variants; TLV and text/plain carry none and decode to
/// [`Value::Untyped`] until [`Value::typed`] is given the resource's [`DataType`] (from the object
/// model or the caller).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Value<'a> {
    /// String.
    Str(Text<'a>),
    /// Integer.
    Int(i64),
    /// Unsigned Integer.
    Uint(u64),
    /// Float.
    Float(f64),
    /// Boolean.
    Bool(bool),
    /// Opaque.
    Opaque(Opaque<'a>),
    /// Time, seconds since the Unix epoch.
    Time(i64),
    /// Objlnk.
    ObjLink(ObjLink),
    /// Corelnk: link-format text.
    CoreLink(Text<'a>),
    /// The value bytes of a TLV or a text/plain body, type not yet known.
    Untyped(Untyped<'a>),
    /// The `null` value of a SenML-ETCH (i)PATCH record (RFC 8790 §3): remove the resource.
    Null,
}

/// A value whose type the wire does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Untyped<'a> {
    /// The value field of a TLV (OMA-TS-LightweightM2M_Core §7.4.3).
    Tlv(#[cfg_attr(feature = "serde", serde(serialize_with = "ser_hex"))] &'a [u8]),
    /// A text/plain body (§7.4.1).
    Text(&'a str),
}

#[cfg(feature = "serde")]
fn ser_hex<S: serde::Serializer>(bytes: &&[u8], s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&m2m_core::hex::Hex(bytes))
}

impl<'a> Value<'a> {
    /// The data type this value has, `None` for an untyped value.
    #[must_use]
    pub const fn data_type(&self) -> Option<DataType> {
        Some(match self {
            Value::Str(_) => DataType::String,
            Value::Int(_) => DataType::Integer,
            Value::Uint(_) => DataType::UnsignedInteger,
            Value::Float(_) => DataType::Float,
            Value::Bool(_) => DataType::Boolean,
            Value::Opaque(_) => DataType::Opaque,
            Value::Time(_) => DataType::Time,
            Value::ObjLink(_) => DataType::Objlnk,
            Value::CoreLink(_) => DataType::Corelnk,
            Value::Untyped(_) | Value::Null => return None,
        })
    }

    /// This value as `ty`: untyped bytes are interpreted (TLV §7.4.3, text/plain §7.4.1), and
    /// typed values are converted where the formats allow it (an integer as a Float, rounded
    /// to the nearest double past 2^53; a float with no fraction as an Integer, Unsigned Integer or Time, since SenML
    /// has one numeric type, RFC 8428 §4.3, and a JSON number written `1.638435E9` is the
    /// integer 1638435000, and a CBOR (60) or LwM2M CBOR float with no fraction is read the
    /// same way, as Anjay reads it; a JSON number as a Time; a string as a Corelnk; base64 text as an
    /// Opaque). The `config` lists the further tolerances ([`Config::integer_for_float`], ...).
    pub fn typed(self, ty: DataType, config: &Config) -> Result<Value<'a>, Error> {
        let mismatch = Error::new(0, Reason::TypeMismatch);
        match self {
            Value::Untyped(Untyped::Tlv(b)) => crate::tlv::value_as(b, ty, config),
            Value::Untyped(Untyped::Text(t)) => crate::text::value_as(t, ty),
            v if v.data_type() == Some(ty) => Ok(v),
            Value::Int(i) => match ty {
                DataType::UnsignedInteger => {
                    u64::try_from(i).map(Value::Uint).map_err(|_| mismatch)
                }
                DataType::Time => Ok(Value::Time(i)),
                DataType::Float => int_to_float(i128::from(i)),
                _ => Err(mismatch),
            },
            Value::Uint(u) => match ty {
                DataType::Integer => i64::try_from(u).map(Value::Int).map_err(|_| mismatch),
                DataType::Time => i64::try_from(u).map(Value::Time).map_err(|_| mismatch),
                DataType::Float => int_to_float(i128::from(u)),
                _ => Err(mismatch),
            },
            Value::Time(t) => match ty {
                DataType::Integer => Ok(Value::Int(t)),
                DataType::UnsignedInteger => {
                    u64::try_from(t).map(Value::Uint).map_err(|_| mismatch)
                }
                _ => Err(mismatch),
            },
            Value::Float(f) => float_to_int(f, ty).ok_or(mismatch),
            Value::Str(t) if ty == DataType::Corelnk => Ok(Value::CoreLink(t)),
            // CBOR (§7.4.6, §7.4.7) carries an Objlnk as the text `object:instance`.
            Value::Str(t) if ty == DataType::Objlnk => t
                .as_str()
                .map_or(Err(Error::new(0, Reason::BadObjLink)), ObjLink::parse)
                .map(Value::ObjLink),
            Value::CoreLink(t) if ty == DataType::String => Ok(Value::Str(t)),
            // LwM2M JSON (11543) carries an Opaque value in `sv`, in base64 (Core 1.0 §6.4.4).
            Value::Str(t) if ty == DataType::Opaque => t
                .as_str()
                .map_or(Err(Error::new(0, Reason::BadBase64)), |s| {
                    crate::text::value_as(s, DataType::Opaque)
                }),
            _ => Err(mismatch),
        }
    }

    /// The value as an m2m-core value, when it needs no unescaping or decoding.
    #[must_use]
    pub fn to_core(&self) -> Option<m2m_core::Value<'a>> {
        use m2m_core::Value as V;
        Some(match *self {
            Value::Str(t) | Value::CoreLink(t) => V::Str(t.as_str()?),
            Value::Int(i) => V::I64(i),
            Value::Uint(u) => V::U64(u),
            Value::Float(f) => V::F64(f),
            Value::Bool(b) => V::Bool(b),
            Value::Opaque(o) => V::Bytes(o.as_bytes()?),
            Value::Time(t) => V::Time(m2m_core::Timestamp::from_millis(
                u64::try_from(t).ok()?.checked_mul(1000)?,
            )),
            Value::ObjLink(l) => V::ObjLink {
                object: l.object,
                instance: l.instance,
            },
            Value::Untyped(Untyped::Tlv(b)) => V::Bytes(b),
            Value::Untyped(Untyped::Text(t)) => V::Str(t),
            Value::Null => return None,
        })
    }
}

/// An integer as a Float: the nearest double, as a JSON or CBOR reader gives for a number
/// written without a fraction (a Float resource holds no more than a double; an
/// integer past 2^53 loses its low bits here, as it would in any peer).
fn int_to_float<'a>(i: i128) -> Result<Value<'a>, Error> {
    #[allow(clippy::cast_precision_loss)]
    Ok(Value::Float(i as f64))
}

/// A float with no fraction, in range, as an integer type (the same number).
fn float_to_int<'a>(f: f64, ty: DataType) -> Option<Value<'a>> {
    if !f.is_finite() || !crate::float::is_integral(f) {
        return None;
    }
    // In range of i64/u64: the cast saturates, so check by converting back.
    #[allow(clippy::cast_possible_truncation)]
    let i = f as i64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let u = f as u64;
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    // In range, and no fraction: the integer converts back to the same float. -2^63 itself is
    // left out: it is also the double nearest to every integer a little below `i64::MIN` (SenML
    // JSON and SenML CBOR read those as floats), so it cannot stand for the Integer `i64::MIN`,
    // which those formats write as an integer anyway.
    #[allow(clippy::cast_precision_loss)]
    let signed_ok = f > -TWO_63 && f < TWO_63 && i as f64 == f;
    #[allow(clippy::cast_precision_loss)]
    let unsigned_ok = (0.0..TWO_64).contains(&f) && u as f64 == f;
    match ty {
        DataType::Integer if signed_ok => Some(Value::Int(i)),
        DataType::Time if signed_ok => Some(Value::Time(i)),
        DataType::UnsignedInteger if unsigned_ok => Some(Value::Uint(u)),
        _ => None,
    }
}

/// One `(path, value)` item of a body in any format of Core 1.1 §7.4, as every decoder yields it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Record<'a> {
    /// The full path (base name resolved).
    pub path: Path<'a>,
    /// The value; `None` in a request that names paths only (Read-Composite, a SenML-ETCH
    /// deletion) and for an empty multiple resource or object instance.
    pub value: Option<Value<'a>>,
    /// The time in seconds (SenML base time resolved): positive values are absolute (since the
    /// Unix epoch), values below 2^28 relative to now (RFC 8428 §4.5.3).
    pub time: Option<f64>,
}

impl<'a> Record<'a> {
    /// A record with a value and no time.
    #[must_use]
    pub const fn new(path: Path<'a>, value: Value<'a>) -> Self {
        Record {
            path,
            value: Some(value),
            time: None,
        }
    }

    /// A record with only a path.
    #[must_use]
    pub const fn path_only(path: Path<'a>) -> Self {
        Record {
            path,
            value: None,
            time: None,
        }
    }

    /// The same record with a time.
    #[must_use]
    pub const fn at(self, time: f64) -> Self {
        Record {
            time: Some(time),
            ..self
        }
    }

    /// The record as an m2m-core sample: its path as the key, its value, its absolute time.
    /// `None` for a record without a value, or whose value needs unescaping or decoding, and
    /// for an end device's record (a LwM2M Gateway prefix): its path alone would be the key
    /// of every end device's value at that path; read those through [`Record::path`].
    #[must_use]
    pub fn to_sample(&self) -> Option<m2m_core::Sample<'a>> {
        if self.path.prefix().is_some() {
            return None;
        }
        let value = self.value?.to_core()?;
        let key = m2m_core::SampleKey::Path(self.path.to_object_path()?);
        let sample = m2m_core::Sample::new(key, value);
        Some(match self.time {
            Some(t) if t >= 268_435_456.0 && t.is_finite() && t < 1.8e16 => {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let ms = (t * 1000.0) as u64;
                sample.at(m2m_core::Timestamp::from_millis(ms))
            }
            _ => sample,
        })
    }
}
