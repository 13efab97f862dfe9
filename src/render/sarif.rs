// SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards) ingest: one run, the
// tool with every rule it has, one result per finding.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::{code, display_of, file_of, RepoBase, Resolved, Texts};
use crate::baseline::Keys;
use crate::diagnostic::{Diagnostic, Level, Severity, Span};
use crate::rules::{self, RuleMeta};
use crate::source::SourceFile;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://crates.io/crates/cargo-async-lint";
/// Where relative artifact URIs are resolved: the repository (workspace) root.
const SRCROOT: &str = "%SRCROOT%";
/// The key of our own entry in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "asyncLint/v1";
/// GitHub truncates rule descriptions longer than 1024 characters; stay below.
const MAX_DESCRIPTION_CHARS: usize = 1000;

/// A SARIF 2.1.0 log (pretty JSON) with one run: `tool.driver` names the tool and describes
/// every rule it has (not only those with findings); `results` holds `diags`, then
/// `suppressed` (findings hidden by a suppression comment, marked with an `inSource`
/// suppression and its reason), each in the given order.
///
/// Each result has `ruleId`/`ruleIndex`, `level`, the message (plus `help:` lines), a location
/// with a repo-relative, percent-encoded `uri` under `%SRCROOT%` and a `region` in 1-based
/// lines and code-point columns (`run.columnKind` = `unicodeCodePoints`), secondary labels as
/// `relatedLocations`, suggestions as `fixes`, and a `partialFingerprints."asyncLint/v1"` that
/// identifies the finding independently of line numbers: a hash of rule, path, enclosing item,
/// normalized flagged code and the occurrence number among identical ones, as baselines use.
pub fn sarif(
    diags: &[Diagnostic],
    files: &[SourceFile],
    suppressed: &[Diagnostic],
    repo: &RepoBase,
) -> String {
    let metas: Vec<&RuleMeta> = rules::all_meta().collect();
    let mut rules_json: Vec<Value> = metas.iter().map(|m| rule_json(m)).collect();
    let mut rule_index: HashMap<&str, usize> =
        metas.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    // A rule id the tool does not describe still gets a descriptor, so every ruleIndex is valid.
    for d in diags.iter().chain(suppressed) {
        if !rule_index.contains_key(d.rule) {
            rule_index.insert(d.rule, rules_json.len());
            rules_json.push(unknown_rule_json(d.rule));
        }
    }

    let all: Vec<&Diagnostic> = diags.iter().chain(suppressed).collect();
    let fingerprints = fingerprints(&all, files);
    let mut texts = Texts::new(files);
    let results: Vec<Value> = all
        .iter()
        .zip(fingerprints)
        .map(|(d, fp)| result_json(d, files, &mut texts, rule_index[d.rule], fp, repo))
        .collect();

    let version = env!("CARGO_PKG_VERSION");
    let mut log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cargo-async-lint",
                    "informationUri": INFORMATION_URI,
                    "semanticVersion": version,
                    "version": version,
                    "rules": rules_json,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    if let Some(uri) = &repo.root_uri {
        log["runs"][0]["originalUriBaseIds"] = json!({ SRCROOT: { "uri": uri } });
    }
    let mut out = serde_json::to_string_pretty(&log).expect("JSON of plain values");
    out.push('\n');
    out
}

fn rule_json(meta: &RuleMeta) -> Value {
    let full = why_is_this_bad(meta.doc).unwrap_or_else(|| meta.summary.to_string());
    json!({
        "id": meta.id,
        "name": camel_case(meta.id),
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": full },
        "help": { "text": meta.doc, "markdown": meta.doc },
        "defaultConfiguration": { "level": sarif_level(meta.default_level) },
        "properties": { "tags": ["async"] },
    })
}

fn unknown_rule_json(id: &str) -> Value {
    let text = format!("`{}`", code(id));
    json!({
        "id": id,
        "name": camel_case(id),
        "shortDescription": { "text": text },
        "fullDescription": { "text": text },
        "help": { "text": text, "markdown": text },
        "defaultConfiguration": { "level": "warning" },
        "properties": { "tags": ["async"] },
    })
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Allow => "none",
        Level::Warn => "warning",
        Level::Deny | Level::Forbid => "error",
    }
}

