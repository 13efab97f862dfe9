//! The product runs no program of the checkout's choosing: no cargo (so no rustup proxy reading a
//! toolchain file, no alias, no build script), whatever the checkout holds; and no target file
//! outside the package is read.

#[allow(unused_imports)]
use crate::common::*;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Variables `cargo test` sets that would make a cargo spawned by the product skip the
/// checkout's toolchain file or use the real cargo: removed, so a regression would show.
const CARGO_ENV: &[&str] = &["CARGO", "RUSTUP_TOOLCHAIN", "RUSTC", "RUSTC_WRAPPER"];

const TIMEOUT: Duration = Duration::from_secs(60);

/// A checkout (`<tmp>/checkout`, one finding in `src/lib.rs`) and a place for markers outside it.
struct Checkout {
    tmp: tempfile::TempDir,
}

impl Checkout {
    fn new() -> Checkout {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("markers")).unwrap();
        package(&tmp.path().join("checkout"), "victim");
        Checkout { tmp }
    }

    fn dir(&self) -> PathBuf {
        self.tmp.path().join("checkout")
    }

    fn marker(&self, name: &str) -> PathBuf {
        self.tmp.path().join("markers").join(name)
    }

    /// `<tmp>/evil/bin/{cargo,rustc,rustup}`: scripts that leave a marker and fail.
    fn evil_toolchain(&self) -> PathBuf {
        let evil = self.tmp.path().join("evil");
        for tool in ["cargo", "rustc", "rustup"] {
            let marker = self.marker(&format!("ran-{tool}"));
            script(
                &evil,
                &format!("bin/{tool}"),
                &format!("touch '{}'\nexit 1", marker.display()),
            );
        }
        evil
    }

    fn markers(&self) -> Vec<String> {
        std::fs::read_dir(self.tmp.path().join("markers"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_env_without(&self.dir(), args, env, CARGO_ENV, TIMEOUT)
    }
}

/// The run linted the checkout: the one finding of `src/lib.rs`, exit 0 (a warning).
fn assert_linted(r: &Run) {
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert!(
        r.stdout.contains("src/lib.rs:1:") && r.stdout.contains("async_without_await"),
        "{r:#?}"
    );
}

fn is_rustup_proxy() -> bool {
    Command::new("rustup")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn toolchain_file_with_a_path_runs_nothing() {
    for file in ["rust-toolchain.toml", "rust-toolchain"] {
        let c = Checkout::new();
        let evil = c.evil_toolchain();
        write(
            &c.dir(),
            file,
            format!("[toolchain]\npath = \"{}\"\n", evil.display()),
        );
        for args in [
            &["--message-format", "short"][..],
            &["async-lint", "--message-format", "short"],
        ] {
            let r = c.run(args, &[]);
            assert_linted(&r);
        }
        assert!(c.markers().is_empty(), "{file}: {:?}", c.markers());
        // The trap is real: cargo through rustup's proxy runs the checkout's `bin/cargo`.
        if is_rustup_proxy() {
            let mut cmd = Command::new("cargo");
            cmd.args(["metadata", "--no-deps"]).current_dir(c.dir());
            for k in CARGO_ENV {
                cmd.env_remove(k);
            }
            let _ = cmd.output();
            assert_eq!(c.markers(), ["ran-cargo"], "{file}: the proxy ignored it?");
        }
    }
}

#[test]
fn unknown_channel_installs_nothing() {
    let c = Checkout::new();
    write(
        &c.dir(),
        "rust-toolchain.toml",
        "[toolchain]\nchannel = \"nightly-2019-01-01\"\n",
    );
    // A private rustup home: a regression would download there (and be slow), not into the
    // machine's rustup.
    let rustup_home = c.tmp.path().join("rustup-home");
    let home = rustup_home.to_str().unwrap();
    let r = run_env_without(
        &c.dir(),
        &["--message-format", "short"],
        &[("RUSTUP_HOME", home), ("RUSTUP_AUTO_INSTALL", "1")],
        CARGO_ENV,
        Duration::from_secs(20),
    );
    assert!(r.elapsed < Duration::from_secs(10), "{:?}", r.elapsed);
    assert_linted(&r);
    assert!(
        !rustup_home.join("toolchains").exists() && !rustup_home.join("downloads").exists(),
        "something was installed"
    );
}

#[test]
fn cargo_alias_build_script_and_main_never_run() {
    let c = Checkout::new();
    write(
        &c.dir(),
        ".cargo/config.toml",
        "[alias]\nasync-lint = [\"run\", \"--\"]\n",
    );
    let touch = |name: &str| {
        format!(
            "fn main() {{ std::fs::write({:?}, \"\").unwrap(); }}\n",
            c.marker(name).display().to_string()
        )
    };
    write(&c.dir(), "build.rs", touch("build-script"));
    write(&c.dir(), "src/main.rs", touch("main"));
    for args in [
        &["-q"][..],
        &["async-lint", "-q"],
        &["async-lint", "--message-format", "short"],
    ] {
        let r = c.run(args, &[]);
        assert!(r.code == Some(0), "{r:#?}");
    }
    assert_linted(&c.run(&["--message-format", "short"], &[]));
    assert!(c.markers().is_empty(), "{:?}", c.markers());
}

#[test]
fn a_fake_cargo_first_on_path_is_never_run() {
    let c = Checkout::new();
    let evil = c.evil_toolchain();
    let path = format!(
        "{}:{}",
        evil.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = [("PATH", path.as_str())];
    // Cargo mode, as CI calls it and as cargo would.
    assert_linted(&c.run(&["--message-format", "short"], &env));
    assert_linted(&c.run(&["async-lint", "--message-format", "short"], &env));
    // --manifest-path from elsewhere.
    let manifest = c.dir().join("Cargo.toml");
    let r = run_env_without(
        c.tmp.path(),
        &[
            "--manifest-path",
            manifest.to_str().unwrap(),
            "--message-format",
            "short",
        ],
        &env,
        CARGO_ENV,
        TIMEOUT,
    );
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert!(r.stdout.contains("async_without_await"), "{r:#?}");
    // PATH mode.
    let r = c.run(&["src", "--message-format", "short"], &env);
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert!(r.stdout.contains("src/lib.rs:1:"), "{r:#?}");
    assert!(c.markers().is_empty(), "{:?}", c.markers());
}

#[test]
fn with_and_without_the_subcommand_word() {
    let c = Checkout::new();
    let direct = c.run(&["--message-format", "json", "-q"], &[]);
    let as_cargo = c.run(&["async-lint", "--message-format", "json", "-q"], &[]);
    assert_eq!(direct.code, Some(0), "{direct:#?}");
    assert!(direct.stdout.contains("\"reason\":\"compiler-message\""));
    assert_eq!(direct.stdout, as_cargo.stdout);
    assert_eq!(direct.code, as_cargo.code);
}

const SECRET: &str = "s3cr3t-7f1c9a2e-do-not-print";

/// The 1-based line and column of the value of the first `path = ` at or after `after`.
fn path_key(manifest: &str, after: &str) -> (usize, usize) {
    let start = manifest.find(after).unwrap();
    let at = start + manifest[start..].find("path = ").unwrap() + "path = ".len();
    let line = manifest[..at].matches('\n').count() + 1;
    let col = at - manifest[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

#[test]
fn target_files_outside_the_package_are_not_read() {
    let c = Checkout::new();
    let manifest = "[package]\nname = \"victim\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
        [lib]\npath = \"/etc/passwd\"\n\n\
        [[bin]]\nname = \"up\"\npath = \"../outside.rs\"\n\n\
        [[bin]]\nname = \"linked\"\npath = \"src/linked.rs\"\n\n\
        [[bin]]\nname = \"main\"\npath = \"src/main.rs\"\n";
    write(&c.dir(), "Cargo.toml", manifest);
    let secret = format!(
        "pub async fn {}() {{}}\n// {SECRET}\n",
        SECRET.replace('-', "_")
    );
    write(c.tmp.path(), "outside.rs", &secret);
    write(c.tmp.path(), "elsewhere/secret.rs", &secret);
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        c.tmp.path().join("outside.rs"),
        c.dir().join("src/linked.rs"),
    )
    .unwrap();
    // Auto-discovery through a symlinked directory: not listed, not read.
    #[cfg(unix)]
    std::os::unix::fs::symlink(c.tmp.path().join("elsewhere"), c.dir().join("examples")).unwrap();
    write(&c.dir(), "src/main.rs", FLAGGED);
    let passwd: Vec<String> = std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.len() > 8)
        .map(str::to_string)
        .collect();
    let keys = [
        path_key(manifest, "[lib]"),
        path_key(manifest, "name = \"up\""),
        path_key(manifest, "name = \"linked\""),
    ];
    for format in ["human", "json", "sarif", "short", "github"] {
        let r = c.run(&["--message-format", format], &[]);
        assert_eq!(r.code, Some(1), "{format}: {r:#?}");
        let out = r.all_output();
        assert!(!out.contains(SECRET), "{format}: {out}");
        assert!(!out.contains(&SECRET.replace('-', "_")), "{format}: {out}");
        assert!(!out.contains("secret.rs"), "{format}: {out}");
        for l in &passwd {
            assert!(
                !out.contains(l.as_str()),
                "{format}: /etc/passwd line in the output"
            );
        }
        assert!(
            out.contains("async_without_await"),
            "{format}: main.rs is linted: {out}"
        );
        assert!(
            out.contains("outside the package, not read"),
            "{format}: {out}"
        );
    }
    let r = c.run(&["--message-format", "short"], &[]);
    for (line, col) in keys {
        let at = format!("Cargo.toml:{line}:{col}: error[async_lint::parse_error]: ");
        assert!(r.stdout.contains(&at), "{at} in:\n{}", r.stdout);
    }
    assert!(
        r.stdout.contains(
            "Cargo.toml:2:8: error[async_lint::parse_error]: `examples` resolves outside"
        ),
        "{}",
        r.stdout
    );
}

/// A workspace whose members point outside it: refused at the `members` entry, not read.
#[test]
fn workspace_members_outside_the_root_are_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ws");
    write(
        &root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"../other\", \"inside\"]\n",
    );
    package(&root.join("inside"), "inside");
    write(
        tmp.path(),
        "other/Cargo.toml",
        format!("[package]\nname = \"{SECRET}\"\nversion = \"0.1.0\"\n"),
    );
    write(tmp.path(), "other/src/lib.rs", format!("// {SECRET}\n"));
    let r = run_env_without(
        &root,
        &["--message-format", "short"],
        &[],
        CARGO_ENV,
        TIMEOUT,
    );
    assert_eq!(r.code, Some(1), "{r:#?}");
    assert!(!r.all_output().contains(SECRET), "{r:#?}");
    assert!(r.stdout.contains("inside/src/lib.rs:1:"), "{r:#?}");
    assert!(
        r.stdout
            .contains("Cargo.toml:2:12: error[async_lint::parse_error]"),
        "{r:#?}"
    );
}

/// A broken `Cargo.toml` above the checkout (met while looking for the workspace root) is named,
/// never quoted.
#[test]
fn a_parent_manifest_is_never_quoted() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "Cargo.toml", format!("{SECRET} = [\n"));
    package(&tmp.path().join("checkout"), "victim");
    let r = run_env_without(&tmp.path().join("checkout"), &[], &[], CARGO_ENV, TIMEOUT);
    assert_eq!(r.code, Some(2), "{r:#?}");
    assert!(!r.all_output().contains(SECRET), "{r:#?}");
    assert!(r.stderr.contains("Cargo.toml"), "{r:#?}");
    // Not a `Cargo.toml` after symlinks: not even opened.
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "secret.txt", format!("{SECRET} = [\n"));
    package(&tmp.path().join("checkout"), "victim");
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), tmp.path().join("Cargo.toml"))
        .unwrap();
    let r = run_env_without(&tmp.path().join("checkout"), &[], &[], CARGO_ENV, TIMEOUT);
    assert!(!r.all_output().contains(SECRET), "{r:#?}");
}

