//! Small, type-free data-flow helpers: which local names a pattern binds, which names an
//! expression reads, what variable a method chain is rooted in.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::HashSet;
use syn::visit::Visit;

/// The names a pattern binds (`(a, Some(b))` → a, b).
pub fn pat_idents(pat: &syn::Pat) -> Vec<String> {
    struct V(Vec<String>);
    impl<'ast> Visit<'ast> for V {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
        // Paths in patterns (`Some`, `Kind::A`) are not bindings; field names in struct
        // patterns with shorthand are `PatIdent`s and are visited above.
    }
    let mut v = V(Vec::new());
    v.visit_pat(pat);
    v.0
}

/// Single-segment names read anywhere in `node` (including inside macro tokens).
pub fn names_used_in_expr(e: &syn::Expr) -> HashSet<String> {
    let mut v = NameCollector(HashSet::new());
    v.visit_expr(e);
    v.0
}

pub fn names_used_in_block(b: &syn::Block) -> HashSet<String> {
    let mut v = NameCollector(HashSet::new());
    v.visit_block(b);
    v.0
}

struct NameCollector(HashSet<String>);

impl<'ast> Visit<'ast> for NameCollector {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.qself.is_none() && p.path.segments.len() == 1 {
            self.0.insert(p.path.segments[0].ident.to_string());
        }
        syn::visit::visit_expr_path(self, p);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        collect_token_idents(&m.tokens, &mut self.0);
    }
    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        // `Foo { id }` reads `id`.
        if f.colon_token.is_none() {
            if let syn::Member::Named(n) = &f.member {
                self.0.insert(n.to_string());
            }
        }
        syn::visit::visit_field_value(self, f);
    }
}

pub fn collect_token_idents(tokens: &TokenStream, out: &mut HashSet<String>) {
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(it) = stack.last_mut() {
        match it.next() {
            None => {
                stack.pop();
            }
            Some(TokenTree::Group(g)) => stack.push(g.stream().into_iter()),
            Some(TokenTree::Ident(i)) => {
                out.insert(i.to_string());
            }
            Some(TokenTree::Literal(lit)) => format_args_idents(&lit.to_string(), out),
            Some(_) => {}
        }
    }
}

/// Inline format arguments in a string literal: `"{url}/x {n:?}"` reads `url` and `n`.
fn format_args_idents(lit: &str, out: &mut HashSet<String>) {
    if !lit.starts_with('"') && !lit.starts_with('r') {
        return;
    }
    let mut rest = lit;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if rest.starts_with('{') {
            rest = &rest[1..];
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
            out.insert(name);
        }
    }
}

/// The variable an expression is rooted in: `a` for `a.b.c()`, `&mut a[0]`, `(*a).x?`.
pub fn root_ident(e: &syn::Expr) -> Option<String> {
    let mut e = e;
    loop {
        e = match e {
            syn::Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
                return Some(p.path.segments[0].ident.to_string())
            }
            syn::Expr::Field(f) => &f.base,
            syn::Expr::MethodCall(m) => &m.receiver,
            syn::Expr::Index(i) => &i.expr,
            syn::Expr::Paren(p) => &p.expr,
            syn::Expr::Reference(r) => &r.expr,
            syn::Expr::Unary(u) => &u.expr,
            syn::Expr::Try(t) => &t.expr,
            syn::Expr::Await(a) => &a.base,
            syn::Expr::Group(g) => &g.expr,
            _ => return None,
        }
    }
}

/// A method chain, outermost call first: `Client::builder().timeout(d).build()?` gives the
/// root `Client::builder()` and the calls `build`, `timeout`. `?`, `.await`, parentheses and
/// references between the links are looked through.
pub fn method_chain(e: &syn::Expr) -> (&syn::Expr, Vec<&syn::ExprMethodCall>) {
    let mut calls = Vec::new();
    let mut e = e;
    loop {
        e = match e {
            syn::Expr::MethodCall(m) => {
                calls.push(m);
                &m.receiver
            }
            syn::Expr::Try(t) => &t.expr,
            syn::Expr::Await(a) => &a.base,
            syn::Expr::Paren(p) => &p.expr,
            syn::Expr::Group(g) => &g.expr,
            syn::Expr::Reference(r) => &r.expr,
            _ => return (e, calls),
        }
    }
}

