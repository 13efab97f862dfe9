//! Throughput benchmark: parse-only (the floor of a syn-based design) against full analysis,
//! and the end-to-end binary, on the same files.
//!
//! ```sh
//! ../shared/corpus/fetch.sh                      # once: real code in /tmp/async-corpus
//! cargo bench --bench throughput                 # the corpus if present, else fixtures/
//! cargo bench --bench throughput -- DIR -j 2     # any directory, any thread count
//! ```
//!
//! Reported: files, MB, and for each phase the best of 5 runs in seconds, files/s and MB/s,
//! and the ratios analysis/parse and end-to-end/read+parse. No criterion: the phases take
//! about a second each, so a few timed runs are plenty and the output stays readable.
//!
//! Wall time on a shared 2-core VM varies by tens of percent between runs; for a stable
//! ratio, count instructions of one phase at a time under callgrind:
//!
//! ```sh
//! B=$(ls -t target/release/deps/throughput-* | grep -v '\.d$' | head -1)
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null $B DIR -j 1 --phase parse
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null $B DIR -j 1 --phase analysis
//! ```

use async_lint::analyze::{analyze_file, FileInput};
use async_lint::semantic::CrateInfo;
use async_lint::Config;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

// The same allocator as the binary, so parse-only and end-to-end compare like with like.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;
use common::rust_files;

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        last = Some(r);
    }
    (best, last.unwrap())
}

fn line(name: &str, d: Duration, files: usize, bytes: usize) {
    let s = d.as_secs_f64();
    println!(
        "{name:<28} {s:>8.3} s {:>10.0} files/s {:>8.2} MB/s",
        files as f64 / s,
        bytes as f64 / 1e6 / s
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut dir = None;
    let mut phase: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-j" {
            jobs = it.next().and_then(|n| n.parse().ok()).unwrap_or(jobs);
        } else if a == "--phase" {
            phase = it.next().cloned();
        } else if !a.starts_with('-') {
            dir = Some(PathBuf::from(a));
        }
    }
    let dir = dir.unwrap_or_else(|| {
        let corpus = PathBuf::from("/tmp/async-corpus");
        if corpus.is_dir() {
            corpus
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
        }
    });
    let paths = rust_files(&dir);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(async_lint::parse::STACK_SIZE)
        .build()
        .unwrap();
    println!(
        "input: {} ({} files), {jobs} thread(s)",
        dir.display(),
        paths.len()
    );
    let config = Config::default();
    let krate = CrateInfo {
        dependencies: vec!["tokio".into()],
        has_lib: true,
        ..CrateInfo::default()
    };
    // One phase, once: for instruction counting under callgrind.
    if let Some(phase) = phase {
        let texts: Vec<String> = paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect();
        pool.install(|| {
            texts.par_iter().for_each(|t| match phase.as_str() {
                "parse" => {
                    let _ = syn::parse_file(t);
                    proc_macro2::extra::invalidate_current_thread_spans();
                }
                _ => {
                    let input = FileInput {
                        path: "f.rs",
                        text: t,
                        module_path: &[],
                        is_test_target: false,
                        cfg_gated: false,
                    };
                    let _ = analyze_file(input, &krate, &config);
                }
            })
        });
        return;
    }

    // Read + parse: what any syn-based tool must pay (`syn::parse_file`, the floor).
    let (read_parse, bytes) = best_of(5, || {
        pool.install(|| {
            paths
                .par_iter()
                .map(|p| {
                    let text = std::fs::read_to_string(p).unwrap_or_default();
                    let n = text.len();
                    let _ = syn::parse_file(&text);
                    proc_macro2::extra::invalidate_current_thread_spans();
                    n
                })
                .sum::<usize>()
        })
    });
    let texts: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    let (parse_only, _) = best_of(5, || {
        pool.install(|| {
            texts.par_iter().for_each(|t| {
                let _ = syn::parse_file(t);
                proc_macro2::extra::invalidate_current_thread_spans();
            })
        })
    });
    let (analysis, findings) = best_of(5, || {
        pool.install(|| {
            texts
                .par_iter()
                .zip(paths.par_iter())
                .map(|(t, p)| {
                    let path = p.to_string_lossy();
                    let input = FileInput {
                        path: &path,
                        text: t,
                        module_path: &[],
                        is_test_target: false,
                        cfg_gated: false,
                    };
                    analyze_file(input, &krate, &config).findings.len()
                })
                .sum::<usize>()
        })
    });
    let bin = env!("CARGO_BIN_EXE_cargo-async-lint");
    let (end_to_end, _) = best_of(5, || {
        std::process::Command::new(bin)
            .arg(&dir)
            .args(["-q", "--message-format", "short", "-j", &jobs.to_string()])
            .output()
            .expect("run the binary")
    });
    println!("{:.1} MB of Rust, {findings} findings", bytes as f64 / 1e6);
    line("read + parse", read_parse, paths.len(), bytes);
    line("parse only (in memory)", parse_only, paths.len(), bytes);
    line("analysis (in memory)", analysis, paths.len(), bytes);
    line("end to end (binary)", end_to_end, paths.len(), bytes);
    println!(
        "analysis / parse: {:.2}x   end-to-end / read+parse: {:.2}x",
        analysis.as_secs_f64() / parse_only.as_secs_f64(),
        end_to_end.as_secs_f64() / read_parse.as_secs_f64()
    );
}
