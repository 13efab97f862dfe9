//! Parsing that never aborts the process, stalls or exhausts memory.
//!
//! syn's parser (and every visitor over its tree, and the tree's `Drop`) recurses once per level
//! of nesting. A stack overflow aborts the whole process and no `catch_unwind` helps, so before
//! syn sees a file one pass over its text ([`complexity`], without recursion) bounds how deep
//! syn could recurse and how much it could allocate. A file beyond [`MAX_NESTING`],
//! [`MAX_TOKENS`], [`MAX_NUMBER_LEN`] or [`MAX_LITERAL_BYTES`] is a `parse_error` ("too complex
//! to analyze") instead of being parsed. The shell also runs analysis on threads with a large
//! stack ([`STACK_SIZE`]), a second line of defence.
//!
//! # How the nesting is bounded
//!
//! The pass lexes as proc-macro2 does (comments, strings, raw strings, char literals and
//! lifetimes are skipped as the lexer skips them) and keeps a stack of *levels*: one per open
//! delimiter, one per `<` that may open generic arguments, one per `|` that may open closure
//! parameters. Each level has a `base` (the estimate where it opened) and a `run`: the tokens
//! since the level last provably returned to depth zero that could each add one level to syn's
//! tree. Prefix operators and keywords (`!`, `-`, `*`, `&`, `..`, `return`, `break`, `let`,
//! `if`, `while`, `match`, `move`, `async`, `fn`, `impl`, `dyn`, …) and the end of closure
//! parameters add one to the run. Postfix and binary operators (`.`, `?`, a call or an index
//! group, `as`, `+`, `=`, `<`, …) *wrap* the operand before them, however deep it went: they
//! make everything since the element started one level deeper (left-nested trees such as
//! `a.b().c()?`, `(deep).x.y`, `1 + 2 + …`, whose `Drop` and visitors recurse per link) and put
//! what follows one level deeper too (right-nested `a = b = …`). A level's deepest estimate
//! carries to its parent when it closes. Nothing lowers the estimate except where syn's
//! recursion provably unwinds:
//!
//! - `;` and `=>` end everything open at their delimiter level (no construct of syn's grammar
//!   spans them: not generics, not closure parameters);
//! - a word, literal, lifetime or `#` right after a closing delimiter (except `as`, `else`,
//!   `in`), when no `<` or `|` is open at that level, starts a new statement, item or arm:
//!   `if a {} if b {}`, `fn a() {} fn b() {}`;
//! - `,` ends the current element of a list, but only in the innermost level: commas inside
//!   generics (`HashMap<u8, HashMap<u8, …`) and closure parameters do not end the nesting
//!   around them;
//! - `else` after the block of an `if`: the else branch nests one level below that `if`, beside
//!   its condition and block (an operator after the chain's last block still wraps all of it);
//! - a token that cannot occur inside generic arguments (`.`, `|`, `==`, `let`, `if`, …), or a
//!   `<` after a literal or a group, shows that the `<`s open at that delimiter level were
//!   comparisons; their levels merge into the enclosing one without lowering the estimate.
//!
//! So the estimate is an upper bound of the tree's depth whatever the grammar context (items,
//! types, patterns, expressions, or macro bodies that `semantic::macros` parses later: their
//! tokens were counted here in place). Real code stays far below the limit: in a corpus of 2,634
//! files from 40 async crates (plus the fixtures) the deepest file reaches 176, the 99th
//! percentile 49.

/// Deepest estimated nesting (see the module documentation) handed to syn.
///
/// Measured (stack bytes per level of the costliest construct, full analysis, 8 MiB thread):
/// nested generics (`HashMap<u8, HashMap<…`) and turbofish take 7.6 KB per level in release and
/// 52 KB in debug builds; `fn() -> fn() -> …` 5.2 KB / 37 KB; braces 5.1 KB / 22 KB; closures
/// 4.1 KB / 17 KB; `return return …` 2.6 KB / 10 KB; postfix and binary chains 0.1–0.7 KB.
/// Each of those adds at least 1 to the estimate per level, so 1,000 levels need at most
/// 52 MB of the 256 MiB [`STACK_SIZE`] even in a debug build. The deepest real file measured
/// reaches 176 (99th percentile: 49). Every construct at the largest nesting the limit accepts
/// was analyzed in a debug build on the 256 MiB stack (see `examples/amplify.rs` and the
/// hostile tests).
pub const MAX_NESTING: usize = 1_000;

/// Most tokens (words, literals, punctuation characters, delimiters; a doc comment counts 5) in
/// one file.
///
/// Measured peak memory of the release binary on one file: syn's tree plus proc-macro2's
/// tokens take 320–475 bytes per token (475 for `x;` repeated, 460 for `f(x);`, 360 for an
/// array literal `[0, 0, …]`), so 1,000,000 tokens stay under 500 MB at worst. The largest
/// real file measured has 39,106 tokens.
pub const MAX_TOKENS: usize = 1_000_000;

/// Longest number literal, in bytes (digits, `_`, prefix and suffix).
///
/// syn converts a number literal's digits with quadratic work: 160,000 digits took 41 s.
/// 256 bytes hold any `u128` written in binary with separators; [`MAX_NUMBER_WORK`] bounds a
/// file full of them. Real code measured: at most 42 bytes.
pub const MAX_NUMBER_LEN: usize = 256;

/// Most work converting number literals in one file: the sum over literals of the squared
/// length in bytes.
///
/// Measured: 40,000 decimal literals of 256 digits (10 MiB, 2.6e9 units) take 5.3 s in
/// release, about 2 ns per unit; 2.5e8 units are half a second. Real code measured: at most
/// 9,620 units in one file.
pub const MAX_NUMBER_WORK: usize = 250_000_000;

