//! Cancellation facts: what a `select!` branch loses when another branch wins, whether a
//! select's other branches leave the loop, what futures a statement drops unpolled, and where a
//! fn makes a fresh cancellation token instead of deriving one from the token it has.
//!
//! Everything here looks only at the nodes it is handed (a `select!`'s parsed branches, one
//! statement), except [`fresh_tokens`], which scans one fn body, and only a body whose text
//! names the token type.

use super::dataflow::{names_used_in_expr, peel};
use super::facts::{method_key, use_key, Condition};
use super::known::cancel as k;
use super::{Cx, Frame, Tri};
use syn::visit::Visit;

// ---- select! branches ----------------------------------------------------------------------

/// What a dropped branch future loses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Bytes read or written so far.
    PartialIo,
    /// The value handed to it.
    Value,
    /// Its place in a fair queue (nothing else).
    QueuePlace,
    /// A same-crate `async fn` awaiting a [`Loss::PartialIo`] or [`Loss::Value`] operation.
    Wrapped,
}

/// A cancel-unsafe operation raced as a branch future.
pub struct BranchOp<'a> {
    pub loss: Loss,
    /// The call that makes the future (inside adapters such as `.fuse()`).
    pub call: &'a syn::Expr,
    /// The operation's name (`read_exact`, `read_frame`).
    pub name: String,
    /// For [`Loss::Wrapped`]: the crate must confirm the callee awaits such an operation.
    pub unless: Vec<Condition>,
}

/// Is the current code inside a loop of its own body (not one enclosing a closure or async
/// block it belongs to)?
pub fn in_loop(frames: &[Frame]) -> bool {
    for f in frames.iter().rev() {
        match f {
            Frame::Loop { .. } => return true,
            Frame::Fn { .. } | Frame::Closure { .. } | Frame::AsyncBlock => return false,
            _ => {}
        }
    }
    false
}

/// The future of a branch inside the adapters that only wrap it (`.fuse()`, `.boxed()`,
/// `Box::pin(..)`), and parentheses.
pub fn branch_call(e: &syn::Expr) -> &syn::Expr {
    let mut e = e;
    loop {
        match e {
            syn::Expr::Paren(p) => e = &p.expr,
            syn::Expr::Group(g) => e = &g.expr,
            syn::Expr::MethodCall(m)
                if k::BRANCH_ADAPTERS.contains(&m.method.to_string().as_str()) =>
            {
                e = &m.receiver
            }
            syn::Expr::Call(c) if c.args.len() == 1 && is_box_pin(&c.func) => e = &c.args[0],
            _ => return e,
        }
    }
}

fn is_box_pin(f: &syn::Expr) -> bool {
    let syn::Expr::Path(p) = f else { return false };
    let s: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    s.len() >= 2 && s[s.len() - 2] == "Box" && s[s.len() - 1] == "pin"
}

