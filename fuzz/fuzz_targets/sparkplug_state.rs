//! STATE payloads (Sparkplug 3.0 host application birth and death): any bytes are read without a
//! panic; what is read agrees with serde_json on the same bytes, writes back in the compact form
//! and reads again to the same state. Whatever serde_json reads as an object with a boolean
//! `online` and a non-negative number `timestamp` is read by us too (but for duplicate members,
//! which we refuse, and nesting beyond our depth limit), the timestamp cut to whole
//! milliseconds: an integer exactly, another number within one of serde_json's f64 below 2^53
//! (we cut the decimal text, serde rounds it to an f64). With a member given twice serde_json
//! keeps the last; we may stop at the first with any error (`{"timestamp":true,"timestamp":1}`
//! is a type error before it is a duplicate), so the check for repeats is serde's, not ours.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_sparkplug::state::{StateError, StateMessage};

/// The timestamp serde_json reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ts {
    /// An integer: ours must be the same.
    Exact(u64),
    /// Another non-negative number: ours within one of it below 2^53, and either way past.
    Near(f64),
}

/// Below this, an f64 holds every integer: ours is within one of serde's.
const EXACT_BELOW: f64 = 9_007_199_254_740_992.0;

fuzz_target!(|data: &[u8]| {
    let ours = StateMessage::parse(data);
    let theirs = serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .and_then(|v| {
            let o = v.as_object()?;
            let online = o.get("online")?.as_bool()?;
            let ts = o.get("timestamp")?;
            let ts = match ts.as_u64() {
                Some(u) => Ts::Exact(u),
                // A negative number (`-0` too, which serde keeps as -0.0) is no timestamp.
                None => Ts::Near(ts.as_f64().filter(|f| f.is_sign_positive())?),
            };
            Some((online, ts))
        });
    match (&ours, &theirs) {
        (Ok(m), _) => {
            // RFC 8259 §6 lets a parser limit the range of numbers: serde_json refuses a number
            // beyond f64 (`1E400`) in a member we skip; that is its limit, not bad JSON.
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(data) {
                assert!(
                    e.to_string().contains("number out of range"),
                    "we read what is not JSON: {e}"
                );
                return;
            }
            let Some((online, ts)) = theirs else {
                panic!("we read {m:?}, serde_json reads no STATE");
            };
            assert_eq!(m.online, online, "disagreement with serde_json");
            let ours_ts = m.timestamp.expect("a parsed STATE has a timestamp");
            match ts {
                Ts::Exact(u) => assert_eq!(ours_ts, u, "disagreement with serde_json"),
                Ts::Near(f) if f < EXACT_BELOW => {
                    #[allow(clippy::cast_precision_loss)]
                    let ours_f = ours_ts as f64;
                    assert!((ours_f - f.trunc()).abs() <= 1.0, "{ours_ts} against {f}");
                }
                Ts::Near(_) => {}
            }
            let mut buf = [0u8; StateMessage::MAX_LEN];
            let n = m.write(&mut buf).expect("fits MAX_LEN");
            assert_eq!(n, m.buffer_len());
            assert_eq!(StateMessage::parse(&buf[..n]), Ok(*m));
        }
        (Err(StateError::Duplicate { .. } | StateError::Depth { .. }), _) => {}
        (Err(_), Some(_)) if repeats_a_member(data) => {}
        // Past 2^53 serde's f64 may round a number past u64 that ours cuts below it, or the
        // other way: no verdict.
        (Err(_), Some((_, Ts::Near(f)))) if *f >= EXACT_BELOW => {}
        (Err(e), Some(t)) => panic!("serde_json reads {t:?}, we fail with {e:?}"),
        (Err(_), None) => {}
    }
});

/// Whether the top-level object names `online` or `timestamp` more than once, as serde reads it
/// (keys unescaped); `false` for anything serde_json does not read as an object.
fn repeats_a_member(data: &[u8]) -> bool {
    struct Repeats(bool);
    struct Counter;
    impl<'de> serde::de::Visitor<'de> for Counter {
        type Value = Repeats;
        fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Repeats, A::Error> {
            let (mut online, mut timestamp) = (0u32, 0u32);
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<serde::de::IgnoredAny>()?;
                match key.as_str() {
                    "online" => online += 1,
                    "timestamp" => timestamp += 1,
                    _ => {}
                }
            }
            Ok(Repeats(online > 1 || timestamp > 1))
        }
    }
    impl<'de> serde::Deserialize<'de> for Repeats {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Counter)
        }
    }
    serde_json::from_slice::<Repeats>(data).is_ok_and(|r| r.0)
}
