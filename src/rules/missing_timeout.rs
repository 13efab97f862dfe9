//! See rules/missing_timeout.md.

use super::{FnNode, Rule, RuleMeta, Sink};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Span, Suggestion};
use crate::registry;
use crate::semantic::dataflow::{collect_token_idents, method_chain, peel};
use crate::semantic::macros::{self, MacroBody};
use crate::semantic::{Cx, Resolver, Runtime, Scope, Tri};
use std::collections::HashSet;
use syn::visit::{self, Visit};

// ---- what the user reads -------------------------------------------------------------------

fn message_client(written: &str) -> String {
    format!("`{written}` builds an HTTP client with no timeout: a server that stops answering stalls every request made with it")
}

fn message_builder(missing: &str) -> String {
    format!("this HTTP client is built without {missing}: a server that stops answering stalls every request made with it")
}

const MESSAGE_ENDPOINT: &str =
    "this gRPC channel is built without `.timeout(..)` or `.connect_timeout(..)`: a peer that stops answering stalls its calls forever";

fn message_default_client(written: &str) -> String {
    format!("`{written}` uses a default client with no timeout: the request can hang forever")
}

fn message_connect(written: &str) -> String {
    format!("`{written}` is awaited with no deadline: a peer that never answers stalls this task forever")
}

const LABEL_BUILT: &str = "no timeout set here";
const LABEL_AWAITED: &str = "no deadline";

fn help_client(fixed: &str) -> String {
    format!("set an overall deadline when building it: `{fixed}` (or `.connect_timeout(..)` together with `.read_timeout(..)`)")
}

const HELP_ENDPOINT: &str = "set a deadline on the endpoint before connecting: `.timeout(Duration::from_secs(30))` (per request) and/or `.connect_timeout(Duration::from_secs(5))`";

const HELP_DEFAULT_CLIENT: &str = "build one client with a timeout and reuse it: `reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?`, then `client.get(url).send().await`";

fn help_connect(runtime: Runtime, call: &str) -> String {
    match runtime {
        Runtime::Tokio => format!(
            "bound it: `tokio::time::timeout(Duration::from_secs(10), {call}).await??`"
        ),
        Runtime::AsyncStd => format!(
            "bound it: `async_std::future::timeout(Duration::from_secs(10), {call}).await??`"
        ),
        Runtime::Smol => format!(
            "race it against a timer: `futures_lite::FutureExt::or({call}, async {{ smol::Timer::after(Duration::from_secs(10)).await; Err(timed_out()) }}).await`"
        ),
    }
}

const NOTE_WHY: &str = "without a deadline one unresponsive peer holds this task, its connection and whatever it locked, forever; under load such tasks pile up until the service stops answering";

const NOTE_FILE: &str = "requests made with this client in this file do not all set `RequestBuilder::timeout(..)` either";

const SUGGESTION_CLIENT: &str = "build the client with a timeout";
const SUGGESTION_CONNECT: &str = "wrap it in a timeout";

// ---- metadata ------------------------------------------------------------------------------

pub struct MissingTimeout;

static META: RuleMeta = RuleMeta {
    entry: &registry::MISSING_TIMEOUT,
    summary: "A network call with no deadline: an HTTP client built without a timeout, a default-client call such as `reqwest::get`, or a raw connect, DNS look-up or database/broker open awaited with no timeout.",
    has_fix: true,
    doc: include_str!("../../rules/missing_timeout.md"),
};

/// `[rules.missing_timeout]`
type Options = registry::MissingTimeoutOptions;

/// Connects and look-ups that wait on a peer, by full path.
const CONNECTS: &[&str] = &[
    "tokio::net::TcpStream::connect",
    "tokio::net::UnixStream::connect",
    "tokio::net::lookup_host",
    "async_std::net::TcpStream::connect",
    "async_std::os::unix::net::UnixStream::connect",
    "async_net::TcpStream::connect",
    "async_net::unix::UnixStream::connect",
    "smol::net::TcpStream::connect",
    "smol::net::unix::UnixStream::connect",
    "tokio_postgres::connect",
    "tokio_tungstenite::connect_async",
    "tokio_tungstenite::connect_async_with_config",
    "tokio_tungstenite::connect_async_tls_with_config",
    "async_tungstenite::tokio::connect_async",
    "async_tungstenite::async_std::connect_async",
    "lapin::Connection::connect",
    "lapin::Connection::connect_uri",
    "lapin::Connection::connect_with_config",
];

