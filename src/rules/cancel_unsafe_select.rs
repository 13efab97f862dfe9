//! See rules/cancel_unsafe_select.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::Diagnostic;
use crate::registry;
use crate::semantic::cancel::{branch_op, in_loop, leaves_loop, BranchOp, Loss};
use crate::semantic::macros::{macro_name, SelectBranch};
use crate::semantic::Cx;

// ---- what the user reads -------------------------------------------------------------------

fn message(op: &BranchOp, written: &str) -> String {
    match op.loss {
        Loss::PartialIo => format!(
            "`{written}` is not cancel safe: each time another branch wins, what it has already \
             read or written is lost"
        ),
        Loss::Value => format!(
            "`{written}` is not cancel safe: each time another branch wins, the value it was \
             sending is dropped with the future"
        ),
        Loss::QueuePlace => format!(
            "`{written}` waits in a fair queue: each time another branch wins, it loses its place \
             and joins the back of the queue"
        ),
        Loss::Wrapped => format!(
            "`{written}` awaits a read, write or send that is not cancel safe: each time another \
             branch wins, what it has done so far is lost"
        ),
    }
}

fn label(op: &BranchOp) -> &'static str {
    match op.loss {
        Loss::QueuePlace => "a new wait, at the back of the queue, every time round the loop",
        _ => "a new future every time round the loop; the old one is dropped half done",
    }
}

const LABEL_SELECT: &str =
    "when another branch completes first, the loop runs this `select!` again";

fn help(op: &BranchOp) -> &'static str {
    match op.loss {
        Loss::PartialIo | Loss::Wrapped => {
            "create the future once before the loop, `tokio::pin!` it and select on `&mut fut` \
             (make a new one only after it completes), or read through a cancel-safe API: \
             `read_buf` into a buffer that outlives the loop, a framed codec \
             (`tokio_util::codec::FramedRead` + `next()`), or `read_until`"
        }
        Loss::Value => {
            "reserve capacity first and send with the permit (`let permit = tx.reserve().await?; \
             permit.send(value)`), or pin the send future outside the loop and select on \
             `&mut fut`"
        }
        Loss::QueuePlace => {
            "acquire outside the `select!` or pin the future outside the loop and select on \
             `&mut fut`, so the wait keeps its place; set `queue-places = false` if the order \
             does not matter here"
        }
    }
}

const NOTE_WHY: &str = "`select!` drops every branch future that did not complete; tokio's \
documentation lists which operations are cancel safe (see `--explain cancel_unsafe_select`)";

// ---- metadata ------------------------------------------------------------------------------

pub struct CancelUnsafeSelect;

static META: RuleMeta = RuleMeta {
    entry: &registry::CANCEL_UNSAFE_SELECT,
    summary: "A `select!` in a loop that recreates a future which is not cancel safe: each time another branch wins, the data, value or queue place it had is lost.",
    has_fix: false,
    doc: include_str!("../../rules/cancel_unsafe_select.md"),
};

/// `[rules.cancel_unsafe_select]`
type Options = registry::CancelUnsafeSelectOptions;

// ---- the check -----------------------------------------------------------------------------

impl Rule for CancelUnsafeSelect {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_select(
        &self,
        cx: &Cx,
        mac: &syn::Macro,
        branches: &[SelectBranch],
        _otherwise: &[syn::Expr],
        out: &mut Sink,
    ) {
        let options = cx.config.options::<Options>();
        if cx.skips_test_code(options.check_tests) || !in_loop(&cx.frames) {
            return;
        }
        for (i, branch) in branches.iter().enumerate() {
            let Some(op) = branch_op(cx, &branch.future, options.queue_places) else {
                continue;
            };
            // Another branch must be able to win and let the loop go round again: a `break`
            // out of the inner loop still comes back when an outer loop reads the same source.
            let comes_back = reentered_by_outer_loop(&cx.frames, op.call);
            let others_continue = branches.iter().enumerate().any(|(j, b)| {
                j != i && (!leaves_loop(&b.handler) || (comes_back && only_breaks(&b.handler)))
            });
            if !others_continue {
                continue;
            }
            report(cx, mac, &branch.future, &op, out);
        }
    }
}

/// Is the select inside a loop that is itself inside another loop (in the same fn), whose
/// iterations do not bind the operation's receiver afresh (`for conn in conns { loop { .. } }`
/// reads a new `conn` each time; `loop { ask(&mut sock); loop { .. sock.read_exact(..) } }`
/// reads the same `sock` again)?
fn reentered_by_outer_loop(frames: &[crate::semantic::Frame], call: &syn::Expr) -> bool {
    use crate::semantic::Frame;
    let root = match call {
        syn::Expr::MethodCall(m) => crate::semantic::dataflow::root_ident(&m.receiver),
        _ => None,
    };
    let mut loops = 0;
    for f in frames.iter().rev() {
        match f {
            Frame::Loop { pat_vars, .. } => {
                loops += 1;
                if loops >= 2 {
                    return root.as_ref().is_none_or(|r| !pat_vars.contains(r));
                }
            }
            Frame::Fn { .. } | Frame::Closure { .. } | Frame::AsyncBlock => return false,
            _ => {}
        }
    }
    false
}

/// A handler whose way out is a plain `break` (no `return`, no `?`).
fn only_breaks(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Break(b) => b.label.is_none(),
        syn::Expr::Block(b) => b
            .block
            .stmts
            .iter()
            .any(|s| matches!(s, syn::Stmt::Expr(syn::Expr::Break(b), _) if b.label.is_none())),
        _ => false,
    }
}

fn report(cx: &Cx, mac: &syn::Macro, future: &syn::Expr, op: &BranchOp, out: &mut Sink) {
    let written = match op.call {
        syn::Expr::Async(_) => format!("async {{ .. {}(..).await }}", op.name),
        call => describe(cx.snippet(cx.span_of(call)), &op.name),
    };
    let span = cx.span_of(future);
    let name = macro_name(mac);
    let select_span = cx.span_of(&mac.path).to(cx.span(mac.bang_token.span));
    let diag = Diagnostic::new(META.id, span, message(op, &written))
        .with_label(label(op))
        .with_secondary(select_span, LABEL_SELECT.replace("select", &name))
        .with_help(help(op))
        .with_note(NOTE_WHY);
    out.report_if(diag, op.unless.clone());
}

/// The call as written if short, else `.name(..)`.
fn describe(text: &str, name: &str) -> String {
    let one_line = super::one_line(text);
    if one_line.chars().count() <= 48 {
        one_line
    } else {
        format!("{name}(..)")
    }
}
