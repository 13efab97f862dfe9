//! Execution contexts and deadlines, computed during the engine's one walk.
//!
//! For the code being visited the engine keeps: who runs it ([`Exec`]: an executor thread, a
//! thread the work was handed off to, plain sync code, or a callback whose runner we cannot
//! see), how many deadlines enclose it (`timeout(d, ..)`, `.timeout(d)`, a `select!` racing a
//! timer), which expression sits directly under the innermost `.await`, and what the fn's locals
//! are known to hold ([`super::values::Locals`]). Rules query these through [`ExecState`]; none
//! of them walks a body.

use super::known::adapters;
use super::values::Locals;
use super::{Resolver, Tri};

/// Who runs a piece of code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exec {
    /// An executor thread: an `async` fn, block or closure, or a sync closure an adapter
    /// (`map`, `for_each`, `unwrap_or_else`) calls right away from one.
    Executor,
    /// The body of a `#[tokio::main]`-like `main` (and the closures it calls right away): the
    /// thread that drives the runtime, before and around the served tasks.
    RuntimeMain,
    /// Handed to the blocking pool, an OS thread or rayon (`spawn_blocking`, `thread::spawn`,
    /// `par_iter().map(..)`).
    Offloaded,
    /// A sync fn, and what it calls right away.
    Sync,
    /// A sync closure stored, returned or passed to a call we cannot see into: a callback.
    Unknown,
}

impl Exec {
    /// Code that runs on an async executor's thread.
    pub fn on_executor(self) -> bool {
        matches!(self, Exec::Executor | Exec::RuntimeMain)
    }
}

/// The execution facts of the current point of the walk.
#[derive(Debug, Default)]
pub struct ExecState {
    stack: Vec<Exec>,
    /// Enclosing deadlines, per fn (a nested fn starts with none).
    deadlines: Vec<usize>,
    /// Address of the expression directly under the innermost `.await` seen, and of the
    /// call or method call inside it.
    awaited: usize,
    awaited_call: usize,
    locals: Vec<Locals>,
    /// Per fn: is it public API (`pub` in a package with a library)?
    public: Vec<bool>,
    /// Project helpers that bound the future passed to them (`missing_timeout`'s
    /// `timeout-wrappers`), by full path.
    wrappers: Vec<String>,
}

impl ExecState {
    pub fn with_wrappers(wrappers: Vec<String>) -> ExecState {
        ExecState {
            wrappers,
            ..ExecState::default()
        }
    }

    /// Who runs the current code (`Sync` outside any fn).
    pub fn current(&self) -> Exec {
        self.stack.last().copied().unwrap_or(Exec::Sync)
    }

    /// Is the current code inside a deadline (`timeout(d, ..)`, `.timeout(d)`, a `select!`
    /// with a timer branch)?
    pub fn under_deadline(&self) -> bool {
        self.deadlines.last().is_some_and(|d| *d > 0)
    }

    /// Is `e` the expression directly under an `.await` (`e.await`, `(e).await`)?
    pub fn is_awaited(&self, e: &syn::Expr) -> bool {
        self.awaited == e as *const syn::Expr as usize
    }

    /// What the innermost fn's locals are known to hold.
    pub fn locals(&self) -> Option<&Locals> {
        self.locals.last()
    }

    // ---- what the engine calls -------------------------------------------------------------

    /// Is the innermost fn public API (`pub`, in a package with a library)?
    pub fn fn_is_public_api(&self) -> bool {
        self.public.last().copied().unwrap_or(false)
    }

    pub fn enter_fn(&mut self, exec: Exec, locals: Locals, public: bool) {
        self.stack.push(exec);
        self.deadlines.push(0);
        self.locals.push(locals);
        self.public.push(public);
    }

    pub fn exit_fn(&mut self) {
        self.stack.pop();
        self.deadlines.pop();
        self.locals.pop();
        self.public.pop();
    }

    pub fn enter(&mut self, exec: Exec) {
        self.stack.push(exec);
    }

