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
    CommandLine(String),
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
                self.levels.keys().copied().collect()
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
    candidates
        .map(|c| (edit_distance(&name, c), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
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
