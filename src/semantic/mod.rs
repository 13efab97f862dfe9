//! The semantic model rules ask questions of: where are we (context stack), what does a name
//! mean (imports), and what does the rest of the crate say (crate-wide facts).

pub mod awaits;
pub mod call_sites;
pub mod calls;
pub mod cancel;
pub mod channel_ends;
pub mod dataflow;
pub mod exec;
pub mod facts;
pub mod guards;
pub mod handles;
pub mod imports;
pub mod items;
pub mod known;
pub mod locks;
pub mod loops;
pub mod macros;
pub mod tasks;
pub mod tokens;
pub mod unpolled;
pub mod values;

use crate::diagnostic::Span;
use crate::source::LineIndex;
pub use facts::{CrateFacts, FileFacts};
pub use imports::{Resolution, Resolver, Scope, Tri};

/// The Rust edition of the crate being analyzed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Edition {
    E2015,
    E2018,
    #[default]
    E2021,
    E2024,
}

impl Edition {
    /// The year, as manifests spell it.
    pub fn year(self) -> &'static str {
        match self {
            Edition::E2015 => "2015",
            Edition::E2018 => "2018",
            Edition::E2021 => "2021",
            Edition::E2024 => "2024",
        }
    }

    pub fn parse(s: &str) -> Option<Edition> {
        match s {
            "2015" => Some(Edition::E2015),
            "2018" => Some(Edition::E2018),
            "2021" => Some(Edition::E2021),
            "2024" => Some(Edition::E2024),
            _ => None,
        }
    }
}

/// The async runtime a package depends on (from its `Cargo.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Tokio,
    AsyncStd,
    Smol,
}

/// What the analysis knows about the crate (package) a file belongs to.
#[derive(Debug, Clone, Default)]
pub struct CrateInfo {
    pub name: String,
    pub edition: Edition,
    /// Names of the package's dependencies (normalized to `_`), normal, dev and build.
    pub dependencies: Vec<String>,
    /// Whether the package has a library target (its `pub` items are public API).
    pub has_lib: bool,
    /// Features of the dependencies the manifest says are always built (see
    /// [`crate::manifest::PackageInfo::dependency_features`]); empty without a manifest.
    pub dependency_features: std::collections::HashMap<String, Vec<String>>,
}

impl CrateInfo {
    /// Does the manifest say dependency `dep` is always built with one of `features`?
    pub fn has_feature(&self, dep: &str, features: &[&str]) -> bool {
        self.dependency_features
            .get(dep)
            .is_some_and(|fs| fs.iter().any(|f| features.contains(&f.as_str())))
    }

    pub fn depends_on(&self, name: &str) -> bool {
        self.dependencies.iter().any(|d| d == name)
    }

    /// The runtime to suggest replacements for: tokio unless the package uses only another one.
    pub fn runtime(&self) -> Runtime {
        if self.depends_on("tokio") {
            Runtime::Tokio
        } else if self.depends_on("async_std") {
            Runtime::AsyncStd
        } else if self.depends_on("smol") {
            Runtime::Smol
        } else {
            Runtime::Tokio
        }
    }
}