/// The cancel-unsafe operation a branch future is made from, if it is made fresh by a call
/// (a future held in a variable and polled by `&mut` is not: it resumes where it stopped).
pub fn branch_op<'a>(cx: &Cx, future: &'a syn::Expr, queue_places: bool) -> Option<BranchOp<'a>> {
    let call = branch_call(future);
    match call {
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let n = name.as_str();
            // A semaphore or lock field (`self.permits.acquire()`) by the crate's declarations.
            let mut unless = Vec::new();
            let typed_queue = if k::SEMAPHORE_WAITS.contains(&n) {
                receiver_is(cx, &m.receiver, k::SEMAPHORE_TYPE)
                    || declared(&m.receiver, &mut unless, |f| {
                        Condition::DeclaredAs(f, super::values::ValueKind::Semaphore)
                    })
            } else if k::RWLOCK_WAITS.contains(&n) {
                receiver_is(cx, &m.receiver, k::RWLOCK_TYPE)
                    || receiver_is_lock(cx, &m.receiver)
                    || declared(&m.receiver, &mut unless, |f| {
                        Condition::DeclaredLock(f, super::locks::LockDecl::Other)
                    })
            } else {
                false
            };
            let loss = if k::PARTIAL_IO.contains(&n) {
                Some(Loss::PartialIo)
            } else if k::VALUE_SENDS.contains(&n) && m.args.len() == 1 {
                if value_survives(&m.args[0]) {
                    return None;
                }
                Some(Loss::Value)
            } else if (k::QUEUE_WAITS.contains(&n) && m.args.is_empty()) || typed_queue {
                Some(Loss::QueuePlace)
            } else {
                None
            };
            if let Some(loss) = loss {
                // The fair queues are tokio's (`futures`' and async-std's mutexes document none).
                let fair = k::FAIR_QUEUE_CRATES.iter().any(|c| cx.krate.depends_on(c));
                if loss == Loss::QueuePlace && !(queue_places && fair) {
                    return None;
                }
                return Some(BranchOp {
                    loss,
                    call,
                    name,
                    unless,
                });
            }
            // A same-crate method that awaits one.
            let self_ty = self_type(cx);
            let key = method_key(&m.receiver, cx.exec.locals(), self_ty, n);
            if key.starts_with(super::facts::UNKNOWN_RECEIVER) && k::CANCEL_SAFE.contains(&n) {
                return None;
            }
            Some(BranchOp {
                loss: Loss::Wrapped,
                call,
                name,
                unless: vec![Condition::AwaitsCancelUnsafe(key)],
            })
        }
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let name = p.path.segments.last()?.ident.to_string();
            let key = use_key(&p.path, &cx.resolver, cx.file.module_path, self_type(cx));
            Some(BranchOp {
                loss: Loss::Wrapped,
                call,
                name,
                unless: vec![Condition::AwaitsCancelUnsafe(key)],
            })
        }
        _ => None,
    }
}

fn self_type<'c>(cx: &'c Cx) -> Option<&'c str> {
    cx.frames.iter().rev().find_map(|f| match f {
        Frame::Impl { self_ty, .. } => Some(self_ty.as_str()),
        _ => None,
    })
}

/// A receiver that is a parameter or local of the named type (`sem: &Semaphore`,
/// `let lock = RwLock::new(..)`).
fn receiver_is(cx: &Cx, receiver: &syn::Expr, types: &[&str]) -> bool {
    let Some(ty) = cx.exec.locals().and_then(|l| l.type_of(receiver)) else {
        return false;
    };
    types.iter().any(|t| super::known::last_segment(t) == ty)
}

/// A field or parameter receiver (`self.permits`, `shared.table`, `permits: Arc<Semaphore>`):
/// true, with the condition that the crate's declarations of that name settle.
fn declared(
    receiver: &syn::Expr,
    unless: &mut Vec<Condition>,
    condition: impl FnOnce(String) -> Condition,
) -> bool {
    let name = match peel(receiver) {
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(name) => name.to_string(),
            syn::Member::Unnamed(_) => return false,
        },
        syn::Expr::Path(p) => match p.path.get_ident() {
            Some(id) => id.to_string(),
            None => return false,
        },
        _ => return false,
    };
    unless.push(condition(name));
    true
}

/// A parameter or local declared or built as a lock (`table: &RwLock<T>`,
/// `let t = Arc::new(RwLock::new(..))`): raced as a future, its `read()`/`write()` are an async
/// lock's (a sync lock's return no future).
fn receiver_is_lock(cx: &Cx, receiver: &syn::Expr) -> bool {
    let syn::Expr::Path(p) = peel(receiver) else {
        return false;
    };
    let Some(id) = p.path.get_ident() else {
        return false;
    };
    cx.fn_mutables()
        .is_some_and(|m| m.locks.locals.contains_key(&id.to_string()))
}

