//! Inline suppression: `// async-lint: allow(rule, ...) -- reason` comments (SPEC §7).
//!
//! rustc rejects `#[allow(async_lint::...)]` (E0710), and syn drops comments, so directives are
//! read from the source text by a small lexer of our own ([`parse_directives`]), resolved to the
//! lines they cover with the syn tree ([`resolve`]) and applied to one file's findings
//! ([`apply`]). Everything here is pure and never panics, whatever the input.
//!
//! Forms:
//!
//! ```text
//! // async-lint: allow(await_in_loop) -- each page depends on the previous cursor
//! for page in pages { ... }                       <- own-line: the next statement or item, all of it
//!
//! let (tx, rx) = unbounded_channel(); // async-lint: allow(unbounded_channel) -- one message
//!                                                 <- trailing: that line only
//! // async-lint: allow-file(detached_spawn, blocking_in_async) -- a CLI, not a server
//!                                                 <- the whole file
//! ```
//!
//! * Several rules are separated by commas; names may be snake_case or kebab-case (`-` is read as
//!   `_`), may carry an `async_lint::` prefix, and `all` means every rule. The reason is the text
//!   after `--` (whitespace-normalized), and is optional unless `require_reason` is set.
//! * `/* async-lint: allow(x) */` block comments work too; doc comments (`///`, `//!`, `/** */`,
//!   `/*! */`) are documentation, never directives. A comment starting with `async-lint:` that
//!   does not parse is reported as a problem and has no effect.
//! * An own-line directive covers, from the first line after it that holds code (doc comments
//!   and attributes included, other comments and blank lines skipped; code after a block comment
//!   on its own line counts), every syntax node starting on that line, up to the largest end line
//!   among them. If no node starts there (e.g. inside a macro call), it covers just that line.
//! * `allow-file` covers the whole file wherever it is written. It belongs before the first item
//!   (inner attributes and `//!` docs may precede it); written later it still applies, but is also
//!   reported as misplaced so that readers find it at the top.
//! * A finding is suppressed when its rule (or `all`) is listed and the start line of its primary
//!   span is covered. A finding covered by several directives marks all of them as used; it
//!   takes the reason of the narrowest one.
//! * Problems are reported under `unused_suppression`: a directive that suppressed nothing (with a
//!   machine-applicable removal when the whole directive is unused and all its rules are enabled;
//!   when only some rules of a multi-rule directive are unused, each is named, without a
//!   suggestion); an unknown rule name (with "did you mean"); a malformed or misplaced directive;
//!   a directive without a reason when reasons are required. A rule that is disabled is never
//!   reported as unused (the directive may matter when it is enabled).

use std::collections::BTreeMap;

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Span, Suggestion};
use crate::source::LineIndex;

/// The rule id of every problem this module reports.
pub const RULE_ID: &str = "unused_suppression";

/// One `async-lint:` comment that parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Rule names as written, `-` turned into `_` and deduplicated (`all` included as is).
    pub rules: Vec<String>,
    /// The text after `--`, whitespace-normalized; `None` when absent or empty.
    pub reason: Option<String>,
    pub kind: DirectiveKind,
    /// The comment, `//`/`/*` through the end of the comment.
    pub span: Span,
    /// What to delete to remove the directive: the whole line(s) for a comment alone on its
    /// line, otherwise the comment and the whitespace that separates it from the code.
    pub removal: Span,
}

/// What a directive covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DirectiveKind {
    /// Own-line `allow(..)`: the next statement or item.
    NextItem,
    /// Trailing `allow(..)`: its line.
    Line,
    /// `allow-file(..)`: the whole file.
    File,
}

/// A directive and the (1-based, inclusive) lines it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub directive: Directive,
    pub first_line: u32,
    pub last_line: u32,
}

/// The result of [`apply`].
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Findings no directive covers, in input order.
    pub kept: Vec<Diagnostic>,
    /// Findings a directive covers, with `.suppressed = Some(reason or "")`, in input order.
    pub suppressed: Vec<Diagnostic>,
    /// `unused_suppression` problems, in source order.
    pub problems: Vec<Diagnostic>,
}

// ---------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------

/// A non-doc comment.
#[derive(Debug, Clone)]
struct Comment {
    /// Byte range of the whole comment (`//` or `/*` through the end, `\r` excluded).
    start: usize,
    end: usize,
    /// Byte range of the text inside the delimiters.
    body_start: usize,
    body_end: usize,
    /// Whether code (any token) precedes the comment on its line.
    code_before: bool,
}

/// What the lexer finds in a text.
#[derive(Debug, Default)]
struct Lexed {
    comments: Vec<Comment>,
    /// Byte offsets where tokens start (doc comments count as tokens), ascending.
    token_starts: Vec<usize>,
    /// Offset of the first token that is not part of an inner attribute, an inner doc comment
    /// or a shebang: where the first item starts.
    first_item: Option<usize>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

struct Lexer<'t> {
    text: &'t str,
    b: &'t [u8],
    out: Lexed,
    /// Whether a token started on the current line.
    code_on_line: bool,
    /// Bracket depth inside an inner attribute `#![...]`; 0 outside.
    inner_depth: usize,
}

impl<'t> Lexer<'t> {
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn token(&mut self, start: usize, counts_as_item: bool) {
        self.out.token_starts.push(start);
        self.code_on_line = true;
        if counts_as_item && self.inner_depth == 0 && self.out.first_item.is_none() {
            self.out.first_item = Some(start);
        }
    }

