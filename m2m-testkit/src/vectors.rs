//! Test vectors from specifications and from captures of real peers.
//!
//! A vector file is `tests/vectors/<name>.json` holding one vector object or an array of them:
//!
//! ```json
//! [{
//!   "description": "FC03 read holding registers, spec v1.1b3 §6.3",
//!   "framing": "tcp",
//!   "request_hex": "0001 0000 0006 11 03 006b 0003",
//!   "response_hex": "0001 0000 0009 11 03 06 022b 0000 0064",
//!   "expect": { "function": 3, "registers": [555, 0, 100] }
//! }]
//! ```
//!
//! `framing` (stream protocols) or `format` (datagrams and content formats) says how to read the
//! bytes; `hex` is used when a vector is neither a request nor a response. Hex may contain
//! whitespace. `expect` is free-form JSON that each crate's vector test checks field by field.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One vector.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// What the vector is and where it comes from (spec section, peer and version).
    pub description: String,
    /// Stream framing (`tcp`, `rtu`, `ascii`, ...), if any.
    #[serde(default)]
    pub framing: Option<String>,
    /// Message or content format, if any.
    #[serde(default)]
    pub format: Option<String>,
    /// A request, as hex.
    #[serde(default)]
    pub request_hex: Option<String>,
    /// A response, as hex.
    #[serde(default)]
    pub response_hex: Option<String>,
    /// Bytes that are neither request nor response, as hex.
    #[serde(default)]
    pub hex: Option<String>,
    /// The decoded fields to check.
    #[serde(default)]
    pub expect: serde_json::Value,
    /// The file the vector came from (filled in by the loader).
    #[serde(skip)]
    pub source: PathBuf,
}

fn unhex(field: &str, v: &Vector, text: Option<&String>) -> Option<Vec<u8>> {
    text.map(|t| {
        m2m_core::hex::decode(t).unwrap_or_else(|e| {
            panic!(
                "{}: {:?}: bad hex in {field}: {e}",
                v.source.display(),
                v.description
            )
        })
    })
}

impl Vector {
    /// The request bytes. Panics (naming the file and vector) on bad hex.
    pub fn request(&self) -> Option<Vec<u8>> {
        unhex("request_hex", self, self.request_hex.as_ref())
    }

    /// The response bytes. Panics (naming the file and vector) on bad hex.
    pub fn response(&self) -> Option<Vec<u8>> {
        unhex("response_hex", self, self.response_hex.as_ref())
    }

    /// The `hex` bytes. Panics (naming the file and vector) on bad hex.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        unhex("hex", self, self.hex.as_ref())
    }

    /// `"<file>: <description>"`, for assertion messages.
    pub fn label(&self) -> String {
        format!("{}: {}", self.source.display(), self.description)
    }
}

/// Why vectors could not be loaded.
#[derive(Debug)]
pub struct LoadError {
    /// The file or folder.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for LoadError {}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<Vector>),
    One(Box<Vector>),
}

/// Parses the vectors of one JSON text; `source` names it in messages.
pub fn parse(text: &str, source: &Path) -> Result<Vec<Vector>, LoadError> {
    let parsed: OneOrMany = serde_json::from_str(text).map_err(|e| LoadError {
        path: source.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut vectors = match parsed {
        OneOrMany::Many(v) => v,
        OneOrMany::One(v) => vec![*v],
    };
    for v in &mut vectors {
        v.source = source.to_path_buf();
    }
    Ok(vectors)
}

/// Loads one vector file.
pub fn load_file(path: impl AsRef<Path>) -> Result<Vec<Vector>, LoadError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| LoadError {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    parse(&text, path)
}

/// Loads every `*.json` file of a folder, in file-name order.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Vec<Vector>, LoadError> {
    let dir = dir.as_ref();
    let err = |e: std::io::Error| LoadError {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(err)?
        .map(|e| e.map(|e| e.path()).map_err(err))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    files.sort();
    let mut all = Vec::new();
    for f in files {
        all.extend(load_file(&f)?);
    }
    Ok(all)
}

/// Loads the vectors of a crate's `tests/vectors/` folder; panics if the folder is missing or
/// holds none, so a vector test can never pass on zero vectors.
pub fn crate_vectors(manifest_dir: &str) -> Vec<Vector> {
    let dir = Path::new(manifest_dir).join("tests").join("vectors");
    let v = load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(!v.is_empty(), "{}: no vectors", dir.display());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_and_many() {
        let one = r#"{"description":"d","hex":"0a 0B","expect":{"x":1}}"#;
        let v = parse(one, Path::new("one.json")).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].bytes(), Some(vec![0x0a, 0x0b]));
        assert_eq!(v[0].expect["x"], 1);
        assert_eq!(v[0].label(), "one.json: d");
        let many = r#"[{"description":"a","framing":"tcp","request_hex":"01","response_hex":"0203"},
                       {"description":"b","format":"tlv","hex":""}]"#;
        let v = parse(many, Path::new("m.json")).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].framing.as_deref(), Some("tcp"));
        assert_eq!(v[0].request(), Some(vec![1]));
        assert_eq!(v[0].response(), Some(vec![2, 3]));
        assert_eq!(v[1].bytes(), Some(vec![]));
        assert_eq!(v[1].request(), None);
    }

    #[test]
    fn rejects_unknown_fields_and_bad_json() {
        assert!(parse(r#"{"description":"d","hexx":"00"}"#, Path::new("x")).is_err());
        assert!(parse("[", Path::new("x")).is_err());
    }

    #[test]
    #[should_panic(expected = "bad hex in hex")]
    fn bad_hex_names_the_vector() {
        let v = parse(r#"{"description":"d","hex":"0g"}"#, Path::new("x")).unwrap();
        let _ = v[0].bytes();
    }

    #[test]
    fn loads_a_folder_in_order() {
        let dir = std::env::temp_dir().join(format!("m2m-testkit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("b.json"), r#"{"description":"second"}"#).unwrap();
        std::fs::write(dir.join("a.json"), r#"[{"description":"first"}]"#).unwrap();
        std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
        let v = load_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let names: Vec<_> = v.iter().map(|v| v.description.as_str()).collect();
        assert_eq!(names, ["first", "second"]);
    }
}
