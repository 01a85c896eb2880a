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
//! | `AliasBirth` | `tck-id-payloads-alias-birth-requirement` | |
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
//! | `TemplateDefinitionNBirth` | `tck-id-payloads-template-definition-nbirth` | `tck-id-topics-nbirth-templates` |
//! | `TemplateIsDefinition` | `tck-id-payloads-template-is-definition` | |
//! | `TemplateInstanceRef` | `tck-id-payloads-template-instance-ref` | `tck-id-payloads-template-ref-instance` |
//! | `TemplateParameterName` | `tck-id-payloads-template-parameter-name-required` | |
//! | `TemplateParameterTypeValue` | `tck-id-payloads-template-parameter-type-value` | |
//! | `TemplateParameterTypeReq` | `tck-id-payloads-template-parameter-type-req` | |
//! | `TemplateParameterValue` | `tck-id-payloads-template-parameter-value` | |
//! | `TopicGroupId` | `tck-id-topic-structure-namespace-valid-group-id` | |
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
//! ...) hold for anything [`PayloadView`] reads without an [`Error`]. The other statements
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
use crate::payload::{DataSetView, MetricView, PayloadView, PropertySetView, TemplateView};
use crate::topic::{MessageTopic, MessageType, Part, TopicError, check_id};
use crate::value::{RawValue, Value};

/// Name of the birth/death sequence metric (§6.4.18, §6.4.19).
pub const BD_SEQ: &str = "bdSeq";
/// Name of the rebirth metric every NBIRTH carries and a rebirth request writes (§5).
pub const REBIRTH: &str = "Node Control/Rebirth";
/// The property key of metric quality (§6.4.7, "Quality Codes").
pub const QUALITY: &str = "Quality";
/// The quality codes: BAD, GOOD, STALE.
pub const QUALITY_CODES: [u32; 3] = [0, 192, 500];

/// The strength of a statement: MUST (a violation) or SHOULD (a recommendation not followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Level {
    /// MUST / MUST NOT.
    Must,
    /// SHOULD / SHOULD NOT.
    Should,
}