/// redis-rs methods that open a connection (they have no deadline of their own).
const REDIS_OPENS: &[&str] = &[
    "get_async_connection",
    "get_multiplexed_async_connection",
    "get_multiplexed_tokio_connection",
    "get_multiplexed_async_std_connection",
    "get_tokio_connection",
    "get_async_std_connection",
    "get_connection_manager",
];

const TIMEOUT_FNS: &[&str] = &[
    "tokio::time::timeout",
    "tokio::time::timeout_at",
    "async_std::future::timeout",
    "async_std::io::timeout",
];

const REQWEST_CLIENT_NEW: &[&str] = &["reqwest::Client::new", "reqwest::Client::default"];
const REQWEST_BUILDER: &[&str] = &["reqwest::Client::builder", "reqwest::ClientBuilder::new"];
const TONIC_ENDPOINT: &[&str] = &[
    "tonic::transport::Endpoint::from_static",
    "tonic::transport::Endpoint::from_shared",
    "tonic::transport::Endpoint::new",
    "tonic::transport::Endpoint::try_from",
    "tonic::transport::Endpoint::from",
    "tonic::transport::Channel::from_static",
    "tonic::transport::Channel::from_shared",
    "tonic::transport::Channel::builder",
];
const HYPER_CLIENTS: &[&str] = &[
    "hyper::Client::new",
    "hyper::Client::builder",
    "hyper::client::Client::new",
    "hyper::client::Client::builder",
    "hyper_util::client::legacy::Client::builder",
];
const HYPER_CLIENT_TYPES: &[&str] = &[
    "hyper::Client",
    "hyper::client::Client",
    "hyper_util::client::legacy::Client",
];

// ---- the check -----------------------------------------------------------------------------

impl Rule for MissingTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    /// Where the deadline is decided for everything built once: clients, channels, default
    /// clients.
    fn check_expr(&self, cx: &Cx, e: &syn::Expr, out: &mut Sink) {
        if !matches!(e, syn::Expr::Call(_) | syn::Expr::MethodCall(_)) {
            return;
        }
        if cx.skips_test_code(cx.config.options::<Options>().check_tests) {
            return;
        }
        match e {
            syn::Expr::Call(c) => check_client_call(cx, c, out),
            syn::Expr::MethodCall(m) => check_built_chain(cx, m, out),
            _ => {}
        }
    }

    /// Connects awaited with no deadline: a walk of the body that knows which futures are
    /// awaited directly and which sit inside a timeout.
    fn check_fn(&self, cx: &Cx, f: &FnNode, out: &mut Sink) {
        let opts = cx.config.options::<Options>();
        if (f.is_test && !opts.check_tests) || cx.skips_test_code(opts.check_tests) {
            return;
        }
        // The braces' span: `span_of(body)` would turn the whole body into tokens.
        if !body_may_connect(cx.snippet(cx.span(f.body.brace_token.span.join())), opts)
            || is_connect_helper(&f.sig.ident.to_string())
        {
            return;
        }
        let before = out.findings.len();
        let mut walk = ConnectWalk {
            cx,
            opts,
            resolver: cx.resolver.clone(),
            covered: 0,
            awaited: HashSet::new(),
            hyper: HashSet::new(),
            out,
        };
        walk.hyper = hyper_params(cx, f.sig);
        walk.visit_block(f.body);
        // The fn itself awaited inside a timeout by a caller in this file
        // (`timeout(d, self.tls_client(addr))`): the caller decided the deadline.
        if walk.out.findings.len() > before && called_under_timeout(cx, &f.sig.ident.to_string()) {
            walk.out.findings.truncate(before);
        }
    }
}

