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
    /// Paths used as values rather than called (`get(handler)`, `.map(parse)`,
    /// `Self::on_event`), by [`use_key`]; identifiers in macro bodies we could not parse, bare.
    pub value_uses: HashSet<String>,
    /// [`twin_key`]s of `#[cfg]`-gated `async fn`s whose own body awaits.
    pub awaiting_async_fns: HashSet<String>,
    /// Names of `macro_rules!` macros whose body contains `.await`.
    pub awaiting_macros: HashSet<String>,
    /// Names of every `macro_rules!` macro the file defines.
    pub defined_macros: HashSet<String>,
    /// Fns called somewhere without being awaited in place, by [`use_key`]: for an async fn,
    /// its future is used as a value (spawned, joined, selected, stored).
    pub future_uses: HashSet<String>,
    /// Struct fields and statics declared with a lock or cell type (`cache: Mutex<..>`), by name.
    pub lock_decls: Vec<(String, LockDecl)>,
}

/// The key a path is recorded under: its last two segments as far as resolution knows
/// (`handlers::list_users`, `String::from`, `Client::connect` for `Self::connect` in
/// `impl Client`), or the bare name when nothing qualifies it (a glob import, no import).
/// So `String::from(..)` says nothing about an `async fn from` of another type or module.
pub fn use_key(
    path: &syn::Path,
    resolver: &super::Resolver,
    module: &[String],
    self_ty: Option<&str>,
) -> String {
    let segs = super::imports::segments(path);
    let Some(name) = segs.last() else {
        return String::new();
    };
    let qualifier = match segs.first().map(String::as_str) {
        _ if segs.len() == 1 && path.leading_colon.is_none() => match resolver.resolve(path) {
            super::Resolution::Known(full) if full.len() >= 2 => full[full.len() - 2].clone(),
            _ => return name.clone(),
        },
        Some("self" | "super" | "crate") if path.leading_colon.is_none() => {
            let mut m = module.to_vec();
            if segs[0] == "crate" {
                m.clear();
            }
            let supers = segs.iter().take_while(|s| *s == "super").count();
            m.truncate(m.len().saturating_sub(supers));
            let rest = &segs[supers.max(1)..segs.len() - 1];
            m.extend(rest.iter().filter(|s| *s != "self").cloned());
            module_key(&m)
        }
        _ => {
            let full = match resolver.resolve(path) {
                super::Resolution::Known(full) => full,
                _ => segs.clone(),
            };
            match full.len() {
                0 | 1 => return name.clone(),
                n => full[n - 2].clone(),
            }
        }
    };
    let qualifier = match (qualifier.as_str(), self_ty) {
        ("Self", Some(t)) => t.to_string(),
        ("crate", _) => "crate".to_string(),
        _ => qualifier,
    };
    format!("{qualifier}::{name}")
}

/// How a module is named in a key: its last segment, or `crate` for the root.
pub fn module_key(module: &[String]) -> String {
    module.last().cloned().unwrap_or_else(|| "crate".into())
}

/// The keys under which uses of a fn are recorded: `Type::name` for a method; for a free fn,
/// `module::name` and the bare name (a call through a glob import or an unresolved name).
pub fn fn_keys(module: &[String], self_ty: Option<&str>, name: &str) -> Vec<String> {
    match self_ty {
        Some(t) => vec![format!("{t}::{name}")],
        None => vec![format!("{}::{name}", module_key(module)), name.to_string()],
    }
}

/// The key of a `#[cfg]` variant of one item: `Type::name` or `name`.
pub fn twin_key(self_ty: Option<&str>, name: &str) -> String {
    match self_ty {
        Some(t) => format!("{t}::{name}"),
        None => name.to_string(),
    }
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
    /// No other `#[cfg]`-gated `async fn` with this [`twin_key`] awaits: a `#[cfg]` variant of
    /// the same item that awaits means this one must stay `async` too.
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
}
