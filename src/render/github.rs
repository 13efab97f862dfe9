// GitHub Actions workflow commands: one `::error` / `::warning` annotation per finding, escaped
// exactly as `@actions/core` escapes them, most severe first, capped at what GitHub shows.

use super::{code, display_of, RepoBase, Texts};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceFile;

/// GitHub shows at most this many annotations of one level per step; the rest are dropped.
const MAX_PER_LEVEL: usize = 10;

/// GitHub Actions workflow commands, one per line:
/// `::error file={path},line={l},col={c},endLine={el},endColumn={ec},title=async_lint::{rule}::{message}`
/// (`::warning` for warnings).
///
/// Errors come first, then warnings, at most 10 of each (GitHub drops more than 10 annotations
/// of a level per step), each level in the given order. If any were left out, a `::notice::`
/// line says how many, and they follow as `short` lines, so the job log holds every finding.
/// Those lines quote the checkout (file names, code), so workflow commands are stopped around
/// them (`::stop-commands::TOKEN` .. `::TOKEN::`, with a token the checkout cannot know): no
/// file name can forge an annotation or set an output. Nothing at all is printed for no findings.
///
/// Values are escaped as GitHub's toolkit does: in the message `%`, `\r`, `\n` become `%25`,
/// `%0D`, `%0A`; in property values `:` and `,` also become `%3A` and `%2C`. The message is the
/// finding's message followed by its `help: …` lines. `col`/`endColumn` are given only when the
/// span is on one line: the runner drops them for multi-line annotations anyway.
pub fn github(diags: &[Diagnostic], files: &[SourceFile], repo: &RepoBase) -> String {
    let mut texts = Texts::new(files);
    let mut out = String::new();
    let mut left_out = [0usize; 2];
    let mut rest: Vec<Diagnostic> = Vec::new();
    for (slot, severity) in [Severity::Error, Severity::Warning].into_iter().enumerate() {
        let of_level = diags.iter().filter(|d| d.severity == severity);
        for (i, diag) in of_level.enumerate() {
            if i >= MAX_PER_LEVEL {
                left_out[slot] += 1;
                rest.push(diag.clone());
                continue;
            }
            let at = texts.get(diag.file).resolve(&diag.span);
            let mut props = vec![
                ("file", repo.path(display_of(diag, files))),
                ("line", at.line_start.to_string()),
            ];
            if at.line_start == at.line_end {
                props.push(("col", at.column_start.to_string()));
                props.push(("endLine", at.line_end.to_string()));
                props.push(("endColumn", at.column_end.to_string()));
            } else {
                props.push(("endLine", at.line_end.to_string()));
            }
            props.push(("title", code(diag.rule)));
            let props: Vec<String> = props
                .iter()
                .map(|(k, v)| format!("{k}={}", escape_property(v)))
                .collect();
            out.push_str(&format!(
                "::{} {}::{}\n",
                severity.as_str(),
                props.join(","),
                escape_data(&message(diag))
            ));
        }
    }
    let [errors, warnings] = left_out;
    if errors + warnings > 0 {
        let mut parts = Vec::new();
        if errors > 0 {
            parts.push(format!("{errors} more {}", plural(errors, "error")));
        }
        if warnings > 0 {
            parts.push(format!("{warnings} more {}", plural(warnings, "warning")));
        }
        out.push_str(&format!(
            "::notice::async-lint: {} not shown as annotations (listed below in this log)\n",
            parts.join(" and ")
        ));
        let token = stop_token();
        out.push_str(&format!("::stop-commands::{token}\n"));
        out.push_str(&super::short(&rest, files));
        out.push_str(&format!("::{token}::\n"));
    }
    out
}

/// A token for `::stop-commands::` that no file of the checkout can contain by design: random
/// per run (std's hasher keys come from the operating system).
fn stop_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    let mut h = state.build_hasher();
    h.write_u64(std::process::id() as u64);
    let a = h.finish();
    h.write_u64(a);
    format!("async-lint-{a:016x}{:016x}", h.finish())
}

