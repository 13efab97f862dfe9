//! The pure core: source text + configuration → findings. No I/O, no clock, no globals.
//!
//! [`analyze_file`] parses one file once and walks it once, handing nodes to every enabled
//! rule; it returns findings (some conditional on crate-wide facts), the file's contribution to
//! those facts, and the out-of-line `mod` declarations the shell follows to find more files.
//! [`finish_crate`] applies the crate-wide facts; [`finalize`] stamps levels and sorts.
//! [`analyze_sources`] chains the three for callers that have all texts at hand.

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Span};
use crate::parse::{self, ParseFailure};
use crate::rules::{self, Finding, FnNode, Rule, Sink};
use crate::semantic::awaits::AwaitSummary;
use crate::semantic::exec::{self as exec, Exec, ExecState};
use crate::semantic::items::{self, ItemTree};
use crate::semantic::macros::{self, MacroBody};
use crate::semantic::values::{self, Locals};
use crate::semantic::{
    self, Callee, CrateFacts, CrateInfo, Cx, FileFacts, FileInfo, FnKind, Frame, LoopKind,
    Resolver, Scope,
};
use crate::source::LineIndex;
use crate::suppress;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

/// One file handed to the core.
#[derive(Debug, Clone, Copy)]
pub struct FileInput<'a> {
    /// Display path (used in messages only).
    pub path: &'a str,
    pub text: &'a str,
    /// The file's module path in its crate (`[]` for a crate root).
    pub module_path: &'a [String],
    /// Part of a test, bench or example target.
    pub is_test_target: bool,
    /// Reached through a `#[cfg]`-gated `mod` (cargo mode): every item in it is one `#[cfg]`
    /// variant, as if the attribute were on each (`#[cfg(feature = "x")] mod imp;` next to
    /// `#[cfg(not(feature = "x"))] mod imp_stub;`).
    pub cfg_gated: bool,
}

/// An out-of-line module declaration (`mod net;`), for the shell to find the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModDecl {
    pub name: String,
    /// The value of `#[path = "..."]`, if any.
    pub path_attr: Option<String>,
    /// Names of the inline modules (`mod a { mod b { mod net; } }`) it is declared in.
    pub inline_parents: Vec<String>,
    /// Where it is declared (for "file not found for module" reports).
    pub span: Span,
    /// Under a `#[cfg(..)]`: a missing file is not an error (it may be for another platform).
    pub cfg_gated: bool,
    /// Under `#[cfg(test)]` (on itself or an enclosing module): the file is test code.
    pub cfg_test: bool,
}

/// What one file yields.
#[derive(Debug, Default)]
pub struct FileAnalysis {
    pub findings: Vec<Finding>,
    pub facts: FileFacts,
    pub modules: Vec<ModDecl>,
    /// `// async-lint: allow(..)` comments, resolved to the lines they cover.
    pub suppressions: FileSuppressions,
}

/// The suppression comments of one file, applied once the crate's findings are final, and the
/// enclosing items of the findings made after the file's analysis (`unused_suppression`s at the
/// directives, missing module files at the `mod` declarations).
#[derive(Debug, Default)]
pub struct FileSuppressions {
    pub suppressions: Vec<suppress::Suppression>,
    /// Comments that look like directives but are not well-formed.
    pub malformed: Vec<(Span, String)>,
    /// (line, enclosing item path) for the lines of the directives, malformed comments and
    /// out-of-line `mod` declarations, sorted by line.
    pub items: Vec<(u32, String)>,
}

impl FileSuppressions {
    pub fn is_empty(&self) -> bool {
        self.suppressions.is_empty() && self.malformed.is_empty() && self.items.is_empty()
    }

    /// The enclosing item recorded for `line`, if any.
    fn item_at(&self, line: u32) -> Option<String> {
        let i = self.items.binary_search_by_key(&line, |(l, _)| *l).ok()?;
        Some(self.items[i].1.clone())
    }
}

/// Parse and analyze one file. Pure; never panics on any input text.
///
/// Needs a large stack for deeply nested input (the shell runs it on threads with
/// [`parse::STACK_SIZE`]); nesting beyond [`parse::MAX_NESTING`] is refused before parsing.
pub fn analyze_file(input: FileInput<'_>, krate: &CrateInfo, config: &Config) -> FileAnalysis {
    let result = match parse::parse_file(input.text) {
        Ok(file) => {
            let (mut result, items, lines) = walk(&file, input, krate, config);
            // The directive lexer only runs on files that mention the tool.
            if input.text.contains("async-lint") {
                let (directives, malformed) = suppress::parse_directives(input.text);
                result.suppressions = FileSuppressions {
                    suppressions: suppress::resolve(input.text, &file, directives),
                    malformed,
                    items: Vec::new(),
                };
            }
            stamp_items(&mut result, &items, input.text, lines);
            drop(file);
            result
        }
        Err(failure) => FileAnalysis {
            findings: vec![Finding {
                diag: parse_error(input.text, &failure),
                unless: Vec::new(),
            }],
            ..FileAnalysis::default()
        },
    };
    // Spans live in a per-thread source map that grows with every file parsed; nothing that
    // refers to this file's spans is alive any more.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

/// Names each finding's enclosing item, and records the items of the lines where findings are
/// made later (suppression directives, `mod` declarations), while the file's items are known.
fn stamp_items(result: &mut FileAnalysis, items: &ItemTree, text: &str, index: LineIndex) {
    let s = &result.suppressions;
    let mut later: Vec<u32> = s
        .suppressions
        .iter()
        .map(|s| s.directive.span.line_start)
        .chain(s.malformed.iter().map(|(span, _)| span.line_start))
        .chain(result.modules.iter().map(|m| m.span.line_start))
        .collect();
    if result.findings.is_empty() && later.is_empty() {
        return;
    }
    later.sort_unstable();
    later.dedup();
    // The line a baseline key uses: the span resolved against the text, as renderers do.
    let resolved = crate::render::Text { text, index };
    let lines: Vec<u32> = result
        .findings
        .iter()
        .map(|f| resolved.resolve(&f.diag.span).line_start)
        .chain(later.iter().copied())
        .collect();
    let mut paths = items.paths_at(&lines).into_iter();
    for f in &mut result.findings {
        f.diag.item = paths.next().flatten();
    }
    result.suppressions.items = later
        .into_iter()
        .zip(paths)
        .filter_map(|(line, path)| Some((line, path?)))
        .collect();
}

/// The path of the item enclosing `line` in `text` (for tests that build findings by hand).
#[cfg(test)]
pub(crate) fn item_at(text: &str, line: u32) -> Option<String> {
    let file = parse::parse_file(text).ok()?;
    let input = FileInput {
        path: "t.rs",
        text,
        module_path: &[],
        is_test_target: false,
        cfg_gated: false,
    };
    let (_, items, _) = walk(&file, input, &CrateInfo::default(), &Config::default());
    items.paths_at(&[line]).pop().flatten()
}

/// The `parse_error` finding for a file that could not be parsed.
pub fn parse_error(text: &str, failure: &ParseFailure) -> Diagnostic {
    let lines = LineIndex::new(text);
    let line = failure.line.clamp(1, lines.line_count() as u32);
    let start = lines.offset(text, line, failure.column);
    let end = text[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    let span = lines.span(text, start, end);
    Diagnostic::new(
        rules::PARSE_ERROR.id,
        span,
        format!("could not parse this file: {}", failure.message),
    )
    .with_note("the file is skipped; the other files are still analyzed")
}

/// A `parse_error` for a file that could not be read at all (or a missing module file).
pub fn read_error(message: impl Into<String>, span: Span) -> Diagnostic {
    Diagnostic::new(rules::PARSE_ERROR.id, span, message)
        .with_note("the file is skipped; the other files are still analyzed")
}

/// Apply the crate's merged facts: drop findings whose conditions fail.
pub fn finish_crate(findings: Vec<Finding>, facts: &CrateFacts) -> Vec<Diagnostic> {
    findings
        .into_iter()
        .filter(|f| f.unless.iter().all(|c| facts.holds(c)))
        .map(|f| {
            let mut diag = f.diag;
            for c in &f.unless {
                if let semantic::facts::Condition::FixAtCallSites(t) = c {
                    semantic::call_sites::settle(&mut diag, t, facts);
                }
            }
            diag
        })
        .collect()
}

/// Apply each file's suppression comments to its findings. Returns the findings that stay
/// (with `unused_suppression`s for directives that suppress nothing or are malformed) and the
/// suppressed ones, each carrying its reason (for SARIF). `suppressions` maps a file index to
/// its directives.
pub fn apply_suppressions<'c>(
    diags: Vec<Diagnostic>,
    suppressions: &std::collections::HashMap<usize, FileSuppressions>,
    config_of: &dyn Fn(usize) -> &'c Config,
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    if suppressions.values().all(FileSuppressions::is_empty) {
        return (diags, Vec::new());
    }
    let mut by_file: std::collections::BTreeMap<usize, Vec<Diagnostic>> = Default::default();
    for d in diags {
        by_file.entry(d.file).or_default().push(d);
    }
    for file in suppressions.keys() {
        by_file.entry(*file).or_default();
    }
    let all_ids: Vec<&'static str> = rules::all_meta().map(|m| m.id).collect();
    let mut out = Vec::new();
    let mut hidden = Vec::new();
    for (file, mut diags) in by_file {
        match suppressions.get(&file).filter(|s| !s.is_empty()) {
            None => out.extend(diags),
            Some(s) if s.suppressions.is_empty() && s.malformed.is_empty() => {
                stamp_later(&mut diags, s);
                out.extend(diags);
            }
            Some(s) => {
                stamp_later(&mut diags, s);
                let config = config_of(file);
                let applied = suppress::apply(
                    diags,
                    &s.suppressions,
                    &s.malformed,
                    config.require_reason,
                    &|rule| config.enabled(rule),
                    &|rule| config.forbidden_by(rule),
                    &|name| rules::canonical_id(name),
                    &all_ids,
                    file,
                );
                let mut problems = applied.problems;
                stamp_later(&mut problems, s);
                out.extend(applied.kept);
                out.extend(problems);
                hidden.extend(applied.suppressed);
            }
        }
    }
    (out, hidden)
}

/// Names the enclosing item of findings made after the file's analysis.
fn stamp_later(diags: &mut [Diagnostic], s: &FileSuppressions) {
    for d in diags.iter_mut().filter(|d| d.item.is_none()) {
        d.item = s.item_at(d.span.line_start);
    }
}

/// Stamp each finding with its configured severity (dropping allowed ones), sort, and add
/// rustc's "is warn by default" note to the first finding of each rule.
pub fn finalize<'c>(
    diags: Vec<Diagnostic>,
    config_of: &dyn Fn(usize) -> &'c Config,
) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = diags
        .into_iter()
        .filter_map(|mut d| {
            d.severity = config_of(d.file).severity(d.rule)?;
            Some(d)
        })
        .collect();
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.span == b.span);
    let mut seen = std::collections::HashSet::new();
    for d in &mut out {
        if seen.insert(d.rule) {
            let config = config_of(d.file);
            let level = config.level(d.rule);
            let origin = match config.level_source(d.rule) {
                Some(crate::config::LevelSource::Default) | None => "on by default".to_string(),
                Some(source) => format!("set by {source}"),
            };
            d.notes.push(format!(
                "`async_lint::{}` is `{}` ({origin}); see `cargo async-lint --explain {}`",
                d.rule,
                level.as_str(),
                d.rule
            ));
        }
    }
    out
}

