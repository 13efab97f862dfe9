//! See rules/detached_spawn.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::Diagnostic;
use crate::registry;
use crate::semantic::calls::{
    handle_fn_call, returns_result, spawn_call, wrapper_call, Spawn, SpawnFlavor,
};
use crate::semantic::dataflow::{let_parts, peel};
use crate::semantic::facts::Condition;
use crate::semantic::tasks::{
    awaited_callees, dropped_values, feeds_actor, polls_stop_signal, reports_outcome, spawns_param,
    used_later,
};
use crate::semantic::{Cx, Frame, Runtime};

// ---- what the user reads -------------------------------------------------------------------

/// What is lost when the handle is dropped, from what the spawned body shows.
enum Loss {
    Errors,
    Panic,
    Unknown,
}

fn message(written: &str, flavor: SpawnFlavor, loss: Loss) -> String {
    let what = if flavor == SpawnFlavor::Thread {
        "thread"
    } else {
        "task"
    };
    let lost = match loss {
        Loss::Errors => format!("the errors this {what} returns are dropped"),
        Loss::Panic => format!("a panic in this {what} goes unnoticed"),
        Loss::Unknown => format!("nobody learns whether this {what} failed"),
    };
    format!(
        "`{written}` detaches this {what}: {lost}, and nothing can cancel or await it at shutdown"
    )
}

const LABEL_STMT: &str = "the handle is dropped here";
const LABEL_LET_UNDERSCORE: &str = "`let _` drops the handle";

fn label_unused(name: &str) -> String {
    format!("`{name}` is never used")
}

fn help(flavor: SpawnFlavor, runtime: Runtime) -> String {
    match (flavor, runtime) {
        (SpawnFlavor::Thread, _) => "keep the `JoinHandle` and `join()` it before exiting, \
            logging an `Err` (the thread panicked)"
            .into(),
        (SpawnFlavor::Blocking, Runtime::Tokio) => "keep the `JoinHandle` and `.await` it, \
            logging its error, or spawn it on a `tokio::task::JoinSet` with `spawn_blocking`"
            .into(),
        (_, Runtime::Tokio) => "spawn it on a `tokio::task::JoinSet` (aborted when the set is \
            dropped, results from `join_next`), or track it with `tokio_util::task::TaskTracker` \
            and a `CancellationToken` so shutdown can wait for it; at the least keep the \
            `JoinHandle`, `.await` it and log its error"
            .into(),
        _ => "keep the `JoinHandle`, `.await` it at shutdown and log its error".into(),
    }
}

const NOTE_WHY: &str = "dropping a `JoinHandle` does not stop the task: it runs on unowned, \
its failures surface nowhere, and the runtime may shut down in the middle of it";

// ---- metadata ------------------------------------------------------------------------------

pub struct DetachedSpawn;

static META: RuleMeta = RuleMeta {
    entry: &registry::DETACHED_SPAWN,
    summary: "A spawned task or thread whose handle is dropped: its errors and panics are lost and nothing can cancel or await it.",
    has_fix: false,
    doc: include_str!("../../rules/detached_spawn.md"),
};

/// `[rules.detached_spawn]`
type Options = registry::DetachedSpawnOptions;

// ---- the check -----------------------------------------------------------------------------

