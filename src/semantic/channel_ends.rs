//! How a channel's ends are used in the rest of the block that makes them: clones of the
//! sender, a sender moved into sync code or async code or a struct field, both ends wrapped in
//! the crate's own types, producer and consumer in one body, paced or finite producers, the one
//! send of a single-message channel. Read by `unbounded_channel`.

use super::dataflow::{names_used_in_expr, peel};
use super::known::adapters::{self, SYNC_ADAPTERS};
use super::known::channels::{
    Ctor, NOTIFICATION_WORDS, REPLY_WORDS, SEND_METHODS, UNBOUNDED_CTORS,
};
use super::{Cx, Tri};
use proc_macro2::{TokenStream, TokenTree};
use std::collections::HashSet;
use syn::visit::Visit;

/// Where a sender goes after it is made.
pub enum Destination {
    /// Captured by an async block or closure: async code sends on it.
    Async,
    /// Stored in a struct field of this name (judged by the crate's sends on that field).
    Field(String),
    /// Sync code only, as far as this body shows.
    Elsewhere,
}

/// A field is named `Owner.field` when its struct is known (a struct literal's path, `self` in
/// an `impl` of `self_ty`), else by its bare name.
pub fn sender_destination(tx: &str, rest: &[syn::Stmt], self_ty: Option<&str>) -> Destination {
    struct V<'n> {
        tx: &'n str,
        is_async: bool,
        field: Option<String>,
        self_ty: Option<&'n str>,
        /// The struct literal being visited (its type's last segment).
        owner: Option<String>,
    }
    impl V<'_> {
        fn is_tx(&self, e: &syn::Expr) -> bool {
            let e = match peel(e) {
                // `Some(tx)`
                syn::Expr::Call(c) if c.args.len() == 1 => peel(&c.args[0]),
                e => e,
            };
            matches!(e, syn::Expr::Path(p) if p.path.is_ident(self.tx))
        }
    }
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
            if crate::semantic::dataflow::names_used_in_block(&a.block).contains(self.tx) {
                self.is_async = true;
            }
        }
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            if c.asyncness.is_some() && names_used_in_expr(&c.body).contains(self.tx) {
                self.is_async = true;
            }
            syn::visit::visit_expr_closure(self, c);
        }
        fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
            let outer = self.owner.take();
            self.owner = e.path.segments.last().map(|s| match s.ident.to_string() {
                n if n == "Self" => self.self_ty.unwrap_or_default().to_string(),
                n => n,
            });
            syn::visit::visit_expr_struct(self, e);
            self.owner = outer;
        }
        // `Progress(tx)`: a tuple struct that holds the sender as its field `0`, `1`, ...
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            // (`State::Connecting(tx)` is an enum's variant: matched out, not a field.)
            if let syn::Expr::Path(p) = &*c.func {
                let segs = &p.path.segments;
                let variant = segs.len() >= 2
                    && segs[segs.len() - 2]
                        .ident
                        .to_string()
                        .starts_with(|c: char| c.is_ascii_uppercase());
                let ty = segs
                    .last()
                    .filter(|_| !variant)
                    .map(|s| s.ident.to_string());
                let ty = match ty.as_deref() {
                    Some("Self") => self.self_ty.map(str::to_string),
                    Some("Some" | "Ok" | "Err") => None,
                    Some(t) if t.starts_with(|c: char| c.is_ascii_uppercase()) => ty,
                    _ => None,
                };
                if let Some(ty) = ty {
                    if let Some(i) = c.args.iter().position(
                        |a| matches!(peel(a), syn::Expr::Path(p) if p.path.is_ident(self.tx)),
                    ) {
                        self.field = Some(format!("{ty}.{i}"));
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
            if let syn::Member::Named(n) = &f.member {
                if (f.colon_token.is_none() && n == self.tx) || self.is_tx(&f.expr) {
                    self.field = Some(match self.owner.as_deref() {
                        Some(o) if !o.is_empty() => format!("{o}.{n}"),
                        _ => n.to_string(),
                    });
                }
            }
            syn::visit::visit_field_value(self, f);
        }
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            if let (syn::Expr::Field(f), true) = (&*a.left, self.is_tx(&a.right)) {
                if let Some(key) = super::dataflow::field_key(f, self.self_ty) {
                    self.field = Some(key);
                }
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V {
        tx,
        is_async: false,
        field: None,
        self_ty,
        owner: None,
    };
    rest.iter().for_each(|s| v.visit_stmt(s));
    match (v.is_async, v.field) {
        (true, _) => Destination::Async,
        (false, Some(f)) => Destination::Field(f),
        (false, None) => Destination::Elsewhere,
    }
}

/// The unbounded constructor calls of one statement, outside nested blocks.
pub fn ctor_calls<'ast>(
    cx: &Cx,
    stmt: &'ast syn::Stmt,
) -> Vec<(&'ast syn::ExprCall, &'static Ctor)> {
    let mut found = CtorCalls(cx, Vec::new());
    found.visit_stmt(stmt);
    found.1
}

struct CtorCalls<'c, 'a, 'ast>(&'c Cx<'a>, Vec<(&'ast syn::ExprCall, &'static Ctor)>);

impl<'ast> Visit<'ast> for CtorCalls<'_, '_, 'ast> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            if c.args.is_empty() {
                if let Some(ctor) = UNBOUNDED_CTORS
                    .iter()
                    .find(|k| self.0.is(&p.path, &[k.path]) == Tri::Yes)
                {
                    self.1.push((c, ctor));
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_block(&mut self, _: &'ast syn::Block) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// `let (tx, rx) = ..` (also `(tx, mut rx)`, typed): the sender's and receiver's names.
pub fn channel_names(pat: &syn::Pat) -> Option<(String, Option<String>)> {
    let pat = match pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    let syn::Pat::Tuple(t) = pat else { return None };
    if t.elems.len() != 2 {
        return None;
    }
    let name = |p: &syn::Pat| match p {
        syn::Pat::Ident(i) => Some(i.ident.to_string()),
        _ => None,
    };
    Some((name(&t.elems[0])?, name(&t.elems[1])))
}

/// `unbounded_channel::<()>()`: a channel of unit signals (a wake-up, a shutdown).
pub fn is_unit_channel(call: &syn::ExprCall) -> bool {
    let syn::Expr::Path(p) = &*call.func else {
        return false;
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => a.args.iter().any(
            |g| matches!(g, syn::GenericArgument::Type(syn::Type::Tuple(t)) if t.elems.is_empty()),
        ),
        _ => false,
    }
}

/// `unbounded_channel::<(Request, oneshot::Sender<Response>)>()`: each message carries its
/// reply channel, so each producer waits for its answer and the queue holds at most one
/// message per waiting producer. The message type is read from the turbofish, or from the
/// declared type of the struct field the sender is stored in (`field`: `Store.tx`, declared
/// `tx: UnboundedSender<Command>`); a type of this file counts when one of its fields (of a
/// struct, or of any variant of an enum: `Get { key: String, resp: Responder<..> }`) is a
/// reply channel.
pub fn carries_reply(cx: &Cx, call: &syn::ExprCall, field: Option<&str>) -> bool {
    let syn::Expr::Path(p) = &*call.func else {
        return false;
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    let requests = cx.file.memo.get(|| RequestTypes::of(cx.file.ast));
    let mut idents = HashSet::new();
    crate::semantic::dataflow::collect_token_idents(
        &quote::ToTokens::to_token_stream(&last.arguments),
        &mut idents,
    );
    if let Some(field) = field.filter(|_| idents.is_empty()) {
        if let Some(ty) = requests.field_types.get(field) {
            idents = ty.clone();
        }
    }
    idents
        .iter()
        .any(|i| names_reply(i) || requests.names.contains(i))
}

/// Does a type's identifier name a reply channel (`oneshot`, `Responder`, `ReplyTx`)?
fn names_reply(ident: &str) -> bool {
    let i = ident.to_ascii_lowercase();
    REPLY_WORDS.iter().any(|w| i.contains(w))
}

/// The file's message types that carry a reply channel, and the identifiers of each named
/// struct field's declared type, by `Struct.field` (for a sender stored in one).
struct RequestTypes {
    names: HashSet<String>,
    field_types: std::collections::HashMap<String, HashSet<String>>,
}

impl RequestTypes {
    fn of(file: &syn::File) -> RequestTypes {
        fn idents_of(ty: &syn::Type) -> HashSet<String> {
            let mut out = HashSet::new();
            crate::semantic::dataflow::collect_token_idents(
                &quote::ToTokens::to_token_stream(ty),
                &mut out,
            );
            out
        }
        fn replies<'f>(mut fields: impl Iterator<Item = &'f syn::Field>) -> bool {
            fields.any(|f| idents_of(&f.ty).iter().any(|i| names_reply(i)))
        }
        let mut out = RequestTypes {
            names: HashSet::new(),
            field_types: std::collections::HashMap::new(),
        };
        for item in super::items::file_items(file) {
            match item {
                syn::Item::Struct(st) => {
                    if replies(st.fields.iter()) {
                        out.names.insert(st.ident.to_string());
                    }
                    for f in &st.fields {
                        if let Some(n) = &f.ident {
                            let key = format!("{}.{n}", st.ident);
                            out.field_types.insert(key, idents_of(&f.ty));
                        }
                    }
                }
                syn::Item::Enum(en)
                    if replies(en.variants.iter().flat_map(|v| v.fields.iter())) =>
                {
                    out.names.insert(en.ident.to_string());
                }
                _ => {}
            }
        }
        out
    }
}

/// Both ends are only put into struct literals (`Foo { inner: tx }`, `Bar { rx }`).
struct Wrapped<'n> {
    names: [&'n str; 2],
    wrapped: [bool; 2],
    other: bool,
    /// A later `let` rebinds the name (`let tx = Sender { inner: tx }`): mentions after it
    /// are of the new binding.
    retired: [bool; 2],
}

impl<'ast> Visit<'ast> for Wrapped<'_> {
    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        let name = match (&f.colon_token, &f.member, &f.expr) {
            (None, syn::Member::Named(n), _) => Some(n.to_string()),
            (Some(_), _, syn::Expr::Path(p)) => p.path.get_ident().map(|i| i.to_string()),
            _ => None,
        };
        if let Some(k) = name.and_then(|n| self.names.iter().position(|x| *x == n)) {
            if !self.retired[k] {
                self.wrapped[k] = true;
                return;
            }
        }
        syn::visit::visit_field_value(self, f);
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
        }
        for n in crate::semantic::dataflow::pat_idents(&l.pat) {
            if let Some(k) = self.names.iter().position(|x| *x == n) {
                self.retired[k] = true;
            }
        }
    }
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(k) = p
            .path
            .get_ident()
            .and_then(|i| self.names.iter().position(|n| i == n))
        {
            if !self.retired[k] {
                self.other = true;
            }
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let mut idents = HashSet::new();
        crate::semantic::dataflow::collect_token_idents(&m.tokens, &mut idents);
        if self.names.iter().any(|n| idents.contains(*n)) {
            self.other = true;
        }
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// A shutdown or cancellation signal, by the names of its ends: a handful of messages per run.
pub fn notification(tx: &str, rx: Option<&str>) -> bool {
    [Some(tx), rx]
        .into_iter()
        .flatten()
        .any(|n| adapters::names_any(n, NOTIFICATION_WORDS))
}

pub enum Verdict {
    Report,
    Quiet,
    /// The sender sends exactly once, here.
    Single(proc_macro2::Span),
}

/// Judge a channel from what the rest of its block does with its ends.
pub fn judge(
    tx: &str,
    rx: Option<&str>,
    rest: &[syn::Stmt],
    allow_sync_producers: bool,
) -> Verdict {
    // Clones of the sender (`let tx2 = tx.clone();`) are senders too.
    let mut senders: HashSet<String> = HashSet::from([tx.to_string()]);
    for _ in 0..2 {
        let mut v = Clones(&mut senders, Vec::new());
        rest.iter().for_each(|s| v.visit_stmt(s));
        let new = v.1;
        senders.extend(new);
    }
    if allow_sync_producers {
        let mut v = SyncProducer {
            senders: &senders,
            found: false,
        };
        rest.iter().for_each(|s| v.visit_stmt(s));
        if v.found {
            return Verdict::Quiet;
        }
    }
    // A factory: both ends go into the crate's own wrapper types (`Sender { inner: tx, .. }`),
    // whose methods decide the flow control; judge those, not this.
    if let Some(rx) = rx {
        let mut w = Wrapped {
            names: [tx, rx],
            wrapped: [false, false],
            other: false,
            retired: [false, false],
        };
        rest.iter().for_each(|s| w.visit_stmt(s));
        if w.wrapped == [true, true] && !w.other {
            return Verdict::Quiet;
        }
    }
    // Collect, then drain: the sender is handed to a call awaited to its end before the
    // receiver is first read (`work(tx).await; for r in rx { .. }`). Every message is sent
    // before any is received, so a bound would deadlock the producer.
    if let Some(rx) = rx {
        if produced_before_drained(rest, tx, rx) {
            return Verdict::Quiet;
        }
    }
    // Producer and consumer are this same body: the task only queues work for itself, and a
    // bound would deadlock it.
    if let Some(rx) = rx {
        let mut uses = Uses::new(&[tx, rx]);
        rest.iter().for_each(|s| uses.visit_stmt(s));
        if !uses.escapes && uses.count.get(rx).copied().unwrap_or(0) > 0 && senders.len() == 1 {
            return Verdict::Quiet;
        }
    }
    // A paced producer: every send sits in a loop that also sleeps or ticks (a QPS-driven
    // load generator, a heartbeat). Its rate is chosen, so the buffer cannot run away.
    let mut uses = Uses::new(&[tx]);
    rest.iter().for_each(|s| uses.visit_stmt(s));
    if senders.len() == 1 && uses.mentions == 1 {
        if let Some(send) = uses.single_send {
            return Verdict::Single(send);
        }
    }
    if all_sends_paced(&senders, rest) || finite_producer(&senders, rest) {
        return Verdict::Quiet;
    }
    Verdict::Report
}

/// Is the first statement of `rest` that names either end an awaited call that takes the
/// sender itself as an argument (`work(client, tx, n).await;`), with the sender named nowhere
/// after it and the receiver not in it?
fn produced_before_drained(rest: &[syn::Stmt], tx: &str, rx: &str) -> bool {
    let names = |s: &syn::Stmt| match s {
        syn::Stmt::Expr(e, _) => crate::semantic::dataflow::names_used_in_expr(e),
        syn::Stmt::Local(l) => l
            .init
            .as_ref()
            .map(|i| crate::semantic::dataflow::names_used_in_expr(&i.expr))
            .unwrap_or_default(),
        syn::Stmt::Macro(m) => {
            let mut n = std::collections::HashSet::new();
            crate::semantic::dataflow::collect_token_idents(&m.mac.tokens, &mut n);
            n
        }
        syn::Stmt::Item(_) => Default::default(),
    };
    let Some(i) = rest.iter().position(|s| {
        let n = names(s);
        n.contains(tx) || n.contains(rx)
    }) else {
        return false;
    };
    if names(&rest[i]).contains(rx) || rest[i + 1..].iter().any(|s| names(s).contains(tx)) {
        return false;
    }
    let e = match &rest[i] {
        syn::Stmt::Expr(e, _) => e,
        syn::Stmt::Local(l) => match &l.init {
            Some(init) => &*init.expr,
            None => return false,
        },
        _ => return false,
    };
    let mut e = peel(e);
    if let syn::Expr::Try(t) = e {
        e = peel(&t.expr);
    }
    let syn::Expr::Await(a) = e else {
        return false;
    };
    let args = match peel(&a.base) {
        syn::Expr::Call(c) => &c.args,
        syn::Expr::MethodCall(m) => &m.args,
        _ => return false,
    };
    args.iter()
        .any(|arg| matches!(peel(arg), syn::Expr::Path(p) if p.path.is_ident(tx)))
}

/// Does a loop body pace itself (`sleep`, `sleep_until`, `tick`, a rate limiter)?
fn paces(body: &syn::Block) -> bool {
    struct P(bool);
    impl<'ast> Visit<'ast> for P {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let Some(n) = crate::semantic::dataflow::call_name(c) {
                if adapters::names_any(&n, adapters::PACING) {
                    self.0 = true;
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if adapters::names_any(&m.method.to_string(), adapters::PACING) {
                self.0 = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut p = P(false);
    p.visit_block(body);
    p.0
}

/// A finite producer: every send is in straight-line code or in `for` loops (over a range or a
/// collection), never in a `loop`/`while` that runs as long as its input does, and the sender is
/// not handed to code we cannot see. The buffer then holds at most as many messages as the
/// producer's input, like a `Vec` would.
fn finite_producer(senders: &HashSet<String>, rest: &[syn::Stmt]) -> bool {
    struct V<'s> {
        senders: &'s HashSet<String>,
        /// Open `loop`/`while` loops around the current point.
        open_ended: usize,
        sends: usize,
        unbounded: bool,
    }
    impl V<'_> {
        fn ours(&self, e: &syn::Expr) -> bool {
            matches!(e, syn::Expr::Path(p)
                if p.path.get_ident().is_some_and(|i| self.senders.contains(&i.to_string())))
        }
    }
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if self.ours(&m.receiver) {
                match m.method.to_string().as_str() {
                    m if SEND_METHODS.contains(&m) => {
                        self.sends += 1;
                        if self.open_ended > 0 {
                            self.unbounded = true;
                        }
                    }
                    // Clones are senders too (tracked by name); closing is fine.
                    "clone" | "close" | "close_channel" | "is_closed" => {}
                    _ => self.unbounded = true,
                }
                m.args.iter().for_each(|a| self.visit_expr(a));
                return;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if crate::semantic::dataflow::call_name(c).as_deref() == Some("drop")
                && c.args.len() == 1
                && self.ours(&c.args[0])
            {
                return;
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            // Passed, stored, returned or moved to another name: producers we cannot see.
            if p.path
                .get_ident()
                .is_some_and(|i| self.senders.contains(&i.to_string()))
            {
                self.unbounded = true;
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let mut found = Vec::new();
            let names: Vec<String> = self.senders.iter().cloned().collect();
            macro_mentions(&m.tokens, &names, &mut found);
            if !found.is_empty() {
                self.unbounded = true;
            }
        }
        // An open-ended loop that paces itself sends at a chosen rate: as good as finite.
        fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
            let open = usize::from(!paces(&l.body));
            self.open_ended += open;
            syn::visit::visit_expr_while(self, l);
            self.open_ended -= open;
        }
        fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
            let open = usize::from(!paces(&l.body));
            self.open_ended += open;
            syn::visit::visit_expr_loop(self, l);
            self.open_ended -= open;
        }
        fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
            // `for x in rx` / `for x in stream.iter()` over a receiver or an endless iterator is
            // as open-ended as a `while`; over a range or a collection it is finite.
            // `0..` (no end) counts up forever.
            let open = !matches!(
                crate::semantic::dataflow::peel(&l.expr),
                syn::Expr::Range(r) if r.end.is_some()
            ) && !matches!(
                crate::semantic::dataflow::peel(&l.expr),
                syn::Expr::Path(_) | syn::Expr::Array(_) | syn::Expr::Reference(_)
            ) && !is_collection_iter(&l.expr);
            self.open_ended += usize::from(open);
            syn::visit::visit_expr_for_loop(self, l);
            self.open_ended -= usize::from(open);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    /// `items.iter()`, `items.into_iter().enumerate()`, `(0..n).map(..)`: a finite source.
    fn is_collection_iter(e: &syn::Expr) -> bool {
        let mut e = crate::semantic::dataflow::peel(e);
        let mut saw_iter = false;
        while let syn::Expr::MethodCall(m) = e {
            let name = m.method.to_string();
            if matches!(
                name.as_str(),
                "iter" | "into_iter" | "iter_mut" | "drain" | "chunks" | "keys" | "values"
            ) {
                saw_iter = true;
            } else if !matches!(
                name.as_str(),
                "enumerate"
                    | "map"
                    | "filter"
                    | "zip"
                    | "rev"
                    | "take"
                    | "skip"
                    | "cloned"
                    | "copied"
            ) {
                return false;
            }
            e = crate::semantic::dataflow::peel(&m.receiver);
        }
        saw_iter
            || matches!(e, syn::Expr::Range(r) if r.end.is_some())
            || matches!(e, syn::Expr::Paren(_))
    }
    let mut v = V {
        senders,
        open_ended: 0,
        sends: 0,
        unbounded: false,
    };
    rest.iter().for_each(|s| v.visit_stmt(s));
    v.sends > 0 && !v.unbounded
}

/// Is there at least one send on the senders, and is each inside a loop that also paces itself
/// (`sleep`, `sleep_until`, `tick`, a rate limiter)?
fn all_sends_paced(senders: &HashSet<String>, rest: &[syn::Stmt]) -> bool {
    type Pos = (usize, usize);
    struct V<'s> {
        senders: &'s HashSet<String>,
        sends: Vec<Pos>,
        paced_loops: Vec<(Pos, Pos)>,
    }
    fn pos(s: proc_macro2::Span) -> (Pos, Pos) {
        let (a, b) = (s.start(), s.end());
        ((a.line, a.column), (b.line, b.column))
    }
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let ours = matches!(&*m.receiver, syn::Expr::Path(p)
                if p.path.get_ident().is_some_and(|i| self.senders.contains(&i.to_string())));
            if ours && SEND_METHODS.contains(&m.method.to_string().as_str()) {
                self.sends.push(pos(m.method.span()).0);
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
            if paces(&l.body) {
                self.paced_loops.push(pos(l.body.brace_token.span.join()));
            }
            syn::visit::visit_expr_for_loop(self, l);
        }
        fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
            if paces(&l.body) {
                self.paced_loops.push(pos(l.body.brace_token.span.join()));
            }
            syn::visit::visit_expr_while(self, l);
        }
        fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
            if paces(&l.body) {
                self.paced_loops.push(pos(l.body.brace_token.span.join()));
            }
            syn::visit::visit_expr_loop(self, l);
        }
    }
    let mut v = V {
        senders,
        sends: Vec::new(),
        paced_loops: Vec::new(),
    };
    rest.iter().for_each(|s| v.visit_stmt(s));
    !v.sends.is_empty()
        && v.sends
            .iter()
            .all(|s| v.paced_loops.iter().any(|(a, b)| a <= s && s <= b))
}