fn result_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// `await_in_loop` → `AwaitInLoop`.
fn camel_case(id: &str) -> String {
    id.split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn result_json(
    diag: &Diagnostic,
    files: &[SourceFile],
    texts: &mut Texts<'_>,
    rule_index: usize,
    fingerprint: String,
    repo: &RepoBase,
) -> Value {
    let text = texts.get(diag.file);
    let artifact = artifact_location(diag, files, repo);
    let location = |span: &Span| {
        json!({
            "physicalLocation": {
                "artifactLocation": artifact.clone(),
                "region": region(text.resolve(span)),
            }
        })
    };

    let mut message = diag.message.clone();
    if !diag.help.is_empty() {
        message.push('\n');
        for help in &diag.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
    }

    let mut result = json!({
        "ruleId": diag.rule,
        "ruleIndex": rule_index,
        "level": result_level(diag.severity),
        "message": { "text": message },
        "locations": [location(&diag.span)],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
    });
    let obj = result.as_object_mut().expect("an object");
    if !diag.secondary.is_empty() {
        let related: Vec<Value> = diag
            .secondary
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let mut loc = location(&label.span);
                loc["id"] = json!(i + 1);
                if !label.message.is_empty() {
                    loc["message"] = json!({ "text": label.message });
                }
                loc
            })
            .collect();
        obj.insert("relatedLocations".into(), Value::Array(related));
    }
    // A display-only suggestion is code to adapt, not an edit a tool may apply: no `fixes`.
    if let Some(s) = diag
        .suggestion
        .as_ref()
        .filter(|s| s.applicability != crate::diagnostic::Applicability::DisplayOnly)
    {
        let replacements: Vec<Value> = s
            .edits
            .iter()
            .map(|e| {
                json!({
                    "deletedRegion": region(text.resolve(&e.span)),
                    "insertedContent": { "text": e.replacement },
                })
            })
            .collect();
        let mut changes = vec![json!({
            "artifactLocation": artifact,
            "replacements": replacements,
        })];
        // Edits in other files: one artifact change per file, in file order.
        let mut elsewhere: Vec<&(usize, crate::diagnostic::Edit)> =
            diag.suggestion_elsewhere.iter().collect();
        elsewhere.sort_by_key(|(f, e)| (*f, e.span.byte_start));
        for group in elsewhere.chunk_by(|a, b| a.0 == b.0) {
            let file = group[0].0;
            if file >= files.len() {
                continue;
            }
            let other = Diagnostic {
                file,
                ..diag.clone()
            };
            let other_text = crate::render::Text::new(&files[file].text);
            let replacements: Vec<Value> = group
                .iter()
                .map(|(_, e)| {
                    json!({
                        "deletedRegion": region(other_text.resolve(&e.span)),
                        "insertedContent": { "text": e.replacement },
                    })
                })
                .collect();
            changes.push(json!({
                "artifactLocation": artifact_location(&other, files, repo),
                "replacements": replacements,
            }));
        }
        obj.insert(
            "fixes".into(),
            json!([{
                "description": { "text": s.message },
                "artifactChanges": changes,
                "properties": { "applicability": s.applicability.as_str() },
            }]),
        );
    }
    if let Some(reason) = &diag.suppressed {
        let mut suppression = json!({ "kind": "inSource" });
        if !reason.trim().is_empty() {
            suppression["justification"] = json!(reason.trim());
        }
        obj.insert("suppressions".into(), json!([suppression]));
    }
    result
}

fn region(at: Resolved) -> Value {
    json!({
        "startLine": at.line_start,
        "startColumn": at.column_start,
        "endLine": at.line_end,
        "endColumn": at.column_end,
    })
}

/// The file as a URI relative to `%SRCROOT%`; an absolute display path (a file outside the
/// directory paths are shown relative to) becomes an absolute `file://` URI.
fn artifact_location(diag: &Diagnostic, files: &[SourceFile], repo: &RepoBase) -> Value {
    let repo_path = repo.path(display_of(diag, files));
    let display = repo_path.as_str();
    if file_of(diag, files).is_some() && is_absolute(display) {
        let path = display.replace('\\', "/");
        let path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        return json!({ "uri": format!("file://{}", encode_path(&path)) });
    }
    let mut path = display;
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    json!({ "uri": encode_path(path), "uriBaseId": SRCROOT })
}

fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'/' | b'\\'))
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/` (UTF-8 bytes), so a
/// path with spaces, `#`, `%`, `:` or non-ASCII letters is a valid URI reference. A Windows
/// drive's `:` in an absolute path is kept.
pub(crate) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let drive = path.len() >= 3 && path.as_bytes()[0] == b'/' && path.as_bytes()[2] == b':';
    for (i, b) in path.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            || (drive && i == 2);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One fingerprint per diagnostic (same order): FNV-1a 64 of the baseline key (rule, path,
/// enclosing item, normalized code) and the occurrence number of that key, counted in source
/// order over all diagnostics, so identical findings in one item stay distinct.
fn fingerprints(all: &[&Diagnostic], files: &[SourceFile]) -> Vec<String> {
    let mut keys = Keys::new(files);
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by(|&a, &b| all[a].sort_key().cmp(&all[b].sort_key()));
    let mut seen: HashMap<crate::baseline::Key, u64> = HashMap::new();
    let mut out = vec![String::new(); all.len()];
    for i in order {
        let key = keys.key(all[i]);
        let mut h = Fnv::new();
        for part in [&key.rule, &key.path, &key.item, &key.code] {
            h.write(part.as_bytes());
            h.write(&[0xff]);
        }
        let n = seen.entry(key).or_insert(0);
        h.write(&n.to_le_bytes());
        *n += 1;
        out[i] = format!("{:016x}", h.0);
    }
    out
}

/// FNV-1a, 64 bits: a fixed, documented hash (std's `DefaultHasher` may change between
/// releases, and fingerprints must not).
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The "Why is this bad?" section of a rule's doc as plain text, whole paragraphs up to
/// GitHub's description limit; `None` if the doc has no such section.
fn why_is_this_bad(doc: &str) -> Option<String> {
    let mut lines = doc.lines().skip_while(|l| {
        !l.trim_start_matches('#')
            .trim()
            .eq_ignore_ascii_case("why is this bad?")
            || !l.starts_with('#')
    });
    lines.next()?;
    let section: Vec<&str> = lines.take_while(|l| !l.starts_with('#')).collect();
    let paragraphs = plain_paragraphs(&section);
    let mut out = String::new();
    for p in paragraphs {
        let sep = if out.is_empty() { 0 } else { 2 };
        if out.chars().count() + sep + p.chars().count() > MAX_DESCRIPTION_CHARS {
            if out.is_empty() {
                out = truncate_words(&p, MAX_DESCRIPTION_CHARS);
            }
            break;
        }
        if sep > 0 {
            out.push_str("\n\n");
        }
        out.push_str(&p);
    }
    // A last paragraph that introduces a list that did not fit says nothing on its own.
    if out.ends_with(':') {
        if let Some(i) = out.rfind("\n\n") {
            out.truncate(i);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Markdown lines → plain paragraphs: wrapped lines joined, list items on lines of their own,
/// inline markup (backticks, emphasis, links) removed, code blocks kept as they are.
fn plain_paragraphs(lines: &[&str]) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    let mut in_fence = false;
    let mut flush = |current: &mut String| {
        if !current.trim().is_empty() {
            paragraphs.push(current.trim_end().to_string());
        }
        current.clear();
    };
    for line in lines {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            flush(&mut current);
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            current.push_str(line);
            current.push('\n');
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut current);
            continue;
        }
        let item = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "));
        if let Some(item) = item {
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str("- ");
            current.push_str(&strip_inline(item));
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&strip_inline(trimmed));
        }
    }
    flush(&mut current);
    paragraphs
}

/// Removes backticks and `*` emphasis markers outside code, and turns `[text](url)` into `text`.
fn strip_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_code = false;
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '`' => in_code = !in_code,
            '*' if !in_code => {}
            '[' if !in_code => match link(rest) {
                Some((text, after)) => {
                    out.push_str(&strip_inline(text));
                    rest = after;
                }
                None => out.push('['),
            },
            c => out.push(c),
        }
    }
    out
}

/// After a `[`: the link text and what follows `](target)`, if this is a link.
fn link(s: &str) -> Option<(&str, &str)> {
    let close = s.find("](")?;
    let text = &s[..close];
    if text.contains('[') || text.contains(']') {
        return None;
    }
    let target = &s[close + 2..];
    let end = target.find(')')?;
    Some((text, &target[end + 1..]))
}

