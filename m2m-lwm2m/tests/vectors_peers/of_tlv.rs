//! Peers' vectors: OMA TLV (11542).

use super::*;

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
    // /3/4/5 with resource instances alone, refused in both readings (Core 1.1 §7.4.3: a
    // multiple resource is answered in its Multiple Resource TLV; see `leniencies.rs`).
    let recs = tlv_all(bytes("C1010A C1020A C1030A"), "/3/4", Config::STRICT).unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[2].path, p("/3/4/3"));
    let recs = tlv_all(bytes("0604 C1010A C1020A"), "/3/4", Config::LENIENT).unwrap();
    assert_eq!(recs[1].path, p("/3/4/2"));
    assert!(tlv_all(bytes("0305 C1010A"), "/3/4", Config::LENIENT).is_err());
    assert!(tlv_all(bytes("23FFFF C1010A"), "/3", Config::LENIENT).is_err());
    assert!(tlv_all(bytes("0405 E1FFFF0A"), "/3", Config::LENIENT).is_err());
    for config in [Config::STRICT, Config::LENIENT] {
        assert!(tlv_all(bytes("410001 410105"), "/3/4/5", config).is_err());
    }
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
fn tlv_acl_leshan() {
    // Leshan `LwM2mNodeDecoderTest.tlv_acl_object_multi_instance` (`ENCODED_ACL`): Read /2, two
    // Access Control instances 0 and 2; the ACL resource 2 holds instance 127 = 7, and in
    // instance 2 also instance 310 (a 16-bit id) = 1. Our encoder writes the same bytes.
    let body = hex("08000EC10001C101008302417F07C1037F080212C10003C101008702417F0761013601C1037F");
    let recs = tlv_all(&body, "/2", Config::STRICT).unwrap();
    let got: Vec<(String, Value<'_>)> = recs
        .iter()
        .map(|r| {
            let v = r.value.unwrap();
            (
                r.path.to_string(),
                v.typed(DataType::Integer, &Config::STRICT).unwrap(),
            )
        })
        .collect();
    let want = [
        ("/2/0/0", 1),
        ("/2/0/1", 0),
        ("/2/0/2/127", 7),
        ("/2/0/3", 127),
        ("/2/2/0", 3),
        ("/2/2/1", 0),
        ("/2/2/2/127", 7),
        ("/2/2/2/310", 1),
        ("/2/2/3", 127),
    ];
    assert_eq!(got, want.map(|(path, v)| (path.to_owned(), Value::Int(v))));
    let typed: Vec<Record<'_>> = recs
        .iter()
        .zip(want)
        .map(|(r, (_, v))| Record::new(r.path, Value::Int(v)))
        .collect();
    assert_eq!(tlv_bytes(&p("/2"), &typed), body);
}

#[test]
fn tlv_value_widths_leshan() {
    // Leshan `TlvEncoderTest`: integers and times in the fewest of 1, 2, 4 or 8 bytes
    // (`encode_short`, `encode_integer`, `encode_date_*`), as Core 1.1 §7.4.3 has them; each
    // written here in Leshan's width and read back.
    let value = |path: &str, v: Value<'static>| {
        let bytes = tlv_bytes(&p("/1024/0"), &[Record::new(p(path), v)]);
        let recs = tlv_all(&bytes, "/1024/0", Config::STRICT).unwrap();
        let raw = opaque_bytes(Some(tlv_value(&recs[0])));
        (bytes, raw)
    };
    let width = |v: i64| value("/1024/0/1", Value::Int(v)).1.len();
    assert_eq!(width(1234), 2);
    assert_eq!(width(1_245_823), 4);
    assert_eq!(width(1_700_000_000_000), 8);
    let time = |v: i64| {
        let (_, raw) = value("/1024/0/1", Value::Time(v));
        let back = tlv::value_as(&raw, DataType::Time, &Config::STRICT).unwrap();
        assert_eq!(back, Value::Time(v), "{v}");
        raw.len()
    };
    for (v, n) in [
        (127, 1),
        (-128, 1),
        (0, 1),
        (100, 1),
        (-100, 1),
        (128, 2),
        (-129, 2),
        (32767, 2),
        (-32768, 2),
        (32000, 2),
        (-32000, 2),
        (32768, 4),
        (-32769, 4),
        (i64::from(i32::MAX), 4),
        (i64::from(i32::MIN), 4),
        (i64::from(i32::MAX) + 1, 8),
        (i64::from(i32::MIN) - 1, 8),
        (i64::MAX / 1000, 8),
        (i64::MIN / 1000, 8),
    ] {
        assert_eq!(time(v), n, "{v}");
    }
    // `encode_boolean`: one byte 01. `encode_resource`: resource 500 holding the integer 100,
    // a 16-bit identifier: E1 01F4 64.
    assert_eq!(value("/1024/0/2", Value::Bool(true)).1, [1]);
    assert_eq!(value("/1024/0/500", Value::Int(100)).0, hex("E101F464"));
}

#[test]
#[allow(clippy::approx_constant)] // Wakaama's 3.14, not PI
fn tlv_wakaama_test_10_widths() {
    // Wakaama `data_tlv_json_lwm2m_data_test.c` `test_10`: resources 0 to 16 of one instance,
    // integers, floats and booleans, written and read back (Wakaama compares the values). Our
    // widths are the fewest bytes of the two's complement (255 takes two, 65535 four,
    // 4294967295 eight); a float that no f32 holds exactly takes eight.
    let ints: [(i64, usize); 11] = [
        (12, 1),
        (-12, 1),
        (255, 2),
        (1000, 2),
        (-1000, 2),
        (65535, 4),
        (3_000_000, 4),
        (-3_000_000, 4),
        (4_294_967_295, 8),
        (7_000_000_000, 8),
        (-7_000_000_000, 8),
    ];
    let floats = [3.14, -3.14, 4e38, -4e38];
    let mut recs: Vec<Record<'_>> = Vec::new();
    for (i, (v, _)) in ints.iter().enumerate() {
        recs.push(Record::new(
            Path::resource(12, 0, u16::try_from(i).unwrap()),
            Value::Int(*v),
        ));
    }
    for (i, f) in floats.iter().enumerate() {
        recs.push(Record::new(
            Path::resource(12, 0, 11 + u16::try_from(i).unwrap()),
            Value::Float(*f),
        ));
    }
    recs.push(Record::new(Path::resource(12, 0, 15), Value::Bool(true)));
    recs.push(Record::new(Path::resource(12, 0, 16), Value::Bool(false)));
    let body = tlv_bytes(&p("/12/0"), &recs);
    let back = tlv_all(&body, "/12/0", Config::STRICT).unwrap();
    assert_eq!(back.len(), 17);
    for (i, (v, width)) in ints.iter().enumerate() {
        let raw = opaque_bytes(Some(tlv_value(&back[i])));
        assert_eq!(raw.len(), *width, "{v}");
        assert_eq!(
            tlv::value_as(&raw, DataType::Integer, &Config::STRICT),
            Ok(Value::Int(*v))
        );
    }
    for (i, f) in floats.iter().enumerate() {
        let raw = opaque_bytes(Some(tlv_value(&back[11 + i])));
        assert_eq!(raw.len(), 8, "{f}");
        assert_eq!(
            tlv::value_as(&raw, DataType::Float, &Config::STRICT),
            Ok(Value::Float(*f))
        );
    }
    assert_eq!(opaque_bytes(Some(tlv_value(&back[15]))), [1]);
    assert_eq!(opaque_bytes(Some(tlv_value(&back[16]))), [0]);
}
