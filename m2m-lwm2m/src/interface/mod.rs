//! The LwM2M interfaces as typed messages over m2m-coap (OMA-TS-LightweightM2M_Transport 1.1
//! §6 "CoAP binding" and OMA-TS-LightweightM2M_Core 1.1 §5): what each request means, read
//! from a received [`Message`], and built into a
//! [`Builder`], for both roles.
//!
//! | interface | operation | CoAP |
//! |---|---|---|
//! | Bootstrap | Request / Pack-Request / Finish | POST `/bs?ep=` / GET `/bspack?ep=` / POST `/bs` |
//! | Registration | Register / Update / De-register | POST `/rd?ep=…` / POST `/rd/{loc}` / DELETE `/rd/{loc}` |
//! | Device Management | Read / Discover / Write / Write-Attributes / Execute / Create / Delete | GET / GET Accept 40 / PUT or POST / PUT `?pmin=…` / POST / POST `/o` / DELETE |
//! | | Read-Composite / Write-Composite | FETCH / iPATCH |
//! | Information Reporting | Observe / Cancel / Notify / Observe-Composite / Send | GET Observe 0 / GET Observe 1 / 2.05 Observe n / FETCH Observe 0 / POST `/dp` |
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod args;
mod query;
mod strings;

pub use args::{Arg, args};

pub(crate) use query::valid_binding;
pub use query::{BootstrapParams, DEFAULT_LIFETIME, RegisterParams};
pub use strings::Strings;

use core::fmt;

use m2m_coap::{Builder, Code, ContentFormat, Message, OptionNumber};

use crate::attributes::Update;
use crate::error::{Error, Reason};
use crate::path::{Path, parse_id, valid_prefix};

/// The registration interface's root path segment.
pub const RD: &str = "rd";
/// The bootstrap interface's root path segment.
pub const BS: &str = "bs";
/// The Send operation's path segment (1.1).
pub const DP: &str = "dp";
/// The Bootstrap-Pack-Request path segment (1.2).
pub const BSPACK: &str = "bspack";

/// The location of a registration (the Location-Path of the 2.01 answer to Register), up to four
/// segments, e.g. `rd/5a3f`.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Location<'a> {
    segs: [&'a str; 4],
    len: usize,
}

impl<'a> Location<'a> {
    /// From its segments; `None` for none or more than four.
    pub fn new(segments: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut l = Location::default();
        for s in segments {
            *l.segs.get_mut(l.len)? = s;
            l.len = l.len.saturating_add(1);
        }
        (l.len > 0).then_some(l)
    }

    /// The segments.
    #[must_use]
    pub fn segments(&self) -> &[&'a str] {
        self.segs.get(..self.len).unwrap_or_default()
    }

    /// The Location-Path of a 2.01 answer to Register.
    #[must_use]
    pub fn from_response(msg: &Message<'a>) -> Option<Self> {
        Location::new(msg.strs(OptionNumber::LOCATION_PATH))
    }
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.segments().iter().try_for_each(|s| write!(f, "/{s}"))
    }
}

impl fmt::Debug for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Location<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The path the Uri-Path segments of a request name: `/`, `/o`, ... `/o/i/r/ri`, after an
/// optional gateway prefix segment (1.2).
pub fn path_of<'a>(segments: impl IntoIterator<Item = &'a str>) -> Result<Path<'a>, Error> {
    let mut path = Path::ROOT;
    let mut prefix = None;
    for (i, s) in segments.into_iter().enumerate() {
        let bad = Error::new(i, Reason::BadPath);
        if i == 0 && !s.starts_with(|c: char| c.is_ascii_digit()) {
            if !valid_prefix(s) {
                return Err(bad);
            }
            prefix = Some(s);
            continue;
        }
        path = path.child(parse_id(s).ok_or(bad)?).ok_or(bad)?;
    }
    match prefix {
        Some(p) => path.with_prefix(p),
        None => Ok(path),
    }
}

