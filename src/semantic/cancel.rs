//! Cancellation in `select!`: what a branch future loses when another branch wins (partial
//! I/O, a sent value, a queue place, or a same-crate `async fn` awaiting one), and whether the
//! other branches leave the loop. Everything here looks only at the nodes it is handed (a
//! `select!`'s parsed branches, one awaited expression).

use super::dataflow::peel;
use super::facts::{method_key, use_key, Condition};
use super::known::cancel as k;
use super::{Cx, Frame};

/// What a dropped branch future loses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Bytes read or written so far.
    PartialIo,
    /// The value handed to it.
    Value,
    /// Its place in a fair queue (nothing else).
    QueuePlace,
    /// A same-crate `async fn` awaiting a [`Loss::PartialIo`] or [`Loss::Value`] operation.
    Wrapped,
}

/// A cancel-unsafe operation raced as a branch future.
pub struct BranchOp<'a> {
    pub loss: Loss,
    /// The call that makes the future (inside adapters such as `.fuse()`).
    pub call: &'a syn::Expr,
    /// The operation's name (`read_exact`, `read_frame`).
    pub name: String,
    /// For [`Loss::Wrapped`]: the crate must confirm the callee awaits such an operation.
    pub unless: Vec<Condition>,
}

/// Is the current code inside a loop of its own body (not one enclosing a closure or async
/// block it belongs to)?
pub fn in_loop(frames: &[Frame]) -> bool {
    for f in frames.iter().rev() {
        match f {
            Frame::Loop { .. } => return true,
            Frame::Fn { .. } | Frame::Closure { .. } | Frame::AsyncBlock => return false,
            _ => {}
        }
    }
    false
}

/// The future of a branch inside the adapters that only wrap it (`.fuse()`, `.boxed()`,
/// `Box::pin(..)`), and parentheses.
pub fn branch_call(e: &syn::Expr) -> &syn::Expr {
    let mut e = e;
    loop {
        match e {
            syn::Expr::Paren(p) => e = &p.expr,
            syn::Expr::Group(g) => e = &g.expr,
            syn::Expr::MethodCall(m) if k::BRANCH_ADAPTERS.iter().any(|a| m.method == a) => {
                e = &m.receiver
            }
            syn::Expr::Call(c) if c.args.len() == 1 && is_box_pin(&c.func) => e = &c.args[0],
            // `timeout(d, s.read_exact(..))`: the deadline owns the read, and drops it with
            // itself when another branch wins.
            syn::Expr::Call(c) if c.args.len() == 2 && is_timeout_call(&c.func) => e = &c.args[1],
            _ => return e,
        }
    }
}

/// `timeout(d, fut)` / `tokio::time::timeout(d, fut)` (by name: the wrapper's last segment).
fn is_timeout_call(f: &syn::Expr) -> bool {
    matches!(f, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| {
        super::known::handles::TIMEOUT_FNS
            .iter()
            .any(|t| s.ident == super::known::last_segment(t))
    }))
}

fn is_box_pin(f: &syn::Expr) -> bool {
    let syn::Expr::Path(p) = f else { return false };
    let s: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    s.len() >= 2 && s[s.len() - 2] == "Box" && s[s.len() - 1] == "pin"
}

