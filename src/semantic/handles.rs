//! Task handles in one fn body: which locals hold a running task's `JoinHandle` (or a
//! collection of them), where they are bound, used and aborted, and the places where the fn
//! stops waiting for them — a fail-fast join (`try_join!`, `try_join_all`), an early return at
//! the await of one handle while others are still running, a deadline on a handle
//! (`timeout(d, h)`, a `select!` racing it against a timer).
//!
//! Dropping a `JoinHandle` detaches its task: nothing stops it. So each of these places leaves
//! tasks running unowned unless something aborts them; rules (`fail_fast_leak`,
//! `timeout_leaks_task`) ask [`of_fn`] and decide.
//!
//! Computed once per fn on first use, and only for a fn whose text mentions a spawn or a
//! `JoinHandle` (others get an empty summary without a walk), then cached per file.

use super::calls::{spawn_call, SpawnFlavor};
use super::dataflow::{pat_idents, peel, root_ident};
use super::known::handles as k;
use super::known::join::JOIN_ALL;
use super::macros::{macro_name, parse_expr_macro, MacroBody, MAX_MACRO_DEPTH};
use super::tasks::strip_result;
use super::{Cx, Tri};
use crate::diagnostic::Span;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use syn::visit::Visit;

/// A local holding a task's handle.
#[derive(Debug, Clone)]
pub struct Handle {
    /// The spawn call it was bound to (`let h = tokio::spawn(..)`), for suggestions; `None`
    /// for a handle known by its declared type.
    pub spawn: Option<Span>,
    /// Byte offset of the binding, and the end of the block it is bound in.
    pub bound_at: usize,
    pub scope_end: usize,
    /// The body (fn, closure or `async` block, by start offset) the binding is in: an early
    /// return leaves only its own body.
    pub body: usize,
    /// A `spawn_blocking` handle: `abort` cannot stop its closure.
    pub blocking: bool,
    /// Names the spawned future uses (recorded only in a fn that holds a token's drop guard).
    uses: Vec<String>,
}

/// One argument of a fail-fast join that is (or awaits) a task handle.
#[derive(Debug, Clone)]
pub enum Joined {
    /// A handle local, by name.
    Local(String),
    /// A spawn call written in the join itself.
    Inline(Span),
}

/// `tokio::try_join!(a, b)` or `try_join_all(handles)` over running tasks.
#[derive(Debug, Clone)]
pub struct FailFastJoin {
    pub span: Span,
    /// How the join is written (`tokio::try_join!`, `try_join_all`).
    pub written: String,
    /// For a macro: the handle arguments; for `try_join_all`: empty.
    pub handles: Vec<Joined>,
    /// For `try_join_all`: the collection (or inline spawning iterator) joined.
    pub collection: Option<String>,
    /// Number of futures joined by the macro.
    pub arity: usize,
}

/// An `.await` of a handle whose result can return early (`h.await??`, a `match` whose arm
/// returns, `let Ok(x) = h.await else { return }`).
#[derive(Debug, Clone)]
pub struct EarlyReturn {
    pub span: Span,
    /// The awaited handle (a local, or the loop variable over a collection).
    pub awaited: String,
    /// When the awaited handle is the item of a loop over a collection of handles: that
    /// collection.
    pub loop_over: Option<String>,
    /// Byte offset just after the await expression.
    pub at: usize,
    /// The body it returns from (see [`Handle::body`]).
    pub body: usize,
}

/// A deadline on a handle: `timeout(d, h)`, `h.timeout(d)`, or a `select!` branch awaiting
/// it raced against a timer branch.
#[derive(Debug, Clone)]
pub struct Deadline {
    pub span: Span,
    /// How the deadline is written (`tokio::time::timeout`, `select!`).
    pub written: String,
    /// The handle local, `None` for a spawn written inside the deadline.
    pub handle: Option<String>,
    /// The spawn written inside the deadline.
    pub inline: Option<Span>,
    /// Polled through `&mut h`: the handle survives the deadline.
    pub by_ref: bool,
    pub at: usize,
    /// Start of the innermost loop around the deadline.
    pub loop_start: Option<usize>,
    /// For `select!`: the timer branch.
    pub timer: Option<Span>,
    /// The handle is the item of a loop over this collection of handles
    /// (`for h in workers { timeout(d, h).await }`).
    pub from_collection: Option<String>,
}

/// What one fn does with its task handles.
#[derive(Debug, Default)]
pub struct FnHandles {
    /// The handle each name holds at the end of the fn (its last binding).
    tasks: HashMap<String, Handle>,
    /// Earlier bindings of a name that a later `let` shadowed (`let h = h.await??;`), with the
    /// offset where the shadowing `let`'s value ends: uses before it are this handle's.
    retired: Vec<(String, Handle, usize)>,
    /// Collections of task handles (`handles.push(tokio::spawn(..))`, `.map(spawn).collect()`,
    /// `Vec<JoinHandle<_>>`).
    pub collections: HashSet<String>,
    aborted: HashSet<String>,
    /// Tokens whose drop guard the fn holds (`let _guard = token.clone().drop_guard();`): an
    /// early return cancels them, and with them the tasks that were handed one.
    guarded_tokens: HashSet<String>,
    /// An abort on something that is not a known handle (a field, a guard): it may be one.
    aborts_other: bool,
    uses: HashMap<String, Vec<usize>>,
    pub joins: Vec<FailFastJoin>,
    pub early: Vec<EarlyReturn>,
    pub deadlines: Vec<Deadline>,
}

impl FnHandles {
    /// Is the task behind `name` (a handle, its abort handle, or a collection) aborted
    /// somewhere in the fn? Also true when something unrecognized is aborted.
    pub fn aborted(&self, name: &str) -> bool {
        self.aborts_other
            || self.aborted.contains(name)
            || (!self.guarded_tokens.is_empty()
                && self.bindings().any(|(n, h, _)| {
                    n == name && h.uses.iter().any(|u| self.guarded_tokens.contains(u))
                }))
    }

