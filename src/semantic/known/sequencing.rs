//! What makes per-item async work sequential on purpose: handles used one call at a time,
//! waits on work that already runs, pacing, locks, and the words authors use to say so.

/// Methods that use a handle one call at a time: sinks and senders, writers, readers and
/// streams, connections and transactions, locks and permits, services. Trusted only when the
/// receiver is a place shared by every iteration (a variable or field from outside the loop).
pub const SEQUENTIAL_METHODS: &[&str] = &[
    "send",
    "send_all",
    "feed",
    "emit",
    "write",
    "write_all",
    "write_buf",
    "flush",
    "shutdown",
    "close",
    "next",
    "try_next",
    "recv",
    "read",
    "read_exact",
    "read_to_end",
    "read_line",
    "execute",
    "query",
    "commit",
    "rollback",
    "lock",
    "acquire",
    "acquire_owned",
    "wait",
    "changed",
    "notified",
    "ready",
    "call",
    "accept",
];

/// Methods that wait for work that already runs elsewhere, trusted only on the loop item
/// itself (`for h in handles { h.join().await }`): the loop only collects results.
pub const ITEM_WAITS: &[&str] = &[
    "join",
    "wait",
    "recv",
    "changed",
    "notified",
    "closed",
    "lock",
    "acquire",
    "cancelled",
];

/// Zero-argument methods that take a lock (`std`/`tokio` `Mutex::lock`, `RwLock::read` and
/// `write`). Trusted on a receiver the crate declares as a lock (a field or static), or, with
/// no argument, on a place shared by every iteration of a loop.
pub const LOCK_METHODS: &[&str] = &["lock", "read", "write", "try_lock", "lock_owned"];

/// Words (in a called fn's or method's name, `_`-separated) that say the loop is paced on
/// purpose: timers, interval ticks, rate limiters and backoff.
pub const PACING_WORDS: &[&str] = &[
    "sleep",
    "delay",
    "tick",
    "throttle",
    "backoff",
    "rate_limit",
    "until_ready",
];

/// Phrases of a comment above a loop (or words of the enclosing fn's name, with `_` for
/// spaces) by which the author says the iterations run one after another on purpose.
pub const SEQUENTIAL_INTENT: &[&str] = &[
    "sequential",
    "in order",
    "one at a time",
    "one by one",
    "serially",
    "in sequence",
    "serialize",
    "not concurrently",
    "rate limit",
];

/// Words that negate an intent phrase a few words later ("no need to run them one at a
/// time"); any word ending in "n't" negates too.
pub const NEGATIONS: &[&str] = &["not", "no", "never", "without"];

/// Markers of a note about work still to do, and the words of the change it asks for: a
/// "TODO: run these concurrently" says the loop should not stay sequential.
pub const TODO_MARKERS: &[&str] = &["todo", "fixme"];
pub const CONCURRENCY_WORDS: &[&str] = &["parallel", "concurren"];

/// Methods that change a std collection in place (`seen.push(url)`): its state is carried
/// from one iteration of a loop to the next.
pub const COLLECTION_MUTATORS: &[&str] = &[
    "push",
    "push_back",
    "push_front",
    "insert",
    "extend",
    "append",
    "remove",
    "retain",
    "truncate",
    "clear",
];

/// Stream wrappers over a receiver, a listener or a timer: a stream of events that arrive one
/// by one, not of data already at hand. `for_each` over one is a consumer, like
/// `while let Some(x) = rx.recv().await`.
pub const EVENT_STREAMS: &[&str] = &[
    "tokio_stream::wrappers::ReceiverStream",
    "tokio_stream::wrappers::UnboundedReceiverStream",
    "tokio_stream::wrappers::BroadcastStream",
    "tokio_stream::wrappers::WatchStream",
    "tokio_stream::wrappers::TcpListenerStream",
    "tokio_stream::wrappers::IntervalStream",
];

/// Stream combinators that run one item's future after another.
pub const SEQUENTIAL_STREAM_METHODS: &[&str] = &["for_each", "try_for_each", "then"];

/// Futures that do no work: a `.then(|x| ready(x))` is a map, not per-item I/O.
pub const NO_WORK_FUTURES: &[&str] = &[
    "futures::future::ok",
    "futures::future::err",
    "futures::future::ready",
    "futures::future::lazy",
    "futures::future::pending",
    "std::future::ready",
];
