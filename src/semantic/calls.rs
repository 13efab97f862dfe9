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
}

use super::known::spawn::{
    BLOCKING_SPAWNS, NOT_RUNTIME_WORDS, RUNTIME_CONTEXT, RUNTIME_CONTEXT_METHODS,
    RUNTIME_HANDLE_WORDS, TASK_SPAWNS, THREAD_BUILDERS, THREAD_SPAWNS,
};

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
                    });
                }
            }
            if !is_runtime_handle(cx, &m.receiver) {
                return None;
            }
            Some(Spawn {
                written: format!("{}.{}", cx.snippet(cx.span_of(&*m.receiver)), m.method),
                flavor,
                arg: m.args.first(),
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
    let (root, _) = super::dataflow::method_chain(e);
    let syn::Expr::Call(c) = peel(root) else {
        return false;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return false;
    };
    // Cheap filter before resolving: the constructor's own name.
    let last = p.path.segments.last().map(|s| s.ident.to_string());
    THREAD_BUILDERS
        .iter()
        .any(|b| b.rsplit("::").next() == last.as_deref())
        && resolver.is(&p.path, THREAD_BUILDERS) == Tri::Yes
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
                let named = |l: &[&str]| l.iter().any(|t| t.rsplit("::").next() == last.as_deref());
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

/// `Handle::current()`, `rt`, `runtime`, `self.handle`, `tokio::runtime::Handle::current()`:
/// receivers that are runtimes or runtime handles (not `JoinSet`s, trackers or scopes).
fn is_runtime_handle(cx: &Cx, receiver: &syn::Expr) -> bool {
    match peel(receiver) {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => {
                cx.is(
                    &p.path,
                    &[
                        "tokio::runtime::Handle::current",
                        "tokio::runtime::Handle::try_current",
                    ],
                ) == Tri::Yes
                    || super::imports::segments(&p.path)
                        .ends_with(&["Handle".to_string(), "current".to_string()])
            }
            _ => false,
        },
        syn::Expr::MethodCall(m) => {
            // `Runtime::new()?.spawn(..)` / `builder.build().unwrap().spawn(..)`: rare; also
            // `rt.handle().spawn(..)`.
            m.method == "handle"
        }
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| handle_name(&i.to_string())),
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => handle_name(&n.to_string()),
            syn::Member::Unnamed(_) => false,
        },
        _ => false,
    }
}

fn handle_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let [rt, words @ ..] = RUNTIME_HANDLE_WORDS else {
        return false;
    };
    n == *rt
        || n.ends_with(&format!("_{rt}"))
        || (words.iter().any(|w| n.contains(w)) && !NOT_RUNTIME_WORDS.iter().any(|w| n.contains(w)))
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
