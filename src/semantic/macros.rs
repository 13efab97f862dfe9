//! Macro bodies are token trees to syn. We parse the arguments of the common shapes so that
//! code inside `select!`, `join!`, `vec!`, `assert!`, `format!`, `cfg_if!`-style item macros
//! and friends is analyzed like any other code.
//!
//! Bodies are tokens of a file [`crate::parse::complexity`] accepted, and its nesting estimate
//! holds whatever grammar the tokens are parsed with, so parsing a body here (as expressions,
//! statements, items or `select!` branches) stays within [`crate::parse::MAX_NESTING`].
//! Nested bodies are parsed at most [`MAX_MACRO_DEPTH`] deep, which keeps the work linear.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Item, Pat, Stmt, Token};

/// Macro bodies nested deeper than this are not parsed (their identifiers still count as uses):
/// each level parses its body's tokens again, so a pathological nesting would cost quadratic
/// time. Real code nests macros two or three deep (`assert_eq!(format!(..))`, `vec![vec![..]]`).
pub const MAX_MACRO_DEPTH: usize = 8;

/// One branch of `tokio::select!` / `futures::select!`: `pat = future, if guard => handler`.
#[derive(Debug)]
pub struct SelectBranch {
    pub pat: Pat,
    pub future: Expr,
    pub guard: Option<Expr>,
    pub handler: Expr,
}

/// A macro body as far as we could understand it.
#[derive(Debug)]
pub enum MacroBody {
    Exprs(Vec<Expr>),
    Stmts(Vec<Stmt>),
    Items(Vec<Item>),
    Select {
        branches: Vec<SelectBranch>,
        /// The `else => expr` / `complete => expr` / `default => expr` branch.
        otherwise: Vec<Expr>,
    },
    /// Nothing we know how to parse; `.await` tokens inside are still counted.
    Opaque,
}

