//! Option numbers, their classes (RFC 7252 §5.4.6) and the registry of known options (IANA "CoAP
//! Option Numbers"; RFC 7252 §5.10, RFC 7641, RFC 7959, RFC 7967, RFC 8613, RFC 8768, RFC 9175,
//! RFC 9177, RFC 9668), and the signaling options of RFC 8323 §5.

use core::fmt;

/// An option number (RFC 7252 §5.4.6; the registry of §12.2). Every `u16` is one; the constants
/// name the registered ones.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct OptionNumber(pub u16);

/// How an option value is written (RFC 7252 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Format {
    /// A zero-length value.
    Empty,
    /// Bytes.
    Opaque,
    /// A non-negative integer, big-endian, with as few bytes as possible.
    Uint,
    /// UTF-8 text (Net-Unicode).
    String,
}

/// A registered option: what the registry says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OptionDef {
    /// The number.
    pub number: OptionNumber,
    /// The registered name.
    pub name: &'static str,
    /// How its value is written.
    pub format: Format,
    /// Shortest value, in bytes.
    pub min_len: u16,
    /// Longest value, in bytes.
    pub max_len: u16,
    /// Whether it may occur more than once.
    pub repeatable: bool,
}

macro_rules! registry {
    ($($(#[$m:meta])* $name:ident = $num:literal, $text:literal, $fmt:ident, $min:literal..=$max:literal, $rep:literal;)*) => {
        impl OptionNumber {
            $($(#[$m])* pub const $name: OptionNumber = OptionNumber($num);)*
        }

        /// Every option of the registry, by number.
        pub const REGISTRY: &[OptionDef] = &[
            $(OptionDef {
                number: OptionNumber($num),
                name: $text,
                format: Format::$fmt,
                min_len: $min,
                max_len: $max,
                repeatable: $rep,
            },)*
        ];

    };
}

registry! {
    /// 1 If-Match (RFC 7252 §5.10.8.1).
    IF_MATCH = 1, "If-Match", Opaque, 0..=8, true;
    /// 3 Uri-Host (RFC 7252 §5.10.1).
    URI_HOST = 3, "Uri-Host", String, 1..=255, false;
    /// 4 ETag (RFC 7252 §5.10.6).
    ETAG = 4, "ETag", Opaque, 1..=8, true;
    /// 5 If-None-Match (RFC 7252 §5.10.8.2).
    IF_NONE_MATCH = 5, "If-None-Match", Empty, 0..=0, false;
    /// 6 Observe (RFC 7641 §2).
    OBSERVE = 6, "Observe", Uint, 0..=3, false;
    /// 7 Uri-Port (RFC 7252 §5.10.1).
    URI_PORT = 7, "Uri-Port", Uint, 0..=2, false;
    /// 8 Location-Path (RFC 7252 §5.10.7).
    LOCATION_PATH = 8, "Location-Path", String, 0..=255, true;
    /// 9 OSCORE (RFC 8613 §2).
    OSCORE = 9, "OSCORE", Opaque, 0..=255, false;
    /// 11 Uri-Path (RFC 7252 §5.10.1).
    URI_PATH = 11, "Uri-Path", String, 0..=255, true;
    /// 12 Content-Format (RFC 7252 §5.10.3).
    CONTENT_FORMAT = 12, "Content-Format", Uint, 0..=2, false;
    /// 14 Max-Age (RFC 7252 §5.10.5).
    MAX_AGE = 14, "Max-Age", Uint, 0..=4, false;
    /// 15 Uri-Query (RFC 7252 §5.10.1).
    URI_QUERY = 15, "Uri-Query", String, 0..=255, true;
    /// 16 Hop-Limit (RFC 8768 §3).
    HOP_LIMIT = 16, "Hop-Limit", Uint, 1..=1, false;
    /// 17 Accept (RFC 7252 §5.10.4).
    ACCEPT = 17, "Accept", Uint, 0..=2, false;
    /// 19 Q-Block1 (RFC 9177 §4).
    Q_BLOCK1 = 19, "Q-Block1", Uint, 0..=3, false;
    /// 20 Location-Query (RFC 7252 §5.10.7).
    LOCATION_QUERY = 20, "Location-Query", String, 0..=255, true;
    /// 21 EDHOC (RFC 9668 §3.1).
    EDHOC = 21, "EDHOC", Empty, 0..=0, false;
    /// 23 Block2 (RFC 7959 §2.1).
    BLOCK2 = 23, "Block2", Uint, 0..=3, false;
    /// 27 Block1 (RFC 7959 §2.1).
    BLOCK1 = 27, "Block1", Uint, 0..=3, false;
    /// 28 Size2 (RFC 7959 §4).
    SIZE2 = 28, "Size2", Uint, 0..=4, false;
    /// 31 Q-Block2 (RFC 9177 §4; repeatable in requests for missing blocks).
    Q_BLOCK2 = 31, "Q-Block2", Uint, 0..=3, true;
    /// 35 Proxy-Uri (RFC 7252 §5.10.2).
    PROXY_URI = 35, "Proxy-Uri", String, 1..=1034, false;
    /// 39 Proxy-Scheme (RFC 7252 §5.10.2).
    PROXY_SCHEME = 39, "Proxy-Scheme", String, 1..=255, false;
    /// 60 Size1 (RFC 7252 §5.10.9, RFC 7959 §4).
    SIZE1 = 60, "Size1", Uint, 0..=4, false;
    /// 252 Echo (RFC 9175 §2.2.1).
    ECHO = 252, "Echo", Opaque, 1..=40, false;
    /// 258 No-Response (RFC 7967 §2).
    NO_RESPONSE = 258, "No-Response", Uint, 0..=1, false;
    /// 292 Request-Tag (RFC 9175 §3.2.1).
    REQUEST_TAG = 292, "Request-Tag", Opaque, 0..=8, true;
}

/// The options of the signaling messages (RFC 8323 §5.3-5.6), whose numbers are scoped by the
/// signaling code.
pub mod signaling {
    use super::{Format, OptionDef, OptionNumber};
    use crate::code::Code;

    /// 7.01 CSM option 2 Max-Message-Size (RFC 8323 §5.3.1).
    pub const MAX_MESSAGE_SIZE: OptionNumber = OptionNumber(2);
    /// 7.01 CSM option 4 Block-Wise-Transfer (RFC 8323 §5.3.2).
    pub const BLOCK_WISE_TRANSFER: OptionNumber = OptionNumber(4);
    /// 7.01 CSM option 6 Extended-Token-Length (RFC 8974 §2.2.1).
    pub const EXTENDED_TOKEN_LENGTH: OptionNumber = OptionNumber(6);
    /// 7.02 Ping / 7.03 Pong option 2 Custody (RFC 8323 §5.4.1).
    pub const CUSTODY: OptionNumber = OptionNumber(2);
    /// 7.04 Release option 2 Alternative-Address (RFC 8323 §5.5).
    pub const ALTERNATIVE_ADDRESS: OptionNumber = OptionNumber(2);
    /// 7.04 Release option 4 Hold-Off (RFC 8323 §5.5).
    pub const HOLD_OFF: OptionNumber = OptionNumber(4);
    /// 7.05 Abort option 2 Bad-CSM-Option (RFC 8323 §5.6).
    pub const BAD_CSM_OPTION: OptionNumber = OptionNumber(2);

    const fn def(
        number: u16,
        name: &'static str,
        format: Format,
        min_len: u16,
        max_len: u16,
        repeatable: bool,
    ) -> OptionDef {
        OptionDef {
            number: OptionNumber(number),
            name,
            format,
            min_len,
            max_len,
            repeatable,
        }
    }

    /// The registry entry of a signaling option of `code`.
    #[must_use]
    pub const fn lookup(code: Code, number: OptionNumber) -> Option<OptionDef> {
        match (code.0, number.0) {
            (0xe1, 2) => Some(def(2, "Max-Message-Size", Format::Uint, 0, 4, false)),
            (0xe1, 4) => Some(def(4, "Block-Wise-Transfer", Format::Empty, 0, 0, false)),
            (0xe1, 6) => Some(def(6, "Extended-Token-Length", Format::Uint, 0, 3, false)),
            (0xe2 | 0xe3, 2) => Some(def(2, "Custody", Format::Empty, 0, 0, false)),
            (0xe4, 2) => Some(def(2, "Alternative-Address", Format::String, 1, 255, true)),
            (0xe4, 4) => Some(def(4, "Hold-Off", Format::Uint, 0, 3, false)),
            (0xe5, 2) => Some(def(2, "Bad-CSM-Option", Format::Uint, 0, 2, false)),
            _ => None,
        }
    }
}

/// The registry's rules for option `number` of a non-signaling message packed in a `u32`, for
/// the parser's hot loop: bit 0 registered, bit 1 repeatable, bit 2 string, bits 8-15 the
/// shortest and 16-31 the longest value; 0 for an unregistered number.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // compile time: i < len
pub(crate) const fn pack_of(number: u16) -> u32 {
    let mut i = 0;
    while i < REGISTRY.len() {
        let d = &REGISTRY[i];
        if d.number.0 == number {
            return 1
                | (d.repeatable as u32) << 1
                | (matches!(d.format, Format::String) as u32) << 2
                | (d.min_len as u32 & 0xff) << 8
                | (d.max_len as u32) << 16;
        }
        i += 1;
    }
    0
}

/// [`pack_of`] for the numbers below 64, one load each.
#[allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::arithmetic_side_effects
)] // compile time; n < 64
const FAST: [u32; 64] = {
    let mut t = [0u32; 64];
    let mut n = 0;
    while n < 64 {
        t[n] = pack_of(n as u16);
        n += 1;
    }
    t
};

/// [`pack_of`], from the table below 64 and by a match above.
#[inline(always)]
fn packed(number: u16) -> u32 {
    const ECHO: u32 = pack_of(252);
    const NO_RESPONSE: u32 = pack_of(258);
    const REQUEST_TAG: u32 = pack_of(292);
    match FAST.get(usize::from(number)) {
        Some(&p) => p,
        None => match number {
            252 => ECHO,
            258 => NO_RESPONSE,
            292 => REQUEST_TAG,
            _ => 0,
        },
    }
}

/// Checks one option against the registry (RFC 7252 §5.4.1, §5.4.3, §5.4.5): unrecognized
/// critical, length out of bounds, a repeat (`repeat`: same number as the option before it) of
/// an option that is not repeatable, a string that is not UTF-8. Signaling messages (7.xx) are
/// checked against their own options (RFC 8323 §5).
#[inline(always)]
pub(crate) fn check(
    signaling_code: Option<crate::code::Code>,
    number: u16,
    value: &[u8],
    repeat: bool,
) -> Option<crate::error::OptionProblem> {
    use crate::error::OptionProblem;
    let packed = match signaling_code {
        None => packed(number),
        Some(_) => {
            let def = match signaling_code {
                Some(code) => signaling::lookup(code, OptionNumber(number)),
                None => OptionNumber(number).def().copied(),
            };
            match def {
                Some(d) => {
                    1 | (d.repeatable as u32) << 1
                        | (matches!(d.format, Format::String) as u32) << 2
                        | u32::from(d.min_len.min(255)) << 8
                        | u32::from(d.max_len) << 16
                }
                None => 0,
            }
        }
    };
    if packed & 1 == 0 {
        return (number & 1 == 1).then_some(OptionProblem::Unrecognized);
    }
    if !within(packed, value.len()) {
        return Some(OptionProblem::Length);
    }
    if repeat && packed & 2 == 0 {
        return Some(OptionProblem::Repeated);
    }
    if packed & 4 != 0 && !ascii(value) && core::str::from_utf8(value).is_err() {
        return Some(OptionProblem::Utf8);
    }
    None
}

/// Whether `len` lies within the bounds a [`packed`] rule holds.
#[inline(always)]
fn within(packed: u32, len: usize) -> bool {
    len >= ((packed >> 8) & 0xff) as usize && len <= (packed >> 16) as usize
}

/// Whether a value of `len` bytes is within the registered bounds of the (non-signaling)
/// option `number`; any length is, for an option the registry does not know. [`check`]'s
/// length rule, for the typed accessors that ignore a value out of bounds (RFC 7252 §5.4.3).
#[inline]
pub(crate) fn length_fits(number: u16, len: usize) -> bool {
    let packed = packed(number);
    packed == 0 || within(packed, len)
}

/// A quick screen of one option of a non-signaling message for the parser's hot loop: `false`
/// when [`check`] is sure to find nothing wrong with it, `true` when it may (then [`check`] says
/// what, out of line). `utf8`: the value is known to be UTF-8 (it came as a `&str`).
#[inline(always)]
pub(crate) fn suspect(number: u16, value: &[u8], repeat: bool, utf8: bool) -> bool {
    let packed = packed(number);
    if packed == 0 {
        return number & 1 == 1;
    }
    let len = value.len();
    let min = ((packed >> 8) & 0xff) as usize;
    let span = ((packed >> 16) as usize).wrapping_sub(min);
    len.wrapping_sub(min) > span
        // A repeated ETag is in doubt: repeatable in a request only, which the code decides.
        || (repeat && (packed & 2 == 0 || number == OptionNumber::ETAG.0))
        || (packed & 4 != 0 && !utf8 && !ascii(value))
}

/// [`suspect`] for a writer, from a value's length, and `text` saying whether the value is
/// UTF-8 (asked only of a string option). A value of at most 12 bytes (nearly all) is screened
/// by the parser's rules (`scan::clear_short`: one table word, one shift), so the writer and the
/// parser share one table; a longer one from [`packed`] as [`suspect`] does. It agrees with
/// [`suspect`] (`the_writers_screen_agrees_with_suspect`).
#[inline(always)]
pub(crate) fn suspect_by(
    number: u16,
    len: usize,
    repeat: bool,
    text: impl FnOnce() -> bool,
) -> bool {
    if len <= 12 {
        return !super::scan::clear_short(number, len, repeat, text);
    }
    let packed = packed(number);
    if packed == 0 {
        return number & 1 == 1;
    }
    let min = ((packed >> 8) & 0xff) as usize;
    let span = ((packed >> 16) as usize).wrapping_sub(min);
    len.wrapping_sub(min) > span || (repeat && packed & 2 == 0) || (packed & 4 != 0 && !text())
}

/// Whether every byte is ASCII. Option strings are short, where a call or a vector loop's set-up
/// costs more than the bytes: below 8 bytes a plain loop; from 8, the high bits of 8-byte words
/// gathered, the last word overlapping the one before it (up to 24 bytes, the first, the last
/// and the one that ends 8 bytes before the end, with no loop).
#[inline(always)]
pub(crate) fn ascii(v: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    if let (Some(first), Some(last)) = (v.first_chunk::<8>(), v.last_chunk::<8>()) {
        let mut high = u64::from_le_bytes(*first) | u64::from_le_bytes(*last);
        if v.len() <= 24 {
            // Bytes 8 to len - 8 lie within the word that ends 8 bytes before the end.
            let middle = v.len().saturating_sub(16)..;
            if let Some(w) = v.get(middle).and_then(<[u8]>::first_chunk::<8>) {
                high |= u64::from_le_bytes(*w);
            }
            return high & HIGH == 0;
        }
        for word in v.chunks_exact(8) {
            if let Some(w) = word.first_chunk::<8>() {
                high |= u64::from_le_bytes(*w);
            }
        }
        return high & HIGH == 0;
    }
    for &b in v {
        if b >= 0x80 {
            return false;
        }
    }
    true
}

impl OptionNumber {
    /// The registry's entry for this number, if it has one.
    #[must_use]
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // i < len
    pub const fn def(self) -> Option<&'static OptionDef> {
        let mut i = 0;
        while i < REGISTRY.len() {
            if REGISTRY[i].number.0 == self.0 {
                return Some(&REGISTRY[i]);
            }
            i += 1;
        }
        None
    }

    /// Critical (odd): a recipient that does not understand it cannot process the message
    /// (RFC 7252 §5.4.1, §5.4.6).
    #[must_use]
    pub const fn is_critical(self) -> bool {
        self.0 & 0x01 != 0
    }

    /// Elective (even): a recipient that does not understand it ignores it.
    #[must_use]
    pub const fn is_elective(self) -> bool {
        !self.is_critical()
    }

    /// Unsafe to forward: a proxy that does not understand it must not forward the message
    /// (RFC 7252 §5.4.2, §5.4.6).
    #[must_use]
    pub const fn is_unsafe(self) -> bool {
        self.0 & 0x02 != 0
    }

    /// Safe to forward but not part of the cache key (the NoCacheKey bits 0b111 of §5.4.6).
    #[must_use]
    pub const fn is_no_cache_key(self) -> bool {
        self.0 & 0x1e == 0x1c
    }

    /// The registered name, if any.
    #[must_use]
    pub fn name(self) -> Option<&'static str> {
        self.def().map(|d| d.name)
    }
}

