//! Payloads and array encodings taken from peers' own tests, decoded by us and compared with the
//! values those tests expect.
//!
//! - Eclipse Tahu Java, `java/lib/core/src/test/java/org/eclipse/tahu/test/SparkplugTest.java`
//!   (`metricData`, `metricFieldsData`, `testEnDeCode`): the values of each test metric, written
//!   here in protobuf text format the way Tahu Java's `SparkplugBPayloadEncoder` writes them
//!   (Int8/16/32 in `int_value`, UInt32 in `long_value`, a null DataSet cell as an empty
//!   `DataSetValue`, a null property as `is_null`), encoded with `protoc --encode` and the Tahu
//!   `sparkplug_b.proto`; the hex below is protoc's output.
//! - srad (`dpazj/srad`, `srad-types/src/value.rs` tests): BooleanArray and StringArray bytes,
//!   and the array encodings srad refuses.
//! - Sparkplug 3.0.0 §6.4.16 (the Int32Array example of the array section's introduction).
//! - mqtt-spb-wrapper (`javier-fg/mqtt-spb-wrapper`): a literal payload of six datatypes, its
//!   empty, invalid and 2.2 STATE payloads, its topics.
//! - pysparkplug (`matteosox/pysparkplug`) and Eclipse Tahu C (`c/core/test/test.c`): topics,
//!   and StringArrays of empty strings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use m2m_sparkplug::value::{BoolArray, RawValue, StrArray};
use m2m_sparkplug::{PayloadView, Value};
use serde_json::json;

/// Decodes `hex`, checks it, and compares its JSON form with `expect`.
fn decodes_to(label: &str, hex: &str, expect: &serde_json::Value) {
    let bytes = m2m_core::hex::decode(hex).unwrap();
    let view = PayloadView::new(&bytes).unwrap_or_else(|e| panic!("{label}: {e}"));
    view.check().unwrap_or_else(|e| panic!("{label}: {e}"));
    let json = serde_json::to_value(view.to_repr().unwrap()).unwrap();
    if let Err(e) = common::json_matches(expect, &json, "payload") {
        panic!("{label}: {e}\n{json:#}");
    }
}

fn one(name: &str, datatype: &str, value: serde_json::Value) -> serde_json::Value {
    json!({"metrics": [{"name": name, "datatype": datatype, "value": value}]})
}

/// Tahu Java `SparkplugTest.metricData`: one metric of each scalar datatype.
#[test]
fn tahu_java_metric_data_scalars() {
    let cases = [
        (
            "120e0a0854657374427974652001507b",
            one("TestByte", "Int8", json!(123)),
        ),
        (
            "12100a095465737453686f7274200250b960",
            one("TestShort", "Int16", json!(12345)),
        ),
        (
            "12110a0754657374496e74200350d285d8cc04",
            one("TestInt", "Int32", json!(1_234_567_890)),
        ),
        (
            "12120a08546573744c6f6e6720045898b9f0fe2d",
            one("TestLong", "Int64", json!(12_345_679_000_i64)),
        ),
        (
            "12160a1054657374556e7369676e6564427974652005507b",
            one("TestUnsignedByte", "UInt8", json!(123)),
        ),
        (
            "12180a1154657374556e7369676e656453686f7274200650b960",
            one("TestUnsignedShort", "UInt16", json!(12345)),
        ),
        // UInt32 in long_value, as Tahu Java (and C) write it.
        (
            "12190a0f54657374556e7369676e6564496e74200758d285d8cc04",
            one("TestUnsignedInt", "UInt32", json!(1_234_567_890)),
        ),
        (
            "121a0a1054657374556e7369676e65644c6f6e6720085898b9f0fe2d",
            one("TestUnsignedLong", "UInt64", json!(12_345_679_000_u64)),
        ),
        (
            "12120a0954657374466c6f617420096519636071",
            one("TestFloat", "Float", json!(1.111_111_1e30_f32)),
        ),
        (
            "12170a0a54657374446f75626c65200a69582dab7ad18b3a7e",
            one(
                "TestDouble",
                "Double",
                json!(1.111_111_111_111_111_1e300_f64),
            ),
        ),
        (
            "12110a0b54657374426f6f6c65616e200b7001",
            one("TestBoolean", "Boolean", json!(true)),
        ),
        (
            "121b0a0a54657374537472696e67200c7a0b544553545f535452494e47",
            one("TestString", "String", json!("TEST_STRING")),
        ),
        (
            "12170a085465737454657874200e7a09544553545f54455854",
            one("TestText", "Text", json!("TEST_TEXT")),
        ),
        (
            "12320a085465737455554944200f7a2439313563616336382d613230652d313165362d383066352d373633303464656337656237",
            one(
                "TestUUID",
                "UUID",
                json!("915cac68-a20e-11e6-80f5-76304dec7eb7"),
            ),
        ),
        (
            "12150a0954657374427974657320118201050001020304",
            one("TestBytes", "Bytes", json!("0001020304")),
        ),
        (
            "122d0a085465737446696c652012421708002a0e2f746d702f2e7465737466696c65320362696e8201050001020304",
            json!({"metrics": [{"name": "TestFile", "datatype": "File", "value": "0001020304",
                "metadata": {"is_multi_part": false, "file_name": "/tmp/.testfile", "file_type": "bin"}}]}),
        ),
    ];
    for (hex, expect) in &cases {
        decodes_to(hex, hex, expect);
    }
    // The typed reading of the UInt32 in long_value, without serde.
    let bytes = m2m_core::hex::decode(cases[6].0).unwrap();
    let view = PayloadView::new(&bytes).unwrap();
    let m = view.metrics().next().unwrap().unwrap();
    assert_eq!(m.raw_value(), Some(RawValue::Long(1_234_567_890)));
    assert_eq!(m.value(), Ok(Value::UInt32(1_234_567_890)));
}

