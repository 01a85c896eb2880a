//! OMA TLV: any body, under a base path chosen by the first byte, either fails at an offset
//! inside it or gives records; written back, those records decode to the same records, and
//! typing each value as every data type never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_lwm2m::{Config, DataType, Path, Record, tlv};

const TYPES: [DataType; 10] = [
    DataType::String,
    DataType::Integer,
    DataType::UnsignedInteger,
    DataType::Float,
    DataType::Boolean,
    DataType::Opaque,
    DataType::Time,
    DataType::Objlnk,
    DataType::Corelnk,
    DataType::None,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let base = match selector % 5 {
        0 => Path::object(3),
        1 => Path::instance(3, 0),
        2 => Path::resource(3, 0, u16::from(selector >> 3)),
        3 => Path::resource_instance(3, 0, 7, u16::from(selector >> 3)),
        _ => Path::ROOT,
    };
    let config = if selector & 0x80 != 0 { Config::LENIENT } else { Config::STRICT };
    let records: Result<Vec<Record<'_>>, _> = tlv::decode(body, base, config).collect();
    match records {
        Err(e) => assert!(e.offset <= body.len()),
        Ok(records) => {
            for r in &records {
                assert!(base.contains(&r.path) || r.path.contains(&base));
                if let Some(v) = r.value {
                    for t in TYPES {
                        let _ = v.typed(t, &config);
                    }
                }
            }
            // A lenient wrapper is not written back; everything else is.
            if records.iter().all(|r| base.contains(&r.path)) {
                if let Ok(n) = tlv::encoded_len(&base, &records) {
                    let mut out = vec![0u8; n];
                    assert_eq!(tlv::encode(&base, &records, &mut out), Ok(n));
                    let again: Vec<_> = tlv::decode(&out, base, Config::STRICT)
                        .collect::<Result<_, _>>()
                        .expect("our own TLV decodes");
                    assert_eq!(again, records);
                }
            }
        }
    }
});
