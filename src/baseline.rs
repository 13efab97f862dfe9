// Baselines: adopting the tool on a legacy codebase without fixing everything first.
//
// `--update-baseline FILE` records every current finding; `--baseline FILE` hides the findings
// recorded there, so only new ones fail the build; entries that no longer match anything are
// reported so the file can be pruned. Pure: the shell reads and writes the file.
//
// An entry is keyed by what a finding *is*, not where it is: (rule, file, enclosing item,
// normalized source of the flagged code), with a count for identical keys. Line numbers are not
// part of the key, so inserting code above a finding, or reformatting it, keeps it matched.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::source::Text;

/// The `version` written to and accepted from baseline files.
pub const BASELINE_VERSION: u32 = 1;
const TOOL: &str = "cargo-async-lint";
/// The item of a finding outside any fn / impl / mod (or in a file that does not parse).
pub const FILE_ITEM: &str = crate::semantic::items::FILE_ITEM;
/// The longest normalized code kept in a key, in chars.
const MAX_CODE_CHARS: usize = 200;

/// The identity of a finding in a baseline.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Key {
    /// Canonical rule id.
    pub rule: String,
    /// The file's display path (repo-relative, `/` separators).
    pub path: String,
    /// The enclosing item's path, e.g. `fn main`, `impl Client::fetch_all`,
    /// `mod net::impl Client::connect`, or `<file>`.
    pub item: String,
    /// The flagged source text, normalized (see [`normalize_code`]).
    pub code: String,
}

impl Key {
    fn sort_key(&self) -> (&str, &str, &str, &str) {
        (&self.path, &self.item, &self.rule, &self.code)
    }
}

/// Ordered by file, item, rule, code: the order of the baseline file.
impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// `src/net.rs: async_lint::await_in_loop in impl Client::connect: `fetch(id).await``
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: async_lint::{} in {}: `{}`",
            self.path, self.rule, self.item, self.code
        )
    }
}

/// Recorded findings: how many of each [`Key`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: BTreeMap<Key, usize>,
}

/// The result of [`Baseline::apply`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings not in the baseline (in the given order): report them.
    pub new: Vec<Diagnostic>,
    /// Findings the baseline hides (in the given order).
    pub hidden: Vec<Diagnostic>,
    /// Entries for files of this run that matched fewer findings than recorded, with how many
    /// were not matched: the baseline can be pruned (`--update-baseline`).
    pub stale: Vec<(Key, usize)>,
    /// Entries for files that are not part of this run (deleted, renamed, or not selected by
    /// the PATH arguments), with their counts. Stale too when the run covered the whole
    /// workspace; unknown when it covered only some paths.
    pub outside: Vec<(Key, usize)>,
}

/// The file format: a header, then one object per key.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileJson {
    version: u32,
    #[serde(default)]
    tool: Option<String>,
    findings: Vec<EntryJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryJson {
    rule: String,
    path: String,
    item: String,
    code: String,
    #[serde(default = "one")]
    count: usize,
}

fn one() -> usize {
    1
}

impl Baseline {
    /// Records `diags` (findings hidden by a suppression comment are skipped: they do not fail
    /// the build anyway). The enclosing item of each finding is the one the analysis recorded
    /// ([`Diagnostic::item`]); nothing is parsed here.
    pub fn from_findings(diags: &[Diagnostic], files: &[SourceFile]) -> Baseline {
        let mut keys = Keys::new(files);
        let mut entries = BTreeMap::new();
        for diag in diags.iter().filter(|d| d.suppressed.is_none()) {
            *entries.entry(keys.key(diag)).or_insert(0) += 1;
        }
        Baseline { entries }
    }

