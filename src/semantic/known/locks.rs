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

/// Methods of a sync lock that return a guard (with no arguments, not awaited); the `try_`
/// forms return it in a `Result`/`Option` (`if let Ok(g) = m.try_lock()`).
pub const GUARD_METHODS: &[&str] = &["lock", "read", "write", "try_lock", "try_read", "try_write"];

/// Methods of a `RefCell` that return a borrow guard (`try_` forms in a `Result`).
pub const BORROW_METHODS: &[&str] = &["borrow", "borrow_mut", "try_borrow", "try_borrow_mut"];

/// Methods of a `tracing::Span` that enter it until the guard drops.
pub const SPAN_ENTERS: &[&str] = &["enter", "entered"];

/// The word that names a tracing span in its constructors (`info_span!`, `Span::current()`) and,
/// by convention, in the bindings and fields that hold one.
pub const SPAN_WORDS: &[&str] = &["span"];

/// Standard streams whose `.lock()` is a reentrant stream lock, not a data lock.
pub const STD_STREAMS: &[&str] = &["std::io::stdout", "std::io::stderr", "std::io::stdin"];