/// Tahu Java `SparkplugTest.metricFieldsData`: metric4 (a BooleanArray of 20 alternating values,
/// alias 999999999) and metric2 (a null DateTime, historical and transient).
#[test]
fn tahu_java_metric_fields_data() {
    let alternating: Vec<bool> = (0..20).map(|i| i % 2 == 1).collect();
    decodes_to(
        "metric4",
        "12260a076d65747269633410ff93ebdc0318a2828395862b20202800300082010714000000555550",
        &json!({"metrics": [{"name": "metric4", "alias": 999_999_999, "timestamp": 1_479_123_452_194_u64,
            "datatype": "BooleanArray", "is_historical": false, "is_transient": false,
            "value": alternating}]}),
    );
    decodes_to(
        "metric2",
        "121a0a076d657472696332100118849b82a3872b200d280130013801",
        &json!({"metrics": [{"name": "metric2", "alias": 1, "timestamp": 1_479_421_234_564_u64,
            "datatype": "DateTime", "is_historical": true, "is_transient": true, "is_null": true}]}),
    );
    // 20 booleans take three bytes after the count; the last four bits are padding.
    let b = BoolArray::new(&[20, 0, 0, 0, 0x55, 0x55, 0x50]).unwrap();
    assert_eq!(b.iter().collect::<Vec<_>>(), alternating);
}

/// Tahu Java `SparkplugTest.testEnDeCode`: every header field, full metadata on both metrics, a
/// null String.
#[test]
fn tahu_java_en_de_code() {
    let md = json!({"is_multi_part": false, "content_type": "none", "size": 12, "seq": 0,
        "file_name": "none", "file_type": "none", "md5": "none", "description": "none"});
    decodes_to(
        "testEnDeCode",
        "08e281dfa4872b123b0a044e616d65100018e281dfa4872b200128004224080012046e6f6e65180c20002a046e6f6e6532046e6f6e653a046e6f6e6542046e6f6e655041123b0a044e756c6c100018e281dfa4872b200c280038014224080012046e6f6e65180c20002a046e6f6e6532046e6f6e653a046e6f6e6542046e6f6e65180022093132333435363738392a0548656c6c6f",
        &json!({"timestamp": 1_479_424_852_194_u64, "seq": 0, "uuid": "123456789",
        "body": "48656c6c6f",
        "metrics": [
            {"name": "Name", "alias": 0, "timestamp": 1_479_424_852_194_u64, "datatype": "Int8",
             "is_historical": false, "metadata": md, "value": 65},
            {"name": "Null", "alias": 0, "timestamp": 1_479_424_852_194_u64, "datatype": "String",
             "is_historical": false, "is_null": true, "metadata": md},
        ]}),
    );
}

/// Tahu Java `SparkplugTest.metricData` TestDataSet and NullDataSet: five typed columns, null
/// cells written as empty `DataSetValue`s.
#[test]
fn tahu_java_datasets() {
    let columns = json!(["Booleans", "Int32s", "Floats", "Dates", "Strings"]);
    let types = json!([11, 3, 9, 13, 12]);
    decodes_to(
        "TestDataSet",
        "129d010a0b546573744461746153657420108a018a0108051208426f6f6c65616e731206496e743332731206466c6f617473120544617465731207537472696e6773180b18031809180d180c221f0a0228000a0208010a051dcdcc8c3f0a0710e281dfa4872b0a053203616263221c0a0228010a0208020a051d9a99993f0a0710e381dfa4872b0a02320022130a0228000a0208030a051d6666a63f0a000a00",
        &json!({"metrics": [{"name": "TestDataSet", "datatype": "DataSet", "value": {
        "num_of_columns": 5, "columns": columns, "types": types, "rows": [
            {"elements": [false, 1, 1.1, 1_479_424_852_194_u64, "abc"]},
            {"elements": [true, 2, 1.2, 1_479_424_852_195_u64, ""]},
            {"elements": [false, 3, 1.3, null, null]},
        ]}}]}),
    );
    decodes_to(
        "NullDataSet",
        "12540a0b4e756c6c4461746153657420108a014208051208426f6f6c65616e731206496e743332731206466c6f617473120544617465731207537472696e6773180b18031809180d180c220a0a000a000a000a000a00",
        &json!({"metrics": [{"name": "NullDataSet", "datatype": "DataSet", "value": {
            "num_of_columns": 5, "columns": columns, "types": types,
            "rows": [{"elements": [null, null, null, null, null]}]}}]}),
    );
}

