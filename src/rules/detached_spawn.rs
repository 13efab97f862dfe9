//! See rules/detached_spawn.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::Diagnostic;
use crate::registry;
use crate::semantic::calls::{returns_result, spawn_call, Spawn, SpawnFlavor};
use crate::semantic::dataflow::peel;
use crate::semantic::{Cx, Frame, Runtime};
use syn::visit::Visit;

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
        if cx.skips_test_code(cx.config.options::<Options>().check_tests) {
            return;
        }
        // A wrapper that is itself a spawn API (`fn spawn(fut) { tokio::spawn(fut); }` in a
        // runtime abstraction): detaching is its contract; its callers are the ones to judge.
        let in_spawn_wrapper = cx.frames.iter().rev().find_map(|f| match f {
            Frame::Fn { name, .. } => Some(name.starts_with("spawn") || name.ends_with("_spawn")),
            _ => None,
        });
        if in_spawn_wrapper == Some(true) {
            return;
        }
        for (i, stmt) in b.stmts.iter().enumerate() {
            if wired_for_shutdown(&b.stmts[..=i]) {
                continue;
            }
            match stmt {
                syn::Stmt::Expr(e, Some(_)) => {
                    if let Some(spawn) = spawn_call(cx, e) {
                        report(cx, peel(e), &spawn, LABEL_STMT.into(), out);
                    }
                }
                syn::Stmt::Local(local) => {
                    let Some(init) = &local.init else { continue };
                    if init.diverge.is_some() {
                        continue;
                    }
                    let Some(spawn) = spawn_call(cx, &init.expr) else {
                        continue;
                    };
                    match &local.pat {
                        syn::Pat::Wild(_) => report(
                            cx,
                            peel(&init.expr),
                            &spawn,
                            LABEL_LET_UNDERSCORE.into(),
                            out,
                        ),
                        syn::Pat::Ident(p) => {
                            let name = p.ident.to_string();
                            if !used_later(&b.stmts[i + 1..], &name) {
                                report(cx, peel(&init.expr), &spawn, label_unused(&name), out);
                            }
                        }
                        syn::Pat::Type(t) => {
                            if let syn::Pat::Ident(p) = &*t.pat {
                                let name = p.ident.to_string();
                                if !used_later(&b.stmts[i + 1..], &name) {
                                    report(cx, peel(&init.expr), &spawn, label_unused(&name), out);
                                }
                            } else if matches!(&*t.pat, syn::Pat::Wild(_)) {
                                report(
                                    cx,
                                    peel(&init.expr),
                                    &spawn,
                                    LABEL_LET_UNDERSCORE.into(),
                                    out,
                                );
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
}

fn report(cx: &Cx, call: &syn::Expr, spawn: &Spawn, label: String, out: &mut Sink) {
    if spawn.arg.is_some_and(reports_through_channel) {
        return;
    }
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
    out.report(diag);
}

/// Does the spawn (the last of `stmts`) or what its block prepared for it mention a shutdown
/// or cancellation mechanism (`CancellationToken`, a `shutdown` receiver, `notify_shutdown`)?
/// Then the task can be stopped, and its owner decided how: the graceful-shutdown pattern.
fn wired_for_shutdown(stmts: &[syn::Stmt]) -> bool {
    use quote::ToTokens;
    let Some(last) = stmts.last() else {
        return false;
    };
    if crate::semantic::calls_spawn_by_name(last).is_none() {
        return false;
    }
    let mut names = std::collections::HashSet::new();
    for s in stmts {
        crate::semantic::dataflow::collect_token_idents(&s.to_token_stream(), &mut names);
    }
    if names.iter().any(|n| n == "downgrade" || n == "Weak") || feeds_actor(stmts) {
        return true;
    }
    names.iter().any(|n| {
        let n = n.to_ascii_lowercase();
        [
            "shutdown",
            "cancel",
            "graceful",
            "terminat",
            "kill_switch",
            "drain",
        ]
        .iter()
        .any(|w| n.contains(w))
            || n.starts_with("stop_")
            || n.ends_with("_stop")
    })
}

/// The actor pattern: `let (tx, rx) = mpsc::channel(..); tokio::spawn(run(rx));` — the task
/// ends when the last sender is dropped, so whoever holds `tx` owns the task's lifetime.
fn feeds_actor(stmts: &[syn::Stmt]) -> bool {
    use quote::ToTokens;
    let Some((last, before)) = stmts.split_last() else {
        return false;
    };
    let receivers: Vec<String> = before
        .iter()
        .filter_map(|s| match s {
            syn::Stmt::Local(l) => Some(l),
            _ => None,
        })
        .filter_map(|l| {
            let init = l.init.as_ref()?;
            let syn::Expr::Call(c) = peel(&init.expr) else {
                return None;
            };
            let name = crate::semantic::dataflow::call_name(c)?;
            if !(name.contains("channel") || name == "unbounded" || name == "bounded") {
                return None;
            }
            match &l.pat {
                syn::Pat::Tuple(t) if t.elems.len() == 2 => match &t.elems[1] {
                    syn::Pat::Ident(p) => Some(p.ident.to_string()),
                    _ => None,
                },
                _ => None,
            }
        })
        .collect();
    if receivers.is_empty() {
        return false;
    }
    let mut names = std::collections::HashSet::new();
    crate::semantic::dataflow::collect_token_idents(&last.to_token_stream(), &mut names);
    receivers.iter().any(|r| names.contains(r))
}

/// The spawned body sends its outcome on a channel (`tx.send(result)`): the receiver learns the
/// result, and sees the sender dropped if the task panics. The handle is redundant.
fn reports_through_channel(arg: &syn::Expr) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if matches!(
                m.method.to_string().as_str(),
                "send" | "try_send" | "unbounded_send" | "send_replace" | "blocking_send"
            ) {
                let names = crate::semantic::dataflow::names_used_in_expr(&m.receiver);
                let fields = match peel(&m.receiver) {
                    syn::Expr::Field(f) => match &f.member {
                        syn::Member::Named(n) => vec![n.to_string()],
                        syn::Member::Unnamed(_) => vec![],
                    },
                    _ => vec![],
                };
                if names.iter().chain(&fields).any(|n| {
                    let n = n.to_ascii_lowercase();
                    n == "tx" || n.ends_with("_tx") || n.starts_with("tx_") || n.contains("sender")
                }) {
                    self.0 = true;
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut v = V(false);
    v.visit_expr(arg);
    v.0
}

/// Is `name` read in any of `stmts` (a later use: awaited, aborted, stored, returned, passed)?
fn used_later(stmts: &[syn::Stmt], name: &str) -> bool {
    struct V<'n>(&'n str, bool);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.path.is_ident(self.0) {
                self.1 = true;
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let mut names = std::collections::HashSet::new();
            crate::semantic::dataflow::collect_token_idents(&m.tokens, &mut names);
            if names.contains(self.0) {
                self.1 = true;
            }
        }
        fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
            if f.colon_token.is_none() {
                if let syn::Member::Named(n) = &f.member {
                    if n == self.0 {
                        self.1 = true;
                    }
                }
            }
            syn::visit::visit_field_value(self, f);
        }
    }
    let mut v = V(name, false);
    for s in stmts {
        v.visit_stmt(s);
    }
    v.1
}
