//! Loop summaries: what the body of a `for` loop (or the per-item future of a stream
//! combinator) does, computed once and shared by the rules that ask.
//!
//! One walk covers a loop and every loop nested in it: a stack of open summaries, innermost
//! last; each nested loop's summary is finished when the walk leaves it and cached, so no body
//! is scanned twice. Facts that cross loop boundaries (a `return`, pacing, assignments) go to
//! every open summary they concern; awaits and bindings to the innermost one.
//!
//! The summary answers, per loop: which names are derived from the item (through `let`,
//! `match` arms and `if let`/`while let`), which outer names the body assigns (loop-carried
//! state), whether it exits early, is paced, holds a lock, waits for a slot, and, per awaited
//! piece of work, what it reads and whether it runs through a handle that every iteration
//! shares (a `&mut` place, a `&mut`-typed name passed on, a sequential method on an outer
//! place, a method of `&mut self`).

use super::dataflow::{
    caps_width, chain_awaits, iter_is_batched, iter_is_small_literal, iter_is_taken, pat_idents,
    peel, root_ident,
};
use super::known::join::{ACCEPT_METHODS, PROGRAM_PARTS};
use super::known::{join, sequencing};
use super::{Cx, Frame, MutableBindings, Tri};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use syn::spanned::Spanned;
use syn::visit::Visit;

/// What a loop body does.
#[derive(Debug, Default)]
pub struct LoopSummary {
    /// Names bound by the loop pattern (the closure parameters of a stream combinator).
    pub item: HashSet<String>,
    /// The item and every name bound from it, in order, by `let`, `match` arms, `if let`.
    pub derived: HashSet<String>,
    /// Names assigned in the body but declared outside it: state carried between iterations.
    pub carried: HashSet<String>,
    /// A `break` of this loop or a `return` in the body: later items must not start.
    pub exits: bool,
    /// A sleep, interval tick, rate limiter or backoff anywhere in the body.
    pub paced: bool,
    /// An assertion in the body (results checked in order).
    pub asserts: bool,
    /// A guard of a lock on a value from outside the loop is held in the body
    /// (`let g = state.lock().await;`): the iterations are serialized by it.
    pub holds_lock: bool,
    /// An awaited call of the item's work goes through a `&mut` handle from outside the loop
    /// (`archive.add_file(&p).await` on a `let mut archive`, `save(conn, row)` with
    /// `conn: &mut PgConnection`): the iterations write in order, so the loop is tied.
    pub ordered_writes: bool,
    /// The body `yield`s (a `stream!` generator): items are produced one at a time as the
    /// consumer pulls them; how many run at once is the consumer's choice (`buffered(n)`).
    pub yields: bool,
    /// Something in the body waits for a free slot (a permit, `join_next`, `next`).
    pub waits_for_slot: bool,
    /// Roots pushed into (`handles.push(..)`) and drained (`handles.drain(..)`) in the body,
    /// and whether it awaits anywhere: a body that drains what it pushes and awaits the
    /// drained handles works in batches (see [`Walker::close_loop`]).
    pushed: HashSet<String>,
    drained: HashSet<String>,
    awaits_any: bool,
    /// A `?` at the loop's own level.
    pub has_try: bool,
    /// The awaits at the loop's own level (not in closures, async blocks or nested loops).
    pub awaits: Vec<Work>,
    /// Calls at the loop's own level that start work that runs on: spawns, pushes into a
    /// set of futures, spawns on a `JoinSet`.
    pub starts: Vec<Work>,
}

/// One piece of work in a loop body: an awaited expression, or a call that starts a task.
#[derive(Debug)]
pub struct Work {
    /// Address of the node (the `ExprAwait`, or the starting call), to find it again.
    pub id: usize,
    /// The awaited expression or the call.
    pub span: proc_macro2::Span,
    pub head: Head,
    pub kind: WorkKind,
    /// Single-segment names it reads.
    pub reads: HashSet<String>,
    /// Names of fns and methods it calls along its chain (`save` for `repo.save(x).await`).
    pub callees: Vec<String>,
    /// Roots of `&mut place` (and `place.as_mut()`, `get_mut`, `borrow_mut`, `by_ref`) in it.
    mut_places: Vec<String>,
    /// Names passed on as bare arguments (`save(conn, x)`): reborrowed if they are `&mut`.
    by_name: Vec<String>,
    /// The place the method chain hangs on and the method called on it (`("tx", "send")`).
    receiver: Option<(String, String)>,
    /// A join, bounded stream or permit wait inside: already a batch.
    pub concurrent: bool,
    /// An await nested inside (the rewrite cannot lift it into a closure).
    pub nested_await: bool,
    /// It borrows the item (`f(&x)`, `x.name.as_str()`).
    pub borrows_item: bool,
    /// It only waits for work that already runs: the item itself, or `item.join()`.
    pub collects_item: bool,
    /// The awaited work is a method of the item (`handler.handle(e).await`): the item does the
    /// work, it is a part of the program rather than a datum.
    pub item_does_work: bool,
    /// Its result is thrown away: the await is a statement of its own (`x.f(..).await?;`,
    /// `let _ = ..`), so the iteration is done for its side effect.
    pub discarded: bool,
    /// Reads the item, reads no carried state, and uses no shared handle.
    pub independent: bool,
}

/// What the work's expression starts with, for short descriptions.
#[derive(Debug, Clone)]
pub enum Head {
    Call(proc_macro2::Span),
    Method(String),
    Other,
}

#[derive(Debug, Clone)]
pub enum WorkKind {
    Await,
    /// `tokio::spawn(..)` and friends, as written.
    Spawn(String, super::calls::SpawnFlavor),
    /// `set.push(..)` / `set.spawn(..)` on a local `FuturesUnordered`/`JoinSet`: (set, kind).
    Push(String, &'static str),
}

impl LoopSummary {
    /// The independent awaits: per-item work that could run concurrently.
    pub fn independent(&self) -> impl Iterator<Item = &Work> {
        self.awaits.iter().filter(|w| w.independent)
    }

    pub fn work(&self, id: usize) -> Option<&Work> {
        self.awaits.iter().find(|w| w.id == id)
    }
}

/// The summary of a `for` loop (computed once per loop: see the module docs).
pub fn of_for(cx: &Cx, l: &syn::ExprForLoop) -> Rc<LoopSummary> {
    let key = l as *const syn::ExprForLoop as usize;
    cached(cx, key, |w| {
        w.open_loop(key, pat_idents(&l.pat), label(&l.label), true);
        w.visit_block(&l.body);
        w.close_loop();
    })
}

/// `while let Some(x) = items.pop()` (or `pop_front`, `pop_back`, a sync `next()`) on a local
/// the body never names: it walks a fixed set of items as `for x in items` would. The pattern
/// binding the item (`x`), if so.
pub fn popped_item(w: &syn::ExprWhile) -> Option<&syn::Pat> {
    let syn::Expr::Let(l) = &*w.cond else {
        return None;
    };
    let syn::Pat::TupleStruct(t) = &*l.pat else {
        return None;
    };
    if !t.path.is_ident("Some") || t.elems.len() != 1 {
        return None;
    }
    let syn::Expr::MethodCall(m) = peel(&l.expr) else {
        return None;
    };
    if !m.args.is_empty()
        || !matches!(
            m.method.to_string().as_str(),
            "pop" | "pop_front" | "pop_back" | "next"
        )
    {
        return None;
    }
    let syn::Expr::Path(p) = peel(&m.receiver) else {
        return None;
    };
    let name = p.path.get_ident()?.to_string();
    let mut names = HashSet::new();
    super::dataflow::collect_token_idents(&quote::ToTokens::to_token_stream(&w.body), &mut names);
    (!names.contains(&name)).then_some(&t.elems[0])
}

/// The summary of a [`popped_item`] loop: `item` is what each iteration takes.
pub fn of_while_pop(cx: &Cx, w: &syn::ExprWhile, item: &syn::Pat) -> Rc<LoopSummary> {
    let key = w as *const syn::ExprWhile as usize;
    cached(cx, key, |v| {
        v.open_loop(key, pat_idents(item), label(&w.label), true);
        v.visit_block(&w.body);
        v.close_loop();
    })
}

/// The summary of a stream combinator's per-item closure: its parameters are the item, and the
/// future it returns (an `async` block or the body of an async closure) is the body. With
/// `body_is_work`, the body expression itself is the per-item future (`.then(|x| fetch(x))`).
pub fn of_item_closure(cx: &Cx, c: &syn::ExprClosure, body_is_work: bool) -> Rc<LoopSummary> {
    let key = c as *const syn::ExprClosure as usize;
    let item: Vec<String> = c.inputs.iter().flat_map(pat_idents).collect();
    cached(cx, key, |w| {
        w.open_loop(key, item, None, true);
        match &*c.body {
            syn::Expr::Async(b) if !body_is_work => w.visit_block(&b.block),
            // `|uid| { let c = client.clone(); async move { .. } }`: set-up, then the future.
            syn::Expr::Block(b) if !body_is_work => {
                let n = b.block.stmts.len();
                for (i, s) in b.block.stmts.iter().enumerate() {
                    match s {
                        syn::Stmt::Expr(syn::Expr::Async(a), None) if i + 1 == n => {
                            w.visit_block(&a.block)
                        }
                        s => w.visit_stmt(s),
                    }
                }
            }
            body if body_is_work => {
                w.begin_work(body, body as *const syn::Expr as usize, WorkKind::Await);
                w.visit_expr(body);
                w.end_work();
            }
            body => w.visit_expr(body),
        }
        w.close_loop();
    })
}

/// Does a per-item closure hand the work to the item itself (`|n| n.ping()`, `|s|
/// s.send(e.clone())`)? Then the items are the program's parts (nodes, subscribers, handlers),
/// not data handed to a shared service.
pub fn closure_calls_item(e: &syn::Expr) -> bool {
    let syn::Expr::Closure(c) = peel(e) else {
        return false;
    };
    let params: HashSet<String> = c.inputs.iter().flat_map(pat_idents).collect();
    let mut body = peel(&c.body);
    loop {
        body = match body {
            syn::Expr::Block(b) => match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => peel(tail),
                _ => return false,
            },
            syn::Expr::Async(a) => match a.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => peel(tail),
                _ => return false,
            },
            syn::Expr::Await(a) => peel(&a.base),
            syn::Expr::Try(t) => peel(&t.expr),
            _ => break,
        };
    }
    method_of_item(body, &params)
}

