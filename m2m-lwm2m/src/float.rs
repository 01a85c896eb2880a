//! The one float policy of every format: a value is written in the narrowest IEEE 754 width that
//! gives back exactly the same number (f64 to f32 in TLV and JSON-free formats, down to f16 in
//! CBOR, RFC 8949 §4.2.2 "preferred serialization"); a NaN keeps being a NaN, its payload
//! is not kept.
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

/// Whether a finite `v` has no fraction (`f64::fract` needs std; this does not).
#[must_use]
pub fn is_integral(v: f64) -> bool {
    // From 2^52 on every f64 is an integer; below, the cast to i64 is exact for integers.
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let back = (v as i64) as f64;
    !(-TWO_52..=TWO_52).contains(&v) || back == v
}

/// `v` as an f32 when that loses nothing.
#[must_use]
pub fn to_f32_exact(v: f64) -> Option<f32> {
    #[allow(clippy::cast_possible_truncation)]
    let narrow = v as f32;
    (f64::from(narrow) == v || v.is_nan()).then_some(narrow)
}

/// The IEEE 754 binary16 bits of `v` when that loses nothing (zeros, infinities and NaN
/// included; NaN becomes the canonical `0x7e00` with the sign kept).
#[must_use]
pub fn to_f16_exact(v: f64) -> Option<u16> {
    let bits = v.to_bits();
    let sign = if bits >> 63 == 1 { 0x8000u16 } else { 0 };
    let exp = i32::try_from((bits >> 52) & 0x7ff).ok()?;
    let man = bits & ((1u64 << 52) - 1);
    if exp == 0x7ff {
        return Some(sign | if man == 0 { 0x7c00 } else { 0x7e00 });
    }
    if exp == 0 {
        // Zero survives; an f64 subnormal is far below the smallest f16.
        return (man == 0).then_some(sign);
    }
    let e = exp.checked_sub(1023)?;
    if e > 15 {
        return None;
    }
    if e >= -14 {
        if man & ((1u64 << 42) - 1) != 0 {
            return None;
        }
        let biased = u16::try_from(e.checked_add(15)?).ok()?;
        let top = u16::try_from(man >> 42).ok()?;
        return Some(sign | (biased << 10) | top);
    }
    if e < -24 {
        return None;
    }
    // Subnormal f16: value = m * 2^-24 with m in 1..1024; value = full * 2^(e - 52).
    let full = (1u64 << 52) | man;
    let shift = u32::try_from(28i32.checked_sub(e)?).ok()?;
    if full & (1u64 << shift).wrapping_sub(1) != 0 {
        return None;
    }
    Some(sign | u16::try_from(full >> shift).ok()?)
}

/// The value of IEEE 754 binary16 bits.
#[must_use]
pub fn from_f16(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let man = f64::from(bits & 0x3ff);
    let magnitude = match exp {
        0 => man * pow2(-24),
        0x1f if man == 0.0 => f64::INFINITY,
        0x1f => f64::NAN,
        _ => (1024.0 + man) * pow2(exp.saturating_sub(25)),
    };
    sign * magnitude
}

fn pow2(e: i32) -> f64 {
    // 2^e for the small exponents binary16 needs, exactly, without libm.
    let biased = u64::try_from(e.saturating_add(1023)).unwrap_or(0);
    f64::from_bits(biased << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_without_std() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -7.0,
            4_503_599_627_370_496.0,
            1e300,
            -1e300,
            f64::INFINITY,
        ] {
            assert!(is_integral(v), "{v}");
        }
        for v in [0.5, -1.25, 4_503_599_627_370_495.5, 1e-300] {
            assert!(!is_integral(v), "{v}");
        }
    }

    #[test]
    fn f32_only_when_exact() {
        assert_eq!(to_f32_exact(1.5), Some(1.5));
        assert_eq!(to_f32_exact(0.1), None);
        assert_eq!(to_f32_exact(1e300), None);
        assert!(to_f32_exact(f64::NAN).unwrap().is_nan());
        assert_eq!(to_f32_exact(f64::INFINITY), Some(f32::INFINITY));
    }

    #[test]
    fn f16_vectors_from_rfc8949_appendix_a() {
        // RFC 8949 Appendix A: f9 0000, f9 8000, f9 3c00, f9 3e00, f9 7bff, f9 0001, f9 0400,
        // f9 c400, f9 7c00, f9 7e00, f9 fc00.
        let cases: [(f64, u16); 11] = [
            (0.0, 0x0000),
            (-0.0, 0x8000),
            (1.0, 0x3c00),
            (1.5, 0x3e00),
            (65504.0, 0x7bff),
            (5.960_464_477_539_063e-8, 0x0001),
            (0.000_061_035_156_25, 0x0400),
            (-4.0, 0xc400),
            (f64::INFINITY, 0x7c00),
            (f64::NAN, 0x7e00),
            (f64::NEG_INFINITY, 0xfc00),
        ];
        for (v, bits) in cases {
            assert_eq!(to_f16_exact(v), Some(bits), "{v}");
            let back = from_f16(bits);
            assert!(back == v || (v.is_nan() && back.is_nan()), "{bits:#x}");
        }
        // Not exact in half precision (RFC 8949 Appendix A writes them wider).
        for v in [
            100_000.0,
            1.1,
            3.402_823_466_385_288_6e38,
            1.0e300,
            65505.0,
            2.0f64.powi(-25),
        ] {
            assert_eq!(to_f16_exact(v), None, "{v}");
        }
    }

    #[test]
    fn every_f16_round_trips() {
        for bits in 0..=u16::MAX {
            let v = from_f16(bits);
            if v.is_nan() {
                continue;
            }
            assert_eq!(to_f16_exact(v), Some(bits), "{bits:#x}");
        }
    }
}
