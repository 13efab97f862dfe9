//! See rules/await_in_loop.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Span, Suggestion};
use crate::registry;
use crate::semantic::dataflow::{names_used_in_expr, pat_idents, peel, root_ident};
use crate::semantic::Cx;
use std::collections::HashSet;
use syn::spanned::Spanned;
use syn::visit::Visit;

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
        if !matches!(e, syn::Expr::ForLoop(_) | syn::Expr::Await(_)) || !cx.in_async() {
            return;
        }
        // Tests await one step after another on purpose: deterministic order, simple failures.
        if cx.skips_test_code(cx.config.options::<Options>().check_tests) {
            return;
        }
        match e {
            syn::Expr::ForLoop(l) => check_for(cx, l, out),
            syn::Expr::Await(a) => check_stream(cx, a, out),
            _ => {}
        }
    }
}

fn check_for(cx: &Cx, l: &syn::ExprForLoop, out: &mut Sink) {
    let pat_vars: HashSet<String> = pat_idents(&l.pat).into_iter().collect();
    if pat_vars.is_empty()
        || crate::semantic::dataflow::iter_is_small_literal(&l.expr)
        || crate::semantic::dataflow::iter_is_batched(&l.expr)
    {
        return;
    }
    if says_sequential(cx, cx.span(l.for_token.span).line_start) {
        return;
    }
    let mut scan = BodyScan::default();
    scan.visit_block(&l.body);
    if scan.exits || scan.paced || scan.asserts {
        return;
    }
    // Names derived from the item: the pattern, and lets computed from it (in order).
    let mut derived = pat_vars.clone();
    for (bound, used) in &scan.lets {
        if used.iter().any(|u| derived.contains(u)) {
            derived.extend(bound.iter().cloned());
        }
    }
    let declared: HashSet<&String> = scan.lets.iter().flat_map(|(b, _)| b).collect();
    let carried: HashSet<&String> = scan
        .assigned
        .iter()
        .filter(|a| !declared.contains(a) && !pat_vars.contains(*a))
        .collect();
    let mutables = cx.fn_mutables();
    let qualifying: Vec<&syn::ExprAwait> = scan
        .awaits
        .iter()
        .copied()
        .filter(|a| {
            let base = &*a.base;
            if waits_on_item(base, &pat_vars) {
                return false;
            }
            let used = names_used_in_expr(base);
            used.iter().any(|u| derived.contains(u))
                && !used.iter().any(|u| carried.contains(u))
                && !uses_shared_handle(base, &derived, mutables)
                && !already_concurrent(base)
                && !is_ordered_write(base)
        })
        .collect();
    let Some(first) = qualifying.first() else {
        return;
    };
    let opts = cx.config.options::<Options>();
    let n = opts.concurrency.max(1);
    let work = describe(cx, &first.base);
    let header = cx.span(l.for_token.span).to(cx.span(l.expr.span()));
    let mut diag = Diagnostic::new(META.id, cx.span_of(&*first.base), message(&work))
        .with_label(LABEL)
        .with_secondary(header, LABEL_LOOP);
    for other in qualifying.iter().skip(1) {
        diag = diag.with_secondary(cx.span_of(&*other.base), "also awaited one at a time");
    }
    let rewrite = rewrite_loop(
        cx,
        l,
        &pat_vars,
        n,
        mutables.and_then(|m| m.error_type.as_deref()),
    );
    diag = diag
        .with_help(help(n))
        .with_note(note_n(n))
        .with_note(NOTE_WHEN_SEQUENTIAL)
        .with_note(NOTE_IMPORTS);
    if let Some(code) = rewrite {
        let mut span = cx.span_of(l);
        if let Some(label) = &l.label {
            span = cx.span(label.name.apostrophe).to(span);
        }
        let indent = indentation(cx, span);
        diag = diag.with_suggestion(Suggestion {
            message: SUGGESTION.into(),
            edits: vec![Edit {
                span,
                replacement: reindent(&code, &indent),
            }],
            applicability: Applicability::MaybeIncorrect,
        });
    }
    out.report(diag);
}