/// Does a per-item closure only await its own parameter (`|(_, rx)| async { convert(rx.await) }`)?
/// Then it collects results of work that already runs (receivers, handles); it starts nothing.
pub fn closure_awaits_item(c: &syn::ExprClosure) -> bool {
    struct Awaits<'p> {
        params: &'p HashSet<String>,
        of_params: usize,
        others: usize,
    }
    impl<'ast> Visit<'ast> for Awaits<'_> {
        fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
            let base = peel(&a.base);
            if is_place(base) && root_ident(base).is_some_and(|r| self.params.contains(&r)) {
                self.of_params += 1;
            } else {
                self.others += 1;
            }
            syn::visit::visit_expr_await(self, a);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let params: HashSet<String> = c.inputs.iter().flat_map(pat_idents).collect();
    let mut v = Awaits {
        params: &params,
        of_params: 0,
        others: 0,
    };
    // The closure's future: its async block (or the body of an async closure).
    match peel(&c.body) {
        syn::Expr::Async(a) => v.visit_block(&a.block),
        body if c.asyncness.is_some() => v.visit_expr(body),
        _ => return false,
    }
    v.of_params > 0 && v.others == 0
}

/// Is `e` a method chain called on a place rooted in one of `item`?
fn method_of_item(e: &syn::Expr, item: &HashSet<String>) -> bool {
    let (root, calls) = super::dataflow::method_chain(e);
    !calls.is_empty() && is_place(root) && root_ident(root).is_some_and(|r| item.contains(&r))
}

/// Does the work run an accept loop (`loop { let (s, _) = listener.accept().await?; .. }`)?
/// A task per configured listener is a server, one of the program's parts: its connections
/// are `detached_spawn`'s business, not a fan-out over data.
fn serves_connections(e: &syn::Expr) -> bool {
    #[derive(Default)]
    struct V {
        loops: usize,
        found: bool,
    }
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
            self.loops += 1;
            syn::visit::visit_expr_loop(self, l);
            self.loops -= 1;
        }
        fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
            self.loops += 1;
            syn::visit::visit_expr_while(self, w);
            self.loops -= 1;
        }
        fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
            if self.loops > 0 {
                if let syn::Expr::MethodCall(m) = peel(&a.base) {
                    self.found |= m.args.is_empty()
                        && ACCEPT_METHODS.contains(&m.method.to_string().as_str());
                }
            }
            syn::visit::visit_expr_await(self, a);
        }
    }
    let mut v = V::default();
    v.visit_expr(e);
    v.found
}

/// Words of an identifier, `_`-separated and lowercased, contain the phrase `word`
/// (`rate_limit` in `check_rate_limit`).
pub fn name_has_word(name: &str, word: &str) -> bool {
    let (n, w) = (name.as_bytes(), word.len());
    n.len() >= w
        && (0..=n.len() - w).any(|i| {
            (i == 0 || n[i - 1] == b'_')
                && (i + w == n.len() || n[i + w] == b'_')
                && n[i..i + w].eq_ignore_ascii_case(word.as_bytes())
        })
}

/// The comments an author writes to say a loop is sequential on purpose: the comment block
/// directly above the loop or above one of the (at most two) `let` statements right before it,
/// and a trailing comment on the loop's line. Lowercased.
pub fn comments_above(cx: &Cx, line: u32) -> Vec<String> {
    let text_of = |l: u32| cx.file.lines.line_text(cx.file.text, l);
    let mut comments = Vec::new();
    if let Some(i) = text_of(line).find("//") {
        comments.push(text_of(line)[i..].to_lowercase());
    }
    let mut lets = 0;
    let mut l = line;
    while l > 1 {
        l -= 1;
        let line_text = text_of(l).trim();
        // `//` lines, and the lines of a `/* .. */` block comment (`*`-led or its ends).
        if line_text.starts_with("//")
            || line_text.starts_with("/*")
            || line_text.starts_with('*')
            || line_text.ends_with("*/")
        {
            comments.push(line_text.to_lowercase());
            continue;
        }
        // A trailing comment on a `let` line belongs to the window too.
        let t = match line_text.find("//") {
            Some(i) => {
                comments.push(line_text[i..].to_lowercase());
                line_text[..i].trim_end()
            }
            None => line_text,
        };
        if lets == 2 || !t.ends_with(';') {
            break;
        }
        // A statement ends here: step over it if it is a `let` (of up to a few lines).
        let mut start = l;
        while !text_of(start).trim_start().starts_with("let ") && start + 8 > l && start > 1 {
            let above = text_of(start - 1).trim_end();
            if above.ends_with(';') || above.ends_with('{') || above.ends_with('}') {
                break;
            }
            start -= 1;
        }
        if !text_of(start).trim_start().starts_with("let ") {
            break;
        }
        lets += 1;
        l = start;
    }
    comments
}

/// Does the author say this is sequential on purpose (see [`sequencing::SEQUENTIAL_INTENT`]):
/// in a comment, or in the name of the enclosing fn (`run_sequentially`, `apply_in_order`)?
pub fn says_sequential(cx: &Cx, line: u32) -> bool {
    let fn_name = cx.frames.iter().rev().find_map(|f| match f {
        super::Frame::Fn { name, .. } => Some(name.to_ascii_lowercase()),
        _ => None,
    });
    let intent = sequencing::SEQUENTIAL_INTENT;
    if fn_name.is_some_and(|n| intent.iter().any(|w| n.contains(&w.replace(' ', "_")))) {
        return true;
    }
    comments_above(cx, line).iter().any(|c| states_intent(c))
}

/// Does a (lowercased) comment say the loop is sequential on purpose? An intent phrase counts
/// unless a negation stands in the few words before it ("these don't need to run
/// sequentially"), or the comment is a to-do about making it concurrent ("TODO: parallelize").
fn states_intent(comment: &str) -> bool {
    // "one-by-one" is "one by one".
    let comment = comment.replace('-', " ");
    let todo = sequencing::TODO_MARKERS.iter().any(|m| comment.contains(m))
        && sequencing::CONCURRENCY_WORDS
            .iter()
            .any(|w| comment.contains(w));
    if todo {
        return false;
    }
    let negated = |at: usize| {
        comment[..at].split_whitespace().rev().take(4).any(|word| {
            word.ends_with("n't")
                || sequencing::NEGATIONS
                    .contains(&word.trim_matches(|c: char| !c.is_alphanumeric()))
        })
    };
    // An intent phrase that is not negated, or concurrency that is ("must not run
    // concurrently", "never parallelize").
    sequencing::SEQUENTIAL_INTENT
        .iter()
        .any(|w| comment.match_indices(w).any(|(at, _)| !negated(at)))
        || sequencing::CONCURRENCY_WORDS
            .iter()
            .any(|w| comment.match_indices(w).any(|(at, _)| negated(at)))
}