/// `tx.send(msg.clone())`, `tx.send(Command::Tick)`, `tx.send(Ping(0))`: what is sent is a copy
/// or a constant made again next round; nothing the loop had is lost.
fn value_survives(arg: &syn::Expr) -> bool {
    match arg {
        syn::Expr::MethodCall(m) => {
            m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "clone" | "to_owned" | "to_string" | "to_vec"
                )
        }
        syn::Expr::Lit(_) => true,
        syn::Expr::Paren(p) => value_survives(&p.expr),
        // A unit variant or constant (`Command::Tick`, `PING`).
        syn::Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident.to_string().starts_with(char::is_uppercase)),
        // A variant or tuple struct of constants (`Message::Ping(Vec::new())` is not one).
        syn::Expr::Call(c) => {
            matches!(&*c.func, syn::Expr::Path(p) if p.path.segments.last()
                .is_some_and(|s| s.ident.to_string().starts_with(char::is_uppercase)))
                && c.args.iter().all(value_survives)
        }
        _ => false,
    }
}

/// Does this awaited expression run a partial-I/O or value-losing operation? For the crate-wide
/// fact that an `async fn` wrapping it is not cancel safe either.
pub fn awaits_cancel_unsafe(base: &syn::Expr) -> bool {
    let syn::Expr::MethodCall(m) = branch_call(base) else {
        return false;
    };
    let name = m.method.to_string();
    k::PARTIAL_IO.contains(&name.as_str())
        || (k::VALUE_SENDS.contains(&name.as_str()) && m.args.len() == 1)
}

/// Does a branch handler leave the loop, so that it never goes round again after this branch
/// wins: it always exits (`break`, `return`, `Err(..)?`, a panic), or it stops the loop by a flag
/// the loop tests (`done = true;`, `token.cancel();`)?
pub fn leaves_loop(e: &syn::Expr) -> bool {
    always_exits(e) || stops_by_flag(e)
}

/// A handler that sets a flag (`running = false;`) or cancels a token: a `while !done`-style
/// loop ends on its next test.
fn stops_by_flag(e: &syn::Expr) -> bool {
    let stmts: Vec<&syn::Expr> = match e {
        syn::Expr::Block(b) => b
            .block
            .stmts
            .iter()
            .filter_map(|s| match s {
                syn::Stmt::Expr(e, _) => Some(e),
                _ => None,
            })
            .collect(),
        e => vec![e],
    };
    stmts.iter().any(|e| match e {
        syn::Expr::Assign(a) => matches!(
            &*a.right,
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Bool(_),
                ..
            })
        ),
        syn::Expr::MethodCall(m) => m.method == "cancel" && m.args.is_empty(),
        _ => false,
    })
}

fn always_exits(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Break(_) | syn::Expr::Return(_) => true,
        // `Err(e)?`
        syn::Expr::Try(t) => matches!(&*t.expr, syn::Expr::Call(c)
            if matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Err"))),
        syn::Expr::Paren(p) => always_exits(&p.expr),
        syn::Expr::Group(g) => always_exits(&g.expr),
        syn::Expr::Block(b) => block_exits(&b.block),
        syn::Expr::Unsafe(b) => block_exits(&b.block),
        syn::Expr::If(i) => {
            block_exits(&i.then_branch)
                && i.else_branch.as_ref().is_some_and(|(_, e)| always_exits(e))
        }
        syn::Expr::Match(m) => !m.arms.is_empty() && m.arms.iter().all(|a| always_exits(&a.body)),
        syn::Expr::Macro(m) => is_panic_macro(&m.mac),
        syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p)
            if p.path.segments.len() >= 2
                && p.path.segments.last().is_some_and(|s| s.ident == "exit")
                && p.path.segments.iter().any(|s| s.ident == "process")),
        _ => false,
    }
}

fn block_exits(b: &syn::Block) -> bool {
    b.stmts.iter().any(|s| match s {
        syn::Stmt::Expr(e, _) => always_exits(e),
        syn::Stmt::Macro(m) => is_panic_macro(&m.mac),
        _ => false,
    })
}

fn is_panic_macro(m: &syn::Macro) -> bool {
    let name = super::macros::macro_name(m);
    matches!(
        name.as_str(),
        "panic" | "unreachable" | "todo" | "unimplemented" | "bail"
    )
}

// ---- futures dropped unpolled -------------------------------------------------------------

