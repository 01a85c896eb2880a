//! The LwM2M formats: `lwm2m-tlv`, `lwm2m-senml-json`, `lwm2m-senml-cbor`, `lwm2m-cbor`,
//! `lwm2m-json` (legacy, 1.0) and `lwm2m-link`.
//!
//! A record body prints as `{"records": [...]}` (and for TLV `"base": "/3/0"`), each record with its `path`,
//! and when the object model (the built-in OMA registry) knows the resource, its `name`,
//! `type` and typed `value`: text as a string, numbers as numbers (a Float JSON has no number
//! for as `"NaN"`, `"Infinity"` or `"-Infinity"`), booleans, Opaque as lowercase hex, Objlnk as
//! `"3:0"`. A TLV body decoded without `--path` cannot know its object: its
//! records carry the ids relative to the body (`"ids": [6, 0]`) and the raw value as `hex`,
//! with `string` when the bytes are printable UTF-8 and `int` when they have an integer width.
//! Encoding reads the same form (`type` may be left out when the registry knows the resource).

use m2m_lwm2m::model::{Model, Registry};
use m2m_lwm2m::{
    Config, DataType, ObjLink, Opaque, Path, Record, Text, Untyped, Value, link, lwm2m_json, tlv,
};
use serde_json::{Map, Value as Json, json};

use crate::codec::CliError;
use crate::format::Format;

fn err(e: &m2m_lwm2m::Error) -> CliError {
    CliError::protocol(e)
}

fn bad(what: impl Into<String>) -> CliError {
    CliError::Input {
        message: format!("bad JSON: {}", what.into()),
        offset: None,
    }
}

fn content_format(format: Format) -> m2m_lwm2m::ContentFormat {
    match format {
        Format::Lwm2mSenmlJson => m2m_lwm2m::ContentFormat::SENML_JSON,
        Format::Lwm2mSenmlCbor => m2m_lwm2m::ContentFormat::SENML_CBOR,
        Format::Lwm2mCbor => m2m_lwm2m::ContentFormat::LWM2M_CBOR,
        Format::Lwm2mJson => m2m_lwm2m::ContentFormat::LWM2M_JSON,
        _ => m2m_lwm2m::ContentFormat::LWM2M_TLV,
    }
}

fn config(lenient: bool) -> Config {
    if lenient {
        Config::LENIENT
    } else {
        Config::STRICT
    }
}

pub(crate) fn decode(
    format: Format,
    input: &[u8],
    path: Option<&str>,
    lenient: bool,
) -> Result<String, CliError> {
    let out = match format {
        Format::Lwm2mTlv => match decode_tlv(input, path, lenient) {
            // Say when the deviations --lenient lists would let it through.
            Err(CliError::Input { message, offset })
                if !lenient && decode_tlv(input, path, true).is_ok() =>
            {
                return Err(CliError::Input {
                    message: format!("{message} (--lenient accepts it)"),
                    offset,
                });
            }
            other => other?,
        },
        Format::Lwm2mSenmlJson | Format::Lwm2mSenmlCbor | Format::Lwm2mCbor => {
            let cf = content_format(format);
            let mut records = Vec::new();
            let decoded = m2m_lwm2m::body::decode(cf, Path::ROOT, input, config(lenient))
                .map_err(|e| err(&e))?;
            for r in decoded {
                records.push(record_json(&r.map_err(|e| err(&e))?, lenient)?);
            }
            json!({ "records": records })
        }
        Format::Lwm2mJson => {
            // Names without `bn` are relative to the request's path: --path gives it; without
            // it, only full names are paths.
            let decoded = match path {
                Some(p) => {
                    let base =
                        Path::parse(p).map_err(|e| CliError::Usage(format!("--path {p}: {e}")))?;
                    lwm2m_json::decode_at(input, base, &config(lenient))
                }
                None => lwm2m_json::decode_with(input, &config(lenient)),
            };
            let mut records = Vec::new();
            for r in decoded {
                let r = r.map_err(|e| match (err(&e), path) {
                    (CliError::Input { message, offset }, None)
                        if e.reason == m2m_lwm2m::Reason::BadPath =>
                    {
                        CliError::Input {
                            message: format!(
                                "{message} (names without \"bn\" are relative to the request's \
                                 path: give it with --path)"
                            ),
                            offset,
                        }
                    }
                    (other, _) => other,
                })?;
                records.push(record_json(&r, lenient)?);
            }
            json!({ "records": records })
        }
        Format::Lwm2mLink => {
            let text = std::str::from_utf8(input).map_err(|e| CliError::Input {
                message: format!("link format is not UTF-8: {e}"),
                offset: Some(e.valid_up_to()),
            })?;
            let links: Vec<_> = link::parse(text, config(lenient))
                .collect::<Result<_, _>>()
                .map_err(|e| err(&e))?;
            json!({ "links": links })
        }
        _ => return Err(CliError::Unsupported(format)),
    };
    Ok(out.to_string())
}

