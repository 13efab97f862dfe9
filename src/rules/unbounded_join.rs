//! See rules/unbounded_join.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Suggestion};
use crate::registry;
use crate::semantic::calls::SpawnFlavor;
use crate::semantic::dataflow::{peel, root_ident};
use crate::semantic::known::join::{BOUNDED_STREAM_METHODS, FUTURE_SETS, JOIN_ALL};
use crate::semantic::loops::{self, WorkKind};
use crate::semantic::{Cx, Tri};

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

/// `FuturesUnordered` for `futures::stream::FuturesUnordered`: a set type's short name.
fn set_type(name: &str) -> Option<&'static str> {
    FUTURE_SETS
        .iter()
        .filter_map(|t| t.rsplit("::").next())
        .find(|short| *short == name)
}

/// Report, unless the enclosing fn's name says running everything at once is its purpose
/// (asked only here: it is rare that a finding is made at all).
fn report(cx: &Cx, out: &mut Sink, diag: Diagnostic) {
    report_unless(cx, out, diag, None);
}

/// [`report`], unless the input maps each item through a method of its own type by path
/// (`assets.into_iter().map(Asset::spawn)`): then the crate must confirm that fn takes no
/// `self` (a fn handed the item as data).
fn report_unless(cx: &Cx, out: &mut Sink, diag: Diagnostic, input: Option<&syn::Expr>) {
    report_unless_also(cx, out, diag, input, Vec::new());
}

fn report_unless_also(
    cx: &Cx,
    out: &mut Sink,
    diag: Diagnostic,
    input: Option<&syn::Expr>,
    mut unless: Vec<crate::semantic::facts::Condition>,
) {
    use crate::semantic::facts::{use_key, Condition};
    if loops::says_parallel(cx) {
        return;
    }
    if let Some(key) = input.and_then(loops::mapped_type_fn) {
        unless.push(Condition::NotAMethod(key));
    }
    // `map(|u| fetch_limited(sem, u))`: a crate fn that waits for a permit itself caps it.
    if let Some(path) = input.and_then(loops::mapped_callee) {
        let key = use_key(path, &cx.resolver, cx.file.module_path, cx.self_type());
        unless.push(Condition::NotPermitTaker(key));
    }
    out.report_if(diag, unless);
}

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
            if set_type(&kind).is_none() {
                continue;
            }
            if let syn::Expr::MethodCall(m) = peel(&init.expr) {
                if m.method == "collect"
                    && m.turbofish.is_none()
                    && !loops::width_is_fixed(cx, &m.receiver)
                {
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
        if loops::joins_running_tasks(cx, input) {
            let diag = Diagnostic::new(
                META.id,
                cx.span_of(c),
                message_handles(&func, &short(&input_text)),
            )
            .with_label("the tasks already run; this only collects them")
            .with_help(HELP_HANDLES);
            report(cx, out, diag);
            return;
        }
        if loops::width_is_fixed(cx, input) {
            return;
        }
        let tried = func.starts_with("try_");
        // The futures are made up front (as `join_all` does): a stream over a lazy iterator
        // with a borrowing closure, held across an `.await`, trips rustc's "implementation of
        // `FnOnce` is not general enough" where the future must be `Send`.
        let collect = if tried { "try_collect" } else { "collect" };
        let receiver = match input {
            syn::Expr::Path(_)
            | syn::Expr::MethodCall(_)
            | syn::Expr::Call(_)
            | syn::Expr::Macro(_)
            | syn::Expr::Field(_)
            | syn::Expr::Paren(_) => input_text.clone(),
            _ => format!("({input_text})"),
        };
        let replacement = format!(
            "futures::stream::iter({receiver}.into_iter().collect::<Vec<_>>()).buffered({n}).{collect}::<Vec<_>>()"
        );
        let diag = Diagnostic::new(
            META.id,
            cx.span_of(c),
            message_join(&func, &short(&input_text)),
        )
        .with_label(LABEL)
        .with_help(help_join(n))
        .with_note(NOTE_WHY)
        .with_note(note_n(n))
        .with_suggestion(bounded_join(cx, c, replacement, tried, n));
        report_unless(cx, out, diag, Some(input));
        return;
    }
    // `FuturesUnordered::from_iter(xs)`
    let segs = crate::semantic::imports::segments(&p.path);
    if segs.len() >= 2
        && segs[segs.len() - 1] == "from_iter"
        && set_type(&segs[segs.len() - 2]).is_some_and(|k| k != "JoinSet")
        && !loops::width_is_fixed(cx, input)
    {
        let kind = segs[segs.len() - 2].clone();
        let diag = Diagnostic::new(META.id, cx.span_of(c), message_collect(&kind))
            .with_label(LABEL)
            .with_help(help_join(n))
            .with_note(NOTE_WHY);
        report(cx, out, diag);
    }
}