/// All files of one crate, end to end: the pure function from texts and config to sorted
/// findings. `Diagnostic::file` is the index into `files`.
pub fn analyze_sources(
    files: &[FileInput<'_>],
    krate: &CrateInfo,
    config: &Config,
) -> Vec<Diagnostic> {
    let mut facts = CrateFacts::default();
    let mut findings = Vec::new();
    let mut suppressions = std::collections::HashMap::new();
    for (i, input) in files.iter().enumerate() {
        let analysis = analyze_file(*input, krate, config);
        facts.add_in(i, analysis.facts);
        findings.extend(analysis.findings.into_iter().map(|mut f| {
            f.diag.file = i;
            f
        }));
        suppressions.insert(i, analysis.suppressions);
    }
    // The files are the crate, unless one did not parse.
    facts.whole_crate = !findings
        .iter()
        .any(|f: &Finding| f.diag.rule == rules::PARSE_ERROR.id);
    let (diags, _suppressed) =
        apply_suppressions(finish_crate(findings, &facts), &suppressions, &|_| config);
    finalize(diags, &|_| config)
}

// ---- the walk ------------------------------------------------------------------------------

fn walk(
    file: &syn::File,
    input: FileInput<'_>,
    krate: &CrateInfo,
    config: &Config,
) -> (FileAnalysis, ItemTree, LineIndex) {
    let info = FileInfo {
        path: input.path,
        text: input.text,
        lines: LineIndex::new(input.text),
        module_path: input.module_path,
        is_test_target: input.is_test_target,
        ast: file,
        memo: semantic::Memo::default(),
    };
    // PATH mode knows no manifest: the crates a file imports stand in for its dependencies.
    let inferred;
    let krate = if krate.dependencies.is_empty() {
        inferred = CrateInfo {
            dependencies: semantic::imported_crates(file),
            ..krate.clone()
        };
        &inferred
    } else {
        krate
    };
    let rules: Vec<&dyn Rule> = rules::RULES
        .iter()
        .copied()
        .filter(|r| config.enabled(r.meta().id))
        .collect();
    let macro_bodies = typed_arena::Arena::new();
    let mut w = Walker {
        macro_bodies: &macro_bodies,
        cx: Cx {
            file: &info,
            krate,
            config,
            resolver: Resolver::default(),
            frames: Vec::new(),
            bound: Vec::new(),
            outer_stmts: Vec::new(),
            exec: ExecState::with_wrappers(
                config
                    .options::<crate::registry::MissingTimeoutOptions>()
                    .timeout_wrappers
                    .clone(),
            ),
        },
        rules,
        sink: Sink::default(),
        facts: FileFacts::default(),
        modules: Vec::new(),
        inline_mods: Vec::new(),
        module_path: input.module_path.to_vec(),
        pending_callee: None,
        cfg_depth: usize::from(input.cfg_gated),
        awaited: None,
        await_site: None,
        items: ItemTree::default(),
        macro_depth: 0,
        declared_mods: Default::default(),
        spawned_blocks: Default::default(),
        main_blocks: Default::default(),
        spawned_frames: Vec::new(),
        tracks_sends: false,
        macro_modules: 0,
        pending_exec: None,
        offload_wrappers: config
            .options::<crate::registry::BlockingInAsyncOptions>()
            .offload_wrappers
            .clone(),
        requests: (0, 0),
    };
    w.tracks_sends = w.rule_enabled(crate::registry::UNBOUNDED_CHANNEL.id);
    w.visit_file(file);
    if w.requests.0 > 0 && w.requests.0 == w.requests.1 {
        w.facts.requests_bounded_in = Some(input.path.to_string());
    }
    w.facts.blocking_fns.extend(w.sink.blocking_fns);
    w.facts.sync_calls = w.sink.sync_calls;
    w.facts.blocking_fns_if = w.sink.blocking_fns_if;
    let analysis = FileAnalysis {
        findings: w.sink.findings,
        facts: w.facts,
        modules: w.modules,
        suppressions: FileSuppressions::default(),
    };
    let items = w.items;
    (analysis, items, info.lines)
}

struct Walker<'a> {
    cx: Cx<'a>,
    /// The parsed macro bodies of the file, alive as long as its tree.
    macro_bodies: &'a typed_arena::Arena<MacroBody>,
    rules: Vec<&'a dyn Rule>,
    sink: Sink,
    facts: FileFacts,
    modules: Vec<ModDecl>,
    inline_mods: Vec<String>,
    module_path: Vec<String>,
    /// The callee of the call whose closure argument is about to be visited.
    pending_callee: Option<Callee>,
    /// How many enclosing items carry a `#[cfg(..)]`.
    cfg_depth: usize,
    /// The address of the expression directly under the innermost `.await` seen.
    awaited: Option<usize>,
    /// The call directly under the innermost `.await` (no adapter between), by address, with
    /// the span of its `.await` ([`semantic::call_sites`]).
    await_site: Option<(usize, Span)>,
    /// The named items seen so far (not those inside macro bodies), for enclosing-item paths.
    items: ItemTree,
    /// How many macro bodies enclose the current node.
    macro_depth: usize,
    /// (name, `#[path]`, inline parents) of the out-of-line modules declared so far.
    declared_mods: std::collections::HashSet<(String, Option<String>, Vec<String>)>,
    /// Who runs the closure argument about to be visited.
    pending_exec: Option<Exec>,
    /// `blocking_in_async`'s `offload-wrappers`: project helpers that run their closure off the
    /// executor.
    offload_wrappers: Vec<String>,
    /// HTTP requests sent in this file (`.get(url)…send()`), and those bounded by a timeout.
    requests: (usize, usize),
    /// `async` blocks handed to a spawn (`tokio::spawn(async move { .. })`), by address, and
    /// the frame index of each one being walked: a task runs under no caller's deadline.
    spawned_blocks: std::collections::HashSet<usize>,
    spawned_frames: Vec<usize>,
    /// `async` blocks a plain fn hands to a runtime's `block_on`, by address: its root future.
    main_blocks: std::collections::HashSet<usize>,
    /// `unbounded_channel` runs: record where channel sends happen and what async code calls.
    tracks_sends: bool,
    /// Modules declared from item macros' names so far ([`Self::declare_macro_modules`]).
    macro_modules: usize,
}

/// The re-exports of a `pub use` tree declared in module `here` ([`FileFacts::reexport_globs`]).
fn reexports(tree: &syn::UseTree, prefix: &mut Vec<String>, here: &str, facts: &mut FileFacts) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            reexports(&p.tree, prefix, here, facts);
            prefix.pop();
        }
        syn::UseTree::Group(g) => g
            .items
            .iter()
            .for_each(|t| reexports(t, prefix, here, facts)),
        syn::UseTree::Glob(_) => {
            if let Some(source) = prefix
                .last()
                .filter(|s| !matches!(s.as_str(), "self" | "super"))
            {
                facts
                    .reexport_globs
                    .push((here.to_string(), source.clone()));
            }
        }
        syn::UseTree::Name(n) => {
            if let Some(source) = prefix.last() {
                let name = n.ident.to_string();
                facts
                    .reexport_names
                    .push((format!("{here}::{name}"), format!("{source}::{name}")));
            }
        }
        syn::UseTree::Rename(r) => {
            if let Some(source) = prefix.last() {
                facts.reexport_names.push((
                    format!("{here}::{}", r.rename),
                    format!("{source}::{}", r.ident),
                ));
            }
        }
    }
}

