//! Shell: which files to lint. Cargo mode reads the manifests itself (`manifest`: cargo's rules
//! for workspaces, members and targets; no cargo process) and selects packages as cargo would; the
//! module tree below each target root is followed as the analysis reports `mod` declarations
//! (see `run`). PATH mode walks the given files and directories.

use crate::analyze::ModDecl;
use crate::fsread::io_reason;
use crate::manifest::{self, LoadedWorkspace, ManifestProblems, PackageInfo};
use crate::semantic::{CrateInfo, Edition};
use crate::source::CargoTarget;
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
    /// The target as cargo's JSON describes it (copied into JSON output).
    pub meta: CargoTarget,
    pub root: PathBuf,
    /// Integration tests, benches and examples: code that never runs in production.
    pub is_test: bool,
}

/// A package to lint.
#[derive(Debug, Clone)]
pub struct Package {
    pub id: String,
    pub manifest_path: PathBuf,
    /// The package root (the manifest's directory).
    pub dir: PathBuf,
    pub krate: CrateInfo,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone)]
pub struct Workspace {
    /// The canonical workspace root: the read jail of every member.
    pub root: PathBuf,
    pub packages: Vec<Package>,
    /// What the manifests of the selected packages (and the root manifest) asked for and was
    /// refused, e.g. a target file outside the package: reported as `parse_error`s at the key.
    pub problems: Vec<ManifestProblems>,
}

/// Read the workspace of the nearest `Cargo.toml` (or `--manifest-path`) and select packages as
/// cargo would. Runs no program.
pub fn cargo_workspace(sel: &Selection) -> Result<Workspace, String> {
    let cwd = std::env::current_dir()
        .map_err(|e| format!("cannot use the current directory: {}", io_reason(&e)))?;
    let fs = manifest::RealFs::new(crate::fsread::DEFAULT_MAX_FILE_SIZE);
    let manifest = match &sel.manifest_path {
        Some(p) => {
            if !p.exists() {
                return Err(format!("manifest path `{}` does not exist", p.display()));
            }
            let abs = manifest::normalize(&cwd.join(p));
            if abs.file_name().is_none_or(|n| n != "Cargo.toml") {
                return Err(format!(
                    "the manifest-path must be a path to a Cargo.toml file: `{}`",
                    p.display()
                ));
            }
            abs
        }
        None => manifest::find_manifest(&fs, &cwd)?,
    };
    let loaded = manifest::load_workspace(&fs, &manifest, cargo_home().as_deref())?;
    select(&loaded, sel)
}

