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

/// A record as `path value`: `42`, `f4.5`, `true`, `s:text`, `h'0011'`, `null` (no value).
fn render(r: &Record<'_>) -> String {
    let v = match r.value {
        None => "null".to_owned(),
        Some(Value::Int(i)) => i.to_string(),
        Some(Value::Float(f)) => format!("f{f}"),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Str(t)) => format!("s:{t}"),
        Some(Value::Opaque(o)) => format!(
            "h'{}'",
            m2m_core::hex::encode(&o.bytes().collect::<Vec<_>>())
        ),
        Some(other) => format!("{other:?}"),
    };
    format!("{} {v}", r.path)
}

/// Anjay `tests/core/io/lwm2m_cbor_in.c`: every body its LwM2M CBOR reader tests, read here
/// from the root (Anjay's tests read each under a base path; where a test fails only because
/// the records lie outside that base, `path_outside_base_*` and `gw_path_prefix_mismatch_*`,
/// the records themselves are what Anjay reads, and the base check is the interface's, not
/// the format's). Names sharing one body are listed together.
///
/// Two differences, both stated in SUPPORT.md / the crate docs: a gateway prefix written as a
/// text string of indefinite length (`7F 64 "dev1" FF`) is refused as unsupported (Anjay reads
/// it), and `gw_path_prefix_too_long_*` ("123456789", over Anjay's own 8-byte limit) is refused
/// here too, as a prefix must not start with a digit.
#[test]
fn lwm2m_cbor_anjay_in() {
    type Want = Result<&'static [&'static str], Reason>;
    let cases: &[(&str, &str, Want)] = &[
        (
            "single_resource / path_outside_base_1 / path_outside_base_2 / path_outside_base_3 / path_outside_base_4 / gw_path_prefix_mismatch_1",
            "a1830d181a01182a",
            Ok(&["/13/26/1 42"]),
        ),
        (
            "single_resource_bool",
            "a1830d181a01f5",
            Ok(&["/13/26/1 true"]),
        ),
        (
            "single_resource_indefinite",
            "bf9f0d181a01ff182aff",
            Ok(&["/13/26/1 42"]),
        ),
        (
            "single_resource_nested",
            "a10da1181aa101182a",
            Ok(&["/13/26/1 42"]),
        ),
        (
            "single_resource_nested_arrays",
            "a1810da181181aa18101182a",
            Ok(&["/13/26/1 42"]),
        ),
        (
            "single_resource_nested_arrays_all_indefinite",
            "bf9f0dffbf9f181affbf9f01ff182affffff",
            Ok(&["/13/26/1 42"]),
        ),
        (
            "max_possible_nesting",
            "a1810da181181aa18101a18102c48220182d",
            Ok(&["/13/26/1/2 f4.5"]),
        ),
        (
            "two_resources_1 / two_resources_1_repeated_next_entry",
            "a1820d181aa201182a0215",
            Ok(&["/13/26/1 42", "/13/26/2 21"]),
        ),
        (
            "two_resources_2",
            "a2830d181a01182a830d181a0215",
            Ok(&["/13/26/1 42", "/13/26/2 21"]),
        ),
        (
            "two_resources_3",
            "a2820d181aa101182a830d181a0215",
            Ok(&["/13/26/1 42", "/13/26/2 21"]),
        ),
        (
            "two_resources_4",
            "a2830d181a01182a820d181aa1810215",
            Ok(&["/13/26/1 42", "/13/26/2 21"]),
        ),
        (
            "bytes / bytes_split",
            "a1830d181a015000112233445566778899aabbccddeeff",
            Ok(&["/13/26/1 h'00112233445566778899aabbccddeeff'"]),
        ),
        (
            "bytes_indefinite / bytes_indefinite_small_gets",
            "a1830d181a015f480011223344556677488899aabbccddeeffff",
            Ok(&["/13/26/1 h'00112233445566778899aabbccddeeff'"]),
        ),
        (
            "bytes_indefinite_and_int",
            "a1820d181aa2015f480011223344556677488899aabbccddeeffff0207",
            Ok(&["/13/26/1 h'00112233445566778899aabbccddeeff'", "/13/26/2 7"]),
        ),
        (
            "string / string_split",
            "a1830d181a0170632d2d636f737369657a657073756c6f",
            Ok(&["/13/26/1 s:c--cossiezepsulo"]),
        ),
        (
            "null_and_int",
            "a1830d181a01a202f60305",
            Ok(&["/13/26/1/2 null", "/13/26/1/3 5"]),
        ),
        (
            "try_null_then_int",
            "a1840d181a010205",
            Ok(&["/13/26/1/2 5"]),
        ),
        (
            "all_types",
            "a1820d181aa70101022003f94100046474657374054411223344066531323a33340701",
            Ok(&[
                "/13/26/1 1",
                "/13/26/2 -1",
                "/13/26/3 f2.5",
                "/13/26/4 s:test",
                "/13/26/5 h'11223344'",
                "/13/26/6 s:12:34",
                "/13/26/7 1",
            ]),
        ),
        (
            "composite",
            "a20da1181aa101010ea1181ba10202",
            Ok(&["/13/26/1 1", "/14/27/2 2"]),
        ),
        (
            "composite_indefinite_maps",
            "bf0dbf181abf0101ffff0ebf181bbf0202ffffff",
            Ok(&["/13/26/1 1", "/14/27/2 2"]),
        ),
        (
            "composite_indefinite_maps_and_arrays",
            "bf9f0dffbf9f181affbf9f01ff01ffff9f0effbf9f181bffbf9f02ff02ffffff",
            Ok(&["/13/26/1 1", "/14/27/2 2"]),
        ),
        (
            "path_id_too_big_solo",
            "a1820d181aa11a0001000005",
            Err(Reason::BadPath),
        ),
        (
            "path_id_too_big_array",
            "a1830d181a1a0001000005",
            Err(Reason::BadPath),
        ),
        (
            "path_too_long_1",
            "a1850d181a03040505",
            Err(Reason::TooDeep),
        ),
        (
            "path_too_long_2",
            "a1830d181a01a2020582030405",
            Err(Reason::TooDeep),
        ),
        (
            "path_too_long_3",
            "a10da1181aa101a102a10304",
            Err(Reason::TooDeep),
        ),
        (
            "path_with_empty_array_keys",
            "a20da180181aa18001182a",
            Err(Reason::BadPath),
        ),
        (
            "path_unexpected_type_1",
            "a1830dfb3fd0a3d70a3d70a401182a",
            Err(Reason::BadPath),
        ),
        (
            "path_unexpected_type_2",
            "a1fb3fc0a3d70a3d70a4a182181a01182a",
            Err(Reason::BadPath),
        ),
        (
            "path_unexpected_type_3",
            "a10da1623236a101182a",
            Err(Reason::BadPath),
        ),
        ("not_a_map_int", "00", Err(Reason::BadCbor)),
        ("not_a_map_array", "8401020304", Err(Reason::BadCbor)),
        (
            "path_lack_unexpected_array",
            "a10da1181a81a101182a",
            Err(Reason::BadValue),
        ),
        (
            "path_sudden_nested_map_end",
            "a1820d181aa1",
            Err(Reason::Truncated),
        ),
        (
            "gw_single_resource / gw_path_prefix_mismatch_2",
            "a18464646576310d181a01182a",
            Ok(&["/dev1/13/26/1 42"]),
        ),
        (
            "gw_single_resource_indefinite",
            "bf9f64646576310d181a01ff182aff",
            Ok(&["/dev1/13/26/1 42"]),
        ),
        (
            "gw_single_resource_nested",
            "a16464657631a10da1181aa101182a",
            Ok(&["/dev1/13/26/1 42"]),
        ),
        (
            "gw_single_resource_nested_arrays",
            "a1816464657631a1810da181181aa18101182a",
            Ok(&["/dev1/13/26/1 42"]),
        ),
        (
            "gw_single_resource_nested_arrays_all_indefinite",
            "bf9f7f6464657631ffffbf9f0dffbf9f181affbf9f01ff182affffffff",
            Err(Reason::Unsupported),
        ),
        (
            "gw_max_possible_nesting",
            "a1816464657631a1810da181181aa18101a18102c48220182d",
            Ok(&["/dev1/13/26/1/2 f4.5"]),
        ),
        (
            "gw_two_resources_1",
            "a18364646576310d181aa201182a0215",
            Ok(&["/dev1/13/26/1 42", "/dev1/13/26/2 21"]),
        ),
        (
            "gw_two_resources_2",
            "a28464646576310d181a01182a8464646576310d181a0215",
            Ok(&["/dev1/13/26/1 42", "/dev1/13/26/2 21"]),
        ),
        (
            "gw_two_resources_3",
            "a28364646576310d181aa101182a8464646576310d181a0215",
            Ok(&["/dev1/13/26/1 42", "/dev1/13/26/2 21"]),
        ),
        (
            "gw_two_resources_4",
            "a16464657631a2830d181a01182a820d181aa1810215",
            Ok(&["/dev1/13/26/1 42", "/dev1/13/26/2 21"]),
        ),
        (
            "gw_composite",
            "a36464657631a2830d181a0101830e181b02028364646576320d181aa10103830d181a0104",
            Ok(&[
                "/dev1/13/26/1 1",
                "/dev1/14/27/2 2",
                "/dev2/13/26/1 3",
                "/13/26/1 4",
            ]),
        ),
        (
            "gw_composite_indefinite_maps_and_arrays",
            "bf9f7f6464657631ff0d181affbf0101ff9f7f6464657632ff0d181affbf0102ff9f0d181a01ff03ff",
            Err(Reason::Unsupported),
        ),
        (
            "gw_path_too_long_1",
            "a18664646576310d181a03040505",
            Err(Reason::TooDeep),
        ),
        (
            "gw_path_too_long_2",
            "a18464646576310d181a01a2020582030406",
            Err(Reason::TooDeep),
        ),
        (
            "gw_path_too_long_3",
            "a16464657631a10da1181aa101a102a10304",
            Err(Reason::TooDeep),
        ),
        (
            "gw_path_prefix_mismatch_3",
            "a18464646576320d181a01182a",
            Ok(&["/dev2/13/26/1 42"]),
        ),
        (
            "gw_path_prefix_wrong_level_1",
            "a1820d181aa16464657631a101182a",
            Err(Reason::BadPath),
        ),
        (
            "gw_path_prefix_wrong_level_2",
            "a1820d181aa182016464657631182a",
            Err(Reason::BadPath),
        ),
        (
            "gw_path_prefix_twice_in_array",
            "a18464646576310d181a6464657631a101182a",
            Err(Reason::BadPath),
        ),
        (
            "gw_path_prefix_too_long_solo",
            "a169313233343536373839a1830d181a01182a",
            Err(Reason::BadPath),
        ),
        (
            "gw_path_prefix_too_long_array",
            "a184693132333435363738390d181a01182a",
            Err(Reason::BadPath),
        ),
        (
            "gw_path_prefix_too_long_array_indefinite",
            "a1817f683132333435363738683132333435363738ffa1830d181a01182a",
            Err(Reason::Unsupported),
        ),
    ];
    for (name, body, want) in cases {
        let got: Result<Vec<String>, Reason> = lwm2m_cbor::decode(bytes(body))
            .map(|r| r.map(|r| render(&r)).map_err(|e| e.reason))
            .collect();
        match want {
            Ok(recs) => assert_eq!(
                got,
                Ok(recs.iter().map(|r| (*r).to_owned()).collect()),
                "{name}"
            ),
            Err(reason) => assert_eq!(got, Err(*reason), "{name}"),
        }
    }
}
