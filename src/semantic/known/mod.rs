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

pub mod join;
pub mod locks;
pub mod sequencing;
pub mod spawn;

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
];
