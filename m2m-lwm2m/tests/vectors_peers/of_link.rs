//! Peers' vectors: CoRE link format (registration payloads, Discover) and Write-Attributes queries.

use super::*;

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

#[test]
fn write_attributes_leshan_request_rules() {
    // Leshan `WriteAttributesRequestTest`: the rules between attributes of one request.
    let set =
        |qs: &[&str]| Update::parse(qs.iter().copied()).and_then(|u| u.apply(&Attributes::NONE));
    // `should_throw_on_lt_greater_than_gt`, `should_throw_on_gt_equals_lt`,
    // `should_throw_on_invalid_lt_gt_st_combination` (lt + 2 st < gt, Core 1.1 §5.1.2):
    // refused here too.
    for qs in [
        &["lt=50", "gt=49"][..],
        &["gt=50", "lt=50"],
        &["lt=10", "st=2", "gt=12"],
    ] {
        assert_eq!(set(qs), Err(Error::new(0, Reason::BadAttribute)), "{qs:?}");
    }
    assert!(set(&["lt=10", "st=2", "gt=14.5"]).is_ok());
    // `should_throw_on_pmin_greater_than_pmax` (and `..._epmin_greater_than_pmax`, which sets
    // pmin 50 and pmax 49 as well): Leshan refuses, after the CoRE dynlink draft. The LwM2M
    // Core's notes on the Maximum Period have the client ignore such a pmax instead (1.0.2 and
    // 1.2: one smaller than pmin; 1.1 and 1.1.1 said one not greater, see
    // OMA_LwM2M_for_Developers issue 495): the request is taken here, and `notify::decide`
    // ignores a pmax below pmin (one equal to pmin it keeps, as 1.0.2 and 1.2 have it), as it
    // does for attributes merged from several levels, where the two may come from different
    // Write-Attributes.
    let a = set(&["pmin=50", "pmax=49"]).unwrap();
    assert_eq!((a.pmin, a.pmax), (Some(50), Some(49)));
    // `leshan-integration-tests` `WriteAttributeFailedTest`: a first Write-Attributes taken, then
    // a second one that breaks a rule with what the first set at the same path gets 4.00.
    // Ours checks the attributes the second would leave (`Update::apply`): the same, but for
    // pmax below pmin (above).
    for (first, second) in [
        (&["epmin=300"][..], &["epmax=200"][..]),
        (&["gt=100"], &["lt=200"]),
        (&["gt=200"], &["lt=200"]),
        (&["gt=11"], &["lt=10", "st=2"]),
        (&["gt=14"], &["lt=10", "st=2"]),
    ] {
        let state = set(first).unwrap();
        let second_update = Update::parse(second.iter().copied()).unwrap();
        assert_eq!(
            second_update.apply(&state),
            Err(Error::new(0, Reason::BadAttribute)),
            "{first:?} then {second:?}"
        );
    }
    let state = set(&["pmin=300"]).unwrap();
    assert!(Update::parse(["pmax=200"]).unwrap().apply(&state).is_ok());
}