/// Is a stream one of events that arrive one by one: a catalog wrapper over a receiver,
/// listener or timer (`ReceiverStream::new(rx)`), or the read half of a pair split in this fn
/// (`let (tx, rx) = socket.split();`)? Consuming it in order is the point.
pub fn consumes_events(cx: &Cx, stream: &syn::Expr) -> bool {
    let (root, _) = super::dataflow::method_chain(stream);
    match peel(root) {
        syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p) if {
            let mut ty = p.path.clone();
            ty.segments.pop();
            ty.segments.pop_punct();
            !ty.segments.is_empty() && cx.is(&ty, sequencing::EVENT_STREAMS) == Tri::Yes
        }),
        syn::Expr::Path(p) => p.path.get_ident().is_some_and(|name| {
            let name = name.to_string();
            cx.outer_stmts.iter().any(|stmts| {
                stmts.iter().any(|s| {
                    matches!(s, syn::Stmt::Local(l) if matches!(&l.pat, syn::Pat::Tuple(t)
                        if t.elems.len() == 2 && pat_idents(&t.elems[1]).contains(&name))
                        && l.init.as_ref().is_some_and(|i| matches!(peel(&i.expr),
                            syn::Expr::MethodCall(m) if m.method == "split" && m.args.is_empty())))
                })
            })
        }),
        _ => false,
    }
}

/// Does an iterator chain walk the fn's data (a parameter, an awaited result, what is computed
/// from them), as [`iterates_data`] asks of a `for` loop's iterator?
pub fn chain_is_data(cx: &Cx, e: &syn::Expr) -> bool {
    let from_data = chain_awaits(e)
        || data_root(e).is_some_and(|r| cx.fn_mutables().is_some_and(|m| m.data.contains(&r)));
    from_data && !place_names(e).iter().any(|n| names_parts(n))
}

/// `Err(..)`: a pattern of the error case.
fn matches_error(pat: &syn::Pat) -> bool {
    matches!(pat, syn::Pat::TupleStruct(t) if t.path.segments.last().is_some_and(|s| s.ident == "Err"))
}

/// `Ok(..)` / `Some(..)`: a pattern of the success case (its `else` is the failure).
fn matches_success(pat: &syn::Pat) -> bool {
    let pat = match pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    matches!(pat, syn::Pat::TupleStruct(t)
        if t.path.segments.last().is_some_and(|s| s.ident == "Ok" || s.ident == "Some"))
}

/// `0..REPLICAS` (also `..=`, `.rev()`) with `const REPLICAS: usize = 3;` in this file: a
/// constant range of at most 4 items, like `0..3`.
pub fn const_range_is_small(cx: &Cx, iter: &syn::Expr) -> bool {
    let mut e = peel(iter);
    while let syn::Expr::MethodCall(m) = e {
        if !matches!(m.method.to_string().as_str(), "rev" | "into_iter" | "map") {
            return false;
        }
        e = peel(&m.receiver);
    }
    let syn::Expr::Range(r) = e else { return false };
    let consts = cx.file.memo.get(|| FileConsts::of(cx.file.ast));
    let value = |bound: &Option<Box<syn::Expr>>| -> Option<i128> {
        match bound.as_deref().map(peel) {
            None => Some(0),
            Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            })) => i.base10_parse().ok(),
            Some(syn::Expr::Path(p)) => p
                .path
                .get_ident()
                .and_then(|i| consts.0.get(&i.to_string()).copied()),
            _ => None,
        }
    };
    let (Some(start), Some(end)) = (
        value(&r.start),
        r.end.is_some().then(|| value(&r.end)).flatten(),
    ) else {
        return false;
    };
    let inclusive = matches!(r.limits, syn::RangeLimits::Closed(_));
    end - start + i128::from(inclusive) <= 4
}

/// The integer `const`s of a file (top level and inline modules), by name.
struct FileConsts(HashMap<String, i128>);

impl FileConsts {
    fn of(file: &syn::File) -> FileConsts {
        let mut out = HashMap::new();
        for item in super::items::file_items(file) {
            if let syn::Item::Const(c) = item {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(i),
                    ..
                }) = peel(&c.expr)
                {
                    if let Ok(v) = i.base10_parse() {
                        out.insert(c.ident.to_string(), v);
                    }
                }
            }
        }
        FileConsts(out)
    }
}

// ---- widths of fan-outs -----------------------------------------------------------------

/// Does a `for` loop walk data of unbounded size: its iterator comes from the fn's data (a
/// parameter, an awaited result, what is computed from them), is not capped, batched or a
/// fixed handful, is not an accept loop, and is not named for the program's own parts?
pub fn iterates_data(cx: &Cx, l: &syn::ExprForLoop) -> bool {
    if iter_is_small_literal(&l.expr)
        || iter_is_batched(&l.expr)
        || iter_is_taken(&l.expr)
        || caps_width(&l.expr)
        || is_accept_loop(&l.expr)
    {
        return false;
    }
    // `for item in chunk` inside `for chunk in items.chunks(32)`: one batch at a time.
    let in_batch = data_root(&l.expr).is_some_and(|root| {
        cx.frames.iter().any(
            |f| matches!(f, Frame::Loop { pat_vars, bounded: true, .. } if pat_vars.contains(&root)),
        )
    });
    let from_data = !in_batch
        && (chain_awaits(&l.expr)
            || data_root(&l.expr)
                .is_some_and(|r| cx.fn_mutables().is_some_and(|m| m.data.contains(&r))));
    let parts = place_names(&l.expr)
        .iter()
        .chain(&pat_idents(&l.pat))
        .any(|n| names_parts(n));
    from_data && !parts
}

/// Does the loop replay the receiver's own state: it walks a collection the fn did not get
/// from its data (reached from `self`, or computed in the fn from `self`: not a parameter or
/// an awaited result), and every piece of independent work is a method of `self` whose
/// result is thrown away? Then each iteration re-applies a recorded entry to the object
/// that recorded it (redeclaring, resubscribing, re-registering): the calls go through one
/// session in the order the state was built, and later entries rely on earlier ones (a
/// binding on a declared name), so the iterations are not independent work.
pub fn replays_own_state(cx: &Cx, l: &syn::ExprForLoop, s: &LoopSummary) -> bool {
    let Some(m) = cx.fn_mutables() else {
        return false;
    };
    if chain_awaits(&l.expr) || data_root(&l.expr).is_none_or(|r| m.data.contains(&r)) {
        return false;
    }
    let mut works = s.independent().peekable();
    works.peek().is_some()
        && works.all(|w| w.discarded && w.receiver.as_ref().is_some_and(|(root, _)| root == "self"))
}

/// `listener.incoming()`: an accept loop. Its spawns are `detached_spawn`'s business.
fn is_accept_loop(iter: &syn::Expr) -> bool {
    let mut e = peel(iter);
    while let syn::Expr::MethodCall(m) = e {
        if ACCEPT_METHODS.contains(&m.method.to_string().as_str()) {
            return true;
        }
        e = peel(&m.receiver);
    }
    false
}

/// Is the width of `input` capped or fixed by the program: a literal handful, `take(n)`, a
/// slice `[..n]`, batches, the slice of an enclosing loop over batches, a fan-out to the
/// program's own parts (each item does the work: `nodes.iter().map(|n| n.ping())`), or a
/// collection that does not come from the fn's data (`self.servers`, a local built from
/// constants, a list truncated before)? An awaited input (`list().await?`) is data.
pub fn width_is_fixed(cx: &Cx, input: &syn::Expr) -> bool {
    if iter_is_small_literal(input)
        || iter_is_taken(input)
        || iter_is_batched(input)
        || caps_width(input)
        || maps_with_item_work(cx, input)
        || maps_with_permit(input)
        || place_names(input).iter().any(|n| names_parts(n))
    {
        return true;
    }
    if chain_awaits(input) {
        return false;
    }
    let Some(root) = data_root(input) else {
        return true;
    };
    let in_batch = cx.frames.iter().any(
        |f| matches!(f, Frame::Loop { pat_vars, bounded: true, .. } if pat_vars.contains(&root)),
    );
    in_batch || !cx.fn_mutables().is_some_and(|m| m.data.contains(&root))
}

/// `sem.acquire().await` (also under `?`, `.unwrap()`, `.expect(..)`): a wait for a permit.
pub fn awaits_permit(e: &syn::Expr) -> bool {
    matches!(super::tasks::strip_result(e), syn::Expr::Await(a) if is_permit_wait(&a.base))
}

/// Is an awaited expression a wait for a permit (`sem.acquire()`, `acquire_owned`, ..: a slot
/// wait that is no set's `next`)?
fn is_permit_wait(base: &syn::Expr) -> bool {
    matches!(peel(base), syn::Expr::MethodCall(m) if {
        let name = m.method.to_string();
        join::SLOT_WAITS.contains(&name.as_str())
            && !matches!(name.as_str(), "next" | "try_next" | "join_next")
    })
}

