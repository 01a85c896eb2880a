//! Device identity.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{Hash, Hasher};

use crate::error::{ErrorKind, ProtocolError};

/// Why a string is not a valid [`DeviceId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DeviceIdError {
    /// The empty string.
    #[error("device id is empty")]
    Empty,
    /// Longer than [`DeviceId::MAX_LEN`] bytes.
    #[error("device id is {len} bytes long, at most {max} are allowed", max = DeviceId::<&str>::MAX_LEN)]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Contains `/`, `+`, `#` or NUL at this byte offset.
    #[error("device id has forbidden character {ch:?} at offset {offset}")]
    Forbidden {
        /// Byte offset of the character.
        offset: usize,
        /// The character.
        ch: char,
    },
}

impl ProtocolError for DeviceIdError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Malformed
    }
    fn offset(&self) -> Option<usize> {
        match self {
            DeviceIdError::Forbidden { offset, .. } => Some(*offset),
            DeviceIdError::Empty | DeviceIdError::TooLong { .. } => None,
        }
    }
}

/// A validated device identifier, safe to use as an MQTT topic level and as a Sparkplug B
/// group, edge-node or device id (Sparkplug 3.0 §4.1.1: no `/`, `+` or `#`).
///
/// Valid: 1 to [`DeviceId::MAX_LEN`] bytes of UTF-8 with no `/`, `+`, `#` and no NUL.
/// The storage `S` is any `AsRef<str>`: `&str` (borrowed), a fixed-capacity string such as
/// `heapless::String<N>` (firmware), or `String` (owned, with `alloc`).
/// Equality, ordering and hashing are those of the string, whatever the storage.
///
/// There is no `Default`: the empty id is not valid.
#[derive(Clone, Copy)]
pub struct DeviceId<S = &'static str>(S);

impl<S: AsRef<str>> DeviceId<S> {
    /// The longest valid id, in bytes.
    pub const MAX_LEN: usize = 256;

    /// Validates `s`.
    pub fn new(s: S) -> Result<Self, DeviceIdError> {
        validate(s.as_ref())?;
        Ok(DeviceId(s))
    }

    /// The id as a string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }

    /// The storage.
    #[must_use]
    pub fn into_inner(self) -> S {
        self.0
    }

    /// A borrowed view of this id.
    #[must_use]
    pub fn borrowed(&self) -> DeviceId<&str> {
        DeviceId(self.0.as_ref())
    }

    /// An owned copy.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn owned(&self) -> DeviceId<alloc::string::String> {
        DeviceId(alloc::string::String::from(self.as_str()))
    }
}

fn validate(s: &str) -> Result<(), DeviceIdError> {
    if s.is_empty() {
        return Err(DeviceIdError::Empty);
    }
    if s.len() > DeviceId::<&str>::MAX_LEN {
        return Err(DeviceIdError::TooLong { len: s.len() });
    }
    match s
        .char_indices()
        .find(|&(_, ch)| matches!(ch, '/' | '+' | '#' | '\0'))
    {
        Some((offset, ch)) => Err(DeviceIdError::Forbidden { offset, ch }),
        None => Ok(()),
    }
}

impl<'a> TryFrom<&'a str> for DeviceId<&'a str> {
    type Error = DeviceIdError;
    fn try_from(s: &'a str) -> Result<Self, Self::Error> {
        DeviceId::new(s)
    }
}

#[cfg(feature = "alloc")]
impl TryFrom<alloc::string::String> for DeviceId<alloc::string::String> {
    type Error = DeviceIdError;
    fn try_from(s: alloc::string::String) -> Result<Self, Self::Error> {
        DeviceId::new(s)
    }
}

impl<S: AsRef<str>> AsRef<str> for DeviceId<S> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl<S: AsRef<str>> Borrow<str> for DeviceId<S> {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl<S: AsRef<str>, T: AsRef<str>> PartialEq<DeviceId<T>> for DeviceId<S> {
    fn eq(&self, other: &DeviceId<T>) -> bool {
        self.as_str() == other.as_str()
    }
}

impl<S: AsRef<str>> Eq for DeviceId<S> {}

impl<S: AsRef<str>> PartialEq<str> for DeviceId<S> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<S: AsRef<str>> PartialEq<&str> for DeviceId<S> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl<S: AsRef<str>> PartialOrd for DeviceId<S> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<S: AsRef<str>> Ord for DeviceId<S> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl<S: AsRef<str>> Hash for DeviceId<S> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl<S: AsRef<str>> fmt::Debug for DeviceId<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DeviceId").field(&self.as_str()).finish()
    }
}

impl<S: AsRef<str>> fmt::Display for DeviceId<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "defmt")]
impl<S: AsRef<str>> defmt::Format for DeviceId<S> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", self.as_str());
    }
}

#[cfg(feature = "serde")]
impl<S: AsRef<str>> serde::Serialize for DeviceId<S> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de, S: AsRef<str> + serde::Deserialize<'de>> serde::Deserialize<'de> for DeviceId<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = S::deserialize(d)?;
        DeviceId::new(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::String;

    #[test]
    fn accepts_and_rejects() {
        assert!(DeviceId::new("plc-7.line_2 ä").is_ok());
        assert_eq!(DeviceId::new(""), Err(DeviceIdError::Empty));
        assert_eq!(
            DeviceId::new("a/b"),
            Err(DeviceIdError::Forbidden { offset: 1, ch: '/' })
        );
        assert_eq!(
            DeviceId::new("ab+"),
            Err(DeviceIdError::Forbidden { offset: 2, ch: '+' })
        );
        assert_eq!(
            DeviceId::new("#"),
            Err(DeviceIdError::Forbidden { offset: 0, ch: '#' })
        );
        assert_eq!(
            DeviceId::new("x\0"),
            Err(DeviceIdError::Forbidden {
                offset: 1,
                ch: '\0'
            })
        );
        let max = "é".repeat(128); // 256 bytes
        assert!(DeviceId::new(max.as_str()).is_ok());
        let over = std::format!("{max}a");
        assert_eq!(
            DeviceId::new(over.as_str()),
            Err(DeviceIdError::TooLong { len: 257 })
        );
    }

    #[test]
    fn storages_compare_as_strings() {
        let b = DeviceId::new("meter-1").unwrap();
        let o = DeviceId::new(String::from("meter-1")).unwrap();
        assert_eq!(b, o);
        assert_eq!(o.borrowed(), b);
        assert_eq!(b.owned(), o);
        assert_eq!(b, "meter-1");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let id: DeviceId<String> = serde_json::from_str("\"gw-1\"").unwrap();
        assert_eq!(id, "gw-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"gw-1\"");
        let bad: Result<DeviceId<&str>, _> = serde_json::from_str("\"a/b\"");
        assert!(bad.is_err());
    }

    proptest! {
        // A reference model written from the rule, compared with the implementation.
        #[test]
        fn accepts_exactly_the_valid_strings(s in "\\PC{0,300}|[a/+#\0]{0,4}") {
            let valid = !s.is_empty()
                && s.len() <= 256
                && !s.contains(['/', '+', '#', '\0']);
            prop_assert_eq!(DeviceId::new(s.as_str()).is_ok(), valid);
        }
    }
}