/// The last segment of a macro's path (`select` for `tokio::select!`).
pub fn macro_name(mac: &syn::Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// Parse a macro in expression or statement position.
pub fn parse_expr_macro(mac: &syn::Macro) -> MacroBody {
    parse_expr_macro_in(mac, None)
}

/// [`parse_expr_macro`], given the body's source text when it is known (between the
/// delimiters): whether it is worth parsing is read from the text, without copying tokens.
pub fn parse_expr_macro_in(mac: &syn::Macro, text: Option<&str>) -> MacroBody {
    let name = macro_name(mac);
    let tokens = mac.tokens.clone();
    if tokens.is_empty() {
        return MacroBody::Exprs(Vec::new());
    }
    // Most macro calls are `format!`/`assert_eq!`/`debug!` over literals, names and pure
    // calls: only bodies that can hold what rules look for are parsed.
    let worth = || match text {
        Some(text) => text_worth_parsing(text),
        None => worth_parsing(&tokens),
    };
    if !matches!(
        name.as_str(),
        "select" | "select_biased" | "join" | "try_join" | "pin"
    ) && !worth()
    {
        return MacroBody::Opaque;
    }
    if matches!(name.as_str(), "select" | "select_biased") {
        if let Ok(body) = parse_select.parse2(tokens.clone()) {
            return body;
        }
    }
    if let Ok(list) = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(tokens.clone()) {
        return MacroBody::Exprs(list.into_iter().collect());
    }
    // `vec![elem; n]`
    if let Ok((a, b)) = (|input: ParseStream| {
        let a: Expr = input.parse()?;
        let _: Token![;] = input.parse()?;
        let b: Expr = input.parse()?;
        Ok((a, b))
    })
    .parse2(tokens.clone())
    {
        return MacroBody::Exprs(vec![a, b]);
    }
    if let Ok(stmts) = syn::Block::parse_within.parse2(tokens) {
        return MacroBody::Stmts(stmts);
    }
    MacroBody::Opaque
}

/// Does a macro body mention anything a rule looks at: an `.await`, an `async` block, or a
/// name the catalog knows ([`super::known::vocabulary`]: the spawns, blocking calls, connects,
/// channels, locks, .. rules report)? Bodies that do not (formatting and logging arguments,
/// assertions over plain values, `json!` literals) are not parsed; their identifiers still
/// count as uses.
fn worth_parsing(tokens: &TokenStream) -> bool {
    let vocabulary = super::known::vocabulary();
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(it) = stack.last_mut() {
        match it.next() {
            None => {
                stack.pop();
            }
            Some(TokenTree::Group(g)) => stack.push(g.stream().into_iter()),
            Some(TokenTree::Ident(i)) => {
                let s = i.to_string();
                if s == "await" || s == "async" || vocabulary.contains(s.as_str()) {
                    return true;
                }
            }
            Some(_) => {}
        }
    }
    false
}

/// [`worth_parsing`] over the body's source text.
fn text_worth_parsing(text: &str) -> bool {
    names_any(text, &[])
}

/// Does the source text name `await`, `async`, a word of `extra` or a catalog word?
fn names_any(text: &str, extra: &[&str]) -> bool {
    let vocabulary = super::known::vocabulary();
    let mut found = false;
    crate::parse::for_each_ident(text, |word, _| {
        found =
            matches!(word, "await" | "async") || extra.contains(&word) || vocabulary.contains(word);
        found
    });
    found
}

/// Parse a macro in item position: a list of items, or (`cfg_if!`-style) items inside braces.
pub fn parse_item_macro(mac: &syn::Macro) -> MacroBody {
    parse_item_macro_in(mac, None)
}

/// [`parse_item_macro`], given the body's source text when it is known.
pub fn parse_item_macro_in(mac: &syn::Macro, text: Option<&str>) -> MacroBody {
    // A body that holds items (any item keyword: fns, impls, `mod` declarations whose files
    // must be found, `use`s that resolution needs, ..) or names the catalog is parsed; one with
    // none (the list of types a trait-impl generator is invoked with) is not.
    const ITEM_WORDS: &[&str] = &[
        "fn",
        "impl",
        "mod",
        "use",
        "extern",
        "struct",
        "enum",
        "union",
        "trait",
        "type",
        "static",
        "const",
        "macro_rules",
    ];
    if text.is_some_and(|text| !names_any(text, ITEM_WORDS)) {
        return MacroBody::Opaque;
    }
    let mut items = Vec::new();
    if collect_items(mac.tokens.clone(), &mut items, 0) {
        MacroBody::Items(items)
    } else {
        parse_expr_macro_in(mac, text)
    }
}

fn collect_items(tokens: TokenStream, out: &mut Vec<Item>, depth: usize) -> bool {
    if let Ok(file) = syn::parse2::<syn::File>(tokens.clone()) {
        if !file.items.is_empty() {
            out.extend(file.items);
            return true;
        }
    }
    if depth > 4 {
        return false;
    }
    let mut found = false;
    for tt in tokens {
        if let TokenTree::Group(g) = tt {
            if g.delimiter() == Delimiter::Brace {
                found |= collect_items(g.stream(), out, depth + 1);
            }
        }
    }
    found
}

fn parse_select(input: ParseStream) -> syn::Result<MacroBody> {
    let mut branches = Vec::new();
    let mut otherwise = Vec::new();
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        let ident: syn::Ident = input.parse()?;
        if ident != "biased" {
            return Err(syn::Error::new(ident.span(), "expected `biased;`"));
        }
        let _: Token![;] = input.parse()?;
    }
    while !input.is_empty() {
        let fork = input.fork();
        if let Ok(ident) = fork.parse::<syn::Ident>() {
            if (ident == "else" || ident == "complete" || ident == "default")
                && fork.peek(Token![=>])
            {
                let _: syn::Ident = input.parse()?;
                let _: Token![=>] = input.parse()?;
                otherwise.push(parse_arm_body(input)?);
                continue;
            }
        }
        if input.peek(Token![else]) {
            let _: Token![else] = input.parse()?;
            let _: Token![=>] = input.parse()?;
            otherwise.push(parse_arm_body(input)?);
            continue;
        }
        let pat = Pat::parse_multi_with_leading_vert(input)?;
        let _: Token![=] = input.parse()?;
        let future = Expr::parse_without_eager_brace(input)?;
        let guard = if input.peek(Token![,]) && input.peek2(Token![if]) {
            let _: Token![,] = input.parse()?;
            let _: Token![if] = input.parse()?;
            Some(input.parse()?)
        } else if input.peek(Token![if]) {
            let _: Token![if] = input.parse()?;
            Some(input.parse()?)
        } else {
            None
        };
        let _: Token![=>] = input.parse()?;
        let handler = parse_arm_body(input)?;
        branches.push(SelectBranch {
            pat,
            future,
            guard,
            handler,
        });
    }
    Ok(MacroBody::Select {
        branches,
        otherwise,
    })
}

