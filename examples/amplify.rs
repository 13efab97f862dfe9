//! An amplification fuzzer for the whole binary: take a real file, repeat a random window of 1–5
//! of its tokens 2,000–60,000 times (in place, inside a fresh fn body, or at top level; half of
//! the time with the window's open delimiters closed after the repetition, which makes deep
//! nesting), write it as `src/lib.rs` of a temporary package, and lint it with the release
//! binary in every mode: human, `--message-format json`, `--message-format sarif`,
//! `--update-baseline` and `--baseline` of that file, each with a 10 s timeout.
//!
//! A failure is a run killed by a signal, an exit status other than 0, 1 or 2 (2 is the tool's
//! "run failed"; a `parse_error` exits 1), or a run over the timeout. Each failure's input is
//! saved under `target/amplify/` for reproduction.
//!
//! ```sh
//! cargo build --release
//! nice cargo run --release --example amplify -- 600                   # fixtures as sources
//! nice cargo run --release --example amplify -- 600 /tmp/async-corpus # real code as sources
//! AMPLIFY_SEED=42 ASYNC_LINT_BIN=target/release/cargo-async-lint cargo run --release --example amplify -- 60
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use proc_macro2::{Delimiter, TokenStream, TokenTree};

const TIMEOUT: Duration = Duration::from_secs(10);
const MODES: &[(&str, &[&str])] = &[
    ("human", &[]),
    ("json", &["--message-format", "json"]),
    ("sarif", &["--message-format", "sarif"]),
    ("update-baseline", &["--update-baseline"]),
    ("baseline", &["--baseline", "async-lint-baseline.json"]),
];

/// xorshift64*: deterministic from the seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Log-uniform in `lo..=hi`: short and long repetitions alike.
    fn log_between(&mut self, lo: usize, hi: usize) -> usize {
        let (a, b) = ((lo as f64).ln(), (hi as f64).ln());
        let x = a + (b - a) * (self.next() % 1_000_000) as f64 / 1_000_000.0;
        (x.exp() as usize).clamp(lo, hi)
    }
}

fn rust_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.to_vec();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target" || n == ".git") {
                continue;
            }
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The file's tokens, flat, with delimiters as tokens of their own.
fn tokens(text: &str) -> Vec<String> {
    let Ok(stream) = TokenStream::from_str(text) else {
        return text.split_whitespace().map(str::to_string).collect();
    };
    let mut out: Vec<String> = Vec::new();
    let mut glue = false;
    fn push(out: &mut Vec<String>, glue: &mut bool, t: String) {
        match out.last_mut() {
            Some(last) if *glue => last.push_str(&t),
            _ => out.push(t),
        }
        *glue = false;
    }
    let mut stack: Vec<(std::vec::IntoIter<TokenTree>, &'static str)> =
        vec![(stream.into_iter().collect::<Vec<_>>().into_iter(), "")];
    while let Some((iter, _)) = stack.last_mut() {
        match iter.next() {
            None => {
                let (_, close) = stack.pop().expect("not empty");
                if !close.is_empty() {
                    push(&mut out, &mut glue, close.to_string());
                }
            }
            Some(TokenTree::Group(g)) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                if !open.is_empty() {
                    push(&mut out, &mut glue, open.to_string());
                }
                stack.push((
                    g.stream().into_iter().collect::<Vec<_>>().into_iter(),
                    close,
                ));
            }
            Some(TokenTree::Punct(p)) => {
                // Joint punctuation stays together (`::`, `->`, `=>`, `'a`).
                push(&mut out, &mut glue, p.as_char().to_string());
                glue = p.spacing() == proc_macro2::Spacing::Joint;
            }
            Some(other) => push(&mut out, &mut glue, other.to_string()),
        }
    }
    out
}

/// The closers for the delimiters a window leaves open, innermost first.
fn closers(window: &[String]) -> String {
    let mut open = Vec::new();
    for t in window {
        match t.as_str() {
            "(" => open.push(")"),
            "[" => open.push("]"),
            "{" => open.push("}"),
            ")" | "]" | "}" => {
                open.pop();
            }
            _ => {}
        }
    }
    open.reverse();
    open.join(" ")
}

struct Input {
    text: String,
    what: String,
}

fn amplify(rng: &mut Rng, source: &Path) -> Option<Input> {
    let text = std::fs::read_to_string(source).ok()?;
    let toks = tokens(&text);
    if toks.is_empty() {
        return None;
    }
    let len = 1 + rng.below(5);
    let start = rng.below(toks.len().saturating_sub(len).max(1));
    let window: Vec<String> = toks[start..(start + len).min(toks.len())].to_vec();
    let times = rng.log_between(2_000, 60_000);
    let balance = rng.below(2) == 0;
    let mut repeated = String::with_capacity((window.join(" ").len() + 1) * times);
    let unit = window.join(" ") + " ";
    for _ in 0..times {
        repeated.push_str(&unit);
    }
    if balance {
        let close = closers(&window) + " ";
        for _ in 0..times {
            repeated.push_str(&close);
        }
    }
    let place = rng.below(3);
    let body = match place {
        0 => {
            let mut t = toks[..start].join(" ");
            t.push(' ');
            t.push_str(&repeated);
            t.push_str(&toks[start..].join(" "));
            t
        }
        1 => format!("{text}\npub async fn amplified() {{\n{repeated}\n}}\n"),
        _ => format!("{text}\n{repeated}\n"),
    };
    let what = format!(
        "{} tokens {:?} x{times}{} {}",
        source.display(),
        window.join(" "),
        if balance { " balanced" } else { "" },
        ["in place", "in a fn body", "at top level"][place]
    );
    Some(Input { text: body, what })
}

