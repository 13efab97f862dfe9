//! Cargo's manifests, read by the tool itself: no `cargo` process, so nothing of the checkout's
//! choosing (toolchain files, `rustup` proxies, a `cargo` on `PATH`, aliases) ever runs.
//!
//! [`load_workspace`] follows cargo's rules: the workspace root above a package (the first parent
//! `Cargo.toml` with a `[workspace]` that does not exclude it, or `package.workspace`), members
//! (globs, `exclude`, path dependencies inside the root), `default-members`, inheritance of
//! `version` and `edition` from `[workspace.package]`, and each package's targets — explicit
//! `[lib]`/`[[bin]]`/`[[example]]`/`[[test]]`/`[[bench]]` entries with or without `path`, and the
//! auto-discovered ones (`src/lib.rs`, `src/main.rs`, `src/bin/*.rs`, `src/bin/*/main.rs`,
//! `examples/`, `tests/`, `benches/`) unless `autolib`/`autobins`/... say otherwise.
//! Build scripts are not targets here: they are never linted.
//!
//! The file system is behind [`ManifestFs`], so the rules are tested on in-memory trees.
//! [`RealFs`] is the shell: manifests of the workspace are read inside the workspace root through
//! [`crate::fsread::Jail`]; the parents visited while looking for the root may only be regular
//! files named `Cargo.toml` within the size limit, and their content is never shown (a parse error
//! there says where, not what). A target whose file resolves outside the workspace root is not
//! read: it becomes a [`Problem`] at its `path` key.

use crate::fsread::{self, ReadError};
use crate::source::CargoTarget;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

// ---- the file system, as discovery sees it --------------------------------------------------

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    /// A directory itself (not a symlink to one), as cargo's target discovery asks.
    pub is_dir: bool,
}

/// What discovery needs from the file system. Paths are absolute.
pub trait ManifestFs {
    /// Does something exist at `path` (cargo's `exists()`; nothing is opened)?
    fn exists(&self, path: &Path) -> bool;
    /// Is `path` a directory (following symlinks)?
    fn is_dir(&self, path: &Path) -> bool;
    /// `path` with symlinks resolved, if it exists.
    fn canonicalize(&self, path: &Path) -> Option<PathBuf>;
    /// The entries of `dir`, which must resolve inside `root` (else `ReadError::Outside`).
    fn read_dir(&self, root: &Path, dir: &Path) -> Result<Vec<DirEntry>, ReadError>;
    /// The text of a manifest inside `root`.
    fn read_inside(&self, root: &Path, path: &Path) -> Result<String, ReadError>;
    /// The text of a `Cargo.toml` met while looking for a workspace root: after symlinks it must
    /// still be named `Cargo.toml`, be a regular file and stay within the size limit.
    fn read_ancestor(&self, path: &Path) -> Result<String, ReadError>;
}

/// The real file system; every read goes through [`crate::fsread`].
#[derive(Debug, Clone)]
pub struct RealFs {
    pub limit: u64,
}

impl RealFs {
    pub fn new(limit: u64) -> RealFs {
        RealFs { limit }
    }
}

impl ManifestFs for RealFs {
    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn canonicalize(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }

    fn read_dir(&self, root: &Path, dir: &Path) -> Result<Vec<DirEntry>, ReadError> {
        let jail = fsread::Jail::new(root, self.limit)?;
        let real = jail.resolve(dir)?;
        let entries = std::fs::read_dir(&real).map_err(|e| ReadError::Io(fsread::io_reason(&e)))?;
        Ok(entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                Some(DirEntry {
                    name: e.file_name().into_string().ok()?,
                    is_dir: e.file_type().is_ok_and(|t| t.is_dir()),
                })
            })
            .collect())
    }

    fn read_inside(&self, root: &Path, path: &Path) -> Result<String, ReadError> {
        fsread::Jail::new(root, self.limit)?.read_to_string(path)
    }

    fn read_ancestor(&self, path: &Path) -> Result<String, ReadError> {
        let real = std::fs::canonicalize(path).map_err(|e| ReadError::Io(fsread::io_reason(&e)))?;
        if real.file_name().is_none_or(|n| n != "Cargo.toml") {
            return Err(ReadError::Io(
                "it resolves to a file not named `Cargo.toml`; not read".into(),
            ));
        }
        fsread::read_regular_to_string(&real, self.limit)
    }
}

// ---- the schema: only what discovery needs ---------------------------------------------------

type DepTable = BTreeMap<String, toml::Value>;

/// The parts of a `Cargo.toml` discovery uses. Unknown keys are ignored, as cargo warns and goes on.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RawManifest {
    pub package: Option<RawPackage>,
    /// The pre-2018 name of `[package]`.
    pub project: Option<RawPackage>,
    pub workspace: Option<RawWorkspace>,
    pub lib: Option<Spanned<RawTarget>>,
    pub bin: Option<Vec<Spanned<RawTarget>>>,
    pub example: Option<Vec<Spanned<RawTarget>>>,
    pub test: Option<Vec<Spanned<RawTarget>>>,
    pub bench: Option<Vec<Spanned<RawTarget>>>,
    // Not `#[serde(flatten)]`: flattening buffers the table and loses the spans.
    pub dependencies: Option<DepTable>,
    pub dev_dependencies: Option<DepTable>,
    #[serde(rename = "dev_dependencies")]
    pub dev_dependencies_: Option<DepTable>,
    pub build_dependencies: Option<DepTable>,
    #[serde(rename = "build_dependencies")]
    pub build_dependencies_: Option<DepTable>,
    pub target: Option<BTreeMap<String, RawDeps>>,
}

impl RawManifest {
    /// Every dependency table: normal, dev and build, top-level and per platform.
    fn dep_tables(&self) -> impl Iterator<Item = &DepTable> {
        [
            &self.dependencies,
            &self.dev_dependencies,
            &self.dev_dependencies_,
            &self.build_dependencies,
            &self.build_dependencies_,
        ]
        .into_iter()
        .flatten()
        .chain(
            self.target
                .iter()
                .flat_map(|t| t.values())
                .flat_map(RawDeps::tables),
        )
    }
}

/// The dependency tables of a manifest or of one `[target.'cfg(..)']`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RawDeps {
    pub dependencies: Option<DepTable>,
    pub dev_dependencies: Option<DepTable>,
    #[serde(rename = "dev_dependencies")]
    pub dev_dependencies_: Option<DepTable>,
    pub build_dependencies: Option<DepTable>,
    #[serde(rename = "build_dependencies")]
    pub build_dependencies_: Option<DepTable>,
}

impl RawDeps {
    fn tables(&self) -> impl Iterator<Item = &DepTable> {
        [
            &self.dependencies,
            &self.dev_dependencies,
            &self.dev_dependencies_,
            &self.build_dependencies,
            &self.build_dependencies_,
        ]
        .into_iter()
        .flatten()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RawPackage {
    pub name: Option<Spanned<String>>,
    pub version: Option<Spanned<Inheritable>>,
    pub edition: Option<Spanned<Inheritable>>,
    /// `package.workspace = "path"`: where the workspace root is.
    pub workspace: Option<String>,
    pub autolib: Option<bool>,
    pub autobins: Option<bool>,
    pub autoexamples: Option<bool>,
    pub autotests: Option<bool>,
    pub autobenches: Option<bool>,
}

/// A value or `{ workspace = true }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Inheritable {
    Value(String),
    Inherit { workspace: bool },
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RawWorkspace {
    pub members: Option<Vec<Spanned<String>>>,
    pub exclude: Option<Vec<String>>,
    pub default_members: Option<Vec<Spanned<String>>>,
    pub package: Option<RawWorkspacePackage>,
    pub dependencies: Option<DepTable>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawWorkspacePackage {
    pub version: Option<String>,
    pub edition: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RawTarget {
    pub name: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    pub crate_type: Option<Vec<String>>,
    #[serde(rename = "crate_type")]
    pub crate_type_: Option<Vec<String>>,
    pub proc_macro: Option<bool>,
    #[serde(rename = "proc_macro")]
    pub proc_macro_: Option<bool>,
    pub edition: Option<String>,
    pub test: Option<bool>,
    pub doctest: Option<bool>,
    pub doc: Option<bool>,
    pub required_features: Option<Vec<String>>,
}

/// Parse a manifest's text.
pub fn parse(text: &str) -> Result<RawManifest, toml::de::Error> {
    toml::from_str(text)
}

// ---- what discovery produces ------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Lib,
    Bin,
    Example,
    Test,
    Bench,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Lib => "lib",
            Kind::Bin => "bin",
            Kind::Example => "example",
            Kind::Test => "test",
            Kind::Bench => "bench",
        }
    }

    fn human(self) -> &'static str {
        match self {
            Kind::Lib => "library",
            Kind::Bin => "binary",
            Kind::Example => "example",
            Kind::Test => "test",
            Kind::Bench => "bench",
        }
    }

