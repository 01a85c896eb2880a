//! Vectors from the test suites of other LwM2M implementations, each with its source: Eclipse
//! Leshan (`leshan-lwm2m-core/src/test/java/org/eclipse/leshan/core/...`), Eclipse Wakaama
//! (`tests/*.c`) and AVSystem Anjay (`tests/core/io/*.c`). The bytes and numbers are theirs;
//! what each test checks is what the source expects of the same input (a value, a path, an
//! error), unless a comment says why this crate differs and which text decides.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken vector

use m2m_lwm2m::attributes::{Attributes, Update};
use m2m_lwm2m::link::{self, Target, Version};
use m2m_lwm2m::{
    Config, DataType, Error, ObjLink, Opaque, Path, Reason, Record, Text, Value, lwm2m_cbor,
    lwm2m_json, senml_cbor, senml_etch_json, senml_json, text, tlv,
};

fn hex(s: &str) -> Vec<u8> {
    m2m_core::hex::decode(&s.split_whitespace().collect::<String>()).unwrap()
}

/// `hex`, kept for the rest of the test (values borrow their bytes).
fn bytes(s: &str) -> &'static [u8] {
    hex(s).leak()
}

fn p(s: &str) -> Path<'_> {
    Path::parse(s).unwrap()
}

fn tlv_bytes(base: &Path<'_>, recs: &[Record<'_>]) -> Vec<u8> {
    let mut out = vec![0u8; tlv::encoded_len(base, recs).unwrap()];
    tlv::encode(base, recs, &mut out).unwrap();
    out
}

/// Every record of a TLV body under `base`, or the first error.
fn tlv_all<'a>(body: &'a [u8], base: &'a str, config: Config) -> Result<Vec<Record<'a>>, Error> {
    tlv::decode(body, p(base), config).collect()
}

/// The raw bytes of a TLV record's value.
fn tlv_value<'a>(r: &Record<'a>) -> Value<'a> {
    r.value
        .unwrap()
        .typed(DataType::Opaque, &Config::STRICT)
        .unwrap()
}

fn opaque_bytes(v: Option<Value<'_>>) -> Vec<u8> {
    match v {
        Some(Value::Opaque(o)) => o.bytes().collect(),
        other => panic!("not opaque: {other:?}"),
    }
}

fn senml_json_all(body: &str) -> Result<Vec<Record<'_>>, Error> {
    senml_json::decode(body.as_bytes()).collect()
}

fn links(text: &str, config: Config) -> Result<Vec<link::ObjectLink<'_>>, Error> {
    link::parse(text, config).collect()
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

#[test]
fn link_format_leshan() {
    // Leshan `LinkParserValidationTest.parse_invalid_formats`, the inputs on the root target
    // (RFC 6690 §2: no whitespace, a value after `=`, a parameter name after `;`, nothing
    // after the last link). Each input's well-formed neighbour parses, so the refusal is the
    // fault's.
    for good in ["</>;param=123", "</>,</>", "</>"] {
        assert!(links(good, Config::STRICT).is_ok(), "{good}");
    }
    for bad in [
        "</>;=",
        "</>;param=",
        "</>; param=123",
        "</> ;param=123",
        "</>;param =123",
        "</>;param= 123",
        "</>;param=123 ",
        "</>,",
        "</>;",
        "</>, </>",
        "</> ,</>",
        " </>,</>",
        "</>,</> ",
        "</",
        "//>",
        "<>",
        "</3/0>;param=\"bar",
        "</3/0>;param=\"bar\\\"",
        "</3/0>;pąrąm",
        "</3/0>;param=ą",
    ] {
        assert!(links(bad, Config::LENIENT).is_err(), "{bad}");
    }
    // `DefaultLinkParserTest.parse_with_some_attributes`: unknown parameters, quoted or not or
    // without a value, are skipped; `ct` is kept as written.
    let l = links(
        r#"</>;rt="oma.lwm2m";ct=100;qs="quoted_string";us=unquoted_string,</1/101>,</1/102>,</2/0>,</2/1>;empty"#,
        Config::STRICT,
    )
    .unwrap();
    assert_eq!(l.len(), 5);
    assert_eq!(l[0].target, Target::Root { path: "/" });
    assert_eq!(l[0].rt, Some("oma.lwm2m"));
    assert_eq!(l[0].ct, Some("100"));
    assert_eq!(l[1].target, Target::Path(Path::instance(1, 101)));
    assert_eq!(l[4].target, Target::Path(Path::instance(2, 1)));
    assert!(l[4].attributes.is_none());
    // `parse_quoted_ver_attributes` / `parse_unquoted_ver_attributes`: `ver=2.2` is a version;
    // quoted, only when lenient (Core 1.1 §5.1.2 writes it bare).
    assert_eq!(
        links("</1>;ver=2.2", Config::STRICT).unwrap()[0].version,
        Some(Version { major: 2, minor: 2 })
    );
    assert!(links("</1>;ver=\"2.2\"", Config::STRICT).is_err());
    assert_eq!(
        links("</1>;ver=\"2.2\"", Config::LENIENT).unwrap()[0].version,
        Some(Version { major: 2, minor: 2 })
    );
    // `DefaultLwM2mLinkParserTest`: `dim` 0..=255, `ssid` 1..=65534, `pmin` needs a value.
    assert_eq!(
        links("</3/0/11>;dim=255", Config::STRICT).unwrap()[0].dim,
        Some(255)
    );
    assert!(links("</3/0/11>;dim=256", Config::STRICT).is_err());
    assert_eq!(
        links("</0/1>;ssid=1", Config::STRICT).unwrap()[0].ssid,
        Some(1)
    );
    assert!(links("</0/1>;ssid=0", Config::STRICT).is_err());
    assert_eq!(
        links("</3/0/11>;pmin=200", Config::STRICT).unwrap()[0]
            .attributes
            .pmin,
        Some(200)
    );
    assert_eq!(
        links("</3/0/11>;pmin", Config::STRICT),
        Err(Error::new(1, Reason::BadAttribute))
    );
}

