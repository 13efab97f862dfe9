//! `--diff-base REV`: report only findings on lines changed since a git revision.
//!
//! [`parse_unified_diff`] is pure (the text of `git diff --unified=0`); [`changed_lines`] is the
//! shell half that runs git. [`uncommitted`] is `--fix`'s check for uncommitted changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Changed line ranges (1-based, inclusive) per file, by path relative to the repository root.
/// A file mapped to `None` is wholly new (every line counts as changed).
pub type ChangedLines = HashMap<PathBuf, Option<Vec<(u32, u32)>>>;

/// Parse `git diff --unified=0` output: for each `+++ b/path`, the `@@ -a,b +c,d @@` hunks'
/// new-side ranges. Deleted files and pure deletions add nothing.
///
/// Takes bytes: with `core.quotePath=false` git prints non-ASCII names as they are, which need
/// not be UTF-8. Names are decoded as git writes them: a TAB after a name that contains a space,
/// C-quoted names (`"b/a\tb.rs"`, octal escapes for bytes). The lines of a hunk are counted, so
/// an added line that reads `++ x` (shown as `+++ x`) is not taken for a file header.
pub fn parse_unified_diff(text: &[u8]) -> ChangedLines {
    let mut out: ChangedLines = HashMap::new();
    let mut current: Option<PathBuf> = None;
    let mut new_file = false;
    // Lines of the current hunk still to come, old side and new side.
    let (mut old_left, mut new_left) = (0u64, 0u64);
    for line in text.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if old_left > 0 || new_left > 0 {
            match line.first() {
                Some(b'-') => old_left = old_left.saturating_sub(1),
                Some(b'+') => new_left = new_left.saturating_sub(1),
                Some(b' ') => {
                    old_left = old_left.saturating_sub(1);
                    new_left = new_left.saturating_sub(1);
                }
                // "\ No newline at end of file"
                Some(b'\\') => {}
                // Not a hunk line: the hunk was shorter than announced; read it as a header.
                _ => (old_left, new_left) = (0, 0),
            }
            if old_left > 0
                || new_left > 0
                || matches!(line.first(), Some(b'-' | b'+' | b' ' | b'\\'))
            {
                continue;
            }
        }
        if line.starts_with(b"diff --git ") {
            current = None;
            new_file = false;
        } else if line.starts_with(b"new file mode") {
            new_file = true;
        } else if let Some(name) = line.strip_prefix(b"+++ ") {
            current = header_path(name);
            if let Some(p) = &current {
                let entry = out.entry(p.clone()).or_insert_with(|| Some(Vec::new()));
                if new_file {
                    *entry = None;
                }
            }
        } else if let Some(rest) = line.strip_prefix(b"@@ ") {
            let rest = String::from_utf8_lossy(rest);
            // `-a,b +c,d @@ ...`
            let mut specs = rest.split_whitespace();
            let old = specs
                .next()
                .and_then(|t| t.strip_prefix('-'))
                .map(range_spec);
            let new = specs
                .next()
                .and_then(|t| t.strip_prefix('+'))
                .map(range_spec);
            let (Some(Some((_, old_count))), Some(Some((start, count)))) = (old, new) else {
                continue;
            };
            (old_left, new_left) = (u64::from(old_count), u64::from(count));
            let Some(p) = &current else { continue };
            if count > 0 {
                if let Some(Some(ranges)) = out.get_mut(p) {
                    ranges.push((start, start.saturating_add(count - 1)));
                }
            }
        }
    }
    out
}

/// `c,d` or `c` (count 1) of a hunk header.
fn range_spec(spec: &str) -> Option<(u32, u32)> {
    match spec.split_once(',') {
        Some((s, c)) => Some((s.parse().ok()?, c.parse().ok()?)),
        None => Some((spec.parse().ok()?, 1)),
    }
}

/// The path of a `+++ ` header line (after the `+++ `), relative to the repository root;
/// `None` for `/dev/null`.
fn header_path(name: &[u8]) -> Option<PathBuf> {
    // git adds a TAB after a name that contains a space (for patch(1)); a TAB inside a name is
    // always quoted, so a trailing one is that marker.
    let name = name.strip_suffix(b"\t").unwrap_or(name);
    if name == b"/dev/null" {
        return None;
    }
    let bytes = if name.first() == Some(&b'"') {
        unquote(name)?
    } else {
        name.to_vec()
    };
    let bytes = bytes.strip_prefix(b"b/").unwrap_or(&bytes);
    Some(path_from_bytes(bytes))
}

