//! See rules/unbounded_join.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Suggestion};
use crate::registry;
use crate::semantic::calls::{spawn_call, SpawnFlavor};
use crate::semantic::dataflow::{
    iter_is_batched, iter_is_small_literal, iter_is_taken, peel, root_ident,
};
use crate::semantic::{Cx, Frame, Tri};
use syn::visit::Visit;

// ---- what the user reads -------------------------------------------------------------------

fn message_join(func: &str, input: &str) -> String {
    format!("`{func}` starts every future at once, as many as `{input}` holds")
}

fn message_handles(func: &str, input: &str) -> String {
    format!("`{func}` over the handles in `{input}` waits for tasks that already run, and hides their errors in a `Vec`")
}

fn message_collect(kind: &str) -> String {
    format!("collecting into `{kind}` starts every future at once, with no limit")
}

fn message_push(kind: &str, set: &str) -> String {
    format!("`{set}` grows by one running {kind} per item of this loop, with no limit")
}

fn message_spawn(written: &str) -> String {
    format!("`{written}` in this loop starts one task per item, with no limit")
}

fn message_no_limit(method: &str) -> String {
    format!("`{method}` with no limit runs every item at once")
}

const LABEL: &str = "no limit on how many run at once";
const LABEL_LOOP: &str = "one per item of this loop";

fn help_join(n: usize) -> String {
    format!("run at most {n} at a time: `futures::stream::iter(..).buffered({n})` keeps the order of `join_all`")
}

fn help_spawn(n: usize) -> String {
    format!(
        "cap the number of running tasks: spawn them on a `tokio::task::JoinSet` and take a permit \
         from an `Arc<Semaphore>` first:\n\
         let permits = Arc::new(tokio::sync::Semaphore::new({n}));\n\
         let mut set = tokio::task::JoinSet::new();\n\
         for item in items {{\n    \
             let permit = permits.clone().acquire_owned().await?;\n    \
             set.spawn(async move {{ let _permit = permit; work(item).await }});\n\
         }}\n\
         while let Some(result) = set.join_next().await {{ result?; }}"
    )
}

const HELP_HANDLES: &str = "spawn the tasks on a `tokio::task::JoinSet` instead: `join_next` \
yields each result as it finishes, and dropping the set aborts the rest";

fn help_no_limit(n: usize) -> String {
    format!("give it a limit, e.g. {n}")
}

const NOTE_WHY: &str = "the width comes from the data: a large input opens as many connections, \
sockets or tasks at once, which exhausts file descriptors, pools and the service on the other end";

fn note_n(n: usize) -> String {
    format!("{n} is this rule's `concurrency` option; pick it from what the other end can take")
}

// ---- metadata ------------------------------------------------------------------------------

pub struct UnboundedJoin;

static META: RuleMeta = RuleMeta {
    entry: &registry::UNBOUNDED_JOIN,
    summary: "`join_all`, `FuturesUnordered`, `JoinSet` or a spawn in a loop over input of unbounded size, with no concurrency cap.",
    has_fix: true,
    doc: include_str!("../../rules/unbounded_join.md"),
};

/// `[rules.unbounded_join]`
type Options = registry::UnboundedJoinOptions;

const JOIN_ALL: &[&str] = &[
    "futures::future::join_all",
    "futures::join_all",
    "futures_util::future::join_all",
    "futures::future::try_join_all",
    "futures::try_join_all",
    "futures_util::future::try_join_all",
];

// ---- the check -----------------------------------------------------------------------------

impl Rule for UnboundedJoin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_expr(&self, cx: &Cx, e: &syn::Expr, out: &mut Sink) {
        if !matches!(
            e,
            syn::Expr::Call(_) | syn::Expr::MethodCall(_) | syn::Expr::ForLoop(_)
        ) {
            return;
        }
        let opts = cx.config.options::<Options>();
        if cx.skips_test_code(opts.check_tests) {
            return;
        }
        let n = opts.concurrency.max(1);
        match e {
            syn::Expr::Call(c) => check_call(cx, c, n, out),
            syn::Expr::MethodCall(m) => check_method(cx, m, n, out),
            syn::Expr::ForLoop(l) => check_loop(cx, l, n, out),
            _ => {}
        }
    }

    fn check_block(&self, cx: &Cx, b: &syn::Block, out: &mut Sink) {
        if cx.skips_test_code(cx.config.options::<Options>().check_tests) {
            return;
        }
        // `let futs: FuturesUnordered<_> = xs.iter().map(f).collect();`
        for stmt in &b.stmts {
            let syn::Stmt::Local(local) = stmt else {
                continue;
            };
            let (syn::Pat::Type(t), Some(init)) = (&local.pat, &local.init) else {
                continue;
            };
            let kind = crate::semantic::type_name(&t.ty);
            if !matches!(kind.as_str(), "FuturesUnordered" | "FuturesOrdered") {
                continue;
            }
            if let syn::Expr::MethodCall(m) = peel(&init.expr) {
                if m.method == "collect" && m.turbofish.is_none() && !is_capped(cx, &m.receiver) {
                    report_collect(cx, m, &kind, out);
                }
            }
        }
    }
}

