//! What a value is, without types: from its constructor, from a declaration (a struct field, a
//! fn parameter or return type, a `let` annotation), or from the value it was derived from.
//!
//! Locals are learned in the engine's walk as each `let` is visited ([`Locals::learn`]);
//! declarations anywhere in the crate are crate-wide facts ([`super::facts`]), so a receiver
//! such as `self.root.join("x").exists()` is judged by how `root` is declared in any file.

use super::dataflow::{method_chain, pat_idents, peel};
use super::known::{blocking as b, timeout as t};
use super::{Resolver, Tri};
use std::collections::HashMap;

/// A kind of value whose methods some rule cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// `std::path::Path`/`PathBuf` (and camino's): fs methods block.
    Path,
    /// `std::fs::File` (and fs-err's): its I/O blocks.
    File,
    /// `std::process::Command`.
    Command,
    /// `std::process::Child`.
    Child,
    /// A `std::thread::JoinHandle`.
    Thread,
    /// The receiver of a std or crossbeam channel.
    StdReceiver,
    Barrier,
    Condvar,
    Stdin,
    /// A hyper client (requests without a deadline of their own).
    HyperClient,
    /// A socket not yet connected (`tokio::net::TcpSocket`): `connect` waits on the peer.
    Socket,
    /// A `tokio::sync::Semaphore` (its `acquire` waits in a fair queue).
    Semaphore,
    /// A channel sender whose `send(v)` is a future (tokio's bounded `mpsc::Sender`,
    /// async-channel's).
    AsyncSender,
}

/// What is known about an expression's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    No,
    Yes,
    /// If every declaration of this name in the crate (field, fn return, parameter, `let`
    /// annotation) has the kind.
    IfDeclared(String),
}

/// The kinds of one fn's locals, learned in walk order.
#[derive(Debug, Default, Clone)]
pub struct Locals {
    /// Every name bound by a parameter or a `let`: its kind if known (and the declaration it
    /// depends on), `None` for a local of unknown kind.
    kinds: HashMap<String, Option<(ValueKind, Option<String>)>>,
    /// Locals whose type is a named type the fn can see (`c: &Conn`, `let b =
    /// BindOptions::new()`, `let me = self.clone()` as `Self`): by name. Generic parameters
    /// and wrappers (`Arc<T>`) are not recorded: their methods could be anyone's.
    types: HashMap<String, String>,
    /// Parameters declared `Option<T>` of a known kind (`path: Option<PathBuf>`): what a
    /// `Some(p)` pattern on them binds.
    optional: HashMap<String, ValueKind>,
    /// Parameters declared `Option<T>` of a named type `T` (`pre: Option<&Preprocessor>`): the
    /// type a `Some(p)` pattern on them binds.
    optional_types: HashMap<String, String>,
    /// Parameters whose fields are those of a named struct, also behind a pointer that derefs
    /// to it (`conf: &Config`, `state: Arc<State>`, `data: web::Data<AppConfig>`): a field
    /// read through one is judged by that struct's declaration (`Config.path`).
    field_owners: HashMap<String, String>,
}

