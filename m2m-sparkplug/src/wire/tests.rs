use super::*;
use m2m_core::Writer;
use std::vec;
use std::vec::Vec;

fn fields(buf: &[u8]) -> Vec<Result<Field<'_>, Error>> {
    Fields::new(buf, 0, 0).collect()
}

#[test]
fn reads_every_wire_type() {
    // 08 96 01: field 1 varint 150 (protobuf encoding guide); 11 <8>: field 2 fixed64;
    // 1a 03 'abc': field 3 bytes; 25 <4>: field 4 fixed32; 2b 08 01 2c: field 5 group holding 1:1.
    let buf = [
        0x08, 0x96, 0x01, 0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0x1a, 3, b'a', b'b', b'c', 0x25, 2, 0, 0,
        0, 0x2b, 0x08, 0x01, 0x2c,
    ];
    let f = fields(&buf);
    let f: Vec<_> = f.into_iter().map(Result::unwrap).collect();
    assert_eq!(f[0].number, 1);
    assert_eq!(f[0].varint(), Ok(150));
    assert_eq!(f[0].raw, &[0x08, 0x96, 0x01]);
    assert_eq!(f[1].value, WireValue::I64(1));
    assert_eq!(f[2].str(), Ok("abc"));
    assert_eq!(f[2].value_offset(), 14);
    assert_eq!(f[3].value, WireValue::I32(2));
    assert_eq!(f[4].value, WireValue::Group(&[0x08, 0x01]));
    assert_eq!(f[4].offset, 22);
    assert_eq!(f[4].value_offset(), 23);
    assert_eq!(
        f[2].varint(),
        Err(Error::WireType {
            field: 3,
            wire_type: 2,
            offset: 12
        })
    );
}

#[test]
fn rejects_bad_keys_groups_and_lengths() {
    for (buf, err) in [
        (&[0x00u8, 0x00][..], Error::Key { offset: 0 }),
        (&[0x0e, 0x00], Error::Key { offset: 0 }), // wire type 6
        (&[0x0c], Error::Group { offset: 0 }),     // end group alone
        (&[0x0b, 0x14], Error::Group { offset: 1 }), // group 1 ended by group 2
        // Group 6 holding group 7 ended by group 8: each end names its own group.
        (&[0x33, 0x3b, 0x44, 0x34], Error::Group { offset: 2 }),
        (&[0x33, 0x3b, 0x34, 0x3c], Error::Group { offset: 2 }),
        (
            &[0x33, 0x3b, 0x4b, 0x4c, 0x34, 0x3c],
            Error::Group { offset: 4 },
        ),
        (
            &[0x0b, 0x08],
            Error::Truncated {
                offset: 2,
                needed: 1,
            },
        ),
        (
            &[0x0a, 0x05, 0x01],
            Error::Truncated {
                offset: 2,
                needed: 4,
            },
        ),
        (
            &[0x0a, 0x80],
            Error::Truncated {
                offset: 1,
                needed: 1,
            },
        ),
        (
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
            Error::Varint { offset: 1 },
        ),
    ] {
        let f = fields(buf);
        assert_eq!(f.last(), Some(&Err(err)), "{buf:02x?}");
    }
    let bad_utf8 = [0x0a, 0x02, b'a', 0xff];
    let f = Fields::new(&bad_utf8, 10, 0).next().unwrap().unwrap();
    assert_eq!(
        f.str(),
        Err(Error::Utf8 {
            field: 1,
            offset: 13
        })
    );
}

#[test]
fn bounds_group_nesting() {
    let mut deep = vec![0x0bu8; 40];
    deep.extend([0x0c; 40]);
    assert!(matches!(
        fields(&deep).last(),
        Some(Err(Error::Depth { .. }))
    ));
    let mut ok = vec![0x0bu8; 10];
    ok.extend([0x0c; 10]);
    assert!(fields(&ok).iter().all(Result::is_ok));
    // Nested groups of different numbers, closed in order; the deepest allowed.
    let ok = [0x33, 0x3b, 0x4b, 0x08, 0x01, 0x4c, 0x3c, 0x34, 0x08, 0x02];
    assert_eq!(fields(&ok).len(), 2);
    assert!(fields(&ok).iter().all(Result::is_ok));
    let mut deepest = vec![0x0bu8; usize::from(MAX_DEPTH)];
    deepest.extend([0x0c; MAX_DEPTH as usize]);
    assert!(
        fields(&deepest).iter().all(Result::is_ok),
        "{:?}",
        fields(&deepest).last()
    );
    let mut deeper = vec![0x0bu8; usize::from(MAX_DEPTH) + 1];
    deeper.extend([0x0c; MAX_DEPTH as usize + 1]);
    assert!(matches!(
        fields(&deeper).last(),
        Some(Err(Error::Depth { .. }))
    ));
}

