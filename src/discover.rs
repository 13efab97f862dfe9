//! Shell: which files to lint. Cargo mode asks `cargo metadata --no-deps` for packages and
//! targets; the module tree below each target root is followed as the analysis reports `mod`
//! declarations (see `run`). PATH mode walks the given files and directories.

use crate::analyze::ModDecl;
use crate::semantic::{CrateInfo, Edition};
use cargo_metadata::{Metadata, MetadataCommand, TargetKind};
use std::path::{Path, PathBuf};

/// Cargo's package selection flags.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub manifest_path: Option<PathBuf>,
    pub packages: Vec<String>,
    pub workspace: bool,
    pub exclude: Vec<String>,
}

/// One target of a package: its root file and whether its code is test-only.
#[derive(Debug, Clone)]
pub struct Target {
    pub meta: cargo_metadata::Target,
    pub root: PathBuf,
    /// Integration tests, benches and examples: code that never runs in production.
    pub is_test: bool,
}

/// A package to lint.
#[derive(Debug, Clone)]
pub struct Package {
    pub id: String,
    pub manifest_path: PathBuf,
    pub krate: CrateInfo,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub packages: Vec<Package>,
}

/// Run `cargo metadata --no-deps` and select packages as cargo would.
pub fn cargo_workspace(sel: &Selection) -> Result<Workspace, String> {
    let mut cmd = MetadataCommand::new();
    cmd.no_deps();
    if let Some(p) = &sel.manifest_path {
        if !p.exists() {
            return Err(format!("manifest path `{}` does not exist", p.display()));
        }
        cmd.manifest_path(p);
    }
    let meta = cmd.exec().map_err(|e| match e {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            format!("`cargo metadata` failed:\n{}", stderr.trim_end())
        }
        other => format!("`cargo metadata` failed: {other}"),
    })?;
    workspace_from_metadata(&meta, sel)
}

/// The pure half of [`cargo_workspace`]: selection and conversion of parsed metadata.
pub fn workspace_from_metadata(meta: &Metadata, sel: &Selection) -> Result<Workspace, String> {
    let members: Vec<&cargo_metadata::Package> = meta.workspace_packages();
    let selected: Vec<&cargo_metadata::Package> = if !sel.packages.is_empty() {
        let mut out = Vec::new();
        for spec in &sel.packages {
            let found: Vec<_> = members.iter().filter(|p| spec_matches(spec, p)).collect();
            if found.is_empty() {
                let names = members
                    .iter()
                    .map(|p| p.name.to_string())
                    .collect::<Vec<_>>();
                let mut msg =
                    format!("package ID specification `{spec}` did not match any packages");
                if let Some(best) =
                    crate::config::did_you_mean(spec, names.iter().map(String::as_str))
                {
                    msg.push_str(&format!("; did you mean `{best}`?"));
                }
                return Err(msg);
            }
            for p in found {
                if !out.iter().any(|q: &&cargo_metadata::Package| q.id == p.id) {
                    out.push(*p);
                }
            }
        }
        out
    } else if sel.workspace {
        members
            .iter()
            .filter(|p| !sel.exclude.iter().any(|s| spec_matches(s, p)))
            .copied()
            .collect()
    } else {
        // Cargo's default: the package of the manifest (or of the current directory), which
        // `cargo metadata` reports as the default member; for a virtual manifest its
        // `default-members`, else every member.
        let defaults: Vec<&cargo_metadata::Package> =
            if meta.workspace_default_members.is_available() {
                meta.packages
                    .iter()
                    .filter(|p| meta.workspace_default_members.contains(&p.id))
                    .collect()
            } else {
                Vec::new()
            };
        if !defaults.is_empty() {
            defaults
        } else if let Some(root) = meta.root_package() {
            vec![root]
        } else {
            members
        }
    };
    if !sel.exclude.is_empty() && !sel.workspace {
        return Err("--exclude can only be used together with --workspace".into());
    }
    Ok(Workspace {
        root: meta.workspace_root.clone().into_std_path_buf(),
        packages: selected.into_iter().map(convert_package).collect(),
    })
}

