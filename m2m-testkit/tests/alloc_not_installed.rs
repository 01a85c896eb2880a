//! Without the counting allocator installed, the check refuses to pass vacuously.

#[test]
#[should_panic(expected = "is not the #[global_allocator]")]
fn refuses_without_the_allocator() {
    m2m_testkit::assert_no_alloc(|| 1 + 1);
}

#[test]
fn reports_unknown_count() {
    assert_eq!(m2m_testkit::allocations_in(|| 0).1, None);
}