/// Undo git's C-style quoting (`quote_c_style`): `"..."` with `\a \b \t \n \v \f \r \" \\`
/// and three-digit octal escapes for other bytes. `None` if it is not a well-formed quoted name.
pub fn unquote(quoted: &[u8]) -> Option<Vec<u8>> {
    let inner = quoted.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let e = *inner.get(i)?;
        i += 1;
        out.push(match e {
            b'a' => 0x07,
            b'b' => 0x08,
            b't' => b'\t',
            b'n' => b'\n',
            b'v' => 0x0b,
            b'f' => 0x0c,
            b'r' => b'\r',
            b'"' => b'"',
            b'\\' => b'\\',
            b'0'..=b'3' => {
                let digits = inner.get(i..i + 2)?;
                if !digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                    return None;
                }
                i += 2;
                ((e - b'0') << 6) | ((digits[0] - b'0') << 3) | (digits[1] - b'0')
            }
            _ => return None,
        });
    }
    Some(out)
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// Is `line` of the file at `rel` (relative to the repository root) changed?
pub fn is_changed(changed: &ChangedLines, rel: &Path, line: u32) -> bool {
    match changed.get(rel) {
        None => false,
        Some(None) => true,
        Some(Some(ranges)) => ranges.iter().any(|(a, b)| (*a..=*b).contains(&line)),
    }
}

/// Options for every git run. Output must not depend on the checkout's configuration (names
/// unquoted, a/ b/ prefixes, paths from the root, no colour), and nothing in it may make git run
/// another program: no external diff or textconv drivers, no fsmonitor hook, no pager.
const GIT_OPTIONS: &[&str] = &[
    "--no-pager",
    "--no-optional-locks",
    "-c",
    "core.quotePath=false",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "diff.noprefix=false",
    "-c",
    "diff.mnemonicPrefix=false",
    "-c",
    "diff.relative=false",
];

/// Shell: the repository root containing `dir`, and the lines changed since `rev` (committed,
/// staged and unstaged changes, plus untracked files, which are wholly new).
pub fn changed_lines(dir: &Path, rev: &str) -> Result<(PathBuf, ChangedLines), String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a revision"));
    }
    // Attributes from the empty tree instead of the work tree: no in-tree `.gitattributes` can
    // pick a diff driver or a clean filter (a program) for a file. Ignored by git before 2.42.
    let empty_tree = run_git(dir, &["hash-object", "-t", "tree", "--stdin"], None)
        .ok()
        .map(|o| String::from_utf8_lossy(&o).trim().to_string())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()));
    let git = |args: &[&str]| run_git(dir, args, empty_tree.as_deref());
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let root = path_from_bytes(top.strip_suffix(b"\n").unwrap_or(&top));
    let diff = git(&[
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        "--no-relative",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--submodule=short",
        rev,
        "--",
    ])?;
    let mut changed = parse_unified_diff(&diff);
    let untracked = git(&[
        "ls-files",
        "-z",
        "--others",
        "--exclude-standard",
        "--full-name",
        "--",
        ":/",
    ])?;
    for f in untracked.split(|b| *b == 0).filter(|l| !l.is_empty()) {
        changed.insert(path_from_bytes(f), None);
    }
    Ok((root, changed))
}

