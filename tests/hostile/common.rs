//! Helpers shared by the hostile tests.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The tool's binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cargo-async-lint")
}

/// Write `text` at `root/rel`, creating parent directories.
pub fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// `None` when killed (by a signal or the timeout).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Run the binary in `dir` with `args`, killing it after `timeout`. stdin is closed.
pub fn run_with_timeout(dir: &Path, args: &[&str], timeout: Duration) -> Run {
    run_env(dir, args, &[], timeout)
}

/// [`run_with_timeout`] with extra environment variables.
pub fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)], timeout: Duration) -> Run {
    run_env_without(dir, args, env, &[], timeout)
}

/// [`run_env`], also removing the variables `remove` from the inherited environment (e.g.
/// `CARGO` and `RUSTUP_TOOLCHAIN`, which `cargo test` sets and which would hide a toolchain file).
pub fn run_env_without(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    remove: &[&str],
    timeout: Duration,
) -> Run {
    let start = Instant::now();
    let out_dir = tempfile::tempdir().unwrap();
    let out_path = out_dir.path().join("stdout");
    let err_path = out_dir.path().join("stderr");
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .env("NO_COLOR", "1");
    for k in remove {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code,
        stdout: String::from_utf8_lossy(&std::fs::read(&out_path).unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&err_path).unwrap_or_default()).into_owned(),
        elapsed: start.elapsed(),
    }
}

/// Run with a 60 s timeout.
pub fn run(dir: &Path, args: &[&str]) -> Run {
    run_with_timeout(dir, args, Duration::from_secs(60))
}

/// A minimal package with one flagged file.
pub fn package(root: &Path, name: &str) {
    write(
        root,
        "Cargo.toml",
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
    );
    write(root, "src/lib.rs", FLAGGED);
}

/// Write an executable shell script at `root/rel`.
pub fn script(root: &Path, rel: &str, body: &str) {
    write(root, rel, format!("#!/bin/sh\n{body}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.join(rel), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A file with one `async_without_await` finding.
pub const FLAGGED: &str = "pub async fn flagged() -> u8 {\n    1\n}\n";