/// `stream.for_each(|x| async move { f(x).await })` and `stream.then(|x| f(x))`: sequential
/// per-item work on a stream (only when the chain is awaited, so it is a stream, not an iterator).
fn check_stream(cx: &Cx, a: &syn::ExprAwait, out: &mut Sink) {
    let mut e = peel(&a.base);
    let call = loop {
        match e {
            syn::Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "for_each" | "then" | "try_for_each"
                ) =>
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
    let params: HashSet<String> = closure.inputs.iter().flat_map(pat_idents).collect();
    if params.is_empty() {
        return;
    }
    // The per-item future: an async block returned by the closure, or an async closure.
    let mut scan = BodyScan::default();
    match &*closure.body {
        syn::Expr::Async(b) => scan.visit_block(&b.block),
        body if closure.asyncness.is_some() => scan.visit_expr(body),
        body if call.method == "then" => {
            // `.then(|x| fetch(x))`: the returned future is the per-item work; a `match`
            // returning `ok(..)`/`ready(..)` is no work at all.
            let is_work = match peel(body) {
                syn::Expr::Call(c) => !matches!(
                    crate::semantic::dataflow::call_name(c).as_deref(),
                    Some("ok" | "err" | "ready" | "Ok" | "Err" | "Some" | "lazy" | "pending")
                ),
                syn::Expr::MethodCall(_) => true,
                _ => false,
            };
            let used = names_used_in_expr(body);
            if is_work
                && used.iter().any(|u| params.contains(u))
                && !already_concurrent(body)
                && !uses_shared_handle(body, &params, cx.fn_mutables())
            {
                report_stream(cx, call, body, out);
            }
            return;
        }
        // A sync closure: `for_each` of an iterator, not of a stream.
        _ => return,
    }
    if scan.paced || scan.exits {
        return;
    }
    let mut derived = params.clone();
    for (bound, used) in &scan.lets {
        if used.iter().any(|u| derived.contains(u)) {
            derived.extend(bound.iter().cloned());
        }
    }
    let mutables = cx.fn_mutables();
    let first = scan.awaits.iter().find(|aw| {
        let used = names_used_in_expr(&aw.base);
        used.iter().any(|u| derived.contains(u))
            && !uses_shared_handle(&aw.base, &derived, mutables)
            && !already_concurrent(&aw.base)
    });
    if let Some(aw) = first {
        report_stream(cx, call, &aw.base, out);
    }
}

fn report_stream(cx: &Cx, call: &syn::ExprMethodCall, work: &syn::Expr, out: &mut Sink) {
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
                    span: Span {
                        line_start: end.line_end,
                        column_start: end.column_end,
                        byte_start: end.byte_end,
                        ..end
                    },
                    replacement: format!(".buffered({n})"),
                },
            ]
        }
    };
    let diag = Diagnostic::new(
        META.id,
        cx.span_of(work),
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
    out.report(diag);
}

/// Verbs of calls that change state somewhere: done one after another, they keep their order
/// and stay under rate limits, which is often the point (declare before bind, roles in the
/// order given, events in the order they happened).
const WRITE_VERBS: &[&str] = &[
    "declare",
    "bind",
    "unbind",
    "create",
    "add",
    "remove",
    "delete",
    "del",
    "drop",
    "insert",
    "update",
    "upsert",
    "put",
    "post",
    "patch",
    "set",
    "publish",
    "emit",
    "register",
    "unregister",
    "subscribe",
    "unsubscribe",
    "save",
    "store",
    "persist",
    "commit",
    "apply",
    "migrate",
    "ack",
    "nack",
    "reject",
    "grant",
    "revoke",
    "rename",
    "append",
    "enqueue",
    "notify",
    "broadcast",
    "consume",
    "install",
    "uninstall",
    "deploy",
    "provision",
    "truncate",
    "clear",
    "reset",
    "react",
    "move",
    "mkdir",
    "chmod",
    "upload",
];

/// Does the awaited work look like an ordered write (see [`WRITE_VERBS`])?
fn is_ordered_write(base: &syn::Expr) -> bool {
    let has_verb = |name: &str| name.split('_').any(|w| WRITE_VERBS.contains(&w));
    let mut e = peel(base);
    loop {
        match e {
            syn::Expr::MethodCall(m) => {
                if has_verb(&m.method.to_string()) {
                    return true;
                }
                e = peel(&m.receiver);
            }
            syn::Expr::Call(c) => {
                return crate::semantic::dataflow::call_name(c).is_some_and(|n| has_verb(&n));
            }
            syn::Expr::Try(t) => e = peel(&t.expr),
            syn::Expr::Await(a) => e = peel(&a.base),
            _ => return false,
        }
    }
}

