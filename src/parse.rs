//! Parsing that never aborts the process.
//!
//! syn's parser (and every visitor over its tree, and the tree's `Drop`) recurses once per level
//! of nesting. A stack overflow aborts the whole process and no `catch_unwind` helps, so before
//! syn sees a file we tokenize it (proc-macro2's lexer is iterative) and measure, without
//! recursion, how deep the tree would get. A file beyond [`MAX_NESTING`] is reported as a
//! `parse_error` instead of being parsed. The shell also runs analysis on threads with a large
//! stack (see `STACK_SIZE`), so the limit leaves a wide margin even in debug builds.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::str::FromStr;

/// Deepest nesting (delimiters, generic brackets, prefix operators, operator chains) we hand to syn.
/// Real code stays under 30 levels of delimiters; generated code may chain a few hundred operators.
pub const MAX_NESTING: usize = 1_000;

/// Stack size of the threads that parse and analyze (reserved address space, touched only on use).
pub const STACK_SIZE: usize = 256 << 20;

/// Why a file could not be parsed, at a 1-based line and char column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Tokenize, check the nesting, then parse with syn.
pub fn parse_file(text: &str) -> Result<syn::File, ParseFailure> {
    // A leading shebang (`#!/usr/bin/env run-cargo-script`) is not a token; syn's parse_file
    // strips it, but we tokenize first, so blank it out (keeping positions).
    let cleaned;
    let text = match shebang_len(text) {
        Some(n) => {
            cleaned = format!("{}{}", " ".repeat(n), &text[n..]);
            cleaned.as_str()
        }
        None => text,
    };
    let tokens = TokenStream::from_str(text).map_err(|e| {
        let start = e.span().start();
        ParseFailure {
            line: start.line as u32,
            column: start.column as u32 + 1,
            message: lex_message(&e.to_string()),
        }
    })?;
    if let Some((depth, line, column)) = too_deep(&tokens) {
        return Err(ParseFailure {
            line,
            column,
            message: format!(
                "nesting too deep: more than {MAX_NESTING} levels (found {depth}); the file is not analyzed"
            ),
        });
    }
    syn::parse2::<syn::File>(tokens).map_err(|e| {
        let start = e.span().start();
        ParseFailure {
            line: start.line.max(1) as u32,
            column: start.column as u32 + 1,
            message: e.to_string(),
        }
    })
}

fn shebang_len(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("#!")?;
    // `#![attr]` is an inner attribute, not a shebang.
    if rest.trim_start().starts_with('[') {
        return None;
    }
    Some(text.find('\n').unwrap_or(text.len()))
}

fn lex_message(raw: &str) -> String {
    if raw.is_empty() || raw == "cannot parse string into token stream" {
        "cannot tokenize: unbalanced delimiters or an invalid token (is this Rust source?)"
            .to_string()
    } else {
        raw.to_string()
    }
}

/// The deepest recursion syn would need, approximated from tokens without recursing ourselves.
/// Returns (depth, line, column) of the first place that exceeds [`MAX_NESTING`].
fn too_deep(tokens: &TokenStream) -> Option<(usize, u32, u32)> {
    // Explicit stack of token iterators: one per open delimiter.
    let mut stack: Vec<proc_macro2::token_stream::IntoIter> = vec![tokens.clone().into_iter()];
    // Per-level counters that approximate recursion inside one delimiter level.
    let mut angle = vec![0usize];
    let mut chain = vec![0usize];
    let mut prefix_run = 0usize;
    let mut prev_was_operand = false;
    while let Some(iter) = stack.last_mut() {
        let Some(tt) = iter.next() else {
            stack.pop();
            angle.pop();
            chain.pop();
            prev_was_operand = true;
            continue;
        };
        let level = stack.len() - 1;
        let depth_here = level + angle[level] + chain[level] / 4 + prefix_run;
        if depth_here > MAX_NESTING {
            let start = tt.span().start();
            return Some((depth_here, start.line as u32, start.column as u32 + 1));
        }
        match tt {
            TokenTree::Group(g) => {
                prefix_run = 0;
                prev_was_operand = false;
                if g.delimiter() == Delimiter::Brace {
                    angle[level] = 0;
                    chain[level] = 0;
                }
                stack.push(g.stream().into_iter());
                angle.push(0);
                chain.push(0);
            }
            TokenTree::Punct(p) => match p.as_char() {
                ';' | ',' => {
                    angle[level] = 0;
                    chain[level] = 0;
                    prefix_run = 0;
                    prev_was_operand = false;
                }
                '<' => {
                    angle[level] += 1;
                    prev_was_operand = false;
                }
                '>' if p.spacing() == Spacing::Alone || angle[level] > 0 => {
                    angle[level] = angle[level].saturating_sub(1);
                    prev_was_operand = false;
                }
                '&' | '*' | '!' | '-' if !prev_was_operand => {
                    prefix_run += 1;
                }
                _ => {
                    // Binary operators and `.` chains build left-nested trees that visitors
                    // and `Drop` walk recursively.
                    chain[level] += 1;
                    prev_was_operand = false;
                }
            },
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                prefix_run = 0;
                prev_was_operand = true;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ordinary_code() {
        let f = parse_file("async fn f() { g().await; }").unwrap();
        assert_eq!(f.items.len(), 1);
    }

    #[test]
    fn shebang_is_skipped_but_inner_attributes_are_not() {
        assert!(parse_file("#!/usr/bin/env rust-script\nfn main() {}\n").is_ok());
        assert!(parse_file("#![allow(dead_code)]\nfn main() {}\n").is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for (open, close) in [("(", ")"), ("{", "}"), ("[", "]")] {
            let src = format!(
                "fn f() {{ let x = {}1{}; }}",
                open.repeat(10_000),
                close.repeat(10_000)
            );
            let err = parse_file(&src).unwrap_err();
            assert!(err.message.contains("nesting too deep"), "{}", err.message);
        }
        let ty = format!(
            "type T = {}u8{};",
            "Vec<".repeat(10_000),
            ">".repeat(10_000)
        );
        assert!(parse_file(&ty).unwrap_err().message.contains("too deep"));
        let refs = format!("fn f() {{ let x = {}y; }}", "&".repeat(10_000));
        assert!(parse_file(&refs).unwrap_err().message.contains("too deep"));
        let chain = format!("fn f() {{ let x = 1{}; }}", " + 1".repeat(10_000));
        assert!(parse_file(&chain).unwrap_err().message.contains("too deep"));
    }

    #[test]
    fn lexer_errors_have_positions() {
        let err = parse_file("fn f() {\n  let s = \"unterminated;\n").unwrap_err();
        assert!(err.line >= 1);
        let err = parse_file("fn f() { let x = 1 +; }").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.column > 1);
    }

    #[test]
    fn moderate_real_world_shapes_pass() {
        let chain = format!("fn f() {{ let x = b{}; }}", ".m()".repeat(300));
        assert!(parse_file(&chain).is_ok());
        let generic = "type T = HashMap<Vec<Option<Arc<Mutex<u8>>>>, u8>;";
        assert!(parse_file(generic).is_ok());
        assert!(parse_file("fn f(a: u8, b: u8) -> bool { a < b && b > a && a << 2 > 1 }").is_ok());
    }
}
