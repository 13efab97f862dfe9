//! See rules/lock_across_await.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::Span;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Suggestion};
use crate::registry;
use crate::semantic::dataflow::{collect_token_idents, names_used_in_expr, pat_idents};
use crate::semantic::guards::{guards_across_awaits, Body, Guard, GuardKind};
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
    has_fix: true,
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
        if let Some(fix) = drop_before_await(cx, &body, &g) {
            diag = diag.with_suggestion(fix);
        }
        match g.condition {
            Some(c) => out.report_if(diag, vec![c]),
            None => out.report(diag),
        }
    }
}

// ---- the fix -------------------------------------------------------------------------------

/// `drop(guard);` before the statement with the first `.await`, for a guard bound by a `let`
/// of the body's own block and read by no statement from there on (nor is anything bound since
/// the guard, which may borrow from it). Safe when the guard was used before: its work is done
/// and only the lock is still held. A guard never read (`let _g = m.lock()`) is held for
/// exclusion itself, and ending it early may be what the author did not want: unsafe.
fn drop_before_await(cx: &Cx, body: &Body, g: &Guard) -> Option<Suggestion> {
    let (Body::Block(block), Some(name)) = (body, g.name.as_deref()) else {
        return None;
    };
    if g.kind == GuardKind::Span || !is_plain(name) {
        return None;
    }
    let first_await = g.awaits.iter().min_by_key(|a| a.byte_start)?;
    let stmts = &block.stmts;
    let contains = |st: &syn::Stmt, at: usize| {
        let sp = cx.span_of(st);
        sp.byte_start <= at && at < sp.byte_end
    };
    let i = stmts.iter().position(|st| {
        matches!(st, syn::Stmt::Local(l) if matches!(&l.pat, syn::Pat::Ident(p) if p.ident == name && p.subpat.is_none()))
            && contains(st, g.span.byte_start)
    })?;
    let j = i
        + 1
        + stmts[i + 1..]
            .iter()
            .position(|st| contains(st, first_await.byte_start))?;
    let mut bound_since: Vec<String> = Vec::new();
    for st in &stmts[i + 1..j] {
        if let syn::Stmt::Local(l) = st {
            bound_since.extend(pat_idents(&l.pat));
        }
    }
    if bound_since.iter().any(|b| b == name) {
        return None; // shadowed: `drop(name)` would drop another value
    }
    let later = names_read(&stmts[j..]);
    if later.contains(name) || bound_since.iter().any(|b| later.contains(b)) {
        return None;
    }
    let used = names_read(&stmts[i + 1..j]).contains(name) && !name.starts_with('_');
    let at = cx.span_of(&stmts[j]);
    let indent: String = cx
        .file
        .lines
        .line_text(cx.file.text, at.line_start)
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    Some(Suggestion {
        message: format!("end the guard before the `.await`: `drop({name})`"),
        edits: vec![Edit {
            span: Span {
                byte_end: at.byte_start,
                line_end: at.line_start,
                column_end: at.column_start,
                ..at
            },
            replacement: format!("drop({name});\n{indent}"),
        }],
        applicability: if used {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
    })
}

/// Names the statements read (including inside macros and format strings).
fn names_read(stmts: &[syn::Stmt]) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for st in stmts {
        match st {
            syn::Stmt::Local(l) => {
                if let Some(init) = &l.init {
                    out.extend(names_used_in_expr(&init.expr));
                    if let Some((_, e)) = &init.diverge {
                        out.extend(names_used_in_expr(e));
                    }
                }
            }
            syn::Stmt::Expr(e, _) => out.extend(names_used_in_expr(e)),
            syn::Stmt::Macro(m) => collect_token_idents(&m.mac.tokens, &mut out),
            syn::Stmt::Item(_) => {}
        }
    }
    out
}

/// A name a user wrote (not a placeholder for a shadowed binding).
fn is_plain(name: &str) -> bool {
    !name.contains(' ')
}