/// Our link writer's text for the links of `links`.
fn written(links: &[link::ObjectLink<'_>]) -> String {
    let mut out = vec![0u8; link::encoded_len(links)];
    let n = link::encode(links, &mut out).unwrap();
    out.truncate(n);
    String::from_utf8(out).unwrap()
}

#[test]
fn link_format_leshan_link_format_helper() {
    // Leshan `leshan-lwm2m-client` `LinkFormatHelperTest`: the Register payloads
    // (`encode_client_description_*`, `encode_*content_format`) and Bootstrap-Discover answers
    // (`encode_bootstrap_*`) a client writes; ours are the same text, and read back.
    let obj = |o| link::ObjectLink::path(Path::object(o));
    let inst = |o, i| link::ObjectLink::path(Path::instance(o, i));
    let v2 = Version { major: 2, minor: 0 };
    let root = link::ObjectLink::root(None);
    let bs_root = link::ObjectLink {
        target: Target::Root { path: "/" },
        lwm2m: Some(Version::V1_0),
        ..link::ObjectLink::path(Path::ROOT)
    };
    let with = |l: link::ObjectLink<'static>, ssid: Option<u16>, uri: Option<&'static str>| {
        link::ObjectLink { ssid, uri, ..l }
    };
    let cases: Vec<(Vec<link::ObjectLink<'static>>, &str)> = vec![
        (vec![root, inst(6, 0)], r#"</>;rt="oma.lwm2m",</6/0>"#),
        (
            vec![root, obj(6).with_version(v2), inst(6, 0), inst(6, 1)],
            r#"</>;rt="oma.lwm2m",</6>;ver=2.0,</6/0>,</6/1>"#,
        ),
        (
            vec![root, obj(6).with_version(v2)],
            r#"</>;rt="oma.lwm2m",</6>;ver=2.0"#,
        ),
        (
            vec![link::ObjectLink::root(Some("11542")), obj(6)],
            r#"</>;rt="oma.lwm2m";ct=11542,</6>"#,
        ),
        (
            vec![link::ObjectLink::root(Some("11542 11543 42")), obj(6)],
            r#"</>;rt="oma.lwm2m";ct="11542 11543 42",</6>"#,
        ),
        (vec![bs_root, inst(3, 0)], "</>;lwm2m=1.0,</3/0>"),
        (
            vec![bs_root, obj(3).with_version(v2), inst(3, 0)],
            "</>;lwm2m=1.0,</3>;ver=2.0,</3/0>",
        ),
        (
            vec![bs_root, with(inst(1, 0), Some(333), None)],
            "</>;lwm2m=1.0,</1/0>;ssid=333",
        ),
        (
            vec![
                bs_root,
                with(inst(0, 0), Some(111), Some("coap://localhost:11")),
                with(inst(0, 1), None, Some("coap://localhost:1")),
                with(inst(0, 2), Some(222), Some("coap://localhost:22")),
                with(inst(0, 3), Some(333), Some("coap://localhost:33")),
                obj(1).with_version(v2),
                with(inst(1, 0), Some(333), None),
                obj(2).with_version(v2),
                inst(3, 0),
            ],
            r#"</>;lwm2m=1.0,</0/0>;ssid=111;uri="coap://localhost:11",</0/1>;uri="coap://localhost:1",</0/2>;ssid=222;uri="coap://localhost:22",</0/3>;ssid=333;uri="coap://localhost:33",</1>;ver=2.0,</1/0>;ssid=333,</2>;ver=2.0,</3/0>"#,
        ),
    ];
    for (l, text) in cases {
        assert_eq!(written(&l), text);
        assert_eq!(links(text, Config::STRICT).unwrap(), l, "{text}");
    }
}

#[test]
fn link_format_anjay_corelnk() {
    // Anjay `tests/core/io/corelnk.c` `test_corelnk_output`: the object links Anjay registers
    // with. From LwM2M 1.1 on it writes `ver` bare, read strictly and written back the same.
    let v11 = "</1>;ver=1.1,</1/14>,</1/42>,</1/69>,</25>,</42/14>,</69>;ver=21.37,</69/14>,\
        </69/42>,</69/69>,</128/14>,</128/42>,</128/69>";
    let l = links(v11, Config::STRICT).unwrap();
    assert_eq!(l.len(), 13);
    assert_eq!(l[0].version, Some(Version { major: 1, minor: 1 }));
    assert_eq!(
        l[6].version,
        Some(Version {
            major: 21,
            minor: 37
        })
    );
    assert_eq!(written(&l), v11);
    // For LwM2M 1.0 it quotes it, `</1>;ver="1.1"`, as 1.0's §6.2.3 example does (its
    // Bootstrap-Discover example, §5.2.7.3, does not; 1.1 §5.1.2 has it bare). The strict
    // reading refuses the quoted form (`Config::quoted_ver`), the lenient one reads the same
    // links.
    let v10 = v11
        .replace("ver=1.1", "ver=\"1.1\"")
        .replace("ver=21.37", "ver=\"21.37\"");
    assert!(links(&v10, Config::STRICT).is_err());
    assert_eq!(links(&v10, Config::LENIENT).unwrap(), l);
}

#[test]
fn paths_wakaama_uri_tests() {
    // Wakaama `tests/core_uritests.c` (1.1 build): `test_uri_decode` on Uri-Path segments,
    // `test_string_to_uri` and `test_uri_to_string` on text.
    use m2m_lwm2m::interface::path_of;
    assert_eq!(path_of(["9050", "11", "0", "12"]), Ok(p("/9050/11/0/12")));
    assert_eq!(path_of(["11", "0", "12"]), Ok(p("/11/0/12")));
    assert_eq!(path_of(["12"]), Ok(p("/12")));
    assert_eq!(path_of([]), Ok(Path::ROOT));
    // Five levels, and a segment that is no id.
    assert!(path_of(["9050", "11", "0", "12", "555"]).is_err());
    assert!(path_of(["0", "5a3f"]).is_err());
    for (text, levels) in [
        ("/", &[][..]),
        ("/1", &[1]),
        ("/1/2", &[1, 2]),
        ("/1/2/3", &[1, 2, 3]),
        ("/1/2/3/4", &[1, 2, 3, 4]),
        ("/65534/65534/65534/65534", &[65534, 65534, 65534, 65534]),
    ] {
        let path = Path::parse(text).unwrap();
        assert_eq!(path.levels(), levels, "{text}");
        assert_eq!(path.to_string(), text);
    }
    for text in ["", "no_uri", "/1/2/3/4/5"] {
        assert!(Path::parse(text).is_err(), "{text:?}");
    }
}

/// Eclipse Leshan `DDFFileParserTest.test_xxe_injection_failed`: a DDF file with a DOCTYPE
/// declaring an external entity (`<!ENTITY xxe SYSTEM "/etc/passwd">`) used in a description is
/// refused, and so is it here (no DTD is read); the same object without the DOCTYPE and the
/// entity is read.
#[test]
fn ddf_with_an_external_entity_is_refused_leshan() {
    let object = r#"<LWM2M>
    <Object ObjectType="MODefinition">
        <Name>LWM2M Security</Name>
        <Description1>DESCRIPTION</Description1>
        <ObjectID>0</ObjectID>
        <ObjectURN>urn:oma:lwm2m:oma:0:1.2</ObjectURN>
        <LWM2MVersion>1.1</LWM2MVersion>
        <ObjectVersion>1.2</ObjectVersion>
        <MultipleInstances>Multiple</MultipleInstances>
        <Mandatory>Mandatory</Mandatory>
        <Resources>
            <Item ID="0">
                <Name>LWM2M  Server URI</Name>
                <Operations></Operations>
                <MultipleInstances>Single</MultipleInstances>
                <Mandatory>Mandatory</Mandatory>
                <Type>String</Type>
                <RangeEnumeration>0..255</RangeEnumeration>
                <Units></Units>
                <Description><![CDATA[Server URI]]></Description>
            </Item>
        </Resources>
        <Description2><![CDATA[]]></Description2>
    </Object>
</LWM2M>"#;
    let xxe = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE data[\n    <!ENTITY xxe SYSTEM \"/etc/passwd\">\n]>\n{}",
        object.replace("DESCRIPTION", "&xxe;")
    );
    assert!(m2m_lwm2m::model::ddf::parse(&xxe).is_err());
    let plain = m2m_lwm2m::model::ddf::parse(&object.replace("DESCRIPTION", "text")).unwrap();
    assert_eq!(plain.len(), 1);
    assert_eq!(plain[0].resources.len(), 1);
}

/// Leshan `core/node/LwM2mPathTest.test_compare_path`: paths order depth first (`/` before
/// `/1`, `/1` before `/1/1`, `/1/1/1/1` before `/2`), as `Path`'s `Ord` does. Agrees. (Its
/// `PrefixedLwM2mPathTest` orders alternate root paths such as `/lwm2m/folder1`, several
/// segments, which are not gateway prefixes and are not `Path`s here.)
#[test]
fn leshan_path_order() {
    for s in ["/", "/1", "/1/2", "/1/2/3", "/1/2/3/4"] {
        assert_eq!(p(s).cmp(&p(s)), std::cmp::Ordering::Equal, "{s}");
    }
    let smaller = [
        ("/", "/1"),
        ("/", "/1/1"),
        ("/", "/1/1/1"),
        ("/", "/1/1/1/1"),
        ("/1", "/1/1"),
        ("/1", "/1/1/1"),
        ("/1", "/1/1/1/1"),
        ("/1/1", "/1/1/1"),
        ("/1/1", "/1/1/1/1"),
        ("/1/1/1", "/1/1/1/1"),
    ];
    let mut pairs = smaller.to_vec();
    for second in ["/2", "/2/1", "/2/1/1", "/2/1/1/1"] {
        for first in ["/1", "/1/1", "/1/1/1", "/1/1/1/1"] {
            pairs.push((first, second));
        }
    }
    for (a, b) in pairs {
        assert!(p(a) < p(b), "{a} < {b}");
        assert!(p(b) > p(a), "{b} > {a}");
    }
    // And with a leading zero id, where a shorter path's unused levels could tie: `/0` after `/`,
    // `/1/0` after `/1`.
    assert!(p("/") < p("/0"));
    assert!(p("/1") < p("/1/0"));
    assert!(p("/1/0/0/0") > p("/1/0/0"));
}

/// Anjay `tests/core/io/cbor_in.c` `valid_paths` / `invalid_paths`: absolute paths read by
/// `Path::parse`. Agree: `/` to four levels and ids up to 65534 taken; the empty text, a
/// relative `1`, `//`, a trailing `/` after an id, 65535 (reserved) and 65536, and an empty
/// segment refused. `/-1/2/3`, which Anjay refuses without gateway support, reads here as the
/// gateway prefix `-1` before `/2/3` (a prefix need only not start with a digit, Gateway
/// §5.2.2), as Anjay built with its gateway may take it (the test is left out there).
#[test]
fn anjay_cbor_in_paths() {
    for s in [
        "/",
        "/1",
        "/1/2",
        "/1/2/3",
        "/1/2/3/4",
        "/1/2/3/65534",
        "/65534/65534/65534/65534",
    ] {
        assert!(Path::parse(s).is_ok(), "{s}");
    }
    for s in [
        "",
        "1",
        "//",
        "/1/",
        "/1/2/",
        "/1/2/3/",
        "/1/2/3/4/",
        "/1/2/3/65535",
        "/1/2/3/65536",
        "/1/2//3",
    ] {
        assert!(Path::parse(s).is_err(), "{s}");
    }
    let g = Path::parse("/-1/2/3").unwrap();
    assert_eq!((g.prefix(), g.without_prefix()), (Some("-1"), p("/2/3")));
}