impl Locals {
    /// The parameters of a fn, from their declared types.
    pub fn of_params(resolver: &Resolver, sig: &syn::Signature) -> Locals {
        let mut l = Locals::default();
        let generics: Vec<String> = sig
            .generics
            .type_params()
            .map(|t| t.ident.to_string())
            .collect();
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                let kind = declared_kind(resolver, &pt.ty)
                    .or_else(|| as_ref_kind(resolver, &sig.generics, &pt.ty));
                if let (Some(k), syn::Pat::Ident(p)) = (optional_kind(resolver, &pt.ty), &*pt.pat) {
                    l.optional.insert(p.ident.to_string(), k);
                }
                if let (Some(t), syn::Pat::Ident(p)) = (
                    wrapped_type(&pt.ty, &["Option"]).and_then(deref_target),
                    &*pt.pat,
                ) {
                    if !generics.contains(&t) {
                        l.optional_types.insert(p.ident.to_string(), t);
                    }
                }
                if let (Some(t), syn::Pat::Ident(p)) = (deref_target(&pt.ty), &*pt.pat) {
                    if !generics.contains(&t) {
                        l.field_owners.insert(p.ident.to_string(), t);
                    }
                }
                // `ix: Arc<Indexer>` calls `Indexer`'s methods through the pointer; an
                // extractor's binding (`State(state): State<Arc<App>>`) is its wrapped value.
                let ty = match &*pt.pat {
                    syn::Pat::Ident(_) => deref_target(&pt.ty),
                    syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 => {
                        single_type_arg(&pt.ty).and_then(deref_target)
                    }
                    _ => None,
                }
                .filter(|t| !generics.contains(t));
                for n in pat_idents(&pt.pat) {
                    if let Some(t) = &ty {
                        l.types.insert(n.clone(), t.clone());
                        if !matches!(&*pt.pat, syn::Pat::Ident(_)) {
                            l.field_owners.insert(n.clone(), t.clone());
                        }
                    }
                    l.kinds.insert(n, kind.map(|k| (k, None)));
                }
            }
        }
        l
    }

    /// `Some(p)` matched on an optional parameter of a known kind (`match path { Some(p) => ..`,
    /// `if let Some(p) = path`): `p` has that kind.
    pub fn learn_some(&mut self, resolver: &Resolver, scrutinee: &syn::Expr, pat: &syn::Pat) {
        // `if let Ok(mut child) = Command::new(..).spawn()`: what the `Ok`/`Some` holds is what
        // a `let child = ..?;` would bind.
        if let syn::Pat::TupleStruct(t) = pat {
            let wraps = t.path.is_ident("Ok") || t.path.is_ident("Some");
            if let (true, [syn::Pat::Ident(b)]) = (wraps, &t.elems.iter().collect::<Vec<_>>()[..]) {
                if !matches!(peel(scrutinee), syn::Expr::Path(_)) {
                    self.learn_value(resolver, b.ident.to_string(), scrutinee);
                    return;
                }
                // `let made = Worker::new(rx); if let Ok(w) = made`: what the local was built as.
                if let Some(ty) = self.type_of(scrutinee).map(str::to_string) {
                    self.types.insert(b.ident.to_string(), ty);
                }
            }
            // `Source::FsPath(ref path)`: a path if the crate declares that variant's field so.
            if !wraps {
                if let Some(variant) = t.path.segments.last() {
                    for (i, elem) in t.elems.iter().enumerate() {
                        if let syn::Pat::Ident(b) = elem {
                            let decl = format!("{}#{i}", variant.ident);
                            self.kinds
                                .insert(b.ident.to_string(), Some((ValueKind::Path, Some(decl))));
                        }
                    }
                }
                return;
            }
        }
        let syn::Expr::Path(sp) = peel(scrutinee) else {
            return;
        };
        if let (Some(t), syn::Pat::TupleStruct(ts)) = (
            sp.path
                .get_ident()
                .and_then(|i| self.optional_types.get(&i.to_string())),
            pat,
        ) {
            if let (true, [syn::Pat::Ident(b)]) = (
                ts.path.is_ident("Some"),
                &ts.elems.iter().collect::<Vec<_>>()[..],
            ) {
                self.types.insert(b.ident.to_string(), t.clone());
            }
        }
        let Some(kind) = sp
            .path
            .get_ident()
            .and_then(|i| self.optional.get(&i.to_string()))
        else {
            return;
        };
        let kind = *kind;
        if let syn::Pat::TupleStruct(t) = pat {
            if t.path.is_ident("Some") && t.elems.len() == 1 {
                if let syn::Pat::Ident(b) = &t.elems[0] {
                    self.kinds.insert(b.ident.to_string(), Some((kind, None)));
                }
            }
        }
    }

    /// The named type of a local or of `self` (`Self`), seen through `.clone()` and
    /// references: the receiver `proxy.clone()` of `let proxy = self.clone()` is a `Self`.
    pub fn type_of(&self, e: &syn::Expr) -> Option<&str> {
        let mut e = peel(e);
        loop {
            match e {
                syn::Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => {
                    e = peel(&m.receiver)
                }
                syn::Expr::Reference(r) => e = peel(&r.expr),
                _ => break,
            }
        }
        let syn::Expr::Path(p) = e else { return None };
        let id = p.path.get_ident()?;
        if id == "self" {
            return Some("Self");
        }
        self.types.get(&id.to_string()).map(String::as_str)
    }

    /// Learn a local's named type from its initializer: `self`, a clone of a typed local,
    /// `Type::new(..)`/`Type::default()`, `Type { .. }`.
    fn learn_type(&mut self, name: &str, e: &syn::Expr) {
        let ty = constructed_type(e).or_else(|| self.type_of(peel(e)).map(str::to_string));
        match ty {
            Some(t) => self.types.insert(name.to_string(), t),
            None => self.types.remove(name),
        };
    }

    /// Learn from a `let`: its annotation, or what its initializer is.
    pub fn learn(&mut self, resolver: &Resolver, l: &syn::Local) {
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        let names = pat_idents(pat);
        for n in &names {
            self.field_owners.remove(n);
        }
        if let (Some(t), syn::Pat::Ident(p)) = (ty.and_then(deref_target), pat) {
            self.field_owners.insert(p.ident.to_string(), t);
        }
        if let Some(kind) = ty.and_then(|t| declared_kind(resolver, t)) {
            for n in names {
                self.kinds.insert(n, Some((kind, None)));
            }
            return;
        }
        // Bound here, of no known kind until shown otherwise; a shadowing initializer
        // (`let wd = wd.clone();`) is judged by the binding it shadows, so a single name is
        // reset only after its initializer is.
        let single = matches!(pat, syn::Pat::Ident(_)) && l.init.is_some();
        for n in &names {
            if !single {
                self.kinds.insert(n.clone(), None);
                self.types.remove(n);
            }
        }
        let Some(init) = &l.init else { return };
        let e = &*init.expr;
        if let syn::Pat::Ident(p) = pat {
            self.learn_value(resolver, p.ident.to_string(), e);
            return;
        }
        // `let (tx, rx) = std::sync::mpsc::channel();`
        if let (syn::Pat::Tuple(tp), syn::Expr::Call(c)) = (pat, peel(e)) {
            if let (Some(rx), syn::Expr::Path(p)) = (tp.elems.iter().nth(1), &*c.func) {
                if resolver.is(&p.path, b::STD_CHANNELS) == Tri::Yes {
                    for n in pat_idents(rx) {
                        self.kinds.insert(n, Some((ValueKind::StdReceiver, None)));
                    }
                }
            }
        }
    }

    /// Learn what a value bound to `name` is, from the expression it is bound from.
    fn learn_value(&mut self, resolver: &Resolver, name: String, e: &syn::Expr) {
        self.learn_type(&name, e);
        const LEARNED: [ValueKind; 10] = [
            ValueKind::Path,
            ValueKind::File,
            ValueKind::Command,
            ValueKind::Child,
            ValueKind::Thread,
            ValueKind::Barrier,
            ValueKind::Condvar,
            ValueKind::Stdin,
            ValueKind::HyperClient,
            ValueKind::Socket,
        ];
        // What the initializer surely is, else a path by the crate's declarations. The
        // kind-independent steps (`?`, `.unwrap()`, a method call's chain) are taken once.
        let mut core = peel(e);
        loop {
            match core {
                syn::Expr::Try(t) => core = peel(&t.expr),
                syn::Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
                    core = peel(&m.receiver)
                }
                _ => break,
            }
        }
        let method = match core {
            syn::Expr::MethodCall(m) => Some(MethodCall::of(m)),
            _ => None,
        };
        let mut conditional = None;
        for kind in LEARNED {
            let evidence = match &method {
                Some(m) => self.method_call_evidence(resolver, m, kind),
                None => self.evidence(resolver, core, kind),
            };
            match evidence {
                Evidence::Yes => {
                    self.kinds.insert(name, Some((kind, None)));
                    return;
                }
                Evidence::IfDeclared(d) if kind == ValueKind::Path => conditional = Some(d),
                _ => {}
            }
        }
        let learned = conditional.map(|d| (ValueKind::Path, Some(d)));
        self.kinds.insert(name, learned);
    }

    /// Is `e` a value of `kind`?
    pub fn evidence(&self, resolver: &Resolver, e: &syn::Expr, kind: ValueKind) -> Evidence {
        let e = peel(e);
        match e {
            syn::Expr::Try(t) => self.evidence(resolver, &t.expr, kind),
            syn::Expr::Path(p) => match p.path.get_ident() {
                Some(i) => match self.kinds.get(&i.to_string()) {
                    Some(Some((k, None))) if *k == kind => Evidence::Yes,
                    Some(Some((k, Some(d)))) if *k == kind => Evidence::IfDeclared(d.clone()),
                    Some(_) => Evidence::No,
                    // A closure parameter or a pattern binding: by the crate's declarations.
                    None if kind == ValueKind::Path => Evidence::IfDeclared(i.to_string()),
                    None => Evidence::No,
                },
                None => Evidence::No,
            },
            syn::Expr::Field(f) => match &f.member {
                syn::Member::Named(n) if declarable(kind) => {
                    // `conf.path` with `conf: &Config`: `Config`'s own field, not every `path`.
                    let owner = match peel(&f.base) {
                        syn::Expr::Path(p) => p.path.get_ident().and_then(|i| {
                            let i = i.to_string();
                            self.field_owners
                                .get(&i)
                                .or_else(|| self.types.get(&i).filter(|t| *t != "Self"))
                        }),
                        _ => None,
                    };
                    match owner {
                        Some(t) => Evidence::IfDeclared(format!("{t}.{n}")),
                        None => Evidence::IfDeclared(n.to_string()),
                    }
                }
                _ => Evidence::No,
            },
            // `Ok(p)`, `Some(p)`: the value a `?` or `unwrap` takes out.
            syn::Expr::Call(c)
                if c.args.len() == 1
                    && matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Ok") || p.path.is_ident("Some")) =>
            {
                self.evidence(resolver, &c.args[0], kind)
            }
            syn::Expr::Call(c) => self.call_evidence(resolver, c, kind),
            syn::Expr::MethodCall(m) => self.method_evidence(resolver, m, kind),
            // `if c { root.join(a) } else { root.join(b) }`, `match p.canonicalize() { Ok(p) =>
            // Ok(p), _ => Err(..) }?`: every value a branch gives (diverging ones aside).
            syn::Expr::If(_) | syn::Expr::Match(_) | syn::Expr::Block(_) => {
                let mut all = Evidence::No;
                let mut any = false;
                for v in branch_values(e) {
                    let ev = match v {
                        Branch::Value(v) => self.evidence(resolver, v, kind),
                        Branch::Scrutinee(s) => self.evidence(resolver, s, kind),
                    };
                    if ev != Evidence::Yes {
                        return Evidence::No;
                    }
                    any = true;
                    all = ev;
                }
                if any {
                    all
                } else {
                    Evidence::No
                }
            }
            _ => Evidence::No,
        }
    }

    fn call_evidence(&self, resolver: &Resolver, c: &syn::ExprCall, kind: ValueKind) -> Evidence {
        let syn::Expr::Path(p) = &*c.func else {
            return Evidence::No;
        };
        // `Arc::new(Barrier::new(n))`: shared ownership holds the same value.
        if let [inner] = c.args.iter().collect::<Vec<_>>()[..] {
            if is_shared_new(resolver, &p.path) {
                return self.evidence(resolver, inner, kind);
            }
        }
        let is = |targets: &[&str]| resolver.is(&p.path, targets) == Tri::Yes;
        let yes = match kind {
            ValueKind::Path => is(b::PATH_CTORS),
            ValueKind::File => is_file_open(resolver, &p.path),
            ValueKind::Command => is(b::COMMAND_NEW),
            ValueKind::Thread => is(super::known::spawn::THREAD_SPAWNS),
            ValueKind::Barrier => is(b::BARRIER_NEW),
            ValueKind::Condvar => is(b::CONDVAR_NEW),
            ValueKind::Stdin => is(b::STDIN),
            ValueKind::HyperClient => is(t::HYPER_CLIENTS),
            ValueKind::Socket => is(t::SOCKET_CTORS),
            ValueKind::Child
            | ValueKind::StdReceiver
            | ValueKind::Semaphore
            | ValueKind::AsyncSender => false,
        };
        if yes {
            return Evidence::Yes;
        }
        // `root_dir()`, `Self::config_path()`: a crate fn, by its declared return type.
        // `Paths::data_dir(name)`: an associated fn of a type, by its declared return type too
        // (a type of the crate's, or its name is no crate fn's).
        let local_fn = p.path.segments.len() == 1
            || (p.path.segments.len() == 2
                && p.path.segments[0]
                    .ident
                    .to_string()
                    .starts_with(|c: char| c.is_ascii_uppercase()));
        match p.path.segments.last() {
            Some(s) if local_fn && declarable(kind) => Evidence::IfDeclared(s.ident.to_string()),
            _ => Evidence::No,
        }
    }

    /// Is the value of this method call a value of `kind`?
    pub fn method_evidence(
        &self,
        resolver: &Resolver,
        m: &syn::ExprMethodCall,
        kind: ValueKind,
    ) -> Evidence {
        self.method_call_evidence(resolver, &MethodCall::of(m), kind)
    }

    fn method_call_evidence(
        &self,
        resolver: &Resolver,
        call: &MethodCall,
        kind: ValueKind,
    ) -> Evidence {
        let MethodCall {
            m,
            name,
            root,
            calls,
        } = call;
        let (m, root) = (*m, *root);
        let n = name.as_str();
        // `File::open(p).unwrap()`, `.expect(..)`, `.map_err(..)`, `.context(..)`: the same value.
        if b::VALUE_KEEPING.contains(&n)
            || (kind == ValueKind::Path && b::PATH_DERIVING.contains(&n))
        {
            return self.evidence(resolver, &m.receiver, kind);
        }
        let root_call = |targets: &[&str]| match peel(root) {
            syn::Expr::Call(c) => {
                matches!(&*c.func, syn::Expr::Path(p) if resolver.is(&p.path, targets) == Tri::Yes)
            }
            _ => false,
        };
        let spawned = calls.iter().any(|c| c.method == "spawn") || n == "spawn";
        match kind {
            // `OpenOptions::new().write(true).open(p)`
            ValueKind::File if n == "open" => {
                if root_call(b::OPEN_OPTIONS) {
                    Evidence::Yes
                } else {
                    Evidence::No
                }
            }
            ValueKind::Command if !spawned && !matches!(n, "output" | "status") => {
                if root_call(b::COMMAND_NEW) || self.evidence(resolver, root, kind) == Evidence::Yes
                {
                    Evidence::Yes
                } else {
                    Evidence::No
                }
            }
            ValueKind::Child if n == "spawn" => {
                if root_call(b::COMMAND_NEW)
                    || self.evidence(resolver, root, ValueKind::Command) == Evidence::Yes
                {
                    Evidence::Yes
                } else {
                    Evidence::No
                }
            }
            ValueKind::Thread if n == "spawn" => {
                if root_call(b::THREAD_BUILDER) {
                    Evidence::Yes
                } else {
                    Evidence::No
                }
            }
            ValueKind::Stdin if n == "lock" => self.evidence(resolver, root, kind),
            ValueKind::HyperClient if root_call(t::HYPER_CLIENTS) => Evidence::Yes,
            // `self.root()`, `config.cache_dir()`: a method, by its declared return type.
            _ if declarable(kind) => Evidence::IfDeclared(name.clone()),
            _ => Evidence::No,
        }
    }
}

