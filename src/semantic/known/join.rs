//! Fan-out: what starts many futures at once, what caps how many run, what waits for a slot.

/// Join every future of an iterator at once.
pub const JOIN_ALL: &[&str] = &[
    "futures::future::join_all",
    "futures::join_all",
    "futures_util::future::join_all",
    "futures::future::try_join_all",
    "futures::try_join_all",
    "futures_util::future::try_join_all",
];

/// Calls that already run a fixed or joined batch of futures together: awaiting one per
/// iteration makes the loop the cap, not a sequence.
pub const BATCH_CALLS: &[&str] = &[
    "futures::future::join_all",
    "futures::future::try_join_all",
    "futures::future::select_all",
    "futures::future::select_ok",
    "futures::future::join",
    "futures::future::try_join",
    "futures::future::join3",
    "tokio::join",
    "tokio::try_join",
    "tokio::select",
    "futures::join",
    "futures::try_join",
    "futures::select",
];

/// Joins of a fixed handful of futures, each an argument: awaiting the join awaits them all.
pub const JOIN_FNS: &[&str] = &[
    "futures::future::join",
    "futures::future::join3",
    "futures::future::join4",
    "futures::future::try_join",
    "futures::future::try_join3",
    "futures::future::try_join4",
];

/// Stream adapters that run several items' futures at once, with a limit as first argument.
pub const BOUNDED_STREAM_METHODS: &[&str] = &[
    "buffer_unordered",
    "buffered",
    "try_buffer_unordered",
    "try_buffered",
    "for_each_concurrent",
    "try_for_each_concurrent",
];

/// Waits for a free slot: a semaphore permit, or the next finished member of a set. In a
/// loop that starts work, they cap how much runs at once.
pub const SLOT_WAITS: &[&str] = &[
    "acquire",
    "acquire_owned",
    "acquire_many",
    "try_acquire",
    "join_next",
    "next",
    "try_next",
];

/// Sets of running futures or tasks.
pub const FUTURE_SETS: &[&str] = &[
    "futures::stream::FuturesUnordered",
    "futures::stream::FuturesOrdered",
    "tokio::task::JoinSet",
];

/// Iterators of incoming connections: an accept loop, `detached_spawn`'s business.
/// Associated fns that bind a socket or listener (`TcpListener::bind(addr).await`): a local
/// call that completes at once, and what makes a listener a loop's task serves.
pub const SOCKET_BINDS: &[&str] = &["bind"];

pub const ACCEPT_METHODS: &[&str] = &["incoming", "accept"];

/// Words naming the program's own parts in a collection's or item's name: fanning out to every
/// one of them is the design, and their number is set by configuration, not by input.
pub const PROGRAM_PARTS: &[&str] = &[
    "handler",
    "subscriber",
    "listener",
    "node",
    "peer",
    "shard",
    "replica",
    "worker",
    "server",
    "backend",
    "upstream",
    "endpoint",
    "hook",
];

/// Words of a fn's name (`_`-separated) that say running every item at once is the fn's
/// purpose: a combinator whose caller chooses the width (`run_parallel`, `race`).
pub const FAN_OUT_INTENT: &[&str] = &["parallel", "race"];