/// `for h in handles { h.await }`, `task.join().await`, `rx.recv().await` on the item: the
/// work already runs elsewhere; the loop only collects it.
fn waits_on_item(base: &syn::Expr, pat_vars: &HashSet<String>) -> bool {
    let is_item =
        |e: &syn::Expr| root_ident(e).is_some_and(|r| pat_vars.contains(&r)) && is_place(peel(e));
    match peel(base) {
        e @ (syn::Expr::Path(_) | syn::Expr::Field(_)) => is_item(e),
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            is_item(&m.receiver)
                && (name.contains("join")
                    || matches!(
                        name.as_str(),
                        "wait"
                            | "recv"
                            | "send"
                            | "changed"
                            | "notified"
                            | "closed"
                            | "lock"
                            | "acquire"
                            | "acquire_owned"
                            | "cancelled"
                            | "wait_for"
                            | "result"
                    ))
        }
        _ => false,
    }
}

/// The author says the loop is sequential on purpose: a comment just above it, or the
/// enclosing fn's name (`run_sequentially`, `apply_in_order`).
fn says_sequential(cx: &Cx, line: u32) -> bool {
    const WORDS: &[&str] = &[
        "sequential",
        "in order",
        "one at a time",
        "one by one",
        "serially",
        "in sequence",
        "serialize",
        "serialise",
        "must not run concurrently",
        "not concurrently",
        "rate limit",
    ];
    let fn_name = cx.frames.iter().rev().find_map(|f| match f {
        crate::semantic::Frame::Fn { name, .. } => Some(name.as_str()),
        _ => None,
    });
    if fn_name
        .is_some_and(|n| n.contains("sequential") || n.contains("in_order") || n.contains("serial"))
    {
        return true;
    }
    // The comment block directly above the loop, and a trailing comment on its line.
    let text_of = |l: u32| cx.file.lines.line_text(cx.file.text, l);
    let mut comments = Vec::new();
    if let Some(i) = text_of(line).find("//") {
        comments.push(text_of(line)[i..].to_lowercase());
    }
    let mut l = line;
    while l > 1 {
        l -= 1;
        let t = text_of(l).trim_start();
        if !t.starts_with("//") {
            break;
        }
        comments.push(t.to_lowercase());
    }
    comments.iter().any(|c| WORDS.iter().any(|w| c.contains(w)))
}

// ---- what the loop body does ---------------------------------------------------------------

/// One pass over a loop body, not entering closures, async blocks or items (they run on their
/// own), and not collecting awaits of nested loops (those are judged by their own loop).
#[derive(Default)]
struct BodyScan<'a> {
    awaits: Vec<&'a syn::ExprAwait>,
    /// `let` bindings in order: the names bound and the names their initializer reads.
    lets: Vec<(Vec<String>, HashSet<String>)>,
    /// Roots of assignment targets (`x = ..`, `x += ..`, `x.field = ..`).
    assigned: HashSet<String>,
    /// A `break` or `return` that ends this loop (first match wins: not independent).
    exits: bool,
    /// A sleep, interval tick, rate limiter or backoff: the loop is paced on purpose.
    paced: bool,
    /// Assertions: a test that checks results in order.
    asserts: bool,
    nested_loops: usize,
    closures: usize,
}

const PACING: &[&str] = &[
    "sleep",
    "sleep_until",
    "delay_for",
    "delay_until",
    "tick",
    "throttle",
    "until_ready",
    "until_n_ready",
    "until_key_ready",
    "rate_limit",
    "backoff",
    "next_backoff",
    "wait_for_permit",
];

