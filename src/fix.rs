//! Fixes as data, and the pure core of `--fix`.
//!
//! A [`Fix`] is what a finding's suggestion becomes: a title, an applicability and edits (byte
//! range + replacement) on one or more files. A fix is applied whole or not at all.
//!
//! * [`apply`]: edits on one text → the new text, which edits were applied and which were
//!   skipped (overlapping an earlier one, out of range, not on a char boundary).
//! * [`pick`]: the fixes of one round: applicable ones whose edits overlap no edit already
//!   picked, in the order of the findings.
//! * [`run_rounds`]: analyze → pick → apply → re-analyze, until nothing more applies or
//!   [`MAX_ROUNDS`] is reached; a round whose result does not parse is undone for the fixes
//!   that broke it. The analysis is a closure, so the loop runs in memory (tests, `--diff`) and
//!   knows nothing of the file system; the shell writes the result.
//! * [`removes_comment`]: an edit whose range deletes a comment the replacement does not keep
//!   is downgraded to `unsafe` ([`downgrade_comment_loss`]).

use crate::diagnostic::{Applicability, Diagnostic};
use std::collections::{BTreeMap, BTreeSet};

/// Rounds of analyze → apply before `--fix` stops (ruff and clippy use similar bounds).
pub const MAX_ROUNDS: usize = 10;

/// Which fixes are applied: `--fix` alone takes the safe ones, `--unsafe-fixes` adds the
/// `MaybeIncorrect` ones. Display-only suggestions are never applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Safe,
    Unsafe,
}

impl Mode {
    pub fn takes(self, a: Applicability) -> bool {
        match a {
            Applicability::MachineApplicable => true,
            Applicability::MaybeIncorrect => self == Mode::Unsafe,
            Applicability::DisplayOnly => false,
        }
    }
}

/// One replacement in one file: bytes `start..end` of file `file` become `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileEdit {
    pub file: usize,
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// A fix: all of its edits, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub rule: &'static str,
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<FileEdit>,
}

/// The fixes the findings carry, with comment-deleting edits downgraded. `text(file)` is the
/// text of a file index (`None`: unknown, and its fixes are dropped).
pub fn fixes_of<'t>(diags: &[Diagnostic], text: impl Fn(usize) -> Option<&'t str>) -> Vec<Fix> {
    let mut out = Vec::new();
    for d in diags {
        let Some(s) = &d.suggestion else { continue };
        if text(d.file).is_none() {
            continue;
        }
        if s.edits.is_empty() {
            continue;
        }
        let edits: Vec<FileEdit> = s
            .edits
            .iter()
            .map(|e| (d.file, e))
            .chain(d.suggestion_elsewhere.iter().map(|(f, e)| (*f, e)))
            .map(|(file, e)| FileEdit {
                file,
                start: e.span.byte_start,
                end: e.span.byte_end,
                replacement: e.replacement.clone(),
            })
            .collect();
        // A fix with an edit in a file we do not have is not applied.
        if edits.iter().any(|e| text(e.file).is_none()) {
            continue;
        }
        let mut applicability = s.applicability;
        let finding = (d.span.byte_start, d.span.byte_end);
        let about = |e: &FileEdit| {
            if e.file == d.file {
                finding
            } else {
                (usize::MAX, usize::MAX)
            }
        };
        if applicability == Applicability::MachineApplicable
            && edits
                .iter()
                .any(|e| text(e.file).is_some_and(|t| removes_comment(t, e, about(e))))
        {
            applicability = Applicability::MaybeIncorrect;
        }
        out.push(Fix {
            rule: d.rule,
            title: s.message.clone(),
            applicability,
            edits,
        });
    }
    out
}

/// Downgrade every `MachineApplicable` suggestion with an edit that deletes a comment to
/// `MaybeIncorrect`, so every output says what `--fix` will do.
pub fn downgrade_comment_loss<'t>(
    diags: &mut [Diagnostic],
    text: impl Fn(usize) -> Option<&'t str>,
) {
    for d in diags {
        let file = d.file;
        let finding = (d.span.byte_start, d.span.byte_end);
        let Some(s) = &mut d.suggestion else { continue };
        let Some(t) = text(file) else { continue };
        let removes = |t: &str, file: usize, e: &crate::diagnostic::Edit, about| {
            removes_comment(
                t,
                &FileEdit {
                    file,
                    start: e.span.byte_start,
                    end: e.span.byte_end,
                    replacement: e.replacement.clone(),
                },
                about,
            )
        };
        if s.applicability == Applicability::MachineApplicable
            && (s.edits.iter().any(|e| removes(t, file, e, finding))
                || d.suggestion_elsewhere.iter().any(|(f, e)| {
                    text(*f).is_some_and(|t| removes(t, *f, e, (usize::MAX, usize::MAX)))
                }))
        {
            s.applicability = Applicability::MaybeIncorrect;
        }
    }
}