#[test]
fn link_format_wakaama_registrations() {
    // Wakaama `tests/core_registration_tests.c`: a registration with `rt`, one without, and one
    // with `rt` twice, which Wakaama answers 4.00 (and so do we: a parameter LwM2M reads may
    // appear once).
    let objects = "</28180>;ver=0.4,</28152>;ver=0.2,</30000>;ver=0.1,</28181>;ver=0.2,\
        </28183>;ver=0.1,</28182>;ver=0.2,</1>,</3>;ver=1.0,</4>;ver=1.2,</5>;ver=1.0";
    let with_rt = format!(r#"</>;rt="oma.lwm2m";ct=110,{objects}"#);
    let l = links(&with_rt, Config::STRICT).unwrap();
    assert_eq!(l.len(), 11);
    assert_eq!(l[0].ct, Some("110"));
    assert_eq!(l[1].target, Target::Path(Path::object(28180)));
    assert_eq!(l[1].version, Some(Version { major: 0, minor: 4 }));
    assert_eq!(l[10].version, Some(Version::V1_0));
    let without_rt = format!("</>;ct=110,{objects}");
    let l = links(&without_rt, Config::STRICT).unwrap();
    assert_eq!(l[0].target, Target::Root { path: "/" });
    assert_eq!(l.len(), 11);
    let two_rt = format!(r#"</>;rt="oma.lwm2m";rt="oma.lwm2m";ct=110,{objects}"#);
    assert!(links(&two_rt, Config::LENIENT).is_err());
    // The test's strings end in a space (`;ver=1.0 `), which Wakaama reads past; RFC 6690 §2
    // has no whitespace, and Leshan refuses `</>,</> ` (above): refused here too.
    assert!(links(&format!("{with_rt} "), Config::LENIENT).is_err());
    // The payload of Wakaama's own client there: `ver` on an instance link, which only the
    // lenient configuration takes (Core 1.1 §5.3.1 gives `ver` to object links).
    assert!(links("</1/0>,</3/0>;ver=1.2", Config::STRICT).is_err());
    assert_eq!(
        links("</1/0>,</3/0>;ver=1.2", Config::LENIENT).unwrap()[1].version,
        Some(Version { major: 1, minor: 2 })
    );
}

#[test]
fn write_attributes_leshan() {
    // Leshan `DefaultLwM2mAttributeParserTest`: each valid query alone, then together.
    let one = |q: &str| Update::parse([q]).and_then(|u| u.apply(&Attributes::NONE));
    let set = one("pmin=30").unwrap();
    assert_eq!(set.pmin, Some(30));
    assert_eq!(one("pmax=60").unwrap().pmax, Some(60));
    assert_eq!(one("epmin=30").unwrap().epmin, Some(30));
    assert_eq!(one("epmax=60").unwrap().epmax, Some(60));
    assert_eq!(one("lt=-30.55").unwrap().lt, Some(-30.55));
    assert_eq!(one("lt=30").unwrap().lt, Some(30.0));
    assert_eq!(one("gt=-60").unwrap().gt, Some(-60.0));
    assert_eq!(one("gt=60.55").unwrap().gt, Some(60.55));
    assert_eq!(one("st=60.55").unwrap().st, Some(60.55));
    for bare in ["pmin", "pmax", "epmin", "epmax", "lt", "gt", "st"] {
        // A name without a value removes the attribute (Core 1.1 §5.4.4).
        assert_eq!(one(bare), Ok(Attributes::NONE), "{bare}");
    }
    let u = Update::parse("pmin&pmax=60&gt=2".split('&')).unwrap();
    let a = u
        .apply(&Attributes {
            pmin: Some(5),
            ..Attributes::NONE
        })
        .unwrap();
    assert_eq!((a.pmin, a.pmax, a.gt), (None, Some(60), Some(2.0)));
    // The invalid ones: refused when read (a period is a non-negative integer, a threshold a
    // number) or, for a negative step, when applied (§5.1.2: `st` is not negative).
    for q in [
        "pmin=",
        "pmin=1.9",
        "pmin=-1.8",
        "pmin=a",
        "pmax=",
        "pmax=-2",
        "pmax=2.7",
        "pmax=-2.6",
        "pmax=bc",
        "epmin=",
        "epmin=-4",
        "epmin=4.3",
        "epmin=-4.2",
        "epmin=ghij",
        "epmax=",
        "epmax=-5",
        "epmax=5.1",
        "epmax=-5.9",
        "epmax=klmno",
        "lt=",
        "lt=pqrts",
        "lt=0abc",
        "gt=",
        "gt=uvwxyz",
        "gt=0.xyz",
        "st=",
        "st=-6",
        "st=-6.8",
    ] {
        assert!(one(q).is_err(), "{q}");
    }
    // Empty queries between the `&`s.
    for q in [
        "&pmin&pmax=60&gt=2&",
        "&pmin&pmax=60&gt=2",
        "pmin&pmax=60&gt=2&",
        "pmin&pmax=60&&gt=2",
        "pmin&pmax=60&&gt=2&&&",
        "&&&pmin&pmax=60&&gt=2",
    ] {
        assert!(Update::parse(q.split('&')).is_err(), "{q}");
    }
}

/// The Device object instance as libwakaama sends it for Read /3/0 (resource TLVs, no
/// instance TLV): Leshan `TlvDecoderTest.decode_device_object` and Wakaama
/// `data_tlv_json_lwm2m_data_test.c` `test_2` carry the same bytes.
const DEVICE_TLV: &str = "C800144F70656E204D6F62696C6520416C6C69616E6365C801164C69676874776569676874\
    204D324D20436C69656E74C80209333435303030313233C303312E308606410001410105880708420\
    00ED842011388870841007D42010384C10964C10A0F830B410000C40D5182428FC60E2B30323A3030C10F55";

#[test]
fn tlv_device_object_leshan_and_wakaama() {
    let body = hex(DEVICE_TLV);
    let recs = tlv_all(&body, "/3/0", Config::STRICT).unwrap();
    let paths: Vec<String> = recs.iter().map(|r| r.path.to_string()).collect();
    assert_eq!(
        paths,
        [
            "/3/0/0",
            "/3/0/1",
            "/3/0/2",
            "/3/0/3",
            "/3/0/6/0",
            "/3/0/6/1",
            "/3/0/7/0",
            "/3/0/7/1",
            "/3/0/8/0",
            "/3/0/8/1",
            "/3/0/9",
            "/3/0/10",
            "/3/0/11/0",
            "/3/0/13",
            "/3/0/14",
            "/3/0/15"
        ]
    );
    let typed = |i: usize, ty| recs[i].value.unwrap().typed(ty, &Config::STRICT).unwrap();
    assert_eq!(
        typed(0, DataType::String),
        Value::Str(Text::Plain("Open Mobile Alliance"))
    );
    assert_eq!(typed(6, DataType::Integer), Value::Int(3800));
    assert_eq!(typed(7, DataType::Integer), Value::Int(5000));
    assert_eq!(typed(13, DataType::Time), Value::Time(1_367_491_215));
    assert_eq!(
        typed(14, DataType::String),
        Value::Str(Text::Plain("+02:00"))
    );
    assert_eq!(typed(15, DataType::String), Value::Str(Text::Plain("U")));
    // Both write it back byte for byte, and so do we (from the typed records).
    let types = [
        DataType::String,
        DataType::String,
        DataType::String,
        DataType::String,
        DataType::Integer,
        DataType::Integer,
        DataType::Integer,
        DataType::Integer,
        DataType::Integer,
        DataType::Integer,
        DataType::Integer,
        DataType::Integer,
        DataType::Integer,
        DataType::Time,
        DataType::String,
        DataType::String,
    ];
    let typed_recs: Vec<Record<'_>> = recs
        .iter()
        .zip(types)
        .map(|(r, ty)| Record::new(r.path, r.value.unwrap().typed(ty, &Config::STRICT).unwrap()))
        .collect();
    assert_eq!(tlv_bytes(&p("/3/0"), &typed_recs), body);
    // Leshan `decode_broken_tlv`: 00 11 (an empty instance 0x11), then an instance TLV whose
    // resource TLVs run past its end.
    assert!(tlv_all(bytes("0011223344556677889900"), "/3", Config::LENIENT).is_err());
}

#[test]
fn tlv_structure_leshan() {
    // Leshan `LwM2mNodeDecoderTest`, the TLVs its tests build, as bytes.
    // `tlv_invalid_object_2_instances_with_the_same_id`: two empty instance TLVs with id 1.
    assert_eq!(
        tlv_all(bytes("0001 0001"), "/2", Config::LENIENT),
        Err(Error::new(2, Reason::UnexpectedPath))
    );
    // `tlv_invalid_object__instance_2_resources_with_the_same_id`: two empty resources 1.
    assert_eq!(
        tlv_all(bytes("C001 C001"), "/3/0", Config::LENIENT),
        Err(Error::new(2, Reason::UnexpectedPath))
    );
    // `tlv_invalid_multi_resource_2_instance_with_the_same_id`: /3/0/22 with two instances 0
    // (object links 100:1 and 101:2).
    assert_eq!(
        tlv_all(
            bytes("88160C 4400 00640001 4400 00650002"),
            "/3/0/22",
            Config::LENIENT
        ),
        Err(Error::new(9, Reason::UnexpectedPath))
    );
    // `tlv_resource_with_undesired_object_instance`: Read /3/0/1 answered inside an instance
    // TLV 0: the lenient reading unwraps it; strictly it is not the resource's answer
    // (Core 1.1 §7.4.3). `..._undesired_invalid_object_instance`: instance 1, refused.
    let wrapped = hex("0800 08 C601 636C69656E74");
    assert!(tlv_all(&wrapped, "/3/0/1", Config::STRICT).is_err());
    let recs = tlv_all(&wrapped, "/3/0/1", Config::LENIENT).unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].path, p("/3/0/1"));
    assert_eq!(
        recs[0]
            .value
            .unwrap()
            .typed(DataType::String, &Config::STRICT),
        Ok(Value::Str(Text::Plain("client")))
    );
    let other = hex("0801 08 C601 636C69656E74");
    assert!(tlv_all(&other, "/3/0/1", Config::LENIENT).is_err());
    // `tlv_empty_object` / `tlv_empty_instance` / `tlv_empty_multi_resource`: an empty body is
    // an object, instance or resource without content: no records.
    for base in ["/2", "/2/0", "/3/0/6"] {
        assert_eq!(tlv_all(&[], base, Config::STRICT), Ok(vec![]), "{base}");
    }
    // `tlv_single_instance_with_obj_link` et al. use `TlvDecoder.decodeObjlnk`:
    // `decode_object_link`: 12345678 is 0x1234:0x5678, FFFFFFFF the null link.
    assert_eq!(
        tlv::value_as(bytes("12345678"), DataType::Objlnk, &Config::STRICT),
        Ok(Value::ObjLink(ObjLink {
            object: 0x1234,
            instance: 0x5678
        }))
    );
    assert_eq!(
        tlv::value_as(bytes("FFFFFFFF"), DataType::Objlnk, &Config::STRICT),
        Ok(Value::ObjLink(ObjLink::NULL))
    );
}

