//! See rules/async_without_await.md.

use super::{FnNode, Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Suggestion};
use crate::registry;
use crate::semantic::call_sites::FnTarget;
use crate::semantic::calls::needs_runtime;
use crate::semantic::facts::{fn_keys, twin_key, Condition};
use crate::semantic::known::attrs::{INERT_ATTRS, INERT_PATHS, INERT_TOOLS};
use crate::semantic::{Cx, FnKind, Frame};

// ---- what the user reads -------------------------------------------------------------------

fn message(name: &str, public: bool) -> String {
    if public {
        format!("public `async fn {name}` never awaits; removing `async` changes its API")
    } else {
        format!("`async fn {name}` never awaits")
    }
}

const LABEL: &str = "this function is `async` but its body has no `.await`";

const NOTE_WHY: &str = "an `async fn` only returns a future: every caller has to be async and \
`.await` it, and nothing in this body ever yields to the executor";

fn note_nested(lines: &[u32]) -> String {
    let list = lines
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let s = if lines.len() == 1 { "" } else { "s" };
    format!(
        "the `.await`{s} on line{s} {list} belong to an `async` block or closure created here, \
         a separate future that this function only returns or hands on"
    )
}

const HELP: &str = "remove `async` and drop the `.await` at each call site";

const HELP_PUBLIC: &str = "remove `async` and drop the `.await` at each call site; this is a \
breaking change for users of the crate, so if the signature must stay `async` (it mirrors \
an async API), allow the lint here with a reason";

const SUGGESTION: &str = "remove `async`";

const SUGGESTION_WITH_CALLS: &str = "remove `async` and the `.await` of each call";

// ---- metadata ------------------------------------------------------------------------------

pub struct AsyncWithoutAwait;

static META: RuleMeta = RuleMeta {
    entry: &registry::ASYNC_WITHOUT_AWAIT,
    summary: "An `async fn` whose body never awaits: it colors every caller async for nothing.",
    has_fix: true,
    doc: include_str!("../../rules/async_without_await.md"),
};

// ---- the check -----------------------------------------------------------------------------

impl Rule for AsyncWithoutAwait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn(&self, cx: &Cx, f: &FnNode, out: &mut Sink) {
        let Some(async_token) = f.sig.asyncness else {
            return;
        };
        // The signature is dictated by a trait, or by a macro that rewrites the fn.
        if matches!(f.kind, FnKind::TraitImpl | FnKind::TraitDefault) {
            return;
        }
        if in_attr_macro_impl(cx) || f.attrs.iter().any(is_attribute_macro) {
            return;
        }
        // The author already allowed clippy's version of this lint.
        if f.attrs.iter().any(allows_clippy_unused_async) {
            return;
        }
        let Some(awaits) = &f.awaits else { return };
        if awaits.awaits() {
            return;
        }
        if is_stub(f.body) || needs_runtime(cx, f.body) {
            return;
        }

        let name = f.sig.ident.to_string();
        let public = cx.krate.has_lib
            && matches!(f.vis, Some(syn::Visibility::Public(_)))
            && !matches!(f.kind, FnKind::Nested)
            && !cx.file.is_test_target;
        let mut diag =
            Diagnostic::new(META.id, cx.span(f.sig.ident.span()), message(&name, public))
                .with_label(LABEL)
                .with_note(NOTE_WHY);
        if !awaits.nested.is_empty() {
            let mut lines: Vec<u32> = awaits
                .nested
                .iter()
                .map(|s| s.start().line as u32)
                .collect();
            lines.dedup();
            diag = diag.with_note(note_nested(&lines));
        }
        diag = diag.with_help(if public { HELP_PUBLIC } else { HELP });
        let async_span = cx.span(async_token.span);
        let after = cx.file.text[async_span.byte_end..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .count();
        let mut remove = async_span;
        remove.byte_end += after;
        remove.column_end += after as u32;
        // The callers' `.await`s (in this file and others) must go too: the crate's facts add
        // them and make the fix safe when every call site is known (`FixAtCallSites`), or drop
        // the suggestion (`call_sites::settle`).
        diag = diag.with_suggestion(Suggestion {
            message: SUGGESTION.into(),
            edits: vec![Edit {
                span: remove,
                replacement: String::new(),
            }],
            applicability: Applicability::DisplayOnly,
        });

        let module = enclosing_module(cx);
        let keys = fn_keys(&module, f.self_ty.as_deref(), &name);
        let mut unless: Vec<Condition> = keys
            .iter()
            .flat_map(|k| {
                [
                    Condition::NotUsedAsValue(k.clone()),
                    Condition::NotUsedAsFuture(k.clone()),
                ]
            })
            .collect();
        if f.self_ty.is_some() {
            // Identifiers of a macro body we could not parse are recorded bare.
            unless.push(Condition::NotUsedAsValue(name.clone()));
            // A method spawned or pinned on a receiver of unknown type.
            unless.push(Condition::NotUsedAsFuture(format!(
                "{}::{name}",
                crate::semantic::facts::UNKNOWN_RECEIVER
            )));
        }
        unless.extend(awaits.macros.iter().map(|m| {
            if crate::semantic::macros::is_known_non_awaiting(m) {
                Condition::NoAwaitingMacro(m.clone())
            } else {
                Condition::MacroKnownNotToAwait(m.clone())
            }
        }));
        if f.cfg_gated {
            // A `#[cfg]` variant of the same item that awaits: both keep one signature.
            unless.push(Condition::NoAwaitingTwin(twin_key(
                f.self_ty.as_deref(),
                &name,
            )));
        }
        if !public && fixable_kind(cx, f) {
            unless.push(Condition::FixAtCallSites(FnTarget {
                key: keys[0].clone(),
                name,
                method: f.self_ty.is_some(),
                message: SUGGESTION_WITH_CALLS,
            }));
        } else {
            diag.suggestion = None;
        }
        out.report_if(diag, unless);
    }
}

