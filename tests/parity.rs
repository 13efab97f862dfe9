//! Discovery parity: the tool reads manifests itself; this test (not the product) asks
//! `cargo metadata --no-deps --offline` the same questions and compares the answers — packages
//! (name, version, manifest path), default members, dependencies, edition, and targets (name,
//! kinds, source path, edition; build scripts excluded, they are never linted) — for every
//! `Cargo.toml` under `fixtures/` and for every crate of the shared corpus
//! (`$ASYNC_LINT_CORPUS`, default `/tmp/async-corpus`; skipped when absent).
//!
//! `cargo test --test parity -- --nocapture` prints how much was compared.

use async_lint::manifest::{self, LoadedWorkspace, RealFs};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Default, Debug)]
struct Counts {
    workspaces: usize,
    packages: usize,
    targets: usize,
    skipped: Vec<String>,
}

fn canon(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| manifest::normalize(p))
}

type TargetKey = (String, Vec<String>, PathBuf, String);

fn cargo_targets(p: &cargo_metadata::Package) -> BTreeSet<TargetKey> {
    p.targets
        .iter()
        .filter(|t| !t.is_custom_build())
        .map(|t| {
            let edition = serde_json::to_value(t.edition).unwrap();
            (
                t.name.clone(),
                t.kind.iter().map(|k| k.to_string()).collect(),
                canon(t.src_path.as_std_path()),
                edition.as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn our_targets(p: &manifest::PackageInfo) -> BTreeSet<TargetKey> {
    p.targets
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.kinds(),
                canon(&t.src_path),
                t.edition.clone(),
            )
        })
        .collect()
}

/// Compare one manifest's workspace; differences go to `failures`.
fn compare(manifest_path: &Path, counts: &mut Counts, failures: &mut Vec<String>) {
    let meta = cargo_metadata::MetadataCommand::new()
        .manifest_path(manifest_path)
        .no_deps()
        .other_options(vec!["--offline".to_string()])
        .exec();
    let meta = match meta {
        Ok(m) => m,
        Err(e) => {
            // cargo itself refuses this manifest (e.g. a feature of a newer cargo): nothing to compare.
            let first = e.to_string().lines().next().unwrap_or("").to_string();
            counts
                .skipped
                .push(format!("{}: {first}", manifest_path.display()));
            return;
        }
    };
    let ours: LoadedWorkspace =
        match manifest::load_workspace(&RealFs::new(10 << 20), manifest_path, None) {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!(
                    "{}: cargo reads it, we fail: {e}",
                    manifest_path.display()
                ));
                return;
            }
        };
    let at = manifest_path.display().to_string();
    let mut check = |what: &str, cargo: String, us: String| {
        if cargo != us {
            failures.push(format!(
                "{at}: {what} differ\n  cargo: {cargo}\n  ours:  {us}"
            ));
        }
    };
    check(
        "workspace roots",
        format!("{:?}", canon(meta.workspace_root.as_std_path())),
        format!("{:?}", ours.root),
    );
    let cargo_members: Vec<&cargo_metadata::Package> = meta.workspace_packages();
    let key =
        |name: &str, version: String, manifest: &Path| (name.to_string(), version, canon(manifest));
    let cargo_set: BTreeSet<_> = cargo_members
        .iter()
        .map(|p| {
            key(
                &p.name,
                p.version.to_string(),
                p.manifest_path.as_std_path(),
            )
        })
        .collect();
    let our_set: BTreeSet<_> = ours
        .members
        .iter()
        .map(|p| key(&p.name, p.version.clone(), &p.manifest_path))
        .collect();
    check("members", format!("{cargo_set:?}"), format!("{our_set:?}"));
    let cargo_defaults: BTreeSet<String> = meta
        .packages
        .iter()
        .filter(|p| meta.workspace_default_members.contains(&p.id))
        .map(|p| p.name.to_string())
        .collect();
    let our_defaults: BTreeSet<String> = ours
        .default_members
        .iter()
        .map(|&i| ours.members[i].name.clone())
        .collect();
    check(
        "default members",
        format!("{cargo_defaults:?}"),
        format!("{our_defaults:?}"),
    );
    counts.workspaces += 1;
    for cp in &cargo_members {
        let Some(op) = ours
            .members
            .iter()
            .find(|p| canon(&p.manifest_path) == canon(cp.manifest_path.as_std_path()))
        else {
            continue; // reported as a member difference
        };
        counts.packages += 1;
        let name = &cp.name;
        check(
            &format!("editions of `{name}`"),
            serde_json::to_value(cp.edition)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string(),
            op.edition.clone(),
        );
        check(
            &format!("ids of `{name}`"),
            cp.id.repr.clone(),
            op.id.clone(),
        );
        let mut deps: Vec<String> = cp
            .dependencies
            .iter()
            .map(|d| d.rename.as_deref().unwrap_or(&d.name).replace('-', "_"))
            .collect();
        deps.sort();
        deps.dedup();
        check(
            &format!("dependencies of `{name}`"),
            format!("{deps:?}"),
            format!("{:?}", op.dependencies),
        );
        let (ct, ot) = (cargo_targets(cp), our_targets(op));
        counts.targets += ct.len();
        if ct != ot {
            check(
                &format!("targets of `{name}`"),
                format!("{:?}", ct.difference(&ot).collect::<Vec<_>>()),
                format!("{:?}", ot.difference(&ct).collect::<Vec<_>>()),
            );
        }
    }
}

