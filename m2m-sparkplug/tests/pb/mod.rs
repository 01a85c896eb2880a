//! Hand-derived mirror of `org.eclipse.tahu.protobuf.Payload` for prost (proto2: optional
//! fields are `Option`s, repeated scalars unpacked), shared by the prost differential test and
//! the `sparkplug` benchmark (which includes this file by path).
#![allow(clippy::enum_variant_names, dead_code)] // the names are the schema's; each user takes a part

use prost::{Message, Oneof};

#[derive(Clone, PartialEq, Message)]
pub(crate) struct Payload {
    #[prost(uint64, optional, tag = "1")]
    pub(crate) timestamp: Option<u64>,
    #[prost(message, repeated, tag = "2")]
    pub(crate) metrics: Vec<Metric>,
    #[prost(uint64, optional, tag = "3")]
    pub(crate) seq: Option<u64>,
    #[prost(string, optional, tag = "4")]
    pub(crate) uuid: Option<String>,
    #[prost(bytes = "vec", optional, tag = "5")]
    pub(crate) body: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct Metric {
    #[prost(string, optional, tag = "1")]
    pub(crate) name: Option<String>,
    #[prost(uint64, optional, tag = "2")]
    pub(crate) alias: Option<u64>,
    #[prost(uint64, optional, tag = "3")]
    pub(crate) timestamp: Option<u64>,
    #[prost(uint32, optional, tag = "4")]
    pub(crate) datatype: Option<u32>,
    #[prost(bool, optional, tag = "5")]
    pub(crate) is_historical: Option<bool>,
    #[prost(bool, optional, tag = "6")]
    pub(crate) is_transient: Option<bool>,
    #[prost(bool, optional, tag = "7")]
    pub(crate) is_null: Option<bool>,
    #[prost(message, optional, tag = "8")]
    pub(crate) metadata: Option<MetaData>,
    #[prost(message, optional, tag = "9")]
    pub(crate) properties: Option<PropertySet>,
    #[prost(oneof = "MetricValue", tags = "10, 11, 12, 13, 14, 15, 16, 17, 18, 19")]
    pub(crate) value: Option<MetricValue>,
}

#[derive(Clone, PartialEq, Oneof)]
pub(crate) enum MetricValue {
    #[prost(uint32, tag = "10")]
    IntValue(u32),
    #[prost(uint64, tag = "11")]
    LongValue(u64),
    #[prost(float, tag = "12")]
    FloatValue(f32),
    #[prost(double, tag = "13")]
    DoubleValue(f64),
    #[prost(bool, tag = "14")]
    BooleanValue(bool),
    #[prost(string, tag = "15")]
    StringValue(String),
    #[prost(bytes, tag = "16")]
    BytesValue(Vec<u8>),
    #[prost(message, tag = "17")]
    DatasetValue(DataSet),
    #[prost(message, tag = "18")]
    TemplateValue(Template),
    #[prost(message, tag = "19")]
    ExtensionValue(Extension),
}

/// Any extension message: prost keeps none of its fields.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct Extension {}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct MetaData {
    #[prost(bool, optional, tag = "1")]
    pub(crate) is_multi_part: Option<bool>,
    #[prost(string, optional, tag = "2")]
    pub(crate) content_type: Option<String>,
    #[prost(uint64, optional, tag = "3")]
    pub(crate) size: Option<u64>,
    #[prost(uint64, optional, tag = "4")]
    pub(crate) seq: Option<u64>,
    #[prost(string, optional, tag = "5")]
    pub(crate) file_name: Option<String>,
    #[prost(string, optional, tag = "6")]
    pub(crate) file_type: Option<String>,
    #[prost(string, optional, tag = "7")]
    pub(crate) md5: Option<String>,
    #[prost(string, optional, tag = "8")]
    pub(crate) description: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct PropertySet {
    #[prost(string, repeated, tag = "1")]
    pub(crate) keys: Vec<String>,
    #[prost(message, repeated, tag = "2")]
    pub(crate) values: Vec<PropertyValue>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct PropertySetList {
    #[prost(message, repeated, tag = "1")]
    pub(crate) propertyset: Vec<PropertySet>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct PropertyValue {
    #[prost(uint32, optional, tag = "1")]
    pub(crate) r#type: Option<u32>,
    #[prost(bool, optional, tag = "2")]
    pub(crate) is_null: Option<bool>,
    #[prost(oneof = "PropertyValueValue", tags = "3, 4, 5, 6, 7, 8, 9, 10, 11")]
    pub(crate) value: Option<PropertyValueValue>,
}

#[derive(Clone, PartialEq, Oneof)]
pub(crate) enum PropertyValueValue {
    #[prost(uint32, tag = "3")]
    IntValue(u32),
    #[prost(uint64, tag = "4")]
    LongValue(u64),
    #[prost(float, tag = "5")]
    FloatValue(f32),
    #[prost(double, tag = "6")]
    DoubleValue(f64),
    #[prost(bool, tag = "7")]
    BooleanValue(bool),
    #[prost(string, tag = "8")]
    StringValue(String),
    #[prost(message, tag = "9")]
    PropertysetValue(PropertySet),
    #[prost(message, tag = "10")]
    PropertysetsValue(PropertySetList),
    #[prost(message, tag = "11")]
    ExtensionValue(Extension),
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct DataSet {
    #[prost(uint64, optional, tag = "1")]
    pub(crate) num_of_columns: Option<u64>,
    #[prost(string, repeated, tag = "2")]
    pub(crate) columns: Vec<String>,
    #[prost(uint32, repeated, packed = "false", tag = "3")]
    pub(crate) types: Vec<u32>,
    #[prost(message, repeated, tag = "4")]
    pub(crate) rows: Vec<Row>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct Row {
    #[prost(message, repeated, tag = "1")]
    pub(crate) elements: Vec<DataSetValue>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct DataSetValue {
    #[prost(oneof = "CellValue", tags = "1, 2, 3, 4, 5, 6, 7")]
    pub(crate) value: Option<CellValue>,
}

#[derive(Clone, PartialEq, Oneof)]
pub(crate) enum CellValue {
    #[prost(uint32, tag = "1")]
    IntValue(u32),
    #[prost(uint64, tag = "2")]
    LongValue(u64),
    #[prost(float, tag = "3")]
    FloatValue(f32),
    #[prost(double, tag = "4")]
    DoubleValue(f64),
    #[prost(bool, tag = "5")]
    BooleanValue(bool),
    #[prost(string, tag = "6")]
    StringValue(String),
    #[prost(message, tag = "7")]
    ExtensionValue(Extension),
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct Template {
    #[prost(string, optional, tag = "1")]
    pub(crate) version: Option<String>,
    #[prost(message, repeated, tag = "2")]
    pub(crate) metrics: Vec<Metric>,
    #[prost(message, repeated, tag = "3")]
    pub(crate) parameters: Vec<Parameter>,
    #[prost(string, optional, tag = "4")]
    pub(crate) template_ref: Option<String>,
    #[prost(bool, optional, tag = "5")]
    pub(crate) is_definition: Option<bool>,
}

#[derive(Clone, PartialEq, Message)]
pub(crate) struct Parameter {
    #[prost(string, optional, tag = "1")]
    pub(crate) name: Option<String>,
    #[prost(uint32, optional, tag = "2")]
    pub(crate) r#type: Option<u32>,
    #[prost(oneof = "ParameterValue", tags = "3, 4, 5, 6, 7, 8, 9")]
    pub(crate) value: Option<ParameterValue>,
}

#[derive(Clone, PartialEq, Oneof)]
pub(crate) enum ParameterValue {
    #[prost(uint32, tag = "3")]
    IntValue(u32),
    #[prost(uint64, tag = "4")]
    LongValue(u64),
    #[prost(float, tag = "5")]
    FloatValue(f32),
    #[prost(double, tag = "6")]
    DoubleValue(f64),
    #[prost(bool, tag = "7")]
    BooleanValue(bool),
    #[prost(string, tag = "8")]
    StringValue(String),
    #[prost(message, tag = "9")]
    ExtensionValue(Extension),
}
