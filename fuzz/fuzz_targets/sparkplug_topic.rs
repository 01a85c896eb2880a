//! Sparkplug topics: whatever parses formats back to the same text (and to `buffer_len` bytes)
//! and parses again to the same topic; formatting checks the same rules as parsing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use m2m_sparkplug::Topic;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(topic) = Topic::parse(text) else {
        return;
    };
    assert_eq!(topic.buffer_len(), text.len());
    let mut buf = vec![0u8; text.len()];
    let out = topic.format(&mut buf).expect("a parsed topic formats");
    assert_eq!(out, text);
    assert_eq!(topic.to_string(), text);
    assert_eq!(Topic::parse(out), Ok(topic));
    let _ = topic.delivery();
});
