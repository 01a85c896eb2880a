//! The walk over a payload that checks each rule where it applies.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::{BD_SEQ, Context, Level, Path, QUALITY, QUALITY_CODES, REBIRTH, Rule, Step, Violation};
use crate::dataset::ColumnTypes;
use crate::error::Error;
use crate::payload::{DataSetView, MetricView, PayloadView, PropertySetView, TemplateView};
use crate::topic::MessageType;
use crate::value::{RawValue, Value};

/// The eight Sparkplug B types, and the rest.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    NBirth,
    DBirth,
    NData,
    DData,
    NDeath,
    DDeath,
    NCmd,
    DCmd,
    Other,
}

impl Kind {
    pub(super) fn of(t: MessageType<'_>) -> Self {
        match t {
            MessageType::NBirth => Kind::NBirth,
            MessageType::DBirth => Kind::DBirth,
            MessageType::NData => Kind::NData,
            MessageType::DData => Kind::DData,
            MessageType::NDeath => Kind::NDeath,
            MessageType::DDeath => Kind::DDeath,
            MessageType::NCmd => Kind::NCmd,
            MessageType::DCmd => Kind::DCmd,
            MessageType::Unknown(_) => Kind::Other,
        }
    }

    fn is_birth(self) -> bool {
        matches!(self, Kind::NBirth | Kind::DBirth)
    }

    fn is_data_or_cmd(self) -> bool {
        matches!(self, Kind::NData | Kind::DData | Kind::NCmd | Kind::DCmd)
    }
}

/// Datatype codes 1..=14: the Basic Types.
pub(super) fn is_basic(dt: u32) -> bool {
    (1..=14).contains(&dt)
}

/// The folder of template definitions in Ignition's and Eclipse Tahu's births.
const TYPES_FOLDER: &str = "_types_/";

/// Whether a value read as `dt` fails for its type (not for being absent).
pub(super) fn misfits(dt: u32, raw: Option<RawValue<'_>>) -> bool {
    !matches!(Value::from_raw(dt, raw, false), Ok(_) | Err(Error::NoValue))
}

pub(super) fn count<T>(mut it: impl Iterator<Item = Result<T, Error>>) -> Result<usize, Error> {
    it.try_fold(0usize, |n, x| x.map(|_| n.saturating_add(1)))
}

pub(super) struct Walk<'p, 'r, 'a> {
    pub(super) payload: &'p PayloadView<'a>,
    pub(super) kind: Kind,
    pub(super) should: bool,
    pub(super) out: &'r mut dyn FnMut(Violation<'a>),
    /// The template definitions, read when first needed.
    pub(super) defs: Option<Definitions<'a>>,
}

/// Whether the metric name `metric` is that of the definition `name` refers to: `name`, or
/// `name` under `_types_/`.
fn names(metric: &str, name: &str) -> bool {
    metric == name || metric.strip_prefix(TYPES_FOLDER) == Some(name)
}

/// How many definition names [`Definitions`] keeps.
pub(super) const KEPT: usize = 32;

/// The names of the first [`KEPT`] template definitions at the top level of a payload.
pub(super) struct Definitions<'a> {
    kept: [&'a str; KEPT],
    len: usize,
    /// Whether those are all: the payload holds no other definition, and reading its metrics
    /// met no error (a definition found before the error is still found; the rest is left to
    /// the walk that reads every metric, which meets the error as before).
    all: bool,
}

impl<'a> Definitions<'a> {
    fn of(payload: &PayloadView<'a>) -> Self {
        let mut d = Definitions {
            kept: [""; KEPT],
            len: 0,
            all: false,
        };
        for m in payload.metrics() {
            let Ok(m) = m else { return d };
            let Some(RawValue::Template(t)) = m.raw_value() else {
                continue;
            };
            match (t.is_definition(), m.name()) {
                (Ok(Some(true)), Some(n)) => match d.kept.get_mut(d.len) {
                    Some(slot) => {
                        *slot = n;
                        d.len = d.len.saturating_add(1);
                    }
                    None => return d,
                },
                (Ok(_), _) => {}
                (Err(_), _) => return d,
            }
        }
        d.all = true;
        d
    }

    fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.kept.iter().take(self.len).copied()
    }
}

/// Where the walk is: metric index, path below it, innermost name.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    pub(super) metric: Option<usize>,
    pub(super) path: Path,
    pub(super) name: Option<&'a str>,
}

impl<'a> At<'a> {
    fn then(self, step: Step, name: Option<&'a str>) -> Self {
        At {
            metric: self.metric,
            path: self.path.then(step),
            name: name.or(self.name),
        }
    }
}