    /// Where targets of this kind are auto-discovered (besides `src/lib.rs` and `src/main.rs`).
    fn dir(self) -> &'static str {
        match self {
            Kind::Lib => "src",
            Kind::Bin => "src/bin",
            Kind::Example => "examples",
            Kind::Test => "tests",
            Kind::Bench => "benches",
        }
    }
}

/// One target of a package, as `cargo metadata` would describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetInfo {
    pub name: String,
    pub kind: Kind,
    pub crate_types: Vec<String>,
    /// Absolute, lexically normalized path of the root file.
    pub src_path: PathBuf,
    pub edition: String,
    pub required_features: Vec<String>,
    pub doc: bool,
    pub doctest: bool,
    pub test: bool,
}

impl TargetInfo {
    /// cargo's `kind` list: a library's crate types, else the kind's word.
    pub fn kinds(&self) -> Vec<String> {
        match self.kind {
            Kind::Lib => self.crate_types.clone(),
            k => vec![k.word().to_string()],
        }
    }

    /// Integration tests, benches and examples: code that never runs in production.
    pub fn is_test(&self) -> bool {
        matches!(self.kind, Kind::Test | Kind::Bench | Kind::Example)
    }

    pub fn to_cargo(&self) -> CargoTarget {
        CargoTarget {
            kind: self.kinds(),
            crate_types: self.crate_types.clone(),
            name: self.name.clone(),
            src_path: self.src_path.to_string_lossy().into_owned(),
            edition: self.edition.clone(),
            required_features: self.required_features.clone(),
            doc: self.doc,
            doctest: self.doctest,
            test: self.test,
        }
    }
}

/// One package of the workspace.
#[derive(Debug, Clone)]
pub struct PackageInfo {
    pub name: String,
    pub version: String,
    pub edition: String,
    /// cargo's package id: `path+file:///dir#name@version` (`#version` when the directory is
    /// named like the package).
    pub id: String,
    pub manifest_path: PathBuf,
    /// The package root: the manifest's directory.
    pub dir: PathBuf,
    /// Dependency names as the code spells them (`-` → `_`, renames applied), all tables.
    pub dependencies: Vec<String>,
    /// The features of each dependency of `[dependencies]` that is always built (not optional,
    /// not per target, not dev or build only), by name as the code spells it: its `features`,
    /// those of `[workspace.dependencies]` for `workspace = true`, and `default` unless
    /// `default-features = false`. What a fix may rely on the code being able to call.
    pub dependency_features: std::collections::HashMap<String, Vec<String>>,
    pub targets: Vec<TargetInfo>,
    /// Directories of path dependencies (for workspace membership).
    path_deps: Vec<PathBuf>,
}

impl PackageInfo {
    pub fn has_lib(&self) -> bool {
        self.targets.iter().any(|t| t.kind == Kind::Lib)
    }
}

/// Something in a manifest that discovery refused (a target file outside the package, ...),
/// located at the key: reported as a `parse_error` on the manifest, never an abort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Byte range in the manifest's text.
    pub span: Range<usize>,
    pub message: String,
}

/// The problems of one manifest, with its text (for rendering the key).
#[derive(Debug, Clone)]
pub struct ManifestProblems {
    pub manifest_path: PathBuf,
    pub text: String,
    pub problems: Vec<Problem>,
}

/// A workspace as cargo would load it.
#[derive(Debug, Clone)]
pub struct LoadedWorkspace {
    /// Canonical directory of the root manifest (the read jail of every member).
    pub root: PathBuf,
    pub root_manifest: PathBuf,
    /// Members, sorted by package id (as `cargo metadata` lists them).
    pub members: Vec<PackageInfo>,
    /// Indexes into `members`: what cargo builds without `-p`/`--workspace`.
    pub default_members: Vec<usize>,
    pub problems: Vec<ManifestProblems>,
}

const EDITIONS: [&str; 4] = ["2015", "2018", "2021", "2024"];

// ---- finding the manifest and the workspace root --------------------------------------------

/// The nearest `Cargo.toml` at or above `cwd`, as cargo finds it without `--manifest-path`.
pub fn find_manifest(fs: &dyn ManifestFs, cwd: &Path) -> Result<PathBuf, String> {
    cwd.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|m| fs.exists(m))
        .ok_or_else(|| {
            format!(
                "could not find `Cargo.toml` in `{}` or any parent directory",
                cwd.display()
            )
        })
}

/// `path` with `.` and `..` resolved lexically (cargo's `normalize_path`).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Line and column (1-based) of a byte offset, for messages that must not quote the text.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// A manifest of the workspace that is not valid: toml's message with its snippet, unless the
/// snippet would be huge (a line of 100,000 brackets), then just where and why.
fn parse_error(path: &Path, text: &str, e: &toml::de::Error) -> String {
    let full = e.to_string();
    if full.len() <= 2000 {
        return format!("failed to parse manifest at `{}`\n\n{full}", path.display());
    }
    let at = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
    format!(
        "failed to parse manifest at `{}` (line {}, column {}): {}",
        path.display(),
        at.0,
        at.1,
        e.message()
    )
}

