//! Vectors from the test suites of other LwM2M implementations, each with its source: Eclipse
//! Leshan (`leshan-lwm2m-core/src/test/java/org/eclipse/leshan/core/...`), Eclipse Wakaama
//! (`tests/*.c`) and AVSystem Anjay (`tests/core/io/*.c`). The bytes and numbers are theirs;
//! what each test checks is what the source expects of the same input (a value, a path, an
//! error), unless a comment says why this crate differs and which text decides.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken vector

use m2m_lwm2m::{Path, Record, Value, lwm2m_json, senml_cbor, senml_json};

fn p(s: &str) -> Path<'_> {
    Path::parse(s).unwrap()
}

fn senml_json_text(recs: &[Record<'_>]) -> String {
    let mut out = vec![0u8; senml_json::encoded_len(recs).unwrap()];
    senml_json::encode(recs, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn legacy_text(recs: &[Record<'_>]) -> String {
    let mut out = vec![0u8; lwm2m_json::encoded_len(recs).unwrap()];
    lwm2m_json::encode(recs, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn senml_cbor_bytes(recs: &[Record<'_>]) -> Vec<u8> {
    let mut out = vec![0u8; senml_cbor::encoded_len(recs).unwrap()];
    senml_cbor::encode(recs, &mut out).unwrap();
    out
}

/// The names a SenML JSON pack resolves to (`bn` + `n`, RFC 8428 §4.5.1), read with serde_json
/// so that no code of this crate takes part.
fn senml_json_names(text: &str) -> Vec<String> {
    let pack: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut bn = String::new();
    let mut names = Vec::new();
    for rec in pack.as_array().unwrap() {
        if let Some(b) = rec.get("bn") {
            bn = b.as_str().unwrap().to_owned();
        }
        let n = rec.get("n").map_or("", |n| n.as_str().unwrap());
        names.push(format!("{bn}{n}"));
    }
    names
}

/// The same for a legacy LwM2M JSON body (`bn` + each entry's `n`, 1.0 §6.4.4).
fn legacy_names(text: &str) -> Vec<String> {
    let body: serde_json::Value = serde_json::from_str(text).unwrap();
    let bn = body.get("bn").map_or("", |b| b.as_str().unwrap());
    body["e"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{bn}{}", e.get("n").map_or("", |n| n.as_str().unwrap())))
        .collect()
}

/// The same for a SenML CBOR pack (labels -2 and 0), with this crate's raw tokenizer (it
/// applies no base field).
fn senml_cbor_names(body: &[u8]) -> Vec<String> {
    let mut bn = String::new();
    let mut names = Vec::new();
    for item in senml_cbor::decode_raw(body) {
        let (_, rec) = item.unwrap();
        if let Some(b) = rec.base_name {
            bn = b.to_string();
        }
        let n = rec.name.map(|n| n.to_string()).unwrap_or_default();
        names.push(format!("{bn}{n}"));
    }
    names
}

#[test]
fn encoded_names_are_paths_without_a_trailing_slash() {
    // Leshan `LwM2mNodeEncoderTest.json_timestamped_resource_instances`: three values of the
    // resource instance /1024/0/1/0 at 500, 510 and 520. Leshan writes
    // `{"bn":"/1024/0/1/0","e":[{"v":22.9,"t":500},...]}`. Our encoders wrote the base name
    // `/1024/0/1/0/` with no `n`, so the records' names were `/1024/0/1/0/`: no LwM2M path
    // (Core 1.1 §7.4.4 names a record by its path; the specification writes a lone path as
    // `"bn":"/3/0/0"`, Table 7.4.4-5), and Wakaama's SenML readers (`data/senml_json.c`,
    // `data/senml_cbor.c`, through `lwm2m_stringToUri`) refuse a four-level path with a `/`
    // after it.
    let series: Vec<Record<'_>> = [(22.9, 500.0), (22.4, 510.0), (24.1, 520.0)]
        .into_iter()
        .map(|(v, t)| Record::new(p("/1024/0/1/0"), Value::Float(v)).at(t))
        .collect();
    // A Read-Composite of an instance and two of its resources, paths only.
    let paths = [
        Record::path_only(p("/3/0")),
        Record::path_only(p("/3/0/1")),
        Record::path_only(p("/3/0/2")),
    ];
    // The same resource at two times, three levels deep.
    let pair = [
        Record::new(p("/3303/0/5700"), Value::Float(21.5)).at(1.6e9),
        Record::new(p("/3303/0/5700"), Value::Float(22.0)).at(1.6e9 + 30.0),
    ];
    for recs in [&series[..], &paths[..], &pair[..]] {
        let want: Vec<String> = recs.iter().map(|r| r.path.to_string()).collect();
        let json = senml_json_text(recs);
        assert_eq!(senml_json_names(&json), want, "{json}");
        let cbor = senml_cbor_bytes(recs);
        assert_eq!(senml_cbor_names(&cbor), want);
        let legacy = legacy_text(recs);
        assert_eq!(legacy_names(&legacy), want, "{legacy}");
        // And each reads back to the same records.
        let back: Vec<Record<'_>> = senml_json::decode(json.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, recs);
        let back: Vec<Record<'_>> = senml_cbor::decode(&cbor).collect::<Result<_, _>>().unwrap();
        assert_eq!(back, recs);
        let back: Vec<Record<'_>> = lwm2m_json::decode(legacy.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, recs);
    }
    // The time series with a base name one level up, as Wakaama writes its own
    // (`senml_json_test_2`: `"bn":"/72/","n":"1/2"`).
    assert_eq!(
        senml_json_text(&series),
        r#"[{"bn":"/1024/0/1/","n":"0","v":22.9,"t":500},{"n":"0","v":22.4,"t":510},{"n":"0","v":24.1,"t":520}]"#
    );
    // Leshan's own text reads as it says.
    let leshan =
        r#"{"bn":"/1024/0/1/0","e":[{"v":22.9,"t":500},{"v":22.4,"t":510},{"v":24.1,"t":520}]}"#;
    let back: Vec<Record<'_>> = lwm2m_json::decode(leshan.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(back, series);
}
