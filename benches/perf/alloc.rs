//! A counting global allocator: the bytes live now and the most live since the last reset (the
//! peak memory of a piece of work is `peak() − reset_peak()`), and the same peak with the
//! sandbox's own work left out (`engine_peak()`): while the sandbox builds an answer
//! ([`begin_outside`] … [`end_outside`]) only the overall peak moves; once the answer is handed over it counts as the
//! engine's, as a body received from the network would.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

pub struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ENGINE_PEAK: AtomicUsize = AtomicUsize::new(0);
static OUTSIDE: AtomicBool = AtomicBool::new(false);

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Relaxed) + bytes;
    PEAK.fetch_max(now, Relaxed);
    if !OUTSIDE.load(Relaxed) {
        ENGINE_PEAK.fetch_max(now, Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            CURRENT.fetch_sub(layout.size(), Relaxed);
            grew(new_size);
        }
        p
    }
}

pub fn current() -> usize {
    CURRENT.load(Relaxed)
}

pub fn peak() -> usize {
    PEAK.load(Relaxed)
}

/// The peak of the engine's own memory (see the module documentation).
pub fn engine_peak() -> usize {
    ENGINE_PEAK.load(Relaxed)
}

/// Start a new peak from what is live now; returns that baseline.
pub fn reset_peak() -> usize {
    let now = current();
    PEAK.store(now, Relaxed);
    ENGINE_PEAK.store(now, Relaxed);
    now
}

/// From now on the sandbox is at work (building an answer): not the engine's peak.
pub fn begin_outside() {
    OUTSIDE.store(true, Relaxed);
}

/// The sandbox's work is over; what it left live (the answer) counts from now on.
pub fn end_outside() {
    OUTSIDE.store(false, Relaxed);
    ENGINE_PEAK.fetch_max(current(), Relaxed);
}