impl fmt::Debug for OptionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{} ({n})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

impl fmt::Display for OptionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl From<u16> for OptionNumber {
    fn from(n: u16) -> Self {
        OptionNumber(n)
    }
}

/// Critical options this crate recognises (their values are checked) but whose function it
/// does not perform: OSCORE (9, RFC 8613), Q-Block1 (19) and Q-Block2 (31, RFC 9177), EDHOC
/// (21, RFC 9668). A server that does not perform one answers a request with it 4.02 Bad
/// Option (RFC 7252 §5.4.1), which sends the client back to Block1 and Block2, or to plain
/// CoAP; the runners do so unless their handler performs it.
pub const NOT_PERFORMED: [OptionNumber; 4] = [
    OptionNumber::OSCORE,
    OptionNumber::Q_BLOCK1,
    OptionNumber::EDHOC,
    OptionNumber::Q_BLOCK2,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        // RFC 7252 §5.10 Table 4 and §12.2.
        assert!(OptionNumber::URI_HOST.is_critical() && OptionNumber::URI_HOST.is_unsafe());
        assert!(OptionNumber::ETAG.is_elective() && !OptionNumber::ETAG.is_unsafe());
        assert!(OptionNumber::SIZE1.is_no_cache_key());
        assert!(OptionNumber::SIZE2.is_no_cache_key());
        assert!(OptionNumber::ECHO.is_no_cache_key());
        assert!(!OptionNumber::MAX_AGE.is_no_cache_key());
        assert!(OptionNumber::MAX_AGE.is_unsafe());
        assert!(OptionNumber::BLOCK2.is_critical() && OptionNumber::BLOCK2.is_unsafe());
        // No-Cache-Key requires a safe-to-forward option: 0x1c has the unsafe bit clear.
        for n in 0..=u16::MAX {
            let o = OptionNumber(n);
            assert!(!(o.is_no_cache_key() && o.is_unsafe()));
        }
    }

    #[test]
    fn the_writers_screen_agrees_with_suspect() {
        let text = std::vec![b'a'; 1100];
        let other = std::vec![0xffu8; 1100];
        let mut numbers: std::vec::Vec<u16> = (0..=300).collect();
        numbers.extend([301, 2048, 65000, 65001, u16::MAX]);
        for &n in &numbers {
            for len in (0..=300).chain([1034, 1035, 1100]) {
                for repeat in [false, true] {
                    for (v, utf8) in [(&text, false), (&other, false), (&other, true)] {
                        let v = &v[..len];
                        let text_ok = || utf8 || ascii(v);
                        assert_eq!(
                            suspect_by(n, len, repeat, text_ok),
                            suspect(n, v, repeat, utf8),
                            "{n} {len} {repeat} {utf8}"
                        );
                    }
                }
            }
            // Longer than 65535 bytes: a doubt where suspect has none, left to the check.
            let long = std::vec![0u8; 65804];
            if suspect_by(n, long.len(), false, || true) {
                continue;
            }
            assert!(!suspect(n, &long, false, true), "{n}");
        }
    }

    #[test]
    fn ascii_of_every_length_and_place() {
        for len in 0..40usize {
            assert!(ascii(&std::vec![b'a'; len]));
            for bad in 0..len {
                let mut v = std::vec![0x7f; len];
                v[bad] = 0x80;
                assert!(!ascii(&v), "{len} {bad}");
            }
        }
    }

    #[test]
    fn packed_rules_agree_with_the_registry() {
        // Above 64 only 252, 258 and 292 are registered; a new one must be added to `packed`
        // (and, above 292, to the parser's rules in `scan`).
        assert!(
            REGISTRY
                .iter()
                .all(|d| d.number.0 < 64 || matches!(d.number.0, 252 | 258 | 292))
        );
        for n in 0..=u16::MAX {
            assert_eq!(packed(n), pack_of(n), "{n}");
            assert_eq!(packed(n) != 0, OptionNumber(n).def().is_some(), "{n}");
        }
    }

    #[test]
    fn registry_agrees_with_lookup() {
        let mut last = 0;
        for d in REGISTRY {
            assert!(d.number.0 > last, "registry sorted by number");
            last = d.number.0;
            assert_eq!(d.number.def(), Some(d));
            assert!(d.min_len <= d.max_len);
        }
        assert_eq!(OptionNumber(2).def(), None);
        assert_eq!(OptionNumber::URI_PATH.name(), Some("Uri-Path"));
    }
}
