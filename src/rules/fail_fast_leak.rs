//! See rules/fail_fast_leak.md.

use super::{FnNode, Rule, RuleMeta, Sink};
use crate::diagnostic::{Diagnostic, Span};
use crate::registry;
use crate::semantic::handles::{self, FnHandles, Joined};
use crate::semantic::known::adapters::names_any;
use crate::semantic::known::handles::COLLECT_ALL_WORDS;
use crate::semantic::Cx;
use std::collections::HashSet;

// ---- what the user reads -------------------------------------------------------------------

/// `` `a` `` or `` `a` and `b` `` or `` `a`, `b` and `c` ``.
fn list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn tasks_of(names: &[String]) -> String {
    match names {
        [] => "the spawned tasks".into(),
        [_] => format!("the task behind {}", list(names)),
        _ => format!("the tasks behind {}", list(names)),
    }
}

fn message_join(written: &str, names: &[String]) -> String {
    let who = match names {
        [] => "the spawned tasks that have not finished run on".to_string(),
        [one] => format!("the task behind `{one}` runs on if it has not finished"),
        _ => format!(
            "whichever of the tasks behind {} has not finished runs on",
            list(names)
        ),
    };
    format!("`{written}` returns at the first error and drops the handles still pending: {who}")
}

fn message_join_all(written: &str, collection: Option<&str>) -> String {
    let rest = match collection {
        Some(c) => format!("the tasks still in `{c}` keep running"),
        None => "the other spawned tasks keep running".into(),
    };
    format!("`{written}` returns at the first error and drops the remaining handles: {rest}")
}

fn message_early(awaited: &str, live: &[String]) -> String {
    format!(
        "an error from `{awaited}` returns here while {} still run{}: the early return drops {} handle{}, which does not stop {}",
        tasks_of(live),
        if live.len() == 1 { "s" } else { "" },
        if live.len() == 1 { "its" } else { "their" },
        if live.len() == 1 { "" } else { "s" },
        if live.len() == 1 { "it" } else { "them" },
    )
}

fn message_loop(collection: &str) -> String {
    format!(
        "the first failed task returns from this loop and drops the handles not yet awaited: the tasks still in `{collection}` keep running"
    )
}

const LABEL_JOIN: &str = "the first `Err` returns from here";
const LABEL_EARLY: &str = "returns early on an error";
const LABEL_SPAWNED: &str = "this task is not stopped by the early return";

const HELP_FAIL_FAST: &str = "returning at the first error is fail-fast, so make the failure \
stop the rest: spawn the tasks on a `tokio::task::JoinSet` (dropping the set aborts what still \
runs; `join_next` yields results as they finish), or wrap each handle in \
`tokio_util::task::AbortOnDropHandle`; if every task should finish instead (collect-all), await \
all of them first (`tokio::join!`, `join_all`) and look at the errors afterwards";

const HELP_COLLECT_ALL: &str = "each of these tasks seems to stand on its own, so collect-all is \
the likelier policy: await every handle (`join_all`, or push each `h.await` into a `Vec`) and \
report the failures together, so one failure does not abandon the others; if the first error \
should stop the rest instead (fail-fast), spawn them on a `tokio::task::JoinSet`, which aborts \
what still runs when dropped";

const NOTE_WHY: &str = "dropping a `JoinHandle` detaches its task (tokio: \"a JoinHandle detaches \
the associated task when it is dropped\"): it runs on unowned, its result is lost, and nothing can \
wait for it at shutdown";

const FIX: &str = "abort these tasks when their handle is dropped";

// ---- metadata ------------------------------------------------------------------------------

pub struct FailFastLeak;

static META: RuleMeta = RuleMeta {
    entry: &registry::FAIL_FAST_LEAK,
    summary: "Spawned tasks joined fail-fast (`try_join!`, `try_join_all`, `?` at the first of several handles): the first error returns and leaves the other tasks running, unowned.",
    has_fix: true,
    doc: include_str!("../../rules/fail_fast_leak.md"),
};

/// `[rules.fail_fast_leak]`
type Options = registry::FailFastLeakOptions;

// ---- the check -----------------------------------------------------------------------------