/// Does the edit delete a comment (one that starts inside its range) that its replacement does
/// not contain word for word? A comment that overlaps `finding` (the finding's own span, e.g.
/// the unused `// async-lint: allow(..)` directive a fix removes) is what the fix is about.
pub fn removes_comment(text: &str, e: &FileEdit, finding: (usize, usize)) -> bool {
    let Some(removed) = text.get(e.start..e.end) else {
        return false;
    };
    let base = removed.as_ptr() as usize;
    comments(removed).iter().any(|c| {
        let start = e.start + (c.as_ptr() as usize - base);
        let end = start + c.len();
        let about_it = start < finding.1.max(finding.0.saturating_add(1)) && finding.0 < end;
        !about_it && !e.replacement.contains(c.trim_end())
    })
}

/// The comments of a piece of code (as text), lexing strings, raw strings and chars so that a
/// `//` inside a literal is not one. Unterminated literals or comments end at the end.
fn comments(code: &str) -> Vec<&str> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = code[i..].find('\n').map_or(b.len(), |n| i + n);
                out.push(&code[i..end]);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(&code[start..i.min(b.len())]);
            }
            b'"' => i = crate::parse::skip_string(b, i + 1),
            b'r' if is_raw_start(b, i) => {
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                // b[j] == '"'
                j += 1;
                loop {
                    match b.get(j) {
                        None => break,
                        Some(b'"')
                            if b[j + 1..]
                                .iter()
                                .take(hashes)
                                .filter(|c| **c == b'#')
                                .count()
                                == hashes =>
                        {
                            j += 1 + hashes;
                            break;
                        }
                        _ => j += 1,
                    }
                }
                i = j;
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{..}') or a lifetime ('a): skip a literal only.
                if b.get(i + 1) == Some(&b'\\') {
                    let end = code[i + 2..].find('\'').map_or(b.len(), |n| i + 2 + n + 1);
                    i = end;
                } else if let Some(c) = code[i + 1..].chars().next() {
                    let after = i + 1 + c.len_utf8();
                    i = if b.get(after) == Some(&b'\'') {
                        after + 1
                    } else {
                        i + 1
                    };
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// `r"`, `r#"`, `br"` (the `b` is an ordinary byte before), not part of an identifier.
fn is_raw_start(b: &[u8], i: usize) -> bool {
    let ident_before = i > 0
        && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
        && !(b[i - 1] == b'b'
            && (i < 2 || !(b[i - 2].is_ascii_alphanumeric() || b[i - 2] == b'_')));
    if ident_before {
        return false;
    }
    let mut j = i + 1;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    b.get(j) == Some(&b'"')
}

/// Do two edits on one text conflict? Overlapping ranges do; so do two insertions at one point
/// (their order would be a guess) and an insertion strictly inside a replaced range. An
/// insertion at either end of a replacement does not.
fn conflicts(a: (usize, usize), b: (usize, usize)) -> bool {
    let (a_empty, b_empty) = (a.0 == a.1, b.0 == b.1);
    match (a_empty, b_empty) {
        (true, true) => a.0 == b.0,
        (true, false) => b.0 < a.0 && a.0 < b.1,
        (false, true) => a.0 < b.0 && b.0 < a.1,
        (false, false) => a.0 < b.1 && b.0 < a.1,
    }
}

/// An edit that can be applied to `text`: in range and on char boundaries.
fn valid(text: &str, start: usize, end: usize) -> bool {
    start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end)
}