/// Longest string, byte string, C string, char literal or doc comment, in bytes.
pub const MAX_LITERAL_BYTES: usize = 1 << 20;

/// Stack size of the threads that parse and analyze (reserved address space, touched only on use).
pub const STACK_SIZE: usize = 256 << 20;

/// Why a file could not be parsed, at a 1-based line and char column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// What a file needs from syn, as measured by [`complexity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Complexity {
    /// The deepest nesting estimate reached.
    pub depth: usize,
    /// Tokens counted.
    pub tokens: usize,
    /// The longest number literal, in bytes.
    pub longest_number: usize,
    /// The sum of the squared lengths of the number literals.
    pub number_work: usize,
}

/// Which budget a text exceeds, and where (a byte offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooComplex {
    pub kind: Budget,
    pub offset: usize,
}

/// The budgets of [`complexity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Nesting beyond [`MAX_NESTING`].
    Nesting,
    /// More than [`MAX_TOKENS`] tokens.
    Tokens,
    /// A number literal of this many bytes, beyond [`MAX_NUMBER_LEN`].
    Number(usize),
    /// Number literals beyond [`MAX_NUMBER_WORK`].
    Numbers,
    /// A string, char or doc-comment literal of at least this many bytes, beyond
    /// [`MAX_LITERAL_BYTES`].
    Literal(usize),
}

impl Budget {
    /// "too complex to analyze (…)".
    pub fn message(self) -> String {
        let why = match self {
            Budget::Nesting => format!(
                "nesting too deep: more than {MAX_NESTING} levels of brackets, generics, \
                 operators or prefix keywords"
            ),
            Budget::Tokens => format!("more than {MAX_TOKENS} tokens"),
            Budget::Number(n) => {
                format!("a number literal of {n} bytes; at most {MAX_NUMBER_LEN} are analyzed")
            }
            Budget::Numbers => "too many long number literals".to_string(),
            Budget::Literal(n) => {
                format!("a literal of {n} bytes; at most {MAX_LITERAL_BYTES} bytes are analyzed")
            }
        };
        format!("too complex to analyze ({why}); the file is not analyzed")
    }
}

/// Check the budgets, then parse with syn. The only entry to syn's parser for source text:
/// everything else parses parts of a tree this function accepted.
pub fn parse_file(text: &str) -> Result<syn::File, ParseFailure> {
    if let Err(e) = complexity(text) {
        let (line, column) = crate::source::LineIndex::new(text).position(text, e.offset);
        return Err(ParseFailure {
            line,
            column,
            message: e.kind.message(),
        });
    }
    syn::parse_file(text).map_err(|e| {
        let start = e.span().start();
        let message = e.to_string();
        ParseFailure {
            line: start.line.max(1) as u32,
            column: start.column as u32 + 1,
            message: if message == "cannot parse string into token stream" || message.is_empty() {
                lex_message(&message)
            } else {
                message
            },
        }
    })
}