/// The keys calls of a fn are recorded under ([`semantic::facts::fn_keys`]).
fn fn_ref_keys(f: &semantic::facts::FnRef) -> Vec<String> {
    if f.method {
        vec![f.key.clone()]
    } else {
        vec![f.key.clone(), f.name.clone()]
    }
}

fn has_cfg(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg"))
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| {
        if !a.path().is_ident("path") {
            return None;
        }
        str_value(&a.meta.require_name_value().ok()?.value)
    })
}

/// The value of a string literal (`"linux.rs"`).
fn str_value(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// The paths of `#[cfg_attr(pred, path = "x.rs")]`: one per platform variant of the module.
fn cfg_attr_paths(attrs: &[syn::Attribute]) -> Vec<String> {
    use syn::punctuated::Punctuated;
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg_attr"))
        .filter_map(|a| {
            a.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                .ok()
        })
        .flat_map(|metas| {
            metas.into_iter().skip(1).filter_map(|m| match m {
                syn::Meta::NameValue(nv) if nv.path.is_ident("path") => str_value(&nv.value),
                _ => None,
            })
        })
        .collect()
}

fn block_items(block: &syn::Block) -> Vec<&syn::Item> {
    block
        .stmts
        .iter()
        .filter_map(|s| match s {
            syn::Stmt::Item(i) => Some(i),
            _ => None,
        })
        .collect()
}

impl<'a> Walker<'a> {
    /// Walks an item's contents with it recorded as the enclosing item (items inside macro
    /// bodies are not recorded: they are not items of the file as written).
    fn with_item(
        &mut self,
        first: proc_macro2::Span,
        last: proc_macro2::Span,
        segment: impl FnOnce() -> String,
        f: impl FnOnce(&mut Self),
    ) {
        if self.macro_depth > 0 {
            return f(self);
        }
        self.items.enter(first, last, segment());
        f(self);
        self.items.exit();
    }

    /// An out-of-line module for the shell to find. The same declaration again (rustc rejects
    /// it) names the same file: the shell needs it once (20,000 copies of `mod x;` are 20,000
    /// file look-ups and reports).
    fn declare_module(
        &mut self,
        name: String,
        path: Option<String>,
        span: Span,
        cfg_gated: bool,
        cfg_test: bool,
    ) {
        let key = (name.clone(), path.clone(), self.inline_mods.clone());
        if !self.declared_mods.insert(key) {
            return;
        }
        self.modules.push(ModDecl {
            name,
            path_attr: path,
            inline_parents: self.inline_mods.clone(),
            span,
            cfg_gated,
            cfg_test,
        });
    }

    /// An item macro whose body is no items we can read (`mod_flat!(config worker)`, a crate's
    /// `register_clients!((openai, ..))` that expands to `mod $name;`) may declare modules: each
    /// snake_case name in it is a module whose file, if there is one, is linted (a name with no
    /// file is not reported).
    fn declare_macro_modules(&mut self, m: &syn::ItemMacro) {
        if self.macro_depth > 0 || self.cx.frames.iter().any(|f| matches!(f, Frame::Fn { .. })) {
            return;
        }
        // A bounded number per file: 20,000 macros of 64 names each are no 1.3M file look-ups.
        if self.macro_modules >= 256 {
            return;
        }
        let mut names = Vec::new();
        macros::module_like_idents(&m.mac.tokens, &mut names);
        let span = self.cx.span(m.span());
        for name in names.into_iter().take(256 - self.macro_modules) {
            self.macro_modules += 1;
            self.declare_module(name, None, span, true, false);
        }
    }

    fn walk_item_mod(&mut self, m: &'a syn::ItemMod) {
        let name = m.ident.to_string();
        let Some((_, items)) = &m.content else {
            let path = path_attr(&m.attrs);
            if path.is_none() && m.attrs.iter().any(|a| a.path().is_ident("path")) {
                return; // `#[path = concat!(env!("OUT_DIR"), ..)]`: generated at build time
            }
            // `#[cfg_attr(target_os = "linux", path = "linux.rs")]`, one per platform: each
            // file is the module on some target, so each is linted (as `#[cfg]` variants are);
            // a missing one is another platform's business, as is the default file then.
            let variants = cfg_attr_paths(&m.attrs);
            let platform_paths = !variants.is_empty();
            let paths = if platform_paths && path.is_none() {
                variants.into_iter().map(Some).chain([None]).collect()
            } else {
                vec![path]
            };
            let span = self.cx.span(m.span());
            let cfg_gated = platform_paths
                || self.cfg_depth > 0
                || has_cfg(&m.attrs)
                || self
                    .cx
                    .frames
                    .iter()
                    .any(|f| matches!(f, Frame::Macro { .. }));
            let cfg_test = m.attrs.iter().any(semantic::is_cfg_test)
                || self
                    .cx
                    .frames
                    .iter()
                    .any(|f| matches!(f, Frame::Mod { cfg_test: true, .. }));
            for path in paths {
                self.declare_module(name.clone(), path, span, cfg_gated, cfg_test);
            }
            return;
        };
        self.module_path.push(name.clone());
        self.inline_mods.push(name.clone());
        self.cx
            .resolver
            .push(Scope::for_items(items.iter(), &self.module_path));
        let cfg_test = m.attrs.iter().any(semantic::is_cfg_test);
        self.with_frame(Frame::Mod { name, cfg_test }, |w| {
            for item in items {
                w.visit_item(item);
            }
        });
        self.cx.resolver.pop();
        self.inline_mods.pop();
        self.module_path.pop();
    }

    fn with_frame(&mut self, frame: Frame<'a>, f: impl FnOnce(&mut Self)) {
        self.cx.frames.push(frame);
        f(self);
        self.cx.frames.pop();
    }

    fn in_fn(&self) -> bool {
        self.cx.frames.iter().any(|f| {
            matches!(
                f,
                Frame::Fn { .. } | Frame::Closure { .. } | Frame::AsyncBlock
            )
        })
    }

    /// A block's statements, each with the ones before it on [`Cx::outer_stmts`] (what
    /// `syn::visit::visit_block` does, plus that).
    fn visit_stmts(&mut self, b: &'a syn::Block) {
        for (i, stmt) in b.stmts.iter().enumerate() {
            self.cx.outer_stmts.push(&b.stmts[..i]);
            self.visit_stmt(stmt);
            self.cx.outer_stmts.pop();
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_fn(
        &mut self,
        attrs: &[syn::Attribute],
        vis: Option<&syn::Visibility>,
        sig: &'a syn::Signature,
        body: &'a syn::Block,
        kind: FnKind,
    ) {
        let self_ty = self.cx.self_type().map(str::to_string);
        let self_ty = if matches!(kind, FnKind::Free | FnKind::Nested) {
            None
        } else {
            self_ty
        };
        let is_async = sig.asyncness.is_some();
        let awaits = is_async.then(|| AwaitSummary::of_block(body));
        let cfg_gated = self.cfg_depth > 0 || has_cfg(attrs);
        if let Some(a) = &awaits {
            if a.awaits() && cfg_gated {
                let name = sig.ident.to_string();
                let key = semantic::facts::twin_key(self_ty.as_deref(), &name);
                self.facts.awaiting_async_fns.insert(key);
            }
        }
        let node_self_ty = self_ty.clone();
        let kind_of_fn = kind.clone();
        let node = FnNode {
            attrs,
            vis,
            sig,
            body,
            kind: kind.clone(),
            self_ty,
            cfg_gated,
            is_test: attrs
                .iter()
                .any(|a| semantic::is_test_attr(a) || semantic::is_cfg_test(a)),
            awaits,
        };
        let name = sig.ident.to_string();
        let key = semantic::facts::fn_keys(&self.module_path, node.self_ty.as_deref(), &name);
        self.facts.fn_defs.extend(key.into_iter().next());
        self.declare_fn(sig, body);
        let run = if !is_async {
            Exec::Sync
        } else if attrs.iter().any(exec::is_main_attr) {
            Exec::RuntimeMain
        } else {
            Exec::Executor
        };
        let public = self.cx.krate.has_lib && matches!(vis, Some(syn::Visibility::Public(_)));
        self.cx
            .exec
            .enter_fn(run, Locals::of_params(&self.cx.resolver, sig), public);
        let frame = Frame::Fn {
            name: sig.ident.to_string(),
            is_async,
            kind,
            is_test: attrs
                .iter()
                .any(|a| semantic::is_test_attr(a) || semantic::is_cfg_test(a)),
            sig,
            body,
            mutable: Default::default(),
        };
        // `#[tokio::main] async fn f()` is a sync fn to its callers: it blocks on its own runtime.
        let async_to_callers = is_async && !attrs.iter().any(exec::is_main_attr);
        self.note_fn_asyncness(sig, async_to_callers, node_self_ty.as_deref(), &kind_of_fn);
        if async_to_callers {
            self.note_async_body(sig, body, node_self_ty.as_deref(), &kind_of_fn);
        }
        if self.rule_enabled(crate::registry::DETACHED_SPAWN.id)
            && semantic::returns_join_handle(sig)
        {
            let keys = self.fact_keys(sig, node_self_ty.as_deref(), &kind_of_fn);
            self.facts.spawn_wrappers.extend(keys);
        }
        self.cx.bound.push(Default::default());
        let outer = std::mem::take(&mut self.cx.outer_stmts);
        self.with_frame(frame, |w| {
            // Rules see the fn from inside its own frame: its parameters' kinds, its bindings
            // (`fn_mutables`), whether it is test code.
            for rule in &w.rules {
                rule.check_fn(&w.cx, &node, &mut w.sink);
            }
            w.visit_signature(sig);
            w.visit_block(body);
        });
        self.cx.outer_stmts = outer;
        self.cx.bound.pop();
        self.cx.exec.exit_fn();
    }

    /// Crate-wide declarations of a fn: its parameters' and return type's kinds, and whether
    /// it hands out a reqwest `ClientBuilder` (with or without a timeout).
    fn declare_fn(&mut self, sig: &syn::Signature, body: &syn::Block) {
        let resolver = &self.cx.resolver;
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                let kind = values::declared_kind(resolver, &t.ty);
                for n in semantic::dataflow::pat_idents(&t.pat) {
                    self.facts.declared.push((n, kind));
                }
            }
        }
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            let name = sig.ident.to_string();
            self.facts
                .declared
                .push((name.clone(), values::returned_kind(resolver, ty)));
            // `-> ClientBuilder`, or `-> reqwest::Result<ClientBuilder>` (what `?` unwraps).
            let handed_out = values::wrapped_type(ty, &["Result", "Option"]).unwrap_or(ty);
            if let syn::Type::Path(p) = handed_out {
                if p.path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "ClientBuilder")
                    && resolver.is(&p.path, semantic::known::timeout::REQWEST_BUILDER_TYPE)
                        == semantic::Tri::Yes
                {
                    let text = self.cx.snippet(self.cx.span(body.brace_token.span.join()));
                    self.facts
                        .builder_fns
                        .push((name, text.contains("timeout(")));
                }
            }
        }
    }

    /// `tokio::spawn(run(addr))`: the spawned fn's future runs with no deadline.
    /// A call that takes a future: a spawn (its callees are recorded for the crate), a deadline
    /// (`timeout(d, fut)`) or `Box::pin(fut)`. A method call passed to one is a future used
    /// as a value (`tokio::spawn(s.sweep_once())`): an `async fn` reached that way must stay
    /// `async` even if it never awaits.
    fn note_spawned(&mut self, c: &syn::ExprCall, deadline: bool) {
        use semantic::known::spawn::TASK_SPAWNS;
        let syn::Expr::Path(p) = &*c.func else { return };
        let segs = &p.path.segments;
        let last = segs.last().map(|s| s.ident.to_string()).unwrap_or_default();
        let spawned = (last == "spawn" || last == "spawn_local")
            && self.cx.resolver.is(&p.path, TASK_SPAWNS) == semantic::Tri::Yes;
        let pinned = last == "pin" && segs.len() >= 2 && segs[segs.len() - 2].ident == "Box";
        if !(spawned || pinned || deadline) {
            return;
        }
        for arg in &c.args {
            match semantic::dataflow::peel(arg) {
                syn::Expr::Call(inner) if spawned => {
                    if let syn::Expr::Path(ip) = &*inner.func {
                        let key = self.use_key(&ip.path);
                        self.facts.spawned_callees.insert(key);
                    }
                }
                syn::Expr::MethodCall(m) => {
                    let key = self.method_key(m);
                    if spawned {
                        self.facts.spawned_callees.insert(key.clone());
                    }
                    self.facts.future_uses.insert(key);
                }
                syn::Expr::Async(a) if spawned => {
                    self.spawned_blocks
                        .insert(a as *const syn::ExprAsync as usize);
                }
                _ => {}
            }
        }
    }

    /// `runtime.block_on(fut)` or `futures::executor::block_on(fut)` in a plain fn: `fut` is
    /// the runtime's root future, run on this thread like a `#[tokio::main]` body: an `async`
    /// block (by address), or a crate `async fn` called there or bound to a local of the fn
    /// (by key, a crate-wide fact).
    fn note_root_future<'e>(&mut self, args: impl Iterator<Item = &'e syn::Expr>) {
        if self.cx.exec.current() != Exec::Sync {
            return;
        }
        let args: Vec<&syn::Expr> = args.map(semantic::dataflow::peel).collect();
        let [arg] = args[..] else { return };
        let call = match arg {
            syn::Expr::Async(a) => {
                self.main_blocks.insert(a as *const syn::ExprAsync as usize);
                return;
            }
            syn::Expr::Call(c) => Some(c),
            // `let root = real_main(cfg); runtime.block_on(root)`, in any block of the fn.
            syn::Expr::Path(p) => p.path.get_ident().and_then(|name| {
                struct Bound<'n, 'a> {
                    name: &'n syn::Ident,
                    call: Option<&'a syn::ExprCall>,
                }
                impl<'a> Visit<'a> for Bound<'_, 'a> {
                    fn visit_local(&mut self, l: &'a syn::Local) {
                        if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
                            if pi.ident == *self.name {
                                if let syn::Expr::Call(c) = semantic::dataflow::peel(&init.expr) {
                                    self.call = Some(c);
                                }
                            }
                        }
                        visit::visit_local(self, l);
                    }
                    fn visit_item(&mut self, _: &'a syn::Item) {}
                }
                let mut b = Bound { name, call: None };
                b.visit_block(self.cx.fn_body()?);
                b.call
            }),
            _ => None,
        };
        if let Some(syn::Expr::Path(p)) = call.map(|c| &*c.func) {
            let key = self.use_key(&p.path);
            self.facts.root_futures.insert(key);
            // A binary's `block_on(oha::run(opts))`: the package's own library's fn, keyed as
            // the library names it.
            let lib = self.cx.krate.name.replace('-', "_");
            if let semantic::Resolution::Known(full) = self.cx.resolver.resolve(&p.path) {
                if let [first, module @ .., name] = &full[..] {
                    if *first == lib && self.cx.krate.has_lib {
                        let keys = semantic::facts::fn_keys(module, None, name);
                        self.facts.root_futures.extend(keys.into_iter().take(1));
                    }
                }
            }
        }
    }

    /// `join(dial(a), dial(b)).await`: each joined call is awaited here, as if on its own.
    fn note_joined_callees(&mut self, c: &syn::ExprCall, path: &syn::Path) {
        let joins = path
            .segments
            .last()
            .is_some_and(|s| s.ident.to_string().contains("join"))
            && self.cx.resolver.is(path, semantic::known::join::JOIN_FNS) == semantic::Tri::Yes;
        if !joins {
            return;
        }
        self.note_joined(c.args.iter());
    }

    /// Each call among joined futures, recorded as awaited where the join is.
    fn note_joined<'e>(&mut self, joined: impl Iterator<Item = &'e syn::Expr>) {
        for e in joined {
            let key = match semantic::dataflow::peel(e) {
                syn::Expr::Call(inner) => match &*inner.func {
                    syn::Expr::Path(ip) => self.use_key(&ip.path),
                    _ => continue,
                },
                syn::Expr::MethodCall(m) => self.method_key(m),
                _ => continue,
            };
            self.note_callee(key, true);
        }
    }

    /// Record a call by its key (`use_key`, `method_key`): inside a deadline, or awaited
    /// with none.
    fn note_callee(&mut self, key: String, awaited: bool) {
        if self.cx.exec.under_deadline() {
            self.facts.deadline_callees.insert(key);
        } else if awaited {
            // Awaited in a spawned task: no caller of the enclosing fn bounds it.
            let fn_frame = self
                .cx
                .frames
                .iter()
                .rposition(|f| matches!(f, Frame::Fn { .. }));
            let in_task = self
                .spawned_frames
                .last()
                .is_some_and(|&i| fn_frame.is_none_or(|f| i > f));
            let caller = if in_task { None } else { self.enclosing_fn() };
            self.facts.bare_awaited_callees.insert((key, caller));
        }
    }

    /// An awaited call of a path: its `.await` is a site a fix may remove if it is awaited in
    /// place, in the source (not a macro body), of an item of this crate; else a call a fix
    /// cannot follow.
    fn note_await_site(&mut self, addr: usize, path: &syn::Path) {
        let key = self.use_key(path);
        match self.await_site {
            Some((a, span))
                if a == addr
                    && self.macro_depth == 0
                    && semantic::call_sites::is_local_path(path, &self.cx.resolver) =>
            {
                self.facts.await_sites.push((key, span));
            }
            _ => {
                self.facts.unfixable_calls.insert(key);
            }
        }
    }

    /// A method call: awaited in place in the source, a site by its key; else a call a fix
    /// cannot follow, by name.
    fn note_method_site(&mut self, m: &syn::ExprMethodCall, name: &str) {
        let addr = m as *const syn::ExprMethodCall as usize;
        match self.await_site {
            Some((a, span)) if a == addr && self.macro_depth == 0 => {
                let key = self.method_key(m);
                self.facts.await_sites.push((key, span));
            }
            // Checked first: most names are met again, and a lookup allocates nothing.
            _ if self.facts.unawaited_methods.contains(name) => {}
            _ => {
                self.facts.unawaited_methods.insert(name.to_string());
            }
        }
    }

    /// The key of a method call ([`semantic::facts::method_key`]).
    fn method_key(&self, m: &syn::ExprMethodCall) -> String {
        let self_ty = self.cx.self_type();
        let locals = self.cx.exec.locals();
        semantic::facts::method_key(&m.receiver, locals, self_ty, &m.method.to_string())
    }

    /// Is this rule enabled for the file (so that facts only it asks for are worth recording)?
    fn rule_enabled(&self, id: &str) -> bool {
        self.rules.iter().any(|r| r.meta().id == id)
    }

    /// Crate-wide facts of an `async fn`'s own body, under the keys of
    /// [`Self::note_fn_asyncness`]: it watches a stop signal it was handed (a task that runs it
    /// is stopped by its owner), or it waits for a semaphore permit before its work (a fan-out
    /// of calls of it is capped by the semaphore).
    fn note_async_body(
        &mut self,
        sig: &syn::Signature,
        body: &syn::Block,
        self_ty: Option<&str>,
        kind: &FnKind,
    ) {
        let polls_stop = self.rule_enabled(crate::registry::DETACHED_SPAWN.id) && {
            let (open, close) = (body.brace_token.span.open(), body.brace_token.span.close());
            let (from, to) = (self.cx.span(open).byte_start, self.cx.span(close).byte_end);
            let text = self.cx.file.text.get(from..to).unwrap_or("");
            semantic::tasks::may_poll_stop_signal(text)
                && semantic::tasks::body_polls_stop_signal(body)
        };
        let takes_permit = self.rule_enabled(crate::registry::UNBOUNDED_JOIN.id)
            && body.stmts.iter().any(|s| {
                let e = match s {
                    syn::Stmt::Local(l) => l.init.as_ref().map(|i| &*i.expr),
                    syn::Stmt::Expr(e, _) => Some(e),
                    _ => None,
                };
                e.is_some_and(semantic::loops::awaits_permit)
            });
        if !(polls_stop || takes_permit) {
            return;
        }
        let keys = self.fact_keys(sig, self_ty, kind);
        if takes_permit {
            self.facts.permit_takers.extend(keys.iter().cloned());
        }
        if polls_stop {
            self.facts.stop_polling_fns.extend(keys);
        }
    }

    /// The keys a fact about a fn is recorded under, those its calls are looked up by
    /// (see [`Self::note_fn_asyncness`]).
    fn fact_keys(&self, sig: &syn::Signature, self_ty: Option<&str>, kind: &FnKind) -> Vec<String> {
        let name = sig.ident.to_string();
        match self_ty {
            Some(t) => vec![format!("{t}::{name}")],
            None => {
                let module = semantic::facts::module_key(&self.module_path);
                let mut keys = vec![format!("{module}::{name}")];
                if *kind != FnKind::TraitDefault {
                    keys.push(name);
                }
                keys
            }
        }
    }

    /// Whether a fn is `async`, under the keys its calls are recorded by (those of
    /// [`semantic::facts::FnRef`]: `Type::name` for a method, `module::name` for a trait's own
    /// method, `module::name` and `name` for a free fn), built without a `FnRef`: this runs for
    /// every fn.
    fn note_fn_asyncness(
        &mut self,
        sig: &syn::Signature,
        is_async: bool,
        self_ty: Option<&str>,
        kind: &FnKind,
    ) {
        if let (Some(t), Some(_)) = (self_ty, sig.receiver()) {
            self.facts
                .receiver_methods
                .insert(format!("{t}::{}", sig.ident));
        }
        if !self.rule_enabled(crate::registry::UNPOLLED_FUTURE.id) {
            return;
        }
        let name = sig.ident.to_string();
        if let Some(t) = self_ty {
            self.facts
                .fn_asyncness
                .push((format!("{t}::{name}"), is_async));
            return;
        }
        let module = semantic::facts::module_key(&self.module_path);
        self.facts
            .fn_asyncness
            .push((format!("{module}::{name}"), is_async));
        if *kind != FnKind::TraitDefault {
            self.facts.fn_asyncness.push((name, is_async));
        }
    }

    /// The innermost fn, as crate-wide facts name it.
    pub(crate) fn enclosing_fn(&self) -> Option<semantic::facts::FnRef> {
        semantic::facts::enclosing_fn(&self.cx.frames, self.cx.file.module_path)
    }

    fn visit_macro_body(
        &mut self,
        name: String,
        body: MacroBody,
        tokens: &proc_macro2::TokenStream,
        text: Option<&str>,
    ) {
        if matches!(body, MacroBody::Opaque) {
            let (mut idents, mut called) = (Vec::new(), Vec::new());
            match text {
                Some(text) => macros::idents_in_text(text, &mut idents, &mut called),
                None => {
                    macros::value_idents(tokens, &mut idents);
                    macros::called_fns(tokens, &mut called);
                }
            }
            self.facts.value_uses.extend(idents);
            self.facts.future_uses.extend(called);
            return;
        }
        // Kept until the file is done: frames hold on to the fns inside.
        let body: &'a MacroBody = self.macro_bodies.alloc(body);
        self.macro_depth += 1;
        self.with_frame(Frame::Macro { name }, |w| match body {
            MacroBody::Exprs(exprs) => exprs.iter().for_each(|e| w.visit_expr(e)),
            MacroBody::Stmts(stmts) => stmts.iter().for_each(|s| w.visit_stmt(s)),
            MacroBody::Items(items) => {
                w.cx.resolver
                    .push(Scope::for_items(items.iter(), &w.module_path));
                items.iter().for_each(|i| w.visit_item(i));
                w.cx.resolver.pop();
            }
            MacroBody::Select {
                branches,
                otherwise,
            } => {
                // A branch on a timer is a deadline for the others.
                let timer = branches
                    .iter()
                    .any(|b| exec::races_a_timer_in(&w.cx, &b.future));
                // The race ends before a handler runs: only the branch futures are under it.
                for b in branches {
                    w.visit_pat(&b.pat);
                    if timer {
                        w.cx.exec.deadline(true);
                    }
                    w.visit_expr(&b.future);
                    if timer {
                        w.cx.exec.deadline(false);
                    }
                    if let Some(g) = &b.guard {
                        w.visit_expr(g);
                    }
                    w.visit_expr(&b.handler);
                }
                otherwise.iter().for_each(|e| w.visit_expr(e));
            }
            MacroBody::Opaque => {}
        });
        self.macro_depth -= 1;
    }

    /// The source text of a macro's body, between its delimiters (`None` if the span does not
    /// point at them).
    fn macro_text(&self, mac: &syn::Macro) -> Option<&'a str> {
        let group = self.cx.snippet(self.cx.span(mac.delimiter.span().join()));
        let (open, close) = match &mac.delimiter {
            syn::MacroDelimiter::Paren(_) => (b'(', b')'),
            syn::MacroDelimiter::Brace(_) => (b'{', b'}'),
            syn::MacroDelimiter::Bracket(_) => (b'[', b']'),
        };
        let b = group.as_bytes();
        (b.len() >= 2 && b[0] == open && b[b.len() - 1] == close)
            .then(|| &group[1..group.len() - 1])
    }

    /// A macro body's parse, or `Opaque` beyond [`macros::MAX_MACRO_DEPTH`] nested bodies: each
    /// level parses its body again, so unbounded nesting would cost quadratic time.
    fn macro_body(&self, parse: impl FnOnce() -> MacroBody) -> MacroBody {
        if self.macro_depth >= macros::MAX_MACRO_DEPTH {
            MacroBody::Opaque
        } else {
            parse()
        }
    }

    /// File-wide facts of a method call: HTTP requests sent (and bounded), channel sends on
    /// fields from async code.
    fn note_method_facts(&mut self, m: &syn::ExprMethodCall, name: &str) {
        use semantic::known::{channels, timeout};
        if name == "send" && m.args.is_empty() {
            let (_, calls) = semantic::dataflow::method_chain(&m.receiver);
            let is_request = calls
                .iter()
                .any(|c| timeout::REQUEST_VERBS.contains(&c.method.to_string().as_str()));
            if is_request {
                self.requests.0 += 1;
                if self.cx.exec.under_deadline() || calls.iter().any(|c| c.method == "timeout") {
                    self.requests.1 += 1;
                }
            }
        }
        let on_executor = self.cx.exec.current().on_executor();
        if on_executor && self.tracks_sends && !self.facts.executor_calls.contains(name) {
            self.facts.executor_calls.insert(name.to_string());
        }
        if channels::SEND_METHODS.contains(&name) && self.tracks_sends {
            // The field itself, or reached through its lock or option
            // (`self.tx.lock().await.send(..)`, `self.tx.as_ref().unwrap().send(..)`).
            let mut e = semantic::dataflow::peel(&m.receiver);
            loop {
                match e {
                    syn::Expr::Field(f) => {
                        let key = semantic::dataflow::field_key(f, self.cx.self_type());
                        if on_executor {
                            self.facts.async_send_fields.extend(key);
                        } else if let (Some(key), Some(f)) = (key, self.enclosing_fn()) {
                            self.facts.sync_send_fields.push((f.name, key));
                        }
                        break;
                    }
                    syn::Expr::MethodCall(inner)
                        if channels::SENDER_ACCESS.contains(&inner.method.to_string().as_str()) =>
                    {
                        e = semantic::dataflow::peel(&inner.receiver)
                    }
                    syn::Expr::Await(a) => e = semantic::dataflow::peel(&a.base),
                    syn::Expr::Try(t) => e = semantic::dataflow::peel(&t.expr),
                    _ => break,
                }
            }
        }
    }

    /// `self.state.lock().await` in a fn: record (fn, `state`) for the crate-wide "takes a lock"
    /// fact. Only a lock waited for asynchronously: a std lock taken in async code is held for
    /// a moment between awaits, and does not make concurrent calls wait for each other.
    fn note_lock_taken(&mut self, m: &syn::ExprMethodCall) {
        if !semantic::known::sequencing::LOCK_METHODS
            .iter()
            .any(|name| m.method == name)
        {
            return;
        }
        let receiver = match semantic::dataflow::peel(&m.receiver) {
            syn::Expr::Field(f) => match &f.member {
                syn::Member::Named(n) => n.to_string(),
                syn::Member::Unnamed(_) => return,
            },
            syn::Expr::Path(p) => match p.path.segments.last() {
                Some(s) => s.ident.to_string(),
                None => return,
            },
            _ => return,
        };
        let fn_name = self.cx.frames.iter().rev().find_map(|f| match f {
            Frame::Fn { name, .. } => Some(name.clone()),
            _ => None,
        });
        if let Some(fn_name) = fn_name {
            self.facts.lock_takers.push((fn_name, receiver));
        }
    }

    /// A call of a fn (not a method: method names are too common to mean one fn) not directly
    /// under `.await` may be an async fn whose future is used as a value (spawned, joined,
    /// selected, stored): record its name.
    fn note_future_use(&mut self, addr: usize, path: &syn::Path) {
        if self.awaited != Some(addr) {
            let key = self.use_key(path);
            self.facts.future_uses.insert(key);
        }
    }

    /// The crate-wide key of a used path ([`semantic::facts::use_key`]).
    fn use_key(&self, path: &syn::Path) -> String {
        let self_ty = self.cx.self_type();
        semantic::facts::use_key(path, &self.cx.resolver, &self.module_path, self_ty)
    }

    fn visit_call_args(
        &mut self,
        args: impl Iterator<Item = &'a syn::Expr>,
        callee: &Callee,
        closure_exec: Exec,
    ) {
        for arg in args {
            if matches!(arg, syn::Expr::Closure(_)) {
                self.pending_callee = Some(callee.clone());
                self.pending_exec = Some(closure_exec);
            }
            self.visit_expr(arg);
            self.pending_callee = None;
            self.pending_exec = None;
        }
    }
}

