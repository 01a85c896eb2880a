//! A validator of Sparkplug B payloads and topics against the normative statements of the
//! specification (Sparkplug 3.0.0), each violation named by its `tck-id`.
//!
//! [`validate`] walks a [`PayloadView`] once for the message type it was published as and hands
//! each [`Violation`] to a callback: no allocation, no panic, `no_std`. What a library can know
//! besides the payload (the sequence number it expects next, the bdSeq of the session, whether
//! the edge node uses aliases) comes in a [`Context`]. [`validate_topic`] does the same for the
//! identifier rules of a [`MessageTopic`] (reusing [`check_id`] and
//! [`MessageType::is_device`] of the topic module). A payload that is not valid protobuf for the
//! schema is not a violation but an [`Error`], returned as soon as the walk meets it.
//!
//! Where the specification contradicts itself the validator says so and picks one reading:
//! - NBIRTH `seq`: §6.4.18 and §5 allow 0..=255 ([`Rule::NBirthSeq`]), §4.2.1 demands 0
//!   ([`Rule::NBirthSeqZero`]); both are reported, as separate rules.
//! - bdSeq datatype: §5 says INT64, the examples of §6.4 write UInt64 (as Tahu does); both
//!   are accepted.
//! - Quality: the statement asks for type Int32 (3) and the value in `int_value`; a value in
//!   `long_value` is reported.
//!
//! "Datatype" ranges: a metric's datatype must be one of the enumerated values 1..=34 (0,
//! `Unknown`, is a placeholder, and the TCK rejects it too); dataset column types and template
//! parameter types must be Basic Types (1..=14); property value types Basic Types or
//! PropertySet/PropertySetList (20, 21).
//!
//! # Coverage
//!
//! Each [`Rule`] checks one statement ([`Rule::tck_id`]); some statements are restated under
//! another id elsewhere in the specification, and those ids ([`Rule::also`]) are covered by the
//! same check.
//!
//! | Rule | tck-id | also covers |
//! |---|---|---|
//! | `NBirthTimestamp` | `tck-id-payloads-nbirth-timestamp` | `tck-id-topics-nbirth-timestamp` |
//! | `DBirthTimestamp` | `tck-id-payloads-dbirth-timestamp` | `tck-id-topics-dbirth-timestamp` |
//! | `NDataTimestamp` | `tck-id-payloads-ndata-timestamp` | `tck-id-topics-ndata-timestamp` |
//! | `DDataTimestamp` | `tck-id-payloads-ddata-timestamp` | `tck-id-topics-ddata-timestamp` |
//! | `DDeathTimestamp` | `tck-id-payloads-ddeath-timestamp` | |
//! | `NCmdTimestamp` | `tck-id-payloads-ncmd-timestamp` | `tck-id-topics-ncmd-timestamp` |
//! | `DCmdTimestamp` | `tck-id-payloads-dcmd-timestamp` | `tck-id-topics-dcmd-timestamp` |
//! | `NBirthSeq` | `tck-id-payloads-nbirth-seq` | `tck-id-payloads-sequence-num-always-included`, `tck-id-payloads-sequence-num-req-nbirth`, `tck-id-message-flow-edge-node-birth-publish-nbirth-payload-seq` |
//! | `NBirthSeqZero` | `tck-id-topics-nbirth-seq-num` | |
//! | `DBirthSeq` | `tck-id-payloads-dbirth-seq` | `tck-id-payloads-sequence-num-always-included` |
//! | `DBirthSeqInc` | `tck-id-payloads-dbirth-seq-inc` | `tck-id-payloads-sequence-num-incrementing`, `tck-id-topics-dbirth-seq` |
//! | `NDataSeq` | `tck-id-payloads-ndata-seq` | `tck-id-payloads-sequence-num-always-included` |
//! | `NDataSeqInc` | `tck-id-payloads-ndata-seq-inc` | `tck-id-payloads-sequence-num-incrementing`, `tck-id-topics-ndata-seq-num` |
//! | `DDataSeq` | `tck-id-payloads-ddata-seq` | `tck-id-payloads-sequence-num-always-included` |
//! | `DDataSeqInc` | `tck-id-payloads-ddata-seq-inc` | `tck-id-payloads-sequence-num-incrementing`, `tck-id-topics-ddata-seq-num` |
//! | `DDeathSeq` | `tck-id-payloads-ddeath-seq` | `tck-id-payloads-sequence-num-always-included`, `tck-id-payloads-ddeath-seq-number` |
//! | `DDeathSeqInc` | `tck-id-payloads-ddeath-seq-inc` | `tck-id-payloads-sequence-num-incrementing`, `tck-id-topics-ddeath-seq-num` |
//! | `NDeathSeq` | `tck-id-payloads-ndeath-seq` | `tck-id-topics-ndeath-seq` |
//! | `NCmdSeq` | `tck-id-payloads-ncmd-seq` | |
//! | `DCmdSeq` | `tck-id-payloads-dcmd-seq` | |
//! | `NameRequired` | `tck-id-payloads-name-requirement` | |
//! | `AliasUniqueness` | `tck-id-payloads-alias-uniqueness` | |
//! | `AliasBirth` | `tck-id-payloads-alias-birth-requirement` | (a template definition without an alias passes: Ignition and Eclipse Tahu write them so) |
//! | `AliasDataCmd` | `tck-id-payloads-alias-data-cmd-requirement` | |
//! | `MetricTimestamp` | `tck-id-payloads-name-birth-data-requirement` | |
//! | `DatatypeValue` | `tck-id-payloads-metric-datatype-value` | |
//! | `DatatypeReq` | `tck-id-payloads-metric-datatype-req` | |
//! | `DatatypeNotReq` (SHOULD) | `tck-id-payloads-metric-datatype-not-req` | |
//! | `NBirthMetrics` | `tck-id-topics-nbirth-metrics` | |
//! | `DBirthMetrics` | `tck-id-topics-dbirth-metrics` | |
//! | `NBirthValues` | `tck-id-operational-behavior-data-publish-nbirth-values` | |
//! | `DBirthValues` | `tck-id-operational-behavior-data-publish-dbirth-values` | |
//! | `NCmdMetricValue` | `tck-id-operational-behavior-data-commands-ncmd-metric-value` | |
//! | `DCmdMetricValue` | `tck-id-operational-behavior-data-commands-dcmd-metric-value` | |
//! | `NBirthBdSeq` | `tck-id-payloads-nbirth-bdseq` | `tck-id-topics-nbirth-bdseq-included` |
//! | `NBirthBdSeqRepeat` | `tck-id-payloads-nbirth-bdseq-repeat` | `tck-id-topics-nbirth-bdseq-matching`, `tck-id-operational-behavior-data-commands-rebirth-action-3` |
//! | `NBirthBdSeqMetric` | `tck-id-message-flow-edge-node-birth-publish-nbirth-payload-bdSeq` | |
//! | `NBirthRebirth` | `tck-id-payloads-nbirth-rebirth-req` | `tck-id-topics-nbirth-rebirth-metric`, `tck-id-operational-behavior-data-commands-rebirth-name` |
//! | `RebirthAlias` | `tck-id-operational-behavior-data-commands-rebirth-name-aliases` | |
//! | `RebirthDatatype` | `tck-id-operational-behavior-data-commands-rebirth-datatype` | |
//! | `RebirthValue` | `tck-id-operational-behavior-data-commands-rebirth-value` | |
//! | `RebirthRequestValue` | `tck-id-operational-behavior-data-commands-ncmd-rebirth-value` | |
//! | `NDeathPayload` | `tck-id-topics-ndeath-payload` | |
//! | `NDeathBdSeq` | `tck-id-payloads-ndeath-bdseq` | |
//! | `WillBdSeq` | `tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq` | |
//! | `PropertySetKeysSize` | `tck-id-payloads-propertyset-keys-array-size` | |
//! | `PropertySetValuesSize` | `tck-id-payloads-propertyset-values-array-size` | |
//! | `PropertyValueType` | `tck-id-payloads-metric-propertyvalue-type-value` | |
//! | `PropertyValueTypeReq` | `tck-id-payloads-metric-propertyvalue-type-req` | |
//! | `QualityType` | `tck-id-payloads-propertyset-quality-value-type` | |
//! | `QualityValue` | `tck-id-payloads-propertyset-quality-value-value` | |
//! | `DataSetColumnSize` | `tck-id-payloads-dataset-column-size` | |
//! | `DataSetColumnNumHeaders` | `tck-id-payloads-dataset-column-num-headers` | |
//! | `DataSetTypesNum` | `tck-id-payloads-dataset-types-num` | |
//! | `DataSetTypesValue` | `tck-id-payloads-dataset-types-value` | |
//! | `DataSetTypesReq` | `tck-id-payloads-dataset-parameter-type-req` | |
//! | `DataSetValue` | `tck-id-payloads-template-dataset-value` | |
//! | `TemplateDefinitionNBirthOnly` | `tck-id-payloads-template-definition-nbirth-only` | |
//! | `TemplateDefinitionRef` | `tck-id-payloads-template-definition-ref` | `tck-id-payloads-template-ref-definition` |
//! | `TemplateDefinitionNBirth` | `tck-id-payloads-template-definition-nbirth` | `tck-id-topics-nbirth-templates` (a definition named `_types_/<ref>` counts, as Ignition and Eclipse Tahu name them) |
//! | `TemplateIsDefinition` | `tck-id-payloads-template-is-definition` | |
//! | `TemplateInstanceRef` | `tck-id-payloads-template-instance-ref` | `tck-id-payloads-template-ref-instance` |
//! | `TemplateParameterName` | `tck-id-payloads-template-parameter-name-required` | |
//! | `TemplateParameterTypeValue` | `tck-id-payloads-template-parameter-type-value` | |
//! | `TemplateParameterTypeReq` | `tck-id-payloads-template-parameter-type-req` | |
//! | `TemplateParameterValue` | `tck-id-payloads-template-parameter-value` | |
//! | `TopicGroupId` | `tck-id-topic-structure-namespace-valid-group-id` | (a group id `STATE` is reported too: 3.0 puts `spBv1.0/STATE/<host_id>` there, so a topic with it reads as a host application's state topic) |
//! | `TopicEdgeNodeId` | `tck-id-topic-structure-namespace-valid-edge-node-id` | |
//! | `TopicDeviceId` | `tck-id-topic-structure-namespace-valid-device-id` | |
//! | `TopicDeviceRequired` | `tck-id-topic-structure-namespace-device-id-associated-message-types` | |
//! | `TopicDeviceForbidden` | `tck-id-topic-structure-namespace-device-id-non-associated-message-types` | |
//!
//! That is 71 Rules covering 95 of the 286 statements the specification marks as testable
//! (`[tck-testable tck-id-...]`; where a statement's printed label spells its id differently,
//! as `tck-id-payloads-sequence-num-zero-nbirth` for the marker
//! `tck-id-payloads-sequence-num-req-nbirth`, the marker's id is used). Statements about the
//! wire type of a field (`...-datatype-value-type`, `...-types-def`, `...-template-version`,
//! ...) hold for what [`PayloadView`] reads: a field with another wire type than the schema's
//! is not read as that field (it is an unknown field, as protoc's runtimes read it). The other statements
//! cannot be decided from one payload and its topic: they are about MQTT (QoS, retain, Will
//! Messages, CONNECT/DISCONNECT, subscriptions, clean sessions), about brokers (Sparkplug Aware
//! republishing), about host application STATE messages (JSON, not Sparkplug B payloads), about
//! ordering and timing across messages and sessions (births before data, reordering timers,
//! bdSeq increments per CONNECT), about what a receiver does (stale quality, rebirth actions),
//! about the set of metrics a node will ever publish or template definitions sent in another
//! message (members and parameters of instances), or about uniqueness across the
//! infrastructure. By chapter, the statements not checked here are 43 of 67 in chapter 4
//! (Topics), 86 of 99 in chapter 5 (Operational Behavior), 50 of 108 in chapter 6 (Payloads)
//! and all 12 of chapter 10 (Conformance).
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