impl Rule for FailFastLeak {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn(&self, cx: &Cx, f: &FnNode, out: &mut Sink) {
        let check_tests = cx.config.options::<Options>().check_tests;
        let Some(facts) = handles::of_checked_fn(cx, f, check_tests) else {
            return;
        };
        let fan_out = |names: &[&str]| {
            std::iter::once(f.sig.ident.to_string().as_str())
                .chain(names.iter().copied())
                .any(|n| names_any(n, COLLECT_ALL_WORDS))
        };
        let help = |names: &[&str]| {
            if fan_out(names) {
                HELP_COLLECT_ALL
            } else {
                HELP_FAIL_FAST
            }
        };
        for join in &facts.joins {
            check_join(cx, &facts, join, &help, out);
        }
        // One finding per group of handles: `a.await??; b.await??; c.await??;` is reported at
        // `a`, the first await that can return early.
        let mut reported: HashSet<String> = HashSet::new();
        for early in &facts.early {
            if let Some(collection) = &early.loop_over {
                if !facts.aborted(collection) && reported.insert(collection.clone()) {
                    let diag = Diagnostic::new(META.id, early.span, message_loop(collection))
                        .with_label(LABEL_EARLY);
                    out.report(finish(diag, help(&[collection])));
                }
                continue;
            }
            let live: Vec<(String, Option<Span>)> = facts
                .live_at(early.at, early.body, &early.awaited)
                .into_iter()
                .filter(|(n, _)| !facts.aborted(n))
                .map(|(n, h)| (n.to_string(), h.spawn))
                .collect();
            let spawns: Vec<Span> = live.iter().filter_map(|(_, s)| *s).collect();
            let live: Vec<String> = live.into_iter().map(|(n, _)| n).collect();
            if live.is_empty() || live.iter().all(|n| reported.contains(n)) {
                continue;
            }
            reported.extend(live.iter().cloned());
            let written = cx.snippet(early.span);
            let awaited = if written.len() <= 40 {
                written.to_string()
            } else {
                format!("{}.await", early.awaited)
            };
            let mut diag = Diagnostic::new(META.id, early.span, message_early(&awaited, &live))
                .with_label(LABEL_EARLY);
            for s in &spawns {
                diag = diag.with_secondary(*s, LABEL_SPAWNED);
            }
            if spawns.len() == live.len() {
                diag = with_fix(cx, diag, &spawns);
            }
            let names: Vec<&str> = live.iter().map(String::as_str).collect();
            out.report(finish(diag, help(&names)));
        }
    }
}

fn check_join(
    cx: &Cx,
    facts: &FnHandles,
    join: &handles::FailFastJoin,
    help: &dyn Fn(&[&str]) -> &'static str,
    out: &mut Sink,
) {
    if let Some(collection) = &join.collection {
        if facts.aborted(collection) {
            return;
        }
        let name = facts
            .collections
            .contains(collection)
            .then_some(collection.as_str());
        let diag = Diagnostic::new(META.id, join.span, message_join_all(&join.written, name))
            .with_label(LABEL_JOIN);
        out.report(finish(diag, help(&[collection])));
        return;
    }
    let mut names = Vec::new();
    let mut spawns = Vec::new();
    for h in &join.handles {
        match h {
            Joined::Local(n) if facts.aborted(n) => {}
            Joined::Local(n) => {
                if !names.contains(n) {
                    names.push(n.clone());
                    spawns.extend(
                        facts
                            .handle_at(n, join.span.byte_start)
                            .and_then(|h| h.spawn),
                    );
                }
            }
            Joined::Inline(s) => spawns.push(*s),
        }
    }
    let inline = join
        .handles
        .iter()
        .filter(|h| matches!(h, Joined::Inline(_)))
        .count();
    if names.is_empty() && inline == 0 {
        return;
    }
    let mut diag = Diagnostic::new(META.id, join.span, message_join(&join.written, &names))
        .with_label(LABEL_JOIN);
    if spawns.len() == names.len() + inline {
        diag = with_fix(cx, diag, &spawns);
    }
    let named: Vec<&str> = names.iter().map(String::as_str).collect();
    out.report(finish(diag, help(&named)));
}

fn finish(diag: Diagnostic, help: &str) -> Diagnostic {
    diag.with_help(help).with_note(NOTE_WHY)
}

/// The spawns wrapped in `AbortOnDropHandle::new(..)` ([`crate::fix::abort_on_drop`]).
fn with_fix(cx: &Cx, diag: Diagnostic, spawns: &[Span]) -> Diagnostic {
    match crate::fix::abort_on_drop(cx, spawns, FIX) {
        Some(s) => diag.with_suggestion(s),
        None => diag,
    }
}
