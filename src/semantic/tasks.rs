//! What a spawned task does with its lifetime and its outcome, from its code: does it poll a
//! stop signal it was handed, does it hand its final value to someone who waits for it, is it a
//! runtime abstraction spawning its caller's future. And which values a statement drops.
//!
//! Spawns are rare, so these are computed on demand at a spawn site, over the spawned
//! expression only (never a whole fn body).

use super::dataflow::{pat_idents, peel, root_ident};
use super::known::tasks::{FLAG_POLLS, GRACEFUL, OUTCOME_SENDS, STOP_POLLS, WEAK_REFS};
use super::macros::{parse_expr_macro, MacroBody};
use std::collections::HashSet;
use syn::visit::Visit;

/// The expressions whose values a statement `e;` (or `let _ = e;`) drops: `e` itself, or each
/// branch's value of a `match`, `if` or block (`match k { A => spawn(a), B => spawn(b) };`),
/// looking through `?`, `.unwrap()` and `.expect(..)` (`Builder::new().spawn(..)?;`).
pub fn dropped_values(e: &syn::Expr) -> Vec<&syn::Expr> {
    let mut out = Vec::new();
    dropped_into(e, &mut out);
    out
}

fn dropped_into<'a>(e: &'a syn::Expr, out: &mut Vec<&'a syn::Expr>) {
    let e = strip_result(e);
    match e {
        syn::Expr::Match(m) => m.arms.iter().for_each(|a| dropped_into(&a.body, out)),
        syn::Expr::If(i) => {
            block_tail_into(&i.then_branch, out);
            if let Some((_, e)) = &i.else_branch {
                dropped_into(e, out);
            }
        }
        syn::Expr::Block(b) if b.label.is_none() => block_tail_into(&b.block, out),
        syn::Expr::Unsafe(b) => block_tail_into(&b.block, out),
        // `drop(tokio::spawn(..))`: dropped on purpose is still dropped.
        syn::Expr::Call(c) if is_drop_call(c) => dropped_into(&c.args[0], out),
        // `_ = tokio::spawn(..);`, the assignment form of `let _ =`.
        syn::Expr::Assign(a) if matches!(peel(&a.left), syn::Expr::Infer(_)) => {
            dropped_into(&a.right, out)
        }
        _ => out.push(e),
    }
}

/// `drop(x)` / `std::mem::drop(x)`.
fn is_drop_call(c: &syn::ExprCall) -> bool {
    c.args.len() == 1
        && matches!(&*c.func, syn::Expr::Path(p)
            if p.path.segments.last().is_some_and(|s| s.ident == "drop")
                && (p.path.segments.len() == 1 || p.path.segments.iter().any(|s| s.ident == "mem")))
}

fn block_tail_into<'a>(b: &'a syn::Block, out: &mut Vec<&'a syn::Expr>) {
    if let Some(syn::Stmt::Expr(tail, None)) = b.stmts.last() {
        dropped_into(tail, out);
    }
}

/// `x?`, `x.unwrap()`, `x.expect(..)`, `x.map_err(..)`, `x.context(..)` → `x` (repeatedly), after
/// peeling parentheses.
pub fn strip_result(e: &syn::Expr) -> &syn::Expr {
    let mut e = peel(e);
    loop {
        e = match e {
            syn::Expr::Try(t) => peel(&t.expr),
            syn::Expr::MethodCall(m)
                if (m.method == "unwrap" && m.args.is_empty())
                    || (m.args.len() == 1
                        && matches!(
                            m.method.to_string().as_str(),
                            "expect" | "map_err" | "context" | "with_context"
                        )) =>
            {
                peel(&m.receiver)
            }
            _ => return e,
        }
    }
}