/// The cancel-unsafe operation a branch future is made from, if it is made fresh by a call
/// (a future held in a variable and polled by `&mut` is not: it resumes where it stopped).
pub fn branch_op<'a>(cx: &Cx, future: &'a syn::Expr, queue_places: bool) -> Option<BranchOp<'a>> {
    let call = branch_call(future);
    match call {
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let n = name.as_str();
            // A semaphore or lock field (`self.permits.acquire()`) by the crate's declarations.
            let mut unless = Vec::new();
            let typed_queue = if k::SEMAPHORE_WAITS.contains(&n) {
                receiver_is(cx, &m.receiver, k::SEMAPHORE_TYPE)
                    || declared(&m.receiver, &mut unless, |f| {
                        Condition::DeclaredAs(f, super::values::ValueKind::Semaphore)
                    })
            } else if k::RWLOCK_WAITS.contains(&n) {
                receiver_is(cx, &m.receiver, k::RWLOCK_TYPE)
                    || receiver_is_lock(cx, &m.receiver)
                    || declared(&m.receiver, &mut unless, |f| {
                        Condition::DeclaredLock(f, super::locks::LockDecl::Other)
                    })
            } else {
                false
            };
            let loss = if k::PARTIAL_IO.contains(&n) {
                Some(Loss::PartialIo)
            } else if k::VALUE_SENDS.contains(&n) && m.args.len() == 1 {
                if value_survives(&m.args[0]) {
                    return None;
                }
                Some(Loss::Value)
            } else if (k::QUEUE_WAITS.contains(&n) && m.args.is_empty()) || typed_queue {
                Some(Loss::QueuePlace)
            } else {
                None
            };
            if let Some(loss) = loss {
                // The fair queues are tokio's (`futures`' and async-std's mutexes document none).
                let fair = k::FAIR_QUEUE_CRATES.iter().any(|c| cx.krate.depends_on(c));
                if loss == Loss::QueuePlace && !(queue_places && fair) {
                    return None;
                }
                return Some(BranchOp {
                    loss,
                    call,
                    name,
                    unless,
                });
            }
            // A same-crate method that awaits one.
            let self_ty = cx.self_type();
            let key = method_key(&m.receiver, cx.exec.locals(), self_ty, n);
            if key.starts_with(super::facts::UNKNOWN_RECEIVER) && k::CANCEL_SAFE.contains(&n) {
                return None;
            }
            Some(BranchOp {
                loss: Loss::Wrapped,
                call,
                name,
                unless: vec![Condition::AwaitsCancelUnsafe(key)],
            })
        }
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = &*c.func else {
                return None;
            };
            let name = p.path.segments.last()?.ident.to_string();
            // `AsyncReadExt::read_exact(&mut s, &mut buf)`: a trait's method called by its path.
            let segs = &p.path.segments;
            let by_trait_path = segs.len() >= 2
                && segs[segs.len() - 2]
                    .ident
                    .to_string()
                    .starts_with(char::is_uppercase);
            if by_trait_path && k::PARTIAL_IO.contains(&name.as_str()) {
                return Some(BranchOp {
                    loss: Loss::PartialIo,
                    call,
                    name,
                    unless: Vec::new(),
                });
            }
            let key = use_key(&p.path, &cx.resolver, cx.file.module_path, cx.self_type());
            Some(BranchOp {
                loss: Loss::Wrapped,
                call,
                name,
                unless: vec![Condition::AwaitsCancelUnsafe(key)],
            })
        }
        // `async { s.read_exact(&mut b).await }`: a block made anew each round, by what it
        // awaits itself.
        syn::Expr::Async(a) => {
            let op = awaited_unsafe_op(&a.block)?;
            let loss = if k::PARTIAL_IO.contains(&op.as_str()) {
                Loss::PartialIo
            } else {
                Loss::Value
            };
            Some(BranchOp {
                loss,
                call,
                name: op,
                unless: Vec::new(),
            })
        }
        _ => None,
    }
}

/// The first partial-I/O or value-losing operation an `async` block awaits in its own body
/// (not in closures or blocks nested in it).
fn awaited_unsafe_op(block: &syn::Block) -> Option<String> {
    use syn::visit::Visit;
    struct Find(Option<String>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
            if self.0.is_none() && awaits_cancel_unsafe(&a.base) {
                if let syn::Expr::MethodCall(m) = branch_call(&a.base) {
                    self.0 = Some(m.method.to_string());
                }
            }
            syn::visit::visit_expr_await(self, a);
        }
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Find(None);
    f.visit_block(block);
    f.0
}

/// A receiver that is a parameter or local of the named type (`sem: &Semaphore`,
/// `let lock = RwLock::new(..)`).
fn receiver_is(cx: &Cx, receiver: &syn::Expr, types: &[&str]) -> bool {
    let Some(ty) = cx.exec.locals().and_then(|l| l.type_of(receiver)) else {
        return false;
    };
    types.iter().any(|t| super::known::last_segment(t) == ty)
}