    /// End (exclusive) of a `"` string whose opening quote is at `i`.
    fn string_end(&self, i: usize) -> usize {
        let mut j = i + 1;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' => j += 2,
                b'"' => return j + 1,
                _ => j += 1,
            }
        }
        self.b.len()
    }

    /// End of a raw string whose `#`s/quote start at `i` (just after the `r`), or `None` when
    /// this is not a raw string (e.g. a raw identifier `r#type`).
    fn raw_string_end(&self, i: usize) -> Option<usize> {
        let mut j = i;
        while self.at(j) == b'#' {
            j += 1;
        }
        if self.at(j) != b'"' {
            return None;
        }
        let hashes = j - i;
        j += 1;
        while j < self.b.len() {
            if self.b[j] == b'"' && (1..=hashes).all(|k| self.at(j + k) == b'#') {
                return Some(j + 1 + hashes);
            }
            j += 1;
        }
        Some(self.b.len())
    }

    /// End of a char literal or a lifetime/label starting with the quote at `i`.
    fn quote_end(&self, i: usize) -> usize {
        let n = self.b.len();
        if self.at(i + 1) == b'\\' {
            // Escaped char literal: skip the escaped char, then up to the closing quote.
            let mut j = i + 2;
            if let Some(c) = self.text.get(j..).and_then(|s| s.chars().next()) {
                j += c.len_utf8();
            }
            while j < n && self.b[j] != b'\'' && self.b[j] != b'\n' {
                j += 1;
            }
            return if self.at(j) == b'\'' { j + 1 } else { j.min(n) };
        }
        let Some(c) = self.text.get(i + 1..).and_then(|s| s.chars().next()) else {
            return (i + 1).min(n);
        };
        let after = i + 1 + c.len_utf8();
        if c != '\'' && c != '\n' && self.at(after) == b'\'' {
            return after + 1; // 'x'
        }
        // A lifetime or label ('a, 'static), or a stray quote.
        let mut j = i + 1;
        while j < n && is_ident_continue(self.b[j]) {
            j += 1;
        }
        j
    }

    /// If an inner attribute `#![` starts at `i`, the offset just after its `[`.
    fn inner_attr_open(&self, i: usize) -> Option<usize> {
        let mut j = i + 1;
        while self.at(j).is_ascii_whitespace() {
            j += 1;
        }
        if self.at(j) != b'!' {
            return None;
        }
        j += 1;
        while self.at(j).is_ascii_whitespace() {
            j += 1;
        }
        (self.at(j) == b'[').then_some(j + 1)
    }

    fn line_comment(&mut self, i: usize) -> usize {
        let n = self.b.len();
        let mut end = i + 2;
        while end < n && self.b[end] != b'\n' {
            end += 1;
        }
        let next = end;
        if end > i + 2 && self.b[end - 1] == b'\r' {
            end -= 1;
        }
        let third = self.at(i + 2);
        let outer_doc = third == b'/' && self.at(i + 3) != b'/';
        let inner_doc = third == b'!';
        if outer_doc || inner_doc {
            self.token(i, outer_doc);
        } else {
            self.out.comments.push(Comment {
                start: i,
                end,
                body_start: i + 2,
                body_end: end,
                code_before: self.code_on_line,
            });
        }
        next
    }

    fn block_comment(&mut self, i: usize) -> usize {
        let n = self.b.len();
        let mut depth = 1usize;
        let mut j = i + 2;
        while j < n && depth > 0 {
            if self.b[j] == b'/' && self.at(j + 1) == b'*' {
                depth += 1;
                j += 2;
            } else if self.b[j] == b'*' && self.at(j + 1) == b'/' {
                depth -= 1;
                j += 2;
            } else {
                j += 1;
            }
        }
        let end = j.min(n);
        let body_end = if depth == 0 { end - 2 } else { end }.max(i + 2);
        let third = self.at(i + 2);
        let outer_doc = third == b'*' && body_end > i + 2 && self.at(i + 3) != b'*';
        let inner_doc = third == b'!';
        if outer_doc || inner_doc {
            self.token(i, outer_doc);
        } else {
            self.out.comments.push(Comment {
                start: i,
                end,
                body_start: i + 2,
                body_end,
                code_before: self.code_on_line,
            });
            if self.b[i..end].contains(&b'\n') {
                self.code_on_line = false;
            }
        }
        end
    }

    fn run(mut self) -> Lexed {
        let n = self.b.len();
        let mut i = 0;
        if self.text.starts_with('\u{feff}') {
            i = 3;
        }
        // A shebang line (`#!` not followed by `[`) is not Rust.
        if self.b[i.min(n)..].starts_with(b"#!") && self.inner_attr_open(i).is_none() {
            while i < n && self.b[i] != b'\n' {
                i += 1;
            }
        }
        while i < n {
            let c = self.b[i];
            match c {
                b'\n' => {
                    self.code_on_line = false;
                    i += 1;
                }
                _ if c.is_ascii_whitespace() => i += 1,
                b'/' if self.at(i + 1) == b'/' => i = self.line_comment(i),
                b'/' if self.at(i + 1) == b'*' => i = self.block_comment(i),
                b'"' => {
                    self.token(i, true);
                    i = self.string_end(i);
                }
                b'\'' => {
                    self.token(i, true);
                    i = self.quote_end(i);
                }
                b'#' if self.inner_depth == 0 => {
                    if let Some(after) = self.inner_attr_open(i) {
                        self.inner_depth = 1;
                        self.token(i, false);
                        i = after;
                    } else {
                        self.token(i, true);
                        i += 1;
                    }
                }
                _ if is_ident_start(c) => {
                    self.token(i, true);
                    let mut j = i;
                    while j < n && is_ident_continue(self.b[j]) {
                        j += 1;
                    }
                    let ident = &self.b[i..j];
                    let next = self.at(j);
                    i = match (ident, next) {
                        (b"r" | b"br" | b"cr", b'"' | b'#') => self.raw_string_end(j).unwrap_or(j),
                        (b"b" | b"c", b'"') => self.string_end(j),
                        (b"b", b'\'') => self.quote_end(j),
                        _ => j,
                    };
                }
                _ if c.is_ascii_digit() => {
                    self.token(i, true);
                    let mut j = i;
                    while j < n && is_ident_continue(self.b[j]) {
                        j += 1;
                    }
                    i = j;
                }
                _ => {
                    self.token(i, true);
                    if self.inner_depth > 0 {
                        match c {
                            b'[' => self.inner_depth += 1,
                            b']' => self.inner_depth -= 1,
                            _ => {}
                        }
                    }
                    i += 1;
                }
            }
        }
        self.out
    }
}

fn lex(text: &str) -> Lexed {
    Lexer {
        text,
        b: text.as_bytes(),
        out: Lexed::default(),
        code_on_line: false,
        inner_depth: 0,
    }
    .run()
}

// ---------------------------------------------------------------------------------------------
// Directive syntax
// ---------------------------------------------------------------------------------------------

/// What a comment body says.
enum Parsed {
    /// Not an `async-lint:` comment.
    NotDirective,
    Malformed(String),
    Directive {
        file: bool,
        rules: Vec<String>,
        reason: Option<String>,
    },
}

fn malformed(what: impl std::fmt::Display) -> Parsed {
    Parsed::Malformed(format!("malformed `async-lint` comment: {what}"))
}

fn parse_body(body: &str) -> Parsed {
    let Some(rest) = body.trim_start().strip_prefix("async-lint") else {
        return Parsed::NotDirective;
    };
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix(':') {
        Some(r) => r.trim_start(),
        None if rest.starts_with("allow") => {
            return malformed("expected `:` after `async-lint`");
        }
        None => return Parsed::NotDirective,
    };
    let verb_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    let (verb, rest) = rest.split_at(verb_len);
    let file = match verb {
        "allow" => false,
        "allow-file" | "allow_file" => true,
        "" => return malformed("expected `allow(..)` or `allow-file(..)` after `async-lint:`"),
        other => {
            return malformed(format_args!(
                "unknown directive `{other}`, expected `allow` or `allow-file`"
            ))
        }
    };
    let Some(rest) = rest.trim_start().strip_prefix('(') else {
        return malformed(format_args!("expected `(` after `{verb}`"));
    };
    let Some(close) = rest.find(')') else {
        return malformed(format_args!("missing `)` in `{verb}(..)`"));
    };
    let mut rules: Vec<String> = Vec::new();
    for item in rest[..close].split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let name = item
            .strip_prefix("async_lint::")
            .or_else(|| item.strip_prefix("async-lint::"))
            .unwrap_or(item);
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return malformed(format_args!("`{item}` is not a rule name"));
        }
        let name = name.replace('-', "_");
        if !rules.contains(&name) {
            rules.push(name);
        }
    }
    if rules.is_empty() {
        return malformed(format_args!("`{verb}()` lists no rule"));
    }
    let after = rest[close + 1..].trim();
    let reason = if after.is_empty() {
        None
    } else if let Some(reason) = after.strip_prefix("--") {
        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        (!reason.is_empty()).then_some(reason)
    } else {
        let shown: String = after.chars().take(30).collect();
        return malformed(format_args!(
            "unexpected `{shown}` after `{verb}(..)`, write the reason after `--`"
        ));
    };
    Parsed::Directive {
        file,
        rules,
        reason,
    }
}

fn span_of(text: &str, index: &LineIndex, start: usize, end: usize) -> Span {
    index.span(text, start, end)
}

/// Byte range to delete to remove the comment `c`.
fn removal_range(text: &str, c: &Comment) -> (usize, usize) {
    let b = text.as_bytes();
    let is_blank = |x: u8| x == b' ' || x == b'\t';
    let mut before = c.start;
    while before > 0 && is_blank(b[before - 1]) {
        before -= 1;
    }
    let alone_before = before == 0 || b[before - 1] == b'\n';
    let mut after = c.end;
    while after < b.len() && (is_blank(b[after]) || b[after] == b'\r') {
        after += 1;
    }
    let alone_after = after == b.len() || b[after] == b'\n';
    match (alone_before, alone_after) {
        // The whole line(s), newline included.
        (true, true) => (before, (after + 1).min(b.len())),
        // `/* .. */ code`: the comment and the blanks after it.
        (true, false) => (c.start, after),
        // `code // ..` or `a /* .. */ b`: the comment and the blanks before it.
        (false, _) => (before, c.end),
    }
}

/// Directives and malformed-directive problems (span, message) of a text. Pure, never panics.
///
/// A misplaced `allow-file` (after the first item) is returned as a directive (it applies) and
/// also as a problem.
pub fn parse_directives(text: &str) -> (Vec<Directive>, Vec<(Span, String)>) {
    let lexed = lex(text);
    let index = LineIndex::new(text);
    let mut directives = Vec::new();
    let mut problems = Vec::new();
    for c in &lexed.comments {
        let body = text.get(c.body_start..c.body_end).unwrap_or("");
        let span = span_of(text, &index, c.start, c.end);
        match parse_body(body) {
            Parsed::NotDirective => {}
            Parsed::Malformed(message) => problems.push((span, message)),
            Parsed::Directive {
                file,
                rules,
                reason,
            } => {
                let kind = if file {
                    if lexed.first_item.is_some_and(|first| first < c.start) {
                        problems.push((
                            span,
                            "misplaced `allow-file`: it applies to the whole file, \
                             write it before the first item"
                                .to_string(),
                        ));
                    }
                    DirectiveKind::File
                } else if c.code_before {
                    DirectiveKind::Line
                } else {
                    DirectiveKind::NextItem
                };
                let (rs, re) = removal_range(text, c);
                directives.push(Directive {
                    rules,
                    reason,
                    kind,
                    span,
                    removal: span_of(text, &index, rs, re),
                });
            }
        }
    }
    (directives, problems)
}

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

