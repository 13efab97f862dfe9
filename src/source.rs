//! The files of a run as renderers see them: where they came from and their text.

use serde::Serialize;
use std::path::PathBuf;

/// The cargo package and target a file was reached from (absent in PATH mode).
#[derive(Debug, Clone)]
pub struct Origin {
    /// Cargo's package id (`path+file:///dir#name@version`).
    pub package_id: String,
    pub manifest_path: String,
    /// The target (lib, bin, test, ...) as `cargo metadata` describes it; JSON output copies it
    /// into each `compiler-message`.
    pub target: CargoTarget,
}

/// A target as cargo's JSON describes it, keys in cargo's order (`kind`, `crate_types`, `name`,
/// `src_path`, `edition`, `required-features`, `doc`, `doctest`, `test`), so
/// `cargo_metadata::Target` parses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CargoTarget {
    /// `["lib"]` (or the library's crate types), `["bin"]`, `["example"]`, `["test"]`,
    /// `["bench"]`.
    pub kind: Vec<String>,
    pub crate_types: Vec<String>,
    pub name: String,
    /// Absolute path of the target's root file.
    pub src_path: String,
    pub edition: String,
    #[serde(rename = "required-features", skip_serializing_if = "Vec::is_empty")]
    pub required_features: Vec<String>,
    pub doc: bool,
    pub doctest: bool,
    pub test: bool,
}

/// A path as the path part of a `file://` URL, as cargo writes package ids
/// (`path+file:///w/pkg#name@0.1.0`): `/` separators, a leading `/`, and the characters a URL
/// would misread escaped.
pub fn url_path(p: &std::path::Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let s = if s.starts_with('/') {
        s
    } else {
        format!("/{s}")
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '#' => out.push_str("%23"),
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            c => out.push(c),
        }
    }
    out
}

/// One file of the run.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path used to open the file.
    pub path: PathBuf,
    /// The path shown to users: relative to the workspace root (cargo mode) or
    /// to the current directory (PATH mode), with `/` separators.
    pub display: String,
    /// The text; empty when the file could not be read.
    pub text: String,
    pub origin: Option<Origin>,
}

/// The UTF-8 byte order mark. rustc and syn skip it: it is not part of line 1, so columns on
/// line 1 are counted after it, while byte offsets stay offsets into the real file (what rustfix
/// applies suggestions to).
pub const BOM: char = '\u{feff}';

/// Maps 1-based line + 1-based char column to byte offsets and back, for one text.
///
/// A leading [`BOM`] is skipped: line 1 starts after it, and offsets inside it map to 1:1.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the start of each line (the first one after a BOM).
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(if text.starts_with(BOM) {
            BOM.len_utf8()
        } else {
            0
        });
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset of (line, column), both 1-based, column in chars. Clamped to the text.
    pub fn offset(&self, text: &str, line: u32, column: u32) -> usize {
        let line = (line.max(1) as usize).min(self.starts.len());
        let start = self.starts[line - 1];
        let end = self.starts.get(line).copied().unwrap_or(text.len());
        let slice = text.get(start..end).unwrap_or("");
        let mut remaining = column.max(1) as usize - 1;
        for (i, _) in slice.char_indices() {
            if remaining == 0 {
                return start + i;
            }
            remaining -= 1;
        }
        end
    }

    /// 1-based (line, char column) of a byte offset.
    pub fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(l) => l,
            // Inside a leading BOM: the start of line 1.
            Err(0) => return (1, 1),
            Err(l) => l - 1,
        };
        let start = self.starts[line];
        let col = text.get(start..offset).map_or(0, |s| s.chars().count());
        (line as u32 + 1, col as u32 + 1)
    }

    /// The [`Span`](crate::diagnostic::Span) of the byte range `start..end` of `text`.
    pub fn span(&self, text: &str, start: usize, end: usize) -> crate::diagnostic::Span {
        let (line_start, column_start) = self.position(text, start);
        let (line_end, column_end) = self.position(text, end);
        crate::diagnostic::Span {
            line_start,
            column_start,
            line_end,
            column_end,
            byte_start: start,
            byte_end: end,
        }
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> &'t str {
        let l = line.max(1) as usize;
        if l > self.starts.len() {
            return "";
        }
        let start = self.starts[l - 1];
        let end = self.starts.get(l).copied().unwrap_or(text.len());
        text.get(start..end)
            .unwrap_or("")
            .trim_end_matches('\n')
            .trim_end_matches('\r')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_round_trip_with_multibyte_chars() {
        let text = "fn a() {}\nlet é = \"ü\";\n";
        let idx = LineIndex::new(text);
        let off = idx.offset(text, 2, 9);
        assert_eq!(&text[off..off + 1], "\"");
        assert_eq!(idx.position(text, off), (2, 9));
        assert_eq!(idx.line_text(text, 2), "let é = \"ü\";");
        assert_eq!(idx.offset(text, 99, 1), text.len());
    }

    #[test]
    fn a_bom_is_not_part_of_line_one() {
        let text = "\u{feff}fn a() {}\nfn b() {}\n";
        let idx = LineIndex::new(text);
        // Column 1 of line 1 is the `f` after the BOM, at byte 3 of the real file.
        assert_eq!(idx.offset(text, 1, 1), 3);
        assert_eq!(idx.offset(text, 1, 4), 6);
        assert_eq!(&text[idx.offset(text, 1, 4)..][..1], "a");
        assert_eq!(idx.position(text, 6), (1, 4));
        // Offsets inside the BOM clamp to 1:1; line 2 is unaffected.
        assert_eq!(idx.position(text, 0), (1, 1));
        assert_eq!(idx.position(text, 1), (1, 1));
        assert_eq!(idx.offset(text, 2, 1), 13);
        assert_eq!(idx.position(text, 13), (2, 1));
        assert_eq!(idx.line_text(text, 1), "fn a() {}");
        // Only a leading BOM is skipped.
        let mid = "a\u{feff}b";
        assert_eq!(LineIndex::new(mid).position(mid, 4), (1, 3));
        let only = "\u{feff}";
        assert_eq!(LineIndex::new(only).position(only, 3), (1, 1));
        assert_eq!(LineIndex::new(only).line_text(only, 1), "");
    }
}

