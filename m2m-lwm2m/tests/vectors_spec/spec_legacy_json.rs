//! Legacy LwM2M JSON (1.0 §6.4.4): the cases of Leshan and Wakaama.

use super::*;

#[test]
fn legacy_json_leshan_and_wakaama() {
    // Leshan `json_device_object_instance0` / `json_encode_device_object_instance`: the 1.0
    // Read /3/0 example; our encoder writes the same text.
    let body = r#"{"bn":"/3/0/","e":[{"n":"0","sv":"Open Mobile Alliance"},
        {"n":"1","sv":"Lightweight M2M Client"},{"n":"2","sv":"345000123"},
        {"n":"3","sv":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},
        {"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},
        {"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},
        {"n":"14","sv":"+02:00"},{"n":"16","sv":"U"}]}"#;
    let recs = legacy(body);
    check(&recs, &device());
    assert_eq!(legacy_text(&recs), squeeze(body));
    // `json_device_object_instance0_with_empty_root_basename` and `..._without_basename`: the
    // same records under `"bn":"/"` and with full names.
    let rooted = squeeze(body)
        .replace(r#""bn":"/3/0/""#, r#""bn":"/""#)
        .replace(r#"{"n":""#, r#"{"n":"3/0/"#);
    check(&legacy(&rooted), &device());
    let full = squeeze(body)
        .replace(r#""bn":"/3/0/","#, "")
        .replace(r#"{"n":""#, r#"{"n":"/3/0/"#);
    check(&legacy(&full), &device());
    // `json_timestamped_resources`: `bn` the resource itself, entries without names, `bt`
    // after `e`; relative times.
    let series = r#"{"bn":"/1024/0/1","e":[{"v":22.9,"t":-30},{"v":22.4,"t":-5},
        {"v":24.1,"t":-50}],"bt":25462634}"#;
    check(
        &legacy(series),
        &[
            ("/1024/0/1", f(22.9), Some(25_462_604.0)),
            ("/1024/0/1", f(22.4), Some(25_462_629.0)),
            ("/1024/0/1", f(24.1), Some(25_462_584.0)),
        ],
    );
    // `json_encode_timestamped_resources`: absolute times, no base time.
    let recs = legacy(
        r#"{"bn":"/1024/0/1","e":[{"v":22.9,"t":500},{"v":22.4,"t":510},{"v":24.1,"t":520}]}"#,
    );
    check(
        &recs,
        &[
            ("/1024/0/1", f(22.9), Some(500.0)),
            ("/1024/0/1", f(22.4), Some(510.0)),
            ("/1024/0/1", f(24.1), Some(520.0)),
        ],
    );
    // `json_timestamped_Object`: names across two instances.
    let object = r#"{"bn":"/1024/","e":[{"n":"0/1","v":22.9,"t":-30},{"n":"0/1","v":22.4,"t":-5},
        {"n":"0/0","sv":"a string","t":-5},{"n":"1/1","v":23,"t":-5},
        {"n":"0/1","v":24.1,"t":-50}],"bt":25462634}"#;
    let recs = legacy(object);
    assert_eq!(recs[3].path, p("/1024/1/1"));
    assert_eq!(recs[3].value, i(23));
    assert_eq!(recs[3].time, Some(25_462_629.0));
    // `json_cut_basename_name_in_the_middle_of_an_id`: "/3/0/1" + "1/0" is /3/0/11/0.
    check(
        &legacy(r#"{"bn":"/3/0/1","e":[{"n":"1/0","v":0},{"n":"1/1","v":0}]}"#),
        &[("/3/0/11/0", i(0), None), ("/3/0/11/1", i(0), None)],
    );
    // `json_custom_object_instance`: a float and a boolean (`bv`).
    check(
        &legacy(
            r#"{"bn":"/1024/0/", "e":[{"n":"0","sv":"a string"},{"n":"1","v":10.5},{"n":"2","bv":true}]}"#,
        ),
        &[
            ("/1024/0/0", s("a string"), None),
            ("/1024/0/1", f(10.5), None),
            ("/1024/0/2", Some(Value::Bool(true)), None),
        ],
    );
    // `json_empty_object`: `{}` is no body; `{"e":[]}` is one without records.
    assert!(lwm2m_json::decode(b"{}").next().unwrap().is_err());
    assert!(legacy(r#"{"e":[]}"#).is_empty());
    // Wakaama `test_9`: object links `ov` below the base name `/`, the null link decimal.
    let links = r#"{ "bn":"/", "e":[{"n":"34/0/0/0","ov":"66:0"},{"n":"34/0/0/1","ov":"66:1"},
        {"n":"34/0/1","sv":"8613800755500"},{"n":"34/0/2","v":1},{"n":"66/0/0","sv":"myService1"},
        {"n":"66/0/1","sv":"Internet.15.234"},{"n":"66/0/2","ov":"31:0"},
        {"n":"66/1/0","sv":"myService2"},{"n":"66/1/1","sv":"Internet.15.235"},
        {"n":"66/1/2","ov":"65535:65535"},{"n":"31/0/0","sv":"85.76.76.84"},
        {"n":"31/0/1","sv":"85.76.255.255"}]}"#;
    let recs = legacy(links);
    assert_eq!(recs.len(), 12);
    assert_eq!(recs[0].value, link(66, 0));
    assert_eq!(recs[6].value, link(31, 0));
    assert_eq!(recs[9].value, Some(Value::ObjLink(ObjLink::NULL)));
    // Wakaama `test_4`: an escaped quote in `sv`; `test_11` to `_14`: concatenation, an empty
    // name, an empty string; `test_15`: resource instance 999.
    let Some(Value::Str(t)) =
        legacy(r#"{"bn":"/11/3/","e":[{"n":"0","sv":"a \"test\""}]}"#)[0].value
    else {
        panic!()
    };
    assert_eq!(t.to_string(), "a \"test\"");
    for (body, path) in [
        (
            r#"{"bn":"/5/0/1", "e":[{"n":"/1","sv":"http"}]}"#,
            "/5/0/1/1",
        ),
        (r#"{"bn":"/5/0", "e":[{"n":"/1","sv":"http"}]}"#, "/5/0/1"),
        (r#"{"bn":"/5/0/1", "e":[{"n":"","sv":"http"}]}"#, "/5/0/1"),
        (r#"{"bn":"/34/0/", "e":[{"n":"2","sv":""}]}"#, "/34/0/2"),
        (
            r#"{"bn":"/2/0/2/","e":[{"n":"0","v":15},{"n":"999","v":1}]}"#,
            "/2/0/2/0",
        ),
    ] {
        assert_eq!(legacy(body)[0].path.to_string(), path, "{body}");
    }
}
