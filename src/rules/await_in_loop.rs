//! See rules/await_in_loop.md.

mod fix;

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Span, Suggestion};
use crate::registry;
use crate::semantic::dataflow::{iter_is_batched, iter_is_small_literal, pat_idents, peel};
use crate::semantic::facts::Condition;
use crate::semantic::known::join::SOCKET_BINDS;
use crate::semantic::known::sequencing::{NO_WORK_FUTURES, SEQUENTIAL_STREAM_METHODS};
use crate::semantic::loops::{self, Head, LoopSummary, Work};
use crate::semantic::{Cx, Tri};
use syn::spanned::Spanned;

// ---- what the user reads -------------------------------------------------------------------

fn message(work: &str) -> String {
    format!("each iteration waits for `{work}` before starting the next")
}

fn message_stream(method: &str, work: &str) -> String {
    format!("`.{method}` waits for `{work}` on each item before starting the next")
}

const LABEL: &str = "awaited one at a time";
const LABEL_LOOP: &str = "the iterations do not depend on each other";

fn help(n: usize) -> String {
    format!("run them concurrently, at most {n} at a time")
}

fn note_n(n: usize) -> String {
    format!(
        "{n} is the `concurrency` option of this rule: pick it from what the service on the other \
         end can take; `buffered` keeps the input order, `buffer_unordered` yields results as they finish"
    )
}

const NOTE_WHEN_SEQUENTIAL: &str = "if the order of the side effects matters or the other end \
needs pacing, the loop is right as it is: allow the lint here with a reason";

const NOTE_IMPORTS: &str = "the rewrite uses `futures::StreamExt` (and `TryStreamExt` for `?`)";

const SUGGESTION: &str = "run the iterations concurrently";

fn suggestion_stream(n: usize) -> String {
    format!("process up to {n} items at a time")
}

// ---- metadata ------------------------------------------------------------------------------

pub struct AwaitInLoop;

static META: RuleMeta = RuleMeta {
    entry: &registry::AWAIT_IN_LOOP,
    summary: "An `.await` in a `for` loop whose iterations are independent: the work runs one item at a time where it could run concurrently.",
    has_fix: true,
    doc: include_str!("../../rules/await_in_loop.md"),
};

/// `[rules.await_in_loop]`
type Options = registry::AwaitInLoopOptions;

// ---- the check -----------------------------------------------------------------------------

impl Rule for AwaitInLoop {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_expr(&self, cx: &Cx, e: &syn::Expr, out: &mut Sink) {
        if !matches!(
            e,
            syn::Expr::ForLoop(_) | syn::Expr::Await(_) | syn::Expr::While(_)
        ) || !cx.in_async()
        {
            return;
        }
        // Tests await one step after another on purpose: deterministic order, simple failures.
        if cx.skips_test_code(cx.config.options::<Options>().check_tests) {
            return;
        }
        match e {
            syn::Expr::ForLoop(l) => check_for(cx, l, out),
            syn::Expr::While(w) => check_while_pop(cx, w, out),
            syn::Expr::Await(a) => check_stream(cx, a, out),
            _ => {}
        }
    }
}

/// Is the loop sequential for a reason the summary shows: an early exit, pacing, assertions,
/// a lock guard held through the iteration?
fn sequential_by_design(s: &LoopSummary) -> bool {
    s.exits || s.paced || s.asserts || s.holds_lock || s.ordered_writes || s.yields
}

fn check_for(cx: &Cx, l: &syn::ExprForLoop, out: &mut Sink) {
    if pat_idents(&l.pat).is_empty()
        || iter_is_small_literal(&l.expr)
        || loops::const_range_is_small(cx, &l.expr)
        || iter_is_batched(&l.expr)
    {
        return;
    }
    if loops::says_sequential(cx, cx.span(l.for_token.span).line_start) {
        return;
    }
    let summary = loops::of_for(cx, l);
    if sequential_by_design(&summary) || loops::replays_own_state(cx, l, &summary) {
        return;
    }
    let header = cx.span(l.for_token.span).to(cx.span(l.expr.span()));
    report_loop(cx, &summary, header, Some(l), out);
}