/// `let x = tx.clone();` (for any known sender `tx`).
struct Clones<'s>(&'s mut HashSet<String>, Vec<String>);

impl<'ast> Visit<'ast> for Clones<'_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (Some(init), syn::Pat::Ident(p)) = (&l.init, &l.pat) {
            if let syn::Expr::MethodCall(m) = peel(&init.expr) {
                if m.method == "clone" {
                    if let Some(root) = crate::semantic::dataflow::root_ident(&m.receiver) {
                        if self.0.contains(&root) {
                            self.1.push(p.ident.to_string());
                        }
                    }
                }
            }
        }
        syn::visit::visit_local(self, l);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Is a sender moved into synchronous code: a non-async closure handed to a thread, the
/// blocking pool or a callback registration (`std::thread::spawn(move || tx.send(..))`)?
struct SyncProducer<'s> {
    senders: &'s HashSet<String>,
    found: bool,
}

impl SyncProducer<'_> {
    fn closure_arg(&mut self, arg: &syn::Expr) {
        // `spawn({ let tx = tx.clone(); move || watch(&tx) })`: the block's value is the closure.
        let arg = match peel(arg) {
            syn::Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => peel(tail),
                _ => return,
            },
            a => a,
        };
        if let syn::Expr::Closure(c) = arg {
            if c.asyncness.is_none() && !contains_async(&c.body) {
                let used = names_used_in_expr(&c.body);
                if self.senders.iter().any(|s| used.contains(s)) {
                    self.found = true;
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for SyncProducer<'_> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        c.args.iter().for_each(|a| self.closure_arg(a));
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if !SYNC_ADAPTERS.contains(&m.method.to_string().as_str()) {
            m.args.iter().for_each(|a| self.closure_arg(a));
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        // `let on_event = move |e| tx.send(e);`: a callback built ahead of its registration.
        if let Some(init) = &l.init {
            self.closure_arg(peel(&init.expr));
        }
        syn::visit::visit_local(self, l);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

fn contains_async(e: &syn::Expr) -> bool {
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {
            self.0 = true;
        }
        fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            if c.asyncness.is_some() {
                self.0 = true;
            }
            syn::visit::visit_expr_closure(self, c);
        }
    }
    let mut v = V(false);
    v.visit_expr(e);
    v.0
}

/// How the names of a channel's ends are used in the rest of the block.
struct Uses {
    names: Vec<String>,
    /// Every mention of each name.
    count: std::collections::HashMap<String, usize>,
    /// Total mentions of all names.
    mentions: usize,
    /// A mention other than a method call on the name (`tx.send(..)`, `rx.recv()`) or `drop`:
    /// passed, stored, returned, cloned, or captured by a closure or async block.
    escapes: bool,
    /// The one `tx.send(..)` outside loops and closures, if that is a mention.
    single_send: Option<proc_macro2::Span>,
    /// Inside a loop, a closure, or an async block (`depth.0`), a loop or closure (`depth.1`).
    depth: (usize, usize),
}

impl Uses {
    fn new(names: &[&str]) -> Uses {
        Uses {
            names: names.iter().map(|n| n.to_string()).collect(),
            count: Default::default(),
            mentions: 0,
            escapes: false,
            single_send: None,
            depth: (0, 0),
        }
    }

    fn is_ours(&self, e: &syn::Expr) -> Option<String> {
        match e {
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .map(|i| i.to_string())
                .filter(|n| self.names.contains(n)),
            _ => None,
        }
    }

    fn mention(&mut self, name: &str) {
        *self.count.entry(name.to_string()).or_insert(0) += 1;
        self.mentions += 1;
    }
}

impl<'ast> Visit<'ast> for Uses {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if let Some(name) = self.is_ours(&m.receiver) {
            self.mention(&name);
            let method = m.method.to_string();
            if method == "clone" || self.depth.0 > 0 {
                self.escapes = true;
            }
            if SEND_METHODS.contains(&method.as_str()) && self.depth.1 == 0 {
                self.single_send = Some(m.method.span());
            }
            m.args.iter().for_each(|a| self.visit_expr(a));
            return;
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if crate::semantic::dataflow::call_name(c).as_deref() == Some("drop") && c.args.len() == 1 {
            if let Some(name) = self.is_ours(&c.args[0]) {
                self.mention(&name);
                return;
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(name) = p.path.get_ident().map(|i| i.to_string()) {
            if self.names.contains(&name) {
                self.mention(&name);
                self.escapes = true;
            }
        }
    }
    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        if f.colon_token.is_none() {
            if let syn::Member::Named(n) = &f.member {
                if self.names.contains(&n.to_string()) {
                    self.mention(&n.to_string());
                    self.escapes = true;
                    return;
                }
            }
        }
        syn::visit::visit_field_value(self, f);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `select! { Some(x) = rx.recv() => .. }`: method calls on the name stay local; any
        // other mention (`spawn_with!(tx)`) counts as an escape.
        let mut found = Vec::new();
        macro_mentions(&m.tokens, &self.names, &mut found);
        for (name, method_call) in found {
            self.mention(&name);
            if !method_call || self.depth.0 > 0 {
                self.escapes = true;
            }
            // A send inside a macro is not "the one send" we can point at.
            self.single_send = None;
        }
    }
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.depth.0 += 1;
        self.depth.1 += 1;
        syn::visit::visit_expr_closure(self, c);
        self.depth.0 -= 1;
        self.depth.1 -= 1;
    }
    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.depth.0 += 1;
        syn::visit::visit_expr_async(self, a);
        self.depth.0 -= 1;
    }
    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.depth.1 += 1;
        syn::visit::visit_expr_for_loop(self, l);
        self.depth.1 -= 1;
    }
    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.depth.1 += 1;
        syn::visit::visit_expr_while(self, l);
        self.depth.1 -= 1;
    }
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.depth.1 += 1;
        syn::visit::visit_expr_loop(self, l);
        self.depth.1 -= 1;
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Mentions of `names` in macro tokens, each with whether it is followed by `.method`.
fn macro_mentions(tokens: &TokenStream, names: &[String], out: &mut Vec<(String, bool)>) {
    let toks: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, t) in toks.iter().enumerate() {
        match t {
            TokenTree::Group(g) => macro_mentions(&g.stream(), names, out),
            TokenTree::Ident(id) if names.contains(&id.to_string()) => {
                let prev_dot =
                    i > 0 && matches!(&toks[i - 1], TokenTree::Punct(p) if p.as_char() == '.');
                if prev_dot {
                    continue; // a field of something else
                }
                let method = matches!(toks.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '.')
                    && !matches!(toks.get(i + 2), Some(TokenTree::Ident(m)) if m == "clone");
                out.push((id.to_string(), method));
            }
            _ => {}
        }
    }
}
