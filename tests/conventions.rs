//! One id names everything: `src/rules/<id>.rs`, `rules/<id>.md`, `fixtures/<id>/` and the
//! registry must match one to one, and each rule's document must follow the shared headings
//! and have an `Example` that triggers the rule and a `Use instead` that does not.

use async_lint::analyze::{analyze_sources, FileInput};
use async_lint::rules::{self, RuleMeta};
use async_lint::semantic::CrateInfo;
use async_lint::Config;
use std::collections::BTreeSet;
use std::fs;

fn stems(dir: &str, ext: &str) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension().is_some_and(|e| e == ext))
                .then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect()
}

#[test]
fn rule_files_docs_fixtures_and_registry_match() {
    let registered: BTreeSet<String> = rules::RULES
        .iter()
        .map(|r| r.meta().id.to_string())
        .collect();
    let mut sources = stems("src/rules", "rs");
    sources.remove("mod");
    assert_eq!(sources, registered, "src/rules/*.rs vs rules::RULES");
    // Every id the tool reports, the engine's own (`parse_error`, `unused_suppression`) too.
    for id in rules::all_meta().map(|m| m.id) {
        assert!(
            fs::metadata(format!("fixtures/{id}")).is_ok_and(|m| m.is_dir()),
            "rule {id} has no fixtures/{id}/"
        );
    }
    let docs = stems("rules", "md");
    let all: BTreeSet<String> = rules::all_meta().map(|m| m.id.to_string()).collect();
    assert_eq!(docs, all, "rules/*.md vs every id the tool reports");
    let ids: Vec<&str> = rules::all_meta().map(|m| m.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "duplicate rule ids");
    for id in ids {
        assert!(
            id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{id} is not snake_case"
        );
    }
}

const HEADINGS: &[&str] = &[
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fixes",
    "## Configuration",
    "## Known limitations",
];

#[test]
fn docs_follow_the_shared_shape() {
    for meta in rules::all_meta() {
        let doc = meta.doc;
        let mut lines = doc.lines();
        assert_eq!(lines.next(), Some(format!("# {}", meta.id).as_str()));
        assert_eq!(lines.next(), Some(""));
        let summary: Vec<&str> = lines.take_while(|l| !l.is_empty()).collect();
        assert_eq!(
            summary.join(" "),
            meta.summary,
            "rules/{}.md: first paragraph must equal the summary",
            meta.id
        );
        // Which findings carry which kind of fix, in ruff's words.
        let fixes = doc.split("\n## Fixes\n").nth(1).unwrap_or("");
        let fixes = fixes.split("\n## ").next().unwrap_or("");
        assert!(
            ["**safe", "**unsafe", "**display-only", "**None"]
                .iter()
                .any(|k| fixes.contains(k)),
            "rules/{}.md: `## Fixes` must say which fix kind (safe, unsafe, display-only, none) its findings carry",
            meta.id
        );
        let mut last = 0;
        for h in HEADINGS {
            let pos = doc
                .lines()
                .position(|l| l == *h)
                .unwrap_or_else(|| panic!("rules/{}.md lacks `{h}`", meta.id));
            assert!(pos > last, "rules/{}.md: `{h}` out of order", meta.id);
            last = pos;
        }
    }
}

/// The ```rust blocks of one `## Section` of a document.
fn code_blocks(doc: &str, heading: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_section = false;
    let mut current: Option<String> = None;
    for line in doc.lines() {
        if let Some(code) = current.as_mut() {
            if line.starts_with("```") {
                out.push(current.take().unwrap());
            } else {
                code.push_str(line);
                code.push('\n');
            }
            continue;
        }
        if line.starts_with("## ") {
            in_section = line == heading;
        } else if in_section && line.starts_with("```rust") {
            current = Some(String::new());
        }
    }
    out
}

fn findings_of(meta: &RuleMeta, code: &str) -> usize {
    let input = FileInput {
        path: "doc.rs",
        text: code,
        module_path: &[],
        is_test_target: false,
        cfg_gated: false,
    };
    let krate = CrateInfo {
        dependencies: vec!["tokio".into(), "futures".into()],
        has_lib: true,
        ..CrateInfo::default()
    };
    analyze_sources(&[input], &krate, &Config::default())
        .iter()
        .filter(|d| d.rule == meta.id)
        .count()
}

#[test]
fn doc_examples_trigger_and_fixes_do_not() {
    let checked = rules::RULES
        .iter()
        .map(|r| r.meta())
        .chain([&rules::PARSE_ERROR, &rules::UNUSED_SUPPRESSION]);
    for meta in checked {
        let bad = code_blocks(meta.doc, "## Example");
        let good = code_blocks(meta.doc, "## Use instead");
        assert!(
            !bad.is_empty(),
            "rules/{}.md: no code under Example",
            meta.id
        );
        assert!(
            !good.is_empty(),
            "rules/{}.md: no code under Use instead",
            meta.id
        );
        for code in bad {
            assert!(
                findings_of(meta, &code) > 0,
                "rules/{}.md: the Example does not trigger the rule:\n{code}",
                meta.id
            );
        }
        for code in good {
            assert_eq!(
                findings_of(meta, &code),
                0,
                "rules/{}.md: the Use-instead code triggers the rule:\n{code}",
                meta.id
            );
        }
    }
}

/// `--list-rules`, the registry and the README's rules table list the ids in one order: the
/// rules by id, then the tool's own reports.
#[test]
fn rules_are_listed_in_one_order_everywhere() {
    let ids: Vec<&str> = rules::all_meta().map(|m| m.id).collect();
    let registry: Vec<&str> = async_lint::registry::ENTRIES.iter().map(|e| e.id).collect();
    assert_eq!(ids, registry);
    let checks: Vec<&str> = rules::RULES.iter().map(|r| r.meta().id).collect();
    let mut sorted = checks.clone();
    sorted.sort();
    assert_eq!(checks, sorted, "RULES is in id order");
    let readme = fs::read_to_string("README.md").unwrap();
    let table: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|id| rules::meta(id).is_some())
        .collect();
    assert_eq!(table, ids, "the README's rules table");
}
