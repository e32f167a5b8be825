//! A global allocator that holds a process to a heap ceiling (issue #15: `trinhky verify`
//! answers within 256 MB whatever a third-party parser does). See `trinhky_pdf::limits` for
//! why a counting allocator rather than `setrlimit`.
//!
//! Unarmed, [`CappedAllocator`] forwards to [`System`] after one relaxed atomic load. Once
//! [`arm_memory_ceiling`] was called it counts the bytes live on the heap (net, from the
//! moment of arming) and, before an allocation would cross the ceiling, writes the armed
//! message to stderr and exits the process with status 2 — a clear "indeterminate" answer
//! instead of the abort an allocation failure would be. It also keeps the peak
//! ([`heap_peak`]), which the tests use to measure a reader's memory.
//!
//! This is the only crate of the workspace with unsafe code: `GlobalAlloc` is an unsafe
//! trait. The impl only forwards each call to `System` with its arguments unchanged.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

/// The message written when none was armed.
const DEFAULT_MESSAGE: &str = "error: memory limit exceeded";

static ARMED: AtomicBool = AtomicBool::new(false);
static TRIPPED: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static CEILING: AtomicIsize = AtomicIsize::new(isize::MAX);
static MESSAGE: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// A global allocator that, once [`arm_memory_ceiling`] was called, counts
/// the bytes live on the heap and ends the process with status 2 and a
/// message on stderr before an allocation would cross the ceiling. Install it
/// in a binary with `#[global_allocator]`; unarmed it only forwards to
/// [`System`].
#[derive(Debug, Default)]
pub struct CappedAllocator;

/// Start counting: from now on the heap may grow by at most `bytes` (counted
/// from the moment of arming); beyond it the process writes `message` and a
/// newline to stderr and exits with status 2.
pub fn arm_memory_ceiling(bytes: usize, message: &'static str) {
    let _ = MESSAGE.set(message);
    CEILING.store(
        isize::try_from(bytes).unwrap_or(isize::MAX),
        Ordering::SeqCst,
    );
    LIVE.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
}

/// The most bytes (net) allocated at once since arming.
pub fn heap_peak() -> isize {
    PEAK.load(Ordering::Relaxed)
}

/// Bytes allocated (net) since arming.
pub fn heap_in_use() -> isize {
    LIVE.load(Ordering::Relaxed)
}

#[cold]
fn over_ceiling() -> ! {
    use std::io::Write;
    // Allocations from here on (stderr, exit handlers) pass through uncounted.
    TRIPPED.store(true, Ordering::SeqCst);
    let msg = MESSAGE.get().copied().unwrap_or(DEFAULT_MESSAGE);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(msg.as_bytes());
    let _ = err.write_all(b"\n");
    let _ = err.flush();
    std::process::exit(2)
}

impl CappedAllocator {
    fn charge(size: usize) {
        if ARMED.load(Ordering::Relaxed) && !TRIPPED.load(Ordering::Relaxed) {
            let n = isize::try_from(size).unwrap_or(isize::MAX);
            let live = LIVE.fetch_add(n, Ordering::Relaxed).saturating_add(n);
            PEAK.fetch_max(live, Ordering::Relaxed);
            if live > CEILING.load(Ordering::Relaxed) {
                over_ceiling();
            }
        }
    }

    fn refund(size: usize) {
        if ARMED.load(Ordering::Relaxed) {
            LIVE.fetch_sub(isize::try_from(size).unwrap_or(0), Ordering::Relaxed);
        }
    }
}

#[allow(unsafe_code)]
// SAFETY: every call forwards to `System` with the same arguments; the
// counting around it neither touches the memory nor changes the layout.
unsafe impl GlobalAlloc for CappedAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::charge(layout.size());
        // SAFETY: forwarded unchanged (the caller upholds `alloc`'s contract).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::charge(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Self::refund(layout.size());
        // SAFETY: `ptr` came from `System` with this layout (every path above).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            Self::charge(new_size - layout.size());
        } else {
            Self::refund(layout.size() - new_size);
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