#[test]
fn tlv_wakaama() {
    // Wakaama `tests/data_tlvtests.c` `test_tlv_parse`: resource 55 {1, 2, 3} alone, as the
    // answer on /1024/0/55.
    let one = hex("C337 010203");
    let recs = tlv_all(&one, "/1024/0/55", Config::STRICT).unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(opaque_bytes(Some(tlv_value(&recs[0]))), [1, 2, 3]);
    // Instance 0x203 (16-bit id) holding resource 55 {1, 2, 3} and 66 {4 .. 12}.
    let two = hex("280203 11 C337 010203 C842 09 0405060708090A0B0C");
    let recs = tlv_all(&two, "/1024", Config::STRICT).unwrap();
    assert_eq!(recs[0].path, p("/1024/515/55"));
    assert_eq!(recs[1].path, p("/1024/515/66"));
    assert_eq!(
        opaque_bytes(Some(tlv_value(&recs[1]))),
        (4..=12).collect::<Vec<u8>>()
    );
    // Instance 11 holding multiple resource 77 with instance 0 {1, 2, 3} and instance 1 of
    // 160 bytes (4 .. 9, then zeros): lengths in one byte.
    let mut three = hex("080BAB 884DA8 4300010203 4801A0 040506070809");
    three.resize(174, 0);
    let recs = tlv_all(&three, "/1024", Config::STRICT).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].path, p("/1024/11/77/0"));
    assert_eq!(recs[1].path, p("/1024/11/77/1"));
    let mut long = vec![4u8, 5, 6, 7, 8, 9];
    long.resize(160, 0);
    assert_eq!(opaque_bytes(Some(tlv_value(&recs[1]))), long);
    // `test_tlv_serialize`: instance 3 with resource 66 = 01020304 and multiple resource 77
    // whose instance 0 holds 170 bytes (5, 6, 7, 8, then zeros); Wakaama's bytes, and ours.
    let mut big = vec![5u8, 6, 7, 8];
    big.resize(170, 0);
    let recs = [
        Record::new(p("/1024/3/66"), Value::Opaque(Opaque::Raw(&[1, 2, 3, 4]))),
        Record::new(p("/1024/3/77/0"), Value::Opaque(Opaque::Raw(&big))),
    ];
    let mut want = hex("0803B6 C442 01020304 884DAD 4800AA");
    want.extend_from_slice(&big);
    assert_eq!(tlv_bytes(&p("/1024"), &recs), want);
    // `test_tlv_int` / `test_tlv_uint`: EDCC is -0x1234 as an Integer and 0xEDCC as an
    // Unsigned Integer; 8 bytes from 0x7F.. and 0x8F.. likewise.
    let v = |h: &str, ty| tlv::value_as(bytes(h), ty, &Config::STRICT);
    assert_eq!(v("EDCC", DataType::Integer), Ok(Value::Int(-0x1234)));
    assert_eq!(
        v("EDCC", DataType::UnsignedInteger),
        Ok(Value::Uint(0xEDCC))
    );
    assert_eq!(
        v("7F34567891223344", DataType::Integer),
        Ok(Value::Int(0x7F34_5678_9122_3344))
    );
    assert_eq!(
        v("8F34567891223344", DataType::UnsignedInteger),
        Ok(Value::Uint(0x8F34_5678_9122_3344))
    );
    // `test_tlv_bool`: 00 and 01.
    assert_eq!(v("00", DataType::Boolean), Ok(Value::Bool(false)));
    assert_eq!(v("01", DataType::Boolean), Ok(Value::Bool(true)));
    // `data_tlv_json_lwm2m_data_test.c` `test_1`: Read /o answered with three instances
    // 10, 11, 12, each with resource 1 of one byte, written back the same.
    let body = hex("030AC10114 030BC10115 030CC10116");
    let recs = tlv_all(&body, "/1024", Config::STRICT).unwrap();
    let typed: Vec<Record<'_>> = recs
        .iter()
        .map(|r| {
            Record::new(
                r.path,
                r.value
                    .unwrap()
                    .typed(DataType::Integer, &Config::STRICT)
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        typed,
        [
            Record::new(p("/1024/10/1"), Value::Int(0x14)),
            Record::new(p("/1024/11/1"), Value::Int(0x15)),
            Record::new(p("/1024/12/1"), Value::Int(0x16)),
        ]
    );
    assert_eq!(tlv_bytes(&p("/1024"), &typed), body);
}

#[test]
fn tlv_anjay() {
    // Anjay `tests/core/io/tlv_in.c` / `tlv_out.c`: the header of every identifier and length
    // width, read on /3/4 and written by us the same (a String resource, its value the text).
    let cases: [(&str, &str, usize); 8] = [
        ("C700", "/3/4/0", 7),
        ("E7A410", "/3/4/42000", 7),
        ("C8FF08", "/3/4/255", 8),
        ("E8FFFE08", "/3/4/65534", 8),
        ("D02A03E8", "/3/4/42", 1000),
        ("F0A5B403E8", "/3/4/42420", 1000),
        ("D8450186A0", "/3/4/69", 100_000),
        ("F801020186A0", "/3/4/258", 100_000),
    ];
    for (head, path, len) in cases {
        let value: Vec<u8> = b"0123456789".iter().copied().cycle().take(len).collect();
        let mut body = hex(head);
        body.extend_from_slice(&value);
        let recs = tlv_all(&body, "/3/4", Config::STRICT).unwrap();
        assert_eq!(recs.len(), 1, "{head}");
        assert_eq!(recs[0].path, p(path));
        assert_eq!(opaque_bytes(Some(tlv_value(&recs[0]))), value);
        let s = core::str::from_utf8(&value).unwrap();
        let rec = [Record::new(p(path), Value::Str(Text::Plain(s)))];
        assert_eq!(tlv_bytes(&p("/3/4"), &rec), body, "{head}");
    }
    // `id_too_short`, `length_too_short`: a header cut short.
    assert!(tlv_all(bytes("E7"), "/3/4", Config::LENIENT).is_err());
    assert!(tlv_all(bytes("F801020186"), "/3/4", Config::LENIENT).is_err());
    // `premature_end`: a 7-byte value with fewer bytes after it.
    assert!(tlv_all(bytes("C72A 303132"), "/3/4", Config::LENIENT).is_err());
    // Integers: 1, 2, 4 or 8 bytes, two's complement; 3, 5, 6, 7 and 9 bytes refused
    // (Core 1.1 §7.4.3 Table 7.4.3-2).
    let int = |h: &str| tlv::value_as(bytes(h), DataType::Integer, &Config::STRICT);
    for (h, want) in [
        ("2A", 42),
        ("1092", 4242),
        ("00067932", 424_242),
        ("028757B2", 42_424_242),
        ("FCDE41B2", i64::from(4_242_424_242u32 as i32)),
        ("00000000FCDE41B2", 4_242_424_242),
        ("00000062C6D1A9B2", 424_242_424_242),
        ("00002695A9E649B2", 42_424_242_424_242),
        ("000F12765DF4C9B2", 4_242_424_242_424_242),
        ("05E3363CB39EC9B2", 424_242_424_242_424_242),
    ] {
        assert_eq!(int(h), Ok(Value::Int(want)), "{h}");
    }
    for h in [
        "067932",
        "62C6D1A9B2",
        "2695A9E649B2",
        "0F12765DF4C9B2",
        "0005E3363CB39EC9B2",
    ] {
        assert!(int(h).is_err(), "{h}");
    }
    let uint = |h: &str| tlv::value_as(bytes(h), DataType::UnsignedInteger, &Config::STRICT);
    assert_eq!(uint("2A"), Ok(Value::Uint(42)));
    assert_eq!(uint("FFFFFFFF"), Ok(Value::Uint(4_294_967_295)));
    assert_eq!(uint("0000000100000000"), Ok(Value::Uint(4_294_967_296)));
    assert_eq!(uint("FFFFFFFFFFFFFFFF"), Ok(Value::Uint(u64::MAX)));
    assert!(uint("067932").is_err());
    assert!(uint("0100000000").is_err());
    // Floats: 4 or 8 bytes.
    let float = |h: &str| tlv::value_as(bytes(h), DataType::Float, &Config::STRICT);
    assert_eq!(float("3F800000"), Ok(Value::Float(1.0)));
    assert_eq!(float("C7241000"), Ok(Value::Float(-42.0e3)));
    assert_eq!(float("3FF0000000000000"), Ok(Value::Float(1.0)));
    assert_eq!(float("3FF199999999999A"), Ok(Value::Float(1.1)));
    assert_eq!(float("C0E4820000000000"), Ok(Value::Float(-42.0e3)));
    for h in [
        "3F",
        "3F80",
        "3F8000",
        "3FF0000000",
        "3FF000000000",
        "3FF00000000000",
        "C0E482000000000000",
    ] {
        assert!(float(h).is_err(), "{h}");
    }
    // Booleans: one byte, 0 or 1.
    let boolean = |h: &str| tlv::value_as(bytes(h), DataType::Boolean, &Config::STRICT);
    assert_eq!(boolean("00"), Ok(Value::Bool(false)));
    assert_eq!(boolean("01"), Ok(Value::Bool(true)));
    for h in ["", "02", "0000"] {
        assert!(boolean(h).is_err(), "{h:?}");
    }
    // Object links: four bytes exactly.
    let objlnk = |h: &str| tlv::value_as(bytes(h), DataType::Objlnk, &Config::STRICT);
    for (h, object, instance) in [
        ("00000000", 0, 0),
        ("00010000", 1, 0),
        ("00000001", 0, 1),
        ("0001FFFF", 1, 65535),
        ("FFFF0001", 65535, 1),
        ("FFFFFFFF", 65535, 65535),
    ] {
        assert_eq!(
            objlnk(h),
            Ok(Value::ObjLink(ObjLink { object, instance })),
            "{h}"
        );
    }
    for h in ["00", "0000", "000000", "FFFFFFFFFF"] {
        assert!(objlnk(h).is_err(), "{h}");
    }
    // `tlv_out.c`: what Anjay writes for these values on /0/0/1, and we too.
    let out = |v: Value<'_>| {
        m2m_core::hex::encode(&tlv_bytes(&p("/0/0"), &[Record::new(p("/0/0/1"), v)]))
    };
    for (v, want) in [
        (42, "c1012a"),
        (4242, "c2011092"),
        (424_242, "c40100067932"),
        (42_424_242, "c401028757b2"),
        (-52_543_054, "c401fcde41b2"),
        (4_242_424_242, "c8010800000000fcde41b2"),
        (424_242_424_242, "c8010800000062c6d1a9b2"),
        (42_424_242_424_242, "c8010800002695a9e649b2"),
        (4_242_424_242_424_242, "c80108000f12765df4c9b2"),
        (424_242_424_242_424_242, "c8010805e3363cb39ec9b2"),
    ] {
        assert_eq!(out(Value::Int(v)), want, "{v}");
    }
    for (v, want) in [
        (42u64, "c1012a"),
        (4242, "c2011092"),
        (4_294_967_295, "c401ffffffff"),
        (4_294_967_296, "c801080000000100000000"),
        (u64::MAX, "c80108ffffffffffffffff"),
    ] {
        assert_eq!(out(Value::Uint(v)), want, "{v}");
    }
    assert_eq!(out(Value::Float(-42.0e3)), "c401c7241000");
    assert_eq!(out(Value::Float(1.0)), "c4013f800000");
    assert_eq!(out(Value::Float(1.1)), "c801083ff199999999999a");
    assert_eq!(out(Value::Bool(true)), "c10101");
    assert_eq!(out(Value::Bool(false)), "c10100");
    assert_eq!(
        out(Value::ObjLink(ObjLink {
            object: 65535,
            instance: 1
        })),
        "c401ffff0001"
    );
    // `tlv_out_array.simple`: /0/0/1 instances 42 = 69 and 514 = 696969 (a 16-bit id), then
    // /0/0/2 = 4.
    let recs = [
        Record::new(p("/0/0/1/42"), Value::Int(69)),
        Record::new(p("/0/0/1/514"), Value::Int(696_969)),
        Record::new(p("/0/0/2"), Value::Int(4)),
    ];
    assert_eq!(
        tlv_bytes(&p("/0/0"), &recs),
        hex("88010A 412A45 640202000AA289 C10204")
    );
    // `tlv_in_path`: Write on /3/4 with resource TLVs; on /3/4 inside instance 4 (kept) or
    // instance 5 (not this instance: refused); ids 65535 refused at every level; Write on
    // /3/4/5 with resource instances alone, which only the lenient reading takes (Core 1.1
    // §7.4.3: a multiple resource is answered in its Multiple Resource TLV).
    let recs = tlv_all(bytes("C1010A C1020A C1030A"), "/3/4", Config::STRICT).unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[2].path, p("/3/4/3"));
    let recs = tlv_all(bytes("0604 C1010A C1020A"), "/3/4", Config::LENIENT).unwrap();
    assert_eq!(recs[1].path, p("/3/4/2"));
    assert!(tlv_all(bytes("0305 C1010A"), "/3/4", Config::LENIENT).is_err());
    assert!(tlv_all(bytes("23FFFF C1010A"), "/3", Config::LENIENT).is_err());
    assert!(tlv_all(bytes("0405 E1FFFF0A"), "/3", Config::LENIENT).is_err());
    assert!(tlv_all(bytes("61FFFF0A"), "/5/0/1", Config::LENIENT).is_err());
    // `tlv_in_empty.empty_instances_list`: Read /3 answered with empty instances 1 and 2;
    // both are kept, as records with no value.
    let recs = tlv_all(bytes("0001 0002"), "/3", Config::STRICT).unwrap();
    assert_eq!(
        recs,
        [Record::path_only(p("/3/1")), Record::path_only(p("/3/2"))]
    );
}

