//! Crate-wide facts: what one file cannot see about the others.
//!
//! Each file's walk records [`FileFacts`]; a finding that depends on the rest of the crate
//! carries [`Condition`]s, and the engine drops it after all files of the crate are analyzed
//! if the merged [`CrateFacts`] say so. Each file is parsed once; no syntax tree outlives its
//! own analysis.

use std::collections::HashSet;

/// What one file contributes to the crate's facts.
#[derive(Debug, Default, Clone)]
pub struct FileFacts {
    /// Names of paths used as values rather than called (`get(handler)`, `.map(parse)`,
    /// `Self::on_event`): the last segment of each.
    pub value_uses: HashSet<String>,
    /// Keys (`Type::name` or `name`) of `async fn`s whose own body awaits.
    pub awaiting_async_fns: HashSet<String>,
}

/// The merged facts of every file of a crate.
#[derive(Debug, Default, Clone)]
pub struct CrateFacts {
    pub value_uses: HashSet<String>,
    pub awaiting_async_fns: HashSet<String>,
}

impl CrateFacts {
    pub fn add(&mut self, file: FileFacts) {
        self.value_uses.extend(file.value_uses);
        self.awaiting_async_fns.extend(file.awaiting_async_fns);
    }

    /// Does the condition still let the finding through?
    pub fn holds(&self, condition: &Condition) -> bool {
        match condition {
            Condition::NotUsedAsValue(name) => !self.value_uses.contains(name),
            Condition::NoAwaitingTwin(key) => !self.awaiting_async_fns.contains(key),
        }
    }
}

/// A fact a finding needs from the rest of the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The fn of this name is nowhere used as a value (a handler registered with a framework
    /// must be `async` whatever its body does).
    NotUsedAsValue(String),
    /// No other `async fn` with this key awaits: a `#[cfg]` twin with the same signature
    /// that awaits means this one must stay `async` too.
    NoAwaitingTwin(String),
}
