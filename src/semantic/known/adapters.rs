//! Who runs a closure, and what paces a loop: shared by every rule that asks where code runs.

/// Methods that call their closure argument right away, on the caller's thread: iterator,
/// stream, `Option`/`Result`, entry and collection combinators. A closure passed to any other
/// call is a callback whose runner we cannot see.
pub const SYNC_ADAPTERS: &[&str] = &[
    "map",
    "map_err",
    "map_ok",
    "and_then",
    "or_else",
    "filter",
    "filter_map",
    "flat_map",
    "for_each",
    "try_for_each",
    "fold",
    "try_fold",
    "then",
    "inspect",
    "any",
    "all",
    "find",
    "find_map",
    "position",
    "take_while",
    "skip_while",
    "map_or",
    "map_or_else",
    "unwrap_or_else",
    "ok_or_else",
    "is_some_and",
    "is_ok_and",
    "retain",
    "sort_by",
    "sort_by_key",
    "max_by_key",
    "min_by_key",
    "partition",
    "with",
    "get_or_insert_with",
    "or_insert_with",
    "get_or_init",
    "get_or_try_init",
];

/// Functions that run their closure off the async executor: the runtimes' blocking pools, an
/// OS thread (see also `spawn::BLOCKING_SPAWNS` and `spawn::THREAD_SPAWNS`), rayon's pool.
pub const OFFLOAD_FNS: &[&str] = &[
    "tokio::task::block_in_place",
    "rayon::spawn",
    "rayon::spawn_fifo",
    "rayon::join",
    "rayon::scope",
    "rayon::in_place_scope",
    "smol::unblock",
    "blocking::unblock",
    "actix_web::web::block",
];

/// Methods of runtime handles, thread scopes and thread pools that run their closure off the
/// executor (`handle.spawn_blocking(..)`, `scope.spawn(..)`, `pool.install(..)`).
pub const OFFLOAD_METHODS: &[&str] = &[
    "spawn_blocking",
    "block_in_place",
    "spawn",
    "spawn_fifo",
    "scope",
    "in_place_scope",
    "install",
];

/// Iterator adapters that move the rest of a chain onto rayon's pool.
pub const PARALLEL_ITERS: &[&str] = &["par_iter", "par_iter_mut", "into_par_iter", "par_bridge"];

/// Words naming a timer or a rate limit (`sleep`, `sleep_until`, `interval.tick()`,
/// `limiter.until_ready()`): a loop that calls one paces itself, and a `select!` branch on one
/// is a deadline for the others.
pub const PACING: &[&str] = &[
    "sleep",
    "delay",
    "timer",
    "tick",
    "interval",
    "throttle",
    "until_ready",
    "until_n_ready",
];

/// Words naming a deadline (`timeout`, `timeout_at`, `with_deadline`): a call named so bounds
/// the future passed to it.
pub const DEADLINE_WORDS: &[&str] = &["timeout", "deadline"];

/// Does `name` contain one of `words` (case-insensitive)?
pub fn names_any(name: &str, words: &[&str]) -> bool {
    let n = name.to_ascii_lowercase();
    words.iter().any(|w| n.contains(w))
}

/// Macros whose body is an async generator, polled on the executor like an `async` block.
pub const ASYNC_GENERATORS: &[&str] = &["async_stream::stream", "async_stream::try_stream"];
