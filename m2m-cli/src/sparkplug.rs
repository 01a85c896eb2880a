//! `sparkplug-payload` and `sparkplug-topic` formats.
//!
//! A payload prints as the serde form of `m2m_sparkplug::Payload`: metric values as JSON numbers,
//! booleans or strings by their datatype (named as the specification names them), arrays as JSON
//! arrays, bytes as lowercase hex, datasets, templates and property sets as objects, and values
//! without a datatype as `{"int_value": 5}` (the protobuf member); a Float or Double that JSON has
//! no number for as `"NaN"`, `"Infinity"` or `"-Infinity"`. Encoding reads the same form.

use m2m_core::ProtocolError;
use m2m_sparkplug::{
    DataSet, DataType, MetaData, Metric, MetricValue, Parameter, Payload, PayloadView, PropertySet,
    PropertyValue, Raw, Row, Seq, Str, Template, Topic,
};
use serde_json::{Map, Value as Json};

use crate::codec::CliError;
use crate::format::Format;

fn err(e: &dyn ProtocolError) -> CliError {
    CliError::protocol(e)
}

fn bad(path: &str, what: &str) -> CliError {
    CliError::Input {
        message: format!("bad JSON at {path}: {what}"),
        offset: None,
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, CliError> {
    serde_json::to_string(v).map_err(|e| CliError::Input {
        message: format!("cannot print JSON: {e}"),
        offset: None,
    })
}

pub(crate) fn decode(format: Format, input: &[u8]) -> Result<String, CliError> {
    match format {
        Format::SparkplugPayload => {
            let view = PayloadView::new(input).map_err(|e| err(&e))?;
            json(&view.to_repr().map_err(|e| err(&e))?)
        }
        Format::SparkplugTopic => {
            let text = std::str::from_utf8(input).map_err(|e| CliError::Input {
                message: format!("topic is not UTF-8: {e}"),
                offset: Some(e.valid_up_to()),
            })?;
            json(&Topic::parse(text).map_err(|e| err(&e))?)
        }
        _ => Err(CliError::Unsupported(format)),
    }
}

pub(crate) fn encode(format: Format, v: &Json) -> Result<Vec<u8>, CliError> {
    match format {
        Format::SparkplugPayload => payload(v)?.to_vec().map_err(|e| CliError::Input {
            message: format!("cannot encode: {} error: {e}", e.kind()),
            offset: None,
        }),
        Format::SparkplugTopic => topic(v),
        _ => Err(CliError::Unsupported(format)),
    }
}

// ---- topics ------------------------------------------------------------------------------------

fn topic(v: &Json) -> Result<Vec<u8>, CliError> {
    let o = obj(v, "topic")?;
    let text = |k: &str| -> Result<&str, CliError> {
        o.get(k)
            .and_then(Json::as_str)
            .ok_or_else(|| bad(&format!("topic.{k}"), "a string is needed"))
    };
    let t = match text("kind")? {
        "state" => Topic::State {
            host: text("host")?,
            version: match text("version")? {
                "v3" => m2m_sparkplug::StateVersion::V3,
                "v2" => m2m_sparkplug::StateVersion::V2,
                _ => return Err(bad("topic.version", "\"v3\" or \"v2\"")),
            },
        },
        kind @ ("message" | "certificate") => {
            let m = m2m_sparkplug::MessageTopic {
                group: text("group")?,
                message_type: m2m_sparkplug::MessageType::parse(text("message_type")?),
                edge_node: text("edge_node")?,
                device: match o.get("device") {
                    None | Some(Json::Null) => None,
                    Some(_) => Some(text("device")?),
                },
            };
            if kind == "message" {
                Topic::Message(m)
            } else {
                Topic::Certificate(m)
            }
        }
        _ => {
            return Err(bad(
                "topic.kind",
                "\"message\", \"state\" or \"certificate\"",
            ));
        }
    };
    let mut buf = vec![0u8; t.buffer_len()];
    let s = t.format(&mut buf).map_err(|e| err(&e))?;
    Ok(s.as_bytes().to_vec())
}

// ---- payloads ----------------------------------------------------------------------------------

type Owned = MetricValue<'static>;

fn obj<'j>(v: &'j Json, path: &str) -> Result<&'j Map<String, Json>, CliError> {
    v.as_object()
        .ok_or_else(|| bad(path, "an object is needed"))
}

