//! The resolved configuration: each rule's level (and where it came from) and its options.
//!
//! Pure: built from defaults and already-read command-line flags; rules never see raw flags.

use crate::diagnostic::{Level, Severity};
use crate::rules;
use std::collections::BTreeMap;

/// Where a rule's level was set, lowest precedence first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LevelSource {
    Default,
    /// `[lints]` of a configuration file (its path).
    File(String),
    /// An `[[overrides]]` entry of a configuration file (its path and globs).
    Override(String, String),
    CommandLine(String),
}

impl std::fmt::Display for LevelSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LevelSource::Default => f.write_str("default"),
            LevelSource::File(p) => write!(f, "[lints] in {p}"),
            LevelSource::Override(p, globs) => write!(f, "[[overrides]] {globs} in {p}"),
            LevelSource::CommandLine(flag) => write!(f, "command line `{flag}`"),
        }
    }
}

/// One level flag as given on the command line (`-D await_in_loop`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelFlag {
    pub level: Level,
    /// A rule id (snake or kebab case), `all`, or `warnings`.
    pub rule: String,
}

/// Errors in configuration; the shell prints them and exits with status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    levels: BTreeMap<&'static str, (Level, LevelSource)>,
    /// `-D warnings`: every warning is reported as an error.
    pub warnings_are_errors: bool,
    /// Suppression comments must give a reason (`-- why`).
    pub require_reason: bool,
    /// Per-rule options as written (`[rules.<id>]`), validated by each rule's options type.
    options: BTreeMap<&'static str, toml::Table>,
    /// Files larger than this many bytes are not read (`[settings] max-file-size`).
    pub max_file_size: u64,
}

impl Default for Config {
    fn default() -> Config {
        let levels = rules::all_meta()
            .map(|m| (m.id, (m.default_level, LevelSource::Default)))
            .collect();
        Config {
            levels,
            warnings_are_errors: false,
            require_reason: false,
            options: BTreeMap::new(),
            max_file_size: crate::fsread::DEFAULT_MAX_FILE_SIZE,
        }
    }
}

impl Config {
    /// The configured level of `rule`.
    pub fn level(&self, rule: &str) -> Level {
        self.levels.get(rule).map_or(Level::Warn, |(l, _)| *l)
    }

    pub fn level_source(&self, rule: &str) -> Option<&LevelSource> {
        self.levels.get(rule).map(|(_, s)| s)
    }

    /// The severity a finding of `rule` is shown with, or `None` when the rule is allowed.
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        let sev = self.level(rule).severity()?;
        if self.warnings_are_errors {
            Some(Severity::Error)
        } else {
            Some(sev)
        }
    }

    /// The typed options of `rule` (its defaults when none are set).
    pub fn options<T: serde::de::DeserializeOwned + Default>(&self, rule: &str) -> T {
        self.options
            .get(rule)
            .and_then(|t| T::deserialize(toml::Value::Table(t.clone())).ok())
            .unwrap_or_default()
    }

    /// Set the options of `rule`, checked against the rule's options type.
    pub fn set_options(&mut self, rule: &str, table: toml::Table) -> Result<(), ConfigError> {
        let meta = rules::meta(rule).ok_or_else(|| ConfigError(unknown_rule_message(rule)))?;
        (meta.validate_options)(toml::Value::Table(table.clone()))
            .map_err(|e| ConfigError(format!("invalid options for `{}`: {e}", meta.id)))?;
        check_minimums(meta.id, &table).map_err(|(_, msg)| ConfigError(msg))?;
        self.options.insert(meta.id, table);
        Ok(())
    }

    /// Is the rule on (not `allow`)?
    pub fn enabled(&self, rule: &str) -> bool {
        self.level(rule) != Level::Allow
    }

    /// Apply `-A/-W/-D/-F` flags in order: the last one for a rule wins, except that nothing
    /// lowers a `forbid`. `all` names every rule; `-D warnings` makes warnings errors.
    pub fn apply_flags(&mut self, flags: &[LevelFlag]) -> Result<(), ConfigError> {
        for flag in flags {
            let name = flag.rule.replace('-', "_");
            let name = name
                .strip_prefix("async_lint::")
                .unwrap_or(&name)
                .to_string();
            if name == "warnings" {
                match flag.level {
                    Level::Deny | Level::Forbid => self.warnings_are_errors = true,
                    Level::Warn => self.warnings_are_errors = false,
                    Level::Allow => {
                        for (level, source) in self.levels.values_mut() {
                            if *level == Level::Warn {
                                *level = Level::Allow;
                                *source = LevelSource::CommandLine("-A warnings".into());
                            }
                        }
                    }
                }
                continue;
            }
            let targets: Vec<&'static str> = if name == "all" {
                all_rules()
            } else {
                match rules::canonical_id(&name) {
                    Some(id) => vec![id],
                    None => return Err(ConfigError(unknown_rule_message(&flag.rule))),
                }
            };
            let source = format!("-{} {}", flag_letter(flag.level), flag.rule);
            for id in targets {
                let entry = self
                    .levels
                    .entry(id)
                    .or_insert((Level::Warn, LevelSource::Default));
                if entry.0 == Level::Forbid && flag.level != Level::Forbid {
                    continue;
                }
                *entry = (flag.level, LevelSource::CommandLine(source.clone()));
            }
        }
        Ok(())
    }
}