    /// Is the handle named again after byte offset `at` (awaited, aborted, stored, returned)?
    pub fn used_after(&self, name: &str, at: usize) -> bool {
        self.used_between(name, at, usize::MAX)
    }

    fn used_between(&self, name: &str, from: usize, to: usize) -> bool {
        self.uses
            .get(name)
            .is_some_and(|u| u.iter().any(|o| (from..to).contains(o)))
    }

    /// Every binding of a task handle in the fn: (name, handle, end of its life).
    fn bindings(&self) -> impl Iterator<Item = (&str, &Handle, usize)> {
        self.tasks
            .iter()
            .map(|(n, h)| (n.as_str(), h, usize::MAX))
            .chain(self.retired.iter().map(|(n, h, end)| (n.as_str(), h, *end)))
    }

    /// The handle `name` holds at byte offset `at`: the binding made before it and not yet
    /// shadowed.
    pub fn handle_at(&self, name: &str, at: usize) -> Option<&Handle> {
        self.bindings()
            .filter(|(n, h, end)| *n == name && h.bound_at <= at && at <= *end)
            .max_by_key(|(_, h, _)| h.bound_at)
            .map(|(_, h, _)| h)
    }

    /// Task handles (not `spawn_blocking` ones) still running at `at`: bound before it in a
    /// block that encloses it, and used after it (so not consumed before), by a use of the
    /// same binding (not of a later `let` of the name).
    pub fn live_at(&self, at: usize, body: usize, except: &str) -> Vec<(&str, &Handle)> {
        let mut live: Vec<(&str, &Handle)> = self
            .bindings()
            .filter(|(n, h, end)| {
                *n != except
                    && !h.blocking
                    && h.body == body
                    && h.bound_at < at
                    && at < *end
                    && h.scope_end >= at
                    && self.used_between(n, at, *end)
            })
            .map(|(n, h, _)| (n, h))
            .collect();
        live.sort_by_key(|(_, h)| h.bound_at);
        live.dedup_by_key(|(n, _)| *n);
        live
    }
}

/// Struct fields of the file declared as a collection of handles (`tasks: Vec<JoinHandle<()>>`)
/// or as an optional handle (`worker: Option<JoinHandle<()>>`, taken at shutdown), by name:
/// found once per file, on first use.
struct HandleFields {
    vecs: HashSet<String>,
    opts: HashSet<String>,
}

/// The file's type aliases (`type Handles = FuturesUnordered<JoinHandle<()>>;`), top level and
/// inline modules: what a parameter declared with one holds.
struct TypeAliases(HashMap<String, syn::Type>);

impl TypeAliases {
    fn of(file: &syn::File) -> TypeAliases {
        let mut out = HashMap::new();
        for item in super::items::file_items(file) {
            if let syn::Item::Type(t) = item {
                if t.generics.params.is_empty() {
                    out.insert(t.ident.to_string(), (*t.ty).clone());
                }
            }
        }
        TypeAliases(out)
    }
}

impl HandleFields {
    fn of(file: &syn::File) -> HandleFields {
        let mut out = HandleFields {
            vecs: HashSet::new(),
            opts: HashSet::new(),
        };
        for item in super::items::file_items(file) {
            let syn::Item::Struct(st) = item else {
                continue;
            };
            for f in &st.fields {
                let Some(name) = &f.ident else { continue };
                if wraps_handle(&f.ty, &["Vec", "VecDeque"]) {
                    out.vecs.insert(name.to_string());
                } else if wraps_handle(&f.ty, &["Option"]) {
                    out.opts.insert(name.to_string());
                }
            }
        }
        out
    }
}

/// `Vec<JoinHandle<_>>`, `Option<JoinHandle<_>>`: one of `wrappers` around a `JoinHandle`, by
/// name (awaited or put under a deadline, it must be a task's handle: a thread's is no future).
fn wraps_handle(ty: &syn::Type, wrappers: &[&str]) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if !wrappers.iter().any(|w| last.ident == w) {
        return false;
    }
    matches!(&last.arguments, syn::PathArguments::AngleBracketed(a)
        if a.args.iter().any(|g| matches!(g, syn::GenericArgument::Type(syn::Type::Path(t))
            if t.path.segments.last().is_some_and(|s| s.ident == "JoinHandle"))))
}

#[derive(Default)]
struct Cache(RefCell<HashMap<usize, Rc<FnHandles>>>);

/// The handle summary of a fn the handle rules judge: `None` for test code (unless
/// `check_tests`) and for a runtime's `main`, whose end shuts the runtime down and so cancels
/// every task it spawned.
pub fn of_checked_fn(
    cx: &Cx,
    f: &crate::rules::FnNode,
    check_tests: bool,
) -> Option<Rc<FnHandles>> {
    if cx.skips_test_code(check_tests)
        || (f.is_test && !check_tests)
        || f.attrs.iter().any(super::exec::is_main_attr)
    {
        return None;
    }
    Some(of_fn(cx, f.sig, f.body))
}