/// The named type an expression builds: `Type::new(..)`, `Type::default()`, `Type { .. }`.
pub fn constructed_type(e: &syn::Expr) -> Option<String> {
    // (Also unwrapped: `Worker::new(rx)?`, `Worker::new(rx).unwrap()`.)
    match super::tasks::strip_result(e) {
        // `Type::new(..)`, `module::Type::new(..)`.
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => {
                let segs = super::imports::segments(&p.path);
                match &segs[..] {
                    [.., ty, ctor]
                        if matches!(ctor.as_str(), "new" | "default")
                            && (segs.len() == 2
                                || ty.starts_with(|c: char| c.is_ascii_uppercase())) =>
                    {
                        Some(ty.clone())
                    }
                    _ => None,
                }
            }
            _ => None,
        },
        syn::Expr::Struct(st) if st.path.segments.len() == 1 => {
            Some(st.path.segments[0].ident.to_string())
        }
        _ => None,
    }
}

/// What a branch of an `if`, `match` or block gives: a value, or the scrutinee's own value
/// passed on (`Ok(p) => Ok(p)`, `Some(p) => p`).
enum Branch<'e> {
    Value(&'e syn::Expr),
    Scrutinee(&'e syn::Expr),
}

/// The values the branches of `e` give, skipping those that diverge (`return`, `break`,
/// `continue`, a panic) or give the error half (`Err(..)`, `None`, which a following `?` or
/// `unwrap` never lets through). Empty if any branch's value is not an expression.
fn branch_values(e: &syn::Expr) -> Vec<Branch<'_>> {
    fn tail(b: &syn::Block) -> Option<&syn::Expr> {
        match b.stmts.last()? {
            syn::Stmt::Expr(e, None) => Some(e),
            _ => None,
        }
    }
    fn diverges(e: &syn::Expr) -> bool {
        match peel(e) {
            syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_) => true,
            syn::Expr::Macro(m) => m.mac.path.segments.last().is_some_and(|s| {
                matches!(
                    s.ident.to_string().as_str(),
                    "panic" | "unreachable" | "todo" | "bail"
                )
            }),
            syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Err")),
            syn::Expr::Path(p) => p.path.is_ident("None"),
            syn::Expr::Block(b) => tail(&b.block).is_some_and(diverges),
            _ => false,
        }
    }
    /// `Ok(x)`, `Some(x)` or `x`: the name it passes on.
    fn passed(e: &syn::Expr) -> Option<String> {
        match peel(e) {
            syn::Expr::Call(c) if c.args.len() == 1 => match &*c.func {
                syn::Expr::Path(p) if p.path.is_ident("Ok") || p.path.is_ident("Some") => {
                    passed(&c.args[0])
                }
                _ => None,
            },
            syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
            _ => None,
        }
    }
    /// `Ok(x)`, `Some(x)`, `x` (with or without a guard): the name the arm binds to the value.
    fn bound(p: &syn::Pat) -> Option<String> {
        match p {
            syn::Pat::Ident(i) if i.subpat.is_none() => Some(i.ident.to_string()),
            syn::Pat::TupleStruct(t) if t.elems.len() == 1 => {
                let last = t.path.segments.last()?.ident.to_string();
                if last == "Ok" || last == "Some" {
                    bound(&t.elems[0])
                } else {
                    None
                }
            }
            _ => None,
        }
    }
    let mut out = Vec::new();
    match peel(e) {
        syn::Expr::If(i) => {
            let Some((_, els)) = &i.else_branch else {
                return Vec::new();
            };
            for v in [tail(&i.then_branch), Some(&**els)] {
                match v {
                    Some(v) if diverges(v) => {}
                    Some(syn::Expr::Block(b)) => match tail(&b.block) {
                        Some(t) if diverges(t) => {}
                        Some(t) => out.push(Branch::Value(t)),
                        None => return Vec::new(),
                    },
                    Some(v) => out.push(Branch::Value(v)),
                    None => return Vec::new(),
                }
            }
        }
        syn::Expr::Match(m) => {
            for arm in &m.arms {
                let body = match peel(&arm.body) {
                    syn::Expr::Block(b) => match tail(&b.block) {
                        Some(t) => t,
                        None => return Vec::new(),
                    },
                    b => b,
                };
                if diverges(body) {
                    continue;
                }
                match (bound(&arm.pat), passed(body)) {
                    (Some(b), Some(p)) if b == p => out.push(Branch::Scrutinee(&m.expr)),
                    _ => out.push(Branch::Value(body)),
                }
            }
        }
        syn::Expr::Block(b) => match tail(&b.block) {
            Some(t) if !diverges(t) => out.push(Branch::Value(t)),
            _ => return Vec::new(),
        },
        _ => {}
    }
    out
}

