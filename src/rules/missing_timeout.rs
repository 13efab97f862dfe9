//! See rules/missing_timeout.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Span, Suggestion};
use crate::registry;
use crate::semantic::dataflow::{self, method_chain, peel};
use crate::semantic::facts::Condition;
use crate::semantic::known::timeout;
use crate::semantic::values::{Evidence, ValueKind};
use crate::semantic::{Cx, Runtime, Tri};
use std::collections::HashSet;

// ---- what the user reads -------------------------------------------------------------------

fn message_client(written: &str) -> String {
    format!("`{written}` builds an HTTP client with no timeout: a server that stops answering stalls every request made with it")
}

fn message_builder(missing: &str) -> String {
    format!("this HTTP client is built without {missing}: a server that stops answering stalls every request made with it")
}

const MESSAGE_ENDPOINT: &str =
    "this gRPC channel is built without `.timeout(..)` or `.connect_timeout(..)`: a peer that stops answering stalls its calls forever";

fn message_default_client(written: &str) -> String {
    format!("`{written}` uses a default client with no timeout: the request can hang forever")
}

fn message_connect(written: &str) -> String {
    format!("`{written}` is awaited with no deadline: a peer that never answers stalls this task forever")
}

const LABEL_BUILT: &str = "no timeout set here";
const LABEL_AWAITED: &str = "no deadline";

fn help_client(fixed: &str) -> String {
    format!("set an overall deadline when building it: `{fixed}` (or `.connect_timeout(..)` together with `.read_timeout(..)`)")
}

const HELP_ENDPOINT: &str = "set a deadline on the endpoint before connecting: `.timeout(Duration::from_secs(30))` (per request) and/or `.connect_timeout(Duration::from_secs(5))`";

const HELP_DEFAULT_CLIENT: &str = "build one client with a timeout and reuse it: `reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?`, then `client.get(url).send().await`";

fn help_connect(runtime: Runtime, call: &str) -> String {
    match runtime {
        Runtime::Tokio => format!(
            "bound it: `tokio::time::timeout(Duration::from_secs(10), {call}).await??`"
        ),
        Runtime::AsyncStd => format!(
            "bound it: `async_std::future::timeout(Duration::from_secs(10), {call}).await??`"
        ),
        Runtime::Smol => format!(
            "race it against a timer: `futures_lite::FutureExt::or({call}, async {{ smol::Timer::after(Duration::from_secs(10)).await; Err(timed_out()) }}).await`"
        ),
    }
}

const NOTE_WHY: &str = "without a deadline one unresponsive peer holds this task, its connection and whatever it locked, forever; under load such tasks pile up until the service stops answering";

const NOTE_FILE: &str = "requests made with this client in this file do not all set `RequestBuilder::timeout(..)` either";

const SUGGESTION_CLIENT: &str = "build the client with a timeout";
const SUGGESTION_CONNECT: &str = "wrap it in a timeout";

// ---- metadata ------------------------------------------------------------------------------

pub struct MissingTimeout;

static META: RuleMeta = RuleMeta {
    entry: &registry::MISSING_TIMEOUT,
    summary: "A network call with no deadline: an HTTP client built without a timeout, a default-client call such as `reqwest::get`, or a raw connect, DNS look-up or database/broker open awaited with no timeout.",
    has_fix: true,
    doc: include_str!("../../rules/missing_timeout.md"),
};

/// `[rules.missing_timeout]`
type Options = registry::MissingTimeoutOptions;

// ---- the check -----------------------------------------------------------------------------

