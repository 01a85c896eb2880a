//! LwM2M link format: a text either fails at an offset inside it or gives links; written back,
//! they read the same. What the strict reader takes, the writer writes; what only the lenient
//! reader takes (`ver` on an instance link), the writer may refuse as unrepresentable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_lwm2m::{Config, Reason, link};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut strict_ok = false;
    for config in [Config::STRICT, Config::LENIENT] {
        let links: Result<Vec<_>, _> = link::parse(text, config).collect();
        match links {
            Err(e) => assert!(e.offset <= text.len()),
            Ok(links) => {
                strict_ok |= config == Config::STRICT;
                let n = link::encoded_len(&links);
                let mut out = vec![0u8; n];
                match link::encode(&links, &mut out) {
                    Ok(written) => assert_eq!(written, n),
                    Err(e) => {
                        assert_eq!(e.reason, Reason::Unrepresentable, "{text}");
                        assert!(
                            !strict_ok,
                            "the strict reader took {text}, the writer refuses"
                        );
                        continue;
                    }
                }
                let again = std::str::from_utf8(&out).expect("UTF-8");
                let back: Vec<_> = link::parse(again, config)
                    .collect::<Result<_, _>>()
                    .unwrap_or_else(|e| panic!("{text} -> {again}: {e}"));
                assert_eq!(back, links, "{text} -> {again}");
            }
        }
    }
});
