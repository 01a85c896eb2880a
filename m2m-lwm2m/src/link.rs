//! LwM2M bodies in the CoRE Link Format (Content-Format 40, RFC 6690 as
//! OMA-TS-LightweightM2M_Core 1.1 §5.3.1 "Register", §5.2.7.3 "Bootstrap-Discover" and §5.4.2
//! "Discover" use it): the objects and instances a client registers with their versions,
//! Discover answers with `dim` and notification attributes, and Bootstrap-Discover answers
//! with `ssid` and `uri`.
//!
//! ```
//! use m2m_lwm2m::link::{self, Target};
//! use m2m_lwm2m::{Config, Path};
//!
//! let body = r#"</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>,</3303>;ver=1.1,</3303/0>"#;
//! let links: Vec<_> = link::parse(body, Config::STRICT).collect::<Result<_, _>>()?;
//! assert_eq!(links[0].target, Target::Root { path: "/" });
//! assert_eq!(links[3].target, Target::Path(Path::object(3303)));
//! assert_eq!(links[3].version.map(|v| (v.major, v.minor)), Some((1, 1)));
//! let mut out = [0u8; 128];
//! let n = link::encode(&links, &mut out)?;
//! assert_eq!(&out[..n], body.as_bytes());
//! # Ok::<(), m2m_lwm2m::Error>(())
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use m2m_coap::link as core_link;

use crate::attributes::Attributes;
use crate::error::{Config, Error, Reason};
use crate::path::Path;
use crate::sink::{Counter, Fmt, Sink, Slice};

/// An object or LwM2M version, `major.minor` (`ver=1.1`, `lwm2m=1.2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Version {
    /// Major.
    pub major: u8,
    /// Minor.
    pub minor: u8,
}

impl Version {
    /// 1.0.
    pub const V1_0: Version = Version { major: 1, minor: 0 };
    /// 1.1.
    pub const V1_1: Version = Version { major: 1, minor: 1 };
    /// 1.2.
    pub const V1_2: Version = Version { major: 1, minor: 2 };

    /// Parses `1.1`: digits, a dot, digits, nothing else.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = Error::new(0, Reason::BadLink);
        let (a, b) = text.split_once('.').ok_or(bad)?;
        let num = |s: &str| -> Result<u8, Error> {
            if s.is_empty() || s.len() > 3 || !s.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad);
            }
            s.parse().map_err(|_| bad)
        };
        Ok(Version {
            major: num(a)?,
            minor: num(b)?,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Target<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Target::Root { path } => s.serialize_str(path),
            Target::Path(p) => s.collect_str(p),
        }
    }
}

/// What a link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Target<'a> {
    /// The client's root (`</>`), or its alternate path (`</lwm2m>;rt="oma.lwm2m"`), under
    /// which the object links that follow sit.
    Root {
        /// `/` or the alternate path.
        path: &'a str,
    },
    /// An object, instance, resource or resource instance (with any gateway prefix).
    Path(Path<'a>),
}

/// One link of an LwM2M link-format body, with the parameters LwM2M gives meaning to.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ObjectLink<'a> {
    /// The target (the alternate path already taken off object links).
    pub target: Target<'a>,
    /// `ver`: the object's version (object links only).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub version: Option<Version>,
    /// `lwm2m`: the enabler version (the root link of a Bootstrap-Discover answer).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub lwm2m: Option<Version>,
    /// `rt`: resource type (`oma.lwm2m` on the root link).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub rt: Option<&'a str>,
    /// `ct`: the Content-Formats the client supports, as written (the root link, 1.1).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub ct: Option<&'a str>,
    /// `dim`: the number of resource instances (Discover answers), an Integer in 0..=255.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub dim: Option<u8>,
    /// `ssid`: short server id (Bootstrap-Discover answers), 1..=65534 (the writers refuse
    /// 0 and 65535).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub ssid: Option<u16>,
    /// `uri`: the server URI (Bootstrap-Discover answers), escapes as written.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub uri: Option<&'a str>,
    /// Notification attributes (Discover answers).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Attributes::is_none"))]
    pub attributes: Attributes,
}

impl<'a> ObjectLink<'a> {
    /// A plain link to `path`.
    #[must_use]
    pub const fn path(path: Path<'a>) -> Self {
        ObjectLink {
            target: Target::Path(path),
            version: None,
            lwm2m: None,
            rt: None,
            ct: None,
            dim: None,
            ssid: None,
            uri: None,
            attributes: Attributes::NONE,
        }
    }

