//! The named items of one file (fns, mods, impls, traits, methods, consts, statics) with their
//! line ranges, recorded by the engine's walk, to name a finding's enclosing item: baselines and
//! SARIF fingerprints key findings by it (`mod net::impl Client::connect`), so no later step
//! needs the syntax tree, or a second parse.

use std::collections::BinaryHeap;

use proc_macro2::Span;

/// The item of a finding outside any fn / impl / mod (or in a file that does not parse).
pub const FILE_ITEM: &str = "<file>";

#[derive(Debug, Clone)]
struct Node {
    /// The first and last tokens (their lines are looked up only when a path is asked for).
    first: Span,
    last: Span,
    /// 1 for a top-level item.
    depth: u32,
    parent: Option<usize>,
    /// `fn main`, `impl Client`, `connect`, `mod net`, ...
    segment: String,
}

/// Items in the order the walk entered them (source order), each with its parent.
#[derive(Debug, Clone, Default)]
pub struct ItemTree {
    nodes: Vec<Node>,
    open: Vec<usize>,
}

impl ItemTree {
    /// An item from its first to its last token (`first.start()` to `last.end()`, as syn's
    /// `Spanned::span` of the item) is entered; its contents follow until [`ItemTree::exit`].
    pub fn enter(&mut self, first: Span, last: Span, segment: String) {
        self.nodes.push(Node {
            first,
            last,
            depth: self.open.len() as u32 + 1,
            parent: self.open.last().copied(),
            segment,
        });
        self.open.push(self.nodes.len() - 1);
    }

    pub fn exit(&mut self) {
        self.open.pop();
    }

    /// For each line, the path of the innermost item whose lines contain it (`fn outer::fn
    /// inner`), or `None` outside any item: of the items containing the line, the deepest, then
    /// the one starting last, then the one entered last. One sweep over the items, in
    /// O((items + lines) log items).
    pub fn paths_at(&self, lines: &[u32]) -> Vec<Option<String>> {
        // 1-based lines, inclusive, as syn's `Spanned::span` of the item covers them.
        let ranges: Vec<(u32, u32)> = self
            .nodes
            .iter()
            .map(|n| {
                let start = n.first.start().line as u32;
                (start, (n.last.end().line as u32).max(start))
            })
            .collect();
        self.paths_in(&ranges, lines)
    }

    fn paths_in(&self, ranges: &[(u32, u32)], lines: &[u32]) -> Vec<Option<String>> {
        let mut queries: Vec<(u32, usize)> = lines.iter().copied().zip(0..).collect();
        queries.sort_unstable();
        let mut by_start: Vec<usize> = (0..self.nodes.len()).collect();
        by_start.sort_by_key(|&i| ranges[i].0);
        let mut out = vec![None; lines.len()];
        let mut heap: BinaryHeap<(u32, u32, usize)> = BinaryHeap::new();
        let mut next = 0;
        let mut last: Option<(u32, Option<String>)> = None;
        for (line, q) in queries {
            if let Some((l, path)) = &last {
                if *l == line {
                    out[q] = path.clone();
                    continue;
                }
            }
            while next < by_start.len() && ranges[by_start[next]].0 <= line {
                let i = by_start[next];
                heap.push((self.nodes[i].depth, ranges[i].0, i));
                next += 1;
            }
            // Lines only grow: an item that ended before this line ends before every later one.
            while heap.peek().is_some_and(|&(_, _, i)| ranges[i].1 < line) {
                heap.pop();
            }
            // Every item that contains the line is in the heap, and the top contains it: any
            // better one that does not would have been popped.
            let path = heap.peek().map(|&(_, _, i)| self.path(i));
            out[q] = path.clone();
            last = Some((line, path));
        }
        out
    }

    fn path(&self, mut i: usize) -> String {
        let mut segments = vec![self.nodes[i].segment.as_str()];
        while let Some(p) = self.nodes[i].parent {
            segments.push(self.nodes[p].segment.as_str());
            i = p;
        }
        segments.reverse();
        segments.join("::")
    }
}

/// The span of an item's first token: its first outer attribute (a doc comment counts), else
/// its visibility, else `rest` (the first keyword).
pub fn first_token(attrs: &[syn::Attribute], vis: Option<&syn::Visibility>, rest: Span) -> Span {
    if let Some(a) = attrs
        .iter()
        .find(|a| matches!(a.style, syn::AttrStyle::Outer))
    {
        return a.pound_token.span;
    }
    match vis {
        Some(syn::Visibility::Public(p)) => p.span,
        Some(syn::Visibility::Restricted(r)) => r.pub_token.span,
        _ => rest,
    }
}