/// Read and parse a `Cargo.toml` outside the workspace's jail: errors say where, never what.
fn load_ancestor(fs: &dyn ManifestFs, path: &Path) -> Result<(String, RawManifest), String> {
    let text = fs
        .read_ancestor(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    match parse(&text) {
        Ok(raw) => Ok((text, raw)),
        Err(e) => {
            let at = match e.span() {
                Some(s) => {
                    let (l, c) = line_col(&text, s.start);
                    format!(" (line {l}, column {c})")
                }
                None => String::new(),
            };
            Err(format!(
                "failed to parse manifest at `{}`{at}, found while looking for the workspace root",
                path.display()
            ))
        }
    }
}

fn load_inside(
    fs: &dyn ManifestFs,
    root: &Path,
    path: &Path,
) -> Result<(String, RawManifest), ReadOrParse> {
    let text = fs.read_inside(root, path).map_err(ReadOrParse::Read)?;
    match parse(&text) {
        Ok(raw) => Ok((text, raw)),
        Err(e) => Err(ReadOrParse::Parse(parse_error(path, &text, &e))),
    }
}

enum ReadOrParse {
    Read(ReadError),
    Parse(String),
}

impl RawWorkspace {
    /// cargo's `is_excluded`: under an `exclude` path and not under an explicit member path.
    fn is_excluded(&self, root: &Path, manifest: &Path) -> bool {
        let under = |p: &str| manifest.starts_with(normalize(&root.join(p)));
        let excluded = self.exclude.iter().flatten().any(|e| under(e));
        let member = self.members.iter().flatten().any(|m| under(m.get_ref()));
        excluded && !member
    }
}

/// Where the root manifest of `manifest`'s workspace is (cargo's `find_root`), and its text.
fn find_root(
    fs: &dyn ManifestFs,
    manifest: &Path,
    raw: &RawManifest,
    cargo_home: Option<&Path>,
) -> Result<Option<(PathBuf, String, RawManifest)>, String> {
    if raw.workspace.is_some() {
        return Ok(None);
    }
    let dir = manifest.parent().unwrap_or(Path::new("/"));
    let pointer = |from: &Path, to: &str| -> Result<(PathBuf, String, RawManifest), String> {
        let m = normalize(&from.join(to).join("Cargo.toml"));
        let m = fs.canonicalize(&m).unwrap_or(m);
        let (text, raw) = load_ancestor(fs, &m)?;
        if raw.workspace.is_none() {
            return Err(format!(
                "root of a workspace inferred but wasn't a root: {}",
                m.display()
            ));
        }
        Ok((m, text, raw))
    };
    if let Some(to) = package_of(raw).and_then(|p| p.workspace.as_deref()) {
        return pointer(dir, to).map(Some);
    }
    for ancestor in dir.ancestors().skip(1) {
        // As cargo: not across CARGO_HOME, not out of a `target/package` directory.
        if cargo_home.is_some_and(|h| h == ancestor) || ancestor.ends_with("target/package") {
            break;
        }
        let candidate = ancestor.join("Cargo.toml");
        if !fs.exists(&candidate) {
            continue;
        }
        let (text, up) = load_ancestor(fs, &candidate)?;
        if let Some(ws) = &up.workspace {
            if !ws.is_excluded(ancestor, manifest) {
                let m = fs.canonicalize(&candidate).unwrap_or(candidate);
                return Ok(Some((m, text, up)));
            }
        } else if let Some(to) = package_of(&up).and_then(|p| p.workspace.as_deref()) {
            return pointer(ancestor, to).map(Some);
        }
    }
    Ok(None)
}

fn package_of(raw: &RawManifest) -> Option<&RawPackage> {
    raw.package.as_ref().or(raw.project.as_ref())
}

// ---- loading the workspace ----------------------------------------------------------------------

/// Load the workspace of `manifest` (an existing `Cargo.toml`) as cargo would.
/// `cargo_home` bounds the walk up, as in cargo.
pub fn load_workspace(
    fs: &dyn ManifestFs,
    manifest: &Path,
    cargo_home: Option<&Path>,
) -> Result<LoadedWorkspace, String> {
    let current = fs
        .canonicalize(manifest)
        .ok_or_else(|| format!("manifest path `{}` does not exist", manifest.display()))?;
    if current.file_name().is_none_or(|n| n != "Cargo.toml") {
        return Err(format!(
            "`{}` resolves to a file not named `Cargo.toml`; not read",
            manifest.display()
        ));
    }
    let text = fs
        .read_ancestor(&current)
        .map_err(|e| format!("cannot read `{}`: {e}", current.display()))?;
    let raw = parse(&text).map_err(|e| parse_error(&current, &text, &e))?;
    let (root_manifest, root_text, root_raw) = match find_root(fs, &current, &raw, cargo_home)? {
        Some(found) => found,
        None => (current.clone(), text, raw),
    };
    let root_dir = root_manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let mut loader = Loader {
        fs,
        root: root_dir.clone(),
        ws: root_raw.workspace.as_ref(),
        members: BTreeMap::new(),
        problems: BTreeMap::new(),
    };
    let no_ws = RawWorkspace::default();
    let ws = root_raw.workspace.as_ref().unwrap_or(&no_ws);

    // Explicit members (globs), then the root package, each with its path dependencies.
    for m in ws.members.iter().flatten() {
        let dirs = loader.expand(m, "workspace.members", &root_manifest, &root_text)?;
        for dir in dirs {
            let member = dir.join("Cargo.toml");
            if ws.is_excluded(&root_dir, &member) {
                continue;
            }
            loader.add_member(&member, Some((m, &root_manifest, &root_text)))?;
        }
    }
    if package_of(&root_raw).is_some() {
        loader.add_loaded(&root_manifest, &root_text, &root_raw)?;
    }

    let members: Vec<(PathBuf, PackageInfo)> = loader.members.into_iter().collect();
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| members[a].1.id.cmp(&members[b].1.id));
    let canon = |p: &Path| fs.canonicalize(p).unwrap_or_else(|| p.to_path_buf());
    let canon_members: Vec<PathBuf> = order.iter().map(|&i| canon(&members[i].0)).collect();
    let find = |manifest: &Path| {
        let c = canon(manifest);
        canon_members.iter().position(|m| *m == c)
    };

    let default_members: Vec<usize> = if current == root_manifest {
        if let Some(defaults) = &ws.default_members {
            let mut out = Vec::new();
            for d in defaults {
                let mut l2 = Loader {
                    fs,
                    root: root_dir.clone(),
                    ws: None,
                    members: BTreeMap::new(),
                    problems: BTreeMap::new(),
                };
                for dir in l2.expand(d, "workspace.default-members", &root_manifest, &root_text)? {
                    match find(&dir.join("Cargo.toml")) {
                        Some(i) if !out.contains(&i) => out.push(i),
                        Some(_) => {}
                        None => {
                            return Err(format!(
                                "package `{}` is listed in default-members but is not a member\nfor workspace at `{}`",
                                dir.display(),
                                root_manifest.display()
                            ))
                        }
                    }
                }
            }
            out
        } else if package_of(&root_raw).is_none() {
            (0..members.len()).collect()
        } else {
            find(&root_manifest).into_iter().collect()
        }
    } else {
        match find(&current) {
            Some(i) => vec![i],
            None => {
                let rel = current
                    .parent()
                    .and_then(|d| d.strip_prefix(&root_dir).ok())
                    .map(|r| r.to_string_lossy().into_owned())
                    .unwrap_or_default();
                return Err(format!(
                    "current package believes it's in a workspace when it's not:\n\
                     current:   {}\nworkspace: {}\n\n\
                     this may be fixable by adding `{rel}` to the `workspace.members` array of the manifest located at: {}\n\
                     Alternatively, to keep it out of the workspace, add the package to the `workspace.exclude` array, or add an empty `[workspace]` table to the package's manifest.",
                    current.display(),
                    root_manifest.display(),
                    root_manifest.display()
                ));
            }
        }
    };
    let mut slots: Vec<Option<PackageInfo>> = members.into_iter().map(|(_, p)| Some(p)).collect();
    let members: Vec<PackageInfo> = order.iter().filter_map(|&i| slots[i].take()).collect();
    Ok(LoadedWorkspace {
        root: root_dir,
        root_manifest,
        members,
        default_members,
        problems: loader.problems.into_values().collect(),
    })
}

struct Loader<'a> {
    fs: &'a dyn ManifestFs,
    /// Canonical root directory: the jail.
    root: PathBuf,
    ws: Option<&'a RawWorkspace>,
    /// By manifest path.
    members: BTreeMap<PathBuf, PackageInfo>,
    problems: BTreeMap<PathBuf, ManifestProblems>,
}