/// The handle summary of a fn body (computed once per body and file).
pub fn of_fn(cx: &Cx, sig: &syn::Signature, body: &syn::Block) -> Rc<FnHandles> {
    let key = body as *const syn::Block as usize;
    let cache = cx.file.memo.get(Cache::default);
    if let Some(s) = cache.0.borrow().get(&key) {
        return s.clone();
    }
    let text = cx.snippet(cx.span(body.brace_token.span.join()));
    let typed = sig.inputs.iter().any(|i| match i {
        syn::FnArg::Typed(t) => {
            names_join_handle(&t.ty)
                // `futures: Handles` with `type Handles = FuturesUnordered<JoinHandle<..>>;`
                || matches!(&*t.ty, syn::Type::Path(p) if p.path.get_ident().is_some_and(|id| {
                    let aliases = cx.file.memo.get(|| TypeAliases::of(cx.file.ast));
                    aliases.0.get(&id.to_string()).is_some_and(names_join_handle)
                }))
        }
        syn::FnArg::Receiver(_) => false,
    });
    let fields = || {
        let has_self = matches!(sig.inputs.first(), Some(syn::FnArg::Receiver(_)));
        has_self && text.contains("self.") && {
            let declared = cx.file.memo.get(|| HandleFields::of(cx.file.ast));
            declared
                .vecs
                .iter()
                .chain(&declared.opts)
                .any(|f| text.contains(f.as_str()))
        }
    };
    let summary = if typed || text.contains("spawn") || text.contains("JoinHandle") || fields() {
        let mut w = Walk {
            cx,
            out: FnHandles::default(),
            loops: Vec::new(),
            loop_vars: HashMap::new(),
            results: HashMap::new(),
            aliases: HashMap::new(),
            blocks: Vec::new(),
            seen_awaits: HashSet::new(),
            depth: 0,
            bodies: Vec::new(),
            optional: HashSet::new(),
            borrowed_items: HashSet::new(),
            timers: HashSet::new(),
            local: None,
        };
        let (start, end) = {
            let s = cx.span(body.brace_token.span.join());
            (s.byte_start, s.byte_end)
        };
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                if let syn::Pat::Ident(p) = &*t.pat {
                    match w.handle_type(&t.ty) {
                        Some(false) => {
                            w.blocks.push(end);
                            w.bind(p.ident.to_string(), start, None);
                            w.blocks.pop();
                        }
                        Some(true) => {
                            w.out.collections.insert(p.ident.to_string());
                        }
                        None if wraps_handle(&t.ty, &["Option"]) => {
                            w.optional.insert(p.ident.to_string());
                        }
                        None => {}
                    }
                }
            }
        }
        w.visit_block(body);
        w.out
    } else {
        FnHandles::default()
    };
    let summary = Rc::new(summary);
    cache.0.borrow_mut().insert(key, summary.clone());
    summary
}

/// Does a type name `JoinHandle` (alone or as a generic argument), before resolving anything?
fn names_join_handle(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    p.path.segments.last().is_some_and(|s| {
        s.ident == "JoinHandle"
            || matches!(&s.arguments, syn::PathArguments::AngleBracketed(a)
                if a.args.iter().any(|g| matches!(g, syn::GenericArgument::Type(t) if names_join_handle(t))))
    })
}

struct Walk<'c, 'a> {
    cx: &'c Cx<'a>,
    out: FnHandles,
    /// Start offsets of the loops around the current point.
    loops: Vec<usize>,
    /// Loop variables over a collection of handles → the collection.
    loop_vars: HashMap<String, String>,
    /// Loop variables holding a handle's result drained from a set of handles
    /// (`while let Some(r) = futs.next().await`) → the set.
    results: HashMap<String, String>,
    /// Abort handles taken from a handle (`let ah = h.abort_handle();`) → the handle.
    aliases: HashMap<String, String>,
    /// End offsets of the blocks around the current point.
    blocks: Vec<usize>,
    seen_awaits: HashSet<usize>,
    depth: usize,
    /// Start offsets of the closures and `async` blocks around the current point (0: the fn).
    bodies: Vec<usize>,
    /// Parameters declared `Option<JoinHandle<_>>`: `if let Some(h) = task` binds a handle.
    optional: HashSet<String>,
    /// Loop variables that borrow their handle (`for h in &mut handles`, `.iter_mut()`): a
    /// deadline on one leaves the handle in the collection.
    borrowed_items: HashSet<String>,
    /// Locals bound to a timer (`let grace = sleep(d);`): a `select!` branch polling one is a
    /// deadline for the others.
    timers: HashSet<String>,
    /// A copy of the resolver with the `use` items of the blocks around the current point,
    /// made only when a block of the fn has one (`use tokio::time::timeout;` in a body).
    local: Option<super::Resolver>,
}

impl Walk<'_, '_> {
    /// Does `path` name one of `targets`, with the fn's block-level imports in scope?
    fn is(&self, path: &syn::Path, targets: &[&str]) -> Tri {
        match &self.local {
            Some(r) => r.is(path, targets),
            None => self.cx.is(path, targets),
        }
    }

    fn body(&self) -> usize {
        self.bodies.last().copied().unwrap_or(0)
    }

    fn start(&self, node: &impl syn::spanned::Spanned) -> usize {
        self.cx.span_of(node).byte_start
    }

    /// A spawn of a task (or of a `spawn_blocking` closure) on the runtime.
    fn task_spawn(&self, e: &syn::Expr) -> Option<SpawnFlavor> {
        let flavor = spawn_call(self.cx, strip_result(e))?.flavor;
        (flavor != SpawnFlavor::Thread).then_some(flavor)
    }

    /// The handle local a path names: a task handle or a loop variable over a collection.
    fn handle_name(&self, e: &syn::Expr) -> Option<String> {
        let syn::Expr::Path(p) = peel(e) else {
            return None;
        };
        let name = p.path.get_ident()?.to_string();
        let task = self.out.tasks.get(&name).is_some_and(|h| !h.blocking);
        (task || self.loop_vars.contains_key(&name)).then_some(name)
    }

