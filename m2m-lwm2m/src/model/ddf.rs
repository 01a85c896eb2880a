//! Reading OMA object definitions (DDF XML, the format of the OMA LwM2M registry, schema
//! `LWM2M.xsd`): one object per `<Object>` element, with its `<Resources>/<Item ID="…">`.
//!
//! This file is shared: the build script compiles it to turn the registry files of the crate
//! into Rust, and the `ddf` feature compiles it into the library to load definitions at run
//! time. It depends on nothing of the crate.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// An object definition as the DDF file states it (texts trimmed, not yet interpreted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdfObject {
    /// `<ObjectID>`.
    pub id: u16,
    /// `<Name>`.
    pub name: String,
    /// `<ObjectURN>` (may be empty in old files).
    pub urn: String,
    /// `<ObjectVersion>`, `1.0` when absent.
    pub version: String,
    /// `<LWM2MVersion>`, `1.0` when absent.
    pub lwm2m_version: String,
    /// `<MultipleInstances>` is `Multiple`.
    pub multiple: bool,
    /// `<Mandatory>` is `Mandatory`.
    pub mandatory: bool,
    /// The resources, in file order.
    pub resources: Vec<DdfResource>,
}

/// A resource definition as the DDF file states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdfResource {
    /// `ID` attribute of `<Item>`.
    pub id: u16,
    /// `<Name>`.
    pub name: String,
    /// `<Operations>`: empty, `R`, `W`, `RW` or `E`.
    pub operations: String,
    /// `<MultipleInstances>` is `Multiple`.
    pub multiple: bool,
    /// `<Mandatory>` is `Mandatory`.
    pub mandatory: bool,
    /// `<Type>` as written (empty for executable resources).
    pub type_name: String,
    /// `<RangeEnumeration>`.
    pub range: String,
    /// `<Units>`.
    pub units: String,
}

/// Why a DDF text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdfError {
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl core::error::Error for DdfError {}

fn err(message: impl Into<String>) -> DdfError {
    DdfError {
        message: message.into(),
    }
}

/// The objects defined in a DDF text. A leading UTF-8 byte-order mark is skipped.
pub fn parse(xml: &str) -> Result<Vec<DdfObject>, DdfError> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let doc = roxmltree::Document::parse(xml).map_err(|e| err(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "LWM2M" {
        return Err(err("the root element is not <LWM2M>"));
    }
    let mut objects = Vec::new();
    for obj in root.children().filter(|n| n.has_tag_name("Object")) {
        objects.push(object(obj)?);
    }
    if objects.is_empty() {
        return Err(err("no <Object> element"));
    }
    Ok(objects)
}

fn text_of(node: roxmltree::Node<'_, '_>, tag: &str) -> Option<String> {
    node.children()
        .find(|n| n.has_tag_name(tag))
        .map(|n| n.text().unwrap_or("").trim().to_string())
}

fn required(node: roxmltree::Node<'_, '_>, tag: &str, what: &str) -> Result<String, DdfError> {
    text_of(node, tag).ok_or_else(|| err(alloc::format!("{what}: no <{tag}>")))
}

fn id(text: &str, what: &str) -> Result<u16, DdfError> {
    text.trim()
        .parse::<u16>()
        .ok()
        .filter(|&v| v != u16::MAX)
        .ok_or_else(|| err(alloc::format!("{what}: invalid id {text:?}")))
}

fn multiple(text: &str, what: &str) -> Result<bool, DdfError> {
    match text {
        "Multiple" => Ok(true),
        "Single" => Ok(false),
        other => Err(err(alloc::format!(
            "{what}: <MultipleInstances> is {other:?}"
        ))),
    }
}

fn mandatory(text: &str, what: &str) -> Result<bool, DdfError> {
    match text {
        "Mandatory" => Ok(true),
        "Optional" => Ok(false),
        other => Err(err(alloc::format!("{what}: <Mandatory> is {other:?}"))),
    }
}

fn object(obj: roxmltree::Node<'_, '_>) -> Result<DdfObject, DdfError> {
    let id_text = required(obj, "ObjectID", "object")?;
    let oid = id(&id_text, "object")?;
    let what = alloc::format!("object {oid}");
    let mut resources: Vec<DdfResource> = Vec::new();
    if let Some(list) = obj.children().find(|n| n.has_tag_name("Resources")) {
        for item in list.children().filter(|n| n.has_tag_name("Item")) {
            let rid = id(item.attribute("ID").unwrap_or(""), &what)?;
            let rwhat = alloc::format!("resource /{oid}/x/{rid}");
            if resources.iter().any(|r| r.id == rid) {
                return Err(err(alloc::format!("{rwhat}: defined twice")));
            }
            let operations = text_of(item, "Operations").unwrap_or_default();
            if !matches!(operations.as_str(), "" | "R" | "W" | "RW" | "E") {
                return Err(err(alloc::format!(
                    "{rwhat}: <Operations> is {operations:?}"
                )));
            }
            resources.push(DdfResource {
                id: rid,
                name: required(item, "Name", &rwhat)?,
                operations,
                multiple: multiple(&required(item, "MultipleInstances", &rwhat)?, &rwhat)?,
                mandatory: mandatory(&required(item, "Mandatory", &rwhat)?, &rwhat)?,
                type_name: text_of(item, "Type").unwrap_or_default(),
                range: text_of(item, "RangeEnumeration").unwrap_or_default(),
                units: text_of(item, "Units").unwrap_or_default(),
            });
        }
    }
    let or_10 = |t: Option<String>| {
        t.filter(|s| !s.is_empty())
            .unwrap_or_else(|| "1.0".to_string())
    };
    Ok(DdfObject {
        id: oid,
        name: required(obj, "Name", &what)?,
        urn: text_of(obj, "ObjectURN").unwrap_or_default(),
        version: or_10(text_of(obj, "ObjectVersion")),
        lwm2m_version: or_10(text_of(obj, "LWM2MVersion")),
        multiple: multiple(&required(obj, "MultipleInstances", &what)?, &what)?,
        mandatory: mandatory(&required(obj, "Mandatory", &what)?, &what)?,
        resources,
    })
}
