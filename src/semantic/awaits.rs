//! Where a body awaits: its own `.await`s versus those of nested async blocks and closures.

use super::macros::tokens_contain_await;
use syn::visit::Visit;

/// The awaits of one fn body.
#[derive(Debug, Default, Clone)]
pub struct AwaitSummary {
    /// `.await`s that suspend this body itself.
    pub own: usize,
    /// Macro calls of this body whose tokens contain `.await` (`select!`, `join!`, ...).
    pub in_macros: usize,
    /// `.await`s inside async blocks or closures created in this body (their own futures).
    pub nested: Vec<proc_macro2::Span>,
    /// Names of other macros called by this body itself: a `macro_rules!` of the crate may
    /// expand to an `.await` (checked against crate-wide facts).
    pub macros: Vec<String>,
}

/// Macros that await by themselves: `tokio::select!`, `join!`, `try_join!` (tokio and futures).
pub fn is_awaiting_macro(name: &str) -> bool {
    matches!(name, "select" | "select_biased" | "join" | "try_join")
}

impl AwaitSummary {
    pub fn of_block(block: &syn::Block) -> AwaitSummary {
        let mut v = AwaitVisitor {
            depth: 0,
            summary: AwaitSummary::default(),
        };
        v.visit_block(block);
        v.summary
    }

    pub fn awaits(&self) -> bool {
        self.own > 0 || self.in_macros > 0
    }
}

struct AwaitVisitor {
    /// How many async blocks / closures we are inside.
    depth: usize,
    summary: AwaitSummary,
}

impl<'ast> Visit<'ast> for AwaitVisitor {
    fn visit_expr_await(&mut self, e: &'ast syn::ExprAwait) {
        if self.depth == 0 {
            self.summary.own += 1;
        } else {
            self.summary.nested.push(e.await_token.span);
        }
        syn::visit::visit_expr_await(self, e);
    }

    fn visit_expr_async(&mut self, e: &'ast syn::ExprAsync) {
        self.depth += 1;
        syn::visit::visit_expr_async(self, e);
        self.depth -= 1;
    }

    fn visit_expr_closure(&mut self, e: &'ast syn::ExprClosure) {
        self.depth += 1;
        syn::visit::visit_expr_closure(self, e);
        self.depth -= 1;
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let name = super::macros::macro_name(m);
        if is_awaiting_macro(&name) || tokens_contain_await(&m.tokens) {
            if self.depth == 0 {
                self.summary.in_macros += 1;
            } else {
                self.summary.nested.push(m.path.segments[0].ident.span());
            }
        } else if self.depth == 0 && !self.summary.macros.contains(&name) {
            self.summary.macros.push(name);
        }
    }

    // Items nested in the body (fns, impls) are separate bodies.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Does a block await only work its loop item already runs (`child.wait().await`,
/// `handle.await`, `task.join().await?`)? Then a future of it starts nothing new. At least one
/// await, none in a macro.
pub fn only_items_work(block: &syn::Block, items: &[String]) -> bool {
    struct V<'i> {
        items: &'i [String],
        awaits: usize,
        other: bool,
    }
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
            self.awaits += 1;
            let on_item = match super::dataflow::peel(&a.base) {
                syn::Expr::MethodCall(m) => super::dataflow::root_ident(&m.receiver),
                e @ (syn::Expr::Path(_) | syn::Expr::Field(_)) => super::dataflow::root_ident(e),
                _ => None,
            };
            if !on_item.is_some_and(|r| self.items.contains(&r)) {
                self.other = true;
            }
            syn::visit::visit_expr_await(self, a);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if tokens_contain_await(&m.tokens) {
                self.other = true;
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V {
        items,
        awaits: 0,
        other: false,
    };
    v.visit_block(block);
    v.awaits > 0 && !v.other
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(src: &str) -> AwaitSummary {
        let f: syn::ItemFn = syn::parse_str(src).unwrap();
        AwaitSummary::of_block(&f.block)
    }

    #[test]
    fn own_nested_and_macro_awaits() {
        let s = summary("async fn f() { a().await; let b = async { c().await }; }");
        assert_eq!((s.own, s.nested.len()), (1, 1));
        let s = summary("async fn f() { tokio::select! { _ = a() => {} } }");
        assert_eq!((s.own, s.in_macros), (0, 1));
        let s = summary("async fn f() { my_macro!(x); }");
        assert_eq!((s.own, s.in_macros, s.macros.len()), (0, 0, 1));
        let s = summary("async fn f() { assert_eq!(a().await, 1); }");
        assert_eq!((s.own, s.in_macros), (0, 1));
        let s = summary(
            "async fn f() { async fn g() { a().await } let c = |x| async move { x.await }; }",
        );
        assert_eq!((s.own, s.nested.len()), (0, 1));
    }
}
