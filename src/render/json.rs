//! cargo's `--message-format=json` stream: one `compiler-message` object per finding, then
//! `build-finished`. Field names and order follow what cargo prints for rustc's diagnostics,
//! so rust-analyzer, rustfix and `cargo_metadata::Message` read it unchanged.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{code, display_of, file_of, human_with, Resolved, Text, Texts};
use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::source::{CargoTarget, SourceFile};

/// Package id, manifest and target names used for files reached without cargo (PATH mode).
const PATH_MODE_PACKAGE: &str = "async-lint-paths@0.0.0";

/// One `{"reason":"compiler-message",…}` line per diagnostic, then
/// `{"reason":"build-finished","success":BOOL}` (success = no error-severity diagnostic).
pub fn json(diags: &[Diagnostic], files: &[SourceFile]) -> String {
    let mut texts = Texts::new(files);
    let mut out = String::new();
    for diag in diags {
        let rendered = human_with(diag, files, &mut texts, false);
        let message = message(diag, files, texts.get(diag.file), rendered);
        let (package_id, manifest_path, target) = origin(diag, files);
        let line = CompilerMessage {
            reason: "compiler-message",
            package_id,
            manifest_path,
            target,
            message,
        };
        push_line(&mut out, &line);
    }
    let success = !diags.iter().any(|d| d.severity == Severity::Error);
    push_line(
        &mut out,
        &BuildFinished {
            reason: "build-finished",
            success,
        },
    );
    out
}

fn push_line(out: &mut String, value: &impl Serialize) {
    // Serializing these plain structs cannot fail (string keys, no maps, no non-finite floats).
    out.push_str(&serde_json::to_string(value).expect("JSON of plain structs"));
    out.push('\n');
}

#[derive(Serialize)]
struct CompilerMessage {
    reason: &'static str,
    package_id: String,
    manifest_path: String,
    target: TargetJson,
    message: DiagnosticJson,
}

#[derive(Serialize)]
struct BuildFinished {
    reason: &'static str,
    success: bool,
}

/// A target, keys in cargo's order (`kind`, `crate_types`, `name`, `src_path`, `edition`, …).
type TargetJson = CargoTarget;

/// The top-level rustc diagnostic, keys in the order cargo re-emits them.
#[derive(Serialize)]
struct DiagnosticJson {
    rendered: String,
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    children: Vec<ChildJson>,
    level: &'static str,
    message: String,
    spans: Vec<SpanJson>,
    code: CodeJson,
}

#[derive(Serialize)]
struct CodeJson {
    code: String,
    explanation: Option<String>,
}

/// A `note` / `help` child (rustc's sub-diagnostic), keys sorted as cargo prints them.
#[derive(Serialize)]
struct ChildJson {
    children: [(); 0],
    code: Option<CodeJson>,
    level: &'static str,
    message: String,
    rendered: Option<String>,
    spans: Vec<SpanJson>,
}

#[derive(Serialize)]
struct SpanJson {
    byte_end: usize,
    byte_start: usize,
    column_end: u32,
    column_start: u32,
    expansion: Option<()>,
    file_name: String,
    is_primary: bool,
    label: Option<String>,
    line_end: u32,
    line_start: u32,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<&'static str>,
    text: Vec<SpanLineJson>,
}

#[derive(Serialize)]
struct SpanLineJson {
    highlight_end: u32,
    highlight_start: u32,
    text: String,
}