    /// `h.await`, also under adapters that only map its output (`h.await.map_err(..)`) and
    /// `?`: the handle awaited, and the await expression.
    fn awaited_handle<'e>(&self, e: &'e syn::Expr) -> Option<(String, &'e syn::ExprAwait)> {
        let mut e = peel(e);
        loop {
            e = match e {
                syn::Expr::Try(t) => peel(&t.expr),
                syn::Expr::MethodCall(m) => peel(&m.receiver),
                syn::Expr::Await(a) => return self.handle_name(&a.base).map(|n| (n, a)),
                _ => return None,
            }
        }
    }

    /// `e` can return early with the result of awaiting a handle; `node` is the whole
    /// expression (`h.await??`) for the span.
    fn early_return(&mut self, e: &syn::Expr, node: &dyn syn::spanned::Spanned) {
        // `r??` on a result drained from a set of handles: the rest of the set is dropped.
        let mut inner = peel(e);
        while let syn::Expr::Try(t) = inner {
            inner = peel(&t.expr);
        }
        if let syn::Expr::Path(p) = inner {
            let set = p
                .path
                .get_ident()
                .and_then(|i| self.results.get(&i.to_string()));
            if let Some(set) = set.cloned() {
                if self.seen_awaits.insert(p as *const syn::ExprPath as usize) {
                    let span = self.cx.span(node.span());
                    self.out.early.push(EarlyReturn {
                        span,
                        loop_over: Some(set.clone()),
                        awaited: set,
                        at: span.byte_end,
                        body: self.body(),
                    });
                }
                return;
            }
        }
        let Some((name, a)) = self.awaited_handle(e) else {
            return;
        };
        if !self.seen_awaits.insert(a as *const syn::ExprAwait as usize) {
            return;
        }
        let span = self.cx.span(node.span());
        self.out.early.push(EarlyReturn {
            span,
            loop_over: self.loop_vars.get(&name).cloned(),
            awaited: name,
            at: span.byte_end,
            body: self.body(),
        });
    }

    /// Is `e` a task handle, or a future that awaits one (`flatten(h)`, `h.map_err(..)`,
    /// `async move { h.await?? }`)?
    fn joined(&self, e: &syn::Expr) -> Option<Joined> {
        if self.task_spawn(e) == Some(SpawnFlavor::Task) {
            return Some(Joined::Inline(self.cx.span_of(e)));
        }
        let is_task = |n: &String| self.out.tasks.get(n).is_some_and(|h| !h.blocking);
        let found = match peel(e) {
            syn::Expr::Path(_) | syn::Expr::MethodCall(_) => root_ident(e).filter(is_task),
            syn::Expr::Call(c) => c
                .args
                .iter()
                .find_map(|a| self.handle_name(a))
                .filter(is_task),
            syn::Expr::Async(a) => {
                let used = super::dataflow::names_used_in_block(&a.block);
                let mut names: Vec<&String> = used.iter().filter(|n| is_task(n)).collect();
                names.sort();
                names.first().map(|n| n.to_string())
            }
            _ => None,
        };
        found.map(Joined::Local)
    }

    /// A collection of task handles under `e` (`handles`, `handles.into_iter().map(..)`), or
    /// an iterator that spawns per item (`xs.iter().map(|x| tokio::spawn(..))`).
    fn handle_collection(&self, e: &syn::Expr) -> Option<String> {
        if let Some(c) = self.collection_of(e) {
            return Some(c);
        }
        self.maps_to_task(e)
            .then(|| self.cx.snippet(self.cx.span_of(e)).to_string())
    }

    /// The collection of handles `e` iterates or drains: a local (`handles`,
    /// `handles.drain(..)`), or a field of `self` the file declares as `Vec<JoinHandle<_>>`
    /// (`self.tasks.drain(..)`, named `self.tasks`).
    fn collection_of(&self, e: &syn::Expr) -> Option<String> {
        if let Some(root) = root_ident(e).filter(|r| self.out.collections.contains(r)) {
            return Some(root);
        }
        // Handles left in a field (`&mut self.tasks`, `self.tasks.iter_mut()`) stay owned by
        // `self`; drained or moved out of it, they are the fn's to drop.
        let mut e = strip_parens(e);
        loop {
            e = match e {
                syn::Expr::MethodCall(m) if m.method == "iter" || m.method == "iter_mut" => {
                    return None
                }
                syn::Expr::MethodCall(m) => strip_parens(&m.receiver),
                syn::Expr::Field(f) => {
                    let syn::Member::Named(field) = &f.member else {
                        return None;
                    };
                    let on_self =
                        matches!(peel(&f.base), syn::Expr::Path(p) if p.path.is_ident("self"));
                    let declared = self.cx.file.memo.get(|| HandleFields::of(self.cx.file.ast));
                    return (on_self && declared.vecs.contains(&field.to_string()))
                        .then(|| format!("self.{field}"));
                }
                _ => return None,
            }
        }
    }

    /// `self.worker.take()` (also unwrapped) of a field the file declares
    /// `Option<JoinHandle<_>>`: the handle taken out of `self`, the fn's to drop.
    fn taken_field(&self, e: &syn::Expr) -> bool {
        let syn::Expr::MethodCall(m) = strip_result(e) else {
            return false;
        };
        if m.method != "take" || !m.args.is_empty() {
            return false;
        }
        let syn::Expr::Field(f) = strip_parens(&m.receiver) else {
            return false;
        };
        let syn::Member::Named(field) = &f.member else {
            return false;
        };
        matches!(peel(&f.base), syn::Expr::Path(p) if p.path.is_ident("self"))
            && self
                .cx
                .file
                .memo
                .get(|| HandleFields::of(self.cx.file.ast))
                .opts
                .contains(&field.to_string())
    }

    /// Bind the names of `pat` (`Some(h)`) as handles taken from a field.
    fn bind_taken(&mut self, pat: &syn::Pat, at: usize) {
        for n in pat_idents(pat) {
            self.bind(n, at, None);
        }
    }

    /// `xs.iter().map(|x| tokio::spawn(..))` (resolved spawns only).
    fn maps_to_task(&self, e: &syn::Expr) -> bool {
        let mut e = peel(e);
        while let syn::Expr::MethodCall(m) = e {
            if m.method == "map" {
                if let Some(syn::Expr::Closure(c)) = m.args.first() {
                    let body = match peel(&c.body) {
                        syn::Expr::Block(b) => match b.block.stmts.last() {
                            Some(syn::Stmt::Expr(tail, None)) => tail,
                            _ => &c.body,
                        },
                        other => other,
                    };
                    if self.task_spawn(body) == Some(SpawnFlavor::Task) {
                        return true;
                    }
                }
            }
            e = peel(&m.receiver);
        }
        false
    }

    /// Does `ty` name a `JoinHandle` of the catalog, or a `Vec`/`VecDeque` of them?
    fn handle_type(&self, ty: &syn::Type) -> Option<bool> {
        self.handle_type_in(ty, 0)
    }

    /// [`Self::handle_type`], through at most a few of the file's type aliases.
    fn handle_type_in(&self, ty: &syn::Type, depth: usize) -> Option<bool> {
        let syn::Type::Path(p) = ty else { return None };
        let last = p.path.segments.last()?;
        if last.ident == "JoinHandle" {
            return (self.is(&p.path, k::JOIN_HANDLE_TYPES) == Tri::Yes).then_some(false);
        }
        if let Some(id) = p.path.get_ident().filter(|_| depth < 4) {
            let aliases = self.cx.file.memo.get(|| TypeAliases::of(self.cx.file.ast));
            if let Some(aliased) = aliases.0.get(&id.to_string()) {
                return self.handle_type_in(aliased, depth + 1);
            }
        }
        if !matches!(
            last.ident.to_string().as_str(),
            "Vec" | "VecDeque" | "FuturesUnordered" | "FuturesOrdered"
        ) {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        match args.args.first() {
            Some(syn::GenericArgument::Type(t)) => {
                (self.handle_type_in(t, depth + 1) == Some(false)).then_some(true)
            }
            _ => None,
        }
    }

    fn bind(&mut self, name: String, at: usize, spawn: Option<(Span, bool)>) {
        let scope_end = self.blocks.last().copied().unwrap_or(usize::MAX);
        let (spawn, blocking) = match spawn {
            Some((s, b)) => (Some(s), b),
            None => (None, false),
        };
        let body = self.body();
        self.out.tasks.insert(
            name,
            Handle {
                spawn,
                bound_at: at,
                scope_end,
                blocking,
                body,
                uses: Vec::new(),
            },
        );
    }

    /// `let _guard = token.clone().drop_guard();`: the guarded token.
    fn note_drop_guard(&mut self, pat: &syn::Pat, init: &syn::Expr) {
        let syn::Pat::Ident(_) = pat else { return };
        if let syn::Expr::MethodCall(m) = peel(init) {
            if m.method == "drop_guard" || m.method == "drop_guard_ref" {
                if let Some(root) = root_ident(&m.receiver) {
                    self.out.guarded_tokens.insert(root);
                }
            }
        }
    }

    fn deadline(&mut self, node: Span, written: String, arg: &syn::Expr, timer: Option<Span>) {
        let by_ref = matches!(strip_parens(arg), syn::Expr::Reference(r) if r.mutability.is_some());
        // `timeout(d, async move { h.await })`: the block owns the handle and drops it with
        // itself; a block that borrows it (`async { (&mut h).await }`) leaves it to the fn.
        if let syn::Expr::Async(a) = strip_parens(arg) {
            let Some(Joined::Local(n)) = self.joined(arg) else {
                return;
            };
            // Without `move`, the block still takes the handle if it awaits it by value.
            let by_ref = a.capture.is_none() && !awaits_by_value(&a.block, &n);
            self.out.deadlines.push(Deadline {
                span: node,
                written,
                handle: Some(n),
                inline: None,
                by_ref,
                at: node.byte_end,
                loop_start: self.loops.last().copied(),
                timer,
                from_collection: None,
            });
            return;
        }
        let mut from_collection = None;
        let (handle, inline) = if self.task_spawn(arg) == Some(SpawnFlavor::Task) {
            (None, Some(self.cx.span_of(arg)))
        } else {
            match self.handle_name(arg) {
                Some(n) if self.out.tasks.contains_key(&n) => (Some(n), None),
                Some(n) if self.loop_vars.contains_key(&n) && !self.borrowed_items.contains(&n) => {
                    from_collection = self.loop_vars.get(&n).cloned();
                    (Some(n), None)
                }
                _ => return,
            }
        };
        self.out.deadlines.push(Deadline {
            span: node,
            written,
            handle,
            inline,
            by_ref,
            at: node.byte_end,
            loop_start: self.loops.last().copied(),
            timer,
            from_collection,
        });
    }

    fn in_loop(&mut self, start: usize, vars: Vec<(String, String)>, f: impl FnOnce(&mut Self)) {
        self.loops.push(start);
        for (v, c) in &vars {
            self.loop_vars.insert(v.clone(), c.clone());
        }
        f(self);
        for (v, _) in &vars {
            self.loop_vars.remove(v);
        }
        self.loops.pop();
    }

    fn macro_tokens(&mut self, mac: &syn::Macro) {
        if self.depth >= MAX_MACRO_DEPTH {
            return;
        }
        let name = macro_name(mac);
        let body = parse_expr_macro(mac);
        self.depth += 1;
        let span = self.cx.span_of(mac);
        let written = format!("{}!", self.cx.snippet(self.cx.span_of(&mac.path)));
        match &body {
            MacroBody::Exprs(args)
                if name == "try_join" && self.is(&mac.path, k::TRY_JOIN_MACROS) != Tri::No =>
            {
                let handles: Vec<Joined> = args.iter().filter_map(|a| self.joined(a)).collect();
                if args.len() >= 2 && !handles.is_empty() {
                    self.out.joins.push(FailFastJoin {
                        span,
                        written,
                        handles,
                        collection: None,
                        arity: args.len(),
                    });
                }
            }
            MacroBody::Select { branches, .. }
                if self.is(&mac.path, k::SELECT_MACROS) != Tri::No =>
            {
                let timer = branches
                    .iter()
                    .find(|b| {
                        super::exec::races_a_timer(&b.future)
                            || super::exec::timer_local(&b.future)
                                .is_some_and(|n| self.timers.contains(&n))
                    })
                    .map(|b| self.cx.span_of(&b.future));
                if let Some(timer) = timer {
                    for b in branches {
                        let future = unfused(&b.future);
                        if self.handle_name(future).is_some() {
                            let s = self.cx.span_of(&b.future);
                            self.deadline(s, written.clone(), future, Some(timer));
                        }
                    }
                }
            }
            _ => {}
        }
        match &body {
            MacroBody::Exprs(es) => es.iter().for_each(|e| self.visit_expr(e)),
            MacroBody::Stmts(ss) => ss.iter().for_each(|s| self.visit_stmt(s)),
            MacroBody::Select {
                branches,
                otherwise,
            } => {
                for b in branches {
                    self.visit_expr(&b.future);
                    self.visit_expr(&b.handler);
                }
                otherwise.iter().for_each(|e| self.visit_expr(e));
            }
            MacroBody::Items(_) | MacroBody::Opaque => {}
        }
        self.depth -= 1;
    }
}