fn lex_message(raw: &str) -> String {
    if raw.is_empty() || raw == "cannot parse string into token stream" {
        "cannot tokenize: unbalanced delimiters or an invalid token (is this Rust source?)"
            .to_string()
    } else {
        raw.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `(`, `[`, `{`.
    Delim,
    /// A `<` that may open generic arguments.
    Angle,
    /// A `|` that may open closure parameters.
    Params,
}

#[derive(Debug, Clone, Copy)]
struct Level {
    kind: Kind,
    /// The estimate where this level opened.
    base: usize,
    /// Tokens since this level last returned to depth zero that may each add a level.
    run: usize,
    /// The deepest estimate of anything in the current element (of a list) or statement,
    /// including what later postfix and binary operators wrapped: each such operator makes
    /// everything before it one level deeper.
    best: usize,
    /// The deepest estimate anywhere in this level (what wraps of the whole group see).
    max: usize,
    /// The deepest estimate of the earlier branches of an `if … else if …` chain: what an
    /// operator after the chain's last block wraps.
    chain_best: usize,
    /// The `run` before the last `if` at this level whose block has not opened yet.
    pending_if: Option<usize>,
    /// For the block of an `if`: the `run` of its level before that `if`.
    if_run: Option<usize>,
}

impl Level {
    fn new(kind: Kind, base: usize) -> Level {
        Level {
            kind,
            base,
            run: 0,
            best: base,
            max: base,
            chain_best: base,
            pending_if: None,
            if_run: None,
        }
    }
}

/// The running estimate of [`complexity`].
struct Guard {
    levels: Vec<Level>,
    deepest: usize,
    /// The previous token was a closing delimiter.
    after_close: bool,
    /// The previous token was a `}` (which may end an `if … else` chain).
    after_brace: bool,
    /// The previous token closed the block of an `if`: the `run` before that `if`.
    closed_if: Option<usize>,
    /// The previous token ends an operand (so a `|` or `&` is binary, a `(` is a call).
    operand: bool,
    /// The previous token is a literal, a closing delimiter or `?`: a `<` after it compares or
    /// shifts, it cannot open generic arguments.
    value: bool,
}

impl Guard {
    fn top(&mut self) -> &mut Level {
        // The root level is never popped.
        let last = self.levels.len() - 1;
        &mut self.levels[last]
    }

    fn note(&mut self, at: usize) -> Result<(), TooComplex> {
        let top = self.top();
        let e = (top.base + top.run).max(top.best);
        top.best = e;
        top.max = top.max.max(e);
        if e > self.deepest {
            self.deepest = e;
            if e > MAX_NESTING {
                return Err(TooComplex {
                    kind: Budget::Nesting,
                    offset: at,
                });
            }
        }
        Ok(())
    }

    /// A prefix operator or keyword: what follows nests one level deeper.
    fn bump(&mut self, at: usize) -> Result<(), TooComplex> {
        self.top().run += 1;
        self.note(at)
    }

    /// A postfix or binary operator: the operand before it, however deep, becomes a child.
    fn wrap(&mut self, at: usize) -> Result<(), TooComplex> {
        let after_brace = self.after_brace;
        let top = self.top();
        let mut best = top.best.max(top.base + top.run);
        if after_brace {
            best = best.max(top.chain_best);
        }
        top.best = best + 1;
        // The right operand is a child of the new node.
        top.run += 1;
        self.note(at)
    }

    /// [`Guard::wrap`] after an operand, [`Guard::bump`] before one.
    fn op(&mut self, at: usize) -> Result<(), TooComplex> {
        if self.operand {
            self.wrap(at)
        } else {
            self.bump(at)
        }
    }

    fn push(&mut self, kind: Kind, at: usize) -> Result<(), TooComplex> {
        let top = self.top();
        let base = top.base + top.run + 1;
        self.levels.push(Level::new(kind, base));
        self.note(at)
    }

    /// Pops the innermost level into its parent (the root is never popped).
    fn pop(&mut self) -> Level {
        let child = self.levels.pop().expect("never the root");
        let top = self.top();
        top.best = top.best.max(child.max);
        top.max = top.max.max(child.max);
        child
    }

    fn top_is(&self, kind: Kind) -> bool {
        self.levels.len() > 1 && self.levels[self.levels.len() - 1].kind == kind
    }

    /// The `<`s open at this delimiter level were comparisons: merge their levels into the
    /// enclosing one, keeping the estimate.
    fn collapse(&mut self) {
        while self.top_is(Kind::Angle) {
            let angle = self.pop();
            let top = self.top();
            top.run = angle.base + angle.run - top.base;
        }
    }

    /// Everything open at this delimiter level has ended.
    fn reset(&mut self) {
        while self.levels.len() > 1 && self.top().kind != Kind::Delim {
            self.pop();
        }
        let top = self.top();
        top.run = 0;
        top.best = top.base;
        top.chain_best = top.base;
        top.pending_if = None;
    }

    /// `,`: the current element of the innermost list has ended.
    fn comma(&mut self) {
        let top = self.top();
        top.run = 0;
        top.best = top.base;
        top.chain_best = top.base;
        top.pending_if = None;
    }

    /// A closing delimiter: pops up to and including the innermost delimiter level.
    fn close_delimiter(&mut self) -> Option<Level> {
        while self.levels.len() > 1 {
            let level = self.pop();
            if level.kind == Kind::Delim {
                return Some(level);
            }
        }
        None
    }

    /// A word, literal, lifetime or `#` starts here: right after a closing delimiter it starts
    /// a new statement, item or arm, unless it continues the expression.
    fn word_start(&mut self, continues: bool) {
        // Only when nothing but the delimiter level is open: `<T, #[a] 'x>` is a generic
        // parameter list (generic parameters nest through `for<#[a] 'x>`).
        if self.after_close && !continues && self.top().kind == Kind::Delim {
            self.reset();
        }
        self.after_close = false;
        self.after_brace = false;
    }
}

/// How a word takes part in the estimate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Word {
    /// An identifier, literal or keyword that nests nothing: an operand.
    Plain,
    /// A prefix keyword (`return`, `if`, `impl`, ...); `collapses` when it cannot occur in
    /// generic arguments.
    Nests { collapses: bool },
    /// `as`: wraps the operand before it, like a binary operator.
    As,
    /// A keyword that nests nothing and cannot occur in generic arguments (`else`, `in`,
    /// `continue`); not an operand.
    Collapses,
    /// Any other keyword after which an operand starts (`mut`, `ref`, `where`, ...).
    Prefix,
}

fn classify(word: &[u8]) -> Word {
    match word {
        b"let" | b"if" | b"match" | b"while" | b"loop" | b"return" | b"break" | b"move"
        | b"yield" | b"become" | b"await" => Word::Nests { collapses: true },
        b"async" | b"unsafe" | b"for" | b"dyn" | b"impl" | b"fn" | b"box" | b"const"
        | b"static" | b"do" | b"try" => Word::Nests { collapses: false },
        b"as" => Word::As,
        b"else" | b"in" | b"continue" => Word::Collapses,
        b"mut" | b"ref" | b"where" | b"pub" | b"use" | b"mod" | b"struct" | b"enum" | b"trait"
        | b"type" | b"extern" | b"union" => Word::Prefix,
        _ => Word::Plain,
    }
}

/// Byte classes of the pass: identifier, number and keyword bytes (non-ASCII counts as a word
/// byte, as in identifiers), and whitespace.
const WORD: u8 = 1;
const SPACE: u8 = 2;
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 {
            t[c] = WORD;
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            t[c] = SPACE;
        }
        c += 1;
    }
    t
};

fn is_word_byte(c: u8) -> bool {
    CLASS[c as usize] == WORD
}