fn spec_matches(spec: &str, p: &cargo_metadata::Package) -> bool {
    if spec == p.id.repr {
        return true;
    }
    match spec.split_once('@') {
        Some((name, version)) => *p.name == *name && p.version.to_string() == version,
        None => *p.name == *spec,
    }
}

fn convert_package(p: &cargo_metadata::Package) -> Package {
    let edition = Edition::parse(p.edition.as_str()).unwrap_or_default();
    let mut dependencies: Vec<String> = p
        .dependencies
        .iter()
        .map(|d| d.rename.as_deref().unwrap_or(&d.name).replace('-', "_"))
        .collect();
    dependencies.sort();
    dependencies.dedup();
    let has_lib = p.targets.iter().any(|t| {
        t.kind.iter().any(|k| {
            matches!(
                k,
                TargetKind::Lib
                    | TargetKind::RLib
                    | TargetKind::DyLib
                    | TargetKind::CDyLib
                    | TargetKind::StaticLib
                    | TargetKind::ProcMacro
            )
        })
    });
    let targets = p
        .targets
        .iter()
        .filter(|t| !t.kind.contains(&TargetKind::CustomBuild))
        .map(|t| Target {
            meta: t.clone(),
            root: t.src_path.clone().into_std_path_buf(),
            is_test: t.kind.iter().any(|k| {
                matches!(
                    k,
                    TargetKind::Test | TargetKind::Bench | TargetKind::Example
                )
            }),
        })
        .collect();
    Package {
        id: p.id.repr.clone(),
        manifest_path: p.manifest_path.clone().into_std_path_buf(),
        krate: CrateInfo {
            name: p.name.to_string(),
            edition,
            dependencies,
            has_lib,
        },
        targets,
    }
}

/// Where rustc looks for the file of `decl`, declared in `parent`.
///
/// `parent_owns_dir` is true for crate roots, `mod.rs` files and files loaded through
/// `#[path]` (their child modules live next to them); false for `foo.rs`, whose children live
/// in `foo/`. Returns candidate paths in rustc's order, each with whether it owns its directory.
pub fn module_candidates(
    parent: &Path,
    parent_owns_dir: bool,
    decl: &ModDecl,
) -> Vec<(PathBuf, bool)> {
    let dir = parent.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut base = dir.clone();
    if !parent_owns_dir {
        if let Some(stem) = parent.file_stem() {
            base.push(stem);
        }
    }
    for m in &decl.inline_parents {
        base.push(m);
    }
    if let Some(p) = &decl.path_attr {
        // Outside inline modules a `#[path]` is relative to the declaring file's directory.
        let rel = if decl.inline_parents.is_empty() {
            dir.join(p)
        } else {
            base.join(p)
        };
        return vec![(rel, true)];
    }
    vec![
        (base.join(format!("{}.rs", decl.name)), false),
        (base.join(&decl.name).join("mod.rs"), true),
    ]
}

/// Does a crate root or `mod.rs` own its directory? (Target roots always do.)
pub fn owns_dir(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "mod.rs")
}

/// One file PATH mode found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathFile {
    /// As found: the argument, or a path under a directory argument.
    pub path: PathBuf,
    /// The directory argument it was found under (canonical): reads of it may not leave this
    /// directory. `None` for a file named as an argument.
    pub root: Option<PathBuf>,
    /// Why it is not read: it resolves outside its root (a symlink, to a file or a directory),
    /// or it is not a regular file (a FIFO, a device).
    pub problem: Option<crate::fsread::ReadError>,
}

