//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::cast_possible_truncation)]

use serde_json::Value as Json;

/// `actual` equals `expected` key by key, numbers exactly; only the values of Float and
/// FloatArray metrics, properties and DataSet columns (the wire holds them as `f32`) compare
/// as `f32`, so that a vector's `1.23` meets the decoded `1.2300000190734863`.
pub(crate) fn json_matches(expected: &Json, actual: &Json, path: &str) -> Result<(), String> {
    matches_in(expected, actual, path, &Precision::Exact)
}

/// How numbers below a point compare.
enum Precision {
    Exact,
    Single,
    /// DataSet rows: column by column.
    Columns(Vec<bool>),
}

/// Whether a datatype (by name, or by number in a DataSet's `types`) is Float or FloatArray.
fn is_float(datatype: Option<&Json>) -> bool {
    match datatype {
        Some(Json::String(s)) => s == "Float" || s == "FloatArray",
        Some(Json::Number(n)) => matches!(n.as_u64(), Some(9 | 30)),
        _ => false,
    }
}

fn matches_in(expected: &Json, actual: &Json, path: &str, p: &Precision) -> Result<(), String> {
    match (expected, actual) {
        (Json::Number(e), Json::Number(a)) => {
            let same = match (e.as_i64(), a.as_i64(), e.as_u64(), a.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => {
                    let (x, y) = (e.as_f64().unwrap(), a.as_f64().unwrap());
                    x == y || (matches!(p, Precision::Single) && (x as f32) == (y as f32))
                }
            };
            if same {
                Ok(())
            } else {
                Err(format!("{path}: expected {e}, got {a}"))
            }
        }
        (Json::Object(e), Json::Object(a)) => {
            let single = is_float(e.get("datatype")) || is_float(e.get("type"));
            let columns = e
                .get("types")
                .and_then(Json::as_array)
                .map(|t| t.iter().map(|t| is_float(Some(t))).collect::<Vec<_>>());
            for k in e.keys().chain(a.keys()) {
                let (x, y) = (
                    e.get(k).unwrap_or(&Json::Null),
                    a.get(k).unwrap_or(&Json::Null),
                );
                let below = match (k.as_str(), &columns, p) {
                    ("value", _, _) if single => Precision::Single,
                    ("rows", Some(c), _) => Precision::Columns(c.clone()),
                    // A row written as `{"elements": [...]}` keeps its columns.
                    ("elements", _, Precision::Columns(c)) => Precision::Columns(c.clone()),
                    _ => Precision::Exact,
                };
                matches_in(x, y, &format!("{path}.{k}"), &below)?;
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
                let below = match p {
                    // The rows of a DataSet, then a row's cells by column.
                    Precision::Columns(c) if x.is_array() || x.is_object() => {
                        Precision::Columns(c.clone())
                    }
                    Precision::Columns(c) if c.get(i) == Some(&true) => Precision::Single,
                    Precision::Columns(_) | Precision::Exact => Precision::Exact,
                    Precision::Single => Precision::Single,
                };
                matches_in(x, y, &format!("{path}[{i}]"), &below)?;
            }
            Ok(())
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {a}")),
    }
}
