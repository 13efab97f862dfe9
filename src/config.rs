//! The resolved configuration: each rule's level (and where it came from) and its options.
//!
//! Pure: built from defaults and already-read command-line flags; rules never see raw flags.

use crate::diagnostic::{Level, Severity};
use crate::registry::{self, RuleOptions};
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

impl LevelSource {
    /// The same source, pointing at one line of its file (`[lints] in async-lint.toml:4`).
    fn at_line(&self, line: u32) -> LevelSource {
        match self {
            LevelSource::File(p) if line > 0 => LevelSource::File(format!("{p}:{line}")),
            LevelSource::Override(p, g) if line > 0 => {
                LevelSource::Override(format!("{p}:{line}"), g.clone())
            }
            other => other.clone(),
        }
    }
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

pub use crate::config_file::ConfigError;
use crate::registry::did_you_mean;

#[derive(Debug, Clone)]
pub struct Config {
    levels: BTreeMap<&'static str, (Level, LevelSource)>,
    /// `-D warnings`: every warning is reported as an error.
    pub warnings_are_errors: bool,
    /// Suppression comments must give a reason (`-- why`).
    pub require_reason: bool,
    /// Per-rule options as written (`[rules.<id>]`), for `--show-config`.
    options: BTreeMap<&'static str, toml::Table>,
    /// The same, typed: deserialized once, when they are set.
    typed: registry::Options,
    /// Files larger than this many bytes are not read (`[settings] max-file-size`).
    pub max_file_size: u64,
}

impl Default for Config {
    fn default() -> Config {
        let levels = registry::ENTRIES
            .iter()
            .map(|e| (e.id, (e.default_level, LevelSource::Default)))
            .collect();
        Config {
            levels,
            warnings_are_errors: false,
            require_reason: false,
            options: BTreeMap::new(),
            typed: registry::Options::default(),
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

    /// A rule's typed options (its defaults when none are set): `options::<AwaitInLoopOptions>()`.
    pub fn options<T: RuleOptions>(&self) -> &T {
        T::of(&self.typed)
    }

    /// Set the options of `rule`, checked against the rule's options type.
    pub fn set_options(&mut self, rule: &str, table: toml::Table) -> Result<(), ConfigError> {
        let entry = registry::entry(rule).ok_or_else(|| ConfigError(unknown_rule_message(rule)))?;
        registry::check_minimums(entry.id, &table).map_err(|(_, msg)| ConfigError(msg))?;
        self.typed
            .set(entry.id, &table)
            .map_err(|e| ConfigError(format!("invalid options for `{}`: {e}", entry.id)))?;
        self.options.insert(entry.id, table);
        Ok(())
    }

    /// Where `rule` was set to `forbid`, or `None` when it is not forbidden.
    pub fn forbidden_by(&self, rule: &str) -> Option<String> {
        match self.levels.get(rule) {
            Some((Level::Forbid, source)) => Some(source.to_string()),
            _ => None,
        }
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
                match registry::canonical_id(&name) {
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
                registry::canonical_id(&s.rule).into_iter().collect()
            };
            for id in targets {
                let entry = self
                    .levels
                    .entry(id)
                    .or_insert((Level::Warn, LevelSource::Default));
                if entry.0 == Level::Forbid && s.level != Level::Forbid {
                    continue;
                }
                *entry = (s.level, source.at_line(s.line));
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

/// Does `path`, taken relative to `base` when it lies under it, match the globs?
fn matches_under(set: &globset::GlobSet, base: &std::path::Path, path: &std::path::Path) -> bool {
    let rel = path.strip_prefix(base).unwrap_or(path);
    set.is_match(rel)
}

/// What `all` names: every id the tool reports, its own `parse_error` and `unused_suppression`
/// included, so `-A all` silences everything, as a rustc user expects.
fn all_rules() -> Vec<&'static str> {
    registry::ENTRIES.iter().map(|e| e.id).collect()
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
    if let Some(best) = did_you_mean(name, registry::ENTRIES.iter().map(|e| e.id)) {
        msg.push_str(&format!("; did you mean `{best}`?"));
    }
    msg.push_str(" (see `cargo async-lint --list-rules`)");
    msg
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
    fn options_are_typed_and_checked() {
        let mut c = Config::default();
        let t: toml::Table = toml::from_str("concurrency = 16").unwrap();
        c.set_options("await-in-loop", t).unwrap();
        let o = c.options::<registry::AwaitInLoopOptions>();
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
    fn every_minimum_is_checked_and_every_option_is_in_its_type() {
        for entry in registry::ENTRIES {
            // Every documented option is a key of the rule's options type, with its default.
            for o in entry.options {
                let t: toml::Table =
                    toml::from_str(&format!("{} = {}", o.name, o.default)).unwrap();
                assert!(
                    registry::validate_options(entry.id, &t).is_ok(),
                    "{}.{}",
                    entry.id,
                    o.name
                );
            }
            for o in entry.options.iter().filter(|o| o.min.is_some()) {
                let min = o.min.unwrap();
                // The minimum itself is accepted, one less is not.
                let ok: toml::Table = toml::from_str(&format!("{} = {min}", o.name)).unwrap();
                assert!(registry::check_minimums(entry.id, &ok).is_ok());
                let low: toml::Table =
                    toml::from_str(&format!("{} = {}", o.name, min - 1)).unwrap();
                assert!(registry::check_minimums(entry.id, &low).is_err());
            }
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