struct Outcome {
    /// `None`: killed by a signal; `Some(code)` otherwise.
    code: Option<i32>,
    signal: Option<i32>,
    elapsed: Duration,
    timed_out: bool,
    max_rss_kb: i64,
    too_complex: bool,
}

// The child is reaped by `wait4`, which also reports its peak memory.
#[allow(clippy::zombie_processes)]
fn run(bin: &Path, dir: &Path, args: &[&str]) -> Outcome {
    let out = dir.join("out.txt");
    let start = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("output file"))
        .stderr(Stdio::null())
        .env("NO_COLOR", "1")
        .spawn()
        .expect("run the binary");
    let pid = child.id() as libc::pid_t;
    let mut timed_out = false;
    let (status, rss) = loop {
        let mut status = 0;
        // SAFETY: plain syscall on our own child; `usage` is a valid out-parameter.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break (status, usage.ru_maxrss);
        }
        if start.elapsed() > TIMEOUT && !timed_out {
            timed_out = true;
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let exited = libc::WIFEXITED(status);
    let text = std::fs::read(&out).unwrap_or_default();
    let too_complex = text
        .windows(b"too complex to analyze".len())
        .any(|w| w == b"too complex to analyze");
    Outcome {
        code: exited.then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        elapsed,
        timed_out,
        max_rss_kb: rss,
        too_complex,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(60);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = args.iter().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        dirs.push(root.join("fixtures"));
    }
    let sources = rust_files(&dirs);
    assert!(!sources.is_empty(), "no .rs files in {dirs:?}");
    let bin = std::env::var_os("ASYNC_LINT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/release/cargo-async-lint"));
    assert!(
        bin.is_file(),
        "build it first: cargo build --release ({bin:?})"
    );
    let seed = std::env::var("AMPLIFY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    let saved = root.join("target/amplify");
    std::fs::create_dir_all(&saved).expect("target/amplify");
    println!(
        "amplify: seed {seed}, {} source files, {seconds} s, binary {}",
        sources.len(),
        bin.display()
    );
    let mut rng = Rng(seed);
    let work = tempfile::tempdir().expect("temp dir");
    let pkg = work.path();
    std::fs::create_dir_all(pkg.join("src")).expect("src");
    std::fs::write(
        pkg.join("Cargo.toml"),
        "[package]\nname = \"amplified\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .expect("Cargo.toml");

    let started = Instant::now();
    let (mut inputs, mut runs, mut too_complex) = (0usize, 0usize, 0usize);
    let mut worst = (Duration::ZERO, String::new());
    let mut worst_rss = (0i64, String::new());
    let mut failures: Vec<String> = Vec::new();
    let mut last_report = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        let source = &sources[rng.below(sources.len())];
        let Some(input) = amplify(&mut rng, source) else {
            continue;
        };
        inputs += 1;
        std::fs::write(pkg.join("src/lib.rs"), &input.text).expect("lib.rs");
        let _ = std::fs::remove_file(pkg.join("async-lint-baseline.json"));
        for (mode, margs) in MODES {
            let o = run(&bin, pkg, margs);
            runs += 1;
            too_complex += usize::from(o.too_complex && *mode == "json");
            let label = format!("{mode}: {}", input.what);
            if o.elapsed > worst.0 {
                worst = (o.elapsed, label.clone());
            }
            if o.max_rss_kb > worst_rss.0 {
                worst_rss = (o.max_rss_kb, label.clone());
            }
            let failed = if o.timed_out {
                Some(format!("over {} s", TIMEOUT.as_secs()))
            } else if let Some(sig) = o.signal {
                Some(format!("killed by signal {sig}"))
            } else {
                match o.code {
                    Some(0..=2) => None,
                    other => Some(format!("exit status {other:?}")),
                }
            };
            if let Some(why) = failed {
                let path = saved.join(format!("failure-{seed}-{inputs}-{mode}.rs"));
                let _ = std::fs::write(&path, &input.text);
                let line = format!(
                    "{why} in {:?} ({label}); input saved to {}",
                    o.elapsed,
                    path.display()
                );
                println!("FAIL {line}");
                failures.push(line);
            }
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            last_report = Instant::now();
            println!(
                "  {:>4} s: {inputs} inputs, {runs} runs, {} failures, worst {:.2?}",
                started.elapsed().as_secs(),
                failures.len(),
                worst.0
            );
        }
    }
    println!("---- summary");
    println!("seed:        {seed}");
    println!("time:        {:.0?}", started.elapsed());
    println!("inputs:      {inputs} ({too_complex} reported as too complex to analyze)");
    println!("runs:        {runs} ({} modes each)", MODES.len());
    println!("worst time:  {:.2?} ({})", worst.0, worst.1);
    println!("worst RSS:   {} MB ({})", worst_rss.0 / 1024, worst_rss.1);
    println!("failures:    {}", failures.len());
    for f in &failures {
        println!("  {f}");
    }
    if !failures.is_empty() {
        std::process::exit(1);
    }
}
