//! Diagnostics: what a rule reports, in positions that every renderer can use.
//!
//! Positions are 1-based lines and 1-based columns counted in characters (as
//! rustc's JSON does); `byte_start`/`byte_end` are offsets into the file's text.
//! The end is exclusive.

use serde::Serialize;

/// The configured level of a rule, as rustc spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
    Forbid,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            "forbid" => Some(Level::Forbid),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
            Level::Forbid => "forbid",
        }
    }

    /// The severity a finding at this level is reported with; `None` for `allow`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Allow => None,
            Level::Warn => Some(Severity::Warning),
            Level::Deny | Level::Forbid => Some(Severity::Error),
        }
    }
}

/// How a finding is shown: rustc's `warning` or `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// How safe a suggestion is to apply: ruff's three kinds, in rustfix's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Applicability {
    /// `safe`: the program means the same, only better; `--fix` applies it.
    MachineApplicable,
    /// `unsafe`: it may change behaviour the author relies on (ordering, an API); applied
    /// with `--unsafe-fixes`.
    MaybeIncorrect,
    /// `display-only`: code to read and adapt (it has placeholders, or needs a decision);
    /// never applied. rustc's `Unspecified`, which rustfix never applies either.
    DisplayOnly,
}

impl Applicability {
    /// rustc's name, as JSON and SARIF print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
            Applicability::DisplayOnly => "Unspecified",
        }
    }

    /// ruff's name, as the documentation and the `--fix` summary say it.
    pub fn kind(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "safe",
            Applicability::MaybeIncorrect => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }
}

/// A region of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Span {
    pub line_start: u32,
    pub column_start: u32,
    pub line_end: u32,
    pub column_end: u32,
    pub byte_start: usize,
    pub byte_end: usize,
}

impl Span {
    /// The empty span where this one ends: where an insertion after it goes.
    pub fn end(self) -> Span {
        Span {
            line_start: self.line_end,
            column_start: self.column_end,
            byte_start: self.byte_end,
            ..self
        }
    }

    /// The start of a file (line 1, column 1, empty): where findings about a whole file go.
    pub const FILE_START: Span = Span {
        line_start: 1,
        column_start: 1,
        line_end: 1,
        column_end: 1,
        byte_start: 0,
        byte_end: 0,
    };

    /// From the start of `self` to the end of `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            line_end: other.line_end,
            column_end: other.column_end,
            byte_end: other.byte_end.max(self.byte_start),
            ..self
        }
    }
}

/// A secondary span with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One text replacement on the original source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A concrete fix: edits plus how safe they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// Shown before the code, e.g. "remove `async`".
    pub message: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

/// A finding, as a rule reports it (the engine stamps the level).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Canonical snake_case rule id (`await_in_loop`, `parse_error`, ...).
    pub rule: &'static str,
    pub severity: Severity,
    /// Index of the file in the input the diagnostic belongs to.
    pub file: usize,
    pub message: String,
    pub span: Span,
    /// Label under the primary span (may be empty).
    pub label: String,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    /// `help` lines; the first explains the fix.
    pub help: Vec<String>,
    pub suggestion: Option<Suggestion>,
    /// Edits of `suggestion` in other files of the crate (file index, edit), part of the same
    /// fix: applied with it or not at all (`async_without_await` drops the `.await` of its
    /// callers in other files). Rendered as spans of those files, as rustc's multi-file
    /// suggestions are.
    #[serde(skip)]
    pub suggestion_elsewhere: Vec<(usize, Edit)>,
    /// Reason of a suppression that hid this finding (only for reporting suppressed findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
    /// The path of the innermost item enclosing the finding (`fn main`,
    /// `mod net::impl Client::connect`), filled by the engine from the file's one parse; `None`
    /// outside any item or when the file did not parse. Baselines and SARIF fingerprints use it.
    #[serde(skip)]
    pub item: Option<String>,
}

impl Diagnostic {
    /// A new warning for `rule` at `span`; the engine later applies the configured level.
    pub fn new(rule: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
            severity: Severity::Warning,
            file: 0,
            message: message.into(),
            span,
            label: String::new(),
            secondary: Vec::new(),
            notes: Vec::new(),
            help: Vec::new(),
            suggestion: None,
            suggestion_elsewhere: Vec::new(),
            suppressed: None,
            item: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    pub fn with_suggestion(mut self, suggestion: Suggestion) -> Self {
        self.suggestion = Some(suggestion);
        self
    }

    /// The order of output: file, position, rule.
    pub fn sort_key(&self) -> (usize, u32, u32, &'static str, &str) {
        (
            self.file,
            self.span.line_start,
            self.span.column_start,
            self.rule,
            &self.message,
        )
    }
}
