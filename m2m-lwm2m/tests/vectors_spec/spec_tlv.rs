//! OMA TLV (1.0 §6.4.3, 1.1 §7.4.3): the examples of the specifications as Leshan and Wakaama carry them.

use super::*;

/// Types of the resources in the TLV examples: the Device (3) and Server (1) objects, and the
/// test objects 65 and 66 of 1.0 §6.4.3.3 (as Leshan's `LwM2mNodeDecoderTest` models them).
fn tlv_type(path: &Path<'_>) -> DataType {
    match (path.object_id(), path.resource_id()) {
        (Some(3), Some(0..=3 | 14..=19)) => DataType::String,
        (Some(3), Some(13)) => DataType::Time,
        (Some(1), Some(6)) => DataType::Boolean,
        (Some(1), Some(7)) => DataType::String,
        (Some(65), Some(0)) | (Some(66), Some(2)) => DataType::Objlnk,
        (Some(65), Some(1)) | (Some(66), Some(0 | 1)) => DataType::String,
        (Some(3442), Some(180)) => DataType::Corelnk,
        _ => DataType::Integer,
    }
}

/// Decodes a TLV body answering `base`, types every value, and encodes the typed records back,
/// checking the bytes are the same (the examples use the shortest widths).
fn tlv_vector<'a>(body: &'a [u8], base: Path<'a>) -> Vec<Record<'a>> {
    let raw: Vec<_> = tlv::decode(body, base, Config::STRICT)
        .collect::<Result<_, _>>()
        .unwrap();
    let typed: Vec<_> = raw
        .iter()
        .map(|r| Record {
            value: r
                .value
                .map(|v| v.typed(tlv_type(&r.path), &Config::STRICT).unwrap()),
            ..*r
        })
        .collect();
    let mut out = vec![0u8; tlv::encoded_len(&base, &typed).unwrap()];
    tlv::encode(&base, &typed, &mut out).unwrap();
    assert_eq!(
        m2m_core::hex::encode(&out),
        m2m_core::hex::encode(body),
        "re-encoded under {base}"
    );
    typed
}

#[test]
fn tlv_device_object_in_an_instance_tlv() {
    // 1.0 §6.4.3.2 A): Read /3, a single-instance object, answered with one Object Instance TLV
    // (Leshan `ENCODED_DEVICE_WITH_INSTANCE`).
    let body = hex(
        "080079C800144F70656E204D6F62696C6520416C6C69616E6365C801164C69676874776569676874204D324D
         20436C69656E74C80209333435303030313233C303312E30860641000141010588070842000ED842011388
         870841007D42010384C10964C10A0F830B410000C40D5182428FC60E2B30323A3030C11055",
    );
    let recs = tlv_vector(&body, Path::object(3));
    let mut want = device();
    want[13].1 = Some(Value::Time(1_367_491_215));
    check(&recs, &want);
}

#[test]
fn tlv_server_object() {
    // 1.0 §6.4.3.2 C): Read /1, one Server object instance (Leshan `ENCODED_SERVER`): Short
    // Server ID 1, Lifetime 86400, Notification Storing true, Binding "U".
    let body = hex("08000FC10001C40100015180C10601C10755");
    let recs = tlv_vector(&body, Path::object(1));
    check(
        &recs,
        &[
            ("/1/0/0", i(1), None),
            ("/1/0/1", i(86400), None),
            ("/1/0/6", Some(Value::Bool(true)), None),
            ("/1/0/7", s("U"), None),
        ],
    );
}

#[test]
fn tlv_object_links() {
    // 1.0 §6.4.3.3 1): Read /65/0, a multiple Objlnk resource 0 pointing at 66:0 and 66:1
    // (Leshan `ENCODED_OBJ65`).
    let body = hex("88000C440000420000440100420001C8010D38363133383030373535353030C40212345678");
    let recs = tlv_vector(&body, Path::instance(65, 0));
    check(
        &recs,
        &[
            ("/65/0/0/0", link(66, 0), None),
            ("/65/0/0/1", link(66, 1), None),
            ("/65/0/1", s("8613800755500"), None),
            ("/65/0/2", i(0x1234_5678), None),
        ],
    );
    // 1.0 §6.4.3.3 2): Read /66, two instances, the second one's link the null link
    // 65535:65535 (Leshan `ENCODED_OBJ66`).
    let body = hex(
        "080026C8000B6D79536572766963652031C8010F496E7465726E65742E31352E323334C4020043000008
         0126C8000B6D79536572766963652032C8010F496E7465726E65742E31352E323335C402FFFFFFFF",
    );
    let recs = tlv_vector(&body, Path::object(66));
    check(
        &recs,
        &[
            ("/66/0/0", s("myService 1"), None),
            ("/66/0/1", s("Internet.15.234"), None),
            ("/66/0/2", link(67, 0), None),
            ("/66/1/0", s("myService 2"), None),
            ("/66/1/1", s("Internet.15.235"), None),
            ("/66/1/2", Some(Value::ObjLink(ObjLink::NULL)), None),
        ],
    );
}

#[test]
fn tlv_core_link_value() {
    // Leshan `ENCODED_OBJ3442`: a Corelnk resource (3442/0/180) holding a registration's links.
    let body = hex(
        "080072c8b46f3c2f3e3b72743d226f6d612e6c776d326d223b63743d223630203131302031313220313534
         322031353433203131353432203131353433222c3c2f313e3b7665723d312e312c3c2f312f303e2c3c2f
         323e2c3c2f333e3b7665723d312e312c3c2f332f303e2c3c2f333434322f303e",
    );
    let recs = tlv_vector(&body, Path::object(3442));
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].path, Path::resource(3442, 0, 180));
    let Some(Value::CoreLink(t)) = recs[0].value else {
        panic!("{:?}", recs[0].value)
    };
    assert_eq!(
        t.as_str().unwrap(),
        r#"</>;rt="oma.lwm2m";ct="60 110 112 1542 1543 11542 11543",</1>;ver=1.1,</1/0>,</2>,</3>;ver=1.1,</3/0>,</3442/0>"#
    );
}

#[test]
fn tlv_multiple_resource_answer() {
    // Read /3/0/6 answered with one Multiple Resource TLV holding the Resource Instance TLVs
    // (Leshan `tlv_power_source__multiple_resource`); our encoder writes the same bytes.
    let body = hex("8606410001410105");
    let recs = tlv_vector(&body, Path::resource(3, 0, 6));
    check(&recs, &[("/3/0/6/0", i(1), None), ("/3/0/6/1", i(5), None)]);
}