/// The crates a file names in `use` and `extern crate` items (its own modules' and inline
/// modules' too), normalized to `_`: a file's dependencies when no manifest is at hand.
pub fn imported_crates(file: &syn::File) -> Vec<String> {
    fn tree(t: &syn::UseTree, out: &mut Vec<String>) {
        match t {
            syn::UseTree::Path(p) => out.push(p.ident.to_string()),
            syn::UseTree::Name(n) => out.push(n.ident.to_string()),
            syn::UseTree::Rename(r) => out.push(r.ident.to_string()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| tree(t, out)),
            syn::UseTree::Glob(_) => {}
        }
    }
    fn items(list: &[syn::Item], out: &mut Vec<String>, mods: &mut Vec<String>, depth: usize) {
        for item in list {
            match item {
                syn::Item::Use(u) => tree(&u.tree, out),
                syn::Item::ExternCrate(e) => out.push(e.ident.to_string()),
                syn::Item::Mod(m) if depth < 16 => {
                    mods.push(m.ident.to_string());
                    if let Some((_, inner)) = &m.content {
                        items(inner, out, mods, depth + 1);
                    }
                }
                syn::Item::Fn(f) => {
                    for s in &f.block.stmts {
                        if let syn::Stmt::Item(syn::Item::Use(u)) = s {
                            tree(&u.tree, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let (mut out, mut mods) = (Vec::new(), Vec::new());
    items(&file.items, &mut out, &mut mods, 0);
    // `use shell::*;` of a module the file declares names no crate.
    out.retain(|c| {
        !matches!(
            c.as_str(),
            "crate" | "self" | "super" | "std" | "core" | "alloc"
        ) && !mods.contains(c)
    });
    out.sort();
    out.dedup();
    out
}

/// What kind of function a body belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FnKind {
    /// A free fn in a module.
    Free,
    /// A fn inside another fn's body.
    Nested,
    /// A method in `impl Type { .. }`.
    Inherent,
    /// A method in `impl Trait for Type { .. }`.
    TraitImpl,
    /// A provided method in `trait T { fn f() { .. } }`.
    TraitDefault,
}

/// One level of the context stack.
#[derive(Debug, Clone)]
pub enum Frame<'a> {
    Fn {
        name: String,
        is_async: bool,
        kind: FnKind,
        /// `#[test]`, `#[tokio::test]` and friends.
        is_test: bool,
        sig: &'a syn::Signature,
        body: &'a syn::Block,
        /// Per-fn facts of the whole body ([`MutableBindings`]), computed on the first query
        /// ([`Cx::fn_mutables`]): most fns hold nothing a rule asks about.
        mutable: std::rc::Rc<std::cell::OnceCell<MutableBindings>>,
    },
    Closure {
        is_async: bool,
        /// The call this closure is passed to, if it is an argument: the resolved path of a
        /// function call (`tokio::task::spawn_blocking`) or `.name` of a method call (`.map`).
        callee: Option<Callee>,
    },
    AsyncBlock,
    Loop {
        kind: LoopKind,
        /// Names bound by a `for` pattern.
        pat_vars: Vec<String>,
        /// A `for` over a fixed handful or over batches (`chunks(n)`, `take(n)`): its width is
        /// capped, whatever the body starts.
        bounded: bool,
    },
    Impl {
        trait_name: Option<String>,
        self_ty: String,
        /// The impl's own generics (`impl<F: Future> Executor<F> for Exec`): what its methods'
        /// parameters of type `F` are.
        generics: &'a syn::Generics,
        /// `#[async_trait]` (or another attribute macro) on the impl.
        has_attr_macro: bool,
        /// `#[cfg(test)] impl ..`: its methods are test code.
        cfg_test: bool,
    },
    Trait,
    Mod {
        name: String,
        cfg_test: bool,
    },
    /// Inside the parsed body of a macro call (`select`, `join`, ...).
    Macro {
        name: String,
    },
}

/// Mutable handles of one fn body.
#[derive(Debug, Clone, Default)]
pub struct MutableBindings {
    pub names: std::collections::HashSet<String>,
    pub self_mut: bool,
    /// The error type of a `Result<_, E>` return type, as written (for suggestions).
    pub error_type: Option<String>,
    /// Collections of spawned tasks' handles: `v.push(tokio::spawn(..))`, or
    /// `let v = xs.map(|x| tokio::spawn(..)).collect()`.
    pub handle_vecs: std::collections::HashSet<String>,
    /// Locals holding a `FuturesUnordered`, `FuturesOrdered` or `JoinSet`.
    pub sets: std::collections::HashMap<String, &'static str>,
    /// Names whose values come from outside the fn's own structure: parameters (not `self`),
    /// results of `.await`s, and what is computed from them. A collection named here has the
    /// width of the data; one reached from `self` has the width of the program's own setup.
    pub data: std::collections::HashSet<String>,
    /// Parameters that are futures or closures handed in by a caller: of a type parameter
    /// bounded by `Future`/`FnOnce`/.. (`fut: F`), `impl Future`, or `Pin<Box<dyn Future>>`.
    pub opaque_params: std::collections::HashSet<String>,
    /// Parameters and locals declared or built as sync locks or cells (`x: &Mutex<T>`,
    /// `let c = RefCell::new(..)`), anywhere in the body: what a guard's receiver is, also for
    /// the `async` blocks the fn returns or spawns.
    pub locks: locks::KnownLocks,
    /// Locals holding a thread builder (`let b = thread::Builder::new().name(..);`), whose
    /// `.spawn(..)` starts a thread.
    pub thread_builders: std::collections::HashSet<String>,
    /// Parameters and locals that are runtimes or runtime handles, by declared type or
    /// constructor (`rt: &Runtime`, `let h = Handle::current();`, `let h2 = rt.handle().clone();`).
    pub runtimes: std::collections::HashSet<String>,
    /// Names holding a `&mut` borrow: `x: &mut T` parameters, `let x = &mut place;`,
    /// `let x: &mut T = ..`. Passed on by name (`save(x, ..)`) they are reborrowed, so every
    /// iteration of a loop uses the same exclusive handle.
    pub mut_refs: std::collections::HashSet<String>,
    /// Closures bound by `let` whose future only awaits their parameter
    /// (`let get = |(_, rx)| async { rx.await };`): mapped over a list, they start nothing.
    pub awaiting_closures: std::collections::HashSet<String>,
}

impl MutableBindings {
    pub fn of_fn(
        sig: &syn::Signature,
        impl_generics: Option<&syn::Generics>,
        body: &syn::Block,
        resolver: &Resolver,
    ) -> MutableBindings {
        use std::collections::{HashMap, HashSet};
        use syn::visit::Visit;
        /// One pass over the body collecting every per-fn fact.
        struct Scan<'r> {
            resolver: &'r Resolver,
            names: HashSet<String>,
            handle_vecs: HashSet<String>,
            sets: HashMap<String, &'static str>,
            data: HashSet<String>,
            locks: locks::KnownLocks,
            thread_builders: HashSet<String>,
            runtimes: HashSet<String>,
            mut_refs: HashSet<String>,
            awaiting_closures: HashSet<String>,
            /// `for` loops over data around the current point.
            data_loops: usize,
            /// The pattern names of the enclosing `for` loops over data, innermost last.
            loop_items: Vec<Vec<String>>,
        }
        impl<'ast> Visit<'ast> for Scan<'_> {
            fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
                if p.mutability.is_some() {
                    self.names.insert(p.ident.to_string());
                }
                syn::visit::visit_pat_ident(self, p);
            }
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                if m.method == "push" && m.args.first().is_some_and(is_spawn_like) {
                    if let Some(root) = dataflow::root_ident(&m.receiver) {
                        self.handle_vecs.insert(root);
                    }
                }
                // `futs.push(send(user))` in a loop over data, `futs.extend(users.iter()..)`:
                // the collection grows with the data.
                // (Not when each pushed future is the loop item's own method,
                // `checks.push(plugin.wait_started(d))`: a fan-out to the program's parts.)
                // (Nor a block that only awaits the item's own work,
                // `waits.push(async move { child.wait().await })`: it waits on what runs.)
                let items = self.loop_items.last();
                let item_work = m.args.first().is_some_and(|a| match dataflow::peel(a) {
                    syn::Expr::MethodCall(w) => dataflow::root_ident(&w.receiver)
                        .is_some_and(|r| items.is_some_and(|items| items.contains(&r))),
                    syn::Expr::Async(b) => {
                        items.is_some_and(|items| awaits::only_items_work(&b.block, items))
                    }
                    _ => false,
                });
                let grows = (m.method == "push" || m.method == "push_back")
                    && self.data_loops > 0
                    && !item_work
                    || m.method == "extend";
                if grows
                    && m.args.iter().any(|a| {
                        dataflow::names_used_in_expr(a)
                            .iter()
                            .any(|u| self.data.contains(u))
                    })
                {
                    if let Some(root) = dataflow::root_ident(&m.receiver) {
                        self.data.insert(root);
                    }
                }
                // `xs.truncate(n)`: from here on `xs` has a width the fn chose.
                if m.method == "truncate" {
                    if let syn::Expr::Path(p) = dataflow::peel(&m.receiver) {
                        if let Some(i) = p.path.get_ident() {
                            self.data.remove(&i.to_string());
                        }
                    }
                }
                syn::visit::visit_expr_method_call(self, m);
            }
            fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
                // `if ids.len() > MAX { return Err(..); }`: past it, `ids` has a width the fn
                // checked.
                if let syn::Expr::Binary(b) = dataflow::peel(&i.cond) {
                    let too_long = matches!(b.op, syn::BinOp::Gt(_) | syn::BinOp::Ge(_));
                    let diverges = i.else_branch.is_none()
                        && i.then_branch.stmts.last().is_some_and(|s| {
                            matches!(s, syn::Stmt::Expr(syn::Expr::Return(_), _))
                                || matches!(s, syn::Stmt::Macro(m) if m.mac.path.segments.last()
                                    .is_some_and(|seg| seg.ident == "bail" || seg.ident == "panic"))
                                || matches!(s, syn::Stmt::Expr(syn::Expr::Macro(m), _) if m.mac.path.segments.last()
                                    .is_some_and(|seg| seg.ident == "bail" || seg.ident == "panic"))
                        });
                    if let (true, true, syn::Expr::MethodCall(m)) =
                        (too_long, diverges, dataflow::peel(&b.left))
                    {
                        if m.method == "len" && m.args.is_empty() {
                            if let Some(root) = dataflow::root_ident(&m.receiver) {
                                self.data.remove(&root);
                            }
                        }
                    }
                }
                syn::visit::visit_expr_if(self, i);
            }
            fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
                // `xs = xs[..n].to_vec();`
                if dataflow::caps_width(&a.right) {
                    if let syn::Expr::Path(p) = dataflow::peel(&a.left) {
                        if let Some(i) = p.path.get_ident() {
                            self.data.remove(&i.to_string());
                        }
                    }
                }
                syn::visit::visit_expr_assign(self, a);
            }
            fn visit_local(&mut self, l: &'ast syn::Local) {
                let (pat, ty) = match &l.pat {
                    syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
                    p => (p, None),
                };
                let init_expr = l.init.as_ref().map(|i| &*i.expr);
                if let syn::Pat::Ident(p) = pat {
                    self.locks
                        .bind(self.resolver, &p.ident.to_string(), ty, init_expr);
                } else if let Some(kind) = ty.and_then(|t| locks::lock_decl(self.resolver, t)) {
                    for n in dataflow::pat_idents(pat) {
                        self.locks.locals.insert(n, kind);
                    }
                }
                if let (syn::Pat::Ident(p), Some(init)) = (&l.pat, &l.init) {
                    if calls::is_thread_builder(self.resolver, &init.expr) {
                        self.thread_builders.insert(p.ident.to_string());
                    }
                }
                if let syn::Pat::Ident(p) = pat {
                    if ty.is_some_and(|t| calls::is_runtime_type(self.resolver, t))
                        || init_expr
                            .is_some_and(|e| calls::makes_runtime(self.resolver, e, &self.runtimes))
                    {
                        self.runtimes.insert(p.ident.to_string());
                    }
                }
                if let Some(init) = &l.init {
                    // Data taint: computed from a parameter, another tainted name, or an await.
                    let (used, awaits) = reads_and_awaits(&init.expr);
                    // `Vec::with_capacity(xs.len())`: an empty collection, whatever it is sized
                    // for; what is pushed into it decides.
                    let empty = matches!(dataflow::peel(&init.expr), syn::Expr::Call(c)
                        if matches!(&*c.func, syn::Expr::Path(p)
                            if p.path.segments.last().is_some_and(|s| s.ident == "with_capacity")));
                    if dataflow::caps_width(&init.expr) {
                        // `let xs = xs.into_iter().take(n).collect();`: capped, not data.
                        for n in dataflow::pat_idents(&l.pat) {
                            self.data.remove(&n);
                        }
                    } else if !empty && (awaits || used.iter().any(|u| self.data.contains(u))) {
                        self.data.extend(dataflow::pat_idents(&l.pat));
                    }
                    let (name, ty) = match &l.pat {
                        syn::Pat::Ident(p) => (Some(p.ident.to_string()), None),
                        syn::Pat::Type(t) => match &*t.pat {
                            syn::Pat::Ident(p) => {
                                (Some(p.ident.to_string()), Some(type_name(&t.ty)))
                            }
                            _ => (None, None),
                        },
                        _ => (None, None),
                    };
                    if let Some(name) = name {
                        if matches!(&*init.expr, syn::Expr::Closure(c) if loops::closure_awaits_item(c))
                        {
                            self.awaiting_closures.insert(name.clone());
                        }
                        // `let tx = &mut conn;`: a mutable handle.
                        if matches!(&*init.expr, syn::Expr::Reference(r) if r.mutability.is_some())
                        {
                            self.names.insert(name.clone());
                            self.mut_refs.insert(name.clone());
                        }
                        if matches!(&l.pat, syn::Pat::Type(t) if matches!(&*t.ty, syn::Type::Reference(r) if r.mutability.is_some()))
                        {
                            self.mut_refs.insert(name.clone());
                        }
                        // `let conn = tx.as_mut();`: a `&mut` borrow of a place.
                        if let syn::Expr::MethodCall(m) = dataflow::peel(&init.expr) {
                            if (m.method == "as_mut" || m.method == "as_deref_mut")
                                && loops::is_place(dataflow::peel(&m.receiver))
                            {
                                self.mut_refs.insert(name.clone());
                            }
                        }
                        if maps_to_spawn(&init.expr) {
                            self.handle_vecs.insert(name.clone());
                        }
                        let ctor = match dataflow::peel(&init.expr) {
                            syn::Expr::Call(c) => match &*c.func {
                                syn::Expr::Path(p) if p.path.segments.len() >= 2 => {
                                    let n = p.path.segments.len();
                                    Some(p.path.segments[n - 2].ident.to_string())
                                }
                                _ => None,
                            },
                            _ => None,
                        };
                        for k in [ty, ctor] {
                            let kind = match k.as_deref() {
                                Some("FuturesUnordered") => "FuturesUnordered",
                                Some("FuturesOrdered") => "FuturesOrdered",
                                Some("JoinSet") => "JoinSet",
                                _ => continue,
                            };
                            self.sets.insert(name.clone(), kind);
                        }
                    }
                }
                syn::visit::visit_local(self, l);
            }
            fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
                let used = dataflow::names_used_in_expr(&f.expr);
                let over_data = used.iter().any(|u| self.data.contains(u))
                    && !dataflow::caps_width(&f.expr)
                    && !dataflow::iter_is_small_literal(&f.expr);
                if over_data {
                    self.data.extend(dataflow::pat_idents(&f.pat));
                    self.loop_items.push(dataflow::pat_idents(&f.pat));
                }
                self.data_loops += usize::from(over_data);
                syn::visit::visit_expr_for_loop(self, f);
                self.data_loops -= usize::from(over_data);
                if over_data {
                    self.loop_items.pop();
                }
            }
            fn visit_item(&mut self, _: &'ast syn::Item) {}
        }
        let mut scan = Scan {
            resolver,
            names: HashSet::new(),
            handle_vecs: HashSet::new(),
            sets: HashMap::new(),
            data: HashSet::new(),
            locks: locks::KnownLocks::default(),
            thread_builders: HashSet::new(),
            runtimes: HashSet::new(),
            mut_refs: HashSet::new(),
            awaiting_closures: HashSet::new(),
            data_loops: 0,
            loop_items: Vec::new(),
        };
        let mut params = HashSet::new();
        let mut type_params = opaque_type_params(&sig.generics);
        type_params.extend(impl_generics.map(opaque_type_params).unwrap_or_default());
        let mut self_mut = false;
        for input in &sig.inputs {
            match input {
                syn::FnArg::Receiver(r) => {
                    self_mut = r.mutability.is_some()
                        || matches!(&*r.ty, syn::Type::Reference(t) if t.mutability.is_some());
                }
                syn::FnArg::Typed(t) => {
                    let names = dataflow::pat_idents(&t.pat);
                    if let Some(kind) = locks::lock_decl(resolver, &t.ty) {
                        for n in &names {
                            scan.locks.locals.insert(n.clone(), kind);
                        }
                    }
                    if is_opaque_type(&t.ty, &type_params) {
                        params.extend(names.iter().cloned());
                    }
                    if calls::is_runtime_type(resolver, &t.ty) {
                        scan.runtimes.extend(names.iter().cloned());
                    }
                    scan.visit_pat(&t.pat);
                    if matches!(&*t.ty, syn::Type::Reference(r) if r.mutability.is_some()) {
                        scan.names.extend(names.iter().cloned());
                        scan.mut_refs.extend(names.iter().cloned());
                    }
                    scan.data.extend(names);
                }
            }
        }
        scan.visit_block(body);
        let error_type = match &sig.output {
            syn::ReturnType::Type(_, ty) => result_error_type(ty),
            syn::ReturnType::Default => None,
        };
        MutableBindings {
            names: scan.names,
            self_mut,
            error_type,
            handle_vecs: scan.handle_vecs,
            sets: scan.sets,
            data: scan.data,
            opaque_params: params,
            locks: scan.locks,
            thread_builders: scan.thread_builders,
            runtimes: scan.runtimes,
            mut_refs: scan.mut_refs,
            awaiting_closures: scan.awaiting_closures,
        }
    }
}