/// Apply edits (byte ranges of the original `text`) → (new text, indices of the edits applied,
/// indices skipped). Edits are taken in the order given; one that conflicts with an edit taken
/// before, or is out of range, is skipped. An edit equal to one taken before is a duplicate:
/// counted as applied, written once.
pub fn apply(text: &str, edits: &[(usize, usize, &str)]) -> (String, Vec<usize>, Vec<usize>) {
    let mut taken: Vec<usize> = Vec::new();
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    for (i, &(start, end, rep)) in edits.iter().enumerate() {
        if !valid(text, start, end) {
            skipped.push(i);
            continue;
        }
        if taken.iter().any(|&t| edits[t] == edits[i]) {
            applied.push(i);
            continue;
        }
        if taken
            .iter()
            .any(|&t| conflicts((edits[t].0, edits[t].1), (start, end)))
        {
            skipped.push(i);
            continue;
        }
        taken.push(i);
        applied.push(i);
        let _ = rep;
    }
    // Stable order for insertions next to replacements: by start, insertions first.
    taken.sort_by_key(|&t| (edits[t].0, edits[t].1));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for t in taken {
        let (start, end, rep) = edits[t];
        out.push_str(&text[at..start]);
        out.push_str(rep);
        at = end;
    }
    out.push_str(&text[at..]);
    (out, applied, skipped)
}

/// The fixes of one round, by index into `fixes`: each one applicable under `mode`, not in
/// `rejected`, with every edit valid on its file and none conflicting with an edit of a fix
/// picked before it (a fix whose edits all equal picked ones is picked too: the same fix,
/// reported twice).
pub fn pick<'t>(
    fixes: &[Fix],
    mode: Mode,
    rejected: &BTreeSet<Vec<FileEdit>>,
    text: impl Fn(usize) -> Option<&'t str>,
) -> Vec<usize> {
    let mut picked = Vec::new();
    let mut taken: Vec<&FileEdit> = Vec::new();
    'fixes: for (i, f) in fixes.iter().enumerate() {
        if !mode.takes(f.applicability) || rejected.contains(&f.edits) {
            continue;
        }
        for e in &f.edits {
            let Some(t) = text(e.file) else {
                continue 'fixes;
            };
            if !valid(t, e.start, e.end) {
                continue 'fixes;
            }
            if taken.iter().any(|x| {
                x.file == e.file && *x != e && conflicts((x.start, x.end), (e.start, e.end))
            }) {
                continue 'fixes;
            }
        }
        // A fix whose own edits conflict cannot be applied whole.
        let own = &f.edits;
        if own.iter().enumerate().any(|(a, x)| {
            own[a + 1..].iter().any(|y| {
                x.file == y.file && x != y && conflicts((x.start, x.end), (y.start, y.end))
            })
        }) {
            continue;
        }
        taken.extend(&f.edits);
        picked.push(i);
    }
    picked
}

/// One analysis of the current texts: the findings, and the key and text of each file index
/// the findings use.
pub struct Analysis<K> {
    pub diags: Vec<Diagnostic>,
    pub files: Vec<(K, String)>,
}

/// What the rounds did.
pub struct Fixed<K> {
    /// The analysis of the final texts: what remains.
    pub last: Analysis<K>,
    /// Every file changed: its original text and its final text.
    pub changed: BTreeMap<K, (String, String)>,
    /// Fixes applied, by rule.
    pub applied: BTreeMap<&'static str, usize>,
    /// Rounds that applied something.
    pub rounds: usize,
    /// Whether the bound was reached with fixes still applicable.
    pub hit_limit: bool,
    /// Fixes undone because their file no longer parsed.
    pub broken: usize,
}