fn arr<'j>(v: Option<&'j Json>, path: &str) -> Result<&'j [Json], CliError> {
    match v {
        None | Some(Json::Null) => Ok(&[]),
        Some(Json::Array(a)) => Ok(a),
        Some(_) => Err(bad(path, "an array is needed")),
    }
}

fn opt_u64(o: &Map<String, Json>, k: &str, path: &str) -> Result<Option<u64>, CliError> {
    match o.get(k) {
        None | Some(Json::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| bad(&format!("{path}.{k}"), "an unsigned integer is needed")),
    }
}

fn opt_bool(o: &Map<String, Json>, k: &str, path: &str) -> Result<Option<bool>, CliError> {
    match o.get(k) {
        None | Some(Json::Null) => Ok(None),
        Some(v) => v
            .as_bool()
            .map(Some)
            .ok_or_else(|| bad(&format!("{path}.{k}"), "a boolean is needed")),
    }
}

fn string(v: &Json, path: &str) -> Result<Str<'static>, CliError> {
    v.as_str()
        .map(|s| Str::Owned(s.to_owned()))
        .ok_or_else(|| bad(path, "a string is needed"))
}

fn opt_str(o: &Map<String, Json>, k: &str, path: &str) -> Result<Option<Str<'static>>, CliError> {
    match o.get(k) {
        None | Some(Json::Null) => Ok(None),
        Some(v) => string(v, &format!("{path}.{k}")).map(Some),
    }
}

fn hex(v: &Json, path: &str) -> Result<Seq<'static, u8>, CliError> {
    let s = v
        .as_str()
        .ok_or_else(|| bad(path, "a hex string is needed"))?;
    m2m_core::hex::decode(s)
        .map(Seq::Owned)
        .map_err(|e| bad(path, &format!("bad hex: {e}")))
}

fn datatype(o: &Map<String, Json>, path: &str) -> Result<Option<u32>, CliError> {
    match o.get("datatype") {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(name)) => DataType::from_name(name)
            .map(|t| Some(t.code()))
            .ok_or_else(|| bad(&format!("{path}.datatype"), "unknown datatype name")),
        Some(v) => v
            .as_u64()
            .and_then(|c| u32::try_from(c).ok())
            .map(Some)
            .ok_or_else(|| bad(&format!("{path}.datatype"), "a datatype name or code")),
    }
}

fn int<T: TryFrom<i128>>(v: &Json, path: &str) -> Result<T, CliError> {
    let wide = v
        .as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from))
        .ok_or_else(|| bad(path, "an integer is needed"))?;
    T::try_from(wide).map_err(|_| bad(path, "integer out of range for the datatype"))
}

/// A Double: a JSON number, or `"NaN"`, `"Infinity"` or `"-Infinity"`, the names the JSON form
/// gives the values JSON has no number for. NaN is the quiet NaN 7FF8000000000000 (the sign and
/// payload of a NaN that was decoded are not in the JSON).
fn float(v: &Json, path: &str) -> Result<f64, CliError> {
    crate::codec::json_float(v).ok_or_else(|| {
        bad(
            path,
            "a number, \"NaN\", \"Infinity\" or \"-Infinity\" is needed",
        )
    })
}

/// A Float, read as [`float`] reads a Double; NaN is the quiet NaN 7FC00000.
fn float32(v: &Json, path: &str) -> Result<f32, CliError> {
    let x = float(v, path)?;
    // The nearest f32 is the value a Float holds (infinities stay infinite).
    #[allow(clippy::cast_possible_truncation)]
    Ok(if x.is_nan() {
        f32::from_bits(0x7FC0_0000)
    } else {
        x as f32
    })
}

fn list<T>(
    v: &Json,
    path: &str,
    f: impl Fn(&Json, &str) -> Result<T, CliError>,
) -> Result<Seq<'static, T>, CliError> {
    let a = v
        .as_array()
        .ok_or_else(|| bad(path, "an array is needed"))?;
    a.iter()
        .enumerate()
        .map(|(i, x)| f(x, &format!("{path}[{i}]")))
        .collect::<Result<Vec<_>, _>>()
        .map(Seq::Owned)
}

/// The protobuf members of a value without a datatype.
const RAW_MEMBERS: [&str; 8] = [
    "int_value",
    "long_value",
    "float_value",
    "double_value",
    "boolean_value",
    "string_value",
    "bytes_value",
    "extension_value",
];