fn parse_arm_body(input: ParseStream) -> syn::Result<Expr> {
    let body: Expr = input.parse()?;
    if input.peek(Token![,]) {
        let _: Token![,] = input.parse()?;
    } else if !input.is_empty() && !matches!(body, Expr::Block(_)) {
        return Err(input.error("expected `,` after a select! branch"));
    }
    Ok(body)
}

/// Widely used macros that never expand to `.await` (std, log/tracing, anyhow, serde_json, ...).
/// Any other macro from outside the crate might.
pub fn is_known_non_awaiting(name: &str) -> bool {
    matches!(
        name,
        "println"
            | "print"
            | "eprintln"
            | "eprint"
            | "format"
            | "format_args"
            | "write"
            | "writeln"
            | "vec"
            | "assert"
            | "assert_eq"
            | "assert_ne"
            | "debug_assert"
            | "debug_assert_eq"
            | "debug_assert_ne"
            | "panic"
            | "todo"
            | "unimplemented"
            | "unreachable"
            | "matches"
            | "dbg"
            | "concat"
            | "stringify"
            | "include"
            | "include_str"
            | "include_bytes"
            | "env"
            | "option_env"
            | "cfg"
            | "line"
            | "file"
            | "column"
            | "module_path"
            | "compile_error"
            | "thread_local"
            | "trace"
            | "debug"
            | "info"
            | "warn"
            | "error"
            | "event"
            | "span"
            | "trace_span"
            | "debug_span"
            | "info_span"
            | "warn_span"
            | "error_span"
            | "log"
            | "anyhow"
            | "bail"
            | "ensure"
            | "format_err"
            | "json"
            | "pin"
            | "pin_mut"
            | "lazy_static"
            | "bitflags"
            | "assert_matches"
            | "cfg_if"
            | "quote"
            | "parse_quote"
            | "hashmap"
            | "btreemap"
    )
}

/// Does the token stream contain `.await` anywhere (at any depth)?
pub fn tokens_contain_await(tokens: &TokenStream) -> bool {
    let mut stack = vec![tokens.clone().into_iter()];
    let mut prev_dot = false;
    while let Some(iter) = stack.last_mut() {
        match iter.next() {
            None => {
                stack.pop();
                prev_dot = false;
            }
            Some(TokenTree::Group(g)) => {
                prev_dot = false;
                stack.push(g.stream().into_iter());
            }
            Some(TokenTree::Punct(p)) => prev_dot = p.as_char() == '.',
            Some(TokenTree::Ident(i)) => {
                if prev_dot && i == "await" {
                    return true;
                }
                prev_dot = false;
            }
            Some(TokenTree::Literal(_)) => prev_dot = false,
        }
    }
    false
}

/// [`value_idents`] and [`called_fns`] of a macro body's source text, in one scan.
pub fn idents_in_text(text: &str, values: &mut Vec<String>, called_fns: &mut Vec<String>) {
    let b = text.as_bytes();
    crate::parse::for_each_ident_at(text, |word, called, start| {
        if !called {
            values.push(word.to_string());
            return false;
        }
        let after = b.get(start + word.len()..).unwrap_or_default();
        let is_macro = after.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'!');
        let before = b[..start].iter().rev().find(|c| !c.is_ascii_whitespace());
        if !is_macro && before != Some(&b'.') {
            called_fns.push(word.to_string());
        }
        false
    });
}

