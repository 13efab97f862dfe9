//! The leaf registry: every id the tool reports, its default level and its options schema.
//!
//! Configuration and rules both depend on this module and it depends on neither, so config
//! never needs the rules (their checks, messages, docs) to validate a `[rules.<id>]` table,
//! and rules read their options as typed structs deserialized once per configuration.

use crate::diagnostic::Level;
use serde::Deserialize;

/// What configuration knows about one id.
#[derive(Debug)]
pub struct Entry {
    /// Canonical snake_case id.
    pub id: &'static str,
    pub default_level: Level,
    /// The keys of `[rules.<id>]`, for docs, `--explain` and "did you mean".
    pub options: &'static [OptionDoc],
}

/// One option of a rule.
#[derive(Debug)]
pub struct OptionDoc {
    /// kebab-case, as written in TOML.
    pub name: &'static str,
    /// The default, as TOML.
    pub default: &'static str,
    pub doc: &'static str,
    /// For counts and limits, the least value that means anything (a concurrency of 0 would
    /// suggest `buffered(0)`, which never makes progress; `channel(0)` panics in tokio).
    pub min: Option<i64>,
}

const CHECK_TESTS: OptionDoc = OptionDoc {
    name: "check-tests",
    default: "false",
    doc: "also report in test code (`#[test]` fns, `#[cfg(test)]` modules, test targets, examples, benches)",
    min: None,
};

pub static ASYNC_WITHOUT_AWAIT: Entry = Entry {
    id: "async_without_await",
    default_level: Level::Warn,
    options: &[],
};

pub static AWAIT_IN_LOOP: Entry = Entry {
    id: "await_in_loop",
    default_level: Level::Warn,
    options: &[
        OptionDoc {
            name: "concurrency",
            default: "8",
            doc: "the N in `buffered(N)` / `for_each_concurrent(N, ..)` of suggestions",
            min: Some(1),
        },
        CHECK_TESTS,
    ],
};

pub static BLOCKING_IN_ASYNC: Entry = Entry {
    id: "blocking_in_async",
    default_level: Level::Warn,
    options: &[
        OptionDoc {
            name: "extra-calls",
            default: "[]",
            doc: "more blocking functions, by full path (`crate::db::query_sync`)",
            min: None,
        },
        OptionDoc {
            name: "offload-wrappers",
            default: "[]",
            doc: "project helpers that run the closure passed to them off the executor (`crate::util::run_blocking`)",
            min: None,
        },
        CHECK_TESTS,
    ],
};

pub static CANCEL_UNSAFE_SELECT: Entry = Entry {
    id: "cancel_unsafe_select",
    default_level: Level::Warn,
    options: &[
        OptionDoc {
            name: "queue-places",
            default: "true",
            doc: "also report branches that lose only their place in a fair queue (`Mutex::lock`, `Semaphore::acquire`, `Notify::notified`)",
            min: None,
        },
        CHECK_TESTS,
    ],
};

pub static DETACHED_SPAWN: Entry = Entry {
    id: "detached_spawn",
    default_level: Level::Warn,
    options: &[CHECK_TESTS],
};

pub static FAIL_FAST_LEAK: Entry = Entry {
    id: "fail_fast_leak",
    default_level: Level::Warn,
    options: &[CHECK_TESTS],
};

pub static FRESH_CANCELLATION_TOKEN: Entry = Entry {
    id: "fresh_cancellation_token",
    default_level: Level::Warn,
    options: &[CHECK_TESTS],
};

pub static LOCK_ACROSS_AWAIT: Entry = Entry {
    id: "lock_across_await",
    default_level: Level::Warn,
    options: &[CHECK_TESTS],
};

pub static MISSING_TIMEOUT: Entry = Entry {
    id: "missing_timeout",
    default_level: Level::Warn,
    options: &[
        OptionDoc {
            name: "extra-calls",
            default: "[]",
            doc: "more calls that open a connection and need a deadline when awaited: full paths of functions (`crate::db::connect`); a bare name matches a method of that name",
            min: None,
        },
        OptionDoc {
            name: "timeout-wrappers",
            default: "[]",
            doc: "project helpers that put a deadline on the future passed to them (`crate::net::with_deadline`); calls inside their arguments are covered",
            min: None,
        },
        CHECK_TESTS,
    ],
};

pub static TIMEOUT_LEAKS_TASK: Entry = Entry {
    id: "timeout_leaks_task",
    default_level: Level::Warn,
    options: &[CHECK_TESTS],
};

