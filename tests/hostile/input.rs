//! Inputs that would crash, stall or exhaust memory in syn: every recursive shape of the grammar
//! nested thousands deep, huge literals, huge token counts. Each becomes a `parse_error` within
//! seconds, the package's other files are still linted, and baselines and SARIF (which used to
//! parse files again, unguarded, on the main thread) complete normally.

#[allow(unused_imports)]
use crate::common::*;
use std::path::Path;
use std::time::Duration;

/// Every recursive shape of syn's grammar the guard bounds: (name, text with `n` levels).
fn families(n: usize) -> Vec<(&'static str, String)> {
    let r = |s: &str| s.repeat(n);
    vec![
        // The four reported families.
        ("return", format!("fn f() -> u8 {{ {}1 }}", r("return "))),
        (
            "generics",
            format!("type T = {}u8{};", r("HashMap<u8, "), r(">")),
        ),
        (
            "turbofish",
            format!("fn f() {{ g::<{}u8{}>(); }}", r("Vec::<"), r(">")),
        ),
        ("calls", format!("fn f() {{ a{}; }}", r("()"))),
        // The others.
        (
            "parens",
            format!("fn f() {{ let x = {}1{}; }}", r("("), r(")")),
        ),
        ("braces", format!("fn f() {}{}", r("{"), r("}"))),
        ("not", format!("fn f() {{ let x = {}y; }}", r("!"))),
        ("neg", format!("fn f() {{ let x = {}1; }}", r("- "))),
        ("refs", format!("fn f() {{ let x = {}y; }}", r("&"))),
        (
            "break",
            format!("fn f() {{ loop {{ {}1; }} }}", r("break ")),
        ),
        ("methods", format!("fn f() {{ a{}; }}", r(".m()"))),
        ("fields", format!("fn f() {{ a{}; }}", r(".b"))),
        ("indexes", format!("fn f() {{ a{}; }}", r("[0]"))),
        ("try", format!("fn f() {{ a{}; }}", r("?"))),
        ("await", format!("async fn f() {{ a{}; }}", r(".await"))),
        ("plus", format!("fn f() {{ let x = 1{}; }}", r(" + 1"))),
        ("assign", format!("fn f() {{ {}1; }}", r("a = "))),
        ("as", format!("fn f() {{ let x = y{}; }}", r(" as u8"))),
        (
            "else_if",
            format!("fn f() {{ if a {{}} {} }}", r("else if a {} ")),
        ),
        ("closures", format!("fn f() {{ let c = {}1; }}", r("|x| "))),
        ("ranges", format!("fn f() {{ let c = {}x; }}", r(".. "))),
        ("ref_types", format!("type T = {}u8;", r("&&"))),
        ("pointer_types", format!("type T = {}u8;", r("*const "))),
        ("fn_types", format!("type T = {}u8;", r("fn() -> "))),
        (
            "impl_types",
            format!("fn f() -> {}u8 {{}}", r("impl Fn() -> ")),
        ),
        (
            "qualified_paths",
            format!("type T = {}T{};", r("<"), r(" as A>::B")),
        ),
        (
            "const_generic_blocks",
            format!("type T = {}u8{};", r("A<{1}, "), r(">")),
        ),
        (
            "ref_patterns",
            format!("fn f() {{ let {}x = 1; }}", r("& ")),
        ),
        (
            "binding_patterns",
            format!("fn f() {{ let {}x = 1; }}", r("x @ ")),
        ),
        (
            "let_chains",
            format!("fn f() {{ if {}true {{}} }}", r("let a = b && ")),
        ),
        (
            "attributes",
            format!("#[a{}b{}] fn f() {{}}", r("(a"), r(")")),
        ),
        (
            "labeled_blocks",
            format!("fn f() {{ {}{} }}", r("'a: { "), r("} ")),
        ),
        (
            "match_arms",
            format!("fn f() {{ {}1{} }}", r("match x { _ => "), r("} ")),
        ),
        (
            "macro_bodies",
            format!("async fn f() {{ {}x.await{}; }}", r("join!("), r(")")),
        ),
        (
            "wrapped_parens",
            format!("fn f() {{ let x = ({}x){}; }}", r("!"), r(".a")),
        ),
    ]
}