fn check_method(cx: &Cx, m: &syn::ExprMethodCall, n: usize, out: &mut Sink) {
    let method = m.method.to_string();
    match method.as_str() {
        name if BOUNDED_STREAM_METHODS.contains(&name) => {
            let Some(limit) = m.args.first() else { return };
            let unlimited = match peel(limit) {
                // `None`, and `usize::MAX` (as good as none).
                syn::Expr::Path(p) => {
                    p.path.is_ident("None")
                        || p.path.segments.last().is_some_and(|s| s.ident == "MAX")
                }
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
            report(cx, out, diag);
        }
        "collect" => {
            let Some(turbofish) = &m.turbofish else {
                return;
            };
            let Some(syn::GenericArgument::Type(ty)) = turbofish.args.first() else {
                return;
            };
            let kind = crate::semantic::type_name(ty);
            if set_type(&kind).is_some() && !loops::width_is_fixed(cx, &m.receiver) {
                report_collect(cx, m, &kind, out);
            }
        }
        // `inflight.extend(keys.iter().map(|k| load(k)))` on a set of futures or tasks.
        "extend" => {
            let (Some(arg), Some(root)) = (m.args.first(), root_ident(&m.receiver)) else {
                return;
            };
            let kind = cx.fn_mutables().and_then(|mb| mb.sets.get(&root).copied());
            if let Some(kind) = kind {
                if !loops::width_is_fixed(cx, arg) {
                    report_collect(cx, m, kind, out);
                }
            }
        }
        // `events.into_iter().for_each(|ev| { tokio::spawn(..); })` over data: the loop in
        // another form.
        "for_each"
            if !loops::width_is_fixed(cx, &m.receiver) && loops::chain_is_data(cx, &m.receiver) =>
        {
            let Some(syn::Expr::Closure(c)) = m.args.first().map(peel) else {
                return;
            };
            for e in crate::semantic::dataflow::expr_stmts(peel(&c.body)) {
                if let Some(spawn) = crate::semantic::calls::spawn_call(cx, e)
                    .filter(|s| s.flavor == SpawnFlavor::Task && s.unless.is_none())
                {
                    let header = cx.span_of(&*m.receiver);
                    let diag =
                        Diagnostic::new(META.id, cx.span_of(e), message_spawn(&spawn.written))
                            .with_help(help_spawn(n))
                            .with_label(LABEL)
                            .with_secondary(header, LABEL_LOOP)
                            .with_note(NOTE_WHY);
                    report(cx, out, diag);
                }
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
    // What is collected (`xs.map(f).collect()`) or extended with (`set.extend(xs.map(f))`).
    let input = if m.method == "extend" {
        m.args.first()
    } else {
        Some(&*m.receiver)
    };
    report_unless(cx, out, diag, input);
}

/// A `for` loop over data that spawns, pushes into a `FuturesUnordered` or spawns on a
/// `JoinSet` per item, with nothing in the loop that waits for a free slot.
fn check_loop(cx: &Cx, l: &syn::ExprForLoop, n: usize, out: &mut Sink) {
    if !loops::iterates_data(cx, l) {
        return;
    }
    let summary = loops::of_for(cx, l);
    // A wait for a free slot caps the width; a sleep or tick between starts staggers them on
    // purpose (a race of connection attempts).
    if summary.waits_for_slot || summary.paced {
        return;
    }
    let header = cx.span(l.for_token.span).to(cx.span_of(&*l.expr));
    // A start whose work is a method of the item (`peer.send(m)`) fans out to the program's
    // parts: one per part is the design.
    // A task whose handle is aborted or awaited within the same iteration ends before the
    // next starts: one at a time.
    let starts: Vec<_> = summary
        .starts
        .iter()
        .filter(|s| !s.item_does_work)
        .filter(|s| {
            !(matches!(s.kind, WorkKind::Spawn(..))
                && (loops::handle_ended_in_iteration(cx, &l.body, s.span)
                    || loops::serves_bound_listener(cx, &l.body, s.span)))
        })
        .collect();
    // `futs.push(tokio::spawn(..))`: one finding, the spawn's, for the one start.
    let spawns: Vec<_> = starts
        .iter()
        .filter(|s| matches!(s.kind, WorkKind::Spawn(..)))
        .map(|s| cx.span(s.span))
        .collect();
    for start in starts {
        let span = cx.span(start.span);
        if matches!(start.kind, WorkKind::Push(..))
            && spawns
                .iter()
                .any(|sp| sp.byte_start >= span.byte_start && sp.byte_end <= span.byte_end)
        {
            continue;
        }
        let diag = match &start.kind {
            WorkKind::Spawn(written, flavor) => {
                if *flavor == SpawnFlavor::Thread && !cx.in_async() {
                    // A sync thread-per-item loop is out of scope for an async lint.
                    continue;
                }
                Diagnostic::new(META.id, span, message_spawn(written)).with_help(help_spawn(n))
            }
            WorkKind::Push(root, kind) => {
                let what = if *kind == "JoinSet" { "task" } else { "future" };
                let help = if *kind == "JoinSet" {
                    help_spawn(n)
                } else {
                    format!(
                        "wait for a free slot before pushing: `if {root}.len() >= {n} {{ {root}.next().await; }}`, \
                         or use `futures::stream::iter(..).buffer_unordered({n})`"
                    )
                };
                Diagnostic::new(META.id, span, message_push(what, root)).with_help(help)
            }
            WorkKind::Await => continue,
        };
        // A task that awaits a crate fn waiting for a permit itself (`scanner.scan().await`
        // taking `self.limiter.acquire()`) is capped by that semaphore.
        let permits = match &start.kind {
            WorkKind::Spawn(..) => loops::spawned_at(cx, &l.body, start.span)
                .map(|(fut, before)| {
                    crate::semantic::tasks::awaited_callees(cx, fut, before)
                        .into_iter()
                        .map(crate::semantic::facts::Condition::NotPermitTaker)
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        report_unless_also(
            cx,
            out,
            diag.with_label(LABEL)
                .with_secondary(header, LABEL_LOOP)
                .with_note(NOTE_WHY),
            None,
            permits,
        );
    }
}

fn short(text: &str) -> String {
    let one = super::one_line(text);
    if one.chars().count() > 40 {
        let head: String = one.chars().take(37).collect();
        format!("{head}..")
    } else {
        one
    }
}

/// `join_all(xs)` → `futures::stream::iter(xs).buffered(N).collect::<Vec<_>>()`, importing the
/// stream traits it calls. Unsafe: at most N futures run at once, which changes timing, and
/// futures that wait for each other (a barrier) would never finish.
fn bounded_join(
    cx: &Cx,
    c: &syn::ExprCall,
    replacement: String,
    tried: bool,
    n: usize,
) -> Suggestion {
    let mut edits = vec![Edit {
        span: cx.span_of(c),
        replacement,
    }];
    let mut applicability = Applicability::MaybeIncorrect;
    let (import, applicable) = crate::fix::stream_traits(cx, tried);
    edits.extend(import);
    if !applicable {
        applicability = Applicability::DisplayOnly;
    }
    Suggestion {
        message: format!("run at most {n} at a time"),
        edits,
        applicability,
    }
}
