//! The fixture funnel: every `fixtures/<rule>/<case>.rs` (or `<case>/` directory of files that
//! form one crate) is analyzed, and its findings must equal its `//~ <rule>` markers exactly,
//! both ways. Unmarked lines are thereby proven clean.
//!
//! Markers: `//~ rule` (this line), `//~^ rule` (the line above; one `^` per line), several
//! rules separated by commas. Header directives in the first lines of a file:
//! `//@ edition: 2024`, `//@ test-target` (file of a test target), `//@ bin` (package without
//! a library), `//@ module: a::b` (module path of the file), `//@ deps: redis, reqwest` (more
//! dependencies than tokio and futures; `tokio_util[rt]` with the features the manifest
//! enables), `//@ no-deps` (no manifest, as in PATH mode),
//! `//@ option: rule.key = <toml value>` (a rule option).
//!
//! Only the fixture's own rule and the rules named in its markers are compared.
//! A `<case>.stderr` next to a file holds the blessed human rendering; `BLESS=1 cargo test`
//! rewrites it. Every applicable suggestion is applied once: the result must parse and must
//! not be reported again by the same rule. Then every fix of the fixture's rule, safe and
//! unsafe, is applied as `--fix --unsafe-fixes` does (rounds until nothing applies), and the
//! result must equal `<case>.fixed` (for a directory case, `<case>/<file>.fixed` for each file
//! that changes) exactly, as clippy's `.fixed` files; `BLESS=1` writes them.

use async_lint::analyze::{analyze_sources, FileInput};
use async_lint::semantic::{CrateInfo, Edition};
use async_lint::source::SourceFile;
use async_lint::{Config, Diagnostic};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

struct Case {
    name: String,
    /// Built by a test, not read from `fixtures/`.
    synthetic: bool,
    files: Vec<(String, String)>, // display path, text
}

#[derive(Default)]
struct Header {
    edition: Option<Edition>,
    test_target: bool,
    bin: bool,
    module: Vec<String>,
    /// `//@ deps: redis, reqwest`: more dependencies of the fixture's package, each with the
    /// features its manifest entry enables (`tokio_util[rt full]`).
    deps: Vec<(String, Vec<String>)>,
    /// `//@ no-deps`: no manifest at all (PATH mode): no dependencies are known.
    no_deps: bool,
    /// `//@ option: missing_timeout.timeout-wrappers = ["crate::net::deadline"]`.
    options: Vec<(String, String, toml::Value)>,
}

fn header(text: &str) -> Header {
    let mut h = Header::default();
    for line in text.lines().take_while(|l| l.starts_with("//")) {
        let Some(d) = line.strip_prefix("//@") else {
            continue;
        };
        let d = d.trim();
        if let Some(e) = d.strip_prefix("edition:") {
            h.edition = Edition::parse(e.trim());
        } else if d == "test-target" {
            h.test_target = true;
        } else if d == "bin" {
            h.bin = true;
        } else if d == "no-deps" {
            h.no_deps = true;
        } else if let Some(m) = d.strip_prefix("module:") {
            h.module = m.trim().split("::").map(str::to_string).collect();
        } else if let Some(deps) = d.strip_prefix("deps:") {
            h.deps = deps
                .split(',')
                .map(|s| match s.trim().split_once('[') {
                    Some((name, features)) => (
                        name.to_string(),
                        features
                            .trim_end_matches(']')
                            .split_whitespace()
                            .map(str::to_string)
                            .collect(),
                    ),
                    None => (s.trim().to_string(), Vec::new()),
                })
                .collect();
        } else if let Some(opt) = d.strip_prefix("option:") {
            let (key, value) = opt.split_once('=').expect("`//@ option: rule.key = value`");
            let (rule, key) = key.trim().split_once('.').expect("`rule.key`");
            let value: toml::Table = toml::from_str(&format!("v = {}", value.trim())).unwrap();
            h.options
                .push((rule.to_string(), key.to_string(), value["v"].clone()));
        }
    }
    h
}