/// Finds, for each target line, the largest end line of the nodes starting on it.
struct Extent {
    /// Target line -> largest end line found so far.
    targets: BTreeMap<u32, u32>,
}

impl Extent {
    /// Records `node` and says whether a descendant may start on a target line and end later
    /// than what is known.
    fn note<T: ToTokens>(&mut self, node: &T) -> bool {
        let span = node.span();
        let (start, end) = (span.start().line as u32, span.end().line as u32);
        if start == 0 || end < start {
            return true; // no position: look inside
        }
        if let Some(max) = self.targets.get_mut(&start) {
            *max = (*max).max(end);
        }
        // Descendants lie within `start..=end`; one starting on `start` ends by `end`, which is
        // recorded already, so only a target after `start` needs a look inside.
        end > start && self.targets.range(start + 1..=end).next().is_some()
    }
}

impl<'ast> Visit<'ast> for Extent {
    fn visit_item(&mut self, n: &'ast syn::Item) {
        if self.note(n) {
            visit::visit_item(self, n);
        }
    }
    fn visit_impl_item(&mut self, n: &'ast syn::ImplItem) {
        if self.note(n) {
            visit::visit_impl_item(self, n);
        }
    }
    fn visit_trait_item(&mut self, n: &'ast syn::TraitItem) {
        if self.note(n) {
            visit::visit_trait_item(self, n);
        }
    }
    fn visit_foreign_item(&mut self, n: &'ast syn::ForeignItem) {
        if self.note(n) {
            visit::visit_foreign_item(self, n);
        }
    }
    fn visit_stmt(&mut self, n: &'ast syn::Stmt) {
        if self.note(n) {
            visit::visit_stmt(self, n);
        }
    }
    fn visit_arm(&mut self, n: &'ast syn::Arm) {
        if self.note(n) {
            visit::visit_arm(self, n);
        }
    }
    fn visit_field(&mut self, n: &'ast syn::Field) {
        if self.note(n) {
            visit::visit_field(self, n);
        }
    }
    fn visit_field_value(&mut self, n: &'ast syn::FieldValue) {
        if self.note(n) {
            visit::visit_field_value(self, n);
        }
    }
    fn visit_variant(&mut self, n: &'ast syn::Variant) {
        if self.note(n) {
            visit::visit_variant(self, n);
        }
    }
    fn visit_expr(&mut self, n: &'ast syn::Expr) {
        if self.note(n) {
            visit::visit_expr(self, n);
        }
    }
}

/// Resolve each directive to the lines it covers, using the parsed file.
pub fn resolve(text: &str, file: &syn::File, directives: Vec<Directive>) -> Vec<Suppression> {
    let index = LineIndex::new(text);
    let line_count = u32::try_from(index.line_count()).unwrap_or(u32::MAX).max(1);
    let token_starts = if directives.iter().any(|d| d.kind == DirectiveKind::NextItem) {
        lex(text).token_starts
    } else {
        Vec::new()
    };
    // The line each own-line directive targets: that of the first token after the comment.
    let target_of = |d: &Directive| -> u32 {
        let k = token_starts.partition_point(|&s| s < d.span.byte_end);
        match token_starts.get(k) {
            Some(&s) => index.position(text, s).0,
            None => d.span.line_end.saturating_add(1),
        }
    };
    let mut extent = Extent {
        targets: BTreeMap::new(),
    };
    for d in &directives {
        if d.kind == DirectiveKind::NextItem {
            let t = target_of(d);
            extent.targets.insert(t, t);
        }
    }
    if !extent.targets.is_empty() {
        extent.visit_file(file);
    }
    directives
        .into_iter()
        .map(|d| {
            let (first_line, last_line) = match d.kind {
                DirectiveKind::File => (1, line_count),
                DirectiveKind::Line => (d.span.line_start, d.span.line_start),
                DirectiveKind::NextItem => {
                    let t = target_of(&d);
                    (t, extent.targets.get(&t).copied().unwrap_or(t).max(t))
                }
            };
            Suppression {
                directive: d,
                first_line,
                last_line,
            }
        })
        .collect()
}

/// Parses `text` as a file (for callers that have no tree; through the guarded parser) and
/// resolves its directives; a text that does not parse gets every own-line directive resolved
/// to its next code line only.
pub fn suppressions_of(text: &str) -> (Vec<Suppression>, Vec<(Span, String)>) {
    let (directives, problems) = parse_directives(text);
    let file = crate::parse::parse_file(text).unwrap_or_else(|_| syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: Vec::new(),
    });
    (resolve(text, &file, directives), problems)
}

// ---------------------------------------------------------------------------------------------
// Applying
// ---------------------------------------------------------------------------------------------