/// `async fn connect_tcp(addr)`, `fn dial`, `fn resolve_address`: a helper whose job is the
/// connect itself. Its callers decide the deadline (drivers wrap such helpers in their
/// configured connect timeout), so the connect inside is not where the deadline is missing.
fn is_connect_helper(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "connect",
        "dial",
        "lookup",
        "resolve",
        "socket_addr",
        "open",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// A cheap textual pre-filter on the body's source: only bodies that mention a connect-like
/// name are walked.
fn body_may_connect(body: &str, opts: &Options) -> bool {
    [
        "connect",
        "lookup_host",
        "request",
        "get",
        "Client",
        "Endpoint",
        "Channel",
    ]
    .iter()
    .any(|w| body.contains(w))
        || opts
            .extra_calls
            .iter()
            .filter_map(|c| c.rsplit("::").next())
            .any(|n| body.contains(n))
}

fn check_client_call(cx: &Cx, c: &syn::ExprCall, out: &mut Sink) {
    let syn::Expr::Path(p) = &*c.func else { return };
    // Only `get(..)` and constructors can be what this looks for; skip resolving the rest
    // (a single name may be a renamed import, so it is always resolved).
    let Some(last) = p.path.segments.last() else {
        return;
    };
    if p.path.segments.len() > 1
        && !(last.ident == "get" || last.ident == "new" || last.ident == "default")
    {
        return;
    }
    if cx.is(&p.path, &["reqwest::get"]) == Tri::Yes {
        let written = cx.snippet(cx.span_of(&p.path)).to_string();
        out.report(
            Diagnostic::new(
                META.id,
                cx.span_of(c),
                message_default_client(&format!("{written}(..)")),
            )
            .with_label(LABEL_BUILT)
            .with_help(HELP_DEFAULT_CLIENT)
            .with_note(NOTE_WHY),
        );
        return;
    }
    if !c.args.is_empty() || cx.is(&p.path, REQWEST_CLIENT_NEW) != Tri::Yes {
        return;
    }
    if file_requests_all_bounded(cx) {
        return;
    }
    let path_span = cx.span_of(&p.path);
    let written = cx.snippet(path_span);
    let base = written.rsplit_once("::").map_or("Client", |(b, _)| b);
    let fixed = format!(
        "{base}::builder().timeout(std::time::Duration::from_secs(30)).build().expect(\"the TLS backend initializes\")"
    );
    let span = cx.span_of(c);
    out.report(
        Diagnostic::new(META.id, span, message_client(&format!("{written}()")))
            .with_label(LABEL_BUILT)
            .with_help(help_client(&format!(
                "{base}::builder().timeout(Duration::from_secs(30)).build()?"
            )))
            .with_note(NOTE_WHY)
            .with_suggestion(Suggestion {
                message: SUGGESTION_CLIENT.into(),
                edits: vec![Edit {
                    span,
                    replacement: fixed,
                }],
                applicability: Applicability::MaybeIncorrect,
            }),
    );
}

/// `Client::builder()…build()` and `Endpoint::from_static(..)…connect()` written as one chain.
fn check_built_chain(cx: &Cx, m: &syn::ExprMethodCall, out: &mut Sink) {
    let tonic = m.method == "connect" || m.method == "connect_lazy";
    if m.method != "build" && !tonic {
        return;
    }
    let (root, calls) = method_chain(&m.receiver);
    let syn::Expr::Call(rc) = peel(root) else {
        return;
    };
    let syn::Expr::Path(rp) = &*rc.func else {
        return;
    };
    let names: HashSet<String> = calls.iter().map(|c| c.method.to_string()).collect();
    let has = |n: &str| names.contains(n);
    let dot = cx.span(m.dot_token.span);
    let insert = Span {
        line_end: dot.line_start,
        column_end: dot.column_start,
        byte_end: dot.byte_start,
        ..dot
    };
    let suggestion = Suggestion {
        message: SUGGESTION_CLIENT.into(),
        edits: vec![Edit {
            span: insert,
            replacement: ".timeout(std::time::Duration::from_secs(30))".into(),
        }],
        applicability: Applicability::MaybeIncorrect,
    };
    let span = cx.span_of(rc).to(cx.span(m.paren_token.span.close()));
    if !tonic {
        if cx.is(&rp.path, REQWEST_BUILDER) != Tri::Yes
            || has("timeout")
            || (has("connect_timeout") && has("read_timeout"))
        {
            return;
        }
        if file_requests_all_bounded(cx) {
            return;
        }
        let missing = if has("connect_timeout") {
            "`.timeout(..)` or `.read_timeout(..)` (only the connect is bounded)"
        } else {
            "`.timeout(..)`"
        };
        let written = cx.snippet(cx.span_of(&rp.path));
        let base = written.rsplit_once("::").map_or("Client", |(b, _)| b);
        out.report(
            Diagnostic::new(META.id, span, message_builder(missing))
                .with_label(LABEL_BUILT)
                .with_help(help_client(&format!(
                    "{base}::builder().timeout(Duration::from_secs(30)).build()?"
                )))
                .with_note(NOTE_FILE)
                .with_suggestion(suggestion),
        );
    } else {
        if cx.is(&rp.path, TONIC_ENDPOINT) != Tri::Yes || has("timeout") || has("connect_timeout") {
            return;
        }
        out.report(
            Diagnostic::new(META.id, span, MESSAGE_ENDPOINT)
                .with_label(LABEL_BUILT)
                .with_help(HELP_ENDPOINT)
                .with_note(NOTE_WHY)
                .with_suggestion(suggestion),
        );
    }
}

/// Does every request sent in this file (`.get(url)…send()`) set `RequestBuilder::timeout` or
/// sit inside a timeout? Then a client built here without one is covered where it is used.
/// (A walk of the file's tree, once per file, on first need.)
fn file_requests_all_bounded(cx: &Cx) -> bool {
    struct Bounded(bool);
    cx.file
        .memo
        .get(|| Bounded(requests_all_bounded(cx.file.ast)))
        .0
}

fn requests_all_bounded(file: &syn::File) -> bool {
    #[derive(Default)]
    struct V {
        depth: usize,
        sends: usize,
        bounded: usize,
    }
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            let wraps = match &*c.func {
                syn::Expr::Path(p) => p
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| names_a_deadline(&s.ident.to_string())),
                _ => false,
            };
            self.depth += usize::from(wraps);
            visit::visit_expr_call(self, c);
            self.depth -= usize::from(wraps);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method == "send" && m.args.is_empty() {
                let (_, calls) = method_chain(&m.receiver);
                let names: Vec<String> = calls.iter().map(|c| c.method.to_string()).collect();
                let is_request = names.iter().any(|n| {
                    matches!(
                        n.as_str(),
                        "get" | "post" | "put" | "patch" | "delete" | "head" | "request"
                    )
                });
                if is_request {
                    self.sends += 1;
                    if self.depth > 0 || names.iter().any(|n| n == "timeout") {
                        self.bounded += 1;
                    }
                }
            }
            let wraps = names_a_deadline(&m.method.to_string());
            self.depth += usize::from(wraps);
            visit::visit_expr_method_call(self, m);
            self.depth -= usize::from(wraps);
        }
    }
    let mut v = V::default();
    v.visit_file(file);
    v.sends > 0 && v.sends == v.bounded
}