    /// The number of findings recorded.
    pub fn len(&self) -> usize {
        self.entries.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every key with its count, in file order.
    pub fn entries(&self) -> impl Iterator<Item = (&Key, usize)> {
        self.entries.iter().map(|(k, n)| (k, *n))
    }

    /// Pretty JSON, sorted by file, item, rule and code, ending with a newline:
    /// `{"version": 1, "tool": "cargo-async-lint", "findings": [{"rule", "path", "item",
    /// "code", "count"}, ...]}`.
    pub fn to_json(&self) -> String {
        let file = FileJson {
            version: BASELINE_VERSION,
            tool: Some(TOOL.to_string()),
            findings: self
                .entries
                .iter()
                .map(|(k, n)| EntryJson {
                    rule: k.rule.clone(),
                    path: k.path.clone(),
                    item: k.item.clone(),
                    code: k.code.clone(),
                    count: *n,
                })
                .collect(),
        };
        let mut out = serde_json::to_string_pretty(&file).expect("JSON of plain structs");
        out.push('\n');
        out
    }

    /// Reads what [`Baseline::to_json`] wrote. Entries with the same key add up; `count`
    /// defaults to 1.
    pub fn from_json(text: &str) -> Result<Baseline, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        match value.get("version") {
            Some(serde_json::Value::Number(n)) if n.as_u64() == Some(BASELINE_VERSION.into()) => {}
            Some(v) => {
                return Err(format!(
                    "unsupported baseline version {v} (this version of {TOOL} reads version \
                     {BASELINE_VERSION}); regenerate it with `--update-baseline`"
                ))
            }
            None if value.is_object() => {
                return Err(format!("not a {TOOL} baseline: missing field `version`"))
            }
            None => {
                return Err(format!(
                    "not a {TOOL} baseline: expected a JSON object with `version` and `findings`"
                ))
            }
        }
        let file: FileJson = serde_json::from_value(value)
            .map_err(|e| format!("not a valid {TOOL} baseline: {e}"))?;
        if let Some(tool) = file.tool.as_deref().filter(|t| *t != TOOL) {
            return Err(format!("not a {TOOL} baseline: it was written by `{tool}`"));
        }
        let mut entries = BTreeMap::new();
        for (i, e) in file.findings.into_iter().enumerate() {
            if e.count == 0 {
                return Err(format!(
                    "finding #{} ({} in {}): `count` must be at least 1",
                    i + 1,
                    e.rule,
                    e.path
                ));
            }
            let key = Key {
                rule: e.rule,
                path: e.path,
                item: e.item,
                code: e.code,
            };
            let n: &mut usize = entries.entry(key).or_insert(0);
            *n = n.checked_add(e.count).ok_or_else(|| {
                format!(
                    "finding #{}: the counts of identical entries overflow",
                    i + 1
                )
            })?;
        }
        Ok(Baseline { entries })
    }

    /// Splits `diags` into findings the baseline does not know (`new`) and those it records
    /// (`hidden`), both in the given order. With 2 identical findings recorded and 3 now, the
    /// first 2 are hidden and the third is new. Unmatched entries are `stale` (for files of
    /// this run) or `outside` (other files).
    pub fn apply(&self, diags: Vec<Diagnostic>, files: &[SourceFile]) -> Applied {
        let mut keys = Keys::new(files);
        let mut remaining = self.entries.clone();
        let mut applied = Applied::default();
        for diag in diags {
            match remaining.get_mut(&keys.key(&diag)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    applied.hidden.push(diag);
                }
                _ => applied.new.push(diag),
            }
        }
        let linted: BTreeSet<&str> = files.iter().map(|f| f.display.as_str()).collect();
        for (key, n) in remaining {
            if n == 0 {
                continue;
            }
            if linted.contains(key.path.as_str()) {
                applied.stale.push((key, n));
            } else {
                applied.outside.push((key, n));
            }
        }
        applied
    }
}

/// Computes [`Key`]s from findings and their files' texts (never parsing: the enclosing item
/// comes with the finding).
pub(crate) struct Keys<'f> {
    files: &'f [SourceFile],
    texts: HashMap<usize, Text<'f>>,
}