/// Tahu Java `SparkplugTest.metricData` TestTemplateDef and TestTemplateInst: parameters of three
/// types, a member metric with a property set holding Float, DateTime, Text and a null String.
#[test]
fn tahu_java_templates() {
    decodes_to(
        "TestTemplateDef",
        "12f6010a0f5465737454656d706c61746544656620139201df010a0476312e3012150a0f54656d706c6174654d657472696331200b700112190a0f54656d706c6174654d657472696332200350d285d8cc0412690a0f54656d706c6174654d657472696333200c4a470a0670726f7031610a0570726f70320a0570726f70330a0570726f7034120708092da4709d3f1209080d20e281dfa4872b120e080e420a50524f50335f544558541204080c10017a0b544553545f535452494e471a0f0a09426f6f6c506172616d100b38011a110a08496e74506172616d100318cec2f1051a140a0944617465506172616d100d20e281dfa4872b2801",
        &json!({"metrics": [{"name": "TestTemplateDef", "datatype": "Template", "value": {
        "version": "v1.0", "is_definition": true,
        "metrics": [
            {"name": "TemplateMetric1", "datatype": "Boolean", "value": true},
            {"name": "TemplateMetric2", "datatype": "Int32", "value": 1_234_567_890},
            {"name": "TemplateMetric3", "datatype": "String", "value": "TEST_STRING",
             "properties": {"keys": ["prop1a", "prop2", "prop3", "prop4"], "values": [
                {"datatype": "Float", "value": 1.23},
                {"datatype": "DateTime", "value": 1_479_424_852_194_u64},
                {"datatype": "Text", "value": "PROP3_TEXT"},
                {"datatype": "String", "is_null": true},
             ]}},
        ],
        "parameters": [
            {"name": "BoolParam", "datatype": "Boolean", "value": true},
            {"name": "IntParam", "datatype": "Int32", "value": 12_345_678},
            {"name": "DateParam", "datatype": "DateTime", "value": 1_479_424_852_194_u64},
        ]}}]}),
    );
    decodes_to(
        "TestTemplateInst",
        "125b0a105465737454656d706c617465496e737420139201440a0476312e3012150a0f54656d706c6174654d657472696331200b70011a120a08496e74506172616d100318d285d8cc04220f5465737454656d706c6174654465662800",
        &json!({"metrics": [{"name": "TestTemplateInst", "datatype": "Template", "value": {
            "version": "v1.0", "is_definition": false, "template_ref": "TestTemplateDef",
            "metrics": [{"name": "TemplateMetric1", "datatype": "Boolean", "value": true}],
            "parameters": [{"name": "IntParam", "datatype": "Int32", "value": 1_234_567_890}]}}]}),
    );
}

fn bytes_as(datatype: u32, b: &[u8]) -> Result<Value<'_>, m2m_sparkplug::Error> {
    Value::from_raw(datatype, Some(RawValue::Bytes(b)), false)
}

/// srad `srad-types/src/value.rs`: the BooleanArray and StringArray encodings its tests expect.
#[test]
fn srad_array_encodings() {
    let bools = |b: &[u8]| BoolArray::new(b).unwrap().iter().collect::<Vec<_>>();
    assert_eq!(bools(&[1, 0, 0, 0, 0b1000_0000]), [true]);
    assert_eq!(
        bools(&[9, 0, 0, 0, 0b1010_1110, 0b1000_0000]),
        [true, false, true, false, true, true, true, false, true]
    );
    assert_eq!(
        bools(&[12, 0, 0, 0, 0b0011_0100, 0b1101_0000]),
        [
            false, false, true, true, false, true, false, false, true, true, false, true
        ]
    );
    let strings = |b: &'static [u8]| StrArray::new(b).unwrap().iter().collect::<Vec<_>>();
    assert_eq!(strings(b"test\0"), ["test"]);
    assert_eq!(strings(b"abc\x00123\0"), ["abc", "123"]);
    assert_eq!(strings(b"abc\0\0cba\0"), ["abc", "", "cba"]);
    // The same through the datatype codes (32 BooleanArray, 33 StringArray).
    let Ok(Value::StringArray(s)) = bytes_as(33, b"abc\0\0cba\0") else {
        panic!()
    };
    assert_eq!(s.len(), 3);
    let Ok(Value::BooleanArray(b)) = bytes_as(32, &[9, 0, 0, 0, 0xAE, 0x80]) else {
        panic!()
    };
    assert_eq!(b.len(), 9);
}

/// srad refuses these array encodings, and so do we.
#[test]
fn srad_refused_array_encodings() {
    // A BooleanArray shorter than its count header, or than the bytes its count needs.
    assert!(bytes_as(32, &[0, 0, 0]).is_err());
    assert!(bytes_as(32, &[]).is_err());
    assert!(bytes_as(32, &[9, 0, 0, 0, 0]).is_err());
    assert!(bytes_as(32, &[1, 0, 0, 0]).is_err());
    // A StringArray without its final NUL, or not UTF-8.
    assert!(bytes_as(33, &[1]).is_err());
    assert!(bytes_as(33, b"Hello \xF0\x90\x80World\x00").is_err());
    // Five bytes are no whole number of 2-, 4- or 8-byte elements.
    let five = [0u8, 1, 2, 3, 4];
    for dt in [23, 24, 25, 27, 28, 29, 30, 31, 34] {
        assert!(bytes_as(dt, &five).is_err(), "datatype {dt}");
    }
    for dt in [22, 26] {
        assert!(bytes_as(dt, &five).is_ok(), "datatype {dt}");
    }
}

/// srad's round trip of each width's 0, MIN and MAX, here as the little-endian bytes.
#[test]
fn srad_array_extremes() {
    let Ok(Value::Int64Array(a)) = bytes_as(
        25,
        &[
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFF, 0x7F,
        ],
    ) else {
        panic!()
    };
    assert_eq!(a.iter().collect::<Vec<_>>(), [0, i64::MIN, i64::MAX]);
    let Ok(Value::UInt16Array(a)) = bytes_as(27, &[0, 0, 0, 0, 0xFF, 0xFF]) else {
        panic!()
    };
    assert_eq!(a.iter().collect::<Vec<_>>(), [0, 0, u16::MAX]);
    let Ok(Value::Int8Array(a)) = bytes_as(22, &[0, 0x80, 0x7F]) else {
        panic!()
    };
    assert_eq!(a.iter().collect::<Vec<_>>(), [0, i8::MIN, i8::MAX]);
    let Ok(Value::DateTimeArray(a)) = bytes_as(34, &[0xFF; 8]) else {
        panic!()
    };
    assert_eq!(a.iter().collect::<Vec<_>>(), [u64::MAX]);
}

