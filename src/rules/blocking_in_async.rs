//! See rules/blocking_in_async.md.

use super::{FnNode, Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Span, Suggestion};
use crate::registry;
use crate::semantic::dataflow::{method_chain, pat_idents, peel};
use crate::semantic::macros::{self, MacroBody};
use crate::semantic::{Cx, Resolution, Resolver, Runtime, Scope, Tri};
use std::collections::HashSet;
use syn::visit::{self, Visit};

// ---- what the user reads -------------------------------------------------------------------

/// What a blocking call does to the executor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `block_on` and friends: panics on a tokio runtime, can deadlock others.
    BlockOn,
    /// tokio's `blocking_*` methods: panic on an executor thread.
    BlockingMethod,
    /// `reqwest::blocking`: runs its own runtime inside this one.
    ReqwestBlocking,
    /// `std::thread::sleep`.
    Sleep,
    /// `std::fs`, `File::open`, `Path::exists`.
    Fs,
    /// `std::process::Command::output`/`status`, `Child::wait`.
    Process,
    /// A thread join, a std channel receive, a condvar or barrier wait, stdin, `std::net`.
    Wait,
    /// Password hashing and other deliberately slow computation.
    Cpu,
    /// From the `extra-calls` option.
    Extra,
}

fn message(kind: Kind, written: &str) -> String {
    match kind {
        Kind::BlockOn => format!(
            "`{written}` blocks on a future inside async code: tokio panics (\"Cannot start a runtime from within a runtime\"), other executors can deadlock"
        ),
        Kind::BlockingMethod => format!(
            "`{written}` panics when called on an async executor thread"
        ),
        Kind::ReqwestBlocking => format!(
            "`{written}` starts `reqwest`'s blocking client inside async code: it runs its own runtime and panics here"
        ),
        Kind::Cpu => format!("`{written}` runs deliberately slow hashing on the executor thread"),
        _ => format!("`{written}` blocks the executor thread"),
    }
}

const LABEL: &str = "blocks this worker thread: every other task scheduled on it waits";
const LABEL_PANIC: &str = "called on an executor thread";

fn help(kind: Kind, runtime: Runtime, name: &str) -> String {
    let offload = match runtime {
        Runtime::Tokio => "`tokio::task::spawn_blocking(move || …).await`",
        Runtime::AsyncStd => "`async_std::task::spawn_blocking(move || …).await`",
        Runtime::Smol => "`smol::unblock(move || …).await`",
    };
    match kind {
        Kind::BlockOn => "`.await` the future instead".into(),
        Kind::BlockingMethod => format!(
            "use the async form, `.{}().await`",
            name.trim_start_matches("blocking_")
        ),
        Kind::ReqwestBlocking => "use the async `reqwest::Client` and `.await` it".into(),
        Kind::Sleep => match runtime {
            Runtime::Tokio => "use `tokio::time::sleep(d).await`".into(),
            Runtime::AsyncStd => "use `async_std::task::sleep(d).await`".into(),
            Runtime::Smol => "use `smol::Timer::after(d).await`".into(),
        },
        Kind::Fs => match (async_fs_fn(name), runtime) {
            (Some(f), Runtime::Tokio) => format!("use `tokio::fs::{f}(..).await`"),
            (Some(f), Runtime::AsyncStd) => format!("use `async_std::fs::{f}(..).await`"),
            (Some(f), Runtime::Smol) => format!("use `smol::fs::{f}(..).await`"),
            (None, Runtime::Tokio) => format!(
                "use `tokio::fs` (`tokio::fs::File`, `tokio::fs::metadata`, `tokio::fs::try_exists`), or move the work into {offload}"
            ),
            (None, _) => format!("use the runtime's async fs module, or move the work into {offload}"),
        },
        Kind::Process => match runtime {
            Runtime::Tokio => "use `tokio::process::Command` and `.output().await` / `.status().await`".into(),
            Runtime::AsyncStd => "use `async_process::Command` and `.output().await`".into(),
            Runtime::Smol => "use `smol::process::Command` and `.output().await`".into(),
        },
        Kind::Wait | Kind::Cpu | Kind::Extra => format!("move it off the executor: {offload}"),
    }
}