#[test]
fn text_plain_anjay_and_leshan() {
    // Anjay `tests/core/io/text.c` `text_in`: integers up to the i64 range, no fraction.
    for (t, want) in [
        ("514", 514),
        ("0", 0),
        ("-1", -1),
        ("2147483647", 2_147_483_647),
        ("-2147483648", -2_147_483_648),
        ("2147483648", 2_147_483_648),
        ("-2147483649", -2_147_483_649),
        ("9223372036854775807", i64::MAX),
        ("-9223372036854775808", i64::MIN),
    ] {
        assert_eq!(
            text::value_as(t, DataType::Integer),
            Ok(Value::Int(want)),
            "{t}"
        );
    }
    for t in ["9223372036854775808", "-9223372036854775809", "1.0", "wat"] {
        assert!(text::value_as(t, DataType::Integer).is_err(), "{t}");
    }
    // Floats, with or without a fraction or an exponent.
    for (t, want) in [
        ("0", 0.0),
        ("0.0", 0.0),
        ("1", 1.0),
        ("1.0", 1.0),
        ("1.2", 1.2),
        ("1.3125", 1.3125),
        ("1.3125000", 1.3125),
        ("-10000.5", -10000.5),
        ("-10000000000000.5", -10_000_000_000_000.5),
        ("4.223e+37", 4.223e37),
        ("3.26e+218", 3.26e218),
    ] {
        assert_eq!(
            text::value_as(t, DataType::Float),
            Ok(Value::Float(want)),
            "{t}"
        );
    }
    assert!(text::value_as("wat", DataType::Float).is_err());
    // Booleans are `0` and `1` (Core 1.1 §7.4.1), nothing else.
    assert_eq!(
        text::value_as("0", DataType::Boolean),
        Ok(Value::Bool(false))
    );
    assert_eq!(
        text::value_as("1", DataType::Boolean),
        Ok(Value::Bool(true))
    );
    for t in ["2", "-1", "true", "false", "wat"] {
        assert!(text::value_as(t, DataType::Boolean).is_err(), "{t}");
    }
    // Object links `object:instance`, each 16 bits, no spaces.
    for (t, object, instance) in [
        ("0:0", 0, 0),
        ("1:0", 1, 0),
        ("0:1", 0, 1),
        ("1:65535", 1, 65535),
        ("65535:1", 65535, 1),
        ("65535:65535", 65535, 65535),
    ] {
        assert_eq!(
            text::value_as(t, DataType::Objlnk),
            Ok(Value::ObjLink(ObjLink { object, instance })),
            "{t}"
        );
    }
    for t in [
        "65536:1", "1:65536", "0: 0", "0 :0", " 0:0", "0:0 ", "", "0", "wat", "0:wat", "wat:0",
    ] {
        assert!(text::value_as(t, DataType::Objlnk).is_err(), "{t:?}");
    }
    // `text_out`: what Anjay writes, and we too.
    let out = |v: Value<'_>| {
        let mut o = vec![0u8; text::encoded_len(&v).unwrap()];
        text::encode(&v, &mut o).unwrap();
        String::from_utf8(o).unwrap()
    };
    for v in [
        -1_000_000_000_000_000_000i64,
        514,
        0,
        -1,
        2_147_483_647,
        -2_147_483_648,
    ] {
        assert_eq!(out(Value::Int(v)), v.to_string());
    }
    assert_eq!(out(Value::Uint(u64::MAX)), "18446744073709551615");
    for (v, want) in [
        (0.0, "0"),
        (1.0, "1"),
        (1.2, "1.2"),
        (1.3125, "1.3125"),
        (10000.5, "10000.5"),
    ] {
        assert_eq!(out(Value::Float(v)), want);
    }
    assert_eq!(out(Value::Bool(true)), "1");
    assert_eq!(
        out(Value::ObjLink(ObjLink {
            object: 65535,
            instance: 1
        })),
        "65535:1"
    );
    // Leshan `LwM2mNodeEncoderTest.text_encode_single_resource_float` and `..._date`.
    assert_eq!(out(Value::Float(56.4)), "56.4");
    assert_eq!(out(Value::Time(1_367_491_215)), "1367491215");
    // Leshan `LwM2mNodeDecoderTest.text_decode_opaque_from_base64_string` and
    // `text_decode_should_throw_an_exception_for_invalid_base64`: an Opaque resource in
    // text/plain is base64 (Core 1.1 §7.4.1).
    let v = text::value_as("AQIDBAU=", DataType::Opaque).unwrap();
    assert_eq!(opaque_bytes(Some(v)), [1, 2, 3, 4, 5]);
    assert!(text::value_as("!,-INVALID$_'", DataType::Opaque).is_err());
}

