//! Decode a TLV read: the answer of a client to Read /3/0, as hex on the command line (or the
//! example of the specification), each resource printed with its name and typed value from
//! the OMA registry.
//!
//! ```text
//! cargo run -p m2m-lwm2m --example decode_tlv -- [PATH] [HEX]
//! ```

use m2m_lwm2m::model::{self, Model, Registry};
use m2m_lwm2m::{Config, Path, tlv};

/// OMA-TS-LightweightM2M_Core 1.0 §6.4.3.1: Read /3/0 answered in TLV.
const EXAMPLE: &str = "c800144f70656e204d6f62696c6520416c6c69616e6365c801164c69676874776569676874204d324d20436c69656e74\
c80209333435303030313233c303312e30860641000141010588070842000ed842011388870841007d42010384c10964c10a0f\
830b410000c40d5182428fc60e2b30323a3030c11055";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/3/0".into());
    let hex = args.next().unwrap_or_else(|| EXAMPLE.into());
    let body = m2m_core::hex::decode(&hex)?;
    let base = Path::parse(&path)?;
    // Lenient: field devices wrap instances and send multiple resources as single ones.
    for record in tlv::decode(&body, base, Config::LENIENT) {
        let record = model::typed(record?, &Registry, &Config::LENIENT)?;
        let name = match (record.path.object_id(), record.path.resource_id()) {
            (Some(o), Some(r)) => Registry.resource(o, r).map_or("?", |d| d.name),
            _ => "?",
        };
        println!(
            "{:<14} {:<28} {:?}",
            record.path.to_string(),
            name,
            record.value
        );
    }
    Ok(())
}
