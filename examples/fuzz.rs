//! A mutation fuzzer for the pure core: random bytes, token soup and mutated real files go
//! through `analyze_file` until the time is up. Any panic is saved and reported.
//!
//! ```sh
//! cargo run --release --example fuzz -- 600                      # 10 minutes, fixtures as seeds
//! cargo run --release --example fuzz -- 600 /tmp/async-corpus    # real code as seeds
//! ```
//!
//! (`cargo fuzz` needs a nightly toolchain; this runs on stable, deterministically from its
//! seed, and a hang shows as the progress line not moving.)

use async_lint::analyze::{analyze_file, FileInput};
use async_lint::semantic::CrateInfo;
use async_lint::Config;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "async",
    "fn",
    "await",
    ".await",
    "loop",
    "for",
    "in",
    "while",
    "let",
    "mut",
    "match",
    "if",
    "else",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "::",
    ";",
    ",",
    ".",
    "|",
    "||",
    "&",
    "*",
    "!",
    "?",
    "=>",
    "->",
    "=",
    "'a",
    "'x'",
    "\"s\"",
    "r#\"raw\"#",
    "b'x'",
    "/*",
    "*/",
    "//",
    "\n",
    "tokio::spawn",
    "std::thread::sleep",
    "join_all",
    "unbounded_channel",
    "lock()",
    "select!",
    "join!",
    "macro_rules!",
    "#[",
    "#![",
    "impl",
    "trait",
    "mod",
    "use",
    "self",
    "super",
    "crate",
    "// async-lint: allow(all)",
    "move",
    "return",
    "break",
    "x",
    "y",
    "0",
    "1.0",
    "..",
    "..=",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..1 + rng.below(8) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(5) {
            0 => {
                bytes.remove(at);
            }
            1 => bytes.insert(at, rng.next() as u8),
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                bytes.splice(at..at, t.iter().copied());
            }
            3 => {
                let end = (at + rng.below(200)).min(bytes.len());
                let chunk: Vec<u8> = bytes[at..end].to_vec();
                let to = rng.below(bytes.len());
                bytes.splice(to..to, chunk);
            }
            _ => bytes.truncate(at),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn generate(rng: &mut Rng, seeds: &[String]) -> String {
    match rng.below(4) {
        0 => {
            let n = rng.below(400);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        1 => (0..rng.below(300))
            .map(|_| TOKENS[rng.below(TOKENS.len())])
            .collect::<Vec<_>>()
            .join(" "),
        _ => {
            let seed = &seeds[rng.below(seeds.len())];
            mutate(rng, seed)
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secs: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(60);
    let mut paths = Vec::new();
    rust_files(
        Path::new(
            args.get(1)
                .map_or(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"), |s| s),
        ),
        &mut paths,
    );
    let seeds: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|t| t.len() < 200_000)
        .collect();
    assert!(!seeds.is_empty(), "no seed files");
    std::panic::set_hook(Box::new(|_| {}));
    let handle = std::thread::Builder::new()
        .stack_size(async_lint::parse::STACK_SIZE)
        .spawn(move || {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
            let config = Config::default();
            let krate = CrateInfo {
                dependencies: vec!["tokio".into(), "reqwest".into(), "futures".into()],
                has_lib: true,
                ..CrateInfo::default()
            };
            let start = Instant::now();
            let (mut runs, mut panics) = (0u64, 0u64);
            let mut last_report = Instant::now();
            while start.elapsed() < Duration::from_secs(secs) {
                let text = generate(&mut rng, &seeds);
                let input = FileInput {
                    path: "fuzz.rs",
                    text: &text,
                    module_path: &[],
                    is_test_target: rng.below(2) == 0,
                    cfg_gated: false,
                };
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    analyze_file(input, &krate, &config)
                }));
                proc_macro2::extra::invalidate_current_thread_spans();
                runs += 1;
                if r.is_err() {
                    panics += 1;
                    let path = format!("/tmp/async-lint-fuzz-crash-{panics}.rs");
                    let _ = std::fs::write(&path, &text);
                    eprintln!("PANIC on input saved to {path}");
                }
                if last_report.elapsed() > Duration::from_secs(30) {
                    eprintln!(
                        "{runs} inputs, {panics} panics, {:.0} s",
                        start.elapsed().as_secs_f64()
                    );
                    last_report = Instant::now();
                }
            }
            (runs, panics)
        })
        .unwrap();
    let (runs, panics) = handle.join().unwrap();
    println!("fuzz: {runs} inputs in {secs} s, {panics} panics");
    std::process::exit(i32::from(panics > 0));
}