fn message(
    diag: &Diagnostic,
    files: &[SourceFile],
    text: &Text<'_>,
    rendered: String,
) -> DiagnosticJson {
    let file_name = display_of(diag, files);
    let span = |s: &Span, primary: bool, label: &str| {
        let mut json = span_json(text.resolve(s), text, file_name, primary);
        json.label = (!label.is_empty()).then(|| label.to_string());
        json
    };

    let mut spans = vec![span(&diag.span, true, &diag.label)];
    spans.extend(
        diag.secondary
            .iter()
            .map(|l| span(&l.span, false, &l.message)),
    );

    let child = |level: &'static str, message: &str, spans: Vec<SpanJson>| ChildJson {
        children: [],
        code: None,
        level,
        message: message.to_string(),
        rendered: None,
        spans,
    };
    let mut children: Vec<ChildJson> = Vec::new();
    children.extend(diag.help.iter().map(|h| child("help", h, Vec::new())));
    children.extend(diag.notes.iter().map(|n| child("note", n, Vec::new())));
    if let Some(s) = &diag.suggestion {
        let mut spans: Vec<SpanJson> = s
            .edits
            .iter()
            .map(|e| {
                let mut json = span_json(text.resolve(&e.span), text, file_name, true);
                json.suggested_replacement = Some(e.replacement.clone());
                json.suggestion_applicability = Some(s.applicability.as_str());
                json
            })
            .collect();
        // Edits in other files are spans of those files, as rustc's multi-file suggestions.
        for (f, e) in &diag.suggestion_elsewhere {
            let Some(other) = files.get(*f) else { continue };
            let other_text = Text::new(&other.text);
            let mut json = span_json(
                other_text.resolve(&e.span),
                &other_text,
                &other.display,
                true,
            );
            json.suggested_replacement = Some(e.replacement.clone());
            json.suggestion_applicability = Some(s.applicability.as_str());
            spans.push(json);
        }
        children.push(child("help", &s.message, spans));
    }

    DiagnosticJson {
        rendered,
        message_type: "diagnostic",
        children,
        level: diag.severity.as_str(),
        message: diag.message.clone(),
        spans,
        code: CodeJson {
            code: code(diag.rule),
            explanation: None,
        },
    }
}

fn span_json(at: Resolved, text: &Text<'_>, file_name: &str, is_primary: bool) -> SpanJson {
    let lines = (at.line_start..=at.line_end)
        .map(|line| {
            let content = text.line(line);
            let width = content.chars().count() as u32 + 1;
            SpanLineJson {
                highlight_end: if line == at.line_end {
                    at.column_end
                } else {
                    width
                },
                highlight_start: if line == at.line_start {
                    at.column_start
                } else {
                    1
                },
                text: content.to_string(),
            }
        })
        .collect();
    SpanJson {
        byte_end: at.byte_end,
        byte_start: at.byte_start,
        column_end: at.column_end,
        column_start: at.column_start,
        expansion: None,
        file_name: file_name.to_string(),
        is_primary,
        label: None,
        line_end: at.line_end,
        line_start: at.line_start,
        suggested_replacement: None,
        suggestion_applicability: None,
        text: lines,
    }
}

/// `package_id`, `manifest_path` and `target` of the file: cargo's own in cargo mode; in PATH
/// mode a synthetic package rooted where the display path is relative to, with one `lib`
/// target per file named after it.
fn origin(diag: &Diagnostic, files: &[SourceFile]) -> (String, String, TargetJson) {
    let file = file_of(diag, files);
    if let Some(o) = file.and_then(|f| f.origin.as_ref()) {
        let target = o.target.clone();
        return (o.package_id.clone(), o.manifest_path.clone(), target);
    }

    let (root, src_path) = match file {
        Some(f) => path_mode_paths(f),
        None => (PathBuf::from("/"), PathBuf::from("/<unknown>")),
    };
    let stem = src_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut name: String = stem
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    if name.is_empty() {
        name = "async_lint_paths".to_string();
    }
    let target = TargetJson {
        kind: vec!["lib".to_string()],
        crate_types: vec!["lib".to_string()],
        name,
        src_path: path_string(&src_path),
        edition: "2021".to_string(),
        required_features: Vec::new(),
        doc: true,
        doctest: true,
        test: true,
    };
    let package_id = format!(
        "path+file://{}#{PATH_MODE_PACKAGE}",
        crate::source::url_path(&root)
    );
    let manifest = path_string(&root.join("Cargo.toml"));
    (package_id, manifest, target)
}

/// (root, absolute file path) of a PATH-mode file. The root is the directory the display path
/// is relative to (the current directory of the run); the file's own directory otherwise.
/// PATH mode's origin of a file: a synthetic package rooted where the display path is relative
/// to, with one `lib` target named after the file (edition 2021: the caller sets the one used).
pub fn path_mode_origin(path: &Path, display: &str) -> crate::source::Origin {
    let f = SourceFile {
        path: path.to_path_buf(),
        display: display.to_string(),
        text: String::new(),
        origin: None,
    };
    let diag = Diagnostic::new("parse_error", crate::diagnostic::Span::default(), "");
    let (package_id, manifest_path, target) = origin(&diag, std::slice::from_ref(&f));
    crate::source::Origin {
        package_id,
        manifest_path,
        target,
    }
}