/// Is a fn named `name` called inside a timeout anywhere in this file? (One walk of the file's
/// tree collects every such name, once per file, on first need.)
fn called_under_timeout(cx: &Cx, name: &str) -> bool {
    struct Names(HashSet<String>);
    cx.file
        .memo
        .get(|| Names(names_called_under_timeout(cx.file.ast)))
        .0
        .contains(name)
}

fn names_called_under_timeout(file: &syn::File) -> HashSet<String> {
    #[derive(Default)]
    struct V {
        depth: usize,
        macros: usize,
        found: HashSet<String>,
    }
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            let name = match &*c.func {
                syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            };
            let wraps = name.as_deref().is_some_and(names_a_deadline);
            if let Some(n) = name.filter(|_| self.depth > 0) {
                self.found.insert(n);
            }
            self.depth += usize::from(wraps);
            visit::visit_expr_call(self, c);
            self.depth -= usize::from(wraps);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let name = m.method.to_string();
            let wraps = names_a_deadline(&name);
            if self.depth > 0 {
                self.found.insert(name);
            }
            self.depth += usize::from(wraps);
            visit::visit_expr_method_call(self, m);
            self.depth -= usize::from(wraps);
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            // As the engine: nested bodies beyond the limit are not parsed again.
            if self.macros < macros::MAX_MACRO_DEPTH {
                self.macros += 1;
                es_visit(self, mac);
                self.macros -= 1;
            }
        }
    }
    fn es_visit(v: &mut V, mac: &syn::Macro) {
        match macros::parse_expr_macro(mac) {
            MacroBody::Exprs(es) => es.iter().for_each(|e| v.visit_expr(e)),
            MacroBody::Select { branches, .. } => branches.iter().for_each(|b| {
                v.visit_expr(&b.future);
                v.visit_expr(&b.handler);
            }),
            _ => {}
        }
    }
    let mut v = V::default();
    v.visit_file(file);
    v.found
}

