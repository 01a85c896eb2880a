//! Notification attributes (OMA-TS-LightweightM2M_Core 1.1 §5.1.2, 1.2 §5.1.1 "Attributes"):
//! `pmin pmax gt lt st epmin epmax edge con hqmax`, read from a Write-Attributes query or a
//! Discover answer, checked, merged by level, and written back.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use crate::error::{Error, Reason};

/// A set of notification attributes; `None` means not set at this level.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Attributes {
    /// `pmin`: minimum period between notifications, seconds.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub pmin: Option<u32>,
    /// `pmax`: maximum period between notifications, seconds.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub pmax: Option<u32>,
    /// `gt`: notify when the value crosses above or below this threshold.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub gt: Option<f64>,
    /// `lt`: notify when the value crosses above or below this threshold.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub lt: Option<f64>,
    /// `st`: notify when the value moved at least this much since the last notification.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub st: Option<f64>,
    /// `epmin`: minimum evaluation period, seconds (1.1).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub epmin: Option<u32>,
    /// `epmax`: maximum evaluation period, seconds (1.1).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub epmax: Option<u32>,
    /// `edge`: for a Boolean resource, notify on the rising (`true`) or falling edge (1.2).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub edge: Option<bool>,
    /// `con`: send notifications confirmable (`true`) or not (1.2).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub con: Option<bool>,
    /// `hqmax`: maximum historical queue size (1.2).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub hqmax: Option<u32>,
}

/// The attribute names this module knows, in the order [`Attributes`] writes them.
pub const NAMES: [&str; 10] = [
    "pmin", "pmax", "gt", "lt", "st", "epmin", "epmax", "edge", "con", "hqmax",
];

/// A change to one attribute, as a Write-Attributes query states it: `pmin=10` sets, a bare
/// `pmin` removes (§5.4.4 "Write-Attributes").
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Change<T> {
    /// Set the attribute to this value.
    Set(T),
    /// Remove the attribute at this level.
    Remove,
}

/// The changes of a Write-Attributes request: `None` leaves an attribute as it is.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Update {
    /// `pmin`.
    pub pmin: Option<Change<u32>>,
    /// `pmax`.
    pub pmax: Option<Change<u32>>,
    /// `gt`.
    pub gt: Option<Change<f64>>,
    /// `lt`.
    pub lt: Option<Change<f64>>,
    /// `st`.
    pub st: Option<Change<f64>>,
    /// `epmin`.
    pub epmin: Option<Change<u32>>,
    /// `epmax`.
    pub epmax: Option<Change<u32>>,
    /// `edge`.
    pub edge: Option<Change<bool>>,
    /// `con`.
    pub con: Option<Change<bool>>,
    /// `hqmax`.
    pub hqmax: Option<Change<u32>>,
}

fn parse_u32(v: &str) -> Option<u32> {
    (!v.is_empty() && v.len() <= 10 && v.bytes().all(|b| b.is_ascii_digit()))
        .then(|| v.parse().ok())
        .flatten()
}