/// §6.4.16, the introduction of the array types: Int32Array [123456789, 987654321].
#[test]
fn spec_int32_array_introduction() {
    let Ok(Value::Int32Array(a)) = bytes_as(24, &[0x15, 0xCD, 0x5B, 0x07, 0xB1, 0x68, 0xDE, 0x3A])
    else {
        panic!()
    };
    assert_eq!(a.iter().collect::<Vec<_>>(), [123_456_789, 987_654_321]);
}

/// Tahu Java `java/lib/core/src/test/java/org/eclipse/tahu/message/test/EnDeCodeTest.java`:
/// StringArray metrics of Japanese, Chinese, Arabic and punctuation text, one to three
/// strings, read back string for string (§6.4.16: each string's UTF-8, then a NUL).
#[test]
fn tahu_java_string_arrays_of_non_ascii_text() {
    let japanese = "日本人 中國的 ~=[]()%+{}@;";
    for strings in [
        vec![japanese],
        vec![japanese, "漢字"],
        vec!["漢字", japanese],
        vec!["ناطرريننهمم ع نااارررر", "漢字", japanese],
    ] {
        let mut bytes = Vec::new();
        for s in &strings {
            bytes.extend_from_slice(s.as_bytes());
            bytes.push(0);
        }
        let Ok(Value::StringArray(a)) = bytes_as(33, &bytes) else {
            panic!("{strings:?}")
        };
        assert_eq!(a.iter().collect::<Vec<_>>(), strings);
    }
}

/// Tahu Java `java/lib/core/src/test/java/org/eclipse/tahu/test/SequenceTest.java`: a payload
/// with timestamp 0 and no seq, seq 0, seq 1, as its encoder writes them (fields 1 and 3 present
/// even when 0: proto2 presence); read with the same presence.
#[test]
fn tahu_java_sequence_presence() {
    for (hex, seq) in [("0800", None), ("08001800", Some(0)), ("08001801", Some(1))] {
        let bytes = m2m_core::hex::decode(hex).unwrap();
        let view = PayloadView::new(&bytes).unwrap();
        assert_eq!((view.timestamp(), view.seq()), (Some(0), seq), "{hex}");
        assert_eq!(view.metric_count(), 0);
    }
}

/// Tahu Python `python/core/array_packer.py` (eclipse-tahu/tahu): the numeric and DateTime
/// arrays are `struct.pack('<…')`, little-endian as §6.4.16 gives them, and read back here the
/// same. Its BooleanArray packs the first value into the lowest bit of each byte, where the
/// §6.4.16 example ([false, false, true, true, false, true, false, false, true, true, false,
/// true] as 0C 00 00 00 34 D0) puts it in the highest; and its StringArray writes each string
/// as the hex text of its UTF-8. Both are Tahu Python's departures from the specification: we
/// read the specification's bytes, so Tahu Python's read as other values.
#[test]
fn tahu_python_array_packer() {
    // convert_to_packed_int16_array([-1, 2]), ..._uint32_array([1, 4294967295]),
    // ..._float_array([1.5]), ..._double_array([-2.0]), ..._datetime_array([1, 1700000000000]).
    let Ok(Value::Int16Array(a)) = bytes_as(23, &[0xFF, 0xFF, 0x02, 0x00]) else {
        panic!()
    };
    assert_eq!(a.iter().collect::<Vec<_>>(), [-1, 2]);
    let Ok(Value::UInt32Array(a)) = bytes_as(28, &[1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]) else {
        panic!()
    };
    assert_eq!(a.iter().collect::<Vec<_>>(), [1, u32::MAX]);
    let Ok(Value::FloatArray(a)) = bytes_as(30, &[0, 0, 0xC0, 0x3F]) else {
        panic!()
    };
    assert_eq!(a.iter().collect::<Vec<_>>(), [1.5]);
    let Ok(Value::DoubleArray(a)) = bytes_as(31, &[0, 0, 0, 0, 0, 0, 0, 0xC0]) else {
        panic!()
    };
    assert_eq!(a.iter().collect::<Vec<_>>(), [-2.0]);
    let mut dt = 1u64.to_le_bytes().to_vec();
    dt.extend_from_slice(&1_700_000_000_000u64.to_le_bytes());
    let Ok(Value::DateTimeArray(a)) = bytes_as(34, &dt) else {
        panic!()
    };
    assert_eq!(a.iter().collect::<Vec<_>>(), [1, 1_700_000_000_000]);
    // The §6.4.16 BooleanArray as Tahu Python packs it: 0C 00 00 00 2C 0B.
    let spec = [
        false, false, true, true, false, true, false, false, true, true, false, true,
    ];
    let Ok(Value::BooleanArray(b)) = bytes_as(32, &[12, 0, 0, 0, 0x2C, 0x0B]) else {
        panic!()
    };
    let read: Vec<bool> = b.iter().collect();
    assert_eq!(read.len(), 12);
    assert_ne!(read, spec);
    let Ok(Value::BooleanArray(b)) = bytes_as(32, &[12, 0, 0, 0, 0x34, 0xD0]) else {
        panic!()
    };
    assert_eq!(b.iter().collect::<Vec<_>>(), spec);
    // convert_to_packed_string_array(["ab"]): "6162" then NUL, read as the text "6162".
    let Ok(Value::StringArray(s)) = bytes_as(33, b"6162\0") else {
        panic!()
    };
    assert_eq!(s.iter().collect::<Vec<_>>(), ["6162"]);
}