/// The body a spawned expression runs: an `async` block's, or a closure's (through an
/// `async move` it returns).
fn spawned_block(arg: &syn::Expr) -> Option<&syn::Block> {
    match peel(arg) {
        syn::Expr::Async(a) => Some(&a.block),
        syn::Expr::Closure(c) => match peel(&c.body) {
            syn::Expr::Block(b) => Some(&b.block),
            syn::Expr::Async(a) => Some(&a.block),
            _ => None,
        },
        _ => None,
    }
}

/// Names bound inside `e` (lets, closure parameters, patterns): what it reads besides these
/// comes from its spawner.
fn bound_in(e: &syn::Expr) -> HashSet<String> {
    let mut v = BoundNames::default();
    v.visit_expr(e);
    v.made_here()
}

/// The names the patterns of a piece of code bind (nested items aside), and for each binding
/// out of a place or method chain the name it is rooted in: `if let Some(rx) = &mut
/// *cancel.lock().await` binds `rx` from `cancel`.
#[derive(Default)]
struct BoundNames {
    names: HashSet<String>,
    derived: Vec<(Vec<String>, String)>,
}

impl BoundNames {
    /// The names bound to values the code made itself: a binding rooted in a name it was
    /// handed (a guard of a captured lock, a clone of a captured receiver) is that value.
    fn made_here(mut self) -> HashSet<String> {
        loop {
            let handed: Vec<String> = self
                .derived
                .iter()
                .filter(|(_, root)| !self.names.contains(root))
                .flat_map(|(ns, _)| ns.iter().filter(|n| self.names.contains(*n)).cloned())
                .collect();
            if handed.is_empty() {
                return self.names;
            }
            for n in handed {
                self.names.remove(&n);
            }
        }
    }

    fn derive(&mut self, pat: &syn::Pat, init: &syn::Expr) {
        if let Some(root) = super::dataflow::root_ident(init) {
            self.derived.push((pat_idents(pat), root));
        }
    }
}

impl<'ast> Visit<'ast> for BoundNames {
    fn visit_pat(&mut self, p: &'ast syn::Pat) {
        self.names.extend(pat_idents(p));
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.derive(&l.pat, &init.expr);
        }
        syn::visit::visit_local(self, l);
    }
    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        self.derive(&l.pat, &l.expr);
        syn::visit::visit_expr_let(self, l);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Is `e` rooted in a value the task was handed (not one it made itself)?
fn captured(e: &syn::Expr, bound: &HashSet<String>) -> bool {
    root_ident(e).is_some_and(|r| !bound.contains(&r))
}

/// Does the spawned expression watch a stop signal it was handed? A `CancellationToken`'s
/// `.cancelled()`, a receiver's `.recv()`/`.changed()`, a `Notify`, a `Weak` owner's
/// `.upgrade()` (or only a weak reference taken, `Arc::downgrade(&owner)`), a flag read in a loop condition, a `select!` branch on a captured future
/// (`&mut stop_rx`), or a server `.with_graceful_shutdown(..)`. A task that only *fires* a
/// signal (`token.cancel()`, `tx.send(())`) is not stopped by anyone.
pub fn polls_stop_signal(arg: &syn::Expr) -> bool {
    let mut v = Polls {
        bound: bound_in(arg),
        found: false,
        depth: 0,
    };
    v.visit_expr(arg);
    v.found
}

/// [`polls_stop_signal`] for the body of an `async fn`: a signal reached from a parameter or
/// `self` (`self.shutdown.recv()`, `while !shared.is_shutdown()`) was handed in by its caller.
pub fn body_polls_stop_signal(body: &syn::Block) -> bool {
    let mut bound = BoundNames::default();
    bound.visit_block(body);
    let mut v = Polls {
        bound: bound.made_here(),
        found: false,
        depth: 0,
    };
    v.visit_block(body);
    v.found
}

/// Could a body with this text watch a stop signal (does it name one of the methods that do)?
/// A cheap test before [`body_polls_stop_signal`] walks it.
pub fn may_poll_stop_signal(text: &str) -> bool {
    let mut hit = false;
    crate::parse::for_each_ident(text, |name, _| {
        hit = STOP_POLLS.contains(&name)
            || FLAG_POLLS.contains(&name)
            || GRACEFUL.contains(&name)
            || WEAK_REFS.contains(&name);
        hit
    });
    hit
}

