//! The one catalog of external API knowledge.
//!
//! Everything the rules know about libraries lives here, as data: which calls spawn a task, which
//! types are locks, which calls block, which wrappers set a deadline, and so on. Each entry is
//! either the path of a real library API (`tokio::task::spawn_blocking`), a method name that is
//! only trusted on a receiver the rule has already recognized, or a general English word that
//! names a pattern where a rule must rely on the author's stated intent (`sequential`).
//!
//! Rules never spell an external name themselves. `tests/conventions.rs` demands that every
//! entry of every list in [`LISTS`] is exercised by at least one fixture line (flagged or not),
//! so an entry that no test needs cannot stay.

pub mod adapters;
pub mod attrs;
pub mod blocking;
pub mod cancel;
pub mod channels;
pub mod handles;
pub mod join;
pub mod locks;
pub mod sequencing;
pub mod spawn;
pub mod tasks;
pub mod timeout;

/// The item name of a catalog path (`tokio::task::spawn` → `spawn`), without the setup cost
/// of a substring search: rules compare it with an identifier before resolving anything.
pub fn last_segment(path: &str) -> &str {
    // A plain loop: catalog paths are short, and `rfind` sets up a vectorized search per call.
    match path.bytes().rposition(|b| b == b':') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// What the entries of a list are, which decides how the coverage test looks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `crate::module::item` paths, matched through name resolution. A fixture must name the
    /// item (its last segment) and the crate it comes from.
    Paths,
    /// Method or field names, trusted only on a receiver recognized by other means (a type, a
    /// resolved constructor). A fixture must call them.
    Methods,
    /// Words of intent or convention, matched in identifiers or comments. A fixture must use them.
    Words,
    /// Crates or modules (`fs_err`, `reqwest::blocking`): every function in them counts. A
    /// fixture must name the crate and the module's last segment.
    Modules,
}

/// One named list of the catalog.
#[derive(Debug)]
pub struct List {
    /// `module::NAME`, for the coverage test's messages.
    pub name: &'static str,
    pub kind: Kind,
    pub entries: &'static [&'static str],
}

/// The last segment of every API path and module of the catalog: the names of the calls rules
/// look for (a macro body naming none of them is not worth parsing). Method names are left
/// out: they are trusted only on a receiver recognized by such a call.
pub fn vocabulary() -> &'static std::collections::HashSet<&'static str> {
    static WORDS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| {
            LISTS
                .iter()
                .filter(|l| matches!(l.kind, Kind::Paths | Kind::Modules))
                .flat_map(|l| l.entries.iter().map(|e| last_segment(e)))
                .collect()
        });
    &WORDS
}

/// The crate (first segment) of every API path and module of the catalog: `crossterm`,
/// `reqwest`, `tokio`, ... A dependency that re-exports one of them at its root
/// (`ratatui::crossterm`) exposes the same API.
pub fn crate_roots() -> &'static std::collections::HashSet<&'static str> {
    static ROOTS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| {
            LISTS
                .iter()
                .filter(|l| matches!(l.kind, Kind::Paths | Kind::Modules))
                .flat_map(|l| l.entries.iter().filter_map(|e| e.split("::").next()))
                .collect()
        });
    &ROOTS
}

