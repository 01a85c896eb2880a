//! Peers' vectors: LwM2M CBOR (11544).

use super::*;

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
fn lwm2m_cbor_anjay_in_chunked_bytes() {
    // Anjay's LwM2M CBOR decoder tests read an indefinite-length byte string,
    // {[13, 26, 1]: (_ h'0011', h'2233')}, as the four bytes (RFC 8949 §3.2.3).
    let got: Vec<Record<'_>> = lwm2m_cbor::decode(bytes("A1 83 0D 181A 01 5F 42 0011 42 2233 FF"))
        .collect::<Result<_, _>>()
        .unwrap();
    let want = [Record::new(
        p("/13/26/1"),
        Value::Opaque(Opaque::Raw(&[0x00, 0x11, 0x22, 0x33])),
    )];
    assert_eq!(got, want);
}