/// A future a statement makes and drops without polling it.
pub struct Unpolled<'a> {
    /// The expression that makes the future.
    pub expr: &'a syn::Expr,
    /// `async { .. }`, or the called fn's name.
    pub what: String,
    pub is_block: bool,
    /// What never happens, when it is more than "`f` never runs" (`the request is never sent`).
    pub lost: Option<&'static str>,
    /// The crate must confirm the callee is an `async fn`.
    pub unless: Vec<Condition>,
}

/// The future an initializer or statement expression makes, if it makes one for certain: an
/// `async` block, a call of an async API of the catalog, or a call of a fn or a method of a
/// known type that the crate must confirm is an `async fn`.
///
/// `before` are the statements of the block before this one, where a channel whose sender's
/// `send(v)` is a future may have been made.
pub fn makes_future<'a>(cx: &Cx, e: &'a syn::Expr, before: &[syn::Stmt]) -> Option<Unpolled<'a>> {
    let inner = match e {
        syn::Expr::Paren(p) => &*p.expr,
        e => e,
    };
    match inner {
        syn::Expr::Async(_) => Some(Unpolled {
            expr: inner,
            what: "async block".into(),
            is_block: true,
            lost: None,
            unless: Vec::new(),
        }),
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let name = p.path.segments.last()?.ident.to_string();
            // A tuple struct or enum variant (`Some(..)`, `Job(..)`) makes no future.
            if name.starts_with(|ch: char| ch.is_uppercase()) {
                return None;
            }
            let lazy = k::LAZY_ASYNC_FNS
                .iter()
                .any(|t| super::known::last_segment(t) == name);
            if lazy && cx.is(&p.path, k::LAZY_ASYNC_FNS) == Tri::Yes {
                return Some(Unpolled {
                    expr: inner,
                    what: name,
                    is_block: false,
                    lost: None,
                    unless: Vec::new(),
                });
            }
            // A local closure or fn pointer is not an item.
            if p.path.segments.len() == 1
                && cx.fn_mutables().is_some_and(|m| m.locals.contains(&name))
            {
                return None;
            }
            let key = use_key(&p.path, &cx.resolver, cx.file.module_path, self_type(cx));
            Some(Unpolled {
                expr: inner,
                what: name,
                is_block: false,
                lost: None,
                unless: vec![Condition::IsAsyncFn(key)],
            })
        }
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if sends_async_request(cx, m) {
                return Some(Unpolled {
                    expr: inner,
                    what: name,
                    is_block: false,
                    lost: Some("the request is never sent"),
                    unless: Vec::new(),
                });
            }
            if k::VALUE_SENDS.contains(&name.as_str()) && m.args.len() == 1 {
                return async_sender(cx, &m.receiver, before).map(|unless| Unpolled {
                    expr: inner,
                    what: name,
                    is_block: false,
                    lost: Some("the message is never sent"),
                    unless,
                });
            }
            let key = method_key(&m.receiver, cx.exec.locals(), self_type(cx), &name);
            // A receiver of unknown type could be anyone's.
            if key.starts_with(super::facts::UNKNOWN_RECEIVER) {
                return None;
            }
            Some(Unpolled {
                expr: inner,
                what: name,
                is_block: false,
                lost: None,
                unless: vec![Condition::IsAsyncFn(key)],
            })
        }
        _ => None,
    }
}

/// Is the receiver a sender whose `send(v)` is a future: a parameter or annotated local of such
/// a type, the first half of such a channel made earlier in the block, or a field every
/// declaration of which has such a type (the condition returned)?
fn async_sender(cx: &Cx, receiver: &syn::Expr, before: &[syn::Stmt]) -> Option<Vec<Condition>> {
    use super::values::{Evidence, ValueKind};
    match peel(receiver) {
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(vec![Condition::DeclaredAs(
                n.to_string(),
                ValueKind::AsyncSender,
            )]),
            syn::Member::Unnamed(_) => None,
        },
        syn::Expr::Path(p) => {
            let name = p.path.get_ident()?.to_string();
            let declared = cx.exec.locals().is_some_and(|l| {
                l.evidence(&cx.resolver, receiver, ValueKind::AsyncSender) == Evidence::Yes
            });
            (declared || made_by_async_channel(cx, before, &name)).then(Vec::new)
        }
        _ => None,
    }
}

