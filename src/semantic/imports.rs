//! Name resolution through `use`, without types: which full path does a local name stand for?
//!
//! Each module and each block that declares `use` items or items of its own gets a [`Scope`];
//! the walker keeps a stack of them. [`Resolver::resolve`] turns a path as written into the full
//! path it names (`task::spawn` with `use tokio::task;` becomes `tokio::task::spawn`), and
//! [`Resolver::is`] answers yes / no / unknown for a question such as "is this `std::thread::sleep`?".

use std::collections::{HashMap, HashSet};
use syn::{Item, UseTree};

/// A three-valued answer. Rules stay silent on [`Tri::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Unknown,
}

impl Tri {
    pub fn is_yes(self) -> bool {
        self == Tri::Yes
    }
}

/// What a path as written stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The full path, certainly (through an import, a local item, or an absolute path).
    Known(Vec<String>),
    /// A bare name not declared here that glob imports may provide: the candidates.
    Glob(Vec<Vec<String>>),
    /// A bare name with no import: a local variable, a prelude item, or a macro-made name.
    Unknown(String),
}

/// The names one module or block brings into scope.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    /// Local name → full path (`go` → `tokio::spawn` for `use tokio::spawn as go;`).
    names: HashMap<String, Vec<String>>,
    /// Bases of glob imports (`futures::future` for `use futures::future::*;`).
    globs: Vec<Vec<String>>,
    /// Items defined here (fns, structs, ...), by name.
    items: HashSet<String>,
    /// The full path of this scope's module (`crate::a::b`), for items defined here.
    module: Vec<String>,
}

impl Scope {
    /// The scope of a module whose items are `items`, at module path `module` (without `crate`).
    pub fn for_items<'a>(items: impl IntoIterator<Item = &'a Item>, module: &[String]) -> Scope {
        let mut module_path = vec!["crate".to_string()];
        module_path.extend(module.iter().cloned());
        let mut scope = Scope {
            module: module_path,
            ..Scope::default()
        };
        for item in items {
            scope.add_item(item);
        }
        scope
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.globs.is_empty() && self.items.is_empty()
    }

    fn add_item(&mut self, item: &Item) {
        let ident = match item {
            Item::Use(u) => {
                let mut prefix = Vec::new();
                let leading = u.leading_colon.is_some();
                self.add_use_tree(&u.tree, &mut prefix, leading);
                return;
            }
            Item::ExternCrate(e) => {
                let local = e.rename.as_ref().map_or(&e.ident, |(_, r)| r).to_string();
                self.names.insert(local, vec![e.ident.to_string()]);
                return;
            }
            Item::Fn(f) => &f.sig.ident,
            Item::Struct(s) => &s.ident,
            Item::Enum(e) => &e.ident,
            Item::Union(u) => &u.ident,
            Item::Trait(t) => &t.ident,
            Item::Type(t) => &t.ident,
            Item::Const(c) => &c.ident,
            Item::Static(s) => &s.ident,
            Item::Mod(m) => &m.ident,
            Item::Macro(m) => match &m.ident {
                Some(i) => i,
                None => return,
            },
            _ => return,
        };
        self.items.insert(ident.to_string());
    }

    fn add_use_tree(&mut self, tree: &UseTree, prefix: &mut Vec<String>, leading_colon: bool) {
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.add_use_tree(&p.tree, prefix, leading_colon);
                prefix.pop();
            }
            UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last() {
                        let full = self.absolute(prefix, leading_colon);
                        self.names.insert(last.clone(), full);
                    }
                } else {
                    prefix.push(name.clone());
                    let full = self.absolute(prefix, leading_colon);
                    prefix.pop();
                    self.names.insert(name, full);
                }
            }
            UseTree::Rename(r) => {
                let name = r.ident.to_string();
                let local = r.rename.to_string();
                if local == "_" {
                    return; // `use Trait as _;` brings no name
                }
                let full = if name == "self" {
                    self.absolute(prefix, leading_colon)
                } else {
                    prefix.push(name);
                    let full = self.absolute(prefix, leading_colon);
                    prefix.pop();
                    full
                };
                self.names.insert(local, full);
            }
            UseTree::Glob(_) => {
                let base = self.absolute(prefix, leading_colon);
                self.globs.push(base);
            }
            UseTree::Group(g) => {
                for t in &g.items {
                    self.add_use_tree(t, prefix, leading_colon);
                }
            }
        }
    }

    /// Turns `self::x` / `super::x` / `crate::x` in a `use` into a full path.
    fn absolute(&self, path: &[String], leading_colon: bool) -> Vec<String> {
        if leading_colon {
            return path.to_vec();
        }
        absolutize(path, &self.module)
    }
}

