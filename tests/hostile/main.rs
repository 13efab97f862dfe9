//! Hostile checkouts and inputs (issue: safe on untrusted checkouts). Each module builds its
//! checkouts in temporary directories and runs the real binary on them.
//!
//! - `cargo`: the product runs no program (toolchain files, aliases, unknown channels).
//! - `input`: inputs that would crash, stall or exhaust memory in syn (nesting, literals, budgets).
//! - `fs`: nothing outside the package is read; FIFOs, devices, huge files; atomic writes; bad
//!   config; `--diff-base` with odd names; escaped output.

mod common;

mod cargo;
mod fs;
mod input;
