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
//! ```

use crate::config::{did_you_mean, ConfigError};
use crate::diagnostic::Level;
use crate::rules;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// One `[lints]` entry (or one of an override's `lints`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintSetting {
    /// A canonical rule id, or `all`.
    pub rule: String,
    pub level: Level,
    pub priority: i64,
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
    out.lints = lint_table(&raw.lints, "lints", &err)?;
    for (key, value) in &raw.rules {
        let Some(meta) = rules::meta(key.get_ref()) else {
            return Err(err(key.span(), unknown_rule(key.get_ref(), "[rules]")));
        };
        let toml::Value::Table(table) = value.get_ref() else {
            return Err(err(
                value.span(),
                format!("`[rules.{}]` must be a table of options", meta.id),
            ));
        };
        if let Err(e) = (meta.validate_options)(toml::Value::Table(table.clone())) {
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
            lints: lint_table(&o.lints, "overrides.lints", &err)?,
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
    }
    Ok(out)
}

fn lint_table(
    table: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    what: &str,
    err: &dyn Fn(std::ops::Range<usize>, String) -> ConfigError,
) -> Result<Vec<LintSetting>, ConfigError> {
    let mut out = Vec::new();
    for (key, value) in table {
        let name = key.get_ref().as_str();
        let rule = if name == "all" {
            "all".to_string()
        } else {
            match rules::canonical_id(name) {
                Some(id) => id.to_string(),
                None => return Err(err(key.span(), unknown_rule(name, &format!("[{what}]")))),
            }
        };
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
        });
    }
    Ok(out)
}

fn unknown_rule(name: &str, table: &str) -> String {
    let mut msg = format!("unknown rule `{name}` in {table}");
    if let Some(best) = did_you_mean(name, rules::all_meta().map(|m| m.id).chain(["all"])) {
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
        let boundary = before.map_or(true, |c| c.is_whitespace() || c == '{' || c == ',');
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

/// The configuration files that apply to a package, in precedence order (lowest first):
/// the workspace's (its root's `async-lint.toml`, else `[workspace.metadata.async-lint]`),
/// then the package's (its directory's file, else `[package.metadata.async-lint]`).
/// Reading is done by `read`, so this stays testable; `None` from `read` means no such file.
pub fn discover(
    workspace_root: &Path,
    package_dir: &Path,
    read: &dyn Fn(&Path) -> Option<String>,
) -> Result<Vec<ProjectConfig>, ConfigError> {
    let mut out = Vec::new();
    let same = workspace_root == package_dir;
    let file_in = |dir: &Path| -> Result<Option<ProjectConfig>, ConfigError> {
        for name in ["async-lint.toml", ".async-lint.toml"] {
            let p = dir.join(name);
            if let Some(text) = read(&p) {
                return parse_file(&p, &text).map(Some);
            }
        }
        Ok(None)
    };
    let metadata_in = |dir: &Path, workspace: bool| -> Result<Option<ProjectConfig>, ConfigError> {
        let p = dir.join("Cargo.toml");
        match read(&p) {
            Some(text) => parse_cargo_metadata(&p, &text, workspace),
            None => Ok(None),
        }
    };
    if !same {
        if let Some(c) = file_in(workspace_root)? {
            out.push(c);
        } else if let Some(c) = metadata_in(workspace_root, true)? {
            out.push(c);
        }
        if let Some(c) = file_in(package_dir)? {
            out.push(c);
        } else if let Some(c) = metadata_in(package_dir, false)? {
            out.push(c);
        }
    } else if let Some(c) = file_in(package_dir)? {
        out.push(c);
    } else {
        if let Some(c) = metadata_in(package_dir, true)? {
            out.push(c);
        }
        if let Some(c) = metadata_in(package_dir, false)? {
            out.push(c);
        }
    }
    Ok(out)
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
        let read = |p: &Path| files.get(p).map(|s| s.to_string());
        let layers = discover(Path::new("/w"), Path::new("/w/a"), &read).unwrap();
        assert_eq!(layers.len(), 2);
        assert_eq!(layers[0].origin, Path::new("/w/async-lint.toml"));
        assert_eq!(layers[1].origin, Path::new("/w/a/Cargo.toml"));
        // A package with its own file: the file wins over its metadata table.
        let layers = discover(Path::new("/w"), Path::new("/w"), &read).unwrap();
        assert_eq!(layers.len(), 1);
    }
}
