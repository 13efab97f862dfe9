//! Command-line flags → raw settings, as close to argv as possible.

use crate::config::LevelFlag;
use crate::diagnostic::Level;
use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Short,
    Json,
    Sarif,
    Github,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        <Format as ValueEnum>::from_str(s, true).ok()
    }
}

/// One `--message-format` value: a format, written to stdout or (`FMT=PATH`) to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub path: Option<PathBuf>,
}

fn parse_output(s: &str) -> Result<Output, String> {
    let (fmt, path) = match s.split_once('=') {
        Some((f, p)) if !p.is_empty() => (f, Some(PathBuf::from(p))),
        Some((f, _)) => return Err(format!("`{f}=` needs a path after `=`")),
        None => (s, None),
    };
    let names: Vec<String> = Format::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
        .collect();
    let format = Format::parse(fmt).ok_or_else(|| {
        format!(
            "unknown format `{fmt}`; expected one of: {}",
            names.join(", ")
        )
    })?;
    Ok(Output { format, path })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Find async anti-patterns in Rust code without compiling it.
#[derive(Debug, Parser)]
#[command(
    name = "cargo async-lint",
    bin_name = "cargo async-lint",
    version,
    about,
    group = clap::ArgGroup::new("fixing").args(["fix", "diff"]).multiple(true),
    after_help = "Rules: `cargo async-lint --list-rules`; one rule's documentation: `cargo async-lint --explain RULE`.\nExit status: 0 no error-level finding, 1 at least one, 2 the run failed."
)]
pub struct Cli {
    /// Files or directories to lint instead of the cargo workspace.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Path to Cargo.toml.
    #[arg(
        long,
        value_name = "PATH",
        help_heading = "Package selection",
        conflicts_with = "paths"
    )]
    pub manifest_path: Option<PathBuf>,
    /// Package(s) to lint.
    #[arg(
        short = 'p',
        long = "package",
        value_name = "SPEC",
        help_heading = "Package selection",
        conflicts_with = "paths"
    )]
    pub packages: Vec<String>,
    /// Lint all packages in the workspace.
    #[arg(
        long,
        visible_alias = "all",
        help_heading = "Package selection",
        conflicts_with = "paths"
    )]
    pub workspace: bool,
    /// Exclude packages from --workspace.
    #[arg(
        long,
        value_name = "SPEC",
        help_heading = "Package selection",
        conflicts_with = "paths"
    )]
    pub exclude: Vec<String>,
    /// Edition of the files in PATH mode [default: the edition of the package a file is in,
    /// else 2021].
    #[arg(long, value_name = "YEAR", value_parser = ["2015", "2018", "2021", "2024"])]
    pub edition: Option<String>,

    /// Set a rule (or `all`) to allow.
    #[arg(short = 'A', long = "allow", value_name = "RULE", action = ArgAction::Append, help_heading = "Levels")]
    pub allow: Vec<String>,
    /// Set a rule (or `all`) to warn.
    #[arg(short = 'W', long = "warn", value_name = "RULE", action = ArgAction::Append, help_heading = "Levels")]
    pub warn: Vec<String>,
    /// Set a rule (or `all`, or `warnings`) to deny.
    #[arg(short = 'D', long = "deny", value_name = "RULE", action = ArgAction::Append, help_heading = "Levels")]
    pub deny: Vec<String>,
    /// Set a rule (or `all`) to forbid (cannot be lowered later).
    #[arg(short = 'F', long = "forbid", value_name = "RULE", action = ArgAction::Append, help_heading = "Levels")]
    pub forbid: Vec<String>,

    /// Output format (human, short, json, sarif, github); `FMT=PATH` writes that format to PATH
    /// as well.
    /// Repeatable.
    #[arg(long = "message-format", visible_alias = "format", value_name = "FMT[=PATH]", value_parser = parse_output, action = ArgAction::Append, help_heading = "Output")]
    pub outputs: Vec<Output>,
    /// Hide the findings recorded in this baseline file (new findings still count).
    #[arg(long, value_name = "FILE", help_heading = "Gating")]
    pub baseline: Option<PathBuf>,
    /// Write the current findings to the `--baseline` file (default `async-lint-baseline.json`)
    /// and exit 0.
    #[arg(long, help_heading = "Gating")]
    pub update_baseline: bool,
    /// Report only findings on lines changed since this git revision (and in new files).
    #[arg(long, value_name = "REV", help_heading = "Gating")]
    pub diff_base: Option<String>,
    /// Apply the safe fixes in place, re-analyzing until nothing more applies; the findings
    /// left are reported (and decide the exit status). In a git work tree, refuses to write
    /// over uncommitted changes to the files it edits (it runs `git status` on them).
    #[arg(long, help_heading = "Fixing", conflicts_with_all = ["update_baseline", "diff_base"])]
    pub fix: bool,
    /// Also apply the fixes that may change behaviour (ordering, an API); with --fix or --diff.
    #[arg(long, help_heading = "Fixing", requires = "fixing")]
    pub unsafe_fixes: bool,
    /// Print what --fix would change as a unified diff, and write nothing.
    #[arg(long, help_heading = "Fixing", conflicts_with_all = ["update_baseline", "diff_base"])]
    pub diff: bool,
    /// Let --fix write over uncommitted changes to the files it edits.
    #[arg(long, help_heading = "Fixing", requires = "fix")]
    pub allow_dirty: bool,
    /// Coloring: auto, always, never (also CARGO_TERM_COLOR, NO_COLOR).
    #[arg(long, value_enum, value_name = "WHEN", help_heading = "Output")]
    pub color: Option<Color>,
    /// No summary line or progress output.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,
    /// Say which files are linted and why some are skipped.
    #[arg(short, long, action = ArgAction::Count, help_heading = "Output")]
    pub verbose: u8,

    /// Read the configuration from FILE (an `async-lint.toml`, or a `Cargo.toml` with
    /// `[package.metadata.async-lint]`) instead of discovering it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print each package's resolved configuration (every rule's level and where it came
    /// from, options, overrides) and exit.
    #[arg(long)]
    pub show_config: bool,

    /// Print a rule's documentation.
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,
    /// Print every rule with its default level and summary.
    #[arg(long)]
    pub list_rules: bool,
    /// Number of threads (default: all cores).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
}

