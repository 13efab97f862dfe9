//! See rules/unpolled_future.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Suggestion};
use crate::registry;
use crate::semantic::dataflow::let_parts;
use crate::semantic::unpolled::{makes_future, plausible, Unpolled};
use crate::semantic::Cx;

// ---- what the user reads -------------------------------------------------------------------

/// How the future is dropped.
enum Drop {
    /// `async { .. };`
    Statement,
    /// `f(..);`: a call whose future is the statement's value, dropped at its `;`.
    Bare,
    /// `let _ = f();` or `_ = f();`: as written (`let _`, `_ =`).
    Underscore(&'static str),
    /// `let fut = f();` and `fut` never used.
    Unused(String),
}

fn message(u: &Unpolled, how: &Drop) -> String {
    let work = match u.lost {
        Some(lost) => lost.to_string(),
        None if u.is_block => "its code never runs".to_string(),
        None => format!("`{}` never runs", u.what),
    };
    match how {
        Drop::Statement => format!("this `async` block is never awaited: {work}"),
        Drop::Bare => format!(
            "the future of `{}(..)` is dropped at the end of this statement, unpolled: {work}",
            u.what
        ),
        Drop::Underscore(written) if u.is_block => {
            format!("`{written}` drops this `async` block unpolled: {work}")
        }
        Drop::Underscore(written) => format!(
            "`{written}` drops the future of `{}(..)` unpolled: {work}",
            u.what
        ),
        Drop::Unused(name) => {
            format!("`{name}` holds a future that is never awaited, returned or passed on: {work}")
        }
    }
}

fn label(how: &Drop) -> String {
    match how {
        Drop::Statement | Drop::Bare => "created and dropped here".into(),
        Drop::Underscore(_) => "dropped before it is ever polled".into(),
        Drop::Unused(name) => format!("`{name}` is never used"),
    }
}

fn help(in_async: bool) -> &'static str {
    if in_async {
        "add `.await` to run it here, or hand it to `tokio::spawn` to run it in the background"
    } else {
        "a future does nothing until it is awaited or spawned: hand it to `tokio::spawn` \
         (or a runtime's `block_on`), or make this fn `async` and `.await` it"
    }
}

const NOTE_WHY: &str =
    "futures are lazy: calling an `async fn` or writing an `async` block only builds a value";

const SUGGESTION: &str = "await it";

// ---- metadata ------------------------------------------------------------------------------

pub struct UnpolledFuture;

static META: RuleMeta = RuleMeta {
    entry: &registry::UNPOLLED_FUTURE,
    summary:
        "A future that is created and dropped without ever being polled, so its work never happens.",
    has_fix: true,
    doc: include_str!("../../rules/unpolled_future.md"),
};

/// `[rules.unpolled_future]`
type Options = registry::UnpolledFutureOptions;

// ---- the check -----------------------------------------------------------------------------

impl Rule for UnpolledFuture {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_block(&self, cx: &Cx, b: &syn::Block, out: &mut Sink) {
        if cx.skips_test_code(cx.config.options::<Options>().check_tests) {
            return;
        }
        for (i, stmt) in b.stmts.iter().enumerate() {
            let before = &b.stmts[..i];
            match stmt {
                syn::Stmt::Expr(e @ syn::Expr::Async(_), Some(_)) => {
                    if let Some(u) = makes_future(cx, e, before) {
                        report(cx, &u, Drop::Statement, out);
                    }
                }
                // `send_report(id);`: rustc's `unused_must_use` warns too, after a build.
                syn::Stmt::Expr(e @ (syn::Expr::Call(_) | syn::Expr::MethodCall(_)), Some(_)) => {
                    if let Some(u) = makes_future(cx, e, before) {
                        report(cx, &u, Drop::Bare, out);
                    }
                }
                // `_ = f();`: the destructuring assignment form of `let _ = f();`.
                syn::Stmt::Expr(syn::Expr::Assign(a), Some(_))
                    if matches!(&*a.left, syn::Expr::Infer(_)) =>
                {
                    if let Some(u) = makes_future(cx, &a.right, before) {
                        report(cx, &u, Drop::Underscore("_ ="), out);
                    }
                }
                syn::Stmt::Local(local) => {
                    let Some((pat, init)) = let_parts(local) else {
                        continue;
                    };
                    let how = match pat {
                        syn::Pat::Wild(_) => Drop::Underscore("let _"),
                        syn::Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                            Drop::Unused(p.ident.to_string())
                        }
                        _ => continue,
                    };
                    if !matches!(
                        init,
                        syn::Expr::Async(_) | syn::Expr::Call(_) | syn::Expr::MethodCall(_)
                    ) {
                        continue;
                    }
                    // Most bindings are used, and usually soon: the text says so cheaply,
                    // before any name is resolved.
                    if let Drop::Unused(name) = &how {
                        if !plausible(cx, init) || mentioned_after(cx, &local.semi_token, b, name) {
                            continue;
                        }
                    }
                    if let Some(u) = makes_future(cx, init, before) {
                        report(cx, &u, how, out);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Is `name` written anywhere in the block after the `let` ending at `semi` (a cheap textual
/// test: a use in a macro counts too)? Spans of the two tokens only: a node's span would
/// render its whole token stream.
fn mentioned_after(cx: &Cx, semi: &syn::Token![;], b: &syn::Block, name: &str) -> bool {
    let text = cx.file.text;
    let close = b.brace_token.span.close();
    // syn's byte offsets are the file's unless it stripped a BOM or shebang line.
    let (from, to) = if text.starts_with('\u{feff}') || text.starts_with("#!") {
        (cx.span(semi.span).byte_end, cx.span(close).byte_start)
    } else {
        (semi.span.byte_range().end, close.byte_range().start)
    };
    let rest = text.get(from..to.max(from)).unwrap_or("");
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    rest.match_indices(name).any(|(i, _)| {
        !rest[..i].chars().next_back().is_some_and(ident)
            && !rest[i + name.len()..].chars().next().is_some_and(ident)
    })
}

fn report(cx: &Cx, u: &Unpolled, how: Drop, out: &mut Sink) {
    let span = cx.span_of(u.expr);
    let in_async = cx.in_async();
    let mut diag = Diagnostic::new(META.id, span, message(u, &how))
        .with_label(label(&how))
        .with_help(help(in_async))
        .with_note(NOTE_WHY);
    if in_async {
        let applicability = match how {
            Drop::Unused(_) => Applicability::MaybeIncorrect,
            _ => Applicability::MachineApplicable,
        };
        diag = diag.with_suggestion(Suggestion {
            message: SUGGESTION.into(),
            edits: vec![Edit {
                span: span.end(),
                replacement: ".await".into(),
            }],
            applicability,
        });
    }
    out.report_if(diag, u.unless.clone());
}