macro_rules! rules {
    ($( $(#[$doc:meta])* $v:ident => $id:literal, $level:ident, [$($also:literal),*]; )*) => {
        /// One checked normative statement of the specification, named by its `tck-id`
        /// ([`Rule::tck_id`]); the table in the [module documentation](self) lists them all.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub enum Rule {
            $( $(#[$doc])* $v, )*
        }

        impl Rule {
            /// Every rule, in declaration order.
            pub const ALL: &'static [Rule] = &[$(Rule::$v),*];

            /// The `tck-id` of the statement, exactly as the specification's markers spell it.
            #[must_use]
            pub const fn tck_id(&self) -> &'static str {
                match self { $(Rule::$v => $id,)* }
            }

            /// MUST or SHOULD.
            #[must_use]
            pub const fn level(&self) -> Level {
                match self { $(Rule::$v => Level::$level,)* }
            }

            /// Other `tck-id`s that restate the same requirement and are covered by this check.
            #[must_use]
            pub const fn also(&self) -> &'static [&'static str] {
                match self { $(Rule::$v => &[$($also),*],)* }
            }
        }
    };
}

rules! {
    /// An NBIRTH without a payload timestamp.
    NBirthTimestamp => "tck-id-payloads-nbirth-timestamp", Must, ["tck-id-topics-nbirth-timestamp"];
    /// A DBIRTH without a payload timestamp.
    DBirthTimestamp => "tck-id-payloads-dbirth-timestamp", Must, ["tck-id-topics-dbirth-timestamp"];
    /// An NDATA without a payload timestamp.
    NDataTimestamp => "tck-id-payloads-ndata-timestamp", Must, ["tck-id-topics-ndata-timestamp"];
    /// A DDATA without a payload timestamp.
    DDataTimestamp => "tck-id-payloads-ddata-timestamp", Must, ["tck-id-topics-ddata-timestamp"];
    /// A DDEATH without a payload timestamp.
    DDeathTimestamp => "tck-id-payloads-ddeath-timestamp", Must, [];
    /// An NCMD without a payload timestamp.
    NCmdTimestamp => "tck-id-payloads-ncmd-timestamp", Must, ["tck-id-topics-ncmd-timestamp"];
    /// A DCMD without a payload timestamp.
    DCmdTimestamp => "tck-id-payloads-dcmd-timestamp", Must, ["tck-id-topics-dcmd-timestamp"];
    /// An NBIRTH without `seq`, or with one beyond 255.
    NBirthSeq => "tck-id-payloads-nbirth-seq", Must, [
        "tck-id-payloads-sequence-num-always-included",
        "tck-id-payloads-sequence-num-req-nbirth",
        "tck-id-message-flow-edge-node-birth-publish-nbirth-payload-seq"
    ];
    /// An NBIRTH whose `seq` (within 0..=255) is not 0 (§4.2.1).
    NBirthSeqZero => "tck-id-topics-nbirth-seq-num", Must, [];
    /// A DBIRTH without `seq`.
    DBirthSeq => "tck-id-payloads-dbirth-seq", Must, ["tck-id-payloads-sequence-num-always-included"];
    /// A DBIRTH whose `seq` is beyond 255 or not the one expected.
    DBirthSeqInc => "tck-id-payloads-dbirth-seq-inc", Must, [
        "tck-id-payloads-sequence-num-incrementing",
        "tck-id-topics-dbirth-seq"
    ];
    /// An NDATA without `seq`.
    NDataSeq => "tck-id-payloads-ndata-seq", Must, ["tck-id-payloads-sequence-num-always-included"];
    /// An NDATA whose `seq` is beyond 255 or not the one expected.
    NDataSeqInc => "tck-id-payloads-ndata-seq-inc", Must, [
        "tck-id-payloads-sequence-num-incrementing",
        "tck-id-topics-ndata-seq-num"
    ];
    /// A DDATA without `seq`.
    DDataSeq => "tck-id-payloads-ddata-seq", Must, ["tck-id-payloads-sequence-num-always-included"];
    /// A DDATA whose `seq` is beyond 255 or not the one expected.
    DDataSeqInc => "tck-id-payloads-ddata-seq-inc", Must, [
        "tck-id-payloads-sequence-num-incrementing",
        "tck-id-topics-ddata-seq-num"
    ];
    /// A DDEATH without `seq`.
    DDeathSeq => "tck-id-payloads-ddeath-seq", Must, [
        "tck-id-payloads-sequence-num-always-included",
        "tck-id-payloads-ddeath-seq-number"
    ];
    /// A DDEATH whose `seq` is beyond 255 or not the one expected.
    DDeathSeqInc => "tck-id-payloads-ddeath-seq-inc", Must, [
        "tck-id-payloads-sequence-num-incrementing",
        "tck-id-topics-ddeath-seq-num"
    ];
    /// An NDEATH with `seq`.
    NDeathSeq => "tck-id-payloads-ndeath-seq", Must, ["tck-id-topics-ndeath-seq"];
    /// An NCMD with `seq`.
    NCmdSeq => "tck-id-payloads-ncmd-seq", Must, [];
    /// A DCMD with `seq`.
    DCmdSeq => "tck-id-payloads-dcmd-seq", Must, [];
    /// A metric with neither name nor alias.
    NameRequired => "tck-id-payloads-name-requirement", Must, [];
    /// Two metrics of a birth with the same alias.
    AliasUniqueness => "tck-id-payloads-alias-uniqueness", Must, [];
    /// Aliases in use, and a birth metric without its name or alias (the NBIRTH's
    /// `Node Control/Rebirth` excepted, see [`Rule::RebirthAlias`]).
    AliasBirth => "tck-id-payloads-alias-birth-requirement", Must, [];
    /// Aliases in use, and a data or command metric with a name or without an alias (a rebirth
    /// request by name excepted).
    AliasDataCmd => "tck-id-payloads-alias-data-cmd-requirement", Must, [];
    /// A metric without timestamp in an NBIRTH, DBIRTH, NDATA or DDATA.
    MetricTimestamp => "tck-id-payloads-name-birth-data-requirement", Must, [];
    /// A metric datatype that is not one of 1..=34.
    DatatypeValue => "tck-id-payloads-metric-datatype-value", Must, [];
    /// A birth metric without datatype.
    DatatypeReq => "tck-id-payloads-metric-datatype-req", Must, [];
    /// A data or command metric with a datatype (SHOULD NOT).
    DatatypeNotReq => "tck-id-payloads-metric-datatype-not-req", Should, [];
    /// An NBIRTH metric without name.
    NBirthMetrics => "tck-id-topics-nbirth-metrics", Must, [];
    /// A DBIRTH metric without name.
    DBirthMetrics => "tck-id-topics-dbirth-metrics", Must, [];
    /// An NBIRTH metric without value and not `is_null`, with a value and `is_null`, or with a
    /// value that does not read as its datatype.
    NBirthValues => "tck-id-operational-behavior-data-publish-nbirth-values", Must, [];
    /// The same for a DBIRTH metric.
    DBirthValues => "tck-id-operational-behavior-data-publish-dbirth-values", Must, [];
    /// An NCMD metric with a datatype whose value does not read as it (or no value).
    NCmdMetricValue => "tck-id-operational-behavior-data-commands-ncmd-metric-value", Must, [];
    /// A DCMD metric with a datatype whose value does not read as it (or no value).
    DCmdMetricValue => "tck-id-operational-behavior-data-commands-dcmd-metric-value", Must, [];
    /// An NBIRTH without a `bdSeq` metric.
    NBirthBdSeq => "tck-id-payloads-nbirth-bdseq", Must, ["tck-id-topics-nbirth-bdseq-included"];
    /// An NBIRTH whose bdSeq is not the session's ([`Context::bd_seq`]).
    NBirthBdSeqRepeat => "tck-id-payloads-nbirth-bdseq-repeat", Must, [
        "tck-id-topics-nbirth-bdseq-matching",
        "tck-id-operational-behavior-data-commands-rebirth-action-3"
    ];
    /// An NBIRTH `bdSeq` metric that is not an Int64 (or UInt64) value.
    NBirthBdSeqMetric => "tck-id-message-flow-edge-node-birth-publish-nbirth-payload-bdSeq", Must, [];
    /// An NBIRTH without `Node Control/Rebirth`.
    NBirthRebirth => "tck-id-payloads-nbirth-rebirth-req", Must, [
        "tck-id-topics-nbirth-rebirth-metric",
        "tck-id-operational-behavior-data-commands-rebirth-name"
    ];
    /// The NBIRTH's `Node Control/Rebirth` with an alias.
    RebirthAlias => "tck-id-operational-behavior-data-commands-rebirth-name-aliases", Must, [];
    /// The NBIRTH's `Node Control/Rebirth` not of datatype Boolean.
    RebirthDatatype => "tck-id-operational-behavior-data-commands-rebirth-datatype", Must, [];
    /// The NBIRTH's `Node Control/Rebirth` not false.
    RebirthValue => "tck-id-operational-behavior-data-commands-rebirth-value", Must, [];
    /// An NCMD's `Node Control/Rebirth` not true.
    RebirthRequestValue => "tck-id-operational-behavior-data-commands-ncmd-rebirth-value", Must, [];
    /// An NDEATH with other metrics than the single `bdSeq`.
    NDeathPayload => "tck-id-topics-ndeath-payload", Must, [];
    /// An NDEATH whose bdSeq is not the session's ([`Context::bd_seq`]).
    NDeathBdSeq => "tck-id-payloads-ndeath-bdseq", Must, [];
    /// An NDEATH `bdSeq` that is not an Int64 (or UInt64) value in 0..=255.
    WillBdSeq => "tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq", Must, [];
    /// A property set with more keys than values.
    PropertySetKeysSize => "tck-id-payloads-propertyset-keys-array-size", Must, [];
    /// A property set with more values than keys.
    PropertySetValuesSize => "tck-id-payloads-propertyset-values-array-size", Must, [];
    /// A property value type that is not a Basic Type, PropertySet or PropertySetList.
    PropertyValueType => "tck-id-payloads-metric-propertyvalue-type-value", Must, [];
    /// A property value without type in a birth.
    PropertyValueTypeReq => "tck-id-payloads-metric-propertyvalue-type-req", Must, [];
    /// A `Quality` property not of type Int32 (3).
    QualityType => "tck-id-payloads-propertyset-quality-value-type", Must, [];
    /// A `Quality` property whose value is not 0, 192 or 500 in `int_value`.
    QualityValue => "tck-id-payloads-propertyset-quality-value-value", Must, [];
    /// A dataset without `num_of_columns`, or whose `num_of_columns` differs from the number of
    /// columns or of the elements of a row.
    DataSetColumnSize => "tck-id-payloads-dataset-column-size", Must, [];
    /// A dataset with not as many column names as types.
    DataSetColumnNumHeaders => "tck-id-payloads-dataset-column-num-headers", Must, [];
    /// A dataset with not as many types as column names.
    DataSetTypesNum => "tck-id-payloads-dataset-types-num", Must, [];
    /// A dataset column type that is not a Basic Type.
    DataSetTypesValue => "tck-id-payloads-dataset-types-value", Must, [];
    /// A dataset with columns but no types.
    DataSetTypesReq => "tck-id-payloads-dataset-parameter-type-req", Must, [];
    /// A dataset cell that is an extension or does not read as its column's type.
    DataSetValue => "tck-id-payloads-template-dataset-value", Must, [];
    /// A template definition outside an NBIRTH.
    TemplateDefinitionNBirthOnly => "tck-id-payloads-template-definition-nbirth-only", Must, [];
    /// A template definition with `template_ref`.
    TemplateDefinitionRef => "tck-id-payloads-template-definition-ref", Must, [
        "tck-id-payloads-template-ref-definition"
    ];
    /// A template instance in an NBIRTH whose definition that NBIRTH does not hold.
    TemplateDefinitionNBirth => "tck-id-payloads-template-definition-nbirth", Must, [
        "tck-id-topics-nbirth-templates"
    ];
    /// A template without `is_definition`.
    TemplateIsDefinition => "tck-id-payloads-template-is-definition", Must, [];
    /// A template instance without `template_ref`.
    TemplateInstanceRef => "tck-id-payloads-template-instance-ref", Must, [
        "tck-id-payloads-template-ref-instance"
    ];
    /// A template parameter without name.
    TemplateParameterName => "tck-id-payloads-template-parameter-name-required", Must, [];
    /// A template parameter type that is not a Basic Type.
    TemplateParameterTypeValue => "tck-id-payloads-template-parameter-type-value", Must, [];
    /// A template parameter without type in a birth.
    TemplateParameterTypeReq => "tck-id-payloads-template-parameter-type-req", Must, [];
    /// A template parameter value that is an extension or does not read as its type.
    TemplateParameterValue => "tck-id-payloads-template-parameter-value", Must, [];
    /// A group id that is empty or holds `+`, `/`, `#` (or NUL).
    TopicGroupId => "tck-id-topic-structure-namespace-valid-group-id", Must, [];
    /// An edge node id that is empty or holds `+`, `/`, `#` (or NUL).
    TopicEdgeNodeId => "tck-id-topic-structure-namespace-valid-edge-node-id", Must, [];
    /// A device id that is empty or holds `+`, `/`, `#` (or NUL).
    TopicDeviceId => "tck-id-topic-structure-namespace-valid-device-id", Must, [];
    /// A DBIRTH, DDEATH, DDATA or DCMD topic without device id.
    TopicDeviceRequired => "tck-id-topic-structure-namespace-device-id-associated-message-types", Must, [];
    /// An NBIRTH, NDEATH, NDATA or NCMD topic with a device id.
    TopicDeviceForbidden => "tck-id-topic-structure-namespace-device-id-non-associated-message-types", Must, [];
}

impl Rule {
    /// The rule that checks a `tck-id` (its own or one it [also](Rule::also) covers).
    #[must_use]
    pub fn from_tck_id(id: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .find(|r| r.tck_id() == id)
            .or_else(|| Rule::ALL.iter().find(|r| r.also().contains(&id)))
            .copied()
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tck_id())
    }
}