/// The round loop: `analyze(overlay)` analyzes the files with the texts in `overlay` in place
/// of what it would otherwise read; each round applies the picked fixes and puts the new texts
/// in the overlay. Stops when nothing applies, or after `max_rounds` rounds.
pub fn run_rounds<K: Ord + Clone, E>(
    mode: Mode,
    max_rounds: usize,
    mut analyze: impl FnMut(&BTreeMap<K, String>) -> Result<Analysis<K>, E>,
) -> Result<Fixed<K>, E> {
    let mut overlay: BTreeMap<K, String> = BTreeMap::new();
    let mut originals: BTreeMap<K, String> = BTreeMap::new();
    let mut applied: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut rejected: BTreeSet<Vec<FileEdit>> = BTreeSet::new();
    let mut rounds = 0;
    let mut broken = 0;
    loop {
        let analysis = analyze(&overlay)?;
        let text = |f: usize| analysis.files.get(f).map(|(_, t)| t.as_str());
        let fixes = fixes_of(&analysis.diags, text);
        let mut picked = pick(&fixes, mode, &rejected, text);
        if picked.is_empty() || rounds == max_rounds {
            let hit_limit = !picked.is_empty();
            let changed = originals
                .into_iter()
                .filter_map(|(k, orig)| {
                    let now = overlay.remove(&k)?;
                    (now != orig).then_some((k, (orig, now)))
                })
                .collect();
            return Ok(Fixed {
                last: analysis,
                changed,
                applied,
                rounds,
                hit_limit,
                broken,
            });
        }
        // Apply; a file that parsed before and not after takes its fixes out of the round.
        let new_texts = loop {
            let texts = apply_picked(&fixes, &picked, &analysis.files);
            let bad: Vec<usize> = texts
                .iter()
                .filter(|(f, new)| parses(&analysis.files[**f].1) && !parses(new))
                .map(|(f, _)| *f)
                .collect();
            if bad.is_empty() {
                break texts;
            }
            // A fix that breaks a file on its own is rejected for good; if none does alone,
            // the combination is split: only the first fix on the file stays in this round.
            let touches = |i: usize, f: usize| fixes[i].edits.iter().any(|e| e.file == f);
            let mut drop: BTreeSet<usize> = BTreeSet::new();
            for &f in &bad {
                let on_file: Vec<usize> =
                    picked.iter().copied().filter(|&i| touches(i, f)).collect();
                let mut culprit = false;
                for &i in &on_file {
                    let alone = apply_picked(&fixes, &[i], &analysis.files);
                    if alone
                        .iter()
                        .any(|(g, new)| parses(&analysis.files[*g].1) && !parses(new))
                    {
                        rejected.insert(fixes[i].edits.clone());
                        broken += 1;
                        drop.insert(i);
                        culprit = true;
                    }
                }
                if !culprit {
                    drop.extend(on_file.iter().skip(1));
                }
            }
            picked.retain(|i| !drop.contains(i));
        };
        if picked.is_empty() {
            continue;
        }
        for &i in &picked {
            *applied.entry(fixes[i].rule).or_default() += 1;
        }
        for (f, new) in new_texts {
            let (key, old) = &analysis.files[f];
            originals.entry(key.clone()).or_insert_with(|| old.clone());
            overlay.insert(key.clone(), new);
        }
        rounds += 1;
    }
}

/// The new text of every file the picked fixes touch.
fn apply_picked<K>(
    fixes: &[Fix],
    picked: &[usize],
    files: &[(K, String)],
) -> BTreeMap<usize, String> {
    let mut by_file: BTreeMap<usize, Vec<(usize, usize, &str)>> = BTreeMap::new();
    for &i in picked {
        for e in &fixes[i].edits {
            by_file
                .entry(e.file)
                .or_default()
                .push((e.start, e.end, e.replacement.as_str()));
        }
    }
    by_file
        .into_iter()
        .map(|(f, edits)| (f, apply(&files[f].1, &edits).0))
        .collect()
}

fn parses(text: &str) -> bool {
    let ok = crate::parse::parse_file(text).is_ok();
    proc_macro2::extra::invalidate_current_thread_spans();
    ok
}

// ---- helpers for the suggestions of rules ---------------------------------------------------

/// What a suggestion that calls trait methods needs to import.
#[derive(Debug)]
pub enum Import {
    /// The file's `use` items name every trait already.
    Present,
    /// This insertion imports the missing ones.
    Add(crate::diagnostic::Edit),
    /// The code is inside an inline module, which a file-level import does not reach.
    Unreachable,
}

/// Wrap each spawn in `tokio_util::task::AbortOnDropHandle::new(..)`, so that dropping the
/// handle aborts the task: when the package has tokio-util with `rt` (`tokio_util::task` is
/// behind it; a feature another crate enables is not known). Maybe incorrect: the handle's
/// type changes.
pub fn abort_on_drop(
    cx: &crate::semantic::Cx,
    spawns: &[crate::diagnostic::Span],
    message: &str,
) -> Option<crate::diagnostic::Suggestion> {
    if spawns.is_empty() || !cx.krate.has_feature("tokio_util", &["rt", "full"]) {
        return None;
    }
    let edits = spawns
        .iter()
        .map(|s| crate::diagnostic::Edit {
            span: *s,
            replacement: format!(
                "tokio_util::task::AbortOnDropHandle::new({})",
                cx.snippet(*s)
            ),
        })
        .collect();
    Some(crate::diagnostic::Suggestion {
        message: message.into(),
        edits,
        applicability: Applicability::MaybeIncorrect,
    })
}

