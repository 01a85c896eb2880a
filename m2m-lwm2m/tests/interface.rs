//! The interface messages, built into CoAP and read back, for both roles.
#![allow(clippy::unwrap_used)] // a failed unwrap is how a test reports a broken message

use m2m_coap::{Builder, Code, ContentFormat, Message, OptionNumber, Type};
use m2m_lwm2m::attributes::Update;
use m2m_lwm2m::interface::{
    BootstrapParams, ClientRequest, Location, RegisterParams, ServerRequest, Strings,
};
use m2m_lwm2m::link::Version;
use m2m_lwm2m::{Path, Reason};

fn server_round_trip(req: ServerRequest<'_>) -> Vec<u8> {
    let mut scratch = Strings::<256>::new();
    let mut b = Builder::<16>::udp(Type::Confirmable, Code::EMPTY, 7);
    req.build(&mut b, &mut scratch).unwrap();
    let mut out = vec![0u8; 512];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    let msg = Message::parse_udp(&out).unwrap();
    assert_eq!(ServerRequest::parse(&msg).unwrap(), req);
    out
}

fn client_round_trip(req: ClientRequest<'_>) -> Vec<u8> {
    let mut scratch = Strings::<256>::new();
    let mut b = Builder::<16>::udp(Type::Confirmable, Code::EMPTY, 7);
    req.build(&mut b, &mut scratch).unwrap();
    let mut out = vec![0u8; 512];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    let msg = Message::parse_udp(&out).unwrap();
    assert_eq!(ClientRequest::parse(&msg).unwrap(), req);
    out
}

#[test]
fn registration_interface() {
    let params = RegisterParams {
        lifetime: Some(300),
        version: Some(Version::V1_1),
        binding: Some("U"),
        ..RegisterParams::register("urn:dev:ops:32473-pump-1")
    };
    let bytes = server_round_trip(ServerRequest::Register {
        params,
        links: "</1/0>,</3/0>,</3303/0>",
    });
    let msg = Message::parse_udp(&bytes).unwrap();
    assert_eq!(msg.uri_path().collect::<Vec<_>>(), ["rd"]);
    assert_eq!(
        msg.uri_query().collect::<Vec<_>>(),
        ["ep=urn:dev:ops:32473-pump-1", "lt=300", "lwm2m=1.1", "b=U"]
    );
    assert_eq!(msg.content_format(), Some(ContentFormat::LINK_FORMAT));
    let location = Location::new(["rd", "5a3f"]).unwrap();
    let update = RegisterParams {
        lifetime: Some(600),
        ..RegisterParams::default()
    };
    server_round_trip(ServerRequest::Update {
        location,
        params: update,
        links: None,
    });
    server_round_trip(ServerRequest::Update {
        location,
        params: RegisterParams::default(),
        links: Some("</3/0>"),
    });
    let bytes = server_round_trip(ServerRequest::Deregister { location });
    assert_eq!(Message::parse_udp(&bytes).unwrap().code(), Code::DELETE);
    server_round_trip(ServerRequest::Send {
        format: ContentFormat::SENML_CBOR,
        payload: &[0x80],
    });
}

#[test]
fn bootstrap_interface() {
    server_round_trip(ServerRequest::BootstrapRequest(BootstrapParams {
        endpoint: "dev",
        preferred: Some(ContentFormat::SENML_CBOR),
    }));
    server_round_trip(ServerRequest::BootstrapPackRequest {
        endpoint: "dev",
        accept: Some(ContentFormat::SENML_CBOR),
    });
    client_round_trip(ClientRequest::BootstrapFinish);
    client_round_trip(ClientRequest::Delete { path: Path::ROOT });
}