/// Every list of the catalog, for the coverage test.
pub static LISTS: &[List] = &[
    List {
        name: "attrs::INERT_ATTRS",
        kind: Kind::Methods,
        entries: attrs::INERT_ATTRS,
    },
    List {
        name: "attrs::INERT_TOOLS",
        kind: Kind::Methods,
        entries: attrs::INERT_TOOLS,
    },
    List {
        name: "attrs::INERT_PATHS",
        kind: Kind::Paths,
        entries: attrs::INERT_PATHS,
    },
    List {
        name: "spawn::TASK_SPAWNS",
        kind: Kind::Paths,
        entries: spawn::TASK_SPAWNS,
    },
    List {
        name: "spawn::BLOCKING_SPAWNS",
        kind: Kind::Paths,
        entries: spawn::BLOCKING_SPAWNS,
    },
    List {
        name: "spawn::THREAD_SPAWNS",
        kind: Kind::Paths,
        entries: spawn::THREAD_SPAWNS,
    },
    List {
        name: "spawn::THREAD_BUILDERS",
        kind: Kind::Paths,
        entries: spawn::THREAD_BUILDERS,
    },
    List {
        name: "spawn::TASK_BUILDERS",
        kind: Kind::Paths,
        entries: spawn::TASK_BUILDERS,
    },
    List {
        name: "spawn::RUNTIME_CONTEXT",
        kind: Kind::Paths,
        entries: spawn::RUNTIME_CONTEXT,
    },
    List {
        name: "spawn::RUNTIME_CONTEXT_METHODS",
        kind: Kind::Methods,
        entries: spawn::RUNTIME_CONTEXT_METHODS,
    },
    List {
        name: "spawn::RUNTIME_TYPES",
        kind: Kind::Paths,
        entries: spawn::RUNTIME_TYPES,
    },
    List {
        name: "spawn::RUNTIME_CONSTRUCTORS",
        kind: Kind::Paths,
        entries: spawn::RUNTIME_CONSTRUCTORS,
    },
    List {
        name: "spawn::RUNTIME_HANDLE_METHODS",
        kind: Kind::Methods,
        entries: spawn::RUNTIME_HANDLE_METHODS,
    },
    List {
        name: "spawn::SPAWNABLE_TRAITS",
        kind: Kind::Paths,
        entries: spawn::SPAWNABLE_TRAITS,
    },
    List {
        name: "spawn::BOXED_FUTURES",
        kind: Kind::Paths,
        entries: spawn::BOXED_FUTURES,
    },
    List {
        name: "attrs::AWAITED_ADAPTERS",
        kind: Kind::Methods,
        entries: attrs::AWAITED_ADAPTERS,
    },
    List {
        name: "tasks::STOP_POLLS",
        kind: Kind::Methods,
        entries: tasks::STOP_POLLS,
    },
    List {
        name: "tasks::WEAK_REFS",
        kind: Kind::Methods,
        entries: tasks::WEAK_REFS,
    },
    List {
        name: "tasks::FLAG_POLLS",
        kind: Kind::Methods,
        entries: tasks::FLAG_POLLS,
    },
    List {
        name: "tasks::GRACEFUL",
        kind: Kind::Methods,
        entries: tasks::GRACEFUL,
    },
    List {
        name: "tasks::OUTCOME_SENDS",
        kind: Kind::Methods,
        entries: tasks::OUTCOME_SENDS,
    },
    List {
        name: "locks::SYNC_LOCKS",
        kind: Kind::Paths,
        entries: locks::SYNC_LOCKS,
    },
    List {
        name: "locks::REF_CELLS",
        kind: Kind::Paths,
        entries: locks::REF_CELLS,
    },
    List {
        name: "locks::GUARD_METHODS",
        kind: Kind::Methods,
        entries: locks::GUARD_METHODS,
    },
    List {
        name: "locks::BORROW_METHODS",
        kind: Kind::Methods,
        entries: locks::BORROW_METHODS,
    },
    List {
        name: "locks::SPAN_ENTERS",
        kind: Kind::Methods,
        entries: locks::SPAN_ENTERS,
    },
    List {
        name: "locks::SPAN_WORDS",
        kind: Kind::Words,
        entries: locks::SPAN_WORDS,
    },
    List {
        name: "locks::STD_STREAMS",
        kind: Kind::Paths,
        entries: locks::STD_STREAMS,
    },
    List {
        name: "adapters::SYNC_ADAPTERS",
        kind: Kind::Methods,
        entries: adapters::SYNC_ADAPTERS,
    },
    List {
        name: "adapters::OFFLOAD_FNS",
        kind: Kind::Paths,
        entries: adapters::OFFLOAD_FNS,
    },
    List {
        name: "adapters::OFFLOAD_METHODS",
        kind: Kind::Methods,
        entries: adapters::OFFLOAD_METHODS,
    },
    List {
        name: "adapters::PARALLEL_ITERS",
        kind: Kind::Methods,
        entries: adapters::PARALLEL_ITERS,
    },
    List {
        name: "adapters::PACING",
        kind: Kind::Words,
        entries: adapters::PACING,
    },
    List {
        name: "adapters::DEADLINE_WORDS",
        kind: Kind::Words,
        entries: adapters::DEADLINE_WORDS,
    },
    List {
        name: "blocking::FS_MODULES",
        kind: Kind::Modules,
        entries: blocking::FS_MODULES,
    },
    List {
        name: "blocking::FILE_TYPES",
        kind: Kind::Paths,
        entries: blocking::FILE_TYPES,
    },
    List {
        name: "blocking::FILE_OPENS",
        kind: Kind::Methods,
        entries: blocking::FILE_OPENS,
    },
    List {
        name: "blocking::OPEN_OPTIONS",
        kind: Kind::Paths,
        entries: blocking::OPEN_OPTIONS,
    },
    List {
        name: "blocking::FILE_IO_METHODS",
        kind: Kind::Methods,
        entries: blocking::FILE_IO_METHODS,
    },
    List {
        name: "blocking::PATH_TYPES",
        kind: Kind::Paths,
        entries: blocking::PATH_TYPES,
    },
    List {
        name: "blocking::PATH_CTORS",
        kind: Kind::Paths,
        entries: blocking::PATH_CTORS,
    },
    List {
        name: "blocking::PATH_FS_METHODS",
        kind: Kind::Methods,
        entries: blocking::PATH_FS_METHODS,
    },
    List {
        name: "blocking::VALUE_KEEPING",
        kind: Kind::Methods,
        entries: blocking::VALUE_KEEPING,
    },
    List {
        name: "blocking::PATH_DERIVING",
        kind: Kind::Methods,
        entries: blocking::PATH_DERIVING,
    },
    List {
        name: "blocking::ASYNC_MIRRORED_FS",
        kind: Kind::Methods,
        entries: blocking::ASYNC_MIRRORED_FS,
    },
    List {
        name: "blocking::THREAD_SLEEP",
        kind: Kind::Paths,
        entries: blocking::THREAD_SLEEP,
    },
    List {
        name: "blocking::STD_NET",
        kind: Kind::Paths,
        entries: blocking::STD_NET,
    },
    List {
        name: "blocking::DIR_WALKS",
        kind: Kind::Paths,
        entries: blocking::DIR_WALKS,
    },
    List {
        name: "blocking::WRAPPED_FILE_OPENS",
        kind: Kind::Paths,
        entries: blocking::WRAPPED_FILE_OPENS,
    },
    List {
        name: "blocking::UREQ",
        kind: Kind::Paths,
        entries: blocking::UREQ,
    },
    List {
        name: "blocking::REQWEST_BLOCKING",
        kind: Kind::Modules,
        entries: blocking::REQWEST_BLOCKING,
    },
    List {
        name: "blocking::HASHING",
        kind: Kind::Paths,
        entries: blocking::HASHING,
    },
    List {
        name: "blocking::PASSWORD_HASH_METHODS",
        kind: Kind::Methods,
        entries: blocking::PASSWORD_HASH_METHODS,
    },
    List {
        name: "blocking::PASSWORD_HASH_CRATES",
        kind: Kind::Modules,
        entries: blocking::PASSWORD_HASH_CRATES,
    },
    List {
        name: "blocking::TOKIO_PANICKING",
        kind: Kind::Methods,
        entries: blocking::TOKIO_PANICKING,
    },
    List {
        name: "blocking::COMMAND_NEW",
        kind: Kind::Paths,
        entries: blocking::COMMAND_NEW,
    },
    List {
        name: "blocking::THREAD_BUILDER",
        kind: Kind::Paths,
        entries: blocking::THREAD_BUILDER,
    },
    List {
        name: "blocking::BARRIER_NEW",
        kind: Kind::Paths,
        entries: blocking::BARRIER_NEW,
    },
    List {
        name: "blocking::CONDVAR_NEW",
        kind: Kind::Paths,
        entries: blocking::CONDVAR_NEW,
    },
    List {
        name: "blocking::STDIN",
        kind: Kind::Paths,
        entries: blocking::STDIN,
    },
    List {
        name: "blocking::CONDVAR_TYPES",
        kind: Kind::Paths,
        entries: blocking::CONDVAR_TYPES,
    },
    List {
        name: "blocking::BARRIER_TYPES",
        kind: Kind::Paths,
        entries: blocking::BARRIER_TYPES,
    },
    List {
        name: "blocking::COMMAND_TYPES",
        kind: Kind::Paths,
        entries: blocking::COMMAND_TYPES,
    },
    List {
        name: "blocking::CHILD_TYPES",
        kind: Kind::Paths,
        entries: blocking::CHILD_TYPES,
    },
    List {
        name: "blocking::THREAD_HANDLE_TYPES",
        kind: Kind::Paths,
        entries: blocking::THREAD_HANDLE_TYPES,
    },
    List {
        name: "blocking::STD_RECEIVER_TYPES",
        kind: Kind::Paths,
        entries: blocking::STD_RECEIVER_TYPES,
    },
    List {
        name: "blocking::STD_CHANNELS",
        kind: Kind::Paths,
        entries: blocking::STD_CHANNELS,
    },
    List {
        name: "blocking::STDIN_READS",
        kind: Kind::Methods,
        entries: blocking::STDIN_READS,
    },
    List {
        name: "channels::UNBOUNDED_CTOR_PATHS",
        kind: Kind::Paths,
        entries: channels::UNBOUNDED_CTOR_PATHS,
    },
    List {
        name: "channels::SEND_METHODS",
        kind: Kind::Methods,
        entries: channels::SEND_METHODS,
    },
    List {
        name: "channels::SENDER_ACCESS",
        kind: Kind::Methods,
        entries: channels::SENDER_ACCESS,
    },
    List {
        name: "join::JOIN_FNS",
        kind: Kind::Paths,
        entries: join::JOIN_FNS,
    },
    List {
        name: "timeout::SOCKET_CTORS",
        kind: Kind::Paths,
        entries: timeout::SOCKET_CTORS,
    },
    List {
        name: "timeout::SOCKET_TYPES",
        kind: Kind::Paths,
        entries: timeout::SOCKET_TYPES,
    },
    List {
        name: "blocking::TERMINAL_EVENTS",
        kind: Kind::Paths,
        entries: blocking::TERMINAL_EVENTS,
    },
    List {
        name: "adapters::ASYNC_GENERATORS",
        kind: Kind::Paths,
        entries: adapters::ASYNC_GENERATORS,
    },
    List {
        name: "channels::REPLY_WORDS",
        kind: Kind::Words,
        entries: channels::REPLY_WORDS,
    },
    List {
        name: "channels::NOTIFICATION_WORDS",
        kind: Kind::Words,
        entries: channels::NOTIFICATION_WORDS,
    },
    List {
        name: "timeout::CONNECTS",
        kind: Kind::Paths,
        entries: timeout::CONNECTS,
    },
    List {
        name: "timeout::REDIS_OPENS",
        kind: Kind::Methods,
        entries: timeout::REDIS_OPENS,
    },
    List {
        name: "timeout::REQWEST_GET",
        kind: Kind::Paths,
        entries: timeout::REQWEST_GET,
    },
    List {
        name: "timeout::REQWEST_CLIENT_NEW",
        kind: Kind::Paths,
        entries: timeout::REQWEST_CLIENT_NEW,
    },
    List {
        name: "timeout::REQWEST_BUILDER",
        kind: Kind::Paths,
        entries: timeout::REQWEST_BUILDER,
    },
    List {
        name: "timeout::REQWEST_BUILDER_TYPE",
        kind: Kind::Paths,
        entries: timeout::REQWEST_BUILDER_TYPE,
    },
    List {
        name: "timeout::TONIC_OPENS",
        kind: Kind::Methods,
        entries: timeout::TONIC_OPENS,
    },
    List {
        name: "timeout::TONIC_ENDPOINT",
        kind: Kind::Paths,
        entries: timeout::TONIC_ENDPOINT,
    },
    List {
        name: "timeout::HYPER_CLIENTS",
        kind: Kind::Paths,
        entries: timeout::HYPER_CLIENTS,
    },
    List {
        name: "timeout::HYPER_CLIENT_TYPES",
        kind: Kind::Paths,
        entries: timeout::HYPER_CLIENT_TYPES,
    },
    List {
        name: "timeout::REQUEST_VERBS",
        kind: Kind::Methods,
        entries: timeout::REQUEST_VERBS,
    },
    List {
        name: "sequencing::SEQUENTIAL_METHODS",
        kind: Kind::Methods,
        entries: sequencing::SEQUENTIAL_METHODS,
    },
    List {
        name: "sequencing::ITEM_WAITS",
        kind: Kind::Methods,
        entries: sequencing::ITEM_WAITS,
    },
    List {
        name: "sequencing::LOCK_METHODS",
        kind: Kind::Methods,
        entries: sequencing::LOCK_METHODS,
    },
    List {
        name: "sequencing::PACING_WORDS",
        kind: Kind::Words,
        entries: sequencing::PACING_WORDS,
    },
    List {
        name: "sequencing::SEQUENTIAL_INTENT",
        kind: Kind::Words,
        entries: sequencing::SEQUENTIAL_INTENT,
    },
    List {
        name: "sequencing::EVENT_STREAMS",
        kind: Kind::Paths,
        entries: sequencing::EVENT_STREAMS,
    },
    List {
        name: "sequencing::NEGATIONS",
        kind: Kind::Words,
        entries: sequencing::NEGATIONS,
    },
    List {
        name: "sequencing::TODO_MARKERS",
        kind: Kind::Words,
        entries: sequencing::TODO_MARKERS,
    },
    List {
        name: "sequencing::CONCURRENCY_WORDS",
        kind: Kind::Words,
        entries: sequencing::CONCURRENCY_WORDS,
    },
    List {
        name: "sequencing::COLLECTION_MUTATORS",
        kind: Kind::Methods,
        entries: sequencing::COLLECTION_MUTATORS,
    },
    List {
        name: "sequencing::SEQUENTIAL_STREAM_METHODS",
        kind: Kind::Methods,
        entries: sequencing::SEQUENTIAL_STREAM_METHODS,
    },
    List {
        name: "sequencing::NO_WORK_FUTURES",
        kind: Kind::Paths,
        entries: sequencing::NO_WORK_FUTURES,
    },
    List {
        name: "join::JOIN_ALL",
        kind: Kind::Paths,
        entries: join::JOIN_ALL,
    },
    List {
        name: "join::BATCH_CALLS",
        kind: Kind::Paths,
        entries: join::BATCH_CALLS,
    },
    List {
        name: "join::BOUNDED_STREAM_METHODS",
        kind: Kind::Methods,
        entries: join::BOUNDED_STREAM_METHODS,
    },
    List {
        name: "join::SLOT_WAITS",
        kind: Kind::Methods,
        entries: join::SLOT_WAITS,
    },
    List {
        name: "join::FUTURE_SETS",
        kind: Kind::Paths,
        entries: join::FUTURE_SETS,
    },
    List {
        name: "join::ACCEPT_METHODS",
        kind: Kind::Methods,
        entries: join::ACCEPT_METHODS,
    },
    List {
        name: "join::PROGRAM_PARTS",
        kind: Kind::Words,
        entries: join::PROGRAM_PARTS,
    },
    List {
        name: "join::FAN_OUT_INTENT",
        kind: Kind::Words,
        entries: join::FAN_OUT_INTENT,
    },
    List {
        name: "handles::JOIN_HANDLE_TYPES",
        kind: Kind::Paths,
        entries: handles::JOIN_HANDLE_TYPES,
    },
    List {
        name: "handles::TRY_JOIN_MACROS",
        kind: Kind::Paths,
        entries: handles::TRY_JOIN_MACROS,
    },
    List {
        name: "handles::EARLY_RETURN_MACROS",
        kind: Kind::Paths,
        entries: handles::EARLY_RETURN_MACROS,
    },
    List {
        name: "handles::TRY_JOIN_FNS",
        kind: Kind::Paths,
        entries: handles::TRY_JOIN_FNS,
    },
    List {
        name: "handles::TIMEOUT_FNS",
        kind: Kind::Paths,
        entries: handles::TIMEOUT_FNS,
    },
    List {
        name: "handles::TIMEOUT_METHODS",
        kind: Kind::Methods,
        entries: handles::TIMEOUT_METHODS,
    },
    List {
        name: "join::SOCKET_BINDS",
        kind: Kind::Methods,
        entries: join::SOCKET_BINDS,
    },
    List {
        name: "handles::ABORTS",
        kind: Kind::Methods,
        entries: handles::ABORTS,
    },
    List {
        name: "handles::CANCELS",
        kind: Kind::Methods,
        entries: handles::CANCELS,
    },
    List {
        name: "handles::ABORT_HANDLES",
        kind: Kind::Methods,
        entries: handles::ABORT_HANDLES,
    },
    List {
        name: "handles::COLLECT_ALL_WORDS",
        kind: Kind::Words,
        entries: handles::COLLECT_ALL_WORDS,
    },
    List {
        name: "handles::SELECT_MACROS",
        kind: Kind::Paths,
        entries: handles::SELECT_MACROS,
    },
    List {
        name: "cancel::PARTIAL_IO",
        kind: Kind::Methods,
        entries: cancel::PARTIAL_IO,
    },
    List {
        name: "cancel::VALUE_SENDS",
        kind: Kind::Methods,
        entries: cancel::VALUE_SENDS,
    },
    List {
        name: "cancel::QUEUE_WAITS",
        kind: Kind::Methods,
        entries: cancel::QUEUE_WAITS,
    },
    List {
        name: "cancel::SEMAPHORE_WAITS",
        kind: Kind::Methods,
        entries: cancel::SEMAPHORE_WAITS,
    },
    List {
        name: "cancel::SEMAPHORE_TYPE",
        kind: Kind::Paths,
        entries: cancel::SEMAPHORE_TYPE,
    },
    List {
        name: "cancel::RWLOCK_WAITS",
        kind: Kind::Methods,
        entries: cancel::RWLOCK_WAITS,
    },
    List {
        name: "cancel::RWLOCK_TYPE",
        kind: Kind::Paths,
        entries: cancel::RWLOCK_TYPE,
    },
    List {
        name: "cancel::BRANCH_ADAPTERS",
        kind: Kind::Methods,
        entries: cancel::BRANCH_ADAPTERS,
    },
    List {
        name: "cancel::LAZY_ASYNC_FNS",
        kind: Kind::Paths,
        entries: cancel::LAZY_ASYNC_FNS,
    },
    List {
        name: "cancel::TOKEN_TYPES",
        kind: Kind::Paths,
        entries: cancel::TOKEN_TYPES,
    },
    List {
        name: "cancel::TOKEN_CTORS",
        kind: Kind::Paths,
        entries: cancel::TOKEN_CTORS,
    },
    List {
        name: "cancel::VALUE_WRAPPERS",
        kind: Kind::Paths,
        entries: cancel::VALUE_WRAPPERS,
    },
    List {
        name: "cancel::TOKEN_WIRING",
        kind: Kind::Methods,
        entries: cancel::TOKEN_WIRING,
    },
    List {
        name: "cancel::CANCEL_SAFE",
        kind: Kind::Methods,
        entries: cancel::CANCEL_SAFE,
    },
    List {
        name: "cancel::REQUEST_SENDS",
        kind: Kind::Methods,
        entries: cancel::REQUEST_SENDS,
    },
    List {
        name: "cancel::ASYNC_HTTP_CRATES",
        kind: Kind::Words,
        entries: cancel::ASYNC_HTTP_CRATES,
    },
    List {
        name: "cancel::BLOCKING_HTTP_MODULES",
        kind: Kind::Modules,
        entries: cancel::BLOCKING_HTTP_MODULES,
    },
    List {
        name: "cancel::FAIR_QUEUE_CRATES",
        kind: Kind::Words,
        entries: cancel::FAIR_QUEUE_CRATES,
    },
    List {
        name: "cancel::ASYNC_SENDERS",
        kind: Kind::Paths,
        entries: cancel::ASYNC_SENDERS,
    },
    List {
        name: "cancel::ASYNC_CHANNELS",
        kind: Kind::Paths,
        entries: cancel::ASYNC_CHANNELS,
    },
];
