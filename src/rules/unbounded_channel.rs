//! See rules/unbounded_channel.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Suggestion};
use crate::registry;
use crate::semantic::channel_ends as ends;
use crate::semantic::dataflow::peel;
use crate::semantic::facts::Condition;
use crate::semantic::known::channels::{Ctor, Family};
use crate::semantic::Cx;

// ---- what the user reads -------------------------------------------------------------------

fn message(written: &str) -> String {
    format!("`{written}` creates a channel with no bound: nothing slows the producers down")
}

fn message_single(written: &str, tx: &str) -> String {
    format!("`{written}` creates an unbounded channel for a single message on `{tx}`")
}

const LABEL: &str = "unbounded buffer";

fn label_send(tx: &str) -> String {
    format!("`{tx}` sends only this one message")
}

const NOTE_WHY: &str = "when the consumer falls behind, messages pile up in memory until the \
process runs out of it; the problem shows only under load";

fn help(lib: Family, n: usize) -> String {
    match lib {
        Family::Tokio => format!(
            "bound it: `let (tx, rx) = mpsc::channel({n});` and `tx.send(msg).await?` waits \
             while {n} messages are queued (back-pressure); where the producer must not wait, \
             `tx.try_send(msg)` fails when the queue is full: drop or count the message there"
        ),
        Family::Futures => format!(
            "bound it: `let (tx, rx) = mpsc::channel({n});` and `tx.send(msg).await?` \
             (`futures::SinkExt`) waits while the buffer is full (back-pressure); where the \
             producer must not wait, `tx.try_send(msg)` fails when it is full: drop or count \
             the message there"
        ),
        Family::Bounded => format!(
            "bound it: `bounded({n})`, then `tx.send(msg).await` waits while {n} messages are \
             queued (back-pressure); where the producer must not wait, `tx.try_send(msg)` fails \
             when the queue is full: drop or count the message there"
        ),
        Family::Flume => format!(
            "bound it: `bounded({n})`, then `tx.send_async(msg).await` waits while {n} messages \
             are queued (back-pressure; a plain `send` would block the thread); where the \
             producer must not wait, `tx.try_send(msg)` fails when the queue is full: drop or \
             count the message there"
        ),
        Family::Blocking => format!(
            "bound it: `bounded({n})` gives back-pressure, but its `send` blocks the thread while \
             {n} messages are queued, which stalls an executor: in async code send with \
             `tx.try_send(msg)` (fails when full: drop or count the message there), or use an \
             async channel (`tokio::sync::mpsc::channel({n})`, flume's `send_async`)"
        ),
    }
}

fn help_single(lib: Family) -> &'static str {
    match lib {
        Family::Tokio => {
            "for one message use `tokio::sync::oneshot::channel()`: its `send` \
            cannot pile up, and the receiver learns when the sender is gone"
        }
        Family::Futures => "for one message use `futures::channel::oneshot::channel()`",
        Family::Bounded | Family::Flume | Family::Blocking => {
            "for one message use a oneshot channel, or `bounded(1)`"
        }
    }
}

fn note_capacity(n: usize) -> String {
    format!("{n} is the `capacity` option of this rule: pick it from how far the consumer may fall behind")
}

const NOTE_SENDS: &str = "after the change, each `send` of a bounded sender is awaited (or \
becomes `try_send`); the suggestion changes only the constructor";

fn suggestion_message(n: usize) -> String {
    format!("bound the channel at {n} messages")
}

// ---- metadata ------------------------------------------------------------------------------

pub struct UnboundedChannel;

static META: RuleMeta = RuleMeta {
    entry: &registry::UNBOUNDED_CHANNEL,
    summary: "An unbounded channel between async tasks: no back-pressure, so memory grows until the process dies when the consumer is slower than the producers.",
    has_fix: true,
    doc: include_str!("../../rules/unbounded_channel.md"),
};

/// `[rules.unbounded_channel]`
type Options = registry::UnboundedChannelOptions;

// ---- the check -----------------------------------------------------------------------------