/// benthos-umh `sparkplug_plugin/test_vectors.go` (united-manufacturing-hub/benthos-umh,
/// generated by its gen-vectors tool; base64 there, hex here): NBIRTH_V1, NDATA_V1, NDEATH_V1
/// and the edge cases NDATA_GAP, NDATA_BEFORE_BIRTH, NDATA_WRAPAROUND decode to the metrics
/// its `payload_test.go` expects (counts, seq, bdSeq first, aliases without names in NDATA),
/// and NBIRTH_LARGE (`tests/data/benthos_umh_nbirth_large.hex`) holds its 102 metrics, each
/// named and aliased (`Metric_i`, alias i, the Double 1.5 i). Agree. Our validator reports what Sparkplug 3.0 says of them: no metric carries a
/// timestamp, which NBIRTH and NDATA metrics MUST (`tck-id-payloads-name-birth-data-requirement`);
/// the NBIRTH gives Node Control/Rebirth an alias
/// (`tck-id-operational-behavior-data-commands-rebirth-name-aliases`); NDEATH_V1 carries a seq
/// (`tck-id-payloads-ndeath-seq`). These are the generator's departures, not ours.
#[test]
fn benthos_umh_test_vectors() {
    use m2m_sparkplug::MessageType;
    use m2m_sparkplug::validate::{Context, Rule, validate_all};
    let ts = 1_750_855_643_474_u64;
    decodes_to(
        "NBIRTH_V1",
        "08d2e283b9fa32120d0a056264536571100120085858121c0a144e6f646520436f6e74726f6c2f526562697274681002200b7000121a0a0b54656d70657261747572651064200a6900000000008035401800",
        &json!({"timestamp": ts, "seq": 0, "metrics": [
            {"name": "bdSeq", "alias": 1, "datatype": "UInt64", "value": 88},
            {"name": "Node Control/Rebirth", "alias": 2, "datatype": "Boolean", "value": false},
            {"name": "Temperature", "alias": 100, "datatype": "Double", "value": 21.5},
        ]}),
    );
    decodes_to(
        "NDEATH_V1",
        "08d2e283b9fa32120d0a0562645365711000200858001800",
        &json!({"timestamp": ts, "seq": 0, "metrics": [
            {"name": "bdSeq", "alias": 0, "datatype": "UInt64", "value": 0},
        ]}),
    );
    for (label, hex, value, seq) in [
        (
            "NDATA_V1",
            "08d2e283b9fa32120d1064200a6900000000008036401801",
            22.5,
            1,
        ),
        (
            "NDATA_GAP",
            "08d2e283b9fa32120d1064200a690000000000003b401805",
            27.0,
            5,
        ),
        (
            "NDATA_BEFORE_BIRTH",
            "08d2e283b9fa32120d1064200a6900000000000039401801",
            25.0,
            1,
        ),
        (
            "NDATA_WRAPAROUND",
            "08d2e283b9fa32120d1064200a690000000000003e401800",
            30.0,
            0,
        ),
    ] {
        decodes_to(
            label,
            hex,
            &json!({"timestamp": ts, "seq": seq, "metrics": [
                {"alias": 100, "datatype": "Double", "value": value},
            ]}),
        );
        let bytes = m2m_core::hex::decode(hex).unwrap();
        let view = PayloadView::new(&bytes).unwrap();
        assert!(
            view.metrics().next().unwrap().unwrap().name().is_none(),
            "{label}"
        );
        let found = validate_all(&view, MessageType::NData, &Context::default()).unwrap();
        let found: Vec<Rule> = found.iter().map(|v| v.rule).collect();
        assert_eq!(found, [Rule::MetricTimestamp], "{label}");
    }
    let rules = |hex: &str, t| {
        let bytes = m2m_core::hex::decode(hex).unwrap();
        let view = PayloadView::new(&bytes).unwrap();
        validate_all(&view, t, &Context::default())
            .unwrap()
            .iter()
            .map(|v| v.rule)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rules(
            "08d2e283b9fa32120d0a056264536571100120085858121c0a144e6f646520436f6e74726f6c2f526562697274681002200b7000121a0a0b54656d70657261747572651064200a6900000000008035401800",
            MessageType::NBirth
        ),
        [
            Rule::MetricTimestamp,
            Rule::MetricTimestamp,
            Rule::MetricTimestamp,
            Rule::RebirthAlias
        ]
    );
    assert_eq!(
        rules(
            "08d2e283b9fa32120d0a0562645365711000200858001800",
            MessageType::NDeath
        ),
        [Rule::NDeathSeq]
    );
    let text = include_str!("data/benthos_umh_nbirth_large.hex");
    let bytes = m2m_core::hex::decode(&text.split_whitespace().collect::<String>()).unwrap();
    let view = PayloadView::new(&bytes).unwrap();
    view.check().unwrap();
    assert_eq!(view.metric_count(), 102);
    for (i, m) in view.metrics().enumerate().skip(2) {
        let m = m.unwrap();
        let n = u32::try_from(i - 1).unwrap();
        assert_eq!(m.name(), Some(format!("Metric_{n}").as_str()));
        assert_eq!(m.alias(), Some(u64::from(n)));
        assert_eq!(m.value().unwrap(), Value::Double(1.5 * f64::from(n)));
    }
}

