//! `--fix`, `--unsafe-fixes`, `--diff`, `--allow-dirty` end to end (SPEC §4): the real binary on
//! small projects in temporary directories, and on a copy of `fixtures/demo`, which must compile
//! after `--fix --unsafe-fixes` and be left alone by a second run.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

mod support;
use support::{run_in, Run};

fn run(dir: &Path, args: &[&str]) -> Run {
    run_in(Some(dir), args)
}

const MANIFEST: &str = r#"[package]
name = "fixme"
version = "0.1.0"
edition = "2021"

[dependencies]
tokio = { version = "1", features = ["rt", "sync"] }
futures = "0.3"

[workspace]
"#;

/// A guard used, then held across an await (a safe fix: `drop(g);`), and a blocking sleep
/// (an unsafe fix: the runtime's sleep, with tokio's `time` feature not in the manifest).
const LIB: &str = r#"use std::sync::Mutex;

pub struct Counter {
    hits: Mutex<Vec<u8>>,
}

async fn tick() {}

impl Counter {
    pub async fn bump(&self) {
        let mut hits = self.hits.lock().unwrap();
        hits.push(1); // counted
        tick().await;
    }
}

pub async fn nap() {
    std::thread::sleep(std::time::Duration::from_millis(1));
}
"#;

fn project() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Cargo.toml"), MANIFEST).unwrap();
    fs::create_dir(dir.path().join("src")).unwrap();
    fs::write(dir.path().join("src/lib.rs"), LIB).unwrap();
    dir
}

fn lib(dir: &TempDir) -> String {
    fs::read_to_string(dir.path().join("src/lib.rs")).unwrap()
}

#[test]
fn a_run_without_fix_says_what_fix_would_fix() {
    let dir = project();
    let r = run(dir.path(), &["--message-format", "short"]);
    assert!(
        r.stderr
            .contains("async-lint: 1 fixable with --fix (1 more with --unsafe-fixes)"),
        "{r:#?}"
    );
    assert_eq!(lib(&dir), LIB);
}

