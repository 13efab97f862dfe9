//! Never panic, never lose input: hostile files and file systems give a clear message and every
//! other file is still linted.

use async_lint::analyze::{analyze_file, analyze_sources, FileInput};
use async_lint::semantic::CrateInfo;
use async_lint::Config;
use std::path::Path;
use std::process::Command;

fn analyze(text: &str) -> Vec<async_lint::Diagnostic> {
    let input = FileInput {
        path: "t.rs",
        text,
        module_path: &[],
        is_test_target: false,
        cfg_gated: false,
    };
    let krate = CrateInfo::default();
    let config = Config::default();
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(async_lint::parse::STACK_SIZE)
            .spawn_scoped(s, || analyze_sources(&[input], &krate, &config))
            .unwrap()
            .join()
            .unwrap()
    })
}

fn parse_error_message(text: &str) -> String {
    let d = analyze(text);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].rule, "parse_error");
    d[0].message.clone()
}

#[test]
fn ten_thousand_levels_of_anything() {
    let n = 10_000;
    let cases = [
        format!("fn f() {{ let x = {}1{}; }}", "(".repeat(n), ")".repeat(n)),
        format!("fn f() {}{}", "{".repeat(n), "}".repeat(n)),
        format!("fn f() {{ let x = {}1{}; }}", "[".repeat(n), "]".repeat(n)),
        format!("type T = {}u8{};", "Vec<".repeat(n), ">".repeat(n)),
        format!("fn f() {{ let {}x{} = 1; }}", "(".repeat(n), ")".repeat(n)),
        format!("fn f() {{ let {}x = 1; }}", "&".repeat(n)),
        format!("fn f() {{ let x = {}y; }}", "!".repeat(n)),
        format!("fn f() {{ let x = 1{}; }}", " + 1".repeat(n * 5)),
        format!("fn f() {{ let x = a{}; }}", ".b()".repeat(n * 5)),
    ];
    for (i, text) in cases.iter().enumerate() {
        let msg = parse_error_message(text);
        assert!(msg.contains("nesting too deep"), "case {i}: {msg}");
    }
}

#[test]
fn non_utf8_like_text_and_nul_bytes() {
    // The core takes text; a NUL byte is not Rust.
    let msg = parse_error_message("fn f() {}\0\nfn g() {}\n");
    assert!(!msg.is_empty());
    // Lone surrogates cannot be in a &str; replacement characters can.
    let msg = parse_error_message("fn f() { let x = \u{FFFD}; }");
    assert!(!msg.is_empty());
}

#[test]
fn a_50_mb_file_is_linted() {
    // The core has no size limit (the shell's `max-file-size` keeps such a file from being read
    // unless configured; see `files_over_the_size_limit_are_not_read`).
    // A big file that is cheap to lex: real code around a 50 MB comment.
    let mut text = String::from("async fn small() -> u8 {\n    1\n}\n/*\n");
    let filler = "// lorem ipsum dolor sit amet, consectetur adipiscing elit\n";
    while text.len() < 50 << 20 {
        text.push_str(filler);
    }
    text.push_str("*/\nasync fn tail() -> u8 {\n    2\n}\n");
    let d = analyze(&text);
    let rules: Vec<&str> = d.iter().map(|d| d.rule).collect();
    assert_eq!(
        rules,
        ["async_without_await", "async_without_await"],
        "{d:#?}"
    );
}

#[test]
fn random_bytes_and_truncations_never_panic() {
    let base = include_str!("../fixtures/await_in_loop/flagged.rs");
    let krate = CrateInfo::default();
    let config = Config::default();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut inputs: Vec<String> = Vec::new();
    for cut in (0..base.len()).step_by(97) {
        if base.is_char_boundary(cut) {
            inputs.push(base[..cut].to_string());
        }
    }
    for _ in 0..200 {
        let len = (next() % 300) as usize;
        const ALPHABET: &[u8] = b" (){}[]<>;:,.&*!?#'\"/\\abcfnletsync await\n";
        let bytes: Vec<u8> = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(async_lint::parse::STACK_SIZE)
            .spawn_scoped(s, || {
                for text in &inputs {
                    let input = FileInput {
                        path: "fuzz.rs",
                        text,
                        module_path: &[],
                        is_test_target: false,
                        cfg_gated: false,
                    };
                    let _ = analyze_file(input, &krate, &config);
                }
            })
            .unwrap()
            .join()
            .expect("analysis panicked on a fuzz input");
    });
}

// ---- the file system ------------------------------------------------------------------------

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-async-lint"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(101);
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(code != 101 && !e.contains("panicked"), "crashed: {e}");
    (code, o, e)
}

