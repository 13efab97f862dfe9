//! The rewrite of a sequential loop into a bounded concurrent stream (the suggestion).

use crate::diagnostic::Span;
use crate::semantic::dataflow::peel;
use crate::semantic::loops::{LoopSummary, Work};
use crate::semantic::Cx;

/// The concurrent version of the loop, formatted, or `None` when the body is too unusual.
pub fn rewrite_loop(
    cx: &Cx,
    l: &syn::ExprForLoop,
    summary: &LoopSummary,
    n: usize,
    error_type: Option<&str>,
) -> Option<String> {
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
    let code = match stmts.as_slice() {
        // `out.push(f(x).await?)`
        [syn::Stmt::Expr(syn::Expr::MethodCall(push), Some(_))]
            if push.method == "push" && push.args.len() == 1 =>
        {
            let (call, work, tried) = awaited_call(&push.args[0])?;
            let target = cx.snippet(cx.span_of(&*push.receiver));
            collect_into(target, iter, &closure((call, work)), tried, n)
        }
        // `let v = f(x).await?; out.push(v);`
        [syn::Stmt::Local(local), syn::Stmt::Expr(syn::Expr::MethodCall(push), Some(_))]
            if push.method == "push"
                && push.args.len() == 1
                && matches!(&local.pat, syn::Pat::Ident(p) if is_path_to(&push.args[0], &p.ident.to_string())) =>
        {
            let (call, work, tried) = awaited_call(&local.init.as_ref()?.expr)?;
            let target = cx.snippet(cx.span_of(&*push.receiver));
            collect_into(target, iter, &closure((call, work)), tried, n)
        }
        // `f(x).await?;` / `let _ = f(x).await;`
        [syn::Stmt::Expr(e, Some(_))] if awaited_call(e).is_some() => {
            let (call, work, tried) = awaited_call(e)?;
            drain(iter, &closure((call, work)), tried, n)
        }
        [syn::Stmt::Local(local)]
            if matches!(local.pat, syn::Pat::Wild(_)) && local.init.is_some() =>
        {
            let (call, work, tried) = awaited_call(&local.init.as_ref()?.expr)?;
            drain(iter, &closure((call, work)), tried, n)
        }
        _ => {
            let body = cx.snippet(cx.span_of(&l.body));
            let body = body
                .trim()
                .trim_start_matches('{')
                .trim_end_matches('}')
                .trim();
            if summary.has_try {
                let err = error_type.unwrap_or("_");
                format!(
                    "futures::stream::iter({iter}).map(|{pat}| async move {{ {body} Ok::<(), {err}>(()) }}).buffer_unordered({n}).try_collect::<Vec<()>>().await?;"
                )
            } else {
                format!(
                    "futures::stream::iter({iter}).for_each_concurrent({n}, |{pat}| async move {{ {body} }}).await;"
                )
            }
        }
    };
    format_stmt(&code)
}

fn collect_into(target: &str, iter: &str, closure: &str, tried: bool, n: usize) -> String {
    if tried {
        format!(
            "{target}.extend(futures::stream::iter({iter}).map({closure}).buffered({n}).try_collect::<Vec<_>>().await?);"
        )
    } else {
        format!(
            "{target}.extend(futures::stream::iter({iter}).map({closure}).buffered({n}).collect::<Vec<_>>().await);"
        )
    }
}

fn drain(iter: &str, closure: &str, tried: bool, n: usize) -> String {
    if tried {
        format!(
            "futures::stream::iter({iter}).map({closure}).buffer_unordered({n}).try_collect::<Vec<_>>().await?;"
        )
    } else {
        format!(
            "futures::stream::iter({iter}).map({closure}).buffer_unordered({n}).collect::<Vec<_>>().await;"
        )
    }
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

/// Format one statement with prettyplease; `None` if it does not parse.
fn format_stmt(code: &str) -> Option<String> {
    // Through the guarded parser: the code is assembled from snippets of the file.
    let file = crate::parse::parse_file(&format!("fn __f() {{ {code} }}")).ok()?;
    let text = prettyplease::unparse(&file);
    let lines: Vec<&str> = text.lines().collect();
    // Drop `fn __f() {` and `}`; remove one level of indentation.
    let inner = &lines[1..lines.len().saturating_sub(1)];
    Some(
        inner
            .iter()
            .map(|l| l.strip_prefix("    ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n"),
    )
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