/// Type parameters bounded by a future or closure trait (`F: Future`, `where T: FnOnce()`).
fn opaque_type_params(generics: &syn::Generics) -> std::collections::HashSet<String> {
    let mut type_params: std::collections::HashSet<String> = generics
        .type_params()
        .filter(|t| bounds_spawnable(&t.bounds))
        .map(|t| t.ident.to_string())
        .collect();
    if let Some(w) = &generics.where_clause {
        for pred in &w.predicates {
            if let syn::WherePredicate::Type(t) = pred {
                if let syn::Type::Path(p) = &t.bounded_ty {
                    if let Some(id) = p.path.get_ident() {
                        if bounds_spawnable(&t.bounds) {
                            type_params.insert(id.to_string());
                        }
                    }
                }
            }
        }
    }
    type_params
}

/// Is this fn a spawn wrapper: it takes a future or closure its caller chooses and returns a
/// `JoinHandle` (`fn spawn_named<F: Future>(name: &str, f: F) -> JoinHandle<F::Output>`)? Its
/// callers get the handle of the task it starts, and dropping that handle detaches the task.
pub fn is_spawn_wrapper(sig: &syn::Signature) -> bool {
    if !returns_join_handle(sig) {
        return false;
    }
    let type_params = opaque_type_params(&sig.generics);
    sig.inputs.iter().any(|i| match i {
        syn::FnArg::Typed(t) => is_opaque_type(&t.ty, &type_params),
        syn::FnArg::Receiver(_) => false,
    })
}

