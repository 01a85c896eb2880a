//! LwM2M link format: a text either fails at an offset inside it or gives links; written back,
//! they read the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_lwm2m::{Config, link};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for config in [Config::STRICT, Config::LENIENT] {
        let links: Result<Vec<_>, _> = link::parse(text, config).collect();
        match links {
            Err(e) => assert!(e.offset <= text.len()),
            Ok(links) => {
                let n = link::encoded_len(&links);
                let mut out = vec![0u8; n];
                assert_eq!(link::encode(&links, &mut out), Ok(n));
                let again = std::str::from_utf8(&out).expect("UTF-8");
                let back: Vec<_> = link::parse(again, Config::LENIENT)
                    .collect::<Result<_, _>>()
                    .unwrap_or_else(|e| panic!("{text} -> {again}: {e}"));
                assert_eq!(back, links, "{text} -> {again}");
            }
        }
    }
});
