//! The counting allocator sees allocations and only those.

use m2m_testkit::{CountingAllocator, allocations_in, assert_no_alloc};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

#[test]
fn counts_allocations_of_the_closure_only() {
    let (v, n) = allocations_in(|| vec![1u8, 2, 3]);
    assert_eq!(v.len(), 3);
    assert_eq!(n, Some(1));
    let (_, n) = allocations_in(|| {
        let mut s = String::new();
        for i in 0..100 {
            s.push_str(&i.to_string());
        }
        s
    });
    assert!(n.unwrap() > 100, "got {n:?}");
}

#[test]
fn non_allocating_closure_passes() {
    let data = [1u16, 2, 3];
    let sum = assert_no_alloc(|| data.iter().map(|&x| u32::from(x)).sum::<u32>());
    assert_eq!(sum, 6);
}

#[test]
#[should_panic(expected = "made 1 allocation")]
fn allocating_closure_fails() {
    assert_no_alloc(|| Box::new(5u32));
}