/// `while let Some(x) = queue.pop()` over a local collection the body never touches: the same
/// walk over a fixed set of items as a `for` loop (a work queue that the body refills is not).
fn check_while_pop(cx: &Cx, w: &syn::ExprWhile, out: &mut Sink) {
    let Some(item) = loops::popped_item(w) else {
        return;
    };
    if pat_idents(item).is_empty()
        || loops::says_sequential(cx, cx.span(w.while_token.span).line_start)
    {
        return;
    }
    let summary = loops::of_while_pop(cx, w, item);
    if sequential_by_design(&summary) {
        return;
    }
    let header = cx.span(w.while_token.span).to(cx.span(w.cond.span()));
    report_loop(cx, &summary, header, None, out);
}

/// The finding for a loop whose iterations are independent, if any are; with the rewrite of a
/// `for` loop as a stream when there is one.
fn report_loop(
    cx: &Cx,
    summary: &LoopSummary,
    header: crate::diagnostic::Span,
    rewritable: Option<&syn::ExprForLoop>,
    out: &mut Sink,
) {
    // Binding a socket (`TcpListener::bind(addr).await`) is a local call that completes at
    // once: nothing to overlap.
    let qualifying: Vec<&Work> = summary
        .independent()
        .filter(|w| {
            !(matches!(w.head, loops::Head::Call(_))
                && matches!(&w.callees[..], [c] if SOCKET_BINDS.contains(&c.as_str())))
        })
        .collect();
    let Some(first) = qualifying.first() else {
        return;
    };
    let n = cx.config.options::<Options>().concurrency.max(1);
    let mut diag = Diagnostic::new(META.id, cx.span(first.span), message(&describe(cx, first)))
        .with_label(LABEL)
        .with_secondary(header, LABEL_LOOP);
    for other in qualifying.iter().skip(1) {
        diag = diag.with_secondary(cx.span(other.span), "also awaited one at a time");
    }
    diag = diag
        .with_help(help(n))
        .with_note(note_n(n))
        .with_note(NOTE_WHEN_SEQUENTIAL)
        .with_note(NOTE_IMPORTS);
    let error_type = cx.fn_mutables().and_then(|m| m.error_type.as_deref());
    let rewrite = rewritable.and_then(|l| fix::rewrite_loop(cx, l, summary, n, error_type));
    if let Some((mut edits, display_only)) = rewrite {
        // The rewrite calls `StreamExt` (and `TryStreamExt`) methods: import what is missing.
        let mut applicability = if display_only {
            Applicability::DisplayOnly
        } else {
            Applicability::MaybeIncorrect
        };
        let (import, applicable) = crate::fix::stream_traits(cx, summary.has_try);
        edits.extend(import);
        if !applicable {
            applicability = Applicability::DisplayOnly;
        }
        diag = diag.with_suggestion(Suggestion {
            message: SUGGESTION.into(),
            edits,
            applicability,
        });
    }
    out.report_if(diag, lock_conditions(&qualifying));
}

/// A same-crate callee that waits for a lock runs one call at a time whatever the loop does:
/// the finding stands unless every awaited callee does (checked once the crate is read). One
/// that takes no lock (`build()` beside `register()`) is work that could overlap.
fn lock_conditions(works: &[&Work]) -> Vec<Condition> {
    let mut names: Vec<String> = works.iter().flat_map(|w| w.callees.clone()).collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return Vec::new();
    }
    vec![Condition::SomeTakesNoLock(names)]
}

