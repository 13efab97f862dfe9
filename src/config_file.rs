//! Project configuration files: `async-lint.toml` / `.async-lint.toml`, or the
//! `[package.metadata.async-lint]` / `[workspace.metadata.async-lint]` tables of `Cargo.toml`.
//!
//! Pure: text in, [`ProjectConfig`] or a [`ConfigError`] that names the file, line, column and
//! key out. Every rule id, level and option is checked here, so rules never see raw TOML.
//!
//! ```toml
//! [lints]
//! all = { level = "warn", priority = -1 }
//! await_in_loop = "deny"
//!
//! [rules.missing_timeout]
//! extra-calls = ["crate::api::Client::call"]
//!
//! [[overrides]]
//! paths = ["tests/**", "examples/**"]
//! lints = { detached_spawn = "allow" }
//!
//! [settings]
//! exclude = ["src/generated/**"]
//! require-reason = true
//! max-file-size = 10485760
//! ```
//!
//! `[settings]` holds what is not about one rule:
//! - `exclude`: globs (relative to the file's directory) of files not to lint at all.
//! - `require-reason`: suppression comments must give a reason (`-- why`).
//! - `max-file-size`: files larger than this many bytes (default 10 MiB, at least 1) are not
//!   read; each becomes a `parse_error`. It bounds the memory and time one file of an untrusted
//!   checkout can take. Configuration files themselves are always held to the default.
//!
//! One directory has one configuration: `async-lint.toml` and `.async-lint.toml` side by side,
//! or either of them next to a `[package|workspace.metadata.async-lint]` table that would apply
//! to the same package, is an error rather than a silent choice. So is a rule named twice in one
//! table (`await-in-loop` and `await_in_loop`), and a count option below its minimum
//! (`concurrency = 0`).

use crate::diagnostic::Level;
use crate::registry;
use crate::registry::did_you_mean;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Errors in configuration; the shell prints them and exits with status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One `[lints]` entry (or one of an override's `lints`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintSetting {
    /// A canonical rule id, or `all`.
    pub rule: String,
    pub level: Level,
    pub priority: i64,
    /// The line of the key in its file, for "forbidden by <file>:<line>".
    pub line: u32,
}

/// An `[[overrides]]` entry: lints for files matching the globs.
#[derive(Debug, Clone)]
pub struct Override {
    pub globs: globset::GlobSet,
    /// The patterns as written, for `--show-config`.
    pub patterns: Vec<String>,
    pub lints: Vec<LintSetting>,
}