fn check_call(cx: &Cx, c: &syn::ExprCall, n: usize, out: &mut Sink) {
    let syn::Expr::Path(p) = &*c.func else { return };
    let Some(input) = c.args.first() else { return };
    if cx.is(&p.path, JOIN_ALL) == Tri::Yes {
        let func = p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let input_text = cx.snippet(cx.span_of(input)).to_string();
        if joins_handles(cx, input) {
            let diag = Diagnostic::new(
                META.id,
                cx.span_of(c),
                message_handles(&func, &short(&input_text)),
            )
            .with_label("the tasks already run; this only collects them")
            .with_help(HELP_HANDLES);
            out.report(diag);
            return;
        }
        if is_capped(cx, input) {
            return;
        }
        let tried = func.starts_with("try_");
        let replacement = if tried {
            format!("futures::stream::iter({input_text}).buffered({n}).try_collect::<Vec<_>>()")
        } else {
            format!("futures::stream::iter({input_text}).buffered({n}).collect::<Vec<_>>()")
        };
        let diag = Diagnostic::new(
            META.id,
            cx.span_of(c),
            message_join(&func, &short(&input_text)),
        )
        .with_label(LABEL)
        .with_help(help_join(n))
        .with_note(NOTE_WHY)
        .with_note(note_n(n))
        .with_suggestion(Suggestion {
            message: format!("run at most {n} at a time"),
            edits: vec![Edit {
                span: cx.span_of(c),
                replacement,
            }],
            applicability: Applicability::MaybeIncorrect,
        });
        out.report(diag);
        return;
    }
    // `FuturesUnordered::from_iter(xs)`
    let segs = crate::semantic::imports::segments(&p.path);
    if segs.len() >= 2
        && segs[segs.len() - 1] == "from_iter"
        && matches!(
            segs[segs.len() - 2].as_str(),
            "FuturesUnordered" | "FuturesOrdered"
        )
        && !is_capped(cx, input)
    {
        let kind = segs[segs.len() - 2].clone();
        let diag = Diagnostic::new(META.id, cx.span_of(c), message_collect(&kind))
            .with_label(LABEL)
            .with_help(help_join(n))
            .with_note(NOTE_WHY);
        out.report(diag);
    }
}

fn check_method(cx: &Cx, m: &syn::ExprMethodCall, n: usize, out: &mut Sink) {
    let method = m.method.to_string();
    match method.as_str() {
        "for_each_concurrent"
        | "try_for_each_concurrent"
        | "buffer_unordered"
        | "buffered"
        | "try_buffer_unordered"
        | "try_buffered" => {
            let Some(limit) = m.args.first() else { return };
            let unlimited = match peel(limit) {
                syn::Expr::Path(p) => p.path.is_ident("None"),
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(i),
                    ..
                }) => i.base10_parse::<u64>().ok() == Some(0),
                _ => false,
            };
            if !unlimited {
                return;
            }
            let span = cx.span_of(limit);
            let diag = Diagnostic::new(META.id, span, message_no_limit(&method))
                .with_label("`None` and `0` mean no limit")
                .with_help(help_no_limit(n))
                .with_note(NOTE_WHY)
                .with_suggestion(Suggestion {
                    message: help_no_limit(n),
                    edits: vec![crate::diagnostic::Edit {
                        span,
                        replacement: n.to_string(),
                    }],
                    applicability: Applicability::MaybeIncorrect,
                });
            out.report(diag);
        }
        "collect" => {
            let Some(turbofish) = &m.turbofish else {
                return;
            };
            let Some(syn::GenericArgument::Type(ty)) = turbofish.args.first() else {
                return;
            };
            let kind = crate::semantic::type_name(ty);
            if matches!(kind.as_str(), "FuturesUnordered" | "FuturesOrdered")
                && !is_capped(cx, &m.receiver)
            {
                report_collect(cx, m, &kind, out);
            }
        }
        _ => {}
    }
}

fn report_collect(cx: &Cx, m: &syn::ExprMethodCall, kind: &str, out: &mut Sink) {
    let n = cx.config.options::<Options>().concurrency.max(1);
    let span = cx.span(m.method.span()).to(cx.span_of(m));
    let diag = Diagnostic::new(META.id, span, message_collect(kind))
        .with_label(LABEL)
        .with_help(help_join(n))
        .with_note(NOTE_WHY);
    out.report(diag);
}

