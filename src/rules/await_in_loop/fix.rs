//! The rewrite of a sequential loop into a bounded concurrent stream (the suggestion), as
//! minimal edits: the loop header and its closing brace are replaced, the statement that does
//! the work is rewritten, and everything else the author wrote (comments, the body of a loop
//! that is moved into a closure whole) stays as it is.

use crate::diagnostic::{Edit, Span};
use crate::semantic::dataflow::peel;
use crate::semantic::loops::{LoopSummary, Work};
use crate::semantic::Cx;

/// The edits that make the loop concurrent (and whether they are only to be read), or `None`
/// when the body is too unusual. A body moved whole into an `async move` closure is
/// display-only: concurrent closures cannot share the `&mut` state a loop body often updates
/// (`out.push(..)`), nor `continue` from it.
pub fn rewrite_loop(
    cx: &Cx,
    l: &syn::ExprForLoop,
    summary: &LoopSummary,
    n: usize,
    error_type: Option<&str>,
) -> Option<(Vec<Edit>, bool)> {
    let pat = cx.snippet(cx.span_of(&*l.pat));
    let iter = cx.snippet(cx.span_of(&*l.expr));
    let stmts = &l.body.stmts;
    let awaited_call = |e| awaited_call(e, summary);
    let closure = |(call, work): (&syn::Expr, &Work)| -> String {
        let code = cx.snippet(cx.span_of(call));
        if work.borrows_item {
            format!("|{pat}| async move {{ {code}.await }}")
        } else {
            format!("|{pat}| {code}")
        }
    };
    let mut whole = cx.span_of(l);
    if let Some(label) = &l.label {
        whole = cx.span(label.name.apostrophe).to(whole);
    }
    let indent = indentation(cx, whole);
    let open = cx.span(l.body.brace_token.span.open());
    let close = cx.span(l.body.brace_token.span.close());
    let text = cx.file.text;
    // Between the loop's start and its first statement, and between its last statement and its
    // end: whitespace goes, comments stay.
    let bytes = |start: usize, end: usize| cx.file.lines.span(text, start, end);
    let head = |first: Span| Edit {
        span: bytes(
            whole.byte_start,
            skip_ws(text, open.byte_end).min(first.byte_start),
        ),
        replacement: String::new(),
    };
    let tail = |last: Span| Edit {
        span: bytes(
            back_ws(text, close.byte_start).max(last.byte_end),
            whole.byte_end,
        ),
        replacement: String::new(),
    };
    let stmt = |st: &syn::Stmt, code: String| Edit {
        span: cx.span_of(st),
        replacement: reindent(&code, &indent),
    };
    let edits = match stmts.as_slice() {
        // `out.push(f(x).await?)`
        [st @ syn::Stmt::Expr(syn::Expr::MethodCall(push), Some(_))]
            if push.method == "push" && push.args.len() == 1 =>
        {
            let (call, work, tried) = awaited_call(&push.args[0])?;
            let target = cx.snippet(cx.span_of(&*push.receiver));
            let code = collect_into(target, iter, &closure((call, work)), tried, n);
            let sp = cx.span_of(st);
            vec![head(sp), stmt(st, code), tail(sp)]
        }
        // `let v = f(x).await?; out.push(v);`
        [st @ syn::Stmt::Local(local), second @ syn::Stmt::Expr(syn::Expr::MethodCall(push), Some(_))]
            if push.method == "push"
                && push.args.len() == 1
                && matches!(&local.pat, syn::Pat::Ident(p) if is_path_to(&push.args[0], &p.ident.to_string())) =>
        {
            let (call, work, tried) = awaited_call(&local.init.as_ref()?.expr)?;
            let target = cx.snippet(cx.span_of(&*push.receiver));
            let code = collect_into(target, iter, &closure((call, work)), tried, n);
            let (first, last) = (cx.span_of(st), cx.span_of(second));
            let gone = Edit {
                span: bytes(
                    back_ws(text, last.byte_start).max(first.byte_end),
                    last.byte_end,
                ),
                replacement: String::new(),
            };
            vec![head(first), stmt(st, code), gone, tail(last)]
        }
        // `f(x).await?;` / `let _ = f(x).await;`
        [st @ syn::Stmt::Expr(e, Some(_))] if awaited_call(e).is_some() => {
            let (call, work, tried) = awaited_call(e)?;
            let sp = cx.span_of(st);
            let code = drain(iter, &closure((call, work)), tried, n);
            vec![head(sp), stmt(st, code), tail(sp)]
        }
        [st @ syn::Stmt::Local(local)]
            if matches!(local.pat, syn::Pat::Wild(_)) && local.init.is_some() =>
        {
            let (call, work, tried) = awaited_call(&local.init.as_ref()?.expr)?;
            let sp = cx.span_of(st);
            let code = drain(iter, &closure((call, work)), tried, n);
            vec![head(sp), stmt(st, code), tail(sp)]
        }
        // Any other body moves into an `async move` closure as it is.
        _ => {
            let header = whole.to(open);
            let (open_code, close_code) = if summary.has_try {
                let err = error_type.unwrap_or("_");
                (
                    format!("futures::stream::iter({iter})\n{indent}    .map(|{pat}| async move {{"),
                    format!(
                        "    Ok::<(), {err}>(())\n{indent}}})\n{indent}.buffer_unordered({n})\n{indent}.try_collect::<Vec<()>>()\n{indent}.await?;"
                    ),
                )
            } else {
                (
                    format!("futures::stream::iter({iter}).for_each_concurrent({n}, |{pat}| async move {{"),
                    "}).await;".to_string(),
                )
            };
            let edits = vec![
                Edit {
                    span: header,
                    replacement: open_code,
                },
                Edit {
                    span: close,
                    replacement: close_code,
                },
            ];
            return Some((edits, true));
        }
    };
    Some((edits, false))
}