    /// The root link `</>;rt="oma.lwm2m"` (with `ct` when given).
    #[must_use]
    pub const fn root(ct: Option<&'a str>) -> Self {
        ObjectLink {
            target: Target::Root { path: "/" },
            rt: Some("oma.lwm2m"),
            ct,
            ..ObjectLink::path(Path::ROOT)
        }
    }

    /// This link with a version.
    #[must_use]
    pub const fn with_version(self, version: Version) -> Self {
        ObjectLink {
            version: Some(version),
            ..self
        }
    }
}

impl Config {
    /// The configuration to read the links of a client that registered with enabler
    /// `version` by: `self`, a quoted `ver` passing for LwM2M 1.0, whose own registration
    /// examples quote it and whose clients write it so (`</10>;ver="1.1"`, Anjay's form in
    /// 1.0); from 1.1 on `ver` is a bare token (Core 1.1 §5.1.2), and `self` decides.
    #[must_use]
    pub const fn for_links_of(self, version: Version) -> Config {
        if version.major == 1 && version.minor == 0 {
            Config {
                quoted_ver: true,
                ..self
            }
        } else {
            self
        }
    }
}

/// The links of `text`, in order, each an [`ObjectLink`] or the error that ends the list.
/// `config` decides whether a quoted `ver` and `ver` on instance links pass (a server reads
/// a client's by [`Config::for_links_of`] its enabler version).
pub fn parse(
    text: &str,
    config: Config,
) -> impl Iterator<Item = Result<ObjectLink<'_>, Error>> + '_ {
    let (mut head, rest, skipped) = match bare_enabler_version(text) {
        Some((version, rest)) if config.bare_enabler_version => {
            let root = ObjectLink {
                target: Target::Root { path: "/" },
                lwm2m: Some(version),
                ..ObjectLink::path(Path::ROOT)
            };
            (Some(root), rest, text.len().saturating_sub(rest.len()))
        }
        _ => (None, text, 0),
    };
    let mut links = core_link::parse(rest);
    let mut alternate: Option<&str> = None;
    let mut done = false;
    core::iter::from_fn(move || {
        if done {
            return None;
        }
        if let Some(root) = head.take() {
            return Some(Ok(root));
        }
        let item = match links.next()? {
            Err(e) => Err(Error::new(
                e.offset.saturating_add(skipped),
                Reason::BadLink,
            )),
            Ok(l) => {
                let offset = (l.target.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
                one(&l, &mut alternate, &config).map_err(|e| Error::new(offset, e.reason))
            }
        };
        done = item.is_err();
        Some(item)
    })
}

/// `lwm2m="1.0",` (or `lwm2m=1.0,`) opening `text` with no link before it: the version and
/// the links after it.
fn bare_enabler_version(text: &str) -> Option<(Version, &str)> {
    let after = text.strip_prefix("lwm2m=")?;
    let (value, rest) = match after.strip_prefix('"') {
        Some(quoted) => {
            let (v, rest) = quoted.split_once('"')?;
            (v, rest)
        }
        None => after.split_at(after.find(',').unwrap_or(after.len())),
    };
    let rest = match rest.strip_prefix(',') {
        Some(r) => r,
        None if rest.is_empty() => rest,
        None => return None,
    };
    Some((Version::parse(value).ok()?, rest))
}

fn one<'a>(
    l: &core_link::Link<'a>,
    alternate: &mut Option<&'a str>,
    config: &Config,
) -> Result<ObjectLink<'a>, Error> {
    let bad = Error::new(0, Reason::BadLink);
    let mut out = ObjectLink::path(Path::ROOT);
    let mut attr_params = [("", None::<&str>); 10];
    let mut n_attrs = 0usize;
    let mut seen = [false; 7];
    for p in l.params() {
        let raw = p.value.map(|v| v.raw());
        let quoted = matches!(p.value, Some(core_link::Value::Quoted(_)));
        let idx = match p.name {
            "ver" => 0,
            "lwm2m" => 1,
            "rt" => 2,
            "ct" => 3,
            "dim" => 4,
            "ssid" => 5,
            "uri" => 6,
            name if crate::attributes::NAMES.contains(&name) => {
                let slot = attr_params.get_mut(n_attrs).ok_or(bad)?;
                *slot = (name, raw);
                n_attrs = n_attrs.saturating_add(1);
                continue;
            }
            // Other parameters (title, if, obs, ...) carry no LwM2M meaning here.
            _ => continue,
        };
        let seen_slot = seen.get_mut(idx).ok_or(bad)?;
        if *seen_slot {
            return Err(bad);
        }
        *seen_slot = true;
        let v = raw.ok_or(bad)?;
        match idx {
            0 => {
                if quoted && !config.quoted_ver {
                    return Err(bad);
                }
                out.version = Some(Version::parse(v)?);
            }
            1 => {
                let version = Version::parse(v)?;
                // As `ver`: a bare token since 1.1 (Bootstrap-Discover, Core 1.1 §5.2.7.3);
                // `"1.0"` is taken quoted, as the 1.0-era examples write it.
                if quoted && version != Version::V1_0 && !config.quoted_ver {
                    return Err(bad);
                }
                out.lwm2m = Some(version);
            }
            2 => out.rt = Some(v),
            3 => out.ct = Some(Some(v).filter(|v| is_ct(v)).ok_or(bad)?),
            // Core 1.1 Table 5.1.2-1 (1.2 Table 5.1.1-1): `dim` is an Integer in 0..=255,
            // `ssid` one in 1..=65534 (the Short Server ID's range, Object 1 Resource 0).
            4 => {
                let dim = crate::path::parse_id(v).and_then(|d| u8::try_from(d).ok());
                out.dim = Some(dim.ok_or(bad)?);
            }
            5 => out.ssid = Some(crate::path::parse_id(v).filter(|&s| s >= 1).ok_or(bad)?),
            _ => out.uri = Some(v),
        }
    }
    out.attributes = Attributes::from_params(attr_params.iter().take(n_attrs).copied())?;
    let target = l.target;
    if names_root(out.rt) || target == "/" {
        if !target.starts_with('/') {
            return Err(bad);
        }
        if target != "/" {
            *alternate = Some(target.trim_end_matches('/'));
        }
        out.target = Target::Root { path: target };
        return Ok(out);
    }
    let rel = match *alternate {
        Some(alt) => target
            .strip_prefix(alt)
            .filter(|r| r.starts_with('/'))
            .ok_or(bad)?,
        None => target,
    };
    let path = Path::parse(rel)?;
    if path.depth() == 0 {
        return Err(bad);
    }
    if out.version.is_some() && path.depth() != 1 && !config.ver_on_instance_links {
        return Err(bad);
    }
    out.target = Target::Path(path);
    Ok(out)
}