impl Rule for UnboundedChannel {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_block(&self, cx: &Cx, b: &syn::Block, out: &mut Sink) {
        if b.stmts.is_empty() {
            return;
        }
        // Options are read once per file, not per block.
        let opts = cx.config.options::<Options>();
        if cx.skips_test_code(opts.check_tests) {
            return;
        }
        for (i, stmt) in b.stmts.iter().enumerate() {
            // Constructors in this statement, outside nested blocks (which get their own call).
            for (call, ctor) in ends::ctor_calls(cx, stmt) {
                let binding = match stmt {
                    syn::Stmt::Local(l)
                        if l.init
                            .as_ref()
                            .is_some_and(|init| matches!(peel(&init.expr), syn::Expr::Call(c) if std::ptr::eq(c, call))) =>
                    {
                        ends::channel_names(&l.pat)
                    }
                    _ => None,
                };
                let verdict = match &binding {
                    Some((tx, rx)) => ends::judge(
                        tx,
                        rx.as_deref(),
                        &b.stmts[i + 1..],
                        opts.allow_sync_producers,
                    ),
                    None => ends::Verdict::Report,
                };
                // A channel of a thread-capable library made outside async code links tasks only
                // where its sender goes: into async code here, or into a field that async code
                // sends on somewhere in the crate.
                let mut unless = Vec::new();
                let destination = binding
                    .as_ref()
                    .map(|(tx, _)| ends::sender_destination(tx, &b.stmts[i + 1..], cx.self_type()));
                if ctor.thread_capable && !cx.in_async() {
                    match &destination {
                        None | Some(ends::Destination::Elsewhere) => continue,
                        Some(ends::Destination::Async) => {}
                        Some(ends::Destination::Field(f)) => {
                            unless.push(Condition::SentFromAsync(f.clone()))
                        }
                    }
                }
                let field = match &destination {
                    Some(ends::Destination::Field(f)) => Some(f.as_str()),
                    _ => None,
                };
                // A sender kept in a field links tasks only if async code sends on that field
                // somewhere in the crate: sends from sync methods (a UI thread, a callback) are
                // the sync-to-async bridge tokio recommends an unbounded channel for.
                if let (Some(f), false) = (field, ctor.thread_capable && !cx.in_async()) {
                    unless.push(Condition::SentFromAsync(f.to_string()));
                }
                if ends::is_unit_channel(call)
                    || ends::carries_reply(cx, call, field)
                    || binding
                        .as_ref()
                        .is_some_and(|(tx, rx)| ends::notification(tx, rx.as_deref()))
                {
                    continue;
                }
                match verdict {
                    ends::Verdict::Quiet => {}
                    ends::Verdict::Report => report(cx, call, ctor, None, opts, unless, out),
                    ends::Verdict::Single(send) => {
                        let tx = binding.as_ref().map(|(t, _)| t.as_str()).unwrap_or("tx");
                        report(cx, call, ctor, Some((tx, send)), opts, unless, out)
                    }
                }
            }
        }
    }
}

fn report(
    cx: &Cx,
    call: &syn::ExprCall,
    ctor: &Ctor,
    single: Option<(&str, proc_macro2::Span)>,
    opts: &Options,
    unless: Vec<Condition>,
    out: &mut Sink,
) {
    let n = opts.capacity.max(1);
    let span = cx.span_of(call);
    let syn::Expr::Path(p) = &*call.func else {
        return;
    };
    let mut segs: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let written = format!(
        "{}{}",
        if p.path.leading_colon.is_some() {
            "::"
        } else {
            ""
        },
        segs.join("::")
    );
    let generics = p
        .path
        .segments
        .last()
        .map(|s| match &s.arguments {
            syn::PathArguments::None => String::new(),
            a => cx.snippet(cx.span_of(a)).to_string(),
        })
        .unwrap_or_default();
    let mut diag = match single {
        Some((tx, send)) => Diagnostic::new(META.id, span, message_single(&written, tx))
            .with_label(LABEL)
            .with_secondary(cx.span(send), label_send(tx))
            .with_help(help_single(ctor.family)),
        None => Diagnostic::new(META.id, span, message(&written))
            .with_label(LABEL)
            .with_help(help(ctor.family, n))
            .with_note(NOTE_WHY)
            .with_note(note_capacity(n)),
    };
    if single.is_none() {
        // `mpsc::unbounded_channel()` → `mpsc::channel(N)`; a bare imported name gets the
        // full path, since the bounded constructor is not imported.
        if segs.len() == 1 {
            segs = ctor.path.split("::").map(str::to_string).collect();
        }
        segs.pop();
        segs.push(ctor.bounded.to_string());
        let base = format!(
            "{}{}{generics}",
            if p.path.leading_colon.is_some() && segs.len() > 1 {
                "::"
            } else {
                ""
            },
            segs.join("::")
        );
        diag = diag.with_note(NOTE_SENDS).with_suggestion(Suggestion {
            message: suggestion_message(n),
            edits: vec![Edit {
                span,
                replacement: format!("{base}({n})"),
            }],
            // Display-only: every `send` on the sender must become `send(..).await` and every
            // declared `UnboundedSender` type must change too, which the constructor alone
            // does not say; applied alone it would not compile (or silently drop messages).
            applicability: Applicability::DisplayOnly,
        });
    }
    out.report_if(diag, unless);
}