#[test]
fn fast_len_agrees_with_general_reads() {
    let inputs: [&[u8]; 9] = [
        &[0x12, 0x02, 0x08, 0x01, 0x18, 0x00],
        &[0x12, 0x00],
        &[0x12, 0x03, 0x08, 0x01],
        &[0x12],
        &[0x12, 0x80, 0x01, 0x00],
        &[0x1a, 0x01, 0x00],
        &[0x92, 0x01, 0x00],
        &[],
        &[0x12, 0x7f],
    ];
    for buf in inputs {
        for depth in [0, MAX_DEPTH] {
            let mut fast = Fields::new(buf, 5, depth);
            let mut general = Fields::new(buf, 5, depth);
            if let Some(got) = fast.fast_len(0x12) {
                assert_eq!(general.next_key(), Ok(Some(0x12)));
                assert_eq!(general.read_len(), Ok(got));
                assert_eq!(fast.position(), general.position());
            } else {
                assert_eq!(fast.position(), 0);
            }
        }
    }
}

#[test]
fn fast_runs_are_fast_len_repeated() {
    let inputs: [&[u8]; 8] = [
        &[
            0x12, 0x02, 0x08, 0x01, 0x12, 0x00, 0x12, 0x01, 0x00, 0x18, 0x00,
        ],
        &[0x12, 0x00, 0x12, 0x00, 0x12],
        &[0x12, 0x03, 0x08, 0x01],
        &[0x12, 0x01, 0x00, 0x12, 0x80, 0x01, 0x00],
        &[0x08, 0x01, 0x12, 0x00],
        &[0x12, 0x7f],
        &[0x12, 0x01, 0x00, 0x1a, 0x01, 0x00],
        &[],
    ];
    for buf in inputs {
        for start in 0..=buf.len() {
            let mut run = Fields::new(buf, 5, 0);
            let mut one = Fields::new(buf, 5, 0);
            run.r.skip(start).unwrap();
            one.r.skip(start).unwrap();
            let mut n = 0;
            while one.fast_len(0x12).is_some() {
                n += 1;
            }
            assert_eq!(run.skip_fast_run(0x12), n, "{buf:02x?} {start}");
            assert_eq!(run.position(), one.position(), "{buf:02x?} {start}");
            assert_eq!(run.key_offset(), one.key_offset(), "{buf:02x?} {start}");
        }
    }
}

#[test]
fn varint_at_agrees_with_the_reader() {
    // Every varint length 1..=10, then 0 to 9 more bytes, read at offsets 0 and 3: the
    // word path, the tail path (fewer than 8 bytes left) and the reader's must agree, on
    // every prefix too (truncated: None where the reader fails).
    for len in 1..=10usize {
        for last in [0x00u8, 0x01, 0x7f] {
            let mut v = std::vec![0x80u8 | 0x35; len - 1];
            v.push(last);
            for extra in 0..=9 {
                let mut buf = std::vec![0x0au8, 0x0b, 0x0c];
                buf.extend_from_slice(&v);
                buf.extend(core::iter::repeat_n(0x7e, extra));
                for end in 3..=buf.len() {
                    for at in [0usize, 3] {
                        let b = &buf[..end];
                        let mut r = Reader::new(&b[at..]);
                        let want = r.varint().ok().map(|x| (x, at + r.position()));
                        assert_eq!(varint_at(b, at), want, "{b:02x?} {at}");
                        assert_eq!(short_varint_at(b, at), want, "{b:02x?} {at}");
                    }
                }
            }
        }
    }
    // Fields::read_varint (one byte and the word inline) agrees with the reader too.
    for len in 1..=11usize {
        for last in [0x00u8, 0x01, 0x02, 0x7f] {
            let mut v = std::vec![0xffu8; len - 1];
            v.push(last);
            for extra in [0usize, 1, 7, 9] {
                let mut buf = v.clone();
                buf.extend(core::iter::repeat_n(0x81, extra));
                for end in 1..=buf.len() {
                    let b = &buf[..end];
                    let mut r = Reader::new(b);
                    let want = r.varint().map(|x| (x, r.position()));
                    let mut f = Fields::new(b, 4, 0);
                    let got = f.read_varint().map(|x| (x, f.position()));
                    match want {
                        Ok(w) => assert_eq!(got, Ok(w), "{b:02x?}"),
                        Err(e) => assert_eq!(got, Err(Error::from(e).at(4)), "{b:02x?}"),
                    }
                }
            }
        }
    }
    assert_eq!(varint_at(&[0x01], 1), None);
    assert_eq!(varint_at(&[0x01], 5), None);
}