/// A method call taken apart once, for asking it about several kinds.
struct MethodCall<'e> {
    m: &'e syn::ExprMethodCall,
    name: String,
    /// The start of the receiver's chain, and the chain's calls.
    root: &'e syn::Expr,
    calls: Vec<&'e syn::ExprMethodCall>,
}

impl<'e> MethodCall<'e> {
    fn of(m: &'e syn::ExprMethodCall) -> MethodCall<'e> {
        let (root, calls) = method_chain(&m.receiver);
        MethodCall {
            m,
            name: m.method.to_string(),
            root,
            calls,
        }
    }
}

/// Kinds a declaration elsewhere in the crate can establish.
fn declarable(kind: ValueKind) -> bool {
    matches!(
        kind,
        ValueKind::Path
            | ValueKind::File
            | ValueKind::Condvar
            | ValueKind::Barrier
            | ValueKind::StdReceiver
            | ValueKind::Thread
    )
}

/// `File::open`, `File::create`, `fs_err::File::open`, ...
fn is_file_open(resolver: &Resolver, path: &syn::Path) -> bool {
    let Some(last) = path.segments.last() else {
        return false;
    };
    let last = last.ident.to_string();
    if !b::FILE_OPENS.contains(&last.as_str()) {
        return false;
    }
    let targets: Vec<String> = b::FILE_TYPES
        .iter()
        .map(|t| format!("{t}::{last}"))
        .collect();
    let targets: Vec<&str> = targets.iter().map(|s| s.as_str()).collect();
    resolver.is(path, &targets) == Tri::Yes
}

/// `Arc::new`, `Rc::new`, `Box::new`: a pointer that shares or owns the value it is given.
fn is_shared_new(resolver: &Resolver, path: &syn::Path) -> bool {
    let segs = &path.segments;
    if segs.len() < 2 || segs[segs.len() - 1].ident != "new" {
        return false;
    }
    let ty = segs[segs.len() - 2].ident.to_string();
    if !matches!(ty.as_str(), "Arc" | "Rc" | "Box") {
        return false;
    }
    let mut t = path.clone();
    t.segments.pop();
    t.segments.pop_punct();
    resolver.is(&t, super::known::cancel::VALUE_WRAPPERS) != Tri::No
}

/// The kind a declared type gives (`&Path`, `PathBuf`, `Arc<Condvar>`, `Option<File>` is not).
/// `Foo`, `&Foo`, `&mut Foo`, `Self`: a named type with no generic arguments (a wrapper such
/// as `Arc<Foo>` names no type whose methods we know).
pub fn named_type(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Reference(r) => named_type(&r.elem),
        syn::Type::Paren(p) => named_type(&p.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            last.arguments.is_none().then(|| last.ident.to_string())
        }
        _ => None,
    }
}

