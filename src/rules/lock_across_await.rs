//! See rules/lock_across_await.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::Diagnostic;
use crate::registry;
use crate::semantic::dataflow::pat_idents;
use crate::semantic::guards::{guards_across_awaits, Body, GuardKind};
use crate::semantic::locks::{lock_decl, KnownLocks};
use crate::semantic::Cx;

// ---- what the user reads -------------------------------------------------------------------

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
        let mut known = KnownLocks::default();
        for input in &f.sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                if let Some(kind) = lock_decl(&cx.resolver, &t.ty) {
                    for n in pat_idents(&t.pat) {
                        known.locals.insert(n, kind);
                    }
                }
            }
        }
        check_body(cx, known, Body::Block(f.body), false, out);
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
        // An `async` block sees the locks of the fn it is written in: its parameters
        // (`fn f(x: &Mutex<u8>) -> impl Future { async move { x.lock() .. } }`) and locals.
        check_body(cx, KnownLocks::default(), body, true, out);
    }
}

fn skip_tests(cx: &Cx, is_test_fn: bool) -> bool {
    let check_tests = cx.config.options::<Options>().check_tests;
    (is_test_fn && !check_tests) || cx.skips_test_code(check_tests)
}

fn check_body(cx: &Cx, known: KnownLocks, body: Body, in_fn_body: bool, out: &mut Sink) {
    for g in guards_across_awaits(cx, known, body, in_fn_body) {
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
