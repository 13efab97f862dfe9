//! Lock and cell types whose guards must not live across an `.await`.

/// Locks whose `.lock()`/`.read()`/`.write()` return a guard that blocks the thread.
pub const SYNC_LOCKS: &[&str] = &[
    "std::sync::Mutex",
    "std::sync::RwLock",
    "parking_lot::Mutex",
    "parking_lot::RwLock",
    "parking_lot::FairMutex",
    "parking_lot::ReentrantMutex",
    "spin::Mutex",
    "spin::RwLock",
];

/// Cells whose `.borrow()`/`.borrow_mut()` return a guard.
pub const REF_CELLS: &[&str] = &["std::cell::RefCell", "core::cell::RefCell"];