    pub fn exit(&mut self) {
        self.stack.pop();
    }

    /// Is this method call directly under an `.await`?
    pub fn is_awaited_method(&self, m: &syn::ExprMethodCall) -> bool {
        self.awaited_call == m as *const syn::ExprMethodCall as usize
    }

    pub fn set_awaited(&mut self, base: &syn::Expr) {
        let e = super::dataflow::peel(base);
        self.awaited = e as *const syn::Expr as usize;
        self.awaited_call = match e {
            syn::Expr::MethodCall(m) => m as *const syn::ExprMethodCall as usize,
            syn::Expr::Call(c) => c as *const syn::ExprCall as usize,
            _ => 0,
        };
    }

    pub fn deadline(&mut self, on: bool) {
        if let Some(d) = self.deadlines.last_mut() {
            if on {
                *d += 1;
            } else {
                *d = d.saturating_sub(1);
            }
        }
    }

    pub fn locals_mut(&mut self) -> Option<&mut Locals> {
        self.locals.last_mut()
    }

    /// Does a call of `path` bound the future passed to it? (`timeout`, `timeout_at`,
    /// `with_deadline`, a configured wrapper.) Resolves only when a wrapper is configured.
    pub fn is_deadline_fn(&self, resolver: &Resolver, path: &syn::Path) -> bool {
        let Some(last) = path.segments.last() else {
            return false;
        };
        let last = last.ident.to_string();
        if adapters::names_any(&last, adapters::DEADLINE_WORDS) {
            return true;
        }
        if self.wrappers.is_empty() {
            return false;
        }
        let targets: Vec<&str> = self.wrappers.iter().map(|s| s.as_str()).collect();
        targets
            .iter()
            .any(|t| crate::semantic::known::last_segment(t) == last.as_str())
            && (resolver.is(path, &targets) != Tri::No || path.segments.len() == 1)
    }

    /// Does a method of this name bound its receiver or arguments (`fut.timeout(d)`)?
    pub fn is_deadline_method(&self, name: &str) -> bool {
        adapters::names_any(name, adapters::DEADLINE_WORDS)
            || self
                .wrappers
                .iter()
                .any(|t| crate::semantic::known::last_segment(t) == name)
    }
}

/// The context of a sync closure passed to a function: offloaded if the function hands its
/// closure to a pool or thread, else a callback.
pub fn closure_of_call(resolver: &Resolver, path: &syn::Path, offload_wrappers: &[&str]) -> Exec {
    let last = path.segments.last().map(|s| s.ident.to_string());
    let candidates = [
        super::known::spawn::BLOCKING_SPAWNS,
        super::known::spawn::THREAD_SPAWNS,
        adapters::OFFLOAD_FNS,
        offload_wrappers,
    ];
    let named = candidates
        .iter()
        .flat_map(|l| l.iter())
        .any(|t| Some(crate::semantic::known::last_segment(t)) == last.as_deref());
    if named
        && candidates
            .iter()
            .any(|l| !l.is_empty() && resolver.is(path, l) == Tri::Yes)
    {
        Exec::Offloaded
    } else {
        Exec::Unknown
    }
}

/// The context of a sync closure passed to a method: the caller's for adapters that call it
/// right away, offloaded for pool and thread-scope methods and rayon chains, else a callback.
pub fn closure_of_method(parent: Exec, m: &syn::ExprMethodCall, offload_wrappers: &[&str]) -> Exec {
    let name = m.method.to_string();
    if adapters::OFFLOAD_METHODS.contains(&name.as_str())
        || offload_wrappers
            .iter()
            .any(|w| crate::semantic::known::last_segment(w) == name.as_str())
        || is_parallel_chain(&m.receiver)
    {
        return Exec::Offloaded;
    }
    if adapters::SYNC_ADAPTERS.contains(&name.as_str()) {
        return parent;
    }
    Exec::Unknown
}

