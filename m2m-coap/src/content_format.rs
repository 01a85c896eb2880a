//! Content-Format numbers (RFC 7252 §12.3: the IANA "CoAP Content-Formats" registry), both
//! directions: number to media type and media type to number.

use core::fmt;

/// A Content-Format number (RFC 7252 §12.3; the value of the Content-Format and Accept options).
/// Unknown numbers are kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct ContentFormat(pub u16);

macro_rules! formats {
    ($($(#[$m:meta])* $name:ident = $num:literal, $media:literal, $coding:expr;)*) => {
        impl ContentFormat {
            $($(#[$m])* pub const $name: ContentFormat = ContentFormat($num);)*
        }

        /// The registry: every known number with its media type (with parameters) and content
        /// coding.
        pub const TABLE: &[(ContentFormat, &str, Option<&str>)] =
            &[$((ContentFormat($num), $media, $coding),)*];
    };
}

formats! {
    /// 0 `text/plain;charset=utf-8`.
    TEXT_PLAIN = 0, "text/plain;charset=utf-8", None;
    /// 16 `application/cose;cose-type="cose-encrypt0"`.
    COSE_ENCRYPT0 = 16, "application/cose;cose-type=\"cose-encrypt0\"", None;
    /// 17 `application/cose;cose-type="cose-mac0"`.
    COSE_MAC0 = 17, "application/cose;cose-type=\"cose-mac0\"", None;
    /// 18 `application/cose;cose-type="cose-sign1"`.
    COSE_SIGN1 = 18, "application/cose;cose-type=\"cose-sign1\"", None;
    /// 19 `application/ace+cbor`.
    ACE_CBOR = 19, "application/ace+cbor", None;
    /// 21 `image/gif`.
    IMAGE_GIF = 21, "image/gif", None;
    /// 22 `image/jpeg`.
    IMAGE_JPEG = 22, "image/jpeg", None;
    /// 23 `image/png`.
    IMAGE_PNG = 23, "image/png", None;
    /// 40 `application/link-format`.
    LINK_FORMAT = 40, "application/link-format", None;
    /// 41 `application/xml`.
    XML = 41, "application/xml", None;
    /// 42 `application/octet-stream`.
    OCTET_STREAM = 42, "application/octet-stream", None;
    /// 47 `application/exi`.
    EXI = 47, "application/exi", None;
    /// 50 `application/json`.
    JSON = 50, "application/json", None;
    /// 51 `application/json-patch+json`.
    JSON_PATCH = 51, "application/json-patch+json", None;
    /// 52 `application/merge-patch+json`.
    MERGE_PATCH = 52, "application/merge-patch+json", None;
    /// 60 `application/cbor`.
    CBOR = 60, "application/cbor", None;
    /// 61 `application/cwt`.
    CWT = 61, "application/cwt", None;
    /// 62 `application/multipart-core`.
    MULTIPART_CORE = 62, "application/multipart-core", None;
    /// 63 `application/cbor-seq`.
    CBOR_SEQ = 63, "application/cbor-seq", None;
    /// 96 `application/cose;cose-type="cose-encrypt"`.
    COSE_ENCRYPT = 96, "application/cose;cose-type=\"cose-encrypt\"", None;
    /// 97 `application/cose;cose-type="cose-mac"`.
    COSE_MAC = 97, "application/cose;cose-type=\"cose-mac\"", None;
    /// 98 `application/cose;cose-type="cose-sign"`.
    COSE_SIGN = 98, "application/cose;cose-type=\"cose-sign\"", None;
    /// 101 `application/cose-key`.
    COSE_KEY = 101, "application/cose-key", None;
    /// 102 `application/cose-key-set`.
    COSE_KEY_SET = 102, "application/cose-key-set", None;
    /// 110 `application/senml+json`.
    SENML_JSON = 110, "application/senml+json", None;
    /// 111 `application/sensml+json`.
    SENSML_JSON = 111, "application/sensml+json", None;
    /// 112 `application/senml+cbor`.
    SENML_CBOR = 112, "application/senml+cbor", None;
    /// 113 `application/sensml+cbor`.
    SENSML_CBOR = 113, "application/sensml+cbor", None;
    /// 114 `application/senml-exi`.
    SENML_EXI = 114, "application/senml-exi", None;
    /// 115 `application/sensml-exi`.
    SENSML_EXI = 115, "application/sensml-exi", None;
    /// 140 `application/yang-data+cbor;id=sid`.
    YANG_DATA_CBOR_SID = 140, "application/yang-data+cbor;id=sid", None;
    /// 256 `application/coap-group+json`.
    COAP_GROUP_JSON = 256, "application/coap-group+json", None;
    /// 257 `application/concise-problem-details+cbor`.
    PROBLEM_DETAILS_CBOR = 257, "application/concise-problem-details+cbor", None;
    /// 258 `application/swid+cbor`.
    SWID_CBOR = 258, "application/swid+cbor", None;
    /// 271 `application/dots+cbor`.
    DOTS_CBOR = 271, "application/dots+cbor", None;
    /// 272 `application/missing-blocks+cbor-seq`.
    MISSING_BLOCKS_CBOR_SEQ = 272, "application/missing-blocks+cbor-seq", None;
    /// 280 `application/pkcs7-mime;smime-type=server-generated-key`.
    PKCS7_SERVER_GENERATED_KEY = 280, "application/pkcs7-mime;smime-type=server-generated-key", None;
    /// 281 `application/pkcs7-mime;smime-type=certs-only`.
    PKCS7_CERTS_ONLY = 281, "application/pkcs7-mime;smime-type=certs-only", None;
    /// 284 `application/pkcs8`.
    PKCS8 = 284, "application/pkcs8", None;
    /// 285 `application/csrattrs`.
    CSRATTRS = 285, "application/csrattrs", None;
    /// 286 `application/pkcs10`.
    PKCS10 = 286, "application/pkcs10", None;
    /// 287 `application/pkix-cert`.
    PKIX_CERT = 287, "application/pkix-cert", None;
    /// 290 `application/aif+cbor`.
    AIF_CBOR = 290, "application/aif+cbor", None;
    /// 291 `application/aif+json`.
    AIF_JSON = 291, "application/aif+json", None;
    /// 310 `application/senml+xml`.
    SENML_XML = 310, "application/senml+xml", None;
    /// 311 `application/sensml+xml`.
    SENSML_XML = 311, "application/sensml+xml", None;
    /// 320 `application/senml-etch+json`.
    SENML_ETCH_JSON = 320, "application/senml-etch+json", None;
    /// 322 `application/senml-etch+cbor`.
    SENML_ETCH_CBOR = 322, "application/senml-etch+cbor", None;
    /// 340 `application/yang-data+cbor`.
    YANG_DATA_CBOR = 340, "application/yang-data+cbor", None;
    /// 341 `application/yang-data+cbor;id=name`.
    YANG_DATA_CBOR_NAME = 341, "application/yang-data+cbor;id=name", None;
    /// 432 `application/td+json`.
    TD_JSON = 432, "application/td+json", None;
    /// 1542 `application/vnd.oma.lwm2m+tlv`, the number LwM2M 1.0 used before the IANA registration.
    LWM2M_TLV_OLD = 1542, "application/vnd.oma.lwm2m+tlv", None;
    /// 1543 `application/vnd.oma.lwm2m+json`, the number LwM2M 1.0 used before the IANA registration.
    LWM2M_JSON_OLD = 1543, "application/vnd.oma.lwm2m+json", None;
    /// 10000 `application/vnd.ocf+cbor`.
    OCF_CBOR = 10000, "application/vnd.ocf+cbor", None;
    /// 10001 `application/oscore`.
    OSCORE = 10001, "application/oscore", None;
    /// 10002 `application/javascript`.
    JAVASCRIPT = 10002, "application/javascript", None;
    /// 11050 `application/json` with content coding deflate.
    JSON_DEFLATE = 11050, "application/json", Some("deflate");
    /// 11060 `application/cbor` with content coding deflate.
    CBOR_DEFLATE = 11060, "application/cbor", Some("deflate");
    /// 11542 `application/vnd.oma.lwm2m+tlv`.
    LWM2M_TLV = 11542, "application/vnd.oma.lwm2m+tlv", None;
    /// 11543 `application/vnd.oma.lwm2m+json`.
    LWM2M_JSON = 11543, "application/vnd.oma.lwm2m+json", None;
    /// 11544 `application/vnd.oma.lwm2m+cbor`.
    LWM2M_CBOR = 11544, "application/vnd.oma.lwm2m+cbor", None;
    /// 20000 `text/css`.
    TEXT_CSS = 20000, "text/css", None;
    /// 30000 `image/svg+xml`.
    IMAGE_SVG_XML = 30000, "image/svg+xml", None;
}

impl ContentFormat {
    /// The media type (with its parameters) of a registered number.
    #[must_use]
    pub fn media_type(self) -> Option<&'static str> {
        TABLE.iter().find(|(c, ..)| *c == self).map(|(_, m, _)| *m)
    }

    /// The content coding of a registered number (`deflate` for 11050 and 11060), if any.
    #[must_use]
    pub fn content_coding(self) -> Option<&'static str> {
        TABLE
            .iter()
            .find(|(c, ..)| *c == self)
            .and_then(|(.., e)| *e)
    }

    /// The number of a media type without content coding. Matching ignores case and blanks
    /// around `;`, and reads `text/plain` with or without `;charset=utf-8`. For the LwM2M types,
    /// which also have numbers from before their registration, the IANA number is returned.
    #[must_use]
    pub fn from_media_type(media: &str) -> Option<Self> {
        let wanted = Normal(media);
        if Normal("text/plain").eq_normal(&wanted) {
            return Some(ContentFormat::TEXT_PLAIN);
        }
        TABLE
            .iter()
            .filter(|(c, _, coding)| coding.is_none() && !matches!(c.0, 1542 | 1543))
            .find(|(_, m, _)| Normal(m).eq_normal(&wanted))
            .map(|(c, ..)| *c)
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
        for (c, m, coding) in TABLE {
            let back = ContentFormat::from_media_type(m).unwrap();
            assert_eq!(back.media_type(), Some(*m));
            if coding.is_none() && c.0 != 1542 && c.0 != 1543 {
                assert_eq!(back, *c);
            }
        }
        assert_eq!(
            ContentFormat::from_media_type("application/json"),
            Some(ContentFormat::JSON)
        );
        assert_eq!(
            ContentFormat::JSON_DEFLATE.content_coding(),
            Some("deflate")
        );
        assert_eq!(
            ContentFormat::from_media_type("application/vnd.oma.lwm2m+tlv"),
            Some(ContentFormat::LWM2M_TLV)
        );
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
