//! CoRE link format: a text either fails at an offset inside it or gives links; written back
//! with the writer, those links read the same (targets, parameter names, unescaped values).
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_coap::link::{self, Writer};

fn digest(text: &str) -> Vec<(String, Vec<(String, Option<String>)>)> {
    link::parse(text)
        .map(|l| {
            let l = l.expect("validated");
            let params = l
                .params()
                .map(|p| (p.name.to_owned(), p.value.map(|v| v.unescaped().collect())))
                .collect();
            (l.target.to_owned(), params)
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match link::validate(text) {
        Err(e) => assert!(e.offset <= text.len()),
        Ok(n) => {
            let links = digest(text);
            assert_eq!(links.len(), n);
            let mut w = Writer::new(String::new());
            for (target, params) in &links {
                w.link(target).expect("writes");
                for (name, value) in params {
                    w.param(name, value.as_deref()).expect("writes");
                }
            }
            let again = w.into_inner();
            assert_eq!(digest(&again), links, "{text} -> {again}");
        }
    }
});