#[test]
fn senml_json_anjay() {
    // Anjay `tests/core/io/json_in.c`: fields in either order, resource instances, several
    // instances.
    let recs = senml_json_all(r#"[ { "v": 42, "n": "/13/26/1" } ]"#).unwrap();
    assert_eq!(recs, [Record::new(p("/13/26/1"), Value::Int(42))]);
    let recs =
        senml_json_all(r#"[ { "v": 42, "n": "/13/26/1/4" }, { "v": 43, "n": "/13/26/1/5" } ]"#)
            .unwrap();
    assert_eq!(recs[1], Record::new(p("/13/26/1/5"), Value::Int(43)));
    let recs = senml_json_all(
        r#"[ { "n": "/13/26/1", "v": 42 }, { "n": "/13/26/2", "v": 43 },
            { "n": "/13/27/3", "v": 44 }, { "n": "/13/27/4", "v": 45 } ]"#,
    )
    .unwrap();
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[3], Record::new(p("/13/27/4"), Value::Int(45)));
    // A trailing comma, a bare word, garbage after a record; ids of 65535 at each level; a
    // string for `v`.
    for body in [
        r#"[ { "n": "/13/26/1", "v": 42 }, ]"#,
        r#"[ { "n": "/13/26/1", manure } ]"#,
        r#"[ { "n": "/13/26/1", "v": 42 }, manure ]"#,
        r#"[ { "n": "/65535/1/1", "v": 42 } ]"#,
        r#"[ { "n": "/5/65535/1", "v": 42 } ]"#,
        r#"[ { "n": "/5/0/65535", "v": 42 } ]"#,
        r#"[ { "n": "/5/0/3/65535", "v": 42 } ]"#,
        r#"[ { "n": "/3/0/0/1", "v": "foo" } ]"#,
    ] {
        assert!(senml_json_all(body).is_err(), "{body}");
    }
    // `vlo`: two 16-bit decimal ids.
    let link = |v: &str| {
        let body: &'static str = format!(r#"[ {{ "n": "/13/26/1", "vlo": "{v}" }} ]"#).leak();
        senml_json::decode(body.as_bytes())
            .next()
            .unwrap()
            .map(|r| r.value)
    };
    assert_eq!(
        link("32:42532"),
        Ok(Some(Value::ObjLink(ObjLink {
            object: 32,
            instance: 42532
        })))
    );
    assert!(link("32:42foo").is_err());
    assert!(link("1:423444").is_err());
    // Numbers: `3` reads as an Integer or an Unsigned Integer; 3.1415926535 is no Integer;
    // 1.844674407370955e19 is the Unsigned Integer 2^64 - 2048, which it equals.
    let number = |n: &str, ty| {
        let body = format!(r#"[ {{ "n": "/13/26/1", "v": {n} }} ]"#);
        let v = senml_json::decode(body.as_bytes())
            .next()
            .unwrap()
            .unwrap()
            .value;
        v.unwrap()
            .typed(ty, &Config::STRICT)
            .map(|v| format!("{v:?}"))
    };
    assert_eq!(number("3", DataType::Integer), Ok("Int(3)".into()));
    assert_eq!(number("3", DataType::UnsignedInteger), Ok("Uint(3)".into()));
    assert_eq!(
        number("1.844674407370955e19", DataType::UnsignedInteger),
        Ok(format!("{:?}", Value::Uint(u64::MAX - 2047)))
    );
    assert!(number("3.1415926535", DataType::Integer).is_err());
    // `get_path_for_resource_instance_path`: a name alone, as in a Read-Composite.
    let recs = senml_json_all(r#"[ { "n": "/3/0/0/1" } ]"#).unwrap();
    assert_eq!(recs, [Record::path_only(p("/3/0/0/1"))]);
}

#[test]
fn senml_json_leshan() {
    // Leshan `LwM2mNodeDecoderTest.senml_json_decode_mixed_resource_without_given_path`: a base
    // name per resource, then one for an instance with names below it.
    let recs = senml_json_all(
        r#"[{"bn":"/4/0/0","v":45},{"bn":"/4/0/1","v":30},{"bn":"/4/0/2","v":100},
            {"bn":"/6/0/","n":"0","v":43.918998},{"n":"1","v":2.351149},{"n":"5","v":1610029880}]"#,
    )
    .unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/4/0/0"), Value::Int(45)),
            Record::new(p("/4/0/1"), Value::Int(30)),
            Record::new(p("/4/0/2"), Value::Int(100)),
            Record::new(p("/6/0/0"), Value::Float(43.918998)),
            Record::new(p("/6/0/1"), Value::Float(2.351149)),
            Record::new(p("/6/0/5"), Value::Int(1_610_029_880)),
        ]
    );
    // `senml_json_decode_multiple_resource` and `senml_json_encode_multiple_resource`.
    let recs = senml_json_all(r#"[{"bn":"/3/0/7/","n":"0","v":3800},{"n":"1","v":5000}]"#).unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/3/0/7/0"), Value::Int(3800)),
            Record::new(p("/3/0/7/1"), Value::Int(5000)),
        ]
    );
    // `senml_timestamped_Object`: a base time and relative times, instances 0 and 1.
    let recs = senml_json_all(
        r#"[{"bn":"/1024/","bt":268600000,"n":"0/1","v":22.9},{"n":"0/0","vs":"a string","t":-50},
            {"n":"1/1","v":23,"t":-50},{"n":"0/1","v":24.1,"t":-5}]"#,
    )
    .unwrap();
    let times: Vec<_> = recs.iter().map(|r| (r.path.to_string(), r.time)).collect();
    assert_eq!(
        times,
        [
            ("/1024/0/1".into(), Some(268_600_000.0)),
            ("/1024/0/0".into(), Some(268_599_950.0)),
            ("/1024/1/1".into(), Some(268_599_950.0)),
            ("/1024/0/1".into(), Some(268_599_995.0)),
        ]
    );
    // `senml_encode_timestamped_resources`: Leshan's text, a base name and time per record.
    let recs = senml_json_all(
        r#"[{"bn":"/1024/0/1","bt":268500000,"v":22.9},{"bn":"/1024/0/1","bt":268500010,"v":22.4},
            {"bn":"/1024/0/1","bt":268500020,"v":24.1}]"#,
    )
    .unwrap();
    assert_eq!(
        recs[2],
        Record::new(p("/1024/0/1"), Value::Float(24.1)).at(268_500_020.0)
    );
    // `senml_json_decode_path_using_name` / `..._using_base_name`: the paths of a
    // Read-Composite, as SenML-ETCH FETCH records.
    let want = [
        Record::path_only(p("/4/0/0")),
        Record::path_only(p("/4/0/1")),
        Record::path_only(p("/4/0/2")),
    ];
    for body in [
        r#"[{"n":"/4/0/0"},{"n":"/4/0/1"},{"n":"/4/0/2"}]"#,
        r#"[{"bn":"/4/0/", "n":"0"},{"n":"1"},{"n":"2"}]"#,
    ] {
        let got: Vec<Record<'_>> = senml_etch_json::decode_fetch(body.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got, want, "{body}");
    }
    // `senml_json_decode_invalid_path_with_value`: a value in a FETCH record is refused
    // (RFC 8790 §4.1).
    let body = r#"[{"bn":"/4/0/", "n":"0"},{"n":"1", "v":200},{"n":"2"}]"#;
    assert!(
        senml_etch_json::decode_fetch(body.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .is_err()
    );
    // `senml_json_decode_invalid_path_with_timestamp`: Leshan refuses a time there too; RFC
    // 8790 §4.1 lets a Fetch Record carry a name and a time (the time selects the record), so
    // it is read here.
    let body = r#"[{"bn":"/4/0/", "n":"0"},{"n":"1", "t":20000000},{"n":"2"}]"#;
    let got: Vec<Record<'_>> = senml_etch_json::decode_fetch(body.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got[1], Record::path_only(p("/4/0/1")).at(20_000_000.0));
    // `SenMLJsonSerDesTest.deserialize_opaque_object_`: `q83v` is h'ABCDEF'.
    let recs = senml_json_all(r#"[{"bn":"/0/0/3","vd":"q83v"}]"#).unwrap();
    assert_eq!(recs[0].path, p("/0/0/3"));
    assert_eq!(opaque_bytes(recs[0].value), [0xAB, 0xCD, 0xEF]);
}

#[test]
fn senml_cbor_leshan_and_anjay() {
    // Leshan `SenMLCborSerializerTest.deserialize_float_resource`: [{2: 300.0 (a half float),
    // -2: "/3442/0/130"}], the value before the base name.
    let recs: Vec<Record<'_>> = senml_cbor::decode(bytes("81a202f95cb0216b2f333434322f302f313330"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs, [Record::new(p("/3442/0/130"), Value::Float(300.0))]);
    // `deserialize_opaque_resource`: [{-2: "/0/0/3", 8: h'ABCDEF'}].
    let recs: Vec<Record<'_>> = senml_cbor::decode(bytes("81a221662f302f302f330843abcdef"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs[0].path, p("/0/0/3"));
    assert_eq!(opaque_bytes(recs[0].value), [0xAB, 0xCD, 0xEF]);
    // Anjay `tests/core/io/senml_cbor_out.c`: a base name without its `/`, names with one.
    // [{-2: "/13/26/1", 2: 42}]
    let recs: Vec<Record<'_>> = senml_cbor::decode(bytes("81a221682f31332f32362f3102182a"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs, [Record::new(p("/13/26/1"), Value::Int(42))]);
    // [{-2: "/13/26", 0: "/1", 2: 42}, {0: "/3/21", 2: 69.68}, {0: "/3/37", 4: false}]
    let body = bytes(
        "83 a3 21 66 2f31332f3236 00 62 2f31 02 182a
            a2 00 65 2f332f3231 02 fb 40516b851eb851ec
            a2 00 65 2f332f3337 04 f4",
    );
    let recs: Vec<Record<'_>> = senml_cbor::decode(body).collect::<Result<_, _>>().unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/13/26/1"), Value::Int(42)),
            Record::new(p("/13/26/3/21"), Value::Float(69.68)),
            Record::new(p("/13/26/3/37"), Value::Bool(false)),
        ]
    );
}