impl<'a> Walk<'_, '_, 'a> {
    fn emit(&mut self, rule: Rule, at: At<'a>, detail: &'static str) {
        if rule.level() == Level::Must || self.should {
            (self.out)(Violation {
                rule,
                metric: at.metric,
                path: at.path,
                name: at.name,
                detail,
            });
        }
    }

    pub(super) fn header(&mut self, ctx: &Context) {
        let h = self.payload.header();
        let top = At {
            metric: None,
            path: Path::EMPTY,
            name: None,
        };
        let timestamp = match self.kind {
            Kind::NBirth => Some(Rule::NBirthTimestamp),
            Kind::DBirth => Some(Rule::DBirthTimestamp),
            Kind::NData => Some(Rule::NDataTimestamp),
            Kind::DData => Some(Rule::DDataTimestamp),
            Kind::DDeath => Some(Rule::DDeathTimestamp),
            Kind::NCmd => Some(Rule::NCmdTimestamp),
            Kind::DCmd => Some(Rule::DCmdTimestamp),
            Kind::NDeath | Kind::Other => None,
        };
        if let (Some(rule), None) = (timestamp, h.timestamp) {
            self.emit(rule, top, "no payload timestamp");
        }
        let counted = match self.kind {
            Kind::DBirth => Some((Rule::DBirthSeq, Rule::DBirthSeqInc)),
            Kind::NData => Some((Rule::NDataSeq, Rule::NDataSeqInc)),
            Kind::DData => Some((Rule::DDataSeq, Rule::DDataSeqInc)),
            Kind::DDeath => Some((Rule::DDeathSeq, Rule::DDeathSeqInc)),
            _ => None,
        };
        let forbidden = match self.kind {
            Kind::NDeath => Some(Rule::NDeathSeq),
            Kind::NCmd => Some(Rule::NCmdSeq),
            Kind::DCmd => Some(Rule::DCmdSeq),
            _ => None,
        };
        match (self.kind, h.seq) {
            (Kind::NBirth, None) => self.emit(Rule::NBirthSeq, top, "no seq"),
            (Kind::NBirth, Some(s)) if s > 255 => self.emit(Rule::NBirthSeq, top, "seq beyond 255"),
            (Kind::NBirth, Some(s)) if s != 0 => self.emit(Rule::NBirthSeqZero, top, "seq not 0"),
            _ => {}
        }
        if let Some((missing, inc)) = counted {
            match h.seq {
                None => self.emit(missing, top, "no seq"),
                Some(s) if s > 255 => self.emit(inc, top, "seq beyond 255"),
                Some(s) if ctx.expected_seq.is_some_and(|e| u64::from(e) != s) => {
                    self.emit(inc, top, "seq not one more than the previous");
                }
                _ => {}
            }
        }
        if let (Some(rule), Some(_)) = (forbidden, h.seq) {
            self.emit(rule, top, "seq present");
        }
    }

