//! Every entry of the API catalog (`src/semantic/known/`) is exercised by a fixture line,
//! flagged or not: an entry no test needs is an entry nobody can tell is right.

use async_lint::semantic::known::{Kind, LISTS};
use std::path::{Path, PathBuf};

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            fixture_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `word` occurs in `text` as a whole identifier (not inside a longer one).
fn has_word(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// The part of a line before a `//` comment (close enough for fixtures).
fn code_of(line: &str) -> &str {
    line.find("//").map_or(line, |i| &line[..i])
}

fn exercised(kind: Kind, entry: &str, files: &[(PathBuf, String)]) -> bool {
    files.iter().any(|(_, text)| match kind {
        Kind::Paths | Kind::Modules => {
            let segments: Vec<&str> = entry.split("::").collect();
            let (krate, item) = (segments[0], segments[segments.len() - 1]);
            has_word(text, krate) && text.lines().any(|l| has_word(code_of(l), item))
        }
        Kind::Methods => text.lines().any(|l| has_word(code_of(l), entry)),
        Kind::Words => text.to_lowercase().contains(&entry.to_lowercase()),
    })
}

#[test]
fn every_catalog_entry_is_exercised_by_a_fixture() {
    let mut paths = Vec::new();
    fixture_files(Path::new("fixtures"), &mut paths);
    let files: Vec<(PathBuf, String)> = paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    let mut missing = Vec::new();
    for list in LISTS {
        assert!(!list.entries.is_empty(), "{} is empty", list.name);
        for entry in list.entries {
            if !exercised(list.kind, entry, &files) {
                missing.push(format!("{} :: {entry}", list.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "catalog entries no fixture exercises (add a fixture line or remove the entry):\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn catalog_paths_are_paths() {
    for list in LISTS.iter().filter(|l| l.kind == Kind::Paths) {
        for entry in list.entries {
            assert!(
                entry.contains("::") && !entry.starts_with("::") && !entry.ends_with("::"),
                "{}: `{entry}` is not a crate path",
                list.name
            );
        }
    }
}