/// A request an LwM2M server (or bootstrap server) receives from a client: Bootstrap-Request
/// (Core 1.1 §5.2.7.1), Register, Update and De-register (§6.2), and Send (§6.4).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ServerRequest<'a> {
    /// Register: POST `/rd?ep=…` with the object links.
    Register {
        /// The query parameters.
        params: RegisterParams<'a>,
        /// The link-format payload ([`crate::link::parse`]).
        links: &'a str,
    },
    /// Update: POST to the registration's location, optionally with new parameters and links.
    Update {
        /// Where.
        location: Location<'a>,
        /// What changes.
        params: RegisterParams<'a>,
        /// New object links, if the payload has them.
        links: Option<&'a str>,
    },
    /// De-register: DELETE the registration's location.
    Deregister {
        /// Where.
        location: Location<'a>,
    },
    /// Bootstrap-Request: POST `/bs?ep=…`.
    BootstrapRequest(BootstrapParams<'a>),
    /// Bootstrap-Pack-Request: GET `/bspack?ep=…` (1.2).
    BootstrapPackRequest {
        /// The endpoint.
        endpoint: &'a str,
        /// The format asked for.
        accept: Option<ContentFormat>,
    },
    /// Send: POST `/dp` with SenML or LwM2M CBOR records (1.1).
    Send {
        /// The payload's format.
        format: ContentFormat,
        /// The records.
        payload: &'a [u8],
    },
}

/// A request an LwM2M client receives from a server or bootstrap server: the Device Management and
/// Information Reporting operations (Core 1.1 §6.3, §6.4) and the bootstrap server's (§5.2.7).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ClientRequest<'a> {
    /// Read: GET.
    Read {
        /// What.
        path: Path<'a>,
        /// The format asked for.
        accept: Option<ContentFormat>,
    },
    /// Discover: GET with Accept 40 (`application/link-format`).
    Discover {
        /// What.
        path: Path<'a>,
    },
    /// Observe: GET with Observe 0.
    Observe {
        /// What.
        path: Path<'a>,
        /// The format asked for.
        accept: Option<ContentFormat>,
    },
    /// Cancel Observation: GET with Observe 1.
    CancelObserve {
        /// What.
        path: Path<'a>,
        /// The format asked for.
        accept: Option<ContentFormat>,
    },
    /// Write: PUT (replace) or POST (partial update) with a payload. A partial update names
    /// an instance, or a multiple resource whose instances it adds or changes in TLV, LwM2M
    /// JSON, SenML JSON or CBOR, or LwM2M CBOR (a POST on a resource in any other format is an
    /// Execute, and building one is refused).
    Write {
        /// What.
        path: Path<'a>,
        /// PUT replaces; POST updates.
        replace: bool,
        /// The payload's format.
        format: ContentFormat,
        /// The values.
        payload: &'a [u8],
    },
    /// Write-Attributes: PUT with attribute queries and no payload.
    WriteAttributes {
        /// What.
        path: Path<'a>,
        /// The changes.
        update: Update,
    },
    /// Execute: POST on a resource, with optional arguments (§5.4.5: `0='a',1`; read them with
    /// [`args`]).
    Execute {
        /// Which resource.
        path: Path<'a>,
        /// The arguments as text.
        args: &'a [u8],
    },
    /// Create: POST on an object.
    Create {
        /// The object.
        path: Path<'a>,
        /// The payload's format.
        format: ContentFormat,
        /// The new instance's values.
        payload: &'a [u8],
    },
    /// Delete: DELETE (`/` for a Bootstrap-Delete of everything).
    Delete {
        /// What.
        path: Path<'a>,
    },
    /// Read-Composite (FETCH), Observe-Composite (FETCH, Observe 0) or its cancellation
    /// (FETCH, Observe 1); the payload lists the paths (1.1).
    Composite {
        /// `None` for Read-Composite, `Some(0)` to observe, `Some(1)` to cancel.
        observe: Option<u32>,
        /// The payload's format.
        format: ContentFormat,
        /// The format asked for.
        accept: Option<ContentFormat>,
        /// The paths.
        payload: &'a [u8],
    },
    /// Write-Composite: iPATCH with the records (1.1).
    WriteComposite {
        /// The payload's format.
        format: ContentFormat,
        /// The records.
        payload: &'a [u8],
    },
    /// Bootstrap-Finish: POST `/bs`.
    BootstrapFinish,
}