#[test]
#[allow(clippy::cast_possible_truncation)] // random bytes
fn varint_at_the_end_of_a_message_agrees_with_the_reader() {
    // Messages of 0 to 20 random bytes (high bits set more often than not, so varints of
    // every length end, or do not, at every distance from the end), read at every offset:
    // the one-word read of the last bytes (`varint_end`) must agree with the reader.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..4000 {
        let mut buf = Vec::new();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 21) as usize;
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = (x >> 24) as u8;
            buf.push(if x & 3 == 0 { b & 0x7f } else { b | 0x80 });
        }
        for at in 0..=len + 1 {
            let want = buf.get(at..).and_then(|rest| {
                let mut r = Reader::new(rest);
                r.varint().ok().map(|v| (v, at + r.position()))
            });
            assert_eq!(varint_at(&buf, at), want, "{buf:02x?} {at}");
            assert_eq!(short_varint_at(&buf, at), want, "{buf:02x?} {at}");
            assert_eq!(six_byte_varint_at(&buf, at), want, "{buf:02x?} {at}");
        }
    }
}

#[test]
fn six_byte_varints_agree_with_the_reader() {
    // Varints of every length around six bytes (and timestamps of this era), with and
    // without bytes after them, at offsets 0 and 2, on every prefix.
    let mut values = std::vec![0u64, 1, 127, 128, 1 << 34, (1 << 35) - 1, 1 << 35];
    values.extend([1_700_000_000_000, (1 << 42) - 1, 1 << 42, u64::MAX]);
    for v in values {
        let mut w = [0u8; 10];
        let k = {
            let mut wr = Writer::new(&mut w);
            wr.varint(v).unwrap();
            wr.finish()
        };
        for extra in [0usize, 1, 2, 5, 8] {
            let mut buf = std::vec![0x18u8, 0x7f];
            buf.extend_from_slice(&w[..k]);
            buf.extend(core::iter::repeat_n(0x90, extra));
            for end in 0..=buf.len() {
                let b = &buf[..end];
                for at in [0usize, 2] {
                    let want = b.get(at..).and_then(|rest| {
                        let mut r = Reader::new(rest);
                        r.varint().ok().map(|x| (x, at + r.position()))
                    });
                    assert_eq!(six_byte_varint_at(b, at), want, "{b:02x?} {at}");
                }
            }
        }
    }
}

#[test]
fn packed_varints() {
    let v: Vec<_> = PackedVarints::new(&[0x01, 0x96, 0x01, 0x0c], 0)
        .map(Result::unwrap)
        .collect();
    assert_eq!(v, [1, 150, 12]);
    let e: Vec<_> = PackedVarints::new(&[0x01, 0x96], 5).collect();
    assert_eq!(
        e[1],
        Err(Error::Truncated {
            offset: 6,
            needed: 1
        })
    );
}

#[test]
fn writes_fields() {
    let mut buf = [0u8; 32];
    let mut w = Writer::new(&mut buf);
    put_varint(&mut w, 1, 150).unwrap();
    put_bytes(&mut w, 16, b"xy").unwrap();
    put_float(&mut w, 12, 1.0).unwrap();
    put_double(&mut w, 13, 1.0).unwrap();
    let n = w.position();
    assert_eq!(
        n,
        varint_field_len(1, 150) + len_field_len(16, 2) + key_len(12) + 4 + key_len(13) + 8
    );
    assert_eq!(
        &buf[..n],
        &[
            0x08, 0x96, 0x01, 0x82, 0x01, 0x02, b'x', b'y', 0x65, 0, 0, 0x80, 0x3f, 0x69, 0, 0, 0,
            0, 0, 0, 0xf0, 0x3f
        ]
    );
}