#[test]
fn fix_applies_the_safe_fixes_only_and_reports_what_remains() {
    let dir = project();
    let r = run(
        dir.path(),
        &["--fix", "--allow-dirty", "--message-format", "short"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    let text = lib(&dir);
    assert!(
        text.contains(
            "        hits.push(1); // counted\n        drop(hits);\n        tick().await;"
        ),
        "{text}"
    );
    assert!(
        text.contains("std::thread::sleep"),
        "unsafe fix applied: {text}"
    );
    // What remains is reported; the summary says what was fixed and what --unsafe-fixes adds.
    assert!(r.stdout.contains("blocking_in_async"), "{r:#?}");
    assert!(!r.stdout.contains("lock_across_await"), "{r:#?}");
    assert!(
        r.stderr
            .contains("fixed 1 finding in 1 file (1 lock_across_await)")
            && r.stderr.contains("1 more fixable with --unsafe-fixes"),
        "{r:#?}"
    );
}

#[test]
fn unsafe_fixes_adds_the_unsafe_ones() {
    let dir = project();
    let r = run(
        dir.path(),
        &["--fix", "--unsafe-fixes", "--allow-dirty", "-q"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    let text = lib(&dir);
    assert!(text.contains("drop(hits);"), "{text}");
    assert!(
        text.contains("tokio::time::sleep(std::time::Duration::from_millis(1)).await;"),
        "{text}"
    );
}

#[test]
fn diff_prints_a_unified_diff_and_writes_nothing() {
    let dir = project();
    let r = run(dir.path(), &["--diff", "--unsafe-fixes"]);
    assert_eq!(lib(&dir), LIB, "--diff wrote a file");
    assert!(
        r.stdout
            .starts_with("--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ "),
        "{r:#?}"
    );
    assert!(r.stdout.contains("\n+        drop(hits);\n"), "{r:#?}");
    assert!(
        r.stdout.contains("\n-    std::thread::sleep(std::time::Duration::from_millis(1));\n+    tokio::time::sleep("),
        "{r:#?}"
    );
    assert!(
        r.stderr.contains("would fix 2 findings in 1 file"),
        "{r:#?}"
    );
    // The diff applies with `git apply` / `patch -p1`: its result is what --fix writes.
    let patched = tempfile::tempdir().unwrap();
    copy_dir(dir.path(), patched.path());
    let status = Command::new("patch")
        .args(["-p1", "--quiet"])
        .current_dir(patched.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(r.stdout.as_bytes())?;
            child.wait()
        });
    if let Ok(status) = status {
        assert!(status.success());
        run(
            dir.path(),
            &["--fix", "--unsafe-fixes", "--allow-dirty", "-q"],
        );
        assert_eq!(
            fs::read_to_string(patched.path().join("src/lib.rs")).unwrap(),
            lib(&dir)
        );
    }
}

#[test]
fn exit_status_is_computed_on_what_remains() {
    let dir = project();
    let r = run(dir.path(), &["-D", "lock_across_await", "-q"]);
    assert_eq!(r.code, 1, "{r:#?}");
    let r = run(
        dir.path(),
        &["-D", "lock_across_await", "--fix", "--allow-dirty", "-q"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    // The blocking call is still there, still a finding.
    let r = run(
        dir.path(),
        &["-D", "blocking_in_async", "--fix", "--allow-dirty", "-q"],
    );
    assert_eq!(r.code, 1, "{r:#?}");
}

#[test]
fn fix_removes_an_unused_suppression_a_safe_edit_that_deletes_its_own_comment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.rs");
    fs::write(
        &file,
        "fn f() {\n    // async-lint: allow(await_in_loop) -- nothing here\n    let x = 1; // kept\n    let _ = x;\n}\n",
    )
    .unwrap();
    let r = run(dir.path(), &["--message-format", "json", "a.rs"]);
    assert!(
        r.stdout
            .contains("\"suggestion_applicability\":\"MachineApplicable\""),
        "{r:#?}"
    );
    let r = run(dir.path(), &["--fix", "a.rs"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "fn f() {\n    let x = 1; // kept\n    let _ = x;\n}\n"
    );
}

#[test]
fn findings_the_baseline_hides_are_not_fixed() {
    let dir = project();
    let r = run(dir.path(), &["--update-baseline", "-q"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let r = run(
        dir.path(),
        &[
            "--fix",
            "--unsafe-fixes",
            "--allow-dirty",
            "--baseline",
            "async-lint-baseline.json",
        ],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(lib(&dir), LIB);
    assert!(r.stderr.contains("fixed 0 findings"), "{r:#?}");
}

#[test]
fn fix_flags_that_need_fix_or_diff_are_errors_alone() {
    let dir = project();
    for args in [
        &["--unsafe-fixes"][..],
        &["--allow-dirty"],
        &["--fix", "--update-baseline"],
        &["--diff", "--diff-base", "HEAD"],
    ] {
        let r = run(dir.path(), args);
        assert_eq!(r.code, 2, "{args:?}: {r:#?}");
    }
    assert_eq!(lib(&dir), LIB);
}

fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn fix_refuses_to_overwrite_uncommitted_changes_unless_allowed() {
    let dir = project();
    if !git(dir.path(), &["init", "-q"]) {
        eprintln!("git is not available; skipped");
        return;
    }
    // Untracked: dirty, as cargo fix counts it.
    let r = run(dir.path(), &["--fix"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(
        r.stderr.contains("uncommitted changes") && r.stderr.contains("src/lib.rs"),
        "{r:#?}"
    );
    assert!(r.stderr.contains("--allow-dirty"), "{r:#?}");
    assert_eq!(lib(&dir), LIB);
    // Committed: clean, written.
    assert!(git(dir.path(), &["add", "-A"]));
    assert!(git(dir.path(), &["commit", "-qm", "init"]));
    let r = run(dir.path(), &["--fix", "-q"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(lib(&dir).contains("drop(hits);"));
    // Now modified and uncommitted: refused again, allowed with --allow-dirty.
    let r = run(dir.path(), &["--fix", "--unsafe-fixes", "-q"]);
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(lib(&dir).contains("std::thread::sleep"));
    let r = run(
        dir.path(),
        &["--fix", "--unsafe-fixes", "--allow-dirty", "-q"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(lib(&dir).contains("tokio::time::sleep"));
}

#[test]
fn outputs_after_fix_describe_the_fixed_files() {
    let dir = project();
    let r = run(
        dir.path(),
        &["--fix", "--allow-dirty", "--message-format", "json"],
    );
    assert_eq!(r.code, 0, "{r:#?}");
    // The JSON stream reports the finding left, with positions in the fixed file.
    let text = lib(&dir);
    let line = text
        .lines()
        .position(|l| l.contains("std::thread::sleep"))
        .unwrap()
        + 1;
    assert!(
        r.stdout.contains(&format!("\"line_start\":{line}")),
        "{r:#?}"
    );
    assert!(r
        .stdout
        .contains("\"suggestion_applicability\":\"MaybeIncorrect\""));
}

/// With tokio's `time` and `fs` features in the manifest (here inherited from the workspace),
/// the runtime's twins are known to exist: the sleep and `std::fs` fixes are safe.
#[test]
fn blocking_fixes_are_safe_where_the_manifest_has_the_runtime_feature() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\"app\"]\n\n[workspace.dependencies]\ntokio = { version = \"1\", features = [\"time\"] }\n",
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("app/src")).unwrap();
    fs::write(
        dir.path().join("app/Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntokio = { workspace = true, features = [\"fs\"] }\n",
    )
    .unwrap();
    let src = "pub async fn nap() {\n    std::thread::sleep(std::time::Duration::from_millis(1));\n    let _ = std::fs::read_to_string(\"a.txt\");\n}\n";
    fs::write(dir.path().join("app/src/lib.rs"), src).unwrap();
    let r = run(dir.path(), &["--fix", "--allow-dirty", "-q"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(
        fs::read_to_string(dir.path().join("app/src/lib.rs")).unwrap(),
        "pub async fn nap() {\n    tokio::time::sleep(std::time::Duration::from_millis(1)).await;\n    let _ = tokio::fs::read_to_string(\"a.txt\").await;\n}\n"
    );
    // Without the `fs` feature, the fs fix is the author's decision again.
    fs::write(
        dir.path().join("app/Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ntokio = { workspace = true }\n",
    )
    .unwrap();
    fs::write(dir.path().join("app/src/lib.rs"), src).unwrap();
    let r = run(dir.path(), &["--fix", "--allow-dirty", "-q"]);
    assert_eq!(r.code, 0, "{r:#?}");
    let text = fs::read_to_string(dir.path().join("app/src/lib.rs")).unwrap();
    assert!(
        text.contains("tokio::time::sleep(") && text.contains("std::fs::read_to_string("),
        "{text}"
    );
}

/// A private helper awaited in two files: `async_without_await`'s fix removes `async` and the
/// `.await` of each call, in every file (safe: every call site is known). The JSON shows the
/// other file's edit as a span of that file; the fixed crate compiles (no dependencies, so
/// no registry); a second `--fix` changes nothing.
#[test]
fn async_without_await_fix_drops_the_await_of_every_call_across_files() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"calls\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    fs::create_dir(dir.path().join("src")).unwrap();
    let lib = "mod report;\n\npub(crate) async fn total(xs: &[u32]) -> u32 {\n    xs.iter().sum()\n}\n\npub async fn run() -> u32 {\n    total(&[1, 2]).await + report::line().await.len() as u32\n}\n";
    let report = "pub(crate) async fn line() -> String {\n    let n = crate::total(&[3])\n        .await;\n    format!(\"{n}\")\n}\n";
    fs::write(dir.path().join("src/lib.rs"), lib).unwrap();
    fs::write(dir.path().join("src/report.rs"), report).unwrap();

    let r = run(
        dir.path(),
        &[
            "-A",
            "all",
            "-W",
            "async_without_await",
            "--message-format",
            "json",
        ],
    );
    let total = r
        .stdout
        .lines()
        .find(|l| l.contains("`async fn total` never awaits"))
        .unwrap_or_else(|| panic!("{r:#?}"));
    assert!(
        total.contains("\"file_name\":\"src/report.rs\"")
            && total.contains("\"suggestion_applicability\":\"MachineApplicable\""),
        "{total}"
    );

    // SARIF: one artifact change per file.
    let r = run(
        dir.path(),
        &[
            "-A",
            "all",
            "-W",
            "async_without_await",
            "--message-format",
            "sarif",
        ],
    );
    let sarif: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap_or("")
                .contains("`async fn total`")
        })
        .unwrap_or_else(|| panic!("{sarif}"));
    let changes = result["fixes"][0]["artifactChanges"].as_array().unwrap();
    let uris: Vec<&str> = changes
        .iter()
        .map(|c| c["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, ["src/lib.rs", "src/report.rs"], "{result}");

    // PATH mode reads only the files named: other call sites may exist, so no fix at all.
    let r = run(
        dir.path(),
        &[
            "-A",
            "all",
            "-W",
            "async_without_await",
            "--message-format",
            "json",
            "src/lib.rs",
        ],
    );
    assert!(
        r.stdout.contains("`async fn total` never awaits")
            && !r.stdout.contains("suggested_replacement\":\""),
        "{r:#?}"
    );

    let r = run(dir.path(), &["--fix", "--allow-dirty", "-q"]);
    assert!(r.code == 0 || r.code == 1, "{r:#?}");
    let read = |f: &str| fs::read_to_string(dir.path().join(f)).unwrap();
    assert_eq!(
        read("src/lib.rs"),
        "mod report;\n\npub(crate) fn total(xs: &[u32]) -> u32 {\n    xs.iter().sum()\n}\n\npub async fn run() -> u32 {\n    total(&[1, 2]) + report::line().len() as u32\n}\n"
    );
    assert_eq!(
        read("src/report.rs"),
        "pub(crate) fn line() -> String {\n    let n = crate::total(&[3]);\n    format!(\"{n}\")\n}\n"
    );
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fix-calls-check");
    let check = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--offline"])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cannot run cargo");
    assert!(
        check.status.success(),
        "the fixed crate does not compile:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let before = (read("src/lib.rs"), read("src/report.rs"));
    run(dir.path(), &["--fix", "--allow-dirty", "-q"]);
    assert_eq!((read("src/lib.rs"), read("src/report.rs")), before);
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join("src")];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

/// The demo fixed with every fix compiles, and a second `--fix` changes nothing. Needs cargo
/// and the registry (crates.io through cargo); the build shares one target directory under
/// this repository's `target/`, so it is built once.
#[test]
fn the_demo_fixed_with_unsafe_fixes_compiles_and_a_second_fix_is_a_no_op() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&demo, dir.path());
    let before = snapshot(dir.path());
    let r = run(
        dir.path(),
        &["--fix", "--unsafe-fixes", "--allow-dirty", "-q"],
    );
    assert!(r.code == 0 || r.code == 1, "{r:#?}");
    let fixed = snapshot(dir.path());
    assert_ne!(before, fixed, "nothing was fixed in the demo");
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/demo-check");
    let check = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--message-format", "short"])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cannot run cargo");
    assert!(
        check.status.success(),
        "the fixed demo does not compile:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let r = run(
        dir.path(),
        &["--fix", "--unsafe-fixes", "--allow-dirty", "-q"],
    );
    assert!(r.code == 0 || r.code == 1, "{r:#?}");
    assert_eq!(
        snapshot(dir.path()),
        fixed,
        "a second --fix changed the demo"
    );
}
