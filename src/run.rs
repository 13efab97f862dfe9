//! The imperative shell: arguments → discovery → reading → parallel analysis → rendering → exit
//! status. Everything that decides *what* is reported lives in the pure core (`analyze`).

use crate::analyze::{self, FileAnalysis, FileInput, ModDecl};
use crate::cli::{self, Color, Format};
use crate::config::{Config, ConfigError, ConfigSet};
use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::discover::{self, Selection};
use crate::fix;
use crate::fsread::{self, Jail};
use crate::parse;
use crate::render;
use crate::rules;
use crate::rules::Finding;
use crate::semantic::{CrateFacts, CrateInfo, Edition};
use crate::source::{Origin, SourceFile};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Exit statuses (SPEC §4).
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_FAILURE: i32 = 2;

/// Run the tool as `main` would, returning the exit status.
pub fn main_with_args(argv: Vec<OsString>) -> i32 {
    let args = match cli::parse(argv) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_OK
            };
        }
    };
    let cli = &args.cli;
    if cli.list_rules {
        print!("{}", list_rules());
        return EXIT_OK;
    }
    if let Some(rule) = &cli.explain {
        return match explain(rule) {
            Ok(text) => {
                print!("{text}");
                EXIT_OK
            }
            Err(msg) => {
                eprintln!("error: {msg}");
                EXIT_FAILURE
            }
        };
    }
    // Flags are checked before anything is read, so a typo fails fast.
    if let Err(e) = Config::default().apply_flags(&args.levels) {
        eprintln!("error: {e}");
        return EXIT_FAILURE;
    }
    let settings = Settings {
        flags: args.levels.clone(),
        config_file: cli.config.clone(),
        show_config: cli.show_config,
        verbose: cli.verbose > 0,
        overlay: Arc::default(),
        keep_text: false,
    };
    let color = use_color(cli.color);
    let jobs = cli
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(parse::STACK_SIZE)
        .thread_name(|i| format!("async-lint-{i}"))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start worker threads: {e}");
            return EXIT_FAILURE;
        }
    };
    let start = Instant::now();
    let lint = |settings: &Settings| {
        pool.install(|| {
            if cli.paths.is_empty() {
                let sel = Selection {
                    manifest_path: cli.manifest_path.clone(),
                    packages: cli.packages.clone(),
                    workspace: cli.workspace,
                    exclude: cli.exclude.clone(),
                };
                lint_cargo(&sel, settings)
            } else {
                let edition = cli.edition.as_deref().and_then(Edition::parse);
                lint_paths(&cli.paths, edition, settings)
            }
        })
    };
    let fixing = (cli.fix || cli.diff) && !cli.show_config;
    let (result, fixed) = if fixing {
        match fix_rounds(cli, &settings, &lint) {
            Ok((outcome, fixed)) => (Ok(Some(outcome)), Some(fixed)),
            Err(e) => (Err(e), None),
        }
    } else {
        (lint(&settings), None)
    };
    let mut outcome = match result {
        Ok(Some(o)) => o,
        Ok(None) => return EXIT_OK, // --show-config
        Err(msg) => {
            // Messages quote the checkout (file names, config keys): no terminal escapes.
            let msg = relative_to_cwd(&msg);
            let msg: Vec<_> = msg.split('\n').map(render::escape_control).collect();
            eprintln!("error: {}", msg.join("\n"));
            return EXIT_FAILURE;
        }
    };
    let mut diff_text = None;
    if let Some(fixed) = &fixed {
        match finish_fix(cli, &outcome, fixed) {
            Ok(diff) => diff_text = diff,
            Err(code) => return code,
        }
    }
    if cli.verbose > 0 {
        for f in &outcome.files {
            eprintln!("async-lint: linted {}", render::escape_control(&f.display));
        }
    }
    if let Some(rev) = &cli.diff_base {
        let dir = std::env::current_dir().unwrap_or_default();
        match crate::diffbase::changed_lines(&dir, rev) {
            Ok((root, changed)) => {
                let root = std::fs::canonicalize(&root).unwrap_or(root);
                let files = &outcome.files;
                outcome.diags.retain(|d| {
                    let Some(f) = files.get(d.file) else {
                        return true;
                    };
                    let abs = std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
                    match abs.strip_prefix(&root) {
                        Ok(rel) => crate::diffbase::is_changed(&changed, rel, d.span.line_start),
                        Err(_) => false,
                    }
                });
            }
            Err(e) => {
                eprintln!("error: --diff-base {rev}: {e}");
                return EXIT_FAILURE;
            }
        }
    }
    if let Some(code) = apply_baseline(cli, &mut outcome) {
        return code;
    }
    let millis = start.elapsed().as_millis();
    let errors = outcome
        .diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = outcome.diags.len() - errors;
    // Code scanning and annotations resolve paths against the repository, not the workspace.
    let repo = repo_base(&outcome.base);
    let render = |format: Format, color: bool| -> String {
        match format {
            Format::Human => render::human(
                &outcome.diags,
                &outcome.files,
                &render::HumanOptions { color },
            ),
            Format::Short => render::short(&outcome.diags, &outcome.files),
            Format::Json => render::json(&outcome.diags, &outcome.files),
            Format::Sarif => {
                render::sarif(&outcome.diags, &outcome.files, &outcome.suppressed, &repo)
            }
            Format::Github => render::github(&outcome.diags, &outcome.files, &repo),
        }
    };
    for output in &cli.outputs {
        if let Some(path) = &output.path {
            let mut text = render(output.format, false);
            if output.format == Format::Human && !cli.quiet {
                text.push_str(&render::summary(warnings, errors, outcome.linted, millis));
                text.push('\n');
            }
            // A temporary file renamed over the target: an interrupted or failed write leaves
            // the old file as it was.
            if let Err(e) = fsread::write_atomic(path, text.as_bytes()) {
                eprintln!(
                    "error: cannot write `{}`: {}",
                    path.display(),
                    fsread::io_reason(&e)
                );
                return EXIT_FAILURE;
            }
        }
    }
    let stdout_format = cli.stdout_format();
    // `--diff` prints the diff on stdout instead of the findings (which `FMT=PATH` still gets).
    let text = match diff_text {
        Some(diff) => diff,
        None => render(stdout_format, color),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    if !text.is_empty() && !text.ends_with('\n') {
        let _ = stdout.write_all(b"\n");
    }
    if !cli.quiet {
        let summary = render::summary(warnings, errors, outcome.linted, millis);
        if let Some(fixed) = &fixed {
            eprintln!("{}", fix_summary(cli, fixed, &outcome.diags));
        } else if let Some(hint) = fixable_hint(&outcome.diags) {
            eprintln!("{hint}");
        }
        if stdout_format == Format::Human && !cli.diff {
            let _ = writeln!(stdout, "{summary}");
        } else {
            eprintln!("{summary}");
        }
    }
    let _ = stdout.flush();
    if errors > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// `--fix` / `--diff`: the rounds of analyze → apply in memory ([`fix::run_rounds`]), each
/// analysis a full run with the edited texts in the overlay and the baseline's findings left
/// alone. Returns the analysis of the final texts (what remains) and what was fixed.
fn fix_rounds(
    cli: &cli::Cli,
    settings: &Settings,
    lint: &dyn Fn(&Settings) -> Result<Option<Outcome>, String>,
) -> Result<(Outcome, fix::Fixed<PathBuf>), String> {
    let baseline = match &cli.baseline {
        Some(path) => Some(load_baseline(path)?),
        None => None,
    };
    let mode = if cli.unsafe_fixes {
        fix::Mode::Unsafe
    } else {
        fix::Mode::Safe
    };
    let mut last = None;
    let fixed = fix::run_rounds(mode, fix::MAX_ROUNDS, |overlay: &Overlay| {
        let round = Settings {
            overlay: Arc::new(overlay.clone()),
            keep_text: true,
            ..settings.clone()
        };
        let outcome = lint(&round)?.ok_or_else(String::new)?;
        // Findings the baseline accepts are not fixed.
        let diags = match &baseline {
            Some(b) => {
                let new = b.apply(outcome.diags.clone(), &outcome.files).new;
                proc_macro2::extra::invalidate_current_thread_spans();
                new
            }
            None => outcome.diags.clone(),
        };
        let files = outcome
            .files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect();
        last = Some(outcome);
        Ok::<_, String>(fix::Analysis { diags, files })
    })?;
    let outcome = last.ok_or_else(String::new)?;
    Ok((outcome, fixed))
}

/// After the rounds: `--diff` returns the diff to print; `--fix` checks that no file to write
/// has uncommitted changes (unless `--allow-dirty`) or changed since it was read, and writes
/// each atomically. `Err` is the exit status of a run that must stop.
fn finish_fix(
    cli: &cli::Cli,
    outcome: &Outcome,
    fixed: &fix::Fixed<PathBuf>,
) -> Result<Option<String>, i32> {
    let display = |p: &Path| {
        outcome
            .files
            .iter()
            .find(|f| f.path == p)
            .map_or_else(|| p.display().to_string(), |f| f.display.clone())
    };
    if cli.diff {
        let mut out = String::new();
        for (path, (old, new)) in &fixed.changed {
            out.push_str(&render::unified_diff(&display(path), old, new));
        }
        return Ok(Some(out));
    }
    let paths: Vec<PathBuf> = fixed.changed.keys().cloned().collect();
    if !cli.allow_dirty && !paths.is_empty() {
        match crate::diffbase::uncommitted(&paths) {
            Ok(dirty) if dirty.is_empty() => {}
            Ok(dirty) => {
                let list: Vec<String> = dirty
                    .iter()
                    .map(|p| format!("  {}", render::escape_control(&display(p))))
                    .collect();
                eprintln!(
                    "error: --fix would edit files with uncommitted changes:\n{}\ncommit or stash them first, or pass --allow-dirty",
                    list.join("\n")
                );
                return Err(EXIT_FAILURE);
            }
            Err(e) => {
                eprintln!("error: --fix cannot tell whether the files to edit have uncommitted changes ({e}); pass --allow-dirty to write anyway");
                return Err(EXIT_FAILURE);
            }
        }
    }
    let mut failed = false;
    for (path, (old, new)) in &fixed.changed {
        // Written to where a symlink points, so the link stays a link.
        let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        let shown = render::escape_control(&display(path)).into_owned();
        match std::fs::read(&target) {
            Ok(now) if now == old.as_bytes() => {}
            _ => {
                eprintln!("error: `{shown}` changed while it was being fixed; not written");
                failed = true;
                continue;
            }
        }
        if let Err(e) = fsread::write_atomic(&target, new.as_bytes()) {
            eprintln!(
                "error: cannot write `{shown}`: {} (the file is unchanged)",
                fsread::io_reason(&e)
            );
            failed = true;
        }
    }
    if failed {
        return Err(EXIT_FAILURE);
    }
    Ok(None)
}

/// ruff's hint: `async-lint: 2 fixable with --fix (1 more with --unsafe-fixes)`.
fn fixable_hint(diags: &[Diagnostic]) -> Option<String> {
    use crate::diagnostic::Applicability;
    let count = |a: Applicability| {
        diags
            .iter()
            .filter(|d| d.suggestion.as_ref().is_some_and(|s| s.applicability == a))
            .count()
    };
    let safe = count(Applicability::MachineApplicable);
    let unsafe_ = count(Applicability::MaybeIncorrect);
    match (safe, unsafe_) {
        (0, 0) => None,
        (0, u) => Some(format!("async-lint: {u} fixable with --fix --unsafe-fixes")),
        (s, 0) => Some(format!("async-lint: {s} fixable with --fix")),
        (s, u) => Some(format!(
            "async-lint: {s} fixable with --fix ({u} more with --unsafe-fixes)"
        )),
    }
}

/// `async-lint: fixed 3 findings in 2 files (2 blocking_in_async, 1 lock_across_await); ..`
fn fix_summary(cli: &cli::Cli, fixed: &fix::Fixed<PathBuf>, remaining: &[Diagnostic]) -> String {
    let total: usize = fixed.applied.values().sum();
    let verb = if cli.diff { "would fix" } else { "fixed" };
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut out = format!(
        "async-lint: {verb} {} in {}",
        plural(total, "finding"),
        plural(fixed.changed.len(), "file")
    );
    if total > 0 {
        let by_rule: Vec<String> = fixed
            .applied
            .iter()
            .map(|(rule, n)| format!("{n} {rule}"))
            .collect();
        out.push_str(&format!(" ({})", by_rule.join(", ")));
    }
    let unsafe_left = remaining
        .iter()
        .filter(|d| {
            d.suggestion.as_ref().is_some_and(|s| {
                s.applicability == crate::diagnostic::Applicability::MaybeIncorrect
            })
        })
        .count();
    if !cli.unsafe_fixes && unsafe_left > 0 {
        out.push_str(&format!("; {unsafe_left} more fixable with --unsafe-fixes"));
    }
    if fixed.hit_limit {
        out.push_str(&format!(
            "; stopped after {} rounds with fixes left: run again",
            fix::MAX_ROUNDS
        ));
    }
    if fixed.broken > 0 {
        out.push_str(&format!(
            "; {} not applied because the file would not parse (please report it)",
            plural(fixed.broken, "fix")
        ));
    }
    out
}

/// An error message with the paths under the current directory written relative to it, as
/// cargo writes them (`async-lint.toml:2:1: ..`, not `/home/me/proj/async-lint.toml:2:1: ..`).
fn relative_to_cwd(msg: &str) -> String {
    match std::env::current_dir() {
        Ok(cwd) if cwd.parent().is_some() => {
            let prefix = format!("{}/", cwd.display());
            msg.replace(&prefix, "")
        }
        _ => msg.to_string(),
    }
}

/// Where the repository is, relative to `base` (the directory display paths are relative to):
/// `$GITHUB_WORKSPACE` when it contains `base`, else the nearest directory at or above `base`
/// with a `.git` (a directory, or a file for worktrees and submodules), else `base` itself.
/// Only names are looked at; nothing is read.
fn repo_base(base: &Path) -> render::RepoBase {
    let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
    let from_env = std::env::var_os("GITHUB_WORKSPACE")
        .map(PathBuf::from)
        .and_then(|w| std::fs::canonicalize(w).ok())
        .filter(|w| base.starts_with(w));
    let root = from_env.or_else(|| {
        base.ancestors()
            .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
            .map(Path::to_path_buf)
    });
    let root = root.unwrap_or_else(|| base.clone());
    render::RepoBase::new(&root, base.strip_prefix(&root).unwrap_or(Path::new("")))
}

/// The largest baseline file read (about a million findings).
const MAX_BASELINE_SIZE: u64 = 512 << 20;

/// `--update-baseline` writes the findings and ends the run (Some(exit status));
/// `--baseline FILE` hides the recorded findings and reports stale entries.
fn apply_baseline(cli: &cli::Cli, outcome: &mut Outcome) -> Option<i32> {
    use crate::baseline::Baseline;
    let default = PathBuf::from("async-lint-baseline.json");
    if cli.update_baseline {
        let path = cli.baseline.clone().unwrap_or(default);
        let baseline = Baseline::from_findings(&outcome.diags, &outcome.files);
        proc_macro2::extra::invalidate_current_thread_spans();
        if let Err(e) = fsread::write_atomic(&path, baseline.to_json().as_bytes()) {
            eprintln!(
                "error: cannot write `{}`: {} (the old file, if any, is unchanged)",
                path.display(),
                fsread::io_reason(&e)
            );
            return Some(EXIT_FAILURE);
        }
        eprintln!(
            "async-lint: wrote {} finding(s) to {}",
            outcome.diags.len(),
            path.display()
        );
        return Some(EXIT_OK);
    }
    let path = cli.baseline.as_ref()?;
    let baseline = match load_baseline(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return Some(EXIT_FAILURE);
        }
    };
    let diags = std::mem::take(&mut outcome.diags);
    let applied = baseline.apply(diags, &outcome.files);
    proc_macro2::extra::invalidate_current_thread_spans();
    outcome.diags = applied.new;
    // In PATH mode only some files may have been linted: entries of other files are not stale.
    let mut stale = applied.stale;
    if cli.paths.is_empty() {
        stale.extend(applied.outside);
    }
    if !stale.is_empty() && !cli.quiet {
        let (entries, verb) = if stale.len() == 1 {
            ("entry", "matches")
        } else {
            ("entries", "match")
        };
        eprintln!(
            "async-lint: {} baseline {entries} no longer {verb} (fixed or moved); prune them with --update-baseline:",
            stale.len(),
        );
        for (key, n) in stale.iter().take(20) {
            eprintln!("  {key} (x{n})");
        }
    }
    if !applied.hidden.is_empty() && !cli.quiet {
        eprintln!(
            "async-lint: {} finding(s) hidden by the baseline",
            applied.hidden.len()
        );
    }
    None
}