/// The message, then one `help: …` line per help.
fn message(diag: &Diagnostic) -> String {
    let mut text = diag.message.clone();
    for help in &diag.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    text
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// `@actions/core`'s `escapeData`.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `@actions/core`'s `escapeProperty`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_support::*;

    fn warn_at(text: &str, needle: &str, message: &str) -> Diagnostic {
        Diagnostic::new("await_in_loop", span_of(text, needle, 0), message)
    }

    #[test]
    fn nothing_for_no_findings() {
        assert_eq!(github(&[], &[], &RepoBase::default()), "");
        assert_eq!(
            github(&[], &[file("src/a.rs", SYNC_RS)], &RepoBase::default()),
            ""
        );
    }

    #[test]
    fn one_annotation_with_position_title_and_help() {
        let files = [file("src/sync.rs", SYNC_RS)];
        assert_eq!(
            github(&[full_diag()], &files, &RepoBase::default()),
            "::warning file=src/sync.rs,line=3,col=20,endLine=3,endColumn=40,\
             title=async_lint%3A%3Aawait_in_loop::each iteration waits for `fetch_user(id)` \
             before starting the next%0Ahelp: run them concurrently, at most 8 at a time\n"
        );
    }

    #[test]
    fn escapes_like_the_toolkit() {
        let files = [file("src/a,b:c%d.rs", "let x = 1;\n")];
        let d = warn_at(&files[0].text, "x", "50% done, a: b\r\nnext, line");
        let out = github(&[d], &files, &RepoBase::default());
        assert_eq!(
            out,
            "::warning file=src/a%2Cb%3Ac%25d.rs,line=1,col=5,endLine=1,endColumn=6,\
             title=async_lint%3A%3Aawait_in_loop::50%25 done, a: b%0D%0Anext, line\n"
        );
        assert_eq!(out.lines().count(), 1);
        // Already-escaped-looking text is escaped again, so it round-trips.
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_property("a%3Ab"), "a%253Ab");
    }

    #[test]
    fn multi_line_spans_omit_columns() {
        let files = [file("src/sync.rs", SYNC_RS)];
        let s = SYNC_RS.find("for id").unwrap();
        let e = SYNC_RS.find("    Ok(())").unwrap() - 1;
        let d = Diagnostic::new("await_in_loop", span_bytes(SYNC_RS, s, e), "m");
        assert_eq!(
            github(&[d], &files, &RepoBase::default()),
            "::warning file=src/sync.rs,line=2,endLine=5,title=async_lint%3A%3Aawait_in_loop::m\n"
        );
    }

    #[test]
    fn errors_first_then_warnings_in_given_order() {
        let t = "a b c d\n";
        let files = [file("x.rs", t)];
        let diags = [
            warn_at(t, "a", "w1"),
            error(warn_at(t, "b", "e1")),
            warn_at(t, "c", "w2"),
            error(warn_at(t, "d", "e2")),
        ];
        let out = github(&diags, &files, &RepoBase::default());
        let kinds: Vec<_> = out
            .lines()
            .map(|l| {
                let (head, msg) = l.rsplit_once("::").unwrap();
                (head.split(' ').next().unwrap().to_string(), msg.to_string())
            })
            .collect();
        let want = [
            ("::error", "e1"),
            ("::error", "e2"),
            ("::warning", "w1"),
            ("::warning", "w2"),
        ];
        assert_eq!(
            kinds,
            want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
        );
    }

    #[test]
    fn caps_each_level_at_ten_and_counts_the_rest() {
        let t = "x\n";
        let files = [file("x.rs", t)];
        let w = |i: usize| warn_at(t, "x", &format!("w{i}"));
        let e = |i: usize| error(warn_at(t, "x", &format!("e{i}")));

        let diags: Vec<_> = (0..13).map(w).chain((0..11).map(e)).collect();
        let out = github(&diags, &files, &RepoBase::default());
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 27, "{out}");
        assert!(lines[..10].iter().all(|l| l.starts_with("::error ")));
        assert!(lines[10..20].iter().all(|l| l.starts_with("::warning ")));
        assert!(lines[9].ends_with("::e9") && lines[19].ends_with("::w9"));
        assert_eq!(
            lines[20],
            "::notice::async-lint: 1 more error and 3 more warnings not shown as annotations (listed below in this log)"
        );
        // The rest, as plain lines between a stop and a resume of workflow commands.
        let token = lines[21].strip_prefix("::stop-commands::").unwrap();
        assert!(token.len() >= 32, "{token}");
        assert_eq!(
            &lines[22..26],
            [
                "x.rs:1:1: error[async_lint::await_in_loop]: e10",
                "x.rs:1:1: warning[async_lint::await_in_loop]: w10",
                "x.rs:1:1: warning[async_lint::await_in_loop]: w11",
                "x.rs:1:1: warning[async_lint::await_in_loop]: w12",
            ]
        );
        assert_eq!(lines[26], format!("::{token}::"));
        // Another run, another token.
        let again = github(&diags, &files, &RepoBase::default());
        assert_ne!(again.lines().nth(21), Some(lines[21]));

        let only_warnings: Vec<_> = (0..12).map(w).collect();
        let out = github(&only_warnings, &files, &RepoBase::default());
        assert_eq!(
            out.lines().nth(10).unwrap(),
            "::notice::async-lint: 2 more warnings not shown as annotations (listed below in this log)"
        );
        let only_errors: Vec<_> = (0..12).map(e).chain((0..3).map(w)).collect();
        let out = github(&only_errors, &files, &RepoBase::default());
        assert_eq!(out.lines().count(), 14 + 4);
        assert_eq!(
            out.lines().nth(13).unwrap(),
            "::notice::async-lint: 2 more errors not shown as annotations (listed below in this log)"
        );
    }

    #[test]
    fn never_panics_on_hostile_spans() {
        for text in [NASTY_TEXT, ""] {
            let files = [file("src/n.rs", text)];
            for span in hostile_spans(text) {
                let d = Diagnostic::new("r", span, "m");
                let bad = Diagnostic {
                    file: 7,
                    ..d.clone()
                };
                let out = github(&[d, bad], &files, &RepoBase::default());
                assert_eq!(out.lines().count(), 2);
                assert!(out.starts_with("::warning file=src/n.rs,line="), "{out}");
                assert!(out.contains("::warning file=<unknown>,line=1,"), "{out}");
            }
        }
    }
}