/// (line, rule) → count, from `//~` markers.
fn markers(text: &str) -> BTreeMap<(u32, String), usize> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find("//~") else {
            continue;
        };
        let rest = &line[pos + 3..];
        let carets = rest.chars().take_while(|c| *c == '^').count();
        let target = (i + 1 - carets) as u32;
        for rule in rest[carets..].split(',') {
            let rule = rule.trim();
            if !rule.is_empty() {
                *out.entry((target, rule.to_string())).or_insert(0) += 1;
            }
        }
    }
    out
}

fn cases(rule_dir: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(rule_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            let mut files: Vec<PathBuf> = fs::read_dir(&p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|f| f.extension().is_some_and(|e| e == "rs"))
                .collect();
            files.sort();
            out.push(Case {
                name,
                synthetic: false,
                files: files
                    .iter()
                    .map(|f| {
                        (
                            f.file_name().unwrap().to_string_lossy().into_owned(),
                            fs::read_to_string(f).unwrap(),
                        )
                    })
                    .collect(),
            });
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(Case {
                name: name.clone(),
                synthetic: false,
                files: vec![(name, fs::read_to_string(&p).unwrap())],
            });
        }
    }
    out
}

fn analyze(files: &[(String, String)]) -> Vec<Diagnostic> {
    let headers: Vec<Header> = files.iter().map(|(_, t)| header(t)).collect();
    let krate = CrateInfo {
        name: "fixture".into(),
        edition: headers.iter().find_map(|h| h.edition).unwrap_or_default(),
        dependencies: if headers.iter().any(|h| h.no_deps) {
            Vec::new()
        } else {
            ["tokio", "futures"]
                .iter()
                .map(|d| d.to_string())
                .chain(
                    headers
                        .iter()
                        .flat_map(|h| h.deps.iter().map(|(d, _)| d.clone())),
                )
                .collect()
        },
        has_lib: !headers.iter().any(|h| h.bin),
        dependency_features: headers
            .iter()
            .flat_map(|h| h.deps.iter().cloned())
            .collect(),
    };
    let inputs: Vec<FileInput> = files
        .iter()
        .zip(&headers)
        .map(|((path, text), h)| FileInput {
            path,
            text,
            module_path: &h.module,
            is_test_target: h.test_target,
            cfg_gated: false,
        })
        .collect();
    // Analysis recurses with the depth of the code; fixtures are shallow, but run on a thread
    // with the same stack the tool uses.
    let mut config = Config::default();
    let mut tables: std::collections::BTreeMap<String, toml::Table> = Default::default();
    for h in &headers {
        for (rule, key, value) in &h.options {
            tables
                .entry(rule.clone())
                .or_default()
                .insert(key.clone(), value.clone());
        }
    }
    for (rule, table) in tables {
        config
            .set_options(&rule, table)
            .unwrap_or_else(|e| panic!("fixture option: {e}"));
    }
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(async_lint::parse::STACK_SIZE)
            .spawn_scoped(s, || analyze_sources(&inputs, &krate, &config))
            .unwrap()
            .join()
            .unwrap()
    })
}

fn source_files(files: &[(String, String)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(p, t)| SourceFile {
            path: PathBuf::from(p),
            display: p.clone(),
            text: t.clone(),
            origin: None,
        })
        .collect()
}

fn apply(text: &str, d: &Diagnostic) -> String {
    let mut edits = d.suggestion.as_ref().unwrap().edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.byte_start));
    let mut out = text.to_string();
    for e in edits {
        out.replace_range(e.span.byte_start..e.span.byte_end, &e.replacement);
    }
    out
}