/// Measures what parsing `text` would take (see the module documentation): one pass over the
/// bytes, without recursion and with one small stack of levels. Returns the first budget
/// exceeded, with its byte offset.
pub fn complexity(text: &str) -> Result<Complexity, TooComplex> {
    let b = text.as_bytes();
    let n = b.len();
    let mut g = Guard {
        levels: vec![Level::new(Kind::Delim, 0)],
        deepest: 0,
        after_close: false,
        after_brace: false,
        closed_if: None,
        operand: false,
        value: false,
    };
    let mut tokens = 0usize;
    let mut longest_number = 0usize;
    let mut number_work = 0usize;
    let literal = |start: usize, end: usize| {
        if end - start > MAX_LITERAL_BYTES {
            Err(TooComplex {
                kind: Budget::Literal(end - start),
                offset: start,
            })
        } else {
            Ok(())
        }
    };
    let mut i = 0;
    while i < n {
        if tokens > MAX_TOKENS {
            return Err(TooComplex {
                kind: Budget::Tokens,
                offset: i,
            });
        }
        let c = b[i];
        if CLASS[c as usize] == SPACE {
            i += 1;
            while i < n && CLASS[b[i] as usize] == SPACE {
                i += 1;
            }
            continue;
        }
        let next = b.get(i + 1).copied().unwrap_or(0);
        match c {
            b'/' if next == b'/' => {
                let start = i;
                let doc = match b.get(i + 2) {
                    Some(b'!') => true,
                    Some(b'/') => b.get(i + 3) != Some(&b'/'),
                    _ => false,
                };
                i = b[i..].iter().position(|&c| c == b'\n').map_or(n, |p| i + p);
                if doc {
                    literal(start, i)?;
                    g.word_start(false);
                    g.operand = false;
                    g.value = false;
                    tokens += 5;
                }
                continue;
            }
            b'/' if next == b'*' => {
                let start = i;
                let doc = match b.get(i + 2) {
                    Some(b'!') => true,
                    Some(b'*') => !matches!(b.get(i + 3), Some(b'*' | b'/')),
                    _ => false,
                };
                i = skip_block_comment(b, i);
                if doc {
                    literal(start, i)?;
                    g.word_start(false);
                    g.operand = false;
                    g.value = false;
                    tokens += 5;
                }
                continue;
            }
            b'"' => {
                let end = skip_string(b, i + 1);
                literal(i, end)?;
                g.word_start(false);
                g.operand = true;
                g.value = true;
                tokens += 1;
                i = end;
                continue;
            }
            b'\'' => {
                let end = skip_quote(b, i);
                literal(i, end)?;
                g.word_start(false);
                // A char literal is an operand; a lifetime's name follows as a word.
                g.operand = end > i + 1;
                g.value = g.operand;
                tokens += 1;
                i = end;
                continue;
            }
            c if is_word_byte(c) => {
                let start = i;
                while i < n && is_word_byte(b[i]) {
                    i += 1;
                }
                let word = &b[start..i];
                tokens += 1;
                // `r"..."`, `r#"..."#`, `b"..."`, `br#"..."#`, `c"..."`, `b'x'`: literals;
                // `r#ident`: a raw identifier.
                let at = b.get(i).copied().unwrap_or(0);
                let mut end = None;
                if matches!(word, b"r" | b"br" | b"cr") && (at == b'"' || at == b'#') {
                    let mut hashes = 0;
                    let mut j = i;
                    while j < n && b[j] == b'#' {
                        hashes += 1;
                        j += 1;
                    }
                    if j < n && b[j] == b'"' {
                        end = Some(skip_raw_string(b, j + 1, hashes));
                    } else if word == b"r" && hashes == 1 {
                        while j < n && is_word_byte(b[j]) {
                            j += 1;
                        }
                        end = Some(j);
                    }
                } else if matches!(word, b"b" | b"c") && at == b'"' {
                    end = Some(skip_string(b, i + 1));
                } else if word == b"b" && at == b'\'' {
                    end = Some(skip_quote(b, i));
                }
                if let Some(end) = end {
                    literal(start, end)?;
                    g.word_start(false);
                    g.operand = true;
                    g.value = word != b"r";
                    i = end;
                    continue;
                }
                if word[0].is_ascii_digit() {
                    longest_number = longest_number.max(word.len());
                    if word.len() > MAX_NUMBER_LEN {
                        return Err(TooComplex {
                            kind: Budget::Number(word.len()),
                            offset: start,
                        });
                    }
                    number_work += word.len() * word.len();
                    if number_work > MAX_NUMBER_WORK {
                        return Err(TooComplex {
                            kind: Budget::Numbers,
                            offset: start,
                        });
                    }
                    g.word_start(false);
                    g.operand = true;
                    g.value = true;
                    continue;
                }
                g.value = false;
                let class = classify(word);
                if matches!(class, Word::Nests { collapses: true } | Word::Collapses) {
                    g.collapse();
                }
                let closed_if = g.closed_if.take();
                if word == b"else" && g.after_close {
                    // `} else`: the else branch nests one level below its `if`, beside the
                    // condition and the block.
                    if let Some(run) = closed_if {
                        let top = g.top();
                        top.run = top.run.min(run + 1);
                        top.chain_best = top.chain_best.max(top.best);
                        top.best = top.base + top.run;
                    }
                }
                g.word_start(matches!(word, b"as" | b"else" | b"in"));
                match class {
                    Word::Plain => {}
                    Word::Nests { .. } => {
                        if word == b"if" {
                            let top = g.top();
                            top.pending_if = Some(top.run);
                        }
                        g.bump(start)?;
                    }
                    Word::As => {
                        g.operand = true;
                        g.wrap(start)?;
                    }
                    Word::Collapses | Word::Prefix => {}
                }
                g.operand = class == Word::Plain;
                continue;
            }
            _ => {}
        }
        // Punctuation and delimiters: one token per character (as proc-macro2 counts `Punct`s).
        let mut width = 1;
        let mut operand = false;
        let mut after_close = false;
        let mut closed_if = None;
        match c {
            b'(' | b'[' => {
                if g.operand {
                    // A call or an index wraps what it is applied to.
                    g.wrap(i)?;
                }
                g.push(Kind::Delim, i)?;
            }
            b'{' => {
                let if_run = g.top().pending_if.take();
                g.push(Kind::Delim, i)?;
                g.top().if_run = if_run;
            }
            b')' | b']' | b'}' => {
                if let Some(level) = g.close_delimiter() {
                    if c == b'}' {
                        closed_if = level.if_run;
                    }
                }
                operand = true;
                after_close = true;
            }
            b';' => g.reset(),
            b',' => g.comma(),
            b'<' if next == b'=' || g.value => {
                // `<=`, or a comparison or shift after a literal or a group.
                g.collapse();
                g.op(i)?;
                if matches!(next, b'=' | b'<') {
                    width = 2;
                }
            }
            b'<' => {
                if g.operand {
                    g.wrap(i)?;
                }
                g.push(Kind::Angle, i)?;
            }
            b'>' if i > 0 && b[i - 1] == b'-' => {} // `->`, counted at `-`
            b'>' => {
                if g.top_is(Kind::Angle) {
                    g.pop();
                    operand = true;
                } else {
                    g.op(i)?;
                }
            }
            b'=' if next == b'>' => {
                g.reset();
                width = 2;
            }
            b'=' | b'!' if next == b'=' => {
                g.collapse();
                g.op(i)?;
                width = 2;
            }
            b'|' => {
                g.collapse();
                if g.top_is(Kind::Params) {
                    // The end of closure parameters: the body nests one level deeper.
                    g.pop();
                    g.bump(i)?;
                } else if next == b'|' {
                    // `||`: a closure without parameters, or a binary `||`.
                    g.op(i)?;
                    width = 2;
                } else if !g.operand {
                    g.push(Kind::Params, i)?;
                } else {
                    g.wrap(i)?;
                }
            }
            b'.' | b'%' | b'^' | b'/' | b'@' => {
                g.collapse();
                g.op(i)?;
            }
            b'?' => {
                g.wrap(i)?;
                operand = true;
            }
            b'&' | b'*' | b'-' | b'+' | b'=' | b'!' => g.op(i)?,
            b'#' => g.word_start(false),
            _ => {}
        }
        g.value = after_close || c == b'?';
        g.operand = operand;
        g.after_close = after_close;
        g.after_brace = after_close && c == b'}';
        g.closed_if = closed_if;
        tokens += width;
        i += width;
    }
    if tokens > MAX_TOKENS {
        return Err(TooComplex {
            kind: Budget::Tokens,
            offset: n,
        });
    }
    Ok(Complexity {
        depth: g.deepest,
        tokens,
        longest_number,
        number_work,
    })
}