/// A package: `src/lib.rs` with [`FLAGGED`] and one `mod` per hostile file.
fn hostile_package(root: &Path, files: &[(String, Vec<u8>)]) {
    let mut lib = String::new();
    for (name, text) in files {
        lib.push_str(&format!("mod {name};\n"));
        write(root, &format!("src/{name}.rs"), text);
    }
    lib.push_str(FLAGGED);
    write(
        root,
        "Cargo.toml",
        "[package]\nname = \"hostile\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(root, "src/lib.rs", lib);
}

/// Files with a `parse_error` in `--message-format short` output.
fn parse_errors(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter(|l| l.contains("[async_lint::parse_error]"))
        .map(str::to_string)
        .collect()
}

/// Every mode that used to parse again on the main thread completes normally.
fn baselines_and_sarif_complete(dir: &Path, parse_errors: bool) {
    let timeout = Duration::from_secs(60);
    let update = run_with_timeout(dir, &["--update-baseline"], timeout);
    assert_eq!(update.code, Some(0), "{}", update.all_output());
    let baseline = std::fs::read_to_string(dir.join("async-lint-baseline.json")).unwrap();
    assert!(baseline.contains("\"item\": \"fn flagged\""), "{baseline}");
    assert_eq!(baseline.contains("parse_error"), parse_errors, "{baseline}");
    let applied = run_with_timeout(dir, &["--baseline", "async-lint-baseline.json"], timeout);
    assert_eq!(applied.code, Some(0), "{}", applied.all_output());
    let sarif = run_with_timeout(dir, &["--message-format", "sarif"], timeout);
    assert!(matches!(sarif.code, Some(0 | 1)), "{}", sarif.all_output());
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "async_without_await"));
    assert!(results
        .iter()
        .all(|r| r["partialFingerprints"]["asyncLint/v1"].is_string()));
}

#[test]
fn every_nesting_family_is_a_parse_error_and_the_other_file_is_linted() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, Vec<u8>)> = families(10_000)
        .into_iter()
        .map(|(name, text)| (format!("f_{name}"), text.into_bytes()))
        .collect();
    hostile_package(dir.path(), &files);
    let run = run(dir.path(), &["--message-format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.all_output());
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
    let errors = parse_errors(&run);
    for (name, _) in &files {
        let line = errors
            .iter()
            .find(|l| l.starts_with(&format!("src/{name}.rs:")))
            .unwrap_or_else(|| panic!("no parse_error for {name}:\n{}", run.stdout));
        assert!(
            line.contains("too complex to analyze") && line.contains("nesting too deep"),
            "{line}"
        );
    }
    assert!(
        run.stdout.contains("src/lib.rs:") && run.stdout.contains("async_without_await"),
        "{}",
        run.stdout
    );
    baselines_and_sarif_complete(dir.path(), true);
}

#[test]
fn literals_and_token_counts_beyond_the_budget_are_parse_errors() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![
        (
            "long_integer".to_string(),
            format!("const N: u128 = {};\n", "1".repeat(160_000)).into_bytes(),
        ),
        (
            "big_array".to_string(),
            format!("const A: [u8; 2500000] = [{}];\n", "0,".repeat(2_500_000)).into_bytes(),
        ),
        (
            "long_numbers".to_string(),
            format!(
                "const A: [f64; 20000] = [{}];\n",
                format!("{},", "9".repeat(250)).repeat(20_000)
            )
            .into_bytes(),
        ),
        (
            "long_string".to_string(),
            format!("const S: &str = \"{}\";\n", "x".repeat(2 << 20)).into_bytes(),
        ),
    ];
    hostile_package(dir.path(), &files);
    let run = run(dir.path(), &["--message-format", "short"]);
    assert_eq!(run.code, Some(1), "{}", run.all_output());
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
    let errors = parse_errors(&run);
    for (name, why) in [
        ("long_integer", "a number literal of 160000 bytes"),
        ("big_array", "more than 1000000 tokens"),
        ("long_numbers", "too many long number literals"),
        ("long_string", "a literal of 2097154 bytes"),
    ] {
        let line = errors
            .iter()
            .find(|l| l.starts_with(&format!("src/{name}.rs:")))
            .unwrap_or_else(|| panic!("no parse_error for {name}:\n{}", run.stdout));
        assert!(
            line.contains("too complex to analyze") && line.contains(why),
            "{line}"
        );
    }
    assert!(run.stdout.contains("async_without_await"), "{}", run.stdout);
    baselines_and_sarif_complete(dir.path(), true);
}