/// What a rewrite into a `futures` stream chain needs: `StreamExt` in scope (and `TryStreamExt`
/// for `try_collect`, with `tried`) and `futures` a dependency. Returns the import edit to add,
/// if any, and whether the rewrite can be applied (else it is display-only).
pub fn stream_traits(
    cx: &crate::semantic::Cx,
    tried: bool,
) -> (Option<crate::diagnostic::Edit>, bool) {
    let traits: &[&str] = if tried {
        &["StreamExt", "TryStreamExt"]
    } else {
        &["StreamExt"]
    };
    let (import, reachable) = match trait_imports(cx, "futures", traits) {
        Import::Add(e) => (Some(e), true),
        Import::Present => (None, true),
        Import::Unreachable => (None, false),
    };
    (import, reachable && cx.krate.depends_on("futures"))
}

/// The edit that imports the traits `names` of crate `krate` for their methods
/// (`use futures::{StreamExt as _, TryStreamExt as _};`), after the file's last top-level `use`
/// (or before its first item).
pub fn trait_imports(cx: &crate::semantic::Cx, krate: &str, names: &[&str]) -> Import {
    use quote::ToTokens;
    let text = cx.file.text;
    let items = &cx.file.ast.items;
    let imports: Vec<String> = items
        .iter()
        .filter(|i| matches!(i, syn::Item::Use(_)))
        .map(|u| u.to_token_stream().to_string())
        .collect();
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !imports.iter().any(|u| names_word(u, n)))
        .collect();
    if missing.is_empty() {
        return Import::Present;
    }
    let modules = cx
        .frames
        .iter()
        .filter(|f| matches!(f, crate::semantic::Frame::Mod { .. }))
        .count();
    if modules > 1 {
        return Import::Unreachable;
    }
    let line = match missing.as_slice() {
        [one] => format!("use {krate}::{one} as _;"),
        many => format!(
            "use {krate}::{{{}}};",
            many.iter()
                .map(|n| format!("{n} as _"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let last_use = items.iter().rfind(|i| matches!(i, syn::Item::Use(_)));
    let (at, replacement) = match (last_use, items.first()) {
        (Some(u), _) => (cx.span_of(u).byte_end, format!("\n{line}")),
        (None, Some(first)) => (cx.span_of(first).byte_start, format!("{line}\n\n")),
        (None, None) => return Import::Unreachable,
    };
    Import::Add(crate::diagnostic::Edit {
        span: cx.file.lines.span(text, at, at),
        replacement,
    })
}

/// Does `word` occur in `text` as a whole identifier?
fn names_word(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        !text[..i].chars().next_back().is_some_and(ident)
            && !text[i + word.len()..].chars().next().is_some_and(ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Span, Suggestion};

    #[test]
    fn apply_replaces_in_order_and_skips_overlaps() {
        let text = "let a = f(x).await;";
        let (out, applied, skipped) = apply(
            text,
            &[
                (8, 12, "g(y)"),
                (0, 3, "let mut"),
                (9, 10, "z"),
                (12, 18, ""),
            ],
        );
        assert_eq!(out, "let mut a = g(y);");
        assert_eq!(applied, [0, 1, 3]);
        assert_eq!(skipped, [2]);
    }

    #[test]
    fn insertions_at_one_point_conflict_but_not_at_a_replacements_end() {
        let (out, applied, skipped) = apply("ab", &[(1, 1, "x"), (1, 1, "y"), (0, 1, "A")]);
        assert_eq!(out, "Axb");
        assert_eq!((applied, skipped), (vec![0, 2], vec![1]));
        // The same insertion twice is one fix reported twice.
        let (out, applied, _) = apply("ab", &[(1, 1, "x"), (1, 1, "x")]);
        assert_eq!((out.as_str(), applied), ("axb", vec![0, 1]));
    }

    #[test]
    fn out_of_range_and_mid_char_edits_are_skipped() {
        let (out, applied, skipped) = apply("é", &[(1, 2, "x"), (0, 9, ""), (0, 2, "e")]);
        assert_eq!(out, "e");
        assert_eq!((applied, skipped), (vec![2], vec![0, 1]));
    }

    const NONE: (usize, usize) = (usize::MAX, usize::MAX);

    #[test]
    fn comments_in_the_range_make_an_edit_unsafe() {
        let text = "f(a, // keep\n b); let s = \"// not a comment\"; /* c */ x";
        let edit = |start, end, rep: &str| FileEdit {
            file: 0,
            start,
            end,
            replacement: rep.into(),
        };
        assert!(removes_comment(text, &edit(0, 18, "g()"), NONE));
        assert!(!removes_comment(
            text,
            &edit(0, 18, "g(a, // keep\n b)"),
            NONE
        ));
        let lit = text.find("let s").unwrap();
        let lit_end = text.find("; /*").unwrap();
        assert!(!removes_comment(text, &edit(lit, lit_end, ""), NONE));
        assert!(removes_comment(text, &edit(lit, text.len(), ""), NONE));
        assert!(!removes_comment(
            "r#\"//\"#; '/'; 'a",
            &edit(0, 16, ""),
            NONE
        ));
        // The comment the finding is about (an unused directive) is meant to go.
        let directive = "let a = 1;\n// async-lint: allow(x)\nlet b = 2;\n";
        let (ds, de) = (11, 34);
        assert!(!removes_comment(directive, &edit(ds, de + 1, ""), (ds, de)));
        assert!(removes_comment(directive, &edit(ds, de + 1, ""), NONE));
    }

    fn diag(
        rule: &'static str,
        start: usize,
        end: usize,
        rep: &str,
        a: Applicability,
    ) -> Diagnostic {
        let span = Span {
            byte_start: start,
            byte_end: end,
            ..Span::FILE_START
        };
        Diagnostic::new(rule, span, "m").with_suggestion(Suggestion {
            message: "fix".into(),
            edits: vec![Edit {
                span,
                replacement: rep.into(),
            }],
            applicability: a,
        })
    }

    #[test]
    fn pick_honours_mode_and_keeps_fixes_whole() {
        use Applicability::*;
        let texts = ["fn a() {} fn b() {}".to_string()];
        let text = |f: usize| texts.get(f).map(String::as_str);
        let mut two = diag("r", 0, 2, "", MachineApplicable);
        two.suggestion.as_mut().unwrap().edits.push(Edit {
            span: Span {
                byte_start: 10,
                byte_end: 12,
                ..Span::FILE_START
            },
            replacement: String::new(),
        });
        let diags = vec![
            two,
            diag("r", 11, 12, "x", MachineApplicable), // conflicts with the second edit above
            diag("r", 3, 4, "x", MaybeIncorrect),
            diag("r", 5, 6, "x", DisplayOnly),
        ];
        let fixes = fixes_of(&diags, text);
        assert_eq!(pick(&fixes, Mode::Safe, &BTreeSet::new(), text), [0]);
        assert_eq!(pick(&fixes, Mode::Unsafe, &BTreeSet::new(), text), [0, 2]);
    }

    #[test]
    fn rounds_repeat_until_nothing_applies_and_are_bounded() {
        // A fake analysis: every `aa` is a finding whose fix makes it `a`.
        let analyze =
            |overlay: &BTreeMap<&'static str, String>| -> Result<Analysis<&'static str>, ()> {
                let text = overlay
                    .get("f.rs")
                    .cloned()
                    .unwrap_or_else(|| "fn aaaa() {}".into());
                let diags = text
                    .find("aa")
                    .map(|i| diag("r", i, i + 2, "a", Applicability::MachineApplicable))
                    .into_iter()
                    .collect();
                Ok(Analysis {
                    diags,
                    files: vec![("f.rs", text)],
                })
            };
        let fixed = run_rounds(Mode::Safe, MAX_ROUNDS, analyze).unwrap();
        assert_eq!(fixed.changed["f.rs"].1, "fn a() {}");
        assert_eq!(
            (fixed.rounds, fixed.applied["r"], fixed.hit_limit),
            (3, 3, false)
        );
        assert!(fixed.last.diags.is_empty());
        let bounded = run_rounds(Mode::Safe, 1, analyze).unwrap();
        assert_eq!(bounded.changed["f.rs"].1, "fn aaa() {}");
        assert!(bounded.hit_limit && bounded.last.diags.len() == 1);
    }

    #[test]
    fn a_fix_that_breaks_the_parse_is_undone() {
        let analyze = |overlay: &BTreeMap<u8, String>| -> Result<Analysis<u8>, ()> {
            let text = overlay
                .get(&0)
                .cloned()
                .unwrap_or_else(|| "fn f() {}".into());
            let diags = if text.contains("fn f") {
                vec![
                    diag("bad", 8, 9, "", Applicability::MachineApplicable),
                    diag("good", 3, 4, "g", Applicability::MachineApplicable),
                ]
            } else {
                Vec::new()
            };
            Ok(Analysis {
                diags,
                files: vec![(0, text)],
            })
        };
        let fixed = run_rounds(Mode::Safe, MAX_ROUNDS, analyze).unwrap();
        assert_eq!(fixed.changed[&0].1, "fn g() {}");
        assert_eq!((fixed.broken, fixed.applied.get("bad")), (1, None));
    }
}