impl<'f> Keys<'f> {
    pub(crate) fn new(files: &'f [SourceFile]) -> Keys<'f> {
        Keys {
            files,
            texts: HashMap::new(),
        }
    }

    pub(crate) fn key(&mut self, diag: &Diagnostic) -> Key {
        let Some(file) = self.files.get(diag.file) else {
            return Key {
                rule: diag.rule.to_string(),
                path: "<unknown>".to_string(),
                item: FILE_ITEM.to_string(),
                code: String::new(),
            };
        };
        let text = self
            .texts
            .entry(diag.file)
            .or_insert_with(|| Text::new(&file.text));
        let at = text.resolve(&diag.span);
        let mut code = normalize_code(&file.text[at.range()]);
        if code.is_empty() {
            // An empty span (an insertion point): the line it is on says what it is.
            code = normalize_code(text.line(at.line_start));
        }
        let item = diag.item.clone().unwrap_or_else(|| FILE_ITEM.to_string());
        Key {
            rule: diag.rule.to_string(),
            path: file.display.clone(),
            item,
            code,
        }
    }
}

/// Source text made insensitive to formatting: whitespace (including line breaks and
/// indentation) is dropped, except one space where it separates two word characters
/// (`let x`, `async move`), so `client\n    .get(url)\n    .send()` and `client.get( url ).send()`
/// read the same. At most 200 chars are kept.
pub fn normalize_code(text: &str) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    let mut kept = 0;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && is_word(c) && out.chars().next_back().is_some_and(is_word) {
            if kept + 1 >= MAX_CODE_CHARS {
                break;
            }
            out.push(' ');
            kept += 1;
        }
        pending_space = false;
        if kept >= MAX_CODE_CHARS {
            break;
        }
        out.push(c);
        kept += 1;
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_support::*;

    const NET_RS: &str = "\
use std::time::Duration;

mod net {
    pub struct Client;

    impl Client {
        pub async fn connect(&self, ids: Vec<u32>) {
            for id in ids {
                fetch(id).await;
            }
        }
    }
}

async fn main() {
    for id in ids() {
        fetch(id).await;
    }
}
";

    /// A finding at the `nth` `needle`, with the enclosing item the analysis records.
    fn at(text: &str, needle: &str, nth: usize) -> Diagnostic {
        let mut d = Diagnostic::new("await_in_loop", span_of(text, needle, nth), "m");
        d.item = crate::analyze::item_at(text, d.span.line_start);
        d
    }

    fn keys(diags: &[Diagnostic], files: &[SourceFile]) -> Vec<Key> {
        let mut k = Keys::new(files);
        diags.iter().map(|d| k.key(d)).collect()
    }

    #[test]
    fn keys_name_the_enclosing_item() {
        let files = [file("src/net.rs", NET_RS)];
        let got = keys(
            &[
                at(NET_RS, "fetch(id).await", 0),
                at(NET_RS, "fetch(id).await", 1),
                at(NET_RS, "std::time", 0),
                at(NET_RS, "Client;", 0),
            ],
            &files,
        );
        let items: Vec<_> = got.iter().map(|k| k.item.as_str()).collect();
        assert_eq!(
            items,
            [
                "mod net::impl Client::connect",
                "fn main",
                "<file>",
                "mod net"
            ]
        );
        assert_eq!(got[0].code, "fetch(id).await");
        assert_eq!(got[0].path, "src/net.rs");
        assert_eq!(got[0].rule, "await_in_loop");
    }

