//! Fresh cancellation tokens: which tokens a fn has (parameters, `self`'s token fields by the
//! struct's declaration in this file), and which new `CancellationToken`s its body hands on
//! unlinked. One scan of the body, only for a fn whose text names the token type.

use super::dataflow::{names_used_in_expr, peel};
use super::known::cancel as k;
use super::{Cx, Tri};
use syn::visit::Visit;

/// A token the fn already has: `token` (a parameter) or `self.shutdown` (a field).
#[derive(Debug, Clone)]
pub struct ParentToken {
    /// As written in code: `token`, `self.shutdown`.
    pub expr: String,
    pub is_field: bool,
}

/// A `CancellationToken::new()` the fn hands on.
pub struct FreshToken {
    pub ctor: proc_macro2::Span,
    /// Where it goes: `tokio::spawn`, `Worker::new`, `run`.
    pub to: String,
    /// Made inside a closure or async block of the fn (where the parent may not be reachable).
    pub nested: bool,
}

/// Is `ty` the token type (also behind `&`, `Arc`)?
pub fn is_token_type(cx: &Cx, ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_token_type(cx, &r.elem),
        syn::Type::Paren(p) => is_token_type(cx, &p.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            if last.ident == "Arc" {
                if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                    if let Some(syn::GenericArgument::Type(t)) = a.args.first() {
                        return is_token_type(cx, t);
                    }
                }
                return false;
            }
            last.ident == super::known::last_segment(k::TOKEN_TYPES[0])
                && cx.is(&p.path, k::TOKEN_TYPES) != Tri::No
        }
        _ => false,
    }
}

/// Fields of token type of the structs this file declares: (struct, field).
pub struct TokenFields(pub Vec<(String, String)>);

/// [`TokenFields`] of this file, computed once.
pub fn token_fields(cx: &Cx) -> std::rc::Rc<TokenFields> {
    cx.file.memo.get(|| {
        let mut out = Vec::new();
        let mut stack: Vec<&syn::Item> = cx.file.ast.items.iter().collect();
        while let Some(item) = stack.pop() {
            match item {
                syn::Item::Struct(s) => {
                    for f in &s.fields {
                        if let Some(id) = &f.ident {
                            if is_token_type(cx, &f.ty) {
                                out.push((s.ident.to_string(), id.to_string()));
                            }
                        }
                    }
                }
                syn::Item::Mod(m) => {
                    if let Some((_, items)) = &m.content {
                        stack.extend(items.iter());
                    }
                }
                _ => {}
            }
        }
        TokenFields(out)
    })
}

/// The tokens a fn has: its token-typed parameters, and `self`'s token fields by the struct's
/// declaration in this file.
pub fn parent_tokens(cx: &Cx, sig: &syn::Signature, self_ty: Option<&str>) -> Vec<ParentToken> {
    let mut out = Vec::new();
    let mut has_self = false;
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(_) => has_self = true,
            syn::FnArg::Typed(t) => {
                if let syn::Pat::Ident(p) = &*t.pat {
                    if is_token_type(cx, &t.ty) {
                        out.push(ParentToken {
                            expr: p.ident.to_string(),
                            is_field: false,
                        });
                    }
                }
            }
        }
    }
    if let (true, Some(ty)) = (has_self, self_ty) {
        for (s, field) in token_fields(cx).0.iter() {
            if s == ty {
                out.push(ParentToken {
                    expr: format!("self.{field}"),
                    is_field: true,
                });
            }
        }
    }
    out
}