use crate::error::Error;
use crate::payload::PayloadView;
use crate::topic::{MessageTopic, MessageType, Part, TopicError, check_id};

mod rule;
mod walk;

pub use rule::{Level, Rule};
use walk::{At, Kind, Walk};

/// Name of the birth/death sequence metric (§6.4.18, §6.4.19).
pub const BD_SEQ: &str = "bdSeq";
/// Name of the rebirth metric every NBIRTH carries and a rebirth request writes (§5).
pub const REBIRTH: &str = "Node Control/Rebirth";
/// The property key of metric quality (§6.4.7, "Quality Codes").
pub const QUALITY: &str = "Quality";
/// The quality codes: BAD, GOOD, STALE.
pub const QUALITY_CODES: [u32; 3] = [0, 192, 500];

/// One step below a metric: into a template member, a parameter, a property, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Step {
    /// Member metric `i` of a template.
    Member(usize),
    /// Parameter `i` of a template.
    Parameter(usize),
    /// Property `i` of a property set.
    Property(usize),
    /// Property set `i` of a property set list.
    Set(usize),
    /// Column `i` of a dataset.
    Column(usize),
    /// Row `i` of a dataset.
    Row(usize),
    /// Element `i` of a dataset row.
    Cell(usize),
}

/// Where below a metric a violation is: up to [`Path::CAPACITY`] steps, deeper ones dropped
/// (and [`Path::is_truncated`] set). Displayed as `.members[2].properties[0]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Path {
    steps: [Step; Path::CAPACITY],
    len: u8,
    truncated: bool,
}

