//! Running the real binary, for the integration tests that do (`mod support;`). Not every test
//! file uses every helper.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// What one run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// A finished process's status and output.
    pub fn of(out: Output) -> Run {
        Run {
            // Killed by a signal (a stack overflow, say) counts as a crash like a panic.
            code: out.status.code().unwrap_or(101),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The number of `warning[async_lint::RULE]` / `error[async_lint::RULE]` headers in stdout.
    pub fn count(&self, level: &str, rule: &str) -> usize {
        self.stdout
            .matches(&format!("{level}[async_lint::{rule}]"))
            .count()
    }

    /// The `short` lines of stdout (one per finding).
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().filter(|l| !l.is_empty()).collect()
    }
}

/// The binary, with colors off whatever the environment says.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-async-lint"));
    cmd.env("CARGO_TERM_COLOR", "never").env_remove("NO_COLOR");
    cmd
}

/// Run the binary with `args` (in `dir`, if given); a crash (a panic, a signal) fails the test.
pub fn run_in(dir: Option<&Path>, args: &[&str]) -> Run {
    let mut cmd = bin();
    cmd.args(args);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let run = Run::of(cmd.output().expect("cannot start cargo-async-lint"));
    assert!(
        run.code != 101 && !run.stderr.contains("panicked"),
        "cargo-async-lint {args:?} crashed:\n{run:#?}"
    );
    run
}