/// The members of each message a value can be, as the decoder prints them.
const TEMPLATE_KEYS: [&str; 5] = [
    "version",
    "metrics",
    "parameters",
    "template_ref",
    "is_definition",
];
const DATASET_KEYS: [&str; 4] = ["num_of_columns", "columns", "types", "rows"];
const PROPERTY_SET_KEYS: [&str; 2] = ["keys", "values"];

/// Refuses a member `o` does not know (a typo, or a value of another kind: it would be dropped).
fn only(o: &Map<String, Json>, known: &[&str], path: &str) -> Result<(), CliError> {
    match o.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(bad(&format!("{path}.{k}"), "unknown member")),
        None => Ok(()),
    }
}

/// A value without a datatype: `{"int_value": 5}` and the like, or a message printed as such
/// (a template, dataset, property set, or a list of property sets), told by its members.
fn raw(v: &Json, path: &str) -> Result<Owned, CliError> {
    if v.is_array() {
        return Ok(MetricValue::PropertySetList(list(v, path, property_set)?));
    }
    let o = obj(v, path)?;
    let has = |keys: &[&str]| o.keys().any(|k| keys.contains(&k.as_str()));
    if has(&TEMPLATE_KEYS) {
        return Ok(MetricValue::Template(template(v, path)?));
    }
    if has(&DATASET_KEYS) {
        return Ok(MetricValue::DataSet(dataset(v, path)?));
    }
    if has(&PROPERTY_SET_KEYS) {
        return Ok(MetricValue::PropertySet(property_set(v, path)?));
    }
    let (k, x) = o
        .iter()
        .next()
        .filter(|_| o.len() == 1)
        .ok_or_else(|| bad(path, "one protobuf value member is needed"))?;
    let p = format!("{path}.{k}");
    let r = match k.as_str() {
        "int_value" => Raw::Int(int(x, &p)?),
        "long_value" => Raw::Long(int(x, &p)?),
        "float_value" => Raw::Float(float32(x, &p)?),
        "double_value" => Raw::Double(float(x, &p)?),
        "boolean_value" => Raw::Boolean(x.as_bool().ok_or_else(|| bad(&p, "a boolean"))?),
        "string_value" => Raw::String(string(x, &p)?),
        "bytes_value" => Raw::Bytes(hex(x, &p)?),
        "extension_value" => Raw::Extension(hex(x, &p)?),
        _ => return Err(bad(path, "unknown value member")),
    };
    Ok(MetricValue::Raw(r))
}

/// The nested message `v` is printed as, by its members (a DataSet 16, a Template 19, a
/// PropertySet 20), or a PropertySetList (21) for an array where the datatype names no array.
fn nested_form(v: &Json, dt: u32) -> Option<u32> {
    if let Some(items) = v.as_array() {
        // An array of objects is a set list whatever the datatype (a typed array holds
        // numbers, booleans or strings).
        let sets = !(22..=34).contains(&dt) || items.iter().any(Json::is_object);
        return sets.then_some(21);
    }
    let o = v.as_object()?;
    let has = |keys: &[&str]| keys.iter().any(|k| o.contains_key(*k));
    if has(&["columns", "types", "rows", "num_of_columns"]) {
        Some(16)
    } else if has(&[
        "metrics",
        "parameters",
        "template_ref",
        "version",
        "is_definition",
    ]) {
        Some(19)
    } else if has(&["keys", "values"]) {
        Some(20)
    } else {
        None
    }
}