/// Read a baseline file: any regular file (not a FIFO or a device), of a bounded size.
fn load_baseline(path: &Path) -> Result<crate::baseline::Baseline, String> {
    let text = fsread::read_regular_to_string(path, MAX_BASELINE_SIZE)
        .map_err(|e| format!("cannot read baseline `{}`: {e}", path.display()))?;
    crate::baseline::Baseline::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn use_color(flag: Option<Color>) -> bool {
    let from_env = std::env::var("CARGO_TERM_COLOR").ok();
    let choice = match flag {
        Some(c) => c,
        None => match from_env.as_deref() {
            Some("always") => Color::Always,
            Some("never") => Color::Never,
            _ => Color::Auto,
        },
    };
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// `--list-rules`: `id  default-level  summary`.
pub fn list_rules() -> String {
    let width = rules::all_meta().map(|m| m.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for m in rules::all_meta() {
        out.push_str(&format!(
            "{:width$}  {:6}  {}\n",
            m.id,
            m.default_level.as_str(),
            m.summary
        ));
    }
    out.push_str("\n`all` names every id above (in flags, `[lints]` and suppression comments).\n");
    out
}

/// `--explain RULE`: the rule's document plus its default level.
pub fn explain(rule: &str) -> Result<String, String> {
    let meta = rules::meta(rule).ok_or_else(|| crate::config::unknown_rule_message(rule))?;
    let mut out = meta.doc.trim_end().to_string();
    out.push_str(&format!(
        "\n\n---\nDefault level: `{}`. Fix suggestion: {}.\n",
        meta.default_level.as_str(),
        if meta.has_fix { "yes" } else { "no" }
    ));
    if meta.options.is_empty() {
        out.push_str("Options: none.\n");
    } else {
        out.push_str(&format!("Options (`[rules.{}]`):\n", meta.id));
        for o in meta.options {
            out.push_str(&format!("  {} = {}  # {}\n", o.name, o.default, o.doc));
        }
    }
    Ok(out)
}

/// What the shell needs to build each package's configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub flags: Vec<crate::config::LevelFlag>,
    /// `--config FILE`: used instead of discovered files.
    pub config_file: Option<PathBuf>,
    /// `--show-config`: print the resolved configuration and stop.
    pub show_config: bool,
    pub verbose: bool,
    /// Texts used instead of what a file holds on disk, by the path it is read from (the
    /// rounds of `--fix` and `--diff` analyze their edits in memory).
    pub overlay: Arc<Overlay>,
    /// Keep the text of every file in the outcome (`--fix` edits files without findings).
    pub keep_text: bool,
}

/// In-memory texts by file path.
pub type Overlay = std::collections::BTreeMap<PathBuf, String>;

/// A configuration file's text through `jail`: `Ok(None)` only when it does not exist. Anything
/// else that keeps it from being read — outside the jail, a FIFO, a directory, unreadable, too
/// large, not UTF-8 — is an error naming the file, so a `deny` is never dropped silently.
fn read_config(jail: &Jail, p: &Path) -> Result<Option<String>, ConfigError> {
    config_text(p, jail.read_to_string(p))
}

fn config_text(
    p: &Path,
    read: Result<String, fsread::ReadError>,
) -> Result<Option<String>, ConfigError> {
    match read {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(fsread::ReadError::InvalidUtf8 { line, column }) => Err(ConfigError(format!(
            "{}:{line}:{column}: this configuration file is not valid UTF-8",
            p.display()
        ))),
        Err(fsread::ReadError::Outside) => Err(ConfigError(format!(
            "{}: this configuration file resolves to a path outside `{}`; not read",
            p.display(),
            p.parent().unwrap_or(Path::new("")).display()
        ))),
        Err(e) => Err(ConfigError(format!(
            "{}: cannot read this configuration file: {e}",
            p.display()
        ))),
    }
}

/// The configuration layers for a package (or, in PATH mode, for the current directory). Files
/// are read through a jail at `workspace_root`, with the default size limit.
fn layers_for(
    settings: &Settings,
    workspace_root: &Path,
    package_dir: &Path,
) -> Result<Vec<crate::config_file::ProjectConfig>, String> {
    if let Some(file) = &settings.config_file {
        // Named by the user: any regular file, wherever it is.
        let read = fsread::read_regular_to_string(file, fsread::DEFAULT_MAX_FILE_SIZE);
        let text = match config_text(file, read) {
            Ok(Some(text)) => text,
            Ok(None) => {
                return Err(format!(
                    "cannot read config file `{}`: No such file or directory",
                    file.display()
                ))
            }
            Err(e) => return Err(e.to_string()),
        };
        let cfg = if file.file_name().is_some_and(|n| n == "Cargo.toml") {
            crate::config_file::parse_cargo_metadata(file, &text, false)
                .map_err(|e| e.to_string())?
                .unwrap_or_default()
        } else {
            crate::config_file::parse_file(file, &text).map_err(|e| e.to_string())?
        };
        return Ok(vec![cfg]);
    }
    let jail = Jail::new(workspace_root, fsread::DEFAULT_MAX_FILE_SIZE)
        .map_err(|e| format!("cannot read `{}`: {e}", workspace_root.display()))?;
    let read = |p: &Path| read_config(&jail, p);
    let mut layers = crate::config_file::discover(workspace_root, package_dir, &read)
        .map_err(|e| e.to_string())?;
    // Shown in notes and --show-config: relative to the current directory when under it.
    let cwd = std::env::current_dir().unwrap_or_default();
    for layer in &mut layers {
        if let Ok(rel) = layer.origin.strip_prefix(&cwd) {
            layer.origin = rel.to_path_buf();
        }
    }
    Ok(layers)
}

fn show_config(title: &str, set: &ConfigSet) -> String {
    let mut out = format!("{title}\n");
    out.push_str(&set.general().describe());
    out.push_str(&set.describe_overrides());
    out
}

/// What a run produced: every file that has a finding (with its text), the findings, and how
/// many files were linted in all.
pub struct Outcome {
    pub files: Vec<SourceFile>,
    pub diags: Vec<Diagnostic>,
    /// Findings hidden by inline suppressions, with their reasons (shown in SARIF).
    pub suppressed: Vec<Diagnostic>,
    pub linted: usize,
    /// The directory display paths are relative to: the workspace root (cargo mode) or the
    /// current directory (PATH mode).
    pub base: PathBuf,
}

/// One file to read and analyze.
#[derive(Debug, Clone)]
struct Job {
    package: usize,
    target: usize,
    path: PathBuf,
    module_path: Vec<String>,
    owns_dir: bool,
    is_test: bool,
    /// Reached through a `#[cfg]`-gated `mod`: its own missing modules are not errors either.
    cfg_gated: bool,
}

/// A file after reading and analysis.
struct Done {
    job: Job,
    text: String,
    analysis: FileAnalysis,
}

/// The per-run state while waves of files are analyzed.
struct Collector {
    files: Vec<SourceFile>,
    findings: Vec<Vec<Finding>>,
    facts: Vec<CrateFacts>,
    suppressions: HashMap<usize, analyze::FileSuppressions>,
    /// The configuration each file was analyzed with (index = file index).
    configs: Vec<Config>,
    seen: HashSet<PathBuf>,
}

impl Collector {
    fn new(packages: usize) -> Collector {
        Collector {
            files: Vec::new(),
            findings: (0..packages).map(|_| Vec::new()).collect(),
            facts: (0..packages).map(|_| CrateFacts::default()).collect(),
            suppressions: HashMap::new(),
            configs: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Has this file been queued before? (Each file is linted once.)
    fn first_visit(&mut self, path: &Path) -> bool {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.seen.insert(key)
    }

    fn add(
        &mut self,
        done: Done,
        display: String,
        origin: Option<Origin>,
        config: Config,
    ) -> (usize, Vec<ModDecl>) {
        let index = self.files.len();
        self.configs.push(config);
        self.files.push(SourceFile {
            path: done.job.path.clone(),
            display,
            text: done.text,
            origin,
        });
        let pkg = done.job.package;
        self.facts[pkg].add_in(index, done.analysis.facts);
        if !done.analysis.suppressions.is_empty() {
            self.suppressions.insert(index, done.analysis.suppressions);
        }
        self.findings[pkg].extend(done.analysis.findings.into_iter().map(|mut f| {
            f.diag.file = index;
            f
        }));
        (index, done.analysis.modules)
    }

    /// A manifest with findings of its own (not analyzed as Rust).
    fn add_manifest(
        &mut self,
        package: usize,
        file: SourceFile,
        diags: Vec<Diagnostic>,
        config: Config,
    ) {
        let index = self.files.len();
        self.configs.push(config);
        self.files.push(file);
        self.findings[package].extend(diags.into_iter().map(|diag| Finding {
            diag: Diagnostic {
                file: index,
                ..diag
            },
            unless: Vec::new(),
        }));
    }

    fn finish(self, base: PathBuf, keep_text: bool) -> Outcome {
        let mut diags = Vec::new();
        for (findings, facts) in self.findings.into_iter().zip(&self.facts) {
            diags.extend(analyze::finish_crate(findings, facts));
        }
        let configs = self.configs;
        let (mut diags, mut suppressed) =
            analyze::apply_suppressions(diags, &self.suppressions, &|f| &configs[f]);
        // Deterministic order: files by display path.
        let linted = self.files.len();
        let mut order: Vec<usize> = (0..linted).collect();
        order.sort_by(|&a, &b| self.files[a].display.cmp(&self.files[b].display));
        let mut remap = vec![0; linted];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new;
        }
        let mut slots: Vec<Option<SourceFile>> = self.files.into_iter().map(Some).collect();
        let mut files: Vec<SourceFile> = order
            .iter()
            .map(|&i| slots[i].take().unwrap_or_else(empty_file))
            .collect();
        let mut configs_by_new: Vec<Option<Config>> = vec![None; linted];
        for (old, c) in configs.into_iter().enumerate() {
            configs_by_new[remap[old]] = Some(c);
        }
        let configs: Vec<Config> = configs_by_new
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect();
        for d in diags.iter_mut().chain(suppressed.iter_mut()) {
            d.file = remap[d.file];
        }
        let mut diags = analyze::finalize(diags, &|f| &configs[f]);
        let suppressed = analyze::finalize(suppressed, &|f| &configs[f]);
        // Every output says what `--fix` would do: a "safe" edit that deletes a comment is not.
        crate::fix::downgrade_comment_loss(&mut diags, |f| files.get(f).map(|x| x.text.as_str()));
        // Renderers only need the text of files with findings.
        let with_findings: HashSet<usize> =
            diags.iter().chain(&suppressed).map(|d| d.file).collect();
        for (i, f) in files.iter_mut().enumerate() {
            if !with_findings.contains(&i) && !keep_text {
                f.text = String::new();
            }
        }
        Outcome {
            files,
            diags,
            suppressed,
            linted,
            base,
        }
    }
}

fn empty_file() -> SourceFile {
    SourceFile {
        path: PathBuf::new(),
        display: String::new(),
        text: String::new(),
        origin: None,
    }
}

/// How a file may be read.
#[derive(Debug, Clone)]
enum Access {
    /// Through this jail: a regular file that resolves inside its root (the workspace root in
    /// cargo mode, a directory argument in PATH mode), within its size limit.
    Jail(Arc<Jail>),
    /// A file named on the command line: any regular file, within this size limit.
    Named(u64),
}

impl Access {
    fn read(&self, path: &Path) -> Result<Vec<u8>, fsread::ReadError> {
        match self {
            Access::Jail(jail) => jail.read(path),
            Access::Named(limit) => fsread::read_regular(path, *limit),
        }
    }

    fn root(&self) -> Option<&Path> {
        match self {
            Access::Jail(jail) => Some(jail.root()),
            Access::Named(_) => None,
        }
    }
}

/// The `parse_error` message for a file that is not read.
fn unread_message(e: &fsread::ReadError, root: Option<&Path>) -> String {
    match (e, root) {
        (fsread::ReadError::Outside, Some(root)) => format!(
            "this file resolves to a path outside `{}`; not read",
            render::escape_control(&root.display().to_string())
        ),
        _ => format!("could not read this file: {e}"),
    }
}

/// Read one file and analyze it; never panics, whatever the file holds. The file is read
/// through `access`: what it refuses (outside the root, not a regular file, too large) is not
/// opened, and becomes a `parse_error` without any of its content.
#[cfg(test)]
fn process(job: Job, access: &Access, krate: &CrateInfo, config: &Config, display: &str) -> Done {
    process_with(job, access, &Overlay::new(), krate, config, display)
}

/// [`process`], with the text in `overlay` (if any) instead of the file's content. The file is
/// still checked through `access` first, so an overlay never makes a refused file readable.
fn process_with(
    job: Job,
    access: &Access,
    overlay: &Overlay,
    krate: &CrateInfo,
    config: &Config,
    display: &str,
) -> Done {
    let read = access
        .read(&job.path)
        .map(|bytes| match overlay.get(&job.path) {
            Some(text) => text.clone().into_bytes(),
            None => bytes,
        });
    let bytes = match read {
        Ok(b) => b,
        Err(e) => {
            let diag = analyze::read_error(unread_message(&e, access.root()), Span::FILE_START);
            return Done {
                job,
                text: String::new(),
                analysis: only(diag),
            };
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, column) = fsread::utf8_error_position(e.as_bytes());
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let lines = crate::source::LineIndex::new(&text);
            let start = lines.offset(&text, line, column);
            let end = text[start..]
                .chars()
                .next()
                .map_or(start, |c| start + c.len_utf8());
            let diag = analyze::read_error(
                format!("this file is not valid UTF-8 (invalid byte at {line}:{column})"),
                Span {
                    line_start: line,
                    column_start: column,
                    line_end: line,
                    column_end: column + u32::from(end > start),
                    byte_start: start,
                    byte_end: end,
                },
            );
            return Done {
                job,
                text,
                analysis: only(diag),
            };
        }
    };
    let input = FileInput {
        path: display,
        text: &text,
        module_path: &job.module_path,
        is_test_target: job.is_test,
        cfg_gated: job.cfg_gated,
    };
    let analysis = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        analyze::analyze_file(input, krate, config)
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        proc_macro2::extra::invalidate_current_thread_spans();
        only(analyze::read_error(
            format!("internal error while analyzing this file (please report it): {what}"),
            Span::FILE_START,
        ))
    });
    Done {
        job,
        text,
        analysis,
    }
}