impl Default for Path {
    fn default() -> Self {
        Path::EMPTY
    }
}

impl Path {
    /// Steps kept.
    pub const CAPACITY: usize = 8;
    /// The metric itself.
    pub const EMPTY: Path = Path {
        steps: [Step::Member(0); Path::CAPACITY],
        len: 0,
        truncated: false,
    };

    /// The path one step further (unchanged but marked truncated when full).
    #[must_use]
    pub fn then(mut self, step: Step) -> Path {
        match self.steps.get_mut(usize::from(self.len)) {
            Some(slot) => {
                *slot = step;
                self.len = self.len.saturating_add(1);
            }
            None => self.truncated = true,
        }
        self
    }

    /// The steps.
    #[must_use]
    pub fn steps(&self) -> &[Step] {
        self.steps.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// `true` when steps were dropped for lack of room.
    #[must_use]
    pub const fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in self.steps() {
            match s {
                Step::Member(i) => write!(f, ".metrics[{i}]")?,
                Step::Parameter(i) => write!(f, ".parameters[{i}]")?,
                Step::Property(i) => write!(f, ".properties[{i}]")?,
                Step::Set(i) => write!(f, ".propertysets[{i}]")?,
                Step::Column(i) => write!(f, ".types[{i}]")?,
                Step::Row(i) => write!(f, ".rows[{i}]")?,
                Step::Cell(i) => write!(f, ".elements[{i}]")?,
            }
        }
        if self.truncated {
            f.write_str("...")?;
        }
        Ok(())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Path {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A statement a payload or topic does not meet, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Violation<'a> {
    /// The statement.
    pub rule: Rule,
    /// Index of the payload metric it is in (`None`: the payload header or the topic).
    pub metric: Option<usize>,
    /// Where below that metric.
    pub path: Path,
    /// The name of the innermost named metric, parameter or property on the way (or the topic
    /// identifier at fault).
    pub name: Option<&'a str>,
    /// What is wrong, in a few words.
    pub detail: &'static str,
}

impl fmt::Display for Violation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.rule)?;
        if let Some(m) = self.metric {
            write!(f, " at metrics[{m}]{}", self.path)?;
        }
        if let Some(n) = self.name {
            write!(f, " ({n:?})")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// What the caller knows besides the payload. `Context::default()` knows nothing: sequence and
/// bdSeq comparisons are skipped, aliases count as in use when the payload itself has one, and
/// only MUST statements are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Context {
    /// The `seq` the next DBIRTH, NDATA, DDATA or DDEATH of this edge node must carry (one more
    /// than the last, 0 after 255).
    pub expected_seq: Option<u8>,
    /// The bdSeq of the current session (the Will Message's), for NBIRTH and NDEATH.
    pub bd_seq: Option<u64>,
    /// Whether the edge node uses aliases (known from its births): `None` infers it from the
    /// payload (any metric with an alias).
    pub aliases: Option<bool>,
    /// Report SHOULD statements too ([`Level::Should`]).
    pub should: bool,
}

impl Context {
    /// The context of a session: expected seq and bdSeq known.
    #[must_use]
    pub const fn session(expected_seq: u8, bd_seq: u64) -> Self {
        Context {
            expected_seq: Some(expected_seq),
            bd_seq: Some(bd_seq),
            aliases: None,
            should: false,
        }
    }
}

/// Checks `payload`, published as `message_type`, against every [`Rule`] that applies, and calls
/// `report` once per violation, in payload order (header first, then metric by metric, then the
/// NBIRTH/NDEATH checks that need every metric). SHOULD rules are reported only with
/// [`Context::should`]. Unknown message types get the checks that hold for any payload (names,
/// datatypes, property sets, datasets, templates).
///
/// Returns the first decoding [`Error`] met (the violations before it have been reported). It
/// never allocates or panics. Alias uniqueness compares each aliased birth metric with the ones
/// before it, so a birth of n metrics costs O(n²) metric parses. Template instances in an
/// NBIRTH find their definitions among the first 32 read once; only a payload with more
/// definitions makes an instance of another one cost a pass over the metrics. Dataset rows
/// read the first 32 column types from an array, the others from where they are written, so
/// only rows wider than 32 cells whose later types are split by other fields cost more than
/// their cells. Everything else is linear.
pub fn validate<'a>(
    payload: &PayloadView<'a>,
    message_type: MessageType<'_>,
    ctx: &Context,
    report: &mut impl FnMut(Violation<'a>),
) -> Result<(), Error> {
    let mut walk = Walk {
        payload,
        kind: Kind::of(message_type),
        should: ctx.should,
        out: report,
        defs: None,
    };
    walk.header(ctx);
    let aliases = match ctx.aliases {
        Some(a) => a,
        None => {
            let mut any = false;
            for m in payload.metrics() {
                any |= m?.alias().is_some();
            }
            any
        }
    };
    for (i, m) in payload.metrics().enumerate() {
        let m = m?;
        walk.metric(i, &m, aliases)?;
        let at = At {
            metric: Some(i),
            path: Path::EMPTY,
            name: m.name(),
        };
        walk.content(&m, at)?;
    }
    match walk.kind {
        Kind::NBirth => walk.nbirth(ctx)?,
        Kind::NDeath => walk.ndeath(ctx)?,
        _ => {}
    }
    Ok(())
}

/// [`validate`] collecting the violations into a `Vec`.
#[cfg(feature = "alloc")]
pub fn validate_all<'a>(
    payload: &PayloadView<'a>,
    message_type: MessageType<'_>,
    ctx: &Context,
) -> Result<alloc::vec::Vec<Violation<'a>>, Error> {
    let mut v = alloc::vec::Vec::new();
    validate(payload, message_type, ctx, &mut |x| v.push(x))?;
    Ok(v)
}