    /// The checks of a top-level metric that depend on the message type.
    pub(super) fn metric(
        &mut self,
        i: usize,
        m: &MetricView<'a>,
        aliases: bool,
    ) -> Result<(), Error> {
        let at = At {
            metric: Some(i),
            path: Path::EMPTY,
            name: m.name(),
        };
        let (name, alias) = (m.name(), m.alias());
        if name.is_none() && alias.is_none() {
            self.emit(Rule::NameRequired, at, "neither name nor alias");
        }
        let rebirth = name == Some(REBIRTH);
        if self.kind.is_birth() {
            let (metrics, values) = if self.kind == Kind::NBirth {
                (Rule::NBirthMetrics, Rule::NBirthValues)
            } else {
                (Rule::DBirthMetrics, Rule::DBirthValues)
            };
            if name.is_none() {
                self.emit(metrics, at, "no name");
            }
            if aliases {
                if name.is_none() {
                    self.emit(Rule::AliasBirth, at, "no name");
                }
                // A template definition is written without an alias by Ignition and Tahu: no
                // data message ever names it.
                let definition = matches!(m.raw_value(), Some(RawValue::Template(t)) if t.is_definition() == Ok(Some(true)));
                if alias.is_none() && !(self.kind == Kind::NBirth && rebirth) && !definition {
                    self.emit(Rule::AliasBirth, at, "no alias");
                }
            }
            if m.datatype().is_none() {
                self.emit(Rule::DatatypeReq, at, "no datatype");
            }
            let null = m.is_null() == Some(true);
            match (null, m.raw_value()) {
                (true, Some(_)) => self.emit(values, at, "is_null with a value"),
                (false, None) => self.emit(values, at, "no value and not is_null"),
                (false, raw @ Some(_)) => {
                    if m.datatype().is_some_and(|dt| misfits(dt, raw)) {
                        self.emit(values, at, "value does not fit the datatype");
                    }
                }
                (true, None) => {}
            }
            if let Some(a) = alias {
                for other in self.payload.metrics().take(i) {
                    if other?.alias() == Some(a) {
                        self.emit(Rule::AliasUniqueness, at, "alias of an earlier metric");
                        break;
                    }
                }
            }
        }
        if self.kind.is_data_or_cmd() {
            let request = self.kind == Kind::NCmd && rebirth;
            if aliases && alias.is_some() && name.is_some() {
                self.emit(Rule::AliasDataCmd, at, "name with alias");
            }
            if aliases && alias.is_none() && !request {
                self.emit(Rule::AliasDataCmd, at, "no alias");
            }
            if m.datatype().is_some() {
                self.emit(Rule::DatatypeNotReq, at, "datatype present");
            }
        }
        if matches!(
            self.kind,
            Kind::NBirth | Kind::DBirth | Kind::NData | Kind::DData
        ) && m.timestamp().is_none()
        {
            self.emit(Rule::MetricTimestamp, at, "no metric timestamp");
        }
        if matches!(self.kind, Kind::NCmd | Kind::DCmd) {
            let rule = if self.kind == Kind::NCmd {
                Rule::NCmdMetricValue
            } else {
                Rule::DCmdMetricValue
            };
            let null = m.is_null() == Some(true);
            // A command without a value writes nothing, whatever its datatype: it is reported
            // whether the metric has a datatype or not.
            if !null && m.raw_value().is_none() {
                self.emit(rule, at, "no value");
            } else if let Some(dt) = m.datatype() {
                if !null && misfits(dt, m.raw_value()) {
                    self.emit(rule, at, "value does not fit the datatype");
                }
            }
        }
        if self.kind == Kind::NCmd && rebirth && m.raw_value() != Some(RawValue::Boolean(true)) {
            self.emit(Rule::RebirthRequestValue, at, "rebirth request not true");
        }
        Ok(())
    }

    /// The checks of any metric, at any depth, whatever the message type.
    pub(super) fn content(&mut self, m: &MetricView<'a>, at: At<'a>) -> Result<(), Error> {
        if let Some(dt) = m.datatype() {
            if !(1..=34).contains(&dt) {
                self.emit(Rule::DatatypeValue, at, "datatype not one of 1..=34");
            }
        }
        if let Some(p) = m.properties() {
            self.properties(p, at)?;
        }
        match m.raw_value() {
            Some(RawValue::DataSet(d)) => self.dataset(d, at)?,
            Some(RawValue::Template(t)) => self.template(t, at)?,
            _ => {}
        }
        Ok(())
    }