fn check_case(rule: &str, case: &Case, failures: &mut Vec<String>) -> usize {
    let diags = analyze(&case.files);
    let mut count = 0;
    let mut problems = Vec::new();
    for (fi, (path, text)) in case.files.iter().enumerate() {
        let expected = markers(text);
        let mut checked: Vec<String> = vec![rule.to_string()];
        checked.extend(expected.keys().map(|(_, r)| r.clone()));
        let mut found: BTreeMap<(u32, String), usize> = BTreeMap::new();
        let mut messages: BTreeMap<(u32, String), String> = BTreeMap::new();
        for d in diags.iter().filter(|d| d.file == fi) {
            if checked.iter().any(|r| r == d.rule) {
                *found
                    .entry((d.span.line_start, d.rule.to_string()))
                    .or_insert(0) += 1;
                messages.insert((d.span.line_start, d.rule.to_string()), d.message.clone());
            }
        }
        for (key, n) in &expected {
            let got = found.get(key).copied().unwrap_or(0);
            if got < *n {
                problems.push(format!(
                    "{path}:{}: expected `{}` here, not reported",
                    key.0, key.1
                ));
            }
        }
        for (key, n) in &found {
            let want = expected.get(key).copied().unwrap_or(0);
            if *n > want {
                problems.push(format!(
                    "{path}:{}: unexpected `{}`: {}",
                    key.0, key.1, messages[key]
                ));
            }
        }
        count += expected.values().sum::<usize>();

        // Every applicable suggestion leaves a file that parses and is not reported again.
        for d in diags.iter().filter(|d| {
            d.file == fi
                && d.rule == rule
                && d.suggestion.as_ref().is_some_and(|s| {
                    s.applicability != async_lint::diagnostic::Applicability::DisplayOnly
                })
        }) {
            let fixed = apply(text, d);
            if let Err(e) = syn::parse_file(&fixed) {
                problems.push(format!(
                    "{path}:{}: the suggestion leaves a file that does not parse: {e}",
                    d.span.line_start
                ));
                continue;
            }
            let mut files = case.files.clone();
            files[fi].1 = fixed;
            let before = diags
                .iter()
                .filter(|x| x.file == fi && x.rule == rule)
                .count();
            let after = analyze(&files)
                .iter()
                .filter(|x| x.file == fi && x.rule == rule)
                .count();
            if after >= before {
                problems.push(format!(
                    "{path}:{}: after applying the suggestion the finding is still reported",
                    d.span.line_start
                ));
            }
        }
    }

    if !case.synthetic {
        check_fixed(rule, case, &mut problems);
    }

    // Blessed rendering, for single-file cases on disk that have findings.
    if case.files.len() == 1 && !case.synthetic {
        let stderr = Path::new("fixtures")
            .join(rule)
            .join(case.name.replace(".rs", ".stderr"));
        if stderr.exists() || std::env::var_os("BLESS").is_some() {
            let ours: Vec<Diagnostic> = diags.iter().filter(|d| d.rule == rule).cloned().collect();
            let rendered = async_lint::render::human(
                &ours,
                &source_files(&case.files),
                &async_lint::render::HumanOptions { color: false },
            );
            if std::env::var_os("BLESS").is_some() {
                if ours.is_empty() {
                    let _ = fs::remove_file(&stderr);
                } else {
                    fs::write(&stderr, &rendered).unwrap();
                }
            } else if fs::read_to_string(&stderr).unwrap() != rendered {
                problems.push(format!(
                    "{}: rendering differs from the blessed file (BLESS=1 cargo test to update):\n{rendered}",
                    stderr.display()
                ));
            }
        }
    }

    for p in problems {
        failures.push(format!("fixtures/{rule}/{}: {p}", case.name));
    }
    count
}

/// Where the `.fixed` file of a case's file goes.
fn fixed_path(rule: &str, case: &Case, file: &str) -> PathBuf {
    let dir = Path::new("fixtures").join(rule);
    if case.files.len() == 1 && case.name == file {
        dir.join(file.replace(".rs", ".fixed"))
    } else {
        dir.join(&case.name).join(file.replace(".rs", ".fixed"))
    }
}