impl Rule for MissingTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// Where the deadline is decided for everything built once (clients, channels, default
    /// clients), and connects awaited with no deadline around them.
    fn check_expr(&self, cx: &Cx, e: &syn::Expr, out: &mut Sink) {
        if !matches!(
            e,
            syn::Expr::Call(_) | syn::Expr::MethodCall(_) | syn::Expr::Await(_)
        ) {
            return;
        }
        let opts = cx.config.options::<Options>();
        if cx.skips_test_code(opts.check_tests) {
            return;
        }
        match e {
            syn::Expr::Call(c) => check_client_call(cx, c, out),
            syn::Expr::MethodCall(m) => check_built_chain(cx, m, out),
            syn::Expr::Await(a) if !cx.exec.under_deadline() => {
                // `let attempt = TcpStream::connect(addr); attempt.await`: made earlier in the
                // fn, awaited bare here.
                let call = bound_earlier(cx, &a.base).unwrap_or(peel(&a.base));
                // `join(TcpStream::connect(a), dial(b)).await`: each joined future is awaited
                // here, bare.
                if let syn::Expr::Call(j) = call {
                    if matches!(&*j.func, syn::Expr::Path(p)
                        if cx.is(&p.path, crate::semantic::known::join::JOIN_FNS) == Tri::Yes)
                    {
                        for arg in &j.args {
                            check_connect(cx, opts, peel(arg), None, out);
                        }
                        return;
                    }
                }
                check_connect(cx, opts, call, Some(a), out)
            }
            _ => {}
        }
    }

    /// A connect raced in a `select!` is awaited by the macro: with no timer branch (and no
    /// deadline around the select), nothing bounds it.
    fn check_select(
        &self,
        cx: &Cx,
        _mac: &syn::Macro,
        branches: &[crate::semantic::macros::SelectBranch],
        _otherwise: &[syn::Expr],
        out: &mut Sink,
    ) {
        let opts = cx.config.options::<Options>();
        if cx.skips_test_code(opts.check_tests)
            || cx.exec.under_deadline()
            || branches
                .iter()
                .any(|b| crate::semantic::exec::races_a_timer_in(cx, &b.future))
        {
            return;
        }
        for b in branches {
            check_connect(
                cx,
                opts,
                crate::semantic::cancel::branch_call(&b.future),
                None,
                out,
            );
        }
    }
}

/// A connect awaited right here with no deadline. A helper whose every in-crate caller bounds
/// it (`timeout(d, self.dial(addr))`) is covered by its callers.
fn check_connect(
    cx: &Cx,
    opts: &Options,
    call: &syn::Expr,
    a: Option<&syn::ExprAwait>,
    out: &mut Sink,
) {
    let connects = match call {
        syn::Expr::Call(c) => is_connect_call(cx, opts, c),
        syn::Expr::MethodCall(m) => is_connect_method(cx, opts, m),
        _ => false,
    };
    if !connects {
        return;
    }
    let diag = connect_diagnostic(cx, call, a);
    let enclosing = crate::semantic::facts::enclosing_fn(&cx.frames, cx.file.module_path);
    // `main` has no caller to decide for it.
    match enclosing.filter(|f| f.name != "main") {
        Some(f) => {
            let public = cx.exec.fn_is_public_api();
            out.report_if(diag, vec![Condition::NotOnlyUnderDeadline(f, public)])
        }
        None => out.report(diag),
    }
}

/// The initializer of the `let` that bound a plain name awaited here, among the statements
/// of the enclosing blocks before this one.
fn bound_earlier<'a>(cx: &Cx<'a>, e: &syn::Expr) -> Option<&'a syn::Expr> {
    let syn::Expr::Path(p) = peel(e) else {
        return None;
    };
    let name = p.path.get_ident()?;
    let name = name.to_string();
    // The latest `let` that binds the name decides, whatever its pattern.
    let l = cx.outer_stmts.iter().rev().find_map(|stmts| {
        stmts.iter().rev().find_map(|s| match s {
            syn::Stmt::Local(l) if dataflow::pat_idents(&l.pat).contains(&name) => Some(l),
            _ => None,
        })
    })?;
    match (&l.pat, &l.init) {
        (syn::Pat::Ident(_), Some(init)) => Some(peel(&init.expr)),
        _ => None,
    }
}

fn is_connect_call(cx: &Cx, opts: &Options, c: &syn::ExprCall) -> bool {
    let syn::Expr::Path(p) = &*c.func else {
        return false;
    };
    if cx.is(&p.path, timeout::CONNECTS) == Tri::Yes {
        return true;
    }
    let extra: Vec<&str> = opts
        .extra_calls
        .iter()
        .filter(|c| c.contains("::"))
        .map(|s| s.as_str())
        .collect();
    !extra.is_empty() && cx.is(&p.path, &extra) == Tri::Yes
}