/// Cargo's home (`$CARGO_HOME`, else `~/.cargo`): the walk up to a workspace root stops there.
pub fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// The pure half of [`cargo_workspace`]: cargo's package selection (`-p`, `--workspace`,
/// `--exclude`, default members) on a loaded workspace.
pub fn select(ws: &LoadedWorkspace, sel: &Selection) -> Result<Workspace, String> {
    let members: Vec<&PackageInfo> = ws.members.iter().collect();
    let selected: Vec<&PackageInfo> = if !sel.packages.is_empty() {
        let mut out: Vec<&PackageInfo> = Vec::new();
        for spec in &sel.packages {
            let found: Vec<_> = members.iter().filter(|p| spec_matches(spec, p)).collect();
            if found.is_empty() {
                let names = members.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
                let mut msg =
                    format!("package ID specification `{spec}` did not match any packages");
                if let Some(best) =
                    crate::registry::did_you_mean(spec, names.iter().map(String::as_str))
                {
                    msg.push_str(&format!("; did you mean `{best}`?"));
                }
                return Err(msg);
            }
            for p in found {
                if !out.iter().any(|q| q.id == p.id) {
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
        // Cargo's default: the package of the manifest (or of the current directory); for the
        // root manifest its `default-members`, else (virtual) every member.
        ws.default_members
            .iter()
            .filter_map(|&i| ws.members.get(i))
            .collect()
    };
    if !sel.exclude.is_empty() && !sel.workspace {
        return Err("--exclude can only be used together with --workspace".into());
    }
    let problems = ws
        .problems
        .iter()
        .filter(|mp| {
            mp.manifest_path == ws.root_manifest
                || selected.iter().any(|p| p.manifest_path == mp.manifest_path)
        })
        .cloned()
        .collect();
    Ok(Workspace {
        root: ws.root.clone(),
        packages: selected.into_iter().map(convert_package).collect(),
        problems,
    })
}

fn spec_matches(spec: &str, p: &PackageInfo) -> bool {
    if spec == p.id {
        return true;
    }
    match spec.split_once('@') {
        Some((name, version)) => p.name == name && p.version == version,
        None => p.name == spec,
    }
}

pub fn convert_package(p: &PackageInfo) -> Package {
    let targets = p
        .targets
        .iter()
        .map(|t| Target {
            meta: t.to_cargo(),
            root: t.src_path.clone(),
            is_test: t.is_test(),
        })
        .collect();
    Package {
        id: p.id.clone(),
        manifest_path: p.manifest_path.clone(),
        dir: p.dir.clone(),
        krate: CrateInfo {
            name: p.name.clone(),
            edition: Edition::parse(&p.edition).unwrap_or_default(),
            dependencies: p.dependencies.clone(),
            has_lib: p.has_lib(),
            dependency_features: p.dependency_features.clone(),
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

/// `path` relative to `base` with `/` separators, or `path` as given when it is elsewhere.
/// [`display_path`] of a file that exists, with `.` and `..` resolved through the file system
/// when the path has them (a `#[path = "../x.rs"]` module), so one file has one name in every
/// output format and baseline key.
pub fn display_path_resolved(path: &Path, base: &Path) -> String {
    use std::path::Component;
    let dotted = path
        .components()
        .any(|c| matches!(c, Component::CurDir | Component::ParentDir));
    if dotted {
        if let (Ok(real), Ok(real_base)) =
            (std::fs::canonicalize(path), std::fs::canonicalize(base))
        {
            if real.starts_with(&real_base) {
                return display_path(&real, &real_base);
            }
        }
    }
    display_path(path, base)
}

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

    fn loaded() -> LoadedWorkspace {
        let fs = crate::manifest::test_fs::MemFs::new(&[
            ("/w/Cargo.toml", "[workspace]\nmembers = [\"alpha\", \"beta\"]\n"),
            (
                "/w/alpha/Cargo.toml",
                "[package]\nname = \"alpha\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\nmy-rt = { package = \"tokio\", version = \"1\" }\n",
            ),
            ("/w/alpha/src/lib.rs", ""),
            ("/w/alpha/tests/it.rs", ""),
            (
                "/w/beta/Cargo.toml",
                "[package]\nname = \"beta\"\nversion = \"0.2.0\"\n[[bin]]\nname = \"b\"\npath = \"../../x.rs\"\n",
            ),
            ("/w/beta/src/main.rs", ""),
        ]);
        crate::manifest::load_workspace(&fs, Path::new("/w/Cargo.toml"), None).unwrap()
    }

    fn names(sel: Selection) -> Result<Vec<String>, String> {
        select(&loaded(), &sel).map(|ws| ws.packages.iter().map(|p| p.krate.name.clone()).collect())
    }

    fn packages(p: &[&str]) -> Selection {
        Selection {
            packages: p.iter().map(|s| s.to_string()).collect(),
            ..Selection::default()
        }
    }

    #[test]
    fn package_selection_as_cargo() {
        assert_eq!(names(Selection::default()).unwrap(), ["alpha", "beta"]);
        assert_eq!(names(packages(&["beta"])).unwrap(), ["beta"]);
        assert_eq!(
            names(packages(&["alpha@0.1.0", "alpha"])).unwrap(),
            ["alpha"]
        );
        assert_eq!(
            names(packages(&["path+file:///w/beta#0.2.0"])).unwrap(),
            ["beta"]
        );
        let e = names(packages(&["alpha@9.9.9"])).unwrap_err();
        assert!(e.contains("did not match any packages"), "{e}");
        let e = names(packages(&["alpah"])).unwrap_err();
        assert!(e.contains("did you mean `alpha`"), "{e}");
        let all_but_beta = Selection {
            workspace: true,
            exclude: vec!["beta".into()],
            ..Selection::default()
        };
        assert_eq!(names(all_but_beta).unwrap(), ["alpha"]);
        let e = names(Selection {
            exclude: vec!["beta".into()],
            ..Selection::default()
        })
        .unwrap_err();
        assert!(e.contains("--exclude can only be used together with --workspace"));
    }

    #[test]
    fn packages_become_crate_infos_and_problems_follow_selection() {
        let ws = select(&loaded(), &packages(&["alpha"])).unwrap();
        assert_eq!(ws.root, Path::new("/w"));
        let alpha = &ws.packages[0];
        assert_eq!(alpha.krate.dependencies, ["my_rt"]);
        assert!(alpha.krate.has_lib);
        assert_eq!(alpha.krate.edition, Edition::E2021);
        let kinds: Vec<(&str, bool)> = alpha
            .targets
            .iter()
            .map(|t| (t.meta.kind[0].as_str(), t.is_test))
            .collect();
        assert_eq!(kinds, [("lib", false), ("test", true)]);
        assert_eq!(alpha.dir, Path::new("/w/alpha"));
        assert!(ws.problems.is_empty(), "beta's problems are not alpha's");
        let ws = select(&loaded(), &packages(&["beta"])).unwrap();
        assert_eq!(ws.problems.len(), 1);
        assert_eq!(ws.packages[0].krate.edition, Edition::E2015);
        assert!(!ws.packages[0].krate.has_lib);
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