/// `let (tx, rx) = tokio::sync::mpsc::channel(8);` among `before`, binding `name` first.
fn made_by_async_channel(cx: &Cx, before: &[syn::Stmt], name: &str) -> bool {
    before.iter().rev().any(|s| {
        let syn::Stmt::Local(l) = s else { return false };
        let (syn::Pat::Tuple(t), Some(init)) = (&l.pat, &l.init) else {
            return false;
        };
        let first = t.elems.first().map(super::dataflow::pat_idents);
        if first.is_none_or(|names| !names.iter().any(|n| n == name)) {
            return false;
        }
        let syn::Expr::Call(c) = peel(&init.expr) else {
            return false;
        };
        let syn::Expr::Path(p) = &*c.func else {
            return false;
        };
        let last = p.path.segments.last().map(|s| s.ident.to_string());
        k::ASYNC_CHANNELS
            .iter()
            .any(|t| Some(super::known::last_segment(t)) == last.as_deref())
            && cx.is(&p.path, k::ASYNC_CHANNELS) == Tri::Yes
    })
}

/// `client.post(url).json(&body).send()` of reqwest's async client, in async code.
fn sends_async_request(cx: &Cx, m: &syn::ExprMethodCall) -> bool {
    if !m.args.is_empty() || !k::REQUEST_SENDS.contains(&m.method.to_string().as_str()) {
        return false;
    }
    let (_, calls) = super::dataflow::method_chain(&m.receiver);
    let starts_request = calls
        .iter()
        .any(|c| super::known::timeout::REQUEST_VERBS.contains(&c.method.to_string().as_str()));
    starts_request
        && cx.in_async()
        && k::ASYNC_HTTP_CRATES.iter().any(|c| cx.krate.depends_on(c))
        && !k::BLOCKING_HTTP_MODULES
            .iter()
            .any(|b| cx.file.text.contains(b))
}

// ---- fresh cancellation tokens ------------------------------------------------------------

/// A token the fn already has: `token` (a parameter) or `self.shutdown` (a field).
#[derive(Debug, Clone)]
pub struct ParentToken {
    /// As written in code: `token`, `self.shutdown`.
    pub expr: String,
    pub is_field: bool,
}

/// A `CancellationToken::new()` the fn hands on.
pub struct FreshToken {
    pub ctor: proc_macro2::Span,
    /// Where it goes: `tokio::spawn`, `Worker::new`, `run`.
    pub to: String,
    /// Made inside a closure or async block of the fn (where the parent may not be reachable).
    pub nested: bool,
}

/// Is `ty` the token type (also behind `&`, `Arc`)?
pub fn is_token_type(cx: &Cx, ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_token_type(cx, &r.elem),
        syn::Type::Paren(p) => is_token_type(cx, &p.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            if last.ident == "Arc" {
                if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                    if let Some(syn::GenericArgument::Type(t)) = a.args.first() {
                        return is_token_type(cx, t);
                    }
                }
                return false;
            }
            last.ident == super::known::last_segment(k::TOKEN_TYPES[0])
                && cx.is(&p.path, k::TOKEN_TYPES) != Tri::No
        }
        _ => false,
    }
}

/// Fields of token type of the structs this file declares: (struct, field).
pub struct TokenFields(pub Vec<(String, String)>);

/// [`TokenFields`] of this file, computed once.
pub fn token_fields(cx: &Cx) -> std::rc::Rc<TokenFields> {
    cx.file.memo.get(|| {
        let mut out = Vec::new();
        let mut stack: Vec<&syn::Item> = cx.file.ast.items.iter().collect();
        while let Some(item) = stack.pop() {
            match item {
                syn::Item::Struct(s) => {
                    for f in &s.fields {
                        if let Some(id) = &f.ident {
                            if is_token_type(cx, &f.ty) {
                                out.push((s.ident.to_string(), id.to_string()));
                            }
                        }
                    }
                }
                syn::Item::Mod(m) => {
                    if let Some((_, items)) = &m.content {
                        stack.extend(items.iter());
                    }
                }
                _ => {}
            }
        }
        TokenFields(out)
    })
}