/// A span made safe for one text: a byte range on char boundaries inside the text, and the
/// 1-based line / char-column positions of both ends (end exclusive), recomputed from the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub byte_start: usize,
    pub byte_end: usize,
    pub line_start: u32,
    pub column_start: u32,
    pub line_end: u32,
    pub column_end: u32,
}

impl Resolved {
    pub fn range(&self) -> std::ops::Range<usize> {
        self.byte_start..self.byte_end
    }
}

/// A text with its line index, for resolving spans.
pub(crate) struct Text<'t> {
    pub text: &'t str,
    pub index: LineIndex,
}

impl<'t> Text<'t> {
    pub fn new(text: &'t str) -> Text<'t> {
        Text {
            text,
            index: LineIndex::new(text),
        }
    }

    /// Resolves a span against this text. Byte offsets win when they are usable and agree
    /// with the span's start line/column; otherwise line/column are used (clamped to the
    /// line's content); failing both, the byte offsets are clamped.
    pub fn resolve(&self, span: &crate::diagnostic::Span) -> Resolved {
        let text = self.text;
        let bytes_usable = span.byte_start <= span.byte_end
            && span.byte_end <= text.len()
            && text.is_char_boundary(span.byte_start)
            && text.is_char_boundary(span.byte_end);
        let lines_usable = span.line_start >= 1
            && span.column_start >= 1
            && (span.line_start as usize) <= self.index.line_count()
            && span.line_end >= span.line_start;
        let bytes_agree = bytes_usable
            && self.index.position(text, span.byte_start) == (span.line_start, span.column_start);

        let (start, end) = if bytes_agree || (bytes_usable && !lines_usable) {
            (span.byte_start, span.byte_end)
        } else if lines_usable {
            let start = self.offset(span.line_start, span.column_start);
            let end = self.offset(span.line_end, span.column_end).max(start);
            (start, end)
        } else {
            let start = self.floor_boundary(span.byte_start.min(text.len()));
            let end = self
                .floor_boundary(span.byte_end.min(text.len()))
                .max(start);
            (start, end)
        };
        let (line_start, column_start) = self.index.position(text, start);
        let (line_end, column_end) = self.index.position(text, end);
        Resolved {
            byte_start: start,
            byte_end: end,
            line_start,
            column_start,
            line_end,
            column_end,
        }
    }

    /// Byte offset of a 1-based (line, char column), clamped to the text and to the end of the
    /// line's content (before its `\n` / `\r\n`), so a column past the end never spills over.
    pub fn offset(&self, line: u32, column: u32) -> usize {
        let line = line.clamp(1, self.index.line_count().max(1) as u32);
        let start = self.index.offset(self.text, line, 1);
        let content = self.index.line_text(self.text, line);
        let mut remaining = column.max(1) as usize - 1;
        for (i, _) in content.char_indices() {
            if remaining == 0 {
                return start + i;
            }
            remaining -= 1;
        }
        (start + content.len()).min(self.text.len())
    }

    /// The text of a 1-based line, without its line break.
    pub fn line(&self, line: u32) -> &'t str {
        self.index.line_text(self.text, line)
    }

    fn floor_boundary(&self, mut i: usize) -> usize {
        while i > 0 && !self.text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}
