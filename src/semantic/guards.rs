//! Guard liveness: which lock guards, `RefCell` borrows and entered spans an async body holds
//! at each of its `.await`s, following Rust's drop rules (named guards end at `drop`, a move or
//! the end of their block; temporaries at the end of their statement, or of a scrutinee's
//! arms; edition 2024's tail and `if let` rules). One ordered walk per async body.

use super::awaits::is_awaiting_macro;
use super::dataflow::{field_key, names_used_in_expr, pat_idents, peel};
use super::facts::Condition;
use super::known::locks::{BORROW_METHODS, GUARD_METHODS, SPAN_ENTERS, SPAN_WORDS, STD_STREAMS};
use super::locks::{KnownLocks, LockDecl};
use super::macros::{macro_name, tokens_contain_await};
use super::{Cx, Edition};
use crate::diagnostic::Span;

/// What kind of guard is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardKind {
    Lock,
    RefCell,
    Span,
}

/// An async body: a block (`async fn`, `async` block) or an async closure's expression.
#[derive(Clone, Copy)]
pub enum Body<'a> {
    Block(&'a syn::Block),
    Expr(&'a syn::Expr),
}

/// Every guard the body creates, with the awaits it is alive across (possibly none).
/// `known` are the names known to be locks or cells (or copies of fields) before the body
/// starts (the fn's parameters, the enclosing fn's locals); the body's own `let`s are added as
/// they are met.
///
/// With `in_fn_body` (an `async` block or closure), the enclosing fn's locals
/// ([`super::MutableBindings::locks`]) are seen too, looked up only when a receiver needs them.
pub fn guards_across_awaits(
    cx: &Cx,
    known: KnownLocks,
    body: Body,
    in_fn_body: bool,
) -> Vec<Guard> {
    let mut w = Walk {
        cx,
        known,
        in_fn_body,
        guards: Vec::new(),
        live: Vec::new(),
        edition_2024: cx.krate.edition >= Edition::E2024,
    };
    match body {
        Body::Block(b) => w.block(b),
        Body::Expr(e) => w.expr(e, Follow::None),
    }
    w.guards
}

/// What the parent of an expression does with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Follow {
    None,
    /// `.await`ed: a `lock()` returning a future (tokio, async-std).
    Await,
    /// `.unwrap()` / `.expect(..)` / `.unwrap_or_else(..)`: a `LockResult`.
    Unwrap,
}

/// A guard created in the body.
pub struct Guard {
    /// The binding holding it; `None` for a temporary (a name with a space is not the user's:
    /// `shadowed g`).
    pub name: Option<String>,
    /// The guard-creating call, by address (to find which guard a `let` binds).
    call: usize,
    pub span: Span,
    /// The guard-creating call as written.
    pub written: String,
    pub kind: GuardKind,
    /// What the rest of the crate must confirm (the field's declared lock kind).
    pub condition: Option<Condition>,
    /// The awaits it is alive across.
    pub awaits: Vec<Span>,
}

