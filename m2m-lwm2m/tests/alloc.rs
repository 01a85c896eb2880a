//! Decoding allocates nothing: TLV walked and typed against the registry, link format, paths,
//! and the errors of bad input.

use m2m_core::hex;
use m2m_lwm2m::model::{self, Registry};
use m2m_lwm2m::{Config, Path, link, tlv};
use m2m_testkit::{CountingAllocator, assert_no_alloc};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

const DEVICE_3_0: &str = "c800144f70656e204d6f62696c6520416c6c69616e6365c801164c69676874776569676874204d324d20436c69656e74\
c80209333435303030313233c303312e30860641000141010588070842000ed842011388870841007d42010384c10964c10a0f\
830b410000c40d5182428fc60e2b30323a3030c11055";

#[test]
fn tlv_decode_and_typing_allocate_nothing() {
    let body = hex::decode(DEVICE_3_0).expect("hex");
    let broken = hex::decode("c8 00 14 4f70").expect("hex");
    assert_no_alloc(|| {
        let mut n = 0usize;
        for r in tlv::decode(&body, Path::instance(3, 0), Config::STRICT) {
            let r = model::typed(r.expect("valid"), &Registry, &Config::STRICT).expect("typed");
            n += usize::from(r.value.is_some());
        }
        assert_eq!(n, 16);
        assert!(tlv::decode(&broken, Path::instance(3, 0), Config::STRICT).any(|r| r.is_err()));
    });
}

#[test]
fn link_and_path_parsing_allocate_nothing() {
    let text =
        r#"</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>;pmin=10;gt=5,</3303>;ver=1.1,</dev1/3303/0>"#;
    assert_no_alloc(|| {
        assert_eq!(
            link::parse(text, Config::STRICT)
                .filter(Result::is_ok)
                .count(),
            5
        );
        assert!(Path::parse("/dev1/3/0/7/1/2").is_err());
        assert!(Path::parse("/3/0/7/1").is_ok());
    });
}
