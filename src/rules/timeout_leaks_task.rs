//! See rules/timeout_leaks_task.md.

use super::{FnNode, Rule, RuleMeta, Sink};
use crate::diagnostic::Diagnostic;
use crate::registry;
use crate::semantic::handles::{self, Deadline, FnHandles};
use crate::semantic::Cx;

// ---- what the user reads -------------------------------------------------------------------

fn task_of(handle: Option<&str>) -> String {
    match handle {
        Some(h) => format!("the task behind `{h}`"),
        None => "the task spawned here".into(),
    }
}

fn message_moved(written: &str, handle: Option<&str>) -> String {
    format!(
        "when `{written}` elapses it drops the handle, and {} keeps running: dropping a `JoinHandle` does not stop its task",
        task_of(handle)
    )
}

fn message_by_ref(written: &str, handle: &str) -> String {
    format!(
        "when `{written}` elapses, nothing aborts the task behind `{handle}`: the caller stops waiting and the task runs on"
    )
}

fn message_select(handle: &str) -> String {
    format!(
        "when the timer branch of this `select!` wins, the task behind `{handle}` keeps running: nothing aborts it"
    )
}

const LABEL: &str = "the deadline gives up on the handle, not on the task";
const LABEL_TIMER: &str = "this branch stops waiting for the task";

fn help(handle: Option<&str>) -> String {
    match handle {
        Some(h) => format!(
            "stop the task when the deadline passes: poll `&mut {h}` and call `{h}.abort()` \
             on `Err(Elapsed)` (or in the timer branch), or wrap the handle in \
             `tokio_util::task::AbortOnDropHandle`, which aborts the task when it is dropped"
        ),
        None => "keep the handle, poll `&mut handle` under the deadline and call \
                 `handle.abort()` when it elapses, or wrap the spawn in \
                 `tokio_util::task::AbortOnDropHandle::new(..)`"
            .into(),
    }
}

const NOTE_WHY: &str = "a deadline drops the future it gives up on; for a `JoinHandle` that \
detaches the task (tokio: \"a JoinHandle detaches the associated task when it is dropped\"), so \
the work the caller timed out on goes on using connections, memory and CPU";

const FIX: &str = "abort the task when the deadline drops its handle";

// ---- metadata ------------------------------------------------------------------------------

pub struct TimeoutLeaksTask;

static META: RuleMeta = RuleMeta {
    entry: &registry::TIMEOUT_LEAKS_TASK,
    summary: "A deadline on a spawned task's `JoinHandle` (`timeout(d, handle)`, a `select!` against a timer) that does not abort the task: the caller gives up and the task runs on.",
    has_fix: true,
    doc: include_str!("../../rules/timeout_leaks_task.md"),
};

/// `[rules.timeout_leaks_task]`
type Options = registry::TimeoutLeaksTaskOptions;

// ---- the check -----------------------------------------------------------------------------

impl Rule for TimeoutLeaksTask {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn(&self, cx: &Cx, f: &FnNode, out: &mut Sink) {
        let check_tests = cx.config.options::<Options>().check_tests;
        let Some(facts) = handles::of_checked_fn(cx, f, check_tests) else {
            return;
        };
        for d in &facts.deadlines {
            if leaks(&facts, d) {
                report(cx, &facts, d, out);
            }
        }
    }
}

/// Does the task outlive the deadline unowned?
fn leaks(facts: &FnHandles, d: &Deadline) -> bool {
    let Some(name) = &d.handle else {
        return true;
    };
    // The item of a loop over handles, moved into the deadline.
    if let Some(collection) = &d.from_collection {
        return !d.by_ref && !facts.aborted(collection);
    }
    let Some(h) = facts.handle_at(name, d.span.byte_start) else {
        return false;
    };
    // `spawn_blocking`: `abort` cannot stop a closure that has started, so there is no better
    // code to suggest.
    if h.blocking || facts.aborted(name) {
        return false;
    }
    // `&mut h`: the handle survives. Awaited, aborted or handed on afterwards, or polled again
    // by a loop around the deadline, the caller still owns the task.
    !(d.by_ref && (facts.used_after(name, d.at) || d.loop_start.is_some_and(|s| h.bound_at < s)))
}

fn report(cx: &Cx, facts: &FnHandles, d: &Deadline, out: &mut Sink) {
    let handle = d.handle.as_deref();
    let message = match (d.timer, handle) {
        (Some(_), Some(h)) => message_select(h),
        (None, Some(h)) if d.by_ref => message_by_ref(&d.written, h),
        _ => message_moved(&d.written, handle),
    };
    let mut diag = Diagnostic::new(META.id, d.span, message)
        .with_label(LABEL)
        .with_help(help(handle))
        .with_note(NOTE_WHY);
    if let Some(timer) = d.timer {
        diag = diag.with_secondary(timer, LABEL_TIMER);
    }
    let spawn = match handle {
        Some(h) => facts.handle_at(h, d.span.byte_start).and_then(|h| h.spawn),
        None => d.inline,
    };
    if let Some(s) = spawn.and_then(|s| crate::fix::abort_on_drop(cx, &[s], FIX)) {
        diag = diag.with_suggestion(s);
    }
    out.report(diag);
}
