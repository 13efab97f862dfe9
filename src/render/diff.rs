//! `--diff`: a unified diff of what `--fix` would write, as `git diff` prints it (`--- a/path`,
//! `+++ b/path`, hunks with 3 lines of context), so `git apply` / `patch -p1` take it.

/// Lines of context around each change.
const CONTEXT: usize = 3;
/// Above this many cells (changed old lines × changed new lines) the middle of a file is shown
/// as replaced whole instead of diffed line by line.
const MAX_CELLS: usize = 4_000_000;

/// The unified diff of one file, `old` → `new`, named `path` on both sides; empty when equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = line_ops(&a, &b);
    let path = crate::render::escape_control(path);
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    // Group the ops into hunks: changes closer than 2 × CONTEXT share one.
    let changed: Vec<usize> = (0..ops.len())
        .filter(|&i| !matches!(ops[i], Op::Same(..)))
        .collect();
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for &i in &changed {
        match groups.last_mut() {
            Some((_, end)) if i <= *end + 2 * CONTEXT + 1 => *end = i,
            _ => groups.push((i, i)),
        }
    }
    for (first, last) in groups {
        let start = first.saturating_sub(CONTEXT);
        let end = (last + CONTEXT + 1).min(ops.len());
        let (old_start, new_start) = position(&ops[..start]);
        let (old_len, new_len) = position(&ops[start..end]);
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_start, old_len),
            range(new_start, new_len)
        ));
        for op in &ops[start..end] {
            let (mark, line) = match op {
                Op::Same(i, _) => (' ', a[*i]),
                Op::Del(i) => ('-', a[*i]),
                Op::Add(j) => ('+', b[*j]),
            };
            out.push(mark);
            out.push_str(&crate::render::escape_control(line.trim_end_matches('\n')));
            out.push('\n');
            if !line.ends_with('\n') {
                out.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}

/// `start,len` as a hunk header writes it (the line before, for an empty range).
fn range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

/// Lines of the old and the new side that `ops` cover.
fn position(ops: &[Op]) -> (usize, usize) {
    ops.iter().fold((0, 0), |(o, n), op| match op {
        Op::Same(..) => (o + 1, n + 1),
        Op::Del(_) => (o + 1, n),
        Op::Add(_) => (o, n + 1),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same(usize, usize),
    Del(usize),
    Add(usize),
}

/// The edit script: common prefix and suffix, and a longest common subsequence in between.
fn line_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<Op> = (0..prefix).map(|i| Op::Same(i, i)).collect();
    if ma.len().saturating_mul(mb.len()) > MAX_CELLS {
        ops.extend((0..ma.len()).map(|i| Op::Del(prefix + i)));
        ops.extend((0..mb.len()).map(|j| Op::Add(prefix + j)));
    } else {
        // lcs[i][j]: the LCS length of ma[i..] and mb[j..].
        let w = mb.len() + 1;
        let mut lcs = vec![0u32; (ma.len() + 1) * w];
        for i in (0..ma.len()).rev() {
            for j in (0..mb.len()).rev() {
                lcs[i * w + j] = if ma[i] == mb[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ma.len() || j < mb.len() {
            if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
                ops.push(Op::Same(prefix + i, prefix + j));
                i += 1;
                j += 1;
            } else if i < ma.len() && (j == mb.len() || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])
            {
                // Deletions before additions, as git prints them.
                ops.push(Op::Del(prefix + i));
                i += 1;
            } else {
                ops.push(Op::Add(prefix + j));
                j += 1;
            }
        }
    }
    let (oa, ob) = (a.len() - suffix, b.len() - suffix);
    ops.extend((0..suffix).map(|k| Op::Same(oa + k, ob + k)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_changed_line_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified_diff("src/a.rs", old, new),
            "--- a/src/a.rs\n+++ b/src/a.rs\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
        assert_eq!(unified_diff("a", old, old), "");
    }

    #[test]
    fn far_apart_changes_are_two_hunks_and_insertions_count_right() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new = old
            .replacen("\n2\n", "\n2\nnew\n", 1)
            .replacen("19\n", "", 1);
        let d = unified_diff("f", &old, &new);
        assert!(d.contains("@@ -1,5 +1,6 @@\n 1\n 2\n+new\n 3\n"), "{d}");
        assert!(
            d.contains("@@ -16,5 +17,4 @@\n 16\n 17\n 18\n-19\n 20\n"),
            "{d}"
        );
    }

    #[test]
    fn missing_final_newline_and_empty_sides() {
        let d = unified_diff("f", "a", "b");
        assert_eq!(
            d,
            "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n"
        );
        assert!(unified_diff("f", "", "x\n").contains("@@ -0,0 +1 @@\n+x\n"));
    }
}