fn is_connect_method(cx: &Cx, opts: &Options, m: &syn::ExprMethodCall) -> bool {
    let name = m.method.to_string();
    if timeout::REDIS_OPENS.contains(&name.as_str()) && cx.krate.depends_on("redis") {
        return true;
    }
    if opts
        .extra_calls
        .iter()
        .any(|c| !c.contains("::") && *c == name)
    {
        return true;
    }
    let kind = match name.as_str() {
        "request" | "get" => ValueKind::HyperClient,
        "connect" => ValueKind::Socket,
        _ => return false,
    };
    cx.exec
        .locals()
        .is_some_and(|l| l.evidence(&cx.resolver, &m.receiver, kind) == Evidence::Yes)
}

fn check_client_call(cx: &Cx, c: &syn::ExprCall, out: &mut Sink) {
    let syn::Expr::Path(p) = &*c.func else { return };
    // Only `get(..)` and constructors can be what this looks for; skip resolving the rest
    // (a single name may be a renamed import, so it is always resolved).
    let Some(last) = p.path.segments.last() else {
        return;
    };
    if p.path.segments.len() > 1
        && !(last.ident == "get" || last.ident == "new" || last.ident == "default")
    {
        return;
    }
    // `timeout(d, reqwest::get(url))`: this one request is bounded.
    if cx.is(&p.path, timeout::REQWEST_GET) == Tri::Yes && !cx.exec.under_deadline() {
        let written = cx.snippet(cx.span_of(&p.path)).to_string();
        out.report(
            Diagnostic::new(
                META.id,
                cx.span_of(c),
                message_default_client(&format!("{written}(..)")),
            )
            .with_label(LABEL_BUILT)
            .with_help(HELP_DEFAULT_CLIENT)
            .with_note(NOTE_WHY),
        );
        return;
    }
    if last.ident == "get"
        || !c.args.is_empty()
        || cx.is(&p.path, timeout::REQWEST_CLIENT_NEW) != Tri::Yes
    {
        return;
    }
    let path_span = cx.span_of(&p.path);
    let written = cx.snippet(path_span);
    let base = written.rsplit_once("::").map_or("Client", |(b, _)| b);
    let fixed = format!(
        "{base}::builder().timeout(std::time::Duration::from_secs(30)).build().expect(\"the TLS backend initializes\")"
    );
    let span = cx.span_of(c);
    out.report_if(
        Diagnostic::new(META.id, span, message_client(&format!("{written}()")))
            .with_label(LABEL_BUILT)
            .with_help(help_client(&format!(
                "{base}::builder().timeout(Duration::from_secs(30)).build()?"
            )))
            .with_note(NOTE_WHY)
            .with_suggestion(Suggestion {
                message: SUGGESTION_CLIENT.into(),
                edits: vec![Edit {
                    span,
                    replacement: fixed,
                }],
                applicability: Applicability::MaybeIncorrect,
            }),
        vec![requests_not_all_bounded(cx)],
    );
}

/// Unless every request sent in this file (`.get(url)…send()`) sets `RequestBuilder::timeout`
/// or sits inside a timeout: then a client built here without one is covered where it is used.
fn requests_not_all_bounded(cx: &Cx) -> Condition {
    Condition::RequestsNotAllBounded(cx.file.path.to_string())
}