/// Is the fn declared to return a `JoinHandle<..>` (`fn start_flusher(&self) -> JoinHandle<()>`)?
/// Its caller gets the handle of a task it started; dropping it detaches that task.
pub fn returns_join_handle(sig: &syn::Signature) -> bool {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return false;
    };
    matches!(&**ty, syn::Type::Path(p)
        if p.path.segments.last().is_some_and(|s| s.ident == "JoinHandle"))
}

/// Does a bound list name a future or closure trait of the catalog (`Future + Send`)?
fn bounds_spawnable(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
) -> bool {
    bounds.iter().any(|b| match b {
        syn::TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| {
            known::spawn::SPAWNABLE_TRAITS
                .iter()
                .any(|k| s.ident == known::last_segment(k))
        }),
        _ => false,
    })
}

/// A future or closure chosen by the caller: a type parameter bounded by `Future`/`FnOnce`/..,
/// such an `impl Trait`, or a type holding such a `dyn Trait` (`Pin<Box<dyn Future>>`).
fn is_opaque_type(ty: &syn::Type, type_params: &std::collections::HashSet<String>) -> bool {
    match ty {
        syn::Type::ImplTrait(t) => bounds_spawnable(&t.bounds),
        syn::Type::TraitObject(t) => bounds_spawnable(&t.bounds),
        syn::Type::Reference(r) => is_opaque_type(&r.elem, type_params),
        syn::Type::Paren(p) => is_opaque_type(&p.elem, type_params),
        syn::Type::Group(g) => is_opaque_type(&g.elem, type_params),
        syn::Type::Path(p) if p.qself.is_none() => {
            if let Some(id) = p.path.get_ident() {
                return type_params.contains(&id.to_string());
            }
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            // `BoxFuture<'static, ()>`: futures' alias of `Pin<Box<dyn Future + Send>>`.
            if known::spawn::BOXED_FUTURES
                .iter()
                .any(|b| last.ident == known::last_segment(b))
            {
                return true;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return false;
            };
            args.args.iter().any(|a| match a {
                syn::GenericArgument::Type(t) => is_opaque_type(t, type_params),
                _ => false,
            })
        }
        _ => false,
    }
}

