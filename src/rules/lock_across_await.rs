//! See rules/lock_across_await.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::{Diagnostic, Span};
use crate::registry;
use crate::semantic::awaits::is_awaiting_macro;
use crate::semantic::dataflow::{names_used_in_expr, pat_idents, peel};
use crate::semantic::facts::Condition;
use crate::semantic::locks::{lock_ctor, lock_decl, LockDecl};
use crate::semantic::macros::{macro_name, tokens_contain_await};
use crate::semantic::{Cx, Edition};
use std::collections::HashMap;

// ---- what the user reads -------------------------------------------------------------------

/// What kind of guard is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GuardKind {
    Lock,
    RefCell,
    Span,
}

fn message(kind: GuardKind, written: &str) -> String {
    match kind {
        GuardKind::Lock => format!("the lock guard from `{written}` is held across an `.await`"),
        GuardKind::RefCell => {
            format!("the `RefCell` borrow from `{written}` is held across an `.await`")
        }
        GuardKind::Span => {
            format!("the span entered by `{written}` stays entered across an `.await`")
        }
    }
}

fn label(kind: GuardKind) -> &'static str {
    match kind {
        GuardKind::Lock => "the lock is taken here",
        GuardKind::RefCell => "the cell is borrowed here",
        GuardKind::Span => "the span is entered here",
    }
}

fn label_await(kind: GuardKind) -> &'static str {
    match kind {
        GuardKind::Span => "the task may be suspended here with the span still entered",
        _ => "the task may be suspended here with the guard still alive",
    }
}

fn note_why(kind: GuardKind) -> &'static str {
    match kind {
        GuardKind::Lock => {
            "while the task is suspended the lock stays taken: other tasks that need it block \
             their executor threads, and one that runs on this thread deadlocks"
        }
        GuardKind::RefCell => {
            "another task that borrows the cell while this one is suspended panics \
             (`already borrowed`)"
        }
        GuardKind::Span => {
            "while the task is suspended the span stays entered on this thread: unrelated \
             events are recorded inside it, and the task resumes outside it"
        }
    }
}

fn help(kind: GuardKind, name: Option<&str>) -> String {
    match (kind, name) {
        (GuardKind::Span, _) => "attach the span to the future instead: \
            `fut.instrument(span).await` (`tracing::Instrument`), or wrap the work in \
            `async { .. }.instrument(span)`"
            .into(),
        (GuardKind::Lock, Some(n)) => format!(
            "end the guard before the `.await`: scope it in a block (`{{ let {n} = ..; .. }}`) or \
             call `drop({n})` first; if the lock must be held across the `.await`, use \
             `tokio::sync::Mutex`"
        ),
        (GuardKind::Lock, None) => "a temporary guard lives until the end of its statement \
            (through every arm of a `match`, `if let` or `while let`): take what you need in a \
            `let` of its own before the `.await`; if the lock must be held across the `.await`, \
            use `tokio::sync::Mutex`"
            .into(),
        (GuardKind::RefCell, Some(n)) => format!(
            "end the borrow before the `.await`: scope it in a block or call `drop({n})` first"
        ),
        (GuardKind::RefCell, None) => "a temporary borrow lives until the end of its statement \
            (through every arm of a `match`, `if let` or `while let`): take what you need in a \
            `let` of its own before the `.await`"
            .into(),
    }
}

// ---- metadata ------------------------------------------------------------------------------

pub struct LockAcrossAwait;

static META: RuleMeta = RuleMeta {
    entry: &registry::LOCK_ACROSS_AWAIT,
    summary: "A synchronous lock guard (`std::sync`, `parking_lot`), a `RefCell` borrow or an entered `tracing` span alive across an `.await`: other tasks block, deadlock or panic.",
    has_fix: false,
    doc: include_str!("../../rules/lock_across_await.md"),
};

/// `[rules.lock_across_await]`
type Options = registry::LockAcrossAwaitOptions;

// ---- the check -----------------------------------------------------------------------------