impl Loader<'_> {
    fn problem(&mut self, manifest: &Path, text: &str, span: Range<usize>, message: String) {
        self.problems
            .entry(manifest.to_path_buf())
            .or_insert_with(|| ManifestProblems {
                manifest_path: manifest.to_path_buf(),
                text: text.to_string(),
                problems: Vec::new(),
            })
            .problems
            .push(Problem { span, message });
    }

    /// The directories a `members`/`default-members` entry names (globs expanded as the `glob`
    /// crate does; a pattern matching nothing stands for itself, as in cargo).
    fn expand(
        &mut self,
        entry: &Spanned<String>,
        key: &str,
        manifest: &Path,
        text: &str,
    ) -> Result<Vec<PathBuf>, String> {
        let pattern = normalize(&self.root.join(entry.get_ref()));
        let Ok(rel) = pattern.strip_prefix(&self.root) else {
            self.problem(
                manifest,
                text,
                entry.span(),
                format!(
                    "`{key}` entry `{}` is outside the workspace root; not read",
                    entry.get_ref()
                ),
            );
            return Ok(Vec::new());
        };
        let is_glob = |s: &str| s.contains(['*', '?', '[']);
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if !rel.iter().any(|c| is_glob(c)) {
            return Ok(vec![pattern]);
        }
        let mut current = vec![self.root.clone()];
        let mut outside = false;
        for comp in &rel {
            let mut next = Vec::new();
            if comp == "**" {
                let mut stack = current.clone();
                while let Some(d) = stack.pop() {
                    next.push(d.clone());
                    if next.len() > 10_000 {
                        break;
                    }
                    match self.fs.read_dir(&self.root, &d) {
                        Ok(entries) => stack.extend(
                            entries
                                .into_iter()
                                .filter(|e| e.is_dir)
                                .map(|e| d.join(e.name)),
                        ),
                        Err(ReadError::Outside) => outside = true,
                        Err(_) => {}
                    }
                }
            } else if is_glob(comp) {
                let glob = globset::GlobBuilder::new(comp)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| {
                        format!(
                            "invalid glob pattern `{}` in `{key}` of `{}`: {e}",
                            entry.get_ref(),
                            manifest.display()
                        )
                    })?
                    .compile_matcher();
                for d in &current {
                    match self.fs.read_dir(&self.root, d) {
                        Ok(mut entries) => {
                            entries.sort_by(|a, b| a.name.cmp(&b.name));
                            next.extend(
                                entries
                                    .into_iter()
                                    .filter(|e| glob.is_match(&e.name))
                                    .map(|e| d.join(e.name)),
                            );
                        }
                        Err(ReadError::Outside) => outside = true,
                        Err(_) => {}
                    }
                }
            } else {
                next.extend(
                    current
                        .iter()
                        .map(|d| d.join(comp))
                        .filter(|p| self.fs.exists(p)),
                );
            }
            current = next;
        }
        if outside {
            self.problem(
                manifest,
                text,
                entry.span(),
                format!(
                    "`{key}` entry `{}` goes through a directory outside the workspace root; its members there were not read",
                    entry.get_ref()
                ),
            );
        }
        if current.is_empty() {
            return Ok(if outside { Vec::new() } else { vec![pattern] });
        }
        current.sort();
        current.dedup();
        // Files that match (`crates/README.md`) are not members.
        Ok(current.into_iter().filter(|p| self.fs.is_dir(p)).collect())
    }

    /// Load the member at `manifest` (and its path dependencies). `entry` is the `members` entry
    /// naming it (for problems), absent for path dependencies.
    fn add_member(
        &mut self,
        manifest: &Path,
        entry: Option<(&Spanned<String>, &Path, &str)>,
    ) -> Result<(), String> {
        let manifest = normalize(manifest);
        if self.members.contains_key(&manifest) {
            return Ok(());
        }
        let (text, raw) = match load_inside(self.fs, &self.root, &manifest) {
            Ok(loaded) => loaded,
            Err(ReadOrParse::Parse(e)) => return Err(e),
            Err(ReadOrParse::Read(ReadError::Outside)) => {
                if let Some((e, root_manifest, root_text)) = entry {
                    self.problem(
                        root_manifest,
                        root_text,
                        e.span(),
                        format!(
                            "workspace member `{}` resolves outside the workspace root; not read",
                            e.get_ref()
                        ),
                    );
                }
                return Ok(());
            }
            Err(ReadOrParse::Read(e)) => {
                let dir = manifest.parent().unwrap_or(&manifest);
                return Err(match entry {
                    Some(_) => format!(
                        "failed to load manifest for workspace member `{}`: cannot read `{}`: {e}",
                        dir.display(),
                        manifest.display()
                    ),
                    None => format!(
                        "failed to load manifest for dependency at `{}`: cannot read `{}`: {e}",
                        dir.display(),
                        manifest.display()
                    ),
                });
            }
        };
        if raw.workspace.is_some() && manifest.parent() != Some(self.root.as_path()) {
            return Err(format!(
                "multiple workspace roots found in the same workspace:\n  {}\n  {}",
                self.root.display(),
                manifest.parent().unwrap_or(&manifest).display()
            ));
        }
        if package_of(&raw).is_none() {
            return Err(format!(
                "failed to load manifest for workspace member `{}`: found a virtual manifest instead of a package manifest",
                manifest.display()
            ));
        }
        self.add_loaded(&manifest, &text, &raw)
    }

    /// Add a parsed package manifest as a member, then its path dependencies inside the root.
    fn add_loaded(&mut self, manifest: &Path, text: &str, raw: &RawManifest) -> Result<(), String> {
        let manifest = normalize(manifest);
        if self.members.contains_key(&manifest) {
            return Ok(());
        }
        let mut problems = Vec::new();
        let pkg = package(self.fs, &self.root, &manifest, raw, self.ws, &mut problems)?;
        for p in problems {
            self.problem(&manifest, text, p.span, p.message);
        }
        let deps = pkg.path_deps.clone();
        self.members.insert(manifest, pkg);
        for dir in deps {
            let dep = normalize(&dir.join("Cargo.toml"));
            // Path dependencies inside the root are members, unless excluded.
            if !dep.starts_with(&self.root)
                || self.ws.is_some_and(|w| w.is_excluded(&self.root, &dep))
            {
                continue;
            }
            if self.ws.is_none() {
                // A package without `[workspace]` has no members but itself.
                continue;
            }
            self.add_member(&dep, None)?;
        }
        Ok(())
    }
}

/// Read one package from its parsed manifest: name, version, edition, dependencies, targets.
fn package(
    fs: &dyn ManifestFs,
    root: &Path,
    manifest: &Path,
    raw: &RawManifest,
    ws: Option<&RawWorkspace>,
    problems: &mut Vec<Problem>,
) -> Result<PackageInfo, String> {
    let at = || format!("in `{}`", manifest.display());
    let pkg = package_of(raw).ok_or_else(|| format!("no `[package]` {}", at()))?;
    let name = pkg
        .name
        .as_ref()
        .ok_or_else(|| format!("missing field `package.name` {}", at()))?;
    let name_span = name.span();
    let name = name.get_ref().clone();
    let ws_package = ws.and_then(|w| w.package.as_ref());
    let inherit = |field: &str,
                   value: Option<&Spanned<Inheritable>>,
                   from_ws: Option<&String>,
                   default: &str|
     -> Result<String, String> {
        match value.map(Spanned::get_ref) {
            None => Ok(default.to_string()),
            Some(Inheritable::Value(v)) => Ok(v.clone()),
            Some(Inheritable::Inherit { workspace: true }) => from_ws.cloned().ok_or_else(|| {
                format!(
                    "error inheriting `{field}` from workspace root manifest's `workspace.package.{field}` {}",
                    at()
                )
            }),
            Some(Inheritable::Inherit { workspace: false }) => {
                Err(format!("`workspace` cannot be false (`package.{field}`) {}", at()))
            }
        }
    };
    let version = inherit(
        "version",
        pkg.version.as_ref(),
        ws_package.and_then(|p| p.version.as_ref()),
        "0.0.0",
    )?;
    let edition = inherit(
        "edition",
        pkg.edition.as_ref(),
        ws_package.and_then(|p| p.edition.as_ref()),
        "2015",
    )?;
    check_edition(&edition, &at)?;
    let dir = manifest.parent().unwrap_or(Path::new("/")).to_path_buf();

    let mut dependencies = Vec::new();
    let mut path_deps = Vec::new();
    for table in raw.dep_tables() {
        for (key, value) in table {
            dependencies.push(key.replace('-', "_"));
            if let Some(p) = value.get("path").and_then(toml::Value::as_str) {
                path_deps.push(normalize(&dir.join(p)));
            } else if value.get("workspace").and_then(toml::Value::as_bool) == Some(true) {
                let inherited = ws
                    .and_then(|w| w.dependencies.as_ref())
                    .and_then(|d| d.get(key))
                    .and_then(|v| v.get("path"))
                    .and_then(toml::Value::as_str);
                if let Some(p) = inherited {
                    path_deps.push(normalize(&root.join(p)));
                }
            }
        }
    }
    dependencies.sort();
    dependencies.dedup();
    let dependency_features = raw
        .dependencies
        .iter()
        .flatten()
        .filter_map(|(key, value)| {
            let inherited = ws
                .and_then(|w| w.dependencies.as_ref())
                .and_then(|d| d.get(key));
            Some((
                key.replace('-', "_"),
                dependency_features(value, inherited)?,
            ))
        })
        .collect();

    let cx = TargetCx {
        fs,
        root,
        dir: &dir,
        package: &name,
        edition: &edition,
        name_span,
    };
    let targets = cx.targets(pkg, raw, problems)?;
    Ok(PackageInfo {
        id: package_id(&dir, &name, &version),
        name,
        version,
        edition,
        manifest_path: manifest.to_path_buf(),
        dir,
        dependencies,
        dependency_features,
        targets,
        path_deps,
    })
}

