//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::cast_possible_truncation)]

use serde_json::Value as Json;

/// `actual` equals `expected` key by key; numbers that are not both integers compare as `f32`
/// (the wire precision of Float values; doubles in the vectors are exact in both forms anyway).
pub(crate) fn json_matches(expected: &Json, actual: &Json, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Json::Number(e), Json::Number(a)) => {
            let same = match (e.as_i64(), a.as_i64(), e.as_u64(), a.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => {
                    let (x, y) = (e.as_f64().unwrap(), a.as_f64().unwrap());
                    x == y || (x as f32) == (y as f32)
                }
            };
            if same {
                Ok(())
            } else {
                Err(format!("{path}: expected {e}, got {a}"))
            }
        }
        (Json::Object(e), Json::Object(a)) => {
            for k in e.keys().chain(a.keys()) {
                let (x, y) = (
                    e.get(k).unwrap_or(&Json::Null),
                    a.get(k).unwrap_or(&Json::Null),
                );
                json_matches(x, y, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Json::Array(e), Json::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} items, got {}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (x, y)) in e.iter().zip(a).enumerate() {
                json_matches(x, y, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {a}")),
    }
}