/// `xs.par_iter()…`: the rest of the chain runs on rayon's pool.
fn is_parallel_chain(receiver: &syn::Expr) -> bool {
    let (_, calls) = super::dataflow::method_chain(receiver);
    calls.iter().any(|m| {
        let n = m.method.to_string();
        adapters::PARALLEL_ITERS.contains(&n.as_str())
    })
}

/// `#[tokio::main]`, `#[async_std::main]`, `#[actix_web::main]`, ...: the fn it is on starts the
/// runtime and runs on the thread that called it, whatever the fn is named.
pub fn is_main_attr(a: &syn::Attribute) -> bool {
    let segs = &a.path().segments;
    segs.len() >= 2 && segs.last().is_some_and(|s| s.ident == "main")
}

/// [`races_a_timer`], also for a future made earlier in the fn and polled by name
/// (`let grace = sleep(d); tokio::pin!(grace);` then `_ = &mut grace =>`): the `let` that bound
/// it, among the enclosing blocks' earlier statements, says what it is.
pub fn races_a_timer_in(cx: &super::Cx, future: &syn::Expr) -> bool {
    races_a_timer(future)
        || timer_local(future).is_some_and(|name| {
            cx.outer_stmts.iter().rev().any(|stmts| {
                stmts.iter().rev().any(|s| {
                    matches!(s, syn::Stmt::Local(l)
                        if super::dataflow::pat_idents(&l.pat).contains(&name)
                            && l.init.as_ref().is_some_and(|i| races_a_timer(&i.expr)))
                })
            })
        })
}

/// The local a branch future polls: `grace`, `&mut grace`, `grace.as_mut()`, `t` of `t.fuse()`.
pub fn timer_local(future: &syn::Expr) -> Option<String> {
    let mut e = super::dataflow::peel(future);
    while let syn::Expr::MethodCall(m) = e {
        if !matches!(m.method.to_string().as_str(), "as_mut" | "fuse") {
            return None;
        }
        e = super::dataflow::peel(&m.receiver);
    }
    match e {
        syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

/// Does a `select!` branch's future name a timer or a deadline (`sleep(d)`, `interval.tick()`)?
pub fn races_a_timer(future: &syn::Expr) -> bool {
    let mut names = std::collections::HashSet::new();
    super::dataflow::collect_token_idents(&quote::ToTokens::to_token_stream(future), &mut names);
    names.iter().any(|n| {
        adapters::names_any(n, adapters::PACING) || adapters::names_any(n, adapters::DEADLINE_WORDS)
    })
}

/// Is the closure bound to `name` in `body` only ever called there (`let names_in = |d| ..;`
/// then `names_in(dir)`)? Then it runs where the fn runs. Any other use (handed to a spawn, an
/// adapter, a macro, or stored) may run it elsewhere.
pub fn closure_called_in_place(body: &syn::Block, name: &str) -> bool {
    use syn::visit::Visit;
    struct Uses<'n> {
        name: &'n str,
        calls: usize,
        other: usize,
    }
    impl<'ast> Visit<'ast> for Uses<'_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            match &*c.func {
                syn::Expr::Path(p) if p.path.is_ident(self.name) => {
                    self.calls += 1;
                    for a in &c.args {
                        self.visit_expr(a);
                    }
                }
                _ => syn::visit::visit_expr_call(self, c),
            }
        }
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.path.is_ident(self.name) {
                self.other += 1;
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            fn mentions(tokens: &proc_macro2::TokenStream, name: &str) -> bool {
                tokens.clone().into_iter().any(|t| match t {
                    proc_macro2::TokenTree::Ident(i) => i == name,
                    proc_macro2::TokenTree::Group(g) => mentions(&g.stream(), name),
                    _ => false,
                })
            }
            if mentions(&m.tokens, self.name) {
                self.other += 1;
            }
        }
    }
    let mut uses = Uses {
        name,
        calls: 0,
        other: 0,
    };
    uses.visit_block(body);
    uses.calls > 0 && uses.other == 0
}