const NOTE_WHY: &str = "an async runtime runs many tasks on a few threads; while this call blocks, the tasks queued on this thread make no progress (timers, I/O and heartbeats included)";

const SUGGESTION: &str = "use the async version";

// ---- metadata ------------------------------------------------------------------------------

pub struct BlockingInAsync;

static META: RuleMeta = RuleMeta {
    entry: &registry::BLOCKING_IN_ASYNC,
    summary: "A blocking call (sleep, std fs/net/process, a thread join, blocking HTTP, `block_on`, password hashing) on an async executor thread.",
    has_fix: true,
    doc: include_str!("../../rules/blocking_in_async.md"),
};

/// `[rules.blocking_in_async]`
type Options = registry::BlockingInAsyncOptions;

/// Names of calls and methods that take a closure and run it off the executor thread
/// (`spawn_blocking`, `block_in_place`, `std::thread::spawn`, rayon's `spawn`/`join`/`scope`,
/// smol's `unblock`, actix's `web::block`).
const OFFLOAD_NAMES: &[&str] = &[
    "spawn_blocking",
    "block_in_place",
    "unblock",
    "spawn",
    "spawn_fifo",
    "scope",
    "in_place_scope",
    "install",
    "block",
];

/// Methods that call their closure argument right away, on the caller's thread: iterator,
/// stream, `Option`/`Result` and collection combinators.
const SYNC_INVOKERS: &[&str] = &[
    "map",
    "filter",
    "filter_map",
    "flat_map",
    "for_each",
    "try_for_each",
    "fold",
    "try_fold",
    "any",
    "all",
    "find",
    "find_map",
    "position",
    "map_or",
    "map_or_else",
    "and_then",
    "or_else",
    "unwrap_or_else",
    "map_err",
    "then",
    "take_while",
    "skip_while",
    "inspect",
    "retain",
    "sort_by",
    "sort_by_key",
    "or_insert_with",
    "get_or_insert_with",
    "max_by_key",
    "min_by_key",
    "partition",
    "ok_or_else",
    "is_some_and",
    "is_ok_and",
];

const PANIC_METHODS: &[&str] = &[
    "blocking_lock",
    "blocking_lock_owned",
    "blocking_read",
    "blocking_write",
    "blocking_recv",
    "blocking_recv_many",
    "blocking_send",
];

const HASHING: &[&str] = &[
    "bcrypt::hash",
    "bcrypt::hash_with_salt",
    "bcrypt::hash_with_result",
    "bcrypt::verify",
    "argon2::hash_encoded",
    "argon2::hash_raw",
    "argon2::verify_encoded",
    "argon2::verify_raw",
    "scrypt::scrypt",
    "scrypt::scrypt_simple",
    "scrypt::scrypt_check",
    "pbkdf2::pbkdf2",
    "pbkdf2::pbkdf2_hmac",
    "pbkdf2::pbkdf2_hmac_array",
];

const STD_FILE_OPENS: &[&str] = &[
    "std::fs::File::open",
    "std::fs::File::create",
    "std::fs::File::create_new",
    "std::fs::File::options",
];

const STD_NET: &[&str] = &[
    "std::net::TcpStream::connect",
    "std::net::TcpStream::connect_timeout",
];

const PATH_TYPES: &[&str] = &[
    "std::path::Path",
    "std::path::PathBuf",
    "camino::Utf8Path",
    "camino::Utf8PathBuf",
];

const PATH_CTORS: &[&str] = &[
    "std::path::Path::new",
    "std::path::PathBuf::from",
    "std::path::PathBuf::new",
    "camino::Utf8Path::new",
    "camino::Utf8PathBuf::from",
];

/// `Path` methods that touch the file system (not `join`, `file_name`, `extension`, ...).
const PATH_FS_METHODS: &[&str] = &[
    "exists",
    "try_exists",
    "is_file",
    "is_dir",
    "is_symlink",
    "metadata",
    "symlink_metadata",
    "read_dir",
    "canonicalize",
    "read_link",
];