impl<'a> Visit<'a> for Walker<'a> {
    fn visit_file(&mut self, file: &'a syn::File) {
        self.cx
            .resolver
            .push(Scope::for_items(file.items.iter(), &self.module_path));
        let cfg_test = file.attrs.iter().any(semantic::is_cfg_test);
        let name = self.module_path.last().cloned().unwrap_or_default();
        self.with_frame(Frame::Mod { name, cfg_test }, |w| {
            for item in &file.items {
                w.visit_item(item);
            }
        });
        self.cx.resolver.pop();
    }

    fn visit_item(&mut self, item: &'a syn::Item) {
        let cfg = match item {
            syn::Item::Fn(f) => has_cfg(&f.attrs),
            syn::Item::Impl(i) => has_cfg(&i.attrs),
            syn::Item::Mod(m) => has_cfg(&m.attrs),
            _ => false,
        };
        self.cfg_depth += usize::from(cfg);
        visit::visit_item(self, item);
        self.cfg_depth -= usize::from(cfg);
    }

    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        let first = items::first_token(&m.attrs, Some(&m.vis), m.mod_token.span);
        let last = match (&m.content, &m.semi) {
            (Some((brace, _)), _) => brace.span.close(),
            (None, Some(semi)) => semi.span,
            (None, None) => m.ident.span(),
        };
        self.with_item(
            first,
            last,
            || format!("mod {}", m.ident),
            |w| w.walk_item_mod(m),
        );
    }

    /// The declared kinds of enum variants' fields: a named one by its name (what a
    /// `V { path }` pattern binds), a positional one as `Variant#i` (`FsPath(ref p)`).
    fn visit_item_enum(&mut self, e: &'a syn::ItemEnum) {
        for v in &e.variants {
            for (i, field) in v.fields.iter().enumerate() {
                let kind = values::declared_kind(&self.cx.resolver, &field.ty);
                let key = match &field.ident {
                    Some(name) => name.to_string(),
                    None => format!("{}#{i}", v.ident),
                };
                self.facts.declared.push((key, kind));
            }
        }
        visit::visit_item_enum(self, e);
    }

    fn visit_item_struct(&mut self, s: &'a syn::ItemStruct) {
        for field in &s.fields {
            if let Some(name) = &field.ident {
                let kind = values::declared_kind(&self.cx.resolver, &field.ty);
                self.facts.declared.push((name.to_string(), kind));
                // Also as this struct's own field, for reads through a value of a known type.
                self.facts
                    .declared
                    .push((format!("{}.{name}", s.ident), kind));
            }
            if let Some(name) = &field.ident {
                let kind = semantic::locks::lock_decl(&self.cx.resolver, &field.ty);
                if let Some(kind) = kind {
                    self.facts.lock_decls.push((name.to_string(), kind));
                }
                // Also as this struct's own field (`self.inner` in `impl Metrics`), where a
                // field that is no lock says so.
                let own = kind.unwrap_or(semantic::locks::LockDecl::Other);
                self.facts
                    .lock_decls
                    .push((format!("{}.{name}", s.ident), own));
            }
            if let Some(name) = &field.ident {
                if semantic::calls::is_runtime_type(&self.cx.resolver, &field.ty) {
                    let runtime = semantic::locks::LockDecl::Runtime;
                    self.facts.lock_decls.push((name.to_string(), runtime));
                }
            }
        }
        visit::visit_item_struct(self, s);
    }

    fn visit_item_static(&mut self, s: &'a syn::ItemStatic) {
        if let Some(kind) = semantic::locks::lock_decl(&self.cx.resolver, &s.ty) {
            self.facts.lock_decls.push((s.ident.to_string(), kind));
        }
        let first = items::first_token(&s.attrs, Some(&s.vis), s.static_token.span);
        self.with_item(
            first,
            s.semi_token.span,
            || format!("static {}", s.ident),
            |w| visit::visit_item_static(w, s),
        );
    }

    fn visit_item_const(&mut self, c: &'a syn::ItemConst) {
        let first = items::first_token(&c.attrs, Some(&c.vis), c.const_token.span);
        self.with_item(
            first,
            c.semi_token.span,
            || format!("const {}", c.ident),
            |w| visit::visit_item_const(w, c),
        );
    }

    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        let kind = if self.in_fn() {
            FnKind::Nested
        } else {
            FnKind::Free
        };
        let first = items::first_token(&f.attrs, Some(&f.vis), items::sig_start(&f.sig));
        self.with_item(
            first,
            f.block.brace_token.span.close(),
            || format!("fn {}", f.sig.ident),
            |w| w.walk_fn(&f.attrs, Some(&f.vis), &f.sig, &f.block, kind),
        );
    }

    fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
        let frame = Frame::Impl {
            trait_name: i.trait_.as_ref().map(|(_, p, _)| {
                p.segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default()
            }),
            self_ty: semantic::type_name(&i.self_ty),
            generics: &i.generics,
            has_attr_macro: i.attrs.iter().any(|a| {
                !matches!(
                    a.path().get_ident().map(|i| i.to_string()).as_deref(),
                    Some(
                        "doc"
                            | "allow"
                            | "warn"
                            | "deny"
                            | "expect"
                            | "cfg"
                            | "cfg_attr"
                            | "automatically_derived"
                    )
                )
            }),
            cfg_test: i.attrs.iter().any(semantic::is_cfg_test),
        };
        let first = match (
            i.attrs
                .iter()
                .any(|a| matches!(a.style, syn::AttrStyle::Outer)),
            &i.defaultness,
            &i.unsafety,
        ) {
            (false, Some(d), _) => d.span,
            (false, None, Some(u)) => u.span,
            _ => items::first_token(&i.attrs, None, i.impl_token.span),
        };
        self.with_item(
            first,
            i.brace_token.span.close(),
            || items::impl_segment(i),
            |w| w.with_frame(frame, |w| visit::visit_item_impl(w, i)),
        );
    }

    fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
        let is_trait_impl = self.cx.frames.iter().rev().find_map(|fr| match fr {
            Frame::Impl { trait_name, .. } => Some(trait_name.is_some()),
            _ => None,
        });
        let kind = if is_trait_impl == Some(true) {
            FnKind::TraitImpl
        } else {
            FnKind::Inherent
        };
        let cfg = has_cfg(&f.attrs);
        self.cfg_depth += usize::from(cfg);
        let start = match &f.defaultness {
            Some(d) if matches!(f.vis, syn::Visibility::Inherited) => d.span,
            _ => items::sig_start(&f.sig),
        };
        let first = items::first_token(&f.attrs, Some(&f.vis), start);
        self.with_item(
            first,
            f.block.brace_token.span.close(),
            || f.sig.ident.to_string(),
            |w| w.walk_fn(&f.attrs, Some(&f.vis), &f.sig, &f.block, kind),
        );
        self.cfg_depth -= usize::from(cfg);
    }

    fn visit_item_use(&mut self, u: &'a syn::ItemUse) {
        if !matches!(u.vis, syn::Visibility::Inherited) && self.macro_depth == 0 {
            let here = semantic::facts::module_key(&self.module_path);
            reexports(&u.tree, &mut Vec::new(), &here, &mut self.facts);
        }
        visit::visit_item_use(self, u);
    }

    fn visit_item_trait(&mut self, t: &'a syn::ItemTrait) {
        self.facts.declared_traits.insert(t.ident.to_string());
        let start = match (&t.unsafety, &t.auto_token) {
            (Some(u), _) => u.span,
            (None, Some(a)) => a.span,
            (None, None) => t.trait_token.span,
        };
        let first = items::first_token(&t.attrs, Some(&t.vis), start);
        self.with_item(
            first,
            t.brace_token.span.close(),
            || format!("trait {}", t.ident),
            |w| w.with_frame(Frame::Trait, |w| visit::visit_item_trait(w, t)),
        );
    }

    fn visit_trait_item_fn(&mut self, f: &'a syn::TraitItemFn) {
        let first = items::first_token(&f.attrs, None, items::sig_start(&f.sig));
        let last = match (&f.default, &f.semi_token) {
            (Some(body), _) => body.brace_token.span.close(),
            (None, Some(semi)) => semi.span,
            (None, None) => f.sig.paren_token.span.close(),
        };
        self.with_item(
            first,
            last,
            || f.sig.ident.to_string(),
            |w| match &f.default {
                Some(body) => w.walk_fn(&f.attrs, None, &f.sig, body, FnKind::TraitDefault),
                None => visit::visit_trait_item_fn(w, f),
            },
        );
    }

    fn visit_item_macro(&mut self, m: &'a syn::ItemMacro) {
        // `macro_rules!` definitions are templates, not code; remember those that await.
        if m.mac.path.is_ident("macro_rules") {
            if let Some(name) = &m.ident {
                self.facts.defined_macros.insert(name.to_string());
                if macros::tokens_contain_await(&m.mac.tokens) {
                    self.facts.awaiting_macros.insert(name.to_string());
                }
            }
            return;
        }
        let text = self.macro_text(&m.mac);
        let body = self.macro_body(|| macros::parse_item_macro_in(&m.mac, text));
        if !matches!(body, MacroBody::Items(_)) {
            self.declare_macro_modules(m);
        }
        self.visit_macro_body(macros::macro_name(&m.mac), body, &m.mac.tokens, text);
    }

    fn visit_macro(&mut self, mac: &'a syn::Macro) {
        let text = self.macro_text(mac);
        let body = self.macro_body(|| macros::parse_expr_macro_in(mac, text));
        if let MacroBody::Select {
            branches,
            otherwise,
        } = &body
        {
            for rule in &self.rules {
                rule.check_select(&self.cx, mac, branches, otherwise, &mut self.sink);
            }
        }
        // `tokio::join!(dial(a), dial(b))`: the macro awaits each joined call here.
        if let MacroBody::Exprs(exprs) = &body {
            let name = macros::macro_name(mac);
            if (name == "join" || name == "try_join")
                && self
                    .cx
                    .resolver
                    .is(&mac.path, semantic::known::join::BATCH_CALLS)
                    == semantic::Tri::Yes
            {
                self.note_joined(exprs.iter());
            }
        }
        // `stream! { .. }`/`try_stream! { .. }` (async-stream): an async generator, polled on
        // the executor like an `async` block.
        let generator = self
            .cx
            .resolver
            .is(&mac.path, semantic::known::adapters::ASYNC_GENERATORS)
            == semantic::Tri::Yes;
        if generator {
            self.cx.exec.enter(Exec::Executor);
            self.with_frame(Frame::AsyncBlock, |w| {
                w.visit_macro_body(macros::macro_name(mac), body, &mac.tokens, text)
            });
            self.cx.exec.exit();
        } else {
            self.visit_macro_body(macros::macro_name(mac), body, &mac.tokens, text);
        }
    }

    fn visit_block(&mut self, b: &'a syn::Block) {
        for rule in &self.rules {
            rule.check_block(&self.cx, b, &mut self.sink);
        }
        let items = block_items(b);
        if items.is_empty() {
            return self.visit_stmts(b);
        }
        self.cx
            .resolver
            .push(Scope::for_items(items, &self.module_path));
        self.visit_stmts(b);
        self.cx.resolver.pop();
    }

    fn visit_expr(&mut self, e: &'a syn::Expr) {
        for rule in &self.rules {
            rule.check_expr(&self.cx, e, &mut self.sink);
        }
        visit::visit_expr(self, e);
    }

    fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
        let callee = self.pending_callee.take();
        let pending = self.pending_exec.take();
        let run = if c.asyncness.is_some() {
            Exec::Executor
        } else {
            pending.unwrap_or(Exec::Unknown)
        };
        let frame = Frame::Closure {
            is_async: c.asyncness.is_some(),
            callee,
        };
        self.cx.exec.enter(run);
        self.with_frame(frame, |w| visit::visit_expr_closure(w, c));
        self.cx.exec.exit();
    }

    fn visit_expr_async(&mut self, a: &'a syn::ExprAsync) {
        let spawned = self
            .spawned_blocks
            .contains(&(a as *const syn::ExprAsync as usize));
        if spawned {
            self.spawned_frames.push(self.cx.frames.len());
        }
        let main = self
            .main_blocks
            .contains(&(a as *const syn::ExprAsync as usize));
        self.cx.exec.enter(if main {
            Exec::RuntimeMain
        } else {
            Exec::Executor
        });
        self.with_frame(Frame::AsyncBlock, |w| visit::visit_expr_async(w, a));
        self.cx.exec.exit();
        if spawned {
            self.spawned_frames.pop();
        }
    }

    fn visit_expr_match(&mut self, m: &'a syn::ExprMatch) {
        for attr in &m.attrs {
            self.visit_attribute(attr);
        }
        self.visit_expr(&m.expr);
        for arm in &m.arms {
            let Cx { exec, resolver, .. } = &mut self.cx;
            if let Some(locals) = exec.locals_mut() {
                locals.learn_some(resolver, &m.expr, &arm.pat);
            }
            self.visit_arm(arm);
        }
    }

    fn visit_expr_let(&mut self, l: &'a syn::ExprLet) {
        visit::visit_expr_let(self, l);
        let Cx { exec, resolver, .. } = &mut self.cx;
        if let Some(locals) = exec.locals_mut() {
            locals.learn_some(resolver, &l.expr, &l.pat);
        }
    }

    fn visit_local(&mut self, l: &'a syn::Local) {
        // `let names_in = |dir| ..;` only ever called right here: it runs where this code runs.
        if let (syn::Pat::Ident(p), Some(init)) = (&l.pat, &l.init) {
            let run = self.cx.exec.current();
            if matches!(&*init.expr, syn::Expr::Closure(c) if c.asyncness.is_none())
                && run.on_executor()
                && self
                    .cx
                    .fn_body()
                    .is_some_and(|b| exec::closure_called_in_place(b, &p.ident.to_string()))
            {
                self.pending_exec = Some(run);
            }
        }
        visit::visit_local(self, l);
        self.pending_exec = None;
        if let syn::Pat::Type(t) = &l.pat {
            let kind = values::declared_kind(&self.cx.resolver, &t.ty);
            for n in semantic::dataflow::pat_idents(&t.pat) {
                self.facts.declared.push((n, kind));
            }
        }
        let Cx { exec, resolver, .. } = &mut self.cx;
        if let Some(locals) = exec.locals_mut() {
            locals.learn(resolver, l);
        }
    }

    fn visit_expr_for_loop(&mut self, l: &'a syn::ExprForLoop) {
        // The iterator is evaluated once, before the loop.
        self.visit_expr(&l.expr);
        let frame = Frame::Loop {
            kind: LoopKind::For,
            pat_vars: semantic::dataflow::pat_idents(&l.pat),
            bounded: semantic::dataflow::iter_is_small_literal(&l.expr)
                || semantic::dataflow::iter_is_batched(&l.expr)
                || semantic::dataflow::iter_is_taken(&l.expr),
        };
        self.with_frame(frame, |w| {
            w.visit_pat(&l.pat);
            w.visit_block(&l.body);
        });
    }

    fn visit_expr_while(&mut self, l: &'a syn::ExprWhile) {
        let kind = if matches!(*l.cond, syn::Expr::Let(_)) {
            LoopKind::WhileLet
        } else {
            LoopKind::While
        };
        let frame = Frame::Loop {
            kind,
            pat_vars: Vec::new(),
            bounded: false,
        };
        self.with_frame(frame, |w| visit::visit_expr_while(w, l));
    }

    fn visit_expr_loop(&mut self, l: &'a syn::ExprLoop) {
        let frame = Frame::Loop {
            kind: LoopKind::Loop,
            pat_vars: Vec::new(),
            bounded: false,
        };
        self.with_frame(frame, |w| visit::visit_expr_loop(w, l));
    }

    fn visit_expr_await(&mut self, a: &'a syn::ExprAwait) {
        self.cx.exec.set_awaited(&a.base);
        // An `async fn` awaiting partial I/O or a send in its own body is not cancel safe.
        if matches!(
            self.cx.innermost_body(),
            Some(Frame::Fn { is_async: true, .. })
        ) && self.rule_enabled(crate::registry::CANCEL_UNSAFE_SELECT.id)
            && semantic::cancel::awaits_cancel_unsafe(&a.base)
        {
            let keys: Vec<String> = self.enclosing_fn().iter().flat_map(fn_ref_keys).collect();
            self.facts.cancel_unsafe_fns.extend(keys);
        }
        // Through adapters that only wrap the future (`f().instrument(span).await`).
        let mut base = semantic::dataflow::peel(&a.base);
        while let syn::Expr::MethodCall(m) = base {
            let method = m.method.to_string();
            if !semantic::known::attrs::AWAITED_ADAPTERS.contains(&method.as_str()) {
                break;
            }
            base = semantic::dataflow::peel(&m.receiver);
        }
        self.awaited = match base {
            syn::Expr::Call(c) => Some(c as *const syn::ExprCall as usize),
            _ => None,
        };
        self.await_site = match &*a.base {
            syn::Expr::Call(c) => Some(c as *const syn::ExprCall as usize),
            syn::Expr::MethodCall(m) => Some(m as *const syn::ExprMethodCall as usize),
            _ => None,
        }
        .map(|addr| (addr, semantic::call_sites::await_suffix(&self.cx, a)));
        visit::visit_expr_await(self, a);
    }

    fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            self.note_future_use(c as *const syn::ExprCall as usize, &p.path);
        }
        let has_closure = c.args.iter().any(|a| matches!(a, syn::Expr::Closure(_)));
        let mut closure_exec = Exec::Unknown;
        let mut deadline = false;
        let callee = match &*c.func {
            syn::Expr::Path(p) => {
                if self.tracks_sends && self.cx.exec.current().on_executor() {
                    if let Some(last) = p.path.segments.last() {
                        self.facts.executor_calls.insert(last.ident.to_string());
                    }
                }
                let awaited = self.awaited == Some(c as *const syn::ExprCall as usize);
                if awaited || self.cx.exec.under_deadline() {
                    let key = self.use_key(&p.path);
                    self.note_callee(key, awaited);
                }
                if awaited {
                    self.note_await_site(c as *const syn::ExprCall as usize, &p.path);
                    self.note_joined_callees(c, &p.path);
                }
                deadline = self.cx.exec.is_deadline_fn(&self.cx.resolver, &p.path);
                // A called path is not a use as a value; visit only its generic arguments.
                visit::visit_path(self, &p.path);
                // Resolved only when a closure argument will need to know its callee.
                if has_closure {
                    let wrappers: Vec<&str> =
                        self.offload_wrappers.iter().map(|s| s.as_str()).collect();
                    closure_exec = exec::closure_of_call(&self.cx.resolver, &p.path, &wrappers);
                    Callee::Path(self.cx.resolver.resolve(&p.path))
                } else {
                    Callee::Method(String::new())
                }
            }
            other => {
                self.visit_expr(other);
                Callee::Method(String::new())
            }
        };
        if deadline {
            self.cx.exec.deadline(true);
        }
        self.note_spawned(c, deadline);
        if let syn::Expr::Path(p) = &*c.func {
            if p.path
                .segments
                .last()
                .is_some_and(|s| s.ident == "block_on")
            {
                self.note_root_future(c.args.iter());
            }
        }
        self.visit_call_args(c.args.iter(), &callee, closure_exec);
        if deadline {
            self.cx.exec.deadline(false);
        }
    }

    fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
        let name = m.method.to_string();
        let awaited = self.cx.exec.is_awaited_method(m);
        if awaited || self.cx.exec.under_deadline() {
            let key = self.method_key(m);
            self.note_callee(key, awaited);
        }
        self.note_method_facts(m, &name);
        self.note_method_site(m, &name);
        let deadline = self.cx.exec.is_deadline_method(&name);
        if deadline {
            self.cx.exec.deadline(true);
        }
        if m.args.is_empty() && awaited {
            self.note_lock_taken(m);
        }
        if name == "block_on" {
            self.note_root_future(m.args.iter());
        }
        self.visit_expr(&m.receiver);
        if let Some(t) = &m.turbofish {
            self.visit_angle_bracketed_generic_arguments(t);
        }
        let closure_exec = if m.args.iter().any(|a| matches!(a, syn::Expr::Closure(_))) {
            let wrappers: Vec<&str> = self.offload_wrappers.iter().map(|s| s.as_str()).collect();
            exec::closure_of_method(self.cx.exec.current(), m, &wrappers)
        } else {
            Exec::Unknown
        };
        let callee = Callee::Method(name);
        self.visit_call_args(m.args.iter(), &callee, closure_exec);
        if deadline {
            self.cx.exec.deadline(false);
        }
    }

    fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
        if let Some(bound) = self.cx.bound.last_mut() {
            bound.insert(p.ident.to_string());
        }
        visit::visit_pat_ident(self, p);
    }

    fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
        if let Some(last) = p.path.segments.last() {
            let name = last.ident.to_string();
            // A fn is named in snake case: `None`, `MAX`, `Kind::A` name no fn. A bare name
            // bound by a pattern earlier in the fn is a local.
            let fn_like = !name.starts_with(|c: char| c.is_ascii_uppercase());
            let local = p.path.segments.len() == 1 && self.cx.is_bound_local(&name);
            if fn_like && !local {
                let key = self.use_key(&p.path);
                self.facts.value_uses.insert(key);
            }
        }
        visit::visit_expr_path(self, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyze_one(text: &str) -> (FileAnalysis, Vec<Diagnostic>) {
        let input = FileInput {
            path: "src/lib.rs",
            text,
            module_path: &[],
            is_test_target: false,
            cfg_gated: false,
        };
        let krate = CrateInfo {
            dependencies: vec!["tokio".into()],
            has_lib: true,
            ..CrateInfo::default()
        };
        let config = Config::default();
        let analysis = analyze_file(input, &krate, &config);
        let diags = analyze_sources(&[input], &krate, &config);
        (analysis, diags)
    }

    #[test]
    fn findings_carry_their_enclosing_item_from_the_one_walk() {
        let text = "\
mod net {
    pub struct Client;
    impl Client {
        pub async fn connect(&self) -> u8 {
            1
        }
    }
    mod wire;
}
/// Docs.
pub async fn top() -> u8 { 2 }
// async-lint: allow(await_in_loop)
fn quiet() {}
";
        let (analysis, diags) = analyze_one(text);
        let items: Vec<(&str, Option<&str>)> =
            diags.iter().map(|d| (d.rule, d.item.as_deref())).collect();
        assert_eq!(
            items,
            [
                ("async_without_await", Some("mod net::impl Client::connect")),
                ("async_without_await", Some("fn top")),
                ("unused_suppression", None),
            ],
            "{diags:#?}"
        );
        // A later finding at the `mod wire;` declaration (a missing file) gets its item too.
        assert_eq!(
            analysis.suppressions.item_at(8).as_deref(),
            Some("mod net::mod wire")
        );
    }

    #[test]
    fn unused_suppressions_inside_items_are_named() {
        let text = "fn f() {\n    // async-lint: allow(await_in_loop)\n    let x = 1;\n}\n";
        let (_, diags) = analyze_one(text);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert_eq!(diags[0].rule, "unused_suppression");
        assert_eq!(diags[0].item.as_deref(), Some("fn f"));
    }

    #[test]
    fn a_repeated_module_declaration_is_reported_once() {
        let text = format!(
            "{}#[cfg(unix)] #[path = \"u.rs\"] mod sys;\n#[cfg(windows)] #[path = \"w.rs\"] mod sys;\n",
            "mod client;\n".repeat(1_000)
        );
        let (analysis, _) = analyze_one(&text);
        let names: Vec<(&str, Option<&str>)> = analysis
            .modules
            .iter()
            .map(|m| (m.name.as_str(), m.path_attr.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("client", None),
                ("sys", Some("u.rs")),
                ("sys", Some("w.rs"))
            ]
        );
    }

    #[test]
    fn macro_bodies_nest_only_so_deep() {
        let n = 200;
        let text = format!(
            "async fn f() {{ {}g().await{}; }}",
            "join!(".repeat(n),
            ")".repeat(n)
        );
        let (analysis, _) = analyze_one(&text);
        assert!(analysis
            .findings
            .iter()
            .all(|f| f.diag.rule != "parse_error"));
    }
}