impl<'ast> Visit<'ast> for BodyScan<'ast> {
    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        if self.nested_loops == 0 && self.closures == 0 {
            self.awaits.push(a);
        }
        syn::visit::visit_expr_await(self, a);
    }
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.closures += 1;
        syn::visit::visit_expr_closure(self, c);
        self.closures -= 1;
    }
    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.closures += 1;
        syn::visit::visit_expr_async(self, a);
        self.closures -= 1;
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.visit_expr(&l.expr);
        self.nested_loops += 1;
        self.visit_block(&l.body);
        self.nested_loops -= 1;
    }
    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.nested_loops += 1;
        syn::visit::visit_expr_while(self, l);
        self.nested_loops -= 1;
    }
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.nested_loops += 1;
        syn::visit::visit_expr_loop(self, l);
        self.nested_loops -= 1;
    }
    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        if self.closures == 0 && (self.nested_loops == 0 || b.label.is_some()) {
            self.exits = true;
        }
        syn::visit::visit_expr_break(self, b);
    }
    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if self.closures == 0 {
            self.exits = true;
        }
        syn::visit::visit_expr_return(self, r);
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        let bound = pat_idents(&l.pat);
        let used = l
            .init
            .as_ref()
            .map(|i| names_used_in_expr(&i.expr))
            .unwrap_or_default();
        self.lets.push((bound, used));
        syn::visit::visit_local(self, l);
    }
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Some(r) = root_ident(&a.left) {
            self.assigned.insert(r);
        }
        syn::visit::visit_expr_assign(self, a);
    }
    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if is_compound_assign(&b.op) {
            if let Some(r) = root_ident(&b.left) {
                self.assigned.insert(r);
            }
        }
        syn::visit::visit_expr_binary(self, b);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                if PACING.contains(&last.ident.to_string().as_str()) {
                    self.paced = true;
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if PACING.contains(&name.as_str()) || name.contains("rate_limit") {
            self.paced = true;
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let name = crate::semantic::macros::macro_name(m);
        if name.starts_with("assert") || name.starts_with("debug_assert") {
            self.asserts = true;
        }
        if macro_tokens_contain(&m.tokens, &["break", "return"]) {
            self.exits = true;
        }
        if macro_tokens_contain(&m.tokens, PACING) {
            self.paced = true;
        }
    }
}

fn macro_tokens_contain(tokens: &proc_macro2::TokenStream, words: &[&str]) -> bool {
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(it) = stack.last_mut() {
        match it.next() {
            None => {
                stack.pop();
            }
            Some(proc_macro2::TokenTree::Group(g)) => stack.push(g.stream().into_iter()),
            Some(proc_macro2::TokenTree::Ident(i)) => {
                if words.contains(&i.to_string().as_str()) {
                    return true;
                }
            }
            Some(_) => {}
        }
    }
    false
}

fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

// ---- helpers -------------------------------------------------------------------------------

/// Methods that use a handle one call at a time: sinks and senders, writers, streams,
/// connections and transactions, locks and permits.
const SEQUENTIAL_METHODS: &[&str] = &[
    "send",
    "send_all",
    "feed",
    "start_send",
    "write_all",
    "write",
    "write_buf",
    "write_str",
    "write_fmt",
    "write_u8",
    "write_u16",
    "write_u32",
    "write_u64",
    "write_i32",
    "write_i64",
    "flush",
    "shutdown",
    "close",
    "next",
    "try_next",
    "recv",
    "recv_many",
    "read",
    "read_exact",
    "read_to_end",
    "read_to_string",
    "read_line",
    "read_buf",
    "read_u8",
    "read_u32",
    "execute",
    "query",
    "query_one",
    "query_opt",
    "query_raw",
    "batch_execute",
    "simple_query",
    "commit",
    "rollback",
    "emit",
    "publish",
    "basic_publish",
    "ack",
    "nack",
    "lock",
    "acquire",
    "acquire_owned",
    "acquire_many",
    "wait",
    "changed",
    "notified",
    "ready",
    "poll_ready",
    "call",
    "accept",
];