/// The fresh tokens a fn body hands to a task or a callee without wiring them to a signal of
/// its own (`cancel()`, `drop_guard()`) or keeping them (a field, a struct, a collection, the
/// return value).
///
/// A new token handed on together with the parent (the same call's arguments also reach
/// `token`, a clone of it, or `self.shutdown`: a task that selects on both) is combined, not
/// fresh.
pub fn fresh_tokens(cx: &Cx, body: &syn::Block, parents: &[ParentToken]) -> Vec<FreshToken> {
    let text = cx.snippet(cx.span(body.brace_token.span.join()));
    let ty = super::known::last_segment(k::TOKEN_TYPES[0]);
    if !text.contains(ty) {
        return Vec::new();
    }
    let mut scan = TokenScan {
        cx,
        depth: 0,
        calls: Vec::new(),
        bound: Vec::new(),
        wired: Default::default(),
        kept: Default::default(),
        handed: Vec::new(),
        direct: Vec::new(),
        parent_names: parents
            .iter()
            .filter(|p| !p.is_field)
            .map(|p| p.expr.clone())
            .collect(),
        parent_fields: parents
            .iter()
            .filter(|p| p.is_field)
            .map(|p| p.expr.clone())
            .collect(),
    };
    scan.visit_block(body);
    let mut out = Vec::new();
    for (span, to, nested) in scan.direct {
        out.push(FreshToken {
            ctor: span,
            to,
            nested,
        });
    }
    // A token and its clones share a fate: one of them cancelled or kept settles them all.
    let settled = |span: &proc_macro2::Span| {
        scan.bound.iter().any(|(n, s, _)| {
            s.byte_range() == span.byte_range() && (scan.wired.contains(n) || scan.kept.contains(n))
        })
    };
    let mut reported = Vec::new();
    for (name, span, nested) in &scan.bound {
        if settled(span) || reported.contains(&span.byte_range()) {
            continue;
        }
        if let Some((_, to)) = scan.handed.iter().find(|(n, _)| n == name) {
            reported.push(span.byte_range());
            out.push(FreshToken {
                ctor: *span,
                to: to.clone(),
                nested: *nested,
            });
        }
    }
    out
}

struct TokenScan<'c, 'a> {
    cx: &'c Cx<'a>,
    /// Closures and async blocks entered.
    depth: usize,
    /// The calls whose arguments are being visited, innermost last: how they are written.
    calls: Vec<String>,
    /// `let t = CancellationToken::new();`: (name, ctor span, nested).
    bound: Vec<(String, proc_macro2::Span, bool)>,
    /// Names wired to a signal of the fn (`t.cancel()`, `t.drop_guard()`).
    wired: std::collections::HashSet<String>,
    /// Names kept by the fn (stored, returned).
    kept: std::collections::HashSet<String>,
    /// (name, callee) of bound tokens handed to a call.
    handed: Vec<(String, String)>,
    /// Constructor calls passed straight to a call: (span, callee, nested).
    direct: Vec<(proc_macro2::Span, String, bool)>,
    /// The parent tokens as locals (parameters and their clones), and as `self.field`s.
    parent_names: std::collections::HashSet<String>,
    parent_fields: Vec<String>,
}

impl TokenScan<'_, '_> {
    /// Is `e` a new token, also wrapped (`Arc::new(CancellationToken::new())`, `Some(..)`)?
    fn is_ctor(&self, e: &syn::Expr) -> bool {
        self.ctor_in(e).is_some()
    }