    #[test]
    fn item_paths_of_traits_generics_and_nested_fns() {
        let t = "\
impl<K: Ord, V> Store for Map<K, V> {
    async fn get(&self) { a().await; }
}
trait Store {
    async fn get(&self) { b().await; }
}
impl<'a> Client<&'a mut Vec<u8>> { fn f() { c(); } }
fn outer() {
    fn inner() { d(); }
    e();
}
";
        let files = [file("s.rs", t)];
        let got = keys(
            &[
                at(t, "a()", 0),
                at(t, "b()", 0),
                at(t, "c()", 0),
                at(t, "d()", 0),
                at(t, "e()", 0),
            ],
            &files,
        );
        let items: Vec<_> = got.iter().map(|k| k.item.as_str()).collect();
        assert_eq!(
            items,
            [
                "impl Store for Map<K, V>::get",
                "trait Store::get",
                "impl Client<&'a mut Vec<u8>>::f",
                "fn outer::fn inner",
                "fn outer"
            ]
        );
    }

    #[test]
    fn unparsable_or_missing_files_use_the_file_item() {
        let t = "fn broken( {\n    x.await\n";
        let files = [file("b.rs", t)];
        let mut d = at(t, "x.await", 0);
        assert_eq!(keys(&[d.clone()], &files)[0].item, "<file>");
        d.file = 5;
        let k = &keys(&[d], &files)[0];
        assert_eq!((k.path.as_str(), k.item.as_str()), ("<unknown>", "<file>"));
    }

    #[test]
    fn normalization_ignores_formatting() {
        assert_eq!(
            normalize_code("client\n        .get( url )\n        .send()"),
            "client.get(url).send()"
        );
        assert_eq!(
            normalize_code("  let   mut x\t=  async move {}"),
            "let mut x=async move{}"
        );
        assert_eq!(normalize_code(""), "");
        let long = "a ".repeat(300);
        assert_eq!(normalize_code(&long).chars().count(), 199);
        assert_eq!(normalize_code(&"é".repeat(300)).chars().count(), 200);
    }

    #[test]
    fn survives_lines_inserted_above_and_reformatting() {
        let old = NET_RS;
        let files = [file("src/net.rs", old)];
        let base = Baseline::from_findings(&[at(old, "fetch(id).await", 0)], &files);

        let new = format!(
            "// header\n\n{}",
            old.replace(
                "                fetch(id).await;",
                "                fetch( id )\n                    .await;",
            )
        );
        let files = [file("src/net.rs", &new)];
        let d = at(&new, "fetch( id )\n                    .await", 0);
        assert_eq!(d.span.line_start, 11);
        let applied = base.apply(vec![d], &files);
        assert_eq!(applied.hidden.len(), 1);
        assert!(applied.new.is_empty() && applied.stale.is_empty());
    }

    #[test]
    fn new_code_or_another_fn_is_new_and_unmatched_entries_are_stale() {
        let files = [file("src/net.rs", NET_RS)];
        let base = Baseline::from_findings(&[at(NET_RS, "fetch(id).await", 0)], &files);

        // Same code in another fn: new; the recorded one is gone: stale.
        let applied = base.apply(vec![at(NET_RS, "fetch(id).await", 1)], &files);
        assert_eq!(applied.new.len(), 1);
        assert!(applied.hidden.is_empty());
        assert_eq!(applied.stale.len(), 1);
        assert_eq!(applied.stale[0].0.item, "mod net::impl Client::connect");
        assert_eq!(applied.stale[0].1, 1);

        // Different code in the same fn: new.
        let changed = NET_RS.replacen("fetch(id).await", "fetch_all(id).await", 1);
        let files2 = [file("src/net.rs", &changed)];
        let applied = base.apply(vec![at(&changed, "fetch_all(id).await", 0)], &files2);
        assert_eq!((applied.new.len(), applied.stale.len()), (1, 1));

        // Another rule on the same code: new.
        let mut other = at(NET_RS, "fetch(id).await", 0);
        other.rule = "detached_spawn";
        assert_eq!(base.apply(vec![other], &files).new.len(), 1);

        // Another file: new; the entry's file is not in the run: outside, not stale.
        let files3 = [file("src/other.rs", NET_RS)];
        let applied = base.apply(vec![at(NET_RS, "fetch(id).await", 0)], &files3);
        assert_eq!(applied.new.len(), 1);
        assert!(applied.stale.is_empty());
        assert_eq!(applied.outside.len(), 1);

        // Nothing at all now: the entry is stale.
        let applied = base.apply(Vec::new(), &files);
        assert_eq!(applied.stale.len(), 1);
    }

    #[test]
    fn counts_per_key() {
        let t = "async fn f() {\n    for x in a { g(x).await; }\n    for x in b { g(x).await; }\n    for x in c { g(x).await; }\n}\n";
        let files = [file("c.rs", t)];
        let d = |n| at(t, "g(x).await", n);
        let base = Baseline::from_findings(&[d(0), d(1)], &files);
        assert_eq!(base.len(), 2);
        assert_eq!(base.entries().count(), 1);
        assert!(base.to_json().contains("\"count\": 2"));

        let applied = base.apply(vec![d(0), d(1), d(2)], &files);
        assert_eq!(applied.hidden.len(), 2);
        assert_eq!(applied.new, vec![d(2)]);
        assert!(applied.stale.is_empty());

        let applied = base.apply(vec![d(1)], &files);
        assert_eq!(applied.hidden.len(), 1);
        assert_eq!(applied.stale.len(), 1);
        assert_eq!(applied.stale[0].1, 1);
    }

    #[test]
    fn suppressed_findings_are_not_recorded() {
        let files = [file("src/net.rs", NET_RS)];
        let mut d = at(NET_RS, "fetch(id).await", 0);
        d.suppressed = Some("on purpose".into());
        assert!(Baseline::from_findings(&[d], &files).is_empty());
    }

    #[test]
    fn json_round_trip_is_sorted_and_stable() {
        let files = [file("src/z.rs", NET_RS), file("src/a.rs", NET_RS)];
        let mut b = at(NET_RS, "fetch(id).await", 1);
        b.file = 1;
        let diags = [
            at(NET_RS, "fetch(id).await", 0),
            b,
            at(NET_RS, "fetch(id).await", 1),
        ];
        let base = Baseline::from_findings(&diags, &files);
        let json = base.to_json();
        assert!(
            json.starts_with(
                "{\n  \"version\": 1,\n  \"tool\": \"cargo-async-lint\",\n  \"findings\": ["
            ),
            "{json}"
        );
        assert!(json.ends_with("}\n"));
        assert!(json.find("src/a.rs").unwrap() < json.find("src/z.rs").unwrap());
        let back = Baseline::from_json(&json).unwrap();
        assert_eq!(back, base);
        assert_eq!(back.to_json(), json);
        // Same findings in another order: the same file.
        let mut reversed = diags.to_vec();
        reversed.reverse();
        assert_eq!(Baseline::from_findings(&reversed, &files).to_json(), json);
        assert_eq!(
            Baseline::default().to_json(),
            "{\n  \"version\": 1,\n  \"tool\": \"cargo-async-lint\",\n  \"findings\": []\n}\n"
        );
    }

    #[test]
    fn hand_written_files_merge_duplicates_and_default_count() {
        let text = r#"{"version": 1, "findings": [
            {"rule": "r", "path": "p", "item": "fn f", "code": "x"},
            {"rule": "r", "path": "p", "item": "fn f", "code": "x", "count": 2}
        ]}"#;
        let b = Baseline::from_json(text).unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(b.entries().count(), 1);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let err = |t: &str| Baseline::from_json(t).unwrap_err();
        assert!(err("").starts_with("not valid JSON"), "{}", err(""));
        assert!(
            err("{\"version\": 1,").contains("line 1"),
            "{}",
            err("{\"version\": 1,")
        );
        assert!(err("[]").contains("expected a JSON object"));
        assert!(err("{}").contains("missing field `version`"));
        assert!(
            err("{\"version\": 2, \"findings\": []}").contains("unsupported baseline version 2")
        );
        assert!(err("{\"version\": \"1\", \"findings\": []}")
            .contains("unsupported baseline version \"1\""));
        assert!(err("{\"version\": 1}").contains("missing field `findings`"));
        assert!(
            err("{\"version\": 1, \"tool\": \"clippy\", \"findings\": []}")
                .contains("written by `clippy`")
        );
        let e = err(r#"{"version": 1, "findings": [{"rule": "r", "path": "p", "item": "i"}]}"#);
        assert!(e.contains("missing field `code`"), "{e}");
        let e = err(
            r#"{"version": 1, "findings": [{"rule": "r", "path": "p", "item": "i", "code": "c", "count": 0}]}"#,
        );
        assert!(e.contains("#1") && e.contains("at least 1"), "{e}");
        let e = err(
            r#"{"version": 1, "findings": [{"rule": "r", "path": "p", "item": "i", "code": "c", "line": 3}]}"#,
        );
        assert!(e.contains("unknown field `line`"), "{e}");
        let e = err(&format!(
            r#"{{"version": 1, "findings": [{{"rule": "r", "path": "p", "item": "i", "code": "c", "count": {m}}}, {{"rule": "r", "path": "p", "item": "i", "code": "c", "count": {m}}}]}}"#,
            m = usize::MAX
        ));
        assert!(e.contains("#2") && e.contains("overflow"), "{e}");
    }

    #[test]
    fn never_panics_on_hostile_spans() {
        for text in [NASTY_TEXT, "", NET_RS] {
            let files = [file("n.rs", text)];
            let diags: Vec<_> = hostile_spans(text)
                .into_iter()
                .map(|s| Diagnostic::new("r", s, "m"))
                .collect();
            let base = Baseline::from_findings(&diags, &files);
            let applied = base.apply(diags.clone(), &files);
            assert_eq!(applied.hidden.len(), diags.len());
            assert!(applied.new.is_empty() && applied.stale.is_empty());
        }
    }
}