/// A parsed, validated configuration source.
#[derive(Debug, Clone, Default)]
pub struct ProjectConfig {
    /// Where it was read from (the file, or `Cargo.toml` for metadata tables).
    pub origin: PathBuf,
    /// The directory path globs are relative to.
    pub base: PathBuf,
    pub lints: Vec<LintSetting>,
    /// `[rules.<id>]` tables, keyed by canonical id, already validated.
    pub rules: BTreeMap<&'static str, toml::Table>,
    pub overrides: Vec<Override>,
    pub exclude: Option<globset::GlobSet>,
    pub exclude_patterns: Vec<String>,
    pub require_reason: Option<bool>,
    /// `[settings] max-file-size`, in bytes (at least 1).
    pub max_file_size: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    lints: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    overrides: Vec<Spanned<RawOverride>>,
    #[serde(default)]
    settings: Option<Spanned<RawSettings>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    paths: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    lints: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSettings {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    require_reason: Option<bool>,
    #[serde(default)]
    max_file_size: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
struct RawCargo {
    package: Option<RawMetadataHolder>,
    workspace: Option<RawMetadataHolder>,
}

#[derive(Debug, Deserialize)]
struct RawMetadataHolder {
    metadata: Option<RawMetadata>,
}

#[derive(Debug, Deserialize)]
struct RawMetadata {
    #[serde(rename = "async-lint")]
    async_lint: Option<RawConfig>,
}

const TOP_KEYS: &[&str] = &["lints", "rules", "overrides", "settings"];

/// Parse an `async-lint.toml` file's text. `path` is used in messages and as the glob base.
pub fn parse_file(path: &Path, text: &str) -> Result<ProjectConfig, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
    validate(path, text, base, raw)
}

/// The `[package.metadata.async-lint]` (or, with `workspace`, the
/// `[workspace.metadata.async-lint]`) table of a `Cargo.toml`, if there is one.
pub fn parse_cargo_metadata(
    path: &Path,
    text: &str,
    workspace: bool,
) -> Result<Option<ProjectConfig>, ConfigError> {
    let raw: RawCargo = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    let holder = if workspace {
        raw.workspace
    } else {
        raw.package
    };
    let Some(cfg) = holder.and_then(|h| h.metadata).and_then(|m| m.async_lint) else {
        return Ok(None);
    };
    let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
    validate(path, text, base, cfg).map(Some)
}

fn validate(
    path: &Path,
    text: &str,
    base: PathBuf,
    raw: RawConfig,
) -> Result<ProjectConfig, ConfigError> {
    let err = |span: std::ops::Range<usize>, msg: String| located(path, text, span.start, &msg);
    let mut out = ProjectConfig {
        origin: path.to_path_buf(),
        base: base.clone(),
        ..ProjectConfig::default()
    };
    let lines = crate::source::LineIndex::new(text);
    let line_of = |offset: usize| lines.position(text, offset.min(text.len())).0;
    out.lints = lint_table(&raw.lints, "lints", &err, &line_of)?;
    let mut spelled: BTreeMap<&'static str, &str> = BTreeMap::new();
    for (key, value) in &raw.rules {
        let Some(meta) = registry::entry(key.get_ref()) else {
            return Err(err(key.span(), unknown_rule(key.get_ref(), "[rules]")));
        };
        if let Some(first) = spelled.insert(meta.id, key.get_ref()) {
            return Err(err(
                key.span(),
                twice(meta.id, first, key.get_ref(), "[rules]"),
            ));
        }
        let toml::Value::Table(table) = value.get_ref() else {
            return Err(err(
                value.span(),
                format!("`[rules.{}]` must be a table of options", meta.id),
            ));
        };
        if let Err(e) = registry::validate_options(meta.id, table) {
            // Point at the offending key when serde names one.
            let mut span = value.span();
            let mut msg = format!("invalid option for `{}`: {e}", meta.id);
            if let Some(bad) = e
                .strip_prefix("unknown field `")
                .and_then(|r| r.split('`').next())
            {
                let from = key.span().start.min(value.span().start);
                if let Some(pos) = find_key(text, from..text.len(), bad) {
                    span = pos..pos + bad.len();
                }
                let names = meta.options.iter().map(|o| o.name);
                msg = format!("unknown option `{bad}` for `{}`", meta.id);
                match did_you_mean(bad, names) {
                    Some(best) => msg.push_str(&format!("; did you mean `{best}`?")),
                    None if meta.options.is_empty() => msg.push_str(" (this rule has no options)"),
                    None => msg.push_str(&format!(
                        " (options: {})",
                        meta.options
                            .iter()
                            .map(|o| format!("`{}`", o.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }
            }
            return Err(err(span, msg));
        }
        if let Err((bad, msg)) = registry::check_minimums(meta.id, table) {
            let from = key.span().start.min(value.span().start);
            let span = find_key(text, from..text.len(), bad)
                .map_or(value.span(), |pos| pos..pos + bad.len());
            return Err(err(span, msg));
        }
        out.rules.insert(meta.id, table.clone());
    }
    for o in &raw.overrides {
        let o = o.get_ref();
        let mut builder = globset::GlobSetBuilder::new();
        let mut patterns = Vec::new();
        for p in o.paths.get_ref() {
            let glob = globset::Glob::new(p.get_ref())
                .map_err(|e| err(p.span(), format!("invalid glob `{}`: {e}", p.get_ref())))?;
            builder.add(glob);
            patterns.push(p.get_ref().clone());
        }
        if patterns.is_empty() {
            return Err(err(
                o.paths.span(),
                "`paths` of an override is empty".into(),
            ));
        }
        let globs = builder
            .build()
            .map_err(|e| err(o.paths.span(), format!("invalid globs: {e}")))?;
        out.overrides.push(Override {
            globs,
            patterns,
            lints: lint_table(&o.lints, "overrides.lints", &err, &line_of)?,
        });
    }
    if let Some(settings) = &raw.settings {
        let settings = settings.get_ref();
        let mut builder = globset::GlobSetBuilder::new();
        for p in &settings.exclude {
            let glob = globset::Glob::new(p.get_ref())
                .map_err(|e| err(p.span(), format!("invalid glob `{}`: {e}", p.get_ref())))?;
            builder.add(glob);
            out.exclude_patterns.push(p.get_ref().clone());
        }
        if !settings.exclude.is_empty() {
            out.exclude = Some(
                builder
                    .build()
                    .map_err(|e| err(0..0, format!("invalid `exclude` globs: {e}")))?,
            );
        }
        out.require_reason = settings.require_reason;
        if let Some(n) = &settings.max_file_size {
            if *n.get_ref() < 1 {
                return Err(err(
                    n.span(),
                    format!(
                        "`max-file-size` must be at least 1 (bytes; found {}); the default is {}",
                        n.get_ref(),
                        crate::fsread::DEFAULT_MAX_FILE_SIZE
                    ),
                ));
            }
            out.max_file_size = Some(*n.get_ref() as u64);
        }
    }
    Ok(out)
}

fn lint_table(
    table: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    what: &str,
    err: &dyn Fn(std::ops::Range<usize>, String) -> ConfigError,
    line_of: &dyn Fn(usize) -> u32,
) -> Result<Vec<LintSetting>, ConfigError> {
    let mut out = Vec::new();
    let mut spelled: BTreeMap<String, &str> = BTreeMap::new();
    for (key, value) in table {
        let name = key.get_ref().as_str();
        let rule = if name == "all" {
            "all".to_string()
        } else {
            match registry::canonical_id(name) {
                Some(id) => id.to_string(),
                None => return Err(err(key.span(), unknown_rule(name, &format!("[{what}]")))),
            }
        };
        if let Some(first) = spelled.insert(rule.clone(), name) {
            return Err(err(
                key.span(),
                twice(&rule, first, name, &format!("[{what}]")),
            ));
        }
        let (level_text, level_span, priority) = match value.get_ref() {
            toml::Value::String(s) => (s.clone(), value.span(), 0),
            toml::Value::Table(t) => {
                for k in t.keys() {
                    if k != "level" && k != "priority" {
                        let mut msg = format!("unknown key `{k}` for `{name}`: expected `level` and `priority`");
                        if let Some(best) = did_you_mean(k, ["level", "priority"].into_iter()) {
                            msg = format!("unknown key `{k}` for `{name}`; did you mean `{best}`?");
                        }
                        return Err(err(value.span(), msg));
                    }
                }
                let level = match t.get("level") {
                    Some(toml::Value::String(s)) => s.clone(),
                    _ => {
                        return Err(err(
                            value.span(),
                            format!("`{name}` needs a `level` (\"allow\", \"warn\", \"deny\" or \"forbid\")"),
                        ))
                    }
                };
                let priority = match t.get("priority") {
                    None => 0,
                    Some(toml::Value::Integer(i)) => *i,
                    Some(_) => {
                        return Err(err(value.span(), format!("`priority` of `{name}` must be an integer")))
                    }
                };
                (level, value.span(), priority)
            }
            _ => {
                return Err(err(
                    value.span(),
                    format!("the level of `{name}` must be a string such as \"warn\", or a table `{{ level = \"warn\", priority = 1 }}`"),
                ))
            }
        };
        let Some(level) = Level::parse(&level_text) else {
            let mut msg = format!("bad level `{level_text}` for `{name}`: expected \"allow\", \"warn\", \"deny\" or \"forbid\"");
            if let Some(best) =
                did_you_mean(&level_text, ["allow", "warn", "deny", "forbid"].into_iter())
            {
                msg.push_str(&format!("; did you mean \"{best}\"?"));
            }
            return Err(err(level_span, msg));
        };
        out.push(LintSetting {
            rule,
            level,
            priority,
            line: line_of(key.span().start),
        });
    }
    Ok(out)
}

/// One rule under two spellings in one table: which one wins would be an accident of order.
fn twice(id: &str, first: &str, second: &str, table: &str) -> String {
    format!("`{second}` and `{first}` both name the rule `{id}` in {table}; keep one")
}

fn unknown_rule(name: &str, table: &str) -> String {
    let mut msg = format!("unknown rule `{name}` in {table}");
    if let Some(best) = did_you_mean(name, registry::ENTRIES.iter().map(|e| e.id).chain(["all"])) {
        msg.push_str(&format!("; did you mean `{best}`?"));
    }
    msg
}

/// The byte offset of `key` written as a key inside the byte range `within`.
fn find_key(text: &str, within: std::ops::Range<usize>, key: &str) -> Option<usize> {
    let slice = text.get(within.clone())?;
    let mut from = 0;
    while let Some(i) = slice[from..].find(key) {
        let at = from + i;
        let before = slice[..at].chars().last();
        let after = slice[at + key.len()..].trim_start().chars().next();
        let boundary = before.is_none_or(|c| c.is_whitespace() || c == '{' || c == ',');
        if boundary && after == Some('=') {
            return Some(within.start + at);
        }
        from = at + key.len();
    }
    None
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let mut msg = e.message().trim().to_string();
    // serde's "unknown field `x`, expected one of ..." at the top level: add a suggestion.
    if let Some(bad) = msg
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
    {
        if let Some(best) = did_you_mean(bad, TOP_KEYS.iter().copied()) {
            msg = format!("unknown key `{bad}`; did you mean `{best}`?");
        } else if TOP_KEYS.iter().all(|k| msg.contains(k)) {
            msg = format!(
                "unknown key `{bad}`: expected one of `lints`, `rules`, `overrides`, `settings`"
            );
        }
    }
    let at = e.span().map_or(0, |s| s.start);
    located(path, text, at, &msg)
}

fn located(path: &Path, text: &str, offset: usize, msg: &str) -> ConfigError {
    let lines = crate::source::LineIndex::new(text);
    let (line, col) = lines.position(text, offset.min(text.len()));
    ConfigError(format!("{}:{line}:{col}: {msg}", path.display()))
}

/// What [`discover`] reads files with: `Ok(None)` when the file does not exist, an error (that
/// names the file) when it exists but cannot be read as text.
pub type ReadConfig<'a> = &'a dyn Fn(&Path) -> Result<Option<String>, ConfigError>;

/// The configuration files that apply to a package, in precedence order (lowest first):
/// the workspace's (its root's `async-lint.toml`, else `[workspace.metadata.async-lint]`),
/// then the package's (its directory's file, else `[package.metadata.async-lint]`).
/// Reading is done by `read`, so this stays testable.
///
/// Two sources for one directory are an error, not a choice: `async-lint.toml` next to
/// `.async-lint.toml`, or a file next to a metadata table that would apply.
pub fn discover(
    workspace_root: &Path,
    package_dir: &Path,
    read: ReadConfig<'_>,
) -> Result<Vec<ProjectConfig>, ConfigError> {
    let mut out = Vec::new();
    let same = workspace_root == package_dir;
    let file_in = |dir: &Path| -> Result<Option<ProjectConfig>, ConfigError> {
        let mut found: Option<(PathBuf, String)> = None;
        for name in ["async-lint.toml", ".async-lint.toml"] {
            let p = dir.join(name);
            if let Some(text) = read(&p)? {
                if let Some((first, _)) = &found {
                    return Err(ConfigError(format!(
                        "{}: both `{}` and `{}` exist in `{}`; keep one",
                        p.display(),
                        file_name(first),
                        name,
                        dir.display()
                    )));
                }
                found = Some((p, text));
            }
        }
        match found {
            Some((p, text)) => parse_file(&p, &text).map(Some),
            None => Ok(None),
        }
    };
    // The Cargo.toml of `dir`, read once.
    let manifest = |dir: &Path| -> Result<Option<(PathBuf, String)>, ConfigError> {
        let p = dir.join("Cargo.toml");
        Ok(read(&p)?.map(|text| (p, text)))
    };
    let metadata = |m: &Option<(PathBuf, String)>,
                    workspace: bool|
     -> Result<Option<ProjectConfig>, ConfigError> {
        match m {
            Some((p, text)) => parse_cargo_metadata(p, text, workspace),
            None => Ok(None),
        }
    };
    let conflict = |file: &ProjectConfig, m: &Option<(PathBuf, String)>, workspace: bool| {
        let (p, text) = m.as_ref().expect("a table was parsed from it");
        let table = if workspace { "workspace" } else { "package" };
        let at = metadata_table_offset(text, table);
        located(
            p,
            text,
            at,
            &format!(
                "`[{table}.metadata.async-lint]` and `{}` next to this file both configure this \
                 {table}; keep one",
                file_name(&file.origin),
            ),
        )
    };
    if !same {
        let file = file_in(workspace_root)?;
        let m = manifest(workspace_root)?;
        let table = metadata(&m, true)?;
        match (file, table) {
            (Some(f), Some(_)) => return Err(conflict(&f, &m, true)),
            (Some(c), None) | (None, Some(c)) => out.push(c),
            (None, None) => {}
        }
        let file = file_in(package_dir)?;
        let m = manifest(package_dir)?;
        let table = metadata(&m, false)?;
        match (file, table) {
            (Some(f), Some(_)) => return Err(conflict(&f, &m, false)),
            (Some(c), None) | (None, Some(c)) => out.push(c),
            (None, None) => {}
        }
    } else {
        let file = file_in(package_dir)?;
        let m = manifest(package_dir)?;
        let ws = metadata(&m, true)?;
        let pkg = metadata(&m, false)?;
        match (file, ws, pkg) {
            (Some(f), Some(_), _) => return Err(conflict(&f, &m, true)),
            (Some(f), None, Some(_)) => return Err(conflict(&f, &m, false)),
            (Some(f), None, None) => out.push(f),
            (None, ws, pkg) => out.extend(ws.into_iter().chain(pkg)),
        }
    }
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// Where the `[<table>.metadata.async-lint]` table of a manifest starts, as well as a text
/// search can tell (its header, or an `async-lint = ` key), else 0.
fn metadata_table_offset(text: &str, table: &str) -> usize {
    let header = format!("{table}.metadata.async-lint");
    text.find(&header)
        .map(|i| {
            text[..i]
                .rfind('[')
                .filter(|b| text[*b..i].trim_start_matches('[').trim().is_empty())
                .unwrap_or(i)
        })
        .or_else(|| text.find("async-lint"))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ProjectConfig, String> {
        parse_file(Path::new("/p/async-lint.toml"), text).map_err(|e| e.0)
    }

    #[test]
    fn full_example_parses() {
        let c = parse(
            r#"
[lints]
all = { level = "warn", priority = -1 }
await-in-loop = "deny"

[rules.await_in_loop]
concurrency = 4

[[overrides]]
paths = ["tests/**", "examples/**"]
lints = { detached_spawn = "allow" }

[settings]
exclude = ["src/generated/**"]
require-reason = true
"#,
        )
        .unwrap();
        assert_eq!(c.lints.len(), 2);
        assert!(c
            .lints
            .iter()
            .any(|l| l.rule == "await_in_loop" && l.level == Level::Deny));
        assert!(c.lints.iter().any(|l| l.rule == "all" && l.priority == -1));
        assert_eq!(c.overrides[0].patterns, ["tests/**", "examples/**"]);
        assert!(c.overrides[0].globs.is_match("tests/a/b.rs"));
        assert!(c.exclude.as_ref().unwrap().is_match("src/generated/x.rs"));
        assert_eq!(c.require_reason, Some(true));
        assert!(c.rules.contains_key("await_in_loop"));
    }

    #[test]
    fn errors_name_line_column_and_suggest() {
        let e = parse("[lints]\nawait_in_lop = \"deny\"\n").unwrap_err();
        assert!(
            e.starts_with("/p/async-lint.toml:2:1: unknown rule `await_in_lop`"),
            "{e}"
        );
        assert!(e.contains("did you mean `await_in_loop`"), "{e}");

        let e = parse("[lints]\nawait_in_loop = \"dney\"\n").unwrap_err();
        assert!(
            e.contains(":2:17:") && e.contains("did you mean \"deny\""),
            "{e}"
        );

        let e = parse("[rules.await_in_loop]\nconcurency = 3\n").unwrap_err();
        assert!(
            e.contains(":2:1:") && e.contains("did you mean `concurrency`"),
            "{e}"
        );

        let e = parse("[rules.await_in_loop]\nconcurrency = \"many\"\n").unwrap_err();
        assert!(e.contains("invalid option for `await_in_loop`"), "{e}");

        let e = parse("[lint]\nx = 1\n").unwrap_err();
        assert!(e.contains("did you mean `lints`"), "{e}");

        let e = parse("[lints\n").unwrap_err();
        assert!(e.starts_with("/p/async-lint.toml:1:"), "{e}");

        let e = parse("[[overrides]]\npaths = [\"a/[\"]\n").unwrap_err();
        assert!(e.contains("invalid glob"), "{e}");

        let e = parse("[lints]\nall = { level = \"warn\", prio = 1 }\n").unwrap_err();
        assert!(e.contains("did you mean `priority`"), "{e}");
    }

    #[test]
    fn cargo_metadata_tables() {
        let text = "[package]\nname = \"x\"\n[package.metadata.async-lint.lints]\nawait_in_loop = \"allow\"\n";
        let c = parse_cargo_metadata(Path::new("/p/Cargo.toml"), text, false)
            .unwrap()
            .unwrap();
        assert_eq!(c.lints[0].level, Level::Allow);
        assert!(parse_cargo_metadata(Path::new("/p/Cargo.toml"), text, true)
            .unwrap()
            .is_none());
        let bad = "[package.metadata.async-lint.lints]\nnope = \"allow\"\n";
        let e = parse_cargo_metadata(Path::new("/p/Cargo.toml"), bad, false).unwrap_err();
        assert!(e.0.starts_with("/p/Cargo.toml:2:1:"), "{}", e.0);
    }

    #[test]
    fn discovery_layers_workspace_then_package() {
        let files: BTreeMap<PathBuf, &str> = [
            (
                PathBuf::from("/w/async-lint.toml"),
                "[lints]\nall = \"deny\"\n",
            ),
            (
                PathBuf::from("/w/a/Cargo.toml"),
                "[package.metadata.async-lint.lints]\nawait_in_loop = \"allow\"\n",
            ),
        ]
        .into_iter()
        .collect();
        let read = |p: &Path| Ok(files.get(p).map(|s| s.to_string()));
        let layers = discover(Path::new("/w"), Path::new("/w/a"), &read).unwrap();
        assert_eq!(layers.len(), 2);
        assert_eq!(layers[0].origin, Path::new("/w/async-lint.toml"));
        assert_eq!(layers[1].origin, Path::new("/w/a/Cargo.toml"));
        let layers = discover(Path::new("/w"), Path::new("/w"), &read).unwrap();
        assert_eq!(layers.len(), 1);
    }

    fn discover_in(files: &[(&str, &str)], ws: &str, pkg: &str) -> Result<usize, String> {
        let files: BTreeMap<PathBuf, String> = files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect();
        let read = |p: &Path| Ok(files.get(p).cloned());
        discover(Path::new(ws), Path::new(pkg), &read)
            .map(|l| l.len())
            .map_err(|e| e.0)
    }

    #[test]
    fn two_sources_for_one_directory_are_an_error() {
        let lints = "[lints]\nawait_in_loop = \"deny\"\n";
        let e = discover_in(
            &[
                ("/w/async-lint.toml", lints),
                ("/w/.async-lint.toml", lints),
            ],
            "/w",
            "/w",
        )
        .unwrap_err();
        assert!(
            e.starts_with("/w/.async-lint.toml: both `async-lint.toml` and `.async-lint.toml`"),
            "{e}"
        );
        let pkg_table = "[package]\nname = \"x\"\n\n[package.metadata.async-lint.lints]\nawait_in_loop = \"allow\"\n";
        let e = discover_in(
            &[("/w/async-lint.toml", lints), ("/w/Cargo.toml", pkg_table)],
            "/w",
            "/w",
        )
        .unwrap_err();
        assert!(
            e.starts_with("/w/Cargo.toml:4:1: `[package.metadata.async-lint]` and `async-lint.toml` next to this file both configure this package; keep one"),
            "{e}"
        );
        let ws_table = "[workspace]\n[workspace.metadata.async-lint]\nlints = { all = \"deny\" }\n";
        let e = discover_in(
            &[("/w/.async-lint.toml", lints), ("/w/Cargo.toml", ws_table)],
            "/w",
            "/w/a",
        )
        .unwrap_err();
        assert!(
            e.starts_with("/w/Cargo.toml:2:1: `[workspace.metadata.async-lint]`"),
            "{e}"
        );
        // A member's file next to its own package table.
        let e = discover_in(
            &[
                ("/w/a/async-lint.toml", lints),
                ("/w/a/Cargo.toml", pkg_table),
            ],
            "/w",
            "/w/a",
        )
        .unwrap_err();
        assert!(e.starts_with("/w/a/Cargo.toml:4:1:"), "{e}");
        // Sources for different directories layer.
        assert_eq!(
            discover_in(
                &[
                    ("/w/async-lint.toml", lints),
                    ("/w/a/Cargo.toml", pkg_table)
                ],
                "/w",
                "/w/a"
            ),
            Ok(2)
        );
        // The root package's table does not concern another member.
        assert_eq!(
            discover_in(
                &[("/w/async-lint.toml", lints), ("/w/Cargo.toml", pkg_table)],
                "/w",
                "/w/a"
            ),
            Ok(1)
        );
        // A read error propagates.
        let read = |p: &Path| Err(ConfigError(format!("{}: unreadable", p.display())));
        let e = discover(Path::new("/w"), Path::new("/w"), &read).unwrap_err();
        assert_eq!(e.0, "/w/async-lint.toml: unreadable");
    }

    #[test]
    fn a_rule_spelled_twice_in_one_table_is_an_error() {
        let e =
            parse("[lints]\nawait-in-loop = \"deny\"\nawait_in_loop = \"allow\"\n").unwrap_err();
        assert!(
            e.contains(":3:1: `await_in_loop` and `await-in-loop` both name the rule `await_in_loop` in [lints]"),
            "{e}"
        );
        let e = parse("[[overrides]]\npaths = [\"a/**\"]\nlints = { detached-spawn = \"allow\", detached_spawn = \"deny\" }\n").unwrap_err();
        assert!(e.contains("in [overrides.lints]"), "{e}");
        let e = parse(
            "[rules.await-in-loop]\nconcurrency = 2\n[rules.await_in_loop]\nconcurrency = 3\n",
        )
        .unwrap_err();
        assert!(e.contains(":3:8:") && e.contains("in [rules]"), "{e}");
        let e =
            parse("[lints]\n\"async_lint::await_in_loop\" = \"deny\"\nawait_in_loop = \"deny\"\n")
                .unwrap_err();
        assert!(e.contains("both name the rule `await_in_loop`"), "{e}");
    }

    #[test]
    fn counts_and_limits_have_minimums() {
        for (text, at) in [
            ("[rules.await_in_loop]\nconcurrency = 0\n", ":2:1:"),
            (
                "[rules.unbounded_join]\ncheck-tests = true\nconcurrency = 0\n",
                ":3:1:",
            ),
            ("[rules.unbounded_channel]\ncapacity = 0\n", ":2:1:"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(
                e.contains(at) && e.contains("must be at least 1 (found 0)"),
                "{e}"
            );
        }
        assert!(parse("[rules.await_in_loop]\nconcurrency = 1\n").is_ok());
        let e = parse("[settings]\nmax-file-size = 0\n").unwrap_err();
        assert!(
            e.contains(":2:17:") && e.contains("`max-file-size` must be at least 1"),
            "{e}"
        );
        let e = parse("[settings]\nmax-file-size = -5\n").unwrap_err();
        assert!(e.contains("at least 1"), "{e}");
        let e = parse("[settings]\nmax-file-size = \"1MB\"\n").unwrap_err();
        assert!(e.starts_with("/p/async-lint.toml:2:"), "{e}");
        assert_eq!(
            parse("[settings]\nmax-file-size = 1000\n")
                .unwrap()
                .max_file_size,
            Some(1000)
        );
    }
}