/// A field or parameter receiver (`self.permits`, `shared.table`, `permits: Arc<Semaphore>`):
/// true, with the condition that the crate's declarations of that name settle.
fn declared(
    receiver: &syn::Expr,
    unless: &mut Vec<Condition>,
    condition: impl FnOnce(String) -> Condition,
) -> bool {
    let name = match peel(receiver) {
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(name) => name.to_string(),
            syn::Member::Unnamed(_) => return false,
        },
        syn::Expr::Path(p) => match p.path.get_ident() {
            Some(id) => id.to_string(),
            None => return false,
        },
        _ => return false,
    };
    unless.push(condition(name));
    true
}

/// A parameter or local declared or built as a lock (`table: &RwLock<T>`,
/// `let t = Arc::new(RwLock::new(..))`): raced as a future, its `read()`/`write()` are an async
/// lock's (a sync lock's return no future).
fn receiver_is_lock(cx: &Cx, receiver: &syn::Expr) -> bool {
    let syn::Expr::Path(p) = peel(receiver) else {
        return false;
    };
    let Some(id) = p.path.get_ident() else {
        return false;
    };
    cx.fn_mutables()
        .is_some_and(|m| m.locks.locals.contains_key(&id.to_string()))
}

/// `tx.send(msg.clone())`, `tx.send(Command::Tick)`, `tx.send(Ping(0))`: what is sent is a copy
/// or a constant made again next round; nothing the loop had is lost.
fn value_survives(arg: &syn::Expr) -> bool {
    match arg {
        syn::Expr::MethodCall(m) => {
            m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "clone" | "to_owned" | "to_string" | "to_vec"
                )
        }
        syn::Expr::Lit(_) => true,
        syn::Expr::Paren(p) => value_survives(&p.expr),
        // A unit variant or constant (`Command::Tick`, `PING`).
        syn::Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident.to_string().starts_with(char::is_uppercase)),
        // A variant or tuple struct of constants (`Message::Ping(Vec::new())`), or a fresh
        // empty value (`Vec::new()`, `String::default()`, `Default::default()`): made again
        // next round.
        syn::Expr::Call(c) => {
            let Some(last) = (match &*c.func {
                syn::Expr::Path(p) => p.path.segments.last(),
                _ => None,
            }) else {
                return false;
            };
            let name = last.ident.to_string();
            // `Arc::clone(&snapshot)`: a copy of the pointer, by its path.
            let path_clone = name == "clone" && c.args.len() == 1;
            (name.starts_with(char::is_uppercase) && c.args.iter().all(value_survives))
                || (c.args.is_empty() && matches!(name.as_str(), "new" | "default"))
                || path_clone
        }
        // `vec![]`: an empty vector; `format!(..)`: a string made again from what the loop
        // still holds.
        syn::Expr::Macro(m) => {
            (m.mac.path.is_ident("vec") && m.mac.tokens.is_empty()) || m.mac.path.is_ident("format")
        }
        // `(id, name.clone())`: a tuple of copies.
        syn::Expr::Tuple(t) => t.elems.iter().all(value_survives),
        // `Beat::Alive { node: 7 }`: a struct variant of constants.
        syn::Expr::Struct(st) => {
            st.rest.is_none() && st.fields.iter().all(|f| value_survives(&f.expr))
        }
        _ => false,
    }
}

/// Does this awaited expression run a partial-I/O or value-losing operation? For the crate-wide
/// fact that an `async fn` wrapping it is not cancel safe either.
pub fn awaits_cancel_unsafe(base: &syn::Expr) -> bool {
    let syn::Expr::MethodCall(m) = branch_call(base) else {
        return false;
    };
    // Compared without allocating: this runs at every `.await` of an `async fn`.
    k::PARTIAL_IO.iter().any(|n| m.method == n)
        || (m.args.len() == 1 && k::VALUE_SENDS.iter().any(|n| m.method == n))
}

/// Does a branch handler leave the loop, so that it never goes round again after this branch
/// wins: it always exits (`break`, `return`, `Err(..)?`, a panic), or it stops the loop by a flag
/// the loop tests (`done = true;`, `token.cancel();`)?
pub fn leaves_loop(e: &syn::Expr) -> bool {
    always_exits(e) || stops_by_flag(e)
}

