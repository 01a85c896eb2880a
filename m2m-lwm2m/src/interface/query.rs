//! The Uri-Query parameters of the Registration and Bootstrap interfaces
//! (OMA-TS-LightweightM2M_Core 1.1 §5.3.1 "Register", §5.3.2 "Update", §5.2.7.1
//! "Bootstrap-Request"; 1.2 §5.2.7.6 "Bootstrap-Pack-Request").
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use m2m_coap::ContentFormat;

use crate::error::{Config, Error, Reason};
use crate::link::Version;

/// The parameters of a Register (all but `ep` optional) or an Update (no `ep`, `lwm2m`), Core 1.1
/// §5.3.1 and §5.3.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RegisterParams<'a> {
    /// `ep`: the endpoint client name.
    pub endpoint: Option<&'a str>,
    /// `lt`: the registration lifetime in seconds (86400 when absent on Register).
    pub lifetime: Option<u32>,
    /// `lwm2m`: the enabler version (`1.0` when absent).
    pub version: Option<Version>,
    /// `b`: the binding (`U`, `UQ`, `T`, `S`, `N`, ...).
    pub binding: Option<&'a str>,
    /// `sms`: the MSISDN for SMS binding.
    pub sms: Option<&'a str>,
    /// `Q`: queue mode (1.1).
    pub queue: bool,
}

/// The default registration lifetime (§5.3.1): 86400 s.
pub const DEFAULT_LIFETIME: u32 = 86_400;

/// Whether `b` is a binding (Core 1.1 §5.3.1.1, and 1.2's `M` and `H`): its letters, each once.
pub(crate) fn valid_binding(b: &str) -> bool {
    let mut seen = 0u8;
    !b.is_empty()
        && b.bytes().all(|c| {
            let bit = match c {
                b'U' => 1,
                b'T' => 2,
                b'S' => 4,
                b'N' => 8,
                b'Q' => 16,
                b'M' => 32,
                b'H' => 64,
                _ => return false,
            };
            let fresh = seen & bit == 0;
            seen |= bit;
            fresh
        })
}

/// Endpoint names: non-empty, printable, no `&` or `=` that would break the query.
fn valid_endpoint(ep: &str) -> bool {
    !ep.is_empty() && ep.len() <= 255 && ep.chars().all(|c| !c.is_control() && c != '&')
}

impl<'a> RegisterParams<'a> {
    /// Register parameters for `endpoint`.
    #[must_use]
    pub const fn register(endpoint: &'a str) -> Self {
        RegisterParams {
            endpoint: Some(endpoint),
            lifetime: None,
            version: None,
            binding: None,
            sms: None,
            queue: false,
        }
    }

    /// Reads the Uri-Query values of a Register (`ep` required) or an Update (`ep` and `lwm2m`
    /// refused). A repeated or malformed parameter is an error (4.00); unknown parameters are
    /// skipped, as later versions add some.
    pub fn parse(
        queries: impl IntoIterator<Item = &'a str>,
        register: bool,
    ) -> Result<Self, Error> {
        Self::parse_with(queries, register, &Config::STRICT)
    }

    /// Like [`RegisterParams::parse`], with the tolerances of `config`
    /// ([`Config::three_part_version`]).
    pub fn parse_with(
        queries: impl IntoIterator<Item = &'a str>,
        register: bool,
        config: &Config,
    ) -> Result<Self, Error> {
        let mut p = RegisterParams::default();
        let mut seen = [false; 6];
        for (i, q) in queries.into_iter().enumerate() {
            let bad = Error::new(i, Reason::BadLink);
            let (name, value) = match q.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (q, None),
            };
            let idx = match name {
                "ep" => 0,
                "lt" => 1,
                "lwm2m" => 2,
                "b" => 3,
                "sms" => 4,
                "Q" => 5,
                _ => continue,
            };
            let once = seen.get_mut(idx).ok_or(bad)?;
            if *once {
                return Err(bad);
            }
            *once = true;
            match (idx, value) {
                (5, None) => p.queue = true,
                (5, Some(_)) | (0..=4, None) => return Err(bad),
                (0, Some(v)) if register && valid_endpoint(v) => p.endpoint = Some(v),
                (1, Some(v)) => {
                    let ok =
                        !v.is_empty() && v.len() <= 10 && v.bytes().all(|c| c.is_ascii_digit());
                    p.lifetime = Some(v.parse().ok().filter(|_| ok).ok_or(bad)?);
                }
                (2, Some(v)) if register => {
                    let v = match v.strip_suffix(".0") {
                        Some(two) if config.three_part_version && two.contains('.') => two,
                        _ => v,
                    };
                    p.version = Some(Version::parse(v).map_err(|_| bad)?);
                }
                // The version is the Register's; an Update that repeats a valid one is not
                // wrong (Leshan and Wakaama take it too), and this one is not kept.
                (2, Some(v)) => {
                    Version::parse(v).map_err(|_| bad)?;
                }
                (3, Some(v)) if valid_binding(v) => p.binding = Some(v),
                (4, Some(v)) if !v.is_empty() => p.sms = Some(v),
                _ => return Err(bad),
            }
        }
        if register && p.endpoint.is_none() {
            return Err(Error::new(0, Reason::BadLink));
        }
        Ok(p)
    }

    /// The lifetime, or the default of 86400 s.
    #[must_use]
    pub fn lifetime_or_default(&self) -> u32 {
        self.lifetime.unwrap_or(DEFAULT_LIFETIME)
    }

    /// The query values, in the order of the specification's tables, each written by `f`.
    pub fn write_queries(
        &self,
        mut f: impl FnMut(fmt::Arguments<'_>) -> fmt::Result,
    ) -> fmt::Result {
        if let Some(ep) = self.endpoint {
            f(format_args!("ep={ep}"))?;
        }
        if let Some(lt) = self.lifetime {
            f(format_args!("lt={lt}"))?;
        }
        if let Some(v) = self.version {
            f(format_args!("lwm2m={v}"))?;
        }
        if let Some(b) = self.binding {
            f(format_args!("b={b}"))?;
        }
        if let Some(s) = self.sms {
            f(format_args!("sms={s}"))?;
        }
        if self.queue {
            f(format_args!("Q"))?;
        }
        Ok(())
    }
}