/// The crate fn a fan-out maps each item to (`ids.iter().map(|id| fetch_limited(sem, id))`,
/// `.map(fetch_limited)`), for the crate-wide "waits for a permit itself" fact.
pub fn mapped_callee(input: &syn::Expr) -> Option<&syn::Path> {
    let mut e = peel(input);
    while let syn::Expr::MethodCall(m) = e {
        if m.method == "map" {
            match m.args.first().map(peel) {
                Some(syn::Expr::Path(p)) => return Some(&p.path),
                Some(syn::Expr::Closure(c)) => {
                    if let syn::Expr::Call(call) = peel(&c.body) {
                        if let syn::Expr::Path(p) = &*call.func {
                            return Some(&p.path);
                        }
                    }
                }
                _ => {}
            }
        }
        e = peel(&m.receiver);
    }
    None
}

/// `ids.iter().map(|id| async move { let _p = sem.acquire().await?; .. })`: each future waits
/// for a permit before it works, so at most the semaphore's width runs at once.
fn maps_with_permit(input: &syn::Expr) -> bool {
    struct Permit(bool);
    impl<'ast> Visit<'ast> for Permit {
        fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
            self.0 |= is_permit_wait(&a.base);
            syn::visit::visit_expr_await(self, a);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut e = peel(input);
    while let syn::Expr::MethodCall(m) = e {
        if m.method == "map" {
            if let Some(syn::Expr::Closure(c)) = m.args.first().map(peel) {
                let mut v = Permit(false);
                v.visit_expr(&c.body);
                if v.0 {
                    return true;
                }
            }
        }
        e = peel(&m.receiver);
    }
    false
}

/// `xs.iter().map(|x| x.call())`: the chain maps each item to work the item itself does, or
/// `rxs.into_iter().map(|rx| async { rx.await })` (a closure literal or a local one): to a wait
/// for work that already runs.
fn maps_with_item_work(cx: &Cx, input: &syn::Expr) -> bool {
    let mut e = peel(input);
    while let syn::Expr::MethodCall(m) = e {
        if m.method == "map" {
            let started_elsewhere = match m.args.first().map(peel) {
                Some(syn::Expr::Closure(c)) => closure_awaits_item(c),
                Some(syn::Expr::Path(p)) => p.path.get_ident().is_some_and(|i| {
                    cx.fn_mutables()
                        .is_some_and(|mb| mb.awaiting_closures.contains(&i.to_string()))
                }),
                _ => false,
            };
            if started_elsewhere || m.args.first().is_some_and(closure_calls_item) {
                return true;
            }
        }
        e = peel(&m.receiver);
    }
    false
}

/// `map(Asset::spawn)` in a chain: a fn of a type by its path (`Type::name`). When it is a
/// method with a `self` receiver (the crate's facts decide), it is `map(|a| a.spawn())`: the
/// item does its own work, a part of the program rather than data.
pub fn mapped_type_fn(input: &syn::Expr) -> Option<String> {
    let mut e = peel(input);
    while let syn::Expr::MethodCall(m) = e {
        if m.method == "map" {
            if let Some(syn::Expr::Path(p)) = m.args.first().map(peel) {
                let segs = &p.path.segments;
                let n = segs.len();
                let is_type = |s: &syn::PathSegment| {
                    s.ident
                        .to_string()
                        .starts_with(|c: char| c.is_ascii_uppercase())
                };
                if n >= 2 && is_type(&segs[n - 2]) && segs[n - 2].ident != "Self" {
                    return Some(format!("{}::{}", segs[n - 2].ident, segs[n - 1].ident));
                }
            }
        }
        e = peel(&m.receiver);
    }
    None
}

/// Does a collection's or item's name say it holds the program's own parts (see
/// [`PROGRAM_PARTS`]): `handlers`, `peer`, `upstream_servers`?
fn names_parts(name: &str) -> bool {
    name.to_ascii_lowercase().split('_').any(|w| {
        let singular = w.strip_suffix('s').unwrap_or(w);
        PROGRAM_PARTS.contains(&singular) || PROGRAM_PARTS.contains(&w)
    })
}

/// The variable and field names an iterator chain starts from: `cfg`, `hooks` for
/// `cfg.hooks.iter().map(f)`.
fn place_names(e: &syn::Expr) -> Vec<String> {
    let mut out = Vec::new();
    let mut e = peel(e);
    loop {
        match e {
            syn::Expr::MethodCall(m) => e = peel(&m.receiver),
            syn::Expr::Field(f) => {
                if let syn::Member::Named(n) = &f.member {
                    out.push(n.to_string());
                }
                e = peel(&f.base);
            }
            syn::Expr::Path(p) => {
                if let Some(i) = p.path.get_ident() {
                    out.push(i.to_string());
                }
                return out;
            }
            syn::Expr::Range(r) => match r.end.as_deref() {
                Some(end) => e = peel(end),
                None => return out,
            },
            _ => return out,
        }
    }
}

/// The variable an iterator chain starts from: `urls` in `urls.iter().map(f)`,
/// `(0..n).map(f)` → `n`.
fn data_root(e: &syn::Expr) -> Option<String> {
    match peel(e) {
        syn::Expr::MethodCall(m) => data_root(&m.receiver),
        syn::Expr::Range(r) => r.end.as_deref().and_then(data_root),
        syn::Expr::Paren(p) => data_root(&p.expr),
        other => root_ident(other),
    }
}

/// `join_all(handles)` where `handles` holds spawned tasks, or `join_all(xs.map(|x| spawn(..)))`.
pub fn joins_running_tasks(cx: &Cx, input: &syn::Expr) -> bool {
    if crate::semantic::maps_to_spawn(input) {
        return true;
    }
    let input = peel(input);
    let mut e = input;
    // `handles`, `handles.into_iter()`, `handles.drain(..)`
    while let syn::Expr::MethodCall(m) = e {
        if !matches!(
            m.method.to_string().as_str(),
            "into_iter" | "drain" | "iter_mut"
        ) {
            return false;
        }
        e = peel(&m.receiver);
    }
    match (e, cx.fn_mutables()) {
        (syn::Expr::Path(p), Some(m)) => p
            .path
            .get_ident()
            .is_some_and(|i| m.handle_vecs.contains(&i.to_string())),
        _ => false,
    }
}

/// Does the enclosing fn's name say that running everything at once is its purpose
/// (see [`join::FAN_OUT_INTENT`])?
pub fn says_parallel(cx: &Cx) -> bool {
    cx.frames.iter().rev().any(|f| match f {
        Frame::Fn { name, .. } => join::FAN_OUT_INTENT.iter().any(|w| name_has_word(name, w)),
        _ => false,
    })
}

// ---- the walk ------------------------------------------------------------------------------

#[derive(Default)]
struct LoopCache(RefCell<HashMap<usize, Rc<LoopSummary>>>);

fn cached(cx: &Cx, key: usize, walk: impl FnOnce(&mut Walker)) -> Rc<LoopSummary> {
    let cache = cx.file.memo.get(LoopCache::default);
    if let Some(s) = cache.0.borrow().get(&key) {
        return s.clone();
    }
    let mut w = Walker {
        cx,
        mutables: cx.fn_mutables(),
        awaited_base: 0,
        awaited_method: 0,
        error_paths: 0,
        once: 0,
        open: Vec::new(),
        collectors: Vec::new(),
        done: Vec::new(),
    };
    walk(&mut w);
    let mut map = cache.0.borrow_mut();
    for (k, s) in w.done {
        map.entry(k).or_insert_with(|| Rc::new(s));
    }
    map.get(&key).cloned().unwrap_or_default()
}

fn label(l: &Option<syn::Label>) -> Option<String> {
    l.as_ref().map(|l| l.name.ident.to_string())
}

/// A loop being summarized.
struct Open {
    key: usize,
    /// `for` loops (and item closures) are summarized; `while`/`loop` only delimit.
    summarized: bool,
    label: Option<String>,
    /// Closures and async blocks entered since this loop, around the current node.
    closures: usize,
    declared: HashSet<String>,
    assigned: HashSet<String>,
    /// Names bound in the body to `&mut` of an outer place (`let c = &mut *tx;`).
    aliases: HashSet<String>,
    /// Awaits and starts, in order (split into the summary's lists when the loop closes).
    works: Vec<Work>,
    /// Awaits whose results are thrown away (statements of their own), by address.
    discarded: HashSet<usize>,
    /// (names bound, names their initializer reads), in order.
    bindings: Vec<(Vec<String>, HashSet<String>)>,
    s: LoopSummary,
}

/// Something whose reads are being collected: a binding's initializer or a piece of work.
enum Collector {
    /// Names a `let`/`match`/`if let` will bind once the initializer's reads are known.
    Binding(HashSet<String>),
    /// A piece of work: (index into `open`, index into its `works`).
    Work(usize, usize),
}

struct Walker<'c, 'a> {
    cx: &'c Cx<'a>,
    mutables: Option<&'c MutableBindings>,
    /// The expression an `.await` being visited awaits: a spawn awaited on the spot
    /// (`tokio::spawn(..).await??`) starts nothing that runs on.
    awaited_base: usize,
    /// The method call an `.await` awaits (`client.remove(id).await`): a request, not a
    /// collection changed in place.
    awaited_method: usize,
    /// Error paths around the current point: the branch of an `if let Err(e) = ..`, an
    /// `Err(..) =>` arm, the `else` of a `let Ok(x) = .. else`. A `return` there gives up on
    /// an error, as `?` does, whatever it returns (`StatusCode::INTERNAL_SERVER_ERROR`).
    error_paths: usize,
    /// Inside the branch of an `if` that one iteration takes (`if idx == 0 { .. }` on the
    /// innermost loop's item): its awaits wait once, not per item.
    once: usize,
    open: Vec<Open>,
    collectors: Vec<Collector>,
    done: Vec<(usize, LoopSummary)>,
}

impl Walker<'_, '_> {
    fn open_loop(
        &mut self,
        key: usize,
        item: Vec<String>,
        label: Option<String>,
        summarized: bool,
    ) {
        let item: HashSet<String> = item.into_iter().collect();
        self.open.push(Open {
            key,
            summarized,
            label,
            closures: 0,
            declared: HashSet::new(),
            assigned: HashSet::new(),
            aliases: HashSet::new(),
            works: Vec::new(),
            discarded: HashSet::new(),
            bindings: Vec::new(),
            s: LoopSummary {
                derived: item.clone(),
                item,
                ..LoopSummary::default()
            },
        });
    }

    fn close_loop(&mut self) {
        let Some(mut o) = self.open.pop() else { return };
        if !o.summarized {
            return;
        }
        // `handles.push(spawn(..)); if handles.len() >= 16 { for h in handles.drain(..) {
        // h.await?; } }`: a batch cap written by hand.
        if o.s.awaits_any && o.s.pushed.iter().any(|r| o.s.drained.contains(r)) {
            o.s.waits_for_slot = true;
        }
        for mut w in std::mem::take(&mut o.works) {
            w.discarded = o.discarded.contains(&w.id);
            match w.kind {
                WorkKind::Await => o.s.awaits.push(w),
                _ => o.s.starts.push(w),
            }
        }
        o.s.carried = o
            .assigned
            .iter()
            .filter(|a| !o.declared.contains(*a) && !o.s.item.contains(*a))
            .cloned()
            .collect();
        // What is bound from carried state is carried too (`match cursor { Some(c) => .. }`).
        for (names, reads) in &o.bindings {
            if reads.iter().any(|r| o.s.carried.contains(r)) {
                o.s.carried.extend(names.iter().cloned());
            }
        }
        let outer = |n: &String| {
            (!o.declared.contains(n) || o.aliases.contains(n)) && !o.s.item.contains(n)
        };
        let m = self.mutables;
        for w in &mut o.s.awaits {
            let through_mut = w.mut_places.iter().any(outer)
                || w.by_name.iter().any(|n| {
                    outer(n) && (o.aliases.contains(n) || m.is_some_and(|m| m.mut_refs.contains(n)))
                })
                || w.receiver.as_ref().is_some_and(|(root, _)| {
                    outer(root)
                        && (o.aliases.contains(root)
                            || m.is_some_and(|m| {
                                (root == "self" && m.self_mut) || m.names.contains(root)
                            }))
                });
            let shared = through_mut
                || w.receiver.as_ref().is_some_and(|(root, method)| {
                    outer(root) && sequencing::SEQUENTIAL_METHODS.contains(&method.as_str())
                });
            if through_mut && w.reads.iter().any(|r| o.s.derived.contains(r)) {
                o.s.ordered_writes = true;
            }
            w.independent = !shared
                && !w.concurrent
                && !w.collects_item
                && w.reads.iter().any(|r| o.s.derived.contains(r))
                && !w.reads.iter().any(|r| o.s.carried.contains(r));
        }
        self.done.push((o.key, o.s));
    }

    /// `idx == 0` (either way round) on a name of the innermost loop's item: true on one
    /// iteration.
    fn one_iteration(&self, cond: &syn::Expr) -> bool {
        let syn::Expr::Binary(b) = peel(cond) else {
            return false;
        };
        if !matches!(b.op, syn::BinOp::Eq(_)) {
            return false;
        }
        let item = |e: &syn::Expr| {
            matches!(peel(e), syn::Expr::Path(p) if p.path.get_ident().is_some_and(|i| {
                self.open.last().is_some_and(|o| o.s.item.contains(&i.to_string()))
            }))
        };
        let literal = |e: &syn::Expr| matches!(peel(e), syn::Expr::Lit(_));
        (item(&b.left) && literal(&b.right)) || (literal(&b.left) && item(&b.right))
    }

    fn innermost(&mut self) -> Option<&mut Open> {
        self.open.last_mut()
    }

    /// Is the current node at the innermost loop's own level (not in a closure)?
    fn own_level(&self) -> bool {
        self.open.last().is_some_and(|o| o.closures == 0)
    }

    fn begin_work(&mut self, e: &syn::Expr, id: usize, kind: WorkKind) {
        let Some(o) = self.open.last_mut() else {
            return;
        };
        let item = &o.s.item;
        let collects_item = matches!(kind, WorkKind::Await) && collects(e, item);
        let serves = matches!(kind, WorkKind::Spawn(..)) && serves_connections(e);
        let work = Work {
            id,
            span: e.span(),
            head: head(e),
            kind,
            reads: HashSet::new(),
            callees: callees(e),
            mut_places: Vec::new(),
            by_name: Vec::new(),
            receiver: receiver(e),
            concurrent: false,
            nested_await: false,
            borrows_item: false,
            collects_item,
            item_does_work: method_of_item(e, item) || serves,
            discarded: false,
            independent: false,
        };
        o.works.push(work);
        let index = o.works.len() - 1;
        let depth = self.open.len() - 1;
        self.collectors.push(Collector::Work(depth, index));
    }

    fn end_work(&mut self) {
        self.collectors.pop();
    }

    /// Apply `f` to every piece of work being collected (the node is inside each).
    fn each_work(&mut self, mut f: impl FnMut(&mut Work)) {
        for c in &self.collectors {
            if let Collector::Work(d, i) = c {
                if let Some(w) = self.open.get_mut(*d).and_then(|o| o.works.get_mut(*i)) {
                    f(w);
                }
            }
        }
    }

    fn read(&mut self, name: String) {
        if self.collectors.is_empty() {
            return;
        }
        for c in &mut self.collectors {
            if let Collector::Binding(reads) = c {
                reads.insert(name.clone());
            }
        }
        self.each_work(|w| {
            w.reads.insert(name.clone());
        });
    }

    /// Bind `names` (a pattern's) from an initializer visited by `init`: they are derived
    /// from the item if the initializer reads a derived name.
    fn bind(&mut self, names: Vec<String>, init: impl FnOnce(&mut Self)) {
        self.collectors.push(Collector::Binding(HashSet::new()));
        init(self);
        let Some(Collector::Binding(reads)) = self.collectors.pop() else {
            return;
        };
        self.bound(names, reads);
    }

    /// Record a binding: derived from the item if it reads a derived name.
    fn bound(&mut self, names: Vec<String>, reads: HashSet<String>) {
        for o in &mut self.open {
            o.declared.extend(names.iter().cloned());
        }
        if let Some(o) = self.innermost() {
            if reads.iter().any(|r| o.s.derived.contains(r)) {
                o.s.derived.extend(names.iter().cloned());
            }
            o.bindings.push((names, reads));
        }
    }

    fn mark_all(&mut self, f: impl Fn(&mut LoopSummary)) {
        for o in &mut self.open {
            f(&mut o.s);
        }
    }

    /// A `?` (or a `return Err(..)`) leaves the loops up to the nearest closure boundary.
    fn mark_try(&mut self) {
        for o in self.open.iter_mut().rev() {
            if o.closures > 0 {
                break;
            }
            o.s.has_try = true;
        }
    }

    /// A `return` (`label: None, all: true`) or `break` leaves the loops up to the nearest
    /// closure boundary, or up to the labelled one.
    fn exit(&mut self, label: Option<String>, all: bool) {
        for o in self.open.iter_mut().rev() {
            if o.closures > 0 {
                return;
            }
            o.s.exits = true;
            let target = match &label {
                Some(l) => o.label.as_ref() == Some(l),
                None => !all,
            };
            if target {
                return;
            }
        }
    }

    fn check_call_name(&mut self, name: &str) {
        if sequencing::PACING_WORDS
            .iter()
            .any(|w| name_has_word(name, w))
        {
            self.mark_all(|s| s.paced = true);
        }
    }

    fn is_batch(&self, path: &syn::Path) -> bool {
        let Some(last) = path.segments.last() else {
            return false;
        };
        join::BATCH_CALLS
            .iter()
            .any(|t| last.ident == crate::semantic::known::last_segment(t))
            && self.cx.is(path, join::BATCH_CALLS) != Tri::No
    }

    fn start_kind(&self, e: &syn::Expr) -> Option<WorkKind> {
        // Cheap first: only a spawn (a call, or a method named so) or a push starts work.
        let named = |i: &proc_macro2::Ident| {
            i == "push" || i == "spawn" || i == "spawn_local" || i == "spawn_blocking"
        };
        let candidate = match e {
            syn::Expr::Call(c) => match &*c.func {
                // Resolved: `use tokio::spawn as go;` is a spawn too.
                syn::Expr::Path(_) => true,
                _ => false,
            },
            syn::Expr::MethodCall(m) => named(&m.method),
            _ => false,
        };
        if !candidate {
            return None;
        }
        // A spawn on a field judged by the crate's field declarations (`self.exec.spawn(..)`,
        // `Spawn::unless`) is left to the set checks below.
        if let Some(spawn) = super::calls::spawn_call(self.cx, e).filter(|s| s.unless.is_none()) {
            return Some(WorkKind::Spawn(spawn.written, spawn.flavor));
        }
        let syn::Expr::MethodCall(m) = e else {
            return None;
        };
        let root = root_ident(&m.receiver)?;
        let kind = *self.mutables?.sets.get(&root)?;
        match (m.method.to_string().as_str(), kind) {
            ("push", "FuturesUnordered" | "FuturesOrdered") => Some(WorkKind::Push(root, kind)),
            ("spawn" | "spawn_blocking" | "spawn_local", "JoinSet") => {
                Some(WorkKind::Push(root, kind))
            }
            _ => None,
        }
    }
}

impl<'ast> Visit<'ast> for Walker<'_, '_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        let start = match e {
            syn::Expr::Call(_) | syn::Expr::MethodCall(_)
                if self.own_level()
                    && self.open.last().is_some_and(|o| o.summarized)
                    && e as *const syn::Expr as usize != self.awaited_base =>
            {
                self.start_kind(e)
            }
            _ => None,
        };
        match start {
            Some(kind) => {
                self.begin_work(e, e as *const syn::Expr as usize, kind);
                syn::visit::visit_expr(self, e);
                self.end_work();
            }
            None => syn::visit::visit_expr(self, e),
        }
    }

    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        if self.once > 0 {
            // Awaited on one iteration only: no per-item wait.
            return syn::visit::visit_expr_await(self, a);
        }
        self.awaited_base = peel(&a.base) as *const syn::Expr as usize;
        if let syn::Expr::MethodCall(m) = peel(&a.base) {
            self.awaited_method = m as *const syn::ExprMethodCall as usize;
        }
        self.mark_all(|s| s.awaits_any = true);
        let item_work = self
            .open
            .last()
            .is_some_and(|o| method_of_item(peel(&a.base), &o.s.item));
        self.each_work(|w| {
            w.nested_await = true;
            w.item_does_work |= item_work;
        });
        if self.own_level() {
            self.begin_work(
                &a.base,
                a as *const syn::ExprAwait as usize,
                WorkKind::Await,
            );
            syn::visit::visit_expr_await(self, a);
            self.end_work();
        } else {
            syn::visit::visit_expr_await(self, a);
        }
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        if let Some(o) = self.innermost() {
            o.closures += 1;
        }
        syn::visit::visit_expr_closure(self, c);
        if let Some(o) = self.innermost() {
            o.closures -= 1;
        }
    }

    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        if let Some(o) = self.innermost() {
            o.closures += 1;
        }
        syn::visit::visit_expr_async(self, a);
        if let Some(o) = self.innermost() {
            o.closures -= 1;
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        // The iterator belongs to the enclosing loop; the body is the nested loop's.
        self.visit_expr(&l.expr);
        let key = l as *const syn::ExprForLoop as usize;
        self.open_loop(key, pat_idents(&l.pat), label(&l.label), true);
        self.visit_block(&l.body);
        self.close_loop();
    }

    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.open_loop(0, Vec::new(), label(&l.label), false);
        self.visit_expr(&l.cond);
        self.visit_block(&l.body);
        self.close_loop();
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.open_loop(0, Vec::new(), label(&l.label), false);
        self.visit_block(&l.body);
        self.close_loop();
    }

    fn visit_expr_yield(&mut self, y: &'ast syn::ExprYield) {
        self.mark_all(|s| s.yields = true);
        syn::visit::visit_expr_yield(self, y);
    }

    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        self.exit(b.label.as_ref().map(|l| l.ident.to_string()), false);
        syn::visit::visit_expr_break(self, b);
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        // `return Err(e.into())` on the error path is a `?` written out: the loop still walks
        // every item when nothing fails. Any other `return` ends the walk early.
        let error_path = self.error_paths > 0
            || matches!(r.expr.as_deref().map(peel), Some(syn::Expr::Call(c))
                if matches!(&*c.func, syn::Expr::Path(p)
                    if p.path.segments.last().is_some_and(|s| s.ident == "Err")));
        if error_path {
            self.mark_try();
        } else {
            self.exit(None, true);
        }
        syn::visit::visit_expr_return(self, r);
    }

    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        self.mark_try();
        syn::visit::visit_expr_try(self, t);
    }

    fn visit_stmt(&mut self, st: &'ast syn::Stmt) {
        // `x.f(..).await?;` or `let _ = x.f(..).await;`: the result is not used.
        let thrown = match st {
            syn::Stmt::Expr(e, _) => Some(e),
            syn::Stmt::Local(l) if matches!(l.pat, syn::Pat::Wild(_)) => {
                l.init.as_ref().map(|i| &*i.expr)
            }
            _ => None,
        };
        if let Some(mut e) = thrown {
            if let syn::Expr::Try(t) = e {
                e = &t.expr;
            }
            if let syn::Expr::Await(a) = e {
                if self.own_level() {
                    if let Some(o) = self.innermost() {
                        o.discarded.insert(a as *const syn::ExprAwait as usize);
                    }
                }
            }
        }
        syn::visit::visit_stmt(self, st);
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        for a in &l.attrs {
            self.visit_attribute(a);
        }
        let names = pat_idents(&l.pat);
        if let Some(init) = &l.init {
            self.note_alias(&names, &init.expr);
            // `let guard = state.lock().await;`: a guard held for the rest of the iteration.
            if self.own_level() && takes_lock(&init.expr) {
                let outer = root_ident(&init.expr).is_some_and(|root| {
                    self.open.last().is_some_and(|o| {
                        !o.declared.contains(&root) && !o.s.derived.contains(&root)
                    })
                });
                if outer {
                    if let Some(o) = self.innermost() {
                        o.s.holds_lock = true;
                    }
                }
            }
            self.bind(names, |w| {
                w.visit_expr(&init.expr);
            });
            if let Some((_, diverge)) = &init.diverge {
                // `let Ok(x) = .. else { return .. }`: the else is the error path.
                let error = matches_success(&l.pat);
                self.error_paths += usize::from(error);
                self.visit_expr(diverge);
                self.error_paths -= usize::from(error);
            }
        } else {
            for o in &mut self.open {
                o.declared.extend(names.iter().cloned());
            }
        }
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        // `if let Some(x) = derived(item)`, `while let ..`
        let names = pat_idents(&l.pat);
        self.note_alias(&names, &l.expr);
        self.bind(names, |w| w.visit_expr(&l.expr));
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        let mut reads = HashSet::new();
        self.collectors.push(Collector::Binding(HashSet::new()));
        self.visit_expr(&m.expr);
        if let Some(Collector::Binding(r)) = self.collectors.pop() {
            reads = r;
        }
        for arm in &m.arms {
            self.bound(pat_idents(&arm.pat), reads.clone());
            if let Some((_, g)) = &arm.guard {
                self.visit_expr(g);
            }
            let error = matches_error(&arm.pat);
            self.error_paths += usize::from(error);
            self.visit_expr(&arm.body);
            self.error_paths -= usize::from(error);
        }
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        // `if let Err(e) = res { return .. }`
        let error = matches!(&*i.cond, syn::Expr::Let(l) if matches_error(&l.pat));
        self.visit_expr(&i.cond);
        let once = self.one_iteration(&i.cond);
        self.error_paths += usize::from(error);
        self.once += usize::from(once);
        self.visit_block(&i.then_branch);
        self.once -= usize::from(once);
        self.error_paths -= usize::from(error);
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Some(r) = root_ident(&a.left) {
            for o in &mut self.open {
                o.assigned.insert(r.clone());
            }
        }
        syn::visit::visit_expr_assign(self, a);
    }

    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if is_compound_assign(&b.op) {
            if let Some(r) = root_ident(&b.left) {
                for o in &mut self.open {
                    o.assigned.insert(r.clone());
                }
            }
        }
        syn::visit::visit_expr_binary(self, b);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.qself.is_none() && p.path.segments.len() == 1 {
            self.read(p.path.segments[0].ident.to_string());
        }
        syn::visit::visit_expr_path(self, p);
    }

    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        if f.colon_token.is_none() {
            if let syn::Member::Named(n) = &f.member {
                self.read(n.to_string());
            }
        }
        syn::visit::visit_field_value(self, f);
    }

    fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
        if r.mutability.is_some() && is_place(&r.expr) {
            if let Some(root) = root_ident(&r.expr) {
                self.each_work(|w| w.mut_places.push(root.clone()));
            }
        }
        if let Some(root) = root_ident(&r.expr) {
            if self.open.last().is_some_and(|o| o.s.item.contains(&root)) {
                self.each_work(|w| w.borrows_item = true);
            }
        }
        syn::visit::visit_expr_reference(self, r);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                self.check_call_name(&last.ident.to_string());
            }
            if self.is_batch(&p.path) {
                self.each_work(|w| w.concurrent = true);
            }
        }
        self.note_by_name(c.args.iter());
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        self.check_call_name(&name);
        // `seen.push(url)`: a collection changed in place is state carried to the next
        // iteration, as `seen = ..` would be.
        if sequencing::COLLECTION_MUTATORS.contains(&name.as_str())
            && is_place(peel(&m.receiver))
            && m as *const syn::ExprMethodCall as usize != self.awaited_method
        {
            if let Some(r) = root_ident(&m.receiver) {
                for o in &mut self.open {
                    o.assigned.insert(r.clone());
                }
            }
        }
        if matches!(name.as_str(), "push" | "push_back" | "drain") {
            if let Some(root) = root_ident(&m.receiver) {
                let drain = name == "drain";
                self.mark_all(|s| {
                    if drain {
                        s.drained.insert(root.clone());
                    } else {
                        s.pushed.insert(root.clone());
                    }
                });
            }
        }
        let bounded = join::BOUNDED_STREAM_METHODS.contains(&name.as_str());
        let slot = join::SLOT_WAITS.contains(&name.as_str());
        if slot {
            // A wait in a nested loop (`while sem.try_acquire().is_err() { .. }`) holds up
            // every enclosing iteration too.
            self.mark_all(|s| s.waits_for_slot = true);
        }
        let permit = slot && !matches!(name.as_str(), "next" | "try_next");
        let receiver_place = is_place(peel(&m.receiver));
        let root = root_ident(&m.receiver);
        let on_item = receiver_place
            && root
                .as_ref()
                .is_some_and(|r| self.open.last().is_some_and(|o| o.s.item.contains(r)));
        let exclusive = receiver_place
            && matches!(
                name.as_str(),
                "as_mut" | "as_deref_mut" | "get_mut" | "borrow_mut" | "by_ref"
            );
        if bounded || permit || on_item || exclusive {
            self.each_work(|w| {
                w.concurrent |= bounded || permit;
                w.borrows_item |= on_item;
                if exclusive {
                    if let Some(r) = &root {
                        w.mut_places.push(r.clone());
                    }
                }
            });
        }
        self.note_by_name(m.args.iter());
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let name = super::macros::macro_name(m);
        // A test checks its results in order; elsewhere an assertion checks an input.
        if (name.starts_with("assert") || name.starts_with("debug_assert"))
            && self.cx.in_test_code()
        {
            self.mark_all(|s| s.asserts = true);
        }
        if self.is_batch(&m.path) {
            self.each_work(|w| w.concurrent = true);
        }
        let mut idents = HashSet::new();
        super::dataflow::collect_token_idents(&m.tokens, &mut idents);
        if idents.contains("return") {
            self.exit(None, true);
        } else if idents.contains("break") {
            self.exit(None, false);
        }
        if idents
            .iter()
            .any(|i| join::SLOT_WAITS.contains(&i.as_str()))
        {
            self.mark_all(|s| s.waits_for_slot = true);
        }
        if idents
            .iter()
            .any(|i| sequencing::PACING_WORDS.iter().any(|w| name_has_word(i, w)))
        {
            self.mark_all(|s| s.paced = true);
        }
        for i in idents {
            self.read(i);
        }
    }
}