/// mqtt-spb-wrapper `tests/test_spb_base_SpbPayloadParser.py` (javier-fg/mqtt-spb-wrapper
/// 01454ee) `test_parse_complex_payload`: its literal payload, timestamp 1729453899362 and seq 0,
/// with Int64 `value` 0, UInt16 `uint16` 125, Bytes 01 02 03 04, a DateTime, a File of text and
/// a UUID, each stamped 1729453899362, decodes to the values its parser expects.
#[test]
fn mqtt_spb_wrapper_complex_payload() {
    let ts = 1_729_453_899_362_u64;
    decodes_to(
        "mqtt-spb-wrapper test_parse_complex_payload",
        "08e2fcf0dbaa3212120a0576616c756518e2fcf0dbaa322004580012130a0675696e74313618e2fcf0dbaa3220\
         06507d12170a05627974657318e2fcf0dbaa32201182010401020304121a0a086461746574696d6518e2fcf0dbaa\
         32200d58e2fcf0dbaa32123d0a0466696c6518e2fcf0dbaa32201282012b7061686f5f6d7174743d3d312e362e31\
         0a70616e6461733d3d312e342e310a507959414d4c3d3d362e300a12350a047575696418e2fcf0dbaa32200f7a24\
         31643235383830372d393732332d343438302d393961342d6633626361653030653136391800",
        &json!({"timestamp": ts, "seq": 0, "metrics": [
            {"name": "value", "timestamp": ts, "datatype": "Int64", "value": 0},
            {"name": "uint16", "timestamp": ts, "datatype": "UInt16", "value": 125},
            {"name": "bytes", "timestamp": ts, "datatype": "Bytes", "value": "01020304"},
            {"name": "datetime", "timestamp": ts, "datatype": "DateTime", "value": ts},
            {"name": "file", "timestamp": ts, "datatype": "File",
                "value": m2m_core::hex::encode(b"paho_mqtt==1.6.1\npandas==1.4.1\nPyYAML==6.0\n")},
            {"name": "uuid", "timestamp": ts, "datatype": "UUID",
                "value": "1d258807-9723-4480-99a4-f3bcae00e169"},
        ]}),
    );
}

/// mqtt-spb-wrapper `test_parse_empty_payload`, `test_parse_invalid_payload`,
/// `test_parse_online_offline_payload` and `tests/test_mqtt_spb_entity_MqttSpbEntity.py`
/// `test_mqtt_on_message_state`:
/// - the empty payload (`Payload().SerializeToString()`) is no payload to its parser; to the
///   protobuf schema (Sparkplug 3.0 §6.4.1, every field optional) it is a payload with no fields,
///   as read here;
/// - `invalid_payload_data` is refused by both;
/// - `ONLINE` and `OFFLINE` are Sparkplug 2.2 STATE payloads: read by `StateMessage::parse_v2`,
///   refused as protobuf payloads and as 3.0 JSON STATE payloads (§4.2.3 asks for JSON);
/// - its STATE topic `spBv1.0/Group1/STATE/SCADA` is neither 3.0's `spBv1.0/STATE/<host_id>`
///   (§4.1.3) nor 2.2's `STATE/<host_id>`: it reads here as a message topic of type STATE (§4.1.2
///   lists it among the types without a device id), not as a host application's state topic.
#[test]
fn mqtt_spb_wrapper_payloads_and_state() {
    use m2m_sparkplug::state::StateMessage;
    use m2m_sparkplug::topic::{MessageType, Topic};
    let empty = PayloadView::new(&[]).unwrap();
    empty.check().unwrap();
    assert_eq!(empty.metrics().count(), 0);
    assert!(PayloadView::new(b"invalid_payload_data").is_err());
    for (text, online) in [(&b"ONLINE"[..], true), (b"OFFLINE", false)] {
        assert!(PayloadView::new(text).is_err());
        assert!(StateMessage::parse(text).is_err());
        assert_eq!(StateMessage::parse_v2(text).unwrap().online, online);
    }
    let Ok(Topic::Message(m)) = Topic::parse("spBv1.0/Group1/STATE/SCADA") else {
        panic!("not a message topic")
    };
    assert_eq!(
        (m.group, m.message_type, m.edge_node, m.device),
        ("Group1", MessageType::Unknown("STATE"), "SCADA", None)
    );
    let Ok(Topic::Message(m)) = Topic::parse("spBv1.0/Group1/NCMD/EoN1") else {
        panic!("not a message topic")
    };
    assert_eq!(m.message_type, MessageType::NCmd);
}