/// The JSON of a typed value.
fn value_json(v: &Value<'_>) -> Json {
    match v {
        Value::Str(t) | Value::CoreLink(t) => Json::String(t.to_string()),
        Value::Int(i) | Value::Time(i) => json!(i),
        Value::Uint(u) => json!(u),
        Value::Float(f) => crate::codec::float_json(*f),
        Value::Bool(b) => json!(b),
        Value::Opaque(o) => Json::String(o.bytes().map(|b| format!("{b:02x}")).collect()),
        Value::ObjLink(l) => Json::String(l.to_string()),
        Value::Untyped(Untyped::Text(t)) => json!({ "text": t }),
        Value::Null => Json::Null,
        Value::Untyped(Untyped::Tlv(b)) => untyped_json(b),
    }
}

/// What the bytes of an untyped TLV value could be.
fn untyped_json(b: &[u8]) -> Json {
    let mut m = Map::new();
    m.insert("hex".into(), Json::String(m2m_core::hex::encode(b)));
    if let Ok(s) = std::str::from_utf8(b) {
        if !s.is_empty() && s.chars().all(|c| !c.is_control()) {
            m.insert("string".into(), Json::String(s.into()));
        }
    }
    if let Ok(Value::Int(i)) = tlv::value_as(b, DataType::Integer, &Config::STRICT) {
        m.insert("int".into(), json!(i));
    }
    Json::Object(m)
}

/// One record as JSON, typed by the registry when it knows the resource.
pub(crate) fn record_json(r: &Record<'_>, lenient: bool) -> Result<Json, CliError> {
    let mut m = Map::new();
    let def = match (r.path.object_id(), r.path.resource_id()) {
        (Some(o), Some(res)) => Registry.resource(o, res),
        _ => None,
    };
    // Typing judges the record, not bytes: the error names the record's path.
    let typed =
        m2m_lwm2m::model::typed(*r, &Registry, &config(lenient)).map_err(|e| CliError::Input {
            message: format!("record {}: {}", r.path, e.reason.as_str()),
            offset: None,
        })?;
    m.insert("path".into(), Json::String(typed.path.to_string()));
    if let Some(d) = def {
        m.insert("name".into(), Json::String(d.name.into()));
        m.insert("type".into(), Json::String(d.data_type.name().into()));
    } else if let Some(t) = typed.value.and_then(|v| v.data_type()) {
        m.insert("type".into(), Json::String(t.name().into()));
    }
    if let Some(v) = typed.value {
        m.insert("value".into(), value_json(&v));
    }
    if let Some(t) = r.time {
        m.insert("time".into(), json!(t));
    }
    Ok(Json::Object(m))
}

fn decode_tlv(input: &[u8], path: Option<&str>, lenient: bool) -> Result<Json, CliError> {
    if let Some(p) = path {
        let base = Path::parse(p).map_err(|e| CliError::Usage(format!("--path {p}: {e}")))?;
        // `/` and a lone gateway prefix (`/foo`) parse, but name no object a TLV body can answer.
        if base.depth() == 0 {
            return Err(CliError::Usage(format!(
                "--path {p}: an object, instance, resource or resource instance path is needed \
                 (/3, /3/0, /3/0/7, /3/0/7/1)"
            )));
        }
        let mut records = Vec::new();
        for r in tlv::decode(input, base, config(lenient)) {
            records.push(record_json(&r.map_err(|e| err(&e))?, lenient)?);
        }
        return Ok(json!({ "base": base.to_string(), "records": records }));
    }
    // No path: walk the body under a stand-in base chosen from the first TLV's kind, and print
    // the ids relative to it.
    let kind = input
        .first()
        .map(|b| b >> 6)
        .ok_or_else(|| CliError::Input {
            message: "empty TLV body".into(),
            offset: Some(0),
        })?;
    let (base, drop) = match kind {
        0b00 => (Path::object(0), 1),
        0b01 => {
            let ri = tlv_id(input).unwrap_or(0);
            (Path::resource_instance(0, 0, 0, ri), 3)
        }
        _ => (Path::instance(0, 0), 2),
    };
    let mut records = Vec::new();
    for r in tlv::decode(input, base, config(lenient)) {
        let r = r.map_err(|e| err(&e))?;
        let ids: Vec<u16> = r.path.levels().iter().skip(drop).copied().collect();
        let mut m = Map::new();
        m.insert("ids".into(), json!(ids));
        if let Some(Value::Untyped(Untyped::Tlv(b))) = r.value {
            m.insert("value".into(), untyped_json(b));
        }
        records.push(Json::Object(m));
    }
    Ok(json!({ "records": records }))
}