fn only(diag: Diagnostic) -> FileAnalysis {
    FileAnalysis {
        findings: vec![Finding {
            diag,
            unless: Vec::new(),
        }],
        ..FileAnalysis::default()
    }
}

/// Cargo mode: lint the selected packages, following `mod` declarations from each target root.
pub fn lint_cargo(sel: &Selection, settings: &Settings) -> Result<Option<Outcome>, String> {
    let verbose = settings.verbose;
    let ws = discover::cargo_workspace(sel)?;
    let mut sets = Vec::new();
    for pkg in &ws.packages {
        let layers = layers_for(settings, &ws.root, &pkg.dir)?;
        sets.push(ConfigSet::new(&layers, &settings.flags).map_err(|e| e.to_string())?);
    }
    if settings.show_config {
        for (pkg, set) in ws.packages.iter().zip(&sets) {
            print!(
                "{}",
                show_config(
                    &format!(
                        "package `{}` ({})",
                        pkg.krate.name,
                        pkg.manifest_path.display()
                    ),
                    set
                )
            );
        }
        return Ok(None);
    }
    // Every file of the workspace is read through a jail at its root, with its package's limit.
    let jail = Jail::new(&ws.root, fsread::DEFAULT_MAX_FILE_SIZE)
        .map_err(|e| format!("cannot read `{}`: {e}", ws.root.display()))?;
    let access: Vec<Access> = sets
        .iter()
        .map(|set| Access::Jail(Arc::new(jail.with_limit(set.max_file_size()))))
        .collect();
    let mut col = Collector::new(ws.packages.len().max(1));
    report_manifest_problems(&ws, &sets, &mut col);
    let mut roots: Vec<Job> = Vec::new();
    for (pi, pkg) in ws.packages.iter().enumerate() {
        for (ti, t) in pkg.targets.iter().enumerate() {
            if col.first_visit(&t.root) {
                roots.push(Job {
                    package: pi,
                    target: ti,
                    path: t.root.clone(),
                    module_path: Vec::new(),
                    owns_dir: true,
                    is_test: t.is_test,
                    cfg_gated: false,
                });
            }
        }
    }
    if verbose {
        let targets: usize = ws.packages.iter().map(|p| p.targets.len()).sum();
        eprintln!(
            "async-lint: {} package(s), {targets} target(s) in {}",
            ws.packages.len(),
            ws.root.display()
        );
    }
    // Files are analyzed as soon as the `mod` declaring them is seen, with no barrier between
    // a file and its modules: each worker resolves the modules of the file it analyzed and
    // spawns their jobs itself. Results are merged in display order afterwards.
    let seen = std::sync::Mutex::new(std::mem::take(&mut col.seen));
    let results = std::sync::Mutex::new(Vec::new());
    let excluded = std::sync::Mutex::new(HashSet::new());
    let walk = ModuleWalk {
        excluded: &excluded,
        ws: &ws,
        sets: &sets,
        access: &access,
        seen: &seen,
        results: &results,
        verbose,
        overlay: &settings.overlay,
    };
    rayon::scope(|scope| {
        for job in roots {
            walk.spawn(scope, job);
        }
    });
    col.seen = seen.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by(|a: &Analyzed, b| a.display.cmp(&b.display));
    for a in results {
        let pkg = &ws.packages[a.done.job.package];
        let origin = Origin {
            package_id: pkg.id.clone(),
            manifest_path: pkg.manifest_path.to_string_lossy().into_owned(),
            target: pkg.targets[a.done.job.target].meta.clone(),
        };
        let package = a.done.job.package;
        let (index, _) = col.add(a.done, a.display, Some(origin), a.config);
        col.findings[package].extend(a.module_reports.into_iter().map(|diag| Finding {
            diag: Diagnostic {
                file: index,
                ..diag
            },
            unless: Vec::new(),
        }));
    }
    // A package is known whole when each of its files was walked: none excluded, unreadable,
    // missing or unparsable (each of those is a `parse_error`).
    let excluded = excluded.into_inner().unwrap_or_else(|e| e.into_inner());
    for (pi, facts) in col.facts.iter_mut().enumerate() {
        facts.whole_crate = !excluded.contains(&pi)
            && !col.findings[pi]
                .iter()
                .any(|f| f.diag.rule == crate::rules::PARSE_ERROR.id);
    }
    Ok(Some(col.finish(ws.root.clone(), settings.keep_text)))
}

