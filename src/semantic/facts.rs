//! Crate-wide facts: what one file cannot see about the others.
//!
//! Each file's walk records [`FileFacts`]; a finding that depends on the rest of the crate
//! carries [`Condition`]s, and the engine drops it after all files of the crate are analyzed
//! if the merged [`CrateFacts`] say so. Each file is parsed once; no syntax tree outlives its
//! own analysis.

use super::locks::LockDecl;
use super::values::ValueKind;
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
    /// Names of the traits the crate declares.
    pub declared_traits: HashSet<String>,
    /// Fns called somewhere without being awaited in place, by [`use_key`]: for an async fn,
    /// its future is used as a value (spawned, joined, selected, stored).
    pub future_uses: HashSet<String>,
    /// Struct fields and statics declared with a lock or cell type (`cache: Mutex<..>`), by name.
    pub lock_decls: Vec<(String, LockDecl)>,
    /// (fn name, receiver name) of each lock taken in a fn's body (`self.state.lock()` in
    /// `fn save` gives `("save", "state")`): the fn takes a lock if the receiver is declared
    /// as one somewhere in the crate.
    pub lock_takers: Vec<(String, String)>,
    /// Fns and methods called inside a deadline (`timeout(d, self.dial(a))`), by
    /// [`callee_key`].
    pub deadline_callees: HashSet<String>,
    /// Fns and methods awaited directly with no deadline around them, by [`callee_key`], with
    /// the fn the await is in (`None` outside any fn).
    pub bare_awaited_callees: HashSet<(String, Option<FnRef>)>,
    /// Fns whose call is handed to a task spawn (`tokio::spawn(run(addr))`), by
    /// [`callee_key`]: their future runs with no deadline.
    pub spawned_callees: HashSet<String>,
    /// Declarations by name (struct fields, fn parameters and return types, `let`
    /// annotations), with the kind of value their type gives, if any.
    pub declared: Vec<(String, Option<ValueKind>)>,
    /// Fns declared to return a reqwest `ClientBuilder`, with whether their body sets a timeout.
    pub builder_fns: Vec<(String, bool)>,
    /// This file's path, if it sends HTTP requests and every one of them is bounded.
    pub requests_bounded_in: Option<String>,
    /// Fields that a channel message is sent on from async code (`self.events.send(..)` in an
    /// `async fn`).
    pub async_send_fields: HashSet<String>,
    /// Sends on a field from sync fns (`fn record(&self, e) { self.tx.send(e) }`): the fn's
    /// name and the field, and the names of the fns and methods async code calls (a sync
    /// wrapper called there sends from async code).
    pub sync_send_fields: Vec<(String, String)>,
    pub executor_calls: HashSet<String>,
    /// The `.await` of each call awaited in place, by callee key, with its span
    /// ([`super::call_sites`]).
    pub await_sites: Vec<(String, crate::diagnostic::Span)>,
    /// Calls whose `.await` a fix cannot follow (awaited through an adapter or in a macro
    /// body, a path leaving the crate), by callee key.
    pub unfixable_calls: HashSet<String>,
    /// Names of the methods called somewhere without being awaited in place.
    pub unawaited_methods: HashSet<String>,
    /// The primary key ([`FnRef`]'s) of every fn with a body.
    pub fn_defs: Vec<String>,
    /// `async fn`s whose own body awaits an operation that is not cancel safe (partial I/O, a
    /// send of a value), by [`fn_keys`].
    pub cancel_unsafe_fns: HashSet<String>,
    /// Every fn with a body, by [`fn_keys`], and whether it is `async`.
    pub fn_asyncness: Vec<(String, bool)>,
    /// Methods with a `self` receiver, as `Type::name`: `xs.map(Type::name)` calls each
    /// item's own method.
    pub receiver_methods: HashSet<String>,
    /// `async fn`s whose body watches a stop signal it was handed (a parameter's or `self`'s
    /// receiver, token, `Notify` or flag): a task running one is stopped by its owner.
    pub stop_polling_fns: HashSet<String>,
    /// `async fn`s whose own body waits for a semaphore permit (`sem.acquire().await`): each
    /// call runs only when a permit is free, so a fan-out of calls is capped by it.
    pub permit_takers: HashSet<String>,
    /// Spawn wrappers ([`super::is_spawn_wrapper`]): fns that start a task from a future their
    /// caller hands in and return its `JoinHandle`.
    pub spawn_wrappers: HashSet<String>,
    /// Sync fns whose own body makes a blocking call (std fs, process, sleep, ...) on the
    /// thread that calls them, by [`FnRef::keys`].
    pub blocking_fns: HashSet<String>,
    /// Calls of crate fns that a sync fn makes on its own thread, as (caller key, callee key):
    /// a fn that calls a blocking fn blocks too.
    pub sync_calls: Vec<(String, String)>,
    /// `async fn`s a plain fn hands to a runtime's `block_on` (`runtime.block_on(real_main())`):
    /// root futures, whose own body runs on the thread that starts the runtime.
    pub root_futures: HashSet<String>,
    /// Sync fns whose blocking call is known only by the crate's declarations (`p.exists()` on
    /// `p` from a fn declared to return a path), with the fact it needs.
    pub blocking_fns_if: Vec<(String, Condition)>,
    /// Re-exports (`pub use`): by module key, a glob's source module (`pub use data::*;` in
    /// `state`: `("state", "data")`), and a named one's key and source key
    /// (`("state::load", "data::load")`).
    pub reexport_globs: Vec<(String, String)>,
    pub reexport_names: Vec<(String, String)>,
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
    // A bare name (most uses): its scope decides, without building its full path.
    if path.segments.len() == 1 && path.leading_colon.is_none() {
        let name = path.segments[0].ident.to_string();
        match resolver.bare_qualifier(&name) {
            super::imports::BareName::Unknown => return name,
            super::imports::BareName::In(q) => return qualified(q, self_ty, &name),
            super::imports::BareName::Imported => {}
        }
    }
    let segs = super::imports::segments(path);
    let Some(name) = segs.last() else {
        return String::new();
    };
    let qualifier = match segs.first().map(String::as_str) {
        // `use handlers::ping as ping_handler;`: the item is `handlers::ping`, under its own
        // name.
        _ if segs.len() == 1 && path.leading_colon.is_none() => match resolver.resolve(path) {
            super::Resolution::Known(full) if full.len() >= 2 => {
                return qualified(&full[full.len() - 2], self_ty, &full[full.len() - 1]);
            }
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
                n => return qualified(&full[n - 2], self_ty, &full[n - 1]),
            }
        }
    };
    qualified(&qualifier, self_ty, name)
}