/// `self`/`super`/`crate` prefixes relative to `module` (which starts with `crate`).
fn absolutize(path: &[String], module: &[String]) -> Vec<String> {
    match path.first().map(String::as_str) {
        Some("self") => {
            let mut out = module.to_vec();
            out.extend(path[1..].iter().cloned());
            out
        }
        Some("super") => {
            let mut base = module.to_vec();
            let mut rest = path;
            while rest.first().map(String::as_str) == Some("super") {
                if base.len() > 1 {
                    base.pop();
                }
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            base
        }
        _ => path.to_vec(),
    }
}

/// A stack of scopes, innermost last. Cloning is cheap (the scopes are shared), so a rule's
/// own body walk can take a copy and push its block scopes on it.
#[derive(Debug, Default, Clone)]
pub struct Resolver {
    scopes: Vec<std::rc::Rc<Scope>>,
}

impl Resolver {
    pub fn push(&mut self, scope: Scope) {
        self.scopes.push(std::rc::Rc::new(scope));
    }

    pub fn pop(&mut self) {
        self.scopes.pop();
    }

    /// The full path `segments` (as written, without generics) stands for.
    pub fn resolve_segments(&self, segments: &[String], leading_colon: bool) -> Resolution {
        let Some(first) = segments.first() else {
            return Resolution::Unknown(String::new());
        };
        if leading_colon {
            return Resolution::Known(segments.to_vec());
        }
        let module = self
            .scopes
            .iter()
            .rev()
            .map(|s| s.module.as_slice())
            .find(|m| !m.is_empty())
            .unwrap_or(&[]);
        match first.as_str() {
            "self" | "super" if !module.is_empty() => {
                return Resolution::Known(absolutize(segments, module));
            }
            "crate" => return Resolution::Known(segments.to_vec()),
            _ => {}
        }
        for scope in self.scopes.iter().rev() {
            if let Some(full) = scope.names.get(first) {
                let mut out = self.reexpand(full);
                out.extend(segments[1..].iter().cloned());
                return Resolution::Known(out);
            }
            if scope.items.contains(first) {
                let mut out = scope.module.clone();
                out.extend(segments.iter().cloned());
                return Resolution::Known(out);
            }
        }
        if segments.len() > 1 {
            // Not imported: an extern crate (`tokio::spawn`) or a std path.
            return Resolution::Known(segments.to_vec());
        }
        let candidates: Vec<Vec<String>> = self
            .scopes
            .iter()
            .rev()
            .flat_map(|s| s.globs.iter())
            .map(|base| {
                let mut p = base.clone();
                p.extend(segments.iter().cloned());
                p
            })
            .collect();
        if candidates.is_empty() {
            Resolution::Unknown(first.clone())
        } else {
            Resolution::Glob(candidates)
        }
    }

    /// `use tk::spawn;` after `extern crate tokio as tk;` (or `use tokio::sync; use sync::mpsc;`):
    /// an imported path may start with another imported name. Expanded once, never in a loop.
    fn reexpand(&self, full: &[String]) -> Vec<String> {
        if let Some(first) = full.first() {
            for scope in self.scopes.iter().rev() {
                if let Some(base) = scope.names.get(first) {
                    if base.len() > 1 || base[0] != *first {
                        let mut out = base.clone();
                        out.extend(full[1..].iter().cloned());
                        return out;
                    }
                }
            }
        }
        full.to_vec()
    }

    /// Where a bare name resolves, as far as its scopes tell without building its path.
    pub fn bare_qualifier(&self, name: &str) -> BareName<'_> {
        if matches!(name, "self" | "super" | "crate") {
            return BareName::Imported;
        }
        for scope in self.scopes.iter().rev() {
            if scope.names.contains_key(name) {
                return BareName::Imported;
            }
            if scope.items.contains(name) {
                return scope
                    .module
                    .last()
                    .map_or(BareName::Unknown, |m| BareName::In(m));
            }
        }
        BareName::Unknown
    }

    pub fn resolve(&self, path: &syn::Path) -> Resolution {
        self.resolve_segments(&segments(path), path.leading_colon.is_some())
    }

    /// Does `path` name one of `targets` (each written `a::b::c`)?
    ///
    /// Yes when its full path is one of them; for a bare name reached only through glob
    /// imports, yes when one glob provides a target of that name; unknown for a bare name with
    /// no import at all; no otherwise.
    pub fn is(&self, path: &syn::Path, targets: &[&str]) -> Tri {
        // Fast path: imports rename only a path's first segment, so a path of two or more
        // segments whose last one matches no target's last segment is none of them.
        let Some(last) = path.segments.last().map(|s| &s.ident) else {
            return Tri::No;
        };
        let named = || {
            targets
                .iter()
                .any(|t| last == crate::semantic::known::last_segment(t))
        };
        if path.segments.len() > 1 && !named() {
            return Tri::No;
        }
        // A bare name that is no target's name is one of them only through a renaming import
        // (`use std::thread::sleep as nap;`); with no import of that name and no glob in scope,
        // it resolves to a local item or to nothing: no.
        if path.segments.len() == 1 && path.leading_colon.is_none() && !named() {
            let name = last.to_string();
            if self
                .scopes
                .iter()
                .all(|s| s.globs.is_empty() && !s.names.contains_key(&name))
            {
                return Tri::No;
            }
        }
        self.is_resolution(&self.resolve(path), targets)
    }

    pub fn is_resolution(&self, resolution: &Resolution, targets: &[&str]) -> Tri {
        match resolution {
            Resolution::Known(full) => {
                let reexported = reexported_crate(full);
                if targets
                    .iter()
                    .any(|t| path_eq(full, t) || reexported.is_some_and(|r| path_eq(r, t)))
                {
                    Tri::Yes
                } else {
                    Tri::No
                }
            }
            Resolution::Glob(candidates) => {
                if candidates
                    .iter()
                    .any(|c| targets.iter().any(|t| path_eq(c, t)))
                {
                    Tri::Yes
                } else {
                    Tri::Unknown
                }
            }
            Resolution::Unknown(name) => {
                if targets
                    .iter()
                    .any(|t| crate::semantic::known::last_segment(t) == name.as_str())
                {
                    Tri::Unknown
                } else {
                    Tri::No
                }
            }
        }
    }
}

