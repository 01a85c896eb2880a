//! Vectors from Eclipse Leshan's CoAP URI tests (`eclipse-leshan/leshan`).

/// Eclipse Leshan `leshan-lwm2m-core` `DefaultEndPointUriParserTest`: the CoAP URIs it takes
/// (scheme, host, port) and the ones it refuses. An IP-literal holds an IPv6address, with an
/// RFC 6874 zone (`%25` and one or more unreserved or percent-encoded characters), or an
/// IPvFuture (RFC 3986 §3.2.2; RFC 7252 §6.1 takes its host from there): anything else in
/// brackets is no host. Leshan also refuses `domain----.org` and `----domain.org`, which are
/// reg-names of RFC 3986 (unreserved characters), if no DNS names: taken here.
#[test]
fn leshan_endpoint_uris() {
    use m2m_coap::{Scheme, Uri};
    for (text, scheme, host, port) in [
        ("coap://localhost", Scheme::Coap, "localhost", None),
        ("coaps://localhost", Scheme::Coaps, "localhost", None),
        ("coap+tcp://localhost", Scheme::CoapTcp, "localhost", None),
        ("coaps+tcp://localhost", Scheme::CoapsTcp, "localhost", None),
        ("coap://localhost:3", Scheme::Coap, "localhost", Some(3)),
        ("coap://domain.org:80", Scheme::Coap, "domain.org", Some(80)),
        (
            "coap://sub.domain.org:888",
            Scheme::Coap,
            "sub.domain.org",
            Some(888),
        ),
        ("coap://0.0.0.0:8888", Scheme::Coap, "0.0.0.0", Some(8888)),
        (
            "coap://sub-sub-domain.sub----domain.org",
            Scheme::Coap,
            "sub-sub-domain.sub----domain.org",
            None,
        ),
        (
            "coap://15.200.199.255:8888",
            Scheme::Coap,
            "15.200.199.255",
            Some(8888),
        ),
        // Leshan's IPv6 hosts, under a CoAP scheme here (Leshan tries them under http, ws, ...).
        (
            "coap://[2001:db8::192.168.1.1]:8080",
            Scheme::Coap,
            "2001:db8::192.168.1.1",
            Some(8080),
        ),
        (
            "coaps://[2001:db8:85a3::8a2e:370:192.168.0.1]:443",
            Scheme::Coaps,
            "2001:db8:85a3::8a2e:370:192.168.0.1",
            Some(443),
        ),
        (
            "coap://[2001:0db8:0000:0042::172.16.0.1]:21",
            Scheme::Coap,
            "2001:0db8:0000:0042::172.16.0.1",
            Some(21),
        ),
        (
            "coap://[2001:4860:4860::8888]:25",
            Scheme::Coap,
            "2001:4860:4860::8888",
            Some(25),
        ),
        ("coap://[::1]:22", Scheme::Coap, "::1", Some(22)),
        (
            "coap://[2001:db8::ff00:42:8329]:23",
            Scheme::Coap,
            "2001:db8::ff00:42:8329",
            Some(23),
        ),
        (
            "coap://[2001:db8::ff00:42:8329%25zoneid]:23",
            Scheme::Coap,
            "2001:db8::ff00:42:8329%25zoneid",
            Some(23),
        ),
        (
            "coap://[2001:db8::ff00:42:8329%25%AA%FFzoneid]:23",
            Scheme::Coap,
            "2001:db8::ff00:42:8329%25%AA%FFzoneid",
            Some(23),
        ),
        (
            "coap://domain----.org:80",
            Scheme::Coap,
            "domain----.org",
            Some(80),
        ),
        (
            "coap://----domain.org:80",
            Scheme::Coap,
            "----domain.org",
            Some(80),
        ),
    ] {
        let u = Uri::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!((u.scheme, u.host, u.port), (scheme, host, port), "{text}");
    }
    for text in [
        "coap",
        "coap:localhost",
        "coap:/localhost",
        "coap://localhost:dazd",
        "coap://domain.org:da80",
        "coap://[dzqd]:80",
        "coap://[aa:aa:aa:aa:aa:aa:aa:aa:aa:aa]:80",
        "coap://[aa:aa:aa:aa::aa:aa:aa:aa]:80",
        "coap://[aa:aa:aa:aa:aa:aa:aa:255.255.255.255]:80",
        "coap://[aa:aa:aa:aa:aa:aa::255.255.255.255]:80",
        "coap://[aa:aa:aa::aa:aa:aa:255.255.255.255]:80",
        "coap://[aa:aa:aa::aa:aa:aa:260.255.255.255]:80",
        "coap://[aa:aa:aa::aa:aa:aa:255.256.255.255]:80",
        "coap://[aa:aa:aa::aa:aa:aa:2555.256.255.255]:80",
        "coap://[aa:aa:aa::aa:aa:aa:255.255.255.255.255]:80",
        "coap://[aa:aa:aa::aa:aa:aa%zoneid]:80",
        "coap://[aa:aa:aa::aa:aa:aa%25%zoneid]:80",
    ] {
        assert!(Uri::parse(text).is_err(), "{text}");
    }
    // An IPvFuture (RFC 3986 §3.2.2) is an IP-literal too.
    assert!(Uri::parse("coap://[v1.fe80::a+en1]/").is_ok());
    assert!(Uri::parse("coap://[v.x]/").is_err());
}