/// The values an expression may end with: each branch tail of an `if`, a `match` or a block,
/// through nesting (`if a { x } else if b { y } else { z }`: `x`, `y`, `z`); the expression
/// itself otherwise.
pub fn branch_values(e: &syn::Expr) -> Vec<&syn::Expr> {
    fn tail<'e>(b: &'e syn::Block, out: &mut Vec<&'e syn::Expr>) {
        if let Some(syn::Stmt::Expr(e, None)) = b.stmts.last() {
            walk(e, out);
        }
    }
    fn walk<'e>(e: &'e syn::Expr, out: &mut Vec<&'e syn::Expr>) {
        match peel(e) {
            syn::Expr::If(i) => {
                tail(&i.then_branch, out);
                if let Some((_, e)) = &i.else_branch {
                    walk(e, out);
                }
            }
            syn::Expr::Match(m) => m.arms.iter().for_each(|a| walk(&a.body, out)),
            syn::Expr::Block(b) => tail(&b.block, out),
            e => out.push(e),
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out);
    out
}

/// A builder kept in a local and set step by step: `let mut b = Client::builder().x();
/// if c { b = b.proxy(p); } b.build()`. The call that made it (the root of the chain of the
/// last `let` of `name` before byte `at` of `body`, where the builder is used) and the name of
/// every method applied to it there and in each `b = b.y(..)` between that `let` and `at`.
/// `None` if no `let` binds it, or it is reassigned from anything else in between.
pub fn builder_history<'b>(
    body: &'b syn::Block,
    name: &str,
    at: usize,
) -> Option<(&'b syn::Expr, Vec<String>)> {
    use syn::spanned::Spanned;
    use syn::visit::Visit;
    struct V<'b, 'n> {
        name: &'n str,
        at: usize,
        /// The latest `let` before `at`: its start, its chain's root and methods.
        made: Option<(usize, &'b syn::Expr, Vec<String>)>,
        /// Reassignments before `at`: start, methods (`None`: from something else).
        steps: Vec<(usize, Option<Vec<String>>)>,
    }
    impl<'b> Visit<'b> for V<'b, '_> {
        fn visit_local(&mut self, l: &'b syn::Local) {
            let start = l.let_token.span.byte_range().start;
            if start < self.at && pat_idents(&l.pat).iter().any(|n| n == self.name) {
                if let Some(init) = &l.init {
                    let (root, calls) = method_chain(&init.expr);
                    let methods = calls.iter().map(|c| c.method.to_string()).collect();
                    self.made = Some((start, root, methods));
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_assign(&mut self, a: &'b syn::ExprAssign) {
            let start = a.span().byte_range().start;
            if start < self.at
                && matches!(peel(&a.left), syn::Expr::Path(p) if p.path.is_ident(self.name))
            {
                let (root, calls) = method_chain(&a.right);
                let own = matches!(peel(root), syn::Expr::Path(p) if p.path.is_ident(self.name));
                let methods = own.then(|| calls.iter().map(|c| c.method.to_string()).collect());
                self.steps.push((start, methods));
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_item(&mut self, _: &'b syn::Item) {}
    }
    let mut v = V {
        name,
        at,
        made: None,
        steps: Vec::new(),
    };
    v.visit_block(body);
    let (from, root, mut methods) = v.made?;
    for (start, step) in v.steps {
        if start > from {
            methods.extend(step?);
        }
    }
    Some((root, methods))
}

/// A `let` with an initializer and no `else`: its pattern (a type ascription taken off) and the
/// value it binds (`let _ = e;`, `let x: T = e;`).
pub fn let_parts(l: &syn::Local) -> Option<(&syn::Pat, &syn::Expr)> {
    let init = l.init.as_ref().filter(|i| i.diverge.is_none())?;
    let pat = match &l.pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    Some((pat, &init.expr))
}

/// The expressions a block-or-expression runs as its statements: each expression statement
/// of `{ .. }` (with or without `;`), or the expression itself.
pub fn expr_stmts(e: &syn::Expr) -> Vec<&syn::Expr> {
    match e {
        syn::Expr::Block(b) => b
            .block
            .stmts
            .iter()
            .filter_map(|s| match s {
                syn::Stmt::Expr(e, _) => Some(e),
                _ => None,
            })
            .collect(),
        e => vec![e],
    }
}

/// Is `e` the `self` of a method (through parentheses and references)?
pub fn is_self(e: &syn::Expr) -> bool {
    matches!(peel(e), syn::Expr::Path(p) if p.path.is_ident("self"))
}

/// The crate-wide key of a named field read: `Owner.field` for `self.field` in an `impl` of
/// `self_ty` (that struct's own field), else the bare `field` (a value of unknown type: every
/// field of the name). `None` for a tuple field.
pub fn field_key(f: &syn::ExprField, self_ty: Option<&str>) -> Option<String> {
    match (&f.member, self_ty) {
        (syn::Member::Named(n), Some(t)) if is_self(&f.base) => Some(format!("{t}.{n}")),
        (syn::Member::Named(n), _) => Some(n.to_string()),
        // A tuple struct's `self.0`: only with its type, a bare `0` names nothing.
        (syn::Member::Unnamed(i), Some(t)) if is_self(&f.base) => Some(format!("{t}.{}", i.index)),
        (syn::Member::Unnamed(_), _) => None,
    }
}

/// Strip parentheses, groups and references: `&(x)` → `x`.
pub fn peel(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => peel(&p.expr),
        syn::Expr::Group(g) => peel(&g.expr),
        syn::Expr::Reference(r) => peel(&r.expr),
        _ => e,
    }
}

/// The last path segment of a call's function (`join_all` for `futures::future::join_all(..)`).
pub fn call_name(c: &syn::ExprCall) -> Option<String> {
    match &*c.func {
        syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// A literal array or tuple, `vec![..]`, a SCREAMING_CASE constant, or a constant range of at
/// most 4 items: a fixed handful, often in a meaningful order.
pub fn iter_is_small_literal(iter: &syn::Expr) -> bool {
    match peel(iter) {
        syn::Expr::Array(_) | syn::Expr::Tuple(_) => true,
        syn::Expr::Macro(m) => m.mac.path.is_ident("vec"),
        syn::Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "iter"
                    | "into_iter"
                    | "iter_mut"
                    | "copied"
                    | "cloned"
                    | "enumerate"
                    | "map"
                    | "zip"
                    | "filter"
                    | "rev"
            ) =>
        {
            iter_is_small_literal(&m.receiver)
        }
        // `Kind::iter()` / `Kind::all()` (strum and friends): every variant of an enum.
        syn::Expr::Call(c) if c.args.is_empty() => match &*c.func {
            syn::Expr::Path(p) => {
                let segs = super::imports::segments(&p.path);
                segs.len() >= 2
                    && segs[segs.len() - 2].starts_with(|c: char| c.is_ascii_uppercase())
                    && matches!(
                        segs[segs.len() - 1].as_str(),
                        "iter" | "all" | "variants" | "value_variants"
                    )
            }
            _ => false,
        },
        syn::Expr::Path(p) => p.path.segments.last().is_some_and(|s| {
            let name = s.ident.to_string();
            name.len() > 1
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        }),
        syn::Expr::Range(r) => {
            let lit = |e: &Option<Box<syn::Expr>>| -> Option<i128> {
                match e.as_deref().map(peel) {
                    Some(syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Int(i),
                        ..
                    })) => i.base10_parse().ok(),
                    None => Some(0),
                    _ => None,
                }
            };
            match (
                lit(&r.start),
                r.end.is_some().then(|| lit(&r.end)).flatten(),
            ) {
                (Some(a), Some(b)) => {
                    let inclusive = matches!(r.limits, syn::RangeLimits::Closed(_));
                    b - a + i128::from(inclusive) <= 4
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// `xs.chunks(50)` and friends: the loop walks batches, one batch per iteration on purpose.
pub fn iter_is_batched(iter: &syn::Expr) -> bool {
    let mut e = peel(iter);
    while let syn::Expr::MethodCall(m) = e {
        if matches!(
            m.method.to_string().as_str(),
            "chunks"
                | "chunks_exact"
                | "rchunks"
                | "chunks_mut"
                | "array_chunks"
                | "batches"
                | "ready_chunks"
        ) {
            return true;
        }
        e = peel(&m.receiver);
    }
    false
}

/// `xs.iter().take(n)`: at most `n` items.
pub fn iter_is_taken(iter: &syn::Expr) -> bool {
    let mut e = peel(iter);
    while let syn::Expr::MethodCall(m) = e {
        if m.method == "take" {
            return true;
        }
        e = peel(&m.receiver);
    }
    false
}

/// `xs.iter().take(n)`, `&xs[..n]`, `xs.get(..n)`: an expression whose width is capped by a
/// bound written in it (looked for along its method chain, through `?` and `.await`).
pub fn caps_width(e: &syn::Expr) -> bool {
    let bounded = |e: &syn::Expr| matches!(peel(e), syn::Expr::Range(r) if r.end.is_some());
    let mut e = peel(e);
    loop {
        match e {
            syn::Expr::MethodCall(m) => {
                if m.method == "take"
                    || (matches!(m.method.to_string().as_str(), "get" | "drain")
                        && m.args.first().is_some_and(bounded))
                {
                    return true;
                }
                e = peel(&m.receiver);
            }
            syn::Expr::Index(i) => {
                if bounded(&i.index) {
                    return true;
                }
                e = peel(&i.expr);
            }
            syn::Expr::Try(t) => e = peel(&t.expr),
            syn::Expr::Await(a) => e = peel(&a.base),
            _ => return false,
        }
    }
}

/// Does the value come out of an `.await` somewhere along its method chain
/// (`list().await?.into_iter().map(f)`)? Awaited results are data: their size is the input's.
pub fn chain_awaits(e: &syn::Expr) -> bool {
    let mut e = peel(e);
    loop {
        match e {
            syn::Expr::Await(_) => return true,
            syn::Expr::MethodCall(m) => e = peel(&m.receiver),
            syn::Expr::Try(t) => e = peel(&t.expr),
            syn::Expr::Field(f) => e = peel(&f.base),
            syn::Expr::Index(i) => e = peel(&i.expr),
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_names() {
        let pat: syn::Pat = syn::parse_quote!((a, Some(Item { b, c: d }), ref mut e));
        assert_eq!(pat_idents(&pat), vec!["a", "b", "d", "e"]);
        let e: syn::Expr = syn::parse_quote!(f(x.y, Foo { z }, format!("{}", w)));
        let names = names_used_in_expr(&e);
        for n in ["x", "z", "w"] {
            assert!(names.contains(n), "{n}");
        }
        assert!(!names.contains("y"));
        let e: syn::Expr = syn::parse_quote!(format!("{url}/x {{literal}} {n:?}"));
        let names = names_used_in_expr(&e);
        assert!(names.contains("url") && names.contains("n") && !names.contains("literal"));
    }

    #[test]
    fn chains() {
        let e: syn::Expr = syn::parse_quote!(Client::builder().timeout(d).build()?);
        let (root, calls) = method_chain(&e);
        assert!(matches!(root, syn::Expr::Call(_)));
        let names: Vec<String> = calls.iter().map(|m| m.method.to_string()).collect();
        assert_eq!(names, vec!["build", "timeout"]);
        let e: syn::Expr = syn::parse_quote!(x);
        assert!(method_chain(&e).1.is_empty());
    }

    #[test]
    fn roots() {
        let e: syn::Expr = syn::parse_quote!(&mut (*conn).inner[0].get()?);
        assert_eq!(root_ident(&e).as_deref(), Some("conn"));
        let e: syn::Expr = syn::parse_quote!(Client::new().get());
        assert_eq!(root_ident(&e), None);
    }
}