impl Walker<'_, '_> {
    /// `let c = &mut *tx;`, `if let Some(s) = self.servers.get(a)` in a `&mut self` method: a
    /// name borrowed from an exclusive handle of the enclosing scope is that handle.
    fn note_alias(&mut self, names: &[String], init: &syn::Expr) {
        let Some(o) = self.open.last() else { return };
        let outer = |r: &String| !o.declared.contains(r) && !o.s.item.contains(r);
        let alias = match init {
            syn::Expr::Reference(r) if r.mutability.is_some() && is_place(&r.expr) => {
                root_ident(&r.expr).is_some_and(|root| outer(&root))
            }
            _ if borrows_in_place(init) => root_ident(init).is_some_and(|root| {
                o.aliases.contains(&root)
                    || (outer(&root)
                        && self.mutables.is_some_and(|m| {
                            (root == "self" && m.self_mut) || m.mut_refs.contains(&root)
                        }))
            }),
            _ => false,
        };
        if alias {
            if let Some(o) = self.innermost() {
                o.aliases.extend(names.iter().cloned());
            }
        }
    }

    fn note_by_name<'e>(&mut self, args: impl Iterator<Item = &'e syn::Expr>) {
        let names: Vec<String> = args
            .filter_map(|a| match a {
                syn::Expr::Path(p) if p.qself.is_none() => {
                    p.path.get_ident().map(|i| i.to_string())
                }
                _ => None,
            })
            .collect();
        if names.is_empty() {
            return;
        }
        self.each_work(|w| w.by_name.extend(names.iter().cloned()));
    }
}