/// Apply every fix of the rule in rounds (in memory, as `--fix --unsafe-fixes`) and compare
/// each file's result with its `.fixed` file.
fn check_fixed(rule: &str, case: &Case, problems: &mut Vec<String>) {
    use async_lint::fix;
    let fixed = fix::run_rounds(
        fix::Mode::Unsafe,
        fix::MAX_ROUNDS,
        |overlay: &BTreeMap<usize, String>| {
            let files: Vec<(String, String)> = case
                .files
                .iter()
                .enumerate()
                .map(|(i, (p, t))| (p.clone(), overlay.get(&i).unwrap_or(t).clone()))
                .collect();
            let diags = analyze(&files)
                .into_iter()
                .filter(|d| d.rule == rule)
                .collect();
            Ok::<_, ()>(fix::Analysis {
                diags,
                files: files
                    .into_iter()
                    .enumerate()
                    .map(|(i, (_, t))| (i, t))
                    .collect(),
            })
        },
    )
    .unwrap();
    if fixed.hit_limit {
        problems.push(format!(
            "fixes still apply after {} rounds",
            fix::MAX_ROUNDS
        ));
    }
    if fixed.broken > 0 {
        problems.push(format!(
            "{} fix(es) leave a file that does not parse",
            fixed.broken
        ));
    }
    let bless = std::env::var_os("BLESS").is_some();
    for (i, (name, _)) in case.files.iter().enumerate() {
        let path = fixed_path(rule, case, name);
        match fixed.changed.get(&i) {
            Some((_, new)) if bless => fs::write(&path, new).unwrap(),
            Some((_, new)) => match fs::read_to_string(&path) {
                Ok(want) if want == *new => {}
                Ok(_) => problems.push(format!(
                    "{}: the fixed file differs (BLESS=1 cargo test to update):\n{}",
                    path.display(),
                    async_lint::render::unified_diff(&path.display().to_string(), &want_or_empty(&path), new)
                )),
                Err(_) => problems.push(format!(
                    "{name}: fixes change this file but {} does not exist (BLESS=1 cargo test to write it)",
                    path.display()
                )),
            },
            None if path.exists() && bless => fs::remove_file(&path).unwrap(),
            None if path.exists() => problems.push(format!(
                "{}: no fix changes {name} any more (BLESS=1 cargo test removes it)",
                path.display()
            )),
            None => {}
        }
    }
}

fn want_or_empty(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn fixtures_match_their_markers() {
    let mut failures = Vec::new();
    let mut total = 0;
    let mut dirs: Vec<PathBuf> = fs::read_dir("fixtures")
        .unwrap()
        .map(|e| e.unwrap().path())
        // `demo` and `workspaces/` are cargo projects (CLI and discovery tests), not rule cases.
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n != "demo" && n != "workspaces")
        })
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no fixture directories found");
    for dir in dirs {
        let rule = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            async_lint::rules::canonical_id(&rule).is_some(),
            "fixtures/{rule}: not a rule id"
        );
        let cases = cases(&dir);
        assert!(!cases.is_empty(), "fixtures/{rule} is empty");
        for case in &cases {
            total += check_case(&rule, case, &mut failures);
        }
    }
    assert!(total > 0, "no markers in any fixture");
    if !failures.is_empty() {
        panic!(
            "{} fixture mismatch(es):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

#[test]
fn marker_parser_reads_carets_and_lists() {
    let m = markers("a //~ r1\nb\n//~^ r2, r3\n//~^^ r1");
    assert_eq!(m.get(&(1, "r1".into())), Some(&1));
    assert_eq!(m.get(&(2, "r2".into())), Some(&1));
    assert_eq!(m.get(&(2, "r3".into())), Some(&1));
    assert_eq!(m.get(&(2, "r1".into())), Some(&1));
}

#[test]
fn the_harness_notices_a_missing_marker() {
    // A fixture that claims a line is clean while the rule fires there must fail.
    let case = Case {
        name: "synthetic.rs".into(),
        synthetic: true,
        files: vec![("synthetic.rs".into(), "async fn f() -> u8 { 1 }\n".into())],
    };
    let mut failures = Vec::new();
    check_case("async_without_await", &case, &mut failures);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("unexpected"));
    // ... and a marker without a finding.
    let case = Case {
        name: "synthetic.rs".into(),
        synthetic: true,
        files: vec![(
            "synthetic.rs".into(),
            "async fn f() -> u8 { g().await } //~ async_without_await\n".into(),
        )],
    };
    let mut failures = Vec::new();
    check_case("async_without_await", &case, &mut failures);
    assert!(failures[0].contains("not reported"), "{failures:?}");
}
