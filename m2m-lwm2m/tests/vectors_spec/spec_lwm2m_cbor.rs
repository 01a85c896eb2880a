//! LwM2M CBOR (1.2 §7.4.7): the inputs Anjay accepts and those it refuses.

use super::*;

#[test]
fn lwm2m_cbor_anjay_inputs() {
    let r = |p: &'static str, v| (p, v, None);
    let cases: Vec<(&str, Vec<Want<'static>>)> = vec![
        // single_resource: {[13, 26, 1]: 42}
        ("a1830d181a01182a", vec![r("/13/26/1", i(42))]),
        // single_resource_bool: {[13, 26, 1]: true}
        (
            "a1830d181a01f5",
            vec![r("/13/26/1", Some(Value::Bool(true)))],
        ),
        // single_resource_indefinite: {_ [_ 13, 26, 1]: 42}
        ("bf9f0d181a01ff182aff", vec![r("/13/26/1", i(42))]),
        // single_resource_nested: {13: {26: {1: 42}}}
        ("a10da1181aa101182a", vec![r("/13/26/1", i(42))]),
        // single_resource_nested_arrays: {[13]: {[26]: {[1]: 42}}}
        ("a1810da181181aa18101182a", vec![r("/13/26/1", i(42))]),
        // two_resources_1: {[13, 26]: {1: 42, 2: 21}}
        (
            "a1820d181aa201182a0215",
            vec![r("/13/26/1", i(42)), r("/13/26/2", i(21))],
        ),
        // two_resources_2: {[13, 26, 1]: 42, [13, 26, 2]: 21}
        (
            "a2830d181a01182a830d181a0215",
            vec![r("/13/26/1", i(42)), r("/13/26/2", i(21))],
        ),
        // two_resources_3: {[13, 26]: {1: 42}, [13, 26, 2]: 21}
        (
            "a2820d181aa101182a830d181a0215",
            vec![r("/13/26/1", i(42)), r("/13/26/2", i(21))],
        ),
        // two_resources_4: {[13, 26, 1]: 42, [13, 26]: {[2]: 21}}
        (
            "a2830d181a01182a820d181aa1810215",
            vec![r("/13/26/1", i(42)), r("/13/26/2", i(21))],
        ),
        // null_and_int: {[13, 26, 1]: {2: null, 3: 5}}: a path without a value
        (
            "a1830d181a01a202f60305",
            vec![r("/13/26/1/2", None), r("/13/26/1/3", i(5))],
        ),
        // composite: {13: {26: {1: 1}}, 14: {27: {2: 2}}}
        (
            "a20da1181aa101010ea1181ba10202",
            vec![r("/13/26/1", i(1)), r("/14/27/2", i(2))],
        ),
        // composite_indefinite_maps: {_ 13: {_ 26: {_ 1: 1}}, 14: {_ 27: {_ 2: 2}}}
        (
            "bf0dbf181abf0101ffff0ebf181bbf0202ffffff",
            vec![r("/13/26/1", i(1)), r("/14/27/2", i(2))],
        ),
        // max_possible_nesting: {[13]: {[26]: {[1]: {[2]: 4([-1, 45])}}}}, a decimal fraction
        (
            "a1810da181181aa18101a18102c482201 82d",
            vec![r("/13/26/1/2", f(4.5))],
        ),
        // gw_single_resource: {["dev1", 13, 26, 1]: 42}
        (
            "a18464646576310d181a01182a",
            vec![r("/dev1/13/26/1", i(42))],
        ),
        // gw_single_resource_indefinite: {_ [_ "dev1", 13, 26, 1]: 42}
        (
            "bf9f64646576310d181a01ff182aff",
            vec![r("/dev1/13/26/1", i(42))],
        ),
        // gw_single_resource_nested: {"dev1": {13: {26: {1: 42}}}}
        (
            "a1646465763 1a10da1181aa101182a",
            vec![r("/dev1/13/26/1", i(42))],
        ),
        // gw_single_resource_nested_arrays: {["dev1"]: {[13]: {[26]: {[1]: 42}}}}
        (
            "a181646465763 1a1810da181181aa18101182a",
            vec![r("/dev1/13/26/1", i(42))],
        ),
        // gw_two_resources_1: {["dev1", 13, 26]: {1: 42, 2: 21}}
        (
            "a18364646576310d181aa201182a0215",
            vec![r("/dev1/13/26/1", i(42)), r("/dev1/13/26/2", i(21))],
        ),
        // gw_two_resources_4: {"dev1": {[13, 26, 1]: 42, [13, 26]: {[2]: 21}}}
        (
            "a16464657631a2830d181a01182a820d181aa1810215",
            vec![r("/dev1/13/26/1", i(42)), r("/dev1/13/26/2", i(21))],
        ),
        // mixed_data_end_device_with_gateway (lwm2m_cbor_out):
        // {_ "dev1": {_ 13: {_ 26: {_ 1: 42}}}, 14: {_ 27: {_ 1: 21}}}
        (
            "bf6464657631bf0dbf181abf01182affffff0ebf181bbf0115ffffff",
            vec![r("/dev1/13/26/1", i(42)), r("/14/27/1", i(21))],
        ),
    ];
    for (text, want) in &cases {
        let body = hex(text);
        check(&lwm2m_cbor(&body), want);
    }
    // all_types: {[13, 26]: {1: 1, 2: -1, 3: 2.5, 4: "test", 5: h'11223344', 6: "12:34", 7: 1}}
    let body = hex("a1820d181aa701010220 03f94100046474657374054411223344066531323a33340701");
    let recs = lwm2m_cbor(&body);
    check(
        &recs,
        &[
            ("/13/26/1", i(1), None),
            ("/13/26/2", i(-1), None),
            ("/13/26/3", f(2.5), None),
            ("/13/26/4", s("test"), None),
            (
                "/13/26/5",
                Some(Value::Opaque(Opaque::Raw(&[0x11, 0x22, 0x33, 0x44]))),
                None,
            ),
            ("/13/26/6", s("12:34"), None),
            ("/13/26/7", i(1), None),
        ],
    );
    // The Objlnk is its text; the resource's type reads it.
    assert_eq!(
        recs[5]
            .value
            .unwrap()
            .typed(DataType::Objlnk, &Config::STRICT),
        Ok(Value::ObjLink(ObjLink {
            object: 12,
            instance: 34
        }))
    );
    // Our encoder: the single resource byte for byte; the others decode to the same records.
    assert_eq!(
        m2m_core::hex::encode(&lwm2m_cbor_bytes(&lwm2m_cbor(&hex("a1830d181a01182a")))),
        "a1830d181a01182a"
    );
    assert_eq!(
        m2m_core::hex::encode(&lwm2m_cbor_bytes(&lwm2m_cbor(&hex("bf9f0d181a01ff182aff")))),
        "a1830d181a01182a"
    );
    for (text, _) in &cases {
        let body = hex(text);
        let recs = lwm2m_cbor(&body);
        if recs.iter().all(|r| r.value.is_some()) {
            assert_eq!(lwm2m_cbor(&lwm2m_cbor_bytes(&recs)), recs, "{text}");
        }
    }
}

