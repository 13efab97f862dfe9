//! Task handles: the types that name one, the calls that wait for several fail-fast, the
//! deadlines put on one, and the methods that stop the task behind it.

/// Handle types whose drop detaches the task (tokio's and async-std's `JoinHandle`): a local
/// or parameter declared with one (also inside `Vec<..>`) holds a running task.
pub const JOIN_HANDLE_TYPES: &[&str] = &["tokio::task::JoinHandle", "async_std::task::JoinHandle"];

/// Macros that poll several futures and return at the first `Err`, dropping the others.
pub const TRY_JOIN_MACROS: &[&str] = &[
    "tokio::try_join",
    "futures::try_join",
    "futures_util::try_join",
];

/// Macros that return an error from the enclosing fn (`bail!(..)`, a failed `ensure!(..)`):
/// as early a return as `?`.
pub const EARLY_RETURN_MACROS: &[&str] = &[
    "anyhow::bail",
    "anyhow::ensure",
    "eyre::bail",
    "eyre::ensure",
];

/// The same as functions: a future of the joined futures' outputs, or the first `Err`.
pub const TRY_JOIN_FNS: &[&str] = &[
    "futures::future::try_join",
    "futures::future::try_join3",
    "futures_util::future::try_join",
];

/// Calls that put a deadline on the future passed last (`timeout(d, fut)`): when it elapses the
/// future, here a handle, is dropped.
pub const TIMEOUT_FNS: &[&str] = &[
    "tokio::time::timeout",
    "tokio::time::timeout_at",
    "async_std::future::timeout",
];

/// The same deadline as a method of the future (`tokio_util::time::FutureExt::timeout`,
/// async-std's `FutureExt::timeout`), trusted only on a recognized handle.
pub const TIMEOUT_METHODS: &[&str] = &["timeout", "timeout_at"];

/// Stopping the task behind a handle or an abort handle.
pub const ABORTS: &[&str] = &["abort"];

/// async-std's `JoinHandle::cancel`: trusted only on a recognized handle (a token's `cancel`
/// is something else).
pub const CANCELS: &[&str] = &["cancel"];

/// Methods that take an abort handle from a `JoinHandle` (`let ah = h.abort_handle();`):
/// whoever holds it can stop the task though the handle itself was moved, so a fn that takes
/// one has chosen how the task ends.
pub const ABORT_HANDLES: &[&str] = &["abort_handle"];

/// `select!` macros: a branch awaiting a handle raced against a timer is a deadline on it.
pub const SELECT_MACROS: &[&str] = &[
    "tokio::select",
    "futures::select",
    "futures::select_biased",
    "futures_util::select",
];

/// Words of a fn's or collection's name that say each task's result stands on its own
/// (`notify_subscribers`, `broadcast`): there the author more likely wants collect-all than
/// fail-fast, and the help says so first.
pub const COLLECT_ALL_WORDS: &[&str] = &["notify", "broadcast", "subscriber", "webhook", "publish"];