/// `qualifier::name`, with `Self` named by the impl's type.
fn qualified(qualifier: &str, self_ty: Option<&str>, name: &str) -> String {
    let qualifier = match (qualifier, self_ty) {
        ("Self", Some(t)) => t,
        _ => qualifier,
    };
    format!("{qualifier}::{name}")
}

/// The key a method call is recorded under: `Type::name` when the receiver's type is known
/// (`self` in an `impl Type`, a local of a named type: [`super::values::Locals::type_of`]),
/// else `*::name` (a receiver of a type we do not know: any type's method, or a trait's).
pub fn method_key(
    receiver: &syn::Expr,
    locals: Option<&super::values::Locals>,
    self_ty: Option<&str>,
    name: &str,
) -> String {
    let on_self =
        matches!(super::dataflow::peel(receiver), syn::Expr::Path(p) if p.path.is_ident("self"));
    let ty = match locals.and_then(|l| l.type_of(receiver)) {
        Some("Self") => self_ty,
        Some(t) => Some(t),
        None if on_self => self_ty,
        None => None,
    };
    match ty {
        Some(t) => format!("{t}::{name}"),
        None => format!("{UNKNOWN_RECEIVER}::{name}"),
    }
}

/// The qualifier of a method called on a receiver of unknown type.
pub const UNKNOWN_RECEIVER: &str = "*";

/// How many sync calls down a blocking call is followed to the async fn that calls the first:
/// deep enough for a helper that calls a loader that reads a file, shallow enough that a
/// finding names a call whose blocking a reader can find.
const BLOCKING_DEPTH: usize = 2;