/// The tokens a fn has: its token-typed parameters, and `self`'s token fields by the struct's
/// declaration in this file.
pub fn parent_tokens(cx: &Cx, sig: &syn::Signature, self_ty: Option<&str>) -> Vec<ParentToken> {
    let mut out = Vec::new();
    let mut has_self = false;
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(_) => has_self = true,
            syn::FnArg::Typed(t) => {
                if let syn::Pat::Ident(p) = &*t.pat {
                    if is_token_type(cx, &t.ty) {
                        out.push(ParentToken {
                            expr: p.ident.to_string(),
                            is_field: false,
                        });
                    }
                }
            }
        }
    }
    if let (true, Some(ty)) = (has_self, self_ty) {
        for (s, field) in token_fields(cx).0.iter() {
            if s == ty {
                out.push(ParentToken {
                    expr: format!("self.{field}"),
                    is_field: true,
                });
            }
        }
    }
    out
}

/// The fresh tokens a fn body hands to a task or a callee without wiring them to a signal of
/// its own (`cancel()`, `drop_guard()`) or keeping them (a field, a struct, a collection, the
/// return value).
///
/// A new token handed on together with the parent (the same call's arguments also reach
/// `token`, a clone of it, or `self.shutdown`: a task that selects on both) is combined, not
/// fresh.
pub fn fresh_tokens(cx: &Cx, body: &syn::Block, parents: &[ParentToken]) -> Vec<FreshToken> {
    let text = cx.snippet(cx.span(body.brace_token.span.join()));
    let ty = super::known::last_segment(k::TOKEN_TYPES[0]);
    if !text.contains(ty) {
        return Vec::new();
    }
    let mut scan = TokenScan {
        cx,
        depth: 0,
        calls: Vec::new(),
        bound: Vec::new(),
        wired: Default::default(),
        kept: Default::default(),
        handed: Vec::new(),
        direct: Vec::new(),
        parent_names: parents
            .iter()
            .filter(|p| !p.is_field)
            .map(|p| p.expr.clone())
            .collect(),
        parent_fields: parents
            .iter()
            .filter(|p| p.is_field)
            .map(|p| p.expr.clone())
            .collect(),
    };
    scan.visit_block(body);
    let mut out = Vec::new();
    for (span, to, nested) in scan.direct {
        out.push(FreshToken {
            ctor: span,
            to,
            nested,
        });
    }
    // A token and its clones share a fate: one of them cancelled or kept settles them all.
    let settled = |span: &proc_macro2::Span| {
        scan.bound.iter().any(|(n, s, _)| {
            s.byte_range() == span.byte_range() && (scan.wired.contains(n) || scan.kept.contains(n))
        })
    };
    let mut reported = Vec::new();
    for (name, span, nested) in &scan.bound {
        if settled(span) || reported.contains(&span.byte_range()) {
            continue;
        }
        if let Some((_, to)) = scan.handed.iter().find(|(n, _)| n == name) {
            reported.push(span.byte_range());
            out.push(FreshToken {
                ctor: *span,
                to: to.clone(),
                nested: *nested,
            });
        }
    }
    out
}

struct TokenScan<'c, 'a> {
    cx: &'c Cx<'a>,
    /// Closures and async blocks entered.
    depth: usize,
    /// The calls whose arguments are being visited, innermost last: how they are written.
    calls: Vec<String>,
    /// `let t = CancellationToken::new();`: (name, ctor span, nested).
    bound: Vec<(String, proc_macro2::Span, bool)>,
    /// Names wired to a signal of the fn (`t.cancel()`, `t.drop_guard()`).
    wired: std::collections::HashSet<String>,
    /// Names kept by the fn (stored, returned).
    kept: std::collections::HashSet<String>,
    /// (name, callee) of bound tokens handed to a call.
    handed: Vec<(String, String)>,
    /// Constructor calls passed straight to a call: (span, callee, nested).
    direct: Vec<(proc_macro2::Span, String, bool)>,
    /// The parent tokens as locals (parameters and their clones), and as `self.field`s.
    parent_names: std::collections::HashSet<String>,
    parent_fields: Vec<String>,
}

