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

pub mod attrs;
pub mod locks;
pub mod spawn;
pub mod tasks;

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
}

/// One named list of the catalog.
#[derive(Debug)]
pub struct List {
    /// `module::NAME`, for the coverage test's messages.
    pub name: &'static str,
    pub kind: Kind,
    pub entries: &'static [&'static str],
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
];