/// A fn as crate-wide facts name it: its primary key (`Type::name`, `module::name`), and
/// whether it is a method and whether callers reach it through a trait (a trait's method or
/// its impl for a type), whose calls name no type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FnRef {
    pub key: String,
    pub name: String,
    pub method: bool,
    pub via_trait: bool,
    /// The trait an impl's method implements (its last segment: `Transport`).
    pub trait_name: Option<String>,
    /// It takes `self`: method syntax (`x.connect()`) can call it. An associated fn
    /// (`ProxyClient::connect(addr)`) is never reached by a call on a receiver of unknown type.
    pub takes_self: bool,
}

impl FnRef {
    pub fn new(module: &[String], self_ty: Option<&str>, via_trait: bool, name: &str) -> FnRef {
        FnRef {
            key: fn_keys(module, self_ty, name).swap_remove(0),
            name: name.to_string(),
            method: self_ty.is_some() || via_trait,
            via_trait,
            trait_name: None,
            takes_self: self_ty.is_some() || via_trait,
        }
    }

    /// The keys its calls can be recorded under.
    fn keys(&self) -> Vec<String> {
        if self.method {
            vec![self.key.clone()]
        } else {
            vec![self.key.clone(), self.name.clone()]
        }
    }
}

/// The innermost fn of `frames` in the file of module `file_module`, as crate-wide facts name
/// it: a method by its `impl`'s type, through a trait when the impl is of one or the fn is a
/// trait's own; a free fn by its module (inline `mod`s included).
pub fn enclosing_fn(frames: &[super::Frame<'_>], file_module: &[String]) -> Option<FnRef> {
    let i = frames
        .iter()
        .rposition(|f| matches!(f, super::Frame::Fn { .. }))?;
    let mut module = file_module.to_vec();
    module.extend(frames[..i].iter().skip(1).filter_map(|f| match f {
        super::Frame::Mod { name, .. } => Some(name.clone()),
        _ => None,
    }));
    let super::Frame::Fn { name, sig, .. } = &frames[i] else {
        return None;
    };
    let (self_ty, trait_name, via_trait) = match i.checked_sub(1).map(|j| &frames[j]) {
        Some(super::Frame::Impl {
            self_ty,
            trait_name,
            ..
        }) => (
            Some(self_ty.as_str()),
            trait_name.clone(),
            trait_name.is_some(),
        ),
        Some(super::Frame::Trait) => (None, None, true),
        _ => (None, None, false),
    };
    let mut f = FnRef::new(&module, self_ty, via_trait, name);
    f.trait_name = trait_name;
    f.takes_self = sig.receiver().is_some();
    Some(f)
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
    /// Names of the traits the crate declares.
    pub declared_traits: HashSet<String>,
    pub future_uses: HashSet<String>,
    pub lock_decls: HashMap<String, HashSet<LockDecl>>,
    pub deadline_callees: HashSet<String>,
    pub spawned_callees: HashSet<String>,
    /// Callee → the fns that await it bare.
    pub bare_awaited_callees: HashMap<String, HashSet<Option<FnRef>>>,
    pub declared: HashMap<String, HashSet<Option<ValueKind>>>,
    pub builder_fns: HashMap<String, HashSet<bool>>,
    pub requests_bounded_in: HashSet<String>,
    pub async_send_fields: HashSet<String>,
    pub sync_send_fields: Vec<(String, String)>,
    pub executor_calls: HashSet<String>,
    pub lock_takers: HashMap<String, HashSet<String>>,
    /// Callee key → (file index, span) of each `.await` of a call awaited in place.
    pub await_sites: HashMap<String, Vec<(usize, crate::diagnostic::Span)>>,
    pub unfixable_calls: HashSet<String>,
    pub unawaited_methods: HashSet<String>,
    /// Primary fn key → how many fns with a body have it.
    pub fn_defs: HashMap<String, usize>,
    /// Every file of the crate was walked (none excluded, unreadable or unparsable, module
    /// tree followed): set by whoever merges the files; a fix that edits every call site of
    /// a fn needs it.
    pub whole_crate: bool,
    pub cancel_unsafe_fns: HashSet<String>,
    pub fn_asyncness: HashMap<String, HashSet<bool>>,
    pub receiver_methods: HashSet<String>,
    pub stop_polling_fns: HashSet<String>,
    pub permit_takers: HashSet<String>,
    pub spawn_wrappers: HashSet<String>,
    pub blocking_fns: HashSet<String>,
    /// [`FileFacts::root_futures`].
    pub root_futures: HashSet<String>,
    /// [`FileFacts::sync_calls`], by caller key.
    pub sync_calls: HashMap<String, HashSet<String>>,
    /// [`FileFacts::blocking_fns_if`], by fn key.
    pub blocking_fns_if: HashMap<String, Vec<Condition>>,
    /// [`FileFacts::reexport_globs`] and [`FileFacts::reexport_names`], by the module (or key)
    /// that re-exports.
    pub reexport_globs: HashMap<String, Vec<String>>,
    pub reexport_names: HashMap<String, String>,
}

impl CrateFacts {
    /// [`CrateFacts::add`] for the file of index `file` (where its call sites are).
    pub fn add_in(&mut self, file: usize, mut facts: FileFacts) {
        for (key, span) in std::mem::take(&mut facts.await_sites) {
            self.await_sites.entry(key).or_default().push((file, span));
        }
        self.add(facts);
    }

    /// Merge a file's facts. Its call sites are placed in no known file (use
    /// [`CrateFacts::add_in`]): a fix that needs them is not offered.
    pub fn add(&mut self, mut file: FileFacts) {
        for (key, span) in std::mem::take(&mut file.await_sites) {
            self.await_sites
                .entry(key)
                .or_default()
                .push((usize::MAX, span));
        }
        self.unfixable_calls.extend(file.unfixable_calls);
        self.unawaited_methods.extend(file.unawaited_methods);
        for key in file.fn_defs {
            *self.fn_defs.entry(key).or_default() += 1;
        }
        self.value_uses.extend(file.value_uses);
        self.awaiting_async_fns.extend(file.awaiting_async_fns);
        self.awaiting_macros.extend(file.awaiting_macros);
        self.defined_macros.extend(file.defined_macros);
        self.declared_traits.extend(file.declared_traits);
        self.future_uses.extend(file.future_uses);
        for (name, kind) in file.lock_decls {
            self.lock_decls.entry(name).or_default().insert(kind);
        }
        for (f, receiver) in file.lock_takers {
            self.lock_takers.entry(f).or_default().insert(receiver);
        }
        self.deadline_callees.extend(file.deadline_callees);
        self.spawned_callees.extend(file.spawned_callees);
        for (callee, caller) in file.bare_awaited_callees {
            self.bare_awaited_callees
                .entry(callee)
                .or_default()
                .insert(caller);
        }
        for (name, kind) in file.declared {
            self.declared.entry(name).or_default().insert(kind);
        }
        for (name, timed) in file.builder_fns {
            self.builder_fns.entry(name).or_default().insert(timed);
        }
        self.requests_bounded_in.extend(file.requests_bounded_in);
        self.async_send_fields.extend(file.async_send_fields);
        self.sync_send_fields.extend(file.sync_send_fields);
        self.executor_calls.extend(file.executor_calls);
        self.cancel_unsafe_fns.extend(file.cancel_unsafe_fns);
        self.stop_polling_fns.extend(file.stop_polling_fns);
        self.permit_takers.extend(file.permit_takers);
        self.spawn_wrappers.extend(file.spawn_wrappers);
        self.blocking_fns.extend(file.blocking_fns);
        self.root_futures.extend(file.root_futures);
        for (f, c) in file.blocking_fns_if {
            self.blocking_fns_if.entry(f).or_default().push(c);
        }
        for (caller, callee) in file.sync_calls {
            self.sync_calls.entry(caller).or_default().insert(callee);
        }
        for (module, source) in file.reexport_globs {
            self.reexport_globs.entry(module).or_default().push(source);
        }
        self.reexport_names.extend(file.reexport_names);
        self.receiver_methods.extend(file.receiver_methods);
        for (key, is_async) in file.fn_asyncness {
            self.fn_asyncness.entry(key).or_default().insert(is_async);
        }
    }

    /// Is every call of the fn in the crate bounded by a deadline, at the call or (for a bare
    /// `.await`) in turn by the callers of the fn it is in? A fn used as a value (a handler)
    /// or spawned as a task is not; a future kept (returned, boxed, joined) is its awaiter's
    /// to bound; public API (`public`) no code of the crate calls is its users'. Calls keyed
    /// by qualified names (`Type::connect`, `module::connect`), so another type's `connect`
    /// says nothing about this one. A method that may be called on a receiver of unknown type
    /// (`self.inner.connect()`, a trait's method) has callers we cannot all see: unless a known
    /// caller awaits it bare, its coverage is unknown, which counts as covered (no finding).
    /// Does the sync fn of this key block its caller's thread: a blocking call of its own, or
    /// one in a crate fn it calls, up to [`BLOCKING_DEPTH`] calls down (`edit` calls
    /// `open_editor`, which waits for the editor's process)?
    fn blocks(&self, key: &str) -> bool {
        let mut seen: HashSet<String> = HashSet::new();
        let mut level = vec![key.to_string()];
        for _ in 0..=BLOCKING_DEPTH {
            let mut next = Vec::new();
            for k in level.iter().flat_map(|k| self.reexported_as(k)) {
                if !seen.insert(k.clone()) {
                    continue;
                }
                if self.blocking_fns.contains(&k)
                    || self.blocking_fns_if.get(&k).is_some_and(|cs| {
                        cs.iter()
                            .any(|c| !matches!(c, Condition::CalleeBlocks(_)) && self.holds(c))
                    })
                {
                    return true;
                }
                next.extend(self.sync_calls.get(&k).into_iter().flatten().cloned());
            }
            if next.is_empty() {
                return false;
            }
            level = next;
        }
        false
    }

    /// A key and the keys of what it re-exports (`state::load` for `pub use data::*;` in
    /// `state` is also `data::load`), a few re-exports deep.
    fn reexported_as(&self, key: &str) -> Vec<String> {
        let mut out = vec![key.to_string()];
        let mut i = 0;
        while i < out.len() && out.len() < 16 {
            let k = out[i].clone();
            i += 1;
            if let Some(source) = self.reexport_names.get(&k) {
                if !out.contains(source) {
                    out.push(source.clone());
                }
            }
            let Some((module, name)) = k.rsplit_once("::") else {
                continue;
            };
            for source in self.reexport_globs.get(module).into_iter().flatten() {
                let s = format!("{source}::{name}");
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// Does the `async fn` of this key watch a stop signal, in its own body or in a crate fn
    /// it awaits (`start(rx)` builds `Self { rx }` and awaits `run`, whose loop polls
    /// `self.rx.recv()`), two calls deep at most?
    fn stops_on_signal(&self, key: &str, depth: usize) -> bool {
        if self.stop_polling_fns.contains(key) {
            return true;
        }
        depth < 2
            && self.bare_awaited_callees.iter().any(|(callee, callers)| {
                callee != key
                    && callers.iter().flatten().any(|c| c.key == key)
                    && self.stops_on_signal(callee, depth + 1)
            })
    }

    fn covered_by_callers(&self, f: &FnRef, public: bool, depth: usize) -> bool {
        if depth > 8 {
            return false;
        }
        let mut keys = f.keys();
        // A free fn of a file whose module is not known (a crate root, or every file in PATH
        // mode, where no module tree is read): its callers may name it by any module.
        if !f.method && f.key == format!("crate::{}", f.name) {
            let suffix = format!("::{}", f.name);
            let named = |k: &&String| k.ends_with(&suffix) && !k.starts_with(UNKNOWN_RECEIVER);
            let found: HashSet<String> = self
                .deadline_callees
                .iter()
                .chain(self.future_uses.iter())
                .chain(self.spawned_callees.iter())
                .chain(self.value_uses.iter())
                .chain(self.bare_awaited_callees.keys())
                .filter(named)
                .cloned()
                .collect();
            keys.extend(found);
        }
        if keys.iter().any(|k| self.value_uses.contains(k)) || self.value_uses.contains(&f.name) {
            return false;
        }
        if keys.iter().any(|k| self.spawned_callees.contains(k)) {
            return false;
        }
        // Calls we cannot attribute (a method on a receiver of unknown type, a trait's
        // dispatch) may be this fn's: they cannot prove it bounded, but without a known bare
        // caller they leave its coverage unknown, which stays silent.
        let unknown = format!("{UNKNOWN_RECEIVER}::{}", f.name);
        let unknown_bare = self.bare_awaited_callees.get(&unknown);
        let reached_unknown = f.via_trait
            || (f.takes_self
                && (self.deadline_callees.contains(&unknown) || unknown_bare.is_some()));
        // A future kept rather than awaited (returned, boxed, joined) is bounded, or not, by
        // whoever awaits it, as for a connect's own future.
        let bounded = keys
            .iter()
            .any(|k| self.deadline_callees.contains(k) || self.future_uses.contains(k));
        let mut bare: Vec<&Option<FnRef>> = keys
            .iter()
            .filter_map(|k| self.bare_awaited_callees.get(k))
            .flatten()
            .collect();
        // The impl's method of a trait the crate declares is called through it
        // (`self.transport.connect(a)` on a generic or `dyn` receiver): each such call awaited
        // bare is a caller, covered only if its own callers are. (A foreign trait's method,
        // tower's `call`, is called by code we do not see, and by name everywhere.)
        let crate_trait = f
            .trait_name
            .as_ref()
            .is_some_and(|t| self.declared_traits.contains(t));
        if crate_trait {
            bare.extend(unknown_bare.into_iter().flatten());
        }
        if bare.is_empty() {
            return bounded || (public && depth == 0) || reached_unknown;
        }
        // A same-named fn awaiting it (a trait method delegating to a helper) shares its
        // callers; any other caller must itself be covered.
        let mut others = bare
            .into_iter()
            .filter(|c| c.as_ref().is_none_or(|c| c.key != f.key))
            .peekable();
        if others.peek().is_none() && !bounded {
            return reached_unknown;
        }
        others.all(|c| {
            c.as_ref()
                .is_some_and(|c| self.covered_by_callers(c, false, depth + 1))
        })
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
            Condition::NotAMethod(key) => !self.receiver_methods.contains(key),
            Condition::NotPermitTaker(key) => !self.permit_takers.contains(key),
            Condition::DeclaredLock(name, kind) => {
                // `Metrics.inner`: that struct's own field; for a struct the crate does not
                // declare, every field of the name.
                let kinds = self.lock_decls.get(name).or_else(|| {
                    let (_, field) = name.split_once('.')?;
                    self.lock_decls.get(field)
                });
                kinds.is_some_and(|kinds| kinds.len() == 1 && kinds.contains(kind))
            }
            Condition::NotOnlyUnderDeadline(f, public) => !self.covered_by_callers(f, *public, 0),
            Condition::DeclaredAs(name, kind) => {
                // `Config.path`: that struct's own field; one it does not declare (reached
                // through a `Deref`, or the struct is another crate's) by every `path`.
                let kinds = self.declared.get(name).or_else(|| {
                    let (_, field) = name.split_once('.')?;
                    self.declared.get(field)
                });
                kinds.is_some_and(|kinds| kinds.len() == 1 && kinds.contains(&Some(*kind)))
            }
            Condition::BuilderWithoutTimeout(name) => self
                .builder_fns
                .get(name)
                .is_some_and(|timed| timed.len() == 1 && timed.contains(&false)),
            Condition::RequestsNotAllBounded(path) => !self.requests_bounded_in.contains(path),
            // `Owner.tx`: sent on from async code through that struct's `self.tx`, or through
            // a `tx` field of a value whose type is unknown.
            Condition::SentFromAsync(field) => {
                let bare = field.split_once('.').map(|(_, b)| b);
                let is_field = |f: &str| f == field || Some(f) == bare;
                self.async_send_fields.contains(field)
                    || bare.is_some_and(|b| self.async_send_fields.contains(b))
                    // A sync fn that sends on it, called by name from async code.
                    || self
                        .sync_send_fields
                        .iter()
                        .any(|(f, sent)| is_field(sent) && self.executor_calls.contains(f))
            }
            Condition::FixAtCallSites(_) => true,
            Condition::SomeTakesNoLock(names) => names.iter().any(|name| {
                !self.lock_takers.get(name).is_some_and(|receivers| {
                    receivers.iter().any(|r| self.lock_decls.contains_key(r))
                })
            }),
            Condition::AwaitsCancelUnsafe(key) => self.awaits_cancel_unsafe(key),
            Condition::IsSpawnWrapper(key) => self.spawn_wrappers.contains(key),
            Condition::CalleeBlocks(key) => self.blocks(key),
            Condition::NotRootFuture(keys) => !keys.iter().any(|k| self.root_futures.contains(k)),
            Condition::NoneStopsOnSignal(keys) => !keys.iter().any(|k| self.stops_on_signal(k, 0)),
            Condition::IsAsyncFn(key) => self
                .fn_asyncness
                .get(key)
                .is_some_and(|a| a.len() == 1 && a.contains(&true)),
        }
    }

    /// Does the fn of this key await a cancel-unsafe operation? A method on a receiver of
    /// unknown type (`*::read_frame`) counts if every fn of that name in the crate does.
    fn awaits_cancel_unsafe(&self, key: &str) -> bool {
        if self.cancel_unsafe_fns.contains(key) {
            return true;
        }
        let Some(name) = key
            .strip_prefix(UNKNOWN_RECEIVER)
            .and_then(|k| k.strip_prefix("::"))
        else {
            return false;
        };
        let suffix = format!("::{name}");
        let mut same_name = self
            .fn_asyncness
            .keys()
            .filter(|k| k.ends_with(&suffix))
            .peekable();
        same_name.peek().is_some() && same_name.all(|k| self.cancel_unsafe_fns.contains(k))
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
    /// The fn of this name is not covered by its callers: none bounds it, or one awaits it
    /// bare or uses it as a value (a connect helper is covered when every caller bounds it).
    /// The flag: the fn is public API, so with no caller in the crate its users decide.
    NotOnlyUnderDeadline(FnRef, bool),
    /// Every declaration of this name in the crate has a type of this kind.
    DeclaredAs(String, ValueKind),
    /// Every fn of this name returns a reqwest `ClientBuilder` and sets no timeout.
    BuilderWithoutTimeout(String),
    /// Not every HTTP request sent in this file (by path) is bounded.
    RequestsNotAllBounded(String),
    /// Some async code sends on a field of this name.
    SentFromAsync(String),
    /// Not every one of these fns takes a lock the crate declares (an async `Mutex`/`RwLock`,
    /// waited for with `.await`): when each does, their calls run one at a time whatever
    /// their caller does; when one does not, that one's work could overlap.
    SomeTakesNoLock(Vec<String>),
    /// The `async fn` of these keys is no runtime's root future
    /// ([`FileFacts::root_futures`]): its body runs on an executor thread.
    NotRootFuture(Vec<String>),
    /// Not a filter (it always holds): the finding's fix removes the `.await` at every call
    /// of this fn, settled in `analyze::finish_crate` by [`super::call_sites::settle`].
    FixAtCallSites(super::call_sites::FnTarget),
    /// The fn of this key (or, for `*::name`, every fn of that name) is an `async fn` whose
    /// own body awaits an operation that is not cancel safe.
    AwaitsCancelUnsafe(String),
    /// Every fn of this key in the crate is an `async fn`.
    IsAsyncFn(String),
    /// None of the `async fn`s of these keys (the ones a spawned task awaits) watches a stop
    /// signal it was handed.
    NoneStopsOnSignal(Vec<String>),
    /// The fn of this key is a spawn wrapper: its result is a task's `JoinHandle`.
    IsSpawnWrapper(String),
    /// The fn of this key does not wait for a permit in its own body (see
    /// [`FileFacts::permit_takers`]).
    NotPermitTaker(String),
    /// `Type::name` is not a method with a `self` receiver (so `xs.map(Type::name)` is data
    /// handed to a fn, not each item doing its own work).
    NotAMethod(String),
    /// The sync fn of this key makes a blocking call itself.
    CalleeBlocks(String),
}