/// The single-segment names an expression reads, and whether it awaits (outside closures and
/// async blocks), in one walk.
fn reads_and_awaits(e: &syn::Expr) -> (std::collections::HashSet<String>, bool) {
    let used = dataflow::names_used_in_expr(e);
    (used, contains_await(e))
}

fn contains_await(e: &syn::Expr) -> bool {
    struct V(bool);
    impl<'ast> syn::visit::Visit<'ast> for V {
        fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
            // Taking a lock of what the program holds (`self.app.lock().await`) reads no
            // input: only its other awaits do.
            let lock = matches!(dataflow::peel(&a.base), syn::Expr::MethodCall(m)
                if known::locks::GUARD_METHODS.contains(&m.method.to_string().as_str())
                    && m.args.is_empty());
            if lock {
                syn::visit::visit_expr_await(self, a);
            } else {
                self.0 = true;
            }
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    }
    let mut v = V(false);
    syn::visit::Visit::visit_expr(&mut v, e);
    v.0
}

/// A call of something named `spawn`/`spawn_blocking`/`spawn_local` (by name: used where no
/// resolver is at hand, to recognize collections of handles).
pub fn is_spawn_like(e: &syn::Expr) -> bool {
    match dataflow::peel(e) {
        syn::Expr::Call(c) => matches!(
            dataflow::call_name(c).as_deref(),
            Some("spawn" | "spawn_blocking" | "spawn_local")
        ),
        syn::Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "spawn" | "spawn_blocking" | "spawn_local"
            ) && m.args.len() == 1
        }
        _ => false,
    }
}