/// Serialized as its `tck-id`.
#[cfg(feature = "serde")]
impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.tck_id())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Rule;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Sparkplug tck-id checked by this crate")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Rule, E> {
                Rule::ALL
                    .iter()
                    .find(|r| r.tck_id() == v)
                    .copied()
                    .ok_or_else(|| E::custom("unknown tck-id"))
            }
        }
        d.deserialize_str(V)
    }
}

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

/// The eight Sparkplug B types, and the rest.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
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
    fn of(t: MessageType<'_>) -> Self {
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
fn is_basic(dt: u32) -> bool {
    (1..=14).contains(&dt)
}

/// Whether a value read as `dt` fails for its type (not for being absent).
fn misfits(dt: u32, raw: Option<RawValue<'_>>) -> bool {
    !matches!(Value::from_raw(dt, raw, false), Ok(_) | Err(Error::NoValue))
}

/// A bdSeq value: `long_value` (or `int_value`).
fn bd_seq_value(m: &MetricView<'_>) -> Option<u64> {
    match m.raw_value() {
        Some(RawValue::Long(v)) => Some(v),
        Some(RawValue::Int(v)) => Some(u64::from(v)),
        _ => None,
    }
}

fn count<T>(mut it: impl Iterator<Item = Result<T, Error>>) -> Result<usize, Error> {
    it.try_fold(0usize, |n, x| x.map(|_| n.saturating_add(1)))
}

struct Walk<'p, 'r, 'a> {
    payload: &'p PayloadView<'a>,
    kind: Kind,
    should: bool,
    out: &'r mut dyn FnMut(Violation<'a>),
}