pub static UNBOUNDED_CHANNEL: Entry = Entry {
    id: "unbounded_channel",
    default_level: Level::Warn,
    options: &[
        OptionDoc {
            name: "capacity",
            default: "1024",
            doc: "the N of `channel(N)` / `bounded(N)` in suggestions",
            min: Some(1),
        },
        OptionDoc {
            name: "allow-sync-producers",
            default: "true",
            doc:
                "stay silent when the sender is moved into synchronous code (a thread, a callback)",
            min: None,
        },
        CHECK_TESTS,
    ],
};

pub static UNBOUNDED_JOIN: Entry = Entry {
    id: "unbounded_join",
    default_level: Level::Warn,
    options: &[
        OptionDoc {
            name: "concurrency",
            default: "8",
            doc: "the N suggested for `buffered(N)` and semaphores",
            min: Some(1),
        },
        CHECK_TESTS,
    ],
};

pub static UNPOLLED_FUTURE: Entry = Entry {
    id: "unpolled_future",
    default_level: Level::Warn,
    options: &[CHECK_TESTS],
};

pub static PARSE_ERROR: Entry = Entry {
    id: "parse_error",
    default_level: Level::Deny,
    options: &[],
};

pub static UNUSED_SUPPRESSION: Entry = Entry {
    id: "unused_suppression",
    default_level: Level::Warn,
    options: &[],
};

/// Every id, rules in id order, then the tool's own reports.
pub static ENTRIES: &[&Entry] = &[
    &ASYNC_WITHOUT_AWAIT,
    &AWAIT_IN_LOOP,
    &BLOCKING_IN_ASYNC,
    &CANCEL_UNSAFE_SELECT,
    &DETACHED_SPAWN,
    &FAIL_FAST_LEAK,
    &FRESH_CANCELLATION_TOKEN,
    &LOCK_ACROSS_AWAIT,
    &MISSING_TIMEOUT,
    &TIMEOUT_LEAKS_TASK,
    &UNBOUNDED_CHANNEL,
    &UNBOUNDED_JOIN,
    &UNPOLLED_FUTURE,
    &PARSE_ERROR,
    &UNUSED_SUPPRESSION,
];

/// The canonical id for a name written in snake or kebab case (with or without `async_lint::`).
pub fn canonical_id(name: &str) -> Option<&'static str> {
    let name = name.replace('-', "_");
    let name = name.strip_prefix("async_lint::").unwrap_or(&name);
    ENTRIES.iter().map(|e| e.id).find(|id| *id == name)
}

pub fn entry(id: &str) -> Option<&'static Entry> {
    let id = canonical_id(id)?;
    ENTRIES.iter().copied().find(|e| e.id == id)
}

/// The candidate closest to `name` by edit distance, if it is close enough.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.replace('-', "_");
    let candidates: Vec<&'a str> = candidates.collect();
    let close = candidates
        .iter()
        .map(|c| (edit_distance(&name, &c.replace('-', "_")), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    // An abbreviation (`prio` for `priority`), or a name that contains or is contained in a
    // candidate (`timeout` for `missing_timeout`): the one closest in length.
    close.or_else(|| {
        (name.len() >= 3)
            .then(|| {
                candidates
                    .iter()
                    .copied()
                    .filter(|c| {
                        c.starts_with(name.as_str())
                            || (name.len() >= 4 && (c.contains(name.as_str()) || name.contains(*c)))
                    })
                    .min_by_key(|c| c.len().abs_diff(name.len()))
            })
            .flatten()
    })
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

// ---- typed options ------------------------------------------------------------------------

/// `[rules.await_in_loop]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct AwaitInLoopOptions {
    /// The `N` of `buffered(N)` in suggestions.
    pub concurrency: usize,
    pub check_tests: bool,
}

impl Default for AwaitInLoopOptions {
    fn default() -> Self {
        AwaitInLoopOptions {
            concurrency: 8,
            check_tests: false,
        }
    }
}

/// `[rules.blocking_in_async]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct BlockingInAsyncOptions {
    pub extra_calls: Vec<String>,
    pub offload_wrappers: Vec<String>,
    pub check_tests: bool,
}

/// `[rules.missing_timeout]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct MissingTimeoutOptions {
    pub extra_calls: Vec<String>,
    pub timeout_wrappers: Vec<String>,
    pub check_tests: bool,
}

/// `[rules.unbounded_channel]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnboundedChannelOptions {
    pub capacity: usize,
    pub allow_sync_producers: bool,
    pub check_tests: bool,
}

impl Default for UnboundedChannelOptions {
    fn default() -> Self {
        UnboundedChannelOptions {
            capacity: 1024,
            allow_sync_producers: true,
            check_tests: false,
        }
    }
}

/// `[rules.unbounded_join]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnboundedJoinOptions {
    pub concurrency: usize,
    pub check_tests: bool,
}

impl Default for UnboundedJoinOptions {
    fn default() -> Self {
        UnboundedJoinOptions {
            concurrency: 8,
            check_tests: false,
        }
    }
}