/// The first keyword of a signature: `const`, `async`, `unsafe`, `extern` or `fn`.
pub fn sig_start(sig: &syn::Signature) -> Span {
    if let Some(t) = &sig.constness {
        t.span
    } else if let Some(t) = &sig.asyncness {
        t.span
    } else if let Some(t) = &sig.unsafety {
        t.span
    } else if let Some(abi) = &sig.abi {
        abi.extern_token.span
    } else {
        sig.fn_token.span
    }
}

/// The segment of an impl block: `impl Client`, `impl Store for Map<K, V>`.
pub fn impl_segment(i: &syn::ItemImpl) -> String {
    match &i.trait_ {
        Some((bang, path, _)) => format!(
            "impl {}{} for {}",
            if bang.is_some() { "!" } else { "" },
            tokens(path),
            tokens(&i.self_ty)
        ),
        None => format!("impl {}", tokens(&i.self_ty)),
    }
}

/// A type or path as written, with rustfmt-like spacing (`HashMap<K, V>`, `&'a mut T`).
fn tokens(t: &impl quote::ToTokens) -> String {
    let raw = t.to_token_stream().to_string();
    let chars: Vec<char> = raw.chars().collect();
    let tight = |c: &char| "<>:()[]&,.'!*".contains(*c);
    let mut out = String::with_capacity(raw.len());
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' {
            let prev = out.chars().next_back();
            let next = chars.get(i + 1);
            if prev == Some(',') || !(prev.as_ref().is_some_and(tight) || next.is_some_and(tight)) {
                out.push(' ');
            }
            continue;
        }
        out.push(*c);
    }
    out
}

/// Every item of a file, its inline modules' too (to a depth of 16), in order: what the
/// per-file declaration tables (type aliases, struct fields, constants, message types) read.
pub fn file_items(file: &syn::File) -> Vec<&syn::Item> {
    fn walk<'f>(list: &'f [syn::Item], out: &mut Vec<&'f syn::Item>, depth: usize) {
        for item in list {
            out.push(item);
            if let syn::Item::Mod(m) = item {
                if let Some((_, inner)) = &m.content {
                    if depth < 16 {
                        walk(inner, out, depth + 1);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&file.items, &mut out, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(items: &[(u32, u32, u32, &str)]) -> (ItemTree, Vec<(u32, u32)>) {
        // (start, end, depth, segment) in entry order.
        let mut t = ItemTree::default();
        let mut open: Vec<u32> = Vec::new();
        for &(_, _, depth, segment) in items {
            while open.len() as u32 >= depth {
                open.pop();
                t.exit();
            }
            let span = Span::call_site();
            t.enter(span, span, segment.to_string());
            open.push(depth);
        }
        let ranges = items.iter().map(|&(s, e, _, _)| (s, e)).collect();
        (t, ranges)
    }

    /// The definition the baseline format was pinned with: of the ranges containing the line,
    /// the maximum (depth, start), the last on ties.
    fn reference(t: &ItemTree, ranges: &[(u32, u32)], line: u32) -> Option<String> {
        (0..t.nodes.len())
            .filter(|&i| ranges[i].0 <= line && line <= ranges[i].1)
            .max_by_key(|&i| (t.nodes[i].depth, ranges[i].0))
            .map(|i| t.path(i))
    }

    #[test]
    fn the_sweep_agrees_with_the_definition() {
        let (t, ranges) = tree(&[
            (1, 10, 1, "mod a"),
            (2, 4, 2, "fn b"),
            (4, 6, 2, "fn c"),
            (4, 4, 3, "fn d"),
            (10, 12, 1, "fn e"),
            (10, 10, 1, "fn f"),
            (14, 14, 1, "const G"),
        ]);
        let lines: Vec<u32> = (0..16).chain([4, 10, 4, 1]).collect();
        let got = t.paths_in(&ranges, &lines);
        for (line, path) in lines.iter().zip(&got) {
            assert_eq!(*path, reference(&t, &ranges, *line), "line {line}");
        }
        assert_eq!(got[4].as_deref(), Some("mod a::fn c::fn d"));
        assert_eq!(got[10].as_deref(), Some("fn f"));
        assert_eq!(got[13], None);
    }
}