/// A statement that is, or binds, a spawn-like call (by name), for cheap pre-filters.
pub fn calls_spawn_by_name(stmt: &syn::Stmt) -> Option<&syn::Expr> {
    let e = match stmt {
        syn::Stmt::Expr(e, _) => e,
        syn::Stmt::Local(l) => &l.init.as_ref()?.expr,
        _ => return None,
    };
    is_spawn_like(e).then_some(e)
}

/// `xs.into_iter().map(|x| tokio::spawn(..)).collect()`: an iterator of spawned handles.
pub fn maps_to_spawn(e: &syn::Expr) -> bool {
    let mut e = dataflow::peel(e);
    while let syn::Expr::MethodCall(m) = e {
        if m.method == "map" {
            if let Some(syn::Expr::Closure(c)) = m.args.first() {
                if is_spawn_like(&c.body) {
                    return true;
                }
                if let syn::Expr::Block(b) = &*c.body {
                    if let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last() {
                        if is_spawn_like(tail) {
                            return true;
                        }
                    }
                }
            }
        }
        e = dataflow::peel(&m.receiver);
    }
    false
}

fn result_error_type(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if !last.ident.to_string().ends_with("Result") {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let types: Vec<&syn::Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    match types.as_slice() {
        [_, err] => Some(
            quote::ToTokens::to_token_stream(err)
                .to_string()
                .replace(" :: ", "::"),
        ),
        // The well-known one-parameter aliases: `io::Result<T>`, `anyhow::Result<T>`.
        [_] => {
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            match segs
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                [io @ .., "io", "Result"] if io.is_empty() || io == ["std"] => Some(format!(
                    "{}io::Error",
                    if io.is_empty() { "" } else { "std::" }
                )),
                ["anyhow", "Result"] => Some("anyhow::Error".into()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The callee a closure is handed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callee {
    /// A function path, resolved as far as imports allow.
    Path(Resolution),
    /// A method name.
    Method(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    For,
    While,
    WhileLet,
    Loop,
}

/// The file being analyzed.
#[derive(Debug)]
pub struct FileInfo<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub lines: LineIndex,
    /// Module path of the file inside its crate (`[]` for a crate root).
    pub module_path: &'a [String],
    /// A file of an integration test, bench or example target, or under `tests/`.
    pub is_test_target: bool,
    /// The file's syntax tree: the one parse (rules never parse the file again).
    pub ast: &'a syn::File,
    /// Per-file facts a rule computes on first use, over [`FileInfo::ast`].
    pub memo: Memo,
}

/// Per-file values computed once, on first use, keyed by their type.
#[derive(Default)]
pub struct Memo(std::cell::RefCell<Vec<std::rc::Rc<dyn std::any::Any>>>);

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memo({} values)", self.0.borrow().len())
    }
}

impl Memo {
    /// The value of type `T` for this file, computed by `f` the first time.
    pub fn get<T: 'static>(&self, f: impl FnOnce() -> T) -> std::rc::Rc<T> {
        if let Some(v) = self
            .0
            .borrow()
            .iter()
            .find_map(|v| v.clone().downcast::<T>().ok())
        {
            return v;
        }
        let v = std::rc::Rc::new(f());
        self.0.borrow_mut().push(v.clone());
        v
    }
}

/// The read-only view a rule gets at each node.
pub struct Cx<'a> {
    pub file: &'a FileInfo<'a>,
    pub krate: &'a CrateInfo,
    pub config: &'a crate::config::Config,
    pub resolver: Resolver,
    pub frames: Vec<Frame<'a>>,
    /// Per enclosing fn, the names its patterns bound so far (parameters, lets, closure
    /// parameters, arms), maintained by the engine's walk: see [`Cx::is_bound_local`].
    pub bound: Vec<std::collections::HashSet<String>>,
    /// Who runs the current code, the deadlines around it, what is awaited, what locals hold.
    pub exec: exec::ExecState,
    /// In each block of the current fn that encloses the node (innermost last), the
    /// statements before the one the node is in: what was made before a `match` whose arms
    /// the node is in (`let (tx, rx) = channel(); match mode { A => { spawn(..tx..); } .. }`).
    pub outer_stmts: Vec<&'a [syn::Stmt]>,
}

impl<'a> Cx<'a> {
    /// Convert a syn span to a [`Span`] of this file.
    pub fn span(&self, s: proc_macro2::Span) -> Span {
        let start = s.start();
        let end = s.end();
        let (line_start, column_start) = (start.line.max(1) as u32, start.column as u32 + 1);
        let (mut line_end, mut column_end) = (end.line.max(1) as u32, end.column as u32 + 1);
        if (line_end, column_end) < (line_start, column_start) {
            (line_end, column_end) = (line_start, column_start);
        }
        // Counting chars from the line's start is cheapest for the usual short columns, but on a
        // long line it is O(line) per span (quadratic over the file): far columns take the byte
        // range from proc-macro2, amortized over the file. (syn lexed the text itself unless it
        // stripped a BOM or a shebang line; then positions shift, so count as before.)
        let text = self.file.text;
        let lines = &self.file.lines;
        let far = column_start.max(column_end) > 256
            && !text.starts_with('\u{feff}')
            && !text.starts_with("#!");
        let (byte_start, byte_end) = if far {
            let r = s.byte_range();
            let start = r.start.min(text.len());
            (start, r.end.clamp(start, text.len()))
        } else {
            (
                lines.offset(text, line_start, column_start),
                lines.offset(text, line_end, column_end),
            )
        };
        Span {
            line_start,
            column_start,
            line_end,
            column_end,
            byte_start,
            byte_end,
        }
    }

    /// The span of a syntax node (first token to last token).
    pub fn span_of(&self, node: &impl syn::spanned::Spanned) -> Span {
        self.span(node.span())
    }

    /// The source text of a span.
    pub fn snippet(&self, span: Span) -> &'a str {
        self.file
            .text
            .get(span.byte_start..span.byte_end)
            .unwrap_or("")
    }

    /// Does `path` name one of `targets`?
    pub fn is(&self, path: &syn::Path, targets: &[&str]) -> Tri {
        self.resolver.is(path, targets)
    }

    /// The innermost frame that decides what executes a piece of code: a fn, a closure or an
    /// async block.
    pub fn innermost_body(&self) -> Option<&Frame<'a>> {
        self.frames.iter().rev().find(|f| {
            matches!(
                f,
                Frame::Fn { .. } | Frame::Closure { .. } | Frame::AsyncBlock
            )
        })
    }

    /// Is the current code directly inside an `async fn`, `async` block or async closure?
    pub fn in_async(&self) -> bool {
        match self.innermost_body() {
            Some(Frame::Fn { is_async, .. }) | Some(Frame::Closure { is_async, .. }) => *is_async,
            Some(Frame::AsyncBlock) => true,
            _ => false,
        }
    }

    /// Is a bare name a local of the innermost fn: bound by one of its patterns (a parameter,
    /// a `let`, a closure parameter, an arm) before this point? Then it names no item.
    pub fn is_bound_local(&self, name: &str) -> bool {
        self.bound.last().is_some_and(|b| b.contains(name))
    }

    /// The type of the innermost `impl` around this point (`Self`), as written.
    pub fn self_type(&self) -> Option<&str> {
        self.frames.iter().rev().find_map(|f| match f {
            Frame::Impl { self_ty, .. } => Some(self_ty.as_str()),
            _ => None,
        })
    }

    /// The body of the innermost fn.
    pub fn fn_body(&self) -> Option<&'a syn::Block> {
        self.frames.iter().rev().find_map(|f| match f {
            Frame::Fn { body, .. } => Some(*body),
            _ => None,
        })
    }

    /// The mutable handles of the innermost fn.
    pub fn fn_mutables(&self) -> Option<&MutableBindings> {
        let i = self
            .frames
            .iter()
            .rposition(|f| matches!(f, Frame::Fn { .. }))?;
        let Frame::Fn {
            mutable, sig, body, ..
        } = &self.frames[i]
        else {
            return None;
        };
        let impl_generics = match i.checked_sub(1).map(|j| &self.frames[j]) {
            Some(Frame::Impl { generics, .. }) => Some(*generics),
            _ => None,
        };
        Some(
            mutable
                .get_or_init(|| MutableBindings::of_fn(sig, impl_generics, body, &self.resolver)),
        )
    }

    /// Should a rule with a `check-tests` option skip this code? (Test code is skipped unless
    /// the option is on.)
    pub fn skips_test_code(&self, check_tests: bool) -> bool {
        !check_tests && self.in_test_code()
    }

    /// Is this test code: a `#[test]`-like fn, a `#[cfg(test)]` fn, impl or module, or a test
    /// target?
    pub fn in_test_code(&self) -> bool {
        self.file.is_test_target
            || self.frames.iter().any(|f| {
                matches!(
                    f,
                    Frame::Fn { is_test: true, .. }
                        | Frame::Mod { cfg_test: true, .. }
                        | Frame::Impl { cfg_test: true, .. }
                )
            })
    }
}

