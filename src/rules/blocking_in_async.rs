//! See rules/blocking_in_async.md.

use super::{Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Suggestion};
use crate::registry;
use crate::semantic::dataflow::peel;
use crate::semantic::exec::Exec;
use crate::semantic::facts::Condition;
use crate::semantic::known::blocking;
use crate::semantic::values::{Evidence, ValueKind};
use crate::semantic::{Cx, Frame, Resolution, Runtime};

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

/// A sync fn of the crate that blocks, called from async code (`written` as the call is written).
fn message_callee(name: &str) -> String {
    format!("`{name}` blocks the executor thread: this sync fn of the crate makes a blocking call, or calls one that does")
}

fn help_callee(name: &str, runtime: Runtime) -> String {
    format!(
        "make `{name}` async (with the async forms of its blocking calls), or run the call on the blocking pool: {}",
        offload(runtime)
    )
}

/// How the runtime moves a blocking closure off its executor threads.
fn offload(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::Tokio => "`tokio::task::spawn_blocking(move || …).await`",
        Runtime::AsyncStd => "`async_std::task::spawn_blocking(move || …).await`",
        Runtime::Smol => "`smol::unblock(move || …).await`",
    }
}

const LABEL: &str = "blocks this worker thread: every other task scheduled on it waits";
const LABEL_PANIC: &str = "called on an executor thread";

fn help(kind: Kind, runtime: Runtime, name: &str) -> String {
    let offload = offload(runtime);
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

// ---- the check -----------------------------------------------------------------------------

impl Rule for BlockingInAsync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_expr(&self, cx: &Cx, e: &syn::Expr, out: &mut Sink) {
        if !matches!(e, syn::Expr::Call(_) | syn::Expr::MethodCall(_)) {
            return;
        }
        let run = cx.exec.current();
        if cx.exec.is_awaited(e) {
            return;
        }
        let opts = cx.config.options::<Options>();
        if !run.on_executor() {
            if run == Exec::Sync {
                note_blocking_fn(cx, opts, e, out);
            }
            return;
        }
        if cx.skips_test_code(opts.check_tests) {
            return;
        }
        let found = match e {
            syn::Expr::Call(c) => classify_call(cx, opts, c),
            syn::Expr::MethodCall(m) => classify_method(cx, m),
            _ => None,
        };
        // `paths.iter().map(std::fs::read)`: a blocking fn handed by name to an adapter that
        // calls it right here; reported at the name.
        let (found, e) = match (found, e) {
            (None, syn::Expr::MethodCall(m))
                if crate::semantic::known::adapters::SYNC_ADAPTERS
                    .contains(&m.method.to_string().as_str()) =>
            {
                match m
                    .args
                    .iter()
                    .find(|a| matches!(peel(a), syn::Expr::Path(_)))
                {
                    Some(arg @ syn::Expr::Path(p)) => (classify_path(cx, opts, p), arg),
                    _ => (None, e),
                }
            }
            other => other,
        };
        let Some(Found { kind, name, unless }) = found else {
            if run == Exec::Executor {
                check_blocking_callee(cx, e, out);
            }
            return;
        };
        // The thread that drives the runtime may block at startup (reading its configuration);
        // what panics there is still reported.
        let panics = matches!(
            kind,
            Kind::BlockOn | Kind::BlockingMethod | Kind::ReqwestBlocking
        );
        if run == Exec::RuntimeMain && !panics {
            return;
        }
        // Directly in an async body (not in a sync closure): `.await` may be added here.
        let direct = cx.in_async();
        let fix = match e {
            syn::Expr::Call(c) if direct => call_fix(cx, c, kind, &name),
            syn::Expr::MethodCall(m) if direct && kind == Kind::BlockingMethod => {
                Some(method_fix(cx, m, &name))
            }
            _ => None,
        };
        let span = match e {
            // A chain is reported at its blocking link (`.open(p)`), not at its start.
            syn::Expr::MethodCall(m)
                if matches!(
                    peel(&m.receiver),
                    syn::Expr::Call(_) | syn::Expr::MethodCall(_) | syn::Expr::Try(_)
                ) =>
            {
                cx.span(m.dot_token.span).to(cx.span_of(e))
            }
            _ => cx.span_of(e),
        };
        // Named as written when it fits on a line, else by its blocking link.
        let whole = cx.snippet(cx.span_of(e));
        let written = if whole.len() <= 60 && !whole.contains('\n') {
            whole.to_string()
        } else {
            short(cx.snippet(span))
        };
        let mut diag = Diagnostic::new(META.id, span, message(kind, &written))
            .with_label(if panics { LABEL_PANIC } else { LABEL })
            .with_help(help(kind, cx.krate.runtime(), &name))
            .with_note(NOTE_WHY);
        if let Some(fix) = fix {
            diag = diag.with_suggestion(fix);
        }
        // An `async fn` that a plain fn hands to its runtime's `block_on` is a root future: its
        // own body runs on the thread that starts the runtime, like a `#[tokio::main]` body.
        let mut conditions: Vec<Condition> = unless.into_iter().collect();
        if !panics {
            if let Some(keys) = own_fn_keys(cx, true) {
                conditions.push(Condition::NotRootFuture(keys));
            }
        }
        if conditions.is_empty() {
            out.report(diag);
        } else {
            out.report_if(diag, conditions);
        }
    }
}