/// Shell, for `--fix`: which of `files` have uncommitted changes (modified, staged, untracked,
/// conflicted), by `git status --porcelain -z` in the repository around each. A file in no git
/// work tree (no `.git` at or above it) is not checked. Runs with the same hardening as
/// [`changed_lines`] (no fsmonitor, attributes from the empty tree so no clean filter runs, no
/// pager) and literal pathspecs, so a file name is never a glob.
pub fn uncommitted(files: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut by_repo: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
    for f in files {
        let abs = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
        let repo = abs
            .ancestors()
            .skip(1)
            .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok());
        if let Some(repo) = repo {
            by_repo.entry(repo.to_path_buf()).or_default().push(abs);
        }
    }
    let mut dirty = Vec::new();
    for (repo, abs) in by_repo {
        let empty_tree = run_git(&repo, &["hash-object", "-t", "tree", "--stdin"], None)
            .ok()
            .map(|o| String::from_utf8_lossy(&o).trim().to_string())
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()));
        let mut args: Vec<String> = [
            "--literal-pathspecs",
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--ignored=no",
            "--no-renames",
            "--",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        args.extend(abs.iter().map(|p| p.to_string_lossy().into_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_git(&repo, &args, empty_tree.as_deref())?;
        // `XY path\0` entries, paths relative to the repository root.
        let root = run_git(&repo, &["rev-parse", "--show-toplevel"], None)?;
        let root = path_from_bytes(root.strip_suffix(b"\n").unwrap_or(&root));
        for entry in out.split(|b| *b == 0).filter(|e| e.len() > 3) {
            dirty.push(root.join(path_from_bytes(&entry[3..])));
        }
    }
    // Back to the names the caller gave.
    Ok(files
        .iter()
        .filter(|f| {
            let abs = std::fs::canonicalize(f).unwrap_or_else(|_| (*f).clone());
            dirty
                .iter()
                .any(|d| *d == abs || std::fs::canonicalize(d).is_ok_and(|d| d == abs))
        })
        .cloned()
        .collect())
}

fn run_git(dir: &Path, args: &[&str], attr_source: Option<&str>) -> Result<Vec<u8>, String> {
    let mut cmd = Command::new("git");
    cmd.args(GIT_OPTIONS)
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .env_remove("GIT_EXTERNAL_DIFF")
        .env_remove("GIT_DIFF_OPTS")
        .env_remove("GIT_PAGER");
    if let Some(tree) = attr_source {
        cmd.env("GIT_ATTR_SOURCE", tree);
    }
    let out = cmd.output().map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
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
        let c = parse_unified_diff(DIFF.as_bytes());
        let lib = Path::new("src/lib.rs");
        assert!(is_changed(&c, lib, 4) && is_changed(&c, lib, 5));
        assert!(!is_changed(&c, lib, 6));
        assert!(is_changed(&c, lib, 12));
        assert!(!is_changed(&c, lib, 21));
        assert!(is_changed(&c, Path::new("src/new.rs"), 999));
        assert!(!c.contains_key(Path::new("src/old.rs")));
        assert!(!is_changed(&c, Path::new("src/other.rs"), 1));
    }

    fn names(diff: &[u8]) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = parse_unified_diff(diff).into_keys().collect();
        v.sort();
        v
    }

    #[test]
    fn quoted_and_spaced_names() {
        assert_eq!(unquote(b"\"a\\tb.rs\"").unwrap(), b"a\tb.rs");
        assert_eq!(
            unquote(b"\"\\303\\251 \\\"q\\\" \\\\ \\n\"").unwrap(),
            "é \"q\" \\ \n".as_bytes()
        );
        assert_eq!(
            unquote(b"\"\\a\\b\\v\\f\\r\\001\"").unwrap(),
            b"\x07\x08\x0b\x0c\r\x01"
        );
        assert_eq!(unquote(b"plain.rs"), None);
        assert_eq!(unquote(b"\"bad\\q\""), None);
        assert_eq!(unquote(b"\"short\\30\""), None);
        assert_eq!(unquote(b"\"trailing\\\""), None);
        let diff = b"diff --git a/sp ace.rs b/sp ace.rs\n--- a/sp ace.rs\t\n+++ b/sp ace.rs\t\n@@ -1 +1 @@\n-a\n+b\n\
diff --git \"a/\\303\\251.rs\" \"b/\\303\\251.rs\"\n--- \"a/\\303\\251.rs\"\n+++ \"b/\\303\\251.rs\"\n@@ -1 +1 @@\n-a\n+b\n\
diff --git \"a/s p\\tx.rs\" \"b/s p\\tx.rs\"\n+++ \"b/s p\\tx.rs\"\t\n@@ -0,0 +1 @@\n+a\n\
diff --git a/raw\xc3\xa9.rs b/raw\xc3\xa9.rs\n+++ b/raw\xc3\xa9.rs\n@@ -1 +1 @@\n-a\n+b\n\
diff --git \"a/q\\\"b\\\\c.rs\" \"b/q\\\"b\\\\c.rs\"\n+++ \"b/q\\\"b\\\\c.rs\"\n@@ -1 +1 @@\n-a\n+b\n";
        assert_eq!(
            names(diff),
            [
                PathBuf::from("q\"b\\c.rs"),
                PathBuf::from("raw\u{e9}.rs"),
                PathBuf::from("s p\tx.rs"),
                PathBuf::from("sp ace.rs"),
                PathBuf::from("\u{e9}.rs"),
            ]
        );
        let c = parse_unified_diff(diff);
        assert!(is_changed(&c, Path::new("sp ace.rs"), 1));
        assert!(is_changed(&c, Path::new("\u{e9}.rs"), 1));
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        let diff = b"diff --git a/x b/x\n+++ \"b/bad\\377.rs\"\n@@ -1 +1 @@\n-a\n+b\n";
        let want = PathBuf::from(std::ffi::OsStr::from_bytes(b"bad\xff.rs"));
        assert_eq!(names(diff), [want]);
    }

    #[test]
    fn added_lines_that_look_like_headers_are_content() {
        // Adding the line `++ b/evil.rs` to lib.rs shows as `+++ b/evil.rs` inside the hunk.
        let diff = b"diff --git a/lib.rs b/lib.rs\n--- a/lib.rs\n+++ b/lib.rs\n@@ -1,2 +1,3 @@\n-x\n-y\n+++ b/evil.rs\n+@@ -0,0 +1,100 @@\n+z\n\\ No newline at end of file\n@@ -9 +10 @@\n-q\n+r\n";
        let c = parse_unified_diff(diff);
        assert_eq!(names(diff), [PathBuf::from("lib.rs")]);
        let lib = Path::new("lib.rs");
        assert!(is_changed(&c, lib, 1) && is_changed(&c, lib, 3) && is_changed(&c, lib, 10));
        assert!(!is_changed(&c, lib, 4) && !is_changed(&c, lib, 50));
    }
}