/// PATH mode: the given files, and every `.rs` file under the given directories (skipping
/// `target/`, hidden directories and git-ignored paths). Sorted, without duplicates.
///
/// Symlinks are followed inside each directory argument; one that leads outside it (to a file
/// or a directory) is listed with a problem and not followed, as is a `.rs` entry (or an
/// argument) that is a FIFO or a device. A path that does not exist is an error.
pub fn path_files(paths: &[PathBuf]) -> Result<Vec<PathFile>, String> {
    use crate::fsread::{kind_of, ReadError};
    use std::sync::{Arc, Mutex};
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p)
            .map_err(|e| format!("cannot read `{}`: {}", p.display(), io_reason(&e)))?;
        if !meta.is_dir() {
            out.push(PathFile {
                path: p.clone(),
                root: None,
                problem: (!meta.is_file()).then(|| ReadError::NotAFile(kind_of(meta.file_type()))),
            });
            continue;
        }
        let root = std::fs::canonicalize(p)
            .map_err(|e| format!("cannot read `{}`: {}", p.display(), io_reason(&e)))?;
        let refused: Arc<Mutex<Vec<PathFile>>> = Arc::default();
        let walker = {
            let root = root.clone();
            let refused = Arc::clone(&refused);
            ignore::WalkBuilder::new(p)
                .hidden(true)
                .git_ignore(true)
                .git_exclude(true)
                .require_git(false)
                .follow_links(true)
                .filter_entry(move |e| {
                    let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                    if e.depth() > 0 && is_dir && e.file_name() == "target" {
                        return false;
                    }
                    // Only a symlink can lead out of the tree (the walk never goes up).
                    if e.depth() == 0 || !e.path_is_symlink() {
                        return true;
                    }
                    match std::fs::canonicalize(e.path()) {
                        Ok(real) if real.starts_with(&root) => true,
                        Ok(_) => {
                            if is_dir || is_rs(e.path()) {
                                if let Ok(mut v) = refused.lock() {
                                    v.push(PathFile {
                                        path: e.path().to_path_buf(),
                                        root: Some(root.clone()),
                                        problem: Some(ReadError::Outside),
                                    });
                                }
                            }
                            false
                        }
                        // Dangling: nothing to read, and nothing to report.
                        Err(_) => false,
                    }
                })
                .build()
        };
        for entry in walker {
            // Unreadable directories and symlink loops are skipped, not fatal.
            let Ok(entry) = entry else { continue };
            let Some(ft) = entry.file_type() else {
                continue;
            };
            if ft.is_dir() || !is_rs(entry.path()) {
                continue;
            }
            out.push(PathFile {
                path: entry.into_path(),
                root: Some(root.clone()),
                problem: (!ft.is_file()).then(|| ReadError::NotAFile(kind_of(ft))),
            });
        }
        out.extend(
            refused
                .lock()
                .map(|mut v| std::mem::take(&mut *v))
                .unwrap_or_default(),
        );
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup_by(|a, b| a.path == b.path);
    Ok(out)
}

fn is_rs(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "rs")
}

/// A short reason for an I/O error ("No such file or directory").
pub fn io_reason(e: &std::io::Error) -> String {
    crate::fsread::io_reason(e)
}

/// `path` relative to `base` with `/` separators, or `path` as given when it is elsewhere.
pub fn display_path(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;

    fn decl(name: &str, path_attr: Option<&str>, inline: &[&str]) -> ModDecl {
        ModDecl {
            name: name.into(),
            path_attr: path_attr.map(Into::into),
            inline_parents: inline.iter().map(|s| s.to_string()).collect(),
            span: Span::default(),
            cfg_gated: false,
            cfg_test: false,
        }
    }

    #[test]
    fn module_files_as_rustc_finds_them() {
        let lib = Path::new("src/lib.rs");
        let c = module_candidates(lib, true, &decl("net", None, &[]));
        assert_eq!(c[0].0, Path::new("src/net.rs"));
        assert_eq!(c[1].0, Path::new("src/net/mod.rs"));
        let net = Path::new("src/net.rs");
        let c = module_candidates(net, false, &decl("tcp", None, &[]));
        assert_eq!(c[0].0, Path::new("src/net/tcp.rs"));
        let c = module_candidates(lib, true, &decl("b", None, &["a"]));
        assert_eq!(c[0].0, Path::new("src/a/b.rs"));
        let c = module_candidates(net, false, &decl("x", Some("other/x.rs"), &[]));
        assert_eq!(c, vec![(PathBuf::from("src/other/x.rs"), true)]);
        let c = module_candidates(net, false, &decl("x", Some("x.rs"), &["inner"]));
        assert_eq!(c[0].0, Path::new("src/net/inner/x.rs"));
    }

    #[test]
    fn display_paths_are_relative() {
        assert_eq!(
            display_path(Path::new("/w/src/lib.rs"), Path::new("/w")),
            "src/lib.rs"
        );
        assert_eq!(
            display_path(Path::new("/elsewhere/a.rs"), Path::new("/w")),
            "/elsewhere/a.rs"
        );
    }
}