/// A value of datatype `dt` (or raw when there is none or it is unknown).
fn value(dt: Option<u32>, v: &Json, path: &str) -> Result<Owned, CliError> {
    use MetricValue as V;
    let Some(dt) = dt.filter(|&c| (1..=34).contains(&c)) else {
        return raw(v, path);
    };
    // A value that does not fit its datatype is printed as its protobuf member (a DataSet
    // metric carrying `{"int_value":3}`): written back as it came.
    let member = v
        .as_object()
        .is_some_and(|o| o.len() == 1 && o.keys().all(|k| RAW_MEMBERS.contains(&k.as_str())));
    // A nested message that is not the datatype's is printed in its own form (a DataSet
    // metric carrying a template): read back by its form.
    match (nested_form(v, dt), v.is_object() && !member) {
        (Some(16), _) if dt != 16 => return Ok(V::DataSet(dataset(v, path)?)),
        (Some(19), _) if dt != 19 => return Ok(V::Template(template(v, path)?)),
        (Some(20), _) if dt != 20 => return Ok(V::PropertySet(property_set(v, path)?)),
        (Some(21), _) if dt != 21 => {
            return Ok(V::PropertySetList(list(v, path, property_set)?));
        }
        (None, true) if !matches!(dt, 16 | 19 | 20) => return raw(v, path),
        _ => {}
    }
    if member {
        return raw(v, path);
    }
    let b = |v: &Json, p: &str| v.as_bool().ok_or_else(|| bad(p, "a boolean is needed"));
    Ok(match DataType::from_code(dt) {
        DataType::Int8 => V::Int8(int(v, path)?),
        DataType::Int16 => V::Int16(int(v, path)?),
        DataType::Int32 => V::Int32(int(v, path)?),
        DataType::Int64 => V::Int64(int(v, path)?),
        DataType::UInt8 => V::UInt8(int(v, path)?),
        DataType::UInt16 => V::UInt16(int(v, path)?),
        DataType::UInt32 => V::UInt32(int(v, path)?),
        DataType::UInt64 => V::UInt64(int(v, path)?),
        DataType::Float => V::Float(float32(v, path)?),
        DataType::Double => V::Double(float(v, path)?),
        DataType::Boolean => V::Boolean(b(v, path)?),
        DataType::String => V::String(string(v, path)?),
        DataType::DateTime => V::DateTime(int(v, path)?),
        DataType::Text => V::Text(string(v, path)?),
        DataType::Uuid => V::Uuid(string(v, path)?),
        DataType::DataSet => V::DataSet(dataset(v, path)?),
        DataType::Bytes => V::Bytes(hex(v, path)?),
        DataType::File => V::File(hex(v, path)?),
        DataType::Template => V::Template(template(v, path)?),
        DataType::PropertySet => V::PropertySet(property_set(v, path)?),
        DataType::PropertySetList => V::PropertySetList(list(v, path, property_set)?),
        DataType::Int8Array => V::Int8Array(list(v, path, int)?),
        DataType::Int16Array => V::Int16Array(list(v, path, int)?),
        DataType::Int32Array => V::Int32Array(list(v, path, int)?),
        DataType::Int64Array => V::Int64Array(list(v, path, int)?),
        DataType::UInt8Array => V::UInt8Array(list(v, path, int)?),
        DataType::UInt16Array => V::UInt16Array(list(v, path, int)?),
        DataType::UInt32Array => V::UInt32Array(list(v, path, int)?),
        DataType::UInt64Array => V::UInt64Array(list(v, path, int)?),
        DataType::FloatArray => V::FloatArray(list(v, path, float32)?),
        DataType::DoubleArray => V::DoubleArray(list(v, path, float)?),
        DataType::BooleanArray => V::BooleanArray(list(v, path, b)?),
        DataType::StringArray => V::StringArray(list(v, path, string)?),
        DataType::DateTimeArray => V::DateTimeArray(list(v, path, int)?),
        _ => return raw(v, path),
    })
}

fn opt_value(
    dt: Option<u32>,
    o: &Map<String, Json>,
    path: &str,
) -> Result<Option<Owned>, CliError> {
    match o.get("value") {
        None | Some(Json::Null) => Ok(None),
        Some(v) => value(dt, v, &format!("{path}.value")).map(Some),
    }
}

fn property_value(v: &Json, path: &str) -> Result<PropertyValue<'static>, CliError> {
    let o = obj(v, path)?;
    let dt = datatype(o, path)?;
    Ok(PropertyValue {
        datatype: dt,
        is_null: opt_bool(o, "is_null", path)?,
        value: opt_value(dt, o, path)?,
    })
}

fn property_set(v: &Json, path: &str) -> Result<PropertySet<'static>, CliError> {
    let o = obj(v, path)?;
    only(o, &PROPERTY_SET_KEYS, path)?;
    let keys = arr(o.get("keys"), path)?;
    let values = arr(o.get("values"), path)?;
    Ok(PropertySet {
        keys: list(&Json::Array(keys.to_vec()), &format!("{path}.keys"), string)?,
        values: list(
            &Json::Array(values.to_vec()),
            &format!("{path}.values"),
            property_value,
        )?,
    })
}