impl Config {
    /// Apply `[lints]` settings: lower `priority` first, and at equal priority `all` before
    /// single rules (so `all = "deny"` with `x = "allow"` allows `x`). `forbid` sticks.
    pub fn apply_settings(
        &mut self,
        settings: &[crate::config_file::LintSetting],
        source: &LevelSource,
    ) {
        let mut ordered: Vec<&crate::config_file::LintSetting> = settings.iter().collect();
        ordered.sort_by_key(|s| (s.priority, s.rule != "all"));
        for s in ordered {
            let targets: Vec<&'static str> = if s.rule == "all" {
                all_rules()
            } else {
                rules::canonical_id(&s.rule).into_iter().collect()
            };
            for id in targets {
                let entry = self
                    .levels
                    .entry(id)
                    .or_insert((Level::Warn, LevelSource::Default));
                if entry.0 == Level::Forbid && s.level != Level::Forbid {
                    continue;
                }
                *entry = (s.level, source.clone());
            }
        }
    }

    /// Every rule with its level and where it came from, for `--show-config`.
    pub fn describe(&self) -> String {
        let width = self.levels.keys().map(|k| k.len()).max().unwrap_or(0);
        let mut out = String::new();
        for (id, (level, source)) in &self.levels {
            out.push_str(&format!("  {id:width$}  {:6}  {source}\n", level.as_str()));
            if let Some(opts) = self.options.get(id) {
                for (k, v) in opts {
                    out.push_str(&format!("  {:width$}    {k} = {v}\n", ""));
                }
            }
        }
        if self.warnings_are_errors {
            out.push_str("  warnings are errors (-D warnings)\n");
        }
        if self.require_reason {
            out.push_str("  suppression comments must give a reason\n");
        }
        if self.max_file_size != crate::fsread::DEFAULT_MAX_FILE_SIZE {
            out.push_str(&format!(
                "  files larger than {} bytes are not read (max-file-size)\n",
                self.max_file_size
            ));
        }
        out
    }
}

/// The configuration of one package: its layers (workspace then package file), their
/// overrides and excludes, and the command-line flags. Files get their [`Config`] from
/// [`ConfigSet::for_file`].
#[derive(Debug, Clone, Default)]
pub struct ConfigSet {
    base: Config,
    overrides: Vec<(std::path::PathBuf, String, crate::config_file::Override)>,
    excludes: Vec<(std::path::PathBuf, globset::GlobSet)>,
    flags: Vec<LevelFlag>,
    warnings_flags: Config,
}

impl ConfigSet {
    /// Layer the sources (lowest precedence first) and the command line.
    pub fn new(
        layers: &[crate::config_file::ProjectConfig],
        flags: &[LevelFlag],
    ) -> Result<ConfigSet, ConfigError> {
        let mut base = Config::default();
        let mut overrides = Vec::new();
        let mut excludes = Vec::new();
        for layer in layers {
            let origin = layer.origin.display().to_string();
            base.apply_settings(&layer.lints, &LevelSource::File(origin.clone()));
            for (id, table) in &layer.rules {
                base.set_options(id, table.clone())?;
            }
            if let Some(r) = layer.require_reason {
                base.require_reason = r;
            }
            if let Some(n) = layer.max_file_size {
                base.max_file_size = n;
            }
            for o in &layer.overrides {
                overrides.push((layer.base.clone(), origin.clone(), o.clone()));
            }
            if let Some(ex) = &layer.exclude {
                excludes.push((layer.base.clone(), ex.clone()));
            }
        }
        // Validate the flags once, so per-file application cannot fail.
        let mut warnings_flags = base.clone();
        warnings_flags.apply_flags(flags)?;
        Ok(ConfigSet {
            base,
            overrides,
            excludes,
            flags: flags.to_vec(),
            warnings_flags,
        })
    }

    /// The configuration for a file (an absolute path, or relative to the current directory).
    pub fn for_file(&self, path: &std::path::Path) -> Config {
        let mut c = self.base.clone();
        for (base, origin, o) in &self.overrides {
            if matches_under(&o.globs, base, path) {
                c.apply_settings(
                    &o.lints,
                    &LevelSource::Override(origin.clone(), o.patterns.join(", ")),
                );
            }
        }
        // Flags were validated in `new`.
        let _ = c.apply_flags(&self.flags);
        c
    }