/// `timeout`, `with_timeout`, `timeout_at`, `with_deadline`: a name that promises a deadline.
fn names_a_deadline(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("timeout") || n.contains("deadline")
}

/// Parameters typed as a hyper client (`client: &hyper::Client<C>`).
fn hyper_params(cx: &Cx, sig: &syn::Signature) -> HashSet<String> {
    sig.inputs
        .iter()
        .filter_map(|i| match i {
            syn::FnArg::Typed(t) => Some(t),
            syn::FnArg::Receiver(_) => None,
        })
        .filter(|t| type_path(&t.ty).is_some_and(|p| cx.is(p, HYPER_CLIENT_TYPES) == Tri::Yes))
        .filter_map(|t| match &*t.pat {
            syn::Pat::Ident(p) => Some(p.ident.to_string()),
            _ => None,
        })
        .collect()
}

fn type_path(ty: &syn::Type) -> Option<&syn::Path> {
    match ty {
        syn::Type::Path(p) => Some(&p.path),
        syn::Type::Reference(r) => type_path(&r.elem),
        syn::Type::Paren(p) => type_path(&p.elem),
        _ => None,
    }
}

struct ConnectWalk<'c, 'a, 's> {
    cx: &'c Cx<'a>,
    opts: &'c Options,
    resolver: Resolver,
    /// How many enclosing timeouts (wrapper calls, `select!` with a deadline branch).
    covered: usize,
    /// Calls that are `.await`ed directly (by address).
    awaited: HashSet<usize>,
    /// Locals holding a hyper client.
    hyper: HashSet<String>,
    out: &'s mut Sink,
}

impl ConnectWalk<'_, '_, '_> {
    fn is_wrapper(&self, path: &syn::Path) -> bool {
        let last = path.segments.last().map(|s| s.ident.to_string());
        self.resolver.is(path, TIMEOUT_FNS) != Tri::No
            || last.as_deref().is_some_and(names_a_deadline)
            || self.names_wrapper(path)
    }

    fn names_wrapper(&self, path: &syn::Path) -> bool {
        let targets: Vec<&str> = self
            .opts
            .timeout_wrappers
            .iter()
            .map(|s| s.as_str())
            .collect();
        let last = path.segments.last().map(|s| s.ident.to_string());
        self.resolver.is(path, &targets) == Tri::Yes
            || targets
                .iter()
                .any(|t| t.rsplit("::").next() == last.as_deref())
    }

    fn report(&mut self, call: &syn::Expr, await_expr: Option<&syn::ExprAwait>) {
        let cx = self.cx;
        let span = cx.span_of(call);
        let snippet = cx.snippet(span);
        let written = short(snippet);
        let runtime = cx.krate.runtime();
        let mut diag = Diagnostic::new(META.id, span, message_connect(&written))
            .with_label(LABEL_AWAITED)
            .with_help(help_connect(runtime, &written))
            .with_note(NOTE_WHY);
        // `connect(a).await?` → `tokio::time::timeout(d, connect(a)).await??`: the same error
        // path gets one more `?` for the elapsed deadline.
        if let Some(a) = await_expr {
            let end = cx.span_of(a);
            let after = cx.file.text.get(end.byte_end..).unwrap_or("");
            if runtime == Runtime::Tokio && cx.krate.depends_on("tokio") && after.starts_with('?') {
                diag = diag.with_suggestion(Suggestion {
                    message: SUGGESTION_CONNECT.into(),
                    edits: vec![
                        Edit {
                            span,
                            replacement: format!(
                                "tokio::time::timeout(std::time::Duration::from_secs(10), {snippet})"
                            ),
                        },
                        Edit {
                            span: Span {
                                line_start: end.line_end,
                                column_start: end.column_end,
                                byte_start: end.byte_end,
                                ..end
                            },
                            replacement: "?".into(),
                        },
                    ],
                    applicability: Applicability::MaybeIncorrect,
                });
            }
        }
        self.out.report(diag);
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
}