// ---- shapes of one expression (no walk) ----------------------------------------------------

/// A variable, a field of one, or an index into one (not a value computed by a call).
pub fn is_place(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Path(p) => p.path.segments.len() == 1,
        syn::Expr::Field(f) => is_place(&f.base),
        syn::Expr::Index(i) => is_place(&i.expr),
        syn::Expr::Paren(p) => is_place(&p.expr),
        syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)) && is_place(&u.expr),
        syn::Expr::Reference(r) => is_place(&r.expr),
        _ => false,
    }
}

/// A borrow into a place (`self.servers.get(a)`, `&mut self.conns[i]`, `tx.as_mut()`): a chain
/// of fields, indexes and method calls on a place, with no `.await` (an awaited result is owned).
fn borrows_in_place(e: &syn::Expr) -> bool {
    let mut e = peel(e);
    loop {
        match e {
            syn::Expr::MethodCall(m) => e = peel(&m.receiver),
            syn::Expr::Try(t) => e = peel(&t.expr),
            syn::Expr::Field(f) => e = peel(&f.base),
            syn::Expr::Index(i) => e = peel(&i.expr),
            syn::Expr::Unary(u) => e = peel(&u.expr),
            syn::Expr::Path(p) => return p.path.segments.len() == 1,
            _ => return false,
        }
    }
}

