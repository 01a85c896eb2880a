//! The checked statements, one [`Rule`] per `tck-id`, with their strength.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use core::fmt;

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
        /// ([`Rule::tck_id`]); the table in the [module documentation](mod@crate::validate) lists them all.
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
    /// An NCMD metric without a value and not `is_null` (with a datatype or without), or with
    /// a datatype its value does not read as.
    NCmdMetricValue => "tck-id-operational-behavior-data-commands-ncmd-metric-value", Must, [];
    /// A DCMD metric without a value and not `is_null` (with a datatype or without), or with
    /// a datatype its value does not read as.
    DCmdMetricValue => "tck-id-operational-behavior-data-commands-dcmd-metric-value", Must, [];
    /// An NBIRTH without a `bdSeq` metric.
    NBirthBdSeq => "tck-id-payloads-nbirth-bdseq", Must, ["tck-id-topics-nbirth-bdseq-included"];
    /// An NBIRTH whose bdSeq is not the session's ([`Context::bd_seq`](super::Context::bd_seq)).
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
    /// An NDEATH whose bdSeq is not the session's ([`Context::bd_seq`](super::Context::bd_seq)).
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
    /// A group id that is empty, holds `+`, `/`, `#` (or NUL), or is `STATE` (the topic would
    /// read as a host application's state topic, `spBv1.0/STATE/<host_id>`).
    TopicGroupId => "tck-id-topic-structure-namespace-valid-group-id", Must, [];
    /// An edge node id that is empty or holds `+`, `/`, `#` (or NUL).
    TopicEdgeNodeId => "tck-id-topic-structure-namespace-valid-edge-node-id", Must, [];
    /// A device id that is empty or holds `+`, `/`, `#` (or NUL).
    TopicDeviceId => "tck-id-topic-structure-namespace-valid-device-id", Must, [];
    /// A DBIRTH, DDEATH, DDATA or DCMD topic without device id.
    TopicDeviceRequired => "tck-id-topic-structure-namespace-device-id-associated-message-types", Must, [];
    /// An NBIRTH, NDEATH, NDATA, NCMD or STATE topic with a device id.
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