/// Is the awaited work a call on a handle that cannot be used concurrently: a sequential
/// method on a handle from outside the loop, a `&mut` argument of an outer variable, or a
/// method on a mutable binding / `&mut self`?
fn uses_shared_handle(
    base: &syn::Expr,
    derived: &HashSet<String>,
    mutables: Option<&crate::semantic::MutableBindings>,
) -> bool {
    // `&mut x` anywhere in the awaited expression, for a non-item `x`.
    struct MutRefs<'d>(&'d HashSet<String>, bool);
    impl<'ast> Visit<'ast> for MutRefs<'_> {
        fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
            if r.mutability.is_some() {
                if let Some(root) = root_ident(&r.expr) {
                    if !self.0.contains(&root) {
                        self.1 = true;
                    }
                }
            }
            syn::visit::visit_expr_reference(self, r);
        }
    }
    impl MutRefs<'_> {
        fn method(&mut self, m: &syn::ExprMethodCall) {
            if matches!(
                m.method.to_string().as_str(),
                "as_mut" | "as_deref_mut" | "get_mut" | "borrow_mut" | "by_ref"
            ) && root_ident(&m.receiver).is_some_and(|r| !self.0.contains(&r))
            {
                self.1 = true;
            }
        }
    }
    struct MethodRefs<'d, 'm>(&'m mut MutRefs<'d>);
    impl<'ast> Visit<'ast> for MethodRefs<'_, '_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.0.method(m);
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut refs = MutRefs(derived, false);
    refs.visit_expr(base);
    MethodRefs(&mut refs).visit_expr(base);
    if refs.1 {
        return true;
    }
    // Walk the method chain from the outside in: `a.b(x).c(y)` visits `c`, then `b`.
    let mut e = peel(base);
    loop {
        match e {
            syn::Expr::MethodCall(m) => {
                let receiver = peel(&m.receiver);
                if is_place(receiver) {
                    let root = root_ident(receiver).unwrap_or_default();
                    if !derived.contains(&root) {
                        if SEQUENTIAL_METHODS.contains(&m.method.to_string().as_str()) {
                            return true;
                        }
                        if let Some(mb) = mutables {
                            if (root == "self" && mb.self_mut) || mb.names.contains(&root) {
                                return true;
                            }
                        }
                    }
                    return false;
                }
                e = receiver;
            }
            syn::Expr::Try(t) => e = peel(&t.expr),
            syn::Expr::Await(a) => e = peel(&a.base),
            _ => return false,
        }
    }
}

/// A variable, a field of one, or an index into one (not a value computed by a call).
fn is_place(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Path(p) => p.path.segments.len() == 1,
        syn::Expr::Field(f) => is_place(&f.base),
        syn::Expr::Index(i) => is_place(&i.expr),
        syn::Expr::Paren(p) => is_place(&p.expr),
        syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)) && is_place(&u.expr),
        syn::Expr::Reference(r) => is_place(&r.expr),
        _ => false,
    }
}

/// The awaited work is already a bounded or joined batch (the loop is the cap), or a wait for
/// a slot.
fn already_concurrent(base: &syn::Expr) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let Some(name) = crate::semantic::dataflow::call_name(c) {
                if matches!(
                    name.as_str(),
                    "join_all"
                        | "try_join_all"
                        | "select_all"
                        | "select_ok"
                        | "join"
                        | "try_join"
                        | "join3"
                        | "join4"
                        | "join5"
                        | "try_join3"
                        | "try_join4"
                        | "try_join5"
                ) {
                    self.0 = true;
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if matches!(
                m.method.to_string().as_str(),
                "buffer_unordered"
                    | "buffered"
                    | "try_buffer_unordered"
                    | "try_buffered"
                    | "for_each_concurrent"
                    | "try_for_each_concurrent"
                    | "join_all"
                    | "join_next"
                    | "acquire"
                    | "acquire_owned"
                    | "acquire_many"
            ) {
                self.0 = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let name = crate::semantic::macros::macro_name(m);
            if matches!(name.as_str(), "join" | "try_join" | "select") {
                self.0 = true;
            }
        }
    }
    let mut v = V(false);
    v.visit_expr(base);
    v.0
}

/// A short description of the awaited work: its source if short, else `callee(..)`.
fn describe(cx: &Cx, e: &syn::Expr) -> String {
    let text = cx.snippet(cx.span_of(e));
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 48 {
        return one_line;
    }
    match peel(e) {
        syn::Expr::Call(c) => {
            let f = cx.snippet(cx.span_of(&*c.func));
            format!("{f}(..)")
        }
        syn::Expr::MethodCall(m) => format!(".{}(..)", m.method),
        syn::Expr::Try(t) => describe(cx, &t.expr),
        _ => one_line.chars().take(45).collect::<String>() + "..",
    }
}

