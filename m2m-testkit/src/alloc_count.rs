//! A global allocator that counts allocations per thread.
//!
//! A test binary installs it once:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: m2m_testkit::CountingAllocator = m2m_testkit::CountingAllocator;
//! ```
//!
//! and then checks closures with [`assert_no_alloc`] or [`allocations_in`]. Counting is per
//! thread, so the test harness running other tests in parallel does not disturb it. Without the
//! allocator installed, [`allocations_in`] returns `None` and [`assert_no_alloc`] panics, so a
//! forgotten installation cannot make a test pass vacuously.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

/// Counts every allocation and reallocation made by the current thread, then defers to
/// [`System`].
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAllocator;

static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

fn bump() {
    INSTALLED.store(true, Ordering::Relaxed);
    // `try_with` fails only during thread teardown; those allocations are not ours to count.
    let _ = COUNT.try_with(|c| c.set(c.get().wrapping_add(1)));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the counter
// is a const-initialised thread-local `Cell`, which neither allocates nor re-enters the allocator.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Runs `f` and returns its result with the number of allocations it made on this thread, or
/// `None` for the count when [`CountingAllocator`] is not the global allocator.
pub fn allocations_in<R>(f: impl FnOnce() -> R) -> (R, Option<u64>) {
    // Prove the allocator is installed: a real allocation must be seen.
    let probe_before = COUNT.with(Cell::get);
    drop(std::hint::black_box(Box::new(0u8)));
    let installed = INSTALLED.load(Ordering::Relaxed) && COUNT.with(Cell::get) != probe_before;
    let before = COUNT.with(Cell::get);
    let r = f();
    let after = COUNT.with(Cell::get);
    (r, installed.then(|| after.wrapping_sub(before)))
}

/// Runs `f` and panics if it allocated, or if [`CountingAllocator`] is not installed.
pub fn assert_no_alloc<R>(f: impl FnOnce() -> R) -> R {
    let (r, count) = allocations_in(f);
    match count {
        None => panic!("assert_no_alloc: CountingAllocator is not the #[global_allocator]"),
        Some(0) => r,
        Some(n) => panic!("assert_no_alloc: the closure made {n} allocation(s)"),
    }
}
