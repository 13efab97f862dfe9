//! Crate-wide facts: what one file cannot see about the others.
//!
//! Each file's walk records [`FileFacts`]; a finding that depends on the rest of the crate
//! carries [`Condition`]s, and the engine drops it after all files of the crate are analyzed
//! if the merged [`CrateFacts`] say so. Each file is parsed once; no syntax tree outlives its
//! own analysis.

use super::locks::LockDecl;
use std::collections::{HashMap, HashSet};

/// What one file contributes to the crate's facts.
#[derive(Debug, Default, Clone)]
pub struct FileFacts {
    /// Names of paths used as values rather than called (`get(handler)`, `.map(parse)`,
    /// `Self::on_event`): the last segment of each.
    pub value_uses: HashSet<String>,
    /// Keys (`Type::name` or `name`) of `async fn`s whose own body awaits.
    pub awaiting_async_fns: HashSet<String>,
    /// Names of `macro_rules!` macros whose body contains `.await`.
    pub awaiting_macros: HashSet<String>,
    /// Names of every `macro_rules!` macro the file defines.
    pub defined_macros: HashSet<String>,
    /// Names of fns called somewhere without being awaited in place: for an async fn, its
    /// future is used as a value (spawned, joined, selected, stored).
    pub future_uses: HashSet<String>,
    /// Struct fields and statics declared with a lock or cell type (`cache: Mutex<..>`), by name.
    pub lock_decls: Vec<(String, LockDecl)>,
    /// (fn name, receiver name) of each lock taken in a fn's body (`self.state.lock()` in
    /// `fn save` gives `("save", "state")`): the fn takes a lock if the receiver is declared
    /// as one somewhere in the crate.
    pub lock_takers: Vec<(String, String)>,
}

/// The merged facts of every file of a crate.
#[derive(Debug, Default, Clone)]
pub struct CrateFacts {
    pub value_uses: HashSet<String>,
    pub awaiting_async_fns: HashSet<String>,
    pub awaiting_macros: HashSet<String>,
    pub defined_macros: HashSet<String>,
    pub future_uses: HashSet<String>,
    pub lock_decls: HashMap<String, HashSet<LockDecl>>,
    pub lock_takers: HashMap<String, HashSet<String>>,
}

impl CrateFacts {
    pub fn add(&mut self, file: FileFacts) {
        self.value_uses.extend(file.value_uses);
        self.awaiting_async_fns.extend(file.awaiting_async_fns);
        self.awaiting_macros.extend(file.awaiting_macros);
        self.defined_macros.extend(file.defined_macros);
        self.future_uses.extend(file.future_uses);
        for (name, kind) in file.lock_decls {
            self.lock_decls.entry(name).or_default().insert(kind);
        }
        for (f, receiver) in file.lock_takers {
            self.lock_takers.entry(f).or_default().insert(receiver);
        }
    }

    /// Does the condition still let the finding through?
    pub fn holds(&self, condition: &Condition) -> bool {
        match condition {
            Condition::NotUsedAsValue(name) => !self.value_uses.contains(name),
            Condition::NotUsedAsFuture(name) => !self.future_uses.contains(name),
            Condition::NoAwaitingTwin(key) => !self.awaiting_async_fns.contains(key),
            Condition::NoAwaitingMacro(name) => !self.awaiting_macros.contains(name),
            Condition::MacroKnownNotToAwait(name) => {
                self.defined_macros.contains(name) && !self.awaiting_macros.contains(name)
            }
            Condition::DeclaredLock(name, kind) => self
                .lock_decls
                .get(name)
                .is_some_and(|kinds| kinds.len() == 1 && kinds.contains(kind)),
            Condition::TakesNoLock(name) => !self
                .lock_takers
                .get(name)
                .is_some_and(|receivers| receivers.iter().any(|r| self.lock_decls.contains_key(r))),
        }
    }
}

/// A fact a finding needs from the rest of the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The fn of this name is nowhere used as a value (a handler registered with a framework
    /// must be `async` whatever its body does).
    NotUsedAsValue(String),
    /// The fn of this name is only ever called under `.await`: no caller uses its future as a
    /// value (`tokio::spawn(f())`, `join!(f(), g())`, `let fut = f();`).
    NotUsedAsFuture(String),
    /// No other `async fn` with this key awaits: a `#[cfg]` twin with the same signature
    /// that awaits means this one must stay `async` too.
    NoAwaitingTwin(String),
    /// The crate defines no `macro_rules!` of this name whose body awaits (for well-known
    /// macros such as `println!`, which a crate may shadow with an async one).
    NoAwaitingMacro(String),
    /// The crate defines a `macro_rules!` of this name, and its body does not await. (A
    /// macro from another crate may expand to `.await`: we cannot tell, so we stay silent.)
    MacroKnownNotToAwait(String),
    /// Every struct field and static of this name in the crate is declared with this lock
    /// kind (a `Mutex` from tokio under the same name elsewhere makes the name ambiguous).
    DeclaredLock(String, LockDecl),
    /// No fn of this name in the crate takes a lock (std or async `Mutex`/`RwLock`) declared
    /// in the crate: calls of one that does run one at a time whatever their caller does.
    TakesNoLock(String),
}