impl TokenScan<'_, '_> {
    fn is_ctor(&self, e: &syn::Expr) -> bool {
        let syn::Expr::Call(c) = peel(e) else {
            return false;
        };
        let syn::Expr::Path(p) = &*c.func else {
            return false;
        };
        let n = p.path.segments.len();
        n >= 2
            && p.path.segments[n - 2].ident == super::known::last_segment(k::TOKEN_TYPES[0])
            && matches!(
                p.path.segments[n - 1].ident.to_string().as_str(),
                "new" | "default"
            )
            && self.cx.is(&p.path, k::TOKEN_CTORS) != Tri::No
    }

    fn bound_names(&self) -> impl Iterator<Item = &String> {
        self.bound.iter().map(|(n, _, _)| n)
    }

    /// The bound token names an expression mentions.
    fn mentions(&self, e: &syn::Expr) -> Vec<String> {
        let used = names_used_in_expr(e);
        self.bound_names()
            .filter(|n| used.contains(*n))
            .cloned()
            .collect()
    }

    /// Does an expression reach a parent token (by a local name or as `self.field`)?
    fn reaches_parent(&self, e: &syn::Expr) -> bool {
        let used = names_used_in_expr(e);
        if used.iter().any(|n| self.parent_names.contains(n)) {
            return true;
        }
        if self.parent_fields.is_empty() || !used.contains("self") {
            return false;
        }
        let text = self.cx.snippet(self.cx.span_of(e));
        self.parent_fields.iter().any(|f| text.contains(f.as_str()))
    }

    fn visit_args<'e>(&mut self, callee: String, args: impl Iterator<Item = &'e syn::Expr>) {
        let storing = matches!(
            callee.rsplit('.').next(),
            Some("push" | "insert" | "push_back" | "extend" | "set" | "replace")
        );
        let args: Vec<&syn::Expr> = args.collect();
        // Handed on together with the parent: the callee sees both.
        let with_parent = args
            .iter()
            .any(|a| !self.is_ctor(a) && self.reaches_parent(a));
        for a in args {
            if self.is_ctor(a) {
                if !storing && !with_parent {
                    self.direct.push((
                        syn::spanned::Spanned::span(a),
                        callee.clone(),
                        self.depth > 0,
                    ));
                }
                continue;
            }
            for n in self.mentions(a) {
                if storing {
                    self.kept.insert(n);
                } else if with_parent {
                    self.wired.insert(n);
                } else {
                    self.handed.push((n, callee.clone()));
                }
            }
            self.calls.push(callee.clone());
            self.visit_expr(a);
            self.calls.pop();
        }
    }
}