/// Where the walk is: metric index, path below it, innermost name.
#[derive(Clone, Copy)]
struct At<'a> {
    metric: Option<usize>,
    path: Path,
    name: Option<&'a str>,
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

    fn header(&mut self, ctx: &Context) {
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
    fn metric(&mut self, i: usize, m: &MetricView<'a>, aliases: bool) -> Result<(), Error> {
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
                if alias.is_none() && !(self.kind == Kind::NBirth && rebirth) {
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
            if let Some(dt) = m.datatype() {
                if !null && m.raw_value().is_none() {
                    self.emit(rule, at, "no value");
                } else if !null && misfits(dt, m.raw_value()) {
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
    fn content(&mut self, m: &MetricView<'a>, at: At<'a>) -> Result<(), Error> {
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
        let types = count(d.types())?;
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
            let mut types = d.types();
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

    /// Whether the payload holds a template definition named `name` at its top level.
    fn defines(&self, name: &str) -> Result<bool, Error> {
        for m in self.payload.metrics() {
            let m = m?;
            if m.name() == Some(name) {
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
    fn nbirth(&mut self, ctx: &Context) -> Result<(), Error> {
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
                let value = bd_seq_value(&m);
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
    fn ndeath(&mut self, ctx: &Context) -> Result<(), Error> {
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
            let value = bd_seq_value(&m);
            if !matches!(m.datatype(), Some(4 | 8)) || value.is_none() {
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

/// Checks `payload`, published as `message_type`, against every [`Rule`] that applies, and calls
/// `report` once per violation, in payload order (header first, then metric by metric, then the
/// NBIRTH/NDEATH checks that need every metric). SHOULD rules are reported only with
/// [`Context::should`]. Unknown message types get the checks that hold for any payload (names,
/// datatypes, property sets, datasets, templates).
///
/// Returns the first decoding [`Error`] met (the violations before it have been reported). It
/// never allocates or panics. Alias uniqueness compares each aliased birth metric with the ones
/// before it, so a birth of n metrics costs O(n²) metric parses; everything else is linear.
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
/// valid ([`check_id`], as [`Topic::parse`](crate::Topic::parse) checks them), a device id
/// exactly for the D* types ([`MessageType::is_device`]). A topic parsed by `Topic::parse` has
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
mod tests {
    use std::string::ToString;
    use std::vec;
    use std::vec::Vec;

    use super::*;
    use crate::repr::{
        DataSet, Metric, MetricValue, Parameter, Payload, PropertySet, PropertyValue, Raw, Row,
        Template,
    };

    const T: u64 = 1_700_000_000_000;

    fn m<'a>(name: &'a str, value: MetricValue<'a>) -> Metric<'a> {
        Metric {
            timestamp: Some(T),
            ..Metric::new(name, value)
        }
    }

    fn aliased<'a>(alias: u64, name: &'a str, value: MetricValue<'a>) -> Metric<'a> {
        Metric {
            alias: Some(alias),
            ..m(name, value)
        }
    }

    fn payload<'a>(seq: Option<u64>, metrics: Vec<Metric<'a>>) -> Payload<'a> {
        Payload {
            timestamp: Some(T),
            metrics: metrics.into(),
            seq,
            ..Payload::default()
        }
    }

    fn nbirth_metrics<'a>() -> Vec<Metric<'a>> {
        vec![
            m(BD_SEQ, MetricValue::UInt64(0)),
            m(REBIRTH, MetricValue::Boolean(false)),
            m("Temperature", MetricValue::Int32(21)),
        ]
    }

    fn nbirth<'a>() -> Payload<'a> {
        payload(Some(0), nbirth_metrics())
    }

    /// The rules violated by `p` as `t`, sorted.
    fn rules(p: &Payload<'_>, t: MessageType<'_>, ctx: &Context) -> Vec<Rule> {
        let bytes = p.to_vec().unwrap();
        let view = PayloadView::new(&bytes).unwrap();
        let mut v: Vec<Rule> = validate_all(&view, t, ctx)
            .unwrap()
            .iter()
            .map(|v| v.rule)
            .collect();
        v.sort();
        v
    }

    fn check(p: &Payload<'_>, t: MessageType<'_>, expected: &[Rule]) {
        check_in(p, t, &Context::default(), expected);
    }

    fn check_in(p: &Payload<'_>, t: MessageType<'_>, ctx: &Context, expected: &[Rule]) {
        let mut e = expected.to_vec();
        e.sort();
        assert_eq!(rules(p, t, ctx), e, "{t} {p:?}");
    }

    use MessageType::{DBirth, DCmd, DData, DDeath, NBirth, NCmd, NData, NDeath};

    fn clean<'a>() -> [(Payload<'a>, MessageType<'static>); 8] {
        let data = || {
            vec![Metric {
                timestamp: Some(T),
                ..Metric::aliased(1, MetricValue::Raw(Raw::Int(5)))
            }]
        };
        [
            (nbirth(), NBirth),
            (
                payload(Some(1), vec![m("Output", MetricValue::Boolean(true))]),
                DBirth,
            ),
            (payload(Some(2), data()), NData),
            (payload(Some(3), data()), DData),
            (
                payload(None, vec![m(BD_SEQ, MetricValue::Int64(7))]),
                NDeath,
            ),
            (payload(Some(4), vec![]), DDeath),
            (
                payload(
                    None,
                    vec![Metric {
                        datatype: None,
                        ..m(REBIRTH, MetricValue::Boolean(true))
                    }],
                ),
                NCmd,
            ),
            (
                payload(
                    None,
                    vec![Metric::aliased(1, MetricValue::Raw(Raw::Boolean(true)))],
                ),
                DCmd,
            ),
        ]
    }

    #[test]
    fn valid_messages_have_no_violation() {
        for (p, t) in clean() {
            check(&p, t, &[]);
            let ctx = Context {
                should: true,
                ..Context::session(
                    match t {
                        DBirth => 1,
                        NData => 2,
                        DData => 3,
                        _ => 4,
                    },
                    if t == NDeath { 7 } else { 0 },
                )
            };
            check_in(&p, t, &ctx, &[]);
        }
        // Aliases in use: every birth metric has one, the rebirth metric excepted.
        let p = payload(
            Some(0),
            vec![
                aliased(0, BD_SEQ, MetricValue::UInt64(0)),
                m(REBIRTH, MetricValue::Boolean(false)),
                aliased(1, "Temperature", MetricValue::Int32(21)),
            ],
        );
        check(&p, NBirth, &[]);
        // A rebirth request by name when aliases are in use.
        let ctx = Context {
            aliases: Some(true),
            ..Context::default()
        };
        check_in(
            &payload(None, vec![m(REBIRTH, MetricValue::Boolean(true))]),
            NCmd,
            &ctx,
            &[],
        );
    }

    #[test]
    fn timestamps() {
        let rules = [
            Rule::NBirthTimestamp,
            Rule::DBirthTimestamp,
            Rule::NDataTimestamp,
            Rule::DDataTimestamp,
            Rule::NDeathSeq, // placeholder: NDEATH needs no timestamp
            Rule::DDeathTimestamp,
            Rule::NCmdTimestamp,
            Rule::DCmdTimestamp,
        ];
        for ((mut p, t), rule) in clean().into_iter().zip(rules) {
            p.timestamp = None;
            let expected = [rule];
            check(&p, t, if t == NDeath { &[] } else { &expected });
        }
    }

    #[test]
    fn sequence_numbers() {
        let mut p = nbirth();
        p.seq = None;
        check(&p, NBirth, &[Rule::NBirthSeq]);
        p.seq = Some(256);
        check(&p, NBirth, &[Rule::NBirthSeq]);
        p.seq = Some(5);
        check(&p, NBirth, &[Rule::NBirthSeqZero]);
        // An NBIRTH starts the count: the expected seq does not apply.
        p.seq = Some(0);
        check_in(&p, NBirth, &Context::session(9, 0), &[]);

        let counted = [
            (DBirth, Rule::DBirthSeq, Rule::DBirthSeqInc),
            (NData, Rule::NDataSeq, Rule::NDataSeqInc),
            (DData, Rule::DDataSeq, Rule::DDataSeqInc),
            (DDeath, Rule::DDeathSeq, Rule::DDeathSeqInc),
        ];
        for (t, missing, inc) in counted {
            let (mut p, _) = clean().into_iter().find(|(_, u)| *u == t).unwrap();
            p.seq = None;
            check(&p, t, &[missing]);
            p.seq = Some(300);
            check(&p, t, &[inc]);
            p.seq = Some(10);
            check_in(&p, t, &Context::session(11, 0), &[inc]);
            check_in(&p, t, &Context::session(10, 0), &[]);
            check(&p, t, &[]);
        }
        for (t, rule) in [
            (NDeath, Rule::NDeathSeq),
            (NCmd, Rule::NCmdSeq),
            (DCmd, Rule::DCmdSeq),
        ] {
            let (mut p, _) = clean().into_iter().find(|(_, u)| *u == t).unwrap();
            p.seq = Some(0);
            check(&p, t, &[rule]);
        }
    }

    #[test]
    fn names_and_aliases() {
        let anonymous = Metric {
            timestamp: Some(T),
            value: Some(MetricValue::Raw(Raw::Int(1))),
            ..Metric::default()
        };
        check(
            &payload(Some(0), vec![anonymous]),
            NData,
            &[Rule::NameRequired],
        );

        // Birth metric without name: with an alias, and without.
        let mut ms = nbirth_metrics();
        ms.push(Metric {
            name: None,
            ..m("x", MetricValue::Int32(1))
        });
        check(
            &payload(Some(0), ms.clone()),
            NBirth,
            &[Rule::NameRequired, Rule::NBirthMetrics],
        );
        let mut p = payload(
            Some(1),
            vec![Metric {
                name: None,
                alias: Some(3),
                ..m("x", MetricValue::Int32(1))
            }],
        );
        check(&p, DBirth, &[Rule::DBirthMetrics, Rule::AliasBirth]);

        // Aliases in use, one birth metric without.
        p.metrics = vec![
            aliased(1, "a", MetricValue::Int32(1)),
            m("b", MetricValue::Int32(2)),
        ]
        .into();
        check(&p, DBirth, &[Rule::AliasBirth]);
        // The same alias twice.
        p.metrics = vec![
            aliased(1, "a", MetricValue::Int32(1)),
            aliased(2, "b", MetricValue::Int32(2)),
            aliased(1, "c", MetricValue::Int32(3)),
        ]
        .into();
        let v = validate_all(
            &PayloadView::new(&p.to_vec().unwrap()).unwrap(),
            DBirth,
            &Context::default(),
        )
        .unwrap()
        .into_iter()
        .map(|v| (v.rule, v.metric))
        .collect::<Vec<_>>();
        assert_eq!(v, [(Rule::AliasUniqueness, Some(2))]);

        // Data and commands with aliases in use: alias only.
        let ctx = Context {
            aliases: Some(true),
            ..Context::default()
        };
        for t in [NData, DData, NCmd, DCmd] {
            let seq = matches!(t, NData | DData).then_some(2);
            let named = payload(
                seq,
                vec![Metric {
                    datatype: None,
                    ..m("a", MetricValue::Int32(1))
                }],
            );
            check_in(&named, t, &ctx, &[Rule::AliasDataCmd]);
            let both = payload(
                seq,
                vec![Metric {
                    datatype: None,
                    ..aliased(1, "a", MetricValue::Int32(1))
                }],
            );
            check(&both, t, &[Rule::AliasDataCmd]);
            // Without aliases in use a name alone is fine.
            check(&named, t, &[]);
        }
    }

    #[test]
    fn metric_fields_in_births() {
        for (t, seq, values) in [
            (NBirth, 0, Rule::NBirthValues),
            (DBirth, 1, Rule::DBirthValues),
        ] {
            let base = if t == NBirth {
                nbirth_metrics()
            } else {
                vec![]
            };
            let with = |extra: Metric<'static>| {
                let mut ms = base.clone();
                ms.push(extra);
                payload(Some(seq), ms)
            };
            check(
                &with(Metric {
                    datatype: None,
                    ..m("a", MetricValue::Int32(1))
                }),
                t,
                &[Rule::DatatypeReq],
            );
            check(
                &with(Metric {
                    timestamp: None,
                    ..m("a", MetricValue::Int32(1))
                }),
                t,
                &[Rule::MetricTimestamp],
            );
            check(
                &with(Metric {
                    is_null: Some(true),
                    ..m("a", MetricValue::Int32(1))
                }),
                t,
                &[values],
            );
            check(
                &with(Metric {
                    value: None,
                    ..m("a", MetricValue::Int32(1))
                }),
                t,
                &[values],
            );
            check(
                &with(Metric {
                    is_null: Some(true),
                    value: None,
                    ..m("a", MetricValue::Int32(1))
                }),
                t,
                &[],
            );
            check(
                &with(Metric {
                    datatype: Some(3),
                    ..m("a", MetricValue::String("x".into()))
                }),
                t,
                &[values],
            );
            check(
                &with(Metric {
                    datatype: Some(0),
                    ..m("a", MetricValue::Int32(1))
                }),
                t,
                &[Rule::DatatypeValue],
            );
            check(
                &with(Metric {
                    datatype: Some(99),
                    ..m("a", MetricValue::Int32(1))
                }),
                t,
                &[Rule::DatatypeValue],
            );
        }
        // Data messages: timestamps on metrics; a datatype is a SHOULD NOT.
        let p = payload(
            Some(2),
            vec![Metric::aliased(1, MetricValue::Raw(Raw::Int(5)))],
        );
        check(&p, NData, &[Rule::MetricTimestamp]);
        check(&p, DData, &[Rule::MetricTimestamp]);
        check(&p, NCmd, &[Rule::NCmdSeq]);
        let p = payload(Some(2), vec![aliased(1, "a", MetricValue::Int32(5))]);
        let should = Context {
            should: true,
            aliases: Some(false),
            ..Context::default()
        };
        check_in(&p, NData, &should, &[Rule::DatatypeNotReq]);
        check_in(
            &p,
            NData,
            &Context {
                should: false,
                ..should
            },
            &[],
        );
        assert_eq!(Rule::DatatypeNotReq.level(), Level::Should);
    }

    #[test]
    fn command_values() {
        for (t, rule) in [(NCmd, Rule::NCmdMetricValue), (DCmd, Rule::DCmdMetricValue)] {
            let bad = payload(
                None,
                vec![Metric {
                    datatype: Some(11),
                    ..m("Out", MetricValue::String("on".into()))
                }],
            );
            check(&bad, t, &[rule]);
            let none = payload(
                None,
                vec![Metric {
                    value: None,
                    ..m("Out", MetricValue::Boolean(true))
                }],
            );
            check(&none, t, &[rule]);
            check(
                &payload(None, vec![m("Out", MetricValue::Boolean(false))]),
                t,
                &[],
            );
        }
        let request = payload(None, vec![m(REBIRTH, MetricValue::Boolean(false))]);
        check(&request, NCmd, &[Rule::RebirthRequestValue]);
    }

    #[test]
    fn nbirth_bdseq_and_rebirth() {
        let replace = |i: usize, with: Option<Metric<'static>>| {
            let mut ms = nbirth_metrics();
            match with {
                Some(x) => ms[i] = x,
                None => {
                    ms.remove(i);
                }
            }
            payload(Some(0), ms)
        };
        check(&replace(0, None), NBirth, &[Rule::NBirthBdSeq]);
        check(
            &replace(0, Some(m(BD_SEQ, MetricValue::Int64(0)))),
            NBirth,
            &[],
        );
        check(
            &replace(0, Some(m(BD_SEQ, MetricValue::String("0".into())))),
            NBirth,
            &[Rule::NBirthBdSeqMetric],
        );
        check_in(
            &nbirth(),
            NBirth,
            &Context::session(0, 3),
            &[Rule::NBirthBdSeqRepeat],
        );
        check_in(&nbirth(), NBirth, &Context::session(0, 0), &[]);

        check(&replace(1, None), NBirth, &[Rule::NBirthRebirth]);
        check(
            &replace(1, Some(m(REBIRTH, MetricValue::Boolean(true)))),
            NBirth,
            &[Rule::RebirthValue],
        );
        check(
            &replace(
                1,
                Some(Metric {
                    datatype: Some(12),
                    ..m(REBIRTH, MetricValue::Boolean(false))
                }),
            ),
            NBirth,
            &[Rule::RebirthDatatype, Rule::NBirthValues],
        );
        check(
            &replace(1, Some(m(REBIRTH, MetricValue::String("false".into())))),
            NBirth,
            &[Rule::RebirthDatatype, Rule::RebirthValue],
        );
        // An alias on the rebirth metric (the others have theirs).
        let p = payload(
            Some(0),
            vec![
                aliased(0, BD_SEQ, MetricValue::UInt64(0)),
                aliased(1, REBIRTH, MetricValue::Boolean(false)),
            ],
        );
        check(&p, NBirth, &[Rule::RebirthAlias]);
    }

    #[test]
    fn ndeath() {
        let bd = |v: MetricValue<'static>| payload(None, vec![m(BD_SEQ, v)]);
        check(&bd(MetricValue::UInt64(255)), NDeath, &[]);
        check(&bd(MetricValue::UInt64(256)), NDeath, &[Rule::WillBdSeq]);
        check(&bd(MetricValue::Boolean(false)), NDeath, &[Rule::WillBdSeq]);
        check_in(
            &bd(MetricValue::UInt64(4)),
            NDeath,
            &Context::session(0, 5),
            &[Rule::NDeathBdSeq],
        );
        check(&payload(None, vec![]), NDeath, &[Rule::NDeathPayload]);
        let two = payload(
            None,
            vec![
                m(BD_SEQ, MetricValue::UInt64(1)),
                m("x", MetricValue::Int32(1)),
            ],
        );
        check(&two, NDeath, &[Rule::NDeathPayload]);
    }

    fn with_properties(props: PropertySet<'static>) -> Payload<'static> {
        payload(
            Some(1),
            vec![Metric {
                properties: Some(props),
                ..m("a", MetricValue::Int32(1))
            }],
        )
    }

    fn pv(dt: u32, v: MetricValue<'static>) -> PropertyValue<'static> {
        PropertyValue {
            datatype: Some(dt),
            is_null: None,
            value: Some(v),
        }
    }

    #[test]
    fn property_sets() {
        let set = |keys: Vec<&'static str>, values: Vec<PropertyValue<'static>>| PropertySet {
            keys: keys.into_iter().map(Into::into).collect(),
            values: values.into(),
        };
        let s = pv(12, MetricValue::String("x".into()));
        check(
            &with_properties(set(vec!["a"], vec![s.clone()])),
            DBirth,
            &[],
        );
        check(
            &with_properties(set(vec!["a", "b"], vec![s.clone()])),
            DBirth,
            &[Rule::PropertySetKeysSize],
        );
        check(
            &with_properties(set(vec!["a"], vec![s.clone(), s.clone()])),
            DBirth,
            &[Rule::PropertySetValuesSize],
        );
        check(
            &with_properties(set(vec!["a"], vec![pv(16, MetricValue::Raw(Raw::Int(1)))])),
            DBirth,
            &[Rule::PropertyValueType],
        );
        let untyped = PropertyValue {
            datatype: None,
            ..s.clone()
        };
        check(
            &with_properties(set(vec!["a"], vec![untyped.clone()])),
            DBirth,
            &[Rule::PropertyValueTypeReq],
        );
        let mut data = with_properties(set(vec!["a"], vec![untyped]));
        data.metrics = vec![Metric {
            properties: data.metrics[0].properties.clone(),
            timestamp: Some(T),
            ..Metric::aliased(1, MetricValue::Raw(Raw::Int(1)))
        }]
        .into();
        check(&data, DData, &[]);

        check(
            &with_properties(set(vec![QUALITY], vec![pv(3, MetricValue::Int32(192))])),
            DBirth,
            &[],
        );
        check(
            &with_properties(set(vec![QUALITY], vec![pv(3, MetricValue::Int32(7))])),
            DBirth,
            &[Rule::QualityValue],
        );
        check(
            &with_properties(set(vec![QUALITY], vec![pv(4, MetricValue::Int64(500))])),
            DBirth,
            &[Rule::QualityType, Rule::QualityValue],
        );
        // Nested: a property set list holding a bad Quality.
        let inner = set(vec![QUALITY], vec![pv(3, MetricValue::Int32(1))]);
        let list = set(
            vec!["l"],
            vec![pv(
                21,
                MetricValue::PropertySetList(vec![set(vec![], vec![]), inner].into()),
            )],
        );
        let bytes = with_properties(list).to_vec().unwrap();
        let v = validate_all(
            &PayloadView::new(&bytes).unwrap(),
            DBirth,
            &Context::default(),
        )
        .unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, Rule::QualityValue);
        assert_eq!(v[0].metric, Some(0));
        assert_eq!(v[0].name, Some(QUALITY));
        assert_eq!(
            v[0].path.to_string(),
            ".properties[0].propertysets[1].properties[0]"
        );
        assert_eq!(
            v[0].to_string(),
            "tck-id-payloads-propertyset-quality-value-value at metrics[0].properties[0].propertysets[1].properties[0] (\"Quality\"): Quality not 0, 192 or 500 in int_value"
        );
    }

    fn dataset(d: DataSet<'static>) -> Payload<'static> {
        payload(Some(2), vec![m("d", MetricValue::DataSet(d))])
    }

    fn good_dataset() -> DataSet<'static> {
        DataSet {
            num_of_columns: Some(2),
            columns: vec!["a".into(), "b".into()].into(),
            types: vec![3, 12].into(),
            rows: vec![Row {
                elements: vec![
                    Some(MetricValue::Int32(1)),
                    Some(MetricValue::String("x".into())),
                ]
                .into(),
            }]
            .into(),
        }
    }

    #[test]
    fn datasets() {
        check(&dataset(good_dataset()), DData, &[]);
        check(
            &dataset(DataSet {
                num_of_columns: None,
                ..good_dataset()
            }),
            DData,
            &[Rule::DataSetColumnSize],
        );
        check(
            &dataset(DataSet {
                num_of_columns: Some(3),
                ..good_dataset()
            }),
            DData,
            &[Rule::DataSetColumnSize, Rule::DataSetColumnSize],
        );
        check(
            &dataset(DataSet {
                types: vec![3].into(),
                ..good_dataset()
            }),
            DData,
            &[Rule::DataSetColumnNumHeaders, Rule::DataSetTypesNum],
        );
        check(
            &dataset(DataSet {
                types: vec![].into(),
                ..good_dataset()
            }),
            DData,
            &[
                Rule::DataSetColumnNumHeaders,
                Rule::DataSetTypesNum,
                Rule::DataSetTypesReq,
            ],
        );
        check(
            &dataset(DataSet {
                types: vec![3, 16].into(),
                rows: vec![].into(),
                ..good_dataset()
            }),
            DData,
            &[Rule::DataSetTypesValue],
        );
        let row = |cells: Vec<Option<MetricValue<'static>>>| DataSet {
            rows: vec![Row {
                elements: cells.into(),
            }]
            .into(),
            ..good_dataset()
        };
        check(
            &dataset(row(vec![Some(MetricValue::Int32(1))])),
            DData,
            &[Rule::DataSetColumnSize],
        );
        check(
            &dataset(row(vec![Some(MetricValue::Int32(1)), None])),
            DData,
            &[],
        );
        check(
            &dataset(row(vec![
                Some(MetricValue::String("1".into())),
                Some(MetricValue::String("x".into())),
            ])),
            DData,
            &[Rule::DataSetValue],
        );
        check(
            &dataset(row(vec![
                Some(MetricValue::Raw(Raw::Extension(vec![].into()))),
                None,
            ])),
            DData,
            &[Rule::DataSetValue],
        );
    }

    fn definition() -> Template<'static> {
        Template {
            metrics: vec![Metric::new("speed", MetricValue::Float(1.0))].into(),
            parameters: vec![Parameter {
                name: Some("max".into()),
                datatype: Some(9),
                value: Some(MetricValue::Float(9.0)),
            }]
            .into(),
            is_definition: Some(true),
            ..Template::default()
        }
    }

    fn instance() -> Template<'static> {
        Template {
            template_ref: Some("Motor".into()),
            is_definition: Some(false),
            ..definition()
        }
    }

    fn nbirth_with(templates: Vec<Metric<'static>>) -> Payload<'static> {
        let mut ms = nbirth_metrics();
        ms.extend(templates);
        payload(Some(0), ms)
    }

    #[test]
    fn templates() {
        let def = m("Motor", MetricValue::Template(definition()));
        let inst = |t: Template<'static>| m("Motor 1", MetricValue::Template(t));
        check(
            &nbirth_with(vec![def.clone(), inst(instance())]),
            NBirth,
            &[],
        );
        check(
            &nbirth_with(vec![inst(instance())]),
            NBirth,
            &[Rule::TemplateDefinitionNBirth],
        );
        // Instances elsewhere refer to the NBIRTH's definitions, not checked.
        check(&payload(Some(1), vec![inst(instance())]), DBirth, &[]);
        check(
            &payload(Some(1), vec![def.clone()]),
            DBirth,
            &[Rule::TemplateDefinitionNBirthOnly],
        );
        check(
            &nbirth_with(vec![m(
                "Motor",
                MetricValue::Template(Template {
                    template_ref: Some("X".into()),
                    ..definition()
                }),
            )]),
            NBirth,
            &[Rule::TemplateDefinitionRef],
        );
        check(
            &payload(
                Some(1),
                vec![inst(Template {
                    template_ref: None,
                    ..instance()
                })],
            ),
            DBirth,
            &[Rule::TemplateInstanceRef],
        );
        check(
            &payload(
                Some(1),
                vec![inst(Template {
                    is_definition: None,
                    template_ref: None,
                    ..instance()
                })],
            ),
            DBirth,
            &[Rule::TemplateIsDefinition, Rule::TemplateInstanceRef],
        );
        let param = |p: Parameter<'static>| {
            inst(Template {
                parameters: vec![p].into(),
                ..instance()
            })
        };
        let good = Parameter {
            name: Some("max".into()),
            datatype: Some(9),
            value: Some(MetricValue::Float(2.0)),
        };
        let dbirth = |x| payload(Some(1), vec![x]);
        check(&dbirth(param(good.clone())), DBirth, &[]);
        check(
            &dbirth(param(Parameter {
                name: None,
                ..good.clone()
            })),
            DBirth,
            &[Rule::TemplateParameterName],
        );
        check(
            &dbirth(param(Parameter {
                datatype: None,
                ..good.clone()
            })),
            DBirth,
            &[Rule::TemplateParameterTypeReq],
        );
        check(
            &payload(
                Some(2),
                vec![Metric {
                    datatype: None,
                    ..param(Parameter {
                        datatype: None,
                        ..good.clone()
                    })
                }],
            ),
            DData,
            &[],
        );
        check(
            &dbirth(param(Parameter {
                datatype: Some(16),
                ..good.clone()
            })),
            DBirth,
            &[Rule::TemplateParameterTypeValue],
        );
        check(
            &dbirth(param(Parameter {
                value: Some(MetricValue::String("9".into())),
                ..good.clone()
            })),
            DBirth,
            &[Rule::TemplateParameterValue],
        );
        check(
            &dbirth(param(Parameter {
                value: Some(MetricValue::Raw(Raw::Extension(vec![].into()))),
                ..good
            })),
            DBirth,
            &[Rule::TemplateParameterValue],
        );
        // Member metrics get the content checks, with their path.
        let bad_member = Template {
            metrics: vec![Metric {
                datatype: Some(99),
                ..Metric::new("speed", MetricValue::Float(1.0))
            }]
            .into(),
            ..instance()
        };
        let bytes = dbirth(inst(bad_member)).to_vec().unwrap();
        let v = validate_all(
            &PayloadView::new(&bytes).unwrap(),
            DBirth,
            &Context::default(),
        )
        .unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].rule, v[0].metric, v[0].name),
            (Rule::DatatypeValue, Some(0), Some("speed"))
        );
        assert_eq!(v[0].path.steps(), &[Step::Member(0)]);
    }

    #[test]
    fn topics() {
        let ok = MessageTopic {
            group: "G",
            message_type: DData,
            edge_node: "E",
            device: Some("D"),
        };
        let run = |t: &MessageTopic<'_>| {
            let mut v = Vec::new();
            validate_topic(t, &mut |x| v.push(x.rule));
            v
        };
        assert_eq!(run(&ok), []);
        assert_eq!(
            run(&MessageTopic { group: "a+b", ..ok }),
            [Rule::TopicGroupId]
        );
        assert_eq!(
            run(&MessageTopic {
                edge_node: "",
                ..ok
            }),
            [Rule::TopicEdgeNodeId]
        );
        assert_eq!(
            run(&MessageTopic {
                device: Some("#"),
                ..ok
            }),
            [Rule::TopicDeviceId]
        );
        assert_eq!(
            run(&MessageTopic { device: None, ..ok }),
            [Rule::TopicDeviceRequired]
        );
        assert_eq!(
            run(&MessageTopic {
                message_type: NData,
                ..ok
            }),
            [Rule::TopicDeviceForbidden]
        );
        assert_eq!(
            run(&MessageTopic {
                message_type: NData,
                device: None,
                ..ok
            }),
            []
        );
    }

    #[test]
    fn path_capacity() {
        let mut p = Path::EMPTY;
        for i in 0..Path::CAPACITY + 2 {
            p = p.then(Step::Row(i));
        }
        assert_eq!(p.steps().len(), Path::CAPACITY);
        assert!(p.is_truncated());
        assert!(p.to_string().ends_with("..."));
    }

    #[test]
    fn malformed_payloads_are_errors() {
        // One metric whose name is a varint.
        let view = PayloadView::new(&[0x12, 0x02, 0x08, 0x01]).unwrap();
        for t in [NBirth, NData, NDeath, MessageType::Unknown("X")] {
            assert!(validate_all(&view, t, &Context::default()).is_err());
        }
    }

    #[test]
    fn rule_ids_are_unique_and_documented() {
        let doc = include_str!("validate.rs");
        let table = doc
            .split("# Coverage")
            .nth(1)
            .unwrap()
            .split("#![warn")
            .next()
            .unwrap();
        let mut ids: Vec<&str> = Vec::new();
        for r in Rule::ALL {
            assert!(r.tck_id().starts_with("tck-id-"), "{r:?}");
            assert_eq!(r.to_string(), r.tck_id());
            assert_eq!(Rule::from_tck_id(r.tck_id()), Some(*r));
            let row = std::format!("//! | `{r:?}`");
            let line = table
                .lines()
                .find(|l| l.starts_with(&row))
                .unwrap_or_else(|| panic!("{r:?} not in the table"));
            assert!(line.contains(&std::format!("`{}`", r.tck_id())), "{r:?}");
            ids.push(r.tck_id());
            for a in r.also() {
                assert!(line.contains(&std::format!("`{a}`")), "{r:?} {a}");
                assert!(Rule::from_tck_id(a).is_some());
                ids.push(a);
            }
        }
        assert_eq!(Rule::ALL.len(), 71);
        let main: Vec<&str> = Rule::ALL.iter().map(Rule::tck_id).collect();
        let mut unique = main.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), main.len());
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 95, "the count in the module documentation");
    }
}