fn parse_f64(v: &str) -> Option<f64> {
    crate::text::is_decimal(v)
        .then(|| v.parse::<f64>().ok())
        .flatten()
        .filter(|f| f.is_finite())
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

impl Update {
    /// Reads the Uri-Query values of a Write-Attributes request (`pmin=10`, `gt=25.5`, `pmax`,
    /// ...). An unknown name, a repeated name or a bad value is an error: the request gets 4.00.
    pub fn parse<'q>(queries: impl IntoIterator<Item = &'q str>) -> Result<Update, Error> {
        Update::parse_pairs(queries.into_iter().map(|q| match q.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (q, None),
        }))
    }

    /// Like [`Update::parse`], on `(name, value)` pairs.
    pub fn parse_pairs<'q>(
        pairs: impl IntoIterator<Item = (&'q str, Option<&'q str>)>,
    ) -> Result<Update, Error> {
        let mut u = Update::default();
        for (i, (name, value)) in pairs.into_iter().enumerate() {
            let bad = Error::new(i, Reason::BadAttribute);
            fn put<T: Copy>(
                slot: &mut Option<Change<T>>,
                v: Option<&str>,
                p: fn(&str) -> Option<T>,
                bad: Error,
            ) -> Result<(), Error> {
                if slot.is_some() {
                    return Err(bad);
                }
                *slot = Some(match v {
                    None => Change::Remove,
                    Some(v) => Change::Set(p(v).ok_or(bad)?),
                });
                Ok(())
            }
            match name {
                "pmin" => put(&mut u.pmin, value, parse_u32, bad)?,
                "pmax" => put(&mut u.pmax, value, parse_u32, bad)?,
                "gt" => put(&mut u.gt, value, parse_f64, bad)?,
                "lt" => put(&mut u.lt, value, parse_f64, bad)?,
                "st" => put(&mut u.st, value, parse_f64, bad)?,
                "epmin" => put(&mut u.epmin, value, parse_u32, bad)?,
                "epmax" => put(&mut u.epmax, value, parse_u32, bad)?,
                "edge" => put(&mut u.edge, value, parse_bool, bad)?,
                "con" => put(&mut u.con, value, parse_bool, bad)?,
                "hqmax" => put(&mut u.hqmax, value, parse_u32, bad)?,
                _ => return Err(bad),
            }
        }
        Ok(u)
    }

    /// `attrs` with these changes applied, checked ([`Attributes::check`]).
    pub fn apply(&self, attrs: &Attributes) -> Result<Attributes, Error> {
        fn ap<T: Copy>(c: Option<Change<T>>, old: Option<T>) -> Option<T> {
            match c {
                None => old,
                Some(Change::Set(v)) => Some(v),
                Some(Change::Remove) => None,
            }
        }
        let a = Attributes {
            pmin: ap(self.pmin, attrs.pmin),
            pmax: ap(self.pmax, attrs.pmax),
            gt: ap(self.gt, attrs.gt),
            lt: ap(self.lt, attrs.lt),
            st: ap(self.st, attrs.st),
            epmin: ap(self.epmin, attrs.epmin),
            epmax: ap(self.epmax, attrs.epmax),
            edge: ap(self.edge, attrs.edge),
            con: ap(self.con, attrs.con),
            hqmax: ap(self.hqmax, attrs.hqmax),
        };
        a.check()?;
        Ok(a)
    }

    /// Whether the update changes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Update::default()
    }

    /// The query values of this update, in [`NAMES`] order, written by `f` one at a time
    /// (`pmin=10`, `pmax` for a removal).
    pub fn write_queries(
        &self,
        mut f: impl FnMut(fmt::Arguments<'_>) -> fmt::Result,
    ) -> fmt::Result {
        macro_rules! one {
            ($name:literal, $field:expr, $fmt:expr) => {
                match $field {
                    None => {}
                    Some(Change::Remove) => f(format_args!($name))?,
                    Some(Change::Set(v)) => f(format_args!(concat!($name, "={}"), $fmt(v)))?,
                }
            };
        }
        let id = |v: u32| v;
        let b = |v: bool| u8::from(v);
        let fl = |v: f64| v;
        one!("pmin", self.pmin, id);
        one!("pmax", self.pmax, id);
        one!("gt", self.gt, fl);
        one!("lt", self.lt, fl);
        one!("st", self.st, fl);
        one!("epmin", self.epmin, id);
        one!("epmax", self.epmax, id);
        one!("edge", self.edge, b);
        one!("con", self.con, b);
        one!("hqmax", self.hqmax, id);
        Ok(())
    }
}

impl Attributes {
    /// No attribute set.
    pub const NONE: Attributes = Attributes {
        pmin: None,
        pmax: None,
        gt: None,
        lt: None,
        st: None,
        epmin: None,
        epmax: None,
        edge: None,
        con: None,
        hqmax: None,
    };

    /// Whether no attribute is set.
    #[must_use]
    pub fn is_none(&self) -> bool {
        *self == Attributes::NONE
    }

    /// The rules between attributes (§5.1.2): `epmin <= epmax`, `lt < gt`, and
    /// `lt + 2 * st < gt`; `st` is not negative.
    pub fn check(&self) -> Result<(), Error> {
        let bad = Err(Error::new(0, Reason::BadAttribute));
        if let (Some(a), Some(b)) = (self.epmin, self.epmax) {
            if a > b {
                return bad;
            }
        }
        if self.st.is_some_and(|st| st < 0.0) {
            return bad;
        }
        if let (Some(lt), Some(gt)) = (self.lt, self.gt) {
            if lt >= gt || lt + 2.0 * self.st.unwrap_or(0.0) >= gt {
                return bad;
            }
        }
        Ok(())
    }

    /// These attributes over `wider` ones: each attribute set here wins, the others come from
    /// `wider` (resource over instance over object over the server's defaults, §5.1.2).
    #[must_use]
    pub fn over(&self, wider: &Attributes) -> Attributes {
        Attributes {
            pmin: self.pmin.or(wider.pmin),
            pmax: self.pmax.or(wider.pmax),
            gt: self.gt.or(wider.gt),
            lt: self.lt.or(wider.lt),
            st: self.st.or(wider.st),
            epmin: self.epmin.or(wider.epmin),
            epmax: self.epmax.or(wider.epmax),
            edge: self.edge.or(wider.edge),
            con: self.con.or(wider.con),
            hqmax: self.hqmax.or(wider.hqmax),
        }
    }