/// A manifest that is a FIFO (a member's, or one met walking up) is never opened: no hang.
#[cfg(unix)]
#[test]
fn fifo_manifests_do_not_hang() {
    let mkfifo = |p: &std::path::Path| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let ok = Command::new("mkfifo").arg(p).status().unwrap().success();
        assert!(ok, "mkfifo {}", p.display());
    };
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    write(&ws, "Cargo.toml", "[workspace]\nmembers = [\"m\"]\n");
    mkfifo(&ws.join("m/Cargo.toml"));
    let r = run_env_without(&ws, &[], &[], CARGO_ENV, Duration::from_secs(20));
    assert_eq!(r.code, Some(2), "{r:#?}");
    assert!(r.stderr.contains("FIFO"), "{r:#?}");
    let tmp = tempfile::tempdir().unwrap();
    mkfifo(&tmp.path().join("Cargo.toml"));
    package(&tmp.path().join("checkout"), "victim");
    let r = run_env_without(
        &tmp.path().join("checkout"),
        &[],
        &[],
        CARGO_ENV,
        Duration::from_secs(20),
    );
    assert_eq!(r.code, Some(2), "{r:#?}");
    assert!(r.stderr.contains("FIFO"), "{r:#?}");
}

/// The checkout's own `Cargo.toml` a symlink to a file elsewhere: not opened, not quoted.
#[cfg(unix)]
#[test]
fn a_manifest_symlinked_to_another_file_is_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "secret.txt",
        format!("[package]\nname = \"{SECRET}\"\n"),
    );
    let checkout = tmp.path().join("checkout");
    write(&checkout, "src/lib.rs", FLAGGED);
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), checkout.join("Cargo.toml")).unwrap();
    let r = run_env_without(&checkout, &[], &[], CARGO_ENV, TIMEOUT);
    assert_eq!(r.code, Some(2), "{r:#?}");
    assert!(!r.all_output().contains(SECRET), "{r:#?}");
    assert!(r.stderr.contains("not named `Cargo.toml`"), "{r:#?}");
}