    /// The per-file size limit (`[settings] max-file-size`) of this package.
    pub fn max_file_size(&self) -> u64 {
        self.base.max_file_size
    }

    /// The configuration with no path-specific overrides (for `--show-config`).
    pub fn general(&self) -> &Config {
        &self.warnings_flags
    }

    /// Is the file excluded by `[settings] exclude`?
    pub fn excluded(&self, path: &std::path::Path) -> bool {
        self.excludes
            .iter()
            .any(|(base, set)| matches_under(set, base, path))
    }

    /// The overrides as text, for `--show-config`.
    pub fn describe_overrides(&self) -> String {
        let mut out = String::new();
        for (_, origin, o) in &self.overrides {
            let lints: Vec<String> = o
                .lints
                .iter()
                .map(|l| format!("{} = {}", l.rule, l.level.as_str()))
                .collect();
            out.push_str(&format!(
                "  override [{}]: {} (from {origin})\n",
                o.patterns.join(", "),
                lints.join(", ")
            ));
        }
        out
    }
}

/// Rule options that are counts or limits, with the least value that means anything: a
/// concurrency of 0 would suggest `buffered(0)`, which never makes progress, and a capacity of 0
/// `channel(0)`, which panics in tokio.
pub const OPTION_MINIMUMS: &[(&str, &str, i64)] = &[
    ("await_in_loop", "concurrency", 1),
    ("unbounded_join", "concurrency", 1),
    ("unbounded_channel", "capacity", 1),
];

/// Check the counts and limits of `rule`'s options against [`OPTION_MINIMUMS`]: on failure the
/// offending key and the message.
pub fn check_minimums(rule: &str, table: &toml::Table) -> Result<(), (&'static str, String)> {
    for (id, key, min) in OPTION_MINIMUMS {
        if *id != rule {
            continue;
        }
        if let Some(toml::Value::Integer(n)) = table.get(*key) {
            if n < min {
                return Err((
                    key,
                    format!("`{key}` of `{id}` must be at least {min} (found {n})"),
                ));
            }
        }
    }
    Ok(())
}

/// Does `path`, taken relative to `base` when it lies under it, match the globs?
fn matches_under(set: &globset::GlobSet, base: &std::path::Path, path: &std::path::Path) -> bool {
    let rel = path.strip_prefix(base).unwrap_or(path);
    set.is_match(rel)
}

/// What `all` names: every rule that checks code (not the tool's own `parse_error` and
/// `unused_suppression` reports, which `all = "warn"` should not lower).
fn all_rules() -> Vec<&'static str> {
    rules::RULES.iter().map(|r| r.meta().id).collect()
}

fn flag_letter(level: Level) -> char {
    match level {
        Level::Allow => 'A',
        Level::Warn => 'W',
        Level::Deny => 'D',
        Level::Forbid => 'F',
    }
}

/// "unknown rule `x`", with a "did you mean" when a rule id is close.
pub fn unknown_rule_message(name: &str) -> String {
    let mut msg = format!("unknown rule `{name}`");
    if let Some(best) = did_you_mean(name, rules::all_meta().map(|m| m.id)) {
        msg.push_str(&format!("; did you mean `{best}`?"));
    }
    msg.push_str(" (see `cargo async-lint --list-rules`)");
    msg
}

