//! Registration, bootstrap and Write-Attributes queries: `&`-separated values either fail or
//! give parameters that, written back, read the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_lwm2m::attributes::{Attributes, Update};
use m2m_lwm2m::interface::{BootstrapParams, RegisterParams};

fn collect(
    f: impl FnOnce(&mut dyn FnMut(std::fmt::Arguments<'_>) -> std::fmt::Result) -> std::fmt::Result,
) -> Vec<String> {
    let mut out = Vec::new();
    f(&mut |a| {
        out.push(a.to_string());
        Ok(())
    })
    .expect("writes");
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let queries: Vec<&str> = text.split('&').collect();
    for register in [true, false] {
        if let Ok(p) = RegisterParams::parse(queries.iter().copied(), register) {
            let again = collect(|f| p.write_queries(f));
            let back = RegisterParams::parse(again.iter().map(String::as_str), register)
                .expect("reads back");
            assert_eq!(back, p);
        }
    }
    if let Ok(p) = BootstrapParams::parse(queries.iter().copied()) {
        let again = collect(|f| p.write_queries(f));
        assert_eq!(
            BootstrapParams::parse(again.iter().map(String::as_str)).expect("reads back"),
            p
        );
    }
    if let Ok(u) = Update::parse(queries.iter().copied()) {
        let again = collect(|f| u.write_queries(f));
        assert_eq!(
            Update::parse(again.iter().map(String::as_str)).expect("reads back"),
            u
        );
        if let Ok(a) = u.apply(&Attributes::NONE) {
            // Attributes written as an update and read again set the same attributes.
            let again = collect(|f| a.as_update().write_queries(f));
            let u = Update::parse(again.iter().map(String::as_str)).expect("reads back");
            assert_eq!(u.apply(&Attributes::NONE), Ok(a));
        }
    }
});