impl<'ast> Visit<'ast> for TokenScan<'_, '_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (syn::Pat::Ident(p), Some(init)) = (&l.pat, &l.init) {
            if self.is_ctor(&init.expr) {
                self.bound.push((
                    p.ident.to_string(),
                    syn::spanned::Spanned::span(&*init.expr),
                    self.depth > 0,
                ));
                return;
            }
            // `let parent = token.clone();`: the parent under another name.
            if self.reaches_parent(&init.expr) {
                self.parent_names.insert(p.ident.to_string());
            }
            // `let t2 = t.clone();`: the same token under another name.
            if let syn::Expr::MethodCall(m) = peel(&init.expr) {
                if m.method == "clone" {
                    if let Some(orig) = self.mentions(&m.receiver).into_iter().next() {
                        let span = self
                            .bound
                            .iter()
                            .find(|(n, _, _)| *n == orig)
                            .map(|(_, s, d)| (*s, *d));
                        if let Some((s, d)) = span {
                            self.bound.push((p.ident.to_string(), s, d));
                        }
                    }
                }
            }
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        let callee = match &*c.func {
            syn::Expr::Path(p) => super::imports::segments(&p.path).join("::"),
            _ => String::new(),
        };
        self.visit_expr(&c.func);
        self.visit_args(callee, c.args.iter());
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if k::TOKEN_WIRING.contains(&name.as_str()) {
            for n in self.mentions(&m.receiver) {
                self.wired.insert(n);
            }
        }
        self.visit_expr(&m.receiver);
        let receiver = match peel(&m.receiver) {
            syn::Expr::Path(p) => super::imports::segments(&p.path).join("::"),
            _ => String::new(),
        };
        let callee = if receiver.is_empty() {
            format!(".{name}")
        } else {
            format!("{receiver}.{name}")
        };
        self.visit_args(callee, m.args.iter());
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        for n in self.mentions(&a.right) {
            self.kept.insert(n);
        }
        syn::visit::visit_expr_assign(self, a);
    }

    fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
        for f in &s.fields {
            for n in self.mentions(&f.expr) {
                self.kept.insert(n);
            }
        }
        syn::visit::visit_expr_struct(self, s);
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if let Some(e) = &r.expr {
            for n in self.mentions(e) {
                self.kept.insert(n);
            }
        }
        syn::visit::visit_expr_return(self, r);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        // A block's tail value leaves it (the fn's return value, or a binding's value).
        if let Some(syn::Stmt::Expr(tail, None)) = b.stmts.last() {
            if self.depth == 0 {
                for n in self.mentions(tail) {
                    self.kept.insert(n);
                }
            }
        }
        syn::visit::visit_block(self, b);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `select! { _ = t.cancelled() => .., _ = parent.cancelled() => t.cancel() }`: a
        // macro body that cancels a token wires it.
        let mut idents = std::collections::HashSet::new();
        super::dataflow::collect_token_idents(&m.tokens, &mut idents);
        if k::TOKEN_WIRING.iter().any(|w| idents.contains(*w)) {
            let names: Vec<String> = self.bound_names().cloned().collect();
            for n in names {
                if idents.contains(&n) {
                    self.wired.insert(n);
                }
            }
        }
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.depth += 1;
        syn::visit::visit_expr_closure(self, c);
        self.depth -= 1;
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.depth += 1;
        syn::visit::visit_expr_async(self, a);
        self.depth -= 1;
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(src: &str) -> syn::Expr {
        syn::parse_str(src).unwrap()
    }

    #[test]
    fn handlers_that_leave_the_loop() {
        for leaves in [
            "break",
            "return Ok(())",
            "{ log(); break; }",
            "{ running = false; }",
            "token.cancel()",
            "Err(e)?",
            "if a { break } else { return }",
            "match x { Some(_) => break, None => panic!() }",
            "std::process::exit(1)",
        ] {
            assert!(leaves_loop(&expr(leaves)), "{leaves}");
        }
        for stays in [
            "{}",
            "continue",
            "{ if a { break } }",
            "{ loop { break; } }",
            "{ for x in xs { break; } }",
            "count = count + 1",
            "handle(x)",
        ] {
            assert!(!leaves_loop(&expr(stays)), "{stays}");
        }
    }

    #[test]
    fn copies_and_constants_survive_a_lost_send() {
        for survives in [
            "m.clone()",
            "name.to_string()",
            "1",
            "Command::Tick",
            "Seq(1)",
            "PING",
        ] {
            assert!(value_survives(&expr(survives)), "{survives}");
        }
        for lost in [
            "msg",
            "Message::Ping(vec![])",
            "pending.take().unwrap()",
            "Seq(n)",
        ] {
            assert!(!value_survives(&expr(lost)), "{lost}");
        }
    }

    #[test]
    fn branch_adapters_are_seen_through() {
        let e = expr("Box::pin(tx.send(n).fuse())");
        assert!(matches!(branch_call(&e), syn::Expr::MethodCall(m) if m.method == "send"));
        assert!(awaits_cancel_unsafe(&expr("s.read_exact(&mut b)")));
        assert!(!awaits_cancel_unsafe(&expr("s.read_buf(&mut b)")));
        assert!(!awaits_cancel_unsafe(&expr("req.send()")));
    }
}