/// `Path` methods that give another path.
const PATH_DERIVING: &[&str] = &[
    "join",
    "with_extension",
    "with_file_name",
    "to_path_buf",
    "as_path",
    "parent",
];

/// `std::fs` functions that the async runtimes' fs modules mirror with the same name.
fn async_fs_fn(name: &str) -> Option<&'static str> {
    [
        "read",
        "read_to_string",
        "write",
        "read_dir",
        "metadata",
        "symlink_metadata",
        "create_dir",
        "create_dir_all",
        "remove_file",
        "remove_dir",
        "remove_dir_all",
        "copy",
        "rename",
        "canonicalize",
        "read_link",
        "hard_link",
        "set_permissions",
    ]
    .into_iter()
    .find(|n| *n == name)
}

// ---- the check -----------------------------------------------------------------------------

/// Who runs the code being walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exec {
    /// A sync fn, or a closure handed off to a thread, pool or unknown caller.
    Sync,
    /// An executor thread: an async fn, async block or async closure, or a sync closure
    /// invoked from one right away.
    Worker,
    /// The body of a `#[tokio::main]`-like `main`: it runs on the thread that drives the
    /// runtime before and around the served tasks. Blocking startup work there (reading a
    /// config file) is accepted practice; what panics is still reported.
    MainBody,
}

impl Rule for BlockingInAsync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_fn(&self, cx: &Cx, f: &FnNode, out: &mut Sink) {
        let opts = cx.config.options::<Options>();
        if (f.is_test && !opts.check_tests) || cx.skips_test_code(opts.check_tests) {
            return;
        }
        if cx.file.path.ends_with("build.rs") {
            return;
        }
        // Cheap pre-filters on the body's source: a sync fn matters only through the async
        // blocks it creates, and a body has to name something from the catalogue.
        let text = cx.snippet(cx.span(f.body.brace_token.span.join()));
        if f.sig.asyncness.is_none() && !text.contains("async") {
            return;
        }
        if !may_block(text, opts) {
            return;
        }
        let exec = if f.sig.asyncness.is_none() {
            Exec::Sync
        } else if f.sig.ident == "main" && f.attrs.iter().any(is_main_attr) {
            Exec::MainBody
        } else {
            Exec::Worker
        };
        let mut walk = BlockWalk {
            cx,
            opts,
            resolver: cx.resolver.clone(),
            exec,
            direct: exec != Exec::Sync,
            pending: None,
            awaited: HashSet::new(),
            locals: Locals::default(),
            out,
        };
        walk.params(f.sig);
        walk.visit_block(f.body);
    }
}

/// Does the source mention any name the catalogue (or `extra-calls`) could match?
fn may_block(text: &str, opts: &Options) -> bool {
    const WORDS: &[&str] = &[
        "sleep",
        "fs",
        "File",
        "block",
        "Command",
        "recv",
        "join",
        "wait",
        "exists",
        "metadata",
        "canonicalize",
        "read",
        "write",
        "create",
        "remove",
        "rename",
        "copy",
        "hash",
        "verify",
        "stdin",
        "net",
        "Tcp",
        "Udp",
        "Unix",
        "ureq",
        "Runtime",
        "bcrypt",
        "argon2",
        "scrypt",
        "pbkdf2",
        "is_file",
        "is_dir",
        "symlink",
        "permissions",
        "output",
        "status",
    ];
    WORDS.iter().any(|w| text.contains(w))
        || opts
            .extra_calls
            .iter()
            .filter_map(|c| c.rsplit("::").next())
            .any(|n| text.contains(n))
}

/// `#[tokio::main]`, `#[async_std::main]`, `#[actix_web::main]`, ...
fn is_main_attr(a: &syn::Attribute) -> bool {
    let segs: Vec<String> = a
        .path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segs.len() >= 2 && segs.last().is_some_and(|s| s == "main")
}

