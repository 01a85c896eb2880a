#![doc = include_str!("../README.md")]
#![no_std]
// Only the no_std libraries need these (std-only tests, benches and the CLI do not).
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

#[cfg(feature = "alloc")]
mod convert;
pub mod dataset;
pub mod datatype;
pub mod encode;
pub mod error;
mod metadata;
#[cfg(feature = "rumqttc")]
pub mod mqtt;
mod parts;
pub mod payload;
pub mod property;
pub mod relay;
mod repeated;
pub mod repr;
pub mod samples;
pub mod session;
pub mod state;
pub mod template;
pub mod topic;
mod utf8;
pub mod validate;
pub mod value;
pub mod wire;

pub use datatype::DataType;
pub use error::Error;
pub use m2m_core;
pub use payload::{
    CellView, DataSetView, ExtensionView, Header, MetaDataView, MetricView, ParameterView,
    PayloadView, PropertySetListView, PropertySetView, PropertyValueView, RowView, TemplateView,
};
pub use repr::{
    DataSet, EncodeOptions, MetaData, Metric, MetricValue, Parameter, Payload, PropertySet,
    PropertyValue, Raw, Row, Seq, Str, Template, Uint32Field,
};
pub use topic::{Delivery, MessageTopic, MessageType, StateVersion, Topic, TopicError};
#[cfg(feature = "alloc")]
pub use validate::validate_all;
pub use validate::{Context, Rule, Violation, validate, validate_topic};
pub use value::{BoolArray, LeArray, RawValue, StrArray, Value};