/// A file analyzed in cargo mode, with the reports about its `mod` declarations whose files
/// are missing or refused.
struct Analyzed {
    done: Done,
    display: String,
    config: Config,
    module_reports: Vec<Diagnostic>,
}

/// What becomes of a `mod` declaration's file.
enum ModuleFile {
    /// Lint it (first time seen).
    Lint(Job),
    /// Already queued, or a missing file of a `#[cfg]`-gated module.
    Skip,
    /// Missing or refused: this report goes on the declaring file.
    Report(Box<Diagnostic>),
}

impl ModuleFile {
    fn report(diag: Diagnostic) -> ModuleFile {
        ModuleFile::Report(Box::new(diag))
    }
}

/// What the workers of cargo mode share while they follow `mod` declarations.
struct ModuleWalk<'a> {
    ws: &'a discover::Workspace,
    sets: &'a [ConfigSet],
    access: &'a [Access],
    /// Canonical paths of the files queued so far: each file is linted once.
    seen: &'a std::sync::Mutex<HashSet<PathBuf>>,
    results: &'a std::sync::Mutex<Vec<Analyzed>>,
    /// Packages with a file excluded by configuration (not walked: its calls are unknown).
    excluded: &'a std::sync::Mutex<HashSet<usize>>,
    verbose: bool,
    overlay: &'a Overlay,
}