/// Checks the identifier rules of a message topic (§4.1.1) and reports every violation: each id
/// valid ([`check_id`], as [`Topic::parse`](crate::Topic::parse) checks them; a group id `STATE`
/// too), a device id exactly for the D* types and none for the N* types and `STATE`
/// ([`MessageType::is_device`]). A topic parsed by `Topic::parse` has
/// none; this is for topics built by hand or from another parser.
pub fn validate_topic<'a>(topic: &MessageTopic<'a>, report: &mut impl FnMut(Violation<'a>)) {
    let mut emit = |rule: Rule, name: Option<&'a str>, detail: &'static str| {
        report(Violation {
            rule,
            metric: None,
            path: Path::EMPTY,
            name,
            detail,
        });
    };
    let why = |e: TopicError| match e {
        TopicError::Empty(_) => "empty",
        TopicError::StateGroup => "STATE, the group element of host application state topics",
        _ => "holds +, /, # or NUL",
    };
    let mut ids = [
        (topic.group, Part::Group, Rule::TopicGroupId),
        (topic.edge_node, Part::EdgeNode, Rule::TopicEdgeNodeId),
    ]
    .into_iter()
    .chain(topic.device.map(|d| (d, Part::Device, Rule::TopicDeviceId)));
    for (id, part, rule) in &mut ids {
        if let Err(e) = check_id(id, part) {
            emit(rule, Some(id), why(e));
        }
    }
    match (topic.message_type.is_device(), topic.device) {
        (Some(true), None) => emit(Rule::TopicDeviceRequired, None, "no device id"),
        (Some(false), Some(d)) => emit(Rule::TopicDeviceForbidden, Some(d), "device id present"),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