/// What the walk has learned about local names from how they were made.
#[derive(Default)]
struct Locals {
    paths: HashSet<String>,
    commands: HashSet<String>,
    children: HashSet<String>,
    threads: HashSet<String>,
    std_receivers: HashSet<String>,
    barriers: HashSet<String>,
    stdin: HashSet<String>,
}

struct BlockWalk<'c, 'a, 's> {
    cx: &'c Cx<'a>,
    opts: &'c Options,
    resolver: Resolver,
    exec: Exec,
    /// Directly in an async body (not in a sync closure): `.await` may be added here.
    direct: bool,
    /// The context of the closure argument about to be visited.
    pending: Option<(Exec, bool)>,
    awaited: HashSet<usize>,
    locals: Locals,
    out: &'s mut Sink,
}

impl BlockWalk<'_, '_, '_> {
    fn is(&self, path: &syn::Path, targets: &[&str]) -> bool {
        self.resolver.is(path, targets) == Tri::Yes
    }

    fn known(&self, path: &syn::Path) -> Option<Vec<String>> {
        match self.resolver.resolve(path) {
            Resolution::Known(full) => Some(full),
            Resolution::Glob(c) if c.len() == 1 => c.into_iter().next(),
            _ => None,
        }
    }

    fn params(&mut self, sig: &syn::Signature) {
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                if self.is_path_type(&t.ty) {
                    self.locals.paths.extend(pat_idents(&t.pat));
                }
            }
        }
    }

    fn is_path_type(&self, ty: &syn::Type) -> bool {
        match ty {
            syn::Type::Path(p) => self.is(&p.path, PATH_TYPES),
            syn::Type::Reference(r) => self.is_path_type(&r.elem),
            syn::Type::Paren(p) => self.is_path_type(&p.elem),
            _ => false,
        }
    }

    /// A local or parameter known to be a `Path`/`PathBuf`, or a path built from one.
    fn is_path_expr(&self, e: &syn::Expr) -> bool {
        match peel(e) {
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.locals.paths.contains(&i.to_string())),
            syn::Expr::Call(c) => {
                matches!(&*c.func, syn::Expr::Path(p) if self.is(&p.path, PATH_CTORS))
            }
            syn::Expr::MethodCall(m) => {
                PATH_DERIVING.contains(&m.method.to_string().as_str())
                    && self.is_path_expr(&m.receiver)
            }
            syn::Expr::Try(t) => self.is_path_expr(&t.expr),
            _ => false,
        }
    }

    /// A chain rooted in `std::process::Command::new(..)` or a local made from one.
    fn is_command(&self, e: &syn::Expr) -> bool {
        let (root, calls) = method_chain(e);
        if calls.iter().any(|m| m.method == "spawn") {
            return false;
        }
        self.root_is(root, &["std::process::Command::new"], &self.locals.commands)
    }

    /// A chain that spawned a std child process, or a local holding one.
    fn is_child(&self, e: &syn::Expr) -> bool {
        let (root, calls) = method_chain(e);
        if calls.iter().any(|m| m.method == "spawn") {
            return self.root_is(root, &["std::process::Command::new"], &self.locals.commands);
        }
        self.root_is(root, &[], &self.locals.children)
    }

    fn root_is(&self, root: &syn::Expr, ctors: &[&str], locals: &HashSet<String>) -> bool {
        match peel(root) {
            syn::Expr::Call(c) => {
                !ctors.is_empty()
                    && matches!(&*c.func, syn::Expr::Path(p) if self.is(&p.path, ctors))
            }
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| locals.contains(&i.to_string())),
            _ => false,
        }
    }

    fn learn(&mut self, l: &syn::Local) {
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        let names = pat_idents(pat);
        if ty.is_some_and(|t| self.is_path_type(t)) {
            self.locals.paths.extend(names.iter().cloned());
        }
        let Some(init) = &l.init else { return };
        let e = &*init.expr;
        if let syn::Pat::Ident(_) = pat {
            if self.is_path_expr(e) {
                self.locals.paths.extend(names.iter().cloned());
            }
            if self.is_command(e) {
                self.locals.commands.extend(names.iter().cloned());
            }
            if self.is_child(e) {
                self.locals.children.extend(names.iter().cloned());
            }
            let (root, calls) = method_chain(e);
            if let syn::Expr::Call(c) = peel(root) {
                if let syn::Expr::Path(p) = &*c.func {
                    let thread = (calls.is_empty() && self.is(&p.path, &["std::thread::spawn"]))
                        || (calls.iter().any(|m| m.method == "spawn")
                            && self.is(&p.path, &["std::thread::Builder::new"]));
                    if thread {
                        self.locals.threads.extend(names.iter().cloned());
                    }
                    if calls.is_empty() && self.is(&p.path, &["std::sync::Barrier::new"]) {
                        self.locals.barriers.extend(names.iter().cloned());
                    }
                    if self.is(&p.path, &["std::io::stdin"]) {
                        self.locals.stdin.extend(names.iter().cloned());
                    }
                }
            }
        }
        // `let (tx, rx) = std::sync::mpsc::channel();`
        if let (syn::Pat::Tuple(t), syn::Expr::Call(c)) = (pat, peel(e)) {
            if let (Some(rx), syn::Expr::Path(p)) = (t.elems.iter().nth(1), &*c.func) {
                if self.is(
                    &p.path,
                    &[
                        "std::sync::mpsc::channel",
                        "std::sync::mpsc::sync_channel",
                        "crossbeam_channel::unbounded",
                        "crossbeam_channel::bounded",
                        "crossbeam::channel::unbounded",
                        "crossbeam::channel::bounded",
                    ],
                ) {
                    self.locals.std_receivers.extend(pat_idents(rx));
                }
            }
        }
    }

    /// What a path call blocks on, if it does.
    fn classify_call(&self, c: &syn::ExprCall) -> Option<(Kind, String)> {
        let syn::Expr::Path(p) = &*c.func else {
            return None;
        };
        let last = p.path.segments.last()?.ident.to_string();
        if last == "block_on" {
            return Some((Kind::BlockOn, last));
        }
        let full = self.known(&p.path)?;
        let full_str = full.join("::");
        let is = |targets: &[&str]| targets.contains(&full_str.as_str());
        if full.len() >= 3 && full[0] == "reqwest" && full[1] == "blocking" {
            return Some((Kind::ReqwestBlocking, last));
        }
        if full_str == "std::thread::sleep" {
            return Some((Kind::Sleep, last));
        }
        if full.len() == 3
            && full[0] == "std"
            && full[1] == "fs"
            && last.starts_with(|c: char| c.is_ascii_lowercase())
        {
            return Some((Kind::Fs, last));
        }
        if is(STD_FILE_OPENS) && last != "options" {
            return Some((Kind::Fs, last));
        }
        if is(STD_NET) {
            return Some((Kind::Wait, last));
        }
        if full.len() == 2
            && full[0] == "ureq"
            && matches!(
                last.as_str(),
                "get" | "post" | "put" | "patch" | "delete" | "head" | "request" | "request_url"
            )
        {
            return Some((Kind::Wait, last));
        }
        if is(HASHING) {
            return Some((Kind::Cpu, last));
        }
        if self
            .opts
            .extra_calls
            .iter()
            .any(|x| *x == full_str || x.strip_prefix("crate::") == Some(full_str.as_str()))
        {
            return Some((Kind::Extra, last));
        }
        None
    }

    /// What a method call blocks on, if it does (with evidence about its receiver).
    fn classify_method(&self, m: &syn::ExprMethodCall) -> Option<Kind> {
        let name = m.method.to_string();
        let n = name.as_str();
        if n == "block_on" && m.args.len() == 1 {
            return Some(Kind::BlockOn);
        }
        if PANIC_METHODS.contains(&n) && self.cx.krate.depends_on("tokio") {
            return Some(Kind::BlockingMethod);
        }
        if PATH_FS_METHODS.contains(&n) && m.args.is_empty() && self.is_path_expr(&m.receiver) {
            return Some(Kind::Fs);
        }
        if n == "open" && m.args.len() == 1 {
            let (root, _) = method_chain(&m.receiver);
            if let syn::Expr::Call(c) = peel(root) {
                if matches!(&*c.func, syn::Expr::Path(p) if self.is(&p.path, &["std::fs::OpenOptions::new", "std::fs::File::options"]))
                {
                    return Some(Kind::Fs);
                }
            }
        }
        if matches!(n, "output" | "status") && m.args.is_empty() && self.is_command(&m.receiver) {
            return Some(Kind::Process);
        }
        if matches!(n, "wait" | "wait_with_output")
            && m.args.is_empty()
            && self.is_child(&m.receiver)
        {
            return Some(Kind::Process);
        }
        let local = |set: &HashSet<String>| self.root_is(&m.receiver, &[], set);
        if n == "join" && m.args.is_empty() {
            let direct = match peel(&m.receiver) {
                syn::Expr::Call(c) => {
                    matches!(&*c.func, syn::Expr::Path(p) if self.is(&p.path, &["std::thread::spawn"]))
                }
                _ => false,
            };
            if direct || local(&self.locals.threads) {
                return Some(Kind::Wait);
            }
        }
        if matches!(n, "recv" | "recv_timeout") && local(&self.locals.std_receivers) {
            return Some(Kind::Wait);
        }
        if n == "wait" && m.args.is_empty() && local(&self.locals.barriers) {
            return Some(Kind::Wait);
        }
        if matches!(
            n,
            "wait" | "wait_while" | "wait_timeout" | "wait_timeout_while"
        ) && !m.args.is_empty()
        {
            let root = crate::semantic::dataflow::root_ident(&m.receiver).unwrap_or_default();
            let field = match peel(&m.receiver) {
                syn::Expr::Field(f) => match &f.member {
                    syn::Member::Named(i) => i.to_string(),
                    syn::Member::Unnamed(_) => String::new(),
                },
                _ => String::new(),
            };
            let condvar = |s: &str| {
                let s = s.to_ascii_lowercase();
                s.contains("cvar") || s.contains("condvar") || s.contains("cond_var")
            };
            if condvar(&root) || condvar(&field) {
                return Some(Kind::Wait);
            }
        }
        if matches!(n, "read_line" | "read_to_string" | "read_to_end" | "lines") {
            let (root, _) = method_chain(&m.receiver);
            if self.root_is(root, &["std::io::stdin"], &self.locals.stdin) {
                return Some(Kind::Wait);
            }
        }
        if matches!(
            n,
            "hash_password" | "verify_password" | "hash_password_into"
        ) && ["argon2", "scrypt", "pbkdf2", "password_hash"]
            .iter()
            .any(|d| self.cx.krate.depends_on(d))
        {
            return Some(Kind::Cpu);
        }
        None
    }

    fn report(&mut self, call: &syn::Expr, kind: Kind, name: &str, fix: Option<Suggestion>) {
        let cx = self.cx;
        let span = cx.span_of(call);
        let written = short(cx.snippet(span));
        let panics = matches!(
            kind,
            Kind::BlockOn | Kind::BlockingMethod | Kind::ReqwestBlocking
        );
        let mut diag = Diagnostic::new(META.id, span, message(kind, &written))
            .with_label(if panics { LABEL_PANIC } else { LABEL })
            .with_help(help(kind, cx.krate.runtime(), name))
            .with_note(NOTE_WHY);
        if let Some(fix) = fix {
            diag = diag.with_suggestion(fix);
        }
        self.out.report(diag);
    }

    /// The edits that turn `std::x::f(args)` into `runtime::x::f(args).await`.
    fn async_fix(
        &self,
        call: &syn::ExprCall,
        replacement_path: Option<String>,
    ) -> Option<Suggestion> {
        if !self.direct || self.exec == Exec::Sync {
            return None;
        }
        let path = replacement_path?;
        let func = self.cx.span_of(&*call.func);
        let end = self.cx.span_of(call);
        Some(Suggestion {
            message: SUGGESTION.into(),
            edits: vec![
                Edit {
                    span: func,
                    replacement: path,
                },
                Edit {
                    span: empty_at_end(end),
                    replacement: ".await".into(),
                },
            ],
            applicability: Applicability::MaybeIncorrect,
        })
    }

    fn runtime_dep(&self) -> Option<Runtime> {
        let k = self.cx.krate;
        match k.runtime() {
            Runtime::Tokio if k.depends_on("tokio") => Some(Runtime::Tokio),
            Runtime::AsyncStd => Some(Runtime::AsyncStd),
            Runtime::Smol => Some(Runtime::Smol),
            _ => None,
        }
    }

    fn check_call(&mut self, c: &syn::ExprCall, e: &syn::Expr) {
        if self.awaited.contains(&(c as *const _ as usize)) {
            return;
        }
        let Some((kind, name)) = self.classify_call(c) else {
            return;
        };
        if !self.should_report(kind) {
            return;
        }
        let rt = self.runtime_dep();
        let path = match (kind, rt) {
            (Kind::Sleep, Some(Runtime::Tokio)) => Some("tokio::time::sleep".to_string()),
            (Kind::Sleep, Some(Runtime::AsyncStd)) => Some("async_std::task::sleep".to_string()),
            (Kind::Sleep, Some(Runtime::Smol)) => Some("smol::Timer::after".to_string()),
            (Kind::Fs, Some(r)) => async_fs_fn(&name).map(|f| {
                let base = match r {
                    Runtime::Tokio => "tokio::fs",
                    Runtime::AsyncStd => "async_std::fs",
                    Runtime::Smol => "smol::fs",
                };
                format!("{base}::{f}")
            }),
            _ => None,
        };
        // `File::open` and friends are not in this list: an async file needs async reads too.
        let fix = if matches!(kind, Kind::Sleep | Kind::Fs) {
            self.async_fix(c, path)
        } else {
            None
        };
        self.report(e, kind, &name, fix);
    }

    fn check_method(&mut self, m: &syn::ExprMethodCall, e: &syn::Expr) {
        if self.awaited.contains(&(m as *const _ as usize)) {
            return;
        }
        let Some(kind) = self.classify_method(m) else {
            return;
        };
        if !self.should_report(kind) {
            return;
        }
        let name = m.method.to_string();
        let fix =
            (kind == Kind::BlockingMethod && self.direct && self.exec != Exec::Sync).then(|| {
                Suggestion {
                    message: SUGGESTION.into(),
                    edits: vec![
                        Edit {
                            span: self.cx.span_of(&m.method),
                            replacement: name.trim_start_matches("blocking_").to_string(),
                        },
                        Edit {
                            span: empty_at_end(self.cx.span_of(m)),
                            replacement: ".await".into(),
                        },
                    ],
                    applicability: Applicability::MaybeIncorrect,
                }
            });
        self.report(e, kind, &name, fix);
    }

    fn should_report(&self, kind: Kind) -> bool {
        match self.exec {
            Exec::Sync => false,
            Exec::Worker => true,
            Exec::MainBody => matches!(
                kind,
                Kind::BlockOn | Kind::BlockingMethod | Kind::ReqwestBlocking
            ),
        }
    }

    fn with_scope(&mut self, b: &syn::Block, f: impl FnOnce(&mut Self)) {
        let items: Vec<&syn::Item> = b
            .stmts
            .iter()
            .filter_map(|s| match s {
                syn::Stmt::Item(i) => Some(i),
                _ => None,
            })
            .collect();
        if items.is_empty() {
            return f(self);
        }
        self.resolver
            .push(Scope::for_items(items, self.cx.file.module_path));
        f(self);
        self.resolver.pop();
    }

    fn in_context(&mut self, exec: Exec, direct: bool, f: impl FnOnce(&mut Self)) {
        let saved = (self.exec, self.direct);
        self.exec = exec;
        self.direct = direct;
        f(self);
        (self.exec, self.direct) = saved;
    }

    /// Visit call arguments; closures among them run where `closure_exec` says.
    fn visit_args<'e>(&mut self, args: impl Iterator<Item = &'e syn::Expr>, closure_exec: Exec) {
        for a in args {
            if matches!(a, syn::Expr::Closure(_)) {
                self.pending = Some((closure_exec, false));
            }
            self.visit_expr(a);
            self.pending = None;
        }
    }
}