impl Rule for LockAcrossAwait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn(&self, cx: &Cx, f: &super::FnNode, out: &mut Sink) {
        if f.sig.asyncness.is_none() || skip_tests(cx, f.is_test) {
            return;
        }
        let mut locals = HashMap::new();
        for input in &f.sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                if let Some(kind) = lock_decl(&cx.resolver, &t.ty) {
                    for n in pat_idents(&t.pat) {
                        locals.insert(n, kind);
                    }
                }
            }
        }
        check_body(cx, locals, Body::Block(f.body), out);
    }

    fn check_expr(&self, cx: &Cx, e: &syn::Expr, out: &mut Sink) {
        let body = match e {
            syn::Expr::Async(a) => Body::Block(&a.block),
            syn::Expr::Closure(c) if c.asyncness.is_some() => Body::Expr(&c.body),
            _ => return,
        };
        if skip_tests(cx, false) {
            return;
        }
        check_body(cx, HashMap::new(), body, out);
    }
}

fn skip_tests(cx: &Cx, is_test_fn: bool) -> bool {
    let check_tests = cx.config.options::<Options>().check_tests;
    (is_test_fn && !check_tests) || cx.skips_test_code(check_tests)
}

enum Body<'a> {
    Block(&'a syn::Block),
    Expr(&'a syn::Expr),
}

fn check_body(cx: &Cx, mut locals: HashMap<String, LockDecl>, body: Body, out: &mut Sink) {
    // Locals built as locks (`let m = Arc::new(Mutex::new(..))`, `let c: RefCell<_> = ..`).
    struct Lets<'c, 'a>(&'c Cx<'a>, &'c mut HashMap<String, LockDecl>);
    impl<'ast> syn::visit::Visit<'ast> for Lets<'_, '_> {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            let kind = match &l.pat {
                syn::Pat::Type(t) => lock_decl(&self.0.resolver, &t.ty),
                _ => None,
            }
            .or_else(|| {
                l.init
                    .as_ref()
                    .and_then(|i| lock_ctor(&self.0.resolver, &i.expr))
            });
            if let Some(kind) = kind {
                for n in pat_idents(&l.pat) {
                    self.1.insert(n, kind);
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut lets = Lets(cx, &mut locals);
    match body {
        Body::Block(b) => syn::visit::Visit::visit_block(&mut lets, b),
        Body::Expr(e) => syn::visit::Visit::visit_expr(&mut lets, e),
    }
    let mut w = Walk {
        cx,
        locals,
        guards: Vec::new(),
        live: Vec::new(),
        edition_2024: cx.krate.edition >= Edition::E2024,
    };
    match body {
        Body::Block(b) => w.block(b),
        Body::Expr(e) => w.expr(e, Follow::None),
    }
    for g in w.guards {
        if g.awaits.is_empty() {
            continue;
        }
        let mut diag =
            Diagnostic::new(META.id, g.span, message(g.kind, &g.written)).with_label(label(g.kind));
        let mut seen = Vec::new();
        for a in &g.awaits {
            if !seen.contains(a) {
                seen.push(*a);
                diag = diag.with_secondary(*a, label_await(g.kind));
            }
        }
        diag = diag
            .with_help(help(g.kind, g.name.as_deref().filter(|n| is_plain(n))))
            .with_note(note_why(g.kind));
        match g.condition {
            Some(c) => out.report_if(diag, vec![c]),
            None => out.report(diag),
        }
    }
}

/// A name a user wrote (not a placeholder for a shadowed binding).
fn is_plain(name: &str) -> bool {
    !name.contains(' ')
}

// ---- the ordered walk over one body ---------------------------------------------------------

/// What the parent of an expression does with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Follow {
    None,
    /// `.await`ed: a `lock()` returning a future (tokio, async-std).
    Await,
    /// `.unwrap()` / `.expect(..)` / `.unwrap_or_else(..)`: a `LockResult`.
    Unwrap,
}

struct Guard {
    /// The binding holding it; `None` for a temporary.
    name: Option<String>,
    /// The guard-creating call, by address (to find which guard a `let` binds).
    call: usize,
    span: Span,
    written: String,
    kind: GuardKind,
    condition: Option<Condition>,
    awaits: Vec<Span>,
}

struct Walk<'c, 'a> {
    cx: &'c Cx<'a>,
    locals: HashMap<String, LockDecl>,
    guards: Vec<Guard>,
    /// Indices into `guards` of the guards alive now, oldest first.
    live: Vec<usize>,
    edition_2024: bool,
}

impl Walk<'_, '_> {
    fn suspend(&mut self, at: Span) {
        for &i in &self.live {
            self.guards[i].awaits.push(at);
        }
    }

    /// End the named guard `name` (dropped, moved, or consumed).
    fn end(&mut self, name: &str) {
        if let Some(pos) = self
            .live
            .iter()
            .rposition(|&i| self.guards[i].name.as_deref() == Some(name))
        {
            self.live.remove(pos);
        }
    }

    fn is_live_name(&self, name: &str) -> bool {
        self.live
            .iter()
            .any(|&i| self.guards[i].name.as_deref() == Some(name))
    }

    /// A new binding of `name` shadows a live guard: the guard lives on, unnamed.
    fn shadow(&mut self, name: &str) {
        for &i in &self.live {
            if self.guards[i].name.as_deref() == Some(name) {
                self.guards[i].name = Some(format!("shadowed {name}"));
            }
        }
    }

    /// End the temporaries created since `mark` (named guards stay).
    fn end_temps(&mut self, mark: usize) {
        let mut k = mark.min(self.live.len());
        while k < self.live.len() {
            if self.guards[self.live[k]].name.is_none() {
                self.live.remove(k);
            } else {
                k += 1;
            }
        }
    }

    fn block(&mut self, b: &syn::Block) {
        let mark = self.live.len();
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            let is_tail = i + 1 == n && matches!(s, syn::Stmt::Expr(_, None));
            self.stmt(s, is_tail);
            if diverges(s) {
                break;
            }
        }
        // Locals of the block end here; in edition 2024 so do the tail's temporaries (before
        // 2024 they live to the end of the enclosing statement).
        let mut k = mark.min(self.live.len());
        while k < self.live.len() {
            if self.guards[self.live[k]].name.is_some() || self.edition_2024 {
                self.live.remove(k);
            } else {
                k += 1;
            }
        }
    }

    fn stmt(&mut self, s: &syn::Stmt, is_tail: bool) {
        match s {
            syn::Stmt::Local(l) => self.local(l),
            syn::Stmt::Expr(e, _) => {
                let mark = self.live.len();
                self.expr(e, Follow::None);
                if !is_tail {
                    self.end_temps(mark);
                }
            }
            syn::Stmt::Macro(m) => self.mac(&m.mac),
            syn::Stmt::Item(_) => {}
        }
    }

    fn local(&mut self, l: &syn::Local) {
        let names = pat_idents(&l.pat);
        let Some(init) = &l.init else {
            names.iter().for_each(|n| self.shadow(n));
            return;
        };
        let mark = self.live.len();
        // `let h = g;` moves the guard into a new binding.
        if let syn::Expr::Path(p) = peel(&init.expr) {
            if let Some(src) = p.path.get_ident().map(|i| i.to_string()) {
                if self.is_live_name(&src) {
                    if let Some(&i) = self
                        .live
                        .iter()
                        .rev()
                        .find(|&&i| self.guards[i].name.as_deref() == Some(&src))
                    {
                        names.iter().for_each(|n| self.shadow(n));
                        self.guards[i].name = match names.as_slice() {
                            [n] => Some(n.clone()),
                            _ => Some(format!("moved {src}")),
                        };
                    }
                    return;
                }
            }
        }
        self.expr(&init.expr, Follow::None);
        if let Some((_, diverge)) = &init.diverge {
            self.expr(diverge, Follow::None);
        }
        names.iter().for_each(|n| self.shadow(n));
        // The guard the binding holds, if the initializer is one (`m.lock().unwrap()`).
        let bound = match &l.pat {
            syn::Pat::Wild(_) => None,
            _ => guard_call(&init.expr),
        };
        if let Some(call) = bound {
            if let Some(&i) = self.live[mark.min(self.live.len())..]
                .iter()
                .find(|&&i| self.guards[i].call == call)
            {
                self.guards[i].name = Some(match names.as_slice() {
                    [n] => n.clone(),
                    _ => format!("bound {}", names.join(",")),
                });
            }
        }
        self.end_temps(mark);
    }

    fn mac(&mut self, m: &syn::Macro) {
        let name = macro_name(m);
        if is_awaiting_macro(&name) || tokens_contain_await(&m.tokens) {
            let span = self.cx.span_of(m);
            self.suspend(span);
        }
    }

    /// Consume a bare name passed by value: `drop(g)`, `f(g)`, `Foo { g }`, `return g`.
    fn consume(&mut self, e: &syn::Expr) {
        if let syn::Expr::Path(p) = e {
            if let Some(id) = p.path.get_ident() {
                self.end(&id.to_string());
            }
        }
    }

    fn expr(&mut self, e: &syn::Expr, follow: Follow) {
        use syn::Expr as E;
        match e {
            E::Await(a) => {
                self.expr(&a.base, Follow::Await);
                let at = self
                    .cx
                    .span(a.dot_token.span)
                    .to(self.cx.span(a.await_token.span));
                self.suspend(at);
            }
            E::MethodCall(m) => {
                let unwraps = matches!(
                    m.method.to_string().as_str(),
                    "unwrap" | "expect" | "unwrap_or_else"
                );
                let child = if unwraps {
                    Follow::Unwrap
                } else {
                    Follow::None
                };
                self.expr(&m.receiver, child);
                for a in &m.args {
                    self.expr(a, Follow::None);
                }
                for a in &m.args {
                    self.consume(a);
                }
                if let Some((kind, condition)) = self.guard_kind(m, follow) {
                    let span = self.cx.span_of(m);
                    self.guards.push(Guard {
                        name: None,
                        call: m as *const _ as usize,
                        span,
                        written: self.cx.snippet(span).to_string(),
                        kind,
                        condition,
                        awaits: Vec::new(),
                    });
                    self.live.push(self.guards.len() - 1);
                }
            }
            E::Call(c) => {
                self.expr(&c.func, Follow::None);
                for a in &c.args {
                    self.expr(a, Follow::None);
                }
                for a in &c.args {
                    self.consume(a);
                }
            }
            E::If(i) => self.if_expr(i),
            E::Match(m) => {
                let mark = self.live.len();
                self.expr(&m.expr, Follow::None);
                self.name_scrutinee_guard(&m.expr, m.arms.iter().map(|a| &a.pat), mark);
                for arm in &m.arms {
                    if let Some((_, g)) = &arm.guard {
                        self.expr(g, Follow::None);
                    }
                    self.expr(&arm.body, Follow::None);
                }
                self.end_scrutinee(mark);
            }
            E::While(w) => {
                let mark = self.live.len();
                self.expr(&w.cond, Follow::None);
                if let E::Let(l) = &*w.cond {
                    self.name_scrutinee_guard(&l.expr, std::iter::once(&*l.pat), mark);
                } else {
                    self.end_temps(mark);
                }
                self.block(&w.body);
                self.end_scrutinee(mark);
            }
            E::ForLoop(f) => {
                // The iterator expression's temporaries live through the loop.
                let mark = self.live.len();
                self.expr(&f.expr, Follow::None);
                self.block(&f.body);
                self.end_scrutinee(mark);
            }
            E::Loop(l) => self.block(&l.body),
            E::Block(b) => self.block(&b.block),
            E::Unsafe(b) => self.block(&b.block),
            E::Const(_) => {}
            E::Let(l) => self.expr(&l.expr, Follow::None),
            E::Closure(c) if c.capture.is_some() => self.consume_captures(&c.body),
            E::Async(a) if a.capture.is_some() => {
                for n in crate::semantic::dataflow::names_used_in_block(&a.block) {
                    self.end(&n);
                }
            }
            E::Macro(m) => self.mac(&m.mac),
            E::Assign(a) => {
                self.expr(&a.right, Follow::None);
                self.consume(&a.right);
                self.expr(&a.left, Follow::None);
            }
            E::Binary(b) => {
                if matches!(
                    b.op,
                    syn::BinOp::AddAssign(_)
                        | syn::BinOp::SubAssign(_)
                        | syn::BinOp::MulAssign(_)
                        | syn::BinOp::DivAssign(_)
                        | syn::BinOp::RemAssign(_)
                        | syn::BinOp::BitXorAssign(_)
                        | syn::BinOp::BitAndAssign(_)
                        | syn::BinOp::BitOrAssign(_)
                        | syn::BinOp::ShlAssign(_)
                        | syn::BinOp::ShrAssign(_)
                ) {
                    self.expr(&b.right, Follow::None);
                    self.expr(&b.left, Follow::None);
                } else {
                    self.expr(&b.left, Follow::None);
                    self.expr(&b.right, Follow::None);
                }
            }
            E::Return(r) => {
                if let Some(v) = &r.expr {
                    self.expr(v, Follow::None);
                    self.consume(v);
                }
            }
            E::Break(b) => {
                if let Some(v) = &b.expr {
                    self.expr(v, Follow::None);
                    self.consume(v);
                }
            }
            E::Struct(s) => {
                for f in &s.fields {
                    self.expr(&f.expr, Follow::None);
                    self.consume(&f.expr);
                }
                if let Some(r) = &s.rest {
                    self.expr(r, Follow::None);
                }
            }
            E::Tuple(t) => {
                for x in &t.elems {
                    self.expr(x, Follow::None);
                    self.consume(x);
                }
            }
            E::Array(t) => {
                for x in &t.elems {
                    self.expr(x, Follow::None);
                    self.consume(x);
                }
            }
            E::Try(t) => self.expr(&t.expr, Follow::None),
            E::Paren(p) => self.expr(&p.expr, follow),
            E::Group(g) => self.expr(&g.expr, follow),
            E::Reference(r) => self.expr(&r.expr, Follow::None),
            E::Unary(u) => self.expr(&u.expr, Follow::None),
            E::Field(f) => self.expr(&f.base, Follow::None),
            E::Index(i) => {
                self.expr(&i.expr, Follow::None);
                self.expr(&i.index, Follow::None);
            }
            E::Cast(c) => self.expr(&c.expr, Follow::None),
            E::Range(r) => {
                if let Some(s) = &r.start {
                    self.expr(s, Follow::None);
                }
                if let Some(s) = &r.end {
                    self.expr(s, Follow::None);
                }
            }
            E::Repeat(r) => self.expr(&r.expr, Follow::None),
            E::TryBlock(t) => self.block(&t.block),
            _ => {}
        }
    }

    fn if_expr(&mut self, i: &syn::ExprIf) {
        let mark = self.live.len();
        self.expr(&i.cond, Follow::None);
        let is_let = has_let(&i.cond);
        if is_let {
            if let syn::Expr::Let(l) = &*i.cond {
                self.name_scrutinee_guard(&l.expr, std::iter::once(&*l.pat), mark);
            }
        } else {
            // An `if` condition is a scope of its own: its temporaries end before the branches.
            self.end_temps(mark);
        }
        self.block(&i.then_branch);
        if is_let && self.edition_2024 {
            // Edition 2024: the scrutinee's temporaries end before `else`.
            self.end_scrutinee(mark);
        }
        if let Some((_, e)) = &i.else_branch {
            self.expr(e, Follow::None);
        }
        self.end_scrutinee(mark);
    }

    /// `if let Ok(g) = m.lock()` / `match m.lock() { Ok(g) => .. }`: the pattern's binding is
    /// the guard, so `drop(g)` in the arm ends it.
    fn name_scrutinee_guard<'p>(
        &mut self,
        scrutinee: &syn::Expr,
        pats: impl Iterator<Item = &'p syn::Pat>,
        mark: usize,
    ) {
        let Some(call) = guard_call_in_result(scrutinee) else {
            return;
        };
        let mut names: Vec<String> = pats.flat_map(pat_idents).collect();
        names.dedup();
        if let [n] = names.as_slice() {
            let n = n.clone();
            self.shadow(&n);
            if let Some(&i) = self.live[mark.min(self.live.len())..]
                .iter()
                .find(|&&i| self.guards[i].call == call)
            {
                self.guards[i].name = Some(n);
            }
        }
    }

    /// End everything created since `mark` (scrutinee temporaries, and guards bound by the
    /// scrutinee's pattern).
    fn end_scrutinee(&mut self, mark: usize) {
        self.live.truncate(mark.min(self.live.len()));
    }

    fn consume_captures(&mut self, body: &syn::Expr) {
        for n in names_used_in_expr(body) {
            self.end(&n);
        }
    }

    /// Does this method call create a guard, and on what condition?
    fn guard_kind(
        &self,
        m: &syn::ExprMethodCall,
        follow: Follow,
    ) -> Option<(GuardKind, Option<Condition>)> {
        if !m.args.is_empty() || follow == Follow::Await {
            return None;
        }
        let method = m.method.to_string();
        match method.as_str() {
            "lock" | "read" | "write" => {
                if method == "lock" && is_std_io_handle(&m.receiver) {
                    return None;
                }
                match self.receiver_decl(&m.receiver) {
                    Receiver::Local(LockDecl::Sync) => Some((GuardKind::Lock, None)),
                    Receiver::Local(_) => None,
                    // Only a `LockResult` has `unwrap`: std's locks.
                    _ if follow == Follow::Unwrap => Some((GuardKind::Lock, None)),
                    Receiver::Declared(name) => Some((
                        GuardKind::Lock,
                        Some(Condition::DeclaredLock(name, LockDecl::Sync)),
                    )),
                    Receiver::Unknown => None,
                }
            }
            "borrow" | "borrow_mut" => match self.receiver_decl(&m.receiver) {
                Receiver::Local(LockDecl::RefCell) => Some((GuardKind::RefCell, None)),
                Receiver::Declared(name) => Some((
                    GuardKind::RefCell,
                    Some(Condition::DeclaredLock(name, LockDecl::RefCell)),
                )),
                _ => None,
            },
            "enter" | "entered" if is_span(&m.receiver) => Some((GuardKind::Span, None)),
            _ => None,
        }
    }

    fn receiver_decl(&self, receiver: &syn::Expr) -> Receiver {
        let mut r = peel(receiver);
        // `self.m.clone().lock()`, `m.as_ref().lock()`
        while let syn::Expr::MethodCall(m) = r {
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "clone" | "as_ref" | "deref" | "borrow"
                )
            {
                r = peel(&m.receiver);
            } else {
                break;
            }
        }
        match r {
            syn::Expr::Path(p) => {
                let Some(id) = p.path.get_ident() else {
                    return Receiver::Unknown;
                };
                let name = id.to_string();
                if let Some(kind) = self.locals.get(&name) {
                    return Receiver::Local(*kind);
                }
                // A static (`static CACHE: Mutex<..>`), by its SCREAMING_CASE name.
                if name.len() > 1
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                {
                    return Receiver::Declared(name);
                }
                Receiver::Unknown
            }
            syn::Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => Receiver::Declared(n.to_string()),
                syn::Member::Unnamed(_) => Receiver::Unknown,
            },
            _ => Receiver::Unknown,
        }
    }
}