/// The keys of the fn whose own body this is (not a closure, block or task in it), if it is
/// `async` or not as asked: its key, and for a free fn its bare name too (for calls through a
/// glob import, `use shell::*;`).
fn own_fn_keys(cx: &Cx, is_async: bool) -> Option<Vec<String>> {
    let own = cx.frames.iter().rev().find_map(|f| match f {
        Frame::Fn { is_async, .. } => Some(Some(*is_async)),
        Frame::Closure { .. } | Frame::AsyncBlock => Some(None),
        _ => None,
    });
    if own != Some(Some(is_async)) {
        return None;
    }
    let f = crate::semantic::facts::enclosing_fn(&cx.frames, cx.file.module_path)?;
    let mut keys = vec![f.key.clone()];
    if !f.method {
        keys.push(f.name);
    }
    Some(keys)
}

/// In a sync fn (or what it calls right away): a call that surely blocks makes the fn one that
/// blocks whoever calls it, a crate-wide fact for [`check_blocking_callee`].
fn note_blocking_fn(cx: &Cx, opts: &Options, e: &syn::Expr, out: &mut Sink) {
    let found = match e {
        // Resolve only a path that can name a blocking call of the catalog.
        syn::Expr::Call(c) => match &*c.func {
            // (`read_to_string(p)` imported from `std::fs` names no module: its name decides.)
            syn::Expr::Path(p)
                if p.path.segments.iter().any(|s| {
                    let s = s.ident.to_string();
                    crate::semantic::known::vocabulary().contains(s.as_str())
                        || blocking::ASYNC_MIRRORED_FS.contains(&s.as_str())
                        || s == "read_dir"
                }) =>
            {
                classify_call(cx, opts, c)
            }
            _ => None,
        },
        syn::Expr::MethodCall(m) => classify_method(cx, m),
        _ => None,
    };
    // A call of another crate fn: it blocks this fn's caller if that fn blocks. (Resolved
    // before the fn's own keys: most calls name no crate fn.)
    let callee = match &found {
        None => match callee_key(cx, e) {
            Some((callee, _)) => Some(callee),
            None => return,
        },
        Some(_) => None,
    };
    // Only the fn's own body, not a closure in it (which may run elsewhere, or never).
    let Some(keys) = own_fn_keys(cx, false) else {
        return;
    };
    let keys = keys.into_iter();
    match found {
        // What blocks (for certain, or if the crate's declarations say a value is a path),
        // not what panics instead (`block_on`: reported where it is, if ever in async code).
        Some(Found { kind, unless, .. })
            if !matches!(
                kind,
                Kind::BlockOn | Kind::BlockingMethod | Kind::ReqwestBlocking
            ) =>
        {
            match unless {
                None => out.blocking_fns.extend(keys),
                // Known only by the crate's declarations: blocks if they say so.
                Some(c) => out.blocking_fns_if.extend(keys.map(|k| (k, c.clone()))),
            }
        }
        Some(_) => {}
        None => {
            if let Some(callee) = callee {
                out.sync_calls.extend(keys.map(|k| (k, callee.clone())));
            }
        }
    }
}

