//! Content-Format numbers (RFC 7252 §12.3: the IANA "CoAP Content-Formats" registry), both
//! directions: number to media type and media type to number.

use core::fmt;

/// A Content-Format number (the value of the Content-Format and Accept options). Unknown
/// numbers are kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct ContentFormat(pub u16);

macro_rules! formats {
    ($($(#[$m:meta])* $name:ident = $num:literal, $media:literal;)*) => {
        impl ContentFormat {
            $($(#[$m])* pub const $name: ContentFormat = ContentFormat($num);)*
        }

        /// The registry: every known number with its media type (and parameters).
        pub const TABLE: &[(ContentFormat, &str)] = &[$((ContentFormat($num), $media),)*];
    };
}

formats! {
    /// 0 `text/plain;charset=utf-8` (RFC 7252).
    TEXT_PLAIN = 0, "text/plain;charset=utf-8";
    /// 16 COSE Encrypt0 (RFC 9052).
    COSE_ENCRYPT0 = 16, "application/cose;cose-type=\"cose-encrypt0\"";
    /// 17 COSE Mac0 (RFC 9052).
    COSE_MAC0 = 17, "application/cose;cose-type=\"cose-mac0\"";
    /// 18 COSE Sign1 (RFC 9052).
    COSE_SIGN1 = 18, "application/cose;cose-type=\"cose-sign1\"";
    /// 19 `application/ace+cbor` (RFC 9200).
    ACE_CBOR = 19, "application/ace+cbor";
    /// 21 `image/gif`.
    IMAGE_GIF = 21, "image/gif";
    /// 22 `image/jpeg`.
    IMAGE_JPEG = 22, "image/jpeg";
    /// 23 `image/png`.
    IMAGE_PNG = 23, "image/png";
    /// 40 `application/link-format` (RFC 6690).
    LINK_FORMAT = 40, "application/link-format";
    /// 41 `application/xml`.
    XML = 41, "application/xml";
    /// 42 `application/octet-stream`.
    OCTET_STREAM = 42, "application/octet-stream";
    /// 47 `application/exi`.
    EXI = 47, "application/exi";
    /// 50 `application/json`.
    JSON = 50, "application/json";
    /// 51 `application/json-patch+json` (RFC 8132).
    JSON_PATCH = 51, "application/json-patch+json";
    /// 52 `application/merge-patch+json` (RFC 8132).
    MERGE_PATCH = 52, "application/merge-patch+json";
    /// 60 `application/cbor`.
    CBOR = 60, "application/cbor";
    /// 61 `application/cwt` (RFC 8392).
    CWT = 61, "application/cwt";
    /// 62 `application/multipart-core` (RFC 8710).
    MULTIPART_CORE = 62, "application/multipart-core";
    /// 63 `application/cbor-seq` (RFC 8742).
    CBOR_SEQ = 63, "application/cbor-seq";
    /// 96 COSE Encrypt (RFC 9052).
    COSE_ENCRYPT = 96, "application/cose;cose-type=\"cose-encrypt\"";
    /// 97 COSE Mac (RFC 9052).
    COSE_MAC = 97, "application/cose;cose-type=\"cose-mac\"";
    /// 98 COSE Sign (RFC 9052).
    COSE_SIGN = 98, "application/cose;cose-type=\"cose-sign\"";
    /// 101 `application/cose-key` (RFC 9052).
    COSE_KEY = 101, "application/cose-key";
    /// 102 `application/cose-key-set` (RFC 9052).
    COSE_KEY_SET = 102, "application/cose-key-set";
    /// 110 `application/senml+json` (RFC 8428).
    SENML_JSON = 110, "application/senml+json";
    /// 111 `application/sensml+json` (RFC 8428).
    SENSML_JSON = 111, "application/sensml+json";
    /// 112 `application/senml+cbor` (RFC 8428).
    SENML_CBOR = 112, "application/senml+cbor";
    /// 113 `application/sensml+cbor` (RFC 8428).
    SENSML_CBOR = 113, "application/sensml+cbor";
    /// 114 `application/senml-exi` (RFC 8428).
    SENML_EXI = 114, "application/senml-exi";
    /// 115 `application/sensml-exi` (RFC 8428).
    SENSML_EXI = 115, "application/sensml-exi";
    /// 256 `application/coap-group+json` (RFC 7390).
    COAP_GROUP_JSON = 256, "application/coap-group+json";
    /// 310 `application/senml+xml` (RFC 8428).
    SENML_XML = 310, "application/senml+xml";
    /// 311 `application/sensml+xml` (RFC 8428).
    SENSML_XML = 311, "application/sensml+xml";
    /// 320 `application/senml-etch+json` (RFC 8790).
    SENML_ETCH_JSON = 320, "application/senml-etch+json";
    /// 322 `application/senml-etch+cbor` (RFC 8790).
    SENML_ETCH_CBOR = 322, "application/senml-etch+cbor";
    /// 1542 OMA LwM2M TLV, the number used before the IANA registration (LwM2M 1.0).
    LWM2M_TLV_OLD = 1542, "application/vnd.oma.lwm2m+tlv";
    /// 1543 OMA LwM2M JSON, the number used before the IANA registration (LwM2M 1.0).
    LWM2M_JSON_OLD = 1543, "application/vnd.oma.lwm2m+json";
    /// 11542 `application/vnd.oma.lwm2m+tlv`.
    LWM2M_TLV = 11542, "application/vnd.oma.lwm2m+tlv";
    /// 11543 `application/vnd.oma.lwm2m+json`.
    LWM2M_JSON = 11543, "application/vnd.oma.lwm2m+json";
    /// 11544 `application/vnd.oma.lwm2m+cbor`.
    LWM2M_CBOR = 11544, "application/vnd.oma.lwm2m+cbor";
}

impl ContentFormat {
    /// The media type (with its parameters) of a registered number.
    #[must_use]
    pub fn media_type(self) -> Option<&'static str> {
        TABLE.iter().find(|(c, _)| *c == self).map(|(_, m)| *m)
    }

    /// The number of a media type. Matching ignores case and blanks around `;`, and reads
    /// `text/plain` with or without `;charset=utf-8`. Where two numbers share a media type
    /// (the LwM2M ones), the IANA number is returned.
    #[must_use]
    pub fn from_media_type(media: &str) -> Option<Self> {
        let wanted = Normal(media);
        if Normal("text/plain").eq_normal(&wanted) {
            return Some(ContentFormat::TEXT_PLAIN);
        }
        TABLE
            .iter()
            .rev()
            .find(|(_, m)| Normal(m).eq_normal(&wanted))
            .map(|(c, _)| *c)
    }
}

/// A media type compared without case and without blanks (outside quotes there are none that
/// matter in the registry's strings).
struct Normal<'a>(&'a str);

impl Normal<'_> {
    fn chars(&self) -> impl Iterator<Item = char> + '_ {
        self.0
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_lowercase())
    }

    fn eq_normal(&self, other: &Normal<'_>) -> bool {
        self.chars().eq(other.chars())
    }
}

impl fmt::Debug for ContentFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.media_type() {
            Some(m) => write!(f, "{} ({m})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions() {
        for (c, m) in TABLE {
            let back = ContentFormat::from_media_type(m).unwrap();
            assert_eq!(back.media_type(), Some(*m));
            if c.0 != 1542 && c.0 != 1543 {
                assert_eq!(back, *c);
            }
        }
        assert_eq!(
            ContentFormat::from_media_type("text/plain"),
            Some(ContentFormat(0))
        );
        assert_eq!(
            ContentFormat::from_media_type("Text/Plain; charset=UTF-8"),
            Some(ContentFormat(0))
        );
        assert_eq!(
            ContentFormat::from_media_type("application/x-nothing"),
            None
        );
        assert_eq!(ContentFormat(60).media_type(), Some("application/cbor"));
        assert_eq!(ContentFormat(9999).media_type(), None);
    }
}
