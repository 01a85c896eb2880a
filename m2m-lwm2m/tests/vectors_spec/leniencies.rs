//! What peers accept that we do not, and how we refuse it.

use super::*;

#[test]
fn peers_leniencies_we_do_not_follow() {
    // Wakaama `senml_json_test_17` names `/67/0/00`: a path segment with a leading zero. An id
    // is a decimal number without leading zeros here (as `Path::parse` documents); refused.
    assert_eq!(
        senml_json::decode(br#"[{"n":"/67/0/00","vs":"x"}]"#)
            .next()
            .unwrap()
            .unwrap_err()
            .reason,
        Reason::BadPath
    );
    // Wakaama `senml_cbor_test_30` / `_31` refuse indefinite-length arrays and maps; RFC 8949
    // §3.2.2 allows them and so do we.
    check(
        &senml_cbor(&hex("9fa221672f33342f302f320360ff")),
        &[("/34/0/2", s(""), None)],
    );
    check(
        &senml_cbor(&hex("81bf21672f33342f302f320360ff")),
        &[("/34/0/2", s(""), None)],
    );
    // Leshan reads base names without the leading `/` (`"bn":"1024/0/"`), for its root paths;
    // 1.0 §6.4.4 and RFC 8428 name resources by their path from `/`: refused.
    assert!(
        lwm2m_json::decode(br#"{"bn":"1024/0/","e":[{"n":"0","v":1}]}"#)
            .next()
            .unwrap()
            .is_err()
    );
    // Wakaama writes legacy JSON answers without `bn` and with names relative to the request
    // (`{"e":[{"n":"0","sv":"Open Mobile Alliance"},...]}` for Read /3/0), and Leshan reads
    // them against the request's path. `lwm2m_json::decode` has no request path: refused
    // there; `body::decode` has it and reads `/3/0/0`.
    let body = br#"{"e":[{"n":"0","sv":"x"}]}"#;
    assert!(lwm2m_json::decode(body).next().unwrap().is_err());
    let got = body::decode(
        ContentFormat::LWM2M_JSON,
        Path::instance(3, 0),
        body,
        Config::STRICT,
    )
    .unwrap()
    .next()
    .unwrap()
    .unwrap();
    assert_eq!(got.path, Path::resource(3, 0, 0));
    // Leshan (`tlv_power_source__array_values`) also reads the Resource Instance TLVs of a
    // multiple resource without their Multiple Resource TLV (`41 00 01 41 01 05` for /3/0/6);
    // this decoder wants the Multiple Resource TLV that names the resource (refused, in both
    // configurations).
    for config in [Config::STRICT, Config::LENIENT] {
        assert!(
            tlv::decode(&hex("410001410105"), Path::resource(3, 0, 6), config).any(|r| r.is_err())
        );
    }
    // Leshan (`tlv_instance_without_id_tlv`, `tlv_unknown_object__missing_instance_tlv`) reads
    // Resource TLVs answering a Read of an object (/2, /10234) as instance 0's; 1.0 §6.4.3.2
    // answers a Read of an object with Object Instance TLVs (example A, even for the one
    // instance of /3): refused, in both configurations.
    for config in [Config::STRICT, Config::LENIENT] {
        assert!(tlv::decode(&hex("C1010B C1020A"), Path::object(2), config).any(|r| r.is_err()));
        assert!(
            tlv::decode(
                &hex("C601 76616C756531 C602 76616C756531"),
                Path::object(10234),
                config
            )
            .any(|r| r.is_err())
        );
    }
    // Wakaama reads a tag on a value and drops it (23(h'01020304'), 32("http://...")) and
    // reads 1(1363896240.5) as a Float; the LwM2M CBOR types have no such tags: refused.
    for item in [
        "d74401020304",
        "d82076687474703a2f2f7777772e6578616d706c652e636f6d",
        "c1fb41d452d9ec200000",
        "c074323031332d30332d32315432303a30343a30305a",
    ] {
        assert!(single::decode(&hex(item)).is_err(), "{item}");
    }
}
