//! Sparkplug payload parse-encode-parse: whatever decodes fully encodes to exactly `buffer_len`
//! bytes, and those bytes decode and encode again to the same bytes (compared as bytes, since a
//! NaN float never equals itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_sparkplug::PayloadView;

fuzz_target!(|data: &[u8]| {
    let Ok(repr) = PayloadView::new(data).and_then(|v| v.to_repr()) else {
        return;
    };
    let first = repr.to_vec().expect("a decoded payload encodes");
    assert_eq!(first.len(), repr.buffer_len());
    let again = PayloadView::new(&first)
        .and_then(|v| v.to_repr())
        .expect("our encoding decodes");
    let second = again.to_vec().expect("encodes again");
    assert_eq!(first, second);
});