    /// The `CancellationToken::new()` that `e` is, through wrappers.
    fn ctor_in<'e>(&self, e: &'e syn::Expr) -> Option<&'e syn::Expr> {
        let e = peel(e);
        if let Some(inner) = self.wrapped(e) {
            return match inner[..] {
                [one] => self.ctor_in(one),
                _ => None,
            };
        }
        let syn::Expr::Call(c) = e else {
            return None;
        };
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let n = p.path.segments.len();
        (n >= 2
            && p.path.segments[n - 2].ident == super::known::last_segment(k::TOKEN_TYPES[0])
            && matches!(
                p.path.segments[n - 1].ident.to_string().as_str(),
                "new" | "default"
            )
            && self.cx.is(&p.path, k::TOKEN_CTORS) != Tri::No)
            .then_some(e)
    }

    /// The values a wrapping call holds: `Arc::new(x)` (a [`k::VALUE_WRAPPERS`] type's `new`),
    /// or an enum variant or tuple struct (`Some(x)`, `Scope(x, y)`). Where the wrapper goes,
    /// they go: stored, returned or handed on with it.
    fn wrapped<'e>(&self, e: &'e syn::Expr) -> Option<Vec<&'e syn::Expr>> {
        match e {
            syn::Expr::Call(c) => self.wrapped_call(c),
            _ => None,
        }
    }

    fn wrapped_call<'e>(&self, c: &'e syn::ExprCall) -> Option<Vec<&'e syn::Expr>> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let segs = &p.path.segments;
        let last = segs.last()?.ident.to_string();
        let variant = last.starts_with(|c: char| c.is_ascii_uppercase());
        let wrapper_new = last == "new"
            && segs.len() >= 2
            && k::VALUE_WRAPPERS
                .iter()
                .any(|w| segs[segs.len() - 2].ident == super::known::last_segment(w))
            && {
                let mut ty = p.path.clone();
                ty.segments.pop();
                ty.segments.pop_punct();
                self.cx.is(&ty, k::VALUE_WRAPPERS) != Tri::No
            };
        (variant || wrapper_new)
            .then(|| c.args.iter().collect::<Vec<_>>())
            .filter(|a| !a.is_empty())
    }

    /// The bound tokens that are the value of `e` itself (a name, a clone, a wrapper or tuple of
    /// them), not names used somewhere inside it.
    fn value_names(&self, e: &syn::Expr) -> Vec<String> {
        match peel(e) {
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .map(|i| i.to_string())
                .filter(|n| self.bound_names().any(|b| b == n))
                .into_iter()
                .collect(),
            syn::Expr::MethodCall(m) if m.method == "clone" => self.value_names(&m.receiver),
            syn::Expr::Tuple(t) => t.elems.iter().flat_map(|x| self.value_names(x)).collect(),
            syn::Expr::Array(a) => a.elems.iter().flat_map(|x| self.value_names(x)).collect(),
            e => match self.wrapped(e) {
                Some(args) => args.into_iter().flat_map(|x| self.value_names(x)).collect(),
                None => Vec::new(),
            },
        }
    }

    fn bound_names(&self) -> impl Iterator<Item = &String> {
        self.bound.iter().map(|(n, _, _)| n)
    }

    /// The bound token names an expression mentions.
    fn mentions(&self, e: &syn::Expr) -> Vec<String> {
        let used = names_used_in_expr(e);
        self.bound_names()
            .filter(|n| used.contains(*n))
            .cloned()
            .collect()
    }

    /// Does an expression reach a parent token (by a local name or as `self.field`)?
    fn reaches_parent(&self, e: &syn::Expr) -> bool {
        let used = names_used_in_expr(e);
        if used.iter().any(|n| self.parent_names.contains(n)) {
            return true;
        }
        if self.parent_fields.is_empty() || !used.contains("self") {
            return false;
        }
        let text = self.cx.snippet(self.cx.span_of(e));
        self.parent_fields.iter().any(|f| text.contains(f.as_str()))
    }

    fn visit_args<'e>(&mut self, callee: String, args: impl Iterator<Item = &'e syn::Expr>) {
        let storing = matches!(
            callee.rsplit('.').next(),
            Some("push" | "insert" | "push_back" | "extend" | "set" | "replace")
        );
        let args: Vec<&syn::Expr> = args.collect();
        // Handed on together with the parent: the callee sees both.
        let with_parent = args
            .iter()
            .any(|a| !self.is_ctor(a) && self.reaches_parent(a));
        for a in args {
            if let Some(ctor) = self.ctor_in(a) {
                if !storing && !with_parent {
                    self.direct.push((
                        syn::spanned::Spanned::span(ctor),
                        callee.clone(),
                        self.depth > 0,
                    ));
                }
                continue;
            }
            // Stored is what the argument is (`v.push(t.clone())`); a token used inside it is
            // judged where it is used (`v.push(tokio::spawn(work(t.clone())))`).
            if storing {
                self.kept.extend(self.value_names(a));
            }
            for n in self.mentions(a) {
                if storing {
                } else if with_parent {
                    self.wired.insert(n);
                } else {
                    self.handed.push((n, callee.clone()));
                }
            }
            self.calls.push(callee.clone());
            self.visit_expr(a);
            self.calls.pop();
        }
    }
}

