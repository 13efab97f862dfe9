//! What the benches share: the `.rs` files of a directory, as the benches read them.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir` (skipping hidden directories, not git-ignore aware), sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs") && e.path().is_file())
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}
