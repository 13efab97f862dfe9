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
    after_help = "Rules: `cargo async-lint --list-rules`; one rule's documentation: `cargo async-lint --explain RULE`.\nExit status: 0 no error-level finding, 1 at least one, 2 the run failed."
)]
pub struct Cli {
    /// Files or directories to lint instead of the cargo workspace.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Path to Cargo.toml.
    #[arg(long, value_name = "PATH", help_heading = "Package selection")]
    pub manifest_path: Option<PathBuf>,
    /// Package(s) to lint.
    #[arg(
        short = 'p',
        long = "package",
        value_name = "SPEC",
        help_heading = "Package selection"
    )]
    pub packages: Vec<String>,
    /// Lint all packages in the workspace.
    #[arg(long, visible_alias = "all", help_heading = "Package selection")]
    pub workspace: bool,
    /// Exclude packages from --workspace.
    #[arg(long, value_name = "SPEC", help_heading = "Package selection")]
    pub exclude: Vec<String>,
    /// Edition of the files in PATH mode.
    #[arg(long, value_name = "YEAR", default_value = "2021", value_parser = ["2015", "2018", "2021", "2024"])]
    pub edition: String,

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

    /// Output format.
    #[arg(
        long = "message-format",
        visible_alias = "format",
        value_enum,
        default_value = "human",
        help_heading = "Output"
    )]
    pub format: Format,
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
        assert_eq!(a.cli.format, Format::Json);
        let a = args("cargo-async-lint");
        assert_eq!(a.cli.format, Format::Human);
        assert!(a.cli.paths.is_empty());
    }
}