/// `Client::builder()…build()` and `Endpoint::from_static(..)…connect()` written as one chain,
/// or a `.build()` on a builder a crate fn hands out (`client_builder().build()`).
fn check_built_chain(cx: &Cx, m: &syn::ExprMethodCall, out: &mut Sink) {
    let tonic = timeout::TONIC_OPENS.iter().any(|o| m.method == o);
    if m.method != "build" && !tonic {
        return;
    }
    let (mut root, calls) = method_chain(&m.receiver);
    let mut names: HashSet<String> = calls.iter().map(|c| c.method.to_string()).collect();
    // A builder kept in a local and set step by step (`b = b.proxy(p);`): judged by every
    // method applied to it, and by what made it.
    let mut kept_in = None;
    if let syn::Expr::Path(p) = peel(root) {
        if let (Some(id), Some(body)) = (p.path.get_ident(), cx.fn_body()) {
            if id != "self" {
                let at = m.dot_token.span.byte_range().start;
                let Some((made, applied)) = dataflow::builder_history(body, &id.to_string(), at)
                else {
                    return;
                };
                kept_in = Some(cx.span_of(root));
                names.extend(applied);
                root = made;
            }
        }
    }
    // A builder chosen by branches (`let b = if proxy { Client::builder().proxy(p) } else
    // { Client::builder() };`): each branch's value is judged, the methods of all count.
    if !tonic
        && matches!(
            peel(root),
            syn::Expr::If(_) | syn::Expr::Match(_) | syn::Expr::Block(_)
        )
    {
        if cx.snippet(cx.span_of(root)).contains("timeout") {
            return;
        }
        let mut built = false;
        for tail in dataflow::branch_values(root) {
            let (r, calls) = method_chain(tail);
            names.extend(calls.iter().map(|c| c.method.to_string()));
            match peel(r) {
                syn::Expr::Call(rc) => match &*rc.func {
                    syn::Expr::Path(rp)
                        if cx.is(&rp.path, timeout::REQWEST_BUILDER) == Tri::Yes =>
                    {
                        built = true
                    }
                    _ => return,
                },
                // A builder the branch made in a local of its own.
                syn::Expr::Path(p) if p.path.get_ident().is_some() => {}
                _ => return,
            }
        }
        if !built {
            return;
        }
    }
    let has = |n: &str| names.contains(n);
    // The builder handed out by a crate fn: by the fn's declared return type, crate-wide.
    let (root_span, helper, base) = match peel(root) {
        syn::Expr::If(_) | syn::Expr::Match(_) | syn::Expr::Block(_) if !tonic => {
            (cx.span_of(root), None, "reqwest::Client")
        }
        syn::Expr::Call(rc) => {
            let syn::Expr::Path(rp) = &*rc.func else {
                return;
            };
            let helper = if cx.is(&rp.path, timeout::REQWEST_BUILDER) == Tri::Yes {
                None
            } else {
                let local = rp.path.segments.len() == 1
                    || (rp.path.segments.len() == 2 && rp.path.segments[0].ident == "Self");
                match rp.path.segments.last() {
                    Some(s) if local && !tonic => Some(s.ident.to_string()),
                    _ if tonic && cx.is(&rp.path, timeout::TONIC_ENDPOINT) == Tri::Yes => None,
                    _ => return,
                }
            };
            if tonic && helper.is_some() {
                return;
            }
            let written = cx.snippet(cx.span_of(&rp.path));
            // `ClientBuilder::new()` is a builder already: its client type is `Client`.
            let base = match &helper {
                None => written
                    .rsplit_once("::")
                    .map_or("Client", |(b, _)| b)
                    .strip_suffix("Builder")
                    .unwrap_or_else(|| written.rsplit_once("::").map_or("Client", |(b, _)| b)),
                Some(_) => "reqwest::Client",
            };
            (cx.span_of(rc), helper, base)
        }
        // `self.client_builder()…build()`
        syn::Expr::Path(p) if !tonic && p.path.is_ident("self") => match calls.last() {
            Some(first) if first.args.is_empty() => (
                cx.span_of(root),
                Some(first.method.to_string()),
                "reqwest::Client",
            ),
            _ => return,
        },
        _ => return,
    };
    let dot = cx.span(m.dot_token.span);
    let insert = Span {
        line_end: dot.line_start,
        column_end: dot.column_start,
        byte_end: dot.byte_start,
        ..dot
    };
    // A chain written one call per line gets the new call on a line of its own.
    let line = cx.file.lines.line_text(cx.file.text, dot.line_start);
    let before: String = line.chars().take(dot.column_start as usize - 1).collect();
    let replacement = if !before.is_empty() && before.trim().is_empty() {
        format!(".timeout(std::time::Duration::from_secs(30))\n{before}")
    } else {
        ".timeout(std::time::Duration::from_secs(30))".to_string()
    };
    let suggestion = Suggestion {
        message: SUGGESTION_CLIENT.into(),
        edits: vec![Edit {
            span: insert,
            replacement,
        }],
        applicability: Applicability::MaybeIncorrect,
    };
    let span = kept_in
        .unwrap_or(root_span)
        .to(cx.span(m.paren_token.span.close()));
    if tonic {
        if has("timeout") || has("connect_timeout") {
            return;
        }
        out.report(
            Diagnostic::new(META.id, span, MESSAGE_ENDPOINT)
                .with_label(LABEL_BUILT)
                .with_help(HELP_ENDPOINT)
                .with_note(NOTE_WHY)
                .with_suggestion(suggestion),
        );
        return;
    }
    if has("timeout") || (has("connect_timeout") && has("read_timeout")) {
        return;
    }
    let missing = if has("connect_timeout") {
        "`.timeout(..)` or `.read_timeout(..)` (only the connect is bounded)"
    } else {
        "`.timeout(..)`"
    };
    let mut conditions = vec![requests_not_all_bounded(cx)];
    if let Some(name) = helper {
        conditions.push(Condition::BuilderWithoutTimeout(name));
    }
    out.report_if(
        Diagnostic::new(META.id, span, message_builder(missing))
            .with_label(LABEL_BUILT)
            .with_help(help_client(&format!(
                "{base}::builder().timeout(Duration::from_secs(30)).build()?"
            )))
            .with_note(NOTE_FILE)
            .with_suggestion(suggestion),
        conditions,
    );
}