impl<'a> ModuleWalk<'a> {
    fn spawn<'s>(&'s self, scope: &rayon::Scope<'s>, job: Job)
    where
        'a: 's,
    {
        scope.spawn(move |scope| {
            if let Some(analyzed) = self.analyze(scope, job) {
                self.results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(analyzed);
            }
        });
    }

    /// Has the file at this resolved (canonical) path been queued before? (Each file is
    /// linted once, however many `mod` declarations or `#[path]`s lead to it.)
    fn first_visit_resolved(&self, real: PathBuf) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(real)
    }

    /// Read and analyze one file, spawn the jobs of its module files, and report the `mod`s
    /// whose files are missing or must not be read.
    fn analyze<'s>(&'s self, scope: &rayon::Scope<'s>, job: Job) -> Option<Analyzed>
    where
        'a: 's,
    {
        let ws = self.ws;
        let set = &self.sets[job.package];
        if set.excluded(&job.path) {
            self.excluded
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(job.package);
            if self.verbose {
                eprintln!(
                    "async-lint: excluded by configuration: {}",
                    render::escape_control(&job.path.display().to_string())
                );
            }
            return None;
        }
        let display = discover::display_path_resolved(&job.path, &ws.root);
        let krate = &ws.packages[job.package].krate;
        let config = set.for_file(&job.path);
        let access = &self.access[job.package];
        let done = process_with(job, access, self.overlay, krate, &config, &display);
        let mut module_reports = Vec::new();
        // Cargo mode reads through jails, so module files are always looked up in one.
        if let Access::Jail(jail) = access {
            for decl in &done.analysis.modules {
                match self.module_file(jail, &done.job, decl) {
                    ModuleFile::Lint(child) => self.spawn(scope, child),
                    ModuleFile::Skip => {}
                    ModuleFile::Report(diag) => module_reports.push(*diag),
                }
            }
        }
        Some(Analyzed {
            done,
            display,
            config,
            module_reports,
        })
    }

    /// What to do with the file of `decl`, declared in `job`'s file.
    fn module_file(&self, jail: &Jail, job: &Job, decl: &ModDecl) -> ModuleFile {
        let ws = self.ws;
        let candidates = discover::module_candidates(&job.path, job.owns_dir, decl);
        // rustc's order; the first candidate that exists decides. One that exists but must not
        // be read (outside the workspace, not a regular file) is reported as such, never opened.
        let mut found = None;
        let mut refused = None;
        for (p, owns) in &candidates {
            match jail.check_file(p) {
                Ok(real) => {
                    found = Some((p, owns, real));
                    break;
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    refused.get_or_insert((p, e));
                }
            }
        }
        let shown =
            |p: &Path| render::escape_control(&discover::display_path(p, &ws.root)).into_owned();
        match (found, refused) {
            (Some((path, owns_dir, real)), _) => {
                if !self.first_visit_resolved(real) {
                    return ModuleFile::Skip;
                }
                let mut module_path = job.module_path.clone();
                module_path.extend(decl.inline_parents.iter().cloned());
                module_path.push(decl.name.clone());
                ModuleFile::Lint(Job {
                    package: job.package,
                    target: job.target,
                    path: path.clone(),
                    module_path,
                    owns_dir: *owns_dir || discover::owns_dir(path),
                    is_test: job.is_test || decl.cfg_test,
                    cfg_gated: job.cfg_gated || decl.cfg_gated,
                })
            }
            (None, Some((path, fsread::ReadError::Outside))) => ModuleFile::report(
                analyze::read_error(
                    format!(
                        "the file of module `{}` is outside the package; not read",
                        decl.name
                    ),
                    decl.span,
                )
                .with_label("declared here")
                .with_help(format!(
                    "`{}` resolves (through `#[path]`, `..` or a symlink) to a path \
                 outside `{}`; module files must be inside the workspace",
                    shown(path),
                    render::escape_control(&ws.root.display().to_string())
                )),
            ),
            (None, Some((path, e))) => ModuleFile::report(
                analyze::read_error(
                    format!("cannot read the file of module `{}`: {e}", decl.name),
                    decl.span,
                )
                .with_label("declared here")
                .with_help(format!("`{}` must be a regular file", shown(path))),
            ),
            (None, None) if decl.cfg_gated || job.cfg_gated => {
                if self.verbose {
                    eprintln!(
                        "async-lint: skipping `mod {}` (cfg-gated; no file at {})",
                        decl.name,
                        shown(&candidates[0].0)
                    );
                }
                ModuleFile::Skip
            }
            (None, None) => {
                let tried = candidates
                    .iter()
                    .map(|(p, _)| format!("`{}`", shown(p)))
                    .collect::<Vec<_>>()
                    .join(" or ");
                ModuleFile::report(
                    analyze::read_error(
                        format!("file not found for module `{}`", decl.name),
                        decl.span,
                    )
                    .with_label("declared here")
                    .with_help(format!("create {tried}, or remove this declaration")),
                )
            }
        }
    }
}