/// The same-crate `async fn`s a spawned expression runs, by [`super::facts`] keys: the callee
/// of `f(..)` / `x.run()` itself, or those a spawned `async` block awaits
/// (`async move { if let Err(e) = handler.run().await { .. } }`). A method on a receiver of
/// unknown type names no key.
pub fn awaited_callees(cx: &super::Cx, arg: &syn::Expr, before: &[syn::Stmt]) -> Vec<String> {
    // A local made by an earlier statement of the block, which the walk has not learned yet:
    // `let mut handler = Handler { .. };` (or `Handler::new(..)`).
    let made_before = |receiver: &syn::Expr| -> Option<String> {
        let syn::Expr::Path(p) = peel(receiver) else {
            return None;
        };
        let name = p.path.get_ident()?;
        before.iter().rev().find_map(|s| {
            let syn::Stmt::Local(l) = s else { return None };
            let syn::Pat::Ident(pi) = &l.pat else {
                return None;
            };
            if pi.ident != *name {
                return None;
            }
            super::values::constructed_type(&l.init.as_ref()?.expr)
        })
    };
    let key = |call: &syn::Expr| -> Option<String> {
        if let syn::Expr::MethodCall(m) = peel(call) {
            if let Some(t) = made_before(&m.receiver) {
                return Some(format!("{t}::{}", m.method));
            }
        }
        key(cx, call)
    };
    fn key(cx: &super::Cx, call: &syn::Expr) -> Option<String> {
        let self_ty = cx.self_type();
        match peel(call) {
            syn::Expr::Call(c) => match &*c.func {
                syn::Expr::Path(p) => Some(super::facts::use_key(
                    &p.path,
                    &cx.resolver,
                    cx.file.module_path,
                    self_ty,
                )),
                _ => None,
            },
            syn::Expr::MethodCall(m) => {
                let k = super::facts::method_key(
                    &m.receiver,
                    cx.exec.locals(),
                    self_ty,
                    &m.method.to_string(),
                );
                (!k.starts_with(super::facts::UNKNOWN_RECEIVER)).then_some(k)
            }
            _ => None,
        }
    }
    struct Awaited<'e>(Vec<&'e syn::Expr>);
    impl<'ast> Visit<'ast> for Awaited<'ast> {
        fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
            self.0.push(&a.base);
            syn::visit::visit_expr_await(self, a);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    match peel(arg) {
        syn::Expr::Async(a) => {
            let mut v = Awaited(Vec::new());
            v.visit_block(&a.block);
            v.0.into_iter().filter_map(key).collect()
        }
        e => key(e).into_iter().collect(),
    }
}

struct Polls {
    bound: HashSet<String>,
    found: bool,
    depth: usize,
}

impl Polls {
    fn condition(&mut self, cond: &syn::Expr) {
        struct Flag<'p>(&'p HashSet<String>, bool);
        impl<'ast> Visit<'ast> for Flag<'_> {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                let name = m.method.to_string();
                if FLAG_POLLS.contains(&name.as_str()) && captured(&m.receiver, self.0) {
                    self.1 = true;
                }
                syn::visit::visit_expr_method_call(self, m);
            }
        }
        let mut f = Flag(&self.bound, false);
        f.visit_expr(cond);
        self.found |= f.1;
    }
}

