//! The binary as users, CI scripts and editors run it: exit statuses, output formats, package
//! selection, file discovery and hostile input (SPEC §4, §5). Each test runs the real
//! `cargo-async-lint` on `fixtures/demo` or on a small project written to a temporary directory.

use cargo_metadata::diagnostic::DiagnosticLevel;
use cargo_metadata::Message;
use std::path::Path;
use tempfile::TempDir;

mod support;
use support::{bin, run_in, Run};

// ---- helpers -------------------------------------------------------------------------------

fn run(args: &[&str]) -> Run {
    run_in(None, args)
}

fn demo_manifest() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/demo/Cargo.toml")
        .to_string_lossy()
        .into_owned()
}

/// Run on the demo project with extra arguments.
fn demo(args: &[&str]) -> Run {
    let manifest = demo_manifest();
    let mut all = vec!["--manifest-path", manifest.as_str()];
    all.extend_from_slice(args);
    run(&all)
}

/// The files of the demo the rule `async_without_await` must report, one finding each.
const DEMO_ASYNC_WITHOUT_AWAIT: &[&str] = &["src/client.rs", "src/handlers.rs", "src/pricing.rs"];
/// Every file reachable from the demo's targets.
const DEMO_FILES: usize = 9;

/// Write `contents` to `root/rel`, creating directories.
fn write(root: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// A standalone package `name` in `dir` (its own workspace, so no parent directory interferes).
fn write_package(dir: &Path, name: &str) {
    write(
        dir,
        "Cargo.toml",
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"
        ),
    );
}

/// A temporary cargo project `tmp-crate` with the given files.
fn project(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_package(dir.path(), "tmp-crate");
    for (rel, contents) in files {
        write(dir.path(), rel, contents);
    }
    dir
}

/// A file with one `async_without_await` finding, on line 1.
const FLAGGED: &[u8] = b"async fn compute() -> u32 {\n    42\n}\n";

/// `fn f() { let x = ((((...1...)))); }`, `depth` parentheses deep.
fn deeply_nested(depth: usize) -> String {
    format!(
        "fn f() {{\n    let x = {}1{};\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    )
}

/// The summary line: `async-lint: N warnings[, E errors] in M files (T ms)` → (N, E, M).
fn summary(text: &str) -> (usize, usize, usize) {
    let line = text
        .lines()
        .rfind(|l| l.starts_with("async-lint: "))
        .unwrap_or_else(|| panic!("no summary line in:\n{text}"));
    let number_before = |word: &str| -> usize {
        let words: Vec<&str> = line.split([' ', ',']).collect();
        words
            .windows(2)
            .find(|w| w[1] == word || w[1] == word.trim_end_matches('s'))
            .map_or(0, |w| w[0].parse().unwrap())
    };
    assert!(
        line.contains(" in ") && line.ends_with(" ms)"),
        "bad summary line: {line}"
    );
    (
        number_before("warnings"),
        number_before("errors"),
        number_before("files"),
    )
}

/// Every stdout line as a cargo message; panics on a line that is not one.
fn messages(stdout: &str) -> Vec<Message> {
    stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Message>(l)
                .unwrap_or_else(|e| panic!("not a cargo message ({e}): {l}"))
        })
        .collect()
}

// ---- the demo project ----------------------------------------------------------------------

#[test]
fn demo_default_run_warns_and_exits_zero() {
    let r = demo(&[]);
    assert_eq!(r.code, 0, "warnings only must exit 0:\n{r:#?}");
    assert_eq!(r.count("warning", "async_without_await"), 3, "{}", r.stdout);
    assert_eq!(r.count("error", "async_without_await"), 0);
    for file in DEMO_ASYNC_WITHOUT_AWAIT {
        assert!(
            r.stdout.contains(&format!(" --> {file}:")),
            "no finding in {file}:\n{}",
            r.stdout
        );
    }
    // rustc's shape: header, arrow, gutter with the source line and carets, help, note.
    assert!(r.stdout.contains("public `async fn quote` never awaits"));
    assert!(r.stdout.contains("pub async fn quote("));
    assert!(r.stdout.contains("^^^^^"));
    assert!(r.stdout.contains("= help: "));
    assert!(!r.stdout.contains('\u{1b}'), "colour on a pipe");
    // The summary ends stdout in human mode.
    let last = r.stdout.lines().last().unwrap();
    assert!(last.starts_with("async-lint: "), "last line: {last}");
    let (warnings, errors, files) = summary(&r.stdout);
    assert!(warnings >= 3, "{last}");
    assert_eq!(errors, 0, "{last}");
    assert_eq!(files, DEMO_FILES, "{last}");
}