    /// Reads the attributes of a link's parameters (a Discover answer: `</3/0/9>;pmin=10;gt=50`);
    /// other parameters are skipped. A repeated attribute or a bad value is an error.
    pub fn from_params<'p>(
        params: impl IntoIterator<Item = (&'p str, Option<&'p str>)>,
    ) -> Result<Attributes, Error> {
        let mut flag = false;
        let known = params
            .into_iter()
            .filter(|(name, _)| NAMES.contains(name))
            .inspect(|(_, v)| flag |= v.is_none());
        let u = Update::parse_pairs(known)?;
        if flag {
            return Err(Error::new(0, Reason::BadAttribute));
        }
        u.apply(&Attributes::NONE)
    }

    /// Writes the attributes that are set, as link parameters (`;pmin=10;gt=50`), in [`NAMES`]
    /// order.
    pub fn write_params(&self, out: &mut impl fmt::Write) -> fmt::Result {
        self.as_update().write_queries(|a| write!(out, ";{a}"))
    }

    /// The update that sets every attribute set here.
    #[must_use]
    pub fn as_update(&self) -> Update {
        Update {
            pmin: self.pmin.map(Change::Set),
            pmax: self.pmax.map(Change::Set),
            gt: self.gt.map(Change::Set),
            lt: self.lt.map(Change::Set),
            st: self.st.map(Change::Set),
            epmin: self.epmin.map(Change::Set),
            epmax: self.epmax.map(Change::Set),
            edge: self.edge.map(Change::Set),
            con: self.con.map(Change::Set),
            hqmax: self.hqmax.map(Change::Set),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::String;
    use std::vec::Vec;

    #[test]
    fn parses_and_applies_write_attributes() {
        let u = Update::parse([
            "pmin=10", "pmax=60", "gt=50.5", "lt=-3", "st=2", "edge=1", "con=0",
        ])
        .unwrap();
        let a = u.apply(&Attributes::NONE).unwrap();
        assert_eq!(a.pmin, Some(10));
        assert_eq!(a.gt, Some(50.5));
        assert_eq!(a.lt, Some(-3.0));
        assert_eq!(a.edge, Some(true));
        assert_eq!(a.con, Some(false));
        // A bare name removes.
        let b = Update::parse(["gt", "lt", "st"])
            .unwrap()
            .apply(&a)
            .unwrap();
        assert_eq!((b.gt, b.lt, b.st, b.pmin), (None, None, None, Some(10)));
        let mut out = Vec::new();
        u.write_queries(|args| {
            out.push(std::format!("{args}"));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            out,
            [
                "pmin=10", "pmax=60", "gt=50.5", "lt=-3", "st=2", "edge=1", "con=0"
            ]
        );
    }

    #[test]
    fn rejects_bad_attributes() {
        for q in [
            &["pmin=-1"][..],
            &["pmin=1.5"],
            &["gt=abc"],
            &["gt=inf"],
            &["edge=2"],
            &["foo=1"],
            &["pmin=1", "pmin=2"],
            &["pmin=99999999999"],
        ] {
            assert!(Update::parse(q.iter().copied()).is_err(), "{q:?}");
        }
        // The rules between attributes.
        for q in [
            &["epmin=10", "epmax=5"][..],
            &["lt=10", "gt=10"],
            &["lt=0", "gt=10", "st=5"],
            &["st=-1"],
        ] {
            let u = Update::parse(q.iter().copied()).unwrap();
            assert!(u.apply(&Attributes::NONE).is_err(), "{q:?}");
        }
        let ok = Update::parse(["lt=0", "gt=10", "st=4.9"]).unwrap();
        assert!(ok.apply(&Attributes::NONE).is_ok());
    }

    #[test]
    fn link_params_both_ways() {
        let a =
            Attributes::from_params([("pmin", Some("10")), ("dim", Some("3")), ("gt", Some("50"))])
                .unwrap();
        assert_eq!((a.pmin, a.gt), (Some(10), Some(50.0)));
        let mut s = String::new();
        a.write_params(&mut s).unwrap();
        assert_eq!(s, ";pmin=10;gt=50");
        assert!(Attributes::from_params([("pmin", Some("1")), ("pmin", Some("2"))]).is_err());
        assert!(Attributes::from_params([("pmin", None)]).is_err());
        let res = Attributes {
            pmin: Some(5),
            ..Attributes::NONE
        };
        let obj = Attributes {
            pmin: Some(30),
            pmax: Some(60),
            ..Attributes::NONE
        };
        assert_eq!(
            res.over(&obj),
            Attributes {
                pmin: Some(5),
                pmax: Some(60),
                ..Attributes::NONE
            }
        );
    }
}