/// The other side of the limit: the deepest nesting of each family the guard accepts is parsed,
/// walked, baselined and dropped on the analysis threads' stack, even in a debug build.
#[test]
fn the_deepest_accepted_nesting_of_every_family_is_analyzed() {
    let accepted = |name: &str, n: usize| {
        let text = families(n).into_iter().find(|(f, _)| *f == name).unwrap().1;
        async_lint::parse::complexity(&text).is_ok()
    };
    let mut files = Vec::new();
    for (name, _) in families(1) {
        let (mut lo, mut hi) = (1, 2);
        while accepted(name, hi) {
            lo = hi;
            hi *= 2;
        }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if accepted(name, mid) {
                lo = mid
            } else {
                hi = mid
            }
        }
        assert!(lo >= 100, "{name}: only {lo} levels accepted");
        let text = families(lo)
            .into_iter()
            .find(|(f, _)| *f == name)
            .unwrap()
            .1;
        files.push((format!("f_{name}"), text.into_bytes()));
    }
    let dir = tempfile::tempdir().unwrap();
    hostile_package(dir.path(), &files);
    let run = run(dir.path(), &["--message-format", "short"]);
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.all_output());
    assert!(
        !run.stdout.contains("too complex to analyze"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("async_without_await"), "{}", run.stdout);
    baselines_and_sarif_complete(dir.path(), run.stdout.contains("parse_error"));
}

/// Found by the amplification fuzzer: 20,000 statements on one line (spans were converted to
/// bytes by counting chars from the line's start, per node) and 20,000 copies of one `mod`
/// declaration (a file look-up and a report each) took minutes.
#[test]
fn one_long_line_and_repeated_declarations_stay_linear() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![
        (
            "long_line".to_string(),
            format!(
                "pub async fn g(runtime: R) -> Result<(), E> {{ {}Ok(()) }}\n",
                "runtime.await?; ".repeat(20_000)
            )
            .into_bytes(),
        ),
        (
            "repeated_mods".to_string(),
            "mod client;\n".repeat(20_000).into_bytes(),
        ),
    ];
    hostile_package(dir.path(), &files);
    for args in [
        &["--message-format", "short"][..],
        &["--update-baseline"][..],
    ] {
        let run = run_with_timeout(dir.path(), args, Duration::from_secs(60));
        assert!(matches!(run.code, Some(0 | 1)), "{}", run.all_output());
        assert!(
            run.elapsed < Duration::from_secs(20),
            "{args:?}: {:?}",
            run.elapsed
        );
    }
    let run = run(dir.path(), &["--message-format", "short"]);
    assert_eq!(
        run.stdout
            .matches("file not found for module `client`")
            .count(),
        1,
        "{}",
        run.stdout
    );
}

/// 10,000 findings in one 330 KB file: each diagnostic's human rendering (also embedded in the
/// JSON) was handed the whole file and indexed it again, so the run took minutes; now each one
/// sees only the lines it shows.
#[test]
fn many_findings_in_one_big_file_render_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&format!("pub async fn f{i}() -> u8 {{ 1 }}\n"));
    }
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"many\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    write(dir.path(), "src/lib.rs", &text);
    for format in ["human", "json"] {
        let run = run_with_timeout(
            dir.path(),
            &["-q", "--message-format", format],
            Duration::from_secs(60),
        );
        assert_eq!(run.code, Some(0), "{format}: {}", run.stderr);
        assert!(
            run.elapsed < Duration::from_secs(30),
            "{format}: {:?}",
            run.elapsed
        );
        if format == "human" {
            assert_eq!(run.stdout.matches("async_without_await]").count(), 10_000);
            assert!(run
                .stdout
                .contains("10000 | pub async fn f9999() -> u8 { 1 }"));
        }
    }
}