/// Topics from the peers' tests:
/// - mqtt-spb-wrapper `tests/test_spb_base_SpbTopic.py`: `spBv1.0/Group-001/DBIRTH/Gateway-001/
///   SimpleEoND-01` reads as its parts and formats back the same. It also takes
///   `spBv1.0/Group-001/DBIRTH` (no edge node) and `spBv1.0/Group-001/DBIRTH/Gateway-001` (a
///   DBIRTH without device): Sparkplug 3.0 §4.1.1 requires the edge node id, and the device id
///   with every D* type (`tck-id-topic-structure-namespace-device-id-associated-message-types`),
///   so both are refused here; its malformed topics are refused by both.
/// - pysparkplug `test/unit_tests/test_topic.py` (matteosox/pysparkplug 957b5b8): NCMD, DCMD and
///   3.0 STATE topics of its ids read back; its `Topic` also builds subscription filters
///   (`spBv1.0/#`, `spBv1.0/STATE/#`, `+` for the device or the message type), which are no
///   topic names (MQTT 5.0 §4.7.1: wildcards only in filters; Sparkplug §4.1.1 reserves `+` and
///   `#`) and are refused by this parser of names, as is its invalid id `+/sfddd#` and the
///   namespace `notspBv1.0`.
/// - Eclipse Tahu C `c/core/test/test.c` (eclipse/tahu 5736e40): group `Sparkplug B Devices`,
///   edge node `C Edge Node 1`, device `Emulated Device`: spaces are valid in ids (§4.1.1
///   reserves only `+`, `/` and `#`); its NCMD subscription `.../NCMD/C Edge Node 1/#` is a
///   filter, refused as a name.
#[test]
fn peer_topics() {
    use m2m_sparkplug::topic::{MessageTopic, MessageType, StateVersion, Topic};
    fn msg(t: &str) -> MessageTopic<'_> {
        match Topic::parse(t) {
            Ok(Topic::Message(m)) => m,
            other => panic!("{t}: {other:?}"),
        }
    }
    for (t, want) in [
        (
            "spBv1.0/Group-001/DBIRTH/Gateway-001/SimpleEoND-01",
            MessageTopic {
                group: "Group-001",
                message_type: MessageType::DBirth,
                edge_node: "Gateway-001",
                device: Some("SimpleEoND-01"),
            },
        ),
        (
            "spBv1.0/my_group_id/NCMD/my_edge_node_id",
            MessageTopic {
                group: "my_group_id",
                message_type: MessageType::NCmd,
                edge_node: "my_edge_node_id",
                device: None,
            },
        ),
        (
            "spBv1.0/my_group_id/DCMD/my_edge_node_id/my_device_id",
            MessageTopic {
                group: "my_group_id",
                message_type: MessageType::DCmd,
                edge_node: "my_edge_node_id",
                device: Some("my_device_id"),
            },
        ),
        (
            "spBv1.0/Sparkplug B Devices/DDATA/C Edge Node 1/Emulated Device",
            MessageTopic {
                group: "Sparkplug B Devices",
                message_type: MessageType::DData,
                edge_node: "C Edge Node 1",
                device: Some("Emulated Device"),
            },
        ),
        (
            "spBv1.0/Sparkplug B Devices/NDEATH/C Edge Node 1",
            MessageTopic {
                group: "Sparkplug B Devices",
                message_type: MessageType::NDeath,
                edge_node: "C Edge Node 1",
                device: None,
            },
        ),
        (
            "spBv1.0/Sparkplug B Devices/NBIRTH/C Edge Node 1",
            MessageTopic {
                group: "Sparkplug B Devices",
                message_type: MessageType::NBirth,
                edge_node: "C Edge Node 1",
                device: None,
            },
        ),
    ] {
        let m = msg(t);
        assert_eq!(m, want, "{t}");
        let mut out = [0u8; 128];
        assert_eq!(Topic::Message(m).format(&mut out).unwrap(), t);
    }
    assert_eq!(
        Topic::parse("spBv1.0/STATE/my_sparkplug_host_id").unwrap(),
        Topic::State {
            host: "my_sparkplug_host_id",
            version: StateVersion::V3
        }
    );
    for t in [
        "spBv1.0/Group-001/DBIRTH",
        "spBv1.0/Group-001/DBIRTH/Gateway-001",
        "spBv1.0_Group-001/DBIRTH_Gateway-001/SimpleEoND-01",
        "invalid_topic_string",
        "spBv1.0/#",
        "spBv1.0/STATE/#",
        "spBv1.0/my_group_id/DCMD/my_edge_node_id/+",
        "spBv1.0/my_group_id/+/my_edge_node_id/my_device_id",
        "spBv1.0/+/sfddd#/NBIRTH/e",
        "spBv1.0/g/NBIRTH/+/sfddd#",
        "spBv1.0/STATE/+/sfddd#",
        "notspBv1.0/#",
        "spBv1.0/Sparkplug B Devices/NCMD/C Edge Node 1/#",
        "spBv1.0/Sparkplug B Devices/DCMD/C Edge Node 1/#",
    ] {
        assert!(Topic::parse(t).is_err(), "{t}");
    }
}

/// pysparkplug `test/unit_tests/test_metric.py` `test_array_null_handling`: a StringArray of
/// one empty string, of two, and `"", "test", ""` is no null; its bytes (§6.4.16: each
/// string's UTF-8 and a NUL) read back the same strings.
#[test]
fn pysparkplug_string_arrays_of_empty_strings() {
    let strings = |b: &'static [u8]| StrArray::new(b).unwrap().iter().collect::<Vec<_>>();
    assert_eq!(strings(b"\0"), [""]);
    assert_eq!(strings(b"\0\0"), ["", ""]);
    assert_eq!(strings(b"\0test\0\0"), ["", "test", ""]);
}