/// `#[test]`, `#[tokio::test]`, `#[async_std::test]`, `#[rstest]`, ...: is this a test fn?
pub fn is_test_attr(attr: &syn::Attribute) -> bool {
    let path = attr.path();
    let last = path.segments.last().map(|s| s.ident.to_string());
    matches!(
        last.as_deref(),
        Some("test" | "rstest" | "test_case" | "bench")
    )
}

/// `#[cfg(test)]`, `#[cfg(all(test, ...))]`, `#[cfg(all(test, not(windows)))]`,
/// `#[cfg(any(test, feature = ".."))]`: `test` as a predicate, not negated (not
/// `#[cfg(not(test))]`, not `#[cfg(not(all(test, unix)))]`, not `#[cfg(feature = "test")]`).
pub fn is_cfg_test(attr: &syn::Attribute) -> bool {
    if !attr.path().is_ident("cfg") {
        return false;
    }
    let Ok(list) = attr.meta.require_list() else {
        return false;
    };
    implies_test(&list.tokens.clone().into_iter().collect::<Vec<_>>(), 0)
}

/// Does the cfg predicate in `tokens` imply `test`? `depth` bounds nesting.
fn implies_test(tokens: &[proc_macro2::TokenTree], depth: usize) -> bool {
    use proc_macro2::TokenTree;
    if depth > 32 {
        return false;
    }
    match tokens {
        [TokenTree::Ident(i)] => i == "test",
        [TokenTree::Ident(i), TokenTree::Group(g)] => {
            let args: Vec<TokenTree> = g.stream().into_iter().collect();
            let parts: Vec<&[TokenTree]> = args
                .split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
                .filter(|p| !p.is_empty())
                .collect();
            // `all(test, ..)`; `any(test, feature = "test-util")` too: test support code
            // compiled for other crates' tests as well.
            if i == "all" || i == "any" {
                parts.iter().any(|p| implies_test(p, depth + 1))
            } else {
                false
            }
        }
        _ => false,
    }
}