impl<'ast> Visit<'ast> for TokenScan<'_, '_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (syn::Pat::Ident(p), Some(init)) = (&l.pat, &l.init) {
            if let Some(ctor) = self.ctor_in(&init.expr) {
                self.bound.push((
                    p.ident.to_string(),
                    syn::spanned::Spanned::span(ctor),
                    self.depth > 0,
                ));
                return;
            }
            // `let parent = token.clone();`: the parent under another name.
            if self.reaches_parent(&init.expr) {
                self.parent_names.insert(p.ident.to_string());
            }
            // `let t2 = t.clone();`: the same token under another name.
            if let syn::Expr::MethodCall(m) = peel(&init.expr) {
                if m.method == "clone" {
                    if let Some(orig) = self.mentions(&m.receiver).into_iter().next() {
                        let span = self
                            .bound
                            .iter()
                            .find(|(n, _, _)| *n == orig)
                            .map(|(_, s, d)| (*s, *d));
                        if let Some((s, d)) = span {
                            self.bound.push((p.ident.to_string(), s, d));
                        }
                    }
                }
            }
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        // A wrapper is not work: where it goes, the token goes.
        if self.wrapped_call(c).is_some() {
            return syn::visit::visit_expr_call(self, c);
        }
        let callee = match &*c.func {
            syn::Expr::Path(p) => super::imports::segments(&p.path).join("::"),
            _ => String::new(),
        };
        self.visit_expr(&c.func);
        self.visit_args(callee, c.args.iter());
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if k::TOKEN_WIRING.contains(&name.as_str()) {
            for n in self.mentions(&m.receiver) {
                self.wired.insert(n);
            }
        }
        self.visit_expr(&m.receiver);
        let receiver = match peel(&m.receiver) {
            syn::Expr::Path(p) => super::imports::segments(&p.path).join("::"),
            _ => String::new(),
        };
        let callee = if receiver.is_empty() {
            format!(".{name}")
        } else {
            format!("{receiver}.{name}")
        };
        self.visit_args(callee, m.args.iter());
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        for n in self.mentions(&a.right) {
            self.kept.insert(n);
        }
        syn::visit::visit_expr_assign(self, a);
    }

    fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
        for f in &s.fields {
            for n in self.mentions(&f.expr) {
                self.kept.insert(n);
            }
        }
        syn::visit::visit_expr_struct(self, s);
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if let Some(e) = &r.expr {
            for n in self.mentions(e) {
                self.kept.insert(n);
            }
        }
        syn::visit::visit_expr_return(self, r);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        // A block's tail value leaves it (the fn's return value, or a binding's value).
        if let Some(syn::Stmt::Expr(tail, None)) = b.stmts.last() {
            if self.depth == 0 {
                for n in self.mentions(tail) {
                    self.kept.insert(n);
                }
            }
        }
        syn::visit::visit_block(self, b);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `select! { _ = t.cancelled() => .., _ = parent.cancelled() => t.cancel() }`: a
        // macro body that cancels a token wires it.
        let mut idents = std::collections::HashSet::new();
        super::dataflow::collect_token_idents(&m.tokens, &mut idents);
        if k::TOKEN_WIRING.iter().any(|w| idents.contains(*w)) {
            let names: Vec<String> = self.bound_names().cloned().collect();
            for n in names {
                if idents.contains(&n) {
                    self.wired.insert(n);
                }
            }
        }
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.depth += 1;
        syn::visit::visit_expr_closure(self, c);
        self.depth -= 1;
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.depth += 1;
        syn::visit::visit_expr_async(self, a);
        self.depth -= 1;
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
