//! One line per finding, like rustc's `--error-format=short`:
//! `path:line:col: warning[async_lint::rule]: message`.

use super::{code, display_escaped, escape_control, Texts};
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;

/// `path:line:col: warning[async_lint::rule]: message`, one line per diagnostic (line breaks
/// inside a message become spaces so that each finding stays on one line).
pub fn short(diags: &[Diagnostic], files: &[SourceFile]) -> String {
    let mut texts = Texts::new(files);
    let mut out = String::new();
    for diag in diags {
        let at = texts.get(diag.file).resolve(&diag.span);
        let message = diag.message.replace("\r\n", " ").replace('\n', " ");
        // File names and messages (which quote the checkout's code) cannot forge a line or
        // send a terminal escape.
        let message = escape_control(&message);
        out.push_str(&format!(
            "{}:{}:{}: {}[{}]: {}\n",
            display_escaped(diag, files),
            at.line_start,
            at.column_start,
            diag.severity.as_str(),
            code(diag.rule),
            message
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_support::*;

    #[test]
    fn one_line_per_finding() {
        let files = [file("src/sync.rs", SYNC_RS), file("src/b.rs", "é x\n")];
        let mut b = error(Diagnostic::new(
            "blocking_call",
            span_of("é x\n", "x", 0),
            "two\nlines",
        ));
        b.file = 1;
        let got = short(&[full_diag(), b], &files);
        assert_eq!(
            got,
            "src/sync.rs:3:20: warning[async_lint::await_in_loop]: each iteration waits for `fetch_user(id)` before starting the next\n\
             src/b.rs:1:3: error[async_lint::blocking_call]: two lines\n"
        );
    }

    #[test]
    fn never_panics_on_hostile_spans() {
        for text in [NASTY_TEXT, ""] {
            let files = [file("src/n.rs", text)];
            for span in hostile_spans(text) {
                let out = short(&[Diagnostic::new("r", span, "m")], &files);
                assert!(out.starts_with("src/n.rs:"));
                assert_eq!(out.lines().count(), 1);
            }
        }
        let out = short(
            &[Diagnostic {
                file: 3,
                ..full_diag()
            }],
            &[],
        );
        assert!(out.starts_with("<unknown>:1:1: warning"), "{out}");
    }

    #[test]
    fn file_names_and_messages_are_escaped() {
        let text = "fn f() {}\n";
        let files = [file("a\nb:1:1: error[x]: forged\u{1b}]0;t\u{7}.rs", text)];
        let d = Diagnostic::new("r", span_of(text, "f", 1), "m \u{1b}[31m");
        let out = short(&[d], &files);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out}");
        assert!(
            out.starts_with("a\\nb:1:1: error[x]: forged\\u{1b}]0;t\\u{7}.rs:1:4: warning"),
            "{out}"
        );
        assert!(out.ends_with(": m \\u{1b}[31m\n"), "{out}");
    }
}