/// The features a dependency of `[dependencies]` is always built with (`default` included
/// unless turned off), or `None` if it may be absent (`optional`) or is not read (a
/// `workspace = true` the root does not declare). `inherited`: its entry in
/// `[workspace.dependencies]`, whose features add to the member's own (cargo's union).
fn dependency_features(
    value: &toml::Value,
    inherited: Option<&toml::Value>,
) -> Option<Vec<String>> {
    let list = |v: &toml::Value| -> Vec<String> {
        v.get("features")
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|f| f.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let no_default = |v: &toml::Value| {
        v.get("default-features")
            .or_else(|| v.get("default_features"))
            .and_then(toml::Value::as_bool)
            == Some(false)
    };
    if value.get("optional").and_then(toml::Value::as_bool) == Some(true) {
        return None;
    }
    let mut features = list(value);
    let mut default = !no_default(value);
    if value.get("workspace").and_then(toml::Value::as_bool) == Some(true) {
        let ws = inherited?;
        if ws.get("optional").and_then(toml::Value::as_bool) == Some(true) {
            return None;
        }
        features.extend(list(ws));
        // The member cannot turn off default features the workspace entry turns on.
        default = !no_default(ws);
    }
    if default {
        features.push("default".into());
    }
    features.sort();
    features.dedup();
    Some(features)
}

fn check_edition(edition: &str, at: &dyn Fn() -> String) -> Result<(), String> {
    if EDITIONS.contains(&edition) {
        Ok(())
    } else {
        Err(format!(
            "unknown edition `{edition}` {}: supported editions are {}",
            at(),
            EDITIONS.join(", ")
        ))
    }
}

/// cargo's package id for a path package.
fn package_id(dir: &Path, name: &str, version: &str) -> String {
    let url = crate::source::url_path(dir);
    if dir.file_name().is_some_and(|n| n == name) {
        format!("path+file://{url}#{version}")
    } else {
        format!("path+file://{url}#{name}@{version}")
    }
}

// ---- targets -------------------------------------------------------------------------------------

struct TargetCx<'a> {
    fs: &'a dyn ManifestFs,
    root: &'a Path,
    dir: &'a Path,
    package: &'a str,
    edition: &'a str,
    /// Where problems without a key of their own point: `package.name`.
    name_span: Range<usize>,
}

/// A target before its path is known: an explicit entry, or one found on disk.
struct Candidate<'a> {
    raw: Option<&'a Spanned<RawTarget>>,
    name: Option<String>,
    /// Relative to the package root (or absolute, as written).
    path: Option<PathBuf>,
}

impl TargetCx<'_> {
    fn targets(
        &self,
        pkg: &RawPackage,
        raw: &RawManifest,
        problems: &mut Vec<Problem>,
    ) -> Result<Vec<TargetInfo>, String> {
        let mut out = Vec::new();
        if let Some(lib) = self.lib(pkg, raw, problems)? {
            out.push(lib);
        }
        let has_lib = !out.is_empty();
        for kind in [Kind::Bin, Kind::Example, Kind::Test, Kind::Bench] {
            let (explicit, auto) = match kind {
                Kind::Bin => (&raw.bin, pkg.autobins),
                Kind::Example => (&raw.example, pkg.autoexamples),
                Kind::Test => (&raw.test, pkg.autotests),
                _ => (&raw.bench, pkg.autobenches),
            };
            let mut inferred = Vec::new();
            if kind == Kind::Bin && self.fs.exists(&self.dir.join("src/main.rs")) {
                inferred.push((self.package.to_string(), PathBuf::from("src/main.rs")));
            }
            inferred.extend(self.infer_dir(kind.dir(), problems));
            let mut targets = self.merge(explicit.as_deref(), &inferred, auto);
            targets.sort_by(|a, b| a.name.cmp(&b.name));
            for c in targets {
                if let Some(t) = self.finish(kind, c, &inferred, has_lib, problems)? {
                    out.push(t);
                }
            }
        }
        out.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        Ok(out)
    }

    fn lib(
        &self,
        pkg: &RawPackage,
        raw: &RawManifest,
        problems: &mut Vec<Problem>,
    ) -> Result<Option<TargetInfo>, String> {
        let inferred = self
            .fs
            .exists(&self.dir.join("src/lib.rs"))
            .then(|| PathBuf::from("src/lib.rs"));
        let (raw_lib, span) = match &raw.lib {
            Some(l) => (l.get_ref().clone(), l.span()),
            None if pkg.autolib != Some(false) && inferred.is_some() => {
                (RawTarget::default(), self.name_span.clone())
            }
            None => return Ok(None),
        };
        let name = raw_lib
            .name
            .as_ref()
            .map(|n| n.get_ref().clone())
            .unwrap_or_else(|| self.package.replace('-', "_"));
        let key_span = raw_lib.path.as_ref().map_or(span.clone(), Spanned::span);
        let path = match raw_lib.path.as_ref().map(|p| PathBuf::from(p.get_ref())) {
            Some(p) => p,
            None => match inferred {
                Some(p) => p,
                None => {
                    let legacy = PathBuf::from(format!("src/{name}.rs"));
                    if self.edition == "2015" && self.fs.exists(&self.dir.join(&legacy)) {
                        legacy
                    } else {
                        problems.push(Problem {
                            span,
                            message: format!(
                                "can't find library `{name}`, rename file to `src/lib.rs` or specify lib.path"
                            ),
                        });
                        return Ok(None);
                    }
                }
            },
        };
        let crate_types = match (
            raw_lib.crate_type.as_ref().or(raw_lib.crate_type_.as_ref()),
            raw_lib.proc_macro.or(raw_lib.proc_macro_),
        ) {
            (Some(types), _) if !types.is_empty() => types.clone(),
            (_, Some(true)) => vec!["proc-macro".to_string()],
            _ => vec!["lib".to_string()],
        };
        let doctestable = crate_types
            .iter()
            .any(|t| matches!(t.as_str(), "lib" | "rlib" | "proc-macro"));
        let edition = self.target_edition(&raw_lib)?;
        let Some(src_path) = self.inside(&name, &path, key_span, Kind::Lib, problems) else {
            return Ok(None);
        };
        Ok(Some(TargetInfo {
            name,
            kind: Kind::Lib,
            crate_types,
            src_path,
            edition,
            required_features: raw_lib.required_features.clone().unwrap_or_default(),
            doc: raw_lib.doc.unwrap_or(true),
            doctest: raw_lib.doctest.unwrap_or(true) && doctestable,
            test: raw_lib.test.unwrap_or(true),
        }))
    }

    fn target_edition(&self, raw: &RawTarget) -> Result<String, String> {
        match &raw.edition {
            Some(e) => {
                check_edition(e, &|| {
                    format!("in `{}`", self.dir.join("Cargo.toml").display())
                })?;
                Ok(e.clone())
            }
            None => Ok(self.edition.to_string()),
        }
    }

    /// `(name, relative path)` of the targets found in `rel` (`*.rs` and `*/main.rs`, no dotfiles).
    fn infer_dir(&self, rel: &str, problems: &mut Vec<Problem>) -> Vec<(String, PathBuf)> {
        let dir = self.dir.join(rel);
        let entries = match self.fs.read_dir(self.root, &dir) {
            Ok(e) => e,
            Err(ReadError::Outside) => {
                problems.push(Problem {
                    span: self.name_span.clone(),
                    message: format!(
                        "`{rel}` resolves outside the package; targets in it were not discovered or read"
                    ),
                });
                return Vec::new();
            }
            Err(_) => return Vec::new(),
        };
        let mut out = Vec::new();
        for e in entries {
            if e.name.starts_with('.') {
                continue;
            }
            if e.is_dir {
                let main = Path::new(rel).join(&e.name).join("main.rs");
                if self.fs.exists(&self.dir.join(&main)) {
                    out.push((e.name, main));
                }
            } else if let Some(stem) = e.name.strip_suffix(".rs") {
                out.push((stem.to_string(), Path::new(rel).join(&e.name)));
            }
        }
        out.sort();
        out
    }

    /// cargo's `toml_targets_and_inferred`: explicit entries, plus the inferred ones whose name
    /// and path no explicit entry has, unless auto-discovery is off (by default it is off in
    /// edition 2015 once any entry is explicit).
    fn merge<'r>(
        &self,
        explicit: Option<&'r [Spanned<RawTarget>]>,
        inferred: &[(String, PathBuf)],
        auto: Option<bool>,
    ) -> Vec<Candidate<'r>> {
        let from_disk = |(name, path): &(String, PathBuf)| Candidate {
            raw: None,
            name: Some(name.clone()),
            path: Some(path.clone()),
        };
        let Some(explicit) = explicit else {
            return if auto == Some(false) {
                Vec::new()
            } else {
                inferred.iter().map(from_disk).collect()
            };
        };
        let mut out: Vec<Candidate<'r>> = explicit
            .iter()
            .map(|t| Candidate {
                raw: Some(t),
                name: t.get_ref().name.as_ref().map(|n| n.get_ref().clone()),
                path: t
                    .get_ref()
                    .path
                    .as_ref()
                    .map(|p| PathBuf::from(p.get_ref())),
            })
            .collect();
        if auto.unwrap_or(self.edition != "2015") {
            let names: Vec<Option<String>> = out.iter().map(|c| c.name.clone()).collect();
            let paths: Vec<PathBuf> = out
                .iter()
                .filter_map(|c| c.path.as_ref().map(|p| self.dir.join(p)))
                .collect();
            for t in inferred {
                if !names.contains(&Some(t.0.clone())) && !paths.contains(&self.dir.join(&t.1)) {
                    out.push(from_disk(t));
                }
            }
        }
        out
    }

    fn finish(
        &self,
        kind: Kind,
        c: Candidate<'_>,
        inferred: &[(String, PathBuf)],
        has_lib: bool,
        problems: &mut Vec<Problem>,
    ) -> Result<Option<TargetInfo>, String> {
        let raw = c.raw.map(Spanned::get_ref).cloned().unwrap_or_default();
        let span = c.raw.map_or(self.name_span.clone(), Spanned::span);
        let Some(name) = c.name else {
            problems.push(Problem {
                span,
                message: format!("{} target {}.name is required", kind.human(), kind.word()),
            });
            return Ok(None);
        };
        let name_span = raw.name.as_ref().map_or(span.clone(), Spanned::span);
        let path = match c.path {
            Some(p) => p,
            None => {
                let matching: Vec<&PathBuf> = inferred
                    .iter()
                    .filter(|(n, _)| *n == name)
                    .map(|(_, p)| p)
                    .collect();
                let legacy = || {
                    (self.edition == "2015")
                        .then(|| self.legacy_path(kind, &name, has_lib))
                        .flatten()
                };
                match (matching.as_slice(), legacy()) {
                    ([one], _) => (*one).clone(),
                    (_, Some(l)) => l,
                    ([], None) => {
                        problems.push(Problem {
                            span: name_span,
                            message: format!(
                                "can't find `{name}` {}, specify {}.path",
                                kind.human(),
                                kind.word()
                            ),
                        });
                        return Ok(None);
                    }
                    (many, None) => {
                        problems.push(Problem {
                            span: name_span,
                            message: format!(
                                "cannot infer path for `{name}` {}: multiple target files found at `{}` and `{}`",
                                kind.human(),
                                many[0].display(),
                                many[1].display()
                            ),
                        });
                        return Ok(None);
                    }
                }
            }
        };
        let key_span = raw.path.as_ref().map_or(name_span, Spanned::span);
        let edition = self.target_edition(&raw)?;
        let Some(src_path) = self.inside(&name, &path, key_span, kind, problems) else {
            return Ok(None);
        };
        let crate_types = match (kind, raw.crate_type.as_ref().or(raw.crate_type_.as_ref())) {
            (Kind::Example, Some(types)) if !types.is_empty() => types.clone(),
            _ => vec!["bin".to_string()],
        };
        let (doc, test) = match kind {
            Kind::Bin => (true, true),
            Kind::Test => (false, true),
            _ => (false, false),
        };
        Ok(Some(TargetInfo {
            name,
            kind,
            crate_types,
            src_path,
            edition,
            required_features: raw.required_features.clone().unwrap_or_default(),
            doc: raw.doc.unwrap_or(doc),
            doctest: false,
            test: raw.test.unwrap_or(test),
        }))
    }

    /// Edition 2015's fallbacks for a target without `path`.
    fn legacy_path(&self, kind: Kind, name: &str, has_lib: bool) -> Option<PathBuf> {
        let exists = |p: &str| self.fs.exists(&self.dir.join(p)).then(|| PathBuf::from(p));
        match kind {
            Kind::Bin => (!has_lib)
                .then(|| exists(&format!("src/{name}.rs")))
                .flatten()
                .or_else(|| exists("src/main.rs"))
                .or_else(|| exists("src/bin/main.rs")),
            Kind::Bench if name == "bench" => exists("src/bench.rs"),
            _ => None,
        }
    }

    /// The absolute path of a target file, or a problem at `span` when it resolves outside the
    /// workspace root (then the file is never opened).
    fn inside(
        &self,
        name: &str,
        path: &Path,
        span: Range<usize>,
        kind: Kind,
        problems: &mut Vec<Problem>,
    ) -> Option<PathBuf> {
        let abs = normalize(&self.dir.join(path));
        let inside = abs.starts_with(self.root)
            && self
                .fs
                .canonicalize(&abs)
                .is_none_or(|real| real.starts_with(self.root));
        if inside {
            return Some(abs);
        }
        problems.push(Problem {
            span,
            message: format!(
                "{} target `{name}`: its file is outside the package, not read",
                kind.human()
            ),
        });
        None
    }
}