fn is_path(e: &syn::Expr) -> bool {
    matches!(peel(e), syn::Expr::Path(_))
}

/// `h.fuse()` → `h` (`futures::select!` wants fused futures).
fn unfused(e: &syn::Expr) -> &syn::Expr {
    match strip_parens(e) {
        syn::Expr::MethodCall(m) if m.method == "fuse" && m.args.is_empty() => &m.receiver,
        other => other,
    }
}

fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        syn::Expr::Group(g) => strip_parens(&g.expr),
        _ => e,
    }
}

/// Does a pattern match the error of an awaited handle (`Err(e)`, `Ok(Err(e))`), or, with
/// `catch_all`, anything (`_`, a binding)?
fn catches_error(p: &syn::Pat, catch_all: bool) -> bool {
    match p {
        syn::Pat::Wild(_) => catch_all,
        syn::Pat::Ident(i) if i.subpat.is_none() => catch_all,
        syn::Pat::Or(o) => o.cases.iter().any(|c| catches_error(c, false)),
        _ => {
            let mut names = HashSet::new();
            super::dataflow::collect_token_idents(&quote::ToTokens::to_token_stream(p), &mut names);
            names.contains("Err")
        }
    }
}

/// Does the block await the handle `name` itself (`name.await`), which moves it in?
fn awaits_by_value(b: &syn::Block, name: &str) -> bool {
    struct V<'n>(&'n str, bool);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
            if matches!(strip_parens(&a.base), syn::Expr::Path(p) if p.path.is_ident(self.0)) {
                self.1 = true;
            }
            syn::visit::visit_expr_await(self, a);
        }
    }
    let mut v = V(name, false);
    v.visit_block(b);
    v.1
}

