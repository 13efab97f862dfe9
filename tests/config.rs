//! Configuration and suppression, end to end on temporary cargo projects (SPEC §6, §7).

use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

mod support;
use support::Run;

fn run_in(dir: &Path, args: &[&str]) -> Run {
    support::run_in(Some(dir), args)
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A package with one `async_without_await` finding in `src/lib.rs` and one in `tests/t.rs`.
fn project(config: Option<&str>) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(
        dir.path(),
        "src/lib.rs",
        "pub async fn price() -> u32 {\n    1\n}\n",
    );
    write(
        dir.path(),
        "tests/t.rs",
        "async fn helper() -> u32 {\n    2\n}\n",
    );
    if let Some(c) = config {
        write(dir.path(), "async-lint.toml", c);
    }
    dir
}

fn short(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["--message-format", "short", "-q"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

fn lines_with(r: &Run, needle: &str) -> usize {
    r.stdout.lines().filter(|l| l.contains(needle)).count()
}

#[test]
fn deny_in_config_fails_and_allow_silences() {
    let p = project(Some("[lints]\nasync_without_await = \"deny\"\n"));
    let r = short(p.path(), &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(lines_with(&r, "error[async_lint::async_without_await]"), 2);

    let p = project(Some("[lints]\nasync-without-await = \"allow\"\n"));
    let r = short(p.path(), &[]);
    assert_eq!(r.code, 0);
    assert_eq!(lines_with(&r, "async_without_await"), 0, "{}", r.stdout);
}

#[test]
fn override_by_path() {
    let p = project(Some(
        "[lints]\nasync_without_await = \"deny\"\n\n[[overrides]]\npaths = [\"tests/**\"]\nlints = { async_without_await = \"allow\" }\n",
    ));
    let r = short(p.path(), &[]);
    assert_eq!(r.code, 1);
    assert_eq!(lines_with(&r, "src/lib.rs"), 1, "{}", r.stdout);
    assert_eq!(lines_with(&r, "tests/t.rs"), 0, "{}", r.stdout);
}

#[test]
fn command_line_beats_config() {
    let p = project(Some("[lints]\nasync_without_await = \"deny\"\n"));
    let r = short(p.path(), &["-W", "async_without_await"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        lines_with(&r, "warning[async_lint::async_without_await]"),
        2
    );
}

#[test]
fn priority_and_all() {
    // `all` at a lower priority, a single rule above it.
    let p = project(Some(
        "[lints]\nall = { level = \"deny\", priority = -1 }\nasync_without_await = \"warn\"\n",
    ));
    let r = short(p.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn metadata_table_in_cargo_toml() {
    let p = project(None);
    let manifest = "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.async-lint.lints]\nasync_without_await = \"deny\"\n\n[workspace]\n";
    write(p.path(), "Cargo.toml", manifest);
    let r = short(p.path(), &[]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
}

#[test]
fn exclude_setting_skips_files() {
    let p = project(Some("[settings]\nexclude = [\"tests/**\"]\n"));
    let r = short(p.path(), &[]);
    assert_eq!(lines_with(&r, "tests/t.rs"), 0, "{}", r.stdout);
    assert_eq!(lines_with(&r, "src/lib.rs"), 1, "{}", r.stdout);
}

#[test]
fn config_errors_name_file_line_key_and_exit_2() {
    let cases = [
        (
            "[lints]\nasync_without_awiat = \"deny\"\n",
            "async-lint.toml:2:1",
            "did you mean `async_without_await`",
        ),
        (
            "[lints]\nasync_without_await = \"dney\"\n",
            "async-lint.toml:2:",
            "did you mean \"deny\"",
        ),
        (
            "[rules.await_in_loop]\nconcurency = 4\n",
            "async-lint.toml:2:1",
            "did you mean `concurrency`",
        ),
        (
            "[rules.await_in_loop]\nconcurrency = \"x\"\n",
            "async-lint.toml:",
            "invalid option",
        ),
        ("[lints\n", "async-lint.toml:1:", ""),
        ("[lint]\n", "async-lint.toml:1:", "did you mean `lints`"),
    ];
    for (config, at, hint) in cases {
        let p = project(Some(config));
        let r = short(p.path(), &[]);
        assert_eq!(r.code, 2, "{config}: {}", r.stderr);
        assert!(r.stderr.contains(at), "{config}: {}", r.stderr);
        assert!(r.stderr.contains(hint), "{config}: {}", r.stderr);
    }
}

#[test]
fn explicit_config_file_and_show_config() {
    let p = project(None);
    write(
        p.path(),
        "ci/lint.toml",
        "[lints]\nasync_without_await = \"forbid\"\n",
    );
    let r = short(p.path(), &["--config", "ci/lint.toml"]);
    assert_eq!(r.code, 1);
    let r = run_in(p.path(), &["--config", "ci/lint.toml", "--show-config"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.lines().any(|l| l.contains("async_without_await")
            && l.contains("forbid")
            && l.contains("lint.toml")),
        "{}",
        r.stdout
    );
    let r = run_in(p.path(), &["--config", "ci/missing.toml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing.toml"));
}

#[test]
fn max_file_size_setting_is_shown_and_applied() {
    let p = project(Some("[settings]\nmax-file-size = 20\n"));
    let r = run_in(p.path(), &["--show-config"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("files larger than 20 bytes are not read (max-file-size)"),
        "{}",
        r.stdout
    );
    // Both files are over 20 bytes: each is a parse_error, none is read.
    let r = short(p.path(), &[]);
    assert_eq!(r.code, 1);
    assert_eq!(
        lines_with(&r, "more than the limit of 20 bytes"),
        2,
        "{}",
        r.stdout
    );
    assert_eq!(lines_with(&r, "async_without_await"), 0, "{}", r.stdout);
}

#[test]
fn forbid_cannot_be_lowered_by_inline_or_flags() {
    let p = project(Some("[lints]\nasync_without_await = \"forbid\"\n"));
    let r = short(p.path(), &["-A", "async_without_await"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
}

#[test]
fn suppression_forms_end_to_end() {
    let p = project(None);
    write(
        p.path(),
        "src/lib.rs",
        r#"pub async fn a() -> u32 { 1 } // async-lint: allow(async_without_await) -- mirrors the API

// async-lint: allow(async_without_await) -- reviewed
pub async fn b() -> u32 {
    2
}

pub fn c() -> &'static str {
    "// async-lint: allow(async_without_await) -- inside a string, not a comment"
}
pub async fn d() -> u32 { 4 }

// async-lint: allow(await_in_loop) -- suppresses nothing
pub fn e() {}
"#,
    );
    let r = short(p.path(), &[]);
    let found: Vec<&str> = r.stdout.lines().collect();
    assert!(
        found
            .iter()
            .any(|l| l.starts_with("src/lib.rs:11:") && l.contains("async_without_await")),
        "{}",
        r.stdout
    );
    assert!(
        found
            .iter()
            .any(|l| l.starts_with("src/lib.rs:13:") && l.contains("unused_suppression")),
        "{}",
        r.stdout
    );
    assert!(
        !found
            .iter()
            .any(|l| l.starts_with("src/lib.rs:1:") || l.starts_with("src/lib.rs:4:")),
        "{}",
        r.stdout
    );
}

#[test]
fn allow_file_and_required_reasons() {
    let p = project(Some("[settings]\nrequire-reason = true\n"));
    write(
        p.path(),
        "src/lib.rs",
        "// async-lint: allow-file(async_without_await)\n\npub async fn a() -> u32 {\n    1\n}\n",
    );
    let r = short(p.path(), &[]);
    assert!(
        !r.stdout
            .lines()
            .any(|l| l.starts_with("src/lib.rs") && l.contains("async_without_await]")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("has no reason"), "{}", r.stdout);
}

#[test]
fn diff_base_reports_only_changed_lines() {
    let p = project(None);
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(p.path())
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    // A new finding below the old one, and a wholly new untracked file.
    write(
        p.path(),
        "src/lib.rs",
        "pub async fn price() -> u32 {\n    1\n}\n\npub async fn added() -> u32 {\n    2\n}\n",
    );
    write(
        p.path(),
        "tests/new.rs",
        "async fn fresh() -> u8 {\n    3\n}\n",
    );
    let all = short(p.path(), &[]);
    assert_eq!(lines_with(&all, "async_without_await"), 4, "{}", all.stdout);
    let r = short(p.path(), &["--diff-base", "HEAD"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert!(
        lines.iter().any(|l| l.starts_with("src/lib.rs:5:")),
        "{}",
        r.stdout
    );
    assert!(
        lines.iter().any(|l| l.starts_with("tests/new.rs:1:")),
        "{}",
        r.stdout
    );
    let r = short(p.path(), &["--diff-base", "no-such-rev"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no-such-rev"), "{}", r.stderr);
}

#[test]
fn message_format_to_files_in_one_run() {
    let p = project(None);
    let r = run_in(
        p.path(),
        &[
            "--message-format",
            "json=out.json",
            "--message-format",
            "short=out.txt",
        ],
    );
    assert_eq!(r.code, 0);
    // stdout keeps the human rendering.
    assert!(
        r.stdout
            .contains("warning[async_lint::async_without_await]"),
        "{}",
        r.stdout
    );
    let json = std::fs::read_to_string(p.path().join("out.json")).unwrap();
    assert!(json
        .lines()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
    assert!(json.contains("\"reason\":\"build-finished\""));
    let txt = std::fs::read_to_string(p.path().join("out.txt")).unwrap();
    assert_eq!(txt.lines().count(), 2, "{txt}");
    let r = run_in(p.path(), &["--message-format", "xml=out.xml"]);
    assert_eq!(r.code, 2);
}

#[test]
fn sarif_for_code_scanning() {
    let p = project(None);
    let r = run_in(p.path(), &["--message-format", "sarif", "-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "cargo-async-lint");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() >= 4);
    for rule in rules {
        for field in ["id", "shortDescription", "fullDescription", "help"] {
            assert!(!rule[field].is_null(), "rule without {field}: {rule}");
        }
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for res in results {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri == "src/lib.rs" || uri == "tests/t.rs", "{uri}");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(res["partialFingerprints"]
            .as_object()
            .is_some_and(|f| !f.is_empty()));
    }
}

#[test]
fn github_annotations() {
    let p = project(Some("[lints]\nasync_without_await = \"deny\"\n"));
    let r = run_in(p.path(), &["--message-format", "github", "-q"]);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert!(
        lines[0].starts_with("::error file=src/lib.rs,line=1,col=14,")
            && lines[0].contains("title=async_lint%3A%3Aasync_without_await::"),
        "{}",
        lines[0]
    );
}

#[test]
fn baseline_hides_recorded_findings_across_edits() {
    let p = project(Some("[lints]\nasync_without_await = \"deny\"\n"));
    let r = run_in(
        p.path(),
        &["--update-baseline", "--baseline", "base.json", "-q"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = short(p.path(), &["--baseline", "base.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout.trim(), "");
    // Lines inserted above the finding: still hidden.
    write(
        p.path(),
        "src/lib.rs",
        "// a comment\nuse std::fmt;\n\npub async fn price() -> u32 {\n    1\n}\n",
    );
    let r = short(p.path(), &["--baseline", "base.json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    // A new finding still fails the run.
    write(
        p.path(),
        "src/lib.rs",
        "pub async fn price() -> u32 {\n    1\n}\npub async fn other() -> u32 {\n    2\n}\n",
    );
    let r = short(p.path(), &["--baseline", "base.json"]);
    assert_eq!(r.code, 1);
    assert_eq!(lines_with(&r, "async fn other"), 1, "{}", r.stdout);
    assert_eq!(lines_with(&r, "async fn price"), 0, "{}", r.stdout);
    // A fixed finding leaves a stale entry, reported for pruning.
    write(p.path(), "tests/t.rs", "fn helper() -> u32 {\n    2\n}\n");
    let r = run_in(
        p.path(),
        &["--baseline", "base.json", "--message-format", "short"],
    );
    assert!(
        r.stderr
            .contains("1 baseline entry no longer matches (fixed or moved)"),
        "{}",
        r.stderr
    );
    // A broken baseline file is a failed run.
    write(p.path(), "bad.json", "{ not json");
    let r = short(p.path(), &["--baseline", "bad.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.json"), "{}", r.stderr);
}

#[test]
fn suppression_reasons_reach_sarif() {
    let p = project(None);
    write(
        p.path(),
        "src/lib.rs",
        "// async-lint: allow(async_without_await) -- mirrors the async trait of v2\npub async fn price() -> u32 {\n    1\n}\n",
    );
    let r = run_in(p.path(), &["--message-format", "sarif", "-q"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<_> = results
        .iter()
        .filter(|r| !r["suppressions"].is_null())
        .collect();
    assert_eq!(suppressed.len(), 1, "{results:#?}");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "mirrors the async trait of v2"
    );
}

/// The recipes in the README, run as written.
#[test]
fn readme_recipes_rust_analyzer_and_github_actions() {
    let p = project(None);
    // rust-analyzer's `check.overrideCommand`: ["cargo-async-lint", "--message-format=json"]
    let r = run_in(p.path(), &["--message-format=json"]);
    assert_eq!(r.code, 0);
    for line in r.stdout.lines() {
        let m: cargo_metadata::Message = serde_json::from_str(line).expect("a cargo message");
        if let cargo_metadata::Message::CompilerMessage(cm) = m {
            assert!(cm.message.spans.iter().any(|s| s.is_primary));
        }
    }
    // The GitHub Actions step, with the arguments as the README's workflow writes them.
    let readme = std::fs::read_to_string("README.md").unwrap();
    let step = readme
        .split("- run: >\n")
        .nth(1)
        .expect("the README's workflow has a `run: >` step");
    let command: Vec<&str> = step
        .lines()
        .take_while(|l| !l.trim_start().starts_with("- "))
        .flat_map(str::split_whitespace)
        .collect();
    assert_eq!(command[0], "cargo-async-lint", "{command:?}");
    let r = run_in(p.path(), &command[1..]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with("::error file="), "{}", r.stdout);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("async-lint.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);

    // With more findings than GitHub annotates, the log still names every one.
    let many: String = (0..25)
        .map(|i| format!("async fn f{i}() -> u32 {{\n    {i}\n}}\n"))
        .collect();
    std::fs::write(p.path().join("src/many.rs"), &many).unwrap();
    let lib = std::fs::read_to_string(p.path().join("src/lib.rs")).unwrap();
    std::fs::write(p.path().join("src/lib.rs"), format!("{lib}\nmod many;\n")).unwrap();
    let r = run_in(p.path(), &command[1..]);
    assert_eq!(r.code, 1);
    for i in 0..25 {
        let line = 1 + 3 * i;
        assert!(
            r.stdout.contains(&format!("file=src/many.rs,line={line},"))
                || r.stdout.contains(&format!("src/many.rs:{line}:")),
            "finding on line {line} missing from the log:\n{}",
            r.stdout
        );
    }
}
