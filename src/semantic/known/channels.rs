//! Channel constructors and the words that name what a channel carries.

/// How a library spells its bounded constructor, for the suggested replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `tokio::sync::mpsc::unbounded_channel` → `channel(N)`.
    Tokio,
    /// `futures::channel::mpsc::unbounded` → `channel(N)`.
    Futures,
    /// `async_channel`/`async_std`/`smol` `unbounded`, kanal's `unbounded_async` → `bounded(N)`,
    /// whose `send(msg)` is a future.
    Bounded,
    /// `flume::unbounded` → `bounded(N)`: `send_async(msg).await` waits, `send` blocks.
    Flume,
    /// `crossbeam_channel`'s and kanal's sync `unbounded` → `bounded(N)`: `send` blocks the thread.
    Blocking,
}

#[derive(Debug)]
pub struct Ctor {
    pub path: &'static str,
    pub family: Family,
    /// The bounded constructor's name in the same module.
    pub bounded: &'static str,
    /// A library for threads as much as for tasks: where its sender goes decides.
    pub thread_capable: bool,
}

const fn ctor(
    path: &'static str,
    family: Family,
    bounded: &'static str,
    thread_capable: bool,
) -> Ctor {
    Ctor {
        path,
        family,
        bounded,
        thread_capable,
    }
}

pub const UNBOUNDED_CTORS: &[Ctor] = &[
    ctor(
        "tokio::sync::mpsc::unbounded_channel",
        Family::Tokio,
        "channel",
        false,
    ),
    ctor(
        "futures::channel::mpsc::unbounded",
        Family::Futures,
        "channel",
        false,
    ),
    ctor(
        "futures_channel::mpsc::unbounded",
        Family::Futures,
        "channel",
        false,
    ),
    ctor(
        "async_channel::unbounded",
        Family::Bounded,
        "bounded",
        false,
    ),
    ctor(
        "async_std::channel::unbounded",
        Family::Bounded,
        "bounded",
        false,
    ),
    ctor(
        "smol::channel::unbounded",
        Family::Bounded,
        "bounded",
        false,
    ),
    ctor(
        "kanal::unbounded_async",
        Family::Bounded,
        "bounded_async",
        false,
    ),
    ctor("flume::unbounded", Family::Flume, "bounded", true),
    ctor(
        "crossbeam_channel::unbounded",
        Family::Blocking,
        "bounded",
        true,
    ),
    ctor(
        "crossbeam::channel::unbounded",
        Family::Blocking,
        "bounded",
        true,
    ),
    ctor("kanal::unbounded", Family::Blocking, "bounded", true),
];

/// The constructor paths, for the catalog test.
pub const UNBOUNDED_CTOR_PATHS: &[&str] = &[
    "tokio::sync::mpsc::unbounded_channel",
    "futures::channel::mpsc::unbounded",
    "futures_channel::mpsc::unbounded",
    "async_channel::unbounded",
    "async_std::channel::unbounded",
    "smol::channel::unbounded",
    "kanal::unbounded_async",
    "flume::unbounded",
    "crossbeam_channel::unbounded",
    "crossbeam::channel::unbounded",
    "kanal::unbounded",
];

/// Sender methods that put a message in the queue.
pub const SEND_METHODS: &[&str] = &["send", "unbounded_send", "try_send", "send_async"];

/// Methods that reach a sender kept behind a lock or an `Option` in a field
/// (`self.tx.lock().await.send(..)`, `self.tx.as_ref().unwrap().send(..)`).
pub const SENDER_ACCESS: &[&str] = &[
    "lock", "read", "write", "unwrap", "expect", "as_ref", "as_mut", "clone", "borrow",
];

/// Words naming a reply channel inside a message type (`oneshot::Sender`, a `Responder<T>` or
/// `ReplyTx` alias): each producer waits for its answer. A plain `Response` value is no reply
/// channel.
pub const REPLY_WORDS: &[&str] = &["oneshot", "reply", "responder", "acknowledg"];

/// Words naming a shutdown or cancellation signal: a handful of messages per run.
pub const NOTIFICATION_WORDS: &[&str] = &[
    "shutdown", "stop", "cancel", "close", "quit", "exit", "kill", "terminat", "abort",
];