fn connect_diagnostic(cx: &Cx, call: &syn::Expr, a: Option<&syn::ExprAwait>) -> Diagnostic {
    let span = cx.span_of(call);
    let snippet = cx.snippet(span);
    let written = short(snippet);
    let runtime = cx.krate.runtime();
    let mut diag = Diagnostic::new(META.id, span, message_connect(&written))
        .with_label(LABEL_AWAITED)
        .with_help(help_connect(runtime, &written))
        .with_note(NOTE_WHY);
    // `connect(a).await?` → `tokio::time::timeout(d, connect(a)).await??`: the same error
    // path gets one more `?` for the elapsed deadline.
    // A `select!` branch has no `.await` of its own to edit.
    let Some(a) = a else {
        return diag;
    };
    let end = cx.span_of(a);
    let after = cx.file.text.get(end.byte_end..).unwrap_or("");
    if runtime == Runtime::Tokio && cx.krate.depends_on("tokio") && after.starts_with('?') {
        diag = diag.with_suggestion(Suggestion {
            message: SUGGESTION_CONNECT.into(),
            edits: vec![
                Edit {
                    span,
                    replacement: format!(
                        "tokio::time::timeout(std::time::Duration::from_secs(10), {snippet})"
                    ),
                },
                Edit {
                    span: end.end(),
                    replacement: "?".into(),
                },
            ],
            applicability: if elapsed_converts(cx) {
                Applicability::MaybeIncorrect
            } else {
                Applicability::DisplayOnly
            },
        });
    }
    diag
}

/// Does the second `?` of `timeout(..).await??` compile here: is the `?` directly in a fn
/// (not an async block or closure, whose error type is not written) whose error type, as
/// written, converts from tokio's `Elapsed` (`io::Error`, `anyhow::Error`, `eyre::Report`, a
/// boxed error)? A crate's own error type or a `Result<T>` alias may not.
fn elapsed_converts(cx: &Cx) -> bool {
    let direct = cx
        .frames
        .iter()
        .rev()
        .take_while(|f| !matches!(f, crate::semantic::Frame::Fn { .. }))
        .all(|f| {
            !matches!(
                f,
                crate::semantic::Frame::Closure { .. } | crate::semantic::Frame::AsyncBlock
            )
        });
    let Some(err) = cx.fn_mutables().and_then(|m| m.error_type.as_deref()) else {
        return false;
    };
    let err: String = err.split_whitespace().collect();
    direct
        && (matches!(
            err.as_str(),
            "io::Error"
                | "std::io::Error"
                | "anyhow::Error"
                | "eyre::Report"
                | "color_eyre::Report"
        ) || err.starts_with("Box<dyn"))
}

/// The call as the message names it: the callee with `(..)` when the arguments are long.
fn short(snippet: &str) -> String {
    if snippet.len() <= 60 && !snippet.contains('\n') {
        return snippet.to_string();
    }
    let snippet = &super::one_line(snippet);
    match snippet.find('(') {
        Some(i) => format!("{}(..)", &snippet[..i]),
        None => snippet.to_string(),
    }
}