#[test]
fn device_management_and_reporting() {
    let p = Path::instance(3, 0);
    let r = Path::resource(3, 0, 4);
    let bytes = client_round_trip(ClientRequest::Read {
        path: p,
        accept: Some(ContentFormat::LWM2M_TLV),
    });
    let msg = Message::parse_udp(&bytes).unwrap();
    assert_eq!(msg.uri_path().collect::<Vec<_>>(), ["3", "0"]);
    assert_eq!(msg.accept(), Some(ContentFormat::LWM2M_TLV));
    client_round_trip(ClientRequest::Read {
        path: p,
        accept: None,
    });
    client_round_trip(ClientRequest::Discover {
        path: Path::object(3),
    });
    client_round_trip(ClientRequest::Observe {
        path: Path::resource(3303, 0, 5700),
        accept: Some(ContentFormat::SENML_CBOR),
    });
    client_round_trip(ClientRequest::CancelObserve {
        path: Path::resource(3303, 0, 5700),
        accept: None,
    });
    let tlv = [0xc1, 0x0e, 0x01];
    client_round_trip(ClientRequest::Write {
        path: p,
        replace: true,
        format: ContentFormat::LWM2M_TLV,
        payload: &tlv,
    });
    client_round_trip(ClientRequest::Write {
        path: p,
        replace: false,
        format: ContentFormat::LWM2M_TLV,
        payload: &tlv,
    });
    // A partial update of a multiple resource: POST on the resource with a Content-Format.
    client_round_trip(ClientRequest::Write {
        path: Path::resource(3, 0, 7),
        replace: false,
        format: ContentFormat::SENML_CBOR,
        payload: &[0x80],
    });
    let update = Update::parse(["pmin=10", "pmax=60", "gt"]).unwrap();
    let bytes = client_round_trip(ClientRequest::WriteAttributes {
        path: Path::resource(3303, 0, 5700),
        update,
    });
    assert_eq!(
        Message::parse_udp(&bytes)
            .unwrap()
            .uri_query()
            .collect::<Vec<_>>(),
        ["pmin=10", "pmax=60", "gt"]
    );
    client_round_trip(ClientRequest::Execute {
        path: r,
        args: b"0='a',1",
    });
    client_round_trip(ClientRequest::Execute { path: r, args: b"" });
    // Execute arguments sent with a Content-Format are still Execute: text (Leshan), octets,
    // or lwm2m-node-lib's write format 1541; a format that carries resource instances makes
    // a partial Write.
    for (cf, execute) in [
        (0u32, true),
        (42, true),
        (1541, true),
        (11542, false),
        (112, false),
    ] {
        let mut b = Builder::<16>::udp(Type::Confirmable, Code::POST, 1);
        for s in ["3", "0", "4"] {
            b.str(OptionNumber::URI_PATH, s).unwrap();
        }
        b.uint(OptionNumber::CONTENT_FORMAT, cf).unwrap();
        b.payload(b"0='a'");
        let mut buf = [0u8; 64];
        let n = b.encode(&mut buf).unwrap();
        let msg = Message::parse_udp(&buf[..n]).unwrap();
        let req = ClientRequest::parse(&msg).unwrap();
        assert_eq!(
            matches!(req, ClientRequest::Execute { path, args: b"0='a'" } if path == r),
            execute,
            "{cf}: {req:?}"
        );
    }
    // A partial Write of a resource in a format without instances is not built: it would
    // read as Execute.
    let mut b = Builder::<16>::udp(Type::Confirmable, Code::EMPTY, 7);
    let mut scratch = Strings::<8>::new();
    let text = ClientRequest::Write {
        path: r,
        replace: false,
        format: ContentFormat::TEXT_PLAIN,
        payload: b"1",
    };
    assert_eq!(
        text.build(&mut b, &mut scratch).unwrap_err().reason,
        Reason::Unrepresentable
    );
    client_round_trip(ClientRequest::Create {
        path: Path::object(3303),
        format: ContentFormat::LWM2M_TLV,
        payload: &tlv,
    });
    client_round_trip(ClientRequest::Delete {
        path: Path::instance(3303, 1),
    });
    client_round_trip(ClientRequest::Composite {
        observe: None,
        format: ContentFormat::SENML_JSON,
        accept: Some(ContentFormat::SENML_CBOR),
        payload: br#"[{"n":"/3/0/9"}]"#,
    });
    client_round_trip(ClientRequest::Composite {
        observe: Some(0),
        format: ContentFormat::SENML_JSON,
        accept: None,
        payload: b"[]",
    });
    client_round_trip(ClientRequest::WriteComposite {
        format: ContentFormat::SENML_CBOR,
        payload: &[0x80],
    });
    // A gateway prefix is the first Uri-Path segment.
    let gw = Path::parse("/dev1/3303/0/5700").unwrap();
    let bytes = client_round_trip(ClientRequest::Read {
        path: gw,
        accept: None,
    });
    assert_eq!(
        Message::parse_udp(&bytes)
            .unwrap()
            .uri_path()
            .collect::<Vec<_>>(),
        ["dev1", "3303", "0", "5700"]
    );
}