enum Receiver {
    /// A local or parameter declared or built as this kind of lock in the body.
    Local(LockDecl),
    /// A field or static name: the crate's declarations decide.
    Declared(String),
    Unknown,
}

/// `std::io::stdout().lock()` and friends: a reentrant lock on a stream, not a data lock.
fn is_std_io_handle(receiver: &syn::Expr) -> bool {
    match peel(receiver) {
        syn::Expr::Call(c) => matches!(
            crate::semantic::dataflow::call_name(c).as_deref(),
            Some("stdout" | "stderr" | "stdin")
        ),
        syn::Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
            let n = i.to_string();
            matches!(n.as_str(), "stdout" | "stderr" | "stdin" | "out" | "err")
        }),
        _ => false,
    }
}

/// A `tracing::Span`: a `*span!(..)` macro, `Span::current()`, or a name that says span.
fn is_span(receiver: &syn::Expr) -> bool {
    match peel(receiver) {
        syn::Expr::Macro(m) => macro_name(&m.mac).ends_with("span"),
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => {
                let segs = crate::semantic::imports::segments(&p.path);
                segs.len() >= 2 && segs[segs.len() - 2] == "Span"
            }
            _ => false,
        },
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| i.to_string().to_ascii_lowercase().contains("span")),
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => n.to_string().to_ascii_lowercase().contains("span"),
            syn::Member::Unnamed(_) => false,
        },
        _ => false,
    }
}