/// The first non-whitespace byte at or after `at`.
fn skip_ws(text: &str, at: usize) -> usize {
    let rest = text.get(at..).unwrap_or("");
    at + (rest.len() - rest.trim_start().len())
}

/// The byte after the last non-whitespace byte before `at`.
fn back_ws(text: &str, at: usize) -> usize {
    text.get(..at).unwrap_or("").trim_end().len()
}

// The futures are made first (as the loop would, one per item) and the stream runs a list of
// them: a stream holding the closure itself makes the caller's future fail rustc's
// higher-ranked `Send` check when it is spawned ("implementation of `FnOnce` is not general
// enough").
fn collect_into(target: &str, iter: &str, closure: &str, tried: bool, n: usize) -> String {
    let (collect, end) = if tried {
        ("try_collect", "?")
    } else {
        ("collect", "")
    };
    format!(
        "{target}.extend(\n    futures::stream::iter(IntoIterator::into_iter({iter}).map({closure}).collect::<Vec<_>>())\n        .buffered({n})\n        .{collect}::<Vec<_>>()\n        .await{end},\n);"
    )
}

fn drain(iter: &str, closure: &str, tried: bool, n: usize) -> String {
    let (collect, end) = if tried {
        ("try_collect", "?")
    } else {
        ("collect", "")
    };
    format!(
        "futures::stream::iter(IntoIterator::into_iter({iter}).map({closure}).collect::<Vec<_>>())\n    .buffer_unordered({n})\n    .{collect}::<Vec<_>>()\n    .await{end};"
    )
}

/// `CALL.await` or `CALL.await?` with no await inside CALL → (CALL, its work, whether `?`
/// follows).
fn awaited_call<'e, 's>(
    e: &'e syn::Expr,
    summary: &'s LoopSummary,
) -> Option<(&'e syn::Expr, &'s Work, bool)> {
    let (a, tried) = match e {
        syn::Expr::Await(a) => (a, false),
        syn::Expr::Try(t) => match &*t.expr {
            syn::Expr::Await(a) => (a, true),
            _ => return None,
        },
        _ => return None,
    };
    let work = summary.work(a as *const syn::ExprAwait as usize)?;
    (!work.nested_await).then_some((&*a.base, work, tried))
}

fn is_path_to(e: &syn::Expr, name: &str) -> bool {
    matches!(peel(e), syn::Expr::Path(p) if p.path.is_ident(name))
}

pub fn indentation(cx: &Cx, span: Span) -> String {
    cx.file
        .lines
        .line_text(cx.file.text, span.line_start)
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect()
}

pub fn reindent(code: &str, indent: &str) -> String {
    code.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 || l.is_empty() {
                l.to_string()
            } else {
                format!("{indent}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
