//! The object model (OMA-TS-LightweightM2M_Core §7.1, Appendix D "Object Template"): object
//! and resource definitions, the built-in registry generated at build time from the OMA
//! registry files of the core objects 0-7 and 21 and the IPSO objects 3300-3350
//! ([`registry`]), definitions loaded at run time from DDF files (feature `ddf`), and typing
//! of decoded records against a [`Model`].
//!
//! ```
//! use m2m_lwm2m::model::{Model, Registry, registry};
//! use m2m_lwm2m::{DataType, Path};
//!
//! let temp = Registry.resource(registry::temperature::ID, registry::temperature::SENSOR_VALUE).unwrap();
//! assert_eq!((temp.name, temp.data_type), ("Sensor Value", DataType::Float));
//! assert_eq!(Registry.data_type(&Path::resource(3, 0, 13)), Some(DataType::Time));
//! ```
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

#[cfg(feature = "ddf")]
pub mod ddf;
#[cfg(feature = "ddf")]
mod loaded;

#[cfg(feature = "ddf")]
pub use loaded::Loaded;

use crate::error::{Config, Error, Reason};
use crate::path::Path;
use crate::value::{DataType, Record};

/// The operations a resource allows (`<Operations>` of the DDF: `R`, `W`, `RW`, `E`, or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[allow(clippy::struct_excessive_bools)]
pub struct Operations {
    /// Read.
    pub read: bool,
    /// Write.
    pub write: bool,
    /// Execute.
    pub execute: bool,
}

impl Operations {
    /// None (a resource only the bootstrap server or the client itself sets).
    pub const NONE: Operations = Operations {
        read: false,
        write: false,
        execute: false,
    };
    /// Read only.
    pub const R: Operations = Operations {
        read: true,
        write: false,
        execute: false,
    };
    /// Write only.
    pub const W: Operations = Operations {
        read: false,
        write: true,
        execute: false,
    };
    /// Read and write.
    pub const RW: Operations = Operations {
        read: true,
        write: true,
        execute: false,
    };
    /// Execute.
    pub const E: Operations = Operations {
        read: false,
        write: false,
        execute: true,
    };

    /// From the DDF text (`""`, `R`, `W`, `RW`, `E`).
    #[must_use]
    pub fn from_ddf(text: &str) -> Option<Self> {
        Some(match text.trim() {
            "" => Self::NONE,
            "R" => Self::R,
            "W" => Self::W,
            "RW" => Self::RW,
            "E" => Self::E,
            _ => return None,
        })
    }
}

/// A resource definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ResourceDef<'a> {
    /// Resource id.
    pub id: u16,
    /// Name, e.g. `Sensor Value`.
    pub name: &'a str,
    /// What the resource allows.
    pub operations: Operations,
    /// Whether it has resource instances.
    pub multiple: bool,
    /// Whether every instance of the object must have it.
    pub mandatory: bool,
    /// Its type.
    pub data_type: DataType,
    /// `<RangeEnumeration>` as written.
    pub range: &'a str,
    /// `<Units>` as written.
    pub units: &'a str,
}

/// What an object definition says about the object itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ObjectInfo<'a> {
    /// Object id.
    pub id: u16,
    /// Name, e.g. `Device`.
    pub name: &'a str,
    /// URN, e.g. `urn:oma:lwm2m:oma:3:1.2`.
    pub urn: &'a str,
    /// Object version (`1.0` when the file says none).
    pub version: &'a str,
    /// The LwM2M version it was defined for.
    pub lwm2m_version: &'a str,
    /// Whether it may have several instances.
    pub multiple: bool,
    /// Whether every client must have it.
    pub mandatory: bool,
}

/// An object definition of the built-in registry: the object and its resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ObjectDef {
    /// The object.
    pub info: ObjectInfo<'static>,
    /// Its resources, sorted by id.
    pub resources: &'static [ResourceDef<'static>],
}