#[test]
fn lwm2m_cbor_anjay_refusals() {
    for (text, what) in [
        (
            "a1820d181aa11a0001000005",
            "path_id_too_big_solo: {[13, 26]: {65536: 5}}",
        ),
        (
            "a1830d181a1a0001000005",
            "path_id_too_big_array: {[13, 26, 65536]: 5}",
        ),
        (
            "a1850d181a03040505",
            "path_too_long_1: {[13, 26, 3, 4, 5]: 5}",
        ),
        (
            "a1830d181a01a20205820304 05",
            "path_too_long_2: {[13, 26, 1]: {2: 5, [3, 4]: 6}}",
        ),
        (
            "a10da1181aa101a102a10304",
            "path_too_long_3: {13: {26: {1: {2: {3: 4}}}}}",
        ),
        (
            "a20da180181aa18001182a",
            "path_with_empty_array_keys: {13: {[]: 26}, ...}",
        ),
        (
            "a1830dfb3fd0a3d70a3d70a401182a",
            "path_unexpected_type_1: {[13, 0.26, 1]: 42}",
        ),
        (
            "a10da16232 36a101182a",
            "path_unexpected_type_3: {13: {\"26\": {1: 42}}}",
        ),
        ("00", "not_a_map_int: 0"),
        ("8401020304", "not_a_map_array: [1, 2, 3, 4]"),
        (
            "a10da1181a81a101182a",
            "path_lack_unexpected_array: {13: {26: [{1: 42}]}}",
        ),
        ("a1820d181aa101", "path_sudden_nested_map_end"),
        (
            "a1820d181aa1646465763 1a101182a",
            "gw_path_prefix_wrong_level_1",
        ),
        (
            "a1820d181aa18201646465763 1182a",
            "gw_path_prefix_wrong_level_2",
        ),
        (
            "a18464646576310d181a6464657631a101182a",
            "gw_path_prefix_twice_in_array: {[\"dev1\", 13, 26, \"dev1\"]: {1: 42}}",
        ),
    ] {
        let body = hex(text);
        assert!(
            lwm2m_cbor::decode(&body).any(|r| r.is_err()),
            "{what} was read"
        );
    }
}