fn path_mode_paths(f: &SourceFile) -> (PathBuf, PathBuf) {
    let abs = if f.path.is_absolute() {
        f.path.clone()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(&f.path))
            .unwrap_or_else(|_| f.path.clone())
    };
    let abs_str = path_string(&abs);
    let suffix = format!("/{}", f.display.trim_start_matches("./"));
    let root = match abs_str.strip_suffix(&suffix) {
        Some(root) if !f.display.is_empty() => {
            PathBuf::from(if root.is_empty() { "/" } else { root })
        }
        _ => abs
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/")),
    };
    (root, abs)
}

fn path_string(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Applicability, Edit, Suggestion};
    use crate::render::test_support::*;
    use cargo_metadata::diagnostic::{Applicability as CmApplicability, DiagnosticLevel};
    use cargo_metadata::Message;

    fn parse_all(out: &str) -> Vec<Message> {
        assert!(out.ends_with('\n'));
        out.lines()
            .map(|l| serde_json::from_str::<Message>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    fn compiler_message(m: &Message) -> &cargo_metadata::CompilerMessage {
        match m {
            Message::CompilerMessage(c) => c,
            other => panic!("not a compiler message: {other:?}"),
        }
    }

    #[test]
    fn path_mode_lines_parse_as_cargo_messages() {
        let files = [file("src/sync.rs", SYNC_RS)];
        let out = json(&[full_diag()], &files);
        let msgs = parse_all(&out);
        assert_eq!(msgs.len(), 2);
        let c = compiler_message(&msgs[0]);
        assert_eq!(
            c.package_id.repr,
            "path+file:///work/proj#async-lint-paths@0.0.0"
        );
        assert_eq!(c.target.name, "sync");
        assert_eq!(c.target.src_path.as_str(), "/work/proj/src/sync.rs");
        let d = &c.message;
        assert_eq!(d.level, DiagnosticLevel::Warning);
        assert_eq!(d.code.as_ref().unwrap().code, "async_lint::await_in_loop");
        assert_eq!(d.code.as_ref().unwrap().explanation, None);
        assert_eq!(
            d.rendered.as_deref(),
            Some(crate::render::human_one(&full_diag(), &files, false).as_str())
        );

        let p = &d.spans[0];
        assert!(p.is_primary);
        assert_eq!(p.file_name, "src/sync.rs");
        assert_eq!(
            (p.line_start, p.column_start, p.line_end, p.column_end),
            (3, 20, 3, 40)
        );
        assert_eq!(
            &SYNC_RS[p.byte_start as usize..p.byte_end as usize],
            "fetch_user(id).await"
        );
        assert_eq!(p.label.as_deref(), Some("awaited one at a time"));
        assert_eq!(p.text[0].text, "        let user = fetch_user(id).await?;");
        assert_eq!(
            (p.text[0].highlight_start, p.text[0].highlight_end),
            (20, 40)
        );
        assert!(p.suggested_replacement.is_none() && p.suggestion_applicability.is_none());
        let s = &d.spans[1];
        assert!(!s.is_primary);
        assert_eq!(
            s.label.as_deref(),
            Some("the iterations do not depend on each other")
        );

        let levels: Vec<_> = d.children.iter().map(|c| c.level).collect();
        assert_eq!(
            levels,
            [
                DiagnosticLevel::Help,
                DiagnosticLevel::Note,
                DiagnosticLevel::Help
            ]
        );
        assert!(d.children[0].spans.is_empty() && d.children[0].code.is_none());
        let sugg = &d.children[2];
        assert_eq!(sugg.message, "collect the futures into a stream");
        assert_eq!(sugg.spans.len(), 1);
        let e = &sugg.spans[0];
        assert!(e
            .suggested_replacement
            .as_deref()
            .unwrap()
            .starts_with("let users: Vec<_>"));
        assert_eq!(
            e.suggestion_applicability,
            Some(CmApplicability::MaybeIncorrect)
        );
        assert_eq!((e.line_start, e.line_end), (2, 5));
        assert_eq!(e.text.len(), 4);

        match &msgs[1] {
            Message::BuildFinished(b) => assert!(b.success),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cargo_mode_copies_origin_and_errors_fail_the_build() {
        let files = [file_with_origin("src/sync.rs", SYNC_RS)];
        let out = json(&[full_diag(), error(full_diag())], &files);
        let msgs = parse_all(&out);
        assert_eq!(msgs.len(), 3);
        let c = compiler_message(&msgs[0]);
        assert_eq!(c.package_id.repr, "path+file:///work/proj#demo@0.1.0");
        let ours = &files[0].origin.as_ref().unwrap().target;
        let ours: cargo_metadata::Target =
            serde_json::from_value(serde_json::to_value(ours).unwrap()).unwrap();
        assert_eq!(c.target, ours);
        assert_eq!(c.target.name, "demo");
        assert_eq!(
            compiler_message(&msgs[1]).message.level,
            DiagnosticLevel::Error
        );
        match &msgs[2] {
            Message::BuildFinished(b) => assert!(!b.success),
            other => panic!("{other:?}"),
        }
        let first = out.lines().next().unwrap();
        assert!(first.starts_with(
            r#"{"reason":"compiler-message","package_id":"path+file:///work/proj#demo@0.1.0","manifest_path":"/work/proj/Cargo.toml","target":{"kind":["lib"],"crate_types":["lib"],"name":"demo","src_path":"/work/proj/src/lib.rs","edition":"2021","doc":true,"doctest":true,"test":true},"message":{"rendered":"warning[async_lint::await_in_loop]: "#
        ), "{first}");
    }

    #[test]
    fn machine_applicable_suggestion_and_empty_label() {
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
        let out = json(&[d], &files);
        let first = out.lines().next().unwrap();
        assert!(first.contains(r#""label":null"#), "{first}");
        assert!(
            first.contains(
                r#""suggested_replacement":"","suggestion_applicability":"MachineApplicable""#
            ),
            "{first}"
        );
        let msgs = parse_all(&out);
        let d = &compiler_message(&msgs[0]).message;
        assert_eq!(d.spans[0].label, None);
        let e = &d.children[0].spans[0];
        assert_eq!(e.suggested_replacement.as_deref(), Some(""));
        assert_eq!(
            e.suggestion_applicability,
            Some(CmApplicability::MachineApplicable)
        );
        assert_eq!((e.byte_start, e.byte_end), (0, 6));
    }

    #[test]
    fn empty_input_is_a_successful_build() {
        assert_eq!(
            json(&[], &[]),
            "{\"reason\":\"build-finished\",\"success\":true}\n"
        );
    }

    #[test]
    fn never_panics_and_always_parses() {
        for text in [NASTY_TEXT, "", "é\n"] {
            for files in [
                vec![file("n.rs", text)],
                vec![file_with_origin("n.rs", text)],
            ] {
                for span in hostile_spans(text) {
                    let d = Diagnostic::new("r", span, "m")
                        .with_secondary(span, "")
                        .with_suggestion(Suggestion {
                            message: "s".into(),
                            edits: vec![Edit {
                                span,
                                replacement: "x\ny".into(),
                            }],
                            applicability: Applicability::MaybeIncorrect,
                        });
                    let bad = Diagnostic {
                        file: 9,
                        ..d.clone()
                    };
                    let out = json(&[d, bad], &files);
                    for m in parse_all(&out).iter().take(2) {
                        let c = compiler_message(m);
                        for s in &c.message.spans {
                            assert!(s.byte_start <= s.byte_end);
                            assert!(s.byte_end as usize <= text.len());
                            assert!(s.line_start >= 1 && s.column_start >= 1);
                            assert_eq!(s.text.len(), s.line_end - s.line_start + 1);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn relative_path_mode_file_gets_absolute_ids() {
        let mut f = file("src/x y.rs", "fn a() {}\n");
        f.path = PathBuf::from("src/x y.rs");
        let out = json(&[Diagnostic::new("r", span_of(&f.text, "a", 0), "m")], &[f]);
        let c = parse_all(&out).remove(0);
        let c = compiler_message(&c);
        assert!(
            c.package_id.repr.starts_with("path+file:///"),
            "{}",
            c.package_id.repr
        );
        assert!(c.package_id.repr.ends_with("#async-lint-paths@0.0.0"));
        assert!(!c.package_id.repr.contains(' '));
        assert_eq!(c.target.name, "x_y");
        assert!(Path::new(c.target.src_path.as_str()).is_absolute());
    }
}