/// The crate fn a call names, as (key, name): `load_config(path)`, `Self::scan(dir)`,
/// `self.flush_to_disk()`, or a fn handed by name to an adapter that calls it
/// (`.map(load_config)`).
fn callee_key(cx: &Cx, e: &syn::Expr) -> Option<(String, String)> {
    let self_ty = cx.self_type();
    match e {
        syn::Expr::Call(_) | syn::Expr::Path(_) => {
            let p = match e {
                syn::Expr::Call(c) => match &*c.func {
                    syn::Expr::Path(p) => p,
                    _ => return None,
                },
                syn::Expr::Path(p) => p,
                _ => return None,
            };
            // `<T>::connect(..)`: a generic's method, not a crate fn of that name.
            if p.qself.is_some() {
                return None;
            }
            let segs = &p.path.segments;
            let last = segs.last()?;
            let name = last.ident.to_string();
            // `helper(..)`, `Self::helper(..)`, `crate::x::helper(..)`, `config::load(..)`: a fn
            // of the crate (a module path that is no dependency or standard crate).
            let first = segs[0].ident.to_string();
            // `SavedState::restore(dir)`: an associated fn, of the crate only if the crate
            // declares one under that key (the fact is about the crate's own fns).
            let local = segs.len() == 1
                || matches!(first.as_str(), "Self" | "self" | "super" | "crate")
                || (segs.len() == 2
                    && !matches!(first.as_str(), "std" | "core" | "alloc")
                    && !cx.krate.depends_on(&first));
            if !local
                || name.starts_with(|c: char| c.is_uppercase())
                || (segs.len() == 1 && cx.is_bound_local(&name))
            {
                return None;
            }
            Some((
                crate::semantic::facts::use_key(
                    &p.path,
                    &cx.resolver,
                    cx.file.module_path,
                    self_ty,
                ),
                name,
            ))
        }
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            Some((format!("{}::{name}", receiver_type(cx, &m.receiver)?), name))
        }
        _ => None,
    }
}

/// The crate type a method's receiver is by what the fn can see: `self`; a local or parameter
/// of a named type (`hook: &Hook`, `let up = Upload { .. }`, `Some(pre)` out of an
/// `Option<&Preprocessor>` parameter); a value built in place (`Builder::new(id).build()`);
/// a field of `self` by its declaration in this file
/// (`self.toolchains`), or the value its lock guards (`self.lru.lock().unwrap()` of
/// `lru: Mutex<DiskLru>`).
fn receiver_type(cx: &Cx, receiver: &syn::Expr) -> Option<String> {
    let self_ty = cx.self_type();
    let key = crate::semantic::facts::method_key(receiver, cx.exec.locals(), self_ty, "");
    if let Some(t) = key.strip_suffix("::") {
        if t != crate::semantic::facts::UNKNOWN_RECEIVER {
            return Some(t.to_string());
        }
    }
    // `LinkBuilder::new(id).build()`: a value built right here.
    if let Some(t) = crate::semantic::values::constructed_type(receiver) {
        return Some(match (t.as_str(), self_ty) {
            ("Self", Some(s)) => s.to_string(),
            _ => t,
        });
    }
    let owner = self_ty?;
    let self_field = |e: &syn::Expr| match peel(e) {
        syn::Expr::Field(f) if matches!(peel(&f.base), syn::Expr::Path(p) if p.path.is_ident("self")) => {
            match &f.member {
                syn::Member::Named(n) => Some(n.to_string()),
                syn::Member::Unnamed(_) => None,
            }
        }
        _ => None,
    };
    if let Some(field) = self_field(receiver) {
        return crate::semantic::values::field_type(cx, owner, &field);
    }
    // `self.lru.lock().unwrap()`, `self.state.read().await`... a guard of a lock field.
    let mut e = peel(receiver);
    loop {
        match e {
            syn::Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
                e = peel(&m.receiver)
            }
            syn::Expr::Await(a) => e = peel(&a.base),
            syn::Expr::Try(t) => e = peel(&t.expr),
            _ => break,
        }
    }
    match e {
        syn::Expr::MethodCall(m)
            if m.args.is_empty()
                && crate::semantic::known::locks::GUARD_METHODS
                    .iter()
                    .any(|g| m.method == g) =>
        {
            let field = self_field(&m.receiver)?;
            crate::semantic::values::field_guarded_type(cx, owner, &field)
        }
        _ => None,
    }
}