#[cfg(test)]
pub(crate) mod test_fs {
    //! An in-memory file system for discovery tests.

    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[derive(Default)]
    pub struct MemFs {
        pub files: BTreeMap<PathBuf, String>,
        /// Symlinks: path → target (absolute).
        pub links: BTreeMap<PathBuf, PathBuf>,
    }

    impl MemFs {
        pub fn new(files: &[(&str, &str)]) -> MemFs {
            MemFs {
                files: files
                    .iter()
                    .map(|(p, t)| (PathBuf::from(p), t.to_string()))
                    .collect(),
                links: BTreeMap::new(),
            }
        }

        fn resolve(&self, path: &Path) -> PathBuf {
            let mut out = PathBuf::new();
            for c in normalize(path).components() {
                out.push(c);
                if let Some(t) = self.links.get(&out) {
                    out = t.clone();
                }
            }
            out
        }

        fn dirs(&self) -> BTreeSet<PathBuf> {
            let mut d = BTreeSet::new();
            for f in self.files.keys() {
                for a in f.ancestors().skip(1) {
                    d.insert(a.to_path_buf());
                }
            }
            d
        }
    }

    impl ManifestFs for MemFs {
        fn exists(&self, path: &Path) -> bool {
            let r = self.resolve(path);
            self.files.contains_key(&r) || self.dirs().contains(&r)
        }
        fn is_dir(&self, path: &Path) -> bool {
            self.dirs().contains(&self.resolve(path))
        }
        fn canonicalize(&self, path: &Path) -> Option<PathBuf> {
            self.exists(path).then(|| self.resolve(path))
        }
        fn read_dir(&self, root: &Path, dir: &Path) -> Result<Vec<DirEntry>, ReadError> {
            let real = self.resolve(dir);
            if !real.starts_with(root) {
                return Err(ReadError::Outside);
            }
            let dirs = self.dirs();
            let mut names = BTreeMap::new();
            for p in self.files.keys().chain(dirs.iter()) {
                if p.parent() == Some(&real) {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    names.insert(name, dirs.contains(p));
                }
            }
            for l in self.links.keys() {
                if l.parent() == Some(&real) {
                    names.insert(l.file_name().unwrap().to_string_lossy().into_owned(), false);
                }
            }
            Ok(names
                .into_iter()
                .map(|(name, is_dir)| DirEntry { name, is_dir })
                .collect())
        }
        fn read_inside(&self, root: &Path, path: &Path) -> Result<String, ReadError> {
            let real = self.resolve(path);
            if !real.starts_with(root) {
                return Err(ReadError::Outside);
            }
            self.files
                .get(&real)
                .cloned()
                .ok_or_else(|| ReadError::Io("No such file or directory".into()))
        }
        fn read_ancestor(&self, path: &Path) -> Result<String, ReadError> {
            let real = self.resolve(path);
            if real.file_name().is_none_or(|n| n != "Cargo.toml") {
                return Err(ReadError::Io("not named Cargo.toml".into()));
            }
            self.files
                .get(&real)
                .cloned()
                .ok_or_else(|| ReadError::Io("No such file or directory".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_fs::MemFs;
    use super::*;

    fn load(fs: &MemFs, manifest: &str) -> LoadedWorkspace {
        load_workspace(fs, Path::new(manifest), None).unwrap_or_else(|e| panic!("{e}"))
    }

    fn targets(p: &PackageInfo) -> Vec<(String, &'static str, String)> {
        p.targets
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    t.kind.word(),
                    t.src_path.to_string_lossy().into_owned(),
                )
            })
            .collect()
    }

    const PKG: &str = "[package]\nname = \"my-pkg\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