/// The concurrent version of the loop, formatted, or `None` when the body is too unusual.
fn rewrite_loop(
    cx: &Cx,
    l: &syn::ExprForLoop,
    pat_vars: &HashSet<String>,
    n: usize,
    error_type: Option<&str>,
) -> Option<String> {
    let pat = cx.snippet(cx.span_of(&*l.pat));
    let iter = cx.snippet(cx.span_of(&*l.expr));
    let stmts = &l.body.stmts;
    let closure = |call: &syn::Expr| -> String {
        let code = cx.snippet(cx.span_of(call));
        if borrows_item(call, pat_vars) {
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
            let (call, tried) = awaited_call(&push.args[0])?;
            let target = cx.snippet(cx.span_of(&*push.receiver));
            collect_into(target, iter, &closure(call), tried, n)
        }
        // `let v = f(x).await?; out.push(v);`
        [syn::Stmt::Local(local), syn::Stmt::Expr(syn::Expr::MethodCall(push), Some(_))]
            if push.method == "push"
                && push.args.len() == 1
                && matches!(&local.pat, syn::Pat::Ident(p) if is_path_to(&push.args[0], &p.ident.to_string())) =>
        {
            let (call, tried) = awaited_call(&local.init.as_ref()?.expr)?;
            let target = cx.snippet(cx.span_of(&*push.receiver));
            collect_into(target, iter, &closure(call), tried, n)
        }
        // `f(x).await?;` / `let _ = f(x).await;`
        [syn::Stmt::Expr(e, Some(_))] if awaited_call(e).is_some() => {
            let (call, tried) = awaited_call(e)?;
            drain(iter, &closure(call), tried, n)
        }
        [syn::Stmt::Local(local)]
            if matches!(local.pat, syn::Pat::Wild(_)) && local.init.is_some() =>
        {
            let (call, tried) = awaited_call(&local.init.as_ref()?.expr)?;
            drain(iter, &closure(call), tried, n)
        }
        _ => {
            let body = cx.snippet(cx.span_of(&l.body));
            let body = body
                .trim()
                .trim_start_matches('{')
                .trim_end_matches('}')
                .trim();
            if contains_try(&l.body) {
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

/// `CALL.await` or `CALL.await?` → (CALL, whether `?` follows).
fn awaited_call(e: &syn::Expr) -> Option<(&syn::Expr, bool)> {
    match e {
        syn::Expr::Await(a) if !contains_await(&a.base) => Some((&a.base, false)),
        syn::Expr::Try(t) => match &*t.expr {
            syn::Expr::Await(a) if !contains_await(&a.base) => Some((&a.base, true)),
            _ => None,
        },
        _ => None,
    }
}

fn contains_await(e: &syn::Expr) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
            self.0 = true;
        }
    }
    let mut v = V(false);
    v.visit_expr(e);
    v.0
}

fn contains_try(b: &syn::Block) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_try(&mut self, _: &'ast syn::ExprTry) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    }
    let mut v = V(false);
    v.visit_block(b);
    v.0
}

/// Does the call take a reference to the item (`fetch(&id)`)? Then the future borrows the
/// closure's argument and must own it: `async move { .. }`.
fn borrows_item(call: &syn::Expr, pat_vars: &HashSet<String>) -> bool {
    struct V<'a>(&'a HashSet<String>, bool);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
            if root_ident(&r.expr).is_some_and(|n| self.0.contains(&n)) {
                self.1 = true;
            }
            syn::visit::visit_expr_reference(self, r);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            // `item.name.as_str()` borrows too.
            if root_ident(&m.receiver).is_some_and(|n| self.0.contains(&n)) {
                self.1 = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut v = V(pat_vars, false);
    v.visit_expr(call);
    v.1
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

fn indentation(cx: &Cx, span: Span) -> String {
    cx.file
        .lines
        .line_text(cx.file.text, span.line_start)
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect()
}

fn reindent(code: &str, indent: &str) -> String {
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
