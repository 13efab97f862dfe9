//! Parsing that never aborts the process.
//!
//! syn's parser (and every visitor over its tree, and the tree's `Drop`) recurses once per level
//! of nesting. A stack overflow aborts the whole process and no `catch_unwind` helps, so before
//! syn sees a file we tokenize it (proc-macro2's lexer is iterative) and measure, without
//! recursion, how deep the tree would get. A file beyond [`MAX_NESTING`] is reported as a
//! `parse_error` instead of being parsed. The shell also runs analysis on threads with a large
//! stack (see `STACK_SIZE`), so the limit leaves a wide margin even in debug builds.

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
    if let Some((depth, offset)) = too_deep(text) {
        let (line, column) = crate::source::LineIndex::new(text).position(text, offset);
        return Err(ParseFailure {
            line,
            column,
            message: format!(
                "nesting too deep: more than {MAX_NESTING} levels (found {depth}); the file is not analyzed"
            ),
        });
    }
    syn::parse_file(text).map_err(|e| {
        let start = e.span().start();
        let message = e.to_string();
        ParseFailure {
            line: start.line.max(1) as u32,
            column: start.column as u32 + 1,
            message: if message == "cannot parse string into token stream" || message.is_empty() {
                lex_message(&message)
            } else {
                message
            },
        }
    })
}

fn lex_message(raw: &str) -> String {
    if raw.is_empty() || raw == "cannot parse string into token stream" {
        "cannot tokenize: unbalanced delimiters or an invalid token (is this Rust source?)"
            .to_string()
    } else {
        raw.to_string()
    }
}

/// The deepest recursion syn would need, estimated from the text in one pass without
/// recursion or allocation: delimiter depth, plus, within one delimiter level, open generic
/// brackets, runs of prefix operators and long operator chains. Comments, strings, raw strings
/// and char literals are skipped as the lexer skips them. Returns (depth, byte offset) of the
/// first place beyond [`MAX_NESTING`].
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let n = b.len();
    // Per delimiter level: (angle brackets open, operators in the current chain).
    let mut levels: Vec<(usize, usize)> = vec![(0, 0)];
    let mut prefix_run = 0usize;
    let mut prev_operand = false;
    let mut i = 0;
    // Checked only after the estimate grows (an opening delimiter, `<`, an operator, a prefix).
    let depth_of = |levels: &[(usize, usize)], prefix_run: usize| {
        let (angle, chain) = *levels.last().unwrap_or(&(0, 0));
        levels.len() - 1 + angle + chain / 4 + prefix_run
    };
    while i < n {
        let c = b[i];
        if matches!(
            c,
            b'(' | b'['
                | b'{'
                | b'<'
                | b'&'
                | b'*'
                | b'!'
                | b'-'
                | b'.'
                | b'+'
                | b'|'
                | b'='
                | b'/'
                | b'%'
                | b'^'
                | b'>'
                | b':'
                | b'?'
                | b'@'
                | b'#'
                | b'$'
                | b'~'
        ) {
            let depth = depth_of(&levels, prefix_run);
            if depth > MAX_NESTING {
                return Some((depth, i));
            }
        }
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut nest = 1;
                i += 2;
                while i < n && nest > 0 {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        nest += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        nest -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                i = skip_string(b, i + 1);
                prev_operand = true;
                prefix_run = 0;
                continue;
            }
            b'\'' => {
                i = skip_quote(b, i);
                prev_operand = true;
                prefix_run = 0;
                continue;
            }
            b'(' | b'[' | b'{' => {
                if c == b'{' {
                    if let Some(top) = levels.last_mut() {
                        *top = (0, 0);
                    }
                }
                levels.push((0, 0));
                prefix_run = 0;
                prev_operand = false;
            }
            b')' | b']' | b'}' => {
                if levels.len() > 1 {
                    levels.pop();
                }
                prefix_run = 0;
                prev_operand = true;
            }
            b';' | b',' => {
                if let Some(top) = levels.last_mut() {
                    *top = (0, 0);
                }
                prefix_run = 0;
                prev_operand = false;
            }
            b'<' => {
                if let Some(top) = levels.last_mut() {
                    top.0 += 1;
                }
                prev_operand = false;
            }
            b'>' => {
                // `->` and `=>` are arrows, not closing brackets.
                let arrow = i > 0 && matches!(b[i - 1], b'-' | b'=');
                if !arrow {
                    if let Some(top) = levels.last_mut() {
                        top.0 = top.0.saturating_sub(1);
                    }
                }
                prev_operand = false;
            }
            b'&' | b'*' | b'!' | b'-' if !prev_operand => prefix_run += 1,
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                // `r"..."`, `r#"..."#`, `b"..."`, `br#"..."#`, `c"..."`: string literals.
                let start = i;
                while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                    i += 1;
                }
                let word = &b[start..i];
                if matches!(word, b"r" | b"br" | b"cr") && i < n && (b[i] == b'"' || b[i] == b'#') {
                    let mut hashes = 0;
                    let mut j = i;
                    while j < n && b[j] == b'#' {
                        hashes += 1;
                        j += 1;
                    }
                    if j < n && b[j] == b'"' {
                        i = skip_raw_string(b, j + 1, hashes);
                    }
                } else if matches!(word, b"b" | b"c") && i < n && b[i] == b'"' {
                    i = skip_string(b, i + 1);
                } else if word == b"b" && i < n && b[i] == b'\'' {
                    i = skip_quote(b, i);
                }
                prev_operand = true;
                prefix_run = 0;
                continue;
            }
            c if c.is_ascii_whitespace() => {}
            _ => {
                // Binary operators and `.` chains build left-nested trees.
                if let Some(top) = levels.last_mut() {
                    top.1 += 1;
                }
                prev_operand = false;
            }
        }
        i += 1;
    }
    None
}

/// Past the closing quote of a `"..."` string whose body starts at `i`.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Past a raw string body starting at `i` that ends with `"` and `hashes` `#`s.
fn skip_raw_string(b: &[u8], mut i: usize, hashes: usize) -> usize {
    while i < b.len() {
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|c| **c == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    b.len()
}

/// At a `'`: past a char literal (`'x'`, `'\n'`, `'\u{1F600}'`, `'é'`), or past the quote
/// of a lifetime or label (`'a`).
fn skip_quote(b: &[u8], i: usize) -> usize {
    let n = b.len();
    if i + 1 >= n {
        return n;
    }
    if b[i + 1] == b'\\' {
        // An escape: the literal ends at the next quote.
        let mut j = i + 2;
        while j < n && b[j] != b'\'' && b[j] != b'\n' {
            j += 1;
        }
        return (j + 1).min(n);
    }
    // One (possibly multi-byte) char followed by a quote is a char literal.
    let width = match b[i + 1] {
        x if x < 0x80 => 1,
        x if x >= 0xF0 => 4,
        x if x >= 0xE0 => 3,
        _ => 2,
    };
    if b.get(i + 1 + width) == Some(&b'\'') {
        return i + 2 + width;
    }
    i + 1
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