/// The place a method chain hangs on and the method called on it: walking `a.b(x).c(y)` from
/// the outside in, the first call whose receiver is a place.
fn receiver(e: &syn::Expr) -> Option<(String, String)> {
    let mut e = peel(e);
    loop {
        match e {
            syn::Expr::MethodCall(m) => {
                let r = peel(&m.receiver);
                if is_place(r) {
                    return Some((root_ident(r)?, m.method.to_string()));
                }
                e = r;
            }
            syn::Expr::Try(t) => e = peel(&t.expr),
            syn::Expr::Await(a) => e = peel(&a.base),
            _ => return None,
        }
    }
}

/// The fn and method names along a chain.
fn callees(e: &syn::Expr) -> Vec<String> {
    let mut out = Vec::new();
    let mut e = peel(e);
    loop {
        match e {
            syn::Expr::MethodCall(m) => {
                out.push(m.method.to_string());
                e = peel(&m.receiver);
            }
            syn::Expr::Call(c) => {
                if let Some(n) = super::dataflow::call_name(c) {
                    out.push(n);
                }
                return out;
            }
            syn::Expr::Try(t) => e = peel(&t.expr),
            syn::Expr::Await(a) => e = peel(&a.base),
            _ => return out,
        }
    }
}

fn head(e: &syn::Expr) -> Head {
    match peel(e) {
        syn::Expr::Call(c) => Head::Call(c.func.span()),
        syn::Expr::MethodCall(m) => Head::Method(m.method.to_string()),
        syn::Expr::Try(t) => head(&t.expr),
        _ => Head::Other,
    }
}