/// Free fns called in a macro body we did not parse (`f(..)`, `module::f(..)`; not methods,
/// not macros). Such a body names no `.await` (it would have been parsed), so an async fn
/// called there is used as a future: `vec![Box::pin(warm_users())]`.
pub fn called_fns(tokens: &TokenStream, out: &mut Vec<String>) {
    let mut stack = vec![tokens.clone().into_iter().peekable()];
    let mut after_dot = false;
    while let Some(iter) = stack.last_mut() {
        let Some(t) = iter.next() else {
            stack.pop();
            continue;
        };
        let dot = matches!(&t, TokenTree::Punct(p) if p.as_char() == '.');
        match t {
            TokenTree::Group(g) => stack.push(g.stream().into_iter().peekable()),
            TokenTree::Ident(i) if !after_dot => {
                if matches!(iter.peek(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis)
                {
                    out.push(i.to_string());
                }
            }
            _ => {}
        }
        after_dot = dot;
    }
}

/// Identifiers in a token stream that are not immediately called or invoked as macros:
/// candidates for fns used as values inside a macro we could not parse.
pub fn value_idents(tokens: &TokenStream, out: &mut Vec<String>) {
    let mut stack = vec![tokens.clone().into_iter().peekable()];
    while let Some(iter) = stack.last_mut() {
        match iter.next() {
            None => {
                stack.pop();
            }
            Some(TokenTree::Group(g)) => stack.push(g.stream().into_iter().peekable()),
            Some(TokenTree::Ident(i)) => {
                let called = match iter.peek() {
                    Some(TokenTree::Group(g)) => g.delimiter() == Delimiter::Parenthesis,
                    Some(TokenTree::Punct(p)) => p.as_char() == '!',
                    _ => false,
                };
                if !called {
                    out.push(i.to_string());
                }
            }
            Some(_) => {}
        }
    }
}

/// The snake_case identifiers of a macro body that could name modules (`behavior`, `r#in`),
/// at most 64: not after `$` (a `macro_rules!` fragment), not keywords, not paths' inner
/// segments (`self::x::Config` keeps none of them), not followed by `(` or `!` (calls).
pub fn module_like_idents(tokens: &TokenStream, out: &mut Vec<String>) {
    let mut stack = vec![tokens.clone().into_iter().peekable()];
    let mut prev_punct: Option<char> = None;
    while let Some(it) = stack.last_mut() {
        let Some(t) = it.next() else {
            stack.pop();
            continue;
        };
        match t {
            TokenTree::Group(g) => {
                prev_punct = None;
                stack.push(g.stream().into_iter().peekable());
            }
            TokenTree::Punct(p) => prev_punct = Some(p.as_char()),
            TokenTree::Ident(i) => {
                let after = prev_punct.take();
                let next_is_call_or_path = matches!(
                    it.peek(),
                    Some(TokenTree::Punct(p)) if matches!(p.as_char(), '!' | ':' | '.')
                ) || matches!(it.peek(), Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis);
                let s = i.to_string();
                let s = s.strip_prefix("r#").map(str::to_string).unwrap_or(s);
                let module_like = !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && s.starts_with(|c: char| c.is_ascii_lowercase())
                    && !is_keyword(&s);
                if module_like && !matches!(after, Some('$' | ':' | '.')) && !next_is_call_or_path {
                    if !out.contains(&s) {
                        out.push(s);
                    }
                    if out.len() >= 64 {
                        return;
                    }
                }
            }
            TokenTree::Literal(_) => prev_punct = None,
        }
    }
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(src: &str) -> syn::Macro {
        syn::parse_str(src).unwrap()
    }

    #[test]
    fn comma_separated_expressions() {
        match parse_expr_macro(&mac("assert_eq!(f().await, 3, \"msg {}\", x)")) {
            MacroBody::Exprs(e) => assert_eq!(e.len(), 4),
            other => panic!("{other:?}"),
        }
        match parse_expr_macro(&mac("vec![g().await; 3]")) {
            MacroBody::Exprs(e) => assert_eq!(e.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn select_branches() {
        let body = parse_expr_macro(&mac(
            "tokio::select! { biased; Some(x) = rx.recv() => { handle(x).await } _ = sleep(d), if on => break, else => () }",
        ));
        match body {
            MacroBody::Select {
                branches,
                otherwise,
            } => {
                assert_eq!(branches.len(), 2);
                assert!(branches[1].guard.is_some());
                assert_eq!(otherwise.len(), 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn statements_and_items() {
        assert!(matches!(
            parse_expr_macro(&mac("m! { let x = 1; f(x).await; }")),
            MacroBody::Stmts(_)
        ));
        let m = mac("cfg_if! { if #[cfg(unix)] { mod unix; fn a() {} } else { mod windows; } }");
        match parse_item_macro(&m) {
            MacroBody::Items(items) => assert_eq!(items.len(), 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flat_bodies_are_not_parsed() {
        assert!(matches!(
            parse_expr_macro(&mac("println!(\"{} {}\", a, b.c)")),
            MacroBody::Opaque
        ));
        assert!(matches!(
            parse_expr_macro(&mac("assert_eq!(f(x), 1)")),
            MacroBody::Opaque
        ));
        assert!(matches!(
            parse_expr_macro(&mac("assert_eq!(std::fs::read(p), 1)")),
            MacroBody::Exprs(_)
        ));
        assert!(matches!(
            parse_expr_macro(&mac("assert!(x.await)")),
            MacroBody::Exprs(_)
        ));
    }

    #[test]
    fn await_tokens_in_opaque_bodies() {
        let m = mac("weird! { x => y.await ;; }");
        assert!(tokens_contain_await(&m.tokens));
        let m = mac("weird! { x => await }");
        assert!(!tokens_contain_await(&m.tokens));
    }
}