impl<'ast> Visit<'ast> for Polls {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if GRACEFUL.contains(&name.as_str())
            || WEAK_REFS.contains(&name.as_str())
            || (STOP_POLLS.contains(&name.as_str()) && captured(&m.receiver, &self.bound))
        {
            self.found = true;
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        // `Arc::downgrade(&owner)`: the task holds its owner weakly.
        if let syn::Expr::Path(p) = &*c.func {
            let last = p.path.segments.last().map(|s| s.ident.to_string());
            if p.path.segments.len() > 1 && last.is_some_and(|l| WEAK_REFS.contains(&l.as_str())) {
                self.found = true;
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.condition(&w.cond);
        syn::visit::visit_expr_while(self, w);
    }
    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.condition(&i.cond);
        syn::visit::visit_expr_if(self, i);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if self.found || self.depth >= super::macros::MAX_MACRO_DEPTH {
            return;
        }
        self.depth += 1;
        match parse_expr_macro(m) {
            MacroBody::Select {
                branches,
                otherwise,
            } => {
                for b in &branches {
                    // `_ = &mut stop_rx => ..`: racing the work against a handed-in future.
                    if let syn::Expr::Path(_) = peel(&b.future) {
                        if captured(&b.future, &self.bound) {
                            self.found = true;
                        }
                    }
                    self.bound.extend(pat_idents(&b.pat));
                    self.visit_expr(&b.future);
                    self.visit_expr(&b.handler);
                }
                otherwise.iter().for_each(|e| self.visit_expr(e));
            }
            MacroBody::Exprs(es) => es.iter().for_each(|e| self.visit_expr(e)),
            MacroBody::Stmts(ss) => ss.iter().for_each(|s| self.visit_stmt(s)),
            MacroBody::Items(_) | MacroBody::Opaque => {}
        }
        self.depth -= 1;
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Does the task hand its outcome to someone who waits for it? Its body's last statement sends
/// on a channel or oneshot it was handed (`let _ = done_tx.send(result);`, in every branch of a
/// final `match`/`if` at least once): the receiver learns the result, or sees the sender
/// dropped if the task panicked. A `send` earlier in the body (a forwarding loop's) reports
/// nothing about how the task ended.
pub fn reports_outcome(arg: &syn::Expr) -> bool {
    let Some(block) = spawned_block(arg) else {
        return false;
    };
    last_sends(block, &bound_in(arg))
}

/// Does the block's last statement send on a handed-in sender, directly or as the last
/// statement of one of its final branches (`if let Err(e) = run().await { let _ = tx.send(e); }`)?
fn last_sends(block: &syn::Block, bound: &HashSet<String>) -> bool {
    let e = match block.stmts.last() {
        Some(syn::Stmt::Expr(e, _)) => e,
        Some(syn::Stmt::Local(l)) => match &l.init {
            Some(init) => &*init.expr,
            None => return false,
        },
        _ => return false,
    };
    ends_sending(e, bound)
}

fn ends_sending(e: &syn::Expr, bound: &HashSet<String>) -> bool {
    // What a pattern binds from a handed-in value is handed in too:
    // `if let Some(done) = done { done.send(()).await.ok(); }`.
    // (The pattern's own names are in `bound`: `Some(done) = done` re-binds the handed name.)
    let unwrapped = |pat: &syn::Pat, scrutinee: &syn::Expr| -> HashSet<String> {
        let names = pat_idents(pat);
        let mut b = bound.clone();
        let handed =
            root_ident(scrutinee).is_some_and(|r| !bound.contains(&r) || names.contains(&r));
        if handed {
            for n in &names {
                b.remove(n);
            }
        }
        b
    };
    match strip_result(e) {
        syn::Expr::If(i) => {
            let then_bound = match &*i.cond {
                syn::Expr::Let(l) => unwrapped(&l.pat, &l.expr),
                _ => bound.clone(),
            };
            last_sends(&i.then_branch, &then_bound)
                || i.else_branch
                    .as_ref()
                    .is_some_and(|(_, e)| ends_sending(e, bound))
        }
        syn::Expr::Match(m) => m
            .arms
            .iter()
            .any(|a| ends_sending(&a.body, &unwrapped(&a.pat, &m.expr))),
        syn::Expr::Block(b) => last_sends(&b.block, bound),
        other => {
            let (_, calls) = super::dataflow::method_chain(other);
            calls.iter().any(|m| {
                OUTCOME_SENDS.contains(&m.method.to_string().as_str())
                    && captured(&m.receiver, bound)
            })
        }
    }
}

/// A runtime abstraction: the spawned expression is a future or closure parameter of the
/// enclosing fn (`fut`, `fut.instrument(span)`, `block_on(fut)`, `async move { fut.await }`, `move || f()`).
/// Detaching is then the wrapper's contract, and its callers are the ones to judge.
pub fn spawns_param(arg: &syn::Expr, params: &HashSet<String>) -> bool {
    match peel(arg) {
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| params.contains(&i.to_string())),
        syn::Expr::MethodCall(m) => spawns_param(&m.receiver, params),
        // `f()` of a closure parameter, `block_on(fut)`, `Box::pin(fut)`.
        syn::Expr::Call(c) if c.args.is_empty() => spawns_param(&c.func, params),
        syn::Expr::Call(c) => c.args.iter().any(|a| spawns_param(a, params)),
        syn::Expr::Await(a) => spawns_param(&a.base, params),
        syn::Expr::Loop(l) => block_is_param(&l.body, params),
        syn::Expr::Async(a) => block_is_param(&a.block, params),
        syn::Expr::Closure(c) => match peel(&c.body) {
            syn::Expr::Block(b) => block_is_param(&b.block, params),
            other => spawns_param(other, params),
        },
        _ => false,
    }
}

fn block_is_param(b: &syn::Block, params: &HashSet<String>) -> bool {
    match b.stmts.as_slice() {
        [syn::Stmt::Expr(e, _)] => spawns_param(e, params) || handles_param(e, params),
        // `let _ = fut.await;`
        [syn::Stmt::Local(l)] => l
            .init
            .as_ref()
            .is_some_and(|i| spawns_param(&i.expr, params)),
        _ => false,
    }
}

/// The caller's future awaited and its result handled in place: `if let Err(e) = fut.await {
/// .. }`, `match fut.await { .. }` — still the caller's work, with its error logged or passed on.
fn handles_param(e: &syn::Expr, params: &HashSet<String>) -> bool {
    match peel(e) {
        syn::Expr::If(i) => match &*i.cond {
            syn::Expr::Let(l) => spawns_param(&l.expr, params),
            _ => false,
        },
        syn::Expr::Match(m) => spawns_param(&m.expr, params),
        _ => false,
    }
}

/// The actor pattern: `let (tx, rx) = mpsc::channel(..); tokio::spawn(run(rx));` — a pair made
/// by one call just before the spawn (also through `.await`, `?`, `.unwrap()` or a `match` on
/// its result: `let (sender, conn) = handshake(io).await?;`), one half moved into the task and
/// the other kept: the task lives as long as its owner holds the other half.
///
/// When the pair comes out of an awaited call (a handshake over I/O), the half itself spawned as
/// the task (`tokio::spawn(conn)`, `tokio::spawn(conn.with_upgrades())`) is not such a task: the
/// connection ends when the other half is dropped, but its output, the I/O error it ended with,
/// is thrown away. (A pair made in memory, `let (svc, worker) = Buffer::pair(..)`, owns its bare
/// worker.) Awaited inside the task and handled there
/// (`async move { if let Err(e) = conn.await { .. } }`), it is owned.
///
/// A pair out of awaited I/O is an owner only while its kept half lives on after the spawn
/// (`sender.send_request(..)` later, or returned): `let (conn, meta) = handshake(io).await?;`
/// with `meta` only logged before the spawn owns nothing. An accepted connection and its peer
/// address (`let (stream, addr) = listener.accept().await?;`) are never such a pair. `after` is
/// `None` where the statements after the spawn are not at hand (a spawn in a `match` branch).
pub fn feeds_actor(
    before: &[syn::Stmt],
    after: Option<&[syn::Stmt]>,
    spawn: &syn::Expr,
    arg: Option<&syn::Expr>,
) -> bool {
    let mut used = super::dataflow::names_used_in_expr(spawn);
    // A value the task owns holds what it was built from: `let mut queue = Queue { rx, .. };`
    // or `let pipe = Pipe::new(tx);` then `spawn(async move { queue.run().await })` holds `rx`;
    // a clone of a half is that half (`let tick_tx = tx.clone();`).
    for s in before.iter().rev() {
        let syn::Stmt::Local(l) = s else { continue };
        let Some(init) = &l.init else { continue };
        let built = match peel(&init.expr) {
            syn::Expr::Struct(_) => true,
            syn::Expr::MethodCall(m) => {
                m.method == "clone"
                    && m.args.is_empty()
                    && matches!(peel(&m.receiver), syn::Expr::Path(_))
            }
            syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p)
                if p.path.segments.len() >= 2
                    && p.path.segments.last().is_some_and(|s| s.ident == "new" || s.ident == "from")),
            _ => false,
        };
        if !built {
            continue;
        }
        if pat_idents(&l.pat).iter().any(|n| used.contains(n)) {
            let held = super::dataflow::names_used_in_expr(&init.expr);
            used.extend(held);
        }
    }
    before.iter().any(|s| {
        let syn::Stmt::Local(l) = s else { return false };
        let Some(init) = &l.init else { return false };
        if !makes_pair(&init.expr) {
            return false;
        }
        let pat = match &l.pat {
            syn::Pat::Type(t) => &*t.pat,
            p => p,
        };
        let syn::Pat::Tuple(t) = pat else {
            return false;
        };
        let halves: Vec<Vec<String>> = t.elems.iter().map(pat_idents).collect();
        let Some(moved) = halves
            .iter()
            .find(|h| !h.is_empty() && h.iter().all(|n| used.contains(n)))
        else {
            return false;
        };
        let from_io = awaits_call(&init.expr);
        if from_io && accepts(&init.expr) {
            return false;
        }
        // The other half is kept (named, not `_sink`): the task lives as long as it does.
        halves.len() == 2
            && halves.iter().any(|h| {
                !h.is_empty()
                    && h.iter().all(|n| !used.contains(n) && !n.starts_with('_'))
                    && (!from_io || after.is_none_or(|rest| h.iter().any(|n| used_later(rest, n))))
            })
            && !(from_io && arg.is_some_and(|a| is_half_itself(a, moved)))
    })
}