    fn properties(&mut self, p: PropertySetView<'a>, at: At<'a>) -> Result<(), Error> {
        let keys = count(p.keys())?;
        let values = count(p.values())?;
        if keys > values {
            self.emit(Rule::PropertySetKeysSize, at, "more keys than values");
        }
        if values > keys {
            self.emit(Rule::PropertySetValuesSize, at, "more values than keys");
        }
        let mut keys = p.keys();
        for (j, v) in p.values().enumerate() {
            let v = v?;
            let key = keys.next().transpose()?;
            let at = at.then(Step::Property(j), key);
            match v.datatype() {
                None if self.kind.is_birth() => {
                    self.emit(Rule::PropertyValueTypeReq, at, "no type");
                }
                Some(t) if !(is_basic(t) || t == 20 || t == 21) => {
                    self.emit(
                        Rule::PropertyValueType,
                        at,
                        "type not a property value type",
                    );
                }
                _ => {}
            }
            if key == Some(QUALITY) {
                if v.datatype() != Some(3) {
                    self.emit(Rule::QualityType, at, "Quality not of type Int32");
                }
                if !matches!(v.raw_value(), Some(RawValue::Int(q)) if QUALITY_CODES.contains(&q)) {
                    self.emit(
                        Rule::QualityValue,
                        at,
                        "Quality not 0, 192 or 500 in int_value",
                    );
                }
            }
            match v.raw_value() {
                Some(RawValue::PropertySet(s)) => self.properties(s, at)?,
                Some(RawValue::PropertySetList(l)) => {
                    for (k, s) in l.iter().enumerate() {
                        self.properties(s?, at.then(Step::Set(k), None))?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn dataset(&mut self, d: DataSetView<'a>, at: At<'a>) -> Result<(), Error> {
        let n = d.num_of_columns()?;
        let columns = count(d.columns())?;
        let column_types = ColumnTypes::new(&d)?;
        let types = column_types.len();
        match n {
            None => self.emit(Rule::DataSetColumnSize, at, "no num_of_columns"),
            Some(n) if usize::try_from(n).ok() != Some(columns) => {
                self.emit(
                    Rule::DataSetColumnSize,
                    at,
                    "num_of_columns is not the column count",
                );
            }
            _ => {}
        }
        if columns != types {
            self.emit(
                Rule::DataSetColumnNumHeaders,
                at,
                "column names and types differ in number",
            );
            self.emit(
                Rule::DataSetTypesNum,
                at,
                "types and column names differ in number",
            );
        }
        if types == 0 && (columns > 0 || n.is_some_and(|n| n > 0)) {
            self.emit(Rule::DataSetTypesReq, at, "no types");
        }
        for (j, t) in d.types().enumerate() {
            if !is_basic(t?) {
                self.emit(
                    Rule::DataSetTypesValue,
                    at.then(Step::Column(j), None),
                    "not a Basic Type",
                );
            }
        }
        for (r, row) in d.rows().enumerate() {
            let row = row?;
            let at = at.then(Step::Row(r), None);
            let len = count(row.elements())?;
            if n.is_some_and(|n| usize::try_from(n).ok() != Some(len)) {
                self.emit(
                    Rule::DataSetColumnSize,
                    at,
                    "row length is not num_of_columns",
                );
            }
            let mut types = column_types.row();
            for (c, cell) in row.elements().enumerate() {
                let raw = cell?.raw_value();
                let t = types.next().transpose()?;
                let at = at.then(Step::Cell(c), None);
                match (raw, t) {
                    (Some(RawValue::Extension(_)), _) => {
                        self.emit(Rule::DataSetValue, at, "extension value");
                    }
                    (raw @ Some(_), Some(t)) if is_basic(t) && misfits(t, raw) => {
                        self.emit(Rule::DataSetValue, at, "value does not fit the column type");
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn template(&mut self, t: TemplateView<'a>, at: At<'a>) -> Result<(), Error> {
        let definition = t.is_definition()?;
        let reference = t.template_ref()?;
        if definition.is_none() {
            self.emit(Rule::TemplateIsDefinition, at, "no is_definition");
        }
        if definition == Some(true) {
            if !matches!(self.kind, Kind::NBirth | Kind::Other) {
                self.emit(
                    Rule::TemplateDefinitionNBirthOnly,
                    at,
                    "definition outside NBIRTH",
                );
            }
            if reference.is_some() {
                self.emit(
                    Rule::TemplateDefinitionRef,
                    at,
                    "definition with template_ref",
                );
            }
        } else {
            match reference {
                None => self.emit(
                    Rule::TemplateInstanceRef,
                    at,
                    "instance without template_ref",
                ),
                Some(r) if self.kind == Kind::NBirth && !self.defines(r)? => {
                    self.emit(
                        Rule::TemplateDefinitionNBirth,
                        at,
                        "definition not in this NBIRTH",
                    );
                }
                _ => {}
            }
        }
        for (j, p) in t.parameters().enumerate() {
            let p = p?;
            let at = at.then(Step::Parameter(j), p.name());
            if p.name().is_none() {
                self.emit(Rule::TemplateParameterName, at, "no name");
            }
            match p.datatype() {
                None if self.kind.is_birth() => {
                    self.emit(Rule::TemplateParameterTypeReq, at, "no type");
                }
                Some(dt) if !is_basic(dt) => {
                    self.emit(
                        Rule::TemplateParameterTypeValue,
                        at,
                        "type not a Basic Type",
                    );
                }
                _ => {}
            }
            match (p.raw_value(), p.datatype()) {
                (Some(RawValue::Extension(_)), _) => {
                    self.emit(Rule::TemplateParameterValue, at, "extension value");
                }
                (raw @ Some(_), Some(dt)) if is_basic(dt) && misfits(dt, raw) => {
                    self.emit(
                        Rule::TemplateParameterValue,
                        at,
                        "value does not fit the type",
                    );
                }
                _ => {}
            }
        }
        for (j, m) in t.metrics().enumerate() {
            let m = m?;
            self.content(&m, at.then(Step::Member(j), m.name()))?;
        }
        Ok(())
    }

    /// Whether the payload holds a template definition named `name` at its top level: a
    /// metric of that name, or of that name under `_types_/`, the folder Ignition and Eclipse
    /// Tahu put definitions in (their instances name the definition without it).
    ///
    /// The first call reads the names of the first [`KEPT`] definitions in one pass; a name
    /// among them, or missing when the payload holds no other, is answered from them. Only a
    /// payload with more definitions makes the other names cost a pass over the metrics each.
    fn defines(&mut self, name: &str) -> Result<bool, Error> {
        let payload = self.payload;
        let defs = self.defs.get_or_insert_with(|| Definitions::of(payload));
        if defs.names().any(|n| names(n, name)) {
            return Ok(true);
        }
        if defs.all {
            return Ok(false);
        }
        for m in self.payload.metrics() {
            let m = m?;
            if m.name().is_some_and(|n| names(n, name)) {
                if let Some(RawValue::Template(t)) = m.raw_value() {
                    if t.is_definition()? == Some(true) {
                        return Ok(true);
                    }
                }
            }
        }
        Ok(false)
    }

    /// NBIRTH: bdSeq and Node Control/Rebirth.
    pub(super) fn nbirth(&mut self, ctx: &Context) -> Result<(), Error> {
        let mut bd_seq = None;
        let mut rebirth = None;
        for (i, m) in self.payload.metrics().enumerate() {
            let m = m?;
            match m.name() {
                Some(BD_SEQ) if bd_seq.is_none() => bd_seq = Some((i, m)),
                Some(REBIRTH) if rebirth.is_none() => rebirth = Some((i, m)),
                _ => {}
            }
        }
        let top = At {
            metric: None,
            path: Path::EMPTY,
            name: None,
        };
        match bd_seq {
            None => self.emit(Rule::NBirthBdSeq, top, "no bdSeq metric"),
            Some((i, m)) => {
                let at = At {
                    metric: Some(i),
                    path: Path::EMPTY,
                    name: m.name(),
                };
                let value = m.integer();
                if !matches!(m.datatype(), Some(4 | 8)) || value.is_none() {
                    self.emit(Rule::NBirthBdSeqMetric, at, "bdSeq not an Int64 value");
                }
                if let (Some(v), Some(b)) = (value, ctx.bd_seq) {
                    if v != b {
                        self.emit(Rule::NBirthBdSeqRepeat, at, "bdSeq not the session's");
                    }
                }
            }
        }
        match rebirth {
            None => self.emit(Rule::NBirthRebirth, top, "no Node Control/Rebirth metric"),
            Some((i, m)) => {
                let at = At {
                    metric: Some(i),
                    path: Path::EMPTY,
                    name: m.name(),
                };
                if m.alias().is_some() {
                    self.emit(Rule::RebirthAlias, at, "alias on Node Control/Rebirth");
                }
                if m.datatype() != Some(11) {
                    self.emit(Rule::RebirthDatatype, at, "not Boolean");
                }
                if m.raw_value() != Some(RawValue::Boolean(false)) || m.is_null() == Some(true) {
                    self.emit(Rule::RebirthValue, at, "not false");
                }
            }
        }
        Ok(())
    }

    /// NDEATH: the single bdSeq metric.
    pub(super) fn ndeath(&mut self, ctx: &Context) -> Result<(), Error> {
        let top = At {
            metric: None,
            path: Path::EMPTY,
            name: None,
        };
        let mut found = false;
        for (i, m) in self.payload.metrics().enumerate() {
            let m = m?;
            let at = At {
                metric: Some(i),
                path: Path::EMPTY,
                name: m.name(),
            };
            if m.name() != Some(BD_SEQ) || found {
                self.emit(Rule::NDeathPayload, at, "a metric other than the one bdSeq");
                continue;
            }
            found = true;
            let value = m.integer();
            let fits = m.datatype().is_some_and(|dt| !misfits(dt, m.raw_value()));
            if !matches!(m.datatype(), Some(4 | 8)) || value.is_none() || !fits {
                self.emit(Rule::WillBdSeq, at, "bdSeq not an Int64 value");
            }
            if value.is_some_and(|v| v > 255) {
                self.emit(Rule::WillBdSeq, at, "bdSeq beyond 255");
            }
            if let (Some(v), Some(b)) = (value, ctx.bd_seq) {
                if v != b {
                    self.emit(Rule::NDeathBdSeq, at, "bdSeq not the session's");
                }
            }
        }
        if !found {
            self.emit(Rule::NDeathPayload, top, "no bdSeq metric");
        }
        Ok(())
    }
}