/// [`Resolver::bare_qualifier`]'s answer.
pub enum BareName<'a> {
    /// An item of the module whose last segment this is (`a` for `crate::a::f`).
    In(&'a str),
    /// No known path: a glob's item, a local, or nothing.
    Unknown,
    /// Imported (or `self`/`super`/`crate`): only [`Resolver::resolve`] can tell.
    Imported,
}

/// The identifiers of a path, without generic arguments.
pub fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// A path through a dependency that re-exports a crate of the catalog at its root under that
/// crate's name (`ratatui::crossterm::event::read`, a facade's `pub use reqwest;`): the path in
/// the re-exported crate (`crossterm::event::read`), the same API.
pub fn reexported_crate(full: &[String]) -> Option<&[String]> {
    // (Not a catalog crate's own module named like another crate: `reqwest::blocking`.)
    let roots = super::known::crate_roots();
    (full.len() > 2
        && full[0] != full[1]
        && !matches!(
            full[0].as_str(),
            "crate" | "self" | "super" | "std" | "core"
        )
        && !roots.contains(full[0].as_str())
        && roots.contains(full[1].as_str()))
    .then(|| &full[1..])
}

fn path_eq(full: &[String], target: &str) -> bool {
    let mut parts = target.split("::");
    for seg in full {
        match parts.next() {
            Some(p) if p == seg => {}
            _ => return false,
        }
    }
    parts.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(src: &str, module: &[&str]) -> Resolver {
        let file = syn::parse_file(src).unwrap();
        let module: Vec<String> = module.iter().map(|s| s.to_string()).collect();
        let mut r = Resolver::default();
        r.push(Scope::for_items(&file.items, &module));
        r
    }

    fn path(s: &str) -> syn::Path {
        syn::parse_str(s).unwrap()
    }

    #[test]
    fn renames_groups_and_self() {
        let r = resolver(
            "use tokio::{self as tk, task, spawn as go, time::{sleep, Duration}};\n\
             use std::thread;",
            &[],
        );
        assert_eq!(r.is(&path("go"), &["tokio::spawn"]), Tri::Yes);
        assert_eq!(
            r.is(&path("task::spawn"), &["tokio::task::spawn"]),
            Tri::Yes
        );
        assert_eq!(r.is(&path("tk::spawn"), &["tokio::spawn"]), Tri::Yes);
        assert_eq!(r.is(&path("sleep"), &["tokio::time::sleep"]), Tri::Yes);
        assert_eq!(r.is(&path("sleep"), &["std::thread::sleep"]), Tri::No);
        assert_eq!(
            r.is(&path("thread::sleep"), &["std::thread::sleep"]),
            Tri::Yes
        );
        assert_eq!(r.is(&path("::tokio::spawn"), &["tokio::spawn"]), Tri::Yes);
        assert_eq!(r.is(&path("tokio::spawn"), &["tokio::spawn"]), Tri::Yes);
    }

    #[test]
    fn globs_and_unknown_names() {
        let r = resolver("use futures::future::*;", &[]);
        assert_eq!(
            r.is(&path("join_all"), &["futures::future::join_all"]),
            Tri::Yes
        );
        assert_eq!(r.is(&path("join_all"), &["tokio::join_all"]), Tri::Unknown);
        let r = resolver("", &[]);
        assert_eq!(r.is(&path("spawn"), &["tokio::spawn"]), Tri::Unknown);
        assert_eq!(r.is(&path("other"), &["tokio::spawn"]), Tri::No);
    }

    #[test]
    fn crate_self_super_and_local_items() {
        let r = resolver(
            "use super::util::spawn; use self::inner::helper; use crate::net::connect;\n\
             fn sleep() {}",
            &["a", "b"],
        );
        assert_eq!(
            r.resolve(&path("spawn")),
            Resolution::Known(vec![
                "crate".into(),
                "a".into(),
                "util".into(),
                "spawn".into()
            ])
        );
        assert_eq!(
            r.is(&path("helper"), &["crate::a::b::inner::helper"]),
            Tri::Yes
        );
        assert_eq!(r.is(&path("connect"), &["crate::net::connect"]), Tri::Yes);
        // A local fn shadows what a glob would bring.
        assert_eq!(r.is(&path("sleep"), &["std::thread::sleep"]), Tri::No);
        assert_eq!(
            r.is(&path("self::sleep"), &["crate::a::b::sleep"]),
            Tri::Yes
        );
        assert_eq!(r.is(&path("super::x"), &["crate::a::x"]), Tri::Yes);
    }

    #[test]
    fn inner_scopes_shadow_outer_ones() {
        let mut r = resolver("use std::thread::sleep;", &[]);
        let block: syn::Block = syn::parse_str("{ use tokio::time::sleep; }").unwrap();
        let items: Vec<Item> = block
            .stmts
            .iter()
            .filter_map(|s| match s {
                syn::Stmt::Item(i) => Some(i.clone()),
                _ => None,
            })
            .collect();
        r.push(Scope::for_items(&items, &[]));
        assert_eq!(r.is(&path("sleep"), &["tokio::time::sleep"]), Tri::Yes);
        r.pop();
        assert_eq!(r.is(&path("sleep"), &["std::thread::sleep"]), Tri::Yes);
    }

    #[test]
    fn extern_crate_renames() {
        let r = resolver("extern crate tokio as tk; use tk::spawn;", &[]);
        assert_eq!(r.is(&path("tk::spawn"), &["tokio::spawn"]), Tri::Yes);
        assert_eq!(r.is(&path("spawn"), &["tokio::spawn"]), Tri::Yes);
    }
}