fn manifests_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() && e.file_name() != "target" {
            manifests_under(&p, out);
        } else if e.file_name() == "Cargo.toml" {
            out.push(p);
        }
    }
}

fn run(manifests: &[PathBuf]) -> (Counts, Vec<String>) {
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    for m in manifests {
        compare(m, &mut counts, &mut failures);
    }
    (counts, failures)
}

fn report(label: &str, counts: &Counts, failures: &[String]) {
    println!(
        "parity ({label}): {} workspace(s), {} package(s), {} target(s) compared with `cargo metadata`; {} skipped",
        counts.workspaces,
        counts.packages,
        counts.targets,
        counts.skipped.len()
    );
    for s in &counts.skipped {
        println!("  skipped {s}");
    }
    assert!(
        failures.is_empty(),
        "{} difference(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixtures_match_cargo_metadata() {
    let mut manifests = Vec::new();
    manifests_under(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .as_path(),
        &mut manifests,
    );
    manifests.sort();
    assert!(manifests.len() >= 7, "{manifests:?}");
    let (counts, failures) = run(&manifests);
    report("fixtures", &counts, &failures);
    assert!(
        counts.skipped.is_empty(),
        "cargo refused a fixture: {:?}",
        counts.skipped
    );
    assert!(counts.targets >= 20, "{counts:?}");
}

#[test]
fn corpus_matches_cargo_metadata() {
    let dir = std::env::var_os("ASYNC_LINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/async-corpus"));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!(
            "parity (corpus): {} not present, skipped (run shared/corpus/fetch.sh)",
            dir.display()
        );
        return;
    };
    let mut manifests: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path().join("Cargo.toml"))
        .filter(|m| m.is_file())
        .collect();
    manifests.sort();
    let (counts, failures) = run(&manifests);
    report("corpus", &counts, &failures);
}

/// Edition 2015's rules: explicit `[[bin]]` entries switch off inference; a legacy bin path.
#[test]
fn edition_2015_package_matches() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src/bin")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"old\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"tool\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(root.join("src/tool.rs"), "fn main() {}").unwrap();
    std::fs::write(root.join("src/bin/extra.rs"), "fn main() {}").unwrap();
    std::fs::write(root.join("build.rs"), "fn main() {}").unwrap();
    let (counts, failures) = run(&[root.join("Cargo.toml")]);
    report("2015", &counts, &failures);
    assert_eq!((counts.packages, counts.targets), (1, 1), "{counts:?}");
}

/// Shapes the fixtures do not have: a rooted workspace with default-members and a dev path
/// dependency, `package.workspace`, `autolib = false`, a proc-macro, an example built as a
/// library, a `tests/common/mod.rs` helper, an explicit bin overriding an inferred file, and
/// edition 2015's `src/<name>.rs` library.
#[test]
fn odd_shapes_match() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let w = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "Cargo.toml",
        "[package]\nname = \"rooted\"\nversion = \"1.0.0\"\nedition = \"2021\"\nautolib = false\n\n\
         [workspace]\nmembers = [\"macros\", \"nested/deep\"]\ndefault-members = [\".\", \"macros\"]\n\n\
         [dev-dependencies]\nhelper = { path = \"helper\" }\n\n\
         [[example]]\nname = \"plugin\"\ncrate-type = [\"cdylib\"]\n\n\
         [[bin]]\nname = \"b\"\npath = \"src/bin/renamed.rs\"\n",
    );
    w("src/lib.rs", "");
    w("src/main.rs", "");
    w("src/bin/b.rs", "");
    w("src/bin/renamed.rs", "");
    w("examples/plugin.rs", "");
    w("examples/assets/data.txt", "");
    w("tests/common/mod.rs", "");
    w("tests/api.rs", "");
    w(
        "macros/Cargo.toml",
        "[package]\nname = \"rooted-macros\"\nversion = \"1.0.0\"\nedition = \"2018\"\n\n[lib]\nproc-macro = true\n",
    );
    w("macros/src/lib.rs", "");
    w(
        "nested/deep/Cargo.toml",
        "[package]\nname = \"deep\"\nversion = \"0.1.0\"\nworkspace = \"../..\"\n\n[lib]\nname = \"deep\"\n",
    );
    w("nested/deep/src/deep.rs", "");
    w(
        "helper/Cargo.toml",
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    w("helper/src/lib.rs", "");
    let manifests: Vec<PathBuf> = [
        "Cargo.toml",
        "macros/Cargo.toml",
        "nested/deep/Cargo.toml",
        "helper/Cargo.toml",
    ]
    .iter()
    .map(|m| root.join(m))
    .collect();
    let (counts, failures) = run(&manifests);
    report("odd shapes", &counts, &failures);
    assert!(counts.skipped.is_empty(), "{:?}", counts.skipped);
    assert_eq!(counts.workspaces, 4);
    assert_eq!(counts.packages, 16, "{counts:?}");
}