/// Calls `f(name, called)` for each identifier of Rust source `text` outside comments and
/// string, byte-string and char literals, in order, with whether it is called or invoked
/// (`name(..)`, `name!`); stops when `f` returns `true`. A lexer over bytes: no tokens are
/// built, so it costs far less than walking a token stream (which copies it).
pub fn for_each_ident(text: &str, mut f: impl FnMut(&str, bool) -> bool) {
    for_each_ident_at(text, |word, called, _| f(word, called));
}

/// [`for_each_ident`], also given each identifier's byte offset in `text`.
pub fn for_each_ident_at(text: &str, mut f: impl FnMut(&str, bool, usize) -> bool) {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or(0);
        match c {
            b'/' if next == b'/' => {
                i = b[i..].iter().position(|&c| c == b'\n').map_or(n, |p| i + p);
            }
            b'/' if next == b'*' => {
                i = skip_block_comment(b, i);
            }
            b'"' => i = skip_string(b, i + 1),
            b'\'' => i = skip_quote(b, i),
            c if is_word_byte(c) => {
                let start = i;
                while i < n && is_word_byte(b[i]) {
                    i += 1;
                }
                let word = &b[start..i];
                let at = b.get(i).copied().unwrap_or(0);
                if matches!(word, b"r" | b"br" | b"cr") && (at == b'"' || at == b'#') {
                    let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
                    if b.get(i + hashes) == Some(&b'"') {
                        i = skip_raw_string(b, i + hashes + 1, hashes);
                        continue;
                    }
                    if word == b"r" && hashes == 1 {
                        i += 1; // `r#ident`: the identifier follows
                        continue;
                    }
                } else if matches!(word, b"b" | b"c") && at == b'"' {
                    i = skip_string(b, i + 1);
                    continue;
                } else if word == b"b" && at == b'\'' {
                    i = skip_quote(b, i);
                    continue;
                }
                if word[0].is_ascii_digit() {
                    continue;
                }
                let mut j = i;
                while j < n && CLASS[b[j] as usize] == SPACE {
                    j += 1;
                }
                let called = matches!(b.get(j), Some(b'(' | b'!'));
                // Word bytes are ASCII or whole UTF-8 sequences: `start..i` is on char boundaries.
                if f(&text[start..i], called, start) {
                    return;
                }
            }
            _ => i += 1,
        }
    }
}

/// Past the end of a block comment (nested ones included) that opens at `i` (`/*`).
fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut nest = 1;
    i += 2;
    while i < b.len() && nest > 0 {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            nest += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            nest -= 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    i
}