/// The identifier of the first TLV.
fn tlv_id(input: &[u8]) -> Option<u16> {
    let ty = *input.first()?;
    if ty & 0x20 != 0 {
        Some(u16::from_be_bytes([*input.get(1)?, *input.get(2)?]))
    } else {
        input.get(1).map(|&b| u16::from(b))
    }
}

pub(crate) fn encode(format: Format, v: &Json) -> Result<Vec<u8>, CliError> {
    match format {
        Format::Lwm2mTlv => {
            let o = v
                .as_object()
                .ok_or_else(|| bad("an object with base and records is needed"))?;
            let base = o.get("base").and_then(Json::as_str).ok_or_else(|| {
                bad(
                    "base: a path such as \"/3/0\" is needed (a TLV decoded without --path \
                         has none: decode it with --path to encode it back)",
                )
            })?;
            let base = Path::parse(base).map_err(|e| bad(format!("base: {e}")))?;
            let store = Store::new(o.get("records"))?;
            let records = store.records()?;
            let n = tlv::encoded_len(&base, &records).map_err(|e| err(&e))?;
            let mut out = vec![0u8; n];
            tlv::encode(&base, &records, &mut out).map_err(|e| err(&e))?;
            Ok(out)
        }
        Format::Lwm2mSenmlJson | Format::Lwm2mSenmlCbor | Format::Lwm2mCbor | Format::Lwm2mJson => {
            let cf = content_format(format);
            let o = v
                .as_object()
                .ok_or_else(|| bad("an object with records is needed"))?;
            let store = Store::new(o.get("records"))?;
            let records = store.records()?;
            let n = m2m_lwm2m::body::encoded_len(cf, &Path::ROOT, &records).map_err(|e| err(&e))?;
            let mut out = vec![0u8; n];
            m2m_lwm2m::body::encode(cf, &Path::ROOT, &records, &mut out).map_err(|e| err(&e))?;
            Ok(out)
        }
        Format::Lwm2mLink => {
            let list = v
                .get("links")
                .and_then(Json::as_array)
                .ok_or_else(|| bad("lwm2m-link: {\"links\": [...]} is needed"))?;
            // Attribute values go through the query parser: keep their text alive.
            let texts: Vec<Vec<String>> = list
                .iter()
                .map(attribute_queries)
                .collect::<Result<_, _>>()?;
            let mut links = Vec::with_capacity(list.len());
            for (i, (l, queries)) in list.iter().zip(&texts).enumerate() {
                links.push(link_of(l, queries, i)?);
            }
            let mut out = vec![0u8; link::encoded_len(&links)];
            link::encode(&links, &mut out).map_err(|e| err(&e))?;
            Ok(out)
        }
        _ => Err(CliError::Unsupported(format)),
    }
}

/// `name=value` for each attribute of a link's `attributes` object.
fn attribute_queries(l: &Json) -> Result<Vec<String>, CliError> {
    let Some(a) = l.get("attributes") else {
        return Ok(Vec::new());
    };
    let a = a
        .as_object()
        .ok_or_else(|| bad("attributes: an object is needed"))?;
    Ok(a.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Json::Bool(b) => format!("{k}={}", u8::from(*b)),
            other => format!("{k}={other}"),
        })
        .collect())
}

fn link_of<'j>(
    l: &'j Json,
    queries: &[String],
    i: usize,
) -> Result<link::ObjectLink<'j>, CliError> {
    let at = |what: &str| bad(format!("links[{i}].{what}"));
    let text = |k: &str| -> Result<Option<&'j str>, CliError> {
        match l.get(k) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(at(&format!("{k}: a string is needed"))),
        }
    };
    let num = |k: &str| -> Result<Option<u16>, CliError> {
        match l.get(k) {
            None | Some(Json::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| at(&format!("{k}: a number is needed"))),
        }
    };
    let version = |k: &str| -> Result<Option<link::Version>, CliError> {
        text(k)?
            .map(|t| link::Version::parse(t).map_err(|_| at(&format!("{k}: \"1.1\" is needed"))))
            .transpose()
    };
    let target = text("target")?.ok_or_else(|| at("target: a path is needed"))?;
    let rt = text("rt")?;
    let target = if target == "/" || rt.is_some_and(|r| r.split(' ').any(|w| w == "oma.lwm2m")) {
        link::Target::Root { path: target }
    } else {
        link::Target::Path(Path::parse(target).map_err(|e| at(&format!("target: {e}")))?)
    };
    let update = m2m_lwm2m::attributes::Update::parse(queries.iter().map(String::as_str))
        .map_err(|e| at(&format!("attributes: {e}")))?;
    let attributes = update
        .apply(&m2m_lwm2m::attributes::Attributes::NONE)
        .map_err(|e| at(&format!("attributes: {e}")))?;
    Ok(link::ObjectLink {
        target,
        version: version("version")?,
        lwm2m: version("lwm2m")?,
        rt,
        ct: text("ct")?,
        dim: num("dim")?
            .map(u8::try_from)
            .transpose()
            .map_err(|_| at("dim: a number in 0..=255 is needed"))?,
        ssid: num("ssid")?,
        uri: text("uri")?,
        attributes,
    })
}