/// `stream.for_each(|x| async move { f(x).await })` and `stream.then(|x| f(x))`: sequential
/// per-item work on a stream (only when the chain is awaited, so it is a stream, not an iterator).
fn check_stream(cx: &Cx, a: &syn::ExprAwait, out: &mut Sink) {
    let mut e = peel(&a.base);
    let call = loop {
        match e {
            syn::Expr::MethodCall(m)
                if SEQUENTIAL_STREAM_METHODS.contains(&m.method.to_string().as_str()) =>
            {
                break m
            }
            syn::Expr::MethodCall(m) => e = peel(&m.receiver),
            syn::Expr::Try(t) => e = peel(&t.expr),
            _ => return,
        }
    };
    let [syn::Expr::Closure(closure)] = call.args.iter().collect::<Vec<_>>()[..] else {
        return;
    };
    if closure.inputs.iter().all(|p| pat_idents(p).is_empty())
        || loops::consumes_events(cx, &call.receiver)
    {
        return;
    }
    // The per-item future: an async block returned by the closure, an async closure, or for
    // `.then(|x| fetch(x))` the returned future itself.
    let body_is_work = match &*closure.body {
        syn::Expr::Async(_) => false,
        // `|uid| { let c = client.clone(); async move { .. } }`: the block's tail is the future.
        syn::Expr::Block(b)
            if matches!(
                b.block.stmts.last(),
                Some(syn::Stmt::Expr(syn::Expr::Async(_), None))
            ) =>
        {
            false
        }
        _ if closure.asyncness.is_some() => false,
        body if call.method == "then" => {
            if !is_work(cx, body) {
                return;
            }
            true
        }
        // A sync closure: `for_each` of an iterator, not of a stream.
        _ => return,
    };
    let summary = loops::of_item_closure(cx, closure, body_is_work);
    if sequential_by_design(&summary) {
        return;
    }
    let first = summary.independent().next();
    if let Some(work) = first {
        report_stream(cx, call, work, out);
    }
}

/// A future that does some work: not a constructor (`Ok(x)`, `Some(x)`) or a ready value
/// (`future::ready(x)`).
fn is_work(cx: &Cx, body: &syn::Expr) -> bool {
    match peel(body) {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => {
                let constructor =
                    p.path.segments.last().is_some_and(|s| {
                        s.ident.to_string().starts_with(|c: char| c.is_uppercase())
                    });
                let ready = NO_WORK_FUTURES.iter().any(|t| {
                    t.rsplit("::")
                        .next()
                        .is_some_and(|n| p.path.segments.last().is_some_and(|s| s.ident == n))
                }) && cx.is(&p.path, NO_WORK_FUTURES) != Tri::No;
                !constructor && !ready
            }
            _ => true,
        },
        syn::Expr::MethodCall(_) => true,
        _ => false,
    }
}

fn report_stream(cx: &Cx, call: &syn::ExprMethodCall, work: &Work, out: &mut Sink) {
    let opts = cx.config.options::<Options>();
    let n = opts.concurrency.max(1);
    let method = call.method.to_string();
    let method_span = cx.span(call.method.span());
    let edits = match method.as_str() {
        "for_each" | "try_for_each" => {
            let Some(first_arg) = call.args.first() else {
                return;
            };
            let arg = cx.span_of(first_arg);
            vec![
                Edit {
                    span: method_span,
                    replacement: format!("{method}_concurrent"),
                },
                Edit {
                    span: Span {
                        line_end: arg.line_start,
                        column_end: arg.column_start,
                        byte_end: arg.byte_start,
                        ..arg
                    },
                    replacement: format!("{n}, "),
                },
            ]
        }
        _ => {
            let end = cx.span(call.paren_token.span.close());
            vec![
                Edit {
                    span: method_span,
                    replacement: "map".into(),
                },
                Edit {
                    span: end.end(),
                    replacement: format!(".buffered({n})"),
                },
            ]
        }
    };
    let diag = Diagnostic::new(
        META.id,
        cx.span(work.span),
        message_stream(&method, &describe(cx, work)),
    )
    .with_label(LABEL)
    .with_secondary(method_span, "processes one item at a time")
    .with_help(help(n))
    .with_note(note_n(n))
    .with_note(NOTE_WHEN_SEQUENTIAL)
    .with_suggestion(Suggestion {
        message: suggestion_stream(n),
        edits,
        applicability: Applicability::MaybeIncorrect,
    });
    out.report_if(diag, lock_conditions(&[work]));
}

/// A short description of the awaited work: its source if short, else `callee(..)`.
fn describe(cx: &Cx, work: &Work) -> String {
    let text = cx.snippet(cx.span(work.span));
    let one_line = super::one_line(text);
    if one_line.chars().count() <= 48 {
        return one_line;
    }
    match &work.head {
        Head::Call(func) => format!("{}(..)", cx.snippet(cx.span(*func))),
        Head::Method(m) => format!(".{m}(..)"),
        Head::Other => one_line.chars().take(45).collect::<String>() + "..",
    }
}