    #[test]
    fn auto_discovered_targets() {
        let fs = MemFs::new(&[
            ("/p/Cargo.toml", PKG),
            ("/p/src/lib.rs", ""),
            ("/p/src/main.rs", ""),
            ("/p/src/bin/a.rs", ""),
            ("/p/src/bin/b/main.rs", ""),
            ("/p/src/bin/b/util.rs", ""),
            ("/p/src/bin/c/notmain.rs", ""),
            ("/p/src/bin/.hidden.rs", ""),
            ("/p/src/bin/readme.md", ""),
            ("/p/examples/ex.rs", ""),
            ("/p/tests/t.rs", ""),
            ("/p/benches/b/main.rs", ""),
            ("/p/build.rs", ""),
        ]);
        let ws = load(&fs, "/p/Cargo.toml");
        assert_eq!(ws.root, Path::new("/p"));
        assert_eq!(ws.members.len(), 1);
        let p = &ws.members[0];
        assert_eq!(p.id, "path+file:///p#my-pkg@0.1.0");
        assert_eq!(
            targets(p),
            [
                ("my_pkg".into(), "lib", "/p/src/lib.rs".into()),
                ("a".into(), "bin", "/p/src/bin/a.rs".into()),
                ("b".into(), "bin", "/p/src/bin/b/main.rs".into()),
                ("my-pkg".into(), "bin", "/p/src/main.rs".into()),
                ("ex".into(), "example", "/p/examples/ex.rs".into()),
                ("t".into(), "test", "/p/tests/t.rs".into()),
                ("b".into(), "bench", "/p/benches/b/main.rs".into()),
            ]
        );
        assert!(p.has_lib());
        assert!(ws.problems.is_empty());
        assert_eq!(ws.default_members, [0]);
    }

    #[test]
    fn explicit_targets_and_auto_flags() {
        let manifest = format!(
            "{PKG}autobins = false\nautotests = false\n\n[lib]\nname = \"core\"\npath = \"lib/core.rs\"\ncrate-type = [\"cdylib\"]\n\n[[bin]]\nname = \"x\"\n\n[[bin]]\nname = \"tool\"\npath = \"tools/tool.rs\"\nedition = \"2018\"\n\n[[example]]\nname = \"ex\"\ntest = true\n\n[[test]]\nname = \"it\"\npath = \"checks/it.rs\"\n"
        );
        let fs = MemFs::new(&[
            ("/p/Cargo.toml", &manifest),
            ("/p/lib/core.rs", ""),
            ("/p/src/lib.rs", ""),
            ("/p/src/main.rs", ""),
            ("/p/src/bin/x/main.rs", ""),
            ("/p/src/bin/ignored.rs", ""),
            ("/p/tools/tool.rs", ""),
            ("/p/examples/ex/main.rs", ""),
            ("/p/examples/other.rs", ""),
            ("/p/tests/ignored.rs", ""),
            ("/p/checks/it.rs", ""),
        ]);
        let ws = load(&fs, "/p/Cargo.toml");
        let p = &ws.members[0];
        assert_eq!(
            targets(p),
            [
                ("core".into(), "lib", "/p/lib/core.rs".into()),
                ("tool".into(), "bin", "/p/tools/tool.rs".into()),
                ("x".into(), "bin", "/p/src/bin/x/main.rs".into()),
                ("ex".into(), "example", "/p/examples/ex/main.rs".into()),
                ("other".into(), "example", "/p/examples/other.rs".into()),
                ("it".into(), "test", "/p/checks/it.rs".into()),
            ]
        );
        let lib = &p.targets[0];
        assert_eq!(lib.kinds(), ["cdylib"]);
        assert!(!lib.doctest, "a cdylib has no doctests");
        assert_eq!(p.targets[1].edition, "2018");
        assert_eq!(p.targets[2].edition, "2021");
        assert!(p.targets[3].test && !p.targets[4].test);
        assert_eq!(p.targets[3].to_cargo().kind, ["example"]);
    }

    #[test]
    fn edition_2015_does_not_merge_inferred_targets_with_explicit_ones() {
        let manifest = "[package]\nname = \"old\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"main\"\npath = \"src/main.rs\"\n";
        let fs = MemFs::new(&[
            ("/old/Cargo.toml", manifest),
            ("/old/src/main.rs", ""),
            ("/old/src/bin/extra.rs", ""),
        ]);
        let p = &load(&fs, "/old/Cargo.toml").members[0];
        assert_eq!(p.edition, "2015");
        assert_eq!(p.id, "path+file:///old#0.1.0");
        assert_eq!(
            targets(p),
            [("main".into(), "bin", "/old/src/main.rs".into())]
        );
        assert!(!p.has_lib());
    }

    #[test]
    fn explicit_entry_overrides_the_inferred_one_of_the_same_name() {
        let manifest = format!("{PKG}\n[[bin]]\nname = \"a\"\ntest = false\n");
        let fs = MemFs::new(&[
            ("/p/Cargo.toml", &manifest),
            ("/p/src/bin/a.rs", ""),
            ("/p/src/bin/b.rs", ""),
        ]);
        let p = &load(&fs, "/p/Cargo.toml").members[0];
        assert_eq!(p.targets.len(), 2);
        assert_eq!(p.targets[0].name, "a");
        assert!(!p.targets[0].test);
        assert!(p.targets[1].test);
    }

    #[test]
    fn dependency_features_of_normal_deps_with_workspace_inheritance() {
        let root = "[workspace]\nmembers = [\"a\"]\n\n[workspace.dependencies]\ntokio = { version = \"1\", features = [\"rt\"] }\nbare = { version = \"1\", default-features = false }\n";
        let a = "[package]\nname = \"a\"\n\n[dependencies]\ntokio = { workspace = true, features = [\"time\", \"fs\"] }\nbare.workspace = true\nasync-std = \"1\"\nmaybe = { version = \"1\", optional = true }\nmissing = { workspace = true }\n\n[dev-dependencies]\ndev-only = { version = \"1\", features = [\"x\"] }\n[target.'cfg(unix)'.dependencies]\nunix-only = \"1\"\n";
        let fs = MemFs::new(&[
            ("/w/Cargo.toml", root),
            ("/w/a/Cargo.toml", a),
            ("/w/a/src/lib.rs", ""),
        ]);
        let p = &load(&fs, "/w/Cargo.toml").members[0];
        let mut f: Vec<(&str, Vec<&str>)> = p
            .dependency_features
            .iter()
            .map(|(k, v)| (k.as_str(), v.iter().map(String::as_str).collect()))
            .collect();
        f.sort();
        assert_eq!(
            f,
            [
                ("async_std", vec!["default"]),
                ("bare", vec![]),
                ("tokio", vec!["default", "fs", "rt", "time"]),
            ]
        );
    }

    #[test]
    fn workspace_globs_exclude_defaults_inheritance_and_path_deps() {
        let root = "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/skip\"]\ndefault-members = [\"crates/a\"]\n\n[workspace.package]\nedition = \"2024\"\nversion = \"2.0.0\"\n\n[workspace.dependencies]\nshared = { path = \"libs/shared\" }\n";
        let a = "[package]\nname = \"a\"\nversion.workspace = true\nedition.workspace = true\n\n[dependencies]\nshared = { workspace = true }\nmy-dep = { package = \"real\", version = \"1\" }\n[target.'cfg(unix)'.dev-dependencies]\nunix-only = \"1\"\n";
        let fs = MemFs::new(&[
            ("/w/Cargo.toml", root),
            ("/w/crates/a/Cargo.toml", a),
            ("/w/crates/a/src/lib.rs", ""),
            ("/w/crates/b/Cargo.toml", "[package]\nname = \"b\"\n"),
            ("/w/crates/b/src/main.rs", ""),
            ("/w/crates/skip/Cargo.toml", "not toml ["),
            ("/w/crates/notes.md", ""),
            (
                "/w/libs/shared/Cargo.toml",
                "[package]\nname = \"shared\"\n",
            ),
            ("/w/libs/shared/src/lib.rs", ""),
        ]);
        let ws = load(&fs, "/w/Cargo.toml");
        let names: Vec<&str> = ws.members.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "shared"]);
        let a = &ws.members[0];
        assert_eq!((a.version.as_str(), a.edition.as_str()), ("2.0.0", "2024"));
        assert_eq!(a.dependencies, ["my_dep", "shared", "unix_only"]);
        assert_eq!(a.targets[0].edition, "2024");
        assert_eq!(ws.members[1].version, "0.0.0");
        assert_eq!(ws.members[1].edition, "2015");
        assert_eq!(ws.default_members, [0]);