fn dataset(v: &Json, path: &str) -> Result<DataSet<'static>, CliError> {
    let o = obj(v, path)?;
    only(o, &DATASET_KEYS, path)?;
    let types: Seq<'static, u32> = list(
        &Json::Array(arr(o.get("types"), path)?.to_vec()),
        &format!("{path}.types"),
        int,
    )?;
    let rows = arr(o.get("rows"), path)?
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let rp = format!("{path}.rows[{i}]");
            let cells = arr(obj(r, &rp)?.get("elements"), &rp)?;
            let elements = cells
                .iter()
                .enumerate()
                .map(|(j, c)| match c {
                    Json::Null => Ok(None),
                    c => value(types.get(j).copied(), c, &format!("{rp}.elements[{j}]")).map(Some),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Row {
                elements: Seq::Owned(elements),
            })
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    Ok(DataSet {
        num_of_columns: opt_u64(o, "num_of_columns", path)?,
        columns: list(
            &Json::Array(arr(o.get("columns"), path)?.to_vec()),
            &format!("{path}.columns"),
            string,
        )?,
        types,
        rows: Seq::Owned(rows),
    })
}

fn parameter(v: &Json, path: &str) -> Result<Parameter<'static>, CliError> {
    let o = obj(v, path)?;
    let dt = datatype(o, path)?;
    Ok(Parameter {
        name: opt_str(o, "name", path)?,
        datatype: dt,
        value: opt_value(dt, o, path)?,
    })
}

fn template(v: &Json, path: &str) -> Result<Template<'static>, CliError> {
    let o = obj(v, path)?;
    only(o, &TEMPLATE_KEYS, path)?;
    Ok(Template {
        version: opt_str(o, "version", path)?,
        metrics: list(
            &Json::Array(arr(o.get("metrics"), path)?.to_vec()),
            &format!("{path}.metrics"),
            metric,
        )?,
        parameters: list(
            &Json::Array(arr(o.get("parameters"), path)?.to_vec()),
            &format!("{path}.parameters"),
            parameter,
        )?,
        template_ref: opt_str(o, "template_ref", path)?,
        is_definition: opt_bool(o, "is_definition", path)?,
    })
}

fn metadata(v: &Json, path: &str) -> Result<MetaData<'static>, CliError> {
    let o = obj(v, path)?;
    Ok(MetaData {
        is_multi_part: opt_bool(o, "is_multi_part", path)?,
        content_type: opt_str(o, "content_type", path)?,
        size: opt_u64(o, "size", path)?,
        seq: opt_u64(o, "seq", path)?,
        file_name: opt_str(o, "file_name", path)?,
        file_type: opt_str(o, "file_type", path)?,
        md5: opt_str(o, "md5", path)?,
        description: opt_str(o, "description", path)?,
    })
}

fn metric(v: &Json, path: &str) -> Result<Metric<'static>, CliError> {
    let o = obj(v, path)?;
    let dt = datatype(o, path)?;
    Ok(Metric {
        name: opt_str(o, "name", path)?,
        alias: opt_u64(o, "alias", path)?,
        timestamp: opt_u64(o, "timestamp", path)?,
        datatype: dt,
        is_historical: opt_bool(o, "is_historical", path)?,
        is_transient: opt_bool(o, "is_transient", path)?,
        is_null: opt_bool(o, "is_null", path)?,
        metadata: o
            .get("metadata")
            .filter(|m| !m.is_null())
            .map(|m| metadata(m, &format!("{path}.metadata")))
            .transpose()?,
        properties: o
            .get("properties")
            .filter(|p| !p.is_null())
            .map(|p| property_set(p, &format!("{path}.properties")))
            .transpose()?,
        value: opt_value(dt, o, path)?,
    })
}

fn payload(v: &Json) -> Result<Payload<'static>, CliError> {
    let path = "payload";
    let o = obj(v, path)?;
    Ok(Payload {
        timestamp: opt_u64(o, "timestamp", path)?,
        metrics: list(
            &Json::Array(arr(o.get("metrics"), path)?.to_vec()),
            "payload.metrics",
            metric,
        )?,
        seq: opt_u64(o, "seq", path)?,
        uuid: opt_str(o, "uuid", path)?,
        body: o
            .get("body")
            .filter(|b| !b.is_null())
            .map(|b| hex(b, "payload.body"))
            .transpose()?,
    })
}