/// What discovery refused in the manifests (a target file outside the package, ...): a
/// `parse_error` at the manifest key, with the manifest as a file of the run so renderers show it.
fn report_manifest_problems(ws: &discover::Workspace, sets: &[ConfigSet], col: &mut Collector) {
    for mp in &ws.problems {
        let package = ws
            .packages
            .iter()
            .position(|p| p.manifest_path == mp.manifest_path)
            .unwrap_or(0);
        let config = sets
            .get(package)
            .map(|s| s.for_file(&mp.manifest_path))
            .unwrap_or_default();
        // JSON needs a package and a target: the package's first (its lib, if any).
        let origin = ws.packages.get(package).and_then(|p| {
            Some(Origin {
                package_id: p.id.clone(),
                manifest_path: p.manifest_path.to_string_lossy().into_owned(),
                target: p.targets.first()?.meta.clone(),
            })
        });
        let lines = crate::source::LineIndex::new(&mp.text);
        let diags = mp
            .problems
            .iter()
            .map(|p| {
                let span = lines.span(&mp.text, p.span.start, p.span.end);
                Diagnostic::new(rules::PARSE_ERROR.id, span, p.message.clone())
            })
            .collect();
        let file = SourceFile {
            path: mp.manifest_path.clone(),
            display: discover::display_path(&mp.manifest_path, &ws.root),
            text: mp.text.clone(),
            origin,
        };
        col.add_manifest(package, file, diags, config);
    }
}

/// PATH mode: the given files and the `.rs` files under the given directories form one crate.
/// A PATH-mode file's path relative to its package: the nearest directory above it with a
/// `Cargo.toml` (searched up to the directory argument it was found under, or all the way up for
/// a file named on the command line), else relative to the directory argument, else as typed.
fn package_relative(file: &Path, root: Option<&Path>) -> PathBuf {
    let real = std::fs::canonicalize(file)
        .or_else(|_| std::path::absolute(file))
        .unwrap_or_else(|_| file.to_path_buf());
    let mut dir = real.parent();
    while let Some(d) = dir {
        if d.join("Cargo.toml").is_file() {
            if let Ok(rel) = real.strip_prefix(d) {
                return rel.to_path_buf();
            }
        }
        if root.is_some_and(|r| d == r) {
            break;
        }
        dir = d.parent();
    }
    match root.and_then(|r| real.strip_prefix(r).ok()) {
        Some(rel) => rel.to_path_buf(),
        None if file.is_relative() => file.to_path_buf(),
        None => file.file_name().map(PathBuf::from).unwrap_or_default(),
    }
}