/// A call, or a call's result unwrapped: `f(..)`, `f(..).await?`, `f(..).unwrap()`,
/// `match f(..) { Ok(x) => x, Err(e) => return .. }`.
fn makes_pair(e: &syn::Expr) -> bool {
    match peel(e) {
        syn::Expr::Call(_) | syn::Expr::MethodCall(_) => true,
        syn::Expr::Await(a) => makes_pair(&a.base),
        syn::Expr::Try(t) => makes_pair(&t.expr),
        syn::Expr::Match(m) => makes_pair(&m.expr),
        _ => false,
    }
}

/// The awaited call is a listener's `accept()`: a connection and its peer's address.
fn accepts(e: &syn::Expr) -> bool {
    awaited_in(e).is_some_and(|a| {
        matches!(peel(&a.base), syn::Expr::MethodCall(m)
            if super::known::join::ACCEPT_METHODS.contains(&m.method.to_string().as_str()))
    })
}

/// The pair comes out of an awaited call (`handshake(io).await?`): made by I/O, its future half
/// drives that I/O and ends with its error.
fn awaits_call(e: &syn::Expr) -> bool {
    awaited_in(e).is_some()
}

/// The `.await` a value comes out of, through `?`, a `match` on it and argument-less adapters.
fn awaited_in(e: &syn::Expr) -> Option<&syn::ExprAwait> {
    match peel(e) {
        syn::Expr::Await(a) => Some(a),
        syn::Expr::Try(t) => awaited_in(&t.expr),
        syn::Expr::Match(m) => awaited_in(&m.expr),
        syn::Expr::MethodCall(m) if m.args.is_empty() => awaited_in(&m.receiver),
        _ => None,
    }
}

