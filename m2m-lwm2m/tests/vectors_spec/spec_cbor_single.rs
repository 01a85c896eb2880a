//! CBOR single value (1.1 §7.4.6): RFC 8949 Appendix A as Wakaama's `data_cbor_tests.c` uses it.

use super::*;

#[test]
fn cbor_single_value_wakaama() {
    let cases: &[(Value<'_>, &str)] = &[
        (Value::Int(0), "00"),
        (Value::Int(1), "01"),
        (Value::Int(10), "0a"),
        (Value::Int(23), "17"),
        (Value::Int(24), "1818"),
        (Value::Int(25), "1819"),
        (Value::Int(100), "1864"),
        (Value::Int(1000), "1903e8"),
        (Value::Int(1_000_000), "1a000f4240"),
        (Value::Int(1_000_000_000_000), "1b000000e8d4a51000"),
        (Value::Uint(u64::MAX), "1bffffffffffffffff"),
        (Value::Int(i64::MIN), "3b7fffffffffffffff"),
        (Value::Int(i64::MAX), "1b7fffffffffffffff"),
        (Value::Int(-1), "20"),
        (Value::Int(-10), "29"),
        (Value::Int(-100), "3863"),
        (Value::Int(-1000), "3903e7"),
        (Value::Float(0.0), "f90000"),
        (Value::Float(-0.0), "f98000"),
        (Value::Float(1.0), "f93c00"),
        (Value::Float(1.1), "fb3ff199999999999a"),
        (Value::Float(1.5), "f93e00"),
        (Value::Float(65504.0), "f97bff"),
        (Value::Float(100_000.0), "fa47c35000"),
        (Value::Float(3.402_823_466_385_288_6e38), "fa7f7fffff"),
        (Value::Float(1.0e300), "fb7e37e43c8800759c"),
        (Value::Float(5.960_464_477_539_063e-8), "f90001"),
        (Value::Float(0.000_061_035_156_25), "f90400"),
        (Value::Float(-4.0), "f9c400"),
        (Value::Float(-4.1), "fbc010666666666666"),
        (Value::Float(f64::INFINITY), "f97c00"),
        (Value::Float(f64::NEG_INFINITY), "f9fc00"),
        (Value::Bool(false), "f4"),
        (Value::Bool(true), "f5"),
        (
            Value::Str(Text::Plain("2013-03-21T20:04:00Z")),
            "74323031332d30332d32315432303a30343a30305a",
        ),
        (Value::Int(1_363_896_240), "1a514b67b0"),
        (Value::Float(1_363_896_240.5), "fb41d452d9ec200000"),
        (Value::Opaque(Opaque::Raw(&[1, 2, 3, 4])), "4401020304"),
        (Value::Opaque(Opaque::Raw(b"dIETF")), "456449455446"),
        (
            Value::Str(Text::Plain("http://www.example.com")),
            "76687474703a2f2f7777772e6578616d706c652e636f6d",
        ),
        (Value::Opaque(Opaque::Raw(&[])), "40"),
        (Value::Str(Text::Plain("")), "60"),
        (Value::Str(Text::Plain("a")), "6161"),
        (Value::Str(Text::Plain("IETF")), "6449455446"),
        (Value::Str(Text::Plain("\"\\")), "62225c"),
    ];
    for (value, item) in cases {
        let mut out = [0u8; 32];
        let n = single::encode(value, &mut out).unwrap();
        assert_eq!(m2m_core::hex::encode(&out[..n]), *item, "{value:?}");
        let bytes = hex(item);
        let back = single::decode(&bytes).unwrap();
        match value {
            Value::Float(x) if *x == 0.0 => {
                let Value::Float(y) = back else { panic!() };
                assert_eq!(x.to_bits(), y.to_bits());
            }
            _ => assert_eq!(back, *value, "{item}"),
        }
    }
    // Wider encodings of the special floats (tests 71 to 76).
    for (item, want) in [
        ("fa7f800000", f64::INFINITY),
        ("faff800000", f64::NEG_INFINITY),
        ("fb7ff0000000000000", f64::INFINITY),
        ("fbfff0000000000000", f64::NEG_INFINITY),
    ] {
        assert_eq!(single::decode(&hex(item)), Ok(Value::Float(want)), "{item}");
    }
    for item in ["fa7fc00000", "fb7ff8000000000000", "f97e00"] {
        let Ok(Value::Float(x)) = single::decode(&hex(item)) else {
            panic!("{item}")
        };
        assert!(x.is_nan());
    }
    // 1(1363896240): a Time (test 78).
    assert_eq!(
        single::decode(&hex("c11a514b67b0")),
        Ok(Value::Time(1_363_896_240))
    );
    // Wakaama refuses indefinite-length strings too; RFC 8949 §3.2.3 makes them well-formed
    // (and Anjay reads them): read here as their chunks, joined.
    assert_eq!(
        single::decode(&hex("5f42010243030405ff")),
        Ok(Value::Opaque(Opaque::Raw(&[1, 2, 3, 4, 5])))
    );
    assert_eq!(
        single::decode(&hex("7f657374726561646d696e67ff")),
        Ok(Value::Str(Text::Plain("streaming")))
    );
    // Refused, as Wakaama refuses them (tests 47 to 70): an integer below i64::MIN, null,
    // undefined, simple values, arrays, maps, tags on them.
    for item in [
        "3bffffffffffffffff",
        "f6",
        "f7",
        "f0",
        "f818",
        "f8ff",
        "80",
        "83010203",
        "a0",
        "a201020304",
        "a26161016162820203",
        "826161a161626163",
        "9fff",
        "9f018202039f0405ffff",
        "bf61610161629f0203ffff",
        "bf6346756ef563416d7421ff",
        "d820d82076687474703a2f2f7777772e6578616d706c652e636f6d",
    ] {
        assert!(single::decode(&hex(item)).is_err(), "{item} was read");
    }
}