/// A fn whose calls the crate's facts can all name: a free fn of a module or an inherent
/// method, written in the source (not in a macro body), with no `#[cfg]` twin, and not
/// exported under a symbol name (`#[no_mangle]`, `#[export_name]`: called from outside).
fn fixable_kind(cx: &Cx, f: &FnNode) -> bool {
    matches!(f.kind, FnKind::Free | FnKind::Inherent)
        && !f.cfg_gated
        && !cx.frames.iter().any(|fr| matches!(fr, Frame::Macro { .. }))
        && !f.attrs.iter().any(exports_symbol)
}

/// `#[no_mangle]`, `#[export_name = ".."]`, or either inside `#[unsafe(..)]`.
fn exports_symbol(attr: &syn::Attribute) -> bool {
    let named = |p: &syn::Path| p.is_ident("no_mangle") || p.is_ident("export_name");
    named(attr.path())
        || (attr.path().is_ident("unsafe")
            && attr
                .parse_args::<syn::Meta>()
                .is_ok_and(|m| named(m.path())))
}

/// The module the fn is in: the file's module path, then the inline modules around it.
fn enclosing_module(cx: &Cx) -> Vec<String> {
    let mut module = cx.file.module_path.to_vec();
    let inline = cx.frames.iter().filter_map(|f| match f {
        Frame::Mod { name, .. } => Some(name.clone()),
        _ => None,
    });
    // The first module frame is the file's own module.
    module.extend(inline.skip(1));
    module
}

// ---- helpers -------------------------------------------------------------------------------

/// Attributes that do not rewrite the fn (everything else may be a macro that needs `async`).
fn is_attribute_macro(attr: &syn::Attribute) -> bool {
    let path = attr.path();
    if path.segments.len() == 1 {
        let name = path.segments[0].ident.to_string();
        if name == "cfg_attr" {
            // `#[cfg_attr(feature = "x", some_macro)]`: a macro unless every attribute is inert.
            return cfg_attr_has_macro(attr);
        }
        return !INERT_ATTRS.contains(&name.as_str());
    }
    // `#[tracing::instrument]`, `#[rustfmt::skip]`, `#[clippy::...]` work on sync fns too.
    let segs = crate::semantic::imports::segments(path);
    !(INERT_TOOLS.contains(&segs[0].as_str()) || INERT_PATHS.contains(&segs.join("::").as_str()))
}

fn cfg_attr_has_macro(attr: &syn::Attribute) -> bool {
    let Ok(list) = attr.meta.require_list() else {
        return true;
    };
    let parsed = list.parse_args_with(
        syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
    );
    let Ok(metas) = parsed else { return true };
    metas.iter().skip(1).any(|m| {
        let fake: syn::Attribute = syn::parse_quote!(#[#m]);
        is_attribute_macro(&fake)
    })
}

/// `#[allow(clippy::unused_async)]` / `#[expect(clippy::unused_async)]`, or any clippy lint of
/// that family (`clippy::unused_async_trait_impl`): the author kept `async` knowingly.
fn allows_clippy_unused_async(attr: &syn::Attribute) -> bool {
    let p = attr.path();
    (p.is_ident("allow") || p.is_ident("expect"))
        && attr.meta.require_list().is_ok_and(|l| {
            l.tokens
                .to_string()
                .replace(' ', "")
                .split(',')
                .any(|lint| lint.starts_with("clippy::unused_async"))
        })
}

/// Inside an impl with an attribute macro (`#[async_trait] impl Foo { .. }`).
fn in_attr_macro_impl(cx: &Cx) -> bool {
    cx.frames
        .iter()
        .rev()
        .find_map(|f| match f {
            Frame::Impl { has_attr_macro, .. } => Some(*has_attr_macro),
            _ => None,
        })
        .unwrap_or(false)
}

/// A placeholder: an empty body, one that only panics (`todo!()`, `unimplemented!()`, ...), or
/// one whose last statement is `todo!()`/`unimplemented!()` after some set-up (as clippy's
/// `unused_async` exempts).
fn is_stub(body: &syn::Block) -> bool {
    let stmts = &body.stmts;
    let Some(last) = stmts.last() else {
        return true;
    };
    let name = |s: &syn::Stmt| match s {
        syn::Stmt::Macro(m) => Some(crate::semantic::macros::macro_name(&m.mac)),
        syn::Stmt::Expr(syn::Expr::Macro(m), _) => {
            Some(crate::semantic::macros::macro_name(&m.mac))
        }
        _ => None,
    };
    matches!(name(last).as_deref(), Some("todo" | "unimplemented"))
        || stmts.iter().all(|s| {
            matches!(
                name(s).as_deref(),
                Some("todo" | "unimplemented" | "unreachable" | "panic")
            )
        })
}
