//! Pure renderers: findings (already sorted by the caller) and the files they point into → text.
//!
//! Every renderer here is a pure function of its inputs and never panics, whatever the spans
//! say: a [`Span`] is resolved against its file's text once ([`Resolved`]), clamped to the text
//! and to char boundaries, and every format prints that resolved position. So `human`, `short`
//! and `json` always agree on where a finding is, even for a span a rule got slightly wrong.
//!
//! * [`human`]: rustc's look, drawn by `annotate-snippets` (the crate rustc itself uses).
//! * [`short`]: `path:line:col: warning[async_lint::rule]: message`.
//! * [`json`]: cargo's `--message-format=json` stream (what `cargo_metadata::Message` parses).
//! * [`sarif`]: SARIF 2.1.0 for GitHub code scanning.
//! * [`github`]: GitHub Actions workflow commands (annotations).
//! * [`unified_diff`]: what `--fix` would change, for `--diff`.

mod diff;
mod github;
mod human;
mod json;
mod sarif;
mod short;

pub use diff::unified_diff;
pub use github::github;
pub(crate) use human::render as human_with;
pub use human::{human, human_one, summary};
pub use json::{json, path_mode_origin};
pub use sarif::sarif;
pub use short::short;

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;

/// How [`human`] draws.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HumanOptions {
    /// ANSI colours (rustc's palette); plain text when false.
    pub color: bool,
}

/// The code printed for a rule: `async_lint::<rule>`.
pub(crate) fn code(rule: &str) -> String {
    format!("async_lint::{rule}")
}

/// The file a diagnostic points into, if its index is valid.
pub(crate) fn file_of<'f>(diag: &Diagnostic, files: &'f [SourceFile]) -> Option<&'f SourceFile> {
    files.get(diag.file)
}

/// The display path of a diagnostic's file (`<unknown>` for a bad index).
/// Where the repository is, for the formats whose paths a code host resolves (GitHub
/// annotations, SARIF): display paths are relative to the workspace root (or the current
/// directory), and `prefix` is that directory relative to the repository root.
#[derive(Debug, Clone, Default)]
pub struct RepoBase {
    /// `sub/` for a workspace in `sub/` of the repository; empty when they are the same.
    pub prefix: String,
    /// The repository root as an absolute `file://` URI ending in `/`, for SARIF's
    /// `originalUriBaseIds`.
    pub root_uri: Option<String>,
}

impl RepoBase {
    /// `root` is the repository root (absolute); `within` the workspace relative to it.
    pub fn new(root: &std::path::Path, within: &std::path::Path) -> RepoBase {
        let mut prefix = within.to_string_lossy().replace('\\', "/");
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        let mut root = root.to_string_lossy().replace('\\', "/");
        if !root.starts_with('/') {
            root.insert(0, '/');
        }
        if !root.ends_with('/') {
            root.push('/');
        }
        RepoBase {
            prefix,
            root_uri: Some(format!("file://{}", sarif::encode_path(&root))),
        }
    }

    /// A display path relative to the repository root, `.` and `..` resolved (an absolute
    /// one, a file outside the workspace, is returned as it is).
    pub fn path(&self, display: &str) -> String {
        if display.starts_with('/') || display.starts_with('\\') || display.get(1..2) == Some(":") {
            return display.to_string();
        }
        normalize(&format!("{}{display}", self.prefix))
    }
}

/// `a/./b/../c` → `a/c`, lexically (a `..` above the start is kept).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

pub(crate) fn display_of<'f>(diag: &Diagnostic, files: &'f [SourceFile]) -> &'f str {
    file_of(diag, files).map_or("<unknown>", |f| f.display.as_str())
}

/// [`display_of`] made safe to print on a terminal or in a log: see [`escape_control`].
pub(crate) fn display_escaped<'f>(
    diag: &Diagnostic,
    files: &'f [SourceFile],
) -> std::borrow::Cow<'f, str> {
    escape_control(display_of(diag, files))
}

/// Control characters written as Rust escapes, so that a file name (or any text taken from the
/// checkout) printed in plain text cannot start a new line, move the cursor or send a terminal
/// escape sequence: `\n`, `\r`, `\t`, and `\u{1b}` style for the other C0 controls, DEL, the C1
/// controls (U+0080..U+009F; U+009B is a one-character CSI on some terminals) and the Unicode
/// bidirectional overrides and isolates (which reorder what is shown). Other text, including
/// `\` itself, is unchanged.
pub fn escape_control(s: &str) -> std::borrow::Cow<'_, str> {
    fn needs(c: char) -> bool {
        c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !s.chars().any(needs) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

pub(crate) use crate::source::{Resolved, Text};

/// Resolves every diagnostic's files lazily, one line index per file.
pub(crate) struct Texts<'f> {
    files: &'f [SourceFile],
    texts: Vec<Option<Text<'f>>>,
}

impl<'f> Texts<'f> {
    pub fn new(files: &'f [SourceFile]) -> Texts<'f> {
        Texts {
            files,
            texts: files.iter().map(|_| None).collect(),
        }
    }

    /// The text of file `i`, or an empty text for a bad index.
    pub fn get(&mut self, i: usize) -> &Text<'f> {
        if i >= self.files.len() {
            // A bad file index still renders (without source): keep one empty slot at the end.
            if self.texts.len() == self.files.len() {
                self.texts.push(Some(Text::new("")));
            }
            return self.texts[self.files.len()].as_ref().expect("filled above");
        }
        let files = self.files;
        self.texts[i].get_or_insert_with(|| Text::new(&files[i].text))
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builders shared by the renderers' tests.

    use std::path::PathBuf;

    use crate::diagnostic::{Applicability, Diagnostic, Edit, Severity, Span, Suggestion};
    use crate::source::{CargoTarget, LineIndex, Origin, SourceFile};

    pub const SYNC_RS: &str = "async fn load(ids: Vec<u32>) -> Result<(), Error> {\n    for id in ids {\n        let user = fetch_user(id).await?;\n        println!(\"{user:?}\");\n    }\n    Ok(())\n}\n";

    pub fn file(display: &str, text: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from(format!("/work/proj/{display}")),
            display: display.to_string(),
            text: text.to_string(),
            origin: None,
        }
    }

