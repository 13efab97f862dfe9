//! cargo async-lint: finds async Rust anti-patterns by reading source with `syn`, without
//! compiling anything.
//!
//! The analysis is a pure function from source text and configuration to diagnostics
//! ([`analyze::analyze_sources`]); discovery, reading files, threads and output are a thin shell
//! ([`run`]). See ARCHITECTURE.md.
//!
//! The README follows; its Rust examples are run as doc tests.
#![doc = include_str!("../README.md")]

pub mod analyze;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod config_file;
pub mod diagnostic;
pub mod diffbase;
pub mod discover;
pub mod fix;
pub mod fsread;
pub mod manifest;
pub mod parse;
pub mod registry;
pub mod render;
pub mod rules;
pub mod run;
pub mod semantic;
pub mod source;
pub mod suppress;

pub use analyze::{analyze_file, analyze_sources, FileInput};
pub use config::Config;
pub use diagnostic::{Diagnostic, Level, Severity, Span};
pub use semantic::{CrateInfo, Edition};
