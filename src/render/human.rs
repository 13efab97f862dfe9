//! rustc's look: `warning[async_lint::rule]: message`, ` --> path:line:col`, the source with
//! carets, `= help` / `= note` lines and the suggested code, drawn by `annotate-snippets`.

use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Patch, Renderer, Snippet};

use super::{code, display_escaped, file_of, HumanOptions, Text, Texts};
use crate::diagnostic::{Diagnostic, Severity, Suggestion};
use crate::source::SourceFile;

/// rustc's text for all diagnostics (already sorted by the caller), each followed by a blank
/// line, exactly as rustc prints them one after the other.
pub fn human(diags: &[Diagnostic], files: &[SourceFile], opts: &HumanOptions) -> String {
    let mut texts = Texts::new(files);
    let mut out = String::new();
    for diag in diags {
        out.push_str(&render(diag, files, &mut texts, opts.color));
    }
    out
}

/// One diagnostic rendered alone, ending with a blank line (`"…\n\n"`) like rustc's own
/// `rendered` field; [`human`] is these concatenated.
pub fn human_one(diag: &Diagnostic, files: &[SourceFile], color: bool) -> String {
    render(diag, files, &mut Texts::new(files), color)
}

/// The closing line, without a line break:
/// `async-lint: 3 warnings, 1 error in 42 files (18 ms)`, or
/// `async-lint: no problems found in 42 files (18 ms)`.
pub fn summary(warnings: usize, errors: usize, files: usize, millis: u128) -> String {
    let files = count(files, "file", "files");
    let mut found = Vec::new();
    if warnings > 0 {
        found.push(count(warnings, "warning", "warnings"));
    }
    if errors > 0 {
        found.push(count(errors, "error", "errors"));
    }
    if found.is_empty() {
        format!("async-lint: no problems found in {files} ({millis} ms)")
    } else {
        format!("async-lint: {} in {files} ({millis} ms)", found.join(", "))
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// [`human_one`] with the caller's line indexes, so rendering many diagnostics of one file
/// indexes it once.
pub(crate) fn render(
    diag: &Diagnostic,
    files: &[SourceFile],
    texts: &mut Texts<'_>,
    color: bool,
) -> String {
    let has_source = file_of(diag, files).is_some();
    // A file name is printed as plain text: escape what could forge lines or drive a terminal.
    let path = display_escaped(diag, files);
    let path: &str = &path;
    let text = texts.get(diag.file);
    // annotate-snippets is handed only the lines the diagnostic touches (so rendering n findings
    // of a huge file costs the size of their spans, not n times the file), starting at their
    // first line; ranges are moved to match. A byte order mark is not part of line 1.
    let (skip, first_line, end) = if has_source {
        window(diag, text)
    } else {
        (0, 1, 0)
    };
    let source = &text.text[skip..end];
    let at = |r: Range<usize>| r.start.clamp(skip, end) - skip..r.end.clamp(skip, end) - skip;
    let level = match diag.severity {
        Severity::Warning => Level::WARNING,
        Severity::Error => Level::ERROR,
    };
    let code = code(diag.rule);

    let inline = diag
        .suggestion
        .as_ref()
        .filter(|_| has_source)
        .and_then(|s| inline_suggestion(s, text))
        .map(|(r, label)| (at(r), label));
    let patches = diag
        .suggestion
        .as_ref()
        .filter(|_| has_source && inline.is_none())
        .map(|s| patches(s, text, skip, end))
        .unwrap_or_default();

    let inlined = inline.is_some();
    let mut primary =
        Group::with_title(level.primary_title(diag.message.as_str()).id(code.as_str()));
    if has_source {
        let main = at(text.resolve(&diag.span).range());
        // rustc pushes a short suggestion as a label on its span: the primary label when that
        // span is the (unlabelled) primary span, an extra label there or a secondary `-` label
        // elsewhere otherwise.
        let (main_label, inline) = match inline {
            Some((range, label)) if range == main && diag.label.is_empty() => (Some(label), None),
            other => (non_empty(&diag.label).map(str::to_string), other),
        };
        let mut snippet = Snippet::source(source)
            .line_start(first_line)
            .path(path)
            .annotation(AnnotationKind::Primary.span(main.clone()).label(main_label));
        for label in &diag.secondary {
            snippet = snippet.annotation(
                AnnotationKind::Context
                    .span(at(text.resolve(&label.span).range()))
                    .label(non_empty(&label.message)),
            );
        }
        if let Some((range, label)) = inline {
            let kind = if range == main {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            snippet = snippet.annotation(kind.span(range).label(label));
        }
        primary = primary.element(snippet);
    } else {
        primary = primary.element(Origin::path(path));
    }
    for help in &diag.help {
        primary = primary.element(Level::HELP.message(help.as_str()));
    }
    if let Some(s) = &diag.suggestion {
        // A suggestion we cannot show as code still says what to do.
        if !has_source || (!inlined && patches.is_empty()) {
            primary = primary.element(Level::HELP.message(s.message.as_str()));
        }
    }
    for note in &diag.notes {
        primary = primary.element(Level::NOTE.message(note.as_str()));
    }

    let mut report = vec![primary];
    if let (Some(s), false) = (&diag.suggestion, patches.is_empty()) {
        report.push(
            Group::with_title(Level::HELP.secondary_title(s.message.as_str())).element(
                Snippet::source(source)
                    .line_start(first_line)
                    .path(path)
                    .patches(patches),
            ),
        );
    }

    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = renderer.render(&report);
    out.push_str("\n\n");
    out
}

/// The part of the text a diagnostic shows: from the start of the first line any of its spans
/// (primary, labels, suggestion edits) touches to the end of the last such line, as (start
/// byte, its 1-based line number, end byte). A leading BOM is left out.
fn window(diag: &Diagnostic, text: &Text<'_>) -> (usize, usize, usize) {
    let t = text.text;
    let mut lo = usize::MAX;
    let mut hi = 0;
    let spans = std::iter::once(&diag.span)
        .chain(diag.secondary.iter().map(|l| &l.span))
        .chain(
            diag.suggestion
                .iter()
                .flat_map(|s| s.edits.iter().map(|e| &e.span)),
        );
    for span in spans {
        let r = text.resolve(span).range();
        lo = lo.min(r.start);
        hi = hi.max(r.end);
    }
    let lo = lo.min(t.len());
    let hi = hi.clamp(lo, t.len());
    // The line index knows where line 1 starts after a BOM.
    let (line, _) = text.index.position(t, lo);
    let start = text.index.offset(t, line, 1);
    let end = t
        .get(hi..)
        .and_then(|rest| rest.find('\n'))
        .map_or(t.len(), |i| hi + i);
    (start, line as usize, end.max(start))
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// rustc's rule for showing a suggestion as a label (`help: msg: `code``) instead of a separate
/// block: one edit, a message of fewer than ten words, no line break in the code.
fn inline_suggestion(s: &Suggestion, text: &Text<'_>) -> Option<(Range<usize>, String)> {
    let [edit] = s.edits.as_slice() else {
        return None;
    };
    if s.message.split_whitespace().count() >= 10 || edit.replacement.contains('\n') {
        return None;
    }
    let code = edit.replacement.trim();
    let label = if code.is_empty() {
        format!("help: {}", s.message)
    } else {
        format!("help: {}: `{code}`", s.message)
    };
    Some((text.resolve(&edit.span).range(), label))
}

/// The edits as patches on the window `skip..end` of the original text: resolved, sorted,
/// overlaps dropped (the first edit at a place wins), and edits that change nothing left out.
fn patches<'a>(s: &'a Suggestion, text: &Text<'_>, skip: usize, end: usize) -> Vec<Patch<'a>> {
    let mut edits: Vec<(Range<usize>, &str)> = s
        .edits
        .iter()
        .map(|e| (text.resolve(&e.span).range(), e.replacement.as_str()))
        .filter(|(r, rep)| text.text.get(r.clone()) != Some(*rep))
        .collect();
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let window_end = end;
    let mut out = Vec::with_capacity(edits.len());
    let mut end = 0;
    for (range, replacement) in edits {
        if range.start < end {
            continue;
        }
        end = range.end;
        let range =
            range.start.clamp(skip, window_end) - skip..range.end.clamp(skip, window_end) - skip;
        out.push(Patch::new(range, replacement));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Applicability, Edit, Span};
    use crate::render::test_support::*;

    fn plain(diag: &Diagnostic, files: &[SourceFile]) -> String {
        human_one(diag, files, false)
    }

    #[test]
    fn full_diagnostic_looks_like_rustc() {
        let files = [file("src/sync.rs", SYNC_RS)];
        let got = plain(&full_diag(), &files);
        let want = r#"warning[async_lint::await_in_loop]: each iteration waits for `fetch_user(id)` before starting the next
 --> src/sync.rs:3:20
  |
2 |     for id in ids {
  |     ------------- the iterations do not depend on each other
3 |         let user = fetch_user(id).await?;
  |                    ^^^^^^^^^^^^^^^^^^^^ awaited one at a time
  |
  = help: run them concurrently, at most 8 at a time
  = note: `async_lint::await_in_loop` is `warn` by default
help: collect the futures into a stream
  |
2 ~     let users: Vec<_> = futures::stream::iter(ids)
3 +         .map(|id| fetch_user(id))
4 +         .buffered(8)
5 +         .try_collect()
6 +         .await?;
  |

"#;
        assert_eq!(got, want, "\n--- got ---\n{got}");
    }

    #[test]
    fn multi_line_help_aligns_continuation_lines() {
        let files = [file("src/sync.rs", SYNC_RS)];
        let d = Diagnostic::new("await_in_loop", span_of(SYNC_RS, "fetch_user", 0), "m")
            .with_help("run them concurrently:\nlet users = stream\n    .buffered(8);");
        let got = plain(&d, &files);
        assert!(
            got.contains(
                "  = help: run them concurrently:\n          let users = stream\n              .buffered(8);\n"
            ),
            "{got}"
        );
    }

    #[test]
    fn short_single_edit_suggestion_is_an_inline_label() {
        let files = [file("src/sync.rs", SYNC_RS)];
        let span = span_of(SYNC_RS, "async ", 0);
        let d =
            Diagnostic::new("unused_async", span, "unused `async`").with_suggestion(Suggestion {
                message: "remove `async`".into(),
                edits: vec![Edit {
                    span,
                    replacement: String::new(),
                }],
                applicability: Applicability::MachineApplicable,
            });
        let got = plain(&d, &files);
        let want = "warning[async_lint::unused_async]: unused `async`
 --> src/sync.rs:1:1
  |
1 | async fn load(ids: Vec<u32>) -> Result<(), Error> {
  | ^^^^^^ help: remove `async`

";
        assert_eq!(got, want, "\n--- got ---\n{got}");

        let span = span_of(SYNC_RS, "fetch_user", 0);
        let d = Diagnostic::new("r", span_of(SYNC_RS, "fetch_user(id).await", 0), "m")
            .with_label("here")
            .with_suggestion(Suggestion {
                message: "use".into(),
                edits: vec![Edit {
                    span,
                    replacement: "get_user".into(),
                }],
                applicability: Applicability::MaybeIncorrect,
            });
        let got = plain(&d, &files);
        assert!(got.contains("help: use: `get_user`"), "{got}");
    }

    #[test]
    fn multi_edit_suggestion_shows_patched_lines() {
        let files = [file("src/sync.rs", SYNC_RS)];
        let d = Diagnostic::new("r", span_of(SYNC_RS, "fetch_user(id).await", 0), "m")
            .with_suggestion(Suggestion {
                message: "add a timeout".into(),
                edits: vec![
                    Edit {
                        span: span_bytes(
                            SYNC_RS,
                            SYNC_RS.find("fetch_user").unwrap(),
                            SYNC_RS.find("fetch_user").unwrap(),
                        ),
                        replacement: "timeout(d, ".into(),
                    },
                    Edit {
                        span: span_of(SYNC_RS, ".await?", 0),
                        replacement: ").await??".into(),
                    },
                ],
                applicability: Applicability::MaybeIncorrect,
            });
        let got = plain(&d, &files);
        assert!(got.contains("help: add a timeout\n"), "{got}");
        assert!(
            got.contains("let user = timeout(d, fetch_user(id)).await??;"),
            "{got}"
        );
    }

    #[test]
    fn error_severity_and_color() {
        let files = [file("src/sync.rs", SYNC_RS)];
        let d = error(full_diag());
        let got = plain(&d, &files);
        assert!(
            got.starts_with("error[async_lint::await_in_loop]: "),
            "{got}"
        );
        let colored = human_one(&d, &files, true);
        assert!(colored.contains("\u{1b}["), "{colored}");
        assert!(!got.contains('\u{1b}'));
    }

    #[test]
    fn human_concatenates_with_blank_lines() {
        let files = [file("src/sync.rs", SYNC_RS)];
        let a = Diagnostic::new("a", span_of(SYNC_RS, "for", 0), "first");
        let b = Diagnostic::new("b", span_of(SYNC_RS, "Ok", 0), "second");
        let all = human(
            &[a.clone(), b.clone()],
            &files,
            &HumanOptions { color: false },
        );
        assert_eq!(all, format!("{}{}", plain(&a, &files), plain(&b, &files)));
        assert!(all.ends_with("\n\n"));
        assert_eq!(human(&[], &files, &HumanOptions::default()), "");
    }

    #[test]
    fn parse_error_in_empty_file() {
        let files = [file("src/broken.rs", "")];
        let d = error(Diagnostic::new(
            "parse_error",
            Span::FILE_START,
            "could not read file",
        ));
        let got = plain(&d, &files);
        assert!(
            got.starts_with(
                "error[async_lint::parse_error]: could not read file\n --> src/broken.rs:1:1\n"
            ),
            "{got}"
        );
    }

    #[test]
    fn column_is_counted_in_chars_and_line_only_spans_work() {
        let text = "let é = \"ü\"; block_on(f());\n";
        let files = [file("src/a.rs", text)];
        let mut span = span_of(text, "block_on", 0);
        assert_eq!(span.column_start, 14);
        let got = plain(&Diagnostic::new("r", span, "m"), &files);
        assert!(got.contains(" --> src/a.rs:1:14\n"), "{got}");
        // Only line/column known (bytes left at zero): still the right place.
        span.byte_start = 0;
        span.byte_end = 0;
        let got2 = plain(&Diagnostic::new("r", span, "m"), &files);
        assert_eq!(got, got2);
    }

    #[test]
    fn bad_file_index_renders_without_source() {
        let d = Diagnostic {
            file: 7,
            ..full_diag()
        };
        let got = plain(&d, &[]);
        assert!(got.contains("--> <unknown>"), "{got}");
        assert!(
            got.contains("help: collect the futures into a stream"),
            "{got}"
        );
    }

    #[test]
    fn summary_counts() {
        assert_eq!(
            summary(3, 1, 42, 18),
            "async-lint: 3 warnings, 1 error in 42 files (18 ms)"
        );
        assert_eq!(
            summary(1, 0, 1, 0),
            "async-lint: 1 warning in 1 file (0 ms)"
        );
        assert_eq!(
            summary(0, 2, 5, 7),
            "async-lint: 2 errors in 5 files (7 ms)"
        );
        assert_eq!(
            summary(0, 0, 42, 18),
            "async-lint: no problems found in 42 files (18 ms)"
        );
    }

    #[test]
    fn never_panics_on_hostile_spans() {
        for text in [NASTY_TEXT, "", "x", "\n", "é", SYNC_RS] {
            let files = [file("src/n.rs", text)];
            for span in hostile_spans(text) {
                for replacement in ["", "z", "a\nb\n", "日本"] {
                    let d = Diagnostic::new("r", span, "m")
                        .with_label("l")
                        .with_secondary(span, "s")
                        .with_help("h")
                        .with_note("n")
                        .with_suggestion(Suggestion {
                            message: "fix".into(),
                            edits: vec![
                                Edit {
                                    span,
                                    replacement: replacement.into(),
                                },
                                Edit {
                                    span: hostile_spans(text)[2],
                                    replacement: "q".into(),
                                },
                            ],
                            applicability: Applicability::MaybeIncorrect,
                        });
                    let out = plain(&d, &files);
                    assert!(out.starts_with("warning[async_lint::r]: m\n"));
                    let mut single = d.clone();
                    single.suggestion.as_mut().unwrap().edits.truncate(1);
                    plain(&single, &files);
                }
            }
        }
    }

    /// Each diagnostic is drawn from the lines it touches, not from the whole file (which made
    /// rendering n findings of one file cost n times the file).
    #[test]
    fn only_the_lines_a_diagnostic_touches_are_rendered() {
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str(&format!("fn f{i}() {{}}\n"));
        }
        let files = [file("src/big.rs", &text)];
        let mut diag = Diagnostic::new("async_without_await", span_of(&text, "fn f500()", 0), "m");
        diag.file = 0;
        let t = Text::new(&text);
        let (from, line, to) = window(&diag, &t);
        assert_eq!(line, 501);
        assert_eq!(&text[from..to], "fn f500() {}");
        let out = plain(&diag, &files);
        assert!(out.contains("501 | fn f500() {}"), "{out}");
        // A secondary label on another line widens the window to cover both.
        diag.secondary.push(crate::diagnostic::Label {
            span: span_of(&text, "fn f498()", 0),
            message: "here".into(),
        });
        let (from, line, to) = window(&diag, &t);
        assert_eq!(line, 499);
        assert_eq!(text[from..to].lines().count(), 3);
        // A BOM is never part of the window.
        let bom = format!("{}{text}", crate::source::BOM);
        let t = Text::new(&bom);
        diag.secondary.clear();
        diag.span = span_bytes(&bom, 0, 0);
        let (from, line, _) = window(&diag, &t);
        assert_eq!((from, line), (crate::source::BOM.len_utf8(), 1));
    }

    #[test]
    fn file_names_cannot_forge_lines_or_send_escapes() {
        let text = "async fn f() {}\n";
        let files = [file("src/a\nsrc/x.rs:1:1: error: forged\u{1b}[2J.rs", text)];
        let out = plain(&Diagnostic::new("r", span_of(text, "f()", 0), "m"), &files);
        assert!(!out.contains('\u{1b}'), "{out}");
        assert!(
            out.contains(" --> src/a\\nsrc/x.rs:1:1: error: forged\\u{1b}[2J.rs:1:10"),
            "{out}"
        );
        assert!(!out.lines().any(|l| l.starts_with("src/x.rs")), "{out}");
    }

    #[test]
    fn a_bom_does_not_shift_columns_or_drop_the_suggestion() {
        let text = "\u{feff}async fn f() {}\n";
        let files = [file("src/bom.rs", text)];
        let span = span_of(text, "async ", 0);
        assert_eq!((span.column_start, span.byte_start), (1, 3));
        let mut d = Diagnostic::new("r", span, "m");
        d.suggestion = Some(Suggestion {
            message: "remove `async`".into(),
            edits: vec![Edit {
                span,
                replacement: String::new(),
            }],
            applicability: Applicability::MachineApplicable,
        });
        let out = plain(&d, &files);
        assert!(out.contains(" --> src/bom.rs:1:1\n"), "{out}");
        assert!(out.contains("help: remove `async`"), "{out}");
        assert!(!out.contains('\u{feff}'), "{out}");
        assert!(out.contains("1 | async fn f() {}"), "{out}");
    }
}