/// The id closest to `name`, if close enough to be a likely typo (shared with the config).
fn did_you_mean(name: &str, all_ids: &[&'static str]) -> Option<&'static str> {
    crate::registry::did_you_mean(&name.to_ascii_lowercase(), all_ids.iter().copied())
}

fn directive_text(d: &Directive) -> String {
    let verb = if d.kind == DirectiveKind::File {
        "allow-file"
    } else {
        "allow"
    };
    format!("{verb}({})", d.rules.join(", "))
}

fn problem(span: Span, message: String, file: usize) -> Diagnostic {
    let mut d = Diagnostic::new(RULE_ID, span, message);
    d.file = file;
    d
}

/// What one listed rule name refers to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    All,
    Rule(&'static str),
    Unknown,
}

/// Apply one file's suppressions to its findings.
///
/// `diags` are the findings of ONE file (any `Diagnostic::file` value); `file` is copied onto the
/// problems created here. `enabled(rule)` says whether a rule id is on (a disabled rule's
/// directive is not "unused"); `known(name)` maps a written name to its canonical id (`None`:
/// unknown); `all_ids` are the canonical ids offered as "did you mean". `forbidden(rule)` says
/// where a rule was set to `forbid` (`None`: it is not): as in rustc (E0453), a directive cannot
/// lower a forbidden rule, so its findings are kept and the directive is reported at the
/// forbidden rule's level.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    diags: Vec<Diagnostic>,
    suppressions: &[Suppression],
    malformed: &[(Span, String)],
    require_reason: bool,
    enabled: &dyn Fn(&str) -> bool,
    forbidden: &dyn Fn(&str) -> Option<String>,
    known: &dyn Fn(&str) -> Option<&'static str>,
    all_ids: &[&'static str],
    file: usize,
) -> Applied {
    let targets: Vec<Vec<Target>> = suppressions
        .iter()
        .map(|s| {
            s.directive
                .rules
                .iter()
                .map(|r| {
                    if r == "all" {
                        Target::All
                    } else {
                        known(r).map_or(Target::Unknown, Target::Rule)
                    }
                })
                .collect()
        })
        .collect();
    let mut used: Vec<Vec<bool>> = targets.iter().map(|t| vec![false; t.len()]).collect();
    // Per directive: the forbidden rules it tried to lower (named, or covered by `all`).
    let mut overridden: Vec<Vec<&'static str>> = vec![Vec::new(); suppressions.len()];

    let mut out = Applied::default();
    for mut diag in diags {
        let line = diag.span.line_start;
        // A forbidden rule's findings are kept; the directives that cover them are overruled.
        let is_forbidden = forbidden(diag.rule).is_some();
        // The narrowest covering suppression gives the reason; every covering entry is used.
        let mut best: Option<(u32, usize)> = None;
        for (si, s) in suppressions.iter().enumerate() {
            if line < s.first_line || line > s.last_line {
                continue;
            }
            let mut hit = false;
            for (ri, t) in targets[si].iter().enumerate() {
                if matches!(t, Target::All) || *t == Target::Rule(diag.rule) {
                    used[si][ri] = true;
                    hit = true;
                }
            }
            if hit && is_forbidden && !overridden[si].contains(&diag.rule) {
                overridden[si].push(diag.rule);
            }
            let width = s.last_line.saturating_sub(s.first_line);
            if hit && best.is_none_or(|(w, _)| width < w) {
                best = Some((width, si));
            }
        }
        match best {
            Some((_, si)) if !is_forbidden => {
                diag.suppressed = Some(
                    suppressions[si]
                        .directive
                        .reason
                        .clone()
                        .unwrap_or_default(),
                );
                out.suppressed.push(diag);
            }
            _ => out.kept.push(diag),
        }
    }

    for (span, message) in malformed {
        out.problems
            .push(problem(*span, message.clone(), file).with_label("not understood"));
    }

    for (si, s) in suppressions.iter().enumerate() {
        let d = &s.directive;
        let text = directive_text(d);
        // A named forbidden rule is an error even where it finds nothing, as in rustc.
        for t in &targets[si] {
            if let Target::Rule(id) = t {
                if forbidden(id).is_some() && !overridden[si].contains(id) {
                    overridden[si].push(id);
                }
            }
        }
        for id in &overridden[si] {
            let origin = forbidden(id).unwrap_or_default();
            let mut p = Diagnostic::new(
                id,
                d.span,
                format!("`{text}` cannot lower `{id}`: it is forbidden"),
            )
            .with_label("overruled by `forbid`")
            .with_note(format!(
                "`forbid` set by {origin}: not even a suppression comment lowers it"
            ))
            .with_help(
                "fix the finding, or lower the rule where it is forbidden instead of `forbid`"
                    .to_string(),
            );
            p.file = file;
            out.problems.push(p);
        }
        for (ri, t) in targets[si].iter().enumerate() {
            if *t == Target::Unknown {
                let name = &d.rules[ri];
                let mut p = problem(d.span, format!("unknown rule `{name}` in `{text}`"), file)
                    .with_label("unknown rule");
                if let Some(id) = did_you_mean(name, all_ids) {
                    p = p.with_help(format!("did you mean `{id}`?"));
                }
                out.problems.push(p);
            }
        }
        let any_used = used[si].iter().any(|u| *u);
        let disabled = targets[si]
            .iter()
            .any(|t| matches!(t, Target::Rule(id) if !enabled(id)));
        let unused: Vec<usize> = targets[si]
            .iter()
            .enumerate()
            .filter(|&(ri, t)| {
                !used[si][ri]
                    && match t {
                        Target::All => true,
                        Target::Rule(id) => enabled(id),
                        Target::Unknown => false,
                    }
            })
            .map(|(ri, _)| ri)
            .collect();
        if !unused.is_empty() && !any_used && !disabled {
            out.problems.push(
                problem(d.span, format!("this `{text}` suppresses nothing"), file)
                    .with_label("no finding here")
                    .with_suggestion(Suggestion {
                        message: "remove the suppression".to_string(),
                        edits: vec![Edit {
                            span: d.removal,
                            replacement: String::new(),
                        }],
                        applicability: Applicability::MachineApplicable,
                    }),
            );
        } else {
            for ri in unused {
                let name = &d.rules[ri];
                out.problems.push(
                    problem(
                        d.span,
                        format!("`{name}` in this `{text}` suppresses nothing"),
                        file,
                    )
                    .with_label("no such finding here")
                    .with_help(format!("remove `{name}` from the list")),
                );
            }
        }
        if require_reason && d.reason.is_none() {
            let names: Vec<String> = d.rules.iter().map(|r| format!("`{r}`")).collect();
            out.problems.push(
                problem(
                    d.span,
                    format!(
                        "suppression of {} has no reason: add `-- why`",
                        names.join(", ")
                    ),
                    file,
                )
                .with_label("no reason")
                .with_help(format!("explain it: `// async-lint: {text} -- why`")),
            );
        }
    }
    out.problems.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: &[&str] = &[
        "await_in_loop",
        "unbounded_channel",
        "detached_spawn",
        "blocking_in_async",
        "parse_error",
    ];

    fn known(name: &str) -> Option<&'static str> {
        IDS.iter().copied().find(|id| *id == name)
    }

    fn all_enabled(_: &str) -> bool {
        true
    }

    fn dirs(text: &str) -> Vec<Directive> {
        let (d, problems) = parse_directives(text);
        assert!(problems.is_empty(), "unexpected problems: {problems:?}");
        d
    }

    fn sups(text: &str) -> Vec<Suppression> {
        let (d, problems) = parse_directives(text);
        assert!(problems.is_empty(), "unexpected problems: {problems:?}");
        let file = syn::parse_file(text).expect("test source parses");
        resolve(text, &file, d)
    }

    /// (first, last) covered lines of the only directive.
    fn only_range(text: &str) -> (u32, u32) {
        let s = sups(text);
        assert_eq!(s.len(), 1, "{s:?}");
        (s[0].first_line, s[0].last_line)
    }

    fn diag(rule: &'static str, line: u32) -> Diagnostic {
        Diagnostic::new(
            rule,
            Span {
                line_start: line,
                column_start: 5,
                line_end: line,
                column_end: 9,
                byte_start: 0,
                byte_end: 0,
            },
            "finding",
        )
    }

    fn run_with(
        text: &str,
        diags: Vec<Diagnostic>,
        require_reason: bool,
        enabled: &dyn Fn(&str) -> bool,
    ) -> Applied {
        let (d, malformed) = parse_directives(text);
        let file = syn::parse_file(text).expect("test source parses");
        let s = resolve(text, &file, d);
        apply(
            diags,
            &s,
            &malformed,
            require_reason,
            enabled,
            &|_| None,
            &known,
            IDS,
            7,
        )
    }

    fn run(text: &str, diags: Vec<Diagnostic>) -> Applied {
        run_with(text, diags, false, &all_enabled)
    }

    fn messages(a: &Applied) -> Vec<String> {
        a.problems.iter().map(|p| p.message.clone()).collect()
    }

    fn apply_edit(text: &str, e: &Edit) -> String {
        format!(
            "{}{}{}",
            &text[..e.span.byte_start],
            e.replacement,
            &text[e.span.byte_end..]
        )
    }

    // ---- forms --------------------------------------------------------------------------

    #[test]
    fn own_line_directive_with_reason() {
        let text = "fn f() {\n    // async-lint: allow(await_in_loop) -- each page depends on the cursor\n    g();\n}\n";
        let d = dirs(text);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].rules, vec!["await_in_loop"]);
        assert_eq!(
            d[0].reason.as_deref(),
            Some("each page depends on the cursor")
        );
        assert_eq!(d[0].kind, DirectiveKind::NextItem);
        let sp = d[0].span;
        assert_eq!((sp.line_start, sp.column_start, sp.line_end), (2, 5, 2));
        assert!(text[sp.byte_start..sp.byte_end].starts_with("// async-lint"));
        assert!(text[sp.byte_start..sp.byte_end].ends_with("cursor"));
        assert_eq!(
            sp.column_end as usize,
            5 + text[sp.byte_start..sp.byte_end].len()
        );
    }

    #[test]
    fn trailing_directive() {
        let text = "fn f() {\n    let (tx, rx) = unbounded_channel(); // async-lint: allow(unbounded_channel) -- one message\n}\n";
        let d = dirs(text);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, DirectiveKind::Line);
        assert_eq!(d[0].reason.as_deref(), Some("one message"));
        assert_eq!(only_range(text), (2, 2));
    }

    #[test]
    fn allow_file_directive() {
        let text = "// async-lint: allow-file(detached_spawn, blocking_in_async) -- a CLI, not a server\nfn a() {}\n\nfn b() {}\n";
        let d = dirs(text);
        assert_eq!(d[0].kind, DirectiveKind::File);
        assert_eq!(d[0].rules, vec!["detached_spawn", "blocking_in_async"]);
        assert_eq!(d[0].reason.as_deref(), Some("a CLI, not a server"));
        assert_eq!(only_range(text), (1, 5));
        // The snake_case spelling of the verb is accepted too.
        let d = dirs("// async-lint: allow_file(x)\n");
        assert_eq!(d[0].kind, DirectiveKind::File);
    }

    #[test]
    fn whitespace_tolerant_and_kebab_case() {
        let d = dirs("//async-lint:allow( a ,b-c )--why\nfn f() {}\n");
        assert_eq!(d[0].rules, vec!["a", "b_c"]);
        assert_eq!(d[0].reason.as_deref(), Some("why"));
        let d =
            dirs("//   async-lint  :   allow  (await-in-loop,)   --   spaced   out  \nfn f() {}\n");
        assert_eq!(d[0].rules, vec!["await_in_loop"]);
        assert_eq!(d[0].reason.as_deref(), Some("spaced out"));
        let d = dirs("\t//\tasync-lint:\tallow(x)\t\nfn f() {}\n");
        assert_eq!(d[0].rules, vec!["x"]);
        assert_eq!(d[0].reason, None);
    }

    #[test]
    fn duplicates_and_tool_prefix() {
        let d = dirs("// async-lint: allow(a, a, async_lint::b, async-lint::a)\nfn f() {}\n");
        assert_eq!(d[0].rules, vec!["a", "b"]);
    }

    #[test]
    fn empty_reason_is_none() {
        let d = dirs("// async-lint: allow(x) --   \nfn f() {}\n");
        assert_eq!(d[0].reason, None);
        let d = dirs("// async-lint: allow(x) -- a -- b\nfn f() {}\n");
        assert_eq!(d[0].reason.as_deref(), Some("a -- b"));
    }

    #[test]
    fn block_comment_directives() {
        let d = dirs("/* async-lint: allow(x) -- why */\nfn f() {}\n");
        assert_eq!(d[0].rules, vec!["x"]);
        assert_eq!(d[0].reason.as_deref(), Some("why"));
        assert_eq!(d[0].kind, DirectiveKind::NextItem);
        let d = dirs("fn f() {} /* async-lint: allow(x) */\n");
        assert_eq!(d[0].kind, DirectiveKind::Line);
        let text = "/* async-lint: allow(x)\n   -- a reason\n   on two lines */\nfn f() {}\n";
        let d = dirs(text);
        assert_eq!(d[0].reason.as_deref(), Some("a reason on two lines"));
        assert_eq!((d[0].span.line_start, d[0].span.line_end), (1, 3));
        assert_eq!(only_range(text), (4, 4));
        let d = dirs("/*async-lint:allow(x)*/\n");
        assert_eq!(d[0].rules, vec!["x"]);
    }

    #[test]
    fn own_line_block_comment_before_code_on_same_line() {
        let text = "fn f() {\n    /* async-lint: allow(x) */ let a = vec![\n        1,\n    ];\n    let b = 2;\n}\n";
        assert_eq!(dirs(text)[0].kind, DirectiveKind::NextItem);
        assert_eq!(only_range(text), (2, 4));
    }

    #[test]
    fn doc_comments_are_not_directives() {
        let text = "//! async-lint: allow(a)\n/// async-lint: allow(b)\n/** async-lint: allow(c) */\n/*! async-lint: allow(d) */\nfn f() {}\n";
        assert!(dirs(text).is_empty());
        // `////` and `/***` are ordinary comments, but their text does not start with the marker.
        assert!(dirs("//// async-lint: allow(a)\n/*** async-lint: allow(b) */\n").is_empty());
        // `/**/` is an empty ordinary comment, not a doc comment that swallows what follows.
        let d = dirs("/**/ // async-lint: allow(a)\n");
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn unrelated_comments_are_ignored() {
        let text = "// async-lint is great\n// see async-lint: docs\n/* async-lintish */\n// allow(x)\nfn f() {}\n";
        let (d, p) = parse_directives(text);
        assert!(d.is_empty() && p.is_empty(), "{d:?} {p:?}");
    }

    // ---- the lexer is not fooled ----------------------------------------------------------

    #[test]
    fn directive_inside_string_literals_does_not_count() {
        let cases = [
            r#"fn f() { let s = "// async-lint: allow(x)"; }"#,
            r#"fn f() { let s = "/* async-lint: allow(x) */"; }"#,
            r#"fn f() { let s = "\" // async-lint: allow(x)"; }"#,
            r#"fn f() { let s = "\\"; let t = "// async-lint: allow(x)"; }"#,
            "fn f() { let s = \"line one\n// async-lint: allow(x)\nline three\"; }",
            r##"fn f() { let s = r#"" // async-lint: allow(x)"#; }"##,
            r###"fn f() { let s = r##"a "# // async-lint: allow(x)"##; }"###,
            r#"fn f() { let s = r"a\"; let t = "// async-lint: allow(x)"; }"#,
            r#"fn f() { let s = b"// async-lint: allow(x)"; }"#,
            r##"fn f() { let s = br#"" // async-lint: allow(x)"#; }"##,
            r#"fn f() { let s = c"// async-lint: allow(x)"; }"#,
            r#"fn f() { let s = cr"// async-lint: allow(x)"; }"#,
        ];
        for text in cases {
            let (d, p) = parse_directives(text);
            assert!(d.is_empty() && p.is_empty(), "{text}: {d:?} {p:?}");
        }
    }

    #[test]
    fn strings_end_where_they_end() {
        // After each literal comes a real directive, which must be found.
        let cases = [
            r#"let s = "a\"b"; // async-lint: allow(x)"#,
            r#"let s = "a\\"; // async-lint: allow(x)"#,
            r##"let s = r#"a"b"#; // async-lint: allow(x)"##,
            r###"let s = r##"a"#b"##; // async-lint: allow(x)"###,
            r#"let s = r"a\"; // async-lint: allow(x)"#,
            r#"let s = b"\""; // async-lint: allow(x)"#,
            r#"let s = br"\"; // async-lint: allow(x)"#,
            r#"let r#type = 1; // async-lint: allow(x)"#,
            r#"let bar = "x"; // async-lint: allow(x)"#,
        ];
        for text in cases {
            let d = dirs(text);
            assert_eq!(d.len(), 1, "{text}");
            assert_eq!(d[0].kind, DirectiveKind::Line, "{text}");
        }
    }

    #[test]
    fn char_literals() {
        let cases = [
            r#"let q = '"'; // async-lint: allow(x)"#,
            r#"let q = '\''; // async-lint: allow(x)"#,
            r#"let q = '\\'; // async-lint: allow(x)"#,
            r#"let q = '\u{1F600}'; // async-lint: allow(x)"#,
            r#"let q = 'é'; // async-lint: allow(x)"#,
            r#"let q = b'"'; // async-lint: allow(x)"#,
            r#"let q = b'\''; // async-lint: allow(x)"#,
            r#"let q = ['"', '"']; // async-lint: allow(x)"#,
        ];
        for text in cases {
            let d = dirs(text);
            assert_eq!(d.len(), 1, "{text}");
        }
        // A quote char then a string holding directive text.
        assert!(dirs(r#"let q = ('"', "// async-lint: allow(x)");"#).is_empty());
        assert!(dirs(r#"let q = ('\'', "// async-lint: allow(x)");"#).is_empty());
    }

    #[test]
    fn lifetimes_are_not_char_literals() {
        let text = "fn f<'a>(x: &'a str) -> &'a str { x } // async-lint: allow(x)\n";
        assert_eq!(dirs(text).len(), 1);
        // `'a, '` would swallow the string's opening quote if read as a char literal.
        let text =
            "fn f<'a, 'b>(x: &'a str, y: &'b str) { let s = \"// async-lint: allow(x)\"; }\n";
        assert!(dirs(text).is_empty());
        let text =
            "fn f() { 'outer: loop { break 'outer; } let s = \"// async-lint: allow(x)\"; }\n";
        assert!(dirs(text).is_empty());
        let text = "struct S<'a>(&'a str); // async-lint: allow(y)\nstatic T: &'static str = \"// async-lint: allow(x)\";\n";
        let d = dirs(text);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].rules, vec!["y"]);
    }

    #[test]
    fn nested_block_comments() {
        assert!(dirs("/* /* */ async-lint: allow(x) */\nfn f() {}\n").is_empty());
        assert!(dirs("/* a /* b /* c */ */ // async-lint: allow(x) */\n").is_empty());
        let d =
            dirs("/* outer /* inner */ still // async-lint: allow(x) */ // async-lint: allow(y)\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].rules, vec!["y"]);
        // A string-looking quote inside a comment does not open a string.
        let d = dirs("/* \" */ // async-lint: allow(y)\n");
        assert_eq!(d.len(), 1);
        // `/*/` does not close the comment it opens.
        assert!(dirs("/*/ // async-lint: allow(x) */\n").is_empty());
    }

    #[test]
    fn unterminated_things_just_end() {
        for text in [
            "let s = \"// async-lint: allow(x)",
            "let s = r#\"// async-lint: allow(x)\"",
            "let c = '\\",
            "let c = '",
            "/* /* */ // async-lint: allow(x)",
            "/* async-lint: allow(x)",
            "let s = b\"\\",
            "r#",
            "//",
            "/*",
            "#!",
            "#![",
        ] {
            let (d, _) = parse_directives(text);
            assert!(d.iter().all(|d| d.kind != DirectiveKind::Line), "{text}");
        }
        // An unterminated block comment that is a directive still parses (its body runs to EOF).
        let d = dirs("/* async-lint: allow(x)");
        assert_eq!(d[0].rules, vec!["x"]);
    }

    #[test]
    fn crlf_and_multibyte_positions() {
        let text = "fn f() {}\r\n// async-lint: allow(x) -- why\r\nfn g() {}\r\n";
        let d = dirs(text);
        assert_eq!(d[0].reason.as_deref(), Some("why"));
        assert!(!text[d[0].span.byte_start..d[0].span.byte_end].contains('\r'));
        assert_eq!(only_range(text), (3, 3));
        let text = "let é = \"ü\"; // async-lint: allow(x)\n";
        let d = dirs(text);
        assert_eq!(d[0].span.column_start, 14);
        assert_eq!(&text[d[0].span.byte_start..d[0].span.byte_start + 2], "//");
    }

    #[test]
    fn shebang_and_bom() {
        let text = "#!/usr/bin/env run-cargo-script // async-lint: allow(x)\n// async-lint: allow-file(y)\nfn main() {}\n";
        let (d, p) = parse_directives(text);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].rules, vec!["y"]);
        assert!(p.is_empty(), "{p:?}");
        let text = "\u{feff}// async-lint: allow-file(y)\nfn main() {}\n";
        assert_eq!(dirs(text)[0].span.line_start, 1);
    }

    // ---- malformed -----------------------------------------------------------------------

    #[test]
    fn malformed_directives_are_reported_and_ignored() {
        let cases = [
            ("// async-lint: deny(x)", "unknown directive `deny`"),
            ("// async-lint: allow x", "expected `(` after `allow`"),
            ("// async-lint: allow(x", "missing `)`"),
            (
                "// async-lint: allow-file x",
                "expected `(` after `allow-file`",
            ),
            ("// async-lint allow(x)", "expected `:`"),
            ("// async-lint:", "expected `allow(..)`"),
            ("// async-lint: allow()", "lists no rule"),
            ("// async-lint: allow( , )", "lists no rule"),
            (
                "// async-lint: allow(await in loop)",
                "`await in loop` is not a rule name",
            ),
            ("// async-lint: allow(x) because", "unexpected `because`"),
            (
                "// async-lint: allow(x) - why",
                "write the reason after `--`",
            ),
            ("/* async-lint: allow */", "expected `(`"),
        ];
        for (text, expected) in cases {
            let (d, p) = parse_directives(text);
            assert!(d.is_empty(), "{text}: {d:?}");
            assert_eq!(p.len(), 1, "{text}: {p:?}");
            assert!(p[0].1.contains(expected), "{text}: {}", p[0].1);
            assert!(p[0].1.starts_with("malformed `async-lint` comment: "));
            assert_eq!(p[0].0.byte_start, 0);
            assert_eq!(p[0].0.byte_end, text.len());
        }
    }

    #[test]
    fn malformed_becomes_problem() {
        let text = "// async-lint: allow await_in_loop\nfn f() {}\n";
        let a = run(text, vec![diag("await_in_loop", 2)]);
        assert_eq!(a.kept.len(), 1);
        assert_eq!(a.problems.len(), 1);
        assert_eq!(a.problems[0].rule, "unused_suppression");
        assert_eq!(a.problems[0].file, 7);
        assert_eq!(a.problems[0].span.line_start, 1);
    }

    // ---- coverage of own-line directives ---------------------------------------------------

    #[test]
    fn own_line_covers_whole_multiline_fn() {
        let text = "\
fn before() {}

// async-lint: allow(x)
async fn target() {
    a().await;
    b().await;
}

fn after() {}
";
        assert_eq!(only_range(text), (4, 7));
    }

    #[test]
    fn own_line_covers_for_loop() {
        let text = "\
async fn f(pages: Vec<u32>) {
    let mut cursor = 0;
    // async-lint: allow(await_in_loop) -- each page depends on the previous cursor
    for page in pages {
        cursor = fetch(page, cursor).await;
        println!(\"{cursor}\");
    }
    done().await;
}
";
        assert_eq!(only_range(text), (4, 7));
        let a = run(
            text,
            vec![
                diag("await_in_loop", 5),
                diag("await_in_loop", 8),
                diag("detached_spawn", 5),
            ],
        );
        assert_eq!(a.suppressed.len(), 1);
        assert_eq!(a.suppressed[0].span.line_start, 5);
        assert_eq!(
            a.suppressed[0].suppressed.as_deref(),
            Some("each page depends on the previous cursor")
        );
        assert_eq!(a.kept.len(), 2);
        assert!(a.problems.is_empty(), "{:?}", messages(&a));
    }

    #[test]
    fn own_line_covers_let_statement() {
        let text = "\
fn f() {
    // async-lint: allow(x)
    let v = client
        .get(url)
        .send()
        .await;
    let w = 1;
}
";
        assert_eq!(only_range(text), (3, 6));
    }

    #[test]
    fn own_line_covers_match_arm() {
        let text = "\
fn f(x: Option<u8>) {
    match x {
        // async-lint: allow(x)
        Some(y) => {
            g(y);
        }
        None => {}
    }
}
";
        assert_eq!(only_range(text), (4, 6));
    }

    #[test]
    fn own_line_covers_item_with_attributes_and_doc_comments() {
        let text = "\
// async-lint: allow(x) -- reason

/// Docs.
/// More docs.
#[tokio::main]
#[allow(dead_code)]
async fn main() {
    run().await;
}
fn other() {}
";
        assert_eq!(only_range(text), (3, 9));
        // Another ordinary comment and blank lines between are skipped.
        let text = "\
// async-lint: allow(x)
// just a comment

/* and a block */
#[derive(Debug)]
struct S {
    a: u8,
}
";
        assert_eq!(only_range(text), (5, 8));
    }

    #[test]
    fn own_line_covers_impl_items_fields_and_variants() {
        let text = "\
struct S {
    // async-lint: allow(x)
    /// doc
    #[serde(default)]
    a: Vec<
        u8,
    >,
    b: u8,
}
enum E {
    // async-lint: allow(y)
    A {
        x: u8,
    },
    B,
}
impl S {
    // async-lint: allow(z)
    async fn m(&self) {
        todo!()
    }
    fn n(&self) {}
}
trait T {
    // async-lint: allow(w)
    fn t(&self) {
        todo!()
    }
}
";
        let s = sups(text);
        let got: Vec<(u32, u32)> = s.iter().map(|s| (s.first_line, s.last_line)).collect();
        assert_eq!(got, vec![(3, 7), (12, 14), (19, 21), (26, 28)]);
    }

    #[test]
    fn own_line_covers_a_whole_impl() {
        let text = "\
struct S;
// async-lint: allow(x)
impl S {
    fn a(&self) {}

    fn b(&self) {}
}
";
        assert_eq!(only_range(text), (3, 7));
    }

    #[test]
    fn own_line_covers_expression_in_arguments() {
        let text = "\
fn f() {
    call(
        1,
        // async-lint: allow(x)
        async {
            g().await
        },
        2,
    );
}
";
        assert_eq!(only_range(text), (5, 7));
    }

    #[test]
    fn own_line_with_nothing_starting_covers_that_line() {
        // Inside a macro call, syn sees only tokens.
        let text = "\
fn f() {
    tokio::select! {
        // async-lint: allow(x)
        _ = a() => {
            b();
        }
    }
}
";
        assert_eq!(only_range(text), (4, 4));
        // Before a closing brace: that line.
        let text = "fn f() {\n    g();\n    // async-lint: allow(x)\n}\n";
        assert_eq!(only_range(text), (4, 4));
        // At the end of the file: the line after, which holds nothing.
        let text = "fn f() {}\n// async-lint: allow(x)\n";
        assert_eq!(only_range(text), (3, 3));
    }

    #[test]
    fn consecutive_directives_cover_the_same_item() {
        let text = "\
// async-lint: allow(a)
// async-lint: allow(b)
fn f() {
}
";
        let s = sups(text);
        assert_eq!(s.len(), 2);
        assert!(s.iter().all(|s| (s.first_line, s.last_line) == (3, 4)));
    }

    #[test]
    fn statements_on_one_line_take_the_largest_end() {
        let text =
            "fn f() {\n    // async-lint: allow(x)\n    a(); b(\n        1,\n    );\n    c();\n}\n";
        assert_eq!(only_range(text), (3, 5));
    }

    #[test]
    fn resolve_without_a_tree_still_targets_the_next_code_line() {
        let text = "// async-lint: allow(x)\n\nfn f() {\n}\n";
        let empty = syn::File {
            shebang: None,
            attrs: Vec::new(),
            items: Vec::new(),
        };
        let s = resolve(text, &empty, dirs(text));
        assert_eq!((s[0].first_line, s[0].last_line), (3, 3));
        let (s, p) = suppressions_of(text);
        assert!(p.is_empty());
        assert_eq!((s[0].first_line, s[0].last_line), (3, 4));
        let (s, _) = suppressions_of("// async-lint: allow(x)\nfn f( {\n");
        assert_eq!((s[0].first_line, s[0].last_line), (2, 2));
    }

    // ---- trailing ----------------------------------------------------------------------------

    #[test]
    fn trailing_covers_only_its_line() {
        let text = "\
fn f() {
    let (tx, rx) = unbounded_channel(); // async-lint: allow(unbounded_channel) -- one message per shutdown
    let (a, b) = unbounded_channel();
}
";
        let a = run(
            text,
            vec![diag("unbounded_channel", 2), diag("unbounded_channel", 3)],
        );
        assert_eq!(a.suppressed.len(), 1);
        assert_eq!(a.suppressed[0].span.line_start, 2);
        assert_eq!(
            a.suppressed[0].suppressed.as_deref(),
            Some("one message per shutdown")
        );
        assert_eq!(a.kept.len(), 1);
        assert_eq!(a.kept[0].span.line_start, 3);
        assert!(a.problems.is_empty());
    }

    #[test]
    fn trailing_on_first_line_of_multiline_statement() {
        let text = "fn f() {\n    let v = g( // async-lint: allow(x)\n        h(),\n    );\n}\n";
        assert_eq!(only_range(text), (2, 2));
    }

    #[test]
    fn trailing_after_multiline_string_ends() {
        let text = "fn f() {\n    let s = \"a\nb\"; // async-lint: allow(x)\n}\n";
        let d = dirs(text);
        assert_eq!(d[0].kind, DirectiveKind::Line);
        assert_eq!(only_range(text), (3, 3));
        // A multi-line block comment before a directive leaves no code on the directive's line.
        let text = "fn f() {} /* a\n */ // async-lint: allow(x)\nfn g() {}\n";
        let d = dirs(text);
        assert_eq!(d[0].kind, DirectiveKind::NextItem);
    }

    // ---- applying ----------------------------------------------------------------------------

    #[test]
    fn allow_file_suppresses_everywhere() {
        let text = "\
//! Crate docs.
#![allow(dead_code)]
// async-lint: allow-file(detached_spawn) -- a CLI
fn a() {}
fn b() {}
";
        let a = run(
            text,
            vec![
                diag("detached_spawn", 4),
                diag("detached_spawn", 5),
                diag("await_in_loop", 5),
            ],
        );
        assert_eq!(a.suppressed.len(), 2);
        assert!(a
            .suppressed
            .iter()
            .all(|d| d.suppressed.as_deref() == Some("a CLI")));
        assert_eq!(a.kept.len(), 1);
        assert!(a.problems.is_empty(), "{:?}", messages(&a));
    }

    #[test]
    fn misplaced_allow_file_applies_but_is_reported() {
        let text = "fn a() {}\n// async-lint: allow-file(detached_spawn)\nfn b() {}\n";
        let (d, p) = parse_directives(text);
        assert_eq!(d.len(), 1);
        assert_eq!(p.len(), 1);
        assert!(p[0].1.contains("misplaced `allow-file`"), "{}", p[0].1);
        let a = run(text, vec![diag("detached_spawn", 1)]);
        assert_eq!(a.suppressed.len(), 1);
        assert_eq!(a.problems.len(), 1);
        // Outer docs and attributes belong to the first item.
        let (_, p) = parse_directives("/// doc\n// async-lint: allow-file(x)\nfn a() {}\n");
        assert_eq!(p.len(), 1);
        let (_, p) = parse_directives("#[cfg(test)]\n// async-lint: allow-file(x)\nfn a() {}\n");
        assert_eq!(p.len(), 1);
        // Inner attributes (with nested brackets and strings) and inner docs do not.
        let (_, p) = parse_directives(
            "//! doc\n/*! doc */\n#![doc = \"]\"]\n#![cfg_attr(x, allow(a, b))]\n#! [warn(y)]\n// async-lint: allow-file(x)\nfn a() {}\n",
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn all_suppresses_every_rule() {
        let text = "fn f() {\n    g(); // async-lint: allow(all) -- generated\n}\n";
        let a = run(
            text,
            vec![diag("await_in_loop", 2), diag("detached_spawn", 2)],
        );
        assert_eq!(a.suppressed.len(), 2);
        assert!(a.kept.is_empty());
        assert!(a.problems.is_empty());
        // `all` that suppresses nothing is unused.
        let a = run(text, vec![]);
        assert_eq!(messages(&a), vec!["this `allow(all)` suppresses nothing"]);
    }

    #[test]
    fn kebab_case_names_match_canonical_ids() {
        let text = "fn f() {\n    g(); // async-lint: allow(await-in-loop)\n}\n";
        let a = run(text, vec![diag("await_in_loop", 2)]);
        assert_eq!(a.suppressed.len(), 1);
        assert_eq!(a.suppressed[0].suppressed.as_deref(), Some(""));
        assert!(a.problems.is_empty());
    }

    #[test]
    fn overlapping_suppressions_take_the_narrowest_reason_and_are_all_used() {
        let text = "\
// async-lint: allow-file(await_in_loop) -- file
fn f() {
    g(); // async-lint: allow(await_in_loop) -- line
}
";
        let a = run(text, vec![diag("await_in_loop", 3)]);
        assert_eq!(a.suppressed[0].suppressed.as_deref(), Some("line"));
        assert!(a.problems.is_empty(), "{:?}", messages(&a));
    }

    #[test]
    fn finding_starts_matter_not_ends() {
        let text = "fn f() {\n    g();\n    h(); // async-lint: allow(x1)\n}\n";
        let mut d = diag("await_in_loop", 2);
        d.span.line_end = 3;
        let a = run_with(text, vec![d], false, &all_enabled);
        assert_eq!(a.kept.len(), 1);
    }

    #[test]
    fn unused_own_line_directive_suggests_removing_the_line() {
        let text = "fn f() {\n    // async-lint: allow(await_in_loop) -- stale\n    g();\n}\n";
        let a = run(text, vec![diag("detached_spawn", 3)]);
        assert_eq!(a.kept.len(), 1);
        assert_eq!(a.problems.len(), 1);
        let p = &a.problems[0];
        assert_eq!(p.rule, "unused_suppression");
        assert_eq!(p.file, 7);
        assert_eq!(p.message, "this `allow(await_in_loop)` suppresses nothing");
        assert_eq!(p.span.line_start, 2);
        let s = p.suggestion.as_ref().expect("a suggestion");
        assert_eq!(s.applicability, Applicability::MachineApplicable);
        assert_eq!(s.edits.len(), 1);
        assert_eq!(apply_edit(text, &s.edits[0]), "fn f() {\n    g();\n}\n");
        let e = s.edits[0].span;
        assert_eq!(
            (e.line_start, e.column_start, e.line_end, e.column_end),
            (2, 1, 3, 1)
        );
    }

    #[test]
    fn unused_trailing_directive_suggests_removing_only_the_comment() {
        let text = "fn f() {\n    g();   // async-lint: allow(await_in_loop)\n}\n";
        let a = run(text, vec![]);
        let s = a.problems[0].suggestion.as_ref().expect("a suggestion");
        assert_eq!(apply_edit(text, &s.edits[0]), "fn f() {\n    g();\n}\n");
        let text = "fn f() {\n    g(); /* async-lint: allow(await_in_loop) */ h();\n}\n";
        let a = run(text, vec![]);
        let s = a.problems[0].suggestion.as_ref().expect("a suggestion");
        assert_eq!(
            apply_edit(text, &s.edits[0]),
            "fn f() {\n    g(); h();\n}\n"
        );
        let text = "fn f() {\n    /* async-lint: allow(await_in_loop) */  h();\n}\n";
        let a = run(text, vec![]);
        let s = a.problems[0].suggestion.as_ref().expect("a suggestion");
        assert_eq!(apply_edit(text, &s.edits[0]), "fn f() {\n    h();\n}\n");
        // CRLF: the whole line including `\r\n`.
        let text = "fn f() {}\r\n// async-lint: allow(await_in_loop)\r\nfn g() {}\r\n";
        let a = run(text, vec![]);
        let s = a.problems[0].suggestion.as_ref().expect("a suggestion");
        assert_eq!(apply_edit(text, &s.edits[0]), "fn f() {}\r\nfn g() {}\r\n");
        // Last line without a newline.
        let text = "fn f() {}\n// async-lint: allow(await_in_loop)";
        let a = run(text, vec![]);
        let s = a.problems[0].suggestion.as_ref().expect("a suggestion");
        assert_eq!(apply_edit(text, &s.edits[0]), "fn f() {}\n");
    }

    #[test]
    fn partially_used_multi_rule_directive_names_the_unused_rule() {
        let text = "\
fn f() {
    // async-lint: allow(await_in_loop, detached_spawn, blocking_in_async) -- why
    for x in y {
        g().await;
    }
}
";
        let a = run(text, vec![diag("await_in_loop", 4)]);
        assert_eq!(a.suppressed.len(), 1);
        assert_eq!(
            messages(&a),
            vec![
                "`blocking_in_async` in this `allow(await_in_loop, detached_spawn, blocking_in_async)` suppresses nothing",
                "`detached_spawn` in this `allow(await_in_loop, detached_spawn, blocking_in_async)` suppresses nothing",
            ]
        );
        assert!(a.problems.iter().all(|p| p.suggestion.is_none()));
        assert!(a.problems.iter().all(|p| p.span.line_start == 2));
    }

    #[test]
    fn wholly_unused_multi_rule_directive_is_one_problem() {
        let text = "fn f() {} // async-lint: allow(await_in_loop, detached_spawn)\n";
        let a = run(text, vec![]);
        assert_eq!(
            messages(&a),
            vec!["this `allow(await_in_loop, detached_spawn)` suppresses nothing"]
        );
        assert!(a.problems[0].suggestion.is_some());
    }

    #[test]
    fn disabled_rules_are_not_unused() {
        let text = "fn f() {} // async-lint: allow(await_in_loop)\n";
        let off = |r: &str| r != "await_in_loop";
        let a = run_with(text, vec![], false, &off);
        assert!(a.problems.is_empty(), "{:?}", messages(&a));
        // With one disabled rule and one enabled unused rule, the enabled one is named but
        // removing the comment is not suggested.
        let text = "fn f() {} // async-lint: allow(await_in_loop, detached_spawn)\n";
        let a = run_with(text, vec![], false, &off);
        assert_eq!(
            messages(&a),
            vec!["`detached_spawn` in this `allow(await_in_loop, detached_spawn)` suppresses nothing"]
        );
        assert!(a.problems[0].suggestion.is_none());
    }

    #[test]
    fn unknown_rule_with_did_you_mean() {
        let text = "fn f() {} // async-lint: allow(awiat_in_loop)\n";
        let a = run(text, vec![diag("await_in_loop", 1)]);
        assert_eq!(a.kept.len(), 1);
        assert_eq!(
            messages(&a),
            vec!["unknown rule `awiat_in_loop` in `allow(awiat_in_loop)`"]
        );
        assert_eq!(a.problems[0].help, vec!["did you mean `await_in_loop`?"]);
        // Far from everything: no guess. A prefix: a guess.
        let a = run("fn f() {} // async-lint: allow(frobnicate)\n", vec![]);
        assert_eq!(a.problems.len(), 1);
        assert!(a.problems[0].help.is_empty());
        let a = run("fn f() {} // async-lint: allow(unbounded)\n", vec![]);
        assert_eq!(
            a.problems[0].help,
            vec!["did you mean `unbounded_channel`?"]
        );
        // Kebab-case typo.
        let a = run("fn f() {} // async-lint: allow(detached-spwn)\n", vec![]);
        assert_eq!(a.problems[0].help, vec!["did you mean `detached_spawn`?"]);
    }

    #[test]
    fn unknown_rule_next_to_a_used_rule() {
        let text = "fn f() {} // async-lint: allow(await_in_loop, nope)\n";
        let a = run(text, vec![diag("await_in_loop", 1)]);
        assert_eq!(a.suppressed.len(), 1);
        assert_eq!(
            messages(&a),
            vec!["unknown rule `nope` in `allow(await_in_loop, nope)`"]
        );
    }

    #[test]
    fn require_reason() {
        let text = "fn f() {\n    g(); // async-lint: allow(await_in_loop, detached_spawn)\n    h(); // async-lint: allow(await_in_loop) -- ok\n}\n";
        let diags = vec![
            diag("await_in_loop", 2),
            diag("detached_spawn", 2),
            diag("await_in_loop", 3),
        ];
        let a = run_with(text, diags.clone(), true, &all_enabled);
        assert_eq!(a.suppressed.len(), 3);
        assert_eq!(
            messages(&a),
            vec!["suppression of `await_in_loop`, `detached_spawn` has no reason: add `-- why`"]
        );
        assert_eq!(a.problems[0].span.line_start, 2);
        let a = run_with(text, diags, false, &all_enabled);
        assert!(a.problems.is_empty());
    }

    #[test]
    fn problem_messages_are_lower_case_without_period() {
        let text = "\
fn a() {}
// async-lint: allow-file(x)
// async-lint: deny(x)
// async-lint: allow(await_in_loop, typo_rule)
fn f() {} // async-lint: allow(detached_spawn)
";
        let a = run_with(text, vec![diag("await_in_loop", 5)], true, &all_enabled);
        assert!(a.problems.len() >= 6, "{:?}", messages(&a));
        for p in &a.problems {
            assert_eq!(p.rule, "unused_suppression");
            assert_eq!(p.file, 7);
            let first = p.message.chars().next().unwrap();
            assert!(!first.is_uppercase(), "{}", p.message);
            assert!(!p.message.ends_with('.'), "{}", p.message);
        }
        let lines: Vec<u32> = a.problems.iter().map(|p| p.span.line_start).collect();
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(lines, sorted);
    }

    #[test]
    fn kept_and_suppressed_keep_input_order() {
        let text = "fn f() {} // async-lint: allow(await_in_loop)\n";
        let diags = vec![
            diag("detached_spawn", 9),
            diag("await_in_loop", 1),
            diag("detached_spawn", 3),
            diag("await_in_loop", 1).with_label("second"),
        ];
        let a = run(text, diags);
        let kept: Vec<u32> = a.kept.iter().map(|d| d.span.line_start).collect();
        assert_eq!(kept, vec![9, 3]);
        assert_eq!(a.suppressed[1].label, "second");
    }

    // ---- robustness --------------------------------------------------------------------------

    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as u32
        }
    }

    fn exercise(text: &str) {
        let (d, p) = parse_directives(text);
        for d in &d {
            assert!(d.span.byte_start <= d.span.byte_end && d.span.byte_end <= text.len());
            assert!(d.removal.byte_start <= d.removal.byte_end && d.removal.byte_end <= text.len());
            assert!(text.is_char_boundary(d.removal.byte_start));
            assert!(text.is_char_boundary(d.removal.byte_end));
        }
        let file = syn::parse_file(text).unwrap_or_else(|_| syn::File {
            shebang: None,
            attrs: Vec::new(),
            items: Vec::new(),
        });
        let s = resolve(text, &file, d);
        for s in &s {
            assert!(s.first_line <= s.last_line);
        }
        let diags = (1..6).map(|l| diag("await_in_loop", l)).collect();
        let a = apply(diags, &s, &p, true, &all_enabled, &|_| None, &known, IDS, 0);
        assert_eq!(a.kept.len() + a.suppressed.len(), 5);
    }

    #[test]
    fn never_panics_on_garbage() {
        const PIECES: &[&str] = &[
            "/",
            "*",
            "\"",
            "'",
            "r",
            "#",
            "b",
            "c",
            "\\",
            "\n",
            "\r",
            " ",
            "a",
            "!",
            "(",
            ")",
            "-",
            ",",
            "é",
            "{",
            "}",
            "[",
            "]",
            ";",
            "async-lint:",
            " allow(",
            "allow-file(",
            "await_in_loop",
            "--",
            "fn f() {",
            "//",
            "/*",
            "*/",
            "'a",
            "r#\"",
            "\"#",
            "\u{feff}",
            "#!",
            "0",
            "x",
        ];
        let mut rng = Lcg(0x5eed);
        for _ in 0..600 {
            let len = rng.next() % 60;
            let mut s = String::new();
            for _ in 0..len {
                s.push_str(PIECES[rng.next() as usize % PIECES.len()]);
            }
            exercise(&s);
        }
        // Raw bytes, made valid UTF-8 lossily.
        for _ in 0..300 {
            let len = rng.next() % 80;
            let bytes: Vec<u8> = (0..len).map(|_| (rng.next() % 256) as u8).collect();
            exercise(&String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn never_panics_on_truncated_files() {
        let text = "\
#![allow(dead_code)]
// async-lint: allow-file(detached_spawn) -- a CLI
/// Docs with 'quotes' and \"strings\".
async fn f<'a>(x: &'a str) -> Result<(), ()> {
    let s = r#\"raw \" // async-lint: allow(x) \"#;
    let c = '\\'';
    /* nested /* comment */ async-lint: allow(y) */
    // async-lint: allow(await_in_loop, unknown-rule) -- é reason
    for i in 0..3 {
        g(i).await; // async-lint: allow(all)
    }
    match x { 'q' => {} _ => {} }
    Ok(())
}
";
        for end in 0..=text.len() {
            if text.is_char_boundary(end) {
                exercise(&text[..end]);
            }
        }
        let full = dirs_count(text);
        assert_eq!(full, 3);
    }

    fn dirs_count(text: &str) -> usize {
        parse_directives(text).0.len()
    }
}