/// `[rules.detached_spawn]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DetachedSpawnOptions {
    pub check_tests: bool,
}

/// `[rules.lock_across_await]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct LockAcrossAwaitOptions {
    pub check_tests: bool,
}

/// `[rules.fail_fast_leak]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct FailFastLeakOptions {
    pub check_tests: bool,
}

/// `[rules.timeout_leaks_task]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct TimeoutLeaksTaskOptions {
    pub check_tests: bool,
}

/// `[rules.cancel_unsafe_select]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct CancelUnsafeSelectOptions {
    pub queue_places: bool,
    pub check_tests: bool,
}

impl Default for CancelUnsafeSelectOptions {
    fn default() -> Self {
        CancelUnsafeSelectOptions {
            queue_places: true,
            check_tests: false,
        }
    }
}

/// `[rules.fresh_cancellation_token]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct FreshCancellationTokenOptions {
    pub check_tests: bool,
}

/// `[rules.unpolled_future]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnpolledFutureOptions {
    pub check_tests: bool,
}

/// The options type of ids that have none: any key is unknown.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoOptions {}

/// Every rule's options, typed: deserialized once when a configuration is built, read by
/// rules through [`crate::Config::options`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub await_in_loop: AwaitInLoopOptions,
    pub blocking_in_async: BlockingInAsyncOptions,
    pub cancel_unsafe_select: CancelUnsafeSelectOptions,
    pub detached_spawn: DetachedSpawnOptions,
    pub fail_fast_leak: FailFastLeakOptions,
    pub fresh_cancellation_token: FreshCancellationTokenOptions,
    pub lock_across_await: LockAcrossAwaitOptions,
    pub missing_timeout: MissingTimeoutOptions,
    pub timeout_leaks_task: TimeoutLeaksTaskOptions,
    pub unbounded_channel: UnboundedChannelOptions,
    pub unbounded_join: UnboundedJoinOptions,
    pub unpolled_future: UnpolledFutureOptions,
}

/// Check `table` against `id`'s options type without keeping it: serde's message on failure.
pub fn validate_options(id: &str, table: &toml::Table) -> Result<(), String> {
    Options::default().set(id, table)
}

/// Check the counts and limits of `id`'s options against their `min`: on failure the
/// offending key and the message.
pub fn check_minimums(id: &str, table: &toml::Table) -> Result<(), (&'static str, String)> {
    let Some(entry) = entry(id) else {
        return Ok(());
    };
    for o in entry.options {
        let (Some(min), Some(toml::Value::Integer(n))) = (o.min, table.get(o.name)) else {
            continue;
        };
        if *n < min {
            return Err((
                o.name,
                format!(
                    "`{}` of `{}` must be at least {min} (found {n})",
                    o.name, entry.id
                ),
            ));
        }
    }
    Ok(())
}

/// A rule's options type, found in [`Options`].
pub trait RuleOptions {
    fn of(options: &Options) -> &Self;
}

/// One list of (options type, `Options` field named by the rule id) gives both the typed
/// lookup and the parse by id.
macro_rules! rule_options {
    ($($ty:ty => $field:ident),* $(,)?) => {
        $(impl RuleOptions for $ty {
            fn of(options: &Options) -> &Self {
                &options.$field
            }
        })*

        impl Options {
            /// Check `table` against `id`'s options type (unknown keys, types) and store it.
            /// On failure: the message (serde's, naming an unknown key or a wrong type).
            pub fn set(&mut self, id: &str, table: &toml::Table) -> Result<(), String> {
                fn parse<T: serde::de::DeserializeOwned>(t: &toml::Table) -> Result<T, String> {
                    T::deserialize(toml::Value::Table(t.clone())).map_err(|e| e.to_string())
                }
                match id {
                    $(stringify!($field) => self.$field = parse(table)?,)*
                    _ => parse::<NoOptions>(table).map(|_| ())?,
                }
                Ok(())
            }
        }
    };
}

rule_options!(
    AwaitInLoopOptions => await_in_loop,
    BlockingInAsyncOptions => blocking_in_async,
    CancelUnsafeSelectOptions => cancel_unsafe_select,
    DetachedSpawnOptions => detached_spawn,
    FailFastLeakOptions => fail_fast_leak,
    FreshCancellationTokenOptions => fresh_cancellation_token,
    LockAcrossAwaitOptions => lock_across_await,
    MissingTimeoutOptions => missing_timeout,
    TimeoutLeaksTaskOptions => timeout_leaks_task,
    UnboundedChannelOptions => unbounded_channel,
    UnboundedJoinOptions => unbounded_join,
    UnpolledFutureOptions => unpolled_future,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("awiat", "await"), 2);
    }
}
