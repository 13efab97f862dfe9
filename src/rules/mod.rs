//! The one list of rules.
//!
//! A rule is a unit struct implementing [`Rule`] in `src/rules/<id>.rs`, documented in
//! `rules/<id>.md`, tested by `fixtures/<id>/`. Rules report what and where; the engine stamps
//! the configured level.

use crate::diagnostic::Diagnostic;
pub use crate::registry::{Entry, OptionDoc};
use crate::semantic::facts::Condition;
use crate::semantic::{Cx, FnKind};

pub mod async_without_await;
pub mod await_in_loop;
pub mod blocking_in_async;
pub mod cancel_unsafe_select;
pub mod detached_spawn;
pub mod fail_fast_leak;
pub mod fresh_cancellation_token;
pub mod lock_across_await;
pub mod missing_timeout;
pub mod timeout_leaks_task;
pub mod unbounded_channel;
pub mod unbounded_join;
pub mod unpolled_future;

/// What the documentation and `--list-rules` know about a rule, on top of its registry entry
/// (id, default level, options), which it dereferences to.
#[derive(Debug)]
pub struct RuleMeta {
    pub entry: &'static Entry,
    /// One sentence, also the first paragraph of `rules/<id>.md`.
    pub summary: &'static str,
    /// Whether findings carry a code suggestion.
    pub has_fix: bool,
    /// `rules/<id>.md`, compiled in.
    pub doc: &'static str,
}

impl std::ops::Deref for RuleMeta {
    type Target = Entry;
    fn deref(&self) -> &Entry {
        self.entry
    }
}

/// A function with a body, as rules see it.
pub struct FnNode<'a> {
    pub attrs: &'a [syn::Attribute],
    /// `None` for trait methods (which have no visibility of their own).
    pub vis: Option<&'a syn::Visibility>,
    pub sig: &'a syn::Signature,
    pub body: &'a syn::Block,
    pub kind: FnKind,
    /// `Client` for a method of `impl Client`.
    pub self_ty: Option<String>,
    /// Whether the fn, its impl or an enclosing module has a `#[cfg(..)]`.
    pub cfg_gated: bool,
    /// `#[test]`, `#[tokio::test]` and friends (the context stack does not hold the fn yet).
    pub is_test: bool,
    /// Awaits of the body (computed for `async fn`s only).
    pub awaits: Option<crate::semantic::awaits::AwaitSummary>,
}

/// A finding, and what the rest of the crate must confirm before it is reported.
#[derive(Debug, Clone)]
pub struct Finding {
    pub diag: Diagnostic,
    pub unless: Vec<Condition>,
}

/// Where rules put findings.
#[derive(Debug, Default)]
pub struct Sink {
    pub findings: Vec<Finding>,
    /// Keys of sync fns seen making a blocking call on their caller's thread (a crate-wide
    /// fact the engine merges: [`crate::semantic::facts::FileFacts::blocking_fns`]).
    pub blocking_fns: Vec<String>,
    /// Calls of crate fns made by a sync fn on its own thread, as (caller key, callee key): the
    /// edges along which a blocking call reaches the fn's callers
    /// ([`crate::semantic::facts::FileFacts::sync_calls`]).
    pub sync_calls: Vec<(String, String)>,
    /// Sync fns that block if a crate-wide fact holds (`path.exists()` on a value the crate
    /// declares a path): (fn key, the fact).
    pub blocking_fns_if: Vec<(String, crate::semantic::facts::Condition)>,
}

impl Sink {
    pub fn report(&mut self, diag: Diagnostic) {
        self.findings.push(Finding {
            diag,
            unless: Vec::new(),
        });
    }

    /// Report, to be dropped later if a crate-wide fact breaks one of `conditions`.
    pub fn report_if(&mut self, diag: Diagnostic, conditions: Vec<Condition>) {
        self.findings.push(Finding {
            diag,
            unless: conditions,
        });
    }
}

