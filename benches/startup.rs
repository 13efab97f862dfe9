//! Startup benchmark: one small app crate linted end to end by the real binary (process start,
//! manifest discovery, reading, parsing, analysis, rendering), against `syn::parse_file` on the
//! same files in the same run. Cargo mode runs no cargo process; for reference the bench also
//! times the `cargo metadata --no-deps` the tool used to spawn.
//!
//! ```sh
//! ../shared/corpus/fetch.sh                # once: mini-redis in /tmp/async-corpus
//! cargo bench --bench startup              # mini-redis if present, else fixtures/demo
//! cargo bench --bench startup -- DIR 200   # any crate directory, any number of runs
//! ```
//!
//! Reported: the median and the fastest of N runs for each phase, the binary's CPU time (less
//! sensitive than wall time to other work on a shared machine), and two floors to compare with:
//! `syn::parse_file` of the same files in this warm process on one thread, and a fresh process
//! (this bench started again) that only reads and parses them on as many threads as the binary
//! uses. The second is the floor for a command line run: it pays what the binary pays to start
//! (exec, page faults of a new heap, cold caches), which the warm figure hides.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;
use common::rust_files;

fn default_crate() -> PathBuf {
    let corpus = std::env::var_os("ASYNC_LINT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/async-corpus"));
    std::fs::read_dir(&corpus)
        .ok()
        .and_then(|entries| {
            let mut dirs: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("mini-redis-"))
                })
                .collect();
            dirs.sort();
            dirs.pop()
        })
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo"))
}

/// (median, fastest) of `runs` timings of `f`.
fn measure(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    f(); // warm the page cache and the allocator
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[0])
}

/// User + system CPU time of the finished children so far.
fn children_cpu() -> Duration {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn ms(d: Duration) -> String {
    format!("{:7.2} ms", d.as_secs_f64() * 1e3)
}

/// The fresh-process floor: read and parse `files` on every core, as the binary's pool does,
/// and exit. Same allocator, same stack size and same huge-page opt-out as the binary.
fn parse_process(dir: &Path) {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    use rayon::prelude::*;
    let files = rust_files(dir);
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(async_lint::parse::STACK_SIZE)
        .build()
        .expect("worker threads");
    pool.install(|| {
        files.par_iter().for_each(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let _ = std::hint::black_box(syn::parse_file(&text));
            proc_macro2::extra::invalidate_current_thread_spans();
        })
    });
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .peekable();
    if args.peek().is_some_and(|a| a == "--parse-process") {
        let dir = args.nth(1).map(PathBuf::from).expect("--parse-process DIR");
        parse_process(&dir);
        return;
    }
    let dir = args.next().map(PathBuf::from).unwrap_or_else(default_crate);
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let bin = env!("CARGO_BIN_EXE_cargo-async-lint");
    let files = rust_files(&dir);
    let bytes: usize = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len() as usize))
        .sum();
    println!(
        "startup: {} ({} files, {:.1} KB), {runs} runs each",
        dir.display(),
        files.len(),
        bytes as f64 / 1024.0
    );

    let lint = || {
        let status = Command::new(bin)
            .args(["async-lint", "-q", "--message-format", "short"])
            .current_dir(&dir)
            .env_remove("CARGO")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run the binary");
        assert!(status.code().is_some_and(|c| c <= 1), "{status:?}");
    };
    let mut cpu = Vec::with_capacity(runs + 1);
    let (e2e, e2e_min) = measure(runs, || {
        let before = children_cpu();
        lint();
        cpu.push(children_cpu() - before);
    });
    cpu.sort();
    let cpu_med = cpu[cpu.len() / 2];

    let parse = || {
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            let _ = std::hint::black_box(syn::parse_file(&text));
        }
    };
    let (parse_med, parse_min) = measure(runs, parse);

    let me = std::env::current_exe().expect("this bench's path");
    let parse_fresh = || {
        let status = Command::new(&me)
            .arg("--parse-process")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("run the parse-only process");
        assert!(status.success(), "{status:?}");
    };
    let (fresh_med, fresh_min) = measure(runs, parse_fresh);

    let discover = || {
        let fs = async_lint::manifest::RealFs::new(async_lint::fsread::DEFAULT_MAX_FILE_SIZE);
        let ws = async_lint::manifest::load_workspace(&fs, &dir.join("Cargo.toml"), None)
            .expect("discovery");
        std::hint::black_box(ws);
    };
    let (disc_med, disc_min) = measure(runs, discover);

    println!(
        "  end to end (binary)        median {}  fastest {}",
        ms(e2e),
        ms(e2e_min)
    );
    println!(
        "  end to end, CPU time       median {}  (user + system, all threads)",
        ms(cpu_med)
    );
    println!(
        "  read + syn::parse_file     median {}  fastest {}",
        ms(parse_med),
        ms(parse_min)
    );
    println!(
        "  read + parse, new process  median {}  fastest {}  (all threads)",
        ms(fresh_med),
        ms(fresh_min)
    );
    println!(
        "  manifest discovery         median {}  fastest {}",
        ms(disc_med),
        ms(disc_min)
    );
    println!(
        "  ratio end to end / parse   {:.2}x warm, one thread   {:.2}x new process (medians)",
        e2e.as_secs_f64() / parse_med.as_secs_f64(),
        e2e.as_secs_f64() / fresh_med.as_secs_f64()
    );

    // For reference: the process cargo mode used to spawn before it read manifests itself.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let metadata = || {
        let _ = Command::new(&cargo)
            .args([
                "metadata",
                "--no-deps",
                "--format-version",
                "1",
                "--offline",
            ])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    };
    let (meta_med, _) = measure(runs.min(20), metadata);
    println!(
        "  (reference: `cargo metadata --no-deps` alone, median {})",
        ms(meta_med)
    );
}