/// The call as the message names it: the callee with `(..)` when the arguments are long.
fn short(snippet: &str) -> String {
    if snippet.len() <= 60 && !snippet.contains('\n') {
        return snippet.to_string();
    }
    match snippet.find('(') {
        Some(i) => format!("{}(..)", &snippet[..i]),
        None => snippet.to_string(),
    }
}

impl<'ast> Visit<'ast> for ConnectWalk<'_, '_, '_> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.with_scope(b, |w| visit::visit_block(w, b));
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            let (root, _) = method_chain(&init.expr);
            if let syn::Expr::Call(c) = peel(root) {
                if let syn::Expr::Path(fp) = &*c.func {
                    if self.resolver.is(&fp.path, HYPER_CLIENTS) == Tri::Yes {
                        if let Some(name) = crate::semantic::dataflow::pat_idents(&l.pat).first() {
                            self.hyper.insert(name.clone());
                        }
                    }
                }
            }
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        match peel(&a.base) {
            syn::Expr::Call(c) => {
                self.awaited.insert(c as *const _ as usize);
                if self.covered == 0 && self.is_connect_call(c) {
                    self.report(peel(&a.base), Some(a));
                }
            }
            syn::Expr::MethodCall(m) => {
                self.awaited.insert(m as *const _ as usize);
                if self.covered == 0 && self.is_connect_method(m) {
                    self.report(peel(&a.base), Some(a));
                }
            }
            _ => {}
        }
        visit::visit_expr_await(self, a);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        let wraps = matches!(&*c.func, syn::Expr::Path(p) if self.is_wrapper(&p.path));
        self.covered += usize::from(wraps);
        visit::visit_expr_call(self, c);
        self.covered -= usize::from(wraps);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        let wraps = names_a_deadline(&name)
            || self
                .opts
                .timeout_wrappers
                .iter()
                .any(|t| t.rsplit("::").next() == Some(name.as_str()));
        self.covered += usize::from(wraps);
        visit::visit_expr_method_call(self, m);
        self.covered -= usize::from(wraps);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        match macros::parse_expr_macro(mac) {
            MacroBody::Exprs(es) => es.iter().for_each(|e| self.visit_expr(e)),
            MacroBody::Stmts(ss) => ss.iter().for_each(|s| self.visit_stmt(s)),
            MacroBody::Select {
                branches,
                otherwise,
            } => {
                let deadline = branches.iter().any(|b| {
                    let mut names = HashSet::new();
                    collect_token_idents(&quote::ToTokens::to_token_stream(&b.future), &mut names);
                    names.iter().any(|n| {
                        let n = n.to_ascii_lowercase();
                        names_a_deadline(&n)
                            || n.contains("sleep")
                            || n.contains("timer")
                            || n.contains("delay")
                            || n == "tick"
                            || n.contains("interval")
                    })
                });
                self.covered += usize::from(deadline);
                for b in &branches {
                    self.visit_expr(&b.future);
                    if let Some(g) = &b.guard {
                        self.visit_expr(g);
                    }
                    self.visit_expr(&b.handler);
                }
                otherwise.iter().for_each(|e| self.visit_expr(e));
                self.covered -= usize::from(deadline);
            }
            MacroBody::Items(_) | MacroBody::Opaque => {}
        }
    }
}

impl ConnectWalk<'_, '_, '_> {
    fn is_connect_call(&self, c: &syn::ExprCall) -> bool {
        let syn::Expr::Path(p) = &*c.func else {
            return false;
        };
        if self.resolver.is(&p.path, CONNECTS) == Tri::Yes {
            return true;
        }
        let extra: Vec<&str> = self
            .opts
            .extra_calls
            .iter()
            .filter(|c| c.contains("::"))
            .map(|s| s.as_str())
            .collect();
        !extra.is_empty() && self.resolver.is(&p.path, &extra) == Tri::Yes
    }

    fn is_connect_method(&self, m: &syn::ExprMethodCall) -> bool {
        let name = m.method.to_string();
        if REDIS_OPENS.contains(&name.as_str()) && self.cx.krate.depends_on("redis") {
            return true;
        }
        if self
            .opts
            .extra_calls
            .iter()
            .any(|c| !c.contains("::") && *c == name)
        {
            return true;
        }
        matches!(name.as_str(), "request" | "get")
            && matches!(peel(&m.receiver), syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.hyper.contains(&i.to_string())))
    }
}