#[test]
fn legacy_json_leshan_and_wakaama() {
    // Leshan `LwM2mNodeDecoderTest.json_timestamped_instances`: `bt` after `e`, relative times.
    let recs: Vec<Record<'_>> = lwm2m_json::decode(
        br#"{"bn":"/1024/0/","e":[{"n":"1","v":22.9,"t":-30},{"n":"1","v":22.4,"t":-5},
            {"n":"0","sv":"a string","t":-5},{"n":"1","v":24.1,"t":-50}],"bt":25462634}"#,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/1024/0/1"), Value::Float(22.9)).at(25_462_604.0),
            Record::new(p("/1024/0/1"), Value::Float(22.4)).at(25_462_629.0),
            Record::new(p("/1024/0/0"), Value::Str(Text::Plain("a string"))).at(25_462_629.0),
            Record::new(p("/1024/0/1"), Value::Float(24.1)).at(25_462_584.0),
        ]
    );
    // `json_encode_timestamped_Object`'s text: `23.0` is a float.
    let recs: Vec<Record<'_>> = lwm2m_json::decode(
        br#"{"bn":"/1024/","e":[{"n":"0/1","v":22.9,"t":210},{"n":"0/0","sv":"a string","t":220},
            {"n":"0/1","v":22.4,"t":220},{"n":"1/1","v":23.0,"t":220},{"n":"0/1","v":24.1,"t":230}]}"#,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(
        recs[3],
        Record::new(p("/1024/1/1"), Value::Float(23.0)).at(220.0)
    );
    // `json_empty_instance` / `json_empty_multi_resource`: `{"e":[]}` has no records, with a
    // base name or without; `{}` lacks `e` (1.0 §6.4.4).
    for body in [
        r#"{"e":[]}"#,
        r#"{"bn":"/2/0", "e":[]}"#,
        r#"{"bn":"/3/0/6", "e":[]}"#,
    ] {
        assert_eq!(lwm2m_json::decode(body.as_bytes()).count(), 0, "{body}");
    }
    assert!(lwm2m_json::decode(b"{}").next().unwrap().is_err());
    // `json_device_object_instance0_without_basename`: full names, no `bn`.
    let recs: Vec<Record<'_>> = lwm2m_json::decode(
        br#"{"e":[{"n":"/3/0/0","sv":"Open Mobile Alliance"},{"n":"/3/0/6/1","v":5},
            {"n":"/3/0/13","v":1367491215}]}"#,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(recs[1], Record::new(p("/3/0/6/1"), Value::Int(5)));
    assert_eq!(
        recs[2],
        Record::new(p("/3/0/13"), Value::Int(1_367_491_215))
    );
    // Wakaama `data_tlv_json_lwm2m_data_test.c` `test_5`: spaces around `:`, fields in any
    // order; `test_6`: a name with its own `/` after a base name without one; `test_7`: `bn`
    // and `bt` after `e`.
    let recs: Vec<Record<'_>> = lwm2m_json::decode(
        br#"{"bn" : "/65/543/", "e":[ {    "n" :   "0", "sv":"LWM2M"}, {"v":2015, "n":"1"},
            {"n":"2/0",    "bv":true}, {"bv": false, "n":"2/1"}] }"#,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/65/543/0"), Value::Str(Text::Plain("LWM2M"))),
            Record::new(p("/65/543/1"), Value::Int(2015)),
            Record::new(p("/65/543/2/0"), Value::Bool(true)),
            Record::new(p("/65/543/2/1"), Value::Bool(false)),
        ]
    );
    let recs: Vec<Record<'_>> =
        lwm2m_json::decode(br#"{"bn" : "/2/3", "e":[ {"n":"/0","v":1234}] }"#)
            .collect::<Result<_, _>>()
            .unwrap();
    assert_eq!(recs, [Record::new(p("/2/3/0"), Value::Int(1234))]);
    let recs: Vec<Record<'_>> = lwm2m_json::decode(
        br#"{"e":[ {"n":"1","v":1234}, {"n":"3","v":56.789}, {"n":"2/0","v":0.23},
            {"n":"2/1","v":-52.0006}], "bn" : "/12/0/", "bt" : 1234567 }"#,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(
        recs,
        [
            Record::new(p("/12/0/1"), Value::Int(1234)).at(1_234_567.0),
            Record::new(p("/12/0/3"), Value::Float(56.789)).at(1_234_567.0),
            Record::new(p("/12/0/2/0"), Value::Float(0.23)).at(1_234_567.0),
            Record::new(p("/12/0/2/1"), Value::Float(-52.0006)).at(1_234_567.0),
        ]
    );
}

