//! STATE payloads (Sparkplug 3.0 host application birth and death): any bytes are read without a
//! panic; what is read agrees with serde_json on the same bytes, writes back in the compact form
//! and reads again to the same state. Whatever serde_json reads as an object with a boolean
//! `online` and an integer `timestamp` is read by us too (but for duplicate members, which we
//! refuse, and nesting beyond our depth limit). With a member given twice serde_json keeps the
//! last; we may stop at the first with any error (`{"timestamp":true,"timestamp":1}` is a type
//! error before it is a duplicate), so the check for repeats is serde's, not ours.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_sparkplug::state::{StateError, StateMessage};

fuzz_target!(|data: &[u8]| {
    let ours = StateMessage::parse(data);
    let theirs = serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .and_then(|v| {
            let o = v.as_object()?;
            let online = o.get("online")?.as_bool()?;
            let ts = o.get("timestamp")?;
            let ts = if ts.is_u64() {
                ts.as_u64()?
            } else {
                return None;
            };
            Some(StateMessage::online(ts)).map(|mut m| {
                m.online = online;
                m
            })
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
            assert_eq!(Some(*m), theirs, "disagreement with serde_json");
            let mut buf = [0u8; StateMessage::MAX_LEN];
            let n = m.write(&mut buf).expect("fits MAX_LEN");
            assert_eq!(n, m.buffer_len());
            assert_eq!(StateMessage::parse(&buf[..n]), Ok(*m));
        }
        (Err(StateError::Duplicate { .. } | StateError::Depth { .. }), _) => {}
        (Err(_), Some(_)) if repeats_a_member(data) => {}
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
