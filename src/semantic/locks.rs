//! Which declared types are locks: `std::sync::Mutex` and friends, seen through wrappers
//! (`Arc<Mutex<T>>`, `Lazy<RwLock<T>>`), resolved through `use`.

use super::{Resolver, Tri};

/// What a declared type holds, for guard-producing methods on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockDecl {
    /// `std::sync::Mutex`/`RwLock`, `parking_lot`'s, `spin`'s: `.lock()` returns a guard.
    Sync,
    /// `std::cell::RefCell`: `.borrow()`/`.borrow_mut()` return a guard.
    RefCell,
    /// A lock of another kind (tokio, async-std, futures, async-lock) or one we cannot resolve:
    /// a field of this name says nothing.
    Other,
    /// Not a lock: a field declared as a runtime or runtime handle (`handle: Handle`), kept in
    /// the same per-name index of field declarations, for `self.handle.spawn(..)`.
    Runtime,
}

use super::known::locks::{REF_CELLS, SYNC_LOCKS};
use std::collections::HashMap;

/// The names a body knows as locks before a guard is taken: locals and parameters declared or
/// built as locks, and locals that are copies of a field (`let m = self.state.clone();`), whose
/// kind the field's declaration decides.
#[derive(Debug, Clone, Default)]
pub struct KnownLocks {
    pub locals: HashMap<String, LockDecl>,
    /// local name → field name.
    pub fields: HashMap<String, String>,
}

impl KnownLocks {
    /// Record what `let <name> = <init>` (or `let <name>: <ty> = ..`) makes of `name`.
    pub fn bind(
        &mut self,
        resolver: &Resolver,
        name: &str,
        ty: Option<&syn::Type>,
        init: Option<&syn::Expr>,
    ) {
        self.bind_within(resolver, name, ty, init, || None);
    }

    /// [`Self::bind`] in a body that also sees `outer`'s names (an `async` block sees its
    /// fn's locals), asked for only when a copy needs them.
    pub fn bind_within<'o>(
        &mut self,
        resolver: &Resolver,
        name: &str,
        ty: Option<&syn::Type>,
        init: Option<&syn::Expr>,
        outer: impl Fn() -> Option<&'o KnownLocks>,
    ) {
        let kind = ty
            .and_then(|t| lock_decl(resolver, t))
            .or_else(|| init.and_then(|i| lock_ctor(resolver, i)));
        if let Some(kind) = kind {
            self.locals.insert(name.to_string(), kind);
            return;
        }
        match init.and_then(alias_of) {
            Some(Alias::Field(f)) => {
                self.fields.insert(name.to_string(), f);
            }
            Some(Alias::Local(src)) => {
                let outer = outer();
                let kind = self.locals.get(&src).or_else(|| outer?.locals.get(&src));
                let field = self.fields.get(&src).or_else(|| outer?.fields.get(&src));
                if let Some(kind) = kind.copied() {
                    self.locals.insert(name.to_string(), kind);
                } else if let Some(f) = field.cloned() {
                    self.fields.insert(name.to_string(), f);
                }
            }
            None => {}
        }
    }
}

enum Alias {
    Field(String),
    Local(String),
}

/// What a copy of a handle is a copy of: `self.state.clone()`, `Arc::clone(&self.state)`,
/// `&self.state`, `state.clone()`.
fn alias_of(e: &syn::Expr) -> Option<Alias> {
    let mut e = super::dataflow::peel(e);
    loop {
        e = match e {
            syn::Expr::MethodCall(m) if m.args.is_empty() && m.method == "clone" => {
                super::dataflow::peel(&m.receiver)
            }
            syn::Expr::Call(c) if c.args.len() == 1 => match &*c.func {
                syn::Expr::Path(p)
                    if p.path.segments.last().is_some_and(|s| s.ident == "clone") =>
                {
                    super::dataflow::peel(&c.args[0])
                }
                _ => return None,
            },
            syn::Expr::Field(f) => {
                return match &f.member {
                    syn::Member::Named(n) => Some(Alias::Field(n.to_string())),
                    syn::Member::Unnamed(_) => None,
                }
            }
            syn::Expr::Path(p) => return p.path.get_ident().map(|i| Alias::Local(i.to_string())),
            _ => return None,
        }
    }
}

