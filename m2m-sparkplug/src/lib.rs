#![doc = include_str!("../README.md")]
#![no_std]
// Only the no_std libraries need these (std-only tests, benches and the CLI do not).
#![warn(clippy::std_instead_of_core, clippy::alloc_instead_of_core)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod datatype;
pub mod error;
pub mod payload;
pub mod topic;
pub mod value;
pub mod wire;

pub use datatype::DataType;
pub use error::Error;
pub use m2m_core;
pub use payload::{
    CellView, DataSetView, Header, MetaDataView, MetricView, ParameterView, PayloadView,
    PropertySetListView, PropertySetView, PropertyValueView, RowView, TemplateView,
};
pub use topic::{Delivery, MessageTopic, MessageType, StateVersion, Topic, TopicError};
pub use value::{BoolArray, LeArray, RawValue, StrArray, Value};