/// The one type argument of a path type (`State<Arc<App>>`: `Arc<App>`).
/// The first type argument of a path type named one of `wrappers` (`Option<T>`,
/// `io::Result<T>`, `Result<T, E>`): `T`.
pub fn wrapped_type<'t>(ty: &'t syn::Type, wrappers: &[&str]) -> Option<&'t syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if !wrappers.iter().any(|w| last.ident == w) {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    match a.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}

fn single_type_arg(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let syn::PathArguments::AngleBracketed(a) = &p.path.segments.last()?.arguments else {
        return None;
    };
    match a.args.iter().collect::<Vec<_>>()[..] {
        [syn::GenericArgument::Type(t)] => Some(t),
        _ => None,
    }
}

/// The named struct a parameter's fields belong to: `Foo`, `&Foo`, or `Foo` behind a pointer
/// that derefs to it (`Arc`, `Rc`, `Box`, actix-web's `Data`).
fn deref_target(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Reference(r) => deref_target(&r.elem),
        syn::Type::Paren(p) => deref_target(&p.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            match &last.arguments {
                syn::PathArguments::None => Some(last.ident.to_string()),
                syn::PathArguments::AngleBracketed(a)
                    if a.args.len() == 1
                        && matches!(
                            last.ident.to_string().as_str(),
                            "Arc" | "Rc" | "Box" | "Data"
                        ) =>
                {
                    match &a.args[0] {
                        syn::GenericArgument::Type(inner) => deref_target(inner),
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The kind of `T` in a declared `Option<T>` (`Option<PathBuf>`, `Option<&Path>`).
fn optional_kind(resolver: &Resolver, ty: &syn::Type) -> Option<ValueKind> {
    declared_kind(resolver, wrapped_type(ty, &["Option"])?)
}

/// The kind a fn's return type hands its callers: the type's own, or what a `Result<T, _>` or
/// `Option<T>` holds (`fn cache_dir() -> io::Result<PathBuf>`). A caller that calls a method
/// of the kind on the value (`cache_dir()?.exists()`) has unwrapped it: neither wrapper has
/// such methods.
pub fn returned_kind(resolver: &Resolver, ty: &syn::Type) -> Option<ValueKind> {
    declared_kind(resolver, ty)
        .or_else(|| declared_kind(resolver, wrapped_type(ty, &["Result", "Option"])?))
}

/// The kind a parameter converts to with `.as_ref()`: `p: impl AsRef<Path>`, or
/// `p: P` with `P: AsRef<Path>` among the fn's generics. Its file-system methods are reached
/// through `p.as_ref()` only, so the parameter is taken for a path.
fn as_ref_kind(resolver: &Resolver, generics: &syn::Generics, ty: &syn::Type) -> Option<ValueKind> {
    type Bounds = syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>;
    let from_bounds = |bounds: &Bounds| {
        bounds.iter().find_map(|b| {
            let syn::TypeParamBound::Trait(t) = b else {
                return None;
            };
            let last = t.path.segments.last()?;
            if last.ident != "AsRef" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
                return None;
            };
            match a.args.first()? {
                syn::GenericArgument::Type(inner) => {
                    declared_kind(resolver, inner).filter(|k| *k == ValueKind::Path)
                }
                _ => None,
            }
        })
    };
    match ty {
        syn::Type::ImplTrait(i) => from_bounds(&i.bounds),
        syn::Type::Reference(r) => as_ref_kind(resolver, generics, &r.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let name = p.path.get_ident()?;
            let param = generics.type_params().find(|t| t.ident == *name)?;
            from_bounds(&param.bounds).or_else(|| {
                let clause = generics.where_clause.as_ref()?;
                clause.predicates.iter().find_map(|pred| match pred {
                    syn::WherePredicate::Type(pt)
                        if matches!(&pt.bounded_ty, syn::Type::Path(b) if b.path.is_ident(name)) =>
                    {
                        from_bounds(&pt.bounds)
                    }
                    _ => None,
                })
            })
        }
        _ => None,
    }
}

pub fn declared_kind(resolver: &Resolver, ty: &syn::Type) -> Option<ValueKind> {
    let p = match ty {
        syn::Type::Path(p) => &p.path,
        syn::Type::Reference(r) => return declared_kind(resolver, &r.elem),
        syn::Type::Paren(p) => return declared_kind(resolver, &p.elem),
        syn::Type::Group(g) => return declared_kind(resolver, &g.elem),
        _ => return None,
    };
    let last = p.segments.last()?;
    let name = last.ident.to_string();
    // Shared ownership wrappers hold the same value.
    if matches!(name.as_str(), "Arc" | "Rc" | "Box") {
        if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
            if let Some(syn::GenericArgument::Type(inner)) = a.args.first() {
                return declared_kind(resolver, inner);
            }
        }
        return None;
    }
    let lists: &[(&[&str], ValueKind)] = &[
        (b::PATH_TYPES, ValueKind::Path),
        (b::FILE_TYPES, ValueKind::File),
        (b::CONDVAR_TYPES, ValueKind::Condvar),
        (b::BARRIER_TYPES, ValueKind::Barrier),
        (b::COMMAND_TYPES, ValueKind::Command),
        (b::CHILD_TYPES, ValueKind::Child),
        (b::THREAD_HANDLE_TYPES, ValueKind::Thread),
        (b::STD_RECEIVER_TYPES, ValueKind::StdReceiver),
        (t::HYPER_CLIENT_TYPES, ValueKind::HyperClient),
        (t::SOCKET_TYPES, ValueKind::Socket),
        (super::known::cancel::SEMAPHORE_TYPE, ValueKind::Semaphore),
        (super::known::cancel::ASYNC_SENDERS, ValueKind::AsyncSender),
    ];
    // Resolve only when the last segment can match: as written, or as imported under another
    // name (`use std::sync::mpsc::Receiver as MpscReceiver;`).
    let can_match = |name: &str| {
        lists.iter().any(|(targets, _)| {
            targets
                .iter()
                .any(|t| crate::semantic::known::last_segment(t) == name)
        })
    };
    let name = if !can_match(&name) && p.segments.len() == 1 {
        // Only a name an import brings in can be a rename (a glob keeps names): the common
        // case, a type of the crate or the prelude, resolves nothing.
        if !matches!(
            resolver.bare_qualifier(&name),
            super::imports::BareName::Imported
        ) {
            return None;
        }
        match resolver.resolve(p) {
            super::Resolution::Known(full) => full.last().cloned().unwrap_or(name),
            _ => return None,
        }
    } else {
        name
    };
    for (targets, kind) in lists {
        if targets
            .iter()
            .any(|t| crate::semantic::known::last_segment(t) == name.as_str())
            && resolver.is(p, targets) == Tri::Yes
        {
            return Some(*kind);
        }
    }
    None
}

/// The named type of a field of a struct this file declares (`Dispatcher.notifier` declared
/// `notifier: Arc<Notifier>`: `Notifier`), found once per file.
pub fn field_type(cx: &super::Cx, owner: &str, field: &str) -> Option<String> {
    field_types(cx).0.get(&format!("{owner}.{field}")).cloned()
}

/// The named type a lock field of a struct this file declares guards (`lru: Mutex<DiskLru>`,
/// `state: Arc<RwLock<State>>`: `DiskLru`, `State`): what its guard derefs to.
pub fn field_guarded_type(cx: &super::Cx, owner: &str, field: &str) -> Option<String> {
    field_types(cx).1.get(&format!("{owner}.{field}")).cloned()
}

/// `Owner.field` to the field's named type, and to the type its lock guards.
struct FieldTypes(HashMap<String, String>, HashMap<String, String>);

fn field_types(cx: &super::Cx) -> std::rc::Rc<FieldTypes> {
    cx.file.memo.get(|| {
        let mut out = FieldTypes(HashMap::new(), HashMap::new());
        for item in super::items::file_items(cx.file.ast) {
            if let syn::Item::Struct(st) = item {
                for f in &st.fields {
                    let Some(n) = &f.ident else { continue };
                    let key = format!("{}.{n}", st.ident);
                    if let Some(t) = deref_target(&f.ty) {
                        out.0.insert(key.clone(), t);
                    }
                    if let Some(t) = guarded_target(&f.ty) {
                        out.1.insert(key, t);
                    }
                }
            }
        }
        out
    })
}

/// The named type behind a lock, also behind a shared pointer (`Mutex<T>`, `Arc<RwLock<T>>`).
fn guarded_target(ty: &syn::Type) -> Option<String> {
    let mut ty = ty;
    while let Some(inner) = wrapped_type(ty, &["Arc", "Rc", "Box"]) {
        ty = inner;
    }
    wrapped_type(ty, &["Mutex", "RwLock"]).and_then(deref_target)
}