/// A short name for a type, for messages and crate-wide keys (`Client` for `crate::net::Client<T>`).
pub fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        syn::Type::Reference(r) => type_name(&r.elem),
        syn::Type::Paren(p) => type_name(&p.elem),
        syn::Type::Group(g) => type_name(&g.elem),
        _ => String::new(),
    }
}

#[cfg(test)]
mod cfg_tests {
    use super::is_cfg_test;

    #[test]
    fn only_the_bare_test_predicate() {
        let yes: syn::Attribute = syn::parse_quote!(#[cfg(test)]);
        let all: syn::Attribute = syn::parse_quote!(#[cfg(all(test, unix))]);
        let feature: syn::Attribute = syn::parse_quote!(#[cfg(feature = "test")]);
        let not: syn::Attribute = syn::parse_quote!(#[cfg(not(test))]);
        let all_not: syn::Attribute = syn::parse_quote!(#[cfg(all(test, not(windows)))]);
        let any: syn::Attribute = syn::parse_quote!(#[cfg(any(test, feature = "testing"))]);
        let not_all: syn::Attribute = syn::parse_quote!(#[cfg(not(all(test, unix)))]);
        let unix: syn::Attribute = syn::parse_quote!(#[cfg(all(unix, not(test)))]);
        assert!(is_cfg_test(&yes) && is_cfg_test(&all) && is_cfg_test(&all_not));
        assert!(is_cfg_test(&any));
        assert!(!is_cfg_test(&feature) && !is_cfg_test(&not));
        assert!(!is_cfg_test(&not_all) && !is_cfg_test(&unix));
    }
}
