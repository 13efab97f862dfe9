//! Recognizing well-known calls through name resolution: task and thread spawns.

use super::dataflow::peel;
use super::{Cx, Tri};
use syn::visit::Visit;

/// What a spawn starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnFlavor {
    /// An async task on the runtime (`tokio::spawn`, `spawn_local`, `Handle::spawn`).
    Task,
    /// A closure on the blocking pool (`spawn_blocking`).
    Blocking,
    /// An OS thread (`std::thread::spawn`).
    Thread,
}

/// A recognized spawn call.
#[derive(Debug, Clone)]
pub struct Spawn<'a> {
    /// How the user wrote it (`tokio::spawn`, `task::spawn`, `handle.spawn`).
    pub written: String,
    pub flavor: SpawnFlavor,
    /// The future or closure that is spawned.
    pub arg: Option<&'a syn::Expr>,
    /// For `x.field.spawn(..)`: the spawn is one only if the crate declares fields of that name
    /// as runtimes or runtime handles; a finding on it must be reported under this condition.
    pub unless: Option<super::facts::Condition>,
}

use super::known::spawn::{
    BLOCKING_SPAWNS, RUNTIME_CONSTRUCTORS, RUNTIME_CONTEXT, RUNTIME_CONTEXT_METHODS,
    RUNTIME_HANDLE_METHODS, RUNTIME_TYPES, TASK_BUILDERS, TASK_SPAWNS, THREAD_BUILDERS,
    THREAD_SPAWNS,
};

/// A call of a crate fn that may be a spawn wrapper ([`super::is_spawn_wrapper`], settled once
/// the crate is read) with the future or closure written at the call:
/// `spawn_named("dispatch", async move { .. })`. Its result is the task's `JoinHandle`.
pub fn wrapper_call<'a>(cx: &Cx, e: &'a syn::Expr) -> Option<Spawn<'a>> {
    let syn::Expr::Call(c) = peel(e) else {
        return None;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    let arg = c
        .args
        .iter()
        .find(|a| matches!(peel(a), syn::Expr::Async(_) | syn::Expr::Closure(_)))?;
    let self_ty = cx.self_type();
    let key = super::facts::use_key(&p.path, &cx.resolver, cx.file.module_path, self_ty);
    Some(Spawn {
        written: cx.snippet(cx.span_of(&p.path)).to_string(),
        flavor: if matches!(peel(arg), syn::Expr::Async(_)) {
            SpawnFlavor::Task
        } else {
            SpawnFlavor::Thread
        },
        arg: Some(arg),
        unless: Some(super::facts::Condition::IsSpawnWrapper(key)),
    })
}

/// A call of a fn or method of the crate that may hand back a task's `JoinHandle`
/// (`self.start_flusher()`, `start_cleanup(db)`), with no future of the caller's: the crate's
/// facts decide (`Condition::IsSpawnWrapper`, for every fn declared to return a `JoinHandle`).
/// A method counts only on a receiver of known type.
pub fn handle_fn_call<'a>(cx: &Cx, e: &'a syn::Expr) -> Option<Spawn<'a>> {
    let (key, written) = match peel(e) {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let name = p.path.segments.last()?.ident.to_string();
            if name.starts_with(char::is_uppercase) {
                return None;
            }
            let key =
                super::facts::use_key(&p.path, &cx.resolver, cx.file.module_path, cx.self_type());
            (key, cx.snippet(cx.span_of(&p.path)).to_string())
        }
        syn::Expr::MethodCall(m) => {
            let key = super::facts::method_key(
                &m.receiver,
                cx.exec.locals(),
                cx.self_type(),
                &m.method.to_string(),
            );
            if key.starts_with(super::facts::UNKNOWN_RECEIVER) {
                return None;
            }
            (key, m.method.to_string())
        }
        _ => return None,
    };
    Some(Spawn {
        written,
        flavor: SpawnFlavor::Task,
        arg: None,
        unless: Some(super::facts::Condition::IsSpawnWrapper(key)),
    })
}