/// Is `name` the last segment of a lock (`Some(false)`) or cell (`Some(true)`) of the catalog?
/// (A same-named type of another crate, `tokio::sync::Mutex`, resolves to `LockDecl::Other`.)
fn lock_type_name(name: &str) -> Option<bool> {
    let last = |p: &&str| crate::semantic::known::last_segment(p) == name;
    if REF_CELLS.iter().any(last) {
        Some(true)
    } else if SYNC_LOCKS.iter().any(last) {
        Some(false)
    } else {
        None
    }
}

/// The lock kind of a type as written: the outermost `Mutex`/`RwLock`/`RefCell` found through
/// generic arguments (`Arc<Mutex<T>>` is a sync lock, `Mutex<RefCell<T>>` too).
pub fn lock_decl(resolver: &Resolver, ty: &syn::Type) -> Option<LockDecl> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let name = last.ident.to_string();
            if let Some(cell) = lock_type_name(&name) {
                let targets = if cell { REF_CELLS } else { SYNC_LOCKS };
                return Some(match resolver.is(&p.path, targets) {
                    Tri::Yes if cell => LockDecl::RefCell,
                    Tri::Yes => LockDecl::Sync,
                    _ => LockDecl::Other,
                });
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            args.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(t) => lock_decl(resolver, t),
                _ => None,
            })
        }
        syn::Type::Reference(r) => lock_decl(resolver, &r.elem),
        syn::Type::Paren(p) => lock_decl(resolver, &p.elem),
        syn::Type::Group(g) => lock_decl(resolver, &g.elem),
        _ => None,
    }
}

/// The lock kind of a value expression that constructs one: `Mutex::new(..)`,
/// `Arc::new(RwLock::new(..))`, `RefCell::default()`.
pub fn lock_ctor(resolver: &Resolver, e: &syn::Expr) -> Option<LockDecl> {
    let syn::Expr::Call(c) = super::dataflow::peel(e) else {
        return None;
    };
    let syn::Expr::Path(p) = &*c.func else {
        return None;
    };
    let segs = &p.path.segments;
    if segs.len() >= 2 {
        let ty_name = segs[segs.len() - 2].ident.to_string();
        if lock_type_name(&ty_name).is_some() {
            let mut ty_path = p.path.clone();
            ty_path.segments.pop();
            let ty_path = syn::Path {
                leading_colon: ty_path.leading_colon,
                segments: ty_path
                    .segments
                    .into_pairs()
                    .map(|p| p.into_value())
                    .collect(),
            };
            let ty = syn::Type::Path(syn::TypePath {
                qself: None,
                path: ty_path,
            });
            return lock_decl(resolver, &ty);
        }
    }
    // `Arc::new(Mutex::new(..))`, `Rc::new(RefCell::new(..))`
    c.args.first().and_then(|a| lock_ctor(resolver, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::Scope;

    fn resolver(src: &str) -> Resolver {
        let file: syn::File = syn::parse_str(src).unwrap();
        let mut r = Resolver::default();
        r.push(Scope::for_items(file.items.iter(), &[]));
        r
    }

    #[test]
    fn declared_types() {
        let r = resolver(
            "use std::sync::{Arc, Mutex}; use tokio::sync::RwLock; use std::cell::RefCell;",
        );
        let t = |s: &str| lock_decl(&r, &syn::parse_str(s).unwrap());
        assert_eq!(t("Arc<Mutex<u8>>"), Some(LockDecl::Sync));
        assert_eq!(t("RwLock<u8>"), Some(LockDecl::Other));
        assert_eq!(t("std::sync::RwLock<u8>"), Some(LockDecl::Sync));
        assert_eq!(t("Rc<RefCell<u8>>"), Some(LockDecl::RefCell));
        assert_eq!(t("&parking_lot::Mutex<u8>"), Some(LockDecl::Sync));
        assert_eq!(t("Vec<u8>"), None);
        let e = |s: &str| lock_ctor(&r, &syn::parse_str(s).unwrap());
        assert_eq!(e("Arc::new(Mutex::new(0))"), Some(LockDecl::Sync));
        assert_eq!(e("RwLock::new(0)"), Some(LockDecl::Other));
        assert_eq!(e("RefCell::new(0)"), Some(LockDecl::RefCell));
        assert_eq!(e("Vec::new()"), None);
    }

    #[test]
    fn unresolved_mutex_is_other() {
        let r = resolver("use some_crate::*;");
        let ty: syn::Type = syn::parse_str("Mutex<u8>").unwrap();
        assert_eq!(lock_decl(&r, &ty), Some(LockDecl::Other));
    }
}