/// sparkplug-rs `tests/topic_tests.rs`, `tests/payload_tests.rs` (jsulmont/sparkplug-rs
/// a967e70) and srad `srad-types/src/utils.rs` `validate_name` tests (dpazj/srad e82a1c5):
/// - the topics sparkplug-rs reads (N* and D* types, the 2.2 `STATE/ScadaHost01`, ids with `-`
///   and `_`) read the same here and format back; those it refuses for a bad namespace, a
///   missing edge node, a DBIRTH without device or an NDATA with one are refused here too;
/// - `spBv1.0/Energy/UNKNOWN/Node1` is refused by sparkplug-rs; §4.1.2 lists the message types
///   but gives a receiver no rule for another, and this parser keeps one as
///   `MessageType::Unknown` (documented on `MessageType`) for the caller to drop;
/// - `FF FF FF FF` is no payload for either;
/// - sparkplug-rs refuses a NUL in a metric name or String value (its C strings); a protobuf
///   string is any UTF-8 and Sparkplug 3.0 §6.4 adds no rule against NUL there, so both read
///   here (a NUL is refused in topic ids, where MQTT 5.0 §1.5.4 forbids it, and is the separator
///   of StringArray elements, §6.4.16);
/// - srad's `validate_name`: `hello`, `hello123`, `hello_world` valid; empty and any of `+`,
///   `/`, `#` invalid, as `topic::check_id` says.
#[test]
fn sparkplug_rs_and_srad_topics_and_names() {
    use m2m_sparkplug::topic::{MessageType, Part, StateVersion, Topic, check_id};
    for (t, ty, group, node, device) in [
        (
            "spBv1.0/Energy/NBIRTH/Gateway01",
            MessageType::NBirth,
            "Energy",
            "Gateway01",
            None,
        ),
        (
            "spBv1.0/Manufacturing/NDEATH/Node1",
            MessageType::NDeath,
            "Manufacturing",
            "Node1",
            None,
        ),
        (
            "spBv1.0/Production/NDATA/EdgeNode01",
            MessageType::NData,
            "Production",
            "EdgeNode01",
            None,
        ),
        (
            "spBv1.0/Energy/NCMD/Gateway01",
            MessageType::NCmd,
            "Energy",
            "Gateway01",
            None,
        ),
        (
            "spBv1.0/Energy/DBIRTH/Gateway01/Sensor01",
            MessageType::DBirth,
            "Energy",
            "Gateway01",
            Some("Sensor01"),
        ),
        (
            "spBv1.0/Factory/DDEATH/Node1/Device1",
            MessageType::DDeath,
            "Factory",
            "Node1",
            Some("Device1"),
        ),
        (
            "spBv1.0/Plant/DDATA/Gateway/Sensor",
            MessageType::DData,
            "Plant",
            "Gateway",
            Some("Sensor"),
        ),
        (
            "spBv1.0/Control/DCMD/Node1/Actuator1",
            MessageType::DCmd,
            "Control",
            "Node1",
            Some("Actuator1"),
        ),
        (
            "spBv1.0/Group-1/NDATA/Node_01",
            MessageType::NData,
            "Group-1",
            "Node_01",
            None,
        ),
    ] {
        let Ok(topic @ Topic::Message(m)) = Topic::parse(t) else {
            panic!("{t}")
        };
        assert_eq!(
            (m.message_type, m.group, m.edge_node, m.device),
            (ty, group, node, device),
            "{t}"
        );
        let mut out = [0u8; 96];
        assert_eq!(topic.format(&mut out).unwrap(), t);
    }
    let state = Topic::parse("STATE/ScadaHost01").unwrap();
    assert_eq!(
        state,
        Topic::State {
            host: "ScadaHost01",
            version: StateVersion::V2
        }
    );
    let mut out = [0u8; 32];
    assert_eq!(state.format(&mut out).unwrap(), "STATE/ScadaHost01");
    for t in [
        "invalid/Energy/NDATA/Node1",
        "spBv1.0/Energy/NDATA",
        "spBv1.0/Energy/DBIRTH/Node1",
        "spBv1.0/Energy/DDATA/Node1",
        "spBv1.0/Energy/NDATA/Node1/Device1",
    ] {
        assert!(Topic::parse(t).is_err(), "{t}");
    }
    let Ok(Topic::Message(m)) = Topic::parse("spBv1.0/Energy/UNKNOWN/Node1") else {
        panic!("UNKNOWN")
    };
    assert_eq!(m.message_type, MessageType::Unknown("UNKNOWN"));
    assert!(PayloadView::new(&[0xFF, 0xFF, 0xFF, 0xFF]).is_err());
    // Metric name "test\0name", datatype String, value "hello\0world".
    decodes_to(
        "NUL in a name and a String",
        "121a 0a0974657374006e616d65 200c 7a0b68656c6c6f00776f726c64",
        &json!({"metrics": [{"name": "test\u{0}name", "datatype": "String", "value": "hello\u{0}world"}]}),
    );
    for name in ["hello", "hello123", "hello_world"] {
        assert_eq!(check_id(name, Part::EdgeNode), Ok(()), "{name}");
    }
    for name in [
        "",
        "hello+world",
        "hello/world",
        "hello#world",
        "hello+/world",
        "hello+/#world",
    ] {
        assert!(check_id(name, Part::EdgeNode).is_err(), "{name}");
    }
}

/// pysparkplug `test/unit_tests/test_datatype.py` (matteosox/pysparkplug 957b5b8)
/// `test_integer_encoding` and `test_decoder_errors`, with its `_datatype.py` encodings: each
/// integer type's minimum and maximum read back (the signed narrow types as their own width's
/// two's complement in `int_value`, e.g. Int8 -128 as 0x80, which is also read here in the
/// 32-bit sign style 0xFFFFFF80 Tahu Java writes); an Int8 `int_value` of 512 (`2**9`) is out of
/// range for both, as are UInt8 256 and UInt16 65536; an Int16Array of one byte is refused by
/// both. Its BooleanArray packs the first value into the highest bit, as §6.4.16 does.
#[test]
fn pysparkplug_integer_ranges() {
    let int = |dt: u32, v: u32| Value::from_raw(dt, Some(RawValue::Int(v)), false);
    let long = |dt: u32, v: u64| Value::from_raw(dt, Some(RawValue::Long(v)), false);
    assert!(matches!(int(1, 0x80), Ok(Value::Int8(-128))));
    assert!(matches!(int(1, 0xFFFF_FF80), Ok(Value::Int8(-128))));
    assert!(matches!(int(1, 127), Ok(Value::Int8(127))));
    assert!(int(1, 512).is_err());
    assert!(matches!(int(5, 255), Ok(Value::UInt8(255))));
    assert!(int(5, 256).is_err());
    assert!(matches!(int(2, 0x8000), Ok(Value::Int16(-32768))));
    assert!(matches!(int(2, 32767), Ok(Value::Int16(32767))));
    assert!(matches!(int(6, 65535), Ok(Value::UInt16(65535))));
    assert!(int(6, 65536).is_err());
    assert!(matches!(int(3, 0x8000_0000), Ok(Value::Int32(i32::MIN))));
    assert!(matches!(int(7, u32::MAX), Ok(Value::UInt32(u32::MAX))));
    assert!(matches!(
        long(4, 0x8000_0000_0000_0000),
        Ok(Value::Int64(i64::MIN))
    ));
    assert!(matches!(long(8, u64::MAX), Ok(Value::UInt64(u64::MAX))));
    assert!(bytes_as(23, &[0x00]).is_err());
    let bools = |b: &[u8]| BoolArray::new(b).unwrap().iter().collect::<Vec<_>>();
    assert_eq!(bools(&[1, 0, 0, 0, 0x80]), [true]);
    assert_eq!(bools(&[3, 0, 0, 0, 0b1010_0000]), [true, false, true]);
}
