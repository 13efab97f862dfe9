//! See rules/fresh_cancellation_token.md.

use super::{FnNode, Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Suggestion};
use crate::registry;
use crate::semantic::tokens::{fresh_tokens, parent_tokens, FreshToken, ParentToken};
use crate::semantic::Cx;

// ---- what the user reads -------------------------------------------------------------------

fn message(parent: &ParentToken, fresh: &FreshToken) -> String {
    format!(
        "a new `CancellationToken` is handed to `{}` although this fn has `{}`: cancelling `{}` \
         never reaches that work",
        fresh.to, parent.expr, parent.expr
    )
}

const LABEL: &str = "a new root token, linked to nothing";

fn label_parent(parent: &ParentToken) -> &'static str {
    if parent.is_field {
        "the token this fn can reach through `self`"
    } else {
        "the token this fn is given"
    }
}

fn help(parent: &ParentToken) -> String {
    format!(
        "derive it from the token you have: `{}.child_token()` is cancelled when `{}` is, and \
         can still be cancelled on its own",
        parent.expr, parent.expr
    )
}

const NOTE_WHY: &str = "propagate cancellation, don't recreate it: a fresh token per layer \
means a shutdown of the parent leaves this work running";

fn suggestion(parent: &ParentToken) -> String {
    format!("derive it from `{}`", parent.expr)
}

// ---- metadata ------------------------------------------------------------------------------

pub struct FreshCancellationToken;

static META: RuleMeta = RuleMeta {
    entry: &registry::FRESH_CANCELLATION_TOKEN,
    summary: "A fn that has a `CancellationToken` hands a new, unlinked token to a task or callee, so the parent's cancellation never reaches that work.",
    has_fix: true,
    doc: include_str!("../../rules/fresh_cancellation_token.md"),
};

/// `[rules.fresh_cancellation_token]`
type Options = registry::FreshCancellationTokenOptions;

// ---- the check -----------------------------------------------------------------------------

impl Rule for FreshCancellationToken {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn(&self, cx: &Cx, f: &FnNode, out: &mut Sink) {
        let check_tests = cx.config.options::<Options>().check_tests;
        if !check_tests && (f.is_test || cx.in_test_code()) {
            return;
        }
        let parents = parent_tokens(cx, f.sig, f.self_ty.as_deref());
        let Some(parent) = parents.first() else {
            return;
        };
        for fresh in fresh_tokens(cx, f.body, &parents) {
            report(cx, f, parent, &fresh, out);
        }
    }
}

fn report(cx: &Cx, f: &FnNode, parent: &ParentToken, fresh: &FreshToken, out: &mut Sink) {
    let span = cx.span(fresh.ctor);
    let mut diag = Diagnostic::new(META.id, span, message(parent, fresh))
        .with_label(LABEL)
        .with_help(help(parent))
        .with_note(NOTE_WHY);
    if let Some(param) = (!parent.is_field)
        .then(|| {
            f.sig.inputs.iter().find_map(|i| match i {
                syn::FnArg::Typed(t) => match &*t.pat {
                    syn::Pat::Ident(p) if p.ident == parent.expr => Some(cx.span_of(&p.ident)),
                    _ => None,
                },
                _ => None,
            })
        })
        .flatten()
    {
        diag = diag.with_secondary(param, label_parent(parent));
    }
    // Inside a closure or async block the parent may have been moved: a person should look.
    let applicability = if fresh.nested {
        Applicability::MaybeIncorrect
    } else {
        Applicability::MachineApplicable
    };
    diag = diag.with_suggestion(Suggestion {
        message: suggestion(parent),
        edits: vec![Edit {
            span,
            replacement: format!("{}.child_token()", parent.expr),
        }],
        applicability,
    });
    out.report(diag);
}