/// The candidate closest to `name` by edit distance, if it is close enough.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.replace('-', "_");
    let candidates: Vec<&'a str> = candidates.collect();
    let close = candidates
        .iter()
        .map(|c| (edit_distance(&name, &c.replace('-', "_")), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    // An abbreviation (`prio` for `priority`), or a name that contains or is contained in a
    // candidate (`timeout` for `missing_timeout`): the one closest in length.
    close.or_else(|| {
        (name.len() >= 3)
            .then(|| {
                candidates
                    .iter()
                    .copied()
                    .filter(|c| {
                        c.starts_with(name.as_str())
                            || (name.len() >= 4 && (c.contains(name.as_str()) || name.contains(*c)))
                    })
                    .min_by_key(|c| c.len().abs_diff(name.len()))
            })
            .flatten()
    })
}

/// Levenshtein distance over chars.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(level: Level, rule: &str) -> LevelFlag {
        LevelFlag {
            level,
            rule: rule.into(),
        }
    }

    #[test]
    fn last_flag_wins_but_forbid_sticks() {
        let mut c = Config::default();
        c.apply_flags(&[
            flag(Level::Deny, "async-without-await"),
            flag(Level::Allow, "async_without_await"),
        ])
        .unwrap();
        assert_eq!(c.level("async_without_await"), Level::Allow);
        c.apply_flags(&[
            flag(Level::Forbid, "all"),
            flag(Level::Allow, "async_without_await"),
        ])
        .unwrap();
        assert_eq!(c.level("async_without_await"), Level::Forbid);
    }

    fn layer(text: &str) -> crate::config_file::ProjectConfig {
        crate::config_file::parse_file(std::path::Path::new("/w/async-lint.toml"), text).unwrap()
    }

    #[test]
    fn precedence_default_file_override_cli() {
        let ws = layer(
            "[lints]\nall = { level = \"deny\", priority = -1 }\nawait_in_loop = \"allow\"\n",
        );
        let pkg = layer(
            "[lints]\ndetached_spawn = \"warn\"\n[[overrides]]\npaths = [\"tests/**\"]\nlints = { detached_spawn = \"allow\", await_in_loop = \"deny\" }\n",
        );
        let set = ConfigSet::new(&[ws, pkg], &[]).unwrap();
        let src = set.for_file(std::path::Path::new("/w/src/lib.rs"));
        assert_eq!(src.level("unbounded_join"), Level::Deny);
        assert_eq!(src.level("await_in_loop"), Level::Allow);
        assert_eq!(src.level("detached_spawn"), Level::Warn);
        let test = set.for_file(std::path::Path::new("/w/tests/a.rs"));
        assert_eq!(test.level("detached_spawn"), Level::Allow);
        assert_eq!(test.level("await_in_loop"), Level::Deny);
        assert!(matches!(
            test.level_source("await_in_loop"),
            Some(LevelSource::Override(..))
        ));
        // The command line beats files and overrides.
        let set = ConfigSet::new(
            &[layer("[lints]\nawait_in_loop = \"deny\"\n")],
            &[flag(Level::Allow, "await_in_loop")],
        )
        .unwrap();
        assert_eq!(
            set.for_file(std::path::Path::new("/w/src/a.rs"))
                .level("await_in_loop"),
            Level::Allow
        );
    }

    #[test]
    fn excludes_are_relative_to_the_config_file() {
        let set = ConfigSet::new(
            &[layer("[settings]\nexclude = [\"src/generated/**\"]\n")],
            &[],
        )
        .unwrap();
        assert!(set.excluded(std::path::Path::new("/w/src/generated/x.rs")));
        assert!(!set.excluded(std::path::Path::new("/w/src/x.rs")));
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("awiat", "await"), 2);
    }

    #[test]
    fn options_are_typed_and_checked() {
        let mut c = Config::default();
        let t: toml::Table = toml::from_str("concurrency = 16").unwrap();
        c.set_options("await-in-loop", t).unwrap();
        let o: crate::rules::await_in_loop::Options = c.options("await_in_loop");
        assert_eq!(o.concurrency, 16);
        let bad: toml::Table = toml::from_str("concurency = 16").unwrap();
        let err = c.set_options("await_in_loop", bad).unwrap_err();
        assert!(err.0.contains("concurency"), "{err}");
        let bad: toml::Table = toml::from_str("x = 1").unwrap();
        assert!(c.set_options("async_without_await", bad).is_err());
        let zero: toml::Table = toml::from_str("concurrency = 0").unwrap();
        let err = c.set_options("await_in_loop", zero).unwrap_err();
        assert!(err.0.contains("must be at least 1"), "{err}");
    }

    #[test]
    fn every_minimum_names_a_real_integer_option() {
        for (id, key, min) in OPTION_MINIMUMS {
            let meta = rules::meta(id).unwrap_or_else(|| panic!("no rule `{id}`"));
            assert_eq!(meta.id, *id);
            assert!(
                meta.options.iter().any(|o| o.name == *key),
                "`{id}` has no option `{key}`"
            );
            // The minimum itself is accepted, one less is not.
            let ok: toml::Table = toml::from_str(&format!("{key} = {min}")).unwrap();
            assert!((meta.validate_options)(toml::Value::Table(ok.clone())).is_ok());
            assert!(check_minimums(id, &ok).is_ok());
            let low: toml::Table = toml::from_str(&format!("{key} = {}", min - 1)).unwrap();
            assert!(check_minimums(id, &low).is_err());
        }
    }

    #[test]
    fn deny_warnings_and_unknown_rules() {
        let mut c = Config::default();
        c.apply_flags(&[flag(Level::Deny, "warnings")]).unwrap();
        assert_eq!(c.severity("async_without_await"), Some(Severity::Error));
        let err = c
            .apply_flags(&[flag(Level::Deny, "async_withot_await")])
            .unwrap_err();
        assert!(
            err.0.contains("did you mean `async_without_await`"),
            "{err}"
        );
    }
}