/// Whether [`parse`] reads `links` back as they are with [`Config::STRICT`]: the first link that
/// cannot be written faithfully gives an error at its index.
///
/// Refused: a root path that is not absolute, or (other than `/`) without `oma.lwm2m` among
/// its `rt` (it would be read as an object link); an object link to the root path, or with
/// `oma.lwm2m` among its `rt` (it would be read as the root); `ver` on a
/// link below an object (Core 1.1 §5.1.2); `ssid` 0 or 65535; `rt`, `uri` or a non-token `ct`
/// that cannot stand between quotes as written (a bare `"`, a control character, a trailing
/// `\`); a target with `<`, `>`, a space or a control character; attributes that break the
/// rules of [`Attributes::check`].
pub fn check(links: &[ObjectLink<'_>]) -> Result<(), Error> {
    for (i, l) in links.iter().enumerate() {
        let bad = Error::new(i, Reason::Unrepresentable);
        let target_ok = match l.target {
            Target::Root { path } => {
                path.starts_with('/')
                    && core_link::is_target_text(path)
                    && (path == "/" || names_root(l.rt))
            }
            Target::Path(p) => {
                p.depth() > 0
                    && !names_root(l.rt)
                    && (l.version.is_none() || p.depth() == 1)
                    && p.prefix().is_none_or(core_link::is_target_text)
            }
        };
        let quotable = |v: Option<&str>| v.is_none_or(core_link::is_quoted_text);
        if !target_ok
            || l.attributes.check().is_err()
            || l.ssid.is_some_and(|s| s == 0 || s == u16::MAX)
            || !quotable(l.rt)
            || !quotable(l.uri)
            || l.ct.is_some_and(|ct| !is_ct(ct))
        {
            return Err(bad);
        }
    }
    Ok(())
}

/// Whether `ct` is a Content-Format list as RFC 7252 §7.2.1 writes one: Content-Format
/// numbers (0-65535, in decimal without leading zeros) separated by single spaces.
fn is_ct(ct: &str) -> bool {
    ct.split(' ').all(|w| {
        let digits = !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
        digits && (w == "0" || !w.starts_with('0')) && w.parse::<u16>().is_ok()
    })
}

/// Whether `rt` names `oma.lwm2m` among its words: the link is the client's root.
fn names_root(rt: Option<&str>) -> bool {
    rt.is_some_and(|rt| rt.split(' ').any(|w| w == "oma.lwm2m"))
}

/// Writes `links` (target, then `ver`, `lwm2m`, `rt`, `ct`, `dim`, `ssid`, `uri`, and the
/// notification attributes), `rt` and `uri` quoted as the specification writes them; an error
/// for links [`check`] refuses.
pub fn write(links: &[ObjectLink<'_>], out: &mut impl fmt::Write) -> fmt::Result {
    check(links).map_err(|_| fmt::Error)?;
    write_unchecked(links, out)
}

/// Writes `links` as [`write()`] does but without [`check`]: what it writes for links `check`
/// refuses is not valid LwM2M link format (to reproduce a faulty peer in a test, say).
pub fn write_unchecked(links: &[ObjectLink<'_>], out: &mut impl fmt::Write) -> fmt::Result {
    // Object links after an alternate root sit under its path again.
    let mut alternate = "";
    for (i, l) in links.iter().enumerate() {
        if i > 0 {
            out.write_char(',')?;
        }
        match l.target {
            Target::Root { path } => {
                // As the reader takes it: `</>` leaves an alternate path declared before it
                // in force.
                if path != "/" {
                    alternate = path.trim_end_matches('/');
                }
                write!(out, "<{path}>")?;
            }
            Target::Path(p) => write!(out, "<{alternate}{p}>")?,
        }
        if let Some(v) = l.version {
            write!(out, ";ver={v}")?;
        }
        if let Some(v) = l.lwm2m {
            write!(out, ";lwm2m={v}")?;
        }
        if let Some(rt) = l.rt {
            write!(out, ";rt=\"{rt}\"")?;
        }
        if let Some(ct) = l.ct {
            // A list (or anything that is not a token, RFC 6690 `ptoken`) goes quoted, as read.
            if core_link::is_token(ct) {
                write!(out, ";ct={ct}")?;
            } else {
                write!(out, ";ct=\"{ct}\"")?;
            }
        }
        if let Some(d) = l.dim {
            write!(out, ";dim={d}")?;
        }
        if let Some(s) = l.ssid {
            write!(out, ";ssid={s}")?;
        }
        if let Some(u) = l.uri {
            write!(out, ";uri=\"{u}\"")?;
        }
        l.attributes.write_params(out)?;
    }
    Ok(())
}

/// The size of [`encode`]'s output.
#[must_use]
pub fn encoded_len(links: &[ObjectLink<'_>]) -> usize {
    let mut c = Counter::default();
    // Counting cannot fail, and neither can the formatters `write` uses.
    let _ = write(links, &mut Fmt::new(&mut c));
    c.written()
}

/// Writes `links` into `out`; returns the bytes written. Links [`check`] refuses are an error
/// ([`Reason::Unrepresentable`], at the link's index).
pub fn encode(links: &[ObjectLink<'_>], out: &mut [u8]) -> Result<usize, Error> {
    check(links)?;
    let mut s = Slice::new(out);
    let mut f = Fmt::new(&mut s);
    // Checked once, here: `write` would check again.
    let r = write_unchecked(links, &mut f);
    f.result(r)?;
    Ok(s.written())
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    fn all(text: &str, config: Config) -> Result<Vec<ObjectLink<'_>>, Error> {
        parse(text, config).collect()
    }

    #[test]
    fn a_root_link_after_an_alternate_path_keeps_it() {
        // Found by the lwm2m_link fuzz target in CI: the reader keeps the alternate path across
        // `</>`, so the writer must too, or `</lwm2m/3/0>` is written back as `</3/0>`.
        let text = r#"</lwm2m>;rt="oma.lwm2m",</>,</lwm2m/3/0>"#;
        let links: Vec<_> = parse(text, Config::STRICT)
            .collect::<Result<_, _>>()
            .unwrap();
        let mut out = std::vec![0u8; encoded_len(&links)];
        let n = encode(&links, &mut out).unwrap();
        assert_eq!(core::str::from_utf8(&out[..n]).unwrap(), text);
    }

    #[test]
    fn registration_payloads() {
        // LwM2M 1.0 §5.3.1 example, and 1.1 with an alternate path.
        let links = all(
            "</1/0>,</1/1>,</2/0>,</2/1>,</2/2>,</2/3>,</2/4>,</3/0>,</4/0>,</5>",
            Config::STRICT,
        )
        .unwrap();
        assert_eq!(links.len(), 10);
        assert_eq!(links[9].target, Target::Path(Path::object(5)));
        let links = all(
            r#"</lwm2m>;rt="oma.lwm2m";ct=110,</lwm2m/1/101>,</lwm2m/3/0>,</lwm2m/5>;ver=1.1"#,
            Config::STRICT,
        )
        .unwrap();
        assert_eq!(links[0].target, Target::Root { path: "/lwm2m" });
        assert_eq!(links[0].ct, Some("110"));
        assert_eq!(links[1].target, Target::Path(Path::instance(1, 101)));
        assert_eq!(links[3].version, Some(Version::V1_1));
        let mut out = [0u8; 128];
        let n = encode(&links, &mut out).unwrap();
        assert_eq!(
            &out[..n],
            br#"</lwm2m>;rt="oma.lwm2m";ct=110,</lwm2m/1/101>,</lwm2m/3/0>,</lwm2m/5>;ver=1.1"#
        );
        // An object link outside the alternate path is refused.
        assert!(all(r#"</lwm2m>;rt="oma.lwm2m",</3/0>"#, Config::STRICT).is_err());
        // Gateway end devices (1.2).
        let links = all("</dev1/3303/0>", Config::STRICT).unwrap();
        assert_eq!(
            links[0].target,
            Target::Path(Path::parse("/dev1/3303/0").unwrap())
        );
    }

    #[test]
    fn tolerances_are_opt_in() {
        for text in [r#"</3>;ver="1.1""#, "</3/0>;ver=1.1"] {
            assert!(all(text, Config::STRICT).is_err(), "{text}");
            assert!(all(text, Config::LENIENT).is_ok(), "{text}");
        }
        for text in [
            "</3>;ver=1",
            "</3>;ver=a.b",
            "<3/0>",
            "</3/0>;dim=x",
            "</3/0>,",
            "</3/0>;pmin=x",
            "</3>;ver=1.1;ver=1.2",
            "</65535>",
        ] {
            assert!(all(text, Config::LENIENT).is_err(), "{text}");
        }
    }

    #[test]
    fn quoted_lwm2m_version() {
        // Leshan `LwM2mVersionAttributeModel`: `lwm2m` is a bare token since 1.1; a quoted
        // `"1.0"` is tolerated, a quoted later version refused.
        let v = |t, c| all(t, c).map(|l| l[0].lwm2m);
        assert_eq!(v("</>;lwm2m=1.1", Config::STRICT), Ok(Some(Version::V1_1)));
        assert_eq!(
            v("</>;lwm2m=\"1.0\"", Config::STRICT),
            Ok(Some(Version::V1_0))
        );
        assert!(v("</>;lwm2m=\"1.1\"", Config::STRICT).is_err());
        assert_eq!(
            v("</>;lwm2m=\"1.1\"", Config::LENIENT),
            Ok(Some(Version::V1_1))
        );
    }

    #[test]
    fn a_bare_enabler_version_opening_a_bootstrap_discover_answer() {
        // Anjay's LwM2M 1.0 Bootstrap-Discover answer: the version with no link before it.
        let text = r#"lwm2m="1.0",</0/0>;ssid=101,</1/0>;ssid=101,</3/0>"#;
        assert!(all(text, Config::STRICT).is_err());
        let links = all(text, Config::LENIENT).unwrap();
        assert_eq!(links.len(), 4);
        assert_eq!(links[0].target, Target::Root { path: "/" });
        assert_eq!(links[0].lwm2m, Some(Version::V1_0));
        assert_eq!(links[1].target, Target::Path(Path::instance(0, 0)));
        assert_eq!(links[2].ssid, Some(101));
        assert_eq!(links[3].target, Target::Path(Path::instance(3, 0)));
        // Unquoted and alone; an error after it is placed in the whole text.
        let alone = all("lwm2m=1.1", Config::LENIENT).unwrap();
        assert_eq!(alone[0].lwm2m, Some(Version::V1_1));
        let bad = r#"lwm2m="1.0",</0/0"#;
        assert!(matches!(all(bad, Config::LENIENT), Err(e) if e.offset >= 12));
        for text in [r#"lwm2m="1.0"x,</0/0>"#, "lwm2m=1,</0/0>", r#"lwm2m="1.0"#] {
            assert!(all(text, Config::LENIENT).is_err(), "{text}");
        }
    }

    #[test]
    fn dim_and_ssid_ranges() {
        // Leshan `DefaultLwM2mLinkParserTest.check_invalid_values`: `dim` is 0..=255 and `ssid`
        // 1..=65534 (Core 1.1 Table 5.1.2-1, 1.2 Table 5.1.1-1).
        let d = |t| all(t, Config::LENIENT).map(|l| l[0].dim);
        let s = |t| all(t, Config::LENIENT).map(|l| l[0].ssid);
        assert_eq!(d("</3/0/11>;dim=255"), Ok(Some(255)));
        assert_eq!(d("</3/0/11>;dim=0"), Ok(Some(0)));
        assert_eq!(s("</0/1>;ssid=1"), Ok(Some(1)));
        assert_eq!(s("</0/1>;ssid=65534"), Ok(Some(65534)));
        for text in [
            "</3/0/11>;dim=256",
            "</3/0/11>;dim=-1",
            "</0/1>;ssid=0",
            "</0/1>;ssid=65535",
            "</0/1>;ssid=+1",
            "</0/1>;ssid=",
        ] {
            assert!(all(text, Config::LENIENT).is_err(), "{text}");
        }
    }

    #[test]
    fn discover_and_bootstrap_discover() {
        let text = "</3/0>;pmin=10;pmax=60,</3/0/1>,</3/0/7>;dim=2;gt=50";
        let links = all(text, Config::STRICT).unwrap();
        assert_eq!(links[0].attributes.pmin, Some(10));
        assert_eq!(links[2].dim, Some(2));
        assert_eq!(links[2].attributes.gt, Some(50.0));
        let mut out = [0u8; 128];
        let n = encode(&links, &mut out).unwrap();
        assert_eq!(&out[..n], text.as_bytes());
        assert_eq!(n, encoded_len(&links));
        let bs = r#"</>;lwm2m=1.1,</0/1>;ssid=101;uri="coap://server1.example.com",</1/0>;ssid=101,</3/0>"#;
        let links = all(bs, Config::STRICT).unwrap();
        assert_eq!(links[0].lwm2m, Some(Version::V1_1));
        assert_eq!(links[1].uri, Some("coap://server1.example.com"));
        let n = encode(&links, &mut out).unwrap();
        assert_eq!(&out[..n], bs.as_bytes());
        assert!(encode(&links, &mut out[..10]).is_err());
        // A list of Content-Formats is quoted, and stays quoted.
        let list = r#"</>;rt="oma.lwm2m";ct="60 110 11542",</3/0>"#;
        let links = all(list, Config::STRICT).unwrap();
        assert_eq!(links[0].ct, Some("60 110 11542"));
        let n = encode(&links, &mut out).unwrap();
        assert_eq!(&out[..n], list.as_bytes());
    }

    #[test]
    fn ct_is_content_format_numbers() {
        // RFC 7252 §7.2.1: numbers of 0-65535 separated by single spaces.
        for ct in ["0", "65535", r#""0 60""#] {
            let text = std::format!("</>;ct={ct},</3/0>");
            assert!(all(&text, Config::STRICT).is_ok(), "{text}");
        }
        for ct in [
            "abc",
            "65536",
            "060",
            "-1",
            r#""60  110""#,
            r#"" 60""#,
            r#""60 x""#,
            r#""""#,
            "\"olwm\u{392}\"",
        ] {
            let text = std::format!("</>;ct={ct},</3/0>");
            for config in [Config::STRICT, Config::LENIENT] {
                assert!(all(&text, config).is_err(), "{text}");
            }
        }
        // Nor can one be written.
        let mut links = all("</>;ct=60,</3/0>", Config::STRICT).unwrap();
        links[0].ct = Some("60 x");
        assert!(check(&links).is_err());
    }
}