/// The records of a JSON document, with the bytes of Opaque values decoded and kept.
pub(crate) struct Store<'j> {
    items: Vec<(&'j Map<String, Json>, Vec<u8>)>,
}

impl<'j> Store<'j> {
    pub(crate) fn new(records: Option<&'j Json>) -> Result<Self, CliError> {
        let list = records
            .and_then(Json::as_array)
            .ok_or_else(|| bad("records: an array is needed"))?;
        let mut items = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let o = r
                .as_object()
                .ok_or_else(|| bad(format!("records[{i}]: an object is needed")))?;
            let ty = record_type(o, i)?;
            let mut bytes = Vec::new();
            if ty == Some(DataType::Opaque) {
                match o.get("value") {
                    Some(Json::String(h)) => {
                        bytes = m2m_core::hex::decode(h)
                            .map_err(|e| bad(format!("records[{i}].value: {e}")))?;
                    }
                    // Opaque bytes are written in hex; anything else would come out empty.
                    Some(Json::Null) | None => {}
                    Some(_) => {
                        return Err(bad(format!(
                            "records[{i}].value: an Opaque value is hex bytes in a string"
                        )));
                    }
                }
            }
            items.push((o, bytes));
        }
        Ok(Store { items })
    }

    pub(crate) fn records(&self) -> Result<Vec<Record<'_>>, CliError> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, (o, bytes))| record(o, bytes, i))
            .collect()
    }
}

fn record_path<'j>(o: &'j Map<String, Json>, i: usize) -> Result<Path<'j>, CliError> {
    let p = o
        .get("path")
        .and_then(Json::as_str)
        .ok_or_else(|| bad(format!("records[{i}].path: a string is needed")))?;
    Path::parse(p).map_err(|e| bad(format!("records[{i}].path: {e}")))
}

fn record_type(o: &Map<String, Json>, i: usize) -> Result<Option<DataType>, CliError> {
    if let Some(t) = o.get("type") {
        let name = t
            .as_str()
            .ok_or_else(|| bad(format!("records[{i}].type: a string is needed")))?;
        return DataType::from_name(name)
            .map(Some)
            .ok_or_else(|| bad(format!("records[{i}].type: unknown type {name:?}")));
    }
    let path = record_path(o, i)?;
    Ok(Registry.data_type(&path))
}

fn record<'j>(o: &'j Map<String, Json>, bytes: &'j [u8], i: usize) -> Result<Record<'j>, CliError> {
    let path = record_path(o, i)?;
    let time = o.get("time").and_then(Json::as_f64);
    let Some(v) = o.get("value") else {
        return Ok(Record {
            path,
            value: None,
            time,
        });
    };
    let ty = record_type(o, i)?.ok_or_else(|| {
        bad(format!(
            "records[{i}]: the registry does not know {path}; give a type"
        ))
    })?;
    let wrong = || bad(format!("records[{i}].value: not a {}", ty.name()));
    let value = match ty {
        DataType::String => Value::Str(Text::Plain(v.as_str().ok_or_else(wrong)?)),
        DataType::Corelnk => Value::CoreLink(Text::Plain(v.as_str().ok_or_else(wrong)?)),
        DataType::Integer => Value::Int(v.as_i64().ok_or_else(wrong)?),
        DataType::Time => Value::Time(v.as_i64().ok_or_else(wrong)?),
        DataType::UnsignedInteger => Value::Uint(v.as_u64().ok_or_else(wrong)?),
        DataType::Float => Value::Float(crate::codec::json_float(v).ok_or_else(wrong)?),
        DataType::Boolean => Value::Bool(v.as_bool().ok_or_else(wrong)?),
        DataType::Opaque => Value::Opaque(Opaque::Raw(bytes)),
        DataType::Objlnk => {
            Value::ObjLink(ObjLink::parse(v.as_str().ok_or_else(wrong)?).map_err(|_| wrong())?)
        }
        DataType::None => return Err(wrong()),
    };
    Ok(Record {
        path,
        value: Some(value),
        time,
    })
}