/// PATH mode. A file inside a cargo package is linted with that package's edition (unless
/// `--edition` is given), dependencies and configuration; other files with the configuration
/// found at or above the current directory and `--edition` (default 2021).
pub fn lint_paths(
    paths: &[PathBuf],
    edition: Option<Edition>,
    settings: &Settings,
) -> Result<Option<Outcome>, String> {
    let verbose = settings.verbose;
    let files = discover::path_files(paths)?;
    let cwd = std::env::current_dir().unwrap_or_default();
    // The nearest directory at or above the current one that has a configuration.
    let config_dir = cwd
        .ancestors()
        .find(|d| {
            // Anything by that name (a FIFO or a directory too): reading it then says what is
            // wrong, instead of a configuration silently skipped.
            ["async-lint.toml", ".async-lint.toml", "Cargo.toml"]
                .iter()
                .any(|f| d.join(f).symlink_metadata().is_ok())
        })
        .unwrap_or(&cwd)
        .to_path_buf();
    let layers = layers_for(settings, &config_dir, &config_dir)?;
    let set = ConfigSet::new(&layers, &settings.flags).map_err(|e| e.to_string())?;
    if settings.show_config {
        print!(
            "{}",
            show_config(&format!("files under {}", cwd.display()), &set)
        );
        return Ok(None);
    }
    let files: Vec<discover::PathFile> = files
        .into_iter()
        .filter(|f| !set.excluded(&std::path::absolute(&f.path).unwrap_or_else(|_| f.path.clone())))
        .collect();
    // Context 0: no package. Then one per package the files lie in.
    let mut contexts = vec![PathContext {
        krate: CrateInfo {
            name: String::new(),
            edition: edition.unwrap_or_default(),
            dependencies: Vec::new(),
            // A file of no package is judged as application code: nothing says its `pub`
            // items are anyone else's API.
            has_lib: false,
            dependency_features: Default::default(),
        },
        set,
        package: None,
        roots: Vec::new(),
    }];
    let mut package_of_manifest: HashMap<PathBuf, usize> = HashMap::new();
    let file_context: Vec<usize> = files
        .iter()
        .map(|f| {
            path_context(
                &f.path,
                edition,
                settings,
                &mut contexts,
                &mut package_of_manifest,
            )
        })
        .collect::<Result<_, _>>()?;
    if verbose {
        eprintln!("async-lint: {} file(s)", files.len());
    }
    let limit = contexts[0].set.max_file_size();
    // One jail per directory argument: what is found under it is read only inside it.
    let mut jails: HashMap<PathBuf, Access> = HashMap::new();
    let mut col = Collector::new(contexts.len());
    let mut jobs: Vec<(Job, Access)> = Vec::new();
    for (f, context) in files.into_iter().zip(file_context) {
        if !col.first_visit(&f.path) {
            continue;
        }
        if context > 0 {
            let abs = std::path::absolute(&f.path).unwrap_or_else(|_| f.path.clone());
            if contexts[context].set.excluded(&abs) {
                continue;
            }
        }
        // A file's role is decided on its path inside its package (or the linted directory),
        // never on where the checkout happens to live.
        let relative = package_relative(&f.path, f.root.as_deref());
        if relative == Path::new("build.rs") {
            // A build script: not linted, as in cargo mode.
            if verbose {
                eprintln!("async-lint: skipping build script {}", f.path.display());
            }
            continue;
        }
        let is_test = relative.parent().is_some_and(|dir| {
            dir.components().any(|c| {
                matches!(
                    c.as_os_str().to_str(),
                    Some("tests" | "benches" | "examples")
                )
            })
        });
        let module_path = contexts[context].module_path(&f.path);
        let job = Job {
            package: context,
            target: 0,
            path: f.path,
            module_path,
            owns_dir: true,
            is_test,
            cfg_gated: false,
        };
        let access = match &f.root {
            None => Access::Named(limit),
            Some(root) => match jails.get(root) {
                Some(a) => a.clone(),
                None => {
                    let jail = Jail::new(root, limit)
                        .map_err(|e| format!("cannot read `{}`: {e}", root.display()))?;
                    let a = Access::Jail(Arc::new(jail));
                    jails.insert(root.clone(), a.clone());
                    a
                }
            },
        };
        if let Some(problem) = f.problem {
            // Found but not to be read: reported at the file, nothing of it opened.
            let display = discover::display_path_resolved(&job.path, &cwd);
            let abs = std::path::absolute(&job.path).unwrap_or_else(|_| job.path.clone());
            let config = contexts[job.package].set.for_file(&abs);
            let mut message = unread_message(&problem, access.root());
            if problem == fsread::ReadError::Outside && f.root.is_some() {
                message = message.replace("this file resolves", "this path resolves");
            }
            let origin = contexts[job.package].origin(&job.path, &display);
            let done = Done {
                job,
                text: String::new(),
                analysis: only(analyze::read_error(message, Span::FILE_START)),
            };
            col.add(done, display, Some(origin), config);
            continue;
        }
        jobs.push((job, access));
    }
    let analyze = |(job, access): (Job, Access)| {
        let display = discover::display_path_resolved(&job.path, &cwd);
        let abs = std::path::absolute(&job.path).unwrap_or_else(|_| job.path.clone());
        let context = &contexts[job.package];
        let config = context.set.for_file(&abs);
        let done = process_with(
            job,
            &access,
            &settings.overlay,
            &context.krate,
            &config,
            &display,
        );
        (done, display, config, access)
    };
    let mut done: Vec<(Done, String, Config, Access)> = jobs.into_par_iter().map(analyze).collect();
    // A file that another linted file declares `#[cfg(test)] mod x;` (or any module of test
    // code) is test code, as in cargo mode: analyzed again as such, with its own test modules.
    // Every target root of every package, looked up once per file (a linear scan per file was
    // quadratic on a tree of many packages with many test and example targets).
    let roots: HashSet<&Path> = contexts
        .iter()
        .flat_map(|c| c.roots.iter().map(PathBuf::as_path))
        .collect();
    loop {
        let redo = test_modules_to_redo(&done, |path| {
            matches!(
                path.file_name().and_then(|n| n.to_str()),
                Some("lib.rs" | "main.rs")
            ) || {
                let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                roots.contains(crate::manifest::normalize(&abs).as_path())
            }
        });
        if redo.is_empty() {
            break;
        }
        let again: Vec<(usize, (Done, String, Config, Access))> = redo
            .into_par_iter()
            .map(|i| {
                let (d, _, _, access) = &done[i];
                let job = Job {
                    is_test: true,
                    ..d.job.clone()
                };
                (i, analyze((job, access.clone())))
            })
            .collect();
        for (i, d) in again {
            done[i] = d;
        }
    }
    for (d, display, config, _) in done {
        let origin = contexts[d.job.package].origin(&d.job.path, &display);
        col.add(d, display, Some(origin), config);
    }
    Ok(Some(col.finish(cwd, settings.keep_text)))
}

/// The files of `done` not yet analyzed as test code that a file analyzed as test code, or a
/// `#[cfg(test)] mod x;`, declares as its module (by rustc's candidate paths; `is_root` says
/// whether a file owns its directory like a crate root).
fn test_modules_to_redo<T, U, V>(
    done: &[(Done, T, U, V)],
    is_root: impl Fn(&Path) -> bool,
) -> Vec<usize> {
    let key = |p: &Path| crate::manifest::normalize(&std::path::absolute(p).unwrap_or_default());
    let index: HashMap<PathBuf, usize> = done
        .iter()
        .enumerate()
        .map(|(i, (d, ..))| (key(&d.job.path), i))
        .collect();
    let mut redo: Vec<usize> = done
        .iter()
        .flat_map(|(d, ..)| {
            let owns = discover::owns_dir(&d.job.path) || is_root(&d.job.path);
            d.analysis
                .modules
                .iter()
                .filter(|decl| d.job.is_test || decl.cfg_test)
                .flat_map(move |decl| discover::module_candidates(&d.job.path, owns, decl))
        })
        .filter_map(|(p, _)| index.get(&key(&p)).copied())
        .filter(|&i| !done[i].0.job.is_test)
        .collect();
    redo.sort_unstable();
    redo.dedup();
    redo
}