/// `h.await`, `task.join().await`, `rx.recv().await` on the item: the work already runs.
fn collects(base: &syn::Expr, item: &HashSet<String>) -> bool {
    let is_item =
        |e: &syn::Expr| root_ident(e).is_some_and(|r| item.contains(&r)) && is_place(peel(e));
    match peel(base) {
        e @ (syn::Expr::Path(_) | syn::Expr::Field(_)) => is_item(e),
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            is_item(&m.receiver)
                && sequencing::ITEM_WAITS
                    .iter()
                    .any(|w| name == *w || name_has_word(&name, w))
        }
        _ => false,
    }
}

/// `state.lock()`, `cache.write().await`, `m.lock().unwrap()`: a zero-argument lock method on
/// a place (through `.await`, `?`, `unwrap`/`expect`).
fn takes_lock(e: &syn::Expr) -> bool {
    let mut e = peel(e);
    loop {
        match e {
            syn::Expr::Await(a) => e = peel(&a.base),
            syn::Expr::Try(t) => e = peel(&t.expr),
            syn::Expr::MethodCall(m)
                if matches!(m.method.to_string().as_str(), "unwrap" | "expect") =>
            {
                e = peel(&m.receiver)
            }
            syn::Expr::MethodCall(m) => {
                return m.args.is_empty()
                    && sequencing::LOCK_METHODS.contains(&m.method.to_string().as_str())
                    && is_place(peel(&m.receiver));
            }
            _ => return false,
        }
    }
}

fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// `let h = tokio::spawn(..);` in a loop body, then `h.abort()` or `h.await` later in the same
/// iteration (not in a closure or async block): the task ends before the next one starts, so
/// at most one runs at a time. `spawn` is the span of the spawn call.
pub fn handle_ended_in_iteration(cx: &Cx, body: &syn::Block, spawn: proc_macro2::Span) -> bool {
    // The `let` of the body holding the spawn: `let h = spawn(..)`, or a pattern bound from
    // branches that make it (`let (client, h) = match proto { .. spawn(bg) .. }`).
    let Some(i) = stmt_holding(cx, body, spawn) else {
        return false;
    };
    let syn::Stmt::Local(l) = &body.stmts[i] else {
        return false;
    };
    struct Ends {
        names: Vec<String>,
        found: bool,
    }
    impl Ends {
        fn is_handle(&self, e: &syn::Expr) -> bool {
            matches!(peel(e), syn::Expr::Path(p)
                if p.path.get_ident().is_some_and(|i| self.names.iter().any(|n| i == n)))
        }
    }
    impl<'ast> Visit<'ast> for Ends {
        fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
            self.found |= self.is_handle(&a.base);
            syn::visit::visit_expr_await(self, a);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.found |= super::known::handles::ABORTS.iter().any(|a| m.method == a)
                && self.is_handle(&m.receiver);
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = Ends {
        names: super::dataflow::pat_idents(&l.pat),
        found: false,
    };
    body.stmts[i + 1..].iter().for_each(|s| v.visit_stmt(s));
    v.found
}

/// `let listener = TcpListener::bind(addr).await?;` in a loop body, then a spawn (at `spawn`)
/// that takes the listener: a task per configured listener is a server, one of the program's
/// parts, whatever fn of the crate runs its accept loop.
pub fn serves_bound_listener(cx: &Cx, body: &syn::Block, spawn: proc_macro2::Span) -> bool {
    fn binds(e: &syn::Expr) -> bool {
        match peel(e) {
            syn::Expr::Try(t) => binds(&t.expr),
            syn::Expr::Await(a) => binds(&a.base),
            syn::Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
                binds(&m.receiver)
            }
            // `match TcpListener::bind(addr).await { Ok(l) => l, Err(e) => continue }`
            syn::Expr::Match(m) => binds(&m.expr),
            syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p)
            if p.path.segments.len() >= 2
                && p.path.segments.last().is_some_and(|s| {
                    super::known::join::SOCKET_BINDS.iter().any(|b| s.ident == b)
                })),
            _ => false,
        }
    }
    let listeners: Vec<String> = body
        .stmts
        .iter()
        .filter_map(|s| match s {
            syn::Stmt::Local(l) => match (&l.pat, &l.init) {
                (syn::Pat::Ident(p), Some(init)) if binds(&init.expr) => Some(p.ident.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if listeners.is_empty() {
        return false;
    }
    let used = match stmt_holding(cx, body, spawn).map(|i| &body.stmts[i]) {
        Some(syn::Stmt::Local(l)) => l
            .init
            .as_ref()
            .map(|i| super::dataflow::names_used_in_expr(&i.expr)),
        Some(syn::Stmt::Expr(e, _)) => Some(super::dataflow::names_used_in_expr(e)),
        _ => None,
    };
    used.is_some_and(|u| u.iter().any(|n| listeners.contains(n)))
}

/// The index of the statement of a loop body that holds the node at `span`.
fn stmt_holding(cx: &Cx, body: &syn::Block, span: proc_macro2::Span) -> Option<usize> {
    let at = cx.span(span);
    body.stmts.iter().position(|s| {
        let s = cx.span_of(s);
        s.byte_start <= at.byte_start && at.byte_end <= s.byte_end
    })
}

/// The future handed to the spawn call at `spawn` in a loop body (`tokio::spawn(fut)`,
/// `set.spawn(fut)`), and the statements of the body before the one holding it.
pub fn spawned_at<'b>(
    cx: &Cx,
    body: &'b syn::Block,
    spawn: proc_macro2::Span,
) -> Option<(&'b syn::Expr, &'b [syn::Stmt])> {
    struct Find<'c, 'a, 'b> {
        cx: &'c Cx<'a>,
        at: crate::diagnostic::Span,
        found: Option<&'b syn::Expr>,
    }
    impl<'b> Visit<'b> for Find<'_, '_, 'b> {
        fn visit_expr(&mut self, e: &'b syn::Expr) {
            if self.found.is_some() {
                return;
            }
            let args = match e {
                syn::Expr::Call(c) => Some(&c.args),
                syn::Expr::MethodCall(m) => Some(&m.args),
                _ => None,
            };
            if let Some(args) = args {
                let s = self.cx.span_of(e);
                if s.byte_start == self.at.byte_start && s.byte_end == self.at.byte_end {
                    self.found = args.first();
                    return;
                }
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let i = stmt_holding(cx, body, spawn)?;
    let mut f = Find {
        cx,
        at: cx.span(spawn),
        found: None,
    };
    f.visit_stmt(&body.stmts[i]);
    f.found.map(|e| (e, &body.stmts[..i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_at_underscore_boundaries() {
        assert!(name_has_word("sleep", "sleep"));
        assert!(name_has_word("sleep_until", "sleep"));
        assert!(name_has_word("check_rate_limit", "rate_limit"));
        assert!(name_has_word("Tick", "tick"));
        assert!(!name_has_word("sleepy", "sleep"));
        assert!(!name_has_word("ticket", "tick"));
        assert!(!name_has_word("", "tick"));
    }

    #[test]
    fn closures_that_only_collect_running_work() {
        let c = |s: &str| match syn::parse_str::<syn::Expr>(s).unwrap() {
            syn::Expr::Closure(c) => c,
            _ => unreachable!(),
        };
        assert!(closure_awaits_item(&c(
            "|(_, rx)| async { convert(rx.await) }"
        )));
        assert!(closure_awaits_item(&c(
            "|rx| async move { let r = rx.await; Ok::<_, E>(r?) }"
        )));
        assert!(!closure_awaits_item(&c(
            "|rx| async move { client.get(rx.await?).await }"
        )));
        assert!(!closure_awaits_item(&c("|id| client.get(id)")));
    }

    #[test]
    fn items_that_do_the_work() {
        let e = |s: &str| syn::parse_str::<syn::Expr>(s).unwrap();
        assert!(closure_calls_item(&e("|n| n.ping()")));
        assert!(closure_calls_item(&e("|s| async move { s.send(m).await }")));
        assert!(!closure_calls_item(&e("|id| client.fetch(id)")));
        assert!(!closure_calls_item(&e("|id| fetch(id)")));
    }
}