fn empty_at_end(s: Span) -> Span {
    Span {
        line_start: s.line_end,
        column_start: s.column_end,
        byte_start: s.byte_end,
        ..s
    }
}

/// The call as the message names it: the callee with `(..)` when the arguments are long.
fn short(snippet: &str) -> String {
    if snippet.len() <= 60 && !snippet.contains('\n') {
        return snippet.to_string();
    }
    match snippet.rfind('(') {
        Some(i) if !snippet[..i].contains('\n') => format!("{}(..)", &snippet[..i]),
        _ => match snippet.find('(') {
            Some(i) => format!("{}(..)", &snippet[..i]),
            None => snippet.to_string(),
        },
    }
}

/// `xs.par_iter()`, `into_par_iter()`, `par_bridge()`: a rayon chain runs its closures on the
/// rayon pool.
fn is_rayon_chain(receiver: &syn::Expr) -> bool {
    let (_, calls) = method_chain(receiver);
    calls.iter().any(|m| {
        let n = m.method.to_string();
        n.starts_with("par_") || n == "into_par_iter" || n == "par_bridge"
    })
}

impl<'ast> Visit<'ast> for BlockWalk<'_, '_, '_> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.with_scope(b, |w| visit::visit_block(w, b));
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        visit::visit_local(self, l);
        self.learn(l);
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::Call(c) => self.check_call(c, e),
            syn::Expr::MethodCall(m) => self.check_method(m, e),
            _ => {}
        }
        visit::visit_expr(self, e);
    }

    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        match peel(&a.base) {
            syn::Expr::Call(c) => {
                self.awaited.insert(c as *const _ as usize);
            }
            syn::Expr::MethodCall(m) => {
                self.awaited.insert(m as *const _ as usize);
            }
            _ => {}
        }
        visit::visit_expr_await(self, a);
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.in_context(Exec::Worker, true, |w| visit::visit_expr_async(w, a));
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        let pending = self.pending.take();
        let (exec, direct) = if c.asyncness.is_some() {
            (Exec::Worker, true)
        } else {
            // A closure stored in a variable may be handed to a thread later: unknown.
            pending.unwrap_or((Exec::Sync, false))
        };
        self.in_context(exec, direct, |w| visit::visit_expr_closure(w, c));
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        self.visit_expr(&c.func);
        // A sync closure passed to a function runs who knows where (a thread, a pool, a
        // callback registry): offloads such as `spawn_blocking` and unknown callers alike.
        self.visit_args(c.args.iter(), Exec::Sync);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.visit_expr(&m.receiver);
        let name = m.method.to_string();
        let offloaded = OFFLOAD_NAMES.contains(&name.as_str())
            || self
                .opts
                .offload_wrappers
                .iter()
                .any(|w| w.rsplit("::").next() == Some(name.as_str()))
            || is_rayon_chain(&m.receiver);
        let exec = if !offloaded && SYNC_INVOKERS.contains(&name.as_str()) {
            self.exec
        } else {
            Exec::Sync
        };
        self.visit_args(m.args.iter(), exec);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        match macros::parse_expr_macro(mac) {
            MacroBody::Exprs(es) => es.iter().for_each(|e| self.visit_expr(e)),
            MacroBody::Stmts(ss) => ss.iter().for_each(|s| self.visit_stmt(s)),
            MacroBody::Select {
                branches,
                otherwise,
            } => {
                for b in &branches {
                    self.visit_expr(&b.future);
                    if let Some(g) = &b.guard {
                        self.visit_expr(g);
                    }
                    self.visit_expr(&b.handler);
                }
                otherwise.iter().for_each(|e| self.visit_expr(e));
            }
            MacroBody::Items(_) | MacroBody::Opaque => {}
        }
    }
}