#[test]
fn demo_deny_warnings_exits_one() {
    let r = demo(&["-D", "warnings"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_eq!(r.count("error", "async_without_await"), 3, "{}", r.stdout);
    assert_eq!(r.count("warning", "async_without_await"), 0);
    let (warnings, errors, _) = summary(&r.stdout);
    assert_eq!(warnings, 0);
    assert!(errors >= 3);
}

#[test]
fn demo_allow_removes_the_rule() {
    for spelling in ["async_without_await", "async-without-await"] {
        let r = demo(&["-A", spelling]);
        assert_eq!(r.code, 0, "{r:#?}");
        assert!(
            !r.stdout.contains("async_without_await]"),
            "-A {spelling}:\n{}",
            r.stdout
        );
    }
    // The last flag for a rule wins.
    let r = demo(&["-A", "async_without_await", "-D", "async_without_await"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.count("error", "async_without_await"), 3);
}

#[test]
fn demo_as_cargo_subcommand() {
    // `cargo async-lint ARGS` runs `cargo-async-lint async-lint ARGS`.
    let manifest = demo_manifest();
    let as_cargo = run(&["async-lint", "--manifest-path", &manifest, "-q"]);
    let direct = run(&["--manifest-path", &manifest, "-q"]);
    assert_eq!(as_cargo.code, 0);
    assert_eq!(as_cargo.stdout, direct.stdout);
    assert_eq!(as_cargo.count("warning", "async_without_await"), 3);
    let denied = run(&["async-lint", "--manifest-path", &manifest, "-D", "warnings"]);
    assert_eq!(denied.code, 1);
}

#[test]
fn demo_json_is_a_cargo_message_stream() {
    for flag in ["--message-format", "--format"] {
        let r = demo(&[flag, "json"]);
        assert_eq!(r.code, 0, "{r:#?}");
        let msgs = messages(&r.stdout);
        assert!(
            matches!(msgs.last(), Some(Message::BuildFinished(f)) if f.success),
            "{flag}: last line must be build-finished with success: {:?}",
            r.stdout.lines().last()
        );
        let mut files = Vec::new();
        for m in &msgs[..msgs.len() - 1] {
            let Message::CompilerMessage(cm) = m else {
                panic!("{flag}: unexpected message {m:?}");
            };
            assert!(
                cm.package_id.repr.contains("demo-service"),
                "{}",
                cm.package_id
            );
            let d = &cm.message;
            let code = d.code.as_ref().expect("a code").code.as_str();
            assert!(code.starts_with("async_lint::"), "{code}");
            assert!(d.rendered.as_deref().is_some_and(|r| r.contains(code)));
            if code != "async_lint::async_without_await" {
                continue;
            }
            assert_eq!(d.level, DiagnosticLevel::Warning);
            let primary: Vec<_> = d.spans.iter().filter(|s| s.is_primary).collect();
            assert_eq!(primary.len(), 1, "{d:?}");
            let span = primary[0];
            assert!(
                span.file_name.starts_with("src/") && Path::new(&span.file_name).is_relative(),
                "file_name must be workspace-relative: {}",
                span.file_name
            );
            assert!(span.line_start >= 1 && span.column_start >= 1);
            assert!(span.column_end > span.column_start);
            files.push(span.file_name.clone());
        }
        files.sort();
        assert_eq!(files, DEMO_ASYNC_WITHOUT_AWAIT, "{flag}");
        // The summary goes to stderr so stdout stays machine-readable.
        assert!(r.stderr.contains("async-lint: "), "{flag}: {}", r.stderr);
    }
}

/// Each rule implemented so far has a finding in the demo, and every suggestion the JSON
/// carries, applied to its file, leaves code that still parses (what rustfix would do).
#[test]
fn demo_suggestions_apply_and_parse() {
    let r = demo(&["--message-format", "json"]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let mut rules = std::collections::BTreeSet::new();
    let mut applied = 0;
    for m in messages(&r.stdout) {
        let Message::CompilerMessage(cm) = m else {
            continue;
        };
        let code = cm.message.code.as_ref().unwrap().code.clone();
        rules.insert(code.clone());
        for child in &cm.message.children {
            let edits: Vec<_> = child
                .spans
                .iter()
                .filter(|s| s.suggested_replacement.is_some())
                .collect();
            if edits.is_empty() {
                continue;
            }
            let file = root.join(&edits[0].file_name);
            let mut text = std::fs::read_to_string(&file).unwrap();
            let mut sorted = edits.clone();
            sorted.sort_by_key(|s| std::cmp::Reverse(s.byte_start));
            for s in sorted {
                text.replace_range(
                    s.byte_start as usize..s.byte_end as usize,
                    s.suggested_replacement.as_deref().unwrap(),
                );
            }
            syn::parse_file(&text).unwrap_or_else(|e| {
                panic!(
                    "{code}: the fix leaves {} unparsable: {e}\n{text}",
                    file.display()
                )
            });
            applied += 1;
        }
    }
    for rule in [
        "async_lint::async_without_await",
        "async_lint::await_in_loop",
        "async_lint::blocking_in_async",
        "async_lint::missing_timeout",
        "async_lint::lock_across_await",
        "async_lint::unbounded_channel",
        "async_lint::fail_fast_leak",
        "async_lint::timeout_leaks_task",
        "async_lint::cancel_unsafe_select",
        "async_lint::unpolled_future",
        "async_lint::fresh_cancellation_token",
    ] {
        assert!(
            rules.contains(rule),
            "the demo has no {rule} finding: {rules:?}"
        );
    }
    assert!(applied >= 2, "no suggestions applied");
}

#[test]
fn demo_json_spans_point_at_the_fn_name() {
    let r = demo(&["--message-format", "json", "-q"]);
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/src/pricing.rs"),
    )
    .unwrap();
    let (line, col) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| {
            l.find("async fn quote(")
                .map(|c| (i + 1, c + "async fn ".len() + 1))
        })
        .unwrap();
    let found = messages(&r.stdout).into_iter().any(|m| match m {
        Message::CompilerMessage(cm) => cm.message.spans.iter().any(|s| {
            s.is_primary
                && s.file_name == "src/pricing.rs"
                && s.line_start == line
                && s.column_start == col
                && s.column_end == col + "quote".len()
                && text.get(s.byte_start as usize..s.byte_end as usize) == Some("quote")
        }),
        _ => false,
    });
    assert!(found, "no span on `quote` at {line}:{col}:\n{}", r.stdout);
}

#[test]
fn demo_short_format() {
    let r = demo(&["--message-format", "short", "-q"]);
    assert_eq!(r.code, 0);
    let lines = r.lines();
    assert!(!lines.is_empty());
    for l in &lines {
        // path:line:col: warning[async_lint::rule]: message
        let mut parts = l.splitn(4, ':');
        let path = parts.next().unwrap();
        let line: u32 = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{l}"));
        let col: u32 = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{l}"));
        let rest = parts.next().unwrap();
        assert!(path.starts_with("src/") && path.ends_with(".rs"), "{l}");
        assert!(line >= 1 && col >= 1);
        assert!(rest.starts_with(" warning[async_lint::"), "{l}");
        assert!(rest.contains("]: "), "{l}");
    }
    let aww: Vec<&str> = lines
        .iter()
        .filter(|l| l.contains("warning[async_lint::async_without_await]: "))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(aww, DEMO_ASYNC_WITHOUT_AWAIT);
}

#[test]
fn output_is_deterministic() {
    let a = demo(&["-q"]);
    let b = demo(&["-q"]);
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);
    assert!(!a.stdout.contains("async-lint: "), "-q prints no summary");
    let a = demo(&["-q", "--message-format", "json", "-j", "1"]);
    let b = demo(&["-q", "--message-format", "json", "-j", "4"]);
    assert_eq!(
        a.stdout, b.stdout,
        "the thread count must not change the output"
    );
}

#[test]
fn modules_declared_inside_item_macros_are_linted() {
    // `cfg_x! { mod inner; }` (async-std's `cfg_default!`, `cfg_if!`): the body is parsed for
    // its items, whatever else it names, and the module's file is found and linted; a macro
    // invoked with a plain list of types is not parsed, and declares nothing.
    let dir = project(&[
        (
            "src/lib.rs",
            b"macro_rules! cfg_x { ($($i:item)*) => { $($i)* } }\nmacro_rules! for_types { ($($t:ty),*) => {} }\ncfg_x! {\n    mod inner;\n}\nfor_types!(u8, u16);\n",
        ),
        ("src/inner.rs", FLAGGED),
    ]);
    let r = run_in(Some(dir.path()), &["--message-format", "short", "-q"]);
    assert!(
        r.stdout
            .contains("src/inner.rs:1:10: warning[async_lint::async_without_await]"),
        "{r:#?}"
    );
}

// ---- files that cannot be read or parsed ---------------------------------------------------

#[test]
fn parse_error_is_reported_and_other_files_still_linted() {
    let dir = project(&[
        ("src/lib.rs", b"mod good;\nmod broken;\n"),
        ("src/good.rs", FLAGGED),
        ("src/broken.rs", b"fn f( {\n"),
    ]);
    let r = run_in(Some(dir.path()), &["--message-format", "short", "-q"]);
    assert_eq!(r.code, 1, "parse_error is error level:\n{r:#?}");
    let broken = r
        .lines()
        .into_iter()
        .find(|l| l.starts_with("src/broken.rs:"))
        .unwrap_or_else(|| panic!("no report for src/broken.rs:\n{}", r.stdout));
    let fields: Vec<&str> = broken.splitn(4, ':').collect();
    assert!(
        fields[1].parse::<u32>().is_ok() && fields[2].parse::<u32>().is_ok(),
        "{broken}"
    );
    assert!(
        fields[3].starts_with(" error[async_lint::parse_error]: "),
        "{broken}"
    );
    assert!(
        r.stdout
            .contains("src/good.rs:1:10: warning[async_lint::async_without_await]"),
        "{}",
        r.stdout
    );

    // The same in the human format, with its summary.
    let r = run_in(Some(dir.path()), &[]);
    assert_eq!(r.code, 1);
    assert_eq!(r.count("error", "parse_error"), 1);
    assert!(r.stdout.contains(" --> src/broken.rs:1:"), "{}", r.stdout);
    assert_eq!(summary(&r.stdout), (1, 1, 3));
}

#[test]
fn non_utf8_file_is_a_parse_error() {
    let dir = project(&[
        ("src/lib.rs", b"mod good;\nmod latin;\n"),
        ("src/good.rs", FLAGGED),
        (
            "src/latin.rs",
            b"fn name() -> &'static str {\n    \"caf\xff\xfe\"\n}\n",
        ),
    ]);
    let r = run_in(Some(dir.path()), &["--message-format", "short", "-q"]);
    assert_eq!(r.code, 1, "{r:#?}");
    let latin = r
        .lines()
        .into_iter()
        .find(|l| l.starts_with("src/latin.rs:"))
        .unwrap_or_else(|| panic!("no report for src/latin.rs:\n{}", r.stdout));
    assert!(
        latin.starts_with("src/latin.rs:2:9: error[async_lint::parse_error]"),
        "{latin}"
    );
    assert!(latin.contains("UTF-8"), "{latin}");
    assert!(r
        .stdout
        .contains("src/good.rs:1:10: warning[async_lint::async_without_await]"));
    // Every format copes with the lossy text.
    let r = run_in(Some(dir.path()), &["--message-format", "json", "-q"]);
    assert_eq!(messages(&r.stdout).len(), 3);
    let r = run_in(Some(dir.path()), &[]);
    assert!(r.stdout.contains(" --> src/latin.rs:2:9"), "{}", r.stdout);
}

#[test]
fn deep_nesting_is_a_parse_error_not_a_crash() {
    let deep = deeply_nested(10_000);
    let dir = project(&[
        ("src/lib.rs", b"mod good;\nmod deep;\n"),
        ("src/good.rs", FLAGGED),
        ("src/deep.rs", deep.as_bytes()),
    ]);
    let r = run_in(Some(dir.path()), &["--message-format", "short", "-q"]);
    assert_eq!(r.code, 1, "{r:#?}");
    let line = r
        .lines()
        .into_iter()
        .find(|l| l.starts_with("src/deep.rs:"))
        .unwrap_or_else(|| panic!("no report for src/deep.rs:\n{}", r.stdout));
    assert!(line.contains("error[async_lint::parse_error]"), "{line}");
    assert!(line.contains("nesting too deep"), "{line}");
    assert!(r
        .stdout
        .contains("src/good.rs:1:10: warning[async_lint::async_without_await]"));
    // The human renderer must cope with a 20,000-character line.
    let r = run_in(Some(dir.path()), &[]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains(" --> src/deep.rs:"));
}

#[test]
fn deep_nesting_in_path_mode() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "some/dir/deep.rs", deeply_nested(10_000));
    write(dir.path(), "some/dir/good.rs", FLAGGED);
    for jobs in ["1", "2"] {
        let r = run_in(
            Some(dir.path()),
            &["some/dir", "--message-format", "short", "-q", "-j", jobs],
        );
        assert_eq!(r.code, 1, "{r:#?}");
        assert!(r.stdout.contains("some/dir/deep.rs:"), "{}", r.stdout);
        assert!(r.stdout.contains("nesting too deep"));
        assert!(r
            .stdout
            .contains("some/dir/good.rs:1:10: warning[async_lint::async_without_await]"));
    }
}

