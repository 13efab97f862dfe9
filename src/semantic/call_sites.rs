//! Call sites of a fn across the crate, for a fix that must change every one of them.
//!
//! The engine's walk records, per callee key ([`super::facts::use_key`],
//! [`super::facts::method_key`]), the `.await` suffix of each call awaited in place
//! (`f(..).await`, `Self::f(..).await`, `self.f(..).await`), and the calls a fix cannot follow
//! (awaited through an adapter or inside a macro body, a path that leaves the crate, a method
//! call not awaited in place). After the crate is analyzed, [`settle`] turns a finding's
//! [`FnTarget`] into edits on every file, or drops the suggestion when a call site is unknown.

use super::facts::CrateFacts;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Span};

/// A fn whose callers' `.await`s a fix removes: its primary key (`Type::name`,
/// `module::name`), its name, and whether it is a method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnTarget {
    pub key: String,
    pub name: String,
    pub method: bool,
    /// The suggestion's title once the call sites join it.
    pub message: &'static str,
}

/// The span of the `.await` of `a`: from the end of the awaited expression (the whitespace
/// before the `.`) to the end of `await` (`f(x)\n    .await?` → `f(x)?`). When the line before
/// ends in a comment, the line break stays (else the comment would swallow what follows).
/// Found from the `.` token and the text, not from the awaited expression's span, which syn
/// computes by printing the whole expression.
pub fn await_suffix(cx: &super::Cx, a: &syn::ExprAwait) -> Span {
    let text = cx.file.text;
    let dot = cx.span(a.dot_token.span).byte_start.min(text.len());
    let end = cx.span(a.await_token.span).byte_end.clamp(dot, text.len());
    let before = text[..dot].trim_end_matches(char::is_whitespace);
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let start = if line.contains("//") || before.ends_with("*/") {
        dot
    } else {
        before.len()
    };
    cx.file.lines.span(text, start, end)
}

/// Is the called path certainly an item of this crate (`crate::`, `self::`, `super::`, `Self::`,
/// or resolved through the file's scopes to a local item)?
pub fn is_local_path(path: &syn::Path, resolver: &super::Resolver) -> bool {
    if path.leading_colon.is_some() {
        return false;
    }
    let first = path.segments.first().map(|s| s.ident.to_string());
    if matches!(first.as_deref(), Some("crate" | "self" | "super" | "Self")) {
        return true;
    }
    matches!(resolver.resolve(path), super::Resolution::Known(full) if full.first().is_some_and(|s| s == "crate"))
}

/// The `.await` suffixes to remove with the fn's `async`, as (file, span), when every call of
/// the fn in the crate is known and awaited in place; `None` otherwise. Every file of the crate
/// must have been walked, the fn's key must name one fn, and no call, use as a value, or
/// kept future may be of a same-named fn the keys cannot tell apart from this one (a call
/// through a re-export, on a receiver of unknown or another type, a glob import).
pub fn sites(t: &FnTarget, facts: &CrateFacts) -> Option<Vec<(usize, Span)>> {
    if !facts.whole_crate || facts.fn_defs.get(&t.key) != Some(&1) {
        return None;
    }
    let suffix = format!("::{}", t.name);
    // A key that may name this fn: its own, or one that names no other fn of the crate (a
    // re-export, an alias, a receiver of unknown or another type, a bare or glob-imported
    // name). Another fn's own key (`nested::checksum`) is that fn's.
    let same_name = |k: &String| {
        k == &t.key || ((k == &t.name || k.ends_with(&suffix)) && !facts.fn_defs.contains_key(k))
    };
    let other = |k: &String| same_name(k) && k != &t.key;
    if facts.await_sites.keys().any(other) {
        return None;
    }
    // Method calls not awaited in place are known by name only (a receiver's type rarely is).
    if t.method && facts.unawaited_methods.contains(&t.name) {
        return None;
    }
    if facts.unfixable_calls.iter().any(same_name)
        || facts.value_uses.iter().any(same_name)
        || facts.future_uses.iter().any(same_name)
    {
        return None;
    }
    let mut out = facts.await_sites.get(&t.key).cloned().unwrap_or_default();
    out.sort();
    out.dedup();
    Some(out)
}

/// Settle the cross-file fix of a finding about `t`: the `.await` of each call joins its
/// suggestion (in its own file or [`Diagnostic::suggestion_elsewhere`]) and the fix becomes
/// safe; if a call site is unknown, the finding carries no fix at all.
pub fn settle(diag: &mut Diagnostic, t: &FnTarget, facts: &CrateFacts) {
    let Some(sites) = sites(t, facts) else {
        diag.suggestion = None;
        return;
    };
    let Some(s) = diag.suggestion.as_mut() else {
        return;
    };
    s.applicability = Applicability::MachineApplicable;
    if !sites.is_empty() {
        s.message = t.message.to_string();
    }
    for (file, span) in sites {
        let edit = Edit {
            span,
            replacement: String::new(),
        };
        if file == diag.file {
            s.edits.push(edit);
        } else {
            diag.suggestion_elsewhere.push((file, edit));
        }
    }
    // Renderers of one file (human, short) show only its edits: the title says there are more.
    let mut others: Vec<usize> = diag.suggestion_elsewhere.iter().map(|(f, _)| *f).collect();
    others.sort();
    others.dedup();
    match others.len() {
        0 => {}
        1 => s.message.push_str(" (also in 1 other file)"),
        n => s.message.push_str(&format!(" (also in {n} other files)")),
    }
}