/// A call, on an executor thread, of a sync fn of the crate that blocks ([`note_blocking_fn`]),
/// itself or through the crate fns it calls (up to a few calls down).
fn check_blocking_callee(cx: &Cx, e: &syn::Expr, out: &mut Sink) {
    let Some((key, name)) = callee_key(cx, e) else {
        return;
    };
    let span = cx.span_of(e);
    let whole = cx.snippet(span);
    let written = if whole.len() <= 60 && !whole.contains('\n') {
        whole.to_string()
    } else {
        format!("{name}(..)")
    };
    let diag = Diagnostic::new(META.id, span, message_callee(&written))
        .with_label(LABEL)
        .with_help(help_callee(&name, cx.krate.runtime()))
        .with_note(NOTE_WHY);
    let mut conditions = vec![Condition::CalleeBlocks(key)];
    if let Some(keys) = own_fn_keys(cx, true) {
        conditions.push(Condition::NotRootFuture(keys));
    }
    out.report_if(diag, conditions);
}

/// A blocking call: what it does, the name it is known by, and the crate-wide fact it needs.
struct Found {
    kind: Kind,
    name: String,
    unless: Option<Condition>,
}

fn found(kind: Kind, name: String) -> Option<Found> {
    Some(Found {
        kind,
        name,
        unless: None,
    })
}

/// The full path a call names, if imports tell it (in the crate a dependency re-exports:
/// `ratatui::crossterm::event::read` is `crossterm::event::read`).
fn known(cx: &Cx, path: &syn::Path) -> Option<Vec<String>> {
    let full = match cx.resolver.resolve(path) {
        Resolution::Known(full) => full,
        Resolution::Glob(c) if c.len() == 1 => c.into_iter().next()?,
        _ => return None,
    };
    match crate::semantic::imports::reexported_crate(&full) {
        Some(inner) => Some(inner.to_vec()),
        None => Some(full),
    }
}

/// What a path call blocks on, if it does.
fn classify_call(cx: &Cx, opts: &Options, c: &syn::ExprCall) -> Option<Found> {
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    classify_path(cx, opts, p)
}

/// What the fn a path names blocks on, if it does: called (`std::fs::read(p)`) or handed to an
/// adapter that calls it right away (`paths.iter().map(std::fs::read)`).
fn classify_path(cx: &Cx, opts: &Options, p: &syn::ExprPath) -> Option<Found> {
    let last = p.path.segments.last()?.ident.to_string();
    if last == "block_on" {
        return found(Kind::BlockOn, last);
    }
    let full = known(cx, &p.path)?;
    let full_str = full.join("::");
    let is = |targets: &[&str]| targets.contains(&full_str.as_str());
    let (last, module) = match full.split_last() {
        Some((l, m)) => (l.clone(), m.join("::")),
        None => return None,
    };
    let in_module = |modules: &[&str]| modules.contains(&module.as_str());
    let in_tree = |modules: &[&str]| {
        modules
            .iter()
            .any(|m| full_str.starts_with(m) && full_str[m.len()..].starts_with("::"))
    };
    if in_tree(blocking::REQWEST_BLOCKING) {
        return found(Kind::ReqwestBlocking, last);
    }
    if is(blocking::THREAD_SLEEP) {
        return found(Kind::Sleep, last);
    }
    // `std::fs::read_to_string`, `fs_err::write`: a function (not a type) of a blocking fs module.
    if in_module(blocking::FS_MODULES) && last.starts_with(|c: char| c.is_ascii_lowercase()) {
        return found(Kind::Fs, last);
    }
    // `File::open(p)`, `fs_err::File::create(p)`
    if (in_module(blocking::FILE_TYPES) && blocking::FILE_OPENS.contains(&last.as_str()))
        || is(blocking::WRAPPED_FILE_OPENS)
        || is(blocking::DIR_WALKS)
    {
        return found(Kind::Fs, last);
    }
    if is(blocking::STD_NET) || is(blocking::UREQ) || is(blocking::TERMINAL_EVENTS) {
        return found(Kind::Wait, last);
    }
    if is(blocking::HASHING) {
        return found(Kind::Cpu, last);
    }
    if opts
        .extra_calls
        .iter()
        .any(|x| *x == full_str || x.strip_prefix("crate::") == Some(full_str.as_str()))
    {
        return found(Kind::Extra, last);
    }
    None
}