#[test]
fn lwm2m_cbor_anjay_out() {
    // Anjay `tests/core/io/lwm2m_cbor_out.c`: what Anjay writes (indefinite-length maps, path
    // arrays as keys, gateway prefixes as text keys) reads back to its records; our encoder's
    // bytes for the same records read back the same.
    let cases: [(&str, &[(&str, Value<'static>)]); 5] = [
        // single_resource: {_ [13, 26, 1]: 42}
        ("BF 83 0D 181A 01 182A FF", &[("/13/26/1", Value::Int(42))]),
        // resource_instances_nested_maps: {_ [13, 26]: {_ 1: 42, 3: {_ 21: 69.68, 37: false}}}
        (
            "BF 82 0D 181A BF 01 182A 03 BF 15 FB40516B851EB851EC 1825 F4 FF FF FF",
            &[
                ("/13/26/1", Value::Int(42)),
                ("/13/26/3/21", Value::Float(69.68)),
                ("/13/26/3/37", Value::Bool(false)),
            ],
        ),
        // two_objects_one_instance_two_resources: {_ 13: {_ 26: {_ 1: 42, 2: 21}}, 14: ...}
        (
            "BF 0D BF 181A BF 01 182A 02 15 FF FF 0E BF 181B BF 01 182B 02 16 FF FF FF",
            &[
                ("/13/26/1", Value::Int(42)),
                ("/13/26/2", Value::Int(21)),
                ("/14/27/1", Value::Int(43)),
                ("/14/27/2", Value::Int(22)),
            ],
        ),
        // two_objects_different_prefixes_max_nesting: {_ "dev1": {_ 13: ...}, "dev2": ...}
        (
            "BF 64 64657631 BF 0D BF 181A BF 01 BF 07 182A 08 15 FF FF FF FF
                64 64657632 BF 0E BF 181B BF 01 BF 05 182B FF 02 BF 06 16 FF FF FF FF FF",
            &[
                ("/dev1/13/26/1/7", Value::Int(42)),
                ("/dev1/13/26/1/8", Value::Int(21)),
                ("/dev2/14/27/1/5", Value::Int(43)),
                ("/dev2/14/27/2/6", Value::Int(22)),
            ],
        ),
        // single_resource_with_prefix: {_ ["dev1", 13, 26, 1]: 42}
        (
            "BF 84 64 64657631 0D 181A 01 182A FF",
            &[("/dev1/13/26/1", Value::Int(42))],
        ),
    ];
    for (body, want) in cases {
        let want: Vec<Record<'_>> = want
            .iter()
            .map(|(path, v)| Record::new(p(path), *v))
            .collect();
        let got: Vec<Record<'_>> = lwm2m_cbor::decode(bytes(body))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got, want, "{body}");
        let mut out = vec![0u8; lwm2m_cbor::encoded_len(&want).unwrap()];
        lwm2m_cbor::encode(&want, &mut out).unwrap();
        let back: Vec<Record<'_>> = lwm2m_cbor::decode(&out).collect::<Result<_, _>>().unwrap();
        assert_eq!(back, want, "{body}");
    }
}

#[test]
fn cbor_time_as_epoch_based_date_time() {
    // Leshan `LwM2mNodeCborEncoder` writes a Time resource in the CBOR single value (60) as
    // tag 1 on the integer (RFC 8949 §3.4.2): /3/0/13 = 1367491215 is c1 1a 5182428f; Core
    // 1.2 Appendix C gives Time in "CBOR, LwM2M CBOR, and SenML CBOR" "as defined in Section
    // 2.4.1 of [RFC7049]". Read so in each.
    let time = Value::Time(1_367_491_215);
    assert_eq!(
        m2m_lwm2m::cbor::single::decode(bytes("c11a5182428f")),
        Ok(time)
    );
    let recs: Vec<Record<'_>> = lwm2m_cbor::decode(bytes("a18303000dc11a5182428f"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs, [Record::new(p("/3/0/13"), time)]);
    // SenML CBOR: [{0: "/3/0/13", 2: 1(1367491215)}], and a device's base time the same way
    // (Leshan issue 1631: `[{-3: 1(1720696276)}]`), here with a name and a value.
    let recs: Vec<Record<'_>> = senml_cbor::decode(bytes("81a200672f332f302f313302c11a5182428f"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(
        recs[0]
            .value
            .unwrap()
            .typed(DataType::Time, &Config::STRICT),
        Ok(time)
    );
    let recs: Vec<Record<'_>> =
        senml_cbor::decode(bytes("81a322c11a668fbdd400672f332f302f3133021a5182428f"))
            .collect::<Result<_, _>>()
            .unwrap();
    assert_eq!(recs[0].time, Some(1_720_696_276.0));
    // Tag 1 wraps a number only; on a string value or around text it is refused.
    for body in [
        "81a200672f332f302f313303c16161",
        "81a200672f332f302f313302c16161",
    ] {
        assert!(
            senml_cbor::decode(bytes(body)).next().unwrap().is_err(),
            "{body}"
        );
    }
}

#[test]
fn senml_etch_fetch_records_hold_names_times_and_units() {
    // RFC 8790 §3.1: a Fetch Record holds no other fields than n, bn, t, bt, u and bu (Leshan
    // `senml_json_decode_invalid_path_with_value` refuses a value there). JSON and CBOR alike.
    let fetch_json = |b: &str| {
        senml_etch_json::decode_fetch(b.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map(|r| r.len())
    };
    assert_eq!(
        fetch_json(r#"[{"bn":"/3/0/","bt":5,"bu":"s","n":"0","t":1,"u":"s"}]"#),
        Ok(1)
    );
    for body in [
        r#"[{"n":"/3/0/0","v":1}]"#,
        r#"[{"n":"/3/0/0","vs":"a"}]"#,
        r#"[{"n":"/3/0/0","s":1}]"#,
        r#"[{"n":"/3/0/0","ut":5}]"#,
        r#"[{"n":"/3/0/0","bv":1}]"#,
        r#"[{"n":"/3/0/0","bs":1}]"#,
    ] {
        assert!(fetch_json(body).is_err(), "{body}");
    }
    let fetch_cbor = |h: &str| {
        senml_cbor::decode_fetch(bytes(h))
            .collect::<Result<Vec<_>, _>>()
            .map(|r| r.len())
    };
    // [{0: "/3/0/0", 6: 1}]
    assert_eq!(fetch_cbor("81a200662f332f302f300601"), Ok(1));
    // [{0: "/3/0/0", 2: 1}], [{0: "/3/0/0", 3: "a"}], [{0: "/3/0/0", 5: 1}],
    // [{0: "/3/0/0", 7: 1}], [{0: "/3/0/0", -5: 1}], [{0: "/3/0/0", "vlo": "1:1"}]
    for h in [
        "81a200662f332f302f300201",
        "81a200662f332f302f30036161",
        "81a200662f332f302f300501",
        "81a200662f332f302f300701",
        "81a200662f332f302f302401",
        "81a200662f332f302f3063766c6f63313a31",
    ] {
        assert!(fetch_cbor(h).is_err(), "{h}");
    }
    // A Read-Composite in SenML-ETCH CBOR with a value beside a name is refused too.
    let paths = m2m_lwm2m::composite::decode_paths(
        m2m_lwm2m::ContentFormat::SENML_ETCH_CBOR,
        bytes("81a200662f332f302f300201"),
    )
    .unwrap();
    assert!(paths.collect::<Result<Vec<_>, _>>().is_err());
}
