//! SenML-ETCH JSON, Content-Format 320 (RFC 8790; OMA-TS-LightweightM2M_Core 1.2 §7.4.4 for
//! Read-Composite and Write-Composite): the bodies of FETCH and iPATCH requests on SenML
//! resources, read and written by the SenML JSON tokenizer and [`Resolver`](crate::senml::Resolver).
//!
//! - A FETCH body (RFC 8790 §5) names the records to return: names, times and units only
//!   (§3.1). Decoded records have `value: None`; a value field is
//!   [`Reason::BadValue`](crate::Reason::BadValue), a sum, update time, base value or base sum
//!   [`Reason::BadField`](crate::Reason::BadField).
//! - An iPATCH body (RFC 8790 §6) lists the records to add or change, each with a value, and the
//!   records to remove, each with the value `null` (`"v":null`). Decoded, a removal is a record
//!   with [`Value::Null`], as SenML-ETCH CBOR gives it; a record with
//!   neither a value nor `null` is [`Reason::BadValue`](crate::Reason::BadValue). Encoding
//!   writes `"v":null` for [`Value::Null`].
//!
//! Panics: none, on any input.

use crate::error::Error;
use crate::senml_json::{Decoder, Mode, write};
use crate::sink::{Counter, Sink, Slice};
use crate::value::Record;
#[cfg(doc)]
use crate::value::Value;

/// Decodes a FETCH body (RFC 8790 §5): the records named, all with `value: None`.
#[must_use]
pub fn decode_fetch(body: &[u8]) -> Decoder<'_> {
    Decoder::new(body, Mode::Fetch)
}

/// Decodes an iPATCH body (RFC 8790 §6): records with a value to set, and records with
/// [`Value::Null`] to remove.
#[must_use]
pub fn decode_ipatch(body: &[u8]) -> Decoder<'_> {
    Decoder::new(body, Mode::Patch)
}

/// The number of bytes [`encode_fetch`] writes.
pub fn encoded_len_fetch(records: &[Record<'_>]) -> Result<usize, Error> {
    let mut c = Counter::default();
    write(records, Mode::Fetch, &mut c)?;
    Ok(c.0)
}

/// Writes a FETCH body naming `records` (with their times); a record with a value is
/// [`Reason::BadValue`](crate::Reason::BadValue). Into exactly [`encoded_len_fetch`] bytes it
/// succeeds.
pub fn encode_fetch(records: &[Record<'_>], out: &mut [u8]) -> Result<usize, Error> {
    let mut s = Slice::new(out);
    write(records, Mode::Fetch, &mut s)?;
    Ok(s.written())
}

/// The number of bytes [`encode_ipatch`] writes.
pub fn encoded_len_ipatch(records: &[Record<'_>]) -> Result<usize, Error> {
    let mut c = Counter::default();
    write(records, Mode::Patch, &mut c)?;
    Ok(c.0)
}

/// Writes an iPATCH body: records with a value as in SenML JSON, [`Value::Null`] as a removal
/// (`"v":null`); a record without a value is [`Reason::BadValue`](crate::Reason::BadValue).
/// Into exactly [`encoded_len_ipatch`] bytes it succeeds.
pub fn encode_ipatch(records: &[Record<'_>], out: &mut [u8]) -> Result<usize, Error> {
    let mut s = Slice::new(out);
    write(records, Mode::Patch, &mut s)?;
    Ok(s.written())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Reason;
    use crate::path::Path;
    use crate::value::{Text, Value};
    extern crate std;
    use std::string::String;
    use std::vec::Vec;

    #[test]
    fn fetch_bodies() {
        // LwM2M 1.1 §6.3.7 (Read-Composite): the paths to read.
        let body = br#"[{"n":"/3/0/0"},{"n":"/3/0/9"},{"n":"/1/0"}]"#;
        let recs: Vec<_> = decode_fetch(body).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            recs,
            [
                Record::path_only(Path::resource(3, 0, 0)),
                Record::path_only(Path::resource(3, 0, 9)),
                Record::path_only(Path::instance(1, 0)),
            ]
        );
        let mut out = [0u8; 64];
        let n = encode_fetch(&recs, &mut out).unwrap();
        assert_eq!(n, encoded_len_fetch(&recs).unwrap());
        assert_eq!(&out[..n], body);
        let with_value = br#"[{"n":"/3/0/0","v":1}]"#;
        assert_eq!(
            decode_fetch(with_value).next(),
            Some(Err(Error::new(15, Reason::BadValue)))
        );
        let valued = [Record::new(Path::resource(3, 0, 0), Value::Int(1))];
        assert_eq!(
            encoded_len_fetch(&valued).unwrap_err().reason,
            Reason::BadValue
        );
    }

    #[test]
    fn ipatch_bodies() {
        // RFC 8790 §6: change one record, remove another with a null value.
        let body = br#"[{"bn":"/3311/0/","n":"5850","vb":true},{"n":"5851","v":null}]"#;
        let recs: Vec<_> = decode_ipatch(body).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            recs,
            [
                Record::new(Path::resource(3311, 0, 5850), Value::Bool(true)),
                Record::new(Path::resource(3311, 0, 5851), Value::Null),
            ]
        );
        let mut out = [0u8; 96];
        let n = encode_ipatch(&recs, &mut out).unwrap();
        assert_eq!(n, encoded_len_ipatch(&recs).unwrap());
        let text = String::from_utf8(out[..n].to_vec()).unwrap();
        assert_eq!(
            text,
            r#"[{"n":"/3311/0/5850","vb":true},{"n":"/3311/0/5851","v":null}]"#
        );
        let back: Vec<_> = decode_ipatch(text.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, recs);
        // Every value field may be the null; but only one per record, and one there must be.
        for (bad, at, reason) in [
            (&br#"[{"n":"/1/0/1"}]"#[..], 1, Reason::BadValue),
            (
                br#"[{"n":"/1/0/1","v":null,"vs":"a"}]"#,
                24,
                Reason::BadValue,
            ),
            (
                br#"[{"n":"/1/0/1","vs":"a","vd":null}]"#,
                24,
                Reason::BadValue,
            ),
            (br#"[{"n":"/1/0/1","v":nul}]"#, 22, Reason::BadJson),
        ] {
            assert_eq!(
                decode_ipatch(bad).next(),
                Some(Err(Error::new(at, reason))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let ok: Vec<_> = decode_ipatch(br#"[{"n":"/1/0/1","vs":null}]"#)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ok[0].value, Some(Value::Null));
        // A record without a value is no removal: say it with Value::Null.
        let unsaid = [Record::path_only(Path::resource(1, 0, 1))];
        assert_eq!(
            encoded_len_ipatch(&unsaid).unwrap_err().reason,
            Reason::BadValue
        );
        let s = [Record::new(
            Path::resource(1, 0, 1),
            Value::Str(Text::Plain("x")),
        )];
        assert_eq!(encoded_len_ipatch(&s).unwrap(), 25);
    }
}