/// What a method call blocks on, if it does, judged by what its receiver is.
fn classify_method(cx: &Cx, m: &syn::ExprMethodCall) -> Option<Found> {
    let name = m.method.to_string();
    let n = name.as_str();
    if n == "block_on" && m.args.len() == 1 {
        return found(Kind::BlockOn, name);
    }
    if blocking::TOKIO_PANICKING.contains(&n) && cx.krate.depends_on("tokio") {
        return found(Kind::BlockingMethod, name);
    }
    if blocking::PASSWORD_HASH_METHODS.contains(&n)
        && blocking::PASSWORD_HASH_CRATES
            .iter()
            .any(|d| cx.krate.depends_on(d))
    {
        return found(Kind::Cpu, name);
    }
    let locals = cx.exec.locals()?;
    let receiver = |kind: ValueKind| locals.evidence(&cx.resolver, &m.receiver, kind);
    // (what blocks, the kind of value the receiver must be, the evidence that it is one)
    let (kind, value, evidence) = match n {
        _ if blocking::PATH_FS_METHODS.contains(&n) && m.args.is_empty() => {
            (Kind::Fs, ValueKind::Path, receiver(ValueKind::Path))
        }
        "open" if m.args.len() == 1 => (
            Kind::Fs,
            ValueKind::File,
            locals.method_evidence(&cx.resolver, m, ValueKind::File),
        ),
        // On a file held in a local or field; on `File::open(p)?` itself, the open is reported.
        _ if blocking::FILE_IO_METHODS.contains(&n) && !opens_in_place(&m.receiver) => {
            (Kind::Fs, ValueKind::File, receiver(ValueKind::File))
        }
        _ if blocking::STDIN_READS.contains(&n) => {
            (Kind::Wait, ValueKind::Stdin, receiver(ValueKind::Stdin))
        }
        "output" | "status" if m.args.is_empty() => (
            Kind::Process,
            ValueKind::Command,
            receiver(ValueKind::Command),
        ),
        "wait" | "wait_with_output" if m.args.is_empty() => match receiver(ValueKind::Child) {
            Evidence::Yes => (Kind::Process, ValueKind::Child, Evidence::Yes),
            _ => (Kind::Wait, ValueKind::Barrier, receiver(ValueKind::Barrier)),
        },
        "join" if m.args.is_empty() => (Kind::Wait, ValueKind::Thread, receiver(ValueKind::Thread)),
        "recv" | "recv_timeout" => (
            Kind::Wait,
            ValueKind::StdReceiver,
            receiver(ValueKind::StdReceiver),
        ),
        "wait" | "wait_while" | "wait_timeout" | "wait_timeout_while" => {
            (Kind::Wait, ValueKind::Condvar, receiver(ValueKind::Condvar))
        }
        _ => return None,
    };
    match evidence {
        Evidence::Yes => found(kind, name),
        Evidence::IfDeclared(decl) => Some(Found {
            kind,
            name,
            unless: Some(Condition::DeclaredAs(decl, value)),
        }),
        Evidence::No => None,
    }
}

/// `File::open(p)?`, `File::create(p).unwrap()`: a call, through `?` and unwraps.
fn opens_in_place(e: &syn::Expr) -> bool {
    match peel(e) {
        syn::Expr::Try(t) => opens_in_place(&t.expr),
        syn::Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
            opens_in_place(&m.receiver)
        }
        syn::Expr::Call(_) | syn::Expr::MethodCall(_) => true,
        _ => false,
    }
}