#[test]
fn refuses_what_is_not_lwm2m() {
    // Each with why: a bad path (4.04), a method LwM2M does not define there (4.05, RFC 7252
    // §5.8), or a bad request (4.00).
    type Case<'c> = (Code, &'c [&'c str], &'c [&'c str], Option<u32>, Reason);
    let cases: &[Case<'_>] = &[
        (Code::GET, &["3", "x"], &[], None, Reason::BadPath),
        (Code::GET, &["3", "65535"], &[], None, Reason::BadPath),
        (
            Code::POST,
            &["3", "0", "1", "2"],
            &[],
            None,
            Reason::MethodNotAllowed,
        ),
        (Code::GET, &["3"], &[], Some(5), Reason::Unsupported),
        (
            Code::PUT,
            &["3", "0"],
            &["pmin=x"],
            None,
            Reason::BadAttribute,
        ),
        (Code::PATCH, &["3"], &[], None, Reason::MethodNotAllowed),
    ];
    for (code, path, query, observe, reason) in cases {
        let mut b = Builder::<16>::udp(Type::Confirmable, *code, 1);
        if let Some(o) = observe {
            b.uint(OptionNumber::OBSERVE, *o).unwrap();
        }
        for s in *path {
            b.str(OptionNumber::URI_PATH, s).unwrap();
        }
        for q in *query {
            b.str(OptionNumber::URI_QUERY, q).unwrap();
        }
        let mut out = [0u8; 128];
        let n = b.encode(&mut out).unwrap();
        let msg = Message::parse_udp(&out[..n]).unwrap();
        let e = ClientRequest::parse(&msg).unwrap_err();
        assert_eq!(e.reason, *reason, "{code:?} {path:?}");
    }
    // A Register without ep, a POST elsewhere.
    for (path, query) in [(&["rd"][..], &["lt=5"][..]), (&["xx"], &[]), (&["bs"], &[])] {
        let mut b = Builder::<16>::udp(Type::Confirmable, Code::POST, 1);
        for s in path {
            b.str(OptionNumber::URI_PATH, s).unwrap();
        }
        for q in query {
            b.str(OptionNumber::URI_QUERY, q).unwrap();
        }
        let mut out = [0u8; 128];
        let n = b.encode(&mut out).unwrap();
        assert!(
            ServerRequest::parse(&Message::parse_udp(&out[..n]).unwrap()).is_err(),
            "{path:?}"
        );
    }
}

/// Each operation's CoAP method, Observe value and Uri-Path, as the operation-to-CoAP mapping
/// tables of the LwM2M 1.1 Transport specification give them (FETCH and iPATCH for the
/// composite operations): what the round trips above only read back.
#[test]
fn operations_map_to_their_coap_methods() {
    let p = Path::instance(3, 0);
    let tlv = [0xc1, 0x0e, 0x01];
    let update = Update::parse(["pmin=10"]).unwrap();
    let client: &[(ClientRequest<'_>, Code, Option<u32>, &[&str])] = &[
        (
            ClientRequest::Read {
                path: p,
                accept: None,
            },
            Code::GET,
            None,
            &["3", "0"],
        ),
        (
            ClientRequest::Discover { path: p },
            Code::GET,
            None,
            &["3", "0"],
        ),
        (
            ClientRequest::Observe {
                path: p,
                accept: None,
            },
            Code::GET,
            Some(0),
            &["3", "0"],
        ),
        (
            ClientRequest::CancelObserve {
                path: p,
                accept: None,
            },
            Code::GET,
            Some(1),
            &["3", "0"],
        ),
        (
            ClientRequest::Write {
                path: p,
                replace: true,
                format: ContentFormat::LWM2M_TLV,
                payload: &tlv,
            },
            Code::PUT,
            None,
            &["3", "0"],
        ),
        (
            ClientRequest::Write {
                path: p,
                replace: false,
                format: ContentFormat::LWM2M_TLV,
                payload: &tlv,
            },
            Code::POST,
            None,
            &["3", "0"],
        ),
        (
            ClientRequest::WriteAttributes { path: p, update },
            Code::PUT,
            None,
            &["3", "0"],
        ),
        (
            ClientRequest::Execute {
                path: Path::resource(3, 0, 4),
                args: b"",
            },
            Code::POST,
            None,
            &["3", "0", "4"],
        ),
        (
            ClientRequest::Create {
                path: Path::object(3303),
                format: ContentFormat::LWM2M_TLV,
                payload: &tlv,
            },
            Code::POST,
            None,
            &["3303"],
        ),
        (
            ClientRequest::Delete { path: p },
            Code::DELETE,
            None,
            &["3", "0"],
        ),
        (
            ClientRequest::Composite {
                observe: None,
                format: ContentFormat::SENML_JSON,
                accept: None,
                payload: b"[]",
            },
            Code::FETCH,
            None,
            &[],
        ),
        (
            ClientRequest::Composite {
                observe: Some(0),
                format: ContentFormat::SENML_JSON,
                accept: None,
                payload: b"[]",
            },
            Code::FETCH,
            Some(0),
            &[],
        ),
        (
            ClientRequest::WriteComposite {
                format: ContentFormat::SENML_CBOR,
                payload: &[0x80],
            },
            Code::IPATCH,
            None,
            &[],
        ),
        (ClientRequest::BootstrapFinish, Code::POST, None, &["bs"]),
    ];
    for (req, code, observe, path) in client {
        let bytes = client_round_trip(*req);
        let msg = Message::parse_udp(&bytes).unwrap();
        assert_eq!(msg.code(), *code, "{req:?}");
        assert_eq!(msg.observe(), *observe, "{req:?}");
        assert_eq!(msg.uri_path().collect::<Vec<_>>(), *path, "{req:?}");
    }
    // Discover asks for the link format.
    let bytes = client_round_trip(ClientRequest::Discover { path: p });
    let msg = Message::parse_udp(&bytes).unwrap();
    assert_eq!(msg.accept(), Some(ContentFormat::LINK_FORMAT));
    let location = Location::new(["rd", "5a3f"]).unwrap();
    let server: &[(ServerRequest<'_>, Code, &[&str])] = &[
        (
            ServerRequest::Register {
                params: RegisterParams::register("dev"),
                links: "</3/0>",
            },
            Code::POST,
            &["rd"],
        ),
        (
            ServerRequest::Update {
                location,
                params: RegisterParams::default(),
                links: None,
            },
            Code::POST,
            &["rd", "5a3f"],
        ),
        (
            ServerRequest::Deregister { location },
            Code::DELETE,
            &["rd", "5a3f"],
        ),
        (
            ServerRequest::Send {
                format: ContentFormat::SENML_CBOR,
                payload: &[0x80],
            },
            Code::POST,
            &["dp"],
        ),
        (
            ServerRequest::BootstrapRequest(BootstrapParams {
                endpoint: "dev",
                preferred: None,
            }),
            Code::POST,
            &["bs"],
        ),
        (
            ServerRequest::BootstrapPackRequest {
                endpoint: "dev",
                accept: None,
            },
            Code::GET,
            &["bspack"],
        ),
    ];
    for (req, code, path) in server {
        let bytes = server_round_trip(*req);
        let msg = Message::parse_udp(&bytes).unwrap();
        assert_eq!(msg.code(), *code, "{req:?}");
        assert_eq!(msg.uri_path().collect::<Vec<_>>(), *path, "{req:?}");
    }
}