/// The parameters of a Bootstrap-Request (`ep`, `pct`) or a Bootstrap-Pack-Request (`ep`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BootstrapParams<'a> {
    /// `ep`.
    pub endpoint: &'a str,
    /// `pct`: the preferred Content-Format (1.1).
    pub preferred: Option<ContentFormat>,
}

impl<'a> BootstrapParams<'a> {
    /// Reads the Uri-Query values; `ep` is required.
    pub fn parse(queries: impl IntoIterator<Item = &'a str>) -> Result<Self, Error> {
        let mut ep = None;
        let mut pct = None;
        for (i, q) in queries.into_iter().enumerate() {
            let bad = Error::new(i, Reason::BadLink);
            match q.split_once('=') {
                Some(("ep", v)) if ep.is_none() && valid_endpoint(v) => ep = Some(v),
                Some(("pct", v)) if pct.is_none() => {
                    let ok = !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit());
                    pct = Some(ContentFormat(v.parse().ok().filter(|_| ok).ok_or(bad)?));
                }
                Some(("ep" | "pct", _)) => return Err(bad),
                _ => {}
            }
        }
        Ok(BootstrapParams {
            endpoint: ep.ok_or(Error::new(0, Reason::BadLink))?,
            preferred: pct,
        })
    }

    /// The query values, each written by `f`.
    pub fn write_queries(
        &self,
        mut f: impl FnMut(fmt::Arguments<'_>) -> fmt::Result,
    ) -> fmt::Result {
        f(format_args!("ep={}", self.endpoint))?;
        if let Some(p) = self.preferred {
            f(format_args!("pct={}", p.0))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_and_update() {
        let p =
            RegisterParams::parse(["ep=node-1", "lt=300", "lwm2m=1.1", "b=U", "Q"], true).unwrap();
        assert_eq!(p.endpoint, Some("node-1"));
        assert_eq!(p.lifetime, Some(300));
        assert_eq!(p.version, Some(Version::V1_1));
        assert!(p.queue);
        let mut out = std::vec::Vec::new();
        p.write_queries(|a| {
            out.push(std::format!("{a}"));
            Ok(())
        })
        .unwrap();
        assert_eq!(out, ["ep=node-1", "lt=300", "lwm2m=1.1", "b=U", "Q"]);
        // coap-node's three-part version only when lenient.
        assert!(RegisterParams::parse(["ep=a", "lwm2m=1.0.0"], true).is_err());
        let p =
            RegisterParams::parse_with(["ep=a", "lwm2m=1.0.0"], true, &Config::LENIENT).unwrap();
        assert_eq!(p.version, Some(Version::V1_0));
        // 1.0 binding with queue letter; unknown parameters skipped.
        assert!(RegisterParams::parse(["ep=a", "b=UQ", "pid=7"], true).is_ok());
        let u = RegisterParams::parse(["lt=60"], false).unwrap();
        assert_eq!((u.endpoint, u.lifetime_or_default()), (None, 60));
        // An Update that repeats the enabler version: taken, the version not kept.
        let u = RegisterParams::parse(["lt=60", "lwm2m=1.1"], false).unwrap();
        assert_eq!((u.version, u.lifetime), (None, Some(60)));
        assert!(RegisterParams::parse(["lwm2m=1.1", "lwm2m=1.1"], false).is_err());
        assert!(RegisterParams::parse(["lwm2m=one"], false).is_err());
        assert!(RegisterParams::parse(["lwm2m="], false).is_err());
        for (q, reg) in [
            (&["lt=300"][..], true),
            (&["ep="], true),
            (&["ep=a", "ep=b"], true),
            (&["ep=a", "lt=-1"], true),
            (&["ep=a", "lt"], true),
            (&["ep=a", "b=X"], true),
            (&["ep=a", "b=UU"], true),
            (&["ep=a", "Q=1"], true),
            (&["ep=a", "lwm2m=one"], true),
            (&["ep=a"], false),
        ] {
            assert!(
                RegisterParams::parse(q.iter().copied(), reg).is_err(),
                "{q:?}"
            );
        }
    }
    extern crate std;

    #[test]
    fn bootstrap() {
        let p = BootstrapParams::parse(["ep=dev", "pct=11543"]).unwrap();
        assert_eq!(
            (p.endpoint, p.preferred),
            ("dev", Some(ContentFormat::LWM2M_JSON))
        );
        assert!(BootstrapParams::parse(["pct=1"]).is_err());
        assert!(BootstrapParams::parse(["ep=a", "pct=x"]).is_err());
    }
}