/// What PATH mode lints a file with: its package's crate facts and configuration, or (context
/// 0) those of no package.
struct PathContext {
    krate: CrateInfo,
    set: ConfigSet,
    /// The package id and manifest, for JSON output.
    package: Option<(String, PathBuf)>,
    /// The root files of the package's targets (`src/lib.rs`, `src/bin/x.rs`, ...).
    roots: Vec<PathBuf>,
}

impl PathContext {
    /// The module a file of this package is, by where it lies under the directory of a target
    /// root (`src/net/tcp.rs` and `src/net/tcp/mod.rs` are `net::tcp` of `src/lib.rs`), as the
    /// module walk of cargo mode would name it when the file follows the default layout. Uses
    /// of an item from another file (`auth::check` passed as a handler) then match its
    /// definition. A target root itself, or a file under no root, is the crate root.
    fn module_path(&self, file: &Path) -> Vec<String> {
        let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let abs = crate::manifest::normalize(&abs);
        if self.roots.contains(&abs) {
            return Vec::new();
        }
        // The deepest target directory that holds the file.
        let Some(rel) = self
            .roots
            .iter()
            .filter_map(|r| r.parent())
            .filter_map(|d| abs.strip_prefix(d).ok())
            .min_by_key(|rel| rel.components().count())
        else {
            return Vec::new();
        };
        let mut parts: Vec<String> = rel
            .components()
            .filter_map(|c| c.as_os_str().to_str().map(str::to_string))
            .collect();
        let Some(last) = parts.pop() else {
            return Vec::new();
        };
        let Some(stem) = last.strip_suffix(".rs") else {
            return Vec::new();
        };
        if stem != "mod" {
            parts.push(stem.to_string());
        }
        if parts
            .iter()
            .all(|p| syn::parse_str::<syn::Ident>(p).is_ok())
        {
            parts
        } else {
            Vec::new()
        }
    }

    /// The JSON origin of a file: its package (or PATH mode's synthetic one) and a `lib`
    /// target named after the file, with the edition it was linted with.
    fn origin(&self, path: &Path, display: &str) -> Origin {
        let mut origin = render::path_mode_origin(path, display);
        origin.target.edition = self.krate.edition.year().to_string();
        if let Some((id, manifest)) = &self.package {
            origin.package_id = id.clone();
            origin.manifest_path = manifest.to_string_lossy().into_owned();
        }
        origin
    }
}

/// The context index of `file`: the package whose directory holds it (found by the nearest
/// `Cargo.toml` above it, loaded as cargo would, without running anything), added to
/// `contexts` on first use, or 0 when it lies in no package (or its manifest cannot be read:
/// a PATH run lints files, it does not judge manifests).
fn path_context(
    file: &Path,
    edition: Option<Edition>,
    settings: &Settings,
    contexts: &mut Vec<PathContext>,
    seen: &mut HashMap<PathBuf, usize>,
) -> Result<usize, String> {
    let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let Some(dir) = abs.parent() else {
        return Ok(0);
    };
    let fs = crate::manifest::RealFs::new(fsread::DEFAULT_MAX_FILE_SIZE);
    let Ok(manifest) = crate::manifest::find_manifest(&fs, dir) else {
        return Ok(0);
    };
    if let Some(i) = seen.get(&manifest) {
        return Ok(*i);
    }
    let cargo_home = discover::cargo_home();
    let index = match crate::manifest::load_workspace(&fs, &manifest, cargo_home.as_deref()) {
        Ok(ws) => match ws.members.iter().find(|p| {
            crate::manifest::normalize(&p.manifest_path) == crate::manifest::normalize(&manifest)
                || fs_same(&p.manifest_path, &manifest)
        }) {
            Some(p) => {
                let package = discover::convert_package(p);
                let layers = layers_for(settings, &ws.root, &package.dir)?;
                let set = ConfigSet::new(&layers, &settings.flags).map_err(|e| e.to_string())?;
                let mut krate = package.krate;
                if let Some(e) = edition {
                    krate.edition = e;
                }
                let roots = package
                    .targets
                    .iter()
                    .map(|t| {
                        crate::manifest::normalize(
                            &std::path::absolute(&t.root).unwrap_or_else(|_| t.root.clone()),
                        )
                    })
                    .collect();
                contexts.push(PathContext {
                    krate,
                    set,
                    package: Some((package.id, package.manifest_path)),
                    roots,
                });
                contexts.len() - 1
            }
            None => 0,
        },
        Err(_) => 0,
    };
    seen.insert(manifest, index);
    Ok(index)
}

/// Whether two paths name the same file (after symlinks).
fn fs_same(a: &Path, b: &Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

/// Findings per rule, for summaries and tests.
pub fn count_by_rule(diags: &[Diagnostic]) -> HashMap<&'static str, usize> {
    let mut m = HashMap::new();
    for d in diags {
        *m.entry(d.rule).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file listed by discovery that is gone (or unreadable) by the time it is read.
    #[test]
    fn a_file_that_vanished_after_discovery_is_a_parse_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone.rs");
        std::fs::write(&path, "fn f() {}").unwrap();
        std::fs::remove_file(&path).unwrap();
        let job = Job {
            package: 0,
            target: 0,
            path,
            module_path: Vec::new(),
            owns_dir: true,
            is_test: false,
            cfg_gated: false,
        };
        let access = Access::Jail(Arc::new(Jail::new(dir.path(), 1 << 20).unwrap()));
        let done = process(
            job,
            &access,
            &CrateInfo::default(),
            &Config::default(),
            "gone.rs",
        );
        let findings = &done.analysis.findings;
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].diag.rule, "parse_error");
        assert!(
            findings[0]
                .diag
                .message
                .contains("could not read this file"),
            "{}",
            findings[0].diag.message
        );
        // A directory where a file was expected reads as an error too.
        let job = Job {
            package: 0,
            target: 0,
            path: dir.path().to_path_buf(),
            module_path: Vec::new(),
            owns_dir: true,
            is_test: false,
            cfg_gated: false,
        };
        let done = process(
            job.clone(),
            &access,
            &CrateInfo::default(),
            &Config::default(),
            "dir",
        );
        assert_eq!(done.analysis.findings[0].diag.rule, "parse_error");
        // Over the limit, outside the root: not read, and nothing of the file in the result.
        std::fs::write(dir.path().join("big.rs"), "fn secret_name() {}").unwrap();
        let small = Access::Jail(Arc::new(Jail::new(dir.path(), 5).unwrap()));
        let job = Job {
            path: dir.path().join("big.rs"),
            ..job
        };
        let done = process(
            job.clone(),
            &small,
            &CrateInfo::default(),
            &Config::default(),
            "big.rs",
        );
        let msg = &done.analysis.findings[0].diag.message;
        assert!(msg.contains("more than the limit of 5 bytes"), "{msg}");
        assert!(done.text.is_empty());
        let inner = tempfile::tempdir().unwrap();
        let elsewhere = Access::Jail(Arc::new(Jail::new(inner.path(), 1 << 20).unwrap()));
        let done = process(
            job,
            &elsewhere,
            &CrateInfo::default(),
            &Config::default(),
            "big.rs",
        );
        let msg = &done.analysis.findings[0].diag.message;
        assert!(msg.contains("resolves to a path outside"), "{msg}");
        assert!(done.text.is_empty() && !msg.contains("secret_name"));
    }
}