impl Rule for DetachedSpawn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_block(&self, cx: &Cx, b: &syn::Block, out: &mut Sink) {
        if cx.skips_test_code(cx.config.options::<Options>().check_tests) || in_drop(cx) {
            return;
        }
        for (i, stmt) in b.stmts.iter().enumerate() {
            let (init, label) = match stmt {
                syn::Stmt::Expr(e, Some(_)) => (e, None),
                syn::Stmt::Local(local) => {
                    let Some((pat, init)) = let_parts(local) else {
                        continue;
                    };
                    match pat {
                        syn::Pat::Wild(_) => (init, Some(LABEL_LET_UNDERSCORE.to_string())),
                        syn::Pat::Ident(p) => {
                            let name = p.ident.to_string();
                            if used_later(&b.stmts[i + 1..], &name) {
                                continue;
                            }
                            (init, Some(label_unused(&name)))
                        }
                        _ => continue,
                    }
                }
                _ => continue,
            };
            for value in dropped_values(init) {
                let Some(spawn) = spawn_call(cx, value)
                    .or_else(|| wrapper_call(cx, value))
                    .or_else(|| handle_fn_call(cx, value))
                else {
                    continue;
                };
                if owned_elsewhere(cx, &spawn, &b.stmts[..i], &b.stmts[i + 1..], init) {
                    continue;
                }
                let label = label.clone().unwrap_or_else(|| LABEL_STMT.to_string());
                // A same-crate `async fn` the task runs may watch its owner's signal itself.
                let callees = spawn
                    .arg
                    .map(|a| awaited_callees(cx, a, &b.stmts[..i]))
                    .unwrap_or_default();
                report(cx, value, &spawn, label, callees, out);
            }
        }
    }
}

/// Is this code in `Drop::drop`? It cannot await: a cleanup that must be async can only be
/// started there (`fn drop(&mut self) { tokio::spawn(self.close()); }`), by design.
fn in_drop(cx: &Cx) -> bool {
    let mut fns = cx
        .frames
        .iter()
        .rev()
        .skip_while(|f| !matches!(f, Frame::Fn { .. }));
    matches!(
        (fns.next(), fns.next()),
        (Some(Frame::Fn { name, .. }), Some(Frame::Impl { trait_name: Some(t), .. }))
            if name == "drop" && t == "Drop"
    )
}

/// Is the task's lifetime or outcome owned some other way than by its handle?
fn owned_elsewhere(
    cx: &Cx,
    spawn: &Spawn,
    before: &[syn::Stmt],
    after: &[syn::Stmt],
    stmt: &syn::Expr,
) -> bool {
    let Some(arg) = spawn.arg else { return false };
    // A runtime abstraction spawning its caller's future (`fn spawn(fut: F) { tokio::spawn(fut); }`):
    // detaching is its contract; its callers are the ones to judge.
    if cx
        .fn_mutables()
        .is_some_and(|m| spawns_param(arg, &m.opaque_params))
    {
        return true;
    }
    polls_stop_signal(arg)
        || reports_outcome(arg)
        || feeds_actor(before, Some(after), stmt, Some(arg))
        // The pair made in memory (`let (tx, rx) = channel();`, not data destructured from an
        // awaited result) just before the `match`/`if` whose branch spawns.
        || cx.outer_stmts.iter().any(|outer| {
            let last = &outer[outer.len().saturating_sub(1)..];
            let made_in_memory = last.iter().all(|s| {
                matches!(s, syn::Stmt::Local(l) if l.init.as_ref().is_some_and(|i| matches!(
                    peel(&i.expr),
                    syn::Expr::Call(_) | syn::Expr::MethodCall(_)
                )))
            });
            made_in_memory && feeds_actor(last, None, stmt, Some(arg))
        })
}

fn report(
    cx: &Cx,
    call: &syn::Expr,
    spawn: &Spawn,
    label: String,
    callees: Vec<String>,
    out: &mut Sink,
) {
    let loss = match spawn.arg {
        Some(arg) if returns_result(arg) => Loss::Errors,
        Some(arg) if matches!(peel(arg), syn::Expr::Async(_) | syn::Expr::Closure(_)) => {
            Loss::Panic
        }
        _ => Loss::Unknown,
    };
    let diag = Diagnostic::new(
        META.id,
        cx.span_of(call),
        message(&spawn.written, spawn.flavor, loss),
    )
    .with_label(label)
    .with_help(help(spawn.flavor, cx.krate.runtime()))
    .with_note(NOTE_WHY);
    let mut unless: Vec<Condition> = spawn.unless.iter().cloned().collect();
    if !callees.is_empty() {
        unless.push(Condition::NoneStopsOnSignal(callees));
    }
    out.report_if(diag, unless);
}