/// A `for` loop over data that spawns, pushes into a `FuturesUnordered` or spawns on a
/// `JoinSet` per item, with nothing in the loop that waits for a free slot.
fn check_loop(cx: &Cx, l: &syn::ExprForLoop, n: usize, out: &mut Sink) {
    if iter_is_small_literal(&l.expr)
        || iter_is_batched(&l.expr)
        || iter_is_taken(&l.expr)
        || is_accept_loop(&l.expr)
    {
        return;
    }
    let from_data = data_root(&l.expr).is_some_and(|r| {
        !place_names(&l.expr).iter().any(|n| is_structural(n))
            && cx.fn_mutables().is_some_and(|m| m.data.contains(&r))
    });
    let item_is_structural = crate::semantic::dataflow::pat_idents(&l.pat)
        .iter()
        .any(|p| is_structural(p));
    if !from_data || item_is_structural {
        return;
    }
    let mut scan = LoopScan::default();
    scan.visit_block(&l.body);
    if scan.capped {
        return;
    }
    let header = cx.span(l.for_token.span).to(cx.span_of(&*l.expr));
    for e in scan.calls {
        // (A spawn on a field judged by the crate's declarations is left to the checks below.)
        if let Some(spawn) = spawn_call(cx, e).filter(|s| s.unless.is_none()) {
            if spawn.flavor == SpawnFlavor::Thread && !cx.in_async() {
                // A sync thread-per-item loop is out of scope for an async lint.
                continue;
            }
            let diag = Diagnostic::new(META.id, cx.span_of(e), message_spawn(&spawn.written))
                .with_label(LABEL)
                .with_secondary(header, LABEL_LOOP)
                .with_help(help_spawn(n))
                .with_note(NOTE_WHY);
            out.report(diag);
            continue;
        }
        let syn::Expr::MethodCall(m) = e else {
            continue;
        };
        let Some(root) = root_ident(&m.receiver) else {
            continue;
        };
        let kind = match (m.method.to_string().as_str(), set_kind(cx, &root)) {
            ("push", Some(k @ ("FuturesUnordered" | "FuturesOrdered"))) => k,
            ("spawn" | "spawn_blocking" | "spawn_local", Some(k @ "JoinSet")) => k,
            _ => continue,
        };
        let what = if kind == "JoinSet" { "task" } else { "future" };
        let diag = Diagnostic::new(META.id, cx.span_of(e), message_push(what, &root))
            .with_label(LABEL)
            .with_secondary(header, LABEL_LOOP)
            .with_help(if kind == "JoinSet" {
                help_spawn(n)
            } else {
                format!(
                    "wait for a free slot before pushing: `if {root}.len() >= {n} {{ {root}.next().await; }}`, \
                     or use `futures::stream::iter(..).buffer_unordered({n})`"
                )
            })
            .with_note(NOTE_WHY);
        out.report(diag);
    }
}

/// `listener.incoming()`: an accept loop. Its spawns are `detached_spawn`'s business.
fn is_accept_loop(iter: &syn::Expr) -> bool {
    let mut e = peel(iter);
    while let syn::Expr::MethodCall(m) = e {
        if matches!(m.method.to_string().as_str(), "incoming" | "accept") {
            return true;
        }
        e = peel(&m.receiver);
    }
    false
}

/// What kind of set the fn declares `name` as (`let mut set = JoinSet::new();`).
fn set_kind(cx: &Cx, name: &str) -> Option<&'static str> {
    let sets = cx.fn_mutables()?;
    sets.sets.get(name).copied()
}

/// The calls at the loop's own level (not in closures or async blocks) and whether anything
/// in the body waits for a slot: a semaphore permit, `join_next`, `next().await` on a set.
#[derive(Default)]
struct LoopScan<'a> {
    calls: Vec<&'a syn::Expr>,
    capped: bool,
    depth: usize,
}

impl<'ast> Visit<'ast> for LoopScan<'ast> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        if self.depth == 0 && matches!(e, syn::Expr::Call(_) | syn::Expr::MethodCall(_)) {
            self.calls.push(e);
        }
        syn::visit::visit_expr(self, e);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if matches!(
            m.method.to_string().as_str(),
            "acquire"
                | "acquire_owned"
                | "acquire_many"
                | "acquire_many_owned"
                | "try_acquire"
                | "try_acquire_owned"
                | "join_next"
                | "next"
                | "try_next"
                | "until_ready"
        ) {
            self.capped = true;
        }
        syn::visit::visit_expr_method_call(self, m);
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
    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        // An inner loop is judged on its own.
        self.visit_expr(&l.expr);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Is the width of `input` capped or fixed by the program: a literal handful, `take(n)`,
