//! Cancellation: which operations lose something when their future is dropped before it
//! completes (tokio's "Cancel safety" sections and the `select!` documentation), which futures
//! are never polled unless awaited, and cancellation tokens.
//!
//! The method lists are trusted only on a future raced as a `select!` branch, where the
//! receiver must be an async reader, writer, channel or lock (a blocking `read_exact` returns
//! no future and cannot be a branch).

/// Partial I/O is lost: `AsyncReadExt::read_exact`, `read_to_end`, `read_to_string` (tokio's
/// `select!` docs), the multi-byte integer and float readers ("some data may be lost"),
/// `AsyncWriteExt::write_all` ("the provided buffer may have been partially written"),
/// `AsyncBufReadExt::read_line` ("this data is lost").
pub const PARTIAL_IO: &[&str] = &[
    "read_exact",
    "read_to_end",
    "read_to_string",
    "write_all",
    "read_line",
    "read_u16",
    "read_i16",
    "read_u32",
    "read_i32",
    "read_u64",
    "read_i64",
    "read_u128",
    "read_i128",
    "read_f32",
    "read_f64",
    "read_u16_le",
    "read_i16_le",
    "read_u32_le",
    "read_i32_le",
    "read_u64_le",
    "read_i64_le",
    "read_u128_le",
    "read_i128_le",
    "read_f32_le",
    "read_f64_le",
];

/// The value handed in is lost with the future: `mpsc::Sender::send(value)` ("the message is
/// dropped and will be lost"), `SinkExt::send(item)` (its future owns the item until the sink
/// accepts it). Trusted with exactly one argument (`RequestBuilder::send()` takes none).
pub const VALUE_SENDS: &[&str] = &["send"];

/// A place in a fair queue is lost: `Mutex::lock`/`lock_owned`, `Notify::notified`/
/// `notified_owned`, `mpsc::Sender::reserve`/`reserve_owned` ("makes you lose your place in
/// the queue"). Names specific enough to trust on any branch future, with no arguments
/// (`Vec::reserve(n)` takes one).
pub const QUEUE_WAITS: &[&str] = &[
    "lock",
    "lock_owned",
    "notified",
    "notified_owned",
    "reserve",
    "reserve_owned",
];

/// Crates whose locks, semaphores and `Notify` document a fair queue: queue waits are reported
/// only in packages that depend on one.
pub const FAIR_QUEUE_CRATES: &[&str] = &["tokio"];

/// Queue waits whose names other types share (a connection pool's `acquire`, an
/// `AsyncRead`'s `read`): trusted only on a receiver of the type that owns them (a parameter
/// or local of that named type).
pub const SEMAPHORE_WAITS: &[&str] = &[
    "acquire",
    "acquire_many",
    "acquire_owned",
    "acquire_many_owned",
];
pub const SEMAPHORE_TYPE: &[&str] = &["tokio::sync::Semaphore"];
pub const RWLOCK_WAITS: &[&str] = &["read", "write", "read_owned", "write_owned"];
pub const RWLOCK_TYPE: &[&str] = &["tokio::sync::RwLock"];

/// Documented cancel safe or resumable (tokio's `select!` docs and per-method sections:
/// `recv`, `accept`, `read`, `read_buf`, `write`, `write_buf`, `read_u8`/`read_i8`, `flush`,
/// `fill_buf`, `next_line`, `changed`, `write_all_buf` and `read_until` (progress kept in the
/// buffer), `StreamExt::next`), and timers: a method of the crate with one of these names is not
/// taken for a wrapper when its receiver's type is unknown.
pub const CANCEL_SAFE: &[&str] = &[
    "recv",
    "recv_many",
    "accept",
    "read",
    "read_buf",
    "write",
    "write_buf",
    "write_vectored",
    "read_u8",
    "read_i8",
    "flush",
    "fill_buf",
    "next_line",
    "changed",
    "write_all_buf",
    "read_until",
    "next",
    "tick",
    "sleep",
    "cancelled",
    "closed",
];

/// Adapters that wrap a branch future without changing what it is (`futures::select!` needs
/// `.fuse()`).
pub const BRANCH_ADAPTERS: &[&str] = &[
    "fuse",
    "boxed",
    "instrument",
    "in_current_span",
    "map",
    "map_err",
];

/// Async API whose future does nothing until polled, by path: a `let _ = ..` of one drops the
/// work unstarted.
pub const LAZY_ASYNC_FNS: &[&str] = &[
    "tokio::time::sleep",
    "tokio::time::timeout",
    "tokio::task::yield_now",
    "tokio::signal::ctrl_c",
    "tokio::fs::write",
    "tokio::fs::remove_file",
    "tokio::fs::remove_dir_all",
    "tokio::fs::create_dir_all",
    "tokio::fs::rename",
    "tokio::fs::copy",
    "reqwest::get",
];

/// `RequestBuilder::send()` of reqwest's async client (`client.post(url).json(&b).send()`): a
/// future; trusted on a chain that starts a request (`timeout::REQUEST_VERBS`), in async code,
/// in a package that depends on reqwest and whose file does not use `reqwest::blocking`.
pub const REQUEST_SENDS: &[&str] = &["send"];
pub const ASYNC_HTTP_CRATES: &[&str] = &["reqwest"];
pub const BLOCKING_HTTP_MODULES: &[&str] = &["reqwest::blocking"];

/// Senders whose `send(value)` is a future: `let _ = tx.send(v);` never sends. (std's,
/// tokio's unbounded, broadcast and oneshot senders send at once.)
pub const ASYNC_SENDERS: &[&str] = &["tokio::sync::mpsc::Sender", "async_channel::Sender"];
/// Constructors of such channels: `let (tx, rx) = mpsc::channel(n);`.
pub const ASYNC_CHANNELS: &[&str] = &[
    "tokio::sync::mpsc::channel",
    "async_channel::bounded",
    "async_channel::unbounded",
];

/// The cancellation token type, and its constructors that make a new root token.
pub const TOKEN_TYPES: &[&str] = &["tokio_util::sync::CancellationToken"];
pub const TOKEN_CTORS: &[&str] = &[
    "tokio_util::sync::CancellationToken::new",
    "tokio_util::sync::CancellationToken::default",
];

/// Types whose `new` only wraps its argument (`Arc::new(token)`): the value's fate is the
/// wrapper's. Enum variants and tuple structs (`Some(token)`, `Scope(token)`) wrap too.
pub const VALUE_WRAPPERS: &[&str] = &[
    "std::sync::Arc",
    "std::rc::Rc",
    "std::boxed::Box",
    "std::sync::Mutex",
    "std::sync::RwLock",
    "std::cell::RefCell",
];

/// Methods by which a fn wires a token it made to its own signal: it cancels it itself, or
/// ties it to a scope (`drop_guard`).
pub const TOKEN_WIRING: &[&str] = &["cancel", "drop_guard", "drop_guard_ref"];
