//! The file system of an untrusted checkout: nothing outside the package is read or printed;
//! FIFOs, devices and huge files neither block nor exhaust memory; output files are written
//! atomically; every bad configuration is an error; `--diff-base` and printed file names cannot
//! be fooled by odd names.

#[allow(unused_imports)]
use crate::common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Every format that prints file content or positions.
const FORMATS: &[&str] = &["human", "short", "json", "sarif", "github"];

/// A value no file or output contains by chance.
fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}_{}_{nanos}", std::process::id())
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

/// A character device (the same as /dev/zero) at `path`, if this process may create one (it
/// needs root, or CAP_MKNOD).
#[cfg(unix)]
fn mknod_zero(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; makedev(1, 5) is /dev/zero.
    let rc = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o644, libc::makedev(1, 5)) };
    rc == 0
}

/// A package at `dir/pkg` (so that `dir` itself is outside it) with `lib` as `src/lib.rs`.
fn pkg_in(dir: &Path, lib: &str) -> std::path::PathBuf {
    let root = dir.join("pkg");
    write(
        &root,
        "Cargo.toml",
        "[package]\nname = \"pkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(&root, "src/lib.rs", lib);
    root
}

fn quick(dir: &Path, args: &[&str]) -> Run {
    let r = run_with_timeout(dir, args, Duration::from_secs(30));
    assert!(r.code.is_some(), "did not finish in 30 s: {r:?}");
    assert!(r.code != Some(101), "crashed: {}", r.stderr);
    r
}

// ---- read nothing outside ------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn path_attributes_and_symlinks_to_outside_files_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let secret = unique("SECRET");
    let env_secret = unique("ENVSECRET");
    // Outside the package: a file next to it, reached by `..`, and one reached by a symlink.
    write(
        dir.path(),
        "outside.rs",
        format!("pub async fn {secret}() -> u8 {{ 1 }}\n// {secret}\n"),
    );
    write(dir.path(), "linked.rs", format!("// {secret}\n{FLAGGED}"));
    let root = pkg_in(
        dir.path(),
        &format!(
            "#[path = \"/proc/self/environ\"]\nmod e;\n#[path = \"/etc/passwd\"]\nmod pw;\n#[path = \"../../outside.rs\"]\nmod up;\nmod link;\n{FLAGGED}"
        ),
    );
    std::os::unix::fs::symlink(dir.path().join("linked.rs"), root.join("src/link.rs")).unwrap();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let passwd_line = passwd.lines().next().unwrap_or("").to_string();
    for format in FORMATS {
        let r = run_env(
            &root,
            &["--message-format", format],
            &[("ASYNC_LINT_TEST_SECRET", &env_secret)],
            Duration::from_secs(60),
        );
        assert_eq!(r.code, Some(1), "{format}: {r:?}");
        let out = r.all_output();
        assert!(!out.contains(&secret), "{format}: leaked a file: {out}");
        assert!(
            !out.contains(&env_secret),
            "{format}: leaked the environment: {out}"
        );
        assert!(!out.contains("ASYNC_LINT_TEST_SECRET"), "{format}: {out}");
        if !passwd_line.is_empty() {
            assert!(
                !out.contains(&passwd_line),
                "{format}: leaked /etc/passwd: {out}"
            );
        }
    }
    // Each declaration is a parse_error at its `mod` (its attribute), the rest is linted.
    let r = quick(&root, &["--message-format", "short", "-q"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    for (line, name) in [(1, "e"), (3, "pw"), (5, "up"), (7, "link")] {
        let want = format!(
            "src/lib.rs:{line}:1: error[async_lint::parse_error]: the file of module `{name}` is outside the package; not read"
        );
        assert!(lines.contains(&want.as_str()), "{name}: {}", r.stdout);
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("src/lib.rs:8:14: warning")),
        "{}",
        r.stdout
    );
    assert_eq!(lines.len(), 5, "{}", r.stdout);
}

#[cfg(unix)]
#[test]
fn a_symlinked_target_root_is_not_read() {
    // `src/lib.rs -> /dev/zero`: outside the package, so never opened (it would read forever).
    let dir = tempfile::tempdir().unwrap();
    let root = pkg_in(dir.path(), "");
    std::fs::remove_file(root.join("src/lib.rs")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("src/lib.rs")).unwrap();
    let r = quick(&root, &["--message-format", "short", "-q"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    // Discovery refuses the auto-discovered library target; the report points at the manifest.
    assert!(
        r.stdout.contains(
            "Cargo.toml:2:8: error[async_lint::parse_error]: library target `pkg`: its file is outside the package, not read"
        ),
        "{r:?}"
    );
    assert!(r.elapsed < Duration::from_secs(20));
}

#[cfg(unix)]
#[test]
fn path_mode_does_not_follow_symlinks_out_of_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let secret = unique("SECRET");
    write(
        dir.path(),
        "elsewhere/leak.rs",
        format!("pub async fn {secret}() -> u8 {{ 1 }}\n"),
    );
    let proj = dir.path().join("proj");
    write(&proj, "src/good.rs", FLAGGED);
    write(&proj, "src/inner/ok.rs", FLAGGED);
    // A directory and a file leading out of `src`, and a link that stays inside it.
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), proj.join("src/ext")).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("elsewhere/leak.rs"),
        proj.join("src/leak.rs"),
    )
    .unwrap();
    std::os::unix::fs::symlink("inner", proj.join("src/alias")).unwrap();
    for format in FORMATS {
        let r = quick(&proj, &["src", "--message-format", format]);
        assert_eq!(r.code, Some(1), "{format}: {r:?}");
        assert!(
            !r.all_output().contains(&secret),
            "{format}: {}",
            r.all_output()
        );
    }
    let r = quick(&proj, &["src", "--message-format", "short", "-q"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    for path in ["src/ext", "src/leak.rs"] {
        assert!(
            lines.iter().any(|l| l.starts_with(&format!(
                "{path}:1:1: error[async_lint::parse_error]: this path resolves to a path outside"
            ))),
            "{path}: {}",
            r.stdout
        );
    }
    assert!(
        lines.iter().any(|l| l.starts_with("src/good.rs:1:14:")),
        "{}",
        r.stdout
    );
    // Inside the tree a symlinked directory is followed (its file is linted once).
    let inner = lines.iter().filter(|l| l.contains("ok.rs:1:14:")).count();
    assert_eq!(inner, 1, "{}", r.stdout);
    assert_eq!(lines.len(), 4, "{}", r.stdout);
}

// ---- FIFOs, devices, huge files ------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_fifo_as_target_root_or_module_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let root = pkg_in(dir.path(), "");
    std::fs::remove_file(root.join("src/lib.rs")).unwrap();
    mkfifo(&root.join("src/lib.rs"));
    let r = quick(&root, &["--message-format", "short", "-q"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout.contains("src/lib.rs:1:1: error[async_lint::parse_error]: could not read this file: it is a FIFO, not a regular file; not read"),
        "{r:?}"
    );
    // A FIFO or a device reached inside the root through a `mod`.
    std::fs::remove_file(root.join("src/lib.rs")).unwrap();
    write(
        &root,
        "src/lib.rs",
        format!("mod fifo;\nmod dev;\n{FLAGGED}"),
    );
    mkfifo(&root.join("src/fifo.rs"));
    let has_dev = mknod_zero(&root.join("src/dev.rs"));
    let r = quick(&root, &["--message-format", "short", "-q"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout.contains("src/lib.rs:1:1: error[async_lint::parse_error]: cannot read the file of module `fifo`: it is a FIFO, not a regular file; not read"),
        "{r:?}"
    );
    if has_dev {
        assert!(
            r.stdout.contains("src/lib.rs:2:1: error[async_lint::parse_error]: cannot read the file of module `dev`: it is a device, not a regular file; not read"),
            "{r:?}"
        );
    } else {
        eprintln!("note: cannot create a device node here (not root); the device case is skipped");
    }
    assert!(r.stdout.contains("src/lib.rs:3:14: warning"), "{r:?}");
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_as_path_arguments_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.rs", FLAGGED);
    mkfifo(&dir.path().join("fifo.rs"));
    let r = quick(
        dir.path(),
        &[
            "fifo.rs",
            "/dev/null",
            "good.rs",
            "--message-format",
            "short",
            "-q",
        ],
    );
    assert_eq!(r.code, Some(1), "{r:?}");
    for want in [
        "fifo.rs:1:1: error[async_lint::parse_error]: could not read this file: it is a FIFO, not a regular file; not read",
        "/dev/null:1:1: error[async_lint::parse_error]: could not read this file: it is a device, not a regular file; not read",
        "good.rs:1:14: warning",
    ] {
        assert!(r.stdout.lines().any(|l| l.starts_with(want)), "{want}: {r:?}");
    }
    // Found while walking a directory: reported too, not skipped.
    let r = quick(dir.path(), &[".", "--message-format", "short", "-q"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout
            .contains("fifo.rs:1:1: error[async_lint::parse_error]"),
        "{r:?}"
    );
}

#[test]
fn a_huge_sparse_file_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/good.rs", FLAGGED);
    let big = std::fs::File::create(dir.path().join("src/big.rs")).unwrap();
    big.set_len(2 << 30).unwrap();
    drop(big);
    let r = quick(dir.path(), &["src", "--message-format", "short", "-q"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout.contains("src/big.rs:1:1: error[async_lint::parse_error]: could not read this file: it is 2147483648 bytes, more than the limit of 10485760 bytes (`[settings] max-file-size`); not read"),
        "{r:?}"
    );
    assert!(r.stdout.contains("src/good.rs:1:14: warning"), "{r:?}");
    // The same through a `mod` in cargo mode.
    let root = pkg_in(dir.path(), &format!("mod big;\n{FLAGGED}"));
    std::fs::rename(dir.path().join("src/big.rs"), root.join("src/big.rs")).unwrap();
    let r = quick(&root, &["--message-format", "short", "-q"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stdout.contains("src/big.rs:1:1: error[async_lint::parse_error]: could not read this file: it is 2147483648 bytes"), "{r:?}");
    assert!(r.stdout.contains("src/lib.rs:2:14: warning"), "{r:?}");
}

#[test]
fn max_file_size_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = FLAGGED.to_string();
    text.push_str(&"// padding\n".repeat(200));
    write(dir.path(), "src/a.rs", &text);
    write(
        dir.path(),
        "async-lint.toml",
        "[settings]\nmax-file-size = 1000\n",
    );
    let r = quick(dir.path(), &["src", "--message-format", "short", "-q"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout.contains(&format!(
            "src/a.rs:1:1: error[async_lint::parse_error]: could not read this file: it is {} bytes, more than the limit of 1000 bytes",
            text.len()
        )),
        "{r:?}"
    );
    write(
        dir.path(),
        "async-lint.toml",
        "[settings]\nmax-file-size = 100000\n",
    );
    let r = quick(dir.path(), &["src", "--message-format", "short", "-q"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("src/a.rs:1:14: warning"), "{r:?}");
}

// ---- atomic writes -------------------------------------------------------------------------

/// Run with a 64-byte limit on the size of files the process writes (`RLIMIT_FSIZE`, with
/// SIGXFSZ ignored so a write past it fails with EFBIG instead of killing the process): the
/// way to make a write fail even as root, standing in for a full disk. stdout and stderr are
/// pipes, which the limit does not apply to.
#[cfg(unix)]
fn run_with_small_fsize(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: 64,
                rlim_max: 64,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
#[test]
fn a_failed_baseline_or_output_write_leaves_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/a.rs", FLAGGED);
    let old = "{\"old\": true}\n";
    write(dir.path(), "async-lint-baseline.json", old);
    write(dir.path(), "out.sarif", old);
    let before = names_in(dir.path());
    let (code, _, err) = run_with_small_fsize(dir.path(), &["src", "--update-baseline"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("error: cannot write `async-lint-baseline.json`: File too large"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("async-lint-baseline.json")).unwrap(),
        old
    );
    let (code, _, err) = run_with_small_fsize(
        dir.path(),
        &["src", "--message-format", "sarif=out.sarif", "-q"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("error: cannot write `out.sarif`: File too large"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.sarif")).unwrap(),
        old
    );
    // No temporary file is left behind.
    assert_eq!(names_in(dir.path()), before);
    // Without the limit both are written.
    let r = quick(dir.path(), &["src", "--update-baseline"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let text = std::fs::read_to_string(dir.path().join("async-lint-baseline.json")).unwrap();
    assert!(text.contains("async_without_await"), "{text}");
}

#[test]
fn a_write_over_a_directory_fails_cleanly() {
    // rename(2) cannot replace a directory with a file: the write fails at the rename.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/a.rs", FLAGGED);
    write(dir.path(), "out.json/keep", "x");
    let before = names_in(dir.path());
    let r = quick(
        dir.path(),
        &["src", "--message-format", "json=out.json", "-q"],
    );
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("error: cannot write `out.json`"), "{r:?}");
    assert_eq!(names_in(dir.path()), before);
    assert_eq!(names_in(&dir.path().join("out.json")), ["keep"]);
}

// ---- bad configuration ---------------------------------------------------------------------

/// Lint the package at `root` and expect exit 2 with `want` in stderr, where paths under `root`
/// (the current directory of the run) are written relative to it.
fn config_error(root: &Path, args: &[&str], want: &str) {
    let r = quick(root, args);
    assert_eq!(r.code, Some(2), "{want}: {r:?}");
    let want = want.replace(&format!("{}/", root.display()), "");
    assert!(r.stderr.contains(&want), "want `{want}` in: {}", r.stderr);
}

const DENY_ALL: &str = "[lints]\nall = \"deny\"\n";

#[cfg(unix)]
#[test]
fn unreadable_config_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = pkg_in(dir.path(), FLAGGED);
    let cfg = root.join("async-lint.toml");
    let abs = |name: &str| format!("{}", root.join(name).display());
    // Not UTF-8: located.
    std::fs::write(&cfg, b"[lints]\nall = \"deny\" # \xff\n").unwrap();
    config_error(
        &root,
        &[],
        &format!(
            "{}:2:16: this configuration file is not valid UTF-8",
            abs("async-lint.toml")
        ),
    );
    // A directory by that name.
    std::fs::remove_file(&cfg).unwrap();
    std::fs::create_dir(&cfg).unwrap();
    config_error(
        &root,
        &[],
        &format!(
            "{}: cannot read this configuration file: it is a directory",
            abs("async-lint.toml")
        ),
    );
    std::fs::remove_dir(&cfg).unwrap();
    // A FIFO: an error, at once.
    mkfifo(&cfg);
    config_error(
        &root,
        &[],
        &format!(
            "{}: cannot read this configuration file: it is a FIFO",
            abs("async-lint.toml")
        ),
    );
    // In PATH mode too (found from the current directory).
    config_error(
        &root,
        &["src"],
        "async-lint.toml: cannot read this configuration file: it is a FIFO",
    );
    std::fs::remove_file(&cfg).unwrap();
    // A symlink loop: unreadable.
    std::os::unix::fs::symlink("async-lint.toml", &cfg).unwrap();
    config_error(
        &root,
        &[],
        "async-lint.toml: cannot read this configuration file: Too many levels of symbolic links",
    );
    std::fs::remove_file(&cfg).unwrap();
    // A symlink out of the workspace.
    write(dir.path(), "elsewhere.toml", DENY_ALL);
    std::os::unix::fs::symlink(dir.path().join("elsewhere.toml"), &cfg).unwrap();
    config_error(
        &root,
        &[],
        "async-lint.toml: this configuration file resolves to a path outside",
    );
    std::fs::remove_file(&cfg).unwrap();
    // Too large.
    let mut big = DENY_ALL.to_string();
    big.push_str(&"# padding padding padding padding padding padding\n".repeat(220_000));
    std::fs::write(&cfg, &big).unwrap();
    config_error(
        &root,
        &[],
        "async-lint.toml: cannot read this configuration file: it is",
    );
    config_error(&root, &[], "more than the limit of 10485760 bytes");
    std::fs::remove_file(&cfg).unwrap();
    // `--config` naming a FIFO or a directory.
    mkfifo(&dir.path().join("named.toml"));
    config_error(
        &root,
        &["--config", "../named.toml"],
        "../named.toml: cannot read this configuration file: it is a FIFO",
    );
    config_error(
        &root,
        &["--config", "src"],
        "src: cannot read this configuration file: it is a directory",
    );
    // A dangling symlink is a missing file: no configuration, no error.
    std::os::unix::fs::symlink("nowhere.toml", &cfg).unwrap();
    let r = quick(&root, &["-q"]);
    assert_eq!(r.code, Some(0), "{r:?}");
}

#[test]
fn ambiguous_and_meaningless_configs_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = pkg_in(dir.path(), FLAGGED);
    let abs = |name: &str| format!("{}", root.join(name).display());
    // Two files in one directory.
    write(&root, "async-lint.toml", DENY_ALL);
    write(&root, ".async-lint.toml", "");
    config_error(
        &root,
        &[],
        &format!(
            "{}: both `async-lint.toml` and `.async-lint.toml` exist in `{}`; keep one",
            abs(".async-lint.toml"),
            root.display()
        ),
    );
    std::fs::remove_file(root.join(".async-lint.toml")).unwrap();
    // A file and a metadata table for the same directory.
    for table in ["package", "workspace"] {
        write(
            &root,
            "Cargo.toml",
            format!("[package]\nname = \"pkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[{table}.metadata.async-lint.lints]\nall = \"allow\"\n"),
        );
        config_error(
            &root,
            &[],
            &format!(
                "{}:8:1: `[{table}.metadata.async-lint]` and `async-lint.toml` next to this file both configure this {table}; keep one",
                abs("Cargo.toml")
            ),
        );
    }
    write(
        &root,
        "Cargo.toml",
        "[package]\nname = \"pkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    let cases = [
        (
            "[lints]\nawait-in-loop = \"deny\"\nawait_in_loop = \"allow\"\n",
            ":3:1: `await_in_loop` and `await-in-loop` both name the rule `await_in_loop` in [lints]; keep one",
        ),
        (
            "[rules.await_in_loop]\nconcurrency = 0\n",
            ":2:1: `concurrency` of `await_in_loop` must be at least 1 (found 0)",
        ),
        (
            "[rules.unbounded_join]\nconcurrency = 0\n",
            ":2:1: `concurrency` of `unbounded_join` must be at least 1 (found 0)",
        ),
        (
            "[rules.unbounded_channel]\ncapacity = 0\n",
            ":2:1: `capacity` of `unbounded_channel` must be at least 1 (found 0)",
        ),
        (
            "[settings]\nmax-file-size = 0\n",
            ":2:17: `max-file-size` must be at least 1",
        ),
    ];
    for (text, want) in cases {
        write(&root, "async-lint.toml", text);
        config_error(&root, &[], &format!("{}{want}", abs("async-lint.toml")));
    }
}

#[test]
fn an_overflowing_baseline_count_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/a.rs", FLAGGED);
    let entry = format!(
        "{{\"rule\": \"async_without_await\", \"path\": \"src/a.rs\", \"item\": \"fn flagged\", \"code\": \"x\", \"count\": {}}}",
        u64::MAX
    );
    write(
        dir.path(),
        "base.json",
        format!("{{\"version\": 1, \"findings\": [{entry}, {entry}]}}"),
    );
    config_error(
        dir.path(),
        &["src", "--baseline", "base.json"],
        "error: base.json: finding #2: the counts of identical entries overflow",
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_baseline_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/a.rs", FLAGGED);
    mkfifo(&dir.path().join("base.json"));
    config_error(
        dir.path(),
        &["src", "--baseline", "base.json"],
        "cannot read baseline `base.json`: it is a FIFO, not a regular file",
    );
}

// ---- --diff-base with odd names ------------------------------------------------------------

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn diff_base_finds_changed_files_whatever_their_names() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "sp ace.rs",
        "tab\tname.rs",
        "caf\u{e9}.rs",
        "q\"uote.rs",
        "back\\slash.rs",
        "new\nline.rs",
        "plain.rs",
    ];
    // Two more unchanged findings per file, committed; then one new finding in each.
    let old = "pub async fn old_one() -> u8 {\n    1\n}\n";
    for n in names {
        write(dir.path(), n, old);
    }
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "base"]);
    for n in names {
        write(dir.path(), n, format!("{old}{FLAGGED}"));
    }
    // Untracked files with odd names count as wholly new.
    write(dir.path(), "un tracked \u{e9}.rs", FLAGGED);
    write(dir.path(), "un\ttracked.rs", FLAGGED);
    let r = quick(
        dir.path(),
        &[
            ".",
            "--diff-base",
            "HEAD",
            "--message-format",
            "short",
            "-q",
        ],
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    for shown in [
        "sp ace.rs:4:14:",
        "tab\\tname.rs:4:14:",
        "caf\u{e9}.rs:4:14:",
        "q\"uote.rs:4:14:",
        "back/slash.rs:4:14:",
        "new\\nline.rs:4:14:",
        "plain.rs:4:14:",
        "un tracked \u{e9}.rs:1:14:",
        "un\\ttracked.rs:1:14:",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(shown)),
            "missing {shown:?} in:\n{}",
            r.stdout
        );
    }
    // The unchanged findings are filtered out.
    assert_eq!(lines.len(), 9, "{}", r.stdout);
}

#[test]
fn diff_base_refuses_an_option_as_revision() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.rs", FLAGGED);
    git(dir.path(), &["init", "-q"]);
    let r = quick(dir.path(), &["a.rs", "--diff-base=--output=pwned"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("is not a revision"), "{r:?}");
    assert!(!dir.path().join("pwned").exists());
}

// ---- what is printed -----------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn file_names_cannot_forge_lines_or_send_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let name = "a\nsrc/forged.rs:9:9: error[async_lint::forged]: forged\u{1b}[31m\r.rs";
    write(dir.path(), "src/good.rs", FLAGGED);
    write(&dir.path().join("src"), name, FLAGGED);
    for format in ["human", "short"] {
        let r = quick(dir.path(), &["src", "--message-format", format]);
        assert_eq!(r.code, Some(0), "{r:?}");
        let out = r.all_output();
        assert!(
            !out.contains('\u{1b}') && !out.contains('\r'),
            "{format}: {out:?}"
        );
        assert!(
            !out.lines()
                .any(|l| l.starts_with("src/forged.rs") || l.contains("--> src/forged.rs")),
            "{format}: {out}"
        );
        assert!(
            out.contains("src/a\\nsrc/forged.rs:9:9: error[async_lint::forged]: forged\\u{1b}[31m\\r.rs:1:14"),
            "{format}: {out}"
        );
    }
}

#[test]
fn a_bom_keeps_columns_and_suggestions_right() {
    // A blocking sleep: its fix (the runtime's sleep, awaited) is offered in PATH mode.
    const NAP: &str = "use tokio::task;\nasync fn nap() {\n    std::thread::sleep(std::time::Duration::from_millis(1));\n}\n";
    let dir = tempfile::tempdir().unwrap();
    let text = format!("\u{feff}{NAP}");
    write(dir.path(), "bom.rs", &text);
    let r = quick(
        dir.path(),
        &[
            "bom.rs",
            "-A",
            "all",
            "-W",
            "blocking_in_async",
            "--message-format",
            "short",
            "-q",
        ],
    );
    assert!(r.stdout.starts_with("bom.rs:3:5: warning"), "{r:?}");
    let r = quick(
        dir.path(),
        &[
            "bom.rs",
            "-A",
            "all",
            "-W",
            "blocking_in_async",
            "--message-format",
            "human",
            "-q",
        ],
    );
    assert!(r.stdout.contains(" --> bom.rs:3:5\n"), "{r:?}");
    assert!(r.stdout.contains("tokio::time::sleep"), "{r:?}");
    // JSON byte offsets are offsets into the real file: applying the suggestion as rustfix
    // does (bytes) gives exactly the runtime's sleep.
    let r = quick(
        dir.path(),
        &[
            "bom.rs",
            "-A",
            "all",
            "-W",
            "blocking_in_async",
            "--message-format",
            "json",
            "-q",
        ],
    );
    let line = r.stdout.lines().next().unwrap();
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let span = &v["message"]["spans"][0];
    assert_eq!(span["column_start"], 5, "{v}");
    assert_eq!(
        span["byte_start"],
        3 + NAP.find("std::thread").unwrap(),
        "{v}"
    );
    let mut edits: Vec<(usize, usize, String)> = v["message"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["spans"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| {
            Some((
                s["byte_start"].as_u64()? as usize,
                s["byte_end"].as_u64()? as usize,
                s["suggested_replacement"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert_eq!(edits.len(), 2, "{v}");
    edits.sort();
    let mut fixed = std::fs::read(dir.path().join("bom.rs")).unwrap();
    for (a, b, rep) in edits.iter().rev() {
        fixed.splice(*a..*b, rep.bytes());
    }
    assert_eq!(
        String::from_utf8(fixed).unwrap(),
        format!(
            "\u{feff}{}",
            NAP.replace(
                "std::thread::sleep(std::time::Duration::from_millis(1))",
                "tokio::time::sleep(std::time::Duration::from_millis(1)).await"
            )
        )
    );
}