/// Is `e` (after peeling parentheses) a call that spawns a task or thread?
pub fn spawn_call<'a>(cx: &Cx, e: &'a syn::Expr) -> Option<Spawn<'a>> {
    match peel(e) {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let flavor = if cx.is(&p.path, TASK_SPAWNS) == Tri::Yes {
                SpawnFlavor::Task
            } else if cx.is(&p.path, BLOCKING_SPAWNS) == Tri::Yes {
                SpawnFlavor::Blocking
            } else if cx.is(&p.path, THREAD_SPAWNS) == Tri::Yes {
                SpawnFlavor::Thread
            } else {
                return None;
            };
            Some(Spawn {
                written: cx.snippet(cx.span_of(&p.path)).to_string(),
                flavor,
                arg: c.args.first(),
                unless: None,
            })
        }
        syn::Expr::MethodCall(m) if m.args.len() == 1 => {
            let flavor = match m.method.to_string().as_str() {
                "spawn" | "spawn_local" => SpawnFlavor::Task,
                "spawn_blocking" => SpawnFlavor::Blocking,
                _ => return None,
            };
            if flavor == SpawnFlavor::Task && m.method == "spawn" {
                if let Some(written) = thread_builder(cx, &m.receiver) {
                    return Some(Spawn {
                        written,
                        flavor: SpawnFlavor::Thread,
                        arg: m.args.first(),
                        unless: None,
                    });
                }
            }
            // `tokio::task::Builder::new().name("gc").spawn(fut)?`
            if flavor == SpawnFlavor::Task
                && chain_starts_at(&cx.resolver, &m.receiver, TASK_BUILDERS)
            {
                let (root, _) = super::dataflow::method_chain(&m.receiver);
                let written = match peel(root) {
                    syn::Expr::Call(c) => cx.snippet(cx.span_of(&*c.func)),
                    _ => "Builder::new",
                };
                let builder = written.strip_suffix("::new").unwrap_or(written);
                return Some(Spawn {
                    written: format!("{builder}::{}", m.method),
                    flavor,
                    arg: m.args.first(),
                    unless: None,
                });
            }
            let unless = match runtime_receiver(cx, &m.receiver)? {
                RuntimeReceiver::Known => None,
                RuntimeReceiver::Field(name) => Some(super::facts::Condition::DeclaredLock(
                    name,
                    super::locks::LockDecl::Runtime,
                )),
            };
            Some(Spawn {
                written: format!("{}.{}", cx.snippet(cx.span_of(&*m.receiver)), m.method),
                flavor,
                arg: m.args.first(),
                unless,
            })
        }
        _ => None,
    }
}

