//! Futures dropped unpolled: what a statement makes that is surely a future (an `async` block,
//! an async API of the catalog, a bounded channel's `send`, a reqwest request, or a call the
//! crate must confirm is an `async fn`). Looks only at the statement, and at the earlier
//! statements of its block for a channel made there.

use super::dataflow::peel;
use super::facts::{method_key, use_key, Condition};
use super::known::cancel as k;
use super::{Cx, Tri};

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

impl<'a> Unpolled<'a> {
    /// A call's future (not an `async` block).
    fn call(
        expr: &'a syn::Expr,
        what: String,
        lost: Option<&'static str>,
        unless: Vec<Condition>,
    ) -> Unpolled<'a> {
        Unpolled {
            expr,
            what,
            is_block: false,
            lost,
            unless,
        }
    }
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
                return Some(Unpolled::call(inner, name, None, Vec::new()));
            }
            // A local closure or fn pointer is not an item.
            if p.path.segments.len() == 1
                && (cx.is_bound_local(&name) || bound_before(before, &name))
            {
                return None;
            }
            let key = use_key(&p.path, &cx.resolver, cx.file.module_path, cx.self_type());
            Some(Unpolled::call(
                inner,
                name,
                None,
                vec![Condition::IsAsyncFn(key)],
            ))
        }
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if sends_async_request(cx, m) {
                return Some(Unpolled::call(
                    inner,
                    name,
                    Some("the request is never sent"),
                    Vec::new(),
                ));
            }
            if k::VALUE_SENDS.contains(&name.as_str()) && m.args.len() == 1 {
                if let Some(unless) = async_sender(cx, &m.receiver, before) {
                    let lost = Some("the message is never sent");
                    return Some(Unpolled::call(inner, name, lost, unless));
                }
                // Not a channel's sender: perhaps a method of the crate (`mailer.send(user)`).
            }
            // A receiver of unknown type could be anyone's (checked before any key is built).
            let on_self =
                matches!(peel(&m.receiver), syn::Expr::Path(p) if p.path.is_ident("self"));
            let typed = cx
                .exec
                .locals()
                .is_some_and(|l| l.type_of(&m.receiver).is_some());
            if !(typed || (on_self && cx.self_type().is_some())) {
                let ty = receiver_type(cx, &m.receiver, before)?;
                return Some(Unpolled::call(
                    inner,
                    name.clone(),
                    None,
                    vec![Condition::IsAsyncFn(format!("{ty}::{name}"))],
                ));
            }
            let key = method_key(&m.receiver, cx.exec.locals(), cx.self_type(), &name);
            if key.starts_with(super::facts::UNKNOWN_RECEIVER) {
                return None;
            }
            Some(Unpolled::call(
                inner,
                name,
                None,
                vec![Condition::IsAsyncFn(key)],
            ))
        }
        _ => None,
    }
}

/// The named type of a receiver the walk has not typed yet: a local bound by one of the block's
/// earlier `let`s (which the walk reaches after the block is judged) from a constructor of a
/// type (`Store::open(..)`, `Mailer::new(..)?`, `Store { .. }`) or by an annotation
/// (`let s: Store = ..`), or a field of `self` by its struct's declaration in this file
/// (`self.notifier` declared `notifier: Notifier`, also behind `Arc`/`Box`/`&`).
fn receiver_type(cx: &Cx, receiver: &syn::Expr, before: &[syn::Stmt]) -> Option<String> {
    match peel(receiver) {
        syn::Expr::Path(p) => {
            let name = p.path.get_ident()?.to_string();
            let l = before.iter().rev().find_map(|s| match s {
                syn::Stmt::Local(l) if super::dataflow::pat_idents(&l.pat).contains(&name) => {
                    Some(l)
                }
                _ => None,
            })?;
            if let syn::Pat::Type(t) = &l.pat {
                return super::values::named_type(&t.ty);
            }
            let mut init = peel(&l.init.as_ref()?.expr);
            loop {
                init = match init {
                    syn::Expr::Try(t) => peel(&t.expr),
                    syn::Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
                        peel(&m.receiver)
                    }
                    _ => break,
                };
            }
            match init {
                // `Type::open(..)`: an associated fn of a type, by the convention that such a
                // constructor returns the type.
                syn::Expr::Call(c) => match &*c.func {
                    syn::Expr::Path(f) if f.path.segments.len() == 2 => {
                        let ty = f.path.segments[0].ident.to_string();
                        ty.starts_with(|c: char| c.is_ascii_uppercase())
                            .then_some(ty)
                    }
                    _ => None,
                },
                e => super::values::constructed_type(e),
            }
        }
        syn::Expr::Field(f) => {
            let syn::Member::Named(field) = &f.member else {
                return None;
            };
            let owner = cx
                .self_type()
                .filter(|_| super::dataflow::is_self(&f.base))?;
            super::values::field_type(cx, owner, &field.to_string())
        }
        _ => None,
    }
}

/// Is the receiver a sender whose `send(v)` is a future: a parameter or annotated local of such
/// a type, the first half of such a channel made earlier in the block, or a field every
/// declaration of which has such a type (the condition returned)?
/// Is `name` bound by a `let` among the block's earlier statements (which the engine's walk
/// has not reached when the block is judged)?
fn bound_before(before: &[syn::Stmt], name: &str) -> bool {
    before.iter().any(|s| {
        matches!(s, syn::Stmt::Local(l) if super::dataflow::pat_idents(&l.pat).iter().any(|n| n == name))
    })
}

fn async_sender(cx: &Cx, receiver: &syn::Expr, before: &[syn::Stmt]) -> Option<Vec<Condition>> {
    use super::values::{Evidence, ValueKind};
    match peel(receiver) {
        // `self.tx` in an impl: that struct's own field (falling back to every `tx`).
        syn::Expr::Field(f) => super::dataflow::field_key(f, cx.self_type())
            .map(|key| vec![Condition::DeclaredAs(key, ValueKind::AsyncSender)]),
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

/// Could this initializer make a future at all (before anything is resolved or searched)? An
/// `async` block, a call of a lowercase path that is not a local, or a method on `self` or on a
/// local of a known type, or a one-argument `send`.
pub fn plausible(cx: &Cx, e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Paren(p) => plausible(cx, &p.expr),
        syn::Expr::Async(_) => true,
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return false;
            };
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            let name = last.ident.to_string();
            let local = p.path.segments.len() == 1 && cx.is_bound_local(&name);
            !(name.starts_with(|ch: char| ch.is_uppercase()) || local)
        }
        syn::Expr::MethodCall(m) => {
            if m.args.is_empty() && k::REQUEST_SENDS.iter().any(|n| m.method == n) {
                return true;
            }
            if m.args.len() == 1 && k::VALUE_SENDS.iter().any(|n| m.method == n) {
                return true;
            }
            let on_self =
                matches!(peel(&m.receiver), syn::Expr::Path(p) if p.path.is_ident("self"));
            on_self
                || cx
                    .exec
                    .locals()
                    .is_some_and(|l| l.type_of(&m.receiver).is_some())
        }
        _ => false,
    }
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