/// Whether the payload of a Register or Update is link-format as its Content-Format says
/// (Core 1.1 §6.2.1, Transport 1.1 §6.4: `application/link-format`); a request without the
/// option, or without a payload, passes.
pub(crate) fn links_format(msg: &Message<'_>) -> bool {
    msg.payload().is_empty()
        || msg
            .content_format()
            .is_none_or(|f| f == ContentFormat::LINK_FORMAT)
}

fn bad_request() -> Error {
    Error::new(0, Reason::Unsupported)
}

impl<'a> ServerRequest<'a> {
    /// What `msg` asks of a server; an error for anything else (answer 4.00 or 4.04).
    pub fn parse(msg: &Message<'a>) -> Result<Self, Error> {
        Self::parse_with(msg, &crate::error::Config::STRICT)
    }

    /// Like [`ServerRequest::parse`], with the tolerances of `config`.
    pub fn parse_with(msg: &Message<'a>, config: &crate::error::Config) -> Result<Self, Error> {
        let mut segs = msg.uri_path();
        let first = segs.next().ok_or_else(bad_request)?;
        let code = msg.code();
        let text = |b: &'a [u8]| {
            core::str::from_utf8(b).map_err(|e| Error::new(e.valid_up_to(), Reason::BadUtf8))
        };
        if first == RD && code == Code::POST && !links_format(msg) {
            return Err(Error::new(0, Reason::Unsupported));
        }
        match (first, code) {
            (RD, Code::POST) if segs.clone().next().is_none() => Ok(ServerRequest::Register {
                params: RegisterParams::parse_with(msg.uri_query(), true, config)?,
                links: text(msg.payload())?,
            }),
            (RD, Code::POST) => Ok(ServerRequest::Update {
                location: Location::new(msg.uri_path()).ok_or_else(bad_request)?,
                params: RegisterParams::parse(msg.uri_query(), false)?,
                links: if msg.payload().is_empty() {
                    None
                } else {
                    Some(text(msg.payload())?)
                },
            }),
            (RD, Code::DELETE) if segs.clone().next().is_some() => Ok(ServerRequest::Deregister {
                location: Location::new(msg.uri_path()).ok_or_else(bad_request)?,
            }),
            (BS, Code::POST) if segs.next().is_none() => Ok(ServerRequest::BootstrapRequest(
                BootstrapParams::parse(msg.uri_query())?,
            )),
            (BSPACK, Code::GET) if segs.next().is_none() => {
                Ok(ServerRequest::BootstrapPackRequest {
                    endpoint: BootstrapParams::parse(msg.uri_query())?.endpoint,
                    accept: msg.accept(),
                })
            }
            (DP, Code::POST) if segs.next().is_none() => Ok(ServerRequest::Send {
                format: msg.content_format().ok_or_else(bad_request)?,
                payload: msg.payload(),
            }),
            _ => Err(bad_request()),
        }
    }

    /// Sets the code, Uri-Path, Uri-Query, Content-Format and payload of `b` for this request;
    /// the text of numbers goes into `scratch`, which must outlive the builder.
    pub fn build<'b, const N: usize, const S: usize>(
        &self,
        b: &mut Builder<'b, N>,
        scratch: &'b mut Strings<S>,
    ) -> Result<(), Error>
    where
        'a: 'b,
    {
        let err = |_| Error::new(0, Reason::BufferTooSmall);
        scratch.clear();
        let mut push =
            |a: fmt::Arguments<'_>| scratch.push_fmt(a).map(drop).map_err(|_| fmt::Error);
        match self {
            ServerRequest::Register { params, .. } | ServerRequest::Update { params, .. } => {
                params
                    .write_queries(&mut push)
                    .map_err(|_| Error::new(0, Reason::BufferTooSmall))?;
            }
            ServerRequest::BootstrapRequest(p) => {
                p.write_queries(&mut push)
                    .map_err(|_| Error::new(0, Reason::BufferTooSmall))?;
            }
            ServerRequest::BootstrapPackRequest { endpoint, .. } => {
                push(format_args!("ep={endpoint}"))
                    .map_err(|_| Error::new(0, Reason::BufferTooSmall))?;
            }
            _ => {}
        }
        let scratch: &'b Strings<S> = scratch;
        let (code, segs): (Code, Location<'b>) = match *self {
            ServerRequest::Register { .. } => (Code::POST, Location::new([RD]).unwrap_or_default()),
            ServerRequest::Update { location, .. } => (Code::POST, location),
            ServerRequest::Deregister { location } => (Code::DELETE, location),
            ServerRequest::BootstrapRequest(_) => {
                (Code::POST, Location::new([BS]).unwrap_or_default())
            }
            ServerRequest::BootstrapPackRequest { .. } => {
                (Code::GET, Location::new([BSPACK]).unwrap_or_default())
            }
            ServerRequest::Send { .. } => (Code::POST, Location::new([DP]).unwrap_or_default()),
        };
        b.set_code(code);
        for s in segs.segments() {
            b.str(OptionNumber::URI_PATH, s).map_err(err)?;
        }
        for q in scratch.iter() {
            b.str(OptionNumber::URI_QUERY, q).map_err(err)?;
        }
        match *self {
            ServerRequest::Register { links, .. }
            | ServerRequest::Update {
                links: Some(links), ..
            } => {
                b.uint(
                    OptionNumber::CONTENT_FORMAT,
                    u32::from(ContentFormat::LINK_FORMAT.0),
                )
                .map_err(err)?;
                b.payload(links.as_bytes());
            }
            ServerRequest::Send { format, payload } => {
                b.uint(OptionNumber::CONTENT_FORMAT, u32::from(format.0))
                    .map_err(err)?;
                b.payload(payload);
            }
            ServerRequest::BootstrapPackRequest {
                accept: Some(a), ..
            } => {
                b.uint(OptionNumber::ACCEPT, u32::from(a.0)).map_err(err)?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// Whether a body in `format` can hold the instances of a multiple resource: what makes a
/// POST on a resource a partial Write rather than an Execute.
fn carries_instances(format: ContentFormat) -> bool {
    matches!(
        format,
        ContentFormat::LWM2M_TLV
            | ContentFormat::LWM2M_TLV_OLD
            | ContentFormat::LWM2M_JSON
            | ContentFormat::LWM2M_JSON_OLD
            | ContentFormat::SENML_JSON
            | ContentFormat::SENML_CBOR
            | ContentFormat::LWM2M_CBOR
    )
}

impl<'a> ClientRequest<'a> {
    /// The path the request names in its URI (none for Bootstrap-Finish and the composite
    /// operations, whose paths are in their bodies).
    #[must_use]
    pub fn path(&self) -> Option<Path<'a>> {
        match self {
            ClientRequest::Read { path, .. }
            | ClientRequest::Discover { path }
            | ClientRequest::Observe { path, .. }
            | ClientRequest::CancelObserve { path, .. }
            | ClientRequest::Write { path, .. }
            | ClientRequest::WriteAttributes { path, .. }
            | ClientRequest::Execute { path, .. }
            | ClientRequest::Create { path, .. }
            | ClientRequest::Delete { path } => Some(*path),
            _ => None,
        }
    }

    /// The body a Write, Create or Write-Composite carries (what may go in Block1 blocks,
    /// RFC 7959 §2.5); `None` for the other requests.
    #[must_use]
    pub fn body(&self) -> Option<&'a [u8]> {
        match self {
            ClientRequest::Write { payload, .. }
            | ClientRequest::Create { payload, .. }
            | ClientRequest::WriteComposite { payload, .. } => Some(payload),
            _ => None,
        }
    }

    /// The same Write, Create or Write-Composite with `body` (one block of its body) in place
    /// of its own; `None` for the other requests.
    #[must_use]
    pub fn with_body<'b>(&self, body: &'b [u8]) -> Option<ClientRequest<'b>>
    where
        'a: 'b,
    {
        match *self {
            ClientRequest::Write {
                path,
                replace,
                format,
                ..
            } => Some(ClientRequest::Write {
                path,
                replace,
                format,
                payload: body,
            }),
            ClientRequest::Create { path, format, .. } => Some(ClientRequest::Create {
                path,
                format,
                payload: body,
            }),
            ClientRequest::WriteComposite { format, .. } => Some(ClientRequest::WriteComposite {
                format,
                payload: body,
            }),
            _ => None,
        }
    }

    /// What `msg` asks of a client; an error for anything else (answer 4.00, 4.04 or 4.05).
    pub fn parse(msg: &Message<'a>) -> Result<Self, Error> {
        let code = msg.code();
        let mut segs = msg.uri_path();
        if code == Code::POST && segs.next() == Some(BS) && segs.next().is_none() {
            return Ok(ClientRequest::BootstrapFinish);
        }
        let path = path_of(msg.uri_path())?;
        let accept = msg.accept();
        let format = || msg.content_format().ok_or_else(bad_request);
        let payload = msg.payload();
        Ok(match code {
            Code::GET => match msg.observe() {
                Some(0) => ClientRequest::Observe { path, accept },
                Some(1) => ClientRequest::CancelObserve { path, accept },
                Some(_) => return Err(bad_request()),
                None if accept == Some(ContentFormat::LINK_FORMAT) => {
                    ClientRequest::Discover { path }
                }
                None => ClientRequest::Read { path, accept },
            },
            Code::FETCH => ClientRequest::Composite {
                observe: match msg.observe() {
                    None => None,
                    Some(o @ (0 | 1)) => Some(o),
                    Some(_) => return Err(bad_request()),
                },
                format: format()?,
                accept,
                payload,
            },
            Code::PUT if payload.is_empty() && msg.content_format().is_none() => {
                ClientRequest::WriteAttributes {
                    path,
                    update: Update::parse(msg.uri_query())?,
                }
            }
            Code::PUT => ClientRequest::Write {
                path,
                replace: true,
                format: format()?,
                payload,
            },
            Code::POST => match path.depth() {
                1 => ClientRequest::Create {
                    path,
                    format: format()?,
                    payload,
                },
                2 => ClientRequest::Write {
                    path,
                    replace: false,
                    format: format()?,
                    payload,
                },
                // A partial update of a multiple resource's instances (Core 1.1, Write) comes
                // in a format that carries resource instances; Execute arguments come with no
                // Content-Format, or with text or whatever the server writes in (lwm2m-node-lib
                // sends its write format, 1541).
                3 if msg.content_format().is_some_and(carries_instances) => ClientRequest::Write {
                    path,
                    replace: false,
                    format: format()?,
                    payload,
                },
                3 => ClientRequest::Execute {
                    path,
                    args: payload,
                },
                _ => return Err(Error::new(0, Reason::MethodNotAllowed)),
            },
            Code::IPATCH => ClientRequest::WriteComposite {
                format: format()?,
                payload,
            },
            Code::DELETE => ClientRequest::Delete { path },
            // RFC 7252 §5.8: a method not defined for the target is 4.05.
            _ => return Err(Error::new(0, Reason::MethodNotAllowed)),
        })
    }

    /// Sets the code, options and payload of `b` for this request; the text of path ids and
    /// queries goes into `scratch`, which must outlive the builder.
    pub fn build<'b, const N: usize, const S: usize>(
        &self,
        b: &mut Builder<'b, N>,
        scratch: &'b mut Strings<S>,
    ) -> Result<(), Error>
    where
        'a: 'b,
    {
        let full = Error::new(0, Reason::BufferTooSmall);
        let err = |_| full;
        // A partial Write of a resource in a format without resource instances would read as
        // an Execute at the client.
        if let ClientRequest::Write {
            path,
            replace: false,
            format,
            ..
        } = self
        {
            if path.depth() >= 3 && !carries_instances(*format) {
                return Err(Error::new(0, Reason::Unrepresentable));
            }
        }
        scratch.clear();
        let path = self.path();
        let mut n_path = 0usize;
        if let Some(p) = path {
            for id in p.levels() {
                scratch.push_fmt(format_args!("{id}"))?;
                n_path = n_path.saturating_add(1);
            }
        }
        if let ClientRequest::WriteAttributes { update, .. } = self {
            update
                .write_queries(|a| scratch.push_fmt(a).map(drop).map_err(|_| fmt::Error))
                .map_err(|_| full)?;
        }
        let scratch: &'b Strings<S> = scratch;
        let code = match self {
            ClientRequest::Read { .. }
            | ClientRequest::Discover { .. }
            | ClientRequest::Observe { .. }
            | ClientRequest::CancelObserve { .. } => Code::GET,
            ClientRequest::Write { replace: true, .. } | ClientRequest::WriteAttributes { .. } => {
                Code::PUT
            }
            ClientRequest::Write { .. }
            | ClientRequest::Execute { .. }
            | ClientRequest::Create { .. }
            | ClientRequest::BootstrapFinish => Code::POST,
            ClientRequest::Delete { .. } => Code::DELETE,
            ClientRequest::Composite { .. } => Code::FETCH,
            ClientRequest::WriteComposite { .. } => Code::IPATCH,
        };
        b.set_code(code);
        match self {
            ClientRequest::Observe { .. } => {
                b.uint(OptionNumber::OBSERVE, 0).map_err(err)?;
            }
            ClientRequest::CancelObserve { .. } => {
                b.uint(OptionNumber::OBSERVE, 1).map_err(err)?;
            }
            ClientRequest::Composite {
                observe: Some(o), ..
            } => {
                b.uint(OptionNumber::OBSERVE, *o).map_err(err)?;
            }
            _ => {}
        }
        if let Some(prefix) = path.and_then(|p| p.prefix()) {
            b.str(OptionNumber::URI_PATH, prefix).map_err(err)?;
        }
        if matches!(self, ClientRequest::BootstrapFinish) {
            b.str(OptionNumber::URI_PATH, BS).map_err(err)?;
        }
        for (i, s) in scratch.iter().enumerate() {
            let number = if i < n_path {
                OptionNumber::URI_PATH
            } else {
                OptionNumber::URI_QUERY
            };
            b.str(number, s).map_err(err)?;
        }
        match *self {
            ClientRequest::Write {
                format, payload, ..
            }
            | ClientRequest::Create {
                format, payload, ..
            }
            | ClientRequest::WriteComposite { format, payload } => {
                b.uint(OptionNumber::CONTENT_FORMAT, u32::from(format.0))
                    .map_err(err)?;
                b.payload(payload);
            }
            ClientRequest::Composite {
                format,
                accept,
                payload,
                ..
            } => {
                b.uint(OptionNumber::CONTENT_FORMAT, u32::from(format.0))
                    .map_err(err)?;
                if let Some(a) = accept {
                    b.uint(OptionNumber::ACCEPT, u32::from(a.0)).map_err(err)?;
                }
                b.payload(payload);
            }
            ClientRequest::Execute { args, .. } => {
                b.payload(args);
            }
            ClientRequest::Discover { .. } => {
                b.uint(
                    OptionNumber::ACCEPT,
                    u32::from(ContentFormat::LINK_FORMAT.0),
                )
                .map_err(err)?;
            }
            ClientRequest::Read {
                accept: Some(a), ..
            }
            | ClientRequest::Observe {
                accept: Some(a), ..
            }
            | ClientRequest::CancelObserve {
                accept: Some(a), ..
            } => {
                b.uint(OptionNumber::ACCEPT, u32::from(a.0)).map_err(err)?;
            }
            _ => {}
        }
        Ok(())
    }
}
