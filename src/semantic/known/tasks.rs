//! What a spawned task does with its own lifetime and outcome: the methods by which it polls a
//! stop signal it was handed, and by which it hands its outcome to someone who waits for it.
//! Each is trusted only on a receiver the task captured from its spawner (not one it made).

/// Waiting on a signal: a cancellation token, a channel or watch receiver, a `Notify`, a
/// `Weak` owner (`upgrade` fails once the owner is gone), a sender's `closed()` (every receiver
/// dropped), a graceful-shutdown watcher (`watcher.watch(conn)`: shutdown waits for it).
pub const STOP_POLLS: &[&str] = &[
    "cancelled",
    "cancelled_owned",
    "recv",
    "recv_async",
    "changed",
    "notified",
    "upgrade",
    "closed",
    "watch",
];

/// Taking only a weak reference to the owner (`Arc::downgrade(&inner)`, `tx.downgrade()`) in
/// the spawned expression: the task's own code stops once the owner is gone.
pub const WEAK_REFS: &[&str] = &["downgrade"];

/// Reading a flag, trusted only in a loop's or `if`'s condition (`while running.load(..)`).
pub const FLAG_POLLS: &[&str] = &["load", "is_cancelled"];

/// A server future that ends on a signal, wherever it appears in the spawned expression.
pub const GRACEFUL: &[&str] = &["with_graceful_shutdown"];

/// Sending the task's final value on a channel or oneshot (as the body's last statement).
pub const OUTCOME_SENDS: &[&str] = &[
    "send",
    "try_send",
    "send_replace",
    "unbounded_send",
    "blocking_send",
];