/// `std::thread::Builder::new().name(..).stack_size(..)`, or a local holding one: the spawn as
/// written (`thread::Builder::spawn`, `builder.spawn`), when the chain starts at a builder constructor of the catalog.
fn thread_builder(cx: &Cx, receiver: &syn::Expr) -> Option<String> {
    let (root, _) = super::dataflow::method_chain(receiver);
    if let syn::Expr::Path(p) = peel(root) {
        let local = p.path.get_ident().map(|i| i.to_string());
        return local
            .filter(|n| {
                cx.fn_mutables()
                    .is_some_and(|m| m.thread_builders.contains(n))
            })
            .map(|n| format!("{n}.spawn"));
    }
    let syn::Expr::Call(c) = peel(root) else {
        return None;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    if cx.is(&p.path, THREAD_BUILDERS) != Tri::Yes {
        return None;
    }
    let written = cx.snippet(cx.span_of(&p.path));
    let builder = written.strip_suffix("::new").unwrap_or(written);
    Some(format!("{builder}::spawn"))
}

/// Is `e` a chain starting at a thread builder's constructor
/// (`thread::Builder::new().name(..)`)? (For the per-fn pass, which has a resolver but no
/// `Cx`.)
pub fn is_thread_builder(resolver: &super::Resolver, e: &syn::Expr) -> bool {
    chain_starts_at(resolver, e, THREAD_BUILDERS)
}

/// Is `e` a method chain whose root is a call of one of `ctors` (resolved)?
fn chain_starts_at(resolver: &super::Resolver, e: &syn::Expr, ctors: &[&str]) -> bool {
    let (root, _) = super::dataflow::method_chain(e);
    let syn::Expr::Call(c) = peel(root) else {
        return false;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return false;
    };
    // Cheap filter before resolving: the constructor's own name.
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    ctors
        .iter()
        .any(|b| last.ident == crate::semantic::known::last_segment(b))
        && resolver.is(&p.path, ctors) == Tri::Yes
}

/// Does the body call something that panics outside a runtime (a spawn, `Handle::current()`,
/// `interval`, `block_in_place`)? Then being `async` guarantees it only runs when polled by an
/// executor. (Nested items are separate bodies.)
pub fn needs_runtime(cx: &Cx, body: &syn::Block) -> bool {
    struct Finder<'c, 'a>(&'c Cx<'a>, bool);
    impl<'ast> Visit<'ast> for Finder<'_, '_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let syn::Expr::Path(p) = &*c.func {
                // A bare `spawn(..)` with no import may be one (quiet is the safe side); a glob
                // import makes every bare name unknown, so the name must match too.
                let last = p.path.segments.last().map(|s| s.ident.to_string());
                let named = |l: &[&str]| {
                    l.iter()
                        .any(|t| Some(crate::semantic::known::last_segment(t)) == last.as_deref())
                };
                let lists = [TASK_SPAWNS, BLOCKING_SPAWNS, RUNTIME_CONTEXT];
                if lists.iter().any(|l| match self.0.is(&p.path, l) {
                    Tri::Yes => true,
                    Tri::Unknown => named(l),
                    Tri::No => false,
                }) {
                    self.1 = true;
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if RUNTIME_CONTEXT_METHODS.contains(&m.method.to_string().as_str()) {
                self.1 = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Finder(cx, false);
    f.visit_block(body);
    f.1
}

/// What a `.spawn(..)` receiver is known to be.
enum RuntimeReceiver {
    /// A runtime or runtime handle by its constructor or declared type.
    Known,
    /// `x.name`: one if the crate declares fields of this name as runtimes.
    Field(String),
}

/// Is the receiver a runtime or runtime handle, by structure: made by a constructor of the
/// catalog (`Handle::current()`, `Builder::new_multi_thread()...build()?`, `Runtime::new()`), a
/// parameter or local declared with a runtime type or bound to such a value (`let rt =
/// Runtime::new()?;`, `let h = rt.handle().clone();`), or a field (judged by the crate's
/// declarations of that field). Other receivers (`JoinSet`s, trackers, scopes, a type's own
/// `spawn` method) are not.
fn runtime_receiver(cx: &Cx, receiver: &syn::Expr) -> Option<RuntimeReceiver> {
    let (root, calls) = super::dataflow::method_chain(receiver);
    if is_runtime_ctor(&cx.resolver, root) {
        return Some(RuntimeReceiver::Known);
    }
    // On a recognized runtime, only methods that hand back a runtime handle.
    if !calls
        .iter()
        .all(|m| RUNTIME_HANDLE_METHODS.contains(&m.method.to_string().as_str()))
    {
        return None;
    }
    match peel(root) {
        syn::Expr::Path(p) => {
            let name = p.path.get_ident()?.to_string();
            cx.fn_mutables()
                .is_some_and(|m| m.runtimes.contains(&name))
                .then_some(RuntimeReceiver::Known)
        }
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(RuntimeReceiver::Field(n.to_string())),
            syn::Member::Unnamed(_) => None,
        },
        _ => None,
    }
}

/// A chain starting at a runtime constructor of the catalog: `Handle::current()`,
/// `Builder::new_current_thread().enable_all().build().unwrap()`.
pub fn is_runtime_ctor(resolver: &super::Resolver, e: &syn::Expr) -> bool {
    chain_starts_at(resolver, e, RUNTIME_CONSTRUCTORS)
}

/// Does the expression make a runtime or runtime handle: a constructor chain, or a known
/// runtime local under `.handle()`/`.clone()` (`rt.handle().clone()`)?
pub fn makes_runtime(
    resolver: &super::Resolver,
    e: &syn::Expr,
    runtimes: &std::collections::HashSet<String>,
) -> bool {
    if is_runtime_ctor(resolver, e) {
        return true;
    }
    let (root, calls) = super::dataflow::method_chain(e);
    calls
        .iter()
        .all(|m| RUNTIME_HANDLE_METHODS.contains(&m.method.to_string().as_str()))
        && matches!(peel(root), syn::Expr::Path(p)
            if p.path.get_ident().is_some_and(|i| runtimes.contains(&i.to_string())))
}

/// Is the type a runtime or runtime handle of the catalog, also behind `&`, `Arc<..>`,
/// `Option<..>` (`rt: &Runtime`, `handle: Arc<tokio::runtime::Handle>`)?
pub fn is_runtime_type(resolver: &super::Resolver, ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            let name = last.ident.to_string();
            if RUNTIME_TYPES
                .iter()
                .any(|t| crate::semantic::known::last_segment(t) == name.as_str())
            {
                return resolver.is(&p.path, RUNTIME_TYPES) == Tri::Yes;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return false;
            };
            // A wrapper of one runtime (`Arc<Runtime>`); a collection of them is not one.
            matches!(name.as_str(), "Arc" | "Rc" | "Box" | "Option")
                && args.args.iter().any(|a| match a {
                    syn::GenericArgument::Type(t) => is_runtime_type(resolver, t),
                    _ => false,
                })
        }
        syn::Type::Reference(r) => is_runtime_type(resolver, &r.elem),
        syn::Type::Paren(p) => is_runtime_type(resolver, &p.elem),
        syn::Type::Group(g) => is_runtime_type(resolver, &g.elem),
        _ => false,
    }
}

/// Does the spawned future or closure produce a `Result` (it uses `?` or returns `Ok`/`Err`)?
pub fn returns_result(body: &syn::Expr) -> bool {
    let body = match peel(body) {
        syn::Expr::Async(a) => BodyRef::Block(&a.block),
        syn::Expr::Closure(c) => match peel(&c.body) {
            syn::Expr::Block(b) => BodyRef::Block(&b.block),
            syn::Expr::Async(a) => BodyRef::Block(&a.block),
            other => BodyRef::Expr(other),
        },
        _ => return false,
    };
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
            self.0 = true;
            syn::visit::visit_expr_try(self, t);
        }
        fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
            if r.expr.as_deref().is_some_and(is_ok_or_err) {
                self.0 = true;
            }
            syn::visit::visit_expr_return(self, r);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(false);
    match body {
        BodyRef::Block(b) => {
            v.visit_block(b);
            if let Some(syn::Stmt::Expr(tail, None)) = b.stmts.last() {
                v.0 |= is_ok_or_err(tail);
            }
        }
        BodyRef::Expr(e) => {
            v.visit_expr(e);
            v.0 |= is_ok_or_err(e);
        }
    }
    v.0
}

enum BodyRef<'a> {
    Block(&'a syn::Block),
    Expr(&'a syn::Expr),
}

fn is_ok_or_err(e: &syn::Expr) -> bool {
    match peel(e) {
        syn::Expr::Call(c) => {
            matches!(super::dataflow::call_name(c).as_deref(), Some("Ok" | "Err"))
        }
        _ => false,
    }
}