fn truncate_words(s: &str, max: usize) -> String {
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > 0 => &cut[..i],
        _ => &cut[..],
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Applicability, Edit, Suggestion};
    use crate::render::test_support::*;

    fn parse(out: &str) -> Value {
        serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    fn results(v: &Value) -> &Vec<Value> {
        v["runs"][0]["results"].as_array().unwrap()
    }

    fn fingerprint(r: &Value) -> &str {
        r["partialFingerprints"][FINGERPRINT_KEY].as_str().unwrap()
    }

    #[test]
    fn log_has_what_code_scanning_requires() {
        let files = [file("src/sync.rs", SYNC_RS)];
        let v = parse(&sarif(
            &[full_diag(), error(full_diag())],
            &files,
            &[],
            &RepoBase::default(),
        ));
        assert_eq!(v["version"], "2.1.0");
        assert_eq!(v["$schema"], SCHEMA);
        let run = &v["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "cargo-async-lint");
        assert_eq!(driver["informationUri"], INFORMATION_URI);
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));

        let rules = driver["rules"].as_array().unwrap();
        let ids: Vec<_> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let want: Vec<_> = rules::all_meta().map(|m| m.id).collect();
        assert_eq!(ids, want, "every rule, with or without findings");
        for (r, m) in rules.iter().zip(rules::all_meta()) {
            assert_eq!(r["shortDescription"]["text"], m.summary);
            let full = r["fullDescription"]["text"].as_str().unwrap();
            assert!(!full.is_empty() && full.chars().count() <= MAX_DESCRIPTION_CHARS);
            assert!(!full.contains('`') && !full.contains("##"), "{full}");
            assert_eq!(r["help"]["markdown"], m.doc);
            assert_eq!(r["help"]["text"], m.doc);
            assert_eq!(
                r["defaultConfiguration"]["level"],
                sarif_level(m.default_level)
            );
            assert_eq!(r["properties"]["tags"], json!(["async"]));
            assert!(r["name"]
                .as_str()
                .unwrap()
                .chars()
                .next()
                .unwrap()
                .is_uppercase());
        }
        let await_rule = rules.iter().find(|r| r["id"] == "await_in_loop").unwrap();
        assert_eq!(await_rule["name"], "AwaitInLoop");

        let rs = results(&v);
        assert_eq!(rs.len(), 2);
        let r = &rs[0];
        assert_eq!(r["ruleId"], "await_in_loop");
        assert_eq!(r["level"], "warning");
        assert_eq!(rs[1]["level"], "error");
        assert_eq!(
            r["message"]["text"],
            "each iteration waits for `fetch_user(id)` before starting the next\n\n\
             help: run them concurrently, at most 8 at a time"
        );
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "src/sync.rs");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(
            loc["region"],
            json!({"startLine": 3, "startColumn": 20, "endLine": 3, "endColumn": 40})
        );
        let rel = &r["relatedLocations"][0];
        assert_eq!(rel["id"], 1);
        assert_eq!(
            rel["message"]["text"],
            "the iterations do not depend on each other"
        );
        assert_eq!(rel["physicalLocation"]["region"]["startLine"], 2);
        assert_eq!(fingerprint(r).len(), 16);
        assert!(r.get("suppressions").is_none());

        let fix = &r["fixes"][0];
        assert_eq!(
            fix["description"]["text"],
            "collect the futures into a stream"
        );
        assert_eq!(fix["properties"]["applicability"], "MaybeIncorrect");
        let change = &fix["artifactChanges"][0];
        assert_eq!(change["artifactLocation"]["uri"], "src/sync.rs");
        let rep = &change["replacements"][0];
        assert_eq!(rep["deletedRegion"]["startLine"], 2);
        assert_eq!(rep["deletedRegion"]["endLine"], 5);
        assert!(rep["insertedContent"]["text"]
            .as_str()
            .unwrap()
            .starts_with("let users"));
    }

    #[test]
    fn display_only_suggestions_are_not_fixes() {
        use crate::diagnostic::{Applicability, Edit, Suggestion};
        let t = "async fn f() {}\n";
        let files = [file("a.rs", t)];
        let with = |a: Applicability| {
            Diagnostic::new("async_without_await", span_of(t, "f", 0), "m").with_suggestion(
                Suggestion {
                    message: "remove `async`".into(),
                    edits: vec![Edit {
                        span: span_of(t, "async ", 0),
                        replacement: String::new(),
                    }],
                    applicability: a,
                },
            )
        };
        let v = parse(&sarif(
            &[
                with(Applicability::DisplayOnly),
                with(Applicability::MachineApplicable),
            ],
            &files,
            &[],
            &RepoBase::default(),
        ));
        let rs = results(&v);
        assert!(rs[0].get("fixes").is_none());
        assert_eq!(
            rs[1]["fixes"][0]["properties"]["applicability"],
            "MachineApplicable"
        );
    }

    #[test]
    fn every_rule_index_points_at_its_rule() {
        let t = "fn a() { b(); c(); }\n";
        let files = [file("a.rs", t)];
        let mk =
            |rule: &'static str, needle: &str| Diagnostic::new(rule, span_of(t, needle, 0), "m");
        let diags = [
            mk("unused_suppression", "a"),
            mk("await_in_loop", "b()"),
            mk("some_future_rule", "c()"),
            mk("parse_error", "fn"),
        ];
        let sup = [mk("other_new_rule", "b")];
        let v = parse(&sarif(&diags, &files, &sup, &RepoBase::default()));
        let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), rules::all_meta().count() + 2);
        for r in results(&v) {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
            assert!(rules[i]["shortDescription"]["text"].is_string());
        }
    }

    #[test]
    fn fingerprints_survive_line_shifts_and_tell_code_apart() {
        let d = |text: &str, needle: &str, nth: usize| {
            Diagnostic::new("await_in_loop", span_of(text, needle, nth), "m")
        };
        let files = [file("src/sync.rs", SYNC_RS)];
        let before = parse(&sarif(
            &[d(SYNC_RS, "fetch_user(id).await", 0)],
            &files,
            &[],
            &RepoBase::default(),
        ));

        let moved = format!("use a::b;\n\n// comment\n{SYNC_RS}");
        let files2 = [file("src/sync.rs", &moved)];
        let after = parse(&sarif(
            &[d(&moved, "fetch_user(id).await", 0)],
            &files2,
            &[],
            &RepoBase::default(),
        ));
        let (r0, r1) = (&results(&before)[0], &results(&after)[0]);
        assert_ne!(
            r0["locations"][0]["physicalLocation"]["region"]["startLine"],
            r1["locations"][0]["physicalLocation"]["region"]["startLine"]
        );
        assert_eq!(fingerprint(r0), fingerprint(r1));

        // Different code, different file, different rule: different fingerprints.
        let changed = SYNC_RS.replace("fetch_user(id)", "fetch_team(id)");
        let files3 = [file("src/sync.rs", &changed)];
        let other = parse(&sarif(
            &[d(&changed, "fetch_team(id).await", 0)],
            &files3,
            &[],
            &RepoBase::default(),
        ));
        assert_ne!(fingerprint(r0), fingerprint(&results(&other)[0]));
        let renamed = [file("src/other.rs", SYNC_RS)];
        let other = parse(&sarif(
            &[d(SYNC_RS, "fetch_user(id).await", 0)],
            &renamed,
            &[],
            &RepoBase::default(),
        ));
        assert_ne!(fingerprint(r0), fingerprint(&results(&other)[0]));
        let mut rule = d(SYNC_RS, "fetch_user(id).await", 0);
        rule.rule = "detached_spawn";
        let other = parse(&sarif(&[rule], &files, &[], &RepoBase::default()));
        assert_ne!(fingerprint(r0), fingerprint(&results(&other)[0]));

        // Identical code twice in one fn: distinct, and stable across runs.
        let twice =
            "async fn f() {\n    for x in a { g(x).await; }\n    for x in b { g(x).await; }\n}\n";
        let files4 = [file("t.rs", twice)];
        let both = [d(twice, "g(x).await", 0), d(twice, "g(x).await", 1)];
        let out = sarif(&both, &files4, &[], &RepoBase::default());
        let v = parse(&out);
        assert_ne!(fingerprint(&results(&v)[0]), fingerprint(&results(&v)[1]));
        assert_eq!(out, sarif(&both, &files4, &[], &RepoBase::default()));
    }

    #[test]
    fn fnv_is_the_documented_hash() {
        let mut h = Fnv::new();
        h.write(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
        let mut h = Fnv::new();
        h.write(b"foobar");
        assert_eq!(h.0, 0x8594_4171_f739_67e8);
    }

    #[test]
    fn uris_are_relative_and_percent_encoded() {
        let t = "fn a() {}\n";
        let uri = |display: &str| {
            let files = [file(display, t)];
            let v = parse(&sarif(
                &[Diagnostic::new("r", span_of(t, "a", 0), "m")],
                &files,
                &[],
                &RepoBase::default(),
            ));
            let loc = v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
                ["artifactLocation"]
                .clone();
            (
                loc["uri"].as_str().unwrap().to_string(),
                loc["uriBaseId"].as_str().map(str::to_string),
            )
        };
        let srcroot = Some("%SRCROOT%".to_string());
        assert_eq!(
            uri("src/my file.rs"),
            ("src/my%20file.rs".into(), srcroot.clone())
        );
        assert_eq!(
            uri("./src/a#b%c:d[é].rs"),
            ("src/a%23b%25c%3Ad%5B%C3%A9%5D.rs".into(), srcroot.clone())
        );
        assert_eq!(uri("../x/y.rs"), ("../x/y.rs".into(), srcroot));
        assert_eq!(
            uri("/abs/my dir/z.rs"),
            ("file:///abs/my%20dir/z.rs".into(), None)
        );
        assert_eq!(uri("C:\\p q\\z.rs"), ("file:///C:/p%20q/z.rs".into(), None));
    }

    #[test]
    fn suppressed_results_carry_the_justification() {
        let files = [file("src/sync.rs", SYNC_RS)];
        let mut s = full_diag();
        s.suppressed = Some("each page depends on the previous cursor".into());
        let mut bare = full_diag();
        bare.suppressed = Some(String::new());
        let v = parse(&sarif(
            &[error(full_diag())],
            &files,
            &[s, bare],
            &RepoBase::default(),
        ));
        let rs = results(&v);
        assert_eq!(rs.len(), 3);
        assert!(rs[0].get("suppressions").is_none());
        assert_eq!(
            rs[1]["suppressions"],
            json!([{"kind": "inSource", "justification": "each page depends on the previous cursor"}])
        );
        assert_eq!(rs[2]["suppressions"], json!([{"kind": "inSource"}]));
        // The active finding and the suppressed identical ones are told apart.
        let fps: Vec<_> = rs.iter().map(fingerprint).collect();
        assert!(fps[0] != fps[1] && fps[1] != fps[2] && fps[0] != fps[2]);
    }

    #[test]
    fn full_description_is_plain_text_of_why_is_this_bad() {
        let doc = "# x\n\nSummary.\n\n## Why is this bad?\n\nIt `blocks` the *executor*,\nsee [tokio](https://tokio.rs) and a[0].\n\n- one\n- two `**x**`\n\n## Example\n\nnope\n";
        assert_eq!(
            why_is_this_bad(doc).unwrap(),
            "It blocks the executor, see tokio and a[0].\n\n- one\n- two **x**"
        );
        assert_eq!(why_is_this_bad("# x\n\nno section\n"), None);
        let long = format!(
            "## Why is this bad?\n\n{}\n\n{}\n",
            "word ".repeat(150),
            "more ".repeat(150)
        );
        let got = why_is_this_bad(&long).unwrap();
        assert_eq!(got.trim_end(), "word ".repeat(150).trim_end());
        let intro = format!(
            "## Why is this bad?\n\nFirst.\n\nIt is silent when:\n\n{}\n",
            "- case ".repeat(300)
        );
        assert_eq!(why_is_this_bad(&intro).unwrap(), "First.");
        let huge = format!("## Why is this bad?\n\n{}\n", "word ".repeat(400));
        let got = why_is_this_bad(&huge).unwrap();
        assert!(got.ends_with("word…") && got.chars().count() <= MAX_DESCRIPTION_CHARS);
    }

    #[test]
    fn empty_input_is_a_valid_log() {
        let v = parse(&sarif(&[], &[], &[], &RepoBase::default()));
        assert_eq!(results(&v).len(), 0);
        assert!(!v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn never_panics_on_hostile_spans() {
        for text in [NASTY_TEXT, "", "é\n"] {
            let files = [file("n.rs", text)];
            for span in hostile_spans(text) {
                let d = Diagnostic::new("r", span, "m")
                    .with_secondary(span, "")
                    .with_suggestion(Suggestion {
                        message: "s".into(),
                        edits: vec![Edit {
                            span,
                            replacement: "x".into(),
                        }],
                        applicability: Applicability::MachineApplicable,
                    });
                let bad = Diagnostic {
                    file: 4,
                    ..d.clone()
                };
                let v = parse(&sarif(
                    &[d, bad.clone()],
                    &files,
                    &[bad],
                    &RepoBase::default(),
                ));
                for r in results(&v) {
                    let region = &r["locations"][0]["physicalLocation"]["region"];
                    assert!(region["startLine"].as_u64().unwrap() >= 1);
                    assert!(region["startColumn"].as_u64().unwrap() >= 1);
                    assert!(region["endLine"].as_u64() >= region["startLine"].as_u64());
                    assert!(r["relatedLocations"][0].get("message").is_none());
                }
            }
        }
    }
}
