//! Object definitions loaded at run time from DDF XML texts (feature `ddf`), for servers that
//! meet objects the built-in registry does not have.

use alloc::string::String;
use alloc::vec::Vec;

use super::ddf::{self, DdfError};
use super::{Model, ObjectInfo, Operations, ResourceDef};
use crate::value::DataType;

/// Objects read from DDF texts; a [`Model`]. A later definition of an object id replaces an
/// earlier one.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    objects: Vec<Object>,
}

#[derive(Debug, Clone)]
struct Object {
    id: u16,
    name: String,
    urn: String,
    version: String,
    lwm2m_version: String,
    multiple: bool,
    mandatory: bool,
    resources: Vec<Resource>,
}

#[derive(Debug, Clone)]
struct Resource {
    id: u16,
    name: String,
    operations: Operations,
    multiple: bool,
    mandatory: bool,
    data_type: DataType,
    range: String,
    units: String,
}

impl Resource {
    fn def(&self) -> ResourceDef<'_> {
        ResourceDef {
            id: self.id,
            name: &self.name,
            operations: self.operations,
            multiple: self.multiple,
            mandatory: self.mandatory,
            data_type: self.data_type,
            range: &self.range,
            units: &self.units,
        }
    }
}

impl Loaded {
    /// No objects.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the objects of one DDF text (a leading byte-order mark is skipped); returns how many.
    pub fn add_ddf(&mut self, xml: &str) -> Result<usize, DdfError> {
        let parsed = ddf::parse(xml)?;
        let n = parsed.len();
        let mut new = Vec::with_capacity(n);
        for o in parsed {
            let mut resources = Vec::with_capacity(o.resources.len());
            for r in o.resources {
                let data_type = DataType::from_name(&r.type_name).ok_or_else(|| DdfError {
                    message: alloc::format!(
                        "resource /{}/x/{}: type {:?}",
                        o.id,
                        r.id,
                        r.type_name
                    ),
                })?;
                resources.push(Resource {
                    id: r.id,
                    operations: Operations::from_ddf(&r.operations).unwrap_or(Operations::NONE),
                    multiple: r.multiple,
                    mandatory: r.mandatory,
                    data_type,
                    name: r.name,
                    range: r.range,
                    units: r.units,
                });
            }
            resources.sort_by_key(|r| r.id);
            new.push(Object {
                id: o.id,
                name: o.name,
                urn: o.urn,
                version: o.version,
                lwm2m_version: o.lwm2m_version,
                multiple: o.multiple,
                mandatory: o.mandatory,
                resources,
            });
        }
        for o in new {
            self.objects.retain(|x| x.id != o.id);
            self.objects.push(o);
        }
        self.objects.sort_by_key(|o| o.id);
        Ok(n)
    }

    /// Adds the objects of a DDF file; returns how many.
    pub fn add_file(&mut self, path: impl AsRef<std::path::Path>) -> Result<usize, DdfError> {
        let text = std::fs::read_to_string(path.as_ref()).map_err(|e| DdfError {
            message: alloc::format!("{}: {e}", path.as_ref().display()),
        })?;
        self.add_ddf(&text)
    }

    fn find(&self, id: u16) -> Option<&Object> {
        self.objects
            .binary_search_by_key(&id, |o| o.id)
            .ok()
            .and_then(|i| self.objects.get(i))
    }
}

impl Model for Loaded {
    fn object(&self, id: u16) -> Option<ObjectInfo<'_>> {
        let o = self.find(id)?;
        Some(ObjectInfo {
            id: o.id,
            name: &o.name,
            urn: &o.urn,
            version: &o.version,
            lwm2m_version: &o.lwm2m_version,
            multiple: o.multiple,
            mandatory: o.mandatory,
        })
    }

    fn resource(&self, object: u16, resource: u16) -> Option<ResourceDef<'_>> {
        let o = self.find(object)?;
        let i = o.resources.binary_search_by_key(&resource, |r| r.id).ok()?;
        Some(o.resources.get(i)?.def())
    }

    fn resource_at(&self, object: u16, index: usize) -> Option<ResourceDef<'_>> {
        Some(self.find(object)?.resources.get(index)?.def())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_a_file_with_a_byte_order_mark() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/registry/3303.xml"))
                .unwrap();
        let with_bom = alloc::format!("\u{feff}{text}");
        let mut m = Loaded::new();
        assert_eq!(m.add_ddf(&with_bom).unwrap(), 1);
        assert_eq!(m.object(3303).unwrap().name, "Temperature");
        assert_eq!(m.resource(3303, 5700).unwrap().data_type, DataType::Float);
        assert_eq!(m.resource_at(3303, 0).unwrap().id, 5518);
        // Loaded definitions first, then the registry.
        let both = (&m, super::super::Registry);
        assert_eq!(both.object(3).unwrap().name, "Device");
        assert!(m.add_ddf("<LWM2M></LWM2M>").is_err());
        assert!(m.add_ddf("not xml").is_err());
    }
}