    pub fn file_with_origin(display: &str, text: &str) -> SourceFile {
        let target = CargoTarget {
            kind: vec!["lib".into()],
            crate_types: vec!["lib".into()],
            name: "demo".into(),
            src_path: "/work/proj/src/lib.rs".into(),
            edition: "2021".into(),
            required_features: Vec::new(),
            doc: true,
            doctest: true,
            test: true,
        };
        SourceFile {
            origin: Some(Origin {
                package_id: "path+file:///work/proj#demo@0.1.0".to_string(),
                manifest_path: "/work/proj/Cargo.toml".to_string(),
                target,
            }),
            ..file(display, text)
        }
    }

    /// The span of the `nth` (0-based) occurrence of `needle` in `text`.
    pub fn span_of(text: &str, needle: &str, nth: usize) -> Span {
        let start = text
            .match_indices(needle)
            .nth(nth)
            .map(|(i, _)| i)
            .expect("needle in text");
        span_bytes(text, start, start + needle.len())
    }

    pub fn span_bytes(text: &str, start: usize, end: usize) -> Span {
        LineIndex::new(text).span(text, start, end)
    }

    /// await_in_loop on SYNC_RS with everything a diagnostic can carry.
    pub fn full_diag() -> Diagnostic {
        let t = SYNC_RS;
        let loop_head = span_of(t, "for id in ids", 0);
        let whole_loop = {
            let s = t.find("for id").unwrap();
            let e = t.find("    Ok(())").unwrap() - 1;
            span_bytes(t, s, e)
        };
        Diagnostic::new(
            "await_in_loop",
            span_of(t, "fetch_user(id).await", 0),
            "each iteration waits for `fetch_user(id)` before starting the next",
        )
        .with_label("awaited one at a time")
        .with_secondary(loop_head, "the iterations do not depend on each other")
        .with_help("run them concurrently, at most 8 at a time")
        .with_note("`async_lint::await_in_loop` is `warn` by default")
        .with_suggestion(Suggestion {
            message: "collect the futures into a stream".to_string(),
            edits: vec![Edit {
                span: whole_loop,
                replacement: "let users: Vec<_> = futures::stream::iter(ids)\n        .map(|id| fetch_user(id))\n        .buffered(8)\n        .try_collect()\n        .await?;"
                    .to_string(),
            }],
            applicability: Applicability::MaybeIncorrect,
        })
    }

    pub fn error(mut d: Diagnostic) -> Diagnostic {
        d.severity = Severity::Error;
        d
    }

    /// Spans that do not fit their text, in every way we could think of.
    pub fn hostile_spans(text: &str) -> Vec<Span> {
        let len = text.len();
        let mut spans = vec![
            Span::default(),
            Span::FILE_START,
            Span {
                line_start: 999,
                column_start: 999,
                line_end: 1000,
                column_end: 3,
                byte_start: len + 10,
                byte_end: len + 50,
            },
            Span {
                line_start: 2,
                column_start: 500,
                line_end: 2,
                column_end: 900,
                byte_start: 0,
                byte_end: 0,
            },
            Span {
                line_start: 3,
                column_start: 4,
                line_end: 1,
                column_end: 1,
                byte_start: 9,
                byte_end: 2,
            },
            Span {
                line_start: 1,
                column_start: 2,
                line_end: 3,
                column_end: 2,
                byte_start: 1,
                byte_end: len,
            },
            Span {
                line_start: 0,
                column_start: 0,
                line_end: 0,
                column_end: 0,
                byte_start: len,
                byte_end: len,
            },
        ];
        // Every byte pair, including ones inside multi-byte chars.
        for s in 0..=len + 1 {
            for e in [s, s + 1, s + 3, len] {
                spans.push(Span {
                    line_start: 1,
                    column_start: 1,
                    line_end: 1,
                    column_end: 1,
                    byte_start: s,
                    byte_end: e,
                });
            }
        }
        spans
    }

    pub const NASTY_TEXT: &str =
        "fn é() {\n\tlet ü = \"日本語\";\r\n\t\tblock_on(f());\n}\n// 🦀 end without newline";
}

#[cfg(test)]
mod tests {
    use super::escape_control;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("src/lib.rs"), "src/lib.rs");
        assert!(matches!(
            escape_control("src/é 日本.rs"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_control("a\nsrc/x.rs:1:1: error: forged"),
            "a\\nsrc/x.rs:1:1: error: forged"
        );
        assert_eq!(escape_control("a\r\tb"), "a\\r\\tb");
        assert_eq!(escape_control("\u{1b}[2Jx"), "\\u{1b}[2Jx");
        assert_eq!(escape_control("\0\u{7f}\u{9b}"), "\\u{0}\\u{7f}\\u{9b}");
        assert_eq!(escape_control("a\u{202e}b\u{2066}"), "a\\u{202e}b\\u{2066}");
        // A backslash is kept as it is (display paths use `/`).
        assert_eq!(escape_control("a\\nb"), "a\\nb");
    }
}