/// Does `e` leave the fn early: a `return` or a `?` (outside closures and async blocks)?
fn returns_early(e: &syn::Expr) -> bool {
    let mut v = EarlyExit(false);
    v.visit_expr(e);
    v.0
}

fn block_returns_early(b: &syn::Block) -> bool {
    let mut v = EarlyExit(false);
    v.visit_block(b);
    v.0
}

struct EarlyExit(bool);

impl<'ast> Visit<'ast> for EarlyExit {
    fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
        self.0 = true;
    }
    fn visit_expr_try(&mut self, _: &'ast syn::ExprTry) {
        self.0 = true;
    }
    // `bail!(..)`, `ensure!(..)` (by name: a macro is not resolved here), or a macro whose
    // tokens hold a `return`.
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let name = m.path.segments.last().map(|s| s.ident.to_string());
        let by_name = name.is_some_and(|n| {
            k::EARLY_RETURN_MACROS
                .iter()
                .any(|t| crate::semantic::known::last_segment(t) == n)
        });
        let mut idents = HashSet::new();
        if !by_name {
            super::dataflow::collect_token_idents(&m.tokens, &mut idents);
        }
        self.0 |= by_name || idents.contains("return");
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

impl Walk<'_, '_> {
    /// What a `let` binds: handles, collections of them, abort handles, early returns.
    fn local(&mut self, l: &syn::Local) {
        syn::visit::visit_local(self, l);
        if let Some((pat, init)) = super::dataflow::let_parts(l) {
            let names = pat_idents(pat);
            if super::exec::races_a_timer(init) {
                self.timers.extend(names);
            } else {
                names.iter().for_each(|n| {
                    self.timers.remove(n);
                });
            }
        }
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        let Some(init) = &l.init else { return };
        // `let Ok(v) = h.await else { return .. };`
        if init.diverge.is_some() {
            self.early_return(&init.expr, &*init.expr);
        }
        // `let h = self.worker.take().unwrap();`, `let Some(h) = self.worker.take() else { .. };`
        if self.taken_field(&init.expr) && !matches!(pat, syn::Pat::Ident(_)) {
            let at = self.start(l);
            self.bind_taken(pat, at);
            return;
        }
        // `let (a, b) = (tokio::spawn(x), tokio::spawn(y));`
        if let (syn::Pat::Tuple(pt), syn::Expr::Tuple(et)) = (pat, peel(&init.expr)) {
            if pt.elems.len() == et.elems.len() {
                let at = self.start(l);
                for (p, e) in pt.elems.iter().zip(&et.elems) {
                    if let (syn::Pat::Ident(p), Some(flavor)) = (p, self.task_spawn(e)) {
                        let span = self.cx.span_of(e);
                        let blocking = flavor == SpawnFlavor::Blocking;
                        self.bind(p.ident.to_string(), at, Some((span, blocking)));
                    }
                }
            }
            return;
        }
        let syn::Pat::Ident(p) = pat else { return };
        let name = p.ident.to_string();
        let at = self.start(l);
        let prev = self.out.tasks.remove(&name);
        self.out.collections.remove(&name);
        self.aliases.remove(&name);
        // The handle a name held before this `let` (`let h = h.fuse();` rebinds the same name).
        let lookup = |w: &Self, from: &str| {
            if from == name {
                prev.clone()
            } else {
                w.out.tasks.get(from).cloned()
            }
        };
        self.note_drop_guard(pat, &init.expr);
        if let Some(flavor) = self.task_spawn(&init.expr) {
            let span = self.cx.span_of(&*init.expr);
            self.bind(
                name.clone(),
                at,
                Some((span, flavor == SpawnFlavor::Blocking)),
            );
            if !self.out.guarded_tokens.is_empty() {
                let arg = spawn_call(self.cx, strip_result(&init.expr)).and_then(|s| s.arg);
                if let (Some(arg), Some(h)) = (arg, self.out.tasks.get_mut(&name)) {
                    h.uses = super::dataflow::names_used_in_expr(arg)
                        .into_iter()
                        .collect();
                }
            }
            return;
        }
        // `let h = tokio::spawn(..).fuse();`, `let h = handle.fuse();` (for `futures::select!`).
        if let syn::Expr::MethodCall(m) = peel(&init.expr) {
            if m.method == "fuse" && m.args.is_empty() {
                if let Some(flavor) = self.task_spawn(&m.receiver) {
                    let span = self.cx.span_of(&*m.receiver);
                    self.bind(name, at, Some((span, flavor == SpawnFlavor::Blocking)));
                    return;
                }
                if let Some(h) = root_ident(&m.receiver).filter(|_| is_path(&m.receiver)) {
                    if let Some(info) = lookup(self, &h) {
                        let scope_end = self.blocks.last().copied().unwrap_or(usize::MAX);
                        let info = Handle {
                            bound_at: at,
                            scope_end,
                            body: self.body(),
                            ..info
                        };
                        self.out.tasks.insert(name, info);
                        return;
                    }
                }
            }
        }
        if self.taken_field(&init.expr)
            && !matches!(peel(&init.expr), syn::Expr::MethodCall(m) if m.method == "take")
        {
            // unwrapped: `self.worker.take().unwrap()` / `.expect(..)` / `?`
            return self.bind(name, at, None);
        }
        // `let mut h = h;`: the same handle under a new binding.
        if let syn::Expr::Path(p) = strip_parens(&init.expr) {
            if let Some(from) = p.path.get_ident().map(|i| i.to_string()) {
                if let Some(info) = lookup(self, &from) {
                    let scope_end = self.blocks.last().copied().unwrap_or(usize::MAX);
                    let info = Handle {
                        bound_at: at,
                        scope_end,
                        body: self.body(),
                        ..info
                    };
                    self.out.tasks.insert(name, info);
                    return;
                }
            }
        }
        match ty.and_then(|t| self.handle_type(t)) {
            Some(false) => return self.bind(name, at, None),
            Some(true) => {
                self.out.collections.insert(name);
                return;
            }
            None => {}
        }
        let e = peel(&init.expr);
        if let syn::Expr::MethodCall(m) = e {
            if k::ABORT_HANDLES.contains(&m.method.to_string().as_str()) {
                if let Some(h) = self.handle_name(&m.receiver) {
                    self.aliases.insert(name, h);
                    return;
                }
            }
            if m.method == "collect" && self.maps_to_task(&m.receiver) {
                self.out.collections.insert(name);
                return;
            }
        }
        if let syn::Expr::Macro(m) = e {
            if m.mac.path.is_ident("vec") {
                if let MacroBody::Exprs(es) = parse_expr_macro(&m.mac) {
                    if !es.is_empty()
                        && es
                            .iter()
                            .all(|x| self.task_spawn(x) == Some(SpawnFlavor::Task))
                    {
                        self.out.collections.insert(name);
                    }
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Walk<'_, '_> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.bodies.push(self.start(c));
        syn::visit::visit_expr_closure(self, c);
        self.bodies.pop();
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.bodies.push(self.start(a));
        syn::visit::visit_expr_async(self, a);
        self.bodies.pop();
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        let end = self.cx.span(b.brace_token.span.join()).byte_end;
        let uses: Vec<&syn::Item> = b
            .stmts
            .iter()
            .filter_map(|s| match s {
                syn::Stmt::Item(i @ syn::Item::Use(_)) => Some(i),
                _ => None,
            })
            .collect();
        let scoped = !uses.is_empty();
        if scoped {
            let mut module: Vec<String> = self.cx.file.module_path.to_vec();
            module.extend(self.cx.frames.iter().filter_map(|f| match f {
                super::Frame::Mod { name, .. } => Some(name.clone()),
                _ => None,
            }));
            let r = self.local.get_or_insert_with(|| self.cx.resolver.clone());
            r.push(super::Scope::for_items(uses, &module));
        }
        self.blocks.push(end);
        syn::visit::visit_block(self, b);
        self.blocks.pop();
        if scoped {
            if let Some(r) = &mut self.local {
                r.pop();
            }
        }
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        // A `let` that shadows a handle's name ends that binding once its value is computed
        // (`let h = h.await??;`): the old handle is retired, not forgotten.
        let shadowed = super::dataflow::let_parts(l).and_then(|(pat, init)| match pat {
            syn::Pat::Ident(p) => {
                let name = p.ident.to_string();
                let old = self.out.tasks.get(&name).cloned()?;
                Some((name, old, self.cx.span_of(init).byte_end))
            }
            _ => None,
        });
        self.local(l);
        if let Some((name, old, end)) = shadowed {
            if self
                .out
                .tasks
                .get(&name)
                .is_none_or(|h| h.bound_at != old.bound_at)
            {
                self.out.retired.push((name, old, end));
            }
        }
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(id) = p.path.get_ident() {
            let name = id.to_string();
            if self.out.tasks.contains_key(&name) || self.out.collections.contains(&name) {
                let at = self.start(p);
                self.out.uses.entry(name).or_default().push(at);
            }
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        if method == "push" || method == "push_back" {
            if let (Some(arg), Some(root)) = (m.args.first(), root_ident(&m.receiver)) {
                if self.task_spawn(arg) == Some(SpawnFlavor::Task) {
                    self.out.collections.insert(root);
                }
            }
        }
        if k::ABORTS.contains(&method.as_str()) && m.args.is_empty() {
            match root_ident(&m.receiver) {
                Some(r) if self.out.tasks.contains_key(&r) || self.out.collections.contains(&r) => {
                    self.out.aborted.insert(r);
                }
                Some(r) if self.loop_vars.contains_key(&r) => {
                    let c = self.loop_vars[&r].clone();
                    self.out.aborted.insert(c);
                }
                Some(r) if self.aliases.contains_key(&r) => {
                    let h = self.aliases[&r].clone();
                    self.out.aborted.insert(h);
                }
                _ => self.out.aborts_other = true,
            }
        }
        // `h.abort_handle()`: whoever holds it (an alias, a guard, a registry) can stop the task.
        if k::ABORT_HANDLES.contains(&method.as_str()) && m.args.is_empty() {
            if let Some(r) = root_ident(&m.receiver).filter(|r| self.out.tasks.contains_key(r)) {
                self.out.aborted.insert(r);
            }
        }
        if k::CANCELS.contains(&method.as_str()) && m.args.is_empty() {
            if let Some(r) = root_ident(&m.receiver).filter(|r| self.out.tasks.contains_key(r)) {
                self.out.aborted.insert(r);
            }
        }
        if k::TIMEOUT_METHODS.contains(&method.as_str()) && m.args.len() == 1 {
            if let Some(h) = self.handle_name(&m.receiver) {
                if self.out.tasks.contains_key(&h) {
                    let span = self.cx.span_of(m);
                    self.deadline(span, format!(".{method}(..)"), &m.receiver, None);
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            let written = || self.cx.snippet(self.cx.span_of(&p.path)).to_string();
            if self.is(&p.path, k::TIMEOUT_FNS) == Tri::Yes {
                if let Some(arg) = c.args.last().filter(|_| c.args.len() == 2) {
                    let span = self.cx.span_of(c);
                    let w = written();
                    self.deadline(span, w, arg, None);
                }
            }
            if self.is(&p.path, k::TRY_JOIN_FNS) == Tri::Yes {
                let handles: Vec<Joined> = c.args.iter().filter_map(|a| self.joined(a)).collect();
                if c.args.len() >= 2 && !handles.is_empty() {
                    self.out.joins.push(FailFastJoin {
                        span: self.cx.span_of(c),
                        written: written(),
                        handles,
                        collection: None,
                        arity: c.args.len(),
                    });
                }
            }
            let tried: Vec<&str> = JOIN_ALL
                .iter()
                .copied()
                .filter(|t| super::known::last_segment(t).starts_with("try_"))
                .collect();
            if self.is(&p.path, &tried) == Tri::Yes {
                if let Some(collection) = c.args.first().and_then(|a| self.handle_collection(a)) {
                    self.out.joins.push(FailFastJoin {
                        span: self.cx.span_of(c),
                        written: written(),
                        handles: Vec::new(),
                        collection: Some(collection),
                        arity: 0,
                    });
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        self.early_return(&t.expr, t);
        syn::visit::visit_expr_try(self, t);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        // `match self.worker.take() { Some(h) => .., None => .. }`
        if self.taken_field(&m.expr) {
            let at = self.start(m);
            for a in &m.arms {
                self.bind_taken(&a.pat, at);
            }
        }
        // An arm on the error (`Err(e) => return ..`, `_ => return ..`); an early return on
        // success (`Ok(v) => return Ok(v)`, a race for the first result) is another pattern.
        if self.awaited_handle(&m.expr).is_some()
            && m.arms
                .iter()
                .any(|a| catches_error(&a.pat, true) && returns_early(&a.body))
        {
            self.early_return(&m.expr, &*m.expr);
        }
        syn::visit::visit_expr_match(self, m);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        if let syn::Expr::Let(l) = &*i.cond {
            // `if let Some(h) = self.worker.take() { .. }`, `if let Some(h) = task { .. }` for
            // a parameter `task: Option<JoinHandle<_>>`.
            let optional_param = matches!(peel(&l.expr), syn::Expr::Path(p)
                if p.path.get_ident().is_some_and(|i| self.optional.contains(&i.to_string())));
            if self.taken_field(&l.expr) || optional_param {
                let at = self.start(l);
                self.bind_taken(&l.pat, at);
            }
            if self.awaited_handle(&l.expr).is_some()
                && catches_error(&l.pat, false)
                && block_returns_early(&i.then_branch)
            {
                self.early_return(&l.expr, &*l.expr);
            }
        }
        syn::visit::visit_expr_if(self, i);
    }

    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.visit_expr(&l.expr);
        let borrows = match strip_parens(&l.expr) {
            syn::Expr::Reference(_) => true,
            syn::Expr::MethodCall(m) => m.method == "iter" || m.method == "iter_mut",
            _ => false,
        };
        for v in pat_idents(&l.pat) {
            if borrows {
                self.borrowed_items.insert(v);
            } else {
                self.borrowed_items.remove(&v);
            }
        }
        let vars: Vec<(String, String)> = match self.collection_of(&l.expr) {
            Some(c) => pat_idents(&l.pat)
                .into_iter()
                .map(|v| (v, c.clone()))
                .collect(),
            _ => Vec::new(),
        };
        let start = self.start(l);
        self.in_loop(start, vars, |w| w.visit_block(&l.body));
    }

    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        // `while let Some(h) = handles.pop() { .. }`
        let mut vars = Vec::new();
        if let syn::Expr::Let(lt) = &*l.cond {
            if let syn::Expr::MethodCall(m) = peel(&lt.expr) {
                if let Some(c) = self
                    .collection_of(&m.receiver)
                    .filter(|_| matches!(m.method.to_string().as_str(), "pop" | "pop_front"))
                {
                    vars = pat_idents(&lt.pat)
                        .into_iter()
                        .map(|v| (v, c.clone()))
                        .collect();
                }
            }
        }
        // `while let Some(r) = futs.next().await { r??; }`: results drained from a set of
        // handles (not a `JoinSet`, whose drop aborts what is left).
        let mut results = Vec::new();
        if let syn::Expr::Let(lt) = &*l.cond {
            if let syn::Expr::Await(a) = peel(&lt.expr) {
                if let syn::Expr::MethodCall(m) = peel(&a.base) {
                    if m.method == "next" {
                        if let Some(c) = self.collection_of(&m.receiver) {
                            results = pat_idents(&lt.pat)
                                .into_iter()
                                .map(|v| (v, c.clone()))
                                .collect();
                        }
                    }
                }
            }
        }
        for (v, c) in &results {
            self.results.insert(v.clone(), c.clone());
        }
        let start = self.start(l);
        self.in_loop(start, vars, |w| syn::visit::visit_expr_while(w, l));
        for (v, _) in &results {
            self.results.remove(v);
        }
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        let start = self.start(l);
        self.in_loop(start, Vec::new(), |w| syn::visit::visit_expr_loop(w, l));
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.macro_tokens(m);
    }
}