/// The call a `let` initializer binds as a guard: `m.lock().unwrap()`, `m.read()?`,
/// `span.enter()` (but not `m.lock().unwrap().clone()`, which is a copy).
fn guard_call(e: &syn::Expr) -> Option<usize> {
    match e {
        syn::Expr::MethodCall(m) => match m.method.to_string().as_str() {
            "unwrap" | "expect" | "unwrap_or_else" => guard_call(&m.receiver),
            "lock" | "read" | "write" | "borrow" | "borrow_mut" | "enter" | "entered" => {
                Some(m as *const _ as usize)
            }
            _ => None,
        },
        syn::Expr::Try(t) => guard_call(&t.expr),
        syn::Expr::Paren(p) => guard_call(&p.expr),
        syn::Expr::Group(g) => guard_call(&g.expr),
        _ => None,
    }
}

/// A scrutinee whose pattern may bind the guard itself (`m.lock()`, `m.try_lock()` is not
/// tracked; `m.lock().unwrap()` for `match`).
fn guard_call_in_result(e: &syn::Expr) -> Option<usize> {
    guard_call(e)
}

fn has_let(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Let(_) => true,
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            has_let(&b.left) || has_let(&b.right)
        }
        syn::Expr::Paren(p) => has_let(&p.expr),
        _ => false,
    }
}

/// `return ..;`, `break;`, `continue;`: what follows in the block is not reached.
fn diverges(s: &syn::Stmt) -> bool {
    matches!(
        s,
        syn::Stmt::Expr(
            syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_),
            _
        )
    )
}