impl ObjectDef {
    /// The definition of resource `id`.
    #[must_use]
    pub fn resource(&self, id: u16) -> Option<&'static ResourceDef<'static>> {
        let resources = self.resources;
        // Most objects number their resources from 0 without gaps: try the direct place first.
        if let Some(r) = resources.get(usize::from(id)).filter(|r| r.id == id) {
            return Some(r);
        }
        resources
            .binary_search_by_key(&id, |r| r.id)
            .ok()
            .and_then(|i| resources.get(i))
    }
}

/// Where object definitions come from: the built-in [`Registry`], definitions loaded from
/// files (`Loaded`, feature `ddf`), an application's own, or several of them in turn
/// (`(A, B)` asks `A` first).
pub trait Model {
    /// The definition of object `id`.
    fn object(&self, id: u16) -> Option<ObjectInfo<'_>>;

    /// The definition of resource `resource` of object `object`.
    fn resource(&self, object: u16, resource: u16) -> Option<ResourceDef<'_>>;

    /// The `index`-th resource of object `object`, in id order (to list them all).
    fn resource_at(&self, object: u16, index: usize) -> Option<ResourceDef<'_>>;

    /// The type of the resource a path of three or four levels names.
    fn data_type(&self, path: &Path<'_>) -> Option<DataType> {
        let (o, r) = (path.object_id()?, path.resource_id()?);
        Some(self.resource(o, r)?.data_type)
    }
}

impl<M: Model + ?Sized> Model for &M {
    fn object(&self, id: u16) -> Option<ObjectInfo<'_>> {
        (**self).object(id)
    }
    fn resource(&self, object: u16, resource: u16) -> Option<ResourceDef<'_>> {
        (**self).resource(object, resource)
    }
    fn resource_at(&self, object: u16, index: usize) -> Option<ResourceDef<'_>> {
        (**self).resource_at(object, index)
    }
}

impl<A: Model, B: Model> Model for (A, B) {
    fn object(&self, id: u16) -> Option<ObjectInfo<'_>> {
        self.0.object(id).or_else(|| self.1.object(id))
    }
    fn resource(&self, object: u16, resource: u16) -> Option<ResourceDef<'_>> {
        if self.0.object(object).is_some() {
            self.0.resource(object, resource)
        } else {
            self.1.resource(object, resource)
        }
    }
    fn resource_at(&self, object: u16, index: usize) -> Option<ResourceDef<'_>> {
        if self.0.object(object).is_some() {
            self.0.resource_at(object, index)
        } else {
            self.1.resource_at(object, index)
        }
    }
}

/// The generated registry: [`registry::OBJECTS`] and a module of id constants per object
/// (`registry::device::MANUFACTURER`, `registry::temperature::SENSOR_VALUE`, ...).
#[allow(missing_docs, clippy::unreadable_literal)]
pub mod registry {
    use super::{ObjectDef, ObjectInfo, Operations, ResourceDef};
    use crate::value::DataType;

    include!(concat!(env!("OUT_DIR"), "/registry.rs"));
}

/// The built-in registry as a [`Model`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Registry;

impl Registry {
    /// The full definition of object `id`.
    #[must_use]
    pub fn definition(id: u16) -> Option<&'static ObjectDef> {
        let objects = registry::OBJECTS;
        // The core objects 0-7 sit at their own index.
        if let Some(o) = objects.get(usize::from(id)).filter(|o| o.info.id == id) {
            return Some(o);
        }
        objects
            .binary_search_by_key(&id, |o| o.info.id)
            .ok()
            .and_then(|i| objects.get(i))
    }
}

impl Model for Registry {
    fn object(&self, id: u16) -> Option<ObjectInfo<'_>> {
        Some(Registry::definition(id)?.info)
    }
    fn resource(&self, object: u16, resource: u16) -> Option<ResourceDef<'_>> {
        Registry::definition(object)?.resource(resource).copied()
    }
    fn resource_at(&self, object: u16, index: usize) -> Option<ResourceDef<'_>> {
        Registry::definition(object)?.resources.get(index).copied()
    }
}

