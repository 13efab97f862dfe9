//! Calls that start concurrent work: runtime tasks, the blocking pool, OS threads.

/// Start an async task on the runtime; the returned handle carries its outcome.
pub const TASK_SPAWNS: &[&str] = &[
    "tokio::spawn",
    "tokio::task::spawn",
    "tokio::task::spawn_local",
    "async_std::task::spawn",
    "async_std::task::spawn_local",
    "async_std::spawn",
    "actix_rt::spawn",
    "actix::spawn",
];

/// Run a closure on the runtime's blocking pool.
pub const BLOCKING_SPAWNS: &[&str] = &[
    "tokio::task::spawn_blocking",
    "async_std::task::spawn_blocking",
];

/// Start an OS thread.
pub const THREAD_SPAWNS: &[&str] = &["std::thread::spawn"];