/// The spawned future is the half itself, or the half under argument-less adapters
/// (`conn`, `conn.with_upgrades()`): nothing in the task looks at what it returns.
fn is_half_itself(arg: &syn::Expr, half: &[String]) -> bool {
    match peel(arg) {
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| half.iter().any(|h| i == h)),
        syn::Expr::MethodCall(m) if m.args.is_empty() => is_half_itself(&m.receiver, half),
        _ => false,
    }
}

pub fn used_later(stmts: &[syn::Stmt], name: &str) -> bool {
    struct V<'n>(&'n str, bool);
    impl V<'_> {
        fn is_name(&self, e: &syn::Expr) -> bool {
            matches!(peel(e), syn::Expr::Path(p) if p.path.is_ident(self.0))
        }
    }
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.path.is_ident(self.0) {
                self.1 = true;
            }
        }
        // Discarding is not using: `drop(h)`, `_ = h;`, `let _ = h;`.
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if !(is_drop_call(c) && self.is_name(&c.args[0])) {
                syn::visit::visit_expr_call(self, c);
            }
        }
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            if !(matches!(&*a.left, syn::Expr::Infer(_)) && self.is_name(&a.right)) {
                syn::visit::visit_expr_assign(self, a);
            }
        }
        fn visit_local(&mut self, l: &'ast syn::Local) {
            let discards = matches!(&l.pat, syn::Pat::Wild(_))
                && l.init.as_ref().is_some_and(|i| self.is_name(&i.expr));
            if !discards {
                syn::visit::visit_local(self, l);
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let mut names = HashSet::new();
            super::dataflow::collect_token_idents(&m.tokens, &mut names);
            if names.contains(self.0) {
                self.1 = true;
            }
        }
        fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
            if f.colon_token.is_none() {
                if let syn::Member::Named(n) = &f.member {
                    if n == self.0 {
                        self.1 = true;
                    }
                }
            }
            syn::visit::visit_field_value(self, f);
        }
    }
    let mut v = V(name, false);
    for s in stmts {
        v.visit_stmt(s);
        // A later `let` of the same name starts another value: what follows uses that one.
        if let syn::Stmt::Local(l) = s {
            if super::dataflow::pat_idents(&l.pat)
                .iter()
                .any(|n| n == name)
            {
                break;
            }
        }
    }
    v.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(s: &str) -> syn::Expr {
        syn::parse_str(s).unwrap()
    }

    #[test]
    fn stop_signals_are_polled_not_fired() {
        assert!(polls_stop_signal(&e(
            "async move { tokio::select! { _ = token.cancelled() => {}, _ = work() => {} } }"
        )));
        assert!(polls_stop_signal(&e(
            "async move { while let Some(m) = rx.recv().await { handle(m).await } }"
        )));
        assert!(polls_stop_signal(&e(
            "move || { while running.load(Ordering::Relaxed) { tick() } }"
        )));
        assert!(!polls_stop_signal(&e(
            "async move { ctrl_c().await.ok(); token.cancel(); }"
        )));
        // A receiver the task made itself says nothing about who stops it.
        assert!(!polls_stop_signal(&e(
            "async move { let (tx, mut rx) = channel(1); rx.recv().await; }"
        )));
    }

    #[test]
    fn outcome_is_the_last_send() {
        assert!(reports_outcome(&e(
            "async move { let r = work().await; let _ = done.send(r); }"
        )));
        assert!(!reports_outcome(&e(
            "async move { while let Some(x) = s.next().await { tx.send(x).await.ok(); } }"
        )));
    }

    #[test]
    fn dropped_values_of_branches() {
        assert_eq!(
            dropped_values(&e("match k { A => spawn(a), B => { spawn(b) } }")).len(),
            2
        );
        assert_eq!(dropped_values(&e("b.spawn(f)?")).len(), 1);
    }
}