/// `record` with its value typed by the model (OMA TLV and text/plain values get their type;
/// typed values are checked and converted where lossless, see [`Value::typed`]), after checking
/// the path fits the definition: a value only on a resource or resource instance, a resource
/// instance only under a multiple resource, a value directly on a resource only when it is
/// single. A record whose object or resource the model does not know is returned unchanged.
///
/// [`Value::typed`]: crate::Value::typed
pub fn typed<'a, M: Model + ?Sized>(
    record: Record<'a>,
    model: &M,
    config: &Config,
) -> Result<Record<'a>, Error> {
    // A value belongs to a resource (or resource instance); an object or instance has none.
    if record.value.is_some() && record.path.depth() < 3 {
        return Err(Error::new(0, Reason::UnexpectedPath));
    }
    let (Some(o), Some(r)) = (record.path.object_id(), record.path.resource_id()) else {
        return Ok(record);
    };
    let Some(def) = model.resource(o, r) else {
        return Ok(record);
    };
    let deep = record.path.depth() == 4;
    if let Some(v) = record.value {
        if deep != def.multiple {
            if def.multiple && config.single_for_multiple {
                let path = record
                    .path
                    .child(0)
                    .ok_or(Error::new(0, Reason::UnexpectedPath))?;
                let value = v.typed(def.data_type, config)?;
                return Ok(Record {
                    path,
                    value: Some(value),
                    ..record
                });
            }
            return Err(Error::new(0, Reason::UnexpectedPath));
        }
        let value = v.typed(def.data_type, config)?;
        return Ok(Record {
            value: Some(value),
            ..record
        });
    }
    if deep && !def.multiple {
        return Err(Error::new(0, Reason::UnexpectedPath));
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_on_an_object_or_instance_is_refused() {
        let config = Config::STRICT;
        for path in [Path::object(3), Path::instance(3, 0), Path::object(9999)] {
            let r = Record::new(path, crate::Value::Int(1));
            assert_eq!(
                typed(r, &Registry, &config),
                Err(Error::new(0, Reason::UnexpectedPath)),
                "{path}"
            );
        }
        // Without a value (a Read-Composite's paths, a Delete), any level passes.
        let bare = Record {
            path: Path::object(3),
            value: None,
            time: None,
        };
        assert_eq!(typed(bare, &Registry, &config), Ok(bare));
    }

    #[test]
    fn registry_has_the_core_and_ipso_objects() {
        for id in [0, 1, 2, 3, 4, 5, 6, 7, 21, 3300, 3303, 3316, 3323, 3350] {
            assert!(Registry.object(id).is_some(), "object {id}");
        }
        let device = Registry::definition(3).unwrap();
        assert_eq!(device.info.name, "Device");
        assert!(!device.info.multiple && device.info.mandatory);
        let power = device
            .resource(registry::device::AVAILABLE_POWER_SOURCES)
            .unwrap();
        assert!(power.multiple);
        assert_eq!(power.data_type, DataType::Integer);
        let reboot = device.resource(registry::device::REBOOT).unwrap();
        assert_eq!(
            (reboot.operations, reboot.data_type),
            (Operations::E, DataType::None)
        );
        assert_eq!(Registry.resource(1, 0).unwrap().name, "Short Server ID");
        assert_eq!(Registry.resource_at(3, 0).unwrap().name, "Manufacturer");
        assert!(Registry.object(9999).is_none());
    }

    #[test]
    fn typing_checks_multiplicity() {
        use crate::value::{Untyped, Value};
        let raw = |p| Record::new(p, Value::Untyped(Untyped::Tlv(&[0x0e, 0xd8])));
        let ok = typed(
            raw(Path::resource_instance(3, 0, 7, 0)),
            &Registry,
            &Config::STRICT,
        )
        .unwrap();
        assert_eq!(ok.value, Some(Value::Int(3800)));
        assert!(typed(raw(Path::resource(3, 0, 7)), &Registry, &Config::STRICT).is_err());
        assert!(
            typed(
                raw(Path::resource_instance(3, 0, 9, 0)),
                &Registry,
                &Config::STRICT
            )
            .is_err()
        );
        let unknown = raw(Path::resource(30000, 0, 1));
        assert_eq!(typed(unknown, &Registry, &Config::STRICT).unwrap(), unknown);
    }
}