impl Cli {
    /// The format printed on stdout: the last `--message-format FMT` without a path, else human.
    pub fn stdout_format(&self) -> Format {
        self.outputs
            .iter()
            .rev()
            .find(|o| o.path.is_none())
            .map_or(Format::Human, |o| o.format)
    }
}

/// Parsed arguments plus the level flags in the order they were given.
#[derive(Debug)]
pub struct Args {
    pub cli: Cli,
    pub levels: Vec<LevelFlag>,
}

/// Parse argv (including the program name). Drops the `async-lint` that cargo inserts.
pub fn parse(argv: Vec<OsString>) -> Result<Args, clap::Error> {
    let mut argv = argv;
    if argv.get(1).is_some_and(|a| a == "async-lint") {
        argv.remove(1);
    }
    let matches = Cli::command().try_get_matches_from(argv)?;
    let cli = Cli::from_arg_matches(&matches)?;
    let mut levels: Vec<(usize, LevelFlag)> = Vec::new();
    for (id, level) in [
        ("allow", Level::Allow),
        ("warn", Level::Warn),
        ("deny", Level::Deny),
        ("forbid", Level::Forbid),
    ] {
        if let (Some(indices), Some(values)) =
            (matches.indices_of(id), matches.get_many::<String>(id))
        {
            for (i, v) in indices.zip(values) {
                levels.push((
                    i,
                    LevelFlag {
                        level,
                        rule: v.clone(),
                    },
                ));
            }
        }
    }
    levels.sort_by_key(|(i, _)| *i);
    Ok(Args {
        cli,
        levels: levels.into_iter().map(|(_, f)| f).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Args {
        parse(s.split_whitespace().map(OsString::from).collect()).unwrap()
    }

    #[test]
    fn cargo_subcommand_word_is_dropped_and_level_order_kept() {
        let a = args("cargo-async-lint async-lint -D all -A async-without-await -W x src");
        assert_eq!(a.cli.paths, vec![PathBuf::from("src")]);
        let order: Vec<_> = a
            .levels
            .iter()
            .map(|f| (f.level, f.rule.as_str()))
            .collect();
        assert_eq!(
            order,
            vec![
                (Level::Deny, "all"),
                (Level::Allow, "async-without-await"),
                (Level::Warn, "x")
            ]
        );
    }

    #[test]
    fn format_alias_and_defaults() {
        let a = args("cargo-async-lint --format json");
        assert_eq!(a.cli.stdout_format(), Format::Json);
        let a = args("cargo-async-lint");
        assert_eq!(a.cli.stdout_format(), Format::Human);
        assert!(a.cli.paths.is_empty());
        let a = args("cargo-async-lint --message-format json=out.json --message-format short");
        assert_eq!(a.cli.stdout_format(), Format::Short);
        assert_eq!(a.cli.outputs[0].path, Some(PathBuf::from("out.json")));
        assert!(parse(vec!["x".into(), "--message-format".into(), "xml".into()]).is_err());
    }
}