/// batches, the slice of an enclosing loop over batches, or a collection that does not come
/// from the fn's data (`self.servers`, a local built from constants)?
fn is_capped(cx: &Cx, input: &syn::Expr) -> bool {
    if iter_is_small_literal(input) || iter_is_taken(input) || iter_is_batched(input) {
        return true;
    }
    let Some(root) = data_root(input) else {
        return true;
    };
    if place_names(input).iter().any(|n| is_structural(n)) {
        return true;
    }
    let in_batch = cx.frames.iter().any(
        |f| matches!(f, Frame::Loop { pat_vars, bounded: true, .. } if pat_vars.contains(&root)),
    );
    in_batch || !cx.fn_mutables().is_some_and(|m| m.data.contains(&root))
}

/// Parts of the program rather than data: fanning out to every handler, subscriber, node or
/// address is the design, and their number is fixed by configuration, not by input.
const STRUCTURAL: &[&str] = &[
    "handler",
    "subscriber",
    "listener",
    "sender",
    "receiver",
    "rx",
    "tx",
    "node",
    "server",
    "peer",
    "shard",
    "worker",
    "replica",
    "member",
    "hook",
    "addr",
    "address",
    "endpoint",
    "plugin",
    "service",
    "route",
    "factory",
    "factorie",
    "approval",
    "channel",
    "watcher",
    "observer",
    "callback",
    "task",
    "handle",
    "waiter",
    "waitee",
    "notifier",
    "consumer",
    "producer",
    "partition",
    "cluster",
    "host",
    "backend",
    "upstream",
    "target",
    "sink",
    "stream",
    "attempt",
    "signal",
    "socket",
    "conn",
    "connection",
    "client",
    "pool",
];

/// Does a variable's name say it holds parts of the program (see [`STRUCTURAL`])?
fn is_structural(name: &str) -> bool {
    name.to_ascii_lowercase().split('_').any(|w| {
        let singular = w
            .strip_suffix("es")
            .filter(|s| STRUCTURAL.contains(s))
            .or_else(|| w.strip_suffix('s'))
            .unwrap_or(w);
        STRUCTURAL.contains(&singular) || STRUCTURAL.contains(&w)
    })
}

/// The variable and field names an iterator chain starts from: `cfg`, `hooks` for
/// `cfg.hooks.iter().map(f)`.
fn place_names(e: &syn::Expr) -> Vec<String> {
    let mut out = Vec::new();
    let mut e = peel(e);
    loop {
        match e {
            syn::Expr::MethodCall(m) => e = peel(&m.receiver),
            syn::Expr::Field(f) => {
                if let syn::Member::Named(n) = &f.member {
                    out.push(n.to_string());
                }
                e = peel(&f.base);
            }
            syn::Expr::Path(p) => {
                if let Some(i) = p.path.get_ident() {
                    out.push(i.to_string());
                }
                return out;
            }
            syn::Expr::Range(r) => match r.end.as_deref() {
                Some(end) => e = peel(end),
                None => return out,
            },
            _ => return out,
        }
    }
}

/// The variable an iterator chain starts from: `urls` in `urls.iter().map(f)`,
/// `(0..n).map(f)` → `n`.
fn data_root(e: &syn::Expr) -> Option<String> {
    match peel(e) {
        syn::Expr::MethodCall(m) => data_root(&m.receiver),
        syn::Expr::Range(r) => r.end.as_deref().and_then(data_root),
        syn::Expr::Paren(p) => data_root(&p.expr),
        other => root_ident(other),
    }
}

/// `join_all(handles)` where `handles` holds spawned tasks, or `join_all(xs.map(|x| spawn(..)))`.
fn joins_handles(cx: &Cx, input: &syn::Expr) -> bool {
    if crate::semantic::maps_to_spawn(input) {
        return true;
    }
    let input = peel(input);
    let mut e = input;
    // `handles`, `handles.into_iter()`, `handles.drain(..)`
    while let syn::Expr::MethodCall(m) = e {
        if !matches!(
            m.method.to_string().as_str(),
            "into_iter" | "drain" | "iter_mut"
        ) {
            return false;
        }
        e = peel(&m.receiver);
    }
    match (e, cx.fn_mutables()) {
        (syn::Expr::Path(p), Some(m)) => p
            .path
            .get_ident()
            .is_some_and(|i| m.handle_vecs.contains(&i.to_string())),
        _ => false,
    }
}

fn short(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 40 {
        let head: String = one.chars().take(37).collect();
        format!("{head}..")
    } else {
        one
    }
}