/// A lint rule. Hooks default to doing nothing; a rule implements the ones it needs.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Called once per fn with a body, before its body is walked.
    fn check_fn(&self, _cx: &Cx, _f: &FnNode, _out: &mut Sink) {}

    /// Called for every expression, outermost first.
    fn check_expr(&self, _cx: &Cx, _e: &syn::Expr, _out: &mut Sink) {}

    /// Called for every block (fn bodies, closures' and control flow's blocks), before its
    /// statements are walked.
    fn check_block(&self, _cx: &Cx, _b: &syn::Block, _out: &mut Sink) {}

    /// Called for every `select!` whose branches parsed, before its body is walked.
    fn check_select(
        &self,
        _cx: &Cx,
        _mac: &syn::Macro,
        _branches: &[crate::semantic::macros::SelectBranch],
        _otherwise: &[syn::Expr],
        _out: &mut Sink,
    ) {
    }
}

/// Every rule that checks code, in id order.
pub static RULES: &[&dyn Rule] = &[
    &async_without_await::AsyncWithoutAwait,
    &await_in_loop::AwaitInLoop,
    &blocking_in_async::BlockingInAsync,
    &cancel_unsafe_select::CancelUnsafeSelect,
    &detached_spawn::DetachedSpawn,
    &fail_fast_leak::FailFastLeak,
    &fresh_cancellation_token::FreshCancellationToken,
    &lock_across_await::LockAcrossAwait,
    &missing_timeout::MissingTimeout,
    &timeout_leaks_task::TimeoutLeaksTask,
    &unbounded_channel::UnboundedChannel,
    &unbounded_join::UnboundedJoin,
    &unpolled_future::UnpolledFuture,
];

/// The tool's own reports, which have ids and levels but no check.
pub static PARSE_ERROR: RuleMeta = RuleMeta {
    entry: &crate::registry::PARSE_ERROR,
    summary: "A file that cannot be read or parsed as Rust; it is not analyzed.",
    has_fix: false,
    doc: include_str!("../../rules/parse_error.md"),
};

pub static UNUSED_SUPPRESSION: RuleMeta = RuleMeta {
    entry: &crate::registry::UNUSED_SUPPRESSION,
    summary: "An `// async-lint: allow(..)` comment that suppresses nothing.",
    has_fix: true,
    doc: include_str!("../../rules/unused_suppression.md"),
};

/// Metadata of every id the tool reports: the rules, then its own reports.
/// Source text as a message quotes it: on one line, each run of whitespace one space, and none
/// where a chain written one call per line breaks (`conn\n    .query(..)\n    ?` is `conn.query(..)?`).
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let code: Vec<&str> = text.lines().map(strip_line_comment).collect();
    for piece in code.iter().flat_map(|l| l.split_whitespace()) {
        let glued = out.ends_with(['(', '[', '.']) || piece.starts_with(['.', '?', ')', ']']);
        if !out.is_empty() && !glued {
            out.push(' ');
        }
        out.push_str(piece);
    }
    out
}

/// A line without its `// comment` (a `//` inside a string literal is not one).
fn strip_line_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let (mut in_str, mut i) = (false, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'/' if !in_str && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
        i += 1;
    }
    line
}

pub fn all_meta() -> impl Iterator<Item = &'static RuleMeta> {
    RULES
        .iter()
        .map(|r| r.meta())
        .chain([&PARSE_ERROR, &UNUSED_SUPPRESSION])
}

pub use crate::registry::canonical_id;

pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    let id = canonical_id(id)?;
    all_meta().find(|m| m.id == id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_line_glues_a_chain_written_one_call_per_line() {
        let chain = "dir\n        .canonicalize()\n        .context(\"x\")\n        ?";
        assert_eq!(super::one_line(chain), "dir.canonicalize().context(\"x\")?");
        assert_eq!(super::one_line("f(\n    a,\n    b,\n)"), "f(a, b,)");
        assert_eq!(super::one_line("let  x =\ty"), "let x = y");
        let commented = "base // the root\n    .join(\"http://h\") // the url\n    .exists()";
        assert_eq!(
            super::one_line(commented),
            "base.join(\"http://h\").exists()"
        );
    }
}