/// Past the closing quote of a `"..."` string whose body starts at `i`.
pub(crate) fn skip_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Past a raw string body starting at `i` that ends with `"` and `hashes` `#`s.
fn skip_raw_string(b: &[u8], mut i: usize, hashes: usize) -> usize {
    while i < b.len() {
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|c| **c == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    b.len()
}

/// At a `'`: past a char literal (`'x'`, `'\n'`, `'\u{1F600}'`, `'é'`), or past the quote
/// of a lifetime or label (`'a`).
fn skip_quote(b: &[u8], i: usize) -> usize {
    let n = b.len();
    if i + 1 >= n {
        return n;
    }
    if b[i + 1] == b'\\' {
        // An escape: the literal ends at the next quote.
        let mut j = i + 2;
        while j < n && b[j] != b'\'' && b[j] != b'\n' {
            j += 1;
        }
        return (j + 1).min(n);
    }
    // One (possibly multi-byte) char followed by a quote is a char literal.
    let width = match b[i + 1] {
        x if x < 0x80 => 1,
        x if x >= 0xF0 => 4,
        x if x >= 0xE0 => 3,
        _ => 2,
    };
    if b.get(i + 1 + width) == Some(&b'\'') {
        return i + 2 + width;
    }
    i + 1
}

#[cfg(test)]
mod tests {
    #[test]
    fn identifiers_outside_literals_and_comments() {
        let text = r##"a.b(c) // d
            "e f" r#"g"# b"h" 'i' 'j x /* k /* l */ m */ n! { 1u8 r#o p (q) } c"s" ü"##;
        let mut seen = Vec::new();
        super::for_each_ident(text, |w, called| {
            seen.push(format!("{w}{}", if called { "()" } else { "" }));
            false
        });
        assert_eq!(
            seen,
            ["a", "b()", "c", "j", "x", "n()", "o", "p()", "q", "ü"]
        );
        let mut first = None;
        super::for_each_ident("x y z", |w, _| {
            first = Some(w.to_string());
            true
        });
        assert_eq!(first.as_deref(), Some("x"));
    }

    use super::*;

    /// Every recursive shape of syn's grammar the guard bounds: (name, text with `n` levels).
    pub(crate) fn families(n: usize) -> Vec<(&'static str, String)> {
        let r = |s: &str| s.repeat(n);
        vec![
            (
                "parens",
                format!("fn f() {{ let x = {}1{}; }}", r("("), r(")")),
            ),
            ("braces", format!("fn f() {}{}", r("{"), r("}"))),
            (
                "brackets",
                format!("fn f() {{ let x = {}1{}; }}", r("["), r("]")),
            ),
            ("not", format!("fn f() {{ let x = {}y; }}", r("!"))),
            ("neg", format!("fn f() {{ let x = {}1; }}", r("- "))),
            ("deref", format!("fn f() {{ let x = {}y; }}", r("* "))),
            ("refs", format!("fn f() {{ let x = {}y; }}", r("&"))),
            ("return", format!("fn f() {{ {}1; }}", r("return "))),
            (
                "break",
                format!("fn f() {{ loop {{ {}1; }} }}", r("break ")),
            ),
            (
                "generics",
                format!("type T = {}u8{};", r("HashMap<u8, "), r(">")),
            ),
            (
                "turbofish",
                format!("fn f() {{ g::<{}u8{}>(); }}", r("Vec::<"), r(">")),
            ),
            ("calls", format!("fn f() {{ a{}; }}", r("()"))),
            ("methods", format!("fn f() {{ a{}; }}", r(".m()"))),
            ("fields", format!("fn f() {{ a{}; }}", r(".b"))),
            ("tuple fields", format!("fn f() {{ a{}; }}", r(".0"))),
            ("indexes", format!("fn f() {{ a{}; }}", r("[0]"))),
            ("try", format!("fn f() {{ a{}; }}", r("?"))),
            ("await", format!("async fn f() {{ a{}; }}", r(".await"))),
            ("plus", format!("fn f() {{ let x = 1{}; }}", r(" + 1"))),
            ("assign", format!("fn f() {{ {}1; }}", r("a = "))),
            ("as", format!("fn f() {{ let x = y{}; }}", r(" as u8"))),
            (
                "else if",
                format!("fn f() {{ if a {{}} {} }}", r("else if a {} ")),
            ),
            (
                "if in else",
                format!("fn f() {{ {}1{} }}", r("if a { 1 } else { "), r("} ")),
            ),
            (
                "if conditions",
                format!("fn f() {{ {}true{} }}", r("if "), r(" {} ")),
            ),
            ("closures", format!("fn f() {{ let c = {}1; }}", r("|x| "))),
            (
                "closures with commas",
                format!("fn f() {{ let c = {}1; }}", r("|a, b| ")),
            ),
            ("ranges", format!("fn f() {{ let c = {}x; }}", r(".. "))),
            ("ref types", format!("type T = {}u8;", r("&&"))),
            ("pointer types", format!("type T = {}u8;", r("*const "))),
            ("fn types", format!("type T = {}u8;", r("fn() -> "))),
            (
                "impl types",
                format!("fn f() -> {}u8 {{}}", r("impl Fn() -> ")),
            ),
            (
                "dyn types",
                format!("type T = {}u8{};", r("Box<dyn Fn() -> "), r(">")),
            ),
            (
                "qualified paths",
                format!("type T = {}T{};", r("<"), r(" as A>::B")),
            ),
            (
                "const generic blocks",
                format!("type T = {}u8{};", r("A<{1}, "), r(">")),
            ),
            (
                "associated bounds",
                format!("type T = {}u8{};", r("A<U: B<"), r(">>")),
            ),
            (
                "hrtb attributes",
                format!("fn f<T: {}u8{}>() {{}}", r("for<#[a] 'x> A<U: "), r(">")),
            ),
            (
                "tuple types",
                format!("type T = {}u8{};", r("(u8, "), r(")")),
            ),
            (
                "ref patterns",
                format!("fn f() {{ let {}x = 1; }}", r("& ")),
            ),
            (
                "binding patterns",
                format!("fn f() {{ let {}x = 1; }}", r("x @ ")),
            ),
            (
                "slice patterns",
                format!("fn f() {{ let {}x{} = 1; }}", r("["), r("]")),
            ),
            (
                "let chains",
                format!("fn f() {{ if {}true {{}} }}", r("let a = b && ")),
            ),
            (
                "attributes",
                format!("#[a{}b{}] fn f() {{}}", r("(a"), r(")")),
            ),
            (
                "labeled blocks",
                format!("fn f() {{ {}{} }}", r("'a: { "), r("} ")),
            ),
            (
                "match arms",
                format!("fn f() {{ {}1{} }}", r("match x { _ => "), r("} ")),
            ),
            (
                "struct literals",
                format!("fn f() {{ let s = {}1{}; }}", r("S { a: "), r(" }")),
            ),
            (
                "unsafe blocks",
                format!("fn f() {{ {}{} }}", r("unsafe { "), r("} ")),
            ),
            (
                "async blocks",
                format!("fn f() {{ {}{} }}", r("async move { "), r("} ")),
            ),
            (
                "while conditions",
                format!("fn f() {{ {}x{} }}", r("while "), r(" {} ")),
            ),
            ("modules", format!("{}{}", r("mod a { "), r("} "))),
            ("nested fns", format!("{}{}", r("fn a() { "), r("} "))),
            (
                "macro bodies",
                format!("async fn f() {{ {}x.await{}; }}", r("join!("), r(")")),
            ),
            (
                "vec bodies",
                format!("fn f() {{ let v = {}1{}; }}", r("vec!["), r("]")),
            ),
            (
                "comparisons in lists",
                format!("fn f() {{ g({}1); }}", r("a < b, ")),
            ),
            (
                "wrapped parens",
                format!("fn f() {{ let x = ({}x){}; }}", r("!"), r(".a")),
            ),
            (
                "wrapped else-if chains",
                format!(
                    "fn f() {{ let x = if a {{}} {} else {{}}{}; }}",
                    r("else if a {} "),
                    r(".a")
                ),
            ),
        ]
    }

    #[test]
    fn parses_ordinary_code() {
        let f = parse_file("async fn f() { g().await; }").unwrap();
        assert_eq!(f.items.len(), 1);
    }

    #[test]
    fn shebang_is_skipped_but_inner_attributes_are_not() {
        assert!(parse_file("#!/usr/bin/env rust-script\nfn main() {}\n").is_ok());
        assert!(parse_file("#![allow(dead_code)]\nfn main() {}\n").is_ok());
    }

    #[test]
    fn every_family_is_too_deep_at_ten_thousand_levels() {
        for (name, text) in families(10_000) {
            let err = complexity(&text).expect_err(name);
            assert_eq!(err.kind, Budget::Nesting, "{name}");
            let failure = parse_file(&text).unwrap_err();
            assert!(
                failure.message.contains("too complex to analyze")
                    && failure.message.contains("nesting too deep"),
                "{name}: {}",
                failure.message
            );
            assert_eq!(failure.line, 1, "{name}");
            assert!(failure.column > 1, "{name}");
        }
    }

    #[test]
    fn each_level_of_each_family_counts() {
        // Linear in the number of levels: never reset by what does not end the nesting.
        for ((name, small), (_, big)) in families(50).into_iter().zip(families(100)) {
            let (a, b) = (complexity(&small).unwrap(), complexity(&big).unwrap());
            assert!(
                b.depth >= a.depth + 50,
                "{name}: {} then {}",
                a.depth,
                b.depth
            );
        }
    }

    #[test]
    fn the_four_reported_families() {
        let deep = |text: String| complexity(&text).unwrap_err().kind == Budget::Nesting;
        assert!(deep(format!(
            "fn f() -> u8 {{ {}1 }}",
            "return ".repeat(2_000)
        )));
        assert!(deep(format!(
            "type T = {}u8{};",
            "HashMap<u8, ".repeat(2_000),
            ">".repeat(2_000)
        )));
        assert!(deep(format!(
            "fn f() {{ a::<{}u8{}>(); }}",
            "b::<".repeat(2_000),
            ">".repeat(2_000)
        )));
        assert!(deep(format!("fn f() {{ a{}; }}", "()".repeat(2_000))));
    }

    #[test]
    fn separators_end_the_nesting_they_close() {
        // Thousands of statements, items, arms, list elements and else-if links are not nesting.
        let ok = |text: String| {
            let c = complexity(&text).unwrap_or_else(|e| panic!("{e:?}"));
            assert!(c.depth < 40, "{} for {}", c.depth, &text[..80]);
        };
        ok(format!(
            "fn f() {{ {} }}",
            "let x = !a.b().c[0]? + 1;".repeat(5_000)
        ));
        ok(format!(
            "fn f() {{ {} }}",
            "if a < b { g(); } ".repeat(5_000)
        ));
        ok(format!(
            "fn f() {{ {} }}",
            "while i < n { i += 1 } ".repeat(5_000)
        ));
        ok("fn a() {} impl B { fn c(&self) {} } ".repeat(5_000));
        ok(format!(
            "fn f() {{ match x {{ {} }} }}",
            "A(x) if x < 1 => { g() } ".repeat(5_000)
        ));
        ok(format!("fn f() {{ g({}); }}", "a.b(), ".repeat(5_000)));
        ok(format!(
            "const A: [u8; 1] = [{}];",
            "1 << 2, ".repeat(5_000)
        ));
        ok(format!(
            "fn f() {{ let v = [{}]; }}",
            "a < b, c.d(), ".repeat(5_000)
        ));
        ok(format!(
            "type T = ({});",
            "HashMap<u8, Vec<u8>>, ".repeat(5_000)
        ));
    }

    #[test]
    fn real_shapes_stay_shallow() {
        let depth = |text: &str| complexity(text).unwrap().depth;
        let chain = format!("fn f() {{ let x = b{}; }}", ".m()".repeat(300));
        assert!(parse_file(&chain).is_ok());
        let generic = "type T = HashMap<Vec<Option<Arc<Mutex<u8>>>>, u8>;";
        assert!(parse_file(generic).is_ok());
        assert!(depth(generic) < 15);
        assert!(parse_file("fn f(a: u8, b: u8) -> bool { a < b && b > a && a << 2 > 1 }").is_ok());
        // A long else-if chain: one level per link.
        let chain = format!(
            "fn f() {{ if x.starts_with(\"a\") {{ g(x.y()?) }} {} else {{ h() }} }}",
            "else if let Some(r) = x.strip_prefix(\"b\") { g(r.y()?) } ".repeat(100)
        );
        let d = depth(&chain);
        assert!((100..150).contains(&d), "{d}");
        // A builder chain with nested arguments: the chain plus the deepest argument.
        let builder = format!(
            "fn f() {{ a{}; }}",
            ".route(web::get().to(|| async {{ H::ok().body(\"x\") }}))".repeat(50)
        );
        let d = depth(&builder);
        assert!(d < 200, "{d}");
        // Comments, strings and char literals are not code.
        let hidden = format!(
            "// {0}\n/* {0} */ const S: &str = \"{0}\"; const R: &str = r#\"{0}\"#; const C: char = '(';",
            "((((<<<<|||&&&".repeat(1_000)
        );
        assert!(depth(&hidden) < 5);
    }

    #[test]
    fn literal_budgets() {
        let number = format!("const N: u128 = {};", "1".repeat(MAX_NUMBER_LEN + 1));
        let err = complexity(&number).unwrap_err();
        assert_eq!(err.kind, Budget::Number(MAX_NUMBER_LEN + 1));
        assert_eq!(err.offset, "const N: u128 = ".len());
        assert!(parse_file(&number)
            .unwrap_err()
            .message
            .starts_with("too complex to analyze (a number literal of 257 bytes"));
        let binary = format!("const N: u128 = 0b{};", "1_1".repeat(80));
        assert!(parse_file(&binary).is_ok());
        let many = format!(
            "const A: [u8; 1] = [{}];",
            format!("{},", "9".repeat(200)).repeat(10_000)
        );
        assert_eq!(complexity(&many).unwrap_err().kind, Budget::Numbers);
        let string = format!("const S: &str = \"{}\";", "x".repeat(MAX_LITERAL_BYTES));
        assert!(matches!(
            complexity(&string).unwrap_err().kind,
            Budget::Literal(_)
        ));
        let doc = format!("/// {}\nfn f() {{}}", "x".repeat(MAX_LITERAL_BYTES));
        assert!(matches!(
            complexity(&doc).unwrap_err().kind,
            Budget::Literal(_)
        ));
        let raw = format!(
            "const S: &[u8] = br##\"{}\"##;",
            "x".repeat(MAX_LITERAL_BYTES)
        );
        assert!(matches!(
            complexity(&raw).unwrap_err().kind,
            Budget::Literal(_)
        ));
        let fine = format!("const S: &str = \"{}\";", "x".repeat(100_000));
        assert!(parse_file(&fine).is_ok());
    }

    #[test]
    fn token_budget() {
        let big = format!("const A: [u8; 1] = [{}];", "0,".repeat(MAX_TOKENS / 2 + 1));
        let err = complexity(&big).unwrap_err();
        assert_eq!(err.kind, Budget::Tokens);
        assert!(Budget::Tokens.message().contains("too complex to analyze"));
        let ok = format!("const A: [u8; 1] = [{}];", "0,".repeat(MAX_TOKENS / 4));
        assert!(complexity(&ok).unwrap().tokens > MAX_TOKENS / 2);
        // Comments are not tokens; doc comments are.
        let comments = "// x\n/* y */\n".repeat(MAX_TOKENS);
        assert_eq!(complexity(&comments).unwrap().tokens, 0);
        assert_eq!(complexity("/// d\n//! e\n/** f */").unwrap().tokens, 15);
    }

    #[test]
    fn lexer_errors_have_positions() {
        let err = parse_file("fn f() {\n  let s = \"unterminated;\n").unwrap_err();
        assert!(err.line >= 1);
        let err = parse_file("fn f() { let x = 1 +; }").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.column > 1);
    }

    #[test]
    fn raw_identifiers_and_lifetimes_are_words() {
        let c = complexity("fn r#return<'a>(x: &'a u8) -> &'a u8 { r#match(x) }").unwrap();
        assert!(c.depth < 10, "{}", c.depth);
    }
}
