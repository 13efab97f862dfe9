//! The declared `rust-version` must be true of the lock file: no locked dependency (normal, build
//! or dev) may need a newer Rust than this package says it needs. The test runs
//! `cargo metadata --locked` (tests may run cargo; the product never does).

use std::process::Command;

/// `1.88` and `1.88.0` are the same version.
fn version(v: &str) -> [u64; 3] {
    let mut out = [0; 3];
    for (slot, part) in out.iter_mut().zip(v.split('.')) {
        *slot = part.parse().unwrap_or(0);
    }
    out
}

#[test]
fn no_locked_dependency_needs_a_newer_rust_than_declared() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo metadata --locked failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let ours = env!("CARGO_PKG_RUST_VERSION");
    assert!(!ours.is_empty(), "Cargo.toml declares no rust-version");
    let mut too_new = Vec::new();
    for p in meta["packages"].as_array().expect("packages") {
        let Some(needed) = p["rust_version"].as_str() else {
            continue;
        };
        if version(needed) > version(ours) {
            too_new.push(format!("{} {} needs {needed}", p["name"], p["version"]));
        }
    }
    assert!(
        too_new.is_empty(),
        "rust-version = \"{ours}\" in Cargo.toml, but locked dependencies need more:\n  {}\n\
         raise rust-version or pin older versions (`cargo update -p NAME --precise VERSION`)",
        too_new.join("\n  ")
    );
}

#[test]
fn versions_compare_numerically() {
    assert!(version("1.91") > version("1.88"));
    assert_eq!(version("1.88.0"), version("1.88"));
    assert!(version("1.88.1") > version("1.88"));
    assert!(version("1.100") > version("1.91"));
    assert!(version("1.85") <= version("1.88"));
}