        // From inside a member: that member.
        let ws = load(&fs, "/w/crates/b/Cargo.toml");
        assert_eq!(ws.root, Path::new("/w"));
        assert_eq!(ws.default_members, [1]);
        // The excluded package is its own workspace (its broken manifest is its own business).
        let e = load_workspace(&fs, Path::new("/w/crates/skip/Cargo.toml"), None).unwrap_err();
        assert!(
            e.contains("failed to parse manifest at `/w/crates/skip/Cargo.toml`"),
            "{e}"
        );
    }

    #[test]
    fn virtual_manifest_defaults_to_every_member_and_rooted_one_to_the_root() {
        let fs = MemFs::new(&[
            ("/v/Cargo.toml", "[workspace]\nmembers = [\"x\", \"y\"]\n"),
            ("/v/x/Cargo.toml", "[package]\nname = \"x\"\n"),
            ("/v/y/Cargo.toml", "[package]\nname = \"y\"\n"),
            (
                "/r/Cargo.toml",
                "[package]\nname = \"r\"\n[workspace]\nmembers = [\"m\"]\n",
            ),
            ("/r/m/Cargo.toml", "[package]\nname = \"m\"\n"),
        ]);
        assert_eq!(load(&fs, "/v/Cargo.toml").default_members, [0, 1]);
        let ws = load(&fs, "/r/Cargo.toml");
        assert_eq!(ws.members.len(), 2);
        assert_eq!(ws.members[ws.default_members[0]].name, "r");
    }

    #[test]
    fn package_workspace_pointer_and_non_member_errors() {
        let fs = MemFs::new(&[
            ("/w/Cargo.toml", "[workspace]\nmembers = [\"deep/pkg\"]\n"),
            (
                "/w/deep/pkg/Cargo.toml",
                "[package]\nname = \"pkg\"\nworkspace = \"../..\"\n",
            ),
            ("/w/stray/Cargo.toml", "[package]\nname = \"stray\"\n"),
        ]);
        let ws = load(&fs, "/w/deep/pkg/Cargo.toml");
        assert_eq!(ws.root, Path::new("/w"));
        let e = load_workspace(&fs, Path::new("/w/stray/Cargo.toml"), None).unwrap_err();
        assert!(e.contains("believes it's in a workspace"), "{e}");
        let fs = MemFs::new(&[
            (
                "/w/Cargo.toml",
                "[workspace]\nmembers = [\"a\"]\ndefault-members = [\"b\"]\n",
            ),
            ("/w/a/Cargo.toml", "[package]\nname = \"a\"\n"),
        ]);
        let e = load_workspace(&fs, Path::new("/w/Cargo.toml"), None).unwrap_err();
        assert!(e.contains("default-members but is not a member"), "{e}");
    }

    #[test]
    fn a_broken_parent_manifest_is_not_quoted() {
        let fs = MemFs::new(&[("/Cargo.toml", "SECRET = [\n"), ("/p/Cargo.toml", PKG)]);
        let e = load_workspace(&fs, Path::new("/p/Cargo.toml"), None).unwrap_err();
        assert!(e.contains("/Cargo.toml") && e.contains("line"), "{e}");
        assert!(!e.contains("SECRET"), "{e}");
    }

    #[test]
    fn target_files_outside_the_package_are_problems_at_the_path_key() {
        let manifest = format!(
            "{PKG}\n[lib]\npath = \"/etc/passwd\"\n\n[[bin]]\nname = \"up\"\npath = \"../outside.rs\"\n\n[[bin]]\nname = \"linked\"\npath = \"src/link.rs\"\n"
        );
        let mut fs = MemFs::new(&[
            ("/p/Cargo.toml", &manifest),
            ("/outside.rs", "SECRET"),
            ("/etc/passwd", "SECRET"),
            ("/p/src/main.rs", ""),
        ]);
        fs.links
            .insert("/p/src/link.rs".into(), "/outside.rs".into());
        let ws = load(&fs, "/p/Cargo.toml");
        let p = &ws.members[0];
        assert_eq!(
            targets(p),
            [("my-pkg".into(), "bin", "/p/src/main.rs".into())]
        );
        assert_eq!(ws.problems.len(), 1);
        let mp = &ws.problems[0];
        assert_eq!(mp.manifest_path, Path::new("/p/Cargo.toml"));
        let keys: Vec<&str> = mp
            .problems
            .iter()
            .map(|p| &mp.text[p.span.clone()])
            .collect();
        assert_eq!(
            keys,
            ["\"/etc/passwd\"", "\"src/link.rs\"", "\"../outside.rs\""]
        );
        for p in &mp.problems {
            assert!(
                p.message.contains("outside the package, not read"),
                "{}",
                p.message
            );
        }
    }

    #[test]
    fn symlinked_discovery_directory_is_a_problem() {
        let mut fs = MemFs::new(&[("/p/Cargo.toml", PKG), ("/secret/passwd.rs", "")]);
        fs.links.insert("/p/src".into(), "/secret".into());
        let ws = load(&fs, "/p/Cargo.toml");
        assert!(ws.members[0].targets.is_empty());
        let msgs: Vec<&str> = ws.problems[0]
            .problems
            .iter()
            .map(|p| p.message.as_str())
            .collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("`src/bin` resolves outside")),
            "{msgs:?}"
        );
        assert!(!msgs.iter().any(|m| m.contains("passwd")), "{msgs:?}");
    }

    #[test]
    fn members_outside_the_root_are_problems() {
        let mut fs = MemFs::new(&[
            (
                "/w/Cargo.toml",
                "[workspace]\nmembers = [\"../elsewhere\", \"linked\", \"ok\"]\n",
            ),
            ("/w/ok/Cargo.toml", "[package]\nname = \"ok\"\n"),
            ("/elsewhere/Cargo.toml", "[package]\nname = \"elsewhere\"\n"),
        ]);
        fs.links.insert("/w/linked".into(), "/elsewhere".into());
        let ws = load(&fs, "/w/Cargo.toml");
        assert_eq!(ws.members.len(), 1);
        let mp = &ws.problems[0];
        let keys: Vec<&str> = mp
            .problems
            .iter()
            .map(|p| &mp.text[p.span.clone()])
            .collect();
        assert_eq!(keys, ["\"../elsewhere\"", "\"linked\""]);
    }

    #[test]
    fn missing_targets_and_bad_editions() {
        let manifest = format!("{PKG}\n[[bin]]\nname = \"nowhere\"\n");
        let fs = MemFs::new(&[("/p/Cargo.toml", &manifest)]);
        let ws = load(&fs, "/p/Cargo.toml");
        let mp = &ws.problems[0];
        assert_eq!(&mp.text[mp.problems[0].span.clone()], "\"nowhere\"");
        assert!(mp.problems[0].message.contains("specify bin.path"));
        let fs = MemFs::new(&[(
            "/p/Cargo.toml",
            "[package]\nname = \"p\"\nedition = \"2077\"\n",
        )]);
        let e = load_workspace(&fs, Path::new("/p/Cargo.toml"), None).unwrap_err();
        assert!(e.contains("unknown edition `2077`"), "{e}");
        let fs = MemFs::new(&[(
            "/p/Cargo.toml",
            "[package]\nname = \"p\"\nedition.workspace = true\n",
        )]);
        let e = load_workspace(&fs, Path::new("/p/Cargo.toml"), None).unwrap_err();
        assert!(e.contains("error inheriting `edition`"), "{e}");
    }

    #[test]
    fn deeply_nested_manifests_fail_cleanly_and_briefly() {
        let deep = format!(
            "{PKG}[package.metadata]\nx = {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let fs = MemFs::new(&[("/p/Cargo.toml", &deep)]);
        let e = load_workspace(&fs, Path::new("/p/Cargo.toml"), None).unwrap_err();
        assert!(
            e.len() < 500 && e.contains("line 6"),
            "{}",
            &e[..e.len().min(500)]
        );
    }

    #[test]
    fn nearest_manifest() {
        let fs = MemFs::new(&[("/a/Cargo.toml", PKG), ("/a/b/c/x.rs", "")]);
        assert_eq!(
            find_manifest(&fs, Path::new("/a/b/c")).unwrap(),
            Path::new("/a/Cargo.toml")
        );
        assert!(find_manifest(&fs, Path::new("/z")).is_err());
    }
}