fn write(root: &Path, rel: &str, text: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const MANIFEST: &[u8] =
    b"[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n";
const FLAGGED: &[u8] = b"pub async fn flagged() -> u8 {\n    1\n}\n";

/// Real code around a comment, `size` bytes or a little more.
fn big_file(size: usize) -> Vec<u8> {
    let mut text = String::from("async fn small() -> u8 {\n    1\n}\n/*\n");
    let filler = "// lorem ipsum dolor sit amet, consectetur adipiscing elit\n";
    while text.len() < size {
        text.push_str(filler);
    }
    text.push_str("*/\nasync fn tail() -> u8 {\n    2\n}\n");
    text.into_bytes()
}

#[test]
fn files_over_the_size_limit_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    // Under the default limit of 10 MiB: linted.
    write(dir.path(), "src/under.rs", &big_file(9 << 20));
    // Over it: a parse_error, and the other files are still linted.
    let over = big_file(11 << 20);
    write(dir.path(), "src/over.rs", &over);
    let (code, out, _) = run(dir.path(), &["src", "--message-format", "short", "-q"]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("src/under.rs:1:10: warning")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("src/under.rs:") && l.contains("fn tail")),
        "{out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "src/over.rs:1:1: error[async_lint::parse_error]: could not read this file: it is {} bytes, more than the limit of 10485760 bytes",
            over.len()
        ))),
        "{out}"
    );
    assert_eq!(lines.len(), 3, "{out}");
    // A higher `max-file-size` lets it through.
    write(
        dir.path(),
        "async-lint.toml",
        b"[settings]\nmax-file-size = 20000000\n",
    );
    let (code, out, _) = run(dir.path(), &["src", "--message-format", "short", "-q"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().count(), 4, "{out}");
}

#[cfg(unix)]
#[test]
fn symlink_loop_and_dangling_links_in_path_mode() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/good.rs", FLAGGED);
    // A loop through an ancestor is not followed (nothing outside `src` is reached by it).
    std::os::unix::fs::symlink("..", dir.path().join("src/loop")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("src/self")).unwrap();
    std::os::unix::fs::symlink("nowhere.rs", dir.path().join("src/dangling.rs")).unwrap();
    let (code, out, _) = run(dir.path(), &["src", "--message-format", "short", "-q"]);
    assert_eq!(code, 0);
    assert!(out.contains("src/good.rs:1:14"), "{out}");
}

#[cfg(unix)]
#[test]
fn module_files_that_are_missing_outside_or_not_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("p");
    write(&root, "Cargo.toml", MANIFEST);
    write(
        &root,
        "src/lib.rs",
        b"mod good;\n#[path = \"../../outside.rs\"]\nmod outside;\n#[path = \"gone/missing.rs\"]\nmod missing;\nmod dir_not_file;\nmod dangling;\n",
    );
    write(&root, "src/good.rs", FLAGGED);
    write(dir.path(), "outside.rs", FLAGGED);
    std::fs::create_dir_all(root.join("src/dir_not_file.rs")).unwrap();
    std::os::unix::fs::symlink("nowhere.rs", root.join("src/dangling.rs")).unwrap();
    let (code, out, _) = run(&root, &["--message-format", "short", "-q"]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    // The good file is linted; the file outside the package is not read.
    assert!(
        lines.iter().any(|l| l.starts_with("src/good.rs:1:14:")),
        "{out}"
    );
    assert!(!lines.iter().any(|l| l.contains("outside.rs")), "{out}");
    assert!(
        lines.iter().any(|l| l.starts_with("src/lib.rs:2:")
            && l.contains("the file of module `outside` is outside the package; not read")),
        "{out}"
    );
    // A directory where the file should be is not "not found": it is not a regular file.
    assert!(
        lines.iter().any(|l| l.starts_with("src/lib.rs:6:")
            && l.contains("cannot read the file of module `dir_not_file`: it is a directory")),
        "{out}"
    );
    // Each missing file is a parse_error at the `mod`.
    for (line, name) in [(4, "missing"), (7, "dangling")] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("src/lib.rs:{line}:"))
                    && l.contains(&format!("file not found for module `{name}`"))),
            "{name}: {out}"
        );
    }
}

#[test]
fn unreadable_and_vanished_files_are_reported_not_fatal() {
    // A file listed on the command line that is removed before the run: exit 2 (no such path).
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.rs", FLAGGED);
    let (code, _, err) = run(dir.path(), &["a.rs", "b.rs"]);
    assert_eq!(code, 2);
    assert!(err.contains("b.rs"), "{err}");
    // A NUL byte and invalid UTF-8 in one file; the other file is still linted.
    write(dir.path(), "src/bad.rs", b"fn f() {}\0\xff\xfe\n");
    write(dir.path(), "src/good.rs", FLAGGED);
    let (code, out, _) = run(dir.path(), &["src", "--message-format", "short", "-q"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("src/bad.rs:1:") && out.contains("parse_error"),
        "{out}"
    );
    assert!(out.contains("src/good.rs:1:14"), "{out}");
}