/// `std::fs::read(p)` → `tokio::fs::read(p).await`, `thread::sleep(d)` → the runtime's sleep.
fn call_fix(cx: &Cx, call: &syn::ExprCall, kind: Kind, name: &str) -> Option<Suggestion> {
    let k = cx.krate;
    let rt = match k.runtime() {
        Runtime::Tokio if k.depends_on("tokio") => Runtime::Tokio,
        Runtime::Tokio => return None,
        r => r,
    };
    // `File::open` and friends are not mirrored here: an async file needs async reads too.
    let path = match (kind, rt) {
        (Kind::Sleep, Runtime::Tokio) => "tokio::time::sleep".to_string(),
        (Kind::Sleep, Runtime::AsyncStd) => "async_std::task::sleep".to_string(),
        (Kind::Sleep, Runtime::Smol) => "smol::Timer::after".to_string(),
        (Kind::Fs, r) => {
            let f = async_fs_fn(name)?;
            let base = match r {
                Runtime::Tokio => "tokio::fs",
                Runtime::AsyncStd => "async_std::fs",
                Runtime::Smol => "smol::fs",
            };
            format!("{base}::{f}")
        }
        _ => return None,
    };
    Some(Suggestion {
        message: SUGGESTION.into(),
        edits: vec![
            Edit {
                span: cx.span_of(&*call.func),
                replacement: path,
            },
            Edit {
                span: cx.span_of(call).end(),
                replacement: ".await".into(),
            },
        ],
        applicability: call_fix_applicability(k, kind, rt),
    })
}

/// Safe when the manifest says the replacement exists: tokio built with `time` (for the sleep)
/// or `fs` (or `full`), async-std with its default features (`task::sleep`, `async_std::fs`).
/// Without a manifest (PATH mode), or a feature we cannot see, the author decides.
fn call_fix_applicability(
    k: &crate::semantic::CrateInfo,
    kind: Kind,
    rt: Runtime,
) -> Applicability {
    let known = match (rt, kind) {
        (Runtime::Tokio, Kind::Sleep) => k.has_feature("tokio", &["time", "full"]),
        (Runtime::Tokio, Kind::Fs) => k.has_feature("tokio", &["fs", "full"]),
        (Runtime::AsyncStd, Kind::Sleep | Kind::Fs) => k.has_feature("async_std", &["default"]),
        _ => false,
    };
    if known {
        Applicability::MachineApplicable
    } else {
        Applicability::MaybeIncorrect
    }
}

/// `m.blocking_lock()` → `m.lock().await`.
fn method_fix(cx: &Cx, m: &syn::ExprMethodCall, name: &str) -> Suggestion {
    Suggestion {
        message: SUGGESTION.into(),
        edits: vec![
            Edit {
                span: cx.span_of(&m.method),
                replacement: name.trim_start_matches("blocking_").to_string(),
            },
            Edit {
                span: cx.span_of(m).end(),
                replacement: ".await".into(),
            },
        ],
        applicability: Applicability::MaybeIncorrect,
    }
}

/// `std::fs` functions that the async runtimes' fs modules mirror with the same name.
fn async_fs_fn(name: &str) -> Option<&'static str> {
    blocking::ASYNC_MIRRORED_FS
        .iter()
        .copied()
        .find(|n| *n == name)
}

/// The call as the message names it: the callee with `(..)` when the arguments are long.
fn short(snippet: &str) -> String {
    if snippet.len() <= 60 && !snippet.contains('\n') {
        return snippet.to_string();
    }
    // A chain written one call per line is named on one line (`config .path .canonicalize(..)`).
    let snippet = &super::one_line(snippet);
    match snippet.rfind('(') {
        Some(i) if i <= 60 => format!("{}(..)", &snippet[..i]),
        _ => match snippet.find('(') {
            Some(i) => format!("{}(..)", &snippet[..i]),
            None => snippet.to_string(),
        },
    }
}