#[test]
fn missing_module_file_is_reported_at_its_declaration() {
    let dir = project(&[(
        "src/lib.rs",
        b"pub fn ok() {}\n\nmod missing;\n\n#[cfg(windows)]\nmod missing_gated;\n",
    )]);
    let r = run_in(Some(dir.path()), &["--message-format", "short", "-q"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_eq!(
        r.lines(),
        ["src/lib.rs:3:1: error[async_lint::parse_error]: file not found for module `missing`"],
        "the cfg-gated declaration must stay silent"
    );
    let r = run_in(Some(dir.path()), &[]);
    assert!(r.stdout.contains("mod missing;"), "{}", r.stdout);
    assert!(
        r.stdout.contains("src/missing.rs"),
        "the help names the file to create"
    );
    assert!(!r.stdout.contains("missing_gated"));
}

#[test]
fn platform_module_files_chosen_by_cfg_attr_path_are_all_linted() {
    // `#[cfg_attr(target_os = "linux", path = "linux.rs")] mod platform;`: which file is the
    // module depends on the target, so each one that exists is linted, and none is missing
    // (the default `platform.rs` need not exist when every platform names its own).
    let dir = project(&[
        (
            "src/lib.rs",
            b"#[cfg_attr(target_os = \"linux\", path = \"linux.rs\")]\n#[cfg_attr(windows, path = \"windows.rs\")]\nmod platform;\n",
        ),
        ("src/linux.rs", b"pub async fn pid() -> u32 {\n    1\n}\n"),
        ("src/windows.rs", b"pub async fn pid() -> u32 {\n    2\n}\n"),
    ]);
    let r = run_in(Some(dir.path()), &["--message-format", "short", "-q"]);
    assert_eq!(
        files_reported(&r),
        ["src/linux.rs", "src/windows.rs"],
        "{r:#?}"
    );
    assert!(!r.stdout.contains("parse_error"), "{}", r.stdout);
}

#[test]
fn modules_a_macro_may_declare_are_linted() {
    // `mod_flat!(worker r#in);` (a macro that expands to `mod worker; pub use worker::*;`):
    // each snake_case name of an item macro we cannot expand is a module whose file, if there
    // is one, is linted; a name with no file (`helpers`), a call, a type or a path segment is
    // nothing.
    let dir = project(&[
        (
            "src/lib.rs",
            b"mod_flat!(worker r#in helpers);\nregister!((queue, \"q\", QueueConfig), config::load());\n",
        ),
        ("src/worker.rs", b"pub async fn work() -> u32 {\n    1\n}\n"),
        ("src/in.rs", b"pub async fn input() -> u32 {\n    2\n}\n"),
        ("src/queue/mod.rs", b"pub async fn pop() -> u32 {\n    3\n}\n"),
        ("src/config.rs", b"pub async fn load() -> u32 {\n    4\n}\n"),
    ]);
    let r = run_in(Some(dir.path()), &only_rule(&[], "async_without_await"));
    assert_eq!(
        files_reported(&r),
        ["src/in.rs", "src/queue/mod.rs", "src/worker.rs"],
        "{r:#?}"
    );
    assert!(!r.stdout.contains("parse_error"), "{}", r.stdout);
}

// ---- failed runs: exit status 2 ------------------------------------------------------------

#[test]
fn missing_path_fails_with_status_2() {
    let r = run(&["/no/such/dir"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("/no/such/dir"), "{}", r.stderr);
    // Even next to a path that exists.
    let r = run(&["src", "/no/such/dir"]);
    assert_eq!(r.code, 2);
}

#[test]
fn bad_manifest_path_fails_with_status_2() {
    let r = run(&["--manifest-path", "/no/such/Cargo.toml"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stderr.contains("/no/such/Cargo.toml"), "{}", r.stderr);
    // A file that exists but is not a manifest: the run fails with the TOML error.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", "this is not toml [");
    let manifest = dir.path().join("Cargo.toml");
    let r = run(&["--manifest-path", manifest.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stderr.contains("error"), "{}", r.stderr);
}

#[test]
fn unknown_rule_fails_with_status_2() {
    let r = demo(&["-D", "no_such_rule"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stderr.contains("no_such_rule"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let r = demo(&["-D", "async_withot_await"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean `async_without_await`"),
        "{}",
        r.stderr
    );
    let r = demo(&["-W", "async-withot-await"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean"), "{}", r.stderr);
}

#[test]
fn bad_arguments_fail_with_status_2() {
    assert_eq!(run(&["--no-such-flag"]).code, 2);
    assert_eq!(run(&["--message-format", "xml"]).code, 2);
    // cargo's rule: --exclude only with --workspace.
    assert_eq!(demo(&["--exclude", "demo-service"]).code, 2);
    // --help and --version are not failures.
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("--message-format"));
    assert_eq!(run(&["async-lint", "--version"]).code, 0);
}

// ---- --list-rules and --explain ------------------------------------------------------------

#[test]
fn list_rules() {
    let r = run(&["--list-rules"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("async_without_await "))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[1], "warn", "{line}");
    assert!(fields.len() > 2, "a summary follows: {line}");
    // Levels line up in one column, after the longest id.
    let level_at = |id: &str| {
        let l = r.stdout.lines().find(|l| l.starts_with(id)).unwrap();
        l.find("  warn").or_else(|| l.find("  deny")).unwrap() + 2
    };
    assert_eq!(
        level_at("async_without_await "),
        level_at("fresh_cancellation_token "),
        "{}",
        r.stdout
    );
    for id in ["parse_error", "unused_suppression"] {
        assert!(r.stdout.lines().any(|l| l.starts_with(id)), "{id} missing");
    }
}

#[test]
fn explain_prints_the_rule_document() {
    let r = run(&["--explain", "async_without_await"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout.starts_with("# async_without_await"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("## Why is this bad?"));
    assert!(r.stdout.contains("## Example"));
    assert!(r.stdout.contains("`warn`"), "the default level is printed");
    // kebab-case, and as a cargo subcommand.
    let kebab = run(&["async-lint", "--explain", "async-without-await"]);
    assert_eq!(kebab.code, 0);
    assert_eq!(kebab.stdout, r.stdout);
}

#[test]
fn explain_unknown_rule_fails() {
    let r = run(&["--explain", "nope"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stderr.contains("nope"));
    assert!(r.stdout.is_empty());
}

// ---- package selection ---------------------------------------------------------------------

/// A virtual workspace with members `a` and `b`, each with one finding in `<member>/src/lib.rs`.
fn workspace() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
    );
    for name in ["a", "b"] {
        write(
            dir.path(),
            &format!("{name}/Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
        write(dir.path(), &format!("{name}/src/lib.rs"), FLAGGED);
    }
    dir
}

/// The files with findings, from `short` output.
/// The arguments of a run that shows one rule only, in short form: `PATHS.. --message-format
/// short -q -A all -W RULE`.
fn only_rule<'a>(paths: &[&'a str], rule: &'a str) -> Vec<&'a str> {
    let mut args = paths.to_vec();
    args.extend(["--message-format", "short", "-q", "-A", "all", "-W", rule]);
    args
}

fn files_reported(r: &Run) -> Vec<String> {
    let mut files: Vec<String> = r
        .lines()
        .iter()
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    files.dedup();
    files
}

#[test]
fn virtual_workspace_lints_every_member() {
    let ws = workspace();
    let r = run_in(Some(ws.path()), &["--message-format", "short", "-q"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(files_reported(&r), ["a/src/lib.rs", "b/src/lib.rs"]);
    // The same through --manifest-path from elsewhere; paths stay workspace-relative.
    let manifest = ws.path().join("Cargo.toml");
    let r = run(&[
        "--manifest-path",
        manifest.to_str().unwrap(),
        "--message-format",
        "short",
        "-q",
    ]);
    assert_eq!(files_reported(&r), ["a/src/lib.rs", "b/src/lib.rs"]);
    // Each finding belongs to its own package in JSON.
    let r = run_in(Some(ws.path()), &["--message-format", "json", "-q"]);
    let owners: Vec<String> = messages(&r.stdout)
        .into_iter()
        .filter_map(|m| match m {
            Message::CompilerMessage(cm) => Some(cm.target.name),
            _ => None,
        })
        .collect();
    assert_eq!(owners, ["a", "b"]);
}

#[test]
fn package_flag_selects_one_member() {
    let ws = workspace();
    let r = run_in(
        Some(ws.path()),
        &["-p", "a", "--message-format", "short", "-q"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(files_reported(&r), ["a/src/lib.rs"]);
    let r = run_in(
        Some(ws.path()),
        &["--package", "b", "--message-format", "short", "-q"],
    );
    assert_eq!(files_reported(&r), ["b/src/lib.rs"]);
    // From inside a member, without flags: that member only, as cargo does.
    let r = run_in(
        Some(&ws.path().join("a")),
        &["--message-format", "short", "-q"],
    );
    assert_eq!(files_reported(&r), ["a/src/lib.rs"]);
}

#[test]
fn workspace_exclude() {
    let ws = workspace();
    let r = run_in(
        Some(ws.path()),
        &[
            "--workspace",
            "--exclude",
            "b",
            "--message-format",
            "short",
            "-q",
        ],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(files_reported(&r), ["a/src/lib.rs"]);
}

#[test]
fn unknown_package_fails_with_status_2() {
    let ws = workspace();
    let r = run_in(Some(ws.path()), &["-p", "nope"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stderr.contains("nope"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn member_of_a_rooted_workspace_is_selected_from_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"root\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\nmembers = [\"b\"]\n",
    );
    write(dir.path(), "src/lib.rs", FLAGGED);
    write(
        dir.path(),
        "b/Cargo.toml",
        "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(dir.path(), "b/src/lib.rs", FLAGGED);
    let r = run_in(Some(dir.path()), &["--message-format", "short", "-q"]);
    assert_eq!(
        files_reported(&r),
        ["src/lib.rs"],
        "at the root: the root package"
    );
    let r = run_in(
        Some(&dir.path().join("b")),
        &["--message-format", "short", "-q"],
    );
    assert_eq!(
        files_reported(&r),
        ["b/src/lib.rs"],
        "in b/: only b, as `cargo check` does"
    );
    let manifest = dir.path().join("b/Cargo.toml");
    let r = run(&[
        "--manifest-path",
        manifest.to_str().unwrap(),
        "--message-format",
        "short",
        "-q",
    ]);
    assert_eq!(
        files_reported(&r),
        ["b/src/lib.rs"],
        "--manifest-path b/Cargo.toml: only b"
    );
}

// ---- PATH mode -----------------------------------------------------------------------------

#[test]
fn cfg_gated_module_files_are_cfg_variants() {
    // `imp` and `imp_stub` are two `#[cfg]` variants of one module: the stub's `bind` awaits, so
    // the other's keeps its `async` for the shared signature. A module with no gate is judged
    // on its own.
    let dir = project(&[
        (
            "src/lib.rs",
            b"#[cfg(feature = \"fast\")]\nmod imp;\n#[cfg(not(feature = \"fast\"))]\nmod imp_stub;\n#[cfg(not(feature = \"fast\"))]\nuse imp_stub as imp;\nmod plain;\npub async fn start(o: &imp::Opts) -> u32 {\n    o.bind().await + plain::ready().await\n}\n",
        ),
        (
            "src/imp.rs",
            b"pub struct Opts;\nimpl Opts {\n    pub async fn bind(&self) -> u32 {\n        1\n    }\n}\n",
        ),
        (
            "src/imp_stub.rs",
            b"pub struct Opts;\nimpl Opts {\n    pub async fn bind(&self) -> u32 {\n        tokio::task::yield_now().await;\n        1\n    }\n}\n",
        ),
        ("src/plain.rs", b"pub async fn ready() -> u32 {\n    2\n}\n"),
    ]);
    let r = run_in(Some(dir.path()), &only_rule(&[], "async_without_await"));
    assert_eq!(files_reported(&r), ["src/plain.rs"], "{}", r.stdout);
}

#[test]
fn a_file_of_no_package_is_application_code() {
    // A `pub` connect helper no crate code calls is its users' to bound in a library; a file of
    // no package has no users but its own, so it is reported.
    let text = "pub async fn dial(addr: &str) -> std::io::Result<()> {\n    let _s = tokio::net::TcpStream::connect(addr).await?;\n    Ok(())\n}\n";
    let lone = tempfile::tempdir().unwrap();
    write(lone.path(), "dial.rs", text);
    let args = only_rule(&["dial.rs"], "missing_timeout");
    let r = run_in(Some(lone.path()), &args);
    assert_eq!(r.lines().len(), 1, "{r:#?}");
    let lib = project(&[
        ("src/lib.rs", b"pub mod dial;\n"),
        ("src/dial.rs", text.as_bytes()),
    ]);
    let mut args = args;
    args[0] = "src/dial.rs";
    let r = run_in(Some(lib.path()), &args);
    assert!(r.lines().is_empty(), "{r:#?}");
}

/// A loop `await_in_loop` reports outside test code, and skips in it.
const LOOP: &str = "pub async fn load(ids: Vec<u64>) {\n    for id in ids {\n        fetch(id).await;\n    }\n}\nasync fn fetch(id: u64) { let _ = tokio::fs::read(id.to_string()).await; }\n";

#[test]
fn path_mode_treats_cfg_test_module_files_as_test_code() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "src/lib.rs",
        "pub mod net;\n#[cfg(test)]\nmod tests;\n",
    );
    write(root, "src/tests.rs", LOOP);
    // `net.rs` owns no directory: its modules are under `net/`.
    write(
        root,
        "src/net.rs",
        format!("{LOOP}#[cfg(test)]\nmod tests;\n"),
    );
    write(root, "src/net/tests.rs", format!("{LOOP}mod helpers;\n"));
    // A module of test code is test code, whatever its own attributes.
    write(root, "src/net/tests/helpers.rs", LOOP);
    // Not declared by anyone: linted as ordinary code.
    write(root, "src/orphan.rs", LOOP);
    let args = only_rule(&["src"], "await_in_loop");
    let r = run_in(Some(root), &args);
    assert_eq!(
        files_reported(&r),
        ["src/net.rs", "src/orphan.rs"],
        "{}",
        r.stdout
    );
    // Checked in tests too when asked.
    write(
        root,
        "async-lint.toml",
        "[rules.await_in_loop]\ncheck-tests = true\n",
    );
    let r = run_in(Some(root), &args);
    assert_eq!(files_reported(&r).len(), 5, "{}", r.stdout);
}

#[test]
fn path_mode_skips_ignored_target_and_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", "ignored.rs\n");
    write(root, "ignored.rs", FLAGGED);
    write(root, "sub/ignored.rs", FLAGGED);
    write(root, "target/debug/build.rs", FLAGGED);
    write(root, "sub/target/gen.rs", FLAGGED);
    write(root, ".hidden/secret.rs", FLAGGED);
    write(root, "top.rs", FLAGGED);
    write(root, "sub/deep/kept.rs", FLAGGED);
    write(root, "sub/deep/notes.txt", "async fn not_rust() {}\n");

    let r = run_in(Some(root), &[".", "--message-format", "short", "-q"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(
        files_reported(&r),
        ["sub/deep/kept.rs", "top.rs"],
        "{}",
        r.stdout
    );

    // A subdirectory; paths stay relative to the current directory.
    let r = run_in(Some(root), &["sub", "--message-format", "short", "-q"]);
    assert_eq!(files_reported(&r), ["sub/deep/kept.rs"]);

    // The summary counts the linted files; JSON spans use the same relative paths.
    let r = run_in(Some(root), &["."]);
    assert_eq!(summary(&r.stdout), (2, 0, 2));
    let r = run_in(Some(root), &[".", "--message-format", "json", "-q"]);
    let names: Vec<String> = messages(&r.stdout)
        .into_iter()
        .filter_map(|m| match m {
            Message::CompilerMessage(cm) => Some(cm.message.spans[0].file_name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["sub/deep/kept.rs", "top.rs"]);
}

#[test]
fn path_mode_lints_a_named_file_even_if_ignored() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "ignored.rs\n");
    write(dir.path(), "ignored.rs", FLAGGED);
    let r = run_in(
        Some(dir.path()),
        &["ignored.rs", "--message-format", "short", "-q"],
    );
    assert_eq!(files_reported(&r), ["ignored.rs"]);
}

#[test]
fn path_mode_without_rust_files_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "# nothing here\n");
    let r = run_in(Some(dir.path()), &["."]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(summary(&r.stdout), (0, 0, 0));
    let r = run_in(Some(dir.path()), &[".", "--message-format", "json"]);
    let msgs = messages(&r.stdout);
    assert!(matches!(msgs.as_slice(), [Message::BuildFinished(f)] if f.success));
}

// ---- known false negatives -----------------------------------------------------------------

#[test]
fn local_binding_does_not_hide_an_async_fn_without_await() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "lib.rs",
        "async fn config() -> u32 {\n    7\n}\n\npub async fn run() -> u32 {\n    let config = config().await;\n    config + 1\n}\n",
    );
    let r = run_in(
        Some(dir.path()),
        &["lib.rs", "--message-format", "short", "-q"],
    );
    assert_eq!(
        r.lines(),
        ["lib.rs:1:10: warning[async_lint::async_without_await]: `async fn config` never awaits"]
    );
}

// ---- a CI gate that means what it says (forbid, `all`) ---------------------------------------

/// `FLAGGED` with a reviewed suppression in front of it.
const SUPPRESSED: &[u8] =
    b"// async-lint: allow(async_without_await) -- reviewed\nasync fn compute() -> u32 {\n    42\n}\n";

#[test]
fn a_suppression_comment_does_not_lower_a_forbid_flag() {
    let p = project(&[("src/lib.rs", SUPPRESSED)]);
    // Without the forbid the comment suppresses the finding.
    let r = run_in(Some(p.path()), &[]);
    assert_eq!(
        (r.code, r.count("warning", "async_without_await")),
        (0, 0),
        "{r:#?}"
    );
    // With it, the finding stays and the directive is an error naming the flag.
    let r = run_in(Some(p.path()), &["-F", "async_without_await"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert_eq!(r.count("error", "async_without_await"), 2, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("cannot lower `async_without_await`: it is forbidden"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("`forbid` set by command line `-F async_without_await`:"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_suppression_comment_does_not_lower_a_forbid_in_config() {
    let p = project(&[
        ("src/lib.rs", SUPPRESSED),
        (
            "async-lint.toml",
            b"[lints]\nawait_in_loop = \"warn\"\nasync_without_await = \"forbid\"\n",
        ),
    ]);
    let r = run_in(Some(p.path()), &[]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(
        r.stdout.contains("cannot lower `async_without_await`"),
        "{}",
        r.stdout
    );
    // The origin is the config file and the line of the key.
    assert!(r.stdout.contains("async-lint.toml:3"), "{}", r.stdout);
    // Also where the forbidden rule finds nothing: the directive alone is the error.
    let p = project(&[
        (
            "src/lib.rs",
            b"// async-lint: allow(async_without_await)\nfn compute() -> u32 {\n    42\n}\n",
        ),
        (
            "async-lint.toml",
            b"[lints]\nasync_without_await = \"forbid\"\n",
        ),
    ]);
    let r = run_in(Some(p.path()), &[]);
    assert_eq!(
        (r.code, r.count("error", "async_without_await")),
        (1, 1),
        "{r:#?}"
    );
}

#[test]
fn allow_all_silences_everything() {
    let p = project(&[(
        "src/lib.rs",
        b"// async-lint: allow(detached_spawn)\nfn nothing() {}\nasync fn compute() -> u32 {\n    42\n}\nmod missing;\n" as &[u8],
    )]);
    let r = run_in(Some(p.path()), &["--message-format", "short"]);
    // A finding, an unused suppression and a missing module file (parse_error, an error).
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(r.stdout.contains("unused_suppression"), "{}", r.stdout);
    assert!(r.stdout.contains("parse_error"), "{}", r.stdout);
    let r = run_in(Some(p.path()), &["--message-format", "short", "-A", "all"]);
    assert_eq!((r.code, r.lines().len()), (0, 0), "{r:#?}");
    // The same from `[lints]`.
    write(p.path(), "async-lint.toml", "[lints]\nall = \"allow\"\n");
    let r = run_in(Some(p.path()), &["--message-format", "short"]);
    assert_eq!((r.code, r.lines().len()), (0, 0), "{r:#?}");
}

// ---- paths a code host resolves -------------------------------------------------------------

/// A repository whose crate lives in `sub/`, with a module reached through `#[path = "../.."]`.
fn repo_with_crate_in_sub() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write_package(&dir.path().join("sub"), "sub-crate");
    write(
        dir.path(),
        "sub/src/lib.rs",
        "#[path = \"../other/p.rs\"]\nmod p;\nasync fn compute() -> u32 {\n    42\n}\n",
    );
    write(dir.path(), "sub/other/p.rs", FLAGGED);
    dir
}

fn run_repo(dir: &Path, github_workspace: Option<&Path>, args: &[&str]) -> Run {
    let mut cmd = bin();
    cmd.current_dir(dir)
        .args(args)
        .env_remove("GITHUB_WORKSPACE");
    if let Some(w) = github_workspace {
        cmd.env("GITHUB_WORKSPACE", w);
    }
    Run::of(cmd.output().unwrap())
}

#[test]
fn github_and_sarif_paths_are_relative_to_the_repository() {
    let repo = repo_with_crate_in_sub();
    let args = ["--manifest-path", "sub/Cargo.toml", "--message-format"];
    let gh = run_repo(repo.path(), None, &[&args[..], &["github"]].concat());
    assert!(gh.stdout.contains("file=sub/src/lib.rs,"), "{gh:#?}");
    // `src/../other/p.rs` is one file with one name.
    assert!(gh.stdout.contains("file=sub/other/p.rs,"), "{gh:#?}");
    assert!(!gh.stdout.contains(".."), "{gh:#?}");

    let sarif = run_repo(repo.path(), None, &[&args[..], &["sarif"]].concat());
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let run = &v["runs"][0];
    let mut uris: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(loc["uriBaseId"], "%SRCROOT%");
            loc["uri"].as_str().unwrap()
        })
        .collect();
    uris.sort();
    assert_eq!(uris, ["sub/other/p.rs", "sub/src/lib.rs"]);
    // `%SRCROOT%` is the repository root, so a viewer resolves the URIs without being told.
    let root = std::fs::canonicalize(repo.path()).unwrap();
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    assert!(
        base.ends_with(&format!("{}/", root.file_name().unwrap().to_string_lossy())),
        "{base}"
    );

    // Human and JSON output keep cargo's workspace-relative paths.
    let human = run_repo(repo.path(), None, &["--manifest-path", "sub/Cargo.toml"]);
    assert!(human.stdout.contains("--> src/lib.rs:3:10"), "{human:#?}");
    assert!(human.stdout.contains("--> other/p.rs:1:10"), "{human:#?}");
}

#[test]
fn github_workspace_decides_the_repository_root() {
    let repo = repo_with_crate_in_sub();
    std::fs::remove_dir(repo.path().join(".git")).unwrap();
    let args = [
        "--manifest-path",
        "sub/Cargo.toml",
        "--message-format",
        "github",
    ];
    // No `.git` and no GITHUB_WORKSPACE: paths are relative to the workspace.
    let gh = run_repo(repo.path(), None, &args);
    assert!(gh.stdout.contains("file=src/lib.rs,"), "{gh:#?}");
    let gh = run_repo(repo.path(), Some(repo.path()), &args);
    assert!(gh.stdout.contains("file=sub/src/lib.rs,"), "{gh:#?}");
}

// ---- PATH mode inside a package, honest flags -----------------------------------------------

/// A guard held into `else` until edition 2021, dropped before it from 2024.
const IF_LET_ELSE: &[u8] = b"use std::sync::Mutex;\n\
pub async fn f(m: &Mutex<Option<u32>>) -> u32 {\n\
    if let Some(v) = *m.lock().unwrap() {\n\
        v\n\
    } else {\n\
        tick().await\n\
    }\n\
}\n\
async fn tick() -> u32 { std::future::ready(0).await }\n";

fn edition_2024_package() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"e24\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    );
    write(dir.path(), "src/lib.rs", IF_LET_ELSE);
    dir
}

#[test]
fn path_mode_uses_the_edition_of_the_package() {
    let p = edition_2024_package();
    let short = ["--message-format", "short"];
    let cargo_mode = run_in(Some(p.path()), &short);
    let by_path = run_in(Some(p.path()), &[&short[..], &["src/"]].concat());
    let by_file = run_in(Some(p.path()), &[&short[..], &["src/lib.rs"]].concat());
    assert_eq!(cargo_mode.lines().len(), 0, "{cargo_mode:#?}");
    assert_eq!(by_path.lines().len(), 0, "{by_path:#?}");
    assert_eq!(by_file.lines().len(), 0, "{by_file:#?}");
    // `--edition` still decides when given, and JSON says which edition was used.
    let e21 = run_in(
        Some(p.path()),
        &[&short[..], &["--edition", "2021", "src/"]].concat(),
    );
    assert_eq!(e21.lines().len(), 1, "{e21:#?}");
    for (args, edition) in [
        (&["src/"][..], "2024"),
        (&["--edition", "2021", "src/"][..], "2021"),
    ] {
        // A finding to look at in both editions.
        write(p.path(), "src/extra.rs", FLAGGED);
        let json = run_in(
            Some(p.path()),
            &[&["--message-format", "json"][..], args, &["src/extra.rs"]].concat(),
        );
        let msgs = messages(&json.stdout);
        assert!(!msgs.is_empty(), "{json:#?}");
        for m in msgs {
            if let Message::CompilerMessage(m) = m {
                assert_eq!(m.target.edition.to_string(), edition, "{args:?}");
                assert!(m.package_id.repr.contains("e24"), "{}", m.package_id);
            }
        }
    }
}

#[test]
fn path_mode_uses_the_configuration_of_the_package() {
    let p = project(&[
        ("src/lib.rs", FLAGGED),
        (
            "async-lint.toml",
            b"[lints]\nasync_without_await = \"deny\"\n",
        ),
    ]);
    let sub = p.path().join("src");
    // Run from inside `src/`: the package's configuration still applies to its files.
    let r = run_in(Some(&sub), &["lib.rs"]);
    assert_eq!(
        (r.code, r.count("error", "async_without_await")),
        (1, 1),
        "{r:#?}"
    );
}

/// A handler registered from another file (`routes::health` in `main.rs`) is matched to its
/// definition in PATH mode as in cargo mode: the file's module comes from where it lies under
/// the target's directory.
#[test]
fn path_mode_names_modules_by_their_place_under_the_target() {
    let handler = b"pub async fn health() -> u8 { 1 }\npub async fn unused() -> u8 { 2 }\n";
    let p = project(&[
        (
            "src/lib.rs",
            b"pub mod net;\npub fn routes() -> Vec<fn() -> u8> { vec![] }\n",
        ),
        ("src/net/mod.rs", b"pub mod handlers;\n"),
        ("src/net/handlers.rs", handler),
        (
            "src/main.rs",
            b"fn main() { let _ = register(tmp_crate::net::handlers::health); }\nfn register<T>(t: T) -> T { t }\n",
        ),
    ]);
    let short = ["--message-format", "short"];
    let cargo_mode = run_in(Some(p.path()), &short);
    for args in [
        &["src/"][..],
        &["."],
        &["src/net/handlers.rs", "src/main.rs"],
    ] {
        let by_path = run_in(Some(p.path()), &[&short[..], args].concat());
        assert_eq!(by_path.stdout, cargo_mode.stdout, "{args:?}: {by_path:#?}");
    }
    assert_eq!(
        cargo_mode.count("warning", "async_without_await"),
        1,
        "{cargo_mode:#?}"
    );
    assert!(cargo_mode.stdout.contains("unused"), "{cargo_mode:#?}");
}

#[test]
fn package_selection_with_paths_is_an_error() {
    let p = project(&[("src/lib.rs", FLAGGED)]);
    for flags in [
        &["-p", "tmp-crate"][..],
        &["--workspace"],
        &["--exclude", "x", "--workspace"],
        &["--manifest-path", "Cargo.toml"],
    ] {
        let r = run_in(Some(p.path()), &[flags, &["src/"]].concat());
        assert_eq!(r.code, 2, "{flags:?}: {r:#?}");
        assert!(
            r.stderr.contains("cannot be used with"),
            "{flags:?}: {r:#?}"
        );
    }
}

#[test]
fn verbose_lists_the_files_linted() {
    let p = project(&[
        (
            "src/lib.rs",
            b"mod a;\n#[cfg(windows)]\nmod gone;\n" as &[u8],
        ),
        ("src/a.rs", FLAGGED),
    ]);
    let r = run_in(Some(p.path()), &["-v", "-q"]);
    assert!(r.stderr.contains("async-lint: linted src/lib.rs"), "{r:#?}");
    assert!(r.stderr.contains("async-lint: linted src/a.rs"), "{r:#?}");
    assert!(r.stderr.contains("skipping `mod gone`"), "{r:#?}");
}

#[test]
fn config_errors_name_the_file_relative_to_the_current_directory() {
    let p = project(&[
        ("src/lib.rs", FLAGGED),
        ("async-lint.toml", b"[lints]\nawait_in_lop = \"deny\"\n"),
    ]);
    let r = run_in(Some(p.path()), &[]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(
        r.stderr
            .starts_with("error: async-lint.toml:2:1: unknown rule `await_in_lop`"),
        "{r:#?}"
    );
}

#[test]
fn path_mode_decides_test_code_and_build_scripts_inside_the_package() {
    // A project checked out under a directory named `tests/`: its own code is not test code.
    let dir = tempfile::tempdir().unwrap();
    let blocking =
        "async fn f() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n";
    write_package(&dir.path().join("tests/proj"), "proj");
    for rel in ["src/lib.rs", "src/rebuild.rs", "tests/it.rs", "build.rs"] {
        write(&dir.path().join("tests/proj"), rel, blocking);
    }
    let r = run_in(
        Some(dir.path()),
        &only_rule(&["tests/proj"], "blocking_in_async"),
    );
    let flagged: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.split(':').next())
        .collect();
    assert_eq!(
        flagged,
        ["tests/proj/src/lib.rs", "tests/proj/src/rebuild.rs"],
        "{r:#?}"
    );
}