struct Walk<'c, 'a> {
    cx: &'c Cx<'a>,
    known: KnownLocks,
    /// Names not in `known` are looked up in the enclosing fn's locals.
    in_fn_body: bool,
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
        self.end_temps_keeping(mark, &[]);
    }

    /// End the temporaries created since `mark`, except the guards that are a value leaving
    /// the scope (`Some(m.lock().unwrap())` as a branch's tail).
    fn end_temps_keeping(&mut self, mark: usize, values: &[usize]) {
        let mut k = mark.min(self.live.len());
        while k < self.live.len() {
            let g = &self.guards[self.live[k]];
            if g.name.is_none() && !values.contains(&g.call) {
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
        // 2024 they live to the end of the enclosing statement). A guard that is the tail's
        // value (`{ Some(m.lock().unwrap()) }`) is moved out with it, in every edition.
        let value: Vec<usize> = match b.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) => value_guard_calls(e),
            _ => Vec::new(),
        };
        let mut k = mark.min(self.live.len());
        while k < self.live.len() {
            let g = &self.guards[self.live[k]];
            if (g.name.is_some() || self.edition_2024) && !value.contains(&g.call) {
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
        // `let m = Mutex::new(..)`, `let c: RefCell<_> = ..`, `let m = self.m.clone()`: a lock
        // (or a copy of a field) from here on.
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        if let syn::Pat::Ident(p) = pat {
            let (cx, in_fn_body) = (self.cx, self.in_fn_body);
            self.known.bind_within(
                &cx.resolver,
                &p.ident.to_string(),
                ty,
                Some(&init.expr),
                || {
                    in_fn_body
                        .then(|| cx.fn_mutables().map(|m| &m.locks))
                        .flatten()
                },
            );
        }
        self.expr(&init.expr, Follow::None);
        if let Some((_, diverge)) = &init.diverge {
            self.expr(diverge, Follow::None);
        }
        names.iter().for_each(|n| self.shadow(n));
        // The guard the binding holds, if the initializer is one (`m.lock().unwrap()`).
        let (bound, borrowed) = match &l.pat {
            syn::Pat::Wild(_) => (Vec::new(), false),
            _ => match value_guard_calls(&init.expr) {
                calls if !calls.is_empty() => (calls, false),
                _ => (extended_guard_call(&init.expr).into_iter().collect(), true),
            },
        };
        for call in bound {
            if let Some(&i) = self.live[mark.min(self.live.len())..]
                .iter()
                .find(|&&i| self.guards[i].call == call)
            {
                self.guards[i].name = Some(match names.as_slice() {
                    // A reference into the guard: passing it on does not move the guard.
                    [n] if borrowed => format!("borrowed {n}"),
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
                let unwraps = UNWRAPS.contains(&m.method.to_string().as_str());
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
                    // An arm's body is a temporary scope of its own (every edition): its
                    // temporaries end with the arm, unless one is the arm's value.
                    let arm_mark = self.live.len();
                    self.expr(&arm.body, Follow::None);
                    self.end_temps_keeping(arm_mark, &value_guard_calls(&arm.body));
                }
                let values: Vec<usize> = m
                    .arms
                    .iter()
                    .flat_map(|a| value_guard_calls(&a.body))
                    .collect();
                self.end_scrutinee_keeping(mark, &values);
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
        // The body of an `if` and its `else` block are temporary scopes (every edition): the
        // temporaries of a branch's tail end with the branch, unless one is its value.
        let mut values = Vec::new();
        if let Some(syn::Stmt::Expr(e, None)) = i.then_branch.stmts.last() {
            values.extend(value_guard_calls(e));
        }
        let then_mark = self.live.len();
        self.block(&i.then_branch);
        self.end_temps_keeping(then_mark, &values);
        if is_let && self.edition_2024 {
            // Edition 2024: the scrutinee's temporaries end before `else`.
            self.end_scrutinee(mark);
        }
        if let Some((_, e)) = &i.else_branch {
            let else_values = value_guard_calls(e);
            let else_mark = self.live.len();
            self.expr(e, Follow::None);
            self.end_temps_keeping(else_mark, &else_values);
            values.extend(else_values);
        }
        // A guard that is a branch's value leaves the `if` with it.
        self.end_scrutinee_keeping(mark, &values);
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

    /// [`Self::end_scrutinee`], except the guards that are the expression's value.
    fn end_scrutinee_keeping(&mut self, mark: usize, values: &[usize]) {
        let mut k = mark.min(self.live.len());
        while k < self.live.len() {
            if values.contains(&self.guards[self.live[k]].call) {
                k += 1;
            } else {
                self.live.remove(k);
            }
        }
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
        let method = method.as_str();
        if GUARD_METHODS.contains(&method) {
            if is_std_stream(self.cx, &m.receiver) {
                return None;
            }
            return {
                match self.receiver_decl(&m.receiver) {
                    Receiver::Local(LockDecl::Sync) => Some((GuardKind::Lock, None)),
                    Receiver::Local(_) => None,
                    // Only a `LockResult` has `unwrap`: std's locks (an async lock's
                    // `try_lock()` has one too, so the `try_` forms need the declaration).
                    _ if follow == Follow::Unwrap && !method.starts_with("try_") => {
                        Some((GuardKind::Lock, None))
                    }
                    Receiver::Declared(name) => Some((
                        GuardKind::Lock,
                        Some(Condition::DeclaredLock(name, LockDecl::Sync)),
                    )),
                    Receiver::Unknown => None,
                }
            };
        }
        match method {
            _ if BORROW_METHODS.contains(&method) => match self.receiver_decl(&m.receiver) {
                Receiver::Local(LockDecl::RefCell) => Some((GuardKind::RefCell, None)),
                Receiver::Declared(name) => Some((
                    GuardKind::RefCell,
                    Some(Condition::DeclaredLock(name, LockDecl::RefCell)),
                )),
                _ => None,
            },
            _ if SPAN_ENTERS.contains(&method) && is_span(&m.receiver) => {
                Some((GuardKind::Span, None))
            }
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
                let outer = || {
                    self.in_fn_body
                        .then(|| self.cx.fn_mutables().map(|m| &m.locks))
                        .flatten()
                };
                if let Some(kind) = self
                    .known
                    .locals
                    .get(&name)
                    .or_else(|| outer()?.locals.get(&name))
                {
                    return Receiver::Local(*kind);
                }
                if let Some(field) = self
                    .known
                    .fields
                    .get(&name)
                    .or_else(|| outer()?.fields.get(&name))
                {
                    return Receiver::Declared(field.clone());
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
            // `self.inner` in `impl Metrics`: judged by `Metrics`'s own declaration.
            syn::Expr::Field(f) => match field_key(f, self.cx.self_type()) {
                Some(key) => Receiver::Declared(key),
                None => Receiver::Unknown,
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
fn is_std_stream(cx: &Cx, receiver: &syn::Expr) -> bool {
    match peel(receiver) {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => cx.is(&p.path, STD_STREAMS) != super::Tri::No,
            _ => false,
        },
        _ => false,
    }
}

fn says_span(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SPAN_WORDS.iter().any(|w| name.contains(w))
}

/// A `tracing::Span`: a `*span!(..)` macro, `Span::current()`, or a name that says span.
fn is_span(receiver: &syn::Expr) -> bool {
    match peel(receiver) {
        syn::Expr::Macro(m) => says_span(&macro_name(&m.mac)),
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
            .is_some_and(|i| says_span(&i.to_string())),
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => says_span(&n.to_string()),
            syn::Member::Unnamed(_) => false,
        },
        _ => false,
    }
}

/// The guards an expression's value holds: its own guard call, or the value of each branch of
/// an `if`, `match` or block (`if x { Some(m.lock().unwrap()) } else { None }`).
fn value_guard_calls(e: &syn::Expr) -> Vec<usize> {
    super::dataflow::branch_values(e)
        .into_iter()
        .filter_map(guard_call)
        .collect()
}

/// What a `LockResult` is unwrapped with, keeping the guard: `.unwrap()`, `.expect(..)`,
/// `.unwrap_or_else(PoisonError::into_inner)`, and the forms a handler's `?` needs,
/// `.map_err(..)` and `.ok()`. (An async lock's `lock()` is a future, with none of these.)
const UNWRAPS: &[&str] = &["unwrap", "expect", "unwrap_or_else", "map_err", "ok"];

/// The call a `let` value holds as a guard through Rust's temporary lifetime extension:
/// `&m.lock().unwrap()`, `&*m.lock().unwrap()`, `&m.read().unwrap().field` keep the guard
/// alive to the end of the block, like a named guard.
fn extended_guard_call(e: &syn::Expr) -> Option<usize> {
    fn place(e: &syn::Expr) -> Option<usize> {
        match e {
            syn::Expr::Field(f) => place(&f.base),
            syn::Expr::Index(i) => place(&i.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => place(&u.expr),
            syn::Expr::Paren(p) => place(&p.expr),
            e => guard_call(e),
        }
    }
    match e {
        syn::Expr::Reference(r) => place(&r.expr),
        syn::Expr::Paren(p) => extended_guard_call(&p.expr),
        _ => None,
    }
}

/// The call a `let` initializer binds as a guard: `m.lock().unwrap()`, `m.read()?`,
/// `span.enter()` (but not `m.lock().unwrap().clone()`, which is a copy).
fn guard_call(e: &syn::Expr) -> Option<usize> {
    match e {
        syn::Expr::MethodCall(m) => match m.method.to_string().as_str() {
            method if UNWRAPS.contains(&method) => guard_call(&m.receiver),
            method
                if [GUARD_METHODS, BORROW_METHODS, SPAN_ENTERS]
                    .iter()
                    .any(|l| l.contains(&method)) =>
            {
                Some(m as *const _ as usize)
            }
            _ => None,
        },
        syn::Expr::Try(t) => guard_call(&t.expr),
        syn::Expr::Paren(p) => guard_call(&p.expr),
        syn::Expr::Group(g) => guard_call(&g.expr),
        // `Some(m.lock().unwrap())`: the option holds the guard.
        syn::Expr::Call(c)
            if c.args.len() == 1
                && matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Some") || p.path.is_ident("Ok")) =>
        {
            guard_call(&c.args[0])
        }
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
