//! `--diff-base REV`: report only findings on lines changed since a git revision.
//!
//! [`parse_unified_diff`] is pure (the text of `git diff --unified=0`); [`changed_lines`] is the
//! shell half that runs git.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Changed line ranges (1-based, inclusive) per file, by path relative to the repository root.
/// A file mapped to `None` is wholly new (every line counts as changed).
pub type ChangedLines = HashMap<PathBuf, Option<Vec<(u32, u32)>>>;

/// Parse `git diff --unified=0` output: for each `+++ b/path`, the `@@ -a,b +c,d @@` hunks'
/// new-side ranges. Deleted files and pure deletions add nothing.
pub fn parse_unified_diff(text: &str) -> ChangedLines {
    let mut out: ChangedLines = HashMap::new();
    let mut current: Option<PathBuf> = None;
    let mut new_file = false;
    for line in text.lines() {
        if line.starts_with("diff --git ") {
            current = None;
            new_file = false;
        } else if line.starts_with("new file mode") {
            new_file = true;
        } else if let Some(path) = line.strip_prefix("+++ ") {
            current = if path == "/dev/null" {
                None
            } else {
                let p = path.strip_prefix("b/").unwrap_or(path);
                Some(PathBuf::from(unquote(p)))
            };
            if let Some(p) = &current {
                let entry = out.entry(p.clone()).or_insert_with(|| Some(Vec::new()));
                if new_file {
                    *entry = None;
                }
            }
        } else if let Some(rest) = line.strip_prefix("@@ ") {
            let Some(p) = &current else { continue };
            // `-a,b +c,d @@ ...`
            let Some(plus) = rest.split_whitespace().find(|t| t.starts_with('+')) else {
                continue;
            };
            let spec = &plus[1..];
            let (start, count) = match spec.split_once(',') {
                Some((s, c)) => (s.parse::<u32>().ok(), c.parse::<u32>().ok()),
                None => (spec.parse::<u32>().ok(), Some(1)),
            };
            if let (Some(start), Some(count)) = (start, count) {
                if count > 0 {
                    if let Some(Some(ranges)) = out.get_mut(p) {
                        ranges.push((start, start + count - 1));
                    }
                }
            }
        }
    }
    out
}

/// git quotes unusual paths as C strings (`"a\tb.rs"`); undo the common escapes.
fn unquote(p: &str) -> String {
    let Some(inner) = p.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return p.to_string();
    };
    let inner = inner.strip_prefix("b/").unwrap_or(inner);
    inner
        .replace("\\t", "\t")
        .replace("\\n", "\n")
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
}

/// Is `line` of the file at `rel` (relative to the repository root) changed?
pub fn is_changed(changed: &ChangedLines, rel: &Path, line: u32) -> bool {
    match changed.get(rel) {
        None => false,
        Some(None) => true,
        Some(Some(ranges)) => ranges.iter().any(|(a, b)| (*a..=*b).contains(&line)),
    }
}

/// Shell: the repository root containing `dir`, and the lines changed since `rev` (committed,
/// staged and unstaged changes, plus untracked files, which are wholly new).
pub fn changed_lines(dir: &Path, rev: &str) -> Result<(PathBuf, ChangedLines), String> {
    let git = |args: &[&str]| -> Result<String, String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`git {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let root = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?.trim());
    let diff = git(&[
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-renames",
        rev,
        "--",
    ])?;
    let mut changed = parse_unified_diff(&diff);
    let untracked = git(&["ls-files", "--others", "--exclude-standard", "--full-name"])?;
    for f in untracked.lines().filter(|l| !l.is_empty()) {
        changed.insert(PathBuf::from(f), None);
    }
    Ok((root, changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "\
diff --git a/src/lib.rs b/src/lib.rs
index 1111111..2222222 100644
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -3,0 +4,2 @@ fn a() {
+    let x = 1;
+    let y = 2;
@@ -10 +12 @@ fn b() {
-old
+new
@@ -20,3 +21,0 @@ fn c() {
-gone
diff --git a/src/new.rs b/src/new.rs
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/src/new.rs
@@ -0,0 +1,3 @@
+a
+b
+c
diff --git a/src/old.rs b/src/old.rs
deleted file mode 100644
--- a/src/old.rs
+++ /dev/null
@@ -1 +0,0 @@
-x
";

    #[test]
    fn hunks_become_ranges() {
        let c = parse_unified_diff(DIFF);
        let lib = Path::new("src/lib.rs");
        assert!(is_changed(&c, lib, 4) && is_changed(&c, lib, 5));
        assert!(!is_changed(&c, lib, 6));
        assert!(is_changed(&c, lib, 12));
        assert!(!is_changed(&c, lib, 21));
        assert!(is_changed(&c, Path::new("src/new.rs"), 999));
        assert!(!c.contains_key(Path::new("src/old.rs")));
        assert!(!is_changed(&c, Path::new("src/other.rs"), 1));
    }

    #[test]
    fn quoted_paths() {
        assert_eq!(unquote("\"b/a\\tb.rs\""), "a\tb.rs");
        assert_eq!(unquote("plain.rs"), "plain.rs");
    }
}