/// A handler that sets a flag (`running = false;`) or cancels a token: a `while !done`-style
/// loop ends on its next test.
fn stops_by_flag(e: &syn::Expr) -> bool {
    super::dataflow::expr_stmts(e).iter().any(|e| match e {
        syn::Expr::Assign(a) => matches!(
            &*a.right,
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Bool(_),
                ..
            })
        ),
        syn::Expr::MethodCall(m) => m.method == "cancel" && m.args.is_empty(),
        _ => false,
    })
}

fn always_exits(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Break(_) | syn::Expr::Return(_) => true,
        // `Err(e)?`
        syn::Expr::Try(t) => matches!(&*t.expr, syn::Expr::Call(c)
            if matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Err"))),
        syn::Expr::Paren(p) => always_exits(&p.expr),
        syn::Expr::Group(g) => always_exits(&g.expr),
        syn::Expr::Block(b) => block_exits(&b.block),
        syn::Expr::Unsafe(b) => block_exits(&b.block),
        syn::Expr::If(i) => {
            block_exits(&i.then_branch)
                && i.else_branch.as_ref().is_some_and(|(_, e)| always_exits(e))
        }
        syn::Expr::Match(m) => !m.arms.is_empty() && m.arms.iter().all(|a| always_exits(&a.body)),
        syn::Expr::Macro(m) => is_panic_macro(&m.mac),
        syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p)
            if p.path.segments.len() >= 2
                && p.path.segments.last().is_some_and(|s| s.ident == "exit")
                && p.path.segments.iter().any(|s| s.ident == "process")),
        _ => false,
    }
}

fn block_exits(b: &syn::Block) -> bool {
    b.stmts.iter().any(|s| match s {
        syn::Stmt::Expr(e, _) => always_exits(e),
        syn::Stmt::Macro(m) => is_panic_macro(&m.mac),
        _ => false,
    })
}

fn is_panic_macro(m: &syn::Macro) -> bool {
    let name = super::macros::macro_name(m);
    matches!(
        name.as_str(),
        "panic" | "unreachable" | "todo" | "unimplemented" | "bail"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(src: &str) -> syn::Expr {
        syn::parse_str(src).unwrap()
    }

    #[test]
    fn handlers_that_leave_the_loop() {
        for leaves in [
            "break",
            "return Ok(())",
            "{ log(); break; }",
            "{ running = false; }",
            "token.cancel()",
            "Err(e)?",
            "if a { break } else { return }",
            "match x { Some(_) => break, None => panic!() }",
            "std::process::exit(1)",
        ] {
            assert!(leaves_loop(&expr(leaves)), "{leaves}");
        }
        for stays in [
            "{}",
            "continue",
            "{ if a { break } }",
            "{ loop { break; } }",
            "{ for x in xs { break; } }",
            "count = count + 1",
            "handle(x)",
        ] {
            assert!(!leaves_loop(&expr(stays)), "{stays}");
        }
    }

    #[test]
    fn copies_and_constants_survive_a_lost_send() {
        for survives in [
            "m.clone()",
            "name.to_string()",
            "1",
            "Command::Tick",
            "Seq(1)",
            "PING",
            "Message::Ping(Vec::new())",
            "Message::Ping(vec![])",
            "Frame::Empty(Default::default())",
            "Arc::clone(&snapshot)",
            "Beat::Alive { node: 7 }",
            "format!(\"processed {n}\")",
            "(1, name.clone())",
        ] {
            assert!(value_survives(&expr(survives)), "{survives}");
        }
        for lost in [
            "msg",
            "Message::Ping(vec![seq])",
            "Message::Text(Vec::from(line))",
            "pending.take().unwrap()",
            "Seq(n)",
            "(id, msg)",
            "Beat::Data { payload }",
        ] {
            assert!(!value_survives(&expr(lost)), "{lost}");
        }
    }

    #[test]
    fn branch_adapters_are_seen_through() {
        let e = expr("Box::pin(tx.send(n).fuse())");
        assert!(matches!(branch_call(&e), syn::Expr::MethodCall(m) if m.method == "send"));
        assert!(awaits_cancel_unsafe(&expr("s.read_exact(&mut b)")));
        assert!(!awaits_cancel_unsafe(&expr("s.read_buf(&mut b)")));
        assert!(!awaits_cancel_unsafe(&expr("req.send()")));
    }
}
