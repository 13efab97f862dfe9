//! The one list of rules.
//!
//! A rule is a unit struct implementing [`Rule`] in `src/rules/<id>.rs`, documented in
//! `rules/<id>.md`, tested by `fixtures/<id>/`. Rules report what and where; the engine stamps
//! the configured level.

use crate::diagnostic::{Diagnostic, Level};
use crate::semantic::facts::Condition;
use crate::semantic::{Cx, FnKind};

pub mod async_without_await;
pub mod await_in_loop;
pub mod blocking_in_async;
pub mod detached_spawn;
pub mod lock_across_await;
pub mod missing_timeout;
pub mod unbounded_channel;
pub mod unbounded_join;

/// What the documentation, `--list-rules` and the config know about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    /// Canonical snake_case id.
    pub id: &'static str,
    /// One sentence, also the first paragraph of `rules/<id>.md`.
    pub summary: &'static str,
    pub default_level: Level,
    /// Whether findings carry a code suggestion.
    pub has_fix: bool,
    /// `rules/<id>.md`, compiled in.
    pub doc: &'static str,
    /// The keys of `[rules.<id>]`, for docs, `--explain` and "did you mean".
    pub options: &'static [OptionDoc],
    /// Checks a `[rules.<id>]` table against the rule's options type (unknown keys, types).
    pub validate_options: fn(toml::Value) -> Result<(), String>,
}

/// One option of a rule.
#[derive(Debug)]
pub struct OptionDoc {
    /// kebab-case, as written in TOML.
    pub name: &'static str,
    /// The default, as TOML.
    pub default: &'static str,
    pub doc: &'static str,
}

/// `validate_options` for a rule whose options type is `T`.
pub fn validate_as<T: serde::de::DeserializeOwned>(v: toml::Value) -> Result<(), String> {
    T::deserialize(v).map(|_| ()).map_err(|e| e.to_string())
}

/// The options type of rules that have none: any key is unknown.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoOptions {}

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
}

/// Every rule that checks code, in id order.
pub static RULES: &[&dyn Rule] = &[
    &async_without_await::AsyncWithoutAwait,
    &await_in_loop::AwaitInLoop,
    &blocking_in_async::BlockingInAsync,
    &detached_spawn::DetachedSpawn,
    &missing_timeout::MissingTimeout,
    &lock_across_await::LockAcrossAwait,
    &unbounded_channel::UnboundedChannel,
    &unbounded_join::UnboundedJoin,
];

/// The tool's own reports, which have ids and levels but no check.
pub static PARSE_ERROR: RuleMeta = RuleMeta {
    id: "parse_error",
    summary: "A file that cannot be read or parsed as Rust; it is not analyzed.",
    default_level: Level::Deny,
    has_fix: false,
    doc: include_str!("../../rules/parse_error.md"),
    options: &[],
    validate_options: validate_as::<NoOptions>,
};

pub static UNUSED_SUPPRESSION: RuleMeta = RuleMeta {
    id: "unused_suppression",
    summary: "An `// async-lint: allow(..)` comment that suppresses nothing.",
    default_level: Level::Warn,
    has_fix: true,
    doc: include_str!("../../rules/unused_suppression.md"),
    options: &[],
    validate_options: validate_as::<NoOptions>,
};

/// Metadata of every id the tool reports: the rules, then its own reports.
pub fn all_meta() -> impl Iterator<Item = &'static RuleMeta> {
    RULES
        .iter()
        .map(|r| r.meta())
        .chain([&PARSE_ERROR, &UNUSED_SUPPRESSION])
}

/// The canonical id for a name written in snake or kebab case (with or without `async_lint::`).
pub fn canonical_id(name: &str) -> Option<&'static str> {
    let name = name.replace('-', "_");
    let name = name.strip_prefix("async_lint::").unwrap_or(&name);
    all_meta().map(|m| m.id).find(|id| *id == name)
}

pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    let id = canonical_id(id)?;
    all_meta().find(|m| m.id == id)
}
